/* report_claims.c — a scenario's claim checked against its data: the rule language
 * (flat, rises, falls, knee, less, greater, parallel_slower, parallel_faster,
 * diagonal_worst; docs/report.md), the evaluators in rule_table[], and the paper table
 * that supplies rules by the scenario's paper: field. */
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
        [MB_VERDICT_NOT_CONFIRMED] = "not confirmed",
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
    char buf[2048];
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

enum rv { RV_NOT_EVALUATED, RV_HOLDS, RV_FAILS, RV_MALFORMED };

/* Collect the values of metric along factor f in a slice: indexes of levels with values. */
static size_t along(const struct mb_report_dir *d, const struct mb_report_slice *s, int f,
                    int metric, size_t *lv, double *v)
{
    size_t n = 0;
    for (size_t k = 0; k < d->factors[f].nlevels; k++) {
        const struct mb_report_point *p = s->at[k];
        double x = p ? mb_report_value(p, metric) : NAN;
        if (isfinite(x)) {
            lv[n] = k;
            v[n++] = x;
        }
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

/* flat / rises / falls / knee over one factor. */
static enum rv rule_trend(const struct mb_report_dir *d, const struct rule *r,
                          struct mb_report_claim *c, const char *text)
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
    const char *knee_level = knee ? r->arg[2] : NULL;
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
    int kidx = -1;
    if (knee) {
        kidx = mb_report_level_index(fa, knee_level);
        double want;
        if (kidx < 0 && fa->numeric && mb_report_level_number(fa->opt, knee_level, &want))
            for (size_t k = 0; k < fa->nlevels; k++)
                if (fa->num[k] == want)
                    kidx = (int)k;
        if (kidx < 0) {
            evidence(c, "%s: %s has no level %s", text, fa->key, knee_level);
            return RV_NOT_EVALUATED;
        }
    }
    struct mb_report_slice *sl;
    int fixed[1] = {f};
    size_t ns = mb_report_slices_make(d, fixed, 1, &sl);
    size_t *lv = mb_xcalloc(fa->nlevels + 1, sizeof(size_t));
    double *v = mb_xcalloc(fa->nlevels + 1, sizeof(double));
    size_t holds = 0, fails = 0;
    for (size_t s = 0; s < ns; s++) {
        char pre[560];
        mb_report_slice_prefix(&sl[s], pre, sizeof(pre));
        size_t n = along(d, &sl[s], f, m, lv, v);
        struct mb_buf line = {0};
        mb_buf_printf(&line, "%s%s by %s: ", mb_report_slice_prefix(&sl[s], pre, sizeof(pre)),
                      r->arg[0], fa->key);
        list_values(d, f, m, lv, v, n, &line);
        bool ok = false, evaluable = n >= 2;
        if (flat && evaluable) {
            double lo = v[0], hi = v[0], sum = 0;
            for (size_t i = 0; i < n; i++) {
                lo = fmin(lo, v[i]);
                hi = fmax(hi, v[i]);
                sum += v[i];
            }
            double spread = sum != 0 ? (hi - lo) / fabs(sum / n) : 0;
            ok = spread <= tol;
            mb_buf_printf(&line, "; spread (max - min) / mean = %.1f %% (limit %.0f %%)",
                          100 * spread, 100 * tol);
        } else if (!flat && !knee && evaluable) {
            double change = v[0] != 0 ? v[n - 1] / v[0] - 1 : NAN, worst = 0;
            for (size_t i = 0; i + 1 < n; i++) {
                double step = v[i] != 0 ? v[i + 1] / v[i] - 1 : 0;
                worst = rises ? fmin(worst, step) : fmax(worst, step);
            }
            if (rises)
                ok = change >= min && worst >= -0.05;
            else
                ok = -change >= min && worst <= 0.05;
            mb_buf_printf(&line,
                          "; %s %+.1f %% from first to last (needs %s%.0f %%), worst step "
                          "%+.1f %% (limit %s5 %%)",
                          rises ? "rises" : "falls", 100 * change, rises ? "+" : "-", 100 * min,
                          100 * worst, rises ? "-" : "+");
        } else if (knee) {
            /* before the knee it falls, from the knee on it stays flat */
            size_t ki = n;
            for (size_t i = 0; i < n; i++)
                if ((int)lv[i] == kidx)
                    ki = i;
            evaluable = ki < n && ki > 0 && n >= 2;
            if (evaluable) {
                double fall = 1 - v[ki] / v[0];
                double lo = v[ki], hi = v[ki], sum = 0;
                for (size_t i = ki; i < n; i++) {
                    lo = fmin(lo, v[i]);
                    hi = fmax(hi, v[i]);
                    sum += v[i];
                }
                double spread = (hi - lo) / fabs(sum / (double)(n - ki));
                ok = fall >= min && spread <= tol;
                mb_buf_printf(&line,
                              "; falls %.1f %% up to %s (needs %.0f %%), then spread %.1f %% "
                              "(limit %.0f %%)",
                              100 * fall, fa->levels[kidx], 100 * min, 100 * spread, 100 * tol);
            }
        }
        if (!evaluable)
            mb_buf_printf(&line, "; too few levels with values to judge");
        else
            mb_buf_printf(&line, ": %s", ok ? "holds" : "does not hold");
        evidence(c, "%s", line.data);
        mb_buf_free(&line);
        if (evaluable)
            ok ? holds++ : fails++;
    }
    free(lv);
    free(v);
    mb_report_slices_free(sl, ns);
    return fails ? RV_FAILS : holds ? RV_HOLDS : RV_NOT_EVALUATED;
}

/* less / greater: metric at F=A against F=B, in every slice. */
static enum rv rule_compare(const struct mb_report_dir *d, const struct rule *r,
                            struct mb_report_claim *c, const char *text)
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
    size_t holds = 0, fails = 0;
    for (size_t s = 0; s < ns; s++) {
        const struct mb_report_point *pa = sl[s].at[ia], *pb = sl[s].at[ib];
        double va = pa ? mb_report_value(pa, m) : NAN, vb = pb ? mb_report_value(pb, m) : NAN;
        char pre[560], ta[64], tb[64];
        mb_report_fmt_value(m, va, ta, sizeof(ta));
        mb_report_fmt_value(m, vb, tb, sizeof(tb));
        if (!isfinite(va) || !isfinite(vb)) {
            evidence(c, "%s%s: %s at %s, %s at %s; too few values to judge",
                     mb_report_slice_prefix(&sl[s], pre, sizeof(pre)), r->arg[0], ta, la, tb, lb);
            continue;
        }
        struct mb_stats_welch w = mb_stats_welch(pa->s[m].v, pa->s[m].n, pb->s[m].v, pb->s[m].n);
        bool ok = less ? va < vb : va > vb;
        evidence(c, "%s%s: %s at %s=%s vs %s at %s (%+.1f %%, Welch p = %.3g): %s",
                 mb_report_slice_prefix(&sl[s], pre, sizeof(pre)), r->arg[0], ta, d->factors[f].key,
                 la, tb, lb, vb != 0 ? 100 * (va / vb - 1) : NAN, w.p,
                 ok ? "holds" : "does not hold");
        ok ? holds++ : fails++;
    }
    mb_report_slices_free(sl, ns);
    return fails ? RV_FAILS : holds ? RV_HOLDS : RV_NOT_EVALUATED;
}

