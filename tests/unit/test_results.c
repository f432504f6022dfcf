/* test_results.c — raw.csv writer and reader: round trips, resume, malformed input,
 * run ids and timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results.h"

/* ---- fixtures ----------------------------------------------------------------------- */

struct fx {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/mb-results-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/raw.csv", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    struct mb_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        mb_buf_append(&b, chunk, n);
    fclose(fp);
    if (!b.data)
        mb_buf_append(&b, "", 0);
    *len = b.len;
    return b.data;
}

static void spew(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    fclose(fp);
}

/* ---- building test files --------------------------------------------------------------- */

/* A valid value for a standard column. */
static const char *sample_value(int c)
{
    static char first[64];
    switch (mb_results_columns[c].type) {
    case MB_RESULTS_INTEGER:
        return "1";
    case MB_RESULTS_NUMBER:
        return "12.5";
    case MB_RESULTS_TIMESTAMP:
        return "2026-11-26T14:03:07.123Z";
    case MB_RESULTS_ENUM:
        snprintf(first, sizeof(first), "%.*s", (int)strcspn(mb_results_columns[c].values, "|"),
                 mb_results_columns[c].values);
        return first;
    case MB_RESULTS_STRING:
        break;
    }
    return "x";
}

/* The header line for factors "a" and "b.c" (as the writer lays it out). */
static void put_header(struct mb_buf *b)
{
    for (int c = 0; c < MB_COL_COUNT; c++) {
        if (c > 0 && mb_results_columns[c].group != MB_RESULTS_LEAD &&
            mb_results_columns[c - 1].group == MB_RESULTS_LEAD)
            mb_buf_printf(b, ",f.a,f.b.c");
        mb_buf_printf(b, "%s%s", c ? "," : "", mb_results_columns[c].name);
    }
}

/* A valid row; "col=value" in over replaces one field with raw CSV text. */
static void put_row(struct mb_buf *b, const char *over)
{
    char name[64] = "";
    const char *val = NULL;
    if (over) {
        const char *eq = strchr(over, '=');
        snprintf(name, sizeof(name), "%.*s", (int)(eq - over), over);
        val = eq + 1;
    }
    for (int c = 0; c < MB_COL_COUNT; c++) {
        if (c > 0 && mb_results_columns[c].group != MB_RESULTS_LEAD &&
            mb_results_columns[c - 1].group == MB_RESULTS_LEAD)
            mb_buf_printf(b, ",%s,2", !strcmp(name, "f.a") ? val : "1");
        const char *v = !strcmp(name, mb_results_columns[c].name) ? val : sample_value(c);
        mb_buf_printf(b, "%s%s", c ? "," : "", v);
    }
}

/* Expand a template: H = header line, R = valid row, R{col=value} = row with one raw
 * field, \n and other characters as themselves. */
static char *expand(const char *t, size_t *len)
{
    struct mb_buf b = {0};
    mb_buf_append(&b, "", 0);
    for (const char *p = t; *p; p++) {
        if (*p == 'H') {
            put_header(&b);
        } else if (*p == 'R' && p[1] == '{') {
            const char *end = strstr(p, "}}"); /* override ends with "}}" */
            char over[256];
            snprintf(over, sizeof(over), "%.*s", (int)(end - p - 2), p + 2);
            put_row(&b, over);
            p = end + 1;
        } else if (*p == 'R') {
            put_row(&b, NULL);
        } else {
            mb_buf_append(&b, p, 1);
        }
    }
    *len = b.len;
    return b.data;
}

/* ---- the column table --------------------------------------------------------------- */

static void test_column_table(void **state)
{
    (void)state;
    for (int c = 0; c < MB_COL_COUNT; c++) {
        const struct mb_results_column *col = &mb_results_columns[c];
        assert_non_null(col->name);
        assert_true(col->meaning[0] && col->when_empty[0]);
        assert_int_equal(mb_results_column_find(col->name), c);
        assert_true(strncmp(col->name, MB_RESULTS_FACTOR_PREFIX, 2) != 0);
        if (c > 0) /* groups in order */
            assert_true(col->group >= mb_results_columns[c - 1].group);
        assert_int_equal(col->type == MB_RESULTS_ENUM, col->values[0] != '\0');
    }
    assert_int_equal(mb_results_column_find("nope"), -1);
    assert_int_equal(mb_results_column_find("downtime_ms"), MB_COL_DOWNTIME_MS);
    assert_string_equal(mb_results_columns[MB_COL_STATUS].values,
                        "ok|failed|timeout|corrupt|aborted");
}

