/* monitor.h — resource usage of the testbed while a run goes on: every host's CPU (per
 * core), memory and network bytes, and every VM's CPU, vCPU and memory, sampled by a
 * thread every interval (monitor.interval, 500 ms by default) into monitor.csv (the
 * columns are in docs/monitor.md) and kept in memory for the figures the runner asks
 * for afterwards: a VM's vCPU share over a migration window against its cap, a
 * balloon against its target, what placeholder VMs really held.
 *
 * Where the numbers come from:
 * - VMs: the hypervisor's ops, one call per host per sample (mb_hv_dom_stats_all: with
 *   libvirt, virConnectGetAllDomainStats with NOWAIT: cpu.time, vcpu.N.time,
 *   balloon.current/maximum/rss, state), or per domain where bulk statistics are not
 *   available (Xen's libxl driver, a backend without the op).
 * - Hosts, one of:
 *   local — the host is a namespace of this machine (the embedded lab): its cgroup
 *           files (cgroup.h: v1 cpuacct.usage_percpu, cpuset.cpus, memory.*; v2
 *           cpu.stat, cpuset.cpus.effective, memory.*) and /proc/PID/net/dev of a
 *           process in it are read directly: no SSH, no process started per sample,
 *           on either side.  /proc/stat would be the whole machine's (on v2 it gives
 *           only the per-core rows, which v2 does not account per cgroup).
 *   ssh   — a real remote host: a small agent (mb_monitor_host_agent, bash) on a
 *           session kept open prints a sample every interval, using shell builtins
 *           only: no process is started per sample.  remote.h returns a command's
 *           output when it ends, so the agent runs in batches (ssh_batch_s, 5 s) on a
 *           thread of its own per host; an SSH host's samples arrive that much later.
 *           CPU comes from the root cgroup's cpuacct where cgroup v1 is mounted, or
 *           its cpu.stat on v2 (inside a lab host: the host's own cgroup), else from
 *           /proc/stat.
 *
 * Threads: one samples the local hosts and every host's VMs, one per SSH host runs its
 * agent; they own their connections (an mb_hv per host with VMs, an SSH session per SSH
 * host).  Every function here may be called from one other thread (the runner's) while
 * they run.
 *
 * Errors: a host or VM that cannot be read is a gap in the series and a count in
 * mb_monitor_status, never a failure of the run.
 *
 * Files: monitor.c (life cycle, threads, monitor.csv), monitor_parse.c (a host's text),
 * monitor_read.c (the readers), monitor_window.c (figures and checks), monitor_lab.c
 * (lab PIDs); monitor_priv.h is what they share. */
#ifndef MB_MONITOR_H
#define MB_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"
#include "hypervisor.h"
#include "remote.h"

/* ---- what one sample of a host holds -------------------------------------------- */

#define MB_MONITOR_MAX_CPUS 256

struct mb_monitor_host_sample {
    int ncpus;                           /* cores reported (the host's cpuset) */
    int cpu_id[MB_MONITOR_MAX_CPUS];     /* their numbers */
    int64_t cpu_ns[MB_MONITOR_MAX_CPUS]; /* busy time of each, ns since boot */
    int64_t cpu_total_ns;                /* the host's busy time, ns: v1 and /proc/stat the
                                          * cores' sum, v2 cpu.stat; -1 = CPU not read */
    const char *cpu_source;              /* of the total: "cgroup" (v1 cpuacct, v2 cpu.stat) or
                                          * "proc" (/proc/stat) */
    const char *core_source;             /* of the cores: "cgroup" (v1 cpuacct) or "proc" */
    int64_t mem_used;                    /* bytes: cgroup usage, or MemTotal - MemAvailable */
    int64_t mem_rss;                     /* anonymous memory: cgroup total_rss, or AnonPages */
    int64_t mem_limit;                   /* cgroup limit (at most MemTotal), or MemTotal */
    const char *mem_source;              /* "cgroup" or "proc" */
    int64_t net_rx, net_tx;              /* bytes over the counted interfaces; -1 = not read */
};

/* Interfaces counted by default: every one but loopback, bridges, guest taps and other
 * virtual back ends (lo, br*, virbr*, vnet*, tap*, macvtap*, vif*, veth*, docker*). */
bool mb_monitor_default_netdev(const char *name);

