/* jbb.c — the SPECjbb2005-like workload: workloads/guest/jbb.c in the guest, business
 * operations per second (bops) as its series. */
#include "options.h"

#include <stdio.h>

static const struct mb_option options[] = {
    {"workload.jbb.warehouses", MB_OPT_INT, MB_SCOPE_POINT, "1", MB_OPTF_MIN | MB_OPTF_MAX, 1, 64,
     NULL, MB_WL_PARAM(jbb_warehouses),
     "jbb: warehouses, one transaction thread each (SPECjbb's unit of scale)."},
    {"workload.jbb.heap", MB_OPT_SIZE, MB_SCOPE_POINT, "128MiB", MB_OPTF_MIN | MB_OPTF_MAX,
     16 * MB_WL_MIB, 64 * MB_WL_GIB, NULL, MB_WL_PARAM(jbb_heap),
     "jbb: working set, like a JVM heap: tables, order history and a nursery the "
     "transactions allocate in (at least 16MiB per warehouse; at most 3/4 of vms.memory)."},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};

static int check(const struct mb_wl_params *p, uint64_t vm_memory, const char **key,
                 struct mb_error *err)
{
    /* jbb's tables take about 8 MiB per warehouse, and it wants 4 MiB beyond them */
    uint64_t need = (uint64_t)p->jbb_warehouses * (16u << 20);
    if (p->jbb_heap < need)
        return mb_wl_refuse(key, "workload.jbb.warehouses", err,
                            "workload.jbb.heap: %llu MiB cannot hold %lld warehouses "
                            "(workload.jbb.warehouses): at least 16MiB each",
                            (unsigned long long)(p->jbb_heap >> 20), (long long)p->jbb_warehouses);
    /* the guest's kernel, its page cache and jbb's own code live in the last quarter */
    uint64_t most = vm_memory / 4 * 3;
    if (vm_memory > 0 && p->jbb_heap > most)
        return mb_wl_refuse(key, "workload.jbb.heap", err,
                            "workload.jbb.heap %llu MiB does not fit in vms.memory %llu MiB: leave "
                            "at least %llu MiB for the guest's own use (the heap may take 3/4)",
                            (unsigned long long)(p->jbb_heap >> 20),
                            (unsigned long long)(vm_memory >> 20),
                            (unsigned long long)((vm_memory - most + (1u << 20) - 1) >> 20));
    return 0;
}

static int start(const struct mb_wl_params *p, double max_s, struct mb_buf *b, struct mb_error *err)
{
    char log[64], pid[64], status[64];
    mb_wl_path(log, sizeof(log), "jbb", "log");
    mb_wl_path(pid, sizeof(pid), "jbb", "pid");
    mb_wl_path(status, sizeof(status), "jbb", "status");
    if (mb_buf_printf(b, "jbb -d") < 0 || mb_wl_arg(b, "-w") < 0 ||
        mb_wl_argf(b, "%lld", (long long)p->jbb_warehouses) < 0 || mb_wl_arg(b, "-m") < 0 ||
        mb_wl_argf(b, "%.3f", (double)p->jbb_heap / 1048576.0) < 0 || mb_wl_arg(b, "-i") < 0 ||
        mb_wl_argf(b, "%.3f", p->interval_ms / 1000.0) < 0 || mb_wl_arg(b, "-t") < 0 ||
        mb_wl_argf(b, "%.0f", max_s) < 0 || mb_wl_arg(b, "-s") < 0 || mb_wl_arg(b, status) < 0 ||
        mb_wl_arg(b, "-p") < 0 || mb_wl_arg(b, pid) < 0 || mb_wl_redirect(b, log, false) < 0)
        return mb_error_set(err, MB_ENOMEM, "jbb: start command too long");
    return 0;
}

static int stop(const struct mb_wl_params *p, struct mb_buf *b)
{
    (void)p;
    char pid[64];
    mb_wl_path(pid, sizeof(pid), "jbb", "pid");
    return mb_wl_stop_pidfile(b, pid);
}

static int parse(const char *text, size_t len, struct mb_series *s)
{
    static const struct mb_wl_kv_format f = {
        .prefix = "jbb",
        .cols = {"bops", "ops"},
        .units = {"bops", "ops"},
        .score_key = "bops",
    };
    return mb_wl_parse_kv(&f, text, len, s);
}

const struct mb_wl_driver mb_wl_jbb = {
    .name = "jbb",
    .help = "SPECjbb2005-like: warehouses of in-memory tables, its transaction mix, a heap "
            "like a JVM's",
    .metric = "bops",
    .unit = "bops",
    .program = "jbb",
    .options = options,
    .check = check,
    .start = start,
    .stop = stop,
    .parse = parse,
};
