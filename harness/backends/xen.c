/* xen.c — the Xen backend: mb_hv_libvirt with libxl's differences handled. */
#include "backends/xen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/* ---- the cap mapping ---------------------------------------------------------------- */

unsigned mb_xen_cap_from_quota(unsigned long long period, long long quota, int vcpus)
{
    if (quota <= 0 || period == 0)
        return 0;
    if (vcpus < 1)
        vcpus = 1;
    double cap = (double)quota * vcpus * 100.0 / (double)period;
    if (cap < 1)
        cap = 1; /* a cap, however small, is not "no cap" */
    return cap > 65535 ? 65535u : (unsigned)llround(cap);
}

long long mb_xen_quota_from_cap(unsigned cap, int vcpus, unsigned long long period)
{
    if (cap == 0 || period == 0)
        return -1;
    if (vcpus < 1)
        vcpus = 1;
    return llround((double)cap / 100.0 * (double)period / vcpus);
}

int mb_xen_get_vcpu_bw(const struct mb_xen_sched_ops *s, void *dom, unsigned long long *period,
                       long long *quota, struct mb_error *err)
{
    int vcpus = 1;
    struct mb_xen_credit c;
    int rc = s->vcpus(dom, &vcpus, err);
    if (rc == MB_OK)
        rc = s->get(dom, &c, err);
    if (rc < 0)
        return rc;
    *period = MB_HV_CAP_PERIOD_US;
    *quota = mb_xen_quota_from_cap(c.cap, vcpus, MB_HV_CAP_PERIOD_US);
    return MB_OK;
}

int mb_xen_set_vcpu_bw(const struct mb_xen_sched_ops *s, void *dom, unsigned long long period,
                       long long quota, struct mb_error *err)
{
    int vcpus = 1;
    int rc = s->vcpus(dom, &vcpus, err);
    if (rc < 0)
        return rc;
    struct mb_xen_credit c = {.cap = mb_xen_cap_from_quota(period, quota, vcpus)};
    return s->set(dom, &c, MB_XEN_CREDIT_CAP, err);
}

/* ---- typed parameters ------------------------------------------------------------------- */

int mb_xen_credit_params(const struct mb_xen_credit *c, unsigned fields,
                         struct _virTypedParameter **params, int *n, struct mb_error *err)
{
    virTypedParameterPtr p = NULL;
    int np = 0, max = 0;
    if (((fields & MB_XEN_CREDIT_WEIGHT) &&
         virTypedParamsAddUInt(&p, &np, &max, VIR_DOMAIN_SCHEDULER_WEIGHT, c->weight) < 0) ||
        ((fields & MB_XEN_CREDIT_CAP) &&
         virTypedParamsAddUInt(&p, &np, &max, VIR_DOMAIN_SCHEDULER_CAP, c->cap) < 0)) {
        virTypedParamsFree(p, np);
        return mb_error_set(err, MB_ENOMEM, "Xen scheduler parameters: out of memory");
    }
    *params = p;
    *n = np;
    return MB_OK;
}

void mb_xen_credit_from_params(struct _virTypedParameter *params, int n, struct mb_xen_credit *out,
                               unsigned *found)
{
    memset(out, 0, sizeof(*out));
    *found = 0;
    unsigned v;
    if (virTypedParamsGetUInt(params, n, VIR_DOMAIN_SCHEDULER_CAP, &v) == 1) {
        out->cap = v;
        *found |= MB_XEN_CREDIT_CAP;
    }
    if (virTypedParamsGetUInt(params, n, VIR_DOMAIN_SCHEDULER_WEIGHT, &v) == 1) {
        out->weight = v;
        *found |= MB_XEN_CREDIT_WEIGHT;
    }
}

int64_t mb_xen_vcpu_time(struct _virTypedParameter *params, int nparams, int ncpus)
{
    int64_t sum = 0;
    bool any = false;
    for (int i = 0; params && i < nparams * ncpus; i++) {
        if (params[i].type == VIR_TYPED_PARAM_ULLONG &&
            !strcmp(params[i].field, VIR_DOMAIN_CPU_STATS_CPUTIME)) {
            sum += (int64_t)params[i].value.ul;
            any = true;
        }
    }
    return any ? sum : -1;
}

/* ---- the libvirt primitives ---------------------------------------------------------------- */

static int xl_fail(struct mb_error *err, int status, const char *what)
{
    const char *m = virGetLastErrorMessage();
    return mb_error_set(err, status, "%s: %s", what, m ? m : "unknown libvirt error");
}

