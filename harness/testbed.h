/* testbed.h — testbed files: the hosts a scenario runs on, the load client and the
 * guest image.  A small YAML format of its own, validated like scenarios (unknown
 * keys, wrong types and impossible values are errors naming file:line:column).
 *
 *   name: lab
 *   profile: paper2011           # optional: the physics `lab up --profile` gave it
 *   hosts:
 *     hostA:
 *       uri: qemu+tcp://10.213.77.11/system     # how migbench reaches its libvirt
 *       migrate_uri: qemu+tcp://10.213.77.11/system  # how other hosts reach it (default: uri)
 *       ssh: {address: 10.213.77.11, port: 22, user: root,
 *             key: /path/id_ed25519, known_hosts: /path/known_hosts}
 *       cpus: 0-1                # CPUs the host may use (a cpuset list)
 *       memory: 4GiB             # memory the host may use
 *       cpu_max: 50%             # CPU bandwidth: a share of its cpus (0 = no cap)
 *       link_rate: 200Mbit       # its uplink's egress is shaped to this (0 = unshaped)
 *       emulator: /usr/bin/qemu-system-x86_64   # optional: QEMU binary for its domains
 *       accel: tcg               # tcg | kvm (domain type qemu | kvm)
 *       bridge: br0              # bridge guests' NICs join on this host
 *   load_client: {address: 10.213.77.1}
 *   guest:
 *     kernel: /path/vmlinuz
 *     initrd: /path/initrd.img
 *     cmdline: "console=ttyS0 quiet"         # extra kernel arguments
 *     hash: sha256:...                       # content hash of the image, for provenance
 *     ssh: {user: root, key: /path/id_ed25519, known_hosts: /path/guest_known_hosts}
 *     network: {first_ip: 10.213.77.101, prefix: 24, gateway: 10.213.77.1,
 *               mac_prefix: "52:54:00:4c"}
 *     disk_dir: /path/shared/disks           # optional: scratch disks both hosts see
 *     boot_timeout: 600s                     # optional: a guest's start to its SSH answer
 *
 * guest.boot_timeout is for slow guests (TCG inside a TCG VM boots in ~2 minutes): it
 * replaces the run's boot wait of 60 s + 15 s a guest, and the SSH timeouts with the
 * guests, sized for an ordinary one, are stretched by as much (mb_guest_time_scale).
 *
 * Relative paths are resolved against the testbed file's directory. */
#ifndef MB_TESTBED_H
#define MB_TESTBED_H

#include <stdint.h>

#include "lib/error.h"

/* guest.boot_timeout at most a day: more is a typo, not a slow guest */
#define MB_TESTBED_BOOT_TIMEOUT_MAX_S 86400

/* A guest.boot_timeout value ("600s", "10min"): 0 and *seconds set when it is a duration
 * from 1 s to MB_TESTBED_BOOT_TIMEOUT_MAX_S, else -1.  The testbed file and
 * `lab up --boot-timeout` share it, so that what lab up writes loads. */
int mb_testbed_boot_timeout(const char *text, double *seconds);

struct mb_ssh_target {
    char *address;     /* host name or IP */
    int port;          /* default 22 */
    char *user;        /* default root */
    char *key;         /* private key file (ed25519) */
    char *known_hosts; /* OpenSSH known_hosts file; NULL = ~/.ssh/known_hosts */
};

enum mb_accel { MB_ACCEL_TCG, MB_ACCEL_KVM };

struct mb_host {
    char *name;
    char *uri;
    char *migrate_uri;
    struct mb_ssh_target ssh;
    char *cpus;         /* cpuset list, e.g. "0-1"; NULL = all */
    int ncpus;          /* CPUs in that list (0 = unknown/all) */
    uint64_t memory;    /* bytes; 0 = unlimited */
    double cpu_max;     /* percent of its cpus it may use (CPU bandwidth); 0 = no cap */
    uint64_t link_rate; /* bits per second its uplink sends at most; 0 = unshaped */
    char *emulator;     /* NULL = libvirt's default */
    enum mb_accel accel;
    char *bridge; /* default "br0" */
};

struct mb_testbed {
    char *name;
    char *profile; /* profile.h: the profile it was brought up with; NULL = none */
    char *path;    /* the file it was read from */
    struct mb_host *hosts;
    int nhosts;
    char *load_client; /* address of the load client (probe source); NULL = local */
    struct {
        char *kernel, *initrd, *cmdline, *hash, *disk_dir;
        struct mb_ssh_target ssh;
        char *first_ip; /* dotted quad of vm 1; vm N gets first_ip + N - 1 */
        int prefix;
        char *gateway;
        char *mac_prefix;      /* four octets "52:54:00:4c"; vm N ends in :NN:NN */
        double boot_timeout_s; /* guest.boot_timeout; 0 = not given */
    } guest;
};

/* Resolve a testbed reference from a scenario: a path (contains '/' or ends in
 * .yaml) is used as is, relative to base_dir; a bare name N is looked up as
 * $MIGBENCH_TESTBED_DIR/N.yaml, then ~/.config/migbench/testbeds/N.yaml, then
 * $MIGBENCH_RUN_DIR/N/testbed.yaml (default /tmp/migbench/N/testbed.yaml), which
 * `migbench lab up --name N` writes for lab instance N (the default instance is "lab").
 * Returns a newly allocated path, or NULL with err set. */
char *mb_testbed_resolve(const char *ref, const char *base_dir, struct mb_error *err);

/* Parse a testbed file.  Returns a new testbed (free with mb_testbed_free) or NULL
 * with err set (file:line:column for bad input). */
struct mb_testbed *mb_testbed_load(const char *path, struct mb_error *err);

/* The host called name, or NULL. */
const struct mb_host *mb_testbed_host(const struct mb_testbed *tb, const char *name);

/* The index of the host called name; name NULL or "" = host dflt (the scenario's
 * defaults: 0 for migration.from, 1 for migration.to).  -1 when there is no such host. */
int mb_testbed_host_index(const struct mb_testbed *tb, const char *name, int dflt);

/* Whether two hosts' cpus lists name a common CPU: 1 yes, 0 no (disjoint), -1 unknown (a
 * host without a list may use every CPU).  Meaningful where the hosts share one machine,
 * as the lab's do. */
int mb_testbed_cpus_shared(const struct mb_testbed *tb);

void mb_testbed_free(struct mb_testbed *tb);

#endif
