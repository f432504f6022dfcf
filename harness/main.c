/* main.c — the migbench command: global options and the subcommand table. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "lib/error.h"
#include "hypervisor.h"
#include "lib/util.h"
#include "lib/version.h"

static int cmd_version(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("migbench %s\n", mb_version);
    return MB_EXIT_OK;
}

/* One row per subcommand; `migbench --help` lists them. */
static const struct mb_cli_cmd commands[] = {
    {.name = "run",
     .summary = "carry out scenarios on a testbed: real migrations, results in raw.csv",
     .run = mb_cmd_run},
    {.name = "check", .summary = "validate scenario files; touches no host", .run = mb_cmd_check},
    {.name = "plan",
     .summary = "print a scenario's points, runs and estimated duration",
     .run = mb_cmd_plan},
    {.name = "vm",
     .summary = "start, reach, migrate, cap and balloon single guests on a testbed",
     .run = mb_cmd_vm},
    {.name = "lab",
     .summary = "the embedded testbed: lab up, lab down, lab status",
     .run = mb_cmd_lab},
    {.name = "report",
     .summary = "summary.csv, figures, report.md/html and claim verdicts of results",
     .run = mb_cmd_report},
    {.name = "compare",
     .summary = "compare two results directories: regressions, exit 1 on one",
     .run = mb_cmd_compare},
    {.name = "help", .summary = "help on a topic: keys, units, exit-codes", .run = mb_cmd_help},
    {.name = "version", .summary = "print migbench's version", .run = cmd_version},
    {.name = NULL},
};

static const struct mb_cli_opt global_opts[] = {
    {.name = "version", .set = mb_cli_set_flag, .offset = 0, .help = "print migbench's version"},
    {.name = NULL},
};

static const struct mb_cli_cmd migbench_cli = {
    .name = "",
    .usage = "[--version] [--help] COMMAND [ARGS...]",
    .description = "Live-migration experiments on real hypervisors, after Ye et al., IEEE "
                   "CLOUD 2011.\n",
    .epilog = "'migbench COMMAND --help' describes a command; 'migbench help keys' lists\n"
              "every scenario key.\n\n"
              "exit status: 0 ok, 1 runs failed or a regression was found, 2 bad input or\n"
              "usage, 3 environment error (testbed, libvirt, ssh), 130 interrupted.\n",
    .opts = global_opts,
    .min_args = 1,
    .max_args = -1,
    .flags = MB_CLI_STOP_AT_OPERAND,
    .subs = commands,
};

int main(int argc, char **argv)
{
    bool version = false; /* the only field: offset 0 */
    struct mb_error err;
    mb_error_clear(&err);
    int rc = mb_cli_parse(&migbench_cli, &argc, argv, &version, &err);
    if (version && (rc == MB_CLI_OK || rc == MB_CLI_USAGE))
        return cmd_version(argc, argv);
    if (rc != MB_CLI_OK)
        return mb_cli_exit(&migbench_cli, rc, &err);
    const struct mb_cli_cmd *cmd = mb_cli_sub(&migbench_cli, argv[1], &err);
    if (!cmd)
        return mb_cli_exit(&migbench_cli, MB_EINPUT, &err);
    rc = cmd->run(argc - 1, argv + 1);
    mb_hv_shutdown();
    return rc;
}
