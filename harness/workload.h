/* workload.h — workload drivers: what runs in the guests (and on the load client)
 * during a run, how it starts and stops, and its throughput as a time series.
 *
 * After stress-ng: one file per workload in harness/drivers/ (idle.c, jbb.c, iozone.c,
 * sysbench.c, web.c), each defining a struct mb_wl_driver that workload.c lists in
 * mb_wl_drivers[]: its scenario keys workload.NAME.* (option rows, which options.c
 * gathers), their check, its commands and its output parser.  Adding a workload is one
 * new file, its fields in struct mb_wl_params and one line in that table.
 *
 * A run with a workload, from the runner's side (pt->wl: the point's workload.* keys):
 *   d = mb_wl_find(pt->vm_workload);              NULL: not a driver's (dirty, burn)
 *   mb_wl_check(d, &pt->wl, pt->vm_memory, &key, &err)  for every point, by validate.c
 *   mb_wl_guest_start(r, d, &pt->wl, max_s, 0, &t0, &err)  in each guest, over SSH;
 *                                                  t0 = the series' time 0, wall clock
 *   if (d->client) mb_wl_client_start(d, &pt->wl, ip, max_s, NULL, log, &cl, &err),
 *                  t0 = mb_wl_client_t0(cl)        (its series is the client's)
 *   ... baseline window, migration window, after window (wall-clock times) ...
 *   mb_wl_guest_collect(r, d, &pt->wl, 0, &series, &raw, &err)   stop, fetch, parse
 *   if (d->client) mb_wl_client_collect(cl, d, 0, 0, &series, &raw, &err)
 *   ov = mb_series_overhead(series, base_from - t0, base_to - t0, mig_from - t0, mig_to - t0)
 *   score = mb_series_score(series)          (whole-run; mb_wl_score_ratio across runs)
 * (mb_wl_start_cmd, mb_wl_stop_cmd, mb_wl_output_cmd and mb_wl_parse are the pieces.)
 *
 * Series time: every sample's t is seconds since the workload program started
 * measuring, on the clock of the machine it runs on (the guest's monotonic clock for
 * jbb, iozone and sysbench; the load client's for web).  The runner maps its own
 * wall-clock windows onto it by subtracting the wall-clock time at which the start
 * command returned (the programs start measuring just before -d returns; sysbench
 * within a fraction of a second of it).  A guest's clocks stop while the VM is paused
 * for the final copy, so in-guest series do not show the stop-and-copy pause as lost
 * time (the probe measures it; the web series, timed outside the guest, does show it).
 *
 * Every value that reaches a guest's shell goes through mb_remote_quote. */
#ifndef MB_WORKLOAD_H
#define MB_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/error.h"
#include "lib/util.h"

/* Not options.h: options.h includes this file, so that struct mb_point can hold a
 * struct mb_wl_params; the drivers include options.h for their rows. */
struct mb_option;

/* ---- parameters: the scenario keys workload.* ------------------------------------- */

/* Every workload's settings, filled from the scenario keys workload.* (a point
 * holds one of these; each driver reads its own fields).  Sizes in bytes, durations in
 * milliseconds, booleans 0/1, strings borrowed from the scenario. */
struct mb_wl_params {
    double interval_ms; /* workload.interval: the series' resolution */
    /* jbb */
    int64_t jbb_warehouses; /* workload.jbb.warehouses */
    uint64_t jbb_heap;      /* workload.jbb.heap */
    /* iozone */
    uint64_t iozone_file_size;   /* workload.iozone.file_size */
    uint64_t iozone_record_size; /* workload.iozone.record_size */
    const char *iozone_tests;    /* workload.iozone.tests: all | write | ... */
    const char *iozone_dir;      /* workload.iozone.dir: auto | an absolute path */
    int iozone_direct;           /* workload.iozone.direct */
    int iozone_fsync;            /* workload.iozone.fsync */
    /* sysbench */
    const char *sysbench_test;           /* workload.sysbench.test: cpu|memory|fileio|threads */
    int64_t sysbench_threads;            /* workload.sysbench.threads */
    int64_t sysbench_cpu_max_prime;      /* workload.sysbench.cpu_max_prime */
    uint64_t sysbench_memory_block_size; /* workload.sysbench.memory_block_size */
    const char *sysbench_memory_oper;    /* workload.sysbench.memory_oper: read|write */
    const char *sysbench_file_test_mode; /* workload.sysbench.file_test_mode */
    uint64_t sysbench_file_total_size;   /* workload.sysbench.file_total_size */
    const char *sysbench_dir;            /* workload.sysbench.dir: auto | a path */
    /* web */
    int64_t web_clients;   /* workload.web.clients */
    int64_t web_port;      /* workload.web.port */
    uint64_t web_page;     /* workload.web.page: the page's size */
    int web_keepalive;     /* workload.web.keepalive */
    double web_timeout_ms; /* workload.web.timeout */
};

