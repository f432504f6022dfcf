/* cmd_vm.c — `migbench vm`: start, reach, migrate, cap, balloon and destroy single guests
 * on a testbed, through the same hypervisor and remote modules the runner uses.  The
 * testbed's end-to-end test drives the modules with it. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "domxml.h"
#include "guest.h"
#include "hypervisor.h"
#include "remote.h"
#include "testbed.h"
#include "lib/units.h"
#include "lib/util.h"

static const char usage_text[] =
    "usage: migbench vm [--testbed FILE|NAME] COMMAND ARGS...\n"
    "\n"
    "Single guests on a testbed (default: the embedded lab's, 'lab').  Guest N is named\n"
    "vmN; its IP and MAC come from the testbed's guest.network, so it keeps them on\n"
    "every host.\n"
    "\n"
    "  start HOST N [--memory SIZE] [--vcpus N] [--disk SIZE] [--wait DURATION]\n"
    "        boot vmN on HOST (default 256MiB, 1 vCPU) and wait until it answers over\n"
    "        SSH (default 120s; 0 = don't wait); prints boot_to_ssh_s.  --disk: a new\n"
    "        scratch disk (sparse, in guest.disk_dir, which every host sees; the guest\n"
    "        mounts it on /mnt/scratch)\n"
    "  exec N [--timeout DURATION] [--] CMD...\n"
    "        run CMD in vmN over SSH (host key checked against guest.ssh.known_hosts);\n"
    "        prints its output; exit 1 if it fails\n"
    "  migrate N FROM TO [--max-downtime MS] [--timeout S] [--keep-cap] [--unsafe]\n"
    "        [--bandwidth RATE] [--parallel N] [--auto-converge] [--compression NAME]\n"
    "        [--postcopy [--postcopy-after S]]\n"
    "        live-migrate vmN (peer-to-peer) and print the job statistics as key=value;\n"
    "        the source's CPU cap is not carried over unless --keep-cap; --unsafe lets\n"
    "        libvirt migrate a guest with a disk it cannot prove shared (guest.disk_dir)\n"
    "  cap N PERCENT [--measure DURATION]\n"
    "        cap vmN's vCPUs at PERCENT of one host CPU (0 = no cap) and read it back;\n"
    "        --measure samples the vCPUs' CPU time over DURATION\n"
    "  balloon N SIZE [--timeout DURATION]\n"
    "        set vmN's balloon and wait until the guest reaches it (default 30s)\n"
    "  destroy N    stop vmN wherever it runs (and remove its scratch disk)\n"
    "  list         guests on every host\n"
    "  hosts        hypervisor, libvirt and CPU of every host (provenance)\n"
    "\n"
    "Durations take units (500ms, 30s, 2min); a bare number is in the unit the option\n"
    "names (MS, S; DURATION: seconds).  Sizes take units (256MiB, 1GiB).\n"
    "\n"
    "exit status: 0 ok, 1 migration failed or timed out / command failed in the guest,\n"
    "2 usage or bad input, 3 environment error (testbed, libvirt, ssh), 130 interrupted\n"
    "(a migration interrupted by SIGINT/SIGTERM is aborted first).\n";

/* ---- command-line helpers -------------------------------------------------------- */

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("migbench vm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n(see 'migbench vm --help')\n", stderr);
    va_end(ap);
    return MB_EXIT_INPUT;
}

static int report(const struct mb_error *e)
{
    char buf[2048];
    mb_error_format(e, buf, sizeof(buf));
    fprintf(stderr, "migbench vm: %s\n", buf);
    return mb_exit_code(e->status ? e->status : MB_EENV);
}

/* A duration in seconds: with a unit (500ms, 2min), or a bare number in unit_ms. */
static int parse_seconds(const char *opt, const char *s, double unit_ms, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end != s && *end == '\0' && isfinite(v) && v >= 0) {
        *out = v * unit_ms / 1000.0;
        return 0;
    }
    char why[128];
    double ms;
    if (mb_parse_duration_ms(s, &ms, why, sizeof(why)) < 0)
        return bad_usage("%s '%s' is not valid: %s; expected %s or a duration like 500ms, 30s", opt,
                         s, why, unit_ms == 1 ? "milliseconds" : "seconds");
    *out = ms / 1000.0;
    return 0;
}

