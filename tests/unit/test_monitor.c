/* test_monitor.c — the monitor: host text parsing (lab cgroups, a real host's /proc),
 * libvirt's bulk statistics, sampling through the fake hypervisor and the fake SSH
 * backend, the local reader on a made-up /proc and cgroup tree, monitor.csv, window
 * figures and the reservation checks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fake_ssh.c"
#include "fake_virt.c"
#include "monitor.h"
#include "lib/util.h"

/* ---- the fake hypervisor, with CPU time that grows with the clock ------------------- */

static struct {
    double t0;        /* mb_now_mono() when the clock started */
    double vcpu_rate; /* CPUs the vCPU threads of every fake domain use */
    double cpu_rate;  /* CPUs all threads use */
    int stall_ms;     /* each read of a domain's CPU times takes this long (a busy libvirtd) */
} clk;

static void nap_ms(int ms);

static int t_cpu_stats(void *dom, struct mb_hv_cpu_stats *out, struct mb_error *err)
{
    (void)dom;
    (void)err;
    if (clk.stall_ms > 0)
        nap_ms(clk.stall_ms);
    double t = mb_now_mono() - clk.t0;
    out->cpu_time_ns = (int64_t)(t * clk.cpu_rate * 1e9);
    out->vcpu_time_ns = (int64_t)(t * clk.vcpu_rate * 1e9);
    return MB_OK;
}

static struct mb_hv_ops timed_hv;

static void setup_fake(void)
{
    fake_reset();
    fake_ssh_reset();
    timed_hv = fake_hv;
    timed_hv.cpu_stats = t_cpu_stats;
    clk.t0 = mb_now_mono();
    clk.vcpu_rate = 0.4;
    clk.cpu_rate = 0.5;
    clk.stall_ms = 0;
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/mb-test-monitor.XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
}

static void write_file(const char *path, const char *text)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s", path);
    for (char *p = dir + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0755);
            *p = '/';
        }
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    struct mb_buf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        mb_buf_append(&b, buf, n);
    fclose(f);
    return b.data ? b.data : mb_xstrdup("");
}

/* ---- parsing a host's text ----------------------------------------------------------- */

/* What `grep -sH` prints inside a lab host limited to CPU 1 and 3 GiB. */
static const char lab_text[] =
    "/sys/fs/cgroup/cpuacct/cpuacct.usage_percpu:1000 27455952726 \n"
    "/sys/fs/cgroup/cpuset/cpuset.cpus:1\n"
    "/sys/fs/cgroup/memory/memory.usage_in_bytes:17092608\n"
    "/sys/fs/cgroup/memory/memory.limit_in_bytes:3221225472\n"
    "/sys/fs/cgroup/memory/memory.stat:cache 262144\n"
    "/sys/fs/cgroup/memory/memory.stat:rss 12836864\n"
    "/sys/fs/cgroup/memory/memory.stat:total_rss 14000000\n"
    "/proc/stat:cpu  9 9 9 9 9 9 9 9 0 0\n"
    "/proc/stat:cpu0 1 1 1 1 1 1 1 1 0 0\n"
    "/proc/meminfo:MemTotal:       24684556 kB\n"
    "/proc/meminfo:MemAvailable:   23000000 kB\n"
    "/proc/net/dev:Inter-|   Receive                                                |  Transmit\n"
    "/proc/net/dev: face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
    "packets errs drop fifo colls carrier compressed\n"
    "/proc/net/dev:    lo:     500       5    0    0    0     0          0         0      500  "
    "     5    0    0    0     0       0          0\n"
    "/proc/net/dev:uplink:  103124     637    0    0    0     0          0         0    72716  "
    "   534    0    0    0     0       0          0\n"
    "/proc/net/dev:   br0:   91730     626    0    0    0     0          0        49    68916  "
    "   499    0    0    0     0       0          0\n"
    "/proc/net/dev: vnet3:    1000      10    0    0    0     0          0         0     2000  "
    "    20    0    0    0     0       0          0\n";

static void test_parse_lab_host(void **state)
{
    (void)state;
    struct mb_monitor_host_sample s;
    struct mb_error e;
    assert_int_equal(mb_monitor_parse_host(lab_text, NULL, &s, &e), MB_OK);
    /* only the host's cpuset: CPU 1, from the cgroup, not the machine's /proc/stat */
    assert_string_equal(s.cpu_source, "cgroup");
    assert_int_equal(s.ncpus, 1);
    assert_int_equal(s.cpu_id[0], 1);
    assert_int_equal(s.cpu_ns[0], 27455952726LL);
    assert_int_equal(s.cpu_total_ns, 27455952726LL);
    assert_string_equal(s.mem_source, "cgroup");
    assert_int_equal(s.mem_used, 17092608);
    assert_int_equal(s.mem_rss, 14000000); /* total_rss: the host's child cgroups too */
    assert_int_equal(s.mem_limit, 3221225472LL);
    /* the uplink only: not lo, the bridge or the guest's tap */
    assert_int_equal(s.net_rx, 103124);
    assert_int_equal(s.net_tx, 72716);
    /* an explicit list */
    assert_int_equal(mb_monitor_parse_host(lab_text, "br0,vnet3", &s, &e), MB_OK);
    assert_int_equal(s.net_rx, 91730 + 1000);
    assert_int_equal(s.net_tx, 68916 + 2000);
}

static void test_parse_real_host_proc(void **state)
{
    (void)state;
    /* cgroup v2 only: no cpuacct, no v1 memory files; an unlimited machine */
    static const char text[] = "/proc/stat:cpu  100 0 100 1000 0 0 0 0 0 0\n"
                               "/proc/stat:cpu0 10 1 20 500 7 3 2 1 50 0\n"
                               "/proc/stat:cpu1 5 0 5 500 0 0 0 0 0 0\n"
                               "/proc/stat:ctxt 12345\n"
                               "/proc/meminfo:MemTotal:        2048000 kB\n"
                               "/proc/meminfo:MemFree:          100000 kB\n"
                               "/proc/meminfo:MemAvailable:    1024000 kB\n"
                               "/proc/meminfo:AnonPages:        512000 kB\n"
                               "/proc/net/dev:  eth0: 1000 1 0 0 0 0 0 0 2000 2 0 0 0 0 0 0\n"
                               "/proc/net/dev:virbr0: 7 1 0 0 0 0 0 0 7 2 0 0 0 0 0 0\n";
    struct mb_monitor_host_sample s;
    struct mb_error e;
    assert_int_equal(mb_monitor_parse_host(text, NULL, &s, &e), MB_OK);
    assert_string_equal(s.cpu_source, "proc");
    assert_int_equal(s.ncpus, 2);
    /* user+nice+system+irq+softirq+steal (not idle, iowait or guest), 10 ms ticks */
    assert_int_equal(s.cpu_ns[0], (10 + 1 + 20 + 3 + 2 + 1) * 10000000LL);
    assert_int_equal(s.cpu_ns[1], 10 * 10000000LL);
    assert_string_equal(s.mem_source, "proc");
    assert_int_equal(s.mem_limit, 2048000LL * 1024);
    assert_int_equal(s.mem_used, (2048000LL - 1024000) * 1024);
    assert_int_equal(s.mem_rss, 512000LL * 1024);
    assert_int_equal(s.net_rx, 1000);
    assert_int_equal(s.net_tx, 2000);
}

