/* data_dir.h — where migbench finds what it reads at run time (lab scripts, the guest
 * image recipe, gnuplot templates, in-guest program sources, scenarios) and where it
 * keeps what it makes at run time.  One look-up for all of them, so a checkout and an
 * installed copy (PREFIX/bin/migbench, PREFIX/share/migbench) behave alike.  Nothing is
 * written there at run time: vm-images/build and lab/ keep what they make in
 * $MIGBENCH_CACHE_DIR (default /var/cache/migbench) unless they run from a checkout. */
#ifndef MB_DATA_DIR_H
#define MB_DATA_DIR_H

#include "lib/error.h"

/* The directory of the running program (from /proc/self/exe).  Returns a new string
 * (caller frees), or NULL with err set (MB_EENV). */
char *mb_bin_dir(struct mb_error *err);

/* The data directory: $MIGBENCH_DATA when set; else the checkout the program runs from
 * (BIN/.. or BIN/../.., the first holding harness/main.c and lab/up: bin/migbench,
 * build/tests/test_x); else BIN/../share/migbench (an installed copy, also under a
 * DESTDIR).  Returns a new absolute path (caller frees), or NULL with err set (MB_EENV)
 * when the directory found does not exist. */
char *mb_data_dir(struct mb_error *err);

/* mb_data_dir()/rel, when it exists.  Returns a new string (caller frees), or NULL with
 * err set (MB_EENV, naming the path and $MIGBENCH_DATA). */
char *mb_data_path(const char *rel, struct mb_error *err);

#endif
