/* runner.h — a campaign: every run of a scenario's plan carried out on a testbed, with
 * real live migrations, and recorded in a results directory.
 *
 * Per run: the VMs boot on the source; the guest agents start (UDP echo for the
 * downtime probe, the memory-integrity checker, the workload); warm-up and baseline;
 * the source reservation (CPU cap, balloon); the batch migrates by its strategy while
 * the probe watches; the window after; the guests are checked (reachable, no lost
 * write); everything is destroyed; one raw.csv row per VM is appended (the run's rows
 * in one write).  A failed or timed-out migration is a status in its row, and the
 * campaign goes on.  The run's phases are in run.h; this is the campaign around them
 * (scenario, testbed, results directory, resume, lock, sweep, monitor, metadata). */
#ifndef MB_RUNNER_H
#define MB_RUNNER_H

#include <signal.h>

#include "hypervisor.h"
#include "lib/error.h"
#include "lib/progress.h"
#include "remote.h"

struct mb_runner_opts {
    const char *scenario;   /* scenario file (ignored with resume_dir: its copy is used) */
    const char *testbed;    /* testbed reference overriding the scenario's, or NULL */
    const char *out_base;   /* results go to out_base/<scenario>/<timestamp>/ (default
                             * "results") */
    const char *resume_dir; /* finish the campaign in this results directory */
    const char *history;    /* migration.history overriding the scenario's, or NULL */
    const char *matrix;     /* placement.matrix overriding the scenario's, or NULL */
    enum mb_progress_mode progress;
    volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM: finish clean-up, then stop */
    /* the backends every connection of the campaign goes through (hypervisors, guests,
     * hosts, the monitor); NULL = the real ones (libvirt, libssh2) */
    const struct mb_hv_ops *hv_ops;
    const struct mb_remote_ops *ssh_ops;
};

/* The phases of a run, in order (run.h has what each does). */
enum mb_run_phase {
    MB_PHASE_BOOT,     /* the domains are created */
    MB_PHASE_GUESTS,   /* each guest answers SSH; agents and workloads start */
    MB_PHASE_RESERVE,  /* destination and source reservations, with the cap check */
    MB_PHASE_WINDOWS,  /* warm-up and baseline */
    MB_PHASE_PROBE,    /* the probe waits for every guest's first reply */
    MB_PHASE_MIGRATE,  /* the batch migrates */
    MB_PHASE_AFTER,    /* the window after */
    MB_PHASE_VERIFY,   /* integrity verdicts, each guest reached again */
    MB_PHASE_COLLECT,  /* workload series and results gathered */
    MB_PHASE_TEARDOWN, /* every domain destroyed, rows written */
    MB_NPHASES
};
extern const char *const mb_run_phase_names[MB_NPHASES];

/* Time spent in each phase, summed over the campaign's runs: wall clock, and this
 * process's CPU (the harness's own cost, where it goes). */
struct mb_run_phases {
    double wall_s[MB_NPHASES], cpu_s[MB_NPHASES];
    size_t runs;
};

struct mb_runner_summary {
    char dir[4096]; /* the results directory */
    size_t runs, done, skipped, failed;
    double wall_s, cpu_s; /* the campaign's wall time and this process's CPU time */
    struct mb_run_phases phases;
    int interrupted;
};

/* Run a campaign.  Returns 0 when every run was recorded (whatever its status; see
 * summary.failed), MB_EINTR when stopped by *stop, or a negative status for bad input
 * or an environment that does not work, with err set.  summary is filled as far as
 * the campaign got. */
int mb_runner_campaign(const struct mb_runner_opts *o, struct mb_runner_summary *summary,
                       struct mb_error *err);

#endif