static void test_parse_host_unlimited_cgroup_bounded_by_memtotal(void **state)
{
    (void)state;
    static const char text[] = "x/memory.usage_in_bytes:1000\n"
                               "x/memory.limit_in_bytes:9223372036854771712\n"
                               "/proc/meminfo:MemTotal: 1000 kB\n";
    struct mb_monitor_host_sample s;
    struct mb_error e;
    assert_int_equal(mb_monitor_parse_host(text, NULL, &s, &e), MB_OK);
    assert_int_equal(s.mem_limit, 1024000);
    assert_int_equal(s.cpu_total_ns, -1);
    assert_int_equal(s.net_rx, -1);
}

static void test_parse_host_garbage(void **state)
{
    (void)state;
    struct mb_monitor_host_sample s;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_monitor_parse_host("grep: nothing here\n\nno colon", NULL, &s, &e),
                     MB_EINPUT);
    assert_non_null(strstr(e.msg, "no CPU, memory or network"));
    assert_int_equal(mb_monitor_parse_host("", NULL, &s, &e), MB_EINPUT);
}

static void test_default_netdevs(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        bool counted;
    } t[] = {{"eth0", true},    {"ens3", true},      {"uplink", true},  {"bond0", true},
             {"lo", false},     {"br0", false},      {"virbr0", false}, {"vnet12", false},
             {"tap0", false},   {"macvtap1", false}, {"vif3.0", false}, {"veth9", false},
             {"docker0", false}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        assert_int_equal(mb_monitor_default_netdev(t[i].name), t[i].counted);
}

static void test_parse_agent_form(void **state)
{
    (void)state;
    /* the agent's form: "@file PATH" then the file's lines (colons in them are data) */
    static const char text[] = "@tick 1795706466.123456\n"
                               "@file /sys/fs/cgroup/cpuacct/cpuacct.usage_percpu\n"
                               "5 7 \n"
                               "@file /proc/meminfo\n"
                               "MemTotal:        2048 kB\n"
                               "@file /sys/fs/cgroup/memory/memory.usage_in_bytes\n"
                               "4096\n"
                               "@file /proc/net/dev\n"
                               "Inter-|   Receive\n"
                               "  eth0: 10 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0\n";
    struct mb_monitor_host_sample s;
    struct mb_error e;
    assert_int_equal(mb_monitor_parse_host(text, NULL, &s, &e), MB_OK);
    assert_int_equal(s.ncpus, 2);
    assert_int_equal(s.cpu_total_ns, 12);
    assert_int_equal(s.mem_used, 4096);
    assert_int_equal(s.mem_limit, 2048 * 1024);
    assert_int_equal(s.net_rx, 10);
    assert_int_equal(s.net_tx, 20);
}

/* The agent itself, run here by bash: three samples 20 ms apart, each one parsed. */
static void test_agent_script_runs(void **state)
{
    (void)state;
    const char *a = mb_monitor_host_agent();
    /* no process per sample: no external command in the loop, read -t is the sleep */
    const char *loop = strstr(a, "while ((n-- > 0))");
    assert_non_null(loop);
    assert_null(strstr(loop, "sleep"));
    assert_null(strstr(loop, "cat "));
    assert_null(strstr(loop, "$(printf"));
    assert_non_null(strstr(loop, "read -t"));
    char path[] = "/tmp/mb-test-agent.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, a, strlen(a)), (ssize_t)strlen(a));
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "bash -s -- 3 20000 < %s", path);
    double t0 = mb_now_wall();
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct mb_buf out = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
        mb_buf_append(&out, buf, n);
    assert_int_equal(pclose(p), 0);
    unlink(path);
    int ticks = 0;
    double first = 0, last = 0;
    for (char *t = strstr(out.data, "@tick "); t; t = strstr(t + 1, "\n@tick ")) {
        if (*t == '\n')
            t++;
        double w = strtod(t + 6, NULL);
        assert_true(w >= t0 - 1 && w < t0 + 10);
        /* on a grid of 20 ms from the agent's start (a late sample shortens the gap
         * to the next one) */
        if (ticks && !(w > last && w - last < 0.5))
            fail_msg("samples %.6f and %.6f", last, w);
        if (!ticks)
            first = w;
        last = w;
        char *end = strstr(t + 1, "\n@tick ");
        char *one = mb_xstrndup(t, end ? (size_t)(end + 1 - t) : strlen(t));
        struct mb_monitor_host_sample s;
        struct mb_error e;
        assert_int_equal(mb_monitor_parse_host(one, NULL, &s, &e), MB_OK);
        assert_true(s.cpu_total_ns > 0);
        assert_true(s.mem_limit > 0);
        free(one);
        ticks++;
    }
    assert_int_equal(ticks, 3);
    assert_true(last - first >= 0.02);
    mb_buf_free(&out);
}

/* ---- sampling through the fakes ---------------------------------------------------------- */

/* What the agent prints for one sample taken now. */
static const char *host_text_at(int64_t cpu_ns, int64_t rx)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf),
             "@tick %.6f\n"
             "@file /sys/fs/cgroup/cpuacct/cpuacct.usage_percpu\n%lld 0\n"
             "@file /sys/fs/cgroup/memory/memory.usage_in_bytes\n1048576\n"
             "@file /sys/fs/cgroup/memory/memory.limit_in_bytes\n2147483648\n"
             "@file /proc/net/dev\n  eth0: %lld 1 0 0 0 0 0 0 %lld 2 0 0 0 0 0 0\n",
             mb_now_wall(), (long long)cpu_ns, (long long)rx, (long long)(2 * rx));
    return buf;
}

