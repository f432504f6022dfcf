/* hypervisor.c — hypervisor control: the logic above struct mb_hv_ops (migration
 * watchdog, statistics, caps, balloons); the backends are in backends/. */
#include "hypervisor.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/json.h"
#include "lib/util.h"

/* ---- Xen 3.3.1's convergence rules --------------------------------------------- */

void mb_job_progress_init(struct mb_job_progress *p)
{
    p->iterations = p->memory_total = p->memory_bytes = p->remaining = p->page_size = -1;
}

enum mb_xen33_stop mb_xen33_decide(const struct mb_job_progress *p)
{
    /* QEMU counts a pass from its start (the dirty-bitmap sync before it): the 30th has
     * begun when the 29th is done */
    if (p->iterations > MB_XEN33_MAX_ITERS)
        return MB_XEN33_ITERATIONS;
    /* Xen looks at what an iteration left when it ends; during the first pass nothing has
     * been sent yet and what is left is the guest, so the rule waits for the second */
    if (p->iterations >= 2 && p->remaining >= 0 && p->page_size > 0 &&
        p->remaining / p->page_size < MB_XEN33_MIN_DIRTY_PAGES)
        return MB_XEN33_DIRTY;
    if (p->memory_total > 0 && p->memory_bytes > MB_XEN33_MAX_FACTOR * p->memory_total)
        return MB_XEN33_SENT;
    return MB_XEN33_NONE;
}

const char *mb_xen33_stop_name(enum mb_xen33_stop s)
{
    switch (s) {
    case MB_XEN33_ITERATIONS:
        return "iterations";
    case MB_XEN33_DIRTY:
        return "dirty";
    case MB_XEN33_SENT:
        return "sent";
    default:
        return "none";
    }
}

bool mb_hv_qemu_at_least(const struct mb_hv_host_info *hi, int major, int minor)
{
    int maj = 0, min = 0;
    if (strncmp(hi->hypervisor, "QEMU ", 5) != 0 ||
        sscanf(hi->hypervisor + 5, "%d.%d", &maj, &min) != 2)
        return false;
    return maj > major || (maj == major && min >= minor);
}

/* ---- job statistics ------------------------------------------------------------- */

static const char *const job_field_names[] = {
    "time_elapsed",     "downtime",          "setup_time",       "data_processed", "memory_total",
    "memory_processed", "memory_dirty_rate", "memory_iteration", "memory_bps",
};

void mb_job_stats_init(struct mb_job_stats *s)
{
    s->total_ms = s->downtime_ms = s->setup_ms = NAN;
    s->data_bytes = s->memory_total = s->memory_bytes = s->iterations = -1;
    s->dirty_rate = s->memory_bps = NAN;
    s->missing = MB_JOB_ALL_FIELDS;
}

void mb_job_stats_missing_names(const struct mb_job_stats *s, char *buf, size_t size)
{
    size_t len = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof(job_field_names) / sizeof(job_field_names[0]); i++) {
        if (!(s->missing & (1u << i)))
            continue;
        int n = snprintf(buf + len, size > len ? size - len : 0, "%s%s", len ? "," : "",
                         job_field_names[i]);
        if (n < 0 || len + (size_t)n >= size)
            return;
        len += (size_t)n;
    }
}

