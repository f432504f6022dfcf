/* libvirt.c — the libvirt backend of struct mb_hv_ops (mb_hv_libvirt): the C API of
 * libvirt for every hypervisor primitive, its event loop for job events and keepalives. */
#include "hypervisor.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "lib/util.h"

/* libvirt's process-wide state: its error handler, and the event loop thread that
 * delivers events and keepalives.  Set up once; the loop thread lives as long as the
 * process. */
static pthread_once_t lv_init_once = PTHREAD_ONCE_INIT, lv_loop_once = PTHREAD_ONCE_INIT;
static int lv_inited = -1, lv_looping = -1;

static void lv_quiet(void *opaque, virErrorPtr e)
{
    /* errors are taken with virGetLastErrorMessage by the caller, never printed */
    (void)opaque;
    (void)e;
}

static void lv_init(void)
{
    virSetErrorFunc(NULL, lv_quiet);
    if (virInitialize() == 0)
        lv_inited = 0;
}

static pthread_t lv_loop_thread;
static volatile sig_atomic_t lv_loop_stop;

static void *lv_event_loop(void *arg)
{
    (void)arg;
    while (!lv_loop_stop)
        if (virEventRunDefaultImpl() < 0)
            break;
    return NULL;
}

static void lv_start_loop(void)
{
    if (virEventRegisterDefaultImpl() < 0 ||
        pthread_create(&lv_loop_thread, NULL, lv_event_loop, NULL) != 0)
        return;
    lv_looping = 0;
}

static void lv_wake(int timer, void *opaque)
{
    (void)opaque;
    virEventRemoveTimeout(timer);
}

void mb_hv_shutdown(void)
{
    if (lv_looping != 0)
        return;
    /* let the loop finish what closed connections left to it (an SSH transport sends
     * its EOF there), then stop it: it must not run while the process exits and its
     * libraries (OpenSSL) clean up */
    for (int i = 0; i < 5; i++) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    lv_loop_stop = 1;
    virEventAddTimeout(0, lv_wake, NULL, NULL); /* wakes the loop's poll */
    pthread_join(lv_loop_thread, NULL);
    lv_looping = -1;
}

/* 0 once libvirt is initialised (and, with loop, its event loop runs). */
static int lv_ready(bool loop)
{
    pthread_once(&lv_init_once, lv_init);
    if (lv_inited < 0)
        return -1;
    if (loop)
        pthread_once(&lv_loop_once, lv_start_loop);
    return loop ? lv_looping : 0;
}

/* For knobs set from user values: a value libvirt refuses (a balloon above the maximum,
 * a quota out of range) is bad input, anything else the environment's failure. */
static int lv_value_status(void)
{
    return virGetLastErrorCode() == VIR_ERR_INVALID_ARG ? MB_EINPUT : MB_EENV;
}

static int lv_fail(struct mb_error *err, int status, const char *what)
{
    const char *m = virGetLastErrorMessage();
    return mb_error_set(err, status, "%s: %s", what, m ? m : "unknown libvirt error");
}

static int lv_open(const char *uri, void **conn, struct mb_error *err)
{
    if (lv_ready(true) < 0)
        return lv_fail(err, MB_EENV, "libvirt initialisation");
    virConnectPtr c = virConnectOpen(uri);
    if (!c) {
        char what[512];
        snprintf(what, sizeof(what), "cannot connect to %s", uri);
        return lv_fail(err, MB_EENV, what);
    }
    /* a dead host is noticed in 5 x 3 s instead of hanging the harness */
    virConnectSetKeepAlive(c, 5, 3);
    *conn = c;
    return MB_OK;
}

static void lv_close(void *conn)
{
    if (conn)
        virConnectClose(conn);
}

/* Text of the first <tag>...</tag> after from, or "" */
static void xml_text(const char *from, const char *tag, char *out, size_t size)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    out[0] = '\0';
    const char *a = from ? strstr(from, open) : NULL;
    const char *b = a ? strstr(a, close) : NULL;
    if (!a || !b)
        return;
    a += strlen(open);
    snprintf(out, size, "%.*s", (int)(b - a), a);
}

