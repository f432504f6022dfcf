/* cmd_report.c — `migbench report` and `migbench compare`: what researchers print and
 * what CI gates on. */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "compare.h"
#include "report.h"
#include "lib/units.h"
#include "lib/util.h"

static const char report_description[] =
    "Summarise results directories written by 'migbench run': summary.csv (per point and\n"
    "metric: n, trimmed mean, median, mean, sd, CV, 95 % CI, min, max), figures drawn by\n"
    "gnuplot from plots/ (PNG and SVG), report.md and a self-contained report.html with\n"
    "each scenario's figures and tables, the scenario as run, the environment, and its\n"
    "claim with a verdict decided on 95 % confidence intervals (confirmed / refuted /\n"
    "inconclusive, with the runs per point that would decide it / not evaluated) and the\n"
    "intervals behind it; a line 'Claims: X confirmed, Y refuted, Z inconclusive (N\n"
    "decided of M)' sums them up.  A directory without raw.csv is searched for results\n"
    "directories below it, so 'migbench report --out report results' merges a whole\n"
    "reproduction into one long report.  docs/report.md describes every output.\n";

static const char report_epilog[] =
    "raw.csv, scenario.yaml and metadata.json are read, never written.  A malformed or\n"
    "truncated file is an error naming the file and the row or line.\n"
    "\n"
    "exit status: 0 ok, 1 a claim with a check refuted, inconclusive or not evaluated\n"
    "(--strict only), 2 bad input or usage, 3 environment (gnuplot missing or failing,\n"
    "output not writable).\n";

static const char compare_description[] =
    "Compare two results directories of one scenario, point by point (points are matched\n"
    "by their factor values): for each metric the change of the mean with its confidence\n"
    "interval, both sides' 95 % confidence intervals, Welch's t-test and a verdict.  Every\n"
    "compared metric is a time, a size or an overhead: lower is better.\n"
    "\n"
    "  too few runs          a side has fewer successful runs than --min-runs (never exit 1)\n"
    "  regressed / improved  otherwise, significant (adjusted p < alpha) and a change of at\n"
    "                        least the threshold, for the worse / for the better\n"
    "  too noisy             otherwise, when the change's confidence interval reaches past\n"
    "                        +-threshold (a change of the threshold could hide in it)\n"
    "  unchanged             otherwise: the whole interval within +-threshold\n"
    "The interval of the relative change is Fieller's (the base mean's uncertainty counts).\n"
    "A point with a larger share of failed runs in NEW than in BASE is a regression too,\n"
    "at any number of runs.  Each row also states the smallest change its runs could have\n"
    "detected (at alpha, with 80 % power).\n"
    "The output also lists what differs between the two environments (metadata.json:\n"
    "versions, accelerator, hosts, CPUs; raw.csv's hypervisor, accel, harness version,\n"
    "guest image).\n"
    "\n"
    "--aa N RESULTS_DIR calibrates this decision on one campaign of one configuration, where\n"
    "nothing changed: N times, each point's runs are split at random (seeded: --seed) into\n"
    "two halves, which are compared as BASE and NEW with the options given.  It prints how\n"
    "many of the N comparisons flagged any row regressed or improved, the observed false-\n"
    "positive rate with its exact (Clopper-Pearson) 95 % interval, and alpha.  Each half\n"
    "needs --min-runs runs, so the campaign needs twice that many per point.\n";

static void print_error(const char *cmd, const struct mb_error *e)
{
    char buf[2048];
    mb_error_format(e, buf, sizeof(buf));
    fprintf(stderr, "migbench %s: %s\n", cmd, buf);
}

struct paths {
    char **v;
    size_t n;
};

static void paths_add(struct paths *p, const char *s)
{
    p->v = mb_xrealloc(p->v, (p->n + 1) * sizeof(char *));
    p->v[p->n++] = mb_xstrdup(s);
}

