/* progress.h — progress of a campaign: a one-line bar with an ETA on a terminal,
 * plain log lines otherwise (CI logs), nothing with quiet.  The ETA starts from the
 * plan's estimate and follows the measured pace once runs finish. */
#ifndef MB_PROGRESS_H
#define MB_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum mb_progress_mode { MB_PROGRESS_AUTO, MB_PROGRESS_BAR, MB_PROGRESS_LINES, MB_PROGRESS_QUIET };

struct mb_progress {
    FILE *out;
    enum mb_progress_mode mode; /* AUTO resolved to BAR or LINES at init */
    size_t total, done, failed, skipped;
    double estimate_s; /* the plan's estimate for the runs still to do at start */
    double start;      /* mb_now_mono() at init */
    double work_s;     /* seconds spent on finished runs (not skipped ones) */
    double est_done;   /* the estimates of those runs, when given (mb_progress_run_start) */
    double run_est;    /* the estimate of the run under way */
    double last_draw;
    bool bar_drawn;
};

/* Start: total runs, of which skipped are already done (resume), and the plan's
 * estimate for the rest. */
void mb_progress_init(struct mb_progress *p, FILE *out, enum mb_progress_mode mode, size_t total,
                      size_t skipped, double estimate_s);

/* A run starts: its label ("fig2 point 3/6 rep 2/5") and the plan's estimate of it
 * (seconds; 0 = none).  With estimates the ETA scales what is left by how the runs done
 * compared with theirs, so that heavier points later in a campaign (more VMs, more
 * memory) weigh as they should; without, every run left counts as the mean run done. */
void mb_progress_run_start(struct mb_progress *p, const char *label, double estimate_s);

/* A run ended after seconds, ok or not, with a short outcome ("ok 1.2 s, downtime 45 ms"). */
void mb_progress_run_end(struct mb_progress *p, bool ok, double seconds, const char *outcome);

/* A message that must not be lost in the bar (warnings, errors). */
void mb_progress_note(struct mb_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Seconds left: the measured pace once a run finished, the estimate before. */
double mb_progress_eta(const struct mb_progress *p);

/* Final line. */
void mb_progress_finish(struct mb_progress *p);

#endif
