/* probe.h — the downtime a client sees: UDP probes to each guest's echo responder
 * (workloads/guest/udpecho.c) at a fixed interval, from the load client (this
 * process), and the longest gap between replies while a window is open.
 *
 * One thread and one socket serve every target, so probing eight guests at 1 ms
 * costs one thread.  Times are CLOCK_MONOTONIC seconds. */
#ifndef MB_PROBE_H
#define MB_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"

#define MB_PROBE_MAX_TARGETS 64

struct mb_probe;

struct mb_probe_result {
    uint64_t sent, received; /* inside the window */
    double longest_gap_ms;   /* longest time without a reply inside the window, counting
                              * from the window's start and to its end */
    double gap_start;        /* monotonic time the longest gap began */
    double window_ms;        /* length of the window */
};

/* Start probing: one target per address ("10.1.2.101"), all on port, every
 * interval_ms.  Returns 0 and *out, or a negative status with err set. */
int mb_probe_start(const char *const *addresses, size_t n, int port, double interval_ms,
                   struct mb_probe **out, struct mb_error *err);

/* Open the measurement window now (e.g. just before a migration starts). */
void mb_probe_window_open(struct mb_probe *p);

/* Close the window now and give each target's result (results has n entries). */
void mb_probe_window_close(struct mb_probe *p, struct mb_probe_result *results);

/* Replies received from target i since start (to tell "never answered" apart). */
uint64_t mb_probe_replies(struct mb_probe *p, size_t i);

/* When target i last replied (CLOCK_MONOTONIC seconds, window or not); 0 = never.  A
 * reply after a migration ended means its gap has ended too. */
double mb_probe_last_reply(struct mb_probe *p, size_t i);

/* Stop the thread and free everything; NULL is a no-op. */
void mb_probe_free(struct mb_probe *p);

#endif