/* docs/results.md carries the table mb_results_doc_table renders, verbatim. */
static void test_doc_matches_table(void **state)
{
    (void)state;
    size_t len;
    char *doc = slurp("docs/results.md", &len);
    if (!doc)
        doc = slurp("../../docs/results.md", &len);
    if (!doc)
        skip(); /* not run from the source tree */
    struct mb_buf t = {0};
    assert_int_equal(mb_results_doc_table(&t), 0);
    if (!strstr(doc, t.data))
        fprintf(stderr, "docs/results.md lacks this table:\n%s", t.data);
    assert_non_null(strstr(doc, t.data));
    mb_buf_free(&t);
    free(doc);
}

/* ---- writer: round trip ------------------------------------------------------------- */

static const char *const factors[] = {"reservation.source.cpu_cap", "vms.memory"};

static const struct {
    const char *column;
    const char *value;
} round_trip_values[] = {
    {"vm", "vm1"},
    {"host_from", "host,with,commas"},
    {"host_to", "say \"hi\""},
    {"strategy", "line one\nline two\r\nline three"},
    {"error", "été — 漢字 — 🙂, \"quoted\", and a comma"},
    {"hypervisor", "QEMU 10.0.2 / libvirt 9.0.0"},
    {"image_hash", "  leading and trailing blanks\t"},
    {"accel", ""},
    {"f.vms.memory", "2 GiB"},
    {"f.reservation.source.cpu_cap", "50%"},
    {"downtime_ms", "12.5"},
    {"data_bytes", "123456789012"},
    {"overhead_pct", "-3.25e-2"},
    {"status", "failed"},
    {"integrity", "unchecked"},
};

static void fill_required(struct mb_results_row *row, int rep)
{
    char id[MB_RESULTS_RUN_ID_SIZE];
    assert_int_equal(mb_results_row_set_col(row, MB_COL_RUN_ID, "%s",
                                            mb_results_run_id("s", "k", (unsigned)rep, id)),
                     0);
    assert_int_equal(mb_results_row_set(row, "scenario", "demo"), 0);
    assert_int_equal(mb_results_row_set(row, "point", "%d", 3), 0);
    assert_int_equal(mb_results_row_set(row, "repetition", "%d", rep), 0);
    assert_int_equal(mb_results_row_set(row, "vm", "vm1"), 0);
    assert_int_equal(mb_results_row_set(row, "host_from", "a"), 0);
    assert_int_equal(mb_results_row_set(row, "host_to", "b"), 0);
    assert_int_equal(mb_results_row_set(row, "strategy", "serial"), 0);
    assert_int_equal(mb_results_row_set(row, "batch", "1"), 0);
    assert_int_equal(mb_results_row_set(row, "status", "ok"), 0);
}

static void test_round_trip_quoting(void **state)
{
    struct fx *f = *state;
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_results *r = NULL;
    assert_int_equal(mb_results_open(f->path, factors, 2, &r, &err), 0);
    struct mb_results_row *row = mb_results_row_new(r);
    fill_required(row, 1);
    for (size_t i = 0; i < sizeof(round_trip_values) / sizeof(round_trip_values[0]); i++)
        assert_int_equal(
            mb_results_row_set(row, round_trip_values[i].column, "%s", round_trip_values[i].value),
            0);
    assert_int_equal(mb_results_row_set_time(row, MB_COL_START_TIME, 1795701787.123), 0);
    assert_int_equal(mb_results_append(r, row, &err), 0);
    /* A second, minimal row: every optional field empty. */
    mb_results_row_reset(row);
    fill_required(row, 2);
    assert_int_equal(mb_results_append(r, row, &err), 0);
    mb_results_row_free(row);
    mb_results_close(r);

    struct mb_results_table *t = NULL;
    assert_int_equal(mb_results_load(f->path, &t, &err), 0);
    assert_int_equal(mb_results_table_nrows(t), 2);
    const struct mb_results_header *h = mb_results_table_header(t);
    assert_int_equal(h->ncols, MB_COL_COUNT + 2);
    /* Factors sit right after the leading columns, in scenario order. */
    assert_int_equal(mb_results_header_find(h, "f.reservation.source.cpu_cap"),
                     h->col[MB_COL_END_TIME] + 1);
    assert_int_equal(mb_results_header_find(h, "f.vms.memory"), h->col[MB_COL_END_TIME] + 2);
    for (size_t i = 0; i < sizeof(round_trip_values) / sizeof(round_trip_values[0]); i++) {
        int c = mb_results_header_find(h, round_trip_values[i].column);
        assert_true(c >= 0);
        assert_string_equal(mb_results_table_get(t, 0, (size_t)c), round_trip_values[i].value);
    }
    assert_string_equal(mb_results_table_get(t, 0, (size_t)h->col[MB_COL_START_TIME]),
                        "2026-11-26T14:03:07.123Z");
    assert_string_equal(mb_results_table_get(t, 1, (size_t)h->col[MB_COL_REPETITION]), "2");
    assert_string_equal(mb_results_table_get(t, 1, (size_t)h->col[MB_COL_ERROR]), "");
    assert_int_equal(mb_results_table_line(t, 0), 2);
    assert_int_equal(mb_results_table_line(t, 1), 5); /* row 0 spans three lines */
    assert_string_equal(mb_results_table_get(t, 5, 0), "");
    const char *keys[4];
    assert_int_equal(mb_results_header_factors(h, keys, 4), 2);
    assert_string_equal(keys[0], "reservation.source.cpu_cap");
    assert_string_equal(keys[1], "vms.memory");
    mb_results_table_free(t);

    /* The writer quotes only what needs it. */
    size_t len;
    char *bytes = slurp(f->path, &len);
    assert_non_null(strstr(bytes, ",\"host,with,commas\",\"say \"\"hi\"\"\","));
    assert_null(strstr(bytes, "\nrun_id"));
    assert_true(strncmp(bytes, "run_id,scenario,point,", 22) == 0);
    free(bytes);
}

