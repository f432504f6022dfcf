/* stats.h — descriptive statistics, Student t confidence intervals (of a mean, of a
 * difference of means, of a ratio of means), Welch's t-test and runs-needed estimates.
 *
 * Every function is pure: it reads `const double *x, size_t n` (x may be NULL when n is 0),
 * keeps no state and never fails, so none takes a struct mb_error.  A result that cannot
 * be computed is NAN, and each comment says exactly when.
 *
 * NaN policy: a NaN in the input marks a failed run.  NaNs are ignored (as if they were
 * not in the array) by every function; the summary counts them in n_nan.  "n values"
 * below means the non-NaN ones.  Infinities are values, not failures: they take part in
 * the arithmetic and the results follow IEEE rules (the mean of {1, INFINITY} is
 * INFINITY, the sd of it NAN).
 *
 * Order statistics (median, trimmed mean, summary) sort a copy; x itself is never written.
 * They take `scratch`, room for n doubles owned by the caller (its contents are
 * overwritten), so a report summarising many points allocates once; with scratch NULL
 * they allocate internally with mb_xmalloc (which aborts on out of memory) and free before
 * returning.  Cost is O(n log n) at most; nothing is quadratic. */
#ifndef MB_STATS_H
#define MB_STATS_H

#include <stddef.h>

/* Arithmetic mean; NAN when n is 0.  Accurate for large magnitudes (no overflow when
 * the sum of the values would exceed DBL_MAX but the mean does not). */
double mb_stats_mean(const double *x, size_t n);

/* Sample standard deviation (divisor n - 1); NAN when n < 2, 0 when all values are equal.
 * Scaled internally, so values near DBL_MAX or DBL_MIN neither overflow nor underflow. */
double mb_stats_sd(const double *x, size_t n);

/* Coefficient of variation sd / |mean| (|mean| so it stays a non-negative spread measure
 * for negative data); NAN when n < 2 or the mean is 0; 0 when all values are equal and
 * non-zero. */
double mb_stats_cv(const double *x, size_t n);

/* Smallest and largest value; NAN when n is 0. */
double mb_stats_min(const double *x, size_t n);
double mb_stats_max(const double *x, size_t n);

/* Median (the mean of the two middle values when n is even); NAN when n is 0. */
double mb_stats_median(const double *x, size_t n, double *scratch);

/* Mean of the values left after dropping the k smallest and the k largest (the paper:
 * 5 runs, k = 1).  k = 0 gives the mean.  NAN when fewer than 2k + 1 values remain, so
 * a point with too few successful runs is never reported as if it had been trimmed;
 * mb_stats_trim_ok() says in advance whether it will be. */
double mb_stats_trimmed_mean(const double *x, size_t n, size_t k, double *scratch);

/* 1 when a sample of n values (non-NaN) can be trimmed by k on each side, i.e.
 * n >= 2k + 1; 0 otherwise. */
int mb_stats_trim_ok(size_t n, size_t k);

/* Half-width of the two-sided confidence interval of the mean at `level` (0.90, 0.95,
 * 0.99, ...): t(1 - (1 - level) / 2, n - 1) * sd / sqrt(n).  NAN when n < 2 or level is
 * not strictly between 0 and 1; 0 when all values are equal. */
double mb_stats_ci_halfwidth(const double *x, size_t n, double level);

/* Regularized incomplete beta function I_x(a, b), for finite a > 0, b > 0 and 0 <= x <= 1
 * (continued fraction; relative error ~1e-12 for a, b up to a few thousand, growing
 * slowly beyond).  NAN for arguments outside that range. */
double mb_stats_betainc(double a, double b, double x);

/* Student t distribution with df > 0 degrees of freedom (df may be INFINITY: the
 * standard normal).  t_cdf is P(T <= t); t_quantile is its inverse for 0 < p < 1,
 * -INFINITY at p = 0 and INFINITY at p = 1.  NAN for df <= 0, p outside [0, 1] or NaN
 * arguments.  Relative error ~1e-13 for the quantile and ~1e-12 for the smaller of
 * the two tails, for any df. */
double mb_stats_t_cdf(double t, double df);
double mb_stats_t_quantile(double p, double df);

/* Welch's unequal-variance t-test of mean(a) - mean(b). */
struct mb_stats_welch {
    size_t na, nb;    /* values used from each sample (NaNs excluded) */
    double mean_diff; /* mean(a) - mean(b) */
    double se;        /* standard error of mean_diff: sqrt(var_a / na + var_b / nb) */
    double t;         /* mean_diff / se */
    double df;        /* Welch–Satterthwaite degrees of freedom */
    double p;         /* two-sided p-value, P(|T_df| >= |t|) */
};

/* The test.  When either sample has fewer than 2 values, every double field but
 * mean_diff is NAN (mean_diff is NAN when a sample is empty).  When both samples have
 * zero variance (se is 0) the test is undefined: t is +-INFINITY if the means differ
 * (NAN if they are equal), and df and p are NAN; callers decide what constant samples
 * mean to them. */
struct mb_stats_welch mb_stats_welch(const double *a, size_t na, const double *b, size_t nb);

