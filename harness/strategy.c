/* strategy.c — the adaptive strategy's model: fit, learn from results, choose K. */
#include "strategy.h"

#include <ctype.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"
#include "lib/util.h"
#include "lib/yaml.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int mb_strategy_fit(const struct mb_strategy_obs *obs, size_t n, struct mb_strategy_model *m,
                    struct mb_error *err)
{
    double *alphas = mb_xcalloc(n ? n : 1, sizeof(double));
    size_t na = 0;
    double lower = 0;
    for (size_t i = 0; i < n; i++) {
        const struct mb_strategy_obs *o = &obs[i];
        if (o->n < 2 || o->cpus < 1 || !(o->real_ms > 0) || !(o->single_ms > 0))
            continue;
        double ratio = o->real_ms / o->single_ms;
        double load = (double)o->n / o->cpus;
        if (ratio > 1.05)
            alphas[na++] = load / ratio;
        else if (load > lower)
            lower = load;
    }
    if (na == 0 && lower == 0) {
        free(alphas);
        return mb_error_set(err, MB_EINPUT,
                            "no parallel migration of several VMs to learn from (the model "
                            "needs runs with vms.count > 1 migrated at once, and runs of one VM)");
    }
    double alpha;
    if (na) {
        qsort(alphas, na, sizeof(double), cmp_double);
        alpha = na % 2 ? alphas[na / 2] : (alphas[na / 2 - 1] + alphas[na / 2]) / 2;
    } else {
        alpha = lower; /* never slowed down: at least this much */
    }
    free(alphas);
    m->alpha = alpha;
    m->samples = na;
    return 0;
}

double mb_strategy_predict(const struct mb_strategy_model *m, int n, int k, double free_cpus)
{
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    double capacity = (m && m->alpha > 0 ? m->alpha : 1.0) * (free_cpus > 0.1 ? free_cpus : 0.1);
    double waves = ceil((double)n / k);
    double slow = (double)k / capacity;
    return waves * (slow > 1 ? slow : 1);
}

int mb_strategy_choose(const struct mb_strategy_model *m, int n, double free_cpus)
{
    int best = 1;
    double best_t = INFINITY;
    for (int k = 1; k <= n; k++) {
        double t = mb_strategy_predict(m, n, k, free_cpus);
        if (t < best_t - 1e-9) {
            best_t = t;
            best = k;
        }
    }
    return best;
}

void mb_strategy_see(struct mb_strategy_model *m, int n, int k, int cpus, double makespan_ms)
{
    if (!m || n < 1 || k < 1 || k > n || cpus < 1 || !(makespan_ms > 0) || !isfinite(makespan_ms))
        return;
    for (size_t i = 0; i < m->nseen; i++) {
        struct mb_strategy_seen *s = &m->seen[i];
        if (s->n == n && s->k == k && s->cpus == cpus) {
            s->sum_ms += makespan_ms;
            s->count++;
            return;
        }
    }
    if (m->nseen < MB_STRATEGY_MAX_SEEN)
        m->seen[m->nseen++] = (struct mb_strategy_seen){n, k, cpus, 1, makespan_ms};
}

int mb_strategy_decide(const struct mb_strategy_model *m, int n, int cpus, double free_cpus,
                       int *from_history)
{
    if (from_history)
        *from_history = 0;
    if (m && cpus > 0 && free_cpus >= 0.75 * cpus) {
        int best = 0, kinds = 0;
        double best_t = INFINITY;
        for (size_t i = 0; i < m->nseen; i++) {
            const struct mb_strategy_seen *s = &m->seen[i];
            if (s->n != n || s->cpus != cpus || s->count < 1)
                continue;
            kinds++;
            double t = s->sum_ms / s->count;
            if (t < best_t - 1e-9 || (fabs(t - best_t) <= 1e-9 && s->k < best)) {
                best_t = t;
                best = s->k;
            }
        }
        if (kinds >= 2 && best >= 1) {
            if (from_history)
                *from_history = 1;
            return best;
        }
    }
    return mb_strategy_choose(m, n, free_cpus);
}

/* ---- learning from results directories ------------------------------------------------ */

/* CPUs in a cpuset list ("0-1,3" -> 3); 0 when empty or malformed. */
static int count_cpus(const char *s)
{
    int n = 0;
    while (s && *s) {
        char *end;
        if (!isdigit((unsigned char)*s))
            return 0;
        long a = strtol(s, &end, 10), b = a;
        s = end;
        if (*s == '-') {
            b = strtol(s + 1, &end, 10);
            s = end;
        }
        if (b < a)
            return 0;
        n += (int)(b - a + 1);
        if (*s == ',')
            s++;
        else if (*s)
            return 0;
    }
    return n;
}

