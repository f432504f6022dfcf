/* lab.c — `migbench lab up | down | status`: drives the embedded testbed's scripts
 * (lab/, vm-images/build) and writes the testbed file of an instance. */
#include "lab.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "guest.h"
#include "profile.h"
#include "lib/data_dir.h"
#include "lib/units.h"
#include "lib/proc.h"
#include "lib/util.h"

#define LAB_DEFAULT_NAME  "lab"
#define LAB_SYSTEM_QEMU   "/usr/bin/qemu-system-x86_64"
#define LAB_QEMU10_DIR    "/opt/migbench/qemu10"
#define LAB_GUEST_CMDLINE "console=ttyS0 quiet cryptomgr.notests"
#define LAB_CONFIG_MAX    (64 * 1024)
#define LAB_CAPTURE_MAX   (256 * 1024)
/* CPU bandwidth period (us) of a host's cgroup; its quota is the share of it */
#define LAB_CPU_PERIOD_US 100000
/* lowest and highest --link-rate: below, libvirt and SSH between hosts crawl */
#define LAB_LINK_RATE_MIN 1000000ULL
#define LAB_LINK_RATE_MAX 100000000000ULL

/* Exit status of lab/up when the instance is already up. */
#define LAB_UP_ALREADY 4

/* The subcommands, as bits of the option table's `only`. */
enum lab_cmd { LAB_UP = 1, LAB_DOWN = 2, LAB_STATUS = 4 };

struct lab_cfg {
    char *name;
    int hosts;
    struct mb_lab_per_host cpus, memory, qemu, cpu_max;
    uint64_t link_rate; /* bits/s of every host's uplink, 0 = unshaped */
    bool link_rate_set; /* --link-rate given (0 included): the profile's is not used */
    const struct mb_profile *profile; /* --profile; NULL = none */
    char *accel;
    char *subnet;          /* "A.B.C" */
    double boot_timeout_s; /* --boot-timeout; 0 = not given */
    bool all, keep, list;
    const char *configs[16]; /* --config files, read before the command line */
    int nconfigs;
};

/* ---- per-host values ------------------------------------------------------------ */

/* The lab names its hosts hostA, hostB, ...: the letter's index, or -1. */
static int host_letter_index(const char *name)
{
    if (strncmp(name, "host", 4) != 0 || strlen(name) != 5 || name[4] < 'A' ||
        name[4] >= 'A' + MB_LAB_MAX_HOSTS)
        return -1;
    return name[4] - 'A';
}

int mb_lab_per_host_set(struct mb_lab_per_host *ph, const char *opt, const char *value,
                        struct mb_error *err)
{
    const char *eq = strchr(value, '=');
    if (eq) {
        char host[16];
        size_t n = (size_t)(eq - value);
        snprintf(host, sizeof(host), "%.*s", (int)(n < 15 ? n : 15), value);
        int i = n < 15 ? host_letter_index(host) : -1;
        if (i < 0)
            return mb_error_set(err, MB_EINPUT,
                                "--%s: '%.*s' is not a host name (hostA .. hostP) in '%s'", opt,
                                (int)n, value, value);
        if (!eq[1])
            return mb_error_set(err, MB_EINPUT, "--%s: no value for %s", opt, host);
        free(ph->host[i]);
        ph->host[i] = mb_xstrdup(eq + 1);
        return 0;
    }
    if (!*value)
        return mb_error_set(err, MB_EINPUT, "--%s: empty value", opt);
    if (!strchr(value, ':')) {
        free(ph->all);
        ph->all = mb_xstrdup(value);
        return 0;
    }
    /* host by host */
    const char *p = value;
    for (int i = 0;; i++) {
        const char *c = strchr(p, ':');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (i >= MB_LAB_MAX_HOSTS)
            return mb_error_set(err, MB_EINPUT, "--%s: more than %d hosts in '%s'", opt,
                                MB_LAB_MAX_HOSTS, value);
        if (n == 0)
            return mb_error_set(err, MB_EINPUT, "--%s: empty value for host%c in '%s'", opt,
                                'A' + i, value);
        free(ph->host[i]);
        ph->host[i] = mb_xstrndup(p, n);
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

int mb_lab_per_host_get(const struct mb_lab_per_host *ph, const char *opt, int i, int nhosts,
                        const char *def, const char **out, struct mb_error *err)
{
    for (int j = nhosts; j < MB_LAB_MAX_HOSTS; j++)
        if (ph->host[j])
            return mb_error_set(err, MB_EINPUT, "--%s: a value for host%c, but --hosts is %d", opt,
                                'A' + j, nhosts);
    *out = ph->host[i] ? ph->host[i] : ph->all ? ph->all : def;
    return 0;
}

void mb_lab_per_host_free(struct mb_lab_per_host *ph)
{
    if (!ph)
        return;
    free(ph->all);
    for (int i = 0; i < MB_LAB_MAX_HOSTS; i++)
        free(ph->host[i]);
    memset(ph, 0, sizeof(*ph));
}

char *mb_lab_qemu_path(const char *value, struct mb_error *err)
{
    if (!strcmp(value, "system"))
        return mb_xstrdup(LAB_SYSTEM_QEMU);
    if (!strcmp(value, "qemu10")) {
        const char *d = getenv("MIGBENCH_QEMU10_DIR");
        return mb_xasprintf("%s/bin/qemu-system-x86_64", d && *d ? d : LAB_QEMU10_DIR);
    }
    if (value[0] != '/') {
        mb_error_set(err, MB_EINPUT, "--qemu: '%s' is neither qemu10, system nor an absolute path",
                     value);
        return NULL;
    }
    return mb_xstrdup(value);
}

static int valid_cpu_list(const char *s)
{
    /* N or N-M, comma separated */
    while (*s) {
        if (!isdigit((unsigned char)*s))
            return 0;
        while (isdigit((unsigned char)*s))
            s++;
        if (*s == '-') {
            s++;
            if (!isdigit((unsigned char)*s))
                return 0;
            while (isdigit((unsigned char)*s))
                s++;
        }
        if (*s == ',') {
            s++;
            if (!*s)
                return 0;
        } else if (*s) {
            return 0;
        }
    }
    return 1;
}

/* The CPUs of a valid cpu list ("0-3,6": 5). */
static long cpu_list_count(const char *s)
{
    long n = 0;
    for (const char *p = s; *p;) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        n += b >= a ? b - a + 1 : 0;
        p = *end == ',' ? end + 1 : end;
    }
    return n;
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' ||
              s[i] == '_'))
            return 0;
    return 1;
}

/* ---- options -------------------------------------------------------------------- */

static void cfg_free(struct lab_cfg *c)
{
    free(c->name);
    free(c->accel);
    free(c->subnet);
    mb_lab_per_host_free(&c->cpus);
    mb_lab_per_host_free(&c->memory);
    mb_lab_per_host_free(&c->qemu);
    mb_lab_per_host_free(&c->cpu_max);
}

