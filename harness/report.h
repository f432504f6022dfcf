/* report.h — results directories read, summarised and reported.
 *
 * A results directory (written by `migbench run`) holds scenario.yaml, metadata.json and
 * raw.csv.  mb_report_dir_load() streams raw.csv once and keeps, per point and hop, one
 * value per run and metric: the mean of the run's rows (its VMs) for that hop.  A run
 * whose rows in a hop are not all `ok` is a failed run of that hop: it is counted and
 * its values are left out.  The summaries (trimmed mean with the scenario's trim,
 * median, mean, sd, CV, 95 % CI, min, max) are computed over those per-run values.
 *
 * The rest of the module turns loaded directories into summary.csv, figure
 * specifications for plot.h, claim verdicts, report.md and report.html
 * (docs/report.md).  Its parts, one file per concern, are listed in report_int.h. */
#ifndef MB_REPORT_H
#define MB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/error.h"
#include "lib/json.h"
#include "options.h"
#include "plot.h"
#include "results.h"
#include "scenario.h"
#include "lib/stats.h"
#include "lib/util.h"

/* ---- loaded results ---------------------------------------------------------------- */

/* Per-run values of one metric at one point. */
struct mb_report_samples {
    double *v;
    unsigned *run; /* the run each value came from: its index among the point's runs */
    size_t n, cap;
};

/* Statuses of raw.csv, in the order of its enum. */
enum { MB_REPORT_OK, MB_REPORT_FAILED, MB_REPORT_TIMEOUT, MB_REPORT_CORRUPT, MB_REPORT_ABORTED };
#define MB_REPORT_NSTATUS 5
extern const char *const mb_report_status_names[MB_REPORT_NSTATUS];

struct mb_report_point {
    size_t index;              /* raw.csv's point column */
    unsigned hop;              /* 1-based */
    const char **values;       /* one value per factor of the directory (borrowed from it) */
    size_t runs;               /* runs recorded for this point and hop */
    size_t failed;             /* of which some row was not ok */
    unsigned char *run_failed; /* per run, in raw.csv's order: 1 when it failed */
    size_t status_rows[MB_REPORT_NSTATUS];
    char strategy[32]; /* raw.csv's strategy column in the point's first run */
    int line;          /* first raw.csv line of the point */
    char *first_error; /* error column of its first non-ok row, or NULL */
    int first_error_line;
    /* indexed by enum mb_results_col; only numeric metric columns are filled */
    struct mb_report_samples s[MB_COL_COUNT];
    struct mb_stats_summary sum[MB_COL_COUNT];
    unsigned char *seen; /* bitmap of repetitions seen */
    size_t seen_bytes;
};

struct mb_report_factor {
    char *key;                   /* dotted key, without "f." */
    const struct mb_option *opt; /* its option in the table, or NULL */
    bool numeric;                /* every level is a number (size, %, count, duration...) */
    char **levels;               /* distinct values, in plotting order */
    double *num;                 /* numeric: the level's value in the option's base unit */
    size_t nlevels;
};

struct mb_report_dir {
    char *path; /* as given */
    char *name; /* scenario name (raw.csv's scenario column) */
    struct mb_scenario *scenario;
    char *scenario_text;  /* scenario.yaml as recorded, or NULL */
    struct mb_json *meta; /* metadata.json, or NULL */
    size_t trim;
    struct mb_report_factor *factors;
    size_t nfactors;
    struct mb_report_point *points; /* sorted by point index, then hop */
    size_t npoints;
    size_t nrows, nruns, nfailed;
    unsigned max_hop;
    bool has_metric[MB_COL_COUNT]; /* some ok run has a value */
    /* provenance columns: the distinct values seen (up to 4 each), "; "-joined */
    char *provenance[MB_COL_COUNT];
    char **notes; /* warnings worth showing in the report */
    size_t nnotes;
    char **strings; /* storage of factor values */
    size_t nstrings, strings_cap;
};

/* Is column c a numeric metric of raw.csv (summarised, plotted, compared)? */
bool mb_report_is_metric(int c);

/* Load a results directory: raw.csv (required), scenario.yaml and metadata.json (each
 * optional: a note says when it is missing, but one that is present must parse).  Every
 * problem is MB_EINPUT (or MB_EIO) with file and line: raw.csv's own checks
 * (results.h), a point whose factor values change, a run recorded twice, rows of
 * different scenarios.  *out (mb_report_dir_free) is set on success. */
int mb_report_dir_load(const char *path, struct mb_report_dir **out, struct mb_error *err);
void mb_report_dir_free(struct mb_report_dir *d);

/* The value a figure or claim uses for a point's metric: the trimmed mean, or the mean
 * when too few runs remain to trim; NAN without values. */
double mb_report_value(const struct mb_report_point *p, int metric);

/* "vms.memory=512MiB, reservation.source.cpu_cap=40%" (with ", hop 2" when the
 * directory has several hops); "(no factors)" when none. */
void mb_report_point_label(const struct mb_report_dir *d, const struct mb_report_point *p,
                           char *buf, size_t len);

/* Factor index of key in d, or -1. */
int mb_report_factor_find(const struct mb_report_dir *d, const char *key);

/* ---- summary.csv --------------------------------------------------------------------- */

