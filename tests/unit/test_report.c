/* test_report.c — the report module: metadata.json reader, loading results directories
 * (per-run aggregation, failed runs, hops, malformed input), summary.csv, claim rules,
 * figure specifications and the documents.
 *
 * Results directories are written here with the results module's own writer, or read
 * from tests/data/report/ (tests run from the repository root; make-fixtures.py there
 * rebuilds them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "report.h"
#include "report_int.h"
#include "results.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ----------------------------------------------------------------------------- */

static char *tmpdir(void)
{
    char *d = strdup("/tmp/mb-test-report-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void rmtree(const char *d)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
    assert_int_equal(system(cmd), 0);
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *slurp_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

/* One raw.csv row.  A metric of 0 is "not measured" (no test needs a real 0). */
struct trow {
    unsigned point, rep, hop;
    const char *vm, *status, *strategy;
    const char *f[3];
    double total, down, wall, span, over;
};

static void write_raw(const char *dir, const char *scen, const char *const *factors, size_t nf,
                      const struct trow *rows, size_t n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/raw.csv", dir);
    struct mb_results *res;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_results_open(path, factors, nf, &res, &err), 0);
    struct mb_results_row *row = mb_results_row_new(res);
    for (size_t i = 0; i < n; i++) {
        const struct trow *r = &rows[i];
        mb_results_row_reset(row);
        char key[32], id[MB_RESULTS_RUN_ID_SIZE];
        snprintf(key, sizeof(key), "p%u", r->point);
        mb_results_row_set_col(row, MB_COL_RUN_ID, "%s",
                               mb_results_run_id(scen, key, r->rep ? r->rep : 1, id));
        mb_results_row_set_col(row, MB_COL_SCENARIO, "%s", scen);
        mb_results_row_set_col(row, MB_COL_POINT, "%u", r->point);
        mb_results_row_set_col(row, MB_COL_REPETITION, "%u", r->rep ? r->rep : 1);
        mb_results_row_set_col(row, MB_COL_VM, "%s", r->vm ? r->vm : "vm1");
        mb_results_row_set_col(row, MB_COL_HOST_FROM, "hostA");
        mb_results_row_set_col(row, MB_COL_HOST_TO, "hostB");
        mb_results_row_set_col(row, MB_COL_STRATEGY, "%s",
                               r->strategy ? r->strategy : "sequential");
        mb_results_row_set_col(row, MB_COL_BATCH, "1");
        mb_results_row_set_col(row, MB_COL_HOP, "%u", r->hop ? r->hop : 1);
        mb_results_row_set_col(row, MB_COL_STATUS, "%s", r->status ? r->status : "ok");
        if (r->status && strcmp(r->status, "ok"))
            mb_results_row_set_col(row, MB_COL_ERROR, "went wrong, \"badly\"");
        for (size_t k = 0; k < nf; k++) {
            char col[128];
            snprintf(col, sizeof(col), "f.%s", factors[k]);
            mb_results_row_set(row, col, "%s", r->f[k]);
        }
        if (r->total)
            mb_results_row_set_col(row, MB_COL_TOTAL_TIME_MS, "%.6g", r->total);
        if (r->down)
            mb_results_row_set_col(row, MB_COL_DOWNTIME_MS, "%.6g", r->down);
        if (r->wall)
            mb_results_row_set_col(row, MB_COL_WALL_TIME_MS, "%.6g", r->wall);
        if (r->span)
            mb_results_row_set_col(row, MB_COL_BATCH_MAKESPAN_MS, "%.6g", r->span);
        if (r->over)
            mb_results_row_set_col(row, MB_COL_OVERHEAD_PCT, "%.6g", r->over);
        mb_results_row_set_col(row, MB_COL_INTEGRITY, "unchecked");
        assert_int_equal(mb_results_append(res, row, &err), 0);
    }
    mb_results_row_free(row);
    mb_results_close(res);
}

static struct mb_report_dir *load_ok(const char *dir)
{
    struct mb_report_dir *d = NULL;
    struct mb_error err;
    mb_error_clear(&err);
    int rc = mb_report_dir_load(dir, &d, &err);
    if (rc) {
        char buf[2048];
        mb_error_format(&err, buf, sizeof(buf));
        print_error("load %s: %s\n", dir, buf);
    }
    assert_int_equal(rc, 0);
    return d;
}

static const struct mb_report_point *point_of(const struct mb_report_dir *d, size_t index,
                                              unsigned hop)
{
    for (size_t i = 0; i < d->npoints; i++)
        if (d->points[i].index == index && d->points[i].hop == hop)
            return &d->points[i];
    fail_msg("no point %zu hop %u", index, hop);
    return NULL;
}

static void close_at(const char *file, int line, double a, double b)
{
    if (!(fabs(a - b) <= 1e-9 * fmax(1, fabs(b)))) {
        print_error("%.17g != %.17g\n", a, b);
        _fail(file, line);
    }
}
#define CLOSE(a, b) close_at(__FILE__, __LINE__, (a), (b))

/* ---- loading ------------------------------------------------------------------------------ */

static const char *const mem_factors[] = {"vms.memory", "migration.strategy"};

static void test_load_aggregates_runs(void **state)
{
    (void)state;
    char *dir = tmpdir();
    /* two VMs per run: a run's value is the mean of its VMs; a run with a failed VM is
     * left out; levels are written out of numeric order */
    const struct trow rows[] = {
        {1, 1, 1, "vm1", NULL, NULL, {"1GiB", "sequential"}, 100, 10, 0, 300, 0},
        {1, 1, 1, "vm2", NULL, NULL, {"1GiB", "sequential"}, 200, 20, 0, 300, 0},
        {1, 2, 1, "vm1", NULL, NULL, {"1GiB", "sequential"}, 300, 30, 0, 500, 0},
        {1, 2, 1, "vm2", NULL, NULL, {"1GiB", "sequential"}, 500, 50, 0, 500, 0},
        {1, 3, 1, "vm1", NULL, NULL, {"1GiB", "sequential"}, 900, 0, 0, 900, 0},
        {1, 3, 1, "vm2", "timeout", NULL, {"1GiB", "sequential"}, 0, 0, 0, 0, 0},
        {1, 4, 1, "vm1", NULL, NULL, {"1GiB", "sequential"}, 1000, 0, 0, 1100, 0},
        {1, 4, 1, "vm2", NULL, NULL, {"1GiB", "sequential"}, 1200, 0, 0, 1100, 0},
        {2, 1, 1, "vm1", NULL, NULL, {"256MiB", "parallel"}, 50, 5, 0, 60, 0},
        {2, 2, 1, "vm1", NULL, NULL, {"256MiB", "parallel"}, 70, 7, 0, 80, 0},
        {3, 1, 1, "vm1", NULL, NULL, {"512MiB", "sequential"}, 80, 8, 0, 90, 0},
    };
    write_raw(dir, "agg", mem_factors, 2, rows, N_OF(rows));
    struct mb_report_dir *d = load_ok(dir);
    assert_string_equal(d->name, "agg");
    assert_int_equal(d->nrows, N_OF(rows));
    assert_int_equal(d->nruns, 7);
    assert_int_equal(d->nfailed, 1);
    assert_int_equal(d->npoints, 3);
    assert_int_equal(d->trim, 1);   /* no scenario.yaml: 1 when some point has 3 runs */
    assert_int_equal(d->nnotes, 2); /* scenario.yaml and metadata.json missing */
    const struct mb_report_point *p = point_of(d, 1, 1);
    assert_int_equal(p->runs, 4);
    assert_int_equal(p->failed, 1);
    assert_int_equal(p->status_rows[MB_REPORT_OK], 7);
    assert_int_equal(p->status_rows[MB_REPORT_TIMEOUT], 1);
    assert_non_null(strstr(p->first_error, "timeout: went wrong, \"badly\""));
    assert_int_equal(p->first_error_line, 7);
    assert_int_equal(p->s[MB_COL_TOTAL_TIME_MS].n, 3);
    CLOSE(p->s[MB_COL_TOTAL_TIME_MS].v[0], 150);
    CLOSE(p->s[MB_COL_TOTAL_TIME_MS].v[1], 400);
    CLOSE(p->s[MB_COL_TOTAL_TIME_MS].v[2], 1100);
    CLOSE(p->sum[MB_COL_TOTAL_TIME_MS].trimmed_mean, 400);
    CLOSE(p->sum[MB_COL_TOTAL_TIME_MS].mean, 550);
    CLOSE(mb_report_value(p, MB_COL_TOTAL_TIME_MS), 400);
    /* downtime only in runs 1 and 2: too few to trim, the mean stands in */
    assert_int_equal(p->s[MB_COL_DOWNTIME_MS].n, 2);
    assert_true(isnan(p->sum[MB_COL_DOWNTIME_MS].trimmed_mean));
    CLOSE(mb_report_value(p, MB_COL_DOWNTIME_MS), 27.5);
    assert_true(d->has_metric[MB_COL_BATCH_MAKESPAN_MS]);
    assert_false(d->has_metric[MB_COL_OVERHEAD_PCT]);
    assert_true(isnan(mb_report_value(p, MB_COL_OVERHEAD_PCT)));
    assert_string_equal(p->strategy, "sequential");
    /* numeric levels sorted by value, categorical ones in point order */
    assert_int_equal(d->factors[0].nlevels, 3);
    assert_true(d->factors[0].numeric);
    assert_string_equal(d->factors[0].levels[0], "256MiB");
    assert_string_equal(d->factors[0].levels[1], "512MiB");
    assert_string_equal(d->factors[0].levels[2], "1GiB");
    CLOSE(d->factors[0].num[2], 1073741824.0);
    assert_false(d->factors[1].numeric);
    assert_string_equal(d->factors[1].levels[0], "sequential");
    assert_string_equal(d->factors[1].levels[1], "parallel");
    char label[256];
    mb_report_point_label(d, p, label, sizeof(label));
    assert_string_equal(label, "vms.memory=1GiB, migration.strategy=sequential");
    assert_int_equal(mb_report_factor_find(d, "migration.strategy"), 1);
    assert_int_equal(mb_report_factor_find(d, "vms.count"), -1);
    mb_report_dir_free(d);
    mb_report_dir_free(NULL);
    rmtree(dir);
    free(dir);
}

static void test_load_hops_and_trim_from_scenario(void **state)
{
    (void)state;
    char *dir = tmpdir();
    static const char *const f[] = {"vms.memory"};
    const struct trow rows[] = {
        {1, 1, 1, NULL, NULL, NULL, {"256MiB"}, 100, 0, 0, 0, 0},
        {1, 1, 2, NULL, NULL, NULL, {"256MiB"}, 110, 0, 0, 0, 0},
        {1, 2, 1, NULL, NULL, NULL, {"256MiB"}, 200, 0, 0, 0, 0},
        {1, 2, 2, NULL, "corrupt", NULL, {"256MiB"}, 210, 0, 0, 0, 0},
        {1, 3, 1, NULL, NULL, NULL, {"256MiB"}, 300, 0, 0, 0, 0},
        {1, 3, 2, NULL, NULL, NULL, {"256MiB"}, 310, 0, 0, 0, 0},
    };
    write_raw(dir, "hops", f, 1, rows, N_OF(rows));
    put(dir, "scenario.yaml",
        "name: hops\nrepeat: 3\ntrim: 0\nvms: {memory: [256MiB, 512MiB]}\nmigration: {hops: 2}\n");
    struct mb_report_dir *d = load_ok(dir);
    assert_int_equal(d->trim, 0); /* from scenario.yaml */
    assert_int_equal(d->max_hop, 2);
    assert_int_equal(d->npoints, 2);
    const struct mb_report_point *h1 = point_of(d, 1, 1), *h2 = point_of(d, 1, 2);
    assert_int_equal(h1->runs, 3);
    assert_int_equal(h1->failed, 0);
    CLOSE(h1->sum[MB_COL_TOTAL_TIME_MS].trimmed_mean, 200);
    assert_int_equal(h2->runs, 3);
    assert_int_equal(h2->failed, 1);
    CLOSE(h2->sum[MB_COL_TOTAL_TIME_MS].mean, 210);
    assert_int_equal(d->nfailed, 1);
    assert_int_equal(d->nnotes, 1); /* metadata.json missing */
    char label[128];
    mb_report_point_label(d, h2, label, sizeof(label));
    assert_string_equal(label, "vms.memory=256MiB, hop 2");
    mb_report_dir_free(d);
    rmtree(dir);
    free(dir);
}

static void test_load_header_only_and_no_factors(void **state)
{
    (void)state;
    char *dir = tmpdir();
    write_raw(dir, "empty", mem_factors, 2, NULL, 0);
    struct mb_report_dir *d = load_ok(dir);
    assert_int_equal(d->npoints, 0);
    assert_int_equal(d->nfactors, 2);
    assert_string_equal(d->name, "(empty)");
    mb_report_dir_free(d);
    rmtree(dir);
    free(dir);
    dir = tmpdir();
    const struct trow rows[] = {{1, 1, 1, NULL, NULL, NULL, {NULL}, 100, 0, 0, 0, 0}};
    write_raw(dir, "plain", NULL, 0, rows, 1);
    d = load_ok(dir);
    char label[64];
    mb_report_point_label(d, &d->points[0], label, sizeof(label));
    assert_string_equal(label, "(no factors)");
    struct mb_plot_fig *figs;
    assert_int_equal(mb_report_figures(d, "plain", &figs), 0);
    mb_plot_figs_free(figs, 0);
    mb_report_dir_free(d);
    rmtree(dir);
    free(dir);
}

/* Every malformed fixture of tests/data/report/ is refused with the text of its EXPECT
 * file (written for the command line: the part after the directory). */
static void test_load_errors_fixtures(void **state)
{
    (void)state;
    static const char *const bad[] = {"bad-duplicate",      "bad-factor",    "bad-json",
                                      "bad-scenario",       "bad-truncated", "bad-value",
                                      "bad-scenarios-mixed"};
    for (size_t i = 0; i < N_OF(bad); i++) {
        char dir[256], path[300];
        snprintf(dir, sizeof(dir), "tests/data/report/%s", bad[i]);
        snprintf(path, sizeof(path), "%s/EXPECT", dir);
        char *expect = slurp_file(path);
        assert_non_null(expect);
        expect[strcspn(expect, "\n")] = '\0';
        struct mb_report_dir *d = NULL;
        struct mb_error err;
        mb_error_clear(&err);
        int rc = mb_report_dir_load(dir, &d, &err);
        char buf[2048];
        mb_error_format(&err, buf, sizeof(buf));
        if (rc != MB_EINPUT || !strstr(buf, expect) || strncmp(buf, dir, strlen(dir)))
            fail_msg("%s: rc %d, got '%s', want '%s' after the directory", bad[i], rc, buf, expect);
        assert_null(d);
        free(expect);
    }
}

static void test_load_errors_inline(void **state)
{
    (void)state;
    char hdr[4096] = "";
    for (int c = 0; c < MB_COL_COUNT; c++)
        if (mb_results_columns[c].group != MB_RESULTS_PROVENANCE)
            snprintf(hdr + strlen(hdr), sizeof(hdr) - strlen(hdr), "%s%s", *hdr ? "," : "",
                     mb_results_columns[c].name);
    /* a row with every field empty but the ones given */
    static const struct {
        const char *id, *point, *rep, *hop, *want;
    } cases[] = {
        {"a-r1", "0", "1", "1", "raw.csv:2: column 'point': '0' is not a point number"},
        {"a-r1", "1", "0", "1", "raw.csv:2: column 'repetition': '0' is not a repetition number"},
        {"a-r1", "1", "1", "0", "raw.csv:2: column 'hop': '0' is not a hop number (1 to 1000)"},
        {"a-r1", "1", "1", "1001", "raw.csv:2: column 'hop': '1001' is not a hop number"},
        {"a-r1", "1", "999999999", "1", "repetition number (1 to 100000000)"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char *dir = tmpdir();
        char text[8192];
        int n = snprintf(text, sizeof(text), "%s\n", hdr);
        for (int c = 0; c < MB_COL_COUNT; c++) {
            if (mb_results_columns[c].group == MB_RESULTS_PROVENANCE)
                continue;
            const char *v = "";
            switch (c) {
            case MB_COL_RUN_ID:
                v = cases[i].id;
                break;
            case MB_COL_POINT:
                v = cases[i].point;
                break;
            case MB_COL_REPETITION:
                v = cases[i].rep;
                break;
            case MB_COL_HOP:
                v = cases[i].hop;
                break;
            case MB_COL_STATUS:
            case MB_COL_INTEGRITY:
                v = c == MB_COL_STATUS ? "ok" : "ok";
                break;
            case MB_COL_SCENARIO:
            case MB_COL_VM:
            case MB_COL_HOST_FROM:
            case MB_COL_HOST_TO:
            case MB_COL_STRATEGY:
                v = "x";
                break;
            case MB_COL_BATCH:
                v = "1";
                break;
            }
            n += snprintf(text + n, sizeof(text) - (size_t)n, "%s%s", c ? "," : "", v);
        }
        snprintf(text + n, sizeof(text) - (size_t)n, "\n");
        put(dir, "raw.csv", text);
        struct mb_report_dir *d = NULL;
        struct mb_error err;
        mb_error_clear(&err);
        int rc = mb_report_dir_load(dir, &d, &err);
        char buf[2048];
        mb_error_format(&err, buf, sizeof(buf));
        if (rc != MB_EINPUT || !strstr(buf, cases[i].want))
            fail_msg("case %zu: rc %d, '%s', want '%s'", i, rc, buf, cases[i].want);
        rmtree(dir);
        free(dir);
    }
    /* no such directory, no raw.csv, an empty raw.csv */
    struct mb_report_dir *d = NULL;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_report_dir_load("/nonexistent/results", &d, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "no such results directory"));
    char *dir = tmpdir();
    assert_int_equal(mb_report_dir_load(dir, &d, &err), MB_EINPUT);
    assert_non_null(strstr(err.file, "raw.csv"));
    assert_non_null(strstr(err.msg, "no raw.csv"));
    put(dir, "raw.csv", "");
    assert_int_equal(mb_report_dir_load(dir, &d, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "empty file (no header)"));
    rmtree(dir);
    free(dir);
}

/* ---- summary.csv ---------------------------------------------------------------------------- */

static void test_summary_csv(void **state)
{
    (void)state;
    char *dir = tmpdir();
    static const char *const f[] = {"vms.memory"};
    const struct trow rows[] = {
        {1, 1, 1, NULL, NULL, NULL, {"256MiB"}, 10, 1.5, 0, 0, 0},
        {1, 2, 1, NULL, NULL, NULL, {"256MiB"}, 20, 0, 0, 0, 0},
        {1, 3, 1, NULL, NULL, NULL, {"256MiB"}, 30, 0, 0, 0, 0},
        {1, 4, 1, NULL, NULL, NULL, {"256MiB"}, 40, 0, 0, 0, 0},
        {1, 5, 1, NULL, NULL, NULL, {"256MiB"}, 1000, 0, 0, 0, 0},
        {2, 1, 1, NULL, "failed", NULL, {"512MiB"}, 0, 0, 0, 0, 0},
    };
    write_raw(dir, "sum, \"quoted\"", f, 1, rows, N_OF(rows));
    struct mb_report_dir *d = load_ok(dir);
    char path[512];
    snprintf(path, sizeof(path), "%s/summary.csv", dir);
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_report_dir *dirs[] = {d};
    assert_int_equal(mb_report_write_summary(dirs, 1, path, &err), 0);
    char *text = slurp_file(path);
    const char *want =
        "scenario,point,hop,f.vms.memory,metric,unit,n,failed,trim,trimmed_mean,median,mean,sd,"
        "cv,ci95_low,ci95_high,min,max,samples\n"
        "\"sum, \"\"quoted\"\"\",1,1,256MiB,total_time_ms,ms,5,0,1,30,30,220,436.1765698,"
        "1.982620772,-321.5847435,761.5847435,10,1000,10 20 30 40 1000\n"
        "\"sum, \"\"quoted\"\"\",1,1,256MiB,downtime_ms,ms,1,0,1,,1.5,1.5,,,,,1.5,1.5,1.5\n"
        "\"sum, \"\"quoted\"\"\",2,1,512MiB,total_time_ms,ms,0,1,1,,,,,,,,,,\n"
        "\"sum, \"\"quoted\"\"\",2,1,512MiB,downtime_ms,ms,0,1,1,,,,,,,,,,\n";
    if (strcmp(text, want))
        fail_msg("summary.csv:\n%s\nwant:\n%s", text, want);
    free(text);
    /* two directories: results_dir first, the union of the factors */
    assert_int_equal(mb_report_write_summary((struct mb_report_dir *[]){d, d}, 2, path, &err), 0);
    text = slurp_file(path);
    assert_int_equal(strncmp(text, "results_dir,scenario,point,hop,f.vms.memory,metric,", 51), 0);
    free(text);
    /* an unwritable place */
    assert_int_equal(mb_report_write_summary(dirs, 1, "/nonexistent/summary.csv", &err), MB_EIO);
    mb_report_dir_free(d);
    rmtree(dir);
    free(dir);
}

/* ---- claims -----------------------------------------------------------------------------------
 */

/* vms.memory 128/256/512MiB x cpu_cap 50%/100%, 3 runs each; total time rises with
 * memory, downtime flat, setup-like "overhead" falls; the cap makes a knee at 50%. */
/* A claim evaluated afresh: c is reset, then filled by the rules. */
static void eval_rules(const struct mb_report_dir *d, const char *rules, struct mb_report_claim *c)
{
    memset(c, 0, sizeof(*c));
    mb_buf_append(&c->evidence, "", 0);
    mb_report_eval_rules(d, rules, c);
}

static char *claims_dir(void)
{
    char *dir = tmpdir();
    static const char *const f[] = {"vms.memory", "reservation.source.cpu_cap"};
    static const char *const mem[] = {"128MiB", "256MiB", "512MiB"};
    static const char *const cap[] = {"25%", "50%", "100%"};
    struct trow rows[27];
    size_t n = 0;
    for (unsigned m = 0; m < 3; m++)
        for (unsigned c = 0; c < 3; c++)
            for (unsigned r = 1; r <= 3; r++) {
                double base = 1000 * (1 << m), jit = (double)r - 2; /* -1, 0, +1 */
                rows[n++] = (struct trow){
                    .point = 3 * m + c + 1,
                    .rep = r,
                    .hop = 1,
                    .f = {mem[m], cap[c]},
                    .total = base * (c == 0 ? 2.0 : 1.0) + jit,
                    .down = 50 + jit,
                    .over = 40.0 / (1 << m) + jit * 0.1,
                };
            }
    write_raw(dir, "claims", f, 2, rows, n);
    return dir;
}

/* What decides an inconclusive verdict reads as a number a person can act on: an
 * estimate on the rule's limit (millions of runs) says so instead. */
static void test_runs_needed_text(void **state)
{
    (void)state;
    static const struct {
        double runs;
        const char *want;
    } cases[] = {
        {5, " (about 5 runs per point would decide it)"},
        {12.4, " (about 12 runs per point would decide it)"},
        {MB_REPORT_RUNS_SHOWN_MAX, " (about 10000 runs per point would decide it)"},
        {1828148, " (more than 10000 runs per point: the estimate sits on the rule's limit)"},
        {INFINITY, " (more than 10000 runs per point: the estimate sits on the rule's limit)"},
        {NAN, " (the runs per point that would decide it cannot be estimated)"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct mb_buf b = {0};
        mb_report_runs_needed_text(&b, cases[i].runs);
        assert_string_equal(b.data, cases[i].want);
        mb_buf_free(&b);
    }
}

static void test_rules(void **state)
{
    (void)state;
    char *dir = claims_dir();
    struct mb_report_dir *d = load_ok(dir);
    static const struct {
        const char *rules;
        enum mb_report_verdict want;
        const char *evidence;
    } cases[] = {
        {"rises(total_time_ms, vms.memory, 10%)", MB_VERDICT_CONFIRMED,
         "reservation.source.cpu_cap=50%: total_time_ms by vms.memory: 128MiB 1000 ms, 256MiB "
         "2000 ms, 512MiB 4000 ms; rises +300.0 % (95 % CI +299.1 % to +300.9 %) from first to "
         "last (needs +10 %), worst step +100.0 % (95 % CI +99.6 % to +100.4 %) (limit -5 %): "
         "confirmed"},
        {"rises(total_time_ms, vms.memory, 400%)", MB_VERDICT_REFUTED, ": refuted"},
        {"flat(downtime_ms, vms.memory, 5%)", MB_VERDICT_CONFIRMED,
         "spread (max - min) / mean = +0.0 % (95 % CI -4.5 % to +4.5 %), limit 5 %: confirmed"},
        /* the same data, a limit inside the interval */
        {"flat(downtime_ms, vms.memory, 4%)", MB_VERDICT_INCONCLUSIVE,
         "limit 4 %: inconclusive (about 5 runs per point would decide it)"},
        {"flat(total_time_ms, vms.memory, 10%)", MB_VERDICT_REFUTED, ": refuted"},
        {"falls(overhead_pct, vms.memory)", MB_VERDICT_CONFIRMED, "falls -75.0 % (95 % CI"},
        {"falls(total_time_ms, vms.memory)", MB_VERDICT_REFUTED, ": refuted"},
        {"knee(total_time_ms, reservation.source.cpu_cap, 50%)", MB_VERDICT_CONFIRMED,
         "falls +50.0 % (95 % CI +49.9 % to +50.1 %) up to 50% (needs 10 %), then spread (max - "
         "min) / mean = +0.0 % (95 % CI -0.2 % to +0.2 %), limit 10 %: confirmed"},
        {"knee(total_time_ms, reservation.source.cpu_cap, 100%)", MB_VERDICT_CONFIRMED,
         "falls +50.0 % (95 % CI +49.9 % to +50.1 %) up to 100% (needs 10 %), then no level "
         "after it"},
        {"knee(total_time_ms, reservation.source.cpu_cap, 50%, 10%, 60%)", MB_VERDICT_REFUTED,
         "(needs 60 %)"},
        {"knee(total_time_ms, reservation.source.cpu_cap, 0.5)", MB_VERDICT_NOT_EVALUATED,
         "has no level 0.5"},
        {"less(total_time_ms, vms.memory=128MiB, vms.memory=512MiB)", MB_VERDICT_CONFIRMED,
         "vs 4000 ms at 512MiB; difference -3000 ms (95 % CI -3002 ms to -2998 ms), -75.0 %, "
         "Welch p = "},
        {"greater(total_time_ms, vms.memory=128MiB, vms.memory=512MiB)", MB_VERDICT_REFUTED,
         ": refuted"},
        /* a difference of exactly 0: on the limit, no number of runs decides it */
        {"less(total_time_ms, vms.memory=128MiB, vms.memory=128MiB)", MB_VERDICT_INCONCLUSIVE,
         "inconclusive (the runs per point that would decide it cannot be estimated)"},
        {"less(total_time_ms, vms.memory=128MiB, vms.memory=2GiB)", MB_VERDICT_NOT_EVALUATED,
         "has no level 2GiB"},
        {"rises(total_time_ms, vms.memory); flat(downtime_ms, vms.memory, 5%)",
         MB_VERDICT_CONFIRMED, "confirmed"},
        /* rules combined: refuted beats the rest, then not evaluated, then inconclusive */
        {"rises(total_time_ms, vms.memory); flat(total_time_ms, vms.memory, 5%)",
         MB_VERDICT_REFUTED, ": refuted"},
        {"flat(downtime_ms, vms.memory, 4%); flat(total_time_ms, vms.memory, 5%)",
         MB_VERDICT_REFUTED, ": inconclusive"},
        {"flat(downtime_ms, vms.memory, 4%); rises(total_time_ms, vms.vcpus)",
         MB_VERDICT_NOT_EVALUATED, ": inconclusive"},
        {"flat(downtime_ms, vms.memory, 4%); rises(total_time_ms, vms.memory)",
         MB_VERDICT_INCONCLUSIVE, ": inconclusive"},
        {"rises(total_time_ms, vms.vcpus)", MB_VERDICT_NOT_EVALUATED,
         "the scenario has no factor vms.vcpus"},
        {"rises(iterations, vms.memory)", MB_VERDICT_NOT_EVALUATED,
         "no run has a value of iterations"},
        {"rises(nonsense_ms, vms.memory)", MB_VERDICT_NOT_EVALUATED,
         "'nonsense_ms' is not a numeric metric"},
        {"rise(total_time_ms, vms.memory)", MB_VERDICT_NOT_EVALUATED,
         "unknown rule 'rise' — did you mean 'rises'?"},
        {"flat(total_time_ms, vms.memory)", MB_VERDICT_NOT_EVALUATED,
         "flat takes (metric, factor, tolerance%)"},
        {"flat(total_time_ms, vms.memory, ten)", MB_VERDICT_NOT_EVALUATED,
         "tolerances are percentages"},
        {"knee(total_time_ms, reservation.source.cpu_cap, 50%, 10%, much)",
         MB_VERDICT_NOT_EVALUATED, "tolerances are percentages"},
        {"less(total_time_ms, vms.memory, vms.memory=512MiB)", MB_VERDICT_NOT_EVALUATED,
         "less takes (metric, factor=level, factor=level)"},
        {"less(total_time_ms, vms.memory=128MiB, reservation.source.cpu_cap=50%)",
         MB_VERDICT_NOT_EVALUATED, "both levels must be of one factor"},
        {"rises total_time_ms", MB_VERDICT_NOT_EVALUATED, "is not of the form name(arguments)"},
        {"rises(total_time_ms, vms.memory, 1%, 2%, 3%, 4%, 5%, 6%, 7%, 8%)",
         MB_VERDICT_NOT_EVALUATED, "too many arguments"},
        /* a malformed rule leaves the claim unchecked even next to a refuted one */
        {"flat(total_time_ms, vms.memory, 5%); rises(total_time_ms)", MB_VERDICT_NOT_EVALUATED,
         "rises takes (metric, factor[, minimum change%])"},
        {"", MB_VERDICT_NOT_EVALUATED, ""},
        {"diagonal_worst(overhead_pct, vms.memory, reservation.source.cpu_cap)",
         MB_VERDICT_NOT_EVALUATED, "no row has both its diagonal cell and another cell"},
        {"parallel_slower(vms.count)", MB_VERDICT_NOT_EVALUATED, "no factor vms.count"},
    };
    size_t bad = 0;
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct mb_report_claim c;
        eval_rules(d, cases[i].rules, &c);
        if (c.verdict != cases[i].want || !strstr(c.evidence.data, cases[i].evidence)) {
            print_error("case %zu '%s': %s, want %s; evidence:\n%s\nwant: %s\n", i, cases[i].rules,
                        mb_report_verdict_name(c.verdict), mb_report_verdict_name(cases[i].want),
                        c.evidence.data, cases[i].evidence);
            bad++;
        }
        mb_report_claim_free(&c);
    }
    assert_int_equal(bad, 0);
    mb_report_dir_free(d);
    rmtree(dir);
    free(dir);
}

/* Fig. 7's shape: two factors zipped (CPU and memory held together).  Fixing one fixes
 * the other, so a rule over the first sees both levels in one slice. */
static void test_rules_zipped_factors(void **state)
{
    (void)state;
    char *dir = tmpdir();
    static const char *const f[] = {"reservation.destination.cpu", "reservation.destination.memory",
                                    "vms.memory"};
    static const char *const cpu[] = {"0", "1"}, *const mem[] = {"0B", "512MiB"};
    static const char *const size[] = {"256MiB", "512MiB"};
    struct trow rows[8];
    size_t n = 0;
    for (unsigned s = 0; s < 2; s++)
        for (unsigned z = 0; z < 2; z++)
            for (unsigned r = 1; r <= 2; r++)
                rows[n++] = (struct trow){
                    .point = 2 * s + z + 1,
                    .rep = r,
                    .hop = 1,
                    .f = {cpu[z], mem[z], size[s]},
                    .total = 1000 + 100 * z + r,
                };
    write_raw(dir, "zipped", f, 3, rows, n);
    struct mb_report_dir *d = load_ok(dir);
    struct mb_report_claim c;
    eval_rules(d, "flat(total_time_ms, reservation.destination.cpu, 15%)", &c);
    assert_int_equal(c.verdict, MB_VERDICT_CONFIRMED);
    /* one line per vms.memory, none per reservation.destination.memory */
    assert_non_null(strstr(c.evidence.data, "vms.memory=256MiB: total_time_ms by "
                                            "reservation.destination.cpu: 0 "));
    assert_null(strstr(c.evidence.data, "reservation.destination.memory="));
    assert_null(strstr(c.evidence.data, "too few levels"));
    mb_report_claim_free(&c);
    eval_rules(d, "flat(total_time_ms, reservation.destination.cpu, 5%)", &c);
    assert_int_equal(c.verdict, MB_VERDICT_REFUTED);
    mb_report_claim_free(&c);
    mb_report_dir_free(d);
    rmtree(dir);
    free(dir);
}

/* vms.memory 128/256/512MiB, total time 1150/1250/1350 ms with +-150 ms between the runs
 * of a point: means that rise and are nearly flat, intervals too wide to tell.  With
 * one_run, 512MiB has a single run. */
static char *noisy_dir(bool one_run)
{
    char *dir = tmpdir();
    static const char *const f[] = {"vms.memory"};
    static const char *const mem[] = {"128MiB", "256MiB", "512MiB"};
    struct trow rows[6];
    size_t n = 0;
    for (unsigned m = 0; m < 3; m++)
        for (unsigned r = 1; r <= (one_run && m == 2 ? 1u : 2u); r++)
            rows[n++] = (struct trow){.point = m + 1,
                                      .rep = r,
                                      .f = {mem[m]},
                                      .total = 1150 + 100 * m + (r == 1 ? -150 : 150),
                                      .down = 50 + m + (r == 1 ? -5 : 5)};
    write_raw(dir, "noisy", f, 1, rows, n);
    return dir;
}

/* Every rule kind: inconclusive with a runs-per-point estimate on noisy runs, and not
 * evaluated where a level has one run. */
static void test_rules_inconclusive_and_one_run(void **state)
{
    (void)state;
    static const struct {
        const char *rules;
        enum mb_report_verdict noisy, one_run;
        const char *evidence; /* in the noisy directory's */
    } cases[] = {
        {"rises(total_time_ms, vms.memory, 10%)", MB_VERDICT_INCONCLUSIVE, MB_VERDICT_NOT_EVALUATED,
         "rises +17.4 % (95 % CI -44.8 % to +149.9 %) from first to last (needs +10 %), worst "
         "step +8.0 % (95 % CI -46.8 % to +119.2 %) (limit -5 %): inconclusive (about 56 runs "
         "per point would decide it)"},
        {"falls(total_time_ms, vms.memory)", MB_VERDICT_INCONCLUSIVE, MB_VERDICT_NOT_EVALUATED,
         "falls +17.4 %"},
        {"flat(total_time_ms, vms.memory, 50%)", MB_VERDICT_INCONCLUSIVE, MB_VERDICT_NOT_EVALUATED,
         "spread (max - min) / mean = +16.0 % (95 % CI -57.0 % to +89.0 %), limit 50 %: "
         "inconclusive (about "},
        {"knee(total_time_ms, vms.memory, 256MiB)", MB_VERDICT_INCONCLUSIVE,
         MB_VERDICT_NOT_EVALUATED, "falls -8.7 % (95 % CI"},
        {"less(total_time_ms, vms.memory=128MiB, vms.memory=512MiB)", MB_VERDICT_INCONCLUSIVE,
         MB_VERDICT_NOT_EVALUATED,
         "difference -200 ms (95 % CI -1113 ms to 713 ms), -14.8 %, Welch p = 0.445: "
         "inconclusive (about 12 runs per point would decide it)"},
        {"greater(total_time_ms, vms.memory=512MiB, vms.memory=128MiB)", MB_VERDICT_INCONCLUSIVE,
         MB_VERDICT_NOT_EVALUATED, "inconclusive (about 12 runs per point would decide it)"},
        /* levels that both have 2 runs are judged in the one-run directory too */
        {"less(total_time_ms, vms.memory=128MiB, vms.memory=256MiB)", MB_VERDICT_INCONCLUSIVE,
         MB_VERDICT_INCONCLUSIVE, "inconclusive (about "},
    };
    char *dirs[2] = {noisy_dir(false), noisy_dir(true)};
    for (int k = 0; k < 2; k++) {
        struct mb_report_dir *d = load_ok(dirs[k]);
        for (size_t i = 0; i < N_OF(cases); i++) {
            struct mb_report_claim c;
            eval_rules(d, cases[i].rules, &c);
            enum mb_report_verdict want = k ? cases[i].one_run : cases[i].noisy;
            const char *ev = k ? (want == MB_VERDICT_NOT_EVALUATED
                                      ? "512MiB has fewer than 2 runs: no interval: not evaluated"
                                      : "")
                               : cases[i].evidence;
            if (c.verdict != want || !strstr(c.evidence.data, ev))
                fail_msg("%s case %zu '%s': %s, want %s; evidence:\n%s\nwant: %s",
                         k ? "one-run" : "noisy", i, cases[i].rules,
                         mb_report_verdict_name(c.verdict), mb_report_verdict_name(want),
                         c.evidence.data, ev);
            /* an inconclusive claim says how many runs would decide it */
            if (want == MB_VERDICT_INCONCLUSIVE)
                assert_true(c.runs_needed >= 3 && c.runs_needed < 1000);
            else
                assert_true(isnan(c.runs_needed));
            mb_report_claim_free(&c);
        }
        mb_report_dir_free(d);
        rmtree(dirs[k]);
        free(dirs[k]);
    }
}

/* A level with one run leaves the rule undecided, unless the intervals that exist
 * already refute it. */
static void test_rules_one_run_yet_refuted(void **state)
{
    (void)state;
    char *dir = tmpdir();
    static const char *const f[] = {"vms.memory"};
    const struct trow rows[] = {
        {.point = 1, .rep = 1, .f = {"128MiB"}, .total = 999},
        {.point = 1, .rep = 2, .f = {"128MiB"}, .total = 1001},
        {.point = 2, .rep = 1, .f = {"256MiB"}, .total = 1999},
        {.point = 2, .rep = 2, .f = {"256MiB"}, .total = 2001},
        {.point = 3, .rep = 1, .f = {"512MiB"}, .total = 4000},
    };
    write_raw(dir, "one-run", f, 1, rows, N_OF(rows));
    struct mb_report_dir *d = load_ok(dir);
    struct mb_report_claim c;
    eval_rules(d, "flat(total_time_ms, vms.memory, 10%)", &c);
    if (c.verdict != MB_VERDICT_REFUTED || !strstr(c.evidence.data, ": refuted"))
        fail_msg("%s", c.evidence.data);
    mb_report_claim_free(&c);
    eval_rules(d, "rises(total_time_ms, vms.memory, 10%)", &c);
    if (c.verdict != MB_VERDICT_NOT_EVALUATED ||
        !strstr(c.evidence.data, "rises +300.0 % (no interval) from first to last (needs +10 "
                                 "%), worst step +100.0 % (no interval) (limit -5 %); 512MiB has "
                                 "fewer than 2 runs: no interval: not evaluated"))
        fail_msg("%s", c.evidence.data);
    mb_report_claim_free(&c);
    mb_report_dir_free(d);
    rmtree(dir);
    free(dir);
}

/* `migbench report ARGS` with stdout in *out (the caller frees it), stderr to /dev/null. */
static int run_report(const char *const *args, size_t n, char **out)
{
    char *argv[16], path[] = "/tmp/mb-test-report-out-XXXXXX";
    argv[0] = "report";
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    fflush(stderr);
    int o = dup(1), e = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    dup2(null, 2);
    int rc = mb_cmd_report((int)n + 1, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(o, 1);
    dup2(e, 2);
    close(o);
    close(e);
    close(null);
    close(fd);
    *out = slurp_file(path);
    unlink(path);
    return rc;
}

/* The summary line on stdout, and --strict: exit 1 unless every checked claim is
 * confirmed. */
static void test_report_command_strict(void **state)
{
    (void)state;
    char *noisy = noisy_dir(false), *out = tmpdir(), *text;
    put(noisy, "scenario.yaml",
        "name: noisy\nclaim: \"Rises. (check: rises(total_time_ms, vms.memory, 10%))\"\n"
        "repeat: 2\nvms: {memory: [128MiB, 256MiB, 512MiB]}\n");
    static const char *const confirmed = "tests/data/report/parallel";
    struct {
        const char *args[8];
        size_t n;
        int want;
        const char *line;
    } cases[] = {
        {{"--no-figures", "--out", out, confirmed},
         4,
         0,
         "Claims: 1 confirmed, 0 refuted, 0 inconclusive (1 decided of 1)\n"},
        {{"--strict", "--no-figures", "--out", out, confirmed}, 5, 0, "1 decided of 1"},
        {{"--no-figures", "--out", out, noisy},
         4,
         0,
         "noisy: 3 points, 6 runs (0 failed); claim inconclusive\nClaims: 0 confirmed, 0 "
         "refuted, 1 inconclusive (0 decided of 1)\n"},
        {{"--strict", "--no-figures", "--out", out, noisy}, 5, 1, "1 inconclusive"},
        {{"--strict", "--no-figures", "--out", out, confirmed, noisy},
         6,
         1,
         "Claims: 1 confirmed, 0 refuted, 1 inconclusive (1 decided of 2)\n"},
        {{"--strict", "-q", "--no-figures", "--out", out, noisy}, 6, 1, ""},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        int rc = run_report(cases[i].args, cases[i].n, &text);
        if (rc != cases[i].want || !text || !strstr(text, cases[i].line))
            fail_msg("case %zu: exit %d, want %d; stdout:\n%s\nwant: %s", i, rc, cases[i].want,
                     text ? text : "(none)", cases[i].line);
        free(text);
    }
    /* refuted fails too: a rule the noisy runs refute (the change's interval ends at +150 %) */
    put(noisy, "scenario.yaml",
        "name: noisy\nclaim: \"Rises a lot. (check: rises(total_time_ms, vms.memory, 400%))\"\n"
        "repeat: 2\nvms: {memory: [128MiB, 256MiB, 512MiB]}\n");
    const char *const args[] = {"--strict", "--no-figures", "--out", out, noisy};
    assert_int_equal(run_report(args, 5, &text), 1);
    assert_non_null(
        strstr(text, "Claims: 0 confirmed, 1 refuted, 0 inconclusive (1 decided of 1)"));
    free(text);
    /* not evaluated fails: the scenario does not vary the factor */
    put(noisy, "scenario.yaml",
        "name: noisy\nclaim: \"CPUs matter. (check: falls(total_time_ms, vms.vcpus))\"\n"
        "repeat: 2\nvms: {memory: [128MiB, 256MiB, 512MiB]}\n");
    assert_int_equal(run_report(args, 5, &text), 1);
    assert_non_null(strstr(text, "claim not evaluated\nClaims: 0 confirmed, 0 refuted, 0 "
                                 "inconclusive (0 decided of 1)"));
    free(text);
    /* a claim without a check is not counted, and does not fail */
    put(noisy, "scenario.yaml",
        "name: noisy\nclaim: Nothing to check.\nrepeat: 2\nvms: {memory: [128MiB, 256MiB, "
        "512MiB]}\n");
    assert_int_equal(run_report(args, 5, &text), 0);
    assert_non_null(
        strstr(text, "Claims: 0 confirmed, 0 refuted, 0 inconclusive (0 decided of 0)"));
    free(text);
    rmtree(noisy);
    rmtree(out);
    free(noisy);
    free(out);
}

/* vms.count 1/2/4 x migration.strategy sequential/parallel, `reps` runs each: one VM
 * alone takes 1000 ms, a parallel batch of N `ratio` x N x 1000 ms, each run off by
 * +-noise. */
static char *parallel_dir(unsigned reps, const double ratio[3], double noise)
{
    char *dir = tmpdir();
    static const char *const f[] = {"vms.count", "migration.strategy"};
    static const char *const cnt[] = {"1", "2", "4"}, *const st[] = {"sequential", "parallel"};
    struct trow rows[24];
    size_t n = 0;
    for (unsigned c = 0; c < 3; c++)
        for (unsigned s = 0; s < 2; s++)
            for (unsigned r = 1; r <= reps; r++) {
                double vms = 1 << c, off = (r % 2 ? -noise : noise);
                rows[n++] = (struct trow){
                    .point = 2 * c + s + 1,
                    .rep = r,
                    .strategy = st[s],
                    .f = {cnt[c], st[s]},
                    .total = 1000,
                    .span = (s ? ratio[c] * vms * 1000 : vms * 1000) + off,
                };
            }
    write_raw(dir, "par", f, 2, rows, n);
    return dir;
}

static void test_rules_parallel(void **state)
{
    (void)state;
    /* the parallel fixture: a poor source, parallel slower than N x one VM, more so with N */
    struct mb_report_dir *d = load_ok("tests/data/report/parallel");
    struct mb_report_claim c;
    mb_report_claim_check(d, &c);
    assert_string_equal(c.where, "paper table"); /* paper: Fig. 8 */
    assert_string_equal(c.rules, "parallel_slower(vms.count)");
    if (c.verdict != MB_VERDICT_CONFIRMED)
        fail_msg("%s", c.evidence.data);
    assert_non_null(strstr(c.evidence.data,
                           "N=2 2299 ms vs 2065 ms, +11.3 % (95 % CI +6.4 % to +16.4 %); N=4 "));
    assert_non_null(strstr(c.evidence.data, "; needs real above computed at every N >= 2, and the "
                                            "gap to grow from N=2 to N=4: real/computed changes by "
                                            "+25.4 % (95 % CI +19.8 % to +31.2 %): confirmed"));
    mb_report_claim_free(&c);
    eval_rules(d, "parallel_faster(vms.count)", &c);
    assert_int_equal(c.verdict, MB_VERDICT_REFUTED);
    mb_report_claim_free(&c);
    mb_report_dir_free(d);

    static const struct {
        unsigned reps;
        double ratio[3], noise;
        const char *rules;
        enum mb_report_verdict want;
        const char *evidence;
    } cases[] = {
        /* faster at every N, by 20 % */
        {4,
         {1, 0.8, 0.8},
         10,
         "parallel_faster(vms.count)",
         MB_VERDICT_CONFIRMED,
         "N=2 1600 ms vs 2000 ms, -20.0 % (95 % CI"},
        /* slower at every N, but the gap shrinks */
        {4,
         {1, 1.3, 1.2},
         10,
         "parallel_slower(vms.count)",
         MB_VERDICT_REFUTED,
         "real/computed changes by -7.7 % (95 % CI"},
        /* a gap that stays exactly the same: on the limit, no number of runs decides it */
        {4,
         {1, 1.3, 1.3},
         10,
         "parallel_slower(vms.count)",
         MB_VERDICT_INCONCLUSIVE,
         "real/computed changes by +0.0 % (95 % CI -0.7 % to +0.7 %): inconclusive (the runs "
         "per point that would decide it cannot be estimated)"},
        /* 10 % slower, runs too noisy to tell */
        {2,
         {1, 1.1, 1.2},
         400,
         "parallel_slower(vms.count)",
         MB_VERDICT_INCONCLUSIVE,
         "inconclusive (about "},
        {2,
         {1, 0.9, 0.9},
         400,
         "parallel_faster(vms.count)",
         MB_VERDICT_INCONCLUSIVE,
         "inconclusive (about "},
        /* one run per point */
        {1,
         {1, 1.3, 1.6},
         0,
         "parallel_slower(vms.count)",
         MB_VERDICT_NOT_EVALUATED,
         "N=2 2600 ms vs 2000 ms, +30.0 % (no interval)"},
        {1,
         {1, 0.8, 0.8},
         0,
         "parallel_faster(vms.count)",
         MB_VERDICT_NOT_EVALUATED,
         ": not evaluated"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char *dir = parallel_dir(cases[i].reps, cases[i].ratio, cases[i].noise);
        d = load_ok(dir);
        eval_rules(d, cases[i].rules, &c);
        if (c.verdict != cases[i].want || !strstr(c.evidence.data, cases[i].evidence))
            fail_msg("case %zu '%s': %s, want %s; evidence:\n%s\nwant: %s", i, cases[i].rules,
                     mb_report_verdict_name(c.verdict), mb_report_verdict_name(cases[i].want),
                     c.evidence.data, cases[i].evidence);
        mb_report_claim_free(&c);
        mb_report_dir_free(d);
        rmtree(dir);
        free(dir);
    }
}

/* A co-location matrix of 3 workloads, `reps` runs a cell: the same workload on both
 * sides loses 30 %, others 5 %, web next to jbb 45 % (the diagonal is not worst there);
 * each run off by +-noise. */
static struct mb_report_dir *coloc_dir(unsigned reps, double noise, char **dir)
{
    *dir = tmpdir();
    static const char *const f[] = {"vms.workload", "destination.workload"};
    static const char *const w[] = {"jbb", "iozone", "web"};
    struct trow rows[27];
    size_t n = 0;
    for (unsigned a = 0; a < 3; a++)
        for (unsigned b = 0; b < 3; b++)
            for (unsigned r = 1; r <= reps; r++)
                rows[n++] = (struct trow){.point = 3 * a + b + 1,
                                          .rep = r,
                                          .f = {w[a], w[b]},
                                          .total = 1000,
                                          .over = (a == b ? 30 : 5) + (r % 2 ? -noise : noise) +
                                                  (a == 2 && b == 0 ? 40 : 0)};
    write_raw(*dir, "coloc", f, 2, rows, n);
    return load_ok(*dir);
}

static void test_rules_diagonal(void **state)
{
    (void)state;
    static const struct {
        unsigned reps;
        double noise;
        const char *rules;
        enum mb_report_verdict want;
        const char *evidence;
    } cases[] = {
        /* web's row refutes it */
        {2, 0.5, "diagonal_worst(overhead_pct, vms.workload, destination.workload)",
         MB_VERDICT_REFUTED,
         "vms.workload=web: with web 30.0 %, with jbb 45.0 % (diagonal higher by -15.0 % (95 % CI "
         "-18.0 % to -12.0 %)), with iozone 5.0 % (diagonal higher by 25.0 % (95 % CI 22.0 % to "
         "28.0 %)): refuted"},
        {2, 0.5, "diagonal_worst(overhead_pct, vms.workload, destination.workload)",
         MB_VERDICT_REFUTED,
         "vms.workload=jbb: with jbb 30.0 %, with iozone 5.0 % (diagonal higher "
         "by 25.0 % (95 % CI 22.0 % to 28.0 %)), with web 5.0 % (diagonal higher by 25.0 % "
         "(95 % CI 22.0 % to 28.0 %)): confirmed"},
        /* too noisy to tell */
        {2, 20, "diagonal_worst(overhead_pct, vms.workload, destination.workload)",
         MB_VERDICT_INCONCLUSIVE,
         "vms.workload=jbb: with jbb 30.0 %, with iozone 5.0 % (diagonal "
         "higher by 25.0 % (95 % CI"},
        /* one run a cell */
        {1, 0, "diagonal_worst(overhead_pct, vms.workload, destination.workload)",
         MB_VERDICT_NOT_EVALUATED,
         "with iozone 5.0 % (fewer than 2 runs: no interval), with web 5.0 % (fewer than 2 runs: "
         "no interval): not evaluated"},
        /* rows and columns swapped: jbb's row (web next to jbb) refutes it */
        {2, 0.5, "diagonal_worst(overhead_pct, destination.workload, vms.workload)",
         MB_VERDICT_REFUTED, "destination.workload=jbb: with jbb 30.0 %"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char *dir;
        struct mb_report_dir *d = coloc_dir(cases[i].reps, cases[i].noise, &dir);
        struct mb_report_claim c;
        eval_rules(d, cases[i].rules, &c);
        if (c.verdict != cases[i].want || !strstr(c.evidence.data, cases[i].evidence))
            fail_msg("case %zu '%s': %s, want %s; evidence:\n%s\nwant: %s", i, cases[i].rules,
                     mb_report_verdict_name(c.verdict), mb_report_verdict_name(cases[i].want),
                     c.evidence.data, cases[i].evidence);
        mb_report_claim_free(&c);
        mb_report_dir_free(d);
        rmtree(dir);
        free(dir);
    }
}

static void test_claims_line(void **state)
{
    (void)state;
    char buf[160];
    struct mb_report_result r = {
        .confirmed = 2, .refuted = 1, .inconclusive = 3, .not_evaluated = 4, .unchecked = 5};
    mb_report_claims_line(&r, buf, sizeof(buf));
    assert_string_equal(buf, "Claims: 2 confirmed, 1 refuted, 3 inconclusive (3 decided of 10)");
    r = (struct mb_report_result){0};
    mb_report_claims_line(&r, buf, sizeof(buf));
    assert_string_equal(buf, "Claims: 0 confirmed, 0 refuted, 0 inconclusive (0 decided of 0)");
    assert_string_equal(mb_report_verdict_name(MB_VERDICT_REFUTED), "refuted");
    assert_string_equal(mb_report_verdict_name(MB_VERDICT_INCONCLUSIVE), "inconclusive");
    assert_string_equal(mb_report_verdict_name((enum mb_report_verdict)99), "not evaluated");
}

static void test_claim_sources(void **state)
{
    (void)state;
    char *dir = claims_dir();
    static const struct {
        const char *yaml_claim, *paper, *text, *rules, *where;
        enum mb_report_verdict want;
    } cases[] = {
        /* the rules in the claim text win over the paper table */
        {"\"Time rises with memory. (check: rises(total_time_ms, vms.memory, 10%))\"", "Fig. 2",
         "Time rises with memory.", "rises(total_time_ms, vms.memory, 10%)", "scenario",
         MB_VERDICT_CONFIRMED},
        /* the paper table, keyed by the normalised paper field */
        {"More memory means a longer migration.", "Figure 3",
         "More memory means a longer "
         "migration.",
         "rises(total_time_ms, vms.memory, 10%)", "paper table", MB_VERDICT_CONFIRMED},
        {"Whatever.", "fig3", "Whatever.", "rises(total_time_ms, vms.memory, 10%)", "paper table",
         MB_VERDICT_CONFIRMED},
        /* Fig. 2's rules: here the cap does change the time */
        {"CPU reservation barely matters.", "Fig. 2", "CPU reservation barely matters.",
         "flat(total_time_ms, reservation.source.cpu_cap, 10%); flat(downtime_ms, "
         "reservation.source.cpu_cap, 25%)",
         "paper table", MB_VERDICT_REFUTED},
        {"No rule for this one.", "Table 3", "No rule for this one.", NULL, NULL,
         MB_VERDICT_NOT_EVALUATED},
        {"No paper.", "", "No paper.", NULL, NULL, MB_VERDICT_NOT_EVALUATED},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char yaml[1024];
        snprintf(yaml, sizeof(yaml),
                 "name: claims\npaper: \"%s\"\nclaim: %s\nrepeat: 3\nvms: {memory: [128MiB, "
                 "256MiB, 512MiB]}\nreservation: {source: {cpu_cap: [25%%, 50%%, 100%%]}}\n",
                 cases[i].paper, cases[i].yaml_claim);
        put(dir, "scenario.yaml", yaml);
        struct mb_report_dir *d = load_ok(dir);
        struct mb_report_claim c;
        mb_report_claim_check(d, &c);
        assert_string_equal(c.text, cases[i].text);
        if (cases[i].rules) {
            assert_string_equal(c.rules, cases[i].rules);
            assert_string_equal(c.where, cases[i].where);
        } else {
            assert_null(c.rules);
            assert_non_null(strstr(c.evidence.data, "no check for this claim"));
        }
        if (c.verdict != cases[i].want)
            fail_msg("case %zu: %s, want %s\n%s", i, mb_report_verdict_name(c.verdict),
                     mb_report_verdict_name(cases[i].want), c.evidence.data);
        mb_report_claim_free(&c);
        mb_report_dir_free(d);
    }
    rmtree(dir);
    free(dir);
}

/* ---- figures ----------------------------------------------------------------------------------
 */

static void test_figures_from_plots(void **state)
{
    (void)state;
    struct mb_report_dir *d = load_ok("tests/data/report/sweep");
    struct mb_plot_fig *figs;
    size_t n = mb_report_figures(d, "fix", &figs);
    assert_int_equal(n, 2);
    assert_int_equal(figs[0].kind, MB_PLOT_LINE);
    assert_string_equal(figs[0].name, "fix-1-total_time_ms");
    assert_string_equal(figs[0].title,
                        "fix-sweep: total_time_ms by vms.memory and reservation.source.cpu_cap");
    assert_string_equal(figs[0].xlabel, "vms.memory");
    assert_string_equal(figs[0].ylabel, "total_time_ms (ms)");
    assert_int_equal(figs[0].nx, 3);
    assert_string_equal(figs[0].xlabels[2], "512MiB");
    assert_true(figs[0].xlog); /* 128, 256, 512: a geometric sweep */
    assert_int_equal(figs[0].nseries, 2);
    assert_string_equal(figs[0].series[0].title, "cpu_cap=40%");
    assert_string_equal(figs[0].series[1].title, "cpu_cap=100%");
    /* each point: the trimmed mean, its CI */
    const struct mb_report_point *p = point_of(d, 1, 1);
    CLOSE(figs[0].series[0].y[0], p->sum[MB_COL_TOTAL_TIME_MS].trimmed_mean);
    CLOSE(figs[0].series[0].lo[0], p->sum[MB_COL_TOTAL_TIME_MS].ci95_low);
    assert_non_null(strstr(figs[0].caption, "trimmed mean"));
    assert_string_equal(figs[1].name, "fix-1-downtime_ms");
    mb_plot_figs_free(figs, n);
    mb_report_dir_free(d);

    d = load_ok("tests/data/report/colocation");
    n = mb_report_figures(d, "c", &figs);
    assert_int_equal(n, 2);
    assert_int_equal(figs[0].kind, MB_PLOT_HEATMAP);
    assert_int_equal(figs[0].nx, 3);      /* compression */
    assert_int_equal(figs[0].nseries, 3); /* workloads */
    assert_string_equal(figs[0].series[1].title, "dirty");
    assert_string_equal(figs[0].xlabels[1], "xbzrle");
    assert_int_equal(figs[1].kind, MB_PLOT_BARS);
    assert_string_equal(figs[1].title, "fix-colocation: Total time per workload");
    assert_null(figs[1].x);
    mb_plot_figs_free(figs, n);
    mb_report_dir_free(d);
}

static void test_figures_defaults(void **state)
{
    (void)state;
    /* no plots: entry: real vs computed (vms.count and strategy vary), then a sweep */
    struct mb_report_dir *d = load_ok("tests/data/report/parallel");
    struct mb_plot_fig *figs;
    size_t n = mb_report_figures(d, "p", &figs);
    assert_int_equal(n, 3);
    assert_int_equal(figs[0].kind, MB_PLOT_REAL_VS_COMPUTED);
    assert_string_equal(figs[0].name, "p-1-batch_makespan_ms");
    assert_int_equal(figs[0].nseries, 3);
    assert_string_equal(figs[0].series[0].title, "real (parallel)");
    assert_string_equal(figs[0].series[1].title, "computed (N × one VM)");
    assert_string_equal(figs[0].series[2].title, "sequential");
    /* computed = N x the single-VM (N = 1, sequential) makespan */
    const struct mb_report_point *one = point_of(d, 1, 1), *par4 = point_of(d, 6, 1);
    assert_string_equal(one->values[1], "sequential");
    double t1 = mb_report_value(one, MB_COL_BATCH_MAKESPAN_MS);
    CLOSE(figs[0].series[1].y[0], t1);
    CLOSE(figs[0].series[1].y[2], 4 * t1);
    CLOSE(figs[0].series[1].hi[2], 4 * one->sum[MB_COL_BATCH_MAKESPAN_MS].ci95_high);
    CLOSE(figs[0].series[0].y[2], mb_report_value(par4, MB_COL_BATCH_MAKESPAN_MS));
    assert_int_equal(figs[1].kind, MB_PLOT_LINE);
    assert_string_equal(figs[1].name, "p-2-total_time_ms");
    assert_int_equal(figs[1].nseries, 2);
    assert_string_equal(figs[1].series[1].title, "strategy=parallel");
    assert_string_equal(figs[2].name, "p-2-downtime_ms");
    mb_plot_figs_free(figs, n);
    mb_report_dir_free(d);
}

/* ---- the documents ----------------------------------------------------------------------------
 */

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* Inline Markdown, as it reaches report.html: each construct, and the unclosed ones as
 * plain text. */
static void test_doc_inline_html(void **state)
{
    (void)state;
    static const struct {
        const char *md, *html;
    } cases[] = {
        {"plain & <b> \"q\"", "<p>plain &amp; &lt;b&gt; &quot;q&quot;</p>\n"},
        {"`a<b` and **s** *e*", "<p><code>a&lt;b</code> and <strong>s</strong> <em>e</em></p>\n"},
        {"see [the docs](x.md?a=1&b=2)", "<p>see <a href=\"x.md?a=1&amp;b=2\">the docs</a></p>\n"},
        {"[`code` link](#s1)", "<p><a href=\"#s1\"><code>code</code> link</a></p>\n"},
        {"open ` tick", "<p>open ` tick</p>\n"},
        {"[no link] [half](x", "<p>[no link] [half](x</p>\n"},
        {"\\* \\` \\[ \\\\", "<p>* ` [ \\</p>\n"},
        {"**unclosed *too", "<p><strong>unclosed <em>too</em></strong></p>\n"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct mb_report_doc D;
        mb_report_doc_begin(&D);
        D.html.len = 0; /* without the head */
        mb_report_doc_p(&D, cases[i].md);
        if (strcmp(D.html.data, cases[i].html))
            fail_msg("case %zu: '%s' gives '%s', want '%s'", i, cases[i].md, D.html.data,
                     cases[i].html);
        char md[256];
        snprintf(md, sizeof(md), "%s\n\n", cases[i].md);
        assert_string_equal(D.md.data, md); /* Markdown is kept as written */
        mb_report_doc_free(&D);
    }
    struct mb_report_doc D;
    mb_report_doc_begin(&D);
    D.html.len = 0; /* without the head */
    mb_report_doc_p_class(&D, "verdict v-yes", "**ok**");
    mb_report_doc_quote(&D, "q");
    mb_report_doc_details(&D, "more");
    mb_report_doc_details_end(&D);
    assert_string_equal(D.html.data, "<p class=\"verdict v-yes\"><strong>ok</strong></p>\n"
                                     "<blockquote>q</blockquote>\n"
                                     "<details><summary>more</summary>\n</details>\n");
    assert_string_equal(D.md.data, "**ok**\n\n> q\n\n#### more\n\n");
    mb_report_doc_free(&D);
}

static void test_write_documents(void **state)
{
    (void)state;
    char *out = tmpdir();
    struct mb_report_dir *d[3] = {load_ok("tests/data/report/sweep"),
                                  load_ok("tests/data/report/parallel"),
                                  load_ok("tests/data/report/colocation")};
    struct mb_report_opts o = {.out_dir = out, .figures = false};
    struct mb_report_result res;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_report_write(d, 3, &o, &res, &err), 0);
    assert_int_equal(res.nfigures, 0);
    assert_int_equal(res.confirmed, 3);
    assert_int_equal(res.refuted + res.inconclusive + res.not_evaluated, 0);
    char path[512];
    snprintf(path, sizeof(path), "%s/report.md", out);
    char *md = slurp_file(path);
    snprintf(path, sizeof(path), "%s/report.html", out);
    char *html = slurp_file(path);
    snprintf(path, sizeof(path), "%s/summary.csv", out);
    char *summary = slurp_file(path);
    assert_non_null(md);
    assert_non_null(html);
    assert_non_null(summary);
    /* the overview, each scenario, its claim, results, failures, environment, scenario */
    assert_non_null(strstr(md, "**Claims: 3 confirmed, 0 refuted, 0 inconclusive (3 decided of "
                               "3)**, each decided on 95 % confidence intervals."));
    assert_non_null(strstr(html, "<strong>Claims: 3 confirmed, 0 refuted, 0 inconclusive (3 "
                                 "decided of 3)</strong>"));
    assert_non_null(strstr(md, "| [fix-sweep](#s1-fix-sweep) | Fig. 3 | 6 | 30 | 1 | confirmed |"));
    assert_non_null(strstr(md, "## fix-sweep — Fig. 3\n"));
    assert_non_null(strstr(md, "> More memory means a longer migration.\n"));
    assert_non_null(strstr(md, "**Verdict: confirmed** — checked by `rises(total_time_ms, "
                               "vms.memory, 10%)` (rules from the scenario)."));
    assert_non_null(strstr(md, "| `vms.memory` | `reservation.source.cpu_cap` | runs | failed | "
                               "`total_time_ms` |"));
    assert_non_null(strstr(md, "### Failed runs"));
    assert_non_null(strstr(md, "failed: operation failed: \"unexpectedly failed\", cancelled "
                               "(raw.csv line 9)"));
    assert_non_null(strstr(md, "| hostA | QEMU 10.0.2 | 9.0.0 | Linux 6.1.0 | Test CPU | 2 | "
                               "4.0 GiB | tcg |"));
    assert_non_null(strstr(md, "```yaml\n# tests/data/report/sweep"));
    assert_non_null(strstr(md, "overhead\\_pct & total time")); /* data escaped */
    /* the HTML: one page, balanced, no external reference */
    assert_int_equal(strncmp(html, "<!DOCTYPE html>", 15), 0);
    assert_non_null(strstr(html, "</body>\n</html>\n"));
    assert_int_equal(count(html, "<table"), count(html, "</table>"));
    assert_int_equal(count(html, "<details>"), count(html, "</details>"));
    assert_int_equal(count(html, "<p>") + count(html, "<p class"), count(html, "</p>"));
    assert_null(strstr(html, "src=\"http"));
    assert_null(strstr(html, "<img"));
    assert_non_null(strstr(html, "<h2 id=\"s2-fix-parallel\">fix-parallel — Fig. 8</h2>"));
    assert_non_null(strstr(html, "<p class=\"verdict v-yes\"><strong>Verdict: confirmed</strong>"));
    assert_non_null(strstr(html, "overhead_pct &amp; total time"));
    assert_non_null(strstr(html, "<a href=\"#s3-fix-colocation\">fix-colocation</a>"));
    assert_int_equal(strncmp(summary, "results_dir,scenario,", 21), 0);
    free(md);
    free(html);
    free(summary);
    for (int i = 0; i < 3; i++)
        mb_report_dir_free(d[i]);
    rmtree(out);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_aggregates_runs),
        cmocka_unit_test(test_load_hops_and_trim_from_scenario),
        cmocka_unit_test(test_load_header_only_and_no_factors),
        cmocka_unit_test(test_load_errors_fixtures),
        cmocka_unit_test(test_load_errors_inline),
        cmocka_unit_test(test_summary_csv),
        cmocka_unit_test(test_runs_needed_text),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_rules_zipped_factors),
        cmocka_unit_test(test_rules_inconclusive_and_one_run),
        cmocka_unit_test(test_rules_one_run_yet_refuted),
        cmocka_unit_test(test_report_command_strict),
        cmocka_unit_test(test_rules_parallel),
        cmocka_unit_test(test_rules_diagonal),
        cmocka_unit_test(test_claims_line),
        cmocka_unit_test(test_claim_sources),
        cmocka_unit_test(test_figures_from_plots),
        cmocka_unit_test(test_figures_defaults),
        cmocka_unit_test(test_doc_inline_html),
        cmocka_unit_test(test_write_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