static int set_name(const struct mb_cli_opt *o, const char *v, void *base, struct mb_error *err)
{
    (void)o;
    struct lab_cfg *c = base;
    if (!valid_name(v))
        return mb_error_set(err, MB_EINPUT,
                            "--name: '%s' is not an instance name (a-z, 0-9, - and _, at most 32, "
                            "starting with a letter or digit)",
                            v);
    free(c->name);
    c->name = mb_xstrdup(v);
    return 0;
}

static int set_hosts(const struct mb_cli_opt *o, const char *v, void *base, struct mb_error *err)
{
    (void)o;
    int64_t n;
    char why[160];
    if (mb_parse_int(v, &n, why, sizeof(why)) || n < 2 || n > MB_LAB_MAX_HOSTS)
        return mb_error_set(err, MB_EINPUT, "--hosts: expected 2..%d, not '%s'", MB_LAB_MAX_HOSTS,
                            v);
    ((struct lab_cfg *)base)->hosts = (int)n;
    return 0;
}

/* --host-cpus, --host-memory, --host-cpu-max, --qemu: the struct mb_lab_per_host at o->offset */
static int set_per_host(const struct mb_cli_opt *o, const char *v, void *base, struct mb_error *err)
{
    return mb_lab_per_host_set((struct mb_lab_per_host *)(void *)((char *)base + o->offset),
                               o->name, v, err);
}

static int set_link_rate(const struct mb_cli_opt *o, const char *v, void *base,
                         struct mb_error *err)
{
    (void)o;
    uint64_t bps;
    char why[160];
    if (mb_parse_bitrate(v, &bps, why, sizeof(why)) < 0)
        return mb_error_set(err, MB_EINPUT,
                            "--link-rate: '%s': %s (e.g. 200Mbit, 1Gbit; 0 = unshaped)", v, why);
    if (bps && (bps < LAB_LINK_RATE_MIN || bps > LAB_LINK_RATE_MAX))
        return mb_error_set(err, MB_EINPUT, "--link-rate: '%s' is outside 1Mbit..100Gbit", v);
    ((struct lab_cfg *)base)->link_rate = bps;
    ((struct lab_cfg *)base)->link_rate_set = true;
    return 0;
}

static int set_profile(const struct mb_cli_opt *o, const char *v, void *base, struct mb_error *err)
{
    (void)o;
    char why[400];
    if (mb_profile_parse(v, &((struct lab_cfg *)base)->profile, why, sizeof(why)) < 0)
        return mb_error_set(err, MB_EINPUT, "--profile: %s", why);
    return 0;
}

static int set_accel(const struct mb_cli_opt *o, const char *v, void *base, struct mb_error *err)
{
    (void)o;
    struct lab_cfg *c = base;
    if (strcmp(v, "auto") && strcmp(v, "kvm") && strcmp(v, "tcg"))
        return mb_error_set(err, MB_EINPUT, "--accel: expected auto, kvm or tcg, not '%s'", v);
    free(c->accel);
    c->accel = mb_xstrdup(v);
    return 0;
}

static int set_subnet(const struct mb_cli_opt *o, const char *v, void *base, struct mb_error *err)
{
    (void)o;
    struct lab_cfg *c = base;
    unsigned a, b, cc, d, len;
    char tail;
    if (sscanf(v, "%u.%u.%u.%u/%u%c", &a, &b, &cc, &d, &len, &tail) != 5 || a > 255 || b > 255 ||
        cc > 255 || d != 0 || len != 24)
        return mb_error_set(err, MB_EINPUT, "--subnet: expected A.B.C.0/24, not '%s'", v);
    free(c->subnet);
    c->subnet = mb_xasprintf("%u.%u.%u", a, b, cc);
    return 0;
}

static int set_boot_timeout(const struct mb_cli_opt *o, const char *v, void *base,
                            struct mb_error *err)
{
    (void)o;
    struct lab_cfg *c = base;
    if (mb_testbed_boot_timeout(v, &c->boot_timeout_s))
        return mb_error_set(
            err, MB_EINPUT,
            "--boot-timeout: expected a duration from 1s to %ds, like 600s, not '%s'",
            MB_TESTBED_BOOT_TIMEOUT_MAX_S, v);
    return 0;
}

static int add_config(const struct mb_cli_opt *o, const char *v, void *base, struct mb_error *err)
{
    (void)o;
    struct lab_cfg *c = base;
    if (c->nconfigs >= (int)(sizeof(c->configs) / sizeof(c->configs[0])))
        return mb_error_set(err, MB_EINPUT, "--config: at most %d files", c->nconfigs);
    c->configs[c->nconfigs++] = v;
    return 0;
}

