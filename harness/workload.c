/* workload.c — the driver table, parameters, time series, overhead, and what drivers
 * share: guest commands, the key=value output parser and the load client's process. */
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "remote.h"
#include "lib/data_dir.h"
#include "lib/proc.h"
#include "lib/units.h"

/* ---- the table -------------------------------------------------------------------- */

const struct mb_wl_driver *const mb_wl_drivers[] = {
    &mb_wl_idle, &mb_wl_jbb, &mb_wl_iozone, &mb_wl_sysbench, &mb_wl_web, NULL,
};

const struct mb_wl_driver *mb_wl_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; mb_wl_drivers[i]; i++)
        if (!strcmp(mb_wl_drivers[i]->name, name))
            return mb_wl_drivers[i];
    return NULL;
}

/* ---- parameters ------------------------------------------------------------------- */

/* The key every driver with a series reads. */
static const struct mb_option common[] = {
    {"workload.interval", MB_OPT_DURATION, MB_SCOPE_POINT, "1s", MB_OPTF_MIN | MB_OPTF_MAX, 100,
     10000, NULL, MB_WL_PARAM(interval_ms),
     "Resolution of the workload's throughput series (sysbench: whole seconds)."},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};

/* Room for every driver's rows; mb_wl_option_table's test counts them. */
#define MAX_WL_OPTIONS 64

static struct mb_option wl_options[MAX_WL_OPTIONS + 1];
static pthread_once_t wl_options_once = PTHREAD_ONCE_INIT;

static void gather_options(void)
{
    size_t n = 0;
    for (const struct mb_option *o = common; o->key && n < MAX_WL_OPTIONS; o++)
        wl_options[n++] = *o;
    for (size_t i = 0; mb_wl_drivers[i]; i++)
        for (const struct mb_option *o = mb_wl_drivers[i]->options; o && o->key; o++)
            if (n < MAX_WL_OPTIONS)
                wl_options[n++] = *o;
}

const struct mb_option *mb_wl_option_table(void)
{
    pthread_once(&wl_options_once, gather_options);
    return wl_options;
}

void mb_wl_params_default(struct mb_wl_params *p)
{
    memset(p, 0, sizeof(*p));
    for (const struct mb_option *o = mb_wl_option_table(); o->key; o++) {
        const char *d = o->def ? o->def : "";
        double num;
        char why[128];
        mb_option_parse_number(o, d, &num, why, sizeof(why));
        mb_option_store(o, p, num, d, NULL);
    }
}

/* ---- time series ------------------------------------------------------------------ */

struct mb_series *mb_series_new(size_t max)
{
    if (max == 0)
        max = MB_SERIES_MAX;
    if (max > (size_t)100 * 1000 * 1000)
        return NULL;
    struct mb_series *s = mb_xcalloc(1, sizeof(*s));
    s->max = max;
    s->ncols = 1;
    s->score = NAN;
    s->wall0 = NAN;
    return s;
}

void mb_series_free(struct mb_series *s)
{
    if (!s)
        return;
    free(s->s);
    free(s);
}

void mb_series_column(struct mb_series *s, size_t i, const char *name, const char *unit)
{
    if (i >= MB_SERIES_COLS)
        return;
    snprintf(s->col[i], sizeof(s->col[i]), "%s", name ? name : "");
    snprintf(s->unit[i], sizeof(s->unit[i]), "%s", unit ? unit : "");
    if (s->ncols < i + 1)
        s->ncols = i + 1;
}

int mb_series_add(struct mb_series *s, double t, double dt, const double *v, int tag)
{
    if (!isfinite(t) || !isfinite(dt) || dt <= 0)
        return -1;
    for (size_t i = 0; i < s->ncols; i++)
        if (!isfinite(v[i]) || v[i] < 0)
            return -1;
    if (s->n > 0 && t < s->s[s->n - 1].t)
        return -1;
    if (s->n == s->max) {
        s->dropped++;
        return 1;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        if (cap > s->max)
            cap = s->max;
        s->s = mb_xrealloc(s->s, cap * sizeof(*s->s));
        s->cap = cap;
    }
    struct mb_sample *x = &s->s[s->n++];
    memset(x, 0, sizeof(*x));
    x->t = t;
    x->dt = dt;
    x->tag = tag;
    for (size_t i = 0; i < s->ncols; i++)
        x->v[i] = v[i];
    return 0;
}