static int xl_vcpus(void *dom, int *n, struct mb_error *err)
{
    virDomainInfo i;
    if (virDomainGetInfo(dom, &i) < 0)
        return xl_fail(err, MB_EENV, "domain information");
    *n = i.nrVirtCpu;
    return MB_OK;
}

/* The credit scheduler or a clear error (credit2 has a cap in Xen, not in libvirt). */
static int xl_credit(void *dom, int *nparams, struct mb_error *err)
{
    char *type = virDomainGetSchedulerType(dom, nparams);
    if (!type)
        return xl_fail(err, MB_EENV, "Xen scheduler");
    int rc = MB_OK;
    if (strcmp(type, "credit") != 0)
        rc = mb_error_set(err, MB_EENV,
                          "Xen scheduler '%s': libvirt's libxl driver sets a CPU cap only with "
                          "the credit scheduler (boot Xen with sched=credit)",
                          type);
    free(type);
    return rc;
}

static int xl_get(void *dom, struct mb_xen_credit *out, struct mb_error *err)
{
    int n = 0;
    int rc = xl_credit(dom, &n, err);
    if (rc < 0)
        return rc;
    virTypedParameterPtr p = calloc((size_t)(n > 0 ? n : 2), sizeof(*p));
    if (!p)
        return mb_error_set(err, MB_ENOMEM, "out of memory");
    if (n < 2)
        n = 2;
    /* flags 0: libxl refuses VIR_DOMAIN_AFFECT_LIVE here */
    if (virDomainGetSchedulerParametersFlags(dom, p, &n, 0) < 0) {
        rc = xl_fail(err, MB_EENV, "Xen scheduler parameters");
    } else {
        unsigned found;
        mb_xen_credit_from_params(p, n, out, &found);
        if (!(found & MB_XEN_CREDIT_CAP))
            rc = mb_error_set(err, MB_EENV, "Xen scheduler parameters: no cap reported");
    }
    virTypedParamsClear(p, n);
    free(p);
    return rc;
}

static int xl_set(void *dom, const struct mb_xen_credit *c, unsigned fields, struct mb_error *err)
{
    int n = 0;
    int rc = xl_credit(dom, &n, err);
    if (rc < 0)
        return rc;
    virTypedParameterPtr p = NULL;
    if ((rc = mb_xen_credit_params(c, fields, &p, &n, err)) < 0)
        return rc;
    if (virDomainSetSchedulerParametersFlags(dom, p, n, 0) < 0)
        rc = xl_fail(err, virGetLastErrorCode() == VIR_ERR_INVALID_ARG ? MB_EINPUT : MB_EENV,
                     "setting the Xen CPU cap");
    virTypedParamsFree(p, n);
    return rc;
}

const struct mb_xen_sched_ops mb_xen_sched_libvirt = {
    .vcpus = xl_vcpus,
    .get = xl_get,
    .set = xl_set,
};

/* ---- the backend: mb_hv_libvirt's primitives, except where libxl differs ------------------ */

static int x_open(const char *uri, void **conn, struct mb_error *err)
{
    return mb_hv_libvirt.open(uri, conn, err);
}

static void x_close(void *conn)
{
    mb_hv_libvirt.close(conn);
}

static int x_host_info(void *conn, struct mb_hv_host_info *out, struct mb_error *err)
{
    return mb_hv_libvirt.host_info(conn, out, err);
}

static int x_list(void *conn, char ***names, struct mb_error *err)
{
    return mb_hv_libvirt.list(conn, names, err);
}

static int x_create(void *conn, const char *xml, void **dom, struct mb_error *err)
{
    return mb_hv_libvirt.create(conn, xml, dom, err);
}

static int x_lookup(void *conn, const char *name, void **dom, struct mb_error *err)
{
    return mb_hv_libvirt.lookup(conn, name, dom, err);
}

static void x_dom_free(void *dom)
{
    mb_hv_libvirt.dom_free(dom);
}

static const char *x_dom_name(void *dom)
{
    return mb_hv_libvirt.dom_name(dom);
}

static int x_destroy(void *dom, struct mb_error *err)
{
    return mb_hv_libvirt.destroy(dom, err);
}

static int x_info(void *dom, struct mb_hv_dom_info *out, struct mb_error *err)
{
    return mb_hv_libvirt.info(dom, out, err);
}

static int x_xml(void *dom, char **out, struct mb_error *err)
{
    return mb_hv_libvirt.xml(dom, out, err);
}

static int x_set_max_downtime(void *dom, unsigned long long ms, struct mb_error *err)
{
    if (virDomainMigrateSetMaxDowntime(dom, ms, 0) == 0)
        return MB_OK;
    /* libxl has no downtime limit: the migration goes on with Xen's own policy */
    if (virGetLastErrorCode() == VIR_ERR_NO_SUPPORT)
        return MB_OK;
    return xl_fail(err, MB_EENV, "setting the maximum downtime");
}