/* ---- writer: resume -------------------------------------------------------------------- */

static void append_rows(const char *path, const char *const *fs, size_t nf, int from, int n)
{
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_results *r = NULL;
    assert_int_equal(mb_results_open(path, fs, nf, &r, &err), 0);
    struct mb_results_row *row = mb_results_row_new(r);
    for (int i = from; i < from + n; i++) {
        mb_results_row_reset(row);
        fill_required(row, i);
        assert_int_equal(mb_results_append(r, row, &err), 0);
    }
    mb_results_row_free(row);
    mb_results_close(r);
}

static int count_rows(void *ctx, const struct mb_results_rec *rec, struct mb_error *err)
{
    (void)err;
    int *reps = ctx;
    reps[rec->index] = atoi(mb_results_field(rec, MB_COL_REPETITION));
    return 0;
}

static void test_resume_matching_header_appends(void **state)
{
    struct fx *f = *state;
    append_rows(f->path, factors, 2, 1, 2);
    append_rows(f->path, factors, 2, 3, 1);
    struct mb_error err;
    mb_error_clear(&err);
    int reps[8] = {0};
    size_t n = 0;
    assert_int_equal(mb_results_read(f->path, count_rows, reps, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(reps[0], 1);
    assert_int_equal(reps[1], 2);
    assert_int_equal(reps[2], 3);
    size_t len;
    char *bytes = slurp(f->path, &len);
    assert_null(strstr(bytes + 1, "run_id,")); /* one header */
    free(bytes);
}

static const struct {
    const char *name;
    const char *factors;  /* space-separated */
    const char *existing; /* NULL: written by the writer with the default factors */
    const char *expect;
} resume_refused[] = {
    {"extra factor", "reservation.source.cpu_cap vms.memory vms.count", NULL,
     "missing: f.vms.count"},
    {"factor dropped", "vms.memory", NULL, "not expected: f.reservation.source.cpu_cap"},
    {"factor renamed", "reservation.source.cpu_cap vms.mem", NULL,
     "missing: f.vms.mem; not expected: f.vms.memory"},
    {"factors reordered", "vms.memory reservation.source.cpu_cap", NULL,
     "same columns in another order"},
    {"not a results file", "reservation.source.cpu_cap vms.memory", "hello,world\n1,2\n",
     "header differs"},
    {"no newline at all", "reservation.source.cpu_cap vms.memory", "run_id",
     "not a results header"},
    {"partial last line", "reservation.source.cpu_cap vms.memory", "TRUNCATE", "partial line"},
};

static void test_resume_different_header_refused(void **state)
{
    struct fx *f = *state;
    for (size_t i = 0; i < sizeof(resume_refused) / sizeof(resume_refused[0]); i++) {
        unlink(f->path);
        if (!resume_refused[i].existing) {
            append_rows(f->path, factors, 2, 1, 2);
        } else if (!strcmp(resume_refused[i].existing, "TRUNCATE")) {
            append_rows(f->path, factors, 2, 1, 2);
            assert_int_equal(truncate(f->path, 0), 0);
            append_rows(f->path, factors, 2, 1, 2);
            struct stat st;
            stat(f->path, &st);
            assert_int_equal(truncate(f->path, st.st_size - 5), 0);
        } else {
            spew(f->path, resume_refused[i].existing, strlen(resume_refused[i].existing));
        }
        size_t len0, len1;
        char *before = slurp(f->path, &len0);
        struct mb_error err;
        mb_error_clear(&err);
        struct mb_results *r = NULL;
        char words[128];
        const char *fs[4];
        size_t nf = 0;
        snprintf(words, sizeof(words), "%s", resume_refused[i].factors);
        for (char *w = strtok(words, " "); w && nf < 4; w = strtok(NULL, " "))
            fs[nf++] = w;
        int rc = mb_results_open(f->path, fs, nf, &r, &err);
        char *after = slurp(f->path, &len1);
        if (rc != MB_EINPUT || !strstr(err.msg, resume_refused[i].expect))
            fail_msg("%s: rc %d, message '%s'", resume_refused[i].name, rc, err.msg);
        assert_null(r);
        assert_string_equal(err.file, f->path);
        assert_int_equal(len0, len1);
        assert_memory_equal(before, after, len0);
        free(before);
        free(after);
    }
}

static void test_second_writer_locked_out(void **state)
{
    struct fx *f = *state;
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_results *r1 = NULL, *r2 = NULL;
    assert_int_equal(mb_results_open(f->path, factors, 2, &r1, &err), 0);
    assert_int_equal(mb_results_open(f->path, factors, 2, &r2, &err), MB_EENV);
    assert_non_null(strstr(err.msg, "another migbench"));
    assert_null(r2);
    mb_results_close(r1);
    assert_int_equal(mb_results_open(f->path, factors, 2, &r2, &err), 0);
    mb_results_close(r2);
}

/* ---- writer: bad rows are programming errors --------------------------------------------- */

static const struct {
    const char *name;
    const char *column; /* NULL: leave the required "vm" empty */
    const char *value;
    int set_rc;
    const char *expect;
} bad_rows[] = {
    {"unknown column", "downtme_ms", "1", MB_EINPUT, "did you mean 'downtime_ms'"},
    {"unknown factor", "f.vms.memroy", "1", MB_EINPUT, "did you mean 'f.vms.memory'"},
    {"status outside its enum", "status", "okay", MB_EINPUT, "'okay' is not one of"},
    {"integrity outside its enum", "integrity", "fine", MB_EINPUT, "'fine' is not one of"},
    {"NaN number", "downtime_ms", "nan", MB_EINPUT, "not a finite decimal number"},
    {"infinite number", "overhead_pct", "inf", MB_EINPUT, "not a finite decimal number"},
    {"fractional integer", "data_bytes", "1.5", MB_EINPUT, "not an integer"},
    {"bad timestamp", "start_time", "2026-11-26 14:03:07", MB_EINPUT, "ISO 8601"},
    {"required column empty", NULL, NULL, 0, "required column 'vm' is empty"},
};

static void test_bad_rows_refused(void **state)
{
    struct fx *f = *state;
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_results *r = NULL;
    assert_int_equal(mb_results_open(f->path, factors, 2, &r, &err), 0);
    struct stat st0, st1;
    stat(f->path, &st0);
    struct mb_results_row *row = mb_results_row_new(r);
    for (size_t i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
        mb_results_row_reset(row);
        fill_required(row, 1);
        if (bad_rows[i].column)
            assert_int_equal(mb_results_row_set(row, bad_rows[i].column, "%s", bad_rows[i].value),
                             bad_rows[i].set_rc);
        else
            assert_int_equal(mb_results_row_set(row, "vm", "%s", ""), 0);
        /* Setting valid fields afterwards keeps the first error. */
        assert_int_equal(mb_results_row_set(row, "accel", "kvm"), 0);
        mb_error_clear(&err);
        assert_int_equal(mb_results_append(r, row, &err), MB_EINPUT);
        if (!strstr(err.msg, bad_rows[i].expect))
            fail_msg("%s: message '%s'", bad_rows[i].name, err.msg);
    }
    stat(f->path, &st1);
    assert_int_equal(st0.st_size, st1.st_size); /* nothing written */

    /* Invalid bytes in text become '?', and the row is kept. */
    mb_results_row_reset(row);
    fill_required(row, 1);
    assert_int_equal(mb_results_row_set(row, "error", "bad \xff\xfe byte"), 0);
    assert_string_equal(mb_results_row_get(row, "error"), "bad ?? byte");
    assert_null(mb_results_row_get(row, "nope"));
    assert_int_equal(mb_results_row_set_col(row, MB_COL_COUNT, "x"), MB_EINPUT);
    mb_results_row_free(row);
    mb_results_close(r);
}

static void test_bad_factor_keys(void **state)
{
    struct fx *f = *state;
    static const char *const bad[][2] = {
        {"a,b", "x"}, {"", "x"}, {"a..b", "x"}, {".a", "x"}, {"a.", "x"}, {"x", "x"}, {"a b", "x"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mb_error err;
        mb_error_clear(&err);
        struct mb_results *r = NULL;
        assert_int_equal(mb_results_open(f->path, bad[i], 2, &r, &err), MB_EINPUT);
        assert_null(r);
    }
    assert_int_equal(access(f->path, F_OK), -1); /* refused before creating the file */
}

/* ---- reader: good and malformed input ----------------------------------------------------- */

static const struct {
    const char *name;
    const char *tmpl;
    size_t rows;
} good_inputs[] = {
    {"header only", "H\n", 0},
    {"header only, no newline", "H", 0},
    {"two rows", "H\nR\nR\n", 2},
    {"last row complete but no newline", "H\nR\nR", 2},
    {"CRLF line ends", "H\r\nR\r\nR\r\n", 2},
    {"quoted field with newlines", "H\nR{error=\"a\nb\n\nc\"}}\nR\n", 2},
    {"empty optional fields", "H\nR{downtime_ms=}}\n", 1},
    {"negative and exponent numbers", "H\nR{overhead_pct=-1.5E+3}}\n", 1},
    {"factor values are free text", "H\nR{f.a=\"50%, pinned\"}}\n", 1},
};

static void test_good_inputs(void **state)
{
    struct fx *f = *state;
    for (size_t i = 0; i < sizeof(good_inputs) / sizeof(good_inputs[0]); i++) {
        size_t len, n = 99;
        char *data = expand(good_inputs[i].tmpl, &len);
        spew(f->path, data, len);
        struct mb_error err;
        mb_error_clear(&err);
        int rc = mb_results_read(f->path, NULL, NULL, &n, &err);
        char msg[1400];
        mb_error_format(&err, msg, sizeof(msg));
        if (rc != 0 || n != good_inputs[i].rows)
            fail_msg("%s: rc %d, %zu rows: %s", good_inputs[i].name, rc, n, msg);
        /* The same through the in-memory reader. */
        assert_int_equal(mb_results_read_mem("mem", data, len, NULL, NULL, &n, &err), 0);
        assert_int_equal(n, good_inputs[i].rows);
        free(data);
    }
}

static const struct {
    const char *name;
    const char *tmpl;
    int line, column; /* expected place; column 0 = not given */
    const char *expect;
    int status;
} bad_inputs[] = {
    {"empty file", "", 0, 0, "empty file", MB_EINPUT},
    {"only blanks", "  ", 1, 0, "blank line", MB_EINPUT},
    {"blank line between rows", "H\nR\n\nR\n", 3, 0, "blank line", MB_EINPUT},
    {"blank line at the end", "H\nR\n\n", 3, 0, "blank line", MB_EINPUT},
    {"too many fields", "H\nR\nR,extra\n", 3, 0, "fields, expected", MB_EINPUT},
    {"too few fields", "H\nR\nrun,scen\nR\n", 3, 0, "2 fields, expected", MB_EINPUT},
    {"truncated last line", "H\nR\nrun,scen,1", 3, 0, "truncated last row: 3 of", MB_EINPUT},
    {"unterminated quote at EOF", "H\nR\nR{error=\"never closed\n\n}}", 3, 0,
     "unterminated quoted field", MB_EINPUT},
    {"quote inside unquoted field", "H\nab\"c,d\n", 2, 3, "quote inside an unquoted field",
     MB_EINPUT},
    {"text after closing quote", "H\n\"ab\"c,d\n", 2, 5, "text after the closing quote", MB_EINPUT},
    {"invalid UTF-8", "H\nR{error=caf\xe9}}\n", 2, 0, "invalid UTF-8 in column 'error'", MB_EINPUT},
    {"overlong UTF-8", "H\nR{vm=\xc0\xaf}}\n", 2, 0, "invalid UTF-8 in column 'vm'", MB_EINPUT},
    {"UTF-8 surrogate", "H\nR{vm=\xed\xa0\x80}}\n", 2, 0, "invalid UTF-8", MB_EINPUT},
    {"status outside its enum", "H\nR\nR{status=okay}}\n", 3, 0,
     "column 'status': 'okay' is not one of ok, failed, timeout, corrupt, aborted", MB_EINPUT},
    {"non-numeric metric", "H\nR{downtime_ms=12ms}}\n", 2, 0,
     "column 'downtime_ms': '12ms' is not a finite decimal number", MB_EINPUT},
    {"number without digits after the point", "H\nR{downtime_ms=12.}}\n", 2, 0,
     "is not a finite decimal number", MB_EINPUT},
    {"non-integer point", "H\nR{point=1.5}}\n", 2, 0, "column 'point': '1.5' is not an integer",
     MB_EINPUT},
    {"bad timestamp", "H\nR{end_time=2026-02-30T00:00:00.000Z}}\n", 2, 0, "ISO 8601", MB_EINPUT},
    {"required field empty", "H\nR{vm=}}\n", 2, 0, "column 'vm' is empty", MB_EINPUT},
    {"header missing columns", "run_id,scenario\n", 1, 0, "missing column(s) point, repetition",
     MB_EINPUT},
    {"header unknown column", "H,downtme_ms\n", 1, 0,
     "unknown column(s) 'downtme_ms' (did you mean 'downtime_ms'?)", MB_EINPUT},
    {"header duplicated column", "H,vm,vm\n", 1, 0, "duplicated column(s) 'vm'", MB_EINPUT},
    {"header malformed factor", "H,f.,f.a..b\n", 1, 0, "malformed factor column(s) 'f.', 'f.a..b'",
     MB_EINPUT},
    {"row after a multi-line field", "H\nR{error=\"1\n2\n3\"}}\nR{batch=x}}\n", 5, 0,
     "column 'batch'", MB_EINPUT},
    {"error on a later line of a CRLF file", "H\r\nR\r\nR\r\nR{status=x}}\r\n", 4, 0,
     "column 'status'", MB_EINPUT},
};

static void test_bad_inputs(void **state)
{
    struct fx *f = *state;
    for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
        size_t len;
        char *data = expand(bad_inputs[i].tmpl, &len);
        spew(f->path, data, len);
        free(data);
        struct mb_error err;
        mb_error_clear(&err);
        size_t n = 12345;
        int rc = mb_results_read(f->path, NULL, NULL, &n, &err);
        char msg[1400], where[300];
        mb_error_format(&err, msg, sizeof(msg));
        if (bad_inputs[i].column)
            snprintf(where, sizeof(where), "%s:%d:%d: ", f->path, bad_inputs[i].line,
                     bad_inputs[i].column);
        else if (bad_inputs[i].line)
            snprintf(where, sizeof(where), "%s:%d: ", f->path, bad_inputs[i].line);
        else
            snprintf(where, sizeof(where), "%s: ", f->path);
        if (rc != bad_inputs[i].status || strncmp(msg, where, strlen(where)) ||
            !strstr(msg, bad_inputs[i].expect))
            fail_msg("%s: rc %d, message '%s' (want '%s...%s')", bad_inputs[i].name, rc, msg, where,
                     bad_inputs[i].expect);
        assert_int_equal(n, 12345); /* untouched on failure */
    }
}

static void test_nul_byte(void **state)
{
    struct fx *f = *state;
    size_t len;
    char *data = expand("H\nR{error=aXb}}\n", &len);
    *strchr(strstr(data, "aXb"), 'X') = '\0';
    spew(f->path, data, len);
    free(data);
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_results_read(f->path, NULL, NULL, NULL, &err), MB_EINPUT);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.msg, "NUL byte in column 'error'"));
}

