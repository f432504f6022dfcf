/* test_reservation.c — placeholder VMs against the fake hypervisor: their domain XML,
 * admission into free capacity, start, waiting until they hold, release, a start that
 * fails halfway, the sweep. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_virt.c"
#include "reservation.h"
#include "lib/util.h"

/* ---- the fake, extended: domains take their vCPUs and memory from the XML, burn CPU and
 * have their memory resident as scripted ------------------------------------------------ */

static struct {
    int creates, fail_at; /* create number fail_at (1-based) fails; 0 = none */
    double t0;            /* CPU clock start */
    double burn;          /* CPUs each vCPU uses */
    double resident;      /* fraction of its memory a domain has resident; < 0 = unreported */
    char last_xml[4096];
} x;

static long long xml_number(const char *xml, const char *tag)
{
    const char *p = strstr(xml, tag);
    return p ? atoll(strchr(p, '>') + 1) : -1;
}

static int x_create(void *conn, const char *xml, void **dom, struct mb_error *err)
{
    x.creates++;
    snprintf(x.last_xml, sizeof(x.last_xml), "%s", xml);
    if (x.fail_at && x.creates == x.fail_at)
        return mb_error_set(err, MB_EENV,
                            "starting domain: internal error: process exited while connecting "
                            "to monitor: Cannot allocate memory");
    int rc = f_create(conn, xml, dom, err);
    if (rc == MB_OK) {
        struct fake_dom *d = &fake.doms[*(int *)*dom];
        d->vcpus = (int)xml_number(xml, "<vcpu");
        d->max_kib = d->target_kib = d->actual_kib = (uint64_t)xml_number(xml, "<memory");
    }
    return rc;
}

static int x_cpu_stats(void *dom, struct mb_hv_cpu_stats *out, struct mb_error *err)
{
    (void)err;
    struct fake_dom *d = &fake.doms[*(int *)dom];
    double t = mb_now_mono() - x.t0;
    out->cpu_time_ns = out->vcpu_time_ns = (int64_t)(t * x.burn * d->vcpus * 1e9);
    return MB_OK;
}

static int x_memory_stats(void *dom, struct mb_hv_mem_stats *out, struct mb_error *err)
{
    (void)err;
    struct fake_dom *d = &fake.doms[*(int *)dom];
    out->actual = (int64_t)d->actual_kib * 1024;
    out->rss = x.resident < 0 ? -1 : (int64_t)(x.resident * (double)d->max_kib * 1024);
    return MB_OK;
}

static struct mb_hv_ops xhv;

static struct mb_testbed tb;
static struct mb_host host_b;

static int setup(void **state)
{
    (void)state;
    fake_reset();
    memset(&x, 0, sizeof(x));
    x.t0 = mb_now_mono();
    x.burn = 1.0;
    x.resident = 1.0;
    xhv = fake_hv;
    xhv.create = x_create;
    xhv.cpu_stats = x_cpu_stats;
    xhv.memory_stats = x_memory_stats;
    memset(&tb, 0, sizeof(tb));
    tb.name = "lab";
    tb.guest.kernel = "/img/vmlinuz";
    tb.guest.initrd = "/img/initrd.img";
    tb.guest.cmdline = "console=ttyS0 quiet";
    memset(&host_b, 0, sizeof(host_b));
    host_b.name = "hostB";
    host_b.ncpus = 2;
    host_b.memory = 4ull << 30;
    host_b.emulator = "/usr/bin/qemu-system-x86_64";
    return 0;
}

static struct mb_hv *open_b(void)
{
    struct mb_hv *hv = NULL;
    struct mb_error e;
    assert_int_equal(mb_hv_open(&xhv, "fake://B", &hv, &e), MB_OK);
    return hv;
}

static int count_on(int host, const char *prefix)
{
    int n = 0;
    for (int i = 0; i < 8; i++)
        if (fake.doms[i].used && fake.doms[i].host == host &&
            !strncmp(fake.doms[i].name, prefix, strlen(prefix)))
            n++;
    return n;
}

/* ---- the domain XML ------------------------------------------------------------------ */

