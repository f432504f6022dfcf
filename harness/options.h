/* options.h — the one table of scenario keys (after fio's options.c).
 *
 * Every key a scenario may hold is one entry: its dotted name, type, default,
 * allowed range or values, where its value lives, and its help text.  The same
 * table parses and validates scenario files, expands factors, prints
 * `migbench help keys` and generates docs/scenario-keys.md. */
#ifndef MB_OPTIONS_H
#define MB_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "workload.h"

enum mb_opt_type {
    MB_OPT_STRING,   /* free text */
    MB_OPT_NAME,     /* [A-Za-z0-9._-]+, e.g. a scenario or host name */
    MB_OPT_INT,      /* whole number */
    MB_OPT_SIZE,     /* bytes: 512MiB */
    MB_OPT_DURATION, /* milliseconds: 300ms, 5s */
    MB_OPT_PERCENT,  /* 40% */
    MB_OPT_RATE,     /* bytes per second: 100MiB/s */
    MB_OPT_BOOL,     /* true/false */
    MB_OPT_ENUM,     /* one of .values */
    MB_OPT_STRATEGY, /* sequential | parallel | parallel:K */
    MB_OPT_ZIP,      /* list of lists of factor keys (scenario level) */
    MB_OPT_PLOTS,    /* list of plot mappings (scenario level) */
};

enum mb_opt_scope {
    MB_SCOPE_SCENARIO, /* one value for the whole scenario; stored in struct mb_scenario */
    MB_SCOPE_POINT,    /* may be a factor; stored in struct mb_point */
};

enum mb_opt_flags {
    MB_OPTF_REQUIRED = 1 << 0,
    MB_OPTF_MIN = 1 << 1,  /* .min applies */
    MB_OPTF_MAX = 1 << 2,  /* .max applies */
    MB_OPTF_AUTO = 1 << 3, /* the word auto is a value too (MB_OPT_AUTO), outside the range */
};

/* What an MB_OPTF_AUTO key holds when written `auto`. */
#define MB_OPT_AUTO (-1.0)

enum mb_strategy_kind {
    MB_STRATEGY_SEQUENTIAL,
    MB_STRATEGY_PARALLEL,
    MB_STRATEGY_ADAPTIVE, /* K chosen per batch (strategy.h) */
};

/* How a batch of VMs migrates: one at a time, k at a time (k = 0: all at once), or k
 * chosen per batch by the adaptive strategy. */
struct mb_strategy {
    enum mb_strategy_kind kind;
    int k;
};

/* The concrete configuration of one point of a scenario (every factor at one level).
 * Strings are borrowed from the scenario that produced the point. */
struct mb_point {
    int64_t vm_count, vm_vcpus;
    uint64_t vm_memory;
    const char *vm_workload;
    const char *vm_start;          /* boot | restore */
    const char *mig_from, *mig_to; /* "" = the testbed's first / second host */
    struct mb_strategy strategy;
    int64_t hops;
    double max_downtime_ms, timeout_ms;
    uint64_t bandwidth; /* bytes/s, 0 = unlimited */
    int64_t connections;
    int auto_converge, postcopy;
    const char *compression;
    const char *zero_pages;  /* detect | send */
    const char *convergence; /* qemu | xen33 */
    double src_cpu_cap;      /* % of one CPU per vCPU; 100 = uncapped */
    uint64_t src_memory;     /* balloon target, 0 = no balloon */
    int64_t dst_cpu;         /* CPUs held on the destination by burner VMs */
    uint64_t dst_memory;     /* memory held on the destination by idle VMs */
    const char *dst_mode;    /* release | hold */
    uint64_t placeholder_memory;
    uint64_t dst_vm_memory; /* largest idle placeholder; 0 = one */
    double dst_timeout_ms;
    int64_t ct_cpu; /* contention.*: the competing tenant on the destination */
    uint64_t ct_memory, ct_vm_memory, ct_vm_overhead;
    const char *ct_admission;
    const char *co_workload;      /* colocation.workload: the destination's resident, "none" */
    const char *placement_hosts;  /* candidates "HOST=WORKLOAD,..."; "" = migration.to */
    const char *placement_policy; /* workload-aware | random */
    double warmup_ms, baseline_ms, after_ms;
    double monitor_interval_ms, probe_interval_ms; /* probe 0 = none */
    uint64_t check_memory, check_rate; /* integrity.*: 0 memory = no checker, 0 rate = flat out */
    struct mb_wl_params wl;            /* workload.*: the workload drivers' settings */
};

struct mb_option {
    const char *key;
    enum mb_opt_type type;
    enum mb_opt_scope scope;
    const char *def; /* default, written as in a scenario; NULL = none */
    unsigned flags;
    double min, max;           /* in base units: bytes, ms, %, bytes/s, count */
    const char *const *values; /* MB_OPT_ENUM: NULL-terminated */
    size_t offset;             /* into struct mb_point or struct mb_scenario */
    const char *help;
};

/* The table, terminated by an entry with key NULL: options.c's rows, then the workload
 * drivers' (mb_wl_option_table).  Static storage, gathered on the first call. */
const struct mb_option *mb_option_table(void);

/* What a resident VM may run (placement.hosts, colocation.workload but "none"):
 * NULL-terminated. */
const char *const *mb_option_resident_workloads(void);

/* The option with this dotted key, or NULL. */
const struct mb_option *mb_option_find(const char *key);

/* Does some option's key start with prefix + "."?  (Is it a section name?) */
int mb_option_is_section(const char *prefix);

/* The closest key to a misspelt one among the direct children of section
 * ("" = top level): returns the child's last component, or NULL. */
const char *mb_option_suggest(const char *section, const char *word);

/* "a size like 512MiB", "one of: idle, dirty, burn" ... for messages. */
void mb_option_expect(const struct mb_option *o, char *buf, size_t len);

/* Parse text as a value of o's numeric type (integer, size, rate, duration, percent,
 * boolean) into *num in base units (bytes, ms, %, bytes/s, count, 0/1); other types give
 * 0; `auto` gives MB_OPT_AUTO when o allows it.  The range is not checked.  0, or -1 with why (len
 * bytes) saying what is wrong. */
int mb_option_parse_number(const struct mb_option *o, const char *text, double *num, char *why,
                           size_t len);

/* Store a value into obj (a struct mb_point, mb_scenario or mb_wl_params, whichever o's
 * offset is into) as o's type holds it: num for numbers, st for a strategy (NULL: left
 * alone), text (borrowed) for the rest. */
void mb_option_store(const struct mb_option *o, void *obj, double num, const char *text,
                     const struct mb_strategy *st);

/* A value of o in its units, as messages and `help keys` write limits (512MiB, 5s, 40%). */
void mb_option_format(const struct mb_option *o, double v, char *buf, size_t len);

/* Print the table for `migbench help keys` (format "text"), as Markdown ("md") or as
 * the roff list of migbench-scenario(5) ("man"); only the keys starting with prefix
 * (NULL or "" = every key).  Returns how many keys were printed. */
int mb_options_print(FILE *out, const char *format, const char *prefix);

#endif
