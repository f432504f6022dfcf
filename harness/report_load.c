/* report_load.c — a results directory read into struct mb_report_dir (see report.h):
 * raw.csv streamed once into per-run values per point and hop, scenario.yaml and
 * metadata.json beside it, then the summaries. */
#include "report_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/units.h"

const char *const mb_report_status_names[MB_REPORT_NSTATUS] = {"ok", "failed", "timeout", "corrupt",
                                                               "aborted"};

bool mb_report_is_metric(int c)
{
    return c >= 0 && c < MB_COL_COUNT && mb_results_columns[c].group == MB_RESULTS_METRIC &&
           (mb_results_columns[c].type == MB_RESULTS_NUMBER ||
            mb_results_columns[c].type == MB_RESULTS_INTEGER);
}

/* Upper bounds that keep a corrupt file from asking for absurd memory. */
#define MAX_HOP        1000u
#define MAX_REPETITION 100000000ul

/* One hop of the run being read. */
struct hop_acc {
    bool used, bad;
    size_t status_rows[MB_REPORT_NSTATUS];
    double sum[MB_COL_COUNT];
    unsigned cnt[MB_COL_COUNT];
    char *first_error;
    int first_error_line;
};

struct loader {
    struct mb_report_dir *d;
    const char *file;
    struct mb_error *err;
    bool ready;
    int metrics[MB_COL_COUNT]; /* numeric metric columns present in the header */
    size_t nmetrics;
    /* the run being read: consecutive rows with one run_id */
    bool in_run;
    char *run_id;
    size_t run_id_cap;
    size_t point;
    unsigned long rep;
    int line;
    char strategy[32];
    char **values; /* the run's factor values (copies) */
    size_t *values_cap;
    struct hop_acc *hops;
    unsigned nhops;
    /* points by (index, hop): open addressing, value = position + 1 */
    uint64_t *keys;
    size_t *slots;
    size_t nslots;
    size_t points_cap;
    /* provenance: distinct values, up to 4 per column */
    char *prov[MB_COL_COUNT][4];
    size_t nprov[MB_COL_COUNT];
    char scenario_line_name[256];
    int scenario_line;
};

static const int prov_cols[] = {MB_COL_HARNESS_VERSION, MB_COL_IMAGE_HASH, MB_COL_HYPERVISOR,
                                MB_COL_ACCEL};

static char *intern(struct mb_report_dir *d, const char *s)
{
    if (d->nstrings == d->strings_cap) {
        d->strings_cap = d->strings_cap ? 2 * d->strings_cap : 64;
        d->strings = mb_xrealloc(d->strings, d->strings_cap * sizeof(char *));
    }
    return d->strings[d->nstrings++] = mb_xstrdup(s);
}

/* Keep text (taken over) as a note for the report. */
static void note(struct mb_report_dir *d, char *text)
{
    d->notes = mb_xrealloc(d->notes, (d->nnotes + 1) * sizeof(char *));
    d->notes[d->nnotes++] = text;
}

static uint64_t point_key(size_t point, unsigned hop)
{
    return ((uint64_t)point << 10) | hop;
}

static void map_put(struct loader *L, uint64_t key, size_t pos);

static void map_grow(struct loader *L)
{
    uint64_t *ok = L->keys;
    size_t *os = L->slots, on = L->nslots;
    L->nslots = on ? 2 * on : 64;
    L->keys = mb_xcalloc(L->nslots, sizeof(uint64_t));
    L->slots = mb_xcalloc(L->nslots, sizeof(size_t));
    for (size_t i = 0; i < on; i++)
        if (os[i])
            map_put(L, ok[i], os[i] - 1);
    free(ok);
    free(os);
}

static void map_put(struct loader *L, uint64_t key, size_t pos)
{
    if (2 * (L->d->npoints + 1) > L->nslots)
        map_grow(L);
    size_t i = (size_t)mb_mix64(key) & (L->nslots - 1);
    while (L->slots[i])
        i = (i + 1) & (L->nslots - 1);
    L->keys[i] = key;
    L->slots[i] = pos + 1;
}

