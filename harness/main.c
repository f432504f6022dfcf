/* main.c — the migbench command: global options and the subcommand table. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "lib/error.h"
#include "hypervisor.h"
#include "lib/util.h"
#include "lib/version.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

/* One line per subcommand; `migbench --help` prints this table. */
static const struct command commands[] = {
    {"run", mb_cmd_run, "carry out scenarios on a testbed: real migrations, results in raw.csv"},
    {"check", mb_cmd_check, "validate scenario files; touches no host"},
    {"plan", mb_cmd_plan, "print a scenario's points, runs and estimated duration"},
    {"vm", mb_cmd_vm, "start, reach, migrate, cap and balloon single guests on a testbed"},
    {"lab", mb_cmd_lab, "the embedded testbed: lab up, lab down, lab status"},
    {"report", mb_cmd_report, "summary.csv, figures, report.md/html and claim verdicts of results"},
    {"compare", mb_cmd_compare, "compare two results directories: regressions, exit 1 on one"},
    {"help", mb_cmd_help, "help on a topic: keys, units, exit-codes"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: migbench [--version] [--help] COMMAND [ARGS...]\n\n"
                 "Live-migration experiments on real hypervisors, after Ye et al., IEEE "
                 "CLOUD 2011.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'migbench COMMAND --help' describes a command; 'migbench help keys' lists\n"
                 "every scenario key.\n\n"
                 "exit status: 0 ok, 1 runs failed or a regression was found, 2 bad input or\n"
                 "usage, 3 environment error (testbed, libvirt, ssh), 130 interrupted.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MB_EXIT_INPUT;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return MB_EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("migbench %s\n", mb_version);
        return MB_EXIT_OK;
    }
    const char *names[sizeof(commands) / sizeof(commands[0]) + 1];
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (!strcmp(cmd, commands[i].name)) {
            int rc = commands[i].fn(argc - 1, argv + 1);
            mb_hv_shutdown();
            return rc;
        }
        names[i] = commands[i].name;
    }
    names[sizeof(commands) / sizeof(commands[0])] = NULL;
    const char *s = mb_suggest(cmd, names);
    fprintf(stderr, "migbench: unknown command '%s'%s%s%s; see 'migbench --help'\n", cmd,
            s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    return MB_EXIT_INPUT;
}
