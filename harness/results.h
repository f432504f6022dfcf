/* results.h — raw.csv, the results file: one row per VM migration.
 *
 * Layout of a row: the leading columns of the table below (identity, status and
 * times), then one column per factor of the scenario, named "f.<dotted key>", in
 * scenario order, then the metric and provenance columns of the table.  An empty
 * field means "not measured".  docs/results.md documents every column; a unit test
 * checks that its table matches mb_results_doc_table().
 *
 * Writer: mb_results_open() appends to a raw.csv (writing the header when the file is
 * new, refusing a file whose header differs), mb_results_append() writes one complete
 * line with a single write(2) and fsyncs it.
 * Reader: mb_results_read() streams the rows of a file to a callback, checking the
 * header, the shape of every record and the values of the typed columns. */
#ifndef MB_RESULTS_H
#define MB_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/error.h"
#include "lib/util.h"

enum mb_results_type {
    MB_RESULTS_STRING,    /* any UTF-8 text */
    MB_RESULTS_INTEGER,   /* -?[0-9]+ */
    MB_RESULTS_NUMBER,    /* finite decimal number: -?[0-9]+(.[0-9]+)?([eE][+-]?[0-9]+)? */
    MB_RESULTS_TIMESTAMP, /* ISO 8601 UTC, YYYY-MM-DDTHH:MM:SS.mmmZ */
    MB_RESULTS_ENUM,      /* one of the column's values */
};

enum mb_results_group {
    MB_RESULTS_LEAD,       /* before the factor columns */
    MB_RESULTS_METRIC,     /* after the factor columns */
    MB_RESULTS_PROVENANCE, /* last */
};

/* Column flags. */
#define MB_RESULTS_REQUIRED 1u /* must be in the header and non-empty in every row */

/* The standard columns, in file order within each group; the groups in the order of
 * enum mb_results_group.  To add a metric, add one X(...) line before the provenance
 * columns: the writer, the reader, the documentation table and the enum all follow.
 *
 *   X(ID, name, type, unit, enum values ("a|b"), group, flags, meaning, when empty) */
