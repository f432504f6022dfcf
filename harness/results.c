/* results.c — raw.csv: the column table, the appending writer and the streaming reader
 * (both through libcsv), run ids and timestamps. */
#include "results.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Limits that keep a corrupt or hostile file from exhausting memory. */
#define FIELD_MAX  ((size_t)1 << 20)  /* one field */
#define RECORD_MAX ((size_t)16 << 20) /* one record, all fields */
#define ROW_MAX    ((size_t)1 << 20)  /* one written line */
#define COLS_MAX   4096               /* columns of a header */
#define READ_BLOCK ((size_t)1 << 20)

const struct mb_results_column mb_results_columns[MB_COL_COUNT] = {
#define MB_RESULTS_X_TABLE(id, name, type, unit, values, group, flags, meaning, empty)             \
    [MB_COL_##id] = {                                                                              \
        name, MB_RESULTS_##type, unit, values, MB_RESULTS_##group, flags, meaning, empty,          \
    },
    MB_RESULTS_COLUMNS(MB_RESULTS_X_TABLE)
#undef MB_RESULTS_X_TABLE
};

int mb_results_column_find(const char *name)
{
    for (int i = 0; i < MB_COL_COUNT; i++)
        if (!strcmp(mb_results_columns[i].name, name))
            return i;
    return -1;
}

/* ---- value checks ---------------------------------------------------------------- */

/* Length of the valid UTF-8 prefix of s[0..n) (n when all valid; NUL is invalid). */
static size_t utf8_valid_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII runs dominate: test eight bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            /* high bit set, or a zero byte */
            if ((w & 0x8080808080808080ull) ||
                ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = s[i];
        if (c == 0)
            return i;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (i + len > n)
            return i;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += len;
    }
    return n;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Skip a run of digits; returns how many. */
static size_t digits(const char **p)
{
    const char *s = *p;
    while (is_digit(**p))
        (*p)++;
    return (size_t)(*p - s);
}

static bool valid_integer(const char *s)
{
    if (*s == '-')
        s++;
    return digits(&s) > 0 && *s == '\0';
}

static bool valid_number(const char *s)
{
    if (*s == '-')
        s++;
    if (!digits(&s))
        return false;
    if (*s == '.') {
        s++;
        if (!digits(&s))
            return false;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!digits(&s))
            return false;
    }
    return *s == '\0';
}

static bool valid_enum(const char *s, const char *values)
{
    size_t n = strlen(s);
    for (const char *v = values; *v;) {
        const char *bar = strchr(v, '|');
        size_t len = bar ? (size_t)(bar - v) : strlen(v);
        if (len == n && !memcmp(v, s, n))
            return true;
        if (!bar)
            break;
        v = bar + 1;
    }
    return false;
}

/* Parse n digits at s into *out. */
static bool fixed_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Split "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z" into tm and a fraction of a second. */
static bool split_time(const char *s, struct tm *tm, double *frac)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, se;
    if (!fixed_digits(s, 4, &y) || s[4] != '-' || !fixed_digits(s + 5, 2, &mo) || s[7] != '-' ||
        !fixed_digits(s + 8, 2, &d) || s[10] != 'T' || !fixed_digits(s + 11, 2, &h) ||
        s[13] != ':' || !fixed_digits(s + 14, 2, &mi) || s[16] != ':' ||
        !fixed_digits(s + 17, 2, &se))
        return false;
    const char *p = s + 19;
    double f = 0, scale = 1;
    if (*p == '.') {
        p++;
        int n = 0;
        while (is_digit(*p) && n < 10) {
            f = f * 10 + (*p - '0');
            scale *= 10;
            p++, n++;
        }
        if (n < 1 || n > 9)
            return false;
    }
    if (p[0] != 'Z' || p[1] != '\0')
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 ||
        se > 59)
        return false;
    memset(tm, 0, sizeof(*tm));
    tm->tm_year = y - 1900;
    tm->tm_mon = mo - 1;
    tm->tm_mday = d;
    tm->tm_hour = h;
    tm->tm_min = mi;
    tm->tm_sec = se;
    *frac = f / scale;
    return true;
}

static const char *type_name(enum mb_results_type t)
{
    switch (t) {
    case MB_RESULTS_STRING:
        return "string";
    case MB_RESULTS_INTEGER:
        return "integer";
    case MB_RESULTS_NUMBER:
        return "number";
    case MB_RESULTS_TIMESTAMP:
        return "timestamp";
    case MB_RESULTS_ENUM:
        return "enum";
    }
    return "?";
}

/* Check a non-empty value of a standard column; on failure describe it in msg. */
static bool check_value(const struct mb_results_column *c, const char *v, char *msg, size_t size)
{
    struct tm tm;
    double frac;
    switch (c->type) {
    case MB_RESULTS_STRING:
        return true;
    case MB_RESULTS_INTEGER:
        if (valid_integer(v))
            return true;
        snprintf(msg, size, "column '%s': '%.64s' is not an integer", c->name, v);
        return false;
    case MB_RESULTS_NUMBER:
        if (valid_number(v))
            return true;
        snprintf(msg, size, "column '%s': '%.64s' is not a finite decimal number", c->name, v);
        return false;
    case MB_RESULTS_TIMESTAMP:
        if (split_time(v, &tm, &frac))
            return true;
        snprintf(msg, size,
                 "column '%s': '%.64s' is not an ISO 8601 UTC time like 2026-11-26T14:03:07.123Z",
                 c->name, v);
        return false;
    case MB_RESULTS_ENUM:
        if (valid_enum(v, c->values))
            return true;
        {
            char list[128];
            size_t k = 0;
            for (const char *p = c->values; *p && k + 3 < sizeof(list); p++) {
                if (*p == '|') {
                    list[k++] = ',';
                    list[k++] = ' ';
                } else {
                    list[k++] = *p;
                }
            }
            list[k] = '\0';
            snprintf(msg, size, "column '%s': '%.64s' is not one of %s", c->name, v, list);
        }
        return false;
    }
    return false;
}

