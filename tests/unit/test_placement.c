/* test_placement.c — placement.hosts parsing, the co-location matrix, the two policies,
 * and learning the matrix from results directories. */
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "placement.h"
#include "results.h"

static const char *const wls[] = {"idle", "jbb", "iozone", "sysbench", "web", NULL};

/* ---- parser --------------------------------------------------------------------------- */

struct good {
    const char *spec;
    size_t n;
    const char *host[3], *workload[3]; /* the first three candidates */
};

static void test_parse_good(void **state)
{
    (void)state;
    static const struct good cases[] = {
        {"hostB=jbb,hostC=iozone", 2, {"hostB", "hostC"}, {"jbb", "iozone"}},
        {"hostB=jbb", 1, {"hostB"}, {"jbb"}},
        {"  a.b_c-1 = web ,  d=idle ", 2, {"a.b_c-1", "d"}, {"web", "idle"}},
        {"\thostB\t=\tjbb\t,hostC=sysbench", 2, {"hostB", "hostC"}, {"jbb", "sysbench"}},
        {"HostB=jbb,hostb=jbb", 2, {"HostB", "hostb"}, {"jbb", "jbb"}}, /* case matters */
        {"10.0.0.2=idle,x=web,y=web", 3, {"10.0.0.2", "x", "y"}, {"idle", "web", "web"}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct good *c = &cases[i];
        struct mb_placement_hosts h;
        struct mb_error err;
        mb_error_clear(&err);
        int rc = mb_placement_parse_hosts(c->spec, wls, &h, &err);
        if (rc != 0)
            print_error("spec '%s': %s\n", c->spec, err.msg);
        assert_int_equal(rc, 0);
        assert_int_equal(h.n, c->n);
        for (size_t k = 0; k < c->n && k < 3; k++) {
            assert_string_equal(h.host[k], c->host[k]);
            assert_string_equal(h.workload[k], c->workload[k]);
        }
    }

    /* the longest host name, and exactly MB_PLACEMENT_MAX_HOSTS candidates */
    char spec[2048] = "";
    for (int i = 0; i < MB_PLACEMENT_MAX_HOSTS; i++)
        snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "%s%063d=jbb", i ? "," : "", i);
    struct mb_placement_hosts h;
    struct mb_error err;
    assert_int_equal(mb_placement_parse_hosts(spec, wls, &h, &err), 0);
    assert_int_equal(h.n, MB_PLACEMENT_MAX_HOSTS);
    assert_int_equal(strlen(h.host[MB_PLACEMENT_MAX_HOSTS - 1]), 63);
    assert_string_equal(h.workload[MB_PLACEMENT_MAX_HOSTS - 1], "jbb");
}

struct bad {
    const char *spec;
    const char *msg; /* a part of the message */
};

/* A refused spec: MB_EINPUT, the expected words, a message fit for a terminal, and the
 * output left as it was. */
static void refused(const char *spec, const char *const *workloads, const char *msg)
{
    struct mb_placement_hosts h;
    memset(&h, 0x5a, sizeof(h));
    struct mb_error err;
    mb_error_clear(&err);
    int rc = mb_placement_parse_hosts(spec, workloads, &h, &err);
    if (rc != MB_EINPUT || !strstr(err.msg, msg))
        print_error("spec '%s': rc %d, message '%s', expected '%s'\n", spec ? spec : "(null)", rc,
                    err.msg, msg);
    assert_int_equal(rc, MB_EINPUT);
    assert_int_equal(err.status, MB_EINPUT);
    assert_non_null(strstr(err.msg, msg));
    for (const char *s = err.msg; *s; s++)
        assert_true(*s >= 0x20 && *s < 0x7f);
    for (size_t i = 0; i < sizeof(h); i++)
        assert_int_equal(((unsigned char *)&h)[i], 0x5a);
}

