/* report.c — results directories read, summarised and reported (see report.h).
 *
 * Sections: metadata.json reader; loading a results directory; summary.csv; claim
 * rules; figure specifications; report.md and report.html. */
#include "report.h"

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plan.h"
#include "lib/units.h"
#include "lib/version.h"

/* ---- loading a results directory ----------------------------------------------------- */

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

static void note(struct mb_report_dir *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(struct mb_report_dir *d, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    d->notes = mb_xrealloc(d->notes, (d->nnotes + 1) * sizeof(char *));
    d->notes[d->nnotes++] = mb_xstrdup(buf);
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

static void push(struct mb_report_samples *s, double v)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = mb_xrealloc(s->v, s->cap * sizeof(double));
    }
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
        p->runs++;
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
                push(&p->s[c], a->sum[c] / a->cnt[c]);
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

/* The number of a factor level in the option's base unit; false when not numeric. */
static bool level_number(const struct mb_option *o, const char *s, double *out)
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
        fa->numeric = level_number(fa->opt, fa->levels[k], &fa->num[k]);
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

/* A whole small text file; NULL with errno when it cannot be read. */
static char *slurp(const char *path, size_t max, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    struct mb_buf b = {.max = max};
    char chunk[8192];
    size_t n;
    int bad = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        if (mb_buf_append(&b, chunk, n)) {
            bad = EFBIG;
            break;
        }
    if (ferror(fp))
        bad = EIO;
    fclose(fp);
    if (bad) {
        mb_buf_free(&b);
        errno = bad;
        return NULL;
    }
    if (!b.data)
        mb_buf_append(&b, "", 0);
    if (len)
        *len = b.len;
    return b.data;
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
        d->scenario_text = slurp(scen, 1 << 20, NULL);
    } else {
        note(d, "scenario.yaml is missing: no plots, claim or trim from the scenario");
    }
    if (access(meta, F_OK) == 0) {
        size_t len = 0;
        char *text = slurp(meta, 4 << 20, &len);
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
        note(d, "metadata.json is missing: the environment is unknown");
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
        note(d, "scenario.yaml names '%s' but raw.csv's rows say '%s'", d->scenario->name, d->name);
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
        for (int c = 0; c < MB_COL_COUNT; c++)
            free(p->s[c].v);
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

double mb_report_value(const struct mb_report_point *p, int metric)
{
    const struct mb_stats_summary *s = &p->sum[metric];
    if (!s->n)
        return NAN;
    return isnan(s->trimmed_mean) ? s->mean : s->trimmed_mean;
}

int mb_report_factor_find(const struct mb_report_dir *d, const char *key)
{
    for (size_t f = 0; f < d->nfactors; f++)
        if (!strcmp(d->factors[f].key, key))
            return (int)f;
    return -1;
}

void mb_report_point_label(const struct mb_report_dir *d, const struct mb_report_point *p,
                           char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t f = 0; f < d->nfactors && n < len; f++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", f ? ", " : "", d->factors[f].key,
                              p->values[f]);
    if (d->max_hop > 1 && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%shop %u", n ? ", " : "", p->hop);
    if (!n)
        snprintf(buf, len, "(no factors)");
}

/* ---- summary.csv ------------------------------------------------------------------------ */

/* Points with at most this many runs list their per-run values in summary.csv. */
#define SAMPLES_MAX 32

static void csv_field(struct mb_buf *b, const char *s, bool first)
{
    if (!first)
        mb_buf_append(b, ",", 1);
    size_t n = strlen(s);
    bool quote = n && (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[n - 1] == ' ');
    if (!quote) {
        mb_buf_append(b, s, n);
        return;
    }
    size_t need = csv_write(NULL, 0, s, n);
    char *tmp = mb_xmalloc(need + 1);
    csv_write(tmp, need, s, n);
    mb_buf_append(b, tmp, need);
    free(tmp);
}

static void csv_num(struct mb_buf *b, double v)
{
    char t[64] = "";
    if (isfinite(v))
        snprintf(t, sizeof(t), "%.10g", v);
    csv_field(b, t, false);
}

/* Write b to path through a temporary file and a rename. */
static int write_atomic(const char *path, const char *data, size_t len, struct mb_error *err)
{
    char *tmp = mb_xasprintf("%s.tmp", path);
    FILE *fp = fopen(tmp, "w");
    int rc = 0;
    if (!fp) {
        rc = mb_error_at(err, MB_EIO, tmp, 0, 0, "cannot write: %s", strerror(errno));
    } else {
        bool bad = len && fwrite(data, 1, len, fp) != len;
        bad |= fclose(fp) != 0;
        if (bad)
            rc = mb_error_at(err, MB_EIO, tmp, 0, 0, "cannot write: %s", strerror(errno));
        else if (rename(tmp, path))
            rc = mb_error_at(err, MB_EIO, path, 0, 0, "cannot rename into place: %s",
                             strerror(errno));
        if (rc)
            unlink(tmp);
    }
    free(tmp);
    return rc;
}

int mb_report_write_summary(struct mb_report_dir *const *dirs, size_t ndirs, const char *path,
                            struct mb_error *err)
{
    /* the union of the factor keys, in order of first appearance */
    const char **keys = NULL;
    size_t nkeys = 0;
    for (size_t i = 0; i < ndirs; i++)
        for (size_t f = 0; f < dirs[i]->nfactors; f++) {
            size_t k = 0;
            while (k < nkeys && strcmp(keys[k], dirs[i]->factors[f].key))
                k++;
            if (k == nkeys) {
                keys = mb_xrealloc(keys, (nkeys + 1) * sizeof(char *));
                keys[nkeys++] = dirs[i]->factors[f].key;
            }
        }
    struct mb_buf b = {.max = (size_t)1 << 30};
    bool multi = ndirs > 1;
    if (multi)
        csv_field(&b, "results_dir", true);
    csv_field(&b, "scenario", !multi);
    csv_field(&b, "point", false);
    csv_field(&b, "hop", false);
    for (size_t k = 0; k < nkeys; k++) {
        char *name = mb_xasprintf("f.%s", keys[k]);
        csv_field(&b, name, false);
        free(name);
    }
    static const char *const stat_cols[] = {
        "metric", "unit", "n",        "failed",    "trim", "trimmed_mean", "median", "mean",
        "sd",     "cv",   "ci95_low", "ci95_high", "min",  "max",          "samples"};
    for (size_t k = 0; k < sizeof(stat_cols) / sizeof(stat_cols[0]); k++)
        csv_field(&b, stat_cols[k], false);
    mb_buf_append(&b, "\n", 1);
    for (size_t i = 0; i < ndirs; i++) {
        const struct mb_report_dir *d = dirs[i];
        int *kmap = mb_xcalloc(nkeys ? nkeys : 1, sizeof(int));
        for (size_t k = 0; k < nkeys; k++)
            kmap[k] = mb_report_factor_find(d, keys[k]);
        for (size_t pi = 0; pi < d->npoints; pi++) {
            const struct mb_report_point *p = &d->points[pi];
            for (int c = 0; c < MB_COL_COUNT; c++) {
                if (!d->has_metric[c])
                    continue;
                const struct mb_stats_summary *s = &p->sum[c];
                if (multi)
                    csv_field(&b, d->path, true);
                csv_field(&b, d->name, !multi);
                char t[64];
                snprintf(t, sizeof(t), "%zu", p->index);
                csv_field(&b, t, false);
                snprintf(t, sizeof(t), "%u", p->hop);
                csv_field(&b, t, false);
                for (size_t k = 0; k < nkeys; k++)
                    csv_field(&b, kmap[k] >= 0 ? p->values[kmap[k]] : "", false);
                csv_field(&b, mb_results_columns[c].name, false);
                csv_field(&b, mb_results_columns[c].unit, false);
                snprintf(t, sizeof(t), "%zu", s->n);
                csv_field(&b, t, false);
                snprintf(t, sizeof(t), "%zu", p->failed);
                csv_field(&b, t, false);
                snprintf(t, sizeof(t), "%zu", d->trim);
                csv_field(&b, t, false);
                csv_num(&b, s->trimmed_mean);
                csv_num(&b, s->median);
                csv_num(&b, s->mean);
                csv_num(&b, s->sd);
                csv_num(&b, s->cv);
                csv_num(&b, s->ci95_low);
                csv_num(&b, s->ci95_high);
                csv_num(&b, s->min);
                csv_num(&b, s->max);
                struct mb_buf smp = {0};
                mb_buf_append(&smp, "", 0);
                if (p->s[c].n <= SAMPLES_MAX)
                    for (size_t k = 0; k < p->s[c].n; k++)
                        mb_buf_printf(&smp, "%s%.10g", k ? " " : "", p->s[c].v[k]);
                csv_field(&b, smp.data, false);
                mb_buf_free(&smp);
                if (mb_buf_append(&b, "\n", 1)) {
                    free(kmap);
                    free(keys);
                    mb_buf_free(&b);
                    return mb_error_at(err, MB_ENOMEM, path, 0, 0, "summary over 1 GiB");
                }
            }
        }
        free(kmap);
    }
    free(keys);
    int rc = write_atomic(path, b.data, b.len, err);
    mb_buf_free(&b);
    return rc;
}

/* ---- claims ------------------------------------------------------------------------------ */

/* The paper's experiments, keyed by the scenario's `paper:` field.  Issue 8 (the paper's
 * scenario set) owns these rows: each names the factor keys its scenario sweeps; a rule
 * whose factor or metric a scenario lacks is "not evaluated", never a false verdict. */
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
    switch (v) {
    case MB_VERDICT_CONFIRMED:
        return "confirmed";
    case MB_VERDICT_NOT_CONFIRMED:
        return "not confirmed";
    default:
        return "not evaluated";
    }
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

/* A metric's value with its unit, short: "1234 ms", "12.3 s", "512.0 MiB", "4.2 %". */
static void fmt_value(int metric, double v, char *buf, size_t len)
{
    const char *unit = metric >= 0 ? mb_results_columns[metric].unit : "";
    if (!isfinite(v))
        snprintf(buf, len, "n/a");
    else if (!strcmp(unit, "ms") && fabs(v) >= 10000)
        snprintf(buf, len, "%.2f s", v / 1000);
    else if (!strcmp(unit, "ms"))
        snprintf(buf, len, fabs(v) >= 100 ? "%.0f ms" : "%.3g ms", v);
    else if (!strcmp(unit, "bytes"))
        snprintf(buf, len, "%.1f MiB", v / 1048576);
    else if (!strcmp(unit, "%"))
        snprintf(buf, len, "%.1f %%", v);
    else if (!strcmp(unit, "KiB"))
        snprintf(buf, len, "%.0f KiB", v);
    else
        snprintf(buf, len, "%.4g%s%s", v, *unit ? " " : "", unit);
}

struct slice {
    char label[512];
    const struct mb_report_point **at; /* cell per combination of the fixed factors' levels */
};

static int level_index(const struct mb_report_factor *f, const char *v)
{
    for (size_t k = 0; k < f->nlevels; k++)
        if (!strcmp(f->levels[k], v))
            return (int)k;
    return -1;
}

/* Factor g moves in step with factor f (a zip: each level of one goes with exactly one
 * level of the other at every point), so fixing f fixes g too. */
static bool zipped_with(const struct mb_report_dir *d, size_t f, size_t g)
{
    if (f == g || d->factors[f].nlevels != d->factors[g].nlevels || d->factors[f].nlevels < 2)
        return false;
    for (size_t i = 0; i < d->npoints; i++)
        for (size_t j = i + 1; j < d->npoints; j++) {
            bool same_f = !strcmp(d->points[i].values[f] ? d->points[i].values[f] : "",
                                  d->points[j].values[f] ? d->points[j].values[f] : "");
            bool same_g = !strcmp(d->points[i].values[g] ? d->points[i].values[g] : "",
                                  d->points[j].values[g] ? d->points[j].values[g] : "");
            if (same_f != same_g)
                return false;
        }
    return true;
}

/* Group d's points by the values of every factor but fixed[0..nfixed) and the factors
 * zipped with them (and the hop); each slice has a cell per combination of the fixed
 * factors' levels (row-major). */
static size_t make_slices(const struct mb_report_dir *d, const int *fixed, size_t nfixed,
                          struct slice **out)
{
    size_t ncells = 1;
    for (size_t k = 0; k < nfixed; k++)
        ncells *= d->factors[fixed[k]].nlevels ? d->factors[fixed[k]].nlevels : 1;
    struct slice *sl = NULL;
    size_t n = 0;
    bool *is_fixed = mb_xcalloc(d->nfactors + 1, sizeof(bool));
    for (size_t f = 0; f < d->nfactors; f++)
        for (size_t k = 0; k < nfixed; k++)
            is_fixed[f] |= fixed[k] == (int)f || zipped_with(d, (size_t)fixed[k], f);
    for (size_t i = 0; i < d->npoints; i++) {
        const struct mb_report_point *p = &d->points[i];
        char label[512] = "";
        size_t len = 0;
        for (size_t f = 0; f < d->nfactors; f++) {
            if (!is_fixed[f] && len < sizeof(label))
                len += (size_t)snprintf(label + len, sizeof(label) - len, "%s%s=%s",
                                        len ? ", " : "", d->factors[f].key, p->values[f]);
        }
        if (d->max_hop > 1 && len < sizeof(label))
            snprintf(label + len, sizeof(label) - len, "%shop %u", len ? ", " : "", p->hop);
        size_t s = 0;
        while (s < n && strcmp(sl[s].label, label))
            s++;
        if (s == n) {
            sl = mb_xrealloc(sl, (n + 1) * sizeof(*sl));
            snprintf(sl[n].label, sizeof(sl[n].label), "%s", label);
            sl[n].at = mb_xcalloc(ncells, sizeof(*sl[n].at));
            n++;
        }
        size_t cell = 0;
        for (size_t k = 0; k < nfixed; k++) {
            const struct mb_report_factor *f = &d->factors[fixed[k]];
            cell = cell * f->nlevels + (size_t)level_index(f, p->values[fixed[k]]);
        }
        if (!sl[s].at[cell])
            sl[s].at[cell] = p;
    }
    free(is_fixed);
    *out = sl;
    return n;
}

static void slices_free(struct slice *sl, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(sl[i].at);
    free(sl);
}

/* "slice: " prefix of an evidence line, empty when the directory has one slice. */
static const char *slice_prefix(const struct slice *s, char *buf, size_t len)
{
    if (!s->label[0])
        return "";
    snprintf(buf, len, "%s: ", s->label);
    return buf;
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
static size_t along(const struct mb_report_dir *d, const struct slice *s, int f, int metric,
                    size_t *lv, double *v)
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
        fmt_value(metric, v[i], t, sizeof(t));
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
        kidx = level_index(fa, knee_level);
        double want;
        if (kidx < 0 && fa->numeric && level_number(fa->opt, knee_level, &want))
            for (size_t k = 0; k < fa->nlevels; k++)
                if (fa->num[k] == want)
                    kidx = (int)k;
        if (kidx < 0) {
            evidence(c, "%s: %s has no level %s", text, fa->key, knee_level);
            return RV_NOT_EVALUATED;
        }
    }
    struct slice *sl;
    int fixed[1] = {f};
    size_t ns = make_slices(d, fixed, 1, &sl);
    size_t *lv = mb_xcalloc(fa->nlevels + 1, sizeof(size_t));
    double *v = mb_xcalloc(fa->nlevels + 1, sizeof(double));
    size_t holds = 0, fails = 0;
    for (size_t s = 0; s < ns; s++) {
        char pre[560];
        slice_prefix(&sl[s], pre, sizeof(pre));
        size_t n = along(d, &sl[s], f, m, lv, v);
        struct mb_buf line = {0};
        mb_buf_printf(&line, "%s%s by %s: ", slice_prefix(&sl[s], pre, sizeof(pre)), r->arg[0],
                      fa->key);
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
    slices_free(sl, ns);
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
    int ia = level_index(&d->factors[f], la), ib = level_index(&d->factors[f], lb);
    if (ia < 0 || ib < 0) {
        evidence(c, "%s: %s has no level %s", text, d->factors[f].key, ia < 0 ? la : lb);
        return RV_NOT_EVALUATED;
    }
    struct slice *sl;
    int fixed[1] = {f};
    size_t ns = make_slices(d, fixed, 1, &sl);
    size_t holds = 0, fails = 0;
    for (size_t s = 0; s < ns; s++) {
        const struct mb_report_point *pa = sl[s].at[ia], *pb = sl[s].at[ib];
        double va = pa ? mb_report_value(pa, m) : NAN, vb = pb ? mb_report_value(pb, m) : NAN;
        char pre[560], ta[64], tb[64];
        fmt_value(m, va, ta, sizeof(ta));
        fmt_value(m, vb, tb, sizeof(tb));
        if (!isfinite(va) || !isfinite(vb)) {
            evidence(c, "%s%s: %s at %s, %s at %s; too few values to judge",
                     slice_prefix(&sl[s], pre, sizeof(pre)), r->arg[0], ta, la, tb, lb);
            continue;
        }
        struct mb_stats_welch w = mb_stats_welch(pa->s[m].v, pa->s[m].n, pb->s[m].v, pb->s[m].n);
        bool ok = less ? va < vb : va > vb;
        evidence(c, "%s%s: %s at %s=%s vs %s at %s (%+.1f %%, Welch p = %.3g): %s",
                 slice_prefix(&sl[s], pre, sizeof(pre)), r->arg[0], ta, d->factors[f].key, la, tb,
                 lb, vb != 0 ? 100 * (va / vb - 1) : NAN, w.p, ok ? "holds" : "does not hold");
        ok ? holds++ : fails++;
    }
    slices_free(sl, ns);
    return fails ? RV_FAILS : holds ? RV_HOLDS : RV_NOT_EVALUATED;
}

/* Real against computed time of parallel migration, at one level of the VM count. */
struct rvc {
    double n;                      /* VMs */
    double real, real_lo, real_hi; /* parallel batch */
    double comp, comp_lo, comp_hi; /* n x one VM alone */
    double seq, seq_lo, seq_hi;    /* sequential batch */
};

static void ci_of(const struct mb_report_point *p, int m, double *v, double *lo, double *hi)
{
    *v = p ? mb_report_value(p, m) : NAN;
    *lo = p ? p->sum[m].ci95_low : NAN;
    *hi = p ? p->sum[m].ci95_high : NAN;
}

/* The slice's cells are (count level) x (strategy level) when fs >= 0, else per count
 * level (with the strategy from raw.csv's strategy column).  Computed = N x the time of
 * one VM migrated alone: the metric at N = 1 (sequential preferred) when the count has
 * that level, else the mean per-VM wall time of the sequential batch at N. */
static void rvc_at(const struct mb_report_dir *d, const struct slice *s, int fc, int fs, int m,
                   size_t level, struct rvc *o)
{
    const struct mb_report_factor *cnt = &d->factors[fc];
    size_t ns = fs >= 0 ? d->factors[fs].nlevels : 1;
    const struct mb_report_point *par = NULL, *seq = NULL, *one = NULL;
    for (size_t k = 0; k < ns; k++) {
        const struct mb_report_point *p = s->at[level * ns + k];
        const char *strat = fs >= 0 ? d->factors[fs].levels[k] : (p ? p->strategy : "");
        if (p && !strcmp(strat, "parallel"))
            par = p;
        else if (p && !strcmp(strat, "sequential"))
            seq = p;
    }
    for (size_t l = 0; l < cnt->nlevels; l++)
        if (cnt->num[l] == 1)
            for (size_t k = 0; k < ns; k++) {
                const struct mb_report_point *p = s->at[l * ns + k];
                const char *strat = fs >= 0 ? d->factors[fs].levels[k] : (p ? p->strategy : "");
                if (p && isfinite(mb_report_value(p, m)) && (!one || !strcmp(strat, "sequential")))
                    one = p;
            }
    o->n = cnt->num[level];
    ci_of(par, m, &o->real, &o->real_lo, &o->real_hi);
    ci_of(seq, m, &o->seq, &o->seq_lo, &o->seq_hi);
    double t1, lo, hi;
    if (one)
        ci_of(one, m, &t1, &lo, &hi);
    else
        ci_of(seq, MB_COL_WALL_TIME_MS, &t1, &lo, &hi);
    o->comp = o->n * t1;
    o->comp_lo = o->n * lo;
    o->comp_hi = o->n * hi;
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
    struct slice *sl;
    size_t ns = make_slices(d, fixed, fs >= 0 ? 2 : 1, &sl);
    size_t holds = 0, fails = 0;
    for (size_t s = 0; s < ns; s++) {
        struct mb_buf line = {0};
        char pre[560];
        mb_buf_printf(&line, "%sreal (parallel) vs computed (N × one VM):",
                      slice_prefix(&sl[s], pre, sizeof(pre)));
        bool ok = true, side = true;
        size_t judged = 0;
        double first_gap = NAN, last_gap = NAN;
        for (size_t l = 0; l < d->factors[fc].nlevels; l++) {
            struct rvc o;
            rvc_at(d, &sl[s], fc, fs, m, l, &o);
            if (o.n < 2 || !isfinite(o.real) || !isfinite(o.comp))
                continue;
            char tr[64], tc[64];
            fmt_value(m, o.real, tr, sizeof(tr));
            fmt_value(m, o.comp, tc, sizeof(tc));
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
    slices_free(sl, ns);
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
    struct slice *sl;
    size_t ns = make_slices(d, fixed, 2, &sl);
    size_t holds = 0, fails = 0;
    for (size_t s = 0; s < ns; s++)
        for (size_t i = 0; i < R->nlevels; i++) {
            int diag = level_index(C, R->levels[i]);
            const struct mb_report_point *pd = diag >= 0 ? sl[s].at[i * C->nlevels + diag] : NULL;
            double vd = pd ? mb_report_value(pd, m) : NAN;
            if (!isfinite(vd))
                continue;
            struct mb_buf line = {0};
            char pre[560], t[64];
            fmt_value(m, vd, t, sizeof(t));
            mb_buf_printf(&line, "%s%s=%s: with %s %s", slice_prefix(&sl[s], pre, sizeof(pre)),
                          R->key, R->levels[i], R->levels[i], t);
            bool ok = true;
            size_t others = 0;
            for (size_t j = 0; j < C->nlevels; j++) {
                const struct mb_report_point *p = sl[s].at[i * C->nlevels + j];
                double v = p ? mb_report_value(p, m) : NAN;
                if ((int)j == diag || !isfinite(v))
                    continue;
                fmt_value(m, v, t, sizeof(t));
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
    slices_free(sl, ns);
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

/* ---- figures ----------------------------------------------------------------------------- */

/* What to draw: a scenario plot entry, or a default. */
struct plot_req {
    const char *x, *series, *title;
    const char *const *y;
    size_t ny;
    enum mb_plot_kind kind;
};

struct figs {
    struct mb_plot_fig *v;
    size_t n;
};

static struct mb_plot_fig *fig_new(struct figs *F)
{
    F->v = mb_xrealloc(F->v, (F->n + 1) * sizeof(*F->v));
    return &F->v[F->n++];
}

static const char *last_component(const char *key)
{
    const char *dot = strrchr(key, '.');
    return dot ? dot + 1 : key;
}

static char *ylabel_of(int m)
{
    const char *unit = mb_results_columns[m].unit;
    return *unit ? mb_xasprintf("%s (%s)", mb_results_columns[m].name, unit)
                 : mb_xstrdup(mb_results_columns[m].name);
}

static char *fig_title(const struct mb_report_dir *d, const struct plot_req *q, int m,
                       const char *slice)
{
    struct mb_buf b = {0};
    if (q->title && q->ny > 1)
        mb_buf_printf(&b, "%s: %s — %s", d->name, q->title, mb_results_columns[m].name);
    else if (q->title)
        mb_buf_printf(&b, "%s: %s", d->name, q->title);
    else if (q->kind == MB_PLOT_REAL_VS_COMPUTED)
        mb_buf_printf(&b, "%s: parallel migration, real vs computed time", d->name);
    else
        mb_buf_printf(&b, "%s: %s by %s%s%s", d->name, mb_results_columns[m].name, q->x,
                      q->series ? " and " : "", q->series ? q->series : "");
    if (slice && *slice)
        mb_buf_printf(&b, " (%s)", slice);
    return b.data;
}

static char *caption_of(const struct mb_report_dir *d, enum mb_plot_kind k)
{
    char trim[160];
    if (d->trim)
        snprintf(trim, sizeof(trim),
                 "trimmed mean of the successful runs (%zu dropped at each end; the plain mean "
                 "where fewer than %zu runs succeeded)",
                 d->trim, 2 * d->trim + 1);
    else
        snprintf(trim, sizeof(trim), "mean of the successful runs");
    if (k == MB_PLOT_HEATMAP)
        return mb_xasprintf("Each cell: %s.", trim);
    if (k == MB_PLOT_REAL_VS_COMPUTED)
        return mb_xasprintf(
            "Real: makespan of the parallel batch (first start to last end). Computed: N times "
            "the time of one VM migrated alone (the single-VM runs, or the mean per-VM time of "
            "the sequential batch at N). Sequential: makespan of the sequential batch. Points: "
            "%s; error bars: 95 %% CI of the mean.",
            trim);
    return mb_xasprintf("Points: %s; error bars: 95 %% confidence interval of the mean.", trim);
}

static bool geometric(const struct mb_report_factor *f)
{
    if (!f->numeric || f->nlevels < 3 || f->num[0] <= 0)
        return false;
    for (size_t k = 0; k + 1 < f->nlevels; k++)
        if (f->num[k + 1] < 1.5 * f->num[k])
            return false;
    return true;
}

/* line and bars: one series per combination of the series factor and every factor
 * that is not on the x axis */
static void fig_sweep(const struct mb_report_dir *d, const struct plot_req *q, int m, int fx,
                      int fs, const char *name, struct figs *F)
{
    const struct mb_report_factor *X = &d->factors[fx];
    bool numeric = q->kind == MB_PLOT_LINE && X->numeric;
    struct mb_plot_fig *f = fig_new(F);
    char *title = fig_title(d, q, m, NULL), *yl = ylabel_of(m);
    mb_plot_fig_init(f, q->kind, name, title, X->key, yl, X->nlevels, numeric);
    free(title);
    free(yl);
    for (size_t k = 0; k < X->nlevels; k++) {
        f->xlabels[k] = mb_xstrdup(X->levels[k]);
        if (numeric)
            f->x[k] = X->num[k];
    }
    f->xlog = numeric && geometric(X);
    f->caption = caption_of(d, q->kind);
    /* series keys: the series factor first, then the others */
    char **keys = NULL;
    int *order = NULL;
    size_t nkeys = 0;
    for (size_t i = 0; i < d->npoints; i++) {
        const struct mb_report_point *p = &d->points[i];
        char key[512] = "";
        size_t len = 0;
        if (fs >= 0)
            len += (size_t)snprintf(key, sizeof(key), "%s=%s", last_component(d->factors[fs].key),
                                    p->values[fs]);
        for (size_t g = 0; g < d->nfactors && len < sizeof(key); g++)
            if ((int)g != fx && (int)g != fs)
                len += (size_t)snprintf(key + len, sizeof(key) - len, "%s%s=%s", len ? ", " : "",
                                        last_component(d->factors[g].key), p->values[g]);
        if (d->max_hop > 1 && len < sizeof(key))
            snprintf(key + len, sizeof(key) - len, "%shop %u", len ? ", " : "", p->hop);
        size_t s = 0;
        while (s < nkeys && strcmp(keys[s], key))
            s++;
        if (s == nkeys) {
            keys = mb_xrealloc(keys, (nkeys + 1) * sizeof(char *));
            order = mb_xrealloc(order, (nkeys + 1) * sizeof(int));
            keys[nkeys] = mb_xstrdup(key);
            order[nkeys] = fs >= 0 ? level_index(&d->factors[fs], p->values[fs]) : 0;
            nkeys++;
            mb_plot_fig_add_series(f, key);
        }
        struct mb_plot_series *se = &f->series[s];
        int k = level_index(X, p->values[fx]);
        se->y[k] = mb_report_value(p, m);
        se->lo[k] = p->sum[m].ci95_low;
        se->hi[k] = p->sum[m].ci95_high;
    }
    /* series in the order of the series factor's levels (stable) */
    for (size_t i = 1; i < nkeys; i++)
        for (size_t j = i; j > 0 && order[j - 1] > order[j]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
            struct mb_plot_series s = f->series[j];
            f->series[j] = f->series[j - 1];
            f->series[j - 1] = s;
        }
    for (size_t i = 0; i < nkeys; i++)
        free(keys[i]);
    free(keys);
    free(order);
}

static void fig_heatmap(const struct mb_report_dir *d, const struct plot_req *q, int m, int fx,
                        int fr, const char *name, struct figs *F)
{
    const struct mb_report_factor *X = &d->factors[fx], *R = &d->factors[fr];
    int fixed[2] = {fr, fx};
    struct slice *sl;
    size_t ns = make_slices(d, fixed, 2, &sl);
    for (size_t s = 0; s < ns; s++) {
        struct mb_plot_fig *f = fig_new(F);
        char *title = fig_title(d, q, m, sl[s].label);
        char *fname = ns > 1 ? mb_xasprintf("%s-s%zu", name, s + 1) : mb_xstrdup(name);
        mb_plot_fig_init(f, MB_PLOT_HEATMAP, fname, title, X->key, R->key, X->nlevels, false);
        free(title);
        free(fname);
        f->caption = caption_of(d, MB_PLOT_HEATMAP);
        char *cap = f->caption;
        f->caption = mb_xasprintf("%s Rows: %s; columns: %s; values: %s.", cap, R->key, X->key,
                                  mb_results_columns[m].name);
        free(cap);
        for (size_t k = 0; k < X->nlevels; k++)
            f->xlabels[k] = mb_xstrdup(X->levels[k]);
        for (size_t r = 0; r < R->nlevels; r++) {
            struct mb_plot_series *se = mb_plot_fig_add_series(f, R->levels[r]);
            for (size_t k = 0; k < X->nlevels; k++) {
                const struct mb_report_point *p = sl[s].at[r * X->nlevels + k];
                se->y[k] = p ? mb_report_value(p, m) : NAN;
            }
        }
    }
    slices_free(sl, ns);
}

static void fig_rvc(const struct mb_report_dir *d, const struct plot_req *q, int m, int fc,
                    const char *name, struct figs *F)
{
    const struct mb_report_factor *C = &d->factors[fc];
    int fs = mb_report_factor_find(d, "migration.strategy");
    int fixed[2] = {fc, fs};
    struct slice *sl;
    size_t ns = make_slices(d, fixed, fs >= 0 ? 2 : 1, &sl);
    for (size_t s = 0; s < ns; s++) {
        struct mb_plot_fig *f = fig_new(F);
        char *title = fig_title(d, q, m, sl[s].label), *yl = ylabel_of(m);
        char *fname = ns > 1 ? mb_xasprintf("%s-s%zu", name, s + 1) : mb_xstrdup(name);
        mb_plot_fig_init(f, MB_PLOT_REAL_VS_COMPUTED, fname, title, C->key, yl, C->nlevels, true);
        free(title);
        free(yl);
        free(fname);
        f->caption = caption_of(d, MB_PLOT_REAL_VS_COMPUTED);
        for (size_t k = 0; k < C->nlevels; k++) {
            f->xlabels[k] = mb_xstrdup(C->levels[k]);
            f->x[k] = C->num[k];
        }
        f->xlog = geometric(C);
        mb_plot_fig_add_series(f, "real (parallel)");
        mb_plot_fig_add_series(f, "computed (N × one VM)");
        mb_plot_fig_add_series(f, "sequential");
        bool any_seq = false;
        for (size_t k = 0; k < C->nlevels; k++) {
            struct rvc o;
            rvc_at(d, &sl[s], fc, fs, m, k, &o);
            f->series[0].y[k] = o.real;
            f->series[0].lo[k] = o.real_lo;
            f->series[0].hi[k] = o.real_hi;
            f->series[1].y[k] = o.comp;
            f->series[1].lo[k] = o.comp_lo;
            f->series[1].hi[k] = o.comp_hi;
            f->series[2].y[k] = o.seq;
            f->series[2].lo[k] = o.seq_lo;
            f->series[2].hi[k] = o.seq_hi;
            any_seq |= isfinite(o.seq);
        }
        if (!any_seq) {
            f->nseries--;
            free(f->series[2].title);
            free(f->series[2].y);
            free(f->series[2].lo);
            free(f->series[2].hi);
        }
    }
    slices_free(sl, ns);
}

static void figs_for(const struct mb_report_dir *d, const struct plot_req *q, const char *stem,
                     size_t index, struct figs *F)
{
    int fx = mb_report_factor_find(d, q->x);
    int fs = q->series ? mb_report_factor_find(d, q->series) : -1;
    if (fx < 0 || (q->series && fs < 0))
        return; /* the scenario's plot names a factor raw.csv does not vary */
    for (size_t i = 0; i < q->ny; i++) {
        int m = mb_results_column_find(q->y[i]);
        if (!mb_report_is_metric(m) || !d->has_metric[m])
            continue;
        char *name = mb_xasprintf("%s-%zu-%s", stem, index, q->y[i]);
        switch (q->kind) {
        case MB_PLOT_HEATMAP: {
            int fr = fs;
            for (size_t g = 0; fr < 0 && g < d->nfactors; g++)
                if ((int)g != fx)
                    fr = (int)g;
            if (fr >= 0)
                fig_heatmap(d, q, m, fx, fr, name, F);
            else {
                struct plot_req b = *q;
                b.kind = MB_PLOT_BARS;
                fig_sweep(d, &b, m, fx, -1, name, F);
            }
            break;
        }
        case MB_PLOT_REAL_VS_COMPUTED:
            if (d->factors[fx].numeric)
                fig_rvc(d, q, m, fx, name, F);
            break;
        default:
            fig_sweep(d, q, m, fx, fs, name, F);
        }
        free(name);
    }
}

size_t mb_report_figures(const struct mb_report_dir *d, const char *stem, struct mb_plot_fig **out)
{
    struct figs F = {0};
    const struct mb_scenario *s = d->scenario;
    if (s && s->nplots) {
        for (size_t i = 0; i < s->nplots; i++) {
            const struct mb_plot *p = &s->plots[i];
            int k = mb_plot_kind_find(p->kind);
            struct plot_req q = {.x = p->x,
                                 .series = p->series,
                                 .title = p->title,
                                 .y = (const char *const *)p->y,
                                 .ny = p->ny,
                                 .kind = k < 0 ? MB_PLOT_LINE : (enum mb_plot_kind)k};
            figs_for(d, &q, stem, i + 1, &F);
        }
    } else if (d->nfactors) {
        /* defaults: parallel vs computed when the VM count and the strategy vary, then a
         * sweep over the first numeric factor (else the first factor) */
        size_t index = 1;
        int fc = mb_report_factor_find(d, "vms.count");
        int fs = mb_report_factor_find(d, "migration.strategy");
        bool parallel = fs >= 0 && level_index(&d->factors[fs], "parallel") >= 0;
        for (size_t i = 0; fs < 0 && i < d->npoints; i++)
            parallel |= !strcmp(d->points[i].strategy, "parallel");
        if (fc >= 0 && d->factors[fc].numeric && parallel) {
            static const char *const y[] = {"batch_makespan_ms"};
            struct plot_req q = {
                .x = "vms.count", .y = y, .ny = 1, .kind = MB_PLOT_REAL_VS_COMPUTED};
            figs_for(d, &q, stem, index++, &F);
        }
        int fx = 0;
        for (size_t g = d->nfactors; g-- > 0;)
            if (d->factors[g].numeric)
                fx = (int)g;
        static const char *const y[] = {"total_time_ms", "downtime_ms", "overhead_pct"};
        struct plot_req q = {.x = d->factors[fx].key,
                             .y = y,
                             .ny = 3,
                             .kind = d->factors[fx].numeric ? MB_PLOT_LINE : MB_PLOT_BARS};
        figs_for(d, &q, stem, index, &F);
    }
    *out = F.v;
    return F.n;
}

/* ---- report.md and report.html ------------------------------------------------------------ */

/* Text is written once, in Markdown's inline syntax (`code`, **strong**, [text](link),
 * backslash escapes), into both documents: as is into report.md, converted into
 * report.html. */
struct doc {
    struct mb_buf md, html;
};

static void html_escape(struct mb_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            mb_buf_append(b, "&amp;", 5);
            break;
        case '<':
            mb_buf_append(b, "&lt;", 4);
            break;
        case '>':
            mb_buf_append(b, "&gt;", 4);
            break;
        case '"':
            mb_buf_append(b, "&quot;", 6);
            break;
        default:
            mb_buf_append(b, &s[i], 1);
        }
    }
}

/* Markdown inline text -> HTML. */
static void inline_html(struct mb_buf *b, const char *s)
{
    bool strong = false, em = false;
    for (const char *p = s; *p;) {
        if (*p == '\\' && p[1] && strchr("\\`*_[]<>|#", p[1])) {
            html_escape(b, p + 1, 1);
            p += 2;
        } else if (*p == '`') {
            const char *end = strchr(p + 1, '`');
            if (!end) {
                html_escape(b, p, 1);
                p++;
                continue;
            }
            mb_buf_append(b, "<code>", 6);
            html_escape(b, p + 1, (size_t)(end - p - 1));
            mb_buf_append(b, "</code>", 7);
            p = end + 1;
        } else if (p[0] == '*' && p[1] == '*') {
            mb_buf_printf(b, strong ? "</strong>" : "<strong>");
            strong = !strong;
            p += 2;
        } else if (*p == '*') {
            mb_buf_printf(b, em ? "</em>" : "<em>");
            em = !em;
            p++;
        } else if (*p == '[') {
            const char *close = strstr(p, "](");
            const char *end = close ? strchr(close, ')') : NULL;
            if (!end) {
                html_escape(b, p, 1);
                p++;
                continue;
            }
            mb_buf_append(b, "<a href=\"", 9);
            html_escape(b, close + 2, (size_t)(end - close - 2));
            mb_buf_append(b, "\">", 2);
            char *text = mb_xstrndup(p + 1, (size_t)(close - p - 1));
            inline_html(b, text);
            free(text);
            mb_buf_append(b, "</a>", 4);
            p = end + 1;
        } else {
            html_escape(b, p, 1);
            p++;
        }
    }
    if (em)
        mb_buf_printf(b, "</em>");
    if (strong)
        mb_buf_printf(b, "</strong>");
}

/* Data (names, messages) as Markdown text: special characters escaped, one line. */
static void md_text(struct mb_buf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (strchr("\\`*_[]<>|#", *p) && *p)
            mb_buf_append(b, "\\", 1);
        char c = *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p;
        mb_buf_append(b, &c, 1);
    }
}

/* Data as a code span (backticks inside become quotes). */
static void md_code(struct mb_buf *b, const char *s)
{
    mb_buf_append(b, "`", 1);
    for (const char *p = s ? s : ""; *p; p++) {
        char c = *p == '`' ? '\'' : (*p == '\n' || *p == '|') ? (*p == '|' ? '/' : ' ') : *p;
        mb_buf_append(b, &c, 1);
    }
    mb_buf_append(b, "`", 1);
}

/* A paragraph of inline Markdown. */
static void doc_p(struct doc *D, const char *md)
{
    mb_buf_printf(&D->md, "%s\n\n", md);
    mb_buf_printf(&D->html, "<p>");
    inline_html(&D->html, md);
    mb_buf_printf(&D->html, "</p>\n");
}

static void doc_h(struct doc *D, int level, const char *id, const char *md)
{
    mb_buf_printf(&D->md, "%.*s %s\n\n", level, "######", md);
    mb_buf_printf(&D->html, "<h%d%s%s%s>", level, id ? " id=\"" : "", id ? id : "", id ? "\"" : "");
    inline_html(&D->html, md);
    mb_buf_printf(&D->html, "</h%d>\n", level);
}

static void doc_list(struct doc *D, char *const *items, size_t n)
{
    if (!n)
        return;
    mb_buf_printf(&D->html, "<ul>\n");
    for (size_t i = 0; i < n; i++) {
        mb_buf_printf(&D->md, "- %s\n", items[i]);
        mb_buf_printf(&D->html, "<li>");
        inline_html(&D->html, items[i]);
        mb_buf_printf(&D->html, "</li>\n");
    }
    mb_buf_printf(&D->md, "\n");
    mb_buf_printf(&D->html, "</ul>\n");
}

/* A table: cells in inline Markdown; numeric columns (flag per column) right-aligned. */
struct table {
    size_t ncols;
    const bool *right;
};

static void doc_table_head(struct doc *D, struct table *t, const char *const *heads, size_t n,
                           const bool *right)
{
    t->ncols = n;
    t->right = right;
    mb_buf_printf(&D->md, "|");
    mb_buf_printf(&D->html, "<div class=\"scroll\"><table>\n<thead><tr>");
    for (size_t i = 0; i < n; i++) {
        mb_buf_printf(&D->md, " %s |", heads[i]);
        mb_buf_printf(&D->html, "<th%s>", right && right[i] ? " class=\"r\"" : "");
        inline_html(&D->html, heads[i]);
        mb_buf_printf(&D->html, "</th>");
    }
    mb_buf_printf(&D->md, "\n|");
    for (size_t i = 0; i < n; i++)
        mb_buf_printf(&D->md, "%s|", right && right[i] ? "---:" : "---");
    mb_buf_printf(&D->md, "\n");
    mb_buf_printf(&D->html, "</tr></thead>\n<tbody>\n");
}

static void doc_table_row(struct doc *D, const struct table *t, char *const *cells)
{
    mb_buf_printf(&D->md, "|");
    mb_buf_printf(&D->html, "<tr>");
    for (size_t i = 0; i < t->ncols; i++) {
        mb_buf_printf(&D->md, " %s |", cells[i] ? cells[i] : "");
        mb_buf_printf(&D->html, "<td%s>", t->right && t->right[i] ? " class=\"r\"" : "");
        inline_html(&D->html, cells[i] ? cells[i] : "");
        mb_buf_printf(&D->html, "</td>");
    }
    mb_buf_printf(&D->md, "\n");
    mb_buf_printf(&D->html, "</tr>\n");
}

static void doc_table_end(struct doc *D)
{
    mb_buf_printf(&D->md, "\n");
    mb_buf_printf(&D->html, "</tbody></table></div>\n");
}

static void doc_code(struct doc *D, const char *lang, const char *text, const char *summary)
{
    size_t n = strlen(text);
    /* a fence longer than any backtick run inside */
    size_t run = 0, longest = 0;
    for (size_t i = 0; i < n; i++) {
        run = text[i] == '`' ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    size_t fence = longest >= 3 ? longest + 1 : 3;
    mb_buf_printf(&D->md, "%.*s%s\n%s%s%.*s\n\n", (int)fence, "``````````````````````````", lang,
                  text, n && text[n - 1] == '\n' ? "" : "\n", (int)fence,
                  "``````````````````````````");
    if (summary) {
        mb_buf_printf(&D->html, "<details><summary>");
        inline_html(&D->html, summary);
        mb_buf_printf(&D->html, "</summary>");
    }
    mb_buf_printf(&D->html, "<pre><code>");
    html_escape(&D->html, text, n);
    mb_buf_printf(&D->html, "</code></pre>\n");
    if (summary)
        mb_buf_printf(&D->html, "</details>\n");
}

static void base64(struct mb_buf *b, const unsigned char *s, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char q[4];
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        q[0] = a[(v >> 18) & 63];
        q[1] = a[(v >> 12) & 63];
        q[2] = i + 1 < n ? a[(v >> 6) & 63] : '=';
        q[3] = i + 2 < n ? a[v & 63] : '=';
        mb_buf_append(b, q, 4);
    }
}

/* A figure: report.md links the PNG (else the SVG); report.html inlines the SVG (else the
 * PNG) as a data: URI, so the page needs no other file. */
static void doc_figure(struct doc *D, const char *figdir, const char *rel,
                       const struct mb_plot_fig *f, unsigned formats)
{
    const char *md_ext = formats & MB_PLOT_PNG ? "png" : "svg";
    const char *html_ext = formats & MB_PLOT_SVG ? "svg" : "png";
    mb_buf_printf(&D->md, "![");
    md_text(&D->md, f->title);
    mb_buf_printf(&D->md, "](%s/%s.%s)\n\n", rel, f->name, md_ext);
    mb_buf_printf(&D->md, "*%s*\n\n", f->caption ? f->caption : "");
    char *path = mb_xasprintf("%s/%s.%s", figdir, f->name, html_ext);
    size_t len = 0;
    char *data = slurp(path, 32 << 20, &len);
    mb_buf_printf(&D->html, "<figure>");
    if (data) {
        mb_buf_printf(&D->html, "<img alt=\"");
        html_escape(&D->html, f->title, strlen(f->title));
        mb_buf_printf(&D->html, "\" src=\"data:image/%s;base64,",
                      !strcmp(html_ext, "svg") ? "svg+xml" : "png");
        base64(&D->html, (const unsigned char *)data, len);
        mb_buf_printf(&D->html, "\">");
    } else {
        mb_buf_printf(&D->html, "<p class=\"note\">figure %s.%s could not be read</p>", f->name,
                      html_ext);
    }
    mb_buf_printf(&D->html, "<figcaption>");
    html_escape(&D->html, f->caption ? f->caption : "", f->caption ? strlen(f->caption) : 0);
    mb_buf_printf(&D->html, "</figcaption></figure>\n");
    free(data);
    free(path);
}

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
    fmt_value(m, v, t, sizeof(t));
    if (!isfinite(p->sum[m].ci95_low))
        return mb_xstrdup(t);
    fmt_value(m, p->sum[m].ci95_low, lo, sizeof(lo));
    fmt_value(m, p->sum[m].ci95_high, hi, sizeof(hi));
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

static void results_table(struct doc *D, const struct mb_report_dir *d)
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
        md_code(&b, d->factors[f].key);
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
        md_code(&b, mb_results_columns[ms[i]].name);
        right[c] = true;
        heads[c++] = b.data;
    }
    struct table t;
    doc_table_head(D, &t, (const char *const *)heads, ncols, right);
    char **cells = mb_xcalloc(ncols, sizeof(char *));
    for (size_t i = 0; i < d->npoints; i++) {
        const struct mb_report_point *p = &d->points[i];
        c = 0;
        for (size_t f = 0; f < d->nfactors; f++) {
            struct mb_buf b = {0};
            md_text(&b, p->values[f]);
            mb_buf_append(&b, "", 0);
            cells[c++] = b.data;
        }
        if (hops)
            cells[c++] = mb_xasprintf("%u", p->hop);
        cells[c++] = mb_xasprintf("%zu", p->runs);
        cells[c++] = p->failed ? mb_xasprintf("**%zu**", p->failed) : mb_xstrdup("0");
        for (size_t k = 0; k < nm; k++)
            cells[c++] = cell_value(p, ms[k]);
        doc_table_row(D, &t, cells);
        for (size_t k = 0; k < ncols; k++)
            free(cells[k]);
    }
    doc_table_end(D);
    free(cells);
    for (size_t k = 0; k < ncols; k++)
        free(heads[k]);
    free(heads);
    free(right);
}

/* Every statistic of one metric, per point. */
static void details_table(struct doc *D, const struct mb_report_dir *d, int m)
{
    static const char *const heads[] = {"point", "n",  "failed",  "trimmed mean", "median", "mean",
                                        "sd",    "CV", "95 % CI", "min",          "max"};
    static const bool right[] = {false, true, true, true, true, true, true, true, true, true, true};
    struct table t;
    doc_table_head(D, &t, heads, 11, right);
    for (size_t i = 0; i < d->npoints; i++) {
        const struct mb_report_point *p = &d->points[i];
        const struct mb_stats_summary *s = &p->sum[m];
        char label[600], v[8][64];
        mb_report_point_label(d, p, label, sizeof(label));
        struct mb_buf lb = {0};
        md_text(&lb, label);
        fmt_value(m, s->trimmed_mean, v[0], 64);
        fmt_value(m, s->median, v[1], 64);
        fmt_value(m, s->mean, v[2], 64);
        fmt_value(m, s->sd, v[3], 64);
        if (isfinite(s->cv))
            snprintf(v[4], 64, "%.1f %%", 100 * s->cv);
        else
            snprintf(v[4], 64, "n/a");
        char lo[64], hi[64], ci[160];
        fmt_value(m, s->ci95_low, lo, sizeof(lo));
        fmt_value(m, s->ci95_high, hi, sizeof(hi));
        if (isfinite(s->ci95_low))
            snprintf(ci, sizeof(ci), "%s – %s", lo, hi);
        else
            snprintf(ci, sizeof(ci), "n/a");
        fmt_value(m, s->min, v[6], 64);
        fmt_value(m, s->max, v[7], 64);
        char n[32], failed[32];
        snprintf(n, sizeof(n), "%zu", s->n);
        snprintf(failed, sizeof(failed), "%zu", p->failed);
        char *cells[] = {lb.data, n, failed, v[0], v[1], v[2], v[3], v[4], ci, v[6], v[7]};
        doc_table_row(D, &t, cells);
        mb_buf_free(&lb);
    }
    doc_table_end(D);
}

static void failures(struct doc *D, const struct mb_report_dir *d)
{
    if (!d->nfailed)
        return;
    doc_h(D, 3, NULL, "Failed runs");
    doc_p(D, "A run is failed when one of its migrations did not end `ok` (failed, timeout, "
             "corrupt: the guest lost a write, aborted); its values are left out of every "
             "statistic above.");
    static const char *const heads[] = {"point", "runs", "failed", "rows by status",
                                        "first problem"};
    static const bool right[] = {false, true, true, false, false};
    struct table t;
    doc_table_head(D, &t, heads, 5, right);
    for (size_t i = 0; i < d->npoints; i++) {
        const struct mb_report_point *p = &d->points[i];
        if (!p->failed)
            continue;
        char label[600], runs[32], failed[32];
        mb_report_point_label(d, p, label, sizeof(label));
        snprintf(runs, sizeof(runs), "%zu", p->runs);
        snprintf(failed, sizeof(failed), "%zu", p->failed);
        struct mb_buf lb = {0}, st = {0}, er = {0};
        md_text(&lb, label);
        mb_buf_append(&st, "", 0);
        for (int s = 0; s < MB_REPORT_NSTATUS; s++)
            if (p->status_rows[s])
                mb_buf_printf(&st, "%s%s %zu", st.len ? ", " : "", mb_report_status_names[s],
                              p->status_rows[s]);
        md_text(&er, p->first_error ? p->first_error : "");
        mb_buf_printf(&er, " (raw.csv line %d)", p->first_error_line);
        char *cells[] = {lb.data, runs, failed, st.data, er.data};
        doc_table_row(D, &t, cells);
        mb_buf_free(&lb);
        mb_buf_free(&st);
        mb_buf_free(&er);
    }
    doc_table_end(D);
}

struct kv {
    struct doc *D;
    struct table *t;
    const char *skip_prefix;
};

static void kv_row(void *ctx, const char *path, const struct mb_json *v)
{
    struct kv *k = ctx;
    if (k->skip_prefix && !strncmp(path, k->skip_prefix, strlen(k->skip_prefix)))
        return;
    struct mb_buf a = {0}, b = {0};
    md_code(&a, path);
    mb_buf_append(&b, "", 0);
    md_text(&b, v->text ? v->text : "");
    char *cells[] = {a.data, b.data};
    doc_table_row(k->D, k->t, cells);
    mb_buf_free(&a);
    mb_buf_free(&b);
}

static const char *jstr(const struct mb_json *o, const char *key)
{
    const struct mb_json *v = mb_json_get(o, key);
    return v && v->text ? v->text : "";
}

static void environment(struct doc *D, const struct mb_report_dir *d)
{
    doc_h(D, 3, NULL, "Environment");
    const struct mb_json *hosts = mb_json_get(d->meta, "hosts");
    if (hosts && hosts->type == MB_JSON_ARRAY && hosts->nkids) {
        static const char *const heads[] = {"host", "hypervisor", "libvirt", "kernel",
                                            "CPU",  "CPUs",       "memory",  "accel"};
        static const bool right[] = {false, false, false, false, false, true, true, false};
        struct table t;
        doc_table_head(D, &t, heads, 8, right);
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
                md_text(&b, vals[k]);
                cells[k] = b.data;
            }
            doc_table_row(D, &t, cells);
            for (size_t k = 0; k < 8; k++)
                free(cells[k]);
        }
        doc_table_end(D);
    }
    static const char *const heads[] = {"field", "value"};
    struct table t;
    doc_table_head(D, &t, heads, 2, NULL);
    static const int prov[] = {MB_COL_HYPERVISOR, MB_COL_ACCEL, MB_COL_HARNESS_VERSION,
                               MB_COL_IMAGE_HASH};
    for (size_t i = 0; i < sizeof(prov) / sizeof(prov[0]); i++) {
        if (!d->provenance[prov[i]])
            continue;
        struct mb_buf a = {0}, b = {0};
        mb_buf_printf(&a, "raw.csv ");
        md_code(&a, mb_results_columns[prov[i]].name);
        mb_buf_append(&b, "", 0);
        md_text(&b, d->provenance[prov[i]]);
        char *cells[] = {a.data, b.data};
        doc_table_row(D, &t, cells);
        mb_buf_free(&a);
        mb_buf_free(&b);
    }
    if (d->meta) {
        struct kv k = {.D = D, .t = &t, .skip_prefix = "hosts["};
        mb_json_flatten(d->meta, kv_row, &k);
    }
    doc_table_end(D);
    if (!d->meta)
        doc_p(D, "No metadata.json in the results directory: the hosts are unknown.");
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
        doc_code(D, "", all.data, "every host field of metadata.json");
        mb_buf_free(&all);
    }
}

