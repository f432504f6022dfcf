/* test_workload.c — the workload drivers: every output parser on real and damaged
 * outputs (tests/data/workloads/), the time series and the overhead functions, the
 * scenario keys, the guest commands (quoting) and the load client's process. */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"
#include "remote.h"
#include "lib/units.h"
#include "lib/util.h"
#include "workload.h"

#include "fake_ssh.c"

#define DATA "tests/data/workloads/"

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), DATA "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run from the repository's top)", path);
    char *buf = mb_xmalloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* ---- parsers --------------------------------------------------------------------- */

#define ANY -1.0 /* a number not checked */

struct parse_case {
    const char *driver, *file;
    int rc;   /* MB_OK or MB_EINPUT */
    size_t n; /* samples */
    int complete, truncated;
    size_t bad_lines;
    double first_t, last_t, first_v, last_v; /* column 0 */
    double score;                            /* NAN: none expected */
    const char *col0, *unit0;
    const char *note; /* the note (rc 0) or error (rc < 0) contains this; NULL = empty note */
};

static const struct parse_case parse_cases[] = {
    /* real outputs of a run with a migration (the guest's and, for web, the load
     * client's), stopped by SIGTERM as the driver stops them */
    {"jbb", "jbb-migration.txt", MB_OK, 29, 1, 0, 0, 1.0, 28.546, 26428.2, 17414.3, 30839.3, "bops",
     "bops", NULL},
    {"iozone", "iozone-migration.txt", MB_OK, 30, 1, 0, 0, 1.0, 29.495, 413.96, 86.53, 263.11,
     "mibs", "MiB/s", NULL},
    {"sysbench", "sysbench-cpu-migration.txt", MB_OK, 26, 0, 0, 0, 1, 26, 549.97, 578.10, NAN,
     "eps", "events/s", NULL},
    {"web", "webbench-migration.txt", MB_OK, 36, 1, 0, 0, 1.0, 35.005, 1376.9, 790.3, 1087.3,
     "pages_s", "pages/s", NULL},
    /* sysbench's tests, ended by themselves (with the summary) or stopped */
    {"sysbench", "sysbench-cpu-host.txt", MB_OK, 3, 1, 0, 0, 1, 3, 4386.61, 3320.30, 3881.09, "eps",
     "events/s", NULL},
    {"sysbench", "sysbench-cpu-2threads-host.txt", MB_OK, 2, 1, 0, 0, 1, 2, 3029.46, ANY, 3438.93,
     "eps", "events/s", NULL},
    {"sysbench", "sysbench-threads-host.txt", MB_OK, 3, 1, 0, 0, 1, 3, 1930.56, 1998.04,
     5933 / 3.0009, "eps", "events/s", NULL},
    {"sysbench", "sysbench-memory-host.txt", MB_OK, 3, 1, 0, 0, 1, 3, 6553.19, 6960.37, 6557.56,
     "mibs", "MiB/s", NULL},
    {"sysbench", "sysbench-memory-guest.txt", MB_OK, 5, 0, 0, 0, 1, 5, 1215.48, 1199.23, NAN,
     "mibs", "MiB/s", NULL},
    {"sysbench", "sysbench-fileio-host.txt", MB_OK, 3, 1, 0, 0, 1, 3, 47.75 + 31.83, 70.32 + 46.88,
     60.46 + 40.31, "mibs", "MiB/s", NULL},
    {"sysbench", "sysbench-fileio-guest.txt", MB_OK, 5, 0, 0, 0, 1, 5, 34.43 + 22.96, 34.70 + 23.13,
     NAN, "mibs", "MiB/s", NULL},
    /* the load client against a closed port: a series of zeros is data, not an error */
    {"web", "webbench-refused.txt", MB_OK, 3, 1, 0, 0, 1.0, 2.502, 0, 0, 0, "pages_s", "pages/s",
     NULL},
    /* cut off in the middle of a line: the partial series, the cut line dropped */
    {"jbb", "jbb-truncated.txt", MB_OK, 8, 0, 1, 0, 1.0, 8.0, 26428.2, 32708.5, NAN, "bops", "bops",
     "line 11 cut off"},
    {"iozone", "iozone-truncated.txt", MB_OK, 4, 0, 1, 0, 1.0, 4.002, 413.96, 482.15, NAN, "mibs",
     "MiB/s", "cut off"},
    {"sysbench", "sysbench-truncated.txt", MB_OK, 2, 0, 1, 0, 1, 2, 549.97, 576.68, NAN, "eps",
     "events/s", "cut off: '[ 3s ] thds: 1 eps: 56'"},
    {"web", "webbench-truncated.txt", MB_OK, 11, 0, 1, 0, 1.0, 11.0, 1376.9, 1233.0, NAN, "pages_s",
     "pages/s", "line 13 cut off"},
    /* killed without its summary */
    {"jbb", "jbb-killed.txt", MB_OK, 6, 0, 0, 0, 1.0, 6.0, 26428.2, 35802.4, NAN, "bops", "bops",
     NULL},
    /* garbled lines are skipped and counted; the first is named */
    {"jbb", "jbb-garbled.txt", MB_OK, 3, 0, 0, 9, 1.0, 9.0, 38624.5, 39000.0, NAN, "bops", "bops",
     "line 4: a garbled sample: 'jbb t=2.000 dt=1.000 bops=38730,4"},
    {"sysbench", "sysbench-garbled.txt", MB_OK, 3, 0, 0, 7, 1, 4, 577.97, 573.01, NAN, "eps",
     "events/s", "line 6: a garbled report: '[ xs ]"},
    {"sysbench", "sysbench-mixed.txt", MB_OK, 4, 0, 0, 2, 1, 6, 549.97, 585.99, NAN, "eps",
     "events/s", "'[ 4s ] 1215.48 MiB/sec'"},
    {"web", "webbench-garbled.txt", MB_OK, 3, 0, 0, 3, 1.0, 5.0, 1376.9, 428.5, NAN, "pages_s",
     "pages/s", "line 3: a garbled sample"},
    /* the program's own error, and nothing else */
    {"iozone", "iozone-error.txt", MB_OK, 3, 1, 0, 0, 1.0, 2.104, 161.20, 12.02, 152.66, "mibs",
     "MiB/s", "No space left on device"},
    {"jbb", "jbb-error.txt", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL,
     "jbb: no throughput sample in its output (1 lines): jbb: a 8 MiB heap cannot hold 1 "
     "warehouse(s): at least 13 MiB"},
    {"iozone", "iozone-setup-error.txt", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL,
     "does not support O_DIRECT"},
    {"sysbench", "sysbench-fatal.txt", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL,
     "FATAL: Cannot open file 'test_file.0'"},
    /* nothing usable at all */
    {"jbb", "empty.txt", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL, "jbb: no output"},
    {"iozone", "empty.txt", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL, "no output"},
    {"sysbench", "empty.txt", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL, "no output"},
    {"web", "empty.txt", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL, "web: no output"},
    {"jbb", "garbage.bin", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL, "no throughput"},
    {"iozone", "garbage.bin", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL, "no throughput"},
    {"sysbench", "garbage.bin", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL,
     "no throughput"},
    {"web", "garbage.bin", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL, "no throughput"},
    /* another program's output is not this one's */
    {"jbb", "iozone-migration.txt", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL,
     "no throughput"},
    {"web", "sysbench-cpu-host.txt", MB_EINPUT, 0, 0, 0, 0, 0, 0, 0, 0, NAN, NULL, NULL,
     "no throughput"},
};