/* One table drives the command line, --config files and --help of up, down and status. */
static const struct mb_cli_opt lab_opts[] = {
    {.name = "name",
     .arg = MB_CLI_REQUIRED,
     .meta = "NAME",
     .set = set_name,
     .help = "instance (default lab): its names, addresses and files are its own, so instances "
             "(a CI run, a developer's lab) coexist"},
    {.name = "hosts",
     .arg = MB_CLI_REQUIRED,
     .meta = "N",
     .set = set_hosts,
     .only = LAB_UP,
     .help = "number of hosts, 2..16 (default 2): hostA, hostB, ..."},
    {.name = "host-cpus",
     .arg = MB_CLI_REQUIRED,
     .meta = "SPEC",
     .set = set_per_host,
     .offset = offsetof(struct lab_cfg, cpus),
     .only = LAB_UP,
     .help = "CPUs each host may use, a cpuset list (0-3, 0,2): LIST for every host, "
             "LIST:LIST:... host by host, or HOST=LIST (repeatable); default every CPU"},
    {.name = "host-memory",
     .arg = MB_CLI_REQUIRED,
     .meta = "SPEC",
     .set = set_per_host,
     .offset = offsetof(struct lab_cfg, memory),
     .only = LAB_UP,
     .help = "memory each host may use (its cgroup's limit): SIZE, SIZE:SIZE:..., or HOST=SIZE; "
             "e.g. 2GiB; default 0 = no limit"},
    {.name = "host-cpu-max",
     .arg = MB_CLI_REQUIRED,
     .meta = "SPEC",
     .set = set_per_host,
     .offset = offsetof(struct lab_cfg, cpu_max),
     .only = LAB_UP,
     .help = "CPU bandwidth of each host, a share of its CPUs (its cgroup's CPU quota): PCT, "
             "PCT:PCT:..., or HOST=PCT; e.g. --host-cpus 0:1 --host-cpu-max 50%:100% gives hostA "
             "half of CPU 0 and hostB all of CPU 1; default 0 = no cap"},
    {.name = "link-rate",
     .arg = MB_CLI_REQUIRED,
     .meta = "RATE",
     .set = set_link_rate,
     .only = LAB_UP,
     .help = "the link between the hosts: every host's uplink sends at most RATE (e.g. 200Mbit, "
             "1Gbit; shaped with tc htb, TSO/GSO/GRO off on the shaped devices); default 0 = "
             "unshaped"},
    {.name = "profile",
     .arg = MB_CLI_REQUIRED,
     .meta = "NAME",
     .set = set_profile,
     .only = LAB_UP,
     .help = "testbed physics by name: paper2011 (Ye et al.'s testbed: hostA and hostB on "
             "disjoint CPUs with CPU bandwidth 1 : 2, on 2 CPUs half of CPU 0 and all of CPU 1, "
             "on more a third of them and two thirds; a 1Gbit link) or none (default); "
             "--host-cpus, --host-cpu-max and --link-rate given as well replace the profile's "
             "value of that option. Scenarios with 'profile: NAME' need it"},
    {.name = "qemu",
     .arg = MB_CLI_REQUIRED,
     .meta = "SPEC",
     .set = set_per_host,
     .offset = offsetof(struct lab_cfg, qemu),
     .only = LAB_UP,
     .help = "QEMU of each host: qemu10 (default: QEMU 10 from bookworm-backports), system "
             "(Debian 12's QEMU 7.2, which corrupts busy TCG guests on migration) or a PATH; same "
             "forms, e.g. --qemu hostB=system"},
    {.name = "accel",
     .arg = MB_CLI_REQUIRED,
     .meta = "auto|kvm|tcg",
     .set = set_accel,
     .only = LAB_UP,
     .help = "accelerator of the guests; auto (default) tries KVM: kvm where a guest boots under "
             "it, tcg otherwise"},
    {.name = "subnet",
     .arg = MB_CLI_REQUIRED,
     .meta = "A.B.C.0/24",
     .set = set_subnet,
     .only = LAB_UP,
     .help = "the instance's private /24 (default: derived from NAME, moved on if this machine "
             "uses it)"},
    {.name = "boot-timeout",
     .arg = MB_CLI_REQUIRED,
     .meta = "DURATION",
     .set = set_boot_timeout,
     .only = LAB_UP,
     .help = "the testbed's guest.boot_timeout: how long a guest may take to answer SSH after "
             "its start, for slow guests (a lab inside a TCG VM: 600s); SSH timeouts with the "
             "guests stretch by as much (default: 60 s + 15 s a guest of the run)"},
    {.name = "config",
     .arg = MB_CLI_REQUIRED,
     .meta = "FILE",
     .set = add_config,
     .help = "options from FILE, one 'option = value' a line ('#' comments); the command line "
             "overrides them"},
    /* flags take an optional =true/=false, as they do in a config file */
    {.name = "all",
     .arg = MB_CLI_OPTIONAL,
     .set = mb_cli_set_flag,
     .offset = offsetof(struct lab_cfg, all),
     .only = LAB_DOWN | LAB_STATUS,
     .help = "every instance on this machine"},
    {.name = "list",
     .arg = MB_CLI_OPTIONAL,
     .set = mb_cli_set_flag,
     .offset = offsetof(struct lab_cfg, list),
     .only = LAB_STATUS,
     .help = "only the names of the instances on this machine, one a line"},
    {.name = "keep-on-failure",
     .arg = MB_CLI_OPTIONAL,
     .set = mb_cli_set_flag,
     .offset = offsetof(struct lab_cfg, keep),
     .only = LAB_UP,
     .help = "leave what a failed bring-up made, for inspection (default: remove it)"},
    {.name = NULL},
};

static const struct mb_cli_cmd lab_subs[] = {
    {.name = "lab up",
     .usage = "[OPTIONS]",
     .summary = "bring up an instance and write its testbed file",
     .description =
         "Build the guest image if its inputs changed, bring up an instance of the embedded "
         "testbed\n(hosts in namespaces on this machine, each with libvirtd and sshd, joined by "
         "a bridge;\nthe root namespace is the load client) and write its testbed file, which "
         "scenarios name\nas the instance: $MIGBENCH_RUN_DIR/NAME/testbed.yaml (default "
         "/tmp/migbench/NAME/).\n",
     .epilog = "examples:\n"
               "  migbench lab up\n"
               "  migbench lab up --name ci --host-cpus 0-3:4-11 --host-memory 4GiB:8GiB\n"
               "  migbench lab up --hosts 3 --qemu hostC=system --accel tcg\n"
               "  migbench lab up --host-cpus 0:1 --host-cpu-max 50%:100% --link-rate 1Gbit\n"
               "  migbench lab up --name p --profile paper2011 --link-rate 200Mbit\n"
               "\nExit status: 0 up, 2 bad usage, 3 environment failure (or already up), 130 "
               "interrupted.\n",
     .opts = lab_opts,
     .mask = LAB_UP,
     .id = LAB_UP},
    {.name = "lab down",
     .usage = "[OPTIONS]",
     .summary = "remove an instance completely",
     .description = "Remove an instance completely: guests, daemons, namespaces, cgroups, "
                    "bridges, files.\nWorks from what it finds on this machine, also after "
                    "anything was killed.\n",
     .opts = lab_opts,
     .mask = LAB_DOWN,
     .id = LAB_DOWN},
    {.name = "lab status",
     .usage = "[OPTIONS]",
     .summary = "what exists of an instance",
     .description = "Say what exists of an instance: hosts, daemons, guests, leftovers.\n",
     .epilog = "Exit status: 0 up, 1 absent, 3 partly there (run 'migbench lab down').\n",
     .opts = lab_opts,
     .mask = LAB_STATUS,
     .id = LAB_STATUS},
    {.name = NULL},
};

const struct mb_cli_cmd mb_lab_cli = {
    .name = "lab",
    .usage = "up|down|status [OPTIONS]",
    .description = "The embedded testbed: two or more libvirt hosts on this machine.\n",
    .epilog = "'migbench lab COMMAND --help' lists the options of a command.\n"
              "Exit status: 0 ok, 2 bad usage, 3 environment failure, 130 interrupted.\n",
    .min_args = 1,
    .max_args = -1,
    .flags = MB_CLI_STOP_AT_OPERAND,
    .subs = lab_subs,
};

