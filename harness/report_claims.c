/* report_claims.c — a scenario's claim checked against its data: the rule language
 * (flat, rises, falls, knee, less, greater, parallel_slower, parallel_faster,
 * diagonal_worst; docs/report.md), the evaluators in rule_table[], and the paper table
 * that supplies rules by the scenario's paper: field.  Every rule is decided on 95 %
 * confidence intervals of means, never on the means alone. */
#include "report_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/units.h"

/* The paper's experiments, keyed by the scenario's `paper:` field.  Each row names the
 * factor keys its scenarios (scenarios/) sweep, so a row changes with them; a rule whose
 * factor or metric a scenario lacks is "not evaluated", never a false verdict. */
const struct mb_report_paper_check mb_report_paper_checks[] = {
    {"Fig. 2", "flat(total_time_ms, reservation.source.cpu_cap, 10%); "
               "flat(downtime_ms, reservation.source.cpu_cap, 25%)"},
    {"Fig. 3", "rises(total_time_ms, vms.memory, 10%)"},
    {"Fig. 4", "knee(total_time_ms, reservation.source.cpu_cap, 50%)"},
    {"Fig. 5", "flat(total_time_ms, reservation.destination.cpu, 10%); "
               "flat(downtime_ms, reservation.destination.cpu, 25%)"},
    {"Fig. 6", "flat(total_time_ms, reservation.destination.memory, 10%); "
               "flat(downtime_ms, reservation.destination.memory, 25%)"},
    {"Fig. 8", "parallel_slower(vms.count)"},
    {"Fig. 9", "parallel_faster(vms.count)"},
    {NULL, NULL},
};

const char *mb_report_verdict_name(enum mb_report_verdict v)
{
    static const char *const names[] = {
        [MB_VERDICT_NOT_EVALUATED] = "not evaluated",
        [MB_VERDICT_CONFIRMED] = "confirmed",
        [MB_VERDICT_REFUTED] = "refuted",
        [MB_VERDICT_INCONCLUSIVE] = "inconclusive",
    };
    return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "not evaluated";
}

/* "Fig. 3", "fig3", "Figure 3 (a)" -> "fig3"; "Table 1" -> "table1"; else "". */
static void paper_id(const char *s, char *out, size_t len)
{
    out[0] = '\0';
    if (!s)
        return;
    while (*s == ' ')
        s++;
    const char *kind = NULL;
    if (!strncasecmp(s, "fig", 3))
        kind = "fig";
    else if (!strncasecmp(s, "tab", 3))
        kind = "table";
    if (!kind)
        return;
    while (*s && !(*s >= '0' && *s <= '9'))
        if (*s++ == '(')
            return;
    size_t n = strspn(s, "0123456789");
    if (n)
        snprintf(out, len, "%s%.*s", kind, (int)n, s);
}

