/* monitor.c — the monitor's life cycle, its sampling threads and their ticks, and
 * monitor.csv; the readers, figures and lab look-up are in monitor_*.c (see
 * monitor_priv.h). */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "monitor_priv.h"
#include "results.h"

/* ---- the monitor's state ---------------------------------------------------------- */

static const char *const kind_names[] = {"host", "cpu", "vm"};

void mb_monitor_note_error(struct mb_monitor *m, const char *fmt, ...)
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

/* The label in force at wall time t.  data_mu held. */
static const char *label_at(const struct mb_monitor *m, double t)
{
    const char *l = "";
    for (size_t i = 0; i < m->nlabels && m->labels[i].from <= t; i++)
        l = m->labels[i].text;
    return l;
}

/* Store r for host h and append its CSV line to line. */
void mb_monitor_record(struct mb_monitor *m, int h, unsigned long tick, const struct reading *r,
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
    double cpu_pct = e->has_prev ? mb_monitor_rate(r->cpu, e->prev_cpu, dt, 100.0 / 1e9) : NAN;
    double vcpu_pct = e->has_prev ? mb_monitor_rate(r->vcpu, e->prev_vcpu, dt, 100.0 / 1e9) : NAN;
    double rx_bps = e->has_prev ? mb_monitor_rate(r->rx, e->prev_rx, dt, 1.0) : NAN;
    double tx_bps = e->has_prev ? mb_monitor_rate(r->tx, e->prev_tx, dt, 1.0) : NAN;
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

static void csv_write_lines(struct mb_monitor *m, struct mb_buf *line)
{
    if (!m->csv || !line->len)
        return;
    pthread_mutex_lock(&m->csv_mu);
    if (fwrite(line->data, 1, line->len, m->csv) != line->len || fflush(m->csv) != 0)
        mb_monitor_note_error(m, "%s: write: %s", m->csv_path, strerror(errno));
    pthread_mutex_unlock(&m->csv_mu);
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
    double c0 = thread_cpu(), t0 = mb_now_mono(), began = mb_now_wall();
    pthread_mutex_lock(&m->data_mu);
    if (m->st.ticks == 0) {
        m->mono0 = t0;
        m->wall0 = mb_now_wall();
    }
    unsigned long n = ++m->st.ticks;
    pthread_mutex_unlock(&m->data_mu);
    struct mb_buf line = {.max = 16u << 20};
    for (int h = 0; h < m->nhosts; h++) {
        mb_monitor_sample_host(m, h, n, &line);
        mb_monitor_sample_vms(m, h, n, &line);
    }
    csv_write_lines(m, &line);
    mb_buf_free(&line);
    pthread_mutex_lock(&m->data_mu);
    m->tick_done = began;
    pthread_mutex_unlock(&m->data_mu);
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
        struct mb_buf line = {.max = 16u << 20};
        int rc = mb_monitor_agent_batch(m, hi, n, &line);
        csv_write_lines(m, &line);
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
            if (mb_monitor_local_resolve(&m->o, hosts[i].local_pid, h, &e) == MB_OK)
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
            mb_monitor_note_error(m, "%s", h->local_error);
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
            mb_monitor_note_error(m, "host %s: cannot start its sampling thread", h->cfg->name);
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
        /* a tick begun at t or later has read every host and its VMs to the end */
        bool ticked = !m->running || m->tick_done >= t;
        for (int i = 0; i < m->nhosts && !late; i++) {
            if (m->hosts[i].src == SRC_NONE)
                continue;
            int ei = entity_find(m, i, K_HOST, m->hosts[i].cfg->name, false);
            if (ei < 0 || m->ents[ei].last_wall < t)
                late = m->hosts[i].cfg->name;
        }
        pthread_mutex_unlock(&m->data_mu);
        if (!late && ticked)
            return MB_OK;
        if (mb_now_mono() >= deadline)
            return late ? mb_error_set(err, MB_EFAILED,
                                       "monitor: no sample of host %s since %.3f yet", late, t)
                        : mb_error_set(err, MB_EFAILED,
                                       "monitor: no sample of the VMs since %.3f yet", t);
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
        mb_monitor_vm_close(h);
        mb_monitor_local_close(h);
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
