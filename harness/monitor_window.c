/* monitor_window.c — figures over a time window from the samples kept in memory (a
 * host's or VMs' CPU, vCPU, memory and network usage), and the reservation checks
 * built on them (a CPU cap, a balloon). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "monitor_priv.h"

/* ---- figures ---------------------------------------------------------------------------- */

static int host_index(const struct mb_monitor *m, const char *name)
{
    for (int i = 0; i < m->nhosts; i++)
        if (!strcmp(m->hosts[i].cfg->name, name))
            return i;
    return -1;
}

static void usage_init(struct mb_monitor_usage *u)
{
    memset(u, 0, sizeof(*u));
    u->from = u->to = u->cpu_pct = u->vcpu_pct = u->cpu_pct_peak = NAN;
    u->mem_min = u->mem_max = u->mem_last = u->rss_max = u->rss_last = u->mem_limit = NAN;
    u->net_rx_bps = u->net_tx_bps = NAN;
}

/* The bracket of entity ei for [t0, t1]: record indices a <= b (or -1). data_mu held. */
static void bracket(const struct mb_monitor *m, int ei, double t0, double t1, long *a, long *b)
{
    long first = -1, before = -1, after = -1, last = -1;
    for (size_t i = 0; i < m->nrecs; i++) {
        const struct rec *r = &m->recs[i];
        if (r->ent != ei)
            continue;
        if (first < 0)
            first = (long)i;
        last = (long)i;
        if (r->wall <= t0)
            before = (long)i;
        if (after < 0 && r->wall >= t1)
            after = (long)i;
    }
    *a = before >= 0 ? before : first;
    *b = after >= 0 ? after : last;
    if (*a >= 0 && *b >= 0 && m->recs[*b].wall < m->recs[*a].wall)
        *a = *b;
    /* a window entirely before this entity's first sample, or after its last one
     * (gone: migrated away): nothing measured */
    if (*a >= 0 && (m->recs[*a].wall > t1 || m->recs[*b].wall < t0))
        *a = *b = -1;
}

struct accum {
    double cpu, vcpu; /* summed rates, % */
    bool cpu_ok, vcpu_ok;
    double peak;
};

/* Rates of one entity over its bracket into acc; fills u's time span and counts. */
static void entity_rates(const struct mb_monitor *m, long a, long b, int ei, struct accum *acc,
                         struct mb_monitor_usage *u)
{
    const struct rec *ra = &m->recs[a], *rb = &m->recs[b];
    double dt = rb->mono - ra->mono;
    if (!isfinite(u->from) || ra->wall < u->from)
        u->from = ra->wall;
    if (!isfinite(u->to) || rb->wall > u->to)
        u->to = rb->wall;
    if (dt > 0) {
        double c = mb_monitor_rate(rb->cpu, ra->cpu, dt, 100.0 / 1e9);
        double v = mb_monitor_rate(rb->vcpu, ra->vcpu, dt, 100.0 / 1e9);
        if (isfinite(c)) {
            acc->cpu += c;
            acc->cpu_ok = true;
        }
        if (isfinite(v)) {
            acc->vcpu += v;
            acc->vcpu_ok = true;
        }
        u->net_rx_bps = mb_monitor_rate(rb->rx, ra->rx, dt, 1.0);
        u->net_tx_bps = mb_monitor_rate(rb->tx, ra->tx, dt, 1.0);
    }
    /* peak between consecutive samples */
    long prev = -1;
    for (long i = a; i <= b; i++) {
        if (m->recs[i].ent != ei)
            continue;
        if (prev >= 0) {
            double p = mb_monitor_rate(m->recs[i].cpu, m->recs[prev].cpu,
                                       m->recs[i].mono - m->recs[prev].mono, 100.0 / 1e9);
            if (isfinite(p) && (!isfinite(acc->peak) || p > acc->peak))
                acc->peak = p;
        }
        prev = i;
    }
}

static bool name_match(const char *pattern, const char *name)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return !strncmp(pattern, name, n - 1);
    return !strcmp(pattern, name);
}

