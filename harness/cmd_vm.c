/* cmd_vm.c — `migbench vm`: start, reach, migrate, cap, balloon and destroy single guests
 * on a testbed, through the same hypervisor and remote modules the runner uses.  The
 * testbed's end-to-end test drives the modules with it. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "domxml.h"
#include "guest.h"
#include "hypervisor.h"
#include "remote.h"
#include "testbed.h"
#include "lib/units.h"
#include "lib/util.h"

/* ---- the command line ---------------------------------------------------------- */

/* What the options of the subcommands set (each subcommand reads its own). */
struct vm_args {
    uint64_t memory, disk; /* start */
    int vcpus;
    double wait_s, timeout_s, measure_s, max_downtime_s;
    bool keep_cap;
    struct mb_hv_migrate_opts mig; /* migrate */
};

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("migbench vm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("; see 'migbench vm --help'\n", stderr);
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
static int parse_seconds(const char *opt, const char *s, double unit_ms, double *out,
                         struct mb_error *err)
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
        return mb_error_set(err, MB_EINPUT,
                            "%s '%s' is not valid: %s; expected %s or a duration like 500ms, 30s",
                            opt, s, why, unit_ms == 1 ? "milliseconds" : "seconds");
    *out = ms / 1000.0;
    return 0;
}

#define FIELD(base, o, type) ((type *)(void *)((char *)(base) + (o)->offset))

/* --wait, --timeout, --measure, --postcopy-after: a bare number is seconds */
static int set_seconds(const struct mb_cli_opt *o, const char *v, void *base, struct mb_error *err)
{
    char opt[64];
    snprintf(opt, sizeof(opt), "--%s", o->name);
    return parse_seconds(opt, v, 1000, FIELD(base, o, double), err);
}

/* --max-downtime: a bare number is milliseconds */
static int set_ms(const struct mb_cli_opt *o, const char *v, void *base, struct mb_error *err)
{
    char opt[64];
    snprintf(opt, sizeof(opt), "--%s", o->name);
    return parse_seconds(opt, v, 1, FIELD(base, o, double), err);
}

static int parse_size(const char *what, const char *s, uint64_t *out, struct mb_error *err)
{
    char why[128];
    if (mb_parse_size(s, out, why, sizeof(why)) < 0)
        return mb_error_set(err, MB_EINPUT, "%s '%s' is not valid: %s; expected a size like 256MiB",
                            what, s, why);
    return 0;
}

static int set_size(const struct mb_cli_opt *o, const char *v, void *base, struct mb_error *err)
{
    char opt[64];
    snprintf(opt, sizeof(opt), "--%s", o->name);
    return parse_size(opt, v, FIELD(base, o, uint64_t), err);
}

static int set_rate(const struct mb_cli_opt *o, const char *v, void *base, struct mb_error *err)
{
    uint64_t bps;
    char why[128];
    if (mb_parse_rate(v, &bps, why, sizeof(why)) < 0)
        return mb_error_set(err, MB_EINPUT, "--%s '%s' is not valid: %s%s", o->name, v, why,
                            strstr(why, " like ") ? "" : "; expected a rate like 100MiB/s");
    *FIELD(base, o, unsigned long) = (unsigned long)((bps + (1 << 20) - 1) >> 20);
    return 0;
}

#define VM_ARG(field) .offset = offsetof(struct vm_args, field)

static const struct mb_cli_opt start_opts[] = {
    {.name = "memory",
     .arg = MB_CLI_REQUIRED,
     .meta = "SIZE",
     .set = set_size,
     VM_ARG(memory),
     .def = "256MiB",
     .help = "memory of the guest"},
    {.name = "vcpus",
     .arg = MB_CLI_REQUIRED,
     .meta = "N",
     .set = mb_cli_set_int,
     VM_ARG(vcpus),
     .def = "1",
     .min = 1,
     .max = 64,
     .help = "its vCPUs"},
    {.name = "disk",
     .arg = MB_CLI_REQUIRED,
     .meta = "SIZE",
     .set = set_size,
     VM_ARG(disk),
     .help = "a new scratch disk (sparse, in guest.disk_dir, which every host sees; the guest "
             "mounts it on /mnt/scratch)"},
    {.name = "wait",
     .arg = MB_CLI_REQUIRED,
     .meta = "DURATION",
     .set = set_seconds,
     VM_ARG(wait_s),
     .def = "120s",
     .help = "how long to wait for SSH; 0 = don't wait"},
    {.name = NULL},
};

