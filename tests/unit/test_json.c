/* test_json.c — the JSON reader and writer (lib/json.h), and metadata.json as
 * metadata.c writes it with them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/json.h"
#include "lib/version.h"
#include "metadata.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- reading ------------------------------------------------------------------------------ */

struct flat_rec {
    char text[2048];
};

static void flat_cb(void *ctx, const char *path, const struct mb_json *v)
{
    struct flat_rec *r = ctx;
    size_t n = strlen(r->text);
    snprintf(r->text + n, sizeof(r->text) - n, "%s=%s\n", path, v->text);
}

static void test_json_good(void **state)
{
    (void)state;
    const char *doc = "\xef\xbb\xbf{\"harness_version\": \"v1\", \"n\": -12.5e2, \"ok\": true,\n"
                      " \"nothing\": null, \"s\": \"caf\\u00e9 \\ud83d\\ude00 a\\\"b\\\\c\\n\",\n"
                      " \"hosts\": [{\"name\": \"hostA\", \"kernel\": \"Linux 6\"},\n"
                      "           {\"name\": \"hostB\", \"cpus\": 2}],\n"
                      " \"list\": [1, [2, 3]], \"empty\": {}, \"none\": []}";
    struct mb_json *j = NULL;
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_json_parse("m.json", doc, strlen(doc), &j, &err), 0);
    assert_int_equal(j->type, MB_JSON_OBJECT);
    const struct mb_json *n = mb_json_get(j, "n");
    assert_int_equal(n->type, MB_JSON_NUMBER);
    assert_true(n->num == -1250);
    assert_string_equal(n->text, "-12.5e2");
    assert_string_equal(mb_json_get(j, "s")->text, "caf\xc3\xa9 \xf0\x9f\x98\x80 a\"b\\c\n");
    assert_null(mb_json_get(j, "missing"));
    assert_null(mb_json_get(mb_json_get(j, "list"), "0")); /* not an object */
    struct flat_rec r = {""};
    mb_json_flatten(j, flat_cb, &r);
    assert_non_null(strstr(r.text, "hosts[hostA].kernel=Linux 6\n"));
    assert_non_null(strstr(r.text, "hosts[hostB].cpus=2\n"));
    assert_non_null(strstr(r.text, "list[1][0]=2\n"));
    assert_non_null(strstr(r.text, "ok=true\nnothing=null\n"));
    mb_json_free(j);
    mb_json_free(NULL);
}

/* Scalars and edge values that are valid JSON. */
static void test_json_values(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        enum mb_json_type type;
        const char *text;
        double num;
    } cases[] = {
        {"0", MB_JSON_NUMBER, "0", 0},
        {"-0.5", MB_JSON_NUMBER, "-0.5", -0.5},
        {"1E+2", MB_JSON_NUMBER, "1E+2", 100},
        {"1e-400", MB_JSON_NUMBER, "1e-400", 0}, /* underflow reads as zero */
        {"123456789012345678901234567890", MB_JSON_NUMBER, "123456789012345678901234567890",
         1.2345678901234568e29},
        {" \t\r\n true \n", MB_JSON_BOOL, "true", 0},
        {"null", MB_JSON_NULL, "null", 0},
        {"\"\"", MB_JSON_STRING, "", 0},
        {"\"\\/\\b\\f\\r\\t\"", MB_JSON_STRING, "/\b\f\r\t", 0},
        {"\"\\ud800x\"", MB_JSON_STRING, "\xef\xbf\xbdx", 0},      /* lone surrogate */
        {"\"\\ud800\\u0041\"", MB_JSON_STRING, "\xef\xbf\xbd", 0}, /* bad low half */
        {"\"\\u0041\\u00e9\\u20ac\"", MB_JSON_STRING, "A\xc3\xa9\xe2\x82\xac", 0},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct mb_json *j = NULL;
        struct mb_error err;
        mb_error_clear(&err);
        int rc = mb_json_parse("v.json", cases[i].doc, strlen(cases[i].doc), &j, &err);
        if (rc)
            fail_msg("case %zu (%s): %s", i, cases[i].doc, err.msg);
        assert_int_equal(j->type, cases[i].type);
        assert_string_equal(j->text, cases[i].text);
        if (cases[i].type == MB_JSON_NUMBER && !(j->num == cases[i].num))
            fail_msg("case %zu: %.17g, want %.17g", i, j->num, cases[i].num);
        mb_json_free(j);
    }
}

