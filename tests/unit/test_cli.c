/* Unit tests of cli.c: parsing, errors and help generated from an option table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "lib/util.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct topts {
    bool quiet, all;
    const char *testbed, *maybe;
    int count;
};

static const struct mb_cli_opt topts_table[] = {
    {.name = "quiet",
     .short_name = 'q',
     .set = mb_cli_set_flag,
     .offset = offsetof(struct topts, quiet),
     .help = "print nothing"},
    {.name = "testbed",
     .short_name = 't',
     .arg = MB_CLI_REQUIRED,
     .meta = "FILE|NAME",
     .set = mb_cli_set_str,
     .offset = offsetof(struct topts, testbed),
     .help = "use this testbed"},
    {.name = "maybe",
     .arg = MB_CLI_OPTIONAL,
     .meta = "WHAT",
     .set = mb_cli_set_str,
     .offset = offsetof(struct topts, maybe),
     .help = "an optional value"},
    {.name = "count",
     .short_name = 'n',
     .arg = MB_CLI_REQUIRED,
     .meta = "N",
     .set = mb_cli_set_int,
     .offset = offsetof(struct topts, count),
     .help = "how many",
     .def = "3",
     .min = 1,
     .max = 9},
    {.name = "all",
     .arg = MB_CLI_OPTIONAL,
     .set = mb_cli_set_flag,
     .offset = offsetof(struct topts, all),
     .help = "every one, a flag that also takes =true or =false",
     .only = 2},
    {.name = "postcopy", .help = "a flag another begins with"},
    {.name = "postcopy-after", .arg = MB_CLI_REQUIRED, .meta = "S", .help = "its longer sibling"},
    {.name = NULL},
};

static const struct mb_cli_cmd tcmd = {
    .name = "t",
    .usage = "[OPTIONS] FILE...\n[OPTIONS] --resume DIR",
    .summary = "a test command",
    .description = "A command for the tests.\n",
    .epilog = "exit status: 0 ok, 2 bad usage.\n",
    .opts = topts_table,
    .min_args = 1,
    .max_args = 2,
    .mask = 1,
};

/* Split s at spaces into argv (argv[0] = "t"); returns argc.  The strings live in buf. */
static int split(const char *s, char *buf, size_t size, char **argv, int max)
{
    snprintf(buf, size, "%s", s);
    int argc = 0;
    argv[argc++] = "t";
    for (char *save = NULL, *w = strtok_r(buf, " ", &save); w && argc < max;
         w = strtok_r(NULL, " ", &save))
        argv[argc++] = w;
    return argc;
}

/* The operands after a parse, joined by commas. */
static void joined(int argc, char **argv, char *out, size_t size)
{
    out[0] = '\0';
    for (int i = 1; i < argc; i++)
        snprintf(out + strlen(out), size - strlen(out), "%s%s", i > 1 ? "," : "", argv[i]);
}