double mb_series_mean(const struct mb_series *s, size_t col, double from, double to,
                      double *covered)
{
    if (covered)
        *covered = 0;
    if (!s || col >= s->ncols || !(to > from))
        return NAN;
    double sum = 0, weight = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct mb_sample *x = &s->s[i];
        double a = x->t - x->dt, b = x->t;
        if (a < from)
            a = from;
        if (b > to)
            b = to;
        if (b <= a)
            continue;
        sum += x->v[col] * (b - a);
        weight += b - a;
    }
    if (covered)
        *covered = weight;
    return weight > 0 ? sum / weight : NAN;
}

double mb_series_score(const struct mb_series *s)
{
    if (!s || s->n == 0)
        return NAN;
    if (!isnan(s->score))
        return s->score;
    return mb_series_mean(s, 0, s->s[0].t - s->s[0].dt, s->s[s->n - 1].t, NULL);
}

int mb_series_csv(const struct mb_series *s, struct mb_buf *b)
{
    if (mb_buf_printf(b, "t,dt,tag") < 0)
        return -1;
    for (size_t c = 0; c < s->ncols; c++)
        if (mb_buf_printf(b, ",%s", s->col[c]) < 0)
            return -1;
    if (mb_buf_append(b, "\n", 1) < 0)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        const struct mb_sample *x = &s->s[i];
        const char *tag = x->tag >= 0 && s->tags ? s->tags[x->tag] : "";
        if (mb_buf_printf(b, "%.3f,%.3f,%s", x->t, x->dt, tag) < 0)
            return -1;
        for (size_t c = 0; c < s->ncols; c++)
            if (mb_buf_printf(b, ",%.15g", x->v[c]) < 0)
                return -1;
        if (mb_buf_append(b, "\n", 1) < 0)
            return -1;
    }
    return 0;
}

