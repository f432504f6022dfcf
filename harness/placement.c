/* placement.c — candidate destinations, the co-location matrix, and the two policies. */
#include "placement.h"

#include <ctype.h>
#include <glob.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"
#include "util.h"

static int name_char(int ch)
{
    return isalnum(ch) || ch == '.' || ch == '_' || ch == '-';
}

int mb_placement_parse_hosts(const char *spec, const char *const *workloads,
                             struct mb_placement_hosts *out, struct mb_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *p = spec ? spec : "";
    while (*p == ' ')
        p++;
    if (!*p)
        return mb_error_set(err, MB_EINPUT,
                            "no candidate: expected HOST=WORKLOAD[,HOST=WORKLOAD...]");
    for (size_t item = 1;; item++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && p[0] == ' ')
            p++, len--;
        while (len > 0 && p[len - 1] == ' ')
            len--;
        const char *eq = memchr(p, '=', len);
        if (len == 0)
            return mb_error_set(err, MB_EINPUT, "item %zu is empty: expected HOST=WORKLOAD", item);
        if (!eq)
            return mb_error_set(err, MB_EINPUT, "item %zu '%.*s': expected HOST=WORKLOAD", item,
                                (int)(len > 64 ? 64 : len), p);
        size_t hl = (size_t)(eq - p), wl = len - hl - 1;
        while (hl > 0 && p[hl - 1] == ' ')
            hl--;
        const char *w = eq + 1;
        while (wl > 0 && *w == ' ')
            w++, wl--;
        if (hl == 0 || hl >= sizeof(out->host[0]))
            return mb_error_set(err, MB_EINPUT, "item %zu: a host name of 1 to %zu characters",
                                item, sizeof(out->host[0]) - 1);
        for (size_t i = 0; i < hl; i++)
            if (!name_char((unsigned char)p[i]))
                return mb_error_set(err, MB_EINPUT,
                                    "item %zu: host name with a character other than letters, "
                                    "digits, '.', '_' or '-'",
                                    item);
        char wname[32];
        if (wl == 0 || wl >= sizeof(wname))
            return mb_error_set(err, MB_EINPUT, "item %zu: expected a workload after '='", item);
        memcpy(wname, w, wl);
        wname[wl] = '\0';
        int known = 0;
        for (size_t i = 0; workloads[i]; i++)
            if (!strcmp(workloads[i], wname))
                known = 1;
        if (!known) {
            char list[256];
            size_t off = 0;
            for (size_t i = 0; workloads[i] && off < sizeof(list); i++)
                off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
                                        workloads[i]);
            const char *sug = mb_suggest(wname, workloads);
            int printable = 1;
            for (size_t i = 0; i < wl; i++)
                if (!isprint((unsigned char)wname[i]))
                    printable = 0;
            if (sug)
                return mb_error_set(
                    err, MB_EINPUT,
                    "item %zu: unknown workload '%s' (did you mean '%s'? one of: %s)", item,
                    printable ? wname : "?", sug, list);
            return mb_error_set(err, MB_EINPUT, "item %zu: unknown workload '%s' (one of: %s)",
                                item, printable ? wname : "?", list);
        }
        for (size_t i = 0; i < out->n; i++)
            if (strlen(out->host[i]) == hl && !memcmp(out->host[i], p, hl))
                return mb_error_set(err, MB_EINPUT, "item %zu: host '%s' is named twice", item,
                                    out->host[i]);
        if (out->n == MB_PLACEMENT_MAX_HOSTS)
            return mb_error_set(err, MB_EINPUT, "at most %d candidate hosts",
                                MB_PLACEMENT_MAX_HOSTS);
        memcpy(out->host[out->n], p, hl);
        out->host[out->n][hl] = '\0';
        snprintf(out->workload[out->n], sizeof(out->workload[0]), "%s", wname);
        out->n++;
        if (!end)
            break;
        p = end + 1;
    }
    return MB_OK;
}

static int wl_index(const struct mb_placement_matrix *m, const char *name, int add)
{
    for (size_t i = 0; i < m->nwl; i++)
        if (!strcmp(m->name[i], name))
            return (int)i;
    if (!add || m->nwl == MB_PLACEMENT_MAX_WL || strlen(name) >= sizeof(m->name[0]))
        return -1;
    struct mb_placement_matrix *w = (struct mb_placement_matrix *)m;
    snprintf(w->name[w->nwl], sizeof(w->name[0]), "%s", name);
    for (size_t j = 0; j < MB_PLACEMENT_MAX_WL; j++) {
        w->loss[w->nwl][j] = w->loss[j][w->nwl] = NAN;
        w->n[w->nwl][j] = w->n[j][w->nwl] = 0;
    }
    return (int)w->nwl++;
}

