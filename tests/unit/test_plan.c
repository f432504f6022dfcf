/* test_plan.c — expansion of factors into points and runs, orders, stable ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <math.h>

#include "lib/progress.h"
#include "lib/stats.h"
#include "plan.h"
#include "results.h"
#include "scenario.h"
#include "lib/util.h"

struct fixture {
    struct mb_scenario *s;
    struct mb_plan *p;
};

static void setup(struct fixture *f, const char *text)
{
    struct mb_error err;
    mb_error_clear(&err);
    f->s = mb_scenario_load_mem("p.yaml", text, strlen(text), &err);
    if (!f->s)
        print_error("%s\n", err.msg);
    assert_non_null(f->s);
    f->p = mb_plan_new(f->s, &err);
    assert_non_null(f->p);
}

static void teardown(struct fixture *f)
{
    mb_plan_free(f->p);
    mb_scenario_free(f->s);
}

struct count_case {
    const char *text;
    size_t points, runs;
};

static void test_counts(void **state)
{
    (void)state;
    static const struct count_case cases[] = {
        {"name: a\n", 1, 5},
        {"name: a\nrepeat: 1\n", 1, 1},
        {"name: a\nvms: {memory: [256MiB, 512MiB, 1GiB]}\n", 3, 15},
        /* cross product: 10 x 4 x 3 levels, repeat 5 = 600 runs */
        {"name: a\nreservation: {source: {cpu_cap: [10%,20%,30%,40%,50%,60%,70%,80%,90%,"
         "100%]}}\nvms: {count: 2, memory: [128MiB, 256MiB, 512MiB, 1GiB]}\n"
         "migration: {strategy: [sequential, parallel, 'parallel:2']}\n",
         120, 600},
        {"name: a\nvms: {count: [1, 2, 4], memory: [256MiB, 512MiB]}\n"
         "reservation: {destination: {cpu: [0, 1, 2]}}\n"
         "zip: [[vms.count, reservation.destination.cpu]]\nrepeat: 3\n",
         6, 18},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fixture f;
        setup(&f, cases[i].text);
        assert_int_equal(f.p->npoints, cases[i].points);
        assert_int_equal(f.p->nruns, cases[i].runs);
        teardown(&f);
    }
}

static void test_point_keys_and_ids(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, "name: k\nvms: {count: 2, memory: [256MiB, 1GiB]}\n"
              "migration: {strategy: [sequential, parallel]}\nrepeat: 2\n");
    char key[256];
    /* first factor slowest */
    assert_string_equal(mb_plan_point_key(f.p, 0, key, sizeof(key)),
                        "vms.memory=256MiB;migration.strategy=sequential");
    assert_string_equal(mb_plan_point_key(f.p, 1, key, sizeof(key)),
                        "vms.memory=256MiB;migration.strategy=parallel");
    assert_string_equal(mb_plan_point_key(f.p, 3, key, sizeof(key)),
                        "vms.memory=1GiB;migration.strategy=parallel");
    struct mb_point pt;
    mb_plan_point(f.p, 2, &pt);
    assert_int_equal(pt.vm_memory, 1ull << 30);
    assert_int_equal(pt.strategy.kind, MB_STRATEGY_SEQUENTIAL);
    assert_int_equal(pt.vm_count, 2);

    /* ids: one per run, all distinct, and the same when a level is respelt */
    char ids[8][MB_RESULTS_RUN_ID_SIZE];
    for (size_t i = 0; i < f.p->nruns; i++) {
        mb_plan_run_id(f.p, &f.p->runs[i], ids[i]);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(ids[i], ids[j]);
    }
    struct fixture g;
    setup(&g, "name: k\nvms: {count: 2, memory: [262144KiB, 1024MiB]}\n"
              "migration: {strategy: [sequential, parallel]}\nrepeat: 2\n");
    for (size_t i = 0; i < g.p->nruns; i++) {
        char id[MB_RESULTS_RUN_ID_SIZE];
        assert_string_equal(mb_plan_run_id(g.p, &g.p->runs[i], id), ids[i]);
    }
    teardown(&g);
    teardown(&f);
}

static void test_zip_advances_together(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, "name: z\nvms: {count: [1, 2, 4]}\nreservation: {destination: {cpu: [0, 1, 2]}}\n"
              "zip: [[vms.count, reservation.destination.cpu]]\nrepeat: 1\n");
    assert_int_equal(f.p->npoints, 3);
    static const int64_t want_count[] = {1, 2, 4}, want_cpu[] = {0, 1, 2};
    for (size_t i = 0; i < 3; i++) {
        struct mb_point pt;
        mb_plan_point(f.p, i, &pt);
        assert_int_equal(pt.vm_count, want_count[i]);
        assert_int_equal(pt.dst_cpu, want_cpu[i]);
    }
    teardown(&f);
}