void mb_series_note(struct mb_series *s, const char *fmt, ...)
{
    if (s->note[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->note, sizeof(s->note), fmt, ap);
    va_end(ap);
}

/* ---- overhead --------------------------------------------------------------------- */

double mb_wl_overhead(double baseline, double during)
{
    if (isnan(baseline) || isnan(during) || baseline <= 0 || during < 0 || isinf(baseline))
        return NAN;
    return 1.0 - during / baseline;
}

double mb_wl_score_ratio(double with_migration, double without)
{
    if (isnan(with_migration) || isnan(without) || without <= 0 || with_migration < 0 ||
        isinf(without))
        return NAN;
    return with_migration / without;
}

double mb_series_overhead(const struct mb_series *s, double base_from, double base_to,
                          double mig_from, double mig_to)
{
    return mb_wl_overhead(mb_series_mean(s, 0, base_from, base_to, NULL),
                          mb_series_mean(s, 0, mig_from, mig_to, NULL));
}

/* ---- commands --------------------------------------------------------------------- */

int mb_wl_arg(struct mb_buf *b, const char *arg)
{
    if (mb_buf_append(b, " ", 1) < 0)
        return -1;
    return mb_remote_quote(b, arg);
}

int mb_wl_argf(struct mb_buf *b, const char *fmt, ...)
{
    struct mb_buf arg = {.max = 256};
    va_list ap;
    va_start(ap, fmt);
    int rc = mb_buf_vprintf(&arg, fmt, ap);
    va_end(ap);
    if (rc == 0)
        rc = mb_wl_arg(b, arg.data ? arg.data : "");
    mb_buf_free(&arg);
    return rc;
}

int mb_wl_redirect(struct mb_buf *b, const char *log, bool append)
{
    if (mb_buf_printf(b, append ? " >>" : " >") < 0 || mb_remote_quote(b, log) < 0)
        return -1;
    return mb_buf_printf(b, " 2>&1");
}

void mb_wl_path(char *buf, size_t len, const char *name, const char *ext)
{
    snprintf(buf, len, "%s/mb-wl-%s.%s", MB_WL_RUN_DIR, name, ext);
}

int mb_wl_stop_pidfile(struct mb_buf *b, const char *pidfile)
{
    /* the loop gives the program up to 10 s to print its summary after SIGTERM, looking
     * every 20 ms (most end within one look: every stop of a run waits for it) */
    if (mb_buf_printf(b, "f=") < 0 || mb_remote_quote(b, pidfile) < 0)
        return -1;
    return mb_buf_printf(
        b, "; if [ -s \"$f\" ]; then p=$(cat \"$f\"); kill -TERM \"$p\" 2>/dev/null; i=0; "
           "while kill -0 \"$p\" 2>/dev/null && [ $i -lt 500 ]; do usleep 20000; i=$((i+1)); "
           "done; kill -0 \"$p\" 2>/dev/null && kill -KILL \"$p\"; rm -f \"$f\"; fi; true");
}

int mb_wl_refuse(const char **key, const char *bad_key, struct mb_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[sizeof(err->msg)];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    *key = bad_key;
    return mb_error_set(err, MB_EINPUT, "%s", msg);
}

int mb_wl_check_dir(const char *dir_key, const char *dir, bool *ram, const char **key,
                    struct mb_error *err)
{
    if (!dir)
        dir = "auto";
    *ram = !strcmp(dir, "/tmp") || !strncmp(dir, "/tmp/", 5);
    if (strcmp(dir, "auto") && dir[0] != '/')
        return mb_wl_refuse(key, dir_key, err, "%s: '%s' is neither auto nor an absolute path",
                            dir_key, dir);
    return 0;
}

int mb_wl_check(const struct mb_wl_driver *d, const struct mb_wl_params *p, uint64_t vm_memory,
                const char **key, struct mb_error *err)
{
    const char *k = "vms.workload";
    int rc = !d         ? mb_error_set(err, MB_EINPUT, "no workload driver")
             : d->check ? d->check(p, vm_memory, &k, err)
                        : 0;
    if (rc < 0 && key)
        *key = k;
    return rc;
}

int mb_wl_start_cmd(const struct mb_wl_driver *d, const struct mb_wl_params *p, double max_s,
                    char **cmd, struct mb_error *err)
{
    if (!d)
        return mb_error_set(err, MB_EINPUT, "no workload driver");
    if (!d->start) {
        *cmd = NULL;
        return 0;
    }
    int rc = mb_wl_check(d, p, 0, NULL, err);
    if (rc < 0)
        return rc;
    struct mb_buf b = {.max = 64 * 1024};
    rc = d->start(p, max_s > 0 ? max_s : 3600, &b, err);
    if (rc == 0 && !b.data)
        rc = mb_error_set(err, MB_EINPUT, "%s: empty start command", d->name);
    if (rc < 0) {
        mb_buf_free(&b);
        return rc;
    }
    *cmd = b.data;
    return 0;
}

int mb_wl_stop_cmd(const struct mb_wl_driver *d, const struct mb_wl_params *p, char **cmd)
{
    if (!d || !d->stop) {
        *cmd = NULL;
        return 0;
    }
    struct mb_buf b = {.max = 64 * 1024};
    if (d->stop(p, &b) < 0 || !b.data) {
        mb_buf_free(&b);
        return MB_ENOMEM;
    }
    *cmd = b.data;
    return 0;
}

int mb_wl_output_cmd(const struct mb_wl_driver *d, char **cmd)
{
    if (!d || !d->program) {
        *cmd = NULL;
        return 0;
    }
    char log[128];
    mb_wl_path(log, sizeof(log), d->name, "log");
    struct mb_buf b = {.max = 4096};
    if (mb_buf_printf(&b, "cat") < 0 || mb_wl_arg(&b, log) < 0) {
        mb_buf_free(&b);
        return MB_ENOMEM;
    }
    *cmd = b.data;
    return 0;
}

/* ---- parsing ---------------------------------------------------------------------- */

int mb_wl_next_line(struct mb_wl_lines *it, const char **line, size_t *len, bool *terminated)
{
    if (it->p >= it->end)
        return 0;
    const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
    *line = it->p;
    if (nl) {
        *len = (size_t)(nl - it->p);
        *terminated = true;
        it->p = nl + 1;
    } else {
        *len = (size_t)(it->end - it->p);
        *terminated = false;
        it->p = it->end;
    }
    if (*len > 0 && (*line)[*len - 1] == '\r')
        (*len)--;
    it->lineno++;
    return 1;
}

const char *mb_wl_field_text(const char *line, size_t len, const char *key, size_t *vlen)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl + 1 <= len; i++) {
        if ((i > 0 && line[i - 1] != ' ') || memcmp(line + i, key, kl) || line[i + kl] != '=')
            continue;
        const char *v = line + i + kl + 1;
        const char *e = memchr(v, ' ', (size_t)(line + len - v));
        *vlen = (size_t)((e ? e : line + len) - v);
        return v;
    }
    return NULL;
}

