/* report.c — the report: summary.csv, figures, report.md and report.html for loaded
 * results directories (see report.h; the parts are listed in report_int.h). */
#include "report_int.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/version.h"

static char *anchor_of(size_t index, const char *name)
{
    char *a = mb_xasprintf("s%zu-%s", index + 1, name);
    for (char *p = a; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            *p = '-';
    return a;
}

/* "1234 ms (1190–1270)" */
static char *cell_value(const struct mb_report_point *p, int m)
{
    double v = mb_report_value(p, m);
    if (!isfinite(v))
        return mb_xstrdup("—");
    char t[64], lo[64], hi[64];
    mb_report_fmt_value(m, v, t, sizeof(t));
    if (!isfinite(p->sum[m].ci95_low))
        return mb_xstrdup(t);
    mb_report_fmt_value(m, p->sum[m].ci95_low, lo, sizeof(lo));
    mb_report_fmt_value(m, p->sum[m].ci95_high, hi, sizeof(hi));
    /* the unit once: "1234 ms (1190–1270)" */
    const char *sp = strchr(lo, ' ');
    const char *sp2 = strchr(hi, ' ');
    if (sp && sp2 && !strcmp(sp, sp2) && strchr(t, ' ') && !strcmp(strchr(t, ' '), sp))
        return mb_xasprintf("%s (%.*s–%.*s)", t, (int)(sp - lo), lo, (int)(sp2 - hi), hi);
    return mb_xasprintf("%s (%s–%s)", t, lo, hi);
}

static bool metric_listed(const int *ms, size_t n, int m)
{
    for (size_t i = 0; i < n; i++)
        if (ms[i] == m)
            return true;
    return false;
}

/* The metrics shown in the results table: the paper's (times, downtime, overhead), the
 * makespan of multi-VM batches, and whatever the scenario plots. */
static size_t key_metrics(const struct mb_report_dir *d, int *ms)
{
    size_t n = 0;
    bool multi = mb_report_factor_find(d, "vms.count") >= 0;
    const struct mb_setting *st =
        d->scenario ? mb_scenario_setting(d->scenario, "vms.count") : NULL;
    for (size_t k = 0; st && k < st->nlevels; k++)
        multi |= st->levels[k].num > 1;
    const int base[] = {MB_COL_TOTAL_TIME_MS, MB_COL_DOWNTIME_MS, MB_COL_PROBE_DOWNTIME_MS,
                        MB_COL_BATCH_MAKESPAN_MS, MB_COL_OVERHEAD_PCT};
    for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
        if (d->has_metric[base[i]] && (base[i] != MB_COL_BATCH_MAKESPAN_MS || multi))
            ms[n++] = base[i];
    for (size_t i = 0; d->scenario && i < d->scenario->nplots; i++)
        for (size_t j = 0; j < d->scenario->plots[i].ny; j++) {
            int m = mb_results_column_find(d->scenario->plots[i].y[j]);
            if (mb_report_is_metric(m) && d->has_metric[m] && !metric_listed(ms, n, m))
                ms[n++] = m;
        }
    return n;
}

static void results_table(struct mb_report_doc *D, const struct mb_report_dir *d)
{
    int ms[MB_COL_COUNT];
    size_t nm = key_metrics(d, ms);
    bool hops = d->max_hop > 1;
    size_t ncols = d->nfactors + (hops ? 1 : 0) + 2 + nm;
    char **heads = mb_xcalloc(ncols, sizeof(char *));
    bool *right = mb_xcalloc(ncols, sizeof(bool));
    size_t c = 0;
    for (size_t f = 0; f < d->nfactors; f++) {
        struct mb_buf b = {0};
        mb_report_md_code(&b, d->factors[f].key);
        heads[c++] = b.data;
    }
    if (hops)
        heads[c++] = mb_xstrdup("hop");
    right[c] = true;
    heads[c++] = mb_xstrdup("runs");
    right[c] = true;
    heads[c++] = mb_xstrdup("failed");
    for (size_t i = 0; i < nm; i++) {
        struct mb_buf b = {0};
        mb_report_md_code(&b, mb_results_columns[ms[i]].name);
        right[c] = true;
        heads[c++] = b.data;
    }
    struct mb_report_table t;
    mb_report_doc_table_head(D, &t, (const char *const *)heads, ncols, right);
    char **cells = mb_xcalloc(ncols, sizeof(char *));
    for (size_t i = 0; i < d->npoints; i++) {
        const struct mb_report_point *p = &d->points[i];
        c = 0;
        for (size_t f = 0; f < d->nfactors; f++) {
            struct mb_buf b = {0};
            mb_report_md_text(&b, p->values[f]);
            mb_buf_append(&b, "", 0);
            cells[c++] = b.data;
        }
        if (hops)
            cells[c++] = mb_xasprintf("%u", p->hop);
        cells[c++] = mb_xasprintf("%zu", p->runs);
        cells[c++] = p->failed ? mb_xasprintf("**%zu**", p->failed) : mb_xstrdup("0");
        for (size_t k = 0; k < nm; k++)
            cells[c++] = cell_value(p, ms[k]);
        mb_report_doc_table_row(D, &t, cells);
        for (size_t k = 0; k < ncols; k++)
            free(cells[k]);
    }
    mb_report_doc_table_end(D);
    free(cells);
    for (size_t k = 0; k < ncols; k++)
        free(heads[k]);
    free(heads);
    free(right);
}

/* Every statistic of one metric, per point. */
static void details_table(struct mb_report_doc *D, const struct mb_report_dir *d, int m)
{
    static const char *const heads[] = {"point", "n",  "failed",  "trimmed mean", "median", "mean",
                                        "sd",    "CV", "95 % CI", "min",          "max"};
    static const bool right[] = {false, true, true, true, true, true, true, true, true, true, true};
    struct mb_report_table t;
    mb_report_doc_table_head(D, &t, heads, 11, right);
    for (size_t i = 0; i < d->npoints; i++) {
        const struct mb_report_point *p = &d->points[i];
        const struct mb_stats_summary *s = &p->sum[m];
        char label[600], v[8][64];
        mb_report_point_label(d, p, label, sizeof(label));
        struct mb_buf lb = {0};
        mb_report_md_text(&lb, label);
        mb_report_fmt_value(m, s->trimmed_mean, v[0], 64);
        mb_report_fmt_value(m, s->median, v[1], 64);
        mb_report_fmt_value(m, s->mean, v[2], 64);
        mb_report_fmt_value(m, s->sd, v[3], 64);
        if (isfinite(s->cv))
            snprintf(v[4], 64, "%.1f %%", 100 * s->cv);
        else
            snprintf(v[4], 64, "n/a");
        char lo[64], hi[64], ci[160];
        mb_report_fmt_value(m, s->ci95_low, lo, sizeof(lo));
        mb_report_fmt_value(m, s->ci95_high, hi, sizeof(hi));
        if (isfinite(s->ci95_low))
            snprintf(ci, sizeof(ci), "%s – %s", lo, hi);
        else
            snprintf(ci, sizeof(ci), "n/a");
        mb_report_fmt_value(m, s->min, v[6], 64);
        mb_report_fmt_value(m, s->max, v[7], 64);
        char n[32], failed[32];
        snprintf(n, sizeof(n), "%zu", s->n);
        snprintf(failed, sizeof(failed), "%zu", p->failed);
        char *cells[] = {lb.data, n, failed, v[0], v[1], v[2], v[3], v[4], ci, v[6], v[7]};
        mb_report_doc_table_row(D, &t, cells);
        mb_buf_free(&lb);
    }
    mb_report_doc_table_end(D);
}

static void failures(struct mb_report_doc *D, const struct mb_report_dir *d)
{
    if (!d->nfailed)
        return;
    mb_report_doc_h(D, 3, NULL, "Failed runs");
    mb_report_doc_p(D,
                    "A run is failed when one of its migrations did not end `ok` (failed, timeout, "
                    "corrupt: the guest lost a write, aborted); its values are left out of every "
                    "statistic above.");
    static const char *const heads[] = {"point", "runs", "failed", "rows by status",
                                        "first problem"};
    static const bool right[] = {false, true, true, false, false};
    struct mb_report_table t;
    mb_report_doc_table_head(D, &t, heads, 5, right);
    for (size_t i = 0; i < d->npoints; i++) {
        const struct mb_report_point *p = &d->points[i];
        if (!p->failed)
            continue;
        char label[600], runs[32], failed[32];
        mb_report_point_label(d, p, label, sizeof(label));
        snprintf(runs, sizeof(runs), "%zu", p->runs);
        snprintf(failed, sizeof(failed), "%zu", p->failed);
        struct mb_buf lb = {0}, st = {0}, er = {0};
        mb_report_md_text(&lb, label);
        mb_buf_append(&st, "", 0);
        for (int s = 0; s < MB_REPORT_NSTATUS; s++)
            if (p->status_rows[s])
                mb_buf_printf(&st, "%s%s %zu", st.len ? ", " : "", mb_report_status_names[s],
                              p->status_rows[s]);
        mb_report_md_text(&er, p->first_error ? p->first_error : "");
        mb_buf_printf(&er, " (raw.csv line %d)", p->first_error_line);
        char *cells[] = {lb.data, runs, failed, st.data, er.data};
        mb_report_doc_table_row(D, &t, cells);
        mb_buf_free(&lb);
        mb_buf_free(&st);
        mb_buf_free(&er);
    }
    mb_report_doc_table_end(D);
}

struct kv {
    struct mb_report_doc *D;
    struct mb_report_table *t;
    const char *skip_prefix;
};

static void kv_row(void *ctx, const char *path, const struct mb_json *v)
{
    struct kv *k = ctx;
    if (k->skip_prefix && !strncmp(path, k->skip_prefix, strlen(k->skip_prefix)))
        return;
    struct mb_buf a = {0}, b = {0};
    mb_report_md_code(&a, path);
    mb_buf_append(&b, "", 0);
    mb_report_md_text(&b, v->text ? v->text : "");
    char *cells[] = {a.data, b.data};
    mb_report_doc_table_row(k->D, k->t, cells);
    mb_buf_free(&a);
    mb_buf_free(&b);
}

static const char *jstr(const struct mb_json *o, const char *key)
{
    const struct mb_json *v = mb_json_get(o, key);
    return v && v->text ? v->text : "";
}

static void environment(struct mb_report_doc *D, const struct mb_report_dir *d)
{
    mb_report_doc_h(D, 3, NULL, "Environment");
    const struct mb_json *hosts = mb_json_get(d->meta, "hosts");
    if (hosts && hosts->type == MB_JSON_ARRAY && hosts->nkids) {
        static const char *const heads[] = {"host", "hypervisor", "libvirt", "kernel",
                                            "CPU",  "CPUs",       "memory",  "accel"};
        static const bool right[] = {false, false, false, false, false, true, true, false};
        struct mb_report_table t;
        mb_report_doc_table_head(D, &t, heads, 8, right);
        for (size_t i = 0; i < hosts->nkids; i++) {
            const struct mb_json *h = hosts->kids[i];
            const char *cpu = *jstr(h, "cpu") ? jstr(h, "cpu") : jstr(h, "cpu_model");
            const struct mb_json *mem = mb_json_get(h, "memory");
            char memt[64] = "";
            if (mem && mem->type == MB_JSON_NUMBER && mem->num > 0)
                snprintf(memt, sizeof(memt), "%.1f GiB", mem->num / 1073741824.0); /* bytes */
            const char *vals[] = {jstr(h, "name"),
                                  jstr(h, "hypervisor"),
                                  jstr(h, "libvirt"),
                                  jstr(h, "kernel"),
                                  cpu,
                                  jstr(h, "cpus"),
                                  memt,
                                  jstr(h, "accel")};
            char *cells[8];
            for (size_t k = 0; k < 8; k++) {
                struct mb_buf b = {0};
                mb_buf_append(&b, "", 0);
                mb_report_md_text(&b, vals[k]);
                cells[k] = b.data;
            }
            mb_report_doc_table_row(D, &t, cells);
            for (size_t k = 0; k < 8; k++)
                free(cells[k]);
        }
        mb_report_doc_table_end(D);
    }
    static const char *const heads[] = {"field", "value"};
    struct mb_report_table t;
    mb_report_doc_table_head(D, &t, heads, 2, NULL);
    static const int prov[] = {MB_COL_HYPERVISOR, MB_COL_ACCEL, MB_COL_HARNESS_VERSION,
                               MB_COL_IMAGE_HASH};
    for (size_t i = 0; i < sizeof(prov) / sizeof(prov[0]); i++) {
        if (!d->provenance[prov[i]])
            continue;
        struct mb_buf a = {0}, b = {0};
        mb_buf_printf(&a, "raw.csv ");
        mb_report_md_code(&a, mb_results_columns[prov[i]].name);
        mb_buf_append(&b, "", 0);
        mb_report_md_text(&b, d->provenance[prov[i]]);
        char *cells[] = {a.data, b.data};
        mb_report_doc_table_row(D, &t, cells);
        mb_buf_free(&a);
        mb_buf_free(&b);
    }
    if (d->meta) {
        struct kv k = {.D = D, .t = &t, .skip_prefix = "hosts["};
        mb_json_flatten(d->meta, kv_row, &k);
    }
    mb_report_doc_table_end(D);
    if (!d->meta)
        mb_report_doc_p(D, "No metadata.json in the results directory: the hosts are unknown.");
    else if (hosts && hosts->nkids) {
        /* every host field, for the record */
        struct mb_buf all = {0};
        mb_buf_append(&all, "", 0);
        for (size_t i = 0; i < hosts->nkids; i++)
            for (size_t j = 0; j < hosts->kids[i]->nkids; j++) {
                const struct mb_json *v = hosts->kids[i]->kids[j];
                if (v->text)
                    mb_buf_printf(&all, "%s.%s: %s\n", jstr(hosts->kids[i], "name"), v->key,
                                  v->text);
            }
        mb_report_doc_code(D, "", all.data, "every host field of metadata.json");
        mb_buf_free(&all);
    }
}

static void claim_section(struct mb_report_doc *D, const struct mb_report_claim *c)
{
    if (!c->text && !c->rules)
        return;
    mb_report_doc_h(D, 3, NULL, "Claim");
    struct mb_buf b = {0};
    if (c->text) {
        mb_report_md_text(&b, c->text);
        mb_report_doc_quote(D, b.data);
        b.len = 0;
    }
    mb_buf_printf(&b, "**Verdict: %s**", mb_report_verdict_name(c->verdict));
    if (c->verdict == MB_VERDICT_INCONCLUSIVE)
        mb_report_runs_needed_text(&b, c->runs_needed);
    if (c->rules) {
        mb_buf_printf(&b, " — checked by ");
        mb_report_md_code(&b, c->rules);
        mb_buf_printf(&b, " (rules from the %s).", c->where);
    }
    mb_report_doc_p_class(D,
                          c->verdict == MB_VERDICT_CONFIRMED      ? "verdict v-yes"
                          : c->verdict == MB_VERDICT_REFUTED      ? "verdict v-no"
                          : c->verdict == MB_VERDICT_INCONCLUSIVE ? "verdict v-maybe"
                                                                  : "verdict v-na",
                          b.data);
    mb_buf_free(&b);
    /* the numbers behind it */
    char **items = NULL;
    size_t n = 0;
    const char *s = c->evidence.data ? c->evidence.data : "";
    while (*s) {
        size_t len = strcspn(s, "\n");
        char *line = mb_xstrndup(s, len);
        struct mb_buf e = {0};
        mb_buf_append(&e, "", 0);
        mb_report_md_text(&e, line);
        free(line);
        items = mb_xrealloc(items, (n + 1) * sizeof(char *));
        items[n++] = e.data;
        s += len + (s[len] == '\n');
    }
    mb_report_doc_list(D, items, n);
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

static void scenario_section(struct mb_report_doc *D, const struct mb_report_dir *d, size_t index,
                             const struct mb_report_claim *claim, const struct mb_plot_fig *figs,
                             size_t nfigs, const struct mb_report_opts *o, const char *figdir)
{
    char *anchor = anchor_of(index, d->name);
    struct mb_buf b = {0};
    mb_report_md_text(&b, d->name);
    if (d->scenario && d->scenario->paper && *d->scenario->paper) {
        mb_buf_printf(&b, " — ");
        mb_report_md_text(&b, d->scenario->paper);
    }
    mb_report_doc_h(D, 2, anchor, b.data);
    free(anchor);
    b.len = 0;
    if (d->scenario && d->scenario->description && *d->scenario->description) {
        mb_report_md_text(&b, d->scenario->description);
        mb_report_doc_p(D, b.data);
        b.len = 0;
    }
    char *items[8];
    size_t n = 0;
    mb_buf_printf(&b, "results: ");
    mb_report_md_code(&b, d->path);
    items[n++] = mb_xstrdup(b.data);
    b.len = 0;
    items[n++] = mb_xasprintf("%zu points, %zu runs (%zu failed), %zu rows in raw.csv%s",
                              d->npoints, d->nruns, d->nfailed, d->nrows,
                              d->max_hop > 1 ? "; several hops per run, summarised per hop" : "");
    items[n++] = d->trim ? mb_xasprintf("statistic: trimmed mean, dropping the %zu smallest and "
                                        "%zu largest runs of each point (the paper: 5 runs, the "
                                        "largest and smallest dropped)",
                                        d->trim, d->trim)
                         : mb_xstrdup("statistic: mean of the runs (trim 0)");
    const struct mb_json *state = mb_json_get(d->meta, "state");
    if (state && state->text && strcmp(state->text, "finished"))
        items[n++] =
            mb_xasprintf("**campaign state: %s** (not every run may be recorded)", state->text);
    mb_report_doc_list(D, items, n);
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    if (d->nnotes) {
        char **notes = mb_xcalloc(d->nnotes, sizeof(char *));
        for (size_t i = 0; i < d->nnotes; i++) {
            struct mb_buf nb = {0};
            mb_buf_printf(&nb, "note: ");
            mb_report_md_text(&nb, d->notes[i]);
            notes[i] = nb.data;
        }
        mb_report_doc_list(D, notes, d->nnotes);
        for (size_t i = 0; i < d->nnotes; i++)
            free(notes[i]);
        free(notes);
    }
    claim_section(D, claim);
    if (nfigs) {
        mb_report_doc_h(D, 3, NULL, "Figures");
        for (size_t i = 0; i < nfigs; i++)
            mb_report_doc_figure(D, figdir, "figures", &figs[i], o->formats);
    } else if (o->figures && d->nfactors == 0) {
        mb_report_doc_p(D, "No figure: the scenario has no factor.");
    }
    mb_report_doc_h(D, 3, NULL, "Results");
    if (!d->npoints) {
        mb_report_doc_p(D, "raw.csv has no runs.");
    } else {
        mb_report_doc_p(D,
                        "Per point: runs recorded, failed runs, and for each metric the statistic "
                        "above with its 95 % confidence interval of the mean in brackets. Every "
                        "statistic of every metric is in `summary.csv`.");
        results_table(D, d);
        int ms[MB_COL_COUNT];
        size_t nm = key_metrics(d, ms);
        for (size_t i = 0; i < nm; i++) {
            struct mb_buf h = {0};
            mb_buf_printf(&h, "All statistics of ");
            mb_report_md_code(&h, mb_results_columns[ms[i]].name);
            mb_report_doc_details(D, h.data);
            details_table(D, d, ms[i]);
            mb_report_doc_details_end(D);
            mb_buf_free(&h);
        }
    }
    failures(D, d);
    environment(D, d);
    mb_report_doc_h(D, 3, NULL, "Scenario as run");
    if (d->scenario_text)
        mb_report_doc_code(D, "yaml", d->scenario_text, "scenario.yaml");
    else
        mb_report_doc_p(D, "scenario.yaml was not recorded.");
    mb_buf_free(&b);
}

/* Remove the files an earlier report drew, so none is left stale. */
static void clean_figures(const char *dir)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return;
    struct dirent *e;
    while ((e = readdir(dh))) {
        if (mb_ends_with(e->d_name, ".png") || mb_ends_with(e->d_name, ".svg") ||
            mb_ends_with(e->d_name, ".gp") || mb_ends_with(e->d_name, ".dat")) {
            char *p = mb_xasprintf("%s/%s", dir, e->d_name);
            unlink(p);
            free(p);
        }
    }
    closedir(dh);
}

/* The figures of every directory, drawn in one gnuplot run into figdir: figs[i] and
 * nfigs[i] for directory i; *nall the total. */
static int draw_figures(struct mb_report_dir *const *dirs, size_t ndirs,
                        const struct mb_report_opts *o, const char *figdir,
                        struct mb_plot_fig **figs, size_t *nfigs, size_t *nall,
                        struct mb_error *err)
{
    if (mkdir(figdir, 0755) && errno != EEXIST)
        return mb_error_at(err, MB_EIO, figdir, 0, 0, "cannot create: %s", strerror(errno));
    clean_figures(figdir);
    struct mb_plot_fig *all = NULL;
    size_t n = 0;
    for (size_t i = 0; i < ndirs; i++) {
        char *stem =
            ndirs > 1 ? mb_xasprintf("%02zu-%s", i + 1, dirs[i]->name) : mb_xstrdup(dirs[i]->name);
        nfigs[i] = mb_report_figures(dirs[i], stem, &figs[i]);
        free(stem);
        all = mb_xrealloc(all, (n + nfigs[i] + 1) * sizeof(*all));
        if (nfigs[i])
            memcpy(all + n, figs[i], nfigs[i] * sizeof(*all));
        n += nfigs[i];
    }
    struct mb_plot_opts po = {
        .templates = o->templates, .gnuplot = o->gnuplot, .formats = o->formats};
    int rc = mb_plot_render(all, n, figdir, &po, err);
    free(all); /* shallow: the figures belong to figs[] */
    *nall = n;
    return rc;
}

/* The report's opening: who wrote it from what, and with several directories a table
 * of them with links to their sections. */
static void front_matter(struct mb_report_doc *D, struct mb_report_dir *const *dirs, size_t ndirs,
                         const struct mb_report_claim *claims, const struct mb_report_result *r)
{
    mb_report_doc_h(D, 1, NULL, "migbench report");
    char when[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
    size_t runs = 0, failed = 0;
    for (size_t i = 0; i < ndirs; i++) {
        runs += dirs[i]->nruns;
        failed += dirs[i]->nfailed;
    }
    struct mb_buf b = {0};
    mb_buf_printf(&b,
                  "Written by migbench %s on %s from %zu results director%s: %zu runs, %zu "
                  "failed. Reproduces and extends Ye et al., *Live Migration of Multiple "
                  "Virtual Machines with Resource Reservation in Cloud Computing "
                  "Environments*, IEEE CLOUD 2011.",
                  mb_version, when, ndirs, ndirs == 1 ? "y" : "ies", runs, failed);
    mb_report_doc_p(D, b.data);
    mb_buf_free(&b);
    if (r->confirmed + r->refuted + r->inconclusive + r->not_evaluated) {
        char line[160], md[240];
        mb_report_claims_line(r, line, sizeof(line));
        snprintf(md, sizeof(md), "**%s**, each decided on 95 %% confidence intervals.", line);
        mb_report_doc_p(D, md);
    }
    if (ndirs < 2)
        return;
    static const char *const heads[] = {"scenario", "paper", "points", "runs", "failed", "claim"};
    static const bool right[] = {false, false, true, true, true, false};
    struct mb_report_table t;
    mb_report_doc_table_head(D, &t, heads, 6, right);
    for (size_t i = 0; i < ndirs; i++) {
        const struct mb_report_dir *d = dirs[i];
        char *anchor = anchor_of(i, d->name);
        struct mb_buf a = {0}, p = {0};
        mb_buf_printf(&a, "[");
        mb_report_md_text(&a, d->name);
        mb_buf_printf(&a, "](#%s)", anchor);
        mb_buf_append(&p, "", 0);
        if (d->scenario && d->scenario->paper)
            mb_report_md_text(&p, d->scenario->paper);
        char np[32], nr[32], nf[32];
        snprintf(np, sizeof(np), "%zu", d->npoints);
        snprintf(nr, sizeof(nr), "%zu", d->nruns);
        snprintf(nf, sizeof(nf), "%zu", d->nfailed);
        const char *v =
            claims[i].text || claims[i].rules ? mb_report_verdict_name(claims[i].verdict) : "—";
        char *cells[] = {a.data, p.data, np, nr, nf, (char *)v};
        mb_report_doc_table_row(D, &t, cells);
        mb_buf_free(&a);
        mb_buf_free(&p);
        free(anchor);
    }
    mb_report_doc_table_end(D);
}

int mb_report_write(struct mb_report_dir *const *dirs, size_t ndirs, const struct mb_report_opts *o,
                    struct mb_report_result *res, struct mb_error *err)
{
    struct mb_report_result r = {0};
    struct mb_report_opts opts = *o;
    if (!opts.formats)
        opts.formats = MB_PLOT_PNG | MB_PLOT_SVG;
    if (mkdir(o->out_dir, 0755) && errno != EEXIST)
        return mb_error_at(err, MB_EIO, o->out_dir, 0, 0, "cannot create: %s", strerror(errno));
    char *figdir = mb_xasprintf("%s/figures", o->out_dir);
    struct mb_plot_fig **figs = mb_xcalloc(ndirs, sizeof(*figs));
    size_t *nfigs = mb_xcalloc(ndirs, sizeof(size_t));
    struct mb_report_claim *claims = mb_xcalloc(ndirs, sizeof(*claims));
    struct mb_report_doc D;
    mb_report_doc_begin(&D);
    int rc = 0;
    if (o->figures &&
        (rc = draw_figures(dirs, ndirs, &opts, figdir, figs, nfigs, &r.nfigures, err)))
        goto out;
    for (size_t i = 0; i < ndirs; i++) {
        mb_report_claim_check(dirs[i], &claims[i]);
        if (claims[i].rules) {
            r.confirmed += claims[i].verdict == MB_VERDICT_CONFIRMED;
            r.refuted += claims[i].verdict == MB_VERDICT_REFUTED;
            r.inconclusive += claims[i].verdict == MB_VERDICT_INCONCLUSIVE;
            r.not_evaluated += claims[i].verdict == MB_VERDICT_NOT_EVALUATED;
        } else if (claims[i].text) {
            r.unchecked++;
        }
    }
    char *summary = mb_xasprintf("%s/summary.csv", o->out_dir);
    rc = mb_report_write_summary(dirs, ndirs, summary, err);
    free(summary);
    if (rc)
        goto out;
    front_matter(&D, dirs, ndirs, claims, &r);
    for (size_t i = 0; i < ndirs; i++)
        scenario_section(&D, dirs[i], i, &claims[i], figs[i], nfigs[i], &opts, figdir);
    rc = mb_report_doc_write(&D, o->out_dir, err);
out:
    for (size_t i = 0; i < ndirs; i++) {
        mb_plot_figs_free(figs[i], nfigs[i]);
        mb_report_claim_free(&claims[i]);
    }
    free(figs);
    free(nfigs);
    free(claims);
    free(figdir);
    mb_report_doc_free(&D);
    if (rc == 0 && res)
        *res = r;
    return rc;
}