/* Two samples now; the status after them. */
static struct mb_monitor_status two_samples(struct mb_monitor *m)
{
    struct mb_error e;
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    struct mb_monitor_status st;
    mb_monitor_status(m, &st);
    return st;
}

struct rig {
    struct mb_remote_target ssh;
    struct mb_monitor_host hosts[2];
    char key[300], csv[300];
};

static struct mb_monitor *rig_monitor(struct rig *r, double interval_s)
{
    setup_fake();
    make_tmpdir();
    snprintf(r->key, sizeof(r->key), "%s/key", tmpdir);
    write_file(r->key, "not really a key\n");
    snprintf(r->csv, sizeof(r->csv), "%s/monitor.csv", tmpdir);
    r->ssh = (struct mb_remote_target){.address = "hostA", .key = r->key, .insecure = true};
    r->hosts[0] = (struct mb_monitor_host){.name = "hostA", .uri = "fake://A", .ssh = &r->ssh};
    r->hosts[1] = (struct mb_monitor_host){.name = "hostB", .uri = "fake://B"};
    struct mb_monitor_opts o = {
        .interval_s = interval_s, .csv_path = r->csv, .hv_ops = &timed_hv, .ssh_ops = &fake_remote};
    struct mb_monitor *m = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_monitor_new(r->hosts, 2, &o, &m, &e), MB_OK);
    return m;
}

static void test_sample_csv_and_figures(void **state)
{
    (void)state;
    struct rig r;
    struct mb_monitor *m = rig_monitor(&r, 0.5);
    struct mb_error e;
    mb_monitor_set_label(m, "abc123-r1");
    double t0 = mb_now_wall();
    fake_ssh.out_chunk = host_text_at(0, 1000);
    fake_ssh.out_repeat = 1;
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    nap_ms(200);
    /* half a CPU busy over ~200 ms, 100 kB/s received */
    fake_ssh.out_chunk = host_text_at(100000000, 21000);
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    double t1 = mb_now_wall();
    /* one SSH session for both samples; the agent, one sample each time (no thread) */
    assert_int_equal(fake_ssh.connects, 1);
    assert_string_equal(fake_ssh.last_cmd, "exec bash -s -- 1 500000");
    assert_int_equal(fake_ssh.last_stdin_len, strlen(mb_monitor_host_agent()));

    struct mb_monitor_usage u;
    assert_int_equal(mb_monitor_host_usage(m, "hostA", t0, t1, &u, &e), MB_OK);
    assert_int_equal(u.samples, 2);
    assert_true(u.cpu_pct > 35 && u.cpu_pct < 60);
    assert_true(u.net_rx_bps > 70000 && u.net_rx_bps < 120000);
    assert_true(fabs(u.mem_last - 1048576) < 1);
    assert_true(fabs(u.mem_limit - 2147483648.0) < 1);
    /* hostB has no SSH and no local PID: no host series, VMs only */
    assert_int_equal(mb_monitor_host_usage(m, "hostB", t0, t1, &u, &e), MB_OK);
    assert_int_equal(u.samples, 0);
    assert_true(isnan(u.cpu_pct));

    /* vm1 runs on host A: its vCPUs at 40 %, all its threads at 50 % */
    assert_int_equal(mb_monitor_vm_usage(m, "hostA", "vm1", t0, t1, &u, &e), MB_OK);
    assert_int_equal(u.samples, 2);
    assert_true(fabs(u.vcpu_pct - 40) < 4);
    assert_true(fabs(u.cpu_pct - 50) < 5);
    assert_true(fabs(u.mem_last - 262144.0 * 1024) < 1);
    assert_true(fabs(u.rss_last - 100.0 * 1024 * 1024) < 1);
    assert_int_equal(mb_monitor_vm_usage(m, "hostB", "vm1", t0, t1, &u, &e), MB_OK);
    assert_int_equal(u.samples, 0);
    assert_int_equal(mb_monitor_vm_usage(m, "hostC", "vm1", t0, t1, &u, &e), MB_EINPUT);
    assert_int_equal(mb_monitor_host_usage(m, "nowhere", t0, t1, &u, &e), MB_EINPUT);

    struct mb_monitor_status st;
    mb_monitor_status(m, &st);
    assert_int_equal(st.ticks, 2);
    assert_int_equal(st.errors, 0);
    assert_string_equal(st.host_source[0], "ssh");
    assert_string_equal(st.host_source[1], "none");
    mb_monitor_free(m);

    char *csv = slurp(r.csv);
    assert_non_null(csv);
    assert_true(!strncmp(csv, "time,t_s,label,host,kind,name,state,cpu_pct,vcpu_pct,", 53));
    /* per sample: hostA, its two cores (no cpuset: every one), vm1 on A */
    assert_non_null(strstr(csv, ",abc123-r1,hostA,host,hostA,,"));
    assert_non_null(strstr(csv, ",abc123-r1,hostA,cpu,cpu0,,"));
    assert_non_null(strstr(csv, ",abc123-r1,hostA,cpu,cpu1,,"));
    assert_non_null(strstr(csv, ",abc123-r1,hostA,vm,vm1,running,"));
    assert_non_null(strstr(csv, ",ssh-cgroup\n"));
    assert_non_null(strstr(csv, ",libvirt\n"));
    int lines = 0;
    for (char *p = csv; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + 2 * 4);
    free(csv);
    rm_tmpdir();
}