static void claim_section(struct doc *D, const struct mb_report_claim *c)
{
    if (!c->text && !c->rules)
        return;
    doc_h(D, 3, NULL, "Claim");
    struct mb_buf b = {0};
    if (c->text) {
        md_text(&b, c->text);
        mb_buf_printf(&D->md, "> %s\n\n", b.data);
        mb_buf_printf(&D->html, "<blockquote>");
        inline_html(&D->html, b.data);
        mb_buf_printf(&D->html, "</blockquote>\n");
        b.len = 0;
    }
    mb_buf_printf(&b, "**Verdict: %s**", mb_report_verdict_name(c->verdict));
    if (c->rules) {
        mb_buf_printf(&b, " — checked by ");
        md_code(&b, c->rules);
        mb_buf_printf(&b, " (rules from the %s).", c->where);
    }
    mb_buf_printf(&D->md, "%s\n\n", b.data);
    mb_buf_printf(&D->html, "<p class=\"verdict v-%s\">",
                  c->verdict == MB_VERDICT_CONFIRMED       ? "yes"
                  : c->verdict == MB_VERDICT_NOT_CONFIRMED ? "no"
                                                           : "na");
    inline_html(&D->html, b.data);
    mb_buf_printf(&D->html, "</p>\n");
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
        md_text(&e, line);
        free(line);
        items = mb_xrealloc(items, (n + 1) * sizeof(char *));
        items[n++] = e.data;
        s += len + (s[len] == '\n');
    }
    doc_list(D, items, n);
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>migbench report</title>\n<style>\n"
    "body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;max-width:1100px;"
    "margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n"
    "h1{border-bottom:2px solid #ddd}h2{border-bottom:1px solid #ddd;margin-top:2.2em}\n"
    "code{font-family:'DejaVu Sans Mono',monospace;font-size:90%;background:#f4f4f4;"
    "padding:0 .2em}\n"
    "pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:85%}\npre "
    "code{background:none}\n"
    ".scroll{overflow-x:auto}\ntable{border-collapse:collapse;margin:.6em 0 1.2em;"
    "font-size:90%}\n"
    "th,td{border:1px solid #ddd;padding:.25em .6em;vertical-align:top}th{background:#f3f3f3}\n"
    "td.r,th.r{text-align:right;white-space:nowrap}\n"
    "figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}\n"
    "figcaption{font-size:90%;color:#555}\n"
    "blockquote{border-left:4px solid #ccc;margin:0;padding:.2em 1em;color:#444}\n"
    ".verdict{padding:.4em .8em;border-radius:4px}.v-yes{background:#e6f4ea}"
    ".v-no{background:#fce8e6}.v-na{background:#f1f3f4}\n"
    ".note{color:#8a6d3b}details{margin:.5em 0 1em}summary{cursor:pointer;color:#444}\n"
    "</style>\n</head>\n<body>\n";

