/* test_runner.c — campaigns carried out through the fake hypervisor and the fake SSH
 * backend: the runner's phases, its raw.csv rows and statuses, the strategies' order,
 * a failed migration as data, and a broken SSH session reopened once.
 *
 * Nothing leaves the machine: the guests have loopback addresses (127.0.0.x), so the
 * downtime probe's UDP stays on lo, and the hosts have no SSH address (the monitor reads
 * them through the fake hypervisor only). */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_ssh.c"
#include "fake_virt.c"
#include "results.h"
#include "run.h"
#include "runner.h"

static char tmpdir[] = "/tmp/mb-test-runner.XXXXXX";

/* ---- the hypervisor, serialised -------------------------------------------------- */

/* fake_virt keeps one table for every host; the runner calls it from the migration
 * workers and the monitor's thread at once, so each call holds this lock.  A migration
 * takes MIGRATE_MS outside it, so that parallel ones overlap. */
#define MIGRATE_MS 80
static pthread_mutex_t hv_mu = PTHREAD_MUTEX_INITIALIZER;
static int fail_migrations; /* the next this many migrations fail */
static int migrations;
/* repeat: auto: a migration after a max_downtime of WIDE_MS takes the next of wide_ms
 * (a spread no target is met with); the others take the fixed 90 ms */
#define WIDE_MS 400
static const double wide_ms[] = {50, 400, 120, 700};
static unsigned long long last_max_downtime;
static int wide_done;

#define LOCKED(call)                                                                               \
    do {                                                                                           \
        pthread_mutex_lock(&hv_mu);                                                                \
        int rc_ = (call);                                                                          \
        pthread_mutex_unlock(&hv_mu);                                                              \
        return rc_;                                                                                \
    } while (0)

static int l_list(void *conn, char ***names, struct mb_error *err)
{
    LOCKED(f_list(conn, names, err));
}

static char created[256]; /* "NAME@HOST " of every domain created */

/* When set, a create waits (up to 5 s) for one on the other host to be under way too:
 * overlapped says whether one saw that (the hosts' creates at once). */
static bool await_other_host, overlapped;
static int creating;             /* bit h: a create is under way on host h */
static pthread_cond_t create_cv; /* on the monotonic clock: hv_reset */

static int l_create(void *conn, const char *xml, void **dom, struct mb_error *err)
{
    pthread_mutex_lock(&hv_mu);
    int me = 1 << ((struct fake_conn *)conn)->host;
    if (await_other_host) {
        creating |= me;
        pthread_cond_broadcast(&create_cv);
        struct timespec until = mb_mono_deadline(mb_now_mono() + 5);
        while (creating != 3 && pthread_cond_timedwait(&create_cv, &hv_mu, &until) == 0)
            ;
        overlapped |= creating == 3;
    }
    int rc = f_create(conn, xml, dom, err);
    creating &= ~me;
    if (rc == MB_OK) {
        size_t n = strlen(created);
        snprintf(created + n, sizeof(created) - n, "%s@%c ", f_dom_name(*dom),
                 'A' + ((struct fake_conn *)conn)->host);
    }
    pthread_mutex_unlock(&hv_mu);
    return rc;
}

/* vms.start restore: a state file holds the domain's name; fail_save makes saves fail */
static int saves, restores, fail_save;

static int l_save(void *dom, const char *path, struct mb_error *err)
{
    if (fail_save)
        return mb_error_set(err, MB_EENV, "saving domain: no space left on device");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    pthread_mutex_lock(&hv_mu);
    fprintf(f, "%s", f_dom_name(dom));
    saves++;
    int rc = f_destroy(dom, err);
    pthread_mutex_unlock(&hv_mu);
    fclose(f);
    return rc;
}

static int l_restore(void *conn, const char *path, struct mb_error *err)
{
    char name[32] = "", xml[96];
    FILE *f = fopen(path, "r");
    if (!f)
        return mb_error_set(err, MB_EENV, "restoring domain: cannot open %s", path);
    assert_non_null(fgets(name, sizeof(name), f));
    fclose(f);
    snprintf(xml, sizeof(xml), "<domain><name>%s</name></domain>", name);
    void *h = NULL;
    pthread_mutex_lock(&hv_mu);
    int rc = f_create(conn, xml, &h, err);
    restores += rc == MB_OK;
    pthread_mutex_unlock(&hv_mu);
    fake_hv.dom_free(h);
    return rc;
}

static int l_lookup(void *conn, const char *name, void **dom, struct mb_error *err)
{
    LOCKED(f_lookup(conn, name, dom, err));
}

static int l_destroy(void *dom, struct mb_error *err)
{
    LOCKED(f_destroy(dom, err));
}

static int l_info(void *dom, struct mb_hv_dom_info *out, struct mb_error *err)
{
    LOCKED(f_info(dom, out, err));
}

static int l_set_max_downtime(void *dom, unsigned long long ms, struct mb_error *err)
{
    pthread_mutex_lock(&hv_mu);
    last_max_downtime = ms;
    pthread_mutex_unlock(&hv_mu);
    LOCKED(f_set_max_downtime(dom, ms, err));
}

static int l_completed_job(void *dom, struct mb_job_stats *out, struct mb_error *err)
{
    LOCKED(f_completed_job(dom, out, err));
}