static void paths_free(struct paths *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_results_dir(const char *dir)
{
    char *raw = mb_xasprintf("%s/raw.csv", dir);
    bool ok = access(raw, F_OK) == 0;
    free(raw);
    return ok;
}

/* dir itself when it holds raw.csv, else the results directories below it (3 levels:
 * results/<scenario>/<time>), in name order. */
static void expand(const char *dir, int depth, struct paths *out)
{
    if (is_results_dir(dir)) {
        paths_add(out, dir);
        return;
    }
    if (depth == 0)
        return;
    DIR *dh = opendir(dir);
    if (!dh)
        return;
    struct paths names = {0};
    struct dirent *e;
    while ((e = readdir(dh)))
        if (e->d_name[0] != '.' && strcmp(e->d_name, "figures"))
            paths_add(&names, e->d_name);
    closedir(dh);
    if (names.n)
        qsort(names.v, names.n, sizeof(char *), cmp_name);
    for (size_t i = 0; i < names.n; i++) {
        size_t len = strlen(dir);
        char *sub = mb_xasprintf("%.*s/%s", (int)(len > 1 && dir[len - 1] == '/' ? len - 1 : len),
                                 dir, names.v[i]);
        struct stat st;
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            expand(sub, depth - 1, out);
        free(sub);
    }
    paths_free(&names);
}

/* The results directories an argument names; MB_EINPUT when none. */
static int resolve(const char *arg, struct paths *out, struct mb_error *err)
{
    struct stat st;
    if (stat(arg, &st))
        return mb_error_at(err, MB_EINPUT, arg, 0, 0, "%s", strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return mb_error_at(err, MB_EINPUT, arg, 0, 0, "not a directory (give a results directory)");
    size_t before = out->n;
    expand(arg, 3, out);
    if (out->n == before)
        return mb_error_at(err, MB_EINPUT, arg, 0, 0,
                           "no raw.csv here or below: not a results directory of 'migbench run'");
    return 0;
}

/* What report's options set. */
struct report_args {
    struct mb_report_opts o;
    bool no_figures, strict, quiet;
};

/* --format LIST of report: png, svg or both. */
static int set_formats(const struct mb_cli_opt *o, const char *value, void *base,
                       struct mb_error *err)
{
    (void)o;
    unsigned f = 0;
    char *copy = mb_xstrdup(value), *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, "png"))
            f |= MB_PLOT_PNG;
        else if (!strcmp(t, "svg"))
            f |= MB_PLOT_SVG;
        else
            rc = -1;
    }
    free(copy);
    if (rc || !f)
        return mb_error_set(err, MB_EINPUT, "--format takes png, svg or png,svg, not '%s'", value);
    ((struct report_args *)base)->o.formats = f;
    return 0;
}

static const struct mb_cli_opt report_opts[] = {
    {.name = "out",
     .arg = MB_CLI_REQUIRED,
     .meta = "DIR",
     .set = mb_cli_set_str,
     .offset = offsetof(struct report_args, o.out_dir),
     .help = "write there (needed for several directories; default: into the results "
             "directory itself)"},
    {.name = "format",
     .arg = MB_CLI_REQUIRED,
     .meta = "LIST",
     .set = set_formats,
     .help = "figure formats: png, svg or png,svg (default)"},
    {.name = "no-figures",
     .set = mb_cli_set_flag,
     .offset = offsetof(struct report_args, no_figures),
     .help = "no figures (gnuplot is not needed)"},
    {.name = "strict",
     .set = mb_cli_set_flag,
     .offset = offsetof(struct report_args, strict),
     .help = "exit 1 unless every claim that has a check is confirmed (refuted, inconclusive "
             "and not evaluated fail)"},
    {.name = "quiet",
     .short_name = 'q',
     .set = mb_cli_set_flag,
     .offset = offsetof(struct report_args, quiet),
     .help = "print errors only"},
    {.name = NULL},
};

