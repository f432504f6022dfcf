/* cli.h — one table-driven parser for the options of every command.
 *
 * A command declares a struct mb_cli_cmd: its name, usage line(s), description, the
 * text after its options (notes, exit statuses) and a table of options.  From that
 * table come the parsing (--opt VALUE, --opt=VALUE, -x VALUE, -xy; -- ends the options), the --help
 * text and the usage errors, with "did you mean" suggestions.  --help and -h are built in.  The
 * same rows serve other sources of options (lab's --config files) through mb_cli_find and
 * mb_cli_apply. */
#ifndef MB_CLI_H
#define MB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/error.h"

/* Whether an option takes a value. */
enum mb_cli_arg {
    MB_CLI_NONE,     /* --flag */
    MB_CLI_REQUIRED, /* --opt VALUE, --opt=VALUE, -x VALUE, -xVALUE */
    MB_CLI_OPTIONAL, /* --opt or --opt=VALUE (never the next word); -x or -xVALUE */
};

struct mb_cli_opt;

/* Stores one option's value (NULL: a flag, or an optional value not given) into the
 * caller's struct at base.  Returns 0, or MB_EINPUT with err set (the message names the
 * option, e.g. "--progress takes bar or lines, not 'foo'"). */
typedef int (*mb_cli_set_fn)(const struct mb_cli_opt *o, const char *value, void *base,
                             struct mb_error *err);

/* One row of a command's option table; a row with name NULL ends the table. */
struct mb_cli_opt {
    const char *name;    /* long name without "--" */
    char short_name;     /* 'q' for -q, 0 for none */
    enum mb_cli_arg arg; /* value: none, required or optional */
    const char *meta;    /* placeholder of the value in help and errors: "FILE|NAME" */
    mb_cli_set_fn set;   /* where the value goes: mb_cli_set_* or the command's own */
    size_t offset;       /* of the field in the caller's struct the setter writes */
    const char *help;    /* one sentence or more; wrapped when printed */
    const char *def;     /* default, given to set before parsing and shown in help; or NULL */
    long min, max;       /* range of mb_cli_set_int */
    unsigned only;       /* applies to the commands whose mask shares a bit; 0 = all */
};

/* Flags of a command. */
enum {
    /* The first operand ends the options: it and every word after it are operands
     * (a command word, or N before the remote command of `vm exec`). */
    MB_CLI_STOP_AT_OPERAND = 1u << 0,
    /* A word that looks like an option but is none of the table's (nor --help) is the
     * first operand, and ends the options too: a remote command's own options. */
    MB_CLI_PASS_UNKNOWN = 1u << 1,
    /* A group's --help shows every subcommand's usage, summary and options, not only
     * its summary. */
    MB_CLI_SUBS_IN_FULL = 1u << 2,
};

/* A command (or a group of subcommands): everything its parsing and help need. */
struct mb_cli_cmd {
    const char *name;        /* the words after "migbench": "run", "vm start"; "" for migbench */
    const char *usage;       /* what follows the name on a usage line; '\n' between forms */
    const char *summary;     /* one line, in its group's list of commands */
    const char *description; /* preformatted paragraphs after the usage, or NULL */
    const char *epilog;      /* preformatted text after the options: notes, exit status */
    const struct mb_cli_opt *opts; /* NULL, or rows ending with a row whose name is NULL */
    int min_args, max_args;        /* operands; max_args -1 = no limit */
    unsigned flags;                /* MB_CLI_* above */
    unsigned mask;                 /* selects the rows whose `only` shares a bit with it */
    const struct mb_cli_cmd *subs; /* a group's subcommands, ending with a row named NULL */
    const char *help_name;         /* errors say "see 'migbench HELP_NAME --help'"; NULL = name */
    int (*run)(int argc, char **argv); /* a top-level command: argv[0] is its name */
    int id;                            /* the caller's number of a subcommand */
    /* a top-level command's own table (its options and subcommands), which its run
     * parses: the generated manual and completion read it; NULL = none */
    const struct mb_cli_cmd *cli;
};

/* What mb_cli_parse found besides the options (errors are negative enum mb_status). */
enum mb_cli_result {
    MB_CLI_OK = 0,
    MB_CLI_HELP = 1,  /* --help or -h: print mb_cli_help, exit 0 */
    MB_CLI_USAGE = 2, /* fewer operands than min_args */
};

