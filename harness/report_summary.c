/* report_summary.c — summary.csv: every statistic of every metric, per point and hop
 * (see report.h). */
#include "report_int.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Points with at most this many runs list their per-run values in summary.csv. */
#define SAMPLES_MAX 32

void mb_report_csv_field(struct mb_buf *b, const char *s, bool first)
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

void mb_report_csv_num(struct mb_buf *b, double v)
{
    char t[64] = "";
    if (isfinite(v))
        snprintf(t, sizeof(t), "%.10g", v);
    mb_report_csv_field(b, t, false);
}

int mb_report_write_atomic(const char *path, const char *data, size_t len, struct mb_error *err)
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
        mb_report_csv_field(&b, "results_dir", true);
    mb_report_csv_field(&b, "scenario", !multi);
    mb_report_csv_field(&b, "point", false);
    mb_report_csv_field(&b, "hop", false);
    for (size_t k = 0; k < nkeys; k++) {
        char *name = mb_xasprintf("f.%s", keys[k]);
        mb_report_csv_field(&b, name, false);
        free(name);
    }
    static const char *const stat_cols[] = {
        "metric", "unit", "n",        "failed",    "trim", "trimmed_mean", "median", "mean",
        "sd",     "cv",   "ci95_low", "ci95_high", "min",  "max",          "samples"};
    for (size_t k = 0; k < sizeof(stat_cols) / sizeof(stat_cols[0]); k++)
        mb_report_csv_field(&b, stat_cols[k], false);
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
                    mb_report_csv_field(&b, d->path, true);
                mb_report_csv_field(&b, d->name, !multi);
                char t[64];
                snprintf(t, sizeof(t), "%zu", p->index);
                mb_report_csv_field(&b, t, false);
                snprintf(t, sizeof(t), "%u", p->hop);
                mb_report_csv_field(&b, t, false);
                for (size_t k = 0; k < nkeys; k++)
                    mb_report_csv_field(&b, kmap[k] >= 0 ? p->values[kmap[k]] : "", false);
                mb_report_csv_field(&b, mb_results_columns[c].name, false);
                mb_report_csv_field(&b, mb_results_columns[c].unit, false);
                snprintf(t, sizeof(t), "%zu", s->n);
                mb_report_csv_field(&b, t, false);
                snprintf(t, sizeof(t), "%zu", p->failed);
                mb_report_csv_field(&b, t, false);
                snprintf(t, sizeof(t), "%zu", d->trim);
                mb_report_csv_field(&b, t, false);
                mb_report_csv_num(&b, s->trimmed_mean);
                mb_report_csv_num(&b, s->median);
                mb_report_csv_num(&b, s->mean);
                mb_report_csv_num(&b, s->sd);
                mb_report_csv_num(&b, s->cv);
                mb_report_csv_num(&b, s->ci95_low);
                mb_report_csv_num(&b, s->ci95_high);
                mb_report_csv_num(&b, s->min);
                mb_report_csv_num(&b, s->max);
                struct mb_buf smp = {0};
                mb_buf_append(&smp, "", 0);
                if (p->s[c].n <= SAMPLES_MAX)
                    for (size_t k = 0; k < p->s[c].n; k++)
                        mb_buf_printf(&smp, "%s%.10g", k ? " " : "", p->s[c].v[k]);
                mb_report_csv_field(&b, smp.data, false);
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
    int rc = mb_report_write_atomic(path, b.data, b.len, err);
    mb_buf_free(&b);
    return rc;
}