/* No default in the table: the options are read in two passes (before and after N). */
static const struct mb_cli_opt exec_opts[] = {
    {.name = "timeout",
     .arg = MB_CLI_REQUIRED,
     .meta = "DURATION",
     .set = set_seconds,
     VM_ARG(timeout_s),
     .help = "how long the command may run (default 60s)"},
    {.name = NULL},
};

static const struct mb_cli_opt migrate_opts[] = {
    {.name = "max-downtime",
     .arg = MB_CLI_REQUIRED,
     .meta = "MS",
     .set = set_ms,
     VM_ARG(max_downtime_s),
     .help = "longest pause for the final copy (default: libvirt's)"},
    {.name = "timeout",
     .arg = MB_CLI_REQUIRED,
     .meta = "S",
     .set = set_seconds,
     VM_ARG(timeout_s),
     .def = "300s",
     .help = "abort the migration after this"},
    {.name = "keep-cap",
     .set = mb_cli_set_flag,
     VM_ARG(keep_cap),
     .help = "carry the source's CPU cap over (by default it is not)"},
    {.name = "unsafe",
     .set = mb_cli_set_flag,
     VM_ARG(mig.unsafe),
     .help = "let libvirt migrate a guest with a disk it cannot prove shared (guest.disk_dir)"},
    {.name = "bandwidth",
     .arg = MB_CLI_REQUIRED,
     .meta = "RATE",
     .set = set_rate,
     VM_ARG(mig.bandwidth_mibs),
     .help = "bandwidth limit, e.g. 100MiB/s"},
    {.name = "parallel",
     .arg = MB_CLI_REQUIRED,
     .meta = "N",
     .set = mb_cli_set_int,
     VM_ARG(mig.parallel),
     .min = 1,
     .max = 255,
     .help = "parallel connections (multifd)"},
    {.name = "auto-converge",
     .set = mb_cli_set_flag,
     VM_ARG(mig.auto_converge),
     .help = "throttle the guest's vCPUs when it dirties memory too fast"},
    {.name = "compression",
     .arg = MB_CLI_REQUIRED,
     .meta = "NAME",
     .set = mb_cli_set_str,
     VM_ARG(mig.compression),
     .help = "compression of migrated pages (xbzrle, zlib, zstd, ...)"},
    {.name = "postcopy",
     .set = mb_cli_set_flag,
     VM_ARG(mig.postcopy),
     .help = "allow switching to post-copy"},
    {.name = "postcopy-after",
     .arg = MB_CLI_REQUIRED,
     .meta = "S",
     .set = set_seconds,
     VM_ARG(mig.postcopy_after_s),
     .help = "with --postcopy: switch after this long"},
    {.name = NULL},
};

static const struct mb_cli_opt cap_opts[] = {
    {.name = "measure",
     .arg = MB_CLI_REQUIRED,
     .meta = "DURATION",
     .set = set_seconds,
     VM_ARG(measure_s),
     .help = "sample the vCPUs' CPU time over DURATION"},
    {.name = NULL},
};

static const struct mb_cli_opt balloon_opts[] = {
    {.name = "timeout",
     .arg = MB_CLI_REQUIRED,
     .meta = "DURATION",
     .set = set_seconds,
     VM_ARG(timeout_s),
     .def = "30s",
     .help = "how long the guest may take to reach it"},
    {.name = NULL},
};

enum vm_sub { VM_START, VM_EXEC, VM_MIGRATE, VM_CAP, VM_BALLOON, VM_DESTROY, VM_LIST, VM_HOSTS };

