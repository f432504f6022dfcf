/* memcheck — guest memory dirtier and lost-write detector for live-migration tests.
 *
 *   memcheck [-m MIB] [-r MIB_PER_S] [-t SECONDS] [-i INTERVAL] [-s STATUS_FILE]
 *            [-p PID_FILE] [-d]
 *
 * Fills MIB MiB (default 32) and then, pass after pass, rewrites every 4 KiB page of
 * it in order (at most MIB_PER_S MiB of pages per second; 0 = as fast as it can).
 * Before rewriting a page it verifies that the page still holds what the previous
 * pass wrote there: three words that depend on the page number and the pass.  A live
 * migration that fails to re-send a page the guest dirtied (QEMU 7.2 under TCG, see
 * the lab REPORT) shows up as pages with stale or foreign contents — a lost write.
 *
 * Output, for the harness (read over ssh):
 *   stdout, every INTERVAL seconds (default 1) and once at the end:
 *     memcheck t=12.0 mib=32 passes=40 pages=327680 rate_mibs=110.3 bad=0 status=ok
 *     memcheck final t=60.0 mib=32 passes=200 pages=1638400 rate_mibs=109.0 bad=0 status=ok
 *   STATUS_FILE (-s), rewritten atomically at the same moments, key=value lines:
 *     pid= state=running|stopped t= mib= passes= pages= rate_mibs= bad= first_bad_page=
 *     status=ok|corrupt wall=<unix time of the update>
 *   stderr, for the first 20 bad pages:
 *     memcheck: BAD page=N pass=P word=W want=0x... got=0x...
 * "pages" counts verified page rewrites; "bad" counts pages that failed the check
 * (each page once per pass).  status=corrupt as soon as bad > 0.
 *
 * -d detaches (after the memory is filled and the first status written) and prints
 * the pid: `ssh guest memcheck -d -s /run/memcheck.status >/run/memcheck.log 2>&1`.
 * Ends on SIGTERM/SIGINT or after SECONDS (-t).  Exit status: 0 no lost write, 3 lost
 * writes seen, 1 setup failure, 2 bad usage. */
#include <inttypes.h>
#include <stdint.h>
#include <sys/mman.h>

#include "workload.h"

#define PAGE         4096u
#define WORDS        (PAGE / sizeof(uint64_t))
#define MAX_REPORTED 20

struct memcheck {
    volatile uint64_t *mem;
    size_t pages;
    double mib, rate, seconds, interval;
    const char *status_file;
    uint64_t pass, checked, bad;
    long long first_bad;
};

/* The three words of page i after pass p: p itself, a mix of i and p (catches a page
 * holding another page's contents), and the complement of both at the page's end
 * (catches a torn page). */
static uint64_t sig_mix(size_t i, uint64_t p)
{
    return ((uint64_t)i * 0x9E3779B97F4A7C15ull) ^ (p * 0xC2B2AE3D27D4EB4Full) ^
           0x6d62636865636bull;
}

static void write_page(volatile uint64_t *pg, size_t i, uint64_t p)
{
    uint64_t m = sig_mix(i, p);
    pg[0] = p;
    pg[1] = m;
    pg[WORDS - 1] = ~(p ^ m);
}

/* Check page i holds pass p; count and report it if not. */
static void check_page(struct memcheck *mc, volatile uint64_t *pg, size_t i, uint64_t p)
{
    uint64_t m = sig_mix(i, p);
    uint64_t want[3] = {p, m, ~(p ^ m)};
    uint64_t got[3] = {pg[0], pg[1], pg[WORDS - 1]};
    static const int word[3] = {0, 1, (int)WORDS - 1};
    for (int w = 0; w < 3; w++) {
        if (got[w] == want[w])
            continue;
        if (mc->bad < MAX_REPORTED)
            fprintf(stderr,
                    "memcheck: BAD page=%zu pass=%" PRIu64 " word=%d want=0x%016" PRIx64
                    " got=0x%016" PRIx64 "\n",
                    i, p, word[w], want[w], got[w]);
        if (mc->bad == 0)
            mc->first_bad = (long long)i;
        mc->bad++;
        return;
    }
}

