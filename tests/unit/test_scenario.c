/* test_scenario.c — scenario loading: defaults, factors, zip, plots, and the place and
 * wording of errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"
#include "scenario.h"
#include "validate.h"
#include "workload.h"

static struct mb_scenario *load(const char *text, struct mb_error *err)
{
    mb_error_clear(err);
    return mb_scenario_load_mem("t.yaml", text, strlen(text), err);
}

static void test_defaults(void **state)
{
    (void)state;
    struct mb_error err;
    struct mb_scenario *s = load("name: d\n", &err);
    assert_non_null(s);
    assert_string_equal(s->name, "d");
    assert_string_equal(s->testbed, "lab");
    assert_int_equal(s->repeat, 5);
    assert_int_equal(s->trim, 1); /* auto: 1 when repeat >= 3 */
    assert_int_equal(s->nfactors, 0);
    struct mb_point p;
    mb_scenario_point(s, NULL, &p);
    assert_int_equal(p.vm_count, 1);
    assert_int_equal(p.vm_memory, 512ull << 20);
    assert_string_equal(p.vm_workload, "idle");
    assert_int_equal(p.strategy.kind, MB_STRATEGY_SEQUENTIAL);
    assert_true(p.max_downtime_ms == 300);
    assert_true(p.timeout_ms == 120000);
    assert_true(p.src_cpu_cap == 100);
    assert_true(p.monitor_interval_ms == 500);
    assert_string_equal(p.dst_mode, "release");
    mb_scenario_free(s);

    s = load("name: d\nrepeat: 2\n", &err);
    assert_non_null(s);
    assert_int_equal(s->trim, 0); /* auto: 0 below 3 runs */
    mb_scenario_free(s);
}

static void test_values_and_factors(void **state)
{
    (void)state;
    struct mb_error err;
    struct mb_scenario *s =
        load("name: f\n"
             "vms: {count: 4, memory: [256MiB, 1GiB], workload: dirty}\n"
             "migration: {strategy: [sequential, 'parallel:2', parallel], timeout: 2min,\n"
             "            bandwidth: 100MiB/s, auto_converge: yes}\n"
             "reservation: {source: {cpu_cap: 40%}}\n",
             &err);
    assert_non_null(s);
    assert_int_equal(s->nfactors, 2);
    /* factors in file order */
    assert_string_equal(s->settings[s->factors[0]].opt->key, "vms.memory");
    assert_string_equal(s->settings[s->factors[1]].opt->key, "migration.strategy");
    const struct mb_setting *st = mb_scenario_setting(s, "migration.strategy");
    assert_int_equal(st->nlevels, 3);
    assert_int_equal(st->levels[1].strategy.kind, MB_STRATEGY_PARALLEL);
    assert_int_equal(st->levels[1].strategy.k, 2);
    assert_int_equal(st->levels[2].strategy.k, 0);

    size_t level[64] = {0};
    level[mb_scenario_setting(s, "vms.memory") - s->settings] = 1;
    struct mb_point p;
    mb_scenario_point(s, level, &p);
    assert_int_equal(p.vm_memory, 1ull << 30);
    assert_int_equal(p.vm_count, 4);
    assert_string_equal(p.vm_workload, "dirty");
    assert_true(p.timeout_ms == 120000);
    assert_int_equal(p.bandwidth, 100ull << 20);
    assert_int_equal(p.auto_converge, 1);
    assert_true(p.src_cpu_cap == 40);
    mb_scenario_free(s);
}

static void test_zip_and_plots(void **state)
{
    (void)state;
    struct mb_error err;
    struct mb_scenario *s = load("name: z\n"
                                 "vms: {count: [1, 2, 4]}\n"
                                 "reservation: {destination: {cpu: [0, 1, 2]}}\n"
                                 "migration: {strategy: [sequential, parallel]}\n"
                                 "zip: [[vms.count, reservation.destination.cpu]]\n"
                                 "plots:\n"
                                 "  - {x: vms.count, y: [total_time_ms], series: "
                                 "migration.strategy, kind: real-vs-computed}\n",
                                 &err);
    assert_non_null(s);
    assert_int_equal(s->nzip, 1);
    assert_int_equal(mb_scenario_setting(s, "vms.count")->zip_group, 0);
    assert_int_equal(mb_scenario_setting(s, "reservation.destination.cpu")->zip_group, 0);
    assert_int_equal(mb_scenario_setting(s, "migration.strategy")->zip_group, -1);
    assert_int_equal(s->nplots, 1);
    assert_string_equal(s->plots[0].kind, "real-vs-computed");
    assert_string_equal(s->plots[0].series, "migration.strategy");
    assert_int_equal(s->plots[0].ny, 1);
    mb_scenario_free(s);
}

