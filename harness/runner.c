/* runner.c — carry out a campaign: the plan's runs, real migrations, raw.csv. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "run.h"
#include "validate.h"

/* ---- campaign set-up --------------------------------------------------------------- */

static int mkdir_p(const char *path, struct mb_error *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return mb_error_at(err, MB_EIO, tmp, 0, 0, "cannot create directory: %s",
                               strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
        return mb_error_at(err, MB_EIO, tmp, 0, 0, "cannot create directory: %s", strerror(errno));
    return 0;
}

/* results/<scenario>/<UTC timestamp>[-N]: a new directory, never an existing one. */
static int new_results_dir(const char *base, const char *name, char *out, size_t len,
                           struct mb_error *err)
{
    char parent[3900];
    if (snprintf(parent, sizeof(parent), "%s/%s", base, name) >= (int)sizeof(parent))
        return mb_error_set(err, MB_EINPUT, "results path too long: %s/%s", base, name);
    if (mkdir_p(parent, err) < 0)
        return MB_EIO;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H-%M-%SZ", &tm);
    for (int i = 1; i < 100; i++) {
        if (i == 1)
            snprintf(out, len, "%s/%s", parent, stamp);
        else
            snprintf(out, len, "%s/%s-%d", parent, stamp, i);
        if (mkdir(out, 0755) == 0)
            return 0;
        if (errno != EEXIST)
            return mb_error_at(err, MB_EIO, out, 0, 0, "cannot create directory: %s",
                               strerror(errno));
    }
    return mb_error_at(err, MB_EIO, parent, 0, 0, "too many results directories this second");
}

static int copy_file(const char *from, const char *to, struct mb_error *err)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return mb_error_at(err, MB_EIO, from, 0, 0, "cannot read: %s", strerror(errno));
    int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        fclose(in);
        return mb_error_at(err, MB_EIO, to, 0, 0, "cannot create: %s", strerror(errno));
    }
    char buf[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        if (write(fd, buf, n) != (ssize_t)n)
            rc = mb_error_at(err, MB_EIO, to, 0, 0, "write: %s", strerror(errno));
    if (!rc && fsync(fd) < 0)
        rc = mb_error_at(err, MB_EIO, to, 0, 0, "fsync: %s", strerror(errno));
    close(fd);
    fclose(in);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct done_reader {
    struct mb_campaign *c;
    size_t cap;
};

static int collect_done(void *ctx, const struct mb_results_rec *rec, struct mb_error *err)
{
    (void)err;
    struct done_reader *d = ctx;
    struct mb_campaign *c = d->c;
    const char *id = rec->fields[rec->hdr->col[MB_COL_RUN_ID]];
    if (c->ndone == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        c->done_ids = mb_xrealloc(c->done_ids, d->cap * sizeof(char *));
    }
    c->done_ids[c->ndone++] = mb_xstrdup(id);
    return 0;
}

/* Rows per run id already in raw.csv.  A run's rows are written in one write, so a
 * run is either complete or absent; a count that does not match its VM count means
 * the file was edited, and resuming would duplicate or lose rows. */
static int load_done(struct mb_campaign *c, const char *path, struct mb_error *err)
{
    struct stat st;
    if (stat(path, &st) < 0 || st.st_size == 0)
        return 0;
    struct done_reader d = {c, 0};
    int rc = mb_results_read(path, collect_done, &d, NULL, err);
    if (rc < 0)
        return rc;
    qsort(c->done_ids, c->ndone, sizeof(char *), cmp_str);
    /* check counts against the plan */
    for (size_t i = 0; i < c->ndone;) {
        size_t j = i;
        while (j < c->ndone && !strcmp(c->done_ids[i], c->done_ids[j]))
            j++;
        /* find the run to know its VM count */
        int found = 0;
        for (size_t r = 0; r < c->plan->nruns && !found; r++) {
            char id[MB_RESULTS_RUN_ID_SIZE];
            mb_plan_run_id(c->plan, &c->plan->runs[r], id);
            if (strcmp(id, c->done_ids[i]) != 0)
                continue;
            found = 1;
            struct mb_point pt;
            mb_plan_point(c->plan, c->plan->runs[r].point, &pt);
            if ((int64_t)(j - i) != pt.vm_count * pt.hops)
                return mb_error_at(err, MB_EINPUT, path, 0, 0,
                                   "run %s has %zu rows, but its point makes %lld (VMs x "
                                   "hops): the file was changed; resume refused",
                                   c->done_ids[i], j - i, (long long)(pt.vm_count * pt.hops));
        }
        if (!found)
            return mb_error_at(err, MB_EINPUT, path, 0, 0,
                               "run %s is not in the scenario's plan: these results belong "
                               "to another scenario; resume refused",
                               c->done_ids[i]);
        i = j;
    }
    return 0;
}

static int is_done(const struct mb_campaign *c, const char *id)
{
    const char *key = id;
    return c->ndone && bsearch(&key, c->done_ids, c->ndone, sizeof(char *), cmp_str) != NULL;
}

/* One campaign per testbed at a time: its guests' addresses are the testbed's. */
static int lock_testbed(struct mb_campaign *c, struct mb_error *err)
{
    uint64_t h = mb_fnv1a64(MB_FNV1A64_BASIS, c->tb->path);
    char path[128];
    snprintf(path, sizeof(path), "/tmp/migbench-testbed-%016llx.lock", (unsigned long long)h);
    c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (c->lock_fd < 0)
        return mb_error_set(err, MB_EENV, "%s: %s", path, strerror(errno));
    if (flock(c->lock_fd, LOCK_EX | LOCK_NB) < 0)
        return mb_error_set(err, MB_EENV,
                            "another campaign is running on testbed %s (lock %s); one at a "
                            "time, since their guests would share addresses",
                            c->tb->path, path);
    return 0;
}

/* Remove what a killed campaign left (its domains are named mbr-*), and refuse to
 * start while a hand-started guest (migbench vm) holds an address the runner needs. */
static int sweep_testbed(struct mb_campaign *c, int max_vms, struct mb_error *err)
{
    int answered = 0;
    char first_err[600] = "";
    for (int h = 0; h < c->tb->nhosts; h++) {
        struct mb_hv *hv;
        char **names = NULL;
        int rc = mb_campaign_hv(c, h, &hv, err);
        if (rc == 0)
            rc = mb_hv_list(hv, &names, err);
        if (rc < 0) {
            /* a host that does not answer now may answer later, or its runs fail and
             * say why: the campaign goes on */
            mb_progress_note(&c->prog, "warning: host %s (%s) does not answer: %s",
                             c->tb->hosts[h].name, c->tb->hosts[h].uri, err->msg);
            if (!first_err[0])
                snprintf(first_err, sizeof(first_err), "%s: %.560s", c->tb->hosts[h].name,
                         err->msg);
            mb_campaign_hv_reset(c, h);
            mb_error_clear(err);
            continue;
        }
        answered++;
        for (size_t i = 0; names && names[i]; i++) {
            int n;
            char tail;
            if (!strncmp(names[i], MB_RUN_DOM_PREFIX, strlen(MB_RUN_DOM_PREFIX))) {
                struct mb_hv_dom *d = NULL;
                if (mb_hv_dom_lookup(hv, names[i], &d, err) == 0 && d) {
                    mb_progress_note(&c->prog,
                                     "removing %s on %s, left by an interrupted "
                                     "campaign",
                                     names[i], c->tb->hosts[h].name);
                    mb_hv_dom_destroy(d, err);
                    mb_hv_dom_free(d);
                }
            } else if (sscanf(names[i], "vm%d%c", &n, &tail) == 1 && n >= 1 && n <= max_vms) {
                rc = mb_error_set(err, MB_EENV,
                                  "%s runs on %s and holds the address of migrating VM %d; "
                                  "stop it first ('migbench vm destroy %d')",
                                  names[i], c->tb->hosts[h].name, n, n);
            }
        }
        mb_hv_names_free(names);
        if (rc < 0)
            return rc;
    }
    if (!answered)
        return mb_error_set(err, MB_EENV, "no host of testbed %s answers (%s)", c->tb->path,
                            first_err);
    return 0;
}

/* ---- the campaign ------------------------------------------------------------------ */

/* What the scenario makes impossible on this testbed (validate.c: `migbench check
 * --testbed=` refuses the same), and a workload-aware placement without its matrix. */
static int check_supported(struct mb_campaign *c, struct mb_error *err)
{
    if (mb_validate_scenario(c->s, c->tb, err) < 0)
        return MB_EINPUT;
    for (size_t p = 0; p < c->plan->npoints; p++) {
        struct mb_point pt;
        mb_plan_point(c->plan, p, &pt);
        if (*pt.placement_hosts && !strcmp(pt.placement_policy, "workload-aware") && !c->matrix)
            return mb_error_at(err, MB_EINPUT, c->s->path, 0, 0,
                               "placement.policy workload-aware needs a co-location matrix: set "
                               "placement.matrix to earlier Table 3 results (or pass --matrix "
                               "DIR)");
    }
    return 0;
}

static void campaign_free(struct mb_campaign *c)
{
    mb_run_saved_free(c);
    mb_auto_free(c->autorep);
    mb_monitor_free(c->mon);
    free(c->mon_hosts);
    free(c->mon_ssh);
    free(c->matrix);
    if (c->hv)
        for (int h = 0; h < (c->tb ? c->tb->nhosts : 0); h++)
            mb_hv_close(c->hv[h]);
    free(c->hv);
    free(c->meta);
    for (size_t i = 0; i < c->ndone; i++)
        free(c->done_ids[i]);
    free(c->done_ids);
    mb_results_close(c->res);
    mb_plan_free(c->plan);
    mb_scenario_free(c->s);
    mb_testbed_free(c->tb);
    if (c->lock_fd > 0)
        close(c->lock_fd);
}

/* repeat: auto in metadata.json: the target, and per point the runs it took and whether
 * it met the target or hit the cap (or is still open: an interrupted campaign). */
static void auto_json(const struct mb_campaign *c, struct mb_buf *b)
{
    const struct mb_scenario *s = c->s;
    mb_buf_printf(b,
                  ", \"repeat_auto\": {\"precision_pct\": %g, \"level\": %g, \"min_runs\": %lld, "
                  "\"max_runs\": %lld, \"metrics\": [",
                  s->precision_pct, MB_AUTO_LEVEL, (long long)s->min_runs, (long long)s->max_runs);
    for (int m = 0; m < MB_AUTO_NMETRICS; m++)
        mb_buf_printf(b, "%s\"%s\"", m ? ", " : "", mb_results_columns[mb_auto_metrics[m]].name);
    mb_buf_printf(b, "], \"points\": [");
    for (size_t p = 0; p < c->plan->npoints; p++) {
        const struct mb_auto_point *ap = &c->autorep->points[p];
        char key[4096];
        mb_plan_point_key(c->plan, p, key, sizeof(key));
        mb_buf_printf(b, "%s{\"point\": %zu, \"factors\": ", p ? ", " : "", p + 1);
        mb_json_string(b, key);
        mb_buf_printf(b, ", \"runs\": %zu, \"ok\": %zu, \"state\": \"%s\", \"width_pct\": {",
                      ap->runs, ap->ok, mb_auto_state_name(ap->state));
        for (int m = 0; m < MB_AUTO_NMETRICS; m++) {
            double w = ap->width_pct[m];
            mb_buf_printf(b, "%s\"%s\": ", m ? ", " : "",
                          mb_results_columns[mb_auto_metrics[m]].name);
            mb_buf_printf(b, isfinite(w) ? "%.2f" : "null", w);
        }
        mb_buf_printf(b, "}}");
    }
    mb_buf_printf(b, "]}");
}

static int write_meta(struct mb_campaign *c, const char *dir, const struct mb_runner_summary *sum,
                      const char *state, struct mb_error *err)
{
    struct mb_buf extra = {0};
    char started[MB_RESULTS_TIME_SIZE];
    struct mb_error terr;
    mb_results_format_time(mb_now_wall(), started, &terr);
    mb_buf_printf(&extra, "\"scenario\": ");
    mb_json_string(&extra, c->s->name);
    mb_buf_printf(&extra,
                  ", \"state\": \"%s\", \"updated\": \"%s\", \"runs\": %zu, "
                  "\"done\": %zu, \"failed\": %zu, \"resumed\": %zu, "
                  "\"wall_s\": %.1f, \"harness_cpu_s\": %.2f",
                  state, started, sum->runs, sum->done, sum->failed, sum->skipped, sum->wall_s,
                  sum->cpu_s);
    if (c->adaptive) {
        mb_buf_printf(&extra,
                      ", \"adaptive_model\": {\"alpha\": %.4f, \"samples\": %zu, "
                      "\"runs\": %zu, \"batches_seen\": %zu, \"history\": ",
                      c->model.alpha, c->model.samples, c->model.runs, c->model.nseen);
        mb_json_string(&extra, c->model.source);
        mb_buf_printf(&extra, "}");
    }
    if (sum->phases.runs) {
        /* summed over this process's runs (a resumed campaign: since the resume) */
        mb_buf_printf(&extra, ", \"phases\": {\"runs\": %zu", sum->phases.runs);
        for (int p = 0; p < MB_NPHASES; p++)
            mb_buf_printf(&extra, ", \"%s\": {\"wall_s\": %.3f, \"cpu_s\": %.3f}",
                          mb_run_phase_names[p], sum->phases.wall_s[p], sum->phases.cpu_s[p]);
        mb_buf_printf(&extra, "}");
    }
    mb_meta_profile_json(&extra, c->s);
    if (c->autorep)
        auto_json(c, &extra);
    if (c->matrix) {
        mb_buf_printf(&extra,
                      ", \"placement_matrix\": {\"rows\": %zu, \"source\": ", c->matrix->rows);
        mb_json_string(&extra, c->matrix->source);
        mb_buf_printf(&extra, "}");
    }
    char path[4200];
    snprintf(path, sizeof(path), "%s/metadata.json", dir);
    int rc = mb_meta_write(path, c->tb, c->meta, c->tb->nhosts, extra.data, err);
    mb_buf_free(&extra);
    return rc;
}

/* A path a scenario names, relative to the scenario file; when that does not exist
 * (a resumed campaign's copy has moved: scenario NULL), as given, from the working
 * directory. */
static char *beside_scenario(const char *scenario, const char *path)
{
    if (path[0] == '/' || !scenario)
        return mb_xstrdup(path);
    char *sdir = mb_xstrdup(scenario);
    char *sl = strrchr(sdir, '/');
    if (sl)
        *sl = '\0';
    else
        strcpy(sdir, ".");
    char *p = mb_xasprintf("%s/%s", sdir, path);
    free(sdir);
    struct stat st;
    if (stat(p, &st) != 0) {
        free(p);
        p = mb_xstrdup(path);
    }
    return p;
}

/* The scenario (the resumed directory's copy, or o->scenario), its plan and testbed
 * (the option's, else the scenario's, relative to the scenario file). */
static int load_scenario(struct mb_campaign *c, struct mb_error *err)
{
    const struct mb_runner_opts *o = c->o;
    char scen_path[4200];
    if (o->resume_dir)
        snprintf(scen_path, sizeof(scen_path), "%s/scenario.yaml", o->resume_dir);
    else
        snprintf(scen_path, sizeof(scen_path), "%s", o->scenario);
    c->s = mb_scenario_load(scen_path, err);
    if (!c->s)
        return err->status;
    c->plan = mb_plan_new(c->s, err);
    if (!c->plan)
        return err->status;
    char *dir = mb_xstrdup(o->resume_dir ? o->resume_dir : o->scenario);
    char *slash = strrchr(dir, '/');
    if (o->resume_dir)
        ; /* a copied scenario's relative testbed path is relative to the original */
    else if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    char *tbpath =
        mb_testbed_resolve(o->testbed ? o->testbed : c->s->testbed, o->testbed ? NULL : dir, err);
    free(dir);
    if (!tbpath)
        return err->status = MB_EENV;
    c->tb = mb_testbed_load(tbpath, err);
    free(tbpath);
    return c->tb ? 0 : err->status;
}

/* What the scenario's points learn from: the co-location matrix when some point places
 * by workload, the migration history when some point is adaptive. */
static int load_models(struct mb_campaign *c, struct mb_error *err)
{
    const struct mb_runner_opts *o = c->o;
    const char *scen = o->resume_dir ? NULL : o->scenario;
    int wants_matrix = 0, rc = 0;
    for (size_t p = 0; p < c->plan->npoints; p++) {
        struct mb_point pt;
        mb_plan_point(c->plan, p, &pt);
        if (*pt.placement_hosts && !strcmp(pt.placement_policy, "workload-aware"))
            wants_matrix = 1;
        if (pt.strategy.kind == MB_STRATEGY_ADAPTIVE)
            c->adaptive = 1;
    }
    if (wants_matrix && (o->matrix || (c->s->matrix && *c->s->matrix))) {
        char *mpath = o->matrix ? mb_xstrdup(o->matrix) : beside_scenario(scen, c->s->matrix);
        const char *paths[1] = {mpath};
        c->matrix = mb_xcalloc(1, sizeof(*c->matrix));
        rc = mb_placement_learn(paths, 1, c->matrix, err);
        free(mpath);
        if (rc < 0)
            return rc;
    }
    if ((rc = check_supported(c, err)) < 0)
        return rc;
    if (c->adaptive && (o->history || (c->s->history && *c->s->history))) {
        char *hist = o->history ? mb_xstrdup(o->history) : beside_scenario(scen, c->s->history);
        const char *paths[1] = {hist};
        rc = mb_strategy_learn(paths, 1, &c->model, err);
        free(hist);
    }
    return rc;
}

/* The results directory (a new one, with the scenario's copy; or the resumed one, with
 * the runs it has), and raw.csv open in it. */
static int open_results(struct mb_campaign *c, struct mb_runner_summary *sum, struct mb_error *err)
{
    const struct mb_runner_opts *o = c->o;
    int rc;
    if (o->resume_dir) {
        snprintf(sum->dir, sizeof(sum->dir), "%s", o->resume_dir);
    } else {
        if ((rc = new_results_dir(o->out_base ? o->out_base : "results", c->s->name, sum->dir,
                                  sizeof(sum->dir), err)) < 0)
            return rc;
        char to[4200];
        snprintf(to, sizeof(to), "%s/scenario.yaml", sum->dir);
        if ((rc = copy_file(o->scenario, to, err)) < 0)
            return rc;
    }
    c->dir = sum->dir;
    char raw[4200];
    snprintf(raw, sizeof(raw), "%s/raw.csv", sum->dir);
    if (o->resume_dir && (rc = load_done(c, raw, err)) < 0)
        return rc;
    c->autorep = mb_auto_new(c->plan);
    if (c->autorep && c->ndone && (rc = mb_auto_read(c->autorep, raw, NULL, err)) < 0)
        return rc;
    const char *factors[256];
    for (size_t f = 0; f < c->s->nfactors && f < 256; f++)
        factors[f] = c->s->settings[c->s->factors[f]].opt->key;
    return mb_results_open(raw, factors, c->s->nfactors, &c->res, err);
}

/* The runs of a point from the plan's run `from` on that are not in raw.csv, and their
 * estimated seconds. */
static size_t runs_left(struct mb_campaign *c, size_t point, size_t from, double *estimate)
{
    size_t n = 0;
    struct mb_point pt;
    mb_plan_point(c->plan, point, &pt);
    for (size_t i = from; i < c->plan->nruns; i++) {
        char id[MB_RESULTS_RUN_ID_SIZE];
        if (c->plan->runs[i].point != point ||
            is_done(c, mb_plan_run_id(c->plan, &c->plan->runs[i], id)))
            continue;
        n++;
    }
    *estimate = (double)n * mb_plan_estimate_point(&pt);
    return n;
}

/* What is left, and how long it should take: the progress display.  With repeat: auto,
 * the runs of the points already done are not left, and the rest are counted to the cap:
 * the total and the ETA are upper bounds, and shrink as points are done. */
static void start_progress(struct mb_campaign *c, struct mb_runner_summary *sum)
{
    size_t todo = 0;
    double estimate = 0;
    double *per_run = mb_xcalloc(c->plan->npoints, sizeof(double));
    for (size_t p = 0; p < c->plan->npoints; p++) {
        struct mb_point pt;
        mb_plan_point(c->plan, p, &pt);
        per_run[p] = mb_plan_estimate_point(&pt);
    }
    for (size_t i = 0; i < c->plan->nruns; i++) {
        const struct mb_run *r = &c->plan->runs[i];
        char id[MB_RESULTS_RUN_ID_SIZE];
        if (is_done(c, mb_plan_run_id(c->plan, r, id)) ||
            (c->autorep && mb_auto_done(c->autorep, r->point)))
            continue;
        todo++;
        estimate += per_run[r->point];
    }
    free(per_run);
    sum->skipped = c->plan->nruns - todo;
    if (c->autorep) {
        /* every run in raw.csv is a run done; the open points' are among them */
        sum->skipped = 0;
        for (size_t p = 0; p < c->plan->npoints; p++)
            sum->skipped += c->autorep->points[p].runs;
    }
    sum->runs = sum->skipped + todo;
    mb_progress_init(&c->prog, stdout, c->o->progress, sum->runs, sum->skipped, estimate);
    if (c->autorep)
        mb_progress_note(&c->prog,
                         "repeat auto: each point runs until ±%g %% (95 %% interval of %s and "
                         "%s), at least %lld ok runs, at most %lld runs: %zu runs and the ETA "
                         "are upper bounds",
                         c->s->precision_pct, mb_results_columns[mb_auto_metrics[0]].name,
                         mb_results_columns[mb_auto_metrics[1]].name, (long long)c->s->min_runs,
                         (long long)c->s->max_runs, sum->runs);
}

/* repeat: auto: judge the run just done (plan index i, id); a point that is now done
 * says so, and the runs it will not take leave the progress display. */
static int judge_run(struct mb_campaign *c, struct mb_runner_summary *sum, size_t i, const char *id,
                     struct mb_error *err)
{
    size_t point = c->plan->runs[i].point;
    if (mb_auto_done(c->autorep, point))
        return 0;
    char raw[4300];
    snprintf(raw, sizeof(raw), "%s/raw.csv", c->dir);
    int rc = mb_auto_read(c->autorep, raw, id, err);
    if (rc < 0 || !mb_auto_done(c->autorep, point))
        return rc;
    double est;
    size_t n = runs_left(c, point, i + 1, &est);
    c->prog.total -= n;
    c->prog.estimate_s = c->prog.estimate_s > est ? c->prog.estimate_s - est : 0;
    sum->runs -= n;
    char what[600];
    mb_auto_describe(c->autorep, point, what, sizeof(what));
    mb_progress_note(&c->prog, "%s point %zu/%zu: %s", c->s->name, point + 1, c->plan->npoints,
                     what);
    return 0;
}

/* Provenance of every host, and what an interrupted campaign left removed. */
static int survey_hosts(struct mb_campaign *c, struct mb_error *err)
{
    int max_vms = 1;
    for (size_t p = 0; p < c->plan->npoints; p++) {
        struct mb_point pt;
        mb_plan_point(c->plan, p, &pt);
        if (pt.vm_count > max_vms)
            max_vms = (int)pt.vm_count;
    }
    c->meta = mb_xcalloc((size_t)c->tb->nhosts, sizeof(*c->meta));
    for (int h = 0; h < c->tb->nhosts; h++)
        mb_meta_host_collect(&c->tb->hosts[h], c->o->hv_ops, c->o->ssh_ops, &c->meta[h]);
    return sweep_testbed(c, max_vms, err);
}

/* The monitor: every host's and VM's usage into monitor.csv, all campaign long.  One
 * that cannot start is noted, and the campaign goes on without it. */
static void start_monitor(struct mb_campaign *c)
{
    int nmh = c->tb->nhosts;
    struct mb_remote_target *tgt = c->mon_ssh = mb_xcalloc((size_t)nmh, sizeof(*tgt));
    struct mb_monitor_host *mh = c->mon_hosts = mb_xcalloc((size_t)nmh, sizeof(*mh));
    for (int h = 0; h < nmh; h++) {
        const struct mb_host *x = &c->tb->hosts[h];
        tgt[h] = (struct mb_remote_target){.address = x->ssh.address,
                                           .port = x->ssh.port,
                                           .user = x->ssh.user,
                                           .key = x->ssh.key,
                                           .known_hosts = x->ssh.known_hosts,
                                           .connect_timeout_s = 5};
        int pid = 0;
        struct mb_error me;
        if (mb_monitor_lab_pid(c->tb->path, x->name, &pid, &me) < 0)
            pid = 0;
        mh[h] = (struct mb_monitor_host){.name = x->name,
                                         .uri = x->uri,
                                         .ssh = x->ssh.address ? &tgt[h] : NULL,
                                         .local_pid = pid};
    }
    struct mb_point pt0;
    mb_plan_point(c->plan, 0, &pt0);
    char mpath[4300];
    snprintf(mpath, sizeof(mpath), "%s/monitor.csv", c->dir);
    struct mb_monitor_opts mo = {.interval_s = pt0.monitor_interval_ms / 1000.0,
                                 .csv_path = mpath,
                                 .hv_ops = c->o->hv_ops,
                                 .ssh_ops = c->o->ssh_ops};
    struct mb_error me;
    if (mb_monitor_new(mh, nmh, &mo, &c->mon, &me) < 0 || mb_monitor_start(c->mon, &me) < 0) {
        mb_progress_note(&c->prog, "monitor: %s (no monitor.csv)", me.msg);
        mb_monitor_free(c->mon);
        free(c->mon_hosts);
        free(c->mon_ssh);
        c->mon = NULL;
    }
}

/* Every run not yet in raw.csv, in the plan's order.  Returns 0, MB_EINTR when stopped,
 * or a negative status when results cannot be written. */
static int run_all(struct mb_campaign *c, struct mb_runner_summary *sum, struct mb_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < c->plan->nruns; i++) {
        const struct mb_run *run = &c->plan->runs[i];
        char id[MB_RESULTS_RUN_ID_SIZE];
        mb_plan_run_id(c->plan, run, id);
        if (is_done(c, id) || (c->autorep && mb_auto_done(c->autorep, run->point)))
            continue;
        if (mb_campaign_stopped(c))
            return MB_EINTR;
        char label[160];
        snprintf(label, sizeof(label), "%s point %zu/%zu rep %u/%s%lld", c->s->name, run->point + 1,
                 c->plan->npoints, run->rep, c->autorep ? "max " : "", (long long)c->s->repeat);
        struct mb_point pt;
        mb_plan_point(c->plan, run->point, &pt);
        mb_progress_run_start(&c->prog, label, mb_plan_estimate_point(&pt));
        if (c->mon)
            mb_monitor_set_label(c->mon, id);
        double r0 = mb_now_mono();
        int ok = 1;
        c->why[0] = '\0';
        if ((rc = mb_run_one(c, run, &ok, err)) < 0)
            return rc;
        sum->done++;
        if (!ok)
            sum->failed++;
        char outcome[700];
        snprintf(outcome, sizeof(outcome), "%s %s (%s)%s%s", label, ok ? "ok" : "FAILED", id,
                 ok || !c->why[0] ? "" : ": ", ok ? "" : c->why);
        mb_progress_run_end(&c->prog, ok, mb_now_mono() - r0, outcome);
        if (c->autorep && (rc = judge_run(c, sum, i, id, err)) < 0)
            return rc;
    }
    return rc;
}

