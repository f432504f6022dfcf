/* run.c — one run's life: its guests prepared, booted and started (migrating and
 * resident VMs alike), the reservations, the hops, and the tear-down. */
#include "run.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/util.h"
#include "options.h"

/* ---- the campaign's shared helpers ------------------------------------------------ */

int mb_campaign_stopped(const struct mb_campaign *c)
{
    return c->o->stop && *c->o->stop;
}

void mb_campaign_nap(const struct mb_campaign *c, double ms)
{
    double end = mb_now_mono() + ms / 1000.0;
    while (!mb_campaign_stopped(c)) {
        double left = end - mb_now_mono();
        if (left <= 0)
            break;
        if (left > 0.1)
            left = 0.1;
        struct timespec ts = {0, (long)(left * 1e9)};
        nanosleep(&ts, NULL);
    }
}

int mb_campaign_hv(struct mb_campaign *c, int h, struct mb_hv **out, struct mb_error *err)
{
    if (!c->hv[h]) {
        int rc = mb_hv_open(c->o->hv_ops, c->tb->hosts[h].uri, &c->hv[h], err);
        if (rc < 0)
            return rc;
    }
    *out = c->hv[h];
    return 0;
}

void mb_campaign_hv_reset(struct mb_campaign *c, int h)
{
    mb_hv_close(c->hv[h]);
    c->hv[h] = NULL;
}

/* Destroy the domain called name on every host (wherever it ended up). */
static void destroy_everywhere(struct mb_campaign *c, const char *name)
{
    for (int h = 0; h < c->tb->nhosts; h++) {
        struct mb_error err;
        struct mb_hv *hv;
        struct mb_hv_dom *d = NULL;
        if (mb_campaign_hv(c, h, &hv, &err) < 0)
            continue;
        if (mb_hv_dom_lookup(hv, name, &d, &err) < 0) {
            mb_campaign_hv_reset(c, h);
            continue;
        }
        if (d) {
            mb_hv_dom_destroy(d, &err);
            mb_hv_dom_free(d);
        }
    }
}

/* ---- a guest's session ------------------------------------------------------------ */

static void set_first(char *buf, size_t len, const char *fmt, va_list ap)
{
    if (!buf[0])
        vsnprintf(buf, len, fmt, ap);
}

void mb_run_vm_error(struct mb_run_vm *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_first(v->error, sizeof(v->error), fmt, ap);
    va_end(ap);
}

void mb_run_hop_error(struct mb_run_vm *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_first(v->herror, sizeof(v->herror), fmt, ap);
    va_end(ap);
}

/* The VM's SSH session, opened when it has none.  One session serves the whole run: a
 * live migration keeps the guest's TCP connections, and under TCG every new session
 * costs the guest a key exchange (0.2 s idle, over 1 s beside a busy workload). */
static int vm_ssh(const struct mb_campaign *c, struct mb_run_vm *v, struct mb_remote **r,
                  struct mb_error *e)
{
    if (!v->ssh) {
        int rc = mb_guest_open(c->o->ssh_ops, c->tb, v->ip, 10, &v->ssh, e);
        if (rc < 0)
            return rc;
    }
    *r = v->ssh;
    return MB_OK;
}

static void vm_ssh_close(struct mb_run_vm *v)
{
    mb_remote_close(v->ssh);
    v->ssh = NULL;
}

int mb_run_vm_do(const struct mb_campaign *c, struct mb_run_vm *v,
                 int (*fn)(struct mb_remote *r, void *arg, struct mb_error *e), void *arg,
                 struct mb_error *e)
{
    for (int again = 0;; again = 1) {
        int kept = v->ssh != NULL;
        struct mb_remote *r = NULL;
        int rc = vm_ssh(c, v, &r, e);
        if (rc == MB_OK)
            rc = fn(r, arg, e);
        if (rc == MB_EENV)
            vm_ssh_close(v);
        if (rc != MB_EENV || !kept || again)
            return rc;
    }
}

struct run_arg {
    const char *cmd;
    double timeout_s;
    char **out;
};

static int run_fn(struct mb_remote *r, void *arg, struct mb_error *e)
{
    struct run_arg *a = arg;
    return mb_remote_run(r, a->cmd, a->timeout_s, a->out, e);
}

