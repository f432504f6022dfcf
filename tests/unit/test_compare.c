/* test_compare.c — the regression gate: verdicts from samples (an injected 10 %
 * regression at n = 5 and CV 3 % is flagged; two samples of one configuration are not),
 * Holm's correction, matching points between directories, environment differences,
 * failed runs, the output formats and the command's exit statuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "compare.h"
#include "report.h"
#include "results.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a seeded normal generator ----------------------------------------------------------- */

static uint64_t rng_state;

static double uniform(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return ((rng_state * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

static double normal(double mean, double sd)
{
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300)
        u1 = 1e-300;
    return mean + sd * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static void sample(double *x, size_t n, double mean, double cv)
{
    for (size_t i = 0; i < n; i++)
        x[i] = normal(mean, cv * mean);
}

/* ---- verdicts from samples ------------------------------------------------------------------ */

static void test_injected_regression_is_flagged(void **state)
{
    (void)state;
    struct mb_compare_opts o;
    mb_compare_opts_default(&o);
    size_t flagged = 0, trials = 500;
    for (size_t t = 0; t < trials; t++) {
        rng_state = 0x9e3779b97f4a7c15ull ^ (t * 0x100000001b3ull + 1);
        double base[5], cur[5];
        sample(base, 5, 1000, 0.03);
        sample(cur, 5, 1100, 0.03); /* 10 % slower */
        struct mb_compare_row r;
        memset(&r, 0, sizeof(r));
        mb_compare_samples(base, 5, cur, 5, &o, &r);
        flagged += r.verdict == MB_CMP_REGRESSED;
        assert_true(r.verdict != MB_CMP_IMPROVED);
    }
    /* power: t is about 5 at df 8; the 5 % threshold costs a little */
    if (flagged < trials * 97 / 100)
        fail_msg("flagged %zu of %zu", flagged, trials);
    print_message("10 %% regression, n 5, CV 3 %%: flagged %zu of %zu\n", flagged, trials);

    /* one trial in full */
    const double base[] = {1000, 1030, 970, 1010, 990}, cur[] = {1100, 1133, 1067, 1111, 1089};
    struct mb_compare_row r;
    memset(&r, 0, sizeof(r));
    mb_compare_samples(base, 5, cur, 5, &o, &r);
    assert_int_equal(r.verdict, MB_CMP_REGRESSED);
    assert_true(fabs(r.change - 0.1) < 1e-12);
    assert_true(r.diff_lo > 0.05 && r.diff_hi < 0.15);
    assert_true(r.w.p < 0.001);
    assert_int_equal(r.base.n, 5);
    assert_true(fabs(r.base.mean - 1000) < 1e-9);
    assert_null(r.why);
    /* the same the other way round is an improvement */
    mb_compare_samples(cur, 5, base, 5, &o, &r);
    assert_int_equal(r.verdict, MB_CMP_IMPROVED);
}

/* The same, inside a comparison of 8 tests (4 points x 2 metrics, the p-values adjusted
 * by the default correction): the 4 regressed rows are still flagged. */
static void test_injected_regression_among_many_tests(void **state)
{
    (void)state;
    struct mb_compare_opts o;
    mb_compare_opts_default(&o);
    size_t flagged = 0, false_alarms = 0, trials = 300;
    for (size_t t = 0; t < trials; t++) {
        rng_state = 0x243f6a8885a308d3ull ^ (t * 0x100000001b3ull + 3);
        struct mb_compare_row r[8];
        double p[8], adj[8];
        for (size_t k = 0; k < 8; k++) {
            double base[5], cur[5];
            sample(base, 5, 1000, 0.03);
            sample(cur, 5, k < 4 ? 1100 : 1000, 0.03);
            memset(&r[k], 0, sizeof(r[k]));
            mb_compare_samples(base, 5, cur, 5, &o, &r[k]);
            p[k] = r[k].w.p;
        }
        mb_compare_adjust(p, 8, MB_CMP_CORRECT_BH, adj);
        /* the verdict with the adjusted p, as mb_compare_dirs decides it */
        for (size_t k = 0; k < 8; k++) {
            bool sig = adj[k] < o.alpha, big = fabs(r[k].change) >= o.threshold;
            if (k < 4)
                flagged += sig && big && r[k].change > 0;
            else
                false_alarms += sig && big;
        }
    }
    print_message(
        "10 %% regression among 8 tests, Benjamini-Hochberg: flagged %zu of %zu, %zu false "
        "alarms in %zu\n",
        flagged, 4 * trials, false_alarms, 4 * trials);
    if (flagged < 4 * trials * 95 / 100)
        fail_msg("flagged %zu of %zu", flagged, 4 * trials);
    assert_true(false_alarms <= 4 * trials / 100);
}

static void test_same_configuration_is_not_flagged(void **state)
{
    (void)state;
    struct mb_compare_opts o;
    mb_compare_opts_default(&o);
    size_t flagged = 0, unchanged = 0, trials = 500;
    for (size_t t = 0; t < trials; t++) {
        rng_state = 0xdeadbeefcafef00dull ^ (t * 0x100000001b3ull + 7);
        double base[5], cur[5];
        sample(base, 5, 1000, 0.03);
        sample(cur, 5, 1000, 0.03);
        struct mb_compare_row r;
        memset(&r, 0, sizeof(r));
        mb_compare_samples(base, 5, cur, 5, &o, &r);
        flagged += r.verdict == MB_CMP_REGRESSED || r.verdict == MB_CMP_IMPROVED;
        unchanged += r.verdict == MB_CMP_UNCHANGED;
    }
    /* a false alarm needs p < 0.05 and a 5 % change at once: rare */
    if (flagged > trials * 2 / 100)
        fail_msg("flagged %zu of %zu", flagged, trials);
    /* at n 5 and CV 3 % the change's interval is about +-4.5 % wide, so only the pairs whose
     * means came out close are called unchanged (the whole interval inside +-5 %); the rest
     * are too noisy, never unchanged on an interval that reaches past the threshold */
    if (unchanged < trials / 4)
        fail_msg("unchanged %zu of %zu", unchanged, trials);
    print_message("same configuration: %zu of %zu flagged, %zu unchanged\n", flagged, trials,
                  unchanged);
}

static void test_verdict_table(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        double base[6];
        size_t nb;
        double cur[6];
        size_t nc;
        double threshold;
        enum mb_compare_verdict want;
        const char *why;
    } cases[] = {
        {"tight, 1 % apart",
         {1000, 1001, 999, 1000, 1000},
         5,
         {1010, 1011, 1009, 1010, 1010},
         5,
         0.05,
         MB_CMP_UNCHANGED,
         NULL},
        /* unchanged needs the whole interval inside +-threshold; this one is +1.1 .. +6.9 % */
        {"4 % worse, significant, interval past 5 %",
         {1000, 1010, 990, 1005, 995},
         5,
         {1040, 1070, 1010, 1055, 1025},
         5,
         0.05,
         MB_CMP_NOISY,
         "its confidence interval reaches past +-threshold"},
        {"2 % worse, significant, interval inside 5 %",
         {1000, 1002, 998, 1001, 999},
         5,
         {1020, 1022, 1018, 1021, 1019},
         5,
         0.05,
         MB_CMP_UNCHANGED,
         "significant, but smaller than the threshold"},
        {"1 % apart, ordinary noise",
         {1000, 1020, 980, 1010, 990},
         5,
         {1010, 1030, 990, 1020, 1000},
         5,
         0.05,
         MB_CMP_UNCHANGED,
         NULL},
        {"noisy, same mean",
         {1000, 1400, 600, 1200, 800},
         5,
         {1000, 1400, 600, 1200, 800},
         5,
         0.05,
         MB_CMP_NOISY,
         "its confidence interval is wider than +-threshold"},
        {"noisy, 20 % worse but not significant",
         {1000, 1400, 600, 1200, 800},
         5,
         {1200, 1680, 720, 1440, 960},
         5,
         0.05,
         MB_CMP_NOISY,
         NULL},
        {"one run",
         {1000},
         1,
         {1000, 1001},
         2,
         0.05,
         MB_CMP_FEW,
         "a side has fewer successful runs than the minimum"},
        {"no run", {0}, 0, {1000, 1001}, 2, 0.05, MB_CMP_FEW, NULL},
        {"constant, equal", {50, 50, 50}, 3, {50, 50, 50}, 3, 0.05, MB_CMP_UNCHANGED, NULL},
        /* constant samples: the exact p of their separation, 2 / C(6, 3) = 0.1 at 3 a side,
         * 2 / C(10, 5) = 0.0079 at 5 */
        {"constant, 10 % worse, 3 runs",
         {50, 50, 50},
         3,
         {55, 55, 55},
         3,
         0.05,
         MB_CMP_NOISY,
         "constant samples, too few runs for their difference to be significant"},
        {"constant, 10 % worse, 5 runs",
         {50, 50, 50, 50, 50},
         5,
         {55, 55, 55, 55, 55},
         5,
         0.05,
         MB_CMP_REGRESSED,
         NULL},
        {"constant, 10 % better, 5 runs",
         {55, 55, 55, 55, 55},
         5,
         {50, 50, 50, 50, 50},
         5,
         0.05,
         MB_CMP_IMPROVED,
         NULL},
        /* a zero base mean: the change is infinite, with the sign of the difference */
        {"zero base mean, lower",
         {-1, 0, 1, -1, 1},
         5,
         {-10, -11, -9, -10, -10},
         5,
         0.05,
         MB_CMP_IMPROVED,
         NULL},
        {"zero base mean, higher",
         {-1, 0, 1, -1, 1},
         5,
         {10, 11, 9, 10, 10},
         5,
         0.05,
         MB_CMP_REGRESSED,
         NULL},
        {"constant, 2 % better", {50, 50, 50}, 3, {49, 49, 49}, 3, 0.05, MB_CMP_UNCHANGED, NULL},
        {"10 % worse, threshold 20 %",
         {1000, 1030, 970, 1010, 990},
         5,
         {1100, 1133, 1067, 1111, 1089},
         5,
         0.20,
         MB_CMP_UNCHANGED,
         NULL},
        {"zero base", {0, 0, 0}, 3, {0, 0, 0}, 3, 0.05, MB_CMP_UNCHANGED, NULL},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct mb_compare_opts o;
        mb_compare_opts_default(&o);
        o.threshold = cases[i].threshold;
        o.min_runs = 2; /* the verdicts past the minimum; test_min_runs_boundary has it */
        struct mb_compare_row r;
        memset(&r, 0, sizeof(r));
        mb_compare_samples(cases[i].base, cases[i].nb, cases[i].cur, cases[i].nc, &o, &r);
        if (r.verdict != cases[i].want || (cases[i].why && (!r.why || strcmp(r.why, cases[i].why))))
            fail_msg("%s: %s (%s), want %s; change %g [%g, %g] p %g", cases[i].name,
                     mb_compare_verdict_name(r.verdict), r.why ? r.why : "-",
                     mb_compare_verdict_name(cases[i].want), r.change, r.diff_lo, r.diff_hi, r.w.p);
    }
    assert_string_equal(mb_compare_verdict_name(MB_CMP_NOISY), "too noisy");
    assert_string_equal(mb_compare_verdict_name(MB_CMP_FEW), "too few runs");
    assert_true(mb_compare_metric_ok(MB_COL_DOWNTIME_MS));
    assert_false(mb_compare_metric_ok(MB_COL_DIRTY_RATE_PPS));
    assert_false(mb_compare_metric_ok(MB_COL_RUN_ID));
}

/* Below the minimum on either side the verdict is too few runs, whatever the data say; at
 * the minimum the test decides.  NEW is 50 % slower, which Welch's test calls significant
 * even at 2 runs a side (t about 18), so every case at the minimum is regressed. */
static void test_min_runs_boundary(void **state)
{
    (void)state;
    static const double base[] = {1000, 1030, 970, 1010, 990, 1005, 995, 1020};
    double cur[N_OF(base)];
    for (size_t i = 0; i < N_OF(base); i++)
        cur[i] = 1.5 * base[i];
    static const struct {
        size_t min_runs, nb, nc;
        enum mb_compare_verdict want;
    } cases[] = {
        {2, 1, 2, MB_CMP_FEW},       {2, 2, 1, MB_CMP_FEW},       {2, 2, 2, MB_CMP_REGRESSED},
        {5, 4, 4, MB_CMP_FEW},       {5, 4, 5, MB_CMP_FEW},       {5, 5, 4, MB_CMP_FEW},
        {5, 5, 5, MB_CMP_REGRESSED}, {5, 8, 5, MB_CMP_REGRESSED}, {6, 5, 6, MB_CMP_FEW},
        {6, 6, 5, MB_CMP_FEW},       {6, 6, 6, MB_CMP_REGRESSED}, {8, 7, 8, MB_CMP_FEW},
        {8, 8, 8, MB_CMP_REGRESSED}, {0, 1, 1, MB_CMP_FEW}, /* below 2 counts as 2 */
        {0, 2, 2, MB_CMP_REGRESSED},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct mb_compare_opts o;
        mb_compare_opts_default(&o);
        o.min_runs = cases[i].min_runs;
        struct mb_compare_row r;
        memset(&r, 0, sizeof(r));
        mb_compare_samples(base, cases[i].nb, cur, cases[i].nc, &o, &r);
        if (r.verdict != cases[i].want)
            fail_msg("min %zu, n %zu and %zu: %s, want %s (p %g)", cases[i].min_runs, cases[i].nb,
                     cases[i].nc, mb_compare_verdict_name(r.verdict),
                     mb_compare_verdict_name(cases[i].want), r.w.p);
        /* the numbers are there even when no verdict is drawn from them */
        assert_true(fabs(r.change - 0.5) < 0.05);
    }
    struct mb_compare_opts o;
    mb_compare_opts_default(&o);
    assert_int_equal(o.min_runs, 5);
}

/* The smallest detectable change, (t(1 - alpha/2, df) + t(0.8, df)) * se / |mean BASE|,
 * against values worked out by hand:
 *  - n 2 a side, both {1000, 1020}: variance 200 a side, se = sqrt(200/2 + 200/2) = 14.1421,
 *    Welch df = 200^2 / (100^2 + 100^2) = 2.  With 2 degrees of freedom t has the closed
 *    form t(p) = (2p - 1) / sqrt(2p(1 - p)): t(0.975) = 0.95 / sqrt(0.04875) = 4.302653,
 *    t(0.8) = 0.6 / sqrt(0.32) = 1.060660, t(0.95) = 0.9 / sqrt(0.095) = 2.919986.
 *    alpha 0.05: 5.363313 * 14.1421 = 75.849 ms of a mean 1010: 7.5098 %;
 *    alpha 0.10: 3.980646 * 14.1421 = 56.296 ms: 5.5739 %.
 *  - n 5 a side, {1000, 1030, 970, 1010, 990} and the same + 100: squares of deviations
 *    900 + 900 + 100 + 100 = 2000, variance 500 a side, se = sqrt(100 + 100) = 14.1421,
 *    df = 200^2 / (100^2 / 4 + 100^2 / 4) = 8; t(0.975, 8) = 2.306, t(0.8, 8) = 0.889 from
 *    a printed t table: 3.195 * 14.1421 = 45.18 ms of 1000: 4.518 % (table precision).
 *  - constant samples: se 0, any change shows: 0.  A zero base mean or 1 run: NAN. */
static void test_detectable_change(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        double base[5];
        size_t nb;
        double cur[5];
        size_t nc;
        double alpha, want, tol; /* want as a fraction; NAN: undefined */
    } cases[] = {
        {"n 2, alpha 0.05", {1000, 1020}, 2, {1000, 1020}, 2, 0.05, 0.075098, 1e-5},
        {"n 2, alpha 0.10", {1000, 1020}, 2, {1000, 1020}, 2, 0.10, 0.055739, 1e-5},
        {"n 5, df 8",
         {1000, 1030, 970, 1010, 990},
         5,
         {1100, 1130, 1070, 1110, 1090},
         5,
         0.05,
         0.04518,
         5e-5},
        {"constant", {50, 50, 50}, 3, {55, 55, 55}, 3, 0.05, 0, 0},
        {"zero base", {0, 0, 0}, 3, {1, 2, 3}, 3, 0.05, NAN, 0},
        {"one run", {1000}, 1, {1000, 1020}, 2, 0.05, NAN, 0},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct mb_compare_opts o;
        mb_compare_opts_default(&o);
        o.alpha = cases[i].alpha;
        struct mb_compare_row r;
        memset(&r, 0, sizeof(r));
        mb_compare_samples(cases[i].base, cases[i].nb, cases[i].cur, cases[i].nc, &o, &r);
        bool ok = isnan(cases[i].want) ? isnan(r.mde) : fabs(r.mde - cases[i].want) <= cases[i].tol;
        if (!ok)
            fail_msg("%s: detectable %.7g, want %.7g", cases[i].name, r.mde, cases[i].want);
    }
    /* the general function's edges */
    assert_true(isnan(mb_stats_detectable_diff(1, 8, 0, 0.8)));
    assert_true(isnan(mb_stats_detectable_diff(1, 8, 0.05, 1)));
    assert_true(isnan(mb_stats_detectable_diff(NAN, 8, 0.05, 0.8)));
    assert_true(isnan(mb_stats_detectable_diff(1, NAN, 0.05, 0.8)));
    assert_true(mb_stats_detectable_diff(0, NAN, 0.05, 0.8) == 0);
    /* df infinite: normal quantiles 1.959964 + 0.841621 */
    assert_true(fabs(mb_stats_detectable_diff(1, INFINITY, 0.05, 0.8) - 2.801585) < 1e-5);
}

/* The interval of the relative change accounts for the base mean's uncertainty (Fieller's
 * theorem): against the roots of (mean NEW - R mean BASE)^2 = t^2 (se NEW^2 + R^2 se BASE^2)
 * worked out with mpmath (50 digits; t the Welch-df quantile), change = +-(R - 1). */
static void test_change_interval(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        double base[5], cur[5];
        size_t n;
        double lo, hi; /* as fractions */
    } cases[] = {
        {"n 3, double", {90, 100, 110}, {190, 200, 210}, 3, 0.685802203412, 1.41969044773},
        {"n 3, negative means",
         {-90, -100, -110},
         {-190, -200, -210},
         3,
         -1.41969044773,
         -0.685802203412},
        {"n 5, 10 %",
         {1000, 1030, 970, 1010, 990},
         {1100, 1133, 1067, 1111, 1089},
         5,
         0.0646432514948,
         0.136530944334},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct mb_compare_opts o;
        mb_compare_opts_default(&o);
        struct mb_compare_row r;
        memset(&r, 0, sizeof(r));
        mb_compare_samples(cases[i].base, cases[i].n, cases[i].cur, cases[i].n, &o, &r);
        if (fabs(r.diff_lo - cases[i].lo) > 1e-9 || fabs(r.diff_hi - cases[i].hi) > 1e-9)
            fail_msg("%s: [%.12g, %.12g], want [%.12g, %.12g]", cases[i].name, r.diff_lo, r.diff_hi,
                     cases[i].lo, cases[i].hi);
    }
    /* a base mean indistinguishable from zero: the interval is unbounded, no verdict */
    const double base[] = {-50, 10, 60, -20, 5}, cur[] = {1, 2, 3, 2, 1};
    struct mb_compare_opts o;
    mb_compare_opts_default(&o);
    struct mb_compare_row r;
    memset(&r, 0, sizeof(r));
    mb_compare_samples(base, 5, cur, 5, &o, &r);
    assert_true(isnan(r.diff_lo) && isnan(r.diff_hi));
    assert_int_equal(r.verdict, MB_CMP_NOISY);
}

