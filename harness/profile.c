/* profile.c — the table of profiles (profile.h) and the hosts each makes of a machine. */
#include "profile.h"

#include <stdio.h>
#include <string.h>

/* Ye et al. (IEEE CLOUD 2011) ran Xen 3.3.1, which sent every page in its first round and
 * ended pre-copy by its own rules; their idle guests ran nothing.  Here an idle guest keeps
 * an integrity checker, kept under Xen's 50-dirty-page rule so that it cannot hold pre-copy
 * open, and no probe: the paper read downtime from the hypervisor (downtime_ms), and the
 * probe's replies would queue behind the migration on the shaped link
 * (docs/measurements.md, "The paper2011 profile"). */
static const struct mb_profile_default paper2011_defaults[] = {
    {"migration.zero_pages", "send"}, {"migration.convergence", "xen33"},
    {"integrity.memory", "1MiB"},     {"integrity.rate", "1MiB/s"},
    {"probe.interval", "0"},          {NULL, NULL},
};

static const struct mb_profile profiles[] = {
    {"paper2011",
     "the testbed of Ye et al. (IEEE CLOUD 2011): hosts on disjoint CPUs sized 1 : 2 (its 4 "
     "and 8 cores), a 1 Gbit/s link, every page sent, Xen 3.3.1's pre-copy rules",
     "1Gbit", paper2011_defaults},
};

#define NPROFILES (sizeof(profiles) / sizeof(profiles[0]))

const char *const mb_profile_choices[] = {"none", "paper2011", NULL};

const struct mb_profile *mb_profile_find(const char *name)
{
    for (size_t i = 0; name && i < NPROFILES; i++)
        if (!strcmp(profiles[i].name, name))
            return &profiles[i];
    return NULL;
}

void mb_profile_list(char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NPROFILES && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", profiles[i].name);
}

int mb_profile_parse(const char *name, const struct mb_profile **out, char *why, size_t len)
{
    *out = mb_profile_find(name);
    if (*out || !strcmp(name, "none"))
        return 0;
    char known[256];
    mb_profile_list(known, sizeof(known));
    snprintf(why, len, "unknown profile '%s' (known: %s, none)", name, known);
    return -1;
}

int mb_profile_hosts(const struct mb_profile *p, long ncpu, char *cpus, size_t cpus_len,
                     char *cpu_max, size_t cpu_max_len, struct mb_error *err)
{
    if (ncpu < 2)
        return mb_error_set(err, MB_EINPUT,
                            "--profile %s: hosts on disjoint CPUs need 2 CPUs, this machine has "
                            "%ld; give --host-cpus and --host-cpu-max yourself",
                            p->name, ncpu);
    if (ncpu < 3) {
        /* two CPUs: hostA half of CPU 0, hostB all of CPU 1 (the harness, the load client
         * and the other half share what is left) */
        snprintf(cpus, cpus_len, "0:1");
        snprintf(cpu_max, cpu_max_len, "50%%:100%%");
        return 0;
    }
    /* a third of the CPUs for hostA, twice as many for hostB, what does not divide left
     * to the harness and the load client */
    long a = ncpu / 3;
    if (a == 1)
        snprintf(cpus, cpus_len, "0:1-2");
    else
        snprintf(cpus, cpus_len, "0-%ld:%ld-%ld", a - 1, a, 3 * a - 1);
    snprintf(cpu_max, cpu_max_len, "100%%:100%%");
    return 0;
}
