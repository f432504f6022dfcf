/* runner.c — carry out a campaign: the plan's runs, real migrations, raw.csv. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "hypervisor.h"
#include "metadata.h"
#include "monitor.h"
#include "plan.h"
#include "probe.h"
#include "remote.h"
#include "reservation.h"
#include "results.h"
#include "scenario.h"
#include "placement.h"
#include "strategy.h"
#include "testbed.h"
#include "validate.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/version.h"
#include "workload.h"

#define DOM_PREFIX "mbr-" /* every domain the runner starts; stale ones are its own */
#define PROBE_PORT 7777   /* workloads/guest/udpecho.c */
#define MAX_VMS    64

/* One migrating VM of a run. */
struct vm {
    int n;          /* guest number: address */
    char name[32];  /* domain name */
    char label[16]; /* "vm1": its name in raw.csv */
    char ip[16];
    int started;           /* the domain was created */
    int reachable;         /* answered over SSH after boot */
    struct mb_remote *ssh; /* its session: the one that answered after boot, kept for the run */
    double cap_applied;    /* % of one CPU per vCPU, NAN when not set */
    double balloon_kib;    /* NAN when not set */
    double reserved_at;    /* wall time the source reservation was in place */
    double burn_at;        /* wall time a 2 s burn began, to measure the cap; NAN = none */
    struct mb_monitor_check cap_check, balloon_check;
    double cap_measured; /* the monitor's measure of the cap, % of one CPU per vCPU */
    int cap_checked, balloon_checked;
    long long bad_seen; /* lost writes the checker had counted before this hop */
    /* the workload driver's program (or load client), when the point has one */
    int wl_started;
    double wl_t0;                /* wall-clock time its series' t = 0 maps to */
    struct mb_wl_client *client; /* web: the load client on this machine */
    double *win;                 /* per hop: the VM's migration window, wall clock */
    char error[700];             /* what went wrong before the migrations: in every row */
    /* the current hop; reset before each */
    int batch; /* wave of the strategy (1-based) */
    int k;     /* VMs migrating at once in this hop */
    struct mb_migration mig;
    int migrated; /* a migration was attempted */
    struct mb_probe_result probe;
    int probed;
    char integrity[12]; /* ok | corrupt | unchecked */
    char status[12];
    char herror[700]; /* what went wrong in this hop */
};

struct campaign {
    const struct mb_runner_opts *o;
    struct mb_scenario *s;
    struct mb_plan *plan;
    struct mb_testbed *tb;
    struct mb_results *res;
    struct mb_meta_host *meta;
    struct mb_hv **hv; /* per host, main thread, opened on first use */
    char **done_ids;   /* sorted run ids already in raw.csv (resume) */
    size_t ndone;
    int lock_fd;
    struct mb_progress prog;
    struct mb_strategy_model model;     /* the adaptive strategy's, alpha 0 = none */
    const char *dir;                    /* the results directory */
    struct mb_monitor *mon;             /* host and VM usage into monitor.csv; NULL = none */
    int adaptive;                       /* some point uses it */
    char why[300];                      /* the current run's first failure, for its progress line */
    struct mb_placement_matrix *matrix; /* workload-aware placement's; NULL = none read */
};

/* ---- small helpers ------------------------------------------------------------------ */

static int stopped(const struct campaign *c)
{
    return c->o->stop && *c->o->stop;
}

