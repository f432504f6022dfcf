/* monitor.c — host and VM resource usage sampled by a thread into monitor.csv, and the
 * figures and reservation checks computed from it. */
#include "monitor.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "results.h"
#include "lib/util.h"

/* ---- parsing a host's text -------------------------------------------------------- */

/* The host agent: run as `bash -s -- SAMPLES INTERVAL_US` with this on its standard
 * input.  It prints SAMPLES samples, one every INTERVAL_US on the host's clock, each
 * "@tick EPOCH" followed by "@file PATH" sections holding the files' contents, and ends.
 * Inside the loop only bash builtins run (read, printf, arithmetic): no process is
 * started per sample; `read -t` on a pipe that never delivers is its sleep.  /proc/stat
 * is read only where cgroup v1 cpuacct is not mounted. */
static const char agent_script[] =
    "n=$1 iv=$2\n"
    "exec 2>/dev/null\n"
    "exec {z}<> <(:)\n"
    "F='/sys/fs/cgroup/cpuacct/cpuacct.usage_percpu /sys/fs/cgroup/cpuset/cpuset.cpus "
    "/sys/fs/cgroup/memory/memory.usage_in_bytes /sys/fs/cgroup/memory/memory.limit_in_bytes "
    "/sys/fs/cgroup/memory/memory.stat /proc/meminfo /proc/net/dev'\n"
    "[ -r /sys/fs/cgroup/cpuacct/cpuacct.usage_percpu ] || F=\"$F /proc/stat\"\n"
    "now() { if [ -n \"$EPOCHREALTIME\" ]; then r=${EPOCHREALTIME/./}; else r=$(date +%s%6N); fi; "
    "}\n"
    "now; t=$r\n"
    "while ((n-- > 0)); do\n"
    "  now\n"
    "  s=\"@tick ${r:0:-6}.${r: -6}\"$'\\n'\n"
    "  for f in $F; do\n"
    "    [ -r $f ] || continue\n"
    "    c=; IFS= read -r -d '' c < $f\n"
    "    [[ $c == *$'\\n' ]] || c+=$'\\n'\n"
    "    s+=\"@file $f\"$'\\n'\"$c\"\n"
    "  done\n"
    "  printf '%s' \"$s\"\n"
    "  ((n > 0)) || break\n"
    "  t=$((t + iv)); now; d=$((t - r))\n"
    "  if ((d > 0)); then printf -v w '%d.%06d' $((d / 1000000)) $((d % 1000000)); "
    "read -t $w -u $z; fi\n"
    "done\n";

const char *mb_monitor_host_agent(void)
{
    return agent_script;
}

static bool has_prefix(const char *s, const char *p)
{
    return !strncmp(s, p, strlen(p));
}

bool mb_monitor_default_netdev(const char *name)
{
    static const char *const skip[] = {"br",  "virbr", "vnet", "tap",    "macvtap",
                                       "vif", "veth",  "tun",  "docker", NULL};
    if (!strcmp(name, "lo"))
        return false;
    for (int i = 0; skip[i]; i++)
        if (has_prefix(name, skip[i]))
            return false;
    return true;
}

static bool netdev_selected(const char *name, const char *list)
{
    if (!list)
        return mb_monitor_default_netdev(name);
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, ",");
        if (l == n && !strncmp(p, name, n))
            return true;
        p += l;
        if (*p == ',')
            p++;
    }
    return false;
}

/* Path (up to the first ':') ends with suffix? */
static bool path_is(const char *path, size_t plen, const char *suffix)
{
    size_t sl = strlen(suffix);
    return plen >= sl && !strncmp(path + plen - sl, suffix, sl) &&
           (plen == sl || path[plen - sl - 1] == '/');
}

/* "0-3,8" into a bitmap of MB_MONITOR_MAX_CPUS; false when malformed. */
static bool parse_cpulist(const char *s, bool *set)
{
    memset(set, 0, MB_MONITOR_MAX_CPUS * sizeof(bool));
    bool any = false;
    while (*s && *s != '\n') {
        char *end;
        long a = strtol(s, &end, 10), b;
        if (end == s || a < 0)
            return false;
        b = a;
        if (*end == '-') {
            const char *q = end + 1;
            b = strtol(q, &end, 10);
            if (end == q || b < a)
                return false;
        }
        for (long i = a; i <= b && i < MB_MONITOR_MAX_CPUS; i++)
            set[i] = any = true;
        s = end;
        if (*s == ',')
            s++;
        else if (*s && *s != '\n' && *s != ' ')
            return false;
    }
    return any;
}

static int64_t parse_i64(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno)
        return -1;
    return v;
}

int mb_monitor_parse_host(const char *text, const char *netdevs, struct mb_monitor_host_sample *out,
                          struct mb_error *err)
{
    struct mb_monitor_host_sample s;
    memset(&s, 0, sizeof(s));
    s.cpu_total_ns = s.mem_used = s.mem_rss = s.mem_limit = s.net_rx = s.net_tx = -1;
    int64_t *pc = calloc(2 * MB_MONITOR_MAX_CPUS, sizeof(int64_t));
    if (!pc)
        return mb_error_set(err, MB_ENOMEM, "out of memory");
    int64_t *pb = pc + MB_MONITOR_MAX_CPUS;
    int npercpu = 0;
    bool cpuset[MB_MONITOR_MAX_CPUS], have_cpuset = false, have_proc = false;
    bool proc_cpu[MB_MONITOR_MAX_CPUS] = {false};
    int64_t usage = -1, limit = -1, total_rss = -1, rss = -1;
    int64_t memtotal = -1, memavail = -1, anon = -1, rx = 0, tx = 0;
    bool have_net = false;

