/* test_stats.c — table-driven tests of the statistics module.
 *
 * Every expected value was computed independently of harness/stats.c:
 *  - descriptive statistics: python3's statistics module (exact rational arithmetic),
 *    the 95 % half-width as an mpmath t quantile times stdev / sqrt(n);
 *  - t quantiles: published 6-decimal tables (also re-checked with mpmath), mpmath at 50
 *    digits (bisection on mpmath.betainc), statistics.NormalDist for df = infinity, and
 *    the closed forms tan(pi (p - 1/2)) for df = 1 and (2p - 1) / sqrt(2p(1 - p)) for
 *    df = 2;
 *  - t tails and I_x(a, b): mpmath.betainc at 50 digits, closed forms where they exist;
 *  - Welch: t and df in exact rational arithmetic (fractions.Fraction of the doubles), p
 *    from mpmath.betainc and the same p again by integrating the density (mpmath.quad);
 *    the first row also by hand: se^2 = 2.5/5 + 14/6, df = 5780/829. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lib/stats.h"

/* got matches want within max(rtol |want|, atol); NaN matches only NaN, an infinity only
 * itself.  label names the table row. */
static void close_at(const char *file, int line, const char *label, const char *what, double got,
                     double want, double rtol, double atol)
{
    int ok;
    if (isnan(want))
        ok = isnan(got);
    else if (isinf(want))
        ok = got == want;
    else
        ok = fabs(got - want) <= fmax(rtol * fabs(want), atol);
    if (!ok) {
        print_error("%s: %s = %.17g, want %.17g (rtol %g, atol %g)\n", label, what, got, want, rtol,
                    atol);
        _fail(file, line);
    }
}
#define CLOSE(label, got, want, rtol) close_at(__FILE__, __LINE__, label, #got, got, want, rtol, 0)
#define CLOSE_ABS(label, got, want, atol)                                                          \
    close_at(__FILE__, __LINE__, label, #got, got, want, 0, atol)

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define MAXV    32

/* ---- summary: every descriptive statistic of one sample per row ---------------------- */

struct summary_case {
    const char *name;
    double x[MAXV];
    size_t n, k;
    size_t want_n, want_nan;
    double trimmed, median, mean, sd, cv, ci_low, ci_high, min, max;
};

/* One row per case; clang-format would put every number on a line of its own. */
/* clang-format off */
static const struct summary_case summary_cases[] = {
    {"empty", {0}, 0, 0, 0, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN},
    {"one value", {42.0}, 1, 0, 1, 0, 42.0, 42.0, 42.0, NAN, NAN, NAN, NAN, 42.0, 42.0},
    {"one value, k=1 too few", {42.0}, 1, 1, 1, 0, NAN, 42.0, 42.0, NAN, NAN, NAN, NAN, 42.0, 42.0},
    {"paper: 5 runs, k=1, outlier", {12.1, 11.8, 12.6, 30.2, 12.0}, 5, 1, 5, 0,
     12.233333333333333, 12.1, 15.74, 8.088757630192662, 0.513898197598009, 5.6964808603937716,
     25.783519139606227, 11.8, 30.2},
    {"two values, k=1 too few", {1.0, 2.0}, 2, 1, 2, 0, NAN, 1.5, 1.5, 0.7071067811865476,
     0.47140452079103173, -4.853102368087352, 7.853102368087352, 1.0, 2.0},
    {"four values, k=2 too few", {4.0, 1.0, 3.0, 2.0}, 4, 2, 4, 0, NAN, 2.5, 2.5,
     1.2909944487358056, 0.5163977794943222, 0.445739743239478, 4.554260256760522, 1.0, 4.0},
    {"even count median", {4.0, 1.0, 3.0, 2.0}, 4, 1, 4, 0, 2.5, 2.5, 2.5, 1.2909944487358056,
     0.5163977794943222, 0.445739743239478, 4.554260256760522, 1.0, 4.0},
    {"ties", {3.0, 1.0, 3.0, 3.0, 2.0, 1.0}, 6, 1, 6, 0, 2.25, 2.5, 2.1666666666666665,
     0.983192080250175, 0.4537809601154654, 1.1348698567886597, 3.1984634765446733, 1.0, 3.0},
    {"all equal: sd 0, cv 0, CI of width 0", {7.5, 7.5, 7.5, 7.5, 7.5}, 5, 1, 5, 0, 7.5, 7.5, 7.5,
     0.0, 0.0, 7.5, 7.5, 7.5, 7.5},
    {"all zero: cv undefined", {0.0, 0.0, 0.0}, 3, 1, 3, 0, 0.0, 0.0, 0.0, 0.0, NAN, 0.0, 0.0, 0.0,
     0.0},
    {"NaNs ignored and counted", {NAN, 10.0, 12.0, NAN, 11.0, 13.0, 9.0}, 7, 1, 5, 2, 11.0, 11.0,
     11.0, 1.5811388300841898, 0.14373989364401726, 9.036756838522443, 12.963243161477557, 9.0,
     13.0},
    {"all NaN", {NAN, NAN}, 2, 0, 0, 2, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN},
    {"NaNs leave too few for k", {NAN, 5.0, NAN, 6.0}, 4, 1, 2, 2, NAN, 5.5, 5.5,
     0.7071067811865476, 0.128564869306645, -0.8531023680873527, 11.853102368087352, 5.0, 6.0},
    {"negative values: cv uses |mean|", {-5.0, -3.0, -4.0, -10.0, -2.0}, 5, 1, 5, 0, -4.0, -4.0,
     -4.8, 3.1144823004794873, 0.6488504792665599, -8.667140545548218, -0.9328594544517812, -10.0,
     -2.0},
    {"mixed signs, mean 0", {-2.0, -1.0, 0.0, 1.0, 2.0}, 5, 1, 5, 0, 0.0, 0.0, 0.0,
     1.5811388300841898, NAN, -1.9632431614775578, 1.9632431614775578, -2.0, 2.0},
    {"offset 1e9: no cancellation",
     {1000000001.0, 1000000002.0, 1000000003.0, 1000000004.0, 1000000005.0}, 5, 1, 5, 0,
     1000000003.0, 1000000003.0, 1000000003.0, 1.5811388300841898, 1.5811388253407732e-09,
     1000000001.0367569, 1000000004.9632431, 1000000001.0, 1000000005.0},
    {"huge: the sum overflows", {1.5e+308, 1.7e+308, 1.6e+308}, 3, 1, 3, 0, 1.6e+308, 1.6e+308,
     1.6e+308, 9.999999999999996e+306, 0.06249999999999998, 1.351586228824967e+308, INFINITY,
     1.5e+308, 1.7e+308},
    {"huge, both signs: residuals overflow", {-1.5e+308, 1.5e+308, 1e+308}, 3, 0, 3, 0,
     3.333333333333333e+307, 1e+308, 3.333333333333333e+307, 1.607275126832159e+308,
     4.8218253804964775, -INFINITY, INFINITY, -1.5e+308, 1.5e+308},
    {"tiny: squares underflow", {1e-200, 3e-200, 2e-200}, 3, 0, 3, 0, 2e-200, 2e-200, 2e-200,
     1e-200, 0.5, -4.841377117503311e-201, 4.484137711750331e-200, 1e-200, 3e-200},
    {"n = 31, k = 3",
     {0.0,  1.25, 4.5,   9.75,  17.0, 9.25,  3.5,  16.75, 15.0,  15.25, 17.5,
      4.75, 11.0, 19.25, 12.5,  7.75, 5.0,   4.25, 5.5,   8.75,  14.0,  21.25,
      13.5, 7.75, 21.0,  19.25, 19.5, 21.75, 9.0,  15.25, 23.5},
     31, 3, 31, 0, 12.12, 12.5, 12.07258064516129, 6.660265744318783, 0.551685338874769,
     9.629575446867452, 14.515585843455128, 0.0, 23.5},
};
/* clang-format on */

static void check_summary(const struct summary_case *c, const struct mb_stats_summary *s)
{
    const double r = 1e-12;
    assert_int_equal(s->n, c->want_n);
    assert_int_equal(s->n_nan, c->want_nan);
    assert_int_equal(s->k, c->k);
    CLOSE(c->name, s->trimmed_mean, c->trimmed, r);
    CLOSE(c->name, s->median, c->median, r);
    CLOSE(c->name, s->mean, c->mean, r);
    CLOSE(c->name, s->sd, c->sd, r);
    CLOSE(c->name, s->cv, c->cv, r);
    CLOSE(c->name, s->ci95_low, c->ci_low, r);
    CLOSE(c->name, s->ci95_high, c->ci_high, r);
    CLOSE(c->name, s->min, c->min, 0);
    CLOSE(c->name, s->max, c->max, 0);
}

static void test_summary_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(summary_cases); i++) {
        const struct summary_case *c = &summary_cases[i];
        double scratch[MAXV];
        struct mb_stats_summary s;
        mb_stats_summarize(c->x, c->n, c->k, scratch, &s);
        check_summary(c, &s);
        /* No scratch: allocated and freed inside (ASan checks the leak). */
        mb_stats_summarize(c->x, c->n, c->k, NULL, &s);
        check_summary(c, &s);
    }
}

