/* stats.c — descriptive statistics, Student t quantiles, Welch's t-test, and the
 * confidence intervals (of a mean, a difference, a ratio of means) that claim verdicts
 * are decided on, with the runs an interval would need to decide.
 *
 * Numerics, in short:
 *  - the mean is a two-pass mean (sum, then a correction sum of residuals), with a
 *    fallback to summing x/n when the plain sum overflows;
 *  - the standard deviation divides residuals by their largest magnitude before squaring
 *    (as hypot does), so neither huge nor tiny values lose it;
 *  - the incomplete beta function is its continued fraction evaluated with the modified
 *    Lentz method; ln B(a, b) for large a uses the Stirling series of the difference
 *    ln Gamma(a) - ln Gamma(a + b), which would otherwise be lost to cancellation;
 *  - for df >= T_CDF_EXPANSION_DF the t tail is that of a normal deviate given by an
 *    asymptotic expansion (the continued fraction cancels there);
 *  - t quantiles solve P(T > t) = q by Newton's method on ln t, kept inside a bracket
 *    whose upper end is the quantile of the power-law tail (always above the root); for
 *    df >= T_EXPANSION_DF the Cornish-Fisher expansion is exact to double precision.
 * Checked against mpmath at 50 digits: quantiles to 1e-13 relative for df 1 .. 1e7 and
 * p up to 1 - 1e-15, tails to 1e-12 relative down to 1e-280, I_x(a, b) to 2e-12 for
 * a, b in 0.01 .. 3000. */
#include "lib/stats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "lib/util.h"

/* Above these degrees of freedom, asymptotic expansions in 1/df replace the incomplete
 * beta function, whose continued fraction loses about log10(df / (t^2 + 1)) digits to
 * cancellation there (1e-12 relative at df = 1e4, 4e-10 at df = 1e7). */
#define T_EXPANSION_DF     1e5
#define T_CDF_EXPANSION_DF 1e4

#define BETA_MAX_ITER 200000
#define BETA_EPS      1e-15
#define BETA_TINY     1e-300

#define SQRT2       1.41421356237309504880
#define SQRT_2PI    2.50662827463100050242
#define LN_SQRT_2PI 0.91893853320467274178

/* ---- descriptive statistics -------------------------------------------------------- */

static size_t count_valid(const double *x, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += !isnan(x[i]);
    return m;
}

/* Mean of the non-NaN values of x; *count receives how many there were. */
static double mean_core(const double *x, size_t n, size_t *count)
{
    double sum = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]))
            continue;
        sum += x[i];
        m++;
    }
    *count = m;
    if (m == 0)
        return NAN;
    double mean = sum / (double)m;
    if (isinf(sum)) {
        /* Overflow of finite values (or a real infinity, which this keeps). */
        sum = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i]))
                sum += x[i] / (double)m;
        mean = sum;
    }
    if (isfinite(mean)) {
        /* The residuals' sum is what the first pass rounded away. */
        double c = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i]))
                c += x[i] - mean;
        if (isfinite(c))
            mean += c / (double)m;
    }
    return mean;
}

/* sqrt(sum (f x - f mean)^2 / (m - 1)) / f over the non-NaN values of x.  The residuals
 * are divided by the largest of them before squaring, so that neither huge nor tiny values
 * overflow or underflow; *scale receives that largest residual. */
static double sd_pass(const double *x, size_t n, size_t m, double mean, double f, double *scale)
{
    double big = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(x[i] * f - mean * f);
        if (d > big) /* false for NaN */
            big = d;
    }
    *scale = big;
    if (big == 0 || !isfinite(big))
        return big;
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]))
            continue;
        double d = (x[i] * f - mean * f) / big;
        ss += d * d;
    }
    return big * sqrt(ss / (double)(m - 1)) / f;
}