static enum rv rule_parallel(const struct mb_report_dir *d, const struct rule *r,
                             struct mb_report_claim *c, const char *text)
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
    size_t holds = 0, fails = 0;
    for (size_t s = 0; s < ns; s++) {
        struct mb_buf line = {0};
        char pre[560];
        mb_buf_printf(&line, "%sreal (parallel) vs computed (N × one VM):",
                      mb_report_slice_prefix(&sl[s], pre, sizeof(pre)));
        bool ok = true, side = true;
        size_t judged = 0;
        double first_gap = NAN, last_gap = NAN;
        for (size_t l = 0; l < d->factors[fc].nlevels; l++) {
            struct mb_report_rvc o;
            mb_report_rvc_at(d, &sl[s], fc, fs, m, l, &o);
            if (o.n < 2 || !isfinite(o.real) || !isfinite(o.comp))
                continue;
            char tr[64], tc[64];
            mb_report_fmt_value(m, o.real, tr, sizeof(tr));
            mb_report_fmt_value(m, o.comp, tc, sizeof(tc));
            double gap = o.real / o.comp - 1;
            mb_buf_printf(&line, "%s N=%g %s vs %s (%+.1f %%)", judged ? ";" : "", o.n, tr, tc,
                          100 * gap);
            if (!judged)
                first_gap = gap;
            last_gap = gap;
            judged++;
            side &= slower ? o.real > o.comp : o.real < o.comp;
        }
        if (judged)
            mb_buf_printf(&line, "; real %s computed at every N >= 2: %s",
                          slower ? "above" : "below", side ? "yes" : "no");
        ok = side;
        if (slower && judged >= 2) {
            mb_buf_printf(&line, "; the gap grows with N: %s", last_gap > first_gap ? "yes" : "no");
            ok &= last_gap > first_gap;
        }
        if (!judged) {
            mb_buf_printf(&line, " no count of 2 or more VMs with both times (needs parallel "
                                 "runs and single-VM or sequential runs)");
        } else {
            mb_buf_printf(&line, ": %s", ok ? "holds" : "does not hold");
            ok ? holds++ : fails++;
        }
        evidence(c, "%s", line.data);
        mb_buf_free(&line);
    }
    mb_report_slices_free(sl, ns);
    return fails ? RV_FAILS : holds ? RV_HOLDS : RV_NOT_EVALUATED;
}

