/* compare.c — BASE against NEW, point by point (see compare.h). */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const int mb_compare_default_metrics[] = {MB_COL_TOTAL_TIME_MS, MB_COL_DOWNTIME_MS,
                                          MB_COL_PROBE_DOWNTIME_MS, MB_COL_BATCH_MAKESPAN_MS,
                                          MB_COL_OVERHEAD_PCT};
const size_t mb_compare_ndefault_metrics =
    sizeof(mb_compare_default_metrics) / sizeof(mb_compare_default_metrics[0]);

/* Metrics with a better direction.  All are lower-is-better: times, sizes, rounds and the
 * workload's slowdown.  The rest (memory size, dirty rate, applied cap and balloon, raw
 * workload figures) describe the set-up rather than its quality. */
static const int comparable[] = {
    MB_COL_TOTAL_TIME_MS,     MB_COL_DOWNTIME_MS,       MB_COL_SETUP_TIME_MS,
    MB_COL_DATA_BYTES,        MB_COL_ITERATIONS,        MB_COL_WALL_TIME_MS,
    MB_COL_PROBE_DOWNTIME_MS, MB_COL_BATCH_MAKESPAN_MS, MB_COL_OVERHEAD_PCT};

bool mb_compare_metric_ok(int c)
{
    for (size_t i = 0; i < sizeof(comparable) / sizeof(comparable[0]); i++)
        if (comparable[i] == c)
            return true;
    return false;
}

const char *mb_compare_verdict_name(enum mb_compare_verdict v)
{
    static const char *const names[] = {
        [MB_CMP_UNCHANGED] = "unchanged", [MB_CMP_IMPROVED] = "improved",
        [MB_CMP_REGRESSED] = "regressed", [MB_CMP_NOISY] = "too noisy",
        [MB_CMP_FEW] = "too few runs",
    };
    return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "unchanged";
}

void mb_compare_opts_default(struct mb_compare_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->threshold = 0.05;
    o->alpha = 0.05;
    o->correction = MB_CMP_CORRECT_BH;
    o->min_runs = 5;
}

/* Has a side of r fewer successful runs than the minimum (at least 2: Welch's test needs
 * two values a side, whatever the option says)? */
static bool too_few(const struct mb_compare_opts *o, const struct mb_compare_row *r)
{
    size_t min = o->min_runs > 2 ? o->min_runs : 2;
    return r->base.n < min || r->cur.n < min;
}

/* The verdict from the (possibly adjusted) p-value already in row->p_adj.  "unchanged" is a
 * claim, so it needs the whole confidence interval of the change inside +-threshold; an
 * interval that reaches past it, however narrow, is no verdict (too noisy). */
static void decide(const struct mb_compare_opts *o, struct mb_compare_row *r)
{
    double thr = o->threshold;
    r->why = NULL;
    if (too_few(o, r)) {
        r->verdict = MB_CMP_FEW;
        r->why = "a side has fewer successful runs than the minimum";
        return;
    }
    bool sig = r->p_adj < o->alpha;
    /* a zero base mean: the relative change is infinite, with the sign of the difference */
    double ch = isfinite(r->change)                             ? r->change
                : r->w.mean_diff != 0 && !isnan(r->w.mean_diff) ? copysign(INFINITY, r->w.mean_diff)
                                                                : 0;
    double half = (r->diff_hi - r->diff_lo) / 2;
    if (sig && fabs(ch) >= thr) {
        r->verdict = ch > 0 ? MB_CMP_REGRESSED : MB_CMP_IMPROVED;
    } else if (!isfinite(half) || half > thr) {
        /* a change of the threshold could hide in this noise */
        r->verdict = MB_CMP_NOISY;
        r->why = "its confidence interval is wider than +-threshold";
    } else if (r->diff_lo < -thr || r->diff_hi > thr) {
        r->verdict = MB_CMP_NOISY;
        r->why = r->w.se == 0 ? "constant samples, too few runs for their difference to be "
                                "significant"
                              : "its confidence interval reaches past +-threshold";
    } else {
        r->verdict = MB_CMP_UNCHANGED;
        if (sig)
            r->why = "significant, but smaller than the threshold";
    }
}

/* The two-sided p-value of two constant samples, where Welch's test is undefined: the
 * exact permutation p of their complete separation, 2 / C(nb + nc, nb) (every value of one
 * side below every value of the other is the most extreme of the C(nb + nc, nb) ways to
 * share the values out), 1 when they are equal.  So that 50, 50 against 55, 55 (p 0.33) is
 * not a certain change, and the p enters the correction like any other. */
static double constant_p(const struct mb_compare_row *r)
{
    if (r->cur.mean == r->base.mean)
        return 1;
    double c = 1; /* C(nb + nc, nb), built up factor by factor */
    for (size_t i = 1; i <= r->base.n; i++)
        c *= (double)(r->cur.n + i) / (double)i;
    return fmin(1, 2 / c);
}

/* The confidence interval of the relative change (mean NEW - mean BASE) / |mean BASE| at
 * Student quantile tq, by Fieller's theorem for the ratio of two independent means, so that
 * the uncertainty of the base mean (the divisor) widens it too.  With vb, vc the squared
 * standard errors of the means relative to |mean BASE| and x the NEW mean relative to it,
 * the bounds of R (NEW over |BASE|) solve (x - R)^2 = tq^2 (vc + R^2 vb), BASE's sign taken
 * into R.  NAN when the base mean is not significantly different from zero (the interval
 * is unbounded). */
