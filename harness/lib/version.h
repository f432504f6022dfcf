/* version.h — the harness's version, `git describe` at build time. */
#ifndef MB_VERSION_H
#define MB_VERSION_H

/* Defined in version.c, the one file built with the version, so a new commit rebuilds
 * one object and every result, figure and report names the same version. */
extern const char mb_version[];

#endif