static void test_orders(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, "name: o\nvms: {count: [1, 2, 3]}\nrepeat: 2\norder: interleaved\n");
    static const size_t want_point[] = {0, 1, 2, 0, 1, 2};
    static const unsigned want_rep[] = {1, 1, 1, 2, 2, 2};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(f.p->runs[i].point, want_point[i]);
        assert_int_equal(f.p->runs[i].rep, want_rep[i]);
    }
    teardown(&f);

    setup(&f, "name: o\nvms: {count: [1, 2, 3]}\nrepeat: 2\n");
    static const size_t bp_point[] = {0, 0, 1, 1, 2, 2};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(f.p->runs[i].point, bp_point[i]);
    teardown(&f);

    /* shuffled: a permutation, the same for the same seed, different for another */
    struct fixture a, b, c;
    const char *t1 = "name: o\nvms: {count: [1,2,3,4,5,6,7,8]}\nrepeat: 4\norder: shuffled\n"
                     "seed: 7\n";
    const char *t2 = "name: o\nvms: {count: [1,2,3,4,5,6,7,8]}\nrepeat: 4\norder: shuffled\n"
                     "seed: 8\n";
    setup(&a, t1);
    setup(&b, t1);
    setup(&c, t2);
    int seen[8][5] = {{0}};
    int same_ab = 1, same_ac = 1;
    for (size_t i = 0; i < a.p->nruns; i++) {
        seen[a.p->runs[i].point][a.p->runs[i].rep]++;
        same_ab &= a.p->runs[i].point == b.p->runs[i].point && a.p->runs[i].rep == b.p->runs[i].rep;
        same_ac &= a.p->runs[i].point == c.p->runs[i].point && a.p->runs[i].rep == c.p->runs[i].rep;
    }
    for (int p = 0; p < 8; p++)
        for (int r = 1; r <= 4; r++)
            assert_int_equal(seen[p][r], 1);
    assert_true(same_ab);
    assert_false(same_ac);
    teardown(&a);
    teardown(&b);
    teardown(&c);
}

/* repeat: auto plans every run to the cap; shuffled, it shuffles within rounds, so a
 * point's repetitions keep their order and each round has every point once. */
static void test_auto_plan(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, "name: o\nvms: {count: [1,2,3,4,5]}\nrepeat: auto\nprecision: {max_runs: 4}\n"
              "order: shuffled\nseed: 3\n");
    assert_int_equal(f.p->nruns, 20);
    int moved = 0;
    for (size_t round = 0; round < 4; round++) {
        int seen[5] = {0};
        for (size_t i = 0; i < 5; i++) {
            const struct mb_run *r = &f.p->runs[round * 5 + i];
            assert_int_equal(r->rep, round + 1);
            seen[r->point]++;
            moved |= r->point != i;
        }
        for (int p = 0; p < 5; p++)
            assert_int_equal(seen[p], 1);
    }
    assert_true(moved);
    teardown(&f);
}

/* The judge: constant values meet any target at min_runs; wide ones run to the cap, and
 * failed runs count toward it but not toward min_runs; the widths are the report's t
 * interval in % of the mean, the widest hop's. */