static int parse_count(const char *what, const char *s, int min, int max, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < min || v > max)
        return bad_usage("%s '%s': expected a whole number from %d to %d", what, s, min, max);
    *out = (int)v;
    return 0;
}

static int parse_size(const char *what, const char *s, uint64_t *out)
{
    char why[128];
    if (mb_parse_size(s, out, why, sizeof(why)) < 0)
        return bad_usage("%s '%s' is not valid: %s; expected a size like 256MiB", what, s, why);
    return 0;
}

/* The value of option argv[*i] (advancing *i), or NULL after complaining. */
static const char *opt_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        bad_usage("option %s needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

/* ---- the testbed and its connections --------------------------------------------- */

struct ctx {
    struct mb_testbed *tb;
    struct mb_hv **hv; /* per host, opened on first use */
};

static int ctx_hv(struct ctx *c, int h, struct mb_hv **out, struct mb_error *err)
{
    if (!c->hv[h]) {
        int rc = mb_hv_open(NULL, c->tb->hosts[h].uri, &c->hv[h], err);
        if (rc < 0) {
            char msg[sizeof(err->msg)];
            snprintf(msg, sizeof(msg), "%s", err->msg);
            return mb_error_set(err, rc, "%s: %s", c->tb->hosts[h].name, msg);
        }
    }
    *out = c->hv[h];
    return MB_OK;
}

static int host_index(const struct ctx *c, const char *name)
{
    for (int h = 0; h < c->tb->nhosts; h++)
        if (!strcmp(c->tb->hosts[h].name, name))
            return h;
    const char *names[64];
    int n = 0;
    for (int h = 0; h < c->tb->nhosts && n < 63; h++)
        names[n++] = c->tb->hosts[h].name;
    names[n] = NULL;
    const char *s = mb_suggest(name, names);
    fprintf(stderr, "migbench vm: no host '%s' in %s%s%s%s\n", name, c->tb->path,
            s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    return -1;
}

/* The host vmN runs on: its index and domain (*dom NULL and MB_OK if on none).  An
 * unreachable host is an error: the guest might be there. */
static int find_vm(struct ctx *c, const char *name, int *host, struct mb_hv_dom **dom,
                   struct mb_error *err)
{
    *dom = NULL;
    for (int h = 0; h < c->tb->nhosts; h++) {
        struct mb_hv *hv;
        int rc = ctx_hv(c, h, &hv, err);
        if (rc < 0)
            return rc;
        rc = mb_hv_dom_lookup(hv, name, dom, err);
        if (rc < 0)
            return rc;
        if (*dom) {
            *host = h;
            return MB_OK;
        }
    }
    return MB_OK;
}

static int need_vm(struct ctx *c, int n, int *host, struct mb_hv_dom **dom, struct mb_error *err)
{
    char name[32];
    snprintf(name, sizeof(name), "vm%d", n);
    int rc = find_vm(c, name, host, dom, err);
    if (rc == MB_OK && !*dom)
        rc = mb_error_set(err, MB_EINPUT, "%s is not running on any host of %s", name, c->tb->path);
    return rc;
}

/* ---- subcommands ----------------------------------------------------------------- */

static int cmd_start(struct ctx *c, int argc, char **argv)
{
    const char *pos[2];
    int npos = 0, vcpus = 1, n;
    uint64_t memory = 256ULL << 20, disk = 0;
    double wait_s = 120;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--memory")) {
            if (!(v = opt_value(argc, argv, &i)) || parse_size("--memory", v, &memory))
                return MB_EXIT_INPUT;
        } else if (!strcmp(argv[i], "--vcpus")) {
            if (!(v = opt_value(argc, argv, &i)) || parse_count("--vcpus", v, 1, 64, &vcpus))
                return MB_EXIT_INPUT;
        } else if (!strcmp(argv[i], "--wait")) {
            if (!(v = opt_value(argc, argv, &i)) || parse_seconds("--wait", v, 1000, &wait_s))
                return MB_EXIT_INPUT;
        } else if (!strcmp(argv[i], "--disk")) {
            if (!(v = opt_value(argc, argv, &i)) || parse_size("--disk", v, &disk))
                return MB_EXIT_INPUT;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return bad_usage("start: unknown option '%s'", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return bad_usage("start: too many arguments");
        }
    }
    if (npos != 2)
        return bad_usage("start needs HOST and N");
    int h = host_index(c, pos[0]);
    if (h < 0)
        return MB_EXIT_INPUT;
    if (parse_count("N", pos[1], 1, 9999, &n))
        return MB_EXIT_INPUT;
    if (memory < (16ULL << 20))
        return bad_usage("--memory: at least 16MiB");

    const struct mb_testbed *tb = c->tb;
    const struct mb_host *host = &tb->hosts[h];
    struct mb_error err;
    mb_error_clear(&err);
    char name[32], ip[16], mac[18];
    snprintf(name, sizeof(name), "vm%d", n);
    if (mb_guest_addr(tb, n, ip, mac, &err) < 0)
        return report(&err);
    int where;
    struct mb_hv_dom *dom = NULL;
    if (find_vm(c, name, &where, &dom, &err) < 0)
        return report(&err);
    if (dom) {
        mb_hv_dom_free(dom);
        fprintf(stderr, "migbench vm: %s already runs on %s\n", name, tb->hosts[where].name);
        return MB_EXIT_INPUT;
    }
    char *disk_path = NULL;
    if (disk > 0) {
        if (!tb->guest.disk_dir) {
            fprintf(stderr, "migbench vm: --disk: %s has no guest.disk_dir\n", tb->path);
            return MB_EXIT_INPUT;
        }
        /* sparse and new: nothing of an earlier guest's disk survives */
        disk_path = mb_xasprintf("%s/%s.raw", tb->guest.disk_dir, name);
        int fd = open(disk_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || ftruncate(fd, (off_t)disk) < 0) {
            mb_error_set(&err, MB_EENV, "scratch disk %s: %s", disk_path, strerror(errno));
            if (fd >= 0)
                close(fd);
            free(disk_path);
            return report(&err);
        }
        close(fd);
    }
    struct mb_guest_opts go = {
        .name = name, .n = n, .memory = memory, .vcpus = vcpus, .disk = disk_path};
    char *xml = mb_guest_xml(tb, host, &go, &err);
    free(disk_path);
    if (!xml)
        return report(&err);
    struct mb_hv *hv;
    double t0 = mb_now_mono();
    int rc = ctx_hv(c, h, &hv, &err);
    if (rc == MB_OK)
        rc = mb_hv_dom_create(hv, xml, &dom, &err);
    free(xml);
    if (rc < 0)
        return report(&err);
    mb_hv_dom_free(dom);
    printf("%s started on %s: ip=%s mac=%s memory=%lluMiB vcpus=%d\n", name, host->name, ip, mac,
           (unsigned long long)(memory >> 20), vcpus);
    fflush(stdout);
    if (wait_s > 0) {
        if (mb_guest_wait_ssh(tb, ip, wait_s, NULL, &err) < 0) {
            fprintf(stderr,
                    "migbench vm: %s is running on %s but unreachable; 'migbench vm "
                    "destroy %d' stops it\n",
                    name, host->name, n);
            return report(&err);
        }
        printf("boot_to_ssh_s=%.2f\n", mb_now_mono() - t0);
    }
    return MB_EXIT_OK;
}

static int cmd_exec(struct ctx *c, int argc, char **argv)
{
    double timeout_s = 60;
    int i = 1, n;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *v;
        if (!strcmp(argv[i], "--timeout")) {
            if (!(v = opt_value(argc, argv, &i)) || parse_seconds("--timeout", v, 1000, &timeout_s))
                return MB_EXIT_INPUT;
        } else {
            return bad_usage("exec: unknown option '%s'", argv[i]);
        }
    }
    if (i >= argc)
        return bad_usage("exec needs N and a command");
    if (parse_count("N", argv[i++], 1, 9999, &n))
        return MB_EXIT_INPUT;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *v;
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (!strcmp(argv[i], "--timeout")) {
            if (!(v = opt_value(argc, argv, &i)) || parse_seconds("--timeout", v, 1000, &timeout_s))
                return MB_EXIT_INPUT;
        } else {
            break; /* the command's own option */
        }
    }
    if (i >= argc)
        return bad_usage("exec needs a command");
    /* the words are joined as ssh does: the remote shell parses the line */
    struct mb_buf cmd = {0};
    for (int j = i; j < argc; j++)
        mb_buf_printf(&cmd, "%s%s", j > i ? " " : "", argv[j]);

    struct mb_error err;
    mb_error_clear(&err);
    char ip[16], mac[18];
    if (mb_guest_addr(c->tb, n, ip, mac, &err) < 0) {
        mb_buf_free(&cmd);
        return report(&err);
    }
    struct mb_remote_target t;
    mb_guest_target(c->tb, ip, 10, &t);
    struct mb_remote *r = NULL;
    int rc = mb_remote_open(NULL, &t, &r, &err);
    if (rc < 0) {
        mb_buf_free(&cmd);
        return report(&err);
    }
    struct mb_remote_cmd rc_cmd = {.cmd = cmd.data, .timeout_s = timeout_s};
    struct mb_remote_result res;
    rc = mb_remote_exec(r, &rc_cmd, &res, &err);
    fwrite(res.out.data, 1, res.out.len, stdout);
    fwrite(res.err.data, 1, res.err.len, stderr);
    fflush(stdout);
    int exit = MB_EXIT_OK;
    if (rc < 0 && !res.timed_out) {
        exit = report(&err);
    } else if (res.timed_out) {
        report(&err);
        exit = MB_EXIT_FAILED;
    } else if (res.exit_status != 0) {
        if (res.exit_signal[0])
            fprintf(stderr, "migbench vm: vm%d: command killed by SIG%s\n", n, res.exit_signal);
        else
            fprintf(stderr, "migbench vm: vm%d: command exited with %d\n", n, res.exit_status);
        exit = MB_EXIT_FAILED;
    }
    if (res.out_truncated || res.err_truncated)
        fprintf(stderr, "migbench vm: output truncated at 1 MiB\n");
    mb_remote_result_free(&res);
    mb_remote_close(r);
    mb_buf_free(&cmd);
    return exit;
}

