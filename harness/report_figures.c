/* report_figures.c — the figures of a loaded directory as plot.h specifications: the
 * scenario's plots: entries, or the defaults (docs/report.md). */
#include "report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What to draw: a scenario plot entry, or a default. */
struct plot_req {
    const char *x, *series, *title;
    const char *const *y;
    size_t ny;
    enum mb_plot_kind kind;
};

struct figs {
    struct mb_plot_fig *v;
    size_t n;
};

static struct mb_plot_fig *fig_new(struct figs *F)
{
    F->v = mb_xrealloc(F->v, (F->n + 1) * sizeof(*F->v));
    return &F->v[F->n++];
}

static const char *last_component(const char *key)
{
    const char *dot = strrchr(key, '.');
    return dot ? dot + 1 : key;
}

static char *ylabel_of(int m)
{
    const char *unit = mb_results_columns[m].unit;
    return *unit ? mb_xasprintf("%s (%s)", mb_results_columns[m].name, unit)
                 : mb_xstrdup(mb_results_columns[m].name);
}

static char *fig_title(const struct mb_report_dir *d, const struct plot_req *q, int m,
                       const char *slice)
{
    struct mb_buf b = {0};
    if (q->title && q->ny > 1)
        mb_buf_printf(&b, "%s: %s — %s", d->name, q->title, mb_results_columns[m].name);
    else if (q->title)
        mb_buf_printf(&b, "%s: %s", d->name, q->title);
    else if (q->kind == MB_PLOT_REAL_VS_COMPUTED)
        mb_buf_printf(&b, "%s: parallel migration, real vs computed time", d->name);
    else
        mb_buf_printf(&b, "%s: %s by %s%s%s", d->name, mb_results_columns[m].name, q->x,
                      q->series ? " and " : "", q->series ? q->series : "");
    if (slice && *slice)
        mb_buf_printf(&b, " (%s)", slice);
    return b.data;
}

static char *caption_of(const struct mb_report_dir *d, enum mb_plot_kind k)
{
    char trim[160];
    if (d->trim)
        snprintf(trim, sizeof(trim),
                 "trimmed mean of the successful runs (%zu dropped at each end; the plain mean "
                 "where fewer than %zu runs succeeded)",
                 d->trim, 2 * d->trim + 1);
    else
        snprintf(trim, sizeof(trim), "mean of the successful runs");
    if (k == MB_PLOT_HEATMAP)
        return mb_xasprintf("Each cell: %s.", trim);
    if (k == MB_PLOT_REAL_VS_COMPUTED)
        return mb_xasprintf(
            "Real: makespan of the parallel batch (first start to last end). Computed: N times "
            "the time of one VM migrated alone (the single-VM runs, or the mean per-VM time of "
            "the sequential batch at N). Sequential: makespan of the sequential batch. Points: "
            "%s; error bars: 95 %% CI of the mean.",
            trim);
    return mb_xasprintf("Points: %s; error bars: 95 %% confidence interval of the mean.", trim);
}

static bool geometric(const struct mb_report_factor *f)
{
    if (!f->numeric || f->nlevels < 3 || f->num[0] <= 0)
        return false;
    for (size_t k = 0; k + 1 < f->nlevels; k++)
        if (f->num[k + 1] < 1.5 * f->num[k])
            return false;
    return true;
}

/* line and bars: one series per combination of the series factor and every factor
 * that is not on the x axis */
