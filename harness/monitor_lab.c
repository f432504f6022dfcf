/* monitor_lab.c — which process on this machine holds an embedded-lab host, so that the
 * monitor reads that host's cgroup files locally instead of over SSH. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor_priv.h"

/* ---- the lab ------------------------------------------------------------------------------ */

int mb_monitor_lab_pid(const char *testbed_path, const char *host, int *pid, struct mb_error *err)
{
    *pid = 0;
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", testbed_path ? testbed_path : "");
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/lab.env", dir);
    FILE *f = fopen(path, "re");
    if (!f)
        return MB_OK; /* not a lab instance */
    char key[300], line[512];
    snprintf(key, sizeof(key), "host.%s.holder=", host);
    long v = 0;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, key, strlen(key)))
            v = strtol(line + strlen(key), NULL, 10);
    fclose(f);
    if (v <= 0)
        return MB_OK;
    char a[PATH_MAX], b[64], p[64];
    snprintf(p, sizeof(p), "/proc/%ld/ns/net", v);
    ssize_t na = readlink(p, a, sizeof(a) - 1),
            nb = readlink("/proc/self/ns/net", b, sizeof(b) - 1);
    if (na < 0 || nb < 0)
        return mb_error_set(err, MB_EENV,
                            "%s names PID %ld for host %s, which does not run (is the lab up?)",
                            path, v, host);
    a[na] = b[nb] = '\0';
    if (!strcmp(a, b))
        return mb_error_set(err, MB_EENV,
                            "%s: PID %ld of host %s is in this machine's own network namespace, "
                            "not a lab host's",
                            path, v, host);
    snprintf(p, sizeof(p), "/proc/%ld/cgroup", v);
    struct mb_buf cg = {.max = 1 << 16};
    int ok = mb_monitor_read_file(p, &cg) == 0 && cg.data && strstr(cg.data, "/migbench/");
    mb_buf_free(&cg);
    if (!ok)
        return mb_error_set(err, MB_EENV, "%s: PID %ld of host %s is not in the lab's cgroups",
                            path, v, host);
    *pid = (int)v;
    return MB_OK;
}