/* Parse one sample of a host: lines "PATH:LINE" (the local reader's form, and `grep
 * -sH ''`'s) or "@file PATH" followed by the file's lines (the agent's form).  netdevs: comma-
 * separated interfaces to count, NULL = mb_monitor_default_netdev.  Fills *out (fields
 * not found are -1).  Returns 0, or MB_EINPUT when nothing usable was found. */
int mb_monitor_parse_host(const char *text, const char *netdevs, struct mb_monitor_host_sample *out,
                          struct mb_error *err);

/* The script of the host agent (a constant): bash, builtins only per sample.  A host
 * read over SSH runs `exec bash -s -- SAMPLES INTERVAL_US` with it on standard input and
 * prints SAMPLES samples, "@tick EPOCH" then "@file PATH" sections, one per interval. */
const char *mb_monitor_host_agent(void);

/* ---- the monitor ---------------------------------------------------------------- */

/* How one host is reached.  Strings and the target are borrowed until mb_monitor_free. */
struct mb_monitor_host {
    const char *name;                   /* the testbed's name: the "host" column */
    const char *uri;                    /* libvirt URI for the VMs; NULL = no VM series */
    const struct mb_remote_target *ssh; /* host numbers over SSH; NULL = not that way */
    int local_pid;       /* > 0: a process in the host's namespaces on this machine (the lab
                          * host's PID 1): read it locally instead of over SSH */
    const char *netdevs; /* comma-separated interfaces to count; NULL = the default */
};

struct mb_monitor_opts {
    double interval_s;                   /* 0 = 0.5 */
    const char *csv_path;                /* monitor.csv to append to; NULL = none */
    const struct mb_hv_ops *hv_ops;      /* NULL = libvirt */
    const struct mb_remote_ops *ssh_ops; /* NULL = libssh2 */
    const char *proc_root;               /* "/proc" (tests point it elsewhere) */
    const char *cgroup_root;             /* "/sys/fs/cgroup" (cgroup.h: v1, v2, hybrid) */
    size_t max_records;                  /* kept in memory for figures; 0 = 200000 */
    double ssh_timeout_s;                /* slack on top of an SSH batch; 0 = 10 s */
    double ssh_batch_s;                  /* length of an SSH agent batch; 0 = 5 s */
};

struct mb_monitor;

/* A monitor of nhosts hosts (nothing is contacted yet).  Opens the CSV file (writing
 * its header when new; an existing file must have the same header: MB_EINPUT, the file
 * left untouched).  *out set on success; free with mb_monitor_free. */
int mb_monitor_new(const struct mb_monitor_host *hosts, int nhosts, const struct mb_monitor_opts *o,
                   struct mb_monitor **out, struct mb_error *err);

/* The text of the "label" column from now on (the runner's run id); NULL = "". */
void mb_monitor_set_label(struct mb_monitor *m, const char *label);

/* Take one sample of every host now (in the calling thread; serialised with the
 * sampling thread; an SSH host whose agent thread runs is left to it).  Returns 0 even
 * when some host failed (see mb_monitor_status). */
int mb_monitor_sample_now(struct mb_monitor *m, struct mb_error *err);

/* Start the sampling thread: a sample at once, then one every interval (a sample that
 * overruns its interval skips the missed ticks). */
int mb_monitor_start(struct mb_monitor *m, struct mb_error *err);

/* Stop the threads (after their current sample, or SSH batch: up to ssh_batch_s) and
 * flush the file.  No-op when not started; it may be started again. */
void mb_monitor_stop(struct mb_monitor *m);

/* Wait until every host read (locally or over SSH) has a sample taken at or after wall
 * time t, at most timeout_s, and a tick begun at or after t has read every host's VMs
 * too: call it before the figures of a window ending at t (an SSH host's samples come
 * in batches).  MB_EFAILED naming the host when it did not come. */
int mb_monitor_flush(struct mb_monitor *m, double t, double timeout_s, struct mb_error *err);

/* Stop if needed, close connections and the file, free.  NULL is a no-op. */
void mb_monitor_free(struct mb_monitor *m);