/* For the drivers' option rows: the offset of a field, and sizes in bytes. */
#define MB_WL_PARAM(F) offsetof(struct mb_wl_params, F)
#define MB_WL_MIB      (1024.0 * 1024)
#define MB_WL_GIB      (1024.0 * MB_WL_MIB)

/* Every workload.* scenario key, gathered after fio: workload.interval (workload.c's,
 * common to every driver) and then each driver's rows in mb_wl_drivers[] order, with
 * offsets into struct mb_wl_params; terminated by a NULL key.  options.c adds them to
 * the scenario keys (at struct mb_point's wl); the defaults, the tests and `help` read
 * them.  Static storage, built once. */
const struct mb_option *mb_wl_option_table(void);

/* Fill p with every key's default (parsed from the table, the one place they are
 * written). */
void mb_wl_params_default(struct mb_wl_params *p);

/* ---- time series ------------------------------------------------------------------ */

#define MB_SERIES_COLS 4
#define MB_SERIES_MAX  86400 /* default ceiling of samples: a day at 1 s */

/* One interval: it covers (t - dt, t]; v[0] is the driver's metric over it. */
struct mb_sample {
    double t, dt;
    double v[MB_SERIES_COLS];
    int tag; /* index into the series' tags (iozone: its test), -1 = none */
};

/* A throughput time series with bounded memory: at most max samples are kept (later
 * ones are counted in dropped), and every text field has a fixed size. */
struct mb_series {
    char workload[16];             /* driver name */
    size_t ncols;                  /* columns in use, >= 1 */
    char col[MB_SERIES_COLS][16];  /* column names; col[0] is the metric */
    char unit[MB_SERIES_COLS][16]; /* their units ("bops", "MiB/s", ...) */
    const char *const *tags;       /* names of sample tags, NULL-terminated, or NULL */
    struct mb_sample *s;           /* n samples, in time order */
    size_t n, cap, max, dropped;   /* held, allocated, ceiling, not kept (past max) */
    double score;                  /* the program's own whole-run figure, NAN if absent */
    double wall0;                  /* the program's wall clock at t = 0, NAN if absent */
    bool complete;                 /* its closing summary was read */
    bool truncated;                /* the text ended inside a line (that line dropped) */
    size_t lines, bad_lines;       /* lines read; lines of its own that did not parse */
    char note[256];                /* the first problem: a garbled line, the program's
                                      own error message, ...; "" = none */
};

/* A new empty series holding at most max samples (0 = MB_SERIES_MAX), or NULL when
 * max is absurd.  Free with mb_series_free (NULL is a no-op). */
struct mb_series *mb_series_new(size_t max);
void mb_series_free(struct mb_series *s);

/* Set column i's name and unit (i < MB_SERIES_COLS; ncols grows to include it). */
void mb_series_column(struct mb_series *s, size_t i, const char *name, const char *unit);

/* Append a sample (ncols values).  0 added; 1 not kept (the series is full: dropped
 * counts it); -1 refused: t or dt or a value not finite, dt <= 0, a value < 0, or t
 * earlier than the last sample's. */
int mb_series_add(struct mb_series *s, double t, double dt, const double *v, int tag);

/* Mean of column col over the window [from, to], each sample weighted by the time it
 * shares with the window (a sample covers (t - dt, t]).  Time the samples do not cover
 * (lost lines) is left out, not counted as zero; *covered (may be NULL) receives the
 * seconds of the window that were covered.  NAN when nothing of the window is covered,
 * to <= from, or col >= ncols. */
double mb_series_mean(const struct mb_series *s, size_t col, double from, double to,
                      double *covered);

/* The whole-run score of the paper's variant: the program's own summary figure when
 * it printed one, else column 0's mean over every sample; NAN for an empty series. */
double mb_series_score(const struct mb_series *s);

