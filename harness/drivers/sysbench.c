/* sysbench.c — Debian's sysbench in the guest (/usr/bin/sysbench): its cpu, memory,
 * fileio or threads test with a report every second, read into a series:
 *   [ 1s ] thds: 1 eps: 554.97 lat (ms,95%): 2.22              cpu, threads: events/s
 *   [ 1s ] 1197.47 MiB/sec                                       memory: MiB/s
 *   [ 1s ] reads: 47.75 MiB/s writes: 31.83 MiB/s fsyncs: ...    fileio: MiB/s (r + w)
 * Its summary (printed only when it ends by itself) gives the score.  sysbench ends at
 * SIGTERM without a summary, so a stopped run's series is complete = false. */
#include "options.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote.h"

static const char *const tests[] = {"cpu", "memory", "fileio", "threads", NULL};
static const char *const opers[] = {"read", "write", NULL};
static const char *const fmodes[] = {"seqwr", "seqrewr", "seqrd", "rndrd", "rndwr", "rndrw", NULL};

static const struct mb_option options[] = {
    {"workload.sysbench.test", MB_OPT_ENUM, MB_SCOPE_POINT, "cpu", 0, 0, 0, tests,
     MB_WL_PARAM(sysbench_test), "sysbench: its test: cpu, memory, fileio or threads."},
    {"workload.sysbench.threads", MB_OPT_INT, MB_SCOPE_POINT, "1", MB_OPTF_MIN | MB_OPTF_MAX, 1,
     256, NULL, MB_WL_PARAM(sysbench_threads), "sysbench: worker threads."},
    {"workload.sysbench.cpu_max_prime", MB_OPT_INT, MB_SCOPE_POINT, "10000",
     MB_OPTF_MIN | MB_OPTF_MAX, 3, 10000000, NULL, MB_WL_PARAM(sysbench_cpu_max_prime),
     "sysbench cpu: each event finds the primes up to this."},
    {"workload.sysbench.memory_block_size", MB_OPT_SIZE, MB_SCOPE_POINT, "1KiB",
     MB_OPTF_MIN | MB_OPTF_MAX, 1, 1 * MB_WL_GIB, NULL, MB_WL_PARAM(sysbench_memory_block_size),
     "sysbench memory: block size."},
    {"workload.sysbench.memory_oper", MB_OPT_ENUM, MB_SCOPE_POINT, "write", 0, 0, 0, opers,
     MB_WL_PARAM(sysbench_memory_oper), "sysbench memory: read or write."},
    {"workload.sysbench.file_test_mode", MB_OPT_ENUM, MB_SCOPE_POINT, "rndrw", 0, 0, 0, fmodes,
     MB_WL_PARAM(sysbench_file_test_mode),
     "sysbench fileio: seqwr, seqrewr, seqrd, rndrd, rndwr or rndrw."},
    {"workload.sysbench.file_total_size", MB_OPT_SIZE, MB_SCOPE_POINT, "64MiB",
     MB_OPTF_MIN | MB_OPTF_MAX, 1 * MB_WL_MIB, 1024 * MB_WL_GIB, NULL,
     MB_WL_PARAM(sysbench_file_total_size),
     "sysbench fileio: size of its files (prepared before the run, removed after)."},
    {"workload.sysbench.dir", MB_OPT_STRING, MB_SCOPE_POINT, "auto", 0, 0, 0, NULL,
     MB_WL_PARAM(sysbench_dir),
     "sysbench fileio: directory of its files; auto = /mnt/scratch when mounted, else "
     "/tmp (RAM)."},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};

static const char *test_of(const struct mb_wl_params *p)
{
    return p->sysbench_test ? p->sysbench_test : "cpu";
}

