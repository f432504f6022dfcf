/* scenario.c — read a scenario file into a checked struct mb_scenario. */
#include "scenario.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"
#include "profile.h"
#include "results.h"
#include "lib/units.h"
#include "lib/util.h"
#include "lib/yaml.h"

#define MAX_LEVELS 1000
#define MAX_POINTS 1000000.0

static const char *const plot_kinds[] = {"line", "bars", "real-vs-computed", "heatmap", NULL};

struct loader {
    struct mb_scenario *s;
    struct mb_ydoc *doc;
    struct mb_error *err;
    size_t next_factor_order;
    size_t *factor_order; /* per setting: appearance order, for s->factors */
};

static void value_free(struct mb_value *v)
{
    free(v->text);
}

void mb_scenario_free(struct mb_scenario *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nsettings; i++) {
        for (size_t j = 0; j < s->settings[i].nlevels; j++)
            value_free(&s->settings[i].levels[j]);
        free(s->settings[i].levels);
    }
    free(s->settings);
    free(s->factors);
    for (size_t i = 0; i < s->nplots; i++) {
        struct mb_plot *p = &s->plots[i];
        free(p->x);
        for (size_t j = 0; j < p->ny; j++)
            free(p->y[j]);
        free(p->y);
        free(p->kind);
        free(p->title);
        free(p->series);
    }
    free(s->plots);
    for (size_t i = 0; i < s->nstrings; i++)
        free(s->strings[i]);
    free(s->strings);
    free(s->path);
    free(s);
}

const struct mb_setting *mb_scenario_setting(const struct mb_scenario *s, const char *key)
{
    for (size_t i = 0; i < s->nsettings; i++)
        if (!strcmp(s->settings[i].opt->key, key))
            return &s->settings[i];
    return NULL;
}

static struct mb_setting *setting_of(struct loader *L, const struct mb_option *o)
{
    for (size_t i = 0; i < L->s->nsettings; i++)
        if (L->s->settings[i].opt == o)
            return &L->s->settings[i];
    return NULL;
}

static const char *keep_string(struct mb_scenario *s, const char *text)
{
    s->strings = mb_xrealloc(s->strings, (s->nstrings + 1) * sizeof(char *));
    s->strings[s->nstrings] = mb_xstrdup(text);
    return s->strings[s->nstrings++];
}

