/* cgroup.c — a process's cgroup on v1, v2 or hybrid machines, and its files' text into
 * numbers (cgroup.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

#define DEFAULT_ROOT "/sys/fs/cgroup"

const char *mb_cgroup_kind_name(enum mb_cgroup_kind k)
{
    switch (k) {
    case MB_CGROUP_V1:
        return "v1";
    case MB_CGROUP_V2:
        return "v2";
    case MB_CGROUP_HYBRID:
        return "hybrid";
    default:
        return "none";
    }
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool readable(const char *dir, const char *file)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof(p), "%s/%s", dir, file);
    return access(p, R_OK) == 0;
}

enum mb_cgroup_kind mb_cgroup_detect(const char *root)
{
    if (!root)
        root = DEFAULT_ROOT;
    if (readable(root, "cgroup.controllers"))
        return MB_CGROUP_V2;
    static const char *const v1[] = {"cpuacct", "cpuset", "memory", "cpu"};
    bool any = false;
    for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
        char p[PATH_MAX + 16];
        snprintf(p, sizeof(p), "%s/%s", root, v1[i]);
        any = any || is_dir(p);
    }
    if (!any)
        return MB_CGROUP_NONE;
    return readable(root, "unified/cgroup.controllers") ? MB_CGROUP_HYBRID : MB_CGROUP_V1;
}

/* ---- a process's cgroup --------------------------------------------------------------- */

/* The v1 lines of /proc/PID/cgroup ("N:ctrl,ctrl:/path") into dirs per wanted controller,
 * and the v2 line ("0::/path") into v2path.  false when no line had the form. */
static bool read_pid_cgroup(FILE *f, const char *root, char (*v1dir)[PATH_MAX], char *v2path,
                            size_t v2len, bool *have_v2)
{
    static const char *const want[] = {"cpuacct", "cpuset", "memory", "cpu"};
    char line[1024];
    bool any = false;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || c2[1] != '/')
            continue;
        *c2 = '\0';
        const char *cg = c2 + 1;
        any = true;
        if (!c1[1]) { /* "0::/path" */
            snprintf(v2path, v2len, "%s", cg);
            *have_v2 = true;
            continue;
        }
        char ctrls[256];
        snprintf(ctrls, sizeof(ctrls), ",%s,", c1 + 1);
        for (int i = 0; i < 4; i++) {
            char key[32];
            snprintf(key, sizeof(key), ",%s,", want[i]);
            if (strstr(ctrls, key))
                snprintf(v1dir[i], PATH_MAX, "%s/%s%s", root, want[i], strcmp(cg, "/") ? cg : "");
        }
    }
    return any;
}

/* The root of the cgroup2 mount at /sys/fs/cgroup in pid's own mount view, when it is
 * an ancestor of path (a process in a cgroup namespace sees that root as "/"). */
static bool view_root(const char *proc, int pid, const char *path, char *out, size_t outlen)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/%d/mountinfo", proc, pid);
    FILE *f = fopen(p, "re");
    if (!f)
        return false;
    char line[2048];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER */
        char mroot[1024], mpoint[1024];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", mroot, mpoint) != 2)
            continue;
        if (strncmp(dash + 3, "cgroup2 ", 8) || strcmp(mpoint, "/sys/fs/cgroup"))
            continue;
        size_t n = strlen(mroot);
        if (!strcmp(mroot, "/") || (strncmp(path, mroot, n) || (path[n] != '/' && path[n] != '\0')))
            continue;
        snprintf(out, outlen, "%s", mroot);
        found = true;
    }
    fclose(f);
    return found;
}

int mb_cgroup_of_pid(const char *root, const char *proc_root, int pid, struct mb_cgroup *out,
                     struct mb_error *err)
{
    const char *proc = proc_root ? proc_root : "/proc";
    if (!root)
        root = DEFAULT_ROOT;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%d/cgroup", proc, pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return mb_error_set(err, MB_EENV, "%s: %s", path, strerror(errno));
    char v1dir[4][PATH_MAX] = {"", "", "", ""}, v2path[PATH_MAX] = "";
    bool have_v2 = false;
    bool any = read_pid_cgroup(f, root, v1dir, v2path, sizeof(v2path), &have_v2);
    fclose(f);
    if (!any)
        return mb_error_set(err, MB_EENV, "%s: no cgroup line in it", path);

