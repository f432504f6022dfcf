/* test_testbed.c — testbed files: a good one, and each kind of mistake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "guest.h"
#include "scenario.h"
#include "testbed.h"
#include "validate.h"

static char dir[64];

static const char *write_file(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static const char good[] =
    "name: lab\n"
    "hosts:\n"
    "  hostA:\n"
    "    uri: qemu+tcp://10.1.2.11/system\n"
    "    ssh: {address: 10.1.2.11, key: keys/id_ed25519, known_hosts: /k/hosts}\n"
    "    cpus: 0-1,3\n"
    "    memory: 4GiB\n"
    "    emulator: /opt/qemu10/bin/qemu\n"
    "    accel: tcg\n"
    "  hostB:\n"
    "    uri: qemu+tcp://10.1.2.12/system\n"
    "    migrate_uri: qemu+tcp://10.1.2.12:16509/system\n"
    "    accel: kvm\n"
    "    cpu_max: 50%\n"
    "    link_rate: 200Mbit\n"
    "load_client: {address: 10.1.2.1}\n"
    "guest:\n"
    "  kernel: img/vmlinuz\n"
    "  initrd: /abs/initrd.img\n"
    "  hash: sha256:abc\n"
    "  ssh: {key: keys/id_ed25519, known_hosts: keys/guest_known_hosts}\n"
    "  network: {first_ip: 10.1.2.101, prefix: 24, gateway: 10.1.2.1, mac_prefix: "
    "'52:54:00:4d'}\n";

static void test_good(void **state)
{
    (void)state;
    struct mb_error err;
    mb_error_clear(&err);
    const char *path = write_file("good.yaml", good);
    struct mb_testbed *tb = mb_testbed_load(path, &err);
    if (!tb)
        print_error("%s:%d:%d: %s\n", err.file, err.line, err.column, err.msg);
    assert_non_null(tb);
    assert_string_equal(tb->name, "lab");
    assert_null(tb->profile); /* none given */
    assert_int_equal(tb->nhosts, 2);
    const struct mb_host *a = mb_testbed_host(tb, "hostA"), *b = mb_testbed_host(tb, "hostB");
    assert_non_null(a);
    assert_non_null(b);
    assert_null(mb_testbed_host(tb, "hostC"));
    assert_int_equal(a->ncpus, 3);
    assert_int_equal(a->memory, 4ull << 30);
    assert_int_equal(a->ssh.port, 22);
    assert_string_equal(a->ssh.user, "root");
    char want[256];
    snprintf(want, sizeof(want), "%s/keys/id_ed25519", dir); /* relative to the file */
    assert_string_equal(a->ssh.key, want);
    assert_string_equal(a->migrate_uri, a->uri); /* defaults to uri */
    assert_string_equal(a->bridge, "br0");
    assert_int_equal(a->accel, MB_ACCEL_TCG);
    assert_int_equal(b->accel, MB_ACCEL_KVM);
    assert_true(a->cpu_max == 0 && a->link_rate == 0); /* absent: no cap, unshaped */
    assert_true(b->cpu_max == 50);
    assert_int_equal(b->link_rate, 200000000);
    assert_string_equal(b->migrate_uri, "qemu+tcp://10.1.2.12:16509/system");
    assert_string_equal(tb->load_client, "10.1.2.1");
    assert_string_equal(tb->guest.initrd, "/abs/initrd.img");
    assert_string_equal(tb->guest.first_ip, "10.1.2.101");
    assert_int_equal(tb->guest.prefix, 24);
    /* no guest.boot_timeout: the run's wait of old, SSH timeouts as they are */
    assert_true(tb->guest.boot_timeout_s == 0);
    assert_true(mb_guest_boot_timeout(tb, 1) == 75);
    assert_true(mb_guest_boot_timeout(tb, 3) == 105);
    assert_true(mb_guest_time_scale(tb) == 1);
    struct mb_remote_target t;
    mb_guest_target(tb, "10.1.2.101", 10, &t);
    assert_true(t.connect_timeout_s == 10);
    assert_int_equal(mb_testbed_cpus_shared(tb), -1); /* hostB may use every CPU */
    mb_testbed_free(tb);
    mb_testbed_free(NULL);
}

