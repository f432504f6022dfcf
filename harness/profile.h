/* profile.h — named testbed physics: one lab option and the scenario defaults that go
 * with it.
 *
 * A profile says how `lab up --profile NAME` sizes the hosts and the link between them,
 * and which scenario keys a scenario with `profile: NAME` gets when it does not set them
 * itself.  paper2011 reproduces the bottlenecks of Ye et al.'s Xen 3.3.1 testbed: hosts
 * on disjoint CPUs sized 1 : 2 (the paper's 4 and 8 cores), one shaped link, every page
 * sent, Xen's pre-copy rules and guests that stay idle in Xen's terms.  The lab writes
 * the name into lab.env, the testbed file (`profile:`) and so metadata.json; a scenario
 * asking for a profile is refused on a testbed brought up without it (validate.c). */
#ifndef MB_PROFILE_H
#define MB_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"

/* A scenario key the profile sets when the scenario does not, written as in a scenario. */
struct mb_profile_default {
    const char *key, *value;
};

struct mb_profile {
    const char *name;
    const char *summary;                       /* one line: what it reproduces */
    const char *link_rate;                     /* lab up --link-rate */
    const struct mb_profile_default *defaults; /* terminated by key NULL */
};

/* The values a scenario's `profile` key takes: "none", then every profile's name;
 * NULL-terminated, static. */
extern const char *const mb_profile_choices[];

/* The profile called name, or NULL (also for "none"). */
const struct mb_profile *mb_profile_find(const char *name);

/* "paper2011" — the known profiles' names, comma-separated, for messages. */
void mb_profile_list(char *buf, size_t len);

/* name as a profile: 0 with *out the profile, or NULL for "none"; -1 for any other name,
 * with why saying so and naming the known ones ("unknown profile 'x' (known: paper2011,
 * none)").  The lab option and the testbed file's key read it alike. */
int mb_profile_parse(const char *name, const struct mb_profile **out, char *why, size_t len);

/* The hosts of profile p on a machine of ncpu CPUs, as lab up's values: cpus
 * ("0:1", --host-cpus) and cpu_max ("50%:100%", --host-cpu-max), hostA the small host
 * and hostB the big one with twice its CPU bandwidth, on disjoint CPUs.  Returns 0, or
 * MB_EINPUT with err set when ncpu cannot hold two disjoint hosts (one CPU). */
int mb_profile_hosts(const struct mb_profile *p, long ncpu, char *cpus, size_t cpus_len,
                     char *cpu_max, size_t cpu_max_len, struct mb_error *err);

#endif
