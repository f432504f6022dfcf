/* test_hypervisor.c — the logic above struct mb_hv_ops, against the fake hypervisor,
 * and the libvirt backend against libvirt's in-process test driver (test:///default). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "commands.h"
#include "domxml.h"
#include "fake_virt.c"
#include "lib/util.h"

static struct mb_hv *open_fake(const char *uri)
{
    struct mb_hv *hv = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_open(&fake_hv, uri, &hv, &e), MB_OK);
    return hv;
}

static struct mb_job_stats full_stats(void)
{
    struct mb_job_stats s;
    mb_job_stats_init(&s);
    s.total_ms = 588;
    s.downtime_ms = 14;
    s.setup_ms = 3;
    s.data_bytes = 97 << 20;
    s.memory_total = 128 << 20;
    s.memory_bytes = 96 << 20;
    s.dirty_rate = 1200;
    s.iterations = 3;
    s.memory_bps = 1 << 20;
    s.missing = 0;
    return s;
}

/* Migrate vm1 from A to B with the fake in mode; returns the result. */
static struct mb_migration migrate_vm1(enum fake_mig_mode mode, double timeout_s,
                                       unsigned long long max_downtime, int *rc_out)
{
    fake.mode = mode;
    struct mb_hv *a = open_fake("fake://A"), *b = open_fake("fake://B");
    struct mb_hv_dom *d = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_dom_lookup(a, "vm1", &d, &e), MB_OK);
    assert_non_null(d);
    struct mb_hv_migrate_opts o = {
        .dest_uri = "fake://B", .timeout_s = timeout_s, .max_downtime_ms = max_downtime};
    struct mb_migration res;
    *rc_out = mb_hv_migrate(d, b, &o, &res, &e);
    mb_hv_dom_free(d);
    mb_hv_close(a);
    mb_hv_close(b);
    return res;
}

/* Migrate vm1 from A to B with the physics options: zero pages sent, Xen 3.3.1's rules. */
static struct mb_migration migrate_physics(enum fake_mig_mode mode, bool send_zero_pages,
                                           bool xen33)
{
    fake.mode = mode;
    struct mb_hv *a = open_fake("fake://A"), *b = open_fake("fake://B");
    struct mb_hv_dom *d = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_dom_lookup(a, "vm1", &d, &e), MB_OK);
    struct mb_hv_migrate_opts o = {.dest_uri = "fake://B",
                                   .timeout_s = 10,
                                   .max_downtime_ms = 300,
                                   .send_zero_pages = send_zero_pages,
                                   .xen33 = xen33};
    struct mb_migration res;
    assert_int_equal(mb_hv_migrate(d, b, &o, &res, &e), MB_OK); /* a refusal is data */
    mb_hv_dom_free(d);
    mb_hv_close(a);
    mb_hv_close(b);
    return res;
}

static void test_migrate_zero_pages_send(void **state)
{
    (void)state;
    fake_reset();
    fake.event_stats = full_stats();
    struct mb_migration r = migrate_physics(FAKE_MIG_OK, true, false);
    assert_int_equal(r.status, MB_MIG_OK);
    assert_true(r.zero_pages_sent);
    /* set on the source and read back before the migration starts */
    assert_string_equal(fake.log,
                        "downtime=300 qmp:zero-pages=none qmp:query watch migrate unwatch");
    assert_string_equal(fake.zero_pages, "none");
}

static void test_migrate_zero_pages_detect_leaves_qemu_alone(void **state)
{
    (void)state;
    fake_reset();
    fake.event_stats = full_stats();
    struct mb_migration r = migrate_physics(FAKE_MIG_OK, false, false);
    assert_int_equal(r.status, MB_MIG_OK);
    assert_false(r.zero_pages_sent);
    assert_string_equal(fake.log, "downtime=300 watch migrate unwatch");
    assert_string_equal(fake.zero_pages, "legacy");
}

static void test_migrate_zero_pages_refused_before_qemu_9(void **state)
{
    (void)state;
    static const struct {
        const char *hypervisor;
        bool ok;
    } rows[] = {
        {"QEMU 8.2.2", false}, {"QEMU 7.2.22", false}, {"Xen 4.17.0", false},
        {"QEMU 9.0.0", true},  {"QEMU 10.0.2", true},  {"QEMU 11.1.0", true},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        fake_reset();
        fake.event_stats = full_stats();
        snprintf(fake.hypervisor, sizeof(fake.hypervisor), "%s", rows[i].hypervisor);
        struct mb_migration r = migrate_physics(FAKE_MIG_OK, true, false);
        if (rows[i].ok) {
            assert_int_equal(r.status, MB_MIG_OK);
            continue;
        }
        assert_int_equal(r.status, MB_MIG_FAILED);
        assert_false(r.zero_pages_sent);
        assert_non_null(strstr(r.error, "migration.zero_pages send needs QEMU 9.0 or later"));
        assert_non_null(strstr(r.error, rows[i].hypervisor));
        assert_null(strstr(fake.log, "migrate")); /* never attempted: the VM stays */
        assert_null(strstr(fake.log, "qmp"));
        assert_int_equal(fake.doms[0].host, 0);
    }
}

static void test_migrate_zero_pages_not_kept_or_monitor_fails(void **state)
{
    (void)state;
    fake_reset();
    fake.zero_pages_ignored = true;
    struct mb_migration r = migrate_physics(FAKE_MIG_OK, true, false);
    assert_int_equal(r.status, MB_MIG_FAILED);
    assert_non_null(strstr(r.error, "did not keep zero-page-detection none"));
    assert_non_null(strstr(r.error, "\"zero-page-detection\": \"legacy\""));
    assert_int_equal(fake.doms[0].host, 0);

    fake_reset();
    fake.monitor_fail = true;
    r = migrate_physics(FAKE_MIG_OK, true, false);
    assert_int_equal(r.status, MB_MIG_FAILED);
    assert_non_null(strstr(r.error, "migration.zero_pages send: QEMU monitor command"));
    assert_int_equal(fake.doms[0].host, 0);
}

static struct mb_job_progress sample(int64_t iter, int64_t total, int64_t sent, int64_t left)
{
    struct mb_job_progress p = {.iterations = iter,
                                .memory_total = total,
                                .memory_bytes = sent,
                                .remaining = left,
                                .page_size = 4096};
    return p;
}

