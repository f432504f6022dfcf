/* cmd_plan.c — `migbench check` and `migbench plan`: scenario commands that touch no
 * host. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
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

static size_t count_points(const struct mb_scenario *s, size_t *runs)
{
    struct mb_error err;
    struct mb_plan *p = mb_plan_new(s, &err);
    size_t n = p ? p->npoints : 0;
    *runs = p ? p->nruns : 0;
    mb_plan_free(p);
    return n;
}

struct check_opts {
    bool quiet, testbeds;
    const char *on; /* --testbed=TESTBED: check the scenarios against it */
};

/* --testbed alone: the files are testbed files; --testbed=TESTBED: a testbed to check the
 * scenarios against. */
static int set_testbed(const struct mb_cli_opt *opt, const char *value, void *base,
                       struct mb_error *err)
{
    (void)opt;
    (void)err;
    struct check_opts *o = base;
    if (value)
        o->on = value;
    else
        o->testbeds = true;
    return 0;
}

static const struct mb_cli_opt check_opts[] = {
    {.name = "quiet",
     .short_name = 'q',
     .set = mb_cli_set_flag,
     .offset = offsetof(struct check_opts, quiet),
     .help = "print nothing for good files"},
    {.name = "testbed",
     .arg = MB_CLI_OPTIONAL,
     .meta = "TESTBED",
     .set = set_testbed,
     .help = "alone: the files are testbed files (hosts, load client, guest); =TESTBED: also "
             "check the scenarios against this testbed (a file or a lab instance's name, as "
             "'run --testbed'): the hosts they name, the CPUs and memory the hosts may use"},
    {.name = NULL},
};

const struct mb_cli_cmd mb_check_cli = {
    .name = "check",
    .usage = "[-q] [--testbed] FILE...\n"
             "[-q] --testbed=TESTBED SCENARIO...",
    .description = "Validate scenario files against the option table ('migbench help keys'):\n"
                   "unknown or misspelt keys, wrong types, impossible values, factors that do\n"
                   "not fit.  Touches no host.  Every file is checked; each error names\n"
                   "file:line:column.\n",
    .epilog = "exit status: 0 all good, 2 some file is bad.\n",
    .opts = check_opts,
    .min_args = 1,
    .max_args = -1,
};

int mb_cmd_check(int argc, char **argv)
{
    struct check_opts o = {0};
    int bad = 0;
    if (!mb_cli_args(&mb_check_cli, &argc, argv, &o, &bad))
        return bad;
    struct mb_error err;
    for (int i = 1; i < argc; i++) {
        mb_error_clear(&err);
        if (o.testbeds) {
            struct mb_testbed *tb = mb_testbed_load(argv[i], &err);
            if (!tb) {
                print_error(&err);
                bad = 1;
                continue;
            }
            if (!o.quiet)
                printf("%s: ok — testbed %s, %d hosts\n", argv[i], tb->name, tb->nhosts);
            mb_testbed_free(tb);
            continue;
        }
        struct mb_scenario *s = mb_scenario_load(argv[i], &err);
        if (s && mb_validate_against(s, o.on, &err) < 0) {
            mb_scenario_free(s);
            s = NULL;
        }
        if (!s) {
            print_error(&err);
            bad = 1;
            continue;
        }
        size_t runs, points = count_points(s, &runs);
        if (!o.quiet)
            printf("%s: ok — %s, %zu point%s, %s%zu runs\n", argv[i], s->name, points,
                   points == 1 ? "" : "s", s->repeat_auto ? "at most " : "", runs);
        mb_scenario_free(s);
    }
    return bad ? MB_EXIT_INPUT : MB_EXIT_OK;
}

static void value_text(const struct mb_setting *st, size_t level, char *buf, size_t len)
{
    snprintf(buf, len, "%s", st->levels[level].text);
}

static const struct mb_cli_opt plan_opts[] = {
    {.name = "runs",
     .short_name = 'r',
     .set = mb_cli_set_flag,
     .offset = 0,
     .help = "also list every run: its stable id, point and repetition"},
    {.name = NULL},
};

const struct mb_cli_cmd mb_plan_cli = {
    .name = "plan",
    .usage = "[--runs] SCENARIO",
    .description = "Expand a scenario into its points (one level of every factor) and runs\n"
                   "(points x repeat), in the order they would run, with a rough estimate of\n"
                   "the duration.  Touches no host.\n",
    .opts = plan_opts,
    .min_args = 1,
    .max_args = 1,
};

int mb_cmd_plan(int argc, char **argv)
{
    bool list_runs = false; /* the only field: offset 0 */
    int status;
    if (!mb_cli_args(&mb_plan_cli, &argc, argv, &list_runs, &status))
        return status;
    struct mb_error err;
    mb_error_clear(&err);
    struct mb_scenario *s = mb_scenario_load(argv[1], &err);
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
    if (strcmp(s->profile, "none") != 0) {
        /* what the profile set, so that the estimate and the runs can be read against it */
        printf("profile    %s:", s->profile);
        for (size_t i = 0; i < s->nprofile_keys; i++) {
            const struct mb_setting *st = mb_scenario_setting(s, s->profile_keys[i]);
            printf("%s %s %s", i ? "," : "", s->profile_keys[i], st->levels[0].text);
        }
        printf("%s\n", s->nprofile_keys ? "" : " (the scenario sets every key itself)");
    }
    printf("factors    ");
    if (!s->nfactors)
        printf("none");
    for (size_t f = 0; f < s->nfactors; f++) {
        const struct mb_setting *st = &s->settings[s->factors[f]];
        printf("%s%s (%zu)", f ? ", " : "", st->opt->key, st->nlevels);
    }
    printf("\npoints     %zu\n", p->npoints);
    if (s->repeat_auto)
        printf("runs       at most %zu (repeat auto (min %lld, max %lld, until ±%g %%), trim "
               "%lld, order %s",
               p->nruns, (long long)s->min_runs, (long long)s->max_runs, s->precision_pct,
               (long long)s->trim, s->order);
    else
        printf("runs       %zu (repeat %lld, trim %lld, order %s", p->nruns, (long long)s->repeat,
               (long long)s->trim, s->order);
    if (!strcmp(s->order, "shuffled"))
        printf(", seed %lld", (long long)s->seed);
    printf(")\nestimate   %s %s (rough; under software emulation%s)\n\n",
           s->repeat_auto ? "at most" : "about", eta,
           s->repeat_auto ? "; every point to its cap" : "");

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
