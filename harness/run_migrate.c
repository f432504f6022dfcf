/* run_migrate.c — a hop of a run: the batch migrates by its strategy while the probe
 * watches, then the guests' integrity verdicts and each VM's status. */
#include "run.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"

struct batch {
    struct mb_run_state *st;
    int src, dst;
    atomic_int next;
    pthread_barrier_t ready;
    int capped;
    /* the campaign's connections to the two hosts, for the first worker (NULL: none) */
    struct mb_hv *shared_src, *shared_dst;
    atomic_int workers;
};

/* Under xen33: which rule ended pre-copy, and what its polls of the job statistics cost
 * (the harness's own load on the source's libvirtd and QEMU). */
static void xen33_note(struct mb_run_state *st, const struct mb_run_vm *v)
{
    const struct mb_migration *m = &v->mig;
    char at[256] = "";
    if (m->xen33_stop != MB_XEN33_NONE)
        snprintf(at, sizeof(at),
                 " at iteration %lld, %.0f MiB of %.0f MiB sent (raising the downtime limit took "
                 "%.3f s, the migration ended %.1f s after)",
                 (long long)m->xen33_at.iterations, m->xen33_at.memory_bytes / 1048576.0,
                 m->xen33_at.memory_total / 1048576.0, m->xen33_switch_s, m->xen33_stop_after_s);
    mb_progress_note(&st->c->prog,
                     "%s: xen33 pre-copy stop: %s%s; %d reads of the job statistics in %.1f s "
                     "took %.3f s",
                     v->label, mb_xen33_stop_name(m->xen33_stop), at, m->xen33_polls, m->seconds,
                     m->xen33_poll_s);
}

/* Migrate one VM over the worker's connections. */
static void migrate_vm(struct batch *b, struct mb_hv *src, struct mb_hv *dst, struct mb_run_vm *v)
{
    const struct mb_point *pt = &b->st->pt;
    struct mb_error err;
    struct mb_hv_dom *d = NULL;
    if (mb_hv_dom_lookup(src, v->name, &d, &err) < 0 || !d) {
        mb_run_hop_error(v, "%s is not on the source: %s", v->name, d ? "" : err.msg);
        return;
    }
    char *dest_xml = NULL;
    if (b->capped && mb_hv_dest_xml_uncapped(d, &dest_xml, &err) < 0) {
        mb_run_hop_error(v, "destination XML: %s", err.msg);
        mb_hv_dom_free(d);
        return;
    }
    struct mb_hv_migrate_opts mo = {
        .dest_uri = b->st->c->tb->hosts[b->dst].migrate_uri,
        .max_downtime_ms = (unsigned long long)pt->max_downtime_ms,
        .bandwidth_mibs = (unsigned long)((pt->bandwidth + (1u << 20) - 1) >> 20),
        .parallel = pt->connections > 1 ? (int)pt->connections : 0,
        .auto_converge = pt->auto_converge,
        .compression = strcmp(pt->compression, "none") ? pt->compression : NULL,
        .postcopy = pt->postcopy,
        .postcopy_after_s = 1.0,
        .dest_xml = dest_xml,
        .timeout_s = pt->timeout_ms / 1000.0,
        .send_zero_pages = !strcmp(pt->zero_pages, "send"),
        .xen33 = !strcmp(pt->convergence, "xen33"),
        .cancel = b->st->c->o->stop,
    };
    v->migrated = 1;
    if (mb_hv_migrate(d, dst, &mo, &v->mig, &err) < 0)
        mb_run_hop_error(v, "migration not attempted: %s", err.msg);
    else if (v->mig.status != MB_MIG_OK)
        mb_run_hop_error(v, "%s", v->mig.error);
    if (mo.xen33 && v->mig.wall_start > 0)
        xen33_note(b->st, v);
    free(dest_xml);
    mb_hv_dom_free(d);
}

/* A worker of the batch: the campaign's connections (the first worker) or its own (each
 * further one: a libvirt daemon serves a connection's calls a few at a time, so parallel
 * migrations over one would wait for each other), then VMs from the shared queue. */