int mb_wl_field(const char *line, size_t len, const char *key, double *v)
{
    size_t vl;
    const char *t = mb_wl_field_text(line, len, key, &vl);
    if (!t || vl == 0 || vl > 63)
        return -1;
    char buf[64];
    memcpy(buf, t, vl);
    buf[vl] = '\0';
    /* digits, sign, point and exponent only: no "nan", "inf" or hex */
    if (strspn(buf, "0123456789+-.eE") != vl)
        return -1;
    char *end;
    errno = 0;
    double x = strtod(buf, &end);
    if (errno || *end || !isfinite(x))
        return -1;
    *v = x;
    return 0;
}

/* A short, printable excerpt of a line for messages. */
static void excerpt(char *buf, size_t size, const char *line, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < size && i < 120; i++)
        buf[n++] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
    if (len > 120 && n + 4 < size) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
}

static bool starts(const char *line, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && !memcmp(line, p, n);
}

int mb_wl_parse_kv(const struct mb_wl_kv_format *f, const char *text, size_t len,
                   struct mb_series *s)
{
    size_t ncols = 0;
    while (ncols < MB_SERIES_COLS && f->cols[ncols])
        ncols++;
    for (size_t i = 0; i < ncols; i++)
        mb_series_column(s, i, f->cols[i], f->units[i]);
    s->tags = f->tags;
    char sample_p[32], start_p[32], final_p[32], err_p[32];
    snprintf(sample_p, sizeof(sample_p), "%s t=", f->prefix);
    snprintf(start_p, sizeof(start_p), "%s start", f->prefix);
    snprintf(final_p, sizeof(final_p), "%s final", f->prefix);
    snprintf(err_p, sizeof(err_p), "%s: ", f->prefix);
    struct mb_wl_lines it = {text, text + len, 0};
    const char *line;
    size_t ll;
    bool term;
    while (mb_wl_next_line(&it, &line, &ll, &term)) {
        s->lines++;
        char ex[160];
        excerpt(ex, sizeof(ex), line, ll);
        if (!term) {
            if (ll > 0) {
                s->truncated = true;
                mb_series_note(s, "line %zu cut off: '%s'", it.lineno, ex);
            }
            break;
        }
        if (starts(line, ll, err_p)) {
            mb_series_note(s, "%s", ex);
            continue;
        }
        if (starts(line, ll, start_p)) {
            double w;
            if (mb_wl_field(line, ll, "wall", &w) == 0)
                s->wall0 = w;
            continue;
        }
        if (starts(line, ll, final_p)) {
            double v;
            if (f->score_key && mb_wl_field(line, ll, f->score_key, &v) == 0 && v >= 0) {
                s->score = v;
                s->complete = true;
            } else {
                s->bad_lines++;
                mb_series_note(s, "line %zu: a garbled summary: '%s'", it.lineno, ex);
            }
            continue;
        }
        if (!starts(line, ll, sample_p))
            continue;
        double t, dt, v[MB_SERIES_COLS] = {0};
        bool ok = mb_wl_field(line, ll, "t", &t) == 0 && mb_wl_field(line, ll, "dt", &dt) == 0;
        for (size_t i = 0; ok && i < ncols; i++)
            ok = mb_wl_field(line, ll, f->cols[i], &v[i]) == 0;
        int tag = -1;
        if (ok && f->tag_key && f->tags) {
            size_t tl;
            const char *tv = mb_wl_field_text(line, ll, f->tag_key, &tl);
            for (int i = 0; tv && f->tags[i]; i++)
                if (strlen(f->tags[i]) == tl && !memcmp(f->tags[i], tv, tl))
                    tag = i;
        }
        int rc = ok ? mb_series_add(s, t, dt, v, tag) : -1;
        if (rc < 0) {
            s->bad_lines++;
            mb_series_note(s, "line %zu: a garbled sample: '%s'", it.lineno, ex);
        }
    }
    return s->n > 0 ? 0 : MB_EINPUT;
}