/* Write the summary of every directory: one row per point, hop and metric (the metrics
 * with values anywhere in the directory).  Columns: [results_dir when ndirs > 1],
 * scenario, point, hop, one f.<key> per factor (the union over dirs), metric, unit, n,
 * failed, trim, trimmed_mean, median, mean, sd, cv, ci95_low, ci95_high, min, max,
 * samples.  Written to a temporary file and renamed. */
int mb_report_write_summary(struct mb_report_dir *const *dirs, size_t ndirs, const char *path,
                            struct mb_error *err);

/* Append s to b as one CSV field, quoted (RFC 4180) when it holds a comma, a quote, a
 * line break or leading or trailing blanks; preceded by a comma unless first. */
void mb_report_csv_field(struct mb_buf *b, const char *s, bool first);
/* Append v as a CSV field after a comma: "%.10g", empty when v is not finite. */
void mb_report_csv_num(struct mb_buf *b, double v);

/* ---- claims -------------------------------------------------------------------------- */

/* A claim's verdict, from 95 % confidence intervals (docs/report.md): confirmed when
 * every interval lies within its rule, refuted when one lies wholly outside, inconclusive
 * when one straddles a limit, not evaluated when data are missing (or n < 2). */
enum mb_report_verdict {
    MB_VERDICT_NOT_EVALUATED,
    MB_VERDICT_CONFIRMED,
    MB_VERDICT_REFUTED,
    MB_VERDICT_INCONCLUSIVE,
};
const char *mb_report_verdict_name(enum mb_report_verdict v);

/* A scenario's claim and its check.  The rules come from the claim text itself (a
 * trailing "(check: RULE; RULE)") or else from the paper table, keyed by the
 * scenario's `paper:` field (mb_report_paper_checks). */
struct mb_report_claim {
    char *text;        /* the claim in words (without the check part); NULL when none */
    char *rules;       /* the rules evaluated, or NULL */
    const char *where; /* "scenario" or "paper table" */
    enum mb_report_verdict verdict;
    double runs_needed;     /* inconclusive: runs per point that would decide it (NAN: cannot
                               be estimated); NAN otherwise */
    struct mb_buf evidence; /* one line per finding, plain text */
};

/* A row of the paper table: the scenario's paper field (compared after normalising:
 * "Fig. 3", "fig3" and "Figure 3" are the same) and the rules checking its claim. */
struct mb_report_paper_check {
    const char *paper;
    const char *rules;
};
extern const struct mb_report_paper_check mb_report_paper_checks[];

/* Evaluate rules (see docs/report.md: flat, rises, falls, knee, less, greater,
 * parallel_slower, parallel_faster, diagonal_worst) against d, each on 95 % confidence
 * intervals.  The verdict is refuted when some rule's interval lies wholly outside it,
 * else not evaluated when data are missing (a factor or metric, values, fewer than 2
 * runs at a point) or a rule is malformed, else inconclusive when an interval straddles
 * a rule's limit (with runs_needed), else confirmed.  The evidence has one line per
 * slice with its intervals.  Never fails. */
void mb_report_eval_rules(const struct mb_report_dir *d, const char *rules,
                          struct mb_report_claim *c);

/* Above this many runs per point an inconclusive verdict says "more than": the estimate
 * sits so near the rule's limit that no campaign would settle it. */
#define MB_REPORT_RUNS_SHOWN_MAX 10000.0

/* Append what decides an inconclusive verdict, after "inconclusive": " (about 12 runs per
 * point would decide it)", " (more than 10000 runs per point: ...)" or, for NAN, " (the
 * runs per point that would decide it cannot be estimated)". */
void mb_report_runs_needed_text(struct mb_buf *b, double runs);

/* Fill c for d's scenario (its claim, rules and verdict).  Never fails. */
void mb_report_claim_check(const struct mb_report_dir *d, struct mb_report_claim *c);
void mb_report_claim_free(struct mb_report_claim *c);

/* ---- figures ------------------------------------------------------------------------- */

/* The figures of d: the scenario's plots: entries (one figure per y metric), or by
 * default one per factor-dependent view (docs/report.md).  stem prefixes the file
 * names.  Returns the number of figures in *out (free with mb_plot_figs_free). */
size_t mb_report_figures(const struct mb_report_dir *d, const char *stem, struct mb_plot_fig **out);

/* ---- the report ---------------------------------------------------------------------- */

struct mb_report_opts {
    const char *out_dir;   /* where everything is written */
    bool figures;          /* draw figures (needs gnuplot) */
    unsigned formats;      /* MB_PLOT_PNG | MB_PLOT_SVG */
    const char *templates; /* plots/ directory, NULL = mb_plot_templates_dir() */
    const char *gnuplot;   /* program, NULL = "gnuplot" */
};

/* What mb_report_write produced, for the command's summary line. */
struct mb_report_result {
    size_t nfigures;
    size_t confirmed, refuted, inconclusive, not_evaluated; /* claims that have a check */
    size_t unchecked;                                       /* claims without one */
};

/* "Claims: X confirmed, Y refuted, Z inconclusive (N decided of M)" into buf, M the
 * claims that have a check. */
void mb_report_claims_line(const struct mb_report_result *r, char *buf, size_t len);

/* Write summary.csv, figures/ (when opts->figures), report.md and report.html into
 * opts->out_dir for the directories (merged in the order given). */
int mb_report_write(struct mb_report_dir *const *dirs, size_t ndirs,
                    const struct mb_report_opts *opts, struct mb_report_result *res,
                    struct mb_error *err);

#endif
