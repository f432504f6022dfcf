/* proc.h — child processes: start a program with its standard streams set up, learn
 * whether the exec itself failed, and wait for it.
 *
 * One place for fork/exec, because the details are easy to get wrong and were written
 * three times: only async-signal-safe calls between fork and exec (the harness has
 * threads), an exec failure reported to the parent through a close-on-exec pipe rather
 * than as an exit status 127 that looks like the program's own, EINTR on every wait. */
#ifndef MB_PROC_H
#define MB_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "lib/error.h"
#include "lib/util.h"

/* What a child's standard stream is connected to. */
enum mb_proc_stream {
    MB_PROC_INHERIT = 0, /* ours */
    MB_PROC_DEVNULL,     /* /dev/null */
    MB_PROC_FD,          /* the descriptor given in the spec */
    MB_PROC_CAPTURE,     /* a pipe read into mb_proc_run's buffer (stdout or stderr, one) */
};

/* How to start one program.  Strings are borrowed. */
struct mb_proc_spec {
    const char *path;  /* the program; looked up in PATH when search_path is set */
    char *const *argv; /* NULL-terminated, argv[0] included */
    char *const *env;  /* extra "K=V" entries for the child, NULL-terminated, or NULL */
    const char *dir;   /* working directory of the child, or NULL */
    bool search_path;  /* execvp instead of execv */
    bool own_group;    /* a process group of its own: a terminal's Ctrl-C stays ours */
    bool die_with_us;  /* SIGTERM when the thread that forked it ends (PR_SET_PDEATHSIG) */
    enum mb_proc_stream in, out, err;
    int out_fd, err_fd; /* with MB_PROC_FD */
};

/* Start the program.  Sets *pid on success.  Returns 0, or MB_EENV with err naming the
 * program when it could not be started (fork failed, not found, not executable).
 * MB_PROC_CAPTURE is not allowed here (use mb_proc_run). */
int mb_proc_spawn(const struct mb_proc_spec *s, pid_t *pid, struct mb_error *err);

/* Wait for pid to end.  Returns 0 and its status as a shell gives it (the exit status, or
 * 128 + the signal that ended it), or MB_EENV when waitpid failed. */
int mb_proc_wait(pid_t pid, int *status, struct mb_error *err);

/* Start the program and wait for it, reading the stream marked MB_PROC_CAPTURE (at most
 * one) into out, up to out's ceiling (the rest is read and dropped).  While it runs,
 * *running (when not NULL) holds its pid, so that a signal handler can pass a signal on;
 * it is 0 again on return.  Returns 0 and the status as mb_proc_wait, or MB_EENV. */
int mb_proc_run(const struct mb_proc_spec *s, struct mb_buf *out, volatile pid_t *running,
                int *status, struct mb_error *err);

#endif