static void test_auto_judge(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, "name: j\nvms: {count: [1, 2, 3]}\nmigration: {hops: 2}\nrepeat: auto\n"
              "precision: {target: 5%, min_runs: 3, max_runs: 6}\n");
    struct mb_auto *a = mb_auto_new(f.p);
    assert_non_null(a);
    double same[4] = {1000, 20, 1000, 20};
    for (int r = 0; r < 2; r++) {
        mb_auto_add_run(a, 0, 1, same);
        assert_false(mb_auto_done(a, 0));
    }
    mb_auto_add_run(a, 0, 1, same);
    assert_true(mb_auto_done(a, 0));
    assert_int_equal(a->points[0].state, MB_AUTO_MET);
    assert_true(a->points[0].width_pct[0] == 0);
    /* beyond done: ignored by the runner, still counted */
    assert_int_equal(a->points[0].runs, 3);

    /* point 2: hop 2's downtime is wide; a failed run and an unmeasured hop 1 downtime */
    double wide[][4] = {{1000, NAN, 1000, 10},
                        {1010, NAN, 990, 40},
                        {990, NAN, 1005, 25},
                        {1000, NAN, 1000, 5},
                        {1000, NAN, 1000, 30}};
    mb_auto_add_run(a, 1, 0, wide[0]);
    for (int r = 0; r < 4; r++) {
        mb_auto_add_run(a, 1, 1, wide[r]);
        assert_false(mb_auto_done(a, 1));
    }
    mb_auto_add_run(a, 1, 1, wide[4]);
    assert_int_equal(a->points[1].state, MB_AUTO_CAP);
    assert_int_equal(a->points[1].runs, 6);
    assert_int_equal(a->points[1].ok, 5);
    double hop2[5] = {10, 40, 25, 5, 30}, tt[5] = {1000, 1010, 990, 1000, 1000};
    double want = 100 * mb_stats_ci_halfwidth(hop2, 5, 0.95) / mb_stats_mean(hop2, 5);
    assert_float_equal(a->points[1].width_pct[1], want, 1e-9);
    double want_tt = 100 * mb_stats_ci_halfwidth(tt, 5, 0.95) / 1000;
    assert_float_equal(a->points[1].width_pct[0], want_tt, 1e-9); /* hop 1's, the wider */
    char line[300];
    mb_auto_describe(a, 1, line, sizeof(line));
    assert_non_null(strstr(line, "capped after 6 runs (5 ok): total_time_ms ±"));
    assert_non_null(strstr(line, "(target ±5 %)"));

    /* point 3: every run fails: capped at max_runs, nothing judged */
    for (int r = 0; r < 6; r++)
        mb_auto_add_run(a, 2, 0, same);
    assert_int_equal(a->points[2].state, MB_AUTO_CAP);
    assert_true(isnan(a->points[2].width_pct[0]));
    mb_auto_describe(a, 2, line, sizeof(line));
    assert_non_null(strstr(line, "total_time_ms n/a"));
    mb_auto_free(a);
    teardown(&f);

    setup(&f, "name: j\nrepeat: 3\n");
    assert_null(mb_auto_new(f.p)); /* a fixed repeat has no judge */
    teardown(&f);
}

/* One row of a raw.csv for test_auto_read. */
static void put_row(struct mb_results *res, const char *id, const char *vm, int hop,
                    const char *status, const char *total, const char *downtime)
{
    struct mb_error err;
    struct mb_results_row *row = mb_results_row_new(res);
    mb_results_row_set_col(row, MB_COL_RUN_ID, "%s", id);
    mb_results_row_set_col(row, MB_COL_SCENARIO, "r");
    mb_results_row_set_col(row, MB_COL_POINT, "1");
    mb_results_row_set_col(row, MB_COL_REPETITION, "%s", strchr(id, 'r') + 1);
    mb_results_row_set_col(row, MB_COL_VM, "%s", vm);
    mb_results_row_set_col(row, MB_COL_HOST_FROM, "hostA");
    mb_results_row_set_col(row, MB_COL_HOST_TO, "hostB");
    mb_results_row_set_col(row, MB_COL_STRATEGY, "sequential");
    mb_results_row_set_col(row, MB_COL_BATCH, "1");
    mb_results_row_set_col(row, MB_COL_HOP, "%d", hop);
    mb_results_row_set_col(row, MB_COL_STATUS, "%s", status);
    mb_results_row_set_col(row, MB_COL_TOTAL_TIME_MS, "%s", total);
    mb_results_row_set_col(row, MB_COL_DOWNTIME_MS, "%s", downtime);
    if (mb_results_append(res, row, &err) < 0)
        print_error("%s\n", err.msg);
    mb_results_row_free(row);
}

/* The judge reads raw.csv as the runner writes it: a run's value is the mean of its VMs'
 * rows, hop by hop; a run with a row not ok failed; a run id without rows (only_id) is
 * a failed run; rows of another scenario's runs are ignored. */