/* The single-statistic functions agree with the same table. */
static void test_single_functions_table(void **state)
{
    (void)state;
    const double r = 1e-12;
    for (size_t i = 0; i < N_OF(summary_cases); i++) {
        const struct summary_case *c = &summary_cases[i];
        double scratch[MAXV];
        CLOSE(c->name, mb_stats_mean(c->x, c->n), c->mean, r);
        CLOSE(c->name, mb_stats_sd(c->x, c->n), c->sd, r);
        CLOSE(c->name, mb_stats_cv(c->x, c->n), c->cv, r);
        CLOSE(c->name, mb_stats_min(c->x, c->n), c->min, 0);
        CLOSE(c->name, mb_stats_max(c->x, c->n), c->max, 0);
        CLOSE(c->name, mb_stats_median(c->x, c->n, scratch), c->median, r);
        CLOSE(c->name, mb_stats_median(c->x, c->n, NULL), c->median, r);
        CLOSE(c->name, mb_stats_trimmed_mean(c->x, c->n, c->k, scratch), c->trimmed, r);
        CLOSE(c->name, mb_stats_trimmed_mean(c->x, c->n, c->k, NULL), c->trimmed, r);
        double h = mb_stats_ci_halfwidth(c->x, c->n, 0.95);
        CLOSE(c->name, c->mean - h, c->ci_low, r);
        CLOSE(c->name, c->mean + h, c->ci_high, r);
    }
}