struct err_case {
    const char *text;
    int line, column;
    const char *contains;
};

static void test_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        {"name: x\nvms:\n  memroy: 1GiB\n", 3, 3, "did you mean 'memory'?"},
        {"name: x\nvms: {count: 0}\n", 2, 14, "too small; the minimum is 1"},
        {"name: x\nvms: {count: 65}\n", 2, 14, "too large; the maximum is 64"},
        {"name: x\nvms: {count: two}\n", 2, 14, "not a whole number"},
        {"name: x\nvms: {memory: [256MiB, {a: 1}]}\n", 2, 24, "a level must be"},
        {"name: x\nmigration: {max_downtime: 5}\n", 2, 27, "a unit is needed"},
        {"name: x\nrepeat: 1\ntrim: 1\n", 3, 7, "leaving none"},
        {"name: x\nrepeat: autoo\n", 2, 9, "expected a whole number or auto"},
        {"name: x\nrepeat: -1\n", 2, 9, "too small; the minimum is 1"},
        {"name: x\nrepeat: auto\nprecision: {target: 0%}\n", 3, 21, "never reached"},
        {"name: x\nrepeat: auto\nprecision.target: 100.5%\n", 3, 19, "the maximum is 100%"},
        {"name: x\nrepeat: auto\nprecision: {max_runs: 5, min_runs: 6}\n", 3, 23,
         "below precision.min_runs 6"},
        {"name: x\nrepeat: auto\nprecision: {min_runs: 11}\n", 3, 23, "max_runs 10 is below"},
        {"name: x\nrepeat: auto\ntrim: 2\n", 3, 7, "may stop a point after precision.min_runs 3"},
        {"name: x\nrepeat: 3\nprecision: {max_runs: 5}\n", 3, 23, "applies to 'repeat: auto' only"},
        {"name: x\nplots: [{x: vms.count, y: total_time_ms}]\n", 2, 13, "not a factor"},
        {"name: x\nvms: {count: [1,2]}\nplots: [{x: vms.count, colour: red, y: a}]\n", 3, 24,
         "unknown key 'colour'"},
        {"name: x\nvms: {count: [1,2]}\nplots: [{x: vms.count}]\n", 3, 9, "needs x"},
        {"name: x\nmigration: {from: a, to: [b, a]}\n", 2, 26, "source host too"},
        {"name: x\n  bad indent: 1\n", 1, 7, "invalid YAML"},
        {"[1, 2", 0, 0, "invalid YAML"},
        {"name: x\n? [a, b]\n: 1\n", 2, 3, "a mapping key must be a plain name"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_error err;
        struct mb_scenario *s = load(cases[i].text, &err);
        if (s) {
            print_error("case %zu loaded but should fail\n", i);
            mb_scenario_free(s);
            fail();
        }
        assert_int_equal(err.status, MB_EINPUT);
        assert_string_equal(err.file, "t.yaml");
        if (cases[i].line) {
            if (err.line != cases[i].line || err.column != cases[i].column)
                print_error("case %zu: at %d:%d: %s\n", i, err.line, err.column, err.msg);
            assert_int_equal(err.line, cases[i].line);
            assert_int_equal(err.column, cases[i].column);
        } else {
            assert_true(err.line >= 1 && err.column >= 1);
        }
        if (!strstr(err.msg, cases[i].contains))
            print_error("case %zu: message '%s' lacks '%s'\n", i, err.msg, cases[i].contains);
        assert_non_null(strstr(err.msg, cases[i].contains));
    }
}

/* repeat: auto holds the cap in repeat, trims 1 by default, and takes the precision.*
 * keys nested or dotted. */
static void test_repeat_auto(void **state)
{
    (void)state;
    struct mb_error err;
    struct mb_scenario *s = load("name: a\nrepeat: auto\n", &err);
    assert_non_null(s);
    assert_true(s->repeat_auto);
    assert_int_equal(s->repeat, 10);
    assert_int_equal(s->min_runs, 3);
    assert_int_equal(s->max_runs, 10);
    assert_true(s->precision_pct == 10);
    assert_int_equal(s->trim, 1);
    mb_scenario_free(s);

    s = load("name: a\nrepeat: auto\nprecision.target: 2.5%\nprecision:\n  min_runs: 5\n"
             "  max_runs: 5\ntrim: 2\n",
             &err);
    if (!s)
        print_error("%s\n", err.msg);
    assert_non_null(s);
    assert_int_equal(s->repeat, 5);
    assert_true(s->precision_pct == 2.5);
    assert_int_equal(s->trim, 2);
    mb_scenario_free(s);

    s = load("name: a\nrepeat: 7\n", &err);
    assert_non_null(s);
    assert_false(s->repeat_auto);
    assert_int_equal(s->repeat, 7);
    mb_scenario_free(s);
}