/* Constant samples are tests like the others: their exact p enters the correction, so a
 * constant difference at 5 runs a side (p 0.0079) does not survive Holm over 10 tests. */
static void test_constant_samples_corrected(void **state)
{
    (void)state;
    struct mb_compare_opts o;
    mb_compare_opts_default(&o);
    o.correction = MB_CMP_CORRECT_HOLM;
    struct mb_report_samples sb[MB_COL_COUNT], sc[MB_COL_COUNT];
    memset(sb, 0, sizeof(sb));
    memset(sc, 0, sizeof(sc));
    double b[5] = {50, 50, 50, 50, 50}, c[5] = {55, 55, 55, 55, 55};
    sb[MB_COL_DOWNTIME_MS] = (struct mb_report_samples){.v = b, .n = 5};
    sc[MB_COL_DOWNTIME_MS] = (struct mb_report_samples){.v = c, .n = 5};
    bool has[MB_COL_COUNT] = {false};
    has[MB_COL_DOWNTIME_MS] = true;
    struct mb_compare_pair pairs[10];
    char labels[10][16];
    for (size_t i = 0; i < 10; i++) {
        snprintf(labels[i], sizeof(labels[i]), "p%zu", i);
        struct mb_compare_side side = {.runs = 5, .s = sb, .has_metric = has};
        pairs[i] = (struct mb_compare_pair){.label = labels[i], .base = side, .cur = side};
        pairs[i].cur.s = i == 0 ? sc : sb; /* one point changed, nine the same */
    }
    struct mb_compare *cmp = NULL;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_compare_sides(pairs, 10, "a", "b", &o, &cmp, &err), 0);
    assert_int_equal(cmp->nrows, 10);
    assert_int_equal(cmp->ntests, 10);
    assert_true(fabs(cmp->rows[0].w.p - 2.0 / 252) < 1e-15);
    assert_true(fabs(cmp->rows[0].p_adj - 20.0 / 252) < 1e-15);
    assert_int_equal(cmp->count[MB_CMP_REGRESSED], 0);
    assert_int_equal(cmp->count[MB_CMP_UNCHANGED], 9);
    mb_compare_free(cmp);
    /* alone, it is a regression */
    assert_int_equal(mb_compare_sides(pairs, 1, "a", "b", &o, &cmp, &err), 0);
    assert_int_equal(cmp->count[MB_CMP_REGRESSED], 1);
    mb_compare_free(cmp);
}

