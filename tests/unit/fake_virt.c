/* fake_virt.c — a scriptable fake hypervisor behind struct mb_hv_ops, for unit tests.
 * #include it from a test (each test is its own binary, so its state is the test's).
 *
 * Hosts are URIs "fake://A", "fake://B", ... (index = letter); "fake://down" refuses
 * connections.  Domains live in fake.doms; a migration moves one to the host named by
 * dest_uri.  fake.mode scripts what a migration does, and fake.log records the calls in
 * order ("downtime=50 watch migrate unwatch"). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hypervisor.h"

enum fake_mig_mode {
    FAKE_MIG_OK,         /* succeeds; the JOB_COMPLETED event arrives before it returns */
    FAKE_MIG_OK_LATE,    /* succeeds; the event arrives 50 ms after it returned */
    FAKE_MIG_OK_NOEVENT, /* succeeds; no event (statistics only on the destination) */
    FAKE_MIG_FAIL,       /* fails with fake.fail_msg */
    FAKE_MIG_HANG,       /* blocks until abort_job is called, then fails */
    FAKE_MIG_CONVERGE,   /* blocks until the downtime limit is raised to the switchover's
                          * (then succeeds, event first) or abort_job (then fails) */
};

struct fake_dom {
    bool used;
    char name[64];
    int host;
    int vcpus;
    unsigned long long period;
    long long quota;
    uint64_t max_kib, target_kib, actual_kib;
    uint64_t old_kib; /* the size before the last set_memory */
    int lag_left;     /* info reads still to report old_kib */
};

static struct fake {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    enum fake_mig_mode mode;
    const char *fail_msg;
    int aborts, postcopies;
    int postcopy_refusals; /* start_postcopy fails this many times first */
    struct mb_job_stats event_stats, dest_stats;
    bool dest_stats_fail;
    bool watch_unsupported;
    /* the watch */
    mb_hv_job_cb cb;
    void *opaque;
    void (*release)(void *);
    bool watching;
    pthread_t late;
    bool late_running;
    /* balloon: actual moves this many KiB toward the target per memory_stats call
     * (0 = jumps there at once); balloon_stuck_kib > 0 = it never goes below that */
    uint64_t balloon_step_kib, balloon_stuck_kib;
    /* info reads after a set_memory that still report the old size (libvirt's figure
     * follows QEMU's BALLOON_CHANGE events, at most one a second) */
    int balloon_event_lag;
    bool balloon_unreported;
    struct mb_hv_migrate_opts last_opts;
    /* the QEMU monitor: the hypervisor host_info reports, zero-page-detection as QEMU
     * holds it, a QEMU that ignores the setting, a monitor that fails */
    char hypervisor[64];
    char zero_pages[16];
    bool zero_pages_ignored, monitor_fail;
    /* the running job's statistics: job_progress returns progress[i], i advancing to the
     * last, which repeats (none scripted: nothing reported) */
    struct mb_job_progress progress[40];
    int nprogress, progress_i, polls;
    bool switched; /* the downtime limit was raised to MB_HV_SWITCHOVER_DOWNTIME_MS */
    char last_dest_xml[256];
    char log[2048];
    struct fake_dom doms[8];
} fake = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

struct fake_conn {
    int host;
};

static void fake_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fake_log(const char *fmt, ...)
{
    size_t len = strlen(fake.log);
    if (len && len < sizeof(fake.log) - 1)
        fake.log[len++] = ' ';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fake.log + len, sizeof(fake.log) - len, fmt, ap);
    va_end(ap);
}

/* Reset and put one domain "vm1" (1 vCPU, 256 MiB, no cap) on host A. */
static void fake_reset(void)
{
    pthread_mutex_lock(&fake.mu);
    struct fake keep = {0};
    keep.mu = fake.mu;
    keep.cv = fake.cv;
    fake = keep;
    pthread_mutex_unlock(&fake.mu);
    fake.fail_msg = "internal error: qemu unexpectedly closed the monitor";
    snprintf(fake.hypervisor, sizeof(fake.hypervisor), "QEMU 10.0.2");
    snprintf(fake.zero_pages, sizeof(fake.zero_pages), "legacy");
    mb_job_stats_init(&fake.event_stats);
    mb_job_stats_init(&fake.dest_stats);
    fake.doms[0] = (struct fake_dom){.used = true,
                                     .name = "vm1",
                                     .host = 0,
                                     .vcpus = 1,
                                     .period = 100000,
                                     .quota = -1,
                                     .max_kib = 262144,
                                     .target_kib = 262144,
                                     .actual_kib = 262144};
}