static int valid_name(const char *t)
{
    if (!*t)
        return 1; /* empty = default */
    if (strlen(t) > 64)
        return 0;
    for (const char *p = t; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
            return 0;
    return 1;
}

static int parse_strategy(const char *t, struct mb_strategy *st)
{
    if (!strcmp(t, "sequential")) {
        *st = (struct mb_strategy){MB_STRATEGY_SEQUENTIAL, 1};
        return 0;
    }
    if (!strcmp(t, "parallel")) {
        *st = (struct mb_strategy){MB_STRATEGY_PARALLEL, 0};
        return 0;
    }
    if (!strcmp(t, "adaptive")) {
        *st = (struct mb_strategy){MB_STRATEGY_ADAPTIVE, 0};
        return 0;
    }
    if (!strncmp(t, "parallel:", 9)) {
        int64_t k;
        char why[64];
        if (mb_parse_int(t + 9, &k, why, sizeof(why)) || k < 1 || k > 64)
            return -1;
        *st = (struct mb_strategy){MB_STRATEGY_PARALLEL, (int)k};
        return 0;
    }
    return -1;
}

static int check_enum(struct loader *L, const struct mb_option *o, const struct mb_ynode *n,
                      const char *expect)
{
    for (int i = 0; o->values[i]; i++)
        if (!strcmp(o->values[i], n->text))
            return 0;
    const char *s = mb_suggest(n->text, (const char *const *)o->values);
    if (s)
        return mb_yerr(L->err, L->doc, n, "%s: '%s' is not %s — did you mean '%s'?", o->key,
                       n->text, expect, s);
    return mb_yerr(L->err, L->doc, n, "%s: '%s' is not %s", o->key, n->text, expect);
}

static int check_strategy(struct loader *L, const struct mb_option *o, const struct mb_ynode *n,
                          struct mb_value *v, const char *expect)
{
    static const char *const names[] = {"sequential", "parallel", "adaptive", NULL};
    if (parse_strategy(n->text, &v->strategy) == 0) {
        v->num = v->strategy.k;
        return 0;
    }
    const char *s = mb_suggest(n->text, names);
    if (s)
        return mb_yerr(L->err, L->doc, n,
                       "%s: unknown strategy '%s' — did you mean '%s'? (expected %s, K from 1 to "
                       "64)",
                       o->key, n->text, s, expect);
    return mb_yerr(L->err, L->doc, n, "%s: unknown strategy '%s' (expected %s, K from 1 to 64)",
                   o->key, n->text, expect);
}

static int check_range(struct loader *L, const struct mb_option *o, const struct mb_ynode *n,
                       double num)
{
    if ((o->flags & MB_OPTF_AUTO) && !strcmp(n->text, "auto"))
        return 0; /* -1 written is out of range; auto, stored as -1, is not */
    int low = (o->flags & MB_OPTF_MIN) && num < o->min;
    if (!low && !((o->flags & MB_OPTF_MAX) && num > o->max))
        return 0;
    char lim[64];
    mb_option_format(o, low ? o->min : o->max, lim, sizeof(lim));
    return mb_yerr(L->err, L->doc, n, "%s: %s is too %s; the %s is %s", o->key, n->text,
                   low ? "small" : "large", low ? "minimum" : "maximum", lim);
}

/* Parse one scalar for option o into v (text owned by v on success). */
static int parse_value(struct loader *L, const struct mb_option *o, const struct mb_ynode *n,
                       struct mb_value *v)
{
    char why[160] = "", expect[256];
    const char *t = n->text;
    mb_option_expect(o, expect, sizeof(expect));
    memset(v, 0, sizeof(*v));

    if (!n->quoted && (!*t || !strcmp(t, "~") || !strcmp(t, "null")) && o->type != MB_OPT_STRING)
        return mb_yerr(L->err, L->doc, n, "%s: no value given; expected %s", o->key, expect);

    int rc = 0;
    switch (o->type) {
    case MB_OPT_NAME:
        if (!valid_name(t))
            return mb_yerr(L->err, L->doc, n, "%s: '%s' is not a valid name; expected %s", o->key,
                           t, expect);
        break;
    case MB_OPT_ENUM:
        rc = check_enum(L, o, n, expect);
        break;
    case MB_OPT_STRATEGY:
        rc = check_strategy(L, o, n, v, expect);
        break;
    case MB_OPT_ZIP:
    case MB_OPT_PLOTS:
        return mb_yerr(L->err, L->doc, n, "%s: internal error: not a scalar key", o->key);
    default:
        if (mb_option_parse_number(o, t, &v->num, why, sizeof(why)) < 0)
            return mb_yerr(L->err, L->doc, n, "%s: '%s' is not valid: %s; expected %s", o->key, t,
                           why, expect);
    }
    if (rc || check_range(L, o, n, v->num))
        return MB_EINPUT;
    v->text = mb_xstrdup(t);
    return 0;
}

static int set_scenario_key(struct loader *L, const struct mb_option *o, const struct mb_ynode *n)
{
    char expect[256];
    mb_option_expect(o, expect, sizeof(expect));
    if (n->kind != MB_Y_SCALAR)
        return mb_yerr(L->err, L->doc, n, "%s: expected %s, got %s%s", o->key, expect,
                       mb_ynode_kind_name(n->kind),
                       n->kind == MB_Y_SEQ ? " (only per-run keys can be factors)" : "");
    struct mb_value v;
    if (parse_value(L, o, n, &v))
        return MB_EINPUT;
    mb_option_store(o, L->s, v.num, o->type == MB_OPT_INT ? NULL : keep_string(L->s, v.text), NULL);
    value_free(&v);
    return 0;
}

static int set_point_key(struct loader *L, const struct mb_option *o, const struct mb_ynode *n)
{
    char expect[256];
    mb_option_expect(o, expect, sizeof(expect));
    struct mb_setting *st = setting_of(L, o);
    if (n->kind == MB_Y_MAP)
        return mb_yerr(L->err, L->doc, n, "%s: expected %s (or a list of them), got a mapping",
                       o->key, expect);
    const struct mb_ynode *const *items = (const struct mb_ynode *const *)&n;
    size_t nitems = 1;
    if (n->kind == MB_Y_SEQ) {
        if (n->nkids == 0)
            return mb_yerr(L->err, L->doc, n,
                           "%s: an empty list; a factor needs at least one level", o->key);
        if (n->nkids > MAX_LEVELS)
            return mb_yerr(L->err, L->doc, n, "%s: %zu levels; at most %d", o->key, n->nkids,
                           MAX_LEVELS);
        items = (const struct mb_ynode *const *)n->kids;
        nitems = n->nkids;
    }
    struct mb_value *levels = mb_xcalloc(nitems, sizeof(*levels));
    for (size_t i = 0; i < nitems; i++) {
        const struct mb_ynode *it = items[i];
        int bad = 0;
        if (it->kind != MB_Y_SCALAR) {
            mb_yerr(L->err, L->doc, it, "%s: a level must be %s, got %s", o->key, expect,
                    mb_ynode_kind_name(it->kind));
            bad = 1;
        } else if (parse_value(L, o, it, &levels[i])) {
            bad = 1;
        } else {
            levels[i].line = it->line;
            levels[i].column = it->column;
        }
        if (bad) {
            for (size_t j = 0; j <= i; j++)
                value_free(&levels[j]);
            free(levels);
            return MB_EINPUT;
        }
    }
    for (size_t j = 0; j < st->nlevels; j++)
        value_free(&st->levels[j]);
    free(st->levels);
    st->levels = levels;
    st->nlevels = nitems;
    st->is_factor = n->kind == MB_Y_SEQ;
    st->line = n->line;
    st->column = n->column;
    if (st->is_factor)
        L->factor_order[st - L->s->settings] = ++L->next_factor_order;
    return 0;
}

static int set_zip(struct loader *L, const struct mb_ynode *n)
{
    if (n->kind != MB_Y_SEQ)
        return mb_yerr(L->err, L->doc, n,
                       "zip: expected a list of lists of factor keys, e.g. [[vms.count, "
                       "reservation.destination.cpu]]");
    for (size_t g = 0; g < n->nkids; g++) {
        const struct mb_ynode *grp = n->kids[g];
        if (grp->kind != MB_Y_SEQ || grp->nkids < 2)
            return mb_yerr(L->err, L->doc, grp,
                           "zip: each group is a list of at least two factor keys");
        size_t levels = 0;
        for (size_t k = 0; k < grp->nkids; k++) {
            const struct mb_ynode *key = grp->kids[k];
            if (key->kind != MB_Y_SCALAR)
                return mb_yerr(L->err, L->doc, key, "zip: expected a key name, got %s",
                               mb_ynode_kind_name(key->kind));
            const struct mb_option *o = mb_option_find(key->text);
            if (!o || o->scope != MB_SCOPE_POINT)
                return mb_yerr(L->err, L->doc, key, "zip: '%s' is not a per-run key", key->text);
            struct mb_setting *st = setting_of(L, o);
            if (!st->is_factor)
                return mb_yerr(L->err, L->doc, key,
                               "zip: '%s' is not a factor (give it a list of levels)", key->text);
            if (st->zip_group >= 0)
                return mb_yerr(L->err, L->doc, key, "zip: '%s' is already in a zip group",
                               key->text);
            if (k > 0 && st->nlevels != levels)
                return mb_yerr(L->err, L->doc, key,
                               "zip: '%s' has %zu levels but '%s' has %zu; zipped factors "
                               "need the same number",
                               key->text, st->nlevels, grp->kids[0]->text, levels);
            levels = st->nlevels;
            st->zip_group = (int)g;
        }
    }
    L->s->nzip = n->nkids;
    return 0;
}

static int factor_key_ok(struct loader *L, const struct mb_ynode *n, const char *what)
{
    if (n->kind != MB_Y_SCALAR)
        return mb_yerr(L->err, L->doc, n, "plots: %s: expected a key name, got %s", what,
                       mb_ynode_kind_name(n->kind));
    const struct mb_option *o = mb_option_find(n->text);
    if (!o || o->scope != MB_SCOPE_POINT)
        return mb_yerr(L->err, L->doc, n, "plots: %s: '%s' is not a per-run key", what, n->text);
    if (!setting_of(L, o)->is_factor)
        return mb_yerr(L->err, L->doc, n,
                       "plots: %s: '%s' is not a factor of this scenario (it has one value)", what,
                       n->text);
    return 0;
}

/* A plot's y must be a numeric metric column of raw.csv (docs/results.md). */
static int metric_ok(struct loader *L, const struct mb_ynode *n)
{
    const char *names[MB_COL_COUNT + 1];
    size_t k = 0;
    for (int c = 0; c < MB_COL_COUNT; c++)
        if (mb_results_columns[c].group == MB_RESULTS_METRIC &&
            (mb_results_columns[c].type == MB_RESULTS_NUMBER ||
             mb_results_columns[c].type == MB_RESULTS_INTEGER))
            names[k++] = mb_results_columns[c].name;
    names[k] = NULL;
    if (n->kind != MB_Y_SCALAR)
        return mb_yerr(L->err, L->doc, n, "plots: y: expected a metric name, got %s",
                       mb_ynode_kind_name(n->kind));
    for (size_t i = 0; i < k; i++)
        if (!strcmp(names[i], n->text))
            return 0;
    const char *s = mb_suggest(n->text, names);
    if (s)
        return mb_yerr(L->err, L->doc, n,
                       "plots: y: '%s' is not a metric — did you mean '%s'? (see "
                       "docs/results.md)",
                       n->text, s);
    return mb_yerr(L->err, L->doc, n,
                   "plots: y: '%s' is not a numeric metric of raw.csv (see docs/results.md)",
                   n->text);
}

static int set_plots(struct loader *L, const struct mb_ynode *n)
{
    static const char *const keys[] = {"x", "y", "kind", "title", "series", NULL};
    if (n->kind != MB_Y_SEQ)
        return mb_yerr(L->err, L->doc, n, "plots: expected a list of plot mappings");
    L->s->plots = mb_xcalloc(n->nkids, sizeof(struct mb_plot));
    for (size_t i = 0; i < n->nkids; i++) {
        const struct mb_ynode *pm = n->kids[i];
        struct mb_plot *p = &L->s->plots[i];
        L->s->nplots = i + 1;
        if (pm->kind != MB_Y_MAP)
            return mb_yerr(L->err, L->doc, pm,
                           "plots: each plot is a mapping {x: FACTOR, y: [METRIC...]}");
        for (size_t k = 0; k + 1 < pm->nkids; k += 2) {
            const struct mb_ynode *key = pm->kids[k], *val = pm->kids[k + 1];
            int known = 0;
            for (int j = 0; keys[j]; j++)
                known |= !strcmp(keys[j], key->text);
            if (!known) {
                const char *s = mb_suggest(key->text, keys);
                return mb_yerr(L->err, L->doc, key, "plots: unknown key '%s'%s%s%s", key->text,
                               s ? " — did you mean '" : " (expected x, y, kind, title, series)",
                               s ? s : "", s ? "'?" : "");
            }
            if (!strcmp(key->text, "x")) {
                if (factor_key_ok(L, val, "x"))
                    return MB_EINPUT;
                p->x = mb_xstrdup(val->text);
            } else if (!strcmp(key->text, "series")) {
                if (factor_key_ok(L, val, "series"))
                    return MB_EINPUT;
                p->series = mb_xstrdup(val->text);
            } else if (!strcmp(key->text, "y")) {
                const struct mb_ynode *const *ys = (const struct mb_ynode *const *)&val;
                size_t ny = 1;
                if (val->kind == MB_Y_SEQ) {
                    ys = (const struct mb_ynode *const *)val->kids;
                    ny = val->nkids;
                }
                if (ny == 0)
                    return mb_yerr(L->err, L->doc, val, "plots: y: an empty list");
                p->y = mb_xcalloc(ny, sizeof(char *));
                for (size_t j = 0; j < ny; j++) {
                    if (metric_ok(L, ys[j]))
                        return MB_EINPUT;
                    p->y[j] = mb_xstrdup(ys[j]->text);
                    p->ny = j + 1;
                }
            } else if (!strcmp(key->text, "kind")) {
                int ok = val->kind == MB_Y_SCALAR;
                for (int j = 0; ok && plot_kinds[j]; j++)
                    if (!strcmp(plot_kinds[j], val->text))
                        ok = 2;
                if (ok != 2)
                    return mb_yerr(L->err, L->doc, val,
                                   "plots: kind: expected one of: line, bars, "
                                   "real-vs-computed, heatmap");
                p->kind = mb_xstrdup(val->text);
            } else if (!strcmp(key->text, "title")) {
                if (val->kind != MB_Y_SCALAR)
                    return mb_yerr(L->err, L->doc, val, "plots: title: expected text");
                p->title = mb_xstrdup(val->text);
            }
        }
        if (!p->x || !p->y)
            return mb_yerr(L->err, L->doc, pm, "plots: a plot needs x (a factor) and y (metrics)");
        if (!p->kind)
            p->kind = mb_xstrdup("line");
    }
    return 0;
}

static int walk(struct loader *L, const struct mb_ynode *map, const char *prefix)
{
    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const struct mb_ynode *key = map->kids[i], *val = map->kids[i + 1];
        char full[256];
        if (snprintf(full, sizeof(full), "%s%s%s", prefix, *prefix ? "." : "", key->text) >=
            (int)sizeof(full))
            return mb_yerr(L->err, L->doc, key, "key too long");
        const struct mb_option *o = mb_option_find(full);
        if (o) {
            int rc;
            if (o->type == MB_OPT_ZIP)
                continue; /* after every factor is known */
            else if (o->type == MB_OPT_PLOTS)
                continue;
            else if (o->scope == MB_SCOPE_SCENARIO)
                rc = set_scenario_key(L, o, val);
            else
                rc = set_point_key(L, o, val);
            if (rc)
                return rc;
            continue;
        }
        if (mb_option_is_section(full)) {
            if (val->kind != MB_Y_MAP)
                return mb_yerr(L->err, L->doc, val,
                               "'%s' is a section: expected a mapping of its keys, got %s "
                               "(see 'migbench help keys')",
                               full, mb_ynode_kind_name(val->kind));
            int rc = walk(L, val, full);
            if (rc)
                return rc;
            continue;
        }
        const char *s = mb_option_suggest(prefix, key->text);
        if (s)
            return mb_yerr(L->err, L->doc, key, "unknown key '%s'%s%s — did you mean '%s'?",
                           key->text, *prefix ? " in " : "", prefix, s);
        return mb_yerr(L->err, L->doc, key,
                       "unknown key '%s'%s%s (see 'migbench help keys' for every key)", key->text,
                       *prefix ? " in " : "", prefix);
    }
    return 0;
}