static void *migrate_worker(void *arg)
{
    struct batch *b = arg;
    struct mb_campaign *c = b->st->c;
    const struct mb_testbed *tb = c->tb;
    struct mb_error err;
    struct mb_hv *src = NULL, *dst = NULL;
    char conn_err[600] = "";
    bool own = atomic_fetch_add(&b->workers, 1) > 0 || !b->shared_src || !b->shared_dst;
    if (!own) {
        src = b->shared_src;
        dst = b->shared_dst;
    } else if (mb_hv_open(c->o->hv_ops, tb->hosts[b->src].uri, &src, &err) < 0 ||
               mb_hv_open(c->o->hv_ops, tb->hosts[b->dst].uri, &dst, &err) < 0) {
        snprintf(conn_err, sizeof(conn_err), "%.590s", err.msg);
    }
    pthread_barrier_wait(&b->ready);
    for (;;) {
        int i = atomic_fetch_add(&b->next, 1);
        if (i >= b->st->nvms)
            break;
        struct mb_run_vm *v = &b->st->vms[i];
        if (!v->reachable || mb_campaign_stopped(c))
            continue;
        if (conn_err[0])
            mb_run_hop_error(v, "cannot connect for the migration: %s", conn_err);
        else
            migrate_vm(b, src, dst, v);
    }
    if (own) {
        mb_hv_close(src);
        mb_hv_close(dst);
    }
    return NULL;
}

