/* run.h — one run of a campaign as named phases over one state, for runner.c (the
 * campaign) and the unit tests (which drive the phases through the fake backends).
 *
 *   mb_run_prepare           the point, the hosts, the guests and their addresses
 *   mb_run_boot              every guest's domain created on its host
 *   mb_run_start_guests      each guest reached over SSH, its agents and workload started
 *   mb_run_reserve_dest      the destination's placeholders, then the competing tenant
 *   mb_run_baseline          warm-up and the workload's reference window
 *   mb_run_reserve_source    the source's CPU cap and balloon, and the monitor's check
 *   mb_run_hop               one hop: the batch migrates (probe, verify, statuses, rows);
 *                            the last one stops the workloads before it verifies
 *                            (mb_run_fetch)
 *   mb_run_collect           the workloads' series into the rows
 *   mb_run_teardown          everything destroyed, the rows appended to raw.csv
 *
 * mb_run_one does them in that order.  Migrating VMs and resident VMs are the same
 * struct mb_run_vm, booted and started by the same code: a run's guests are one array,
 * the migrating VMs first. */
#ifndef MB_RUN_H
#define MB_RUN_H

#include "guest.h"
#include "hypervisor.h"
#include "lib/progress.h"
#include "metadata.h"
#include "monitor.h"
#include "placement.h"
#include "plan.h"
#include "probe.h"
#include "remote.h"
#include "reservation.h"
#include "results.h"
#include "runner.h"
#include "scenario.h"
#include "strategy.h"
#include "testbed.h"
#include "validate.h"
#include "workload.h"

#define MB_RUN_DOM_PREFIX "mbr-" /* every domain the runner starts; stale ones are its own */
#define MB_RUN_MAX_VMS    MB_VALIDATE_MAX_VMS /* validate.c refuses more */

/* After a migration the integrity checker sweeps its pages (memcheck -w): how long the
 * guest waits for the sweep, seconds (a quarter of a 4 GiB guest under TCG fits). */
#define MB_RUN_SWEEP_WAIT_S 20
/* The cap check: a guest burns MB_GUEST_CAP_BURN_S seconds; the monitor measures it
 * without the burn's first and last MB_RUN_CAP_EDGE_S (start-up, and the sample that
 * brackets its end), and the runner waits for the burn to end, and a little. */
#define MB_RUN_CAP_EDGE_S 0.6
#define MB_RUN_CAP_WAIT_S (MB_GUEST_CAP_BURN_S + 0.5)
/* A balloon alone is checked over the seconds after it reached its size, its first
 * left out (run_reserve.c): this long after, a sample or two of the monitor's lie in
 * the window, and the first one after it closes it. */
#define MB_RUN_BALLOON_WAIT_S 1.6

/* A guest's state saved right after its first boot (vms.start: restore): the domain
 * XML it was booted from, on host, and the state file (guest.disk_dir). */
struct mb_saved_guest {
    int host;
    char *xml;
    char *path;
};

/* A campaign's state the runs share. */
struct mb_campaign {
    const struct mb_runner_opts *o;
    struct mb_scenario *s;
    struct mb_plan *plan;
    struct mb_testbed *tb;
    struct mb_results *res;
    struct mb_meta_host *meta;
    struct mb_hv **hv; /* per host, main thread, opened on first use */
    char **done_ids;   /* sorted run ids already in raw.csv (resume) */
    size_t ndone;
    int lock_fd;
    struct mb_progress prog;
    struct mb_strategy_model model;     /* the adaptive strategy's, alpha 0 = none */
    const char *dir;                    /* the results directory */
    struct mb_monitor *mon;             /* host and VM usage into monitor.csv; NULL = none */
    struct mb_monitor_host *mon_hosts;  /* the monitor's hosts and their SSH targets: */
    struct mb_remote_target *mon_ssh;   /* borrowed by it until mb_monitor_free */
    int adaptive;                       /* some point uses it */
    char why[300];                      /* the current run's first failure, for its progress line */
    struct mb_placement_matrix *matrix; /* workload-aware placement's; NULL = none read */
    struct mb_run_phases *phases;       /* where each run's phase times add up (the summary's) */
    struct mb_auto *autorep;            /* repeat: auto's judge; NULL = a fixed repeat */
    struct mb_saved_guest *saved;       /* vms.start restore: the states saved so far */
    size_t nsaved;
    int no_save; /* restore cannot be had here (said once): guests boot from then on */
};

