/* test_lab.c — `lab up` options as the environment lab/up gets: host CPU bandwidth
 * (--host-cpu-max) and the link between the hosts (--link-rate), good and malformed, on
 * the command line and in --config files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lab.h"
#include "profile.h"

/* Split line into words (no quoting: the cases need none). */
static int split_words(char *line, char **argv, int max)
{
    int n = 0;
    for (char *save = NULL, *w = strtok_r(line, " ", &save); w && n < max - 1;
         w = strtok_r(NULL, " ", &save))
        argv[n++] = w;
    argv[n] = NULL;
    return n;
}

/* The environment `lab up --qemu /bin/true ARGS` gives lab/up, or NULL with err. */
static char **up_env(const char *args, struct mb_error *err)
{
    char line[512], *argv[32];
    snprintf(line, sizeof(line), "up --qemu /bin/true %s", args);
    int argc = split_words(line, argv, 32);
    mb_error_clear(err);
    return mb_lab_up_env(argc, argv, err);
}

/* The value of NAME in env, or NULL. */
static const char *env_get(char **env, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; env[i]; i++)
        if (!strncmp(env[i], name, n) && env[i][n] == '=')
            return env[i] + n + 1;
    return NULL;
}

static void test_lab_up_good(void **state)
{
    (void)state;
    static const struct {
        const char *args;
        const char *cpu_max0, *cpu_max1, *link; /* NULL = not set */
    } cases[] = {
        /* the paper's 4 : 8 as 1 : 2 on two cores */
        {"--host-cpus 0:1 --host-cpu-max 50%:100% --link-rate 200Mbit", "50000 100000",
         "100000 100000", "200000000"},
        {"--host-cpus 0-3 --host-cpu-max 25%", "100000 100000", "100000 100000", NULL},
        {"--host-cpus 0-1 --host-cpu-max hostB=12.5%", NULL, "25000 100000", NULL},
        {"--host-cpus 0:1 --host-cpu-max 0:50%", NULL, "50000 100000", NULL},
        {"--link-rate 1.5Gbit", NULL, NULL, "1500000000"},
        {"--link-rate 1Gbit --link-rate 0", NULL, NULL, NULL}, /* the last one counts */
        {"", NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_error err;
        char **env = up_env(cases[i].args, &err);
        if (!env)
            print_error("case %zu: %s\n", i, err.msg);
        assert_non_null(env);
        const char *want[] = {cases[i].cpu_max0, cases[i].cpu_max1, cases[i].link};
        const char *got[] = {env_get(env, "MB_LAB_CPU_MAX_0"), env_get(env, "MB_LAB_CPU_MAX_1"),
                             env_get(env, "MB_LAB_LINK_RATE")};
        for (int k = 0; k < 3; k++) {
            if (!want[k])
                assert_null(got[k]);
            else
                assert_string_equal(got[k] ? got[k] : "(unset)", want[k]);
        }
        assert_string_equal(env_get(env, "MB_LAB_NAME"), "lab");
        mb_lab_env_free(env);
    }
    mb_lab_env_free(NULL);
}

static void test_lab_up_bad(void **state)
{
    (void)state;
    static const struct {
        const char *args, *contains;
    } cases[] = {
        {"--link-rate 200", "--link-rate: '200': a unit is needed"},
        {"--link-rate 200mbit", "did you mean 'Mbit'?"},
        {"--link-rate 200MB/s", "unknown unit"},
        {"--link-rate fast", "not a number"},
        {"--link-rate -1Gbit", "a negative value"},
        {"--link-rate 500kbit", "outside 1Mbit..100Gbit"},
        {"--link-rate 1000Gbit", "outside 1Mbit..100Gbit"},
        {"--host-cpu-max 150%",
         "'150%' (hostA) is not a share like 50% (0 = no cap, at most 100%)"},
        {"--host-cpu-max 50", "'50' (hostA) is not a share like 50%"},
        {"--host-cpu-max 50%:half", "'half' (hostB) is not a share"},
        {"--host-cpu-max 50%::", "--host-cpu-max: empty value for hostB"},
        {"--host-cpu-max hostC=50%", "a value for hostC, but --hosts is 2"},
        {"--host-cpu-max hostz=50%", "'hostz' is not a host name"},
        {"--host-cpus 0 --host-cpu-max 0.5%", "0.5% of 1 CPU (hostA) is less than 1% of a CPU"},
        {"--host-cpu-max", "option '--host-cpu-max' needs a value (SPEC)"},
        {"--boot-timeout soon", "--boot-timeout: expected a duration from 1s to 86400s"},
        {"--boot-timeout 500ms", "not '500ms'"},
        {"--boot-timeout 2d", "not '2d'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_error err;
        char **env = up_env(cases[i].args, &err);
        if (env || !strstr(err.msg, cases[i].contains))
            print_error("case %zu (%s): got '%s'\n", i, cases[i].args, err.msg);
        assert_null(env);
        assert_int_equal(err.status, MB_EINPUT);
        assert_non_null(strstr(err.msg, cases[i].contains));
    }
}

/* --profile paper2011: the hosts mb_profile_hosts makes of this machine and the profile's
 * link, each replaced by its own option when that is given too; the name for lab.env. */
static void test_lab_up_profile(void **state)
{
    (void)state;
    char cpus[64], cpu_max[64];
    struct mb_error err;
    const struct mb_profile *p = mb_profile_find("paper2011");
    assert_non_null(p);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (mb_profile_hosts(p, ncpu, cpus, sizeof(cpus), cpu_max, sizeof(cpu_max), &err) < 0) {
        /* a one-CPU machine: refused unless the hosts are given */
        assert_null(up_env("--profile paper2011", &err));
        assert_non_null(strstr(err.msg, "disjoint CPUs need 2 CPUs"));
        return;
    }
    /* lab/up's MB_LAB_CPUS_0/1 and MB_LAB_CPU_MAX_0/1 for "--host-cpus C --host-cpu-max M" */
    char args[256];
    snprintf(args, sizeof(args), "--host-cpus %s --host-cpu-max %s --link-rate %s", cpus, cpu_max,
             p->link_rate);
    char **want = up_env(args, &err);
    assert_non_null(want);
    char **env = up_env("--profile paper2011", &err);
    assert_non_null(env);
    static const char *const vars[] = {"MB_LAB_CPUS_0", "MB_LAB_CPUS_1", "MB_LAB_CPU_MAX_0",
                                       "MB_LAB_CPU_MAX_1", "MB_LAB_LINK_RATE"};
    for (size_t k = 0; k < sizeof(vars) / sizeof(vars[0]); k++) {
        assert_non_null(env_get(want, vars[k]));
        assert_string_equal(env_get(env, vars[k]), env_get(want, vars[k]));
    }
    assert_string_equal(env_get(env, "MB_LAB_PROFILE"), "paper2011");
    assert_null(env_get(want, "MB_LAB_PROFILE"));
    mb_lab_env_free(env);
    /* the options given win, one by one */
    env = up_env("--profile paper2011 --link-rate 200Mbit --host-cpu-max 25%:100%", &err);
    assert_non_null(env);
    assert_string_equal(env_get(env, "MB_LAB_LINK_RATE"), "200000000");
    assert_string_equal(env_get(env, "MB_LAB_CPUS_0"), env_get(want, "MB_LAB_CPUS_0"));
    assert_string_equal(env_get(env, "MB_LAB_CPU_MAX_1"), env_get(want, "MB_LAB_CPU_MAX_1"));
    assert_string_not_equal(env_get(env, "MB_LAB_CPU_MAX_0"), env_get(want, "MB_LAB_CPU_MAX_0"));
    mb_lab_env_free(env);
    env = up_env("--link-rate 0 --profile paper2011", &err); /* unshaped, explicitly */
    assert_non_null(env);
    assert_null(env_get(env, "MB_LAB_LINK_RATE"));
    mb_lab_env_free(env);
    env = up_env("--profile paper2011 --profile none", &err); /* the last one counts */
    assert_non_null(env);
    assert_null(env_get(env, "MB_LAB_PROFILE"));
    assert_null(env_get(env, "MB_LAB_LINK_RATE"));
    mb_lab_env_free(env);
    mb_lab_env_free(want);
}

static void test_lab_up_profile_bad(void **state)
{
    (void)state;
    static const struct {
        const char *args, *contains;
    } cases[] = {
        {"--profile paper2012", "--profile: unknown profile 'paper2012' (known: paper2011, none)"},
        {"--profile PAPER2011", "unknown profile 'PAPER2011'"},
        {"--profile", "option '--profile' needs a value (NAME)"},
        {"--profile paper2011 --host-cpus 0:x", "--host-cpus: '0:x'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_error err;
        char **env = up_env(cases[i].args, &err);
        if (env || !strstr(err.msg, cases[i].contains))
            print_error("case %zu (%s): got '%s'\n", i, cases[i].args, err.msg);
        assert_null(env);
        assert_int_equal(err.status, MB_EINPUT);
    }
}

/* the same options from a --config file: errors name file:line:column */
static void test_lab_up_config(void **state)
{
    (void)state;
    char path[] = "/tmp/mb-test-lab-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "# a small machine\nhost-cpus = 0:1\nhost-cpu-max = 50%:100%\n"
                               "link-rate = 100Mbit\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    char args[128];
    snprintf(args, sizeof(args), "--config %s", path);
    struct mb_error err;
    char **env = up_env(args, &err);
    assert_non_null(env);
    assert_string_equal(env_get(env, "MB_LAB_CPU_MAX_0"), "50000 100000");
    assert_string_equal(env_get(env, "MB_LAB_LINK_RATE"), "100000000");
    mb_lab_env_free(env);

    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("host-cpus = 0:1\nlink-rate = 100Mbps\n", f);
    fclose(f);
    assert_null(up_env(args, &err));
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 13);
    assert_non_null(strstr(err.msg, "--link-rate: '100Mbps': unknown unit"));

    f = fopen(path, "w");
    assert_non_null(f);
    fputs("# the paper's testbed\nprofile = paper2012\n", f);
    fclose(f);
    assert_null(up_env(args, &err));
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 11);
    assert_non_null(strstr(err.msg, "unknown profile 'paper2012'"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lab_up_good),        cmocka_unit_test(test_lab_up_bad),
        cmocka_unit_test(test_lab_up_config),      cmocka_unit_test(test_lab_up_profile),
        cmocka_unit_test(test_lab_up_profile_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