static void test_field_too_long(void **state)
{
    (void)state;
    size_t big = (size_t)2 << 20;
    struct mb_buf b = {0};
    put_header(&b);
    mb_buf_append(&b, "\n\"", 2);
    char *x = malloc(big);
    memset(x, 'x', big);
    mb_buf_append(&b, x, big);
    free(x);
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_results_read_mem("mem", b.data, b.len, NULL, NULL, NULL, &err), MB_ENOMEM);
    assert_non_null(strstr(err.msg, "longer than"));
    mb_buf_free(&b);
}

static void test_missing_file(void **state)
{
    struct fx *f = *state;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_results_read(f->path, NULL, NULL, NULL, &err), MB_EINPUT);
    assert_string_equal(err.file, f->path);
    struct mb_results_table *t = NULL;
    assert_int_equal(mb_results_load(f->path, &t, &err), MB_EINPUT);
    assert_null(t);
}

/* Line numbers stay right past the reader's 1 MiB blocks. */
static void test_line_numbers_across_blocks(void **state)
{
    struct fx *f = *state;
    struct mb_buf b = {0};
    put_header(&b);
    mb_buf_append(&b, "\n", 1);
    int rows = 0;
    while (b.len < ((size_t)3 << 20)) {
        put_row(&b, rows % 100 == 7 ? "error=\"two\nlines\"" : NULL);
        mb_buf_append(&b, "\n", 1);
        rows++;
    }
    int lines = 1 + rows + (rows + 92) / 100; /* header, rows, and one \n per multi-line row */
    put_row(&b, "status=broken");
    mb_buf_append(&b, "\n", 1);
    spew(f->path, b.data, b.len);
    mb_buf_free(&b);
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_results_read(f->path, NULL, NULL, NULL, &err), MB_EINPUT);
    assert_int_equal(err.line, lines + 1);
    assert_non_null(strstr(err.msg, "'broken'"));
}