int mb_wl_parse(const struct mb_wl_driver *d, const char *text, size_t len, size_t max,
                struct mb_series **out, struct mb_error *err)
{
    if (!d)
        return mb_error_set(err, MB_EINPUT, "no workload driver");
    if (!d->parse) {
        *out = NULL;
        return 0;
    }
    struct mb_series *s = mb_series_new(max);
    if (!s)
        return mb_error_set(err, MB_EINPUT, "%s: a series of %zu samples is too large", d->name,
                            max);
    snprintf(s->workload, sizeof(s->workload), "%s", d->name);
    if (!text)
        len = 0;
    int rc = d->parse(text ? text : "", len, s);
    if (rc < 0 || s->n == 0) {
        if (len == 0)
            mb_error_set(err, MB_EINPUT, "%s: no output", d->name);
        else
            mb_error_set(err, MB_EINPUT, "%s: no throughput sample in its output (%zu lines)%s%s",
                         d->name, s->lines, s->note[0] ? ": " : "", s->note);
        mb_series_free(s);
        return MB_EINPUT;
    }
    *out = s;
    return 0;
}

/* ---- in a guest ------------------------------------------------------------------ */

/* The program's own message from its log, for an error: its first "PROGRAM: " line,
 * else its last line. */
static void log_message(const char *log, const char *program, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!log)
        return;
    char prefix[40];
    snprintf(prefix, sizeof(prefix), "%s: ", program ? program : "");
    struct mb_wl_lines it = {log, log + strlen(log), 0};
    const char *line, *last = NULL;
    size_t ll, last_len = 0;
    bool term;
    while (mb_wl_next_line(&it, &line, &ll, &term)) {
        if (starts(line, ll, prefix) || (ll >= 6 && !memcmp(line, "FATAL:", 6))) {
            excerpt(buf, size, line, ll);
            return;
        }
        if (ll > 0) {
            last = line;
            last_len = ll;
        }
    }
    if (last)
        excerpt(buf, size, last, last_len);
}

/* Run cmd in the guest and capture its stdout (up to max bytes): 0 and *out; the exit
 * status must be 0. */
static int guest_output(struct mb_remote *r, const char *cmd, size_t max, double timeout_s,
                        char **out, struct mb_error *err)
{
    struct mb_remote_cmd c = {.cmd = cmd, .timeout_s = timeout_s, .out_max = max};
    struct mb_remote_result res;
    int rc = mb_remote_exec(r, &c, &res, err);
    if (rc == 0 && res.exit_status != 0)
        rc = mb_error_set(err, MB_EFAILED, "`%s` exited with status %d", cmd, res.exit_status);
    if (rc == 0) {
        *out = res.out.data ? res.out.data : mb_xstrdup("");
        res.out.data = NULL;
    }
    mb_remote_result_free(&res);
    return rc;
}

int mb_wl_guest_start(struct mb_remote *r, const struct mb_wl_driver *d,
                      const struct mb_wl_params *p, double max_s, double timeout_s, double *t0_wall,
                      struct mb_error *err)
{
    char *cmd = NULL;
    int rc = mb_wl_start_cmd(d, p, max_s, &cmd, err);
    if (rc < 0)
        return rc;
    if (!cmd) {
        *t0_wall = mb_now_wall();
        return 0;
    }
    struct mb_error e;
    mb_error_clear(&e);
    rc = mb_remote_run(r, cmd, timeout_s > 0 ? timeout_s : 60, NULL, &e);
    double t0 = mb_now_wall();
    free(cmd);
    if (rc == MB_EENV) {
        *err = e;
        return rc;
    }
    if (rc < 0) {
        /* its message went to its log: fetch it */
        char *ocmd = NULL, *log = NULL, msg[200] = "";
        if (mb_wl_output_cmd(d, &ocmd) == 0 && ocmd) {
            struct mb_error e2;
            if (guest_output(r, ocmd, 64 * 1024, 30, &log, &e2) == 0)
                log_message(log, d->program, msg, sizeof(msg));
        }
        free(ocmd);
        free(log);
        return mb_error_set(err, MB_EFAILED, "%s did not start in the guest: %s", d->name,
                            msg[0] ? msg : e.msg);
    }
    *t0_wall = t0;
    return 0;
}

/* The end of a collect: the output to *raw (NULL: freed), and on success the series to
 * *series.  Returns rc. */
static int hand_over(int rc, char *text, char **raw, struct mb_series *s, struct mb_series **series)
{
    if (raw)
        *raw = text;
    else
        free(text);
    if (rc < 0)
        return rc;
    *series = s;
    return 0;
}