static void test_corrections(void **state)
{
    (void)state;
    const double p[] = {0.04, 0.01, 0.03, 0.9};
    double adj[4];
    /* Holm: sorted 0.01 0.03 0.04 0.9 -> 4 x 0.01, 3 x 0.03, 2 x 0.04 -> 0.09, 0.9 */
    mb_compare_adjust(p, 4, MB_CMP_CORRECT_HOLM, adj);
    assert_true(fabs(adj[1] - 0.04) < 1e-12);
    assert_true(fabs(adj[2] - 0.09) < 1e-12);
    assert_true(fabs(adj[0] - 0.09) < 1e-12);
    assert_true(fabs(adj[3] - 0.9) < 1e-12);
    /* Benjamini-Hochberg: 0.9 x 4/4 = 0.9; 0.04 x 4/3 = 0.0533; 0.03 x 4/2 = 0.06 -> 0.0533;
     * 0.01 x 4/1 = 0.04 */
    mb_compare_adjust(p, 4, MB_CMP_CORRECT_BH, adj);
    assert_true(fabs(adj[3] - 0.9) < 1e-12);
    assert_true(fabs(adj[0] - 0.04 * 4 / 3) < 1e-12);
    assert_true(fabs(adj[2] - 0.04 * 4 / 3) < 1e-12);
    assert_true(fabs(adj[1] - 0.04) < 1e-12);
    mb_compare_adjust(p, 4, MB_CMP_CORRECT_NONE, adj);
    assert_true(adj[0] == 0.04 && adj[3] == 0.9);
    const double q[] = {0.5, 0.6};
    mb_compare_adjust(q, 2, MB_CMP_CORRECT_HOLM, adj);
    assert_true(fabs(adj[0] - 1.0) < 1e-12 && fabs(adj[1] - 1.0) < 1e-12);
    mb_compare_adjust(NULL, 0, MB_CMP_CORRECT_BH, adj);
}

/* ---- directories ------------------------------------------------------------------------------
 */