static void test_xen33_decide(void **state)
{
    (void)state;
    const int64_t M = 1 << 20, G = 512 * M; /* a 512 MiB guest */
    static const int64_t na = -1;
    const struct {
        struct mb_job_progress p;
        enum mb_xen33_stop want;
    } rows[] = {
        /* nothing reported yet (before the job starts) */
        {sample(na, na, na, na), MB_XEN33_NONE},
        /* the first pass: everything left, nothing sent; even an empty remainder waits */
        {sample(1, G, 0, G), MB_XEN33_NONE},
        {sample(1, G, 100 * M, 0), MB_XEN33_NONE},
        /* later passes with plenty dirty */
        {sample(2, G, G, 128 * M), MB_XEN33_NONE},
        {sample(28, G, 2 * G, 128 * M), MB_XEN33_NONE},
        /* the 29th pass under way is not yet 29 done; the 30th begun is */
        {sample(29, G, 2 * G, 128 * M), MB_XEN33_NONE},
        {sample(30, G, 2 * G, 128 * M), MB_XEN33_ITERATIONS},
        {sample(40, G, 2 * G, 128 * M), MB_XEN33_ITERATIONS},
        /* fewer than 50 pages left: 49 stops, 50 does not */
        {sample(3, G, G, 49 * 4096), MB_XEN33_DIRTY},
        {sample(3, G, G, 50 * 4096), MB_XEN33_NONE},
        {sample(3, G, G, 0), MB_XEN33_DIRTY},
        /* more than 3 times the guest sent: exactly 3 times is not more */
        {sample(12, G, 3 * G, 128 * M), MB_XEN33_NONE},
        {sample(12, G, 3 * G + 1, 128 * M), MB_XEN33_SENT},
        /* iterations first when several hold */
        {sample(30, G, 4 * G, 0), MB_XEN33_ITERATIONS},
        {sample(5, G, 4 * G, 0), MB_XEN33_DIRTY},
        /* a figure not reported never fires its rule */
        {sample(5, na, 4 * G, 128 * M), MB_XEN33_NONE},
        {(struct mb_job_progress){5, G, G, 0, -1}, MB_XEN33_NONE},
        {(struct mb_job_progress){5, G, G, -1, 4096}, MB_XEN33_NONE},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        enum mb_xen33_stop got = mb_xen33_decide(&rows[i].p);
        if (got != rows[i].want)
            fail_msg("row %zu: %s, want %s", i, mb_xen33_stop_name(got),
                     mb_xen33_stop_name(rows[i].want));
    }
    assert_string_equal(mb_xen33_stop_name(MB_XEN33_SENT), "sent");
    assert_string_equal(mb_xen33_stop_name(MB_XEN33_NONE), "none");
}

static void test_migrate_xen33_raises_downtime_when_a_rule_fires(void **state)
{
    (void)state;
    fake_reset();
    fake.event_stats = full_stats();
    const int64_t G = 256 << 20;
    fake.progress[0] = sample(-1, -1, -1, -1); /* the job not started yet */
    fake.progress[1] = sample(1, G, G / 2, G / 2);
    fake.progress[2] = sample(5, G, 2 * G, G / 4);
    fake.progress[3] = sample(9, G, 3 * G + 4096, G / 4);
    fake.nprogress = 4;
    double t0 = mb_now_mono();
    struct mb_migration r = migrate_physics(FAKE_MIG_CONVERGE, false, true);
    assert_int_equal(r.status, MB_MIG_OK);
    assert_int_equal(r.xen33_stop, MB_XEN33_SENT);
    assert_int_equal(r.xen33_at.iterations, 9);
    assert_int_equal(r.xen33_at.memory_bytes, 3 * G + 4096);
    assert_int_equal(r.xen33_polls, 4); /* no poll after the switch */
    assert_int_equal(fake.polls, 4);
    assert_true(r.xen33_poll_s >= 0);
    /* four polls at MB_XEN33_POLL_S, the first one interval after the start */
    double took = mb_now_mono() - t0;
    assert_true(took >= 4 * MB_XEN33_POLL_S - 0.01 && took < 4 * MB_XEN33_POLL_S + 2);
    assert_string_equal(fake.log, "downtime=300 watch migrate downtime=2000000 unwatch");
}

static void test_migrate_xen33_converged_first(void **state)
{
    (void)state;
    fake_reset();
    fake.event_stats = full_stats();
    struct mb_migration r = migrate_physics(FAKE_MIG_OK, false, true);
    assert_int_equal(r.status, MB_MIG_OK);
    assert_int_equal(r.xen33_stop, MB_XEN33_NONE);
    assert_int_equal(r.xen33_at.iterations, -1);
    assert_null(strstr(fake.log, "downtime=2000000"));
}

static void test_migrate_xen33_without_job_statistics(void **state)
{
    (void)state;
    fake_reset();
    struct mb_hv_ops ops = fake_hv;
    ops.job_progress = NULL;
    struct mb_hv *a = NULL, *b = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_open(&ops, "fake://A", &a, &e), MB_OK);
    assert_int_equal(mb_hv_open(&ops, "fake://B", &b, &e), MB_OK);
    struct mb_hv_dom *d = NULL;
    assert_int_equal(mb_hv_dom_lookup(a, "vm1", &d, &e), MB_OK);
    struct mb_hv_migrate_opts o = {.dest_uri = "fake://B", .xen33 = true};
    struct mb_migration r;
    assert_int_equal(mb_hv_migrate(d, b, &o, &r, &e), MB_OK);
    assert_int_equal(r.status, MB_MIG_FAILED);
    assert_non_null(strstr(r.error, "xen33 needs the running job's statistics"));
    assert_int_equal(fake.doms[0].host, 0);
    mb_hv_dom_free(d);
    mb_hv_close(a);
    mb_hv_close(b);
}