static void version_string(unsigned long v, char *out, size_t size)
{
    snprintf(out, size, "%lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
}

static int lv_host_info(void *conn, struct mb_hv_host_info *out, struct mb_error *err)
{
    virConnectPtr c = conn;
    unsigned long hv = 0, lib = 0;
    virNodeInfo ni;
    const char *type = virConnectGetType(c);
    if (!type || virConnectGetVersion(c, &hv) < 0 || virConnectGetLibVersion(c, &lib) < 0 ||
        virNodeGetInfo(c, &ni) < 0)
        return lv_fail(err, MB_EENV, "host information");
    char *name = virConnectGetHostname(c);
    snprintf(out->hostname, sizeof(out->hostname), "%s", name ? name : "");
    free(name);
    snprintf(out->driver, sizeof(out->driver), "%s", type);
    char v[32];
    version_string(hv, v, sizeof(v));
    snprintf(out->hypervisor, sizeof(out->hypervisor), "%s %s", type, v);
    version_string(lib, out->libvirt, sizeof(out->libvirt));
    out->cpus = (int)ni.cpus;
    out->memory = (uint64_t)ni.memory * 1024;
    char *caps = virConnectGetCapabilities(c);
    if (caps) {
        const char *host = strstr(caps, "<host>");
        const char *cpu = host ? strstr(host, "<cpu>") : NULL;
        const char *end = cpu ? strstr(cpu, "</cpu>") : NULL;
        xml_text(cpu, "model", out->cpu_model, sizeof(out->cpu_model));
        const char *model = cpu ? strstr(cpu, "<model>") : NULL;
        if (!model || !end || model > end) /* the model must be the host CPU's own */
            out->cpu_model[0] = '\0';
        free(caps);
    }
    return MB_OK;
}

static int lv_list(void *conn, char ***names, struct mb_error *err)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    if (n < 0)
        return lv_fail(err, MB_EENV, "listing domains");
    char **out = mb_xcalloc((size_t)n + 1, sizeof(*out));
    for (int i = 0; i < n; i++) {
        const char *nm = virDomainGetName(doms[i]);
        out[i] = mb_xstrdup(nm ? nm : "?");
        virDomainFree(doms[i]);
    }
    free(doms);
    *names = out;
    return MB_OK;
}

static int lv_create(void *conn, const char *xml, void **dom, struct mb_error *err)
{
    virDomainPtr d = virDomainCreateXML(conn, xml, 0);
    if (!d)
        return lv_fail(err, MB_EENV, "starting domain");
    *dom = d;
    return MB_OK;
}

static int lv_save(void *dom, const char *path, struct mb_error *err)
{
    if (virDomainSave(dom, path) < 0)
        return lv_fail(err, MB_EENV, "saving domain");
    return MB_OK;
}

static int lv_restore(void *conn, const char *path, struct mb_error *err)
{
    if (virDomainRestore(conn, path) < 0)
        return lv_fail(err, MB_EENV, "restoring domain");
    return MB_OK;
}

static int lv_lookup(void *conn, const char *name, void **dom, struct mb_error *err)
{
    virDomainPtr d = virDomainLookupByName(conn, name);
    if (!d) {
        if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
            *dom = NULL;
            return MB_OK;
        }
        return lv_fail(err, MB_EENV, "looking up domain");
    }
    *dom = d;
    return MB_OK;
}

static void lv_dom_free(void *dom)
{
    if (dom)
        virDomainFree(dom);
}

static const char *lv_dom_name(void *dom)
{
    const char *n = virDomainGetName(dom);
    return n ? n : "?";
}

static int lv_destroy(void *dom, struct mb_error *err)
{
    if (virDomainDestroy(dom) < 0)
        return lv_fail(err, MB_EENV, "destroying domain");
    return MB_OK;
}