static void print_num(const char *key, double v, const char *fmt)
{
    if (isnan(v))
        printf("%s=NA\n", key);
    else
        printf(fmt, key, v);
}

static void print_int(const char *key, int64_t v)
{
    if (v < 0)
        printf("%s=NA\n", key);
    else
        printf("%s=%lld\n", key, (long long)v);
}

/* Set by SIGINT/SIGTERM during a migration: the watchdog aborts the job, so an
 * interrupted `vm migrate` leaves no migration running behind it. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int cmd_migrate(struct ctx *c, int argc, char **argv)
{
    const char *pos[3];
    int npos = 0, n;
    bool keep_cap = false;
    double max_downtime_s = 0, timeout_s = 300;
    struct mb_hv_migrate_opts o = {0};
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--max-downtime")) {
            if (!(v = opt_value(argc, argv, &i)) ||
                parse_seconds("--max-downtime", v, 1, &max_downtime_s))
                return MB_EXIT_INPUT;
        } else if (!strcmp(argv[i], "--timeout")) {
            if (!(v = opt_value(argc, argv, &i)) || parse_seconds("--timeout", v, 1000, &timeout_s))
                return MB_EXIT_INPUT;
        } else if (!strcmp(argv[i], "--keep-cap")) {
            keep_cap = true;
        } else if (!strcmp(argv[i], "--unsafe")) {
            o.unsafe = true;
        } else if (!strcmp(argv[i], "--auto-converge")) {
            o.auto_converge = true;
        } else if (!strcmp(argv[i], "--postcopy")) {
            o.postcopy = true;
        } else if (!strcmp(argv[i], "--postcopy-after")) {
            if (!(v = opt_value(argc, argv, &i)) ||
                parse_seconds("--postcopy-after", v, 1000, &o.postcopy_after_s))
                return MB_EXIT_INPUT;
        } else if (!strcmp(argv[i], "--bandwidth")) {
            uint64_t bps;
            char why[128];
            if (!(v = opt_value(argc, argv, &i)))
                return MB_EXIT_INPUT;
            if (mb_parse_rate(v, &bps, why, sizeof(why)) < 0)
                return bad_usage("--bandwidth '%s' is not valid: %s%s", v, why,
                                 strstr(why, " like ") ? "" : "; expected a rate like 100MiB/s");
            o.bandwidth_mibs = (unsigned long)((bps + (1 << 20) - 1) >> 20);
        } else if (!strcmp(argv[i], "--parallel")) {
            if (!(v = opt_value(argc, argv, &i)) ||
                parse_count("--parallel", v, 1, 255, &o.parallel))
                return MB_EXIT_INPUT;
        } else if (!strcmp(argv[i], "--compression")) {
            if (!(o.compression = opt_value(argc, argv, &i)))
                return MB_EXIT_INPUT;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return bad_usage("migrate: unknown option '%s'", argv[i]);
        } else if (npos < 3) {
            pos[npos++] = argv[i];
        } else {
            return bad_usage("migrate: too many arguments");
        }
    }
    if (npos != 3)
        return bad_usage("migrate needs N, FROM and TO");
    if (parse_count("N", pos[0], 1, 9999, &n))
        return MB_EXIT_INPUT;
    int from = host_index(c, pos[1]), to = from < 0 ? -1 : host_index(c, pos[2]);
    if (from < 0 || to < 0)
        return MB_EXIT_INPUT;
    if (from == to)
        return bad_usage("migrate: FROM and TO are the same host");
    o.max_downtime_ms = (unsigned long long)llround(max_downtime_s * 1000);
    if (max_downtime_s > 0 && o.max_downtime_ms == 0)
        o.max_downtime_ms = 1;
    o.timeout_s = timeout_s;
    const struct mb_host *dst_host = &c->tb->hosts[to];
    o.dest_uri = dst_host->migrate_uri ? dst_host->migrate_uri : dst_host->uri;

    struct mb_error err;
    mb_error_clear(&err);
    struct mb_hv *src, *dst;
    struct mb_hv_dom *dom = NULL;
    char name[32];
    snprintf(name, sizeof(name), "vm%d", n);
    if (ctx_hv(c, from, &src, &err) < 0 || ctx_hv(c, to, &dst, &err) < 0 ||
        mb_hv_dom_lookup(src, name, &dom, &err) < 0)
        return report(&err);
    if (!dom) {
        fprintf(stderr, "migbench vm: %s is not running on %s\n", name, pos[1]);
        return MB_EXIT_INPUT;
    }
    char *dest_xml = NULL;
    if (!keep_cap) {
        if (mb_hv_dest_xml_uncapped(dom, &dest_xml, &err) < 0) {
            mb_hv_dom_free(dom);
            return report(&err);
        }
        o.dest_xml = dest_xml;
    }
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    o.cancel = &interrupted;
    struct mb_migration m;
    int rc = mb_hv_migrate(dom, dst, &o, &m, &err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    mb_hv_dom_free(dom);
    free(dest_xml);
    if (rc < 0)
        return report(&err);

    char missing[256];
    mb_job_stats_missing_names(&m.stats, missing, sizeof(missing));
    printf("vm=%s\nfrom=%s\nto=%s\nstatus=%s\n", name, pos[1], pos[2],
           mb_mig_status_name(m.status));
    printf("wall_start=%.6f\nwall_end=%.6f\nwall_s=%.3f\n", m.wall_start, m.wall_end, m.seconds);
    printf("stats_source=%s\n", mb_stats_source_name(m.stats_source));
    if (o.postcopy)
        printf("postcopy=%s\n", m.postcopy ? "yes" : "no");
    print_num("total_ms", m.stats.total_ms, "%s=%.0f\n");
    print_num("downtime_ms", m.stats.downtime_ms, "%s=%.0f\n");
    print_num("setup_ms", m.stats.setup_ms, "%s=%.0f\n");
    print_int("data_bytes", m.stats.data_bytes);
    print_int("memory_total_bytes", m.stats.memory_total);
    print_int("memory_bytes", m.stats.memory_bytes);
    print_num("dirty_rate_pages_s", m.stats.dirty_rate, "%s=%.0f\n");
    print_int("iterations", m.stats.iterations);
    printf("missing=%s\n", missing);
    if (m.status != MB_MIG_OK) {
        printf("error=%s\n", m.error);
        if (m.interrupted) {
            fprintf(stderr, "migbench vm: migration of %s interrupted: %s\n", name, m.error);
            return MB_EXIT_INTERRUPTED;
        }
        fprintf(stderr, "migbench vm: migration of %s %s: %s\n", name,
                m.status == MB_MIG_TIMEOUT ? "timed out" : "failed", m.error);
        return MB_EXIT_FAILED;
    }
    return MB_EXIT_OK;
}

static int cmd_cap(struct ctx *c, int argc, char **argv)
{
    const char *pos[2];
    int npos = 0, n;
    double measure_s = 0, percent;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--measure")) {
            if (!(v = opt_value(argc, argv, &i)) || parse_seconds("--measure", v, 1000, &measure_s))
                return MB_EXIT_INPUT;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return bad_usage("cap: unknown option '%s'", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return bad_usage("cap: too many arguments");
        }
    }
    if (npos != 2)
        return bad_usage("cap needs N and PERCENT");
    if (parse_count("N", pos[0], 1, 9999, &n))
        return MB_EXIT_INPUT;
    char *end;
    percent = strtod(pos[1], &end);
    if (end == pos[1] || (*end && strcmp(end, "%")) || !isfinite(percent) || percent < 0)
        return bad_usage("cap: PERCENT '%s': expected a number like 50 or 50%%, 0 for no cap",
                         pos[1]);
    struct mb_error err;
    mb_error_clear(&err);
    int h;
    struct mb_hv_dom *dom = NULL;
    if (need_vm(c, n, &h, &dom, &err) < 0)
        return report(&err);
    double applied;
    int rc = mb_hv_set_cpu_cap(dom, percent, &applied, &err);
    if (rc == MB_OK) {
        printf("vm=vm%d\nhost=%s\ncap_percent=%g\napplied_percent=%g\n", n, c->tb->hosts[h].name,
               percent, applied);
        fflush(stdout);
    }
    if (rc == MB_OK && measure_s > 0) {
        struct mb_hv_cpu_stats a, b;
        rc = mb_hv_dom_cpu(dom, &a, &err);
        if (rc == MB_OK) {
            struct timespec ts = {(time_t)measure_s,
                                  (long)((measure_s - (double)(time_t)measure_s) * 1e9)};
            nanosleep(&ts, NULL);
            rc = mb_hv_dom_cpu(dom, &b, &err);
        }
        if (rc == MB_OK) {
            bool vcpu = a.vcpu_time_ns >= 0 && b.vcpu_time_ns >= 0;
            int64_t used = vcpu ? b.vcpu_time_ns - a.vcpu_time_ns : b.cpu_time_ns - a.cpu_time_ns;
            printf("measured_percent=%.1f\nmeasured_over_s=%.2f\nmeasured_what=%s\n",
                   (double)used / ((b.when - a.when) * 1e9) * 100.0, b.when - a.when,
                   vcpu ? "vcpu_time" : "cpu_time");
        }
    }
    mb_hv_dom_free(dom);
    return rc < 0 ? report(&err) : MB_EXIT_OK;
}

static int cmd_balloon(struct ctx *c, int argc, char **argv)
{
    const char *pos[2];
    int npos = 0, n;
    double timeout_s = 30;
    uint64_t size;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--timeout")) {
            if (!(v = opt_value(argc, argv, &i)) || parse_seconds("--timeout", v, 1000, &timeout_s))
                return MB_EXIT_INPUT;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return bad_usage("balloon: unknown option '%s'", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return bad_usage("balloon: too many arguments");
        }
    }
    if (npos != 2)
        return bad_usage("balloon needs N and SIZE");
    if (parse_count("N", pos[0], 1, 9999, &n) || parse_size("SIZE", pos[1], &size))
        return MB_EXIT_INPUT;
    struct mb_error err;
    mb_error_clear(&err);
    int h;
    struct mb_hv_dom *dom = NULL;
    if (need_vm(c, n, &h, &dom, &err) < 0)
        return report(&err);
    struct mb_balloon b;
    int rc = mb_hv_set_balloon(dom, size, timeout_s, &b, &err);
    mb_hv_dom_free(dom);
    printf("vm=vm%d\nhost=%s\ntarget_bytes=%llu\n", n, c->tb->hosts[h].name,
           (unsigned long long)b.target);
    print_int("reached_bytes", b.reached);
    printf("seconds=%.2f\nreached=%s\n", b.seconds, b.ok ? "yes" : "no");
    return rc < 0 ? report(&err) : MB_EXIT_OK;
}

static int cmd_destroy(struct ctx *c, int argc, char **argv)
{
    int n;
    if (argc != 2)
        return bad_usage("destroy needs N");
    if (parse_count("N", argv[1], 1, 9999, &n))
        return MB_EXIT_INPUT;
    struct mb_error err;
    mb_error_clear(&err);
    int h;
    struct mb_hv_dom *dom = NULL;
    if (need_vm(c, n, &h, &dom, &err) < 0)
        return report(&err);
    int rc = mb_hv_dom_destroy(dom, &err);
    mb_hv_dom_free(dom);
    if (rc < 0)
        return report(&err);
    printf("vm%d destroyed on %s\n", n, c->tb->hosts[h].name);
    if (c->tb->guest.disk_dir) { /* its scratch disk, if `start --disk` made one */
        char *disk = mb_xasprintf("%s/vm%d.raw", c->tb->guest.disk_dir, n);
        if (unlink(disk) == 0)
            printf("removed %s\n", disk);
        free(disk);
    }
    return MB_EXIT_OK;
}