const struct mb_cli_cmd mb_report_cli = {
    .name = "report",
    .usage = "[OPTIONS] RESULTS_DIR...",
    .description = report_description,
    .epilog = report_epilog,
    .opts = report_opts,
    .min_args = 1,
    .max_args = -1,
};

int mb_cmd_report(int argc, char **argv)
{
    struct report_args a = {.o = {.figures = true, .formats = MB_PLOT_PNG | MB_PLOT_SVG}};
    int status = MB_EXIT_OK;
    if (!mb_cli_args(&mb_report_cli, &argc, argv, &a, &status))
        return status;
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_report_opts o = a.o;
    o.figures = !a.no_figures;
    bool quiet = a.quiet, strict = a.strict;
    struct paths args = {0}, dirs = {0};
    for (int i = 1; i < argc; i++)
        paths_add(&args, argv[i]);
    for (size_t i = 0; i < args.n; i++)
        if (resolve(args.v[i], &dirs, &err)) {
            print_error("report", &err);
            paths_free(&args);
            paths_free(&dirs);
            return MB_EXIT_INPUT;
        }
    if (dirs.n > 1 && !o.out_dir) {
        fprintf(stderr,
                "migbench report: %zu results directories: say where the merged report "
                "goes with --out DIR\n",
                dirs.n);
        paths_free(&args);
        paths_free(&dirs);
        return MB_EXIT_INPUT;
    }
    if (!o.out_dir)
        o.out_dir = dirs.v[0];
    double t0 = mb_now_mono();
    struct mb_report_dir **loaded = mb_xcalloc(dirs.n, sizeof(*loaded));
    size_t nloaded = 0;
    int rc = 0;
    for (size_t i = 0; i < dirs.n && rc == 0; i++) {
        rc = mb_report_dir_load(dirs.v[i], &loaded[i], &err);
        if (rc == 0)
            nloaded++;
    }
    struct mb_report_result res = {0};
    if (rc == 0)
        rc = mb_report_write(loaded, nloaded, &o, &res, &err);
    if (rc) {
        print_error("report", &err);
        status = rc == MB_EINPUT ? MB_EXIT_INPUT : MB_EXIT_ENV;
    } else {
        if (!quiet) {
            for (size_t i = 0; i < nloaded; i++) {
                struct mb_report_claim c;
                mb_report_claim_check(loaded[i], &c);
                printf("%s: %zu points, %zu runs (%zu failed)", loaded[i]->name, loaded[i]->npoints,
                       loaded[i]->nruns, loaded[i]->nfailed);
                if (c.text || c.rules)
                    printf("; claim %s", mb_report_verdict_name(c.verdict));
                printf("\n");
                mb_report_claim_free(&c);
            }
            char line[160];
            mb_report_claims_line(&res, line, sizeof(line));
            printf("%s\n", line);
            printf("report: %s/report.html (and report.md, summary.csv%s) in %.2f s\n", o.out_dir,
                   res.nfigures ? ", figures/" : "", mb_now_mono() - t0);
        }
        if (strict && (res.refuted || res.inconclusive || res.not_evaluated))
            status = MB_EXIT_FAILED;
    }
    for (size_t i = 0; i < nloaded; i++)
        mb_report_dir_free(loaded[i]);
    free(loaded);
    paths_free(&args);
    paths_free(&dirs);
    return status;
}

/* A single results directory for compare: the argument, or the only one below it. */
static int one_dir(const char *arg, char **out, struct mb_error *err)
{
    struct paths p = {0};
    int rc = resolve(arg, &p, err);
    if (rc == 0 && p.n > 1)
        rc = mb_error_at(err, MB_EINPUT, arg, 0, 0,
                         "holds %zu results directories (e.g. %s): name one", p.n, p.v[0]);
    if (rc == 0)
        *out = mb_xstrdup(p.v[0]);
    paths_free(&p);
    return rc;
}