/* profile: the profile's values for the per-run keys the file does not set, placed at the
 * profile key (for messages about them) and listed in s->profile_keys. */
static int apply_profile(struct loader *L, const struct mb_ynode *root)
{
    struct mb_scenario *s = L->s;
    const struct mb_ynode *at = mb_ymap_get(root, "profile");
    if (at) {
        s->profile_line = at->line;
        s->profile_column = at->column;
    }
    const struct mb_profile *p = mb_profile_find(s->profile);
    if (!p || !at)
        return 0;
    for (const struct mb_profile_default *d = p->defaults; d->key; d++) {
        const struct mb_option *o = mb_option_find(d->key);
        struct mb_setting *st = o && o->scope == MB_SCOPE_POINT ? setting_of(L, o) : NULL;
        if (!st || s->nprofile_keys >= MB_SCENARIO_PROFILE_KEYS)
            return mb_yerr(L->err, L->doc, at, "profile %s: internal error: cannot set '%s'",
                           p->name, d->key);
        if (st->line)
            continue; /* the file's own value */
        struct mb_ynode fake = {.kind = MB_Y_SCALAR,
                                .text = (char *)d->value,
                                .quoted = 1,
                                .line = at->line,
                                .column = at->column};
        struct mb_value v;
        if (parse_value(L, o, &fake, &v))
            return MB_EINPUT;
        v.line = at->line;
        v.column = at->column;
        value_free(&st->levels[0]);
        st->levels[0] = v;
        st->line = at->line;
        st->column = at->column;
        s->profile_keys[s->nprofile_keys++] = o->key;
    }
    return 0;
}