int mb_wl_guest_collect(struct mb_remote *r, const struct mb_wl_driver *d,
                        const struct mb_wl_params *p, size_t max_samples, struct mb_series **series,
                        char **raw, struct mb_error *err)
{
    if (!d)
        return mb_error_set(err, MB_EINPUT, "no workload driver");
    char *cmd = NULL, *text = NULL;
    int rc = mb_wl_stop_cmd(d, p, &cmd);
    if (rc == 0 && cmd)
        rc = mb_remote_run(r, cmd, 30, NULL, err);
    free(cmd);
    cmd = NULL;
    if (rc < 0)
        return rc;
    rc = mb_wl_output_cmd(d, &cmd);
    if (rc == 0 && cmd)
        rc = guest_output(r, cmd, 16u << 20, 60, &text, err);
    free(cmd);
    if (rc < 0)
        return rc;
    struct mb_series *s = NULL;
    if (!d->client && text)
        rc = mb_wl_parse(d, text, strlen(text), max_samples, &s, err);
    return hand_over(rc, text, raw, s, series);
}

/* ---- the load client -------------------------------------------------------------- */

struct mb_wl_client {
    pid_t pid;
    double t0;
    bool ended;
    int status;
    char *log_path;
};

char *mb_wl_client_exe(void)
{
    struct mb_error err;
    mb_error_clear(&err);
    char *bin = mb_bin_dir(&err);
    if (!bin)
        return mb_xstrdup("mb-webbench"); /* from PATH */
    char *exe = mb_xasprintf("%s/mb-webbench", bin);
    free(bin);
    return exe;
}

void mb_wl_argv_free(char **argv)
{
    if (!argv)
        return;
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
}

int mb_wl_client_start(const struct mb_wl_driver *d, const struct mb_wl_params *p,
                       const char *guest_ip, double max_s, const char *exe, const char *log_path,
                       struct mb_wl_client **out, struct mb_error *err)
{
    if (!d || !d->client || !d->client_argv)
        return mb_error_set(err, MB_EINPUT, "%s: no load client", d ? d->name : "workload");
    if (!log_path || !*log_path)
        return mb_error_set(err, MB_EINPUT, "%s: no file for the load client's output", d->name);
    int rc = mb_wl_check(d, p, 0, NULL, err);
    if (rc < 0)
        return rc;
    char **args = NULL;
    rc = d->client_argv(p, guest_ip, max_s > 0 ? max_s : 3600, &args, err);
    if (rc < 0)
        return rc;
    char *path = exe ? mb_xstrdup(exe) : mb_wl_client_exe();
    size_t n = 0;
    while (args[n])
        n++;
    char **argv = mb_xcalloc(n + 2, sizeof(*argv));
    argv[0] = path;
    memcpy(argv + 1, args, n * sizeof(*argv));

    /* Its own process group keeps a terminal's Ctrl-C for migbench, which stops it in
     * order; it ends by itself should migbench die (the driver's argv asks for that: not
     * PR_SET_PDEATHSIG, which fires when the forking thread ends, not the process). */
    int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = mb_error_set(err, MB_EIO, "%s: %s", log_path, strerror(errno));
        goto out;
    }
    struct mb_proc_spec ps = {.path = path,
                              .argv = argv,
                              .own_group = true,
                              .in = MB_PROC_DEVNULL,
                              .out = MB_PROC_FD,
                              .out_fd = fd,
                              .err = MB_PROC_FD,
                              .err_fd = fd};
    double t0 = mb_now_wall();
    pid_t pid;
    struct mb_error run_err;
    rc = mb_proc_spawn(&ps, &pid, &run_err);
    close(fd);
    if (rc < 0) {
        rc = mb_error_set(err, MB_EENV, "the load client: %s",
                          run_err.msg); /* "cannot run PATH: why" */
        goto out;
    }
    struct mb_wl_client *c = mb_xcalloc(1, sizeof(*c));
    c->pid = pid;
    c->t0 = t0;
    c->log_path = mb_xstrdup(log_path);
    *out = c;
    rc = 0;
out:
    free(argv);
    free(path);
    mb_wl_argv_free(args);
    return rc;
}

pid_t mb_wl_client_pid(const struct mb_wl_client *c)
{
    return c ? c->pid : -1;
}

double mb_wl_client_t0(const struct mb_wl_client *c)
{
    return c ? c->t0 : NAN;
}

