/* test_cgroup.c — the host's cgroup (cgroup.h) against fake trees of cgroup v1, v2 and a
 * hybrid of both in a temporary directory: the layout, a PID's cgroup per resource
 * (including a lab host's PID 1 in a leaf below its cgroup namespace's root), what the
 * files say, and malformed files (empty, garbage, "max", a controller missing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cgroup.h"

static char tmpdir[256], cgroot[320], procroot[320];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/mb-test-cgroup.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(cgroot, sizeof(cgroot), "%s/cgroup", tmpdir);
    snprintf(procroot, sizeof(procroot), "%s/proc", tmpdir);
    return mkdir(cgroot, 0755) || mkdir(procroot, 0755);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) ? -1 : 0;
}

/* write text to <base>/<rel>, making its directories */
static void put(const char *base, const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", base, rel);
    for (char *p = path + strlen(base) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void mkdirs(const char *base, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s/x", base, rel);
    for (char *p = path + strlen(base) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
}

/* A v1 host cgroup as this project's machine has it (cpu and cpuacct apart). */
static void v1_tree(const char *host)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "cpuacct/%s/cpuacct.usage_percpu", host);
    put(cgroot, rel, "100 2000 \n");
    snprintf(rel, sizeof(rel), "cpuset/%s/cpuset.cpus", host);
    put(cgroot, rel, "1\n");
    snprintf(rel, sizeof(rel), "memory/%s/memory.usage_in_bytes", host);
    put(cgroot, rel, "3000\n");
    snprintf(rel, sizeof(rel), "memory/%s/memory.limit_in_bytes", host);
    put(cgroot, rel, "9223372036854771712\n");
    snprintf(rel, sizeof(rel), "memory/%s/memory.stat", host);
    put(cgroot, rel, "cache 4096\nrss 1000\ntotal_rss 2000\n");
    snprintf(rel, sizeof(rel), "cpu/%s/cpu.cfs_quota_us", host);
    put(cgroot, rel, "-1\n");
    snprintf(rel, sizeof(rel), "cpu/%s/cpu.cfs_period_us", host);
    put(cgroot, rel, "100000\n");
}

/* A v2 cgroup directory (relative to the unified root u) with every file the lab sets. */
static void v2_dir(const char *u, const char *dir)
{
    static const struct {
        const char *file, *text;
    } f[] = {
        {"cpu.stat", "usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n"
                     "nr_periods 10\nnr_throttled 2\nthrottled_usec 500\n"},
        {"cpuset.cpus", "\n"}, /* empty: inherits; the effective list is what counts */
        {"cpuset.cpus.effective", "0-1\n"},
        {"memory.current", "52428800\n"},
        {"memory.max", "1073741824\n"},
        {"memory.stat", "anon 20971520\nfile 31457280\nkernel_stack 65536\nanon_thp 0\n"},
        {"cpu.max", "50000 100000\n"},
        {"cgroup.procs", ""},
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        char rel[512];
        snprintf(rel, sizeof(rel), "%s%s%s/%s", u, *u ? "/" : "", dir, f[i].file);
        put(cgroot, rel, f[i].text);
    }
}

static void v2_root(void)
{
    put(cgroot, "cgroup.controllers", "cpuset cpu io memory pids\n");
    put(cgroot, "cgroup.subtree_control", "cpuset cpu memory pids\n");
    put(cgroot, "cpu.stat", "usage_usec 99\n"); /* the root: no memory.current */
}

/* ---- the layout --------------------------------------------------------------------------- */

static void test_detect(void **state)
{
    (void)state;
    assert_int_equal(mb_cgroup_detect(cgroot), MB_CGROUP_NONE); /* empty */
    char missing[400];
    snprintf(missing, sizeof(missing), "%s/nowhere", tmpdir);
    assert_int_equal(mb_cgroup_detect(missing), MB_CGROUP_NONE);
    v1_tree("migbench/lab/hostA");
    assert_int_equal(mb_cgroup_detect(cgroot), MB_CGROUP_V1);
    mkdirs(cgroot, "unified"); /* an empty unified directory is not a hierarchy */
    assert_int_equal(mb_cgroup_detect(cgroot), MB_CGROUP_V1);
    put(cgroot, "unified/cgroup.controllers", "\n");
    assert_int_equal(mb_cgroup_detect(cgroot), MB_CGROUP_HYBRID);
    assert_string_equal(mb_cgroup_kind_name(MB_CGROUP_HYBRID), "hybrid");
    assert_string_equal(mb_cgroup_kind_name(MB_CGROUP_V2), "v2");
    assert_string_equal(mb_cgroup_kind_name((enum mb_cgroup_kind)42), "none");
}

static void test_detect_v2(void **state)
{
    (void)state;
    v2_root();
    assert_int_equal(mb_cgroup_detect(cgroot), MB_CGROUP_V2);
}

/* ---- a PID's cgroup ----------------------------------------------------------------------- */

static void test_v1_pid(void **state)
{
    (void)state;
    v1_tree("migbench/lab/hostB");
    put(procroot, "77/cgroup",
        "9:name=systemd:/\n8:pids:/migbench/lab/hostB\n4:memory:/migbench/lab/hostB\n"
        "3:cpuset:/migbench/lab/hostB\n2:cpuacct:/migbench/lab/hostB\n1:cpu:/migbench/lab/hostB\n"
        "0::/\n");
    struct mb_cgroup cg;
    struct mb_error e;
    assert_int_equal(mb_cgroup_of_pid(cgroot, procroot, 77, &cg, &e), MB_OK);
    assert_int_equal(cg.kind, MB_CGROUP_V1);
    assert_int_equal(cg.cpu_v, 1);
    assert_int_equal(cg.cpuset_v, 1);
    assert_int_equal(cg.mem_v, 1);
    assert_int_equal(cg.cap_v, 1);
    char want[600];
    snprintf(want, sizeof(want), "%s/memory/migbench/lab/hostB", cgroot);
    assert_string_equal(cg.memory, want);

    struct mb_cgroup_stats s;
    assert_int_equal(mb_cgroup_read(&cg, &s, &e), MB_OK);
    assert_int_equal(s.npercpu, 2);
    assert_int_equal(s.usage_ns, 2100);
    assert_true(s.have_cpuset);
    assert_false(s.cpuset[0]);
    assert_true(s.cpuset[1]);
    assert_int_equal(s.mem_current, 3000);
    assert_true(s.mem_limit == MB_CGROUP_UNLIMITED); /* v1's page-rounded LLONG_MAX */
    assert_int_equal(s.mem_anon, 2000);              /* total_rss over rss */
    assert_true(s.cap_quota_us == MB_CGROUP_UNLIMITED);
    assert_int_equal(s.cap_period_us, 100000);

    char files[16][PATH_MAX + 64];
    int n = mb_cgroup_sample_files(&cg, files, 16);
    assert_int_equal(n, 7);
    assert_non_null(strstr(files[0], "/cpuacct.usage_percpu"));
    assert_int_equal(mb_cgroup_sample_files(&cg, files, 2), 2); /* at most max */
}

/* A lab host on v2: its PID 1 lives in the leaf init/, its cgroup namespace (and the
 * cgroup2 mount at its /sys/fs/cgroup) is rooted at the host's cgroup. */
static void test_v2_lab_host_pid(void **state)
{
    (void)state;
    v2_root();
    v2_dir("", "migbench/lab/hostA");
    put(cgroot, "migbench/lab/hostA/init/cgroup.procs", "1234\n");
    put(cgroot, "migbench/lab/hostA/init/cpu.stat", "usage_usec 5\n");
    put(procroot, "1234/cgroup", "0::/migbench/lab/hostA/init\n");
    put(procroot, "1234/mountinfo",
        "500 400 0:22 / / rw,relatime - overlay overlay rw\n"
        "501 500 0:30 / /sys rw,nosuid - sysfs sysfs rw\n"
        "502 501 0:27 /migbench/lab/hostA /sys/fs/cgroup rw,relatime shared:9 - cgroup2 "
        "cgroup2 rw\n");
    struct mb_cgroup cg;
    struct mb_error e;
    assert_int_equal(mb_cgroup_of_pid(cgroot, procroot, 1234, &cg, &e), MB_OK);
    assert_int_equal(cg.kind, MB_CGROUP_V2);
    char want[600];
    snprintf(want, sizeof(want), "%s/migbench/lab/hostA", cgroot);
    assert_string_equal(cg.cpu, want); /* the host, not its leaf */
    assert_string_equal(cg.memory, want);
    assert_int_equal(cg.cpu_v, 2);
    assert_int_equal(cg.cpuset_v, 2);
    assert_int_equal(cg.mem_v, 2);
    assert_int_equal(cg.cap_v, 2);

    struct mb_cgroup_stats s;
    assert_int_equal(mb_cgroup_read(&cg, &s, &e), MB_OK);
    assert_int_equal(s.npercpu, 0); /* v2 keeps no per-CPU usage */
    assert_int_equal(s.usage_ns, 1234567000LL);
    assert_true(s.have_cpuset);
    assert_true(s.cpuset[0] && s.cpuset[1] && !s.cpuset[2]);
    assert_int_equal(s.mem_current, 52428800);
    assert_int_equal(s.mem_limit, 1073741824);
    assert_int_equal(s.mem_anon, 20971520);
    assert_int_equal(s.cap_quota_us, 50000);
    assert_int_equal(s.cap_period_us, 100000);
}

/* Without a cgroup namespace (mountinfo's cgroup2 root is "/"), or with mountinfo
 * unreadable, or a mount elsewhere: the process's own cgroup. */
static void test_v2_plain_pid(void **state)
{
    (void)state;
    v2_root();
    v2_dir("", "system.slice/app.service");
    put(procroot, "50/cgroup", "0::/system.slice/app.service\n");
    put(procroot, "50/mountinfo",
        "30 22 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        "31 22 0:28 /system.slice /mnt/cg rw - cgroup2 cgroup2 rw\n");
    put(procroot, "51/cgroup", "0::/system.slice/app.service\n");
    struct mb_cgroup cg;
    struct mb_error e;
    char want[600];
    snprintf(want, sizeof(want), "%s/system.slice/app.service", cgroot);
    assert_int_equal(mb_cgroup_of_pid(cgroot, procroot, 50, &cg, &e), MB_OK);
    assert_string_equal(cg.cpu, want);
    assert_int_equal(mb_cgroup_of_pid(cgroot, procroot, 51, &cg, &e), MB_OK);
    assert_string_equal(cg.cpu, want);
    /* the root cgroup itself: cpu.stat, but no memory.current there */
    put(procroot, "1/cgroup", "0::/\n");
    assert_int_equal(mb_cgroup_of_pid(cgroot, procroot, 1, &cg, &e), MB_OK);
    assert_string_equal(cg.cpu, cgroot);
    assert_int_equal(cg.cpu_v, 2);
    assert_int_equal(cg.mem_v, 0);
    /* a mountinfo root that is only a name prefix ("/sys" of "/system.slice") is not it */
    put(procroot, "52/cgroup", "0::/system.slice/app.service\n");
    put(procroot, "52/mountinfo", "30 22 0:27 /sys /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    assert_int_equal(mb_cgroup_of_pid(cgroot, procroot, 52, &cg, &e), MB_OK);
    assert_string_equal(cg.cpu, want);
}

/* Hybrid (systemd's): v1 controllers, an empty unified hierarchy at unified/.  Each
 * resource where it is: CPU and cpuset from v1, memory from v2 here. */
static void test_hybrid_uses_what_it_has(void **state)
{
    (void)state;
    put(cgroot, "cpuacct/h/cpuacct.usage_percpu", "10 20 30\n");
    put(cgroot, "cpuset/h/cpuset.cpus", "0,2\n");
    put(cgroot, "unified/cgroup.controllers", "memory\n");
    v2_dir("unified", "h");
    put(procroot, "9/cgroup", "3:cpuset:/h\n2:cpuacct:/h\n1:name=systemd:/h\n0::/h\n");
    struct mb_cgroup cg;
    struct mb_error e;
    assert_int_equal(mb_cgroup_of_pid(cgroot, procroot, 9, &cg, &e), MB_OK);
    assert_int_equal(cg.kind, MB_CGROUP_HYBRID);
    assert_int_equal(cg.cpu_v, 1);
    assert_int_equal(cg.cpuset_v, 1);
    assert_int_equal(cg.mem_v, 2);
    assert_int_equal(cg.cap_v, 2);
    char want[600];
    snprintf(want, sizeof(want), "%s/unified/h", cgroot);
    assert_string_equal(cg.memory, want);
    struct mb_cgroup_stats s;
    assert_int_equal(mb_cgroup_read(&cg, &s, &e), MB_OK);
    assert_int_equal(s.usage_ns, 60); /* v1 per-CPU, not v2's usage_usec */
    assert_int_equal(s.npercpu, 3);
    assert_true(s.cpuset[0] && !s.cpuset[1] && s.cpuset[2]);
    assert_int_equal(s.mem_current, 52428800);
}

static void test_pid_errors(void **state)
{
    (void)state;
    struct mb_cgroup cg;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_cgroup_of_pid(cgroot, procroot, 404, &cg, &e), MB_EENV); /* gone */
    assert_non_null(strstr(e.msg, "404/cgroup"));
    put(procroot, "5/cgroup", "garbage\n\n::\n");
    assert_int_equal(mb_cgroup_of_pid(cgroot, procroot, 5, &cg, &e), MB_EENV);
    assert_non_null(strstr(e.msg, "no cgroup line"));
    /* lines, but no controller's files exist (v2 machine, cgroup removed) */
    v2_root();
    put(procroot, "6/cgroup", "0::/gone\n");
    assert_int_equal(mb_cgroup_of_pid(cgroot, procroot, 6, &cg, &e), MB_EENV);
    assert_non_null(strstr(e.msg, "cgroup v2"));
    /* v1 lines on a machine whose v1 memory hierarchy is missing: memory not taken */
    assert_int_equal(teardown(NULL), 0);
    assert_int_equal(setup(NULL), 0);
    put(cgroot, "cpuacct/x/cpuacct.usage_percpu", "1\n");
    put(procroot, "7/cgroup", "4:memory:/x\n2:cpuacct:/x\n");
    assert_int_equal(mb_cgroup_of_pid(cgroot, procroot, 7, &cg, &e), MB_OK);
    assert_int_equal(cg.cpu_v, 1);
    assert_int_equal(cg.mem_v, 0);
    assert_int_equal(cg.cpuset_v, 0);
    /* files that vanish between finding and reading */
    struct mb_cgroup gone;
    memset(&gone, 0, sizeof(gone));
    gone.cpu_v = 2;
    snprintf(gone.cpu, sizeof(gone.cpu), "%s/nowhere", tmpdir);
    struct mb_cgroup_stats s;
    assert_int_equal(mb_cgroup_read(&gone, &s, &e), MB_EENV);
}

/* ---- what the files say, malformed included ------------------------------------------------ */

static void feed(struct mb_cgroup_stats *s, const char *file, const char *text)
{
    char *copy = strdup(text);
    assert_non_null(copy);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n"))
        mb_cgroup_parse_line(s, file, strlen(file), line);
    free(copy);
}

static void test_v2_files_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *file, *text;
        int64_t usage, current, limit, anon;
    } t[] = {
        {"memory.max", "max", -1, -1, -1, -1}, /* no memory.current: no memory at all */
        {"x/memory.current", "", -1, -1, -1, -1},
        {"x/memory.current", "lots", -1, -1, -1, -1},
        {"x/memory.current", "12 bytes", -1, -1, -1, -1},
        {"x/memory.current", "-5", -1, -1, -1, -1},
        {"x/memory.current", "99999999999999999999999", -1, -1, -1, -1},
        {"x/cpu.stat", "usage_usec", -1, -1, -1, -1},
        {"x/cpu.stat", "usage_usec x", -1, -1, -1, -1},
        {"x/cpu.stat", "user_usec 7\nusage_usecs 9", -1, -1, -1, -1},
        {"x/cpu.stat", "usage_usec 7", 7000, -1, -1, -1},
        {"x/cpu.stat", "usage_usec 99999999999999999", -1, -1, -1, -1}, /* ns overflow */
        {"x/memory.stat", "anon", -1, -1, -1, -1},
        {"x/memory.stat", "active_anon 5\nanon_thp 6", -1, -1, -1, -1},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct mb_cgroup_stats s;
        mb_cgroup_stats_init(&s);
        feed(&s, t[i].file, t[i].text);
        mb_cgroup_stats_done(&s);
        assert_int_equal(s.usage_ns, t[i].usage);
        assert_int_equal(s.mem_current, t[i].current);
        assert_int_equal(s.mem_limit, t[i].limit);
        assert_int_equal(s.mem_anon, t[i].anon);
    }
    /* memory.max: "max" is no limit, garbage is not read */
    static const struct {
        const char *max;
        int64_t want;
    } m[] = {{"max", MB_CGROUP_UNLIMITED},
             {"536870912", 536870912},
             {"", -1},
             {"maximum", -1},
             {"max 1", -1},
             {"-1", -1}};
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        struct mb_cgroup_stats s;
        mb_cgroup_stats_init(&s);
        feed(&s, "h/memory.current", "100");
        if (*m[i].max)
            feed(&s, "h/memory.max", m[i].max);
        mb_cgroup_stats_done(&s);
        assert_int_equal(s.mem_current, 100);
        assert_true(s.mem_limit == m[i].want);
    }
}

