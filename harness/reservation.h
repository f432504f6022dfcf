/* reservation.h — the destination side of the paper's reservation: placeholder VMs that
 * hold a host's CPU and memory until the migration starts, and the competing tenant of
 * the contention experiment, which takes what is free and keeps it.
 *
 * A placeholder is a transient domain booted from the testbed's guest image, without a
 * NIC (it needs no address), whose kernel runs one program as its init instead of the
 * image's /init (rdinit=PROGRAM -- ARGS on the kernel command line):
 * - a CPU placeholder runs `cpuburn -n VCPUS` (workloads/guest/cpuburn.c): its vCPUs
 *   spin from the moment the kernel is up (they spin while it boots, too);
 * - a memory placeholder is idle (`busybox sleep`), and its memory is allocated by the
 *   hypervisor when the domain starts (<memoryBacking><allocation mode='immediate'/>:
 *   QEMU preallocates every page), so its memory is held whatever the guest does.
 *   (<locked/> would pin it as well, but needs a memlock limit libvirt cannot raise in
 *   every environment, the lab's included.)
 *
 * Names are PREFIX1, PREFIX2, ... ("mbr-ph1"): the runner's prefix, so a campaign
 * killed mid-run leaves nothing that its sweep of mbr-* does not remove.
 *
 * Life of a reservation: mb_rsv_start (admission, then every placeholder created one by
 * one), mb_rsv_wait_held (until each one measurably holds its share), then either
 * mb_rsv_release just before the migration (the paper's method: destroy them all) or
 * keep them (hold mode) until mb_rsv_free.  The report says what was asked, what was
 * started and what was measured at every step.
 *
 * Threads: a reservation uses the struct mb_hv it was started on (borrowed), from the
 * thread that owns that connection. */
#ifndef MB_RESERVATION_H
#define MB_RESERVATION_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/error.h"
#include "hypervisor.h"
#include "testbed.h"

enum mb_rsv_kind { MB_RSV_CPU, MB_RSV_MEMORY };

/* Whether the VMs are admitted only into the host's free capacity. */
enum mb_rsv_admit {
    MB_RSV_ADMIT_ALL,  /* take what is asked (a reservation: the operator's own) */
    MB_RSV_ADMIT_FREE, /* take at most what is free: capacity minus what the running
                        * domains were given (a tenant placed by a cloud scheduler) */
};

struct mb_rsv_opts {
    const char *prefix;     /* domain names: prefix + 1, 2, ...; NULL = "mbr-ph" */
    int cpus;               /* CPUs to hold with burner VMs */
    int vcpus_per_vm;       /* vCPUs of each burner VM; 0 = 1 (the paper's) */
    uint64_t burner_memory; /* memory of each burner VM; 0 = 128 MiB */
    uint64_t memory;        /* memory to hold with idle VMs, bytes (a multiple of 1 MiB) */
    uint64_t memory_per_vm; /* largest idle VM; 0 = one VM holds it all */
    enum mb_rsv_admit admit;
    int capacity_cpus;        /* MB_RSV_ADMIT_FREE: the host's CPUs (0 = libvirt's count) */
    uint64_t capacity_memory; /* the host's memory, bytes (0 = libvirt's) */
    uint64_t vm_overhead;     /* memory each domain costs beyond its own (QEMU itself),
                               * counted by the admission; 0 = MB_RSV_VM_OVERHEAD */
    double timeout_s;         /* mb_rsv_wait_held; 0 = 60 s */
    const char *burn_program; /* NULL = "/bin/cpuburn" */
    const char *idle_program; /* NULL = "/bin/busybox" (run as `busybox sleep N`) */
    const volatile sig_atomic_t *cancel; /* waits end early when it turns non-zero */
};

/* Host memory one TCG guest costs beyond its RAM (QEMU 10, the lab: see
 * docs/reservation.md); used by the admission only. */
#define MB_RSV_VM_OVERHEAD (160ull << 20)

