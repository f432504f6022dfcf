/* hypervisor.h — hypervisor control through libvirt: domains, live migration with its
 * job statistics, CPU caps, balloons, usage (per domain, or every domain's in one call)
 * and host provenance.
 *
 * Two layers.  struct mb_hv_ops is the boundary: one function pointer per hypervisor
 * primitive, implemented for real by mb_hv_libvirt (libvirt C API) and by a fake in the
 * unit tests.  Everything above it — the migration watchdog, the choice of where job
 * statistics come from, the cap <-> quota mapping, waiting for a balloon — is written
 * once here against the table, so the tests exercise the same code the real runs do.
 *
 * Threads: a struct mb_hv is one connection to one host and belongs to one thread at a
 * time; open one per host per thread.  The libvirt backend starts one event-loop thread
 * per process on first use (it delivers JOB_COMPLETED events and keepalives).
 *
 * Errors: every call returns 0 or a negative enum mb_status and fills err with the
 * hypervisor's own message (libvirt's virGetLastErrorMessage); libvirt never prints. */
#ifndef MB_HYPERVISOR_H
#define MB_HYPERVISOR_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"

/* ---- statistics of a finished migration job ------------------------------------- */

/* Fields of struct mb_job_stats, as bits of mb_job_stats.missing. */
enum mb_job_field {
    MB_JOB_TOTAL = 1u << 0,        /* time_elapsed */
    MB_JOB_DOWNTIME = 1u << 1,     /* downtime */
    MB_JOB_SETUP = 1u << 2,        /* setup_time */
    MB_JOB_DATA = 1u << 3,         /* data_processed */
    MB_JOB_MEMORY_TOTAL = 1u << 4, /* memory_total */
    MB_JOB_MEMORY_DATA = 1u << 5,  /* memory_processed */
    MB_JOB_DIRTY_RATE = 1u << 6,   /* memory_dirty_rate */
    MB_JOB_ITERATIONS = 1u << 7,   /* memory_iteration */
    MB_JOB_MEMORY_BPS = 1u << 8,   /* memory_bps (unreliable: ~1.3 MiB/s for fast jobs) */
    MB_JOB_ALL_FIELDS = (1u << 9) - 1,
};

/* What the hypervisor reported about a completed migration.  A field the driver did not
 * report is NAN (times, rates) or -1 (counts) and its bit is set in missing: a Xen-like
 * driver reports less than QEMU, and the results say so instead of printing zeros. */
struct mb_job_stats {
    double total_ms;      /* whole migration as the hypervisor timed it */
    double downtime_ms;   /* guest paused */
    double setup_ms;      /* before the first byte was sent */
    int64_t data_bytes;   /* bytes sent (memory, disks, device state) */
    int64_t memory_total; /* guest memory to transfer, bytes */
    int64_t memory_bytes; /* guest memory bytes sent */
    double dirty_rate;    /* pages dirtied per second, last iteration */
    int64_t iterations;   /* memory passes */
    double memory_bps;    /* transfer rate, bytes/s */
    unsigned missing;     /* enum mb_job_field bits of the fields not reported */
};

/* Set every field to "not reported". */
void mb_job_stats_init(struct mb_job_stats *s);

/* Comma-separated names of the missing fields ("setup_time,memory_bps"), "" if none,
 * into buf (truncated to size). */
void mb_job_stats_missing_names(const struct mb_job_stats *s, char *buf, size_t size);

/* ---- Xen 3.3.1's convergence rules --------------------------------------------- */

/* Xen 3.3.1 (tools/libxc/xc_domain_save.c) ends pre-copy after its 29th iteration, when
 * an iteration leaves fewer than 50 pages to send, or once it has sent 3 times the
 * guest's pages; QEMU instead ends it when the rest fits the allowed downtime.  Under
 * migration.convergence xen33 the harness applies Xen's rules from the job statistics
 * of the running migration. */