/* Sample standard deviation of the m non-NaN values of x around their mean. */
static double sd_core(const double *x, size_t n, size_t m, double mean)
{
    if (m < 2 || !isfinite(mean))
        return NAN;
    double scale;
    double sd = sd_pass(x, n, m, mean, 1, &scale);
    if (isinf(scale)) /* residuals beyond DBL_MAX: values of both signs near it */
        sd = sd_pass(x, n, m, mean, 0.5, &scale);
    return sd;
}

double mb_stats_mean(const double *x, size_t n)
{
    size_t m;
    return mean_core(x, n, &m);
}

double mb_stats_sd(const double *x, size_t n)
{
    size_t m;
    double mean = mean_core(x, n, &m);
    return sd_core(x, n, m, mean);
}

static double cv_of(double sd, double mean)
{
    if (isnan(sd) || mean == 0)
        return NAN;
    return sd / fabs(mean);
}

double mb_stats_cv(const double *x, size_t n)
{
    size_t m;
    double mean = mean_core(x, n, &m);
    return cv_of(sd_core(x, n, m, mean), mean);
}

double mb_stats_min(const double *x, size_t n)
{
    double r = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]) && (isnan(r) || x[i] < r))
            r = x[i];
    return r;
}

double mb_stats_max(const double *x, size_t n)
{
    double r = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]) && (isnan(r) || x[i] > r))
            r = x[i];
    return r;
}

int mb_stats_trim_ok(size_t n, size_t k)
{
    /* n >= 2k + 1, written so that a huge k cannot overflow. */
    return n >= 1 && (n - 1) / 2 >= k;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Copy the non-NaN values of x into dst, sorted ascending; returns how many. */
static size_t sorted_copy(const double *x, size_t n, double *dst)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            dst[m++] = x[i];
    qsort(dst, m, sizeof(*dst), cmp_double);
    return m;
}

static double median_sorted(const double *s, size_t m)
{
    if (m == 0)
        return NAN;
    if (m % 2)
        return s[m / 2];
    double a = s[m / 2 - 1], b = s[m / 2];
    double sum = a + b;
    return isfinite(sum) ? sum / 2 : a / 2 + b / 2;
}

static double trimmed_sorted(const double *s, size_t m, size_t k)
{
    if (!mb_stats_trim_ok(m, k))
        return NAN;
    size_t used;
    return mean_core(s + k, m - 2 * k, &used);
}

/* Scratch for the order statistics: the caller's, or one allocated here (freed by the
 * caller of this through release_scratch). */
static double *get_scratch(double *scratch, size_t n)
{
    if (scratch)
        return scratch;
    return mb_xmalloc((n ? n : 1) * sizeof(double));
}

static void release_scratch(double *got, const double *given)
{
    if (got != given)
        free(got);
}

double mb_stats_median(const double *x, size_t n, double *scratch)
{
    double *s = get_scratch(scratch, n);
    double r = median_sorted(s, sorted_copy(x, n, s));
    release_scratch(s, scratch);
    return r;
}

double mb_stats_trimmed_mean(const double *x, size_t n, size_t k, double *scratch)
{
    if (!mb_stats_trim_ok(count_valid(x, n), k))
        return NAN;
    double *s = get_scratch(scratch, n);
    double r = trimmed_sorted(s, sorted_copy(x, n, s), k);
    release_scratch(s, scratch);
    return r;
}

/* ---- special functions ------------------------------------------------------------- */

/* Stirling-series remainder of ln Gamma(z) for z >= 15: ln Gamma(z) =
 * (z - 1/2) ln z - z + ln(2 pi) / 2 + stirling_rest(z), to below 3e-16. */
static double stirling_rest(double z)
{
    double r = 1 / (z * z);
    return (1.0 / 12 - r * (1.0 / 360 - r * (1.0 / 1260 - r * (1.0 / 1680 - r / 1188)))) / z;
}