static int defaults(struct loader *L)
{
    struct mb_scenario *s = L->s;
    size_t n = 0;
    for (const struct mb_option *o = mb_option_table(); o->key; o++)
        if (o->scope == MB_SCOPE_POINT)
            n++;
    s->settings = mb_xcalloc(n, sizeof(*s->settings));
    L->factor_order = mb_xcalloc(n, sizeof(size_t));
    s->nsettings = 0;
    for (const struct mb_option *o = mb_option_table(); o->key; o++) {
        if (o->scope == MB_SCOPE_SCENARIO) {
            if (!o->def)
                continue;
            struct mb_ynode fake = {.kind = MB_Y_SCALAR, .text = (char *)o->def, .quoted = 1};
            if (set_scenario_key(L, o, &fake))
                return MB_EINPUT;
            continue;
        }
        struct mb_setting *st = &s->settings[s->nsettings++];
        st->opt = o;
        st->zip_group = -1;
        st->levels = mb_xcalloc(1, sizeof(struct mb_value));
        st->nlevels = 1;
        struct mb_ynode fake = {.kind = MB_Y_SCALAR, .text = (char *)o->def, .quoted = 1};
        if (parse_value(L, o, &fake, &st->levels[0]))
            return MB_EINPUT;
    }
    s->trim = -1;
    return 0;
}