static void change_interval(struct mb_compare_row *r, double tq)
{
    double ref = fabs(r->base.mean);
    double x = r->cur.mean / ref, sb = r->base.sd / sqrt((double)r->base.n) / ref,
           sc = r->cur.sd / sqrt((double)r->cur.n) / ref;
    double q = tq * tq, a = 1 - q * sb * sb;
    if (!(a > 0))
        return;
    double root = tq * sqrt(x * x * sb * sb + a * sc * sc);
    /* bounds of mean NEW / |mean BASE|; the change is that minus the sign of mean BASE */
    double sign = r->base.mean > 0 ? 1 : -1;
    r->diff_lo = (x - root) / a - sign;
    r->diff_hi = (x + root) / a - sign;
}

void mb_compare_samples(const double *base, size_t nbase, const double *cur, size_t ncur,
                        const struct mb_compare_opts *o, struct mb_compare_row *r)
{
    mb_stats_summarize(base, nbase, 0, NULL, &r->base);
    mb_stats_summarize(cur, ncur, 0, NULL, &r->cur);
    r->w = mb_stats_welch(cur, ncur, base, nbase); /* NEW - BASE */
    double ref = fabs(r->base.mean);
    r->change =
        ref > 0 ? (r->cur.mean - r->base.mean) / ref : (r->cur.mean == r->base.mean ? 0 : NAN);
    r->diff_lo = r->diff_hi = NAN;
    r->mde = ref > 0 ? mb_stats_detectable_diff(r->w.se, r->w.df, o->alpha, MB_COMPARE_POWER) / ref
                     : NAN;
    if (r->base.n >= 2 && r->cur.n >= 2 && r->w.se == 0)
        r->w.p = constant_p(r);
    if (ref == 0 && r->change == 0 && r->w.se == 0)
        r->diff_lo = r->diff_hi = 0; /* both all zero */
    if (ref > 0 && r->base.n >= 2 && r->cur.n >= 2) {
        if (r->w.se == 0)
            r->diff_lo = r->diff_hi = r->change;
        else if (isfinite(r->w.df))
            change_interval(r, mb_stats_t_quantile(1 - o->alpha / 2, r->w.df));
    }
    r->p_adj = r->w.p;
    decide(o, r);
}

/* ---- matching points ---------------------------------------------------------------------- */

struct keyed {
    char *key;
    const struct mb_report_point *p;
};

static int cmp_keyed(const void *a, const void *b)
{
    return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "key=value\x1f...hop=N": factor keys sorted, so the column order does not matter */
static char *match_key(const struct mb_report_dir *d, const struct mb_report_point *p)
{
    char **parts = mb_xcalloc(d->nfactors + 1, sizeof(char *));
    for (size_t f = 0; f < d->nfactors; f++)
        parts[f] = mb_xasprintf("%s=%s", d->factors[f].key, p->values[f]);
    qsort(parts, d->nfactors, sizeof(char *), cmp_str);
    struct mb_buf b = {0};
    for (size_t f = 0; f < d->nfactors; f++) {
        mb_buf_printf(&b, "%s\x1f", parts[f]);
        free(parts[f]);
    }
    free(parts);
    mb_buf_printf(&b, "hop=%u", p->hop);
    return b.data;
}

static struct keyed *keyed_points(const struct mb_report_dir *d)
{
    struct keyed *k = mb_xcalloc(d->npoints + 1, sizeof(*k));
    for (size_t i = 0; i < d->npoints; i++) {
        k[i].key = match_key(d, &d->points[i]);
        k[i].p = &d->points[i];
    }
    qsort(k, d->npoints, sizeof(*k), cmp_keyed);
    return k;
}

static void keyed_free(struct keyed *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(k[i].key);
    free(k);
}

/* ---- environment differences -------------------------------------------------------------- */

struct flat {
    char **keys, **vals;
    size_t n;
};

/* Fields that change with every campaign and say nothing about the environment. */
static bool volatile_key(const char *k)
{
    static const char *const skip[] = {"updated", "started",       "runs",        "done",
                                       "failed",  "skipped",       "resumed",     "wall_s",
                                       "state",   "harness_cpu_s", "testbed_file"};
    for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
        if (!strcmp(k, skip[i]))
            return true;
    if (!strncmp(k, "phases.", 7)) /* where each run's time went */
        return true;
    /* repeat: auto's outcome per point (runs taken, widths); its target stays */
    if (!strncmp(k, "repeat_auto.points", strlen("repeat_auto.points")))
        return true;
    const char *dot = strrchr(k, '.');
    return dot && !strcmp(dot, ".uri"); /* lab addresses differ per instance */
}

static void flat_add(void *ctx, const char *path, const struct mb_json *v)
{
    struct flat *f = ctx;
    if (volatile_key(path))
        return;
    f->keys = mb_xrealloc(f->keys, (f->n + 1) * sizeof(char *));
    f->vals = mb_xrealloc(f->vals, (f->n + 1) * sizeof(char *));
    f->keys[f->n] = mb_xstrdup(path);
    f->vals[f->n] = mb_xstrdup(v->text ? v->text : "");
    f->n++;
}

static void flat_put(struct flat *f, const char *key, const char *val)
{
    struct mb_json v = {.type = MB_JSON_STRING, .text = (char *)(val ? val : "")};
    flat_add(f, key, &v);
}

static void flat_free(struct flat *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->keys[i]);
        free(f->vals[i]);
    }
    free(f->keys);
    free(f->vals);
}

static const char *flat_get(const struct flat *f, const char *key)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->keys[i], key))
            return f->vals[i];
    return NULL;
}

