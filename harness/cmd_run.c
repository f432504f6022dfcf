/* cmd_run.c — `migbench run`: campaigns of real migrations. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "runner.h"
#include "lib/units.h"
#include "lib/util.h"

static int set_quiet(const struct mb_cli_opt *o, const char *value, void *base,
                     struct mb_error *err)
{
    (void)o, (void)value, (void)err;
    ((struct mb_runner_opts *)base)->progress = MB_PROGRESS_QUIET;
    return 0;
}

static int set_progress(const struct mb_cli_opt *o, const char *value, void *base,
                        struct mb_error *err)
{
    (void)o;
    struct mb_runner_opts *r = base;
    if (!strcmp(value, "bar"))
        r->progress = MB_PROGRESS_BAR;
    else if (!strcmp(value, "lines"))
        r->progress = MB_PROGRESS_LINES;
    else
        return mb_error_set(err, MB_EINPUT, "--progress takes bar or lines, not '%s'", value);
    return 0;
}

#define RUN_OPT(field) .set = mb_cli_set_str, .offset = offsetof(struct mb_runner_opts, field)

static const struct mb_cli_opt run_opts[] = {
    {.name = "testbed",
     .arg = MB_CLI_REQUIRED,
     .meta = "FILE|NAME",
     RUN_OPT(testbed),
     .help = "use this testbed instead of the scenario's"},
    {.name = "out",
     .arg = MB_CLI_REQUIRED,
     .meta = "RESULTS_BASE",
     RUN_OPT(out_base),
     .help = "where results go (default: results)"},
    {.name = "history",
     .arg = MB_CLI_REQUIRED,
     .meta = "DIR",
     RUN_OPT(history),
     .help = "earlier results the adaptive strategy learns from (overrides the scenario's "
             "migration.history)"},
    {.name = "matrix",
     .arg = MB_CLI_REQUIRED,
     .meta = "DIR",
     RUN_OPT(matrix),
     .help = "earlier Table 3 results the workload-aware placement reads (overrides the "
             "scenario's placement.matrix)"},
    {.name = "resume",
     .arg = MB_CLI_REQUIRED,
     .meta = "DIR",
     RUN_OPT(resume_dir),
     .help = "finish an interrupted campaign in DIR: runs already in its raw.csv are skipped, "
             "none is done twice"},
    {.name = "quiet",
     .short_name = 'q',
     .set = set_quiet,
     .help = "no progress output (errors still go to stderr)"},
    {.name = "progress",
     .arg = MB_CLI_REQUIRED,
     .meta = "bar|lines",
     .set = set_progress,
     .help = "a one-line bar with ETA (default on a terminal) or log lines"},
    {.name = NULL},
};

const struct mb_cli_cmd mb_run_cli = {
    .name = "run",
    .usage = "[OPTIONS] SCENARIO...\n[OPTIONS] --resume RESULTS_DIR",
    .description =
        "Carry out every run of each scenario's plan ('migbench plan') on its testbed, with\n"
        "real live migrations, and record them in RESULTS_BASE/<scenario>/<time>/:\n"
        "scenario.yaml (the scenario as run), metadata.json (hypervisor, libvirt, kernel and\n"
        "CPU of every host, harness version, guest image hash) and raw.csv (one row per VM\n"
        "migration, written as each run ends; docs/results.md).\n",
    .epilog =
        "A failed or timed-out migration, or a guest that lost a write, is recorded with its\n"
        "status and the campaign goes on.  SIGINT/SIGTERM abort the migration under way,\n"
        "clean up the run's VMs and exit 130; the results so far stay, and --resume goes on.\n"
        "\n"
        "exit status: 0 every run ok, 1 some run failed, 2 bad input, 3 environment error\n"
        "(testbed unreachable, results not writable), 130 interrupted.\n",
    .opts = run_opts,
    .max_args = -1,
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* Where a run's time goes, and the harness's CPU: the mean per run of each phase. */
static void print_phases(const struct mb_run_phases *ph)
{
    double n = (double)ph->runs;
    printf("per run (mean of %zu), wall:", ph->runs);
    for (int p = 0; p < MB_NPHASES; p++)
        printf(" %s %.2f s%s", mb_run_phase_names[p], ph->wall_s[p] / n,
               p + 1 < MB_NPHASES ? "," : "\n");
    printf("per run, harness CPU:");
    for (int p = 0; p < MB_NPHASES; p++)
        printf(" %s %.0f ms%s", mb_run_phase_names[p], 1000 * ph->cpu_s[p] / n,
               p + 1 < MB_NPHASES ? "," : "\n");
}

int mb_cmd_run(int argc, char **argv)
{
    struct mb_runner_opts o = {.progress = MB_PROGRESS_AUTO, .stop = &stop_flag};
    int rc;
    if (!mb_cli_args(&mb_run_cli, &argc, argv, &o, &rc))
        return rc;
    struct mb_error err;
    mb_error_clear(&err);
    int nscen = argc - 1;
    if (o.resume_dir && nscen) {
        fprintf(stderr, "migbench run: --resume takes the scenario from its directory; give "
                        "no SCENARIO\n");
        return MB_EXIT_INPUT;
    }
    if (!o.resume_dir && !nscen)
        return mb_cli_exit(&mb_run_cli, MB_CLI_USAGE, &err);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int worst = MB_EXIT_OK;
    for (int i = 0; i < (o.resume_dir ? 1 : nscen); i++) {
        o.scenario = o.resume_dir ? NULL : argv[1 + i];
        struct mb_runner_summary sum;
        mb_error_clear(&err);
        rc = mb_runner_campaign(&o, &sum, &err);
        if (sum.dir[0] && o.progress != MB_PROGRESS_QUIET)
            printf("results: %s (%zu runs, %zu failed; harness CPU %.1f s = %.2f%% of %.0f s)\n",
                   sum.dir, sum.done + sum.skipped, sum.failed, sum.cpu_s,
                   sum.wall_s > 0 ? 100.0 * sum.cpu_s / sum.wall_s : 0.0, sum.wall_s);
        if (sum.phases.runs && o.progress != MB_PROGRESS_QUIET)
            print_phases(&sum.phases);
        if (rc < 0) {
            char buf[2048];
            mb_error_format(&err, buf, sizeof(buf));
            fprintf(stderr, "migbench run: %s\n", buf);
            return mb_exit_code(rc);
        }
        if (sum.failed && worst == MB_EXIT_OK)
            worst = MB_EXIT_FAILED;
    }
    return worst;
}