/* The series as CSV: a header "t,dt,tag,<col0>,<col1>..." and one row per sample
 * (tag empty when none); appended to b.  Returns 0, or -1 past b's ceiling. */
int mb_series_csv(const struct mb_series *s, struct mb_buf *b);

/* ---- overhead: pure functions ----------------------------------------------------- */

/* The paper's overhead of a migration on a workload: 1 - during / baseline, where both
 * are mean throughputs (migration window, baseline window).  0 = no loss, 0.25 = a
 * quarter of the throughput lost, < 0 = faster during the migration.  NAN when either
 * is NAN or negative, or baseline is 0. */
double mb_wl_overhead(double baseline, double during);

/* The paper's whole-benchmark variant: the score of a run with a migration divided by
 * the score of one without (1 = no loss, 0.8 = 20 % lost).  NAN when either is NAN or
 * negative, or without is 0.  The overhead is 1 - this. */
double mb_wl_score_ratio(double with_migration, double without);

/* mb_wl_overhead of column 0's means over the two windows (series time, seconds). */
double mb_series_overhead(const struct mb_series *s, double base_from, double base_to,
                          double mig_from, double mig_to);

/* ---- drivers ---------------------------------------------------------------------- */

struct mb_wl_driver {
    const char *name;    /* the value of vms.workload */
    const char *help;    /* one line */
    const char *metric;  /* its summary metric, e.g. "bops" */
    const char *unit;    /* the metric's unit; sysbench's depends on its test and the
                            series says which */
    const char *program; /* the in-guest program, or NULL (idle) */
    /* Its scenario keys workload.NAME.* (besides workload.interval, which every driver
     * with a series reads): rows with offsets into struct mb_wl_params (MB_WL_PARAM),
     * ended by a NULL key; NULL = none.  Gathered by mb_wl_option_table. */
    const struct mb_option *options;
    bool client; /* its series comes from the load client (mb_wl_client_*), and
                    the guest program is its server */

    /* Impossible combinations of parameters (vm_memory: the guest's memory in bytes, 0 =
     * unknown).  0, or MB_EINPUT naming the keys, with *key (never NULL) set to the
     * scenario key whose value is at fault (the one a message's position names).
     * NULL = nothing to check. */
    int (*check)(const struct mb_wl_params *p, uint64_t vm_memory, const char **key,
                 struct mb_error *err);
    /* Append the shell command that starts the program in the guest, detached, its
     * output going to the driver's log file; it returns once the program measures.
     * max_s: the program ends by itself after this many seconds. */
    int (*start)(const struct mb_wl_params *p, double max_s, struct mb_buf *cmd,
                 struct mb_error *err);
    /* Append the shell command that ends the program (and removes what it made); it
     * returns once the program has written its summary, and succeeds when it was not
     * running. */
    int (*stop)(const struct mb_wl_params *p, struct mb_buf *cmd);
    /* Read the program's (or, when client, the load client's) output into s: 0 with
     * at least one sample, else MB_EINPUT (s->note says why). */
    int (*parse)(const char *text, size_t len, struct mb_series *s);
    /* client only: the load client's argv after the executable, NULL-terminated
     * (strings and array owned by the caller: mb_wl_argv_free). */
    int (*client_argv)(const struct mb_wl_params *p, const char *guest_ip, double max_s,
                       char ***argv, struct mb_error *err);
};

/* The drivers, NULL-terminated, in the order `help` lists them. */
extern const struct mb_wl_driver *const mb_wl_drivers[];

/* The driver named name, or NULL. */
const struct mb_wl_driver *mb_wl_find(const char *name);

/* In the guest: /run/mb-wl-NAME.log (the program's output), .pid, .status. */
#define MB_WL_RUN_DIR "/run"

/* d->check, or 0 when it has none.  key (may be NULL): on MB_EINPUT, the scenario key at
 * fault (a static string). */
int mb_wl_check(const struct mb_wl_driver *d, const struct mb_wl_params *p, uint64_t vm_memory,
                const char **key, struct mb_error *err);

/* The command that starts d in a guest (caller frees), or *cmd = NULL when d runs
 * nothing in the guest (idle).  max_s <= 0: one hour.  0 or MB_EINPUT. */
int mb_wl_start_cmd(const struct mb_wl_driver *d, const struct mb_wl_params *p, double max_s,
                    char **cmd, struct mb_error *err);