static void test_cap_and_balloon_checks(void **state)
{
    (void)state;
    struct rig r;
    struct mb_monitor *m = rig_monitor(&r, 0.5);
    struct mb_error e;
    fake_ssh.out_chunk = host_text_at(0, 0);
    fake_ssh.out_repeat = 1;
    fake.doms[0].target_kib = 196608; /* ballooned to 192 MiB */
    double t0 = mb_now_wall();
    for (int i = 0; i < 4; i++) {
        assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
        nap_ms(60);
    }
    double t1 = mb_now_wall();
    struct mb_monitor_check c;
    assert_int_equal(mb_monitor_check_cap(m, "hostA", "vm1", 40, 40, t0, t1, 5, &c, &e), MB_OK);
    assert_int_equal(c.verdict, MB_CHECK_OK);
    assert_true(fabs(c.measured - 40) < 5);
    assert_int_equal(c.samples, 4);
    assert_true(c.asked == 40 && c.read_back == 40);
    assert_int_equal(mb_monitor_check_cap(m, "hostA", "vm1", 20, 20, t0, t1, 5, &c, &e), MB_OK);
    assert_int_equal(c.verdict, MB_CHECK_OVER);
    assert_true(c.error > 15);
    assert_int_equal(mb_monitor_check_cap(m, "hostA", "vm1", 80, 80, t0, t1, 5, &c, &e), MB_OK);
    assert_int_equal(c.verdict, MB_CHECK_UNDER);
    assert_string_equal(mb_monitor_verdict_name(c.verdict), "under");
    /* no cap: nothing to exceed */
    assert_int_equal(mb_monitor_check_cap(m, "hostA", "vm1", 0, 0, t0, t1, 5, &c, &e), MB_OK);
    assert_int_equal(c.verdict, MB_CHECK_OK);
    /* a VM never seen */
    assert_int_equal(mb_monitor_check_cap(m, "hostA", "vm9", 40, 40, t0, t1, 5, &c, &e), MB_OK);
    assert_int_equal(c.verdict, MB_CHECK_UNMEASURED);

    double target = 196608.0 * 1024;
    assert_int_equal(
        mb_monitor_check_balloon(m, "hostA", "vm1", target, target, t0, t1, 0.02, &c, &e), MB_OK);
    assert_int_equal(c.verdict, MB_CHECK_OK);
    assert_true(fabs(c.error) < 1e-9);
    assert_int_equal(
        mb_monitor_check_balloon(m, "hostA", "vm1", 128.0 * 1048576, target, t0, t1, 0.02, &c, &e),
        MB_OK);
    assert_int_equal(c.verdict, MB_CHECK_OVER);
    assert_int_equal(mb_monitor_check_balloon(m, "hostA", "vm1", 0, 0, t0, t1, 0.02, &c, &e),
                     MB_EINPUT);

    /* the balloon still at its old size in the sample just before the window, at its
     * target in every sample inside: ok (Fig. 3's 320 MiB rows read 'over' before) */
    fake.doms[0].target_kib = 524288;
    double before = mb_now_wall();
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    nap_ms(60);
    fake.doms[0].target_kib = 327680;
    double w0 = mb_now_wall();
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
        nap_ms(60);
    }
    double w1 = mb_now_wall();
    assert_int_equal(mb_monitor_check_balloon(m, "hostA", "vm1", 327680.0 * 1024, 327680.0 * 1024,
                                              w0, w1, 0.02, &c, &e),
                     MB_OK);
    assert_int_equal(c.verdict, MB_CHECK_OK);
    /* ... but a window that takes in the old size is over */
    assert_int_equal(mb_monitor_check_balloon(m, "hostA", "vm1", 327680.0 * 1024, 327680.0 * 1024,
                                              before, w1, 0.02, &c, &e),
                     MB_OK);
    assert_int_equal(c.verdict, MB_CHECK_OVER);

    /* no sample inside the window (the monitor held up by a slow libvirtd): the old size
     * before it, the target after it: the sample after says it, ok (a lab run read
     * 'over' with the target reached and held) */
    fake.doms[0].target_kib = 524288;
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    nap_ms(60);
    fake.doms[0].target_kib = 327680;
    w0 = mb_now_wall();
    nap_ms(60);
    w1 = mb_now_wall();
    nap_ms(10);
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    assert_int_equal(mb_monitor_check_balloon(m, "hostA", "vm1", 327680.0 * 1024, 327680.0 * 1024,
                                              w0, w1, 0.02, &c, &e),
                     MB_OK);
    assert_int_equal(c.verdict, MB_CHECK_OK);
    assert_true(fabs(c.measured - 327680.0 * 1024) < 1);
    mb_monitor_free(m);
    rm_tmpdir();
}

/* A flush waits for a tick begun at its time to read the VMs too, not only the hosts:
 * with VM reads that take 300 ms, a window's last VM sample is after its end. */
static void test_flush_waits_for_the_vms(void **state)
{
    (void)state;
    struct rig r;
    struct mb_monitor *m = rig_monitor(&r, 0.1);
    struct mb_error e;
    /* no host read (no SSH, no lab): the hosts' VMs only, read in the tick */
    mb_monitor_free(m);
    r.hosts[0].ssh = NULL;
    struct mb_monitor_opts o = {.interval_s = 0.1, .csv_path = r.csv, .hv_ops = &timed_hv};
    assert_int_equal(mb_monitor_new(r.hosts, 2, &o, &m, &e), MB_OK);
    assert_int_equal(mb_monitor_start(m, &e), MB_OK);
    nap_ms(150);
    clk.stall_ms = 300;
    nap_ms(50);
    double t = mb_now_wall();
    assert_int_equal(mb_monitor_flush(m, t, 5, &e), MB_OK);
    double waited = mb_now_wall() - t;
    clk.stall_ms = 0;
    mb_monitor_stop(m);
    /* the tick under way when t came, then a whole one begun after it */
    assert_true(waited >= 0.3);
    struct mb_monitor_usage u;
    assert_int_equal(mb_monitor_vm_usage(m, "hostA", "vm1", t, t + 0.001, &u, &e), MB_OK);
    assert_true(u.samples >= 1);
    mb_monitor_free(m);
    rm_tmpdir();
}

static void test_prefix_usage_adds_up(void **state)
{
    (void)state;
    struct rig r;
    struct mb_monitor *m = rig_monitor(&r, 0.5);
    struct mb_error e;
    /* three placeholders on host B (128 MiB each, 100 MiB resident), one other VM */
    struct mb_hv *b = NULL;
    assert_int_equal(mb_hv_open(&fake_hv, "fake://B", &b, &e), MB_OK);
    const char *names[] = {"mbr-ph1", "mbr-ph2", "mbr-ph3", "other"};
    for (int i = 0; i < 4; i++) {
        char xml[128];
        snprintf(xml, sizeof(xml), "<domain><name>%s</name></domain>", names[i]);
        struct mb_hv_dom *d = NULL;
        assert_int_equal(mb_hv_dom_create(b, xml, &d, &e), MB_OK);
        mb_hv_dom_free(d);
    }
    mb_hv_close(b);
    fake_ssh.out_chunk = host_text_at(0, 0);
    fake_ssh.out_repeat = 1;
    double t0 = mb_now_wall();
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
        nap_ms(50);
    }
    double t1 = mb_now_wall();
    struct mb_monitor_usage u;
    assert_int_equal(mb_monitor_vm_usage(m, "hostB", "mbr-ph*", t0, t1, &u, &e), MB_OK);
    assert_int_equal(u.vms, 3);
    assert_int_equal(u.samples, 3);
    assert_true(fabs(u.vcpu_pct - 3 * 40) < 10);
    assert_true(fabs(u.rss_max - 3 * 100.0 * 1048576) < 1);
    assert_true(fabs(u.mem_last - 3 * 131072.0 * 1024) < 1);
    /* a window before anything was sampled: nothing */
    assert_int_equal(mb_monitor_vm_usage(m, "hostB", "mbr-ph*", t0 - 100, t0 - 50, &u, &e), MB_OK);
    assert_int_equal(u.samples, 0);
    mb_monitor_free(m);
    rm_tmpdir();
}

