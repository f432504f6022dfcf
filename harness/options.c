/* options.c — the table of scenario keys, and what reads it. */
#include "options.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "profile.h"
#include "scenario.h"
#include "lib/units.h"
#include "lib/util.h"

#define PT(f) offsetof(struct mb_point, f)
#define SC(f) offsetof(struct mb_scenario, f)
#define MIB   (1024.0 * 1024)
#define GIB   (1024.0 * MIB)

/* The workload drivers' names (workload.c's table; test_options checks they match) and
 * the two loads the runner's own agents make. */
static const char *const workloads[] = {"idle", "jbb",   "iozone", "sysbench",
                                        "web",  "dirty", "burn",   NULL};
static const char *const starts[] = {"boot", "restore", NULL};
static const char *const orders[] = {"by-point", "interleaved", "shuffled", NULL};
static const char *const compressions[] = {"none", "xbzrle", "zlib", "zstd", NULL};
static const char *const zero_pages[] = {"detect", "send", NULL};
static const char *const convergences[] = {"qemu", "xen33", NULL};
static const char *const dst_modes[] = {"release", "hold", NULL};
static const char *const admissions[] = {"free", "all", NULL};
static const char *const residents[] = {"none", "idle", "jbb", "iozone", "sysbench", "web", NULL};
static const char *const policies[] = {"workload-aware", "random", NULL};

