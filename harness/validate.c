/* validate.c — every point of a scenario checked as the runner needs it, and against a
 * testbed's hosts. */
#include "validate.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"
#include "plan.h"
#include "scenario.h"
#include "testbed.h"
#include "lib/units.h"
#include "lib/util.h"

/* A CPU-burning placeholder or tenant VM: one vCPU, and this memory unless the scenario
 * says otherwise (reservation.c's default). */
#define BURNER_MEMORY (128ull << 20)

/* One point under check. */
struct point_check {
    const struct mb_scenario *s;
    const struct mb_testbed *tb;
    const size_t *level; /* the level of every setting at this point */
    struct mb_point pt;
    struct mb_placement_hosts cand; /* placement.hosts, parsed */
    struct mb_error *err;
};

/* The value of key at this point when the file wrote it, else NULL. */
static const struct mb_value *written(const struct point_check *c, const char *key)
{
    const struct mb_setting *st = mb_scenario_setting(c->s, key);
    const struct mb_value *v = st ? &st->levels[c->level[st - c->s->settings]] : NULL;
    return v && v->line > 0 ? v : NULL;
}

/* Refuse the point at the first of keys (NULL-terminated, the most to blame first) that
 * is a factor, whose level here is what differs from the points that pass; else at the
 * first written in the file; else at the file's start. */
