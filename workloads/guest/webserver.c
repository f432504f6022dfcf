/* webserver — a small static HTTP/1.0 and 1.1 server: the guest side of the Webbench
 * workload (the paper ran Apache in the guest and Webbench on another machine).
 *
 *   webserver [-p PORT] [-a ADDRESS] [-m MAX_PAGE_KIB] [-c MAX_CONNECTIONS]
 *             [-i INTERVAL] [-t SECONDS] [-s STATUS_FILE] [-P PID_FILE] [-d]
 *
 * Pages are generated in memory at start (HTML text, deterministic), so the server does
 * no disk I/O:
 *   GET /            an index (about 1 KiB) linking the sizes below
 *   GET /SIZE        a page of exactly SIZE bytes: 1k, 4k, 16k, 64k, 256k, or any size
 *                    written as digits with an optional k or m suffix (16384, 16k, 1m), up
 *                    to MAX_PAGE_KIB (default 1024)
 * GET and HEAD; HTTP/1.1 keeps the connection open unless the client says
 * "Connection: close", HTTP/1.0 closes it unless the client says "keep-alive";
 * pipelined requests are answered in order.  Anything else gets 400, 404, 405, 414 or
 * 505, and the connection is closed.  One thread, epoll, non-blocking sockets; at most
 * MAX_CONNECTIONS (default 1024) open at once (more are accepted and closed at once).
 *
 * Output (stdout):
 *   webserver start port=8080 max_page_kib=1024 wall=<unix time of t=0>
 *   webserver t=1.000 dt=1.000 requests=812 bytes=13312000 conns=8 errors=0
 *       every INTERVAL seconds (default 1): requests answered, body and header bytes
 *       sent, connections open and requests answered with an error in the interval
 *   webserver final t=60.0 requests=... bytes=... accepted=... errors=...
 * STATUS_FILE (-s), rewritten atomically with every report, key=value lines:
 *   pid= state=running|stopped t= requests= bytes= (totals) conns= wall=
 * -d detaches once the socket listens and prints the pid.  Ends on SIGTERM/SIGINT, or
 * after SECONDS (-t).
 * Exit status: 0, 1 setup failure, 2 bad usage. */
#include <ctype.h>
#include <stdint.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "workload.h"

#define REQ_MAX 8192 /* a request's line and headers */
#define HDR_MAX 256

struct conn {
    int fd;
    char in[REQ_MAX];
    size_t in_len;
    char hdr[HDR_MAX];
    size_t hdr_len, hdr_off;
    const char *body;
    size_t body_len, body_off;
    int keep_alive, writing;
};

struct server {
    int lfd, ep;
    char *page; /* the largest page; smaller ones are its prefixes */
    size_t page_max;
    char index[1024];
    size_t index_len;
    int nconns, max_conns;
    unsigned long long requests, bytes, errors, accepted;
};

static void make_pages(struct server *s)
{
    static const char *const words[] = {"migration", "reservation", "warehouse", "throughput",
                                        "downtime",  "bandwidth",   "memory",    "guest",
                                        "host",      "page",        "dirty",     "copy"};
    s->page = malloc(s->page_max);
    if (!s->page) {
        perror("webserver: pages");
        exit(1);
    }
    size_t n = 0;
    uint32_t x = 12345;
    static const char head[] = "<!DOCTYPE html>\n<html><head><title>migbench</title></head>"
                               "<body>\n<p>";
    memcpy(s->page, head, sizeof(head) - 1 < s->page_max ? sizeof(head) - 1 : s->page_max);
    n = sizeof(head) - 1 < s->page_max ? sizeof(head) - 1 : s->page_max;
    while (n < s->page_max) {
        x = x * 1103515245u + 12345u;
        const char *w = words[(x >> 16) % (sizeof(words) / sizeof(words[0]))];
        for (; *w && n < s->page_max; w++)
            s->page[n++] = *w;
        if (n < s->page_max)
            s->page[n++] = (x >> 8) % 13 == 0 ? '\n' : ' ';
    }
    int len =
        snprintf(s->index, sizeof(s->index),
                 "<!DOCTYPE html>\n<html><head><title>migbench webserver</title></head>"
                 "<body>\n<h1>migbench webserver</h1>\n<ul>\n"
                 "<li><a href=\"/1k\">1 KiB</a></li>\n<li><a href=\"/4k\">4 KiB</a></li>\n"
                 "<li><a href=\"/16k\">16 KiB</a></li>\n<li><a href=\"/64k\">64 KiB</a></li>\n"
                 "<li><a href=\"/256k\">256 KiB</a></li>\n</ul>\n<p>Any size up to %zu "
                 "KiB: /SIZE, e.g. /12345 or /100k.</p>\n</body></html>\n",
                 s->page_max / 1024);
    s->index_len = (size_t)len < sizeof(s->index) ? (size_t)len : sizeof(s->index) - 1;
}