/* One guest of a run: a migrating VM, or a resident VM on a candidate destination. */
struct mb_run_vm {
    int n;          /* guest number: address */
    char name[32];  /* domain name */
    char label[16]; /* "vm1" / "res1": its name in raw.csv */
    char ip[16];
    int host;                      /* where it boots (-1 = not a testbed host) */
    int vcpus;                     /* its vCPUs */
    int resident;                  /* a resident VM: no agents, not migrated */
    const struct mb_wl_driver *wl; /* its workload's driver; NULL = none runs */
    const char *wl_name;           /* resident: its workload's name */
    int started;                   /* the domain was created */
    int restored;                  /* ... from a saved state */
    char *save_xml;                /* booted to be saved once it answers (its XML); or NULL */
    int reachable;                 /* answered over SSH after boot */
    struct mb_remote *ssh;         /* its session: the one that answered after boot, kept */
    double cap_applied;            /* % of one CPU per vCPU, NAN when not set */
    double balloon_kib;            /* NAN when not set */
    double reserved_at;            /* wall time the source reservation was in place */
    double burn_at;                /* wall time the cap check's burn began; NAN = none */
    struct mb_monitor_check cap_check, balloon_check;
    double cap_measured; /* the monitor's measure of the cap, % of one CPU per vCPU */
    int cap_checked, balloon_checked;
    long long bad_seen; /* lost writes the checker had counted before this hop */
    int wl_started;
    double wl_t0;                /* wall-clock time its series' t = 0 maps to */
    struct mb_wl_client *client; /* web: the load client on this machine */
    double *win;                 /* per hop: the VM's migration window, wall clock */
    char error[700];             /* what went wrong before the migrations: in every row */
    /* its workload stopped and its series fetched (mb_run_fetch): the series, or NULL
     * with fetch_why saying why */
    int fetched;
    struct mb_series *series;
    char fetch_why[1200];
    /* the current hop; reset before each */
    int batch; /* wave of the strategy (1-based) */
    int k;     /* VMs migrating at once in this hop */
    struct mb_migration mig;
    int migrated; /* a migration was attempted */
    struct mb_probe_result probe;
    int probed;
    char integrity[12]; /* ok | corrupt | unchecked */
    char status[12];
    char herror[700]; /* what went wrong in this hop */
};

/* One run's state, from mb_run_prepare to mb_run_teardown. */
struct mb_run_state {
    struct mb_campaign *c;
    const struct mb_run *run;
    struct mb_point pt;
    char id[MB_RESULTS_RUN_ID_SIZE];
    int src, dst;
    int nvms, nhops;
    struct mb_run_vm *guests; /* nvms migrating VMs, then nres residents */
    struct mb_run_vm *vms, *res;
    int nres, res_dst; /* the resident on the destination, -1 = none */
    struct mb_placement_hosts cand;
    const char *policy; /* placement policy, NULL = no placement */
    const struct mb_wl_driver *wl;
    double wl_max_s; /* the workloads end by themselves after this */
    struct mb_rsv *rsv, *tenant;
    double base0, base1; /* the baseline window, wall clock */
    int capped;          /* some VM has a CPU cap on the source */
    struct mb_results_row **rows;
    size_t nrows;
    int all_ok;
    double mark_wall, mark_cpu; /* where the phase under way began (monotonic, CPU) */
};

/* ---- the campaign's shared helpers (run.c) --------------------------------------- */

/* Whether the campaign was asked to stop. */
int mb_campaign_stopped(const struct mb_campaign *c);
/* Sleep ms, waking early when the campaign is stopped. */
void mb_campaign_nap(const struct mb_campaign *c, double ms);
/* Host h's connection (opened on first use through the injected ops). */
int mb_campaign_hv(struct mb_campaign *c, int h, struct mb_hv **out, struct mb_error *err);
/* Drop host h's connection after an error, so the next use reconnects. */
void mb_campaign_hv_reset(struct mb_campaign *c, int h);
/* Charge the time since the run's mark, wall and CPU, to phase p; the next phase begins. */
void mb_run_phase_end(struct mb_run_state *st, enum mb_run_phase p);

/* ---- a guest's session (run.c) ----------------------------------------------------- */

/* Keep the first cause: later errors of the run (error) or of the hop (herror) are not
 * written over it. */
