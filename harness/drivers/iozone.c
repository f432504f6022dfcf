/* iozone.c — the IOZone-like workload: workloads/guest/iozone.c in the guest, its I/O
 * throughput in MiB/s as its series, each sample tagged with the test that ran. */
#include "options.h"

#include <stdio.h>
#include <string.h>

/* IOZone's tests, one of them over and over, or all in turn. */
static const char *const tests[] = {"all",    "write",    "rewrite",   "read",
                                    "reread", "randread", "randwrite", NULL};

static const struct mb_option options[] = {
    {"workload.iozone.file_size", MB_OPT_SIZE, MB_SCOPE_POINT, "64MiB", MB_OPTF_MIN | MB_OPTF_MAX,
     1 * MB_WL_MIB, 1024 * MB_WL_GIB, NULL, MB_WL_PARAM(iozone_file_size),
     "iozone: size of the file each test moves once."},
    {"workload.iozone.record_size", MB_OPT_SIZE, MB_SCOPE_POINT, "64KiB", MB_OPTF_MIN | MB_OPTF_MAX,
     1024, 64 * MB_WL_MIB, NULL, MB_WL_PARAM(iozone_record_size),
     "iozone: size of each read or write."},
    {"workload.iozone.tests", MB_OPT_ENUM, MB_SCOPE_POINT, "all", 0, 0, 0, tests,
     MB_WL_PARAM(iozone_tests),
     "iozone: the test run over and over: one of IOZone's six, or all of them in turn "
     "(write, rewrite, read, reread, randread, randwrite); one test gives a steadier series."},
    {"workload.iozone.dir", MB_OPT_STRING, MB_SCOPE_POINT, "auto", 0, 0, 0, NULL,
     MB_WL_PARAM(iozone_dir),
     "iozone: directory of its file in the guest; auto = the scratch disk (/mnt/scratch) "
     "when the guest has one, else /tmp (RAM)."},
    {"workload.iozone.direct", MB_OPT_BOOL, MB_SCOPE_POINT, "false", 0, 0, 0, NULL,
     MB_WL_PARAM(iozone_direct),
     "iozone: O_DIRECT, bypassing the guest's page cache (needs the scratch disk)."},
    {"workload.iozone.fsync", MB_OPT_BOOL, MB_SCOPE_POINT, "false", 0, 0, 0, NULL,
     MB_WL_PARAM(iozone_fsync), "iozone: fsync at the end of each writing test (IOZone's -e)."},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};

/* The tags of its samples: its tests, and "mixed" for a sample in which tests changed. */
static const char *const tags[] = {"write",    "rewrite",   "read",  "reread",
                                   "randread", "randwrite", "mixed", NULL};

static int check(const struct mb_wl_params *p, uint64_t vm_memory, const char **key,
                 struct mb_error *err)
{
    bool ram;
    if (mb_wl_check_dir("workload.iozone.dir", p->iozone_dir, &ram, key, err) < 0)
        return MB_EINPUT;
    if (p->iozone_record_size % 1024)
        return mb_wl_refuse(key, "workload.iozone.record_size", err,
                            "workload.iozone.record_size: %llu bytes is not a whole number of KiB",
                            (unsigned long long)p->iozone_record_size);
    if (p->iozone_file_size < p->iozone_record_size)
        return mb_wl_refuse(key, "workload.iozone.file_size", err,
                            "workload.iozone.file_size is smaller than one record "
                            "(workload.iozone.record_size)");
    if (p->iozone_direct && p->iozone_record_size % 4096)
        return mb_wl_refuse(key, "workload.iozone.record_size", err,
                            "workload.iozone.direct wants a workload.iozone.record_size that is a "
                            "multiple of 4KiB");
    if (p->iozone_direct && ram)
        return mb_wl_refuse(key, "workload.iozone.direct", err,
                            "workload.iozone.direct: the guest's %s is in RAM (tmpfs), which has "
                            "no O_DIRECT; use the scratch disk (dir: auto or /mnt/scratch)",
                            p->iozone_dir);
    if (ram && vm_memory > 0 && p->iozone_file_size > vm_memory / 3)
        return mb_wl_refuse(key, "workload.iozone.file_size", err,
                            "workload.iozone.file_size: %llu MiB in the guest's RAM (%s) is more "
                            "than a third of its %llu MiB (vms.memory)",
                            (unsigned long long)(p->iozone_file_size >> 20), p->iozone_dir,
                            (unsigned long long)(vm_memory >> 20));
    return 0;
}

static int start(const struct mb_wl_params *p, double max_s, struct mb_buf *b, struct mb_error *err)
{
    char log[64], pid[64], status[64];
    mb_wl_path(log, sizeof(log), "iozone", "log");
    mb_wl_path(pid, sizeof(pid), "iozone", "pid");
    mb_wl_path(status, sizeof(status), "iozone", "status");
    const char *dir = p->iozone_dir ? p->iozone_dir : "auto";
    int bad = mb_buf_printf(b, "iozone -d") < 0 || mb_wl_arg(b, "-s") < 0 ||
              mb_wl_argf(b, "%.3f", (double)p->iozone_file_size / 1048576.0) < 0 ||
              mb_wl_arg(b, "-r") < 0 ||
              mb_wl_argf(b, "%llu", (unsigned long long)(p->iozone_record_size / 1024)) < 0 ||
              mb_wl_arg(b, "-T") < 0 || mb_wl_arg(b, p->iozone_tests ? p->iozone_tests : "all") < 0;
    if (!bad && strcmp(dir, "auto")) /* auto: the program picks /mnt/scratch or /tmp */
        bad = mb_wl_arg(b, "-f") < 0 || mb_wl_arg(b, dir) < 0;
    if (!bad && p->iozone_direct)
        bad = mb_wl_arg(b, "-D") < 0;
    if (!bad && p->iozone_fsync)
        bad = mb_wl_arg(b, "-e") < 0;
    if (!bad)
        bad = mb_wl_arg(b, "-i") < 0 || mb_wl_argf(b, "%.3f", p->interval_ms / 1000.0) < 0 ||
              mb_wl_arg(b, "-t") < 0 || mb_wl_argf(b, "%.0f", max_s) < 0 ||
              mb_wl_arg(b, "-S") < 0 || mb_wl_arg(b, status) < 0 || mb_wl_arg(b, "-p") < 0 ||
              mb_wl_arg(b, pid) < 0 || mb_wl_redirect(b, log, false) < 0;
    if (bad)
        return mb_error_set(err, MB_ENOMEM, "iozone: start command too long");
    return 0;
}

static int stop(const struct mb_wl_params *p, struct mb_buf *b)
{
    (void)p;
    char pid[64];
    mb_wl_path(pid, sizeof(pid), "iozone", "pid");
    return mb_wl_stop_pidfile(b, pid);
}

static int parse(const char *text, size_t len, struct mb_series *s)
{
    static const struct mb_wl_kv_format f = {
        .prefix = "iozone",
        .cols = {"mibs", "bytes"},
        .units = {"MiB/s", "bytes"},
        .score_key = "mibs",
        .tag_key = "phase",
        .tags = tags,
    };
    return mb_wl_parse_kv(&f, text, len, s);
}

const struct mb_wl_driver mb_wl_iozone = {
    .name = "iozone",
    .help = "IOZone-like: write, rewrite, read, reread, random read and write over a file",
    .metric = "throughput",
    .unit = "MiB/s",
    .program = "iozone",
    .options = options,
    .check = check,
    .start = start,
    .stop = stop,
    .parse = parse,
};