/* "/16k" -> 16384; -1 when the path is not a size or is too large. */
static long long page_size(const char *path, size_t len, size_t max)
{
    if (len < 2 || path[0] != '/')
        return -1;
    unsigned long long v = 0;
    size_t i = 1;
    for (; i < len && isdigit((unsigned char)path[i]); i++) {
        v = v * 10 + (unsigned)(path[i] - '0');
        if (v > max)
            return -1;
    }
    if (i == 1)
        return -1;
    if (i < len && (path[i] == 'k' || path[i] == 'K')) {
        v *= 1024;
        i++;
    } else if (i < len && (path[i] == 'm' || path[i] == 'M')) {
        v *= 1048576;
        i++;
    }
    if (i != len || v > max)
        return -1;
    return (long long)v;
}

static void set_response(struct server *s, struct conn *c, int code, const char *reason,
                         const char *body, size_t body_len, int head_only)
{
    int n = snprintf(c->hdr, sizeof(c->hdr),
                     "HTTP/1.1 %d %s\r\nServer: migbench-webserver\r\nContent-Type: text/html\r\n"
                     "Content-Length: %zu\r\nConnection: %s\r\n\r\n",
                     code, reason, body_len, c->keep_alive ? "keep-alive" : "close");
    c->hdr_len = (size_t)n < sizeof(c->hdr) ? (size_t)n : sizeof(c->hdr) - 1;
    c->hdr_off = 0;
    c->body = body;
    c->body_len = head_only ? 0 : body_len;
    c->body_off = 0;
    c->writing = 1;
    if (code != 200)
        s->errors++;
}

/* A header's value if line (without CRLF) is that header, else NULL. */
static const char *header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
        return NULL;
    const char *v = line + n + 1;
    while (v < line + len && (*v == ' ' || *v == '\t'))
        v++;
    *vlen = (size_t)(line + len - v);
    return v;
}

static int has_token(const char *v, size_t len, const char *tok)
{
    size_t n = strlen(tok);
    for (size_t i = 0; i + n <= len; i++)
        if (!strncasecmp(v + i, tok, n))
            return 1;
    return 0;
}

/* Parse one complete request (hlen bytes, up to and including the blank line) and set
 * the response. */
static void handle_request(struct server *s, struct conn *c, const char *req, size_t hlen)
{
    static const char msg400[] = "<html><body>400 bad request</body></html>\n";
    static const char msg404[] = "<html><body>404 not found</body></html>\n";
    static const char msg405[] = "<html><body>405 method not allowed</body></html>\n";
    static const char msg505[] = "<html><body>505 HTTP version not supported</body></html>\n";
    const char *eol = memchr(req, '\n', hlen);
    size_t ll = (size_t)(eol - req);
    if (ll > 0 && req[ll - 1] == '\r')
        ll--;
    /* METHOD SP PATH SP HTTP/x.y */
    const char *sp1 = memchr(req, ' ', ll);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(req + ll - sp1 - 1)) : NULL;
    c->keep_alive = 0;
    if (!sp1 || !sp2 || sp2 == sp1 + 1) {
        set_response(s, c, 400, "Bad Request", msg400, sizeof(msg400) - 1, 0);
        return;
    }
    size_t mlen = (size_t)(sp1 - req);
    const char *path = sp1 + 1, *ver = sp2 + 1;
    size_t plen = (size_t)(sp2 - path), vlen = (size_t)(req + ll - ver);
    int minor;
    if (vlen == 8 && !strncmp(ver, "HTTP/1.1", 8))
        minor = 1;
    else if (vlen == 8 && !strncmp(ver, "HTTP/1.0", 8))
        minor = 0;
    else {
        set_response(
            s, c, vlen >= 5 && !strncmp(ver, "HTTP/", 5) ? 505 : 400,
            vlen >= 5 && !strncmp(ver, "HTTP/", 5) ? "HTTP Version Not Supported" : "Bad Request",
            vlen >= 5 && !strncmp(ver, "HTTP/", 5) ? msg505 : msg400,
            vlen >= 5 && !strncmp(ver, "HTTP/", 5) ? sizeof(msg505) - 1 : sizeof(msg400) - 1, 0);
        return;
    }
    /* headers: only Connection matters */
    int ka = minor == 1;
    for (const char *line = eol + 1; line < req + hlen;) {
        const char *e = memchr(line, '\n', (size_t)(req + hlen - line));
        if (!e)
            break;
        size_t len = (size_t)(e - line);
        if (len > 0 && line[len - 1] == '\r')
            len--;
        size_t vl;
        const char *v = header_value(line, len, "Connection", &vl);
        if (v && has_token(v, vl, "close"))
            ka = 0;
        else if (v && has_token(v, vl, "keep-alive"))
            ka = 1;
        line = e + 1;
    }
    c->keep_alive = ka;
    int head = mlen == 4 && !strncmp(req, "HEAD", 4);
    if (!head && !(mlen == 3 && !strncmp(req, "GET", 3))) {
        c->keep_alive = 0;
        set_response(s, c, 405, "Method Not Allowed", msg405, sizeof(msg405) - 1, 0);
        return;
    }
    const char *q = memchr(path, '?', plen);
    if (q)
        plen = (size_t)(q - path);
    if (plen == 1 && path[0] == '/') {
        set_response(s, c, 200, "OK", s->index, s->index_len, head);
        return;
    }
    long long size = page_size(path, plen, s->page_max);
    if (size < 0) {
        set_response(s, c, 404, "Not Found", msg404, sizeof(msg404) - 1, head);
        return;
    }
    set_response(s, c, 200, "OK", s->page, (size_t)size, head);
}

