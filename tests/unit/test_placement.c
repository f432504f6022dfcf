/* test_placement.c — placement.hosts parsing, the co-location matrix, the two policies,
 * and learning the matrix from a results directory. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "placement.h"

static const char *const wls[] = {"idle", "jbb", "iozone", "sysbench", "web", NULL};

static void test_parse_good(void **state)
{
    (void)state;
    struct mb_placement_hosts h;
    struct mb_error err;
    assert_int_equal(mb_placement_parse_hosts("hostB=jbb,hostC=iozone", wls, &h, &err), 0);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.host[0], "hostB");
    assert_string_equal(h.workload[0], "jbb");
    assert_string_equal(h.host[1], "hostC");
    assert_string_equal(h.workload[1], "iozone");
    assert_int_equal(mb_placement_parse_hosts("  a.b_c-1 = web ,  d=idle ", wls, &h, &err), 0);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.host[0], "a.b_c-1");
    assert_string_equal(h.workload[0], "web");
    assert_string_equal(h.workload[1], "idle");
}

static void refused(const char *spec, const char *msg)
{
    struct mb_placement_hosts h;
    struct mb_error err;
    memset(&err, 0, sizeof(err));
    int rc = mb_placement_parse_hosts(spec, wls, &h, &err);
    if (rc != MB_EINPUT || !strstr(err.msg, msg))
        print_error("spec '%s': rc %d, message '%s', expected '%s'\n", spec, rc, err.msg, msg);
    assert_int_equal(rc, MB_EINPUT);
    assert_non_null(strstr(err.msg, msg));
}

static void test_parse_bad(void **state)
{
    (void)state;
    refused("", "no candidate");
    refused("   ", "no candidate");
    refused("hostB", "item 1 'hostB': expected HOST=WORKLOAD");
    refused("hostB=jbb,", "item 2 is empty");
    refused("hostB=jbb,,hostC=web", "item 2 is empty");
    refused("=jbb", "host name of 1 to");
    refused("hostB=", "expected a workload");
    refused("hostB=jbx", "did you mean 'jbb'");
    refused("hostB=zzzzzzzz", "unknown workload");
    refused("hostB=jbb,hostB=web", "named twice");
    refused("ho st=jbb", "host name with a character");
    refused("h\x01\xff=jbb", "host name with a character");
    refused("hostB=\x01\x02", "unknown workload '?'");
    char big[400];
    memset(big, 'h', sizeof(big) - 5);
    strcpy(big + sizeof(big) - 5, "=jbb");
    refused(big, "host name of 1 to");
    char many[600] = "";
    for (int i = 0; i <= MB_PLACEMENT_MAX_HOSTS; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%sh%d=jbb", i ? "," : "", i);
    refused(many, "at most");
}

static void test_matrix(void **state)
{
    (void)state;
    struct mb_placement_matrix m;
    memset(&m, 0, sizeof(m));
    assert_true(isnan(mb_placement_matrix_get(&m, "jbb", "jbb")));
    mb_placement_matrix_add(&m, "jbb", "jbb", 80);
    mb_placement_matrix_add(&m, "jbb", "jbb", 100);
    mb_placement_matrix_add(&m, "jbb", "iozone", 20);
    mb_placement_matrix_add(&m, "jbb", "web", NAN); /* ignored */
    assert_true(fabs(mb_placement_matrix_get(&m, "jbb", "jbb") - 90) < 1e-9);
    assert_true(fabs(mb_placement_matrix_get(&m, "jbb", "iozone") - 20) < 1e-9);
    assert_true(isnan(mb_placement_matrix_get(&m, "iozone", "jbb")));
    assert_true(isnan(mb_placement_matrix_get(&m, "jbb", "web")));
    assert_true(isnan(mb_placement_matrix_get(NULL, "jbb", "jbb")));
    assert_int_equal(m.rows, 3);
    /* more names than the matrix holds are ignored, not written past it */
    for (int i = 0; i < 3 * MB_PLACEMENT_MAX_WL; i++) {
        char n[16];
        snprintf(n, sizeof(n), "w%d", i);
        mb_placement_matrix_add(&m, n, n, 1);
    }
    assert_int_equal(m.nwl, MB_PLACEMENT_MAX_WL);
    assert_true(fabs(mb_placement_matrix_get(&m, "jbb", "jbb") - 90) < 1e-9);
}