/* A new campaign that recorded nothing leaves no empty results directory. */
static void remove_empty_results(struct mb_campaign *c, struct mb_runner_summary *sum)
{
    static const char *const files[] = {"raw.csv", "metadata.json", "metadata.json.tmp",
                                        "scenario.yaml"};
    mb_results_close(c->res);
    c->res = NULL;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char f[4300];
        snprintf(f, sizeof(f), "%s/%s", sum->dir, files[i]);
        unlink(f);
    }
    rmdir(sum->dir);
    sum->dir[0] = '\0';
}

/* Everything up to the first run: scenario, testbed, models, lock, results, hosts. */
static int campaign_setup(struct mb_campaign *c, struct mb_runner_summary *sum,
                          struct mb_error *err)
{
    int rc;
    if ((rc = load_scenario(c, err)) < 0 || (rc = load_models(c, err)) < 0)
        return rc;
    c->hv = mb_xcalloc((size_t)c->tb->nhosts, sizeof(*c->hv));
    if ((rc = lock_testbed(c, err)) < 0 || (rc = open_results(c, sum, err)) < 0)
        return rc;
    start_progress(c, sum);
    if ((rc = survey_hosts(c, err)) < 0 || (rc = write_meta(c, sum->dir, sum, "running", err)) < 0)
        return rc;
    start_monitor(c);
    return 0;
}

