/* placement.c — candidate destinations (placement.hosts), the co-location matrix learnt
 * from Table 3 results, and the two policies that pick a destination. */
#include "placement.h"

#include <glob.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "results.h"
#include "lib/util.h"

/* How much of an offending item an error message quotes (plus its NUL). */
#define SHOWN_SIZE 48

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Spelt out rather than isalnum(): the same in every locale, and no byte >= 0x80 passes. */
static int is_host_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
}

/* s[0..len) made fit to quote in a message: a spec may hold any byte, and the terminal
 * that shows the error should not receive them, so bytes outside printable ASCII become
 * '?'; a text too long for buf is cut, ending in "...".  Returns buf. */
static const char *shown(const char *s, size_t len, char buf[SHOWN_SIZE])
{
    size_t room = SHOWN_SIZE - 1, k = 0;
    int cut = len > room;
    if (cut)
        room -= 3;
    for (; k < len && k < room; k++) {
        unsigned char c = (unsigned char)s[k];
        buf[k] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (cut) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
    return buf;
}

/* "idle, jbb, ..." for a message; cut (not overrun) when the list is long. */
static const char *workload_list(const char *const *workloads, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; workloads[i] && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "", workloads[i]);
    if (!workloads[0])
        snprintf(buf, size, "none is known");
    return buf;
}

/* The entry of workloads equal to w[0..len), or NULL.  One that would not fit a
 * struct mb_placement_hosts is never a match (nothing could store it). */
static const char *known_workload(const char *const *workloads, const char *w, size_t len)
{
    if (len >= sizeof(((struct mb_placement_hosts *)0)->workload[0]))
        return NULL;
    for (size_t i = 0; workloads[i]; i++)
        if (strlen(workloads[i]) == len && !memcmp(workloads[i], w, len))
            return workloads[i];
    return NULL;
}

static int unknown_workload(size_t item, const char *w, size_t len, const char *const *workloads,
                            struct mb_error *err)
{
    char show[SHOWN_SIZE], list[256], word[64];
    const char *sug = NULL;
    if (len < sizeof(word)) {
        memcpy(word, w, len);
        word[len] = '\0';
        sug = mb_suggest(word, workloads);
    }
    workload_list(workloads, list, sizeof(list));
    if (sug)
        return mb_error_set(err, MB_EINPUT,
                            "item %zu: unknown workload '%s' (did you mean '%s'? one of: %s)", item,
                            shown(w, len, show), sug, list);
    return mb_error_set(err, MB_EINPUT, "item %zu: unknown workload '%s' (one of: %s)", item,
                        shown(w, len, show), list);
}

int mb_placement_parse_hosts(const char *spec, const char *const *workloads,
                             struct mb_placement_hosts *out, struct mb_error *err)
{
    static const char *const no_workload[] = {NULL};
    /* parsed here, copied to *out only once all of it is good */
    struct mb_placement_hosts h;
    memset(&h, 0, sizeof(h));
    char show[SHOWN_SIZE];
    if (!workloads)
        workloads = no_workload;
    const char *p = spec ? spec : "";
    while (is_blank(*p))
        p++;
    if (!*p)
        return mb_error_set(err, MB_EINPUT,
                            "no candidate: expected HOST=WORKLOAD[,HOST=WORKLOAD...]");
    for (size_t item = 1;; item++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && is_blank(*p))
            p++, len--;
        while (len > 0 && is_blank(p[len - 1]))
            len--;
        if (len == 0)
            return mb_error_set(err, MB_EINPUT, "item %zu is empty: expected HOST=WORKLOAD", item);
        if (h.n == MB_PLACEMENT_MAX_HOSTS)
            return mb_error_set(err, MB_EINPUT, "item %zu: more than %d candidate hosts", item,
                                MB_PLACEMENT_MAX_HOSTS);
        const char *eq = memchr(p, '=', len);
        if (!eq)
            return mb_error_set(err, MB_EINPUT, "item %zu '%s': expected HOST=WORKLOAD", item,
                                shown(p, len, show));
        size_t hl = (size_t)(eq - p);
        while (hl > 0 && is_blank(p[hl - 1]))
            hl--;
        const char *w = eq + 1;
        size_t wl = len - (size_t)(w - p);
        while (wl > 0 && is_blank(*w))
            w++, wl--;
        if (hl == 0)
            return mb_error_set(err, MB_EINPUT, "item %zu '%s': expected a host name before '='",
                                item, shown(p, len, show));
        if (hl >= sizeof(h.host[0]))
            return mb_error_set(err, MB_EINPUT,
                                "item %zu: host name '%s' has %zu characters, at most %zu", item,
                                shown(p, hl, show), hl, sizeof(h.host[0]) - 1);
        for (size_t i = 0; i < hl; i++)
            if (!is_host_char(p[i]))
                return mb_error_set(err, MB_EINPUT,
                                    "item %zu: host name '%s' has a character other than "
                                    "letters, digits, '.', '_' and '-'",
                                    item, shown(p, hl, show));
        if (wl == 0) {
            char list[256];
            return mb_error_set(err, MB_EINPUT,
                                "item %zu '%s': expected a workload after '=' (one of: %s)", item,
                                shown(p, len, show), workload_list(workloads, list, sizeof(list)));
        }
        const char *wname = known_workload(workloads, w, wl);
        if (!wname)
            return unknown_workload(item, w, wl, workloads, err);
        for (size_t i = 0; i < h.n; i++)
            if (strlen(h.host[i]) == hl && !memcmp(h.host[i], p, hl))
                return mb_error_set(err, MB_EINPUT,
                                    "item %zu: host '%s' is named twice (item %zu too)", item,
                                    h.host[i], i + 1);
        memcpy(h.host[h.n], p, hl);
        h.host[h.n][hl] = '\0';
        memcpy(h.workload[h.n], wname, wl + 1);
        h.n++;
        if (!end)
            break;
        p = end + 1;
    }
    *out = h;
    return MB_OK;
}