struct host_cpus {
    char name[64];
    int cpus;
};

/* Hosts and their CPU counts from a results directory's metadata.json (JSON is YAML). */
static int read_hosts(const char *dir, struct host_cpus *out, int max, struct mb_error *err)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/metadata.json", dir);
    struct mb_ydoc *doc = mb_yaml_load_file(path, err);
    if (!doc)
        return -1;
    const struct mb_ynode *hosts = mb_ymap_get(doc->root, "hosts");
    int n = 0;
    for (size_t i = 0; hosts && hosts->kind == MB_Y_SEQ && i < hosts->nkids && n < max; i++) {
        const struct mb_ynode *h = hosts->kids[i];
        const struct mb_ynode *name = mb_ymap_get(h, "name");
        const struct mb_ynode *allowed = mb_ymap_get(h, "cpus_allowed");
        const struct mb_ynode *cpus = mb_ymap_get(h, "cpus");
        if (!name || name->kind != MB_Y_SCALAR)
            continue;
        int c = allowed && allowed->kind == MB_Y_SCALAR ? count_cpus(allowed->text) : 0;
        if (!c && cpus && cpus->kind == MB_Y_SCALAR)
            c = atoi(cpus->text);
        snprintf(out[n].name, sizeof(out[n].name), "%s", name->text);
        out[n].cpus = c;
        n++;
    }
    mb_ydoc_free(doc);
    if (!n) {
        mb_error_at(err, MB_EINPUT, path, 1, 1, "no hosts listed");
        return -1;
    }
    return n;
}

/* One batch (a run's hop) being gathered from raw.csv rows. */
struct group {
    char key[96]; /* run_id + hop */
    char source[64];
    int n, all_ok, all_at_once;
    int k; /* the K it migrated with: 0 = all at once, -1 = unknown */
    double makespan, wall_sum;
};

struct gather {
    struct group *g;
    size_t ng, cap;
};

static int gather_row(void *ctx, const struct mb_results_rec *rec, struct mb_error *err)
{
    (void)err;
    struct gather *ga = ctx;
    const char *id = mb_results_field(rec, MB_COL_RUN_ID);
    const char *hop = mb_results_field(rec, MB_COL_HOP);
    char key[96];
    snprintf(key, sizeof(key), "%s/%s", id, hop ? hop : "1");
    struct group *g = NULL;
    if (ga->ng && !strcmp(ga->g[ga->ng - 1].key, key))
        g = &ga->g[ga->ng - 1]; /* a run's rows are contiguous */
    if (!g) {
        if (ga->ng == ga->cap) {
            ga->cap = ga->cap ? ga->cap * 2 : 64;
            ga->g = mb_xrealloc(ga->g, ga->cap * sizeof(*ga->g));
        }
        g = &ga->g[ga->ng++];
        memset(g, 0, sizeof(*g));
        snprintf(g->key, sizeof(g->key), "%s", key);
        snprintf(g->source, sizeof(g->source), "%s", mb_results_field(rec, MB_COL_HOST_FROM));
        const char *st = mb_results_field(rec, MB_COL_STRATEGY);
        g->all_at_once = !strcmp(st, "parallel");
        if (!strncmp(st, "parallel:", 9))
            g->all_at_once = -atoi(st + 9); /* K: all at once if K >= n, decided at the end */
        g->k = -1;
        if (!strcmp(st, "sequential"))
            g->k = 1;
        else if (!strcmp(st, "parallel"))
            g->k = 0;
        else if (!strncmp(st, "parallel:", 9) && atoi(st + 9) > 0)
            g->k = atoi(st + 9);
        else if (!strncmp(st, "adaptive:", 9) && atoi(st + 9) > 0)
            g->k = atoi(st + 9);
        g->all_ok = 1;
        g->makespan = NAN;
    }
    g->n++;
    if (strcmp(mb_results_field(rec, MB_COL_STATUS), "ok") != 0)
        g->all_ok = 0;
    const char *ms = mb_results_field(rec, MB_COL_BATCH_MAKESPAN_MS);
    const char *wall = mb_results_field(rec, MB_COL_WALL_TIME_MS);
    if (ms && *ms)
        g->makespan = atof(ms);
    if (wall && *wall)
        g->wall_sum += atof(wall);
    return 0;
}