static int x_migrate(void *dom, const struct mb_hv_migrate_opts *o, struct mb_error *err)
{
    return mb_hv_libvirt.migrate(dom, o, err);
}

static int x_abort_job(void *dom, struct mb_error *err)
{
    return mb_hv_libvirt.abort_job(dom, err);
}

static int x_completed_job(void *dom, struct mb_job_stats *out, struct mb_error *err)
{
    int type = 0, n = 0;
    virTypedParameterPtr p = NULL;
    if (virDomainGetJobStats(dom, &type, &p, &n, VIR_DOMAIN_JOB_STATS_COMPLETED) == 0) {
        mb_hv_libvirt_job_stats(p, n, out);
        virTypedParamsFree(p, n);
        return MB_OK;
    }
    int code = virGetLastErrorCode();
    if (code == VIR_ERR_INVALID_ARG || code == VIR_ERR_NO_SUPPORT) {
        /* libxl: "unsupported flags": the finished job is not kept; everything missing */
        mb_job_stats_init(out);
        return MB_OK;
    }
    return xl_fail(err, MB_EENV, "completed job statistics");
}

static int x_get_vcpu_bw(void *dom, unsigned long long *period, long long *quota,
                         struct mb_error *err)
{
    return mb_xen_get_vcpu_bw(&mb_xen_sched_libvirt, dom, period, quota, err);
}

static int x_set_vcpu_bw(void *dom, unsigned long long period, long long quota,
                         struct mb_error *err)
{
    return mb_xen_set_vcpu_bw(&mb_xen_sched_libvirt, dom, period, quota, err);
}

static int x_set_memory(void *dom, uint64_t kib, struct mb_error *err)
{
    return mb_hv_libvirt.set_memory(dom, kib, err);
}

static int x_memory_stats(void *dom, struct mb_hv_mem_stats *out, struct mb_error *err)
{
    return mb_hv_libvirt.memory_stats(dom, out, err);
}

static int x_cpu_stats(void *dom, struct mb_hv_cpu_stats *out, struct mb_error *err)
{
    virTypedParameter total;
    memset(&total, 0, sizeof(total));
    if (virDomainGetCPUStats(dom, &total, 1, -1, 1, 0) < 0)
        return xl_fail(err, MB_EENV, "CPU statistics");
    if (total.type == VIR_TYPED_PARAM_ULLONG && !strcmp(total.field, VIR_DOMAIN_CPU_STATS_CPUTIME))
        out->cpu_time_ns = (int64_t)total.value.ul;
    /* libxl: "CPU" i of the per-CPU statistics is vCPU i */
    int ncpus = virDomainGetCPUStats(dom, NULL, 0, 0, 0, 0);
    int per = ncpus > 0 ? virDomainGetCPUStats(dom, NULL, 0, 0, 1, 0) : -1;
    if (per > 0) {
        virTypedParameterPtr q = calloc((size_t)per * (size_t)ncpus, sizeof(*q));
        if (q && virDomainGetCPUStats(dom, q, (unsigned)per, 0, (unsigned)ncpus, 0) > 0)
            out->vcpu_time_ns = mb_xen_vcpu_time(q, per, ncpus);
        if (q)
            virTypedParamsClear(q, per * ncpus);
        free(q);
    }
    return MB_OK;
}

const struct mb_hv_ops mb_hv_xen = {
    .name = "libvirt-xen",
    .open = x_open,
    .close = x_close,
    .host_info = x_host_info,
    .list = x_list,
    .create = x_create,
    .lookup = x_lookup,
    .dom_free = x_dom_free,
    .dom_name = x_dom_name,
    .destroy = x_destroy,
    .info = x_info,
    .xml = x_xml,
    .set_max_downtime = x_set_max_downtime,
    .migrate = x_migrate,
    .abort_job = x_abort_job,
    .start_postcopy = NULL, /* libxl: none */
    .completed_job = x_completed_job,
    .watch_job = NULL, /* libxl sends no JOB_COMPLETED event: do not wait for one */
    .unwatch_job = NULL,
    .get_vcpu_bw = x_get_vcpu_bw,
    .set_vcpu_bw = x_set_vcpu_bw,
    .set_memory = x_set_memory,
    .memory_stats = x_memory_stats,
    .cpu_stats = x_cpu_stats,
    /* libxl has no virConnectGetAllDomainStats: mb_hv_dom_stats_all reads each domain,
     * and x_cpu_stats gets its vCPU time right */
    .dom_stats_all = NULL,
};