static void evidence(struct mb_report_claim *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void evidence(struct mb_report_claim *c, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    mb_buf_printf(&c->evidence, "%s\n", buf);
}

struct rule {
    char name[40];
    char *arg[8];
    size_t narg;
};

static char *trim_ws(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* Parse "name(a, b, c)" in place. */
static int parse_rule(char *s, struct rule *r, char *why, size_t whylen)
{
    memset(r, 0, sizeof(*r));
    s = trim_ws(s);
    char *open = strchr(s, '(');
    size_t n = strlen(s);
    if (!open || n == 0 || s[n - 1] != ')') {
        snprintf(why, whylen, "'%s' is not of the form name(arguments)", s);
        return -1;
    }
    s[n - 1] = '\0';
    *open = '\0';
    snprintf(r->name, sizeof(r->name), "%s", trim_ws(s));
    char *args = open + 1;
    if (!*trim_ws(args))
        return 0;
    for (char *tok = args;;) {
        char *comma = strchr(tok, ',');
        if (comma)
            *comma = '\0';
        if (r->narg == sizeof(r->arg) / sizeof(r->arg[0])) {
            snprintf(why, whylen, "%s: too many arguments", r->name);
            return -1;
        }
        r->arg[r->narg++] = trim_ws(tok);
        if (!comma)
            break;
        tok = comma + 1;
    }
    return 0;
}

static bool parse_pct(const char *s, double *out)
{
    char why[64];
    double v;
    if (mb_parse_percent(s, &v, why, sizeof(why)))
        return false;
    *out = v / 100;
    return true;
}

/* Resolve a metric argument; NOT_EVALUATED with a reason when the directory has none. */
static int rule_metric(const struct mb_report_dir *d, const char *s, struct mb_report_claim *c,
                       const char *rule)
{
    int m = mb_results_column_find(s);
    if (!mb_report_is_metric(m)) {
        evidence(c, "%s: '%s' is not a numeric metric of raw.csv", rule, s);
        return -2;
    }
    if (!d->has_metric[m]) {
        evidence(c, "%s: no run has a value of %s", rule, s);
        return -1;
    }
    return m;
}

static int rule_factor(const struct mb_report_dir *d, const char *s, struct mb_report_claim *c,
                       const char *rule)
{
    int f = mb_report_factor_find(d, s);
    if (f < 0)
        evidence(c, "%s: the scenario has no factor %s (it does not vary it)", rule, s);
    return f;
}

/* A rule's decision, and each slice's and each interval's: the interval wholly inside
 * the region the rule allows (confirmed), wholly outside it (refuted), across its limit
 * (inconclusive), or no interval (not evaluated). */
enum rv { RV_NOT_EVALUATED, RV_CONFIRMED, RV_REFUTED, RV_INCONCLUSIVE, RV_MALFORMED };

/* Every interval is a 95 % one. */
#define CLAIM_LEVEL 0.95

/* Decisions combined with "and": refuted if any is, else not evaluated if any is, else
 * inconclusive if any is, else confirmed.  runs: the runs per point that would decide
 * every inconclusive one (the largest), NAN when one of them cannot be estimated. */
struct tally {
    size_t n[RV_MALFORMED + 1];
    double runs;
};

static void tally_add(struct tally *t, enum rv v, double runs)
{
    t->n[v]++;
    if (v == RV_INCONCLUSIVE)
        t->runs = isnan(runs) || isnan(t->runs) ? NAN : fmax(t->runs, runs);
}

static enum rv tally_verdict(const struct tally *t)
{
    return t->n[RV_REFUTED]         ? RV_REFUTED
           : t->n[RV_NOT_EVALUATED] ? RV_NOT_EVALUATED
           : t->n[RV_INCONCLUSIVE]  ? RV_INCONCLUSIVE
           : t->n[RV_CONFIRMED]     ? RV_CONFIRMED
                                    : RV_NOT_EVALUATED;
}

void mb_report_runs_needed_text(struct mb_buf *b, double runs)
{
    if (isnan(runs))
        mb_buf_printf(b, " (the runs per point that would decide it cannot be estimated)");
    else if (runs > MB_REPORT_RUNS_SHOWN_MAX)
        mb_buf_printf(b, " (more than %.0f runs per point: the estimate sits on the rule's limit)",
                      MB_REPORT_RUNS_SHOWN_MAX);
    else
        mb_buf_printf(b, " (about %.0f runs per point would decide it)", runs);
}

/* How bad a decision is for the claim, to pick the interval to show. */
static int rv_rank(enum rv v)
{
    return v == RV_CONFIRMED ? 0 : v == RV_INCONCLUSIVE ? 1 : v == RV_NOT_EVALUATED ? 2 : 3;
}

/* ": confirmed", ": inconclusive (about 12 runs per point would decide it)", ... */
static void verdict_text(struct mb_buf *b, enum rv v, double runs)
{
    if (v == RV_CONFIRMED)
        mb_buf_printf(b, ": confirmed");
    else if (v == RV_REFUTED)
        mb_buf_printf(b, ": refuted");
    else if (v == RV_INCONCLUSIVE) {
        mb_buf_printf(b, ": inconclusive");
        mb_report_runs_needed_text(b, runs);
    } else
        mb_buf_printf(b, ": not evaluated");
}

/* One interval tested against the region (lo_lim, hi_lim) the rule allows (either limit
 * may be infinite). */
struct itest {
    double est, lo, hi;
    enum rv v;
    double runs; /* when inconclusive */
};

static enum rv against(double lo, double hi, double lo_lim, double hi_lim)
{
    if (isnan(lo) || isnan(hi))
        return RV_NOT_EVALUATED;
    if (lo > lo_lim && hi < hi_lim)
        return RV_CONFIRMED;
    if (hi < lo_lim || lo > hi_lim)
        return RV_REFUTED;
    return RV_INCONCLUSIVE; /* touching a limit is across it */
}

static struct mb_stats_sample sample_of(const struct mb_report_samples *s)
{
    return (struct mb_stats_sample){s ? s->v : NULL, s ? s->n : 0};
}

static double mean_of(const struct mb_report_samples *s)
{
    return s ? mb_stats_mean(s->v, s->n) : NAN;
}

/* mean(a) - mean(b), times scale, against (lo_lim, hi_lim).  The runs needed use the
 * distance from the estimate to the nearer limit and sqrt(sd_a^2 + sd_b^2) scaled. */
static struct itest diff_test(const struct mb_report_samples *a, const struct mb_report_samples *b,
                              double scale, double lo_lim, double hi_lim)
{
    struct mb_stats_interval iv = mb_stats_welch_interval(a->v, a->n, b->v, b->n, CLAIM_LEVEL);
    struct itest t = {.est = iv.est * scale, .lo = iv.lo * scale, .hi = iv.hi * scale};
    if (scale < 0) {
        double x = t.lo;
        t.lo = t.hi;
        t.hi = x;
    }
    t.v = against(t.lo, t.hi, lo_lim, hi_lim);
    if (t.v == RV_INCONCLUSIVE) {
        double s = hypot(mb_stats_sd(a->v, a->n), mb_stats_sd(b->v, b->n)) * fabs(scale);
        t.runs =
            mb_stats_runs_needed(s, fmin(fabs(t.est - lo_lim), fabs(t.est - hi_lim)), CLAIM_LEVEL);
    }
    return t;
}

/* prod mean(num) / prod mean(den), times scale (> 0), against (lo_lim, hi_lim), on the
 * log scale: the runs needed use ln(estimate / nearer positive limit) and sqrt(sum of
 * cv^2). */
static struct itest ratio_test(const struct mb_stats_sample *num, size_t nn,
                               const struct mb_stats_sample *den, size_t nd, double scale,
                               double lo_lim, double hi_lim)
{
    struct mb_stats_interval iv = mb_stats_ratio_interval(num, nn, den, nd, CLAIM_LEVEL);
    struct itest t = {.est = iv.est * scale, .lo = iv.lo * scale, .hi = iv.hi * scale};
    t.v = against(t.lo, t.hi, lo_lim, hi_lim);
    if (t.v != RV_INCONCLUSIVE)
        return t;
    double s2 = 0, dist = INFINITY;
    for (size_t i = 0; i < nn + nd; i++) {
        const struct mb_stats_sample *x = i < nn ? &num[i] : &den[i - nn];
        double cv = mb_stats_cv(x->x, x->n);
        s2 += cv * cv;
    }
    if (lo_lim > 0 && isfinite(lo_lim))
        dist = fabs(log(t.est / lo_lim));
    if (hi_lim > 0 && isfinite(hi_lim))
        dist = fmin(dist, fabs(log(t.est / hi_lim)));
    t.runs = mb_stats_runs_needed(sqrt(s2), dist, CLAIM_LEVEL);
    return t;
}

/* "+12.5 % (95 % CI -3.1 % to +28.0 %)" of a relative quantity (0.125); with no interval,
 * "+12.5 % (no interval)". */
static void pct_ci(struct mb_buf *b, const struct itest *t, double offset)
{
    if (isnan(t->est)) {
        mb_buf_printf(b, "n/a");
        return;
    }
    mb_buf_printf(b, "%+.1f %%", 100 * (t->est - offset));
    if (isnan(t->lo))
        mb_buf_printf(b, " (no interval)");
    else
        mb_buf_printf(b, " (95 %% CI %+.1f %% to %+.1f %%)", 100 * (t->lo - offset),
                      100 * (t->hi - offset));
}

/* The same for a difference in the metric's unit. */
static void value_ci(struct mb_buf *b, int metric, const struct itest *t)
{
    char e[64], lo[64], hi[64];
    mb_report_fmt_value(metric, t->est, e, sizeof(e));
    mb_report_fmt_value(metric, t->lo, lo, sizeof(lo));
    mb_report_fmt_value(metric, t->hi, hi, sizeof(hi));
    if (isnan(t->lo))
        mb_buf_printf(b, "%s (no interval)", e);
    else
        mb_buf_printf(b, "%s (95 %% CI %s to %s)", e, lo, hi);
}

/* The levels of factor f with values of metric in a slice: their indexes, points and
 * means.  *few receives the first of them with fewer than 2 runs (no interval), or -1. */
static size_t along(const struct mb_report_dir *d, const struct mb_report_slice *s, int f,
                    int metric, size_t *lv, const struct mb_report_point **pt, double *v, int *few)
{
    size_t n = 0;
    *few = -1;
    for (size_t k = 0; k < d->factors[f].nlevels; k++) {
        const struct mb_report_point *p = s->at[k];
        if (!p || !p->s[metric].n)
            continue;
        if (p->s[metric].n < 2 && *few < 0)
            *few = (int)k;
        lv[n] = k;
        pt[n] = p;
        v[n++] = mean_of(&p->s[metric]);
    }
    return n;
}

static void list_values(const struct mb_report_dir *d, int f, int metric, const size_t *lv,
                        const double *v, size_t n, struct mb_buf *b)
{
    for (size_t i = 0; i < n; i++) {
        char t[64];
        mb_report_fmt_value(metric, v[i], t, sizeof(t));
        mb_buf_printf(b, "%s%s %s", i ? ", " : "", d->factors[f].levels[lv[i]], t);
    }
}

/* Levels [from, n) flat within tol: every pair's difference of means, over the mean of
 * their means, inside (-tol, tol).  Prints the pair of the largest and smallest mean
 * (the spread) and, when another pair decides worse, that pair too. */
static enum rv flat_levels(const struct mb_report_dir *d, int f, int m, const size_t *lv,
                           const struct mb_report_point *const *pt, const double *v, size_t from,
                           size_t n, double tol, const char *lead, struct mb_buf *line,
                           double *runs)
{
    size_t hi = from, lo = from;
    double sum = 0;
    for (size_t i = from; i < n; i++) {
        hi = v[i] > v[hi] ? i : hi;
        lo = v[i] <= v[lo] ? i : lo; /* the last, so lo != hi when all are equal */
        sum += v[i];
    }
    double grand = fabs(sum / (double)(n - from));
    struct tally t = {0};
    struct itest ext = {.est = 0, .lo = 0, .hi = 0, .v = RV_CONFIRMED}, worst = ext;
    size_t wa = hi, wb = lo;
    for (size_t i = from; i < n && grand > 0; i++)
        for (size_t j = from; j < n; j++) {
            if (i == j || v[i] < v[j] || (v[i] == v[j] && i > j))
                continue; /* each pair once, larger mean first */
            struct itest x = diff_test(&pt[i]->s[m], &pt[j]->s[m], 1 / grand, -tol, tol);
            tally_add(&t, x.v, x.runs);
            if (i == hi && j == lo)
                ext = x;
            if (rv_rank(x.v) > rv_rank(worst.v) ||
                (rv_rank(x.v) == rv_rank(worst.v) && x.est > worst.est)) {
                worst = x;
                wa = i;
                wb = j;
            }
        }
    if (!(grand > 0)) {
        mb_buf_printf(line, "; the mean is 0: no relative spread");
        *runs = NAN;
        return RV_NOT_EVALUATED;
    }
    mb_buf_printf(line, "%s (max - min) / mean = ", lead);
    pct_ci(line, &ext, 0);
    mb_buf_printf(line, ", limit %.0f %%", 100 * tol);
    if ((wa != hi || wb != lo) && rv_rank(worst.v) > rv_rank(ext.v)) {
        mb_buf_printf(line, "; %s - %s: ", d->factors[f].levels[lv[wa]],
                      d->factors[f].levels[lv[wb]]);
        pct_ci(line, &worst, 0);
    }
    *runs = t.runs;
    return tally_verdict(&t);
}

/* rises / falls: first to last by at least min, and no step between neighbouring levels
 * against the trend by more than 5 %, each as a ratio of means. */
static enum rv monotone_levels(int m, const struct mb_report_point *const *pt, size_t n, bool rises,
                               double min, struct mb_buf *line, double *runs)
{
    struct tally t = {0};
    struct mb_stats_sample first = sample_of(&pt[0]->s[m]), last = sample_of(&pt[n - 1]->s[m]);
    struct itest ch = rises ? ratio_test(&last, 1, &first, 1, 1, 1 + min, INFINITY)
                            : ratio_test(&last, 1, &first, 1, 1, -INFINITY, 1 - min);
    tally_add(&t, ch.v, ch.runs);
    struct itest worst = {.est = NAN, .lo = NAN, .hi = NAN, .v = RV_CONFIRMED};
    for (size_t i = 0; i + 1 < n; i++) {
        struct mb_stats_sample a = sample_of(&pt[i + 1]->s[m]), b = sample_of(&pt[i]->s[m]);
        struct itest st = rises ? ratio_test(&a, 1, &b, 1, 1, 0.95, INFINITY)
                                : ratio_test(&a, 1, &b, 1, 1, -INFINITY, 1.05);
        tally_add(&t, st.v, st.runs);
        bool worse = rises ? st.est < worst.est : st.est > worst.est;
        if (isnan(worst.est) || rv_rank(st.v) > rv_rank(worst.v) ||
            (rv_rank(st.v) == rv_rank(worst.v) && worse))
            worst = st;
    }
    mb_buf_printf(line, "; %s ", rises ? "rises" : "falls");
    pct_ci(line, &ch, 1);
    mb_buf_printf(line, " from first to last (needs %s%.0f %%), worst step ", rises ? "+" : "-",
                  100 * min);
    pct_ci(line, &worst, 1);
    mb_buf_printf(line, " (limit %s5 %%)", rises ? "-" : "+");
    *runs = t.runs;
    return tally_verdict(&t);
}

/* knee: falls by at least min from the first level to the knee (index ki), then flat
 * within tol from the knee on. */
static enum rv knee_levels(const struct mb_report_dir *d, int f, int m, const size_t *lv,
                           const struct mb_report_point *const *pt, const double *v, size_t n,
                           size_t ki, double tol, double min, struct mb_buf *line, double *runs)
{
    struct tally t = {0};
    struct mb_stats_sample first = sample_of(&pt[0]->s[m]), at = sample_of(&pt[ki]->s[m]);
    struct itest fall = ratio_test(&at, 1, &first, 1, 1, -INFINITY, 1 - min);
    tally_add(&t, fall.v, fall.runs);
    /* shown as the fall, 1 - ratio */
    struct itest shown = {.est = 1 - fall.est, .lo = 1 - fall.hi, .hi = 1 - fall.lo};
    mb_buf_printf(line, "; falls ");
    pct_ci(line, &shown, 0);
    mb_buf_printf(line, " up to %s (needs %.0f %%), then", d->factors[f].levels[lv[ki]], 100 * min);
    double flat_runs = 0;
    enum rv fl = RV_CONFIRMED;
    if (ki + 1 < n)
        fl = flat_levels(d, f, m, lv, pt, v, ki, n, tol, " spread", line, &flat_runs);
    else
        mb_buf_printf(line, " no level after it (limit %.0f %%)", 100 * tol);
    tally_add(&t, fl, flat_runs);
    *runs = t.runs;
    return tally_verdict(&t);
}

/* The knee level's index in factor f, or -1 (a level named as written, or a number
 * equal to a numeric level's value). */
static int knee_index(const struct mb_report_factor *fa, const char *level)
{
    int kidx = mb_report_level_index(fa, level);
    double want;
    if (kidx < 0 && fa->numeric && mb_report_level_number(fa->opt, level, &want))
        for (size_t k = 0; k < fa->nlevels; k++)
            if (fa->num[k] == want)
                kidx = (int)k;
    return kidx;
}

/* flat / rises / falls / knee over one factor, in every slice. */
static enum rv rule_trend(const struct mb_report_dir *d, const struct rule *r,
                          struct mb_report_claim *c, const char *text, double *runs)
{
    bool flat = !strcmp(r->name, "flat"), rises = !strcmp(r->name, "rises"),
         knee = !strcmp(r->name, "knee");
    size_t need = flat ? 3 : knee ? 3 : 2;
    if (r->narg < need || r->narg > (knee ? 5 : 3)) {
        evidence(c, "%s: %s takes (metric, factor%s)", text, r->name,
                 flat   ? ", tolerance%"
                 : knee ? ", knee level[, tolerance%[, minimum fall%]]"
                        : "[, minimum change%]");
        return RV_MALFORMED;
    }
    double tol = 0.10, min = 0.10;
    if ((flat && !parse_pct(r->arg[2], &tol)) ||
        (!flat && !knee && r->narg > 2 && !parse_pct(r->arg[2], &min)) ||
        (knee && r->narg > 3 && !parse_pct(r->arg[3], &tol)) ||
        (knee && r->narg > 4 && !parse_pct(r->arg[4], &min))) {
        evidence(c, "%s: tolerances are percentages such as 10%%", text);
        return RV_MALFORMED;
    }
    int m = rule_metric(d, r->arg[0], c, text);
    if (m == -2)
        return RV_MALFORMED;
    int f = rule_factor(d, r->arg[1], c, text);
    if (m < 0 || f < 0)
        return RV_NOT_EVALUATED;
    const struct mb_report_factor *fa = &d->factors[f];
    int kidx = knee ? knee_index(fa, r->arg[2]) : -1;
    if (knee && kidx < 0) {
        evidence(c, "%s: %s has no level %s", text, fa->key, r->arg[2]);
        return RV_NOT_EVALUATED;
    }
    struct mb_report_slice *sl;
    int fixed[1] = {f};
    size_t ns = mb_report_slices_make(d, fixed, 1, &sl);
    size_t *lv = mb_xcalloc(fa->nlevels + 1, sizeof(size_t));
    double *v = mb_xcalloc(fa->nlevels + 1, sizeof(double));
    const struct mb_report_point **pt = mb_xcalloc(fa->nlevels + 1, sizeof(*pt));
    struct tally t = {0};
    for (size_t s = 0; s < ns; s++) {
        char pre[560];
        int few;
        size_t n = along(d, &sl[s], f, m, lv, pt, v, &few);
        struct mb_buf line = {0};
        mb_buf_printf(&line, "%s%s by %s: ", mb_report_slice_prefix(&sl[s], pre, sizeof(pre)),
                      r->arg[0], fa->key);
        list_values(d, f, m, lv, v, n, &line);
        size_t ki = n;
        for (size_t i = 0; knee && i < n; i++)
            if ((int)lv[i] == kidx)
                ki = i;
        enum rv sv = RV_NOT_EVALUATED;
        double sr = 0;
        if (n < 2 || (knee && (ki == n || ki == 0)))
            mb_buf_printf(&line, "; too few levels with values to judge");
        else if (flat)
            sv = flat_levels(d, f, m, lv, pt, v, 0, n, tol, "; spread", &line, &sr);
        else if (knee)
            sv = knee_levels(d, f, m, lv, pt, v, n, ki, tol, min, &line, &sr);
        else
            sv = monotone_levels(m, pt, n, rises, min, &line, &sr);
        /* the intervals that exist are still tested: one wholly outside refutes */
        if (sv == RV_NOT_EVALUATED && few >= 0)
            mb_buf_printf(&line, "; %s has fewer than 2 runs: no interval", fa->levels[few]);
        verdict_text(&line, sv, sr);
        evidence(c, "%s", line.data);
        mb_buf_free(&line);
        tally_add(&t, sv, sr);
    }
    free(lv);
    free(v);
    free(pt);
    mb_report_slices_free(sl, ns);
    *runs = t.runs;
    return tally_verdict(&t);
}

/* less / greater: metric at F=A against F=B, in every slice, by the Welch interval of the
 * difference of their means. */
static enum rv rule_compare(const struct mb_report_dir *d, const struct rule *r,
                            struct mb_report_claim *c, const char *text, double *runs)
{
    bool less = !strcmp(r->name, "less");
    if (r->narg != 3 || !strchr(r->arg[1], '=') || !strchr(r->arg[2], '=')) {
        evidence(c, "%s: %s takes (metric, factor=level, factor=level)", text, r->name);
        return RV_MALFORMED;
    }
    int m = rule_metric(d, r->arg[0], c, text);
    if (m == -2)
        return RV_MALFORMED;
    char fa_key[256], fb_key[256];
    const char *la = strchr(r->arg[1], '=') + 1, *lb = strchr(r->arg[2], '=') + 1;
    snprintf(fa_key, sizeof(fa_key), "%.*s", (int)(la - 1 - r->arg[1]), r->arg[1]);
    snprintf(fb_key, sizeof(fb_key), "%.*s", (int)(lb - 1 - r->arg[2]), r->arg[2]);
    if (strcmp(trim_ws(fa_key), trim_ws(fb_key))) {
        evidence(c, "%s: both levels must be of one factor", text);
        return RV_MALFORMED;
    }
    int f = rule_factor(d, trim_ws(fa_key), c, text);
    if (m < 0 || f < 0)
        return RV_NOT_EVALUATED;
    int ia = mb_report_level_index(&d->factors[f], la),
        ib = mb_report_level_index(&d->factors[f], lb);
    if (ia < 0 || ib < 0) {
        evidence(c, "%s: %s has no level %s", text, d->factors[f].key, ia < 0 ? la : lb);
        return RV_NOT_EVALUATED;
    }
    struct mb_report_slice *sl;
    int fixed[1] = {f};
    size_t ns = mb_report_slices_make(d, fixed, 1, &sl);
    struct tally t = {0};
    for (size_t s = 0; s < ns; s++) {
        const struct mb_report_point *pa = sl[s].at[ia], *pb = sl[s].at[ib];
        const struct mb_report_samples *sa = pa ? &pa->s[m] : NULL, *sb = pb ? &pb->s[m] : NULL;
        double va = mean_of(sa), vb = mean_of(sb);
        char pre[560], ta[64], tb[64];
        mb_report_fmt_value(m, va, ta, sizeof(ta));
        mb_report_fmt_value(m, vb, tb, sizeof(tb));
        struct mb_buf line = {0};
        mb_buf_printf(&line, "%s%s: %s at %s=%s vs %s at %s",
                      mb_report_slice_prefix(&sl[s], pre, sizeof(pre)), r->arg[0], ta,
                      d->factors[f].key, la, tb, lb);
        enum rv sv = RV_NOT_EVALUATED;
        double sr = 0;
        if (!isfinite(va) || !isfinite(vb)) {
            mb_buf_printf(&line, "; too few values to judge");
        } else if (sa->n < 2 || sb->n < 2) {
            mb_buf_printf(&line, "; %s has fewer than 2 runs: no interval", sa->n < 2 ? la : lb);
        } else {
            struct itest x =
                less ? diff_test(sa, sb, 1, -INFINITY, 0) : diff_test(sa, sb, 1, 0, INFINITY);
            struct mb_stats_welch w = mb_stats_welch(sa->v, sa->n, sb->v, sb->n);
            mb_buf_printf(&line, "; difference ");
            value_ci(&line, m, &x);
            mb_buf_printf(&line, ", %+.1f %%, Welch p = %.3g", vb != 0 ? 100 * (va / vb - 1) : NAN,
                          w.p);
            sv = x.v;
            sr = x.runs;
        }
        verdict_text(&line, sv, sr);
        evidence(c, "%s", line.data);
        mb_buf_free(&line);
        tally_add(&t, sv, sr);
    }
    mb_report_slices_free(sl, ns);
    *runs = t.runs;
    return tally_verdict(&t);
}

/* One slice of parallel_slower / parallel_faster: at every count N >= 2 with both times,
 * the interval of real / computed against 1; for slower, also the interval of the gap's
 * growth from the smallest to the largest such N, (real/computed at the largest) /
 * (real/computed at the smallest), against 1. */
static enum rv parallel_slice(const struct mb_report_dir *d, const struct mb_report_slice *sl,
                              int fc, int fs, int m, bool slower, struct mb_buf *line, double *runs)
{
    struct tally t = {0};
    struct mb_report_rvc first = {0}, last = {0};
    size_t judged = 0;
    for (size_t l = 0; l < d->factors[fc].nlevels; l++) {
        struct mb_report_rvc o;
        mb_report_rvc_at(d, sl, fc, fs, m, l, &o);
        double real = mean_of(o.real_s), unit = mean_of(o.unit_s);
        if (o.n < 2 || !isfinite(real) || !isfinite(unit))
            continue;
        char tr[64], tc[64];
        mb_report_fmt_value(m, real, tr, sizeof(tr));
        mb_report_fmt_value(m, o.n * unit, tc, sizeof(tc));
        mb_buf_printf(line, "%s N=%g %s vs %s, ", judged ? ";" : "", o.n, tr, tc);
        struct mb_stats_sample a = sample_of(o.real_s), b = sample_of(o.unit_s);
        struct itest x = slower ? ratio_test(&a, 1, &b, 1, 1 / o.n, 1, INFINITY)
                                : ratio_test(&a, 1, &b, 1, 1 / o.n, -INFINITY, 1);
        pct_ci(line, &x, 1);
        tally_add(&t, x.v, x.runs);
        if (!judged)
            first = o;
        last = o;
        judged++;
    }
    if (!judged) {
        mb_buf_printf(line, " no count of 2 or more VMs with both times (needs parallel "
                            "runs and single-VM or sequential runs)");
        *runs = NAN;
        return RV_NOT_EVALUATED;
    }
    mb_buf_printf(line, "; needs real %s computed at every N >= 2", slower ? "above" : "below");
    if (slower && judged >= 2) {
        struct mb_stats_sample num[2] = {sample_of(last.real_s), sample_of(first.unit_s)};
        struct mb_stats_sample den[2] = {sample_of(first.real_s), sample_of(last.unit_s)};
        /* with one unit for every N it cancels out */
        size_t k = first.unit_shared ? 1 : 2;
        struct itest g = ratio_test(num, k, den, k, first.n / last.n, 1, INFINITY);
        mb_buf_printf(line, ", and the gap to grow from N=%g to N=%g: real/computed changes by ",
                      first.n, last.n);
        pct_ci(line, &g, 1);
        tally_add(&t, g.v, g.runs);
    }
    *runs = t.runs;
    return tally_verdict(&t);
}

static enum rv rule_parallel(const struct mb_report_dir *d, const struct rule *r,
                             struct mb_report_claim *c, const char *text, double *runs)
{
    bool slower = !strcmp(r->name, "parallel_slower");
    if (r->narg < 1 || r->narg > 2) {
        evidence(c, "%s: %s takes (count factor[, metric]), e.g. (vms.count)", text, r->name);
        return RV_MALFORMED;
    }
    int m = rule_metric(d, r->narg > 1 ? r->arg[1] : "batch_makespan_ms", c, text);
    if (m == -2)
        return RV_MALFORMED;
    int fc = rule_factor(d, r->arg[0], c, text);
    if (m < 0 || fc < 0)
        return RV_NOT_EVALUATED;
    if (!d->factors[fc].numeric) {
        evidence(c, "%s: %s is not a number of VMs", text, r->arg[0]);
        return RV_NOT_EVALUATED;
    }
    int fs = mb_report_factor_find(d, "migration.strategy");
    int fixed[2] = {fc, fs};
    struct mb_report_slice *sl;
    size_t ns = mb_report_slices_make(d, fixed, fs >= 0 ? 2 : 1, &sl);
    struct tally t = {0};
    for (size_t s = 0; s < ns; s++) {
        struct mb_buf line = {0};
        char pre[560];
        mb_buf_printf(&line, "%sreal (parallel) vs computed (N × one VM):",
                      mb_report_slice_prefix(&sl[s], pre, sizeof(pre)));
        double sr = 0;
        enum rv sv = parallel_slice(d, &sl[s], fc, fs, m, slower, &line, &sr);
        verdict_text(&line, sv, sr);
        evidence(c, "%s", line.data);
        mb_buf_free(&line);
        tally_add(&t, sv, sr);
    }
    mb_report_slices_free(sl, ns);
    *runs = t.runs;
    return tally_verdict(&t);
}

/* One row of diagonal_worst: the diagonal cell's metric against every other cell's, by
 * the Welch interval of their difference (above 0).  RV_MALFORMED (not a decision) when
 * the row has no diagonal cell or no other cell. */
static enum rv diagonal_row(const struct mb_report_factor *C,
                            const struct mb_report_point *const *at, int diag, int m,
                            struct mb_buf *line, double *runs)
{
    const struct mb_report_samples *sd = &at[diag]->s[m];
    struct tally t = {0};
    size_t others = 0;
    for (size_t j = 0; j < C->nlevels; j++) {
        const struct mb_report_point *p = at[j];
        if ((int)j == diag || !p || !p->s[m].n)
            continue;
        char v[64];
        mb_report_fmt_value(m, mean_of(&p->s[m]), v, sizeof(v));
        mb_buf_printf(line, ", with %s %s", C->levels[j], v);
        if (sd->n < 2 || p->s[m].n < 2) {
            mb_buf_printf(line, " (fewer than 2 runs: no interval)");
            tally_add(&t, RV_NOT_EVALUATED, 0);
        } else {
            struct itest x = diff_test(sd, &p->s[m], 1, 0, INFINITY);
            mb_buf_printf(line, " (diagonal higher by ");
            value_ci(line, m, &x);
            mb_buf_printf(line, ")");
            tally_add(&t, x.v, x.runs);
        }
        others++;
    }
    *runs = t.runs;
    return others ? tally_verdict(&t) : RV_MALFORMED;
}

/* diagonal_worst(metric, row factor, column factor): in each row, the cell whose column
 * level equals the row's level has the highest value (co-locating the same workload is
 * the worst placement). */
static enum rv rule_diagonal(const struct mb_report_dir *d, const struct rule *r,
                             struct mb_report_claim *c, const char *text, double *runs)
{
    if (r->narg != 3) {
        evidence(c, "%s: diagonal_worst takes (metric, row factor, column factor)", text);
        return RV_MALFORMED;
    }
    int m = rule_metric(d, r->arg[0], c, text);
    if (m == -2)
        return RV_MALFORMED;
    int fr = rule_factor(d, r->arg[1], c, text), fcl = rule_factor(d, r->arg[2], c, text);
    if (m < 0 || fr < 0 || fcl < 0)
        return RV_NOT_EVALUATED;
    const struct mb_report_factor *R = &d->factors[fr], *C = &d->factors[fcl];
    int fixed[2] = {fr, fcl};
    struct mb_report_slice *sl;
    size_t ns = mb_report_slices_make(d, fixed, 2, &sl);
    struct tally t = {0};
    for (size_t s = 0; s < ns; s++)
        for (size_t i = 0; i < R->nlevels; i++) {
            int diag = mb_report_level_index(C, R->levels[i]);
            const struct mb_report_point *const *at = sl[s].at + i * C->nlevels;
            if (diag < 0 || !at[diag] || !at[diag]->s[m].n)
                continue;
            struct mb_buf line = {0};
            char pre[560], v[64];
            mb_report_fmt_value(m, mean_of(&at[diag]->s[m]), v, sizeof(v));
            mb_buf_printf(&line, "%s%s=%s: with %s %s",
                          mb_report_slice_prefix(&sl[s], pre, sizeof(pre)), R->key, R->levels[i],
                          R->levels[i], v);
            double sr = 0;
            enum rv sv = diagonal_row(C, at, diag, m, &line, &sr);
            if (sv != RV_MALFORMED) {
                verdict_text(&line, sv, sr);
                evidence(c, "%s", line.data);
                tally_add(&t, sv, sr);
            }
            mb_buf_free(&line);
        }
    mb_report_slices_free(sl, ns);
    if (!t.n[RV_CONFIRMED] && !t.n[RV_REFUTED] && !t.n[RV_INCONCLUSIVE] && !t.n[RV_NOT_EVALUATED])
        evidence(c, "%s: no row has both its diagonal cell and another cell", text);
    *runs = t.runs;
    return tally_verdict(&t);
}

static const struct {
    const char *name;
    enum rv (*fn)(const struct mb_report_dir *, const struct rule *, struct mb_report_claim *,
                  const char *, double *);
} rule_table[] = {
    {"flat", rule_trend},
    {"rises", rule_trend},
    {"falls", rule_trend},
    {"knee", rule_trend},
    {"less", rule_compare},
    {"greater", rule_compare},
    {"parallel_slower", rule_parallel},
    {"parallel_faster", rule_parallel},
    {"diagonal_worst", rule_diagonal},
};

void mb_report_eval_rules(const struct mb_report_dir *d, const char *rules,
                          struct mb_report_claim *c)
{
    char *copy = mb_xstrdup(rules ? rules : "");
    struct tally t = {0};
    size_t nrules = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char text[512];
        snprintf(text, sizeof(text), "%s", trim_ws(tok));
        if (!text[0])
            continue;
        nrules++;
        struct rule r;
        char why[256];
        char *work = mb_xstrdup(text);
        if (parse_rule(work, &r, why, sizeof(why))) {
            evidence(c, "malformed rule: %s", why);
            tally_add(&t, RV_MALFORMED, 0);
            free(work);
            continue;
        }
        size_t k = 0, nt = sizeof(rule_table) / sizeof(rule_table[0]);
        while (k < nt && strcmp(rule_table[k].name, r.name))
            k++;
        if (k == nt) {
            const char *names[sizeof(rule_table) / sizeof(rule_table[0]) + 1];
            for (size_t i = 0; i < nt; i++)
                names[i] = rule_table[i].name;
            names[nt] = NULL;
            const char *s = mb_suggest(r.name, names);
            evidence(c,
                     "malformed rule: unknown rule '%s'%s%s%s (rules: flat, rises, falls, "
                     "knee, less, greater, parallel_slower, parallel_faster, diagonal_worst)",
                     r.name, s ? " — did you mean '" : "", s ? s : "", s ? "'?" : "");
            tally_add(&t, RV_MALFORMED, 0);
            free(work);
            continue;
        }
        double runs = 0;
        enum rv v = rule_table[k].fn(d, &r, c, text, &runs);
        tally_add(&t, v, runs);
        free(work);
    }
    free(copy);
    /* a malformed rule, or none, leaves the claim unchecked whatever the others say */
    enum rv v = !nrules || t.n[RV_MALFORMED] ? RV_NOT_EVALUATED : tally_verdict(&t);
    c->verdict = v == RV_CONFIRMED      ? MB_VERDICT_CONFIRMED
                 : v == RV_REFUTED      ? MB_VERDICT_REFUTED
                 : v == RV_INCONCLUSIVE ? MB_VERDICT_INCONCLUSIVE
                                        : MB_VERDICT_NOT_EVALUATED;
    c->runs_needed = v == RV_INCONCLUSIVE ? t.runs : NAN;
}

void mb_report_claim_check(const struct mb_report_dir *d, struct mb_report_claim *c)
{
    memset(c, 0, sizeof(*c));
    c->runs_needed = NAN;
    mb_buf_append(&c->evidence, "", 0);
    const struct mb_scenario *s = d->scenario;
    const char *claim = s && s->claim && *s->claim ? s->claim : NULL;
    const char *inline_rules = claim ? strstr(claim, "(check:") : NULL;
    if (claim) {
        size_t n = inline_rules ? (size_t)(inline_rules - claim) : strlen(claim);
        char *t = mb_xstrndup(claim, n);
        c->text = mb_xstrdup(trim_ws(t));
        free(t);
    }
    if (inline_rules) {
        const char *start = inline_rules + strlen("(check:");
        const char *close = strrchr(start, ')');
        size_t n = close ? (size_t)(close - start) : strlen(start);
        char *t = mb_xstrndup(start, n);
        c->rules = mb_xstrdup(trim_ws(t));
        free(t);
        c->where = "scenario";
    } else if (s && s->paper && *s->paper) {
        char want[32], have[32];
        paper_id(s->paper, want, sizeof(want));
        for (size_t i = 0; want[0] && mb_report_paper_checks[i].paper; i++) {
            paper_id(mb_report_paper_checks[i].paper, have, sizeof(have));
            if (!strcmp(want, have)) {
                c->rules = mb_xstrdup(mb_report_paper_checks[i].rules);
                c->where = "paper table";
                break;
            }
        }
    }
    if (!c->rules) {
        c->verdict = MB_VERDICT_NOT_EVALUATED;
        if (claim)
            evidence(c,
                     "no check for this claim: add '(check: RULE)' to the claim, or a row "
                     "for paper '%s' to the paper table (docs/report.md)",
                     s->paper && *s->paper ? s->paper : "?");
        return;
    }
    mb_report_eval_rules(d, c->rules, c);
}

void mb_report_claims_line(const struct mb_report_result *r, char *buf, size_t len)
{
    size_t decided = r->confirmed + r->refuted;
    snprintf(buf, len, "Claims: %zu confirmed, %zu refuted, %zu inconclusive (%zu decided of %zu)",
             r->confirmed, r->refuted, r->inconclusive, decided,
             decided + r->inconclusive + r->not_evaluated);
}

void mb_report_claim_free(struct mb_report_claim *c)
{
    if (!c)
        return;
    free(c->text);
    free(c->rules);
    mb_buf_free(&c->evidence);
    memset(c, 0, sizeof(*c));
}
