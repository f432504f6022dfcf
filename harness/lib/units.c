/* units.c — parse and print sizes, durations, percentages and rates. */
#include "lib/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
    const char *name;
    double factor;
};

static const struct unit size_units[] = {
    {"B", 1},
    {"KiB", 1024.0},
    {"MiB", 1024.0 * 1024},
    {"GiB", 1024.0 * 1024 * 1024},
    {"TiB", 1024.0 * 1024 * 1024 * 1024},
    {"KB", 1e3},
    {"MB", 1e6},
    {"GB", 1e9},
    {"TB", 1e12},
    {NULL, 0},
};

static const struct unit time_units[] = {
    {"ms", 1}, {"s", 1000}, {"min", 60000}, {"h", 3600000}, {NULL, 0},
};

/* Split "12.5MiB" into a finite non-negative number and its unit text. */
static int split(const char *s, double *num, const char **unit, char *why, size_t whylen)
{
    if (!s || !*s) {
        snprintf(why, whylen, "an empty value");
        return -1;
    }
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '-') {
        snprintf(why, whylen, "a negative value");
        return -1;
    }
    if (!isdigit((unsigned char)*s) && *s != '.') {
        snprintf(why, whylen, "not a number");
        return -1;
    }
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v)) {
        snprintf(why, whylen, "not a number");
        return -1;
    }
    /* strtod accepts hex and exponents; a unit written as "e3" would be odd, and
     * "0x10" is no size either. */
    for (const char *p = s; p < end; p++)
        if (!isdigit((unsigned char)*p) && *p != '.') {
            snprintf(why, whylen, "write plain decimal digits");
            return -1;
        }
    while (isspace((unsigned char)*end))
        end++;
    *num = v;
    *unit = end;
    return 0;
}

static int with_unit(const char *s, const struct unit *units, double *out, const char *expect,
                     char *why, size_t whylen)
{
    double v;
    const char *u;
    if (split(s, &v, &u, why, whylen))
        return -1;
    if (!*u) {
        if (v == 0) {
            *out = 0;
            return 0;
        }
        snprintf(why, whylen, "a unit is needed (%s)", expect);
        return -1;
    }
    size_t ul = strlen(u);
    while (ul > 0 && isspace((unsigned char)u[ul - 1]))
        ul--;
    for (const struct unit *x = units; x->name; x++) {
        if (strlen(x->name) == ul && !strncmp(u, x->name, ul)) {
            *out = v * x->factor;
            return 0;
        }
    }
    for (const struct unit *x = units; x->name; x++) {
        if (strlen(x->name) == ul && !strncasecmp(u, x->name, ul)) {
            snprintf(why, whylen, "unknown unit '%.*s' (did you mean '%s'?)", (int)ul, u, x->name);
            return -1;
        }
    }
    snprintf(why, whylen, "unknown unit '%.*s' (expected %s)", (int)ul, u, expect);
    return -1;
}