/* Read a --config file: "option = value" lines, '#' comments, blank lines. */
static int read_config(struct lab_cfg *c, const char *path, const struct mb_cli_cmd *cmd,
                       struct mb_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return mb_error_set(err, MB_EINPUT, "--config %s: %s", path, strerror(errno));
    char line[4096];
    int lineno = 0, rc = 0;
    long total = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        total += (long)strlen(line);
        if (total > LAB_CONFIG_MAX) {
            rc = mb_error_at(err, MB_EINPUT, path, lineno, 1, "file larger than %d bytes",
                             LAB_CONFIG_MAX);
            break;
        }
        size_t n = strlen(line);
        if (n == sizeof(line) - 1 && line[n - 1] != '\n') {
            rc = mb_error_at(err, MB_EINPUT, path, lineno, 1, "line longer than %zu bytes",
                             sizeof(line) - 2);
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *k = line;
        while (isspace((unsigned char)*k))
            k++;
        if (!*k)
            continue;
        char *end = k + strlen(k);
        while (end > k && isspace((unsigned char)end[-1]))
            *--end = '\0';
        char *eq = strchr(k, '=');
        char *v = NULL;
        if (eq) {
            v = eq + 1;
            char *ke = eq;
            while (ke > k && isspace((unsigned char)ke[-1]))
                ke--;
            *ke = '\0';
            while (isspace((unsigned char)*v))
                v++;
        }
        int col = (int)(k - line) + 1;
        const struct mb_cli_opt *o = mb_cli_find(cmd, k);
        if (!o || o->set == add_config) {
            const char *s = mb_cli_suggest(cmd, k);
            rc = mb_error_at(err, MB_EINPUT, path, lineno, col, "unknown option '%s'%s%s%s", k,
                             s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
            break;
        }
        if (o->arg == MB_CLI_REQUIRED && (!v || !*v)) {
            rc = mb_error_at(err, MB_EINPUT, path, lineno, col, "'%s' needs a value: %s = %s", k, k,
                             o->meta);
            break;
        }
        struct mb_error e2;
        mb_error_clear(&e2);
        if (mb_cli_apply(o, v && *v ? v : NULL, c, &e2) < 0) {
            rc = mb_error_at(err, MB_EINPUT, path, lineno, v ? (int)(v - line) + 1 : col, "%s",
                             e2.msg);
            break;
        }
    }
    fclose(f);
    return rc;
}

/* Parse the words after the subcommand's name (argv[0]) into c: first the --config files,
 * so that the command line overrides them, then the command line.  Returns the result of
 * mb_cli_parse, or MB_EINPUT with err set. */
static int parse_args(struct lab_cfg *c, const struct mb_cli_cmd *cmd, int argc, char **argv,
                      struct mb_error *err)
{
    struct lab_cfg first;
    memset(&first, 0, sizeof(first));
    char **words = mb_xcalloc((size_t)argc + 1, sizeof(char *));
    memcpy(words, argv, (size_t)argc * sizeof(char *));
    int n = argc;
    int rc = mb_cli_parse(cmd, &n, words, &first, err);
    free(words);
    for (int i = 0; rc == MB_CLI_OK && i < first.nconfigs; i++)
        rc = read_config(c, first.configs[i], cmd, err);
    cfg_free(&first);
    return rc == MB_CLI_OK ? mb_cli_parse(cmd, &argc, argv, c, err) : rc;
}

/* ---- running the scripts -------------------------------------------------------- */

static volatile sig_atomic_t lab_signal;
static volatile pid_t lab_child;

static void on_signal(int sig)
{
    lab_signal = sig;
    if (lab_child > 0)
        kill(lab_child, sig);
}

/* Run a lab script with args (NULL-terminated, argv[0] included) and extra environment
 * ("K=V", NULL-terminated).  stdout goes to out when out is not NULL (else to ours),
 * stderr to ours.  The script dies with us: a `lab up` killed with -9 leaves no script
 * running on (its remains are lab/down's, which reads only the instance name).  Returns 0
 * and the exit status in *status (128 + signal when killed), or MB_EENV with err set when
 * it could not be run. */
static int run(const char *path, char *const args[], char *const env[], struct mb_buf *out,
               int *status, struct mb_error *err)
{
    struct mb_proc_spec s = {.path = path,
                             .argv = args,
                             .env = env,
                             .die_with_us = true,
                             .out = out ? MB_PROC_CAPTURE : MB_PROC_INHERIT};
    return mb_proc_run(&s, out, &lab_child, status, err);
}

/* Value of KEY in "KEY=VALUE\n" lines, or NULL (borrowed into a static-size copy). */
static const char *kv_get(const char *text, const char *key, char *buf, size_t size)
{
    size_t kl = strlen(key);
    for (const char *l = text; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        if (n > kl && !strncmp(l, key, kl) && l[kl] == '=') {
            size_t vl = n - kl - 1;
            if (vl >= size)
                vl = size - 1;
            memcpy(buf, l + kl + 1, vl);
            buf[vl] = '\0';
            return buf;
        }
        l = nl ? nl + 1 : NULL;
    }
    return NULL;
}

static const char *run_base(void)
{
    const char *r = getenv("MIGBENCH_RUN_DIR");
    return r && *r ? r : "/tmp/migbench";
}

/* ---- the testbed file ----------------------------------------------------------- */

/* A YAML double-quoted scalar. */
static void yq(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\x%02x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

struct guest_image {
    char kernel[PATH_MAX], initrd[PATH_MAX], hash[128], key[PATH_MAX], built[8], seconds[32];
    char kernel_version[128];
};

/* Host h's CPU bandwidth from lab.env's "QUOTA PERIOD" (host.H.cpu_max) as a share of its
 * ncpus CPUs, in percent; 0 when it has none. */
static double host_cpu_pct(const char *env, const char *h, const char *cpus)
{
    char k[128], v[64];
    long quota, period;
    snprintf(k, sizeof(k), "host.%s.cpu_max", h);
    if (!kv_get(env, k, v, sizeof(v)) || sscanf(v, "%ld %ld", &quota, &period) != 2 || period <= 0)
        return 0;
    long ncpus = *cpus ? cpu_list_count(cpus) : sysconf(_SC_NPROCESSORS_ONLN);
    return ncpus > 0 ? 100.0 * (double)quota / ((double)period * (double)ncpus) : 0;
}

/* One host of the testbed file, from lab.env. */
static int write_host(FILE *f, const char *run, const char *env, const char *h, const char *accel,
                      struct mb_error *err)
{
    char k[128], v[PATH_MAX + 64], ip[32], cpus[256], mem[32], qemu[PATH_MAX], qv[256], rate[32];
    snprintf(k, sizeof(k), "host.%s.ip", h);
    if (!kv_get(env, k, ip, sizeof(ip)))
        return mb_error_set(err, MB_EENV, "%s/lab.env: no address for %s", run, h);
    snprintf(k, sizeof(k), "host.%s.cpus", h);
    if (!kv_get(env, k, cpus, sizeof(cpus)))
        cpus[0] = '\0';
    snprintf(k, sizeof(k), "host.%s.memory", h);
    uint64_t memory = kv_get(env, k, mem, sizeof(mem)) ? strtoull(mem, NULL, 10) : 0;
    snprintf(k, sizeof(k), "host.%s.qemu", h);
    if (!kv_get(env, k, qemu, sizeof(qemu)))
        qemu[0] = '\0';
    snprintf(k, sizeof(k), "host.%s.qemu_version", h);
    if (!kv_get(env, k, qv, sizeof(qv)))
        qv[0] = '\0';
    uint64_t bps = kv_get(env, "link_rate", rate, sizeof(rate)) ? strtoull(rate, NULL, 10) : 0;
    mb_format_bitrate(bps, rate, sizeof(rate));
    char msize[32] = "0";
    if (memory)
        mb_format_size(memory, msize, sizeof(msize));
    fprintf(f, "  %s:\n", h);
    /* The harness runs beside the hosts: it reaches each libvirtd over its UNIX socket,
     * sparing every monitor and control call the TCP stack and the bridges' netfilter
     * hooks; the hosts reach each other (migrate_uri) over TCP.  A run directory too long
     * for a socket address, or with characters the URI or YAML would need escaped, falls
     * back to TCP. */
    snprintf(v, sizeof(v), "%s/%s/run/libvirt/libvirt-sock", run, h);
    if (strlen(v) < sizeof(((struct sockaddr_un *)0)->sun_path) && !strpbrk(v, "?&#% \"':"))
        fprintf(f, "    uri: qemu+unix:///system?socket=%s\n", v);
    else
        fprintf(f, "    uri: qemu+tcp://%s/system\n", ip);
    fprintf(f, "    migrate_uri: qemu+tcp://%s/system\n", ip);
    fprintf(f, "    ssh: {address: %s, port: 22, user: root, key: ", ip);
    snprintf(v, sizeof(v), "%s/id_ed25519", run);
    yq(f, v);
    fprintf(f, ", known_hosts: ");
    snprintf(v, sizeof(v), "%s/known_hosts", run);
    yq(f, v);
    fprintf(f, "}\n    cpus: ");
    yq(f, cpus);
    fprintf(f, "\n    memory: %s%s\n", msize, memory ? "" : "                # no limit");
    double pct = host_cpu_pct(env, h, cpus);
    fprintf(f, "    cpu_max: %.6g%s\n", pct, pct ? "%" : "                # no cap");
    fprintf(f, "    link_rate: %s%s\n", rate, bps ? "" : "              # unshaped");
    fprintf(f, "    # QEMU %s: %s, bound at this path inside the host\n", qv, qemu);
    fprintf(f, "    emulator: %s\n", LAB_SYSTEM_QEMU);
    fprintf(f, "    accel: %s\n    bridge: br0\n", accel);
    return 0;
}

/* Write $run/testbed.yaml from lab.env (see lab/up) and the guest image. */
static int write_testbed(const char *run, const char *env, const struct guest_image *g,
                         double boot_timeout_s, struct mb_error *err)
{
    char path[PATH_MAX + 16], tmp[PATH_MAX + 24], v[PATH_MAX + 64], hosts[512];
    snprintf(path, sizeof(path), "%s/testbed.yaml", run);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (!kv_get(env, "hosts", hosts, sizeof(hosts)) || !*hosts)
        return mb_error_set(err, MB_EENV, "%s/lab.env names no hosts", run);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return mb_error_set(err, MB_EIO, "%s: %s", tmp, strerror(errno));
    char name[64], net[64], accel[16], why[256], lc[32], now[64];
    time_t t = time(NULL);
    strftime(now, sizeof(now), "%Y-%m-%d %H:%M:%S %z", localtime(&t));
    kv_get(env, "name", name, sizeof(name));
    kv_get(env, "net", net, sizeof(net));
    if (!kv_get(env, "accel", accel, sizeof(accel)))
        snprintf(accel, sizeof(accel), "tcg");
    if (!kv_get(env, "accel_why", why, sizeof(why)))
        why[0] = '\0';
    kv_get(env, "load_client", lc, sizeof(lc));
    fprintf(f,
            "# Testbed of the embedded lab instance '%s', written by `migbench lab up` on %s.\n"
            "# Valid while the instance is up ('migbench lab status --name %s').  Network %s,\n"
            "# accelerator %s (%s).\n",
            name, now, name, net, accel, why);
    fprintf(f, "name: %s\n", name);
    char profile[64];
    if (kv_get(env, "profile", profile, sizeof(profile)) && *profile)
        fprintf(f, "profile: %s                # lab up --profile\n", profile);
    fprintf(f, "hosts:\n");
    char *save = NULL;
    for (char *h = strtok_r(hosts, " ", &save); h; h = strtok_r(NULL, " ", &save)) {
        if (write_host(f, run, env, h, accel, err) < 0) {
            fclose(f);
            unlink(tmp);
            return MB_EENV;
        }
    }
    char first[32], gw[32], mac[32];
    kv_get(env, "guest_first_ip", first, sizeof(first));
    kv_get(env, "guest_gateway", gw, sizeof(gw));
    kv_get(env, "guest_mac_prefix", mac, sizeof(mac));
    fprintf(f, "load_client: {address: %s}\n", lc);
    fprintf(f,
            "# The guest: Debian kernel %s, initramfs with busybox, dropbear, memcheck,\n"
            "# udpecho (UDP echo on port %d, started at boot), cpuburn and sysbench.\n"
            "# Its address goes on the kernel command line after cmdline:\n"
            "#   lab.ip=ADDR/PREFIX lab.gw=GATEWAY lab.name=NAME\n"
            "# (or ip=ADDR::GATEWAY:NETMASK:NAME:eth0:off).\n",
            g->kernel_version, MB_GUEST_PROBE_PORT);
    fprintf(f, "guest:\n  kernel: ");
    yq(f, g->kernel);
    fprintf(f, "\n  initrd: ");
    yq(f, g->initrd);
    fprintf(f, "\n  cmdline: ");
    yq(f, LAB_GUEST_CMDLINE);
    fprintf(f, "\n  hash: %s\n  ssh: {user: root, key: ", g->hash);
    snprintf(v, sizeof(v), "%s/id_ed25519", run);
    yq(f, v);
    fprintf(f, ", known_hosts: ");
    snprintf(v, sizeof(v), "%s/guest_known_hosts", run);
    yq(f, v);
    fprintf(f, "}\n  network: {first_ip: %s, prefix: 24, gateway: %s, mac_prefix: ", first, gw);
    yq(f, mac);
    fprintf(f, "}\n  disk_dir: ");
    snprintf(v, sizeof(v), "%s/disks", run);
    yq(f, v);
    fputc('\n', f);
    if (boot_timeout_s > 0)
        fprintf(f, "  boot_timeout: %gs                # lab up --boot-timeout\n", boot_timeout_s);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return mb_error_set(err, MB_EIO, "%s: %s", path, strerror(e));
    }
    return 0;
}

/* ---- the commands --------------------------------------------------------------- */

static int report(const struct mb_error *e)
{
    char buf[1400];
    mb_error_format(e, buf, sizeof(buf));
    fprintf(stderr, "migbench lab: %s\n", buf);
    return mb_exit_code(e->status);
}

static char *env_var(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *env_var(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (!s) {
        fprintf(stderr, "migbench lab: out of memory\n");
        exit(MB_EXIT_ENV);
    }
    return s;
}

struct envlist {
    char *v[16 + 5 * MB_LAB_MAX_HOSTS];
    size_t n;
};

static void env_add(struct envlist *e, char *s)
{
    if (e->n + 1 < sizeof(e->v) / sizeof(e->v[0]))
        e->v[e->n++] = s;
    else
        free(s);
    e->v[e->n] = NULL;
}

static void env_free(struct envlist *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i]);
    e->n = 0;
}

