/* cli.c — the command-line parser every command shares: options from a table, help
 * and usage errors generated from the same table. */
#include "cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/units.h"
#include "lib/util.h"

/* Help lines are wrapped at this column. */
#define CLI_WIDTH 90
/* Option heads wider than this get a line of their own in help. */
#define CLI_HEAD_MAX 22
/* At most this many options per command (suggestions are drawn from them). */
#define CLI_MAX_OPTS 64

/* An option word that stops the parse and becomes the first operand
 * (MB_CLI_PASS_UNKNOWN); internal to this file. */
#define CLI_PASSED 3

static const struct mb_cli_opt help_opt = {
    .name = "help", .short_name = 'h', .arg = MB_CLI_NONE, .help = "this help"};

#define FIELD(base, o, type) ((type *)(void *)((char *)(base) + (o)->offset))

static bool applies(const struct mb_cli_cmd *c, const struct mb_cli_opt *o)
{
    return !o->only || (o->only & c->mask);
}

/* The next row of c's table at or after o that applies to c, or NULL at the end. */
static const struct mb_cli_opt *next_opt(const struct mb_cli_cmd *c, const struct mb_cli_opt *o)
{
    for (; o && o->name; o++)
        if (applies(c, o))
            return o;
    return NULL;
}

const struct mb_cli_opt *mb_cli_next_opt(const struct mb_cli_cmd *c, const struct mb_cli_opt *o)
{
    return next_opt(c, o);
}

const struct mb_cli_opt *mb_cli_find(const struct mb_cli_cmd *c, const char *name)
{
    for (const struct mb_cli_opt *o = next_opt(c, c->opts); o; o = next_opt(c, o + 1))
        if (!strcmp(o->name, name))
            return o;
    return NULL;
}

const char *mb_cli_suggest(const struct mb_cli_cmd *c, const char *name)
{
    const char *names[CLI_MAX_OPTS + 1], *begun = NULL;
    size_t n = 0, nbegun = 0, len = strlen(name);
    for (const struct mb_cli_opt *o = next_opt(c, c->opts); o; o = next_opt(c, o + 1)) {
        if (n < CLI_MAX_OPTS)
            names[n++] = o->name;
        if (len && !strncmp(o->name, name, len) && nbegun++ == 0)
            begun = o->name;
    }
    names[n] = NULL;
    return nbegun == 1 ? begun : mb_suggest(name, names);
}

int mb_cli_apply(const struct mb_cli_opt *o, const char *value, void *base, struct mb_error *err)
{
    return o->set ? o->set(o, value, base, err) : 0;
}

/* The option whose long name is the len bytes at name, or else the one option it is an
 * abbreviation of (getopt_long takes them, and scripts written against it may abbreviate);
 * --help among them when with_help.  Returns NULL when no name, or more than one, begins
 * with it (*nbegun says how many did). */
static const struct mb_cli_opt *find_long(const struct mb_cli_cmd *c, const char *name, size_t len,
                                          bool with_help, size_t *nbegun)
{
    const struct mb_cli_opt *begun = NULL;
    *nbegun = 0;
    for (const struct mb_cli_opt *o = next_opt(c, c->opts); o; o = next_opt(c, o + 1)) {
        if (strncmp(o->name, name, len) != 0)
            continue;
        if (!o->name[len])
            return o;
        if ((*nbegun)++ == 0)
            begun = o;
    }
    if (with_help && !strncmp(help_opt.name, name, len)) {
        if (!help_opt.name[len])
            return &help_opt;
        if ((*nbegun)++ == 0)
            begun = &help_opt;
    }
    return len > 0 && *nbegun == 1 ? begun : NULL;
}

/* "option '--re' is ambiguous: --resume, --results" */
static int ambiguous_long(const struct mb_cli_cmd *c, const char *name, size_t len,
                          struct mb_error *err)
{
    struct mb_buf b = {.max = 512};
    for (const struct mb_cli_opt *o = next_opt(c, c->opts); o; o = next_opt(c, o + 1))
        if (!strncmp(o->name, name, len))
            mb_buf_printf(&b, "%s--%s", b.len ? ", " : "", o->name);
    int rc = mb_error_set(err, MB_EINPUT, "option '--%.*s' is ambiguous: %s",
                          (int)(len < 63 ? len : 63), name, b.data ? b.data : "");
    mb_buf_free(&b);
    return rc;
}