static const struct mb_option core[] = {
    /* the experiment */
    {"name", MB_OPT_NAME, MB_SCOPE_SCENARIO, NULL, MB_OPTF_REQUIRED, 0, 0, NULL, SC(name),
     "Short name of the experiment; names its results directory."},
    {"description", MB_OPT_STRING, MB_SCOPE_SCENARIO, "", 0, 0, 0, NULL, SC(description),
     "One line saying what the experiment measures."},
    {"paper", MB_OPT_STRING, MB_SCOPE_SCENARIO, "", 0, 0, 0, NULL, SC(paper),
     "The table or figure of the paper it reproduces, e.g. \"Fig. 2\"."},
    {"claim", MB_OPT_STRING, MB_SCOPE_SCENARIO, "", 0, 0, 0, NULL, SC(claim),
     "The paper's claim this experiment confirms or refutes, in words."},
    {"testbed", MB_OPT_STRING, MB_SCOPE_SCENARIO, "lab", 0, 0, 0, NULL, SC(testbed),
     "Testbed file: a name (lab = the embedded testbed) or a path."},
    {"profile", MB_OPT_ENUM, MB_SCOPE_SCENARIO, "none", 0, 0, 0, mb_profile_choices, SC(profile),
     "The testbed physics the scenario is written for: none, or paper2011 (Ye et al.'s Xen "
     "3.3.1 testbed): the per-run keys the file does not set take the profile's values "
     "(migration.zero_pages send, migration.convergence xen33, integrity.memory 1MiB, "
     "integrity.rate 1MiB/s, probe.interval 0; docs/scenarios.md says why), and run and "
     "check --testbed refuse a testbed not brought up with 'lab up --profile' of that name."},
    {"repeat", MB_OPT_INT, MB_SCOPE_SCENARIO, "5", MB_OPTF_MIN | MB_OPTF_MAX | MB_OPTF_AUTO, 1,
     1000, NULL, SC(repeat),
     "Runs per point, or auto: a point runs until its intervals are as narrow as "
     "precision.target asks, or precision.max_runs runs (the precision.* keys)."},
    {"trim", MB_OPT_INT, MB_SCOPE_SCENARIO, NULL, MB_OPTF_MIN | MB_OPTF_MAX, 0, 499, NULL, SC(trim),
     "Runs dropped at each end before averaging (the paper: 5 runs, trim 1). "
     "Default: 1 when repeat >= 3 or auto, else 0; with auto, it must leave a run of "
     "precision.min_runs."},
    {"precision.target", MB_OPT_PERCENT, MB_SCOPE_SCENARIO, "10%", MB_OPTF_MIN | MB_OPTF_MAX, 0,
     100, NULL, SC(precision_pct),
     "repeat: auto stops a point when, over its successful runs, the 95 % confidence "
     "interval (Student t) of the mean of total_time_ms and of downtime_ms (each hop on its "
     "own; a metric no run measured is not judged) reaches at most +- this share of the "
     "mean.  Above 0 %."},
    {"precision.min_runs", MB_OPT_INT, MB_SCOPE_SCENARIO, "3", MB_OPTF_MIN | MB_OPTF_MAX, 3, 1000,
     NULL, SC(min_runs),
     "repeat: auto judges a point's intervals from this many successful runs on."},
    {"precision.max_runs", MB_OPT_INT, MB_SCOPE_SCENARIO, "10", MB_OPTF_MIN | MB_OPTF_MAX, 3, 1000,
     NULL, SC(max_runs),
     "repeat: auto's cap: a point stops after this many runs (failed ones count), narrow "
     "or not; at least precision.min_runs."},
    {"order", MB_OPT_ENUM, MB_SCOPE_SCENARIO, "by-point", 0, 0, 0, orders, SC(order),
     "Run order: every repetition of a point in a row (by-point), one repetition of every "
     "point per round (interleaved), or shuffled with seed; the latter two spread machine "
     "drift over the points."},
    {"seed", MB_OPT_INT, MB_SCOPE_SCENARIO, "1", MB_OPTF_MIN, 0, 0, NULL, SC(seed),
     "Seed of the shuffled order."},
    {"zip", MB_OPT_ZIP, MB_SCOPE_SCENARIO, NULL, 0, 0, 0, NULL, 0,
     "Lists of factor keys that advance together instead of combining, e.g. "
     "[[vms.count, reservation.destination.cpu]]; each needs the same number of levels."},
    {"plots", MB_OPT_PLOTS, MB_SCOPE_SCENARIO, NULL, 0, 0, 0, NULL, 0,
     "Figures: a list of {x: FACTOR, y: [METRIC...], kind: line|bars|real-vs-computed|"
     "heatmap, series: FACTOR, title: TEXT}."},

    /* the VMs that migrate */
    {"vms.count", MB_OPT_INT, MB_SCOPE_POINT, "1", MB_OPTF_MIN | MB_OPTF_MAX, 1, 64, NULL,
     PT(vm_count), "VMs that migrate together (one batch)."},
    {"vms.vcpus", MB_OPT_INT, MB_SCOPE_POINT, "1", MB_OPTF_MIN | MB_OPTF_MAX, 1, 64, NULL,
     PT(vm_vcpus), "Virtual CPUs per VM."},
    {"vms.memory", MB_OPT_SIZE, MB_SCOPE_POINT, "512MiB", MB_OPTF_MIN | MB_OPTF_MAX, 64 * MIB,
     256 * GIB, NULL, PT(vm_memory), "Memory per VM."},
    {"vms.workload", MB_OPT_ENUM, MB_SCOPE_POINT, "idle", 0, 0, 0, workloads, PT(vm_workload),
     "What runs in the VMs: idle; jbb (SPECjbb2005-like), iozone (IOZone-like), sysbench, "
     "web (an HTTP server, loaded from the load client; Webbench-like): their throughput "
     "series and overhead are recorded (docs/workloads.md); dirty (rewrites and verifies a "
     "quarter of its memory at full speed), burn (spins its vCPUs)."},
    {"vms.start", MB_OPT_ENUM, MB_SCOPE_POINT, "boot", 0, 0, 0, starts, PT(vm_start),
     "How a run's guests start: boot (every run boots them) or restore (the campaign's "
     "first run that needs a guest boots it and saves its state once it answers; later runs "
     "restore that state, about 2.5 s sooner under TCG).  restore changes what a migration "
     "measures (restored guests migrated faster, and some paused for 0.6 s: "
     "docs/measurements.md): for functional checks, not timings.  It needs guest.disk_dir, "
     "seen by the harness and the hosts, and a backend that saves domains; elsewhere guests "
     "boot."},

    /* the migration */
    {"migration.from", MB_OPT_NAME, MB_SCOPE_POINT, "", 0, 0, 0, NULL, PT(mig_from),
     "Source host (a host of the testbed); default: its first host."},
    {"migration.to", MB_OPT_NAME, MB_SCOPE_POINT, "", 0, 0, 0, NULL, PT(mig_to),
     "Destination host; default: the testbed's second host."},
    {"migration.strategy", MB_OPT_STRATEGY, MB_SCOPE_POINT, "sequential", 0, 0, 0, NULL,
     PT(strategy),
     "How the batch migrates: sequential, parallel (all at once), parallel:K (K at a "
     "time) or adaptive (K chosen per batch from the source's CPUs and migration.history)."},
    {"migration.hops", MB_OPT_INT, MB_SCOPE_POINT, "1", MB_OPTF_MIN | MB_OPTF_MAX, 1, 100, NULL,
     PT(hops),
     "Migrations per run: 1 = from -> to; 2 = there and back (from -> to -> from); and so on. "
     "Each hop is a row. Some hypervisor bugs show only on a guest's second hop."},
    {"migration.history", MB_OPT_STRING, MB_SCOPE_SCENARIO, "", 0, 0, 0, NULL, SC(history),
     "Earlier results the adaptive strategy learns from: a results directory, or a "
     "directory of them (e.g. the Fig. 8/9 campaigns), relative to the scenario file; "
     "empty = one migration per free source CPU."},
    {"migration.max_downtime", MB_OPT_DURATION, MB_SCOPE_POINT, "300ms", MB_OPTF_MIN | MB_OPTF_MAX,
     1, 60000, NULL, PT(max_downtime_ms),
     "Longest pause the hypervisor may take for the final copy (set before migrating)."},
    {"migration.timeout", MB_OPT_DURATION, MB_SCOPE_POINT, "120s", MB_OPTF_MIN | MB_OPTF_MAX, 1000,
     86400000, NULL, PT(timeout_ms),
     "The harness aborts a migration that runs longer, and records it as timeout."},
    {"migration.bandwidth", MB_OPT_RATE, MB_SCOPE_POINT, "0", MB_OPTF_MAX, 0, 1024 * GIB, NULL,
     PT(bandwidth), "Bandwidth limit, e.g. 100MiB/s; 0 = unlimited."},
    {"migration.connections", MB_OPT_INT, MB_SCOPE_POINT, "1", MB_OPTF_MIN | MB_OPTF_MAX, 1, 64,
     NULL, PT(connections), "Parallel connections per migration (multifd when > 1)."},
    {"migration.auto_converge", MB_OPT_BOOL, MB_SCOPE_POINT, "false", 0, 0, 0, NULL,
     PT(auto_converge), "Throttle the guest's vCPUs when it dirties memory too fast."},
    {"migration.compression", MB_OPT_ENUM, MB_SCOPE_POINT, "none", 0, 0, 0, compressions,
     PT(compression), "Compression of migrated pages."},
    {"migration.postcopy", MB_OPT_BOOL, MB_SCOPE_POINT, "false", 0, 0, 0, NULL, PT(postcopy),
     "Switch to post-copy when pre-copy does not converge."},
    {"migration.zero_pages", MB_OPT_ENUM, MB_SCOPE_POINT, "detect", 0, 0, 0, zero_pages,
     PT(zero_pages),
     "Pages of zeros: detect (the hypervisor sends a marker instead of the page, QEMU's "
     "default) or send (every page in full, as Xen 3.3.1 did: QEMU's zero-page-detection "
     "none, set on the source before each migration; needs QEMU 9.0 or later)."},
    {"migration.convergence", MB_OPT_ENUM, MB_SCOPE_POINT, "qemu", 0, 0, 0, convergences,
     PT(convergence),
     "When pre-copy stops: qemu (when the rest fits in migration.max_downtime) or xen33 "
     "(Xen 3.3.1's rules, applied by the harness from the job statistics: after 29 "
     "iterations, under 50 dirty pages left, or 3 times the guest's memory sent; the stop "
     "raises the allowed downtime so the next pass is the last)."},

    /* reservation: the paper's method */
    {"reservation.source.cpu_cap", MB_OPT_PERCENT, MB_SCOPE_POINT, "100%",
     MB_OPTF_MIN | MB_OPTF_MAX, 1, 100, NULL, PT(src_cpu_cap),
     "CPU cap of each migrating VM's vCPUs on the source, in % of one CPU (100% = "
     "uncapped); lifted on the destination."},
    {"reservation.source.memory", MB_OPT_SIZE, MB_SCOPE_POINT, "0", MB_OPTF_MAX, 0, 256 * GIB, NULL,
     PT(src_memory),
     "Balloon target of each migrating VM before migration; 0 = no balloon. At most "
     "vms.memory."},
    {"reservation.destination.cpu", MB_OPT_INT, MB_SCOPE_POINT, "0", MB_OPTF_MIN | MB_OPTF_MAX, 0,
     256, NULL, PT(dst_cpu), "CPUs held on the destination by placeholder VMs that burn them."},
    {"reservation.destination.memory", MB_OPT_SIZE, MB_SCOPE_POINT, "0", MB_OPTF_MAX, 0, 1024 * GIB,
     NULL, PT(dst_memory),
     "Memory held on the destination by idle placeholder VMs (allocated up front)."},
    {"reservation.destination.mode", MB_OPT_ENUM, MB_SCOPE_POINT, "release", 0, 0, 0, dst_modes,
     PT(dst_mode),
     "release: placeholders shut down just before the migration (the paper's method); "
     "hold: they keep running, to measure contention."},
    {"reservation.destination.placeholder_memory", MB_OPT_SIZE, MB_SCOPE_POINT, "128MiB",
     MB_OPTF_MIN | MB_OPTF_MAX, 64 * MIB, 64 * GIB, NULL, PT(placeholder_memory),
     "Memory of each CPU-burning placeholder VM."},

    {"reservation.destination.vm_memory", MB_OPT_SIZE, MB_SCOPE_POINT, "0", MB_OPTF_MAX, 0,
     1024 * GIB, NULL, PT(dst_vm_memory),
     "Largest idle placeholder VM: reservation.destination.memory is split into VMs of at "
     "most this size; 0 = one VM holds it all."},
    {"reservation.destination.timeout", MB_OPT_DURATION, MB_SCOPE_POINT, "60s",
     MB_OPTF_MIN | MB_OPTF_MAX, 1000, 3600000, NULL, PT(dst_timeout_ms),
     "How long the placeholders may take to hold their CPU and memory before the run "
     "fails."},

    /* a competing tenant on the destination (the contention experiment) */
    {"contention.cpu", MB_OPT_INT, MB_SCOPE_POINT, "0", MB_OPTF_MIN | MB_OPTF_MAX, 0, 256, NULL,
     PT(ct_cpu),
     "CPUs a competing tenant takes on the destination with burner VMs before the "
     "migration and keeps through it, within the CPUs no running VM was given "
     "(contention.admission)."},
    {"contention.memory", MB_OPT_SIZE, MB_SCOPE_POINT, "0", MB_OPTF_MAX, 0, 1024 * GIB, NULL,
     PT(ct_memory),
     "Memory a competing tenant takes on the destination with preallocated idle VMs, within "
     "the memory no running VM was given."},
    {"contention.vm_memory", MB_OPT_SIZE, MB_SCOPE_POINT, "0", MB_OPTF_MAX, 0, 1024 * GIB, NULL,
     PT(ct_vm_memory), "Largest VM of the tenant's memory; 0 = one VM."},
    {"contention.vm_overhead", MB_OPT_SIZE, MB_SCOPE_POINT, "160MiB", MB_OPTF_MAX, 0, 64 * GIB,
     NULL, PT(ct_vm_overhead),
     "Host memory the tenant's admission counts for each VM beyond its own (QEMU itself)."},
    {"contention.admission", MB_OPT_ENUM, MB_SCOPE_POINT, "free", 0, 0, 0, admissions,
     PT(ct_admission),
     "free: the tenant takes only what no running VM was given (a scheduler's placement; a "
     "reservation protects against it); all: it takes what it asks regardless."},

    /* co-location and placement (the paper's Table 3 and its workload-aware strategy) */
    {"colocation.workload", MB_OPT_ENUM, MB_SCOPE_POINT, "none", 0, 0, 0, residents,
     PT(co_workload),
     "A resident VM already on the destination (Table 3): none, or a VM of vms.memory "
     "running this workload, started with the migrating VMs and measured in the baseline "
     "window and in windows.after, once the migrating VMs have arrived."},
    {"placement.hosts", MB_OPT_STRING, MB_SCOPE_POINT, "", 0, 0, 0, NULL, PT(placement_hosts),
     "Candidate destinations, each with a resident VM running a workload: "
     "\"HOST=WORKLOAD,HOST=WORKLOAD\" (e.g. \"hostB=jbb,hostC=iozone\"); the batch goes to "
     "the one placement.policy picks. Empty = migration.to (and colocation.workload)."},
    {"placement.policy", MB_OPT_ENUM, MB_SCOPE_POINT, "workload-aware", 0, 0, 0, policies,
     PT(placement_policy),
     "How a destination is picked among placement.hosts: workload-aware (least co-location "
     "loss in placement.matrix) or random (from the run id: reproducible)."},
    {"placement.matrix", MB_OPT_STRING, MB_SCOPE_SCENARIO, "", 0, 0, 0, NULL, SC(matrix),
     "Earlier Table 3 results the workload-aware policy reads its co-location matrix from: "
     "a results directory or a directory of them, relative to the scenario file."},

    /* measurement windows */
    {"windows.warmup", MB_OPT_DURATION, MB_SCOPE_POINT, "5s", MB_OPTF_MAX, 0, 3600000, NULL,
     PT(warmup_ms), "Time between starting the workload and measuring."},
    {"windows.baseline", MB_OPT_DURATION, MB_SCOPE_POINT, "10s", MB_OPTF_MAX, 0, 3600000, NULL,
     PT(baseline_ms), "Workload measured without migration, before it."},
    {"windows.after", MB_OPT_DURATION, MB_SCOPE_POINT, "5s", MB_OPTF_MAX, 0, 3600000, NULL,
     PT(after_ms), "Workload measured after the migration ends."},
    {"monitor.interval", MB_OPT_DURATION, MB_SCOPE_POINT, "500ms", MB_OPTF_MIN | MB_OPTF_MAX, 50,
     60000, NULL, PT(monitor_interval_ms), "Sampling interval of host and VM resource usage."},
    {"probe.interval", MB_OPT_DURATION, MB_SCOPE_POINT, "20ms", MB_OPTF_MAX, 0, 1000, NULL,
     PT(probe_interval_ms),
     "Interval of the UDP probe that measures the downtime a client sees (probe_downtime_ms, "
     "to this resolution); 0 = no probe. Its cost: docs/measurements.md."},
    {"integrity.memory", MB_OPT_SIZE, MB_SCOPE_POINT, "4MiB", MB_OPTF_MAX, 0, 64 * GIB, NULL,
     PT(check_memory),
     "Memory the integrity checker in each migrating VM rewrites and verifies, to catch writes "
     "a migration lost (integrity column); 0 = no checker. vms.workload: dirty is the "
     "checker on a quarter of the VM's memory at full speed, whatever this says. Its cost: "
     "docs/measurements.md."},
    {"integrity.rate", MB_OPT_RATE, MB_SCOPE_POINT, "4MiB/s", MB_OPTF_MAX, 0, 1024 * GIB, NULL,
     PT(check_rate), "How fast the integrity checker rewrites its memory; 0 = flat out."},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};