/* Malformed input: MB_EINPUT with the place and a clear reason, *out untouched. */
static void test_json_bad(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        size_t len; /* 0: strlen(doc) */
        const char *want;
    } cases[] = {
        /* truncated */
        {"{\"a\": 1,\n", 0,
         "m.json:2:1: the file ends inside the object opened at line 1, column 1"},
        {"[1, 2", 0, "m.json:1:6: the file ends inside the array opened at line 1, column 1"},
        {"{\"a\": [1, {\"b\": 2}", 0,
         "m.json:1:19: the file ends inside the array opened at line 1, column 7"},
        {"\"abc", 0, "m.json:1:1: string never closed (file truncated?)"},
        {"\"abc\\", 0, "m.json:1:1: string never closed (file truncated?)"},
        {"", 0, "m.json:1:1: a value is missing (file truncated?)"},
        {"{\"a\":", 0, "m.json:1:6: a value is missing (file truncated?)"},
        {"\"\\u12", 0, "m.json:1:4: \\u needs four hex digits"},
        {"tr", 0, "m.json:1:1: expected a value"},
        {"1.", 0, "m.json:1:1: expected a value"},
        {"1e", 0, "m.json:1:1: expected a value"},
        /* bad escapes and strings */
        {"{\"a\": \"\\q\"}", 0, "m.json:1:8: unknown escape '\\q'"},
        {"\"\\x41\"", 0, "m.json:1:2: unknown escape '\\x'"},
        {"\"\\u12g4\"", 0, "m.json:1:6: \\u needs four hex digits"},
        {"\"\\ud800\\u12\"", 0, "m.json:1:10: \\u needs four hex digits"},
        {"\"a\x01\"", 0, "m.json:1:3: control character in a string"},
        {"\"a\nb\"", 0, "m.json:1:3: control character in a string"},
        {"'a'", 0, "m.json:1:1: expected a value"},
        /* structure */
        {"{\"a\" 1}", 0, "m.json:1:6: expected ':' after the member name"},
        {"[1 2]", 0, "m.json:1:4: expected ',' or ']'"},
        {"[1,]", 0, "m.json:1:4: expected a value"},
        {"{\"a\": 1,}", 0, "m.json:1:9: expected a member name in quotes"},
        {"{\"a\": tru}", 0, "m.json:1:7: expected a value"},
        {"{} x", 0, "m.json:1:4: text after the end of the document"},
        {"01", 0, "m.json:1:1: expected a value"},
        {"-", 0, "m.json:1:1: expected a value"},
        {"+1", 0, "m.json:1:1: expected a value"},
        {"{1: 2}", 0, "m.json:1:2: expected a member name in quotes"},
        {"\n\n  ]", 0, "m.json:3:3: expected a value"},
        /* huge numbers */
        {"1e400", 0, "m.json:1:1: number 1e400 is beyond the range of a double"},
        {"[-1e999]", 0, "m.json:1:2: number -1e999 is beyond the range of a double"},
        /* NUL bytes, wherever they are */
        {"{\"a\":\0}", 7, "m.json:1:6: NUL byte"},
        {"\"a\0b\"", 5, "m.json:1:3: NUL byte"},
        {"{}\0", 3, "m.json:1:3: NUL byte"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct mb_json *j = NULL;
        struct mb_error err;
        mb_error_clear(&err);
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].doc);
        int rc = mb_json_parse("m.json", cases[i].doc, len, &j, &err);
        char buf[1200];
        mb_error_format(&err, buf, sizeof(buf));
        if (rc != MB_EINPUT || !strstr(buf, cases[i].want))
            fail_msg("case %zu: rc %d, '%s', want '%s'", i, rc, buf, cases[i].want);
        assert_null(j);
    }
}

/* A huge number is cut in the message; nesting is bounded at MB_JSON_MAX_DEPTH, so a
 * document of brackets cannot exhaust the stack. */
