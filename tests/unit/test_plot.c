/* test_plot.c — figures through gnuplot: quoting, the generated scripts and data files,
 * real rendering of every kind to PNG and SVG with legible labels (an underscore stays an
 * underscore, markup characters are escaped), and gnuplot's failures as errors.
 *
 * The rendering tests need gnuplot (deps/build.list: gnuplot-nox) and the templates in
 * plots/ (tests run from the repository root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "plot.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static char *tmpdir(void)
{
    char *d = strdup("/tmp/mb-test-plot-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void rmtree(const char *d)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
    assert_int_equal(system(cmd), 0);
}

static char *slurp_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    if (len)
        *len = got;
    return s;
}

static void test_quote_and_names(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } q[] = {
        {"total_time_ms", "'total_time_ms'"},
        {"it's", "'it''s'"},
        {"a\nb\tc", "'a b c'"},
        {"", "''"},
        {"50% & <more>", "'50% & <more>'"},
    };
    for (size_t i = 0; i < N_OF(q); i++) {
        struct mb_buf b = {0};
        mb_plot_quote(&b, q[i].in);
        assert_string_equal(b.data, q[i].want);
        mb_buf_free(&b);
    }
    static const struct {
        const char *in, *want;
    } n[] = {
        {"fig2-source-cpu-1-total_time_ms", "fig2-source-cpu-1-total_time_ms"},
        {"a/b c", "a-b-c"},
        {"../x", "_.-x"},
        {"", "figure"},
        {NULL, "figure"},
    };
    for (size_t i = 0; i < N_OF(n); i++) {
        char *s = mb_plot_safe_name(n[i].in);
        assert_string_equal(s, n[i].want);
        free(s);
    }
    assert_string_equal(mb_plot_kind_name(MB_PLOT_REAL_VS_COMPUTED), "real-vs-computed");
    assert_int_equal(mb_plot_kind_find("heatmap"), MB_PLOT_HEATMAP);
    assert_int_equal(mb_plot_kind_find("pie"), -1);
}

/* A figure of each kind: 3 x positions, 2 series, one missing value. */
static void make_fig(struct mb_plot_fig *f, enum mb_plot_kind kind, const char *name)
{
    bool numeric = kind == MB_PLOT_LINE || kind == MB_PLOT_REAL_VS_COMPUTED;
    mb_plot_fig_init(f, kind, name, "fig_2: total_time_ms & <downtime> at 50% 'cap'",
                     "reservation.source.cpu_cap", "total_time_ms (ms)", 3, numeric);
    static const char *const labels[] = {"128MiB", "256MiB", "512MiB"};
    for (size_t i = 0; i < 3; i++) {
        f->xlabels[i] = strdup(labels[i]);
        if (numeric)
            f->x[i] = 128.0 * (1 << i);
    }
    f->xlog = numeric;
    f->caption = strdup("caption");
    for (int s = 0; s < 2; s++) {
        struct mb_plot_series *se = mb_plot_fig_add_series(f, s ? "cpu_cap=100%" : "cpu_cap=40%");
        for (int i = 0; i < 3; i++) {
            se->y[i] = 1000.0 * (i + 1) + 100 * s;
            se->lo[i] = se->y[i] - 50;
            se->hi[i] = se->y[i] + 50;
        }
    }
    f->series[1].y[2] = NAN; /* not measured */
}

