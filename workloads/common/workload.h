/* workload.h — what every workload program shares: the in-guest programs of
 * workloads/guest/ (built static into the guest image by vm-images/build) and the load
 * client of workloads/loadclient/ (bin/mb-webbench, built by the Makefile).
 *
 * An option table read by getopt (-h and bad options handled alike everywhere), clocks,
 * the stop signals (SIGTERM, SIGINT: every program ends cleanly on them), detaching from
 * an ssh session, and the pid and status files the harness reads.  Every program is one
 * .c file linked with workload.c. */
#ifndef MB_WORKLOAD_H
#define MB_WORKLOAD_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Set by SIGTERM and SIGINT once wl_catch_stop_signals() ran. */
extern volatile sig_atomic_t wl_stop;

enum wl_opt_kind {
    WL_NUMBER, /* double *: a number >= 0 */
    WL_INT,    /* int *: a number >= 0, cut to INT_MAX (the caller checks the range) */
    WL_STRING, /* const char **: the argument itself (borrowed from argv) */
    WL_FLAG,   /* int *: set to 1 */
};

/* One option: -LETTER stores into dest as kind says. */
struct wl_opt {
    char letter;
    enum wl_opt_kind kind;
    void *dest;
};

/* A program: its name for messages, its usage text (printed as is) and its options,
 * ended by an entry whose letter is 0.  -h is every program's and needs no entry.  A
 * program that can detach names its pid file's option letter ('p' or 'P'): -d and that
 * option are then parsed into detach and pidfile, for wl_start(). */
struct wl_prog {
    const char *name;
    const char *usage;
    const struct wl_opt *opts;
    char pid_letter;     /* 0: neither -d nor a pid file */
    int detach;          /* -d was given */
    const char *pidfile; /* the pid file's name (borrowed from argv), or NULL */
};

/* Parse argv's options with getopt into the table's destinations.  Returns the index of
 * the first operand.  -h prints the usage on stdout and exits 0; an unknown option, a
 * missing argument or a bad number prints a message and exits 2. */
int wl_parse_options(struct wl_prog *p, int argc, char **argv);

/* Print the usage on stderr and return 2 (the exit status of bad usage). */
int wl_usage_error(const struct wl_prog *p);

/* SIGTERM and SIGINT set wl_stop; SIGPIPE is ignored.  No SA_RESTART: a blocking call
 * returns EINTR, so a loop around it sees the flag at once. */
void wl_catch_stop_signals(void);

/* Block the stop signals in the calling thread, and so in the threads it starts next:
 * only the main thread, which waits for them, should see them.  *old receives the mask
 * to restore with pthread_sigmask(SIG_SETMASK, old, NULL). */
void wl_block_stop_signals(sigset_t *old);

/* Seconds on the monotonic clock; seconds since the epoch (wall clock). */
double wl_now(void);
double wl_wall(void);

/* Sleep s seconds unless a stop signal comes first. */
void wl_sleep(double s);

/* Detach when -d was given, then write the pid file when one was named (a failure is
 * reported, not fatal).  Detaching forks: the child starts a new session with stdin on
 * /dev/null and keeps stdout and stderr (the caller redirects them to a log); the parent
 * waits until the child calls wl_ready(), prints the child's pid and exits 0 (1 if the
 * child died first).  Returns in the child only. */
void wl_start(const struct wl_prog *p);

/* Remove the pid file, if one was named: at the end, so that a stale pid cannot lead a
 * stop to another process. */
void wl_remove_pidfile(const struct wl_prog *p);

/* Tell the parent waiting after -d that the program is running. */
void wl_ready(void);

/* The IPv4 address a server binds to: addr (dotted quad; all addresses when NULL) and
 * port, into *sin.  Returns 0, or prints "PROG: -a wants an IPv4 address" and returns 2
 * (the exit status of bad usage). */
int wl_ipv4_address(const char *prog, const char *addr, int port, struct sockaddr_in *sin);

/* The next number of a xorshift64* generator whose state (not 0) is *s: fast, and good
 * enough to pick records, customers and items. */
uint64_t wl_random(uint64_t *s);

/* Rewrite the status file path atomically (temporary file + rename) with key=value
 * lines: pid=, state=, then fmt's lines, then wall=.  Returns 0, or -1 with errno set
 * (nothing is written when path is NULL; that is 0). */
int wl_write_status(const char *path, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