/* A factor key: dotted segments of letters, digits, '_', '-', '[' and ']'. */
static bool valid_factor_key(const char *k)
{
    if (!*k || *k == '.')
        return false;
    for (const char *p = k; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
                  c == '-' || c == '[' || c == ']' || (c == '.' && p[1] != '.' && p[1] != '\0');
        if (!ok)
            return false;
    }
    return true;
}

static bool is_factor_name(const char *name)
{
    return !strncmp(name, MB_RESULTS_FACTOR_PREFIX, strlen(MB_RESULTS_FACTOR_PREFIX));
}

/* ---- documentation ----------------------------------------------------------------- */

/* Append text with '|' escaped for a Markdown table cell. */
static int md_cell(struct mb_buf *out, const char *s)
{
    for (const char *p = s; *p; p++) {
        int rc = *p == '|' ? mb_buf_append(out, "\\|", 2) : mb_buf_append(out, p, 1);
        if (rc)
            return rc;
    }
    return 0;
}

static int doc_row(struct mb_buf *out, const struct mb_results_column *c)
{
    int rc = mb_buf_printf(out, "| `%s` | %s", c->name, type_name(c->type));
    if (c->type == MB_RESULTS_ENUM) {
        rc = rc ? rc : mb_buf_printf(out, ":");
        for (const char *v = c->values; !rc && *v;) {
            size_t len = strcspn(v, "|");
            rc = mb_buf_printf(out, " `%.*s`", (int)len, v);
            v += len + (v[len] == '|');
        }
    }
    rc = rc ? rc : mb_buf_printf(out, " | %s | ", c->unit);
    rc = rc ? rc : md_cell(out, c->meaning);
    rc = rc ? rc : mb_buf_printf(out, " | ");
    rc = rc ? rc : md_cell(out, c->when_empty);
    rc =
        rc ? rc : mb_buf_printf(out, "%s |\n", c->flags & MB_RESULTS_REQUIRED ? " (required)" : "");
    return rc;
}

int mb_results_doc_table(struct mb_buf *out)
{
    static const struct mb_results_column factor = {
        .name = "f.<key>",
        .type = MB_RESULTS_STRING,
        .unit = "as in the scenario",
        .values = "",
        .group = MB_RESULTS_LEAD,
        .meaning =
            "One column per factor of the scenario, in scenario order, named after its dotted key "
            "(e.g. `f.vms.memory`, `f.reservation.source.cpu_cap`): the factor's value at this "
            "point, as written in the scenario.",
        .when_empty = "never (there are no such columns when the scenario has no factors)",
    };
    int rc = mb_buf_printf(out, "| column | type | unit | meaning | empty when |\n"
                                "|---|---|---|---|---|\n");
    bool factors_done = false;
    for (int i = 0; !rc && i < MB_COL_COUNT; i++) {
        if (!factors_done && mb_results_columns[i].group != MB_RESULTS_LEAD) {
            rc = doc_row(out, &factor);
            factors_done = true;
        }
        rc = rc ? rc : doc_row(out, &mb_results_columns[i]);
    }
    return rc ? MB_ENOMEM : 0;
}

/* ---- CSV encoding -------------------------------------------------------------------- */

/* A growable byte buffer for one line. */
struct line {
    char *data;
    size_t len, cap;
};

static int line_reserve(struct line *l, size_t more)
{
    if (l->len + more > ROW_MAX)
        return -1;
    l->data = mb_xgrow(l->data, &l->cap, l->len + more, 1024, 1);
    return 0;
}

/* Quote only when a reader would otherwise change the field: separators, quotes, line
 * ends, or blanks at either end (which libcsv and others trim). */
static bool needs_quotes(const char *s, size_t n)
{
    if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        return true;
    return strcspn(s, ",\"\r\n") < n;
}

/* Append one field, and a comma before it unless first. */
static int line_field(struct line *l, const char *s, bool first)
{
    size_t n = s ? strlen(s) : 0;
    if (!first) {
        if (line_reserve(l, 1))
            return -1;
        l->data[l->len++] = ',';
    }
    if (!n)
        return 0;
    if (!needs_quotes(s, n)) {
        if (line_reserve(l, n))
            return -1;
        memcpy(l->data + l->len, s, n);
        l->len += n;
        return 0;
    }
    size_t need = csv_write(NULL, 0, s, n);
    if (line_reserve(l, need))
        return -1;
    l->len += csv_write(l->data + l->len, need, s, n);
    return 0;
}

static int line_end(struct line *l)
{
    if (line_reserve(l, 1))
        return -1;
    l->data[l->len++] = '\n';
    return 0;
}

/* ---- writer ---------------------------------------------------------------------------- */

struct mb_results {
    int fd;
    char *path;
    size_t ncols;
    char **names; /* file order */
    int *std;     /* per column: enum mb_results_col, or -1 for a factor */
    int pos[MB_COL_COUNT];
    struct line line;
};

struct mb_results_row {
    const struct mb_results *r;
    char **vals; /* per column; NULL = empty */
    struct mb_error err;
};

/* Write all of buf at the end of the file; on failure, cut the file back to size so no
 * partial line stays behind. */
static int append_all(int fd, const char *buf, size_t len, off_t size, const char *path,
                      struct mb_error *err)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : ENOSPC;
            if (done && ftruncate(fd, size) < 0) {
                return mb_error_at(err, MB_EIO, path, 0, 0,
                                   "write failed (%s) and the partial line could not be removed "
                                   "(%s)",
                                   strerror(e), strerror(errno));
            }
            return mb_error_at(err, MB_EIO, path, 0, 0, "write failed: %s", strerror(e));
        }
        done += (size_t)n;
    }
    if (fsync(fd) < 0)
        return mb_error_at(err, MB_EIO, path, 0, 0, "fsync failed: %s", strerror(errno));
    return 0;
}

