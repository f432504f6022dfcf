/* plot.c — figures through gnuplot: data files, standalone scripts, one gnuplot run. */
#include "plot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/data_dir.h"
#include "lib/proc.h"
#include "lib/version.h"

static const char *const kind_names[] = {"line", "bars", "real-vs-computed", "heatmap"};

const char *mb_plot_kind_name(enum mb_plot_kind k)
{
    return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

int mb_plot_kind_find(const char *s)
{
    for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
        if (s && !strcmp(s, kind_names[i]))
            return (int)i;
    return -1;
}

void mb_plot_fig_init(struct mb_plot_fig *f, enum mb_plot_kind kind, const char *name,
                      const char *title, const char *xlabel, const char *ylabel, size_t nx,
                      bool numeric)
{
    memset(f, 0, sizeof(*f));
    f->kind = kind;
    f->name = mb_plot_safe_name(name);
    f->title = mb_xstrdup(title ? title : "");
    f->xlabel = mb_xstrdup(xlabel ? xlabel : "");
    f->ylabel = mb_xstrdup(ylabel ? ylabel : "");
    f->nx = nx;
    f->xlabels = mb_xcalloc(nx ? nx : 1, sizeof(char *));
    if (numeric)
        f->x = mb_xcalloc(nx ? nx : 1, sizeof(double));
}

struct mb_plot_series *mb_plot_fig_add_series(struct mb_plot_fig *f, const char *title)
{
    f->series = mb_xrealloc(f->series, (f->nseries + 1) * sizeof(*f->series));
    struct mb_plot_series *s = &f->series[f->nseries++];
    s->title = mb_xstrdup(title ? title : "");
    size_t n = f->nx ? f->nx : 1;
    s->y = mb_xmalloc(n * sizeof(double));
    s->lo = mb_xmalloc(n * sizeof(double));
    s->hi = mb_xmalloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        s->y[i] = s->lo[i] = s->hi[i] = NAN;
    return s;
}

void mb_plot_figs_free(struct mb_plot_fig *figs, size_t n)
{
    if (!figs)
        return;
    for (size_t i = 0; i < n; i++) {
        struct mb_plot_fig *f = &figs[i];
        free(f->name);
        free(f->title);
        free(f->xlabel);
        free(f->ylabel);
        free(f->caption);
        for (size_t j = 0; j < f->nx; j++)
            free(f->xlabels[j]);
        free(f->xlabels);
        free(f->x);
        for (size_t j = 0; j < f->nseries; j++) {
            free(f->series[j].title);
            free(f->series[j].y);
            free(f->series[j].lo);
            free(f->series[j].hi);
        }
        free(f->series);
    }
    free(figs);
}

char *mb_plot_safe_name(const char *s)
{
    char *o = mb_xstrdup(s && *s ? s : "figure");
    for (char *p = o; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            *p = '-';
    if (o[0] == '.')
        o[0] = '_';
    return o;
}

static bool has_template(const char *dir)
{
    char *path = mb_xasprintf("%s/line.gp", dir);
    bool ok = access(path, R_OK) == 0;
    free(path);
    return ok;
}

/* Keep dir as the answer when it holds the templates. */
static const char *try_dir(char *dir)
{
    static char found[PATH_MAX];
    if (strlen(dir) >= sizeof(found) || !has_template(dir)) {
        free(dir);
        return NULL;
    }
    snprintf(found, sizeof(found), "%s", dir);
    free(dir);
    return found;
}

const char *mb_plot_templates_dir(void)
{
    struct mb_error err;
    mb_error_clear(&err);
    char *dir = mb_data_path("plots", &err);
    return dir ? try_dir(dir) : NULL;
}

void mb_plot_quote(struct mb_buf *b, const char *s)
{
    mb_buf_append(b, "'", 1);
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\'')
            mb_buf_append(b, "''", 2);
        else if ((unsigned char)*p < 0x20 || *p == 0x7f)
            mb_buf_append(b, " ", 1);
        else
            mb_buf_append(b, p, 1);
    }
    mb_buf_append(b, "'", 1);
}

/* A data-file string column: double quotes are not escapable in gnuplot data files,
 * so they become single quotes. */
static void data_string(struct mb_buf *b, const char *s)
{
    mb_buf_append(b, "\"", 1);
    for (const char *p = s ? s : ""; *p; p++) {
        char c = *p == '"' ? '\'' : ((unsigned char)*p < 0x20 ? ' ' : *p);
        mb_buf_append(b, &c, 1);
    }
    mb_buf_append(b, "\"", 1);
}

static void data_num(struct mb_buf *b, double v)
{
    if (isfinite(v))
        mb_buf_printf(b, " %.10g", v);
    else
        mb_buf_append(b, " NaN", 4);
}