/* The index of a workload in m, or -1.  nwl is bounded so that a damaged count never
 * reads past the arrays. */
static int find_wl(const struct mb_placement_matrix *m, const char *name)
{
    size_t nwl = m->nwl < MB_PLACEMENT_MAX_WL ? m->nwl : MB_PLACEMENT_MAX_WL;
    for (size_t i = 0; i < nwl; i++)
        if (!strcmp(m->name[i], name))
            return (int)i;
    return -1;
}

/* Register a name (the caller checked there is room): its row and column start unmeasured. */
static int add_wl(struct mb_placement_matrix *m, const char *name)
{
    size_t k = m->nwl++;
    snprintf(m->name[k], sizeof(m->name[k]), "%s", name);
    for (size_t j = 0; j < MB_PLACEMENT_MAX_WL; j++) {
        m->loss[k][j] = m->loss[j][k] = NAN;
        m->n[k][j] = m->n[j][k] = 0;
    }
    return (int)k;
}

void mb_placement_matrix_add(struct mb_placement_matrix *m, const char *migrating,
                             const char *resident, double loss_pct)
{
    if (!m || !migrating || !resident || !isfinite(loss_pct))
        return;
    /* a name the matrix cannot hold is dropped whole, so no half-registered pair is left */
    if (strlen(migrating) >= sizeof(m->name[0]) || strlen(resident) >= sizeof(m->name[0]))
        return;
    int i = find_wl(m, migrating), j = find_wl(m, resident);
    size_t need = (size_t)(i < 0) + (size_t)(j < 0 && strcmp(migrating, resident) != 0);
    if (m->nwl + need > MB_PLACEMENT_MAX_WL)
        return;
    if (i < 0)
        i = add_wl(m, migrating);
    if (j < 0)
        j = strcmp(migrating, resident) != 0 ? add_wl(m, resident) : i;
    size_t n = m->n[i][j];
    /* a running mean: no sum that grows without bound, one division per observation */
    m->loss[i][j] = n ? m->loss[i][j] + (loss_pct - m->loss[i][j]) / (double)(n + 1) : loss_pct;
    m->n[i][j] = n + 1;
    m->rows++;
}

double mb_placement_matrix_get(const struct mb_placement_matrix *m, const char *migrating,
                               const char *resident)
{
    if (!m || !migrating || !resident)
        return NAN;
    int i = find_wl(m, migrating), j = find_wl(m, resident);
    return i < 0 || j < 0 || m->n[i][j] == 0 ? NAN : m->loss[i][j];
}

static int learn_row(void *ctx, const struct mb_results_rec *rec, struct mb_error *err)
{
    (void)err;
    struct mb_placement_matrix *m = ctx;
    const char *w = mb_results_field(rec, MB_COL_WORKLOAD);
    const char *x = mb_results_field(rec, MB_COL_COLOCATED_WORKLOAD);
    double loss;
    /* the reader checked that a loss, when there, is a finite number */
    if (strcmp(mb_results_field(rec, MB_COL_STATUS), "ok") != 0 || !*w || !*x ||
        !mb_results_number(mb_results_field(rec, MB_COL_COLOCATION_LOSS_PCT), &loss))
        return 0;
    mb_placement_matrix_add(m, w, x, loss);
    return 0;
}

