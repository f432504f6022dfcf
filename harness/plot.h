/* plot.h — figures drawn by gnuplot, run as a program.
 *
 * A figure is data (categories or numeric x positions, series of values with a low and
 * high error bound) plus a kind, whose gnuplot template lives in plots/KIND.gp.  For
 * every figure mb_plot_render() writes NAME.dat and a standalone NAME.gp (variables,
 * then the template inlined, then the terminals), and runs one gnuplot process over
 * all of them in the output directory, so `cd figures && gnuplot NAME.gp` redraws a
 * figure after hand edits.  Text is drawn with enhanced text off: an underscore in
 * `total_time_ms` stays an underscore. */
#ifndef MB_PLOT_H
#define MB_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/error.h"
#include "lib/util.h"

enum mb_plot_kind {
    MB_PLOT_LINE,             /* sweep: lines with error bars over x */
    MB_PLOT_BARS,             /* clustered bars with error bars per category */
    MB_PLOT_REAL_VS_COMPUTED, /* parallel migration: real, computed (and sequential) */
    MB_PLOT_HEATMAP,          /* a matrix: series are rows, x categories are columns */
};

/* "line", "bars", "real-vs-computed", "heatmap" (the scenario's plot kinds and the
 * templates' file names). */
const char *mb_plot_kind_name(enum mb_plot_kind k);
/* The kind named s, or -1. */
int mb_plot_kind_find(const char *s);

/* Output formats. */
#define MB_PLOT_PNG 1u
#define MB_PLOT_SVG 2u

struct mb_plot_series {
    char *title;
    double *y, *lo, *hi; /* nx values each; NAN = no value (lo/hi NAN: no error bar) */
};

struct mb_plot_fig {
    enum mb_plot_kind kind;
    char *name; /* file stem: [A-Za-z0-9._-], no directory */
    char *title, *xlabel, *ylabel;
    char *caption;  /* one sentence for the report (what the points and bars are) */
    size_t nx;      /* x positions, categories or heat map columns */
    char **xlabels; /* tic label of each */
    double *x;      /* numeric positions, or NULL: categories 0..nx-1 */
    bool xlog;      /* logarithmic x axis (base 2) */
    struct mb_plot_series *series;
    size_t nseries;
};

/* Set up f with nx x positions (labels and, when numeric, positions to fill in) and no
 * series.  name and the texts are copied. */
void mb_plot_fig_init(struct mb_plot_fig *f, enum mb_plot_kind kind, const char *name,
                      const char *title, const char *xlabel, const char *ylabel, size_t nx,
                      bool numeric);
/* Add a series whose values are all NAN; returns it (valid until the next add). */
struct mb_plot_series *mb_plot_fig_add_series(struct mb_plot_fig *f, const char *title);
/* Free the contents of n figures and the array itself.  NULL is a no-op. */
void mb_plot_figs_free(struct mb_plot_fig *figs, size_t n);

/* A name made safe for a file stem: characters outside [A-Za-z0-9._-] become '-'.
 * Returns a new string. */
char *mb_plot_safe_name(const char *s);

/* The plots/ directory of the data directory (lib/data_dir.h: the checkout,
 * PREFIX/share/migbench or $MIGBENCH_DATA).  Returns a static string, or NULL when it
 * has no line.gp. */
const char *mb_plot_templates_dir(void);

/* Quote s as a gnuplot single-quoted string into b (quotes doubled, control
 * characters as spaces). */
void mb_plot_quote(struct mb_buf *b, const char *s);

/* Build NAME.gp and NAME.dat for f in memory: the script sets the variables, inlines
 * template (the text of plots/KIND.gp) and draws each format in formats.  Returns 0,
 * or MB_ENOMEM. */
int mb_plot_script(const struct mb_plot_fig *f, const char *template_text, unsigned formats,
                   struct mb_buf *script, struct mb_buf *data);

struct mb_plot_opts {
    const char *templates; /* plots/ directory; NULL = mb_plot_templates_dir() */
    const char *gnuplot;   /* program; NULL = "gnuplot" from PATH */
    unsigned formats;      /* MB_PLOT_PNG | MB_PLOT_SVG; 0 = both */
};

/* Write the scripts and data of n figures into dir (which must exist) and run gnuplot
 * once over them.  MB_EENV when gnuplot cannot be started or the templates are missing,
 * MB_EFAILED when gnuplot reports an error (its message, naming the script and line, is
 * in err), MB_EIO when a file cannot be written. */
int mb_plot_render(const struct mb_plot_fig *figs, size_t n, const char *dir,
                   const struct mb_plot_opts *o, struct mb_error *err);

#endif
