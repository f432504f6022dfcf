/* test_remote.c — shell quoting (checked against a real /bin/sh), host-key verification
 * (libssh2's known_hosts code on files written here), and the session layer above
 * struct mb_remote_ops with the fake SSH backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_ssh.c"
#include "lib/util.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/mb-test-remote-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_quote_table(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "'plain'"},
        {"", "''"},
        {"two words", "'two words'"},
        {"it's", "'it'\"'\"'s'"},
        {"'", "''\"'\"''"},
        {"$(reboot)", "'$(reboot)'"},
        {"`id`", "'`id`'"},
        {"a\nb", "'a\nb'"},
        {"\"dq\" \\ back", "'\"dq\" \\ back'"},
        {"; rm -rf / #", "'; rm -rf / #'"},
        {"*?[x]~", "'*?[x]~'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *q = mb_remote_quoted(cases[i].in);
        assert_string_equal(q, cases[i].want);
        free(q);
    }
}

/* Every value comes back from a real shell byte for byte: one word, nothing expanded. */
static void test_quote_round_trips_through_sh(void **state)
{
    (void)state;
    static const char *const values[] = {
        "plain",
        "",
        "two  words",
        "it's",
        "''",
        "$(echo pwned)",
        "`echo pwned`",
        "a\nb\n",
        "$HOME ${PATH} $1 $@",
        "\"\\\"",
        "; echo pwned #",
        "*",
        "~root",
        "tab\there",
        "!event",
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        struct mb_buf cmd = {0};
        mb_buf_printf(&cmd, "printf '[%%s]%%s' ");
        mb_remote_quote(&cmd, values[i]);
        mb_buf_printf(&cmd, " END");
        FILE *p = popen(cmd.data, "r");
        assert_non_null(p);
        char got[256] = "";
        size_t n = fread(got, 1, sizeof(got) - 1, p);
        got[n] = '\0';
        pclose(p);
        char want[256];
        snprintf(want, sizeof(want), "[%s]END", values[i]);
        if (strcmp(got, want) != 0)
            fail_msg("value %zu: shell gave '%s', want '%s' (command %s)", i, got, want, cmd.data);
        mb_buf_free(&cmd);
    }
}

static void test_quote_ceiling(void **state)
{
    (void)state;
    struct mb_buf b = {.max = 8};
    assert_int_equal(mb_remote_quote(&b, "abc"), 0); /* 'abc' + NUL = 6 */
    assert_int_equal(mb_remote_quote(&b, "abcdef"), -1);
    mb_buf_free(&b);
}

/* A known_hosts line "NAMES ssh-ed25519 <key of seed>". */
static void kh_line(FILE *f, const char *names, const char *seed)
{
    unsigned char blob[64];
    char enc[128];
    fake_b64(blob, fake_host_key(seed, blob), enc);
    fprintf(f, "%s ssh-ed25519 %s\n", names, enc);
}