static void fig_sweep(const struct mb_report_dir *d, const struct plot_req *q, int m, int fx,
                      int fs, const char *name, struct figs *F)
{
    const struct mb_report_factor *X = &d->factors[fx];
    bool numeric = q->kind == MB_PLOT_LINE && X->numeric;
    struct mb_plot_fig *f = fig_new(F);
    char *title = fig_title(d, q, m, NULL), *yl = ylabel_of(m);
    mb_plot_fig_init(f, q->kind, name, title, X->key, yl, X->nlevels, numeric);
    free(title);
    free(yl);
    for (size_t k = 0; k < X->nlevels; k++) {
        f->xlabels[k] = mb_xstrdup(X->levels[k]);
        if (numeric)
            f->x[k] = X->num[k];
    }
    f->xlog = numeric && geometric(X);
    f->caption = caption_of(d, q->kind);
    /* series keys: the series factor first, then the others */
    char **keys = NULL;
    int *order = NULL;
    size_t nkeys = 0;
    for (size_t i = 0; i < d->npoints; i++) {
        const struct mb_report_point *p = &d->points[i];
        char key[512] = "";
        size_t len = 0;
        if (fs >= 0)
            len += (size_t)snprintf(key, sizeof(key), "%s=%s", last_component(d->factors[fs].key),
                                    p->values[fs]);
        for (size_t g = 0; g < d->nfactors && len < sizeof(key); g++)
            if ((int)g != fx && (int)g != fs)
                len += (size_t)snprintf(key + len, sizeof(key) - len, "%s%s=%s", len ? ", " : "",
                                        last_component(d->factors[g].key), p->values[g]);
        if (d->max_hop > 1 && len < sizeof(key))
            snprintf(key + len, sizeof(key) - len, "%shop %u", len ? ", " : "", p->hop);
        size_t s = 0;
        while (s < nkeys && strcmp(keys[s], key))
            s++;
        if (s == nkeys) {
            keys = mb_xrealloc(keys, (nkeys + 1) * sizeof(char *));
            order = mb_xrealloc(order, (nkeys + 1) * sizeof(int));
            keys[nkeys] = mb_xstrdup(key);
            order[nkeys] = fs >= 0 ? mb_report_level_index(&d->factors[fs], p->values[fs]) : 0;
            nkeys++;
            mb_plot_fig_add_series(f, key);
        }
        struct mb_plot_series *se = &f->series[s];
        int k = mb_report_level_index(X, p->values[fx]);
        se->y[k] = mb_report_value(p, m);
        se->lo[k] = p->sum[m].ci95_low;
        se->hi[k] = p->sum[m].ci95_high;
    }
    /* series in the order of the series factor's levels (stable) */
    for (size_t i = 1; i < nkeys; i++)
        for (size_t j = i; j > 0 && order[j - 1] > order[j]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
            struct mb_plot_series s = f->series[j];
            f->series[j] = f->series[j - 1];
            f->series[j - 1] = s;
        }
    for (size_t i = 0; i < nkeys; i++)
        free(keys[i]);
    free(keys);
    free(order);
}

static void fig_heatmap(const struct mb_report_dir *d, const struct plot_req *q, int m, int fx,
                        int fr, const char *name, struct figs *F)
{
    const struct mb_report_factor *X = &d->factors[fx], *R = &d->factors[fr];
    int fixed[2] = {fr, fx};
    struct mb_report_slice *sl;
    size_t ns = mb_report_slices_make(d, fixed, 2, &sl);
    for (size_t s = 0; s < ns; s++) {
        struct mb_plot_fig *f = fig_new(F);
        char *title = fig_title(d, q, m, sl[s].label);
        char *fname = ns > 1 ? mb_xasprintf("%s-s%zu", name, s + 1) : mb_xstrdup(name);
        mb_plot_fig_init(f, MB_PLOT_HEATMAP, fname, title, X->key, R->key, X->nlevels, false);
        free(title);
        free(fname);
        f->caption = caption_of(d, MB_PLOT_HEATMAP);
        char *cap = f->caption;
        f->caption = mb_xasprintf("%s Rows: %s; columns: %s; values: %s.", cap, R->key, X->key,
                                  mb_results_columns[m].name);
        free(cap);
        for (size_t k = 0; k < X->nlevels; k++)
            f->xlabels[k] = mb_xstrdup(X->levels[k]);
        for (size_t r = 0; r < R->nlevels; r++) {
            struct mb_plot_series *se = mb_plot_fig_add_series(f, R->levels[r]);
            for (size_t k = 0; k < X->nlevels; k++) {
                const struct mb_report_point *p = sl[s].at[r * X->nlevels + k];
                se->y[k] = p ? mb_report_value(p, m) : NAN;
            }
        }
    }
    mb_report_slices_free(sl, ns);
}

static void fig_rvc(const struct mb_report_dir *d, const struct plot_req *q, int m, int fc,
                    const char *name, struct figs *F)
{
    const struct mb_report_factor *C = &d->factors[fc];
    int fs = mb_report_factor_find(d, "migration.strategy");
    int fixed[2] = {fc, fs};
    struct mb_report_slice *sl;
    size_t ns = mb_report_slices_make(d, fixed, fs >= 0 ? 2 : 1, &sl);
    for (size_t s = 0; s < ns; s++) {
        struct mb_plot_fig *f = fig_new(F);
        char *title = fig_title(d, q, m, sl[s].label), *yl = ylabel_of(m);
        char *fname = ns > 1 ? mb_xasprintf("%s-s%zu", name, s + 1) : mb_xstrdup(name);
        mb_plot_fig_init(f, MB_PLOT_REAL_VS_COMPUTED, fname, title, C->key, yl, C->nlevels, true);
        free(title);
        free(yl);
        free(fname);
        f->caption = caption_of(d, MB_PLOT_REAL_VS_COMPUTED);
        for (size_t k = 0; k < C->nlevels; k++) {
            f->xlabels[k] = mb_xstrdup(C->levels[k]);
            f->x[k] = C->num[k];
        }
        f->xlog = geometric(C);
        mb_plot_fig_add_series(f, "real (parallel)");
        mb_plot_fig_add_series(f, "computed (N × one VM)");
        mb_plot_fig_add_series(f, "sequential");
        bool any_seq = false;
        for (size_t k = 0; k < C->nlevels; k++) {
            struct mb_report_rvc o;
            mb_report_rvc_at(d, &sl[s], fc, fs, m, k, &o);
            f->series[0].y[k] = o.real;
            f->series[0].lo[k] = o.real_lo;
            f->series[0].hi[k] = o.real_hi;
            f->series[1].y[k] = o.comp;
            f->series[1].lo[k] = o.comp_lo;
            f->series[1].hi[k] = o.comp_hi;
            f->series[2].y[k] = o.seq;
            f->series[2].lo[k] = o.seq_lo;
            f->series[2].hi[k] = o.seq_hi;
            any_seq |= isfinite(o.seq);
        }
        if (!any_seq) {
            f->nseries--;
            free(f->series[2].title);
            free(f->series[2].y);
            free(f->series[2].lo);
            free(f->series[2].hi);
        }
    }
    mb_report_slices_free(sl, ns);
}