static void test_cpu_max_and_quota(void **state)
{
    (void)state;
    static const struct {
        const char *file, *text;
        int64_t quota, period;
    } t[] = {
        {"cpu.max", "max 100000", MB_CGROUP_UNLIMITED, 100000},
        {"cpu.max", "25000 50000", 25000, 50000},
        {"cpu.max", "25000", -1, -1},
        {"cpu.max", "", -1, -1},
        {"cpu.max", "max 0", -1, -1},
        {"cpu.max", "lots 100000", -1, -1},
        {"cpu.cfs_quota_us", "20000\n", -1, -1}, /* no period seen */
        {"cpu.cfs_quota_us", "x", -1, -1},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct mb_cgroup_stats s;
        mb_cgroup_stats_init(&s);
        feed(&s, t[i].file, t[i].text);
        mb_cgroup_stats_done(&s);
        assert_true(s.cap_quota_us == t[i].quota);
        assert_true(s.cap_period_us == t[i].period);
    }
    struct mb_cgroup_stats s;
    mb_cgroup_stats_init(&s);
    feed(&s, "cpu.cfs_quota_us", "20000");
    feed(&s, "cpu.cfs_period_us", "100000");
    mb_cgroup_stats_done(&s);
    assert_int_equal(s.cap_quota_us, 20000);
    assert_int_equal(s.cap_period_us, 100000);
}