static void test_script_and_data(void **state)
{
    (void)state;
    struct mb_plot_fig *f = calloc(1, sizeof(*f));
    make_fig(f, MB_PLOT_LINE, "s-1-total_time_ms");
    f->series[0].lo[0] = -20; /* a time's interval reaching below 0 is cut at 0 */
    struct mb_buf script = {0}, data = {0};
    assert_int_equal(
        mb_plot_script(f, "plot 1 # TEMPLATE\n", MB_PLOT_PNG | MB_PLOT_SVG, &script, &data), 0);
    static const char *const want[] = {
        "reset\n",
        "datafile = 's-1-total_time_ms.dat'\n",
        "title_text = 'fig_2: total_time_ms & <downtime> at 50% ''cap'''\ntitle_font = ',13'\n",
        "xlabel_text = 'reservation.source.cpu_cap'\n",
        "nx = 3\nnseries = 2\nxlog = 1\nymin_zero = 1\n",
        "xmin_v = 128\nxmax_v = 512\n",
        "array series_title[2]\nseries_title[1] = 'cpu_cap=40%'\n",
        "set xtics ('128MiB' 128, '256MiB' 256, '512MiB' 512)\n",
        "set terminal pngcairo size 960,600 font 'DejaVu Sans,11' noenhanced\n"
        "set output 's-1-total_time_ms.png'\n",
        "plot 1 # TEMPLATE\n# ---- end of template ----\nset output\n",
        "set terminal svg size 960,600 font 'DejaVu Sans,11' noenhanced\n"
        "set output 's-1-total_time_ms.svg'\nreplot\nset output\n",
    };
    for (size_t i = 0; i < N_OF(want); i++)
        if (!strstr(script.data, want[i]))
            fail_msg("script lacks:\n%s\n--- script:\n%s", want[i], script.data);
    const char *dat = "# series 1: \"cpu_cap=40%\"\n"
                      " 128 1000 0 1050 \"128MiB\"\n"
                      " 256 2000 1950 2050 \"256MiB\"\n"
                      " 512 3000 2950 3050 \"512MiB\"\n\n\n"
                      "# series 2: \"cpu_cap=100%\"\n"
                      " 128 1100 1050 1150 \"128MiB\"\n"
                      " 256 2100 2050 2150 \"256MiB\"\n\n\n";
    assert_string_equal(data.data, dat);
    mb_buf_free(&script);
    mb_buf_free(&data);

    /* a title too long for the canvas gets a smaller font, counted in characters (the
     * dash is 3 bytes), never below 8 points */
    static const struct {
        size_t reps;
        const char *font;
    } longer[] = {{14, "',13'"}, {18, "',10'"}, {40, "',8'"}};
    for (size_t i = 0; i < N_OF(longer); i++) {
        free(f->title);
        struct mb_buf t = {0};
        for (size_t k = 0; k < longer[i].reps; k++)
            mb_buf_append(&t, "abcde\xe2\x80\x94", 8); /* 6 characters */
        f->title = t.data;
        struct mb_buf sc = {0}, da = {0};
        assert_int_equal(mb_plot_script(f, "plot 1\n", MB_PLOT_PNG, &sc, &da), 0);
        char want_font[32];
        snprintf(want_font, sizeof(want_font), "title_font = %s\n", longer[i].font);
        if (!strstr(sc.data, want_font))
            fail_msg("%zu characters: want %s in\n%s", longer[i].reps * 6, want_font, sc.data);
        mb_buf_free(&sc);
        mb_buf_free(&da);
    }
    mb_plot_figs_free(f, 1);

    /* bars: a row per category; heat map: a cell per (column, row); one format only */
    struct mb_plot_fig *g = calloc(2, sizeof(*g));
    make_fig(&g[0], MB_PLOT_BARS, "b");
    make_fig(&g[1], MB_PLOT_HEATMAP, "h");
    struct mb_buf s2 = {0}, d2 = {0};
    assert_int_equal(mb_plot_script(&g[0], "", MB_PLOT_SVG, &s2, &d2), 0);
    assert_string_equal(d2.data, "\"128MiB\" 1000 950 1050 1100 1050 1150\n"
                                 "\"256MiB\" 2000 1950 2050 2100 2050 2150\n"
                                 "\"512MiB\" 3000 2950 3050 NaN NaN NaN\n");
    assert_null(strstr(s2.data, "pngcairo"));
    assert_null(strstr(s2.data, "replot"));
    assert_null(strstr(s2.data, "set xtics ("));
    mb_buf_free(&s2);
    mb_buf_free(&d2);
    assert_int_equal(mb_plot_script(&g[1], "", 0, &s2, &d2), 0);
    assert_non_null(strstr(s2.data, "set ytics ('cpu_cap=40%%' 0, 'cpu_cap=100%%' 1)\n"));
    assert_non_null(strstr(d2.data, "0 0 1000 \"1e+03\"\n"));
    assert_non_null(strstr(d2.data, "2 1 NaN \"n/a\"\n"));
    mb_buf_free(&s2);
    mb_buf_free(&d2);
    mb_plot_figs_free(g, 2);
    mb_plot_figs_free(NULL, 3);
}