/* issue 16: a guest under TCG inside a TCG VM boots in ~116 s, past the run's fixed wait,
 * and its SSH handshake takes longer than the 10 s a connection had.  guest.boot_timeout
 * sets the wait and stretches the SSH timeouts by as much; a short one shortens nothing. */
static void test_boot_timeout_nested_tcg(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        double boot_s, scale;
    } cases[] = {
        {"600s", 600, 8},
        {"10min", 600, 8},
        {"150s", 150, 2},
        {"30s", 30, 1}, /* shorter than the default wait: no SSH timeout is cut */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[4096];
        snprintf(text, sizeof(text), "%s  boot_timeout: %s\n", good, cases[i].value);
        struct mb_error err;
        mb_error_clear(&err);
        struct mb_testbed *tb = mb_testbed_load(write_file("slow.yaml", text), &err);
        if (!tb)
            fail_msg("case %zu: %d:%d: %s", i, err.line, err.column, err.msg);
        assert_true(tb->guest.boot_timeout_s == cases[i].boot_s);
        /* one value for the run, however many guests it starts */
        assert_true(mb_guest_boot_timeout(tb, 1) == cases[i].boot_s);
        assert_true(mb_guest_boot_timeout(tb, 4) == cases[i].boot_s);
        assert_true(mb_guest_time_scale(tb) == cases[i].scale);
        struct mb_remote_target t;
        mb_guest_target(tb, "10.1.2.101", 10, &t);
        assert_true(t.connect_timeout_s == 10 * cases[i].scale);
        mb_testbed_free(tb);
    }
}

/* hosts_share_cpus in metadata.json: disjoint lists, a shared CPU, a range over another's */
static void test_cpus_shared(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        int want;
    } cases[] = {{"0", "1", 0}, {"0-3", "4-7", 0}, {"0,2", "1,3", 0},
                 {"0", "0", 1}, {"0-3", "3", 1},   {"1,5-7", "6", 1}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_host h[2] = {{.cpus = (char *)cases[i].a, .ncpus = 1},
                               {.cpus = (char *)cases[i].b, .ncpus = 1}};
        struct mb_testbed tb = {.hosts = h, .nhosts = 2};
        assert_int_equal(mb_testbed_cpus_shared(&tb), cases[i].want);
    }
}

struct bad_case {
    const char *from, *to; /* replace the first occurrence of from with to in good */
    int line;
    const char *contains;
};

