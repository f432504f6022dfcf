/* guest.c — address, domain XML and SSH reach of a migbench guest. */
#include "guest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domxml.h"
#include "lib/util.h"

int mb_guest_addr(const struct mb_testbed *tb, int n, char ip[16], char mac[18],
                  struct mb_error *err)
{
    return mb_domxml_guest_addr(tb->guest.first_ip, tb->guest.mac_prefix, n, ip, mac, err);
}

char *mb_guest_xml(const struct mb_testbed *tb, const struct mb_host *host,
                   const struct mb_guest_opts *o, struct mb_error *err)
{
    char ip[16], mac[18];
    if (mb_guest_addr(tb, o->n, ip, mac, err) < 0)
        return NULL;
    const char *base = tb->guest.cmdline ? tb->guest.cmdline : "console=ttyS0";
    char gw[64] = "";
    if (tb->guest.gateway)
        snprintf(gw, sizeof(gw), " lab.gw=%s", tb->guest.gateway);
    char *cmdline = mb_xasprintf("%s lab.ip=%s/%d%s lab.name=%s%s%s%s", base, ip, tb->guest.prefix,
                                 gw, o->name, o->disk ? " lab.scratch=1" : "", o->extra ? " " : "",
                                 o->extra ? o->extra : "");
    char *log = mb_xasprintf("/var/log/libvirt/qemu/%s-console.log", o->name);
    struct mb_vm_spec spec = {
        .name = o->name,
        .vcpus = o->vcpus,
        .memory = o->memory,
        .kernel = tb->guest.kernel,
        .initrd = tb->guest.initrd,
        .cmdline = cmdline,
        .emulator = host->emulator,
        .accel = host->accel,
        .bridge = host->bridge ? host->bridge : "br0",
        .mac = mac,
        .console_log = log,
        .disk = o->disk,
    };
    char *xml = mb_domxml_build(&spec, err);
    free(cmdline);
    free(log);
    return xml;
}

double mb_guest_boot_timeout(const struct mb_testbed *tb, int nguests)
{
    if (tb->guest.boot_timeout_s > 0)
        return tb->guest.boot_timeout_s;
    return MB_GUEST_BOOT_BASE_S + MB_GUEST_BOOT_EACH_S * (double)(nguests > 1 ? nguests : 1);
}

double mb_guest_time_scale(const struct mb_testbed *tb)
{
    double s = tb->guest.boot_timeout_s / (MB_GUEST_BOOT_BASE_S + MB_GUEST_BOOT_EACH_S);
    return s > 1 ? s : 1;
}

void mb_guest_target(const struct mb_testbed *tb, const char *ip, double timeout_s,
                     struct mb_remote_target *t)
{
    memset(t, 0, sizeof(*t));
    t->address = ip;
    t->port = 22;
    t->user = tb->guest.ssh.user;
    t->key = tb->guest.ssh.key;
    t->known_hosts = tb->guest.ssh.known_hosts;
    t->connect_timeout_s = timeout_s * mb_guest_time_scale(tb);
}

int mb_guest_open(const struct mb_remote_ops *ops, const struct mb_testbed *tb, const char *ip,
                  double timeout_s, struct mb_remote **out, struct mb_error *err)
{
    struct mb_remote_target t;
    mb_guest_target(tb, ip, timeout_s, &t);
    return mb_remote_open(ops, &t, out, err);
}

int mb_guest_wait_ssh(const struct mb_remote_ops *ops, const struct mb_testbed *tb, const char *ip,
                      double timeout_s, struct mb_remote **out, struct mb_error *err)
{
    double deadline = mb_now_mono() + timeout_s, each = 10 * mb_guest_time_scale(tb);
    for (;;) {
        struct mb_remote_target t;
        double left = deadline - mb_now_mono();
        mb_guest_target(tb, ip, 0, &t);
        /* set here, not stretched again: an attempt ends by the deadline */
        t.connect_timeout_s = left < each ? (left > 0.2 ? left : 0.2) : each;
        t.tcp_timeout_s = 0.5;
        struct mb_remote *r = NULL;
        mb_error_clear(err);
        int rc = mb_remote_open(ops, &t, &r, err);
        if (rc == MB_OK) {
            rc = mb_remote_run(r, "true", each, NULL, err);
            if (rc == MB_OK && out) {
                *out = r;
                return MB_OK;
            }
            mb_remote_close(r);
            if (rc == MB_OK)
                return MB_OK;
        }
        const char *kh = t.known_hosts ? t.known_hosts : "known_hosts";
        if (rc == MB_EINPUT || strstr(err->msg, kh) || strstr(err->msg, " refused: ") ||
            strstr(err->msg, "cannot read key"))
            return rc;
        if (mb_now_mono() >= deadline) {
            char last[sizeof(err->msg)];
            snprintf(last, sizeof(last), "%s", err->msg);
            return mb_error_set(err, MB_EENV, "no SSH answer from %s within %g s (last: %s)", ip,
                                timeout_s, last);
        }
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
    }
}