/* path with glob's special characters escaped, so that a directory named "t3[old]" is
 * looked in rather than read as a pattern.  Caller frees. */
static char *glob_escaped(const char *path)
{
    char *e = mb_xmalloc(2 * strlen(path) + 1), *q = e;
    for (const char *s = path; *s; s++) {
        if (strchr("*?[]\\", *s))
            *q++ = '\\';
        *q++ = *s;
    }
    *q = '\0';
    return e;
}

/* The paths, comma-separated; when they do not fit, the text ends in "..." rather than
 * stopping mid-name with nothing to say so. */
static void set_source(char *buf, size_t size, const char *const *paths, size_t npaths)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t p = 0; p < npaths; p++) {
        int n = snprintf(buf + off, size - off, "%s%s", p ? ", " : "", paths[p]);
        if (n < 0 || (size_t)n >= size - off) {
            memcpy(buf + size - 4, "...", 4);
            return;
        }
        off += (size_t)n;
    }
}

int mb_placement_learn(const char *const *paths, size_t npaths, struct mb_placement_matrix *m,
                       struct mb_error *err)
{
    /* 5 KiB, filled here and copied to *m only on success */
    struct mb_placement_matrix acc;
    memset(&acc, 0, sizeof(acc));
    if (!paths || npaths == 0)
        return mb_error_set(err, MB_EINPUT, "no results to learn the co-location matrix from");
    size_t files = 0;
    for (size_t p = 0; p < npaths; p++) {
        const char *path = paths[p] ? paths[p] : "";
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            int rc = mb_results_read(path, learn_row, &acc, NULL, err);
            if (rc < 0)
                return rc;
            files++;
            continue;
        }
        static const char *const pats[] = {"%s/raw.csv", "%s/*/raw.csv", "%s/*/*/raw.csv"};
        char *esc = glob_escaped(path);
        glob_t gl;
        memset(&gl, 0, sizeof(gl));
        for (int k = 0; k < 3; k++) {
            char *pat = mb_xasprintf(pats[k], esc);
            glob(pat, k ? GLOB_APPEND : 0, NULL, &gl);
            free(pat);
        }
        free(esc);
        if (gl.gl_pathc == 0) {
            globfree(&gl);
            return mb_error_at(err, MB_EINPUT, path, 0, 0,
                               "no raw.csv under it (looked in it and two directories down)");
        }
        for (size_t f = 0; f < gl.gl_pathc; f++) {
            int rc = mb_results_read(gl.gl_pathv[f], learn_row, &acc, NULL, err);
            if (rc < 0) {
                globfree(&gl);
                return rc;
            }
        }
        files += gl.gl_pathc;
        globfree(&gl);
    }
    set_source(acc.source, sizeof(acc.source), paths, npaths);
    if (acc.rows == 0)
        return mb_error_at(err, MB_EINPUT, acc.source, 0, 0,
                           "%zu raw.csv file%s and no ok row with workload, colocated_workload "
                           "and colocation_loss_pct all set (not a Table 3 campaign?)",
                           files, files == 1 ? "" : "s");
    *m = acc;
    return MB_OK;
}

int mb_placement_choose(const struct mb_placement_matrix *m, const char *migrating,
                        const struct mb_placement_hosts *h)
{
    if (!h || h->n == 0)
        return -1;
    size_t n = h->n < MB_PLACEMENT_MAX_HOSTS ? h->n : MB_PLACEMENT_MAX_HOSTS;
    int best = 0;
    double best_loss = mb_placement_matrix_get(m, migrating, h->workload[0]);
    /* strictly less: a tie keeps the earlier candidate; NAN never beats a measured cell */
    for (size_t i = 1; i < n; i++) {
        double l = mb_placement_matrix_get(m, migrating, h->workload[i]);
        if (!isnan(l) && (isnan(best_loss) || l < best_loss)) {
            best = (int)i;
            best_loss = l;
        }
    }
    return best;
}

int mb_placement_random(const char *run_id, const struct mb_placement_hosts *h)
{
    if (!h || h->n == 0)
        return -1;
    size_t n = h->n < MB_PLACEMENT_MAX_HOSTS ? h->n : MB_PLACEMENT_MAX_HOSTS;
    /* Run ids of one point differ in their last character only, and FNV's low bits
     * follow it: with two candidates the pick would alternate by repetition.  The
     * SplitMix64 finaliser spreads every bit over the whole word. */
    return (int)(mb_mix64(mb_fnv1a64(MB_FNV1A64_BASIS, run_id)) % n);
}
