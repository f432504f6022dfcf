/* test_profile.c — profiles (profile.h): the hosts paper2011 makes of machines of each
 * size, and a scenario's `profile` key: the defaults it sets where the file does not,
 * what the file sets itself, and malformed values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metadata.h"
#include "options.h"
#include "profile.h"
#include "scenario.h"

static struct mb_scenario *load(const char *text, struct mb_error *err)
{
    mb_error_clear(err);
    return mb_scenario_load_mem("t.yaml", text, strlen(text), err);
}

/* The level text of key's first level. */
static const char *value_of(const struct mb_scenario *s, const char *key)
{
    const struct mb_setting *st = mb_scenario_setting(s, key);
    assert_non_null(st);
    return st->levels[0].text;
}

static void test_hosts_by_machine(void **state)
{
    (void)state;
    static const struct {
        long ncpu;
        const char *cpus, *cpu_max; /* NULL: refused */
    } cases[] = {
        {1, NULL, NULL},
        {2, "0:1", "50%:100%"},
        {3, "0:1-2", "100%:100%"},
        {4, "0:1-2", "100%:100%"}, /* CPU 3 left to the harness and the load client */
        {6, "0-1:2-5", "100%:100%"},
        {12, "0-3:4-11", "100%:100%"}, /* the paper's 4 and 8 cores */
        {13, "0-3:4-11", "100%:100%"},
    };
    const struct mb_profile *p = mb_profile_find("paper2011");
    assert_non_null(p);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char cpus[64] = "", cpu_max[64] = "";
        struct mb_error err;
        mb_error_clear(&err);
        int rc =
            mb_profile_hosts(p, cases[i].ncpu, cpus, sizeof(cpus), cpu_max, sizeof(cpu_max), &err);
        if (!cases[i].cpus) {
            assert_int_equal(rc, MB_EINPUT);
            assert_non_null(strstr(err.msg, "need 2 CPUs, this machine has 1"));
            continue;
        }
        assert_int_equal(rc, 0);
        assert_string_equal(cpus, cases[i].cpus);
        assert_string_equal(cpu_max, cases[i].cpu_max);
    }
}

/* The scenario key's choices are "none" and the table's names; unknown names are NULL. */
static void test_names(void **state)
{
    (void)state;
    char list[256];
    mb_profile_list(list, sizeof(list));
    size_t n = 0;
    assert_string_equal(mb_profile_choices[0], "none");
    for (const char *const *c = mb_profile_choices + 1; *c; c++, n++) {
        const struct mb_profile *p = mb_profile_find(*c);
        assert_non_null(p);
        assert_string_equal(p->name, *c);
        assert_non_null(strstr(list, *c));
    }
    assert_true(n >= 1);
    assert_null(mb_profile_find("none"));
    assert_null(mb_profile_find("paper2012"));
    assert_null(mb_profile_find(NULL));
    const struct mb_option *o = mb_option_find("profile");
    assert_non_null(o);
    assert_true(o->values == mb_profile_choices);
}

/* Every default of every profile is a per-run key, parses as one, and the key's help
 * names it with its value (so the documentation cannot drift from the table). */
static void test_defaults_documented(void **state)
{
    (void)state;
    const struct mb_option *o = mb_option_find("profile");
    for (const char *const *c = mb_profile_choices + 1; *c; c++) {
        const struct mb_profile *p = mb_profile_find(*c);
        char text[256];
        snprintf(text, sizeof(text), "name: x\nprofile: %s\n", p->name);
        struct mb_error err;
        struct mb_scenario *s = load(text, &err);
        if (!s)
            fail_msg("%s: %s", p->name, err.msg);
        size_t n = 0;
        for (const struct mb_profile_default *d = p->defaults; d->key; d++, n++) {
            const struct mb_option *k = mb_option_find(d->key);
            assert_non_null(k);
            assert_int_equal(k->scope, MB_SCOPE_POINT);
            assert_string_equal(value_of(s, d->key), d->value);
            char phrase[128];
            snprintf(phrase, sizeof(phrase), "%s %s", d->key, d->value);
            if (!strstr(o->help, phrase))
                fail_msg("the help of 'profile' does not say '%s'", phrase);
        }
        assert_int_equal(s->nprofile_keys, n);
        mb_scenario_free(s);
    }
}

