/* validate.h — the one validation of a scenario beyond its keys: every point (one level
 * of every factor) is checked the way `migbench run` needs it before it touches a host,
 * so that `migbench check` refuses what `run` would.  scenario.c checks each key and the
 * combinations its levels make on their own; this file checks what takes a whole point
 * (the workload drivers' checks, the VMs a run starts) and, given a testbed, what the
 * testbed makes impossible (an unknown host, more than a host may use). */
#ifndef MB_VALIDATE_H
#define MB_VALIDATE_H

#include "lib/error.h"

struct mb_scenario;
struct mb_testbed;

/* VMs one run may start (migrating and resident): the runner's ceiling. */
#define MB_VALIDATE_MAX_VMS 64

/* Check every point of s; with tb (NULL = no testbed), also against its hosts:
 *   - the workload drivers' checks of vms.workload, of each resident (placement.hosts,
 *     colocation.workload), with vms.memory;
 *   - at most MB_VALIDATE_MAX_VMS VMs per run, residents included; the plan's size;
 *   - tb: a scenario's profile (profile.h) is the one the testbed was brought up with;
 *   - tb: migration.from/to and placement.hosts name hosts of tb, source and
 *     destination differ once defaults are filled in;
 *   - tb: no source cap (reservation.source.cpu_cap) above its host's CPU bandwidth;
 *   - tb: no VM has more vCPUs than its host may use, placeholders hold no more CPUs
 *     than the destination has, and the guest memory of the VMs a host runs at once
 *     fits in its memory (migrating VMs, residents, placeholders, a tenant admitted
 *     with contention.admission all).
 * Returns 0, or MB_EINPUT with err at file:line:column of the offending value (a
 * factor's level where the level is at fault). */
int mb_validate_scenario(const struct mb_scenario *s, const struct mb_testbed *tb,
                         struct mb_error *err);

/* mb_validate_scenario against the testbed testbed_ref names (a file, or a name resolved
 * as `run --testbed` resolves it: mb_testbed_resolve), or against none when NULL.
 * 0, or MB_EINPUT / the testbed's own error with err. */
int mb_validate_against(const struct mb_scenario *s, const char *testbed_ref, struct mb_error *err);

#endif
