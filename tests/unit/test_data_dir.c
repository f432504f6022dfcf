/* test_data_dir.c — the one look-up of the data directory (lib/data_dir.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/data_dir.h"
#include "lib/util.h"

static void test_env_wins(void **state)
{
    (void)state;
    struct mb_error err;
    mb_error_clear(&err);
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    setenv("MIGBENCH_DATA", ".", 1);
    char *d = mb_data_dir(&err);
    assert_string_equal(d, cwd); /* made absolute */
    free(d);
    setenv("MIGBENCH_DATA", "/nonexistent/migbench", 1);
    assert_null(mb_data_dir(&err));
    assert_int_equal(err.status, MB_EENV);
    assert_non_null(strstr(err.msg, "MIGBENCH_DATA"));
    unsetenv("MIGBENCH_DATA");
}

/* build/tests/test_data_dir runs from a checkout: found two levels up */
static void test_checkout(void **state)
{
    (void)state;
    struct mb_error err;
    mb_error_clear(&err);
    char *d = mb_data_dir(&err);
    assert_non_null(d);
    char *up = mb_data_path("lab/up", &err);
    assert_non_null(up);
    assert_true(mb_ends_with(up, "/lab/up"));
    assert_null(mb_data_path("no-such-part", &err));
    assert_int_equal(err.status, MB_EENV);
    char *bin = mb_bin_dir(&err);
    assert_true(mb_ends_with(bin, "/tests"));
    free(bin);
    free(up);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_wins),
        cmocka_unit_test(test_checkout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