static const struct mb_cli_opt *find_short(const struct mb_cli_cmd *c, char ch, bool with_help)
{
    for (const struct mb_cli_opt *o = next_opt(c, c->opts); o; o = next_opt(c, o + 1))
        if (o->short_name == ch)
            return o;
    return with_help && ch == help_opt.short_name ? &help_opt : NULL;
}

static int unknown_long(const struct mb_cli_cmd *c, const char *name, size_t len,
                        struct mb_error *err)
{
    char word[64];
    snprintf(word, sizeof(word), "%.*s", (int)(len < 63 ? len : 63), name);
    const char *s = mb_cli_suggest(c, word);
    return mb_error_set(err, MB_EINPUT, "unknown option '--%s'%s%s%s", word,
                        s ? " (did you mean '--" : "", s ? s : "", s ? "'?)" : "");
}

/* argv[*i] is "--NAME" or "--NAME=VALUE". */
static int parse_long(const struct mb_cli_cmd *c, int argc, char **argv, int *i, void *base,
                      struct mb_error *err)
{
    const char *name = argv[*i] + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    bool pass = c->flags & MB_CLI_PASS_UNKNOWN;
    size_t nbegun;
    /* passing unknown options on (a remote command's): only our exact names are ours */
    const struct mb_cli_opt *o = find_long(c, name, len, !pass, &nbegun);
    if (o && pass && o->name[len])
        o = NULL;
    if (!o && pass)
        return CLI_PASSED;
    if (!o)
        return nbegun > 1 ? ambiguous_long(c, name, len, err) : unknown_long(c, name, len, err);
    const char *v = eq ? eq + 1 : NULL;
    if (eq && o->arg == MB_CLI_NONE)
        return mb_error_set(err, MB_EINPUT, "option '--%s' takes no value", o->name);
    if (o == &help_opt)
        return MB_CLI_HELP;
    if (!eq && o->arg == MB_CLI_REQUIRED) {
        if (*i + 1 >= argc)
            return mb_error_set(err, MB_EINPUT, "option '--%s' needs a value (%s)", o->name,
                                o->meta ? o->meta : "VALUE");
        v = argv[++*i];
    }
    return mb_cli_apply(o, v, base, err) < 0 ? MB_EINPUT : MB_CLI_OK;
}

/* argv[*i] is "-x", "-xy" (flags together), "-xVALUE" or "-x VALUE". */
static int parse_short(const struct mb_cli_cmd *c, int argc, char **argv, int *i, void *base,
                       struct mb_error *err)
{
    const char *word = argv[*i];
    bool pass = c->flags & MB_CLI_PASS_UNKNOWN;
    for (const char *p = word + 1; *p; p++) {
        const struct mb_cli_opt *o = find_short(c, *p, !pass);
        if (!o && pass && p == word + 1)
            return CLI_PASSED;
        if (!o && p == word + 1 && p[1]) {
            /* "-testbed": a long name with one dash */
            const char *s = mb_cli_suggest(c, word + 1);
            return mb_error_set(err, MB_EINPUT, "unknown option '%s'%s%s%s", word,
                                s ? " (did you mean '--" : "", s ? s : "", s ? "'?)" : "");
        }
        if (!o)
            return mb_error_set(err, MB_EINPUT, "unknown option '-%c'", *p);
        if (o == &help_opt)
            return MB_CLI_HELP;
        const char *v = NULL;
        if (o->arg != MB_CLI_NONE && p[1]) {
            v = p + 1;
        } else if (o->arg == MB_CLI_REQUIRED) {
            if (*i + 1 >= argc)
                return mb_error_set(err, MB_EINPUT, "option '-%c' needs a value (%s)", *p,
                                    o->meta ? o->meta : "VALUE");
            v = argv[++*i];
        }
        if (mb_cli_apply(o, v, base, err) < 0)
            return MB_EINPUT;
        if (o->arg != MB_CLI_NONE)
            break;
    }
    return MB_CLI_OK;
}