/* The input is read, never written (the sort works on a copy). */
static void test_input_untouched(void **state)
{
    (void)state;
    double x[] = {3, NAN, 1, 2};
    double scratch[4];
    struct mb_stats_summary s;
    mb_stats_summarize(x, 4, 1, scratch, &s);
    mb_stats_median(x, 4, NULL);
    mb_stats_trimmed_mean(x, 4, 1, scratch);
    assert_true(x[0] == 3 && isnan(x[1]) && x[2] == 1 && x[3] == 2);
}

static void test_infinities_are_values(void **state)
{
    (void)state;
    const double one_inf[] = {1, INFINITY};
    const double both_inf[] = {-INFINITY, 5, INFINITY};
    CLOSE("{1, inf}", mb_stats_mean(one_inf, 2), INFINITY, 0);
    CLOSE("{1, inf}", mb_stats_sd(one_inf, 2), NAN, 0);
    CLOSE("{1, inf}", mb_stats_cv(one_inf, 2), NAN, 0);
    CLOSE("{1, inf}", mb_stats_median(one_inf, 2, NULL), INFINITY, 0);
    CLOSE("{1, inf}", mb_stats_max(one_inf, 2), INFINITY, 0);
    CLOSE("{-inf, 5, inf}", mb_stats_mean(both_inf, 3), NAN, 0);
    CLOSE("{-inf, 5, inf}", mb_stats_median(both_inf, 3, NULL), 5, 0);
    CLOSE("{-inf, 5, inf}", mb_stats_trimmed_mean(both_inf, 3, 1, NULL), 5, 0);
    CLOSE("{-inf, 5, inf}", mb_stats_min(both_inf, 3), -INFINITY, 0);
}

/* A large shuffled sample 1..N: closed forms mean = median = (N + 1) / 2,
 * sd = sqrt(N (N + 1) / 12), and symmetric trimming keeps the mean. */
static void test_large_sample(void **state)
{
    (void)state;
    const size_t n = 200001;
    double *x = malloc(n * sizeof(*x)), *scratch = malloc(n * sizeof(*scratch));
    assert_non_null(x);
    assert_non_null(scratch);
    for (size_t i = 0; i < n; i++)
        x[i] = (double)(i + 1);
    /* Deterministic Fisher-Yates shuffle (64-bit LCG), so the sort has work to do. */
    uint64_t state_lcg = 12345;
    for (size_t i = n - 1; i > 0; i--) {
        state_lcg = state_lcg * 6364136223846793005u + 1442695040888963407u;
        size_t j = (size_t)((state_lcg >> 33) % (i + 1));
        double t = x[i];
        x[i] = x[j];
        x[j] = t;
    }
    struct mb_stats_summary s;
    mb_stats_summarize(x, n, 1000, scratch, &s);
    double N = (double)n;
    CLOSE("1..N", s.mean, (N + 1) / 2, 1e-14);
    CLOSE("1..N", s.median, (N + 1) / 2, 0);
    CLOSE("1..N", s.trimmed_mean, (N + 1) / 2, 1e-14);
    CLOSE("1..N", s.sd, sqrt(N * (N + 1) / 12), 1e-13);
    CLOSE("1..N", s.min, 1, 0);
    CLOSE("1..N", s.max, N, 0);
    /* Half-width: t(0.975, 2e5) = 1.9599758459667682 (mpmath). */
    CLOSE("1..N", s.ci95_high - s.mean, 1.9599758459667682 * s.sd / sqrt(N), 1e-9);
    free(x);
    free(scratch);
}

/* ---- trimming -------------------------------------------------------------------------- */

static void test_trim_ok_table(void **state)
{
    (void)state;
    static const struct {
        size_t n, k;
        int ok;
    } cases[] = {
        {0, 0, 0},
        {1, 0, 1},
        {2, 1, 0},
        {3, 1, 1},
        {4, 2, 0},
        {5, 1, 1},
        {5, 2, 1},
        {5, 3, 0},
        {SIZE_MAX, SIZE_MAX, 0}, /* 2k + 1 would overflow */
        {SIZE_MAX, SIZE_MAX / 2, 1},
    };
    for (size_t i = 0; i < N_OF(cases); i++)
        assert_int_equal(mb_stats_trim_ok(cases[i].n, cases[i].k), cases[i].ok);
}