static int fake_host_of(const char *uri)
{
    if (strncmp(uri, "fake://", 7) != 0 || strlen(uri) != 8 || uri[7] < 'A' || uri[7] > 'Z')
        return -1;
    return uri[7] - 'A';
}

static int f_open(const char *uri, void **conn, struct mb_error *err)
{
    int h = fake_host_of(uri);
    if (h < 0)
        return mb_error_set(err, MB_EENV,
                            "cannot connect to %s: unable to connect to server: Connection "
                            "refused",
                            uri);
    struct fake_conn *c = calloc(1, sizeof(*c));
    c->host = h;
    *conn = c;
    return MB_OK;
}

static void f_close(void *conn)
{
    free(conn);
}

static int f_host_info(void *conn, struct mb_hv_host_info *out, struct mb_error *err)
{
    (void)err;
    struct fake_conn *c = conn;
    snprintf(out->hostname, sizeof(out->hostname), "host%c", 'A' + c->host);
    snprintf(out->driver, sizeof(out->driver), "QEMU");
    snprintf(out->hypervisor, sizeof(out->hypervisor), "%s", fake.hypervisor);
    snprintf(out->libvirt, sizeof(out->libvirt), "9.0.0");
    snprintf(out->cpu_model, sizeof(out->cpu_model), "Fake-CPU");
    out->cpus = 2;
    out->memory = (uint64_t)4 << 30;
    return MB_OK;
}

static int f_list(void *conn, char ***names, struct mb_error *err)
{
    (void)err;
    struct fake_conn *c = conn;
    char **out = calloc(9, sizeof(*out));
    int n = 0;
    for (int i = 0; i < 8; i++)
        if (fake.doms[i].used && fake.doms[i].host == c->host)
            out[n++] = strdup(fake.doms[i].name);
    *names = out;
    return MB_OK;
}

static int *domh(int i)
{
    int *p = malloc(sizeof(*p));
    *p = i;
    return p;
}

static int f_lookup(void *conn, const char *name, void **dom, struct mb_error *err)
{
    (void)err;
    struct fake_conn *c = conn;
    *dom = NULL;
    for (int i = 0; i < 8; i++)
        if (fake.doms[i].used && fake.doms[i].host == c->host && !strcmp(fake.doms[i].name, name))
            *dom = domh(i);
    return MB_OK;
}

static int f_create(void *conn, const char *xml, void **dom, struct mb_error *err)
{
    struct fake_conn *c = conn;
    const char *a = strstr(xml, "<name>"), *b = a ? strstr(a, "</name>") : NULL;
    if (!a || !b)
        return mb_error_set(err, MB_EENV, "starting domain: XML error: missing name");
    a += 6;
    for (int i = 0; i < 8; i++) {
        if (fake.doms[i].used)
            continue;
        fake.doms[i] = (struct fake_dom){.used = true,
                                         .host = c->host,
                                         .vcpus = 1,
                                         .period = 100000,
                                         .quota = -1,
                                         .max_kib = 131072,
                                         .target_kib = 131072,
                                         .actual_kib = 131072};
        snprintf(fake.doms[i].name, sizeof(fake.doms[i].name), "%.*s", (int)(b - a), a);
        *dom = domh(i);
        return MB_OK;
    }
    return mb_error_set(err, MB_EENV, "starting domain: fake is full");
}

static void f_dom_free(void *dom)
{
    free(dom);
}

static const char *f_dom_name(void *dom)
{
    return fake.doms[*(int *)dom].name;
}

static int f_destroy(void *dom, struct mb_error *err)
{
    (void)err;
    fake.doms[*(int *)dom].used = false;
    return MB_OK;
}

static int f_info(void *dom, struct mb_hv_dom_info *out, struct mb_error *err)
{
    (void)err;
    struct fake_dom *d = &fake.doms[*(int *)dom];
    snprintf(out->state, sizeof(out->state), "running");
    out->vcpus = d->vcpus;
    out->max_memory = d->max_kib * 1024;
    out->memory = (d->lag_left > 0 ? d->old_kib : d->target_kib) * 1024;
    if (d->lag_left > 0)
        d->lag_left--;
    out->cpu_time_ns = 123456789;
    return MB_OK;
}