#define MB_XEN33_MAX_ITERS       29
#define MB_XEN33_MIN_DIRTY_PAGES 50
#define MB_XEN33_MAX_FACTOR      3

/* Which rule ended pre-copy (none: the hypervisor converged before any fired). */
enum mb_xen33_stop {
    MB_XEN33_NONE,
    MB_XEN33_ITERATIONS, /* 29 passes done (the one in progress is the 30th) */
    MB_XEN33_DIRTY,      /* fewer than 50 pages left dirty after the first pass */
    MB_XEN33_SENT,       /* memory sent exceeds 3 times the guest's memory */
};

/* A sample of a running migration's statistics; -1 where not reported. */
struct mb_job_progress {
    int64_t iterations;   /* memory passes begun (QEMU's dirty-bitmap syncs; the first is 1) */
    int64_t memory_total; /* guest memory, bytes */
    int64_t memory_bytes; /* guest memory bytes sent so far */
    int64_t remaining;    /* guest memory bytes still dirty */
    int64_t page_size;    /* bytes */
};

/* Set every field of p to "not reported". */
void mb_job_progress_init(struct mb_job_progress *p);

/* Whether Xen 3.3.1 would end pre-copy at this sample, and by which rule (the first that
 * holds, in the order above).  A rule whose figures are not reported never fires. */
enum mb_xen33_stop mb_xen33_decide(const struct mb_job_progress *p);

/* "iterations", "dirty", "sent", "none". */
const char *mb_xen33_stop_name(enum mb_xen33_stop s);

/* The downtime limit that ends pre-copy under xen33: QEMU's largest (2000 s).  With it the
 * next check QEMU makes (every pass, at least every 100 ms) finds that the rest fits, and
 * it pauses the guest and sends what is left: the stop-and-copy Xen did. */
#define MB_HV_SWITCHOVER_DOWNTIME_MS 2000000ULL

/* How often the running job's statistics are read under xen33. */
#define MB_XEN33_POLL_S 0.2

/* The QEMU release that added the migration parameter zero-page-detection. */
#define MB_HV_ZERO_PAGES_QEMU_MAJOR 9
#define MB_HV_ZERO_PAGES_QEMU_MINOR 0

struct mb_hv_host_info;
/* Whether host_info's hypervisor ("QEMU 10.0.2") is QEMU at major.minor or later. */
bool mb_hv_qemu_at_least(const struct mb_hv_host_info *hi, int major, int minor);

/* ---- the boundary --------------------------------------------------------------- */

/* Provenance of one host. */
struct mb_hv_host_info {
    char hostname[256];
    char driver[32];     /* "QEMU", "Xen", ... */
    char hypervisor[64]; /* "QEMU 10.0.2" */
    char libvirt[32];    /* daemon's libvirt version "9.0.0" */
    char cpu_model[128]; /* host CPU model name from capabilities, or "" */
    int cpus;            /* logical CPUs */
    uint64_t memory;     /* bytes */
};

/* State of a domain (virDomainGetInfo). */
struct mb_hv_dom_info {
    char state[16]; /* "running", "paused", "shutoff", ... */
    int vcpus;
    uint64_t max_memory;  /* bytes */
    uint64_t memory;      /* bytes */
    uint64_t cpu_time_ns; /* all threads of the domain */
};

/* CPU time of a domain (monitor). -1 where not reported. */
struct mb_hv_cpu_stats {
    int64_t cpu_time_ns;  /* all threads */
    int64_t vcpu_time_ns; /* the vCPU threads only: what a cap limits */
    double when;          /* mb_now_mono() of the reading */
};

/* Memory of a domain as its balloon driver reports it, bytes; -1 where not reported. */
struct mb_hv_mem_stats {
    int64_t actual;    /* current balloon size: memory the guest has */
    int64_t available; /* guest's total usable memory */
    int64_t unused;    /* free in the guest */
    int64_t usable;    /* could be reclaimed without swapping */
    int64_t rss;       /* resident on the host */
};