#define NCORE (sizeof(core) / sizeof(core[0]) - 1)

/* The core rows, then the workload drivers' (each driver declares its own, with offsets
 * into struct mb_wl_params: moved to struct mb_point's wl here). */
static struct mb_option table[NCORE + 128 + 1];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void gather(void)
{
    size_t n = 0;
    for (; n < NCORE; n++)
        table[n] = core[n];
    for (const struct mb_option *o = mb_wl_option_table(); o->key && n < NCORE + 128; o++) {
        table[n] = *o;
        table[n++].offset += PT(wl);
    }
}

const struct mb_option *mb_option_table(void)
{
    pthread_once(&table_once, gather);
    return table;
}

const char *const *mb_option_resident_workloads(void)
{
    return residents + 1; /* without "none" */
}

const struct mb_option *mb_option_find(const char *key)
{
    for (const struct mb_option *o = mb_option_table(); o->key; o++)
        if (!strcmp(o->key, key))
            return o;
    return NULL;
}

int mb_option_is_section(const char *prefix)
{
    size_t n = strlen(prefix);
    for (const struct mb_option *o = mb_option_table(); o->key; o++)
        if (!strncmp(o->key, prefix, n) && o->key[n] == '.')
            return 1;
    return 0;
}

const char *mb_option_suggest(const char *section, const char *word)
{
    /* the distinct child names of section */
    static char names[64][48];
    const char *list[65];
    size_t n = 0, sl = strlen(section);
    for (const struct mb_option *o = mb_option_table(); o->key && n < 64; o++) {
        const char *rest;
        if (sl == 0)
            rest = o->key;
        else if (!strncmp(o->key, section, sl) && o->key[sl] == '.')
            rest = o->key + sl + 1;
        else
            continue;
        size_t cl = strcspn(rest, ".");
        if (cl >= sizeof(names[0]))
            continue;
        int seen = 0;
        for (size_t i = 0; i < n; i++)
            if (strlen(names[i]) == cl && !strncmp(names[i], rest, cl))
                seen = 1;
        if (seen)
            continue;
        memcpy(names[n], rest, cl);
        names[n][cl] = '\0';
        list[n] = names[n];
        n++;
    }
    list[n] = NULL;
    return mb_suggest(word, list);
}