static void test_good_parses(void **state)
{
    (void)state;
    static const struct {
        const char *args;
        bool quiet;
        const char *testbed, *maybe;
        int count;
        const char *operands;
    } cases[] = {
        {"a", false, NULL, NULL, 3, "a"},
        {"--quiet a", true, NULL, NULL, 3, "a"},
        {"-q a", true, NULL, NULL, 3, "a"},
        {"a -q", true, NULL, NULL, 3, "a"},
        {"--testbed lab a", false, "lab", NULL, 3, "a"},
        {"--testbed=lab a", false, "lab", NULL, 3, "a"},
        {"--testbed= a", false, "", NULL, 3, "a"},
        {"-t lab a", false, "lab", NULL, 3, "a"},
        {"-tlab a", false, "lab", NULL, 3, "a"},
        {"-qt lab a b", true, "lab", NULL, 3, "a,b"},
        {"--testbed --quiet a", false, "--quiet", NULL, 3, "a"},
        {"--maybe a", false, NULL, NULL, 3, "a"},
        {"--maybe=x a", false, NULL, "x", 3, "a"},
        {"-n 7 a", false, NULL, NULL, 7, "a"},
        {"--count=9 a b", false, NULL, NULL, 9, "a,b"},
        {"-- -q", false, NULL, NULL, 3, "-q"},
        {"a -- --testbed", false, NULL, NULL, 3, "a,--testbed"},
        {"- a", false, NULL, NULL, 3, "-,a"},
        {"--postcopy a", false, NULL, NULL, 3, "a"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char buf[256], ops[256], *argv[16];
        int argc = split(cases[i].args, buf, sizeof(buf), argv, 16);
        struct topts o = {0};
        struct mb_error err;
        mb_error_clear(&err);
        int rc = mb_cli_parse(&tcmd, &argc, argv, &o, &err);
        if (rc != MB_CLI_OK)
            fail_msg("'%s': rc %d: %s", cases[i].args, rc, err.msg);
        joined(argc, argv, ops, sizeof(ops));
        assert_int_equal(o.quiet, cases[i].quiet);
        if (cases[i].testbed)
            assert_string_equal(o.testbed, cases[i].testbed);
        else
            assert_null(o.testbed);
        if (cases[i].maybe)
            assert_string_equal(o.maybe, cases[i].maybe);
        else
            assert_null(o.maybe);
        assert_int_equal(o.count, cases[i].count);
        assert_string_equal(ops, cases[i].operands);
    }
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *args;
        int rc;
        const char *msg;
    } cases[] = {
        {"--tesbed lab a", MB_EINPUT, "unknown option '--tesbed' (did you mean '--testbed'?)"},
        {"--frobnicate a", MB_EINPUT, "unknown option '--frobnicate'"},
        {"-x a", MB_EINPUT, "unknown option '-x'"},
        {"-qx a", MB_EINPUT, "unknown option '-x'"},
        {"-maybe a", MB_EINPUT, "unknown option '-maybe' (did you mean '--maybe'?)"},
        {"-testbed a", MB_CLI_OK, NULL}, /* -t estbed, as getopt reads it */
        {"a --testbed", MB_EINPUT, "option '--testbed' needs a value (FILE|NAME)"},
        {"a -t", MB_EINPUT, "option '-t' needs a value (FILE|NAME)"},
        {"--quiet=yes a", MB_EINPUT, "option '--quiet' takes no value"},
        {"--help=x a", MB_EINPUT, "option '--help' takes no value"},
        {"--count 0 a", MB_EINPUT, "--count '0': expected a whole number from 1 to 9"},
        {"--count 4x a", MB_EINPUT, "--count '4x': expected a whole number from 1 to 9"},
        {"--count= a", MB_EINPUT, "--count '': expected a whole number from 1 to 9"},
        /* abbreviations, as getopt_long takes them: one name begins with it, or it is
         * a whole name that a longer one also begins with */
        {"--test lab a", MB_CLI_OK, NULL},
        {"--postcopy-a 1 a", MB_CLI_OK, NULL},
        {"--postcopy a", MB_CLI_OK, NULL},
        {"--he a", MB_CLI_HELP, NULL},
        {"--p 1 a", MB_EINPUT, "option '--p' is ambiguous: --postcopy, --postcopy-after"},
        {"--postcopy-after-x 1 a", MB_EINPUT,
         "unknown option '--postcopy-after-x' (did you mean '--postcopy-after'?)"},
        {"a b c", MB_EINPUT, "unexpected argument 'c'"},
        {"--all a", MB_EINPUT, "unknown option '--all'"}, /* not for mask 1 */
        {"", MB_CLI_USAGE, NULL},
        {"-q", MB_CLI_USAGE, NULL},
        {"--help a b c", MB_CLI_HELP, NULL},
        {"a -h", MB_CLI_HELP, NULL},
        {"-qh", MB_CLI_HELP, NULL},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char buf[256], *argv[16];
        int argc = split(cases[i].args, buf, sizeof(buf), argv, 16);
        struct topts o = {0};
        struct mb_error err;
        mb_error_clear(&err);
        int rc = mb_cli_parse(&tcmd, &argc, argv, &o, &err);
        if (rc != cases[i].rc)
            fail_msg("'%s': rc %d, want %d (%s)", cases[i].args, rc, cases[i].rc, err.msg);
        if (cases[i].msg && strcmp(err.msg, cases[i].msg))
            fail_msg("'%s': '%s', want '%s'", cases[i].args, err.msg, cases[i].msg);
    }
}