static void test_thread_samples_every_interval(void **state)
{
    (void)state;
    struct rig r;
    struct mb_monitor *m = rig_monitor(&r, 0.02);
    struct mb_error e;
    fake_ssh.out_chunk = host_text_at(0, 0);
    fake_ssh.out_repeat = 1;
    assert_int_equal(mb_monitor_start(m, &e), MB_OK);
    assert_int_equal(mb_monitor_start(m, &e), MB_OK); /* a second start does nothing */
    nap_ms(210);
    mb_monitor_stop(m);
    struct mb_monitor_status st;
    mb_monitor_status(m, &st);
    assert_in_range(st.ticks, 6, 13);
    assert_true(st.cpu_s > 0);
    assert_true(st.sample_ms_max > 0);
    unsigned long ticks = st.ticks;
    nap_ms(60);
    mb_monitor_status(m, &st);
    assert_int_equal(st.ticks, ticks); /* stopped means stopped */
    mb_monitor_stop(m);                /* twice is fine */
    mb_monitor_free(m);
    rm_tmpdir();
}

static void test_ssh_agent_thread_batches(void **state)
{
    (void)state;
    struct rig r;
    struct mb_monitor *m = rig_monitor(&r, 0.02);
    mb_monitor_free(m);
    unlink(r.csv);
    struct mb_monitor_opts o = {.interval_s = 0.02,
                                .ssh_batch_s = 0.1,
                                .csv_path = r.csv,
                                .hv_ops = &timed_hv,
                                .ssh_ops = &fake_remote};
    struct mb_error e;
    assert_int_equal(mb_monitor_new(r.hosts, 2, &o, &m, &e), MB_OK);
    double t0 = mb_now_wall() - 0.001;       /* the agent's clock is printed to the µs */
    fake_ssh.out_chunk = host_text_at(0, 0); /* a sample of now, every time */
    fake_ssh.out_repeat = 1;
    mb_monitor_set_label(m, "run-1");
    assert_int_equal(mb_monitor_start(m, &e), MB_OK);
    nap_ms(150);
    /* the tick leaves host A to its agent thread */
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    assert_string_equal(fake_ssh.last_cmd, "exec bash -s -- 5 20000");
    mb_monitor_set_label(m, "run-2");
    nap_ms(150);
    double t1 = mb_now_wall();
    assert_int_equal(mb_monitor_flush(m, t0, 1, &e), MB_OK);
    mb_monitor_stop(m);
    /* batches paced by their length (the fake answers at once): no busy loop */
    assert_int_equal(fake_ssh.connects, 1);
    struct mb_monitor_status st;
    mb_monitor_status(m, &st);
    assert_int_equal(st.errors, 0);
    struct mb_monitor_usage u;
    assert_int_equal(mb_monitor_vm_usage(m, "hostA", "vm1", t0, t1, &u, &e), MB_OK);
    assert_true(u.samples >= 10);
    mb_monitor_free(m);
    char *csv = slurp(r.csv);
    int hostrows = 0;
    for (char *p = csv; (p = strstr(p, ",hostA,host,hostA,")); p++)
        hostrows++;
    assert_in_range(hostrows, 2, 6);
    assert_non_null(strstr(csv, ",run-1,hostA,vm,vm1,"));
    assert_non_null(strstr(csv, ",run-2,hostA,vm,vm1,"));
    free(csv);
    rm_tmpdir();
}

static void test_flush_waits_for_every_host(void **state)
{
    (void)state;
    struct rig r;
    struct mb_monitor *m = rig_monitor(&r, 0.5);
    struct mb_error e;
    fake_ssh.out_chunk = host_text_at(0, 0);
    fake_ssh.out_repeat = 1;
    double t = mb_now_wall() - 1;
    mb_error_clear(&e);
    assert_int_equal(mb_monitor_flush(m, t, 0.1, &e), MB_EFAILED);
    assert_non_null(strstr(e.msg, "host hostA"));
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    assert_int_equal(mb_monitor_flush(m, t, 0.1, &e), MB_OK); /* host B is not read: skipped */
    mb_monitor_free(m);
    rm_tmpdir();
}

static void test_unreachable_host_is_a_gap(void **state)
{
    (void)state;
    struct rig r;
    struct mb_monitor *m = rig_monitor(&r, 0.5);
    mb_monitor_free(m);
    rm_tmpdir();
    /* now with host A unreachable over SSH and host B's libvirt down */
    setup_fake();
    make_tmpdir();
    snprintf(r.key, sizeof(r.key), "%s/key", tmpdir);
    write_file(r.key, "k\n");
    r.ssh = (struct mb_remote_target){.address = "unreachable", .key = r.key, .insecure = true};
    r.hosts[0] = (struct mb_monitor_host){.name = "hostA", .uri = "fake://A", .ssh = &r.ssh};
    r.hosts[1] = (struct mb_monitor_host){.name = "hostB", .uri = "fake://down"};
    struct mb_monitor_opts o = {.hv_ops = &timed_hv, .ssh_ops = &fake_remote};
    struct mb_error e;
    assert_int_equal(mb_monitor_new(r.hosts, 2, &o, &m, &e), MB_OK);
    struct mb_monitor_status st = two_samples(m);
    assert_int_equal(st.ticks, 2);
    /* one failed connection per host, not one per sample: retried after a pause */
    assert_int_equal(st.errors, 2);
    assert_int_equal(fake_ssh.connects, 0);
    assert_non_null(strstr(st.last_error, "fake://down"));
    /* vm1 on host A still measured */
    struct mb_monitor_usage u;
    assert_int_equal(mb_monitor_vm_usage(m, "hostA", "vm1", 0, mb_now_wall(), &u, &e), MB_OK);
    assert_int_equal(u.samples, 2);
    mb_monitor_free(m);
    rm_tmpdir();
}

