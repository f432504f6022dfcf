/* yaml.c — bounded YAML tree on libfyaml's event parser. */
#include "lib/yaml.h"

#include <errno.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util.h"

/* libfyaml's first diagnostic, as printed ("SOURCE:LINE:COLUMN: error: MESSAGE").
 * Collecting errors in the diag instead (FYPCF_COLLECT_DIAG) leaks them in
 * libfyaml 0.7, which the fuzzer found. */
struct first_diag {
    char text[512];
};

static void keep_first(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    struct first_diag *fd = user;
    if (fd->text[0] || len == 0)
        return;
    if (len >= sizeof(fd->text))
        len = sizeof(fd->text) - 1;
    memcpy(fd->text, buf, len);
    fd->text[len] = '\0';
}

struct builder {
    struct fy_parser *fyp;
    struct first_diag *diag;
    const char *name;
    struct mb_error *err;
    size_t nodes;
};

static void ynode_free(struct mb_ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        ynode_free(n->kids[i]);
    free(n->kids);
    free(n->text);
    free(n);
}

void mb_ydoc_free(struct mb_ydoc *doc)
{
    if (!doc)
        return;
    ynode_free(doc->root);
    free(doc->path);
    free(doc);
}

const char *mb_ynode_kind_name(enum mb_ynode_kind k)
{
    switch (k) {
    case MB_Y_MAP:
        return "a mapping";
    case MB_Y_SEQ:
        return "a list";
    default:
        return "a scalar";
    }
}

int mb_yerr(struct mb_error *err, const struct mb_ydoc *doc, const struct mb_ynode *n,
            const char *fmt, ...)
{
    char msg[sizeof(err->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return mb_error_at(err, MB_EINPUT, doc->path, n ? n->line : 1, n ? n->column : 1, "%s", msg);
}

const struct mb_ynode *mb_ymap_get(const struct mb_ynode *n, const char *key)
{
    if (!n || n->kind != MB_Y_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < n->nkids; i += 2)
        if (!strcmp(n->kids[i]->text, key))
            return n->kids[i + 1];
    return NULL;
}

/* Find the first byte that cannot be in a YAML text: NUL or another control
 * character (tab, newline and carriage return are fine), or a sequence that is not
 * well-formed UTF-8 (overlong forms, surrogates, code points above U+10FFFF).
 * Returns its offset, or -1.  libfyaml 0.7 loops forever on some ill-formed
 * input (found by the fuzzer), so nothing ill-formed reaches it. */
static long bad_byte(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
                return (long)i;
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            if (c == 0xe0)
                lo = 0xa0; /* overlong */
            else if (c == 0xed)
                hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            if (c == 0xf0)
                lo = 0x90; /* overlong */
            else if (c == 0xf4)
                hi = 0x8f; /* above U+10FFFF */
        } else {
            return (long)i;
        }
        if (i + need >= len)
            return (long)i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return (long)i;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return (long)i;
        i += need + 1;
    }
    return -1;
}