const char *mb_mig_status_name(enum mb_mig_status s)
{
    static const char *const names[] = {
        [MB_MIG_OK] = "ok", [MB_MIG_FAILED] = "failed", [MB_MIG_TIMEOUT] = "timeout"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *mb_stats_source_name(enum mb_stats_source s)
{
    static const char *const names[] = {[MB_STATS_NONE] = "none",
                                        [MB_STATS_EVENT] = "event",
                                        [MB_STATS_DESTINATION] = "destination"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* ---- connections and domains ---------------------------------------------------- */

struct mb_hv {
    const struct mb_hv_ops *ops;
    void *conn;
    char *uri;
    bool no_bulk; /* dom_stats_all said the driver has no bulk statistics */
};

struct mb_hv_dom {
    struct mb_hv *hv;
    void *h;
};

int mb_hv_open(const struct mb_hv_ops *ops, const char *uri, struct mb_hv **out,
               struct mb_error *err)
{
    if (!ops)
        ops = &mb_hv_libvirt;
    if (!uri || !*uri)
        return mb_error_set(err, MB_EINPUT, "no hypervisor URI");
    void *conn = NULL;
    int rc = ops->open(uri, &conn, err);
    if (rc < 0)
        return rc;
    struct mb_hv *hv = mb_xcalloc(1, sizeof(*hv));
    hv->ops = ops;
    hv->conn = conn;
    hv->uri = mb_xstrdup(uri);
    *out = hv;
    return MB_OK;
}

void mb_hv_close(struct mb_hv *hv)
{
    if (!hv)
        return;
    hv->ops->close(hv->conn);
    free(hv->uri);
    free(hv);
}

const char *mb_hv_uri(const struct mb_hv *hv)
{
    return hv->uri;
}

int mb_hv_host_info(struct mb_hv *hv, struct mb_hv_host_info *out, struct mb_error *err)
{
    struct mb_hv_host_info tmp;
    memset(&tmp, 0, sizeof(tmp));
    int rc = hv->ops->host_info(hv->conn, &tmp, err);
    if (rc == MB_OK)
        *out = tmp;
    return rc;
}

int mb_hv_list(struct mb_hv *hv, char ***out, struct mb_error *err)
{
    return hv->ops->list(hv->conn, out, err);
}

void mb_hv_names_free(char **names)
{
    if (!names)
        return;
    for (char **p = names; *p; p++)
        free(*p);
    free(names);
}

/* *out for the backend's handle h that a create or lookup returned with status rc (a
 * NULL handle: no such domain, *out = NULL). */
static int dom_wrap(struct mb_hv *hv, int rc, void *h, struct mb_hv_dom **out)
{
    if (rc < 0)
        return rc;
    struct mb_hv_dom *d = NULL;
    if (h) {
        d = mb_xcalloc(1, sizeof(*d));
        d->hv = hv;
        d->h = h;
    }
    *out = d;
    return MB_OK;
}

int mb_hv_dom_create(struct mb_hv *hv, const char *xml, struct mb_hv_dom **out,
                     struct mb_error *err)
{
    void *h = NULL;
    int rc = hv->ops->create(hv->conn, xml, &h, err);
    return dom_wrap(hv, rc, h, out);
}

int mb_hv_can_save(const struct mb_hv *hv)
{
    return hv->ops->save && hv->ops->restore;
}

int mb_hv_dom_save(struct mb_hv_dom *d, const char *path, struct mb_error *err)
{
    if (!d->hv->ops->save)
        return mb_error_set(err, MB_EENV, "the %s backend cannot save a domain", d->hv->ops->name);
    return d->hv->ops->save(d->h, path, err);
}

int mb_hv_restore(struct mb_hv *hv, const char *path, struct mb_error *err)
{
    if (!hv->ops->restore)
        return mb_error_set(err, MB_EENV, "the %s backend cannot restore a domain", hv->ops->name);
    return hv->ops->restore(hv->conn, path, err);
}

int mb_hv_dom_lookup(struct mb_hv *hv, const char *name, struct mb_hv_dom **out,
                     struct mb_error *err)
{
    void *h = NULL;
    int rc = hv->ops->lookup(hv->conn, name, &h, err);
    return dom_wrap(hv, rc, h, out);
}

void mb_hv_dom_free(struct mb_hv_dom *d)
{
    if (!d)
        return;
    d->hv->ops->dom_free(d->h);
    free(d);
}

const char *mb_hv_dom_name(const struct mb_hv_dom *d)
{
    return d->hv->ops->dom_name(d->h);
}

int mb_hv_dom_destroy(struct mb_hv_dom *d, struct mb_error *err)
{
    return d->hv->ops->destroy(d->h, err);
}

int mb_hv_dom_info(struct mb_hv_dom *d, struct mb_hv_dom_info *out, struct mb_error *err)
{
    struct mb_hv_dom_info tmp;
    memset(&tmp, 0, sizeof(tmp));
    int rc = d->hv->ops->info(d->h, &tmp, err);
    if (rc == MB_OK)
        *out = tmp;
    return rc;
}

int mb_hv_dom_cpu(struct mb_hv_dom *d, struct mb_hv_cpu_stats *out, struct mb_error *err)
{
    struct mb_hv_cpu_stats tmp = {.cpu_time_ns = -1, .vcpu_time_ns = -1};
    int rc = d->hv->ops->cpu_stats(d->h, &tmp, err);
    if (rc == MB_OK) {
        tmp.when = mb_now_mono();
        *out = tmp;
    }
    return rc;
}

int mb_hv_dom_memory(struct mb_hv_dom *d, struct mb_hv_mem_stats *out, struct mb_error *err)
{
    struct mb_hv_mem_stats tmp = {-1, -1, -1, -1, -1};
    int rc = d->hv->ops->memory_stats(d->h, &tmp, err);
    if (rc == MB_OK)
        *out = tmp;
    return rc;
}

/* One domain read through the per-domain ops; false when it is gone. */
static bool dom_stats_one(struct mb_hv *hv, const char *name, struct mb_hv_dom_stats *v)
{
    struct mb_error e;
    struct mb_hv_dom *d = NULL;
    if (mb_hv_dom_lookup(hv, name, &d, &e) < 0 || !d)
        return false;
    *v = (struct mb_hv_dom_stats){.vcpus = -1,
                                  .cpu_time_ns = -1,
                                  .vcpu_time_ns = -1,
                                  .balloon = -1,
                                  .balloon_max = -1,
                                  .rss = -1};
    snprintf(v->name, sizeof(v->name), "%s", name);
    struct mb_hv_dom_info info;
    if (mb_hv_dom_info(d, &info, &e) == MB_OK) {
        snprintf(v->state, sizeof(v->state), "%s", info.state);
        v->vcpus = info.vcpus;
        v->cpu_time_ns = (int64_t)info.cpu_time_ns;
        v->balloon = (int64_t)info.memory;
        v->balloon_max = (int64_t)info.max_memory;
    }
    struct mb_hv_cpu_stats cs;
    if (mb_hv_dom_cpu(d, &cs, &e) == MB_OK) {
        if (cs.cpu_time_ns >= 0)
            v->cpu_time_ns = cs.cpu_time_ns;
        v->vcpu_time_ns = cs.vcpu_time_ns;
    }
    struct mb_hv_mem_stats ms;
    if (mb_hv_dom_memory(d, &ms, &e) == MB_OK) {
        if (ms.actual >= 0)
            v->balloon = ms.actual;
        v->rss = ms.rss;
    }
    mb_hv_dom_free(d);
    return true;
}

int mb_hv_dom_stats_all(struct mb_hv *hv, struct mb_hv_dom_stats **out, size_t *n, bool *bulk,
                        struct mb_error *err)
{
    if (hv->ops->dom_stats_all && !hv->no_bulk) {
        struct mb_hv_dom_stats *v = NULL;
        size_t nv = 0;
        int rc = hv->ops->dom_stats_all(hv->conn, &v, &nv, err);
        if (rc < 0)
            return rc;
        if (v) {
            *out = v;
            *n = nv;
            *bulk = true;
            return MB_OK;
        }
        hv->no_bulk = true; /* Xen's libxl driver: per domain from now on */
    }
    char **names = NULL;
    int rc = mb_hv_list(hv, &names, err);
    if (rc < 0)
        return rc;
    size_t nn = 0;
    while (names[nn])
        nn++;
    struct mb_hv_dom_stats *v = mb_xcalloc(nn ? nn : 1, sizeof(*v));
    size_t nv = 0;
    for (size_t i = 0; i < nn; i++)
        if (dom_stats_one(hv, names[i], &v[nv]))
            nv++;
    mb_hv_names_free(names);
    *out = v;
    *n = nv;
    *bulk = false;
    return MB_OK;
}

/* ---- migration ------------------------------------------------------------------ */

/* Receives the JOB_COMPLETED event.  Shared by the migrating thread and the backend's
 * event thread, hence reference-counted: whichever lets go last frees it. */
struct job_watch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;
    bool got;
    struct mb_job_stats stats;
};

static void job_watch_cb(void *opaque, const struct mb_job_stats *s)
{
    struct job_watch *w = opaque;
    pthread_mutex_lock(&w->mu);
    w->stats = *s;
    w->got = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void job_watch_unref(void *opaque)
{
    struct job_watch *w = opaque;
    pthread_mutex_lock(&w->mu);
    bool last = --w->refs == 0;
    pthread_mutex_unlock(&w->mu);
    if (last) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
    }
}

/* Wait up to seconds for the event; true and *out filled if it came. */
static bool job_watch_wait(struct job_watch *w, double seconds, struct mb_job_stats *out)
{
    struct timespec until = mb_mono_deadline(mb_now_mono() + seconds);
    pthread_mutex_lock(&w->mu);
    while (!w->got && pthread_cond_timedwait(&w->cv, &w->mu, &until) != ETIMEDOUT)
        ;
    bool got = w->got;
    if (got)
        *out = w->stats;
    pthread_mutex_unlock(&w->mu);
    return got;
}

/* The harness's own timeout: aborts the job when the deadline passes (again every
 * ABORT_RETRY_S, since an abort sent before the job has started does nothing), and
 * switches to post-copy when asked. */
#define ABORT_RETRY_S 1.0

#define CANCEL_POLL_S    0.1
#define POSTCOPY_RETRY_S 0.2

struct watchdog {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done, aborted, interrupted, postcopy_done, postcopy_ok;
    const volatile sig_atomic_t *cancel;
    struct mb_hv_dom *d;
    double deadline;    /* mb_now_mono(); 0 = none */
    double postcopy_at; /* 0 = never */
    double xen33_at;    /* next read of the job statistics under xen33; 0 = none */
    enum mb_xen33_stop xen33_stop;
    struct mb_job_progress xen33_sample;
    int xen33_polls;
    double xen33_poll_s, xen33_switch_s;
    double xen33_fired_at; /* mb_now_mono() of the poll that fired */
};

/* Under xen33: read the running job's statistics and, when a rule of Xen 3.3.1's holds,
 * raise the allowed downtime so that QEMU switches to stop-and-copy at its next check.
 * Called with w->mu held; drops it around the hypervisor calls. */
static void xen33_poll(struct watchdog *w)
{
    pthread_mutex_unlock(&w->mu);
    const struct mb_hv_ops *ops = w->d->hv->ops;
    struct mb_error e;
    mb_error_clear(&e);
    struct mb_job_progress p;
    mb_job_progress_init(&p);
    double t0 = mb_now_mono();
    int rc = ops->job_progress(w->d->h, &p, &e);
    double took = mb_now_mono() - t0;
    enum mb_xen33_stop stop = rc == MB_OK ? mb_xen33_decide(&p) : MB_XEN33_NONE;
    /* a refused switch (the job just ending) is tried again at the next poll */
    double t1 = mb_now_mono();
    bool switched = stop != MB_XEN33_NONE &&
                    ops->set_max_downtime(w->d->h, MB_HV_SWITCHOVER_DOWNTIME_MS, &e) == MB_OK;
    pthread_mutex_lock(&w->mu);
    w->xen33_polls++;
    w->xen33_poll_s += took;
    if (switched) {
        w->xen33_switch_s = mb_now_mono() - t1;
        w->xen33_fired_at = t0;
        w->xen33_stop = stop;
        w->xen33_sample = p;
        w->xen33_at = 0;
    } else {
        w->xen33_at = mb_now_mono() + MB_XEN33_POLL_S;
    }
}

static void *watchdog_main(void *arg)
{
    struct watchdog *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->done) {
        double now = mb_now_mono();
        if (w->postcopy_at > 0 && !w->postcopy_done && now >= w->postcopy_at) {
            pthread_mutex_unlock(&w->mu);
            struct mb_error e;
            mb_error_clear(&e);
            bool ok = w->d->hv->ops->start_postcopy &&
                      w->d->hv->ops->start_postcopy(w->d->h, &e) == MB_OK;
            pthread_mutex_lock(&w->mu);
            /* refused while libvirt is still setting up the job (QEMU: "enable postcopy
             * ... before the start of migration"): try again shortly */
            w->postcopy_done = ok;
            w->postcopy_ok = ok;
            if (!ok)
                w->postcopy_at = mb_now_mono() + POSTCOPY_RETRY_S;
            continue;
        }
        if (w->xen33_at > 0 && now >= w->xen33_at) {
            xen33_poll(w);
            continue;
        }
        bool cancelled = w->cancel && *w->cancel;
        if (cancelled && !w->interrupted) {
            w->interrupted = true;
            w->deadline = now; /* abort now, and retry as for a timeout */
        }
        if (w->deadline > 0 && now >= w->deadline) {
            w->aborted = true;
            w->deadline = now + ABORT_RETRY_S;
            pthread_mutex_unlock(&w->mu);
            struct mb_error e;
            mb_error_clear(&e);
            w->d->hv->ops->abort_job(w->d->h, &e);
            pthread_mutex_lock(&w->mu);
            continue;
        }
        double next = 0;
        if (w->deadline > 0)
            next = w->deadline;
        if (w->postcopy_at > 0 && !w->postcopy_done && (next == 0 || w->postcopy_at < next))
            next = w->postcopy_at;
        if (w->xen33_at > 0 && (next == 0 || w->xen33_at < next))
            next = w->xen33_at;
        if (w->cancel && !w->interrupted && (next == 0 || now + CANCEL_POLL_S < next))
            next = now + CANCEL_POLL_S;
        if (next == 0) {
            pthread_cond_wait(&w->cv, &w->mu);
        } else {
            struct timespec until = mb_mono_deadline(next);
            pthread_cond_timedwait(&w->cv, &w->mu, &until);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* How long to wait for the JOB_COMPLETED event after the migration call returned: the
 * event is sent by the source daemon when the job ends, so it is normally already there. */
#define EVENT_GRACE_S 2.0

#define ZERO_PAGES_NONE                                                                            \
    "{\"execute\":\"migrate-set-parameters\",\"arguments\":{\"zero-page-detection\":\"none\"}}"
#define ZERO_PAGES_QUERY "{\"execute\":\"query-migrate-parameters\"}"

/* Turn QEMU's zero-page detection off on d's host, after checking that its QEMU has the
 * parameter, and read it back: libvirt does not manage it, so nothing else would say
 * whether it took.  0, or -1 with why in res->error. */
static int zero_pages_off(struct mb_hv_dom *d, struct mb_migration *res)
{
    const struct mb_hv_ops *ops = d->hv->ops;
    struct mb_hv_host_info hi;
    struct mb_error e;
    mb_error_clear(&e);
    memset(&hi, 0, sizeof(hi));
    if (ops->host_info(d->hv->conn, &hi, &e) < 0) {
        snprintf(res->error, sizeof(res->error), "migration.zero_pages send: %.900s", e.msg);
        return -1;
    }
    if (!ops->qemu_monitor ||
        !mb_hv_qemu_at_least(&hi, MB_HV_ZERO_PAGES_QEMU_MAJOR, MB_HV_ZERO_PAGES_QEMU_MINOR)) {
        snprintf(res->error, sizeof(res->error),
                 "migration.zero_pages send needs QEMU %d.%d or later (its migration parameter "
                 "zero-page-detection); the source runs %s",
                 MB_HV_ZERO_PAGES_QEMU_MAJOR, MB_HV_ZERO_PAGES_QEMU_MINOR,
                 hi.hypervisor[0] ? hi.hypervisor : "an unknown hypervisor");
        return -1;
    }
    char *reply = NULL;
    bool ok = ops->qemu_monitor(d->h, ZERO_PAGES_NONE, &reply, &e) == MB_OK;
    free(reply);
    reply = NULL;
    ok = ok && ops->qemu_monitor(d->h, ZERO_PAGES_QUERY, &reply, &e) == MB_OK;
    if (!ok) {
        snprintf(res->error, sizeof(res->error), "migration.zero_pages send: %.900s", e.msg);
        return -1;
    }
    struct mb_json *j = NULL;
    ok = mb_json_parse("query-migrate-parameters", reply, strlen(reply), &j, &e) == MB_OK;
    const struct mb_json *v =
        ok ? mb_json_get(mb_json_get(j, "return"), "zero-page-detection") : NULL;
    ok = v && v->type == MB_JSON_STRING && !strcmp(v->text, "none");
    mb_json_free(j);
    if (!ok)
        snprintf(res->error, sizeof(res->error),
                 "migration.zero_pages send: QEMU did not keep zero-page-detection none "
                 "(query-migrate-parameters: %.700s)",
                 reply);
    free(reply);
    return ok ? 0 : -1;
}

int mb_hv_migrate(struct mb_hv_dom *d, struct mb_hv *dst, const struct mb_hv_migrate_opts *o,
                  struct mb_migration *res, struct mb_error *err)
{
    memset(res, 0, sizeof(*res));
    mb_job_stats_init(&res->stats);
    mb_job_progress_init(&res->xen33_at);
    res->status = MB_MIG_FAILED;
    res->stats_source = MB_STATS_NONE;
    if (!o->dest_uri || !*o->dest_uri) {
        snprintf(res->error, sizeof(res->error), "no destination URI");
        return mb_error_set(err, MB_EINPUT, "migration: no destination URI");
    }
    if (!(o->timeout_s >= 0) || !(o->postcopy_after_s >= 0) || o->parallel < 0) {
        snprintf(res->error, sizeof(res->error), "bad migration options");
        return mb_error_set(err, MB_EINPUT,
                            "migration: timeout, postcopy delay and parallel connections "
                            "must not be negative");
    }
    const struct mb_hv_ops *ops = d->hv->ops;
    struct mb_error e;
    mb_error_clear(&e);
    res->wall_start = mb_now_wall();
    double t0 = mb_now_mono();

    /* The downtime limit first: without it QEMU (300 ms by default) shows a second,
     * ~200 ms downtime mode beside the short one, and a limit set mid-flight applies only
     * to later passes. */
    if (o->max_downtime_ms > 0 && ops->set_max_downtime(d->h, o->max_downtime_ms, &e) < 0) {
        res->wall_end = mb_now_wall();
        snprintf(res->error, sizeof(res->error), "%s", e.msg);
        return MB_OK;
    }
    if (o->send_zero_pages) {
        if (zero_pages_off(d, res) < 0) {
            res->wall_end = mb_now_wall();
            return MB_OK;
        }
        res->zero_pages_sent = true;
    }
    if (o->xen33 && !ops->job_progress) {
        res->wall_end = mb_now_wall();
        snprintf(res->error, sizeof(res->error),
                 "migration.convergence xen33 needs the running job's statistics, which the %s "
                 "backend does not give",
                 ops->name);
        return MB_OK;
    }

    /* Completed-job statistics are gone from the source once the domain has left it (the
     * source answers "failed to get domain"), so catch them as they are emitted. */
    struct job_watch *jw = mb_xcalloc(1, sizeof(*jw));
    pthread_mutex_init(&jw->mu, NULL);
    mb_cond_init_mono(&jw->cv);
    jw->refs = 2;
    int watch_id = -1;
    bool watching = ops->watch_job && ops->watch_job(d->hv->conn, d->h, job_watch_cb, jw,
                                                     job_watch_unref, &watch_id, &e) == 0;
    if (!watching)
        job_watch_unref(jw); /* the backend's reference, never taken */

    struct watchdog wd = {.d = d, .cancel = o->cancel};
    pthread_mutex_init(&wd.mu, NULL);
    mb_cond_init_mono(&wd.cv);
    if (o->timeout_s > 0)
        wd.deadline = t0 + o->timeout_s;
    if (o->postcopy)
        wd.postcopy_at = t0 + (o->postcopy_after_s > 0 ? o->postcopy_after_s : 1e-3);
    if (o->xen33)
        wd.xen33_at = t0 + MB_XEN33_POLL_S;
    mb_job_progress_init(&wd.xen33_sample);
    pthread_t wd_thread;
    bool wd_running = (wd.deadline > 0 || wd.postcopy_at > 0 || wd.cancel || wd.xen33_at > 0) &&
                      pthread_create(&wd_thread, NULL, watchdog_main, &wd) == 0;

    mb_error_clear(&e);
    int rc = ops->migrate(d->h, o, &e);

    res->seconds = mb_now_mono() - t0;
    res->wall_end = mb_now_wall();
    if (wd_running) {
        pthread_mutex_lock(&wd.mu);
        wd.done = true;
        pthread_cond_signal(&wd.cv);
        pthread_mutex_unlock(&wd.mu);
        pthread_join(wd_thread, NULL);
    }
    res->aborted = wd.aborted;
    res->interrupted = wd.interrupted;
    res->postcopy = wd.postcopy_ok;
    res->xen33_stop = wd.xen33_stop;
    res->xen33_at = wd.xen33_sample;
    res->xen33_polls = wd.xen33_polls;
    res->xen33_poll_s = wd.xen33_poll_s;
    res->xen33_switch_s = wd.xen33_switch_s;
    res->xen33_stop_after_s = wd.xen33_fired_at > 0 ? t0 + res->seconds - wd.xen33_fired_at : NAN;
    pthread_mutex_destroy(&wd.mu);
    pthread_cond_destroy(&wd.cv);

    if (rc == MB_OK) {
        res->status = MB_MIG_OK;
    } else if (wd.interrupted) {
        res->status = MB_MIG_FAILED;
        snprintf(res->error, sizeof(res->error), "interrupted (job aborted): %.900s", e.msg);
    } else if (wd.aborted) {
        res->status = MB_MIG_TIMEOUT;
        snprintf(res->error, sizeof(res->error), "timed out after %g s (job aborted): %.900s",
                 o->timeout_s, e.msg);
    } else {
        res->status = MB_MIG_FAILED;
        snprintf(res->error, sizeof(res->error), "%s", e.msg);
    }

    if (res->status == MB_MIG_OK) {
        if (watching && job_watch_wait(jw, EVENT_GRACE_S, &res->stats)) {
            res->stats_source = MB_STATS_EVENT;
        } else if (dst) {
            struct mb_hv_dom *dd = NULL;
            mb_error_clear(&e);
            if (mb_hv_dom_lookup(dst, mb_hv_dom_name(d), &dd, &e) == MB_OK && dd) {
                struct mb_job_stats s;
                mb_job_stats_init(&s);
                if (dst->ops->completed_job(dd->h, &s, &e) == MB_OK) {
                    res->stats = s;
                    res->stats_source = MB_STATS_DESTINATION;
                }
            }
            mb_hv_dom_free(dd);
        }
    }
    if (watching)
        ops->unwatch_job(d->hv->conn, watch_id);
    job_watch_unref(jw);
    return MB_OK;
}

char *mb_hv_xml_drop_cputune(const char *xml)
{
    const char *a = strstr(xml, "<cputune");
    if (!a || (a[8] != '>' && a[8] != ' ' && a[8] != '/'))
        return mb_xstrdup(xml);
    const char *b;
    const char *gt = strchr(a, '>');
    if (gt && gt[-1] == '/') {
        b = gt + 1; /* <cputune/> */
    } else {
        b = strstr(a, "</cputune>");
        if (!b)
            return mb_xstrdup(xml);
        b += strlen("</cputune>");
    }
    /* take the indentation and line break along, to keep the XML tidy */
    while (a > xml && (a[-1] == ' ' || a[-1] == '\t'))
        a--;
    if (*b == '\n')
        b++;
    size_t head = (size_t)(a - xml), tail = strlen(b);
    char *out = mb_xmalloc(head + tail + 1);
    memcpy(out, xml, head);
    memcpy(out + head, b, tail + 1);
    return out;
}

int mb_hv_dest_xml_uncapped(struct mb_hv_dom *d, char **out, struct mb_error *err)
{
    char *xml = NULL;
    int rc = d->hv->ops->xml(d->h, &xml, err);
    if (rc < 0)
        return rc;
    *out = mb_hv_xml_drop_cputune(xml);
    free(xml);
    return MB_OK;
}

/* ---- reservation knobs ---------------------------------------------------------- */

long long mb_hv_cap_to_quota(double percent, int vcpus, unsigned long long period)
{
    if (!isfinite(percent) || percent < 0 || period == 0)
        return 0;
    if (percent == 0)
        return -1;
    if (vcpus < 1)
        vcpus = 1;
    long long q = llround(percent / 100.0 * (double)period / vcpus);
    return q < MB_HV_QUOTA_MIN_US ? 0 : q;
}

double mb_hv_quota_to_cap(long long quota, int vcpus, unsigned long long period)
{
    if (quota <= 0 || period == 0)
        return 0;
    if (vcpus < 1)
        vcpus = 1;
    return (double)quota * vcpus * 100.0 / (double)period;
}

int mb_hv_get_cpu_cap(struct mb_hv_dom *d, double *percent, struct mb_error *err)
{
    struct mb_hv_dom_info info;
    unsigned long long period = 0;
    long long quota = 0;
    int rc = mb_hv_dom_info(d, &info, err);
    if (rc == MB_OK)
        rc = d->hv->ops->get_vcpu_bw(d->h, &period, &quota, err);
    if (rc == MB_OK)
        *percent = mb_hv_quota_to_cap(quota, info.vcpus, period);
    return rc;
}

int mb_hv_set_cpu_cap(struct mb_hv_dom *d, double percent, double *applied, struct mb_error *err)
{
    struct mb_hv_dom_info info;
    int rc = mb_hv_dom_info(d, &info, err);
    if (rc < 0)
        return rc;
    long long quota = mb_hv_cap_to_quota(percent, info.vcpus, MB_HV_CAP_PERIOD_US);
    if (quota == 0)
        return mb_error_set(
            err, MB_EINPUT,
            "CPU cap %g%% is impossible for %d vCPU(s): use 0 (no cap) or at "
            "least %g%%",
            percent, info.vcpus,
            mb_hv_quota_to_cap(MB_HV_QUOTA_MIN_US, info.vcpus, MB_HV_CAP_PERIOD_US));
    rc = d->hv->ops->set_vcpu_bw(d->h, MB_HV_CAP_PERIOD_US, quota, err);
    if (rc < 0)
        return rc;
    double got;
    rc = mb_hv_get_cpu_cap(d, &got, err);
    if (rc == MB_OK)
        *applied = got;
    return rc;
}

#define BALLOON_POLL_S 0.05
#define BALLOON_SLACK  ((int64_t)1 << 20)

int mb_hv_set_balloon(struct mb_hv_dom *d, uint64_t bytes, double timeout_s, struct mb_balloon *res,
                      struct mb_error *err)
{
    memset(res, 0, sizeof(*res));
    res->target = bytes;
    res->reached = -1;
    if (bytes < 1024)
        return mb_error_set(err, MB_EINPUT, "balloon target %llu bytes is too small",
                            (unsigned long long)bytes);
    double t0 = mb_now_mono();
    int rc = d->hv->ops->set_memory(d->h, bytes / 1024, err);
    if (rc < 0)
        return rc;
    bool driver = false; /* the balloon driver reports the target */
    struct mb_hv_dom_info info = {0};
    for (;;) {
        if (!driver) {
            struct mb_hv_mem_stats m;
            rc = mb_hv_dom_memory(d, &m, err);
            if (rc < 0)
                return rc;
            res->reached = m.actual;
            driver = m.actual >= 0 && llabs(m.actual - (int64_t)bytes) <= BALLOON_SLACK;
        }
        if (driver) {
            rc = mb_hv_dom_info(d, &info, err);
            if (rc < 0)
                return rc;
            if (llabs((int64_t)info.memory - (int64_t)bytes) <= BALLOON_SLACK)
                break;
        }
        res->seconds = mb_now_mono() - t0;
        if (res->seconds >= timeout_s)
            break;
        struct timespec ts = {0, (long)(BALLOON_POLL_S * 1e9)};
        nanosleep(&ts, NULL);
    }
    res->seconds = mb_now_mono() - t0;
    if (driver && llabs((int64_t)info.memory - (int64_t)bytes) <= BALLOON_SLACK) {
        res->ok = true;
        return MB_OK;
    }
    if (driver)
        return mb_error_set(err, MB_EFAILED,
                            "balloon of %s: its driver reports the %llu MiB target, but the "
                            "domain's size still reads %llu MiB after %.1f s",
                            mb_hv_dom_name(d), (unsigned long long)(bytes >> 20),
                            (unsigned long long)(info.memory >> 20), res->seconds);
    if (res->reached < 0)
        return mb_error_set(err, MB_EFAILED,
                            "balloon of %s: target %llu MiB set, but its size is not reported "
                            "(no balloon driver in the guest?)",
                            mb_hv_dom_name(d), (unsigned long long)(bytes >> 20));
    return mb_error_set(err, MB_EFAILED,
                        "balloon of %s reached %lld MiB of its %llu MiB target in %.1f s",
                        mb_hv_dom_name(d), (long long)(res->reached >> 20),
                        (unsigned long long)(bytes >> 20), res->seconds);
}
