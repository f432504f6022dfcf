/* cmd_run.c — `migbench run`: campaigns of real migrations. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "runner.h"
#include "lib/units.h"
#include "lib/util.h"

static const char usage_text[] =
    "usage: migbench run [OPTIONS] SCENARIO...\n"
    "       migbench run [OPTIONS] --resume RESULTS_DIR\n"
    "\n"
    "Carry out every run of each scenario's plan ('migbench plan') on its testbed, with\n"
    "real live migrations, and record them in RESULTS_BASE/<scenario>/<time>/:\n"
    "scenario.yaml (the scenario as run), metadata.json (hypervisor, libvirt, kernel and\n"
    "CPU of every host, harness version, guest image hash) and raw.csv (one row per VM\n"
    "migration, written as each run ends; docs/results.md).\n"
    "\n"
    "  --testbed FILE|NAME   use this testbed instead of the scenario's\n"
    "  --out RESULTS_BASE    where results go (default: results)\n"
    "  --history DIR         earlier results the adaptive strategy learns from (overrides\n"
    "                        the scenario's migration.history)\n"
    "  --matrix DIR          earlier Table 3 results the workload-aware placement reads\n"
    "                        (overrides the scenario's placement.matrix)\n"
    "  --resume DIR          finish an interrupted campaign in DIR: runs already in its\n"
    "                        raw.csv are skipped, none is done twice\n"
    "  --quiet               no progress output (errors still go to stderr)\n"
    "  --progress bar|lines  a one-line bar with ETA (default on a terminal) or log lines\n"
    "\n"
    "A failed or timed-out migration, or a guest that lost a write, is recorded with its\n"
    "status and the campaign goes on.  SIGINT/SIGTERM abort the migration under way,\n"
    "clean up the run's VMs and exit 130; the results so far stay, and --resume goes on.\n"
    "\n"
    "exit status: 0 every run ok, 1 some run failed, 2 bad input, 3 environment error\n"
    "(testbed unreachable, results not writable), 130 interrupted.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

int mb_cmd_run(int argc, char **argv)
{
    struct mb_runner_opts o = {.progress = MB_PROGRESS_AUTO, .stop = &stop_flag};
    const char *scen[64];
    int nscen = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *needs = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_text, stdout);
            return MB_EXIT_OK;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o.progress = MB_PROGRESS_QUIET;
        } else if (!strcmp(a, "--testbed") || !strcmp(a, "--out") || !strcmp(a, "--resume") ||
                   !strcmp(a, "--progress") || !strcmp(a, "--history") || !strcmp(a, "--matrix")) {
            if (i + 1 >= argc) {
                needs = a;
            } else if (!strcmp(a, "--testbed")) {
                o.testbed = argv[++i];
            } else if (!strcmp(a, "--out")) {
                o.out_base = argv[++i];
            } else if (!strcmp(a, "--resume")) {
                o.resume_dir = argv[++i];
            } else if (!strcmp(a, "--history")) {
                o.history = argv[++i];
            } else if (!strcmp(a, "--matrix")) {
                o.matrix = argv[++i];
            } else {
                const char *m = argv[++i];
                if (!strcmp(m, "bar"))
                    o.progress = MB_PROGRESS_BAR;
                else if (!strcmp(m, "lines"))
                    o.progress = MB_PROGRESS_LINES;
                else {
                    fprintf(stderr, "migbench run: --progress takes bar or lines, not '%s'\n", m);
                    return MB_EXIT_INPUT;
                }
            }
            if (needs) {
                fprintf(stderr, "migbench run: %s needs a value\n", needs);
                return MB_EXIT_INPUT;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "migbench run: unknown option '%s'; see 'migbench run --help'\n", a);
            return MB_EXIT_INPUT;
        } else if (nscen < 64) {
            scen[nscen++] = a;
        } else {
            fprintf(stderr, "migbench run: at most 64 scenarios at once\n");
            return MB_EXIT_INPUT;
        }
    }
    if (o.resume_dir && nscen) {
        fprintf(stderr, "migbench run: --resume takes the scenario from its directory; give "
                        "no SCENARIO\n");
        return MB_EXIT_INPUT;
    }
    if (!o.resume_dir && !nscen) {
        fputs("usage: migbench run [OPTIONS] SCENARIO... (see 'migbench run --help')\n", stderr);
        return MB_EXIT_INPUT;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int worst = MB_EXIT_OK;
    for (int i = 0; i < (o.resume_dir ? 1 : nscen); i++) {
        o.scenario = o.resume_dir ? NULL : scen[i];
        struct mb_runner_summary sum;
        struct mb_error err;
        mb_error_clear(&err);
        int rc = mb_runner_campaign(&o, &sum, &err);
        if (sum.dir[0] && o.progress != MB_PROGRESS_QUIET)
            printf("results: %s (%zu runs, %zu failed; harness CPU %.1f s = %.2f%% of %.0f s)\n",
                   sum.dir, sum.done + sum.skipped, sum.failed, sum.cpu_s,
                   sum.wall_s > 0 ? 100.0 * sum.cpu_s / sum.wall_s : 0.0, sum.wall_s);
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
