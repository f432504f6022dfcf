/* cmd_help.c — `migbench help TOPIC`: the reference texts, the manual pages and the bash
 * completion, all printed from the tables the program itself parses with. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "lib/error.h"
#include "options.h"
#include "results.h"
#include "lib/util.h"

static const char *const topics[] = {"keys", "columns",      "units",      "exit-codes",
                                     "man",  "man-scenario", "completion", NULL};

static const char units_text[] =
    "sizes       512MiB 1GiB 64KiB 2TiB (binary)   500MB 1GB (decimal)   0\n"
    "durations   300ms 5s 1.5s 2min 1h   0\n"
    "percent     40% 12.5%\n"
    "rates       100MiB/s 1GiB/s   0 (unlimited)\n"
    "A number without a unit is refused where a unit is expected, except 0.\n"
    "A list where one value is expected makes the key a factor:\n"
    "  memory: [256MiB, 512MiB, 1GiB]\n";

/* Exit statuses: code, then meaning (lines after the first indented by the printer). */
static const char *const exit_codes[][2] = {
    {"0", "success"},
    {"1", "the work ran, and some of it failed: a run failed, timed out or\n"
          "corrupted its guest; compare found a regression; compare --aa\n"
          "measured a false-positive rate over alpha; report --strict found a\n"
          "claim not confirmed"},
    {"2", "bad input or usage: a scenario, testbed or results file, an option"},
    {"3", "the environment failed: testbed, libvirt, ssh, a missing tool"},
    {"130", "interrupted (SIGINT or SIGTERM); clean-up was done, results kept"},
};

static const struct mb_cli_opt help_opts[] = {
    {.name = "markdown",
     .set = mb_cli_set_flag,
     .offset = 0,
     .help = "keys as a Markdown table (docs/scenario-keys.md)"},
    {.name = NULL},
};

const struct mb_cli_cmd mb_help_cli = {
    .name = "help",
    .usage = "TOPIC [PREFIX]",
    .description =
        "topics:\n"
        "  keys [--markdown] [PREFIX]  every scenario key (or those starting with PREFIX):\n"
        "                              type, default, range, meaning\n"
        "  columns            every column of raw.csv (docs/results.md)\n"
        "  units              how sizes, durations, percentages and rates are written\n"
        "  exit-codes         what migbench's exit statuses mean\n"
        "  man                the manual page migbench(1), in roff (docs/man/migbench.1)\n"
        "  man-scenario       the manual page migbench-scenario(5), in roff\n"
        "  completion         the bash completion script\n",
    .epilog = "examples:\n"
              "  migbench help keys migration.\n"
              "  migbench help man | man -l -\n"
              "  source <(migbench help completion)\n",
    .opts = help_opts,
    .min_args = 1,
    .max_args = 2,
};

static void print_exit_codes(void)
{
    for (size_t i = 0; i < sizeof(exit_codes) / sizeof(exit_codes[0]); i++) {
        printf("%-4s ", exit_codes[i][0]);
        for (const char *p = exit_codes[i][1]; *p; p++)
            fputs(*p == '\n' ? "\n     " : (char[]){*p, 0}, stdout);
        putchar('\n');
    }
}

/* The sections every page ends with: exit status and the other page. */
static void man_exit_codes(void)
{
    fputs(".SH EXIT STATUS\n", stdout);
    for (size_t i = 0; i < sizeof(exit_codes) / sizeof(exit_codes[0]); i++) {
        printf(".TP\n.B %s\n", exit_codes[i][0]);
        mb_cli_roff(stdout, exit_codes[i][1]);
        putchar('\n');
    }
}

static const char man_examples[] =
    "migbench lab up --name ci\n"
    "migbench check scenarios/examples/*.yaml\n"
    "migbench plan scenarios/examples/fig2-source-cpu.yaml\n"
    "migbench run --testbed ci scenarios/examples/fig2-source-cpu.yaml\n"
    "migbench report results/fig2-source-cpu/TIME\n"
    "migbench compare results/A results/B\n"
    "migbench lab down --name ci\n";

static const char man_files[] =
    "PREFIX/share/migbench\n"
    "    lab scripts, guest image recipe and in-guest program sources, gnuplot\n"
    "    templates, example and paper scenarios (a checkout is used in place)\n"
    "/var/cache/migbench\n"
    "    built guest images and the lab's caches of an installed copy\n"
    "/tmp/migbench/NAME/testbed.yaml\n"
    "    the testbed file of lab instance NAME, which scenarios name as NAME\n";

static const char man_env[] =
    "MIGBENCH_DATA      the data directory (default: the checkout, else\n"
    "                   BIN/../share/migbench)\n"
    "MIGBENCH_CACHE_DIR where run-time files of an installed copy go\n"
    "                   (default /var/cache/migbench)\n"
    "MIGBENCH_RUN_DIR   lab instances' files (default /tmp/migbench)\n"
    "MIGBENCH_TESTBED_DIR  where testbed NAME.yaml files are looked up first\n";

