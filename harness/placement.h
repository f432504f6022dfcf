/* placement.h — where a migrating VM goes when more than one destination may take it:
 * the paper's workload-aware placement (Table 3 and its decision module).
 *
 * Each candidate destination already runs a resident VM with some workload
 * (placement.hosts: "hostB=jbb,hostC=iozone").  Co-locating two workloads costs both:
 * the co-location matrix holds, for a migrating workload w and a resident workload x,
 * the performance the two lost together (colocation_loss_pct of a Table 3 campaign:
 * the migrating VM's loss after it landed plus the resident's loss), averaged over
 * that campaign's ok rows.  The workload-aware policy sends a VM where that loss is
 * least; the random policy picks a candidate from the run id, so a campaign is
 * reproducible and the two policies can be compared on the same runs. */
#ifndef MB_PLACEMENT_H
#define MB_PLACEMENT_H

#include <stddef.h>

#include "lib/error.h"

#define MB_PLACEMENT_MAX_HOSTS 16
#define MB_PLACEMENT_MAX_WL    16

/* placement.hosts, parsed. */
struct mb_placement_hosts {
    size_t n;
    char host[MB_PLACEMENT_MAX_HOSTS][64];     /* a testbed host's name */
    char workload[MB_PLACEMENT_MAX_HOSTS][32]; /* its resident's workload */
};

/* Parse "HOST=WORKLOAD[,HOST=WORKLOAD...]" (spaces around the items allowed).  Each
 * workload must be in the NULL-terminated list `workloads`; a host may appear once;
 * at most MB_PLACEMENT_MAX_HOSTS items.  Returns 0, or MB_EINPUT with err saying what
 * is wrong at which item (the key is the caller's to name). */
int mb_placement_parse_hosts(const char *spec, const char *const *workloads,
                             struct mb_placement_hosts *out, struct mb_error *err);

/* The co-location matrix: loss[i][j] for migrating workload name[i] next to resident
 * workload name[j], in percentage points (NAN = not measured); n[i][j] the runs behind
 * it. */
struct mb_placement_matrix {
    size_t nwl;
    char name[MB_PLACEMENT_MAX_WL][32];
    double loss[MB_PLACEMENT_MAX_WL][MB_PLACEMENT_MAX_WL];
    size_t n[MB_PLACEMENT_MAX_WL][MB_PLACEMENT_MAX_WL];
    size_t rows;      /* ok rows that gave a cell */
    char source[512]; /* the paths it was read from, for provenance */
};

/* Add one observation (pure; the reader and the tests use it). */
void mb_placement_matrix_add(struct mb_placement_matrix *m, const char *migrating,
                             const char *resident, double loss_pct);

/* The mean loss of a cell, NAN when never observed. */
double mb_placement_matrix_get(const struct mb_placement_matrix *m, const char *migrating,
                               const char *resident);

/* Read every raw.csv under each path (itself, DIR/raw.csv, DIR/STAR/raw.csv,
 * DIR/STAR/STAR/raw.csv, as mb_strategy_learn does): rows with status ok and the columns
 * workload, colocated_workload and colocation_loss_pct all non-empty add a cell.  The
 * matrix starts empty.  Returns 0, or MB_EINPUT / MB_EIO with err naming the file (a
 * path with no raw.csv under it, a malformed file, or no usable row at all). */
int mb_placement_learn(const char *const *paths, size_t npaths, struct mb_placement_matrix *m,
                       struct mb_error *err);

/* workload-aware: the index of the candidate whose resident workload costs the least
 * next to `migrating` according to m; candidates whose cell was never measured come
 * after every measured one; ties go to the earlier candidate.  Returns -1 when there
 * are no candidates. */
int mb_placement_choose(const struct mb_placement_matrix *m, const char *migrating,
                        const struct mb_placement_hosts *h);

/* random: a candidate index from a run id (FNV-1a of the id, mixed by the SplitMix64
 * finaliser, modulo n): stable across runs and machines, and not a function of the
 * repetition's parity.  Returns -1 when there are no candidates. */
int mb_placement_random(const char *run_id, const struct mb_placement_hosts *h);

#endif