static void test_trimmed_mean_k0_is_mean(void **state)
{
    (void)state;
    const double x[] = {4, 8, 15, 16, 23, 42};
    CLOSE("k=0", mb_stats_trimmed_mean(x, 6, 0, NULL), 18.0, 1e-15);
    CLOSE("k=2", mb_stats_trimmed_mean(x, 6, 2, NULL), 15.5, 1e-15);
    CLOSE("k=3", mb_stats_trimmed_mean(x, 6, 3, NULL), NAN, 0);
}

/* ---- Student t --------------------------------------------------------------------------- */

struct quantile_case {
    double p, df, t;
};

/* Published tables, 6 decimals (each re-checked against mpmath). */
static const struct quantile_case published[] = {
    {0.975, 1, 12.706205},  {0.975, 2, 4.302653},    {0.975, 3, 3.182446},
    {0.975, 4, 2.776445},   {0.975, 5, 2.570582},    {0.975, 10, 2.228139},
    {0.975, 20, 2.085963},  {0.975, 30, 2.042272},   {0.975, 60, 2.000298},
    {0.975, 120, 1.979930}, {0.975, 1000, 1.962339}, {0.975, INFINITY, 1.959964},
    {0.95, 1, 6.313752},    {0.95, 4, 2.131847},     {0.95, 10, 1.812461},
    {0.995, 1, 63.656741},  {0.995, 4, 4.604095},    {0.995, 10, 3.169273},
    {0.995, 30, 2.749996},  {0.9995, 1, 636.619249}, {0.9995, 10, 4.586894},
    {0.90, 5, 1.475884},    {0.99, 10, 2.763769},    {0.99, 2, 6.964557},
};

static void test_t_quantile_published(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(published); i++) {
        const struct quantile_case *c = &published[i];
        char label[64];
        snprintf(label, sizeof(label), "p=%g df=%g", c->p, c->df);
        CLOSE_ABS(label, mb_stats_t_quantile(c->p, c->df), c->t, 5.1e-7);
        /* Symmetry: the lower quantile is the negated upper one. */
        CLOSE_ABS(label, mb_stats_t_quantile(1 - c->p, c->df), -c->t, 5.1e-7);
    }
}

/* mpmath at 50 digits, NormalDist for df = infinity, closed forms for df = 1 and 2. */
static const struct quantile_case precise[] = {
    {0.975, 0.5, 164.55767348048823},
    {0.975, 2.5, 3.5746548420036817},
    {0.6, 1, 0.32491969623290623},
    {0.5000001, 3, 2.720699044919316e-07}, /* near the centre: no cancellation */
    {0.4999999, 3, -2.720699046429607e-07},
    {0.999999999999, 5, 393.9587026499902},
    {1e-12, 5, -393.95695957760375},
    {0.999, 7.3, 4.688865993538373},
    {0.975, 1000.0, 1.962339080826408},
    {0.975, 50000.0, 1.9600114310936798},
    {0.975, 200000.0, 1.9599758459667682},
    {0.975, 10000000.0, 1.959964221767205},
    {0.99, 1000000000.0, 2.326347877769915},
    {1e-300, 30, -50178575360.50508}, /* far tail: the bracket's power-law end */
    {0.9, 0.01, 3.9604401371525564e+68},
    {0.975, INFINITY, 1.9599639845400536},
    {0.9, INFINITY, 1.2815515655446008},
    {0.999999, INFINITY, 4.753424308817089},
    {0.6, INFINITY, 0.2533471031357998},
    /* df = 1: tan(pi (p - 1/2)) */
    {0.9, 1, 3.077683537175253},
    {0.975, 1, 12.706204736174696},
    {0.999, 1, 318.30883898554157},
    {0.001, 1, -318.30883898554157},
    /* df = 2: (2p - 1) / sqrt(2p (1 - p)) */
    {0.6, 2, 0.2886751345948128},
    {0.9, 2, 1.8856180831641272},
    {0.975, 2, 4.302652729749462},
    {0.999, 2, 22.327124770119866},
    {0.001, 2, -22.327124770119873},
};

static void test_t_quantile_precise(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(precise); i++) {
        const struct quantile_case *c = &precise[i];
        char label[64];
        snprintf(label, sizeof(label), "p=%.17g df=%g", c->p, c->df);
        CLOSE(label, mb_stats_t_quantile(c->p, c->df), c->t, 1e-12);
    }
}

static void test_t_quantile_edges(void **state)
{
    (void)state;
    static const struct quantile_case cases[] = {
        {0, 5, -INFINITY}, {1, 5, INFINITY}, {0.5, 5, 0},     {0.5, INFINITY, 0}, {NAN, 5, NAN},
        {-0.1, 5, NAN},    {1.1, 5, NAN},    {0.975, 0, NAN}, {0.975, -1, NAN},   {0.975, NAN, NAN},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char label[64];
        snprintf(label, sizeof(label), "p=%g df=%g", cases[i].p, cases[i].df);
        CLOSE(label, mb_stats_t_quantile(cases[i].p, cases[i].df), cases[i].t, 0);
    }
}