/* Everything the report prints for one point and metric. */
struct mb_stats_summary {
    size_t n;            /* values used (non-NaN) */
    size_t n_nan;        /* NaN values ignored (failed runs) */
    size_t k;            /* trim count the trimmed mean was asked for */
    double trimmed_mean; /* NAN when n < 2k + 1 (see mb_stats_trimmed_mean) */
    double median, mean;
    double sd, cv;              /* NAN when n < 2; cv NAN also when mean is 0 */
    double ci95_low, ci95_high; /* mean -+ 95 % half-width; NAN when n < 2 */
    double min, max;            /* NAN when n is 0 */
};

/* Fill *out from one sort of a copy of x into scratch (n doubles, or NULL: see the top of
 * this file).  O(n log n); never fails. */
void mb_stats_summarize(const double *x, size_t n, size_t k, double *scratch,
                        struct mb_stats_summary *out);

/* The smallest true difference of two means that a two-sided test at level alpha detects
 * with probability `power` (0.8 for 80 %), given the standard error se of the difference
 * and its degrees of freedom df (e.g. Welch's): (t(1 - alpha/2, df) + t(power, df)) * se,
 * the usual approximation that ignores the far tail and the non-centrality of t.  0 when
 * se is 0 (any difference shows); NAN when se is NaN or negative, df is not above 0 (with
 * se > 0), or alpha or power is not strictly between 0 and 1. */
double mb_stats_detectable_diff(double se, double df, double alpha, double power);

/* A two-sided confidence interval.  lo and hi are NAN when it cannot be computed (each
 * function says when); est may still be known then. */
struct mb_stats_interval {
    double est;    /* the estimate */
    double lo, hi; /* its bounds at the level asked */
    double se;     /* standard error of est; for a ratio, of ln est */
    double df;     /* degrees of freedom of the t quantile; NAN when se is 0 */
};

/* One sample, borrowed: n values at x (NaNs ignored, as everywhere here). */
struct mb_stats_sample {
    const double *x;
    size_t n;
};

/* Interval of the mean of x at `level` (0.95 for 95 %): mean -+ t(df = n - 1) sd / sqrt(n).
 * lo = hi = the mean when all values are equal; bounds NAN when n < 2 or level is not
 * strictly between 0 and 1. */
struct mb_stats_interval mb_stats_mean_interval(const double *x, size_t n, double level);

/* Welch interval of mean(a) - mean(b): the difference -+ t(df) se, with Welch's se and
 * Welch–Satterthwaite df (as mb_stats_welch).  lo = hi = the difference when both samples
 * are constant; bounds NAN when a sample has fewer than 2 values or level is not strictly
 * between 0 and 1. */
struct mb_stats_interval mb_stats_welch_interval(const double *a, size_t na, const double *b,
                                                 size_t nb, double level);

/* Interval of a ratio of means, prod mean(num[i]) / prod mean(den[j]) (either list may be
 * empty, not both), by the delta method on the log scale: ln est -+ t(df) se, with se^2 =
 * sum of sd^2 / (n mean^2) over the samples and df by Welch–Satterthwaite over those
 * terms; the bounds are exp() of those, so they are never negative.  An approximation that
 * is good when each sample's standard error is small against its mean.  lo = hi = est
 * when every sample is constant; est NAN when a sample is empty or its mean is not above
 * 0 (or both lists are empty); bounds NAN then, and when a sample has fewer than 2
 * values or level is not strictly between 0 and 1. */
struct mb_stats_interval mb_stats_ratio_interval(const struct mb_stats_sample *num, size_t nnum,
                                                 const struct mb_stats_sample *den, size_t nden,
                                                 double level);

/* How many runs per point would make an interval decide: the smallest n >= 2 with
 * t(1 - (1 - level) / 2, n - 1) s / sqrt(n) < distance, where s is the estimate's standard
 * error with one run per point (for a difference of two means sqrt(sd_a^2 + sd_b^2); for
 * a log ratio sqrt(sum of cv^2)) and distance how far the estimate is from the limit it is
 * tested against, in the same units.  Assumes the standard deviations stay what they
 * are; n - 1 degrees of freedom is conservative for Welch's (between n - 1 and 2 (n - 1)
 * for two samples).  2 when s is 0; NAN (cannot be estimated) when distance is not above
 * 0 or not finite, s is NaN, negative or infinite, level is not strictly between 0 and 1,
 * or the answer is beyond 1e9. */
double mb_stats_runs_needed(double s, double distance, double level);
/* The exact (Clopper–Pearson) confidence interval at `level` (0.95) of a binomial
 * proportion from k successes in n trials: [lo, hi] holds the true proportion with at
 * least that probability for every proportion, so it is conservative, never too narrow.
 * lo is 0 when k is 0 and hi is 1 when k is n.  Both NAN when n is 0, k > n or level is
 * not strictly between 0 and 1.  Accurate to about 1e-12 (that of mb_stats_betainc). */
void mb_stats_binom_ci(size_t k, size_t n, double level, double *lo, double *hi);

#endif
