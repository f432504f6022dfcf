/* proc.c — child processes (see proc.h). */
#include "lib/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Our environment with the extra "K=V" entries in place of any of the same name; the
 * array is new, its strings borrowed.  Built before fork: the child may not allocate. */
static char **merged_env(char *const *extra)
{
    size_t n = 0, k = 0;
    while (environ[n])
        n++;
    while (extra && extra[k])
        k++;
    char **env = mb_xcalloc(n + k + 1, sizeof(*env));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t klen = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
        bool replaced = false;
        for (size_t j = 0; j < k && !replaced; j++)
            replaced = !strncmp(extra[j], environ[i], klen);
        if (!replaced)
            env[m++] = environ[i];
    }
    for (size_t j = 0; j < k; j++)
        env[m++] = extra[j];
    return env;
}

/* Point the child's descriptor target at what the spec asks. */
static void child_stream(enum mb_proc_stream how, int fd, int pipe_w, int devnull, int target)
{
    switch (how) {
    case MB_PROC_INHERIT:
        break;
    case MB_PROC_DEVNULL:
        if (devnull >= 0)
            dup2(devnull, target);
        break;
    case MB_PROC_FD:
        dup2(fd, target);
        break;
    case MB_PROC_CAPTURE:
        dup2(pipe_w, target);
        break;
    }
}

/* The child, between fork and exec: async-signal-safe calls only. */
static void child(const struct mb_proc_spec *s, char **env, pid_t parent, int capture_w,
                  int exec_err_w)
{
    if (s->die_with_us)
        prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (s->own_group)
        setpgid(0, 0);
    if (getppid() != parent) /* the parent died before the child could follow it */
        _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    int devnull = -1;
    if (s->in == MB_PROC_DEVNULL || s->out == MB_PROC_DEVNULL || s->err == MB_PROC_DEVNULL)
        devnull = open("/dev/null", O_RDWR);
    child_stream(s->in == MB_PROC_DEVNULL ? MB_PROC_DEVNULL : MB_PROC_INHERIT, -1, -1, devnull, 0);
    child_stream(s->out, s->out_fd, capture_w, devnull, 1);
    child_stream(s->err, s->err_fd, capture_w, devnull, 2);
    int e = 0; /* what failed: errno of the exec, or minus errno of the chdir */
    if (s->dir && chdir(s->dir) != 0)
        e = -errno;
    if (!e) {
        if (s->search_path)
            execvpe(s->path, s->argv, env);
        else
            execve(s->path, s->argv, env);
        e = errno;
    }
    if (write(exec_err_w, &e, sizeof(e)) < 0)
        _exit(127);
    _exit(127);
}

/* Start the child with capture_w as its MB_PROC_CAPTURE end (-1: none). */
static int spawn(const struct mb_proc_spec *s, int capture_w, pid_t *pid, struct mb_error *err)
{
    int ee[2];
    if (pipe2(ee, O_CLOEXEC) != 0)
        return mb_error_set(err, MB_EENV, "pipe: %s", strerror(errno));
    char **env = merged_env(s->env);
    pid_t parent = getpid();
    fflush(NULL); /* what we buffered must not be written twice */
    pid_t p = fork();
    if (p == 0)
        child(s, env, parent, capture_w, ee[1]);
    int fork_errno = errno;
    free(env);
    close(ee[1]);
    if (p < 0) {
        close(ee[0]);
        return mb_error_set(err, MB_EENV, "fork: %s", strerror(fork_errno));
    }
    int e = 0;
    ssize_t got;
    do
        got = read(ee[0], &e, sizeof(e));
    while (got < 0 && errno == EINTR);
    close(ee[0]);
    if (got == (ssize_t)sizeof(e)) {
        int st;
        while (waitpid(p, &st, 0) < 0 && errno == EINTR)
            ;
        if (e < 0)
            return mb_error_set(err, MB_EENV, "cannot run %s in %s: %s", s->path, s->dir,
                                strerror(-e));
        return mb_error_set(err, MB_EENV, "cannot run %s: %s", s->path, strerror(e));
    }
    *pid = p;
    return 0;
}

int mb_proc_spawn(const struct mb_proc_spec *s, pid_t *pid, struct mb_error *err)
{
    if (!s || !s->path || !s->argv || !pid)
        return mb_error_set(err, MB_EINPUT, "mb_proc_spawn: no program");
    if (s->out == MB_PROC_CAPTURE || s->err == MB_PROC_CAPTURE)
        return mb_error_set(err, MB_EINPUT, "mb_proc_spawn: %s: nothing reads a captured stream",
                            s->path);
    return spawn(s, -1, pid, err);
}

int mb_proc_wait(pid_t pid, int *status, struct mb_error *err)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return mb_error_set(err, MB_EENV, "waitpid %ld: %s", (long)pid, strerror(errno));
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

int mb_proc_run(const struct mb_proc_spec *s, struct mb_buf *out, volatile pid_t *running,
                int *status, struct mb_error *err)
{
    if (!s || !s->path || !s->argv || !status)
        return mb_error_set(err, MB_EINPUT, "mb_proc_run: no program");
    bool capture = s->out == MB_PROC_CAPTURE || s->err == MB_PROC_CAPTURE;
    if (s->out == MB_PROC_CAPTURE && s->err == MB_PROC_CAPTURE)
        return mb_error_set(err, MB_EINPUT, "mb_proc_run: %s: capture stdout or stderr, not both",
                            s->path);
    if (capture && !out)
        return mb_error_set(err, MB_EINPUT, "mb_proc_run: %s: no buffer for its output", s->path);
    int p[2] = {-1, -1};
    if (capture && pipe2(p, O_CLOEXEC) != 0)
        return mb_error_set(err, MB_EENV, "pipe: %s", strerror(errno));
    pid_t pid;
    int rc = spawn(s, p[1], &pid, err);
    if (p[1] >= 0)
        close(p[1]);
    if (rc < 0) {
        if (p[0] >= 0)
            close(p[0]);
        return rc;
    }
    if (running)
        *running = pid;
    if (capture) {
        char buf[4096];
        for (;;) {
            ssize_t n = read(p[0], buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            mb_buf_append(out, buf, (size_t)n); /* past the ceiling: dropped */
        }
        close(p[0]);
    }
    rc = mb_proc_wait(pid, status, err);
    if (running)
        *running = 0;
    return rc;
}