static void check_num(const char *what, const char *file, double got, double want)
{
    if (want == ANY)
        return;
    if (isnan(want)) {
        if (!isnan(got))
            fail_msg("%s: %s = %g, want NAN", file, what, got);
        return;
    }
    if (!(fabs(got - want) <= 1e-6 * fmax(1, fabs(want))))
        fail_msg("%s: %s = %.6f, want %.6f", file, what, got, want);
}

static void test_parsers_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        const struct mb_wl_driver *d = mb_wl_find(c->driver);
        assert_non_null(d);
        size_t len;
        char *text = slurp(c->file, &len);
        struct mb_series *s = (struct mb_series *)0x1;
        struct mb_error err;
        mb_error_clear(&err);
        int rc = mb_wl_parse(d, text, len, 0, &s, &err);
        if (rc != c->rc)
            fail_msg("%s/%s: rc %d, want %d (%s)", c->driver, c->file, rc, c->rc, err.msg);
        if (rc < 0) {
            assert_ptr_equal(s, (struct mb_series *)0x1); /* untouched on failure */
            if (!strstr(err.msg, c->note))
                fail_msg("%s/%s: error '%s' lacks '%s'", c->driver, c->file, err.msg, c->note);
            free(text);
            continue;
        }
        if (s->n != c->n)
            fail_msg("%s/%s: %zu samples, want %zu (%s)", c->driver, c->file, s->n, c->n, s->note);
        if (s->complete != c->complete || s->truncated != c->truncated ||
            s->bad_lines != c->bad_lines)
            fail_msg("%s/%s: complete %d truncated %d bad %zu, want %d %d %zu", c->driver, c->file,
                     s->complete, s->truncated, s->bad_lines, c->complete, c->truncated,
                     c->bad_lines);
        check_num("first t", c->file, s->s[0].t, c->first_t);
        check_num("last t", c->file, s->s[s->n - 1].t, c->last_t);
        check_num("first value", c->file, s->s[0].v[0], c->first_v);
        check_num("last value", c->file, s->s[s->n - 1].v[0], c->last_v);
        check_num("score", c->file, s->score, c->score);
        assert_string_equal(s->col[0], c->col0);
        assert_string_equal(s->unit[0], c->unit0);
        assert_string_equal(s->workload, c->driver);
        if (c->note ? !strstr(s->note, c->note) : s->note[0] != '\0')
            fail_msg("%s/%s: note '%s', want '%s'", c->driver, c->file, s->note,
                     c->note ? c->note : "");
        /* every sample is sane, in time order */
        for (size_t k = 0; k < s->n; k++) {
            assert_true(s->s[k].dt > 0);
            assert_true(k == 0 || s->s[k].t >= s->s[k - 1].t);
            for (size_t col = 0; col < s->ncols; col++)
                assert_true(isfinite(s->s[k].v[col]) && s->s[k].v[col] >= 0);
        }
        mb_series_free(s);
        free(text);
    }
}

/* Every prefix of every real output parses without a crash (AddressSanitizer watches
 * the reads), giving either a series or an error, and never more samples than the
 * whole. */
static void test_parsers_every_prefix(void **state)
{
    (void)state;
    static const char *const files[][2] = {
        {"jbb", "jbb-migration.txt"},
        {"iozone", "iozone-migration.txt"},
        {"sysbench", "sysbench-fileio-host.txt"},
        {"sysbench", "sysbench-memory-host.txt"},
        {"web", "webbench-migration.txt"},
        {"jbb", "jbb-garbled.txt"},
        {"sysbench", "sysbench-garbled.txt"},
    };
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        const struct mb_wl_driver *d = mb_wl_find(files[f][0]);
        size_t len;
        char *text = slurp(files[f][1], &len);
        struct mb_series *whole = NULL;
        struct mb_error err;
        assert_int_equal(mb_wl_parse(d, text, len, 0, &whole, &err), 0);
        for (size_t n = 0; n <= len; n++) {
            /* an exact-size copy: a read past the prefix is a heap overflow */
            char *p = mb_xmalloc(n ? n : 1);
            memcpy(p, text, n);
            struct mb_series *s = NULL;
            int rc = mb_wl_parse(d, p, n, 0, &s, &err);
            assert_true(rc == 0 || rc == MB_EINPUT);
            if (rc == 0) {
                assert_true(s->n >= 1 && s->n <= whole->n);
                mb_series_free(s);
            }
            free(p);
        }
        mb_series_free(whole);
        free(text);
    }
}

/* Bytes flipped at random never crash a parser. */
static void test_parsers_noise(void **state)
{
    (void)state;
    size_t len;
    char *base = slurp("webbench-migration.txt", &len);
    uint32_t x = 2463534242u;
    for (int round = 0; round < 2000; round++) {
        char *p = mb_xmalloc(len);
        memcpy(p, base, len);
        for (int k = 0; k < 8; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            p[x % len] = (char)(x >> 8);
        }
        for (size_t i = 0; mb_wl_drivers[i]; i++) {
            struct mb_series *s = NULL;
            struct mb_error err;
            if (mb_wl_parse(mb_wl_drivers[i], p, len, 0, &s, &err) == 0)
                mb_series_free(s);
        }
        free(p);
    }
    free(base);
}

/* The series keeps at most max samples and counts the rest. */
static void test_parse_bounded(void **state)
{
    (void)state;
    size_t len;
    char *text = slurp("jbb-migration.txt", &len);
    struct mb_series *s = NULL;
    struct mb_error err;
    assert_int_equal(mb_wl_parse(&mb_wl_jbb, text, len, 10, &s, &err), 0);
    assert_int_equal(s->n, 10);
    assert_int_equal(s->dropped, 19);
    assert_true(s->cap <= 10);
    mb_series_free(s);
    free(text);
}