void mb_placement_matrix_add(struct mb_placement_matrix *m, const char *migrating,
                             const char *resident, double loss_pct)
{
    if (!isfinite(loss_pct))
        return;
    int i = wl_index(m, migrating, 1), j = wl_index(m, resident, 1);
    if (i < 0 || j < 0)
        return;
    size_t n = m->n[i][j];
    m->loss[i][j] = n ? m->loss[i][j] + (loss_pct - m->loss[i][j]) / (double)(n + 1) : loss_pct;
    m->n[i][j] = n + 1;
    m->rows++;
}

double mb_placement_matrix_get(const struct mb_placement_matrix *m, const char *migrating,
                               const char *resident)
{
    if (!m)
        return NAN;
    int i = wl_index(m, migrating, 0), j = wl_index(m, resident, 0);
    return i < 0 || j < 0 || m->n[i][j] == 0 ? NAN : m->loss[i][j];
}

static int learn_row(void *ctx, const struct mb_results_rec *rec, struct mb_error *err)
{
    (void)err;
    struct mb_placement_matrix *m = ctx;
    const char *st = mb_results_field(rec, MB_COL_STATUS);
    const char *w = mb_results_field(rec, MB_COL_WORKLOAD);
    const char *x = mb_results_field(rec, MB_COL_COLOCATED_WORKLOAD);
    const char *l = mb_results_field(rec, MB_COL_COLOCATION_LOSS_PCT);
    if (!st || strcmp(st, "ok") || !w || !*w || !x || !*x || !l || !*l)
        return 0;
    mb_placement_matrix_add(m, w, x, strtod(l, NULL));
    return 0;
}

int mb_placement_learn(const char *const *paths, size_t npaths, struct mb_placement_matrix *m,
                       struct mb_error *err)
{
    memset(m, 0, sizeof(*m));
    size_t off = 0;
    for (size_t p = 0; p < npaths; p++) {
        static const char *const pats[] = {"%s/raw.csv", "%s/*/raw.csv", "%s/*/*/raw.csv"};
        glob_t gl;
        memset(&gl, 0, sizeof(gl));
        int direct = 0;
        size_t pl = strlen(paths[p]);
        if (pl >= 7 && !strcmp(paths[p] + pl - 7, "raw.csv")) {
            glob(paths[p], 0, NULL, &gl);
            direct = 1;
        }
        for (int k = 0; k < 3 && !direct; k++) {
            char pat[4200];
            snprintf(pat, sizeof(pat), pats[k], paths[p]);
            glob(pat, k ? GLOB_APPEND : 0, NULL, &gl);
        }
        if (gl.gl_pathc == 0) {
            globfree(&gl);
            return mb_error_at(err, MB_EINPUT, paths[p], 0, 0, "no raw.csv under it");
        }
        for (size_t f = 0; f < gl.gl_pathc; f++)
            if (mb_results_read(gl.gl_pathv[f], learn_row, m, NULL, err) < 0) {
                globfree(&gl);
                return err->status ? err->status : MB_EINPUT;
            }
        globfree(&gl);
        if (off < sizeof(m->source))
            off += (size_t)snprintf(m->source + off, sizeof(m->source) - off, "%s%s", p ? ", " : "",
                                    paths[p]);
    }
    if (m->rows == 0)
        return mb_error_set(err, MB_EINPUT,
                            "%s: no ok row with workload, colocated_workload and "
                            "colocation_loss_pct (not a Table 3 campaign?)",
                            npaths ? paths[0] : "(no path)");
    return MB_OK;
}

int mb_placement_choose(const struct mb_placement_matrix *m, const char *migrating,
                        const struct mb_placement_hosts *h)
{
    int best = -1;
    double best_loss = NAN;
    for (size_t i = 0; i < h->n; i++) {
        double l = mb_placement_matrix_get(m, migrating, h->workload[i]);
        if (best < 0 || (isfinite(l) && (!isfinite(best_loss) || l < best_loss))) {
            best = (int)i;
            best_loss = l;
        }
    }
    return best;
}

int mb_placement_random(const char *run_id, const struct mb_placement_hosts *h)
{
    if (h->n == 0)
        return -1;
    uint64_t x = 14695981039346656037ull; /* FNV-1a 64 offset basis */
    for (const unsigned char *p = (const unsigned char *)run_id; *p; p++) {
        x ^= *p;
        x *= 1099511628211ull;
    }
    return (int)(x % h->n);
}
