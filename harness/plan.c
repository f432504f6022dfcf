/* plan.c — expand a scenario into ordered runs. */
#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"
#include "lib/units.h"
#include "lib/util.h"

#define MAX_RUNS 10000000.0

void mb_plan_free(struct mb_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ndims; i++)
        free(p->dims[i].settings);
    free(p->dims);
    free(p->runs);
    free(p);
}

/* A portable, seeded generator (SplitMix64), so a shuffled order is the same on
 * every machine. */
static uint64_t splitmix(uint64_t *state)
{
    return mb_mix64(*state += 0x9e3779b97f4a7c15ull);
}

struct mb_plan *mb_plan_new(const struct mb_scenario *s, struct mb_error *err)
{
    struct mb_plan *p = mb_xcalloc(1, sizeof(*p));
    p->scenario = s;
    p->dims = mb_xcalloc(s->nfactors ? s->nfactors : 1, sizeof(*p->dims));
    /* one dimension per factor, except that a zip group is one dimension placed
     * where its first member appears */
    for (size_t f = 0; f < s->nfactors; f++) {
        size_t si = s->factors[f];
        const struct mb_setting *st = &s->settings[si];
        struct mb_plan_dim *d = NULL;
        if (st->zip_group >= 0) {
            for (size_t k = 0; k < p->ndims && !d; k++)
                if (s->settings[p->dims[k].settings[0]].zip_group == st->zip_group)
                    d = &p->dims[k];
        }
        if (!d) {
            d = &p->dims[p->ndims++];
            d->nlevels = st->nlevels;
            d->settings = mb_xcalloc(s->nfactors, sizeof(size_t));
        }
        d->settings[d->nsettings++] = si;
    }
    double points = 1;
    for (size_t i = 0; i < p->ndims; i++)
        points *= (double)p->dims[i].nlevels;
    if (points * (double)s->repeat > MAX_RUNS) {
        mb_error_at(err, MB_EINPUT, s->path, 0, 0, "%.0f runs; at most %.0f in one plan",
                    points * (double)s->repeat, MAX_RUNS);
        mb_plan_free(p);
        return NULL;
    }
    p->npoints = (size_t)points;
    p->nruns = p->npoints * (size_t)s->repeat;
    p->runs = mb_xcalloc(p->nruns, sizeof(*p->runs));
    size_t k = 0;
    if (!strcmp(s->order, "by-point")) {
        for (size_t pt = 0; pt < p->npoints; pt++)
            for (unsigned r = 1; r <= (unsigned)s->repeat; r++)
                p->runs[k++] = (struct mb_run){pt, r};
    } else {
        for (unsigned r = 1; r <= (unsigned)s->repeat; r++)
            for (size_t pt = 0; pt < p->npoints; pt++)
                p->runs[k++] = (struct mb_run){pt, r};
        if (!strcmp(s->order, "shuffled")) {
            /* repeat: auto shuffles within each round, so that a point's runs still come
             * in order and a round gives one more run to every point not yet done */
            size_t block = s->repeat_auto ? p->npoints : p->nruns;
            uint64_t st = (uint64_t)s->seed;
            for (size_t b = 0; b < p->nruns; b += block)
                for (size_t i = block; i > 1; i--) {
                    size_t j = (size_t)(splitmix(&st) % i);
                    struct mb_run t = p->runs[b + i - 1];
                    p->runs[b + i - 1] = p->runs[b + j];
                    p->runs[b + j] = t;
                }
        }
    }
    return p;
}

void mb_plan_levels(const struct mb_plan *p, size_t point, size_t *level)
{
    memset(level, 0, p->scenario->nsettings * sizeof(size_t));
    /* the first dimension varies slowest, like nested loops in file order */
    for (size_t i = p->ndims; i-- > 0;) {
        const struct mb_plan_dim *d = &p->dims[i];
        size_t l = point % d->nlevels;
        point /= d->nlevels;
        for (size_t k = 0; k < d->nsettings; k++)
            level[d->settings[k]] = l;
    }
}

void mb_plan_point(const struct mb_plan *p, size_t point, struct mb_point *out)
{
    size_t stack[64];
    size_t *level =
        p->scenario->nsettings <= 64 ? stack : mb_xcalloc(p->scenario->nsettings, sizeof(size_t));
    mb_plan_levels(p, point, level);
    mb_scenario_point(p->scenario, level, out);
    if (level != stack)
        free(level);
}

