/* compare.h — two results directories compared point by point: the regression gate.
 *
 * Points are matched by their factor values (and hop), not by position, so BASE and NEW
 * may come from different runs, machines or harness versions of one scenario.  For each
 * matched point and metric: the change of the mean, both 95 % confidence intervals,
 * Welch's t-test (p-values adjusted over every test of the comparison: Benjamini–Hochberg
 * by default, which is as strict as Bonferroni when nothing changed, yet keeps the power
 * to see several real regressions at once), and a verdict.  Every compared metric is a time, a size
 * or an overhead: lower is better.  Failed runs are compared too (more of them is a regression).
 *
 * Verdicts, with threshold T (relative change, default 5 %), level alpha (0.05) and a
 * minimum of M successful runs a side (default 5):
 *   too few runs          a side has fewer than M successful runs: no verdict is drawn
 *                         from so few (Welch's test on 2 or 3 values flags one
 *                         configuration against itself far too often on lab data);
 *   regressed / improved  otherwise, the test is significant (adjusted p < alpha) and the
 *                         change is at least T, for the worse / for the better;
 *   too noisy             otherwise, when the confidence interval of the change reaches
 *                         past +-T (wider than that, or narrow but off-centre: a change
 *                         of T could hide in it);
 *   unchanged             otherwise: the whole interval lies within +-T.
 * The interval of the relative change is Fieller's, for the ratio of the two means, so the
 * base mean's own uncertainty (the divisor) widens it; it is unbounded (too noisy) when the
 * base mean cannot be told from zero.  Two constant samples, where Welch's test is
 * undefined, get the exact permutation p of their separation, 2 / C(n_base + n_new, n_base),
 * which enters the correction like any other p.
 * Each row also states the smallest change the data could have detected: the relative
 * change a two-sided Welch test at alpha (before the correction) finds with probability
 * MB_COMPARE_POWER, from both sides' spread and n.
 *
 * The A/A calibration (mb_compare_aa) runs the same decision on random halves of one
 * campaign's runs, where nothing changed, and counts how often it flags anything. */
#ifndef MB_COMPARE_H
#define MB_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/error.h"
#include "report.h"
#include "lib/stats.h"

enum mb_compare_verdict {
    MB_CMP_UNCHANGED,
    MB_CMP_IMPROVED,
    MB_CMP_REGRESSED,
    MB_CMP_NOISY,
    MB_CMP_FEW, /* too few runs */
};
#define MB_CMP_NVERDICTS 5
const char *mb_compare_verdict_name(enum mb_compare_verdict v);

/* How p-values are adjusted for the number of tests in one comparison. */
enum mb_compare_correction {
    MB_CMP_CORRECT_BH,   /* Benjamini–Hochberg: false discovery rate (the default) */
    MB_CMP_CORRECT_HOLM, /* Holm–Bonferroni: family-wise error rate, stricter */
    MB_CMP_CORRECT_NONE,
};

struct mb_compare_opts {
    double threshold; /* relative change that matters (0.05 = 5 %); must be > 0 */
    double alpha;     /* significance level, 0 < alpha < 1 */
    enum mb_compare_correction correction; /* over every t-test of the comparison */
    size_t min_runs; /* successful runs a side below which the verdict is too few runs; >= 2 */
    const char *const *metrics; /* metric names to compare; NULL = the defaults */
    size_t nmetrics;
};

/* threshold 5 %, alpha 0.05, Benjamini–Hochberg, at least 5 runs a side, default metrics. */
void mb_compare_opts_default(struct mb_compare_opts *o);

/* The metrics compared by default: total_time_ms, downtime_ms, probe_downtime_ms,
 * batch_makespan_ms, overhead_pct (those with values on both sides). */
extern const int mb_compare_default_metrics[];
extern const size_t mb_compare_ndefault_metrics;
/* Can metric column c be compared (it has a better direction: lower)? */
bool mb_compare_metric_ok(int c);

/* The power at which a row's detectable change is stated. */
#define MB_COMPARE_POWER 0.80

/* Pseudo-metric id of the failed-run count in rows. */
#define MB_COMPARE_FAILED_RUNS (-1)

struct mb_compare_row {
    char *point; /* "vms.memory=512MiB, reservation.source.cpu_cap=40%" */
    int metric;  /* enum mb_results_col, or MB_COMPARE_FAILED_RUNS */
    struct mb_stats_summary base, cur;
    size_t base_runs, base_failed, cur_runs, cur_failed;
    double change;           /* (mean NEW - mean BASE) / |mean BASE|; NAN when undefined */
    double diff_lo, diff_hi; /* confidence interval of that change (level 1 - alpha, Fieller) */
    double mde; /* smallest relative change detectable at alpha with MB_COMPARE_POWER; 0 for
                   constant samples; NAN with fewer than 2 runs a side, a zero base mean or
                   for failed runs */
    struct mb_stats_welch w; /* w.p: for two constant samples, their separation's exact p */
    double p_adj;            /* p after the correction (= p without it) */
    enum mb_compare_verdict verdict;
    const char *why; /* short reason for too noisy / unchanged-but-significant, or NULL */
};

struct mb_compare_env {
    char *key, *base, *cur; /* a differing environment field; "" when absent */
};

struct mb_compare {
    char *base_name, *cur_name; /* the directories as given */
    struct mb_compare_row *rows;
    size_t nrows;
    struct mb_compare_env *env;
    size_t nenv;
    char **only_base, **only_cur; /* points present on one side only */
    size_t nonly_base, nonly_cur;
    size_t count[MB_CMP_NVERDICTS]; /* rows per verdict */
    size_t ntests;                  /* t-tests taken into the correction */
    struct mb_compare_opts opts;
};