/* Some batch size and source in the history was migrated with two K or more. */
static int seen_decides(const struct mb_strategy_model *m)
{
    for (size_t i = 0; i < m->nseen; i++)
        for (size_t j = i + 1; j < m->nseen; j++)
            if (m->seen[i].n == m->seen[j].n && m->seen[i].cpus == m->seen[j].cpus &&
                m->seen[i].k != m->seen[j].k)
                return 1;
    return 0;
}

int mb_strategy_learn(const char *const *paths, size_t npaths, struct mb_strategy_model *m,
                      struct mb_error *err)
{
    memset(m, 0, sizeof(*m));
    struct mb_strategy_obs *obs = NULL;
    size_t nobs = 0, cap = 0;
    /* per source CPU count: the mean single-VM migration (wall clock) */
    double single_sum[257] = {0};
    int single_n[257] = {0};
    int rc = 0;
    for (size_t p = 0; p < npaths && rc == 0; p++) {
        static const char *const pats[] = {"%s/raw.csv", "%s/*/raw.csv", "%s/*/*/raw.csv"};
        glob_t gl;
        memset(&gl, 0, sizeof(gl));
        for (int k = 0; k < 3; k++) {
            char pat[4200];
            snprintf(pat, sizeof(pat), pats[k], paths[p]);
            glob(pat, k ? GLOB_APPEND : 0, NULL, &gl);
        }
        if (gl.gl_pathc == 0) {
            globfree(&gl);
            rc = mb_error_at(err, MB_EINPUT, paths[p], 0, 0, "no raw.csv under it");
            break;
        }
        for (size_t f = 0; f < gl.gl_pathc && rc == 0; f++) {
            char *dir = mb_xstrdup(gl.gl_pathv[f]);
            *strrchr(dir, '/') = '\0';
            struct host_cpus hosts[64];
            int nh = read_hosts(dir, hosts, 64, err);
            struct gather ga = {0};
            if (nh < 0 || mb_results_read(gl.gl_pathv[f], gather_row, &ga, NULL, err) < 0)
                rc = err->status ? err->status : MB_EINPUT;
            for (size_t i = 0; rc == 0 && i < ga.ng; i++) {
                struct group *g = &ga.g[i];
                if (!g->all_ok || !(g->makespan > 0))
                    continue;
                int at_once = g->all_at_once > 0 || (g->all_at_once < 0 && -g->all_at_once >= g->n);
                int cpus = 0;
                for (int h = 0; h < nh; h++)
                    if (!strcmp(hosts[h].name, g->source))
                        cpus = hosts[h].cpus;
                if (cpus < 1 || cpus > 256)
                    continue;
                m->runs++;
                if (g->k >= 0)
                    mb_strategy_see(m, g->n, g->k == 0 || g->k > g->n ? g->n : g->k, cpus,
                                    g->makespan);
                if (g->n == 1) {
                    single_sum[cpus] += g->makespan;
                    single_n[cpus]++;
                } else if (at_once) {
                    if (nobs == cap) {
                        cap = cap ? cap * 2 : 64;
                        obs = mb_xrealloc(obs, cap * sizeof(*obs));
                    }
                    obs[nobs++] = (struct mb_strategy_obs){g->n, cpus, g->makespan, NAN};
                }
            }
            free(ga.g);
            free(dir);
        }
        globfree(&gl);
    }
    if (rc == 0) {
        size_t usable = 0;
        for (size_t i = 0; i < nobs; i++) {
            int c = obs[i].cpus;
            if (single_n[c]) {
                obs[i].single_ms = single_sum[c] / single_n[c];
                usable++;
            }
        }
        if (!usable && !seen_decides(m))
            rc = mb_error_set(err, MB_EINPUT,
                              "the results hold no runs of one VM on a source with the CPUs of "
                              "the parallel runs: the model needs both (vms.count: [1, ...])");
        else if (usable)
            rc = mb_strategy_fit(obs, nobs, m, err);
        if (rc && seen_decides(m)) {
            /* no model to fit, but measured batches to decide from */
            m->alpha = 0;
            m->samples = 0;
            mb_error_clear(err);
            rc = 0;
        }
    }
    if (rc == 0) {
        size_t off = 0;
        for (size_t p = 0; p < npaths && off < sizeof(m->source); p++)
            off += (size_t)snprintf(m->source + off, sizeof(m->source) - off, "%s%s", p ? "," : "",
                                    paths[p]);
    }
    free(obs);
    return rc;
}