void mb_plan_value_text(const struct mb_setting *st, const struct mb_value *v, char *buf,
                        size_t len)
{
    switch (st->opt->type) {
    case MB_OPT_SIZE:
        mb_format_size((uint64_t)v->num, buf, len);
        break;
    case MB_OPT_RATE:
        mb_format_size((uint64_t)v->num, buf, len);
        if (strlen(buf) + 3 <= len)
            strcat(buf, "/s");
        break;
    case MB_OPT_DURATION:
        mb_format_duration_ms(v->num, buf, len);
        break;
    case MB_OPT_PERCENT:
        snprintf(buf, len, "%g%%", v->num);
        break;
    case MB_OPT_INT:
        snprintf(buf, len, "%.0f", v->num);
        break;
    case MB_OPT_BOOL:
        snprintf(buf, len, "%s", v->num ? "true" : "false");
        break;
    default:
        snprintf(buf, len, "%s", v->text);
    }
}

char *mb_plan_point_key(const struct mb_plan *p, size_t point, char *buf, size_t len)
{
    const struct mb_scenario *s = p->scenario;
    size_t stack[64];
    size_t *level = s->nsettings <= 64 ? stack : mb_xcalloc(s->nsettings, sizeof(size_t));
    mb_plan_levels(p, point, level);
    size_t off = 0;
    buf[0] = '\0';
    for (size_t f = 0; f < s->nfactors && off < len; f++) {
        const struct mb_setting *st = &s->settings[s->factors[f]];
        char val[128];
        mb_plan_value_text(st, &st->levels[level[s->factors[f]]], val, sizeof(val));
        int n = snprintf(buf + off, len - off, "%s%s=%s", f ? ";" : "", st->opt->key, val);
        if (n < 0)
            break;
        off += (size_t)n;
    }
    if (level != stack)
        free(level);
    return buf;
}

char *mb_plan_run_id(const struct mb_plan *p, const struct mb_run *r, char *buf)
{
    char key[4096];
    mb_plan_point_key(p, r->point, key, sizeof(key));
    return mb_results_run_id(p->scenario->name, key, r->rep, buf);
}

double mb_plan_estimate_point(const struct mb_point *pt)
{
    /* Figures from the embedded testbed under TCG (docs/measurements.md): a guest
     * boots to SSH in about 4 s, an idle 512 MiB guest migrates in about 1 s; a
     * busy one moves its memory at a few hundred MiB/s.  Deliberately on the slow
     * side: an estimate that runs over is worse than one that finishes early. */
    double mib = (double)pt->vm_memory / (1024.0 * 1024);
    double per_vm = 1.0 + mib / 256.0;
    /* every page sent: the whole memory crosses, at about 64 MiB/s (66-80 MB/s measured
     * from the paper2011 profile's small host, docs/measurements.md) */
    if (!strcmp(pt->zero_pages, "send"))
        per_vm = 1.0 + mib / 64.0;
    if (!strcmp(pt->vm_workload, "dirty"))
        per_vm *= 2;
    double n = (double)pt->vm_count;
    double migrate = n * per_vm;
    if (pt->strategy.kind != MB_STRATEGY_SEQUENTIAL)
        migrate *= 0.8; /* overlap, but one shared link and CPU */
    double timeout = pt->timeout_ms / 1000.0;
    if (migrate > timeout * n)
        migrate = timeout * n;
    double placeholders =
        (double)pt->dst_cpu + ceil((double)pt->dst_memory / (double)(512ull << 20));
    double boot = 3.0 + 1.5 * n + 1.0 * placeholders;
    double windows = (pt->warmup_ms + pt->baseline_ms + pt->after_ms) / 1000.0;
    double cleanup = 1.0 + 0.3 * (n + placeholders);
    return boot + windows + migrate + cleanup;
}

double mb_plan_estimate(const struct mb_plan *p)
{
    double total = 0;
    for (size_t pt = 0; pt < p->npoints; pt++) {
        struct mb_point point;
        mb_plan_point(p, pt, &point);
        total += mb_plan_estimate_point(&point) * (double)p->scenario->repeat;
    }
    return total;
}
