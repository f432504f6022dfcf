/* commands.h — the subcommands of migbench.  Each takes the arguments after its name
 * (argv[0] is the subcommand's name), prints its own output and errors, and returns
 * the process exit status (enum mb_exit). */
#ifndef MB_COMMANDS_H
#define MB_COMMANDS_H

int mb_cmd_check(int argc, char **argv);
int mb_cmd_run(int argc, char **argv);
int mb_cmd_plan(int argc, char **argv);
int mb_cmd_help(int argc, char **argv);
int mb_cmd_vm(int argc, char **argv);
int mb_cmd_lab(int argc, char **argv);
int mb_cmd_report(int argc, char **argv);
int mb_cmd_compare(int argc, char **argv);

#endif
