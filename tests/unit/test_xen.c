/* test_xen.c — the Xen mapping: CPU caps through the credit scheduler's cap, the typed
 * parameters libvirt's libxl driver takes and gives, libxl's per-vCPU CPU statistics,
 * and what a migration's results say when the driver reports only time_elapsed or
 * nothing — against a fake hypervisor that behaves like the libxl driver, and the Xen
 * backend itself against libvirt's test driver (which, like libxl, has no downtime
 * limit and no completed-job statistics). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "fake_virt.c"
#include "backends/xen.h"
#include "lib/util.h"

/* ---- a fake credit scheduler over the fake's domains -------------------------------- */

static struct {
    const char *scheduler; /* "credit" or "credit2" */
    struct mb_xen_credit credit[8];
    char log[256];
} xs;

static int fx_vcpus(void *dom, int *n, struct mb_error *err)
{
    (void)err;
    *n = fake.doms[*(int *)dom].vcpus;
    return MB_OK;
}

static int fx_get(void *dom, struct mb_xen_credit *out, struct mb_error *err)
{
    if (strcmp(xs.scheduler, "credit") != 0)
        return mb_error_set(err, MB_EENV,
                            "Xen scheduler parameters: internal error: Only "
                            "'credit' scheduler is supported");
    *out = xs.credit[*(int *)dom];
    return MB_OK;
}

static int fx_set(void *dom, const struct mb_xen_credit *c, unsigned fields, struct mb_error *err)
{
    if (strcmp(xs.scheduler, "credit") != 0)
        return mb_error_set(err, MB_EENV,
                            "setting the Xen CPU cap: internal error: Only "
                            "'credit' scheduler is supported");
    struct mb_xen_credit *d = &xs.credit[*(int *)dom];
    if (fields & MB_XEN_CREDIT_CAP)
        d->cap = c->cap;
    if (fields & MB_XEN_CREDIT_WEIGHT)
        d->weight = c->weight;
    snprintf(xs.log + strlen(xs.log), sizeof(xs.log) - strlen(xs.log), "%scap=%u",
             xs.log[0] ? " " : "", c->cap);
    return MB_OK;
}

static const struct mb_xen_sched_ops fake_sched = {
    .vcpus = fx_vcpus,
    .get = fx_get,
    .set = fx_set,
};

/* ---- a fake hypervisor that reports what libvirt's libxl driver reports --------------- */

static int fx_get_vcpu_bw(void *dom, unsigned long long *period, long long *quota,
                          struct mb_error *err)
{
    return mb_xen_get_vcpu_bw(&fake_sched, dom, period, quota, err);
}

static int fx_set_vcpu_bw(void *dom, unsigned long long period, long long quota,
                          struct mb_error *err)
{
    return mb_xen_set_vcpu_bw(&fake_sched, dom, period, quota, err);
}

/* libxl: actual (the balloon) and available (the maximum), nothing else */
static int fx_memory_stats(void *dom, struct mb_hv_mem_stats *out, struct mb_error *err)
{
    (void)err;
    struct fake_dom *d = &fake.doms[*(int *)dom];
    d->actual_kib = d->target_kib;
    out->actual = (int64_t)d->actual_kib * 1024;
    out->available = (int64_t)d->max_kib * 1024;
    return MB_OK;
}

/* libxl: the domain's cpu_time only (vCPU time comes per vCPU, see mb_xen_vcpu_time) */
static int fx_cpu_stats(void *dom, struct mb_hv_cpu_stats *out, struct mb_error *err)
{
    (void)dom;
    (void)err;
    out->cpu_time_ns = 5000000000;
    return MB_OK;
}

static struct mb_hv_ops xen_like;