int mb_run_vm_run(const struct mb_campaign *c, struct mb_run_vm *v, const char *cmd,
                  double timeout_s, char **out, struct mb_error *e)
{
    struct run_arg a = {cmd, timeout_s * mb_guest_time_scale(c->tb), out};
    return mb_run_vm_do(c, v, run_fn, &a, e);
}

/* ---- prepare ---------------------------------------------------------------------- */

/* The workload's driver when its program runs something (idle runs nothing). */
static const struct mb_wl_driver *running_workload(const char *name)
{
    const struct mb_wl_driver *wl = mb_wl_find(name);
    return wl && wl->program ? wl : NULL;
}

/* Placement: the candidate destinations, each with its resident VM, and the one the
 * batch goes to; or the single destination with colocation.workload's resident. */
static void place(struct mb_run_state *st)
{
    const struct mb_point *pt = &st->pt;
    struct mb_error e;
    if (*pt->placement_hosts &&
        mb_placement_parse_hosts(pt->placement_hosts, mb_option_resident_workloads(), &st->cand,
                                 &e) == 0 &&
        st->cand.n > 0) {
        st->policy = pt->placement_policy;
        int pick = !strcmp(st->policy, "random")
                       ? mb_placement_random(st->id, &st->cand)
                       : mb_placement_choose(st->c->matrix, pt->vm_workload, &st->cand);
        st->dst = mb_testbed_host_index(st->c->tb, st->cand.host[pick < 0 ? 0 : pick], st->dst);
    } else if (strcmp(pt->co_workload, "none") != 0) {
        st->cand.n = 1;
        snprintf(st->cand.host[0], sizeof(st->cand.host[0]), "%s", st->c->tb->hosts[st->dst].name);
        snprintf(st->cand.workload[0], sizeof(st->cand.workload[0]), "%s", pt->co_workload);
    }
}

/* Guest number n called label, booting on host with vcpus. */
static void guest_init(struct mb_run_state *st, struct mb_run_vm *v, int n, const char *label,
                       int host, int vcpus)
{
    struct mb_error e;
    char mac[18];
    v->n = n;
    snprintf(v->label, sizeof(v->label), "%s", label);
    snprintf(v->name, sizeof(v->name), MB_RUN_DOM_PREFIX "%s", label);
    v->host = host;
    v->vcpus = vcpus;
    v->cap_applied = v->balloon_kib = v->reserved_at = v->burn_at = NAN;
    v->win = mb_xcalloc((size_t)st->nhops * 2, sizeof(double));
    if (host >= 0 && mb_guest_addr(st->c->tb, v->n, v->ip, mac, &e) < 0)
        mb_run_vm_error(v, "%s", e.msg);
}

void mb_run_prepare(struct mb_campaign *c, const struct mb_run *run, struct mb_run_state *st)
{
    const struct mb_testbed *tb = c->tb;
    memset(st, 0, sizeof(*st));
    st->c = c;
    st->run = run;
    st->mark_wall = mb_now_mono();
    st->mark_cpu = mb_cpu_self();
    st->all_ok = 1;
    mb_plan_point(c->plan, run->point, &st->pt);
    const struct mb_point *pt = &st->pt;
    mb_plan_run_id(c->plan, run, st->id);
    st->src = mb_testbed_host_index(tb, pt->mig_from, 0);
    st->dst = mb_testbed_host_index(tb, pt->mig_to, 1);
    st->nvms = (int)pt->vm_count;
    st->nhops = (int)pt->hops;
    st->wl = running_workload(pt->vm_workload);
    /* the workload ends by itself after the longest this run can take, should migbench
     * not live to stop it */
    st->wl_max_s = (pt->warmup_ms + pt->baseline_ms + pt->after_ms * (double)st->nhops +
                    pt->timeout_ms * (double)(st->nhops * st->nvms)) /
                       1000.0 +
                   120;
    place(st);
    st->nres = (int)st->cand.n;
    st->res_dst = -1;
    st->guests = mb_xcalloc((size_t)(st->nvms + st->nres), sizeof(*st->guests));
    st->vms = st->guests;
    st->res = st->guests + st->nvms;
    st->rows = mb_xcalloc((size_t)(st->nvms * st->nhops), sizeof(*st->rows));
    char label[16];
    for (int i = 0; i < st->nvms; i++) {
        struct mb_run_vm *v = &st->vms[i];
        snprintf(label, sizeof(label), "vm%d", i + 1);
        guest_init(st, v, i + 1, label, st->src, (int)pt->vm_vcpus);
        v->wl = st->wl;
    }
    for (int r = 0; r < st->nres; r++) {
        struct mb_run_vm *v = &st->res[r];
        snprintf(label, sizeof(label), "res%d", r + 1);
        guest_init(st, v, st->nvms + 1 + r, label, mb_testbed_host_index(tb, st->cand.host[r], -1),
                   1);
        v->resident = 1;
        v->wl_name = st->cand.workload[r];
        v->wl = running_workload(v->wl_name);
        if (v->host == st->dst)
            st->res_dst = r;
        if (v->host < 0)
            mb_run_vm_error(v, "no host '%s' in the testbed", st->cand.host[r]);
    }
    if (st->wl || st->nres > 0) {
        char sdir[4300];
        snprintf(sdir, sizeof(sdir), "%s/series", c->dir);
        mkdir(sdir, 0755);
    }
}

