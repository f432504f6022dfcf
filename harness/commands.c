/* commands.c — the table of migbench's commands: main parses with it, `help man` and
 * `help completion` describe it. */
#include "commands.h"

#include <stdio.h>

#include "lib/error.h"
#include "lib/version.h"

int mb_cmd_version(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("migbench %s\n", mb_version);
    return MB_EXIT_OK;
}

const struct mb_cli_cmd mb_version_cli = {
    .name = "version",
    .usage = "",
    .description = "Print migbench's version (git describe of the build).\n",
    .min_args = 0,
    .max_args = 0,
};

/* One row per subcommand; `migbench --help` lists them. */
static const struct mb_cli_cmd commands[] = {
    {.name = "run",
     .summary = "carry out scenarios on a testbed: real migrations, results in raw.csv",
     .run = mb_cmd_run,
     .cli = &mb_run_cli},
    {.name = "check",
     .summary = "validate scenario files; touches no host",
     .run = mb_cmd_check,
     .cli = &mb_check_cli},
    {.name = "plan",
     .summary = "print a scenario's points, runs and estimated duration",
     .run = mb_cmd_plan,
     .cli = &mb_plan_cli},
    {.name = "vm",
     .summary = "start, reach, migrate, cap and balloon single guests on a testbed",
     .run = mb_cmd_vm,
     .cli = &mb_vm_cli},
    {.name = "lab",
     .summary = "the embedded testbed: lab up, lab down, lab status",
     .run = mb_cmd_lab,
     .cli = &mb_lab_cli},
    {.name = "report",
     .summary = "summary.csv, figures, report.md/html and claim verdicts of results",
     .run = mb_cmd_report,
     .cli = &mb_report_cli},
    {.name = "compare",
     .summary = "compare two results directories: regressions, exit 1 on one",
     .run = mb_cmd_compare,
     .cli = &mb_compare_cli},
    {.name = "help",
     .summary = "help on a topic: keys, units, exit-codes, man pages, completion",
     .run = mb_cmd_help,
     .cli = &mb_help_cli},
    {.name = "version",
     .summary = "print migbench's version",
     .run = mb_cmd_version,
     .cli = &mb_version_cli},
    {.name = NULL},
};

static const struct mb_cli_opt global_opts[] = {
    {.name = "version", .set = mb_cli_set_flag, .offset = 0, .help = "print migbench's version"},
    {.name = NULL},
};

const struct mb_cli_cmd mb_migbench_cli = {
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