static void test_migrate_ok_stats_from_event(void **state)
{
    (void)state;
    fake_reset();
    fake.event_stats = full_stats();
    int rc;
    struct mb_migration r = migrate_vm1(FAKE_MIG_OK, 30, 50, &rc);
    assert_int_equal(rc, MB_OK);
    assert_int_equal(r.status, MB_MIG_OK);
    assert_int_equal(r.stats_source, MB_STATS_EVENT);
    assert_true(r.stats.total_ms == 588 && r.stats.downtime_ms == 14 && r.stats.setup_ms == 3);
    assert_int_equal(r.stats.data_bytes, 97 << 20);
    assert_int_equal(r.stats.memory_total, 128 << 20);
    assert_int_equal(r.stats.iterations, 3);
    assert_true(r.stats.dirty_rate == 1200);
    assert_int_equal(r.stats.missing, 0);
    assert_false(r.aborted);
    assert_string_equal(r.error, "");
    assert_true(r.wall_end >= r.wall_start && r.wall_start > 1e9);
    /* the downtime limit goes first, the watch is in place before the migration starts */
    assert_string_equal(fake.log, "downtime=50 watch migrate unwatch");
    assert_int_equal(fake.doms[0].host, 1);
    assert_int_equal(fake.aborts, 0);
}

static void test_migrate_late_event_is_waited_for(void **state)
{
    (void)state;
    fake_reset();
    fake.event_stats = full_stats();
    int rc;
    struct mb_migration r = migrate_vm1(FAKE_MIG_OK_LATE, 0, 0, &rc);
    assert_int_equal(r.status, MB_MIG_OK);
    assert_int_equal(r.stats_source, MB_STATS_EVENT);
    assert_true(r.stats.total_ms == 588);
    assert_string_equal(fake.log, "watch migrate unwatch"); /* no downtime limit asked */
}

static void test_migrate_without_event_reads_destination(void **state)
{
    (void)state;
    fake_reset();
    fake.dest_stats = full_stats();
    fake.dest_stats.total_ms = 600;
    int rc;
    double t0 = mb_now_mono();
    struct mb_migration r = migrate_vm1(FAKE_MIG_OK_NOEVENT, 0, 0, &rc);
    assert_int_equal(r.status, MB_MIG_OK);
    assert_int_equal(r.stats_source, MB_STATS_DESTINATION);
    assert_true(r.stats.total_ms == 600);
    assert_string_equal(fake.log, "watch migrate completed_job unwatch");
    assert_true(mb_now_mono() - t0 < 5); /* waited only the event's grace period */
}

static void test_migrate_driver_without_events(void **state)
{
    (void)state;
    fake_reset();
    fake.watch_unsupported = true;
    fake.dest_stats = full_stats();
    int rc;
    struct mb_migration r = migrate_vm1(FAKE_MIG_OK, 0, 0, &rc);
    assert_int_equal(r.status, MB_MIG_OK);
    assert_int_equal(r.stats_source, MB_STATS_DESTINATION);
    assert_string_equal(fake.log, "migrate completed_job");
}

static void test_migrate_no_stats_anywhere(void **state)
{
    (void)state;
    fake_reset();
    fake.dest_stats_fail = true;
    int rc;
    struct mb_migration r = migrate_vm1(FAKE_MIG_OK_NOEVENT, 0, 0, &rc);
    assert_int_equal(r.status, MB_MIG_OK); /* still a successful migration */
    assert_int_equal(r.stats_source, MB_STATS_NONE);
    assert_int_equal(r.stats.missing, MB_JOB_ALL_FIELDS);
    assert_true(isnan(r.stats.total_ms));
    assert_int_equal(r.stats.data_bytes, -1);
}

static void test_migrate_timeout_aborts_job(void **state)
{
    (void)state;
    fake_reset();
    int rc;
    struct mb_migration r = migrate_vm1(FAKE_MIG_HANG, 0.1, 0, &rc);
    assert_int_equal(rc, MB_OK); /* a timeout is data */
    assert_int_equal(r.status, MB_MIG_TIMEOUT);
    assert_true(r.aborted);
    assert_true(fake.aborts >= 1);
    assert_true(r.seconds >= 0.1 && r.seconds < 2);
    assert_non_null(strstr(r.error, "timed out after 0.1 s"));
    assert_non_null(strstr(r.error, "canceled by client"));
    assert_int_equal(r.stats_source, MB_STATS_NONE);
    assert_int_equal(fake.doms[0].host, 0); /* still on the source */
}

static volatile sig_atomic_t cancel_flag;

static void *set_cancel_later(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    cancel_flag = 1;
    return NULL;
}

static void test_migrate_cancelled_by_signal_flag(void **state)
{
    (void)state;
    fake_reset();
    fake.mode = FAKE_MIG_HANG;
    cancel_flag = 0;
    struct mb_hv *a = open_fake("fake://A");
    struct mb_hv_dom *d = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_dom_lookup(a, "vm1", &d, &e), MB_OK);
    struct mb_hv_migrate_opts o = {.dest_uri = "fake://B", .timeout_s = 30, .cancel = &cancel_flag};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, set_cancel_later, NULL), 0);
    struct mb_migration r;
    assert_int_equal(mb_hv_migrate(d, NULL, &o, &r, &e), MB_OK);
    pthread_join(t, NULL);
    assert_int_equal(r.status, MB_MIG_FAILED);
    assert_true(r.interrupted && r.aborted);
    assert_true(r.seconds < 2);
    assert_non_null(strstr(r.error, "interrupted"));
    assert_int_equal(fake.aborts, 1);
    mb_hv_dom_free(d);
    mb_hv_close(a);
}

static void test_migrate_failure_keeps_libvirt_message(void **state)
{
    (void)state;
    fake_reset();
    int rc;
    struct mb_migration r = migrate_vm1(FAKE_MIG_FAIL, 30, 0, &rc);
    assert_int_equal(rc, MB_OK);
    assert_int_equal(r.status, MB_MIG_FAILED);
    assert_false(r.aborted);
    assert_non_null(strstr(r.error, "qemu unexpectedly closed the monitor"));
    assert_int_equal(r.stats_source, MB_STATS_NONE);
    assert_string_equal(mb_mig_status_name(r.status), "failed");
}

