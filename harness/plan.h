/* plan.h — a scenario expanded into runs: every point (one level of each factor;
 * zipped factors advance together) times the repetitions, in the scenario's order,
 * each run with a stable id so results can be resumed and compared. */
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

#endif