/* Sleep ms, waking early when the campaign is stopped. */
static void nap(const struct campaign *c, double ms)
{
    double end = mb_now_mono() + ms / 1000.0;
    while (!stopped(c)) {
        double left = end - mb_now_mono();
        if (left <= 0)
            break;
        if (left > 0.1)
            left = 0.1;
        struct timespec ts = {0, (long)(left * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static void vm_error(struct vm *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vm_error(struct vm *v, const char *fmt, ...)
{
    if (v->error[0])
        return; /* keep the first cause */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->error, sizeof(v->error), fmt, ap);
    va_end(ap);
}

static void hop_error(struct vm *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hop_error(struct vm *v, const char *fmt, ...)
{
    if (v->herror[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->herror, sizeof(v->herror), fmt, ap);
    va_end(ap);
}

/* The VM's SSH session, opened when it has none.  One session serves the whole run: a
 * live migration keeps the guest's TCP connections, and under TCG every new session
 * costs the guest a key exchange (0.2 s idle, over 1 s beside a busy workload). */
static int vm_ssh(const struct campaign *c, struct vm *v, struct mb_remote **r, struct mb_error *e)
{
    if (!v->ssh) {
        int rc = mb_guest_open(c->tb, v->ip, 10, &v->ssh, e);
        if (rc < 0)
            return rc;
    }
    *r = v->ssh;
    return MB_OK;
}

static void vm_ssh_close(struct vm *v)
{
    mb_remote_close(v->ssh);
    v->ssh = NULL;
}

/* Do fn over the VM's session.  When a kept session has broken (a transport error, not
 * the command's), a new one is opened and fn done once more: only for what may be done
 * twice. */
static int vm_do(const struct campaign *c, struct vm *v,
                 int (*fn)(struct mb_remote *r, void *arg, struct mb_error *e), void *arg,
                 struct mb_error *e)
{
    for (int again = 0;; again = 1) {
        int kept = v->ssh != NULL;
        struct mb_remote *r = NULL;
        int rc = vm_ssh(c, v, &r, e);
        if (rc == MB_OK)
            rc = fn(r, arg, e);
        if (rc == MB_EENV)
            vm_ssh_close(v);
        if (rc != MB_EENV || !kept || again)
            return rc;
    }
}

struct run_arg {
    const char *cmd;
    double timeout_s;
    char **out;
};

static int run_fn(struct mb_remote *r, void *arg, struct mb_error *e)
{
    struct run_arg *a = arg;
    return mb_remote_run(r, a->cmd, a->timeout_s, a->out, e);
}

/* Run cmd in the VM (vm_do: only commands that may run twice). */
static int vm_run(const struct campaign *c, struct vm *v, const char *cmd, double timeout_s,
                  char **out, struct mb_error *e)
{
    struct run_arg a = {cmd, timeout_s, out};
    return vm_do(c, v, run_fn, &a, e);
}

static int host_hv(struct campaign *c, int h, struct mb_hv **out, struct mb_error *err)
{
    if (!c->hv[h]) {
        int rc = mb_hv_open(NULL, c->tb->hosts[h].uri, &c->hv[h], err);
        if (rc < 0)
            return rc;
    }
    *out = c->hv[h];
    return 0;
}

/* Drop a host's connection after an error, so the next use reconnects (a restarted
 * daemon). */
static void host_hv_reset(struct campaign *c, int h)
{
    mb_hv_close(c->hv[h]);
    c->hv[h] = NULL;
}

static int host_index(const struct mb_testbed *tb, const char *name, int dflt)
{
    if (!name || !*name)
        return dflt < tb->nhosts ? dflt : -1;
    for (int h = 0; h < tb->nhosts; h++)
        if (!strcmp(tb->hosts[h].name, name))
            return h;
    return -1;
}

/* Destroy the domain called name on every host (wherever it ended up). */
static void destroy_everywhere(struct campaign *c, const char *name)
{
    for (int h = 0; h < c->tb->nhosts; h++) {
        struct mb_error err;
        struct mb_hv *hv;
        struct mb_hv_dom *d = NULL;
        if (host_hv(c, h, &hv, &err) < 0)
            continue;
        if (mb_hv_dom_lookup(hv, name, &d, &err) < 0) {
            host_hv_reset(c, h);
            continue;
        }
        if (d) {
            mb_hv_dom_destroy(d, &err);
            mb_hv_dom_free(d);
        }
    }
}

/* ---- campaign set-up --------------------------------------------------------------- */

static int mkdir_p(const char *path, struct mb_error *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return mb_error_at(err, MB_EIO, tmp, 0, 0, "cannot create directory: %s",
                               strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
        return mb_error_at(err, MB_EIO, tmp, 0, 0, "cannot create directory: %s", strerror(errno));
    return 0;
}

/* results/<scenario>/<UTC timestamp>[-N]: a new directory, never an existing one. */
static int new_results_dir(const char *base, const char *name, char *out, size_t len,
                           struct mb_error *err)
{
    char parent[3900];
    if (snprintf(parent, sizeof(parent), "%s/%s", base, name) >= (int)sizeof(parent))
        return mb_error_set(err, MB_EINPUT, "results path too long: %s/%s", base, name);
    if (mkdir_p(parent, err) < 0)
        return MB_EIO;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H-%M-%SZ", &tm);
    for (int i = 1; i < 100; i++) {
        if (i == 1)
            snprintf(out, len, "%s/%s", parent, stamp);
        else
            snprintf(out, len, "%s/%s-%d", parent, stamp, i);
        if (mkdir(out, 0755) == 0)
            return 0;
        if (errno != EEXIST)
            return mb_error_at(err, MB_EIO, out, 0, 0, "cannot create directory: %s",
                               strerror(errno));
    }
    return mb_error_at(err, MB_EIO, parent, 0, 0, "too many results directories this second");
}

static int copy_file(const char *from, const char *to, struct mb_error *err)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return mb_error_at(err, MB_EIO, from, 0, 0, "cannot read: %s", strerror(errno));
    int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        fclose(in);
        return mb_error_at(err, MB_EIO, to, 0, 0, "cannot create: %s", strerror(errno));
    }
    char buf[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        if (write(fd, buf, n) != (ssize_t)n)
            rc = mb_error_at(err, MB_EIO, to, 0, 0, "write: %s", strerror(errno));
    if (!rc && fsync(fd) < 0)
        rc = mb_error_at(err, MB_EIO, to, 0, 0, "fsync: %s", strerror(errno));
    close(fd);
    fclose(in);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct done_reader {
    struct campaign *c;
    size_t cap;
};

static int collect_done(void *ctx, const struct mb_results_rec *rec, struct mb_error *err)
{
    (void)err;
    struct done_reader *d = ctx;
    struct campaign *c = d->c;
    const char *id = rec->fields[rec->hdr->col[MB_COL_RUN_ID]];
    if (c->ndone == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        c->done_ids = mb_xrealloc(c->done_ids, d->cap * sizeof(char *));
    }
    c->done_ids[c->ndone++] = mb_xstrdup(id);
    return 0;
}

/* Rows per run id already in raw.csv.  A run's rows are written in one write, so a
 * run is either complete or absent; a count that does not match its VM count means
 * the file was edited, and resuming would duplicate or lose rows. */
static int load_done(struct campaign *c, const char *path, struct mb_error *err)
{
    struct stat st;
    if (stat(path, &st) < 0 || st.st_size == 0)
        return 0;
    struct done_reader d = {c, 0};
    int rc = mb_results_read(path, collect_done, &d, NULL, err);
    if (rc < 0)
        return rc;
    qsort(c->done_ids, c->ndone, sizeof(char *), cmp_str);
    /* check counts against the plan */
    for (size_t i = 0; i < c->ndone;) {
        size_t j = i;
        while (j < c->ndone && !strcmp(c->done_ids[i], c->done_ids[j]))
            j++;
        /* find the run to know its VM count */
        int found = 0;
        for (size_t r = 0; r < c->plan->nruns && !found; r++) {
            char id[MB_RESULTS_RUN_ID_SIZE];
            mb_plan_run_id(c->plan, &c->plan->runs[r], id);
            if (strcmp(id, c->done_ids[i]) != 0)
                continue;
            found = 1;
            struct mb_point pt;
            mb_plan_point(c->plan, c->plan->runs[r].point, &pt);
            if ((int64_t)(j - i) != pt.vm_count * pt.hops)
                return mb_error_at(err, MB_EINPUT, path, 0, 0,
                                   "run %s has %zu rows, but its point makes %lld (VMs x "
                                   "hops): the file was changed; resume refused",
                                   c->done_ids[i], j - i, (long long)(pt.vm_count * pt.hops));
        }
        if (!found)
            return mb_error_at(err, MB_EINPUT, path, 0, 0,
                               "run %s is not in the scenario's plan: these results belong "
                               "to another scenario; resume refused",
                               c->done_ids[i]);
        i = j;
    }
    return 0;
}

static int is_done(const struct campaign *c, const char *id)
{
    const char *key = id;
    return c->ndone && bsearch(&key, c->done_ids, c->ndone, sizeof(char *), cmp_str) != NULL;
}

/* One campaign per testbed at a time: its guests' addresses are the testbed's. */
static int lock_testbed(struct campaign *c, struct mb_error *err)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = c->tb->path; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    char path[128];
    snprintf(path, sizeof(path), "/tmp/migbench-testbed-%016llx.lock", (unsigned long long)h);
    c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (c->lock_fd < 0)
        return mb_error_set(err, MB_EENV, "%s: %s", path, strerror(errno));
    if (flock(c->lock_fd, LOCK_EX | LOCK_NB) < 0)
        return mb_error_set(err, MB_EENV,
                            "another campaign is running on testbed %s (lock %s); one at a "
                            "time, since their guests would share addresses",
                            c->tb->path, path);
    return 0;
}

/* Remove what a killed campaign left (its domains are named mbr-*), and refuse to
 * start while a hand-started guest (migbench vm) holds an address the runner needs. */
static int sweep_testbed(struct campaign *c, int max_vms, struct mb_error *err)
{
    int answered = 0;
    char first_err[600] = "";
    for (int h = 0; h < c->tb->nhosts; h++) {
        struct mb_hv *hv;
        char **names = NULL;
        int rc = host_hv(c, h, &hv, err);
        if (rc == 0)
            rc = mb_hv_list(hv, &names, err);
        if (rc < 0) {
            /* a host that does not answer now may answer later, or its runs fail and
             * say why: the campaign goes on */
            mb_progress_note(&c->prog, "warning: host %s (%s) does not answer: %s",
                             c->tb->hosts[h].name, c->tb->hosts[h].uri, err->msg);
            if (!first_err[0])
                snprintf(first_err, sizeof(first_err), "%s: %.560s", c->tb->hosts[h].name,
                         err->msg);
            host_hv_reset(c, h);
            mb_error_clear(err);
            continue;
        }
        answered++;
        for (size_t i = 0; names && names[i]; i++) {
            int n;
            char tail;
            if (!strncmp(names[i], DOM_PREFIX, strlen(DOM_PREFIX))) {
                struct mb_hv_dom *d = NULL;
                if (mb_hv_dom_lookup(hv, names[i], &d, err) == 0 && d) {
                    mb_progress_note(&c->prog,
                                     "removing %s on %s, left by an interrupted "
                                     "campaign",
                                     names[i], c->tb->hosts[h].name);
                    mb_hv_dom_destroy(d, err);
                    mb_hv_dom_free(d);
                }
            } else if (sscanf(names[i], "vm%d%c", &n, &tail) == 1 && n >= 1 && n <= max_vms) {
                rc = mb_error_set(err, MB_EENV,
                                  "%s runs on %s and holds the address of migrating VM %d; "
                                  "stop it first ('migbench vm destroy %d')",
                                  names[i], c->tb->hosts[h].name, n, n);
            }
        }
        mb_hv_names_free(names);
        if (rc < 0)
            return rc;
    }
    if (!answered)
        return mb_error_set(err, MB_EENV, "no host of testbed %s answers (%s)", c->tb->path,
                            first_err);
    return 0;
}

/* ---- one run ----------------------------------------------------------------------- */

/* Commands the guest agents start with: the echo responder for the probe (unless the
 * image's init already started it), the
 * integrity checker (light on idle VMs, a quarter of memory at full speed on dirty
 * ones) and the workload. */
static char *agents_cmd(const struct mb_point *pt)
{
    unsigned long mib = (unsigned long)(pt->vm_memory >> 20);
    unsigned long check_mib = 16, rate = 16;
    if (!strcmp(pt->vm_workload, "dirty")) {
        check_mib = mib / 4;
        rate = 0;
    }
    return mb_xasprintf(
        "{ pidof udpecho >/dev/null || udpecho -d -p %d -P /run/udpecho.pid >/dev/null; } && "
        "memcheck -d -m %lu -r %lu -i 0.25 -s /run/memcheck.status "
        "-p /run/memcheck.pid >/run/memcheck.log 2>&1%s",
        PROBE_PORT, check_mib, rate,
        !strcmp(pt->vm_workload, "burn") ? " && cpuburn -d -p /run/cpuburn.pid >/dev/null" : "");
}

/* The integrity checker's verdict from its status file: "ok", "corrupt" or NULL; its
 * count of bad pages, of pages verified so far and the pages it covers (-1 when
 * absent). */
static const char *memcheck_verdict(const char *status, long long *bad, long long *verified,
                                    long long *covered)
{
    const char *s = strstr(status, "status=");
    const char *b = strstr(status, "\nbad=");
    const char *p = strstr(status, "\npages=");
    const char *m = strstr(status, "\nmib=");
    *bad = b ? atoll(b + 5) : -1;
    *verified = p ? atoll(p + 7) : -1;
    *covered = m ? (long long)(atof(m + 5) * 256) : -1;
    if (!s)
        return NULL;
    if (!strncmp(s + 7, "ok", 2))
        return "ok";
    if (!strncmp(s + 7, "corrupt", 7))
        return "corrupt";
    return NULL;
}

struct batch {
    struct campaign *c;
    const struct mb_point *pt;
    struct vm *vms;
    int nvms;
    int src, dst;
    atomic_int next;
    pthread_barrier_t ready;
    int capped;
};

/* A worker of the batch: its own connections, then VMs from the shared queue. */
static void *migrate_worker(void *arg)
{
    struct batch *b = arg;
    struct campaign *c = b->c;
    const struct mb_testbed *tb = c->tb;
    struct mb_error err;
    struct mb_hv *src = NULL, *dst = NULL;
    char conn_err[600] = "";
    if (mb_hv_open(NULL, tb->hosts[b->src].uri, &src, &err) < 0 ||
        mb_hv_open(NULL, tb->hosts[b->dst].uri, &dst, &err) < 0)
        snprintf(conn_err, sizeof(conn_err), "%.590s", err.msg);
    pthread_barrier_wait(&b->ready);
    for (;;) {
        int i = atomic_fetch_add(&b->next, 1);
        if (i >= b->nvms)
            break;
        struct vm *v = &b->vms[i];
        if (!v->reachable || stopped(c))
            continue;
        if (conn_err[0]) {
            hop_error(v, "cannot connect for the migration: %s", conn_err);
            continue;
        }
        struct mb_hv_dom *d = NULL;
        if (mb_hv_dom_lookup(src, v->name, &d, &err) < 0 || !d) {
            hop_error(v, "%s is not on the source: %s", v->name, d ? "" : err.msg);
            continue;
        }
        const struct mb_point *pt = b->pt;
        char *dest_xml = NULL;
        if (b->capped && mb_hv_dest_xml_uncapped(d, &dest_xml, &err) < 0) {
            hop_error(v, "destination XML: %s", err.msg);
            mb_hv_dom_free(d);
            continue;
        }
        struct mb_hv_migrate_opts mo = {
            .dest_uri = tb->hosts[b->dst].migrate_uri,
            .max_downtime_ms = (unsigned long long)pt->max_downtime_ms,
            .bandwidth_mibs = (unsigned long)((pt->bandwidth + (1u << 20) - 1) >> 20),
            .parallel = pt->connections > 1 ? (int)pt->connections : 0,
            .auto_converge = pt->auto_converge,
            .compression = strcmp(pt->compression, "none") ? pt->compression : NULL,
            .postcopy = pt->postcopy,
            .postcopy_after_s = 1.0,
            .dest_xml = dest_xml,
            .timeout_s = pt->timeout_ms / 1000.0,
            .cancel = c->o->stop,
        };
        v->migrated = 1;
        if (mb_hv_migrate(d, dst, &mo, &v->mig, &err) < 0)
            hop_error(v, "migration not attempted: %s", err.msg);
        else if (v->mig.status != MB_MIG_OK)
            hop_error(v, "%s", v->mig.error);
        free(dest_xml);
        mb_hv_dom_free(d);
    }
    mb_hv_close(src);
    mb_hv_close(dst);
    return NULL;
}

static int host_cpus(const struct campaign *c, int h)
{
    int cpus = c->tb->hosts[h].ncpus;
    return cpus >= 1 ? cpus : (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* Free CPUs on host h now: its CPUs (the testbed's limit, else this machine's) minus
 * what its other tenants' domains used over the last half second (libvirt's CPU time of
 * each).  The batch's own VMs do not count: they were there, as busy or as idle, in the
 * history the decision learnt from too (and just after boot they would read as load). */
static double source_headroom(struct campaign *c, int h, const struct vm *vms, int nvms)
{
    int cpus = host_cpus(c, h);
    struct mb_error e;
    struct mb_hv *hv;
    char **names = NULL;
    if (host_hv(c, h, &hv, &e) < 0 || mb_hv_list(hv, &names, &e) < 0)
        return cpus;
    size_t n = 0;
    while (names[n])
        n++;
    struct mb_hv_dom **doms = mb_xcalloc(n ? n : 1, sizeof(*doms));
    int64_t *t0 = mb_xcalloc(n ? n : 1, sizeof(*t0));
    size_t others = 0;
    double w0 = mb_now_mono();
    for (size_t i = 0; i < n; i++) {
        struct mb_hv_cpu_stats cs;
        t0[i] = -1;
        int own = 0;
        for (int j = 0; j < nvms && !own; j++)
            own = !strcmp(names[i], vms[j].name);
        if (!own && mb_hv_dom_lookup(hv, names[i], &doms[i], &e) == 0 && doms[i] &&
            mb_hv_dom_cpu(doms[i], &cs, &e) == 0) {
            t0[i] = cs.cpu_time_ns;
            others++;
        }
    }
    if (others) /* with no other tenant there is nothing to wait for */
        nap(c, 500);
    double used = 0, dt = mb_now_mono() - w0;
    for (size_t i = 0; i < n; i++) {
        struct mb_hv_cpu_stats cs;
        if (doms[i] && t0[i] >= 0 && mb_hv_dom_cpu(doms[i], &cs, &e) == 0 && cs.cpu_time_ns >= 0)
            used += (double)(cs.cpu_time_ns - t0[i]) / 1e9 / dt;
        mb_hv_dom_free(doms[i]);
    }
    free(doms);
    free(t0);
    mb_hv_names_free(names);
    double free_cpus = cpus - used;
    return free_cpus > 0.1 * cpus ? free_cpus : 0.1 * cpus;
}

/* Migrate every reachable VM by the strategy; returns the batch makespan in ms. */
static double migrate_batch(struct campaign *c, const struct mb_point *pt, struct vm *vms, int nvms,
                            int src, int dst, int capped)
{
    int k = pt->strategy.kind == MB_STRATEGY_SEQUENTIAL ? 1
            : pt->strategy.k > 0                        ? pt->strategy.k
                                                        : nvms;
    if (pt->strategy.kind == MB_STRATEGY_ADAPTIVE)
        k = mb_strategy_decide(&c->model, nvms, host_cpus(c, src),
                               source_headroom(c, src, vms, nvms), NULL);
    if (k > nvms)
        k = nvms;
    for (int i = 0; i < nvms; i++) {
        vms[i].batch = i / k + 1;
        vms[i].k = k;
    }
    struct batch b = {
        .c = c, .pt = pt, .vms = vms, .nvms = nvms, .src = src, .dst = dst, .capped = capped};
    atomic_init(&b.next, 0);
    pthread_barrier_init(&b.ready, NULL, (unsigned)k);
    pthread_t th[MAX_VMS];
    int started = 0;
    for (int i = 0; i < k; i++)
        if (pthread_create(&th[i], NULL, migrate_worker, &b) == 0)
            started++;
    if (started < k) {
        /* the barrier waits for k workers: without them, run none */
        for (int i = 0; i < nvms; i++)
            hop_error(&vms[i], "cannot start migration threads");
        atomic_store(&b.next, nvms);
        for (int i = started; i < k; i++)
            pthread_barrier_wait(&b.ready);
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&b.ready);
    double first = INFINITY, last = -INFINITY;
    for (int i = 0; i < nvms; i++) {
        if (!vms[i].migrated)
            continue;
        if (vms[i].mig.wall_start < first)
            first = vms[i].mig.wall_start;
        if (vms[i].mig.wall_end > last)
            last = vms[i].mig.wall_end;
    }
    return last > first ? (last - first) * 1000.0 : NAN;
}

static void set_num(struct mb_results_row *row, enum mb_results_col col, double v, const char *fmt)
{
    if (isfinite(v))
        mb_results_row_set_col(row, col, fmt, v);
}

static void set_int(struct mb_results_row *row, enum mb_results_col col, int64_t v)
{
    if (v >= 0)
        mb_results_row_set_col(row, col, "%lld", (long long)v);
}

/* What the destination's reservation and the competing tenant did, in a row. */
static void reservation_columns(struct mb_results_row *row, struct mb_rsv *rsv,
                                struct mb_rsv *tenant)
{
    if (rsv) {
        const struct mb_rsv_report *rr = mb_rsv_report(rsv);
        if (rr->granted_cpus > 0)
            set_num(row, MB_COL_DST_CPU_HELD, rr->cpu_held, "%.2f");
        if (rr->granted_memory > 0)
            set_int(row, MB_COL_DST_MEMORY_HELD_BYTES, rr->rss_held);
        if (rr->held)
            set_num(row, MB_COL_DST_RESERVATION_S, rr->held_s, "%.2f");
        if (rr->released)
            set_num(row, MB_COL_DST_RELEASE_S, rr->release_s, "%.3f");
    }
    if (tenant) {
        const struct mb_rsv_report *tr = mb_rsv_report(tenant);
        set_int(row, MB_COL_CONTENTION_CPU_GRANTED, tr->granted_cpus);
        set_int(row, MB_COL_CONTENTION_MEMORY_GRANTED_BYTES, (int64_t)tr->granted_memory);
    }
}

/* The rows of one hop of a run, one per VM, added to rows[*nrows...]. */
static void hop_rows(struct campaign *c, const struct mb_run *run, struct vm *vms, int nvms,
                     int src, int dst, int hop, double makespan, double t0, double t1,
                     struct mb_results_row **rows, size_t *nrows)
{
    const struct mb_scenario *s = c->s;
    char id[MB_RESULTS_RUN_ID_SIZE];
    mb_plan_run_id(c->plan, run, id);
    size_t level[256];
    mb_plan_levels(c->plan, run->point, level);
    const struct mb_setting *strat = mb_scenario_setting(s, "migration.strategy");
    char strategy[64];
    mb_plan_value_text(strat, &strat->levels[level[strat - s->settings]], strategy,
                       sizeof(strategy));
    char hyp[200];
    mb_meta_hypervisor_text(&c->meta[src], hyp, sizeof(hyp));
    for (int i = 0; i < nvms; i++) {
        struct vm *v = &vms[i];
        struct mb_results_row *row = rows[(*nrows)++] = mb_results_row_new(c->res);
        mb_results_row_set_col(row, MB_COL_RUN_ID, "%s", id);
        mb_results_row_set_col(row, MB_COL_SCENARIO, "%s", s->name);
        mb_results_row_set_col(row, MB_COL_POINT, "%zu", run->point + 1);
        mb_results_row_set_col(row, MB_COL_REPETITION, "%u", run->rep);
        mb_results_row_set_col(row, MB_COL_VM, "%s", v->label);
        mb_results_row_set_col(row, MB_COL_HOST_FROM, "%s", c->tb->hosts[src].name);
        mb_results_row_set_col(row, MB_COL_HOST_TO, "%s", c->tb->hosts[dst].name);
        if (!strcmp(strategy, "adaptive") && v->k > 0)
            mb_results_row_set_col(row, MB_COL_STRATEGY, "adaptive:%d", v->k);
        else
            mb_results_row_set_col(row, MB_COL_STRATEGY, "%s", strategy);
        mb_results_row_set_col(row, MB_COL_BATCH, "%d", v->batch ? v->batch : 1);
        mb_results_row_set_col(row, MB_COL_HOP, "%d", hop);
        mb_results_row_set_col(row, MB_COL_STATUS, "%s", v->status);
        mb_results_row_set_time(row, MB_COL_START_TIME, v->migrated ? v->mig.wall_start : t0);
        mb_results_row_set_time(row, MB_COL_END_TIME, v->migrated ? v->mig.wall_end : t1);
        for (size_t f = 0; f < s->nfactors; f++) {
            const struct mb_setting *st = &s->settings[s->factors[f]];
            char val[128], col[160];
            mb_plan_value_text(st, &st->levels[level[s->factors[f]]], val, sizeof(val));
            snprintf(col, sizeof(col), "f.%s", st->opt->key);
            mb_results_row_set(row, col, "%s", val);
        }
        if (v->migrated && v->mig.stats_source != MB_STATS_NONE) {
            const struct mb_job_stats *js = &v->mig.stats;
            set_num(row, MB_COL_TOTAL_TIME_MS, js->total_ms, "%.1f");
            set_num(row, MB_COL_DOWNTIME_MS, js->downtime_ms, "%.1f");
            set_num(row, MB_COL_SETUP_TIME_MS, js->setup_ms, "%.1f");
            set_int(row, MB_COL_DATA_BYTES, js->data_bytes);
            set_int(row, MB_COL_MEMORY_BYTES_TOTAL, js->memory_total);
            set_num(row, MB_COL_DIRTY_RATE_PPS, js->dirty_rate, "%.0f");
            set_int(row, MB_COL_ITERATIONS, js->iterations);
        }
        if (v->migrated) {
            set_num(row, MB_COL_WALL_TIME_MS, v->mig.seconds * 1000.0, "%.1f");
            mb_results_row_set_col(row, MB_COL_STATS_SOURCE, "%s",
                                   mb_stats_source_name(v->mig.stats_source));
            if (v->mig.stats_source != MB_STATS_NONE) {
                char missing[256];
                mb_job_stats_missing_names(&v->mig.stats, missing, sizeof(missing));
                if (missing[0])
                    mb_results_row_set_col(row, MB_COL_STATS_MISSING, "%s", missing);
            }
        }
        if (v->probed)
            set_num(row, MB_COL_PROBE_DOWNTIME_MS, v->probe.longest_gap_ms, "%.1f");
        mb_results_row_set_col(row, MB_COL_INTEGRITY, "%s", v->integrity);
        set_num(row, MB_COL_BATCH_MAKESPAN_MS, makespan, "%.1f");
        set_num(row, MB_COL_CPU_CAP_APPLIED_PCT, v->cap_applied, "%.1f");
        set_num(row, MB_COL_BALLOON_APPLIED_KIB, v->balloon_kib, "%.0f");
        if (v->cap_checked) {
            set_num(row, MB_COL_CPU_CAP_MEASURED_PCT, v->cap_measured, "%.1f");
            mb_results_row_set_col(row, MB_COL_CPU_CAP_CHECK, "%s",
                                   mb_monitor_verdict_name(v->cap_check.verdict));
        }
        if (v->balloon_checked) {
            set_num(row, MB_COL_BALLOON_MEASURED_KIB, v->balloon_check.measured / 1024.0, "%.0f");
            mb_results_row_set_col(row, MB_COL_BALLOON_CHECK, "%s",
                                   mb_monitor_verdict_name(v->balloon_check.verdict));
        }
        if (v->error[0] || v->herror[0])
            mb_results_row_set_col(row, MB_COL_ERROR, "%s", v->error[0] ? v->error : v->herror);
        mb_results_row_set_col(row, MB_COL_HARNESS_VERSION, "%s", mb_version);
        if (c->tb->guest.hash)
            mb_results_row_set_col(row, MB_COL_IMAGE_HASH, "%s", c->tb->guest.hash);
        mb_results_row_set_col(row, MB_COL_HYPERVISOR, "%s", hyp);
        mb_results_row_set_col(row, MB_COL_ACCEL, "%s",
                               c->tb->hosts[src].accel == MB_ACCEL_KVM ? "kvm" : "tcg");
    }
}

/* Wait until every reachable VM's echo responder has replied after `after` (monotonic),
 * or max_ms. */
static void await_replies(struct campaign *c, struct mb_probe *p, const struct vm *vms, int nvms,
                          double after, double max_ms)
{
    double until = mb_now_mono() + max_ms / 1000.0;
    while (!stopped(c) && mb_now_mono() < until) {
        int all = 1;
        for (int i = 0; i < nvms && all; i++)
            if (vms[i].reachable && mb_probe_last_reply(p, (size_t)i) <= after)
                all = 0;
        if (all)
            return;
        nap(c, 5);
    }
}

/* Read each reachable guest's integrity verdict after a hop.  A verdict covers every
 * page once each has been verified after the migration: the checker verifies its pages
 * in order, so wait until it has verified as many more as it covers than the first
 * reading shows (that reading, at most 0.25 s old, is taken at least 0.3 s
 * after the migration ended: `ended`, monotonic clock).  The hop is corrupt when the checker
 * counted lost writes that it had not counted before the hop. */
static void verify_guests(struct campaign *c, struct vm *vms, int nvms, double ended)
{
    struct mb_error e;
    double early = ended + 0.3 - mb_now_mono();
    if (early > 0)
        nap(c, early * 1000);
    /* the guests are read in turn, so that their checkers' passes overlap */
    const char *verdict[MAX_VMS] = {0};
    long long bad[MAX_VMS], verified0[MAX_VMS];
    int waiting[MAX_VMS], left = 0;
    for (int i = 0; i < nvms; i++) {
        bad[i] = verified0[i] = -1;
        waiting[i] = vms[i].reachable;
        left += waiting[i];
    }
    double deadline = mb_now_mono() + 20;
    while (left > 0 && !stopped(c)) {
        for (int i = 0; i < nvms && !stopped(c); i++) {
            struct vm *v = &vms[i];
            if (!waiting[i])
                continue;
            char *out = NULL;
            long long verified = -1, covered = -1;
            if (vm_run(c, v, "cat /run/memcheck.status", 15, &out, &e) < 0) {
                hop_error(v, "guest unreachable after the migration: %s", e.msg);
                v->reachable = 0;
            } else {
                verdict[i] = memcheck_verdict(out, &bad[i], &verified, &covered);
                if (verified0[i] < 0)
                    verified0[i] = verified;
            }
            free(out);
            if (!v->reachable || !verdict[i] ||
                (covered > 0 && verified >= verified0[i] + covered) || mb_now_mono() > deadline) {
                waiting[i] = 0;
                left--;
            }
        }
        if (left > 0)
            nap(c, 200);
    }
    for (int i = 0; i < nvms; i++) {
        struct vm *v = &vms[i];
        if (!v->reachable)
            continue;
        if (!verdict[i]) {
            hop_error(v, "integrity checker gave no verdict");
            continue;
        }
        if (bad[i] > v->bad_seen) {
            snprintf(v->integrity, sizeof(v->integrity), "corrupt");
            hop_error(v, "memory integrity: %lld pages lost a write in this migration",
                      bad[i] - v->bad_seen);
            v->bad_seen = bad[i];
        } else {
            snprintf(v->integrity, sizeof(v->integrity), "%s",
                     strcmp(verdict[i], "ok") ? "unchecked" : "ok");
        }
    }
}

static void write_text(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0)
        unlink(path);
    close(fd);
}

struct collect_arg {
    const struct mb_wl_driver *wl;
    const struct mb_wl_params *p;
    struct mb_series **series;
    char **raw;
};

static int collect_fn(struct mb_remote *r, void *arg, struct mb_error *e)
{
    struct collect_arg *a = arg;
    return mb_wl_guest_collect(r, a->wl, a->p, 0, a->series, a->raw, e);
}

/* Stop a VM's workload and keep its output and series beside raw.csv (series/).
 * Returns its series (NULL when it gave none, *why saying why) and sets *t0 to the
 * series' time 0 on this machine's clock: when the start command returned (a little
 * late), not the guest's own wall clock, which falls behind by every stop-and-copy
 * pause of the run. */
static struct mb_series *fetch_series(struct campaign *c, const struct mb_wl_driver *wl,
                                      const struct mb_point *pt, const char *run_id, struct vm *v,
                                      double *t0, char *why, size_t whylen)
{
    struct mb_error e;
    struct mb_series *series = NULL;
    char *raw = NULL;
    /* stopping the workload may be done twice */
    struct collect_arg a = {wl, &pt->wl, &series, &raw};
    int rc = vm_do(c, v, collect_fn, &a, &e);
    char path[4400];
    if (raw) {
        snprintf(path, sizeof(path), "%s/series/%s-%s.log", c->dir, run_id, v->label);
        write_text(path, raw, strlen(raw));
        free(raw);
        raw = NULL;
    }
    if (wl->client && v->client) {
        mb_series_free(series); /* NULL: the server's log has no series */
        series = NULL;
        rc = mb_wl_client_collect(v->client, wl, 10, 0, &series, &raw, &e);
        if (raw) {
            snprintf(path, sizeof(path), "%s/series/%s-%s-client.log", c->dir, run_id, v->label);
            write_text(path, raw, strlen(raw));
            free(raw);
        }
    }
    *t0 = v->wl_t0;
    if (series) {
        struct mb_buf b = {0};
        if (mb_series_csv(series, &b) == 0 && b.data) {
            snprintf(path, sizeof(path), "%s/series/%s-%s.csv", c->dir, run_id, v->label);
            write_text(path, b.data, b.len);
        }
        mb_buf_free(&b);
    } else {
        snprintf(why, whylen, "workload %s gave no series: %s", wl->name,
                 rc < 0 ? e.msg : "no output");
    }
    return series;
}

/* The loss in % between a baseline and a later figure; NAN when either is missing. */
static double loss_pct(double base, double later)
{
    return 100.0 * mb_wl_overhead(base, later);
}

/* Stop a VM's workload, keep its series, and give each of its hop rows the baseline,
 * during-migration and after-migration throughput and the losses.  A workload that gave
 * no series says why in the rows' error (the migration's status stands: the workload
 * is what was measured, not what was tested). */
static void collect_workload(struct campaign *c, const struct mb_wl_driver *wl,
                             const struct mb_point *pt, const char *run_id, struct vm *v, int i,
                             int nvms, struct mb_results_row **rows, size_t nrows, double base0,
                             double base1)
{
    double t0;
    char why[1200];
    struct mb_series *series = fetch_series(c, wl, pt, run_id, v, &t0, why, sizeof(why));
    for (size_t k = (size_t)i; k < nrows; k += (size_t)nvms) {
        struct mb_results_row *row = rows[k];
        size_t hop = k / (size_t)nvms;
        if (!series) {
            if (!v->error[0])
                mb_results_row_set_col(row, MB_COL_ERROR, "%s", why);
            continue;
        }
        double base = mb_series_mean(series, 0, base0 - t0, base1 - t0, NULL);
        double from = v->win[2 * hop], to = v->win[2 * hop + 1];
        double during = isfinite(from) ? mb_series_mean(series, 0, from - t0, to - t0, NULL) : NAN;
        double after =
            isfinite(to) && pt->after_ms > 0
                ? mb_series_mean(series, 0, to - t0, to + pt->after_ms / 1000.0 - t0, NULL)
                : NAN;
        set_num(row, MB_COL_WORKLOAD_BASELINE, base, "%.3f");
        set_num(row, MB_COL_WORKLOAD_DURING, during, "%.3f");
        set_num(row, MB_COL_OVERHEAD_PCT, loss_pct(base, during), "%.2f");
        set_num(row, MB_COL_WORKLOAD_AFTER, after, "%.3f");
        set_num(row, MB_COL_AFTER_LOSS_PCT, loss_pct(base, after), "%.2f");
    }
    mb_series_free(series);
}

/* The resident's figures (colocated_*) in the first hop's rows, and colocation_loss_pct
 * in every row that has an after_loss_pct: the migrating VM's loss plus the resident's
 * (0 for a resident with no workload: it has nothing to lose). */
static void resident_columns(struct campaign *c, const struct mb_wl_driver *wl,
                             const struct mb_point *pt, const char *run_id, struct vm *res,
                             const struct vm *vms, int nvms, struct mb_results_row **rows,
                             size_t nrows, double base0, double base1)
{
    double co_loss = 0;
    if (wl) {
        co_loss = NAN;
        double t0, arrived = NAN;
        char why[1200] = "";
        for (int i = 0; i < nvms; i++)
            if (isfinite(vms[i].win[1]) && !(vms[i].win[1] <= arrived))
                arrived = vms[i].win[1];
        struct mb_series *series =
            res->wl_started ? fetch_series(c, wl, pt, run_id, res, &t0, why, sizeof(why)) : NULL;
        if (series) {
            double base = mb_series_mean(series, 0, base0 - t0, base1 - t0, NULL);
            double after = isfinite(arrived) && pt->after_ms > 0
                               ? mb_series_mean(series, 0, arrived - t0,
                                                arrived + pt->after_ms / 1000.0 - t0, NULL)
                               : NAN;
            co_loss = loss_pct(base, after);
            for (size_t k = 0; k < nrows && k < (size_t)nvms; k++) {
                set_num(rows[k], MB_COL_COLOCATED_BASELINE, base, "%.3f");
                set_num(rows[k], MB_COL_COLOCATED_AFTER, after, "%.3f");
                set_num(rows[k], MB_COL_COLOCATED_LOSS_PCT, co_loss, "%.2f");
            }
            mb_series_free(series);
        } else if (why[0]) {
            mb_progress_note(&c->prog, "resident %s: %s", res->label, why);
        }
    }
    for (size_t k = 0; k < nrows && k < (size_t)nvms; k++) {
        const char *a = mb_results_row_get(rows[k], "after_loss_pct");
        if (a && *a && isfinite(co_loss))
            set_num(rows[k], MB_COL_COLOCATION_LOSS_PCT, atof(a) + co_loss, "%.2f");
    }
}

/* Carry out one run.  Returns 0 when its rows were recorded (whatever their status),
 * MB_EINTR when the campaign was stopped (nothing recorded; resume redoes the run), or
 * a negative status when results cannot be written. */
static int run_one(struct campaign *c, const struct mb_run *run, int *all_ok, struct mb_error *err)
{
    const struct mb_testbed *tb = c->tb;
    struct mb_point pt;
    mb_plan_point(c->plan, run->point, &pt);
    int src = host_index(tb, pt.mig_from, 0), dst = host_index(tb, pt.mig_to, 1);
    int nvms = (int)pt.vm_count, nhops = (int)pt.hops;
    struct vm *vms = mb_xcalloc((size_t)nvms, sizeof(*vms));
    struct mb_results_row **rows = mb_xcalloc((size_t)(nvms * nhops), sizeof(*rows));
    size_t nrows = 0;

    struct mb_error e;
    int rc = 0;
    const struct mb_wl_driver *wl = mb_wl_find(pt.vm_workload);
    if (wl && !wl->program)
        wl = NULL; /* idle: nothing runs */
    /* the workload ends by itself after the longest this run can take, should migbench
     * not live to stop it */
    double wl_max_s = (pt.warmup_ms + pt.baseline_ms + pt.after_ms * (double)nhops +
                       pt.timeout_ms * (double)(nhops * nvms)) /
                          1000.0 +
                      120;
    char run_id[MB_RESULTS_RUN_ID_SIZE];
    mb_plan_run_id(c->plan, run, run_id);
    /* placement: the candidate destinations, each with its resident VM, and the one the
     * batch goes to; or the single destination with colocation.workload's resident */
    struct mb_placement_hosts cand = {0};
    const char *policy = NULL;
    if (*pt.placement_hosts &&
        mb_placement_parse_hosts(pt.placement_hosts, mb_option_resident_workloads(), &cand, &e) ==
            0 &&
        cand.n > 0) {
        policy = pt.placement_policy;
        int pick = !strcmp(policy, "random")
                       ? mb_placement_random(run_id, &cand)
                       : mb_placement_choose(c->matrix, pt.vm_workload, &cand);
        dst = host_index(tb, cand.host[pick < 0 ? 0 : pick], dst);
    } else if (strcmp(pt.co_workload, "none") != 0) {
        cand.n = 1;
        snprintf(cand.host[0], sizeof(cand.host[0]), "%s", tb->hosts[dst].name);
        snprintf(cand.workload[0], sizeof(cand.workload[0]), "%s", pt.co_workload);
    }
    int nres = (int)cand.n, res_dst = -1;
    struct vm *res = mb_xcalloc((size_t)nres + 1, sizeof(*res));
    const struct mb_wl_driver *res_wl[MB_PLACEMENT_MAX_HOSTS] = {0};
    int res_host[MB_PLACEMENT_MAX_HOSTS];
    for (int r = 0; r < nres; r++) {
        struct vm *v = &res[r];
        v->n = nvms + 1 + r;
        snprintf(v->name, sizeof(v->name), DOM_PREFIX "res%d", r + 1);
        snprintf(v->label, sizeof(v->label), "res%d", r + 1);
        res_host[r] = host_index(tb, cand.host[r], -1);
        res_wl[r] = mb_wl_find(cand.workload[r]);
        if (res_wl[r] && !res_wl[r]->program)
            res_wl[r] = NULL;
        if (res_host[r] == dst)
            res_dst = r;
        char mac[18];
        if (res_host[r] < 0)
            vm_error(v, "no host '%s' in the testbed", cand.host[r]);
        else if (mb_guest_addr(tb, v->n, v->ip, mac, &e) < 0)
            vm_error(v, "%s", e.msg);
    }
    if (wl || nres > 0) {
        char sdir[4300];
        snprintf(sdir, sizeof(sdir), "%s/series", c->dir);
        mkdir(sdir, 0755);
    }
    for (int i = 0; i < nvms; i++) {
        struct vm *v = &vms[i];
        v->win = mb_xcalloc((size_t)nhops * 2, sizeof(double));
        v->n = i + 1;
        snprintf(v->name, sizeof(v->name), DOM_PREFIX "vm%d", v->n);
        snprintf(v->label, sizeof(v->label), "vm%d", v->n);
        v->cap_applied = v->balloon_kib = v->reserved_at = v->burn_at = NAN;
        char mac[18];
        if (mb_guest_addr(tb, v->n, v->ip, mac, &e) < 0)
            vm_error(v, "%s", e.msg);
    }

    /* 1. boot on the source */
    struct mb_hv *hv_src = NULL;
    if (host_hv(c, src, &hv_src, &e) < 0) {
        for (int i = 0; i < nvms; i++)
            vm_error(&vms[i], "source %s: %s", tb->hosts[src].name, e.msg);
        host_hv_reset(c, src);
        hv_src = NULL;
    }
    for (int i = 0; i < nvms && hv_src && !stopped(c); i++) {
        struct vm *v = &vms[i];
        if (v->error[0])
            continue;
        struct mb_guest_opts go = {
            .name = v->name, .n = v->n, .memory = pt.vm_memory, .vcpus = (int)pt.vm_vcpus};
        char *xml = mb_guest_xml(tb, &tb->hosts[src], &go, &e);
        struct mb_hv_dom *d = NULL;
        if (!xml || mb_hv_dom_create(hv_src, xml, &d, &e) < 0)
            vm_error(v, "cannot start on %s: %s", tb->hosts[src].name, e.msg);
        else
            v->started = 1;
        mb_hv_dom_free(d);
        free(xml);
    }
    /* 1b. the residents, on their hosts (booting while the migrating VMs do) */
    for (int r = 0; r < nres && !stopped(c); r++) {
        struct vm *v = &res[r];
        struct mb_hv *hv = NULL;
        if (v->error[0])
            continue;
        if (host_hv(c, res_host[r], &hv, &e) < 0) {
            vm_error(v, "%s: %s", tb->hosts[res_host[r]].name, e.msg);
            host_hv_reset(c, res_host[r]);
            continue;
        }
        struct mb_guest_opts go = {.name = v->name, .n = v->n, .memory = pt.vm_memory, .vcpus = 1};
        char *xml = mb_guest_xml(tb, &tb->hosts[res_host[r]], &go, &e);
        struct mb_hv_dom *d = NULL;
        if (!xml || mb_hv_dom_create(hv, xml, &d, &e) < 0)
            vm_error(v, "cannot start on %s: %s", tb->hosts[res_host[r]].name, e.msg);
        else
            v->started = 1;
        mb_hv_dom_free(d);
        free(xml);
    }
    /* 2. reach each guest and start its agents */
    double boot_timeout = 60 + 15.0 * (nvms + nres);
    for (int i = 0; i < nvms && !stopped(c); i++) {
        struct vm *v = &vms[i];
        if (!v->started)
            continue;
        if (mb_guest_wait_ssh(tb, v->ip, boot_timeout, &v->ssh, &e) < 0) {
            vm_error(v, "guest did not answer after boot: %s", e.msg);
            continue;
        }
        struct mb_remote *r = v->ssh;
        char *cmd = agents_cmd(&pt);
        if (mb_remote_run(r, cmd, 30, NULL, &e) < 0)
            vm_error(v, "cannot start the guest agents: %s", e.msg);
        else
            v->reachable = 1;
        free(cmd);
        /* the workload: its program in the guest, and for web the load client here */
        if (v->reachable && wl && !stopped(c)) {
            if (mb_wl_guest_start(r, wl, &pt.wl, wl_max_s, 60, &v->wl_t0, &e) < 0) {
                vm_error(v, "workload %s did not start: %s", wl->name, e.msg);
            } else {
                v->wl_started = 1;
                if (wl->client) {
                    char log[4300];
                    snprintf(log, sizeof(log), "%s/series/%s-%s-client.log", c->dir, run_id,
                             v->label);
                    if (mb_wl_client_start(wl, &pt.wl, v->ip, wl_max_s, NULL, log, &v->client, &e) <
                        0)
                        vm_error(v, "load client: %s", e.msg);
                    else
                        v->wl_t0 = mb_now_wall();
                }
            }
        }
    }
    /* 2a. the residents' workloads; a resident that does not run makes the run fail */
    for (int r = 0; r < nres && !stopped(c); r++) {
        struct vm *v = &res[r];
        if (v->started && mb_guest_wait_ssh(tb, v->ip, boot_timeout, &v->ssh, &e) < 0)
            vm_error(v, "did not answer after boot: %s", e.msg);
        else if (v->started)
            v->reachable = 1;
        if (v->reachable && res_wl[r]) {
            if (mb_wl_guest_start(v->ssh, res_wl[r], &pt.wl, wl_max_s, 60, &v->wl_t0, &e) < 0) {
                vm_error(v, "workload %s did not start: %s", res_wl[r]->name, e.msg);
            } else {
                v->wl_started = 1;
                if (res_wl[r]->client) {
                    char log[4300];
                    snprintf(log, sizeof(log), "%s/series/%s-%s-client.log", c->dir, run_id,
                             v->label);
                    if (mb_wl_client_start(res_wl[r], &pt.wl, v->ip, wl_max_s, NULL, log,
                                           &v->client, &e) < 0)
                        vm_error(v, "load client: %s", e.msg);
                    else
                        v->wl_t0 = mb_now_wall();
                }
            }
        }
        if (v->error[0])
            for (int i = 0; i < nvms; i++)
                vm_error(&vms[i], "resident %s (%s on %s): %s", v->label, cand.workload[r],
                         cand.host[r], v->error);
    }
    /* 2b. the destination's reservation (placeholder VMs), then the competing tenant,
     * which then finds only what the reservation left */
    struct mb_rsv *rsv = NULL, *tenant = NULL;
    struct mb_hv *hv_dst = NULL;
    if ((pt.dst_cpu > 0 || pt.dst_memory > 0 || pt.ct_cpu > 0 || pt.ct_memory > 0) && !stopped(c) &&
        host_hv(c, dst, &hv_dst, &e) < 0) {
        for (int i = 0; i < nvms; i++)
            vm_error(&vms[i], "destination %s: %s", tb->hosts[dst].name, e.msg);
        host_hv_reset(c, dst);
        hv_dst = NULL;
    }
    if (hv_dst && (pt.dst_cpu > 0 || pt.dst_memory > 0) && !stopped(c)) {
        struct mb_rsv_opts ro = {.prefix = DOM_PREFIX "ph",
                                 .cpus = (int)pt.dst_cpu,
                                 .burner_memory = pt.placeholder_memory,
                                 .memory = pt.dst_memory,
                                 .memory_per_vm = pt.dst_vm_memory,
                                 .timeout_s = pt.dst_timeout_ms / 1000.0,
                                 .cancel = c->o->stop};
        if (mb_rsv_start(hv_dst, tb, &tb->hosts[dst], &ro, &rsv, &e) < 0 ||
            mb_rsv_wait_held(rsv, &e) < 0)
            for (int i = 0; i < nvms; i++)
                vm_error(&vms[i], "destination reservation: %s", e.msg);
    }
    if (hv_dst && (pt.ct_cpu > 0 || pt.ct_memory > 0) && !stopped(c)) {
        struct mb_rsv_opts co = {.prefix = DOM_PREFIX "ct",
                                 .cpus = (int)pt.ct_cpu,
                                 .memory = pt.ct_memory,
                                 .memory_per_vm = pt.ct_vm_memory,
                                 .vm_overhead = pt.ct_vm_overhead,
                                 .admit = strcmp(pt.ct_admission, "all") ? MB_RSV_ADMIT_FREE
                                                                         : MB_RSV_ADMIT_ALL,
                                 .capacity_cpus = tb->hosts[dst].ncpus,
                                 .capacity_memory = tb->hosts[dst].memory,
                                 .timeout_s = 60,
                                 .cancel = c->o->stop};
        /* a tenant that cannot start or hold is noted; the run goes on without it */
        if (mb_rsv_start(hv_dst, tb, &tb->hosts[dst], &co, &tenant, &e) < 0)
            mb_progress_note(&c->prog, "competing tenant: %s", e.msg);
        else if (mb_rsv_wait_held(tenant, &e) < 0)
            mb_progress_note(&c->prog, "competing tenant did not hold: %s", e.msg);
    }

    /* 3. warm-up and baseline (the workload's reference window) */
    nap(c, pt.warmup_ms);
    double base0 = mb_now_wall();
    nap(c, pt.baseline_ms);
    double base1 = mb_now_wall();

    /* 4. source reservation */
    int capped = 0;
    for (int i = 0; i < nvms && hv_src && !stopped(c); i++) {
        struct vm *v = &vms[i];
        if (!v->reachable || (pt.src_cpu_cap >= 100 && pt.src_memory == 0))
            continue;
        struct mb_hv_dom *d = NULL;
        if (mb_hv_dom_lookup(hv_src, v->name, &d, &e) < 0 || !d) {
            vm_error(v, "reservation: %s not found on the source", v->name);
            continue;
        }
        if (pt.src_cpu_cap < 100) {
            double applied;
            if (mb_hv_set_cpu_cap(d, pt.src_cpu_cap * (double)pt.vm_vcpus, &applied, &e) < 0) {
                vm_error(v, "CPU cap: %s", e.msg);
            } else {
                v->cap_applied = applied / (double)pt.vm_vcpus;
                capped = 1;
            }
        }
        v->reserved_at = mb_now_wall();
        if (pt.src_memory > 0) {
            struct mb_balloon bal = {.reached = -1};
            if (mb_hv_set_balloon(d, pt.src_memory, 30, &bal, &e) < 0)
                vm_error(v, "balloon: %s", e.msg);
            if (bal.reached >= 0)
                v->balloon_kib = (double)bal.reached / 1024.0;
            v->reserved_at = mb_now_wall();
        }
        mb_hv_dom_free(d);
    }

    /* 5. the hops: the batch migrates there (and back, ...), watched by the probe */
    const char *addrs[MAX_VMS];
    for (int i = 0; i < nvms; i++)
        addrs[i] = vms[i].ip;
    /* what the source reservation did, as the monitor measured it: over the two seconds
     * between applying it and the migration (the first second left out: the sample that
     * brackets the window's start may predate the balloon's last step) */
    if (c->mon && (pt.src_cpu_cap < 100 || pt.src_memory > 0) && !stopped(c)) {
        /* a cap shows only when the VM wants more than it: a guest that does not burn
         * its CPU already burns it for these 2.5 s (and stops before the migration), so
         * the cap is measured, not assumed */
        if (pt.src_cpu_cap < 100 && strcmp(pt.vm_workload, "burn") != 0) {
            for (int i = 0; i < nvms; i++) {
                if (!vms[i].reachable)
                    continue;
                if (vm_run(c, &vms[i], "cpuburn -d -t 2 >/dev/null", 10, NULL, &e) < 0)
                    mb_progress_note(&c->prog, "cap check: %s", e.msg);
                else
                    vms[i].burn_at = mb_now_wall();
            }
        }
        nap(c, 2500);
        double now = mb_now_wall();
        mb_monitor_flush(c->mon, now, 10, &e);
        for (int i = 0; i < nvms; i++) {
            struct vm *v = &vms[i];
            if (!v->reachable || !isfinite(v->reserved_at))
                continue;
            if (isfinite(v->cap_applied) &&
                mb_monitor_check_cap(c->mon, tb->hosts[src].name, v->name,
                                     pt.src_cpu_cap * (double)pt.vm_vcpus,
                                     v->cap_applied * (double)pt.vm_vcpus,
                                     isfinite(v->burn_at) ? v->burn_at + 0.6 : v->reserved_at + 0.5,
                                     isfinite(v->burn_at) ? v->burn_at + 1.4 : now,
                                     5.0 * (double)pt.vm_vcpus, &v->cap_check, &e) == 0) {
                v->cap_checked = 1;
                v->cap_measured = v->cap_check.measured / (double)pt.vm_vcpus;
            }
            if (isfinite(v->balloon_kib) &&
                mb_monitor_check_balloon(c->mon, tb->hosts[src].name, v->name,
                                         (double)pt.src_memory, v->balloon_kib * 1024.0,
                                         v->reserved_at + 1.0, now, 0.02, &v->balloon_check,
                                         &e) == 0)
                v->balloon_checked = 1;
        }
    }
    for (int hop = 1; hop <= nhops && !stopped(c); hop++) {
        int from = hop % 2 ? src : dst, to = hop % 2 ? dst : src;
        for (int i = 0; i < nvms; i++) {
            struct vm *v = &vms[i];
            v->batch = v->migrated = v->probed = 0;
            v->herror[0] = '\0';
            memset(&v->mig, 0, sizeof(v->mig));
            snprintf(v->integrity, sizeof(v->integrity), "unchecked");
            if (!v->reachable && !v->error[0])
                hop_error(v, "not migrated: the guest was lost in an earlier hop");
        }
        struct mb_probe *probe = NULL;
        if (mb_probe_start(addrs, (size_t)nvms, PROBE_PORT, pt.probe_interval_ms, &probe, &e) < 0)
            mb_progress_note(&c->prog, "probe: %s (downtime from the probe not measured)", e.msg);
        if (probe) {
            await_replies(c, probe, vms, nvms, 0, 300); /* replies flowing before it opens */
            mb_probe_window_open(probe);
        }
        /* the paper's method: the placeholders go just before the migration starts */
        if (rsv && hop == 1 && !strcmp(pt.dst_mode, "release") && mb_rsv_release(rsv, &e) < 0)
            mb_progress_note(&c->prog, "releasing the reservation: %s", e.msg);
        double h0 = mb_now_wall();
        double makespan = NAN;
        if (!stopped(c))
            makespan = migrate_batch(c, &pt, vms, nvms, from, to, capped && hop == 1);
        double ended = mb_now_mono();
        if (probe) {
            /* the longest gap may end after the migration call returns */
            await_replies(c, probe, vms, nvms, ended, 500);
            struct mb_probe_result pr[MAX_VMS];
            mb_probe_window_close(probe, pr);
            for (int i = 0; i < nvms; i++) {
                if (vms[i].migrated && vms[i].reachable) {
                    vms[i].probe = pr[i];
                    vms[i].probed = 1;
                }
            }
            mb_probe_free(probe);
        }
        /* 6. the window after, then the guests' verdicts */
        nap(c, pt.after_ms);
        verify_guests(c, vms, nvms, ended);
        if (stopped(c))
            break;
        for (int i = 0; i < nvms; i++) {
            struct vm *v = &vms[i];
            const char *st = "failed";
            int mig_ok = v->migrated && v->mig.status == MB_MIG_OK;
            if (v->migrated && v->mig.status == MB_MIG_TIMEOUT)
                st = "timeout";
            else if (mig_ok && !strcmp(v->integrity, "corrupt"))
                st = "corrupt";
            else if (mig_ok && v->reachable && !strcmp(v->integrity, "ok") && !v->error[0] &&
                     !v->herror[0])
                st = "ok";
            else if (mig_ok && !v->error[0])
                hop_error(v, "migrated, but not verified");
            snprintf(v->status, sizeof(v->status), "%s", st);
            if (strcmp(st, "ok") != 0) {
                *all_ok = 0;
                if (!c->why[0])
                    snprintf(c->why, sizeof(c->why), "%s %s%s%s", v->label, st,
                             v->error[0] || v->herror[0] ? ": " : "",
                             v->error[0] ? v->error : v->herror);
            }
        }
        size_t first_row = nrows;
        hop_rows(c, run, vms, nvms, from, to, hop, makespan, h0, mb_now_wall(), rows, &nrows);
        for (size_t k = first_row; k < nrows; k++) {
            reservation_columns(rows[k], rsv, tenant);
            mb_results_row_set_col(rows[k], MB_COL_WORKLOAD, "%s", pt.vm_workload);
            if (res_dst >= 0 && hop == 1)
                mb_results_row_set_col(rows[k], MB_COL_COLOCATED_WORKLOAD, "%s",
                                       cand.workload[res_dst]);
            if (policy)
                mb_results_row_set_col(rows[k], MB_COL_PLACEMENT, "%s", policy);
        }
        for (int i = 0; i < nvms; i++) {
            vms[i].win[2 * (hop - 1)] = vms[i].migrated ? vms[i].mig.wall_start : NAN;
            vms[i].win[2 * (hop - 1) + 1] = vms[i].migrated ? vms[i].mig.wall_end : NAN;
        }
    }
    /* the workloads' series: baseline against each hop's migration window */
    for (int i = 0; i < nvms; i++)
        if (vms[i].wl_started)
            collect_workload(c, wl, &pt, run_id, &vms[i], i, nvms, rows, nrows, base0, base1);
    /* the resident at the destination: alone (the baseline window) against beside the
     * VMs that arrived (the after window of the first hop); the two losses together are
     * what co-location cost */
    if (res_dst >= 0)
        resident_columns(c, res_wl[res_dst], &pt, run_id, &res[res_dst], vms, nvms, rows, nrows,
                         base0, base1);
    for (int r = 0; r < nres; r++)
        if (res[r].wl_started && r != res_dst) {
            double t0;
            char why[1200];
            mb_series_free(fetch_series(c, res_wl[r], &pt, run_id, &res[r], &t0, why, sizeof(why)));
        }
    int interrupted = stopped(c);

    /* 7. clean up: the tenant, the placeholders (hold mode: destroyed only now), and every
     * domain of the run, wherever it is */
    mb_rsv_free(tenant);
    mb_rsv_free(rsv);
    for (int i = 0; i < nvms; i++) {
        vm_ssh_close(&vms[i]);
        if (vms[i].started)
            destroy_everywhere(c, vms[i].name);
    }
    for (int r = 0; r < nres; r++) {
        vm_ssh_close(&res[r]);
        if (res[r].started)
            destroy_everywhere(c, res[r].name);
        mb_wl_client_free(res[r].client);
    }
    free(res);
    if (interrupted)
        rc = MB_EINTR;
    else
        rc = mb_results_append_rows(c->res, (const struct mb_results_row *const *)rows, nrows, err);
    for (size_t i = 0; i < nrows; i++)
        mb_results_row_free(rows[i]);
    free(rows);
    for (int i = 0; i < nvms; i++) {
        mb_wl_client_free(vms[i].client);
        free(vms[i].win);
    }
    free(vms);
    return rc;
}

/* ---- the campaign ------------------------------------------------------------------ */

/* What the scenario makes impossible on this testbed (validate.c: `migbench check
 * --testbed=` refuses the same), and a workload-aware placement without its matrix. */
static int check_supported(struct campaign *c, struct mb_error *err)
{
    if (mb_validate_scenario(c->s, c->tb, err) < 0)
        return MB_EINPUT;
    for (size_t p = 0; p < c->plan->npoints; p++) {
        struct mb_point pt;
        mb_plan_point(c->plan, p, &pt);
        if (*pt.placement_hosts && !strcmp(pt.placement_policy, "workload-aware") && !c->matrix)
            return mb_error_at(err, MB_EINPUT, c->s->path, 0, 0,
                               "placement.policy workload-aware needs a co-location matrix: set "
                               "placement.matrix to earlier Table 3 results (or pass --matrix "
                               "DIR)");
    }
    return 0;
}

static void campaign_free(struct campaign *c)
{
    mb_monitor_free(c->mon);
    free(c->matrix);
    if (c->hv)
        for (int h = 0; h < (c->tb ? c->tb->nhosts : 0); h++)
            mb_hv_close(c->hv[h]);
    free(c->hv);
    free(c->meta);
    for (size_t i = 0; i < c->ndone; i++)
        free(c->done_ids[i]);
    free(c->done_ids);
    mb_results_close(c->res);
    mb_plan_free(c->plan);
    mb_scenario_free(c->s);
    mb_testbed_free(c->tb);
    if (c->lock_fd > 0)
        close(c->lock_fd);
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int write_meta(struct campaign *c, const char *dir, const struct mb_runner_summary *sum,
                      const char *state, struct mb_error *err)
{
    struct mb_buf extra = {0};
    char started[MB_RESULTS_TIME_SIZE];
    struct mb_error terr;
    mb_results_format_time(mb_now_wall(), started, &terr);
    mb_buf_printf(&extra, "\"scenario\": ");
    mb_json_string(&extra, c->s->name);
    mb_buf_printf(&extra,
                  ", \"state\": \"%s\", \"updated\": \"%s\", \"runs\": %zu, "
                  "\"done\": %zu, \"failed\": %zu, \"resumed\": %zu, "
                  "\"wall_s\": %.1f, \"harness_cpu_s\": %.2f",
                  state, started, sum->runs, sum->done, sum->failed, sum->skipped, sum->wall_s,
                  sum->cpu_s);
    if (c->adaptive) {
        mb_buf_printf(&extra,
                      ", \"adaptive_model\": {\"alpha\": %.4f, \"samples\": %zu, "
                      "\"runs\": %zu, \"batches_seen\": %zu, \"history\": ",
                      c->model.alpha, c->model.samples, c->model.runs, c->model.nseen);
        mb_json_string(&extra, c->model.source);
        mb_buf_printf(&extra, "}");
    }
    if (c->matrix) {
        mb_buf_printf(&extra,
                      ", \"placement_matrix\": {\"rows\": %zu, \"source\": ", c->matrix->rows);
        mb_json_string(&extra, c->matrix->source);
        mb_buf_printf(&extra, "}");
    }
    char path[4200];
    snprintf(path, sizeof(path), "%s/metadata.json", dir);
    int rc = mb_meta_write(path, c->tb, c->meta, c->tb->nhosts, extra.data, err);
    mb_buf_free(&extra);
    return rc;
}

/* A path a scenario names, relative to the scenario file; when that does not exist
 * (a resumed campaign's copy has moved: scenario NULL), as given, from the working
 * directory. */
static char *beside_scenario(const char *scenario, const char *path)
{
    if (path[0] == '/' || !scenario)
        return mb_xstrdup(path);
    char *sdir = mb_xstrdup(scenario);
    char *sl = strrchr(sdir, '/');
    if (sl)
        *sl = '\0';
    else
        strcpy(sdir, ".");
    char *p = mb_xasprintf("%s/%s", sdir, path);
    free(sdir);
    struct stat st;
    if (stat(p, &st) != 0) {
        free(p);
        p = mb_xstrdup(path);
    }
    return p;
}

int mb_runner_campaign(const struct mb_runner_opts *o, struct mb_runner_summary *sum,
                       struct mb_error *err)
{
    struct campaign c = {.o = o, .lock_fd = -1};
    memset(sum, 0, sizeof(*sum));
    double wall0 = mb_now_mono(), cpu0 = cpu_seconds();
    int rc;
    char scen_path[4200];
    if (o->resume_dir) {
        snprintf(sum->dir, sizeof(sum->dir), "%s", o->resume_dir);
        snprintf(scen_path, sizeof(scen_path), "%s/scenario.yaml", o->resume_dir);
    } else {
        snprintf(scen_path, sizeof(scen_path), "%s", o->scenario);
    }
    c.s = mb_scenario_load(scen_path, err);
    if (!c.s)
        return err->status;
    c.plan = mb_plan_new(c.s, err);
    if (!c.plan) {
        rc = err->status;
        goto out;
    }
    /* the testbed: the option's, else the scenario's (relative to the scenario file) */
    char *dir = mb_xstrdup(o->resume_dir ? o->resume_dir : o->scenario);
    char *slash = strrchr(dir, '/');
    if (o->resume_dir)
        ; /* a copied scenario's relative testbed path is relative to the original */
    else if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    char *tbpath =
        mb_testbed_resolve(o->testbed ? o->testbed : c.s->testbed, o->testbed ? NULL : dir, err);
    free(dir);
    if (!tbpath) {
        rc = MB_EENV;
        err->status = rc;
        goto out;
    }
    c.tb = mb_testbed_load(tbpath, err);
    free(tbpath);
    if (!c.tb) {
        rc = err->status;
        goto out;
    }
    /* the co-location matrix, when some point places by workload */
    int wants_matrix = 0;
    for (size_t p = 0; p < c.plan->npoints; p++) {
        struct mb_point pt;
        mb_plan_point(c.plan, p, &pt);
        if (*pt.placement_hosts && !strcmp(pt.placement_policy, "workload-aware"))
            wants_matrix = 1;
    }
    if (wants_matrix && (o->matrix || (c.s->matrix && *c.s->matrix))) {
        char *mpath = o->matrix ? mb_xstrdup(o->matrix)
                                : beside_scenario(o->resume_dir ? NULL : o->scenario, c.s->matrix);
        const char *paths[1] = {mpath};
        c.matrix = mb_xcalloc(1, sizeof(*c.matrix));
        rc = mb_placement_learn(paths, 1, c.matrix, err);
        free(mpath);
        if (rc < 0)
            goto out;
    }
    if ((rc = check_supported(&c, err)) < 0)
        goto out;
    for (size_t p = 0; p < c.plan->npoints; p++) {
        struct mb_point pt;
        mb_plan_point(c.plan, p, &pt);
        if (pt.strategy.kind == MB_STRATEGY_ADAPTIVE)
            c.adaptive = 1;
    }
    if (c.adaptive && o->history) {
        const char *paths[1] = {o->history};
        if ((rc = mb_strategy_learn(paths, 1, &c.model, err)) < 0)
            goto out;
    } else if (c.adaptive && c.s->history && *c.s->history) {
        char *hist = beside_scenario(o->resume_dir ? NULL : o->scenario, c.s->history);
        const char *paths[1] = {hist};
        rc = mb_strategy_learn(paths, 1, &c.model, err);
        free(hist);
        if (rc < 0)
            goto out;
    }
    c.hv = mb_xcalloc((size_t)c.tb->nhosts, sizeof(*c.hv));
    if ((rc = lock_testbed(&c, err)) < 0)
        goto out;

    /* the results directory */
    if (!o->resume_dir) {
        if ((rc = new_results_dir(o->out_base ? o->out_base : "results", c.s->name, sum->dir,
                                  sizeof(sum->dir), err)) < 0)
            goto out;
        char to[4200];
        snprintf(to, sizeof(to), "%s/scenario.yaml", sum->dir);
        if ((rc = copy_file(o->scenario, to, err)) < 0)
            goto out;
    }
    c.dir = sum->dir;
    char raw[4200];
    snprintf(raw, sizeof(raw), "%s/raw.csv", sum->dir);
    if (o->resume_dir && (rc = load_done(&c, raw, err)) < 0)
        goto out;
    const char *factors[256];
    for (size_t f = 0; f < c.s->nfactors && f < 256; f++)
        factors[f] = c.s->settings[c.s->factors[f]].opt->key;
    if ((rc = mb_results_open(raw, factors, c.s->nfactors, &c.res, err)) < 0)
        goto out;

    /* what is left, and how long it should take */
    size_t todo = 0;
    double estimate = 0;
    for (size_t i = 0; i < c.plan->nruns; i++) {
        char id[MB_RESULTS_RUN_ID_SIZE];
        mb_plan_run_id(c.plan, &c.plan->runs[i], id);
        if (is_done(&c, id))
            continue;
        todo++;
        struct mb_point pt;
        mb_plan_point(c.plan, c.plan->runs[i].point, &pt);
        estimate += mb_plan_estimate_point(&pt);
    }
    sum->runs = c.plan->nruns;
    sum->skipped = c.plan->nruns - todo;
    mb_progress_init(&c.prog, stdout, o->progress, c.plan->nruns, sum->skipped, estimate);

    /* provenance, and what an interrupted campaign left */
    int max_vms = 1;
    for (size_t p = 0; p < c.plan->npoints; p++) {
        struct mb_point pt;
        mb_plan_point(c.plan, p, &pt);
        if (pt.vm_count > max_vms)
            max_vms = (int)pt.vm_count;
    }
    c.meta = mb_xcalloc((size_t)c.tb->nhosts, sizeof(*c.meta));
    for (int h = 0; h < c.tb->nhosts; h++)
        mb_meta_host_collect(&c.tb->hosts[h], &c.meta[h]);
    if ((rc = sweep_testbed(&c, max_vms, err)) < 0)
        goto out;
    if ((rc = write_meta(&c, sum->dir, sum, "running", err)) < 0)
        goto out;
    /* the monitor: every host's and VM's usage into monitor.csv, all campaign long */
    struct mb_remote_target tgt[64];
    struct mb_monitor_host mh[64];
    int nmh = c.tb->nhosts < 64 ? c.tb->nhosts : 64;
    for (int h = 0; h < nmh; h++) {
        const struct mb_host *x = &c.tb->hosts[h];
        tgt[h] = (struct mb_remote_target){.address = x->ssh.address,
                                           .port = x->ssh.port,
                                           .user = x->ssh.user,
                                           .key = x->ssh.key,
                                           .known_hosts = x->ssh.known_hosts,
                                           .connect_timeout_s = 5};
        int pid = 0;
        struct mb_error me;
        if (mb_monitor_lab_pid(c.tb->path, x->name, &pid, &me) < 0)
            pid = 0;
        mh[h] = (struct mb_monitor_host){.name = x->name,
                                         .uri = x->uri,
                                         .ssh = x->ssh.address ? &tgt[h] : NULL,
                                         .local_pid = pid};
    }
    {
        struct mb_point pt0;
        mb_plan_point(c.plan, 0, &pt0);
        char mpath[4300];
        snprintf(mpath, sizeof(mpath), "%s/monitor.csv", sum->dir);
        struct mb_monitor_opts mo = {.interval_s = pt0.monitor_interval_ms / 1000.0,
                                     .csv_path = mpath};
        struct mb_error me;
        if (mb_monitor_new(mh, nmh, &mo, &c.mon, &me) < 0 || mb_monitor_start(c.mon, &me) < 0) {
            mb_progress_note(&c.prog, "monitor: %s (no monitor.csv)", me.msg);
            mb_monitor_free(c.mon);
            c.mon = NULL;
        }
    }

    for (size_t i = 0; i < c.plan->nruns; i++) {
        const struct mb_run *run = &c.plan->runs[i];
        char id[MB_RESULTS_RUN_ID_SIZE];
        mb_plan_run_id(c.plan, run, id);
        if (is_done(&c, id))
            continue;
        if (stopped(&c)) {
            rc = MB_EINTR;
            break;
        }
        char label[160];
        snprintf(label, sizeof(label), "%s point %zu/%zu rep %u/%lld", c.s->name, run->point + 1,
                 c.plan->npoints, run->rep, (long long)c.s->repeat);
        mb_progress_run_start(&c.prog, label);
        if (c.mon)
            mb_monitor_set_label(c.mon, id);
        double r0 = mb_now_mono();
        int ok = 1;
        c.why[0] = '\0';
        rc = run_one(&c, run, &ok, err);
        if (rc == MB_EINTR)
            break;
        if (rc < 0)
            goto out;
        sum->done++;
        if (!ok)
            sum->failed++;
        char outcome[700];
        snprintf(outcome, sizeof(outcome), "%s %s (%s)%s%s", label, ok ? "ok" : "FAILED", id,
                 ok || !c.why[0] ? "" : ": ", ok ? "" : c.why);
        mb_progress_run_end(&c.prog, ok, mb_now_mono() - r0, outcome);
    }
    sum->interrupted = rc == MB_EINTR;
    mb_progress_finish(&c.prog);
out:
    sum->wall_s = mb_now_mono() - wall0;
    sum->cpu_s = cpu_seconds() - cpu0;
    if (rc < 0 && rc != MB_EINTR && !o->resume_dir && sum->dir[0] && sum->done == 0) {
        /* a new campaign that recorded nothing: leave no empty results directory */
        static const char *const files[] = {"raw.csv", "metadata.json", "metadata.json.tmp",
                                            "scenario.yaml"};
        mb_results_close(c.res);
        c.res = NULL;
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
            char f[4300];
            snprintf(f, sizeof(f), "%s/%s", sum->dir, files[i]);
            unlink(f);
        }
        rmdir(sum->dir);
        sum->dir[0] = '\0';
    }
    if (c.meta && sum->dir[0]) {
        struct mb_error e2;
        write_meta(&c, sum->dir, sum,
                   rc == MB_EINTR ? "interrupted"
                   : rc < 0       ? "failed"
                                  : "finished",
                   &e2);
    }
    if (rc == MB_EINTR)
        mb_error_set(err, MB_EINTR, "interrupted; resume with --resume %s", sum->dir);
    campaign_free(&c);
    return rc;
}
