/* reservation.c — placeholder VMs that hold a host's CPU and memory, and the competing
 * tenant that takes what is free. */
#include "reservation.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domxml.h"
#include "lib/util.h"

#define MIB             (1ull << 20)
#define MIN_VM_MEMORY   (64ull << 20) /* the guest kernel and its initramfs */
#define CHECK_WINDOW_S  0.25
#define HELD_SHARE      0.5  /* of its fair share: a CPU placeholder holds */
#define HELD_RESIDENT   0.95 /* of its memory: a memory placeholder holds */
#define DEFAULT_TIMEOUT 60.0
#define IDLE_CAP_PCT    1.0 /* of one CPU: an idle placeholder holds memory, not CPU */

struct placeholder {
    struct mb_rsv_vm vm;
    struct mb_hv_dom *dom; /* NULL once destroyed */
    int64_t vcpu0;         /* vCPU time at the start of a check, ns */
    double t0;
};

struct mb_rsv {
    struct mb_hv *hv;
    struct mb_rsv_opts o;
    char prefix[32];
    int host_cpus;     /* for the fair share */
    double first_mono; /* the first create */
    struct placeholder *ph;
    int n;
    struct mb_rsv_report rep;
};

static bool safe_word(const char *s)
{
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '/' || *p == '.' || *p == '_' || *p == '-'))
            return false;
    return true;
}

char *mb_rsv_xml(const struct mb_testbed *tb, const struct mb_host *host, const char *name,
                 enum mb_rsv_kind kind, int vcpus, uint64_t memory, const struct mb_rsv_opts *o,
                 struct mb_error *err)
{
    const char *burn = o && o->burn_program ? o->burn_program : "/bin/cpuburn";
    const char *idle = o && o->idle_program ? o->idle_program : "/bin/busybox";
    const char *prog = kind == MB_RSV_CPU ? burn : idle;
    if (!safe_word(prog) || prog[0] != '/')
        return mb_error_set(err, MB_EINPUT, "placeholder program '%s' is not an absolute path",
                            prog),
               NULL;
    if (!tb->guest.kernel || !tb->guest.initrd)
        return mb_error_set(err, MB_EINPUT,
                            "testbed %s has no guest kernel and initrd for placeholder VMs",
                            tb->name ? tb->name : "?"),
               NULL;
    const char *base = tb->guest.cmdline ? tb->guest.cmdline : "console=ttyS0";
    /* the program is the guest's init: no /init, no network, no SSH; what follows "--"
     * is its argv */
    char *cmdline = kind == MB_RSV_CPU
                        ? mb_xasprintf("%s rdinit=%s -- -n %d", base, prog, vcpus)
                        : mb_xasprintf("%s rdinit=%s -- sleep 2147483647", base, prog);
    char *log = mb_xasprintf("/var/log/libvirt/qemu/%s-console.log", name);
    struct mb_vm_spec spec = {
        .name = name,
        .vcpus = vcpus,
        .memory = memory,
        .kernel = tb->guest.kernel,
        .initrd = tb->guest.initrd,
        .cmdline = cmdline,
        .emulator = host->emulator,
        .accel = host->accel,
        .bridge = NULL, /* no NIC: a placeholder needs no address */
        .console_log = log,
    };
    char *xml = mb_domxml_build(&spec, err);
    free(cmdline);
    free(log);
    if (!xml || kind != MB_RSV_MEMORY)
        return xml;
    /* every page allocated when QEMU starts */
    const char *anchor = strstr(xml, "</currentMemory>\n");
    if (!anchor) {
        free(xml);
        return mb_error_set(err, MB_EINPUT, "placeholder %s: unexpected domain XML", name), NULL;
    }
    static const char backing[] =
        "  <memoryBacking>\n    <allocation mode='immediate'/>\n  </memoryBacking>\n";
    size_t head = (size_t)(anchor - xml) + strlen("</currentMemory>\n");
    char *out = mb_xmalloc(strlen(xml) + sizeof(backing));
    memcpy(out, xml, head);
    memcpy(out + head, backing, sizeof(backing) - 1);
    strcpy(out + head + sizeof(backing) - 1, xml + head);
    free(xml);
    return out;
}

