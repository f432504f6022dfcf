/* error.c — the error record. */
#include "lib/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mb_error_clear(struct mb_error *e)
{
    if (!e)
        return;
    memset(e, 0, sizeof(*e));
}

static void vset(struct mb_error *e, int status, const char *fmt, va_list ap)
{
    e->status = status;
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int mb_error_set(struct mb_error *e, int status, const char *fmt, ...)
{
    if (!e)
        return status;
    va_list ap;
    va_start(ap, fmt);
    e->file[0] = '\0';
    e->line = e->column = 0;
    vset(e, status, fmt, ap);
    va_end(ap);
    return status;
}

int mb_error_at(struct mb_error *e, int status, const char *file, int line, int column,
                const char *fmt, ...)
{
    if (!e)
        return status;
    va_list ap;
    va_start(ap, fmt);
    snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
    e->line = line;
    e->column = column;
    vset(e, status, fmt, ap);
    va_end(ap);
    return status;
}

void mb_error_format(const struct mb_error *e, char *buf, size_t size)
{
    if (e->file[0] && e->line > 0 && e->column > 0)
        snprintf(buf, size, "%s:%d:%d: %s", e->file, e->line, e->column, e->msg);
    else if (e->file[0] && e->line > 0)
        snprintf(buf, size, "%s:%d: %s", e->file, e->line, e->msg);
    else if (e->file[0])
        snprintf(buf, size, "%s: %s", e->file, e->msg);
    else
        snprintf(buf, size, "%s", e->msg);
}

int mb_exit_code(int status)
{
    switch (status) {
    case MB_OK:
        return MB_EXIT_OK;
    case MB_EINPUT:
        return MB_EXIT_INPUT;
    case MB_EINTR:
        return MB_EXIT_INTERRUPTED;
    case MB_EFAILED:
        return MB_EXIT_FAILED;
    default:
        return MB_EXIT_ENV;
    }
}