/* The name of a virDomainState. */
static const char *state_name(int s)
{
    static const char *const names[] = {
        [VIR_DOMAIN_NOSTATE] = "nostate",   [VIR_DOMAIN_RUNNING] = "running",
        [VIR_DOMAIN_BLOCKED] = "blocked",   [VIR_DOMAIN_PAUSED] = "paused",
        [VIR_DOMAIN_SHUTDOWN] = "shutdown", [VIR_DOMAIN_SHUTOFF] = "shutoff",
        [VIR_DOMAIN_CRASHED] = "crashed",   [VIR_DOMAIN_PMSUSPENDED] = "pmsuspended"};
    return s >= 0 && s < (int)(sizeof(names) / sizeof(names[0])) ? names[s] : "nostate";
}

static int lv_info(void *dom, struct mb_hv_dom_info *out, struct mb_error *err)
{
    virDomainInfo i;
    if (virDomainGetInfo(dom, &i) < 0)
        return lv_fail(err, MB_EENV, "domain information");
    snprintf(out->state, sizeof(out->state), "%s", state_name(i.state));
    out->vcpus = i.nrVirtCpu;
    out->max_memory = (uint64_t)i.maxMem * 1024;
    out->memory = (uint64_t)i.memory * 1024;
    out->cpu_time_ns = i.cpuTime;
    return MB_OK;
}

static int lv_xml(void *dom, char **out, struct mb_error *err)
{
    char *x = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_MIGRATABLE);
    if (!x)
        return lv_fail(err, MB_EENV, "domain XML");
    *out = x;
    return MB_OK;
}

static int lv_set_max_downtime(void *dom, unsigned long long ms, struct mb_error *err)
{
    if (virDomainMigrateSetMaxDowntime(dom, ms, 0) < 0)
        return lv_fail(err, MB_EENV, "setting the maximum downtime");
    return MB_OK;
}

static int lv_migrate(void *dom, const struct mb_hv_migrate_opts *o, struct mb_error *err)
{
    virTypedParameterPtr p = NULL;
    int n = 0, max = 0;
    unsigned int flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER;
    int bad = 0;
    if (o->bandwidth_mibs)
        bad |=
            virTypedParamsAddULLong(&p, &n, &max, VIR_MIGRATE_PARAM_BANDWIDTH, o->bandwidth_mibs);
    if (o->parallel > 0) {
        flags |= VIR_MIGRATE_PARALLEL;
        bad |=
            virTypedParamsAddInt(&p, &n, &max, VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, o->parallel);
    }
    if (o->compression && *o->compression) {
        flags |= VIR_MIGRATE_COMPRESSED;
        bad |= virTypedParamsAddString(&p, &n, &max, VIR_MIGRATE_PARAM_COMPRESSION, o->compression);
    }
    if (o->dest_xml)
        bad |= virTypedParamsAddString(&p, &n, &max, VIR_MIGRATE_PARAM_DEST_XML, o->dest_xml);
    if (o->auto_converge)
        flags |= VIR_MIGRATE_AUTO_CONVERGE;
    if (o->postcopy)
        flags |= VIR_MIGRATE_POSTCOPY;
    if (o->unsafe)
        flags |= VIR_MIGRATE_UNSAFE;
    int rc = MB_OK;
    if (bad < 0) {
        rc = lv_fail(err, MB_EENV, "migration parameters");
    } else if (virDomainMigrateToURI3(dom, o->dest_uri, p, n, flags) < 0) {
        char what[512];
        snprintf(what, sizeof(what), "migration to %s", o->dest_uri);
        rc = lv_fail(err, MB_EFAILED, what);
    }
    virTypedParamsFree(p, n);
    return rc;
}

static int lv_abort_job(void *dom, struct mb_error *err)
{
    if (virDomainAbortJob(dom) < 0)
        return lv_fail(err, MB_EENV, "aborting the job");
    return MB_OK;
}

static int lv_start_postcopy(void *dom, struct mb_error *err)
{
    if (virDomainMigrateStartPostCopy(dom, 0) < 0)
        return lv_fail(err, MB_EENV, "switching to post-copy");
    return MB_OK;
}