static void test_migrate_bad_options(void **state)
{
    (void)state;
    fake_reset();
    struct mb_hv *a = open_fake("fake://A");
    struct mb_hv_dom *d = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_dom_lookup(a, "vm1", &d, &e), MB_OK);
    struct mb_migration r;
    struct mb_hv_migrate_opts none = {0}, neg = {.dest_uri = "fake://B", .timeout_s = -1};
    assert_int_equal(mb_hv_migrate(d, NULL, &none, &r, &e), MB_EINPUT);
    assert_int_equal(r.status, MB_MIG_FAILED);
    assert_int_equal(mb_hv_migrate(d, NULL, &neg, &r, &e), MB_EINPUT);
    assert_string_equal(fake.log, ""); /* nothing reached the hypervisor */
    mb_hv_dom_free(d);
    mb_hv_close(a);
}

static void test_postcopy_switch_refused_during_setup_is_retried(void **state)
{
    (void)state;
    fake_reset();
    fake.mode = FAKE_MIG_HANG;
    struct mb_hv *a = open_fake("fake://A");
    struct mb_hv_dom *d = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_dom_lookup(a, "vm1", &d, &e), MB_OK);
    /* refused twice while the job is being set up, as QEMU does: retried */
    fake.postcopy_refusals = 2;
    struct mb_hv_migrate_opts o = {
        .dest_uri = "fake://B", .postcopy = true, .postcopy_after_s = 0.02, .timeout_s = 0.8};
    struct mb_migration r;
    assert_int_equal(mb_hv_migrate(d, NULL, &o, &r, &e), MB_OK);
    assert_int_equal(fake.postcopies, 1);
    assert_true(r.postcopy);
    assert_true(fake.last_opts.postcopy);
    assert_int_equal(r.status, MB_MIG_TIMEOUT);
    mb_hv_dom_free(d);
    mb_hv_close(a);
}

static void test_missing_fields_named(void **state)
{
    (void)state;
    /* a Xen-like driver: only total time and downtime */
    struct mb_job_stats s;
    mb_job_stats_init(&s);
    s.total_ms = 1000;
    s.downtime_ms = 20;
    s.missing &= ~(unsigned)(MB_JOB_TOTAL | MB_JOB_DOWNTIME);
    char buf[256];
    mb_job_stats_missing_names(&s, buf, sizeof(buf));
    assert_string_equal(buf, "setup_time,data_processed,memory_total,memory_processed,"
                             "memory_dirty_rate,memory_iteration,memory_bps");
    s.missing = 0;
    mb_job_stats_missing_names(&s, buf, sizeof(buf));
    assert_string_equal(buf, "");
    s.missing = MB_JOB_ALL_FIELDS;
    mb_job_stats_missing_names(&s, buf, 20); /* truncated, never overrun */
    assert_true(strlen(buf) < 20);
}

static void test_cap_quota_mapping(void **state)
{
    (void)state;
    static const struct {
        double percent;
        int vcpus;
        long long quota;
    } to_quota[] = {
        {50, 1, 50000}, {100, 1, 100000}, {20, 1, 20000},   {0, 1, -1},     {0, 4, -1},
        {25, 2, 12500}, {150, 2, 75000},  {1, 1, 1000},     {0.5, 1, 0},    {1, 2, 0},
        {-5, 1, 0},     {NAN, 1, 0},      {INFINITY, 1, 0}, {50, 0, 50000},
    };
    for (size_t i = 0; i < sizeof(to_quota) / sizeof(to_quota[0]); i++) {
        long long q = mb_hv_cap_to_quota(to_quota[i].percent, to_quota[i].vcpus, 100000);
        if (q != to_quota[i].quota)
            fail_msg("cap %g%% on %d vCPU(s): quota %lld, want %lld", to_quota[i].percent,
                     to_quota[i].vcpus, q, to_quota[i].quota);
    }
    static const struct {
        long long quota;
        int vcpus;
        double percent;
    } to_cap[] = {{50000, 1, 50}, {100000, 1, 100}, {-1, 1, 0},
                  {0, 1, 0},      {12500, 2, 25},   {75000, 2, 150}};
    for (size_t i = 0; i < sizeof(to_cap) / sizeof(to_cap[0]); i++)
        assert_true(fabs(mb_hv_quota_to_cap(to_cap[i].quota, to_cap[i].vcpus, 100000) -
                         to_cap[i].percent) < 1e-9);
}

static void test_set_cpu_cap_reads_back(void **state)
{
    (void)state;
    fake_reset();
    struct mb_hv *a = open_fake("fake://A");
    struct mb_hv_dom *d = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_dom_lookup(a, "vm1", &d, &e), MB_OK);
    double applied = -1;
    assert_int_equal(mb_hv_set_cpu_cap(d, 50, &applied, &e), MB_OK);
    assert_true(applied == 50);
    assert_int_equal(fake.doms[0].quota, 50000);
    assert_int_equal(mb_hv_set_cpu_cap(d, 0, &applied, &e), MB_OK);
    assert_true(applied == 0);
    assert_int_equal(fake.doms[0].quota, -1);
    assert_string_equal(fake.log, "bw=100000/50000 bw=100000/-1");
    fake.doms[0].vcpus = 2;
    assert_int_equal(mb_hv_set_cpu_cap(d, 60, &applied, &e), MB_OK);
    assert_int_equal(fake.doms[0].quota, 30000);
    assert_true(fabs(applied - 60) < 1e-9);
    applied = -7;
    assert_int_equal(mb_hv_set_cpu_cap(d, 0.3, &applied, &e), MB_EINPUT);
    assert_true(applied == -7); /* untouched on failure */
    assert_non_null(strstr(e.msg, "impossible"));
    assert_int_equal(fake.doms[0].quota, 30000);
    mb_hv_dom_free(d);
    mb_hv_close(a);
}

