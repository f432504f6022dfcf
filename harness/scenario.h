/* scenario.h — scenario files: one experiment, declared in YAML, checked against the
 * option table (options.h).  A list where a single value is expected makes that key
 * a factor; factors combine as a cross product, except those tied by `zip`, which
 * advance together. */
#ifndef MB_SCENARIO_H
#define MB_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"
#include "options.h"

/* One value of a key, as written and as a number in base units. */
struct mb_value {
    char *text;                  /* as written (trimmed) */
    double num;                  /* bytes, ms, %, bytes/s, count, 0/1; 0 for strings */
    struct mb_strategy strategy; /* MB_OPT_STRATEGY */
    int line, column;            /* where this level was written; 0 when defaulted */
};

/* A point-scope key with its level(s); defaults included. */
struct mb_setting {
    const struct mb_option *opt;
    struct mb_value *levels;
    size_t nlevels;
    int is_factor;    /* written as a list */
    int zip_group;    /* index into zip groups, or -1 */
    int line, column; /* where it was set; 0 when defaulted */
};

struct mb_plot {
    char *x;  /* a factor key */
    char **y; /* metric names */
    size_t ny;
    char *kind;   /* line | bars | real-vs-computed | heatmap */
    char *title;  /* NULL = derived */
    char *series; /* optional second factor drawn as separate lines */
};

/* The most keys a profile may set. */
#define MB_SCENARIO_PROFILE_KEYS 16

struct mb_scenario {
    char *path;
    /* scenario-scope keys (offsets in the option table point here) */
    const char *name, *description, *paper, *claim, *testbed, *order;
    const char *history; /* migration.history: earlier results for the adaptive strategy */
    const char *matrix;  /* placement.matrix: earlier Table 3 results for workload-aware */
    /* profile (profile.h): "none" or a profile's name, where the file wrote it (0 when not),
     * and the keys it set because the file did not (borrowed from the option table) */
    const char *profile;
    int profile_line, profile_column;
    const char *profile_keys[MB_SCENARIO_PROFILE_KEYS];
    size_t nprofile_keys;
    int64_t repeat, trim, seed;
    /* repeat: auto (repeat then holds max_runs, the cap): a point runs until its intervals
     * are within +-precision_pct % of the mean (plan.h: struct mb_auto) */
    int repeat_auto;
    double precision_pct;
    int64_t min_runs, max_runs;
    /* point-scope keys, one setting per option in table order */
    struct mb_setting *settings;
    size_t nsettings;
    /* factors (settings written as lists), in the order they appear in the file */
    size_t *factors;
    size_t nfactors;
    size_t nzip;
    struct mb_plot *plots;
    size_t nplots;
    /* storage for the scenario-scope strings */
    char **strings;
    size_t nstrings;
};

/* Read and validate a scenario file.  Returns a new scenario (mb_scenario_free) or
 * NULL with err set: file:line:column, what was expected, a suggestion for a
 * misspelt key. */
struct mb_scenario *mb_scenario_load(const char *path, struct mb_error *err);

/* Same, from memory (name is used in messages); for tests and the fuzzer. */
struct mb_scenario *mb_scenario_load_mem(const char *name, const char *data, size_t len,
                                         struct mb_error *err);

void mb_scenario_free(struct mb_scenario *s);

/* The setting of a point-scope key, or NULL. */
const struct mb_setting *mb_scenario_setting(const struct mb_scenario *s, const char *key);

/* Fill p with the values at the given level of every setting: level[i] is the
 * level index of settings[i] (0 for non-factors). */
void mb_scenario_point(const struct mb_scenario *s, const size_t *level, struct mb_point *p);

#endif