/* fsync the directory holding path, so a newly created file survives a crash. */
static void sync_parent(const char *path)
{
    char *dir = mb_xstrdup(path);
    char *slash = strrchr(dir, '/');
    const char *d = ".";
    if (slash == dir)
        d = "/";
    else if (slash) {
        *slash = '\0';
        d = dir;
    }
    int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Collect the fields of a single CSV line (header diagnostics). */
struct name_list {
    char **v;
    size_t n;
    bool ended;
};

static void names_cb1(void *s, size_t len, void *data)
{
    struct name_list *l = data;
    if (l->ended || l->n >= COLS_MAX)
        return;
    l->v = mb_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
    l->v[l->n++] = len ? mb_xstrndup(s, len) : mb_xstrdup("");
}

static void names_cb2(int c, void *data)
{
    (void)c;
    ((struct name_list *)data)->ended = true;
}

static void names_free(struct name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static bool in_list(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return true;
    return false;
}

/* Explain how the header line found in a file differs from r's. */
static int header_mismatch(const struct mb_results *r, const char *found, size_t len, bool complete,
                           struct mb_error *err)
{
    static const char advice[] = "refusing to append; move the file away or use another results "
                                 "directory";
    if (!complete)
        return mb_error_at(err, MB_EINPUT, r->path, 1, 0,
                           "the first line is not a results header (no newline in its first "
                           "%zu bytes); %s",
                           len, advice);
    struct name_list got = {0};
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
    csv_parse(&p, found, len, names_cb1, names_cb2, &got);
    csv_fini(&p, names_cb1, names_cb2, &got);
    csv_free(&p);

    struct mb_buf missing = {0}, extra = {0};
    for (size_t i = 0; i < r->ncols; i++)
        if (!in_list(got.v, got.n, r->names[i]))
            mb_buf_printf(&missing, "%s%s", missing.len ? ", " : "", r->names[i]);
    for (size_t i = 0; i < got.n; i++)
        if (!in_list(r->names, r->ncols, got.v[i]))
            mb_buf_printf(&extra, "%s%s", extra.len ? ", " : "", got.v[i]);
    if (missing.len || extra.len) {
        mb_error_at(err, MB_EINPUT, r->path, 1, 0,
                    "the file's header differs from this scenario's (%s%s%s%s%s); %s",
                    missing.len ? "missing: " : "", missing.len ? missing.data : "",
                    missing.len && extra.len ? "; " : "", extra.len ? "not expected: " : "",
                    extra.len ? extra.data : "", advice);
    } else {
        size_t i = 0;
        while (i < got.n && i < r->ncols && !strcmp(got.v[i], r->names[i]))
            i++;
        if (i < got.n && i < r->ncols)
            mb_error_at(err, MB_EINPUT, r->path, 1, 0,
                        "the file's header has the same columns in another order (column %zu "
                        "is '%s', expected '%s'); %s",
                        i + 1, got.v[i], r->names[i], advice);
        else
            mb_error_at(err, MB_EINPUT, r->path, 1, 0,
                        "the file's header is spelled differently (duplicated columns, quoting "
                        "or blanks); %s",
                        advice);
    }
    mb_buf_free(&missing);
    mb_buf_free(&extra);
    names_free(&got);
    return MB_EINPUT;
}

/* Read up to n bytes at off; returns bytes read or -1. */
static ssize_t pread_all(int fd, char *buf, size_t n, off_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = pread(fd, buf + done, n - done, off + (off_t)done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        done += (size_t)k;
    }
    return (ssize_t)done;
}

/* An existing file: its first line must be r's header, and its last byte a newline. */
static int check_existing(struct mb_results *r, off_t size, struct mb_error *err)
{
    size_t want = r->line.len; /* the expected header line, '\n' included */
    size_t cap = (size_t)size < FIELD_MAX ? (size_t)size : FIELD_MAX;
    char *buf = mb_xmalloc(cap + 1);
    int rc = 0;
    ssize_t got = pread_all(r->fd, buf, cap, 0);
    if (got < 0) {
        rc = mb_error_at(err, MB_EIO, r->path, 0, 0, "cannot read: %s", strerror(errno));
        goto out;
    }
    char *nl = memchr(buf, '\n', (size_t)got);
    size_t first = nl ? (size_t)(nl - buf) + 1 : (size_t)got;
    if (!nl || first != want || memcmp(buf, r->line.data, want)) {
        rc = header_mismatch(r, buf, nl ? first - 1 : first, nl != NULL, err);
        goto out;
    }
    char last;
    if (pread_all(r->fd, &last, 1, size - 1) != 1) {
        rc = mb_error_at(err, MB_EIO, r->path, 0, 0, "cannot read: %s", strerror(errno));
        goto out;
    }
    if (last != '\n')
        rc = mb_error_at(err, MB_EINPUT, r->path, 0, 0,
                         "the file ends in a partial line (no newline at the end); refusing "
                         "to append after it; check the last row and repair the file by hand");
out:
    free(buf);
    return rc;
}

void mb_results_close(struct mb_results *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd); /* also releases the lock */
    for (size_t i = 0; i < r->ncols; i++)
        free(r->names[i]);
    free(r->names);
    free(r->std);
    free(r->path);
    free(r->line.data);
    free(r);
}

int mb_results_open(const char *path, const char *const *factors, size_t nfactors,
                    struct mb_results **out, struct mb_error *err)
{
    if (nfactors > COLS_MAX - MB_COL_COUNT)
        return mb_error_set(err, MB_EINPUT, "too many factors (%zu)", nfactors);
    for (size_t i = 0; i < nfactors; i++) {
        if (!valid_factor_key(factors[i]))
            return mb_error_set(err, MB_EINPUT,
                                "factor key '%s' cannot name a results column (letters, digits, "
                                "'_', '-', '[', ']' and single dots)",
                                factors[i]);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(factors[i], factors[j]))
                return mb_error_set(err, MB_EINPUT, "factor key '%s' given twice", factors[i]);
    }
    struct mb_results *r = mb_xcalloc(1, sizeof(*r));
    r->fd = -1;
    r->path = mb_xstrdup(path);
    r->ncols = MB_COL_COUNT + nfactors;
    r->names = mb_xcalloc(r->ncols + 1, sizeof(*r->names)); /* NULL-terminated for mb_suggest */
    r->std = mb_xcalloc(r->ncols, sizeof(*r->std));
    size_t k = 0;
    bool factors_done = false;
    for (int c = 0; c <= MB_COL_COUNT; c++) {
        /* The factor columns go between the leading columns and the others. */
        if (!factors_done &&
            (c == MB_COL_COUNT || mb_results_columns[c].group != MB_RESULTS_LEAD)) {
            for (size_t f = 0; f < nfactors; f++) {
                r->names[k] = mb_xasprintf(MB_RESULTS_FACTOR_PREFIX "%s", factors[f]);
                r->std[k++] = -1;
            }
            factors_done = true;
        }
        if (c == MB_COL_COUNT)
            break;
        r->names[k] = mb_xstrdup(mb_results_columns[c].name);
        r->pos[c] = (int)k;
        r->std[k++] = c;
    }

    /* The header line, kept in r->line until the first append reuses the buffer. */
    for (size_t i = 0; i < r->ncols; i++)
        line_field(&r->line, r->names[i], i == 0);
    line_end(&r->line);

    int rc = 0;
    r->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (r->fd < 0) {
        rc = mb_error_at(err, MB_EIO, path, 0, 0, "cannot open for appending: %s", strerror(errno));
        goto fail;
    }
    if (flock(r->fd, LOCK_EX | LOCK_NB) < 0) {
        rc = errno == EWOULDBLOCK
                 ? mb_error_at(err, MB_EENV, path, 0, 0,
                               "another migbench process is writing this results file")
                 : mb_error_at(err, MB_EIO, path, 0, 0, "cannot lock: %s", strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(r->fd, &st) < 0) {
        rc = mb_error_at(err, MB_EIO, path, 0, 0, "cannot stat: %s", strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = mb_error_at(err, MB_EINPUT, path, 0, 0, "not a regular file");
        goto fail;
    }
    if (st.st_size == 0) {
        rc = append_all(r->fd, r->line.data, r->line.len, 0, path, err);
        if (rc)
            goto fail;
        sync_parent(path);
    } else {
        rc = check_existing(r, st.st_size, err);
        if (rc)
            goto fail;
    }
    *out = r;
    return 0;
fail:
    mb_results_close(r);
    return rc;
}

size_t mb_results_ncols(const struct mb_results *r)
{
    return r->ncols;
}

const char *mb_results_colname(const struct mb_results *r, size_t i)
{
    return i < r->ncols ? r->names[i] : NULL;
}

struct mb_results_row *mb_results_row_new(const struct mb_results *r)
{
    struct mb_results_row *row = mb_xcalloc(1, sizeof(*row));
    row->r = r;
    row->vals = mb_xcalloc(r->ncols, sizeof(*row->vals));
    return row;
}

void mb_results_row_reset(struct mb_results_row *row)
{
    for (size_t i = 0; i < row->r->ncols; i++) {
        free(row->vals[i]);
        row->vals[i] = NULL;
    }
    mb_error_clear(&row->err);
}

void mb_results_row_free(struct mb_results_row *row)
{
    if (!row)
        return;
    mb_results_row_reset(row);
    free(row->vals);
    free(row);
}

/* Record the row's first error; returns its status. */
static int row_fail(struct mb_results_row *row, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int row_fail(struct mb_results_row *row, const char *fmt, ...)
{
    if (!row->err.status) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(row->err.msg, sizeof(row->err.msg), fmt, ap);
        va_end(ap);
        row->err.status = MB_EINPUT;
    }
    return MB_EINPUT;
}

/* Store a formatted value in column i (takes ownership of v). */
static int row_store(struct mb_results_row *row, size_t i, char *v)
{
    int c = row->r->std[i];
    const struct mb_results_column *col = c >= 0 ? &mb_results_columns[c] : NULL;
    free(row->vals[i]);
    row->vals[i] = NULL;
    if (!*v) {
        free(v);
        return 0;
    }
    if (!col || col->type == MB_RESULTS_STRING) {
        /* Text comes from remote tools too: keep the row, mark the bad bytes. */
        size_t n = strlen(v), ok;
        while ((ok = utf8_valid_prefix((unsigned char *)v, n)) < n)
            v[ok] = '?';
    } else {
        char msg[256];
        if (!check_value(col, v, msg, sizeof(msg))) {
            row_fail(row, "%s", msg);
            free(v);
            return MB_EINPUT;
        }
    }
    row->vals[i] = v;
    return 0;
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *p = mb_xmalloc(n > 0 ? (size_t)n + 1 : 1);
    if (n > 0)
        vsnprintf(p, (size_t)n + 1, fmt, ap2);
    else
        p[0] = '\0';
    va_end(ap2);
    return p;
}

static int find_col(const struct mb_results *r, const char *name)
{
    for (size_t i = 0; i < r->ncols; i++)
        if (!strcmp(r->names[i], name))
            return (int)i;
    return -1;
}

int mb_results_row_set(struct mb_results_row *row, const char *column, const char *fmt, ...)
{
    int i = find_col(row->r, column);
    if (i < 0) {
        const char *s = mb_suggest(column, (const char *const *)row->r->names);
        return row_fail(row, "no results column '%s'%s%s%s", column, s ? " (did you mean '" : "",
                        s ? s : "", s ? "'?)" : "");
    }
    va_list ap;
    va_start(ap, fmt);
    char *v = vformat(fmt, ap);
    va_end(ap);
    return row_store(row, (size_t)i, v);
}

int mb_results_row_set_col(struct mb_results_row *row, enum mb_results_col col, const char *fmt,
                           ...)
{
    if ((int)col < 0 || col >= MB_COL_COUNT)
        return row_fail(row, "no results column number %d", (int)col);
    va_list ap;
    va_start(ap, fmt);
    char *v = vformat(fmt, ap);
    va_end(ap);
    return row_store(row, (size_t)row->r->pos[col], v);
}

int mb_results_row_set_time(struct mb_results_row *row, enum mb_results_col col, double epoch)
{
    char buf[MB_RESULTS_TIME_SIZE];
    struct mb_error e;
    mb_error_clear(&e);
    if ((int)col < 0 || col >= MB_COL_COUNT || mb_results_columns[col].type != MB_RESULTS_TIMESTAMP)
        return row_fail(row, "results column number %d is not a timestamp", (int)col);
    if (mb_results_format_time(epoch, buf, &e))
        return row_fail(row, "column '%s': %s", mb_results_columns[col].name, e.msg);
    return mb_results_row_set_col(row, col, "%s", buf);
}

const char *mb_results_row_get(const struct mb_results_row *row, const char *column)
{
    int i = find_col(row->r, column);
    if (i < 0)
        return NULL;
    return row->vals[i] ? row->vals[i] : "";
}

/* Check a row and add its line to r->line. */
static int build_line(struct mb_results *r, const struct mb_results_row *row, struct mb_error *err)
{
    if (row->r != r)
        return mb_error_set(err, MB_EINPUT, "%s: row was made for another results file", r->path);
    if (row->err.status)
        return mb_error_set(err, row->err.status, "%s: bad row: %s", r->path, row->err.msg);
    for (int c = 0; c < MB_COL_COUNT; c++)
        if ((mb_results_columns[c].flags & MB_RESULTS_REQUIRED) && !row->vals[r->pos[c]])
            return mb_error_set(err, MB_EINPUT, "%s: bad row: required column '%s' is empty",
                                r->path, mb_results_columns[c].name);
    size_t start = r->line.len;
    int over = 0;
    for (size_t i = 0; i < r->ncols && !over; i++)
        over = line_field(&r->line, row->vals[i], i == 0);
    if (over || line_end(&r->line) || r->line.len - start > ROW_MAX)
        return mb_error_set(err, MB_ENOMEM, "%s: row longer than %zu bytes", r->path, ROW_MAX);
    return 0;
}

int mb_results_append(struct mb_results *r, const struct mb_results_row *row, struct mb_error *err)
{
    return mb_results_append_rows(r, &row, 1, err);
}

int mb_results_append_rows(struct mb_results *r, const struct mb_results_row *const *rows, size_t n,
                           struct mb_error *err)
{
    r->line.len = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = build_line(r, rows[i], err);
        if (rc)
            return rc;
    }
    if (n == 0)
        return 0;
    struct stat st;
    if (fstat(r->fd, &st) < 0)
        return mb_error_at(err, MB_EIO, r->path, 0, 0, "cannot stat: %s", strerror(errno));
    return append_all(r->fd, r->line.data, r->line.len, st.st_size, r->path, err);
}

/* ---- reader ---------------------------------------------------------------------------- */

/* Validation of a column while reading. */
enum { KIND_FACTOR = -1 };

struct reader {
    const char *name;
    struct csv_parser p;
    mb_results_row_fn fn;
    void *ctx;
    struct mb_error *err;
    int status;    /* first error: everything stops */
    bool stop;     /* the callback asked to stop */
    bool have_hdr; /* the header record was seen */

    /* The record being assembled: fields back to back, NUL-terminated. */
    char *buf;
    size_t len, cap;
    size_t *offs;
    size_t nfields, offs_cap;
    const char **ptrs;
    size_t bad_field; /* first field with a NUL or bad UTF-8 byte, or SIZE_MAX */
    bool bad_nul;
    bool too_long;

    int line;        /* physical line being fed */
    int rec_line;    /* physical line where the current record starts */
    size_t col;      /* bytes of the current line already fed */
    bool boundary;   /* the current line starts a record */
    bool ended;      /* a record ended during the current line */
    bool line_blank; /* at a record boundary and only blanks so far on this line */
    size_t nrows;

    struct mb_results_header *hdr;
    int *kind; /* per file column: enum mb_results_col or KIND_FACTOR */
};

static void header_free(struct mb_results_header *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->ncols; i++)
        free(h->names[i]);
    free(h->names);
    free(h->factors);
    free(h);
}