/* Parse the words after the command's name (argv[0], skipped): every default of the
 * table is set first, then each option is given to its setter with base.  The operands
 * are moved, in order, to argv[1 .. *argc - 1] (*argc is updated; values stay borrowed
 * from argv).  Returns MB_CLI_OK, MB_CLI_HELP, MB_CLI_USAGE, or MB_EINPUT with err set:
 * an unknown option (with a suggestion), a value missing or given
 * where none is taken, a setter's refusal, or more operands than max_args. */
int mb_cli_parse(const struct mb_cli_cmd *c, int *argc, char **argv, void *base,
                 struct mb_error *err);

/* Print, for the result rc of mb_cli_parse (or MB_EINPUT of another step of the command
 * line with err set): the help on stdout (MB_CLI_HELP), the usage lines on stderr
 * (MB_CLI_USAGE; a group's whole help), or "migbench NAME: MESSAGE; see 'migbench NAME
 * --help'" on stderr.  Returns the exit status: 0 for help, else 2. */
int mb_cli_exit(const struct mb_cli_cmd *c, int rc, const struct mb_error *err);

/* mb_cli_parse for a command that goes on only with MB_CLI_OK: returns true then; else
 * false, with *exit_status what mb_cli_exit printed and returned. */
bool mb_cli_args(const struct mb_cli_cmd *c, int *argc, char **argv, void *base, int *exit_status);

/* Print c's help: usage, description, options (from the table), subcommands, epilog. */
void mb_cli_help(FILE *out, const struct mb_cli_cmd *c);

/* The row of c's table named name (not --help), or NULL. */
const struct mb_cli_opt *mb_cli_find(const struct mb_cli_cmd *c, const char *name);

/* The option name of c's table closest to name, for "did you mean", or NULL. */
const char *mb_cli_suggest(const struct mb_cli_cmd *c, const char *name);

/* Give value to o's setter, as the parser does (for options from elsewhere, such as a
 * configuration file).  Returns 0 or MB_EINPUT with err set. */
int mb_cli_apply(const struct mb_cli_opt *o, const char *value, void *base, struct mb_error *err);

/* The subcommand of group named word, or NULL with err set ("unknown command 'strat'
 * (did you mean 'start'?)").  The result points into group->subs. */
const struct mb_cli_cmd *mb_cli_sub(const struct mb_cli_cmd *group, const char *word,
                                    struct mb_error *err);

/* The first row of c's option table at or after o that applies to c (its `only` mask),
 * or NULL at the end: `for (o = mb_cli_next_opt(c, c->opts); o; o = mb_cli_next_opt(c,
 * o + 1))` visits c's options. */
const struct mb_cli_opt *mb_cli_next_opt(const struct mb_cli_cmd *c, const struct mb_cli_opt *o);

/* How help shows o's head: "-q, --quiet", "--testbed FILE|NAME", "--all[=BOOL]". */
void mb_cli_opt_head(const struct mb_cli_opt *o, char *buf, size_t size);

/* The whole command line as a roff manual section body (cli_doc.c): for top and every
 * command of top->subs (through ->cli), and their subcommands, the usage forms, the
 * description, the options with defaults and the notes.  Text is escaped for roff. */
void mb_cli_man(FILE *out, const struct mb_cli_cmd *top);

/* Print s escaped for roff, in no-fill text: backslashes doubled, '-' as \-, a leading
 * '.' or '\'' guarded. */
void mb_cli_roff(FILE *out, const char *s);

/* A bash completion function for top (cli_doc.c): `_migbench_cmd_words KEY` prints the
 * options and subcommands of the command KEY ("run", "lab up"), `_migbench_value_kind KEY
 * OPTION` what an option's value is (file, dir, instance, testbed, none) and
 * `_migbench_operand_kind KEY` what the operands are, from the usage forms.  The caller
 * adds the words it knows (topics, scenario keys) and the `complete` line. */
void mb_cli_completion(FILE *out, const struct mb_cli_cmd *top);

/* Setters for the common cases.  mb_cli_set_flag: a bool set to true, or to an optional
 * value's truth (true/false, yes/no, on/off).  mb_cli_set_str: a const char *
 * borrowed from argv.  mb_cli_set_int: an int from o->min to o->max. */
int mb_cli_set_flag(const struct mb_cli_opt *o, const char *value, void *base,
                    struct mb_error *err);
int mb_cli_set_str(const struct mb_cli_opt *o, const char *value, void *base, struct mb_error *err);
int mb_cli_set_int(const struct mb_cli_opt *o, const char *value, void *base, struct mb_error *err);

#endif