static void test_bad(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"    cpus: 0-1,3\n", "    cpuz: 0-1,3\n", 6, "did you mean 'cpus'?"},
        {"    cpus: 0-1,3\n", "    cpus: 3-1\n", 6, "not a CPU list"},
        {"    memory: 4GiB\n", "    memory: lots\n", 7, "expected a size"},
        {"    accel: kvm\n", "    accel: xen\n", 13, "expected tcg or kvm"},
        {"    uri: qemu+tcp://10.1.2.11/system\n", "    uri: hostA\n", 4, "not a libvirt URI"},
        {"    uri: qemu+tcp://10.1.2.11/system\n", "    url: x://y\n", 4, "did you mean 'uri'?"},
        {"first_ip: 10.1.2.101", "first_ip: 10.1.2.300", 22, "not an IPv4 address"},
        {"mac_prefix: '52:54:00:4d'", "mac_prefix: '52:54:00'", 22, "four octets"},
        {"  kernel: img/vmlinuz\n", "", 18, "missing key 'kernel'"},
        {"ssh: {address: 10.1.2.11,", "ssh: {address: 10.1.2.11, port: 70000,", 5,
         "from 1 to 65535"},
        {"  hostB:\n", "  hostA:\n", 10, "duplicate key 'hostA'"},
        {"name: lab\n", "name: lab\nhosst: {}\n", 2, "did you mean 'hosts'?"},
        {"  hash: sha256:abc\n", "  hash: sha256:abc\n  boot_timeout: soon\n", 21,
         "guest.boot_timeout: expected a duration"},
        {"  hash: sha256:abc\n", "  hash: sha256:abc\n  boot_timeout: 500ms\n", 21,
         "from 1s to 86400s"},
        {"  hash: sha256:abc\n", "  hash: sha256:abc\n  boot_timeout: 2h\n  boot_timout: 1s\n", 22,
         "did you mean 'boot_timeout'?"},
        {"cpu_max: 50%", "cpu_max: 150%", 14, "at most 100%"},
        {"cpu_max: 50%", "cpu_max: 50", 14, "a share of the host's cpus"},
        {"cpu_max: 50%", "cpu_max: half", 14, "a share of the host's cpus"},
        {"link_rate: 200Mbit", "link_rate: 200", 15, "a unit is needed"},
        {"link_rate: 200Mbit", "link_rate: 200MB/s", 15, "like 200Mbit"},
        {"link_rate: 200Mbit", "link_rate: [1]", 15, "not a value"},
        {"name: lab\n", "name: lab\nprofile: paper2012\n", 2,
         "profile: unknown profile 'paper2012' (known: paper2011, none)"},
        {"name: lab\n", "name: lab\nprofile: [paper2011]\n", 2,
         "profile: expected a profile's name (paper2011, none), got a list"},
        {"name: lab\n", "name: lab\nprofile: ''\n", 2, "unknown profile ''"},
        {"name: lab\n", "name: lab\nprofiel: paper2011\n", 2, "did you mean 'profile'?"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[4096];
        const char *at = strstr(good, cases[i].from);
        assert_non_null(at);
        snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good, cases[i].to,
                 at + strlen(cases[i].from));
        const char *path = write_file("bad.yaml", text);
        struct mb_error err;
        mb_error_clear(&err);
        struct mb_testbed *tb = mb_testbed_load(path, &err);
        if (tb || err.line != cases[i].line || !strstr(err.msg, cases[i].contains))
            print_error("case %zu: %d:%d: %s\n", i, err.line, err.column, err.msg);
        assert_null(tb);
        assert_int_equal(err.status, MB_EINPUT);
        assert_int_equal(err.line, cases[i].line);
        assert_true(err.column >= 1);
        assert_non_null(strstr(err.msg, cases[i].contains));
    }
    /* one host is not a testbed */
    const char *one = "name: x\nhosts:\n  a: {uri: 'qemu:///system'}\n"
                      "guest: {kernel: k, initrd: i, network: {first_ip: 10.0.0.2}}\n";
    struct mb_error err;
    assert_null(mb_testbed_load(write_file("one.yaml", one), &err));
    assert_non_null(strstr(err.msg, "a testbed needs 2"));
}

static void test_resolve(void **state)
{
    (void)state;
    struct mb_error err;
    write_file("mine.yaml", good);
    setenv("MIGBENCH_TESTBED_DIR", dir, 1);
    char *p = mb_testbed_resolve("mine", NULL, &err);
    assert_non_null(p);
    free(p);
    p = mb_testbed_resolve("mine.yaml", dir, &err);
    assert_non_null(p);
    free(p);
    setenv("MIGBENCH_RUN_DIR", dir, 1);
    assert_null(mb_testbed_resolve("lab", NULL, &err));
    assert_non_null(strstr(err.msg, "migbench lab up"));
    assert_null(mb_testbed_resolve("nope/x.yaml", dir, &err));
    assert_null(mb_testbed_resolve("", NULL, &err));
}

/* ---- scenarios checked against a testbed (validate.c) ------------------------------ */

static const char small[] = "name: small\n"
                            "hosts:\n"
                            "  hostA: {uri: qemu+tcp://10.1.2.11/system, cpus: 0-1, memory: 2GiB}\n"
                            "  hostB: {uri: qemu+tcp://10.1.2.12/system, cpus: 0-3, memory: 1GiB}\n"
                            "  hostC: {uri: qemu+tcp://10.1.2.13/system}\n"
                            "guest:\n"
                            "  kernel: /k\n"
                            "  initrd: /i\n"
                            "  network: {first_ip: 10.1.2.101, prefix: 24, gateway: 10.1.2.1}\n";

struct on_case {
    const char *scenario; /* after "name: x\n" */
    int line, column;     /* 0: accepted */
    const char *contains;
};

