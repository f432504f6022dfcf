/* plan_auto.c — repeat: auto: which points have had runs enough.  A point is judged on
 * its successful runs, with the report's statistics (lib/stats.c, the t interval of the
 * mean), per hop, from precision.min_runs successful runs on; it is done when every
 * judged interval is within the target or when it has had precision.max_runs runs. */
#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"
#include "lib/stats.h"
#include "lib/util.h"

const int mb_auto_metrics[MB_AUTO_NMETRICS] = {MB_COL_TOTAL_TIME_MS, MB_COL_DOWNTIME_MS};

#define PREFIX_LEN 12  /* hex digits of a run id before "-r" (mb_results_run_id) */
#define MAX_HOPS   128 /* above migration.hops' maximum */

static int cmp_prefix(const void *a, const void *b)
{
    return strcmp(*(const char(*)[16])a, *(const char(*)[16])b);
}

struct mb_auto *mb_auto_new(const struct mb_plan *p)
{
    const struct mb_scenario *s = p->scenario;
    if (!s->repeat_auto)
        return NULL;
    struct mb_auto *a = mb_xcalloc(1, sizeof(*a));
    a->plan = p;
    a->points = mb_xcalloc(p->npoints, sizeof(*a->points));
    /* the prefixes sorted with their point after them, in one array of 16-byte cells */
    char(*cells)[16] = mb_xcalloc(p->npoints, 2 * 16);
    for (size_t pt = 0; pt < p->npoints; pt++) {
        struct mb_point point;
        mb_plan_point(p, pt, &point);
        struct mb_auto_point *ap = &a->points[pt];
        ap->nhops = point.hops < 1 ? 1 : point.hops > MAX_HOPS ? MAX_HOPS : (size_t)point.hops;
        ap->samples = mb_xcalloc(ap->nhops * MB_AUTO_NMETRICS, sizeof(*ap->samples));
        for (size_t i = 0; i < ap->nhops * MB_AUTO_NMETRICS; i++)
            ap->samples[i].v = mb_xcalloc((size_t)s->max_runs, sizeof(double));
        for (int m = 0; m < MB_AUTO_NMETRICS; m++)
            ap->width_pct[m] = NAN;
        char id[MB_RESULTS_RUN_ID_SIZE];
        mb_plan_run_id(p, &(struct mb_run){pt, 1}, id);
        snprintf(cells[2 * pt], 16, "%.*s", PREFIX_LEN, id);
        memcpy(cells[2 * pt + 1], &pt, sizeof(pt));
    }
    qsort(cells, p->npoints, 2 * 16, cmp_prefix);
    a->prefix = mb_xcalloc(p->npoints, 16);
    a->prefix_point = mb_xcalloc(p->npoints, sizeof(size_t));
    for (size_t i = 0; i < p->npoints; i++) {
        memcpy(a->prefix[i], cells[2 * i], 16);
        memcpy(&a->prefix_point[i], cells[2 * i + 1], sizeof(size_t));
    }
    free(cells);
    return a;
}

void mb_auto_free(struct mb_auto *a)
{
    if (!a)
        return;
    for (size_t pt = 0; pt < a->plan->npoints; pt++) {
        struct mb_auto_point *ap = &a->points[pt];
        for (size_t i = 0; i < ap->nhops * MB_AUTO_NMETRICS; i++)
            free(ap->samples[i].v);
        free(ap->samples);
    }
    free(a->points);
    free(a->prefix);
    free(a->prefix_point);
    free(a);
}

/* The point of a run id of this plan, or -1. */
static long point_of(const struct mb_auto *a, const char *id)
{
    char key[16];
    if (strlen(id) < PREFIX_LEN + 2 || strncmp(id + PREFIX_LEN, "-r", 2) != 0)
        return -1;
    snprintf(key, sizeof(key), "%.*s", PREFIX_LEN, id);
    char(*hit)[16] = bsearch(key, a->prefix, a->plan->npoints, 16, cmp_prefix);
    return hit ? (long)a->prefix_point[hit - a->prefix] : -1;
}

/* Half-width of the 95 % interval of the mean in % of the mean. */
static double width_pct(const struct mb_auto_sample *s)
{
    if (s->n < 2)
        return NAN;
    double hw = mb_stats_ci_halfwidth(s->v, s->n, MB_AUTO_LEVEL);
    double mean = mb_stats_mean(s->v, s->n);
    if (hw == 0)
        return 0;
    return mean == 0 ? INFINITY : 100.0 * hw / fabs(mean);
}

/* Every judged interval within the target, from min_runs successful runs on.  A metric
 * with no value at a hop (not measured) is not judged there. */
static void judge(const struct mb_auto *a, struct mb_auto_point *ap)
{
    const struct mb_scenario *s = a->plan->scenario;
    int narrow = ap->ok >= (size_t)s->min_runs;
    for (int m = 0; m < MB_AUTO_NMETRICS; m++) {
        ap->width_pct[m] = NAN;
        for (size_t h = 0; h < ap->nhops; h++) {
            const struct mb_auto_sample *smp = &ap->samples[h * MB_AUTO_NMETRICS + (size_t)m];
            if (smp->n == 0)
                continue;
            double w = width_pct(smp);
            if (isnan(w) || w > s->precision_pct)
                narrow = 0;
            if (!isnan(w) && !(w <= ap->width_pct[m]))
                ap->width_pct[m] = w;
        }
    }
    if (ap->state != MB_AUTO_OPEN)
        return;
    if (narrow)
        ap->state = MB_AUTO_MET;
    else if (ap->runs >= (size_t)s->max_runs)
        ap->state = MB_AUTO_CAP;
}

