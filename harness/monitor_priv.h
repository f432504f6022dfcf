/* monitor_priv.h — what the monitor's files share, and no other module sees (monitor.h
 * is the monitor's interface): its state (hosts, entities, the records kept for the
 * figures), one reading of a host or VM, and the functions that pass between them.
 *
 *   monitor.c         life cycle, the sampling threads and their ticks, monitor.csv
 *   monitor_parse.c   a host's text (cgroup, /proc files) into numbers
 *   monitor_read.c    the readers: a local host's files, an SSH host's agent, the VMs
 *                     through the hypervisor's ops
 *   monitor_window.c  figures over a time window, and the reservation checks
 *   monitor_lab.c     the embedded lab's host PIDs */
#ifndef MB_MONITOR_PRIV_H
#define MB_MONITOR_PRIV_H

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cgroup.h"
#include "monitor.h"
#include "lib/util.h"

/* What a series is of: a host, one of its cores, a VM. */
enum kind { K_HOST, K_CPU, K_VM };

/* One series (a host, a core or a VM, on one host) and its previous reading, for the
 * rates of monitor.csv.  Guarded by data_mu, as everything the figures read. */
struct entity {
    int host;
    enum kind kind;
    char name[128];
    double last_wall; /* of its latest sample */
    /* the previous sample, for rates */
    bool has_prev;
    double prev_mono;
    int64_t prev_cpu, prev_vcpu, prev_rx, prev_tx;
};

/* One reading kept in memory for the figures. */
struct rec {
    double wall, mono;
    unsigned long tick;
    int ent;
    int64_t cpu, vcpu, mem, rss, limit, rx, tx;
};

/* How a host's own numbers are read (monitor.h: local or ssh). */
enum source { SRC_NONE, SRC_LOCAL, SRC_SSH };

/* One host: how it is read, and the connections its readers own. */
#define MB_MONITOR_LOCAL_FILES 20 /* a host's cgroup files, /proc/stat, net/dev, meminfo */

struct host_state {
    const struct mb_monitor_host *cfg;
    enum source src;
    /* local */
    struct mb_cgroup cg; /* the host's cgroup, v1 or v2 (cgroup.h) */
    char netdev[PATH_MAX];
    char local_error[1024];
    /* the files local_read reads at every tick, kept open (mb_monitor_local_close) */
    struct open_file {
        char *path;
        int fd;
    } files[MB_MONITOR_LOCAL_FILES];
    /* ssh: the agent's session, used by its thread (or by mb_monitor_sample_now when the
     * thread does not run) */
    struct mb_monitor *m;
    struct mb_remote *ssh;
    double ssh_retry_at;
    pthread_t agent;
    bool agent_running;
    unsigned long agent_ticks;
    /* VMs */
    struct mb_hv *hv;
    double hv_retry_at;
};

/* The monitor (monitor.h). */
struct mb_monitor {
    struct mb_monitor_opts o;
    int nhosts;
    struct host_state *hosts;
    FILE *csv;
    char *csv_path;
    pthread_mutex_t sample_mu; /* one tick at a time */
    pthread_mutex_t data_mu;   /* records, entities, status, labels */
    pthread_mutex_t csv_mu;    /* lines of a tick or of an agent batch stay together */
    pthread_mutex_t stop_mu;
    pthread_cond_t stop_cv;
    bool running, stopping;
    pthread_t thread;
    struct label {
        double from; /* wall */
        char text[128];
    } * labels;
    size_t nlabels;
    struct entity *ents;
    size_t nents, ecap;
    struct rec *recs;
    size_t nrecs, rcap;
    double mono0, wall0;
    double tick_done; /* wall time the last finished tick began, every host read */
    struct mb_monitor_status st;
};

/* a host or connection that failed is tried again after this long (s) */
#define RETRY_S 5.0

/* One reading of a host, a core or a VM; counters -1 where not read. */
struct reading {
    enum kind kind;
    const char *name, *state, *source;
    double wall, mono;
    int64_t cpu, vcpu, mem, rss, limit, rx, tx;
};

/* The rate of a counter between two readings dt seconds apart, times scale; NAN when
 * either is missing or it went backwards (a restarted domain). */
static inline double mb_monitor_rate(int64_t now, int64_t prev, double dt, double scale)
{
    if (now < 0 || prev < 0 || now < prev || !(dt > 0))
        return NAN;
    return (double)(now - prev) / dt * scale;
}

/* ---- monitor.c ---- */

/* Count an error and keep its message as the last one (mb_monitor_status). */
void mb_monitor_note_error(struct mb_monitor *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Store r for host h (its entity, the record for the figures, the rates since the
 * entity's previous reading) and append its CSV line to line. */
void mb_monitor_record(struct mb_monitor *m, int h, unsigned long tick, const struct reading *r,
                       struct mb_buf *line);

/* ---- monitor_read.c ---- */

/* Append the lines of file path to out as "PATH:LINE" (the first 8 KiB); -1 when it
 * cannot be opened. */
int mb_monitor_read_file(const char *path, struct mb_buf *out);

/* Find the cgroup of pid (mb_cgroup_of_pid: v1, v2 or hybrid) and its network
 * namespace's /proc/PID/net/dev for the local reader of h. */
int mb_monitor_local_resolve(const struct mb_monitor_opts *o, int pid, struct host_state *h,
                             struct mb_error *err);

/* A sample of host hi for the tick: a local host's files, or an SSH host's agent for one
 * sample while no agent thread runs for it. */
void mb_monitor_sample_host(struct mb_monitor *m, int hi, unsigned long tick, struct mb_buf *line);

/* One batch of n samples of SSH host hi by its agent, recorded; 0, or -1 when the agent
 * could not run (the error noted; the session dropped, to reconnect after RETRY_S). */
int mb_monitor_agent_batch(struct mb_monitor *m, int hi, int n, struct mb_buf *line);

/* Every VM of host hi for the tick: one mb_hv_dom_stats_all call. */
void mb_monitor_sample_vms(struct mb_monitor *m, int hi, unsigned long tick, struct mb_buf *line);

/* Close host h's hypervisor connection (NULL-safe). */
void mb_monitor_vm_close(struct host_state *h);
/* Close the files the local reader keeps open. */
void mb_monitor_local_close(struct host_state *h);

#endif