/* A monitor of host A alone (its VMs through ops, no host series) writing to csv. */
static int host_a_monitor(const struct mb_hv_ops *ops, const char *csv, struct mb_monitor **m,
                          struct mb_error *e)
{
    static const struct mb_monitor_host host_a = {.name = "hostA", .uri = "fake://A"};
    struct mb_monitor_opts o = {.csv_path = csv, .hv_ops = ops};
    mb_error_clear(e);
    return mb_monitor_new(&host_a, 1, &o, m, e);
}

/* VM sampling through the hypervisor's bulk statistics: one call per host per sample,
 * a domain that appears or goes, fields the driver does not report left empty, and a
 * connection that breaks. */
static void test_vms_through_bulk_stats(void **state)
{
    (void)state;
    setup_fake();
    fake_bulk_reset();
    fake_bulk.cpu_stats = t_cpu_stats;
    make_tmpdir();
    char csv[300];
    snprintf(csv, sizeof(csv), "%s/monitor.csv", tmpdir);
    struct mb_monitor *m = NULL;
    struct mb_error e;
    assert_int_equal(host_a_monitor(&fake_hv_bulk, csv, &m, &e), MB_OK);
    double t0 = mb_now_wall();
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    /* vm2 appears */
    fake.doms[1] = fake.doms[0];
    snprintf(fake.doms[1].name, sizeof(fake.doms[1].name), "vm2");
    nap_ms(200);
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    /* vm1 goes; vm2 is reported with its state and CPU time only */
    fake.doms[0].used = false;
    fake_bulk.partial = true;
    nap_ms(200);
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    double t1 = mb_now_wall();
    assert_int_equal(fake_bulk.calls, 3);

    struct mb_monitor_usage u;
    assert_int_equal(mb_monitor_vm_usage(m, "hostA", "vm1", t0, t1, &u, &e), MB_OK);
    assert_int_equal(u.samples, 2);
    assert_true(fabs(u.vcpu_pct - 40) < 4);
    assert_true(fabs(u.rss_last - 90.0 * 1048576) < 1);
    assert_int_equal(mb_monitor_vm_usage(m, "hostA", "vm2", t0, t1, &u, &e), MB_OK);
    assert_int_equal(u.samples, 2);
    assert_true(fabs(u.cpu_pct - 50) < 5);
    assert_true(isnan(u.vcpu_pct)); /* its last sample had no vCPU time */

    /* the connection breaks: a gap and an error, then a reconnection after a pause */
    fake_bulk.fail = true;
    struct mb_monitor_status st = two_samples(m);
    assert_int_equal(st.ticks, 5);
    assert_int_equal(st.errors, 1);
    assert_non_null(strstr(st.last_error, "host hostA: domain statistics: Cannot recv data"));
    assert_int_equal(fake_bulk.calls, 4);
    mb_monitor_free(m);

    char *text = slurp(csv);
    assert_non_null(text);
    int lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + 1 + 2 + 1);
    assert_non_null(strstr(text, ",hostA,vm,vm1,running,"));
    assert_non_null(strstr(text, ",libvirt-bulk\n"));
    assert_null(strstr(text, ",libvirt\n"));
    /* vm2's last line: CPU time, and the columns of what was not reported empty */
    const char *last = strrchr(text, '\n');
    while (last > text && last[-1] != '\n')
        last--;
    const char *c = strstr(last, ",vm2,running,");
    assert_non_null(c);
    char *cols = mb_xstrndup(c, strcspn(c, "\n"));
    /* ,vm2,running,cpu_pct,vcpu_pct,cpu_time_ns,vcpu_time_ns,mem,rss,limit,net x4,source */
    int ncomma = 0;
    const char *p = cols + strlen(",vm2,running,");
    const char *fields[16] = {p};
    for (const char *q = p; *q; q++)
        if (*q == ',' && ncomma < 15)
            fields[++ncomma] = q + 1;
    assert_int_equal(ncomma, 11);
    assert_true(fields[0][0] != ','); /* cpu_pct */
    assert_true(fields[1][0] == ','); /* vcpu_pct */
    assert_true(fields[2][0] != ','); /* cpu_time_ns */
    for (int k = 3; k <= 10; k++)     /* vcpu_time_ns .. net_tx_bytes */
        assert_true(fields[k][0] == ',');
    assert_string_equal(fields[11], "libvirt-bulk");
    free(cols);
    free(text);
    rm_tmpdir();
}

/* ---- the local reader -------------------------------------------------------------------- */

