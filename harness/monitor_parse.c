/* monitor_parse.c — a host's text (cgroup and /proc files, as the local reader and the
 * SSH agent print them) into a struct mb_monitor_host_sample. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "monitor.h"

_Static_assert(MB_MONITOR_MAX_CPUS == MB_CGROUP_MAX_CPUS, "one CPU bound for both");

/* ---- parsing a host's text -------------------------------------------------------- */

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

/* What the lines of one sample say, gathered before they are combined (cgroup numbers
 * win over /proc's).  -1 = not seen. */
struct host_parse {
    const char *netdevs;
    struct mb_cgroup_stats cg;            /* the cgroup's files, v1 or v2 (cgroup.h) */
    int64_t proc_ns[MB_MONITOR_MAX_CPUS]; /* /proc/stat's busy time per CPU, ns */
    bool proc_cpu[MB_MONITOR_MAX_CPUS];   /* a /proc/stat line was seen for that CPU */
    bool have_proc, have_net;
    int64_t memtotal, memavail, anon; /* /proc/meminfo */
    int64_t rx, tx;                   /* summed over the counted interfaces */
};

/* "cpuN user nice system idle iowait irq softirq steal ..." in USER_HZ (100) */
static void parse_proc_stat(struct host_parse *ps, const char *line)
{
    unsigned long long f[8] = {0};
    int cpu;
    if (line[3] >= '0' && line[3] <= '9' &&
        sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &f[0], &f[1], &f[2],
               &f[3], &f[4], &f[5], &f[6], &f[7]) == 9 &&
        cpu >= 0 && cpu < MB_MONITOR_MAX_CPUS) {
        /* busy = all but idle and iowait */
        ps->proc_ns[cpu] = (int64_t)(f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * 10000000;
        ps->proc_cpu[cpu] = ps->have_proc = true;
    }
}

static void parse_meminfo(struct host_parse *ps, const char *line)
{
    long long kb;
    if (sscanf(line, "MemTotal: %lld", &kb) == 1)
        ps->memtotal = kb * 1024;
    else if (sscanf(line, "MemAvailable: %lld", &kb) == 1)
        ps->memavail = kb * 1024;
    else if (sscanf(line, "AnonPages: %lld", &kb) == 1)
        ps->anon = kb * 1024;
}

/* "  NAME: rx_bytes packets errs drop fifo frame compressed multicast tx_bytes ..." */
static void parse_net_dev(struct host_parse *ps, char *line)
{
    char *c = strchr(line, ':');
    if (!c)
        return;
    *c = '\0';
    char *name = line;
    while (*name == ' ')
        name++;
    unsigned long long v[9];
    if (sscanf(c + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &v[6], &v[7], &v[8]) != 9)
        return;
    ps->have_net = true;
    if (netdev_selected(name, ps->netdevs)) {
        ps->rx += (int64_t)v[0];
        ps->tx += (int64_t)v[8];
    }
}

/* One line of the file at path (plen bytes). */
static void parse_file_line(struct host_parse *ps, const char *path, size_t plen, char *line)
{
    if (mb_cgroup_parse_line(&ps->cg, path, plen, line)) {
        /* a cgroup file, v1 or v2 */
    } else if (path_is(path, plen, "proc/stat")) {
        parse_proc_stat(ps, line);
    } else if (path_is(path, plen, "meminfo")) {
        parse_meminfo(ps, line);
    } else if (path_is(path, plen, "net/dev")) {
        parse_net_dev(ps, line);
    }
}

/* Every line of text, in either form, to parse_file_line. */
static void parse_lines(struct host_parse *ps, const char *text)
{
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
            char rest[1024];
            size_t rl = len - (size_t)(body - line);
            if (rl >= sizeof(rest))
                rl = sizeof(rest) - 1;
            memcpy(rest, body, rl);
            rest[rl] = '\0';
            parse_file_line(ps, section ? section : line,
                            section ? section_len : (size_t)(colon - line), rest);
        }
        line = nl ? nl + 1 : NULL;
    }
}

