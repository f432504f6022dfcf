/* guest.h — a migbench guest on a testbed: its address, its domain XML, and reaching
 * it over SSH.  Shared by `migbench vm` and the runner, so a guest the runner boots is
 * the same guest a person boots by hand.
 *
 * Guest number n (1-based) has the testbed's first_ip + n - 1 and a MAC derived from
 * n, on every host: the address survives migration.  The image's init reads
 * lab.ip=, lab.gw=, lab.name= and lab.scratch=1 from the kernel command line. */
#ifndef MB_GUEST_H
#define MB_GUEST_H

#include <stdint.h>

#include "lib/error.h"
#include "remote.h"
#include "testbed.h"

/* What the guest image's programs are started with, where the harness depends on it. */
#define MB_GUEST_PROBE_PORT          7777 /* udpecho answers here (vm-images/rootfs/etc/inittab) */
#define MB_GUEST_MEMCHECK_INTERVAL_S 0.25 /* memcheck -i: how often its status file is written */
#define MB_GUEST_CAP_BURN_S          2    /* cpuburn -t: the cap check's burn, seconds */

/* A run's boot wait when the testbed gives no guest.boot_timeout: 60 s, and 15 s more
 * for each guest the run starts (they boot at once, on shared CPUs). */
#define MB_GUEST_BOOT_BASE_S 60
#define MB_GUEST_BOOT_EACH_S 15

struct mb_guest_opts {
    const char *name; /* domain name */
    int n;            /* guest number: address and MAC */
    uint64_t memory;  /* bytes */
    int vcpus;
    const char *disk;  /* scratch disk image on shared storage, or NULL */
    const char *extra; /* more kernel arguments (e.g. what init starts), or NULL */
};

/* IP and MAC of guest n. */
int mb_guest_addr(const struct mb_testbed *tb, int n, char ip[16], char mac[18],
                  struct mb_error *err);

/* Domain XML for o on host.  Returns a new string (caller frees) or NULL with err. */
char *mb_guest_xml(const struct mb_testbed *tb, const struct mb_host *host,
                   const struct mb_guest_opts *o, struct mb_error *err);

/* How long a run that starts nguests guests waits for each to answer over SSH:
 * guest.boot_timeout, else MB_GUEST_BOOT_BASE_S + MB_GUEST_BOOT_EACH_S a guest. */
double mb_guest_boot_timeout(const struct mb_testbed *tb, int nguests);

/* The factor (>= 1) by which SSH timeouts sized for an ordinary guest are stretched on
 * tb: guest.boot_timeout over the default wait for one guest (75 s), 1 without it.  A
 * guest that needs a longer boot is that much slower at everything, key exchange and
 * short commands included (TCG inside a TCG VM: ~116 s to boot, over 10 s for a
 * handshake), and the default timeouts stay as short as they are on other testbeds. */
double mb_guest_time_scale(const struct mb_testbed *tb);

/* SSH target of the guest at ip, host key checked against the testbed's guest
 * known_hosts; timeout_s (the connection's, for an ordinary guest) is stretched by
 * mb_guest_time_scale.  Borrows from tb. */
void mb_guest_target(const struct mb_testbed *tb, const char *ip, double timeout_s,
                     struct mb_remote_target *t);

/* Wait until the guest at ip runs `true` over SSH through ops (NULL = mb_remote_libssh2).
 * Connection failures are retried until timeout_s (each TCP connect given half a second, so
 * that a guest coming up is seen within a few hundred ms rather than after the kernel's SYN
 * back-off; the handshake and `true` 10 s each, stretched by mb_guest_time_scale); a
 * host-key or key problem is not (it will not go away).  With out, the session
 * that answered is handed over (caller closes) instead of closed. */
int mb_guest_wait_ssh(const struct mb_remote_ops *ops, const struct mb_testbed *tb, const char *ip,
                      double timeout_s, struct mb_remote **out, struct mb_error *err);

/* Open a session to the guest at ip through ops (NULL = mb_remote_libssh2; caller
 * closes). */
int mb_guest_open(const struct mb_remote_ops *ops, const struct mb_testbed *tb, const char *ip,
                  double timeout_s, struct mb_remote **out, struct mb_error *err);

#endif