const char *const mb_run_phase_names[MB_NPHASES] = {
    [MB_PHASE_BOOT] = "boot",        [MB_PHASE_GUESTS] = "guests", [MB_PHASE_RESERVE] = "reserve",
    [MB_PHASE_WINDOWS] = "windows",  [MB_PHASE_PROBE] = "probe",   [MB_PHASE_MIGRATE] = "migrate",
    [MB_PHASE_AFTER] = "after",      [MB_PHASE_VERIFY] = "verify", [MB_PHASE_COLLECT] = "collect",
    [MB_PHASE_TEARDOWN] = "teardown"};

void mb_run_phase_end(struct mb_run_state *st, enum mb_run_phase p)
{
    double wall = mb_now_mono(), cpu = mb_cpu_self();
    struct mb_run_phases *ph = st->c->phases;
    if (ph) {
        ph->wall_s[p] += wall - st->mark_wall;
        ph->cpu_s[p] += cpu - st->mark_cpu;
    }
    st->mark_wall = wall;
    st->mark_cpu = cpu;
}

/* ---- boot and start --------------------------------------------------------------- */

/* Create the domains of the guests on host h, in order. */
static void boot_host(struct mb_run_state *st, int h)
{
    struct mb_campaign *c = st->c;
    const struct mb_testbed *tb = c->tb;
    for (int i = 0; i < st->nvms + st->nres && !mb_campaign_stopped(c); i++) {
        struct mb_run_vm *v = &st->guests[i];
        struct mb_error e;
        struct mb_hv *hv = NULL;
        if (v->host != h || v->error[0])
            continue;
        const char *host = tb->hosts[h].name;
        if (mb_campaign_hv(c, h, &hv, &e) < 0) {
            mb_run_vm_error(v, "%s%s: %s", v->resident ? "" : "source ", host, e.msg);
            mb_campaign_hv_reset(c, h);
            continue;
        }
        struct mb_guest_opts go = {
            .name = v->name, .n = v->n, .memory = st->pt.vm_memory, .vcpus = v->vcpus};
        char *xml = mb_guest_xml(tb, &tb->hosts[h], &go, &e);
        if (!xml || mb_run_guest_create(st, v, hv, xml, &e) < 0)
            mb_run_vm_error(v, "cannot start on %s: %s", host, e.msg);
        else
            v->started = 1;
        free(xml);
    }
}

struct boot_arg {
    struct mb_run_state *st;
    int host;
};

static void *boot_thread(void *arg)
{
    struct boot_arg *a = arg;
    boot_host(a->st, a->host);
    return NULL;
}

/* Hosts create their guests' domains at once, one thread a host (each on its own
 * connection: a daemon starting one QEMU does not wait for another's), a host's guests
 * in order; with restore (which shares the campaign's saved states) one host after the
 * other. */