static void test_scenario_on_testbed(void **state)
{
    (void)state;
    static const struct on_case cases[] = {
        {"", 0, 0, NULL},
        {"migration: {to: hostC}\nvms: {count: 3}\n", 0, 0, NULL}, /* hostC: no limits */
        {"migration: {from: hostZ}\n", 2, 19, "migration.from 'hostZ' is not a host of testbed"},
        {"migration: {to: [hostC, hostQ]}\n", 2, 25, "migration.to 'hostQ' is not a host"},
        {"migration: {from: hostB}\n", 2, 19, "migration.from and migration.to are both hostB"},
        {"vms: {vcpus: [1, 4]}\n", 2, 18, "vms.vcpus 4 is more than the 2 CPUs host hostA"},
        {"reservation: {destination: {cpu: 5}}\n", 2, 34,
         "reservation.destination.cpu 5 holds more CPUs than the 4 host hostB"},
        {"vms: {count: 2, memory: 512MiB}\n", 0, 0, NULL}, /* hostB: exactly 1GiB */
        {"vms: {count: [2, 3], memory: 512MiB}\n", 2, 18, "host hostB may use 1GiB of memory"},
        /* release: the placeholders leave before the VMs arrive; hold: they stay */
        {"reservation: {destination: {memory: 768MiB}}\n", 0, 0, NULL},
        {"reservation: {destination: {memory: 768MiB, mode: hold}}\n", 2, 37,
         "placeholders of 768MiB"},
        {"colocation: {workload: idle}\n", 0, 0, NULL},
        {"vms: {count: 2}\ncolocation: {workload: idle}\n", 2, 14, "a resident"},
        {"placement: {hosts: \"hostC=jbb,hostQ=idle\", policy: random}\n", 2, 21,
         "placement.hosts 'hostQ' is not a host"},
        {"placement: {hosts: \"hostA=jbb\", policy: random}\n", 2, 21,
         "'hostA' is the source host"},
        {"contention: {memory: 4GiB}\n", 0, 0, NULL}, /* admission free: what is left */
        {"contention: {memory: 768MiB, admission: all}\n", 2, 22,
         "a tenant (contention.admission all) of 768MiB"},
    };
    const char *tbpath = write_file("small.yaml", small);
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_testbed *tb = mb_testbed_load(tbpath, &err);
    if (!tb)
        fail_msg("%s:%d:%d: %s", err.file, err.line, err.column, err.msg);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct on_case *c = &cases[i];
        char text[512];
        snprintf(text, sizeof(text), "name: x\n%s", c->scenario);
        struct mb_scenario *s = mb_scenario_load_mem("t.yaml", text, strlen(text), &err);
        if (!s)
            fail_msg("case %zu: %s", i, err.msg);
        /* without the testbed, every case passes: only the hosts refuse it */
        assert_int_equal(mb_validate_scenario(s, NULL, &err), 0);
        mb_error_clear(&err);
        int rc = mb_validate_scenario(s, tb, &err);
        if (!c->line && rc)
            fail_msg("case %zu: refused: %d:%d: %s", i, err.line, err.column, err.msg);
        if (c->line && (rc != MB_EINPUT || !strstr(err.msg, c->contains) || err.line != c->line ||
                        err.column != c->column))
            fail_msg("case %zu: rc %d at %d:%d '%s'; want %d:%d '%s'", i, rc, err.line, err.column,
                     err.msg, c->line, c->column, c->contains);
        if (c->line)
            assert_string_equal(err.file, "t.yaml");
        mb_scenario_free(s);
    }
    /* check --testbed=FILE: the same, the testbed named by its path */
    struct mb_scenario *s = mb_scenario_load_mem("t.yaml", "name: x\nvms: {vcpus: 3}\n", 24, &err);
    assert_non_null(s);
    assert_int_equal(mb_validate_against(s, tbpath, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "vms.vcpus 3"));
    assert_int_equal(mb_validate_against(s, NULL, &err), 0);
    mb_scenario_free(s);
    mb_testbed_free(tb);
}

/* A scenario with a profile runs only on a testbed brought up with it (lab up --profile
 * writes the testbed file's profile key); a scenario without one runs anywhere. */