static int setup(void **state)
{
    (void)state;
    fake_reset();
    memset(&xs, 0, sizeof(xs));
    xs.scheduler = "credit";
    for (int i = 0; i < 8; i++)
        xs.credit[i].weight = 256;
    xen_like = fake_hv;
    xen_like.name = "fake-xen";
    xen_like.get_vcpu_bw = fx_get_vcpu_bw;
    xen_like.set_vcpu_bw = fx_set_vcpu_bw;
    xen_like.memory_stats = fx_memory_stats;
    xen_like.cpu_stats = fx_cpu_stats;
    xen_like.watch_job = NULL; /* no JOB_COMPLETED event from libxl */
    xen_like.unwatch_job = NULL;
    xen_like.start_postcopy = NULL;
    return 0;
}

static struct mb_hv_dom *vm1(struct mb_hv **hv)
{
    struct mb_error e;
    assert_int_equal(mb_hv_open(&xen_like, "fake://A", hv, &e), MB_OK);
    struct mb_hv_dom *d = NULL;
    assert_int_equal(mb_hv_dom_lookup(*hv, "vm1", &d, &e), MB_OK);
    assert_non_null(d);
    return d;
}

/* ---- the mapping ------------------------------------------------------------------------ */

static void test_cap_mapping_table(void **state)
{
    (void)state;
    /* migbench's cap (% of one CPU for the whole VM) -> vcpu_quota (hypervisor.c) -> Xen
     * cap: the same number */
    static const struct {
        double percent;
        int vcpus;
        unsigned cap;
    } t[] = {
        {1, 1, 1},     {20, 1, 20},   {40, 1, 40},   {50, 1, 50},   {100, 1, 100},
        {40, 2, 40},   {150, 2, 150}, {200, 2, 200}, {33.3, 3, 33}, {66.7, 3, 67},
        {400, 4, 400}, {5, 4, 5},     {0, 1, 0},     {0, 8, 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        long long q = mb_hv_cap_to_quota(t[i].percent, t[i].vcpus, MB_HV_CAP_PERIOD_US);
        assert_true(q != 0);
        unsigned cap = mb_xen_cap_from_quota(MB_HV_CAP_PERIOD_US, q, t[i].vcpus);
        assert_int_equal(cap, t[i].cap);
        /* and back: the quota that reads as that cap */
        long long back = mb_xen_quota_from_cap(cap, t[i].vcpus, MB_HV_CAP_PERIOD_US);
        assert_true(fabs(mb_hv_quota_to_cap(back, t[i].vcpus, MB_HV_CAP_PERIOD_US) - cap) < 0.01);
    }
    /* no cap both ways; a cap is never rounded down to "no cap" */
    assert_int_equal(mb_xen_cap_from_quota(100000, -1, 1), 0);
    assert_int_equal(mb_xen_cap_from_quota(0, 5000, 1), 0);
    assert_int_equal(mb_xen_quota_from_cap(0, 2, 100000), -1);
    assert_int_equal(mb_xen_cap_from_quota(1000000, 1000, 1), 1); /* 0.1 % */
    assert_int_equal(mb_xen_cap_from_quota(100000, 100000000, 8), 65535);
}

static void test_credit_typed_params(void **state)
{
    (void)state;
    assert_int_equal(virInitialize(), 0);
    struct mb_xen_credit c = {.cap = 40, .weight = 512}, back;
    struct _virTypedParameter *p = NULL;
    int n = 0;
    unsigned found;
    struct mb_error e;
    assert_int_equal(mb_xen_credit_params(&c, MB_XEN_CREDIT_CAP, &p, &n, &e), MB_OK);
    /* libxl validates names and types: "cap" as an unsigned int, nothing else */
    assert_int_equal(n, 1);
    assert_string_equal(p[0].field, VIR_DOMAIN_SCHEDULER_CAP);
    assert_string_equal(p[0].field, "cap");
    assert_int_equal(p[0].type, VIR_TYPED_PARAM_UINT);
    assert_int_equal(p[0].value.ui, 40);
    mb_xen_credit_from_params(p, n, &back, &found);
    assert_int_equal(found, MB_XEN_CREDIT_CAP);
    assert_int_equal(back.cap, 40);
    virTypedParamsFree(p, n);
    assert_int_equal(mb_xen_credit_params(&c, MB_XEN_CREDIT_CAP | MB_XEN_CREDIT_WEIGHT, &p, &n, &e),
                     MB_OK);
    assert_int_equal(n, 2);
    mb_xen_credit_from_params(p, n, &back, &found);
    assert_int_equal(found, MB_XEN_CREDIT_CAP | MB_XEN_CREDIT_WEIGHT);
    assert_int_equal(back.weight, 512);
    assert_string_equal(p[0].field, "weight");
    virTypedParamsFree(p, n);
    /* a QEMU-style answer has neither */
    p = NULL;
    n = 0;
    int max = 0;
    assert_int_equal(virTypedParamsAddULLong(&p, &n, &max, "vcpu_period", 100000), 0);
    mb_xen_credit_from_params(p, n, &back, &found);
    assert_int_equal(found, 0);
    virTypedParamsFree(p, n);
}

static void test_vcpu_time_from_per_vcpu_stats(void **state)
{
    (void)state;
    /* virDomainGetCPUStats(dom, params, 1, 0, 3, 0) on libxl: one "cpu_time" per vCPU */
    virTypedParameter p[3];
    memset(p, 0, sizeof(p));
    for (int i = 0; i < 3; i++) {
        snprintf(p[i].field, sizeof(p[i].field), "%s", VIR_DOMAIN_CPU_STATS_CPUTIME);
        p[i].type = VIR_TYPED_PARAM_ULLONG;
        p[i].value.ul = (unsigned long long)(i + 1) * 1000000000ULL;
    }
    assert_int_equal(mb_xen_vcpu_time(p, 1, 3), 6000000000LL);
    /* QEMU's per host-CPU "vcpu_time" is not Xen's */
    snprintf(p[0].field, sizeof(p[0].field), "%s", VIR_DOMAIN_CPU_STATS_VCPUTIME);
    assert_int_equal(mb_xen_vcpu_time(p, 1, 1), -1);
    assert_int_equal(mb_xen_vcpu_time(NULL, 0, 0), -1);
}

/* ---- the generic knobs on a Xen-like hypervisor ---------------------------------------------- */

static void test_cpu_cap_through_credit_scheduler(void **state)
{
    (void)state;
    struct mb_hv *hv = NULL;
    struct mb_hv_dom *d = vm1(&hv);
    struct mb_error e;
    double applied = -1, got = -1;
    assert_int_equal(mb_hv_set_cpu_cap(d, 40, &applied, &e), MB_OK);
    assert_int_equal(xs.credit[0].cap, 40);
    assert_int_equal(xs.credit[0].weight, 256); /* left alone */
    assert_true(fabs(applied - 40) < 1e-9);
    assert_int_equal(mb_hv_get_cpu_cap(d, &got, &e), MB_OK);
    assert_true(fabs(got - 40) < 1e-9);
    /* two vCPUs, one and a half CPUs */
    fake.doms[0].vcpus = 2;
    assert_int_equal(mb_hv_set_cpu_cap(d, 150, &applied, &e), MB_OK);
    assert_int_equal(xs.credit[0].cap, 150);
    assert_true(fabs(applied - 150) < 1e-9);
    /* no cap */
    assert_int_equal(mb_hv_set_cpu_cap(d, 0, &applied, &e), MB_OK);
    assert_int_equal(xs.credit[0].cap, 0);
    assert_true(applied == 0);
    assert_string_equal(xs.log, "cap=40 cap=150 cap=0");
    mb_hv_dom_free(d);
    mb_hv_close(hv);
}

static void test_cpu_cap_needs_the_credit_scheduler(void **state)
{
    (void)state;
    xs.scheduler = "credit2";
    struct mb_hv *hv = NULL;
    struct mb_hv_dom *d = vm1(&hv);
    struct mb_error e;
    double applied = -1;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_set_cpu_cap(d, 40, &applied, &e), MB_EENV);
    assert_non_null(strstr(e.msg, "Only 'credit' scheduler is supported"));
    assert_true(applied == -1);
    mb_hv_dom_free(d);
    mb_hv_close(hv);
}