void mb_hv_libvirt_job_stats(struct _virTypedParameter *params, int n, struct mb_job_stats *out)
{
    /* each field: its typed parameter, its bit, where it goes, and whether it is a double
     * (times, rates) or an int64_t (bytes, counts) */
#define OFF(member) offsetof(struct mb_job_stats, member)
    static const struct {
        const char *name;
        unsigned bit;
        size_t off;
        bool real;
    } f[] = {
        {VIR_DOMAIN_JOB_TIME_ELAPSED, MB_JOB_TOTAL, OFF(total_ms), true},
        {VIR_DOMAIN_JOB_DOWNTIME, MB_JOB_DOWNTIME, OFF(downtime_ms), true},
        {VIR_DOMAIN_JOB_SETUP_TIME, MB_JOB_SETUP, OFF(setup_ms), true},
        {VIR_DOMAIN_JOB_DATA_PROCESSED, MB_JOB_DATA, OFF(data_bytes), false},
        {VIR_DOMAIN_JOB_MEMORY_TOTAL, MB_JOB_MEMORY_TOTAL, OFF(memory_total), false},
        {VIR_DOMAIN_JOB_MEMORY_PROCESSED, MB_JOB_MEMORY_DATA, OFF(memory_bytes), false},
        {VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, MB_JOB_DIRTY_RATE, OFF(dirty_rate), true},
        {VIR_DOMAIN_JOB_MEMORY_ITERATION, MB_JOB_ITERATIONS, OFF(iterations), false},
        {VIR_DOMAIN_JOB_MEMORY_BPS, MB_JOB_MEMORY_BPS, OFF(memory_bps), true},
    };
#undef OFF
    mb_job_stats_init(out);
    if (lv_ready(false) < 0)
        return;
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        unsigned long long v;
        if (virTypedParamsGetULLong(params, n, f[i].name, &v) != 1)
            continue;
        out->missing &= ~f[i].bit;
        char *field = (char *)out + f[i].off;
        if (f[i].real)
            *(double *)field = (double)v;
        else
            *(int64_t *)field = (int64_t)v;
    }
}

static int lv_completed_job(void *dom, struct mb_job_stats *out, struct mb_error *err)
{
    int type = 0, n = 0;
    virTypedParameterPtr p = NULL;
    if (virDomainGetJobStats(dom, &type, &p, &n, VIR_DOMAIN_JOB_STATS_COMPLETED) < 0)
        return lv_fail(err, MB_EENV, "completed job statistics");
    mb_hv_libvirt_job_stats(p, n, out);
    virTypedParamsFree(p, n);
    return MB_OK;
}

static int lv_job_progress(void *dom, struct mb_job_progress *out, struct mb_error *err)
{
    static const struct {
        const char *name;
        size_t off;
    } f[] = {
        {VIR_DOMAIN_JOB_MEMORY_ITERATION, offsetof(struct mb_job_progress, iterations)},
        {VIR_DOMAIN_JOB_MEMORY_TOTAL, offsetof(struct mb_job_progress, memory_total)},
        {VIR_DOMAIN_JOB_MEMORY_PROCESSED, offsetof(struct mb_job_progress, memory_bytes)},
        {VIR_DOMAIN_JOB_MEMORY_REMAINING, offsetof(struct mb_job_progress, remaining)},
        {VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, offsetof(struct mb_job_progress, page_size)},
    };
    int type = 0, n = 0;
    virTypedParameterPtr p = NULL;
    mb_job_progress_init(out);
    if (virDomainGetJobStats(dom, &type, &p, &n, 0) < 0)
        return lv_fail(err, MB_EENV, "job statistics");
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        unsigned long long v;
        if (virTypedParamsGetULLong(p, n, f[i].name, &v) == 1)
            *(int64_t *)((char *)out + f[i].off) = (int64_t)v;
    }
    virTypedParamsFree(p, n);
    return MB_OK;
}

static int lv_qemu_monitor(void *dom, const char *cmd, char **reply, struct mb_error *err)
{
    char *r = NULL;
    if (virDomainQemuMonitorCommand(dom, cmd, &r, 0) < 0)
        return lv_fail(err, MB_EENV, "QEMU monitor command");
    *reply = r;
    return MB_OK;
}

