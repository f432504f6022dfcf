/* mb-webbench — a Webbench-like HTTP load client: the load-client side of the web
 * workload (the paper ran Webbench against Apache in the migrating guest).  It runs on
 * the load client (the lab's root namespace), not in a guest.
 *
 *   mb-webbench [-c CLIENTS] [-t SECONDS] [-i INTERVAL] [-k] [-0] [-T TIMEOUT] [-W] URL...
 *
 * CLIENTS (default 8) clients each fetch the URLs (http://HOST[:PORT]/PATH; several are
 * taken in turn) one request after another, without think time, for SECONDS (default
 * 30; 0 = until SIGTERM/SIGINT).  Like Webbench, by default each request is HTTP/1.0
 * on a new connection; -k keeps connections open (HTTP/1.1 keep-alive), -0 with -k
 * sends HTTP/1.0 with "Connection: keep-alive".  A request fails when it cannot connect,
 * the answer is not "200" with a complete body, or it takes longer than TIMEOUT
 * seconds (default 5); a client that cannot connect waits 10 ms before trying again.
 * -W ends it, as SIGTERM does, when the process that started it ends (migbench starts
 * it so: a killed harness leaves no load behind).
 *
 * Output (stdout):
 *   webbench start urls=1 url=http://10.0.0.101:8080/16k clients=8 keepalive=0 http=1.0
 *       timeout=5.000 interval=1.000 wall=<unix time of t=0>
 *   webbench t=1.000 dt=1.000 pages=412 bytes=6762542 failures=0 pages_s=412.0
 *       bytes_s=6762542.0 lat_ms=19.31
 *       every INTERVAL seconds (default 1), and once more at the end for the last,
 *       shorter interval: pages fetched, bytes received (headers and bodies), requests
 *       failed, and the mean time of the interval's successful requests
 *   webbench final t=30.001 pages=... bytes=... failures=... pages_s=... bytes_s=...
 * A request is counted in the interval in which it ends.  Exit status: 0, 1 setup
 * failure (a URL's host does not resolve), 2 bad usage. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <strings.h>
#include <sys/socket.h>

#include "workload.h"

#define MAX_URLS    64
#define MAX_CLIENTS 4096
#define SLICE_MS    100 /* longest wait between looks at the stop flag */

struct url {
    char text[512];
    char host[256];
    char port[8];
    char path[256];
    char request[2][768]; /* [close, keep-alive] */
    size_t request_len[2];
    struct sockaddr_storage addr;
    socklen_t addrlen;
};

struct bench {
    struct url urls[MAX_URLS];
    int nurls;
    int clients, keepalive, http10, watch_parent;
    double timeout, seconds, interval;
    atomic_int stop;
    atomic_ullong pages, bytes, failures, lat_us;
};

static int parse_url(struct bench *b, struct url *u, const char *s)
{
    if (snprintf(u->text, sizeof(u->text), "%s", s) >= (int)sizeof(u->text) ||
        strncmp(s, "http://", 7)) {
        fprintf(stderr, "mb-webbench: '%s' is not an http:// URL\n", s);
        return -1;
    }
    const char *h = s + 7, *slash = strchr(h, '/');
    const char *end = slash ? slash : h + strlen(h);
    const char *colon = memchr(h, ':', (size_t)(end - h));
    size_t hl = (size_t)((colon ? colon : end) - h);
    if (hl == 0 || hl >= sizeof(u->host)) {
        fprintf(stderr, "mb-webbench: '%s': bad host\n", s);
        return -1;
    }
    memcpy(u->host, h, hl);
    u->host[hl] = '\0';
    size_t pl = colon ? (size_t)(end - colon - 1) : 0;
    if (colon && (pl == 0 || pl >= sizeof(u->port) || strspn(colon + 1, "0123456789") < pl)) {
        fprintf(stderr, "mb-webbench: '%s': bad port\n", s);
        return -1;
    }
    snprintf(u->port, sizeof(u->port), "%.*s", (int)(colon ? pl : 2), colon ? colon + 1 : "80");
    if (snprintf(u->path, sizeof(u->path), "%s", slash ? slash : "/") >= (int)sizeof(u->path)) {
        fprintf(stderr, "mb-webbench: '%s': path too long\n", s);
        return -1;
    }
    for (const char *p = u->path; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            fprintf(stderr, "mb-webbench: '%s': the path has a space or control character\n", s);
            return -1;
        }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    int rc = getaddrinfo(u->host, u->port, &hints, &ai);
    if (rc != 0) {
        fprintf(stderr, "mb-webbench: %s: %s\n", u->host, gai_strerror(rc));
        return -2;
    }
    memcpy(&u->addr, ai->ai_addr, ai->ai_addrlen);
    u->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    for (int ka = 0; ka < 2; ka++) {
        const char *ver = b->http10 || !ka ? "1.0" : "1.1";
        char req[sizeof(u->request[ka])];
        int n = snprintf(req, sizeof(req),
                         "GET %s HTTP/%s\r\nHost: %s%s%s\r\nUser-Agent: mb-webbench\r\n"
                         "Connection: %s\r\n\r\n",
                         u->path, ver, u->host, colon ? ":" : "", colon ? u->port : "",
                         ka ? "keep-alive" : "close");
        memcpy(u->request[ka], req, sizeof(req));
        u->request_len[ka] = (size_t)n < sizeof(req) ? (size_t)n : sizeof(req) - 1;
    }
    return 0;
}

