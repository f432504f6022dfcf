/* cmd_plan.c — `migbench check` and `migbench plan`: scenario commands that touch no
 * host. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "plan.h"
#include "results.h"
#include "scenario.h"
#include "testbed.h"
#include "validate.h"
#include "lib/units.h"
#include "lib/util.h"

static void print_error(const struct mb_error *e)
{
    char buf[2048];
    mb_error_format(e, buf, sizeof(buf));
    fprintf(stderr, "migbench: %s\n", buf);
}

static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

static size_t count_points(const struct mb_scenario *s, size_t *runs)
{
    struct mb_error err;
    struct mb_plan *p = mb_plan_new(s, &err);
    size_t n = p ? p->npoints : 0;
    *runs = p ? p->nruns : 0;
    mb_plan_free(p);
    return n;
}

int mb_cmd_check(int argc, char **argv)
{
    if (wants_help(argc, argv) || argc < 2) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: migbench check [-q] [--testbed] FILE...\n"
                "       migbench check [-q] --testbed=TESTBED SCENARIO...\n\n"
                "Validate scenario files against the option table ('migbench help keys'):\n"
                "unknown or misspelt keys, wrong types, impossible values, factors that do\n"
                "not fit.  Touches no host.  Every file is checked; each error names\n"
                "file:line:column.\n\n"
                "  -q, --quiet   print nothing for good files\n"
                "  --testbed     the files are testbed files (hosts, load client, guest)\n"
                "  --testbed=TESTBED  also check the scenarios against this testbed (a file\n"
                "                or a lab instance's name, as 'run --testbed'): hosts they\n"
                "                name, CPUs and memory the hosts may use\n\n"
                "exit status: 0 all good, 2 some file is bad.\n");
        return argc < 2 ? MB_EXIT_INPUT : MB_EXIT_OK;
    }
    int quiet = 0, bad = 0, testbeds = 0, files = 0;
    const char *on = NULL; /* --testbed=TESTBED: check the scenarios against it */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
            quiet = 1;
        else if (!strncmp(argv[i], "--testbed=", 10))
            on = argv[i] + 10;
        else if (!strcmp(argv[i], "--testbed"))
            testbeds = 1;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "migbench check: unknown option '%s'; see 'migbench check --help'\n",
                    argv[i]);
            return MB_EXIT_INPUT;
        } else
            files++;
    }
    if (!files) {
        fprintf(stderr, "usage: migbench check [-q] [--testbed] FILE...\n");
        return MB_EXIT_INPUT;
    }
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        struct mb_error err;
        mb_error_clear(&err);
        if (testbeds) {
            struct mb_testbed *tb = mb_testbed_load(argv[i], &err);
            if (!tb) {
                print_error(&err);
                bad = 1;
                continue;
            }
            if (!quiet)
                printf("%s: ok — testbed %s, %d hosts\n", argv[i], tb->name, tb->nhosts);
            mb_testbed_free(tb);
            continue;
        }
        struct mb_scenario *s = mb_scenario_load(argv[i], &err);
        if (s && mb_validate_against(s, on, &err) < 0) {
            mb_scenario_free(s);
            s = NULL;
        }
        if (!s) {
            print_error(&err);
            bad = 1;
            continue;
        }
        size_t runs, points = count_points(s, &runs);
        if (!quiet)
            printf("%s: ok — %s, %zu point%s, %zu runs\n", argv[i], s->name, points,
                   points == 1 ? "" : "s", runs);
        mb_scenario_free(s);
    }
    return bad ? MB_EXIT_INPUT : MB_EXIT_OK;
}

static void value_text(const struct mb_setting *st, size_t level, char *buf, size_t len)
{
    snprintf(buf, len, "%s", st->levels[level].text);
}