struct lv_watch {
    mb_hv_job_cb cb;
    void *opaque;
    void (*release)(void *opaque);
};

static void lv_job_completed(virConnectPtr c, virDomainPtr d, virTypedParameterPtr params, int n,
                             void *opaque)
{
    (void)c;
    (void)d;
    struct lv_watch *w = opaque;
    struct mb_job_stats s;
    mb_hv_libvirt_job_stats(params, n, &s);
    w->cb(w->opaque, &s);
}

static void lv_watch_free(void *opaque)
{
    struct lv_watch *w = opaque;
    if (w->release)
        w->release(w->opaque);
    free(w);
}

static int lv_watch_job(void *conn, void *dom, mb_hv_job_cb cb, void *opaque,
                        void (*release)(void *opaque), int *id, struct mb_error *err)
{
    struct lv_watch *w = mb_xcalloc(1, sizeof(*w));
    w->cb = cb;
    w->opaque = opaque;
    w->release = release;
    int r = virConnectDomainEventRegisterAny(conn, dom, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                             VIR_DOMAIN_EVENT_CALLBACK(lv_job_completed), w,
                                             lv_watch_free);
    if (r < 0) {
        free(w);
        return lv_fail(err, MB_EENV, "watching job events");
    }
    *id = r;
    return MB_OK;
}

static void lv_unwatch_job(void *conn, int id)
{
    virConnectDomainEventDeregisterAny(conn, id);
}

static int lv_get_vcpu_bw(void *dom, unsigned long long *period, long long *quota,
                          struct mb_error *err)
{
    int n = 0;
    char *type = virDomainGetSchedulerType(dom, &n);
    if (!type)
        return lv_fail(err, MB_EENV, "scheduler parameters");
    free(type);
    virTypedParameterPtr p = mb_xcalloc((size_t)(n > 0 ? n : 1), sizeof(*p));
    int rc = MB_OK;
    if (virDomainGetSchedulerParametersFlags(dom, p, &n, VIR_DOMAIN_AFFECT_LIVE) < 0) {
        rc = lv_fail(err, MB_EENV, "scheduler parameters");
    } else if (virTypedParamsGetULLong(p, n, VIR_DOMAIN_SCHEDULER_VCPU_PERIOD, period) != 1 ||
               virTypedParamsGetLLong(p, n, VIR_DOMAIN_SCHEDULER_VCPU_QUOTA, quota) != 1) {
        rc = mb_error_set(err, MB_EENV,
                          "scheduler parameters: the driver reports no vcpu_period/vcpu_quota");
    }
    virTypedParamsClear(p, n);
    free(p);
    return rc;
}

static int lv_set_vcpu_bw(void *dom, unsigned long long period, long long quota,
                          struct mb_error *err)
{
    virTypedParameterPtr p = NULL;
    int n = 0, max = 0, rc = MB_OK;
    if (virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_SCHEDULER_VCPU_PERIOD, period) < 0 ||
        virTypedParamsAddLLong(&p, &n, &max, VIR_DOMAIN_SCHEDULER_VCPU_QUOTA, quota) < 0 ||
        virDomainSetSchedulerParametersFlags(dom, p, n, VIR_DOMAIN_AFFECT_LIVE) < 0)
        rc = lv_fail(err, lv_value_status(), "setting the CPU cap");
    virTypedParamsFree(p, n);
    return rc;
}

static int lv_set_memory(void *dom, uint64_t kib, struct mb_error *err)
{
    if (virDomainSetMemoryFlags(dom, (unsigned long)kib, VIR_DOMAIN_AFFECT_LIVE) < 0)
        return lv_fail(err, lv_value_status(), "setting the balloon");
    return MB_OK;
}