static void test_balloon(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        uint64_t step_kib, stuck_kib;
        bool unreported;
        uint64_t target_mib;
        int rc;
        bool ok;
        int64_t reached_mib;
        const char *msg;
    } cases[] = {
        {"at once", 0, 0, false, 192, MB_OK, true, 192, NULL},
        {"in steps", 16384, 0, false, 160, MB_OK, true, 160, NULL},
        {"inflate back", 16384, 0, false, 256, MB_OK, true, 256, NULL},
        {"stuck", 0, 200 * 1024, false, 128, MB_EFAILED, false, 200, "reached 200 MiB of its 128"},
        {"unreported", 0, 0, true, 128, MB_EFAILED, false, -1, "not reported"},
        {"above maximum", 0, 0, false, 512, MB_EINPUT, false, -1, "higher than max memory"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_reset();
        fake.balloon_step_kib = cases[i].step_kib;
        fake.balloon_stuck_kib = cases[i].stuck_kib;
        fake.balloon_unreported = cases[i].unreported;
        if (i == 2)
            fake.doms[0].actual_kib = fake.doms[0].target_kib = 128 * 1024;
        struct mb_hv *a = open_fake("fake://A");
        struct mb_hv_dom *d = NULL;
        struct mb_error e;
        mb_error_clear(&e);
        assert_int_equal(mb_hv_dom_lookup(a, "vm1", &d, &e), MB_OK);
        struct mb_balloon b;
        int rc = mb_hv_set_balloon(d, cases[i].target_mib << 20, 1.0, &b, &e);
        if (rc != cases[i].rc || b.ok != cases[i].ok)
            fail_msg("%s: rc %d ok %d (%s)", cases[i].what, rc, b.ok, e.msg);
        if (cases[i].reached_mib >= 0)
            assert_int_equal(b.reached, cases[i].reached_mib << 20);
        else
            assert_int_equal(b.reached, -1);
        assert_int_equal(b.target, cases[i].target_mib << 20);
        if (cases[i].msg && !strstr(e.msg, cases[i].msg))
            fail_msg("%s: message '%s' lacks '%s'", cases[i].what, e.msg, cases[i].msg);
        mb_hv_dom_free(d);
        mb_hv_close(a);
    }
}

/* libvirt's size of the domain follows QEMU's BALLOON_CHANGE events, which can lag the
 * driver's figure: the wait goes on until it reads the target too, or fails naming it. */
static void test_balloon_event_lag(void **state)
{
    (void)state;
    static const struct {
        int lag;
        int rc;
    } cases[] = {{0, MB_OK}, {3, MB_OK}, {1 << 20, MB_EFAILED}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_reset();
        fake.balloon_event_lag = cases[i].lag;
        struct mb_hv *a = open_fake("fake://A");
        struct mb_hv_dom *d = NULL;
        struct mb_error e;
        mb_error_clear(&e);
        assert_int_equal(mb_hv_dom_lookup(a, "vm1", &d, &e), MB_OK);
        struct mb_balloon b;
        assert_int_equal(mb_hv_set_balloon(d, 192ull << 20, 0.3, &b, &e), cases[i].rc);
        assert_int_equal(b.reached, 192ll << 20);
        struct mb_hv_dom_info info;
        if (cases[i].rc == MB_OK) {
            assert_true(b.ok);
            assert_int_equal(mb_hv_dom_info(d, &info, &e), MB_OK);
            assert_int_equal(info.memory, 192ull << 20);
        } else {
            assert_false(b.ok);
            assert_non_null(strstr(e.msg, "still reads 256 MiB"));
            assert_true(b.seconds >= 0.3);
        }
        mb_hv_dom_free(d);
        mb_hv_close(a);
    }
}

static void test_drop_cputune(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"<domain>\n  <name>x</name>\n  <cputune>\n    <period>100000</period>\n    "
         "<quota>50000</quota>\n  </cputune>\n  <os/>\n</domain>",
         "<domain>\n  <name>x</name>\n  <os/>\n</domain>"},
        {"<domain><cputune><quota>1</quota></cputune></domain>", "<domain></domain>"},
        {"<domain><cputune/></domain>", "<domain></domain>"},
        {"<domain><name>x</name></domain>", "<domain><name>x</name></domain>"},
        {"<domain><cputunex/></domain>", "<domain><cputunex/></domain>"},
        {"<domain><cputune>unterminated", "<domain><cputune>unterminated"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = mb_hv_xml_drop_cputune(cases[i].in);
        assert_string_equal(got, cases[i].out);
        free(got);
    }
}

static void test_dest_xml_drops_cap(void **state)
{
    (void)state;
    fake_reset();
    fake.doms[0].quota = 40000;
    struct mb_hv *a = open_fake("fake://A"), *b = open_fake("fake://B");
    struct mb_hv_dom *d = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_dom_lookup(a, "vm1", &d, &e), MB_OK);
    char *x = NULL;
    assert_int_equal(mb_hv_dest_xml_uncapped(d, &x, &e), MB_OK);
    assert_null(strstr(x, "cputune"));
    assert_non_null(strstr(x, "<name>vm1</name>"));
    struct mb_hv_migrate_opts o = {.dest_uri = "fake://B", .dest_xml = x};
    struct mb_migration r;
    assert_int_equal(mb_hv_migrate(d, b, &o, &r, &e), MB_OK);
    assert_string_equal(fake.last_dest_xml, x);
    free(x);
    mb_hv_dom_free(d);
    mb_hv_close(a);
    mb_hv_close(b);
}

static void test_fake_domains_and_info(void **state)
{
    (void)state;
    fake_reset();
    struct mb_error e;
    mb_error_clear(&e);
    struct mb_hv *hv = NULL;
    assert_int_equal(mb_hv_open(&fake_hv, "fake://down", &hv, &e), MB_EENV);
    assert_null(hv);
    assert_non_null(strstr(e.msg, "Connection refused"));
    struct mb_hv *a = open_fake("fake://A");
    struct mb_hv_dom *d = NULL;
    assert_int_equal(mb_hv_dom_lookup(a, "vm9", &d, &e), MB_OK);
    assert_null(d);
    assert_int_equal(mb_hv_dom_create(a, "<domain><name>vm2</name></domain>", &d, &e), MB_OK);
    assert_string_equal(mb_hv_dom_name(d), "vm2");
    char **names = NULL;
    assert_int_equal(mb_hv_list(a, &names, &e), MB_OK);
    assert_string_equal(names[0], "vm1");
    assert_string_equal(names[1], "vm2");
    assert_null(names[2]);
    mb_hv_names_free(names);
    struct mb_hv_cpu_stats c;
    assert_int_equal(mb_hv_dom_cpu(d, &c, &e), MB_OK);
    assert_int_equal(c.vcpu_time_ns, 1500000000);
    assert_true(c.when > 0);
    assert_int_equal(mb_hv_dom_destroy(d, &e), MB_OK);
    mb_hv_dom_free(d);
    struct mb_hv_host_info hi;
    assert_int_equal(mb_hv_host_info(a, &hi, &e), MB_OK);
    assert_string_equal(hi.hypervisor, "QEMU 10.0.2");
    mb_hv_close(a);
    mb_hv_close(NULL);
    mb_hv_dom_free(NULL);
}