static struct mb_report_point *map_get(struct loader *L, uint64_t key)
{
    if (!L->nslots)
        return NULL;
    size_t i = (size_t)mb_mix64(key) & (L->nslots - 1);
    while (L->slots[i]) {
        if (L->keys[i] == key)
            return &L->d->points[L->slots[i] - 1];
        i = (i + 1) & (L->nslots - 1);
    }
    return NULL;
}

static void push(struct mb_report_samples *s, double v, size_t run)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = mb_xrealloc(s->v, s->cap * sizeof(double));
        s->run = mb_xrealloc(s->run, s->cap * sizeof(unsigned));
    }
    s->run[s->n] = (unsigned)run;
    s->v[s->n++] = v;
}

static const char *factor_col_name(const struct mb_report_dir *d, size_t f, char *buf, size_t len)
{
    snprintf(buf, len, "f.%s", d->factors[f].key);
    return buf;
}

/* The run just read is complete: add each of its hops to its point. */
static int flush_run(struct loader *L)
{
    struct mb_report_dir *d = L->d;
    if (!L->in_run)
        return 0;
    L->in_run = false;
    d->nruns++;
    bool any_bad = false;
    for (unsigned h = 1; h <= L->nhops; h++) {
        struct hop_acc *a = &L->hops[h - 1];
        if (!a->used)
            continue;
        any_bad |= a->bad;
        uint64_t key = point_key(L->point, h);
        struct mb_report_point *p = map_get(L, key);
        if (!p) {
            if (d->npoints == L->points_cap) {
                L->points_cap = L->points_cap ? 2 * L->points_cap : 16;
                d->points = mb_xrealloc(d->points, L->points_cap * sizeof(*d->points));
            }
            p = &d->points[d->npoints];
            memset(p, 0, sizeof(*p));
            p->index = L->point;
            p->hop = h;
            p->line = L->line;
            p->values = mb_xcalloc(d->nfactors ? d->nfactors : 1, sizeof(char *));
            for (size_t f = 0; f < d->nfactors; f++)
                p->values[f] = intern(d, L->values[f]);
            snprintf(p->strategy, sizeof(p->strategy), "%s", L->strategy);
            map_put(L, key, d->npoints);
            d->npoints++;
        } else {
            for (size_t f = 0; f < d->nfactors; f++)
                if (strcmp(p->values[f], L->values[f])) {
                    char col[300];
                    return mb_error_at(L->err, MB_EINPUT, L->file, L->line, 0,
                                       "point %zu has %s '%s' here but '%s' at line %d: a point's "
                                       "factor values never change (rows of two scenarios mixed?)",
                                       L->point, factor_col_name(d, f, col, sizeof(col)),
                                       L->values[f], p->values[f], p->line);
                }
        }
        size_t byte = (size_t)(L->rep / 8);
        if (byte >= p->seen_bytes) {
            size_t nb = p->seen_bytes ? p->seen_bytes : 16;
            while (nb <= byte)
                nb *= 2;
            p->seen = mb_xrealloc(p->seen, nb);
            memset(p->seen + p->seen_bytes, 0, nb - p->seen_bytes);
            p->seen_bytes = nb;
        }
        unsigned char bit = (unsigned char)(1u << (L->rep % 8));
        if (p->seen[byte] & bit)
            return mb_error_at(L->err, MB_EINPUT, L->file, L->line, 0,
                               "run %s (point %zu, repetition %lu, hop %u) is recorded twice: its "
                               "rows appear again here after other runs' rows",
                               L->run_id, L->point, L->rep, h);
        p->seen[byte] |= bit;
        size_t run = p->runs++;
        if (!(run & (run - 1))) /* at 0, 1, 2, 4, 8...: room for twice as many */
            p->run_failed = mb_xrealloc(p->run_failed, run ? 2 * run : 1);
        p->run_failed[run] = a->bad;
        for (int s = 0; s < MB_REPORT_NSTATUS; s++)
            p->status_rows[s] += a->status_rows[s];
        if (a->first_error && !p->first_error) {
            p->first_error = a->first_error;
            p->first_error_line = a->first_error_line;
            a->first_error = NULL;
        }
        if (a->bad) {
            p->failed++;
            continue;
        }
        for (size_t m = 0; m < L->nmetrics; m++) {
            int c = L->metrics[m];
            if (a->cnt[c])
                push(&p->s[c], a->sum[c] / a->cnt[c], run);
        }
    }
    if (any_bad)
        d->nfailed++;
    return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    if (!*s || *s == '-')
        return -1;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || errno || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

static int setup(struct loader *L, const struct mb_results_header *h)
{
    struct mb_report_dir *d = L->d;
    d->nfactors = h->nfactors;
    d->factors = mb_xcalloc(h->nfactors ? h->nfactors : 1, sizeof(*d->factors));
    L->values = mb_xcalloc(h->nfactors ? h->nfactors : 1, sizeof(char *));
    L->values_cap = mb_xcalloc(h->nfactors ? h->nfactors : 1, sizeof(size_t));
    for (size_t f = 0; f < h->nfactors; f++) {
        const char *name = h->names[h->factors[f]];
        d->factors[f].key = mb_xstrdup(name + strlen(MB_RESULTS_FACTOR_PREFIX));
        d->factors[f].opt = mb_option_find(d->factors[f].key);
    }
    for (int c = 0; c < MB_COL_COUNT; c++)
        if (mb_report_is_metric(c) && h->col[c] >= 0)
            L->metrics[L->nmetrics++] = c;
    L->ready = true;
    return 0;
}

static void copy_into(char **dst, size_t *cap, const char *s)
{
    size_t n = strlen(s) + 1;
    if (n > *cap) {
        *cap = n < 32 ? 32 : n;
        *dst = mb_xrealloc(*dst, *cap);
    }
    memcpy(*dst, s, n);
}

static int on_row(void *ctx, const struct mb_results_rec *rec, struct mb_error *err)
{
    struct loader *L = ctx;
    struct mb_report_dir *d = L->d;
    if (!L->ready)
        setup(L, rec->hdr);
    d->nrows++;
    const char *scen = mb_results_field(rec, MB_COL_SCENARIO);
    if (!d->name) {
        d->name = mb_xstrdup(scen);
        L->scenario_line = rec->line;
    } else if (strcmp(d->name, scen)) {
        return mb_error_at(err, MB_EINPUT, rec->file, rec->line, 0,
                           "scenario '%s' here but '%s' at line %d: one raw.csv holds one "
                           "scenario",
                           scen, d->name, L->scenario_line);
    }
    unsigned long point, rep, hop = 1;
    const char *hs = mb_results_field(rec, MB_COL_HOP);
    if (parse_uint(mb_results_field(rec, MB_COL_POINT), SIZE_MAX >> 11, &point))
        return mb_error_at(err, MB_EINPUT, rec->file, rec->line, 0,
                           "column 'point': '%s' is not a point number (1, 2, ...)",
                           mb_results_field(rec, MB_COL_POINT));
    if (parse_uint(mb_results_field(rec, MB_COL_REPETITION), MAX_REPETITION, &rep))
        return mb_error_at(err, MB_EINPUT, rec->file, rec->line, 0,
                           "column 'repetition': '%s' is not a repetition number (1 to %lu)",
                           mb_results_field(rec, MB_COL_REPETITION), MAX_REPETITION);
    if (*hs && parse_uint(hs, MAX_HOP, &hop))
        return mb_error_at(err, MB_EINPUT, rec->file, rec->line, 0,
                           "column 'hop': '%s' is not a hop number (1 to %u)", hs, MAX_HOP);
    const char *run_id = mb_results_field(rec, MB_COL_RUN_ID);
    if (!L->in_run || strcmp(run_id, L->run_id)) {
        int rc = flush_run(L);
        if (rc)
            return rc;
        L->in_run = true;
        copy_into(&L->run_id, &L->run_id_cap, run_id);
        L->point = point;
        L->rep = rep;
        L->line = rec->line;
        snprintf(L->strategy, sizeof(L->strategy), "%s", mb_results_field(rec, MB_COL_STRATEGY));
        for (size_t f = 0; f < d->nfactors; f++)
            copy_into(&L->values[f], &L->values_cap[f], rec->fields[rec->hdr->factors[f]]);
        for (unsigned h = 0; h < L->nhops; h++) {
            free(L->hops[h].first_error);
            memset(&L->hops[h], 0, sizeof(L->hops[h]));
        }
    } else {
        if (point != L->point || rep != L->rep)
            return mb_error_at(err, MB_EINPUT, rec->file, rec->line, 0,
                               "run %s has point %lu, repetition %lu here but point %zu, "
                               "repetition %lu at line %d",
                               run_id, point, rep, L->point, L->rep, L->line);
        for (size_t f = 0; f < d->nfactors; f++) {
            const char *v = rec->fields[rec->hdr->factors[f]];
            if (strcmp(v, L->values[f])) {
                char col[300];
                return mb_error_at(err, MB_EINPUT, rec->file, rec->line, 0,
                                   "run %s has %s '%s' here but '%s' at line %d", run_id,
                                   factor_col_name(d, f, col, sizeof(col)), v, L->values[f],
                                   L->line);
            }
        }
    }
    if (hop > L->nhops) {
        L->hops = mb_xrealloc(L->hops, hop * sizeof(*L->hops));
        memset(L->hops + L->nhops, 0, (hop - L->nhops) * sizeof(*L->hops));
        L->nhops = (unsigned)hop;
    }
    if (hop > d->max_hop)
        d->max_hop = (unsigned)hop;
    struct hop_acc *a = &L->hops[hop - 1];
    a->used = true;
    const char *st = mb_results_field(rec, MB_COL_STATUS);
    int s = 0;
    while (s < MB_REPORT_NSTATUS && strcmp(st, mb_report_status_names[s]))
        s++;
    if (s == MB_REPORT_NSTATUS)
        s = MB_REPORT_FAILED; /* the reader has checked the enum; not reached */
    a->status_rows[s]++;
    if (s != MB_REPORT_OK) {
        a->bad = true;
        if (!a->first_error) {
            const char *e = mb_results_field(rec, MB_COL_ERROR);
            a->first_error = mb_xasprintf("%s: %.300s", st, *e ? e : "(no message)");
            a->first_error_line = rec->line;
        }
    }
    for (size_t m = 0; m < L->nmetrics; m++) {
        int c = L->metrics[m];
        const char *f = rec->fields[rec->hdr->col[c]];
        if (!*f)
            continue;
        a->sum[c] += strtod(f, NULL);
        a->cnt[c]++;
    }
    for (size_t i = 0; i < sizeof(prov_cols) / sizeof(prov_cols[0]); i++) {
        int c = prov_cols[i];
        const char *v = mb_results_field(rec, c);
        if (!*v || (L->nprov[c] && !strcmp(L->prov[c][L->nprov[c] - 1], v)))
            continue;
        size_t k = 0;
        while (k < L->nprov[c] && strcmp(L->prov[c][k], v))
            k++;
        if (k == L->nprov[c] && k < 4)
            L->prov[c][L->nprov[c]++] = mb_xstrdup(v);
    }
    return 0;
}

static void loader_free(struct loader *L)
{
    free(L->run_id);
    for (size_t f = 0; L->values && f < L->d->nfactors; f++)
        free(L->values[f]);
    free(L->values);
    free(L->values_cap);
    for (unsigned h = 0; h < L->nhops; h++)
        free(L->hops[h].first_error);
    free(L->hops);
    free(L->keys);
    free(L->slots);
    for (int c = 0; c < MB_COL_COUNT; c++)
        for (size_t k = 0; k < L->nprov[c]; k++)
            free(L->prov[c][k]);
}

static int cmp_points(const void *a, const void *b)
{
    const struct mb_report_point *p = a, *q = b;
    if (p->index != q->index)
        return p->index < q->index ? -1 : 1;
    return (p->hop > q->hop) - (p->hop < q->hop);
}

bool mb_report_level_number(const struct mb_option *o, const char *s, double *out)
{
    char why[64];
    if (!o) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (!*s || *end || errno || !isfinite(v))
            return false;
        *out = v;
        return true;
    }
    uint64_t u;
    int64_t i;
    switch (o->type) {
    case MB_OPT_INT:
        if (mb_parse_int(s, &i, why, sizeof(why)))
            return false;
        *out = (double)i;
        return true;
    case MB_OPT_SIZE:
        if (mb_parse_size(s, &u, why, sizeof(why)))
            return false;
        *out = (double)u;
        return true;
    case MB_OPT_RATE:
        if (mb_parse_rate(s, &u, why, sizeof(why)))
            return false;
        *out = (double)u;
        return true;
    case MB_OPT_DURATION:
        return mb_parse_duration_ms(s, out, why, sizeof(why)) == 0;
    case MB_OPT_PERCENT:
        return mb_parse_percent(s, out, why, sizeof(why)) == 0;
    default:
        return false;
    }
}