static void environment_of(const struct mb_report_dir *d, struct flat *f)
{
    mb_json_flatten(d->meta, flat_add, f);
    static const int prov[] = {MB_COL_HYPERVISOR, MB_COL_ACCEL, MB_COL_HARNESS_VERSION,
                               MB_COL_IMAGE_HASH};
    for (size_t i = 0; i < sizeof(prov) / sizeof(prov[0]); i++) {
        char *k = mb_xasprintf("raw.csv %s", mb_results_columns[prov[i]].name);
        flat_put(f, k, d->provenance[prov[i]] ? d->provenance[prov[i]] : "");
        free(k);
    }
}

static void env_diff(struct mb_compare *c, const struct mb_report_dir *base,
                     const struct mb_report_dir *cur)
{
    struct flat a = {0}, b = {0};
    environment_of(base, &a);
    environment_of(cur, &b);
    for (size_t i = 0; i < a.n + b.n; i++) {
        const char *key = i < a.n ? a.keys[i] : b.keys[i - a.n];
        if (i >= a.n && flat_get(&a, key))
            continue; /* seen from BASE's side */
        const char *va = flat_get(&a, key), *vb = flat_get(&b, key);
        if (va && vb && !strcmp(va, vb))
            continue;
        c->env = mb_xrealloc(c->env, (c->nenv + 1) * sizeof(*c->env));
        c->env[c->nenv].key = mb_xstrdup(key);
        c->env[c->nenv].base = mb_xstrdup(va ? va : "");
        c->env[c->nenv].cur = mb_xstrdup(vb ? vb : "");
        c->nenv++;
    }
    flat_free(&a);
    flat_free(&b);
}

/* ---- the comparison ----------------------------------------------------------------------- */

/* A new row of c for metric m at the point pr. */
static struct mb_compare_row *row_new(struct mb_compare *c, const struct mb_compare_pair *pr, int m)
{
    c->rows = mb_xrealloc(c->rows, (c->nrows + 1) * sizeof(*c->rows));
    struct mb_compare_row *r = &c->rows[c->nrows++];
    *r = (struct mb_compare_row){.point = mb_xstrdup(pr->label),
                                 .metric = m,
                                 .base_runs = pr->base.runs,
                                 .base_failed = pr->base.failed,
                                 .cur_runs = pr->cur.runs,
                                 .cur_failed = pr->cur.failed};
    return r;
}

struct pidx {
    double p;
    size_t i;
};

static int cmp_pidx(const void *a, const void *b)
{
    const struct pidx *x = a, *y = b;
    return (x->p > y->p) - (x->p < y->p);
}