/* ---- reader: the callback ------------------------------------------------------------------ */

struct cb_state {
    size_t seen;
    size_t stop_after;
    int fail_with;
    int lines[8];
};

static int cb(void *ctx, const struct mb_results_rec *rec, struct mb_error *err)
{
    struct cb_state *s = ctx;
    assert_int_equal(rec->index, s->seen);
    assert_int_equal(rec->nfields, rec->hdr->ncols);
    assert_string_equal(mb_results_field(rec, MB_COL_STATUS), "ok");
    s->lines[s->seen++] = rec->line;
    if (s->fail_with && s->seen == 2)
        return mb_error_at(err, s->fail_with, rec->file, rec->line, 0, "callback says no");
    return s->seen == s->stop_after ? 1 : 0;
}

static void test_callback_stop_and_fail(void **state)
{
    (void)state;
    size_t len, n = 0;
    char *data = expand("H\nR\nR{error=\"a\nb\"}}\nR\nR\n", &len);
    struct mb_error err;
    mb_error_clear(&err);
    struct cb_state s = {0};
    assert_int_equal(mb_results_read_mem("mem.csv", data, len, cb, &s, &n, &err), 0);
    assert_int_equal(n, 4);
    assert_int_equal(s.lines[0], 2);
    assert_int_equal(s.lines[1], 3);
    assert_int_equal(s.lines[2], 5);
    assert_int_equal(s.lines[3], 6);

    struct cb_state stop = {.stop_after = 2};
    assert_int_equal(mb_results_read_mem("mem.csv", data, len, cb, &stop, &n, &err), 0);
    assert_int_equal(stop.seen, 2);
    assert_int_equal(n, 2); /* the row that asked to stop was delivered */

    struct cb_state failing = {.fail_with = MB_EFAILED};
    assert_int_equal(mb_results_read_mem("mem.csv", data, len, cb, &failing, &n, &err), MB_EFAILED);
    assert_string_equal(err.file, "mem.csv");
    assert_int_equal(err.line, 3);
    assert_string_equal(err.msg, "callback says no");
    free(data);
}