static int check(const struct mb_wl_params *p, uint64_t vm_memory, const char **key,
                 struct mb_error *err)
{
    const char *t = test_of(p);
    int known = 0;
    for (size_t i = 0; tests[i]; i++)
        known |= !strcmp(t, tests[i]);
    if (!known)
        return mb_wl_refuse(key, "workload.sysbench.test", err,
                            "workload.sysbench.test: '%s' is not one of cpu, "
                            "memory, fileio, threads",
                            t);
    bool ram;
    if (mb_wl_check_dir("workload.sysbench.dir", p->sysbench_dir, &ram, key, err) < 0)
        return MB_EINPUT;
    if (!strcmp(t, "fileio") && ram && vm_memory > 0 && p->sysbench_file_total_size > vm_memory / 3)
        return mb_wl_refuse(key, "workload.sysbench.file_total_size", err,
                            "workload.sysbench.file_total_size: %llu MiB in the guest's RAM (%s) "
                            "is more than a third of its %llu MiB (vms.memory)",
                            (unsigned long long)(p->sysbench_file_total_size >> 20),
                            p->sysbench_dir, (unsigned long long)(vm_memory >> 20));
    return 0;
}

/* The options of its test, shared by prepare, run and cleanup. */
static int test_args(const struct mb_wl_params *p, struct mb_buf *b)
{
    const char *t = test_of(p);
    if (mb_wl_arg(b, t) < 0)
        return -1;
    if (!strcmp(t, "cpu"))
        return mb_wl_argf(b, "--cpu-max-prime=%lld", (long long)p->sysbench_cpu_max_prime);
    if (!strcmp(t, "memory"))
        /* a total it cannot reach: the run ends at --time or SIGTERM */
        return mb_wl_argf(b, "--memory-block-size=%llu",
                          (unsigned long long)p->sysbench_memory_block_size) < 0 ||
                       mb_wl_arg(b, "--memory-total-size=100T") < 0 ||
                       mb_wl_argf(b, "--memory-oper=%s",
                                  p->sysbench_memory_oper ? p->sysbench_memory_oper : "write") < 0
                   ? -1
                   : 0;
    if (!strcmp(t, "fileio"))
        return mb_wl_argf(b, "--file-total-size=%llu",
                          (unsigned long long)p->sysbench_file_total_size) < 0 ||
                       mb_wl_argf(b, "--file-test-mode=%s",
                                  p->sysbench_file_test_mode ? p->sysbench_file_test_mode
                                                             : "rndrw") < 0
                   ? -1
                   : 0;
    return 0;
}

static int start(const struct mb_wl_params *p, double max_s, struct mb_buf *b, struct mb_error *err)
{
    char log[64], pid[64], dirf[64];
    mb_wl_path(log, sizeof(log), "sysbench", "log");
    mb_wl_path(pid, sizeof(pid), "sysbench", "pid");
    mb_wl_path(dirf, sizeof(dirf), "sysbench", "dir");
    bool fileio = !strcmp(test_of(p), "fileio");
    /* sysbench reports every whole second at best */
    long interval = (long)ceil(p->interval_ms / 1000.0 - 1e-9);
    if (interval < 1)
        interval = 1;
    int bad = 0;
    if (fileio) {
        /* its files: in the chosen directory, prepared before the run starts */
        const char *dir = p->sysbench_dir ? p->sysbench_dir : "auto";
        if (!strcmp(dir, "auto"))
            bad = mb_buf_printf(b, "d=/tmp; grep -qs ' /mnt/scratch ' /proc/mounts && "
                                   "d=/mnt/scratch; ") < 0;
        else
            bad = mb_buf_printf(b, "d=") < 0 || mb_remote_quote(b, dir) < 0 ||
                  mb_buf_printf(b, "; ") < 0;
        bad = bad || mb_buf_printf(b, "echo \"$d\" >") < 0 || mb_remote_quote(b, dirf) < 0 ||
              mb_buf_printf(b, " && cd \"$d\" && sysbench") < 0 || test_args(p, b) < 0 ||
              mb_wl_arg(b, "prepare") < 0 || mb_wl_redirect(b, log, false) < 0 ||
              mb_buf_printf(b, " && { ") < 0;
    }
    /* setsid: its own session, so the ssh session's end leaves it running; $! is its pid
     * (setsid forks only when it is a process group leader, which a background job of a
     * non-interactive shell is not) */
    bad = bad || mb_buf_printf(b, "setsid sysbench") < 0 || test_args(p, b) < 0 ||
          mb_wl_argf(b, "--threads=%lld", (long long)p->sysbench_threads) < 0 ||
          mb_wl_argf(b, "--time=%.0f", ceil(max_s)) < 0 ||
          mb_wl_argf(b, "--report-interval=%ld", interval) < 0 || mb_wl_arg(b, "run") < 0 ||
          mb_buf_printf(b, " </dev/null") < 0 || mb_wl_redirect(b, log, fileio) < 0 ||
          mb_buf_printf(b, " & echo $! >") < 0 || mb_remote_quote(b, pid) < 0;
    if (fileio)
        bad = bad || mb_buf_printf(b, "; }") < 0;
    if (bad)
        return mb_error_set(err, MB_ENOMEM, "sysbench: start command too long");
    return 0;
}