void mb_compare_adjust(const double *p, size_t n, enum mb_compare_correction how, double *adj)
{
    struct pidx *t = mb_xcalloc(n + 1, sizeof(*t));
    for (size_t i = 0; i < n; i++)
        t[i] = (struct pidx){p[i], i};
    qsort(t, n, sizeof(*t), cmp_pidx);
    if (how == MB_CMP_CORRECT_HOLM) {
        /* step down: the k-th smallest (0-based) times n - k, kept non-decreasing */
        double running = 0;
        for (size_t k = 0; k < n; k++) {
            running = fmax(running, fmin(1, (double)(n - k) * t[k].p));
            adj[t[k].i] = running;
        }
    } else if (how == MB_CMP_CORRECT_BH) {
        /* step up: the k-th smallest times n / (k + 1), kept non-increasing from the top */
        double running = 1;
        for (size_t k = n; k-- > 0;) {
            running = fmin(running, fmin(1, (double)n / (double)(k + 1) * t[k].p));
            adj[t[k].i] = running;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            adj[i] = p[i];
    }
    free(t);
}

static void adjust(struct mb_compare *c)
{
    double *p = mb_xcalloc(c->nrows + 1, sizeof(double)),
           *adj = mb_xcalloc(c->nrows + 1, sizeof(double));
    size_t *at = mb_xcalloc(c->nrows + 1, sizeof(size_t));
    size_t m = 0;
    /* only the tests a verdict is drawn from: not failed runs, not too few runs */
    for (size_t i = 0; i < c->nrows; i++)
        if (c->rows[i].metric != MB_COMPARE_FAILED_RUNS && isfinite(c->rows[i].w.p) &&
            !too_few(&c->opts, &c->rows[i])) {
            at[m] = i;
            p[m++] = c->rows[i].w.p;
        }
    mb_compare_adjust(p, m, c->opts.correction, adj);
    for (size_t k = 0; k < m; k++)
        c->rows[at[k]].p_adj = adj[k];
    c->ntests = m;
    free(p);
    free(adj);
    free(at);
}

/* The options checked and the metrics to compare into metrics[*nm] (room for MB_COL_COUNT);
 * *chosen when they were named rather than the defaults. */
static int check_opts(const struct mb_compare_opts *o, int *metrics, size_t *nm, bool *chosen,
                      struct mb_error *err)
{
    if (!(o->threshold > 0 && o->threshold < 10))
        return mb_error_set(err, MB_EINPUT, "the threshold must be above 0 %% (e.g. 5%%)");
    if (!(o->alpha > 0 && o->alpha < 1))
        return mb_error_set(err, MB_EINPUT, "the significance level must be between 0 and 1");
    if (o->min_runs < 2)
        return mb_error_set(err, MB_EINPUT,
                            "the minimum number of runs must be at least 2 (Welch's test needs "
                            "two values a side)");
    *nm = 0;
    *chosen = o->metrics && o->nmetrics;
    if (!*chosen) {
        for (size_t i = 0; i < mb_compare_ndefault_metrics; i++)
            metrics[(*nm)++] = mb_compare_default_metrics[i];
        return 0;
    }
    for (size_t i = 0; i < o->nmetrics; i++) {
        int m = mb_results_column_find(o->metrics[i]);
        if (!mb_compare_metric_ok(m)) {
            const char *names[sizeof(comparable) / sizeof(comparable[0]) + 1];
            for (size_t k = 0; k < sizeof(comparable) / sizeof(comparable[0]); k++)
                names[k] = mb_results_columns[comparable[k]].name;
            names[sizeof(comparable) / sizeof(comparable[0])] = NULL;
            const char *s = mb_suggest(o->metrics[i], names);
            return mb_error_set(err, MB_EINPUT, "--metric %s: %s%s%s%s", o->metrics[i],
                                mb_report_is_metric(m)
                                    ? "has no better direction (it describes the set-up)"
                                    : "not a metric of raw.csv",
                                s ? " — did you mean '" : "", s ? s : "", s ? "'?" : "");
        }
        if (*nm < MB_COL_COUNT)
            metrics[(*nm)++] = m;
    }
    return 0;
}

/* The failed-run row of a point: a larger share of failed runs in NEW is a regression. */
static void failed_runs_row(struct mb_compare *c, const struct mb_compare_pair *pr)
{
    struct mb_compare_row *r = row_new(c, pr, MB_COMPARE_FAILED_RUNS);
    r->w.t = r->w.df = r->w.se = r->w.mean_diff = r->w.p = r->p_adj = NAN;
    double fb = pr->base.runs ? (double)pr->base.failed / (double)pr->base.runs : 0;
    double fc = pr->cur.runs ? (double)pr->cur.failed / (double)pr->cur.runs : 0;
    r->change = fc - fb;
    r->diff_lo = r->diff_hi = r->mde = NAN;
    r->verdict = fc > fb ? MB_CMP_REGRESSED : fc < fb ? MB_CMP_IMPROVED : MB_CMP_UNCHANGED;
}

int mb_compare_sides(const struct mb_compare_pair *pairs, size_t n, const char *base_name,
                     const char *cur_name, const struct mb_compare_opts *o, struct mb_compare **out,
                     struct mb_error *err)
{
    int metrics[MB_COL_COUNT];
    size_t nm;
    bool chosen;
    int rc = check_opts(o, metrics, &nm, &chosen, err);
    if (rc)
        return rc;
    struct mb_compare *c = mb_xcalloc(1, sizeof(*c));
    c->opts = *o;
    c->base_name = mb_xstrdup(base_name);
    c->cur_name = mb_xstrdup(cur_name);
    for (size_t i = 0; i < n; i++) {
        const struct mb_compare_pair *pr = &pairs[i];
        const struct mb_report_samples *sb = pr->base.s, *sc = pr->cur.s;
        for (size_t k = 0; k < nm; k++) {
            int m = metrics[k];
            if (!sb[m].n && !sc[m].n && !chosen)
                continue; /* not measured here: say nothing */
            if (!chosen && (!pr->base.has_metric[m] || !pr->cur.has_metric[m]))
                continue;
            struct mb_compare_row *r = row_new(c, pr, m);
            mb_compare_samples(sb[m].v, sb[m].n, sc[m].v, sc[m].n, o, r);
        }
        if (pr->base.failed || pr->cur.failed)
            failed_runs_row(c, pr);
    }
    adjust(c);
    for (size_t i = 0; i < c->nrows; i++) {
        if (c->rows[i].metric != MB_COMPARE_FAILED_RUNS)
            decide(o, &c->rows[i]);
        c->count[c->rows[i].verdict]++;
    }
    *out = c;
    return 0;
}

/* Point p of d as one side of a comparison (borrowing from d). */
static struct mb_compare_side side_of(const struct mb_report_dir *d,
                                      const struct mb_report_point *p)
{
    return (struct mb_compare_side){
        .runs = p->runs, .failed = p->failed, .s = p->s, .has_metric = d->has_metric};
}

/* The labels of d's points whose keys are not among the sorted keys k[0..nk), appended to
 * *v (*n of them). */
static void points_only(const struct mb_report_dir *d, const struct keyed *k, size_t nk, char ***v,
                        size_t *n)
{
    for (size_t i = 0; i < d->npoints; i++) {
        struct keyed want = {.key = match_key(d, &d->points[i])};
        if (!bsearch(&want, k, nk, sizeof(*k), cmp_keyed)) {
            char label[600];
            mb_report_point_label(d, &d->points[i], label, sizeof(label));
            *v = mb_xrealloc(*v, (*n + 1) * sizeof(char *));
            (*v)[(*n)++] = mb_xstrdup(label);
        }
        free(want.key);
    }
}

int mb_compare_dirs(const struct mb_report_dir *base, const struct mb_report_dir *cur,
                    const struct mb_compare_opts *o, struct mb_compare **out, struct mb_error *err)
{
    int metrics[MB_COL_COUNT];
    size_t nm;
    bool chosen;
    int rc = check_opts(o, metrics, &nm, &chosen, err);
    if (rc)
        return rc;
    struct keyed *kb = keyed_points(base), *kc = keyed_points(cur);
    struct mb_compare_pair *pairs = mb_xcalloc(cur->npoints + 1, sizeof(*pairs));
    size_t matched = 0;
    for (size_t i = 0; i < cur->npoints; i++) {
        const struct mb_report_point *pc = &cur->points[i];
        struct keyed want = {.key = match_key(cur, pc)};
        struct keyed *hit = bsearch(&want, kb, base->npoints, sizeof(*kb), cmp_keyed);
        free(want.key);
        if (!hit)
            continue;
        char label[600];
        mb_report_point_label(cur, pc, label, sizeof(label));
        pairs[matched++] = (struct mb_compare_pair){
            .label = mb_xstrdup(label), .base = side_of(base, hit->p), .cur = side_of(cur, pc)};
    }
    struct mb_compare *c = NULL;
    if (!matched)
        rc = mb_error_set(err, MB_EINPUT,
                          "%s and %s have no point in common (compared by their factor "
                          "values: are they runs of the same scenario?)",
                          base->path, cur->path);
    else
        rc = mb_compare_sides(pairs, matched, base->path, cur->path, o, &c, err);
    if (rc == 0) {
        points_only(cur, kb, base->npoints, &c->only_cur, &c->nonly_cur);
        points_only(base, kc, cur->npoints, &c->only_base, &c->nonly_base);
        env_diff(c, base, cur);
        *out = c;
    }
    for (size_t i = 0; i < matched; i++)
        free((char *)pairs[i].label);
    free(pairs);
    keyed_free(kb, base->npoints);
    keyed_free(kc, cur->npoints);
    return rc;
}

void mb_compare_free(struct mb_compare *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nrows; i++)
        free(c->rows[i].point);
    free(c->rows);
    for (size_t i = 0; i < c->nenv; i++) {
        free(c->env[i].key);
        free(c->env[i].base);
        free(c->env[i].cur);
    }
    free(c->env);
    for (size_t i = 0; i < c->nonly_base; i++)
        free(c->only_base[i]);
    for (size_t i = 0; i < c->nonly_cur; i++)
        free(c->only_cur[i]);
    free(c->only_base);
    free(c->only_cur);
    free(c->base_name);
    free(c->cur_name);
    free(c);
}