/* One placeholder. */
struct mb_rsv_vm {
    char name[64];
    enum mb_rsv_kind kind;
    int vcpus;
    uint64_t memory; /* bytes given */
    double create_s; /* virDomainCreateXML */
    double held_s;   /* from the reservation's start until it held (NAN = never) */
    double cpu_rate; /* its vCPUs' use in the last check, CPUs (1 = one CPU); NAN */
    int64_t rss;     /* resident on the host at the last check, bytes; -1 = unknown */
    bool held;
};

struct mb_rsv_report {
    int asked_cpus;
    uint64_t asked_memory;
    int granted_cpus; /* after admission (= asked with MB_RSV_ADMIT_ALL) */
    uint64_t granted_memory;
    int free_cpus;       /* what the admission found free (-1 = not computed) */
    int64_t free_memory; /* bytes (-1 = not computed) */
    int nvms;
    double started_at;  /* mb_now_wall() of the first create */
    double start_s;     /* until the last create returned */
    double held_at;     /* mb_now_wall() when every placeholder held (NAN = never) */
    double held_s;      /* from started_at */
    double cpu_held;    /* CPUs the burners used in the last check */
    int64_t rss_held;   /* bytes resident (memory placeholders; -1 = unreported) */
    double released_at; /* mb_now_wall() of the first destroy (NAN = not released) */
    double release_s;   /* until the last destroy returned */
    bool held, released;
};

struct mb_rsv;

/* The domain XML of a placeholder of kind on host (exposed for the tests).  Returns a
 * new string (caller frees), or NULL with err set. */
char *mb_rsv_xml(const struct mb_testbed *tb, const struct mb_host *host, const char *name,
                 enum mb_rsv_kind kind, int vcpus, uint64_t memory, const struct mb_rsv_opts *o,
                 struct mb_error *err);

/* Start the placeholders of o on host (hv: a connection to it, borrowed).  With
 * MB_RSV_ADMIT_FREE the asked CPUs and memory are first cut to what is free (possibly
 * nothing: a reservation of no VMs).  A placeholder that cannot be created fails the
 * whole reservation: those already created are destroyed, and the error says which one
 * and why (a host out of memory, typically).  *out is set on success; free it with
 * mb_rsv_free. */
int mb_rsv_start(struct mb_hv *hv, const struct mb_testbed *tb, const struct mb_host *host,
                 const struct mb_rsv_opts *o, struct mb_rsv **out, struct mb_error *err);

/* Wait until every placeholder holds: a CPU placeholder when its vCPUs used at least
 * half of their fair share of the host's CPUs over a 250 ms check, a memory placeholder
 * when 95 % of its memory is resident (or at once where the hypervisor does not report
 * residency: Xen allocates a domain's memory when it starts).  MB_EFAILED after the
 * timeout (the report has what was measured), MB_EINTR when cancelled. */
int mb_rsv_wait_held(struct mb_rsv *r, struct mb_error *err);

/* Destroy every placeholder (the paper: just before the migration starts).  Returns 0,
 * or the first failure after trying them all.  A second call does nothing. */
int mb_rsv_release(struct mb_rsv *r, struct mb_error *err);

const struct mb_rsv_report *mb_rsv_report(const struct mb_rsv *r);

/* Placeholder i (0-based) of mb_rsv_report()->nvms. */
const struct mb_rsv_vm *mb_rsv_vm(const struct mb_rsv *r, int i);

/* Release (if not done) and free.  NULL is a no-op. */
void mb_rsv_free(struct mb_rsv *r);

/* Destroy every running domain on hv whose name starts with prefix (what a killed run
 * left); *removed (may be NULL) counts them. */
int mb_rsv_sweep(struct mb_hv *hv, const char *prefix, int *removed, struct mb_error *err);

/* Free capacity of the host behind hv: capacity minus the vCPUs and memory (plus
 * overhead each) of its running domains.  capacity_* 0 = libvirt's host figures. */
int mb_rsv_free_capacity(struct mb_hv *hv, int capacity_cpus, uint64_t capacity_memory,
                         uint64_t vm_overhead, int *free_cpus, int64_t *free_memory,
                         struct mb_error *err);

#endif