/* Every prefix of a valid scenario either loads or fails cleanly (no crash, no leak
 * under the sanitizers): truncated files are common. */
static void test_truncations(void **state)
{
    (void)state;
    static const char text[] = "name: t\nvms: {count: [1, 2], memory: 512MiB}\n"
                               "migration: {strategy: [sequential, parallel]}\n"
                               "plots:\n  - {x: vms.count, y: [total_time_ms, downtime_ms]}\n";
    for (size_t n = 0; n < sizeof(text) - 1; n++) {
        struct mb_error err;
        mb_error_clear(&err);
        struct mb_scenario *s = mb_scenario_load_mem("t.yaml", text, n, &err);
        if (!s)
            assert_int_equal(err.status, MB_EINPUT);
        mb_scenario_free(s);
    }
}

/* Bug found by the fuzzer: libfyaml's collected diagnostics leaked on every
 * invalid document.  Under `make asan` LeakSanitizer fails this test if it returns. */
static void test_invalid_yaml_does_not_leak(void **state)
{
    (void)state;
    struct mb_error err;
    assert_null(load("name: x\nvms: {count: [1, 2}\n", &err));
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 19);
    assert_non_null(strstr(err.msg, "invalid YAML: mismatched flow mapping end"));
}

/* Every workload driver's name is a value of vms.workload (the option table lists them
 * by hand, next to the runner's own loads). */
static void test_every_driver_is_a_workload(void **state)
{
    (void)state;
    for (size_t i = 0; mb_wl_drivers[i]; i++) {
        char text[128];
        snprintf(text, sizeof(text), "name: w\nvms: {workload: %s}\n", mb_wl_drivers[i]->name);
        struct mb_error err;
        struct mb_scenario *s = load(text, &err);
        if (!s)
            print_error("%s: %s\n", mb_wl_drivers[i]->name, err.msg);
        assert_non_null(s);
        mb_scenario_free(s);
    }
}

/* Every point checked as the runner needs it (validate.c), without a testbed: the error
 * names the value at fault, a factor's level when the level is. */
static void test_points_checked(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int line, column; /* 0: accepted */
        const char *contains;
    } cases[] = {
        {"name: x\nvms: {memory: 128MiB, workload: jbb}\nworkload: {jbb: {heap: 96MiB}}\n", 0, 0,
         NULL},
        {"name: x\nvms: {memory: 128MiB, workload: jbb}\nworkload: {jbb: {heap: 120MiB}}\n", 3, 24,
         "workload.jbb.heap 120 MiB does not fit in vms.memory 128 MiB: leave at least 32 MiB"},
        /* the heap at its default (128MiB): the memory is at fault, at its level */
        {"name: x\nvms: {memory: [1GiB, 128MiB], workload: jbb}\n", 2, 22, "vms.memory 128 MiB"},
        {"name: x\nvms: {workload: [idle, jbb]}\nworkload: {jbb: {warehouses: 9}}\n", 3, 30,
         "cannot hold 9 warehouses"},
        {"name: x\ncolocation: {workload: iozone}\nworkload: {iozone: {dir: rel}}\n", 3, 26,
         "the resident (colocation.workload): workload.iozone.dir: 'rel'"},
        {"name: x\nplacement: {hosts: \"hostB=idle,hostC=web\", policy: random}\n"
         "workload: {web: {port: 7777}}\n",
         3, 24, "the resident on hostC (placement.hosts): workload.web.port"},
        {"name: x\nvms: {count: [1, 64]}\ncolocation: {workload: idle}\n", 2, 18,
         "make 65 VMs in a run"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_error err;
        mb_error_clear(&err);
        struct mb_scenario *s = load(cases[i].text, &err);
        if (!s)
            fail_msg("case %zu: not loaded: %s", i, err.msg);
        int rc = mb_validate_scenario(s, NULL, &err);
        if (!cases[i].line && rc)
            fail_msg("case %zu: refused: %s", i, err.msg);
        if (cases[i].line && (rc != MB_EINPUT || err.line != cases[i].line ||
                              err.column != cases[i].column || !strstr(err.msg, cases[i].contains)))
            fail_msg("case %zu: rc %d at %d:%d '%s'; want %d:%d '%s'", i, rc, err.line, err.column,
                     err.msg, cases[i].line, cases[i].column, cases[i].contains);
        mb_scenario_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values_and_factors),
        cmocka_unit_test(test_zip_and_plots),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_repeat_auto),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_invalid_yaml_does_not_leak),
        cmocka_unit_test(test_every_driver_is_a_workload),
        cmocka_unit_test(test_points_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