static void test_v1_files_malformed(void **state)
{
    (void)state;
    struct mb_cgroup_stats s;
    mb_cgroup_stats_init(&s);
    feed(&s, "a/cpuacct.usage_percpu", "1 2 x 4");
    mb_cgroup_stats_done(&s);
    assert_int_equal(s.npercpu, 0); /* a garbled line counts for nothing, not half */
    assert_int_equal(s.usage_ns, -1);
    mb_cgroup_stats_init(&s);
    feed(&s, "a/cpuacct.usage_percpu", "garbage 1 2");
    feed(&s, "a/memory.usage_in_bytes", "");
    feed(&s, "a/memory.limit_in_bytes", "1000");
    mb_cgroup_stats_done(&s);
    assert_int_equal(s.npercpu, 0);
    assert_int_equal(s.usage_ns, -1);
    assert_int_equal(s.mem_current, -1);
    /* rss without total_rss */
    mb_cgroup_stats_init(&s);
    feed(&s, "memory.usage_in_bytes", "10");
    feed(&s, "memory.stat", "cache 1\nrss 7\nrss_huge 0");
    mb_cgroup_stats_done(&s);
    assert_int_equal(s.mem_anon, 7);
    assert_int_equal(s.mem_limit, -1);
    /* not a cgroup file; a name that only ends like one */
    assert_false(mb_cgroup_parse_line(&s, "/proc/stat", 10, "cpu0 1 2 3"));
    assert_false(mb_cgroup_parse_line(&s, "x/foomemory.current", 19, "5"));
    assert_true(mb_cgroup_parse_line(&s, "memory.current", 14, "5"));
}