/* Limit libcsv's field buffer, so one endless field cannot exhaust memory. */
static void *field_realloc(void *p, size_t n)
{
    return n > FIELD_MAX + 1 ? NULL : realloc(p, n);
}

static int rd_fail(struct reader *rd, int status, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int rd_fail(struct reader *rd, int status, int line, int column, const char *fmt, ...)
{
    if (rd->status)
        return rd->status;
    char msg[sizeof(rd->err->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rd->status = mb_error_at(rd->err, status, rd->name, line, column, "%s", msg);
    return rd->status;
}

static void rd_cb1(void *s, size_t n, void *data)
{
    struct reader *rd = data;
    rd->ended = false;
    if (rd->status || rd->stop)
        return;
    size_t limit = rd->hdr ? rd->hdr->ncols : COLS_MAX;
    size_t i = rd->nfields++;
    if (i >= limit || rd->too_long)
        return; /* counted, reported at the end of the record */
    if (rd->len + n + 1 > RECORD_MAX) {
        rd->too_long = true;
        return;
    }
    if (rd->bad_field == SIZE_MAX && n) {
        size_t ok = utf8_valid_prefix(s, n);
        if (ok < n) {
            rd->bad_field = i;
            rd->bad_nul = ((unsigned char *)s)[ok] == 0;
        }
    }
    if (i >= rd->offs_cap) {
        rd->offs_cap = rd->offs_cap ? rd->offs_cap * 2 : 64;
        rd->offs = mb_xrealloc(rd->offs, rd->offs_cap * sizeof(*rd->offs));
    }
    rd->buf = mb_xgrow(rd->buf, &rd->cap, rd->len + n + 1, 4096, 1);
    rd->offs[i] = rd->len;
    if (n)
        memcpy(rd->buf + rd->len, s, n);
    rd->len += n;
    rd->buf[rd->len++] = '\0';
}

/* Describe the column at position i for messages. */
static const char *rd_colname(const struct reader *rd, size_t i)
{
    if (rd->hdr && i < rd->hdr->ncols)
        return rd->hdr->names[i];
    return "?";
}

static int rd_header(struct reader *rd)
{
    int line = rd->rec_line;
    if (rd->nfields > COLS_MAX)
        return rd_fail(rd, MB_EINPUT, line, 0, "header has more than %d columns", COLS_MAX);
    struct mb_results_header *h = mb_xcalloc(1, sizeof(*h));
    rd->hdr = h;
    h->ncols = rd->nfields;
    h->names = mb_xcalloc(h->ncols, sizeof(*h->names));
    h->factors = mb_xcalloc(h->ncols, sizeof(*h->factors));
    rd->kind = mb_xcalloc(h->ncols, sizeof(*rd->kind));
    for (int c = 0; c < MB_COL_COUNT; c++)
        h->col[c] = -1;
    struct mb_buf unknown = {0}, dup = {0}, missing = {0}, bad = {0};
    const char *std_names[MB_COL_COUNT + 1];
    for (int c = 0; c < MB_COL_COUNT; c++)
        std_names[c] = mb_results_columns[c].name;
    std_names[MB_COL_COUNT] = NULL;

    for (size_t i = 0; i < h->ncols; i++) {
        const char *name = rd->buf + rd->offs[i];
        h->names[i] = mb_xstrdup(name);
        rd->kind[i] = KIND_FACTOR;
        size_t seen = 0;
        for (size_t j = 0; j < i; j++)
            seen += !strcmp(h->names[j], name);
        if (seen) {
            if (seen == 1) /* list each name once */
                mb_buf_printf(&dup, "%s'%s'", dup.len ? ", " : "", name);
            continue;
        }
        if (is_factor_name(name)) {
            if (!valid_factor_key(name + strlen(MB_RESULTS_FACTOR_PREFIX)))
                mb_buf_printf(&bad, "%s'%s'", bad.len ? ", " : "", name);
            else
                h->factors[h->nfactors++] = i;
            continue;
        }
        int c = mb_results_column_find(name);
        if (c < 0) {
            const char *s = mb_suggest(name, std_names);
            mb_buf_printf(&unknown, "%s'%s'%s%s%s", unknown.len ? ", " : "", name,
                          s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
            continue;
        }
        h->col[c] = (int)i;
        rd->kind[i] = c;
    }
    for (int c = 0; c < MB_COL_COUNT; c++)
        if ((mb_results_columns[c].flags & MB_RESULTS_REQUIRED) && h->col[c] < 0)
            mb_buf_printf(&missing, "%s%s", missing.len ? ", " : "", mb_results_columns[c].name);

    if (rd->bad_field != SIZE_MAX) {
        rd_fail(rd, MB_EINPUT, line, 0, "header: %s in column %zu",
                rd->bad_nul ? "NUL byte" : "invalid UTF-8", rd->bad_field + 1);
    } else if (missing.len || unknown.len || dup.len || bad.len) {
        rd_fail(rd, MB_EINPUT, line, 0, "header: %s%s%s%s%s%s%s%s%s%s%s",
                missing.len ? "missing column(s) " : "", missing.len ? missing.data : "",
                missing.len && (unknown.len || dup.len || bad.len) ? "; " : "",
                unknown.len ? "unknown column(s) " : "", unknown.len ? unknown.data : "",
                unknown.len && (dup.len || bad.len) ? "; " : "",
                dup.len ? "duplicated column(s) " : "", dup.len ? dup.data : "",
                dup.len && bad.len ? "; " : "", bad.len ? "malformed factor column(s) " : "",
                bad.len ? bad.data : "");
    }
    mb_buf_free(&unknown);
    mb_buf_free(&dup);
    mb_buf_free(&missing);
    mb_buf_free(&bad);
    if (!rd->status)
        rd->ptrs = mb_xcalloc(h->ncols ? h->ncols : 1, sizeof(*rd->ptrs));
    return rd->status;
}

static int rd_row(struct reader *rd, int term)
{
    const struct mb_results_header *h = rd->hdr;
    int line = rd->rec_line;
    if (rd->nfields != h->ncols) {
        if (term == -1 && rd->nfields < h->ncols)
            return rd_fail(rd, MB_EINPUT, line, 0,
                           "truncated last row: %zu of %zu fields and no newline at the end "
                           "of the file",
                           rd->nfields, h->ncols);
        return rd_fail(rd, MB_EINPUT, line, 0, "%zu fields, expected %zu as in the header",
                       rd->nfields, h->ncols);
    }
    if (rd->bad_field != SIZE_MAX)
        return rd_fail(rd, MB_EINPUT, line, 0, "%s in column '%s'",
                       rd->bad_nul ? "NUL byte" : "invalid UTF-8", rd_colname(rd, rd->bad_field));
    for (size_t i = 0; i < h->ncols; i++)
        rd->ptrs[i] = rd->buf + rd->offs[i];
    for (size_t i = 0; i < h->ncols; i++) {
        int k = rd->kind[i];
        if (k == KIND_FACTOR)
            continue;
        const struct mb_results_column *c = &mb_results_columns[k];
        const char *v = rd->ptrs[i];
        char msg[256];
        if (!*v) {
            if (c->flags & MB_RESULTS_REQUIRED)
                return rd_fail(rd, MB_EINPUT, line, 0, "column '%s' is empty (required)", c->name);
        } else if (c->type != MB_RESULTS_STRING && !check_value(c, v, msg, sizeof(msg))) {
            return rd_fail(rd, MB_EINPUT, line, 0, "%s", msg);
        }
    }
    if (rd->fn) {
        struct mb_results_rec rec = {rd->name, h, rd->nrows, line, rd->ptrs, h->ncols};
        int rc = rd->fn(rd->ctx, &rec, rd->err);
        if (rc < 0) {
            if (!rd->err || !rd->err->status)
                mb_error_at(rd->err, rc, rd->name, line, 0, "row rejected by its reader");
            rd->status = rc;
            return rc;
        }
        if (rc > 0)
            rd->stop = true;
    }
    rd->nrows++;
    return 0;
}

static void rd_cb2(int c, void *data)
{
    struct reader *rd = data;
    rd->ended = true;
    if (rd->status || rd->stop)
        return;
    if (rd->too_long)
        rd_fail(rd, MB_ENOMEM, rd->rec_line, 0, "record longer than %zu bytes", RECORD_MAX);
    else if (!rd->have_hdr) {
        rd->have_hdr = true;
        rd_header(rd);
    } else {
        rd_row(rd, c);
    }
    rd->len = 0;
    rd->nfields = 0;
    rd->bad_field = SIZE_MAX;
    rd->too_long = false;
}

/* A libcsv failure at byte `used` of the chunk s just fed. */
static int rd_csv_error(struct reader *rd, const char *s, size_t used)
{
    int e = csv_error(&rd->p);
    if (e == CSV_ENOMEM || e == CSV_ETOOBIG)
        return rd_fail(rd, MB_ENOMEM, rd->line, 0, "field longer than %zu bytes", FIELD_MAX);
    int column = rd->col + used + 1 > INT_MAX ? 0 : (int)(rd->col + used + 1);
    if (s[used] == '"')
        return rd_fail(rd, MB_EINPUT, rd->line, column,
                       "malformed CSV: a quote inside an unquoted field (quote the whole field "
                       "and double the quotes in it)");
    return rd_fail(rd, MB_EINPUT, rd->line, column,
                   "malformed CSV: text after the closing quote of a field");
}

/* Feed bytes to the parser one physical line at a time, so the line of every record
 * and of every syntax error is known. */
static bool all_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* Feed bytes to the parser one physical line at a time, so the line of every record
 * and of every syntax error is known. */
static int rd_feed(struct reader *rd, const char *s, size_t n)
{
    while (n && !rd->status && !rd->stop) {
        const char *nl = memchr(s, '\n', n);
        size_t k = nl ? (size_t)(nl - s) + 1 : n;
        if (rd->col == 0) {
            rd->ended = false;
            rd->line_blank = rd->boundary;
            if (rd->boundary)
                rd->rec_line = rd->line;
        }
        if (rd->line_blank && !all_blank(s, nl ? k - 1 : k))
            rd->line_blank = false;
        size_t used = csv_parse(&rd->p, s, k, rd_cb1, rd_cb2, rd);
        if (rd->status || rd->stop)
            break;
        if (used < k)
            return rd_csv_error(rd, s, used);
        rd->col += k;
        if (nl) {
            /* libcsv skips blank lines between records; raw.csv has none. */
            if (rd->line_blank)
                return rd_fail(rd, MB_EINPUT, rd->line, 0, "blank line");
            /* The newline ended a record when a record ended during the line and no
             * field began after it (a '\r' alone also ends a record; raw.csv quotes
             * it in fields, and CRLF ends are one end). */
            rd->boundary = rd->ended;
            rd->line = rd->line < INT_MAX ? rd->line + 1 : INT_MAX;
            rd->col = 0;
        }
        s += k;
        n -= k;
    }
    return rd->status;
}

static void rd_init(struct reader *rd, const char *name, mb_results_row_fn fn, void *ctx,
                    struct mb_error *err)
{
    memset(rd, 0, sizeof(*rd));
    rd->name = name;
    rd->fn = fn;
    rd->ctx = ctx;
    rd->err = err;
    rd->line = 1;
    rd->rec_line = 1;
    rd->boundary = true;
    rd->bad_field = SIZE_MAX;
    /* libcsv's own blank and line-end tests: custom ones, called per byte, would
     * double the parse time. */
    csv_init(&rd->p, CSV_STRICT | CSV_STRICT_FINI);
    csv_set_realloc_func(&rd->p, field_realloc);
    csv_set_blk_size(&rd->p, 4096);
}

static int rd_finish(struct reader *rd, size_t total)
{
    if (!rd->status && !rd->stop && rd->col > 0 && rd->line_blank)
        rd_fail(rd, MB_EINPUT, rd->line, 0, "blank line");
    if (!rd->status && !rd->stop) {
        if (csv_fini(&rd->p, rd_cb1, rd_cb2, rd) != 0)
            rd_fail(rd, MB_EINPUT, rd->rec_line, 0,
                    "unterminated quoted field at the end of the file (record starts here)");
    }
    if (!rd->status && !rd->have_hdr)
        rd_fail(rd, MB_EINPUT, 0, 0, "%s", total ? "no header line" : "empty file (no header)");
    return rd->status;
}

static void rd_free(struct reader *rd)
{
    csv_free(&rd->p);
    free(rd->buf);
    free(rd->offs);
    free(rd->ptrs);
    free(rd->kind);
    header_free(rd->hdr);
}

/* The reader behind every read; *hdr (may be NULL) receives the header on success. */
static int read_core(const char *name, int fd, const void *data, size_t len, mb_results_row_fn fn,
                     void *ctx, size_t *nrows, struct mb_results_header **hdr, struct mb_error *err)
{
    struct reader rd;
    rd_init(&rd, name, fn, ctx, err);
    size_t total = 0;
    if (fd < 0) {
        total = len;
        rd_feed(&rd, data, len);
    } else {
        char *block = mb_xmalloc(READ_BLOCK);
        while (!rd.status && !rd.stop) {
            ssize_t n = read(fd, block, READ_BLOCK);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                rd_fail(&rd, MB_EIO, 0, 0, "read error: %s", strerror(errno));
                break;
            }
            if (n == 0)
                break;
            total += (size_t)n;
            rd_feed(&rd, block, (size_t)n);
        }
        free(block);
    }
    int rc = rd_finish(&rd, total);
    if (!rc) {
        if (nrows)
            *nrows = rd.nrows;
        if (hdr) {
            *hdr = rd.hdr;
            rd.hdr = NULL;
        }
    }
    rd_free(&rd);
    return rc;
}

int mb_results_read_mem(const char *name, const void *data, size_t len, mb_results_row_fn fn,
                        void *ctx, size_t *nrows, struct mb_error *err)
{
    return read_core(name, -1, data, len, fn, ctx, nrows, NULL, err);
}

static int read_path(const char *path, mb_results_row_fn fn, void *ctx, size_t *nrows,
                     struct mb_results_header **hdr, struct mb_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mb_error_at(err, errno == ENOENT ? MB_EINPUT : MB_EIO, path, 0, 0, "cannot open: %s",
                           strerror(errno));
    int rc = read_core(path, fd, NULL, 0, fn, ctx, nrows, hdr, err);
    close(fd);
    return rc;
}

int mb_results_read(const char *path, mb_results_row_fn fn, void *ctx, size_t *nrows,
                    struct mb_error *err)
{
    return read_path(path, fn, ctx, nrows, NULL, err);
}

int mb_results_header_find(const struct mb_results_header *h, const char *name)
{
    for (size_t i = 0; i < h->ncols; i++)
        if (!strcmp(h->names[i], name))
            return (int)i;
    return -1;
}

size_t mb_results_header_factors(const struct mb_results_header *h, const char **keys, size_t max)
{
    for (size_t i = 0; i < h->nfactors && i < max; i++)
        keys[i] = h->names[h->factors[i]] + strlen(MB_RESULTS_FACTOR_PREFIX);
    return h->nfactors;
}

const char *mb_results_field(const struct mb_results_rec *rec, enum mb_results_col col)
{
    if ((int)col < 0 || col >= MB_COL_COUNT || rec->hdr->col[col] < 0)
        return "";
    return rec->fields[rec->hdr->col[col]];
}

bool mb_results_number(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    *out = strtod(s, NULL);
    return true;
}

/* ---- loader ------------------------------------------------------------------------------ */

struct mb_results_table {
    struct mb_results_header *hdr;
    size_t nrows, rows_cap;
    char *data;
    size_t len, cap;
    size_t *row_off; /* start of each row in data */
    int *row_line;   /* physical line of each row */
    uint32_t *cell;  /* nrows * ncols offsets from the row's start */
};

static int load_row(void *ctx, const struct mb_results_rec *rec, struct mb_error *err)
{
    (void)err;
    struct mb_results_table *t = ctx;
    size_t nc = rec->nfields;
    if (t->nrows == t->rows_cap) {
        t->rows_cap = t->rows_cap ? t->rows_cap * 2 : 256;
        t->row_off = mb_xrealloc(t->row_off, t->rows_cap * sizeof(*t->row_off));
        t->row_line = mb_xrealloc(t->row_line, t->rows_cap * sizeof(*t->row_line));
        t->cell = mb_xrealloc(t->cell, t->rows_cap * (nc ? nc : 1) * sizeof(*t->cell));
    }
    size_t need = 0;
    for (size_t i = 0; i < nc; i++)
        need += strlen(rec->fields[i]) + 1;
    t->data = mb_xgrow(t->data, &t->cap, t->len + need, 65536, 1);
    t->row_off[t->nrows] = t->len;
    t->row_line[t->nrows] = rec->line;
    size_t start = t->len;
    for (size_t i = 0; i < nc; i++) {
        size_t n = strlen(rec->fields[i]) + 1;
        t->cell[t->nrows * nc + i] = (uint32_t)(t->len - start); /* a record is < 16 MiB */
        memcpy(t->data + t->len, rec->fields[i], n);
        t->len += n;
    }
    t->nrows++;
    return 0;
}

void mb_results_table_free(struct mb_results_table *t)
{
    if (!t)
        return;
    header_free(t->hdr);
    free(t->data);
    free(t->row_off);
    free(t->row_line);
    free(t->cell);
    free(t);
}

int mb_results_load(const char *path, struct mb_results_table **out, struct mb_error *err)
{
    struct mb_results_table *t = mb_xcalloc(1, sizeof(*t));
    int rc = read_path(path, load_row, t, NULL, &t->hdr, err);
    if (rc) {
        mb_results_table_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

const struct mb_results_header *mb_results_table_header(const struct mb_results_table *t)
{
    return t->hdr;
}

size_t mb_results_table_nrows(const struct mb_results_table *t)
{
    return t->nrows;
}

const char *mb_results_table_get(const struct mb_results_table *t, size_t row, size_t col)
{
    if (row >= t->nrows || col >= t->hdr->ncols)
        return "";
    return t->data + t->row_off[row] + t->cell[row * t->hdr->ncols + col];
}

int mb_results_table_line(const struct mb_results_table *t, size_t row)
{
    return row < t->nrows ? t->row_line[row] : 0;
}

/* ---- run ids and timestamps ------------------------------------------------------------ */

char *mb_results_run_id(const char *scenario, const char *point_key, unsigned repetition, char *buf)
{
    /* FNV-1a of the scenario, a 0x1f byte and the point; FNV's high bits mix poorly on
     * short inputs, so the SplitMix64 finaliser spreads them */
    uint64_t h = mb_fnv1a64(mb_fnv1a64(mb_fnv1a64(MB_FNV1A64_BASIS, scenario), "\x1f"), point_key);
    h = mb_mix64(h);
    snprintf(buf, MB_RESULTS_RUN_ID_SIZE, "%012llx-r%u", (unsigned long long)(h >> 16), repetition);
    return buf;
}

int mb_results_format_time(double epoch, char buf[MB_RESULTS_TIME_SIZE], struct mb_error *err)
{
    buf[0] = '\0';
    /* Years 0..9999: -62167219200 .. 253402300799 seconds. */
    if (!isfinite(epoch) || epoch < -62167219200.0 || epoch >= 253402300799.9995)
        return mb_error_set(err, MB_EINPUT, "time %g is outside the years 0 to 9999", epoch);
    long long ms = llround(epoch * 1000.0);
    long long sec = ms / 1000, frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        sec--;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return mb_error_set(err, MB_EINPUT, "time %g cannot be represented", epoch);
    /* Wide enough for any int, to keep the compiler's truncation analysis quiet; the
     * range check above bounds the result to 24 characters. */
    char tmp[96];
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    size_t n = strlen(tmp);
    if (n >= MB_RESULTS_TIME_SIZE)
        return mb_error_set(err, MB_EINPUT, "time %g cannot be represented", epoch);
    memcpy(buf, tmp, n + 1);
    return 0;
}

int mb_results_parse_time(const char *s, double *out, struct mb_error *err)
{
    struct tm tm;
    double frac;
    if (!split_time(s, &tm, &frac))
        return mb_error_set(err, MB_EINPUT,
                            "'%.64s' is not an ISO 8601 UTC time like 2026-11-26T14:03:07.123Z", s);
    time_t t = timegm(&tm);
    *out = (double)t + frac;
    return 0;
}