static int lv_memory_stats(void *dom, struct mb_hv_mem_stats *out, struct mb_error *err)
{
    static const struct {
        int tag;
        size_t off;
    } f[] = {
        {VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, offsetof(struct mb_hv_mem_stats, actual)},
        {VIR_DOMAIN_MEMORY_STAT_AVAILABLE, offsetof(struct mb_hv_mem_stats, available)},
        {VIR_DOMAIN_MEMORY_STAT_UNUSED, offsetof(struct mb_hv_mem_stats, unused)},
        {VIR_DOMAIN_MEMORY_STAT_USABLE, offsetof(struct mb_hv_mem_stats, usable)},
        {VIR_DOMAIN_MEMORY_STAT_RSS, offsetof(struct mb_hv_mem_stats, rss)},
    };
    virDomainMemoryStatStruct st[VIR_DOMAIN_MEMORY_STAT_NR];
    int n = virDomainMemoryStats(dom, st, VIR_DOMAIN_MEMORY_STAT_NR, 0);
    if (n < 0)
        return lv_fail(err, MB_EENV, "memory statistics");
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
            if (st[i].tag == f[k].tag)
                *(int64_t *)((char *)out + f[k].off) = (int64_t)st[i].val * 1024; /* KiB */
    return MB_OK;
}

static int lv_cpu_stats(void *dom, struct mb_hv_cpu_stats *out, struct mb_error *err)
{
    int n = virDomainGetCPUStats(dom, NULL, 0, -1, 1, 0);
    if (n < 0)
        return lv_fail(err, MB_EENV, "CPU statistics");
    virTypedParameterPtr p = mb_xcalloc((size_t)(n > 0 ? n : 1), sizeof(*p));
    int rc = MB_OK;
    int got = virDomainGetCPUStats(dom, p, (unsigned)n, -1, 1, 0);
    if (got < 0) {
        rc = lv_fail(err, MB_EENV, "CPU statistics");
    } else {
        unsigned long long v;
        if (virTypedParamsGetULLong(p, got, VIR_DOMAIN_CPU_STATS_CPUTIME, &v) == 1)
            out->cpu_time_ns = (int64_t)v;
        if (virTypedParamsGetULLong(p, got, VIR_DOMAIN_CPU_STATS_VCPUTIME, &v) == 1)
            out->vcpu_time_ns = (int64_t)v;
        virTypedParamsClear(p, got);
    }
    free(p);
    /* QEMU reports vcpu_time only per host CPU: add it up over all of them */
    int ncpus =
        rc == MB_OK && out->vcpu_time_ns < 0 ? virDomainGetCPUStats(dom, NULL, 0, 0, 0, 0) : -1;
    int per = ncpus > 0 ? virDomainGetCPUStats(dom, NULL, 0, 0, 1, 0) : -1;
    if (per > 0) {
        virTypedParameterPtr q = mb_xcalloc((size_t)per * (size_t)ncpus, sizeof(*q));
        int got = virDomainGetCPUStats(dom, q, (unsigned)per, 0, (unsigned)ncpus, 0);
        int64_t sum = 0;
        bool any = false;
        for (int i = 0; got > 0 && i < per * ncpus; i++) {
            if (q[i].type == VIR_TYPED_PARAM_ULLONG &&
                !strcmp(q[i].field, VIR_DOMAIN_CPU_STATS_VCPUTIME)) {
                sum += (int64_t)q[i].value.ul;
                any = true;
            }
        }
        if (any)
            out->vcpu_time_ns = sum;
        virTypedParamsClear(q, per * ncpus);
        free(q);
    }
    return rc;
}

