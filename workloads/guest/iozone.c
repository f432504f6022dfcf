/* iozone — an IOZone-like file system workload: write, rewrite, read, reread, random
 * read and random write over one file, in records, round after round.
 *
 *   iozone [-s FILE_MIB] [-r RECORD_KIB] [-f DIR] [-T TESTS] [-D] [-e] [-i INTERVAL]
 *          [-t SECONDS] [-S STATUS_FILE] [-p PID_FILE] [-d] [-v]
 *
 * The file (default 64 MiB) lives in DIR: by default /mnt/scratch when it is a mount
 * point (the guest's scratch disk, booted with lab.scratch=1), else /tmp, which in the
 * lab's guest is the initramfs (RAM: its I/O is memory copies, and its pages count in
 * the guest's memory).  TESTS is a comma list of write, rewrite, read, reread,
 * randread, randwrite (default: all six, in that order), run in order and again until
 * the end; "write" creates the file anew (O_TRUNC) and every other test needs it to
 * exist, so a list without write writes it once first, unmeasured.  Each test moves
 * the whole file once: sequentially in records of RECORD_KIB (default 64), or as many
 * records at random offsets.  -D opens the file with O_DIRECT (the page cache is
 * bypassed; RECORD_KIB must be a multiple of 4 and the file system must support it:
 * tmpfs does not), -e adds an fsync at the end of each writing test (as IOZone's -e).
 *
 * Output (stdout), for the harness:
 *   iozone start dir=/mnt/scratch fs=ext2/3/4 file_mib=64 record_kib=64 direct=0 fsync=0
 *       tests=write,rewrite,... interval=1.000 wall=<unix time of t=0>
 *   iozone t=1.000 dt=1.000 phase=write mibs=83.2 bytes=87293952
 *       every INTERVAL seconds, and once more at the end for the last, shorter interval;
 *       phase is the test that ran in it, or "mixed" when tests changed within it
 *   iozone result round=1 phase=write mibs=80.4 seconds=0.796
 *       (-v only) when a test has moved the whole file: its throughput, as IOZone
 *       reports it
 *   iozone final t=60.001 bytes=... mibs=... write=... rewrite=... read=... reread=...
 *       randread=... randwrite=... rounds=3
 *       at the end: the mean throughput of all I/O, and each test's mean of its results
 *       (0 for a test with no complete result)
 * mibs are MiB (2^20 bytes) per second of wall time in the guest.
 * STATUS_FILE (-S; -s is the file size, as in IOZone), rewritten atomically with every
 * sample, key=value lines:
 *   pid= state=running|stopped t= phase= mibs= (of the last sample) bytes= (total) wall=
 *
 * -d detaches once set up (the file written when the first test is not write) and prints
 * the pid.  Ends on SIGTERM/SIGINT (within
 * one record) or after SECONDS (-t), and removes its file.  Exit status: 0, 1 setup or
 * I/O failure (the message names the file and the error), 2 bad usage. */
#include <stdint.h>
#include <sys/statfs.h>
#include <sys/uio.h>

#include "workload.h"

#define MIB 1048576.0

enum { T_WRITE, T_REWRITE, T_READ, T_REREAD, T_RANDREAD, T_RANDWRITE, T_COUNT };
static const char *const test_names[T_COUNT] = {"write",  "rewrite",  "read",
                                                "reread", "randread", "randwrite"};

struct iozone {
    const char *dir;
    char path[4096];
    size_t file_size, record;
    int direct, fsync_writes;
    int tests[T_COUNT * 4];
    int ntests;
    double interval, seconds;
    unsigned char *buf;
    uint64_t rng;
    double t0, tlast, next;
    unsigned long long bytes_total, bytes_sample;
    double result_sum[T_COUNT];
    int result_n[T_COUNT];
    int rounds;
    int phase, sample_phase; /* the test running; the test of the current sample, -1 mixed */
    int verbose;
    const char *status;
};

static int parse_tests(struct iozone *z, const char *list)
{
    char copy[256];
    if (snprintf(copy, sizeof(copy), "%s", list) >= (int)sizeof(copy))
        return -1;
    z->ntests = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int found = -1;
        for (int i = 0; i < T_COUNT; i++)
            if (!strcmp(tok, test_names[i]))
                found = i;
        if (!strcmp(tok, "all")) {
            for (int i = 0; i < T_COUNT && z->ntests < T_COUNT * 4; i++)
                z->tests[z->ntests++] = i;
            continue;
        }
        if (found < 0 || z->ntests == T_COUNT * 4)
            return -1;
        z->tests[z->ntests++] = found;
    }
    return z->ntests > 0 ? 0 : -1;
}

static const char *fs_name(const char *dir)
{
    struct statfs sf;
    if (statfs(dir, &sf) != 0)
        return "unknown";
    switch ((unsigned long)sf.f_type) {
    case 0x01021994:
        return "tmpfs";
    case 0x858458f6:
        return "ramfs";
    case 0xEF53:
        return "ext2/3/4";
    default:
        return "other";
    }
}

