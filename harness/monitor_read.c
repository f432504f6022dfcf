/* monitor_read.c — the monitor's readers: a local host's cgroup and /proc files, an SSH
 * host's agent (a bash loop on a session kept open), and every host's VMs through the
 * hypervisor's ops (mb_hv_dom_stats_all: one call per host per sample). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor_priv.h"

/* ---- the SSH host agent ------------------------------------------------------------ */

/* The host agent: run as `bash -s -- SAMPLES INTERVAL_US` with this on its standard
 * input.  It prints SAMPLES samples, one every INTERVAL_US on the host's clock, each
 * "@tick EPOCH" followed by "@file PATH" sections holding the files' contents, and ends.
 * Inside the loop only bash builtins run (read, printf, arithmetic): no process is
 * started per sample; `read -t` on a pipe that never delivers is its sleep.  It reads
 * the v1 files, or the v2 ones where /sys/fs/cgroup is the unified hierarchy (inside a lab
 * host: the host's own cgroup); /proc/stat only where v1 cpuacct is not mounted (its
 * cores, and the total where no cgroup has one). */
static const char agent_script[] =
    "n=$1 iv=$2\n"
    "exec 2>/dev/null\n"
    "exec {z}<> <(:)\n"
    "g=/sys/fs/cgroup\n"
    "F=\"$g/cpuacct/cpuacct.usage_percpu $g/cpuset/cpuset.cpus $g/memory/memory.usage_in_bytes "
    "$g/memory/memory.limit_in_bytes $g/memory/memory.stat\"\n"
    "[ -r $g/cgroup.controllers ] && F=\"$g/cpu.stat $g/cpuset.cpus.effective $g/memory.current "
    "$g/memory.max $g/memory.stat\"\n"
    "F=\"$F /proc/meminfo /proc/net/dev\"\n"
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

/* ---- host readers ----------------------------------------------------------------- */

/* The text of an open file from its start, as "path:line" lines into out (the
 * kernel's seq files regenerate themselves for a read at offset 0). */
