/* guest.h — helpers shared by the in-guest programs (memcheck, udpecho, cpuburn):
 * clocks, stop signals, detaching from an ssh session and pid files.
 *
 * The programs are built static by vm-images/build and run inside the lab's guests,
 * started over ssh by the harness.  Each ends cleanly on SIGTERM or SIGINT. */
#ifndef MB_GUEST_H
#define MB_GUEST_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t guest_stop;

static void guest_on_signal(int sig)
{
    (void)sig;
    guest_stop = 1;
}

/* SIGTERM and SIGINT set guest_stop.  No SA_RESTART: a blocking call returns EINTR,
 * so a loop around it sees the flag at once. */
static inline void guest_catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = guest_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static inline double guest_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double guest_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep s seconds unless a stop signal comes first. */
static inline void guest_sleep(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Write the pid to path (atomically: temporary file + rename).  Returns 0 or -1. */
static inline int guest_write_pidfile(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return -1;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Detach (for "ssh guest prog -d"): fork; the child starts a new session with stdin on
 * /dev/null, and the parent waits until the child calls guest_ready(), prints the
 * child's pid and exits 0 (1 if the child died first).  stdout/stderr are kept: the
 * caller redirects them to a log.  Returns in the child only. */
static int guest_ready_fd = -1;

static inline void guest_daemonize(void)
{
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        exit(1);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid > 0) {
        close(p[1]);
        char c;
        ssize_t n;
        do
            n = read(p[0], &c, 1);
        while (n < 0 && errno == EINTR);
        if (n == 1) {
            printf("%ld\n", (long)pid);
            exit(0);
        }
        int st;
        waitpid(pid, &st, 0);
        exit(1);
    }
    close(p[0]);
    guest_ready_fd = p[1];
    setsid();
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, 0);
        if (fd > 0)
            close(fd);
    }
}

/* Tell a waiting parent (guest_daemonize) that the program is running. */
static inline void guest_ready(void)
{
    if (guest_ready_fd >= 0) {
        if (write(guest_ready_fd, "r", 1) != 1)
            perror("ready");
        close(guest_ready_fd);
        guest_ready_fd = -1;
    }
}

/* Parse a non-negative number; exits with status 2 and a message when s is not one. */
static inline double guest_number(const char *prog, const char *opt, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < 0) {
        fprintf(stderr, "%s: %s wants a number >= 0, not '%s'\n", prog, opt, s);
        exit(2);
    }
    return v;
}

#endif