static void conn_close(struct server *s, struct conn *c)
{
    epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
    s->nconns--;
}

static void want(struct server *s, struct conn *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Send what is pending.  Returns 1 when everything went, 0 when the socket is full,
 * -1 on an error. */
static int flush_out(struct server *s, struct conn *c)
{
    while (c->hdr_off < c->hdr_len || c->body_off < c->body_len) {
        struct iovec iov[2];
        int n = 0;
        if (c->hdr_off < c->hdr_len)
            iov[n++] = (struct iovec){c->hdr + c->hdr_off, c->hdr_len - c->hdr_off};
        if (c->body_off < c->body_len)
            iov[n++] = (struct iovec){(void *)(c->body + c->body_off), c->body_len - c->body_off};
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -1;
        }
        s->bytes += (unsigned long long)w;
        size_t left = (size_t)w, h = c->hdr_len - c->hdr_off;
        if (left >= h) {
            c->hdr_off = c->hdr_len;
            c->body_off += left - h;
        } else {
            c->hdr_off += left;
        }
    }
    c->writing = 0;
    s->requests++;
    return 1;
}

/* Answer every complete request in the input buffer, in order; returns -1 when the
 * connection should close now. */
static int serve(struct server *s, struct conn *c)
{
    for (;;) {
        if (c->writing) {
            int r = flush_out(s, c);
            if (r < 0)
                return -1;
            if (r == 0) {
                want(s, c, EPOLLOUT);
                return 0;
            }
            if (!c->keep_alive) {
                shutdown(c->fd, SHUT_WR);
                return -1;
            }
        }
        /* the end of the next request's headers */
        size_t hlen = 0;
        for (size_t i = 0; i < c->in_len; i++)
            if (c->in[i] == '\n' && ((i >= 1 && c->in[i - 1] == '\n') ||
                                     (i >= 2 && c->in[i - 1] == '\r' && c->in[i - 2] == '\n'))) {
                hlen = i + 1;
                break;
            }
        if (hlen == 0) {
            if (c->in_len == sizeof(c->in)) { /* headers too long */
                static const char msg[] = "<html><body>431 request too large</body></html>\n";
                c->keep_alive = 0;
                set_response(s, c, 431, "Request Header Fields Too Large", msg, sizeof(msg) - 1, 0);
                c->in_len = 0;
                continue;
            }
            want(s, c, EPOLLIN);
            return 0;
        }
        /* a request body (Content-Length) is not expected for GET/HEAD: ignored */
        handle_request(s, c, c->in, hlen);
        memmove(c->in, c->in + hlen, c->in_len - hlen);
        c->in_len -= hlen;
    }
}

static void on_readable(struct server *s, struct conn *c)
{
    for (;;) {
        if (c->in_len == sizeof(c->in))
            break;
        ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
        if (n > 0) {
            c->in_len += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        /* end of input or an error: whatever is queued is dropped */
        conn_close(s, c);
        return;
    }
    if (serve(s, c) < 0)
        conn_close(s, c);
}

static void on_accept(struct server *s)
{
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
                perror("webserver: accept");
            return;
        }
        s->accepted++;
        struct conn *c = s->nconns < s->max_conns ? calloc(1, sizeof(*c)) : NULL;
        if (!c) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            free(c);
            continue;
        }
        s->nconns++;
    }
}