static int stop(const struct mb_wl_params *p, struct mb_buf *b)
{
    char pid[64], dirf[64];
    mb_wl_path(pid, sizeof(pid), "sysbench", "pid");
    mb_wl_path(dirf, sizeof(dirf), "sysbench", "dir");
    if (mb_wl_stop_pidfile(b, pid) < 0)
        return -1;
    if (strcmp(test_of(p), "fileio"))
        return 0;
    /* remove its files from where start put them */
    return mb_buf_printf(b, "; d=$(cat ") < 0 || mb_remote_quote(b, dirf) < 0 ||
                   mb_buf_printf(b, " 2>/dev/null); [ -n \"$d\" ] && (cd \"$d\" && sysbench") < 0 ||
                   test_args(p, b) < 0 || mb_wl_arg(b, "cleanup") < 0 ||
                   mb_buf_printf(b, " >/dev/null 2>&1); rm -f ") < 0 ||
                   mb_remote_quote(b, dirf) < 0 || mb_buf_printf(b, "; true") < 0
               ? -1
               : 0;
}

/* The number after the token tok (e.g. "eps:") in a line; 0 and *v, or -1. */
static int after(const char *line, size_t len, const char *tok, double *v)
{
    size_t tl = strlen(tok);
    for (size_t i = 0; i + tl <= len; i++) {
        if ((i > 0 && line[i - 1] != ' ') || memcmp(line + i, tok, tl))
            continue;
        size_t j = i + tl;
        while (j < len && line[j] == ' ')
            j++;
        char buf[64];
        size_t k = 0;
        while (j < len && k + 1 < sizeof(buf) && strchr("0123456789.", line[j]))
            buf[k++] = line[j++];
        buf[k] = '\0';
        if (k == 0 ||
            (j < len && line[j] != ' ' && line[j] != '/' && line[j] != 's' && line[j] != ')'))
            return -1;
        char *end;
        double x = strtod(buf, &end);
        if (*end)
            return -1;
        *v = x;
        return 0;
    }
    return -1;
}

enum kind { K_NONE, K_EVENTS, K_MEMORY, K_FILEIO };

/* "[ 12s ] rest": 0 with *t and *rest, -1 when the line is not a report. */
static int report_time(const char *line, size_t len, double *t, size_t *rest)
{
    size_t i = 1;
    while (i < len && line[i] == ' ')
        i++;
    size_t d = i;
    while (i < len && line[i] >= '0' && line[i] <= '9' && i - d < 9)
        i++;
    if (i == d || i >= len || line[i] != 's')
        return -1;
    char buf[16];
    memcpy(buf, line + d, i - d);
    buf[i - d] = '\0';
    i++;
    while (i < len && line[i] == ' ')
        i++;
    if (i >= len || line[i] != ']')
        return -1;
    *t = atof(buf);
    *rest = i + 1;
    return 0;
}

/* The figures of its closing summary. */
struct summary {
    double events, seconds, eps, mem, rd, wr;
};

static void summary_line(const char *line, size_t ll, struct summary *sum, struct mb_series *s)
{
    double v;
    if (after(line, ll, "events per second:", &v) == 0)
        sum->eps = v;
    else if (after(line, ll, "total number of events:", &v) == 0)
        sum->events = v;
    else if (after(line, ll, "total time:", &v) == 0) {
        sum->seconds = v;
        s->complete = true;
    } else if (after(line, ll, "read, MiB/s:", &v) == 0)
        sum->rd = v;
    else if (after(line, ll, "written, MiB/s:", &v) == 0)
        sum->wr = v;
    else if (after(line, ll, "transferred (", &v) == 0)
        sum->mem = v;
}