/* Wait for events on fd until the deadline, a slice at a time.  1 ready, 0 timed out,
 * -1 stopped. */
static int wait_fd(struct bench *b, int fd, short events, double deadline)
{
    for (;;) {
        if (atomic_load_explicit(&b->stop, memory_order_relaxed))
            return -1;
        double left = deadline - wl_now();
        if (left <= 0)
            return 0;
        int ms = left * 1000 < SLICE_MS ? (int)(left * 1000) + 1 : SLICE_MS;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, ms);
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return 0;
    }
}

static int open_conn(struct bench *b, const struct url *u, double deadline)
{
    int fd = socket(u->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (const struct sockaddr *)&u->addr, u->addrlen) != 0) {
        if (errno != EINPROGRESS || wait_fd(b, fd, POLLOUT, deadline) != 1) {
            close(fd);
            return -1;
        }
        int err = 0;
        socklen_t el = sizeof(err);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

enum { REQ_OK, REQ_FAILED, REQ_STOPPED };

/* One request on *fd (a new connection when *fd < 0).  Counts the bytes received in
 * *got; leaves *fd open for the next request when the connection may be reused. */
static int request(struct bench *b, const struct url *u, int *fd, unsigned long long *got)
{
    double deadline = wl_now() + b->timeout;
    int ka = b->keepalive;
    if (*fd < 0) {
        *fd = open_conn(b, u, deadline);
        if (*fd < 0)
            return atomic_load(&b->stop) ? REQ_STOPPED : REQ_FAILED;
    }
    size_t off = 0, len = u->request_len[ka];
    while (off < len) {
        ssize_t n = send(*fd, u->request[ka] + off, len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            int w = wait_fd(b, *fd, POLLOUT, deadline);
            if (w == 1)
                continue;
            return w < 0 ? REQ_STOPPED : REQ_FAILED;
        }
        return REQ_FAILED;
    }
    /* the response: headers, then Content-Length bytes of body (or up to EOF) */
    char buf[16384];
    size_t have = 0, hdr_end = 0;
    long long body_want = -1, body_got = 0;
    int status = 0, server_close = 0;
    for (;;) {
        ssize_t n =
            recv(*fd, hdr_end ? buf : buf + have, hdr_end ? sizeof(buf) : sizeof(buf) - have, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            int w = wait_fd(b, *fd, POLLIN, deadline);
            if (w == 1)
                continue;
            return w < 0 ? REQ_STOPPED : REQ_FAILED;
        }
        if (n < 0)
            return REQ_FAILED;
        if (n == 0) { /* end of stream: complete only when the body had no length */
            if (hdr_end && body_want < 0)
                break;
            return REQ_FAILED;
        }
        *got += (unsigned long long)n;
        if (hdr_end) {
            body_got += n;
        } else {
            have += (size_t)n;
            char *e = memmem(buf, have, "\r\n\r\n", 4);
            if (!e) {
                if (have == sizeof(buf))
                    return REQ_FAILED; /* headers this long: not our server */
                continue;
            }
            hdr_end = (size_t)(e - buf) + 4;
            if (have < 12 || strncmp(buf, "HTTP/1.", 7))
                return REQ_FAILED;
            status = atoi(buf + 9);
            for (char *line = strstr(buf, "\r\n"); line && line + 2 < buf + hdr_end;
                 line = strstr(line + 2, "\r\n")) {
                char *h = line + 2;
                if (!strncasecmp(h, "Content-Length:", 15))
                    body_want = atoll(h + 15);
                else if (!strncasecmp(h, "Connection:", 11) && strstr(h, "close") &&
                         strstr(h, "close") < strstr(h, "\r\n"))
                    server_close = 1;
            }
            body_got = (long long)(have - hdr_end);
        }
        if (body_want >= 0 && body_got >= body_want)
            break;
    }
    if (!ka || server_close || (body_want >= 0 && body_got > body_want)) {
        close(*fd);
        *fd = -1;
    }
    return status == 200 && (body_want < 0 || body_got == body_want) ? REQ_OK : REQ_FAILED;
}

static void *client_run(void *arg)
{
    struct bench *b = arg;
    static atomic_int next_client;
    int id = atomic_fetch_add(&next_client, 1), fd = -1;
    for (unsigned long i = (unsigned long)id; !atomic_load_explicit(&b->stop, memory_order_relaxed);
         i++) {
        const struct url *u = &b->urls[i % (unsigned long)b->nurls];
        unsigned long long got = 0;
        double t = wl_now();
        int r = request(b, u, &fd, &got);
        if (r == REQ_STOPPED)
            break;
        if (r == REQ_OK) {
            atomic_fetch_add(&b->pages, 1);
            atomic_fetch_add(&b->bytes, got);
            atomic_fetch_add(&b->lat_us, (unsigned long long)((wl_now() - t) * 1e6));
        } else {
            atomic_fetch_add(&b->failures, 1);
            if (fd >= 0) {
                close(fd);
                fd = -1;
            }
            wl_sleep(0.01);
        }
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static const char usage[] =
    "usage: mb-webbench [-c CLIENTS] [-t SECONDS] [-i INTERVAL] [-k] [-0] [-T TIMEOUT] [-W]\n"
    "                   URL...\n"
    "Fetches http:// URLs with CLIENTS concurrent clients (default 8) for SECONDS\n"
    "(default 30, 0 = until SIGTERM); prints pages/s, bytes/s and failures every\n"
    "INTERVAL seconds (default 1).  -k: keep-alive (HTTP/1.1); -0: HTTP/1.0 with -k;\n"
    "TIMEOUT: seconds a request may take (default 5).  -W: end with the parent.\n";

int main(int argc, char **argv)
{
    static struct bench b = {.clients = 8, .timeout = 5, .seconds = 30, .interval = 1};
    const struct wl_opt opts[] = {{'c', WL_INT, &b.clients},       {'t', WL_NUMBER, &b.seconds},
                                  {'i', WL_NUMBER, &b.interval},   {'k', WL_FLAG, &b.keepalive},
                                  {'0', WL_FLAG, &b.http10},       {'T', WL_NUMBER, &b.timeout},
                                  {'W', WL_FLAG, &b.watch_parent}, {0, 0, NULL}};
    struct wl_prog prog = {.name = "mb-webbench", .usage = usage, .opts = opts};
    int first_url = wl_parse_options(&prog, argc, argv);
    if (first_url == argc || argc - first_url > MAX_URLS || b.clients < 1 ||
        b.clients > MAX_CLIENTS || b.interval < 0.05 || b.timeout < 0.01)
        return wl_usage_error(&prog);
    for (int i = first_url; i < argc; i++) {
        int rc = parse_url(&b, &b.urls[b.nurls++], argv[i]);
        if (rc < 0)
            return rc == -1 ? 2 : 1;
    }
    pid_t parent = getppid();
    wl_catch_stop_signals();

    /* the clients never see the stop signals: the main thread waits for them */
    sigset_t old;
    wl_block_stop_signals(&old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t *th = calloc((size_t)b.clients, sizeof(*th));
    if (!th) {
        perror("mb-webbench");
        return 1;
    }
    double t0 = wl_now(), wall0 = wl_wall();
    int started = 0;
    for (; started < b.clients; started++)
        if (pthread_create(&th[started], &attr, client_run, &b) != 0) {
            perror("mb-webbench: pthread_create");
            break;
        }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    printf("webbench start urls=%d url=%s clients=%d keepalive=%d http=%s timeout=%.3f "
           "interval=%.3f wall=%.3f\n",
           b.nurls, b.urls[0].text, started, b.keepalive, b.http10 || !b.keepalive ? "1.0" : "1.1",
           b.timeout, b.interval, wall0);
    fflush(stdout);

    unsigned long long lp = 0, lb = 0, lf = 0, ll = 0;
    double tlast = t0, next = t0 + b.interval;
    for (int last = 0; !last;) {
        double now = wl_now();
        if (wl_stop || (b.seconds > 0 && now - t0 >= b.seconds) || started < b.clients ||
            (b.watch_parent && getppid() != parent)) {
            atomic_store(&b.stop, 1);
            for (int i = 0; i < started; i++)
                pthread_join(th[i], NULL);
            now = wl_now();
            last = 1;
        } else if (now < next) {
            double until = next - now;
            if (b.watch_parent && until > 0.25)
                until = 0.25; /* a look at the parent four times a second */
            if (b.seconds > 0 && t0 + b.seconds - now < until)
                until = t0 + b.seconds - now;
            wl_sleep(until);
            continue;
        }
        double dt = now - tlast;
        if (dt < 1e-3)
            break;
        unsigned long long p = atomic_load(&b.pages), by = atomic_load(&b.bytes),
                           f = atomic_load(&b.failures), l = atomic_load(&b.lat_us);
        printf("webbench t=%.3f dt=%.3f pages=%llu bytes=%llu failures=%llu pages_s=%.1f "
               "bytes_s=%.1f lat_ms=%.2f\n",
               now - t0, dt, p - lp, by - lb, f - lf, (double)(p - lp) / dt, (double)(by - lb) / dt,
               p > lp ? (double)(l - ll) / 1000.0 / (double)(p - lp) : 0.0);
        fflush(stdout);
        lp = p, lb = by, lf = f, ll = l;
        tlast = now;
        while (next <= now)
            next += b.interval;
    }
    double t = wl_now() - t0;
    unsigned long long p = atomic_load(&b.pages), by = atomic_load(&b.bytes);
    printf("webbench final t=%.3f pages=%llu bytes=%llu failures=%llu pages_s=%.1f bytes_s=%.1f\n",
           t, p, by, (unsigned long long)atomic_load(&b.failures), t > 0 ? (double)p / t : 0.0,
           t > 0 ? (double)by / t : 0.0);
    fflush(stdout);
    free(th);
    return started == b.clients ? 0 : 1;
}
