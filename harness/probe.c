/* probe.c — UDP downtime probe: one thread, one socket, many targets, one wake-up per
 * interval (batched sends and receives, replies timed by the kernel). */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"

#define PROBE_MAGIC 0x6d6250724f424531ull /* "mbPrOBE1" */
/* The sending thread reads the replies waiting in the socket after DRAIN_EVERY_S, or
 * sooner once DRAIN_BATCH probes were sent since (well under what the socket buffers,
 * about 1 KiB of it per datagram): not at every send. */
#define DRAIN_EVERY_S 0.1
#define DRAIN_BATCH   64

struct packet {
    uint64_t magic;
    uint32_t target;
    uint32_t seq;
};

struct target {
    struct sockaddr_in addr;
    uint32_t seq;
    /* all below under the probe's lock */
    uint64_t replies_total;
    double replied_at;       /* time of the latest reply, window or not; 0 = none */
    uint64_t sent, received; /* in the window */
    double last_reply;       /* in the window: time of the last reply, or the window start */
    double longest_gap, gap_start;
};

struct mb_probe {
    int fd;
    size_t n;
    struct target *t;
    double interval;
    pthread_t thread;
    atomic_int stop;
    pthread_mutex_t lock;
    int window; /* open? */
    double window_start;
};

static void gap_to(struct target *t, double now)
{
    double gap = now - t->last_reply;
    if (gap > t->longest_gap) {
        t->longest_gap = gap;
        t->gap_start = t->last_reply;
    }
}

/* The kernel's receive time of a datagram (SO_TIMESTAMPNS, CLOCK_REALTIME) as monotonic
 * seconds; `fallback` (the drain's own time) when the kernel gave none. */
static double arrival(struct msghdr *mh, double real_to_mono, double fallback)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            double mono = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - real_to_mono;
            return mono < fallback ? mono : fallback;
        }
    }
    return fallback;
}

/* Take every reply waiting on the socket, each at the time the kernel received it, so
 * that replies are read once per interval, not one wake-up each.  Caller holds the
 * lock; window_open and window_close drain first, so a window sees every reply before
 * its edge and none from before its start. */
static void drain(struct mb_probe *p)
{
    enum { BATCH = 16 };
    struct packet pk[BATCH];
    struct iovec iov[BATCH];
    struct mmsghdr mm[BATCH];
    union {
        char buf[CMSG_SPACE(sizeof(struct timespec))];
        struct cmsghdr align;
    } ctl[BATCH];
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            iov[i] = (struct iovec){&pk[i], sizeof(pk[i])};
            mm[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i],
                                                 .msg_iovlen = 1,
                                                 .msg_control = ctl[i].buf,
                                                 .msg_controllen = sizeof(ctl[i].buf)}};
        }
        int got = recvmmsg(p->fd, mm, BATCH, MSG_DONTWAIT, NULL);
        if (got <= 0)
            return;
        double now = mb_now_mono(), real_to_mono = mb_now_wall() - now;
        for (int i = 0; i < got; i++) {
            if (mm[i].msg_len != sizeof(pk[i]) || pk[i].magic != PROBE_MAGIC ||
                pk[i].target >= p->n)
                continue;
            double at = arrival(&mm[i].msg_hdr, real_to_mono, now);
            struct target *t = &p->t[pk[i].target];
            t->replies_total++;
            if (at > t->replied_at)
                t->replied_at = at;
            if (p->window && at >= p->window_start && at > t->last_reply) {
                t->received++;
                gap_to(t, at);
                t->last_reply = at;
            }
        }
        if (got < BATCH)
            return;
    }
}

static void send_all(struct mb_probe *p)
{
    struct packet pk[MB_PROBE_MAX_TARGETS];
    struct iovec iov[MB_PROBE_MAX_TARGETS];
    struct mmsghdr mm[MB_PROBE_MAX_TARGETS];
    for (size_t i = 0; i < p->n; i++) {
        pk[i] = (struct packet){PROBE_MAGIC, (uint32_t)i, p->t[i].seq++};
        iov[i] = (struct iovec){&pk[i], sizeof(pk[i])};
        mm[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &p->t[i].addr,
                                             .msg_namelen = sizeof(p->t[i].addr),
                                             .msg_iov = &iov[i],
                                             .msg_iovlen = 1}};
    }
    /* sendmmsg stops at the first error: a send error (no route yet, a full buffer) is
     * that target's lost probe, not a failure, and the rest are still sent */
    int ok[MB_PROBE_MAX_TARGETS] = {0};
    for (size_t at = 0; at < p->n;) {
        int sent = sendmmsg(p->fd, mm + at, (unsigned)(p->n - at), MSG_DONTWAIT);
        for (int i = 0; i < sent; i++)
            ok[at + (size_t)i] = mm[at + (size_t)i].msg_len == sizeof(pk[0]);
        at += sent > 0 ? (size_t)sent : 1;
    }
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; p->window && i < p->n; i++)
        p->t[i].sent += (uint64_t)ok[i];
    pthread_mutex_unlock(&p->lock);
}