static int read_fd(int fd, const char *path, struct mb_buf *out)
{
    char buf[8192];
    size_t used = 0;
    for (;;) {
        ssize_t n = pread(fd, buf + used, sizeof(buf) - 1 - used, (off_t)used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        used += (size_t)n;
        if (used == sizeof(buf) - 1)
            break;
    }
    buf[used] = '\0';
    for (char *line = buf; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        mb_buf_printf(out, "%s:%.*s\n", path, (int)len, line);
        line = nl ? nl + 1 : line + len;
    }
    return 0;
}

int mb_monitor_read_file(const char *path, struct mb_buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = read_fd(fd, path, out);
    close(fd);
    return rc;
}

/* Read path through the host's open file in slot i: opened the first time, or again
 * when the path changed or a read failed (a removed cgroup's files fail).  A kept
 * /proc/PID/net/dev holds that network namespace, and reads it, until the monitor
 * closes at the campaign's end, even if the host's PID 1 died before. */
static int read_kept(struct host_state *h, int i, const char *path, struct mb_buf *out)
{
    struct open_file *f = &h->files[i];
    if (f->path && strcmp(f->path, path) != 0) {
        close(f->fd);
        free(f->path);
        f->path = NULL;
    }
    if (f->path) {
        if (read_fd(f->fd, path, out) == 0) /* a failed read appended nothing */
            return 0;
        close(f->fd);
        free(f->path);
        f->path = NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    f->fd = fd;
    f->path = mb_xstrdup(path);
    return read_fd(fd, path, out);
}

void mb_monitor_local_close(struct host_state *h)
{
    for (int i = 0; i < MB_MONITOR_LOCAL_FILES; i++) {
        if (h->files[i].path) {
            close(h->files[i].fd);
            free(h->files[i].path);
            h->files[i].path = NULL;
        }
    }
}

/* The cgroup of pid (v1, v2 or hybrid: cgroup.h) and its netns's /proc/PID/net/dev. */
int mb_monitor_local_resolve(const struct mb_monitor_opts *o, int pid, struct host_state *h,
                             struct mb_error *err)
{
    const char *proc = o->proc_root ? o->proc_root : "/proc";
    struct mb_error e;
    mb_error_clear(&e);
    if (mb_cgroup_of_pid(o->cgroup_root, proc, pid, &h->cg, &e) < 0)
        return mb_error_set(err, MB_EENV, "host %s: %s", h->cfg->name, e.msg);
    if (!h->cg.cpu_v)
        return mb_error_set(err, MB_EENV,
                            "host %s: no cgroup CPU accounting for PID %d (v1 "
                            "cpuacct.usage_percpu or v2 cpu.stat; this machine: cgroup %s)",
                            h->cfg->name, pid, mb_cgroup_kind_name(h->cg.kind));
    snprintf(h->netdev, sizeof(h->netdev), "%s/%d/net/dev", proc, pid);
    return MB_OK;
}

/* A local host's files as text: its cgroup's (the CPU file first: without it the
 * sample fails), /proc/stat where the cgroup has no per-CPU usage (v2), the network
 * namespace's net/dev and the machine's meminfo. */
static int local_read(struct mb_monitor *m, struct host_state *h, struct mb_buf *text)
{
    const char *proc = m->o.proc_root ? m->o.proc_root : "/proc";
    char files[MB_MONITOR_LOCAL_FILES - 3][PATH_MAX + 64];
    int n = mb_cgroup_sample_files(&h->cg, files, MB_MONITOR_LOCAL_FILES - 3);
    for (int i = 0; i < n; i++)
        if (read_kept(h, i, files[i], text) < 0 && i == 0)
            return -1;
    char path[PATH_MAX + 64];
    if (h->cg.cpu_v != 1) {
        snprintf(path, sizeof(path), "%s/stat", proc);
        read_kept(h, n++, path, text);
    }
    read_kept(h, n++, h->netdev, text);
    /* the machine's total, to bound an unlimited cgroup */
    snprintf(path, sizeof(path), "%s/meminfo", proc);
    read_kept(h, n, path, text);
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
        mb_monitor_note_error(m, "host %s: %s", h->cfg->name, e.msg);
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
    mb_monitor_record(m, hi, tick, &r, line);
    char core_src[32];
    snprintf(core_src, sizeof(core_src), "%s-%s", h->src == SRC_LOCAL ? "local" : "ssh",
             s->core_source ? s->core_source : "proc");
    for (int c = 0; c < s->ncpus; c++) {
        char name[16];
        snprintf(name, sizeof(name), "cpu%d", s->cpu_id[c]);
        struct reading rc = {.kind = K_CPU,
                             .name = name,
                             .source = core_src,
                             .wall = wall,
                             .mono = mono,
                             .cpu = s->cpu_ns[c],
                             .vcpu = -1,
                             .mem = -1,
                             .rss = -1,
                             .limit = -1,
                             .rx = -1,
                             .tx = -1};
        mb_monitor_record(m, hi, tick, &rc, line);
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
            mb_monitor_note_error(m, "host %s: %s", h->cfg->name, e.msg);
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
        mb_monitor_note_error(
            m,
            "host %s: the monitor's agent printed nothing (exit %d%s%.300s): it needs "
            "bash 4.2 or later on the host",
            h->cfg->name, res.exit_status, res.err.len ? ": " : "",
            res.err.len ? res.err.data : "");
    else if (rc < 0)
        mb_monitor_note_error(m, "host %s: %s", h->cfg->name, e.msg);
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

int mb_monitor_agent_batch(struct mb_monitor *m, int hi, int n, struct mb_buf *line)
{
    struct mb_buf text = {.max = 16u << 20};
    int rc = agent_run(m, &m->hosts[hi], n, &text);
    if (rc == 0)
        record_agent_output(m, hi, text.data, line);
    mb_buf_free(&text);
    return rc;
}

/* A sample of host hi from the tick (local hosts; SSH hosts while no agent thread runs). */
void mb_monitor_sample_host(struct mb_monitor *m, int hi, unsigned long tick, struct mb_buf *line)
{
    struct host_state *h = &m->hosts[hi];
    struct mb_buf text = {.max = 16u << 20};
    if (h->src == SRC_LOCAL) {
        double w0 = mb_now_wall(), m0 = mb_now_mono();
        int rc = local_read(m, h, &text);
        double w1 = mb_now_wall(), m1 = mb_now_mono();
        if (rc < 0)
            mb_monitor_note_error(m, "host %s: cannot read its cgroup files (%s): %s", h->cfg->name,
                                  h->cg.cpu, strerror(errno));
        else
            record_host(m, hi, tick, (w0 + w1) / 2, (m0 + m1) / 2, text.data, line);
    } else if (h->src == SRC_SSH && !h->agent_running) {
        mb_monitor_agent_batch(m, hi, 1, line);
    }
    mb_buf_free(&text);
}

/* ---- VM readers ------------------------------------------------------------------- */

void mb_monitor_vm_close(struct host_state *h)
{
    mb_hv_close(h->hv);
    h->hv = NULL;
}

void mb_monitor_sample_vms(struct mb_monitor *m, int hi, unsigned long tick, struct mb_buf *line)
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
            mb_monitor_note_error(m, "host %s: %s", h->cfg->name, e.msg);
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
        mb_monitor_note_error(m, "host %s: %s", h->cfg->name, e.msg);
        mb_monitor_vm_close(h);
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
        mb_monitor_record(m, hi, tick, &r, line);
    }
    free(vms);
}