#define MB_RESULTS_COLUMNS(X)                                                                      \
    X(RUN_ID, "run_id", STRING, "", "", LEAD, MB_RESULTS_REQUIRED,                                 \
      "Stable id of the point and repetition (mb_results_run_id): 12 hex digits, `-r`, the "       \
      "repetition. Every VM row of one run shares it.",                                            \
      "never")                                                                                     \
    X(SCENARIO, "scenario", STRING, "", "", LEAD, MB_RESULTS_REQUIRED, "Name of the scenario.",    \
      "never")                                                                                     \
    X(POINT, "point", INTEGER, "", "", LEAD, MB_RESULTS_REQUIRED,                                  \
      "Index of the point (one combination of factor values) in the scenario's expansion "         \
      "order, 1-based.",                                                                           \
      "never")                                                                                     \
    X(REPETITION, "repetition", INTEGER, "", "", LEAD, MB_RESULTS_REQUIRED,                        \
      "Repetition of the point, 1-based.", "never")                                                \
    X(VM, "vm", STRING, "", "", LEAD, MB_RESULTS_REQUIRED,                                         \
      "Name of the migrated VM in the scenario, e.g. `vm1`.", "never")                             \
    X(HOST_FROM, "host_from", STRING, "", "", LEAD, MB_RESULTS_REQUIRED,                           \
      "Testbed host the VM migrated from.", "never")                                               \
    X(HOST_TO, "host_to", STRING, "", "", LEAD, MB_RESULTS_REQUIRED,                               \
      "Testbed host the VM migrated to.", "never")                                                 \
    X(STRATEGY, "strategy", STRING, "", "", LEAD, MB_RESULTS_REQUIRED,                             \
      "Migration strategy of the run (how the VMs were ordered and grouped).", "never")            \
    X(BATCH, "batch", INTEGER, "", "", LEAD, MB_RESULTS_REQUIRED,                                  \
      "Batch of the VM within the run, 1-based; the VMs of a batch migrate concurrently.",         \
      "never")                                                                                     \
    X(HOP, "hop", INTEGER, "", "", LEAD, 0,                                                        \
      "Which migration of the VM within the run this row is, 1-based (migration.hops: 2 = "        \
      "there and back).",                                                                          \
      "never in files written by migbench")                                                        \
    X(STATUS, "status", ENUM, "", "ok|failed|timeout|corrupt|aborted", LEAD, MB_RESULTS_REQUIRED,  \
      "Outcome: `ok` migrated; `failed` the hypervisor reported an error; `timeout` cancelled "    \
      "after the scenario's timeout; `corrupt` migrated but the integrity check failed; "          \
      "`aborted` not attempted or interrupted (SIGINT, an earlier failure in the run).",           \
      "never")                                                                                     \
    X(START_TIME, "start_time", TIMESTAMP, "UTC", "", LEAD, 0,                                     \
      "When the harness issued the migration.", "the migration was never started (`aborted`)")     \
    X(END_TIME, "end_time", TIMESTAMP, "UTC", "", LEAD, 0,                                         \
      "When the migration call returned, failed or was cancelled.",                                \
      "the migration was never started (`aborted`)")                                               \
    X(TOTAL_TIME_MS, "total_time_ms", NUMBER, "ms", "", METRIC, 0,                                 \
      "Total migration time reported by the hypervisor's job statistics.",                         \
      "the hypervisor reported no job statistics (failed early, aborted)")                         \
    X(DOWNTIME_MS, "downtime_ms", NUMBER, "ms", "", METRIC, 0,                                     \
      "Downtime (guest paused) reported by the hypervisor.",                                       \
      "not reported (migration not completed, or the hypervisor does not measure it)")             \
    X(SETUP_TIME_MS, "setup_time_ms", NUMBER, "ms", "", METRIC, 0,                                 \
      "Setup time before the first memory transfer, reported by the hypervisor.",                  \
      "not reported by the hypervisor")                                                            \
    X(DATA_BYTES, "data_bytes", INTEGER, "bytes", "", METRIC, 0,                                   \
      "Bytes transferred by the migration (memory and device state), per the hypervisor.",         \
      "not reported by the hypervisor")                                                            \
    X(MEMORY_BYTES_TOTAL, "memory_bytes_total", INTEGER, "bytes", "", METRIC, 0,                   \
      "Guest memory the migration had to move, per the hypervisor.",                               \
      "not reported by the hypervisor")                                                            \
    X(DIRTY_RATE_PPS, "dirty_rate_pps", NUMBER, "pages/s", "", METRIC, 0,                          \
      "Page dirty rate the hypervisor measured during the migration.",                             \
      "not reported by the hypervisor")                                                            \
    X(ITERATIONS, "iterations", INTEGER, "", "", METRIC, 0,                                        \
      "Memory copy iterations (pre-copy rounds) reported by the hypervisor.",                      \
      "not reported by the hypervisor")                                                            \
    X(WALL_TIME_MS, "wall_time_ms", NUMBER, "ms", "", METRIC, 0,                                   \
      "Harness's own monotonic clock around the migration call (about end_time - start_time).",    \
      "the migration was never started")                                                           \
    X(PROBE_DOWNTIME_MS, "probe_downtime_ms", NUMBER, "ms", "", METRIC, 0,                         \
      "Longest gap between replies of the UDP probe to the guest during the migration.",           \
      "no probe ran (disabled in the scenario, or the migration was never started)")               \
    X(INTEGRITY, "integrity", ENUM, "", "ok|corrupt|unchecked", METRIC, 0,                         \
      "Guest memory integrity check after the migration: `ok`, `corrupt`, or `unchecked` when "    \
      "no check ran.",                                                                             \
      "never (`unchecked` when no check ran)")                                                     \
    X(BATCH_MAKESPAN_MS, "batch_makespan_ms", NUMBER, "ms", "", METRIC, 0,                         \
      "From the first start to the last end of the run's migrations in this hop (the paper's "     \
      "'real' time of a multi-VM migration); equal in every row of the hop.",                      \
      "no migration started")                                                                      \
    X(CPU_CAP_APPLIED_PCT, "cpu_cap_applied_pct", NUMBER, "%", "", METRIC, 0,                      \
      "CPU cap the reservation actually applied during the migration (100 = one CPU).",            \
      "no CPU cap in the scenario")                                                                \
    X(BALLOON_APPLIED_KIB, "balloon_applied_kib", INTEGER, "KiB", "", METRIC, 0,                   \
      "Balloon target actually applied to the guest before the migration.",                        \
      "no balloon in the scenario")                                                                \
    X(WORKLOAD_BASELINE, "workload_baseline", NUMBER, "workload unit", "", METRIC, 0,              \
      "Workload's figure of merit (its own unit, e.g. ops/s) before the migration.",               \
      "no workload, or it reported nothing")                                                       \
    X(WORKLOAD_DURING, "workload_during", NUMBER, "workload unit", "", METRIC, 0,                  \
      "The same figure during the migration.", "no workload, or it reported nothing")              \
    X(OVERHEAD_PCT, "overhead_pct", NUMBER, "%", "", METRIC, 0,                                    \
      "Workload slowdown: (baseline - during) / baseline * 100; negative when faster.",            \
      "either workload figure is empty, or the baseline is 0")                                     \
    X(CPU_CAP_MEASURED_PCT, "cpu_cap_measured_pct", NUMBER, "%", "", METRIC, 0,                    \
      "The capped VM's vCPU use as the monitor measured it between the cap and the migration "     \
      "(% of one CPU per vCPU, like cpu_cap_applied_pct).",                                        \
      "no cap, or no monitor samples")                                                             \
    X(CPU_CAP_CHECK, "cpu_cap_check", ENUM, "", "ok|under|over|unmeasured", METRIC, 0,             \
      "The monitor's verdict on the cap: `ok` within 5 percentage points of it, `under` the "      \
      "VM used less (an idle VM does), `over` the cap did not hold.",                              \
      "no cap")                                                                                    \
    X(BALLOON_MEASURED_KIB, "balloon_measured_kib", NUMBER, "KiB", "", METRIC, 0,                  \
      "The guest's balloon size as the monitor saw it before the migration.",                      \
      "no balloon, or no monitor samples")                                                         \
    X(BALLOON_CHECK, "balloon_check", ENUM, "", "ok|under|over|unmeasured", METRIC, 0,             \
      "The monitor's verdict on the balloon: `ok` within 2 % of its target.", "no balloon")        \
    X(DST_CPU_HELD, "dst_cpu_held", NUMBER, "CPUs", "", METRIC, 0,                                 \
      "CPUs the destination's CPU placeholders used in their last check before the release "       \
      "(reservation.destination.cpu).",                                                            \
      "no destination reservation")                                                                \
    X(DST_MEMORY_HELD_BYTES, "dst_memory_held_bytes", INTEGER, "B", "", METRIC, 0,                 \
      "Memory resident on the destination for its memory placeholders when they held.",            \
      "no memory reservation, or the hypervisor does not report residency")                        \
    X(DST_RESERVATION_S, "dst_reservation_s", NUMBER, "s", "", METRIC, 0,                          \
      "From the first placeholder's start until every placeholder held its share.",                \
      "no destination reservation, or it never held")                                              \
    X(DST_RELEASE_S, "dst_release_s", NUMBER, "s", "", METRIC, 0,                                  \
      "How long destroying the placeholders took, just before the migration (mode release).",      \
      "no destination reservation, or mode hold")                                                  \
    X(CONTENTION_CPU_GRANTED, "contention_cpu_granted", INTEGER, "CPUs", "", METRIC, 0,            \
      "CPUs the competing tenant got on the destination (contention.cpu, within what was "         \
      "free).",                                                                                    \
      "no competing tenant")                                                                       \
    X(CONTENTION_MEMORY_GRANTED_BYTES, "contention_memory_granted_bytes", INTEGER, "B", "",        \
      METRIC, 0, "Memory the competing tenant got on the destination.", "no competing tenant")     \
    X(WORKLOAD, "workload", STRING, "", "", METRIC, 0,                                             \
      "What ran in the migrating VM (vms.workload).", "never written by older versions")           \
    X(WORKLOAD_AFTER, "workload_after", NUMBER, "workload unit", "", METRIC, 0,                    \
      "The workload's figure in windows.after, once the VM runs on the destination.",              \
      "no workload, no after window, or it reported nothing")                                      \
    X(AFTER_LOSS_PCT, "after_loss_pct", NUMBER, "%", "", METRIC, 0,                                \
      "What the VM lost on the destination: (baseline - after) / baseline * 100.",                 \
      "either figure is empty, or the baseline is 0")                                              \
    X(COLOCATED_WORKLOAD, "colocated_workload", STRING, "", "", METRIC, 0,                         \
      "The workload of the resident VM already on the destination (colocation.workload, or "       \
      "the chosen host's in placement.hosts).",                                                    \
      "no resident VM")                                                                            \
    X(COLOCATED_BASELINE, "colocated_baseline", NUMBER, "workload unit", "", METRIC, 0,            \
      "The resident's figure in the baseline window, alone on the destination.",                   \
      "no resident, or it reported nothing")                                                       \
    X(COLOCATED_AFTER, "colocated_after", NUMBER, "workload unit", "", METRIC, 0,                  \
      "The resident's figure in windows.after, beside the VMs that arrived.",                      \
      "no resident, or it reported nothing")                                                       \
    X(COLOCATED_LOSS_PCT, "colocated_loss_pct", NUMBER, "%", "", METRIC, 0,                        \
      "What the resident lost: (baseline - after) / baseline * 100.",                              \
      "either resident figure is empty")                                                           \
    X(COLOCATION_LOSS_PCT, "colocation_loss_pct", NUMBER, "%", "", METRIC, 0,                      \
      "after_loss_pct + colocated_loss_pct: what the two together lost by sharing the host "       \
      "(the cost Table 3 measures and workload-aware placement minimises).",                       \
      "either loss is empty")                                                                      \
    X(PLACEMENT, "placement", ENUM, "", "workload-aware|random", METRIC, 0,                        \
      "The policy that picked host_to among placement.hosts.", "no placement.hosts")               \
    X(ERROR, "error", STRING, "", "", METRIC, 0,                                                   \
      "Why the migration did not end `ok`, as one message.", "status is `ok`")                     \
    X(STATS_SOURCE, "stats_source", ENUM, "", "event|destination|none", PROVENANCE, 0,             \
      "Where the hypervisor figures came from: the source's JOB_COMPLETED `event`, the "           \
      "`destination`'s completed-job statistics, or `none`.",                                      \
      "no migration was attempted")                                                                \
    X(STATS_MISSING, "stats_missing", STRING, "", "", PROVENANCE, 0,                               \
      "Hypervisor figures the driver did not report, comma-separated (a Xen-like driver reports "  \
      "less than QEMU); their columns are empty.",                                                 \
      "every figure was reported")                                                                 \
    X(HARNESS_VERSION, "harness_version", STRING, "", "", PROVENANCE, 0,                           \
      "migbench version (`git describe`) that wrote the row.", "never")                            \
    X(IMAGE_HASH, "image_hash", STRING, "", "", PROVENANCE, 0,                                     \
      "SHA-256 of the guest disk image, lowercase hex.", "the image was not hashed")               \
    X(HYPERVISOR, "hypervisor", STRING, "", "", PROVENANCE, 0,                                     \
      "Hypervisor and management versions, e.g. `QEMU 10.0.2 / libvirt 9.0.0`.",                   \
      "the versions could not be queried")                                                         \
    X(ACCEL, "accel", STRING, "", "", PROVENANCE, 0, "Accelerator of the guest: `kvm` or `tcg`.",  \
      "the domain did not say")                                                                    \
    X(ZERO_PAGES, "zero_pages", ENUM, "", "detect|send", PROVENANCE, 0,                            \
      "Zero pages in force (migration.zero_pages): `detect` QEMU's default, `send` every page "    \
      "in full (zero-page-detection none, set and read back on the source).",                      \
      "the migration was not attempted, send was refused, or files older than the key")            \
    X(CONVERGENCE, "convergence", ENUM, "", "qemu|xen33", PROVENANCE, 0,                           \
      "Rules that ended pre-copy (migration.convergence): `qemu` its own, `xen33` Xen 3.3.1's "    \
      "applied by the harness.",                                                                   \
      "the migration was not attempted, or files older than the key")                              \
    X(PRECOPY_STOP, "precopy_stop", ENUM, "", "iterations|dirty|sent|none", PROVENANCE, 0,         \
      "Under `xen33`, the rule that ended pre-copy: `iterations` (29 passes done), `dirty` "       \
      "(under 50 pages left), `sent` (over 3 times the guest's memory sent), or `none` "           \
      "(QEMU converged first).",                                                                   \
      "convergence is not `xen33`")

