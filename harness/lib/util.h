/* util.h — small shared helpers: checked allocation, growable strings with a
 * ceiling, and "did you mean" suggestions. */
#ifndef MB_UTIL_H
#define MB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Allocation that aborts the process on failure: used only for small, bounded
 * internal structures where running out of memory leaves nothing to recover. */
void *mb_xmalloc(size_t n);
void *mb_xcalloc(size_t n, size_t size);
void *mb_xrealloc(void *p, size_t n);
char *mb_xstrdup(const char *s);
char *mb_xstrndup(const char *s, size_t n);
/* Grow the array p of *cap elements of size bytes so that it holds at least need: the
 * capacity doubles from first (or its current value) until it does.  Returns the array
 * (p itself when it was large enough) and updates *cap; aborts when memory runs out. */
void *mb_xgrow(void *p, size_t *cap, size_t need, size_t first, size_t size);
/* printf into a newly allocated string; caller frees. */
char *mb_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable string with a maximum size, so a chatty peer cannot exhaust memory. */
struct mb_buf {
    char *data; /* always NUL-terminated once anything was appended */
    size_t len, cap, max;
};
/* Append n bytes; returns 0, or -1 (and leaves the buffer unchanged) past b->max
 * (0 = 64 MiB). */
int mb_buf_append(struct mb_buf *b, const char *s, size_t n);
int mb_buf_printf(struct mb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mb_buf_vprintf(struct mb_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void mb_buf_free(struct mb_buf *b);

/* Hashing for stable ids and picks (the same on every machine).  FNV-1a 64 of the
 * bytes of s, continuing from h (start from MB_FNV1A64_BASIS); and SplitMix64's
 * finaliser, which spreads every input bit over the whole word. */
#define MB_FNV1A64_BASIS 0xcbf29ce484222325ull
uint64_t mb_fnv1a64(uint64_t h, const char *s);
uint64_t mb_mix64(uint64_t x);

/* Levenshtein distance between two short strings (bytes). */
size_t mb_edit_distance(const char *a, const char *b);

/* The candidate closest to word, or NULL when none is close enough to be a
 * plausible typo.  candidates is NULL-terminated. */
const char *mb_suggest(const char *word, const char *const *candidates);

/* Monotonic and wall clocks, in seconds. */
double mb_now_mono(void);
double mb_now_wall(void);
/* This process's CPU time (user and system, all threads), in seconds. */
double mb_cpu_self(void);

/* A whole small file (at most max bytes), NUL-terminated, *len its length (len may be
 * NULL); NULL with errno set when it cannot be read (EFBIG: over max).  The caller frees it. */
char *mb_read_file(const char *path, size_t max, size_t *len);

/* True if s ends with suffix. */
bool mb_ends_with(const char *s, const char *suffix);

/* Waiting on the monotonic clock, so that a wall-clock step (NTP) neither cuts a
 * wait short nor stretches it: a condition variable whose timed waits take
 * CLOCK_MONOTONIC deadlines, and the deadline of mono time t (mb_now_mono()). */
#include <pthread.h>
#include <time.h>
void mb_cond_init_mono(pthread_cond_t *cv);
struct timespec mb_mono_deadline(double t);

#endif