static const char usage[] =
    "usage: webserver [-p PORT] [-a ADDRESS] [-m MAX_PAGE_KIB] [-c MAX_CONNECTIONS]\n"
    "                 [-i INTERVAL] [-t SECONDS] [-s STATUS_FILE] [-P PID_FILE] [-d]\n"
    "Serves / and /SIZE (e.g. /16k) from memory over HTTP/1.0 and 1.1 (default port 8080).\n";

int main(int argc, char **argv)
{
    struct server s = {.max_conns = 1024};
    const char *addr = NULL, *status = NULL;
    int port = 8080;
    double page_kib = 1024, interval = 1, seconds = 0;
    const struct wl_opt opts[] = {{'p', WL_INT, &port},        {'a', WL_STRING, &addr},
                                  {'m', WL_NUMBER, &page_kib}, {'c', WL_INT, &s.max_conns},
                                  {'i', WL_NUMBER, &interval}, {'t', WL_NUMBER, &seconds},
                                  {'s', WL_STRING, &status},   {0, 0, NULL}};
    struct wl_prog prog = {.name = "webserver", .usage = usage, .opts = opts, .pid_letter = 'P'};
    int first_operand = wl_parse_options(&prog, argc, argv);
    s.page_max = (size_t)page_kib * 1024;
    if (first_operand != argc || port < 1 || port > 65535 || s.page_max < 1024 ||
        s.page_max > (size_t)64 << 20 || s.max_conns < 1 || s.max_conns > 65536 || interval < 0.05)
        return wl_usage_error(&prog);
    struct sockaddr_in sin;
    if (wl_ipv4_address("webserver", addr, port, &sin) != 0)
        return 2;
    wl_catch_stop_signals();
    make_pages(&s);
    s.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (s.lfd >= 0)
        setsockopt(s.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (s.lfd < 0 || bind(s.lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
        listen(s.lfd, 1024) != 0) {
        fprintf(stderr, "webserver: port %d: %s\n", port, strerror(errno));
        return 1;
    }
    wl_start(&prog);
    s.ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    if (s.ep < 0 || epoll_ctl(s.ep, EPOLL_CTL_ADD, s.lfd, &lev) != 0) {
        perror("webserver: epoll");
        return 1;
    }
    double t0 = wl_now(), tlast = t0, next = t0 + interval;
    printf("webserver start port=%d max_page_kib=%zu wall=%.3f\n", port, s.page_max / 1024,
           wl_wall());
    fflush(stdout);
    wl_ready();

    unsigned long long req_last = 0, bytes_last = 0, err_last = 0;
    struct epoll_event evs[64];
    while (!wl_stop) {
        double now = wl_now();
        if (seconds > 0 && now - t0 >= seconds)
            break;
        if (now >= next) {
            printf("webserver t=%.3f dt=%.3f requests=%llu bytes=%llu conns=%d errors=%llu\n",
                   now - t0, now - tlast, s.requests - req_last, s.bytes - bytes_last, s.nconns,
                   s.errors - err_last);
            fflush(stdout);
            wl_write_status(status, "running", "t=%.3f\nrequests=%llu\nbytes=%llu\nconns=%d\n",
                            now - t0, s.requests, s.bytes, s.nconns);
            req_last = s.requests;
            bytes_last = s.bytes;
            err_last = s.errors;
            tlast = now;
            while (next <= now)
                next += interval;
        }
        double until = next - now;
        if (seconds > 0 && t0 + seconds - now < until)
            until = t0 + seconds - now;
        int ms = (int)(until * 1000) + 1;
        int n = epoll_wait(s.ep, evs, 64, ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("webserver: epoll_wait");
            break;
        }
        for (int i = 0; i < n; i++) {
            struct conn *cn = evs[i].data.ptr;
            if (!cn) {
                on_accept(&s);
                continue;
            }
            if (evs[i].events & (EPOLLERR | EPOLLHUP) && !(evs[i].events & EPOLLIN)) {
                conn_close(&s, cn);
            } else if (cn->writing) {
                if (serve(&s, cn) < 0)
                    conn_close(&s, cn);
            } else {
                on_readable(&s, cn);
            }
        }
    }
    printf("webserver final t=%.3f requests=%llu bytes=%llu accepted=%llu errors=%llu\n",
           wl_now() - t0, s.requests, s.bytes, s.accepted, s.errors);
    fflush(stdout);
    wl_write_status(status, "stopped", "t=%.3f\nrequests=%llu\nbytes=%llu\nconns=%d\n",
                    wl_now() - t0, s.requests, s.bytes, s.nconns);
    wl_remove_pidfile(&prog);
    return 0;
}