static int refuse(const struct point_check *c, const char *const *keys, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(const struct point_check *c, const char *const *keys, const char *fmt, ...)
{
    const struct mb_value *at = NULL;
    for (int factors_only = 1; factors_only >= 0 && !at; factors_only--)
        for (size_t i = 0; keys[i] && !at; i++) {
            const struct mb_setting *st = mb_scenario_setting(c->s, keys[i]);
            if (written(c, keys[i]) && (st->is_factor || !factors_only))
                at = written(c, keys[i]);
        }
    char msg[sizeof(c->err->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return mb_error_at(c->err, MB_EINPUT, c->s->path, at ? at->line : 1, at ? at->column : 1, "%s",
                       msg);
}

#define KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The driver of workload (NULL: not a driver's) checked with this point's parameters;
 * who says whose workload it is ("" for the migrating VMs'). */
static int check_driver(const struct point_check *c, const char *workload, const char *who,
                        const char *who_key)
{
    const struct mb_wl_driver *d = mb_wl_find(workload);
    const char *key = NULL;
    struct mb_error e;
    if (!d || mb_wl_check(d, &c->pt.wl, c->pt.vm_memory, &key, &e) == 0)
        return 0;
    /* the workload's choice is to blame only when its settings are all defaults */
    const char *const *keys =
        written(c, key) || written(c, "vms.memory") ? KEYS(key, "vms.memory") : KEYS(who_key);
    return refuse(c, keys, "%s%s", who, e.msg);
}

static int check_workloads(struct point_check *c)
{
    const struct mb_point *pt = &c->pt;
    if (check_driver(c, pt->vm_workload, "", "vms.workload"))
        return MB_EINPUT;
    if (*pt->placement_hosts) {
        struct mb_error e;
        if (mb_placement_parse_hosts(pt->placement_hosts, mb_option_resident_workloads(), &c->cand,
                                     &e) < 0)
            return refuse(c, KEYS("placement.hosts"), "placement.hosts: %s", e.msg);
    }
    for (size_t h = 0; h < c->cand.n; h++) {
        char who[128];
        snprintf(who, sizeof(who), "the resident on %s (placement.hosts): ", c->cand.host[h]);
        if (check_driver(c, c->cand.workload[h], who, "placement.hosts"))
            return MB_EINPUT;
    }
    if (check_driver(c, pt->co_workload,
                     "the resident (colocation.workload): ", "colocation.workload"))
        return MB_EINPUT;
    int64_t residents = c->cand.n ? (int64_t)c->cand.n : strcmp(pt->co_workload, "none") != 0;
    if (pt->vm_count + residents > MB_VALIDATE_MAX_VMS)
        return refuse(c, KEYS("vms.count", "placement.hosts", "colocation.workload"),
                      "vms.count %lld and %lld resident VM%s make %lld VMs in a run; at most %d",
                      (long long)pt->vm_count, (long long)residents, residents == 1 ? "" : "s",
                      (long long)(pt->vm_count + residents), MB_VALIDATE_MAX_VMS);
    return 0;
}

/* The migration's rules that cannot go together: Xen 3.3.1's convergence ends pre-copy
 * with a stop-and-copy, which a switch to post-copy or QEMU's throttling would replace or
 * blur; and both physics keys act on QEMU's migration, not on a Xen host (libxl). */
static int check_physics(const struct point_check *c)
{
    const struct mb_point *pt = &c->pt;
    bool xen33 = !strcmp(pt->convergence, "xen33");
    bool send = !strcmp(pt->zero_pages, "send");
    if (xen33 && pt->postcopy)
        return refuse(c, KEYS("migration.postcopy", "migration.convergence"),
                      "migration.convergence xen33 ends pre-copy with a stop-and-copy, as Xen "
                      "3.3.1 did; migration.postcopy would switch to post-copy instead: "
                      "choose one");
    if (xen33 && pt->auto_converge)
        return refuse(c, KEYS("migration.auto_converge", "migration.convergence"),
                      "migration.convergence xen33 applies Xen 3.3.1's rules, which never "
                      "throttle the guest; migration.auto_converge would: choose one");
    if (!c->tb || !(xen33 || send))
        return 0;
    for (int i = 0; i < c->tb->nhosts; i++) {
        const char *uri = c->tb->hosts[i].uri;
        if (uri && (!strncmp(uri, "xen", 3) || !strncmp(uri, "libxl", 5)))
            return refuse(c,
                          send ? KEYS("migration.zero_pages", "migration.convergence")
                               : KEYS("migration.convergence"),
                          "%s acts on QEMU's migration; host %s of testbed %s is Xen (%s)",
                          send ? "migration.zero_pages send" : "migration.convergence xen33",
                          c->tb->hosts[i].name, c->tb->path, uri);
    }
    return 0;
}

/* The host called name (dflt when name is empty), or a refusal naming key. */
static int host_of(const struct point_check *c, const char *name, int dflt, const char *key, int *h)
{
    *h = mb_testbed_host_index(c->tb, name, dflt);
    if (*h >= 0)
        return 0;
    char hosts[512] = "";
    for (int i = 0, off = 0; i < c->tb->nhosts && off < (int)sizeof(hosts); i++)
        off += snprintf(hosts + off, sizeof(hosts) - (size_t)off, "%s%s", i ? ", " : "",
                        c->tb->hosts[i].name);
    if (!name || !*name)
        return refuse(c, KEYS(key), "%s: testbed %s has no host %d for its default (hosts: %s)",
                      key, c->tb->path, dflt + 1, hosts);
    return refuse(c, KEYS(key), "%s '%s' is not a host of testbed %s (hosts: %s)", key, name,
                  c->tb->path, hosts);
}

/* vCPUs and CPUs held on host h (dst: it is a destination); on a source, a CPU cap within
 * the host's CPU bandwidth: a vCPU's quota cannot exceed its host cgroup's (cgroup v1
 * refuses it, and under v2 the cap would not be what it says). */
static int check_cpus(const struct point_check *c, int h, int dst)
{
    const struct mb_host *host = &c->tb->hosts[h];
    double bandwidth = host->cpu_max * host->ncpus; /* % of one CPU; 0 when unknown */
    if (!dst && bandwidth > 0 && c->pt.src_cpu_cap < 100 && c->pt.src_cpu_cap > bandwidth)
        return refuse(c, KEYS("reservation.source.cpu_cap", "migration.from"),
                      "reservation.source.cpu_cap %g%% is more than host %s's CPU bandwidth, "
                      "%g%% of one CPU (cpu_max %g%% of %d CPU%s, testbed %s): cap at most that, "
                      "or migrate from a bigger host",
                      c->pt.src_cpu_cap, host->name, bandwidth, host->cpu_max, host->ncpus,
                      host->ncpus == 1 ? "" : "s", c->tb->path);
    if (host->ncpus <= 0)
        return 0;
    if (c->pt.vm_vcpus > host->ncpus)
        return refuse(c, KEYS("vms.vcpus"),
                      "vms.vcpus %lld is more than the %d CPU%s host %s may use (testbed %s)",
                      (long long)c->pt.vm_vcpus, host->ncpus, host->ncpus == 1 ? "" : "s",
                      host->name, c->tb->path);
    if (dst && c->pt.dst_cpu > host->ncpus)
        return refuse(c, KEYS("reservation.destination.cpu"),
                      "reservation.destination.cpu %lld holds more CPUs than the %d host %s may "
                      "use (testbed %s)",
                      (long long)c->pt.dst_cpu, host->ncpus, host->name, c->tb->path);
    return 0;
}

/* The guest memory host h runs at once: the migrating VMs, a resident (res), and on a
 * destination (dst) the placeholders (before the migration in release mode, through it
 * in hold mode) and a competing tenant admitted with contention.admission all (with
 * free it takes only what is left, so it never overfills the host). */
static int check_memory(const struct point_check *c, int h, int res, int dst)
{
    const struct mb_host *host = &c->tb->hosts[h];
    const struct mb_point *pt = &c->pt;
    if (host->memory == 0)
        return 0;
    uint64_t mig = (uint64_t)pt->vm_count * pt->vm_memory;
    uint64_t held = 0, tenant = 0;
    if (dst) {
        held = pt->dst_memory + (uint64_t)pt->dst_cpu * pt->placeholder_memory;
        if (!strcmp(pt->ct_admission, "all"))
            tenant = pt->ct_memory + (uint64_t)pt->ct_cpu * BURNER_MEMORY;
    }
    uint64_t others = (res ? pt->vm_memory : 0) + tenant;
    uint64_t at_once = !strcmp(pt->dst_mode, "hold") ? others + held + mig
                       : held > mig                  ? others + held
                                                     : others + mig;
    if (at_once <= host->memory)
        return 0;
    char need[32], has[32], vm[32], ph[32], ct[32];
    mb_format_size(at_once, need, sizeof(need));
    mb_format_size(host->memory, has, sizeof(has));
    mb_format_size(pt->vm_memory, vm, sizeof(vm));
    mb_format_size(held, ph, sizeof(ph));
    mb_format_size(tenant, ct, sizeof(ct));
    /* the biggest part is the one to blame */
    const char *const *keys =
        held > mig && held >= tenant
            ? KEYS("reservation.destination.memory", "reservation.destination.cpu", "vms.memory")
        : tenant > mig ? KEYS("contention.memory", "contention.cpu", "vms.memory")
                       : KEYS("vms.memory", "vms.count");
    return refuse(c, keys,
                  "host %s may use %s of memory (testbed %s); this point runs %s of guests on it "
                  "at once: %lld migrating VM%s of %s%s%s%s%s%s",
                  host->name, has, c->tb->path, need, (long long)pt->vm_count,
                  pt->vm_count == 1 ? "" : "s", vm, res ? ", a resident" : "",
                  held ? ", placeholders of " : "", held ? ph : "",
                  tenant ? ", a tenant (contention.admission all) of " : "", tenant ? ct : "");
}

static int check_hosts(struct point_check *c)
{
    const struct mb_point *pt = &c->pt;
    int src, dst;
    if (host_of(c, pt->mig_from, 0, "migration.from", &src) ||
        host_of(c, pt->mig_to, 1, "migration.to", &dst))
        return MB_EINPUT;
    if (src == dst)
        return refuse(c, KEYS("migration.to", "migration.from"),
                      "migration.from and migration.to are both %s: a migration needs two hosts",
                      c->tb->hosts[src].name);
    if (check_cpus(c, src, 0) || check_memory(c, src, 0, 0))
        return MB_EINPUT;
    for (size_t i = 0; i < c->cand.n; i++) {
        int h;
        if (host_of(c, c->cand.host[i], -1, "placement.hosts", &h))
            return MB_EINPUT;
        if (h == src)
            return refuse(c, KEYS("placement.hosts", "migration.from"),
                          "placement.hosts: '%s' is the source host", c->cand.host[i]);
        if (check_cpus(c, h, 1) || check_memory(c, h, 1, 1))
            return MB_EINPUT;
    }
    if (c->cand.n)
        return 0;
    return check_cpus(c, dst, 1) || check_memory(c, dst, strcmp(pt->co_workload, "none"), 1)
               ? MB_EINPUT
               : 0;
}

/* Keys that may be written as a list by the option table's rules, yet are one value for a
 * whole campaign: its one monitor samples at one interval. */
static const char *const campaign_wide[] = {"monitor.interval", NULL};

static int check_campaign_wide(const struct mb_scenario *s, struct mb_error *err)
{
    for (size_t f = 0; f < s->nfactors; f++) {
        const struct mb_setting *st = &s->settings[s->factors[f]];
        for (size_t k = 0; campaign_wide[k]; k++)
            if (!strcmp(st->opt->key, campaign_wide[k]) && st->nlevels > 1)
                return mb_error_at(err, MB_EINPUT, s->path, st->line, st->column,
                                   "%s cannot vary within a campaign (one monitor samples "
                                   "every run): give one value, or one scenario per value",
                                   st->opt->key);
    }
    return 0;
}

/* A scenario written for a profile runs only on a testbed brought up with it: its keys'
 * values, its sizes and its claims assume that physics (profile.h). */
static int check_profile(const struct mb_scenario *s, const struct mb_testbed *tb,
                         struct mb_error *err)
{
    if (!tb || !s->profile || !strcmp(s->profile, "none"))
        return 0;
    if (tb->profile && !strcmp(tb->profile, s->profile))
        return 0;
    return mb_error_at(err, MB_EINPUT, s->path, s->profile_line ? s->profile_line : 1,
                       s->profile_column ? s->profile_column : 1,
                       "profile %s: testbed %s was %s; bring the lab up with 'migbench lab up "
                       "--profile %s' (or drop the profile key to run with this testbed's "
                       "physics)",
                       s->profile, tb->path,
                       tb->profile ? "brought up with another profile" : "not brought up with it",
                       s->profile);
}

int mb_validate_scenario(const struct mb_scenario *s, const struct mb_testbed *tb,
                         struct mb_error *err)
{
    if (check_campaign_wide(s, err) < 0 || check_profile(s, tb, err) < 0)
        return MB_EINPUT;
    struct mb_plan *plan = mb_plan_new(s, err);
    if (!plan) {
        /* too many runs: the factors' fault, the first of them placed */
        const struct mb_setting *first = s->nfactors ? &s->settings[s->factors[0]] : NULL;
        err->line = first ? first->line : 1;
        err->column = first ? first->column : 1;
        return MB_EINPUT;
    }
    size_t *level = mb_xcalloc(s->nsettings ? s->nsettings : 1, sizeof(size_t));
    int rc = 0;
    for (size_t p = 0; p < plan->npoints && rc == 0; p++) {
        struct point_check c = {.s = s, .tb = tb, .level = level, .err = err};
        mb_plan_levels(plan, p, level);
        mb_plan_point(plan, p, &c.pt);
        rc = check_workloads(&c);
        if (rc == 0)
            rc = check_physics(&c);
        if (rc == 0 && tb)
            rc = check_hosts(&c);
    }
    free(level);
    mb_plan_free(plan);
    return rc;
}

int mb_validate_against(const struct mb_scenario *s, const char *testbed_ref, struct mb_error *err)
{
    if (!testbed_ref)
        return mb_validate_scenario(s, NULL, err);
    char *path = mb_testbed_resolve(testbed_ref, NULL, err);
    if (!path)
        return err->status ? err->status : MB_EINPUT;
    struct mb_testbed *tb = mb_testbed_load(path, err);
    free(path);
    if (!tb)
        return err->status;
    int rc = mb_validate_scenario(s, tb, err);
    mb_testbed_free(tb);
    return rc;
}
