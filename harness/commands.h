/* commands.h — the subcommands of migbench.  Each takes the arguments after its name
 * (argv[0] is the subcommand's name), prints its own output and errors, and returns
 * the process exit status (enum mb_exit). */
#ifndef MB_COMMANDS_H
#define MB_COMMANDS_H

#include "cli.h"

int mb_cmd_check(int argc, char **argv);
int mb_cmd_run(int argc, char **argv);
int mb_cmd_plan(int argc, char **argv);
int mb_cmd_help(int argc, char **argv);
int mb_cmd_vm(int argc, char **argv);
int mb_cmd_lab(int argc, char **argv);
int mb_cmd_report(int argc, char **argv);
int mb_cmd_compare(int argc, char **argv);
int mb_cmd_version(int argc, char **argv);

/* Each command's option table (its --help, the manual and the completion come from
 * it), defined beside the command. */
extern const struct mb_cli_cmd mb_run_cli, mb_check_cli, mb_plan_cli, mb_vm_cli, mb_lab_cli,
    mb_report_cli, mb_compare_cli, mb_help_cli, mb_version_cli;

/* migbench itself: its global options and the table of the commands above
 * (commands.c). */
extern const struct mb_cli_cmd mb_migbench_cli;

#endif
