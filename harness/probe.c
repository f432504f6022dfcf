/* probe.c — UDP downtime probe: one thread, one socket, many targets. */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"

#define PROBE_MAGIC 0x6d6250724f424531ull /* "mbPrOBE1" */

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

static void drain(struct mb_probe *p)
{
    struct packet pk;
    for (;;) {
        ssize_t got = recv(p->fd, &pk, sizeof(pk), MSG_DONTWAIT);
        if (got < 0)
            return;
        if (got != (ssize_t)sizeof(pk) || pk.magic != PROBE_MAGIC || pk.target >= p->n)
            continue;
        double now = mb_now_mono();
        pthread_mutex_lock(&p->lock);
        struct target *t = &p->t[pk.target];
        t->replies_total++;
        t->replied_at = now;
        if (p->window) {
            t->received++;
            gap_to(t, now);
            t->last_reply = now;
        }
        pthread_mutex_unlock(&p->lock);
    }
}

static void *run(void *arg)
{
    struct mb_probe *p = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    long step = (long)(p->interval * 1e9);
    while (!atomic_load(&p->stop)) {
        for (size_t i = 0; i < p->n; i++) {
            struct target *t = &p->t[i];
            struct packet pk = {PROBE_MAGIC, (uint32_t)i, t->seq++};
            /* a send error (no route yet, a full buffer) is a lost probe, not a failure */
            if (sendto(p->fd, &pk, sizeof(pk), MSG_DONTWAIT, (struct sockaddr *)&t->addr,
                       sizeof(t->addr)) == (ssize_t)sizeof(pk)) {
                pthread_mutex_lock(&p->lock);
                if (p->window)
                    t->sent++;
                pthread_mutex_unlock(&p->lock);
            }
        }
        next.tv_nsec += step;
        while (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        /* wait for replies until the next send is due */
        for (;;) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long left_ms =
                (long)((next.tv_sec - now.tv_sec) * 1000 + (next.tv_nsec - now.tv_nsec) / 1000000);
            drain(p);
            if (left_ms <= 0)
                break;
            struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
            if (poll(&pfd, 1, (int)left_ms) <= 0) {
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
                break;
            }
        }
        /* fell behind (a stall of this process): do not burst to catch up */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec + 1)
            next = now;
    }
    drain(p);
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
    int rcv = 1 << 20;
    setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
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
    double now = mb_now_mono();
    pthread_mutex_lock(&p->lock);
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
    double now = mb_now_mono();
    pthread_mutex_lock(&p->lock);
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
    uint64_t r = i < p->n ? p->t[i].replies_total : 0;
    pthread_mutex_unlock(&p->lock);
    return r;
}

double mb_probe_last_reply(struct mb_probe *p, size_t i)
{
    pthread_mutex_lock(&p->lock);
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
