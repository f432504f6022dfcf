/* run_rows.c — a run's raw.csv rows: one per VM and hop, with what the migration, the
 * probe, the checker, the reservations and the workloads' series measured. */
#include "run.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "lib/version.h"

static void set_num(struct mb_results_row *row, enum mb_results_col col, double v, const char *fmt)
{
    if (isfinite(v))
        mb_results_row_set_col(row, col, fmt, v);
}

static void set_int(struct mb_results_row *row, enum mb_results_col col, int64_t v)
{
    if (v >= 0)
        mb_results_row_set_col(row, col, "%lld", (long long)v);
}

/* What the destination's reservation and the competing tenant did, in a row. */
static void reservation_columns(struct mb_results_row *row, struct mb_rsv *rsv,
                                struct mb_rsv *tenant)
{
    if (rsv) {
        const struct mb_rsv_report *rr = mb_rsv_report(rsv);
        if (rr->granted_cpus > 0)
            set_num(row, MB_COL_DST_CPU_HELD, rr->cpu_held, "%.2f");
        if (rr->granted_memory > 0)
            set_int(row, MB_COL_DST_MEMORY_HELD_BYTES, rr->rss_held);
        if (rr->held)
            set_num(row, MB_COL_DST_RESERVATION_S, rr->held_s, "%.2f");
        if (rr->released)
            set_num(row, MB_COL_DST_RELEASE_S, rr->release_s, "%.3f");
    }
    if (tenant) {
        const struct mb_rsv_report *tr = mb_rsv_report(tenant);
        set_int(row, MB_COL_CONTENTION_CPU_GRANTED, tr->granted_cpus);
        set_int(row, MB_COL_CONTENTION_MEMORY_GRANTED_BYTES, (int64_t)tr->granted_memory);
    }
}

/* The zero-page and convergence rules the migration ran under: what was in force, not
 * what was asked (a refused zero_pages send leaves its column empty). */
static void convergence_columns(struct mb_results_row *row, const struct mb_point *pt,
                                const struct mb_run_vm *v)
{
    if (!v->migrated)
        return;
    bool xen33 = !strcmp(pt->convergence, "xen33");
    if (v->mig.zero_pages_sent || strcmp(pt->zero_pages, "send"))
        mb_results_row_set_col(row, MB_COL_ZERO_PAGES, "%s",
                               v->mig.zero_pages_sent ? "send" : "detect");
    mb_results_row_set_col(row, MB_COL_CONVERGENCE, "%s", xen33 ? "xen33" : "qemu");
    if (xen33)
        mb_results_row_set_col(row, MB_COL_PRECOPY_STOP, "%s",
                               mb_xen33_stop_name(v->mig.xen33_stop));
}

/* What the migration's job statistics and the source reservation's check said. */
static void measured_columns(struct mb_results_row *row, const struct mb_run_vm *v)
{
    if (v->migrated && v->mig.stats_source != MB_STATS_NONE) {
        const struct mb_job_stats *js = &v->mig.stats;
        set_num(row, MB_COL_TOTAL_TIME_MS, js->total_ms, "%.1f");
        set_num(row, MB_COL_DOWNTIME_MS, js->downtime_ms, "%.1f");
        set_num(row, MB_COL_SETUP_TIME_MS, js->setup_ms, "%.1f");
        set_int(row, MB_COL_DATA_BYTES, js->data_bytes);
        set_int(row, MB_COL_MEMORY_BYTES_TOTAL, js->memory_total);
        set_num(row, MB_COL_DIRTY_RATE_PPS, js->dirty_rate, "%.0f");
        set_int(row, MB_COL_ITERATIONS, js->iterations);
    }
    if (v->migrated) {
        set_num(row, MB_COL_WALL_TIME_MS, v->mig.seconds * 1000.0, "%.1f");
        mb_results_row_set_col(row, MB_COL_STATS_SOURCE, "%s",
                               mb_stats_source_name(v->mig.stats_source));
        if (v->mig.stats_source != MB_STATS_NONE) {
            char missing[256];
            mb_job_stats_missing_names(&v->mig.stats, missing, sizeof(missing));
            if (missing[0])
                mb_results_row_set_col(row, MB_COL_STATS_MISSING, "%s", missing);
        }
    }
    if (v->probed)
        set_num(row, MB_COL_PROBE_DOWNTIME_MS, v->probe.longest_gap_ms, "%.1f");

    mb_results_row_set_col(row, MB_COL_INTEGRITY, "%s", v->integrity);
}