void mb_hv_libvirt_dom_stats(struct _virTypedParameter *params, int n, struct mb_hv_dom_stats *out)
{
    char name[sizeof(out->name)];
    memcpy(name, out->name, sizeof(name));
    *out = (struct mb_hv_dom_stats){.vcpus = -1,
                                    .cpu_time_ns = -1,
                                    .vcpu_time_ns = -1,
                                    .balloon = -1,
                                    .balloon_max = -1,
                                    .rss = -1};
    memcpy(out->name, name, sizeof(name));
    int64_t vsum = 0;
    bool vany = false;
    for (int i = 0; i < n; i++) {
        const virTypedParameter *p = &params[i];
        unsigned long long v;
        switch (p->type) {
        case VIR_TYPED_PARAM_ULLONG:
            v = p->value.ul;
            break;
        case VIR_TYPED_PARAM_UINT:
            v = p->value.ui;
            break;
        case VIR_TYPED_PARAM_INT:
            v = p->value.i < 0 ? 0 : (unsigned long long)p->value.i;
            break;
        case VIR_TYPED_PARAM_LLONG:
            v = p->value.l < 0 ? 0 : (unsigned long long)p->value.l;
            break;
        default:
            continue;
        }
        const char *f = p->field;
        if (!strcmp(f, "state.state"))
            snprintf(out->state, sizeof(out->state), "%s", state_name((int)v));
        else if (!strcmp(f, "cpu.time"))
            out->cpu_time_ns = (int64_t)v;
        else if (!strcmp(f, "vcpu.current"))
            out->vcpus = (int)v;
        else if (!strcmp(f, "balloon.current"))
            out->balloon = (int64_t)v * 1024;
        else if (!strcmp(f, "balloon.maximum"))
            out->balloon_max = (int64_t)v * 1024;
        else if (!strcmp(f, "balloon.rss"))
            out->rss = (int64_t)v * 1024;
        else if (!strncmp(f, "vcpu.", 5) && mb_ends_with(f, ".time")) {
            vsum += (int64_t)v;
            vany = true;
        }
    }
    if (vany)
        out->vcpu_time_ns = vsum;
}

static int lv_dom_stats_all(void *conn, struct mb_hv_dom_stats **out, size_t *n,
                            struct mb_error *err)
{
    virDomainStatsRecordPtr *recs = NULL;
    unsigned stats = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL |
                     VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_VCPU;
    /* NOWAIT: a domain busy with a job (a migration) is reported with what can be
     * read without waiting for it, instead of holding up every other domain */
    int nr = virConnectGetAllDomainStats(conn, stats, &recs,
                                         VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE |
                                             VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
    if (nr < 0) {
        if (virGetLastErrorCode() == VIR_ERR_NO_SUPPORT) {
            *out = NULL; /* Xen's libxl driver has no bulk statistics */
            *n = 0;
            return MB_OK;
        }
        return lv_fail(err, MB_EENV, "domain statistics");
    }
    struct mb_hv_dom_stats *v = mb_xcalloc(nr ? (size_t)nr : 1, sizeof(*v));
    for (int i = 0; i < nr; i++) {
        const char *name = virDomainGetName(recs[i]->dom);
        snprintf(v[i].name, sizeof(v[i].name), "%s", name ? name : "?");
        mb_hv_libvirt_dom_stats(recs[i]->params, recs[i]->nparams, &v[i]);
    }
    virDomainStatsRecordListFree(recs);
    *out = v;
    *n = (size_t)nr;
    return MB_OK;
}

const struct mb_hv_ops mb_hv_libvirt = {
    .name = "libvirt",
    .open = lv_open,
    .close = lv_close,
    .host_info = lv_host_info,
    .list = lv_list,
    .create = lv_create,
    .save = lv_save,
    .restore = lv_restore,
    .lookup = lv_lookup,
    .dom_free = lv_dom_free,
    .dom_name = lv_dom_name,
    .destroy = lv_destroy,
    .info = lv_info,
    .xml = lv_xml,
    .set_max_downtime = lv_set_max_downtime,
    .migrate = lv_migrate,
    .abort_job = lv_abort_job,
    .start_postcopy = lv_start_postcopy,
    .job_progress = lv_job_progress,
    .qemu_monitor = lv_qemu_monitor,
    .completed_job = lv_completed_job,
    .watch_job = lv_watch_job,
    .unwatch_job = lv_unwatch_job,
    .get_vcpu_bw = lv_get_vcpu_bw,
    .set_vcpu_bw = lv_set_vcpu_bw,
    .set_memory = lv_set_memory,
    .memory_stats = lv_memory_stats,
    .cpu_stats = lv_cpu_stats,
    .dom_stats_all = lv_dom_stats_all,
};