void mb_run_boot(struct mb_run_state *st)
{
    int n = st->c->tb->nhosts, nh = 0;
    int *hosts = mb_xcalloc((size_t)n, sizeof(*hosts));
    for (int i = 0; i < st->nvms + st->nres; i++) {
        int h = st->guests[i].host, seen = h < 0 || h >= n; /* < 0: no such host (an error) */
        for (int k = 0; k < nh; k++)
            seen |= hosts[k] == h;
        if (!seen)
            hosts[nh++] = h;
    }
    struct boot_arg *args = mb_xcalloc((size_t)n, sizeof(*args));
    pthread_t *threads = mb_xcalloc((size_t)n, sizeof(*threads));
    int *started = mb_xcalloc((size_t)n, sizeof(*started));
    int parallel = nh > 1 && strcmp(st->pt.vm_start, "restore") != 0;
    for (int k = 1; k < nh && parallel; k++) {
        args[k] = (struct boot_arg){st, hosts[k]};
        started[k] = pthread_create(&threads[k], NULL, boot_thread, &args[k]) == 0;
    }
    for (int k = 0; k < nh; k++) /* the first host here, and any without its thread */
        if (!started[k])
            boot_host(st, hosts[k]);
    for (int k = 1; k < nh; k++)
        if (started[k])
            pthread_join(threads[k], NULL);
    free(started);
    free(threads);
    free(args);
    free(hosts);
}

int mb_run_checks(const struct mb_point *pt)
{
    return !strcmp(pt->vm_workload, "dirty") || pt->check_memory > 0;
}

/* Commands the guest agents start with: the echo responder for the probe (unless the
 * image's init already started it), the integrity checker (integrity.*; a quarter of
 * memory at full speed on dirty VMs) and the workload. */
static char *agents_cmd(const struct mb_point *pt)
{
    double mib = (double)pt->check_memory / 1048576.0, rate = (double)pt->check_rate / 1048576.0;
    if (!strcmp(pt->vm_workload, "dirty")) {
        mib = (double)(pt->vm_memory >> 20) / 4;
        rate = 0;
    }
    char *check = mb_run_checks(pt) ? mb_xasprintf(" && memcheck -d -m %g -r %g -i %g -s "
                                                   "/run/memcheck.status -p /run/memcheck.pid "
                                                   ">/run/memcheck.log 2>&1",
                                                   mib, rate, MB_GUEST_MEMCHECK_INTERVAL_S)
                                    : mb_xstrdup("");
    char *cmd = mb_xasprintf(
        "{ pidof udpecho >/dev/null || udpecho -d -p %d -P /run/udpecho.pid >/dev/null; }%s%s",
        MB_GUEST_PROBE_PORT, check,
        !strcmp(pt->vm_workload, "burn") ? " && cpuburn -d -p /run/cpuburn.pid >/dev/null" : "");
    free(check);
    return cmd;
}

/* The guest's workload: its program in the guest, and for web the load client here. */
static void start_workload(struct mb_run_state *st, struct mb_run_vm *v)
{
    struct mb_error e;
    const struct mb_wl_driver *wl = v->wl;
    if (mb_wl_guest_start(v->ssh, wl, &st->pt.wl, st->wl_max_s, 60 * mb_guest_time_scale(st->c->tb),
                          &v->wl_t0, &e) < 0) {
        mb_run_vm_error(v, "workload %s did not start: %s", wl->name, e.msg);
        return;
    }
    v->wl_started = 1;
    if (!wl->client)
        return;
    char log[4300];
    snprintf(log, sizeof(log), "%s/series/%s-%s-client.log", st->c->dir, st->id, v->label);
    if (mb_wl_client_start(wl, &st->pt.wl, v->ip, st->wl_max_s, NULL, log, &v->client, &e) < 0)
        mb_run_vm_error(v, "load client: %s", e.msg);
    else
        v->wl_t0 = mb_now_wall();
}