static int cmd_list(struct ctx *c)
{
    int exit = MB_EXIT_OK;
    printf("%-10s %-12s %-9s %5s %10s %10s %7s\n", "HOST", "VM", "STATE", "VCPUS", "MAX_MIB",
           "BALLOON", "CAP%");
    for (int h = 0; h < c->tb->nhosts; h++) {
        struct mb_error err;
        mb_error_clear(&err);
        struct mb_hv *hv;
        char **names = NULL;
        if (ctx_hv(c, h, &hv, &err) < 0 || mb_hv_list(hv, &names, &err) < 0) {
            exit = report(&err);
            continue;
        }
        for (char **p = names; *p; p++) {
            struct mb_hv_dom *dom = NULL;
            struct mb_hv_dom_info info;
            struct mb_hv_mem_stats mem = {.actual = -1};
            double cap = NAN;
            if (mb_hv_dom_lookup(hv, *p, &dom, &err) < 0 || !dom ||
                mb_hv_dom_info(dom, &info, &err) < 0) {
                mb_hv_dom_free(dom);
                continue;
            }
            struct mb_error ignore;
            mb_hv_dom_memory(dom, &mem, &ignore);
            if (mb_hv_get_cpu_cap(dom, &cap, &ignore) < 0)
                cap = NAN;
            char balloon[32] = "-", capbuf[16] = "-";
            if (mem.actual >= 0)
                snprintf(balloon, sizeof(balloon), "%lld", (long long)(mem.actual >> 20));
            if (!isnan(cap))
                snprintf(capbuf, sizeof(capbuf), cap == 0 ? "none" : "%g", cap);
            printf("%-10s %-12s %-9s %5d %10llu %10s %7s\n", c->tb->hosts[h].name, *p, info.state,
                   info.vcpus, (unsigned long long)(info.max_memory >> 20), balloon, capbuf);
            mb_hv_dom_free(dom);
        }
        mb_hv_names_free(names);
    }
    return exit;
}

