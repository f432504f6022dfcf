/* version.c — the harness's version (MB_VERSION comes from the Makefile). */
#include "lib/version.h"

#ifndef MB_VERSION
#define MB_VERSION "unknown"
#endif

const char mb_version[] = MB_VERSION;