static void test_json_limits(void **state)
{
    (void)state;
    struct mb_json *j = NULL;
    struct mb_error err;
    mb_error_clear(&err);
    char big[420];
    memset(big, '9', 400);
    memcpy(big + 400, "e99999", 7);
    assert_int_equal(mb_json_parse("m.json", big, strlen(big), &j, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "number 9999999999999999999999999999999999999999... is "));
    assert_null(j);

    for (int depth = MB_JSON_MAX_DEPTH - 1; depth <= MB_JSON_MAX_DEPTH + 1; depth++) {
        char deep[2 * MB_JSON_MAX_DEPTH + 4];
        memset(deep, '[', (size_t)depth);
        memset(deep + depth, ']', (size_t)depth);
        mb_error_clear(&err);
        int rc = mb_json_parse("m.json", deep, 2 * (size_t)depth, &j, &err);
        if (depth <= MB_JSON_MAX_DEPTH) {
            assert_int_equal(rc, 0);
            mb_json_free(j);
            j = NULL;
        } else {
            assert_int_equal(rc, MB_EINPUT);
            assert_non_null(strstr(err.msg, "nested deeper than 64 levels"));
        }
    }
    size_t n = 1 << 20; /* a megabyte of '{"a":' never reaches the end */
    char *deep = mb_xmalloc(n);
    for (size_t i = 0; i + 5 <= n; i += 5)
        memcpy(deep + i, "{\"a\":", 5);
    mb_error_clear(&err);
    assert_int_equal(mb_json_parse("m.json", deep, n - n % 5, &j, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "nested deeper than 64 levels"));
    free(deep);
}

/* Every prefix of a valid document is refused cleanly (or, for the whole, accepted). */
static void test_json_every_truncation(void **state)
{
    (void)state;
    const char *doc = "{\"a\": [1, -2.5e3, true, null], \"b\": {\"c\": \"x\\u00e9\\n\"}}";
    size_t len = strlen(doc);
    for (size_t n = 0; n <= len; n++) {
        char *copy = mb_xstrndup(doc, n); /* exactly n bytes, so reads past n are caught */
        struct mb_json *j = NULL;
        struct mb_error err;
        mb_error_clear(&err);
        int rc = mb_json_parse("t.json", copy, n, &j, &err);
        if (n == len) {
            assert_int_equal(rc, 0);
            mb_json_free(j);
        } else if (rc != MB_EINPUT || !err.msg[0] || j) {
            fail_msg("prefix of %zu bytes: rc %d '%s'", n, rc, err.msg);
        }
        free(copy);
    }
}

/* ---- writing ------------------------------------------------------------------------------ */

static void test_json_write_round_trip(void **state)
{
    (void)state;
    static const char *const strings[] = {
        "",
        "plain",
        "quote \" backslash \\ slash /",
        "tab\tnew\nline\rcr\x01\x1f",
        "caf\xc3\xa9 \xf0\x9f\x98\x80",
    };
    static const char *const written[] = {
        "\"\"",
        "\"plain\"",
        "\"quote \\\" backslash \\\\ slash /\"",
        "\"tab\\u0009new\\u000aline\\u000dcr\\u0001\\u001f\"",
        "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
    };
    for (size_t i = 0; i < N_OF(strings); i++) {
        struct mb_buf b = {0};
        mb_json_string(&b, strings[i]);
        assert_string_equal(b.data, written[i]);
        struct mb_json *j = NULL;
        struct mb_error err;
        mb_error_clear(&err);
        assert_int_equal(mb_json_parse("w.json", b.data, b.len, &j, &err), 0);
        assert_string_equal(j->text, strings[i]);
        mb_json_free(j);
        mb_buf_free(&b);
    }
    struct mb_buf b = {0};
    mb_json_string(&b, NULL);
    mb_json_member(&b, ", ", "k\"", "v");
    assert_string_equal(b.data, "\"\", \"k\\\"\": \"v\"");
    mb_buf_free(&b);
}