/* What compare's options set. */
struct compare_args {
    struct mb_compare_opts o;
    enum mb_compare_format fmt;
    bool fmt_set;
    size_t aa; /* A/A comparisons asked for; 0 = a normal compare */
    int64_t seed;
    bool seed_set;
    const char **metrics; /* room for every word of the command line */
    size_t nmetrics;
};

static int set_threshold(const struct mb_cli_opt *opt, const char *v, void *base,
                         struct mb_error *err)
{
    (void)opt;
    double pct;
    char why[128], *end;
    if (mb_parse_percent(v, &pct, why, sizeof(why))) {
        pct = strtod(v, &end); /* "5" is read as 5 % */
        if (!*v || *end)
            pct = -1;
    }
    if (!(pct > 0 && pct < 1000))
        return mb_error_set(err, MB_EINPUT,
                            "--threshold takes a percentage above 0, such as 5%%, not '%s'", v);
    ((struct compare_args *)base)->o.threshold = pct / 100;
    return 0;
}

static int set_alpha(const struct mb_cli_opt *opt, const char *v, void *base, struct mb_error *err)
{
    (void)opt;
    char *end;
    double alpha = strtod(v, &end);
    if (!*v || *end || !(alpha > 0 && alpha < 1))
        return mb_error_set(err, MB_EINPUT,
                            "--alpha takes a level between 0 and 1, such as 0.05, not '%s'", v);
    ((struct compare_args *)base)->o.alpha = alpha;
    return 0;
}

/* --correction C, and --no-correction (v NULL) */
static int set_correction(const struct mb_cli_opt *opt, const char *v, void *base,
                          struct mb_error *err)
{
    (void)opt;
    struct mb_compare_opts *o = &((struct compare_args *)base)->o;
    if (!v || !strcmp(v, "none"))
        o->correction = MB_CMP_CORRECT_NONE;
    else if (!strcmp(v, "bh"))
        o->correction = MB_CMP_CORRECT_BH;
    else if (!strcmp(v, "holm"))
        o->correction = MB_CMP_CORRECT_HOLM;
    else
        return mb_error_set(err, MB_EINPUT, "--correction takes bh, holm or none, not '%s'", v);
    return 0;
}

static int set_min_runs(const struct mb_cli_opt *opt, const char *v, void *base,
                        struct mb_error *err)
{
    (void)opt;
    int64_t n;
    char why[128];
    if (mb_parse_int(v, &n, why, sizeof(why)) || n < 2 || n > 1000000)
        return mb_error_set(err, MB_EINPUT,
                            "--min-runs takes a number of runs of at least 2, such as 5, not '%s'",
                            v);
    ((struct compare_args *)base)->o.min_runs = (size_t)n;
    return 0;
}

static int set_aa(const struct mb_cli_opt *opt, const char *v, void *base, struct mb_error *err)
{
    (void)opt;
    int64_t n;
    char why[128];
    if (mb_parse_int(v, &n, why, sizeof(why)) || n < 1 || n > MB_COMPARE_AA_MAX)
        return mb_error_set(err, MB_EINPUT,
                            "--aa takes a number of A/A comparisons from 1 to %d, such as 20, not "
                            "'%s'",
                            MB_COMPARE_AA_MAX, v);
    ((struct compare_args *)base)->aa = (size_t)n;
    return 0;
}

static int set_seed(const struct mb_cli_opt *opt, const char *v, void *base, struct mb_error *err)
{
    (void)opt;
    struct compare_args *a = base;
    char why[128];
    if (mb_parse_int(v, &a->seed, why, sizeof(why)) || a->seed < 0)
        return mb_error_set(err, MB_EINPUT, "--seed takes a whole number of 0 or more, not '%s'",
                            v);
    a->seed_set = true;
    return 0;
}

static int add_metric(const struct mb_cli_opt *opt, const char *v, void *base, struct mb_error *err)
{
    (void)opt, (void)err;
    struct compare_args *a = base;
    a->metrics[a->nmetrics++] = v;
    return 0;
}