    struct mb_cgroup cg;
    memset(&cg, 0, sizeof(cg));
    cg.kind = mb_cgroup_detect(root);
    char v2dir[PATH_MAX] = "";
    if (have_v2 && (cg.kind == MB_CGROUP_V2 || cg.kind == MB_CGROUP_HYBRID)) {
        char top[PATH_MAX];
        const char *p = view_root(proc, pid, v2path, top, sizeof(top)) ? top : v2path;
        int w = snprintf(v2dir, sizeof(v2dir), "%s%s%s", root,
                         cg.kind == MB_CGROUP_HYBRID ? "/unified" : "", strcmp(p, "/") ? p : "");
        if (w < 0 || (size_t)w >= sizeof(v2dir))
            v2dir[0] = '\0'; /* too long to be real */
    }
    /* each resource where this machine has it: v1 first, else v2 */
    struct {
        int *v;
        char *dir;
        const char *v1file, *v2file;
        int v1idx;
    } res[] = {
        {&cg.cpu_v, cg.cpu, "cpuacct.usage_percpu", "cpu.stat", 0},
        {&cg.cpuset_v, cg.cpuset, "cpuset.cpus", "cpuset.cpus.effective", 1},
        {&cg.mem_v, cg.memory, "memory.usage_in_bytes", "memory.current", 2},
        {&cg.cap_v, cg.cap, "cpu.cfs_quota_us", "cpu.max", 3},
    };
    bool found = false;
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        const char *d1 = v1dir[res[i].v1idx];
        if (d1[0] && readable(d1, res[i].v1file)) {
            *res[i].v = 1;
            snprintf(res[i].dir, PATH_MAX, "%s", d1);
        } else if (v2dir[0] && readable(v2dir, res[i].v2file)) {
            *res[i].v = 2;
            snprintf(res[i].dir, PATH_MAX, "%s", v2dir);
        }
        found = found || *res[i].v;
    }
    if (!found)
        return mb_error_set(err, MB_EENV,
                            "PID %d: no readable cgroup CPU, cpuset or memory files under %s "
                            "(this machine: cgroup %s)",
                            pid, root, mb_cgroup_kind_name(cg.kind));
    *out = cg;
    return MB_OK;
}

int mb_cgroup_sample_files(const struct mb_cgroup *cg, char (*paths)[PATH_MAX + 64], int max)
{
    int n = 0;
#define ADD(dir, file)                                                                             \
    do {                                                                                           \
        if (n < max)                                                                               \
            snprintf(paths[n++], PATH_MAX + 64, "%s/%s", (dir), (file));                           \
    } while (0)
    if (cg->cpu_v == 1)
        ADD(cg->cpu, "cpuacct.usage_percpu");
    else if (cg->cpu_v == 2)
        ADD(cg->cpu, "cpu.stat");
    if (cg->cpuset_v == 1)
        ADD(cg->cpuset, "cpuset.cpus");
    else if (cg->cpuset_v == 2)
        ADD(cg->cpuset, "cpuset.cpus.effective");
    if (cg->mem_v == 1) {
        ADD(cg->memory, "memory.usage_in_bytes");
        ADD(cg->memory, "memory.limit_in_bytes");
        ADD(cg->memory, "memory.stat");
    } else if (cg->mem_v == 2) {
        ADD(cg->memory, "memory.current");
        ADD(cg->memory, "memory.max");
        ADD(cg->memory, "memory.stat");
    }
    if (cg->cap_v == 1) {
        ADD(cg->cap, "cpu.cfs_quota_us");
        ADD(cg->cap, "cpu.cfs_period_us");
    } else if (cg->cap_v == 2) {
        ADD(cg->cap, "cpu.max");
    }
#undef ADD
    return n;
}