/* clang-format off */
enum mb_results_col {
#define MB_RESULTS_X_ENUM(id, ...) MB_COL_##id,
    MB_RESULTS_COLUMNS(MB_RESULTS_X_ENUM)
#undef MB_RESULTS_X_ENUM
    MB_COL_COUNT
};
/* clang-format on */

/* One standard column, as described by MB_RESULTS_COLUMNS. */
struct mb_results_column {
    const char *name;
    enum mb_results_type type;
    const char *unit;   /* "" when none */
    const char *values; /* MB_RESULTS_ENUM: the allowed values, "a|b|c" */
    enum mb_results_group group;
    unsigned flags; /* MB_RESULTS_REQUIRED */
    const char *meaning;
    const char *when_empty;
};

/* The standard columns, indexed by enum mb_results_col. */
extern const struct mb_results_column mb_results_columns[MB_COL_COUNT];

/* Prefix of the factor columns. */
#define MB_RESULTS_FACTOR_PREFIX "f."

/* The standard column of that name, or -1. */
int mb_results_column_find(const char *name);

/* Render the columns as the Markdown table of docs/results.md into out (appended).
 * Returns 0, or MB_ENOMEM past out's ceiling. */
int mb_results_doc_table(struct mb_buf *out);

/* ---- writer ---------------------------------------------------------------------- */