/* Where both versions were seen (an agent on a hybrid machine), v1 wins, in any order. */
static void test_v1_wins_over_v2(void **state)
{
    (void)state;
    for (int order = 0; order < 2; order++) {
        struct mb_cgroup_stats s;
        mb_cgroup_stats_init(&s);
        if (order == 0) {
            feed(&s, "cpuset.cpus.effective", "0-3");
            feed(&s, "cpuset.cpus", "2");
        } else {
            feed(&s, "cpuset.cpus", "2");
            feed(&s, "cpuset.cpus.effective", "0-3");
        }
        feed(&s, "memory.current", "500");
        feed(&s, "memory.max", "max");
        feed(&s, "memory.stat", "anon 50");
        feed(&s, "memory.usage_in_bytes", "400");
        feed(&s, "memory.limit_in_bytes", "4000");
        feed(&s, "memory.stat", "total_rss 40");
        feed(&s, "cpu.stat", "usage_usec 1");
        feed(&s, "cpuacct.usage_percpu", "5 5");
        mb_cgroup_stats_done(&s);
        assert_true(!s.cpuset[0] && s.cpuset[2] && !s.cpuset[3]);
        assert_int_equal(s.mem_current, 400);
        assert_int_equal(s.mem_limit, 4000);
        assert_int_equal(s.mem_anon, 40);
        assert_int_equal(s.usage_ns, 10);
    }
}

static void test_cpulist(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool ok;
        int count;
    } t[] = {{"0-3,8", true, 5}, {"1\n", true, 1},  {"0-1 ", true, 2}, {"", false, 0},
             {"\n", false, 0},   {"3-1", false, 0}, {"a", false, 0},   {"1,,2", false, 0},
             {"-1", false, 0},   {"1-", false, 0},  {"1;2", false, 0}, {"0-300", true, 256}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        bool set[MB_CGROUP_MAX_CPUS];
        assert_int_equal(mb_cgroup_parse_cpulist(t[i].text, set), t[i].ok);
        int n = 0;
        for (int c = 0; c < MB_CGROUP_MAX_CPUS; c++)
            n += set[c];
        assert_int_equal(n, t[i].count);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_detect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detect_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_pid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_lab_host_pid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_plain_pid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hybrid_uses_what_it_has, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pid_errors, setup, teardown),
        cmocka_unit_test(test_v2_files_malformed),
        cmocka_unit_test(test_cpu_max_and_quota),
        cmocka_unit_test(test_v1_files_malformed),
        cmocka_unit_test(test_v1_wins_over_v2),
        cmocka_unit_test(test_cpulist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