static void test_choose(void **state)
{
    (void)state;
    struct mb_placement_matrix m;
    memset(&m, 0, sizeof(m));
    mb_placement_matrix_add(&m, "jbb", "jbb", 90);
    mb_placement_matrix_add(&m, "jbb", "iozone", 20);
    mb_placement_matrix_add(&m, "jbb", "web", 20);
    struct mb_placement_hosts h;
    struct mb_error err;
    assert_int_equal(mb_placement_parse_hosts("b=jbb,c=iozone", wls, &h, &err), 0);
    assert_int_equal(mb_placement_choose(&m, "jbb", &h), 1);
    /* a tie goes to the earlier candidate */
    assert_int_equal(mb_placement_parse_hosts("b=jbb,c=web,d=iozone", wls, &h, &err), 0);
    assert_int_equal(mb_placement_choose(&m, "jbb", &h), 1);
    /* never measured ranks after measured, even a bad measured one */
    assert_int_equal(mb_placement_parse_hosts("b=sysbench,c=jbb", wls, &h, &err), 0);
    assert_int_equal(mb_placement_choose(&m, "jbb", &h), 1);
    /* nothing measured for this workload: the first */
    assert_int_equal(mb_placement_choose(&m, "iozone", &h), 0);
    assert_int_equal(mb_placement_choose(NULL, "jbb", &h), 0);
    h.n = 0;
    assert_int_equal(mb_placement_choose(&m, "jbb", &h), -1);
    assert_int_equal(mb_placement_random("x-r1", &h), -1);
}

static void test_random(void **state)
{
    (void)state;
    struct mb_placement_hosts h;
    struct mb_error err;
    assert_int_equal(mb_placement_parse_hosts("b=jbb,c=iozone,d=web", wls, &h, &err), 0);
    int seen[3] = {0};
    for (int i = 0; i < 60; i++) {
        char id[32];
        snprintf(id, sizeof(id), "0123456789ab-r%d", i);
        int a = mb_placement_random(id, &h);
        assert_true(a >= 0 && a < 3);
        assert_int_equal(a, mb_placement_random(id, &h)); /* stable */
        seen[a]++;
    }
    assert_true(seen[0] > 5 && seen[1] > 5 && seen[2] > 5); /* spread */
    /* FNV-1a 64 of "" is its offset basis: 14695981039346656037 % 3 = 2 */
    assert_int_equal(mb_placement_random("", &h), (int)(14695981039346656037ull % 3));
}

static char dir[64];

static void write_file(const char *name, const char *text)
{
    char p[160];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char header[] = "run_id,scenario,point,repetition,vm,host_from,host_to,strategy,"
                             "batch,hop,status,workload,colocated_workload,colocation_loss_pct\n";

static void test_learn(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/mb-placement-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char csv[2048];
    snprintf(csv, sizeof(csv),
             "%s"
             "a-r1,s,1,1,vm1,hostA,hostB,sequential,1,1,ok,jbb,jbb,80\n"
             "a-r2,s,1,2,vm1,hostA,hostB,sequential,1,1,ok,jbb,jbb,100\n"
             "b-r1,s,2,1,vm1,hostA,hostB,sequential,1,1,ok,jbb,iozone,10\n"
             "b-r2,s,2,2,vm1,hostA,hostB,sequential,1,1,failed,jbb,iozone,900\n"
             "c-r1,s,3,1,vm1,hostA,hostB,sequential,1,1,ok,jbb,,5\n"
             "d-r1,s,4,1,vm1,hostA,hostB,sequential,1,1,ok,iozone,jbb,\n",
             header);
    write_file("raw.csv", csv);
    struct mb_placement_matrix m;
    struct mb_error err;
    mb_error_clear(&err);
    const char *paths[] = {dir};
    int rc = mb_placement_learn(paths, 1, &m, &err);
    if (rc)
        print_error("%s:%d: %s\n", err.file, err.line, err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(m.rows, 3);
    assert_true(fabs(mb_placement_matrix_get(&m, "jbb", "jbb") - 90) < 1e-9);
    assert_true(fabs(mb_placement_matrix_get(&m, "jbb", "iozone") - 10) < 1e-9);
    assert_true(isnan(mb_placement_matrix_get(&m, "iozone", "jbb")));
    assert_non_null(strstr(m.source, dir));

    /* no usable row: refused, saying why */
    snprintf(csv, sizeof(csv), "%sd-r1,s,4,1,vm1,hostA,hostB,sequential,1,1,ok,iozone,jbb,\n",
             header);
    write_file("raw.csv", csv);
    assert_int_equal(mb_placement_learn(paths, 1, &m, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "not a Table 3 campaign"));

    /* a malformed file names itself */
    write_file("raw.csv", "run_id,scenario\n\"unterminated\n");
    assert_int_not_equal(mb_placement_learn(paths, 1, &m, &err), 0);

    /* no raw.csv at all */
    const char *nowhere[] = {"/nonexistent-mb-dir"};
    assert_int_equal(mb_placement_learn(nowhere, 1, &m, &err), MB_EINPUT);
    assert_non_null(strstr(err.msg, "no raw.csv"));

    char p[160];
    snprintf(p, sizeof(p), "%s/raw.csv", dir);
    unlink(p);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good), cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_matrix),     cmocka_unit_test(test_choose),
        cmocka_unit_test(test_random),     cmocka_unit_test(test_learn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