/* lab/down for one instance; returns its exit status. */
static int run_down(const char *labdir, const char *name, struct mb_error *err, int *status)
{
    char script[PATH_MAX];
    snprintf(script, sizeof(script), "%s/down", labdir);
    struct envlist env = {.n = 0};
    env_add(&env, env_var("MB_LAB_NAME=%s", name));
    char *args[] = {script, NULL};
    int rc = run(script, args, env.v, NULL, status, err);
    env_free(&env);
    return rc;
}

/* Host i's CPU bandwidth (pct, a share of its CPUs: the list cpus, or every CPU of this
 * machine) as lab/up's MB_LAB_CPU_MAX_i, "QUOTA PERIOD" in us; nothing for 0 (no cap). */
static int cpu_max_env(const char *pct, const char *cpus, int i, struct envlist *env,
                       struct mb_error *err)
{
    double p = 0;
    char why[160];
    if (mb_parse_percent(pct, &p, why, sizeof(why)) < 0 || p > 100)
        return mb_error_set(err, MB_EINPUT,
                            "--host-cpu-max: '%s' (host%c) is not a share like 50%% (0 = no cap, "
                            "at most 100%%)%s%s",
                            pct, 'A' + i, p > 100 ? "" : ": ", p > 100 ? "" : why);
    if (p == 0)
        return 0;
    long ncpus = cpus ? cpu_list_count(cpus) : sysconf(_SC_NPROCESSORS_ONLN);
    long quota = lround(p / 100 * (double)ncpus * LAB_CPU_PERIOD_US);
    if (quota < 1000) /* the kernel's least quota: 1 ms */
        return mb_error_set(err, MB_EINPUT,
                            "--host-cpu-max: %s of %ld CPU%s (host%c) is less than 1%% of a CPU",
                            pct, ncpus, ncpus == 1 ? "" : "s", 'A' + i);
    env_add(env, env_var("MB_LAB_CPU_MAX_%d=%ld %d", i, quota, LAB_CPU_PERIOD_US));
    return 0;
}

