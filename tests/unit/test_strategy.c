/* test_strategy.c — the adaptive strategy's model: fit, choice, and learning from a
 * results directory. */
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

#include "strategy.h"

static void test_fit(void **state)
{
    (void)state;
    struct mb_strategy_model m;
    struct mb_error err;
    /* alpha 1.5: 3 VMs on 1 CPU run at 2x (3 / (1.5 * 1)), 6 on 2 CPUs at 2x too */
    struct mb_strategy_obs obs[] = {
        {3, 1, 2000, 1000},       {6, 2, 2000, 1000},
        {4, 1, 8000 / 3.0, 1000}, {2, 4, 1010, 1000}, /* no slow-down: only a lower bound */
        {1, 1, 1000, 1000},                           /* one VM: ignored */
    };
    assert_int_equal(mb_strategy_fit(obs, 5, &m, &err), 0);
    assert_true(fabs(m.alpha - 1.5) < 1e-9);
    assert_int_equal(m.samples, 3);

    /* never slowed down: alpha is at least the largest load seen */
    struct mb_strategy_obs fast[] = {{2, 2, 1000, 1000}, {8, 2, 1020, 1000}};
    assert_int_equal(mb_strategy_fit(fast, 2, &m, &err), 0);
    assert_true(fabs(m.alpha - 4) < 1e-9);
    assert_int_equal(m.samples, 0);

    struct mb_strategy_obs none[] = {{1, 1, 1000, 1000}};
    assert_int_equal(mb_strategy_fit(none, 1, &m, &err), MB_EINPUT);
    assert_int_equal(mb_strategy_fit(NULL, 0, &m, &err), MB_EINPUT);
}

struct choice {
    double alpha, cpus;
    int n, want;
};