/* /mnt/scratch when something is mounted there, else /tmp. */
static const char *default_dir(void)
{
    struct stat a, b;
    if (stat("/mnt/scratch", &a) == 0 && stat("/mnt", &b) == 0 && a.st_dev != b.st_dev)
        return "/mnt/scratch";
    return "/tmp";
}

/* One sample: the I/O since the last one, labelled with its test, or "mixed" when tests
 * ended and began within it. */
static void sample(struct iozone *z, double now)
{
    double dt = now - z->tlast;
    if (dt < 1e-3)
        return;
    printf("iozone t=%.3f dt=%.3f phase=%s mibs=%.2f bytes=%llu\n", now - z->t0, dt,
           z->sample_phase >= 0 ? test_names[z->sample_phase] : "mixed",
           (double)z->bytes_sample / MIB / dt, z->bytes_sample);
    fflush(stdout);
    wl_write_status(z->status, "running", "t=%.3f\nphase=%s\nmibs=%.2f\nbytes=%llu\n", now - z->t0,
                    z->sample_phase >= 0 ? test_names[z->sample_phase] : "mixed",
                    (double)z->bytes_sample / MIB / dt, z->bytes_total);
    z->bytes_sample = 0;
    z->sample_phase = z->phase;
    z->tlast = now;
    while (z->next <= now)
        z->next += z->interval;
}

static int stop_now(struct iozone *z, double now, int measured)
{
    return wl_stop || (measured && z->seconds > 0 && now - z->t0 >= z->seconds);
}

/* One test over the whole file.  Returns 0 when it completed, 1 when stopped, -1 on an
 * I/O error (reported). */
static int run_test(struct iozone *z, int t, int measured)
{
    int writing = t == T_WRITE || t == T_REWRITE || t == T_RANDWRITE;
    int flags = t == T_WRITE ? O_WRONLY | O_CREAT | O_TRUNC : writing ? O_RDWR : O_RDONLY;
    if (z->direct)
        flags |= O_DIRECT;
    int fd = open(z->path, flags, 0600);
    if (fd < 0) {
        fprintf(stderr, "iozone: open %s: %s\n", z->path, strerror(errno));
        return -1;
    }
    size_t nrec = z->file_size / z->record;
    double start = wl_now();
    if (measured) {
        if (z->bytes_sample > 0 && z->sample_phase != t)
            z->sample_phase = -1;
        else
            z->sample_phase = t;
        z->phase = t;
    }
    int rc = 0;
    for (size_t i = 0; i < nrec; i++) {
        off_t off;
        if (t == T_RANDREAD || t == T_RANDWRITE)
            off = (off_t)(wl_random(&z->rng) % nrec * z->record);
        else
            off = (off_t)(i * z->record);
        if (writing)
            z->buf[i % z->record] ^= 1; /* every record written differs from the last */
        ssize_t n;
        do
            n = writing ? pwrite(fd, z->buf, z->record, off) : pread(fd, z->buf, z->record, off);
        while (n < 0 && errno == EINTR && !wl_stop);
        if (n != (ssize_t)z->record) {
            if (n < 0 && errno == EINTR)
                break; /* stopped */
            fprintf(stderr, "iozone: %s %s at %lld: %s\n", writing ? "write" : "read", z->path,
                    (long long)off, n < 0 ? strerror(errno) : "short transfer");
            rc = -1;
            break;
        }
        if (measured) {
            z->bytes_total += z->record;
            z->bytes_sample += z->record;
        }
        double now = wl_now();
        if (stop_now(z, now, measured)) {
            rc = 1;
            break;
        }
        if (measured && now >= z->next)
            sample(z, now);
    }
    if (rc == 0 && writing && z->fsync_writes && fsync(fd) != 0) {
        fprintf(stderr, "iozone: fsync %s: %s\n", z->path, strerror(errno));
        rc = -1;
    }
    if (close(fd) != 0 && rc == 0) {
        fprintf(stderr, "iozone: close %s: %s\n", z->path, strerror(errno));
        rc = -1;
    }
    double now = wl_now();
    if (measured && rc == 0 && now > start) {
        double mibs = (double)z->file_size / MIB / (now - start);
        z->result_sum[t] += mibs;
        z->result_n[t]++;
        if (z->verbose) {
            printf("iozone result round=%d phase=%s mibs=%.2f seconds=%.3f\n", z->rounds + 1,
                   test_names[t], mibs, now - start);
            fflush(stdout);
        }
    }
    return rc;
}

static const char usage[] =
    "usage: iozone [-s FILE_MIB] [-r RECORD_KIB] [-f DIR] [-T TESTS] [-D] [-e]\n"
    "              [-i INTERVAL] [-t SECONDS] [-S STATUS_FILE] [-p PID_FILE] [-d]\n"
    "              [-v]\n"
    "TESTS: comma list of write,rewrite,read,reread,randread,randwrite or all.\n"
    "Prints MiB/s every INTERVAL seconds (default 1) and per test.\n";