/* ---- parsing -------------------------------------------------------------------------- */

bool mb_cgroup_parse_cpulist(const char *s, bool *set)
{
    memset(set, 0, MB_CGROUP_MAX_CPUS * sizeof(bool));
    bool any = false;
    while (*s && *s != '\n' && *s != ' ') {
        char *end;
        long a = strtol(s, &end, 10), b;
        if (end == s || a < 0 || (*s < '0' || *s > '9'))
            goto bad;
        b = a;
        if (*end == '-') {
            const char *q = end + 1;
            b = strtol(q, &end, 10);
            if (end == q || b < a)
                goto bad;
        }
        for (long i = a; i <= b && i < MB_CGROUP_MAX_CPUS; i++)
            set[i] = any = true;
        s = end;
        if (*s == ',')
            s++;
        else if (*s && *s != '\n' && *s != ' ')
            goto bad;
    }
    return any;
bad:
    memset(set, 0, MB_CGROUP_MAX_CPUS * sizeof(bool));
    return false;
}

/* A whole-line decimal number (trailing blanks allowed); -1 when it is not one. */
static int64_t parse_i64(const char *s)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno)
        return -1;
    while (*end == ' ' || *end == '\t')
        end++;
    return *end ? -1 : v;
}

/* "max" (v2's "no limit") or a number */
static int64_t parse_limit(const char *s)
{
    if (!strncmp(s, "max", 3)) {
        const char *e = s + 3;
        while (*e == ' ' || *e == '\t')
            e++;
        return *e ? -1 : MB_CGROUP_UNLIMITED;
    }
    return parse_i64(s);
}

/* "KEY VALUE" of a flat-keyed file: VALUE when the line's key is key, else -2 */
static int64_t keyed(const char *line, const char *key)
{
    size_t n = strlen(key);
    if (strncmp(line, key, n) || line[n] != ' ')
        return -2;
    return parse_i64(line + n + 1);
}

/* file's last component (len bytes) is name? */
static bool named(const char *file, size_t len, const char *name)
{
    size_t n = strlen(name);
    return len >= n && !strncmp(file + len - n, name, n) && (len == n || file[len - n - 1] == '/');
}

static void parse_percpu(struct mb_cgroup_stats *s, const char *line)
{
    const char *p = line;
    char *end;
    s->npercpu = 0;
    while (s->npercpu < MB_CGROUP_MAX_CPUS) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        if (*p < '0' || *p > '9') {
            s->npercpu = 0; /* garbage: none of it */
            return;
        }
        long long v = strtoll(p, &end, 10);
        if (end == p)
            break;
        s->percpu_ns[s->npercpu++] = v;
        p = end;
    }
}

/* cpu.max: "QUOTA PERIOD", QUOTA "max" = no cap */
static void parse_cpu_max(struct mb_cgroup_stats *s, const char *line)
{
    char q[32];
    long long period;
    if (sscanf(line, "%31s %lld", q, &period) != 2 || period <= 0)
        return;
    int64_t quota = parse_limit(q);
    if (quota < 0)
        return;
    s->cap_quota_us = quota;
    s->cap_period_us = period;
}

static void parse_memory_stat(struct mb_cgroup_stats *s, const char *line)
{
    int64_t v;
    if ((v = keyed(line, "total_rss")) != -2)
        s->v1_total_rss = v;
    else if ((v = keyed(line, "rss")) != -2)
        s->v1_rss = v;
    else if ((v = keyed(line, "anon")) != -2)
        s->v2_anon = v;
}