/* The source reservation as applied and as the monitor measured it. */
static void source_columns(struct mb_results_row *row, const struct mb_run_vm *v)
{
    set_num(row, MB_COL_CPU_CAP_APPLIED_PCT, v->cap_applied, "%.1f");
    set_num(row, MB_COL_BALLOON_APPLIED_KIB, v->balloon_kib, "%.0f");
    if (v->cap_checked) {
        set_num(row, MB_COL_CPU_CAP_MEASURED_PCT, v->cap_measured, "%.1f");
        mb_results_row_set_col(row, MB_COL_CPU_CAP_CHECK, "%s",
                               mb_monitor_verdict_name(v->cap_check.verdict));
    }
    if (v->balloon_checked) {
        set_num(row, MB_COL_BALLOON_MEASURED_KIB, v->balloon_check.measured / 1024.0, "%.0f");
        mb_results_row_set_col(row, MB_COL_BALLOON_CHECK, "%s",
                               mb_monitor_verdict_name(v->balloon_check.verdict));
    }
}

/* The point's factors, as f.KEY columns. */
static void factor_columns(struct mb_results_row *row, const struct mb_scenario *s,
                           const size_t *level)
{
    for (size_t f = 0; f < s->nfactors; f++) {
        const struct mb_setting *st = &s->settings[s->factors[f]];
        char val[128], col[160];
        mb_plan_value_text(st, &st->levels[level[s->factors[f]]], val, sizeof(val));
        snprintf(col, sizeof(col), "f.%s", st->opt->key);
        mb_results_row_set(row, col, "%s", val);
    }
}

/* The provenance every row carries: harness, image, hypervisor and accelerator of from. */
static void provenance_columns(struct mb_results_row *row, const struct mb_campaign *c, int from)
{
    char hyp[200];
    mb_meta_hypervisor_text(&c->meta[from], hyp, sizeof(hyp));
    mb_results_row_set_col(row, MB_COL_HARNESS_VERSION, "%s", mb_version);
    if (c->tb->guest.hash)
        mb_results_row_set_col(row, MB_COL_IMAGE_HASH, "%s", c->tb->guest.hash);
    mb_results_row_set_col(row, MB_COL_HYPERVISOR, "%s", hyp);
    mb_results_row_set_col(row, MB_COL_ACCEL, "%s",
                           c->tb->hosts[from].accel == MB_ACCEL_KVM ? "kvm" : "tcg");
}

/* One VM's row of a hop. */
static struct mb_results_row *vm_row(struct mb_run_state *st, const struct mb_run_vm *v, int from,
                                     int to, int hop, const char *strategy, double t0, double t1)
{
    const struct mb_campaign *c = st->c;
    struct mb_results_row *row = mb_results_row_new(c->res);
    mb_results_row_set_col(row, MB_COL_RUN_ID, "%s", st->id);
    mb_results_row_set_col(row, MB_COL_SCENARIO, "%s", c->s->name);
    mb_results_row_set_col(row, MB_COL_POINT, "%zu", st->run->point + 1);
    mb_results_row_set_col(row, MB_COL_REPETITION, "%u", st->run->rep);
    mb_results_row_set_col(row, MB_COL_VM, "%s", v->label);
    mb_results_row_set_col(row, MB_COL_HOST_FROM, "%s", c->tb->hosts[from].name);
    mb_results_row_set_col(row, MB_COL_HOST_TO, "%s", c->tb->hosts[to].name);
    if (!strcmp(strategy, "adaptive") && v->k > 0)
        mb_results_row_set_col(row, MB_COL_STRATEGY, "adaptive:%d", v->k);
    else
        mb_results_row_set_col(row, MB_COL_STRATEGY, "%s", strategy);
    mb_results_row_set_col(row, MB_COL_BATCH, "%d", v->batch ? v->batch : 1);
    mb_results_row_set_col(row, MB_COL_HOP, "%d", hop);
    mb_results_row_set_col(row, MB_COL_STATUS, "%s", v->status);
    mb_results_row_set_time(row, MB_COL_START_TIME, v->migrated ? v->mig.wall_start : t0);
    mb_results_row_set_time(row, MB_COL_END_TIME, v->migrated ? v->mig.wall_end : t1);
    return row;
}