/* The host's CPU: v1 cpuacct's per-CPU counters (the host's own use of each core of its
 * cpuset); v2's cpu.stat usage_usec for the host's total, with /proc/stat's cores of its
 * cpuset (the machine's use of them: v2 keeps no per-CPU usage); or else /proc/stat. */
static void take_cpus(const struct host_parse *ps, struct mb_monitor_host_sample *s)
{
    const struct mb_cgroup_stats *cg = &ps->cg;
    bool percpu = cg->npercpu > 0, total = !percpu && cg->usage_ns >= 0;
    if (!percpu && !total && !ps->have_proc)
        return;
    s->cpu_source = percpu || total ? "cgroup" : "proc";
    s->core_source = percpu ? "cgroup" : "proc";
    s->cpu_total_ns = total ? cg->usage_ns : 0;
    int n = percpu ? cg->npercpu : ps->have_proc ? MB_MONITOR_MAX_CPUS : 0;
    for (int i = 0; i < n; i++) {
        if ((!percpu && !ps->proc_cpu[i]) || (cg->have_cpuset && !cg->cpuset[i]))
            continue;
        int64_t ns = percpu ? cg->percpu_ns[i] : ps->proc_ns[i];
        s->cpu_id[s->ncpus] = i;
        s->cpu_ns[s->ncpus++] = ns;
        if (!total)
            s->cpu_total_ns += ns;
    }
}

/* Memory from the cgroup, v1 or v2 (its limit at most the machine's), or else
 * /proc/meminfo. */
static void take_memory(const struct host_parse *ps, struct mb_monitor_host_sample *s)
{
    const struct mb_cgroup_stats *cg = &ps->cg;
    if (cg->mem_current >= 0) {
        s->mem_source = "cgroup";
        s->mem_used = cg->mem_current;
        s->mem_rss = cg->mem_anon;
        s->mem_limit = cg->mem_limit;
        if (ps->memtotal > 0 && (s->mem_limit < 0 || s->mem_limit > ps->memtotal))
            s->mem_limit = ps->memtotal;
        else if (s->mem_limit == MB_CGROUP_UNLIMITED)
            s->mem_limit = -1; /* no limit, and the machine's size not read */
    } else if (ps->memtotal > 0) {
        s->mem_source = "proc";
        s->mem_limit = ps->memtotal;
        s->mem_used = ps->memavail >= 0 ? ps->memtotal - ps->memavail : -1;
        s->mem_rss = ps->anon;
    }
}

int mb_monitor_parse_host(const char *text, const char *netdevs, struct mb_monitor_host_sample *out,
                          struct mb_error *err)
{
    /* on the heap: several KiB, and the caller's thread may have a small stack */
    struct host_parse *ps = calloc(1, sizeof(*ps));
    if (!ps)
        return mb_error_set(err, MB_ENOMEM, "out of memory");
    ps->netdevs = netdevs;
    mb_cgroup_stats_init(&ps->cg);
    ps->memtotal = ps->memavail = ps->anon = -1;
    parse_lines(ps, text);
    mb_cgroup_stats_done(&ps->cg);

    struct mb_monitor_host_sample s;
    memset(&s, 0, sizeof(s));
    s.cpu_total_ns = s.mem_used = s.mem_rss = s.mem_limit = s.net_rx = s.net_tx = -1;
    take_cpus(ps, &s);
    take_memory(ps, &s);
    if (ps->have_net) {
        s.net_rx = ps->rx;
        s.net_tx = ps->tx;
    }
    free(ps);
    if (s.cpu_total_ns < 0 && s.mem_used < 0 && s.net_rx < 0)
        return mb_error_set(err, MB_EINPUT,
                            "no CPU, memory or network numbers in the host's output");
    *out = s;
    return MB_OK;
}