struct mb_results;
struct mb_results_row;

/* Open path for appending rows of a scenario whose factors (dotted keys without the
 * "f." prefix, in scenario order) are factors[0..nfactors).  A new or empty file gets
 * the header; an existing file must start with exactly that header line and end with a
 * newline, else MB_EINPUT and the file is left untouched (never truncated).  The file
 * is locked (flock) against a second writer.  *out is set on success; close it with
 * mb_results_close. */
int mb_results_open(const char *path, const char *const *factors, size_t nfactors,
                    struct mb_results **out, struct mb_error *err);

/* Close the file (every row is already on disk) and free r.  NULL is a no-op. */
void mb_results_close(struct mb_results *r);

/* Number of columns of r's rows, and the name of column i (file order). */
size_t mb_results_ncols(const struct mb_results *r);
const char *mb_results_colname(const struct mb_results *r, size_t i);

/* A row for r, all fields empty.  r must outlive it. */
struct mb_results_row *mb_results_row_new(const struct mb_results *r);
void mb_results_row_free(struct mb_results_row *row);
/* Empty every field and forget a recorded error, to reuse the row. */
void mb_results_row_reset(struct mb_results_row *row);

/* Set the field of the column named column (a standard name or "f.<key>") to the
 * printf-formatted value.  The value must be valid for the column's type (status in
 * its enum, a finite number in a number column...); an empty value clears the field.
 * Invalid bytes of a string value are replaced by '?', so that an odd error message
 * from a remote tool never costs a row.  An unknown column or invalid value is a
 * programming error: returns MB_EINPUT and the row remembers the first such error,
 * which mb_results_append then reports (so callers may set many fields and check
 * once). */