int mb_cmd_plan(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"runs", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int list_runs = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+rh", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            list_runs = 1;
            break;
        case 'h':
            printf("usage: migbench plan [--runs] SCENARIO\n\n"
                   "Expand a scenario into its points (one level of every factor) and runs\n"
                   "(points x repeat), in the order they would run, with a rough estimate of\n"
                   "the duration.  Touches no host.\n\n"
                   "  -r, --runs   also list every run: its stable id, point and repetition\n");
            return MB_EXIT_OK;
        default:
            fprintf(stderr, "migbench plan: unknown option '%s'; see 'migbench plan --help'\n",
                    argv[optind - 1]);
            return MB_EXIT_INPUT;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: migbench plan [--runs] SCENARIO\n");
        return MB_EXIT_INPUT;
    }
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_scenario *s = mb_scenario_load(argv[optind], &err);
    if (!s) {
        print_error(&err);
        return mb_exit_code(err.status);
    }
    struct mb_plan *p = mb_plan_new(s, &err);
    if (!p) {
        print_error(&err);
        mb_scenario_free(s);
        return mb_exit_code(err.status);
    }
    /* stdio is fully buffered here: a 100 000-run listing is one stream of writes */
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));

    char eta[64];
    mb_format_eta(mb_plan_estimate(p), eta, sizeof(eta));
    printf("scenario   %s%s%s%s\n", s->name, *s->paper ? " (" : "", s->paper, *s->paper ? ")" : "");
    if (*s->description)
        printf("           %s\n", s->description);
    printf("file       %s\ntestbed    %s\n", s->path, s->testbed);
    printf("factors    ");
    if (!s->nfactors)
        printf("none");
    for (size_t f = 0; f < s->nfactors; f++) {
        const struct mb_setting *st = &s->settings[s->factors[f]];
        printf("%s%s (%zu)", f ? ", " : "", st->opt->key, st->nlevels);
    }
    printf("\npoints     %zu\nruns       %zu (repeat %lld, trim %lld, order %s", p->npoints,
           p->nruns, (long long)s->repeat, (long long)s->trim, s->order);
    if (!strcmp(s->order, "shuffled"))
        printf(", seed %lld", (long long)s->seed);
    printf(")\nestimate   about %s (rough; under software emulation)\n\n", eta);

    /* the points table: one column per factor */
    size_t *level = mb_xcalloc(s->nsettings, sizeof(size_t));
    printf("%-7s", "point");
    for (size_t f = 0; f < s->nfactors; f++)
        printf("  %-16s", s->settings[s->factors[f]].opt->key);
    printf("  %s\n", "id");
    for (size_t pt = 0; pt < p->npoints; pt++) {
        mb_plan_levels(p, pt, level);
        printf("%-7zu", pt + 1); /* 1-based, as in raw.csv */
        for (size_t f = 0; f < s->nfactors; f++) {
            char v[128];
            const struct mb_setting *st = &s->settings[s->factors[f]];
            value_text(st, level[s->factors[f]], v, sizeof(v));
            int w = (int)strlen(st->opt->key);
            printf("  %-*s", w > 16 ? w : 16, v);
        }
        char id[MB_RESULTS_RUN_ID_SIZE];
        struct mb_run r = {pt, 0};
        mb_plan_run_id(p, &r, id);
        /* the point part of the id: drop "-r0" */
        char *dash = strrchr(id, '-');
        if (dash)
            *dash = '\0';
        printf("  %s\n", id);
    }
    free(level);
    if (list_runs) {
        printf("\n%-8s  %-22s  %-7s  %s\n", "#", "run id", "point", "rep");
        for (size_t i = 0; i < p->nruns; i++) {
            char id[MB_RESULTS_RUN_ID_SIZE];
            mb_plan_run_id(p, &p->runs[i], id);
            printf("%-8zu  %-22s  %-7zu  %u\n", i + 1, id, p->runs[i].point + 1, p->runs[i].rep);
        }
    }
    fflush(stdout);
    mb_plan_free(p);
    mb_scenario_free(s);
    return MB_EXIT_OK;
}