static int l_memory_stats(void *dom, struct mb_hv_mem_stats *out, struct mb_error *err)
{
    LOCKED(f_memory_stats(dom, out, err));
}

static int l_migrate(void *dom, const struct mb_hv_migrate_opts *o, struct mb_error *err)
{
    struct timespec ts = {0, MIGRATE_MS * 1000000L};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&hv_mu);
    migrations++;
    int fail = fail_migrations > 0;
    if (fail)
        fail_migrations--;
    pthread_mutex_unlock(&hv_mu);
    if (fail)
        return mb_error_set(err, MB_EFAILED, "migration to %s: %s", o->dest_uri, fake.fail_msg);
    pthread_mutex_lock(&hv_mu);
    fake.dest_stats.total_ms = last_max_downtime == WIDE_MS ? wide_ms[wide_done++ % 4] : 90;
    pthread_mutex_unlock(&hv_mu);
    LOCKED(f_migrate(dom, o, err));
}

static struct mb_hv_ops runner_hv;

/* fake_virt's table with the calls above; no JOB_COMPLETED events (one watch slot
 * cannot serve parallel migrations): the statistics come from the destination. */
static void hv_reset(void)
{
    fake_reset();
    fake.doms[0].used = false; /* a hand-started "vm1" would hold vm1's address */
    fake.watch_unsupported = true;
    fake.dest_stats.total_ms = 90;
    fake.dest_stats.downtime_ms = 12;
    fake.dest_stats.missing &= ~(unsigned)(MB_JOB_TOTAL | MB_JOB_DOWNTIME);
    runner_hv = fake_hv;
    runner_hv.list = l_list;
    runner_hv.create = l_create;
    runner_hv.save = l_save;
    runner_hv.restore = l_restore;
    saves = restores = fail_save = 0;
    runner_hv.lookup = l_lookup;
    runner_hv.destroy = l_destroy;
    runner_hv.info = l_info;
    runner_hv.set_max_downtime = l_set_max_downtime;
    runner_hv.completed_job = l_completed_job;
    runner_hv.memory_stats = l_memory_stats;
    runner_hv.migrate = l_migrate;
    fail_migrations = migrations = wide_done = 0;
    last_max_downtime = 0;
    created[0] = '\0';
    await_other_host = overlapped = false;
    creating = 0;
    static bool cv_ready;
    if (!cv_ready)
        mb_cond_init_mono(&create_cv);
    cv_ready = true;
}

/* ---- the guests ------------------------------------------------------------------ */

static int breaks;                       /* the next this many status reads break the transport */
static const char *breaker;              /* ... of the guest at this address */
static long long pages;                  /* the integrity checker's count of verified pages */
static const char *const *sweep_answers; /* when set, the sweeps' answers in turn */

/* Guests answer every command; each sweep the integrity checker is asked for verifies
 * a whole pass (16 MiB = 4096 pages). */
static int guest_script(const char *sess, const char *cmd, struct mb_remote_result *res,
                        struct mb_error *err)
{
    res->exit_status = 0;
    if (strncmp(cmd, "memcheck -w ", 12) != 0)
        return MB_OK;
    if (breaks > 0 && !strcmp(sess, breaker)) {
        breaks--;
        return mb_error_set(err, MB_EENV, "ssh %s: connection reset by peer", sess);
    }
    if (sweep_answers && *sweep_answers) {
        const char *a = *sweep_answers++;
        mb_remote_capture(&res->out, a, strlen(a), &res->out_truncated);
        return MB_OK;
    }
    pages += 4096;
    char status[128];
    snprintf(status, sizeof(status), "status=ok\nbad=0\npages=%lld\nmib=16\n", pages);
    mb_remote_capture(&res->out, status, strlen(status), &res->out_truncated);
    return MB_OK;
}

static void ssh_reset(void)
{
    fake_ssh_reset();
    fake_ssh.script = guest_script;
    breaks = 0;
    breaker = "127.0.0.11";
    sweep_answers = NULL;
}

/* ---- files ------------------------------------------------------------------------ */