static void test_local_reader(void **state)
{
    (void)state;
    setup_fake();
    make_tmpdir();
    char proc[300], cg[300], p[512];
    snprintf(proc, sizeof(proc), "%s/proc", tmpdir);
    snprintf(cg, sizeof(cg), "%s/cgroup", tmpdir);
    snprintf(p, sizeof(p), "%s/4242/cgroup", proc);
    write_file(p, "9:name=systemd:/\n4:memory:/migbench/rsv/hostB\n3:cpuset:/migbench/rsv/hostB\n"
                  "2:cpu,cpuacct:/migbench/rsv/hostB\n");
    snprintf(p, sizeof(p), "%s/4242/net/dev", proc);
    write_file(p, "Inter-| Receive\n face |bytes\n    lo: 9 1 0 0 0 0 0 0 9 1 0 0 0 0 0 0\n"
                  "uplink: 5000 1 0 0 0 0 0 0 7000 2 0 0 0 0 0 0\n");
    snprintf(p, sizeof(p), "%s/meminfo", proc);
    write_file(p, "MemTotal: 4000000 kB\nMemAvailable: 1000 kB\n");
    snprintf(p, sizeof(p), "%s/cpuacct/migbench/rsv/hostB/cpuacct.usage_percpu", cg);
    write_file(p, "111 222 \n");
    snprintf(p, sizeof(p), "%s/cpuset/migbench/rsv/hostB/cpuset.cpus", cg);
    write_file(p, "1\n");
    snprintf(p, sizeof(p), "%s/memory/migbench/rsv/hostB/memory.usage_in_bytes", cg);
    write_file(p, "3000\n");
    snprintf(p, sizeof(p), "%s/memory/migbench/rsv/hostB/memory.limit_in_bytes", cg);
    write_file(p, "9223372036854771712\n");
    snprintf(p, sizeof(p), "%s/memory/migbench/rsv/hostB/memory.stat", cg);
    write_file(p, "rss 1000\ntotal_rss 2000\n");
    char csv[300];
    snprintf(csv, sizeof(csv), "%s/monitor.csv", tmpdir);
    struct mb_remote_target never = {.address = "unreachable", .insecure = true};
    struct mb_monitor_host h[2] = {
        {.name = "hostB", .local_pid = 4242, .ssh = &never},
        {.name = "hostC", .local_pid = 999999, .ssh = NULL}, /* no such PID, no SSH */
    };
    struct mb_monitor_opts o = {.csv_path = csv,
                                .hv_ops = &timed_hv,
                                .ssh_ops = &fake_remote,
                                .proc_root = proc,
                                .cgroup_root = cg};
    struct mb_monitor *m = NULL;
    struct mb_error e;
    assert_int_equal(mb_monitor_new(h, 2, &o, &m, &e), MB_OK);
    struct mb_monitor_status st;
    mb_monitor_status(m, &st);
    assert_string_equal(st.host_source[0], "local");
    assert_string_equal(st.host_source[1], "none");
    assert_int_equal(st.errors, 1); /* hostC: said once, at the start */
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    /* the reader keeps its files open (as the kernel's are, rewritten in place): the next
     * tick reads what they say then, a longer text and a shorter one whole */
    snprintf(p, sizeof(p), "%s/cpuacct/migbench/rsv/hostB/cpuacct.usage_percpu", cg);
    write_file(p, "111 333333 \n");
    snprintf(p, sizeof(p), "%s/memory/migbench/rsv/hostB/memory.usage_in_bytes", cg);
    write_file(p, "31\n");
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    mb_monitor_free(m);
    assert_int_equal(fake_ssh.connects, 0); /* local: never SSH */
    char *text = slurp(csv);
    assert_non_null(text);
    /* CPU 1 only (the cpuset), total_rss, the machine's MemTotal bounding the limit */
    assert_non_null(strstr(text, ",hostB,host,hostB,,,,222,,3000,2000,4096000000,,,5000,7000,"
                                 "local-cgroup\n"));
    assert_non_null(strstr(text, ",hostB,cpu,cpu1,,,,222,"));
    assert_null(strstr(text, ",cpu0,"));
    assert_non_null(strstr(text, ",333333,,31,2000,4096000000,"));
    free(text);
    rm_tmpdir();
}

/* The local reader on a cgroup v2 machine: a lab host's PID 1 in its leaf init/, the host's
 * cgroup at the root of its cgroup namespace.  The host row's CPU is the cgroup's
 * usage_usec; its cores, which v2 does not account per CPU, come from /proc/stat for the
 * CPUs of its cpuset.cpus.effective, marked local-proc. */