/* An option row restricted by `only`, a flag with an optional truth value. */
static void test_mask_and_optional_flag(void **state)
{
    (void)state;
    struct mb_cli_cmd c = tcmd;
    c.mask = 2;
    static const struct {
        const char *args;
        int rc;
        bool all;
    } cases[] = {
        {"--all a", MB_CLI_OK, true},     {"--all=true a", MB_CLI_OK, true},
        {"--all=no a", MB_CLI_OK, false}, {"--all=maybe a", MB_EINPUT, false},
        {"--all maybe", MB_CLI_OK, true}, /* an optional value never takes the next word */
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char buf[256], *argv[16];
        int argc = split(cases[i].args, buf, sizeof(buf), argv, 16);
        struct topts o = {0};
        struct mb_error err;
        mb_error_clear(&err);
        assert_int_equal(mb_cli_parse(&c, &argc, argv, &o, &err), cases[i].rc);
        if (cases[i].rc == MB_CLI_OK)
            assert_int_equal(o.all, cases[i].all);
    }
    assert_non_null(mb_cli_find(&c, "all"));
    assert_null(mb_cli_find(&tcmd, "all"));
    assert_null(mb_cli_find(&tcmd, "test")); /* exact names only */
    assert_string_equal(mb_cli_suggest(&tcmd, "qiuet"), "quiet");
}

/* `vm exec N [--timeout D] [--] CMD...`: options stop at the first operand, and after N an
 * unknown option is the remote command's own. */
static void test_stop_and_pass_modes(void **state)
{
    (void)state;
    struct mb_cli_cmd c = tcmd;
    c.flags = MB_CLI_STOP_AT_OPERAND;
    c.max_args = -1;
    static const struct {
        unsigned flags;
        const char *args;
        int rc;
        const char *operands;
    } cases[] = {
        {MB_CLI_STOP_AT_OPERAND, "-q 1 -q --bogus", MB_CLI_OK, "1,-q,--bogus"},
        {MB_CLI_STOP_AT_OPERAND, "-- 1 -- x", MB_CLI_OK, "1,--,x"},
        {MB_CLI_STOP_AT_OPERAND, "--bogus 1", MB_EINPUT, NULL},
        {MB_CLI_STOP_AT_OPERAND | MB_CLI_PASS_UNKNOWN, "-q ls -l", MB_CLI_OK, "ls,-l"},
        {MB_CLI_STOP_AT_OPERAND | MB_CLI_PASS_UNKNOWN, "--bogus -q", MB_CLI_OK, "--bogus,-q"},
        {MB_CLI_STOP_AT_OPERAND | MB_CLI_PASS_UNKNOWN, "--help", MB_CLI_OK, "--help"},
        {MB_CLI_STOP_AT_OPERAND | MB_CLI_PASS_UNKNOWN, "--test x y", MB_CLI_OK, "--test,x,y"},
        {MB_CLI_STOP_AT_OPERAND | MB_CLI_PASS_UNKNOWN, "-x", MB_CLI_OK, "-x"},
        {MB_CLI_STOP_AT_OPERAND | MB_CLI_PASS_UNKNOWN, "--testbed=a -- -q", MB_CLI_OK, "-q"},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        char buf[256], ops[256], *argv[16];
        int argc = split(cases[i].args, buf, sizeof(buf), argv, 16);
        struct topts o = {0};
        struct mb_error err;
        mb_error_clear(&err);
        c.flags = cases[i].flags;
        int rc = mb_cli_parse(&c, &argc, argv, &o, &err);
        if (rc != cases[i].rc)
            fail_msg("'%s': rc %d, want %d (%s)", cases[i].args, rc, cases[i].rc, err.msg);
        if (rc != MB_CLI_OK)
            continue;
        joined(argc, argv, ops, sizeof(ops));
        assert_string_equal(ops, cases[i].operands);
    }
}

static char *help_text(const struct mb_cli_cmd *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    mb_cli_help(f, c);
    fclose(f);
    return text;
}