static void test_profile_on_testbed(void **state)
{
    (void)state;
    static const struct {
        const char *testbed_profile; /* line added to small's, "" = none */
        const char *scenario;        /* after "name: x\n" */
        int line, column;            /* 0: accepted */
        const char *contains;
    } cases[] = {
        {"", "", 0, 0, NULL},
        {"profile: paper2011\n", "", 0, 0, NULL},
        {"profile: none\n", "", 0, 0, NULL},
        {"profile: paper2011\n", "profile: paper2011\n", 0, 0, NULL},
        {"", "repeat: 1\nprofile: paper2011\n", 3, 10,
         "profile paper2011: testbed %s was not brought up with it; bring the lab up with "
         "'migbench lab up --profile paper2011'"},
        {"profile: none\n", "profile: paper2011\n", 2, 10, "not brought up with it"},
        {"", "profile: none\n", 0, 0, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[1024], want[512];
        snprintf(text, sizeof(text), "name: small\n%s%s", cases[i].testbed_profile,
                 small + strlen("name: small\n"));
        const char *tbpath = write_file("small.yaml", text);
        struct mb_error err;
        mb_error_clear(&err);
        struct mb_testbed *tb = mb_testbed_load(tbpath, &err);
        if (!tb)
            fail_msg("case %zu: %s:%d:%d: %s", i, err.file, err.line, err.column, err.msg);
        assert_int_equal(tb->profile != NULL, strstr(text, "paper2011") != NULL);
        snprintf(text, sizeof(text), "name: x\n%s", cases[i].scenario);
        struct mb_scenario *s = mb_scenario_load_mem("t.yaml", text, strlen(text), &err);
        assert_non_null(s);
        assert_int_equal(mb_validate_scenario(s, NULL, &err), 0);
        int rc = mb_validate_scenario(s, tb, &err);
        if (cases[i].contains)
            snprintf(want, sizeof(want), cases[i].contains, tbpath);
        if (cases[i].line ? rc != MB_EINPUT || err.line != cases[i].line ||
                                err.column != cases[i].column || !strstr(err.msg, want)
                          : rc != 0)
            fail_msg("case %zu: rc %d at %d:%d '%s'", i, rc, err.line, err.column, err.msg);
        mb_scenario_free(s);
        mb_testbed_free(tb);
    }
}

/* A source cap above the source host's CPU bandwidth is refused where it is written
 * (cgroup v1 refuses a vCPU quota above its host's: the paper2011 lab's hostA has half a
 * CPU); 100% is no cap, and another host may take it. */
static void test_cap_within_host_bandwidth(void **state)
{
    (void)state;
    static const struct {
        const char *scenario;
        int line, column; /* 0: accepted */
    } cases[] = {
        {"reservation: {source: {cpu_cap: [20%, 50%, 100%]}}\n", 0, 0},
        {"reservation: {source: {cpu_cap: [20%, 60%]}}\n", 2, 39},
        {"migration: {from: hostB, to: hostA}\nreservation: {source: {cpu_cap: 60%}}\n", 0, 0},
        /* the factor's level is what differs from the points that pass */
        {"migration: {from: [hostA, hostB], to: hostC}\nreservation: {source: {cpu_cap: 80%}}\n", 2,
         20},
    };
    char text[1024];
    snprintf(text, sizeof(text), "%s", small);
    char *at = strstr(text, "memory: 2GiB}");
    assert_non_null(at);
    memcpy(at, "cpu_max: 25%", 12); /* of its 2 CPUs: half of one */
    const char *tbpath = write_file("small.yaml", text);
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_testbed *tb = mb_testbed_load(tbpath, &err);
    if (!tb)
        fail_msg("%s:%d:%d: %s", err.file, err.line, err.column, err.msg);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text), "name: x\n%s", cases[i].scenario);
        struct mb_scenario *s = mb_scenario_load_mem("t.yaml", text, strlen(text), &err);
        assert_non_null(s);
        int rc = mb_validate_scenario(s, tb, &err);
        if (cases[i].line
                ? rc != MB_EINPUT || err.line != cases[i].line || err.column != cases[i].column ||
                      !strstr(err.msg, "more than host hostA's CPU bandwidth, 50% of "
                                       "one CPU (cpu_max 25% of 2 CPUs")
                : rc != 0)
            fail_msg("case %zu: rc %d at %d:%d '%s'", i, rc, err.line, err.column, err.msg);
        mb_scenario_free(s);
    }
    mb_testbed_free(tb);
}

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/mb-testbed-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    static const char *const names[] = {"good.yaml", "bad.yaml",   "one.yaml",
                                        "mine.yaml", "small.yaml", "slow.yaml"};
    char path[128];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_cpus_shared),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_scenario_on_testbed),
        cmocka_unit_test(test_profile_on_testbed),
        cmocka_unit_test(test_cap_within_host_bandwidth),
        cmocka_unit_test(test_boot_timeout_nested_tcg),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