bool mb_wl_client_ended(struct mb_wl_client *c, int *status)
{
    if (!c->ended) {
        int st;
        pid_t r = waitpid(c->pid, &st, WNOHANG);
        if (r == c->pid) {
            c->ended = true;
            c->status = st;
        }
    }
    if (c->ended && status)
        *status = c->status;
    return c->ended;
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int mb_wl_client_stop(struct mb_wl_client *c, double timeout_s, struct mb_error *err)
{
    if (timeout_s <= 0)
        timeout_s = 10;
    bool killed = false;
    if (!mb_wl_client_ended(c, NULL)) {
        kill(c->pid, SIGTERM);
        double deadline = mb_now_mono() + timeout_s;
        while (!mb_wl_client_ended(c, NULL) && mb_now_mono() < deadline)
            nap_ms(10);
        if (!c->ended) {
            kill(c->pid, SIGKILL);
            int st;
            if (waitpid(c->pid, &st, 0) == c->pid) {
                c->ended = true;
                c->status = st;
            }
            killed = true;
        }
    }
    if (killed)
        return mb_error_set(err, MB_EFAILED,
                            "the load client (pid %ld) did not end within %.0f s "
                            "of SIGTERM and was killed",
                            (long)c->pid, timeout_s);
    if (WIFEXITED(c->status) && WEXITSTATUS(c->status) != 0)
        return mb_error_set(err, MB_EFAILED, "the load client exited with status %d (see %s)",
                            WEXITSTATUS(c->status), c->log_path);
    if (WIFSIGNALED(c->status) && WTERMSIG(c->status) != SIGTERM)
        return mb_error_set(err, MB_EFAILED, "the load client died of signal %d",
                            WTERMSIG(c->status));
    return 0;
}

int mb_wl_client_output(const struct mb_wl_client *c, size_t max, char **text, size_t *len,
                        bool *truncated, struct mb_error *err)
{
    if (max == 0)
        max = 16u << 20;
    int fd = open(c->log_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mb_error_set(err, MB_EIO, "%s: %s", c->log_path, strerror(errno));
    char *buf = mb_xmalloc(max + 1);
    size_t have = 0;
    bool more = false;
    for (;;) {
        ssize_t n = read(fd, buf + have, max - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            free(buf);
            return mb_error_set(err, MB_EIO, "%s: %s", c->log_path, strerror(e));
        }
        if (n == 0)
            break;
        have += (size_t)n;
        if (have == max) {
            char probe;
            more = read(fd, &probe, 1) == 1;
            break;
        }
    }
    close(fd);
    buf[have] = '\0';
    *text = buf;
    *len = have;
    if (truncated)
        *truncated = more;
    return 0;
}

int mb_wl_client_collect(struct mb_wl_client *c, const struct mb_wl_driver *d, double timeout_s,
                         size_t max_samples, struct mb_series **series, char **raw,
                         struct mb_error *err)
{
    struct mb_error stop_err;
    mb_error_clear(&stop_err);
    int stop_rc = mb_wl_client_stop(c, timeout_s, &stop_err);
    char *text = NULL;
    size_t len = 0;
    bool cut = false;
    int rc = mb_wl_client_output(c, 0, &text, &len, &cut, err);
    if (rc < 0)
        return rc;
    struct mb_series *s = NULL;
    rc = mb_wl_parse(d, text, len, max_samples, &s, err);
    if (rc < 0 && stop_rc < 0) {
        char why[sizeof(err->msg)];
        snprintf(why, sizeof(why), "%s", err->msg);
        mb_error_set(err, rc, "%s; %s", stop_err.msg, why);
    }
    if (rc == 0 && s) {
        if (cut)
            s->truncated = true;
        if (stop_rc < 0) {
            /* what went wrong comes first */
            char note[sizeof(s->note)];
            snprintf(note, sizeof(note), "%s", s->note);
            s->note[0] = '\0';
            mb_series_note(s, "%s%s%s", stop_err.msg, note[0] ? "; " : "", note);
        }
    }
    return hand_over(rc, text, raw, s, series);
}

void mb_wl_client_free(struct mb_wl_client *c)
{
    if (!c)
        return;
    if (!mb_wl_client_ended(c, NULL)) {
        kill(c->pid, SIGKILL);
        int st;
        waitpid(c->pid, &st, 0);
    }
    free(c->log_path);
    free(c);
}