/* One active domain's numbers, as the monitor samples them; -1 (or "") where the
 * driver did not report it. */
struct mb_hv_dom_stats {
    char name[128];
    char state[16];       /* "running", "paused", ... ("" = unknown) */
    int vcpus;            /* vCPUs online */
    int64_t cpu_time_ns;  /* every thread of the domain */
    int64_t vcpu_time_ns; /* the vCPU threads: what a cap limits */
    int64_t balloon;      /* bytes the guest has (balloon current) */
    int64_t balloon_max;  /* bytes at most */
    int64_t rss;          /* bytes resident on the host */
};

/* Options of one live migration. */
struct mb_hv_migrate_opts {
    const char *dest_uri;               /* libvirt URI by which the SOURCE reaches the
                                         * destination (peer-to-peer), e.g. qemu+tcp://.../system */
    unsigned long long max_downtime_ms; /* set first; 0 = the hypervisor's default (300 ms
                                         * in QEMU, which shows a second ~200 ms downtime mode) */
    unsigned long bandwidth_mibs;       /* MiB/s, 0 = unlimited */
    int parallel;                       /* parallel connections (multifd), 0 = off */
    bool auto_converge;
    const char *compression; /* "xbzrle", "mt", ... ; NULL = none */
    bool postcopy;           /* enable post-copy and switch to it after
                              * postcopy_after_s (where the driver supports it) */
    double postcopy_after_s;
    bool unsafe;          /* shared disk libvirt cannot prove shared */
    const char *dest_xml; /* domain XML for the destination; NULL = unchanged */
    double timeout_s;     /* harness watchdog: abort the job after this; 0 = none */
    bool send_zero_pages; /* QEMU's zero-page-detection none on the source first (QEMU >= 9.0) */
    bool xen33;           /* end pre-copy by Xen 3.3.1's rules (mb_xen33_decide) */
    /* when *cancel turns non-zero (set by a signal handler) the job is aborted too */
    const volatile sig_atomic_t *cancel;
};

/* Receives a JOB_COMPLETED event (called on the backend's event thread). */
typedef void (*mb_hv_job_cb)(void *opaque, const struct mb_job_stats *stats);

/* The hypervisor primitives.  Handles are the backend's own (void *).  Functions return
 * 0 or a negative enum mb_status with err filled.  lookup sets *dom = NULL (and returns
 * 0) when there is no such domain. */
