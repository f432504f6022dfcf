/* report_doc.c — a document written twice: report.md as Markdown, report.html as a
 * self-contained page (see report_int.h). */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

static void html_escape(struct mb_buf *b, const char *s, size_t n)
{
    static const char *const entity[256] = {
        ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;"};
    for (size_t i = 0; i < n; i++) {
        const char *e = entity[(unsigned char)s[i]];
        if (e)
            mb_buf_append(b, e, strlen(e));
        else
            mb_buf_append(b, &s[i], 1);
    }
}

/* Markdown inline text -> HTML. */
static void inline_html(struct mb_buf *b, const char *s)
{
    bool strong = false, em = false;
    for (const char *p = s; *p;) {
        /* where a code span or a link would end; without an end the character is text */
        const char *close = *p == '[' ? strstr(p, "](") : NULL;
        const char *end = *p == '`' ? strchr(p + 1, '`') : close ? strchr(close, ')') : NULL;
        if (*p == '\\' && p[1] && strchr("\\`*_[]<>|#", p[1])) {
            html_escape(b, p + 1, 1);
            p += 2;
        } else if (*p == '`' && end) {
            mb_buf_append(b, "<code>", 6);
            html_escape(b, p + 1, (size_t)(end - p - 1));
            mb_buf_append(b, "</code>", 7);
            p = end + 1;
        } else if (p[0] == '*' && p[1] == '*') {
            mb_buf_printf(b, strong ? "</strong>" : "<strong>");
            strong = !strong;
            p += 2;
        } else if (*p == '*') {
            mb_buf_printf(b, em ? "</em>" : "<em>");
            em = !em;
            p++;
        } else if (*p == '[' && end) {
            mb_buf_append(b, "<a href=\"", 9);
            html_escape(b, close + 2, (size_t)(end - close - 2));
            mb_buf_append(b, "\">", 2);
            char *text = mb_xstrndup(p + 1, (size_t)(close - p - 1));
            inline_html(b, text);
            free(text);
            mb_buf_append(b, "</a>", 4);
            p = end + 1;
        } else {
            html_escape(b, p, 1);
            p++;
        }
    }
    if (em)
        mb_buf_printf(b, "</em>");
    if (strong)
        mb_buf_printf(b, "</strong>");
}

void mb_report_md_text(struct mb_buf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (strchr("\\`*_[]<>|#", *p) && *p)
            mb_buf_append(b, "\\", 1);
        char c = *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p;
        mb_buf_append(b, &c, 1);
    }
}

void mb_report_md_code(struct mb_buf *b, const char *s)
{
    mb_buf_append(b, "`", 1);
    for (const char *p = s ? s : ""; *p; p++) {
        char c = *p == '`' ? '\'' : (*p == '\n' || *p == '|') ? (*p == '|' ? '/' : ' ') : *p;
        mb_buf_append(b, &c, 1);
    }
    mb_buf_append(b, "`", 1);
}

void mb_report_doc_p(struct mb_report_doc *D, const char *md)
{
    mb_report_doc_p_class(D, NULL, md);
}

