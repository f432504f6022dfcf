/* plan.h — a scenario expanded into runs: every point (one level of each factor;
 * zipped factors advance together) times the repetitions, in the scenario's order,
 * each run with a stable id so results can be resumed and compared.
 *
 * With repeat: auto the plan holds every run up to the cap (precision.max_runs), in
 * rounds when interleaved or shuffled (each round one more run of every point; shuffled
 * within the round), and struct mb_auto says which points are done: the runner skips
 * their runs left. */
#ifndef MB_PLAN_H
#define MB_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"
#include "scenario.h"

struct mb_run {
    size_t point; /* 0-based point index */
    unsigned rep; /* 1-based repetition */
};

struct mb_plan_dim {
    size_t nlevels;
    size_t *settings; /* indices into scenario->settings that share this dimension */
    size_t nsettings;
};

struct mb_plan {
    const struct mb_scenario *scenario; /* borrowed; must outlive the plan */
    struct mb_plan_dim *dims;           /* one per factor or zip group, file order */
    size_t ndims;
    size_t npoints;
    struct mb_run *runs; /* in execution order */
    size_t nruns;
};

/* Expand s.  Returns a new plan (mb_plan_free) or NULL with err set. */
struct mb_plan *mb_plan_new(const struct mb_scenario *s, struct mb_error *err);
void mb_plan_free(struct mb_plan *p);

/* Level index of every setting at a point: level must hold scenario->nsettings. */
void mb_plan_levels(const struct mb_plan *p, size_t point, size_t *level);

/* The configuration of a point. */
void mb_plan_point(const struct mb_plan *p, size_t point, struct mb_point *out);

/* Canonical "key=value;key=value" of the factors at a point ("" with no factors);
 * values are normalised (512MiB, 1.5s, 40%), so respelling a level keeps its id.
 * Writes at most len bytes; returns buf. */
char *mb_plan_point_key(const struct mb_plan *p, size_t point, char *buf, size_t len);

/* A level's canonical text: sizes and durations in their shortest exact unit (512MiB,
 * 1.5s), percentages as 40%, the rest as written.  Used in point keys and raw.csv. */
void mb_plan_value_text(const struct mb_setting *st, const struct mb_value *v, char *buf,
                        size_t len);

/* The stable id of a run (see mb_results_run_id); buf holds MB_RESULTS_RUN_ID_SIZE. */
char *mb_plan_run_id(const struct mb_plan *p, const struct mb_run *r, char *buf);

/* Rough duration of one run of a point, in seconds: VM boot, the measurement
 * windows, the migrations at a conservative rate for software emulation, clean-up. */
double mb_plan_estimate_point(const struct mb_point *pt);

/* Sum of mb_plan_estimate_point over every run. */
double mb_plan_estimate(const struct mb_plan *p);

/* ---- repeat: auto ----------------------------------------------------------------- */

/* What a point of a repeat: auto campaign has come to. */
enum mb_auto_state {
    MB_AUTO_OPEN, /* needs more runs */
    MB_AUTO_MET,  /* every judged interval within the target */
    MB_AUTO_CAP,  /* max_runs runs, not all narrow enough */
};

/* The raw.csv columns judged (mb_auto_metrics[i]: an enum mb_results_col). */
#define MB_AUTO_NMETRICS 2
/* The confidence level of the intervals a point is judged on. */
#define MB_AUTO_LEVEL 0.95
extern const int mb_auto_metrics[MB_AUTO_NMETRICS];

struct mb_auto_sample {
    double *v; /* one value per successful run: the mean of its VMs' rows */
    size_t n;
};

struct mb_auto_point {
    size_t runs, ok; /* runs recorded (failed ones too), successful ones */
    enum mb_auto_state state;
    /* the widest 95 % half-width over the hops, in % of the mean: NAN while fewer than 2
     * values, INFINITY for a spread around a mean of 0 */
    double width_pct[MB_AUTO_NMETRICS];
    size_t nhops;
    struct mb_auto_sample *samples; /* [hop * MB_AUTO_NMETRICS + metric] */
};

struct mb_auto {
    const struct mb_plan *plan; /* borrowed */
    struct mb_auto_point *points;
    char (*prefix)[16]; /* every point's run-id prefix, sorted, with its point */
    size_t *prefix_point;
};

/* The judge of p's points; NULL when p's scenario has a fixed repeat. */
struct mb_auto *mb_auto_new(const struct mb_plan *p);
void mb_auto_free(struct mb_auto *a);

/* Judge runs of raw.csv at path: every run in it (only_id NULL: a resumed campaign), or
 * only the run only_id, just done; a run without rows counts as failed.  Each run is
 * added to its point, in file order, and a point that becomes done stays done.  Rows of
 * runs outside the plan are ignored (resume checks them).  0 or a negative status. */
int mb_auto_read(struct mb_auto *a, const char *path, const char *only_id, struct mb_error *err);

/* Add one run to a point by hand: ok or not, and when ok its value of every judged
 * metric at each hop (values[hop * MB_AUTO_NMETRICS + m], NAN = not measured).  Then
 * judges the point.  What mb_auto_read does per run. */
void mb_auto_add_run(struct mb_auto *a, size_t point, int ok, const double *values);

/* Is the point done (met or capped)? */
int mb_auto_done(const struct mb_auto *a, size_t point);

/* "met", "cap", "open". */
const char *mb_auto_state_name(enum mb_auto_state st);

/* One line on a point: "met after 4 runs (4 ok): total_time_ms +-3.1 %, downtime_ms
 * +-8.2 % (target +-10 %)". */
void mb_auto_describe(const struct mb_auto *a, size_t point, char *buf, size_t len);

#endif