static double xpos(const struct mb_plot_fig *f, size_t i)
{
    return f->x ? f->x[i] : (double)i;
}

static bool all_nonneg(const struct mb_plot_fig *f);

/* With clip, error bars are cut at 0 in the data itself: gnuplot leaves a point reaching
 * outside a fixed axis range out of the autoscaling, which would cut its top too. */
static void build_data(const struct mb_plot_fig *f, struct mb_buf *d)
{
    bool clip = all_nonneg(f);
    switch (f->kind) {
    case MB_PLOT_LINE:
    case MB_PLOT_REAL_VS_COMPUTED:
        /* one block per series (gnuplot `index`): x y low high "label" */
        for (size_t s = 0; s < f->nseries; s++) {
            mb_buf_printf(d, "# series %zu: ", s + 1);
            data_string(d, f->series[s].title);
            mb_buf_append(d, "\n", 1);
            size_t rows = 0;
            for (size_t i = 0; i < f->nx; i++) {
                if (!isfinite(f->series[s].y[i]))
                    continue;
                data_num(d, xpos(f, i));
                data_num(d, f->series[s].y[i]);
                /* no interval: a zero-length bar */
                double lo = f->series[s].lo[i], hi = f->series[s].hi[i];
                if (clip && lo < 0)
                    lo = 0;
                data_num(d, isfinite(lo) ? lo : f->series[s].y[i]);
                data_num(d, isfinite(hi) ? hi : f->series[s].y[i]);
                mb_buf_append(d, " ", 1);
                data_string(d, f->xlabels[i]);
                mb_buf_append(d, "\n", 1);
                rows++;
            }
            if (!rows) /* keep the block so index numbers stay aligned */
                mb_buf_printf(d, " NaN NaN NaN NaN \"\"\n");
            mb_buf_append(d, "\n\n", 2);
        }
        break;
    case MB_PLOT_BARS:
        /* one row per category: "label" then y low high for every series */
        for (size_t i = 0; i < f->nx; i++) {
            data_string(d, f->xlabels[i]);
            for (size_t s = 0; s < f->nseries; s++) {
                double y = f->series[s].y[i], lo = f->series[s].lo[i], hi = f->series[s].hi[i];
                if (!isfinite(y))
                    lo = hi = NAN; /* no bar, no error bar */
                if (clip && lo < 0)
                    lo = 0;
                data_num(d, y);
                data_num(d, isfinite(lo) ? lo : y);
                data_num(d, isfinite(hi) ? hi : y);
            }
            mb_buf_append(d, "\n", 1);
        }
        break;
    case MB_PLOT_HEATMAP:
        /* column row value "cell text" */
        for (size_t r = 0; r < f->nseries; r++)
            for (size_t i = 0; i < f->nx; i++) {
                double v = f->series[r].y[i];
                mb_buf_printf(d, "%zu %zu", i, r);
                data_num(d, v);
                char cell[64];
                if (isfinite(v))
                    snprintf(cell, sizeof(cell), "%.3g", v);
                else
                    snprintf(cell, sizeof(cell), "n/a");
                mb_buf_append(d, " ", 1);
                data_string(d, cell);
                mb_buf_append(d, "\n", 1);
            }
        break;
    }
}

/* Tics at the levels, labelled with their text.  A tic label is a format for the tic's
 * value, so its '%' are doubled ("40%" -> "40%%").  Many levels: every k-th is labelled
 * (the rest are minor tics) and long labels are slanted, so they never run together. */
static void tics(struct mb_buf *b, const char *axis, char *const *labels, size_t n,
                 const double *pos)
{
    size_t every = n > 12 ? (n + 11) / 12 : 1, chars = 0;
    for (size_t i = 0; i < n; i += every)
        chars += strlen(labels[i] ? labels[i] : "") + 2;
    bool slant = axis[0] == 'x' && chars > 90;
    mb_buf_printf(b, "set %s %s(", axis, slant ? "rotate by 30 right " : "");
    for (size_t i = 0; i < n; i++) {
        if (i)
            mb_buf_append(b, ", ", 2);
        struct mb_buf l = {0};
        mb_buf_append(&l, "", 0);
        for (const char *p = labels[i] && i % every == 0 ? labels[i] : ""; *p; p++)
            mb_buf_append(&l, *p == '%' ? "%%" : p, *p == '%' ? 2 : 1);
        mb_plot_quote(b, l.data);
        mb_buf_free(&l);
        mb_buf_printf(b, " %.10g%s", pos ? pos[i] : (double)i, i % every ? " 1" : "");
    }
    mb_buf_printf(b, ")\n");
}