static char *write_file(const char *name, const char *text)
{
    char *path = mb_xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_host_key_verification(void **state)
{
    (void)state;
    char *kh = mb_xasprintf("%s/known_hosts", tmpdir);
    FILE *f = fopen(kh, "w");
    assert_non_null(f);
    fprintf(f, "# lab hosts\n");
    kh_line(f, "10.213.90.11", "hostA");
    kh_line(f, "10.213.90.12,hostB", "hostB");
    kh_line(f, "[10.213.90.13]:2222", "hostC");
    fclose(f);
    char *bad = write_file("bad_known_hosts", "10.213.90.11\n");
    char *missing = mb_xasprintf("%s/nonexistent", tmpdir);

    static const struct {
        const char *file; /* "kh", "bad", "missing" */
        const char *host;
        int port;
        const char *key_seed;
        int rc;
        const char *msg;
    } cases[] = {
        {"kh", "10.213.90.11", 22, "hostA", MB_OK, NULL},
        {"kh", "10.213.90.11", 0, "hostA", MB_OK, NULL}, /* 0 = 22 */
        {"kh", "hostB", 22, "hostB", MB_OK, NULL},
        {"kh", "10.213.90.12", 22, "hostB", MB_OK, NULL},
        {"kh", "10.213.90.11", 22, "impostor", MB_EENV, "does not match the one in "},
        {"kh", "10.213.90.99", 22, "hostA", MB_EENV, "not in "},
        {"kh", "10.213.90.13", 2222, "hostC", MB_OK, NULL},
        {"kh", "10.213.90.13", 22, "hostC", MB_EENV, "not in "},
        {"missing", "10.213.90.11", 22, "hostA", MB_EENV, "cannot read known_hosts file "},
        {"bad", "10.213.90.11", 22, "hostA", MB_EENV, "cannot parse known_hosts file "},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *file = !strcmp(cases[i].file, "kh")    ? kh
                           : !strcmp(cases[i].file, "bad") ? bad
                                                           : missing;
        unsigned char blob[64];
        size_t n = fake_host_key(cases[i].key_seed, blob);
        struct mb_error e;
        mb_error_clear(&e);
        int rc = mb_remote_check_host_key(file, cases[i].host, cases[i].port, blob, n,
                                          LIBSSH2_HOSTKEY_TYPE_ED25519, &e);
        if (rc != cases[i].rc)
            fail_msg("case %zu (%s): rc %d, want %d: %s", i, cases[i].host, rc, cases[i].rc, e.msg);
        if (cases[i].msg) {
            if (!strstr(e.msg, cases[i].msg) || !strstr(e.msg, file))
                fail_msg("case %zu: message '%s' lacks '%s' or the file name", i, e.msg,
                         cases[i].msg);
        }
    }
    free(kh);
    free(bad);
    free(missing);
}

static struct mb_remote *open_fake_session(const char *addr, const char *kh)
{
    char *key = write_file("id_ed25519", "not really a key\n");
    struct mb_remote_target t = {.address = addr, .key = key, .known_hosts = kh};
    struct mb_remote *r = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    int rc = mb_remote_open(&fake_remote, &t, &r, &e);
    free(key);
    if (rc != MB_OK)
        fail_msg("open %s: %s", addr, e.msg);
    return r;
}

static char *guest_known_hosts(void)
{
    char *kh = mb_xasprintf("%s/guest_known_hosts", tmpdir);
    FILE *f = fopen(kh, "w");
    kh_line(f, "10.213.90.101", "10.213.90.101");
    fclose(f);
    return kh;
}

static void test_open_refuses_unknown_or_changed_host(void **state)
{
    (void)state;
    fake_ssh_reset();
    char *kh = guest_known_hosts();
    char *key = write_file("id_ed25519", "k\n");
    static const struct {
        const char *addr;
        bool insecure;
        int rc;
        const char *msg;
    } cases[] = {
        {"10.213.90.101", false, MB_OK, NULL},
        {"10.213.90.102", false, MB_EENV, "not in "},
        {"10.213.90.102", true, MB_OK, NULL}, /* explicit opt-out only */
        {"unreachable", false, MB_EENV, "Connection refused"},
        {"", false, MB_EINPUT, "no address"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_remote_target t = {
            .address = cases[i].addr, .key = key, .known_hosts = kh, .insecure = cases[i].insecure};
        struct mb_remote *r = NULL;
        struct mb_error e;
        mb_error_clear(&e);
        int rc = mb_remote_open(&fake_remote, &t, &r, &e);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d, want %d (%s)", cases[i].addr, rc, cases[i].rc, e.msg);
        if (cases[i].msg && !strstr(e.msg, cases[i].msg))
            fail_msg("%s: '%s' lacks '%s'", cases[i].addr, e.msg, cases[i].msg);
        if (rc == MB_OK)
            assert_non_null(r);
        else
            assert_null(r);
        mb_remote_close(r);
    }
    /* a changed key: the same address, another key in the file */
    FILE *f = fopen(kh, "w");
    kh_line(f, "10.213.90.101", "someone else");
    fclose(f);
    struct mb_remote_target t = {.address = "10.213.90.101", .key = key, .known_hosts = kh};
    struct mb_remote *r = NULL;
    struct mb_error e;
    mb_error_clear(&e);
    assert_int_equal(mb_remote_open(&fake_remote, &t, &r, &e), MB_EENV);
    assert_non_null(strstr(e.msg, "does not match"));
    assert_non_null(strstr(e.msg, kh));
    free(kh);
    free(key);
}

static void test_exec_output_and_ceiling(void **state)
{
    (void)state;
    fake_ssh_reset();
    char *kh = guest_known_hosts();
    struct mb_remote *r = open_fake_session("10.213.90.101", kh);
    static const struct {
        const char *chunk;
        int repeat;
        size_t out_max;
        size_t want_len;
        bool truncated;
    } cases[] = {
        {"hello\n", 1, 0, 6, false},
        {"0123456789", 1000, 1000, 999, true}, /* max counts the NUL */
        {"0123456789", 99, 1000, 990, false},
        {"0123456789", 100, 1001, 1000, false},
        {"x", 5000, 16, 15, true},
        {"", 0, 10, 0, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_ssh.out_chunk = cases[i].chunk;
        fake_ssh.out_repeat = cases[i].repeat;
        fake_ssh.err_text = "warning\n";
        fake_ssh.exit_status = 3;
        struct mb_remote_cmd c = {.cmd = "cat big", .out_max = cases[i].out_max, .err_max = 4};
        struct mb_remote_result res;
        struct mb_error e;
        mb_error_clear(&e);
        assert_int_equal(mb_remote_exec(r, &c, &res, &e), MB_OK);
        if (res.out.len != cases[i].want_len || res.out_truncated != cases[i].truncated)
            fail_msg("case %zu: len %zu truncated %d", i, res.out.len, res.out_truncated);
        assert_int_equal(strlen(res.out.data), res.out.len);
        assert_string_equal(res.err.data, "war"); /* err_max 4 */
        assert_true(res.err_truncated);
        assert_int_equal(res.exit_status, 3);
        assert_true(fake_ssh.last_timeout == 60); /* the default */
        mb_remote_result_free(&res);
    }
    mb_remote_close(r);
    free(kh);
}

static void test_run_and_timeout(void **state)
{
    (void)state;
    fake_ssh_reset();
    char *kh = guest_known_hosts();
    struct mb_remote *r = open_fake_session("10.213.90.101", kh);
    struct mb_error e;
    mb_error_clear(&e);
    char *out = NULL;
    fake_ssh.out_chunk = "vm1\n";
    fake_ssh.out_repeat = 1;
    assert_int_equal(mb_remote_run(r, "hostname", 5, &out, &e), MB_OK);
    assert_string_equal(out, "vm1\n");
    free(out);
    assert_true(fake_ssh.last_timeout == 5);

    fake_ssh_reset();
    fake_ssh.exit_status = 2;
    fake_ssh.err_text = "cat: /nope: No such file or directory\n";
    out = NULL;
    assert_int_equal(mb_remote_run(r, "cat /nope", 5, &out, &e), MB_EFAILED);
    assert_null(out);
    assert_non_null(strstr(e.msg, "exited with 2"));
    assert_non_null(strstr(e.msg, "No such file or directory"));
    assert_null(strstr(e.msg, "\n"));

    fake_ssh_reset();
    fake_ssh.exit_signal = "KILL";
    assert_int_equal(mb_remote_run(r, "sleep 100", 5, NULL, &e), MB_EFAILED);
    assert_non_null(strstr(e.msg, "SIGKILL"));

    fake_ssh_reset();
    fake_ssh.hang = true;
    struct mb_remote_cmd c = {.cmd = "sleep 100", .timeout_s = 0.5};
    struct mb_remote_result res;
    assert_int_equal(mb_remote_exec(r, &c, &res, &e), MB_EFAILED);
    assert_true(res.timed_out);
    assert_non_null(strstr(e.msg, "timed out"));
    assert_non_null(res.out.data); /* printable even then */
    mb_remote_result_free(&res);
    mb_remote_close(r);
    free(kh);
}

static void test_upload_quotes_path(void **state)
{
    (void)state;
    fake_ssh_reset();
    char *kh = guest_known_hosts();
    struct mb_remote *r = open_fake_session("10.213.90.101", kh);
    struct mb_error e;
    mb_error_clear(&e);
    const char data[] = "#!/bin/sh\necho 'hi'\n";
    assert_int_equal(mb_remote_upload(r, "/tmp/it's $(here)", data, sizeof(data) - 1, 0755, 10, &e),
                     MB_OK);
    assert_string_equal(fake_ssh.last_cmd, "umask 077 && cat > '/tmp/it'\"'\"'s $(here)' && "
                                           "chmod 0755 '/tmp/it'\"'\"'s $(here)'");
    assert_int_equal(fake_ssh.last_stdin_len, sizeof(data) - 1);
    assert_memory_equal(fake_ssh.last_stdin, data, sizeof(data) - 1);
    fake_ssh.exit_status = 1;
    fake_ssh.err_text = "sh: can't create /ro/x: Read-only file system\n";
    assert_int_equal(mb_remote_upload(r, "/ro/x", "x", 1, 0644, 10, &e), MB_EFAILED);
    assert_non_null(strstr(e.msg, "Read-only file system"));
    mb_remote_close(r);
    assert_int_equal(fake_ssh.closes, 1);
    mb_remote_close(NULL);
    free(kh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_table),
        cmocka_unit_test(test_quote_round_trips_through_sh),
        cmocka_unit_test(test_quote_ceiling),
        cmocka_unit_test(test_host_key_verification),
        cmocka_unit_test(test_open_refuses_unknown_or_changed_host),
        cmocka_unit_test(test_exec_output_and_ceiling),
        cmocka_unit_test(test_run_and_timeout),
        cmocka_unit_test(test_upload_quotes_path),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
