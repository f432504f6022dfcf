/* run_reserve.c — a run's reservations: the destination's placeholders and competing
 * tenant, and the source's CPU cap and balloon with what the monitor measured of them. */
#include "run.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

static void all_vms_error(struct mb_run_state *st, const char *what, const char *msg)
{
    for (int i = 0; i < st->nvms; i++)
        mb_run_vm_error(&st->vms[i], "%s: %s", what, msg);
}

void mb_run_reserve_dest(struct mb_run_state *st)
{
    struct mb_campaign *c = st->c;
    const struct mb_point *pt = &st->pt;
    const struct mb_host *host = &c->tb->hosts[st->dst];
    struct mb_error e;
    struct mb_hv *hv = NULL;
    int hold = pt->dst_cpu > 0 || pt->dst_memory > 0, compete = pt->ct_cpu > 0 || pt->ct_memory > 0;
    if (!(hold || compete) || mb_campaign_stopped(c))
        return;
    if (mb_campaign_hv(c, st->dst, &hv, &e) < 0) {
        char what[300];
        snprintf(what, sizeof(what), "destination %s", host->name);
        all_vms_error(st, what, e.msg);
        mb_campaign_hv_reset(c, st->dst);
        return;
    }
    if (hold && !mb_campaign_stopped(c)) {
        struct mb_rsv_opts ro = {.prefix = MB_RUN_DOM_PREFIX "ph",
                                 .cpus = (int)pt->dst_cpu,
                                 .burner_memory = pt->placeholder_memory,
                                 .memory = pt->dst_memory,
                                 .memory_per_vm = pt->dst_vm_memory,
                                 .timeout_s = pt->dst_timeout_ms / 1000.0,
                                 .cancel = c->o->stop};
        if (mb_rsv_start(hv, c->tb, host, &ro, &st->rsv, &e) < 0 ||
            mb_rsv_wait_held(st->rsv, &e) < 0)
            all_vms_error(st, "destination reservation", e.msg);
    }
    if (compete && !mb_campaign_stopped(c)) {
        struct mb_rsv_opts co = {.prefix = MB_RUN_DOM_PREFIX "ct",
                                 .cpus = (int)pt->ct_cpu,
                                 .memory = pt->ct_memory,
                                 .memory_per_vm = pt->ct_vm_memory,
                                 .vm_overhead = pt->ct_vm_overhead,
                                 .admit = strcmp(pt->ct_admission, "all") ? MB_RSV_ADMIT_FREE
                                                                          : MB_RSV_ADMIT_ALL,
                                 .capacity_cpus = host->ncpus,
                                 .capacity_memory = host->memory,
                                 .timeout_s = 60,
                                 .cancel = c->o->stop};
        /* a tenant that cannot start or hold is noted; the run goes on without it */
        if (mb_rsv_start(hv, c->tb, host, &co, &st->tenant, &e) < 0)
            mb_progress_note(&c->prog, "competing tenant: %s", e.msg);
        else if (mb_rsv_wait_held(st->tenant, &e) < 0)
            mb_progress_note(&c->prog, "competing tenant did not hold: %s", e.msg);
    }
}

/* Cap and balloon one VM on the source. */
static void reserve_vm(struct mb_run_state *st, struct mb_hv *hv, struct mb_run_vm *v)
{
    const struct mb_point *pt = &st->pt;
    struct mb_error e;
    struct mb_hv_dom *d = NULL;
    if (mb_hv_dom_lookup(hv, v->name, &d, &e) < 0 || !d) {
        mb_run_vm_error(v, "reservation: %s not found on the source", v->name);
        return;
    }
    if (pt->src_cpu_cap < 100) {
        double applied;
        if (mb_hv_set_cpu_cap(d, pt->src_cpu_cap * (double)pt->vm_vcpus, &applied, &e) < 0) {
            mb_run_vm_error(v, "CPU cap: %s", e.msg);
        } else {
            v->cap_applied = applied / (double)pt->vm_vcpus;
            st->capped = 1;
        }
    }
    v->reserved_at = mb_now_wall();
    if (pt->src_memory > 0) {
        struct mb_balloon bal = {.reached = -1};
        if (mb_hv_set_balloon(d, pt->src_memory, 30, &bal, &e) < 0)
            mb_run_vm_error(v, "balloon: %s", e.msg);
        if (bal.reached >= 0)
            v->balloon_kib = (double)bal.reached / 1024.0;
        v->reserved_at = mb_now_wall();
    }
    mb_hv_dom_free(d);
}

