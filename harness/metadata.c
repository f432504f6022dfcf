/* metadata.c — environment provenance of a campaign. */
#include "metadata.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "remote.h"
#include "lib/version.h"

void mb_json_string(struct mb_buf *b, const char *s)
{
    mb_buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            mb_buf_append(b, e, 2);
        } else if (*p < 0x20) {
            mb_buf_printf(b, "\\u%04x", *p);
        } else {
            mb_buf_append(b, (const char *)p, 1);
        }
    }
    mb_buf_append(b, "\"", 1);
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

static void cpu_brand_from(const char *cpuinfo, char *out, size_t len)
{
    const char *m = strstr(cpuinfo, "model name");
    out[0] = '\0';
    if (!m)
        return;
    const char *colon = strchr(m, ':');
    if (!colon)
        return;
    colon++;
    while (*colon == ' ' || *colon == '\t')
        colon++;
    size_t n = strcspn(colon, "\n");
    snprintf(out, len, "%.*s", (int)n, colon);
}

void mb_meta_host_collect(const struct mb_host *h, const struct mb_hv_ops *hv_ops,
                          const struct mb_remote_ops *ssh_ops, struct mb_meta_host *out)
{
    memset(out, 0, sizeof(*out));
    out->host = h;
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_hv *hv = NULL;
    if (mb_hv_open(hv_ops, h->uri, &hv, &err) == 0 && mb_hv_host_info(hv, &out->info, &err) == 0)
        out->reachable = 1;
    else
        snprintf(out->error, sizeof(out->error), "libvirt: %.240s", err.msg);
    mb_hv_close(hv);
    if (!h->ssh.address)
        return;
    struct mb_remote_target t = {
        .address = h->ssh.address,
        .port = h->ssh.port,
        .user = h->ssh.user,
        .key = h->ssh.key,
        .known_hosts = h->ssh.known_hosts,
        .connect_timeout_s = 5,
    };
    struct mb_remote *r = NULL;
    if (mb_remote_open(ssh_ops, &t, &r, &err) < 0) {
        if (!out->error[0])
            snprintf(out->error, sizeof(out->error), "ssh: %.240s", err.msg);
        return;
    }
    char *text = NULL;
    if (mb_remote_run(r, "uname -sr", 10, &text, &err) == 0) {
        snprintf(out->kernel, sizeof(out->kernel), "%s", text);
        trim(out->kernel);
    }
    free(text);
    text = NULL;
    if (mb_remote_run(r, "cat /proc/cpuinfo", 10, &text, &err) == 0)
        cpu_brand_from(text, out->cpu_brand, sizeof(out->cpu_brand));
    free(text);
    mb_remote_close(r);
}

void mb_meta_local(char *kernel, size_t klen, char *cpu, size_t clen)
{
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(kernel, klen, "%s %s", u.sysname, u.release);
    else
        snprintf(kernel, klen, "?");
    cpu[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    cpu_brand_from(buf, cpu, clen);
}

void mb_meta_hypervisor_text(const struct mb_meta_host *h, char *buf, size_t len)
{
    if (!h->reachable)
        snprintf(buf, len, "unknown");
    else
        snprintf(buf, len, "%s / libvirt %s", h->info.hypervisor, h->info.libvirt);
}

int mb_meta_write(const char *path, const struct mb_testbed *tb, const struct mb_meta_host *hosts,
                  int nhosts, const char *extra, struct mb_error *err)
{
    struct mb_buf b = {0};
    char kernel[128], cpu[128];
    mb_meta_local(kernel, sizeof(kernel), cpu, sizeof(cpu));
    mb_buf_printf(&b, "{\n  \"harness_version\": ");
    mb_json_string(&b, mb_version);
    mb_buf_printf(&b, ",\n  \"testbed\": ");
    mb_json_string(&b, tb->name);
    mb_buf_printf(&b, ",\n  \"testbed_file\": ");
    mb_json_string(&b, tb->path);
    mb_buf_printf(&b, ",\n  \"guest_image_hash\": ");
    mb_json_string(&b, tb->guest.hash ? tb->guest.hash : "");
    mb_buf_printf(&b, ",\n  \"load_client\": {\"kernel\": ");
    mb_json_string(&b, kernel);
    mb_buf_printf(&b, ", \"cpu\": ");
    mb_json_string(&b, cpu);
    mb_buf_printf(&b, ", \"cpus\": %ld}", sysconf(_SC_NPROCESSORS_ONLN));
    if (extra && *extra)
        mb_buf_printf(&b, ",\n  %s", extra);
    mb_buf_printf(&b, ",\n  \"hosts\": [");
    for (int i = 0; i < nhosts; i++) {
        const struct mb_meta_host *m = &hosts[i];
        const struct mb_host *h = m->host;
        mb_buf_printf(&b, "%s\n    {\"name\": ", i ? "," : "");
        mb_json_string(&b, h->name);
        mb_buf_printf(&b, ", \"uri\": ");
        mb_json_string(&b, h->uri);
        mb_buf_printf(
            &b, ", \"accel\": \"%s\", \"emulator\": ", h->accel == MB_ACCEL_KVM ? "kvm" : "tcg");
        mb_json_string(&b, h->emulator ? h->emulator : "");
        mb_buf_printf(&b, ",\n     \"cpus_allowed\": ");
        mb_json_string(&b, h->cpus ? h->cpus : "");
        mb_buf_printf(&b, ", \"memory_allowed\": %llu", (unsigned long long)h->memory);
        mb_buf_printf(&b, ",\n     \"hypervisor\": ");
        mb_json_string(&b, m->info.hypervisor);
        mb_buf_printf(&b, ", \"driver\": ");
        mb_json_string(&b, m->info.driver);
        mb_buf_printf(&b, ", \"libvirt\": ");
        mb_json_string(&b, m->info.libvirt);
        mb_buf_printf(&b, ", \"hostname\": ");
        mb_json_string(&b, m->info.hostname);
        mb_buf_printf(&b, ",\n     \"cpu_model\": ");
        mb_json_string(&b, m->info.cpu_model);
        mb_buf_printf(&b, ", \"cpu\": ");
        mb_json_string(&b, m->cpu_brand);
        mb_buf_printf(&b, ", \"cpus\": %d, \"memory\": %llu, \"kernel\": ", m->info.cpus,
                      (unsigned long long)m->info.memory);
        mb_json_string(&b, m->kernel);
        if (m->error[0]) {
            mb_buf_printf(&b, ", \"error\": ");
            mb_json_string(&b, m->error);
        }
        mb_buf_printf(&b, "}");
    }
    mb_buf_printf(&b, "\n  ]\n}\n");

    char *tmp = mb_xasprintf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = 0;
    if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) != 0) {
        rc = mb_error_at(err, MB_EIO, tmp, 0, 0, "cannot write: %s", strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = mb_error_at(err, MB_EIO, path, 0, 0, "cannot rename into place: %s", strerror(errno));
    if (rc)
        unlink(tmp);
    free(tmp);
    mb_buf_free(&b);
    return rc;
}