static void test_idle_has_no_series(void **state)
{
    (void)state;
    struct mb_series *s = (struct mb_series *)0x1;
    struct mb_error err;
    assert_int_equal(mb_wl_parse(&mb_wl_idle, "anything\n", 9, 0, &s, &err), 0);
    assert_null(s);
    char *cmd = (char *)0x1;
    struct mb_wl_params p;
    mb_wl_params_default(&p);
    assert_int_equal(mb_wl_start_cmd(&mb_wl_idle, &p, 60, &cmd, &err), 0);
    assert_null(cmd);
    cmd = (char *)0x1;
    assert_int_equal(mb_wl_stop_cmd(&mb_wl_idle, &p, &cmd), 0);
    assert_null(cmd);
}

/* ---- series and overhead --------------------------------------------------------- */

static struct mb_series *series_of(const double (*rows)[3], size_t n)
{
    struct mb_series *s = mb_series_new(0);
    for (size_t i = 0; i < n; i++) {
        double v[1] = {rows[i][2]};
        assert_int_equal(mb_series_add(s, rows[i][0], rows[i][1], v, -1), 0);
    }
    return s;
}

static void test_series_mean_table(void **state)
{
    (void)state;
    /* t, dt, value: 1 s samples of 100 from 0 to 10 s, then 50 for 10..13, a gap
     * (lost lines) 13..15, 100 again 15..17 */
    static const double rows[][3] = {
        {1, 1, 100}, {2, 1, 100}, {3, 1, 100}, {4, 1, 100},  {5, 1, 100},
        {6, 1, 100}, {7, 1, 100}, {8, 1, 100}, {9, 1, 100},  {10, 1, 100},
        {11, 1, 50}, {12, 1, 50}, {13, 1, 50}, {16, 1, 100}, {17, 1, 100},
    };
    struct mb_series *s = series_of(rows, sizeof(rows) / sizeof(rows[0]));
    static const struct {
        double from, to, mean, covered;
    } cases[] = {
        {0, 10, 100, 10},                  /* whole samples */
        {10, 13, 50, 3},                   /* the dip */
        {9.5, 10.5, 75, 1},                /* half of two samples */
        {12, 17, (50 + 2 * 100) / 3.0, 3}, /* the gap is left out, not counted as zero */
        {13, 15, NAN, 0},                  /* only the gap */
        {20, 30, NAN, 0},                  /* after the end */
        {5, 5, NAN, 0},                    /* empty window */
        {6, 4, NAN, 0},                    /* reversed */
        {-5, 1, 100, 1},                   /* before the start */
        {0, 17, (10 * 100 + 3 * 50 + 2 * 100) / 15.0, 15},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double covered = -1;
        double m = mb_series_mean(s, 0, cases[i].from, cases[i].to, &covered);
        double want = cases[i].mean;
        if (isnan(want))
            assert_true(isnan(m));
        else
            assert_float_equal(m, want, 1e-9);
        assert_float_equal(covered, cases[i].covered, 1e-9);
    }
    assert_true(isnan(mb_series_mean(s, 1, 0, 10, NULL))); /* no such column */
    assert_true(isnan(mb_series_mean(NULL, 0, 0, 10, NULL)));
    /* overhead of the dip: 1 - 50 / 100 */
    assert_float_equal(mb_series_overhead(s, 0, 10, 10, 13), 0.5, 1e-12);
    assert_true(isnan(mb_series_overhead(s, 0, 10, 13, 15))); /* nothing in the window */
    mb_series_free(s);
}

static void test_overhead_table(void **state)
{
    (void)state;
    static const struct {
        double baseline, during, overhead;
    } cases[] = {
        {100, 100, 0},
        {100, 75, 0.25},
        {100, 0, 1},
        {100, 120, -0.2},
        {36229.06, 14062.94, 1 - 14062.94 / 36229.06},
        {0, 50, NAN},
        {-1, 50, NAN},
        {100, -1, NAN},
        {NAN, 50, NAN},
        {100, NAN, NAN},
        {INFINITY, 5, NAN},
        {100, INFINITY, -INFINITY},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double got = mb_wl_overhead(cases[i].baseline, cases[i].during);
        if (isnan(cases[i].overhead))
            assert_true(isnan(got));
        else if (isinf(cases[i].overhead))
            assert_true(isinf(got) && got < 0);
        else
            assert_float_equal(got, cases[i].overhead, 1e-12);
    }
}