static char *write_file_at(const char *dir, const char *name, const char *text)
{
    char *path = mb_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static char *write_file(const char *name, const char *text)
{
    char *path = mb_xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(tmpdir));
    free(write_file("id_ed25519", "not a real key\n"));
    char *kh = mb_xasprintf("%s/known_hosts", tmpdir);
    FILE *f = fopen(kh, "w");
    assert_non_null(f);
    for (int n = 11; n <= 14; n++) {
        char ip[16], enc[128];
        unsigned char blob[64];
        snprintf(ip, sizeof(ip), "127.0.0.%d", n);
        fake_b64(blob, fake_host_key(ip, blob), enc);
        fprintf(f, "%s ssh-ed25519 %s\n", ip, enc);
    }
    fclose(f);
    free(kh);
    free(write_file("testbed.yaml", "name: fake\n"
                                    "hosts:\n"
                                    "  hostA: {uri: 'fake://A', cpus: 0-1}\n"
                                    "  hostB: {uri: 'fake://B', cpus: 0-1}\n"
                                    "guest:\n"
                                    "  kernel: vmlinuz\n"
                                    "  initrd: initrd.img\n"
                                    "  ssh: {key: id_ed25519, known_hosts: known_hosts}\n"
                                    "  network: {first_ip: 127.0.0.11, prefix: 8}\n"
                                    "  disk_dir: disks\n"));
    char *disks = mb_xasprintf("%s/disks", tmpdir);
    assert_int_equal(mkdir(disks, 0755), 0);
    free(disks);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* the campaigns' lock on the testbed (runner.c: lock_testbed) */
    char *tb = mb_xasprintf("%s/testbed.yaml", tmpdir);
    char lock[128];
    snprintf(lock, sizeof(lock), "/tmp/migbench-testbed-%016llx.lock",
             (unsigned long long)mb_fnv1a64(MB_FNV1A64_BASIS, tb));
    assert_int_equal(unlink(lock), 0);
    free(tb);
    char *cmd = mb_xasprintf("rm -rf %s", tmpdir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return 0;
}

/* ---- a campaign and its rows ------------------------------------------------------ */

struct row {
    char run_id[32], vm[8], status[12], strategy[32], batch[4], error[200], integrity[12];
    char probe_downtime[32];
    char zero_pages[8], convergence[8], precopy_stop[12];
    double makespan, wall;
};

struct rows {
    struct row r[16];
    int n;
};

static int take_row(void *ctx, const struct mb_results_rec *rec, struct mb_error *err)
{
    (void)err;
    struct rows *rs = ctx;
    assert_true(rs->n < 16);
    struct row *r = &rs->r[rs->n++];
    const char *const *f = (const char *const *)rec->fields;
    const int *col = rec->hdr->col;
    snprintf(r->run_id, sizeof(r->run_id), "%s", f[col[MB_COL_RUN_ID]]);
    snprintf(r->vm, sizeof(r->vm), "%s", f[col[MB_COL_VM]]);
    snprintf(r->status, sizeof(r->status), "%s", f[col[MB_COL_STATUS]]);
    snprintf(r->strategy, sizeof(r->strategy), "%s", f[col[MB_COL_STRATEGY]]);
    snprintf(r->batch, sizeof(r->batch), "%s", f[col[MB_COL_BATCH]]);
    snprintf(r->integrity, sizeof(r->integrity), "%s", f[col[MB_COL_INTEGRITY]]);
    snprintf(r->probe_downtime, sizeof(r->probe_downtime), "%s", f[col[MB_COL_PROBE_DOWNTIME_MS]]);
    snprintf(r->error, sizeof(r->error), "%s", f[col[MB_COL_ERROR]]);
    snprintf(r->zero_pages, sizeof(r->zero_pages), "%s", f[col[MB_COL_ZERO_PAGES]]);
    snprintf(r->convergence, sizeof(r->convergence), "%s", f[col[MB_COL_CONVERGENCE]]);
    snprintf(r->precopy_stop, sizeof(r->precopy_stop), "%s", f[col[MB_COL_PRECOPY_STOP]]);
    r->makespan = atof(f[col[MB_COL_BATCH_MAKESPAN_MS]]);
    r->wall = atof(f[col[MB_COL_WALL_TIME_MS]]);
    return 0;
}

/* Run the scenario `body` (after the lines every test shares) through the fakes; the
 * campaign's return, its summary and its raw.csv rows. */
static int campaign_in(const char *resume, const char *name, const char *body,
                       struct mb_runner_summary *sum, struct rows *rows);

static int campaign(const char *name, const char *body, struct mb_runner_summary *sum,
                    struct rows *rows)
{
    return campaign_in(NULL, name, body, sum, rows);
}

/* The same, or (resume not NULL) the campaign in that results directory resumed. */
static int campaign_in(const char *resume, const char *name, const char *body,
                       struct mb_runner_summary *sum, struct rows *rows)
{
    char *text = mb_xasprintf(
        "name: %s\n"
        "testbed: testbed.yaml\n"
        "%s%s%s",
        name, strstr(body, "windows:") ? "" : "windows: {warmup: 0, baseline: 0, after: 0}\n",
        strstr(body, "probe:") ? "" : "probe: {interval: 50ms}\n", body);
    char file[64];
    snprintf(file, sizeof(file), "%s.yaml", name);
    char *scen = write_file(file, text);
    char *out = mb_xasprintf("%s/results", tmpdir);
    /* a resumed campaign's copy of the scenario is elsewhere: its testbed is named */
    char *tb = mb_xasprintf("%s/testbed.yaml", tmpdir);
    struct mb_runner_opts o = {.scenario = scen,
                               .resume_dir = resume,
                               .testbed = resume ? tb : NULL,
                               .out_base = out,
                               .progress = MB_PROGRESS_QUIET,
                               .hv_ops = &runner_hv,
                               .ssh_ops = &fake_remote};
    struct mb_error err;
    mb_error_clear(&err);
    int rc = mb_runner_campaign(&o, sum, &err);
    if (rc < 0)
        print_error("campaign: %s\n", err.msg);
    memset(rows, 0, sizeof(*rows));
    if (sum->dir[0]) {
        char *raw = mb_xasprintf("%s/raw.csv", sum->dir);
        assert_int_equal(mb_results_read(raw, take_row, rows, NULL, &err), 0);
        free(raw);
    }
    free(tb);
    free(out);
    free(scen);
    free(text);
    return rc;
}

/* The rows of the runs done with strategy s. */
static int rows_of(const struct rows *rs, const char *s, const struct row **out)
{
    int n = 0;
    for (int i = 0; i < rs->n; i++)
        if (!strcmp(rs->r[i].strategy, s))
            out[n++] = &rs->r[i];
    return n;
}

/* The text of a results directory's file. */
static char *slurp(const char *dir, const char *name)
{
    char *path = mb_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    free(path);
    return mb_xstrdup(buf);
}

/* Keep the header and the first n rows of a raw.csv (one line each here). */
static void keep_rows(const char *dir, int n)
{
    char *text = slurp(dir, "raw.csv");
    char *p = text;
    for (int i = 0; i <= n; i++)
        p = strchr(p, '\n') + 1;
    *p = '\0';
    free(write_file_at(dir, "raw.csv", text));
    free(text);
}

/* ---- the tests -------------------------------------------------------------------- */

/* Two VMs one after the other and both at once: every row ok; sequential in batches 1
 * and 2 over a makespan of both migrations, parallel in one batch that overlaps. */
static void test_sequential_and_parallel(void **state)
{
    (void)state;
    hv_reset();
    ssh_reset();
    struct mb_runner_summary sum;
    struct rows rs;
    int rc = campaign("strategies",
                      "repeat: 1\n"
                      "vms: {count: 2, memory: 128MiB, workload: idle}\n"
                      "migration: {strategy: [sequential, parallel]}\n",
                      &sum, &rs);
    assert_int_equal(rc, 0);
    assert_int_equal(sum.runs, 2);
    assert_int_equal(sum.done, 2);
    assert_int_equal(sum.failed, 0);
    assert_int_equal(rs.n, 4);
    assert_int_equal(migrations, 4);
    for (int i = 0; i < rs.n; i++)
        assert_string_equal(rs.r[i].status, "ok");
    const struct row *seq[4], *par[4];
    assert_int_equal(rows_of(&rs, "sequential", seq), 2);
    assert_int_equal(rows_of(&rs, "parallel", par), 2);
    assert_string_equal(seq[0]->batch, "1");
    assert_string_equal(seq[1]->batch, "2");
    assert_true(seq[0]->makespan >= (seq[0]->wall + seq[1]->wall) * 0.95);
    assert_string_equal(par[0]->batch, "1");
    assert_string_equal(par[1]->batch, "1");
    assert_true(par[0]->makespan < par[0]->wall + par[1]->wall);
    assert_true(par[0]->makespan >= MIGRATE_MS * 0.9);
    /* every guest destroyed, wherever it went */
    for (int i = 0; i < 8; i++)
        assert_false(fake.doms[i].used);
}

/* A migration that fails is its row's status and error; the campaign goes on and the
 * next run is ok. */
static void test_failed_migration_is_a_row(void **state)
{
    (void)state;
    hv_reset();
    ssh_reset();
    fail_migrations = 1;
    struct mb_runner_summary sum;
    struct rows rs;
    int rc = campaign("failure",
                      "repeat: 2\n"
                      "vms: {count: 1, memory: 128MiB, workload: idle}\n",
                      &sum, &rs);
    assert_int_equal(rc, 0);
    assert_int_equal(sum.done, 2);
    assert_int_equal(sum.failed, 1);
    assert_int_equal(rs.n, 2);
    assert_string_equal(rs.r[0].status, "failed");
    assert_non_null(strstr(rs.r[0].error, "qemu unexpectedly closed the monitor"));
    assert_string_equal(rs.r[1].status, "ok");
    assert_string_equal(rs.r[1].error, "");
    assert_string_not_equal(rs.r[0].run_id, rs.r[1].run_id);
}

/* Each row says which zero-page and convergence rules were in force; a zero_pages send
 * the source's QEMU cannot do is a failed row, not attempted, with nothing in force. */
static void test_rows_record_zero_pages_and_convergence(void **state)
{
    (void)state;
    hv_reset();
    ssh_reset();
    struct mb_runner_summary sum;
    struct rows rs;
    int rc = campaign("physics",
                      "repeat: 1\n"
                      "vms: {count: 1, memory: 128MiB, workload: idle}\n"
                      "migration: {zero_pages: [detect, send], convergence: [qemu, xen33]}\n",
                      &sum, &rs);
    assert_int_equal(rc, 0);
    assert_int_equal(rs.n, 4);
    static const char *const want[4][3] = {
        {"detect", "qemu", ""},
        {"detect", "xen33", "none"}, /* the fake's job converged before any rule fired */
        {"send", "qemu", ""},
        {"send", "xen33", "none"},
    };
    for (int i = 0; i < 4; i++) {
        assert_string_equal(rs.r[i].status, "ok");
        assert_string_equal(rs.r[i].zero_pages, want[i][0]);
        assert_string_equal(rs.r[i].convergence, want[i][1]);
        assert_string_equal(rs.r[i].precopy_stop, want[i][2]);
    }

    hv_reset();
    ssh_reset();
    snprintf(fake.hypervisor, sizeof(fake.hypervisor), "QEMU 8.2.2");
    rc = campaign("physics-old-qemu",
                  "repeat: 1\n"
                  "vms: {count: 1, memory: 128MiB, workload: idle}\n"
                  "migration: {zero_pages: [detect, send]}\n",
                  &sum, &rs);
    assert_int_equal(rc, 0);
    assert_int_equal(rs.n, 2);
    assert_string_equal(rs.r[0].status, "ok");
    assert_string_equal(rs.r[0].zero_pages, "detect");
    assert_string_equal(rs.r[1].status, "failed");
    assert_string_equal(rs.r[1].zero_pages, "");
    assert_non_null(strstr(rs.r[1].error, "needs QEMU 9.0 or later"));
    assert_non_null(strstr(rs.r[1].error, "QEMU 8.2.2"));
    assert_int_equal(migrations, 1); /* the refused one never started */
}

/* A kept session that breaks is reopened once and the command done again: the run is
 * ok.  When the new session breaks too, the guest is lost: that VM's row fails. */
static void test_ssh_reopened_once(void **state)
{
    (void)state;
    static const char body[] = "repeat: 1\nvms: {count: 2, memory: 128MiB, workload: idle}\n";
    struct mb_runner_summary sum;
    struct rows rs;

    hv_reset();
    ssh_reset();
    breaks = 1;
    assert_int_equal(campaign("reopen", body, &sum, &rs), 0);
    assert_int_equal(sum.failed, 0);
    assert_int_equal(rs.n, 2);
    assert_string_equal(rs.r[0].status, "ok");
    assert_string_equal(rs.r[1].status, "ok");
    assert_int_equal(breaks, 0);
    assert_int_equal(fake_ssh.connects, 3); /* one per guest after boot, one reopened */
    assert_int_equal(fake_ssh.closes, 3);

    hv_reset();
    ssh_reset();
    breaks = 2;
    assert_int_equal(campaign("break-twice", body, &sum, &rs), 0);
    assert_int_equal(sum.failed, 1);
    assert_int_equal(rs.n, 2);
    assert_string_equal(rs.r[0].vm, "vm1");
    assert_string_equal(rs.r[0].status, "failed");
    assert_non_null(strstr(rs.r[0].error, "guest unreachable after the migration"));
    assert_non_null(strstr(rs.r[0].error, "connection reset by peer"));
    assert_string_equal(rs.r[1].status, "ok");
    assert_int_equal(fake_ssh.connects, 3); /* the reopened session broke: no third try */
}

/* A guest that loses writes may lose its checker, or the sweep's own process, with them
 * (QEMU 7.2 under TCG does both): the checker's last report still counts the lost
 * writes, and the hop is corrupt; a failed sweep with nothing new counted is no verdict,
 * never ok. */
static void test_lost_checker_still_tells(void **state)
{
    (void)state;
    static const char *const answers[] = {
        "pid=7\nstate=running\nbad=0\nfirst_bad_page=-1\nsweeps=1\nstatus=ok\n",
        "sweep_failed=139\nmemcheck t=3.3 mib=128 passes=430 bad=42 status=corrupt\n",
        "sweep_failed=1\nmemcheck t=3.3 mib=128 passes=430 bad=42 status=corrupt\n",
        "pid=7\nstate=running\nbad=0\nsweeps=2\nstatus=ok\nsweep_failed=1\n", NULL};
    struct mb_runner_summary sum;
    struct rows rs;
    hv_reset();
    ssh_reset();
    sweep_answers = answers;
    assert_int_equal(campaign("lost-checker",
                              "repeat: 1\nvms: {count: 1, memory: 128MiB, workload: dirty}\n"
                              "migration: {hops: 4}\n",
                              &sum, &rs),
                     0);
    assert_int_equal(rs.n, 4);
    assert_string_equal(rs.r[0].status, "ok");
    assert_string_equal(rs.r[0].integrity, "ok");
    assert_string_equal(rs.r[1].status, "corrupt");
    assert_string_equal(rs.r[1].integrity, "corrupt");
    assert_non_null(strstr(rs.r[1].error, "42 pages lost a write"));
    for (int i = 2; i < 4; i++) {
        assert_string_equal(rs.r[i].status, "failed");
        assert_string_equal(rs.r[i].integrity, "unchecked");
        assert_non_null(strstr(rs.r[i].error, "its sweep failed (exit 1"));
    }
}

/* A resident VM boots and starts by the migrating VMs' path, on the destination: its
 * domain and session, and the rows name its workload. */
static void test_resident_boots_like_a_vm(void **state)
{
    (void)state;
    hv_reset();
    ssh_reset();
    await_other_host = true;
    struct mb_runner_summary sum;
    struct rows rs;
    int rc = campaign("resident",
                      "repeat: 1\n"
                      "vms: {count: 1, memory: 128MiB, workload: idle}\n"
                      "colocation: {workload: idle}\n",
                      &sum, &rs);
    assert_int_equal(rc, 0);
    assert_int_equal(sum.failed, 0);
    assert_int_equal(rs.n, 1);
    assert_string_equal(rs.r[0].status, "ok");
    /* each on its host, the two hosts at once: in either order */
    assert_int_equal(strlen(created), strlen("mbr-vm1@A mbr-res1@B "));
    assert_non_null(strstr(created, "mbr-vm1@A "));
    assert_non_null(strstr(created, "mbr-res1@B "));
    assert_true(overlapped);
    assert_int_equal(fake_ssh.connects, 2); /* vm1 and res1 answered after boot */
    for (int i = 0; i < 8; i++)
        assert_false(fake.doms[i].used);
}

/* What the guests were asked, in order: W = an integrity sweep, S = a workload's stop
 * (its pid file's kill), each with the guest's address. */
static char asked[512];

static int asking_script(const char *sess, const char *cmd, struct mb_remote_result *res,
                         struct mb_error *err)
{
    size_t n = strlen(asked);
    if (!strncmp(cmd, "memcheck -w ", 12))
        snprintf(asked + n, sizeof(asked) - n, "W%s ", sess + strlen(sess) - 2);
    else if (strstr(cmd, "kill -TERM"))
        snprintf(asked + n, sizeof(asked) - n, "S%s ", sess + strlen(sess) - 2);
    return guest_script(sess, cmd, res, err);
}

/* The workloads run through every hop; after the last hop's window after they stop, on
 * the migrated VM and the resident alike, before its sweep (nothing is measured from
 * then on, and the sweep has the guest to itself). */
static void test_workloads_stop_before_last_sweep(void **state)
{
    (void)state;
    hv_reset();
    ssh_reset();
    fake_ssh.script = asking_script;
    asked[0] = '\0';
    struct mb_runner_summary sum;
    struct rows rs;
    int rc = campaign("stop-first",
                      "repeat: 1\n"
                      "vms: {count: 1, memory: 128MiB, workload: sysbench}\n"
                      "colocation: {workload: sysbench}\n"
                      "migration: {hops: 2}\n",
                      &sum, &rs);
    assert_int_equal(rc, 0);
    assert_int_equal(rs.n, 2);
    /* vm1 is .11, res1 .12: a sweep after hop 1, both stopped, the sweep after hop 2 */
    assert_string_equal(asked, "W11 S11 S12 W11 ");
    for (int i = 0; i < 2; i++)
        assert_string_equal(rs.r[i].status, "ok");
}

/* Files in the testbed's guest.disk_dir. */
static int disk_files(void)
{
    char *path = mb_xasprintf("%s/disks", tmpdir);
    DIR *d = opendir(path);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    free(path);
    return n;
}

/* vms.start: boot (the default) boots every run's guest; restore boots it in the first
 * run, saves it once it answers (no session open: a second connect) and restores it,
 * and every later run restores it; the state file goes with the campaign.  A save that
 * fails, or a backend without saves, leaves the campaign booting. */
static void test_guests_restored(void **state)
{
    (void)state;
    struct mb_runner_summary sum;
    struct rows rs;
    hv_reset();
    ssh_reset();
    assert_int_equal(campaign("booted", "repeat: 2\nvms: {count: 1, memory: 128MiB}\n", &sum, &rs),
                     0);
    assert_int_equal(sum.failed, 0);
    assert_string_equal(created, "mbr-vm1@A mbr-vm1@A ");
    assert_int_equal(saves + restores, 0);

    hv_reset();
    ssh_reset();
    assert_int_equal(campaign("restored",
                              "repeat: 3\nvms: {count: 1, memory: 128MiB, start: restore}\n", &sum,
                              &rs),
                     0);
    assert_int_equal(sum.failed, 0);
    assert_int_equal(rs.n, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(rs.r[i].status, "ok");
    assert_string_equal(created, "mbr-vm1@A ");
    assert_int_equal(saves, 1);
    assert_int_equal(restores, 3);
    assert_int_equal(fake_ssh.connects, 4); /* boot, after its restore, the two runs' */
    assert_int_equal(disk_files(), 0);
    for (int i = 0; i < 8; i++)
        assert_false(fake.doms[i].used);

    hv_reset();
    ssh_reset();
    fail_save = 1;
    assert_int_equal(campaign("unsaved",
                              "repeat: 2\nvms: {count: 1, memory: 128MiB, start: restore}\n", &sum,
                              &rs),
                     0);
    assert_int_equal(sum.failed, 0);
    assert_string_equal(created, "mbr-vm1@A mbr-vm1@A ");
    assert_int_equal(saves + restores, 0);
    assert_int_equal(disk_files(), 0);

    /* a backend that cannot save: the same, without trying */
    hv_reset();
    ssh_reset();
    runner_hv.save = NULL;
    assert_int_equal(campaign("nosave",
                              "repeat: 2\nvms: {count: 1, memory: 128MiB, start: restore}\n", &sum,
                              &rs),
                     0);
    assert_int_equal(sum.failed, 0);
    assert_string_equal(created, "mbr-vm1@A mbr-vm1@A ");
    assert_int_equal(fake_ssh.connects, 2);
}

/* With the checker and the probe off (integrity.memory: 0, probe.interval: 0) no agent
 * but the echo responder starts; a guest that answers after its migration is ok, its
 * integrity "unchecked" and its probe downtime empty. */
static void test_agents_off(void **state)
{
    (void)state;
    hv_reset();
    ssh_reset();
    struct mb_runner_summary sum;
    struct rows rs;
    int rc = campaign("agents-off",
                      "repeat: 1\n"
                      "vms: {count: 1, memory: 128MiB, workload: idle}\n"
                      "probe: {interval: 0}\n"
                      "integrity: {memory: 0}\n",
                      &sum, &rs);
    assert_int_equal(rc, 0);
    assert_int_equal(sum.failed, 0);
    assert_int_equal(rs.n, 1);
    assert_string_equal(rs.r[0].status, "ok");
    assert_string_equal(rs.r[0].integrity, "unchecked");
    assert_string_equal(rs.r[0].probe_downtime, "");
    assert_null(strstr(fake_ssh.last_cmd, "memcheck"));
}

/* The phases one by one: prepare names and addresses the guests; boot creates their
 * domains on the source; teardown destroys them. */
static void test_phases_boot_and_teardown(void **state)
{
    (void)state;
    hv_reset();
    ssh_reset();
    struct mb_runner_summary sum;
    struct rows rs;
    /* a campaign to have a scenario, plan, testbed and results open: then its first
     * run's phases again, by hand */
    assert_int_equal(campaign("phases", "repeat: 1\nvms: {count: 2, memory: 128MiB}\n", &sum, &rs),
                     0);
    struct mb_error err;
    mb_error_clear(&err);
    char *scen = mb_xasprintf("%s/phases.yaml", tmpdir);
    struct mb_runner_opts o = {.hv_ops = &runner_hv, .ssh_ops = &fake_remote};
    struct mb_campaign c = {.o = &o};
    c.s = mb_scenario_load(scen, &err);
    assert_non_null(c.s);
    c.plan = mb_plan_new(c.s, &err);
    assert_non_null(c.plan);
    char *tb = mb_xasprintf("%s/testbed.yaml", tmpdir);
    c.tb = mb_testbed_load(tb, &err);
    assert_non_null(c.tb);
    struct mb_hv *hv[2] = {0};
    c.hv = hv;
    c.dir = sum.dir;

    struct mb_run_state st;
    mb_run_prepare(&c, &c.plan->runs[0], &st);
    assert_int_equal(st.nvms, 2);
    assert_int_equal(st.nres, 0);
    assert_int_equal(st.src, 0);
    assert_int_equal(st.dst, 1);
    assert_string_equal(st.vms[1].name, "mbr-vm2");
    assert_string_equal(st.vms[1].ip, "127.0.0.12");
    mb_run_boot(&st);
    assert_true(st.vms[0].started && st.vms[1].started);
    char **names = NULL;
    assert_int_equal(mb_hv_list(hv[0], &names, &err), 0);
    assert_string_equal(names[0], "mbr-vm1");
    assert_string_equal(names[1], "mbr-vm2");
    mb_hv_names_free(names);
    mb_run_start_guests(&st);
    assert_true(st.vms[0].reachable && st.vms[1].reachable);
    assert_non_null(strstr(fake_ssh.last_cmd, "udpecho -d -p 7777"));
    assert_non_null(strstr(fake_ssh.last_cmd, "memcheck -d -m 4 -r 4 -i 0.25 "));
    /* stopped before any hop: nothing is written, everything destroyed */
    volatile sig_atomic_t stop = 1;
    o.stop = &stop;
    assert_int_equal(mb_run_teardown(&st, &err), MB_EINTR);
    for (int i = 0; i < 8; i++)
        assert_false(fake.doms[i].used);
    mb_hv_close(hv[0]);
    mb_hv_close(hv[1]);
    mb_testbed_free(c.tb);
    mb_plan_free(c.plan);
    mb_scenario_free(c.s);
    free(tb);
    free(scen);
}

static const char auto_body[] = "repeat: auto\n"
                                "precision: {target: 10%, min_runs: 3, max_runs: 5}\n"
                                "order: interleaved\n"
                                "vms: {count: 1, memory: 128MiB, workload: idle}\n"
                                "migration: {max_downtime: [300ms, 400ms]}\n";

/* repeat: auto, interleaved: the steady point is done at min_runs (3 runs), the wide one
 * runs to the cap (5), the rounds giving one run to each point not yet done; the runs
 * each took, and why they stopped, are in metadata.json. */
static void test_auto_converges_and_caps(void **state)
{
    (void)state;
    hv_reset();
    ssh_reset();
    struct mb_runner_summary sum;
    struct rows rs;
    assert_int_equal(campaign("auto", auto_body, &sum, &rs), 0);
    assert_int_equal(sum.done, 8);
    assert_int_equal(sum.runs, 8);
    assert_int_equal(sum.failed, 0);
    assert_int_equal(rs.n, 8);
    static const char *const want[] = {"-r1", "-r1", "-r2", "-r2", "-r3", "-r3", "-r4", "-r5"};
    for (int i = 0; i < 8; i++)
        assert_non_null(strstr(rs.r[i].run_id, want[i]));
    /* after the third round only the wide point runs */
    assert_memory_equal(rs.r[6].run_id, rs.r[5].run_id, 12);
    assert_memory_equal(rs.r[7].run_id, rs.r[5].run_id, 12);
    char *meta = slurp(sum.dir, "metadata.json");
    assert_non_null(strstr(meta, "\"repeat_auto\": {\"precision_pct\": 10"));
    assert_non_null(strstr(meta, "\"runs\": 3, \"ok\": 3, \"state\": \"met\", "
                                 "\"width_pct\": {\"total_time_ms\": 0.00"));
    assert_non_null(strstr(meta, "\"runs\": 5, \"ok\": 5, \"state\": \"cap\""));
    free(meta);
}

/* A resumed repeat: auto campaign judges the runs already in raw.csv: cut back to the
 * first five runs (the steady point's three, the wide one's two), it runs only the wide
 * point's three left; resumed again when done, it runs nothing. */
static void test_auto_resume_mid_point(void **state)
{
    (void)state;
    hv_reset();
    ssh_reset();
    struct mb_runner_summary sum;
    struct rows rs;
    assert_int_equal(campaign("autoresume", auto_body, &sum, &rs), 0);
    assert_int_equal(rs.n, 8);
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", sum.dir);
    keep_rows(dir, 5);
    hv_reset();
    assert_int_equal(campaign_in(dir, "autoresume", auto_body, &sum, &rs), 0);
    assert_int_equal(sum.skipped, 5);
    assert_int_equal(sum.done, 3);
    assert_int_equal(migrations, 3);
    assert_int_equal(rs.n, 8);
    for (int i = 5; i < 8; i++)
        assert_memory_equal(rs.r[i].run_id, rs.r[1].run_id, 12); /* the wide point's */
    assert_non_null(strstr(rs.r[7].run_id, "-r5"));
    hv_reset();
    assert_int_equal(campaign_in(dir, "autoresume", auto_body, &sum, &rs), 0);
    assert_int_equal(sum.done, 0);
    assert_int_equal(sum.skipped, 8);
    assert_int_equal(migrations, 0);
    char *meta = slurp(dir, "metadata.json");
    assert_non_null(strstr(meta, "\"state\": \"met\""));
    assert_non_null(strstr(meta, "\"runs\": 5, \"ok\": 5, \"state\": \"cap\""));
    free(meta);
}

/* Failed runs count toward the cap, not toward min_runs: two failures, then two steady
 * runs, and the point stops at the cap of 4 with 2 ok, short of the 3 it needed. */
static void test_auto_failures_count_to_cap(void **state)
{
    (void)state;
    hv_reset();
    ssh_reset();
    fail_migrations = 2;
    struct mb_runner_summary sum;
    struct rows rs;
    assert_int_equal(campaign("autofail",
                              "repeat: auto\n"
                              "precision: {min_runs: 3, max_runs: 4}\n"
                              "vms: {count: 1, memory: 128MiB, workload: idle}\n",
                              &sum, &rs),
                     0);
    assert_int_equal(sum.done, 4);
    assert_int_equal(sum.failed, 2);
    assert_int_equal(rs.n, 4);
    assert_string_equal(rs.r[0].status, "failed");
    assert_string_equal(rs.r[3].status, "ok");
    char *meta = slurp(sum.dir, "metadata.json");
    assert_non_null(strstr(meta, "\"runs\": 4, \"ok\": 2, \"state\": \"cap\""));
    free(meta);
}

/* Each run's time is charged to its phases: the warm-up to windows, the migrations'
 * time to migrate, and the phases add up to no more than the campaign's wall time. */
static void test_phase_times(void **state)
{
    (void)state;
    hv_reset();
    ssh_reset();
    struct mb_runner_summary sum;
    struct rows rs;
    assert_int_equal(campaign("phase-times",
                              "repeat: 2\n"
                              "vms: {count: 2, memory: 128MiB, workload: idle}\n"
                              "windows: {warmup: 300ms, baseline: 0, after: 0}\n"
                              "migration: {strategy: sequential}\n",
                              &sum, &rs),
                     0);
    assert_int_equal(sum.phases.runs, 2);
    double total = 0;
    for (int p = 0; p < MB_NPHASES; p++) {
        assert_true(sum.phases.wall_s[p] >= 0);
        assert_true(sum.phases.cpu_s[p] >= 0);
        total += sum.phases.wall_s[p];
    }
    assert_true(sum.phases.wall_s[MB_PHASE_WINDOWS] >= 2 * 0.3 * 0.95);
    assert_true(sum.phases.wall_s[MB_PHASE_WINDOWS] < 2 * 0.3 + 1.0);
    /* two runs of two sequential migrations of MIGRATE_MS each */
    assert_true(sum.phases.wall_s[MB_PHASE_MIGRATE] >= 4 * MIGRATE_MS / 1000.0 * 0.9);
    assert_true(total <= sum.wall_s);
    assert_string_equal(mb_run_phase_names[MB_PHASE_TEARDOWN], "teardown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequential_and_parallel),
        cmocka_unit_test(test_failed_migration_is_a_row),
        cmocka_unit_test(test_rows_record_zero_pages_and_convergence),
        cmocka_unit_test(test_ssh_reopened_once),
        cmocka_unit_test(test_resident_boots_like_a_vm),
        cmocka_unit_test(test_workloads_stop_before_last_sweep),
        cmocka_unit_test(test_phases_boot_and_teardown),
        cmocka_unit_test(test_agents_off),
        cmocka_unit_test(test_phase_times),
        cmocka_unit_test(test_lost_checker_still_tells),
        cmocka_unit_test(test_auto_converges_and_caps),
        cmocka_unit_test(test_auto_resume_mid_point),
        cmocka_unit_test(test_auto_failures_count_to_cap),
        cmocka_unit_test(test_guests_restored),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