    const char *section = NULL; /* "@file PATH": the lines after it are that file's */
    size_t section_len = 0;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        const char *colon = memchr(line, ':', len);
        const char *body = colon ? colon + 1 : NULL;
        if (len > 6 && !strncmp(line, "@file ", 6)) {
            section = line + 6;
            section_len = len - 6;
            body = colon = NULL;
        } else if (!strncmp(line, "@tick ", 6)) {
            section = body = colon = NULL;
        } else if (section) {
            colon = line; /* the path is the section's, the line all body */
            body = line;
        }
        if (body) {
            const char *path = section ? section : line;
            size_t plen = section ? section_len : (size_t)(colon - line);
            char rest[1024];
            size_t rl = len - (size_t)(body - line);
            if (rl >= sizeof(rest))
                rl = sizeof(rest) - 1;
            memcpy(rest, body, rl);
            rest[rl] = '\0';
            if (path_is(path, plen, "cpuacct.usage_percpu")) {
                char *p = rest, *end;
                npercpu = 0;
                while (npercpu < MB_MONITOR_MAX_CPUS) {
                    long long v = strtoll(p, &end, 10);
                    if (end == p)
                        break;
                    pc[npercpu++] = v;
                    p = end;
                }
            } else if (path_is(path, plen, "cpuset.cpus")) {
                have_cpuset = parse_cpulist(rest, cpuset);
            } else if (path_is(path, plen, "memory.usage_in_bytes")) {
                usage = parse_i64(rest);
            } else if (path_is(path, plen, "memory.limit_in_bytes")) {
                limit = parse_i64(rest);
            } else if (path_is(path, plen, "memory.stat")) {
                if (has_prefix(rest, "total_rss "))
                    total_rss = parse_i64(rest + 10);
                else if (has_prefix(rest, "rss "))
                    rss = parse_i64(rest + 4);
            } else if (path_is(path, plen, "proc/stat")) {
                unsigned long long f[8] = {0};
                int cpu;
                if (rest[3] >= '0' && rest[3] <= '9' &&
                    sscanf(rest, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &f[0],
                           &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]) == 9 &&
                    cpu >= 0 && cpu < MB_MONITOR_MAX_CPUS) {
                    /* user nice system idle iowait irq softirq steal, in USER_HZ (100) */
                    pb[cpu] = (int64_t)(f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * 10000000;
                    proc_cpu[cpu] = have_proc = true;
                }
            } else if (path_is(path, plen, "meminfo")) {
                long long kb;
                if (sscanf(rest, "MemTotal: %lld", &kb) == 1)
                    memtotal = kb * 1024;
                else if (sscanf(rest, "MemAvailable: %lld", &kb) == 1)
                    memavail = kb * 1024;
                else if (sscanf(rest, "AnonPages: %lld", &kb) == 1)
                    anon = kb * 1024;
            } else if (path_is(path, plen, "net/dev")) {
                char *c = strchr(rest, ':');
                if (c) {
                    *c = '\0';
                    char *name = rest;
                    while (*name == ' ')
                        name++;
                    unsigned long long v[9];
                    if (sscanf(c + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                               &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
                        have_net = true;
                        if (netdev_selected(name, netdevs)) {
                            rx += (int64_t)v[0];
                            tx += (int64_t)v[8];
                        }
                    }
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }

    if (npercpu > 0) {
        s.cpu_source = "cgroup";
        s.cpu_total_ns = 0;
        for (int i = 0; i < npercpu; i++) {
            if (have_cpuset && !cpuset[i])
                continue;
            s.cpu_id[s.ncpus] = i;
            s.cpu_ns[s.ncpus++] = pc[i];
            s.cpu_total_ns += pc[i];
        }
    } else if (have_proc) {
        s.cpu_source = "proc";
        s.cpu_total_ns = 0;
        for (int i = 0; i < MB_MONITOR_MAX_CPUS; i++) {
            if (!proc_cpu[i] || (have_cpuset && !cpuset[i]))
                continue;
            s.cpu_id[s.ncpus] = i;
            s.cpu_ns[s.ncpus++] = pb[i];
            s.cpu_total_ns += pb[i];
        }
    }
    free(pc);
    if (usage >= 0) {
        s.mem_source = "cgroup";
        s.mem_used = usage;
        s.mem_rss = total_rss >= 0 ? total_rss : rss;
        s.mem_limit = limit;
        if (memtotal > 0 && (s.mem_limit < 0 || s.mem_limit > memtotal))
            s.mem_limit = memtotal;
    } else if (memtotal > 0) {
        s.mem_source = "proc";
        s.mem_limit = memtotal;
        s.mem_used = memavail >= 0 ? memtotal - memavail : -1;
        s.mem_rss = anon;
    }
    if (have_net) {
        s.net_rx = rx;
        s.net_tx = tx;
    }
    if (s.cpu_total_ns < 0 && s.mem_used < 0 && s.net_rx < 0)
        return mb_error_set(err, MB_EINPUT,
                            "no CPU, memory or network numbers in the host's output");
    *out = s;
    return MB_OK;
}

/* ---- the monitor's state ---------------------------------------------------------- */

enum kind { K_HOST, K_CPU, K_VM };
static const char *const kind_names[] = {"host", "cpu", "vm"};

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

struct rec {
    double wall, mono;
    unsigned long tick;
    int ent;
    int64_t cpu, vcpu, mem, rss, limit, rx, tx;
};

enum source { SRC_NONE, SRC_LOCAL, SRC_SSH };

struct host_state {
    const struct mb_monitor_host *cfg;
    enum source src;
    /* local */
    char cpuacct[PATH_MAX], cpuset[PATH_MAX], memory[PATH_MAX], netdev[PATH_MAX];
    char local_error[1024];
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
    struct mb_monitor_status st;
};

#define RETRY_S 5.0

static void note_error(struct mb_monitor *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note_error(struct mb_monitor *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&m->data_mu);
    m->st.errors++;
    vsnprintf(m->st.last_error, sizeof(m->st.last_error), fmt, ap);
    pthread_mutex_unlock(&m->data_mu);
    va_end(ap);
}

/* data_mu held */
static int entity_find(struct mb_monitor *m, int host, enum kind k, const char *name, bool add)
{
    for (size_t i = 0; i < m->nents; i++)
        if (m->ents[i].host == host && m->ents[i].kind == k && !strcmp(m->ents[i].name, name))
            return (int)i;
    if (!add)
        return -1;
    if (m->nents == m->ecap) {
        m->ecap = m->ecap ? m->ecap * 2 : 32;
        m->ents = mb_xrealloc(m->ents, m->ecap * sizeof(*m->ents));
    }
    struct entity *e = &m->ents[m->nents];
    memset(e, 0, sizeof(*e));
    e->host = host;
    e->kind = k;
    snprintf(e->name, sizeof(e->name), "%s", name);
    return (int)m->nents++;
}

/* ---- CSV ------------------------------------------------------------------------- */

static const char csv_header[] =
    "time,t_s,label,host,kind,name,state,cpu_pct,vcpu_pct,cpu_time_ns,vcpu_time_ns,mem_bytes,"
    "mem_rss_bytes,mem_limit_bytes,net_rx_bps,net_tx_bps,net_rx_bytes,net_tx_bytes,source";

static void csv_str(struct mb_buf *b, const char *s)
{
    size_t n = strlen(s);
    size_t need = csv_write(NULL, 0, s, n);
    char *tmp = mb_xmalloc(need + 1);
    csv_write(tmp, need, s, n);
    /* csv_write always quotes; plain fields stay plain for readability */
    if (strcspn(s, ",\"\r\n") == n && n > 0)
        mb_buf_append(b, s, n);
    else if (n > 0)
        mb_buf_append(b, tmp, need);
    free(tmp);
}

static void csv_i64(struct mb_buf *b, int64_t v)
{
    mb_buf_append(b, ",", 1);
    if (v >= 0)
        mb_buf_printf(b, "%lld", (long long)v);
}

static void csv_num(struct mb_buf *b, double v, const char *fmt)
{
    mb_buf_append(b, ",", 1);
    if (isfinite(v))
        mb_buf_printf(b, fmt, v);
}

static int open_csv(struct mb_monitor *m, const char *path, struct mb_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return mb_error_at(err, MB_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return mb_error_at(err, MB_EIO, path, 0, 0, "stat: %s", strerror(errno));
    }
    if (st.st_size > 0) {
        char first[sizeof(csv_header) + 1];
        ssize_t n = pread(fd, first, sizeof(first), 0);
        if (n < (ssize_t)sizeof(csv_header) || memcmp(first, csv_header, sizeof(csv_header) - 1) ||
            first[sizeof(csv_header) - 1] != '\n') {
            close(fd);
            return mb_error_at(err, MB_EINPUT, path, 1, 0,
                               "not a monitor.csv of this version (its header differs); "
                               "left untouched");
        }
    } else if (write(fd, csv_header, sizeof(csv_header) - 1) != sizeof(csv_header) - 1 ||
               write(fd, "\n", 1) != 1) {
        close(fd);
        return mb_error_at(err, MB_EIO, path, 0, 0, "write: %s", strerror(errno));
    }
    m->csv = fdopen(fd, "a");
    if (!m->csv) {
        close(fd);
        return mb_error_at(err, MB_EIO, path, 0, 0, "fdopen: %s", strerror(errno));
    }
    m->csv_path = mb_xstrdup(path);
    return MB_OK;
}

/* ---- recording one reading --------------------------------------------------------- */

struct reading {
    enum kind kind;
    const char *name, *state, *source;
    double wall, mono;
    int64_t cpu, vcpu, mem, rss, limit, rx, tx;
};

static double rate(int64_t now, int64_t prev, double dt, double scale)
{
    if (now < 0 || prev < 0 || now < prev || !(dt > 0))
        return NAN;
    return (double)(now - prev) / dt * scale;
}

/* The label in force at wall time t.  data_mu held. */
static const char *label_at(const struct mb_monitor *m, double t)
{
    const char *l = "";
    for (size_t i = 0; i < m->nlabels && m->labels[i].from <= t; i++)
        l = m->labels[i].text;
    return l;
}

/* Store r for host h and append its CSV line to line. */
static void record(struct mb_monitor *m, int h, unsigned long tick, const struct reading *r,
                   struct mb_buf *line)
{
    char label[128];
    pthread_mutex_lock(&m->data_mu);
    snprintf(label, sizeof(label), "%s", label_at(m, r->wall));
    int ei = entity_find(m, h, r->kind, r->name, true);
    struct entity *e = &m->ents[ei];
    if (r->wall > e->last_wall)
        e->last_wall = r->wall;
    double dt = e->has_prev ? r->mono - e->prev_mono : NAN;
    double cpu_pct = e->has_prev ? rate(r->cpu, e->prev_cpu, dt, 100.0 / 1e9) : NAN;
    double vcpu_pct = e->has_prev ? rate(r->vcpu, e->prev_vcpu, dt, 100.0 / 1e9) : NAN;
    double rx_bps = e->has_prev ? rate(r->rx, e->prev_rx, dt, 1.0) : NAN;
    double tx_bps = e->has_prev ? rate(r->tx, e->prev_tx, dt, 1.0) : NAN;
    e->has_prev = true;
    e->prev_mono = r->mono;
    e->prev_cpu = r->cpu;
    e->prev_vcpu = r->vcpu;
    e->prev_rx = r->rx;
    e->prev_tx = r->tx;
    size_t cap = m->o.max_records ? m->o.max_records : 200000;
    if (m->nrecs < cap) {
        if (m->nrecs == m->rcap) {
            m->rcap = m->rcap ? m->rcap * 2 : 1024;
            if (m->rcap > cap)
                m->rcap = cap;
            m->recs = mb_xrealloc(m->recs, m->rcap * sizeof(*m->recs));
        }
        m->recs[m->nrecs++] = (struct rec){.wall = r->wall,
                                           .mono = r->mono,
                                           .tick = tick,
                                           .ent = ei,
                                           .cpu = r->cpu,
                                           .vcpu = r->vcpu,
                                           .mem = r->mem,
                                           .rss = r->rss,
                                           .limit = r->limit,
                                           .rx = r->rx,
                                           .tx = r->tx};
    } else {
        m->st.dropped++;
    }
    pthread_mutex_unlock(&m->data_mu);
    if (!m->csv)
        return;
    char ts[MB_RESULTS_TIME_SIZE];
    struct mb_error e2;
    mb_results_format_time(r->wall, ts, &e2);
    mb_buf_printf(line, "%s,%.3f,", ts, r->mono - m->mono0);
    csv_str(line, label);
    mb_buf_append(line, ",", 1);
    csv_str(line, m->hosts[h].cfg->name);
    mb_buf_printf(line, ",%s,", kind_names[r->kind]);
    csv_str(line, r->name);
    mb_buf_append(line, ",", 1);
    csv_str(line, r->state ? r->state : "");
    csv_num(line, cpu_pct, "%.2f");
    csv_num(line, vcpu_pct, "%.2f");
    csv_i64(line, r->cpu);
    csv_i64(line, r->vcpu);
    csv_i64(line, r->mem);
    csv_i64(line, r->rss);
    csv_i64(line, r->limit);
    csv_num(line, rx_bps, "%.0f");
    csv_num(line, tx_bps, "%.0f");
    csv_i64(line, r->rx);
    csv_i64(line, r->tx);
    mb_buf_append(line, ",", 1);
    csv_str(line, r->source ? r->source : "");
    mb_buf_append(line, "\n", 1);
}

/* ---- host readers ----------------------------------------------------------------- */

static int read_file(const char *path, struct mb_buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[8192];
    size_t used = 0;
    for (;;) {
        ssize_t n = read(fd, buf + used, sizeof(buf) - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
        if (used == sizeof(buf) - 1)
            break;
    }
    close(fd);
    buf[used] = '\0';
    for (char *line = buf; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        mb_buf_printf(out, "%s:%.*s\n", path, (int)len, line);
        line = nl ? nl + 1 : line + len;
    }
    return 0;
}

/* The cgroup directories of pid (v1: <cgroup_root>/<controller><path>) and its netns's
 * /proc/PID/net/dev. */
static int local_resolve(const struct mb_monitor_opts *o, int pid, struct host_state *h,
                         struct mb_error *err)
{
    const char *proc = o->proc_root ? o->proc_root : "/proc";
    const char *cgr = o->cgroup_root ? o->cgroup_root : "/sys/fs/cgroup";
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%d/cgroup", proc, pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return mb_error_set(err, MB_EENV, "%s: %s", path, strerror(errno));
    char line[1024];
    h->cpuacct[0] = h->cpuset[0] = h->memory[0] = '\0';
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        const char *cg = c2 + 1;
        char ctrls[256];
        snprintf(ctrls, sizeof(ctrls), ",%s,", c1 + 1);
        static const char *const want[] = {"cpuacct", "cpuset", "memory"};
        char *dst[] = {h->cpuacct, h->cpuset, h->memory};
        for (int i = 0; i < 3; i++) {
            char key[32];
            snprintf(key, sizeof(key), ",%s,", want[i]);
            if (strstr(ctrls, key))
                snprintf(dst[i], PATH_MAX, "%s/%s%s", cgr, want[i], strcmp(cg, "/") ? cg : "");
        }
    }
    fclose(f);
    snprintf(h->netdev, sizeof(h->netdev), "%s/%d/net/dev", proc, pid);
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof(probe), "%s/cpuacct.usage_percpu", h->cpuacct);
    if (!h->cpuacct[0] || access(probe, R_OK) != 0)
        return mb_error_set(err, MB_EENV,
                            "host %s: no cgroup v1 cpuacct directory for PID %d (looked for %s)",
                            h->cfg->name, pid, h->cpuacct[0] ? probe : "a cpuacct line");
    return MB_OK;
}

static int local_read(struct mb_monitor *m, struct host_state *h, struct mb_buf *text)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/cpuacct.usage_percpu", h->cpuacct);
    if (read_file(path, text) < 0)
        return -1;
    if (h->cpuset[0]) {
        snprintf(path, sizeof(path), "%s/cpuset.cpus", h->cpuset);
        read_file(path, text);
    }
    if (h->memory[0]) {
        static const char *const mf[] = {"memory.usage_in_bytes", "memory.limit_in_bytes",
                                         "memory.stat"};
        for (int i = 0; i < 3; i++) {
            snprintf(path, sizeof(path), "%s/%s", h->memory, mf[i]);
            read_file(path, text);
        }
    }
    read_file(h->netdev, text);
    /* the machine's total, to bound an unlimited cgroup */
    snprintf(path, sizeof(path), "%s/meminfo", m->o.proc_root ? m->o.proc_root : "/proc");
    read_file(path, text);
    return 0;
}

/* One sample of host hi in text (any form mb_monitor_parse_host takes), taken at
 * (wall, mono): recorded as the host and its cores. */
static void record_host(struct mb_monitor *m, int hi, unsigned long tick, double wall, double mono,
                        const char *text, struct mb_buf *line)
{
    struct host_state *h = &m->hosts[hi];
    struct mb_monitor_host_sample *s = mb_xmalloc(sizeof(*s));
    struct mb_error e;
    if (mb_monitor_parse_host(text, h->cfg->netdevs, s, &e) < 0) {
        note_error(m, "host %s: %s", h->cfg->name, e.msg);
        free(s);
        return;
    }
    char src[32];
    snprintf(src, sizeof(src), "%s-%s", h->src == SRC_LOCAL ? "local" : "ssh",
             s->cpu_source   ? s->cpu_source
             : s->mem_source ? s->mem_source
                             : "net");
    struct reading r = {.kind = K_HOST,
                        .name = h->cfg->name,
                        .source = src,
                        .wall = wall,
                        .mono = mono,
                        .cpu = s->cpu_total_ns,
                        .vcpu = -1,
                        .mem = s->mem_used,
                        .rss = s->mem_rss,
                        .limit = s->mem_limit,
                        .rx = s->net_rx,
                        .tx = s->net_tx};
    record(m, hi, tick, &r, line);
    for (int c = 0; c < s->ncpus; c++) {
        char name[16];
        snprintf(name, sizeof(name), "cpu%d", s->cpu_id[c]);
        struct reading rc = {.kind = K_CPU,
                             .name = name,
                             .source = src,
                             .wall = wall,
                             .mono = mono,
                             .cpu = s->cpu_ns[c],
                             .vcpu = -1,
                             .mem = -1,
                             .rss = -1,
                             .limit = -1,
                             .rx = -1,
                             .tx = -1};
        record(m, hi, tick, &rc, line);
    }
    free(s);
}

/* Run the agent for n samples on SSH host h (connecting first when needed); its output
 * into text.  0, or -1 with the error noted (and the session dropped, to reconnect
 * after RETRY_S). */
static int agent_run(struct mb_monitor *m, struct host_state *h, int n, struct mb_buf *text)
{
    double now = mb_now_mono();
    struct mb_error e;
    mb_error_clear(&e);
    if (!h->ssh) {
        if (now < h->ssh_retry_at)
            return -1;
        if (mb_remote_open(m->o.ssh_ops, h->cfg->ssh, &h->ssh, &e) < 0) {
            h->ssh = NULL;
            h->ssh_retry_at = now + RETRY_S;
            note_error(m, "host %s: %s", h->cfg->name, e.msg);
            return -1;
        }
    }
    char cmd[96];
    long long iv_us = llround(m->o.interval_s * 1e6);
    snprintf(cmd, sizeof(cmd), "exec bash -s -- %d %lld", n, iv_us);
    double t = m->o.ssh_timeout_s > 0 ? m->o.ssh_timeout_s : 10;
    struct mb_remote_cmd c = {.cmd = cmd,
                              .stdin_data = agent_script,
                              .stdin_len = sizeof(agent_script) - 1,
                              .timeout_s = (double)n * m->o.interval_s + t,
                              .out_max = 16u << 20,
                              .err_max = 4096};
    struct mb_remote_result res;
    int rc = mb_remote_exec(h->ssh, &c, &res, &e);
    if (rc == MB_OK && res.out.len > 0)
        mb_buf_append(text, res.out.data, res.out.len);
    if (rc == MB_OK && res.out.len == 0)
        note_error(m,
                   "host %s: the monitor's agent printed nothing (exit %d%s%.300s): it needs "
                   "bash 4.2 or later on the host",
                   h->cfg->name, res.exit_status, res.err.len ? ": " : "",
                   res.err.len ? res.err.data : "");
    else if (rc < 0)
        note_error(m, "host %s: %s", h->cfg->name, e.msg);
    mb_remote_result_free(&res);
    if (rc < 0 || text->len == 0) {
        if (rc == MB_EENV || rc == MB_EFAILED) {
            mb_remote_close(h->ssh);
            h->ssh = NULL;
            h->ssh_retry_at = now + RETRY_S;
        }
        return -1;
    }
    return 0;
}

/* Record every "@tick EPOCH" sample of an agent's output.  The host's clock gives the
 * sample times (the lab's hosts share this machine's; real hosts are NTP-synchronised). */
static void record_agent_output(struct mb_monitor *m, int hi, const char *text, struct mb_buf *line)
{
    struct host_state *h = &m->hosts[hi];
    double offset = mb_now_wall() - mb_now_mono(); /* wall = mono + offset */
    for (const char *p = strstr(text, "@tick "); p;) {
        const char *next = strstr(p + 6, "\n@tick ");
        double wall = strtod(p + 6, NULL);
        if (wall > 0) {
            size_t len = next ? (size_t)(next + 1 - p) : strlen(p);
            char *one = mb_xstrndup(p, len);
            record_host(m, hi, ++h->agent_ticks, wall, wall - offset, one, line);
            free(one);
        }
        p = next ? next + 1 : NULL;
    }
}

/* A sample of host hi from the tick (local hosts; SSH hosts while no agent thread runs). */
static void sample_host(struct mb_monitor *m, int hi, unsigned long tick, struct mb_buf *line)
{
    struct host_state *h = &m->hosts[hi];
    struct mb_buf text = {.max = 16u << 20};
    if (h->src == SRC_LOCAL) {
        double w0 = mb_now_wall(), m0 = mb_now_mono();
        int rc = local_read(m, h, &text);
        double w1 = mb_now_wall(), m1 = mb_now_mono();
        if (rc < 0)
            note_error(m, "host %s: cannot read its cgroup files (%s): %s", h->cfg->name,
                       h->cpuacct, strerror(errno));
        else
            record_host(m, hi, tick, (w0 + w1) / 2, (m0 + m1) / 2, text.data, line);
    } else if (h->src == SRC_SSH && !h->agent_running) {
        if (agent_run(m, h, 1, &text) == 0)
            record_agent_output(m, hi, text.data, line);
    }
    mb_buf_free(&text);
}

static void csv_write_lines(struct mb_monitor *m, struct mb_buf *line)
{
    if (!m->csv || !line->len)
        return;
    pthread_mutex_lock(&m->csv_mu);
    if (fwrite(line->data, 1, line->len, m->csv) != line->len || fflush(m->csv) != 0)
        note_error(m, "%s: write: %s", m->csv_path, strerror(errno));
    pthread_mutex_unlock(&m->csv_mu);
}

/* ---- VM readers ------------------------------------------------------------------- */

static void vm_close(struct host_state *h)
{
    mb_hv_close(h->hv);
    h->hv = NULL;
}

static void sample_vms(struct mb_monitor *m, int hi, unsigned long tick, struct mb_buf *line)
{
    struct host_state *h = &m->hosts[hi];
    if (!h->cfg->uri)
        return;
    double now = mb_now_mono();
    struct mb_error e;
    mb_error_clear(&e);
    if (!h->hv) {
        if (now < h->hv_retry_at)
            return;
        if (mb_hv_open(m->o.hv_ops, h->cfg->uri, &h->hv, &e) < 0) {
            h->hv = NULL;
            note_error(m, "host %s: %s", h->cfg->name, e.msg);
            h->hv_retry_at = now + RETRY_S;
            return;
        }
    }
    struct mb_hv_dom_stats *vms = NULL;
    size_t n = 0;
    bool bulk = false;
    double w0 = mb_now_wall(), m0 = mb_now_mono();
    int rc = mb_hv_dom_stats_all(h->hv, &vms, &n, &bulk, &e);
    double w1 = mb_now_wall(), m1 = mb_now_mono();
    if (rc < 0) {
        /* a daemon restarted or a host lost: reconnect later */
        note_error(m, "host %s: %s", h->cfg->name, e.msg);
        vm_close(h);
        h->hv_retry_at = now + RETRY_S;
        return;
    }
    const char *src = bulk ? "libvirt-bulk" : "libvirt";
    for (size_t i = 0; i < n; i++) {
        const struct mb_hv_dom_stats *v = &vms[i];
        struct reading r = {.kind = K_VM,
                            .name = v->name,
                            .state = v->state,
                            .source = src,
                            .wall = (w0 + w1) / 2,
                            .mono = (m0 + m1) / 2,
                            .cpu = v->cpu_time_ns,
                            .vcpu = v->vcpu_time_ns,
                            .mem = v->balloon,
                            .rss = v->rss,
                            .limit = v->balloon_max,
                            .rx = -1,
                            .tx = -1};
        record(m, hi, tick, &r, line);
    }
    free(vms);
}

/* ---- ticks and the thread ----------------------------------------------------------- */

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add_cost(struct mb_monitor *m, double cpu, double took)
{
    pthread_mutex_lock(&m->data_mu);
    m->st.cpu_s += cpu;
    if (took * 1000 > m->st.sample_ms_max)
        m->st.sample_ms_max = took * 1000;
    pthread_mutex_unlock(&m->data_mu);
}

static void tick(struct mb_monitor *m)
{
    pthread_mutex_lock(&m->sample_mu);
    double c0 = thread_cpu(), t0 = mb_now_mono();
    pthread_mutex_lock(&m->data_mu);
    if (m->st.ticks == 0) {
        m->mono0 = t0;
        m->wall0 = mb_now_wall();
    }
    unsigned long n = ++m->st.ticks;
    pthread_mutex_unlock(&m->data_mu);
    struct mb_buf line = {.max = 16u << 20};
    for (int h = 0; h < m->nhosts; h++) {
        sample_host(m, h, n, &line);
        sample_vms(m, h, n, &line);
    }
    csv_write_lines(m, &line);
    mb_buf_free(&line);
    add_cost(m, thread_cpu() - c0, mb_now_mono() - t0);
    pthread_mutex_unlock(&m->sample_mu);
}

static bool stopping(struct mb_monitor *m)
{
    pthread_mutex_lock(&m->stop_mu);
    bool stop = m->stopping;
    pthread_mutex_unlock(&m->stop_mu);
    return stop;
}

/* Sleep until mono time t or the stop. */
static void wait_until(struct mb_monitor *m, double t)
{
    struct timespec until = mb_mono_deadline(t);
    pthread_mutex_lock(&m->stop_mu);
    while (!m->stopping && pthread_cond_timedwait(&m->stop_cv, &m->stop_mu, &until) == 0)
        ;
    pthread_mutex_unlock(&m->stop_mu);
}

static void *monitor_main(void *arg)
{
    struct mb_monitor *m = arg;
    double interval = m->o.interval_s;
    double start = mb_now_mono();
    for (unsigned long k = 0; !stopping(m); k++) {
        tick(m);
        /* the next tick on the grid start + k * interval, skipping overrun ones */
        double now = mb_now_mono();
        unsigned long next = (unsigned long)((now - start) / interval) + 1;
        if (next <= k)
            next = k + 1;
        k = next - 1;
        wait_until(m, start + (double)next * interval);
    }
    return NULL;
}

/* An SSH host's thread: agent batches back to back until the stop (which waits for the
 * batch under way: at most ssh_batch_s). */
static void *agent_main(void *arg)
{
    struct host_state *h = arg;
    struct mb_monitor *m = h->m;
    double batch = m->o.ssh_batch_s > 0 ? m->o.ssh_batch_s : 5;
    int n = (int)llround(batch / m->o.interval_s);
    if (n < 1)
        n = 1;
    int hi = (int)(h - m->hosts);
    while (!stopping(m)) {
        double c0 = thread_cpu(), t0 = mb_now_mono();
        struct mb_buf text = {.max = 16u << 20}, line = {.max = 16u << 20};
        int rc = agent_run(m, h, n, &text);
        if (rc == 0)
            record_agent_output(m, hi, text.data, &line);
        csv_write_lines(m, &line);
        mb_buf_free(&text);
        mb_buf_free(&line);
        add_cost(m, thread_cpu() - c0, 0);
        /* after a failure, or a batch that ended early (an agent that died): pause */
        if (rc < 0)
            wait_until(m, t0 + RETRY_S);
        else
            wait_until(m, t0 + (double)n * m->o.interval_s * 0.9);
    }
    return NULL;
}

/* ---- life cycle ------------------------------------------------------------------------ */

int mb_monitor_new(const struct mb_monitor_host *hosts, int nhosts, const struct mb_monitor_opts *o,
                   struct mb_monitor **out, struct mb_error *err)
{
    if (nhosts < 0 || (nhosts > 0 && !hosts))
        return mb_error_set(err, MB_EINPUT, "monitor: no hosts");
    struct mb_monitor_opts opts = o ? *o : (struct mb_monitor_opts){0};
    if (opts.interval_s == 0)
        opts.interval_s = 0.5;
    if (!(opts.interval_s >= 0.01) || opts.interval_s > 3600)
        return mb_error_set(err, MB_EINPUT, "monitor: interval %g s is out of range (10 ms..1 h)",
                            opts.interval_s);
    struct mb_monitor *m = mb_xcalloc(1, sizeof(*m));
    m->o = opts;
    m->nhosts = nhosts;
    m->hosts = mb_xcalloc((size_t)(nhosts ? nhosts : 1), sizeof(*m->hosts));
    pthread_mutex_init(&m->sample_mu, NULL);
    pthread_mutex_init(&m->data_mu, NULL);
    pthread_mutex_init(&m->csv_mu, NULL);
    pthread_mutex_init(&m->stop_mu, NULL);
    mb_cond_init_mono(&m->stop_cv);
    for (int i = 0; i < nhosts; i++) {
        struct host_state *h = &m->hosts[i];
        h->cfg = &hosts[i];
        h->m = m;
        if (!hosts[i].name || !*hosts[i].name) {
            mb_monitor_free(m);
            return mb_error_set(err, MB_EINPUT, "monitor: host %d has no name", i + 1);
        }
        h->src = SRC_NONE;
        if (hosts[i].local_pid > 0) {
            struct mb_error e;
            mb_error_clear(&e);
            if (local_resolve(&m->o, hosts[i].local_pid, h, &e) == MB_OK)
                h->src = SRC_LOCAL;
            else
                snprintf(h->local_error, sizeof(h->local_error), "%s", e.msg);
        }
        if (h->src == SRC_NONE && hosts[i].ssh)
            h->src = SRC_SSH;
        if (i < 16)
            m->st.host_source[i] = h->src == SRC_LOCAL ? "local"
                                   : h->src == SRC_SSH ? "ssh"
                                                       : "none";
        if (h->src == SRC_NONE && h->local_error[0])
            note_error(m, "%s", h->local_error);
    }
    if (opts.csv_path) {
        int rc = open_csv(m, opts.csv_path, err);
        if (rc < 0) {
            mb_monitor_free(m);
            return rc;
        }
    }
    *out = m;
    return MB_OK;
}

void mb_monitor_set_label(struct mb_monitor *m, const char *label)
{
    pthread_mutex_lock(&m->data_mu);
    /* kept with its start: an SSH host's samples arrive in batches, after the fact */
    m->labels = mb_xrealloc(m->labels, (m->nlabels + 1) * sizeof(*m->labels));
    struct label *l = &m->labels[m->nlabels++];
    l->from = mb_now_wall();
    snprintf(l->text, sizeof(l->text), "%s", label ? label : "");
    pthread_mutex_unlock(&m->data_mu);
}

int mb_monitor_sample_now(struct mb_monitor *m, struct mb_error *err)
{
    (void)err;
    tick(m);
    return MB_OK;
}

int mb_monitor_start(struct mb_monitor *m, struct mb_error *err)
{
    if (m->running)
        return MB_OK;
    m->stopping = false;
    if (pthread_create(&m->thread, NULL, monitor_main, m) != 0)
        return mb_error_set(err, MB_EENV, "monitor: cannot start its thread");
    m->running = true;
    for (int i = 0; i < m->nhosts; i++) {
        struct host_state *h = &m->hosts[i];
        if (h->src != SRC_SSH)
            continue;
        /* the tick samples this host itself while its thread runs not */
        pthread_mutex_lock(&m->sample_mu);
        h->agent_running = pthread_create(&h->agent, NULL, agent_main, h) == 0;
        pthread_mutex_unlock(&m->sample_mu);
        if (!h->agent_running)
            note_error(m, "host %s: cannot start its sampling thread", h->cfg->name);
    }
    return MB_OK;
}

void mb_monitor_stop(struct mb_monitor *m)
{
    if (!m || !m->running)
        return;
    pthread_mutex_lock(&m->stop_mu);
    m->stopping = true;
    pthread_cond_broadcast(&m->stop_cv);
    pthread_mutex_unlock(&m->stop_mu);
    pthread_join(m->thread, NULL);
    for (int i = 0; i < m->nhosts; i++) {
        if (m->hosts[i].agent_running)
            pthread_join(m->hosts[i].agent, NULL);
        m->hosts[i].agent_running = false;
    }
    m->running = false;
    m->stopping = false;
    if (m->csv)
        fflush(m->csv);
}

int mb_monitor_flush(struct mb_monitor *m, double t, double timeout_s, struct mb_error *err)
{
    double deadline = mb_now_mono() + timeout_s;
    for (;;) {
        const char *late = NULL;
        pthread_mutex_lock(&m->data_mu);
        for (int i = 0; i < m->nhosts && !late; i++) {
            if (m->hosts[i].src == SRC_NONE)
                continue;
            int ei = entity_find(m, i, K_HOST, m->hosts[i].cfg->name, false);
            if (ei < 0 || m->ents[ei].last_wall < t)
                late = m->hosts[i].cfg->name;
        }
        pthread_mutex_unlock(&m->data_mu);
        if (!late)
            return MB_OK;
        if (mb_now_mono() >= deadline)
            return mb_error_set(err, MB_EFAILED, "monitor: no sample of host %s since %.3f yet",
                                late, t);
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

void mb_monitor_free(struct mb_monitor *m)
{
    if (!m)
        return;
    mb_monitor_stop(m);
    for (int i = 0; i < m->nhosts; i++) {
        struct host_state *h = &m->hosts[i];
        mb_remote_close(h->ssh);
        vm_close(h);
    }
    if (m->csv)
        fclose(m->csv);
    free(m->csv_path);
    free(m->hosts);
    free(m->ents);
    free(m->recs);
    free(m->labels);
    pthread_mutex_destroy(&m->sample_mu);
    pthread_mutex_destroy(&m->data_mu);
    pthread_mutex_destroy(&m->csv_mu);
    pthread_mutex_destroy(&m->stop_mu);
    pthread_cond_destroy(&m->stop_cv);
    free(m);
}

void mb_monitor_status(struct mb_monitor *m, struct mb_monitor_status *out)
{
    pthread_mutex_lock(&m->data_mu);
    *out = m->st;
    out->wall_s = m->st.ticks ? mb_now_mono() - m->mono0 : 0;
    pthread_mutex_unlock(&m->data_mu);
}

/* ---- figures ---------------------------------------------------------------------------- */

static int host_index(const struct mb_monitor *m, const char *name)
{
    for (int i = 0; i < m->nhosts; i++)
        if (!strcmp(m->hosts[i].cfg->name, name))
            return i;
    return -1;
}

static void usage_init(struct mb_monitor_usage *u)
{
    memset(u, 0, sizeof(*u));
    u->from = u->to = u->cpu_pct = u->vcpu_pct = u->cpu_pct_peak = NAN;
    u->mem_min = u->mem_max = u->mem_last = u->rss_max = u->rss_last = u->mem_limit = NAN;
    u->net_rx_bps = u->net_tx_bps = NAN;
}

/* The bracket of entity ei for [t0, t1]: record indices a <= b (or -1). data_mu held. */
static void bracket(const struct mb_monitor *m, int ei, double t0, double t1, long *a, long *b)
{
    long first = -1, before = -1, after = -1, last = -1;
    for (size_t i = 0; i < m->nrecs; i++) {
        const struct rec *r = &m->recs[i];
        if (r->ent != ei)
            continue;
        if (first < 0)
            first = (long)i;
        last = (long)i;
        if (r->wall <= t0)
            before = (long)i;
        if (after < 0 && r->wall >= t1)
            after = (long)i;
    }
    *a = before >= 0 ? before : first;
    *b = after >= 0 ? after : last;
    if (*a >= 0 && *b >= 0 && m->recs[*b].wall < m->recs[*a].wall)
        *a = *b;
    /* a window entirely before this entity's first sample, or after its last one
     * (gone: migrated away): nothing measured */
    if (*a >= 0 && (m->recs[*a].wall > t1 || m->recs[*b].wall < t0))
        *a = *b = -1;
}

struct accum {
    double cpu, vcpu; /* summed rates, % */
    bool cpu_ok, vcpu_ok;
    double peak;
};

/* Rates of one entity over its bracket into acc; fills u's time span and counts. */
static void entity_rates(const struct mb_monitor *m, long a, long b, int ei, struct accum *acc,
                         struct mb_monitor_usage *u)
{
    const struct rec *ra = &m->recs[a], *rb = &m->recs[b];
    double dt = rb->mono - ra->mono;
    if (!isfinite(u->from) || ra->wall < u->from)
        u->from = ra->wall;
    if (!isfinite(u->to) || rb->wall > u->to)
        u->to = rb->wall;
    if (dt > 0) {
        double c = rate(rb->cpu, ra->cpu, dt, 100.0 / 1e9);
        double v = rate(rb->vcpu, ra->vcpu, dt, 100.0 / 1e9);
        if (isfinite(c)) {
            acc->cpu += c;
            acc->cpu_ok = true;
        }
        if (isfinite(v)) {
            acc->vcpu += v;
            acc->vcpu_ok = true;
        }
        u->net_rx_bps = rate(rb->rx, ra->rx, dt, 1.0);
        u->net_tx_bps = rate(rb->tx, ra->tx, dt, 1.0);
    }
    /* peak between consecutive samples */
    long prev = -1;
    for (long i = a; i <= b; i++) {
        if (m->recs[i].ent != ei)
            continue;
        if (prev >= 0) {
            double p = rate(m->recs[i].cpu, m->recs[prev].cpu, m->recs[i].mono - m->recs[prev].mono,
                            100.0 / 1e9);
            if (isfinite(p) && (!isfinite(acc->peak) || p > acc->peak))
                acc->peak = p;
        }
        prev = i;
    }
}

static bool name_match(const char *pattern, const char *name)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return !strncmp(pattern, name, n - 1);
    return !strcmp(pattern, name);
}

/* Usage over every entity of kind k matching (host, pattern).  data_mu held. */
static void usage_of(struct mb_monitor *m, int host, enum kind k, const char *pattern, double t0,
                     double t1, struct mb_monitor_usage *u)
{
    usage_init(u);
    struct accum acc = {.peak = NAN};
    unsigned long tmin = ULONG_MAX, tmax = 0;
    long *as = mb_xcalloc(m->nents ? m->nents : 1, sizeof(long));
    long *bs = mb_xcalloc(m->nents ? m->nents : 1, sizeof(long));
    bool any = false;
    for (size_t ei = 0; ei < m->nents; ei++) {
        const struct entity *e = &m->ents[ei];
        as[ei] = bs[ei] = -1;
        if (e->kind != k || (host >= 0 && e->host != host) || !name_match(pattern, e->name))
            continue;
        bracket(m, (int)ei, t0, t1, &as[ei], &bs[ei]);
        if (as[ei] < 0)
            continue;
        any = true;
        u->vms++;
        entity_rates(m, as[ei], bs[ei], (int)ei, &acc, u);
        if (m->recs[as[ei]].tick < tmin)
            tmin = m->recs[as[ei]].tick;
        if (m->recs[bs[ei]].tick > tmax)
            tmax = m->recs[bs[ei]].tick;
    }
    if (any) {
        if (acc.cpu_ok)
            u->cpu_pct = acc.cpu;
        if (acc.vcpu_ok)
            u->vcpu_pct = acc.vcpu;
        u->cpu_pct_peak = acc.peak;
        /* memory: summed per tick over the matching entities */
        size_t nt = tmax - tmin + 1;
        double *mem = mb_xcalloc(nt, sizeof(double)), *rss = mb_xcalloc(nt, sizeof(double));
        double *lim = mb_xcalloc(nt, sizeof(double));
        bool *seen = mb_xcalloc(nt, sizeof(bool)), *mseen = mb_xcalloc(nt, sizeof(bool));
        bool *rseen = mb_xcalloc(nt, sizeof(bool));
        for (size_t ei = 0; ei < m->nents; ei++) {
            if (as[ei] < 0)
                continue;
            /* memory is a level, not a rate: the samples inside the window say what it
             * was, the bracketing ones only when none is inside (a balloon still
             * shrinking in the sample before the window is not "over" its target) */
            bool inside = false;
            for (long i = as[ei]; i <= bs[ei] && !inside; i++)
                inside =
                    m->recs[i].ent == (int)ei && m->recs[i].wall >= t0 && m->recs[i].wall <= t1;
            for (long i = as[ei]; i <= bs[ei]; i++) {
                const struct rec *r = &m->recs[i];
                if (r->ent != (int)ei)
                    continue;
                size_t t = r->tick - tmin;
                seen[t] = true;
                if (inside && (r->wall < t0 || r->wall > t1))
                    continue;
                if (r->mem >= 0) {
                    mem[t] += (double)r->mem;
                    mseen[t] = true;
                }
                if (r->rss >= 0) {
                    rss[t] += (double)r->rss;
                    rseen[t] = true;
                }
                if (r->limit >= 0)
                    lim[t] += (double)r->limit;
            }
        }
        for (size_t t = 0; t < nt; t++) {
            if (!seen[t])
                continue;
            u->samples++;
            if (mseen[t]) {
                if (!isfinite(u->mem_min) || mem[t] < u->mem_min)
                    u->mem_min = mem[t];
                if (!isfinite(u->mem_max) || mem[t] > u->mem_max)
                    u->mem_max = mem[t];
                u->mem_last = mem[t];
            }
            if (rseen[t]) {
                if (!isfinite(u->rss_max) || rss[t] > u->rss_max)
                    u->rss_max = rss[t];
                u->rss_last = rss[t];
            }
            if (lim[t] > 0)
                u->mem_limit = lim[t];
        }
        free(mem);
        free(rss);
        free(lim);
        free(seen);
        free(mseen);
        free(rseen);
    }
    free(as);
    free(bs);
}

int mb_monitor_host_usage(struct mb_monitor *m, const char *host, double t0, double t1,
                          struct mb_monitor_usage *out, struct mb_error *err)
{
    int h = host ? host_index(m, host) : -1;
    if (h < 0)
        return mb_error_set(err, MB_EINPUT, "monitor: no host '%s'", host ? host : "");
    pthread_mutex_lock(&m->data_mu);
    usage_of(m, h, K_HOST, host, t0, t1, out);
    pthread_mutex_unlock(&m->data_mu);
    return MB_OK;
}

int mb_monitor_vm_usage(struct mb_monitor *m, const char *host, const char *name, double t0,
                        double t1, struct mb_monitor_usage *out, struct mb_error *err)
{
    int h = -1;
    if (host && (h = host_index(m, host)) < 0)
        return mb_error_set(err, MB_EINPUT, "monitor: no host '%s'", host);
    if (!name || !*name)
        return mb_error_set(err, MB_EINPUT, "monitor: no VM name");
    pthread_mutex_lock(&m->data_mu);
    usage_of(m, h, K_VM, name, t0, t1, out);
    pthread_mutex_unlock(&m->data_mu);
    return MB_OK;
}

const char *mb_monitor_verdict_name(enum mb_monitor_verdict v)
{
    switch (v) {
    case MB_CHECK_OK:
        return "ok";
    case MB_CHECK_UNDER:
        return "under";
    case MB_CHECK_OVER:
        return "over";
    case MB_CHECK_UNMEASURED:
        return "unmeasured";
    }
    return "?";
}

int mb_monitor_check_cap(struct mb_monitor *m, const char *host, const char *vm, double asked,
                         double read_back, double t0, double t1, double tol_pp,
                         struct mb_monitor_check *out, struct mb_error *err)
{
    struct mb_monitor_usage u;
    int rc = mb_monitor_vm_usage(m, host, vm, t0, t1, &u, err);
    if (rc < 0)
        return rc;
    struct mb_monitor_check c = {.asked = asked, .read_back = read_back, .samples = u.samples};
    c.measured = isfinite(u.vcpu_pct) ? u.vcpu_pct : u.cpu_pct;
    c.error = c.measured - asked;
    if (!isfinite(c.measured))
        c.verdict = MB_CHECK_UNMEASURED;
    else if (!(asked > 0) || fabs(c.error) <= tol_pp)
        c.verdict = MB_CHECK_OK; /* no cap: nothing to exceed */
    else
        c.verdict = c.error > 0 ? MB_CHECK_OVER : MB_CHECK_UNDER;
    *out = c;
    return MB_OK;
}

int mb_monitor_check_balloon(struct mb_monitor *m, const char *host, const char *vm, double asked,
                             double read_back, double t0, double t1, double tol,
                             struct mb_monitor_check *out, struct mb_error *err)
{
    if (!(asked > 0))
        return mb_error_set(err, MB_EINPUT, "monitor: balloon target must be positive");
    struct mb_monitor_usage u;
    int rc = mb_monitor_vm_usage(m, host, vm, t0, t1, &u, err);
    if (rc < 0)
        return rc;
    struct mb_monitor_check c = {.asked = asked, .read_back = read_back, .samples = u.samples};
    c.measured = u.mem_last;
    c.error = (c.measured - asked) / asked;
    if (!isfinite(c.measured))
        c.verdict = MB_CHECK_UNMEASURED;
    else if (u.mem_max > asked * (1 + tol))
        c.verdict = MB_CHECK_OVER;
    else if (u.mem_min < asked * (1 - tol))
        c.verdict = MB_CHECK_UNDER;
    else
        c.verdict = MB_CHECK_OK;
    *out = c;
    return MB_OK;
}

/* ---- the lab ------------------------------------------------------------------------------ */

int mb_monitor_lab_pid(const char *testbed_path, const char *host, int *pid, struct mb_error *err)
{
    *pid = 0;
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", testbed_path ? testbed_path : "");
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/lab.env", dir);
    FILE *f = fopen(path, "re");
    if (!f)
        return MB_OK; /* not a lab instance */
    char key[300], line[512];
    snprintf(key, sizeof(key), "host.%s.holder=", host);
    long v = 0;
    while (fgets(line, sizeof(line), f))
        if (has_prefix(line, key))
            v = strtol(line + strlen(key), NULL, 10);
    fclose(f);
    if (v <= 0)
        return MB_OK;
    char a[PATH_MAX], b[64], p[64];
    snprintf(p, sizeof(p), "/proc/%ld/ns/net", v);
    ssize_t na = readlink(p, a, sizeof(a) - 1),
            nb = readlink("/proc/self/ns/net", b, sizeof(b) - 1);
    if (na < 0 || nb < 0)
        return mb_error_set(err, MB_EENV,
                            "%s names PID %ld for host %s, which does not run (is the lab up?)",
                            path, v, host);
    a[na] = b[nb] = '\0';
    if (!strcmp(a, b))
        return mb_error_set(err, MB_EENV,
                            "%s: PID %ld of host %s is in this machine's own network namespace, "
                            "not a lab host's",
                            path, v, host);
    snprintf(p, sizeof(p), "/proc/%ld/cgroup", v);
    struct mb_buf cg = {.max = 1 << 16};
    int ok = read_file(p, &cg) == 0 && cg.data && strstr(cg.data, "/migbench/");
    mb_buf_free(&cg);
    if (!ok)
        return mb_error_set(err, MB_EENV, "%s: PID %ld of host %s is not in the lab's cgroups",
                            path, v, host);
    *pid = (int)v;
    return MB_OK;
}