int mb_cli_parse(const struct mb_cli_cmd *c, int *argc, char **argv, void *base,
                 struct mb_error *err)
{
    for (const struct mb_cli_opt *o = next_opt(c, c->opts); o; o = next_opt(c, o + 1))
        if (o->def && mb_cli_apply(o, o->def, base, err) < 0)
            return MB_EINPUT;
    int n = 1;
    bool done = false;
    for (int i = 1; i < *argc; i++) {
        char *a = argv[i];
        if (done || a[0] != '-' || !a[1]) {
            argv[n++] = a; /* n <= i: the words still to read are not overwritten */
            done |= (c->flags & MB_CLI_STOP_AT_OPERAND) != 0;
            continue;
        }
        if (!strcmp(a, "--")) {
            done = true;
            continue;
        }
        int rc = a[1] == '-' ? parse_long(c, *argc, argv, &i, base, err)
                             : parse_short(c, *argc, argv, &i, base, err);
        if (rc == CLI_PASSED) {
            argv[n++] = a;
            done = true;
        } else if (rc != MB_CLI_OK) {
            return rc;
        }
    }
    *argc = n;
    if (n - 1 < c->min_args)
        return MB_CLI_USAGE;
    if (c->max_args >= 0 && n - 1 > c->max_args)
        return mb_error_set(err, MB_EINPUT, "unexpected argument '%s'", argv[1 + c->max_args]);
    return MB_CLI_OK;
}

const struct mb_cli_cmd *mb_cli_sub(const struct mb_cli_cmd *group, const char *word,
                                    struct mb_error *err)
{
    const char *names[CLI_MAX_OPTS + 1];
    size_t n = 0;
    for (const struct mb_cli_cmd *s = group->subs; s && s->name; s++) {
        const char *last = strrchr(s->name, ' ');
        last = last ? last + 1 : s->name;
        if (!strcmp(last, word))
            return s;
        if (n < CLI_MAX_OPTS)
            names[n++] = last;
    }
    names[n] = NULL;
    const char *s = mb_suggest(word, names);
    mb_error_set(err, MB_EINPUT, "unknown command '%s'%s%s%s", word, s ? " (did you mean '" : "",
                 s ? s : "", s ? "'?)" : "");
    return NULL;
}

/* ---- help ----------------------------------------------------------------------- */

/* Print text from column col (the cursor is there), wrapping at CLI_WIDTH with every
 * further line indented to col. */
static void print_wrapped(FILE *out, const char *text, int col)
{
    int at = col;
    bool first = true;
    for (const char *p = text; *p;) {
        while (*p == ' ')
            p++;
        int w = (int)strcspn(p, " ");
        if (!w)
            break;
        if (!first && at + 1 + w > CLI_WIDTH) {
            fprintf(out, "\n%*s", col, "");
            at = col;
            first = true;
        }
        fprintf(out, "%s%.*s", first ? "" : " ", w, p);
        at += w + (first ? 0 : 1);
        first = false;
        p += w;
    }
    fputc('\n', out);
}

void mb_cli_opt_head(const struct mb_cli_opt *o, char *buf, size_t size)
{
    int n = o->short_name ? snprintf(buf, size, "-%c, ", o->short_name) : 0;
    const char *meta = o->meta ? o->meta : "VALUE";
    if (o->arg == MB_CLI_REQUIRED)
        snprintf(buf + n, size - (size_t)n, "--%s %s", o->name, meta);
    else if (o->arg == MB_CLI_OPTIONAL && o->meta)
        snprintf(buf + n, size - (size_t)n, "--%s[=%s]", o->name, meta);
    else
        snprintf(buf + n, size - (size_t)n, "--%s", o->name);
}

static void print_opt(FILE *out, const struct mb_cli_opt *o, int indent, int width)
{
    char head[96];
    mb_cli_opt_head(o, head, sizeof(head));
    if ((int)strlen(head) > width)
        fprintf(out, "%*s%s\n%*s", indent, "", head, indent + width + 2, "");
    else
        fprintf(out, "%*s%-*s  ", indent, "", width, head);
    if (o->def) {
        char *text = mb_xasprintf("%s (default %s)", o->help, o->def);
        print_wrapped(out, text, indent + width + 2);
        free(text);
    } else {
        print_wrapped(out, o->help, indent + width + 2);
    }
}

/* c's options at indent; --help last when with_help. */
static void print_opts(FILE *out, const struct mb_cli_cmd *c, int indent, bool with_help)
{
    int width = with_help ? (int)strlen("-h, --help") : 0;
    for (const struct mb_cli_opt *o = next_opt(c, c->opts); o; o = next_opt(c, o + 1)) {
        char head[96];
        mb_cli_opt_head(o, head, sizeof(head));
        int w = (int)strlen(head);
        if (w <= CLI_HEAD_MAX && w > width)
            width = w;
    }
    for (const struct mb_cli_opt *o = next_opt(c, c->opts); o; o = next_opt(c, o + 1))
        print_opt(out, o, indent, width);
    if (with_help)
        print_opt(out, &help_opt, indent, width);
}