static int set_compare_format(const struct mb_cli_opt *opt, const char *v, void *base,
                              struct mb_error *err)
{
    (void)opt;
    struct compare_args *a = base;
    a->fmt_set = true;
    if (!strcmp(v, "text"))
        a->fmt = MB_CMP_TEXT;
    else if (!strcmp(v, "csv"))
        a->fmt = MB_CMP_CSV;
    else if (!strcmp(v, "md") || !strcmp(v, "markdown"))
        a->fmt = MB_CMP_MARKDOWN;
    else if (!strcmp(v, "junit"))
        a->fmt = MB_CMP_JUNIT;
    else
        return mb_error_set(err, MB_EINPUT, "--format takes text, csv, md or junit, not '%s'", v);
    return 0;
}

static const struct mb_cli_opt compare_opts[] = {
    {.name = "threshold",
     .arg = MB_CLI_REQUIRED,
     .meta = "PCT",
     .set = set_threshold,
     .help = "smallest relative change that counts (default 5%)"},
    {.name = "alpha",
     .arg = MB_CLI_REQUIRED,
     .meta = "P",
     .set = set_alpha,
     .help = "significance level (default 0.05)"},
    {.name = "correction",
     .arg = MB_CLI_REQUIRED,
     .meta = "C",
     .set = set_correction,
     .help = "p-values adjusted over all tests: bh (Benjamini-Hochberg, default), holm "
             "(stricter) or none"},
    {.name = "no-correction", .set = set_correction, .help = "the same as --correction none"},
    {.name = "min-runs",
     .arg = MB_CLI_REQUIRED,
     .meta = "N",
     .set = set_min_runs,
     .help = "successful runs a side below which the verdict is 'too few runs' (default 5)"},
    {.name = "metric",
     .arg = MB_CLI_REQUIRED,
     .meta = "NAME",
     .set = add_metric,
     .help = "compare this metric (repeatable); default: total_time_ms, downtime_ms, "
             "probe_downtime_ms, batch_makespan_ms, overhead_pct"},
    {.name = "format",
     .arg = MB_CLI_REQUIRED,
     .meta = "FMT",
     .set = set_compare_format,
     .help = "text (default), csv, md (Markdown, e.g. for a pull request) or junit (JUnit XML "
             "for CI)"},
    {.name = "aa",
     .arg = MB_CLI_REQUIRED,
     .meta = "N",
     .set = set_aa,
     .help = "A/A calibration of RESULTS_DIR (one campaign of one configuration): N comparisons "
             "of random halves of each point's runs, judged like a normal compare; prints the "
             "false-positive rate with its exact 95 % interval (text only)"},
    {.name = "seed",
     .arg = MB_CLI_REQUIRED,
     .meta = "S",
     .set = set_seed,
     .help = "seed of --aa's random halves (default 1): the same seed, the same halves"},
    {.name = NULL},
};

const struct mb_cli_cmd mb_compare_cli = {
    .name = "compare",
    .usage = "[OPTIONS] BASE_DIR NEW_DIR\n--aa N [--seed S] [OPTIONS] RESULTS_DIR",
    .description = compare_description,
    .epilog = "exit status: 0 no regression, 1 a regression, 2 an error (bad input or usage).\n"
              "With --aa: 0 the observed false-positive rate is at most alpha, 1 it is over\n"
              "alpha, 2 an error (bad input or usage, halves too small for a verdict).\n",
    .opts = compare_opts,
    .min_args = 1,
    .max_args = 2,
};

