/* json.c — a small JSON reader and writer (see json.h). */
#include "lib/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ------------------------------------------------------------------------------ */

/* The parser's state: the text [s, end), the position p, and the nesting depth. */
struct jp {
    const char *name, *s, *end, *p;
    struct mb_error *err;
    int depth;
};

static void jp_where(const struct jp *j, const char *at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (const char *q = j->s; q < at && q < j->end; q++) {
        if (*q == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)*q & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

static int jp_fail(struct jp *j, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int jp_fail(struct jp *j, const char *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    int line, col;
    jp_where(j, at, &line, &col);
    return mb_error_at(j->err, MB_EINPUT, j->name, line, col, "%s", msg);
}

/* The text ended inside a container opened at open. */
static int jp_eof(struct jp *j, const char *open, const char *what)
{
    int line, col;
    jp_where(j, open, &line, &col);
    return jp_fail(j, j->end,
                   "the file ends inside the %s opened at line %d, column %d (file "
                   "truncated?)",
                   what, line, col);
}

static void jp_ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static void utf8_put(struct mb_buf *b, unsigned cp)
{
    char o[4];
    size_t n;
    if (cp < 0x80) {
        o[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        o[0] = (char)(0xf0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    mb_buf_append(b, o, n);
}

static int jp_hex4(struct jp *j, unsigned *out)
{
    if (j->end - j->p < 4)
        return jp_fail(j, j->p, "\\u needs four hex digits");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = j->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return jp_fail(j, j->p + i, "\\u needs four hex digits");
    }
    j->p += 4;
    *out = v;
    return 0;
}

static int jp_string(struct jp *j, char **out)
{
    const char *start = j->p;
    j->p++; /* the opening quote */
    struct mb_buf b = {.max = 4 << 20};
    mb_buf_append(&b, "", 0);
    for (;;) {
        if (j->p >= j->end) {
            mb_buf_free(&b);
            return jp_fail(j, start, "string never closed (file truncated?)");
        }
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') {
            j->p++;
            break;
        }
        if (c < 0x20) {
            mb_buf_free(&b);
            return jp_fail(j, j->p, "control character in a string");
        }
        if (c != '\\') {
            if (mb_buf_append(&b, j->p, 1)) {
                mb_buf_free(&b);
                return jp_fail(j, start, "string longer than 4 MiB");
            }
            j->p++;
            continue;
        }
        j->p++;
        if (j->p >= j->end)
            continue; /* reported as never closed */
        char e = *j->p++;
        if (e == 'u') {
            unsigned cp;
            if (jp_hex4(j, &cp)) {
                mb_buf_free(&b);
                return MB_EINPUT;
            }
            if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
                j->p[1] == 'u') {
                unsigned lo;
                j->p += 2;
                if (jp_hex4(j, &lo)) {
                    mb_buf_free(&b);
                    return MB_EINPUT;
                }
                if (lo >= 0xdc00 && lo < 0xe000)
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                else
                    cp = 0xfffd;
            } else if (cp >= 0xd800 && cp < 0xe000) {
                cp = 0xfffd;
            }
            utf8_put(&b, cp);
        } else if (e && strchr("\"\\/bfnrt", e)) {
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            mb_buf_append(&b, &to[strchr(from, e) - from], 1);
        } else {
            mb_buf_free(&b);
            return jp_fail(j, j->p - 2, "unknown escape '\\%c' in a string", e);
        }
    }
    *out = b.data;
    return 0;
}

static int jp_value(struct jp *j, struct mb_json **out);
static int jp_number(struct jp *j, struct mb_json **out);

static struct mb_json *jnew(enum mb_json_type t)
{
    struct mb_json *v = mb_xcalloc(1, sizeof(*v));
    v->type = t;
    return v;
}

static void jadd(struct mb_json *parent, struct mb_json *kid)
{
    parent->kids = mb_xrealloc(parent->kids, (parent->nkids + 1) * sizeof(*parent->kids));
    parent->kids[parent->nkids++] = kid;
}

static int jp_container(struct jp *j, struct mb_json **out)
{
    bool obj = *j->p == '{';
    const char *open = j->p;
    if (++j->depth > MB_JSON_MAX_DEPTH)
        return jp_fail(j, j->p, "nested deeper than %d levels", MB_JSON_MAX_DEPTH);
    j->p++;
    struct mb_json *v = jnew(obj ? MB_JSON_OBJECT : MB_JSON_ARRAY);
    jp_ws(j);
    if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
        j->p++;
        j->depth--;
        *out = v;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        jp_ws(j);
        if (obj) {
            if (j->p >= j->end || *j->p != '"') {
                mb_json_free(v);
                return j->p >= j->end ? jp_eof(j, open, "object")
                                      : jp_fail(j, j->p, "expected a member name in quotes");
            }
            if (jp_string(j, &key)) {
                mb_json_free(v);
                return MB_EINPUT;
            }
            jp_ws(j);
            if (j->p >= j->end || *j->p != ':') {
                free(key);
                mb_json_free(v);
                return jp_fail(j, j->p, "expected ':' after the member name");
            }
            j->p++;
        }
        struct mb_json *kid = NULL;
        if (jp_value(j, &kid)) {
            free(key);
            mb_json_free(v);
            return MB_EINPUT;
        }
        kid->key = key;
        jadd(v, kid);
        jp_ws(j);
        if (j->p >= j->end) {
            mb_json_free(v);
            return jp_eof(j, open, obj ? "object" : "array");
        }
        if (*j->p == ',') {
            j->p++;
            continue;
        }
        if (*j->p == (obj ? '}' : ']')) {
            j->p++;
            break;
        }
        mb_json_free(v);
        return jp_fail(j, j->p, "expected ',' or '%c'", obj ? '}' : ']');
    }
    j->depth--;
    *out = v;
    return 0;
}

static int jp_value(struct jp *j, struct mb_json **out)
{
    jp_ws(j);
    if (j->p >= j->end)
        return jp_fail(j, j->p, "a value is missing (file truncated?)");
    char c = *j->p;
    if (c == '{' || c == '[')
        return jp_container(j, out);
    if (c == '"') {
        char *s;
        if (jp_string(j, &s))
            return MB_EINPUT;
        *out = jnew(MB_JSON_STRING);
        (*out)->text = s;
        return 0;
    }
    static const struct {
        const char *word;
        enum mb_json_type t;
    } words[] = {{"true", MB_JSON_BOOL}, {"false", MB_JSON_BOOL}, {"null", MB_JSON_NULL}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, words[i].word, n)) {
            j->p += n;
            *out = jnew(words[i].t);
            (*out)->text = mb_xstrdup(words[i].word);
            return 0;
        }
    }
    return jp_number(j, out);
}

