/* test_units.c — sizes, durations, percentages, rates: table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/units.h"
#include "lib/util.h"

struct size_case {
    const char *in;
    int ok;
    uint64_t want;
};

static void test_sizes(void **state)
{
    (void)state;
    static const struct size_case cases[] = {
        {"512MiB", 1, 512ull << 20},
        {"1GiB", 1, 1ull << 30},
        {"64KiB", 1, 64ull << 10},
        {"2TiB", 1, 2ull << 40},
        {"1.5GiB", 1, 3ull << 29},
        {"500MB", 1, 500000000ull},
        {"17B", 1, 17},
        {"0", 1, 0},
        {" 8MiB", 1, 8ull << 20},
        {"512", 0, 0},
        {"-1GiB", 0, 0},
        {"GiB", 0, 0},
        {"", 0, 0},
        {"512mb", 0, 0},
        {"512 parsecs", 0, 0},
        {"0x10MiB", 0, 0},
        {"1e3MiB", 0, 0},
        {"1.3B", 0, 0},
        {"99999999999999999999TiB", 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t got = 12345;
        char why[160] = "";
        int rc = mb_parse_size(cases[i].in, &got, why, sizeof(why));
        if (cases[i].ok) {
            assert_int_equal(rc, 0);
            assert_int_equal(got, cases[i].want);
        } else {
            assert_int_equal(rc, -1);
            assert_int_equal(got, 12345); /* untouched on failure */
            assert_true(why[0] != '\0');
        }
    }
}

struct dur_case {
    const char *in;
    int ok;
    double want_ms;
};