/* The per-host settings, checked, as lab/up's environment: MB_LAB_CPUS_i, MB_LAB_MEM_i,
 * MB_LAB_CPU_MAX_i, MB_LAB_QEMU_i for each of nh hosts. */
static int host_env(const struct lab_cfg *c, int nh, struct envlist *env, struct mb_error *err)
{
    for (int i = 0; i < nh; i++) {
        const char *cpus = NULL, *mem = "0", *qemu = "qemu10", *cmax = "0";
        if (mb_lab_per_host_get(&c->cpus, "host-cpus", i, nh, NULL, &cpus, err) < 0 ||
            mb_lab_per_host_get(&c->memory, "host-memory", i, nh, "0", &mem, err) < 0 ||
            mb_lab_per_host_get(&c->cpu_max, "host-cpu-max", i, nh, "0", &cmax, err) < 0 ||
            mb_lab_per_host_get(&c->qemu, "qemu", i, nh, "qemu10", &qemu, err) < 0)
            return MB_EINPUT;
        if (cpus && !valid_cpu_list(cpus))
            return mb_error_set(err, MB_EINPUT,
                                "--host-cpus: '%s' (host%c) is not a CPU list like 0-3 or 0,2",
                                cpus, 'A' + i);
        if (cpus)
            env_add(env, env_var("MB_LAB_CPUS_%d=%s", i, cpus));
        if (cpu_max_env(cmax, cpus, i, env, err) < 0)
            return MB_EINPUT;
        uint64_t bytes;
        char why[160];
        if (mb_parse_size(mem, &bytes, why, sizeof(why)) < 0)
            return mb_error_set(err, MB_EINPUT, "--host-memory: '%s' (host%c): %s", mem, 'A' + i,
                                why);
        if (bytes && bytes < (64ULL << 20))
            return mb_error_set(err, MB_EINPUT,
                                "--host-memory: %s for host%c is too little (at least 64MiB)", mem,
                                'A' + i);
        env_add(env, env_var("MB_LAB_MEM_%d=%llu", i, (unsigned long long)bytes));
        char *q = mb_lab_qemu_path(qemu, err);
        if (!q)
            return MB_EINPUT;
        if (access(q, X_OK) != 0) {
            mb_error_set(err, MB_EENV, "--qemu: %s for host%c: %s%s", q, 'A' + i, strerror(errno),
                         !strcmp(qemu, "qemu10") ? " (run 'make deps', which unpacks QEMU 10)"
                                                 : "");
            free(q);
            return MB_EENV;
        }
        env_add(env, env_var("MB_LAB_QEMU_%d=%s", i, q));
        free(q);
    }
    return 0;
}

/* What vm-images/build printed (text) into g, and the guest's files into env. */
static int read_image(const char *text, const char *build, struct guest_image *g,
                      struct envlist *env, struct mb_error *err)
{
    memset(g, 0, sizeof(*g));
    char pub[512];
    if (!kv_get(text, "kernel", g->kernel, sizeof(g->kernel)) ||
        !kv_get(text, "initrd", g->initrd, sizeof(g->initrd)) ||
        !kv_get(text, "hash", g->hash, sizeof(g->hash)) ||
        !kv_get(text, "key", g->key, sizeof(g->key)) ||
        !kv_get(text, "host_key_pub", pub, sizeof(pub)))
        return mb_error_set(err, MB_EENV, "%s printed no kernel/initrd/hash/key", build);
    kv_get(text, "built", g->built, sizeof(g->built));
    kv_get(text, "seconds", g->seconds, sizeof(g->seconds));
    kv_get(text, "kernel_version", g->kernel_version, sizeof(g->kernel_version));
    env_add(env, env_var("MB_GUEST_KERNEL=%s", g->kernel));
    env_add(env, env_var("MB_GUEST_INITRD=%s", g->initrd));
    env_add(env, env_var("MB_GUEST_KEY=%s", g->key));
    env_add(env, env_var("MB_GUEST_HOST_KEY_PUB=%s", pub));
    return 0;
}