int main(int argc, char **argv)
{
    struct iozone z = {.file_size = 64 << 20, .record = 64 << 10, .interval = 1};
    const char *tests = "all";
    double mib = 64, kib = 64;
    const struct wl_opt opts[] = {{'s', WL_NUMBER, &mib},
                                  {'r', WL_NUMBER, &kib},
                                  {'f', WL_STRING, &z.dir},
                                  {'T', WL_STRING, &tests},
                                  {'D', WL_FLAG, &z.direct},
                                  {'e', WL_FLAG, &z.fsync_writes},
                                  {'i', WL_NUMBER, &z.interval},
                                  {'t', WL_NUMBER, &z.seconds},
                                  {'S', WL_STRING, &z.status},
                                  {'v', WL_FLAG, &z.verbose},
                                  {0, 0, NULL}};
    struct wl_prog prog = {.name = "iozone", .usage = usage, .opts = opts, .pid_letter = 'p'};
    if (wl_parse_options(&prog, argc, argv) != argc || parse_tests(&z, tests) != 0 || mib < 1 ||
        mib > 1048576 || kib < 1 || kib > 65536 || z.interval < 0.05)
        return wl_usage_error(&prog);
    z.record = (size_t)kib * 1024;
    z.file_size = (size_t)(mib * MIB) / z.record * z.record;
    if (z.file_size < z.record) {
        fprintf(stderr, "iozone: the file (-s) must hold at least one record (-r)\n");
        return 2;
    }
    if (z.direct && z.record % 4096) {
        fprintf(stderr, "iozone: -D (O_DIRECT) wants a record size that is a multiple of 4 KiB\n");
        return 2;
    }
    if (!z.dir)
        z.dir = default_dir();
    if (snprintf(z.path, sizeof(z.path), "%s/mb-iozone.%ld.dat", z.dir, (long)getpid()) >=
        (int)sizeof(z.path)) {
        fprintf(stderr, "iozone: -f: directory name too long\n");
        return 2;
    }
    wl_catch_stop_signals();
    wl_start(&prog);
    if (posix_memalign((void **)&z.buf, 4096, z.record) != 0) {
        fprintf(stderr, "iozone: no memory for a %zu-byte record\n", z.record);
        return 1;
    }
    for (size_t i = 0; i < z.record; i++)
        z.buf[i] = (unsigned char)(i * 131 + 7);
    z.rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid();
    /* named after the process that writes it (after -d, not the parent checked above) */
    snprintf(z.path, sizeof(z.path), "%s/mb-iozone.%ld.dat", z.dir, (long)getpid());
    /* can the file be made here, and opened the way the tests will? */
    int fd = open(z.path, O_WRONLY | O_CREAT | (z.direct ? O_DIRECT : 0), 0600);
    if (fd < 0) {
        if (errno == EINVAL && z.direct)
            fprintf(stderr, "iozone: %s (%s) does not support O_DIRECT (-D)\n", z.dir,
                    fs_name(z.dir));
        else
            fprintf(stderr, "iozone: create %s: %s\n", z.path, strerror(errno));
        unlink(z.path);
        return 1;
    }
    close(fd);
    /* every test but write needs the file: write it once, unmeasured, unless write is first */
    if (z.tests[0] != T_WRITE) {
        int rc = run_test(&z, T_WRITE, 0);
        if (rc != 0) {
            unlink(z.path);
            return rc < 0 ? 1 : 0;
        }
    }
    z.t0 = z.tlast = wl_now();
    z.next = z.t0 + z.interval;
    char list[256] = "";
    for (int i = 0; i < z.ntests; i++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? "," : "",
                 test_names[z.tests[i]]);
    printf("iozone start dir=%s fs=%s file_mib=%.0f record_kib=%.0f direct=%d fsync=%d tests=%s "
           "interval=%.3f wall=%.3f\n",
           z.dir, fs_name(z.dir), (double)z.file_size / MIB, (double)z.record / 1024, z.direct,
           z.fsync_writes, list, z.interval, wl_wall());
    fflush(stdout);
    wl_ready();

    int rc = 0;
    z.sample_phase = z.tests[0];
    while (rc == 0) {
        for (int i = 0; i < z.ntests && rc == 0; i++)
            rc = run_test(&z, z.tests[i], 1);
        if (rc == 0)
            z.rounds++;
    }
    unlink(z.path);
    double t = wl_now() - z.t0;
    sample(&z, z.t0 + t); /* the last, shorter interval: the samples add up to bytes */
    printf("iozone final t=%.3f bytes=%llu mibs=%.2f", t, z.bytes_total,
           t > 0 ? (double)z.bytes_total / MIB / t : 0.0);
    for (int i = 0; i < T_COUNT; i++)
        printf(" %s=%.2f", test_names[i], z.result_n[i] ? z.result_sum[i] / z.result_n[i] : 0.0);
    printf(" rounds=%d\n", z.rounds);
    fflush(stdout);
    wl_remove_pidfile(&prog);
    wl_write_status(z.status, "stopped", "t=%.3f\nmibs=%.2f\nbytes=%llu\nerror=%d\n", t,
                    t > 0 ? (double)z.bytes_total / MIB / t : 0.0, z.bytes_total, rc < 0);
    return rc < 0 ? 1 : 0;
}