/* The memory levels of one tick, summed over the matching entities. */
struct level {
    double mem, rss, limit;
    bool seen, mem_seen, rss_seen;
};

/* Add entity ei's readings a..b to the levels of their ticks (lv[0] = tick tmin).
 * Memory is a level, not a rate: the samples inside the window say what it was (a
 * balloon still shrinking in the sample before the window is not "over" its target).
 * With none inside (the monitor was held up: a slow libvirtd stalls its tick), the
 * sample after the window says it, being taken after whatever was set before the
 * window; the one before only when there is none after. */
static void add_levels(const struct mb_monitor *m, int ei, long a, long b, double t0, double t1,
                       unsigned long tmin, struct level *lv)
{
    bool inside = false, after = false;
    for (long i = a; i <= b && !inside; i++) {
        if (m->recs[i].ent != ei)
            continue;
        inside = m->recs[i].wall >= t0 && m->recs[i].wall <= t1;
        after = after || m->recs[i].wall > t1;
    }
    for (long i = a; i <= b; i++) {
        const struct rec *r = &m->recs[i];
        if (r->ent != ei)
            continue;
        struct level *l = &lv[r->tick - tmin];
        l->seen = true;
        if (inside ? (r->wall < t0 || r->wall > t1) : (after && r->wall < t0))
            continue;
        if (r->mem >= 0) {
            l->mem += (double)r->mem;
            l->mem_seen = true;
        }
        if (r->rss >= 0) {
            l->rss += (double)r->rss;
            l->rss_seen = true;
        }
        if (r->limit >= 0)
            l->limit += (double)r->limit;
    }
}

/* The samples and memory figures of u from the levels of nt ticks. */
static void take_levels(const struct level *lv, size_t nt, struct mb_monitor_usage *u)
{
    for (size_t t = 0; t < nt; t++) {
        const struct level *l = &lv[t];
        if (!l->seen)
            continue;
        u->samples++;
        if (l->mem_seen) {
            if (!isfinite(u->mem_min) || l->mem < u->mem_min)
                u->mem_min = l->mem;
            if (!isfinite(u->mem_max) || l->mem > u->mem_max)
                u->mem_max = l->mem;
            u->mem_last = l->mem;
        }
        if (l->rss_seen) {
            if (!isfinite(u->rss_max) || l->rss > u->rss_max)
                u->rss_max = l->rss;
            u->rss_last = l->rss;
        }
        if (l->limit > 0)
            u->mem_limit = l->limit;
    }
}

/* Usage over every entity of kind k matching (host, pattern).  data_mu held. */
static void usage_of(struct mb_monitor *m, int host, enum kind k, const char *pattern, double t0,
                     double t1, struct mb_monitor_usage *u)
{
    usage_init(u);
    struct accum acc = {.peak = NAN};
    unsigned long tmin = ULONG_MAX, tmax = 0;
    long *as = mb_xcalloc(m->nents ? m->nents : 1, sizeof(long));
    long *bs = mb_xcalloc(m->nents ? m->nents : 1, sizeof(long));
    bool any = false;
    for (size_t ei = 0; ei < m->nents; ei++) {
        const struct entity *e = &m->ents[ei];
        as[ei] = bs[ei] = -1;
        if (e->kind != k || (host >= 0 && e->host != host) || !name_match(pattern, e->name))
            continue;
        bracket(m, (int)ei, t0, t1, &as[ei], &bs[ei]);
        if (as[ei] < 0)
            continue;
        any = true;
        u->vms++;
        entity_rates(m, as[ei], bs[ei], (int)ei, &acc, u);
        if (m->recs[as[ei]].tick < tmin)
            tmin = m->recs[as[ei]].tick;
        if (m->recs[bs[ei]].tick > tmax)
            tmax = m->recs[bs[ei]].tick;
    }
    if (any) {
        if (acc.cpu_ok)
            u->cpu_pct = acc.cpu;
        if (acc.vcpu_ok)
            u->vcpu_pct = acc.vcpu;
        u->cpu_pct_peak = acc.peak;
        size_t nt = tmax - tmin + 1;
        struct level *lv = mb_xcalloc(nt, sizeof(*lv));
        for (size_t ei = 0; ei < m->nents; ei++)
            if (as[ei] >= 0)
                add_levels(m, (int)ei, as[ei], bs[ei], t0, t1, tmin, lv);
        take_levels(lv, nt, u);
        free(lv);
    }
    free(as);
    free(bs);
}