bool mb_cgroup_parse_line(struct mb_cgroup_stats *s, const char *file, size_t len, const char *line)
{
    int64_t v;
    if (named(file, len, "cpuacct.usage_percpu"))
        parse_percpu(s, line);
    else if (named(file, len, "cpu.stat")) {
        if ((v = keyed(line, "usage_usec")) != -2)
            s->v2_usage_us = v;
    } else if (named(file, len, "cpuset.cpus"))
        s->v1_cpuset = mb_cgroup_parse_cpulist(line, s->cpuset);
    else if (named(file, len, "cpuset.cpus.effective")) {
        if (!s->v1_cpuset)
            s->have_cpuset = mb_cgroup_parse_cpulist(line, s->cpuset);
    } else if (named(file, len, "memory.usage_in_bytes"))
        s->v1_usage = parse_i64(line);
    else if (named(file, len, "memory.limit_in_bytes"))
        s->v1_limit = parse_i64(line);
    else if (named(file, len, "memory.current"))
        s->v2_current = parse_i64(line);
    else if (named(file, len, "memory.max"))
        s->v2_max = parse_limit(line);
    else if (named(file, len, "memory.stat"))
        parse_memory_stat(s, line);
    else if (named(file, len, "cpu.cfs_quota_us"))
        s->v1_quota = !strcmp(line, "-1") ? MB_CGROUP_UNLIMITED : parse_i64(line);
    else if (named(file, len, "cpu.cfs_period_us"))
        s->v1_period = parse_i64(line);
    else if (named(file, len, "cpu.max"))
        parse_cpu_max(s, line);
    else
        return false;
    return true;
}

void mb_cgroup_stats_init(struct mb_cgroup_stats *s)
{
    memset(s, 0, sizeof(*s));
    s->usage_ns = s->mem_current = s->mem_limit = s->mem_anon = -1;
    s->cap_quota_us = s->cap_period_us = -1;
    s->v1_usage = s->v1_limit = s->v1_total_rss = s->v1_rss = -1;
    s->v2_usage_us = s->v2_current = s->v2_max = s->v2_anon = -1;
    s->v1_quota = s->v1_period = -1;
}

void mb_cgroup_stats_done(struct mb_cgroup_stats *s)
{
    if (s->npercpu > 0) {
        s->usage_ns = 0;
        for (int i = 0; i < s->npercpu; i++)
            s->usage_ns += s->percpu_ns[i];
    } else if (s->v2_usage_us >= 0 && s->v2_usage_us <= INT64_MAX / 1000) {
        s->usage_ns = s->v2_usage_us * 1000;
    }
    if (s->v1_cpuset)
        s->have_cpuset = true;
    bool v1mem = s->v1_usage >= 0;
    s->mem_current = v1mem ? s->v1_usage : s->v2_current;
    s->mem_limit = v1mem ? s->v1_limit : s->v2_current >= 0 ? s->v2_max : -1;
    /* v1 reports "no limit" as LLONG_MAX rounded down to a page */
    if (v1mem && s->mem_limit >= (INT64_MAX & ~(int64_t)0xfffff))
        s->mem_limit = MB_CGROUP_UNLIMITED;
    s->mem_anon = v1mem ? (s->v1_total_rss >= 0 ? s->v1_total_rss : s->v1_rss) : s->v2_anon;
    if (s->v1_quota >= 0 && s->v1_period > 0) {
        s->cap_quota_us = s->v1_quota;
        s->cap_period_us = s->v1_period;
    }
}

int mb_cgroup_read(const struct mb_cgroup *cg, struct mb_cgroup_stats *out, struct mb_error *err)
{
    char paths[16][PATH_MAX + 64];
    int n = mb_cgroup_sample_files(cg, paths, 16), nread = 0;
    struct mb_cgroup_stats *s = malloc(sizeof(*s));
    if (!s)
        return mb_error_set(err, MB_ENOMEM, "out of memory");
    mb_cgroup_stats_init(s);
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "re");
        if (!f)
            continue;
        nread++;
        char line[4096];
        while (fgets(line, sizeof(line), f)) {
            line[strcspn(line, "\n")] = '\0';
            mb_cgroup_parse_line(s, paths[i], strlen(paths[i]), line);
        }
        fclose(f);
    }
    mb_cgroup_stats_done(s);
    int rc = MB_OK;
    if (nread == 0)
        rc = mb_error_set(err, MB_EENV, "cannot read any cgroup file (%s)", n ? paths[0] : "none");
    else
        *out = *s;
    free(s);
    return rc;
}
