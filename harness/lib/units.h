/* units.h — values with units, parsed and printed in one place (after wrk's units.c).
 *
 *   sizes      512MiB, 1GiB, 64KiB, 2TiB (binary); 500MB, 1GB (decimal); 0
 *   durations  300ms, 5s, 1.5s, 2min, 1h; 0
 *   percent    40%, 12.5%
 *   rates      100MiB/s, 1GiB/s (bytes per second)
 *   bit rates  200Mbit, 1Gbit, 500kbit, 1.5Gbit (bits per second, decimal: tc's units)
 *
 * A number without a unit is refused where a unit is expected (is "512" bytes or
 * MiB?), except 0. */
#ifndef MB_UNITS_H
#define MB_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Each parser returns 0 and sets *out, or -1 and writes a short reason (what was
 * expected) into why.  *out is untouched on failure. */
int mb_parse_size(const char *s, uint64_t *out, char *why, size_t whylen);
int mb_parse_duration_ms(const char *s, double *out, char *why, size_t whylen);
int mb_parse_percent(const char *s, double *out, char *why, size_t whylen);
int mb_parse_rate(const char *s, uint64_t *out, char *why, size_t whylen);
/* A link's rate in bits per second: bit, kbit, Mbit, Gbit (10^3 steps, as tc counts);
 * a whole number of bits per second; 0 without a unit. */
int mb_parse_bitrate(const char *s, uint64_t *out, char *why, size_t whylen);
/* An integer in [INT64_MIN, INT64_MAX], decimal, no unit. */
int mb_parse_int(const char *s, int64_t *out, char *why, size_t whylen);
/* true/false, yes/no, on/off. */
int mb_parse_bool(const char *s, int *out, char *why, size_t whylen);

/* Shortest exact spelling: 536870912 -> "512MiB", 1500 -> "1.5s", 40 -> "40%". */
void mb_format_size(uint64_t bytes, char *buf, size_t len);
void mb_format_duration_ms(double ms, char *buf, size_t len);
/* 200000000 -> "200Mbit", 1500000000 -> "1.5Gbit", 0 -> "0". */
void mb_format_bitrate(uint64_t bps, char *buf, size_t len);
/* Human duration for estimates and ETAs: "3 h 12 min", "4 min 05 s", "12 s". */
void mb_format_eta(double seconds, char *buf, size_t len);

#endif