int mb_monitor_host_usage(struct mb_monitor *m, const char *host, double t0, double t1,
                          struct mb_monitor_usage *out, struct mb_error *err)
{
    int h = host ? host_index(m, host) : -1;
    if (h < 0)
        return mb_error_set(err, MB_EINPUT, "monitor: no host '%s'", host ? host : "");
    pthread_mutex_lock(&m->data_mu);
    usage_of(m, h, K_HOST, host, t0, t1, out);
    pthread_mutex_unlock(&m->data_mu);
    return MB_OK;
}

int mb_monitor_vm_usage(struct mb_monitor *m, const char *host, const char *name, double t0,
                        double t1, struct mb_monitor_usage *out, struct mb_error *err)
{
    int h = -1;
    if (host && (h = host_index(m, host)) < 0)
        return mb_error_set(err, MB_EINPUT, "monitor: no host '%s'", host);
    if (!name || !*name)
        return mb_error_set(err, MB_EINPUT, "monitor: no VM name");
    pthread_mutex_lock(&m->data_mu);
    usage_of(m, h, K_VM, name, t0, t1, out);
    pthread_mutex_unlock(&m->data_mu);
    return MB_OK;
}

/* ---- reservation checks ---------------------------------------------------------------- */

const char *mb_monitor_verdict_name(enum mb_monitor_verdict v)
{
    static const char *const names[] = {[MB_CHECK_OK] = "ok",
                                        [MB_CHECK_UNDER] = "under",
                                        [MB_CHECK_OVER] = "over",
                                        [MB_CHECK_UNMEASURED] = "unmeasured"};
    return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

int mb_monitor_check_cap(struct mb_monitor *m, const char *host, const char *vm, double asked,
                         double read_back, double t0, double t1, double tol_pp,
                         struct mb_monitor_check *out, struct mb_error *err)
{
    struct mb_monitor_usage u;
    int rc = mb_monitor_vm_usage(m, host, vm, t0, t1, &u, err);
    if (rc < 0)
        return rc;
    struct mb_monitor_check c = {.asked = asked, .read_back = read_back, .samples = u.samples};
    c.measured = isfinite(u.vcpu_pct) ? u.vcpu_pct : u.cpu_pct;
    c.error = c.measured - asked;
    if (!isfinite(c.measured))
        c.verdict = MB_CHECK_UNMEASURED;
    else if (!(asked > 0) || fabs(c.error) <= tol_pp)
        c.verdict = MB_CHECK_OK; /* no cap: nothing to exceed */
    else
        c.verdict = c.error > 0 ? MB_CHECK_OVER : MB_CHECK_UNDER;
    *out = c;
    return MB_OK;
}

int mb_monitor_check_balloon(struct mb_monitor *m, const char *host, const char *vm, double asked,
                             double read_back, double t0, double t1, double tol,
                             struct mb_monitor_check *out, struct mb_error *err)
{
    if (!(asked > 0))
        return mb_error_set(err, MB_EINPUT, "monitor: balloon target must be positive");
    struct mb_monitor_usage u;
    int rc = mb_monitor_vm_usage(m, host, vm, t0, t1, &u, err);
    if (rc < 0)
        return rc;
    struct mb_monitor_check c = {.asked = asked, .read_back = read_back, .samples = u.samples};
    c.measured = u.mem_last;
    c.error = (c.measured - asked) / asked;
    if (!isfinite(c.measured))
        c.verdict = MB_CHECK_UNMEASURED;
    else if (u.mem_max > asked * (1 + tol))
        c.verdict = MB_CHECK_OVER;
    else if (u.mem_min < asked * (1 - tol))
        c.verdict = MB_CHECK_UNDER;
    else
        c.verdict = MB_CHECK_OK;
    *out = c;
    return MB_OK;
}