void mb_report_doc_p_class(struct mb_report_doc *D, const char *cls, const char *md)
{
    mb_buf_printf(&D->md, "%s\n\n", md);
    mb_buf_printf(&D->html, "<p%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    inline_html(&D->html, md);
    mb_buf_printf(&D->html, "</p>\n");
}

void mb_report_doc_quote(struct mb_report_doc *D, const char *md)
{
    mb_buf_printf(&D->md, "> %s\n\n", md);
    mb_buf_printf(&D->html, "<blockquote>");
    inline_html(&D->html, md);
    mb_buf_printf(&D->html, "</blockquote>\n");
}

void mb_report_doc_details(struct mb_report_doc *D, const char *summary)
{
    mb_buf_printf(&D->md, "#### %s\n\n", summary);
    mb_buf_printf(&D->html, "<details><summary>");
    inline_html(&D->html, summary);
    mb_buf_printf(&D->html, "</summary>\n");
}

void mb_report_doc_details_end(struct mb_report_doc *D)
{
    mb_buf_printf(&D->html, "</details>\n");
}

void mb_report_doc_h(struct mb_report_doc *D, int level, const char *id, const char *md)
{
    mb_buf_printf(&D->md, "%.*s %s\n\n", level, "######", md);
    mb_buf_printf(&D->html, "<h%d%s%s%s>", level, id ? " id=\"" : "", id ? id : "", id ? "\"" : "");
    inline_html(&D->html, md);
    mb_buf_printf(&D->html, "</h%d>\n", level);
}

void mb_report_doc_list(struct mb_report_doc *D, char *const *items, size_t n)
{
    if (!n)
        return;
    mb_buf_printf(&D->html, "<ul>\n");
    for (size_t i = 0; i < n; i++) {
        mb_buf_printf(&D->md, "- %s\n", items[i]);
        mb_buf_printf(&D->html, "<li>");
        inline_html(&D->html, items[i]);
        mb_buf_printf(&D->html, "</li>\n");
    }
    mb_buf_printf(&D->md, "\n");
    mb_buf_printf(&D->html, "</ul>\n");
}

void mb_report_doc_table_head(struct mb_report_doc *D, struct mb_report_table *t,
                              const char *const *heads, size_t n, const bool *right)
{
    t->ncols = n;
    t->right = right;
    mb_buf_printf(&D->md, "|");
    mb_buf_printf(&D->html, "<div class=\"scroll\"><table>\n<thead><tr>");
    for (size_t i = 0; i < n; i++) {
        mb_buf_printf(&D->md, " %s |", heads[i]);
        mb_buf_printf(&D->html, "<th%s>", right && right[i] ? " class=\"r\"" : "");
        inline_html(&D->html, heads[i]);
        mb_buf_printf(&D->html, "</th>");
    }
    mb_buf_printf(&D->md, "\n|");
    for (size_t i = 0; i < n; i++)
        mb_buf_printf(&D->md, "%s|", right && right[i] ? "---:" : "---");
    mb_buf_printf(&D->md, "\n");
    mb_buf_printf(&D->html, "</tr></thead>\n<tbody>\n");
}

void mb_report_doc_table_row(struct mb_report_doc *D, const struct mb_report_table *t,
                             char *const *cells)
{
    mb_buf_printf(&D->md, "|");
    mb_buf_printf(&D->html, "<tr>");
    for (size_t i = 0; i < t->ncols; i++) {
        mb_buf_printf(&D->md, " %s |", cells[i] ? cells[i] : "");
        mb_buf_printf(&D->html, "<td%s>", t->right && t->right[i] ? " class=\"r\"" : "");
        inline_html(&D->html, cells[i] ? cells[i] : "");
        mb_buf_printf(&D->html, "</td>");
    }
    mb_buf_printf(&D->md, "\n");
    mb_buf_printf(&D->html, "</tr>\n");
}

void mb_report_doc_table_end(struct mb_report_doc *D)
{
    mb_buf_printf(&D->md, "\n");
    mb_buf_printf(&D->html, "</tbody></table></div>\n");
}

void mb_report_doc_code(struct mb_report_doc *D, const char *lang, const char *text,
                        const char *summary)
{
    size_t n = strlen(text);
    /* a fence longer than any backtick run inside */
    size_t run = 0, longest = 0;
    for (size_t i = 0; i < n; i++) {
        run = text[i] == '`' ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    size_t fence = longest >= 3 ? longest + 1 : 3;
    mb_buf_printf(&D->md, "%.*s%s\n%s%s%.*s\n\n", (int)fence, "``````````````````````````", lang,
                  text, n && text[n - 1] == '\n' ? "" : "\n", (int)fence,
                  "``````````````````````````");
    if (summary) {
        mb_buf_printf(&D->html, "<details><summary>");
        inline_html(&D->html, summary);
        mb_buf_printf(&D->html, "</summary>");
    }
    mb_buf_printf(&D->html, "<pre><code>");
    html_escape(&D->html, text, n);
    mb_buf_printf(&D->html, "</code></pre>\n");
    if (summary)
        mb_buf_printf(&D->html, "</details>\n");
}

static void base64(struct mb_buf *b, const unsigned char *s, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char q[4];
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        q[0] = a[(v >> 18) & 63];
        q[1] = a[(v >> 12) & 63];
        q[2] = i + 1 < n ? a[(v >> 6) & 63] : '=';
        q[3] = i + 2 < n ? a[v & 63] : '=';
        mb_buf_append(b, q, 4);
    }
}

void mb_report_doc_figure(struct mb_report_doc *D, const char *figdir, const char *rel,
                          const struct mb_plot_fig *f, unsigned formats)
{
    const char *md_ext = formats & MB_PLOT_PNG ? "png" : "svg";
    const char *html_ext = formats & MB_PLOT_SVG ? "svg" : "png";
    mb_buf_printf(&D->md, "![");
    mb_report_md_text(&D->md, f->title);
    mb_buf_printf(&D->md, "](%s/%s.%s)\n\n", rel, f->name, md_ext);
    mb_buf_printf(&D->md, "*%s*\n\n", f->caption ? f->caption : "");
    char *path = mb_xasprintf("%s/%s.%s", figdir, f->name, html_ext);
    size_t len = 0;
    char *data = mb_read_file(path, 32 << 20, &len);
    mb_buf_printf(&D->html, "<figure>");
    if (data) {
        mb_buf_printf(&D->html, "<img alt=\"");
        html_escape(&D->html, f->title, strlen(f->title));
        mb_buf_printf(&D->html, "\" src=\"data:image/%s;base64,",
                      !strcmp(html_ext, "svg") ? "svg+xml" : "png");
        base64(&D->html, (const unsigned char *)data, len);
        mb_buf_printf(&D->html, "\">");
    } else {
        mb_buf_printf(&D->html, "<p class=\"note\">figure %s.%s could not be read</p>", f->name,
                      html_ext);
    }
    mb_buf_printf(&D->html, "<figcaption>");
    html_escape(&D->html, f->caption ? f->caption : "", f->caption ? strlen(f->caption) : 0);
    mb_buf_printf(&D->html, "</figcaption></figure>\n");
    free(data);
    free(path);
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>migbench report</title>\n<style>\n"
    "body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;max-width:1100px;"
    "margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n"
    "h1{border-bottom:2px solid #ddd}h2{border-bottom:1px solid #ddd;margin-top:2.2em}\n"
    "code{font-family:'DejaVu Sans Mono',monospace;font-size:90%;background:#f4f4f4;"
    "padding:0 .2em}\n"
    "pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:85%}\npre "
    "code{background:none}\n"
    ".scroll{overflow-x:auto}\ntable{border-collapse:collapse;margin:.6em 0 1.2em;"
    "font-size:90%}\n"
    "th,td{border:1px solid #ddd;padding:.25em .6em;vertical-align:top}th{background:#f3f3f3}\n"
    "td.r,th.r{text-align:right;white-space:nowrap}\n"
    "figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}\n"
    "figcaption{font-size:90%;color:#555}\n"
    "blockquote{border-left:4px solid #ccc;margin:0;padding:.2em 1em;color:#444}\n"
    ".verdict{padding:.4em .8em;border-radius:4px}.v-yes{background:#e6f4ea}"
    ".v-no{background:#fce8e6}.v-maybe{background:#fef7e0}.v-na{background:#f1f3f4}\n"
    ".note{color:#8a6d3b}details{margin:.5em 0 1em}summary{cursor:pointer;color:#444}\n"
    "</style>\n</head>\n<body>\n";

void mb_report_doc_begin(struct mb_report_doc *D)
{
    *D = (struct mb_report_doc){.md = {.max = (size_t)1 << 30}, .html = {.max = (size_t)1 << 30}};
    mb_buf_printf(&D->html, "%s", html_head);
}

int mb_report_doc_write(struct mb_report_doc *D, const char *dir, struct mb_error *err)
{
    mb_buf_printf(&D->html, "</body>\n</html>\n");
    if (mb_buf_append(&D->md, "", 0) || mb_buf_append(&D->html, "", 0))
        return mb_error_at(err, MB_ENOMEM, dir, 0, 0, "report over 1 GiB");
    char *md = mb_xasprintf("%s/report.md", dir);
    char *html = mb_xasprintf("%s/report.html", dir);
    int rc = mb_report_write_atomic(md, D->md.data, D->md.len, err);
    if (!rc)
        rc = mb_report_write_atomic(html, D->html.data, D->html.len, err);
    free(md);
    free(html);
    return rc;
}

void mb_report_doc_free(struct mb_report_doc *D)
{
    mb_buf_free(&D->md);
    mb_buf_free(&D->html);
}