static const struct mb_cli_cmd vm_subs[] = {
    {.name = "vm start",
     .id = VM_START,
     .usage = "HOST N [OPTIONS]",
     .opts = start_opts,
     .summary = "boot vmN on HOST and wait until it answers over SSH; prints boot_to_ssh_s",
     .min_args = 2,
     .max_args = 2,
     .help_name = "vm"},
    {.name = "vm exec",
     .id = VM_EXEC,
     .usage = "N [--timeout DURATION] [--] CMD...",
     .opts = exec_opts,
     .flags = MB_CLI_STOP_AT_OPERAND,
     .summary = "run CMD in vmN over SSH (host key checked against guest.ssh.known_hosts); "
                "prints its output; exit 1 if it fails",
     .min_args = 1,
     .max_args = -1,
     .help_name = "vm"},
    {.name = "vm migrate",
     .id = VM_MIGRATE,
     .usage = "N FROM TO [OPTIONS]",
     .opts = migrate_opts,
     .summary = "live-migrate vmN (peer-to-peer) and print the job statistics as key=value",
     .min_args = 3,
     .max_args = 3,
     .help_name = "vm"},
    {.name = "vm cap",
     .id = VM_CAP,
     .usage = "N PERCENT [OPTIONS]",
     .opts = cap_opts,
     .summary = "cap vmN's vCPUs at PERCENT of one host CPU (0 = no cap) and read it back",
     .min_args = 2,
     .max_args = 2,
     .help_name = "vm"},
    {.name = "vm balloon",
     .id = VM_BALLOON,
     .usage = "N SIZE [OPTIONS]",
     .opts = balloon_opts,
     .summary = "set vmN's balloon and wait until the guest reaches it",
     .min_args = 2,
     .max_args = 2,
     .help_name = "vm"},
    {.name = "vm destroy",
     .id = VM_DESTROY,
     .usage = "N",
     .summary = "stop vmN wherever it runs (and remove its scratch disk)",
     .min_args = 1,
     .max_args = 1,
     .help_name = "vm"},
    {.name = "vm list",
     .id = VM_LIST,
     .usage = "",
     .summary = "guests on every host",
     .help_name = "vm"},
    {.name = "vm hosts",
     .id = VM_HOSTS,
     .usage = "",
     .summary = "hypervisor, libvirt and CPU of every host (provenance)",
     .help_name = "vm"},
    {.name = NULL},
};

static const struct mb_cli_opt vm_opts[] = {
    {.name = "testbed",
     .arg = MB_CLI_REQUIRED,
     .meta = "FILE|NAME",
     .set = mb_cli_set_str,
     .offset = 0,
     .def = "lab",
     .help = "the testbed"},
    {.name = NULL},
};

const struct mb_cli_cmd mb_vm_cli = {
    .name = "vm",
    .usage = "[--testbed FILE|NAME] COMMAND ARGS...",
    .description =
        "Single guests on a testbed (default: the embedded lab's, 'lab').  Guest N is named\n"
        "vmN; its IP and MAC come from the testbed's guest.network, so it keeps them on\n"
        "every host.\n",
    .epilog = "Durations take units (500ms, 30s, 2min); a bare number is in the unit the option\n"
              "names (MS, S; DURATION: seconds).  Sizes take units (256MiB, 1GiB).\n"
              "\n"
              "exit status: 0 ok, 1 migration failed or timed out / command failed in the guest,\n"
              "2 usage or bad input, 3 environment error (testbed, libvirt, ssh), 130 interrupted\n"
              "(a migration interrupted by SIGINT/SIGTERM is aborted first).\n",
    .opts = vm_opts,
    .min_args = 1,
    .max_args = -1,
    .flags = MB_CLI_STOP_AT_OPERAND | MB_CLI_SUBS_IN_FULL,
    .subs = vm_subs,
};

static int parse_count(const char *what, const char *s, int min, int max, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < min || v > max)
        return bad_usage("%s '%s': expected a whole number from %d to %d", what, s, min, max);
    *out = (int)v;
    return 0;
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