void mb_run_hop_rows(struct mb_run_state *st, int from, int to, int hop, double makespan, double t0,
                     double t1)
{
    const struct mb_scenario *s = st->c->s;
    size_t level[256];
    mb_plan_levels(st->c->plan, st->run->point, level);
    const struct mb_setting *strat = mb_scenario_setting(s, "migration.strategy");
    char strategy[64];
    mb_plan_value_text(strat, &strat->levels[level[strat - s->settings]], strategy,
                       sizeof(strategy));
    for (int i = 0; i < st->nvms; i++) {
        const struct mb_run_vm *v = &st->vms[i];
        struct mb_results_row *row = st->rows[st->nrows++] =
            vm_row(st, v, from, to, hop, strategy, t0, t1);
        factor_columns(row, s, level);
        measured_columns(row, v);
        set_num(row, MB_COL_BATCH_MAKESPAN_MS, makespan, "%.1f");
        source_columns(row, v);
        if (v->error[0] || v->herror[0])
            mb_results_row_set_col(row, MB_COL_ERROR, "%s", v->error[0] ? v->error : v->herror);
        provenance_columns(row, st->c, from);
        convergence_columns(row, &st->pt, v);
        reservation_columns(row, st->rsv, st->tenant);
        mb_results_row_set_col(row, MB_COL_WORKLOAD, "%s", st->pt.vm_workload);
        if (st->res_dst >= 0 && hop == 1)
            mb_results_row_set_col(row, MB_COL_COLOCATED_WORKLOAD, "%s",
                                   st->cand.workload[st->res_dst]);
        if (st->policy)
            mb_results_row_set_col(row, MB_COL_PLACEMENT, "%s", st->policy);
    }
}

/* ---- the workloads' series ------------------------------------------------------ */

static void write_text(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0)
        unlink(path);
    close(fd);
}

struct collect_arg {
    const struct mb_wl_driver *wl;
    const struct mb_wl_params *p;
    struct mb_series **series;
    char **raw;
};

static int collect_fn(struct mb_remote *r, void *arg, struct mb_error *e)
{
    struct collect_arg *a = arg;
    return mb_wl_guest_collect(r, a->wl, a->p, 0, a->series, a->raw, e);
}

/* Keep data as series/<run id>-<label><suffix> beside raw.csv. */
static void keep_file(const struct mb_run_state *st, const struct mb_run_vm *v, const char *suffix,
                      const char *data, size_t len)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/series/%s-%s%s", st->c->dir, st->id, v->label, suffix);
    write_text(path, data, len);
}

/* Stop a VM's workload and keep its output and series beside raw.csv (series/).
 * Returns its series (NULL when it gave none, *why saying why). */
static struct mb_series *fetch_series(struct mb_run_state *st, struct mb_run_vm *v, char *why,
                                      size_t whylen)
{
    const struct mb_wl_driver *wl = v->wl;
    struct mb_error e;
    struct mb_series *series = NULL;
    char *raw = NULL;
    /* stopping the workload may be done twice */
    struct collect_arg a = {wl, &st->pt.wl, &series, &raw};
    int rc = mb_run_vm_do(st->c, v, collect_fn, &a, &e);
    if (raw) {
        keep_file(st, v, ".log", raw, strlen(raw));
        free(raw);
        raw = NULL;
    }
    if (wl->client && v->client) {
        mb_series_free(series); /* NULL: the server's log has no series */
        series = NULL;
        rc = mb_wl_client_collect(v->client, wl, 10, 0, &series, &raw, &e);
        if (raw) {
            keep_file(st, v, "-client.log", raw, strlen(raw));
            free(raw);
        }
    }
    if (series) {
        struct mb_buf b = {0};
        if (mb_series_csv(series, &b) == 0 && b.data)
            keep_file(st, v, ".csv", b.data, b.len);
        mb_buf_free(&b);
    } else {
        snprintf(why, whylen, "workload %s gave no series: %s", wl->name,
                 rc < 0 ? e.msg : "no output");
    }
    return series;
}

/* Stop and fetch v's workload once a run: mb_run_fetch before the last verify, or the
 * collect when the hops did not get that far. */
static void fetch_once(struct mb_run_state *st, struct mb_run_vm *v)
{
    if (!v->fetched) {
        v->series = fetch_series(st, v, v->fetch_why, sizeof(v->fetch_why));
        v->fetched = 1;
    }
}

/* v's series (the caller owns it; NULL with *why saying why).  *t0: the series' time 0
 * on this machine's clock, when the start command returned (a little late), not the
 * guest's own wall clock, which falls behind by every stop-and-copy pause of the run. */
static struct mb_series *take_series(struct mb_run_state *st, struct mb_run_vm *v, double *t0,
                                     const char **why)
{
    fetch_once(st, v);
    struct mb_series *s = v->series;
    v->series = NULL;
    *t0 = v->wl_t0;
    *why = v->fetch_why;
    return s;
}

void mb_run_fetch(struct mb_run_state *st)
{
    for (int i = 0; i < st->nvms + st->nres && !mb_campaign_stopped(st->c); i++)
        if (st->guests[i].wl_started)
            fetch_once(st, &st->guests[i]);
}

/* The loss in % between a baseline and a later figure; NAN when either is missing. */
static double loss_pct(double base, double later)
{
    return 100.0 * mb_wl_overhead(base, later);
}

/* The series' mean over the windows.after that follows wall time `from`; NAN when
 * there is none. */