/* diagonal_worst(metric, row factor, column factor): in each row, the cell whose column
 * level equals the row's level has the highest value (co-locating the same workload is
 * the worst placement). */
static enum rv rule_diagonal(const struct mb_report_dir *d, const struct rule *r,
                             struct mb_report_claim *c, const char *text)
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
    size_t holds = 0, fails = 0;
    for (size_t s = 0; s < ns; s++)
        for (size_t i = 0; i < R->nlevels; i++) {
            int diag = mb_report_level_index(C, R->levels[i]);
            const struct mb_report_point *pd = diag >= 0 ? sl[s].at[i * C->nlevels + diag] : NULL;
            double vd = pd ? mb_report_value(pd, m) : NAN;
            if (!isfinite(vd))
                continue;
            struct mb_buf line = {0};
            char pre[560], t[64];
            mb_report_fmt_value(m, vd, t, sizeof(t));
            mb_buf_printf(&line, "%s%s=%s: with %s %s",
                          mb_report_slice_prefix(&sl[s], pre, sizeof(pre)), R->key, R->levels[i],
                          R->levels[i], t);
            bool ok = true;
            size_t others = 0;
            for (size_t j = 0; j < C->nlevels; j++) {
                const struct mb_report_point *p = sl[s].at[i * C->nlevels + j];
                double v = p ? mb_report_value(p, m) : NAN;
                if ((int)j == diag || !isfinite(v))
                    continue;
                mb_report_fmt_value(m, v, t, sizeof(t));
                mb_buf_printf(&line, ", with %s %s", C->levels[j], t);
                ok &= vd >= v;
                others++;
            }
            if (others) {
                mb_buf_printf(&line, ": %s", ok ? "the same workload is worst" : "does not hold");
                ok ? holds++ : fails++;
                evidence(c, "%s", line.data);
            }
            mb_buf_free(&line);
        }
    mb_report_slices_free(sl, ns);
    if (!holds && !fails)
        evidence(c, "%s: no row has both its diagonal cell and another cell", text);
    return fails ? RV_FAILS : holds ? RV_HOLDS : RV_NOT_EVALUATED;
}

static const struct {
    const char *name;
    enum rv (*fn)(const struct mb_report_dir *, const struct rule *, struct mb_report_claim *,
                  const char *);
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
    size_t nrules = 0, held = 0, failed = 0, malformed = 0;
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
            malformed++;
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
            malformed++;
            free(work);
            continue;
        }
        enum rv v = rule_table[k].fn(d, &r, c, text);
        held += v == RV_HOLDS;
        failed += v == RV_FAILS;
        malformed += v == RV_MALFORMED;
        free(work);
    }
    free(copy);
    if (!nrules || malformed)
        c->verdict = MB_VERDICT_NOT_EVALUATED;
    else if (failed)
        c->verdict = MB_VERDICT_NOT_CONFIRMED;
    else if (held == nrules)
        c->verdict = MB_VERDICT_CONFIRMED;
    else
        c->verdict = MB_VERDICT_NOT_EVALUATED;
}

void mb_report_claim_check(const struct mb_report_dir *d, struct mb_report_claim *c)
{
    memset(c, 0, sizeof(*c));
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

void mb_report_claim_free(struct mb_report_claim *c)
{
    if (!c)
        return;
    free(c->text);
    free(c->rules);
    mb_buf_free(&c->evidence);
    memset(c, 0, sizeof(*c));
}