struct mb_hv_ops {
    const char *name;
    int (*open)(const char *uri, void **conn, struct mb_error *err);
    void (*close)(void *conn);
    int (*host_info)(void *conn, struct mb_hv_host_info *out, struct mb_error *err);
    /* names of the active domains, NULL-terminated, caller frees each and the array */
    int (*list)(void *conn, char ***names, struct mb_error *err);
    int (*create)(void *conn, const char *xml, void **dom, struct mb_error *err);
    /* stop a running domain into a state file at path (as the host sees it), and start a
     * domain from one: NULL ops = no saved states (guests are always booted) */
    int (*save)(void *dom, const char *path, struct mb_error *err);
    int (*restore)(void *conn, const char *path, struct mb_error *err);
    int (*lookup)(void *conn, const char *name, void **dom, struct mb_error *err);
    void (*dom_free)(void *dom);
    const char *(*dom_name)(void *dom); /* valid while dom is */
    int (*destroy)(void *dom, struct mb_error *err);
    int (*info)(void *dom, struct mb_hv_dom_info *out, struct mb_error *err);
    /* migratable XML of the running domain; caller frees */
    int (*xml)(void *dom, char **out, struct mb_error *err);
    int (*set_max_downtime)(void *dom, unsigned long long ms, struct mb_error *err);
    /* blocks until the migration ends; the domain then runs on the destination */
    int (*migrate)(void *dom, const struct mb_hv_migrate_opts *o, struct mb_error *err);
    int (*abort_job)(void *dom, struct mb_error *err);
    int (*start_postcopy)(void *dom, struct mb_error *err);
    /* the statistics of dom's running job (fields -1 when there is none yet); NULL op = not
     * available (xen33 then cannot be applied) */
    int (*job_progress)(void *dom, struct mb_job_progress *out, struct mb_error *err);
    /* a QMP command to dom's QEMU (libvirt-qemu's virDomainQemuMonitorCommand); *reply
     * is the JSON answer (caller frees).  NULL op = no QEMU monitor */
    int (*qemu_monitor)(void *dom, const char *cmd, char **reply, struct mb_error *err);
    /* the last completed job of a domain (call on the migration's destination) */
    int (*completed_job)(void *dom, struct mb_job_stats *out, struct mb_error *err);
    /* deliver dom's JOB_COMPLETED events to cb until unwatch(conn, *id); release(opaque)
     * is called once the backend will call cb no more (never when watch_job fails) */
    int (*watch_job)(void *conn, void *dom, mb_hv_job_cb cb, void *opaque,
                     void (*release)(void *opaque), int *id, struct mb_error *err);
    void (*unwatch_job)(void *conn, int id);
    /* vcpu_period (µs) and vcpu_quota (µs, < 0 = unlimited) */
    int (*get_vcpu_bw)(void *dom, unsigned long long *period, long long *quota,
                       struct mb_error *err);
    int (*set_vcpu_bw)(void *dom, unsigned long long period, long long quota, struct mb_error *err);
    int (*set_memory)(void *dom, uint64_t kib, struct mb_error *err);
    int (*memory_stats)(void *dom, struct mb_hv_mem_stats *out, struct mb_error *err);
    int (*cpu_stats)(void *dom, struct mb_hv_cpu_stats *out, struct mb_error *err);
    /* every active domain's numbers in one call, not waiting for a domain busy with a
     * job: *out an array of *n (caller frees it).  *out = NULL (and 0 returned) when the
     * driver has no bulk statistics; NULL op = never has: mb_hv_dom_stats_all then reads
     * each domain through the ops above */
    int (*dom_stats_all)(void *conn, struct mb_hv_dom_stats **out, size_t *n, struct mb_error *err);
};

/* The libvirt backend. */
extern const struct mb_hv_ops mb_hv_libvirt;

/* Stop the libvirt backend's event-loop thread, once every connection is closed, before
 * the process exits: a connection over SSH finishes closing on that thread, and must not
 * race the exit handlers of the crypto library.  No-op when it never started. */
void mb_hv_shutdown(void);

/* Job statistics from libvirt typed parameters (a JOB_COMPLETED event's, or
 * virDomainGetJobStats'); exposed for the unit tests. */
struct _virTypedParameter;
void mb_hv_libvirt_job_stats(struct _virTypedParameter *params, int n, struct mb_job_stats *out);

/* One domain's numbers from the typed parameters of a virConnectGetAllDomainStats
 * record (state, cpu.time, vcpu.current, vcpu.N.time, balloon.*); the name is left
 * as it was, fields not reported are -1.  Exposed for the unit tests. */
void mb_hv_libvirt_dom_stats(struct _virTypedParameter *params, int n, struct mb_hv_dom_stats *out);

/* ---- connections and domains ---------------------------------------------------- */

struct mb_hv;     /* a connection to one host's hypervisor */
struct mb_hv_dom; /* a domain on a connection */

/* Connect to uri through ops (NULL = mb_hv_libvirt).  Sets *out on success; close with
 * mb_hv_close. */
int mb_hv_open(const struct mb_hv_ops *ops, const char *uri, struct mb_hv **out,
               struct mb_error *err);
void mb_hv_close(struct mb_hv *hv);
const char *mb_hv_uri(const struct mb_hv *hv);