/* ln Gamma(z) for z > 0, to ~1e-15 absolute.  libm's lgamma writes the global signgam
 * and lgamma_r is not ISO C, so this module has its own. */
static double lgamma_pos(double z)
{
    double prod = 1; /* Gamma(z) = Gamma(z + k) / (z (z + 1) ... (z + k - 1)) */
    while (z < 15) {
        prod *= z;
        z += 1;
    }
    return (z - 0.5) * log(z) - z + LN_SQRT_2PI + stirling_rest(z) - log(prod);
}

/* ln B(a, b) for a, b > 0. */
static double lbeta(double a, double b)
{
    if (a < b) {
        double t = a;
        a = b;
        b = t;
    }
    if (a < 100)
        return lgamma_pos(a) + lgamma_pos(b) - lgamma_pos(a + b);
    /* ln Gamma(a) - ln Gamma(a + b) from the Stirling series, term by term, so that the
     * nearly equal large parts cancel exactly. */
    double diff =
        -(a - 0.5) * log1p(b / a) - b * log(a + b) + b + stirling_rest(a) - stirling_rest(a + b);
    return lgamma_pos(b) + diff;
}

/* One step of the modified Lentz method: fold the next coefficient into c and d (each kept
 * away from zero) and return the factor it multiplies the fraction by. */
static double lentz_step(double coef, double *c, double *d)
{
    *d = 1 + coef * *d;
    *c = 1 + coef / *c;
    if (fabs(*d) < BETA_TINY)
        *d = BETA_TINY;
    if (fabs(*c) < BETA_TINY)
        *c = BETA_TINY;
    *d = 1 / *d;
    return *d * *c;
}

/* The continued fraction of I_x(a, b) (without its front factor x^a y^b / (a B(a, b))),
 * evaluated with the modified Lentz method.  Converges fast for x < (a+1)/(a+b+2). */
static double beta_cf(double a, double b, double x)
{
    double c = 1;
    double d = 1 - (a + b) * x / (a + 1);
    if (fabs(d) < BETA_TINY)
        d = BETA_TINY;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= BETA_MAX_ITER; m++) {
        double m2 = 2.0 * m;
        /* even step: m (b - m) x / ((a + 2m - 1)(a + 2m)) */
        h *= lentz_step(m * (b - m) * x / ((a + m2 - 1) * (a + m2)), &c, &d);
        /* odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) */
        double delta = lentz_step(-(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1)), &c, &d);
        h *= delta;
        if (fabs(delta - 1) < BETA_EPS)
            break;
    }
    return h;
}

/* I_x(a, b) given x, y = 1 - x and their logarithms, each computed accurately by the
 * caller: the t distribution knows y = t^2 / (df + t^2) without the cancellation of 1 - x,
 * and ln x even where x underflows. */
static double betainc_core(double a, double b, double x, double y, double lx, double ly)
{
    if (lx == -INFINITY)
        return 0;
    if (ly == -INFINITY)
        return 1;
    double front = exp(a * lx + b * ly - lbeta(a, b));
    if (x < (a + 1) / (a + b + 2))
        return front * beta_cf(a, b, x) / a;
    return 1 - front * beta_cf(b, a, y) / b;
}

double mb_stats_betainc(double a, double b, double x)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1) || isinf(a) || isinf(b))
        return NAN;
    double y = 1 - x;
    return betainc_core(a, b, x, y, x < 0.5 ? log(x) : log1p(-y), y < 0.5 ? log(y) : log1p(-x));
}

/* Standard normal upper tail P(Z > z). */
static double normal_upper(double z)
{
    return 0.5 * erfc(z / SQRT2);
}

/* The z with P(Z > z) = q, for 0 < q <= 0.5: the Abramowitz & Stegun 26.2.23 rational
 * approximation (error < 4.5e-4), polished by Newton's method.  Near the centre the
 * equation solved is P(0 < Z < z) = 0.5 - q (exact there), through erf, because 0.5 - P(Z > z)
 * would cancel away the digits of a small z. */