static void test_balloon_on_xen(void **state)
{
    (void)state;
    struct mb_hv *hv = NULL;
    struct mb_hv_dom *d = vm1(&hv);
    struct mb_error e;
    struct mb_balloon b;
    assert_int_equal(mb_hv_set_balloon(d, 192ull << 20, 1, &b, &e), MB_OK);
    assert_true(b.ok);
    assert_int_equal(b.reached, 192ll << 20);
    struct mb_hv_mem_stats m;
    assert_int_equal(mb_hv_dom_memory(d, &m, &e), MB_OK);
    assert_int_equal(m.actual, 192ll << 20);
    assert_int_equal(m.available, 256ll << 20);
    assert_int_equal(m.rss, -1); /* libxl reports no residency */
    assert_int_equal(m.unused, -1);
    struct mb_hv_cpu_stats c;
    assert_int_equal(mb_hv_dom_cpu(d, &c, &e), MB_OK);
    assert_int_equal(c.cpu_time_ns, 5000000000LL);
    assert_int_equal(c.vcpu_time_ns, -1);
    mb_hv_dom_free(d);
    mb_hv_close(hv);
}

/* ---- what a migration's results say
 * -------------------------------------------------------------- */

static struct mb_migration migrate(int *rc)
{
    struct mb_hv *a = NULL, *b = NULL;
    struct mb_hv_dom *d = vm1(&a);
    struct mb_error e;
    assert_int_equal(mb_hv_open(&xen_like, "fake://B", &b, &e), MB_OK);
    struct mb_hv_migrate_opts o = {.dest_uri = "fake://B", .timeout_s = 30};
    struct mb_migration res;
    *rc = mb_hv_migrate(d, b, &o, &res, &e);
    mb_hv_dom_free(d);
    mb_hv_close(a);
    mb_hv_close(b);
    return res;
}