/* The index of the host called name, or -1 with a did-you-mean on stderr. */
static int host_index(const struct ctx *c, const char *name)
{
    int found = mb_testbed_host_index(c->tb, name, -1);
    if (found >= 0)
        return found;
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

/* vmN for the operand arg: N, the host it runs on and its domain.  Returns 0, or the exit
 * status after saying why (N is not a number, vmN runs nowhere, a host is unreachable). */
static int running_vm(struct ctx *c, const char *arg, int *n, int *host, struct mb_hv_dom **dom)
{
    if (parse_count("N", arg, 1, 9999, n))
        return MB_EXIT_INPUT;
    struct mb_error err;
    mb_error_clear(&err);
    char name[32];
    snprintf(name, sizeof(name), "vm%d", *n);
    *dom = NULL;
    int rc = find_vm(c, name, host, dom, &err);
    if (rc == MB_OK && !*dom)
        rc =
            mb_error_set(&err, MB_EINPUT, "%s is not running on any host of %s", name, c->tb->path);
    return rc < 0 ? report(&err) : MB_EXIT_OK;
}

/* ---- subcommands ----------------------------------------------------------------- */

/* argv[1..] are the operands. */
static int cmd_start(struct ctx *c, const struct vm_args *a, char **argv)
{
    const char *pos[2] = {argv[1], argv[2]};
    int n, vcpus = a->vcpus;
    uint64_t memory = a->memory, disk = a->disk;
    double wait_s = a->wait_s;
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
        if (mb_guest_wait_ssh(NULL, tb, ip, wait_s, NULL, &err) < 0) {
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

/* argv[0] is N, argv[1..] the command's words. */
static int cmd_exec(struct ctx *c, const struct vm_args *a, int argc, char **argv)
{
    double timeout_s = a->timeout_s;
    int i = 1, n;
    if (parse_count("N", argv[0], 1, 9999, &n))
        return MB_EXIT_INPUT;
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

/* argv[1..] are the operands. */
static int cmd_migrate(struct ctx *c, const struct vm_args *a, char **argv)
{
    const char *pos[3] = {argv[1], argv[2], argv[3]};
    int n;
    bool keep_cap = a->keep_cap;
    double max_downtime_s = a->max_downtime_s, timeout_s = a->timeout_s;
    struct mb_hv_migrate_opts o = a->mig;
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

/* argv[1..] are the operands. */
static int cmd_cap(struct ctx *c, const struct vm_args *a, char **argv)
{
    const char *pos[2] = {argv[1], argv[2]};
    int n, h, rc;
    double measure_s = a->measure_s, percent;
    char *end;
    percent = strtod(pos[1], &end);
    if (end == pos[1] || (*end && strcmp(end, "%")) || !isfinite(percent) || percent < 0)
        return bad_usage("cap: PERCENT '%s': expected a number like 50 or 50%%, 0 for no cap",
                         pos[1]);
    struct mb_hv_dom *dom;
    if ((rc = running_vm(c, pos[0], &n, &h, &dom)))
        return rc;
    struct mb_error err;
    mb_error_clear(&err);
    double applied;
    rc = mb_hv_set_cpu_cap(dom, percent, &applied, &err);
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

/* argv[1..] are the operands. */
static int cmd_balloon(struct ctx *c, const struct vm_args *a, char **argv)
{
    int n, h, rc;
    uint64_t size;
    struct mb_error err;
    mb_error_clear(&err);
    if (parse_size("SIZE", argv[2], &size, &err) < 0)
        return bad_usage("%s", err.msg);
    struct mb_hv_dom *dom;
    if ((rc = running_vm(c, argv[1], &n, &h, &dom)))
        return rc;
    struct mb_balloon b;
    rc = mb_hv_set_balloon(dom, size, a->timeout_s, &b, &err);
    mb_hv_dom_free(dom);
    printf("vm=vm%d\nhost=%s\ntarget_bytes=%llu\n", n, c->tb->hosts[h].name,
           (unsigned long long)b.target);
    print_int("reached_bytes", b.reached);
    printf("seconds=%.2f\nreached=%s\n", b.seconds, b.ok ? "yes" : "no");
    return rc < 0 ? report(&err) : MB_EXIT_OK;
}

static int cmd_destroy(struct ctx *c, char **argv)
{
    int n, h, rc;
    struct mb_hv_dom *dom;
    if ((rc = running_vm(c, argv[1], &n, &h, &dom)))
        return rc;
    struct mb_error err;
    mb_error_clear(&err);
    rc = mb_hv_dom_destroy(dom, &err);
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

/* Parse a subcommand's options and operands (argv[0] is its name) into a, before the
 * testbed is read.  exec reads its options before N and again after it, up to the first
 * word that is none of them: from there on the words are the remote command's, moved to
 * argv[2..] (argv[1] is N).  Returns the result of mb_cli_parse. */
static int parse_sub(const struct mb_cli_cmd *sub, int *argc, char **argv, struct vm_args *a,
                     struct mb_error *err)
{
    a->timeout_s = 60; /* exec's; the others' come from their tables */
    int rc = mb_cli_parse(sub, argc, argv, a, err);
    if (rc != MB_CLI_OK || sub->id != VM_EXEC)
        return rc;
    struct mb_cli_cmd tail = *sub;
    tail.flags |= MB_CLI_PASS_UNKNOWN;
    int n = *argc - 1;
    rc = mb_cli_parse(&tail, &n, argv + 1, a, err);
    *argc = n + 1;
    return rc;
}

static int run_sub(struct ctx *c, const struct mb_cli_cmd *sub, const struct vm_args *a, int argc,
                   char **argv)
{
    switch (sub->id) {
    case VM_START:
        return cmd_start(c, a, argv);
    case VM_EXEC:
        return cmd_exec(c, a, argc - 1, argv + 1);
    case VM_MIGRATE:
        return cmd_migrate(c, a, argv);
    case VM_CAP:
        return cmd_cap(c, a, argv);
    case VM_BALLOON:
        return cmd_balloon(c, a, argv);
    case VM_DESTROY:
        return cmd_destroy(c, argv);
    case VM_LIST:
        return cmd_list(c);
    default:
        return cmd_hosts(c);
    }
}

int mb_cmd_vm(int argc, char **argv)
{
    const char *tb_ref = NULL; /* the only field: offset 0 */
    struct mb_error err;
    mb_error_clear(&err);
    int rc = mb_cli_parse(&mb_vm_cli, &argc, argv, &tb_ref, &err);
    if (rc != MB_CLI_OK)
        return mb_cli_exit(&mb_vm_cli, rc, &err);
    const struct mb_cli_cmd *sub = mb_cli_sub(&mb_vm_cli, argv[1], &err);
    if (!sub)
        return mb_cli_exit(&mb_vm_cli, MB_EINPUT, &err);
    int sargc = argc - 1;
    char **sargv = argv + 1;
    struct vm_args a = {0};
    rc = parse_sub(sub, &sargc, sargv, &a, &err);
    if (rc != MB_CLI_OK) /* `vm start --help` shows every command, as `vm --help` */
        return mb_cli_exit(rc == MB_CLI_HELP ? &mb_vm_cli : sub, rc, &err);

    char *path = mb_testbed_resolve(tb_ref, NULL, &err);
    if (!path)
        return report(&err);
    struct ctx c = {0};
    c.tb = mb_testbed_load(path, &err);
    free(path);
    if (!c.tb)
        return report(&err);
    c.hv = mb_xcalloc((size_t)c.tb->nhosts + 1, sizeof(*c.hv));
    rc = run_sub(&c, sub, &a, sargc, sargv);
    for (int h = 0; h < c.tb->nhosts; h++)
        mb_hv_close(c.hv[h]);
    free(c.hv);
    mb_testbed_free(c.tb);
    return rc;
}
