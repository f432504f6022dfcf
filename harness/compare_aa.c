/* compare_aa.c — the A/A calibration of compare (see compare.h): one campaign's runs split
 * at random into two halves, point by point, compared with compare's own decision; where
 * nothing changed, every flag is a false positive. */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* SplitMix64: portable, so a seed gives the same halves on every machine. */
static uint64_t next_random(uint64_t *state)
{
    return mb_mix64(*state += 0x9e3779b97f4a7c15ull);
}

void mb_compare_aa_split(size_t runs, uint64_t seed, size_t split, size_t point,
                         unsigned char *half)
{
    /* a generator per split and point: a point's halves do not depend on the other points,
     * and the hops of one point, which share their runs, are split alike */
    uint64_t st = mb_mix64(mb_mix64(mb_mix64(seed) + split) + point);
    size_t *perm = mb_xcalloc(runs + 1, sizeof(size_t));
    for (size_t i = 0; i < runs; i++)
        perm[i] = i;
    for (size_t i = runs; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)(next_random(&st) % i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    size_t h = runs / 2;
    for (size_t i = 0; i < runs; i++)
        half[perm[i]] = i < h ? 0 : i < 2 * h ? 1 : 2;
    free(perm);
}

/* A point's runs shared out between two halves: their values per metric, runs and failed. */
struct halves {
    struct mb_report_samples s[2][MB_COL_COUNT];
    size_t runs[2], failed[2];
};

static void halves_of(const struct mb_report_point *p, const unsigned char *half, struct halves *h)
{
    memset(h, 0, sizeof(*h));
    for (size_t r = 0; r < p->runs; r++)
        if (half[r] < 2) {
            h->runs[half[r]]++;
            h->failed[half[r]] += p->run_failed[r] != 0;
        }
    for (int c = 0; c < MB_COL_COUNT; c++) {
        const struct mb_report_samples *s = &p->s[c];
        if (!s->n)
            continue;
        for (int k = 0; k < 2; k++)
            h->s[k][c].v = mb_xcalloc(s->n, sizeof(double));
        for (size_t j = 0; j < s->n; j++) {
            unsigned k = half[s->run[j]];
            if (k < 2)
                h->s[k][c].v[h->s[k][c].n++] = s->v[j];
        }
    }
}

static void halves_free(struct halves *h)
{
    for (int k = 0; k < 2; k++)
        for (int c = 0; c < MB_COL_COUNT; c++)
            free(h->s[k][c].v);
}

/* Is a side of d's comparisons too small for any verdict?  Then say so: every row would be
 * "too few runs", and a false-positive rate of 0 would mean nothing. */
static int check_size(const struct mb_report_dir *d, const struct mb_compare_opts *o,
                      struct mb_error *err)
{
    size_t most = 0;
    for (size_t i = 0; i < d->npoints; i++)
        most = d->points[i].runs / 2 > most ? d->points[i].runs / 2 : most;
    if (!d->npoints)
        return mb_error_set(err, MB_EINPUT, "%s has no runs to split", d->path);
    size_t min = o->min_runs > 2 ? o->min_runs : 2;
    if (most < min)
        return mb_error_set(err, MB_EINPUT,
                            "%s: a half holds at most %zu runs of a point, below the minimum of "
                            "%zu for a verdict: an A/A calibration needs at least %zu runs per "
                            "point (or a lower --min-runs)",
                            d->path, most, min, 2 * min);
    return 0;
}

/* One A/A comparison, split number k: its verdicts added to a. */
static int one_split(const struct mb_report_dir *d, size_t k, struct mb_compare_pair *pairs,
                     struct halves *hv, unsigned char *half, struct mb_compare_aa *a,
                     struct mb_error *err)
{
    for (size_t i = 0; i < d->npoints; i++) {
        const struct mb_report_point *p = &d->points[i];
        mb_compare_aa_split(p->runs, a->seed, k, p->index, half);
        halves_of(p, half, &hv[i]);
        pairs[i].base = (struct mb_compare_side){.runs = hv[i].runs[0],
                                                 .failed = hv[i].failed[0],
                                                 .s = hv[i].s[0],
                                                 .has_metric = d->has_metric};
        pairs[i].cur = (struct mb_compare_side){.runs = hv[i].runs[1],
                                                .failed = hv[i].failed[1],
                                                .s = hv[i].s[1],
                                                .has_metric = d->has_metric};
    }
    struct mb_compare *c = NULL;
    int rc = mb_compare_sides(pairs, d->npoints, "half A", "half B", &a->opts, &c, err);
    for (size_t i = 0; i < d->npoints; i++)
        halves_free(&hv[i]);
    if (rc)
        return rc;
    bool any = false, metric = false;
    for (size_t i = 0; i < c->nrows; i++) {
        enum mb_compare_verdict v = c->rows[i].verdict;
        if (v == MB_CMP_REGRESSED || v == MB_CMP_IMPROVED) {
            any = true;
            metric |= c->rows[i].metric != MB_COMPARE_FAILED_RUNS;
        }
    }
    a->flagged += any;
    a->flagged_failed_only += any && !metric;
    for (int v = 0; v < MB_CMP_NVERDICTS; v++)
        a->count[v] += c->count[v];
    a->rows += c->nrows;
    a->tests += c->ntests;
    mb_compare_free(c);
    return 0;
}

int mb_compare_aa(const struct mb_report_dir *d, size_t splits, uint64_t seed,
                  const struct mb_compare_opts *o, struct mb_compare_aa **out, struct mb_error *err)
{
    if (splits < 1 || splits > MB_COMPARE_AA_MAX)
        return mb_error_set(err, MB_EINPUT, "--aa takes a number of comparisons from 1 to %d",
                            MB_COMPARE_AA_MAX);
    int rc = check_size(d, o, err);
    if (rc)
        return rc;
    struct mb_compare_aa *a = mb_xcalloc(1, sizeof(*a));
    a->name = mb_xstrdup(d->path);
    a->splits = splits;
    a->seed = seed;
    a->opts = *o;
    a->points = d->npoints;
    a->half_min = SIZE_MAX;
    size_t maxruns = 0;
    struct mb_compare_pair *pairs = mb_xcalloc(d->npoints, sizeof(*pairs));
    for (size_t i = 0; i < d->npoints; i++) {
        const struct mb_report_point *p = &d->points[i];
        char label[600];
        mb_report_point_label(d, p, label, sizeof(label));
        pairs[i].label = mb_xstrdup(label);
        maxruns = p->runs > maxruns ? p->runs : maxruns;
        a->half_min = p->runs / 2 < a->half_min ? p->runs / 2 : a->half_min;
        a->half_max = p->runs / 2 > a->half_max ? p->runs / 2 : a->half_max;
        a->odd |= p->runs % 2;
    }
    struct halves *hv = mb_xcalloc(d->npoints, sizeof(*hv));
    unsigned char *half = mb_xcalloc(maxruns + 1, 1);
    for (size_t k = 0; k < splits && rc == 0; k++)
        rc = one_split(d, k, pairs, hv, half, a, err);
    if (rc == 0 && a->count[MB_CMP_FEW] == a->rows)
        rc = mb_error_set(err, MB_EINPUT,
                          "%s: every row of every split had too few successful runs for a "
                          "verdict (failed runs?): no false-positive rate can be measured",
                          d->path);
    for (size_t i = 0; i < d->npoints; i++)
        free((char *)pairs[i].label);
    free(pairs);
    free(hv);
    free(half);
    if (rc) {
        mb_compare_aa_free(a);
        return rc;
    }
    a->rate = (double)a->flagged / (double)splits;
    mb_stats_binom_ci(a->flagged, splits, 0.95, &a->rate_lo, &a->rate_hi);
    *out = a;
    return 0;
}

void mb_compare_aa_free(struct mb_compare_aa *a)
{
    if (!a)
        return;
    free(a->name);
    free(a);
}

bool mb_compare_aa_ok(const struct mb_compare_aa *a)
{
    return a->rate <= a->opts.alpha;
}

void mb_compare_aa_print(const struct mb_compare_aa *a, FILE *out)
{
    const struct mb_compare_opts *o = &a->opts;
    fprintf(out, "migbench compare --aa: %s\n", a->name);
    fprintf(out,
            "  %zu A/A comparisons (seed %llu): each of the %zu points' runs split at random "
            "into two halves of ",
            a->splits, (unsigned long long)a->seed, a->points);
    if (a->half_min == a->half_max)
        fprintf(out, "%zu runs", a->half_min);
    else
        fprintf(out, "%zu to %zu runs", a->half_min, a->half_max);
    fprintf(out,
            "%s, judged by compare's decision: threshold %g %%, alpha %g, %s, at least %zu "
            "successful runs a side\n",
            a->odd ? " (one run left out of an odd number)" : "", 100 * o->threshold, o->alpha,
            o->correction == MB_CMP_CORRECT_BH     ? "p adjusted by Benjamini-Hochberg"
            : o->correction == MB_CMP_CORRECT_HOLM ? "p adjusted by Holm"
                                                   : "no p-value correction",
            o->min_runs);
    fprintf(out,
            "  rows over all comparisons: %zu regressed, %zu improved, %zu unchanged, %zu too "
            "noisy, %zu too few runs (%zu t-tests)\n",
            a->count[MB_CMP_REGRESSED], a->count[MB_CMP_IMPROVED], a->count[MB_CMP_UNCHANGED],
            a->count[MB_CMP_NOISY], a->count[MB_CMP_FEW], a->tests);
    fprintf(out, "  comparisons that flagged a row regressed or improved: %zu of %zu", a->flagged,
            a->splits);
    if (a->flagged_failed_only)
        fprintf(out, " (%zu through the failed-run rule alone)", a->flagged_failed_only);
    fprintf(out, "\n  the halves share one campaign's runs, so the comparisons are not independent "
                 "and the interval below is narrower than it would be for independent ones\n");
    fprintf(out,
            "false-positive rate: %zu of %zu = %.1f %% (exact 95 %% CI %.1f - %.1f %%), alpha "
            "%g %%: %s\n",
            a->flagged, a->splits, 100 * a->rate, 100 * a->rate_lo, 100 * a->rate_hi,
            100 * o->alpha, mb_compare_aa_ok(a) ? "within alpha" : "OVER alpha");
}