static char *tmpdir(void)
{
    char *d = strdup("/tmp/mb-test-compare-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void rmtree(const char *d)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
    assert_int_equal(system(cmd), 0);
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A campaign: factors memory and cpu_cap (in the given column order), 5 runs per
 * point; total time about mem_mib * scale, CV 3 %; failed_point's third run fails. */
static char *campaign(bool swap_columns, double scale, uint64_t seed, unsigned failed_point,
                      const char *accel, const char *hv)
{
    char *dir = tmpdir();
    const char *f[2] = {"vms.memory", "reservation.source.cpu_cap"};
    if (swap_columns) {
        f[0] = "reservation.source.cpu_cap";
        f[1] = "vms.memory";
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/raw.csv", dir);
    struct mb_results *res;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_results_open(path, f, 2, &res, &err), 0);
    struct mb_results_row *row = mb_results_row_new(res);
    static const char *const mem[] = {"256MiB", "512MiB"};
    static const char *const cap[] = {"50%", "100%"};
    rng_state = seed;
    unsigned point = 0;
    for (unsigned m = 0; m < 2; m++)
        for (unsigned c = 0; c < 2; c++) {
            /* the second campaign numbers its points differently: matching is by value */
            point = swap_columns ? 4 - (2 * m + c) : 2 * m + c + 1;
            for (unsigned rep = 1; rep <= 5; rep++) {
                mb_results_row_reset(row);
                char key[16], id[MB_RESULTS_RUN_ID_SIZE];
                snprintf(key, sizeof(key), "p%u", point);
                mb_results_row_set_col(row, MB_COL_RUN_ID, "%s",
                                       mb_results_run_id("cmp", key, rep, id));
                mb_results_row_set_col(row, MB_COL_SCENARIO, "cmp");
                mb_results_row_set_col(row, MB_COL_POINT, "%u", point);
                mb_results_row_set_col(row, MB_COL_REPETITION, "%u", rep);
                mb_results_row_set_col(row, MB_COL_VM, "vm1");
                mb_results_row_set_col(row, MB_COL_HOST_FROM, "hostA");
                mb_results_row_set_col(row, MB_COL_HOST_TO, "hostB");
                mb_results_row_set_col(row, MB_COL_STRATEGY, "sequential");
                mb_results_row_set_col(row, MB_COL_BATCH, "1");
                mb_results_row_set_col(row, MB_COL_HOP, "1");
                mb_results_row_set(row, "f.vms.memory", "%s", mem[m]);
                mb_results_row_set(row, "f.reservation.source.cpu_cap", "%s", cap[c]);
                mb_results_row_set_col(row, MB_COL_INTEGRITY, "ok");
                mb_results_row_set_col(row, MB_COL_ACCEL, "%s", accel);
                mb_results_row_set_col(row, MB_COL_HYPERVISOR, "%s", hv);
                if (point == failed_point && rep == 3) {
                    mb_results_row_set_col(row, MB_COL_STATUS, "corrupt");
                    mb_results_row_set_col(row, MB_COL_ERROR, "lost 12 writes");
                } else {
                    mb_results_row_set_col(row, MB_COL_STATUS, "ok");
                }
                double t = normal(1000.0 * (m + 1) * scale, 30.0 * (m + 1));
                mb_results_row_set_col(row, MB_COL_TOTAL_TIME_MS, "%.3f", t);
                mb_results_row_set_col(row, MB_COL_DOWNTIME_MS, "%.3f", normal(50, 1.5));
                assert_int_equal(mb_results_append(res, row, &err), 0);
            }
        }
    mb_results_row_free(row);
    mb_results_close(res);
    char meta[1024];
    snprintf(meta, sizeof(meta),
             "{\"harness_version\": \"v1\", \"testbed\": \"lab\", \"updated\": \"%llu\", "
             "\"runs\": 20, \"hosts\": [{\"name\": \"hostA\", \"uri\": \"qemu+tcp://10.0.0.%u/\", "
             "\"hypervisor\": \"%s\", \"accel\": \"%s\"}], "
             "\"phases\": {\"runs\": 20, \"boot\": {\"wall_s\": %u.5, \"cpu_s\": 0.01}}}",
             (unsigned long long)seed, (unsigned)(seed % 200), hv, accel, (unsigned)seed);
    put(dir, "metadata.json", meta);
    return dir;
}

static struct mb_report_dir *load(const char *dir)
{
    struct mb_report_dir *d = NULL;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_report_dir_load(dir, &d, &err), 0);
    return d;
}

static const struct mb_compare_row *row_of(const struct mb_compare *c, const char *point,
                                           int metric)
{
    for (size_t i = 0; i < c->nrows; i++)
        if (!strcmp(c->rows[i].point, point) && c->rows[i].metric == metric)
            return &c->rows[i];
    fail_msg("no row %s / %d", point, metric);
    return NULL;
}

static void test_dirs_same_configuration(void **state)
{
    (void)state;
    char *a = campaign(false, 1.0, 11, 0, "tcg", "QEMU 10.0.2 / libvirt 9.0.0");
    char *b = campaign(true, 1.0, 12, 0, "tcg", "QEMU 10.0.2 / libvirt 9.0.0");
    struct mb_report_dir *da = load(a), *db = load(b);
    struct mb_compare_opts o;
    mb_compare_opts_default(&o);
    struct mb_compare *c = NULL;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_compare_dirs(da, db, &o, &c, &err), 0);
    /* 4 points x 2 metrics, matched across a different column and point order */
    assert_int_equal(c->nrows, 8);
    assert_int_equal(c->nonly_base + c->nonly_cur, 0);
    assert_int_equal(c->count[MB_CMP_REGRESSED], 0);
    assert_int_equal(c->count[MB_CMP_IMPROVED], 0);
    assert_int_equal(c->ntests, 8);
    const struct mb_compare_row *r =
        row_of(c, "reservation.source.cpu_cap=100%, vms.memory=512MiB", MB_COL_TOTAL_TIME_MS);
    assert_true(r->p_adj >= r->w.p);
    /* only the volatile fields differ: updated, runs, uri, phases are not reported */
    assert_int_equal(c->nenv, 0);
    mb_compare_free(c);
    mb_report_dir_free(da);
    mb_report_dir_free(db);
    rmtree(a);
    rmtree(b);
    free(a);
    free(b);
}

