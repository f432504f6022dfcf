/* report_int.h — what the parts of the report module share; not for other modules
 * (they use report.h).
 *
 * The parts, one concern each:
 *   report_load.c     a results directory read into struct mb_report_dir
 *   report_points.c   reading a loaded directory: values, labels, slices of its points
 *   report_summary.c  summary.csv
 *   report_claims.c   the claim-rule language, its evaluators and the paper table
 *   report_figures.c  figure specifications for plot.h
 *   report_doc.c      a document written twice, as report.md and report.html
 *   report.c          the report itself: what goes into the document, in what order */
#ifndef MB_REPORT_INT_H
#define MB_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

/* ---- report_load.c ------------------------------------------------------------------- */

/* The number of a factor level in the option's base unit (a plain number when o is
 * NULL); false when it is not one. */
bool mb_report_level_number(const struct mb_option *o, const char *s, double *out);

/* ---- report_points.c ----------------------------------------------------------------- */

/* Index of level v of factor f, or -1. */
int mb_report_level_index(const struct mb_report_factor *f, const char *v);

/* A metric's value with its unit, short: "1234 ms", "12.3 s", "512.0 MiB", "4.2 %";
 * "n/a" when v is not finite. */
void mb_report_fmt_value(int metric, double v, char *buf, size_t len);

/* The points that differ only in some fixed factors: a cell per combination of the
 * fixed factors' levels (row-major), NULL where no point has it. */
struct mb_report_slice {
    char label[512]; /* the other factors' values, "" when there are none */
    const struct mb_report_point **at;
};

/* Group d's points by the values of every factor but fixed[0..nfixed) and the factors
 * zipped with them (and the hop).  Returns the number of slices in *out (free with
 * mb_report_slices_free); the cells point into d. */
size_t mb_report_slices_make(const struct mb_report_dir *d, const int *fixed, size_t nfixed,
                             struct mb_report_slice **out);
void mb_report_slices_free(struct mb_report_slice *sl, size_t n);

/* "LABEL: ", the prefix of an evidence line, in buf; "" when the directory has one
 * slice. */
const char *mb_report_slice_prefix(const struct mb_report_slice *s, char *buf, size_t len);

/* Real against computed time of parallel migration, at one level of the VM count. */
struct mb_report_rvc {
    double n;                      /* VMs */
    double real, real_lo, real_hi; /* parallel batch */
    double comp, comp_lo, comp_hi; /* n x one VM alone */
    double seq, seq_lo, seq_hi;    /* sequential batch */
    /* the runs behind real and comp, for intervals: the parallel batch's values of the
     * metric, and those of one VM alone (comp is n x their trimmed mean); NULL when
     * missing.  unit_shared: the unit is the N = 1 point's, the same at every level. */
    const struct mb_report_samples *real_s, *unit_s;
    bool unit_shared;
};

/* The slice's cells are (count level) x (strategy level) when fs >= 0, else per count
 * level (with the strategy from raw.csv's strategy column).  Computed = N x the time of
 * one VM migrated alone: the metric at N = 1 (sequential preferred) when the count has
 * that level, else the mean per-VM wall time of the sequential batch at N. */
void mb_report_rvc_at(const struct mb_report_dir *d, const struct mb_report_slice *s, int fc,
                      int fs, int m, size_t level, struct mb_report_rvc *o);

/* ---- report_summary.c ---------------------------------------------------------------- */

/* Write len bytes of data to path through a temporary file and a rename, so the file
 * is whole or unchanged.  0 or MB_EIO. */
int mb_report_write_atomic(const char *path, const char *data, size_t len, struct mb_error *err);

/* ---- report_doc.c -------------------------------------------------------------------- */

/* Text is written once, in Markdown's inline syntax (`code`, **strong**, *em*,
 * [text](link), backslash escapes), into both documents: as is into md, converted into
 * html.  Both buffers belong to the document (mb_report_doc_free). */
struct mb_report_doc {
    struct mb_buf md, html;
};

/* A table under way: its number of columns, and which are numbers (right-aligned). */
struct mb_report_table {
    size_t ncols;
    const bool *right;
};

/* Data (names, messages) appended to b as Markdown text: special characters escaped,
 * on one line. */
void mb_report_md_text(struct mb_buf *b, const char *s);
/* Data appended to b as a Markdown code span (backticks inside become quotes). */
void mb_report_md_code(struct mb_buf *b, const char *s);

/* Start the documents (an empty *D): report.html's head (title, style). */
void mb_report_doc_begin(struct mb_report_doc *D);
/* A heading of level 1 to 6, with an HTML id when id is not NULL. */
void mb_report_doc_h(struct mb_report_doc *D, int level, const char *id, const char *md);
/* A paragraph; the second form gives it an HTML class. */
void mb_report_doc_p(struct mb_report_doc *D, const char *md);
void mb_report_doc_p_class(struct mb_report_doc *D, const char *cls, const char *md);
/* A quoted paragraph. */
void mb_report_doc_quote(struct mb_report_doc *D, const char *md);
/* A bulleted list (nothing when n is 0). */
void mb_report_doc_list(struct mb_report_doc *D, char *const *items, size_t n);
/* A table: the head (right[i] for numeric columns; right may be NULL), rows of ncols
 * cells (NULL is empty), the end. */
void mb_report_doc_table_head(struct mb_report_doc *D, struct mb_report_table *t,
                              const char *const *heads, size_t n, const bool *right);
void mb_report_doc_table_row(struct mb_report_doc *D, const struct mb_report_table *t,
                             char *const *cells);
void mb_report_doc_table_end(struct mb_report_doc *D);
/* What comes until mb_report_doc_details_end is, in HTML, folded under summary; in
 * Markdown it follows summary as a level-4 heading. */
void mb_report_doc_details(struct mb_report_doc *D, const char *summary);
void mb_report_doc_details_end(struct mb_report_doc *D);
/* A code block of text (lang names it for Markdown); folded under summary in HTML when
 * summary is not NULL. */
void mb_report_doc_code(struct mb_report_doc *D, const char *lang, const char *text,
                        const char *summary);
/* A figure drawn into figdir: report.md links the PNG (else the SVG) under rel;
 * report.html inlines the SVG (else the PNG), so the page needs no other file. */
void mb_report_doc_figure(struct mb_report_doc *D, const char *figdir, const char *rel,
                          const struct mb_plot_fig *f, unsigned formats);
/* End the documents and write them as dir/report.md and dir/report.html (each whole or
 * not at all).  0, MB_ENOMEM when a document grew over 1 GiB, or MB_EIO. */
int mb_report_doc_write(struct mb_report_doc *D, const char *dir, struct mb_error *err);
void mb_report_doc_free(struct mb_report_doc *D);

#endif
