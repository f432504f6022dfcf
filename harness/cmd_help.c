/* cmd_help.c — `migbench help TOPIC`. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "lib/error.h"
#include "options.h"
#include "results.h"
#include "lib/util.h"

static const char *const topics[] = {"keys", "columns", "units", "exit-codes", NULL};

static const struct mb_cli_opt help_opts[] = {
    {.name = "markdown",
     .set = mb_cli_set_flag,
     .offset = 0,
     .help = "keys as a Markdown table (docs/scenario-keys.md)"},
    {.name = NULL},
};

static const struct mb_cli_cmd help_cli = {
    .name = "help",
    .usage = "TOPIC",
    .description = "topics:\n"
                   "  keys [--markdown]  every scenario key: type, default, range, meaning\n"
                   "  columns            every column of raw.csv (docs/results.md)\n"
                   "  units              how sizes, durations, percentages and rates are written\n"
                   "  exit-codes         what migbench's exit statuses mean\n",
    .opts = help_opts,
    .min_args = 1,
    .max_args = 1,
};

int mb_cmd_help(int argc, char **argv)
{
    bool md = false; /* the only field: offset 0 */
    struct mb_error err;
    mb_error_clear(&err);
    int rc = mb_cli_parse(&help_cli, &argc, argv, &md, &err);
    if (rc == MB_CLI_USAGE) { /* a newcomer's `migbench help`: the topics */
        mb_cli_help(stdout, &help_cli);
        return MB_EXIT_INPUT;
    }
    if (rc != MB_CLI_OK)
        return mb_cli_exit(&help_cli, rc, &err);
    const char *topic = argv[1];
    if (!strcmp(topic, "keys")) {
        mb_options_print(stdout, md ? "md" : "text");
        return MB_EXIT_OK;
    }
    if (!strcmp(topic, "columns")) {
        struct mb_buf b = {0};
        if (mb_results_doc_table(&b) < 0) {
            mb_buf_free(&b);
            return MB_EXIT_ENV;
        }
        fputs(b.data, stdout);
        mb_buf_free(&b);
        return MB_EXIT_OK;
    }
    if (!strcmp(topic, "units")) {
        printf("sizes       512MiB 1GiB 64KiB 2TiB (binary)   500MB 1GB (decimal)   0\n"
               "durations   300ms 5s 1.5s 2min 1h   0\n"
               "percent     40%% 12.5%%\n"
               "rates       100MiB/s 1GiB/s   0 (unlimited)\n"
               "A number without a unit is refused where a unit is expected, except 0.\n"
               "A list where one value is expected makes the key a factor:\n"
               "  memory: [256MiB, 512MiB, 1GiB]\n");
        return MB_EXIT_OK;
    }
    if (!strcmp(topic, "exit-codes")) {
        printf("0    success\n"
               "1    the work ran, and some of it failed: a run failed, timed out or\n"
               "     corrupted its guest; compare found a regression; compare --aa\n"
               "     measured a false-positive rate over alpha\n"
               "2    bad input or usage: a scenario, testbed or results file, an option\n"
               "3    the environment failed: testbed, libvirt, ssh, a missing tool\n"
               "130  interrupted (SIGINT or SIGTERM); clean-up was done, results kept\n");
        return MB_EXIT_OK;
    }
    const char *s = mb_suggest(topic, topics);
    fprintf(stderr,
            "migbench help: no topic '%s'%s%s%s; topics: keys, columns, units, exit-codes\n", topic,
            s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    return MB_EXIT_INPUT;
}