static void test_parse_bad(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {NULL, "no candidate: expected HOST=WORKLOAD"},
        {"", "no candidate"},
        {"  \t ", "no candidate"},
        {",", "item 1 is empty"},
        {",hostB=jbb", "item 1 is empty"},
        {"hostB=jbb,", "item 2 is empty: expected HOST=WORKLOAD"},
        {"hostB=jbb,  ,hostC=web", "item 2 is empty"},
        {"hostB", "item 1 'hostB': expected HOST=WORKLOAD"},
        {"hostB=jbb, hostC", "item 2 'hostC': expected HOST=WORKLOAD"},
        {"hostB:jbb", "item 1 'hostB:jbb': expected HOST=WORKLOAD"},
        {"=jbb", "item 1 '=jbb': expected a host name before '='"},
        {" = jbb", "expected a host name"},
        {"hostB=", "item 1 'hostB=': expected a workload after '=' (one of: idle, jbb,"},
        {"hostB=  ,hostC=jbb", "expected a workload"},
        {"hostB=jbx",
         "item 1: unknown workload 'jbx' (did you mean 'jbb'? one of: idle, jbb, iozone, "
         "sysbench, web)"},
        {"hostB=jbb,hostC=iozon", "item 2: unknown workload 'iozon' (did you mean 'iozone'?"},
        {"hostB=zzzzzzzz", "item 1: unknown workload 'zzzzzzzz' (one of: idle,"},
        {"hostB=jbb=web", "unknown workload 'jbb=web'"},
        {"hostB=j bb", "unknown workload 'j bb'"},
        {"hostB=JBB", "unknown workload 'JBB'"},
        {"hostB=jbb,hostB=web", "item 2: host 'hostB' is named twice (item 1 too)"},
        {"a=idle,b=jbb, b =web", "item 3: host 'b' is named twice (item 2 too)"},
        {"ho st=jbb", "item 1: host name 'ho st' has a character other than letters"},
        {"host/B=jbb", "host name 'host/B' has a character"},
        {"hôte=jbb", "host name 'h??te' has a character"},
        /* garbage bytes are quoted as '?', never sent to the terminal */
        {"h\x01\xff=jbb", "host name 'h?\?' has a character"},
        {"hostB=\x01\x02", "unknown workload '?\?'"},
        {"hostB=jbb,\x1b[2J", "item 2 '?[2J': expected HOST=WORKLOAD"},
        {"hostB=jbb\n", "unknown workload 'jbb?'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        refused(cases[i].spec, wls, cases[i].msg);

    /* very long names: said so, quoted short */
    char big[400];
    memset(big, 'h', sizeof(big) - 5);
    strcpy(big + sizeof(big) - 5, "=jbb");
    refused(big, wls, "item 1: host name 'hhhhhhhhhh");
    refused(big, wls, "...' has 395 characters, at most 63");
    char h64[80];
    snprintf(h64, sizeof(h64), "%064d=jbb", 7);
    refused(h64, wls, "has 64 characters, at most 63");
    char wbig[400];
    memset(wbig, 'w', sizeof(wbig) - 1);
    memcpy(wbig, "hostB=", 6);
    wbig[sizeof(wbig) - 1] = '\0';
    refused(wbig, wls, "item 1: unknown workload 'wwwwwwww");
    refused(wbig, wls, "...' (one of: idle, jbb");
    refused("hostB=jbbjbbjbbjbbjbbjbbjbbjbbjbbjbbjbb", wls, "unknown workload 'jbbjbb");

    /* one more than MB_PLACEMENT_MAX_HOSTS, well formed or not */
    char many[600] = "";
    for (int i = 0; i <= MB_PLACEMENT_MAX_HOSTS; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%sh%d=jbb", i ? "," : "", i);
    refused(many, wls, "item 17: more than 16 candidate hosts");
    strcat(many, ",garbage");
    refused(many, wls, "item 17: more than 16 candidate hosts");

    /* no workload known at all */
    static const char *const none[] = {NULL};
    refused("hostB=jbb", none, "unknown workload 'jbb' (one of: none is known)");
    refused("hostB=jbb", NULL, "unknown workload 'jbb' (one of: none is known)");
    /* a known name too long to store is not cut short into another */
    static const char *const longer[] = {"jbb", "a-workload-name-of-32-characters", NULL};
    refused("hostB=a-workload-name-of-32-characters", longer, "unknown workload 'a-workload");
}

/* ---- the matrix ----------------------------------------------------------------------- */

static int near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

static void test_matrix(void **state)
{
    (void)state;
    struct mb_placement_matrix m;
    memset(&m, 0, sizeof(m));
    assert_true(isnan(mb_placement_matrix_get(&m, "jbb", "jbb")));
    mb_placement_matrix_add(&m, "jbb", "jbb", 80);
    mb_placement_matrix_add(&m, "jbb", "jbb", 100);
    mb_placement_matrix_add(&m, "jbb", "iozone", 20);
    mb_placement_matrix_add(&m, "iozone", "web", -4.5); /* sharing may help */
    mb_placement_matrix_add(&m, "jbb", "web", NAN);     /* not observations */
    mb_placement_matrix_add(&m, "jbb", "web", INFINITY);
    mb_placement_matrix_add(&m, NULL, "web", 1);
    mb_placement_matrix_add(&m, "jbb", NULL, 1);
    mb_placement_matrix_add(NULL, "jbb", "web", 1);
    assert_true(near(mb_placement_matrix_get(&m, "jbb", "jbb"), 90));
    assert_true(near(mb_placement_matrix_get(&m, "jbb", "iozone"), 20));
    assert_true(near(mb_placement_matrix_get(&m, "iozone", "web"), -4.5));
    assert_int_equal(m.n[0][0], 2);
    /* the matrix is not symmetric: migrating and resident are different roles */
    assert_true(isnan(mb_placement_matrix_get(&m, "iozone", "jbb")));
    assert_true(isnan(mb_placement_matrix_get(&m, "jbb", "web")));
    assert_true(isnan(mb_placement_matrix_get(&m, "jbb", "sysbench")));
    assert_true(isnan(mb_placement_matrix_get(&m, "nobody", "jbb")));
    assert_true(isnan(mb_placement_matrix_get(NULL, "jbb", "jbb")));
    assert_true(isnan(mb_placement_matrix_get(&m, NULL, "jbb")));
    assert_int_equal(m.rows, 4);
    assert_int_equal(m.nwl, 3);
    /* a registered pair never measured reads NAN in the array too */
    assert_true(isnan(m.loss[1][0]));

    /* a mean over many observations: 0..999 -> 499.5 */
    memset(&m, 0, sizeof(m));
    for (int i = 0; i < 1000; i++)
        mb_placement_matrix_add(&m, "web", "idle", i);
    assert_true(near(mb_placement_matrix_get(&m, "web", "idle"), 499.5));
    assert_int_equal(m.rows, 1000);

    /* a name longer than a cell's name is ignored */
    mb_placement_matrix_add(&m, "a-workload-name-of-32-characters", "idle", 1);
    mb_placement_matrix_add(&m, "idle", "a-workload-name-of-32-characters", 1);
    assert_int_equal(m.nwl, 2);
    assert_int_equal(m.rows, 1000);

    /* more names than the matrix holds are ignored, never written past it */
    for (int i = 0; i < 3 * MB_PLACEMENT_MAX_WL; i++) {
        char n[16];
        snprintf(n, sizeof(n), "w%d", i);
        mb_placement_matrix_add(&m, n, n, 1);
    }
    assert_int_equal(m.nwl, MB_PLACEMENT_MAX_WL);
    assert_true(near(mb_placement_matrix_get(&m, "w0", "w0"), 1));
    assert_true(isnan(mb_placement_matrix_get(&m, "w40", "w40")));
    assert_true(near(mb_placement_matrix_get(&m, "web", "idle"), 499.5));

    /* with one slot left, a pair of two new names takes neither (no half-registered
     * name), a pair with itself takes it */
    memset(&m, 0, sizeof(m));
    for (int i = 0; i < MB_PLACEMENT_MAX_WL - 1; i++) {
        char n[16];
        snprintf(n, sizeof(n), "w%d", i);
        mb_placement_matrix_add(&m, n, n, 1);
    }
    mb_placement_matrix_add(&m, "new1", "new2", 5);
    assert_int_equal(m.nwl, MB_PLACEMENT_MAX_WL - 1);
    mb_placement_matrix_add(&m, "w0", "new3", 5);
    assert_int_equal(m.nwl, MB_PLACEMENT_MAX_WL);
    assert_true(near(mb_placement_matrix_get(&m, "w0", "new3"), 5));
    mb_placement_matrix_add(&m, "new3", "w1", 7); /* both known: still a cell */
    assert_true(near(mb_placement_matrix_get(&m, "new3", "w1"), 7));
}

/* ---- the policies --------------------------------------------------------------------- */

struct choice {
    const char *hosts, *migrating;
    int want;
};

static void test_choose(void **state)
{
    (void)state;
    struct mb_placement_matrix m;
    memset(&m, 0, sizeof(m));
    mb_placement_matrix_add(&m, "jbb", "jbb", 90);
    mb_placement_matrix_add(&m, "jbb", "iozone", 20);
    mb_placement_matrix_add(&m, "jbb", "web", 20);
    mb_placement_matrix_add(&m, "web", "idle", -3);
    mb_placement_matrix_add(&m, "web", "jbb", 0);
    static const struct choice cases[] = {
        {"b=jbb,c=iozone", "jbb", 1},
        {"b=iozone,c=jbb", "jbb", 0},
        {"b=jbb,c=web,d=iozone", "jbb", 1}, /* a tie goes to the earlier candidate */
        {"b=jbb,c=iozone,d=web", "jbb", 1},
        {"b=sysbench,c=jbb", "jbb", 1}, /* never measured ranks after even a bad cell */
        {"b=sysbench,c=idle,d=jbb", "jbb", 2},
        {"b=sysbench,c=idle", "jbb", 0}, /* nothing measured: the first */
        {"b=jbb,c=iozone", "iozone", 0}, /* a workload the matrix never saw migrate */
        {"b=jbb,c=iozone", "nobody", 0},
        {"b=jbb", "jbb", 0},
        {"b=jbb,c=idle", "web", 1}, /* a negative loss (a gain) beats 0 */
        {"b=idle,c=jbb", "web", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_placement_hosts h;
        struct mb_error err;
        assert_int_equal(mb_placement_parse_hosts(cases[i].hosts, wls, &h, &err), 0);
        int got = mb_placement_choose(&m, cases[i].migrating, &h);
        if (got != cases[i].want)
            print_error("%s for %s: %d, expected %d\n", cases[i].hosts, cases[i].migrating, got,
                        cases[i].want);
        assert_int_equal(got, cases[i].want);
    }
    struct mb_placement_hosts h;
    struct mb_error err;
    assert_int_equal(mb_placement_parse_hosts("b=jbb,c=iozone", wls, &h, &err), 0);
    assert_int_equal(mb_placement_choose(NULL, "jbb", &h), 0); /* no matrix read */
    assert_int_equal(mb_placement_choose(&m, NULL, &h), 0);
    assert_int_equal(mb_placement_choose(&m, "jbb", NULL), -1);
    h.n = 0;
    assert_int_equal(mb_placement_choose(&m, "jbb", &h), -1);
}

/* SplitMix64's finaliser, written out again so the test does not trust the code. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

struct fnv {
    const char *id;
    uint64_t hash; /* FNV-1a 64, published test vectors and one run id */
};

static void test_random(void **state)
{
    (void)state;
    static const struct fnv vectors[] = {
        {"", 0xcbf29ce484222325ull},
        {"a", 0xaf63dc4c8601ec8cull},
        {"foobar", 0x85944171f73967e8ull},
        {"5d3c0e9a41f2-r3", 0x3ada0f023d5b98e0ull},
    };
    struct mb_placement_hosts h;
    memset(&h, 0, sizeof(h));
    for (size_t n = 1; n <= MB_PLACEMENT_MAX_HOSTS; n++) {
        h.n = n;
        for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
            assert_int_equal(mb_placement_random(vectors[i].id, &h),
                             (int)(mix(vectors[i].hash) % n));
    }
    h.n = 3;
    assert_int_equal(mb_placement_random(NULL, &h), (int)(mix(0xcbf29ce484222325ull) % 3));

    /* stable, in range and spread over the candidates for the run ids of a campaign */
    for (size_t n = 1; n <= MB_PLACEMENT_MAX_HOSTS; n++) {
        h.n = n;
        int seen[MB_PLACEMENT_MAX_HOSTS] = {0};
        for (unsigned r = 1; r <= 40 * n; r++) {
            char id[MB_RESULTS_RUN_ID_SIZE];
            mb_results_run_id("table3", "p1", r, id);
            int a = mb_placement_random(id, &h);
            assert_true(a >= 0 && (size_t)a < n);
            assert_int_equal(a, mb_placement_random(id, &h));
            seen[a]++;
        }
        for (size_t k = 0; k < n; k++)
            assert_true(seen[k] >= 10); /* 40 expected */
    }

    /* two candidates: the repetitions of one point do not simply alternate */
    h.n = 2;
    int same = 0, prev = -1;
    for (unsigned r = 1; r <= 40; r++) {
        char id[MB_RESULTS_RUN_ID_SIZE];
        mb_results_run_id("placement", "p1", r, id);
        int a = mb_placement_random(id, &h);
        same += a == prev;
        prev = a;
    }
    assert_true(same >= 5); /* about 20 expected; strict alternation gives 0 */

    h.n = 0;
    assert_int_equal(mb_placement_random("x-r1", &h), -1);
    assert_int_equal(mb_placement_random("x-r1", NULL), -1);
}

/* ---- learning from raw.csv ------------------------------------------------------------ */

static char root[64];

/* One raw.csv row: what the matrix reads ("" = empty field). */
struct lrow {
    const char *status, *workload, *colocated, *loss;
};

static char *path_in(const char *rel)
{
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof(p[k]), "%s/%s", root, rel);
    return p[k];
}

static void make_dir(const char *rel)
{
    assert_int_equal(mkdir(path_in(rel), 0700), 0);
}

/* A raw.csv as migbench run writes it, through the results writer. */
static void write_raw(const char *rel, const struct lrow *rows, size_t n)
{
    struct mb_results *res;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_results_open(path_in(rel), NULL, 0, &res, &err), 0);
    struct mb_results_row *row = mb_results_row_new(res);
    for (size_t i = 0; i < n; i++) {
        char id[MB_RESULTS_RUN_ID_SIZE];
        mb_results_row_reset(row);
        mb_results_row_set_col(row, MB_COL_RUN_ID, "%s",
                               mb_results_run_id("table3", "p1", (unsigned)i + 1, id));
        mb_results_row_set_col(row, MB_COL_SCENARIO, "table3");
        mb_results_row_set_col(row, MB_COL_POINT, "1");
        mb_results_row_set_col(row, MB_COL_REPETITION, "%zu", i + 1);
        mb_results_row_set_col(row, MB_COL_VM, "vm1");
        mb_results_row_set_col(row, MB_COL_HOST_FROM, "hostA");
        mb_results_row_set_col(row, MB_COL_HOST_TO, "hostB");
        mb_results_row_set_col(row, MB_COL_STRATEGY, "sequential");
        mb_results_row_set_col(row, MB_COL_BATCH, "1");
        mb_results_row_set_col(row, MB_COL_STATUS, "%s", rows[i].status);
        if (strcmp(rows[i].status, "ok") != 0)
            mb_results_row_set_col(row, MB_COL_ERROR, "went wrong");
        mb_results_row_set_col(row, MB_COL_WORKLOAD, "%s", rows[i].workload);
        mb_results_row_set_col(row, MB_COL_COLOCATED_WORKLOAD, "%s", rows[i].colocated);
        mb_results_row_set_col(row, MB_COL_COLOCATION_LOSS_PCT, "%s", rows[i].loss);
        assert_int_equal(mb_results_append(res, row, &err), 0);
    }
    mb_results_row_free(row);
    mb_results_close(res);
}