struct mb_monitor_status {
    unsigned long ticks;         /* samples taken */
    unsigned long errors;        /* host or VM reads that failed */
    unsigned long dropped;       /* records not kept in memory (max_records) */
    char last_error[512];        /* "" when none */
    double cpu_s;                /* CPU time spent sampling (the thread's, or the callers') */
    double wall_s;               /* since the first sample */
    double sample_ms_max;        /* longest tick */
    const char *host_source[16]; /* per host: "local", "ssh", "none" (first 16) */
};

void mb_monitor_status(struct mb_monitor *m, struct mb_monitor_status *out);

/* ---- figures over a time window --------------------------------------------------- */

/* A series over [t0, t1] (wall clock, mb_now_wall()).  Counters are taken from the
 * bracketing samples: the last one at or before t0 and the first at or after t1 (or the
 * latest when t1 is still ahead), so a window shorter than the interval still gets the
 * interval that covers it.  NAN = not measured. */
struct mb_monitor_usage {
    int samples;         /* samples in the bracket (0: nothing measured) */
    double from, to;     /* wall time of the bracketing samples */
    double cpu_pct;      /* mean CPU, % of one core (host: every core; VM: all threads) */
    double vcpu_pct;     /* VM: mean of the vCPU threads, % of one core */
    double cpu_pct_peak; /* highest rate between two consecutive samples */
    double mem_min, mem_max, mem_last; /* host: used; VM: balloon; bytes */
    double rss_max, rss_last;          /* host: anonymous; VM: resident on the host */
    double mem_limit;
    double net_rx_bps, net_tx_bps; /* host only */
    int vms;                       /* VMs matched (prefix queries) */
};

/* A host's usage; MB_EINPUT for an unknown host. */
int mb_monitor_host_usage(struct mb_monitor *m, const char *host, double t0, double t1,
                          struct mb_monitor_usage *out, struct mb_error *err);

/* A VM's usage on host (NULL = wherever it was sampled; during a migration a domain is
 * on both hosts and the figures add up).  A name ending in '*' is a prefix: every
 * matching VM, CPU added up and memory added up per sample ("mbr-ph*": the
 * placeholders). */
int mb_monitor_vm_usage(struct mb_monitor *m, const char *host, const char *name, double t0,
                        double t1, struct mb_monitor_usage *out, struct mb_error *err);

/* ---- reservation checks ----------------------------------------------------------- */

enum mb_monitor_verdict {
    MB_CHECK_OK,         /* measured within tolerance of what was asked */
    MB_CHECK_UNDER,      /* below: a cap the VM did not use up (not a violation) */
    MB_CHECK_OVER,       /* above: the setting did not hold */
    MB_CHECK_UNMEASURED, /* no samples in the window */
};

/* What was asked, what the hypervisor read back, what the host did. */
struct mb_monitor_check {
    double asked, read_back, measured; /* % of one CPU, or bytes */
    double error;                      /* measured - asked: percentage points or fraction */
    enum mb_monitor_verdict verdict;
    int samples;
};

const char *mb_monitor_verdict_name(enum mb_monitor_verdict v);

/* A CPU cap: the VM's vCPU share on host over [t0, t1] against asked (% of one CPU for
 * the whole VM, as mb_hv_set_cpu_cap); within tol_pp percentage points is OK. */
int mb_monitor_check_cap(struct mb_monitor *m, const char *host, const char *vm, double asked,
                         double read_back, double t0, double t1, double tol_pp,
                         struct mb_monitor_check *out, struct mb_error *err);

/* A balloon: the guest's balloon size over [t0, t1] (its last value; OVER/UNDER by the
 * sample farthest from the target) against asked bytes; within tol (a fraction, 0.02 =
 * 2 %) is OK. */
int mb_monitor_check_balloon(struct mb_monitor *m, const char *host, const char *vm, double asked,
                             double read_back, double t0, double t1, double tol,
                             struct mb_monitor_check *out, struct mb_error *err);

/* ---- the lab ------------------------------------------------------------------------ */

/* The local_pid of an embedded-lab host: the host's PID 1 as recorded in lab.env beside
 * the testbed file (host.NAME.holder=PID), checked to be alive, in another network
 * namespace and in the lab's cgroups.  0 with *pid = 0 when the testbed is not a lab
 * instance (read over SSH then); MB_EENV when lab.env names a PID that does not check. */
int mb_monitor_lab_pid(const char *testbed_path, const char *host, int *pid, struct mb_error *err);

#endif