/* P(T <= t) for t < 0, i.e. the lower tail, compared relatively (mpmath, closed forms). */
static void test_t_cdf_table(void **state)
{
    (void)state;
    static const struct {
        double t, df, cdf;
    } cases[] = {
        {-40, 1000, 5.2394260775866807e-210},
        {-3, 4, 0.019970984035859413},
        {-1.5, 2.5, 0.12391822654314813},
        {-0.1, 10, 0.46116035928220417},
        {-2, 100000.0, 0.022751481728753232},
        {-5, 1000000.0, 2.866998935445371e-07},
        {-2, 1e12, 0.022750131948314184},
        {-10, 3, 0.0010641995292070751},
        {-1e10, 1, 3.1830988618379065e-11},
        {-1e200, 1, 3.1830988618379067e-201}, /* t^2 overflows; handled */
        /* df = 1: 1/2 + atan(t) / pi;  df = 2: 1/2 + t / (2 sqrt(2 + t^2)) */
        {-1, 1, 0.25},
        {-3, 2, 0.5 - 3 / (2 * 3.3166247903553998)},
        /* df = infinity: the normal (mpmath erfc) */
        {-1.96, INFINITY, 0.024997895148220435},
        {-5, INFINITY, 2.866515718791939e-07},
        {0, 7, 0.5},
        {-INFINITY, 7, 0},
        {INFINITY, 7, 1},
        {NAN, 7, NAN},
        {1, 0, NAN},
        {1, -3, NAN},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char label[64];
        snprintf(label, sizeof(label), "t=%g df=%g", cases[i].t, cases[i].df);
        CLOSE(label, mb_stats_t_cdf(cases[i].t, cases[i].df), cases[i].cdf, 1e-12);
        if (isfinite(cases[i].t) && cases[i].df > 0)
            CLOSE_ABS(label, mb_stats_t_cdf(-cases[i].t, cases[i].df), 1 - cases[i].cdf, 1e-15);
    }
}

/* cdf(quantile(p)) = p across the range: the two directions agree. */
static void test_t_round_trip(void **state)
{
    (void)state;
    static const double dfs[] = {0.7, 1, 2, 3, 4, 7.5, 12, 29, 100, 999, 9999, 20000, 1e6};
    static const double ps[] = {0.001, 0.025, 0.3, 0.51, 0.9, 0.975, 0.995, 0.99999};
    for (size_t i = 0; i < N_OF(dfs); i++)
        for (size_t j = 0; j < N_OF(ps); j++) {
            char label[64];
            snprintf(label, sizeof(label), "p=%g df=%g", ps[j], dfs[i]);
            double t = mb_stats_t_quantile(ps[j], dfs[i]);
            CLOSE(label, mb_stats_t_cdf(t, dfs[i]), ps[j], 1e-12);
        }
}

static void test_betainc_table(void **state)
{
    (void)state;
    static const struct {
        double a, b, x, want;
    } cases[] = {
        /* closed forms: I_x(1,1) = x, I_x(a,1) = x^a, I_x(1,b) = 1 - (1-x)^b, I_1/2(a,a) = 1/2,
         * I_x(1/2,1/2) = 2 asin(sqrt(x)) / pi */
        {1, 1, 0.3, 0.3},
        {3, 1, 0.5, 0.125},
        {1, 4, 0.5, 0.9375},
        {7.25, 7.25, 0.5, 0.5},
        {0.5, 0.5, 0.3, 0.36901011956554536},
        /* mpmath */
        {2.5, 3.5, 0.4, 0.4869041915261174},
        {0.1, 10, 0.001, 0.659666660220825},
        {100, 0.5, 0.99, 0.15677586542444077},
        {50, 60, 0.45, 0.4642352914306036},
        {1000, 1000, 0.51, 0.8144473405684886},
        /* ends and invalid arguments */
        {2, 3, 0, 0},
        {2, 3, 1, 1},
        {0, 3, 0.5, NAN},
        {2, -1, 0.5, NAN},
        {2, 3, -0.1, NAN},
        {2, 3, 1.5, NAN},
        {NAN, 3, 0.5, NAN},
        {INFINITY, 3, 0.5, NAN},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char label[64];
        snprintf(label, sizeof(label), "I_%g(%g, %g)", cases[i].x, cases[i].a, cases[i].b);
        CLOSE(label, mb_stats_betainc(cases[i].a, cases[i].b, cases[i].x), cases[i].want, 1e-12);
    }
}

/* ---- confidence intervals at other levels ------------------------------------------------ */