static void write_text(const char *rel, const char *mode, const char *text)
{
    FILE *f = fopen(path_in(rel), mode);
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int remove_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

/* learn from paths relative to root; on failure, *m must be untouched */
static int learn(const char *const *rel, size_t n, struct mb_placement_matrix *m,
                 struct mb_error *err)
{
    const char *paths[40];
    assert_true(n <= 40);
    for (size_t i = 0; i < n; i++)
        paths[i] = rel[i][0] == '/' ? rel[i] : path_in(rel[i]);
    memset(m, 0x5a, sizeof(*m));
    mb_error_clear(err);
    int rc = mb_placement_learn(paths, n, m, err);
    if (rc < 0) {
        for (size_t i = 0; i < sizeof(*m); i++)
            assert_int_equal(((unsigned char *)m)[i], 0x5a);
        assert_int_equal(err->status, rc);
    }
    return rc;
}

static void test_learn(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/mb-placement-XXXXXX");
    assert_non_null(mkdtemp(root));
    /* good/a/raw.csv and good/b/c/raw.csv: one and two levels down */
    make_dir("good");
    make_dir("good/a");
    make_dir("good/b");
    make_dir("good/b/c");
    static const struct lrow a[] = {
        {"ok", "jbb", "jbb", "80"},
        {"ok", "jbb", "jbb", "100"},
        {"ok", "jbb", "iozone", "10"},
        {"failed", "jbb", "iozone", "900"}, /* only ok rows count */
        {"timeout", "jbb", "iozone", "900"},
        {"ok", "jbb", "", "5"},        /* no resident */
        {"ok", "", "jbb", "5"},        /* written by an older version */
        {"ok", "iozone", "jbb", ""},   /* a loss not measured */
        {"ok", "iozone", "web", "-2"}, /* sharing helped */
    };
    write_raw("good/a/raw.csv", a, sizeof(a) / sizeof(a[0]));
    static const struct lrow bc[] = {
        {"ok", "jbb", "jbb", "60"},
        {"ok", "web", "idle", "1.5"},
    };
    write_raw("good/b/c/raw.csv", bc, sizeof(bc) / sizeof(bc[0]));

    struct mb_placement_matrix m;
    struct mb_error err;
    const char *one[] = {"good/a"};
    int rc = learn(one, 1, &m, &err);
    if (rc)
        print_error("%s:%d: %s\n", err.file, err.line, err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(m.rows, 4);
    assert_true(near(mb_placement_matrix_get(&m, "jbb", "jbb"), 90));
    assert_true(near(mb_placement_matrix_get(&m, "jbb", "iozone"), 10));
    assert_true(near(mb_placement_matrix_get(&m, "iozone", "web"), -2));
    assert_true(isnan(mb_placement_matrix_get(&m, "iozone", "jbb")));
    assert_string_equal(m.source, path_in("good/a"));

    /* the file itself */
    const char *file[] = {"good/a/raw.csv"};
    assert_int_equal(learn(file, 1, &m, &err), 0);
    assert_int_equal(m.rows, 4);

    /* a tree: DIR/STAR/raw.csv and DIR/STAR/STAR/raw.csv together */
    const char *tree[] = {"good"};
    assert_int_equal(learn(tree, 1, &m, &err), 0);
    assert_int_equal(m.rows, 6);
    assert_true(near(mb_placement_matrix_get(&m, "jbb", "jbb"), 80));
    assert_true(near(mb_placement_matrix_get(&m, "web", "idle"), 1.5));

    /* several paths, named in the source */
    const char *two[] = {"good/a", "good/b"};
    assert_int_equal(learn(two, 2, &m, &err), 0);
    assert_int_equal(m.rows, 6);
    char want[600];
    snprintf(want, sizeof(want), "%s/good/a, %s/good/b", root, root);
    assert_string_equal(m.source, want);

    /* a directory whose name is a glob pattern is looked in, not matched against */
    make_dir("t3[1]");
    write_raw("t3[1]/raw.csv", bc, 1);
    const char *pattern[] = {"t3[1]"};
    assert_int_equal(learn(pattern, 1, &m, &err), 0);
    assert_int_equal(m.rows, 1);

    /* more paths than the source holds: cut, and said so */
    const char *lots[40];
    for (size_t i = 0; i < 40; i++)
        lots[i] = "good/b";
    assert_int_equal(learn(lots, 40, &m, &err), 0);
    assert_int_equal(m.rows, 80);
    assert_true(strlen(m.source) < sizeof(m.source));
    assert_string_equal(m.source + strlen(m.source) - 3, "...");

    /* a directory with no raw.csv, alone or after a good one */
    make_dir("empty");
    make_dir("empty/sub");
    const char *empty[] = {"empty"};
    assert_int_equal(learn(empty, 1, &m, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "no raw.csv"));
    assert_string_equal(err.file, path_in("empty"));
    const char *then_empty[] = {"good", "empty"};
    assert_int_equal(learn(then_empty, 2, &m, &err), MB_EINPUT);
    assert_string_equal(err.file, path_in("empty"));
    const char *nowhere[] = {"/nonexistent-mb-dir"};
    assert_int_equal(learn(nowhere, 1, &m, &err), MB_EINPUT);
    assert_string_equal(err.file, "/nonexistent-mb-dir");

    /* a malformed file names itself and its line: a row cut short after a good one */
    make_dir("bad");
    write_raw("bad/raw.csv", bc, 1);
    write_text("bad/raw.csv", "a", "x-r2,table3,1\n");
    const char *bad[] = {"bad"};
    assert_int_equal(learn(bad, 1, &m, &err), MB_EINPUT);
    assert_string_equal(err.file, path_in("bad/raw.csv"));
    assert_int_equal(err.line, 3);
    const char *good_then_bad[] = {"good/a", "bad"};
    assert_int_equal(learn(good_then_bad, 2, &m, &err), MB_EINPUT);
    /* ... and a file that is no results file at all */
    write_text("bad/raw.csv", "w",
               "\x7f"
               "ELF\x01\x02garbage\n");
    assert_int_equal(learn(bad, 1, &m, &err), MB_EINPUT);
    assert_string_equal(err.file, path_in("bad/raw.csv"));

    /* well-formed results without a usable row: not a Table 3 campaign */
    make_dir("fig2");
    static const struct lrow unusable[] = {
        {"ok", "jbb", "", ""},
        {"failed", "jbb", "iozone", "3"},
    };
    write_raw("fig2/raw.csv", unusable, 2);
    const char *fig2[] = {"fig2"};
    assert_int_equal(learn(fig2, 1, &m, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "1 raw.csv file and no ok row"));
    assert_non_null(strstr(err.msg, "not a Table 3 campaign"));
    assert_string_equal(err.file, path_in("fig2"));
    /* an older file without the co-location columns at all */
    make_dir("old");
    write_text("old/raw.csv", "w",
               "run_id,scenario,point,repetition,vm,host_from,host_to,strategy,batch,status\n"
               "x-r1,s,1,1,vm1,hostA,hostB,sequential,1,ok\n");
    const char *old[] = {"old"};
    assert_int_equal(learn(old, 1, &m, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "not a Table 3 campaign"));

    /* no path at all */
    assert_int_equal(learn(NULL, 0, &m, &err), MB_EINPUT);
    assert_int_equal(mb_placement_learn(NULL, 0, &m, NULL), MB_EINPUT);

    assert_int_equal(nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good), cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_matrix),     cmocka_unit_test(test_choose),
        cmocka_unit_test(test_random),     cmocka_unit_test(test_learn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
