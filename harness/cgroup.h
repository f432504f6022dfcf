/* cgroup.h — "the host's cgroup": where a process's CPU, cpuset and memory accounting
 * lives on this machine, and what its files say, for cgroup v1, v2 and a hybrid of both.
 *
 *   v1      one hierarchy per controller (or co-mounted group) under the root:
 *           <root>/cpuacct/<path>/cpuacct.usage_percpu, <root>/cpuset/<path>/cpuset.cpus,
 *           <root>/memory/<path>/memory.{usage_in_bytes,limit_in_bytes,stat},
 *           <root>/cpu/<path>/cpu.cfs_{quota,period}_us
 *   v2      one unified hierarchy at the root: <root>/<path>/cpu.stat (usage_usec),
 *           cpuset.cpus.effective, memory.{current,max,stat}, cpu.max
 *   hybrid  v1 hierarchies plus a unified one at <root>/unified; each resource is read
 *           where this machine has it: v1 where its controller is mounted, else v2.
 *
 * The layout is found from the files under the root alone (no statfs), so tests point
 * the root and /proc at temporary trees.  One resource is always read from one version;
 * the parsers take either version's text and keep v1's numbers where both were seen.
 *
 * v2 has no per-CPU usage: mb_cgroup_stats.npercpu stays 0 there, and the total comes
 * from cpu.stat's usage_usec (how the monitor fills its per-core rows then: docs/monitor.md). */
#ifndef MB_CGROUP_H
#define MB_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"

#define MB_CGROUP_MAX_CPUS 256
/* a limit that is not set ("max", or v1's page-rounded LLONG_MAX) */
#define MB_CGROUP_UNLIMITED INT64_MAX

/* What this machine mounts under the root. */
enum mb_cgroup_kind {
    MB_CGROUP_NONE = 0, /* nothing usable */
    MB_CGROUP_V1,       /* v1 hierarchies only */
    MB_CGROUP_V2,       /* the unified hierarchy only, at the root */
    MB_CGROUP_HYBRID    /* v1 hierarchies and the unified one at <root>/unified */
};

/* The name of a kind: "none", "v1", "v2", "hybrid". */
const char *mb_cgroup_kind_name(enum mb_cgroup_kind k);

/* The layout under root (NULL = "/sys/fs/cgroup"): v2 when root/cgroup.controllers
 * exists; v1 when one of root/{cpuacct,cpuset,memory,cpu} is a directory; hybrid when
 * that and root/unified/cgroup.controllers. */
enum mb_cgroup_kind mb_cgroup_detect(const char *root);

/* One process's cgroup, per resource: the directory holding its files and the version
 * (1 or 2; 0 = not available). */
struct mb_cgroup {
    enum mb_cgroup_kind kind;
    int cpu_v, cpuset_v, mem_v, cap_v; /* usage, cpuset, memory, CPU bandwidth (cap) */
    char cpu[PATH_MAX], cpuset[PATH_MAX], memory[PATH_MAX], cap[PATH_MAX];
};

/* The cgroup of pid, from <proc_root>/PID/cgroup (proc_root NULL = "/proc") under root.
 * v1: <root>/<controller><path> per controller, as the process's lines say.  v2: its
 * unified path; when the process's own view mounts cgroup2 at /sys/fs/cgroup with a root
 * above that path (<proc_root>/PID/mountinfo: a process in a cgroup namespace, such as a
 * lab host's PID 1 in its leaf), that root: the cgroup the host itself sees as its
 * /sys/fs/cgroup.  A resource is taken only where its file is readable.  Fills *out;
 * MB_EENV when the process or its cgroup lines cannot be read, or no resource is. */
int mb_cgroup_of_pid(const char *root, const char *proc_root, int pid, struct mb_cgroup *out,
                     struct mb_error *err);

/* The files of cg one sample of its usage reads (CPU, cpuset, memory), full paths, at
 * most max; returns how many were written to paths. */
int mb_cgroup_sample_files(const struct mb_cgroup *cg, char (*paths)[PATH_MAX + 64], int max);

/* What a cgroup's files said; -1 (or 0 / false) where not seen. */
struct mb_cgroup_stats {
    int npercpu;                           /* v1 cpuacct.usage_percpu's counters */
    int64_t percpu_ns[MB_CGROUP_MAX_CPUS]; /* v1, ns */
    int64_t usage_ns;                      /* v1: their sum; v2: usage_usec * 1000 */
    bool have_cpuset;                      /* v1 cpuset.cpus or v2 cpuset.cpus.effective */
    bool cpuset[MB_CGROUP_MAX_CPUS];       /* its CPUs */
    int64_t mem_current;                   /* v1 memory.usage_in_bytes, v2 memory.current */
    int64_t mem_limit;                     /* v1 limit_in_bytes, v2 memory.max; UNLIMITED */
    int64_t mem_anon;                      /* v1 total_rss (else rss), v2 anon */
    int64_t cap_quota_us, cap_period_us;   /* CPU bandwidth; quota UNLIMITED = none */
    /* raw, before v1 wins over v2 (mb_cgroup_stats_done) */
    int64_t v1_usage, v1_limit, v1_total_rss, v1_rss, v2_usage_us, v2_current, v2_max, v2_anon;
    int64_t v1_quota, v1_period;
    bool v1_cpuset;
};

/* A stats record with nothing seen. */
void mb_cgroup_stats_init(struct mb_cgroup_stats *s);

/* One line of a cgroup file into s: file is its path or name (len bytes, the last
 * component is what counts), line one line of it without its newline.  Returns true
 * when file is one of the files named in this header (the line used or, malformed,
 * ignored), false when it is another file. */
bool mb_cgroup_parse_line(struct mb_cgroup_stats *s, const char *file, size_t len,
                          const char *line);

/* Settle s after its lines: v1's numbers where both versions were seen, the v1 usage
 * as the per-CPU sum. */
void mb_cgroup_stats_done(struct mb_cgroup_stats *s);

/* Read the sample files of cg into *out (init, every line, done).  0, or MB_EENV when
 * not one of them could be read (a process gone, a cgroup removed). */
int mb_cgroup_read(const struct mb_cgroup *cg, struct mb_cgroup_stats *out, struct mb_error *err);

/* A cpuset list ("0-3,8", newline or spaces after it allowed) into set[]; false when
 * malformed or empty (set is then all false). */
bool mb_cgroup_parse_cpulist(const char *s, bool *set);

#endif