static void test_score_ratio_table(void **state)
{
    (void)state;
    static const struct {
        double with, without, ratio;
    } cases[] = {
        {100, 100, 1},  {80, 100, 0.8}, {0, 100, 0},   {120, 100, 1.2}, {100, 0, NAN},
        {100, -3, NAN}, {-1, 100, NAN}, {NAN, 1, NAN}, {1, NAN, NAN},   {5, INFINITY, NAN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double got = mb_wl_score_ratio(cases[i].with, cases[i].without);
        if (isnan(cases[i].ratio))
            assert_true(isnan(got));
        else
            assert_float_equal(got, cases[i].ratio, 1e-12);
    }
}

/* The real run: jbb's throughput fell by more than half during the migration. */
static void test_overhead_of_real_run(void **state)
{
    (void)state;
    size_t len;
    char *text = slurp("jbb-migration.txt", &len);
    struct mb_series *s = NULL;
    struct mb_error err;
    assert_int_equal(mb_wl_parse(&mb_wl_jbb, text, len, 0, &s, &err), 0);
    /* windows as the run measured them (seconds since the start command returned) */
    double ov = mb_series_overhead(s, 5.0, 15.004, 15.004, 18.054);
    assert_true(ov > 0.5 && ov < 0.7);
    /* whole-run score: jbb's own summary */
    assert_float_equal(mb_series_score(s), 30839.3, 1e-9);
    mb_series_free(s);
    /* sysbench stopped: no summary, so the mean of its samples */
    text = (free(text), slurp("sysbench-cpu-migration.txt", &len));
    assert_int_equal(mb_wl_parse(&mb_wl_sysbench, text, len, 0, &s, &err), 0);
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += s->s[i].v[0];
    assert_float_equal(mb_series_score(s), sum / (double)s->n, 1e-9);
    mb_series_free(s);
    free(text);
    assert_true(isnan(mb_series_score(NULL)));
}

static void test_series_add_refuses(void **state)
{
    (void)state;
    struct mb_series *s = mb_series_new(3);
    mb_series_column(s, 1, "b", "u");
    assert_int_equal(s->ncols, 2);
    double ok[2] = {1, 2}, neg[2] = {1, -2}, nan2[2] = {NAN, 1}, inf2[2] = {INFINITY, 1};
    assert_int_equal(mb_series_add(s, 1, 1, ok, -1), 0);
    assert_int_equal(mb_series_add(s, 2, 0, ok, -1), -1);   /* dt 0 */
    assert_int_equal(mb_series_add(s, 2, -1, ok, -1), -1);  /* dt < 0 */
    assert_int_equal(mb_series_add(s, 0.5, 1, ok, -1), -1); /* back in time */
    assert_int_equal(mb_series_add(s, 2, 1, neg, -1), -1);  /* negative value */
    assert_int_equal(mb_series_add(s, 2, 1, nan2, -1), -1); /* NaN */
    assert_int_equal(mb_series_add(s, 2, 1, inf2, -1), -1); /* infinite */
    assert_int_equal(mb_series_add(s, NAN, 1, ok, -1), -1); /* t NaN */
    assert_int_equal(mb_series_add(s, 1, 1, ok, -1), 0);    /* same t: allowed */
    assert_int_equal(mb_series_add(s, 3, 1, ok, 2), 0);
    assert_int_equal(mb_series_add(s, 4, 1, ok, -1), 1); /* full */
    assert_int_equal(s->n, 3);
    assert_int_equal(s->dropped, 1);
    mb_series_free(s);
    mb_series_free(NULL);
    assert_null(mb_series_new((size_t)1 << 40)); /* absurd ceiling */
}

static void test_series_csv(void **state)
{
    (void)state;
    size_t len;
    char *text = slurp("iozone-error.txt", &len);
    struct mb_series *s = NULL;
    struct mb_error err;
    assert_int_equal(mb_wl_parse(&mb_wl_iozone, text, len, 0, &s, &err), 0);
    struct mb_buf b = {0};
    assert_int_equal(mb_series_csv(s, &b), 0);
    assert_string_equal(b.data, "t,dt,tag,mibs,bytes\n"
                                "1.000,1.000,write,161.2,169030656\n"
                                "2.000,1.000,write,158.73,166440960\n"
                                "2.104,0.104,write,12.02,1310720\n");
    mb_buf_free(&b);
    struct mb_buf small = {.max = 16};
    assert_int_equal(mb_series_csv(s, &small), -1); /* past the ceiling */
    mb_buf_free(&small);
    mb_series_free(s);
    free(text);
}

/* ---- keys and parameters --------------------------------------------------------- */

static void test_options_consistent(void **state)
{
    (void)state;
    size_t n = 0;
    for (const struct mb_option *o = mb_wl_option_table(); o->key; o++, n++) {
        assert_true(!strncmp(o->key, "workload.", 9));
        assert_int_equal(o->scope, MB_SCOPE_POINT);
        assert_non_null(o->def);
        assert_true(o->help && strlen(o->help) > 10);
        assert_true(o->offset < sizeof(struct mb_wl_params));
        for (const struct mb_option *q = mb_wl_option_table(); q < o; q++) {
            assert_true(strcmp(q->key, o->key) != 0);
            assert_true(q->offset != o->offset);
        }
        /* the default is within its range */
        char why[128];
        double num = 0;
        if (o->type == MB_OPT_SIZE) {
            uint64_t v;
            assert_int_equal(mb_parse_size(o->def, &v, why, sizeof(why)), 0);
            num = (double)v;
        } else if (o->type == MB_OPT_INT) {
            int64_t v;
            assert_int_equal(mb_parse_int(o->def, &v, why, sizeof(why)), 0);
            num = (double)v;
        } else if (o->type == MB_OPT_DURATION) {
            assert_int_equal(mb_parse_duration_ms(o->def, &num, why, sizeof(why)), 0);
        } else if (o->type == MB_OPT_ENUM) {
            int found = 0;
            for (size_t i = 0; o->values[i]; i++)
                found |= !strcmp(o->values[i], o->def);
            assert_true(found);
        }
        if (o->flags & MB_OPTF_MIN)
            assert_true(num >= o->min);
        if (o->flags & MB_OPTF_MAX)
            assert_true(num <= o->max);
    }
    assert_int_equal(n, 22);
    /* each driver's rows are its own workload.NAME.* keys; every row is workload.interval
     * or some driver's */
    size_t rows = 1;
    for (size_t i = 0; mb_wl_drivers[i]; i++) {
        char prefix[64];
        snprintf(prefix, sizeof(prefix), "workload.%s.", mb_wl_drivers[i]->name);
        for (const struct mb_option *o = mb_wl_drivers[i]->options; o && o->key; o++, rows++)
            if (strncmp(o->key, prefix, strlen(prefix)))
                fail_msg("%s declares %s", mb_wl_drivers[i]->name, o->key);
    }
    assert_int_equal(rows, n);
    assert_string_equal(mb_wl_option_table()[0].key, "workload.interval");
}

static void test_defaults(void **state)
{
    (void)state;
    struct mb_wl_params p;
    mb_wl_params_default(&p);
    assert_float_equal(p.interval_ms, 1000, 0);
    assert_int_equal(p.jbb_warehouses, 1);
    assert_int_equal(p.jbb_heap, 128u << 20);
    assert_int_equal(p.iozone_file_size, 64u << 20);
    assert_int_equal(p.iozone_record_size, 64u << 10);
    assert_string_equal(p.iozone_tests, "all");
    assert_string_equal(p.iozone_dir, "auto");
    assert_int_equal(p.iozone_direct, 0);
    assert_string_equal(p.sysbench_test, "cpu");
    assert_int_equal(p.sysbench_cpu_max_prime, 10000);
    assert_int_equal(p.sysbench_memory_block_size, 1024);
    assert_int_equal(p.web_clients, 8);
    assert_int_equal(p.web_port, 8080);
    assert_int_equal(p.web_page, 16384);
    assert_float_equal(p.web_timeout_ms, 5000, 0);
    /* the scenario keys hold them at struct mb_point's wl */
    assert_int_equal(mb_option_find("workload.interval")->offset,
                     offsetof(struct mb_point, wl.interval_ms));
    assert_int_equal(mb_option_find("workload.web.timeout")->offset,
                     offsetof(struct mb_point, wl.web_timeout_ms));
}

static void test_driver_table(void **state)
{
    (void)state;
    static const char *const names[] = {"idle", "jbb", "iozone", "sysbench", "web", NULL};
    for (size_t i = 0; names[i]; i++) {
        const struct mb_wl_driver *d = mb_wl_find(names[i]);
        assert_non_null(d);
        assert_ptr_equal(d, mb_wl_drivers[i]);
        assert_non_null(d->help);
        assert_true(!d->program || d->options); /* a program has settings */
        assert_true((d->start != NULL) == (d->program != NULL));
        assert_true((d->parse != NULL) == (d->metric != NULL));
        assert_true(!d->client || d->client_argv);
    }
    assert_null(mb_wl_drivers[5]);
    assert_null(mb_wl_find("dirty")); /* the runner's own */
    assert_null(mb_wl_find(NULL));
    assert_null(mb_wl_find("JBB"));
}

struct check_case {
    const char *driver;
    const char *field, *value; /* one parameter changed from its default */
    uint64_t vm_memory;
    const char *error; /* NULL = accepted */
};

static void set_param(struct mb_wl_params *p, const char *field, const char *value)
{
    if (!field)
        return;
    uint64_t size = 0;
    char why[64];
    if (value && mb_parse_size(value, &size, why, sizeof(why)) != 0)
        size = strtoull(value, NULL, 10); /* bytes, written without a unit */
    if (!strcmp(field, "jbb_heap"))
        p->jbb_heap = size;
    else if (!strcmp(field, "jbb_warehouses"))
        p->jbb_warehouses = atoi(value);
    else if (!strcmp(field, "iozone_dir"))
        p->iozone_dir = value;
    else if (!strcmp(field, "iozone_direct+tmp")) {
        p->iozone_direct = 1;
        p->iozone_dir = value;
    } else if (!strcmp(field, "iozone_direct+record")) {
        p->iozone_direct = 1;
        p->iozone_record_size = size;
    } else if (!strcmp(field, "iozone_record_size"))
        p->iozone_record_size = size;
    else if (!strcmp(field, "iozone_file_size"))
        p->iozone_file_size = size;
    else if (!strcmp(field, "iozone_file_size+tmp")) {
        p->iozone_file_size = size;
        p->iozone_dir = "/tmp";
    } else if (!strcmp(field, "sysbench_test"))
        p->sysbench_test = value;
    else if (!strcmp(field, "sysbench_dir"))
        p->sysbench_dir = value;
    else if (!strcmp(field, "web_port"))
        p->web_port = atoi(value);
    else if (!strcmp(field, "web_page"))
        p->web_page = size;
    else
        fail_msg("unknown field %s", field);
}

static void test_check_table(void **state)
{
    (void)state;
    static const uint64_t M = 1u << 20;
    static const struct check_case cases[] = {
        {"jbb", NULL, NULL, 512 * M, NULL},
        {"jbb", "jbb_heap", "384MiB", 512 * M, NULL},
        {"jbb", "jbb_heap", "385MiB", 512 * M,
         "heap 385 MiB does not fit in vms.memory 512 MiB: leave at least 128 MiB"},
        {"jbb", "jbb_heap", "8GiB", 0, NULL}, /* guest memory unknown */
        {"jbb", "jbb_warehouses", "9", 0, "cannot hold 9 warehouses"},
        {"iozone", NULL, NULL, 512 * M, NULL},
        {"iozone", "iozone_dir", "relative/dir", 0, "neither auto nor an absolute path"},
        {"iozone", "iozone_dir", "/mnt/scratch", 0, NULL},
        {"iozone", "iozone_direct+tmp", "/tmp", 0, "no O_DIRECT"},
        {"iozone", "iozone_direct+tmp", "/tmp/x", 0, "no O_DIRECT"},
        {"iozone", "iozone_direct+tmp", "/tmpfoo", 0, NULL},
        {"iozone", "iozone_direct+record", "6KiB", 0, "multiple of 4KiB"},
        {"iozone", "iozone_record_size", "1536", 0, "not a whole number of KiB"},
        {"iozone", "iozone_file_size", "32KiB", 0, "smaller than one record"},
        {"iozone", "iozone_file_size+tmp", "200MiB", 512 * M, "more than a third"},
        {"iozone", "iozone_file_size+tmp", "160MiB", 512 * M, NULL},
        {"sysbench", NULL, NULL, 0, NULL},
        {"sysbench", "sysbench_test", "oltp", 0, "not one of cpu, memory, fileio, threads"},
        {"sysbench", "sysbench_dir", "x", 0, "neither auto nor an absolute path"},
        {"web", NULL, NULL, 0, NULL},
        {"web", "web_port", "22", 0, "taken in the guest"},
        {"web", "web_port", "7777", 0, "taken in the guest"},
        {"web", "web_page", "200MiB", 512 * M, "quarter of the guest's memory"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct check_case *c = &cases[i];
        struct mb_wl_params p;
        mb_wl_params_default(&p);
        set_param(&p, c->field, c->value);
        struct mb_error err;
        mb_error_clear(&err);
        const char *key = NULL;
        int rc = mb_wl_check(mb_wl_find(c->driver), &p, c->vm_memory, &key, &err);
        if (rc != 0 && (!key || strncmp(key, "workload.", 9) || !mb_option_find(key)))
            fail_msg("case %zu: refused without naming its key (%s)", i, key ? key : "NULL");
        if (!c->error && rc != 0)
            fail_msg("case %zu (%s %s=%s): refused: %s", i, c->driver, c->field, c->value, err.msg);
        if (c->error && (rc != MB_EINPUT || !strstr(err.msg, c->error)))
            fail_msg("case %zu (%s %s=%s): rc %d '%s', want '%s'", i, c->driver, c->field, c->value,
                     rc, err.msg, c->error);
        /* the start command refuses what check refuses */
        char *cmd = NULL;
        mb_error_clear(&err);
        rc = mb_wl_start_cmd(mb_wl_find(c->driver), &p, 60, &cmd, &err);
        if (c->error && c->vm_memory == 0)
            assert_int_equal(rc, MB_EINPUT);
        free(cmd);
    }
}

/* ---- guest commands -------------------------------------------------------------- */

/* The command is valid shell (sh -n parses it without running it). */
static void assert_shell_syntax(const char *cmd)
{
    char path[] = "/tmp/test_workload_sh_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
    close(fd);
    char *sh = mb_xasprintf("sh -n %s 2>/dev/null", path);
    int st = system(sh);
    unlink(path);
    free(sh);
    if (st != 0)
        fail_msg("not valid shell: %s", cmd);
}

static void test_start_stop_commands(void **state)
{
    (void)state;
    struct mb_wl_params p;
    mb_wl_params_default(&p);
    struct mb_error err;
    static const struct {
        const char *driver, *start, *stop;
    } cases[] = {
        {"jbb",
         "jbb -d '-w' '1' '-m' '128.000' '-i' '1.000' '-t' '90' '-s' '/run/mb-wl-jbb.status' "
         "'-p' '/run/mb-wl-jbb.pid' >'/run/mb-wl-jbb.log' 2>&1",
         "f='/run/mb-wl-jbb.pid'; if [ -s \"$f\" ]; then p=$(cat \"$f\"); kill -TERM \"$p\""},
        {"iozone",
         "iozone -d '-s' '64.000' '-r' '64' '-T' 'all' '-i' '1.000' '-t' '90' '-S' "
         "'/run/mb-wl-iozone.status' '-p' '/run/mb-wl-iozone.pid' >'/run/mb-wl-iozone.log' 2>&1",
         "f='/run/mb-wl-iozone.pid';"},
        {"sysbench",
         "setsid sysbench 'cpu' '--cpu-max-prime=10000' '--threads=1' '--time=90' "
         "'--report-interval=1' 'run' </dev/null >'/run/mb-wl-sysbench.log' 2>&1 & echo $! "
         ">'/run/mb-wl-sysbench.pid'",
         "f='/run/mb-wl-sysbench.pid';"},
        {"web",
         "webserver -d '-p' '8080' '-m' '1024' '-i' '1.000' '-t' '90' '-s' "
         "'/run/mb-wl-web.status' '-P' '/run/mb-wl-web.pid' >'/run/mb-wl-web.log' 2>&1",
         "f='/run/mb-wl-web.pid';"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct mb_wl_driver *d = mb_wl_find(cases[i].driver);
        char *start = NULL, *stop = NULL, *out = NULL;
        assert_int_equal(mb_wl_start_cmd(d, &p, 90, &start, &err), 0);
        assert_string_equal(start, cases[i].start);
        assert_int_equal(mb_wl_stop_cmd(d, &p, &stop), 0);
        if (strncmp(stop, cases[i].stop, strlen(cases[i].stop)))
            fail_msg("%s stop: %s", cases[i].driver, stop);
        assert_int_equal(mb_wl_output_cmd(d, &out), 0);
        char want[128];
        snprintf(want, sizeof(want), "cat '/run/mb-wl-%s.log'", d->name);
        assert_string_equal(out, want);
        assert_shell_syntax(start);
        assert_shell_syntax(stop);
        free(start);
        free(stop);
        free(out);
    }
}

/* No value from a scenario reaches the guest's shell unquoted. */
static void test_commands_quote_values(void **state)
{
    (void)state;
    static const char evil[] = "/mnt/a b'c;$(reboot)`x`";
    static const char quoted[] = "'/mnt/a b'\"'\"'c;$(reboot)`x`'";
    struct mb_wl_params p;
    mb_wl_params_default(&p);
    p.iozone_dir = evil;
    p.sysbench_dir = evil;
    p.sysbench_test = "fileio";
    p.iozone_direct = 1;
    p.iozone_fsync = 1;
    p.iozone_tests = "randwrite";
    p.interval_ms = 250;
    struct mb_error err;
    char *cmd = NULL;
    assert_int_equal(mb_wl_start_cmd(&mb_wl_iozone, &p, 30, &cmd, &err), 0);
    assert_non_null(strstr(cmd, quoted));
    assert_non_null(strstr(cmd, "'-T' 'randwrite' '-f' "));
    assert_non_null(strstr(cmd, " '-D' '-e' '-i' '0.250' "));
    assert_shell_syntax(cmd);
    free(cmd);
    assert_int_equal(mb_wl_start_cmd(&mb_wl_sysbench, &p, 30.2, &cmd, &err), 0);
    assert_non_null(strstr(cmd, quoted));
    /* fileio: prepared in the directory before the run; a whole-second interval */
    assert_non_null(strstr(cmd, "'prepare' >'/run/mb-wl-sysbench.log' 2>&1 && { setsid"));
    assert_non_null(strstr(cmd, "'--time=31' '--report-interval=1' 'run'"));
    assert_non_null(strstr(cmd, ">>'/run/mb-wl-sysbench.log'"));
    assert_shell_syntax(cmd);
    free(cmd);
    assert_int_equal(mb_wl_stop_cmd(&mb_wl_sysbench, &p, &cmd), 0);
    assert_non_null(strstr(cmd, "'fileio' '--file-total-size=67108864' "
                                "'--file-test-mode=rndrw' 'cleanup'"));
    assert_shell_syntax(cmd);
    free(cmd);
    /* auto: the guest decides where */
    p.sysbench_dir = "auto";
    assert_int_equal(mb_wl_start_cmd(&mb_wl_sysbench, &p, 30, &cmd, &err), 0);
    assert_non_null(strstr(cmd, "d=/tmp; grep -qs ' /mnt/scratch ' /proc/mounts && "
                                "d=/mnt/scratch; "));
    assert_shell_syntax(cmd);
    free(cmd);
    p.sysbench_test = "memory";
    p.sysbench_memory_oper = "read";
    p.interval_ms = 2500; /* rounded up */
    assert_int_equal(mb_wl_start_cmd(&mb_wl_sysbench, &p, 0, &cmd, &err), 0);
    assert_non_null(strstr(cmd, "'memory' '--memory-block-size=1024' '--memory-total-size=100T' "
                                "'--memory-oper=read' '--threads=1' '--time=3600' "
                                "'--report-interval=3' 'run'"));
    free(cmd);
}

static void test_web_client_argv(void **state)
{
    (void)state;
    struct mb_wl_params p;
    mb_wl_params_default(&p);
    p.web_keepalive = 1;
    p.web_clients = 32;
    p.web_page = 100000;
    char **argv = NULL;
    struct mb_error err;
    assert_int_equal(mb_wl_web.client_argv(&p, "10.1.2.101", 120, &argv, &err), 0);
    static const char *const want[] = {"-W",
                                       "-c",
                                       "32",
                                       "-t",
                                       "120",
                                       "-i",
                                       "1.000",
                                       "-T",
                                       "5.000",
                                       "-k",
                                       "http://10.1.2.101:8080/100000",
                                       NULL};
    for (size_t i = 0; want[i]; i++)
        assert_string_equal(argv[i], want[i]);
    assert_null(argv[11]);
    mb_wl_argv_free(argv);
    argv = NULL;
    static const char *const bad[] = {"", "guest1", "10.1.2.300", "10.1.2.1;rm", "::1", NULL};
    for (size_t i = 0; bad[i]; i++) {
        mb_error_clear(&err);
        assert_int_equal(mb_wl_web.client_argv(&p, bad[i], 60, &argv, &err), MB_EINPUT);
        assert_non_null(strstr(err.msg, "IPv4"));
        assert_null(argv);
    }
    assert_int_equal(mb_wl_web.client_argv(&p, NULL, 60, &argv, &err), MB_EINPUT);
    mb_wl_argv_free(NULL);
}

/* ---- the load client's process --------------------------------------------------- */

/* A stand-in for mb-webbench: a shell script printing what it was given, samples, and
 * its summary at SIGTERM (or not, by its mode). */
static char *stub(const char *dir, const char *name, const char *body)
{
    char *path = mb_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s", body);
    fclose(f);
    chmod(path, 0755);
    return path;
}

static void test_client_process(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_workload_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *good = stub(dir, "good",
                      "echo \"args: $*\"\n"
                      "echo 'webbench start urls=1 clients=1 wall=1000.000'\n"
                      "trap 'echo \"webbench t=0.500 dt=0.500 pages=5 bytes=50 failures=0 "
                      "pages_s=10.0 bytes_s=100.0 lat_ms=1.00\"; echo \"webbench final t=0.5 "
                      "pages=5 pages_s=10.0\"; exit 0' TERM\n"
                      "echo 'webbench t=0.250 dt=0.250 pages=2 bytes=20 failures=0 pages_s=8.0 "
                      "bytes_s=80.0 lat_ms=1.00'\n"
                      "while :; do sleep 0.05; done\n");
    char *stubborn = stub(dir, "stubborn", "trap '' TERM\nwhile :; do sleep 0.05; done\n");
    char *fails = stub(dir, "fails", "echo 'mb-webbench: bad host' >&2\nexit 3\n");
    char *log = mb_xasprintf("%s/client.log", dir);
    struct mb_wl_params p;
    mb_wl_params_default(&p);
    struct mb_error err;
    struct mb_wl_client *c = NULL;

    /* a client that runs, samples and summarizes at SIGTERM */
    double before = mb_now_wall();
    assert_int_equal(mb_wl_client_start(&mb_wl_web, &p, "10.0.0.101", 30, good, log, &c, &err), 0);
    assert_true(mb_wl_client_pid(c) > 0);
    assert_true(mb_wl_client_t0(c) >= before && mb_wl_client_t0(c) <= mb_now_wall());
    usleep(300 * 1000);
    assert_false(mb_wl_client_ended(c, NULL));
    assert_int_equal(mb_wl_client_stop(c, 5, &err), 0);
    int st;
    assert_true(mb_wl_client_ended(c, &st));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *text = NULL;
    size_t len = 0;
    bool trunc = true;
    assert_int_equal(mb_wl_client_output(c, 0, &text, &len, &trunc, &err), 0);
    assert_false(trunc);
    assert_non_null(strstr(text, "args: -W -c 8 -t 30 -i 1.000 -T 5.000 "
                                 "http://10.0.0.101:8080/16384\n"));
    struct mb_series *s = NULL;
    assert_int_equal(mb_wl_parse(&mb_wl_web, text, len, 0, &s, &err), 0);
    assert_int_equal(s->n, 2);
    assert_true(s->complete);
    assert_float_equal(s->score, 10.0, 0);
    mb_series_free(s);
    free(text);
    /* its output, bounded */
    assert_int_equal(mb_wl_client_output(c, 10, &text, &len, &trunc, &err), 0);
    assert_int_equal(len, 10);
    assert_true(trunc);
    free(text);
    mb_wl_client_free(c);

    /* one that ignores SIGTERM is killed */
    c = NULL;
    assert_int_equal(mb_wl_client_start(&mb_wl_web, &p, "10.0.0.101", 30, stubborn, log, &c, &err),
                     0);
    usleep(100 * 1000);
    assert_int_equal(mb_wl_client_stop(c, 0.3, &err), MB_EFAILED);
    assert_non_null(strstr(err.msg, "was killed"));
    mb_wl_client_free(c);

    /* one that fails: its status is reported */
    c = NULL;
    assert_int_equal(mb_wl_client_start(&mb_wl_web, &p, "10.0.0.101", 30, fails, log, &c, &err), 0);
    for (int i = 0; i < 200 && !mb_wl_client_ended(c, NULL); i++)
        usleep(10 * 1000);
    assert_int_equal(mb_wl_client_stop(c, 1, &err), MB_EFAILED);
    assert_non_null(strstr(err.msg, "status 3"));
    mb_wl_client_free(c);

    /* not there, a bad address, no log, a driver without a client */
    c = NULL;
    char *missing = mb_xasprintf("%s/missing", dir);
    assert_int_equal(mb_wl_client_start(&mb_wl_web, &p, "10.0.0.101", 30, missing, log, &c, &err),
                     MB_EENV);
    assert_non_null(strstr(err.msg, "the load client: cannot run "));
    assert_int_equal(mb_wl_client_start(&mb_wl_web, &p, "nohost", 30, good, log, &c, &err),
                     MB_EINPUT);
    char *nolog = mb_xasprintf("%s/no/such/dir/log", dir);
    assert_int_equal(mb_wl_client_start(&mb_wl_web, &p, "10.0.0.101", 30, good, nolog, &c, &err),
                     MB_EIO);
    assert_int_equal(mb_wl_client_start(&mb_wl_jbb, &p, "10.0.0.101", 30, good, log, &c, &err),
                     MB_EINPUT);
    assert_null(c);
    mb_wl_client_free(NULL);

    unlink(good);
    unlink(stubborn);
    unlink(fails);
    unlink(log);
    rmdir(dir);
    free(good);
    free(stubborn);
    free(fails);
    free(log);
    free(missing);
    free(nolog);
}

/* collect: stop, read and parse in one call; a killed client's samples still count */
static void test_client_collect(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_workload_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *stubborn = stub(dir, "stubborn",
                          "trap '' TERM\n"
                          "echo 'webbench t=1.000 dt=1.000 pages=9 bytes=90 failures=0 "
                          "pages_s=9.0 bytes_s=90.0 lat_ms=1.00'\n"
                          "while :; do sleep 0.05; done\n");
    char *silent = stub(dir, "silent", "exit 0\n");
    char *log = mb_xasprintf("%s/client.log", dir);
    struct mb_wl_params p;
    mb_wl_params_default(&p);
    struct mb_error err;
    struct mb_wl_client *c = NULL;
    assert_int_equal(mb_wl_client_start(&mb_wl_web, &p, "10.0.0.101", 30, stubborn, log, &c, &err),
                     0);
    usleep(300 * 1000);
    struct mb_series *s = NULL;
    char *raw = NULL;
    assert_int_equal(mb_wl_client_collect(c, &mb_wl_web, 0.3, 0, &s, &raw, &err), 0);
    assert_int_equal(s->n, 1);
    assert_false(s->complete);
    assert_non_null(strstr(s->note, "was killed"));
    assert_non_null(strstr(raw, "webbench t=1.000"));
    mb_series_free(s);
    free(raw);
    mb_wl_client_free(c);

    c = NULL;
    assert_int_equal(mb_wl_client_start(&mb_wl_web, &p, "10.0.0.101", 30, silent, log, &c, &err),
                     0);
    s = NULL;
    assert_int_equal(mb_wl_client_collect(c, &mb_wl_web, 1, 0, &s, NULL, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "web: no output"));
    assert_null(s);
    mb_wl_client_free(c);

    unlink(stubborn);
    unlink(silent);
    unlink(log);
    rmdir(dir);
    free(stubborn);
    free(silent);
    free(log);
}

static void test_client_exe(void **state)
{
    (void)state;
    char *e = mb_wl_client_exe(); /* next to this test's binary */
    assert_true(mb_ends_with(e, "/mb-webbench"));
    free(e);
}

/* ---- in a guest, through the SSH boundary ---------------------------------------- */

static struct mb_remote *fake_guest(char *keyfile)
{
    int fd = mkstemp(keyfile);
    assert_true(fd >= 0);
    close(fd);
    struct mb_remote_target t = {.address = "10.0.0.101", .key = keyfile, .insecure = true};
    struct mb_remote *r = NULL;
    struct mb_error e;
    assert_int_equal(mb_remote_open(&fake_remote, &t, &r, &e), 0);
    return r;
}

static void test_guest_start_collect(void **state)
{
    (void)state;
    char key[] = "/tmp/test_workload_key_XXXXXX";
    fake_ssh_reset();
    struct mb_remote *r = fake_guest(key);
    struct mb_wl_params p;
    mb_wl_params_default(&p);
    struct mb_error err;

    /* start: the driver's command, and the time it returned */
    double before = mb_now_wall(), t0 = 0;
    assert_int_equal(mb_wl_guest_start(r, &mb_wl_jbb, &p, 120, 0, &t0, &err), 0);
    assert_true(t0 >= before && t0 <= mb_now_wall());
    assert_true(!strncmp(fake_ssh.last_cmd, "jbb -d '-w' '1' '-m' '128.000'", 30));
    assert_float_equal(fake_ssh.last_timeout, 60, 0);

    /* a program that does not start */
    fake_ssh.exit_status = 1;
    mb_error_clear(&err);
    assert_int_equal(mb_wl_guest_start(r, &mb_wl_jbb, &p, 120, 0, &t0, &err), MB_EFAILED);
    assert_non_null(strstr(err.msg, "jbb did not start in the guest"));
    fake_ssh.exit_status = 0;

    /* idle: nothing runs, nothing is sent */
    fake_ssh.last_cmd[0] = '\0';
    assert_int_equal(mb_wl_guest_start(r, &mb_wl_idle, &p, 120, 0, &t0, &err), 0);
    assert_string_equal(fake_ssh.last_cmd, "");

    /* collect: stop, then the log, parsed */
    size_t len;
    char *text = slurp("jbb-migration.txt", &len);
    fake_ssh.out_chunk = text;
    fake_ssh.out_repeat = 1;
    struct mb_series *s = NULL;
    char *raw = NULL;
    assert_int_equal(mb_wl_guest_collect(r, &mb_wl_jbb, &p, 0, &s, &raw, &err), 0);
    assert_string_equal(fake_ssh.last_cmd, "cat '/run/mb-wl-jbb.log'");
    assert_int_equal(s->n, 29);
    assert_string_equal(raw, text);
    mb_series_free(s);
    free(raw);

    /* the web server's log is raw output only: the series is the client's */
    s = (struct mb_series *)0x1;
    assert_int_equal(mb_wl_guest_collect(r, &mb_wl_web, &p, 0, &s, NULL, &err), 0);
    assert_null(s);

    /* output without a sample: an error, and the raw text still given */
    fake_ssh.out_chunk = "jbb: a 8 MiB heap cannot hold 1 warehouse(s): at least 13 MiB\n";
    raw = NULL;
    assert_int_equal(mb_wl_guest_collect(r, &mb_wl_jbb, &p, 0, &s, &raw, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "cannot hold 1 warehouse"));
    assert_non_null(raw);
    free(raw);

    /* the guest does not answer */
    fake_ssh.hang = true;
    assert_int_equal(mb_wl_guest_collect(r, &mb_wl_jbb, &p, 0, &s, NULL, &err), MB_EFAILED);
    fake_ssh.hang = false;

    mb_remote_close(r);
    unlink(key);
    free(text);
}

/* ---- helpers for drivers --------------------------------------------------------- */

static void test_field(void **state)
{
    (void)state;
    static const char line[] = "x t=1.5 dt=0.5 bops=12 neg=-3 sci=1e3 bad=1x hex=0x10 empty= "
                               "nan=nan inf=inf last=7";
    static const struct {
        const char *key;
        int rc;
        double v;
    } cases[] = {
        {"t", 0, 1.5},  {"dt", 0, 0.5},     {"bops", 0, 12},  {"neg", 0, -3}, {"sci", 0, 1000},
        {"bad", -1, 0}, {"hex", -1, 0},     {"empty", -1, 0}, {"nan", -1, 0}, {"inf", -1, 0},
        {"last", 0, 7}, {"missing", -1, 0}, {"ops", -1, 0}, /* "bops" is not "ops" */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v = -99;
        assert_int_equal(mb_wl_field(line, strlen(line), cases[i].key, &v), cases[i].rc);
        if (cases[i].rc == 0)
            assert_float_equal(v, cases[i].v, 1e-12);
        else
            assert_float_equal(v, -99, 0); /* untouched */
    }
    /* the key must not be found past the line's length */
    double v;
    assert_int_equal(mb_wl_field(line, 7, "dt", &v), -1);
}

static void test_lines(void **state)
{
    (void)state;
    static const char text[] = "a\r\nbb\n\nccc";
    struct mb_wl_lines it = {text, text + sizeof(text) - 1, 0};
    const char *l;
    size_t n;
    bool term;
    static const struct {
        const char *s;
        bool term;
    } want[] = {{"a", true}, {"bb", true}, {"", true}, {"ccc", false}};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(mb_wl_next_line(&it, &l, &n, &term), 1);
        assert_int_equal(n, strlen(want[i].s));
        assert_memory_equal(l, want[i].s, n);
        assert_int_equal(term, want[i].term);
    }
    assert_int_equal(mb_wl_next_line(&it, &l, &n, &term), 0);
    assert_int_equal(it.lineno, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parsers_table),
        cmocka_unit_test(test_parsers_every_prefix),
        cmocka_unit_test(test_parsers_noise),
        cmocka_unit_test(test_parse_bounded),
        cmocka_unit_test(test_idle_has_no_series),
        cmocka_unit_test(test_series_mean_table),
        cmocka_unit_test(test_overhead_table),
        cmocka_unit_test(test_score_ratio_table),
        cmocka_unit_test(test_overhead_of_real_run),
        cmocka_unit_test(test_series_add_refuses),
        cmocka_unit_test(test_series_csv),
        cmocka_unit_test(test_options_consistent),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_driver_table),
        cmocka_unit_test(test_check_table),
        cmocka_unit_test(test_start_stop_commands),
        cmocka_unit_test(test_commands_quote_values),
        cmocka_unit_test(test_web_client_argv),
        cmocka_unit_test(test_client_process),
        cmocka_unit_test(test_client_exe),
        cmocka_unit_test(test_client_collect),
        cmocka_unit_test(test_guest_start_collect),
        cmocka_unit_test(test_field),
        cmocka_unit_test(test_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