int mb_results_row_set(struct mb_results_row *row, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As mb_results_row_set, for a standard column by id. */
int mb_results_row_set_col(struct mb_results_row *row, enum mb_results_col col, const char *fmt,
                           ...) __attribute__((format(printf, 3, 4)));
/* Set a timestamp column from epoch seconds (see mb_results_format_time). */
int mb_results_row_set_time(struct mb_results_row *row, enum mb_results_col col, double epoch);
/* The current value of a field ("" when empty), or NULL for an unknown column. */
const char *mb_results_row_get(const struct mb_results_row *row, const char *column);

/* Append row as one line: the line is built in memory, written with one write(2) on
 * the O_APPEND descriptor and fsync'd before returning, so a crash or kill never
 * leaves half a row or loses a returned row.  Fails (MB_EINPUT) when the row has a
 * recorded error or a required column is empty, MB_ENOMEM over 1 MiB, MB_EIO when the
 * write fails (a short write is cut back off the file). */
int mb_results_append(struct mb_results *r, const struct mb_results_row *row, struct mb_error *err);

/* Append n rows with one write(2) and one fsync: all of them or none reach the file
 * (the rows of one run, so a run is never half recorded).  Checks every row first. */
int mb_results_append_rows(struct mb_results *r, const struct mb_results_row *const *rows, size_t n,
                           struct mb_error *err);

/* ---- reader ---------------------------------------------------------------------- */

/* The header of a file being read.  Read-only for callers. */
struct mb_results_header {
    size_t ncols;
    char **names;          /* ncols column names, in file order */
    int col[MB_COL_COUNT]; /* file position of each standard column, -1 when absent */
    size_t nfactors;       /* number of factor columns */
    size_t *factors;       /* their file positions, in file order */
};

/* One record, as delivered to the row callback.  Everything it points to is valid
 * only during the callback. */
struct mb_results_rec {
    const char *file; /* name of the input, for error messages */
    const struct mb_results_header *hdr;
    size_t index;              /* 0-based data row (the header is not a row) */
    int line;                  /* physical line where the record starts */
    const char *const *fields; /* nfields NUL-terminated fields, file order */
    size_t nfields;            /* always hdr->ncols */
};

/* Called once per row.  Return 0 to go on, a positive value to stop reading (the read
 * then returns 0), or a negative enum mb_status to stop with an error (having filled
 * err; mb_error_at(err, st, rec->file, rec->line, 0, ...) names the row). */
typedef int (*mb_results_row_fn)(void *ctx, const struct mb_results_rec *rec, struct mb_error *err);

/* Read the results file at path, calling fn (may be NULL: only validate) for every row.
 * Checks: the file is not empty; the header has every required column, no unknown or
 * duplicated name and only well-formed "f.<key>" factor names; every record has as
 * many fields as the header; no NUL byte, invalid UTF-8 or blank line; quotes are
 * balanced; required fields are non-empty and typed fields valid.  A last row without
 * its newline is accepted when it has every field.  Errors are MB_EINPUT with the
 * file and physical line (and the column for CSV syntax errors), MB_EIO, MB_ENOMEM (a
 * field over 1 MiB).  *nrows (may be NULL) gets the number of rows delivered. */
int mb_results_read(const char *path, mb_results_row_fn fn, void *ctx, size_t *nrows,
                    struct mb_error *err);

/* As mb_results_read, from memory; name is used in error messages. */
int mb_results_read_mem(const char *name, const void *data, size_t len, mb_results_row_fn fn,
                        void *ctx, size_t *nrows, struct mb_error *err);

/* Position of the column named name in h, or -1. */
int mb_results_header_find(const struct mb_results_header *h, const char *name);

/* The factor keys of h (names without "f."), in file order: keys[i] borrows from h
 * for i < the returned count (at most max are stored). */
size_t mb_results_header_factors(const struct mb_results_header *h, const char **keys, size_t max);

/* The field of a standard column in a record: "" when the file lacks the column. */
const char *mb_results_field(const struct mb_results_rec *rec, enum mb_results_col col);

/* Parse a (validated) number or integer field: true and *out set when s is non-empty,
 * false when empty (not measured). */
bool mb_results_number(const char *s, double *out);

/* Convenience loader: the whole file in memory (about the file's size plus 12 bytes
 * per field).  For large files prefer mb_results_read. */
struct mb_results_table;
int mb_results_load(const char *path, struct mb_results_table **out, struct mb_error *err);
void mb_results_table_free(struct mb_results_table *t);
const struct mb_results_header *mb_results_table_header(const struct mb_results_table *t);
size_t mb_results_table_nrows(const struct mb_results_table *t);
/* Field at (row, col in file order): borrowed from t; "" for out-of-range. */
const char *mb_results_table_get(const struct mb_results_table *t, size_t row, size_t col);
/* Physical line where a row starts. */
int mb_results_table_line(const struct mb_results_table *t, size_t row);

/* ---- helpers --------------------------------------------------------------------- */

/* Size of a buffer for mb_results_run_id. */
#define MB_RESULTS_RUN_ID_SIZE 32

/* The stable run id of (scenario, point key, repetition): the first 12 lowercase hex
 * digits of the 64-bit FNV-1a hash of scenario, a 0x1f byte and point_key, passed
 * through the SplitMix64 finaliser, then "-r" and the repetition in decimal, e.g.
 * "5d3c0e9a41f2-r3".  It depends only on its arguments (same on every machine and
 * run).  Writes into buf (MB_RESULTS_RUN_ID_SIZE bytes) and returns buf. */
char *mb_results_run_id(const char *scenario, const char *point_key, unsigned repetition,
                        char *buf);

/* Size of a buffer for mb_results_format_time. */
#define MB_RESULTS_TIME_SIZE 32

/* Format epoch seconds as ISO 8601 UTC, rounded to the millisecond:
 * "2026-11-26T14:03:07.123Z".  Years 0..9999.  Returns 0, or MB_EINPUT (non-finite or
 * out of range; buf then holds ""). */
int mb_results_format_time(double epoch, char buf[MB_RESULTS_TIME_SIZE], struct mb_error *err);

/* Parse "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (1 to 9 fraction digits) into epoch seconds.
 * Returns 0 (setting *out), or MB_EINPUT. */
int mb_results_parse_time(const char *s, double *out, struct mb_error *err);

#endif