static int f_xml(void *dom, char **out, struct mb_error *err)
{
    (void)err;
    struct fake_dom *d = &fake.doms[*(int *)dom];
    char buf[512];
    if (d->quota > 0)
        snprintf(buf, sizeof(buf),
                 "<domain type='qemu'>\n  <name>%s</name>\n  <cputune>\n    "
                 "<period>%llu</period>\n    <quota>%lld</quota>\n  </cputune>\n</domain>\n",
                 d->name, d->period, d->quota);
    else
        snprintf(buf, sizeof(buf), "<domain type='qemu'>\n  <name>%s</name>\n</domain>\n", d->name);
    *out = strdup(buf);
    return MB_OK;
}

static int f_set_max_downtime(void *dom, unsigned long long ms, struct mb_error *err)
{
    (void)dom;
    (void)err;
    pthread_mutex_lock(&fake.mu);
    fake_log("downtime=%llu", ms);
    if (ms >= MB_HV_SWITCHOVER_DOWNTIME_MS) {
        fake.switched = true;
        pthread_cond_broadcast(&fake.cv);
    }
    pthread_mutex_unlock(&fake.mu);
    return MB_OK;
}

static int f_job_progress(void *dom, struct mb_job_progress *out, struct mb_error *err)
{
    (void)dom;
    (void)err;
    pthread_mutex_lock(&fake.mu);
    mb_job_progress_init(out);
    if (fake.nprogress > 0) {
        *out = fake.progress[fake.progress_i];
        if (fake.progress_i < fake.nprogress - 1)
            fake.progress_i++;
    }
    fake.polls++;
    pthread_mutex_unlock(&fake.mu);
    return MB_OK;
}

static int f_qemu_monitor(void *dom, const char *cmd, char **reply, struct mb_error *err)
{
    (void)dom;
    if (fake.monitor_fail)
        return mb_error_set(err, MB_EENV,
                            "QEMU monitor command: Requested operation is not valid: domain is "
                            "not running");
    char buf[256];
    if (strstr(cmd, "migrate-set-parameters") && strstr(cmd, "\"zero-page-detection\":\"none\"")) {
        fake_log("qmp:zero-pages=none");
        if (!fake.zero_pages_ignored)
            snprintf(fake.zero_pages, sizeof(fake.zero_pages), "none");
        snprintf(buf, sizeof(buf), "{\"return\":{},\"id\":\"libvirt-42\"}");
    } else if (strstr(cmd, "query-migrate-parameters")) {
        fake_log("qmp:query");
        snprintf(buf, sizeof(buf),
                 "{\"return\":{\"downtime-limit\":300,\"zero-page-detection\": \"%s\","
                 "\"multifd-channels\":2},\"id\":\"libvirt-43\"}",
                 fake.zero_pages);
    } else {
        return mb_error_set(err, MB_EENV, "QEMU monitor command: the fake knows no '%s'", cmd);
    }
    *reply = strdup(buf);
    return MB_OK;
}

static void fire_event(void)
{
    if (fake.watching && fake.cb)
        fake.cb(fake.opaque, &fake.event_stats);
}

static void *late_event(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    fire_event();
    return NULL;
}

static int f_migrate(void *dom, const struct mb_hv_migrate_opts *o, struct mb_error *err)
{
    struct fake_dom *d = &fake.doms[*(int *)dom];
    fake.last_opts = *o;
    snprintf(fake.last_dest_xml, sizeof(fake.last_dest_xml), "%s", o->dest_xml ? o->dest_xml : "");
    fake_log("migrate");
    int to = fake_host_of(o->dest_uri);
    switch (fake.mode) {
    case FAKE_MIG_FAIL:
        return mb_error_set(err, MB_EFAILED, "migration to %s: %s", o->dest_uri, fake.fail_msg);
    case FAKE_MIG_CONVERGE:
        pthread_mutex_lock(&fake.mu);
        while (fake.aborts == 0 && !fake.switched)
            pthread_cond_wait(&fake.cv, &fake.mu);
        bool switched = fake.switched;
        pthread_mutex_unlock(&fake.mu);
        if (switched)
            break;
        return mb_error_set(err, MB_EFAILED, "migration to %s: operation aborted", o->dest_uri);
    case FAKE_MIG_HANG:
        pthread_mutex_lock(&fake.mu);
        while (fake.aborts == 0)
            pthread_cond_wait(&fake.cv, &fake.mu);
        pthread_mutex_unlock(&fake.mu);
        return mb_error_set(err, MB_EFAILED,
                            "migration to %s: operation aborted: migration out job: canceled "
                            "by client",
                            o->dest_uri);
    default:
        break;
    }
    if (to < 0)
        return mb_error_set(err, MB_EFAILED, "migration to %s: unable to connect", o->dest_uri);
    d->host = to;
    if (fake.mode == FAKE_MIG_OK || fake.mode == FAKE_MIG_CONVERGE) {
        fire_event();
    } else if (fake.mode == FAKE_MIG_OK_LATE) {
        fake.late_running = pthread_create(&fake.late, NULL, late_event, NULL) == 0;
    }
    return MB_OK;
}