static void report(struct memcheck *mc, double t, double rate, int final)
{
    const char *status = mc->bad ? "corrupt" : "ok";
    printf("memcheck %st=%.1f mib=%.0f passes=%" PRIu64 " pages=%" PRIu64
           " rate_mibs=%.1f bad=%" PRIu64 " status=%s\n",
           final ? "final " : "", t, mc->mib, mc->pass, mc->checked, rate, mc->bad, status);
    fflush(stdout);
    if (wl_write_status(mc->status_file, final ? "stopped" : "running",
                        "t=%.1f\nmib=%.0f\npasses=%" PRIu64 "\npages=%" PRIu64
                        "\nrate_mibs=%.1f\nbad=%" PRIu64 "\nfirst_bad_page=%lld\nstatus=%s\n",
                        t, mc->mib, mc->pass, mc->checked, rate, mc->bad, mc->first_bad,
                        status) != 0)
        perror(mc->status_file);
}

static const char usage[] = "usage: memcheck [-m MIB] [-r MIB_PER_S] [-t SECONDS] [-i INTERVAL]\n"
                            "                [-s STATUS_FILE] [-p PID_FILE] [-d]\n"
                            "Rewrites MIB MiB page by page and reports pages that lost a write.\n"
                            "Exit: 0 no lost write, 3 lost writes, 1 setup failure, 2 usage.\n";

int main(int argc, char **argv)
{
    struct memcheck mc = {.mib = 32, .interval = 1, .first_bad = -1};
    const struct wl_opt opts[] = {{'m', WL_NUMBER, &mc.mib},         {'r', WL_NUMBER, &mc.rate},
                                  {'t', WL_NUMBER, &mc.seconds},     {'i', WL_NUMBER, &mc.interval},
                                  {'s', WL_STRING, &mc.status_file}, {0, 0, NULL}};
    struct wl_prog prog = {.name = "memcheck", .usage = usage, .opts = opts, .pid_letter = 'p'};
    if (wl_parse_options(&prog, argc, argv) != argc || mc.mib < 1 || mc.interval < 0.05)
        return wl_usage_error(&prog);
    wl_catch_stop_signals();
    wl_start(&prog);

    size_t len = (size_t)(mc.mib * 1048576.0) / PAGE * PAGE;
    mc.pages = len / PAGE;
    mc.mem =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (mc.mem == MAP_FAILED) {
        perror("memcheck: mmap");
        return 1;
    }
    /* pass 0: every page gets its signature, so pass 1 can verify all of them */
    for (size_t i = 0; i < mc.pages; i++)
        write_page(mc.mem + i * WORDS, i, 0);
    mc.pass = 1;

    double t0 = wl_now(), tlast = t0, now = t0;
    uint64_t done = 0, done_last = 0;
    report(&mc, 0, 0, 0);
    wl_ready();
    size_t i = 0;
    while (!wl_stop) {
        /* 256 pages (1 MiB) between looks at the clock */
        for (int b = 0; b < 256; b++) {
            volatile uint64_t *pg = mc.mem + i * WORDS;
            check_page(&mc, pg, i, mc.pass - 1);
            write_page(pg, i, mc.pass);
            mc.checked++;
            if (++i == mc.pages) {
                i = 0;
                mc.pass++;
            }
        }
        done += 256;
        now = wl_now();
        if (mc.rate > 0) {
            double ahead = (double)done / 256.0 / mc.rate - (now - t0);
            if (ahead > 0.001) {
                wl_sleep(ahead < mc.interval ? ahead : mc.interval);
                now = wl_now();
            }
        }
        if (now - tlast >= mc.interval) {
            report(&mc, now - t0, (double)(done - done_last) / 256.0 / (now - tlast), 0);
            tlast = now;
            done_last = done;
        }
        if (mc.seconds > 0 && now - t0 >= mc.seconds)
            break;
    }
    now = wl_now();
    report(&mc, now - t0, now > t0 ? (double)done / 256.0 / (now - t0) : 0, 1);
    return mc.bad ? 3 : 0;
}
