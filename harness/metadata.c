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

#include "lib/json.h"
#include "remote.h"
#include "scenario.h"
#include "lib/version.h"

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

void mb_meta_profile_json(struct mb_buf *b, const struct mb_scenario *s)
{
    mb_buf_printf(b, ", \"scenario_profile\": {");
    mb_json_member(b, "", "name", s->profile ? s->profile : "none");
    mb_buf_printf(b, ", \"set\": {");
    for (size_t i = 0; i < s->nprofile_keys; i++) {
        const struct mb_setting *st = mb_scenario_setting(s, s->profile_keys[i]);
        mb_json_member(b, i ? ", " : "", s->profile_keys[i], st ? st->levels[0].text : "");
    }
    mb_buf_printf(b, "}}");
}

int mb_meta_write(const char *path, const struct mb_testbed *tb, const struct mb_meta_host *hosts,
                  int nhosts, const char *extra, struct mb_error *err)
{
    struct mb_buf b = {0};
    char kernel[128], cpu[128];
    mb_meta_local(kernel, sizeof(kernel), cpu, sizeof(cpu));
    mb_buf_append(&b, "{", 1);
    mb_json_member(&b, "\n  ", "harness_version", mb_version);
    mb_json_member(&b, ",\n  ", "testbed", tb->name);
    mb_json_member(&b, ",\n  ", "testbed_file", tb->path);
    mb_json_member(&b, ",\n  ", "testbed_profile", tb->profile ? tb->profile : "none");
    mb_json_member(&b, ",\n  ", "guest_image_hash", tb->guest.hash);
    mb_buf_printf(&b, ",\n  \"load_client\": {");
    mb_json_member(&b, "", "kernel", kernel);
    mb_json_member(&b, ", ", "cpu", cpu);
    mb_buf_printf(&b, ", \"cpus\": %ld}", sysconf(_SC_NPROCESSORS_ONLN));
    int shared = mb_testbed_cpus_shared(tb);
    mb_buf_printf(&b, ",\n  \"hosts_share_cpus\": %s",
                  shared < 0 ? "null"
                  : shared   ? "true"
                             : "false");
    if (extra && *extra)
        mb_buf_printf(&b, ",\n  %s", extra);
    mb_buf_printf(&b, ",\n  \"hosts\": [");
    for (int i = 0; i < nhosts; i++) {
        const struct mb_meta_host *m = &hosts[i];
        const struct mb_host *h = m->host;
        mb_buf_printf(&b, "%s\n    {", i ? "," : "");
        mb_json_member(&b, "", "name", h->name);
        mb_json_member(&b, ", ", "uri", h->uri);
        mb_json_member(&b, ", ", "accel", h->accel == MB_ACCEL_KVM ? "kvm" : "tcg");
        mb_json_member(&b, ", ", "emulator", h->emulator);
        mb_json_member(&b, ",\n     ", "cpus_allowed", h->cpus);
        mb_buf_printf(&b, ", \"memory_allowed\": %llu", (unsigned long long)h->memory);
        mb_buf_printf(&b, ", \"cpu_max_pct\": %.6g, \"link_rate_bps\": %llu", h->cpu_max,
                      (unsigned long long)h->link_rate);
        mb_json_member(&b, ",\n     ", "hypervisor", m->info.hypervisor);
        mb_json_member(&b, ", ", "driver", m->info.driver);
        mb_json_member(&b, ", ", "libvirt", m->info.libvirt);
        mb_json_member(&b, ", ", "hostname", m->info.hostname);
        mb_json_member(&b, ",\n     ", "cpu_model", m->info.cpu_model);
        mb_json_member(&b, ", ", "cpu", m->cpu_brand);
        mb_buf_printf(&b, ", \"cpus\": %d, \"memory\": %llu", m->info.cpus,
                      (unsigned long long)m->info.memory);
        mb_json_member(&b, ", ", "kernel", m->kernel);
        if (m->error[0])
            mb_json_member(&b, ", ", "error", m->error);
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
