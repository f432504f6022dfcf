/* progress.c — campaign progress and ETA. */
#include "lib/progress.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "lib/units.h"
#include "lib/util.h"

void mb_progress_init(struct mb_progress *p, FILE *out, enum mb_progress_mode mode, size_t total,
                      size_t skipped, double estimate_s)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    if (mode == MB_PROGRESS_AUTO)
        mode = isatty(fileno(out)) ? MB_PROGRESS_BAR : MB_PROGRESS_LINES;
    p->mode = mode;
    p->total = total;
    p->skipped = skipped;
    p->done = skipped;
    p->estimate_s = estimate_s;
    p->start = mb_now_mono();
}

double mb_progress_eta(const struct mb_progress *p)
{
    size_t ran = p->done - p->skipped, left = p->total - p->done;
    size_t todo = p->total - p->skipped;
    if (ran == 0)
        return p->estimate_s;
    /* blend: trust the measured pace more as runs finish */
    double pace = p->work_s / (double)ran * (double)left;
    double est = todo ? p->estimate_s * (double)left / (double)todo : 0;
    if (p->est_done > 0) { /* the runs' own estimates: what is left, at the pace so far */
        est = p->estimate_s > p->est_done ? p->estimate_s - p->est_done : 0;
        pace = p->work_s / p->est_done * est;
    }
    double w = (double)ran / (double)(ran + 3);
    return w * pace + (1 - w) * est;
}

static void clear_bar(struct mb_progress *p)
{
    if (p->mode == MB_PROGRESS_BAR && p->bar_drawn) {
        fputs("\r\033[K", p->out);
        p->bar_drawn = false;
    }
}

static void draw_bar(struct mb_progress *p, const char *label)
{
    char eta[48], el[48];
    mb_format_eta(mb_progress_eta(p), eta, sizeof(eta));
    mb_format_eta(mb_now_mono() - p->start, el, sizeof(el));
    int width = 24;
    int fill = p->total ? (int)((double)p->done / (double)p->total * width) : width;
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(p->out, "\r\033[K[%s] %zu/%zu%s%.0zu%s  %s elapsed, ETA %s  %s", bar, p->done, p->total,
            p->failed ? " (" : "", p->failed, p->failed ? " failed)" : "", el, eta,
            label ? label : "");
    fflush(p->out);
    p->bar_drawn = true;
}

void mb_progress_run_start(struct mb_progress *p, const char *label, double estimate_s)
{
    p->run_est = estimate_s > 0 ? estimate_s : 0;
    if (p->mode == MB_PROGRESS_QUIET)
        return;
    if (p->mode == MB_PROGRESS_BAR) {
        draw_bar(p, label);
        return;
    }
    char eta[48];
    mb_format_eta(mb_progress_eta(p), eta, sizeof(eta));
    fprintf(p->out, "run %zu/%zu: %s (ETA %s)\n", p->done + 1, p->total, label, eta);
    fflush(p->out);
}

void mb_progress_run_end(struct mb_progress *p, bool ok, double seconds, const char *outcome)
{
    p->done++;
    p->work_s += seconds;
    p->est_done += p->run_est;
    p->run_est = 0;
    if (!ok)
        p->failed++;
    if (p->mode == MB_PROGRESS_QUIET)
        return;
    if (p->mode == MB_PROGRESS_BAR) {
        if (!ok) {
            clear_bar(p);
            fprintf(p->out, "run %zu/%zu: %s\n", p->done, p->total, outcome);
        }
        draw_bar(p, NULL);
        return;
    }
    fprintf(p->out, "run %zu/%zu: %s\n", p->done, p->total, outcome);
    fflush(p->out);
}

void mb_progress_note(struct mb_progress *p, const char *fmt, ...)
{
    clear_bar(p);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->mode == MB_PROGRESS_QUIET ? stderr : p->out, fmt, ap);
    va_end(ap);
    fputc('\n', p->mode == MB_PROGRESS_QUIET ? stderr : p->out);
    if (p->mode == MB_PROGRESS_BAR)
        draw_bar(p, NULL);
}

void mb_progress_finish(struct mb_progress *p)
{
    if (p->mode == MB_PROGRESS_QUIET)
        return;
    clear_bar(p);
    char el[48];
    mb_format_eta(mb_now_mono() - p->start, el, sizeof(el));
    fprintf(p->out, "%zu of %zu runs done (%zu failed%s%.0zu%s) in %s\n", p->done, p->total,
            p->failed, p->skipped ? ", " : "", p->skipped, p->skipped ? " resumed" : "", el);
    fflush(p->out);
}