/* Step 1: the guest image (vm-images/build skips the work when its inputs did not change).
 * Returns 0, MB_EINTR when a signal came, or an error with err set. */
static int build_image(struct guest_image *g, struct envlist *env, struct mb_error *err)
{
    char *imgdir = mb_data_path("vm-images", err);
    if (!imgdir)
        return MB_EENV;
    char build[PATH_MAX];
    snprintf(build, sizeof(build), "%s/build", imgdir);
    free(imgdir);
    char *bargs[] = {build, NULL};
    struct mb_buf out = {.max = LAB_CAPTURE_MAX};
    int status, rc = run(build, bargs, NULL, &out, &status, err);
    if (rc == 0 && lab_signal)
        rc = MB_EINTR;
    else if (rc == 0 && status != 0)
        rc = mb_error_set(err, MB_EENV, "building the guest image failed (%s exit %d)", build,
                          status);
    else if (rc == 0)
        rc = read_image(out.data ? out.data : "", build, g, env, err);
    mb_buf_free(&out);
    return rc;
}

/* Step 2: the hosts (lab/up).  Returns the exit status; *undo is set when what lab/up made
 * must be removed. */
static int start_hosts(const char *labdir, struct envlist *env, bool *undo)
{
    struct mb_error err;
    mb_error_clear(&err);
    char up[PATH_MAX];
    snprintf(up, sizeof(up), "%s/up", labdir);
    char *uargs[] = {up, NULL};
    int status;
    *undo = false;
    if (run(up, uargs, env->v, NULL, &status, &err) < 0)
        return report(&err);
    if (status == LAB_UP_ALREADY) /* lab/up said so; the instance is someone's: keep it */
        return MB_EXIT_ENV;
    *undo = status != 0 || lab_signal;
    if (status == 2)
        return MB_EXIT_INPUT;
    if (*undo)
        return lab_signal || status == 130 || status == 128 + SIGTERM ? MB_EXIT_INTERRUPTED
                                                                      : MB_EXIT_ENV;
    return MB_EXIT_OK;
}

/* Step 3: the testbed file from lab.env and the image, and the summary lines. */
static int write_instance(const struct lab_cfg *c, const struct guest_image *g, double t0,
                          struct mb_error *err)
{
    char run_dir[PATH_MAX], envpath[PATH_MAX + 16];
    snprintf(run_dir, sizeof(run_dir), "%s/%s", run_base(), c->name);
    snprintf(envpath, sizeof(envpath), "%s/lab.env", run_dir);
    char *labenv = mb_read_file(envpath, LAB_CAPTURE_MAX, NULL);
    if (!labenv)
        return mb_error_set(err, MB_EENV, "lab/up wrote no %s", envpath);
    if (write_testbed(run_dir, labenv, g, c->boot_timeout_s, err) < 0) {
        free(labenv);
        return MB_EENV;
    }
    char net[64], accel[16], hosts[512], rate[32];
    kv_get(labenv, "net", net, sizeof(net));
    kv_get(labenv, "accel", accel, sizeof(accel));
    kv_get(labenv, "hosts", hosts, sizeof(hosts));
    free(labenv);
    char built[64] = "reused";
    if (!strcmp(g->built, "1"))
        snprintf(built, sizeof(built), "built in %s s", g->seconds);
    printf("lab '%s' up in %.1f s: %s on %s, accel %s; guest image %.19s (%s)\n", c->name,
           mb_now_mono() - t0, hosts, net, accel, g->hash, built);
    if (c->profile) {
        mb_format_bitrate(c->link_rate, rate, sizeof(rate));
        printf("profile %s: link %s; each host's CPUs and CPU bandwidth in the testbed file\n",
               c->profile->name, rate);
    }
    printf("testbed: %s/testbed.yaml  (scenarios: 'testbed: %s')\n", run_dir, c->name);
    return 0;
}

/* After a failed bring-up (rc): remove what it made, unless --keep-on-failure. */
static void roll_back(const struct lab_cfg *c, const char *labdir, int rc)
{
    if (c->keep) {
        fprintf(stderr,
                "migbench lab: bring-up of '%s' failed; its remains are kept "
                "(--keep-on-failure): 'migbench lab down --name %s' removes them\n",
                c->name, c->name);
        return;
    }
    fprintf(stderr, "migbench lab: bring-up of '%s' %s; removing what it made\n", c->name,
            rc == MB_EXIT_INTERRUPTED ? "interrupted" : "failed");
    int st = 0;
    struct mb_error err;
    mb_error_clear(&err);
    if (run_down(labdir, c->name, &err, &st) < 0 || st != 0)
        fprintf(stderr, "migbench lab: removal incomplete: run 'migbench lab down --name %s'\n",
                c->name);
}

static bool per_host_given(const struct mb_lab_per_host *ph)
{
    for (int i = 0; i < MB_LAB_MAX_HOSTS; i++)
        if (ph->host[i])
            return true;
    return ph->all != NULL;
}

/* The profile's hosts and link where the options did not say otherwise: each of
 * --host-cpus, --host-cpu-max and --link-rate given replaces the profile's value. */
static int apply_profile(struct lab_cfg *c, struct mb_error *err)
{
    const struct mb_profile *p = c->profile;
    if (!p)
        return 0;
    char cpus[64], cpu_max[64];
    bool own_cpus = per_host_given(&c->cpus), own_max = per_host_given(&c->cpu_max);
    if (!own_cpus || !own_max) {
        if (mb_profile_hosts(p, sysconf(_SC_NPROCESSORS_ONLN), cpus, sizeof(cpus), cpu_max,
                             sizeof(cpu_max), err) < 0)
            return MB_EINPUT;
        if ((!own_cpus && mb_lab_per_host_set(&c->cpus, "host-cpus", cpus, err) < 0) ||
            (!own_max && mb_lab_per_host_set(&c->cpu_max, "host-cpu-max", cpu_max, err) < 0))
            return MB_EINPUT;
    }
    if (!c->link_rate_set) {
        char why[160];
        if (mb_parse_bitrate(p->link_rate, &c->link_rate, why, sizeof(why)) < 0)
            return mb_error_set(err, MB_EINPUT, "profile %s: link rate '%s': %s", p->name,
                                p->link_rate, why);
    }
    return 0;
}

/* lab/up's environment from the options: the instance, its hosts' settings, the link,
 * the profile. */
