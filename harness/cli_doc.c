/* cli_doc.c — the command tables as a manual page section and as bash completion, so
 * both say what --help says (see cli.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void mb_cli_roff(FILE *out, const char *s)
{
    bool line_start = true;
    for (; *s; s++) {
        if (line_start && (*s == '.' || *s == '\''))
            fputs("\\&", out);
        line_start = *s == '\n';
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-')
            fputs("\\-", out);
        else
            fputc(*s, out);
    }
}

/* Preformatted text (usage forms, descriptions, notes) as a no-fill block. */
static void man_block(FILE *out, const char *text)
{
    if (!text || !*text)
        return;
    fputs(".PP\n.nf\n", out);
    mb_cli_roff(out, text);
    if (text[strlen(text) - 1] != '\n')
        fputc('\n', out);
    fputs(".fi\n", out);
}

/* c's options as a tagged list, under an "Options:" line when heading. */
static void man_opts(FILE *out, const struct mb_cli_cmd *c, bool heading)
{
    const struct mb_cli_opt *o = mb_cli_next_opt(c, c->opts);
    if (!o)
        return;
    if (heading)
        fputs(".PP\nOptions:\n", out);
    for (; o; o = mb_cli_next_opt(c, o + 1)) {
        char head[128];
        mb_cli_opt_head(o, head, sizeof(head));
        fputs(".TP\n.B ", out);
        mb_cli_roff(out, head);
        fputc('\n', out);
        mb_cli_roff(out, o->help);
        if (o->def) {
            fputs(" (default ", out);
            mb_cli_roff(out, o->def);
            fputc(')', out);
        }
        fputc('\n', out);
    }
}

/* "migbench NAME FORM" for each usage form of c. */
static void man_usage(FILE *out, const struct mb_cli_cmd *c)
{
    fputs(".PP\n.nf\n", out);
    const char *p = c->usage ? c->usage : "";
    for (;;) {
        size_t n = strcspn(p, "\n");
        fprintf(out, "\\fBmigbench%s", *c->name ? " " : "");
        mb_cli_roff(out, c->name);
        fputs("\\fR ", out);
        char form[512];
        snprintf(form, sizeof(form), "%.*s", (int)n, p);
        mb_cli_roff(out, form);
        fputc('\n', out);
        if (!p[n])
            break;
        p += n + 1;
    }
    fputs(".fi\n", out);
}

/* One command (or subcommand) c, with the one-line summary of its row. */
static void man_cmd(FILE *out, const struct mb_cli_cmd *c, const char *summary)
{
    fputs(".SS \"migbench ", out);
    mb_cli_roff(out, c->name);
    fputs("\"\n", out);
    if (summary) {
        mb_cli_roff(out, summary);
        fputs(".\n", out);
    }
    man_usage(out, c);
    man_block(out, c->description);
    man_opts(out, c, true);
    for (const struct mb_cli_cmd *s = c->subs; s && s->name; s++)
        man_cmd(out, s, s->summary);
    man_block(out, c->epilog);
}

void mb_cli_man(FILE *out, const struct mb_cli_cmd *top)
{
    fputs(".SH SYNOPSIS\n", out);
    man_usage(out, top);
    fputs(".SH DESCRIPTION\n", out);
    man_block(out, top->description);
    fputs(".SH OPTIONS\n", out);
    man_opts(out, top, false);
    fputs(".TP\n.B \\-h, \\-\\-help\nprint the help of migbench or of a command and exit\n", out);
    fputs(".SH COMMANDS\n", out);
    for (const struct mb_cli_cmd *s = top->subs; s && s->name; s++)
        man_cmd(out, s->cli ? s->cli : s, s->summary);
}

/* ---- bash completion ------------------------------------------------------------ */