/* `compare --aa N RESULTS_DIR`: the calibration's exit status. */
static int compare_aa(const struct compare_args *a, const struct mb_compare_opts *o,
                      const char *arg)
{
    struct mb_error err;
    mb_error_clear(&err);
    char *path = NULL;
    struct mb_report_dir *d = NULL;
    struct mb_compare_aa *aa = NULL;
    int rc = one_dir(arg, &path, &err);
    if (rc == 0)
        rc = mb_report_dir_load(path, &d, &err);
    if (rc == 0)
        rc = mb_compare_aa(d, a->aa, a->seed_set ? (uint64_t)a->seed : 1, o, &aa, &err);
    int status = MB_EXIT_INPUT;
    if (rc) {
        print_error("compare", &err);
    } else {
        mb_compare_aa_print(aa, stdout);
        fflush(stdout);
        status = mb_compare_aa_ok(aa) ? MB_EXIT_OK : MB_EXIT_FAILED;
    }
    mb_compare_aa_free(aa);
    mb_report_dir_free(d);
    free(path);
    return status;
}

/* Operands and options that do not go together: a usage error (exit 2), or 0. */
static int compare_usage(const struct compare_args *a, int argc)
{
    struct mb_error err;
    mb_error_clear(&err);
    if (a->aa && argc != 2)
        mb_error_set(&err, MB_EINPUT,
                     "--aa takes one results directory (one campaign of one configuration)");
    else if (!a->aa && argc != 3)
        mb_error_set(&err, MB_EINPUT, "compare takes BASE_DIR and NEW_DIR (or --aa N RESULTS_DIR)");
    else if (a->aa && a->fmt_set && a->fmt != MB_CMP_TEXT)
        mb_error_set(&err, MB_EINPUT, "--aa prints text only");
    else if (!a->aa && a->seed_set)
        mb_error_set(&err, MB_EINPUT, "--seed goes with --aa");
    else
        return 0;
    return mb_cli_exit(&mb_compare_cli, MB_EINPUT, &err);
}

int mb_cmd_compare(int argc, char **argv)
{
    struct compare_args a = {.fmt = MB_CMP_TEXT};
    mb_compare_opts_default(&a.o);
    const char **metrics = a.metrics = mb_xcalloc((size_t)argc + 1, sizeof(char *));
    int status = MB_EXIT_INPUT;
    if (!mb_cli_args(&mb_compare_cli, &argc, argv, &a, &status))
        goto out;
    if ((status = compare_usage(&a, argc)) != 0)
        goto out;
    if (a.aa) {
        a.o.metrics = a.nmetrics ? metrics : NULL;
        a.o.nmetrics = a.nmetrics;
        status = compare_aa(&a, &a.o, argv[1]);
        goto out;
    }
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_compare_opts o = a.o;
    enum mb_compare_format fmt = a.fmt;
    size_t nmetrics = a.nmetrics;
    const char *pos[2] = {argv[1], argv[2]};
    o.metrics = nmetrics ? metrics : NULL;
    o.nmetrics = nmetrics;
    char *paths[2] = {NULL, NULL};
    struct mb_report_dir *d[2] = {NULL, NULL};
    struct mb_compare *c = NULL;
    int rc = 0;
    for (int k = 0; k < 2 && rc == 0; k++) {
        rc = one_dir(pos[k], &paths[k], &err);
        if (rc == 0)
            rc = mb_report_dir_load(paths[k], &d[k], &err);
    }
    if (rc == 0)
        rc = mb_compare_dirs(d[0], d[1], &o, &c, &err);
    if (rc) {
        print_error("compare", &err);
        status = MB_EXIT_INPUT; /* every error of compare is exit 2, as CI expects */
    } else {
        mb_compare_print(c, fmt, stdout, fmt == MB_CMP_CSV || fmt == MB_CMP_JUNIT ? stderr : NULL);
        fflush(stdout);
        status = c->count[MB_CMP_REGRESSED] ? MB_EXIT_FAILED : MB_EXIT_OK;
    }
    mb_compare_free(c);
    for (int k = 0; k < 2; k++) {
        mb_report_dir_free(d[k]);
        free(paths[k]);
    }
out:
    free(metrics);
    return status;
}