static void figs_for(const struct mb_report_dir *d, const struct plot_req *q, const char *stem,
                     size_t index, struct figs *F)
{
    int fx = mb_report_factor_find(d, q->x);
    int fs = q->series ? mb_report_factor_find(d, q->series) : -1;
    if (fx < 0 || (q->series && fs < 0))
        return; /* the scenario's plot names a factor raw.csv does not vary */
    for (size_t i = 0; i < q->ny; i++) {
        int m = mb_results_column_find(q->y[i]);
        if (!mb_report_is_metric(m) || !d->has_metric[m])
            continue;
        char *name = mb_xasprintf("%s-%zu-%s", stem, index, q->y[i]);
        switch (q->kind) {
        case MB_PLOT_HEATMAP: {
            int fr = fs;
            for (size_t g = 0; fr < 0 && g < d->nfactors; g++)
                if ((int)g != fx)
                    fr = (int)g;
            if (fr >= 0)
                fig_heatmap(d, q, m, fx, fr, name, F);
            else {
                struct plot_req b = *q;
                b.kind = MB_PLOT_BARS;
                fig_sweep(d, &b, m, fx, -1, name, F);
            }
            break;
        }
        case MB_PLOT_REAL_VS_COMPUTED:
            if (d->factors[fx].numeric)
                fig_rvc(d, q, m, fx, name, F);
            break;
        default:
            fig_sweep(d, q, m, fx, fs, name, F);
        }
        free(name);
    }
}

size_t mb_report_figures(const struct mb_report_dir *d, const char *stem, struct mb_plot_fig **out)
{
    struct figs F = {0};
    const struct mb_scenario *s = d->scenario;
    if (s && s->nplots) {
        for (size_t i = 0; i < s->nplots; i++) {
            const struct mb_plot *p = &s->plots[i];
            int k = mb_plot_kind_find(p->kind);
            struct plot_req q = {.x = p->x,
                                 .series = p->series,
                                 .title = p->title,
                                 .y = (const char *const *)p->y,
                                 .ny = p->ny,
                                 .kind = k < 0 ? MB_PLOT_LINE : (enum mb_plot_kind)k};
            figs_for(d, &q, stem, i + 1, &F);
        }
    } else if (d->nfactors) {
        /* defaults: parallel vs computed when the VM count and the strategy vary, then a
         * sweep over the first numeric factor (else the first factor) */
        size_t index = 1;
        int fc = mb_report_factor_find(d, "vms.count");
        int fs = mb_report_factor_find(d, "migration.strategy");
        bool parallel = fs >= 0 && mb_report_level_index(&d->factors[fs], "parallel") >= 0;
        for (size_t i = 0; fs < 0 && i < d->npoints; i++)
            parallel |= !strcmp(d->points[i].strategy, "parallel");
        if (fc >= 0 && d->factors[fc].numeric && parallel) {
            static const char *const y[] = {"batch_makespan_ms"};
            struct plot_req q = {
                .x = "vms.count", .y = y, .ny = 1, .kind = MB_PLOT_REAL_VS_COMPUTED};
            figs_for(d, &q, stem, index++, &F);
        }
        int fx = 0;
        for (size_t g = d->nfactors; g-- > 0;)
            if (d->factors[g].numeric)
                fx = (int)g;
        static const char *const y[] = {"total_time_ms", "downtime_ms", "overhead_pct"};
        struct plot_req q = {.x = d->factors[fx].key,
                             .y = y,
                             .ny = 3,
                             .kind = d->factors[fx].numeric ? MB_PLOT_LINE : MB_PLOT_BARS};
        figs_for(d, &q, stem, index, &F);
    }
    *out = F.v;
    return F.n;
}