static void offset_to_pos(const char *s, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (s[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)s[i] & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

static int parser_error(struct builder *b, const struct fy_mark *fallback)
{
    int line = fallback ? fallback->line + 1 : 1, col = fallback ? fallback->column + 1 : 1;
    const char *msg = "invalid YAML";
    char *text = b->diag->text;
    /* "SOURCE:LINE:COLUMN: error: MESSAGE": find the marker, then read the
     * position just before it */
    char *mark = strstr(text, ": error: ");
    if (mark) {
        msg = mark + 9;
        char *p = mark;
        int nums[2] = {0, 0}, k = 1;
        while (k >= 0 && p > text) {
            char *end = p;
            while (p > text && p[-1] >= '0' && p[-1] <= '9')
                p--;
            if (p == end || p == text || p[-1] != ':')
                break;
            nums[k--] = atoi(p);
            p--;
        }
        if (k < 0) {
            line = nums[0];
            col = nums[1];
        }
    }
    size_t ml = strlen(msg);
    while (ml > 0 && (msg[ml - 1] == '\n' || msg[ml - 1] == ' '))
        ml--;
    mb_error_at(b->err, MB_EINPUT, b->name, line, col, "invalid YAML: %.*s", (int)ml, msg);
    return MB_EINPUT;
}

static int refuse_props(struct builder *b, struct fy_event *ev, const struct fy_mark *m)
{
    struct fy_token *anchor = fy_event_get_anchor_token(ev);
    struct fy_token *tag = fy_event_get_tag_token(ev);
    if (anchor)
        return mb_error_at(b->err, MB_EINPUT, b->name, m->line + 1, m->column + 1,
                           "anchors and aliases are not supported here; write the value out");
    if (tag)
        return mb_error_at(b->err, MB_EINPUT, b->name, m->line + 1, m->column + 1,
                           "YAML tags (!tag) are not supported here");
    return 0;
}

static struct mb_ynode *new_node(struct builder *b, enum mb_ynode_kind kind,
                                 const struct fy_mark *m)
{
    if (++b->nodes > MB_YAML_MAX_NODES) {
        mb_error_at(b->err, MB_ENOMEM, b->name, m->line + 1, m->column + 1,
                    "too many YAML nodes (more than %d): not a scenario or testbed file",
                    MB_YAML_MAX_NODES);
        return NULL;
    }
    struct mb_ynode *n = mb_xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->line = m->line + 1;
    n->column = m->column + 1;
    return n;
}

static void add_kid(struct mb_ynode *parent, struct mb_ynode *kid)
{
    /* grow in powers of two */
    if ((parent->nkids & (parent->nkids - 1)) == 0)
        parent->kids =
            mb_xrealloc(parent->kids, (parent->nkids ? parent->nkids * 2 : 2) * sizeof(kid));
    parent->kids[parent->nkids++] = kid;
}

/* Build the node whose start event is ev (already taken); recursive, depth-bounded. */
static struct mb_ynode *build(struct builder *b, struct fy_event *ev, int depth);

static struct mb_ynode *build_children(struct builder *b, struct mb_ynode *n,
                                       enum fy_event_type end, int depth)
{
    for (;;) {
        struct fy_event *ev = fy_parser_parse(b->fyp);
        if (!ev) {
            parser_error(b, NULL);
            ynode_free(n);
            return NULL;
        }
        if (ev->type == end) {
            fy_parser_event_free(b->fyp, ev);
            return n;
        }
        struct mb_ynode *kid = build(b, ev, depth + 1);
        if (!kid) {
            ynode_free(n);
            return NULL;
        }
        if (n->kind == MB_Y_MAP && (n->nkids % 2) == 0) {
            if (kid->kind != MB_Y_SCALAR) {
                mb_error_at(b->err, MB_EINPUT, b->name, kid->line, kid->column,
                            "a mapping key must be a plain name, not %s",
                            mb_ynode_kind_name(kid->kind));
                ynode_free(kid);
                ynode_free(n);
                return NULL;
            }
            for (size_t i = 0; i < n->nkids; i += 2) {
                if (!strcmp(n->kids[i]->text, kid->text)) {
                    mb_error_at(b->err, MB_EINPUT, b->name, kid->line, kid->column,
                                "duplicate key '%s' (first at line %d)", kid->text,
                                n->kids[i]->line);
                    ynode_free(kid);
                    ynode_free(n);
                    return NULL;
                }
            }
        }
        add_kid(n, kid);
    }
}

static struct mb_ynode *build(struct builder *b, struct fy_event *ev, int depth)
{
    const struct fy_mark *m = fy_event_start_mark(ev);
    struct fy_mark mark = m ? *m : (struct fy_mark){0, 0, 0};
    struct mb_ynode *n = NULL;

    if (depth > MB_YAML_MAX_DEPTH) {
        mb_error_at(b->err, MB_EINPUT, b->name, mark.line + 1, mark.column + 1,
                    "nested more than %d levels deep", MB_YAML_MAX_DEPTH);
        goto out;
    }
    if (ev->type == FYET_ALIAS) {
        mb_error_at(b->err, MB_EINPUT, b->name, mark.line + 1, mark.column + 1,
                    "anchors and aliases are not supported here; write the value out");
        goto out;
    }
    if (ev->type != FYET_SCALAR && ev->type != FYET_MAPPING_START &&
        ev->type != FYET_SEQUENCE_START) {
        mb_error_at(b->err, MB_EINPUT, b->name, mark.line + 1, mark.column + 1,
                    "unexpected YAML event");
        goto out;
    }
    if (refuse_props(b, ev, &mark))
        goto out;

    if (ev->type == FYET_SCALAR) {
        /* Read the value through a token iterator into our own buffer: the text
         * fy_token_get_text() caches for long escaped scalars leaks in libfyaml 0.7
         * (found by the fuzzer). */
        char text[MB_YAML_MAX_SCALAR + 1];
        size_t len = 0;
        struct fy_token_iter *it = fy_token_iter_create(ev->scalar.value);
        if (!it) {
            mb_error_at(b->err, MB_ENOMEM, b->name, mark.line + 1, mark.column + 1,
                        "cannot read a value");
            goto out;
        }
        const struct fy_iter_chunk *ch = NULL;
        int ierr = 0;
        while (len < sizeof(text) && (ch = fy_token_iter_chunk_next(it, ch, &ierr)) != NULL) {
            size_t take = ch->len < sizeof(text) - len ? ch->len : sizeof(text) - len;
            memcpy(text + len, ch->str, take);
            len += take;
        }
        fy_token_iter_destroy(it);
        if (len > MB_YAML_MAX_SCALAR) {
            mb_error_at(b->err, MB_EINPUT, b->name, mark.line + 1, mark.column + 1,
                        "value longer than %d characters", MB_YAML_MAX_SCALAR);
            goto out;
        }
        n = new_node(b, MB_Y_SCALAR, &mark);
        if (!n)
            goto out;
        n->text = mb_xstrndup(text, len);
        enum fy_node_style st = fy_event_get_node_style(ev);
        n->quoted = st != FYNS_PLAIN && st != FYNS_ANY;
        fy_parser_event_free(b->fyp, ev);
        return n;
    }
    enum fy_event_type end = ev->type == FYET_MAPPING_START ? FYET_MAPPING_END : FYET_SEQUENCE_END;
    n = new_node(b, ev->type == FYET_MAPPING_START ? MB_Y_MAP : MB_Y_SEQ, &mark);
    fy_parser_event_free(b->fyp, ev);
    if (!n)
        return NULL;
    return build_children(b, n, end, depth);
out:
    fy_parser_event_free(b->fyp, ev);
    return NULL;
}

struct mb_ydoc *mb_yaml_load_mem(const char *name, const char *data, size_t len,
                                 struct mb_error *err)
{
    if (len > MB_YAML_MAX_BYTES) {
        mb_error_at(err, MB_EINPUT, name, 1, 1, "file is %zu bytes or more; at most %u allowed",
                    len, MB_YAML_MAX_BYTES);
        return NULL;
    }
    long bad = bad_byte((const unsigned char *)data, len);
    if (bad >= 0) {
        int line, col;
        offset_to_pos(data, (size_t)bad, &line, &col);
        unsigned char b = (unsigned char)data[bad];
        mb_error_at(err, MB_EINPUT, name, line, col,
                    "%s: not a text file (YAML must be UTF-8 text)",
                    b == 0     ? "NUL byte"
                    : b < 0x80 ? "control character"
                               : "invalid UTF-8");
        return NULL;
    }

    struct first_diag first = {{0}};
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = keep_first;
    dcfg.user = &first;
    dcfg.level = FYET_ERROR;
    dcfg.colorize = false;
    dcfg.show_source = false;
    dcfg.show_position = true;
    dcfg.show_type = true;
    dcfg.show_module = false;
    dcfg.position_width = 0;
    dcfg.type_width = 0;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag) {
        mb_error_set(err, MB_ENOMEM, "cannot create YAML diagnostics");
        return NULL;
    }
    struct fy_parse_cfg cfg = {
        .search_path = "",
        .flags = FYPCF_DISABLE_MMAP_OPT,
        .userdata = NULL,
        .diag = diag,
    };
    struct fy_parser *fyp = fy_parser_create(&cfg);
    fy_diag_unref(diag); /* the parser holds its own reference */
    if (!fyp) {
        mb_error_set(err, MB_ENOMEM, "cannot create YAML parser");
        return NULL;
    }
    struct mb_ydoc *doc = mb_xcalloc(1, sizeof(*doc));
    doc->path = mb_xstrdup(name);
    struct builder b = {.fyp = fyp, .diag = &first, .name = name, .err = err};
    if (fy_parser_set_string(fyp, data, len) != 0) {
        mb_error_set(err, MB_ENOMEM, "cannot set YAML input");
        goto fail;
    }

    int docs = 0;
    for (;;) {
        struct fy_event *ev = fy_parser_parse(fyp);
        if (!ev) {
            if (fy_parser_get_stream_error(fyp)) {
                parser_error(&b, NULL);
                goto fail;
            }
            break;
        }
        enum fy_event_type t = ev->type;
        const struct fy_mark *m = fy_event_start_mark(ev);
        struct fy_mark mark = m ? *m : (struct fy_mark){0, 0, 0};
        if (t == FYET_STREAM_START || t == FYET_DOCUMENT_END) {
            fy_parser_event_free(fyp, ev);
            continue;
        }
        if (t == FYET_STREAM_END) {
            fy_parser_event_free(fyp, ev);
            break;
        }
        if (t == FYET_DOCUMENT_START) {
            fy_parser_event_free(fyp, ev);
            if (++docs > 1) {
                mb_error_at(err, MB_EINPUT, name, mark.line + 1, mark.column + 1,
                            "a second YAML document ('---'): one scenario per file");
                goto fail;
            }
            continue;
        }
        doc->root = build(&b, ev, 1);
        if (!doc->root)
            goto fail;
    }
    fy_parser_destroy(fyp);
    return doc;
fail:
    fy_parser_destroy(fyp);
    mb_ydoc_free(doc);
    return NULL;
}

struct mb_ydoc *mb_yaml_load_file(const char *path, struct mb_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        mb_error_at(err, errno == ENOENT ? MB_EINPUT : MB_EIO, path, 0, 0, "cannot open: %s",
                    strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        mb_error_at(err, MB_EINPUT, path, 0, 0, "is a directory, not a file");
        return NULL;
    }
    /* Read at most one byte past the limit, so a huge file is refused unread. */
    size_t cap = MB_YAML_MAX_BYTES + 1, len = 0;
    char *data = mb_xmalloc(cap);
    size_t got;
    while (len < cap && (got = fread(data + len, 1, cap - len, f)) > 0)
        len += got;
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(data);
        mb_error_at(err, MB_EIO, path, 0, 0, "read error");
        return NULL;
    }
    struct mb_ydoc *doc = mb_yaml_load_mem(path, data, len, err);
    free(data);
    return doc;
}