int mb_hv_host_info(struct mb_hv *hv, struct mb_hv_host_info *out, struct mb_error *err);

/* Active domains' names: *out is a NULL-terminated array; free with mb_hv_names_free. */
int mb_hv_list(struct mb_hv *hv, char ***out, struct mb_error *err);
void mb_hv_names_free(char **names);

/* Start a transient domain from XML (virDomainCreateXML). */
int mb_hv_dom_create(struct mb_hv *hv, const char *xml, struct mb_hv_dom **out,
                     struct mb_error *err);
/* Whether hv's backend saves and restores domains; save stops d (it is gone once it
 * returns 0) into a state file at path as hv's host sees it; restore starts the domain
 * a state file holds, under the name it was saved with. */
int mb_hv_can_save(const struct mb_hv *hv);
int mb_hv_dom_save(struct mb_hv_dom *d, const char *path, struct mb_error *err);
int mb_hv_restore(struct mb_hv *hv, const char *path, struct mb_error *err);
/* The running domain called name: *out = NULL (and 0 returned) when there is none. */
int mb_hv_dom_lookup(struct mb_hv *hv, const char *name, struct mb_hv_dom **out,
                     struct mb_error *err);
void mb_hv_dom_free(struct mb_hv_dom *d);
const char *mb_hv_dom_name(const struct mb_hv_dom *d);
int mb_hv_dom_destroy(struct mb_hv_dom *d, struct mb_error *err);
int mb_hv_dom_info(struct mb_hv_dom *d, struct mb_hv_dom_info *out, struct mb_error *err);
int mb_hv_dom_cpu(struct mb_hv_dom *d, struct mb_hv_cpu_stats *out, struct mb_error *err);
int mb_hv_dom_memory(struct mb_hv_dom *d, struct mb_hv_mem_stats *out, struct mb_error *err);

/* Every active domain's numbers on hv: one bulk call where the backend has one
 * (dom_stats_all), else, or once the backend said it has none (remembered for this
 * connection), per domain: list, then info, cpu and memory of each (a domain gone
 * meanwhile is left out, a figure it fails to give is -1).  *out is an array of *n
 * (caller frees it); *bulk says which way it was read.  An error (of the bulk call or
 * of the list) means the connection is not usable: the caller reconnects. */
int mb_hv_dom_stats_all(struct mb_hv *hv, struct mb_hv_dom_stats **out, size_t *n, bool *bulk,
                        struct mb_error *err);

/* ---- migration ------------------------------------------------------------------ */

enum mb_mig_status { MB_MIG_OK, MB_MIG_FAILED, MB_MIG_TIMEOUT };

/* Where a result's job statistics came from. */
enum mb_stats_source {
    MB_STATS_NONE,        /* nothing: failed migration, or a driver without statistics */
    MB_STATS_EVENT,       /* the source's JOB_COMPLETED event */
    MB_STATS_DESTINATION, /* virDomainGetJobStats(COMPLETED) on the destination */
};

/* One migration, as data: a failure or timeout is a status, not an error. */
struct mb_migration {
    enum mb_mig_status status;
    double wall_start, wall_end; /* mb_now_wall() around the migration call */
    double seconds;              /* monotonic duration of the call */
    struct mb_job_stats stats;
    enum mb_stats_source stats_source;
    bool aborted;         /* the watchdog called abort_job */
    bool interrupted;     /* ... because *cancel was set (status failed) */
    bool postcopy;        /* switched to post-copy (opts.postcopy, and the switch worked) */
    bool zero_pages_sent; /* zero-page-detection none was in force (opts.send_zero_pages) */
    enum mb_xen33_stop xen33_stop;   /* opts.xen33: the rule that ended pre-copy */
    struct mb_job_progress xen33_at; /* ... and the sample it fired on */
    int xen33_polls;                 /* job statistics read under xen33 */
    double xen33_poll_s;             /* the time those reads took, in all */
    double xen33_switch_s;           /* the downtime limit's raise took this long ... */
    double xen33_stop_after_s;       /* ... and the migration ended this long after the poll
                                      * that fired (NAN when none did) */
    char error[1024];                /* the hypervisor's message when not ok */
};