static void test_migration_reports_only_time_elapsed(void **state)
{
    (void)state;
    fake.mode = FAKE_MIG_OK_NOEVENT;
    mb_job_stats_init(&fake.dest_stats);
    fake.dest_stats.total_ms = 2300;
    fake.dest_stats.missing &= ~MB_JOB_TOTAL;
    int rc;
    double t0 = mb_now_mono();
    struct mb_migration res = migrate(&rc);
    assert_int_equal(rc, MB_OK);
    assert_int_equal(res.status, MB_MIG_OK);
    /* no event to wait for: straight to the destination's statistics */
    assert_true(mb_now_mono() - t0 < 1.0);
    assert_int_equal(res.stats_source, MB_STATS_DESTINATION);
    assert_true(res.stats.total_ms == 2300);
    assert_int_equal(res.stats.missing, MB_JOB_ALL_FIELDS & ~MB_JOB_TOTAL);
    assert_true(isnan(res.stats.downtime_ms));
    assert_int_equal(res.stats.iterations, -1);
    char names[256];
    mb_job_stats_missing_names(&res.stats, names, sizeof(names));
    assert_string_equal(names, "downtime,setup_time,data_processed,memory_total,"
                               "memory_processed,memory_dirty_rate,memory_iteration,memory_bps");
    /* the harness's own timing is there all the same */
    assert_true(res.seconds >= 0 && res.wall_end >= res.wall_start);
}