static void test_auto_read(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, "name: r\nvms: {count: 2}\nmigration: {hops: 2}\nrepeat: auto\n"
              "precision: {max_runs: 4}\n");
    char dir[] = "/tmp/mb-test-plan.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = mb_xasprintf("%s/raw.csv", dir);
    struct mb_results *res;
    struct mb_error err;
    assert_int_equal(mb_results_open(path, NULL, 0, &res, &err), 0);
    char id[4][MB_RESULTS_RUN_ID_SIZE];
    for (unsigned r = 0; r < 4; r++)
        mb_plan_run_id(f.p, &(struct mb_run){0, r + 1}, id[r]);
    put_row(res, id[0], "vm1", 1, "ok", "100", "10");
    put_row(res, id[0], "vm2", 1, "ok", "300", "");
    put_row(res, id[0], "vm1", 2, "ok", "50", "20");
    put_row(res, id[0], "vm2", 2, "ok", "70", "40");
    put_row(res, "0123456789ab-r1", "vm1", 1, "ok", "5", "5"); /* not this plan's */
    put_row(res, id[1], "vm1", 1, "ok", "200", "10");
    put_row(res, id[1], "vm2", 1, "timeout", "", "");
    mb_results_close(res);

    struct mb_auto *a = mb_auto_new(f.p);
    assert_int_equal(mb_auto_read(a, path, NULL, &err), 0);
    const struct mb_auto_point *ap = &a->points[0];
    assert_int_equal(ap->runs, 2);
    assert_int_equal(ap->ok, 1);
    assert_int_equal(ap->nhops, 2);
    /* [hop * 2 + metric]: hop 1 total (100 + 300) / 2, downtime vm1's alone */
    assert_int_equal(ap->samples[0].n, 1);
    assert_float_equal(ap->samples[0].v[0], 200, 0);
    assert_float_equal(ap->samples[1].v[0], 10, 0);
    assert_float_equal(ap->samples[2].v[0], 60, 0);
    assert_float_equal(ap->samples[3].v[0], 30, 0);
    assert_false(mb_auto_done(a, 0));
    /* the third run left no row: failed; the fourth reaches the cap */
    assert_int_equal(mb_auto_read(a, path, id[2], &err), 0);
    assert_int_equal(ap->runs, 3);
    assert_false(mb_auto_done(a, 0));
    assert_int_equal(mb_auto_read(a, path, id[3], &err), 0);
    assert_int_equal(a->points[0].state, MB_AUTO_CAP);
    assert_int_equal(ap->ok, 1);
    mb_auto_free(a);
    unlink(path);
    rmdir(dir);
    free(path);
    teardown(&f);
}

static void test_estimate(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, "name: e\nvms: {memory: [256MiB, 1GiB]}\nrepeat: 1\n"
              "windows: {warmup: 0, baseline: 0, after: 0}\n");
    struct mb_point small, big;
    mb_plan_point(f.p, 0, &small);
    mb_plan_point(f.p, 1, &big);
    double es = mb_plan_estimate_point(&small), eb = mb_plan_estimate_point(&big);
    assert_true(es > 0 && eb > es); /* more memory, longer */
    double total = mb_plan_estimate(f.p);
    assert_true(total > es + eb - 1e-9 && total < es + eb + 1e-9);
    teardown(&f);
}

/* The ETA follows the runs' own estimates: two light runs done at twice their estimate
 * leave two heavy ones, which count at that pace, not as two more light runs. */
static void test_eta_weighs_runs_left(void **state)
{
    (void)state;
    struct mb_progress p;
    mb_progress_init(&p, stdout, MB_PROGRESS_QUIET, 4, 0, 100);
    assert_true(fabs(mb_progress_eta(&p) - 100) < 1e-9);
    for (int i = 0; i < 2; i++) {
        mb_progress_run_start(&p, "light", 10);
        mb_progress_run_end(&p, true, 20, "ok");
    }
    /* 80 s of estimate left at 2x: 160 s, blended 2 : 3 with the 80 s of the estimate */
    assert_true(fabs(mb_progress_eta(&p) - (0.4 * 160 + 0.6 * 80)) < 1e-9);
    /* without estimates: each run left counts as the mean run done (20 s) */
    mb_progress_init(&p, stdout, MB_PROGRESS_QUIET, 4, 0, 100);
    for (int i = 0; i < 2; i++) {
        mb_progress_run_start(&p, "light", 0);
        mb_progress_run_end(&p, true, 20, "ok");
    }
    assert_true(fabs(mb_progress_eta(&p) - (0.4 * 40 + 0.6 * 50)) < 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_point_keys_and_ids),
        cmocka_unit_test(test_zip_advances_together),
        cmocka_unit_test(test_orders),
        cmocka_unit_test(test_auto_plan),
        cmocka_unit_test(test_auto_judge),
        cmocka_unit_test(test_auto_read),
        cmocka_unit_test(test_estimate),
        cmocka_unit_test(test_eta_weighs_runs_left),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
