/* web.c — the Webbench-like workload: workloads/guest/webserver.c in the guest and
 * bin/mb-webbench (workloads/loadclient/webbench.c) on the load client; the client's
 * pages per second are its series (timed outside the guest, so a migration's pause shows
 * as lost time). */
#include "guest.h"
#include "options.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const struct mb_option options[] = {
    {"workload.web.clients", MB_OPT_INT, MB_SCOPE_POINT, "8", MB_OPTF_MIN | MB_OPTF_MAX, 1, 4096,
     NULL, MB_WL_PARAM(web_clients), "web: concurrent clients of the load client (Webbench's -c)."},
    {"workload.web.port", MB_OPT_INT, MB_SCOPE_POINT, "8080", MB_OPTF_MIN | MB_OPTF_MAX, 1, 65535,
     NULL, MB_WL_PARAM(web_port), "web: the guest's HTTP port."},
    {"workload.web.page", MB_OPT_SIZE, MB_SCOPE_POINT, "16KiB", MB_OPTF_MIN | MB_OPTF_MAX, 1,
     64 * MB_WL_MIB, NULL, MB_WL_PARAM(web_page), "web: size of the page every request fetches."},
    {"workload.web.keepalive", MB_OPT_BOOL, MB_SCOPE_POINT, "false", 0, 0, 0, NULL,
     MB_WL_PARAM(web_keepalive),
     "web: keep connections open (HTTP/1.1); false = a new connection per request, as "
     "Webbench."},
    {"workload.web.timeout", MB_OPT_DURATION, MB_SCOPE_POINT, "5s", MB_OPTF_MIN | MB_OPTF_MAX, 10,
     600000, NULL, MB_WL_PARAM(web_timeout_ms),
     "web: a request taking longer counts as a failure."},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};

static int check(const struct mb_wl_params *p, uint64_t vm_memory, const char **key,
                 struct mb_error *err)
{
    if (p->web_port == 22 || p->web_port == MB_GUEST_PROBE_PORT)
        return mb_wl_refuse(key, "workload.web.port", err,
                            "workload.web.port: %lld is taken in the guest (ssh 22, probe %d)",
                            (long long)p->web_port, MB_GUEST_PROBE_PORT);
    if (vm_memory > 0 && p->web_page > vm_memory / 4)
        return mb_wl_refuse(key, "workload.web.page", err,
                            "workload.web.page: %llu KiB is more than a quarter of the guest's "
                            "memory (vms.memory)",
                            (unsigned long long)(p->web_page >> 10));
    return 0;
}

static unsigned long long page_kib(const struct mb_wl_params *p)
{
    unsigned long long kib = (p->web_page + 1023) / 1024;
    return kib < 1024 ? 1024 : kib;
}

static int start(const struct mb_wl_params *p, double max_s, struct mb_buf *b, struct mb_error *err)
{
    char log[64], pid[64], status[64];
    mb_wl_path(log, sizeof(log), "web", "log");
    mb_wl_path(pid, sizeof(pid), "web", "pid");
    mb_wl_path(status, sizeof(status), "web", "status");
    if (mb_buf_printf(b, "webserver -d") < 0 || mb_wl_arg(b, "-p") < 0 ||
        mb_wl_argf(b, "%lld", (long long)p->web_port) < 0 || mb_wl_arg(b, "-m") < 0 ||
        mb_wl_argf(b, "%llu", page_kib(p)) < 0 || mb_wl_arg(b, "-i") < 0 ||
        mb_wl_argf(b, "%.3f", p->interval_ms / 1000.0) < 0 || mb_wl_arg(b, "-t") < 0 ||
        mb_wl_argf(b, "%.0f", max_s) < 0 || mb_wl_arg(b, "-s") < 0 || mb_wl_arg(b, status) < 0 ||
        mb_wl_arg(b, "-P") < 0 || mb_wl_arg(b, pid) < 0 || mb_wl_redirect(b, log, false) < 0)
        return mb_error_set(err, MB_ENOMEM, "web: start command too long");
    return 0;
}

static int stop(const struct mb_wl_params *p, struct mb_buf *b)
{
    (void)p;
    char pid[64];
    mb_wl_path(pid, sizeof(pid), "web", "pid");
    return mb_wl_stop_pidfile(b, pid);
}

static int client_argv(const struct mb_wl_params *p, const char *guest_ip, double max_s,
                       char ***out, struct mb_error *err)
{
    struct in_addr a;
    if (!guest_ip || inet_pton(AF_INET, guest_ip, &a) != 1)
        return mb_error_set(err, MB_EINPUT, "web: '%s' is not a guest's IPv4 address",
                            guest_ip ? guest_ip : "");
    char **v = mb_xcalloc(16, sizeof(*v));
    size_t n = 0;
    v[n++] = mb_xstrdup("-W");
    v[n++] = mb_xstrdup("-c");
    v[n++] = mb_xasprintf("%lld", (long long)p->web_clients);
    v[n++] = mb_xstrdup("-t");
    v[n++] = mb_xasprintf("%.0f", max_s);
    v[n++] = mb_xstrdup("-i");
    v[n++] = mb_xasprintf("%.3f", p->interval_ms / 1000.0);
    v[n++] = mb_xstrdup("-T");
    v[n++] = mb_xasprintf("%.3f", p->web_timeout_ms / 1000.0);
    if (p->web_keepalive)
        v[n++] = mb_xstrdup("-k");
    v[n++] = mb_xasprintf("http://%s:%lld/%llu", guest_ip, (long long)p->web_port,
                          (unsigned long long)p->web_page);
    v[n] = NULL;
    *out = v;
    return 0;
}

static int parse(const char *text, size_t len, struct mb_series *s)
{
    static const struct mb_wl_kv_format f = {
        .prefix = "webbench",
        .cols = {"pages_s", "bytes_s", "failures", "lat_ms"},
        .units = {"pages/s", "bytes/s", "count", "ms"},
        .score_key = "pages_s",
    };
    return mb_wl_parse_kv(&f, text, len, s);
}

const struct mb_wl_driver mb_wl_web = {
    .name = "web",
    .help = "Webbench-like: an HTTP server in the guest, N clients on the load client",
    .metric = "pages/s",
    .unit = "pages/s",
    .program = "webserver",
    .options = options,
    .client = true,
    .check = check,
    .start = start,
    .stop = stop,
    .parse = parse,
    .client_argv = client_argv,
};