/* The command that stops it (caller frees), or *cmd = NULL (idle). */
int mb_wl_stop_cmd(const struct mb_wl_driver *d, const struct mb_wl_params *p, char **cmd);

/* The command that prints the guest program's output so far (caller frees), or *cmd =
 * NULL (idle).  For a client driver this is the server's log, not its series. */
int mb_wl_output_cmd(const struct mb_wl_driver *d, char **cmd);

/* Parse a program's output (len bytes, need not be NUL-terminated) into a new series of
 * at most max samples (0 = MB_SERIES_MAX).  0 and *out (caller frees) when at least one
 * sample was read: a partial series is a success, and says so (complete, truncated,
 * bad_lines, dropped, note).  MB_EINPUT with err naming the workload and why, and *out
 * untouched, when nothing was: empty output, only garbage, the program's own error.
 * 0 and *out = NULL for a driver without output (idle). */
int mb_wl_parse(const struct mb_wl_driver *d, const char *text, size_t len, size_t max,
                struct mb_series **out, struct mb_error *err);

/* ---- in a guest, over SSH ------------------------------------------------------------ */

struct mb_remote;

/* Start d in the guest of session r (mb_wl_start_cmd, run with timeout_s; 0 = 60 s)
 * and give the wall-clock time its series' t = 0 maps to: *t0_wall = when the command
 * returned (the programs start measuring just before that).  Nothing to start (idle):
 * 0 at once.  When the program fails to start, err carries its own message from its log.
 * 0, MB_EINPUT (parameters), MB_EFAILED (it did not start) or MB_EENV (SSH). */
int mb_wl_guest_start(struct mb_remote *r, const struct mb_wl_driver *d,
                      const struct mb_wl_params *p, double max_s, double timeout_s, double *t0_wall,
                      struct mb_error *err);

/* Stop d in that guest, fetch its output (at most 16 MiB) and, unless d->client, parse
 * it into *series (mb_wl_parse's rules; max_samples 0 = MB_SERIES_MAX).  *raw (may be
 * NULL) receives the output as read, for the results (caller frees): also on a parse
 * failure.  For a client driver *series = NULL: its series is the load client's.
 * 0; MB_EINPUT (output without a sample), MB_EFAILED or MB_EENV (SSH) with err. */
int mb_wl_guest_collect(struct mb_remote *r, const struct mb_wl_driver *d,
                        const struct mb_wl_params *p, size_t max_samples, struct mb_series **series,
                        char **raw, struct mb_error *err);

/* ---- the load client (web) -------------------------------------------------------- */

struct mb_wl_client;

/* The load client's executable: mb-webbench next to the running executable (bin/ of a
 * checkout or of PREFIX), or "mb-webbench" from PATH when that cannot be read (caller
 * frees). */
char *mb_wl_client_exe(void);

/* Start d's load client against guest_ip: fork and exec exe (NULL = mb_wl_client_exe())
 * with d->client_argv, stdout and stderr to log_path (created or truncated), in its own
 * process group (a terminal's Ctrl-C reaches migbench only, which stops it in order).
 * It ends by itself after max_s, and within a second of migbench's death.  0 and *out;
 * MB_EINPUT (bad parameters), MB_EIO (log file) or MB_EENV (cannot run exe) with err. */
int mb_wl_client_start(const struct mb_wl_driver *d, const struct mb_wl_params *p,
                       const char *guest_ip, double max_s, const char *exe, const char *log_path,
                       struct mb_wl_client **out, struct mb_error *err);

/* Its process id. */
pid_t mb_wl_client_pid(const struct mb_wl_client *c);

/* The wall-clock time it was started: its series' t = 0 (it starts measuring within
 * milliseconds of its exec). */
double mb_wl_client_t0(const struct mb_wl_client *c);

/* Has it ended?  (true also once stopped.)  *status: its wait status, when ended. */
bool mb_wl_client_ended(struct mb_wl_client *c, int *status);

/* End it: SIGTERM, up to timeout_s (0 = 10 s) for it to print its summary and exit,
 * then SIGKILL.  0, or MB_EFAILED when it had to be killed or exited non-zero (err
 * says which; its output is still there). */
int mb_wl_client_stop(struct mb_wl_client *c, double timeout_s, struct mb_error *err);