static bool all_nonneg(const struct mb_plot_fig *f)
{
    for (size_t s = 0; s < f->nseries; s++)
        for (size_t i = 0; i < f->nx; i++)
            if (isfinite(f->series[s].y[i]) && f->series[s].y[i] < 0)
                return false;
    return true;
}

int mb_plot_script(const struct mb_plot_fig *f, const char *template_text, unsigned formats,
                   struct mb_buf *script, struct mb_buf *data)
{
    if (!formats)
        formats = MB_PLOT_PNG | MB_PLOT_SVG;
    struct mb_buf *b = script;
    mb_buf_printf(b, "# %s.gp — written by migbench %s from plots/%s.gp (inlined below).\n",
                  f->name, mb_version, mb_plot_kind_name(f->kind));
    mb_buf_printf(b, "# Redraw with: gnuplot %s.gp   (in this directory; data in %s.dat)\n",
                  f->name, f->name);
    mb_buf_printf(b, "reset\nset encoding utf8\n");
    mb_buf_printf(b, "datafile = ");
    char *dat = mb_xasprintf("%s.dat", f->name);
    mb_plot_quote(b, dat);
    free(dat);
    mb_buf_printf(b, "\ntitle_text = ");
    mb_plot_quote(b, f->title);
    /* a title longer than the canvas takes (about 84 characters at 13 points) gets a
     * smaller font, down to 8 points, rather than running off both edges */
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)f->title; *p; p++)
        chars += (*p & 0xc0) != 0x80; /* UTF-8: count the characters, not the bytes */
    int pts = chars > 84 ? (int)(13 * 84 / chars) : 13;
    mb_buf_printf(b, "\ntitle_font = ',%d'", pts < 8 ? 8 : pts);
    mb_buf_printf(b, "\nxlabel_text = ");
    mb_plot_quote(b, f->xlabel);
    mb_buf_printf(b, "\nylabel_text = ");
    mb_plot_quote(b, f->ylabel);
    mb_buf_printf(b, "\nnx = %zu\nnseries = %zu\nxlog = %d\nymin_zero = %d\n", f->nx, f->nseries,
                  f->xlog ? 1 : 0, all_nonneg(f) ? 1 : 0);
    /* x range, for the templates' small horizontal offset between series */
    double xlo = 0, xhi = f->nx > 1 ? (double)(f->nx - 1) : 1;
    for (size_t i = 0; f->x && i < f->nx; i++) {
        xlo = i == 0 || f->x[i] < xlo ? f->x[i] : xlo;
        xhi = i == 0 || f->x[i] > xhi ? f->x[i] : xhi;
    }
    if (!(xhi > xlo))
        xhi = xlo + 1;
    mb_buf_printf(b, "xmin_v = %.10g\nxmax_v = %.10g\n", xlo, xhi);
    mb_buf_printf(b, "array series_title[%zu]\n", f->nseries ? f->nseries : 1);
    for (size_t s = 0; s < f->nseries; s++) {
        mb_buf_printf(b, "series_title[%zu] = ", s + 1);
        mb_plot_quote(b, f->series[s].title);
        mb_buf_append(b, "\n", 1);
    }
    if (f->kind == MB_PLOT_HEATMAP) {
        tics(b, "xtics", f->xlabels, f->nx, NULL);
        char **rows = mb_xcalloc(f->nseries ? f->nseries : 1, sizeof(char *));
        for (size_t s = 0; s < f->nseries; s++)
            rows[s] = f->series[s].title;
        tics(b, "ytics", rows, f->nseries, NULL);
        free(rows);
    } else if (f->kind != MB_PLOT_BARS) {
        tics(b, "xtics", f->xlabels, f->nx, f->x);
    }
    /* the first terminal draws; the template's plot command is replayed for the rest */
    bool first = true;
    static const struct {
        unsigned flag;
        const char *ext, *term;
    } terms[] = {
        {MB_PLOT_PNG, "png", "pngcairo size 960,600 font 'DejaVu Sans,11' noenhanced"},
        {MB_PLOT_SVG, "svg", "svg size 960,600 font 'DejaVu Sans,11' noenhanced"},
    };
    for (size_t t = 0; t < sizeof(terms) / sizeof(terms[0]); t++) {
        if (!(formats & terms[t].flag))
            continue;
        mb_buf_printf(b, "set terminal %s\nset output '%s.%s'\n", terms[t].term, f->name,
                      terms[t].ext);
        if (first) {
            mb_buf_printf(b, "# ---- template plots/%s.gp ----\n", mb_plot_kind_name(f->kind));
            mb_buf_printf(b, "%s", template_text);
            if (b->len && b->data[b->len - 1] != '\n')
                mb_buf_append(b, "\n", 1);
            mb_buf_printf(b, "# ---- end of template ----\n");
            first = false;
        } else {
            mb_buf_printf(b, "replot\n");
        }
        mb_buf_printf(b, "set output\n");
    }
    build_data(f, data);
    if (mb_buf_append(b, "", 0) || mb_buf_append(data, "", 0))
        return MB_ENOMEM;
    return 0;
}