/* metadata.json, byte for byte: the layout that compare and report read back. */
static void test_metadata_written(void **state)
{
    (void)state;
    struct mb_host hosts[2] = {
        {.name = "hostA",
         .uri = "qemu+ssh://a/system",
         .cpus = "0-1",
         .memory = 1073741824,
         .cpu_max = 50,
         .link_rate = 200000000,
         .emulator = "/usr/bin/qemu",
         .accel = MB_ACCEL_KVM},
        {.name = "host\"B", .uri = "qemu:///system", .accel = MB_ACCEL_TCG},
    };
    struct mb_testbed tb = {
        .name = "lab", .path = "/tmp/lab/testbed.yaml", .hosts = hosts, .nhosts = 2};
    tb.guest.hash = "sha256:abc";
    struct mb_meta_host mh[2] = {{.host = &hosts[0], .reachable = 1}, {.host = &hosts[1]}};
    snprintf(mh[0].info.hypervisor, sizeof(mh[0].info.hypervisor), "QEMU 10.0.2");
    snprintf(mh[0].info.driver, sizeof(mh[0].info.driver), "QEMU");
    snprintf(mh[0].info.libvirt, sizeof(mh[0].info.libvirt), "9.0.0");
    snprintf(mh[0].info.hostname, sizeof(mh[0].info.hostname), "a");
    snprintf(mh[0].info.cpu_model, sizeof(mh[0].info.cpu_model), "kvm64");
    mh[0].info.cpus = 2;
    mh[0].info.memory = 4294967296ull;
    snprintf(mh[0].kernel, sizeof(mh[0].kernel), "Linux 6.1");
    snprintf(mh[0].cpu_brand, sizeof(mh[0].cpu_brand), "AMD EPYC");
    snprintf(mh[1].error, sizeof(mh[1].error), "libvirt: no\nroute");

    char path[] = "/tmp/mb-test-json-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(mb_meta_write(path, &tb, mh, 2, "\"scenario\": \"s1\", \"runs\": 3", &err), 0);
    FILE *f = fopen(path, "r");
    char got[4096];
    size_t n = fread(got, 1, sizeof(got) - 1, f);
    got[n] = '\0';
    fclose(f);
    unlink(path);

    char kernel[128], cpu[128];
    mb_meta_local(kernel, sizeof(kernel), cpu, sizeof(cpu));
    struct mb_buf want = {0};
    mb_buf_printf(&want,
                  "{\n  \"harness_version\": \"%s\",\n  \"testbed\": \"lab\",\n"
                  "  \"testbed_file\": \"/tmp/lab/testbed.yaml\",\n"
                  "  \"testbed_profile\": \"none\",\n"
                  "  \"guest_image_hash\": \"sha256:abc\",\n"
                  "  \"load_client\": {\"kernel\": \"%s\", \"cpu\": \"%s\", \"cpus\": %ld},\n"
                  "  \"hosts_share_cpus\": null,\n"
                  "  \"scenario\": \"s1\", \"runs\": 3,\n  \"hosts\": [\n",
                  mb_version, kernel, cpu, sysconf(_SC_NPROCESSORS_ONLN));
    mb_buf_printf(&want,
                  "    {\"name\": \"hostA\", \"uri\": \"qemu+ssh://a/system\", \"accel\": \"kvm\", "
                  "\"emulator\": \"/usr/bin/qemu\",\n"
                  "     \"cpus_allowed\": \"0-1\", \"memory_allowed\": 1073741824, "
                  "\"cpu_max_pct\": 50, \"link_rate_bps\": 200000000,\n"
                  "     \"hypervisor\": \"QEMU 10.0.2\", \"driver\": \"QEMU\", \"libvirt\": "
                  "\"9.0.0\", \"hostname\": \"a\",\n"
                  "     \"cpu_model\": \"kvm64\", \"cpu\": \"AMD EPYC\", \"cpus\": 2, \"memory\": "
                  "4294967296, \"kernel\": \"Linux 6.1\"},\n");
    mb_buf_printf(&want,
                  "    {\"name\": \"host\\\"B\", \"uri\": \"qemu:///system\", \"accel\": \"tcg\", "
                  "\"emulator\": \"\",\n"
                  "     \"cpus_allowed\": \"\", \"memory_allowed\": 0, \"cpu_max_pct\": 0, "
                  "\"link_rate_bps\": 0,\n"
                  "     \"hypervisor\": \"\", \"driver\": \"\", \"libvirt\": \"\", \"hostname\": "
                  "\"\",\n"
                  "     \"cpu_model\": \"\", \"cpu\": \"\", \"cpus\": 0, \"memory\": 0, "
                  "\"kernel\": \"\", \"error\": \"libvirt: no\\u000aroute\"}\n  ]\n}\n");
    assert_string_equal(got, want.data);
    mb_buf_free(&want);

    /* a testbed brought up with a profile names it */
    tb.profile = "paper2011";
    assert_int_equal(mb_meta_write(path, &tb, mh, 2, NULL, &err), 0);
    f = fopen(path, "r");
    n = fread(got, 1, sizeof(got) - 1, f);
    got[n] = '\0';
    fclose(f);
    unlink(path);
    assert_non_null(strstr(got, "\n  \"testbed_profile\": \"paper2011\",\n"));
    /* and it reads back */
    struct mb_json *j = NULL;
    assert_int_equal(mb_json_parse(path, got, n, &j, &err), 0);
    assert_string_equal(mb_json_get(mb_json_get(j, "hosts")->kids[1], "name")->text, "host\"B");
    mb_json_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_good),
        cmocka_unit_test(test_json_values),
        cmocka_unit_test(test_json_bad),
        cmocka_unit_test(test_json_limits),
        cmocka_unit_test(test_json_every_truncation),
        cmocka_unit_test(test_json_write_round_trip),
        cmocka_unit_test(test_metadata_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
