/* run_saved.c — guests restored from a saved state (vms.start: restore).  The first run
 * of a campaign that needs a guest (one domain XML on one host) boots it, and once it
 * answers over SSH saves its state into guest.disk_dir and restores it; every later run
 * that needs the same guest restores that state instead of booting: under TCG a 512 MiB
 * guest restores and answers in ~1.3 s where a boot takes ~3.8 s.  The state is taken
 * before any agent or workload starts and with no SSH session open.  Yet a restored guest
 * does not migrate like a booted one (QEMU 10, TCG: total time 20-35 % shorter, and some
 * stop-and-copy phases of 0.6-0.8 s; docs/measurements.md), so boot is the default and
 * restore is for runs that check function, not time. */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"

/* err's message after "WHAT PATH: ". */
static int prefix(struct mb_error *err, int rc, const char *what, const char *path)
{
    char msg[sizeof(err->msg)];
    snprintf(msg, sizeof(msg), "%s", err->msg);
    return mb_error_set(err, rc, "%s %s: %s", what, path, msg);
}

/* Stop restoring for the rest of the campaign, saying why once. */
static void give_up(struct mb_campaign *c, const char *fmt, const char *what, const char *why)
{
    fprintf(stderr, "migbench run: warning: vms.start restore: ");
    fprintf(stderr, fmt, what, why);
    fprintf(stderr, ": guests boot instead\n");
    c->no_save = 1;
}

/* Whether v's domain on hv may come from (or go to) a saved state; when restore is asked
 * for and cannot be had here, a warning, once. */
static int may_restore(const struct mb_run_state *st, const struct mb_hv *hv)
{
    struct mb_campaign *c = st->c;
    const char *dir = c->tb->guest.disk_dir;
    if (strcmp(st->pt.vm_start, "restore") != 0 || c->no_save)
        return 0;
    if (!dir)
        give_up(c, "testbed %s has %s", c->tb->path, "no guest.disk_dir");
    else if (!mb_hv_can_save(hv))
        give_up(c, "the backend of %s %s", mb_hv_uri(hv), "cannot save a domain");
    else if (access(dir, W_OK | X_OK) != 0)
        give_up(c, "guest.disk_dir %s: %s", dir, strerror(errno));
    return !c->no_save;
}

static const struct mb_saved_guest *find_saved(const struct mb_campaign *c, int host,
                                               const char *xml)
{
    for (size_t i = 0; i < c->nsaved; i++)
        if (c->saved[i].host == host && !strcmp(c->saved[i].xml, xml))
            return &c->saved[i];
    return NULL;
}

int mb_run_guest_create(struct mb_run_state *st, struct mb_run_vm *v, struct mb_hv *hv,
                        const char *xml, struct mb_error *err)
{
    if (may_restore(st, hv)) {
        const struct mb_saved_guest *s = find_saved(st->c, v->host, xml);
        if (s) {
            int rc = mb_hv_restore(hv, s->path, err);
            if (rc < 0)
                return prefix(err, rc, "from its saved state", s->path);
            v->restored = 1;
            return MB_OK;
        }
        v->save_xml = mb_xstrdup(xml);
    }
    struct mb_hv_dom *d = NULL;
    int rc = mb_hv_dom_create(hv, xml, &d, err);
    mb_hv_dom_free(d);
    return rc;
}

/* Save v (running on hv) into a new state file; *path is it (caller frees) on success. */
static int save(struct mb_run_state *st, struct mb_run_vm *v, struct mb_hv *hv, char **path,
                struct mb_error *err)
{
    struct mb_campaign *c = st->c;
    struct mb_hv_dom *d = NULL;
    int rc = mb_hv_dom_lookup(hv, v->name, &d, err);
    if (rc == 0 && !d)
        rc = mb_error_set(err, MB_EENV, "%s is not running", v->name);
    if (rc < 0)
        return rc;
    *path =
        mb_xasprintf("%s/migbench-%ld-%zu.state", c->tb->guest.disk_dir, (long)getpid(), c->nsaved);
    rc = mb_hv_dom_save(d, *path, err);
    mb_hv_dom_free(d);
    if (rc < 0) {
        unlink(*path);
        free(*path);
        *path = NULL;
    }
    return rc;
}

int mb_run_guest_save(struct mb_run_state *st, struct mb_run_vm *v, double boot_timeout,
                      struct mb_error *err)
{
    struct mb_campaign *c = st->c;
    char *xml = v->save_xml, *path = NULL;
    v->save_xml = NULL;
    struct mb_hv *hv = NULL;
    int rc = mb_campaign_hv(c, v->host, &hv, err);
    if (rc == 0 && save(st, v, hv, &path, err) < 0) {
        /* the guest still runs (libvirt stops it only once its state is written) */
        char why[sizeof(err->msg) + 64];
        snprintf(why, sizeof(why), "%s on %s: %s", v->label, c->tb->hosts[v->host].name, err->msg);
        give_up(c, "%s %s", "cannot save", why);
        mb_error_clear(err);
    } else if (rc == 0) {
        c->saved = mb_xrealloc(c->saved, (c->nsaved + 1) * sizeof(*c->saved));
        c->saved[c->nsaved++] = (struct mb_saved_guest){.host = v->host, .xml = xml, .path = path};
        xml = NULL;
        rc = mb_hv_restore(hv, path, err);
        if (rc < 0)
            prefix(err, rc, "cannot restore its saved state", path);
        else
            v->restored = 1;
    }
    free(xml);
    if (rc < 0)
        return rc;
    return mb_guest_wait_ssh(c->o->ssh_ops, c->tb, v->ip, boot_timeout, &v->ssh, err);
}

void mb_run_saved_free(struct mb_campaign *c)
{
    for (size_t i = 0; i < c->nsaved; i++) {
        unlink(c->saved[i].path);
        free(c->saved[i].path);
        free(c->saved[i].xml);
    }
    free(c->saved);
    c->saved = NULL;
    c->nsaved = 0;
}