/* "usage: migbench NAME FORM" for each form; suffix after the last. */
static void print_usage(FILE *out, const struct mb_cli_cmd *c, const char *suffix)
{
    const char *p = c->usage ? c->usage : "";
    for (bool first = true;; first = false) {
        size_t n = strcspn(p, "\n");
        fprintf(out, "%s migbench%s%s %.*s", first ? "usage:" : "      ", *c->name ? " " : "",
                c->name, (int)n, p);
        if (!p[n]) {
            fprintf(out, "%s\n", suffix);
            break;
        }
        fputc('\n', out);
        p += n + 1;
    }
}

static void print_subs(FILE *out, const struct mb_cli_cmd *group)
{
    int width = 0;
    for (const struct mb_cli_cmd *s = group->subs; s->name; s++) {
        const char *last = strrchr(s->name, ' ');
        int w = (int)strlen(last ? last + 1 : s->name);
        width = w > width ? w : width;
    }
    for (const struct mb_cli_cmd *s = group->subs; s->name; s++) {
        const char *last = strrchr(s->name, ' ');
        last = last ? last + 1 : s->name;
        if (!(group->flags & MB_CLI_SUBS_IN_FULL)) {
            fprintf(out, "  %-*s  ", width, last);
            print_wrapped(out, s->summary, width + 4);
            continue;
        }
        fprintf(out, "  %s%s%s\n      ", last, s->usage && *s->usage ? " " : "",
                s->usage ? s->usage : "");
        print_wrapped(out, s->summary, 6);
        if (next_opt(s, s->opts))
            print_opts(out, s, 6, false);
    }
}

void mb_cli_help(FILE *out, const struct mb_cli_cmd *c)
{
    print_usage(out, c, "");
    if (c->description)
        fprintf(out, "\n%s", c->description);
    fprintf(out, "\noptions:\n");
    print_opts(out, c, 2, true);
    if (c->subs) {
        fprintf(out, "\ncommands:\n");
        print_subs(out, c);
    }
    if (c->epilog)
        fprintf(out, "\n%s", c->epilog);
}

int mb_cli_exit(const struct mb_cli_cmd *c, int rc, const struct mb_error *err)
{
    const char *ref = c->help_name ? c->help_name : c->name;
    char see[160];
    snprintf(see, sizeof(see), "see 'migbench %s%s--help'", ref, *ref ? " " : "");
    if (rc == MB_CLI_HELP) {
        mb_cli_help(stdout, c);
        return MB_EXIT_OK;
    }
    if (rc == MB_CLI_USAGE && c->subs) {
        mb_cli_help(stderr, c);
    } else if (rc == MB_CLI_USAGE) {
        char suffix[200];
        snprintf(suffix, sizeof(suffix), " (%s)", see);
        print_usage(stderr, c, suffix);
    } else {
        char buf[2048];
        mb_error_format(err, buf, sizeof(buf));
        fprintf(stderr, "migbench%s%s: %s; %s\n", *c->name ? " " : "", c->name, buf, see);
    }
    return MB_EXIT_INPUT;
}

bool mb_cli_args(const struct mb_cli_cmd *c, int *argc, char **argv, void *base, int *exit_status)
{
    struct mb_error err;
    mb_error_clear(&err);
    int rc = mb_cli_parse(c, argc, argv, base, &err);
    if (rc == MB_CLI_OK)
        return true;
    *exit_status = mb_cli_exit(c, rc, &err);
    return false;
}

/* ---- setters -------------------------------------------------------------------- */

int mb_cli_set_flag(const struct mb_cli_opt *o, const char *value, void *base, struct mb_error *err)
{
    int b = 1;
    char why[64];
    if (value && mb_parse_bool(value, &b, why, sizeof(why)) < 0)
        return mb_error_set(err, MB_EINPUT, "--%s: expected true or false, not '%s'", o->name,
                            value);
    *FIELD(base, o, bool) = b;
    return 0;
}

int mb_cli_set_str(const struct mb_cli_opt *o, const char *value, void *base, struct mb_error *err)
{
    (void)err;
    *FIELD(base, o, const char *) = value;
    return 0;
}

int mb_cli_set_int(const struct mb_cli_opt *o, const char *value, void *base, struct mb_error *err)
{
    char *end;
    errno = 0;
    long v = value ? strtol(value, &end, 10) : 0;
    if (!value || end == value || *end || errno || v < o->min || v > o->max)
        return mb_error_set(err, MB_EINPUT, "--%s '%s': expected a whole number from %ld to %ld",
                            o->name, value ? value : "", o->min, o->max);
    *FIELD(base, o, int) = (int)v;
    return 0;
}