static int up_env(struct lab_cfg *c, struct envlist *env, struct mb_error *err)
{
    if (apply_profile(c, err) < 0)
        return MB_EINPUT;
    int nh = c->hosts ? c->hosts : 2;
    env_add(env, env_var("MB_LAB_NAME=%s", c->name));
    if (c->profile)
        env_add(env, env_var("MB_LAB_PROFILE=%s", c->profile->name));
    env_add(env, env_var("MB_LAB_HOSTS=%d", nh));
    env_add(env, env_var("MB_LAB_ACCEL=%s", c->accel ? c->accel : "auto"));
    if (c->subnet)
        env_add(env, env_var("MB_LAB_NET=%s", c->subnet));
    if (c->link_rate)
        env_add(env, env_var("MB_LAB_LINK_RATE=%llu", (unsigned long long)c->link_rate));
    return host_env(c, nh, env, err);
}

static int cmd_up(struct lab_cfg *c, const char *labdir)
{
    struct mb_error err;
    mb_error_clear(&err);
    double t0 = mb_now_mono();
    struct envlist env = {.n = 0};
    struct guest_image g;
    int rc = up_env(c, &env, &err);
    if (rc == 0)
        rc = build_image(&g, &env, &err);
    if (rc < 0) {
        env_free(&env);
        return rc == MB_EINTR ? MB_EXIT_INTERRUPTED : report(&err);
    }
    bool undo;
    int exit = start_hosts(labdir, &env, &undo);
    env_free(&env);
    if (exit == MB_EXIT_OK && write_instance(c, &g, t0, &err) < 0) {
        exit = report(&err);
        undo = true;
    }
    if (undo)
        roll_back(c, labdir, exit);
    return exit;
}

char **mb_lab_up_env(int argc, char **argv, struct mb_error *err)
{
    const struct mb_cli_cmd *sub = mb_cli_sub(&mb_lab_cli, "up", err);
    struct lab_cfg c;
    memset(&c, 0, sizeof(c));
    struct envlist env = {.n = 0};
    int rc = sub ? parse_args(&c, sub, argc, argv, err) : MB_EINPUT;
    if (rc != MB_CLI_OK && rc >= 0)
        rc = mb_error_set(err, MB_EINPUT, "--help or a usage error");
    if (rc == 0 && !c.name)
        c.name = mb_xstrdup(LAB_DEFAULT_NAME);
    if (rc == 0)
        rc = up_env(&c, &env, err);
    cfg_free(&c);
    if (rc < 0) {
        env_free(&env);
        return NULL;
    }
    char **out = mb_xcalloc(env.n + 1, sizeof(char *));
    memcpy(out, env.v, env.n * sizeof(char *));
    return out;
}

void mb_lab_env_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

/* Names of the instances on this machine (lab/status --list). */
static int list_instances(const char *labdir, struct mb_buf *out, struct mb_error *err)
{
    char script[PATH_MAX];
    snprintf(script, sizeof(script), "%s/status", labdir);
    char *args[] = {script, "--list", NULL};
    int status;
    if (run(script, args, NULL, out, &status, err) < 0)
        return MB_EENV;
    if (status != 0)
        return mb_error_set(err, MB_EENV, "%s --list: exit %d", script, status);
    return 0;
}

static int cmd_down(struct lab_cfg *c, const char *labdir)
{
    struct mb_error err;
    mb_error_clear(&err);
    int rc = MB_EXIT_OK, status;
    if (!c->all) {
        if (run_down(labdir, c->name, &err, &status) < 0)
            return report(&err);
        if (status == 0)
            printf("lab '%s' is down\n", c->name);
        return status == 0 ? MB_EXIT_OK : status == 2 ? MB_EXIT_INPUT : MB_EXIT_ENV;
    }
    struct mb_buf names = {.max = LAB_CAPTURE_MAX};
    if (list_instances(labdir, &names, &err) < 0) {
        mb_buf_free(&names);
        return report(&err);
    }
    char *save = NULL;
    int n = 0;
    for (char *name = strtok_r(names.data ? names.data : (char *)"", "\n", &save); name;
         name = strtok_r(NULL, "\n", &save)) {
        n++;
        if (run_down(labdir, name, &err, &status) < 0)
            rc = report(&err);
        else if (status != 0)
            rc = MB_EXIT_ENV;
        else
            printf("lab '%s' is down\n", name);
    }
    if (!n)
        printf("no lab instance on this machine\n");
    mb_buf_free(&names);
    return rc;
}

static int cmd_status(struct lab_cfg *c, const char *labdir)
{
    struct mb_error err;
    mb_error_clear(&err);
    char script[PATH_MAX];
    snprintf(script, sizeof(script), "%s/status", labdir);
    struct envlist env = {.n = 0};
    env_add(&env, env_var("MB_LAB_NAME=%s", c->name));
    char *args[] = {script, c->list ? "--list" : c->all ? "--all" : NULL, NULL};
    int status;
    int r = run(script, args, env.v, NULL, &status, &err);
    env_free(&env);
    if (r < 0)
        return report(&err);
    return status == 0 ? MB_EXIT_OK : status == 1 ? 1 : status == 2 ? MB_EXIT_INPUT : MB_EXIT_ENV;
}

int mb_cmd_lab(int argc, char **argv)
{
    struct mb_error err;
    mb_error_clear(&err);
    int rc = mb_cli_parse(&mb_lab_cli, &argc, argv, NULL, &err);
    if (rc == MB_CLI_OK && !strcmp(argv[1], "help"))
        rc = MB_CLI_HELP;
    if (rc != MB_CLI_OK)
        return mb_cli_exit(&mb_lab_cli, rc, &err);
    const struct mb_cli_cmd *sub = mb_cli_sub(&mb_lab_cli, argv[1], &err);
    if (!sub)
        return mb_cli_exit(&mb_lab_cli, MB_EINPUT, &err);
    unsigned cmd = (unsigned)sub->id;
    struct lab_cfg c;
    memset(&c, 0, sizeof(c));
    rc = parse_args(&c, sub, argc - 1, argv + 1, &err);
    if (rc != MB_CLI_OK) {
        cfg_free(&c);
        return mb_cli_exit(sub, rc, &err);
    }
    if (!c.name)
        c.name = mb_xstrdup(LAB_DEFAULT_NAME);
    char *labdir = mb_data_path("lab", &err);
    if (!labdir) {
        rc = report(&err);
        cfg_free(&c);
        return rc;
    }
    if (cmd != LAB_STATUS && geteuid() != 0) {
        fprintf(stderr, "migbench %s: must run as root (namespaces, bridges, cgroups)\n",
                sub->name);
        free(labdir);
        cfg_free(&c);
        return MB_EXIT_ENV;
    }
    /* Ctrl-C and TERM go to the running script too; it stops and we clean up after it */
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    lab_signal = 0;
    if (cmd == LAB_UP)
        rc = cmd_up(&c, labdir);
    else if (cmd == LAB_DOWN)
        rc = cmd_down(&c, labdir);
    else
        rc = cmd_status(&c, labdir);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (lab_signal && cmd == LAB_UP)
        rc = MB_EXIT_INTERRUPTED;
    free(labdir);
    cfg_free(&c);
    return rc;
}
