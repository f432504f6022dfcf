/* data_dir.c — the one look-up of migbench's data directory (see data_dir.h). */
#include "lib/data_dir.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"

char *mb_bin_dir(struct mb_error *err)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        mb_error_set(err, MB_EENV, "cannot find this program's path: %s", strerror(errno));
        return NULL;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == exe)
        slash++; /* a program in / */
    if (slash)
        *slash = '\0';
    return mb_xstrdup(exe);
}

/* A source checkout (rather than an installed share directory)? */
static bool is_checkout(const char *dir)
{
    char *main_c = mb_xasprintf("%s/harness/main.c", dir);
    char *up = mb_xasprintf("%s/lab/up", dir);
    bool yes = access(main_c, F_OK) == 0 && access(up, F_OK) == 0;
    free(main_c);
    free(up);
    return yes;
}

/* The absolute form of path, or NULL with err set. */
static char *existing(const char *path, const char *what, struct mb_error *err)
{
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        mb_error_set(err, MB_EENV, "%s %s: %s (set MIGBENCH_DATA to migbench's data directory)",
                     what, path, strerror(errno));
        return NULL;
    }
    return mb_xstrdup(real);
}

char *mb_data_dir(struct mb_error *err)
{
    const char *env = getenv("MIGBENCH_DATA");
    if (env && *env)
        return existing(env, "$MIGBENCH_DATA:", err);
    char *bin = mb_bin_dir(err);
    if (!bin)
        return NULL;
    char *found = NULL;
    /* bin/migbench of a checkout, or a test or sanitizer build one level deeper */
    for (int up = 1; up <= 2 && !found; up++) {
        char *d = mb_xasprintf(up == 1 ? "%s/.." : "%s/../..", bin);
        if (is_checkout(d))
            found = existing(d, "checkout", err);
        free(d);
    }
    if (!found) {
        char *d = mb_xasprintf("%s/../share/migbench", bin);
        found = existing(d, "data directory", err);
        free(d);
    }
    free(bin);
    return found;
}

char *mb_data_path(const char *rel, struct mb_error *err)
{
    char *dir = mb_data_dir(err);
    if (!dir)
        return NULL;
    char *p = mb_xasprintf("%s/%s", dir, rel);
    free(dir);
    if (access(p, F_OK) != 0) {
        mb_error_set(err, MB_EENV, "%s: %s (set MIGBENCH_DATA to migbench's data directory)", p,
                     strerror(errno));
        free(p);
        return NULL;
    }
    return p;
}