static void test_ci_levels(void **state)
{
    (void)state;
    /* sd = sqrt(2.5), n = 5, df = 4: half-width = t(level) * sqrt(2.5) / sqrt(5) =
     * t(level) / sqrt(2), with the published t(0.95, 4), t(0.975, 4), t(0.995, 4). */
    const double x[] = {1, 2, 3, 4, 5};
    static const struct {
        double level, t;
    } cases[] = {{0.90, 2.131847}, {0.95, 2.776445}, {0.99, 4.604095}};
    for (size_t i = 0; i < N_OF(cases); i++) {
        char label[32];
        snprintf(label, sizeof(label), "level %g", cases[i].level);
        CLOSE_ABS(label, mb_stats_ci_halfwidth(x, 5, cases[i].level), cases[i].t / sqrt(2.0), 4e-7);
    }
    static const double bad_levels[] = {0, 1, -0.5, 1.5, NAN};
    for (size_t i = 0; i < N_OF(bad_levels); i++)
        CLOSE("bad level", mb_stats_ci_halfwidth(x, 5, bad_levels[i]), NAN, 0);
    CLOSE("n = 1", mb_stats_ci_halfwidth(x, 1, 0.95), NAN, 0);
    CLOSE("n = 0", mb_stats_ci_halfwidth(NULL, 0, 0.95), NAN, 0);
}

/* ---- Welch's t-test ---------------------------------------------------------------------- */

struct welch_case {
    const char *name;
    double a[MAXV];
    size_t na;
    double b[MAXV];
    size_t nb;
    size_t want_na, want_nb;
    double diff, se, t, df, p;
};

/* clang-format off */
static const struct welch_case welch_cases[] = {
    {"hand-checked", {1, 2, 3, 4, 5}, 5, {2, 4, 6, 8, 10, 12}, 6, 5, 6,
     -4.0, 1.6832508230603462, -2.3763541031440183, 6.9722557297949335, 0.04928433820673052},
    {"unequal n and variance",
     {19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0}, 10,
     {28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7,
      23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 23.9, 13.3}, 20, 10, 20,
     -2.22, 0.9975232486408261, -2.2255120399698534, 24.524634944257347, 0.0354845308300102},
    {"no difference", {10.1, 10.3, 9.9, 10.2, 10.0}, 5, {10.0, 10.4, 9.8, 10.3, 10.1}, 5, 5, 5,
     -0.020000000000000285, 0.12806248474865697, -0.1561737618886083, 6.942694889003613,
     0.8803401225741879},
    {"one constant sample: df = nb - 1", {0, 0, 0}, 3, {1, 2, 3, 4}, 4, 3, 4,
     -2.5, 0.6454972243679028, -3.872983346207417, 3.0, 0.03046629166217099},
    {"huge t: tiny p", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10,
     {101, 102, 103, 104, 105, 106, 107, 108, 109, 110}, 10, 10, 10,
     -100.0, 1.35400640077266, -73.85489458759965, 18.0, 8.368872570703174e-24},
    {"NaNs ignored", {NAN, 1, 2, 3, NAN, 4, 5}, 7, {2, 4, 6, NAN, 8, 10, 12}, 7, 5, 6,
     -4.0, 1.6832508230603462, -2.3763541031440183, 6.9722557297949335, 0.04928433820673052},
    {"too few in a", {1}, 1, {1, 2, 3}, 3, 1, 3, -1.0, NAN, NAN, NAN, NAN},
    {"a empty", {0}, 0, {1, 2, 3}, 3, 0, 3, NAN, NAN, NAN, NAN, NAN},
    {"only NaN left in b", {1, 2, 3}, 3, {NAN, 4}, 2, 3, 1, -2.0, NAN, NAN, NAN, NAN},
    {"both constant, different", {1, 1, 1}, 3, {2, 2}, 2, 3, 2, -1.0, 0.0, -INFINITY, NAN, NAN},
    {"both constant, equal", {3, 3}, 2, {3, 3, 3}, 3, 2, 3, 0.0, 0.0, NAN, NAN, NAN},
};
/* clang-format on */

static void test_welch_table(void **state)
{
    (void)state;
    const double r = 1e-11;
    for (size_t i = 0; i < N_OF(welch_cases); i++) {
        const struct welch_case *c = &welch_cases[i];
        struct mb_stats_welch w = mb_stats_welch(c->a, c->na, c->b, c->nb);
        assert_int_equal(w.na, c->want_na);
        assert_int_equal(w.nb, c->want_nb);
        CLOSE(c->name, w.mean_diff, c->diff, r);
        CLOSE(c->name, w.se, c->se, r);
        CLOSE(c->name, w.t, c->t, r);
        CLOSE(c->name, w.df, c->df, r);
        CLOSE(c->name, w.p, c->p, r);
        /* Swapping the samples negates the difference and keeps the test. */
        struct mb_stats_welch s = mb_stats_welch(c->b, c->nb, c->a, c->na);
        CLOSE(c->name, s.mean_diff, -c->diff, r);
        CLOSE(c->name, s.t, -c->t, r);
        CLOSE(c->name, s.df, c->df, r);
        CLOSE(c->name, s.p, c->p, r);
    }
}

/* ---- intervals behind claim verdicts ------------------------------------------------------ */

/* Expected bounds from mpmath at 40 digits: the t quantile by bisection on the regularized
 * incomplete beta function; the formulas are in the comments. */