/* Where a setting was written, for a message about it (1:1 when defaulted). */
static struct mb_ynode at_setting(const struct mb_setting *st)
{
    return (struct mb_ynode){.line = st->line ? st->line : 1,
                             .column = st->column ? st->column : 1};
}

/* A level written twice makes two identical points; in a zip group, a tuple written
 * twice does. */
static int check_distinct_levels(struct loader *L)
{
    struct mb_scenario *s = L->s;
    for (size_t i = 0; i < s->nsettings; i++) {
        const struct mb_setting *st = &s->settings[i];
        for (size_t a = 0; st->is_factor && a < st->nlevels; a++)
            for (size_t b = 0; b < a; b++) {
                int same = 1;
                for (size_t k = 0; k < s->nsettings && same; k++) {
                    const struct mb_setting *o = &s->settings[k];
                    if (k == i || (st->zip_group >= 0 && o->zip_group == st->zip_group))
                        same = o->levels[a].num == o->levels[b].num &&
                               !strcmp(o->levels[a].text, o->levels[b].text);
                }
                if (!same)
                    continue;
                struct mb_ynode at = {.line = st->line, .column = st->column};
                return mb_yerr(L->err, L->doc, &at,
                               st->zip_group >= 0
                                   ? "%s: level '%s' appears twice with the same zipped "
                                     "levels: two identical points"
                                   : "%s: level '%s' appears twice",
                               st->opt->key, st->levels[a].text);
            }
    }
    return 0;
}