int mb_rsv_free_capacity(struct mb_hv *hv, int capacity_cpus, uint64_t capacity_memory,
                         uint64_t vm_overhead, int *free_cpus, int64_t *free_memory,
                         struct mb_error *err)
{
    if (capacity_cpus <= 0 || capacity_memory == 0) {
        struct mb_hv_host_info hi;
        int rc = mb_hv_host_info(hv, &hi, err);
        if (rc < 0)
            return rc;
        if (capacity_cpus <= 0)
            capacity_cpus = hi.cpus;
        if (capacity_memory == 0)
            capacity_memory = hi.memory;
    }
    char **names = NULL;
    int rc = mb_hv_list(hv, &names, err);
    if (rc < 0)
        return rc;
    double cpus = capacity_cpus;
    int64_t mem = (int64_t)capacity_memory;
    for (size_t i = 0; names[i] && rc == MB_OK; i++) {
        struct mb_hv_dom *d = NULL;
        if ((rc = mb_hv_dom_lookup(hv, names[i], &d, err)) < 0 || !d)
            continue;
        struct mb_hv_dom_info info;
        if ((rc = mb_hv_dom_info(d, &info, err)) == MB_OK) {
            /* a capped domain claims its cap, not its vCPUs (idle memory placeholders are
             * capped at IDLE_CAP_PCT) */
            double claim = info.vcpus, cap;
            struct mb_error e;
            if (mb_hv_get_cpu_cap(d, &cap, &e) == MB_OK && cap > 0 && cap / 100 < claim)
                claim = cap / 100;
            cpus -= claim;
            mem -= (int64_t)(info.max_memory + vm_overhead);
        }
        mb_hv_dom_free(d);
    }
    mb_hv_names_free(names);
    if (rc < 0)
        return rc;
    *free_cpus = cpus > 0 ? (int)floor(cpus + 0.5) : 0;
    *free_memory = mem > 0 ? mem : 0;
    return MB_OK;
}