static void test_dirs_regression_and_environment(void **state)
{
    (void)state;
    char *a = campaign(false, 1.0, 21, 0, "tcg", "QEMU 10.0.2 / libvirt 9.0.0");
    char *b = campaign(false, 1.20, 22, 2, "kvm", "QEMU 7.2.0 / libvirt 9.0.0");
    struct mb_report_dir *da = load(a), *db = load(b);
    struct mb_compare_opts o;
    mb_compare_opts_default(&o);
    struct mb_compare *c = NULL;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_compare_dirs(da, db, &o, &c, &err), 0);
    /* every total time is 20 % worse; downtime is not; point 2 has a corrupt run, so 4
     * successful runs in NEW: too few for a verdict on its metrics, but its failed-runs row
     * is a regression at any number of runs */
    static const char point2[] = "vms.memory=256MiB, reservation.source.cpu_cap=100%";
    for (size_t i = 0; i < c->nrows; i++) {
        const struct mb_compare_row *r = &c->rows[i];
        enum mb_compare_verdict want = r->metric == MB_COMPARE_FAILED_RUNS ? MB_CMP_REGRESSED
                                       : !strcmp(r->point, point2)         ? MB_CMP_FEW
                                       : r->metric == MB_COL_TOTAL_TIME_MS ? MB_CMP_REGRESSED
                                                                           : MB_CMP_UNCHANGED;
        if (r->verdict != want && !(r->metric == MB_COL_DOWNTIME_MS && r->verdict == MB_CMP_NOISY))
            fail_msg("%s %d: %s: %g [%g, %g] p %g adjusted %g", r->point, r->metric,
                     mb_compare_verdict_name(r->verdict), r->change, r->diff_lo, r->diff_hi, r->w.p,
                     r->p_adj);
    }
    const struct mb_compare_row *f = row_of(c, point2, MB_COMPARE_FAILED_RUNS);
    assert_int_equal(f->cur_failed, 1);
    assert_int_equal(f->cur_runs, 5);
    assert_int_equal(f->base_failed, 0);
    assert_int_equal(c->count[MB_CMP_REGRESSED], 4);
    assert_int_equal(c->count[MB_CMP_FEW], 2);
    /* what differs: the hosts' hypervisor and accelerator, raw.csv's provenance */
    static const char *const keys[] = {"hosts[hostA].hypervisor", "hosts[hostA].accel",
                                       "raw.csv hypervisor", "raw.csv accel"};
    assert_int_equal(c->nenv, N_OF(keys));
    for (size_t i = 0; i < N_OF(keys); i++) {
        size_t k = 0;
        while (k < c->nenv && strcmp(c->env[k].key, keys[i]))
            k++;
        assert_true(k < c->nenv);
    }
    assert_string_equal(c->env[0].base, "QEMU 10.0.2 / libvirt 9.0.0");
    assert_string_equal(c->env[0].cur, "QEMU 7.2.0 / libvirt 9.0.0");

    /* the three formats */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    mb_compare_print(c, MB_CMP_TEXT, out, NULL);
    fclose(out);
    assert_non_null(strstr(text, "environment differences (base -> new):"));
    assert_non_null(strstr(text, "hosts[hostA].hypervisor  QEMU 10.0.2 / libvirt 9.0.0 -> "
                                 "QEMU 7.2.0 / libvirt 9.0.0"));
    assert_non_null(strstr(text, "REGRESSED"));
    assert_non_null(strstr(text, "failed runs        0 of 5"));
    assert_non_null(strstr(text, "\n4 regressed, 0 improved, "));
    assert_non_null(strstr(text, " too noisy, 2 too few runs\n"));
    assert_non_null(strstr(text,
                           "  total_time_ms      997 ± 30.1 ms (n 5)       -> 1206 ± 44.8 ms (n 4)"
                           "      +21.0 % [+16.4, +25.8]   p <0.0001  too few runs (a side "
                           "has fewer successful runs than the minimum); could have detected "
                           "±6.0 %\n"));
    assert_non_null(strstr(text, "verdicts need 5 successful runs a side; 'could have detected'"));
    free(text);
    out = open_memstream(&text, &len);
    char *notes = NULL;
    size_t nlen = 0;
    FILE *nf = open_memstream(&notes, &nlen);
    mb_compare_print(c, MB_CMP_CSV, out, nf);
    fclose(out);
    fclose(nf);
    /* the columns as before, the detectable change added at the end */
    static const char header[] =
        "point,metric,base_n,base_runs,base_failed,base_mean,base_ci95_low,"
        "base_ci95_high,new_n,new_runs,new_failed,new_mean,new_ci95_low,"
        "new_ci95_high,change_pct,change_ci_low_pct,change_ci_high_pct,t,"
        "df,p,p_adjusted,verdict,note,mde_pct\n";
    assert_int_equal(strncmp(text, header, strlen(header)), 0);
    assert_non_null(strstr(text, "\"vms.memory=256MiB, reservation.source.cpu_cap=100%\","
                                 "failed_runs,0,5,0,,,,0,5,1,,,,20,,,,,,,regressed,,\n"));
    assert_non_null(strstr(notes, "environment differs: raw.csv accel: tcg -> kvm"));
    free(text);
    free(notes);
    out = open_memstream(&text, &len);
    mb_compare_print(c, MB_CMP_MARKDOWN, out, NULL);
    fclose(out);
    assert_non_null(strstr(text, "## migbench compare\n"));
    assert_non_null(strstr(text, "- result: **4 regressed, 0 improved,"));
    assert_non_null(strstr(text, "| `hosts[hostA].accel` | tcg | kvm |"));
    assert_non_null(strstr(text, "| point | metric | base | new | change [CI] | p | verdict | "
                                 "could have detected |\n"));
    assert_non_null(strstr(text, "| **regressed** |"));
    free(text);
    mb_compare_free(c);
    mb_compare_free(NULL);

    /* with a minimum of 4, point 2's total time has enough runs and is regressed */
    o.min_runs = 4;
    assert_int_equal(mb_compare_dirs(da, db, &o, &c, &err), 0);
    assert_int_equal(c->count[MB_CMP_REGRESSED], 5);
    assert_int_equal(c->count[MB_CMP_FEW], 0);
    mb_compare_free(c);
    o.min_runs = 5;

    /* one metric, no correction */
    static const char *const only[] = {"downtime_ms"};
    o.metrics = only;
    o.nmetrics = 1;
    o.correction = MB_CMP_CORRECT_NONE;
    assert_int_equal(mb_compare_dirs(da, db, &o, &c, &err), 0);
    assert_int_equal(c->nrows, 5);  /* 4 downtime rows and the failed runs */
    assert_int_equal(c->ntests, 3); /* point 2's row, too few runs, is no test */
    mb_compare_free(c);
    mb_report_dir_free(da);
    mb_report_dir_free(db);
    rmtree(a);
    rmtree(b);
    free(a);
    free(b);
}

static void test_dirs_errors(void **state)
{
    (void)state;
    char *a = campaign(false, 1.0, 31, 0, "tcg", "QEMU");
    struct mb_report_dir *da = load(a), *other = load("tests/data/report/parallel");
    struct mb_compare_opts o;
    mb_compare_opts_default(&o);
    struct mb_compare *c = NULL;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_compare_dirs(da, other, &o, &c, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "have no point in common"));
    static const struct {
        const char *metric, *want;
    } bad[] = {
        {"downtime", "--metric downtime: not a metric of raw.csv — did you mean 'downtime_ms'?"},
        {"dirty_rate_pps", "has no better direction"},
    };
    for (size_t i = 0; i < N_OF(bad); i++) {
        const char *m[] = {bad[i].metric};
        o.metrics = m;
        o.nmetrics = 1;
        assert_int_equal(mb_compare_dirs(da, da, &o, &c, &err), MB_EINPUT);
        if (!strstr(err.msg, bad[i].want))
            fail_msg("%s: %s", bad[i].metric, err.msg);
    }
    mb_compare_opts_default(&o);
    o.threshold = 0;
    assert_int_equal(mb_compare_dirs(da, da, &o, &c, &err), MB_EINPUT);
    o.threshold = 0.05;
    o.alpha = 1;
    assert_int_equal(mb_compare_dirs(da, da, &o, &c, &err), MB_EINPUT);
    mb_report_dir_free(da);
    mb_report_dir_free(other);
    rmtree(a);
    free(a);
}

/* ---- the summary line and JUnit XML -------------------------------------------------------- */

/* c printed in format f (notes to *notes if notes is non-NULL); the caller frees both */
static char *printed(const struct mb_compare *c, enum mb_compare_format f, char **notes)
{
    char *text = NULL, *nt = NULL;
    size_t len = 0, nlen = 0;
    FILE *out = open_memstream(&text, &len), *nf = notes ? open_memstream(&nt, &nlen) : NULL;
    mb_compare_print(c, f, out, nf);
    fclose(out);
    if (nf) {
        fclose(nf);
        *notes = nt;
    }
    return text;
}

static void test_summary_line(void **state)
{
    (void)state;
    static const struct {
        size_t count[MB_CMP_NVERDICTS], only_base, only_cur;
        const char *want;
    } cases[] = {
        {{0, 0, 0, 0, 0},
         0,
         0,
         "0 regressed, 0 improved, 0 unchanged, 0 too noisy, 0 too few runs"},
        /* in the order unchanged, improved, regressed, too noisy, too few runs */
        {{3, 2, 1, 4, 5},
         0,
         0,
         "1 regressed, 2 improved, 3 unchanged, 4 too noisy, 5 too few runs"},
        {{0, 0, 0, 0, 7},
         1,
         2,
         "0 regressed, 0 improved, 0 unchanged, 0 too noisy, 7 too few runs; points only in "
         "base: 1, only in new: 2"},
    };
    char *only[] = {"a=1", "a=2"};
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct mb_compare c = {.base_name = "b", .cur_name = "n"};
        mb_compare_opts_default(&c.opts);
        memcpy(c.count, cases[i].count, sizeof(c.count));
        c.only_base = only;
        c.nonly_base = cases[i].only_base;
        c.only_cur = only;
        c.nonly_cur = cases[i].only_cur;
        char *text = printed(&c, MB_CMP_TEXT, NULL), *notes = NULL;
        char *want = NULL;
        assert_true(asprintf(&want, "\n%s\n", cases[i].want) > 0);
        size_t tl = strlen(text), wl = strlen(want);
        if (tl < wl || strcmp(text + tl - wl, want))
            fail_msg("case %zu: text ends '%s'", i, text);
        free(text);
        free(printed(&c, MB_CMP_CSV, &notes));
        if (!strstr(notes, cases[i].want))
            fail_msg("case %zu: notes '%s'", i, notes);
        free(notes);
        free(want);
    }
}