static void test_scenario_defaults(void **state)
{
    (void)state;
    struct mb_error err;
    /* without a profile: the table's defaults */
    struct mb_scenario *s = load("name: x\n", &err);
    assert_non_null(s);
    assert_string_equal(s->profile, "none");
    assert_int_equal(s->nprofile_keys, 0);
    assert_string_equal(value_of(s, "migration.zero_pages"), "detect");
    assert_string_equal(value_of(s, "migration.convergence"), "qemu");
    mb_scenario_free(s);

    /* with it: the profile's, except where the file says otherwise (a factor included) */
    s = load("name: x\n"
             "migration: {zero_pages: detect}\n"
             "probe: {interval: [0, 10ms]}\n"
             "profile: paper2011\n",
             &err);
    if (!s)
        fail_msg("%s", err.msg);
    assert_string_equal(s->profile, "paper2011");
    assert_int_equal(s->profile_line, 4);
    assert_int_equal(s->profile_column, 10);
    assert_string_equal(value_of(s, "migration.zero_pages"), "detect");
    assert_string_equal(value_of(s, "migration.convergence"), "xen33");
    const struct mb_setting *probe = mb_scenario_setting(s, "probe.interval");
    assert_int_equal(probe->nlevels, 2);
    assert_true(probe->is_factor);
    for (size_t i = 0; i < s->nprofile_keys; i++) {
        assert_string_not_equal(s->profile_keys[i], "migration.zero_pages");
        assert_string_not_equal(s->profile_keys[i], "probe.interval");
    }
    struct mb_point pt;
    mb_scenario_point(s, NULL, &pt);
    assert_string_equal(pt.convergence, "xen33");
    assert_string_equal(pt.zero_pages, "detect");

    /* metadata.json's record of it: the profile and the values it set */
    struct mb_buf b = {0};
    mb_meta_profile_json(&b, s);
    assert_non_null(strstr(b.data, "\"scenario_profile\": {\"name\": \"paper2011\""));
    assert_non_null(strstr(b.data, "\"migration.convergence\": \"xen33\""));
    assert_null(strstr(b.data, "zero_pages"));
    mb_buf_free(&b);
    mb_scenario_free(s);

    /* a value the profile sets is checked with the file's: the checker in half the memory */
    s = load("name: x\nprofile: paper2011\nvms: {memory: 64MiB}\nintegrity: {memory: 48MiB}\n",
             &err);
    assert_null(s);
    assert_int_equal(err.line, 4);
}

static void test_scenario_bad(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int line, column;
        const char *contains;
    } cases[] = {
        {"name: x\nprofile: paper2012\n", 2, 10,
         "profile: 'paper2012' is not one of: none, paper2011 — did you mean 'paper2011'?"},
        {"name: x\nprofile: [paper2011, none]\n", 2, 10,
         "profile: expected one of: none, paper2011, got a list"},
        {"name: x\nprofile: {name: paper2011}\n", 2, 10, "got a mapping"},
        {"name: x\nprofile: 2011\n", 2, 10, "'2011' is not one of: none, paper2011"},
        {"name: x\nvms: {profile: paper2011}\n", 2, 7, "unknown key 'profile' in vms"},
        {"name: x\nprofil: paper2011\n", 2, 1, "did you mean 'profile'?"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_error err;
        struct mb_scenario *s = load(cases[i].text, &err);
        if (s || err.line != cases[i].line || err.column != cases[i].column ||
            !strstr(err.msg, cases[i].contains))
            fail_msg("case %zu: %d:%d: %s", i, err.line, err.column, err.msg);
        assert_int_equal(err.status, MB_EINPUT);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hosts_by_machine),    cmocka_unit_test(test_names),
        cmocka_unit_test(test_defaults_documented), cmocka_unit_test(test_scenario_defaults),
        cmocka_unit_test(test_scenario_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