/* One verdict from two samples (the pure core; exposed for tests).  Fills row->base,
 * row->cur, change, the interval, w and p_adj = w.p, and the verdict as if p_adj were
 * final. */
void mb_compare_samples(const double *base, size_t nbase, const double *cur, size_t ncur,
                        const struct mb_compare_opts *o, struct mb_compare_row *row);

/* Adjusted p-values of p[0..n) into adj, capped at 1.  Holm: the i-th smallest (1-based)
 * times n - i + 1, made non-decreasing in that order.  Benjamini–Hochberg: the i-th
 * smallest times n / i, made non-increasing from the largest down.  None: a copy. */
void mb_compare_adjust(const double *p, size_t n, enum mb_compare_correction how, double *adj);

/* One side of a matched point, in memory: what a comparison is drawn from (borrowed). */
struct mb_compare_side {
    size_t runs, failed;               /* runs recorded, of which failed */
    const struct mb_report_samples *s; /* MB_COL_COUNT, by column: the successful runs' values */
    const bool *has_metric; /* MB_COL_COUNT: the side's directory has values of the column */
};

/* A point present on both sides, with its label ("vms.memory=512MiB, ..."). */
struct mb_compare_pair {
    const char *label;
    struct mb_compare_side base, cur;
};

/* The comparison of n matched points, in memory (the core of mb_compare_dirs, and of the
 * A/A calibration): a row per point and metric, the failed-run rows, the p-value correction
 * over every test, the verdicts and their counts; base_name and cur_name are copied.  No
 * environment and no points on one side only.  MB_EINPUT when an option is out of range
 * or a metric is unknown or not comparable.  *out (mb_compare_free) is set on success. */
int mb_compare_sides(const struct mb_compare_pair *pairs, size_t n, const char *base_name,
                     const char *cur_name, const struct mb_compare_opts *o, struct mb_compare **out,
                     struct mb_error *err);

/* Compare NEW (cur) against BASE.  MB_EINPUT when an option is out of range, a metric is
 * unknown or not comparable, or the two have no point in common.  *out
 * (mb_compare_free) is set on success. */
int mb_compare_dirs(const struct mb_report_dir *base, const struct mb_report_dir *cur,
                    const struct mb_compare_opts *o, struct mb_compare **out, struct mb_error *err);
void mb_compare_free(struct mb_compare *c);

enum mb_compare_format { MB_CMP_TEXT, MB_CMP_CSV, MB_CMP_MARKDOWN, MB_CMP_JUNIT };

/* Print c.  Text and Markdown include the environment differences and a summary line;
 * CSV is one row per comparison; JUnit XML is one testsuite for the pair of directories,
 * a testcase per point and metric (<failure> when regressed, <skipped> when too noisy or
 * too few runs) with the numbers as properties.  For CSV and JUnit the environment
 * differences and the summary line go to notes, if non-NULL. */
void mb_compare_print(const struct mb_compare *c, enum mb_compare_format f, FILE *out, FILE *notes);

/* ---- A/A calibration ---------------------------------------------------------------------- */

#define MB_COMPARE_AA_MAX 100000 /* comparisons one calibration may make */

/* The A/A calibration of one campaign of one configuration: N comparisons of two random
 * halves of each point's runs, each judged like mb_compare_dirs (mb_compare_sides). */
struct mb_compare_aa {
    char *name;    /* the directory */
    size_t splits; /* comparisons made */
    uint64_t seed;
    size_t points;                  /* points of the directory */
    size_t half_min, half_max;      /* runs in a half, over the points */
    bool odd;                       /* some point had an odd number of runs (one left out) */
    size_t flagged;                 /* comparisons with a row regressed or improved */
    size_t flagged_failed_only;     /* of which only failed-run rows were */
    size_t count[MB_CMP_NVERDICTS]; /* rows per verdict over every comparison */
    size_t rows, tests;             /* rows and t-tests over every comparison */
    double rate, rate_lo, rate_hi;  /* flagged / splits and its exact 95 % interval */
    struct mb_compare_opts opts;
};

/* The halves of split number `split` of a point (its index in raw.csv) with `runs` runs:
 * half[r] is 0 or 1 for run r (runs / 2 runs each, drawn by a Fisher-Yates shuffle from
 * SplitMix64 seeded by seed, split and point), 2 for the run left out of an odd number.
 * The same arguments give the same halves on every machine.  half has room for runs. */
void mb_compare_aa_split(size_t runs, uint64_t seed, size_t split, size_t point,
                         unsigned char *half);

/* Calibrate: `splits` A/A comparisons of d (1 .. MB_COMPARE_AA_MAX).  MB_EINPUT when splits
 * is out of range, an option is (as mb_compare_sides), or the halves are too small for any
 * verdict (no point has 2 x min_runs runs, or every row of every split had too few
 * successful runs).  *out (mb_compare_aa_free) is set on success. */
int mb_compare_aa(const struct mb_report_dir *d, size_t splits, uint64_t seed,
                  const struct mb_compare_opts *o, struct mb_compare_aa **out,
                  struct mb_error *err);
void mb_compare_aa_free(struct mb_compare_aa *a);

/* Is the observed false-positive rate within alpha (flagged / splits <= alpha)? */
bool mb_compare_aa_ok(const struct mb_compare_aa *a);

/* The calibration as text; its last line is "false-positive rate: K of N = R % (exact 95 %
 * CI LO - HI %), alpha A %: within alpha" (or "OVER alpha"). */
void mb_compare_aa_print(const struct mb_compare_aa *a, FILE *out);

#endif