static void man_nofill(const char *section, const char *text)
{
    printf(".SH %s\n.nf\n", section);
    mb_cli_roff(stdout, text);
    fputs(".fi\n", stdout);
}

static void print_man(void)
{
    fputs(".\\\" Generated by `migbench help man` from the command tables; do not edit.\n"
          ".TH MIGBENCH 1 \"\" \"migbench\" \"User Commands\"\n"
          ".SH NAME\nmigbench \\- live-migration experiments on real hypervisors\n",
          stdout);
    mb_cli_man(stdout, &mb_migbench_cli);
    man_exit_codes();
    man_nofill("EXAMPLES", man_examples);
    man_nofill("ENVIRONMENT", man_env);
    man_nofill("FILES", man_files);
    fputs(".SH SEE ALSO\n.BR migbench-scenario (5),\n.BR virsh (1),\n.BR gnuplot (1)\n", stdout);
}

static void print_man_scenario(void)
{
    fputs(".\\\" Generated by `migbench help man-scenario` from the option table; do not edit.\n"
          ".TH MIGBENCH-SCENARIO 5 \"\" \"migbench\" \"File Formats\"\n"
          ".SH NAME\nmigbench-scenario \\- the YAML experiment files of migbench\n"
          ".SH DESCRIPTION\n"
          "A scenario is one YAML file describing one experiment: the VMs, the testbed, the\n"
          "migration strategy, the reservation, the workload and what is measured and drawn.\n"
          "Keys are written as nested mappings or dotted (\\fBmigration.strategy\\fR).\n"
          "A list where one value is expected makes the key a factor of the experiment;\n"
          "factors combine as a cross product, or advance together with \\fBzip\\fR.\n"
          "Mistakes are reported as file:line:column, with a suggestion for a misspelt key.\n"
          "\\fBmigbench check FILE\\fR validates a scenario without touching any host.\n",
          stdout);
    man_nofill("UNITS", units_text);
    fputs(".SH KEYS\n", stdout);
    mb_options_print(stdout, "man", NULL);
    fputs(".SH SEE ALSO\n.BR migbench (1)\n", stdout);
}

static void print_completion(void)
{
    fputs("# bash completion for migbench, generated by `migbench help completion` from its\n"
          "# command and option tables; do not edit.\n",
          stdout);
    mb_cli_completion(stdout, &mb_migbench_cli);
    fputs("_migbench_topics=\"", stdout);
    for (const char *const *t = topics; *t; t++)
        printf("%s%s", *t, t[1] ? " " : "\"\n");
    fputs("_migbench_keys=\"", stdout);
    for (const struct mb_option *o = mb_option_table(); o->key; o++)
        printf("%s%s", o->key, o[1].key ? " " : "\"\n");
    fputs("complete -F _migbench migbench\n", stdout);
}

static int print_columns(void)
{
    struct mb_buf b = {0};
    if (mb_results_doc_table(&b) < 0) {
        mb_buf_free(&b);
        return MB_EXIT_ENV;
    }
    fputs(b.data, stdout);
    mb_buf_free(&b);
    return MB_EXIT_OK;
}

int mb_cmd_help(int argc, char **argv)
{
    bool md = false; /* the only field: offset 0 */
    struct mb_error err;
    mb_error_clear(&err);
    int rc = mb_cli_parse(&mb_help_cli, &argc, argv, &md, &err);
    if (rc == MB_CLI_USAGE) { /* a newcomer's `migbench help`: the topics */
        mb_cli_help(stdout, &mb_help_cli);
        return MB_EXIT_INPUT;
    }
    if (rc != MB_CLI_OK)
        return mb_cli_exit(&mb_help_cli, rc, &err);
    const char *topic = argv[1], *prefix = argc > 2 ? argv[2] : NULL;
    if (prefix && strcmp(topic, "keys")) {
        mb_error_set(&err, MB_EINPUT, "only 'keys' takes a PREFIX");
        return mb_cli_exit(&mb_help_cli, MB_EINPUT, &err);
    }
    if (!strcmp(topic, "keys")) {
        if (mb_options_print(stdout, md ? "md" : "text", prefix) > 0)
            return MB_EXIT_OK;
        fprintf(stderr, "migbench help: no scenario key starts with '%s'\n", prefix);
        return MB_EXIT_INPUT;
    }
    if (!strcmp(topic, "columns"))
        return print_columns();
    if (!strcmp(topic, "units"))
        fputs(units_text, stdout);
    else if (!strcmp(topic, "exit-codes"))
        print_exit_codes();
    else if (!strcmp(topic, "man"))
        print_man();
    else if (!strcmp(topic, "man-scenario"))
        print_man_scenario();
    else if (!strcmp(topic, "completion"))
        print_completion();
    else {
        const char *s = mb_suggest(topic, topics);
        fprintf(stderr,
                "migbench help: no topic '%s'%s%s%s; topics: keys, columns, units, "
                "exit-codes, man, man-scenario, completion\n",
                topic, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        return MB_EXIT_INPUT;
    }
    return MB_EXIT_OK;
}