int mb_parse_size(const char *s, uint64_t *out, char *why, size_t whylen)
{
    double v;
    if (with_unit(s, size_units, &v, "B, KiB, MiB, GiB, TiB, KB, MB, GB", why, whylen))
        return -1;
    if (v >= 18446744073709551616.0) {
        snprintf(why, whylen, "too large");
        return -1;
    }
    if (v != floor(v)) {
        snprintf(why, whylen, "not a whole number of bytes");
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int mb_parse_duration_ms(const char *s, double *out, char *why, size_t whylen)
{
    double v;
    if (with_unit(s, time_units, &v, "ms, s, min, h", why, whylen))
        return -1;
    *out = v;
    return 0;
}

int mb_parse_percent(const char *s, double *out, char *why, size_t whylen)
{
    static const struct unit pct[] = {{"%", 1}, {NULL, 0}};
    double v;
    if (with_unit(s, pct, &v, "%", why, whylen))
        return -1;
    *out = v;
    return 0;
}

int mb_parse_rate(const char *s, uint64_t *out, char *why, size_t whylen)
{
    if (!s) {
        snprintf(why, whylen, "an empty value");
        return -1;
    }
    const char *slash = strstr(s, "/s");
    if (!slash || slash[2] != '\0') {
        uint64_t zero;
        if (!mb_parse_size(s, &zero, why, whylen) && zero == 0) {
            *out = 0;
            return 0;
        }
        snprintf(why, whylen, "a rate like 100MiB/s");
        return -1;
    }
    char tmp[64];
    size_t n = (size_t)(slash - s);
    if (n >= sizeof(tmp)) {
        snprintf(why, whylen, "too long");
        return -1;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return mb_parse_size(tmp, out, why, whylen);
}

int mb_parse_bitrate(const char *s, uint64_t *out, char *why, size_t whylen)
{
    static const struct unit bit_units[] = {
        {"bit", 1}, {"kbit", 1e3}, {"Mbit", 1e6}, {"Gbit", 1e9}, {NULL, 0},
    };
    double v;
    if (with_unit(s, bit_units, &v, "bit, kbit, Mbit, Gbit", why, whylen))
        return -1;
    if (v >= 1e15) {
        snprintf(why, whylen, "too large");
        return -1;
    }
    if (v != floor(v)) {
        snprintf(why, whylen, "not a whole number of bits per second");
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int mb_parse_int(const char *s, int64_t *out, char *why, size_t whylen)
{
    if (!s || !*s) {
        snprintf(why, whylen, "an empty value");
        return -1;
    }
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (!*p) {
        snprintf(why, whylen, "not a whole number");
        return -1;
    }
    for (; *p; p++)
        if (!isdigit((unsigned char)*p)) {
            snprintf(why, whylen, "not a whole number");
            return -1;
        }
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE) {
        snprintf(why, whylen, "out of range");
        return -1;
    }
    *out = v;
    return 0;
}

int mb_parse_bool(const char *s, int *out, char *why, size_t whylen)
{
    static const char *yes[] = {"true", "yes", "on", NULL};
    static const char *no[] = {"false", "no", "off", NULL};
    for (int i = 0; s && yes[i]; i++)
        if (!strcmp(s, yes[i])) {
            *out = 1;
            return 0;
        }
    for (int i = 0; s && no[i]; i++)
        if (!strcmp(s, no[i])) {
            *out = 0;
            return 0;
        }
    snprintf(why, whylen, "true or false");
    return -1;
}

/* Print v/factor with up to 3 decimals, trailing zeros dropped. */
static void fmt_num(double v, const char *unit, char *buf, size_t len)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%.3f", v);
    char *dot = strchr(tmp, '.');
    if (dot) {
        char *e = tmp + strlen(tmp) - 1;
        while (e > dot && *e == '0')
            *e-- = '\0';
        if (e == dot)
            *e = '\0';
    }
    snprintf(buf, len, "%s%s", tmp, unit);
}

void mb_format_size(uint64_t bytes, char *buf, size_t len)
{
    static const char *names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    double v = (double)bytes;
    while (i < 4 && v >= 1024 && fmod(v, 1024) == 0) {
        v /= 1024;
        i++;
    }
    /* Not an exact multiple: keep up to 3 decimals of the largest unit under v. */
    while (i < 4 && v >= 1024) {
        v /= 1024;
        i++;
    }
    fmt_num(v, names[i], buf, len);
}

void mb_format_duration_ms(double ms, char *buf, size_t len)
{
    if (ms >= 3600000 && fmod(ms, 3600000) == 0)
        fmt_num(ms / 3600000, "h", buf, len);
    else if (ms >= 60000 && fmod(ms, 60000) == 0)
        fmt_num(ms / 60000, "min", buf, len);
    else if (ms >= 1000)
        fmt_num(ms / 1000, "s", buf, len);
    else
        fmt_num(ms, "ms", buf, len);
}

void mb_format_bitrate(uint64_t bps, char *buf, size_t len)
{
    static const char *names[] = {"bit", "kbit", "Mbit", "Gbit"};
    if (!bps) {
        snprintf(buf, len, "0");
        return;
    }
    /* the largest unit that keeps it exact in 3 decimals */
    int i = 3;
    uint64_t unit = 1000000000;
    while (i > 0 && (bps < unit || bps % (unit / 1000)))
        i--, unit /= 1000;
    fmt_num((double)bps / (double)unit, names[i], buf, len);
}

void mb_format_eta(double seconds, char *buf, size_t len)
{
    if (!isfinite(seconds) || seconds < 0) {
        snprintf(buf, len, "?");
        return;
    }
    long s = lround(seconds);
    if (s >= 3600)
        snprintf(buf, len, "%ld h %02ld min", s / 3600, (s % 3600) / 60);
    else if (s >= 60)
        snprintf(buf, len, "%ld min %02ld s", s / 60, s % 60);
    else
        snprintf(buf, len, "%ld s", s);
}