static void test_choose(void **state)
{
    (void)state;
    static const struct choice cases[] = {
        {1.0, 1, 4, 1}, /* one CPU, one migration at a time: sequential */
        {1.0, 2, 4, 2}, /* two CPUs: two at a time */
        {2.0, 2, 4, 4}, /* a rich source: all at once */
        {2.0, 2, 8, 4}, /* ... but no more than it sustains */
        {1.5, 1, 4, 2}, /* worked out below */
        {0.0, 2, 8, 2}, /* no model: one per free CPU */
        {1.0, 8, 3, 3}, /* never more than the VMs */
        {1.0, 0.3, 4, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_strategy_model m = {.alpha = cases[i].alpha};
        int k = mb_strategy_choose(&m, cases[i].n, cases[i].cpus);
        /* the choice minimises the model's prediction */
        for (int j = 1; j <= cases[i].n; j++)
            assert_true(mb_strategy_predict(&m, cases[i].n, k, cases[i].cpus) <=
                        mb_strategy_predict(&m, cases[i].n, j, cases[i].cpus) + 1e-9);
        assert_int_equal(k, cases[i].want);
    }
    struct mb_strategy_model m = {.alpha = 1.5};
    /* the case above, worked: K=1 -> 4; K=2 -> 2 * 2/1.5 = 2.67; K=4 -> 1 * 4/1.5 = 2.67 */
    assert_true(fabs(mb_strategy_predict(&m, 4, 1, 1) - 4) < 1e-9);
    assert_true(fabs(mb_strategy_predict(&m, 4, 2, 1) - 8 / 3.0) < 1e-9);
    assert_int_equal(mb_strategy_choose(&m, 4, 1), 2); /* ties go to the smaller K */
}

static char dir[64];

static void write_file(const char *name, const char *text)
{
    char p[160];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char header[] =
    "run_id,scenario,point,repetition,vm,host_from,host_to,strategy,batch,hop,status,"
    "f.vms.count,batch_makespan_ms,wall_time_ms\n";

static void test_learn(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/mb-strategy-XXXXXX");
    assert_non_null(mkdtemp(dir));
    write_file("metadata.json", "{\"hosts\": [{\"name\": \"hostA\", \"cpus_allowed\": \"0\"},"
                                " {\"name\": \"hostB\", \"cpus_allowed\": \"0-1\"}]}\n");
    /* one VM alone: 1000 ms; 2 at once on hostA (1 CPU): 2000 ms -> alpha = 2/(1*2) = 1;
     * a failed run and a sequential run are not learnt from */
    char csv[2048];
    snprintf(csv, sizeof(csv),
             "%s"
             "a-r1,s,1,1,vm1,hostA,hostB,parallel,1,1,ok,1,1000,1000\n"
             "b-r1,s,2,1,vm1,hostA,hostB,parallel,1,1,ok,2,2000,1900\n"
             "b-r1,s,2,1,vm2,hostA,hostB,parallel,1,1,ok,2,2000,1950\n"
             "c-r1,s,3,1,vm1,hostA,hostB,parallel,1,1,failed,2,9000,\n"
             "c-r1,s,3,1,vm2,hostA,hostB,parallel,1,1,ok,2,9000,9000\n"
             "d-r1,s,4,1,vm1,hostA,hostB,sequential,1,1,ok,2,5000,2500\n"
             "d-r1,s,4,1,vm2,hostA,hostB,sequential,2,1,ok,2,5000,2500\n",
             header);
    write_file("raw.csv", csv);
    struct mb_strategy_model m;
    struct mb_error err;
    mb_error_clear(&err);
    const char *paths[] = {dir};
    int rc = mb_strategy_learn(paths, 1, &m, &err);
    if (rc)
        print_error("%s:%d: %s\n", err.file, err.line, err.msg);
    assert_int_equal(rc, 0);
    assert_true(fabs(m.alpha - 1.0) < 1e-9);
    assert_int_equal(m.samples, 1);
    /* the batches it saw: (1 VM, K 1), (2 VMs at once) and (2 VMs one by one) on hostA's
     * one CPU; the failed run is not among them */
    assert_int_equal(m.nseen, 3);
    int hist = 0;
    assert_int_equal(mb_strategy_decide(&m, 2, 1, 1.0, &hist), 2); /* 2000 ms beat 5000 */
    assert_int_equal(hist, 1);
    /* a source busier than it was then: the model decides (alpha 1, 0.5 free CPUs) */
    assert_int_equal(mb_strategy_decide(&m, 2, 1, 0.5, &hist), 1);
    assert_int_equal(hist, 0);

    /* only batches, migrated two ways, and no run of one VM: decided from them alone */
    snprintf(csv, sizeof(csv),
             "%sb-r1,s,2,1,vm1,hostB,hostA,parallel:2,1,1,ok,2,3000,2900\n"
             "b-r1,s,2,1,vm2,hostB,hostA,parallel:2,1,1,ok,2,3000,2950\n"
             "e-r1,s,5,1,vm1,hostB,hostA,adaptive:1,1,1,ok,2,2400,1200\n"
             "e-r1,s,5,1,vm2,hostB,hostA,adaptive:1,2,1,ok,2,2400,1200\n",
             header);
    write_file("raw.csv", csv);
    rc = mb_strategy_learn(paths, 1, &m, &err);
    if (rc)
        print_error("%s:%d: %s\n", err.file, err.line, err.msg);
    assert_int_equal(rc, 0);
    assert_true(m.alpha == 0);
    assert_int_equal(mb_strategy_decide(&m, 2, 2, 2.0, &hist), 1);
    assert_int_equal(hist, 1);
    assert_int_equal(mb_strategy_decide(&m, 3, 2, 2.0, &hist), /* unseen n: the model's */
                     mb_strategy_choose(&m, 3, 2.0));
    assert_int_equal(hist, 0);

    /* no single-VM run on that source: refused, with a reason */
    snprintf(csv, sizeof(csv),
             "%sb-r1,s,2,1,vm1,hostA,hostB,parallel,1,1,ok,2,2000,1900\n"
             "b-r1,s,2,1,vm2,hostA,hostB,parallel,1,1,ok,2,2000,1950\n",
             header);
    write_file("raw.csv", csv);
    assert_int_equal(mb_strategy_learn(paths, 1, &m, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "runs of one VM"));

    /* a directory without results */
    const char *nowhere[] = {"/nonexistent-mb-dir"};
    assert_int_equal(mb_strategy_learn(nowhere, 1, &m, &err), MB_EINPUT);

    char p[160];
    snprintf(p, sizeof(p), "%s/raw.csv", dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/metadata.json", dir);
    unlink(p);
    rmdir(dir);
}

static void test_decide(void **state)
{
    (void)state;
    struct mb_strategy_model m = {.alpha = 1.0};
    int hist = -1;
    /* nothing seen: the model (alpha 1, one CPU: sequential) */
    assert_int_equal(mb_strategy_decide(&m, 4, 1, 1.0, &hist), 1);
    assert_int_equal(hist, 0);
    mb_strategy_see(&m, 4, 4, 1, 3600);
    /* one K seen is no comparison */
    assert_int_equal(mb_strategy_decide(&m, 4, 1, 1.0, &hist), 1);
    assert_int_equal(hist, 0);
    mb_strategy_see(&m, 4, 1, 1, 8100);
    mb_strategy_see(&m, 4, 2, 1, 4000);
    mb_strategy_see(&m, 4, 2, 1, 4800); /* mean 4400 */
    assert_int_equal(mb_strategy_decide(&m, 4, 1, 1.0, &hist), 4);
    assert_int_equal(hist, 1);
    assert_int_equal(mb_strategy_decide(&m, 4, 1, 0.8, NULL), 4);
    /* less than 3/4 of the CPUs free, another size, another source: the model */
    assert_int_equal(mb_strategy_decide(&m, 4, 1, 0.7, &hist), 1);
    assert_int_equal(hist, 0);
    assert_int_equal(mb_strategy_decide(&m, 3, 1, 1.0, &hist), 1);
    assert_int_equal(mb_strategy_decide(&m, 4, 2, 2.0, &hist), 2);
    assert_int_equal(hist, 0);
    /* ties go to the smaller K */
    mb_strategy_see(&m, 4, 3, 1, 3600);
    assert_int_equal(mb_strategy_decide(&m, 4, 1, 1.0, NULL), 3);
    /* nonsense is not recorded */
    size_t before = m.nseen;
    mb_strategy_see(&m, 4, 5, 1, 100);
    mb_strategy_see(&m, 4, 0, 1, 100);
    mb_strategy_see(&m, 4, 2, 0, 100);
    mb_strategy_see(&m, 4, 2, 1, NAN);
    mb_strategy_see(&m, 4, 2, 1, -5);
    mb_strategy_see(NULL, 4, 2, 1, 5);
    assert_int_equal(m.nseen, before);
    /* the table is bounded */
    for (int n = 1; n <= 2 * MB_STRATEGY_MAX_SEEN; n++)
        mb_strategy_see(&m, n + 10, 1, 1, 1000);
    assert_int_equal(m.nseen, MB_STRATEGY_MAX_SEEN);
    assert_int_equal(mb_strategy_decide(NULL, 4, 1, 1.0, &hist), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_choose),
        cmocka_unit_test(test_learn),
        cmocka_unit_test(test_decide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