void mb_run_vm_error(struct mb_run_vm *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mb_run_hop_error(struct mb_run_vm *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Do fn over the VM's kept session.  When that session has broken (a transport error,
 * MB_EENV, not the command's), one new session is opened and fn done once more: only
 * for what may be done twice. */
int mb_run_vm_do(const struct mb_campaign *c, struct mb_run_vm *v,
                 int (*fn)(struct mb_remote *r, void *arg, struct mb_error *e), void *arg,
                 struct mb_error *e);
/* Run cmd in the VM through mb_run_vm_do; *out (may be NULL) gets its stdout.  timeout_s,
 * sized for an ordinary guest, is stretched by mb_guest_time_scale. */
int mb_run_vm_run(const struct mb_campaign *c, struct mb_run_vm *v, const char *cmd,
                  double timeout_s, char **out, struct mb_error *e);

/* ---- the phases ------------------------------------------------------------------- */

/* Fill st for run: its point, source and destination (placement chooses), the guests'
 * names and addresses.  Never fails: what is wrong is each guest's error. */
void mb_run_prepare(struct mb_campaign *c, const struct mb_run *run, struct mb_run_state *st);
/* Create every guest's domain on its host (run.c). */
void mb_run_boot(struct mb_run_state *st);
/* Start guest v on hv (its host) from its domain XML: from the state saved of the same
 * XML on that host when vms.start is restore and there is one, else booted (and, with
 * restore, marked to be saved once it answers) (run_saved.c). */
int mb_run_guest_create(struct mb_run_state *st, struct mb_run_vm *v, struct mb_hv *hv,
                        const char *xml, struct mb_error *err);
/* After v's first boot answered (its SSH session closed): save its state, restore it,
 * and reach it again over SSH into v->ssh.  A failed save leaves the guest running and
 * the campaign booting guests from then on (a warning); a failed restore is an error
 * (run_saved.c). */
int mb_run_guest_save(struct mb_run_state *st, struct mb_run_vm *v, double boot_timeout,
                      struct mb_error *err);
/* Remove the campaign's state files (run_saved.c). */
void mb_run_saved_free(struct mb_campaign *c);
/* Reach every started guest, start its agents (migrating VMs) and its workload; a
 * resident that does not run fails the run's VMs (run.c). */
void mb_run_start_guests(struct mb_run_state *st);
/* The destination's placeholders, then the competing tenant (run.c). */
void mb_run_reserve_dest(struct mb_run_state *st);
/* Warm-up, then the baseline window (st->base0, st->base1). */
void mb_run_baseline(struct mb_run_state *st);
/* The source reservation (CPU cap, balloon), then what the monitor measured of it
 * (run_reserve.c). */
void mb_run_reserve_source(struct mb_run_state *st);
/* Hop hop (1-based): the batch migrates by its strategy, watched by the probe; the
 * window after; the guests' verdicts; each VM's status and row (run_migrate.c). */
void mb_run_hop(struct mb_run_state *st, int hop);
/* Migrate every reachable VM of vms from host src to dst by the point's strategy (one
 * thread per VM migrating at once, each with its own connections); returns the batch's
 * makespan in ms (NAN when none migrated) (run_migrate.c). */
double mb_run_migrate_batch(struct mb_run_state *st, int src, int dst, int capped);
/* Whether the point's migrating VMs run the integrity checker (run.c). */
int mb_run_checks(const struct mb_point *pt);
/* Each reachable guest's integrity verdict after a hop, from a sweep of its checker
 * (run_migrate.c). */
void mb_run_verify(struct mb_run_state *st);
/* Stop every guest's workload (and load client) and fetch its series, once the last
 * hop's window after has ended: nothing is measured from then on, and the integrity
 * sweep that follows gets guests that are no longer busy (run_rows.c). */
void mb_run_fetch(struct mb_run_state *st);
/* The workloads' series against the baseline and each hop's window, fetching those not
 * fetched yet (run_rows.c). */
void mb_run_collect(struct mb_run_state *st);
/* Destroy every guest and placeholder, append the rows (unless stopped: MB_EINTR), and
 * free st.  Returns 0 or a negative status when raw.csv cannot be written. */
int mb_run_teardown(struct mb_run_state *st, struct mb_error *err);

/* Carry out one run: the phases above.  Returns 0 when its rows were recorded (whatever
 * their status: *all_ok says whether each was ok), MB_EINTR when the campaign was
 * stopped (nothing recorded), or a negative status when results cannot be written. */
int mb_run_one(struct mb_campaign *c, const struct mb_run *run, int *all_ok, struct mb_error *err);

/* ---- rows (run_rows.c) ------------------------------------------------------------ */

/* The rows of hop `hop` (from -> to, between wall times t0 and t1), one per VM, added
 * to st->rows. */
void mb_run_hop_rows(struct mb_run_state *st, int from, int to, int hop, double makespan, double t0,
                     double t1);

#endif