static void scenario_section(struct doc *D, const struct mb_report_dir *d, size_t index,
                             const struct mb_report_claim *claim, const struct mb_plot_fig *figs,
                             size_t nfigs, const struct mb_report_opts *o, const char *figdir)
{
    char *anchor = anchor_of(index, d->name);
    struct mb_buf b = {0};
    md_text(&b, d->name);
    if (d->scenario && d->scenario->paper && *d->scenario->paper) {
        mb_buf_printf(&b, " — ");
        md_text(&b, d->scenario->paper);
    }
    doc_h(D, 2, anchor, b.data);
    free(anchor);
    b.len = 0;
    if (d->scenario && d->scenario->description && *d->scenario->description) {
        md_text(&b, d->scenario->description);
        doc_p(D, b.data);
        b.len = 0;
    }
    char *items[8];
    size_t n = 0;
    mb_buf_printf(&b, "results: ");
    md_code(&b, d->path);
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
    doc_list(D, items, n);
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    if (d->nnotes) {
        char **notes = mb_xcalloc(d->nnotes, sizeof(char *));
        for (size_t i = 0; i < d->nnotes; i++) {
            struct mb_buf nb = {0};
            mb_buf_printf(&nb, "note: ");
            md_text(&nb, d->notes[i]);
            notes[i] = nb.data;
        }
        doc_list(D, notes, d->nnotes);
        for (size_t i = 0; i < d->nnotes; i++)
            free(notes[i]);
        free(notes);
    }
    claim_section(D, claim);
    if (nfigs) {
        doc_h(D, 3, NULL, "Figures");
        for (size_t i = 0; i < nfigs; i++)
            doc_figure(D, figdir, "figures", &figs[i], o->formats);
    } else if (o->figures && d->nfactors == 0) {
        doc_p(D, "No figure: the scenario has no factor.");
    }
    doc_h(D, 3, NULL, "Results");
    if (!d->npoints) {
        doc_p(D, "raw.csv has no runs.");
    } else {
        doc_p(D, "Per point: runs recorded, failed runs, and for each metric the statistic "
                 "above with its 95 % confidence interval of the mean in brackets. Every "
                 "statistic of every metric is in `summary.csv`.");
        results_table(D, d);
        int ms[MB_COL_COUNT];
        size_t nm = key_metrics(d, ms);
        for (size_t i = 0; i < nm; i++) {
            struct mb_buf h = {0};
            mb_buf_printf(&h, "All statistics of ");
            md_code(&h, mb_results_columns[ms[i]].name);
            mb_buf_printf(&D->md, "#### %s\n\n", h.data);
            mb_buf_printf(&D->html, "<details><summary>");
            inline_html(&D->html, h.data);
            mb_buf_printf(&D->html, "</summary>\n");
            details_table(D, d, ms[i]);
            mb_buf_printf(&D->html, "</details>\n");
            mb_buf_free(&h);
        }
    }
    failures(D, d);
    environment(D, d);
    doc_h(D, 3, NULL, "Scenario as run");
    if (d->scenario_text)
        doc_code(D, "yaml", d->scenario_text, "scenario.yaml");
    else
        doc_p(D, "scenario.yaml was not recorded.");
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

int mb_report_write(struct mb_report_dir *const *dirs, size_t ndirs, const struct mb_report_opts *o,
                    struct mb_report_result *res, struct mb_error *err)
{
    struct mb_report_result r = {0};
    unsigned formats = o->formats ? o->formats : MB_PLOT_PNG | MB_PLOT_SVG;
    struct mb_report_opts opts = *o;
    opts.formats = formats;
    if (mkdir(o->out_dir, 0755) && errno != EEXIST)
        return mb_error_at(err, MB_EIO, o->out_dir, 0, 0, "cannot create: %s", strerror(errno));
    char *figdir = mb_xasprintf("%s/figures", o->out_dir);
    struct mb_plot_fig **figs = mb_xcalloc(ndirs, sizeof(*figs));
    size_t *nfigs = mb_xcalloc(ndirs, sizeof(size_t));
    struct mb_report_claim *claims = mb_xcalloc(ndirs, sizeof(*claims));
    struct doc D = {.md = {.max = (size_t)1 << 30}, .html = {.max = (size_t)1 << 30}};
    int rc = 0;
    if (o->figures) {
        if (mkdir(figdir, 0755) && errno != EEXIST) {
            rc = mb_error_at(err, MB_EIO, figdir, 0, 0, "cannot create: %s", strerror(errno));
            goto out;
        }
        clean_figures(figdir);
        /* one gnuplot run for every figure of every directory */
        struct mb_plot_fig *all = NULL;
        size_t nall = 0;
        for (size_t i = 0; i < ndirs; i++) {
            char *stem = ndirs > 1 ? mb_xasprintf("%02zu-%s", i + 1, dirs[i]->name)
                                   : mb_xstrdup(dirs[i]->name);
            nfigs[i] = mb_report_figures(dirs[i], stem, &figs[i]);
            free(stem);
            all = mb_xrealloc(all, (nall + nfigs[i] + 1) * sizeof(*all));
            if (nfigs[i])
                memcpy(all + nall, figs[i], nfigs[i] * sizeof(*all));
            nall += nfigs[i];
        }
        struct mb_plot_opts po = {
            .templates = o->templates, .gnuplot = o->gnuplot, .formats = formats};
        rc = mb_plot_render(all, nall, figdir, &po, err);
        free(all); /* shallow: the figures belong to figs[] */
        r.nfigures = nall;
        if (rc)
            goto out;
    }
    for (size_t i = 0; i < ndirs; i++) {
        mb_report_claim_check(dirs[i], &claims[i]);
        if (claims[i].rules) {
            r.confirmed += claims[i].verdict == MB_VERDICT_CONFIRMED;
            r.not_confirmed += claims[i].verdict == MB_VERDICT_NOT_CONFIRMED;
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

    /* the documents */
    mb_buf_printf(&D.html, "%s", html_head);
    doc_h(&D, 1, NULL, "migbench report");
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
    doc_p(&D, b.data);
    mb_buf_free(&b);
    if (ndirs > 1) {
        static const char *const heads[] = {"scenario", "paper",  "points",
                                            "runs",     "failed", "claim"};
        static const bool right[] = {false, false, true, true, true, false};
        struct table t;
        doc_table_head(&D, &t, heads, 6, right);
        for (size_t i = 0; i < ndirs; i++) {
            const struct mb_report_dir *d = dirs[i];
            char *anchor = anchor_of(i, d->name);
            struct mb_buf a = {0}, p = {0};
            mb_buf_printf(&a, "[");
            md_text(&a, d->name);
            mb_buf_printf(&a, "](#%s)", anchor);
            mb_buf_append(&p, "", 0);
            if (d->scenario && d->scenario->paper)
                md_text(&p, d->scenario->paper);
            char np[32], nr[32], nf[32];
            snprintf(np, sizeof(np), "%zu", d->npoints);
            snprintf(nr, sizeof(nr), "%zu", d->nruns);
            snprintf(nf, sizeof(nf), "%zu", d->nfailed);
            const char *v =
                claims[i].text || claims[i].rules ? mb_report_verdict_name(claims[i].verdict) : "—";
            char *cells[] = {a.data, p.data, np, nr, nf, (char *)v};
            doc_table_row(&D, &t, cells);
            mb_buf_free(&a);
            mb_buf_free(&p);
            free(anchor);
        }
        doc_table_end(&D);
    }
    for (size_t i = 0; i < ndirs; i++)
        scenario_section(&D, dirs[i], i, &claims[i], figs[i], nfigs[i], &opts, figdir);
    mb_buf_printf(&D.html, "</body>\n</html>\n");
    if (mb_buf_append(&D.md, "", 0) || mb_buf_append(&D.html, "", 0)) {
        rc = mb_error_at(err, MB_ENOMEM, o->out_dir, 0, 0, "report over 1 GiB");
        goto out;
    }
    char *md = mb_xasprintf("%s/report.md", o->out_dir);
    char *html = mb_xasprintf("%s/report.html", o->out_dir);
    rc = write_atomic(md, D.md.data, D.md.len, err);
    if (!rc)
        rc = write_atomic(html, D.html.data, D.html.len, err);
    free(md);
    free(html);
out:
    for (size_t i = 0; i < ndirs; i++) {
        mb_plot_figs_free(figs[i], nfigs[i]);
        mb_report_claim_free(&claims[i]);
    }
    free(figs);
    free(nfigs);
    free(claims);
    free(figdir);
    mb_buf_free(&D.md);
    mb_buf_free(&D.html);
    if (rc == 0 && res)
        *res = r;
    return rc;
}