static bool have_gnuplot(void)
{
    return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

static void test_render_every_kind(void **state)
{
    (void)state;
    if (!have_gnuplot()) {
        print_message("gnuplot not installed: rendering not tested\n");
        skip();
    }
    char *dir = tmpdir();
    static const enum mb_plot_kind kinds[] = {MB_PLOT_LINE, MB_PLOT_BARS, MB_PLOT_REAL_VS_COMPUTED,
                                              MB_PLOT_HEATMAP};
    struct mb_plot_fig *figs = calloc(N_OF(kinds), sizeof(*figs));
    for (size_t i = 0; i < N_OF(kinds); i++) {
        char name[64];
        snprintf(name, sizeof(name), "k-%s", mb_plot_kind_name(kinds[i]));
        make_fig(&figs[i], kinds[i], name);
    }
    struct mb_plot_opts o = {.templates = "plots"};
    struct mb_error err;
    mb_error_clear(&err);
    int rc = mb_plot_render(figs, N_OF(kinds), dir, &o, &err);
    if (rc)
        fail_msg("render: %s", err.msg);
    for (size_t i = 0; i < N_OF(kinds); i++) {
        char path[512];
        size_t len;
        snprintf(path, sizeof(path), "%s/%s.png", dir, figs[i].name);
        char *png = slurp_file(path, &len);
        assert_non_null(png);
        assert_true(len > 10000); /* a drawn figure, not an empty canvas */
        assert_int_equal(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0);
        /* 960 x 600 */
        assert_int_equal(((unsigned char)png[18] << 8) | (unsigned char)png[19], 960);
        assert_int_equal(((unsigned char)png[22] << 8) | (unsigned char)png[23], 600);
        free(png);
        snprintf(path, sizeof(path), "%s/%s.svg", dir, figs[i].name);
        char *svg = slurp_file(path, &len);
        assert_non_null(svg);
        /* labels as written: underscores kept (no subscripts), markup escaped */
        if (!strstr(svg, "fig_2: total_time_ms &amp; &lt;downtime") ||
            !strstr(svg, "downtime> at 50% 'cap'"))
            fail_msg("%s: the title is not drawn as written", path);
        assert_null(strstr(svg, "baseline-shift")); /* enhanced text's sub/superscripts */
        assert_non_null(strstr(svg, "reservation.source.cpu_cap"));
        if (kinds[i] != MB_PLOT_HEATMAP) {
            assert_non_null(strstr(svg, "total_time_ms (ms)"));
            assert_non_null(strstr(svg, "cpu_cap=100%"));
        }
        assert_non_null(strstr(svg, "256MiB"));
        assert_non_null(strstr(svg, "</svg>"));
        free(svg);
        snprintf(path, sizeof(path), "%s/%s.gp", dir, figs[i].name);
        assert_int_equal(access(path, R_OK), 0);
    }
    /* the scripts stand alone: redraw one by hand */
    char cmd[600];
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && rm k-line.png && gnuplot k-line.gp && test -s k-line.png", dir);
    assert_int_equal(system(cmd), 0);
    mb_plot_figs_free(figs, N_OF(kinds));
    rmtree(dir);
    free(dir);
}

static void test_render_errors(void **state)
{
    (void)state;
    char *dir = tmpdir();
    struct mb_plot_fig *f = calloc(1, sizeof(*f));
    make_fig(f, MB_PLOT_LINE, "e");
    struct mb_error err;
    mb_error_clear(&err);
    /* no gnuplot */
    struct mb_plot_opts o = {.templates = "plots", .gnuplot = "/nonexistent/gnuplot"};
    assert_int_equal(mb_plot_render(f, 1, dir, &o, &err), MB_EENV);
    assert_non_null(strstr(err.msg, "cannot run /nonexistent/gnuplot"));
    assert_non_null(strstr(err.msg, "gnuplot-nox"));
    /* no templates */
    o.gnuplot = NULL;
    o.templates = dir;
    assert_int_equal(mb_plot_render(f, 1, dir, &o, &err), MB_EENV);
    assert_non_null(strstr(err.file, "line.gp"));
    /* a template gnuplot refuses: its message names the script and line */
    if (have_gnuplot()) {
        char path[512];
        snprintf(path, sizeof(path), "%s/line.gp", dir);
        FILE *fp = fopen(path, "w");
        fputs("set title title_text\nplot datafile using 1:2 with nonsense\n", fp);
        fclose(fp);
        assert_int_equal(mb_plot_render(f, 1, dir, &o, &err), MB_EFAILED);
        if (!strstr(err.msg, "gnuplot failed in") || !strstr(err.msg, "e.gp"))
            fail_msg("%s", err.msg);
    }
    /* an output directory that does not exist */
    o.templates = "plots";
    assert_int_equal(mb_plot_render(f, 1, "/nonexistent/dir", &o, &err), MB_EIO);
    assert_int_equal(mb_plot_render(f, 0, dir, &o, &err), 0);
    mb_plot_figs_free(f, 1);
    rmtree(dir);
    free(dir);
}

static void test_templates_dir(void **state)
{
    (void)state;
    setenv("MIGBENCH_DATA", "/nonexistent", 1);
    assert_null(mb_plot_templates_dir());
    setenv("MIGBENCH_DATA", "tests", 1); /* a directory without plots/ */
    assert_null(mb_plot_templates_dir());
    unsetenv("MIGBENCH_DATA");
    /* build/tests/test_plot: the checkout two levels up */
    const char *d = mb_plot_templates_dir();
    assert_non_null(d);
    assert_true(mb_ends_with(d, "/plots"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_and_names),   cmocka_unit_test(test_script_and_data),
        cmocka_unit_test(test_render_every_kind), cmocka_unit_test(test_render_errors),
        cmocka_unit_test(test_templates_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