/* ---- output ------------------------------------------------------------------------------- */

static const char *metric_name(int m)
{
    return m == MB_COMPARE_FAILED_RUNS ? "failed runs" : mb_results_columns[m].name;
}

static void num(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        snprintf(buf, len, "n/a");
    else if (fabs(v) >= 1e6)
        snprintf(buf, len, "%.4g", v);
    else if (fabs(v) >= 100)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.3g", v);
}

/* "1203 ± 12 ms (n 5)" */
static void side(char *buf, size_t len, const struct mb_stats_summary *s, int m, size_t runs,
                 size_t failed)
{
    if (m == MB_COMPARE_FAILED_RUNS) {
        snprintf(buf, len, "%zu of %zu", failed, runs);
        return;
    }
    char mean[32], half[32];
    num(mean, sizeof(mean), s->mean);
    const char *unit = mb_results_columns[m].unit;
    if (isfinite(s->ci95_high)) {
        num(half, sizeof(half), (s->ci95_high - s->ci95_low) / 2);
        snprintf(buf, len, "%s ± %s%s%s (n %zu)", mean, half, *unit ? " " : "", unit, s->n);
    } else {
        snprintf(buf, len, "%s%s%s (n %zu)", mean, *unit ? " " : "", unit, s->n);
    }
}

static void change_text(char *buf, size_t len, const struct mb_compare_row *r)
{
    if (r->metric == MB_COMPARE_FAILED_RUNS)
        snprintf(buf, len, "%+.0f pp", 100 * r->change);
    else if (!isfinite(r->change))
        snprintf(buf, len, "n/a");
    else if (isfinite(r->diff_lo))
        snprintf(buf, len, "%+.1f %% [%+.1f, %+.1f]", 100 * r->change, 100 * r->diff_lo,
                 100 * r->diff_hi);
    else
        snprintf(buf, len, "%+.1f %%", 100 * r->change);
}

static void p_text(char *buf, size_t len, double p)
{
    if (!isfinite(p))
        snprintf(buf, len, "—");
    else if (p < 0.0001)
        snprintf(buf, len, "<0.0001");
    else
        snprintf(buf, len, "%.4f", p);
}

/* "±4.5 %", or "" when the detectable change is unknown */
static void mde_text(char *buf, size_t len, const struct mb_compare_row *r)
{
    if (isfinite(r->mde))
        snprintf(buf, len, "±%.1f %%", 100 * r->mde);
    else
        snprintf(buf, len, "%s", "");
}

/* A row's printed cells: both sides, the change, p and the detectable change. */
struct cells {
    char base[96], cur[96], change[96], p[32], mde[32];
};

static void cells_of(const struct mb_compare_row *r, struct cells *t)
{
    side(t->base, sizeof(t->base), &r->base, r->metric, r->base_runs, r->base_failed);
    side(t->cur, sizeof(t->cur), &r->cur, r->metric, r->cur_runs, r->cur_failed);
    change_text(t->change, sizeof(t->change), r);
    p_text(t->p, sizeof(t->p), r->p_adj);
    mde_text(t->mde, sizeof(t->mde), r);
}