static double normal_upper_quantile(double q)
{
    int central = q > 0.25;
    double target = central ? 0.5 - q : q;
    double w = sqrt(-2 * log(q));
    double z = w - (2.515517 + w * (0.802853 + w * 0.010328)) /
                       (1 + w * (1.432788 + w * (0.189269 + w * 0.001308)));
    for (int i = 0; i < 50; i++) {
        double pdf = exp(-0.5 * z * z) / SQRT_2PI;
        if (pdf == 0)
            break;
        double step =
            central ? (target - 0.5 * erf(z / SQRT2)) / pdf : (normal_upper(z) - target) / pdf;
        z += step;
        if (fabs(step) <= 1e-15 * fabs(z))
            break;
    }
    return z;
}

/* The incomplete beta arguments of Student t at t >= 0: x = df / (df + t^2),
 * y = t^2 / (df + t^2) and their logarithms, without cancellation for small t and without
 * overflow for huge t (ln x stays exact where x underflows).  -lx is ln(1 + t^2 / df). */
struct t_args {
    double x, y, lx, ly;
};

static struct t_args t_args(double t, double v)
{
    struct t_args r;
    double s = t / sqrt(v);
    if (s <= 1) {
        double u = s * s, l1 = log1p(u);
        r.x = 1 / (1 + u);
        r.y = u / (1 + u);
        r.lx = -l1;
        r.ly = s > 0 ? 2 * log(s) - l1 : -INFINITY;
    } else {
        double w = 1 / s;
        w *= w; /* df / t^2, below 1 */
        double l1 = log1p(w);
        r.x = w / (1 + w);
        r.y = 1 / (1 + w);
        r.lx = -2 * log(s) - l1;
        r.ly = -l1;
    }
    return r;
}

/* Upper tail P(T > t) of Student t with v degrees of freedom, for t >= 0. */
static double t_upper(double t, double v)
{
    if (isinf(t))
        return 0;
    if (isinf(v))
        return normal_upper(t);
    struct t_args r = t_args(t, v);
    if (v >= T_CDF_EXPANSION_DF) {
        /* The normal deviate with the same tail: w = sqrt((v - 1/2) ln(1 + t^2 / v)) plus
         * the first two terms of its expansion in 1 / (v - 1/2)^2 (as in Hill, CACM
         * algorithm 395, 1970); the rest is below 1e-16 relative for df >= 1e4. */
        double a = v - 0.5, b = 48 * a * a;
        double w = sqrt(-a * r.lx), w2 = w * w;
        double z =
            w + w * (w2 + 3) / b - w * (((4 * w2 + 33) * w2 + 240) * w2 + 855) / (10 * b * b);
        return normal_upper(z);
    }
    return 0.5 * betainc_core(v / 2, 0.5, r.x, r.y, r.lx, r.ly);
}

double mb_stats_t_cdf(double t, double df)
{
    if (isnan(t) || isnan(df) || !(df > 0))
        return NAN;
    double q = t_upper(fabs(t), df);
    return t >= 0 ? 1 - q : q;
}

/* Cornish-Fisher expansion of the t quantile in powers of 1/v around the normal z
 * (Abramowitz & Stegun 26.7.5). */
static double t_cornish_fisher(double z, double v)
{
    double z2 = z * z;
    double g1 = z * (z2 + 1) / 4;
    double g2 = z * ((5 * z2 + 16) * z2 + 3) / 96;
    double g3 = z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384;
    double g4 = z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / 92160;
    return z + (g1 + (g2 + (g3 + g4 / v) / v) / v) / v;
}