static void test_xml_cpu_placeholder(void **state)
{
    (void)state;
    struct mb_error e;
    char *xml = mb_rsv_xml(&tb, &host_b, "mbr-ph1", MB_RSV_CPU, 2, 128ull << 20, NULL, &e);
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<name>mbr-ph1</name>"));
    assert_non_null(strstr(xml, "<vcpu>2</vcpu>"));
    assert_non_null(strstr(xml, "<memory unit='KiB'>131072</memory>"));
    /* the burner is the guest's init, with one thread per vCPU */
    assert_non_null(
        strstr(xml, "<cmdline>console=ttyS0 quiet rdinit=/bin/cpuburn -- -n 2</cmdline>"));
    assert_non_null(strstr(xml, "<kernel>/img/vmlinuz</kernel>"));
    assert_non_null(strstr(xml, "<emulator>/usr/bin/qemu-system-x86_64</emulator>"));
    /* no NIC (no address needed), no preallocation (its memory is not the point) */
    assert_null(strstr(xml, "<interface"));
    assert_null(strstr(xml, "memoryBacking"));
    free(xml);
}

static void test_xml_memory_placeholder(void **state)
{
    (void)state;
    struct mb_error e;
    struct mb_rsv_opts o = {.idle_program = "/sbin/busybox"};
    char *xml = mb_rsv_xml(&tb, &host_b, "mbr-ph2", MB_RSV_MEMORY, 1, 1ull << 30, &o, &e);
    assert_non_null(xml);
    assert_non_null(strstr(xml, "rdinit=/sbin/busybox -- sleep 2147483647</cmdline>"));
    /* allocated up front, right after the memory sizes */
    assert_non_null(strstr(xml, "<currentMemory unit='KiB'>1048576</currentMemory>\n"
                                "  <memoryBacking>\n    <allocation mode='immediate'/>\n"
                                "  </memoryBacking>\n  <vcpu>1</vcpu>"));
    assert_null(strstr(xml, "<interface"));
    free(xml);
}

static void test_xml_refusals(void **state)
{
    (void)state;
    struct mb_error e;
    struct mb_rsv_opts o = {.burn_program = "cpuburn; reboot"};
    mb_error_clear(&e);
    assert_null(mb_rsv_xml(&tb, &host_b, "p", MB_RSV_CPU, 1, 128ull << 20, &o, &e));
    assert_int_equal(e.status, MB_EINPUT);
    assert_non_null(strstr(e.msg, "absolute path"));
    o.burn_program = "bin/cpuburn";
    assert_null(mb_rsv_xml(&tb, &host_b, "p", MB_RSV_CPU, 1, 128ull << 20, &o, &e));
    tb.guest.initrd = NULL;
    assert_null(mb_rsv_xml(&tb, &host_b, "p", MB_RSV_CPU, 1, 128ull << 20, NULL, &e));
    assert_non_null(strstr(e.msg, "kernel and initrd"));
}

/* ---- start, hold, release --------------------------------------------------------------- */