static int host_cpus(const struct mb_campaign *c, int h)
{
    int cpus = c->tb->hosts[h].ncpus;
    return cpus >= 1 ? cpus : (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* Whether name is one of the run's migrating VMs. */
static int own_vm(const struct mb_run_state *st, const char *name)
{
    for (int j = 0; j < st->nvms; j++)
        if (!strcmp(name, st->vms[j].name))
            return 1;
    return 0;
}

/* Free CPUs on host h now: its CPUs (the testbed's limit, else this machine's) minus
 * what its other tenants' domains used over the last half second (the hypervisor's CPU
 * time of each).  The batch's own VMs do not count: they were there, as busy or as idle,
 * in the history the decision learnt from too (and just after boot they would read as
 * load). */
static double source_headroom(struct mb_run_state *st, int h)
{
    struct mb_campaign *c = st->c;
    int cpus = host_cpus(c, h);
    struct mb_error e;
    struct mb_hv *hv;
    char **names = NULL;
    if (mb_campaign_hv(c, h, &hv, &e) < 0 || mb_hv_list(hv, &names, &e) < 0)
        return cpus;
    size_t n = 0;
    while (names[n])
        n++;
    struct mb_hv_dom **doms = mb_xcalloc(n ? n : 1, sizeof(*doms));
    int64_t *t0 = mb_xcalloc(n ? n : 1, sizeof(*t0));
    size_t others = 0;
    double w0 = mb_now_mono();
    for (size_t i = 0; i < n; i++) {
        struct mb_hv_cpu_stats cs;
        t0[i] = -1;
        if (!own_vm(st, names[i]) && mb_hv_dom_lookup(hv, names[i], &doms[i], &e) == 0 && doms[i] &&
            mb_hv_dom_cpu(doms[i], &cs, &e) == 0) {
            t0[i] = cs.cpu_time_ns;
            others++;
        }
    }
    if (others) /* with no other tenant there is nothing to wait for */
        mb_campaign_nap(c, 500);
    double used = 0, dt = mb_now_mono() - w0;
    for (size_t i = 0; i < n; i++) {
        struct mb_hv_cpu_stats cs;
        if (doms[i] && t0[i] >= 0 && mb_hv_dom_cpu(doms[i], &cs, &e) == 0 && cs.cpu_time_ns >= 0)
            used += (double)(cs.cpu_time_ns - t0[i]) / 1e9 / dt;
        mb_hv_dom_free(doms[i]);
    }
    free(doms);
    free(t0);
    mb_hv_names_free(names);
    double free_cpus = cpus - used;
    return free_cpus > 0.1 * cpus ? free_cpus : 0.1 * cpus;
}

/* VMs migrating at once: the strategy's. */
static int batch_width(struct mb_run_state *st, int src)
{
    const struct mb_strategy *s = &st->pt.strategy;
    int nvms = st->nvms;
    int k = s->kind == MB_STRATEGY_SEQUENTIAL ? 1 : s->k > 0 ? s->k : nvms;
    if (s->kind == MB_STRATEGY_ADAPTIVE)
        k = mb_strategy_decide(&st->c->model, nvms, host_cpus(st->c, src), source_headroom(st, src),
                               NULL);
    return k > nvms ? nvms : k;
}

double mb_run_migrate_batch(struct mb_run_state *st, int src, int dst, int capped)
{
    int nvms = st->nvms, k = batch_width(st, src);
    struct mb_run_vm *vms = st->vms;
    for (int i = 0; i < nvms; i++) {
        vms[i].batch = i / k + 1;
        vms[i].k = k;
    }
    struct batch b = {.st = st, .src = src, .dst = dst, .capped = capped};
    struct mb_error e;
    if (mb_campaign_hv(st->c, src, &b.shared_src, &e) < 0 ||
        mb_campaign_hv(st->c, dst, &b.shared_dst, &e) < 0)
        b.shared_src = b.shared_dst = NULL; /* each worker tries its own */
    atomic_init(&b.next, 0);
    atomic_init(&b.workers, 0);
    pthread_barrier_init(&b.ready, NULL, (unsigned)k);
    pthread_t th[MB_RUN_MAX_VMS];
    int started = 0;
    for (int i = 0; i < k; i++)
        if (pthread_create(&th[i], NULL, migrate_worker, &b) == 0)
            started++;
    if (started < k) {
        /* the barrier waits for k workers: without them, run none */
        for (int i = 0; i < nvms; i++)
            mb_run_hop_error(&vms[i], "cannot start migration threads");
        atomic_store(&b.next, nvms);
        for (int i = started; i < k; i++)
            pthread_barrier_wait(&b.ready);
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&b.ready);
    double first = INFINITY, last = -INFINITY;
    for (int i = 0; i < nvms; i++) {
        if (!vms[i].migrated)
            continue;
        if (vms[i].mig.wall_start < first)
            first = vms[i].mig.wall_start;
        if (vms[i].mig.wall_end > last)
            last = vms[i].mig.wall_end;
    }
    return last > first ? (last - first) * 1000.0 : NAN;
}

/* ---- the guests' verdicts ------------------------------------------------------- */

/* The largest count after a "bad=" in text that starts a line or follows a space (the
 * status file's line, the log's report lines); -1 when there is none. */
static long long most_bad(const char *text)
{
    long long n = -1;
    for (const char *p = strstr(text, "bad="); p; p = strstr(p + 4, "bad="))
        if ((p == text || p[-1] == '\n' || p[-1] == ' ') && atoll(p + 4) > n)
            n = atoll(p + 4);
    return n;
}

/* What the guest answered to mb_run_verify's command: the sweep's status file, or,
 * when the sweep failed, "sweep_failed=RC" and the checker's last report lines. */
struct checker_answer {
    int swept;          /* the sweep was seen: every page verified after the migration */
    const char *status; /* "ok", "corrupt" or NULL: the status file's verdict */
    long long bad;      /* the most lost writes any of the answer's lines counts, or -1 */
    int failed_rc;      /* the sweep's exit status when it failed */
};

static struct checker_answer read_answer(const char *out)
{
    struct checker_answer a = {.swept = 1, .bad = most_bad(out)};
    const char *f = strstr(out, "sweep_failed=");
    if (f) {
        a.swept = 0;
        a.failed_rc = atoi(f + 13);
    }
    const char *s = !strncmp(out, "status=", 7) ? out : strstr(out, "\nstatus=");
    if (s && *s == '\n')
        s++;
    if (s && !strncmp(s + 7, "ok\n", 3))
        a.status = "ok";
    else if (s && !strncmp(s + 7, "corrupt\n", 8))
        a.status = "corrupt";
    return a;
}

/* The hop's integrity from the checker's answer: corrupt when any of its lines counts
 * lost writes that it had not counted before the hop (a guest that lost writes may lose
 * the checker too, or the sweep's own process: its last report is the evidence); ok only
 * after a sweep whose status is ok. */
static void integrity(struct mb_run_vm *v, const struct checker_answer *a)
{
    if (a->bad > v->bad_seen) {
        snprintf(v->integrity, sizeof(v->integrity), "corrupt");
        mb_run_hop_error(v, "memory integrity: %lld pages lost a write in this migration",
                         a->bad - v->bad_seen);
        v->bad_seen = a->bad;
    } else if (!a->swept) {
        mb_run_hop_error(v, "integrity checker gave no verdict: its sweep failed (exit %d%s)",
                         a->failed_rc, a->failed_rc == 1 ? ": checker gone or too slow" : "");
    } else if (!a->status) {
        mb_run_hop_error(v, "integrity checker gave no verdict: no status after its sweep");
    } else {
        snprintf(v->integrity, sizeof(v->integrity), "%s",
                 strcmp(a->status, "ok") ? "unchecked" : "ok");
    }
}

/* Without a checker (integrity.memory: 0): each migrated guest must still answer. */
static void answers(struct mb_run_state *st)
{
    for (int i = 0; i < st->nvms && !mb_campaign_stopped(st->c); i++) {
        struct mb_run_vm *v = &st->vms[i];
        struct mb_error e;
        if (v->reachable && mb_run_vm_run(st->c, v, "true", 15, NULL, &e) < 0) {
            mb_run_hop_error(v, "guest unreachable after the migration: %s", e.msg);
            v->reachable = 0;
        }
    }
}

/* A verdict covers every page once each has been verified after the migration: the
 * checker is asked for a sweep (memcheck -w: every page verified at once, at full
 * speed, on the destination), and its status after the sweep is the verdict. */
void mb_run_verify(struct mb_run_state *st)
{
    struct mb_campaign *c = st->c;
    if (!mb_run_checks(&st->pt)) {
        answers(st);
        return;
    }
    /* one round trip: the sweep, or why not and the checker's last reports (the wait,
     * like the command's timeout in mb_run_vm_run, stretched for slow guests) */
    char cmd[300];
    snprintf(cmd, sizeof(cmd),
             "memcheck -w %d -s /run/memcheck.status -p /run/memcheck.pid || "
             "{ echo sweep_failed=$?; tail -n 2 /run/memcheck.log; }",
             (int)ceil(MB_RUN_SWEEP_WAIT_S * mb_guest_time_scale(c->tb)));
    for (int i = 0; i < st->nvms && !mb_campaign_stopped(c); i++) {
        struct mb_run_vm *v = &st->vms[i];
        struct mb_error e;
        char *out = NULL;
        if (!v->reachable)
            continue;
        int rc = mb_run_vm_run(c, v, cmd, MB_RUN_SWEEP_WAIT_S + 10, &out, &e);
        if (rc == MB_EFAILED) {
            mb_run_hop_error(v, "integrity checker gave no verdict: %s", e.msg);
        } else if (rc < 0) {
            mb_run_hop_error(v, "guest unreachable after the migration: %s", e.msg);
            v->reachable = 0;
        } else {
            struct checker_answer a = read_answer(out ? out : "");
            integrity(v, &a);
        }
        free(out);
    }
}

/* ---- a hop ------------------------------------------------------------------------ */

/* Wait until every reachable VM's echo responder has replied after `after` (monotonic),
 * or max_ms. */
static void await_replies(struct mb_run_state *st, struct mb_probe *p, double after, double max_ms)
{
    double until = mb_now_mono() + max_ms / 1000.0;
    while (!mb_campaign_stopped(st->c) && mb_now_mono() < until) {
        int all = 1;
        for (int i = 0; i < st->nvms && all; i++)
            if (st->vms[i].reachable && mb_probe_last_reply(p, (size_t)i) <= after)
                all = 0;
        if (all)
            return;
        mb_campaign_nap(st->c, 5);
    }
}

/* Start the probe, its window open once replies flow; NULL when it cannot run. */
static struct mb_probe *probe_open(struct mb_run_state *st)
{
    const char *addrs[MB_RUN_MAX_VMS];
    struct mb_error e;
    struct mb_probe *probe = NULL;
    if (!(st->pt.probe_interval_ms > 0))
        return NULL; /* probe.interval: 0 */
    for (int i = 0; i < st->nvms; i++)
        addrs[i] = st->vms[i].ip;
    if (mb_probe_start(addrs, (size_t)st->nvms, MB_GUEST_PROBE_PORT, st->pt.probe_interval_ms,
                       &probe, &e) < 0) {
        mb_progress_note(&st->c->prog, "probe: %s (downtime from the probe not measured)", e.msg);
        return NULL;
    }
    await_replies(st, probe, 0, 300);
    mb_probe_window_open(probe);
    return probe;
}

/* Close the probe's window once the longest gaps have ended (they may end after the
 * migration call returns), and give each migrated VM its result. */
static void probe_close(struct mb_run_state *st, struct mb_probe *probe, double ended)
{
    struct mb_probe_result pr[MB_RUN_MAX_VMS];
    if (!probe)
        return;
    await_replies(st, probe, ended, 500);
    mb_probe_window_close(probe, pr);
    for (int i = 0; i < st->nvms; i++) {
        if (st->vms[i].migrated && st->vms[i].reachable) {
            st->vms[i].probe = pr[i];
            st->vms[i].probed = 1;
        }
    }
    mb_probe_free(probe);
}

/* The hop's status of v: ok only when it migrated, is reachable and verified intact (or,
 * with no checker, answered after the migration). */
static void hop_status(struct mb_run_state *st, struct mb_run_vm *v)
{
    struct mb_campaign *c = st->c;
    const char *s = "failed";
    int mig_ok = v->migrated && v->mig.status == MB_MIG_OK;
    if (v->migrated && v->mig.status == MB_MIG_TIMEOUT)
        s = "timeout";
    else if (mig_ok && !strcmp(v->integrity, "corrupt"))
        s = "corrupt";
    else if (mig_ok && v->reachable && !v->error[0] && !v->herror[0] &&
             !strcmp(v->integrity, mb_run_checks(&st->pt) ? "ok" : "unchecked"))
        s = "ok";
    else if (mig_ok && !v->error[0])
        mb_run_hop_error(v, "migrated, but not verified");
    snprintf(v->status, sizeof(v->status), "%s", s);
    if (strcmp(s, "ok") != 0) {
        st->all_ok = 0;
        if (!c->why[0])
            snprintf(c->why, sizeof(c->why), "%s %s%s%.270s", v->label, s,
                     v->error[0] || v->herror[0] ? ": " : "", v->error[0] ? v->error : v->herror);
    }
}

void mb_run_hop(struct mb_run_state *st, int hop)
{
    struct mb_campaign *c = st->c;
    struct mb_error e;
    int from = hop % 2 ? st->src : st->dst, to = hop % 2 ? st->dst : st->src;
    for (int i = 0; i < st->nvms; i++) {
        struct mb_run_vm *v = &st->vms[i];
        v->batch = v->migrated = v->probed = 0;
        v->herror[0] = '\0';
        memset(&v->mig, 0, sizeof(v->mig));
        snprintf(v->integrity, sizeof(v->integrity), "unchecked");
        if (!v->reachable && !v->error[0])
            mb_run_hop_error(v, "not migrated: the guest was lost in an earlier hop");
    }
    struct mb_probe *probe = probe_open(st);
    mb_run_phase_end(st, MB_PHASE_PROBE);
    /* the paper's method: the placeholders go just before the migration starts */
    if (st->rsv && hop == 1 && !strcmp(st->pt.dst_mode, "release") &&
        mb_rsv_release(st->rsv, &e) < 0)
        mb_progress_note(&c->prog, "releasing the reservation: %s", e.msg);
    double h0 = mb_now_wall();
    double makespan = NAN;
    if (!mb_campaign_stopped(c))
        makespan = mb_run_migrate_batch(st, from, to, st->capped && hop == 1);
    double ended = mb_now_mono();
    probe_close(st, probe, ended);
    mb_run_phase_end(st, MB_PHASE_MIGRATE);
    /* the window after, then the guests' verdicts: after the last hop nothing more is
     * measured, so the workloads stop first and the sweep has the guests to itself */
    mb_campaign_nap(c, st->pt.after_ms);
    mb_run_phase_end(st, MB_PHASE_AFTER);
    if (hop == st->nhops) {
        mb_run_fetch(st);
        mb_run_phase_end(st, MB_PHASE_COLLECT);
    }
    mb_run_verify(st);
    if (mb_campaign_stopped(c))
        return;
    for (int i = 0; i < st->nvms; i++)
        hop_status(st, &st->vms[i]);
    mb_run_hop_rows(st, from, to, hop, makespan, h0, mb_now_wall());
    for (int i = 0; i < st->nvms; i++) {
        struct mb_run_vm *v = &st->vms[i];
        v->win[2 * (hop - 1)] = v->migrated ? v->mig.wall_start : NAN;
        v->win[2 * (hop - 1) + 1] = v->migrated ? v->mig.wall_end : NAN;
    }
    mb_run_phase_end(st, MB_PHASE_VERIFY);
}