static void nap(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

static bool cancelled(const struct mb_rsv *r)
{
    return r->o.cancel && *r->o.cancel;
}

static void add_vm(struct mb_rsv *r, enum mb_rsv_kind kind, int vcpus, uint64_t memory)
{
    r->ph = mb_xrealloc(r->ph, (size_t)(r->n + 1) * sizeof(*r->ph));
    struct placeholder *p = &r->ph[r->n++];
    memset(p, 0, sizeof(*p));
    snprintf(p->vm.name, sizeof(p->vm.name), "%s%d", r->prefix, r->n);
    p->vm.kind = kind;
    p->vm.vcpus = vcpus;
    p->vm.memory = memory;
    p->vm.held_s = p->vm.cpu_rate = NAN;
    p->vm.rss = -1;
}

int mb_rsv_start(struct mb_hv *hv, const struct mb_testbed *tb, const struct mb_host *host,
                 const struct mb_rsv_opts *o, struct mb_rsv **out, struct mb_error *err)
{
    const char *prefix = o->prefix ? o->prefix : "mbr-ph";
    if (!safe_word(prefix) || strchr(prefix, '/') || strlen(prefix) > 24)
        return mb_error_set(err, MB_EINPUT, "placeholder prefix '%s' is not a short name", prefix);
    if (o->cpus < 0 || o->vcpus_per_vm < 0 || o->memory % MIB || o->memory_per_vm % MIB)
        return mb_error_set(err, MB_EINPUT,
                            "reservation: CPUs must not be negative and memory must be whole "
                            "MiB");
    int per_vm = o->vcpus_per_vm > 0 ? o->vcpus_per_vm : 1;
    uint64_t burner_mem = o->burner_memory ? o->burner_memory : 128 * MIB;
    uint64_t overhead = o->vm_overhead ? o->vm_overhead : MB_RSV_VM_OVERHEAD;
    uint64_t mem_vm_max = o->memory_per_vm ? o->memory_per_vm : o->memory;
    if (o->memory && mem_vm_max < MIN_VM_MEMORY)
        return mb_error_set(err, MB_EINPUT,
                            "reservation: memory placeholders need at least %llu MiB each",
                            MIN_VM_MEMORY >> 20);

    struct mb_rsv *r = mb_xcalloc(1, sizeof(*r));
    r->hv = hv;
    r->o = *o;
    snprintf(r->prefix, sizeof(r->prefix), "%s", prefix);
    r->rep.asked_cpus = o->cpus;
    r->rep.asked_memory = o->memory;
    r->rep.free_cpus = -1;
    r->rep.free_memory = -1;
    r->rep.held_at = r->rep.released_at = r->rep.started_at = NAN;
    r->rep.held_s = r->rep.release_s = NAN;
    r->rep.cpu_held = NAN;
    r->rep.rss_held = -1;
    r->host_cpus = o->capacity_cpus > 0 ? o->capacity_cpus : host->ncpus;

    int cpus = o->cpus;
    uint64_t memory = o->memory;
    if (o->admit == MB_RSV_ADMIT_FREE) {
        int fc;
        int64_t fm;
        int rc = mb_rsv_free_capacity(hv, r->host_cpus,
                                      o->capacity_memory ? o->capacity_memory : host->memory,
                                      overhead, &fc, &fm, err);
        if (rc < 0) {
            free(r);
            return rc;
        }
        r->rep.free_cpus = fc;
        r->rep.free_memory = fm;
        if (cpus > fc)
            cpus = fc;
        /* burners cost memory too: drop those that do not fit */
        while (cpus > 0 &&
               (int64_t)((uint64_t)((cpus + per_vm - 1) / per_vm) * (burner_mem + overhead)) > fm)
            cpus--;
        int64_t left =
            fm - (int64_t)((uint64_t)((cpus + per_vm - 1) / per_vm) * (burner_mem + overhead));
        if (memory > 0) {
            /* the most that fits with the overhead of the VMs it takes (k of them) */
            uint64_t best = 0, kmax = (memory + mem_vm_max - 1) / mem_vm_max;
            for (uint64_t k = 1; k <= kmax; k++) {
                int64_t room = left - (int64_t)(k * overhead);
                if (room <= 0)
                    break;
                uint64_t mk = memory < k * mem_vm_max ? memory : k * mem_vm_max;
                if ((uint64_t)room < mk)
                    mk = (uint64_t)room / MIB * MIB;
                if (mk > best)
                    best = mk;
            }
            memory = best >= MIN_VM_MEMORY ? best : 0;
        }
    }
    r->rep.granted_cpus = cpus;
    r->rep.granted_memory = memory;
    for (uint64_t left = memory; left > 0;) {
        uint64_t m = left < mem_vm_max ? left : mem_vm_max;
        if (left - m < MIN_VM_MEMORY)
            m = left; /* no runt at the end: the last one takes the rest */
        add_vm(r, MB_RSV_MEMORY, 1, m);
        left -= m;
    }
    /* burners last: a burner started first would slow the preallocation of the others */
    for (int left = cpus; left > 0; left -= per_vm)
        add_vm(r, MB_RSV_CPU, left < per_vm ? left : per_vm, burner_mem);
    r->rep.nvms = r->n;

    r->rep.started_at = mb_now_wall();
    double t0 = r->first_mono = mb_now_mono();
    for (int i = 0; i < r->n; i++) {
        struct placeholder *p = &r->ph[i];
        if (cancelled(r)) {
            mb_rsv_free(r);
            return mb_error_set(err, MB_EINTR, "reservation: interrupted");
        }
        char *xml = mb_rsv_xml(tb, host, p->vm.name, p->vm.kind, p->vm.vcpus, p->vm.memory, o, err);
        double c0 = mb_now_mono();
        int rc = xml ? mb_hv_dom_create(hv, xml, &p->dom, err) : MB_EINPUT;
        p->vm.create_s = mb_now_mono() - c0;
        free(xml);
        if (rc == MB_OK && p->vm.kind == MB_RSV_MEMORY) {
            /* it has nothing to run, and the admission then counts no CPU for it */
            double applied;
            struct mb_error e;
            mb_hv_set_cpu_cap(p->dom, IDLE_CAP_PCT, &applied, &e);
        }
        if (rc < 0) {
            p->dom = NULL;
            char why[sizeof(err->msg)];
            snprintf(why, sizeof(why), "%s", err->msg);
            struct mb_rsv_vm v = p->vm; /* r goes now, with the ones already started */
            mb_rsv_free(r);
            return mb_error_set(
                err, rc, "placeholder %s (%s, %d vCPU, %llu MiB) did not start on %s: %.700s",
                v.name, v.kind == MB_RSV_CPU ? "CPU" : "memory", v.vcpus,
                (unsigned long long)(v.memory >> 20), host->name, why);
        }
    }
    r->rep.start_s = mb_now_mono() - t0;
    *out = r;
    return MB_OK;
}

int mb_rsv_wait_held(struct mb_rsv *r, struct mb_error *err)
{
    if (r->rep.released)
        return mb_error_set(err, MB_EINPUT, "reservation: already released");
    double timeout = r->o.timeout_s > 0 ? r->o.timeout_s : DEFAULT_TIMEOUT;
    double start = r->first_mono;
    double deadline = mb_now_mono() + timeout;
    int burner_vcpus = 0;
    for (int i = 0; i < r->n; i++)
        if (r->ph[i].vm.kind == MB_RSV_CPU)
            burner_vcpus += r->ph[i].vm.vcpus;
    /* what one burner vCPU can get: all of a CPU, or its share of a crowded host */
    double fair = 1.0;
    if (r->host_cpus > 0 && burner_vcpus > r->host_cpus)
        fair = (double)r->host_cpus / burner_vcpus;
    for (;;) {
        if (cancelled(r))
            return mb_error_set(err, MB_EINTR, "reservation: interrupted");
        struct mb_error e;
        mb_error_clear(&e);
        /* a check: vCPU time of the burners now and CHECK_WINDOW_S later */
        for (int i = 0; i < r->n; i++) {
            struct placeholder *p = &r->ph[i];
            struct mb_hv_cpu_stats cs;
            p->vcpu0 = -1;
            if (p->vm.kind == MB_RSV_CPU && mb_hv_dom_cpu(p->dom, &cs, &e) == MB_OK) {
                p->vcpu0 = cs.vcpu_time_ns >= 0 ? cs.vcpu_time_ns : cs.cpu_time_ns;
                p->t0 = cs.when;
            }
        }
        if (burner_vcpus)
            nap(CHECK_WINDOW_S);
        bool all = true;
        double cpu = 0;
        int64_t rss = 0;
        bool rss_known = false;
        for (int i = 0; i < r->n; i++) {
            struct placeholder *p = &r->ph[i];
            if (p->vm.kind == MB_RSV_CPU) {
                struct mb_hv_cpu_stats cs;
                if (p->vcpu0 >= 0 && mb_hv_dom_cpu(p->dom, &cs, &e) == MB_OK && cs.when > p->t0) {
                    int64_t v = cs.vcpu_time_ns >= 0 ? cs.vcpu_time_ns : cs.cpu_time_ns;
                    p->vm.cpu_rate = (double)(v - p->vcpu0) / 1e9 / (cs.when - p->t0);
                    cpu += p->vm.cpu_rate;
                }
                if (!p->vm.held && p->vm.cpu_rate >= HELD_SHARE * fair * p->vm.vcpus) {
                    p->vm.held = true;
                    p->vm.held_s = mb_now_mono() - start;
                }
            } else {
                struct mb_hv_mem_stats ms;
                if (mb_hv_dom_memory(p->dom, &ms, &e) == MB_OK) {
                    p->vm.rss = ms.rss;
                    if (ms.rss >= 0) {
                        rss += ms.rss;
                        rss_known = true;
                    }
                }
                if (!p->vm.held &&
                    (p->vm.rss < 0 || (double)p->vm.rss >= HELD_RESIDENT * (double)p->vm.memory)) {
                    p->vm.held = true;
                    p->vm.held_s = mb_now_mono() - start;
                }
            }
            all = all && p->vm.held;
        }
        r->rep.cpu_held = burner_vcpus ? cpu : 0;
        r->rep.rss_held = rss_known ? rss : -1;
        if (all) {
            r->rep.held = true;
            r->rep.held_at = mb_now_wall();
            r->rep.held_s = mb_now_mono() - start;
            return MB_OK;
        }
        if (mb_now_mono() >= deadline) {
            for (int i = 0; i < r->n; i++) {
                const struct mb_rsv_vm *v = &r->ph[i].vm;
                if (v->held)
                    continue;
                if (v->kind == MB_RSV_CPU)
                    return mb_error_set(err, MB_EFAILED,
                                        "placeholder %s used %.2f CPU of its %d vCPU(s) after %g s "
                                        "(it should use at least %.2f)",
                                        v->name, isfinite(v->cpu_rate) ? v->cpu_rate : 0.0,
                                        v->vcpus, timeout, HELD_SHARE * fair * v->vcpus);
                return mb_error_set(err, MB_EFAILED,
                                    "placeholder %s has %lld of its %llu MiB resident after %g s",
                                    v->name, (long long)(v->rss >> 20),
                                    (unsigned long long)(v->memory >> 20), timeout);
            }
        }
        if (!burner_vcpus)
            nap(CHECK_WINDOW_S);
    }
}

int mb_rsv_release(struct mb_rsv *r, struct mb_error *err)
{
    if (r->rep.released)
        return MB_OK;
    int rc = MB_OK;
    r->rep.released_at = mb_now_wall();
    double t0 = mb_now_mono();
    for (int i = 0; i < r->n; i++) {
        struct placeholder *p = &r->ph[i];
        if (!p->dom)
            continue;
        struct mb_error e;
        mb_error_clear(&e);
        if (mb_hv_dom_destroy(p->dom, &e) < 0) {
            /* gone already (a host that killed it) is released too */
            struct mb_hv_dom *still = NULL;
            if (mb_hv_dom_lookup(r->hv, p->vm.name, &still, &e) == MB_OK && !still) {
                ;
            } else if (rc == MB_OK) {
                rc = mb_error_set(err, MB_EENV, "placeholder %s: %s", p->vm.name, e.msg);
            }
            mb_hv_dom_free(still);
        }
        mb_hv_dom_free(p->dom);
        p->dom = NULL;
    }
    r->rep.release_s = mb_now_mono() - t0;
    r->rep.released = true;
    return rc;
}

const struct mb_rsv_report *mb_rsv_report(const struct mb_rsv *r)
{
    return &r->rep;
}

const struct mb_rsv_vm *mb_rsv_vm(const struct mb_rsv *r, int i)
{
    return i >= 0 && i < r->n ? &r->ph[i].vm : NULL;
}

void mb_rsv_free(struct mb_rsv *r)
{
    if (!r)
        return;
    struct mb_error e;
    mb_rsv_release(r, &e);
    free(r->ph);
    free(r);
}

int mb_rsv_sweep(struct mb_hv *hv, const char *prefix, int *removed, struct mb_error *err)
{
    if (removed)
        *removed = 0;
    if (!prefix || !*prefix)
        return mb_error_set(err, MB_EINPUT, "sweep: no prefix");
    char **names = NULL;
    int rc = mb_hv_list(hv, &names, err);
    if (rc < 0)
        return rc;
    size_t pl = strlen(prefix);
    for (size_t i = 0; names[i]; i++) {
        if (strncmp(names[i], prefix, pl) != 0)
            continue;
        struct mb_hv_dom *d = NULL;
        struct mb_error e;
        if (mb_hv_dom_lookup(hv, names[i], &d, &e) == MB_OK && d) {
            if (mb_hv_dom_destroy(d, &e) == MB_OK) {
                if (removed)
                    (*removed)++;
            } else if (rc == MB_OK) {
                rc = mb_error_set(err, MB_EENV, "%s: %s", names[i], e.msg);
            }
        }
        mb_hv_dom_free(d);
    }
    mb_hv_names_free(names);
    return rc;
}