static void test_start_hold_release(void **state)
{
    (void)state;
    struct mb_hv *hv = open_b();
    struct mb_rsv_opts o = {.cpus = 2, .memory = 1ull << 30, .timeout_s = 5};
    struct mb_rsv *r = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &o, &r, &e), MB_OK);
    const struct mb_rsv_report *rep = mb_rsv_report(r);
    /* one idle VM holding 1 GiB, then two 1-vCPU burners of 128 MiB, all on host B */
    assert_int_equal(rep->nvms, 3);
    assert_int_equal(rep->asked_cpus, 2);
    assert_int_equal(rep->granted_cpus, 2);
    assert_int_equal(rep->granted_memory, 1ull << 30);
    assert_int_equal(rep->free_cpus, -1); /* no admission for a reservation */
    assert_int_equal(count_on(1, "mbr-ph"), 3);
    const struct mb_rsv_vm *v = mb_rsv_vm(r, 2);
    assert_string_equal(v->name, "mbr-ph3");
    assert_int_equal(v->kind, MB_RSV_CPU);
    assert_int_equal(v->vcpus, 1);
    assert_int_equal(v->memory, 128ull << 20);
    v = mb_rsv_vm(r, 0);
    assert_string_equal(v->name, "mbr-ph1");
    assert_int_equal(v->kind, MB_RSV_MEMORY);
    assert_int_equal(v->memory, 1ull << 30);
    /* the idle one first: a burner started before it would slow its preallocation */
    assert_non_null(strstr(x.last_xml, "rdinit=/bin/cpuburn"));
    assert_null(mb_rsv_vm(r, 3));
    assert_true(isfinite(rep->started_at) && rep->start_s >= 0);
    assert_false(rep->held);

    assert_int_equal(mb_rsv_wait_held(r, &e), MB_OK);
    assert_true(rep->held);
    assert_true(rep->cpu_held > 1.8 && rep->cpu_held < 2.2);
    assert_int_equal(rep->rss_held, 1ll << 30);
    assert_true(rep->held_s >= 0.25 && rep->held_s < 2);
    assert_true(mb_rsv_vm(r, 0)->held && mb_rsv_vm(r, 2)->held);

    assert_int_equal(mb_rsv_release(r, &e), MB_OK);
    assert_true(rep->released);
    assert_true(isfinite(rep->released_at) && rep->release_s >= 0);
    assert_int_equal(count_on(1, "mbr-ph"), 0);
    assert_int_equal(fake.doms[0].used, true);      /* vm1 on host A untouched */
    assert_int_equal(mb_rsv_release(r, &e), MB_OK); /* twice: nothing */
    assert_int_equal(mb_rsv_wait_held(r, &e), MB_EINPUT);
    mb_rsv_free(r);
    mb_hv_close(hv);
}

static void test_free_releases_what_is_held(void **state)
{
    (void)state;
    struct mb_hv *hv = open_b();
    struct mb_rsv_opts o = {.prefix = "mbr-ct", .cpus = 3, .vcpus_per_vm = 2};
    struct mb_rsv *r = NULL;
    struct mb_error e;
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &o, &r, &e), MB_OK);
    /* 3 CPUs with 2-vCPU burners: one of 2, one of 1 */
    assert_int_equal(mb_rsv_report(r)->nvms, 2);
    assert_int_equal(mb_rsv_vm(r, 0)->vcpus, 2);
    assert_int_equal(mb_rsv_vm(r, 1)->vcpus, 1);
    assert_string_equal(mb_rsv_vm(r, 1)->name, "mbr-ct2");
    assert_int_equal(count_on(1, "mbr-ct"), 2);
    mb_rsv_free(r); /* hold mode ends here */
    assert_int_equal(count_on(1, "mbr-ct"), 0);
    mb_rsv_free(NULL);
    mb_hv_close(hv);
}

static void test_memory_split_over_vms(void **state)
{
    (void)state;
    struct mb_hv *hv = open_b();
    /* 1000 MiB in VMs of at most 480 MiB: 480 + 520 (no runt of 40 MiB at the end) */
    struct mb_rsv_opts o = {.memory = 1000ull << 20, .memory_per_vm = 480ull << 20};
    struct mb_rsv *r = NULL;
    struct mb_error e;
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &o, &r, &e), MB_OK);
    assert_int_equal(mb_rsv_report(r)->nvms, 2);
    assert_int_equal(mb_rsv_vm(r, 0)->memory, 480ull << 20);
    assert_int_equal(mb_rsv_vm(r, 1)->memory, 520ull << 20);
    /* the idle ones are capped at 1 % of a CPU: they hold memory, not CPU */
    double cap = -1;
    struct mb_hv_dom *d = NULL;
    assert_int_equal(mb_hv_dom_lookup(hv, "mbr-ph2", &d, &e), MB_OK);
    assert_int_equal(mb_hv_get_cpu_cap(d, &cap, &e), MB_OK);
    assert_true(fabs(cap - 1.0) < 1e-9);
    mb_hv_dom_free(d);
    mb_rsv_free(r);
    /* refusals */
    struct mb_rsv_opts bad = {.memory = (1ull << 30) + 1};
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &bad, &r, &e), MB_EINPUT);
    bad = (struct mb_rsv_opts){.memory = 1ull << 30, .memory_per_vm = 32ull << 20};
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &bad, &r, &e), MB_EINPUT);
    bad = (struct mb_rsv_opts){.cpus = -1};
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &bad, &r, &e), MB_EINPUT);
    bad = (struct mb_rsv_opts){.prefix = "a b", .cpus = 1};
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &bad, &r, &e), MB_EINPUT);
    assert_int_equal(count_on(1, ""), 0);
    mb_hv_close(hv);
}

