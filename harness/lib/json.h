/* json.h — a small JSON reader and writer: what metadata.json needs.
 *
 * Reader: RFC 8259 text into a tree of struct mb_json (strings decoded to UTF-8,
 * numbers kept as written and as a double).  Malformed input (truncated text, a bad
 * escape, nesting deeper than MB_JSON_MAX_DEPTH, a number beyond a double's range, a NUL
 * byte) is MB_EINPUT with file, line and column; never a crash.
 *
 * Writer: the document is built with struct mb_buf (util.h); these functions append
 * correctly quoted and escaped pieces of it. */
#ifndef MB_JSON_H
#define MB_JSON_H

#include <stddef.h>

#include "lib/error.h"
#include "lib/util.h"

/* Containers nested deeper than this are refused (the parser recurses). */
#define MB_JSON_MAX_DEPTH 64

enum mb_json_type {
    MB_JSON_NULL,
    MB_JSON_BOOL,
    MB_JSON_NUMBER,
    MB_JSON_STRING,
    MB_JSON_ARRAY,
    MB_JSON_OBJECT,
};

struct mb_json {
    enum mb_json_type type;
    char *key;  /* member name inside an object, else NULL */
    char *text; /* string value (UTF-8), a number as written, "true"/"false"/"null" */
    double num; /* MB_JSON_NUMBER */
    struct mb_json **kids;
    size_t nkids;
};

/* Parse the JSON text (len bytes; a leading UTF-8 byte order mark is skipped).  name is
 * used in errors, which carry line and column.  *out (mb_json_free) is set on success. */
int mb_json_parse(const char *name, const char *text, size_t len, struct mb_json **out,
                  struct mb_error *err);
void mb_json_free(struct mb_json *j);

/* Member key of an object (borrowed from it), or NULL when obj is not an object or has
 * no such member. */
const struct mb_json *mb_json_get(const struct mb_json *obj, const char *key);

/* Called for every scalar of a document with its path: members joined by '.', array
 * elements as [i], or [NAME] when the element is an object with a string "name"
 * (hosts[hostA].kernel), so the hosts of two files match by name.  path and v are
 * borrowed for the call. */
typedef void (*mb_json_fn)(void *ctx, const char *path, const struct mb_json *v);
void mb_json_flatten(const struct mb_json *j, mb_json_fn fn, void *ctx);

/* Append s (NULL is "") to b as a JSON string: quoted, with '"', '\' and control
 * characters escaped; other bytes are copied as they are. */
void mb_json_string(struct mb_buf *b, const char *s);

/* Append sep, then the member `"key": "s"` (s as mb_json_string). */
void mb_json_member(struct mb_buf *b, const char *sep, const char *key, const char *s);

#endif