static void test_intervals(void **state)
{
    (void)state;
    const double r = 1e-11;
    /* mean of 1..5: 3 -+ t(0.975, 4) sqrt(2.5 / 5) */
    const double x[] = {1, 2, 3, 4, 5};
    struct mb_stats_interval i = mb_stats_mean_interval(x, 5, 0.95);
    CLOSE("mean est", i.est, 3, r);
    CLOSE("mean lo", i.lo, 1.0367568385224429, r);
    CLOSE("mean hi", i.hi, 4.9632431614775571, r);
    CLOSE("mean df", i.df, 4, r);
    i = mb_stats_mean_interval(x, 1, 0.95);
    CLOSE("mean n = 1", i.lo, NAN, 0);
    CLOSE("mean n = 1 est", i.est, 1, r);
    i = mb_stats_mean_interval((const double[]){7, 7, 7}, 3, 0.95);
    CLOSE("constant lo", i.lo, 7, 0);
    CLOSE("constant hi", i.hi, 7, 0);
    CLOSE("bad level", mb_stats_mean_interval(x, 5, 1).lo, NAN, 0);

    /* Welch, the hand-checked row of welch_cases: -4 -+ t(0.975, 6.97...) 1.683... */
    const double a[] = {1, 2, 3, 4, 5}, b[] = {2, 4, 6, 8, 10, 12};
    i = mb_stats_welch_interval(a, 5, b, 6, 0.95);
    CLOSE("welch est", i.est, -4, r);
    CLOSE("welch lo", i.lo, -7.9834686956288308, r);
    CLOSE("welch hi", i.hi, -0.016531304371169155, r);
    CLOSE("welch df", i.df, 6.9722557297949335, r);
    i = mb_stats_welch_interval(b, 6, a, 5, 0.95);
    CLOSE("welch swapped lo", i.lo, 0.016531304371169155, r);
    i = mb_stats_welch_interval(a, 1, b, 6, 0.95);
    CLOSE("welch n = 1", i.hi, NAN, 0);
    CLOSE("welch n = 1 est", i.est, -6, r);
    i = mb_stats_welch_interval((const double[]){1, 1}, 2, (const double[]){3, 3, 3}, 3, 0.95);
    CLOSE("welch constant lo", i.lo, -2, 0);
    CLOSE("welch constant hi", i.hi, -2, 0);
    CLOSE("welch NaN", mb_stats_welch_interval((const double[]){1, NAN}, 2, b, 6, 0.95).lo, NAN, 0);

    /* ratio {9, 10, 11} / {4, 5, 6} = 2: se^2 of ln = 1/300 + 1/75, df = 2.9411... */
    const double c[] = {9, 10, 11}, d[] = {4, 5, 6};
    struct mb_stats_sample sc = {c, 3}, sd = {d, 3};
    i = mb_stats_ratio_interval(&sc, 1, &sd, 1, 0.95);
    CLOSE("ratio est", i.est, 2, r);
    CLOSE("ratio lo", i.lo, 1.3199676520056757, r);
    CLOSE("ratio hi", i.hi, 3.0303772928995995, r);
    CLOSE("ratio df", i.df, 2.9411764705882353, r);
    CLOSE("ratio se", i.se, sqrt(1.0 / 60), r);
    /* the inverse ratio is the inverse interval */
    i = mb_stats_ratio_interval(&sd, 1, &sc, 1, 0.95);
    CLOSE("inverse lo", i.lo, 1 / 3.0303772928995995, r);
    CLOSE("inverse hi", i.hi, 1 / 1.3199676520056757, r);
    /* a product of two means over none */
    struct mb_stats_sample both[] = {{c, 3}, {d, 3}};
    CLOSE("product", mb_stats_ratio_interval(both, 2, NULL, 0, 0.95).est, 50, r);
    /* constant samples: one point */
    struct mb_stats_sample k1 = {(const double[]){6, 6}, 2}, k2 = {(const double[]){3, 3}, 2};
    i = mb_stats_ratio_interval(&k1, 1, &k2, 1, 0.95);
    CLOSE("constant ratio lo", i.lo, 2, r);
    CLOSE("constant ratio hi", i.hi, 2, r);
    /* what cannot be computed */
    struct mb_stats_sample neg = {(const double[]){-1, -2}, 2}, one = {c, 1};
    CLOSE("negative mean", mb_stats_ratio_interval(&neg, 1, &sd, 1, 0.95).lo, NAN, 0);
    CLOSE("negative mean est", mb_stats_ratio_interval(&neg, 1, &sd, 1, 0.95).est, NAN, 0);
    CLOSE("n = 1", mb_stats_ratio_interval(&one, 1, &sd, 1, 0.95).lo, NAN, 0);
    CLOSE("n = 1 est", mb_stats_ratio_interval(&one, 1, &sd, 1, 0.95).est, 9.0 / 5, r);
    struct mb_stats_sample none = {c, 0};
    CLOSE("empty", mb_stats_ratio_interval(&none, 1, &sd, 1, 0.95).est, NAN, 0);
    CLOSE("nothing", mb_stats_ratio_interval(NULL, 0, NULL, 0, 0.95).est, NAN, 0);
    CLOSE("bad level", mb_stats_ratio_interval(&sc, 1, &sd, 1, 0).lo, NAN, 0);
    CLOSE("bad level est", mb_stats_ratio_interval(&sc, 1, &sd, 1, 0).est, 2, r);
}

