/* report_points.c — reading a loaded directory's points: a metric's value, labels,
 * formatted values, and slices (the points that differ only in chosen factors), which
 * the claims and the figures both walk. */
#include "report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double mb_report_value(const struct mb_report_point *p, int metric)
{
    const struct mb_stats_summary *s = &p->sum[metric];
    if (!s->n)
        return NAN;
    return isnan(s->trimmed_mean) ? s->mean : s->trimmed_mean;
}

int mb_report_factor_find(const struct mb_report_dir *d, const char *key)
{
    for (size_t f = 0; f < d->nfactors; f++)
        if (!strcmp(d->factors[f].key, key))
            return (int)f;
    return -1;
}

void mb_report_point_label(const struct mb_report_dir *d, const struct mb_report_point *p,
                           char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t f = 0; f < d->nfactors && n < len; f++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", f ? ", " : "", d->factors[f].key,
                              p->values[f]);
    if (d->max_hop > 1 && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%shop %u", n ? ", " : "", p->hop);
    if (!n)
        snprintf(buf, len, "(no factors)");
}

void mb_report_fmt_value(int metric, double v, char *buf, size_t len)
{
    const char *unit = metric >= 0 ? mb_results_columns[metric].unit : "";
    if (!isfinite(v))
        snprintf(buf, len, "n/a");
    else if (!strcmp(unit, "ms") && fabs(v) >= 10000)
        snprintf(buf, len, "%.2f s", v / 1000);
    else if (!strcmp(unit, "ms"))
        snprintf(buf, len, fabs(v) >= 100 ? "%.0f ms" : "%.3g ms", v);
    else if (!strcmp(unit, "bytes"))
        snprintf(buf, len, "%.1f MiB", v / 1048576);
    else if (!strcmp(unit, "%"))
        snprintf(buf, len, "%.1f %%", v);
    else if (!strcmp(unit, "KiB"))
        snprintf(buf, len, "%.0f KiB", v);
    else
        snprintf(buf, len, "%.4g%s%s", v, *unit ? " " : "", unit);
}

int mb_report_level_index(const struct mb_report_factor *f, const char *v)
{
    for (size_t k = 0; k < f->nlevels; k++)
        if (!strcmp(f->levels[k], v))
            return (int)k;
    return -1;
}

/* Factor g moves in step with factor f (a zip: each level of one goes with exactly one
 * level of the other at every point), so fixing f fixes g too. */
static bool zipped_with(const struct mb_report_dir *d, size_t f, size_t g)
{
    if (f == g || d->factors[f].nlevels != d->factors[g].nlevels || d->factors[f].nlevels < 2)
        return false;
    for (size_t i = 0; i < d->npoints; i++)
        for (size_t j = i + 1; j < d->npoints; j++) {
            bool same_f = !strcmp(d->points[i].values[f] ? d->points[i].values[f] : "",
                                  d->points[j].values[f] ? d->points[j].values[f] : "");
            bool same_g = !strcmp(d->points[i].values[g] ? d->points[i].values[g] : "",
                                  d->points[j].values[g] ? d->points[j].values[g] : "");
            if (same_f != same_g)
                return false;
        }
    return true;
}