/* The t > 0 with P(T > t) = q, for 0 < q < 0.5, v > 0 degrees of freedom. */
static double t_upper_quantile(double q, double v)
{
    double z = normal_upper_quantile(q);
    if (isinf(v))
        return z;
    if (v >= T_EXPANSION_DF)
        return t_cornish_fisher(z, v);

    /* Near the centre, solve P(0 < T < t) = 0.5 - q instead (see normal_upper_quantile). */
    int central = q > 0.25;
    double target = central ? 0.5 - q : q;
    double lb = lbeta(v / 2, 0.5);
    /* For t > 0 the density is below the power law v^(v/2) t^-(v+1) / B(v/2, 1/2), so
     * the quantile of that tail, hi, is above the root. */
    double hi = sqrt(v) * exp(-(log(v * q) + lb) / v);
    if (isinf(hi))
        return INFINITY; /* the quantile itself is beyond DBL_MAX */
    double lo = 0;
    double t = t_cornish_fisher(z, v);
    if (!(t > lo && t < hi))
        t = hi;
    /* Newton on phi(s) = ln(tail(e^s) / q) (or ln((0.5 - q) / central part)): the tail is
     * nearly a power law, so phi is nearly linear in s = ln t, where plain Newton steps on
     * t would crawl.  Steps that leave the bracket or stop halving become bisections
     * (rtsafe), so convergence is guaranteed. */
    double step = hi - lo, step_old;
    for (int i = 0; i < 300; i++) {
        struct t_args r = t_args(t, v);
        double val = central ? 0.5 * betainc_core(0.5, v / 2, r.y, r.x, r.ly, r.lx) : t_upper(t, v);
        double phi = central ? log(target / val) : log(val / target);
        if (phi == 0)
            return t;
        if (phi > 0)
            lo = t;
        else
            hi = t;
        double pdf = exp((v + 1) / 2 * r.lx - lb) / sqrt(v); /* density at t */
        double next = t * exp(phi * val / (t * pdf));
        /* Convergence is quadratic: after a step of 1e-10 t the error is ~1e-20 t, so
         * stop there, even if rounding puts the step a hair outside the bracket. */
        if (fabs(next - t) <= 1e-10 * t)
            return next;
        step_old = step;
        if (next > lo && next < hi && fabs(next - t) <= 0.5 * fabs(step_old)) {
            step = next - t;
        } else {
            next = (lo > 0 && hi / lo > 4) ? sqrt(lo * hi) : lo + (hi - lo) / 2;
            step = next - t;
            if (hi - lo <= 4 * DBL_EPSILON * hi)
                return next;
        }
        t = next;
    }
    return t;
}

double mb_stats_t_quantile(double p, double df)
{
    if (isnan(p) || isnan(df) || !(df > 0) || p < 0 || p > 1)
        return NAN;
    if (p == 0)
        return -INFINITY;
    if (p == 1)
        return INFINITY;
    if (p == 0.5)
        return 0;
    /* 1 - p is exact for p >= 0.5, so the upper tail keeps its precision. */
    return p > 0.5 ? t_upper_quantile(1 - p, df) : -t_upper_quantile(p, df);
}

/* t(1 - (1 - level) / 2, n - 1) * sd / sqrt(n), or NAN. */
static double ci_half(double sd, size_t n, double level)
{
    if (n < 2 || !(level > 0 && level < 1) || isnan(sd))
        return NAN;
    if (sd == 0)
        return 0;
    return t_upper_quantile((1 - level) / 2, (double)(n - 1)) * sd / sqrt((double)n);
}

double mb_stats_ci_halfwidth(const double *x, size_t n, double level)
{
    size_t m;
    double mean = mean_core(x, n, &m);
    return ci_half(sd_core(x, n, m, mean), m, level);
}

/* ---- tests and summaries ----------------------------------------------------------- */

