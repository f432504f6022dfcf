/* strategy.h — the decision module: how many VMs of a batch migrate at once.
 *
 * Fixed strategies are sequential (1 at a time), parallel (all) and parallel:K.  The
 * adaptive strategy chooses K for each batch from the source host's CPUs and a model
 * fitted to earlier results of parallel migrations (the paper's Fig. 8/9 experiments;
 * its decision module "learns from history").
 *
 * The model: a migration needs CPU on the source; one source CPU drives about alpha
 * concurrent migrations before they slow each other down.  Migrating N VMs K at a time
 * from a source with C free CPUs then takes about
 *     T(K) = ceil(N / K) * t1 * max(1, K / (alpha * C))
 * (t1: one VM alone), which is smallest near K = alpha * C.  alpha is fitted to earlier
 * parallel runs: for a run of N VMs at once on C CPUs that took `real` against t1,
 * real / t1 = N / (alpha * C) when it slowed down at all. */
#ifndef MB_STRATEGY_H
#define MB_STRATEGY_H

#include <stddef.h>

#include "lib/error.h"

#define MB_STRATEGY_MAX_SEEN 64

/* Batches the history holds: n VMs migrated k at a time from a source with cpus CPUs
 * took sum_ms / count on average (batch makespan). */
struct mb_strategy_seen {
    int n, k, cpus, count;
    double sum_ms;
};

struct mb_strategy_model {
    double alpha;     /* concurrent migrations one source CPU sustains; 0 = no model */
    size_t samples;   /* parallel runs (N > 1) the fit used */
    size_t runs;      /* runs read */
    char source[512]; /* what it was fitted to, for the results' provenance */
    struct mb_strategy_seen seen[MB_STRATEGY_MAX_SEEN];
    size_t nseen;
};

/* One observation: a batch of n VMs at once on a source with cpus CPUs took real_ms;
 * one VM alone on such a source takes single_ms. */
struct mb_strategy_obs {
    int n;
    int cpus;
    double real_ms;
    double single_ms;
};

/* Fit alpha to observations (pure; tested on its own).  Observations that did not slow
 * down (real within 5 % of single) only bound alpha from below; with no slow-down at all
 * alpha is the largest n / cpus seen.  Returns 0, or MB_EINPUT when nothing usable. */
int mb_strategy_fit(const struct mb_strategy_obs *obs, size_t n, struct mb_strategy_model *m,
                    struct mb_error *err);

/* Read earlier results: every raw.csv under each path (a results directory, or a
 * directory holding several), with the source host's CPU count from the metadata.json
 * beside it (hosts[].cpus_allowed).  Fits the model and records every batch whose
 * migrations all ended ok (mb_strategy_see; K from the strategy column: sequential 1,
 * parallel n, parallel:K and adaptive:K).  Returns 0 when either is usable, or MB_EINPUT
 * / MB_EIO with err naming the file. */
int mb_strategy_learn(const char *const *paths, size_t npaths, struct mb_strategy_model *m,
                      struct mb_error *err);

/* K for a batch of n VMs on a source with free_cpus CPUs (may be fractional): the K in
 * 1..n minimising T(K); with no model (alpha 0), one migration per free CPU. */
int mb_strategy_choose(const struct mb_strategy_model *m, int n, double free_cpus);

/* Record one batch of the history (pure; the reader and the tests use it).  Batches
 * beyond MB_STRATEGY_MAX_SEEN distinct (n, k, cpus) are dropped. */
void mb_strategy_see(struct mb_strategy_model *m, int n, int k, int cpus, double makespan_ms);

/* The decision: K for a batch of n VMs on a source with cpus CPUs of which free_cpus are
 * free of other tenants.  When the history has batches of exactly n VMs from such a
 * source with at least two different K, and the source is as free as it was then (at
 * least 3/4 of its CPUs), the K whose batches were fastest on average (ties: the smaller
 * K) — the measured answer beats the model.  Otherwise mb_strategy_choose.  *from_history
 * (may be NULL) says which of the two decided. */
int mb_strategy_decide(const struct mb_strategy_model *m, int n, int cpus, double free_cpus,
                       int *from_history);

/* The model's predicted batch time in units of t1 (for reports and tests). */
double mb_strategy_predict(const struct mb_strategy_model *m, int n, int k, double free_cpus);

#endif