static double after_mean(const struct mb_run_state *st, struct mb_series *series, double t0,
                         double from)
{
    if (!isfinite(from) || st->pt.after_ms <= 0)
        return NAN;
    return mb_series_mean(series, 0, from - t0, from + st->pt.after_ms / 1000.0 - t0, NULL);
}

/* Stop a VM's workload, keep its series, and give each of its hop rows the baseline,
 * during-migration and after-migration throughput and the losses.  A workload that gave
 * no series says why in the rows' error (the migration's status stands: the workload
 * is what was measured, not what was tested). */
static void collect_workload(struct mb_run_state *st, struct mb_run_vm *v, int i)
{
    double t0;
    const char *why;
    size_t nvms = (size_t)st->nvms;
    struct mb_series *series = take_series(st, v, &t0, &why);
    for (size_t k = (size_t)i; k < st->nrows; k += nvms) {
        struct mb_results_row *row = st->rows[k];
        size_t hop = k / nvms;
        if (!series) {
            if (!v->error[0])
                mb_results_row_set_col(row, MB_COL_ERROR, "%s", why);
            continue;
        }
        double base = mb_series_mean(series, 0, st->base0 - t0, st->base1 - t0, NULL);
        double from = v->win[2 * hop], to = v->win[2 * hop + 1];
        double during = isfinite(from) ? mb_series_mean(series, 0, from - t0, to - t0, NULL) : NAN;
        double after = after_mean(st, series, t0, to);
        set_num(row, MB_COL_WORKLOAD_BASELINE, base, "%.3f");
        set_num(row, MB_COL_WORKLOAD_DURING, during, "%.3f");
        set_num(row, MB_COL_OVERHEAD_PCT, loss_pct(base, during), "%.2f");
        set_num(row, MB_COL_WORKLOAD_AFTER, after, "%.3f");
        set_num(row, MB_COL_AFTER_LOSS_PCT, loss_pct(base, after), "%.2f");
    }
    mb_series_free(series);
}

/* The resident's loss (colocated_* in the first hop's rows): its baseline against its
 * after window once the first VM arrived.  0 for a resident with no workload (it has
 * nothing to lose); NAN when it gave no series. */
static double resident_loss(struct mb_run_state *st, struct mb_run_vm *res)
{
    if (!res->wl)
        return 0;
    double t0, arrived = NAN;
    const char *why = "";
    for (int i = 0; i < st->nvms; i++)
        if (isfinite(st->vms[i].win[1]) && !(st->vms[i].win[1] <= arrived))
            arrived = st->vms[i].win[1];
    struct mb_series *series = res->wl_started ? take_series(st, res, &t0, &why) : NULL;
    if (!series) {
        if (why[0])
            mb_progress_note(&st->c->prog, "resident %s: %s", res->label, why);
        return NAN;
    }
    double base = mb_series_mean(series, 0, st->base0 - t0, st->base1 - t0, NULL);
    double after = after_mean(st, series, t0, arrived);
    double loss = loss_pct(base, after);
    for (size_t k = 0; k < st->nrows && k < (size_t)st->nvms; k++) {
        set_num(st->rows[k], MB_COL_COLOCATED_BASELINE, base, "%.3f");
        set_num(st->rows[k], MB_COL_COLOCATED_AFTER, after, "%.3f");
        set_num(st->rows[k], MB_COL_COLOCATED_LOSS_PCT, loss, "%.2f");
    }
    mb_series_free(series);
    return loss;
}

/* colocation_loss_pct in every first-hop row that has an after_loss_pct: the migrating
 * VM's loss plus the resident's. */
static void resident_columns(struct mb_run_state *st, struct mb_run_vm *res)
{
    double co_loss = resident_loss(st, res);
    for (size_t k = 0; k < st->nrows && k < (size_t)st->nvms; k++) {
        const char *a = mb_results_row_get(st->rows[k], "after_loss_pct");
        if (a && *a && isfinite(co_loss))
            set_num(st->rows[k], MB_COL_COLOCATION_LOSS_PCT, atof(a) + co_loss, "%.2f");
    }
}

void mb_run_collect(struct mb_run_state *st)
{
    /* the workloads' series: baseline against each hop's migration window */
    for (int i = 0; i < st->nvms; i++)
        if (st->vms[i].wl_started)
            collect_workload(st, &st->vms[i], i);
    /* the resident at the destination: alone (the baseline window) against beside the
     * VMs that arrived (the after window of the first hop); the two losses together are
     * what co-location cost */
    if (st->res_dst >= 0)
        resident_columns(st, &st->res[st->res_dst]);
    for (int r = 0; r < st->nres; r++)
        if (st->res[r].wl_started && r != st->res_dst) {
            double t0;
            const char *why;
            mb_series_free(take_series(st, &st->res[r], &t0, &why));
        }
}
