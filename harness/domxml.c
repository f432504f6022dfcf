/* domxml.c — domain XML from a VM spec. */
#include "domxml.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mb_domxml_escape(struct mb_buf *b, const char *s)
{
    const char *run = s;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        case '"':
            rep = "&quot;";
            break;
        default:
            continue;
        }
        if (mb_buf_append(b, run, (size_t)(s - run)) < 0 || mb_buf_append(b, rep, strlen(rep)) < 0)
            return -1;
        run = s + 1;
    }
    return mb_buf_append(b, run, (size_t)(s - run));
}

static bool valid_mac(const char *m)
{
    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)m[0]) || !isxdigit((unsigned char)m[1]))
            return false;
        m += 2;
        if (i < 5 && *m++ != ':')
            return false;
    }
    return *m == '\0';
}

/* Writer: a format where every %s is a value to escape.  Only %s, %d and %llu occur. */
struct w {
    struct mb_buf b;
    int failed;
};

static void put(struct w *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p && !w->failed; p++) {
        if (*p != '%') {
            const char *q = strchr(p, '%');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            w->failed |= mb_buf_append(&w->b, p, n);
            p += n - 1;
            continue;
        }
        p++;
        if (*p == 's') {
            const char *s = va_arg(ap, const char *);
            w->failed |= mb_domxml_escape(&w->b, s ? s : "");
        } else if (*p == 'd') {
            w->failed |= mb_buf_printf(&w->b, "%d", va_arg(ap, int));
        } else if (!strncmp(p, "llu", 3)) {
            w->failed |= mb_buf_printf(&w->b, "%llu", va_arg(ap, unsigned long long));
            p += 2;
        } else {
            w->failed |= mb_buf_append(&w->b, p - 1, 2);
        }
    }
    va_end(ap);
}

char *mb_domxml_build(const struct mb_vm_spec *s, struct mb_error *err)
{
    if (!s->name || !*s->name)
        return mb_error_set(err, MB_EINPUT, "VM spec: no name"), NULL;
    if (s->vcpus < 1)
        return mb_error_set(err, MB_EINPUT, "VM %s: vcpus must be at least 1", s->name), NULL;
    if (s->memory < (1u << 20))
        return mb_error_set(err, MB_EINPUT, "VM %s: memory must be at least 1 MiB", s->name), NULL;
    uint64_t cur = s->current_memory ? s->current_memory : s->memory;
    if (cur > s->memory)
        return mb_error_set(err, MB_EINPUT, "VM %s: current memory above its maximum", s->name),
               NULL;
    if (s->mac && !valid_mac(s->mac))
        return mb_error_set(err, MB_EINPUT, "VM %s: malformed MAC address '%s'", s->name, s->mac),
               NULL;
    bool kvm = s->accel == MB_ACCEL_KVM;
    const char *model = s->cpu_model ? s->cpu_model : kvm ? "kvm64" : "qemu64";

    struct w w = {.b = {.max = 1 << 20}};
    put(&w, "<domain type='%s'>\n", kvm ? "kvm" : "qemu");
    put(&w, "  <name>%s</name>\n", s->name);
    put(&w, "  <memory unit='KiB'>%llu</memory>\n", (unsigned long long)(s->memory >> 10));
    put(&w, "  <currentMemory unit='KiB'>%llu</currentMemory>\n", (unsigned long long)(cur >> 10));
    put(&w, "  <vcpu>%d</vcpu>\n", s->vcpus);
    put(&w, "  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n");
    if (s->kernel)
        put(&w, "    <kernel>%s</kernel>\n", s->kernel);
    if (s->initrd)
        put(&w, "    <initrd>%s</initrd>\n", s->initrd);
    if (s->cmdline)
        put(&w, "    <cmdline>%s</cmdline>\n", s->cmdline);
    put(&w, "  </os>\n  <features><acpi/><apic/></features>\n");
    put(&w,
        "  <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>%s</model>"
        "</cpu>\n",
        model);
    put(&w, "  <clock offset='utc'/>\n  <on_poweroff>destroy</on_poweroff>\n"
            "  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n"
            "  <devices>\n");
    if (s->emulator)
        put(&w, "    <emulator>%s</emulator>\n", s->emulator);
    put(&w, "    <controller type='usb' model='none'/>\n");
    if (s->disk)
        /* cache='none': the hosts share the very file, and libvirt wants O_DIRECT for a
         * live migration with a shared disk */
        put(&w,
            "    <disk type='file' device='disk'><driver name='qemu' type='raw' cache='none' "
            "io='native'/><source file='%s'/><target dev='vda' bus='virtio'/></disk>\n",
            s->disk);
    if (s->bridge) {
        put(&w, "    <interface type='bridge'>\n      <source bridge='%s'/>\n", s->bridge);
        if (s->mac)
            put(&w, "      <mac address='%s'/>\n", s->mac);
        put(&w, "      <model type='virtio'/>\n    </interface>\n");
    }
    put(&w, "    <serial type='pty'>\n");
    if (s->console_log)
        put(&w, "      <log file='%s' append='on'/>\n", s->console_log);
    put(&w, "    </serial>\n    <console type='pty'/>\n");
    put(&w, "    <memballoon model='virtio'><stats period='%d'/></memballoon>\n",
        s->balloon_period > 0 ? s->balloon_period : 2);
    put(&w, "    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>\n"
            "  </devices>\n</domain>\n");
    if (w.failed) {
        mb_buf_free(&w.b);
        mb_error_set(err, MB_ENOMEM, "VM %s: domain XML over 1 MiB", s->name);
        return NULL;
    }
    return w.b.data;
}

int mb_domxml_guest_addr(const char *first_ip, const char *mac_prefix, int n, char ip[16],
                         char mac[18], struct mb_error *err)
{
    unsigned a, b, c, d;
    char tail;
    if (!first_ip || sscanf(first_ip, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 ||
        b > 255 || c > 255 || d > 255)
        return mb_error_set(err, MB_EINPUT, "guest first_ip '%s' is not an IPv4 address",
                            first_ip ? first_ip : "");
    if (n < 1 || d + (unsigned)n - 1 > 254)
        return mb_error_set(err, MB_EINPUT,
                            "vm %d: no address for it (first_ip %s, last octet at most 254)", n,
                            first_ip);
    char m[32];
    snprintf(m, sizeof(m), "%.11s:%02x:%02x", mac_prefix ? mac_prefix : "", (unsigned)n >> 8 & 0xff,
             (unsigned)n & 0xff);
    if (!mac_prefix || strlen(mac_prefix) != 11 || !valid_mac(m))
        return mb_error_set(err, MB_EINPUT,
                            "guest mac_prefix '%s' is not four octets like 52:54:00:4c",
                            mac_prefix ? mac_prefix : "");
    snprintf(ip, 16, "%u.%u.%u.%u", a, b, c, d + (unsigned)n - 1);
    memcpy(mac, m, 18);
    return MB_OK;
}