struct mb_stats_welch mb_stats_welch(const double *a, size_t na, const double *b, size_t nb)
{
    struct mb_stats_welch w;
    double ma = mean_core(a, na, &w.na);
    double mb = mean_core(b, nb, &w.nb);
    w.mean_diff = ma - mb;
    w.se = w.t = w.df = w.p = NAN;
    if (w.na < 2 || w.nb < 2)
        return w;
    /* Standard errors of each mean; their squares are combined through hypot and the
     * ratios below so that huge values do not overflow. */
    double sa = sd_core(a, na, w.na, ma) / sqrt((double)w.na);
    double sb = sd_core(b, nb, w.nb, mb) / sqrt((double)w.nb);
    w.se = hypot(sa, sb);
    w.t = w.mean_diff / w.se;
    if (!(w.se > 0) || !isfinite(w.se))
        return w;
    double ra = sa / w.se, rb = sb / w.se;
    ra *= ra;
    rb *= rb;
    w.df = 1 / (ra * ra / (double)(w.na - 1) + rb * rb / (double)(w.nb - 1));
    if (!isnan(w.t))
        w.p = 2 * t_upper(fabs(w.t), w.df);
    return w;
}

void mb_stats_summarize(const double *x, size_t n, size_t k, double *scratch,
                        struct mb_stats_summary *out)
{
    double *s = get_scratch(scratch, n);
    size_t m = sorted_copy(x, n, s);
    struct mb_stats_summary r = {.n = m, .n_nan = n - m, .k = k};
    r.trimmed_mean = trimmed_sorted(s, m, k);
    r.median = median_sorted(s, m);
    size_t used;
    r.mean = mean_core(s, m, &used);
    r.sd = sd_core(s, m, m, r.mean);
    r.cv = cv_of(r.sd, r.mean);
    double h = ci_half(r.sd, m, 0.95);
    r.ci95_low = r.mean - h;
    r.ci95_high = r.mean + h;
    r.min = m ? s[0] : NAN;
    r.max = m ? s[m - 1] : NAN;
    release_scratch(s, scratch);
    *out = r;
}

double mb_stats_detectable_diff(double se, double df, double alpha, double power)
{
    if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1) || !(se >= 0))
        return NAN;
    if (se == 0)
        return 0;
    if (!(df > 0))
        return NAN;
    return (mb_stats_t_quantile(1 - alpha / 2, df) + mb_stats_t_quantile(power, df)) * se;
}

/* ---- intervals for verdicts -------------------------------------------------------- */

static int level_ok(double level)
{
    return level > 0 && level < 1;
}

static struct mb_stats_interval interval_none(double est)
{
    return (struct mb_stats_interval){.est = est, .lo = NAN, .hi = NAN, .se = NAN, .df = NAN};
}

/* est -+ t(df) se; a zero se is an interval of one point. */
static struct mb_stats_interval interval_of(double est, double se, double df, double level)
{
    struct mb_stats_interval r = {.est = est, .se = se, .df = df};
    if (se == 0) {
        r.lo = r.hi = est;
        r.df = NAN;
        return r;
    }
    double h = t_upper_quantile((1 - level) / 2, df) * se;
    r.lo = est - h;
    r.hi = est + h;
    return r;
}

struct mb_stats_interval mb_stats_mean_interval(const double *x, size_t n, double level)
{
    size_t m;
    double mean = mean_core(x, n, &m);
    if (m < 2 || !level_ok(level) || !isfinite(mean))
        return interval_none(mean);
    double se = sd_core(x, n, m, mean) / sqrt((double)m);
    if (isnan(se))
        return interval_none(mean);
    return interval_of(mean, se, (double)(m - 1), level);
}

struct mb_stats_interval mb_stats_welch_interval(const double *a, size_t na, const double *b,
                                                 size_t nb, double level)
{
    struct mb_stats_welch w = mb_stats_welch(a, na, b, nb);
    if (w.na < 2 || w.nb < 2 || !level_ok(level) || !isfinite(w.mean_diff) || isnan(w.se) ||
        isinf(w.se))
        return interval_none(w.mean_diff);
    return interval_of(w.mean_diff, w.se, w.df, level);
}

