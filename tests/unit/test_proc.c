/* test_proc.c — child processes: streams, environment, directory, exit statuses, and a
 * program that cannot be run reported as such (not as its exit status 127). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/proc.h"

static int sh(const char *script, struct mb_proc_spec *s, struct mb_buf *out, int *status,
              struct mb_error *err)
{
    static char *argv[4];
    argv[0] = "sh";
    argv[1] = "-c";
    argv[2] = (char *)script;
    argv[3] = NULL;
    s->path = "/bin/sh";
    s->argv = argv;
    return mb_proc_run(s, out, NULL, status, err);
}

struct status_case {
    const char *script;
    int want;
};

static void test_statuses(void **state)
{
    (void)state;
    static const struct status_case cases[] = {
        {"exit 0", 0},
        {"exit 3", 3},
        {"exit 127", 127}, /* the program's own 127 is a status, not a failure to run */
        {"kill -TERM $$", 128 + 15},
        {"kill -KILL $$", 128 + 9},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mb_proc_spec s = {0};
        struct mb_error e = {0};
        int st = -1;
        assert_int_equal(sh(cases[i].script, &s, NULL, &st, &e), 0);
        assert_int_equal(st, cases[i].want);
    }
}

static void test_capture_stdout_and_stderr(void **state)
{
    (void)state;
    struct mb_error e = {0};
    int st;
    struct mb_buf out = {0};
    struct mb_proc_spec s = {.out = MB_PROC_CAPTURE, .err = MB_PROC_DEVNULL};
    assert_int_equal(sh("echo to-out; echo to-err >&2", &s, &out, &st, &e), 0);
    assert_string_equal(out.data, "to-out\n");
    mb_buf_free(&out);

    struct mb_proc_spec s2 = {.out = MB_PROC_DEVNULL, .err = MB_PROC_CAPTURE};
    assert_int_equal(sh("echo to-out; echo to-err >&2", &s2, &out, &st, &e), 0);
    assert_string_equal(out.data, "to-err\n");
    mb_buf_free(&out);

    /* both at once, or a capture with nowhere to go, is refused before anything runs */
    struct mb_proc_spec both = {.out = MB_PROC_CAPTURE, .err = MB_PROC_CAPTURE};
    assert_int_equal(sh("true", &both, &out, &st, &e), MB_EINPUT);
    struct mb_proc_spec nowhere = {.out = MB_PROC_CAPTURE};
    assert_int_equal(sh("true", &nowhere, NULL, &st, &e), MB_EINPUT);
}

static void test_capture_ceiling(void **state)
{
    (void)state;
    struct mb_error e = {0};
    int st;
    struct mb_buf out = {.max = 1000};
    struct mb_proc_spec s = {.out = MB_PROC_CAPTURE};
    /* a chatty child is read to its end (it is not blocked on a full pipe) and its
     * output kept up to the ceiling */
    assert_int_equal(sh("head -c 200000 /dev/zero | tr '\\0' x", &s, &out, &st, &e), 0);
    assert_int_equal(st, 0);
    assert_true(out.len <= 1000);
    mb_buf_free(&out);
}

static void test_env_and_dir(void **state)
{
    (void)state;
    struct mb_error e = {0};
    int st;
    struct mb_buf out = {0};
    setenv("MB_PROC_TEST", "old", 1);
    char *env[] = {"MB_PROC_TEST=new", "MB_PROC_OTHER=2", NULL};
    struct mb_proc_spec s = {.out = MB_PROC_CAPTURE, .env = env, .dir = "/"};
    assert_int_equal(sh("echo $MB_PROC_TEST $MB_PROC_OTHER $(pwd)", &s, &out, &st, &e), 0);
    assert_string_equal(out.data, "new 2 /\n");
    assert_string_equal(getenv("MB_PROC_TEST"), "old"); /* ours untouched */
    mb_buf_free(&out);
    unsetenv("MB_PROC_TEST");
}

static void test_cannot_run(void **state)
{
    (void)state;
    struct mb_error e = {0};
    int st = -1;
    char *argv[] = {"no-such-program", NULL};
    struct mb_proc_spec s = {.path = "/nonexistent/no-such-program", .argv = argv};
    assert_int_equal(mb_proc_run(&s, NULL, NULL, &st, &e), MB_EENV);
    assert_non_null(strstr(e.msg, "cannot run /nonexistent/no-such-program"));
    assert_int_equal(st, -1); /* untouched on failure */

    struct mb_proc_spec p = {.path = "no-such-program-mb", .argv = argv, .search_path = true};
    pid_t pid = 0;
    assert_int_equal(mb_proc_spawn(&p, &pid, &e), MB_EENV);
    assert_int_equal(pid, 0);

    char *sh_argv[] = {"sh", "-c", "true", NULL};
    struct mb_proc_spec d = {.path = "/bin/sh", .argv = sh_argv, .dir = "/nonexistent-dir"};
    assert_int_equal(mb_proc_run(&d, NULL, NULL, &st, &e), MB_EENV);
    assert_non_null(strstr(e.msg, "in /nonexistent-dir"));
}

static void test_spawn_to_file_and_wait(void **state)
{
    (void)state;
    char path[] = "/tmp/mb-proc-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char *argv[] = {"sh", "-c", "echo hello; echo oops >&2; exit 4", NULL};
    struct mb_proc_spec s = {.path = "sh",
                             .argv = argv,
                             .search_path = true,
                             .own_group = true,
                             .in = MB_PROC_DEVNULL,
                             .out = MB_PROC_FD,
                             .out_fd = fd,
                             .err = MB_PROC_FD,
                             .err_fd = fd};
    struct mb_error e = {0};
    pid_t pid = 0;
    assert_int_equal(mb_proc_spawn(&s, &pid, &e), 0);
    assert_true(pid > 0);
    int st;
    assert_int_equal(mb_proc_wait(pid, &st, &e), 0);
    assert_int_equal(st, 4);
    char buf[64] = {0};
    assert_true(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
    assert_string_equal(buf, "hello\noops\n");
    close(fd);
    unlink(path);

    /* a capture needs mb_proc_run's reader */
    struct mb_proc_spec c = {.path = "sh", .argv = argv, .out = MB_PROC_CAPTURE};
    assert_int_equal(mb_proc_spawn(&c, &pid, &e), MB_EINPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statuses),        cmocka_unit_test(test_capture_stdout_and_stderr),
        cmocka_unit_test(test_capture_ceiling), cmocka_unit_test(test_env_and_dir),
        cmocka_unit_test(test_cannot_run),      cmocka_unit_test(test_spawn_to_file_and_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