void mb_auto_add_run(struct mb_auto *a, size_t point, int ok, const double *values)
{
    struct mb_auto_point *ap = &a->points[point];
    if (ap->runs >= (size_t)a->plan->scenario->max_runs)
        return; /* beyond the cap: not a run of this plan */
    ap->runs++;
    if (ok) {
        ap->ok++;
        for (size_t i = 0; i < ap->nhops * MB_AUTO_NMETRICS; i++)
            if (!isnan(values[i]))
                ap->samples[i].v[ap->samples[i].n++] = values[i];
    }
    judge(a, ap);
}

/* ---- reading raw.csv --------------------------------------------------------------- */

/* The rows of one run (they are contiguous: a run's rows are written in one write). */
struct reader {
    struct mb_auto *a;
    const char *only;
    char id[MB_RESULTS_RUN_ID_SIZE];
    long point; /* of id; -1 = none open or not in the plan */
    int bad;
    size_t rows;
    double sum[MAX_HOPS * MB_AUTO_NMETRICS];
    size_t cnt[MAX_HOPS * MB_AUTO_NMETRICS];
};

static void flush(struct reader *r)
{
    if (r->point >= 0 && (r->rows || r->only)) {
        double v[MAX_HOPS * MB_AUTO_NMETRICS];
        size_t nh = r->a->points[r->point].nhops;
        for (size_t i = 0; i < nh * MB_AUTO_NMETRICS; i++)
            v[i] = r->cnt[i] ? r->sum[i] / (double)r->cnt[i] : NAN;
        mb_auto_add_run(r->a, (size_t)r->point, r->rows && !r->bad, v);
    }
    r->point = -1;
    r->id[0] = '\0';
    r->bad = 0;
    r->rows = 0;
    memset(r->sum, 0, sizeof(r->sum));
    memset(r->cnt, 0, sizeof(r->cnt));
}

static int take_row(void *ctx, const struct mb_results_rec *rec, struct mb_error *err)
{
    (void)err;
    struct reader *r = ctx;
    const char *id = mb_results_field(rec, MB_COL_RUN_ID);
    if (r->only && strcmp(id, r->only) != 0)
        return 0;
    if (strcmp(id, r->id) != 0) {
        if (!r->only)
            flush(r);
        snprintf(r->id, sizeof(r->id), "%s", id);
        r->point = point_of(r->a, id);
    }
    if (r->point < 0)
        return 0;
    r->rows++;
    if (strcmp(mb_results_field(rec, MB_COL_STATUS), "ok") != 0)
        r->bad = 1;
    double hop = 1;
    mb_results_number(mb_results_field(rec, MB_COL_HOP), &hop);
    size_t nh = r->a->points[r->point].nhops;
    if (hop < 1 || hop > (double)nh)
        return 0;
    for (int m = 0; m < MB_AUTO_NMETRICS; m++) {
        double x;
        if (!mb_results_number(mb_results_field(rec, mb_auto_metrics[m]), &x))
            continue;
        size_t i = ((size_t)hop - 1) * MB_AUTO_NMETRICS + (size_t)m;
        r->sum[i] += x;
        r->cnt[i]++;
    }
    return 0;
}

int mb_auto_read(struct mb_auto *a, const char *path, const char *only_id, struct mb_error *err)
{
    struct reader *r = mb_xcalloc(1, sizeof(*r));
    r->a = a;
    r->only = only_id;
    r->point = -1;
    int rc = mb_results_read(path, take_row, r, NULL, err);
    if (rc == 0 && only_id && !r->rows) {
        /* no rows: the run failed before it could write any */
        snprintf(r->id, sizeof(r->id), "%s", only_id);
        r->point = point_of(a, only_id);
    }
    if (rc == 0)
        flush(r);
    free(r);
    return rc;
}

int mb_auto_done(const struct mb_auto *a, size_t point)
{
    return a->points[point].state != MB_AUTO_OPEN;
}

const char *mb_auto_state_name(enum mb_auto_state st)
{
    return st == MB_AUTO_MET ? "met" : st == MB_AUTO_CAP ? "cap" : "open";
}

void mb_auto_describe(const struct mb_auto *a, size_t point, char *buf, size_t len)
{
    const struct mb_auto_point *ap = &a->points[point];
    static const char *const verb[] = {"open", "met", "capped"};
    size_t off = (size_t)snprintf(buf, len, "%s after %zu run%s (%zu ok):", verb[ap->state],
                                  ap->runs, ap->runs == 1 ? "" : "s", ap->ok);
    for (int m = 0; m < MB_AUTO_NMETRICS && off < len; m++) {
        const char *name = mb_results_columns[mb_auto_metrics[m]].name;
        double w = ap->width_pct[m];
        off += (size_t)(isnan(w) ? snprintf(buf + off, len - off, " %s n/a,", name)
                                 : snprintf(buf + off, len - off, " %s ±%.1f %%,", name, w));
    }
    if (off < len)
        snprintf(buf + off - 1, len - off + 1, " (target ±%g %%)",
                 a->plan->scenario->precision_pct);
}