/* ---- helpers ------------------------------------------------------------------------------- */

static const struct {
    const char *scenario, *point;
    unsigned rep;
    const char *id;
} run_ids[] = {
    {"demo", "vms.memory=1024", 1, "328993332a94-r1"},
    {"demo", "vms.memory=1024", 2, "328993332a94-r2"},
    {"demo", "vms.memory=2048", 1, "7f042d17a163-r1"},
    {"other", "vms.memory=1024", 1, "dbd4ad447946-r1"},
    {"", "", 10, "6168c18c5583-r10"},
};

static void test_run_id_stable(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(run_ids) / sizeof(run_ids[0]); i++) {
        char buf[MB_RESULTS_RUN_ID_SIZE];
        mb_results_run_id(run_ids[i].scenario, run_ids[i].point, run_ids[i].rep, buf);
        if (strcmp(buf, run_ids[i].id))
            fail_msg("run_id(%s, %s, %u) = %s, want %s", run_ids[i].scenario, run_ids[i].point,
                     run_ids[i].rep, buf, run_ids[i].id);
    }
    /* The separator keeps ("ab", "c") and ("a", "bc") apart. */
    char a[MB_RESULTS_RUN_ID_SIZE], b[MB_RESULTS_RUN_ID_SIZE];
    assert_string_not_equal(mb_results_run_id("ab", "c", 1, a), mb_results_run_id("a", "bc", 1, b));
}

