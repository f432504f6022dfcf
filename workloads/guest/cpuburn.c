/* cpuburn — keep CPUs busy: the program of the destination's placeholder VMs that
 * hold CPU for an incoming VM (the paper's CPU reservation).
 *
 *   cpuburn [-n THREADS] [-t SECONDS] [-p PID_FILE] [-d]
 *
 * Spins THREADS threads (default: one per online CPU) until SIGTERM/SIGINT or SECONDS
 * (-t), then prints
 *   cpuburn final threads=N seconds=S loops=L
 * -d detaches once the threads run and prints the pid.  Exit status: 0, 1 setup
 * failure, 2 bad usage. */
#include <pthread.h>
#include <stdatomic.h>

#include "guest.h"

static atomic_int stop_threads;
static atomic_ullong loops;

static void *spin(void *arg)
{
    (void)arg;
    unsigned long long n = 0;
    volatile double x = 1.0;
    while (!atomic_load_explicit(&stop_threads, memory_order_relaxed)) {
        for (int i = 0; i < 100000; i++)
            x = x * 1.0000001 + 1e-9;
        n++;
    }
    atomic_fetch_add(&loops, n);
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: cpuburn [-n THREADS] [-t SECONDS] [-p PID_FILE] [-d]\n"
                 "Spins THREADS busy threads (default: one per CPU) until SIGTERM.\n");
}

int main(int argc, char **argv)
{
    long nthreads = sysconf(_SC_NPROCESSORS_ONLN);
    double seconds = 0;
    const char *pidfile = NULL;
    int detach = 0, c;
    while ((c = getopt(argc, argv, "n:t:p:dh")) != -1) {
        switch (c) {
        case 'n':
            nthreads = (long)guest_number("cpuburn", "-n", optarg);
            break;
        case 't':
            seconds = guest_number("cpuburn", "-t", optarg);
            break;
        case 'p':
            pidfile = optarg;
            break;
        case 'd':
            detach = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || nthreads < 1 || nthreads > 1024) {
        usage(stderr);
        return 2;
    }
    guest_catch_stop_signals();
    if (detach)
        guest_daemonize();
    if (pidfile && guest_write_pidfile(pidfile) != 0)
        perror(pidfile);

    /* the threads never see the stop signals: the main thread waits for them */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    pthread_t *t = calloc((size_t)nthreads, sizeof(*t));
    if (!t) {
        perror("cpuburn");
        return 1;
    }
    long started = 0;
    for (; started < nthreads; started++)
        if (pthread_create(&t[started], NULL, spin, NULL) != 0) {
            perror("cpuburn: pthread_create");
            break;
        }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    double t0 = guest_now();
    guest_ready();
    while (!guest_stop && started > 0) {
        double left = seconds > 0 ? seconds - (guest_now() - t0) : 1.0;
        if (left <= 0)
            break;
        guest_sleep(left < 1.0 ? left : 1.0);
    }
    atomic_store(&stop_threads, 1);
    for (long i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    printf("cpuburn final threads=%ld seconds=%.1f loops=%llu\n", started, guest_now() - t0,
           (unsigned long long)atomic_load(&loops));
    return started == nthreads ? 0 : 1;
}
