/* yaml.h — a small, bounded YAML tree on top of libfyaml's event parser.
 *
 * Scenario and testbed files are read into this tree, which keeps each node's
 * line and column for error messages.  Hostile input is refused up front: files
 * over MB_YAML_MAX_BYTES, NUL bytes or invalid UTF-8, nesting deeper than
 * MB_YAML_MAX_DEPTH, more than MB_YAML_MAX_NODES nodes, anchors and aliases (no
 * alias bombs), tags, several documents, and duplicate keys. */
#ifndef MB_YAML_H
#define MB_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/error.h"

#define MB_YAML_MAX_BYTES  (1u << 20)
#define MB_YAML_MAX_DEPTH  32
#define MB_YAML_MAX_NODES  200000
#define MB_YAML_MAX_SCALAR 4096

enum mb_ynode_kind { MB_Y_SCALAR, MB_Y_MAP, MB_Y_SEQ };

struct mb_ynode {
    enum mb_ynode_kind kind;
    int line, column;       /* 1-based position of the node's start */
    char *text;             /* MB_Y_SCALAR: the value, NUL-terminated */
    bool quoted;            /* MB_Y_SCALAR: written in quotes (never null/bool/number) */
    struct mb_ynode **kids; /* MB_Y_MAP: key, value, key, value...; MB_Y_SEQ: items */
    size_t nkids;
};

struct mb_ydoc {
    char *path;            /* as given, for messages */
    struct mb_ynode *root; /* NULL for an empty document */
};

/* Read and parse a whole file.  Returns a new document (free with mb_ydoc_free),
 * or NULL with err set to file:line:column and what was expected. */
struct mb_ydoc *mb_yaml_load_file(const char *path, struct mb_error *err);

/* Same, from memory; name is used in messages. */
struct mb_ydoc *mb_yaml_load_mem(const char *name, const char *data, size_t len,
                                 struct mb_error *err);

void mb_ydoc_free(struct mb_ydoc *doc);

/* Number of key/value pairs of a map node. */
static inline size_t mb_ymap_len(const struct mb_ynode *n)
{
    return n->nkids / 2;
}

/* Value of key in map node n, or NULL. */
const struct mb_ynode *mb_ymap_get(const struct mb_ynode *n, const char *key);

/* "a mapping", "a list", "a scalar": for messages. */
const char *mb_ynode_kind_name(enum mb_ynode_kind k);

/* Set err at node n of doc. */
int mb_yerr(struct mb_error *err, const struct mb_ydoc *doc, const struct mb_ynode *n,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
