/* test_probe.c — the UDP downtime probe against a real echo responder on loopback
 * that stops answering for a known time. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe.h"
#include "lib/util.h"

struct echo {
    int fd, port;
    atomic_int paused, stop;
    pthread_t thread;
};

static void *echo_run(void *arg)
{
    struct echo *e = arg;
    char buf[256];
    while (!atomic_load(&e->stop)) {
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(e->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
        if (n > 0 && !atomic_load(&e->paused))
            sendto(e->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
    }
    return NULL;
}

static void echo_start(struct echo *e)
{
    memset(e, 0, sizeof(*e));
    e->fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(e->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(e->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t al = sizeof(a);
    getsockname(e->fd, (struct sockaddr *)&a, &al);
    e->port = ntohs(a.sin_port);
    struct timeval tv = {0, 20000};
    setsockopt(e->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    pthread_create(&e->thread, NULL, echo_run, e);
}

static void echo_stop(struct echo *e)
{
    atomic_store(&e->stop, 1);
    pthread_join(e->thread, NULL);
    close(e->fd);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_gap_of_a_pause(void **state)
{
    (void)state;
    struct echo e;
    echo_start(&e);
    const char *addr[] = {"127.0.0.1"};
    struct mb_probe *p = NULL;
    struct mb_error err;
    assert_int_equal(mb_probe_start(addr, 1, e.port, 1.0, &p, &err), 0);
    sleep_ms(50);
    assert_true(mb_probe_replies(p, 0) > 0);
    assert_true(mb_probe_last_reply(p, 0) > 0);
    mb_probe_window_open(p);
    sleep_ms(100);
    atomic_store(&e.paused, 1);
    sleep_ms(50);
    double paused = mb_now_mono();
    sleep_ms(150);
    /* no reply during the pause: the latest predates it */
    assert_true(mb_probe_last_reply(p, 0) < paused);
    atomic_store(&e.paused, 0);
    sleep_ms(100);
    assert_true(mb_probe_last_reply(p, 0) > paused + 0.1);
    struct mb_probe_result r;
    mb_probe_window_close(p, &r);
    print_message("gap %.1f ms, sent %llu, received %llu, window %.1f ms\n", r.longest_gap_ms,
                  (unsigned long long)r.sent, (unsigned long long)r.received, r.window_ms);
    /* 200 ms without replies; scheduling on a busy machine may add a little */
    assert_true(r.longest_gap_ms >= 195 && r.longest_gap_ms < 300);
    assert_true(r.window_ms >= 395);
    assert_true(r.received > 50 && r.received <= r.sent);
    mb_probe_free(p);
    echo_stop(&e);
}

static void test_silent_target_and_two_targets(void **state)
{
    (void)state;
    struct echo e;
    echo_start(&e);
    /* 127.0.0.2 answers nothing on that port: its gap is the whole window */
    const char *addr[] = {"127.0.0.1", "127.0.0.2"};
    struct mb_probe *p = NULL;
    struct mb_error err;
    assert_int_equal(mb_probe_start(addr, 2, e.port, 2.0, &p, &err), 0);
    mb_probe_window_open(p);
    sleep_ms(150);
    struct mb_probe_result r[2];
    mb_probe_window_close(p, r);
    assert_true(r[0].longest_gap_ms < 100);
    assert_int_equal(r[1].received, 0);
    assert_true(r[1].longest_gap_ms >= 145 && r[1].longest_gap_ms <= r[1].window_ms + 0.001);
    assert_true(mb_probe_last_reply(p, 0) > 0);
    assert_true(mb_probe_last_reply(p, 1) == 0);
    assert_true(mb_probe_last_reply(p, 2) == 0); /* no such target */
    mb_probe_free(p);
    echo_stop(&e);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct mb_probe *p = NULL;
    struct mb_error err;
    const char *bad[] = {"not-an-ip"};
    assert_int_equal(mb_probe_start(bad, 1, 7777, 1.0, &p, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "not an IPv4 address"));
    assert_int_equal(mb_probe_start(bad, 0, 7777, 1.0, &p, &err), MB_EINPUT);
    const char *ok[] = {"127.0.0.1"};
    assert_int_equal(mb_probe_start(ok, 1, 7777, 0.0, &p, &err), MB_EINPUT);
    assert_null(p);
    mb_probe_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gap_of_a_pause),
        cmocka_unit_test(test_silent_target_and_two_targets),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