void mb_option_expect(const struct mb_option *o, char *buf, size_t len)
{
    switch (o->type) {
    case MB_OPT_STRING:
        snprintf(buf, len, "text");
        break;
    case MB_OPT_NAME:
        snprintf(buf, len, "a name of letters, digits, '.', '_' or '-'");
        break;
    case MB_OPT_INT:
        snprintf(buf, len, "a whole number%s", o->flags & MB_OPTF_AUTO ? " or auto" : "");
        break;
    case MB_OPT_SIZE:
        snprintf(buf, len, "a size like 512MiB");
        break;
    case MB_OPT_DURATION:
        snprintf(buf, len, "a duration like 300ms or 5s");
        break;
    case MB_OPT_PERCENT:
        snprintf(buf, len, "a percentage like 40%%");
        break;
    case MB_OPT_RATE:
        snprintf(buf, len, "a rate like 100MiB/s");
        break;
    case MB_OPT_BOOL:
        snprintf(buf, len, "true or false");
        break;
    case MB_OPT_STRATEGY:
        snprintf(buf, len, "sequential, parallel, parallel:K or adaptive");
        break;
    case MB_OPT_ENUM: {
        size_t off = (size_t)snprintf(buf, len, "one of: ");
        for (int i = 0; o->values[i] && off < len; i++)
            off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", o->values[i]);
        break;
    }
    case MB_OPT_ZIP:
        snprintf(buf, len, "a list of lists of factor keys");
        break;
    case MB_OPT_PLOTS:
        snprintf(buf, len, "a list of plot mappings");
        break;
    }
}