const char *mb_mig_status_name(enum mb_mig_status s);
const char *mb_stats_source_name(enum mb_stats_source s);

/* Live-migrate d (on its source connection) to the host of dst (used only to read the
 * statistics there if the event does not come; the hypervisor uses o->dest_uri).
 * Order: max downtime, zero-page detection off (o->send_zero_pages: refused, as a failed
 * migration, where the source's QEMU is older than 9.0), watch JOB_COMPLETED, start the
 * watchdog (timeout, post-copy, and under o->xen33 a poll of the job statistics every
 * MB_XEN33_POLL_S that raises the downtime limit once a rule fires), migrate, then the
 * event's statistics or else the destination's.  Always fills *res.  Returns 0 when the
 * migration ran (whatever its status: see res->status), or a negative status when it
 * could not be attempted (bad options). */
int mb_hv_migrate(struct mb_hv_dom *d, struct mb_hv *dst, const struct mb_hv_migrate_opts *o,
                  struct mb_migration *res, struct mb_error *err);

/* d's XML with its <cputune> removed, for VIR_MIGRATE_PARAM_DEST_XML: a CPU cap is part
 * of the live XML and would otherwise travel to the destination.  Caller frees. */
int mb_hv_dest_xml_uncapped(struct mb_hv_dom *d, char **out, struct mb_error *err);

/* xml without its first <cputune>...</cputune> element (a copy when there is none). */
char *mb_hv_xml_drop_cputune(const char *xml);

/* ---- reservation knobs ---------------------------------------------------------- */

/* CPU caps are in percent of ONE host CPU for the whole domain, as Xen's credit
 * scheduler cap (the paper's knob): 50 = half a CPU shared by all vCPUs, 0 = no cap.
 * libvirt's vcpu_quota is per vCPU, so the quota is split evenly over the vCPUs. */
#define MB_HV_CAP_PERIOD_US 100000ULL
#define MB_HV_QUOTA_MIN_US  1000LL /* the kernel's (and libvirt's) smallest quota */

/* The vcpu_quota for a cap (percent, 0 = no cap -> -1 = unlimited); 0 when the cap is
 * impossible (negative, or a quota under MB_HV_QUOTA_MIN_US). */
long long mb_hv_cap_to_quota(double percent, int vcpus, unsigned long long period);
/* The cap a quota means: percent of one CPU, 0 for no cap (quota <= 0). */
double mb_hv_quota_to_cap(long long quota, int vcpus, unsigned long long period);

/* Set a live CPU cap and read it back into *applied (percent; 0 = none). */
int mb_hv_set_cpu_cap(struct mb_hv_dom *d, double percent, double *applied, struct mb_error *err);
int mb_hv_get_cpu_cap(struct mb_hv_dom *d, double *percent, struct mb_error *err);

/* Balloon outcome: filled whether or not the target was reached. */
struct mb_balloon {
    uint64_t target; /* bytes asked */
    int64_t reached; /* last balloon size seen (bytes), -1 if never reported */
    double seconds;  /* from the request to reaching it (or giving up) */
    bool ok;
};

/* Set the live balloon target (rounded down to KiB) and wait until the balloon driver
 * reports it (within 1 MiB), then until the domain's size (info, and the monitor's bulk
 * statistics) reads it too: libvirt updates that figure from QEMU's BALLOON_CHANGE
 * events, which QEMU sends at most once a second, so it can lag the driver by a second
 * or more on a loaded host.  Past timeout_s, MB_EFAILED; res tells how far it got. */
int mb_hv_set_balloon(struct mb_hv_dom *d, uint64_t bytes, double timeout_s, struct mb_balloon *res,
                      struct mb_error *err);

#endif