/* Adds one sample's term to the log-ratio: *l += +-ln mean, *v += (se / mean)^2 and
 * *v4 += (se / mean)^4 / (n - 1), for the Welch–Satterthwaite df.  0; 1 when the sample
 * has a positive mean but fewer than 2 values (no se); -1 when it has no mean above 0. */
static int log_term(const struct mb_stats_sample *s, double sign, double *l, double *v, double *v4)
{
    size_t m;
    double mean = mean_core(s->x, s->n, &m);
    if (m < 1 || !(mean > 0) || !isfinite(mean))
        return -1;
    *l += sign * log(mean);
    if (m < 2)
        return 1;
    double rel = sd_core(s->x, s->n, m, mean) / mean / sqrt((double)m);
    if (!isfinite(rel))
        return 1;
    *v += rel * rel;
    *v4 += rel * rel * rel * rel / (double)(m - 1);
    return 0;
}

struct mb_stats_interval mb_stats_ratio_interval(const struct mb_stats_sample *num, size_t nnum,
                                                 const struct mb_stats_sample *den, size_t nden,
                                                 double level)
{
    double l = 0, v = 0, v4 = 0;
    int bad = nnum + nden == 0 ? -1 : 0;
    for (size_t i = 0; i < nnum + nden && bad >= 0; i++) {
        int r = log_term(i < nnum ? &num[i] : &den[i - nnum], i < nnum ? 1 : -1, &l, &v, &v4);
        bad = r < 0 ? r : bad > r ? bad : r;
    }
    if (bad < 0)
        return interval_none(NAN);
    double est = exp(l);
    if (bad || !level_ok(level))
        return interval_none(est);
    double se = sqrt(v);
    struct mb_stats_interval r = interval_of(l, se, v > 0 ? v * v / v4 : NAN, level);
    r.est = est;
    r.lo = exp(r.lo);
    r.hi = exp(r.hi);
    return r;
}

double mb_stats_runs_needed(double s, double distance, double level)
{
    if (!(distance > 0) || !isfinite(distance) || !(s >= 0) || !isfinite(s) || !level_ok(level))
        return NAN;
    if (s == 0)
        return 2;
    double q = (1 - level) / 2;
    /* t > z, so the normal answer is a lower bound: start there and step up */
    double z = normal_upper_quantile(q), n0 = ceil(pow(z * s / distance, 2));
    if (!(n0 <= 1e9))
        return NAN;
    for (double n = fmax(2, n0); n <= 1e9; n++)
        if (t_upper_quantile(q, n - 1) * s / sqrt(n) < distance)
            return n;
    return NAN;
}

/* ---- binomial proportions ---------------------------------------------------------- */

/* The x in [0, 1] with I_x(a, b) = p, by bisection: I_x is increasing in x, and 200 halvings
 * take the bracket below the spacing of doubles, so the answer is as exact as betainc. */
static double beta_quantile(double a, double b, double p)
{
    double lo = 0, hi = 1;
    for (int i = 0; i < 200 && hi - lo > 0; i++) {
        double mid = lo + (hi - lo) / 2;
        if (mid <= lo || mid >= hi)
            break;
        if (mb_stats_betainc(a, b, mid) < p)
            lo = mid;
        else
            hi = mid;
    }
    return lo + (hi - lo) / 2;
}

void mb_stats_binom_ci(size_t k, size_t n, double level, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (n == 0 || k > n || !(level > 0 && level < 1))
        return;
    double tail = (1 - level) / 2, dk = (double)k, dn = (double)n;
    /* The exact bounds: the p at which k or more successes (for the lower bound), or k or
     * fewer (for the upper), have probability tail; those binomial tails are incomplete
     * beta functions of p. */
    *lo = k == 0 ? 0 : beta_quantile(dk, dn - dk + 1, tail);
    *hi = k == n ? 1 : beta_quantile(dk + 1, dn - dk, 1 - tail);
}