int mb_runner_campaign(const struct mb_runner_opts *o, struct mb_runner_summary *sum,
                       struct mb_error *err)
{
    memset(sum, 0, sizeof(*sum));
    struct mb_campaign c = {.o = o, .lock_fd = -1, .phases = &sum->phases};
    double wall0 = mb_now_mono(), cpu0 = mb_cpu_self();
    if (o->resume_dir)
        snprintf(sum->dir, sizeof(sum->dir), "%s", o->resume_dir);
    int rc = campaign_setup(&c, sum, err);
    if (rc == 0) {
        rc = run_all(&c, sum, err);
        sum->interrupted = rc == MB_EINTR;
        if (rc == 0 || rc == MB_EINTR)
            mb_progress_finish(&c.prog);
    }
    sum->wall_s = mb_now_mono() - wall0;
    sum->cpu_s = mb_cpu_self() - cpu0;
    if (rc < 0 && rc != MB_EINTR && !o->resume_dir && sum->dir[0] && sum->done == 0)
        remove_empty_results(&c, sum);
    if (c.meta && sum->dir[0]) {
        struct mb_error e2;
        write_meta(&c, sum->dir, sum,
                   rc == MB_EINTR ? "interrupted"
                   : rc < 0       ? "failed"
                                  : "finished",
                   &e2);
    }
    if (rc == MB_EINTR)
        mb_error_set(err, MB_EINTR, "interrupted; resume with --resume %s", sum->dir);
    campaign_free(&c);
    return rc;
}