size_t mb_report_slices_make(const struct mb_report_dir *d, const int *fixed, size_t nfixed,
                             struct mb_report_slice **out)
{
    size_t ncells = 1;
    for (size_t k = 0; k < nfixed; k++)
        ncells *= d->factors[fixed[k]].nlevels ? d->factors[fixed[k]].nlevels : 1;
    struct mb_report_slice *sl = NULL;
    size_t n = 0;
    bool *is_fixed = mb_xcalloc(d->nfactors + 1, sizeof(bool));
    for (size_t f = 0; f < d->nfactors; f++)
        for (size_t k = 0; k < nfixed; k++)
            is_fixed[f] |= fixed[k] == (int)f || zipped_with(d, (size_t)fixed[k], f);
    for (size_t i = 0; i < d->npoints; i++) {
        const struct mb_report_point *p = &d->points[i];
        char label[512] = "";
        size_t len = 0;
        for (size_t f = 0; f < d->nfactors; f++) {
            if (!is_fixed[f] && len < sizeof(label))
                len += (size_t)snprintf(label + len, sizeof(label) - len, "%s%s=%s",
                                        len ? ", " : "", d->factors[f].key, p->values[f]);
        }
        if (d->max_hop > 1 && len < sizeof(label))
            snprintf(label + len, sizeof(label) - len, "%shop %u", len ? ", " : "", p->hop);
        size_t s = 0;
        while (s < n && strcmp(sl[s].label, label))
            s++;
        if (s == n) {
            sl = mb_xrealloc(sl, (n + 1) * sizeof(*sl));
            snprintf(sl[n].label, sizeof(sl[n].label), "%s", label);
            sl[n].at = mb_xcalloc(ncells, sizeof(*sl[n].at));
            n++;
        }
        size_t cell = 0;
        for (size_t k = 0; k < nfixed; k++) {
            const struct mb_report_factor *f = &d->factors[fixed[k]];
            cell = cell * f->nlevels + (size_t)mb_report_level_index(f, p->values[fixed[k]]);
        }
        if (!sl[s].at[cell])
            sl[s].at[cell] = p;
    }
    free(is_fixed);
    *out = sl;
    return n;
}

void mb_report_slices_free(struct mb_report_slice *sl, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(sl[i].at);
    free(sl);
}

const char *mb_report_slice_prefix(const struct mb_report_slice *s, char *buf, size_t len)
{
    if (!s->label[0])
        return "";
    snprintf(buf, len, "%s: ", s->label);
    return buf;
}

static void ci_of(const struct mb_report_point *p, int m, double *v, double *lo, double *hi)
{
    *v = p ? mb_report_value(p, m) : NAN;
    *lo = p ? p->sum[m].ci95_low : NAN;
    *hi = p ? p->sum[m].ci95_high : NAN;
}

void mb_report_rvc_at(const struct mb_report_dir *d, const struct mb_report_slice *s, int fc,
                      int fs, int m, size_t level, struct mb_report_rvc *o)
{
    const struct mb_report_factor *cnt = &d->factors[fc];
    size_t ns = fs >= 0 ? d->factors[fs].nlevels : 1;
    const struct mb_report_point *par = NULL, *seq = NULL, *one = NULL;
    for (size_t k = 0; k < ns; k++) {
        const struct mb_report_point *p = s->at[level * ns + k];
        const char *strat = fs >= 0 ? d->factors[fs].levels[k] : (p ? p->strategy : "");
        if (p && !strcmp(strat, "parallel"))
            par = p;
        else if (p && !strcmp(strat, "sequential"))
            seq = p;
    }
    for (size_t l = 0; l < cnt->nlevels; l++)
        if (cnt->num[l] == 1)
            for (size_t k = 0; k < ns; k++) {
                const struct mb_report_point *p = s->at[l * ns + k];
                const char *strat = fs >= 0 ? d->factors[fs].levels[k] : (p ? p->strategy : "");
                if (p && isfinite(mb_report_value(p, m)) && (!one || !strcmp(strat, "sequential")))
                    one = p;
            }
    o->n = cnt->num[level];
    ci_of(par, m, &o->real, &o->real_lo, &o->real_hi);
    ci_of(seq, m, &o->seq, &o->seq_lo, &o->seq_hi);
    double t1, lo, hi;
    if (one)
        ci_of(one, m, &t1, &lo, &hi);
    else
        ci_of(seq, MB_COL_WALL_TIME_MS, &t1, &lo, &hi);
    o->real_s = par ? &par->s[m] : NULL;
    o->unit_s = one ? &one->s[m] : seq ? &seq->s[MB_COL_WALL_TIME_MS] : NULL;
    o->unit_shared = one != NULL;
    o->comp = o->n * t1;
    o->comp_lo = o->n * lo;
    o->comp_hi = o->n * hi;
}