/* What an option's value is, from its name and placeholder. */
static void value_kind(const struct mb_cli_opt *o, char *buf, size_t size)
{
    const char *m = o->meta ? o->meta : "";
    if (!strcmp(o->name, "testbed"))
        snprintf(buf, size, "testbed");
    else if (!strcmp(o->name, "name"))
        snprintf(buf, size, "instance");
    else if (strstr(m, "DIR") || strstr(m, "RESULTS"))
        snprintf(buf, size, "dir");
    else if (strstr(m, "FILE") || strstr(m, "PATH"))
        snprintf(buf, size, "file");
    else if (strchr(m, '|') && m[0] >= 'a' && m[0] <= 'z') { /* choices: bar|lines */
        int n = snprintf(buf, size, "words:");
        for (const char *p = m; *p && (size_t)n + 1 < size; p++)
            buf[n++] = *p == '|' ? ' ' : *p;
        buf[n] = '\0';
    } else
        snprintf(buf, size, "value"); /* a value, nothing to offer */
}

/* What the operands of c are, from its first usage form. */
static const char *operand_kind(const struct mb_cli_cmd *c)
{
    char form[256];
    const char *u = c->usage ? c->usage : "";
    snprintf(form, sizeof(form), "%.*s", (int)strcspn(u, "\n"), u);
    if (strstr(form, "SCENARIO") || strstr(form, "FILE"))
        return "scenario";
    if (strstr(form, "DIR"))
        return "dir";
    if (strstr(form, "TOPIC"))
        return "topic";
    return "none";
}

static void words_of(FILE *out, const struct mb_cli_cmd *c, const char *key)
{
    fprintf(out, "    \"%s\") echo \"", key);
    for (const struct mb_cli_cmd *s = c->subs; s && s->name; s++) {
        const char *last = strrchr(s->name, ' ');
        fprintf(out, "%s ", last ? last + 1 : s->name);
    }
    for (const struct mb_cli_opt *o = mb_cli_next_opt(c, c->opts); o; o = mb_cli_next_opt(c, o + 1))
        fprintf(out, "--%s ", o->name);
    fputs("--help\" ;;\n", out);
}

/* The case arms of the three lookup functions for c (key "" for migbench itself). */
static void completion_cmd(FILE *out, const struct mb_cli_cmd *c, const char *key, int part)
{
    if (part == 0)
        words_of(out, c, key);
    for (const struct mb_cli_opt *o = mb_cli_next_opt(c, c->opts); part == 1 && o;
         o = mb_cli_next_opt(c, o + 1)) {
        char kind[128];
        if (o->arg != MB_CLI_REQUIRED)
            continue;
        value_kind(o, kind, sizeof(kind));
        fprintf(out, "    \"%s --%s\") echo \"%s\" ;;\n", key, o->name, kind);
        if (o->short_name)
            fprintf(out, "    \"%s -%c\") echo \"%s\" ;;\n", key, o->short_name, kind);
    }
    if (part == 2 && !c->subs)
        fprintf(out, "    \"%s\") echo %s ;;\n", key, operand_kind(c));
    for (const struct mb_cli_cmd *s = c->subs; s && s->name && *key; s++)
        completion_cmd(out, s, s->name, part);
}