static void test_migration_reports_nothing(void **state)
{
    (void)state;
    /* libxl refuses VIR_DOMAIN_JOB_STATS_COMPLETED; mb_hv_xen turns that into "all
     * missing" (MB_XEN_JOB_REPORTED) rather than no statistics at all */
    fake.mode = FAKE_MIG_OK_NOEVENT;
    mb_job_stats_init(&fake.dest_stats);
    assert_int_equal(fake.dest_stats.missing & ~MB_XEN_JOB_REPORTED, MB_JOB_ALL_FIELDS);
    int rc;
    struct mb_migration res = migrate(&rc);
    assert_int_equal(res.status, MB_MIG_OK);
    assert_int_equal(res.stats_source, MB_STATS_DESTINATION);
    assert_int_equal(res.stats.missing, MB_JOB_ALL_FIELDS);
    char names[256];
    mb_job_stats_missing_names(&res.stats, names, sizeof(names));
    assert_string_equal(names, "time_elapsed,downtime,setup_time,data_processed,memory_total,"
                               "memory_processed,memory_dirty_rate,memory_iteration,memory_bps");
}

/* ---- the Xen backend itself, on libvirt's test driver ------------------------------------------
 */

static void test_xen_backend_on_test_driver(void **state)
{
    (void)state;
    struct mb_hv *hv = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_open(&mb_hv_xen, "test:///default", &hv, &e), MB_OK);
    struct mb_hv_dom *d = NULL;
    assert_int_equal(mb_hv_dom_lookup(hv, "test", &d, &e), MB_OK);
    assert_non_null(d);
    /* a driver without a downtime limit (libxl, and this one): skipped, not an error */
    struct mb_hv_migrate_opts o = {.dest_uri = "test:///default", .max_downtime_ms = 50};
    assert_int_equal(mb_hv_xen.set_max_downtime == NULL, 0);
    struct mb_migration res;
    assert_int_equal(mb_hv_migrate(d, NULL, &o, &res, &e), MB_OK);
    assert_null(strstr(res.error, "MigrateSetMaxDowntime")); /* got past it to the migration */
    assert_non_null(strstr(res.error, "migration to test:///default"));
    /* the cap needs the credit scheduler: this driver's is "fair" */
    double applied;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_set_cpu_cap(d, 40, &applied, &e), MB_EENV);
    assert_non_null(strstr(e.msg, "Xen scheduler 'fair'"));
    assert_non_null(strstr(e.msg, "credit"));
    /* CPU time from virDomainGetCPUStats */
    struct mb_hv_cpu_stats c;
    assert_int_equal(mb_hv_dom_cpu(d, &c, &e), MB_OK);
    assert_true(c.cpu_time_ns >= 0);
    mb_hv_dom_free(d);
    /* no bulk statistics in libxl: the monitor's VM series are read per domain */
    assert_null(mb_hv_xen.dom_stats_all);
    struct mb_hv_dom_stats *v = NULL;
    size_t n = 0;
    bool bulk = true;
    assert_int_equal(mb_hv_dom_stats_all(hv, &v, &n, &bulk, &e), MB_OK);
    assert_true(!bulk && n == 1 && !strcmp(v[0].name, "test"));
    assert_true(v[0].cpu_time_ns >= 0 && v[0].balloon > 0); /* read per domain */
    free(v);
    mb_hv_close(hv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_cap_mapping_table, setup),
        cmocka_unit_test_setup(test_credit_typed_params, setup),
        cmocka_unit_test_setup(test_vcpu_time_from_per_vcpu_stats, setup),
        cmocka_unit_test_setup(test_cpu_cap_through_credit_scheduler, setup),
        cmocka_unit_test_setup(test_cpu_cap_needs_the_credit_scheduler, setup),
        cmocka_unit_test_setup(test_balloon_on_xen, setup),
        cmocka_unit_test_setup(test_migration_reports_only_time_elapsed, setup),
        cmocka_unit_test_setup(test_migration_reports_nothing, setup),
        cmocka_unit_test_setup(test_xen_backend_on_test_driver, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