static void test_runs_needed(void **state)
{
    (void)state;
    /* the smallest n with t(0.975, n - 1) s / sqrt(n) < distance, by mpmath */
    static const struct {
        double s, distance, want;
    } cases[] = {
        {1, 1, 7},
        {10, 1, 387},
        {1, 5, 3},
        {3, 0.5, 141},
        {0, 1, 2},
        {1e-3, 1e3, 2},
        /* cannot be estimated */
        {1, 0, NAN},
        {1, -1, NAN},
        {NAN, 1, NAN},
        {-1, 1, NAN},
        {1, NAN, NAN},
        {INFINITY, 1, NAN},
        {1, INFINITY, NAN},
        {1e6, 1e-6, NAN},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char label[64];
        snprintf(label, sizeof(label), "s %g, distance %g", cases[i].s, cases[i].distance);
        CLOSE(label, mb_stats_runs_needed(cases[i].s, cases[i].distance, 0.95), cases[i].want, 0);
    }
    CLOSE("bad level", mb_stats_runs_needed(1, 1, 1.5), NAN, 0);
    /* a stricter level needs more runs */
    assert_true(mb_stats_runs_needed(1, 1, 0.99) > 7);
}

/* Clopper-Pearson intervals against mpmath (50 digits, bisection on the regularized
 * incomplete beta function), and the edges. */
static void test_binom_ci_table(void **state)
{
    (void)state;
    static const struct {
        size_t k, n;
        double level, lo, hi;
    } cases[] = {
        {0, 20, 0.95, 0, 0.168433470983},
        {1, 20, 0.95, 0.00126508949795, 0.248732762772},
        {5, 10, 0.95, 0.187086028447, 0.812913971553},
        {7, 20, 0.95, 0.153909204785, 0.592188534533},
        {20, 20, 0.95, 0.831566529017, 1},
        {3, 100, 0.95, 0.00622997153831, 0.0851760529743},
        {2, 1000, 0.95, 0.000242301116877, 0.00720583891146},
        {1, 1, 0.95, 0.025, 1},
        {0, 1, 0.95, 0, 0.975},
        {3, 20, 0.90, 0.0421694078858, 0.343663804314},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        double lo, hi;
        mb_stats_binom_ci(cases[i].k, cases[i].n, cases[i].level, &lo, &hi);
        if (fabs(lo - cases[i].lo) > 1e-11 * fmax(1e-3, cases[i].lo) ||
            fabs(hi - cases[i].hi) > 1e-11 * fmax(1e-3, cases[i].hi))
            fail_msg("%zu of %zu at %g: [%.12g, %.12g], want [%.12g, %.12g]", cases[i].k,
                     cases[i].n, cases[i].level, lo, hi, cases[i].lo, cases[i].hi);
    }
    /* k of n and n - k of n are mirror images */
    double lo, hi, mlo, mhi;
    mb_stats_binom_ci(4, 17, 0.95, &lo, &hi);
    mb_stats_binom_ci(13, 17, 0.95, &mlo, &mhi);
    assert_true(fabs(lo - (1 - mhi)) < 1e-12 && fabs(hi - (1 - mlo)) < 1e-12);
    assert_true(lo < 4.0 / 17 && 4.0 / 17 < hi);
    static const struct {
        size_t k, n;
        double level;
    } bad[] = {{0, 0, 0.95}, {3, 2, 0.95}, {1, 2, 0}, {1, 2, 1}, {1, 2, NAN}};
    for (size_t i = 0; i < N_OF(bad); i++) {
        mb_stats_binom_ci(bad[i].k, bad[i].n, bad[i].level, &lo, &hi);
        assert_true(isnan(lo) && isnan(hi));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_table),
        cmocka_unit_test(test_single_functions_table),
        cmocka_unit_test(test_input_untouched),
        cmocka_unit_test(test_infinities_are_values),
        cmocka_unit_test(test_large_sample),
        cmocka_unit_test(test_trim_ok_table),
        cmocka_unit_test(test_trimmed_mean_k0_is_mean),
        cmocka_unit_test(test_t_quantile_published),
        cmocka_unit_test(test_t_quantile_precise),
        cmocka_unit_test(test_t_quantile_edges),
        cmocka_unit_test(test_t_cdf_table),
        cmocka_unit_test(test_t_round_trip),
        cmocka_unit_test(test_betainc_table),
        cmocka_unit_test(test_ci_levels),
        cmocka_unit_test(test_welch_table),
        cmocka_unit_test(test_intervals),
        cmocka_unit_test(test_runs_needed),
        cmocka_unit_test(test_binom_ci_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
