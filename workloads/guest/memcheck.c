/* memcheck — guest memory dirtier and lost-write detector for live-migration tests.
 *
 *   memcheck [-m MIB] [-r MIB_PER_S] [-t SECONDS] [-i INTERVAL] [-s STATUS_FILE]
 *            [-p PID_FILE] [-d]
 *   memcheck -w SECONDS -s STATUS_FILE -p PID_FILE
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
 *
 * A sweep: on SIGUSR1 the checker verifies (and rewrites) every page once at full speed,
 * from where it is, then writes its status at once with sweeps= one higher; the pages
 * of a sweep do not count against -r, so the dirtying rate stays what was asked.
 * `memcheck -w SECONDS -s STATUS_FILE -p PID_FILE` asks the checker whose pid the file
 * holds for a sweep, waits up to SECONDS for it, and prints the status file: a verdict
 * on every page in one round trip, instead of waiting for the paced passes.  Exit 0
 * when the sweep was seen, 1 when not (no checker, or the time ran out).
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
    double rate_seen; /* MiB/s of the latest interval's report */
    const char *status_file;
    uint64_t pass, checked, bad, sweeps;
    long long first_bad;
};

static volatile sig_atomic_t sweep_asked;

static void on_sweep_signal(int sig)
{
    (void)sig;
    sweep_asked = 1;
}

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
                        "\nrate_mibs=%.1f\nbad=%" PRIu64 "\nfirst_bad_page=%lld\nsweeps=%" PRIu64
                        "\nstatus=%s\n",
                        t, mc->mib, mc->pass, mc->checked, rate, mc->bad, mc->first_bad, mc->sweeps,
                        status) != 0)
        perror(mc->status_file);
}

static const char usage[] = "usage: memcheck [-m MIB] [-r MIB_PER_S] [-t SECONDS] [-i INTERVAL]\n"
                            "                [-s STATUS_FILE] [-p PID_FILE] [-d]\n"
                            "       memcheck -w SECONDS -s STATUS_FILE -p PID_FILE\n"
                            "Rewrites MIB MiB page by page and reports pages that lost a write;\n"
                            "-w asks the running checker to verify every page now and prints its\n"
                            "status once it has.\n"
                            "Exit: 0 no lost write, 3 lost writes, 1 setup failure, 2 usage.\n";

/* Verify and rewrite page *i, then move on (a new pass after the last page). */
static void step(struct memcheck *mc, size_t *i)
{
    volatile uint64_t *pg = mc->mem + *i * WORDS;
    check_page(mc, pg, *i, mc->pass - 1);
    write_page(pg, *i, mc->pass);
    mc->checked++;
    if (++*i == mc->pages) {
        *i = 0;
        mc->pass++;
    }
}

/* The status file's sweeps= value; -1 when it cannot be read. */
static long long sweeps_of(const char *status_file)
{
    FILE *f = fopen(status_file, "r");
    char line[128];
    long long n = -1;
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "sweeps=", 7))
            n = atoll(line + 7);
    if (f)
        fclose(f);
    return n;
}

/* -w: ask the checker of pid_file for a sweep, wait for it, print the status file. */
static int ask_sweep(const char *status_file, const char *pid_file, double seconds)
{
    FILE *f = fopen(pid_file, "r");
    long pid = 0;
    if (!f || fscanf(f, "%ld", &pid) != 1 || pid <= 0) {
        fprintf(stderr, "memcheck: no checker pid in %s\n", pid_file);
        if (f)
            fclose(f);
        return 1;
    }
    fclose(f);
    long long before = sweeps_of(status_file);
    if (before < 0 || kill((pid_t)pid, SIGUSR1) != 0) {
        fprintf(stderr, "memcheck: cannot ask checker %ld for a sweep\n", pid);
        return 1;
    }
    double until = wl_now() + seconds;
    long long now = before;
    while ((now = sweeps_of(status_file)) <= before && wl_now() < until)
        wl_sleep(0.01);
    f = fopen(status_file, "r");
    for (int c; f && (c = getc(f)) != EOF;)
        putchar(c);
    if (f)
        fclose(f);
    return now > before ? 0 : 1;
}

/* Fill the pages with pass 0's signatures, so pass 1 can verify all of them. */
static int fill(struct memcheck *mc)
{
    size_t len = (size_t)(mc->mib * 1048576.0) / PAGE * PAGE;
    mc->pages = len / PAGE;
    mc->mem =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (mc->mem == MAP_FAILED) {
        perror("memcheck: mmap");
        return -1;
    }
    for (size_t i = 0; i < mc->pages; i++)
        write_page(mc->mem + i * WORDS, i, 0);
    mc->pass = 1;
    return 0;
}

int main(int argc, char **argv)
{
    struct memcheck mc = {.mib = 32, .interval = 1, .first_bad = -1};
    double wait = -1;
    const struct wl_opt opts[] = {{'m', WL_NUMBER, &mc.mib},
                                  {'r', WL_NUMBER, &mc.rate},
                                  {'t', WL_NUMBER, &mc.seconds},
                                  {'i', WL_NUMBER, &mc.interval},
                                  {'s', WL_STRING, &mc.status_file},
                                  {'w', WL_NUMBER, &wait},
                                  {0, 0, NULL}};
    struct wl_prog prog = {.name = "memcheck", .usage = usage, .opts = opts, .pid_letter = 'p'};
    if (wl_parse_options(&prog, argc, argv) != argc || mc.mib < 1 || mc.interval < 0.05)
        return wl_usage_error(&prog);
    if (wait >= 0) {
        if (!mc.status_file || !prog.pidfile || prog.detach)
            return wl_usage_error(&prog);
        return ask_sweep(mc.status_file, prog.pidfile, wait);
    }
    wl_catch_stop_signals();
    struct sigaction sa = {.sa_handler = on_sweep_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    wl_start(&prog);
    if (fill(&mc) < 0)
        return 1;

    double t0 = wl_now(), tlast = t0, now = t0;
    uint64_t done = 0, done_last = 0;
    report(&mc, 0, 0, 0);
    wl_ready();
    size_t i = 0;
    while (!wl_stop) {
        if (sweep_asked) {
            sweep_asked = 0;
            for (size_t k = 0; k < mc.pages; k++)
                step(&mc, &i);
            mc.sweeps++;
            now = wl_now();
            report(&mc, now - t0, mc.rate_seen, 0);
        }
        /* 256 pages (1 MiB) between looks at the clock */
        for (int b = 0; b < 256; b++)
            step(&mc, &i);
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
            mc.rate_seen = (double)(done - done_last) / 256.0 / (now - tlast);
            report(&mc, now - t0, mc.rate_seen, 0);
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