/* One wake-up per interval: send to every target, sleep until the next send is due,
 * then read the replies that came meanwhile. */
static void *run(void *arg)
{
    struct mb_probe *p = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    long step = (long)(p->interval * 1e9);
    double drained_at = mb_now_mono();
    size_t since_drain = 0; /* probes sent since the last drain */
    while (!atomic_load(&p->stop)) {
        send_all(p);
        next.tv_nsec += step;
        while (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        /* replies carry the kernel's arrival stamp, so they can wait in the socket: read
         * them a few times a second, not at every send (every reader drains first) */
        double now_s = mb_now_mono();
        since_drain += p->n;
        if (now_s >= drained_at + DRAIN_EVERY_S || since_drain >= DRAIN_BATCH) {
            pthread_mutex_lock(&p->lock);
            drain(p);
            pthread_mutex_unlock(&p->lock);
            drained_at = now_s;
            since_drain = 0;
        }
        /* fell behind (a stall of this process): do not burst to catch up */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec + 1)
            next = now;
    }
    pthread_mutex_lock(&p->lock);
    drain(p);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int mb_probe_start(const char *const *addresses, size_t n, int port, double interval_ms,
                   struct mb_probe **out, struct mb_error *err)
{
    if (n == 0 || n > MB_PROBE_MAX_TARGETS)
        return mb_error_set(err, MB_EINPUT, "probe: %zu targets (1 to %d)", n,
                            MB_PROBE_MAX_TARGETS);
    if (interval_ms < 0.1 || interval_ms > 1000)
        return mb_error_set(err, MB_EINPUT, "probe: interval %.3f ms out of range", interval_ms);
    struct mb_probe *p = mb_xcalloc(1, sizeof(*p));
    p->n = n;
    p->interval = interval_ms / 1000.0;
    p->t = mb_xcalloc(n, sizeof(*p->t));
    for (size_t i = 0; i < n; i++) {
        p->t[i].addr.sin_family = AF_INET;
        p->t[i].addr.sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, addresses[i], &p->t[i].addr.sin_addr) != 1) {
            free(p->t);
            free(p);
            return mb_error_set(err, MB_EINPUT, "probe: '%s' is not an IPv4 address", addresses[i]);
        }
    }
    p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (p->fd < 0) {
        int e = errno;
        free(p->t);
        free(p);
        return mb_error_set(err, MB_EENV, "probe: socket: %s", strerror(e));
    }
    int rcv = 1 << 20, on = 1;
    setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
    pthread_mutex_init(&p->lock, NULL);
    int rc = pthread_create(&p->thread, NULL, run, p);
    if (rc) {
        close(p->fd);
        pthread_mutex_destroy(&p->lock);
        free(p->t);
        free(p);
        return mb_error_set(err, MB_EENV, "probe: thread: %s", strerror(rc));
    }
    *out = p;
    return 0;
}

void mb_probe_window_open(struct mb_probe *p)
{
    pthread_mutex_lock(&p->lock);
    drain(p);
    double now = mb_now_mono();
    p->window = 1;
    p->window_start = now;
    for (size_t i = 0; i < p->n; i++) {
        struct target *t = &p->t[i];
        t->sent = t->received = 0;
        t->last_reply = now;
        t->longest_gap = 0;
        t->gap_start = now;
    }
    pthread_mutex_unlock(&p->lock);
}

void mb_probe_window_close(struct mb_probe *p, struct mb_probe_result *results)
{
    pthread_mutex_lock(&p->lock);
    drain(p);
    double now = mb_now_mono();
    for (size_t i = 0; i < p->n; i++) {
        struct target *t = &p->t[i];
        if (p->window)
            gap_to(t, now);
        results[i] = (struct mb_probe_result){
            .sent = t->sent,
            .received = t->received,
            .longest_gap_ms = t->longest_gap * 1000.0,
            .gap_start = t->gap_start,
            .window_ms = p->window ? (now - p->window_start) * 1000.0 : 0,
        };
    }
    p->window = 0;
    pthread_mutex_unlock(&p->lock);
}

uint64_t mb_probe_replies(struct mb_probe *p, size_t i)
{
    pthread_mutex_lock(&p->lock);
    drain(p);
    uint64_t r = i < p->n ? p->t[i].replies_total : 0;
    pthread_mutex_unlock(&p->lock);
    return r;
}

double mb_probe_last_reply(struct mb_probe *p, size_t i)
{
    pthread_mutex_lock(&p->lock);
    drain(p);
    double r = i < p->n ? p->t[i].replied_at : 0;
    pthread_mutex_unlock(&p->lock);
    return r;
}

void mb_probe_free(struct mb_probe *p)
{
    if (!p)
        return;
    atomic_store(&p->stop, 1);
    pthread_join(p->thread, NULL);
    close(p->fd);
    pthread_mutex_destroy(&p->lock);
    free(p->t);
    free(p);
}
