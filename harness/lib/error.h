/* error.h — the error record every fallible function fills, and the exit codes.
 *
 * Functions return 0 or a negative enum mb_status and describe the failure in a
 * struct mb_error owned by the caller; only main() prints it and exits.  When input
 * caused the failure, the record carries file:line:column. */
#ifndef MB_ERROR_H
#define MB_ERROR_H

#include <stddef.h>

enum mb_status {
    MB_OK = 0,
    MB_EINPUT = -1,  /* bad input: scenario, testbed, results file, command line */
    MB_ENOMEM = -2,  /* out of memory or over a size limit */
    MB_EIO = -3,     /* a file could not be read or written */
    MB_EENV = -4,    /* the environment failed: host, daemon, hypervisor, tool */
    MB_EINTR = -5,   /* interrupted by SIGINT/SIGTERM */
    MB_EFAILED = -6, /* the work ran, and some of it failed (runs, a regression) */
};

/* Exit statuses of the migbench command (documented in migbench --help). */
enum mb_exit {
    MB_EXIT_OK = 0,
    MB_EXIT_FAILED = 1, /* runs failed, or compare found a regression */
    MB_EXIT_INPUT = 2,  /* bad input or usage */
    MB_EXIT_ENV = 3,    /* environment: testbed, libvirt, ssh, missing tool */
    MB_EXIT_INTERRUPTED = 130,
};

struct mb_error {
    int status;       /* enum mb_status of the failure, MB_OK when clear */
    char file[256];   /* input file that caused it, or "" */
    int line, column; /* 1-based; 0 when unknown */
    char msg[1024];
};

/* Reset a record to "no error". */
void mb_error_clear(struct mb_error *e);

/* Fill the record with a status and a printf-style message; returns status, so
 * `return mb_error_set(e, MB_EINPUT, "...")` reads naturally.  e may be NULL. */
int mb_error_set(struct mb_error *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As mb_error_set, with the place in an input file (line and column 1-based). */
int mb_error_at(struct mb_error *e, int status, const char *file, int line, int column,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Format "file:line:column: message" (or just the message) into buf. */
void mb_error_format(const struct mb_error *e, char *buf, size_t size);

/* The command's exit status for a function's return status. */
int mb_exit_code(int status);

#endif