static void test_local_reader_v2(void **state)
{
    (void)state;
    setup_fake();
    make_tmpdir();
    char proc[300], cg[300], p[512];
    snprintf(proc, sizeof(proc), "%s/proc", tmpdir);
    snprintf(cg, sizeof(cg), "%s/cgroup", tmpdir);
    snprintf(p, sizeof(p), "%s/4242/cgroup", proc);
    write_file(p, "0::/migbench/rsv/hostB/init\n");
    snprintf(p, sizeof(p), "%s/4242/mountinfo", proc);
    write_file(p, "601 600 0:27 /migbench/rsv/hostB /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    snprintf(p, sizeof(p), "%s/4242/net/dev", proc);
    write_file(p, "Inter-| Receive\n face |bytes\n"
                  "uplink: 5000 1 0 0 0 0 0 0 7000 2 0 0 0 0 0 0\n");
    snprintf(p, sizeof(p), "%s/meminfo", proc);
    write_file(p, "MemTotal: 4000000 kB\nMemAvailable: 1000 kB\n");
    snprintf(p, sizeof(p), "%s/stat", proc);
    write_file(p, "cpu  9 9 9 9 9 9 9 9\ncpu0 1 0 0 50 0 0 0 0\ncpu1 2 0 1 50 0 0 0 0\n"
                  "cpu2 4 0 0 50 0 0 0 0\n");
    snprintf(p, sizeof(p), "%s/cgroup.controllers", cg);
    write_file(p, "cpuset cpu memory pids\n");
    static const char *const files[][2] = {
        {"cpu.stat", "usage_usec 333\nuser_usec 300\nsystem_usec 33\n"},
        {"cpuset.cpus.effective", "1-2\n"},
        {"memory.current", "3000\n"},
        {"memory.max", "max\n"},
        {"memory.stat", "anon 2000\nfile 1000\n"},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(p, sizeof(p), "%s/migbench/rsv/hostB/%s", cg, files[i][0]);
        write_file(p, files[i][1]);
    }
    snprintf(p, sizeof(p), "%s/migbench/rsv/hostB/init/cpu.stat", cg);
    write_file(p, "usage_usec 1\n"); /* the leaf: not the host's */
    char csv[300];
    snprintf(csv, sizeof(csv), "%s/monitor.csv", tmpdir);
    struct mb_monitor_host h[1] = {{.name = "hostB", .local_pid = 4242}};
    struct mb_monitor_opts o = {.csv_path = csv,
                                .hv_ops = &timed_hv,
                                .ssh_ops = &fake_remote,
                                .proc_root = proc,
                                .cgroup_root = cg};
    struct mb_monitor *m = NULL;
    struct mb_error e;
    assert_int_equal(mb_monitor_new(h, 1, &o, &m, &e), MB_OK);
    struct mb_monitor_status st;
    mb_monitor_status(m, &st);
    assert_string_equal(st.host_source[0], "local");
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    mb_monitor_status(m, &st);
    assert_int_equal(st.errors, 0);
    mb_monitor_free(m);
    char *text = slurp(csv);
    assert_non_null(text);
    /* 333 us of the host's cgroup; memory.max "max" bounded by MemTotal; anon */
    assert_non_null(strstr(text, ",hostB,host,hostB,,,,333000,,3000,2000,4096000000,,,5000,7000,"
                                 "local-cgroup\n"));
    /* cores 1 and 2 (the effective cpuset) from /proc/stat: busy ticks of 10 ms */
    assert_non_null(strstr(text, ",hostB,cpu,cpu1,,,,30000000,,,,,,,,,local-proc\n"));
    assert_non_null(strstr(text, ",hostB,cpu,cpu2,,,,40000000,,,,,,,,,local-proc\n"));
    assert_null(strstr(text, ",cpu0,"));
    free(text);
    rm_tmpdir();
}

/* The agent's text from a v2 host (its /sys/fs/cgroup the unified hierarchy). */
static void test_parse_agent_form_v2(void **state)
{
    (void)state;
    static const char text[] = "@tick 1795706466.123456\n"
                               "@file /sys/fs/cgroup/cpu.stat\n"
                               "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n"
                               "@file /sys/fs/cgroup/cpuset.cpus.effective\n"
                               "0\n"
                               "@file /sys/fs/cgroup/memory.current\n"
                               "8192\n"
                               "@file /sys/fs/cgroup/memory.max\n"
                               "4096000\n"
                               "@file /sys/fs/cgroup/memory.stat\n"
                               "anon 4096\nfile 4096\n"
                               "@file /proc/meminfo\n"
                               "MemTotal:        8000 kB\n"
                               "@file /proc/stat\n"
                               "cpu0 1 0 0 5 0 0 0 0\n"
                               "cpu1 7 0 0 5 0 0 0 0\n";
    struct mb_monitor_host_sample s;
    struct mb_error e;
    assert_int_equal(mb_monitor_parse_host(text, NULL, &s, &e), MB_OK);
    assert_string_equal(s.cpu_source, "cgroup");
    assert_string_equal(s.core_source, "proc");
    assert_int_equal(s.cpu_total_ns, 2500000);
    assert_int_equal(s.ncpus, 1);
    assert_int_equal(s.cpu_id[0], 0);
    assert_int_equal(s.cpu_ns[0], 10000000);
    assert_string_equal(s.mem_source, "cgroup");
    assert_int_equal(s.mem_used, 8192);
    assert_int_equal(s.mem_rss, 4096);
    assert_int_equal(s.mem_limit, 4096000);
}

/* ---- monitor.csv --------------------------------------------------------------------------- */

static void test_csv_with_another_header_is_left_alone(void **state)
{
    (void)state;
    setup_fake();
    make_tmpdir();
    char csv[300];
    snprintf(csv, sizeof(csv), "%s/monitor.csv", tmpdir);
    write_file(csv, "run_id,scenario\nx,y\n");
    struct mb_monitor *m = NULL;
    struct mb_error e;
    assert_int_equal(host_a_monitor(&timed_hv, csv, &m, &e), MB_EINPUT);
    assert_null(m);
    assert_non_null(strstr(e.file, "monitor.csv"));
    char *text = slurp(csv);
    assert_string_equal(text, "run_id,scenario\nx,y\n");
    free(text);
    /* our own file is appended to */
    unlink(csv);
    assert_int_equal(host_a_monitor(&timed_hv, csv, &m, &e), MB_OK);
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    mb_monitor_free(m);
    assert_int_equal(host_a_monitor(&timed_hv, csv, &m, &e), MB_OK);
    assert_int_equal(mb_monitor_sample_now(m, &e), MB_OK);
    mb_monitor_free(m);
    text = slurp(csv);
    int headers = 0;
    for (char *p = text; (p = strstr(p, "time,t_s,")); p++)
        headers++;
    assert_int_equal(headers, 1);
    free(text);
    rm_tmpdir();
}

static void test_bad_options(void **state)
{
    (void)state;
    struct mb_monitor_host h = {.name = "hostA"};
    struct mb_monitor_opts o = {.interval_s = 0.001};
    struct mb_monitor *m = NULL;
    struct mb_error e;
    assert_int_equal(mb_monitor_new(&h, 1, &o, &m, &e), MB_EINPUT);
    assert_non_null(strstr(e.msg, "interval"));
    struct mb_monitor_host noname = {.name = ""};
    assert_int_equal(mb_monitor_new(&noname, 1, NULL, &m, &e), MB_EINPUT);
    mb_monitor_free(NULL);
}

/* ---- the lab ------------------------------------------------------------------------------ */

static void test_lab_pid(void **state)
{
    (void)state;
    make_tmpdir();
    char tb[300], env[300];
    snprintf(tb, sizeof(tb), "%s/testbed.yaml", tmpdir);
    snprintf(env, sizeof(env), "%s/lab.env", tmpdir);
    struct mb_error e;
    int pid = -1;
    /* no lab.env: not a lab, read over SSH */
    assert_int_equal(mb_monitor_lab_pid(tb, "hostA", &pid, &e), MB_OK);
    assert_int_equal(pid, 0);
    /* a PID in this very namespace is not a lab host */
    char text[200];
    snprintf(text, sizeof(text), "name=x\nhost.hostA.holder=%d\nhost.hostB.holder=999999999\n",
             (int)getpid());
    write_file(env, text);
    mb_error_clear(&e);
    assert_int_equal(mb_monitor_lab_pid(tb, "hostA", &pid, &e), MB_EENV);
    assert_non_null(strstr(e.msg, "own network namespace"));
    assert_int_equal(pid, 0);
    assert_int_equal(mb_monitor_lab_pid(tb, "hostB", &pid, &e), MB_EENV);
    assert_non_null(strstr(e.msg, "does not run"));
    /* a host lab.env does not name */
    assert_int_equal(mb_monitor_lab_pid(tb, "hostC", &pid, &e), MB_OK);
    assert_int_equal(pid, 0);
    rm_tmpdir();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_lab_host),
        cmocka_unit_test(test_parse_real_host_proc),
        cmocka_unit_test(test_parse_host_unlimited_cgroup_bounded_by_memtotal),
        cmocka_unit_test(test_parse_host_garbage),
        cmocka_unit_test(test_default_netdevs),
        cmocka_unit_test(test_parse_agent_form),
        cmocka_unit_test(test_agent_script_runs),
        cmocka_unit_test(test_sample_csv_and_figures),
        cmocka_unit_test(test_cap_and_balloon_checks),
        cmocka_unit_test(test_prefix_usage_adds_up),
        cmocka_unit_test(test_thread_samples_every_interval),
        cmocka_unit_test(test_ssh_agent_thread_batches),
        cmocka_unit_test(test_flush_waits_for_every_host),
        cmocka_unit_test(test_flush_waits_for_the_vms),
        cmocka_unit_test(test_unreachable_host_is_a_gap),
        cmocka_unit_test(test_vms_through_bulk_stats),
        cmocka_unit_test(test_local_reader),
        cmocka_unit_test(test_local_reader_v2),
        cmocka_unit_test(test_parse_agent_form_v2),
        cmocka_unit_test(test_csv_with_another_header_is_left_alone),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_lab_pid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