/* Reach a started guest, start its agents (a migrating VM) and its workload. */
static void start_guest(struct mb_run_state *st, struct mb_run_vm *v, double boot_timeout)
{
    struct mb_campaign *c = st->c;
    struct mb_error e;
    if (mb_guest_wait_ssh(c->o->ssh_ops, c->tb, v->ip, boot_timeout, &v->ssh, &e) < 0) {
        mb_run_vm_error(v, "guest did not answer after %s: %s", v->restored ? "restore" : "boot",
                        e.msg);
        return;
    }
    if (v->save_xml) { /* its first boot: saved with no session open, and restored */
        vm_ssh_close(v);
        if (mb_run_guest_save(st, v, boot_timeout, &e) < 0) {
            mb_run_vm_error(v, "its first boot, saved and restored: %s", e.msg);
            return;
        }
    }
    if (!v->resident) {
        char *cmd = agents_cmd(&st->pt);
        int rc = mb_remote_run(v->ssh, cmd, 30 * mb_guest_time_scale(c->tb), NULL, &e);
        free(cmd);
        if (rc < 0) {
            mb_run_vm_error(v, "cannot start the guest agents: %s", e.msg);
            return;
        }
    }
    v->reachable = 1;
    if (v->wl && !mb_campaign_stopped(c))
        start_workload(st, v);
}

void mb_run_start_guests(struct mb_run_state *st)
{
    double boot_timeout = mb_guest_boot_timeout(st->c->tb, st->nvms + st->nres);
    for (int i = 0; i < st->nvms + st->nres && !mb_campaign_stopped(st->c); i++) {
        struct mb_run_vm *v = &st->guests[i];
        if (v->started)
            start_guest(st, v, boot_timeout);
        if (v->resident && v->error[0])
            for (int j = 0; j < st->nvms; j++)
                mb_run_vm_error(&st->vms[j], "resident %s (%s on %s): %s", v->label, v->wl_name,
                                st->cand.host[v - st->res], v->error);
    }
}

void mb_run_baseline(struct mb_run_state *st)
{
    mb_campaign_nap(st->c, st->pt.warmup_ms);
    st->base0 = mb_now_wall();
    mb_campaign_nap(st->c, st->pt.baseline_ms);
    st->base1 = mb_now_wall();
}

/* ---- tear down, and the whole run ------------------------------------------------- */

int mb_run_teardown(struct mb_run_state *st, struct mb_error *err)
{
    struct mb_campaign *c = st->c;
    int interrupted = mb_campaign_stopped(c);
    /* the tenant, the placeholders (hold mode: destroyed only now), and every domain of
     * the run, wherever it is */
    mb_rsv_free(st->tenant);
    mb_rsv_free(st->rsv);
    for (int i = 0; i < st->nvms + st->nres; i++) {
        struct mb_run_vm *v = &st->guests[i];
        vm_ssh_close(v);
        if (v->started)
            destroy_everywhere(c, v->name);
        free(v->save_xml);
    }
    int rc = MB_EINTR;
    if (!interrupted)
        rc = mb_results_append_rows(c->res, (const struct mb_results_row *const *)st->rows,
                                    st->nrows, err);
    for (size_t i = 0; i < st->nrows; i++)
        mb_results_row_free(st->rows[i]);
    free(st->rows);
    mb_run_phase_end(st, MB_PHASE_TEARDOWN);
    if (c->phases)
        c->phases->runs++;
    for (int i = 0; i < st->nvms + st->nres; i++) {
        mb_wl_client_free(st->guests[i].client);
        mb_series_free(st->guests[i].series); /* fetched, not collected: stopped */
        free(st->guests[i].win);
    }
    free(st->guests);
    memset(st, 0, sizeof(*st));
    return rc;
}

int mb_run_one(struct mb_campaign *c, const struct mb_run *run, int *all_ok, struct mb_error *err)
{
    struct mb_run_state st;
    mb_run_prepare(c, run, &st);
    mb_run_boot(&st);
    mb_run_phase_end(&st, MB_PHASE_BOOT);
    mb_run_start_guests(&st);
    mb_run_phase_end(&st, MB_PHASE_GUESTS);
    mb_run_reserve_dest(&st);
    mb_run_phase_end(&st, MB_PHASE_RESERVE);
    mb_run_baseline(&st);
    mb_run_phase_end(&st, MB_PHASE_WINDOWS);
    mb_run_reserve_source(&st);
    mb_run_phase_end(&st, MB_PHASE_RESERVE);
    for (int hop = 1; hop <= st.nhops && !mb_campaign_stopped(c); hop++)
        mb_run_hop(&st, hop);
    mb_run_collect(&st);
    mb_run_phase_end(&st, MB_PHASE_COLLECT);
    *all_ok = st.all_ok;
    return mb_run_teardown(&st, err);
}