/* Every domain's numbers on fake host A through mb_hv_dom_stats_all; *n and *bulk out. */
static struct mb_hv_dom_stats *stats_all(struct mb_hv *a, size_t *n, bool *bulk, int want_rc)
{
    struct mb_hv_dom_stats *v = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_dom_stats_all(a, &v, n, bulk, &e), want_rc);
    if (want_rc < 0)
        assert_non_null(strstr(e.msg, "domain statistics: Cannot recv data"));
    return v;
}

/* v holds the fake's vm1 alone (1 vCPU, 256 MiB, 2 s of CPU of which 1.5 s vCPU), with
 * rss (the bulk op's differs from the per-domain one's, to tell the two apart). */
static void expect_vm1(const struct mb_hv_dom_stats *v, size_t n, int64_t rss)
{
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "vm1");
    assert_string_equal(v[0].state, "running");
    assert_int_equal(v[0].vcpus, 1);
    assert_int_equal(v[0].cpu_time_ns, 2000000000);
    assert_int_equal(v[0].vcpu_time_ns, 1500000000);
    assert_int_equal(v[0].balloon, 262144LL * 1024);
    assert_int_equal(v[0].balloon_max, 262144LL * 1024);
    assert_int_equal(v[0].rss, rss);
}

static void test_dom_stats_all_bulk_then_per_domain(void **state)
{
    (void)state;
    fake_reset();
    fake_bulk_reset();
    struct mb_error e;
    mb_error_clear(&e);
    struct mb_hv *a = NULL;
    assert_int_equal(mb_hv_open(&fake_hv_bulk, "fake://A", &a, &e), MB_OK);
    size_t n = 9;
    bool bulk = false;
    /* one bulk call: the backend's numbers (its rss is 90 MiB, the per-domain one 100) */
    struct mb_hv_dom_stats *v = stats_all(a, &n, &bulk, MB_OK);
    assert_true(bulk);
    assert_int_equal(fake_bulk.calls, 1);
    expect_vm1(v, n, 90LL << 20);
    free(v);
    /* an error is the caller's to handle (it reconnects) */
    fake_bulk.fail = true;
    free(stats_all(a, &n, &bulk, MB_EENV));
    fake_bulk.fail = false;
    /* a driver without bulk statistics: per domain, and the bulk call is not tried again */
    fake_bulk.unsupported = true;
    for (int i = 0; i < 2; i++) {
        v = stats_all(a, &n, &bulk, MB_OK);
        assert_false(bulk);
        expect_vm1(v, n, 100LL << 20);
        free(v);
    }
    assert_int_equal(fake_bulk.calls, 3);
    mb_hv_close(a);
    /* a backend without the op (fake_hv): per domain; a host without domains: none */
    struct mb_hv *b = open_fake("fake://B");
    v = stats_all(b, &n, &bulk, MB_OK);
    assert_false(bulk);
    assert_int_equal(n, 0);
    free(v);
    mb_hv_close(b);
}

/* ---- the real libvirt backend, on libvirt's in-process test driver ---------------- */

static void test_libvirt_dom_stats_from_typed_params(void **state)
{
    (void)state;
    assert_int_equal(virInitialize(), 0); /* before any libvirt call, as the backend does */
    /* a record of a running QEMU domain with 2 vCPUs, as virConnectGetAllDomainStats
     * gives it (int: 'i', unsigned int: 'u', unsigned long long: 'U') */
    static const struct {
        const char *field;
        char type;
        unsigned long long v;
    } rec[] = {
        {"state.state", 'i', 1},
        {"cpu.time", 'U', 3071407327ULL},
        {"cpu.user", 'U', 2540000000ULL},
        {"balloon.current", 'U', 131072},
        {"balloon.maximum", 'U', 262144},
        {"balloon.rss", 'U', 280708},
        {"vcpu.current", 'u', 2},
        {"vcpu.0.state", 'i', 1},
        {"vcpu.0.time", 'U', 2730000000ULL},
        {"vcpu.0.wait", 'U', 5},
        {"vcpu.1.time", 'U', 70000000ULL},
        {"vcpu.1.delay", 'U', 99},
    };
    virTypedParameterPtr p = NULL;
    int n = 0, max = 0;
    for (size_t i = 0; i < sizeof(rec) / sizeof(rec[0]); i++) {
        int rc = rec[i].type == 'i'
                     ? virTypedParamsAddInt(&p, &n, &max, rec[i].field, (int)rec[i].v)
                 : rec[i].type == 'u'
                     ? virTypedParamsAddUInt(&p, &n, &max, rec[i].field, (unsigned)rec[i].v)
                     : virTypedParamsAddULLong(&p, &n, &max, rec[i].field, rec[i].v);
        assert_int_equal(rc, 0);
    }
    struct mb_hv_dom_stats v;
    snprintf(v.name, sizeof(v.name), "mbr-vm1");
    mb_hv_libvirt_dom_stats(p, n, &v);
    assert_string_equal(v.name, "mbr-vm1");
    assert_string_equal(v.state, "running");
    assert_int_equal(v.vcpus, 2);
    assert_int_equal(v.cpu_time_ns, 3071407327LL);
    assert_int_equal(v.vcpu_time_ns, 2730000000LL + 70000000LL);
    assert_int_equal(v.balloon, 131072LL * 1024);
    assert_int_equal(v.balloon_max, 262144LL * 1024);
    assert_int_equal(v.rss, 280708LL * 1024);
    virTypedParamsFree(p, n);
    /* a paused domain, nothing else reported */
    p = NULL;
    n = max = 0;
    assert_int_equal(virTypedParamsAddInt(&p, &n, &max, "state.state", 3), 0);
    mb_hv_libvirt_dom_stats(p, n, &v);
    assert_string_equal(v.state, "paused");
    assert_int_equal(v.vcpus, -1);
    assert_int_equal(v.cpu_time_ns, -1);
    assert_int_equal(v.vcpu_time_ns, -1);
    assert_int_equal(v.balloon, -1);
    assert_int_equal(v.rss, -1);
    virTypedParamsFree(p, n);
}

