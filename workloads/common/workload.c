/* workload.c — the frame every workload program shares (see workload.h). */
#include "workload.h"

#include <arpa/inet.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/wait.h>

volatile sig_atomic_t wl_stop;

/* The write end of the pipe a detached program's parent waits on; -1 when not detached
 * or already told. */
static int ready_fd = -1;

/* Parse a non-negative number; exits with status 2 and a message when s is not one. */
static double number(const char *prog, const char *opt, const char *s)
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

int wl_usage_error(const struct wl_prog *p)
{
    fputs(p->usage, stderr);
    return 2;
}

/* The getopt string of p's options: each letter, with ':' when it takes an argument. */
static void optstring_of(const struct wl_prog *p, char *out, size_t size)
{
    size_t n = 0;
    for (const struct wl_opt *o = p->opts; o->letter && n + 6 < size; o++) {
        out[n++] = o->letter;
        if (o->kind != WL_FLAG)
            out[n++] = ':';
    }
    if (p->pid_letter) {
        out[n++] = 'd';
        out[n++] = p->pid_letter;
        out[n++] = ':';
    }
    out[n++] = 'h';
    out[n] = '\0';
}

/* Store optarg as o says. */
static void store(const struct wl_prog *p, const struct wl_opt *o, const char *arg)
{
    char opt[3] = {'-', o->letter, '\0'};
    double v;
    switch (o->kind) {
    case WL_NUMBER:
        *(double *)o->dest = number(p->name, opt, arg);
        break;
    case WL_INT:
        v = number(p->name, opt, arg);
        *(int *)o->dest = v > INT_MAX ? INT_MAX : (int)v;
        break;
    case WL_STRING:
        *(const char **)o->dest = arg;
        break;
    case WL_FLAG:
        *(int *)o->dest = 1;
        break;
    }
}

int wl_parse_options(struct wl_prog *p, int argc, char **argv)
{
    char optstring[128];
    optstring_of(p, optstring, sizeof(optstring));
    int c;
    while ((c = getopt(argc, argv, optstring)) != -1) {
        const struct wl_opt *o = p->opts;
        while (o->letter && o->letter != c)
            o++;
        if (o->letter) {
            store(p, o, optarg);
        } else if (c == 'h') {
            fputs(p->usage, stdout);
            exit(0);
        } else if (p->pid_letter && c == 'd') {
            p->detach = 1;
        } else if (p->pid_letter && c == p->pid_letter) {
            p->pidfile = optarg;
        } else {
            exit(wl_usage_error(p));
        }
    }
    return optind;
}

static void on_stop_signal(int sig)
{
    (void)sig;
    wl_stop = 1;
}

void wl_catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void wl_block_stop_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static double clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double wl_now(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

double wl_wall(void)
{
    return clock_seconds(CLOCK_REALTIME);
}

void wl_sleep(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Open path's temporary sibling (path + ".tmp", its name in tmp) for writing. */
static FILE *open_tmp(const char *path, char *tmp, size_t size)
{
    if (snprintf(tmp, size, "%s.tmp", path) >= (int)size) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    return fopen(tmp, "w");
}

/* Close f and rename tmp over path, so a reader sees the old file or the new one, never
 * a part.  Returns 0, or -1 with errno set (tmp removed). */
static int commit_tmp(FILE *f, const char *tmp, const char *path)
{
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        int err = errno;
        unlink(tmp);
        errno = err;
        return -1;
    }
    return 0;
}

/* Write the pid to path (atomically).  Returns 0 or -1. */
static int write_pidfile(const char *path)
{
    char tmp[4096];
    FILE *f = open_tmp(path, tmp, sizeof(tmp));
    if (!f)
        return -1;
    fprintf(f, "%ld\n", (long)getpid());
    return commit_tmp(f, tmp, path);
}

/* Detach, for "ssh guest prog -d": the ssh session ends while the program runs on (see
 * wl_start()). */
static void daemonize(void)
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
    ready_fd = p[1];
    setsid();
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, 0);
        if (fd > 0)
            close(fd);
    }
}

void wl_start(const struct wl_prog *p)
{
    if (p->detach)
        daemonize();
    if (p->pidfile && write_pidfile(p->pidfile) != 0)
        perror(p->pidfile);
}

void wl_remove_pidfile(const struct wl_prog *p)
{
    if (p->pidfile)
        unlink(p->pidfile);
}

void wl_ready(void)
{
    if (ready_fd >= 0) {
        if (write(ready_fd, "r", 1) != 1)
            perror("ready");
        close(ready_fd);
        ready_fd = -1;
    }
}

int wl_write_status(const char *path, const char *state, const char *fmt, ...)
{
    if (!path)
        return 0;
    char tmp[4096];
    FILE *f = open_tmp(path, tmp, sizeof(tmp));
    if (!f)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    fprintf(f, "pid=%ld\nstate=%s\n", (long)getpid(), state);
    vfprintf(f, fmt, ap);
    fprintf(f, "wall=%.3f\n", wl_wall());
    va_end(ap);
    return commit_tmp(f, tmp, path);
}

int wl_ipv4_address(const char *prog, const char *addr, int port, struct sockaddr_in *sin)
{
    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    sin->sin_addr.s_addr = htonl(INADDR_ANY);
    if (addr && inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
        fprintf(stderr, "%s: -a wants an IPv4 address, not '%s'\n", prog, addr);
        return 2;
    }
    return 0;
}

uint64_t wl_random(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}