static void test_durations(void **state)
{
    (void)state;
    static const struct dur_case cases[] = {
        {"300ms", 1, 300},  {"5s", 1, 5000}, {"1.5s", 1, 1500}, {"2min", 1, 120000},
        {"1h", 1, 3600000}, {"0", 1, 0},     {"5", 0, 0},       {"5sec", 0, 0},
        {"-5s", 0, 0},      {"5S", 0, 0},    {"ms", 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double got = -1;
        char why[160];
        int rc = mb_parse_duration_ms(cases[i].in, &got, why, sizeof(why));
        assert_int_equal(rc, cases[i].ok ? 0 : -1);
        if (cases[i].ok)
            assert_true(got == cases[i].want_ms);
    }
}

static void test_percent_rate_int_bool(void **state)
{
    (void)state;
    double p;
    char why[160];
    assert_int_equal(mb_parse_percent("40%", &p, why, sizeof(why)), 0);
    assert_true(p == 40);
    assert_int_equal(mb_parse_percent("12.5%", &p, why, sizeof(why)), 0);
    assert_true(p == 12.5);
    assert_int_equal(mb_parse_percent("40", &p, why, sizeof(why)), -1);
    assert_int_equal(mb_parse_percent("40 %", &p, why, sizeof(why)), 0);

    uint64_t r;
    assert_int_equal(mb_parse_rate("100MiB/s", &r, why, sizeof(why)), 0);
    assert_int_equal(r, 100ull << 20);
    assert_int_equal(mb_parse_rate("0", &r, why, sizeof(why)), 0);
    assert_int_equal(r, 0);
    assert_int_equal(mb_parse_rate("100MiB", &r, why, sizeof(why)), -1);
    assert_int_equal(mb_parse_rate("100MiB/sec", &r, why, sizeof(why)), -1);

    static const struct {
        const char *in;
        int ok;
        uint64_t want;
        const char *why;
    } bit[] = {
        {"200Mbit", 1, 200000000, NULL},
        {"1Gbit", 1, 1000000000, NULL},
        {"1.5Gbit", 1, 1500000000, NULL},
        {"500kbit", 1, 500000, NULL},
        {"0", 1, 0, NULL},
        {"100", 0, 0, "a unit is needed"},
        {"100mbit", 0, 0, "did you mean 'Mbit'"},
        {"100MB", 0, 0, "unknown unit"},
        {"fast", 0, 0, "not a number"},
        {"-1Mbit", 0, 0, "negative"},
        {"0.5bit", 0, 0, "whole number"},
        {"", 0, 0, "empty"},
    };
    for (size_t k = 0; k < sizeof(bit) / sizeof(bit[0]); k++) {
        r = 7;
        int rc = mb_parse_bitrate(bit[k].in, &r, why, sizeof(why));
        assert_int_equal(rc, bit[k].ok ? 0 : -1);
        assert_true(bit[k].ok ? r == bit[k].want : r == 7);
        if (!bit[k].ok)
            assert_non_null(strstr(why, bit[k].why));
    }

    int64_t i;
    assert_int_equal(mb_parse_int("42", &i, why, sizeof(why)), 0);
    assert_int_equal(i, 42);
    assert_int_equal(mb_parse_int("-7", &i, why, sizeof(why)), 0);
    assert_int_equal(i, -7);
    assert_int_equal(mb_parse_int("4.2", &i, why, sizeof(why)), -1);
    assert_int_equal(mb_parse_int("99999999999999999999", &i, why, sizeof(why)), -1);
    assert_int_equal(mb_parse_int("-", &i, why, sizeof(why)), -1);

    int b;
    assert_int_equal(mb_parse_bool("yes", &b, why, sizeof(why)), 0);
    assert_int_equal(b, 1);
    assert_int_equal(mb_parse_bool("off", &b, why, sizeof(why)), 0);
    assert_int_equal(b, 0);
    assert_int_equal(mb_parse_bool("maybe", &b, why, sizeof(why)), -1);
}

static void test_format(void **state)
{
    (void)state;
    char buf[64];
    mb_format_size(512ull << 20, buf, sizeof(buf));
    assert_string_equal(buf, "512MiB");
    mb_format_size(3ull << 29, buf, sizeof(buf));
    assert_string_equal(buf, "1.5GiB");
    mb_format_size(1000, buf, sizeof(buf));
    assert_string_equal(buf, "1000B");
    mb_format_size(0, buf, sizeof(buf));
    assert_string_equal(buf, "0B");
    mb_format_duration_ms(1500, buf, sizeof(buf));
    assert_string_equal(buf, "1.5s");
    mb_format_duration_ms(120000, buf, sizeof(buf));
    assert_string_equal(buf, "2min");
    mb_format_duration_ms(300, buf, sizeof(buf));
    assert_string_equal(buf, "300ms");
    static const struct {
        uint64_t bps;
        const char *want;
    } rates[] = {{200000000, "200Mbit"},
                 {1500000000, "1.5Gbit"},
                 {1234567, "1234.567kbit"},
                 {999, "999bit"},
                 {0, "0"},
                 {10000000000ull, "10Gbit"}};
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        mb_format_bitrate(rates[i].bps, buf, sizeof(buf));
        assert_string_equal(buf, rates[i].want);
    }
    mb_format_eta(3 * 3600 + 12 * 60, buf, sizeof(buf));
    assert_string_equal(buf, "3 h 12 min");
    mb_format_eta(245, buf, sizeof(buf));
    assert_string_equal(buf, "4 min 05 s");
    mb_format_eta(-1, buf, sizeof(buf));
    assert_string_equal(buf, "?");
}

static void test_suggest(void **state)
{
    (void)state;
    static const char *const keys[] = {"count", "vcpus", "memory", "workload", NULL};
    assert_string_equal(mb_suggest("memroy", keys), "memory");
    assert_string_equal(mb_suggest("cuont", keys), "count");
    assert_string_equal(mb_suggest("workloads", keys), "workload");
    assert_null(mb_suggest("colour", keys));
    assert_null(mb_suggest("x", keys));
    static const char *const metrics[] = {"total_time_ms", "downtime_ms", NULL};
    assert_string_equal(mb_suggest("downtime", metrics), "downtime_ms");
    assert_null(mb_suggest("down", metrics));
    assert_int_equal(mb_edit_distance("nmae", "name"), 1);
    assert_int_equal(mb_edit_distance("", "abc"), 3);
    assert_int_equal(mb_edit_distance("kitten", "sitting"), 3);
}

static void test_buf_ceiling(void **state)
{
    (void)state;
    struct mb_buf b = {.max = 16};
    assert_int_equal(mb_buf_append(&b, "0123456789", 10), 0);
    assert_int_equal(mb_buf_append(&b, "0123456789", 10), -1); /* would pass the ceiling */
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");
    assert_int_equal(mb_buf_printf(&b, "%d", 42), 0);
    assert_string_equal(b.data, "012345678942");
    mb_buf_free(&b);
    mb_buf_free(&b); /* twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_percent_rate_int_bool),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_buf_ceiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