static void test_libvirt_job_stats_from_typed_params(void **state)
{
    (void)state;
    assert_int_equal(virInitialize(), 0); /* before any libvirt call, as the backend does */
    virTypedParameterPtr p = NULL;
    int n = 0, max = 0;
    assert_int_equal(virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_TIME_ELAPSED, 588), 0);
    assert_int_equal(virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_DOWNTIME, 14), 0);
    assert_int_equal(virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_DATA_PROCESSED, 1234), 0);
    assert_int_equal(virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_MEMORY_ITERATION, 3), 0);
    assert_int_equal(virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, 77),
                     0);
    assert_int_equal(virTypedParamsAddInt(&p, &n, &max, VIR_DOMAIN_JOB_OPERATION, 4), 0);
    struct mb_job_stats s;
    mb_hv_libvirt_job_stats(p, n, &s);
    virTypedParamsFree(p, n);
    assert_true(s.total_ms == 588 && s.downtime_ms == 14 && s.dirty_rate == 77);
    assert_int_equal(s.data_bytes, 1234);
    assert_int_equal(s.iterations, 3);
    assert_true(isnan(s.setup_ms));
    assert_int_equal(s.memory_total, -1);
    char buf[256];
    mb_job_stats_missing_names(&s, buf, sizeof(buf));
    assert_string_equal(buf, "setup_time,memory_total,memory_processed,memory_bps");
}

static void test_libvirt_connect_error_message(void **state)
{
    (void)state;
    struct mb_hv *hv = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    /* port 1 on loopback: refused at once, and libvirt's own message is kept */
    int rc = mb_hv_open(NULL, "qemu+tcp://127.0.0.1:1/system", &hv, &e);
    assert_int_equal(rc, MB_EENV);
    assert_null(hv);
    assert_non_null(strstr(e.msg, "cannot connect to qemu+tcp://127.0.0.1:1/system: "));
    assert_non_null(strstr(e.msg, "onnect")); /* "unable to connect to server ..." */
    assert_int_equal(mb_hv_open(NULL, "", &hv, &e), MB_EINPUT);
}

static void test_libvirt_test_driver(void **state)
{
    (void)state;
    struct mb_hv *hv = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_hv_open(NULL, "test:///default", &hv, &e), MB_OK);
    struct mb_hv_host_info hi;
    assert_int_equal(mb_hv_host_info(hv, &hi, &e), MB_OK);
    assert_string_equal(hi.driver, "TEST");
    assert_true(hi.cpus > 0 && hi.memory > 0);
    assert_non_null(strstr(hi.hypervisor, "TEST "));
    char **names = NULL;
    assert_int_equal(mb_hv_list(hv, &names, &e), MB_OK);
    assert_string_equal(names[0], "test");
    mb_hv_names_free(names);
    /* bulk statistics: the test driver reports only the state */
    struct mb_hv_dom_stats *v = NULL;
    size_t nv = 0;
    bool bulk = false;
    assert_int_equal(mb_hv_dom_stats_all(hv, &v, &nv, &bulk, &e), MB_OK);
    assert_true(bulk);
    assert_int_equal(nv, 1);
    assert_string_equal(v[0].name, "test");
    assert_string_equal(v[0].state, "running");
    assert_int_equal(v[0].balloon, -1);
    free(v);

    struct mb_hv_dom *d = NULL;
    assert_int_equal(mb_hv_dom_lookup(hv, "no-such-vm", &d, &e), MB_OK);
    assert_null(d);
    assert_int_equal(mb_hv_dom_lookup(hv, "test", &d, &e), MB_OK);
    assert_non_null(d);
    assert_string_equal(mb_hv_dom_name(d), "test");
    struct mb_hv_dom_info di;
    assert_int_equal(mb_hv_dom_info(d, &di, &e), MB_OK);
    assert_string_equal(di.state, "running");
    assert_true(di.vcpus >= 1 && di.max_memory > 0);
    struct mb_hv_mem_stats m;
    assert_int_equal(mb_hv_dom_memory(d, &m, &e), MB_OK);
    assert_true(m.actual > 0);

    /* what the test driver cannot do comes back as an error with libvirt's words */
    struct mb_migration r;
    struct mb_hv_migrate_opts o = {.dest_uri = "test:///default", .max_downtime_ms = 50};
    assert_int_equal(mb_hv_migrate(d, NULL, &o, &r, &e), MB_OK);
    assert_int_equal(r.status, MB_MIG_FAILED);
    assert_non_null(strstr(r.error, "not supported"));
    double cap;
    assert_int_equal(mb_hv_get_cpu_cap(d, &cap, &e), MB_EENV);
    if (!strstr(e.msg, "scheduler parameters: "))
        fail_msg("%s", e.msg);
    mb_hv_dom_free(d);

    /* a domain built by domxml is accepted by libvirt's parser and started */
    struct mb_vm_spec spec = {.name = "mb \"quoted\" <&> vm",
                              .vcpus = 1,
                              .memory = 64 << 20,
                              .kernel = "/nonexistent/vmlinuz",
                              .cmdline = "console=ttyS0 lab.name='x'",
                              .bridge = "br0",
                              .mac = "52:54:00:4c:00:01"};
    char *xml = mb_domxml_build(&spec, &e);
    assert_non_null(xml);
    /* the test driver only runs type='test' domains */
    char *t = strstr(xml, "type='qemu'");
    assert_non_null(t);
    memcpy(t, "type='test'", 11);
    int rc = mb_hv_dom_create(hv, xml, &d, &e);
    if (rc != MB_OK)
        fail_msg("create: %s", e.msg);
    assert_string_equal(mb_hv_dom_name(d), "mb \"quoted\" <&> vm");
    assert_int_equal(mb_hv_dom_destroy(d, &e), MB_OK);
    mb_hv_dom_free(d);
    free(xml);

    assert_int_equal(mb_hv_dom_create(hv, "<domain type='test'><name>x</name>", &d, &e), MB_EENV);
    assert_non_null(strstr(e.msg, "starting domain: "));
    mb_hv_close(hv);
}