static void factor_levels(struct mb_report_dir *d, size_t f)
{
    struct mb_report_factor *fa = &d->factors[f];
    fa->levels = mb_xcalloc(d->npoints ? d->npoints : 1, sizeof(char *));
    for (size_t i = 0; i < d->npoints; i++) {
        const char *v = d->points[i].values[f];
        size_t k = 0;
        while (k < fa->nlevels && strcmp(fa->levels[k], v))
            k++;
        if (k == fa->nlevels)
            fa->levels[fa->nlevels++] = (char *)v;
    }
    fa->num = mb_xcalloc(fa->nlevels ? fa->nlevels : 1, sizeof(double));
    fa->numeric = fa->nlevels > 0;
    for (size_t k = 0; k < fa->nlevels && fa->numeric; k++)
        fa->numeric = mb_report_level_number(fa->opt, fa->levels[k], &fa->num[k]);
    if (!fa->numeric)
        return;
    /* insertion sort by number: a handful of levels */
    for (size_t i = 1; i < fa->nlevels; i++)
        for (size_t k = i; k > 0 && fa->num[k - 1] > fa->num[k]; k--) {
            double t = fa->num[k];
            fa->num[k] = fa->num[k - 1];
            fa->num[k - 1] = t;
            char *s = fa->levels[k];
            fa->levels[k] = fa->levels[k - 1];
            fa->levels[k - 1] = s;
        }
}