/* number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? within a double's range */
static int jp_number(struct jp *j, struct mb_json **out)
{
    const char *s = j->p, *q = s;
    if (q < j->end && *q == '-')
        q++;
    const char *digits = q;
    while (q < j->end && *q >= '0' && *q <= '9')
        q++;
    bool ok = q > digits && !(*digits == '0' && q - digits > 1);
    if (ok && q < j->end && *q == '.') {
        const char *f = ++q;
        while (q < j->end && *q >= '0' && *q <= '9')
            q++;
        ok = q > f;
    }
    if (ok && q < j->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < j->end && (*q == '+' || *q == '-'))
            q++;
        const char *e = q;
        while (q < j->end && *q >= '0' && *q <= '9')
            q++;
        ok = q > e;
    }
    if (!ok)
        return jp_fail(j, s,
                       "expected a value (object, array, string, number, true, false "
                       "or null)");
    char *text = mb_xstrndup(s, (size_t)(q - s));
    double num = strtod(text, NULL);
    if (!isfinite(num)) {
        free(text);
        return jp_fail(j, s, "number %.*s%s is beyond the range of a double",
                       (int)(q - s > 40 ? 40 : q - s), s, q - s > 40 ? "..." : "");
    }
    *out = jnew(MB_JSON_NUMBER);
    (*out)->text = text;
    (*out)->num = num;
    j->p = q;
    return 0;
}

int mb_json_parse(const char *name, const char *text, size_t len, struct mb_json **out,
                  struct mb_error *err)
{
    struct jp j = {.name = name, .s = text, .end = text + len, .p = text, .err = err};
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        j.p += 3;
    if (memchr(text, '\0', len))
        return jp_fail(&j, (const char *)memchr(text, '\0', len), "NUL byte");
    struct mb_json *v = NULL;
    if (jp_value(&j, &v))
        return MB_EINPUT;
    jp_ws(&j);
    if (j.p < j.end) {
        mb_json_free(v);
        return jp_fail(&j, j.p, "text after the end of the document");
    }
    *out = v;
    return 0;
}

void mb_json_free(struct mb_json *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->nkids; i++)
        mb_json_free(j->kids[i]);
    free(j->kids);
    free(j->key);
    free(j->text);
    free(j);
}

const struct mb_json *mb_json_get(const struct mb_json *obj, const char *key)
{
    if (!obj || obj->type != MB_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->nkids; i++)
        if (!strcmp(obj->kids[i]->key, key))
            return obj->kids[i];
    return NULL;
}

static void flatten(const struct mb_json *j, struct mb_buf *path, mb_json_fn fn, void *ctx)
{
    size_t mark = path->len;
    if (j->type == MB_JSON_OBJECT) {
        for (size_t i = 0; i < j->nkids; i++) {
            mb_buf_printf(path, "%s%s", mark ? "." : "", j->kids[i]->key);
            flatten(j->kids[i], path, fn, ctx);
            path->len = mark;
            path->data[mark] = '\0';
        }
    } else if (j->type == MB_JSON_ARRAY) {
        for (size_t i = 0; i < j->nkids; i++) {
            const struct mb_json *name = mb_json_get(j->kids[i], "name");
            if (name && name->type == MB_JSON_STRING)
                mb_buf_printf(path, "[%s]", name->text);
            else
                mb_buf_printf(path, "[%zu]", i);
            flatten(j->kids[i], path, fn, ctx);
            path->len = mark;
            path->data[mark] = '\0';
        }
    } else {
        fn(ctx, path->data ? path->data : "", j);
    }
}

void mb_json_flatten(const struct mb_json *j, mb_json_fn fn, void *ctx)
{
    if (!j)
        return;
    struct mb_buf path = {0};
    mb_buf_append(&path, "", 0);
    flatten(j, &path, fn, ctx);
    mb_buf_free(&path);
}

/* ---- writing ------------------------------------------------------------------------------ */

void mb_json_string(struct mb_buf *b, const char *s)
{
    mb_buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            mb_buf_append(b, e, 2);
        } else if (*p < 0x20) {
            mb_buf_printf(b, "\\u%04x", *p);
        } else {
            mb_buf_append(b, (const char *)p, 1);
        }
    }
    mb_buf_append(b, "\"", 1);
}

void mb_json_member(struct mb_buf *b, const char *sep, const char *key, const char *s)
{
    mb_buf_printf(b, "%s", sep);
    mb_json_string(b, key);
    mb_buf_append(b, ": ", 2);
    mb_json_string(b, s);
}