/* The balloon and the integrity checker within the VM's memory, and two hosts for a
 * migration, at every combination (zipped from/to pair level by level). */
static int check_pairs(struct loader *L)
{
    struct mb_scenario *s = L->s;
    const struct mb_setting *mem = mb_scenario_setting(s, "vms.memory");
    const struct mb_setting *bal = mb_scenario_setting(s, "reservation.source.memory");
    const struct mb_setting *chk = mb_scenario_setting(s, "integrity.memory");
    for (size_t j = 0; j < mem->nlevels; j++) {
        for (size_t i = 0; i < bal->nlevels; i++)
            if (bal->levels[i].num > mem->levels[j].num) {
                struct mb_ynode at = at_setting(bal);
                return mb_yerr(L->err, L->doc, &at,
                               "reservation.source.memory %s is more than vms.memory %s: the "
                               "balloon can only shrink a VM",
                               bal->levels[i].text, mem->levels[j].text);
            }
        for (size_t i = 0; i < chk->nlevels; i++)
            if (chk->levels[i].num > mem->levels[j].num / 2) {
                struct mb_ynode at = at_setting(chk);
                return mb_yerr(L->err, L->doc, &at,
                               "integrity.memory %s is more than half of vms.memory %s: the "
                               "guest needs the rest",
                               chk->levels[i].text, mem->levels[j].text);
            }
    }
    const struct mb_setting *from = mb_scenario_setting(s, "migration.from");
    const struct mb_setting *to = mb_scenario_setting(s, "migration.to");
    int paired = from->zip_group >= 0 && from->zip_group == to->zip_group;
    for (size_t i = 0; i < from->nlevels; i++)
        for (size_t j = 0; j < to->nlevels; j++)
            if ((!paired || i == j) && *from->levels[i].text &&
                !strcmp(from->levels[i].text, to->levels[j].text)) {
                struct mb_ynode at = at_setting(to);
                return mb_yerr(L->err, L->doc, &at,
                               "migration.to '%s' is the source host too: a migration needs "
                               "two hosts",
                               to->levels[j].text);
            }
    return 0;
}

/* Placement candidates well formed; a resident either by placement or by colocation;
 * no more VMs at a time than the batch has. */