static const struct {
    double epoch;
    const char *text;
} times[] = {
    {0, "1970-01-01T00:00:00.000Z"},
    {1795701787.123, "2026-11-26T14:03:07.123Z"},
    {1795701787.9996, "2026-11-26T14:03:08.000Z"}, /* rounds into the next second */
    {-0.5, "1969-12-31T23:59:59.500Z"},
    {951782400, "2000-02-29T00:00:00.000Z"},
    {253402300799.999, "9999-12-31T23:59:59.999Z"},
};

static void test_time_format_and_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        char buf[MB_RESULTS_TIME_SIZE];
        struct mb_error err;
        mb_error_clear(&err);
        assert_int_equal(mb_results_format_time(times[i].epoch, buf, &err), 0);
        assert_string_equal(buf, times[i].text);
        double back;
        assert_int_equal(mb_results_parse_time(buf, &back, &err), 0);
        assert_true(fabs(back - times[i].epoch) <= 0.0005 + 1e-6);
        char again[MB_RESULTS_TIME_SIZE];
        mb_results_format_time(back, again, &err);
        assert_string_equal(again, buf);
    }
    static const double bad_epochs[] = {NAN, INFINITY, -INFINITY, 1e13, -1e12};
    for (size_t i = 0; i < sizeof(bad_epochs) / sizeof(bad_epochs[0]); i++) {
        char buf[MB_RESULTS_TIME_SIZE];
        assert_int_equal(mb_results_format_time(bad_epochs[i], buf, NULL), MB_EINPUT);
        assert_string_equal(buf, "");
    }
}