static void test_wait_fails_when_memory_is_not_resident(void **state)
{
    (void)state;
    x.resident = 0.5; /* the host did not really give it */
    struct mb_hv *hv = open_b();
    struct mb_rsv_opts o = {.memory = 512ull << 20, .timeout_s = 0.3};
    struct mb_rsv *r = NULL;
    struct mb_error e;
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &o, &r, &e), MB_OK);
    mb_error_clear(&e);
    assert_int_equal(mb_rsv_wait_held(r, &e), MB_EFAILED);
    assert_non_null(strstr(e.msg, "mbr-ph1 has 256 of its 512 MiB resident"));
    assert_false(mb_rsv_report(r)->held);
    assert_int_equal(mb_rsv_report(r)->rss_held, 256ll << 20);
    mb_rsv_free(r);
    /* a hypervisor that does not report residency (Xen: allocated at creation) */
    x.resident = -1;
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &o, &r, &e), MB_OK);
    assert_int_equal(mb_rsv_wait_held(r, &e), MB_OK);
    assert_int_equal(mb_rsv_report(r)->rss_held, -1);
    mb_rsv_free(r);
    mb_hv_close(hv);
}

static void test_wait_fails_when_burners_do_not_burn(void **state)
{
    (void)state;
    x.burn = 0.1; /* a guest that never got its burner going */
    struct mb_hv *hv = open_b();
    struct mb_rsv_opts o = {.cpus = 1, .timeout_s = 0.3};
    struct mb_rsv *r = NULL;
    struct mb_error e;
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &o, &r, &e), MB_OK);
    assert_int_equal(mb_rsv_wait_held(r, &e), MB_EFAILED);
    assert_non_null(strstr(e.msg, "mbr-ph1 used 0.10 CPU"));
    mb_rsv_free(r);
    /* four 1-vCPU burners on a 2-CPU host get half a CPU each: that is holding */
    x.burn = 0.5;
    o.cpus = 4;
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &o, &r, &e), MB_OK);
    assert_int_equal(mb_rsv_wait_held(r, &e), MB_OK);
    assert_true(fabs(mb_rsv_report(r)->cpu_held - 2.0) < 0.2);
    mb_rsv_free(r);
    mb_hv_close(hv);
}

static void test_start_failure_undoes_the_others(void **state)
{
    (void)state;
    x.fail_at = 3;
    struct mb_hv *hv = open_b();
    struct mb_rsv_opts o = {.cpus = 2, .memory = 2ull << 30};
    struct mb_rsv *r = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &o, &r, &e), MB_EENV);
    assert_null(r);
    assert_non_null(strstr(e.msg, "placeholder mbr-ph3 (CPU, 1 vCPU, 128 MiB) did not start "
                                  "on hostB"));
    assert_non_null(strstr(e.msg, "Cannot allocate memory"));
    assert_int_equal(count_on(1, "mbr-ph"), 0); /* the two started are gone again */
    mb_hv_close(hv);
}

static void test_cancel(void **state)
{
    (void)state;
    x.burn = 0.0;
    volatile sig_atomic_t stop = 0;
    struct mb_hv *hv = open_b();
    struct mb_rsv_opts o = {.cpus = 1, .timeout_s = 30, .cancel = &stop};
    struct mb_rsv *r = NULL;
    struct mb_error e;
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &o, &r, &e), MB_OK);
    stop = 1;
    double t0 = mb_now_mono();
    assert_int_equal(mb_rsv_wait_held(r, &e), MB_EINTR);
    assert_true(mb_now_mono() - t0 < 1);
    mb_rsv_free(r);
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &o, &r, &e), MB_EINTR);
    assert_int_equal(count_on(1, "mbr-ph"), 0);
    mb_hv_close(hv);
}