static void header_lines(const struct mb_compare *c, FILE *out, const char *bullet)
{
    fprintf(out, "%sbase: %s\n", bullet, c->base_name);
    fprintf(out, "%snew:  %s\n", bullet, c->cur_name);
    fprintf(out,
            "%slower is better for every metric; threshold %g %%, alpha %g%s; change = (new - "
            "base) / base of the means, with its %g %% confidence interval\n",
            bullet, 100 * c->opts.threshold, c->opts.alpha,
            c->ntests < 2 ? ""
            : c->opts.correction == MB_CMP_CORRECT_BH
                ? ", p adjusted over the tests (Benjamini-Hochberg)"
            : c->opts.correction == MB_CMP_CORRECT_HOLM ? ", p adjusted over the tests (Holm)"
                                                        : "",
            100 * (1 - c->opts.alpha));
    fprintf(out,
            "%sverdicts need %zu successful runs a side; 'could have detected' = the smallest "
            "change significant at alpha (before the correction) with %g %% power, from both "
            "sides' spread and n\n",
            bullet, c->opts.min_runs, 100 * MB_COMPARE_POWER);
}

/* "N regressed, N improved, N unchanged, N too noisy, N too few runs" and the points on one
 * side only, appended to b. */
static void summary_text(const struct mb_compare *c, struct mb_buf *b)
{
    mb_buf_printf(b, "%zu regressed, %zu improved, %zu unchanged, %zu too noisy, %zu too few runs",
                  c->count[MB_CMP_REGRESSED], c->count[MB_CMP_IMPROVED], c->count[MB_CMP_UNCHANGED],
                  c->count[MB_CMP_NOISY], c->count[MB_CMP_FEW]);
    if (c->nonly_base || c->nonly_cur)
        mb_buf_printf(b, "; points only in base: %zu, only in new: %zu", c->nonly_base,
                      c->nonly_cur);
}

static void summary_line(const struct mb_compare *c, FILE *out, const char *end)
{
    struct mb_buf b = {0};
    summary_text(c, &b);
    fputs(b.data, out);
    fputs(end, out);
    mb_buf_free(&b);
}

static void print_text(const struct mb_compare *c, FILE *out)
{
    fprintf(out, "migbench compare\n");
    header_lines(c, out, "  ");
    if (!c->nenv) {
        fprintf(out, "\nenvironment: no difference in metadata.json or raw.csv's provenance\n");
    } else {
        size_t w = 0;
        for (size_t i = 0; i < c->nenv; i++)
            w = strlen(c->env[i].key) > w ? strlen(c->env[i].key) : w;
        fprintf(out, "\nenvironment differences (base -> new):\n");
        for (size_t i = 0; i < c->nenv; i++)
            fprintf(out, "  %-*s  %s -> %s\n", (int)w, c->env[i].key,
                    *c->env[i].base ? c->env[i].base : "(absent)",
                    *c->env[i].cur ? c->env[i].cur : "(absent)");
    }
    const char *last = NULL;
    for (size_t i = 0; i < c->nrows; i++) {
        const struct mb_compare_row *r = &c->rows[i];
        if (!last || strcmp(last, r->point))
            fprintf(out, "\n%s\n", r->point);
        last = r->point;
        struct cells t;
        cells_of(r, &t);
        fprintf(out, "  %-18s %-26s -> %-26s %-24s p %-8s %s%s%s%s%s%s\n", metric_name(r->metric),
                t.base, t.cur, t.change, t.p,
                r->verdict == MB_CMP_REGRESSED ? "REGRESSED" : mb_compare_verdict_name(r->verdict),
                r->why ? " (" : "", r->why ? r->why : "", r->why ? ")" : "",
                *t.mde ? "; could have detected " : "", t.mde);
    }
    for (size_t i = 0; i < c->nonly_base; i++)
        fprintf(out, "\nonly in base: %s\n", c->only_base[i]);
    for (size_t i = 0; i < c->nonly_cur; i++)
        fprintf(out, "\nonly in new:  %s\n", c->only_cur[i]);
    fprintf(out, "\n");
    summary_line(c, out, "\n");
}

/* One side's n, runs, failed, mean and confidence interval (empty for the failed-runs
 * row, which has no mean). */
static void csv_side(struct mb_buf *b, const struct mb_stats_summary *s, size_t runs, size_t failed,
                     bool failed_runs_row)
{
    mb_buf_printf(b, ",%zu,%zu,%zu", s->n, runs, failed);
    mb_report_csv_num(b, failed_runs_row ? NAN : s->mean);
    mb_report_csv_num(b, failed_runs_row ? NAN : s->ci95_low);
    mb_report_csv_num(b, failed_runs_row ? NAN : s->ci95_high);
}

/* Print the line built in b, and empty b for the next. */
static void csv_line_out(struct mb_buf *b, FILE *out)
{
    mb_buf_append(b, "\n", 1);
    fputs(b->data, out);
    b->len = 0;
}

/* For the machine-read formats: the environment differences and the summary, on notes (if
 * non-NULL), so a CI log shows them beside the file. */
static void print_notes(const struct mb_compare *c, FILE *notes)
{
    if (!notes)
        return;
    for (size_t i = 0; i < c->nenv; i++)
        fprintf(notes, "migbench compare: environment differs: %s: %s -> %s\n", c->env[i].key,
                c->env[i].base, c->env[i].cur);
    fprintf(notes, "migbench compare: ");
    summary_line(c, notes, "\n");
}

