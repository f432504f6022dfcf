/* domxml.h — libvirt domain XML for a migbench guest, built from a VM spec.
 *
 * The guests are transient, disk-less (direct kernel boot) and small: one NIC on a
 * bridge with a fixed MAC (so the guest keeps its address across hosts), a virtio
 * balloon with statistics (the memory knob and its read-back), a serial console logged
 * to a file, and optionally a raw scratch disk on storage both hosts see.  Every value
 * is XML-escaped: a name with quotes or <&> yields well-formed XML, never injected tags. */
#ifndef MB_DOMXML_H
#define MB_DOMXML_H

#include <stdint.h>

#include "lib/error.h"
#include "testbed.h"
#include "lib/util.h"

struct mb_vm_spec {
    const char *name;
    int vcpus;               /* >= 1 */
    uint64_t memory;         /* maximum memory, bytes (>= 1 MiB) */
    uint64_t current_memory; /* at boot, bytes; 0 = memory */
    const char *kernel;      /* direct kernel boot; NULL = none */
    const char *initrd;      /* NULL = none */
    const char *cmdline;     /* NULL = none */
    const char *emulator;    /* QEMU binary; NULL = libvirt's default */
    enum mb_accel accel;     /* TCG -> <domain type='qemu'>, KVM -> type='kvm' */
    const char *cpu_model;   /* NULL = qemu64 under TCG, kvm64 under KVM (a named model:
                              * the lab's PVM rejects -cpu host) */
    const char *bridge;      /* host bridge of the NIC; NULL = no NIC */
    const char *mac;         /* "52:54:00:..."; NULL = libvirt picks one */
    int balloon_period;      /* balloon statistics period, s; 0 = 2 */
    const char *console_log; /* serial console log file on the host; NULL = no log */
    const char *disk;        /* scratch disk image (raw) on shared storage; NULL = none */
};

/* Append s to b with &, <, >, ' and " escaped.  Returns 0, or -1 past b's ceiling. */
int mb_domxml_escape(struct mb_buf *b, const char *s);

/* The domain XML for spec.  Returns a new string (caller frees), or NULL with err set
 * (MB_EINPUT) for an impossible spec (no name, 0 vCPUs, memory under 1 MiB, current
 * memory above maximum, malformed MAC). */
char *mb_domxml_build(const struct mb_vm_spec *spec, struct mb_error *err);

/* Address of guest number n (1-based) of a testbed: IP first_ip + n - 1 (dotted quad,
 * last octet at most 254) and MAC mac_prefix (four octets) + ":HH:LL" of n.  Returns 0,
 * or MB_EINPUT with err set. */
int mb_domxml_guest_addr(const char *first_ip, const char *mac_prefix, int n, char ip[16],
                         char mac[18], struct mb_error *err);

#endif