static int cmd_hosts(struct ctx *c)
{
    int exit = MB_EXIT_OK;
    for (int h = 0; h < c->tb->nhosts; h++) {
        struct mb_error err;
        mb_error_clear(&err);
        struct mb_hv *hv;
        struct mb_hv_host_info hi;
        if (ctx_hv(c, h, &hv, &err) < 0 || mb_hv_host_info(hv, &hi, &err) < 0) {
            exit = report(&err);
            continue;
        }
        printf("%s: uri=%s hostname=%s hypervisor=\"%s\" libvirt=%s cpu_model=\"%s\" cpus=%d "
               "memory_mib=%llu\n",
               c->tb->hosts[h].name, c->tb->hosts[h].uri, hi.hostname, hi.hypervisor, hi.libvirt,
               hi.cpu_model, hi.cpus, (unsigned long long)(hi.memory >> 20));
    }
    return exit;
}

int mb_cmd_vm(int argc, char **argv)
{
    const char *tb_ref = "lab";
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_text, stdout);
            return MB_EXIT_OK;
        } else if (!strcmp(argv[i], "--testbed")) {
            if (!(tb_ref = opt_value(argc, argv, &i)))
                return MB_EXIT_INPUT;
        } else if (!strncmp(argv[i], "--testbed=", 10)) {
            tb_ref = argv[i] + 10;
        } else if (argv[i][0] == '-') {
            return bad_usage("unknown option '%s'", argv[i]);
        } else {
            break;
        }
    }
    if (i >= argc) {
        fputs(usage_text, stderr);
        return MB_EXIT_INPUT;
    }
    static const char *const subs[] = {"start",   "exec", "migrate", "cap", "balloon",
                                       "destroy", "list", "hosts",   NULL};
    const char *sub = argv[i];
    bool known = false;
    for (int k = 0; subs[k]; k++)
        known |= !strcmp(sub, subs[k]);
    if (!known) {
        const char *s = mb_suggest(sub, subs);
        return bad_usage("unknown command '%s'%s%s%s", sub, s ? " (did you mean '" : "", s ? s : "",
                         s ? "'?)" : "");
    }
    int sargc = argc - i;
    char **sargv = argv + i;
    for (int k = 1; k < sargc && strcmp(sub, "exec"); k++)
        if (!strcmp(sargv[k], "--help") || !strcmp(sargv[k], "-h")) {
            fputs(usage_text, stdout);
            return MB_EXIT_OK;
        }

    struct mb_error err;
    mb_error_clear(&err);
    char *path = mb_testbed_resolve(tb_ref, NULL, &err);
    if (!path)
        return report(&err);
    struct ctx c = {0};
    c.tb = mb_testbed_load(path, &err);
    free(path);
    if (!c.tb)
        return report(&err);
    c.hv = mb_xcalloc((size_t)c.tb->nhosts + 1, sizeof(*c.hv));

    int rc;
    if (!strcmp(sub, "start"))
        rc = cmd_start(&c, sargc, sargv);
    else if (!strcmp(sub, "exec"))
        rc = cmd_exec(&c, sargc, sargv);
    else if (!strcmp(sub, "migrate"))
        rc = cmd_migrate(&c, sargc, sargv);
    else if (!strcmp(sub, "cap"))
        rc = cmd_cap(&c, sargc, sargv);
    else if (!strcmp(sub, "balloon"))
        rc = cmd_balloon(&c, sargc, sargv);
    else if (!strcmp(sub, "destroy"))
        rc = cmd_destroy(&c, sargc, sargv);
    else if (!strcmp(sub, "list"))
        rc = sargc == 1 ? cmd_list(&c) : bad_usage("list takes no arguments");
    else
        rc = sargc == 1 ? cmd_hosts(&c) : bad_usage("hosts takes no arguments");

    for (int h = 0; h < c.tb->nhosts; h++)
        mb_hv_close(c.hv[h]);
    free(c.hv);
    mb_testbed_free(c.tb);
    return rc;
}