/* ---- admission into free capacity ------------------------------------------------------------ */

static void test_admission_takes_only_what_is_free(void **state)
{
    (void)state;
    struct mb_hv *hv = open_b();
    struct mb_error e;
    /* a reservation on host B first: 1 burner (128 MiB) and 1 GiB */
    struct mb_rsv_opts ro = {.cpus = 1, .memory = 1ull << 30};
    struct mb_rsv *rsv = NULL;
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &ro, &rsv, &e), MB_OK);
    int fc;
    int64_t fm;
    const uint64_t ov = 100ull << 20;
    assert_int_equal(mb_rsv_free_capacity(hv, 2, 4ull << 30, ov, &fc, &fm, &e), MB_OK);
    assert_int_equal(fc, 1);
    assert_int_equal(fm, (int64_t)((4ull << 30) - (128ull << 20) - (1ull << 30) - 2 * ov));

    /* the tenant wants 4 CPUs and 4 GiB: it gets 1 CPU (one 128 MiB burner) and the rest */
    struct mb_rsv_opts co = {.prefix = "mbr-ct",
                             .cpus = 4,
                             .memory = 4ull << 30,
                             .admit = MB_RSV_ADMIT_FREE,
                             .vm_overhead = ov};
    struct mb_rsv *ct = NULL;
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &co, &ct, &e), MB_OK);
    const struct mb_rsv_report *rep = mb_rsv_report(ct);
    assert_int_equal(rep->free_cpus, 1);
    assert_int_equal(rep->free_memory, fm);
    assert_int_equal(rep->granted_cpus, 1);
    uint64_t left = (uint64_t)fm - (128ull << 20) - ov - ov;
    assert_int_equal(rep->granted_memory, left / (1 << 20) * (1 << 20));
    assert_int_equal(rep->nvms, 2);
    mb_rsv_free(ct);

    /* without the reservation the tenant takes both CPUs and more memory */
    mb_rsv_free(rsv);
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &co, &ct, &e), MB_OK);
    assert_int_equal(mb_rsv_report(ct)->granted_cpus, 2);
    assert_true(mb_rsv_report(ct)->granted_memory > (2ull << 30));
    mb_rsv_free(ct);
    mb_hv_close(hv);
}

/* The admission charged the overhead of the VMs the asked memory would take (11 of 384
 * MiB for 4 GiB) instead of the VMs the granted memory takes: it granted far less than
 * was free. */
static void test_admission_counts_overhead_of_granted_vms_only(void **state)
{
    (void)state;
    struct mb_hv *hv = open_b();
    struct mb_error e;
    const uint64_t ov = 160ull << 20;
    struct mb_rsv_opts co = {.prefix = "mbr-ct",
                             .memory = 4ull << 30,
                             .memory_per_vm = 384ull << 20,
                             .admit = MB_RSV_ADMIT_FREE,
                             .capacity_memory = 2ull << 30,
                             .vm_overhead = ov};
    struct mb_rsv *ct = NULL;
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &co, &ct, &e), MB_OK);
    /* 2048 MiB free: 4 VMs of 384 MiB (1536) + 4 x 160 = 2176 do not fit; 4 VMs holding
     * 2048 - 640 = 1408 MiB do */
    assert_int_equal(mb_rsv_report(ct)->granted_memory, 1408ull << 20);
    assert_int_equal(mb_rsv_report(ct)->nvms, 4);
    mb_rsv_free(ct);
    mb_hv_close(hv);
}