/* A "[ Ns ] ..." report: its time, its values and which test's it is (K_NONE: none). */
static enum kind report_line(const char *line, size_t ll, double *t, double *v)
{
    size_t r;
    if (report_time(line, ll, t, &r) != 0)
        return K_NONE;
    const char *rest = line + r;
    size_t rl = ll - r;
    double a, b, f;
    if (after(rest, rl, "eps:", &a) == 0) {
        v[0] = a;
        return K_EVENTS;
    }
    if (after(rest, rl, "reads:", &a) == 0 && after(rest, rl, "writes:", &b) == 0) {
        v[0] = a + b;
        v[1] = a;
        v[2] = b;
        v[3] = after(rest, rl, "fsyncs:", &f) == 0 ? f : 0;
        return K_FILEIO;
    }
    if (rl > 8 && !memcmp(rest + rl - 8, " MiB/sec", 8) && after(rest, rl, "", &a) == 0) {
        v[0] = a;
        return K_MEMORY;
    }
    return K_NONE;
}

static void name_columns(struct mb_series *s, enum kind k)
{
    if (k == K_EVENTS) {
        mb_series_column(s, 0, "eps", "events/s");
        return;
    }
    mb_series_column(s, 0, "mibs", "MiB/s");
    if (k == K_FILEIO) {
        mb_series_column(s, 1, "read_mibs", "MiB/s");
        mb_series_column(s, 2, "write_mibs", "MiB/s");
        mb_series_column(s, 3, "fsyncs", "fsyncs/s");
    }
}

static int parse(const char *text, size_t len, struct mb_series *s)
{
    struct mb_wl_lines it = {text, text + len, 0};
    const char *line;
    size_t ll;
    bool term;
    enum kind kind = K_NONE;
    double last_t = 0;
    struct summary sum = {NAN, NAN, NAN, NAN, NAN, NAN};
    while (mb_wl_next_line(&it, &line, &ll, &term)) {
        s->lines++;
        char ex[160];
        snprintf(ex, sizeof(ex), "%.*s", (int)(ll < 120 ? ll : 120), line);
        for (char *c = ex; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                *c = '?';
        if (!term) {
            if (ll > 0) {
                s->truncated = true;
                mb_series_note(s, "line %zu cut off: '%s'", it.lineno, ex);
            }
            break;
        }
        while (ll > 0 && line[0] == ' ') { /* the summary's lines are indented */
            line++;
            ll--;
        }
        if ((ll >= 6 && !memcmp(line, "FATAL:", 6)) || (ll >= 9 && !memcmp(line, "sysbench:", 9))) {
            mb_series_note(s, "%s", ex);
            continue;
        }
        if (ll == 0 || line[0] != '[') {
            summary_line(line, ll, &sum, s);
            continue;
        }
        double t = 0, v[MB_SERIES_COLS] = {0};
        enum kind k = report_line(line, ll, &t, v);
        int ok = k != K_NONE && (kind == K_NONE || kind == k);
        if (ok && kind == K_NONE)
            name_columns(s, kind = k);
        if (ok && mb_series_add(s, t, t - last_t, v, -1) >= 0) {
            last_t = t;
            continue;
        }
        s->bad_lines++;
        mb_series_note(s, "line %zu: a garbled report: '%s'", it.lineno, ex);
    }
    if (kind == K_EVENTS)
        s->score = !isnan(sum.eps)                           ? sum.eps
                   : (sum.seconds > 0 && !isnan(sum.events)) ? sum.events / sum.seconds
                                                             : NAN;
    else if (kind == K_MEMORY)
        s->score = sum.mem;
    else if (kind == K_FILEIO && !isnan(sum.rd) && !isnan(sum.wr))
        s->score = sum.rd + sum.wr;
    if (isnan(s->score))
        s->complete = false;
    return s->n > 0 ? 0 : MB_EINPUT;
}

const struct mb_wl_driver mb_wl_sysbench = {
    .name = "sysbench",
    .help = "Debian's sysbench: cpu, memory, fileio or threads, reporting every second",
    .metric = "throughput",
    .unit = "events/s",
    .program = "sysbench",
    .options = options,
    .check = check,
    .start = start,
    .stop = stop,
    .parse = parse,
};