/* Its output so far (the log file), at most max bytes (0 = 16 MiB; past that the start
 * is kept and *truncated set).  0 and *text (caller frees, NUL-terminated) and *len;
 * MB_EIO with err. */
int mb_wl_client_output(const struct mb_wl_client *c, size_t max, char **text, size_t *len,
                        bool *truncated, struct mb_error *err);

/* Stop it (mb_wl_client_stop), read its output and parse it with d: as
 * mb_wl_guest_collect.  A client that had to be killed or exited non-zero still gives
 * its series when its output has samples (the series' note says what happened). */
int mb_wl_client_collect(struct mb_wl_client *c, const struct mb_wl_driver *d, double timeout_s,
                         size_t max_samples, struct mb_series **series, char **raw,
                         struct mb_error *err);

/* Kill it if it still runs (SIGKILL), reap it and free c.  NULL is a no-op. */
void mb_wl_client_free(struct mb_wl_client *c);

/* Free a NULL-terminated argv. */
void mb_wl_argv_free(char **argv);

/* ---- for drivers ------------------------------------------------------------------ */

/* A check's refusal: *key = bad_key, err filled (printf-style); returns MB_EINPUT. */
int mb_wl_refuse(const char **key, const char *bad_key, struct mb_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A driver's directory key (dir_key; value dir, NULL = auto): refused unless auto or an
 * absolute path.  *ram: it is in the guest's tmpfs (/tmp).  0 or MB_EINPUT as a check. */
int mb_wl_check_dir(const char *dir_key, const char *dir, bool *ram, const char **key,
                    struct mb_error *err);

/* Append " 'ARG'" (a space and the quoted argument) to b; -1 past its ceiling. */
int mb_wl_arg(struct mb_buf *b, const char *arg);
/* The same for a number formatted with printf. */
int mb_wl_argf(struct mb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append " >'LOG' 2>&1" (or ">>" when append): stdout and stderr to the log. */
int mb_wl_redirect(struct mb_buf *b, const char *log, bool append);

/* Append the command that ends the process whose pid is in the file (SIGTERM, up to
 * 10 s, then SIGKILL) and removes the file; true when nothing runs. */
int mb_wl_stop_pidfile(struct mb_buf *b, const char *pidfile);

/* The guest paths of a driver's files: MB_WL_RUN_DIR/mb-wl-NAME.EXT (static buffer of
 * the caller: at least 64 bytes). */
void mb_wl_path(char *buf, size_t len, const char *name, const char *ext);

/* Lines of key=value fields, as jbb, iozone and mb-webbench print them:
 *   PREFIX start ... wall=W ...            the header (wall0)
 *   PREFIX t=T dt=DT COL0=V0 COL1=V1 ...   a sample (every key in cols required)
 *   PREFIX final ... SCORE=S ...           the summary (score; complete)
 *   PREFIX: message                        the program's error (note)
 * Other lines are skipped.  tag_key names a field whose value is looked up in tags
 * (unknown values: tag -1). */
struct mb_wl_kv_format {
    const char *prefix;
    const char *cols[MB_SERIES_COLS]; /* keys of the columns; NULL-terminated if fewer */
    const char *units[MB_SERIES_COLS];
    const char *score_key;
    const char *tag_key;
    const char *const *tags;
};
int mb_wl_parse_kv(const struct mb_wl_kv_format *f, const char *text, size_t len,
                   struct mb_series *s);

/* A line iterator over text of len bytes: each call gives the next line without its
 * newline; *terminated is false for a last line the text cut off.  0 at the end. */
struct mb_wl_lines {
    const char *p, *end;
    size_t lineno;
};
int mb_wl_next_line(struct mb_wl_lines *it, const char **line, size_t *len, bool *terminated);

/* The number after " KEY=" (or "KEY=" at the line's start) in a line: 0 and *v, or -1
 * when absent or not a whole finite number up to the next space. */
int mb_wl_field(const char *line, size_t len, const char *key, double *v);
/* The text of such a field (not NUL-terminated): its start, or NULL; *vlen its length. */
const char *mb_wl_field_text(const char *line, size_t len, const char *key, size_t *vlen);

/* Record the first problem in s->note (printf-style; later ones are ignored). */
void mb_series_note(struct mb_series *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The drivers themselves (wl_*.c). */
extern const struct mb_wl_driver mb_wl_idle, mb_wl_jbb, mb_wl_iozone, mb_wl_sysbench, mb_wl_web;

#endif
