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

#include "workload.h"

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

static const char usage[] = "usage: cpuburn [-n THREADS] [-t SECONDS] [-p PID_FILE] [-d]\n"
                            "Spins THREADS busy threads (default: one per CPU) until SIGTERM.\n";

int main(int argc, char **argv)
{
    int nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    double seconds = 0;
    const struct wl_opt opts[] = {
        {'n', WL_INT, &nthreads}, {'t', WL_NUMBER, &seconds}, {0, 0, NULL}};
    struct wl_prog prog = {.name = "cpuburn", .usage = usage, .opts = opts, .pid_letter = 'p'};
    if (wl_parse_options(&prog, argc, argv) != argc || nthreads < 1 || nthreads > 1024)
        return wl_usage_error(&prog);
    wl_catch_stop_signals();
    wl_start(&prog);

    /* the threads never see the stop signals: the main thread waits for them */
    sigset_t old;
    wl_block_stop_signals(&old);
    pthread_t *t = calloc((size_t)nthreads, sizeof(*t));
    if (!t) {
        perror("cpuburn");
        return 1;
    }
    int started = 0;
    for (; started < nthreads; started++)
        if (pthread_create(&t[started], NULL, spin, NULL) != 0) {
            perror("cpuburn: pthread_create");
            break;
        }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    double t0 = wl_now();
    wl_ready();
    while (!wl_stop && started > 0) {
        double left = seconds > 0 ? seconds - (wl_now() - t0) : 1.0;
        if (left <= 0)
            break;
        wl_sleep(left < 1.0 ? left : 1.0);
    }
    atomic_store(&stop_threads, 1);
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    printf("cpuburn final threads=%d seconds=%.1f loops=%llu\n", started, wl_now() - t0,
           (unsigned long long)atomic_load(&loops));
    return started == nthreads ? 0 : 1;
}