static const char *type_name(enum mb_opt_type t)
{
    static const char *names[] = {"text", "name",    "integer", "size",     "duration",  "percent",
                                  "rate", "boolean", "choice",  "strategy", "key lists", "plots"};
    return names[t];
}

int mb_option_parse_number(const struct mb_option *o, const char *text, double *num, char *why,
                           size_t len)
{
    int64_t i = 0;
    uint64_t u = 0;
    int b = 0, rc = 0;
    *num = 0;
    if ((o->flags & MB_OPTF_AUTO) && !strcmp(text, "auto")) {
        *num = MB_OPT_AUTO;
        return 0;
    }
    switch (o->type) {
    case MB_OPT_INT:
        rc = mb_parse_int(text, &i, why, len);
        *num = (double)i;
        break;
    case MB_OPT_SIZE:
    case MB_OPT_RATE:
        rc = o->type == MB_OPT_SIZE ? mb_parse_size(text, &u, why, len)
                                    : mb_parse_rate(text, &u, why, len);
        *num = (double)u;
        break;
    case MB_OPT_DURATION:
        rc = mb_parse_duration_ms(text, num, why, len);
        break;
    case MB_OPT_PERCENT:
        rc = mb_parse_percent(text, num, why, len);
        break;
    case MB_OPT_BOOL:
        rc = mb_parse_bool(text, &b, why, len);
        *num = b;
        break;
    default: /* text: nothing to parse */
        break;
    }
    return rc ? -1 : 0;
}