static int f_abort_job(void *dom, struct mb_error *err)
{
    (void)dom;
    (void)err;
    pthread_mutex_lock(&fake.mu);
    fake.aborts++;
    pthread_cond_broadcast(&fake.cv);
    pthread_mutex_unlock(&fake.mu);
    return MB_OK;
}

static int f_start_postcopy(void *dom, struct mb_error *err)
{
    (void)dom;
    if (fake.postcopy_refusals > 0) {
        fake.postcopy_refusals--;
        return mb_error_set(err, MB_EENV,
                            "switching to post-copy: internal error: unable to execute QEMU "
                            "command 'migrate-start-postcopy': Enable postcopy with "
                            "migrate_set_capability before the start of migration");
    }
    fake.postcopies++;
    return MB_OK;
}

static int f_completed_job(void *dom, struct mb_job_stats *out, struct mb_error *err)
{
    (void)dom;
    fake_log("completed_job");
    if (fake.dest_stats_fail)
        return mb_error_set(err, MB_EENV, "completed job statistics: no job");
    *out = fake.dest_stats;
    return MB_OK;
}

static int f_watch_job(void *conn, void *dom, mb_hv_job_cb cb, void *opaque,
                       void (*release)(void *), int *id, struct mb_error *err)
{
    (void)conn;
    (void)dom;
    if (fake.watch_unsupported)
        return mb_error_set(err, MB_EENV, "watching job events: not supported");
    fake_log("watch");
    fake.cb = cb;
    fake.opaque = opaque;
    fake.release = release;
    fake.watching = true;
    *id = 7;
    return MB_OK;
}

static void f_unwatch_job(void *conn, int id)
{
    (void)conn;
    (void)id;
    fake_log("unwatch");
    if (fake.late_running) {
        pthread_join(fake.late, NULL);
        fake.late_running = false;
    }
    fake.watching = false;
    if (fake.release)
        fake.release(fake.opaque);
    fake.release = NULL;
}

static int f_get_vcpu_bw(void *dom, unsigned long long *period, long long *quota,
                         struct mb_error *err)
{
    (void)err;
    struct fake_dom *d = &fake.doms[*(int *)dom];
    *period = d->period;
    *quota = d->quota;
    return MB_OK;
}

static int f_set_vcpu_bw(void *dom, unsigned long long period, long long quota,
                         struct mb_error *err)
{
    (void)err;
    struct fake_dom *d = &fake.doms[*(int *)dom];
    fake_log("bw=%llu/%lld", period, quota);
    d->period = period;
    d->quota = quota;
    return MB_OK;
}

static int f_set_memory(void *dom, uint64_t kib, struct mb_error *err)
{
    struct fake_dom *d = &fake.doms[*(int *)dom];
    if (kib > d->max_kib)
        return mb_error_set(err, MB_EINPUT,
                            "setting the balloon: invalid argument: cannot set memory higher "
                            "than max memory");
    d->old_kib = d->target_kib;
    d->lag_left = fake.balloon_event_lag;
    d->target_kib = kib;
    return MB_OK;
}

static int f_memory_stats(void *dom, struct mb_hv_mem_stats *out, struct mb_error *err)
{
    (void)err;
    struct fake_dom *d = &fake.doms[*(int *)dom];
    if (fake.balloon_unreported)
        return MB_OK;
    uint64_t goal = d->target_kib;
    if (fake.balloon_stuck_kib && goal < fake.balloon_stuck_kib)
        goal = fake.balloon_stuck_kib;
    if (!fake.balloon_step_kib) {
        d->actual_kib = goal;
    } else if (d->actual_kib > goal) {
        d->actual_kib = d->actual_kib - goal > fake.balloon_step_kib
                            ? d->actual_kib - fake.balloon_step_kib
                            : goal;
    } else if (d->actual_kib < goal) {
        d->actual_kib = goal - d->actual_kib > fake.balloon_step_kib
                            ? d->actual_kib + fake.balloon_step_kib
                            : goal;
    }
    out->actual = (int64_t)d->actual_kib * 1024;
    out->rss = 100 << 20;
    return MB_OK;
}