/* ---- `migbench vm` on a testbed whose hosts are libvirt's test driver ------------ */

static void test_vm_command_exit_codes(void **state)
{
    (void)state;
    char dir[] = "/tmp/mb-test-vm-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *tb = mb_xasprintf("%s/tb.yaml", dir);
    FILE *f = fopen(tb, "w");
    assert_non_null(f);
    fputs("name: t\nhosts:\n  hostA: {uri: 'test:///default'}\n"
          "  hostB: {uri: 'test:///default'}\n"
          "guest:\n  kernel: /nonexistent/vmlinuz\n  initrd: /nonexistent/initrd\n"
          "  ssh: {key: /nonexistent/key, known_hosts: /nonexistent/kh}\n"
          "  network: {first_ip: 10.213.90.101, prefix: 24, mac_prefix: '52:54:00:4c'}\n",
          f);
    fclose(f);
    static const struct {
        const char *args[8];
        int exit;
    } cases[] = {
        {{"list"}, MB_EXIT_OK},
        {{"hosts"}, MB_EXIT_OK},
        {{"--help"}, MB_EXIT_OK},
        {{"migrate", "--help"}, MB_EXIT_OK},
        {{NULL}, MB_EXIT_INPUT},
        {{"strat"}, MB_EXIT_INPUT},
        {{"list", "extra"}, MB_EXIT_INPUT},
        {{"start"}, MB_EXIT_INPUT},
        {{"start", "hostC", "1"}, MB_EXIT_INPUT},
        {{"start", "hostA", "0"}, MB_EXIT_INPUT},
        {{"start", "hostA", "1", "--memory", "256"}, MB_EXIT_INPUT},
        {{"start", "hostA", "1", "--vcpus", "0"}, MB_EXIT_INPUT},
        {{"start", "hostA", "1", "--bogus"}, MB_EXIT_INPUT},
        {{"start", "hostA", "1", "--disk", "64MiB"}, MB_EXIT_INPUT}, /* no guest.disk_dir */
        {{"start", "hostA", "155", "--wait", "0"}, MB_EXIT_INPUT},   /* no address left */
        {{"start", "hostA", "1", "--wait", "0"}, MB_EXIT_OK},
        {{"migrate", "1", "hostA", "hostA"}, MB_EXIT_INPUT},
        {{"migrate", "1", "hostA", "hostB"}, MB_EXIT_INPUT}, /* vm1 not running */
        {{"migrate", "1", "hostA", "hostB", "--timeout", "-1"}, MB_EXIT_INPUT},
        {{"migrate", "1", "hostA", "hostB", "--bandwidth", "fast"}, MB_EXIT_INPUT},
        {{"migrate", "1", "hostA"}, MB_EXIT_INPUT},
        {{"cap", "1", "abc"}, MB_EXIT_INPUT},
        {{"cap", "1", "-5"}, MB_EXIT_INPUT},
        {{"cap", "1", "50"}, MB_EXIT_INPUT},
        {{"balloon", "1", "1GiB"}, MB_EXIT_INPUT},
        {{"balloon", "1", "lots"}, MB_EXIT_INPUT},
        {{"destroy", "1"}, MB_EXIT_INPUT},
        {{"exec", "1"}, MB_EXIT_INPUT},
        {{"exec", "1", "true"}, MB_EXIT_ENV}, /* the key cannot be read */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[12] = {"vm", "--testbed", tb};
        int argc = 3;
        for (int k = 0; cases[i].args[k]; k++)
            argv[argc++] = (char *)cases[i].args[k];
        int got = mb_cmd_vm(argc, argv);
        if (got != cases[i].exit)
            fail_msg("case %zu (%s %s): exit %d, want %d", i, argv[3] ? argv[3] : "",
                     argc > 4 ? argv[4] : "", got, cases[i].exit);
    }
    char *argv[] = {"vm", "--testbed", "/nonexistent/tb.yaml", "list"};
    assert_int_equal(mb_cmd_vm(4, argv), MB_EXIT_INPUT);
    unlink(tb);
    rmdir(dir);
    free(tb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_ok_stats_from_event),
        cmocka_unit_test(test_migrate_zero_pages_send),
        cmocka_unit_test(test_migrate_zero_pages_detect_leaves_qemu_alone),
        cmocka_unit_test(test_migrate_zero_pages_refused_before_qemu_9),
        cmocka_unit_test(test_migrate_zero_pages_not_kept_or_monitor_fails),
        cmocka_unit_test(test_xen33_decide),
        cmocka_unit_test(test_migrate_xen33_raises_downtime_when_a_rule_fires),
        cmocka_unit_test(test_migrate_xen33_converged_first),
        cmocka_unit_test(test_migrate_xen33_without_job_statistics),
        cmocka_unit_test(test_migrate_late_event_is_waited_for),
        cmocka_unit_test(test_migrate_without_event_reads_destination),
        cmocka_unit_test(test_migrate_driver_without_events),
        cmocka_unit_test(test_migrate_no_stats_anywhere),
        cmocka_unit_test(test_migrate_timeout_aborts_job),
        cmocka_unit_test(test_migrate_cancelled_by_signal_flag),
        cmocka_unit_test(test_migrate_failure_keeps_libvirt_message),
        cmocka_unit_test(test_migrate_bad_options),
        cmocka_unit_test(test_postcopy_switch_refused_during_setup_is_retried),
        cmocka_unit_test(test_missing_fields_named),
        cmocka_unit_test(test_cap_quota_mapping),
        cmocka_unit_test(test_set_cpu_cap_reads_back),
        cmocka_unit_test(test_balloon),
        cmocka_unit_test(test_balloon_event_lag),
        cmocka_unit_test(test_drop_cputune),
        cmocka_unit_test(test_dest_xml_drops_cap),
        cmocka_unit_test(test_fake_domains_and_info),
        cmocka_unit_test(test_dom_stats_all_bulk_then_per_domain),
        cmocka_unit_test(test_libvirt_job_stats_from_typed_params),
        cmocka_unit_test(test_libvirt_dom_stats_from_typed_params),
        cmocka_unit_test(test_libvirt_connect_error_message),
        cmocka_unit_test(test_libvirt_test_driver),
        cmocka_unit_test(test_vm_command_exit_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