static const char *const completion_main =
    "_migbench_complete_kind() {\n"
    "    local cur=$2 IFS=$'\\n'\n"
    "    case $1 in\n"
    "    scenario) compopt -o filenames 2>/dev/null\n"
    "        COMPREPLY=($(compgen -f -X '!*.yaml' -- \"$cur\") $(compgen -d -- \"$cur\")) ;;\n"
    "    dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n"
    "    file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
    "    instance) COMPREPLY=($(compgen -W \"$(_migbench_instances)\" -- \"$cur\")) ;;\n"
    "    testbed) compopt -o filenames 2>/dev/null\n"
    "        COMPREPLY=($(compgen -W \"$(_migbench_instances)\" -- \"$cur\")\n"
    "            $(compgen -f -X '!*.yaml' -- \"$cur\") $(compgen -d -- \"$cur\")) ;;\n"
    "    topic) IFS=' '; COMPREPLY=($(compgen -W \"$_migbench_topics\" -- \"$cur\")) ;;\n"
    "    key) IFS=' '; COMPREPLY=($(compgen -W \"$_migbench_keys\" -- \"$cur\")) ;;\n"
    "    words:*) IFS=' '; COMPREPLY=($(compgen -W \"${1#words:}\" -- \"$cur\")) ;;\n"
    "    *) COMPREPLY=() ;;\n"
    "    esac\n"
    "}\n"
    "# the lab instances on this machine (`migbench lab status --list`)\n"
    "_migbench_instances() {\n"
    "    \"${_migbench_prog:-migbench}\" lab status --list 2>/dev/null\n"
    "}\n"
    "_migbench() {\n"
    "    local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= sub= w i kind\n"
    "    _migbench_prog=${COMP_WORDS[0]}\n"
    "    [ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
    "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
    "        w=${COMP_WORDS[i]}\n"
    "        [[ $w == -* ]] && continue\n"
    "        # the value of the option before it\n"
    "        [[ ${COMP_WORDS[i - 1]} == -* ]] && [ \"$(_migbench_value_kind \"$cmd${sub:+ $sub}\" "
    "\\\n"
    "            \"${COMP_WORDS[i - 1]}\")\" != none ] && continue\n"
    "        if [ -z \"$cmd\" ]; then cmd=$w\n"
    "        elif [ -z \"$sub\" ] && [[ \" $_migbench_groups \" == *\" $cmd \"* ]]; then sub=$w\n"
    "        fi\n"
    "    done\n"
    "    local key=$cmd${sub:+ $sub}\n"
    "    if [[ $prev == -* ]]; then\n"
    "        kind=$(_migbench_value_kind \"$key\" \"$prev\")\n"
    "        if [ \"$kind\" != none ]; then _migbench_complete_kind \"$kind\" \"$cur\"; return; "
    "fi\n"
    "    fi\n"
    "    if [ -z \"$cmd\" ] || { [[ \" $_migbench_groups \" == *\" $cmd \"* ]] && [ -z \"$sub\" "
    "]; }; then\n"
    "        COMPREPLY=($(compgen -W \"$(_migbench_cmd_words \"$key\")\" -- \"$cur\"))\n"
    "        return\n"
    "    fi\n"
    "    if [[ $cur == -* ]]; then\n"
    "        COMPREPLY=($(compgen -W \"$(_migbench_cmd_words \"$key\")\" -- \"$cur\"))\n"
    "        return\n"
    "    fi\n"
    "    kind=$(_migbench_operand_kind \"$key\")\n"
    "    # help keys PREFIX: a scenario key\n"
    "    [ \"$kind\" = topic ] && [ \"$prev\" = keys ] && kind=key\n"
    "    _migbench_complete_kind \"$kind\" \"$cur\"\n"
    "}\n";

void mb_cli_completion(FILE *out, const struct mb_cli_cmd *top)
{
    static const char *const fns[] = {"_migbench_cmd_words", "_migbench_value_kind",
                                      "_migbench_operand_kind"};
    fputs("_migbench_groups=\"", out);
    for (const struct mb_cli_cmd *s = top->subs; s && s->name; s++)
        if (s->cli && s->cli->subs)
            fprintf(out, "%s ", s->name);
    fputs("\"\n", out);
    for (int part = 0; part < 3; part++) {
        fprintf(out, "%s() {\n    case \"$1%s\" in\n", fns[part], part == 1 ? " $2" : "");
        completion_cmd(out, top, "", part);
        for (const struct mb_cli_cmd *s = top->subs; s && s->name; s++)
            completion_cmd(out, s->cli ? s->cli : s, s->name, part);
        fprintf(out, "    *) echo %s ;;\n    esac\n}\n", part == 0 ? "" : "none");
    }
    fputs(completion_main, out);
}