/* Does x start with a character or entity reference XML knows without a DTD? */
static bool entity_ok(const char *x)
{
    static const char *const names[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (size_t i = 0; i < N_OF(names); i++)
        if (!strncmp(x, names[i], strlen(names[i])))
            return true;
    if (x[1] != '#' || !isdigit((unsigned char)x[2]))
        return false;
    for (x += 2; isdigit((unsigned char)*x); x++)
        ;
    return *x == ';';
}

/* Past the attributes of a start tag at *p (after its name): "/>" or ">" ending it, or what
 * is wrong.  *empty says which. */
static const char *xml_attributes(const char **p, bool *empty)
{
    const char *q = *p;
    for (;;) {
        while (*q == ' ')
            q++;
        if (*q == '>' || (q[0] == '/' && q[1] == '>')) {
            *empty = *q == '/';
            *p = q + (*empty ? 2 : 1);
            return NULL;
        }
        const char *name = q;
        while (isalnum((unsigned char)*q) || *q == '_')
            q++;
        if (q == name || *q++ != '=' || *q++ != '"')
            return "an attribute not written name=\"value\"";
        for (; *q != '"'; q++) {
            if (!*q || *q == '<' || (unsigned char)*q < 0x20)
                return "<, a control character or the end inside an attribute";
            if (*q == '&' && !entity_ok(q))
                return "a raw & in an attribute";
        }
        q++;
    }
}

/* NULL when x is well-formed XML as far as compare writes it (a declaration, then one root
 * element; elements nested and closed in order; attributes quoted; no raw < or & in text or
 * attributes, > escaped too); else what is wrong. */
static const char *xml_check(const char *x)
{
    const char *stack[16], *p = x;
    size_t len[16], depth = 0, roots = 0;
    if (!strncmp(p, "<?xml ", 6)) {
        if (!(p = strstr(p, "?>")))
            return "an unterminated declaration";
        p += 2;
    }
    while (*p) {
        if (*p == '&' && !entity_ok(p))
            return "a raw & in text";
        if (*p == '>' || (*p != '<' && !depth && !isspace((unsigned char)*p)))
            return "a raw > in text, or text outside the root";
        if (*p++ != '<')
            continue;
        bool end = *p == '/';
        p += end;
        const char *name = p;
        while (isalnum((unsigned char)*p) || *p == '_')
            p++;
        size_t n = (size_t)(p - name);
        if (!n)
            return "an element without a name";
        if (end) {
            if (*p++ != '>' || !depth || len[depth - 1] != n || strncmp(stack[depth - 1], name, n))
                return "an end tag that closes no open element";
            depth--;
            continue;
        }
        bool empty;
        const char *why = xml_attributes(&p, &empty);
        if (why)
            return why;
        roots += !depth;
        if (!empty) {
            if (depth == N_OF(stack))
                return "too deep";
            stack[depth] = name;
            len[depth++] = n;
        }
    }
    return depth ? "an element left open" : roots != 1 ? "not one root element" : NULL;
}

static size_t occurrences(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

static void test_junit(void **state)
{
    (void)state;
    /* the checker itself can fail */
    static const char *const bad[] = {
        "<a><b></a></b>", "<a x=\"<\"/>", "<a>&</a>", "<a/><b/>", "<a>x > y</a>", "<a x=y/>", "<a>",
    };
    for (size_t i = 0; i < N_OF(bad); i++)
        if (!xml_check(bad[i]))
            fail_msg("'%s' passed the check", bad[i]);
    assert_null(xml_check("<?xml version=\"1.0\"?>\n<a x=\"&lt;&#10;\"><b/>t &amp; u</a>\n"));

    /* one row per kind of outcome, at a point whose label XML must escape */
    static const double base[] = {1000, 1030, 970, 1010, 990},
                        slow[] = {1500, 1545, 1455, 1515, 1485},
                        noisy[] = {1000, 1400, 600, 1200, 800};
    char label[] = "memory=<512MiB> & \"fast\" 'x'\n\x01";
    struct mb_compare_env env = {.key = "hosts[a].cpu", .base = "x<y", .cur = "a&b"};
    struct mb_compare c = {.base_name = "base<1>", .cur_name = "new&2", .env = &env, .nenv = 1};
    mb_compare_opts_default(&c.opts);
    struct mb_compare_row rows[5];
    memset(rows, 0, sizeof(rows));
    mb_compare_samples(base, 5, slow, 5, &c.opts, &rows[0]);   /* regressed */
    mb_compare_samples(noisy, 5, noisy, 5, &c.opts, &rows[1]); /* too noisy */
    mb_compare_samples(base, 3, base, 5, &c.opts, &rows[2]);   /* too few runs */
    mb_compare_samples(base, 5, base, 5, &c.opts, &rows[3]);   /* unchanged */
    rows[4] = (struct mb_compare_row){.metric = MB_COMPARE_FAILED_RUNS,
                                      .base_runs = 5,
                                      .cur_runs = 5,
                                      .cur_failed = 1,
                                      .change = 0.2,
                                      .diff_lo = NAN,
                                      .diff_hi = NAN,
                                      .mde = NAN,
                                      .p_adj = NAN,
                                      .w = {.p = NAN, .t = NAN, .df = NAN},
                                      .verdict = MB_CMP_REGRESSED};
    static const int metric[] = {MB_COL_TOTAL_TIME_MS, MB_COL_DOWNTIME_MS, MB_COL_PROBE_DOWNTIME_MS,
                                 MB_COL_OVERHEAD_PCT, MB_COMPARE_FAILED_RUNS};
    static const enum mb_compare_verdict want[] = {MB_CMP_REGRESSED, MB_CMP_NOISY, MB_CMP_FEW,
                                                   MB_CMP_UNCHANGED, MB_CMP_REGRESSED};
    for (size_t i = 0; i < N_OF(rows); i++) {
        rows[i].point = label;
        rows[i].metric = metric[i];
        assert_int_equal(rows[i].verdict, want[i]);
        c.count[rows[i].verdict]++;
    }
    c.rows = rows;
    c.nrows = N_OF(rows);
    char *notes = NULL, *x = printed(&c, MB_CMP_JUNIT, &notes);
    const char *why = xml_check(x);
    if (why)
        fail_msg("%s in\n%s", why, x);
    static const struct {
        const char *what;
        size_t n;
    } counts[] = {
        {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", 1},
        {"<testsuite ", 1},
        {"<testcase ", 5},
        {"</testcase>", 5},
        {"<failure type=\"regressed\" message=\"regressed: ", 2},
        {"<skipped ", 2},
        {"<skipped type=\"too few runs\" message=\"too few runs: 1000 ± 74.5 ms (n 3)", 1},
        {"<skipped type=\"too noisy\" message=\"too noisy: ", 1},
        {"classname=\"memory=&lt;512MiB&gt; &amp; &quot;fast&quot; &apos;x&apos;&#10;?\"", 5},
        {"tests=\"5\" failures=\"2\" errors=\"0\" skipped=\"2\"", 2},
        {"<testsuite name=\"base&lt;1&gt; -&gt; new&amp;2\"", 1},
        {"<property name=\"environment hosts[a].cpu\" value=\"x&lt;y -&gt; a&amp;b\"/>", 1},
        {"<property name=\"min_runs\" value=\"5\"/>", 1},
        {"<property name=\"summary\" value=\"2 regressed, 0 improved, 1 unchanged, 1 too noisy, "
         "1 too few runs\"/>",
         1},
        {"<property name=\"change_pct\" value=\"50\"/>", 1},
        {"<property name=\"verdict\" value=\"too few runs\"/>", 1},
        {"<property name=\"base_mean\"", 4}, /* not for failed runs */
        {"<property name=\"new_failed\" value=\"1\"/>", 1},
        {"name=\"failed runs\"", 1},
        {"could have detected ±", 3}, /* on every failure and skip with a spread */
    };
    for (size_t i = 0; i < N_OF(counts); i++)
        if (occurrences(x, counts[i].what) != counts[i].n)
            fail_msg("'%s' %zu times, want %zu, in\n%s", counts[i].what,
                     occurrences(x, counts[i].what), counts[i].n, x);
    assert_non_null(strstr(notes, "environment differs: hosts[a].cpu: x<y -> a&b\n"));
    assert_non_null(strstr(notes, "2 regressed, 0 improved, 1 unchanged, 1 too noisy, 1 too few "
                                  "runs\n"));
    free(x);
    free(notes);
}

/* ---- the command -------------------------------------------------------------------------------
 */

/* Run `migbench compare ARGS` with stdout and stderr sent to /dev/null. */
static int run_cmd(const char *const *args, size_t n)
{
    char *argv[16];
    argv[0] = "compare";
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    fflush(stdout);
    fflush(stderr);
    int o = dup(1), e = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    int rc = mb_cmd_compare((int)n + 1, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(o, 1);
    dup2(e, 2);
    close(o);
    close(e);
    close(null);
    return rc;
}

static void test_command_exit_status(void **state)
{
    (void)state;
    char *a = campaign(false, 1.0, 41, 0, "tcg", "QEMU");
    char *b = campaign(true, 1.0, 42, 0, "tcg", "QEMU");
    char *r = campaign(false, 1.10, 43, 0, "tcg", "QEMU");
    struct {
        const char *args[8];
        size_t n;
        int want;
    } cases[] = {
        {{a, b}, 2, 0},
        {{a, r}, 2, 1},
        {{"--format", "md", a, r}, 4, 1},
        {{"--format", "csv", "--threshold", "20%", a, r}, 6, 0},
        {{"--threshold", "15", a, r}, 4, 0},
        {{"--metric", "downtime_ms", a, r}, 4, 0},
        {{"--alpha", "0.000000001", "--no-correction", a, r}, 5, 0},
        {{"--correction", "holm", a, r}, 4, 1},
        {{"--correction", "sidak", a, r}, 4, 2},
        /* 5 runs a side: at the default minimum and at 5 the regression counts; at 6 every
         * row is too few runs, which is never exit 1 */
        {{"--min-runs", "5", a, r}, 4, 1},
        {{"--min-runs", "6", a, r}, 4, 0},
        {{"--min-runs", "6", "--format", "md", a, r}, 6, 0},
        {{"--min-runs", "1", a, r}, 4, 2},
        {{"--min-runs", "-6", a, r}, 4, 2},
        {{"--min-runs", "five", a, r}, 4, 2},
        {{a}, 1, 2},
        {{a, "/nonexistent"}, 2, 2},
        {{a, "tests/data/report/bad-truncated"}, 2, 2},
        {{"--format", "xml", a, b}, 4, 2},
        {{"--format", "junit", a, r}, 4, 1},
        {{"--format", "junit", a, b}, 4, 0},
        {{"--format", "junit", "--min-runs", "6", a, r}, 6, 0},
        {{"--threshold", "0%", a, b}, 4, 2},
        {{"--alpha", "2", a, b}, 4, 2},
        {{"--metric", "nope", a, b}, 4, 2},
        {{"--bogus", a, b}, 3, 2},
        {{"--help"}, 1, 0},
        {{"tests/data/report", a}, 2, 2}, /* several results directories below */
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        int rc = run_cmd(cases[i].args, cases[i].n);
        if (rc != cases[i].want)
            fail_msg("case %zu: exit %d, want %d", i, rc, cases[i].want);
    }
    rmtree(a);
    rmtree(b);
    rmtree(r);
    free(a);
    free(b);
    free(r);
}

/* ---- A/A calibration ------------------------------------------------------------------------
 */

/* One configuration's campaign: 2 points (vms.memory 256MiB, 512MiB), `runs` runs each,
 * total time ~ N(1000 m, 30 m) and downtime ~ N(50, 1.5); every failed_every-th run of a
 * point fails (0: none). */
static char *aa_campaign(unsigned runs, unsigned failed_every, uint64_t seed)
{
    char *dir = tmpdir();
    const char *f[1] = {"vms.memory"};
    char path[512];
    snprintf(path, sizeof(path), "%s/raw.csv", dir);
    struct mb_results *res;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_results_open(path, f, 1, &res, &err), 0);
    struct mb_results_row *row = mb_results_row_new(res);
    static const char *const mem[] = {"256MiB", "512MiB"};
    rng_state = seed;
    for (unsigned m = 0; m < 2; m++)
        for (unsigned rep = 1; rep <= runs; rep++) {
            mb_results_row_reset(row);
            char key[16], id[MB_RESULTS_RUN_ID_SIZE];
            snprintf(key, sizeof(key), "p%u", m + 1);
            mb_results_row_set_col(row, MB_COL_RUN_ID, "%s", mb_results_run_id("aa", key, rep, id));
            mb_results_row_set_col(row, MB_COL_SCENARIO, "aa");
            mb_results_row_set_col(row, MB_COL_POINT, "%u", m + 1);
            mb_results_row_set_col(row, MB_COL_REPETITION, "%u", rep);
            mb_results_row_set_col(row, MB_COL_VM, "vm1");
            mb_results_row_set_col(row, MB_COL_HOST_FROM, "hostA");
            mb_results_row_set_col(row, MB_COL_HOST_TO, "hostB");
            mb_results_row_set_col(row, MB_COL_STRATEGY, "sequential");
            mb_results_row_set_col(row, MB_COL_BATCH, "1");
            mb_results_row_set_col(row, MB_COL_HOP, "1");
            mb_results_row_set(row, "f.vms.memory", "%s", mem[m]);
            mb_results_row_set_col(row, MB_COL_INTEGRITY, "ok");
            bool bad = failed_every && rep % failed_every == 0;
            mb_results_row_set_col(row, MB_COL_STATUS, bad ? "timeout" : "ok");
            mb_results_row_set_col(row, MB_COL_TOTAL_TIME_MS, "%.3f",
                                   normal(1000.0 * (m + 1), 30.0 * (m + 1)));
            mb_results_row_set_col(row, MB_COL_DOWNTIME_MS, "%.3f", normal(50, 1.5));
            if (mb_results_append(res, row, &err))
                fail_msg("%s", err.msg);
        }
    mb_results_row_free(row);
    mb_results_close(res);
    return dir;
}

/* The halves: runs / 2 each, the odd run out marked 2, the same for the same seed, split
 * and point, and different for another seed or split. */
static void test_aa_split(void **state)
{
    (void)state;
    unsigned char h[21], again[21], other[21];
    for (size_t runs = 0; runs <= 21; runs++) {
        memset(h, 9, sizeof(h));
        mb_compare_aa_split(runs, 7, 3, 1, h);
        size_t n[3] = {0, 0, 0};
        for (size_t r = 0; r < runs; r++) {
            assert_true(h[r] <= 2);
            n[h[r]]++;
        }
        assert_int_equal(n[0], runs / 2);
        assert_int_equal(n[1], runs / 2);
        assert_int_equal(n[2], runs % 2);
        if (runs < 21)
            assert_int_equal(h[runs], 9); /* nothing written past runs */
        mb_compare_aa_split(runs, 7, 3, 1, again);
        assert_memory_equal(h, again, runs);
    }
    /* 20 runs: C(20, 10) ways; another seed, split or point gives other halves */
    mb_compare_aa_split(20, 7, 3, 1, h);
    mb_compare_aa_split(20, 8, 3, 1, other);
    assert_memory_not_equal(h, other, 20);
    mb_compare_aa_split(20, 7, 4, 1, other);
    assert_memory_not_equal(h, other, 20);
    mb_compare_aa_split(20, 7, 3, 2, other);
    assert_memory_not_equal(h, other, 20);
    /* fixed by the seed (SplitMix64, portable): split 0 of point 1 with seed 1; if this
     * changes, the halves behind every published A/A figure change with it */
    mb_compare_aa_split(20, 1, 0, 1, h);
    char text[21];
    for (size_t r = 0; r < 20; r++)
        text[r] = (char)('0' + h[r]);
    text[20] = 0;
    assert_string_equal(text, "10000001101011011011");
}

static struct mb_compare_aa *aa_of(const char *dir, size_t n, uint64_t seed,
                                   const struct mb_compare_opts *o)
{
    struct mb_report_dir *d = load(dir);
    struct mb_compare_aa *a = NULL;
    struct mb_error err;
    mb_error_clear(&err);
    if (mb_compare_aa(d, n, seed, o, &a, &err))
        fail_msg("mb_compare_aa: %s", err.msg);
    mb_report_dir_free(d);
    return a;
}

/* Counting: every comparison's rows add up, the rate is flagged / N with its exact
 * interval, a seed gives the same counts again, and the first splits of a longer
 * calibration are those of a shorter one. */
static void test_aa_counting(void **state)
{
    (void)state;
    char *dir = aa_campaign(20, 0, 51);
    struct mb_compare_opts o;
    mb_compare_opts_default(&o);
    struct mb_compare_aa *a = aa_of(dir, 40, 1, &o), *b = aa_of(dir, 40, 1, &o);
    assert_int_equal(a->splits, 40);
    assert_int_equal(a->points, 2);
    assert_int_equal(a->half_min, 10);
    assert_int_equal(a->half_max, 10);
    assert_int_equal(a->rows, 40 * 2 * 2); /* 2 points x total time and downtime */
    size_t sum = 0;
    for (int v = 0; v < MB_CMP_NVERDICTS; v++)
        sum += a->count[v];
    assert_int_equal(sum, a->rows);
    assert_int_equal(a->count[MB_CMP_FEW], 0);
    assert_int_equal(a->tests, a->rows);
    assert_true(a->flagged <= a->count[MB_CMP_REGRESSED] + a->count[MB_CMP_IMPROVED]);
    assert_true(a->rate == (double)a->flagged / 40);
    double lo, hi;
    mb_stats_binom_ci(a->flagged, 40, 0.95, &lo, &hi);
    assert_true(a->rate_lo == lo && a->rate_hi == hi);
    assert_memory_equal(a->count, b->count, sizeof(a->count));
    assert_int_equal(a->flagged, b->flagged);
    /* normal data, nothing changed: the default decision stays within alpha */
    assert_true(mb_compare_aa_ok(a));
    print_message("A/A, 20 runs a point, 40 splits: %zu flagged\n", a->flagged);
    mb_compare_aa_free(a);
    mb_compare_aa_free(b);
    mb_compare_aa_free(NULL);

    /* a decision that flags by chance: alpha 0.5, no correction, a 0.1 % threshold */
    o.alpha = 0.5;
    o.correction = MB_CMP_CORRECT_NONE;
    o.threshold = 0.001;
    a = aa_of(dir, 40, 1, &o);
    b = aa_of(dir, 10, 1, &o);
    assert_true(a->flagged > 20);
    assert_false(mb_compare_aa_ok(a));
    /* splits 0..9 are the same in both, so the first 10 flag as often */
    assert_true(b->flagged <= a->flagged && b->flagged >= a->flagged - 30);
    size_t flagged10 = b->flagged;
    mb_compare_aa_free(b);
    b = aa_of(dir, 10, 1, &o);
    assert_int_equal(b->flagged, flagged10);
    mb_compare_aa_free(a);
    mb_compare_aa_free(b);

    /* printed: the rate line last */
    mb_compare_opts_default(&o);
    a = aa_of(dir, 20, 3, &o);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    mb_compare_aa_print(a, out);
    fclose(out);
    assert_non_null(strstr(text, "20 A/A comparisons (seed 3): each of the 2 points' runs split "
                                 "at random into two halves of 10 runs"));
    char want[160];
    snprintf(want, sizeof(want), "\nfalse-positive rate: %zu of 20 = %.1f %% (exact 95 %% CI ",
             a->flagged, 100 * a->rate);
    assert_non_null(strstr(text, want));
    assert_non_null(strstr(text, "alpha 5 %: within alpha\n"));
    free(text);
    mb_compare_aa_free(a);
    rmtree(dir);
    free(dir);
}

/* Failed runs are split with their runs: the failed-run rule flags every split whose
 * halves got different shares, and the calibration says so. */
static void test_aa_failed_runs(void **state)
{
    (void)state;
    char *dir = aa_campaign(20, 4, 52); /* 5 of 20 runs fail at each point */
    struct mb_compare_opts o;
    mb_compare_opts_default(&o);
    struct mb_compare_aa *a = aa_of(dir, 20, 1, &o);
    /* 2 points x 2 metrics + a failed-runs row each */
    assert_int_equal(a->rows, 20 * 2 * 3);
    /* 5 failed runs never split evenly into two halves of 10 */
    assert_int_equal(a->flagged, 20);
    assert_true(a->flagged_failed_only > 0);
    assert_false(mb_compare_aa_ok(a));
    mb_compare_aa_free(a);
    rmtree(dir);
    free(dir);
}

static void test_aa_command(void **state)
{
    (void)state;
    char *d = aa_campaign(20, 0, 53), *small = aa_campaign(9, 0, 54);
    struct {
        const char *args[12];
        size_t n;
        int want;
    } cases[] = {
        {{"--aa", "20", d}, 3, 0},
        {{"--aa", "20", "--seed", "5", d}, 5, 0},
        {{"--aa=20", "--seed=0", "--format", "text", d}, 5, 0},
        {{"--aa", "20", "--alpha", "0.5", "--no-correction", "--threshold", "0.1%", d}, 8, 1},
        {{"--aa", "20", d, d}, 4, 2},
        {{"--aa", "0", d}, 3, 2},
        {{"--aa", "many", d}, 3, 2},
        {{"--aa", "20", "--seed", "-1", d}, 5, 2},
        {{"--aa", "20", "--format", "csv", d}, 5, 2},
        {{"--seed", "3", d, d}, 4, 2},
        {{"--aa", "20", small}, 3, 2}, /* halves of 4 runs, below --min-runs 5 */
        {{"--aa", "20", "--min-runs", "4", small}, 5, 0},
        {{"--aa", "20", "tests/data/report/bad-truncated"}, 3, 2},
        {{"--aa", "20", "/nonexistent"}, 3, 2},
        {{"--aa", "20", "--metric", "nope", d}, 5, 2},
        {{"--aa", "20"}, 2, 2},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        int rc = run_cmd(cases[i].args, cases[i].n);
        if (rc != cases[i].want)
            fail_msg("case %zu: exit %d, want %d", i, rc, cases[i].want);
    }
    rmtree(d);
    rmtree(small);
    free(d);
    free(small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_injected_regression_is_flagged),
        cmocka_unit_test(test_injected_regression_among_many_tests),
        cmocka_unit_test(test_same_configuration_is_not_flagged),
        cmocka_unit_test(test_verdict_table),
        cmocka_unit_test(test_min_runs_boundary),
        cmocka_unit_test(test_detectable_change),
        cmocka_unit_test(test_corrections),
        cmocka_unit_test(test_change_interval),
        cmocka_unit_test(test_constant_samples_corrected),
        cmocka_unit_test(test_summary_line),
        cmocka_unit_test(test_junit),
        cmocka_unit_test(test_dirs_same_configuration),
        cmocka_unit_test(test_dirs_regression_and_environment),
        cmocka_unit_test(test_dirs_errors),
        cmocka_unit_test(test_command_exit_status),
        cmocka_unit_test(test_aa_split),
        cmocka_unit_test(test_aa_counting),
        cmocka_unit_test(test_aa_failed_runs),
        cmocka_unit_test(test_aa_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