static int check_placement_and_strategy(struct loader *L)
{
    struct mb_scenario *s = L->s;
    const struct mb_setting *ph = mb_scenario_setting(s, "placement.hosts");
    const struct mb_setting *co = mb_scenario_setting(s, "colocation.workload");
    for (size_t i = 0; i < ph->nlevels; i++) {
        if (!*ph->levels[i].text)
            continue;
        struct mb_placement_hosts cand;
        struct mb_error pe;
        struct mb_ynode at = at_setting(ph);
        if (mb_placement_parse_hosts(ph->levels[i].text, mb_option_resident_workloads(), &cand,
                                     &pe) < 0)
            return mb_yerr(L->err, L->doc, &at, "placement.hosts: %s", pe.msg);
        for (size_t j = 0; j < co->nlevels; j++)
            if (strcmp(co->levels[j].text, "none") != 0)
                return mb_yerr(L->err, L->doc, &at,
                               "placement.hosts names the residents itself: leave "
                               "colocation.workload out (it is for a single destination)");
    }
    const struct mb_setting *cnt = mb_scenario_setting(s, "vms.count");
    const struct mb_setting *strat = mb_scenario_setting(s, "migration.strategy");
    for (size_t i = 0; i < strat->nlevels; i++)
        for (size_t j = 0; j < cnt->nlevels; j++)
            if (strat->levels[i].strategy.k > cnt->levels[j].num) {
                struct mb_ynode at = at_setting(strat);
                return mb_yerr(L->err, L->doc, &at,
                               "migration.strategy %s migrates more VMs at a time than "
                               "vms.count %s",
                               strat->levels[i].text, cnt->levels[j].text);
            }
    return 0;
}

/* The node of a scenario-scope key, written nested (precision: {target: 5%}) or dotted
 * (precision.target: 5%); NULL when not written. */
static const struct mb_ynode *key_node(const struct mb_ynode *root, const char *key)
{
    const struct mb_ynode *n = mb_ymap_get(root, key);
    const char *dot = strchr(key, '.');
    if (n || !dot)
        return n;
    char section[64];
    snprintf(section, sizeof(section), "%.*s", (int)(dot - key), key);
    const struct mb_ynode *sec = mb_ymap_get(root, section);
    return sec && sec->kind == MB_Y_MAP ? mb_ymap_get(sec, dot + 1) : NULL;
}

/* repeat: a number, with trim leaving a run; or auto, with a target above 0, a cap not
 * below the minimum, and trim leaving a run of the fewest a point may stop with.  The
 * precision.* keys belong to auto only. */
static int check_repeat(struct loader *L, const struct mb_ynode *root)
{
    struct mb_scenario *s = L->s;
    const struct mb_ynode *t = mb_ymap_get(root, "trim"), *r = mb_ymap_get(root, "repeat");
    static const char *const pkeys[] = {"precision.target", "precision.min_runs",
                                        "precision.max_runs"};
    if (s->repeat != (int64_t)MB_OPT_AUTO) {
        for (size_t i = 0; i < sizeof(pkeys) / sizeof(pkeys[0]); i++)
            if (key_node(root, pkeys[i]))
                return mb_yerr(L->err, L->doc, key_node(root, pkeys[i]),
                               "%s applies to 'repeat: auto' only; repeat is %lld here", pkeys[i],
                               (long long)s->repeat);
        if (s->trim < 0)
            s->trim = s->repeat >= 3 ? 1 : 0;
        if (2 * s->trim >= s->repeat)
            return mb_yerr(L->err, L->doc, t ? t : r,
                           "trim %lld drops %lld of %lld runs per point, leaving none: use trim "
                           "<= %lld or a larger repeat",
                           (long long)s->trim, (long long)(2 * s->trim), (long long)s->repeat,
                           (long long)((s->repeat - 1) / 2));
        return 0;
    }
    if (s->precision_pct <= 0)
        return mb_yerr(L->err, L->doc, key_node(root, pkeys[0]),
                       "precision.target: an interval of +-0%% is never reached; use a "
                       "share above 0%%, e.g. 10%%");
    if (s->max_runs < s->min_runs) {
        const struct mb_ynode *n = key_node(root, pkeys[2]);
        return mb_yerr(L->err, L->doc, n ? n : key_node(root, pkeys[1]),
                       "precision.max_runs %lld is below precision.min_runs %lld: the cap "
                       "would stop every point before it is judged",
                       (long long)s->max_runs, (long long)s->min_runs);
    }
    s->repeat_auto = 1;
    s->repeat = s->max_runs;
    if (s->trim < 0)
        s->trim = 1;
    if (2 * s->trim >= s->min_runs) {
        const struct mb_ynode *n = key_node(root, pkeys[1]);
        return mb_yerr(L->err, L->doc,
                       t   ? t
                       : n ? n
                           : r,
                       "trim %lld drops %lld runs, but repeat: auto may stop a point after "
                       "precision.min_runs %lld, leaving none: use trim <= %lld or a larger "
                       "precision.min_runs",
                       (long long)s->trim, (long long)(2 * s->trim), (long long)s->min_runs,
                       (long long)((s->min_runs - 1) / 2));
    }
    return 0;
}