static void print_csv(const struct mb_compare *c, FILE *out, FILE *notes)
{
    static const char *const cols[] = {"point",
                                       "metric",
                                       "base_n",
                                       "base_runs",
                                       "base_failed",
                                       "base_mean",
                                       "base_ci95_low",
                                       "base_ci95_high",
                                       "new_n",
                                       "new_runs",
                                       "new_failed",
                                       "new_mean",
                                       "new_ci95_low",
                                       "new_ci95_high",
                                       "change_pct",
                                       "change_ci_low_pct",
                                       "change_ci_high_pct",
                                       "t",
                                       "df",
                                       "p",
                                       "p_adjusted",
                                       "verdict",
                                       "note",
                                       "mde_pct"};
    struct mb_buf line = {0};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        mb_report_csv_field(&line, cols[i], i == 0);
    csv_line_out(&line, out);
    for (size_t i = 0; i < c->nrows; i++) {
        const struct mb_compare_row *r = &c->rows[i];
        bool fr = r->metric == MB_COMPARE_FAILED_RUNS;
        mb_report_csv_field(&line, r->point, true);
        mb_report_csv_field(&line, fr ? "failed_runs" : mb_results_columns[r->metric].name, false);
        csv_side(&line, &r->base, r->base_runs, r->base_failed, fr);
        csv_side(&line, &r->cur, r->cur_runs, r->cur_failed, fr);
        mb_report_csv_num(&line, 100 * r->change);
        mb_report_csv_num(&line, 100 * r->diff_lo);
        mb_report_csv_num(&line, 100 * r->diff_hi);
        mb_report_csv_num(&line, r->w.t);
        mb_report_csv_num(&line, r->w.df);
        mb_report_csv_num(&line, r->w.p);
        mb_report_csv_num(&line, r->p_adj);
        mb_report_csv_field(&line, mb_compare_verdict_name(r->verdict), false);
        mb_report_csv_field(&line, r->why ? r->why : "", false);
        mb_report_csv_num(&line, 100 * r->mde);
        csv_line_out(&line, out);
    }
    mb_buf_free(&line);
    print_notes(c, notes);
}

static void md_cell(FILE *out, const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '|' || *p == '\\' || *p == '`' || *p == '*' || *p == '_' || *p == '<')
            fputc('\\', out);
        fputc(*p == '\n' ? ' ' : *p, out);
    }
}

/* A Markdown list item per point, each after lead. */
static void md_points(FILE *out, const char *lead, char *const *points, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fputs(lead, out);
        md_cell(out, points[i]);
        fputs("\n", out);
    }
}

static void print_md(const struct mb_compare *c, FILE *out)
{
    fprintf(out, "## migbench compare\n\n");
    header_lines(c, out, "- ");
    fprintf(out, "- result: **");
    summary_line(c, out, "**\n\n");
    if (c->nenv) {
        fprintf(out, "### Environment differences\n\n| field | base | new |\n|---|---|---|\n");
        for (size_t i = 0; i < c->nenv; i++) {
            fprintf(out, "| `%s` | ", c->env[i].key);
            md_cell(out, c->env[i].base);
            fprintf(out, " | ");
            md_cell(out, c->env[i].cur);
            fprintf(out, " |\n");
        }
        fprintf(out, "\n");
    } else {
        fprintf(out, "Environment: no difference in metadata.json or raw.csv's provenance.\n\n");
    }
    fprintf(out,
            "| point | metric | base | new | change [CI] | p | verdict | could have detected |\n"
            "|---|---|---:|---:|---:|---:|---|---:|\n");
    for (size_t i = 0; i < c->nrows; i++) {
        const struct mb_compare_row *r = &c->rows[i];
        struct cells t;
        cells_of(r, &t);
        fprintf(out, "| ");
        md_cell(out, r->point);
        fprintf(out, " | `%s` | %s | %s | %s | %s | %s | %s |\n", metric_name(r->metric), t.base,
                t.cur, t.change, t.p,
                r->verdict == MB_CMP_REGRESSED ? "**regressed**"
                                               : mb_compare_verdict_name(r->verdict),
                *t.mde ? t.mde : "—");
    }
    fprintf(out, "\n");
    md_points(out, "- only in base: ", c->only_base, c->nonly_base);
    md_points(out, "- only in new: ", c->only_cur, c->nonly_cur);
}

/* ---- JUnit XML ------------------------------------------------------------------------------ */

/* s as XML character data or attribute value: the five special characters as entities,
 * tab and line ends as character references (an attribute would fold them into spaces),
 * the other control characters, which XML 1.0 cannot carry at all, as '?'. */
static void xml_text(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&apos;", out);
            break;
        case '\t':
        case '\n':
        case '\r':
            fprintf(out, "&#%d;", *p);
            break;
        default:
            fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
        }
    }
}

/* <property name="NAME" value="VALUE"/> at indent ind */
static void xml_property(FILE *out, int ind, const char *name, const char *value)
{
    fprintf(out, "%*s<property name=\"", ind, "");
    xml_text(out, name);
    fputs("\" value=\"", out);
    xml_text(out, value);
    fputs("\"/>\n", out);
}

/* A number as a property, left out when it is not finite. */
static void xml_number(FILE *out, int ind, const char *name, double v)
{
    char buf[40];
    if (!isfinite(v))
        return;
    snprintf(buf, sizeof(buf), "%.10g", v);
    xml_property(out, ind, name, buf);
}