void mb_option_store(const struct mb_option *o, void *obj, double num, const char *text,
                     const struct mb_strategy *st)
{
    char *base = (char *)obj + o->offset;
    switch (o->type) {
    case MB_OPT_INT:
        *(int64_t *)base = (int64_t)num;
        break;
    case MB_OPT_SIZE:
    case MB_OPT_RATE:
        *(uint64_t *)base = (uint64_t)num;
        break;
    case MB_OPT_DURATION:
    case MB_OPT_PERCENT:
        *(double *)base = num;
        break;
    case MB_OPT_BOOL:
        *(int *)base = num != 0;
        break;
    case MB_OPT_STRATEGY:
        if (st)
            *(struct mb_strategy *)base = *st;
        break;
    default:
        *(const char **)base = text;
    }
}

void mb_option_format(const struct mb_option *o, double v, char *buf, size_t len)
{
    switch (o->type) {
    case MB_OPT_SIZE:
        mb_format_size((uint64_t)v, buf, len);
        break;
    case MB_OPT_RATE: {
        char size[32];
        mb_format_size((uint64_t)v, size, sizeof(size));
        snprintf(buf, len, "%s/s", size);
        break;
    }
    case MB_OPT_DURATION:
        mb_format_duration_ms(v, buf, len);
        break;
    case MB_OPT_PERCENT:
        snprintf(buf, len, "%g%%", v);
        break;
    default:
        snprintf(buf, len, "%g", v);
    }
}