static void test_time_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double epoch; /* NAN: invalid */
    } cases[] = {
        {"2026-11-26T14:03:07Z", 1795701787},
        {"2026-11-26T14:03:07.5Z", 1795701787.5},
        {"2026-11-26T14:03:07.123456789Z", 1795701787.123456789},
        {"2024-02-29T00:00:00.000Z", 1709164800},
        {"2026-11-26T14:03:07.1234567890Z", NAN},
        {"2026-11-26T14:03:07.Z", NAN},
        {"2026-11-26T14:03:07.123", NAN},
        {"2026-11-26T14:03:07.123+01:00", NAN},
        {"2026-11-26 14:03:07.123Z", NAN},
        {"2026-13-01T00:00:00.000Z", NAN},
        {"2026-00-01T00:00:00.000Z", NAN},
        {"2100-02-29T00:00:00.000Z", NAN},
        {"2026-04-31T00:00:00.000Z", NAN},
        {"2026-11-26T24:00:00.000Z", NAN},
        {"2026-11-26T23:60:00.000Z", NAN},
        {"2026-11-26T23:59:60.000Z", NAN},
        {"2026-11-26T14:03:07.123Zx", NAN},
        {"", NAN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double t = -1;
        struct mb_error err;
        mb_error_clear(&err);
        int rc = mb_results_parse_time(cases[i].text, &t, &err);
        if (isnan(cases[i].epoch)) {
            if (rc != MB_EINPUT)
                fail_msg("'%s' accepted", cases[i].text);
            assert_true(t == -1);
        } else {
            if (rc != 0)
                fail_msg("'%s' refused: %s", cases[i].text, err.msg);
            assert_true(fabs(t - cases[i].epoch) < 1e-6);
        }
    }
}

static void test_number_helper(void **state)
{
    (void)state;
    double v = 0;
    assert_false(mb_results_number("", &v));
    assert_false(mb_results_number(NULL, &v));
    assert_true(mb_results_number("-12.5e1", &v));
    assert_true(v == -125);
}

/* The sample file kept for other modules' tests stays readable. */
static void test_sample_file(void **state)
{
    (void)state;
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_results_table *t = NULL;
    if (access("tests/data/results/good.csv", R_OK))
        skip();
    assert_int_equal(mb_results_load("tests/data/results/good.csv", &t, &err), 0);
    assert_true(mb_results_table_nrows(t) > 0);
    mb_results_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_column_table),
        cmocka_unit_test(test_doc_matches_table),
        cmocka_unit_test_setup_teardown(test_round_trip_quoting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_matching_header_appends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_different_header_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_writer_locked_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_rows_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_factor_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_good_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
        cmocka_unit_test(test_field_too_long),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_numbers_across_blocks, setup, teardown),
        cmocka_unit_test(test_callback_stop_and_fail),
        cmocka_unit_test(test_run_id_stable),
        cmocka_unit_test(test_time_format_and_parse),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_number_helper),
        cmocka_unit_test(test_sample_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