int mb_report_dir_load(const char *path, struct mb_report_dir **out, struct mb_error *err)
{
    struct mb_report_dir *d = mb_xcalloc(1, sizeof(*d));
    d->path = mb_xstrdup(path);
    char *raw = mb_xasprintf("%s/raw.csv", path);
    char *scen = mb_xasprintf("%s/scenario.yaml", path);
    char *meta = mb_xasprintf("%s/metadata.json", path);
    struct loader L = {.d = d, .file = raw, .err = err};
    int rc = 0;
    struct stat st;
    if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
        rc = mb_error_at(err, MB_EINPUT, path, 0, 0, "%s",
                         errno == ENOENT || !errno ? "no such results directory"
                                                   : "not a results directory");
        goto out;
    }
    if (access(raw, F_OK)) {
        rc = mb_error_at(err, MB_EINPUT, raw, 0, 0,
                         "no raw.csv: not a results directory of 'migbench run'");
        goto out;
    }
    /* scenario.yaml first: the trim comes from it */
    if (access(scen, F_OK) == 0) {
        d->scenario = mb_scenario_load(scen, err);
        if (!d->scenario) {
            rc = err ? (err->status ? err->status : MB_EINPUT) : MB_EINPUT;
            goto out;
        }
        d->scenario_text = mb_read_file(scen, 1 << 20, NULL);
    } else {
        note(d, mb_xstrdup("scenario.yaml is missing: no plots, claim or trim from the scenario"));
    }
    if (access(meta, F_OK) == 0) {
        size_t len = 0;
        char *text = mb_read_file(meta, 4 << 20, &len);
        if (!text) {
            rc = mb_error_at(err, MB_EIO, meta, 0, 0, "cannot read: %s", strerror(errno));
            goto out;
        }
        rc = mb_json_parse(meta, text, len, &d->meta, err);
        free(text);
        if (rc)
            goto out;
        if (d->meta->type != MB_JSON_OBJECT) {
            rc = mb_error_at(err, MB_EINPUT, meta, 1, 1, "expected a JSON object");
            goto out;
        }
    } else {
        note(d, mb_xstrdup("metadata.json is missing: the environment is unknown"));
    }
    rc = mb_results_read(raw, on_row, &L, NULL, err);
    if (rc == 0)
        rc = flush_run(&L);
    if (rc)
        goto out;
    if (!L.ready) { /* a header and no rows: factors from the header alone */
        struct mb_results_table *t = NULL;
        if ((rc = mb_results_load(raw, &t, err)))
            goto out;
        setup(&L, mb_results_table_header(t));
        mb_results_table_free(t);
    }
    if (d->npoints)
        qsort(d->points, d->npoints, sizeof(*d->points), cmp_points);
    for (size_t f = 0; f < d->nfactors; f++)
        factor_levels(d, f);
    if (!d->name)
        d->name = mb_xstrdup(d->scenario ? d->scenario->name : "(empty)");
    if (d->scenario && strcmp(d->scenario->name, d->name))
        note(d, mb_xasprintf("scenario.yaml names '%s' but raw.csv's rows say '%s'",
                             d->scenario->name, d->name));
    if (d->scenario) {
        d->trim = (size_t)d->scenario->trim;
    } else {
        size_t most = 0;
        for (size_t i = 0; i < d->npoints; i++)
            most = d->points[i].runs > most ? d->points[i].runs : most;
        d->trim = most >= 3 ? 1 : 0;
    }
    size_t most = 0;
    for (size_t i = 0; i < d->npoints; i++)
        for (int c = 0; c < MB_COL_COUNT; c++)
            most = d->points[i].s[c].n > most ? d->points[i].s[c].n : most;
    double *scratch = mb_xmalloc((most ? most : 1) * sizeof(double));
    for (size_t i = 0; i < d->npoints; i++)
        for (int c = 0; c < MB_COL_COUNT; c++) {
            struct mb_report_point *p = &d->points[i];
            mb_stats_summarize(p->s[c].v, p->s[c].n, d->trim, scratch, &p->sum[c]);
            if (p->s[c].n)
                d->has_metric[c] = true;
        }
    free(scratch);
    for (size_t i = 0; i < sizeof(prov_cols) / sizeof(prov_cols[0]); i++) {
        int c = prov_cols[i];
        if (!L.nprov[c])
            continue;
        struct mb_buf b = {0};
        for (size_t k = 0; k < L.nprov[c]; k++)
            mb_buf_printf(&b, "%s%s", k ? "; " : "", L.prov[c][k]);
        d->provenance[c] = b.data;
    }
    if (d->max_hop == 0)
        d->max_hop = 1;
out:
    loader_free(&L);
    free(raw);
    free(scen);
    free(meta);
    if (rc) {
        mb_report_dir_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

void mb_report_dir_free(struct mb_report_dir *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->npoints; i++) {
        struct mb_report_point *p = &d->points[i];
        free(p->values);
        free(p->first_error);
        free(p->seen);
        free(p->run_failed);
        for (int c = 0; c < MB_COL_COUNT; c++) {
            free(p->s[c].v);
            free(p->s[c].run);
        }
    }
    free(d->points);
    for (size_t f = 0; f < d->nfactors; f++) {
        free(d->factors[f].key);
        free(d->factors[f].levels);
        free(d->factors[f].num);
    }
    free(d->factors);
    for (size_t i = 0; i < d->nstrings; i++)
        free(d->strings[i]);
    free(d->strings);
    for (size_t i = 0; i < d->nnotes; i++)
        free(d->notes[i]);
    free(d->notes);
    for (int c = 0; c < MB_COL_COUNT; c++)
        free(d->provenance[c]);
    mb_scenario_free(d->scenario);
    free(d->scenario_text);
    mb_json_free(d->meta);
    free(d->name);
    free(d->path);
    free(d);
}
