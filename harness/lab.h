/* lab.h — `migbench lab up | down | status`: the embedded testbed.
 *
 * Two or more libvirt hosts on this machine, each in its own network, mount, UTS, PID
 * and cgroup namespace with its own libvirtd and SSH server, joined by a bridge; the
 * root namespace is the load client.  The plumbing is the shell scripts in lab/ and the
 * guest image is built by vm-images/build, both in the data directory (lib/data_dir.h:
 * the checkout, PREFIX/share/migbench or $MIGBENCH_DATA).  This module parses the options (the same
 * table serves the command line, --config files and --help), runs the scripts, and
 * writes the testbed file scenarios name as the instance: $MIGBENCH_RUN_DIR/NAME/
 * testbed.yaml (default /tmp/migbench/NAME/testbed.yaml), in the format of testbed.h. */
#ifndef MB_LAB_H
#define MB_LAB_H

#include <stdint.h>

#include "lib/error.h"

#define MB_LAB_MAX_HOSTS 16

/* The settings of one `lab up` host, resolved from the options. */
struct mb_lab_host {
    char name[8];    /* hostA, hostB, ... */
    char *cpus;      /* cpuset list, NULL = every CPU of this machine */
    uint64_t memory; /* bytes, 0 = no limit */
    char *qemu;      /* QEMU binary (absolute path) */
};

/* Per-host option values as given: "V" (every host), "V1:V2:..." (host by host) or
 * "HOST=V" (one host; repeatable).  Later settings override earlier ones. */
struct mb_lab_per_host {
    char *all;
    char *host[MB_LAB_MAX_HOSTS];
};

/* Record one per-host option value (opt names the option, for errors).  Returns 0, or
 * MB_EINPUT with err set (bad host name, empty value, too many values). */
int mb_lab_per_host_set(struct mb_lab_per_host *ph, const char *opt, const char *value,
                        struct mb_error *err);

/* The value for host i (0-based) of nhosts: its own, else the one for all, else def
 * (borrowed).  MB_EINPUT with err set when a value names a host past nhosts. */
int mb_lab_per_host_get(const struct mb_lab_per_host *ph, const char *opt, int i, int nhosts,
                        const char *def, const char **out, struct mb_error *err);

void mb_lab_per_host_free(struct mb_lab_per_host *ph);

/* The QEMU binary a --qemu value means: "qemu10" (QEMU 10 from bookworm-backports,
 * unpacked by deps/lab.post into $MIGBENCH_QEMU10_DIR, default /opt/migbench/qemu10),
 * "system" (/usr/bin/qemu-system-x86_64, Debian 12's 7.2) or an absolute path.  Returns
 * a new string, or NULL with err set. */
char *mb_lab_qemu_path(const char *value, struct mb_error *err);

/* The environment `lab up` gives lab/up for the words after "lab" (argv[0] is "up"):
 * "MB_LAB_NAME=...", "MB_LAB_CPU_MAX_0=50000 100000", "MB_LAB_LINK_RATE=200000000", ...
 * without the guest image's.  The options are checked as `lab up` checks them, the QEMU
 * binaries' presence included.  Returns a new NULL-terminated array (mb_lab_env_free),
 * or NULL with err set. */
char **mb_lab_up_env(int argc, char **argv, struct mb_error *err);
void mb_lab_env_free(char **env);

/* The `migbench lab` command: argv[0] is "lab".  Returns the exit status: 0 ok, 1 (status
 * only) the instance does not exist, 2 bad usage, 3 environment failure, 130 interrupted. */
int mb_cmd_lab(int argc, char **argv);

#endif