static int write_file(const char *path, const struct mb_buf *b, struct mb_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp)
        return mb_error_at(err, MB_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    size_t n = b->len;
    int bad = n && fwrite(b->data, 1, n, fp) != n;
    bad |= fclose(fp) != 0;
    if (bad)
        return mb_error_at(err, MB_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    return 0;
}

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    struct mb_buf b = {.max = 1 << 20};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        if (mb_buf_append(&b, chunk, n)) {
            mb_buf_free(&b);
            fclose(fp);
            return NULL;
        }
    fclose(fp);
    if (!b.data)
        return mb_xstrdup("");
    return b.data;
}

/* gnuplot's first error, trimmed to one paragraph. */
static void first_error(const char *text, char *out, size_t len)
{
    const char *s = text ? text : "";
    while (*s == '\n' || *s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        n--;
    if (n > 600)
        n = 600;
    snprintf(out, len, "%.*s", (int)n, s);
}

int mb_plot_render(const struct mb_plot_fig *figs, size_t n, const char *dir,
                   const struct mb_plot_opts *o, struct mb_error *err)
{
    static const struct mb_plot_opts defaults = {0};
    if (!o)
        o = &defaults;
    if (!n)
        return 0;
    const char *tdir = o->templates ? o->templates : mb_plot_templates_dir();
    if (!tdir)
        return mb_error_set(err, MB_EENV,
                            "gnuplot templates not found (plots/line.gp in the data directory: "
                            "the checkout, PREFIX/share/migbench or $MIGBENCH_DATA)");
    char *templates[4] = {0};
    int rc = 0;
    char **argv = mb_xcalloc(n + 3, sizeof(char *));
    size_t argc = 0;
    argv[argc++] = (char *)(o->gnuplot ? o->gnuplot : "gnuplot");
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct mb_plot_fig *f = &figs[i];
        if (!templates[f->kind]) {
            char *path = mb_xasprintf("%s/%s.gp", tdir, mb_plot_kind_name(f->kind));
            templates[f->kind] = read_text(path);
            if (!templates[f->kind])
                rc = mb_error_at(err, MB_EENV, path, 0, 0, "cannot read the gnuplot template: %s",
                                 strerror(errno ? errno : ENOENT));
            free(path);
            if (rc)
                break;
        }
        struct mb_buf script = {0}, data = {0};
        if (mb_plot_script(f, templates[f->kind], o->formats, &script, &data)) {
            rc = mb_error_set(err, MB_ENOMEM, "figure %s: script too large", f->name);
        } else {
            char *gp = mb_xasprintf("%s/%s.gp", dir, f->name);
            char *dat = mb_xasprintf("%s/%s.dat", dir, f->name);
            rc = write_file(gp, &script, err);
            if (!rc)
                rc = write_file(dat, &data, err);
            free(gp);
            free(dat);
            argv[argc++] = mb_xasprintf("%s.gp", f->name);
        }
        mb_buf_free(&script);
        mb_buf_free(&data);
    }
    if (rc == 0) {
        /* gnuplot's stderr is read for its first error */
        struct mb_buf out = {.max = 64 << 10};
        struct mb_proc_spec ps = {.path = argv[0],
                                  .argv = argv,
                                  .dir = dir,
                                  .search_path = true,
                                  .in = MB_PROC_DEVNULL,
                                  .out = MB_PROC_DEVNULL,
                                  .err = MB_PROC_CAPTURE};
        int st;
        struct mb_error run_err;
        if (mb_proc_run(&ps, &out, NULL, &st, &run_err) < 0) {
            rc = mb_error_set(err, MB_EENV,
                              "%s (install gnuplot-nox, 'make deps'; or report with --no-figures)",
                              run_err.msg);
        } else if (st != 0) {
            char msg[700];
            first_error(out.data, msg, sizeof(msg));
            if (st == 127 && !msg[0])
                rc = mb_error_set(err, MB_EENV, "cannot run %s (install gnuplot-nox)", argv[0]);
            else
                rc = mb_error_set(err, MB_EFAILED, "gnuplot failed in %s: %s", dir,
                                  msg[0] ? msg : "no message");
        }
        mb_buf_free(&out);
    }
    for (size_t i = 1; i < argc; i++)
        free(argv[i]);
    free(argv);
    for (size_t i = 0; i < 4; i++)
        free(templates[i]);
    return rc;
}