static void test_memory_reservation_leaves_cpu_free(void **state)
{
    (void)state;
    struct mb_hv *hv = open_b();
    struct mb_error e;
    struct mb_rsv_opts ro = {.memory = 1ull << 30};
    struct mb_rsv *rsv = NULL;
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &ro, &rsv, &e), MB_OK);
    int fc;
    int64_t fm;
    assert_int_equal(mb_rsv_free_capacity(hv, 2, 4ull << 30, 1, &fc, &fm, &e), MB_OK);
    assert_int_equal(fc, 2); /* its vCPU is capped at 1 %: it claims no CPU */
    assert_int_equal(fm, (int64_t)((3ull << 30) - 1));
    mb_rsv_free(rsv);
    mb_hv_close(hv);
}

static void test_admission_with_nothing_free(void **state)
{
    (void)state;
    struct mb_hv *hv = open_b();
    struct mb_error e;
    struct mb_rsv_opts ro = {.cpus = 2};
    struct mb_rsv *rsv = NULL, *ct = NULL;
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &ro, &rsv, &e), MB_OK);
    /* a host of 2 CPUs and 512 MiB: no CPU left, and less memory than a VM needs */
    struct mb_rsv_opts co = {.prefix = "mbr-ct",
                             .cpus = 1,
                             .memory = 256ull << 20,
                             .admit = MB_RSV_ADMIT_FREE,
                             .capacity_memory = 512ull << 20,
                             .vm_overhead = 100ull << 20};
    assert_int_equal(mb_rsv_start(hv, &tb, &host_b, &co, &ct, &e), MB_OK);
    assert_int_equal(mb_rsv_report(ct)->nvms, 0);
    assert_int_equal(mb_rsv_report(ct)->granted_cpus, 0);
    assert_int_equal(mb_rsv_report(ct)->granted_memory, 0);
    assert_int_equal(mb_rsv_wait_held(ct, &e), MB_OK); /* nothing to wait for */
    mb_rsv_free(ct);
    mb_rsv_free(rsv);
    mb_hv_close(hv);
}

/* ---- the sweep ---------------------------------------------------------------------------------
 */

static void test_sweep(void **state)
{
    (void)state;
    struct mb_hv *hv = open_b();
    struct mb_error e;
    const char *names[] = {"mbr-ph1", "mbr-ph7", "mbr-vm1", "keep"};
    for (int i = 0; i < 4; i++) {
        char xml[128];
        snprintf(xml, sizeof(xml), "<domain><name>%s</name><vcpu>1</vcpu><memory>1</memory>",
                 names[i]);
        struct mb_hv_dom *d = NULL;
        assert_int_equal(mb_hv_dom_create(hv, xml, &d, &e), MB_OK);
        mb_hv_dom_free(d);
    }
    int removed = -1;
    assert_int_equal(mb_rsv_sweep(hv, "mbr-ph", &removed, &e), MB_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(count_on(1, "mbr-ph"), 0);
    assert_int_equal(count_on(1, "mbr-vm1"), 1);
    assert_int_equal(count_on(1, "keep"), 1);
    assert_int_equal(mb_rsv_sweep(hv, "", &removed, &e), MB_EINPUT);
    mb_hv_close(hv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_xml_cpu_placeholder, setup),
        cmocka_unit_test_setup(test_xml_memory_placeholder, setup),
        cmocka_unit_test_setup(test_xml_refusals, setup),
        cmocka_unit_test_setup(test_start_hold_release, setup),
        cmocka_unit_test_setup(test_free_releases_what_is_held, setup),
        cmocka_unit_test_setup(test_memory_split_over_vms, setup),
        cmocka_unit_test_setup(test_wait_fails_when_memory_is_not_resident, setup),
        cmocka_unit_test_setup(test_wait_fails_when_burners_do_not_burn, setup),
        cmocka_unit_test_setup(test_start_failure_undoes_the_others, setup),
        cmocka_unit_test_setup(test_cancel, setup),
        cmocka_unit_test_setup(test_admission_takes_only_what_is_free, setup),
        cmocka_unit_test_setup(test_admission_counts_overhead_of_granted_vms_only, setup),
        cmocka_unit_test_setup(test_memory_reservation_leaves_cpu_free, setup),
        cmocka_unit_test_setup(test_admission_with_nothing_free, setup),
        cmocka_unit_test_setup(test_sweep, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