static void range_text(const struct mb_option *o, char *buf, size_t len)
{
    char lo[32] = "", hi[32] = "";
    buf[0] = '\0';
    if (o->type == MB_OPT_ENUM) {
        mb_option_expect(o, buf, len);
        return;
    }
    if (o->flags & MB_OPTF_MIN)
        mb_option_format(o, o->min, lo, sizeof(lo));
    if (o->flags & MB_OPTF_MAX)
        mb_option_format(o, o->max, hi, sizeof(hi));
    if (lo[0] && hi[0])
        snprintf(buf, len, "%s..%s", lo, hi);
    else if (lo[0])
        snprintf(buf, len, ">= %s", lo);
    else if (hi[0])
        snprintf(buf, len, "<= %s", hi);
    if (o->flags & MB_OPTF_AUTO) {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "%sauto", n ? " or " : "");
    }
}

/* Print text indented, broken at spaces to fit width columns. */
static void print_wrapped(FILE *out, const char *text, int indent, int width)
{
    const char *p = text;
    while (*p) {
        int room = width - indent;
        int n = (int)strlen(p);
        if (n > room) {
            n = room;
            while (n > 0 && p[n] != ' ')
                n--;
            if (n == 0)
                n = room;
        }
        fprintf(out, "%*s%.*s\n", indent, "", n, p);
        p += n;
        while (*p == ' ')
            p++;
    }
}

/* One key as an item of migbench-scenario(5)'s list. */
static void print_man(FILE *out, const struct mb_option *o, const char *def, const char *range)
{
    fputs(".TP\n.B ", out);
    mb_cli_roff(out, o->key);
    fputs("\n\\fI", out);
    mb_cli_roff(out, type_name(o->type));
    fputs("\\fR", out);
    if (def[0]) {
        fputs(", default \\fB", out);
        mb_cli_roff(out, def);
        fputs("\\fR", out);
    }
    if (range[0]) {
        fputs(", ", out);
        mb_cli_roff(out, range);
    }
    fputs(o->scope == MB_SCOPE_POINT ? "; a list makes it a factor" : "", out);
    fputs(".\n.br\n", out);
    mb_cli_roff(out, o->help);
    fputc('\n', out);
}

int mb_options_print(FILE *out, const char *format, const char *prefix)
{
    int md = format && !strcmp(format, "md"), man = format && !strcmp(format, "man"), n = 0;
    size_t plen = prefix ? strlen(prefix) : 0;
    if (md)
        fprintf(out, "| key | type | default | allowed | factor | meaning |\n"
                     "|---|---|---|---|---|---|\n");
    for (const struct mb_option *o = mb_option_table(); o->key; o++) {
        if (plen && strncmp(o->key, prefix, plen))
            continue;
        n++;
        char range[256];
        range_text(o, range, sizeof(range));
        const char *def = o->def ? o->def : (o->flags & MB_OPTF_REQUIRED ? "(required)" : "");
        if (!strcmp(o->key, "trim"))
            def = "auto";
        if (man) {
            print_man(out, o, def, range);
        } else if (md) {
            fprintf(out, "| `%s` | %s | %s%s%s | %s | %s | ", o->key, type_name(o->type),
                    def[0] ? "`" : "", def, def[0] ? "`" : "", range,
                    o->scope == MB_SCOPE_POINT ? "yes" : "no");
            for (const char *c = o->help; *c; c++)
                fputs(*c == '|' ? "\\|" : (char[]){*c, 0}, out);
            fputs(" |\n", out);
        } else {
            fprintf(out, "%-44s %-9s default %-10s %s%s\n", o->key, type_name(o->type),
                    def[0] ? def : "-", o->scope == MB_SCOPE_POINT ? "[factor] " : "", range);
            print_wrapped(out, o->help, 4, 88);
        }
    }
    return n;
}