static int f_cpu_stats(void *dom, struct mb_hv_cpu_stats *out, struct mb_error *err)
{
    (void)dom;
    (void)err;
    out->cpu_time_ns = 2000000000;
    out->vcpu_time_ns = 1500000000;
    return MB_OK;
}

static const struct mb_hv_ops fake_hv = {
    .name = "fake",
    .open = f_open,
    .close = f_close,
    .host_info = f_host_info,
    .list = f_list,
    .create = f_create,
    .lookup = f_lookup,
    .dom_free = f_dom_free,
    .dom_name = f_dom_name,
    .destroy = f_destroy,
    .info = f_info,
    .xml = f_xml,
    .set_max_downtime = f_set_max_downtime,
    .migrate = f_migrate,
    .abort_job = f_abort_job,
    .start_postcopy = f_start_postcopy,
    .job_progress = f_job_progress,
    .qemu_monitor = f_qemu_monitor,
    .completed_job = f_completed_job,
    .watch_job = f_watch_job,
    .unwatch_job = f_unwatch_job,
    .get_vcpu_bw = f_get_vcpu_bw,
    .set_vcpu_bw = f_set_vcpu_bw,
    .set_memory = f_set_memory,
    .memory_stats = f_memory_stats,
    .cpu_stats = f_cpu_stats,
};

/* ---- bulk statistics (dom_stats_all) ---------------------------------------------- */

/* What the bulk op of fake_hv_bulk does: unsupported = the driver has none (*out =
 * NULL), fail = a connection error, partial = only state and CPU time are reported;
 * cpu_stats (NULL = f_cpu_stats) gives each domain's CPU times; calls counts the calls. */
static struct {
    bool unsupported, fail, partial;
    int (*cpu_stats)(void *dom, struct mb_hv_cpu_stats *out, struct mb_error *err);
    int calls;
} fake_bulk;

static struct mb_hv_ops fake_hv_bulk;

static int f_dom_stats_all(void *conn, struct mb_hv_dom_stats **out, size_t *n,
                           struct mb_error *err)
{
    struct fake_conn *c = conn;
    fake_bulk.calls++;
    if (fake_bulk.fail)
        return mb_error_set(err, MB_EENV,
                            "domain statistics: Cannot recv data: Connection reset by peer");
    *out = NULL;
    *n = 0;
    if (fake_bulk.unsupported)
        return MB_OK;
    struct mb_hv_dom_stats *v = calloc(8, sizeof(*v));
    size_t k = 0;
    for (int i = 0; i < 8; i++) {
        if (!fake.doms[i].used || fake.doms[i].host != c->host)
            continue;
        struct mb_hv_dom_stats *s = &v[k++];
        *s = (struct mb_hv_dom_stats){
            .vcpus = -1, .vcpu_time_ns = -1, .balloon = -1, .balloon_max = -1, .rss = -1};
        snprintf(s->name, sizeof(s->name), "%s", fake.doms[i].name);
        snprintf(s->state, sizeof(s->state), "running");
        struct mb_hv_cpu_stats cs = {.cpu_time_ns = -1, .vcpu_time_ns = -1};
        (fake_bulk.cpu_stats ? fake_bulk.cpu_stats : f_cpu_stats)(&i, &cs, err);
        s->cpu_time_ns = cs.cpu_time_ns;
        if (fake_bulk.partial)
            continue;
        s->vcpus = fake.doms[i].vcpus;
        s->vcpu_time_ns = cs.vcpu_time_ns;
        s->balloon = (int64_t)fake.doms[i].target_kib * 1024;
        s->balloon_max = (int64_t)fake.doms[i].max_kib * 1024;
        s->rss = 90 << 20;
    }
    *out = v;
    *n = k;
    return MB_OK;
}

/* Reset fake_bulk and make fake_hv_bulk: fake_hv with the bulk op. */
__attribute__((unused)) static void fake_bulk_reset(void)
{
    memset(&fake_bulk, 0, sizeof(fake_bulk));
    fake_hv_bulk = fake_hv;
    fake_hv_bulk.dom_stats_all = f_dom_stats_all;
}
