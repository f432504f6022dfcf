/* xen.h — Xen through libvirt's libxl driver, behind struct mb_hv_ops.
 *
 * The paper ran on Xen 3.3: its CPU reservation is the credit scheduler's cap (`xm
 * sched-credit -c`), its memory reservation the balloon (`xm mem-set`).  libvirt's
 * libxl driver differs from its QEMU driver where migbench cares (libvirt source read
 * for docs/reservation.md):
 * - CPU cap: the scheduler parameters are "weight" and "cap" (unsigned int), only with
 *   the credit scheduler ("Only 'credit' scheduler is supported"), and only with flags 0
 *   (VIR_DOMAIN_AFFECT_LIVE is refused).  cap is a percentage of one physical CPU for
 *   the whole domain, 0 = none — the unit of migbench's caps, so the mapping is exact
 *   up to rounding to a whole percent.  There is no vcpu_period/vcpu_quota.
 * - Balloon: virDomainSetMemoryFlags(LIVE) works; virDomainMemoryStats reports only
 *   actual (the balloon) and available (the maximum): no rss, unused or usable.
 * - CPU statistics: the domain's cpu_time; per-CPU statistics are per *vCPU* there
 *   ("cpu_time" of vCPU i at index i), not per host CPU with "vcpu_time" as in QEMU.
 * - Job statistics: virDomainGetJobStats reports only time_elapsed, and only for the
 *   running job; VIR_DOMAIN_JOB_STATS_COMPLETED is refused, and no JOB_COMPLETED event
 *   is sent.  So a finished migration's downtime, data, iterations, dirty rate ... are
 *   missing, and the results say so (mb_job_stats.missing); the harness's own timing
 *   (wall_time_ms) and the probe's downtime still measure it.
 * - Not implemented by the driver: virDomainMigrateSetMaxDowntime, virDomainAbortJob,
 *   post-copy, virConnectGetAllDomainStats (the monitor reads each domain instead).
 *
 * mb_hv_xen is mb_hv_libvirt with these differences handled: caps through the credit
 * scheduler, vCPU time from the per-vCPU statistics, completed-job statistics reported
 * as all missing instead of an error, no event watch (none comes), and a downtime limit
 * the driver cannot set skipped instead of failing the migration. */
#ifndef MB_HV_XEN_H
#define MB_HV_XEN_H

#include <stdint.h>

#include "lib/error.h"
#include "hypervisor.h"

/* The credit scheduler's parameters of a domain. */
struct mb_xen_credit {
    unsigned cap;    /* % of one physical CPU for the whole domain; 0 = no cap */
    unsigned weight; /* relative share, 1..65535 (Xen's default 256) */
};

#define MB_XEN_CREDIT_CAP    1u
#define MB_XEN_CREDIT_WEIGHT 2u

/* The scheduler primitives, on a backend's domain handle: libvirt for real, a fake in
 * the tests.  set changes only the fields named in `fields`. */
struct mb_xen_sched_ops {
    int (*vcpus)(void *dom, int *n, struct mb_error *err);
    int (*get)(void *dom, struct mb_xen_credit *out, struct mb_error *err);
    int (*set)(void *dom, const struct mb_xen_credit *c, unsigned fields, struct mb_error *err);
};

/* On virDomainPtr handles (mb_hv_libvirt's and mb_hv_xen's). */
extern const struct mb_xen_sched_ops mb_xen_sched_libvirt;

/* The Xen cap a vcpu_period/vcpu_quota pair means (quota per vCPU, µs; <= 0 = none):
 * round(quota * vcpus * 100 / period), 0 = no cap. */
unsigned mb_xen_cap_from_quota(unsigned long long period, long long quota, int vcpus);

/* The per-vCPU quota that reads back as cap (over period); -1 for cap 0 (no cap). */
long long mb_xen_quota_from_cap(unsigned cap, int vcpus, unsigned long long period);

/* struct mb_hv_ops's get_vcpu_bw and set_vcpu_bw through the credit scheduler's cap, so
 * that mb_hv_set_cpu_cap and mb_hv_get_cpu_cap work unchanged on Xen. */
int mb_xen_get_vcpu_bw(const struct mb_xen_sched_ops *s, void *dom, unsigned long long *period,
                       long long *quota, struct mb_error *err);
int mb_xen_set_vcpu_bw(const struct mb_xen_sched_ops *s, void *dom, unsigned long long period,
                       long long quota, struct mb_error *err);

/* Typed parameters for virDomainSetSchedulerParametersFlags ("cap", "weight": unsigned
 * int) of the fields named; free with virTypedParamsFree.  Returns 0 or MB_ENOMEM. */
struct _virTypedParameter;
int mb_xen_credit_params(const struct mb_xen_credit *c, unsigned fields,
                         struct _virTypedParameter **params, int *n, struct mb_error *err);

/* The credit parameters found in params (as virDomainGetSchedulerParametersFlags
 * returns them); *found gets the MB_XEN_CREDIT_* bits present. */
void mb_xen_credit_from_params(struct _virTypedParameter *params, int n, struct mb_xen_credit *out,
                               unsigned *found);

/* Sum of the "cpu_time" entries of libxl's per-vCPU statistics (ncpus records of
 * nparams each, as virDomainGetCPUStats(dom, params, nparams, 0, ncpus, 0) fills them);
 * -1 when none. */
int64_t mb_xen_vcpu_time(struct _virTypedParameter *params, int nparams, int ncpus);

/* The job-statistics fields libvirt's libxl driver reports for a migration (enum
 * mb_job_field bits): none once it has finished. */
#define MB_XEN_JOB_REPORTED 0u

/* The Xen backend. */
extern const struct mb_hv_ops mb_hv_xen;

#endif