/* Checks that involve more than one key. */
static int cross_check(struct loader *L, const struct mb_ynode *root)
{
    struct mb_scenario *s = L->s;
    if (!s->name)
        return mb_yerr(L->err, L->doc, root, "missing key 'name' (every scenario is named)");
    if (check_repeat(L, root) || check_distinct_levels(L) || check_pairs(L) ||
        check_placement_and_strategy(L))
        return MB_EINPUT;
    /* size of the cross product */
    double points = 1;
    for (size_t i = 0; i < s->nsettings; i++) {
        const struct mb_setting *st = &s->settings[i];
        if (!st->is_factor)
            continue;
        int first_of_group = 1;
        for (size_t j = 0; j < i && st->zip_group >= 0; j++)
            if (s->settings[j].zip_group == st->zip_group)
                first_of_group = 0;
        if (first_of_group)
            points *= (double)st->nlevels;
    }
    if (points > MAX_POINTS)
        return mb_yerr(L->err, L->doc, root,
                       "the factors make %.0f points; at most %.0f (use zip to pair factors)",
                       points, MAX_POINTS);
    return 0;
}

static struct mb_scenario *load(struct mb_ydoc *doc, struct mb_error *err)
{
    struct mb_scenario *s = mb_xcalloc(1, sizeof(*s));
    s->path = mb_xstrdup(doc->path);
    struct loader L = {.s = s, .doc = doc, .err = err};
    const struct mb_ynode *root = doc->root;
    int rc = defaults(&L);
    if (rc)
        goto fail;
    if (!root) {
        mb_error_at(err, MB_EINPUT, doc->path, 1, 1,
                    "empty scenario: expected a mapping with at least 'name'");
        goto fail;
    }
    if (root->kind != MB_Y_MAP) {
        mb_yerr(err, doc, root, "a scenario is a mapping of keys (name:, vms:, ...), not %s",
                mb_ynode_kind_name(root->kind));
        goto fail;
    }
    if (walk(&L, root, "") || apply_profile(&L, root))
        goto fail;
    const struct mb_ynode *zip = mb_ymap_get(root, "zip");
    if (zip && set_zip(&L, zip))
        goto fail;
    const struct mb_ynode *plots = mb_ymap_get(root, "plots");
    if (plots && set_plots(&L, plots))
        goto fail;
    if (cross_check(&L, root))
        goto fail;
    /* factors in order of appearance */
    s->factors = mb_xcalloc(s->nsettings, sizeof(size_t));
    for (size_t ord = 1; ord <= L.next_factor_order; ord++)
        for (size_t i = 0; i < s->nsettings; i++)
            if (s->settings[i].is_factor && L.factor_order[i] == ord)
                s->factors[s->nfactors++] = i;
    free(L.factor_order);
    return s;
fail:
    free(L.factor_order);
    mb_scenario_free(s);
    return NULL;
}

struct mb_scenario *mb_scenario_load_mem(const char *name, const char *data, size_t len,
                                         struct mb_error *err)
{
    struct mb_ydoc *doc = mb_yaml_load_mem(name, data, len, err);
    if (!doc)
        return NULL;
    struct mb_scenario *s = load(doc, err);
    mb_ydoc_free(doc);
    return s;
}

struct mb_scenario *mb_scenario_load(const char *path, struct mb_error *err)
{
    struct mb_ydoc *doc = mb_yaml_load_file(path, err);
    if (!doc)
        return NULL;
    struct mb_scenario *s = load(doc, err);
    mb_ydoc_free(doc);
    return s;
}

void mb_scenario_point(const struct mb_scenario *s, const size_t *level, struct mb_point *p)
{
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < s->nsettings; i++) {
        const struct mb_setting *st = &s->settings[i];
        const struct mb_value *v = &st->levels[level ? level[i] : 0];
        mb_option_store(st->opt, p, v->num, v->text, &v->strategy);
    }
}