/* The monitor's verdicts on one VM's cap and balloon, `now` being when the wait for
 * them ended. */
static void check_vm(struct mb_run_state *st, struct mb_run_vm *v, double now)
{
    struct mb_campaign *c = st->c;
    const struct mb_point *pt = &st->pt;
    const char *host = c->tb->hosts[st->src].name;
    double vcpus = (double)pt->vm_vcpus;
    struct mb_error e;
    int burnt = isfinite(v->burn_at);
    if (isfinite(v->cap_applied) &&
        mb_monitor_check_cap(c->mon, host, v->name, pt->src_cpu_cap * vcpus, v->cap_applied * vcpus,
                             burnt ? v->burn_at + MB_RUN_CAP_EDGE_S : v->reserved_at + 0.5,
                             burnt ? v->burn_at + MB_GUEST_CAP_BURN_S - MB_RUN_CAP_EDGE_S : now,
                             5.0 * vcpus, &v->cap_check, &e) == 0) {
        v->cap_checked = 1;
        v->cap_measured = v->cap_check.measured / vcpus;
    }
    if (isfinite(v->balloon_kib) &&
        mb_monitor_check_balloon(c->mon, host, v->name, (double)pt->src_memory,
                                 v->balloon_kib * 1024.0, v->reserved_at + 1.0, now, 0.02,
                                 &v->balloon_check, &e) == 0)
        v->balloon_checked = 1;
}

/* What the source reservation did, as the monitor measured it: over the seconds between
 * applying it and the migration (the first second left out: the sample that brackets
 * the window's start may predate the balloon's last step). */
static void check_source(struct mb_run_state *st)
{
    struct mb_campaign *c = st->c;
    const struct mb_point *pt = &st->pt;
    struct mb_error e;
    /* a cap shows only when the VM wants more than it: a guest that does not burn its
     * CPU already burns it now (and stops before the migration), so the cap is
     * measured, not assumed */
    if (pt->src_cpu_cap < 100 && strcmp(pt->vm_workload, "burn") != 0) {
        char cmd[64];
        snprintf(cmd, sizeof(cmd), "cpuburn -d -t %d >/dev/null", MB_GUEST_CAP_BURN_S);
        for (int i = 0; i < st->nvms; i++) {
            if (!st->vms[i].reachable)
                continue;
            if (mb_run_vm_run(c, &st->vms[i], cmd, 10, NULL, &e) < 0)
                mb_progress_note(&c->prog, "cap check: %s", e.msg);
            else
                st->vms[i].burn_at = mb_now_wall();
        }
    }
    mb_campaign_nap(c, (pt->src_cpu_cap < 100 ? MB_RUN_CAP_WAIT_S : MB_RUN_BALLOON_WAIT_S) * 1000);
    double now = mb_now_wall();
    mb_monitor_flush(c->mon, now, 10, &e);
    for (int i = 0; i < st->nvms; i++)
        if (st->vms[i].reachable && isfinite(st->vms[i].reserved_at))
            check_vm(st, &st->vms[i], now);
}

void mb_run_reserve_source(struct mb_run_state *st)
{
    struct mb_campaign *c = st->c;
    const struct mb_point *pt = &st->pt;
    struct mb_error e;
    struct mb_hv *hv = NULL;
    if (pt->src_cpu_cap >= 100 && pt->src_memory == 0)
        return;
    if (mb_campaign_hv(c, st->src, &hv, &e) < 0) {
        mb_campaign_hv_reset(c, st->src);
        return;
    }
    for (int i = 0; i < st->nvms && !mb_campaign_stopped(c); i++)
        if (st->vms[i].reachable)
            reserve_vm(st, hv, &st->vms[i]);
    if (c->mon && !mb_campaign_stopped(c))
        check_source(st);
}