static void test_usage_generation(void **state)
{
    (void)state;
    char *text = help_text(&tcmd);
    static const char *const want[] = {
        ("usage: migbench t [OPTIONS] FILE...\n       migbench t [OPTIONS] --resume DIR\n"
         "\nA command for the tests.\n\noptions:\n"),
        "\n  -q, --quiet         print nothing\n",
        "\n  -t, --testbed FILE|NAME\n                      use this testbed\n",
        "\n  --maybe[=WHAT]      an optional value\n",
        "\n  -n, --count N       how many (default 3)\n",
        "\n  -h, --help          this help\n\nexit status: 0 ok, 2 bad usage.\n",
    };
    for (size_t i = 0; i < N_OF(want); i++)
        if (!strstr(text, want[i]))
            fail_msg("help lacks [%s]:\n%s", want[i], text);
    assert_null(strstr(text, "--all")); /* not for this command's mask */
    free(text);

    /* a group: its commands, each in one line or in full */
    static const struct mb_cli_cmd subs[] = {
        {.name = "g one", .usage = "N [OPTIONS]", .summary = "the first", .opts = topts_table},
        {.name = "g two", .usage = "", .summary = "the second"},
        {.name = NULL},
    };
    struct mb_cli_cmd g = {.name = "g", .usage = "COMMAND", .subs = subs};
    text = help_text(&g);
    if (!strstr(text, "commands:\n  one  the first\n  two  the second\n"))
        fail_msg("group help:\n%s", text);
    free(text);
    g.flags = MB_CLI_SUBS_IN_FULL;
    text = help_text(&g);
    if (!strstr(text, "commands:\n  one N [OPTIONS]\n      the first\n      -q, --quiet   ") ||
        !strstr(text, "\n  two\n      the second\n"))
        fail_msg("group help in full:\n%s", text);
    free(text);

    struct mb_error err;
    mb_error_clear(&err);
    assert_ptr_equal(mb_cli_sub(&g, "two", &err), &subs[1]);
    assert_null(mb_cli_sub(&g, "tow", &err));
    assert_string_equal(err.msg, "unknown command 'tow' (did you mean 'two'?)");
}

/* A long help text wraps at the width, indented under its option. */
static void test_help_wraps(void **state)
{
    (void)state;
    static const struct mb_cli_opt opts[] = {
        {.name = "long",
         .help = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                 "fifteen sixteen seventeen eighteen nineteen twenty"},
        {.name = NULL},
    };
    struct mb_cli_cmd c = {.name = "w", .usage = "", .opts = opts};
    char *text = help_text(&c);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        assert_true(strlen(line) <= 90);
    free(text);
}

/* What mb_cli_exit prints on fd (1 or 2) and returns, for one result of a parse. */
static int exit_output(int fd, int rc, const struct mb_error *err, char *out, size_t size)
{
    char path[] = "/tmp/mb-test-cli-XXXXXX";
    int tmp = mkstemp(path);
    assert_true(tmp >= 0);
    fflush(stdout);
    fflush(stderr);
    int saved = dup(fd);
    dup2(tmp, fd);
    int status = mb_cli_exit(&tcmd, rc, err);
    fflush(stdout);
    fflush(stderr);
    dup2(saved, fd);
    close(saved);
    ssize_t n = pread(tmp, out, size - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    close(tmp);
    unlink(path);
    return status;
}

static void test_exit_status_and_messages(void **state)
{
    (void)state;
    char out[4096];
    struct mb_error err;
    mb_error_clear(&err);
    assert_int_equal(exit_output(1, MB_CLI_HELP, &err, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "usage: migbench t [OPTIONS] FILE...\n"));
    assert_int_equal(exit_output(2, MB_CLI_USAGE, &err, out, sizeof(out)), 2);
    assert_string_equal(out,
                        "usage: migbench t [OPTIONS] FILE...\n"
                        "       migbench t [OPTIONS] --resume DIR (see 'migbench t --help')\n");
    mb_error_set(&err, MB_EINPUT, "unknown option '--x'");
    assert_int_equal(exit_output(2, MB_EINPUT, &err, out, sizeof(out)), 2);
    assert_string_equal(out, "migbench t: unknown option '--x'; see 'migbench t --help'\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_parses),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_mask_and_optional_flag),
        cmocka_unit_test(test_stop_and_pass_modes),
        cmocka_unit_test(test_usage_generation),
        cmocka_unit_test(test_help_wraps),
        cmocka_unit_test(test_exit_status_and_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
