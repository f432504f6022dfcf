/* metadata.h — where a campaign ran: harness version, testbed, and for every host its
 * hypervisor, libvirt, kernel, CPU and accelerator; the guest image's hash; the load
 * client's kernel and CPU.  Written as metadata.json beside raw.csv, so two campaigns'
 * environments can be compared (`migbench compare`). */
#ifndef MB_METADATA_H
#define MB_METADATA_H

#include <stdio.h>

#include "lib/error.h"
#include "hypervisor.h"
#include "lib/json.h" /* mb_json_string for the extra members */
#include "remote.h"
#include "testbed.h"
#include "lib/util.h"

struct mb_meta_host {
    const struct mb_host *host;
    struct mb_hv_host_info info; /* from libvirt */
    char kernel[128];            /* `uname -sr` over SSH, or "" */
    char cpu_brand[128];         /* /proc/cpuinfo model name over SSH, or "" */
    int reachable;               /* libvirt answered */
    char error[256];
};

/* Collect one host's metadata: libvirt's host info, and kernel and CPU over SSH when
 * the testbed gives SSH access, through hv_ops and ssh_ops (NULL = the real backends).
 * Never fails: what could not be read stays empty and error says why. */
void mb_meta_host_collect(const struct mb_host *h, const struct mb_hv_ops *hv_ops,
                          const struct mb_remote_ops *ssh_ops, struct mb_meta_host *out);

/* The load client's (this machine's) kernel and CPU brand. */
void mb_meta_local(char *kernel, size_t klen, char *cpu, size_t clen);

/* Write metadata.json: the JSON object with the given extra members (already JSON,
 * "key": value pairs joined by commas, or NULL) and the hosts, each with what the testbed
 * lets it use (cpus_allowed, memory_allowed, cpu_max_pct, link_rate_bps); the testbed's
 * profile (testbed_profile: its name, or "none"); and
 * hosts_share_cpus (true, false, or null when a host has no cpus list), which says whether
 * hosts on one machine (the lab's) compete for a CPU.  Written to a temporary
 * file, synced and renamed, so it is whole or absent. */
int mb_meta_write(const char *path, const struct mb_testbed *tb, const struct mb_meta_host *hosts,
                  int nhosts, const char *extra, struct mb_error *err);

struct mb_scenario;

/* Append to b the member "scenario_profile": {"name": the scenario's profile or "none",
 * "set": {KEY: VALUE, ...}}, the keys the profile set because the scenario did not, with
 * the values in force (a leading ", " included), for metadata.json's extra members. */
void mb_meta_profile_json(struct mb_buf *b, const struct mb_scenario *s);

/* "QEMU 10.0.2 / libvirt 9.0.0" for raw.csv's hypervisor column. */
void mb_meta_hypervisor_text(const struct mb_meta_host *h, char *buf, size_t len);

#endif