static void junit_suite_properties(const struct mb_compare *c, FILE *out)
{
    static const char *const corr[] = {
        [MB_CMP_CORRECT_BH] = "bh", [MB_CMP_CORRECT_HOLM] = "holm", [MB_CMP_CORRECT_NONE] = "none"};
    fputs("    <properties>\n", out);
    xml_property(out, 6, "base", c->base_name);
    xml_property(out, 6, "new", c->cur_name);
    xml_number(out, 6, "threshold_pct", 100 * c->opts.threshold);
    xml_number(out, 6, "alpha", c->opts.alpha);
    xml_property(out, 6, "correction", corr[c->opts.correction]);
    xml_number(out, 6, "min_runs", (double)c->opts.min_runs);
    xml_number(out, 6, "power_pct", 100 * MB_COMPARE_POWER);
    struct mb_buf b = {0};
    summary_text(c, &b);
    xml_property(out, 6, "summary", b.data);
    for (size_t i = 0; i < c->nenv; i++) {
        b.len = 0;
        mb_buf_printf(&b, "%s -> %s", *c->env[i].base ? c->env[i].base : "(absent)",
                      *c->env[i].cur ? c->env[i].cur : "(absent)");
        char *name = mb_xasprintf("environment %s", c->env[i].key);
        xml_property(out, 6, name, b.data);
        free(name);
    }
    mb_buf_free(&b);
    for (size_t i = 0; i < c->nonly_base; i++)
        xml_property(out, 6, "only in base", c->only_base[i]);
    for (size_t i = 0; i < c->nonly_cur; i++)
        xml_property(out, 6, "only in new", c->only_cur[i]);
    fputs("    </properties>\n", out);
}

/* The numbers of one row, both sides then the change. */
static void junit_row_properties(const struct mb_compare_row *r, FILE *out)
{
    bool fr = r->metric == MB_COMPARE_FAILED_RUNS;
    const struct {
        const char *side;
        const struct mb_stats_summary *s;
        size_t runs, failed;
    } sides[] = {{"base", &r->base, r->base_runs, r->base_failed},
                 {"new", &r->cur, r->cur_runs, r->cur_failed}};
    fputs("      <properties>\n", out);
    for (size_t k = 0; k < 2; k++) {
        char name[32];
        const char *f[] = {"n", "runs", "failed", "mean", "ci95_low", "ci95_high"};
        double v[] = {(double)sides[k].s->n,           (double)sides[k].runs,
                      (double)sides[k].failed,         fr ? NAN : sides[k].s->mean,
                      fr ? NAN : sides[k].s->ci95_low, fr ? NAN : sides[k].s->ci95_high};
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
            snprintf(name, sizeof(name), "%s_%s", sides[k].side, f[i]);
            xml_number(out, 8, name, v[i]);
        }
    }
    xml_number(out, 8, "change_pct", 100 * r->change);
    xml_number(out, 8, "change_ci_low_pct", 100 * r->diff_lo);
    xml_number(out, 8, "change_ci_high_pct", 100 * r->diff_hi);
    xml_number(out, 8, "p", r->w.p);
    xml_number(out, 8, "p_adjusted", r->p_adj);
    xml_number(out, 8, "mde_pct", 100 * r->mde);
    xml_property(out, 8, "verdict", mb_compare_verdict_name(r->verdict));
    fputs("      </properties>\n", out);
}

/* One testcase: a failure when regressed, skipped when no verdict could be drawn (too
 * noisy, too few runs), passed otherwise. */
static void junit_case(const struct mb_compare_row *r, FILE *out)
{
    struct cells t;
    cells_of(r, &t);
    fputs("    <testcase classname=\"", out);
    xml_text(out, r->point);
    fputs("\" name=\"", out);
    xml_text(out, metric_name(r->metric));
    fputs("\">\n", out);
    junit_row_properties(r, out);
    struct mb_buf msg = {0};
    mb_buf_printf(&msg, "%s: %s -> %s, change %s, p %s", mb_compare_verdict_name(r->verdict),
                  t.base, t.cur, t.change, t.p);
    if (r->why)
        mb_buf_printf(&msg, " (%s)", r->why);
    if (*t.mde)
        mb_buf_printf(&msg, "; could have detected %s", t.mde);
    const char *tag = r->verdict == MB_CMP_REGRESSED                           ? "failure"
                      : r->verdict == MB_CMP_NOISY || r->verdict == MB_CMP_FEW ? "skipped"
                                                                               : NULL;
    if (tag) {
        fprintf(out, "      <%s type=\"%s\" message=\"", tag, mb_compare_verdict_name(r->verdict));
        xml_text(out, msg.data);
        fputs("\"/>\n", out);
    }
    mb_buf_free(&msg);
    fputs("    </testcase>\n", out);
}

/* One testsuite for the pair of directories compared, a testcase per point and metric. */
static void print_junit(const struct mb_compare *c, FILE *out, FILE *notes)
{
    size_t fails = c->count[MB_CMP_REGRESSED],
           skips = c->count[MB_CMP_NOISY] + c->count[MB_CMP_FEW];
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out,
            "<testsuites name=\"migbench compare\" tests=\"%zu\" failures=\"%zu\" "
            "errors=\"0\" skipped=\"%zu\">\n",
            c->nrows, fails, skips);
    fputs("  <testsuite name=\"", out);
    xml_text(out, c->base_name);
    xml_text(out, " -> ");
    xml_text(out, c->cur_name);
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", c->nrows,
            fails, skips);
    junit_suite_properties(c, out);
    for (size_t i = 0; i < c->nrows; i++)
        junit_case(&c->rows[i], out);
    fputs("  </testsuite>\n</testsuites>\n", out);
    print_notes(c, notes);
}

void mb_compare_print(const struct mb_compare *c, enum mb_compare_format f, FILE *out, FILE *notes)
{
    switch (f) {
    case MB_CMP_CSV:
        print_csv(c, out, notes);
        break;
    case MB_CMP_MARKDOWN:
        print_md(c, out);
        break;
    case MB_CMP_JUNIT:
        print_junit(c, out, notes);
        break;
    default:
        print_text(c, out);
    }
}
