/* test_browser.c — index.html in a real browser: headless Chromium (Debian's chromium, installed
 * by scripts/install-deps.sh) opens the report of the basic fixture run and of the all-failed
 * run. Each page must run its script to the end with no error (the page records window.onerror,
 * unhandled rejections and console.error in the DOM; --dump-dom shows them), the #mlac-selftest
 * run must find that the x-axis toggle, legend and hover work, and a screenshot must be a real
 * picture (decoded with cairo: the expected size, many colours, mostly not background).
 * A page with a deliberate error must be caught, so the check itself can fail.
 * A missing chromium is a failure, not a skip: CI installs it. MLAC_CHROMIUM overrides the path.
 */
#include "report/report.h"
#include "report_testutil.h"
#include "core/spawn.h"
#include "test.h"

#include <cairo.h>
#include <stdint.h>
#include <sys/stat.h>

static const char *find_chromium(void)
{
    static char found[1024];
    const char *env = getenv("MLAC_CHROMIUM");
    if (env && *env)
        return access(env, X_OK) == 0 ? env : NULL;
    static const char *const names[] = {"chromium", "chromium-browser", "google-chrome"};
    const char *path = getenv("PATH");
    char *dirs = strdup(path && *path ? path : "/usr/bin:/bin");
    const char *hit = NULL;
    for (size_t i = 0; !hit && i < sizeof names / sizeof names[0]; i++) {
        char *save = NULL, *copy = strdup(dirs);
        for (char *d = strtok_r(copy, ":", &save); d && !hit; d = strtok_r(NULL, ":", &save)) {
            snprintf(found, sizeof found, "%s/%s", d, names[i]);
            if (access(found, X_OK) == 0)
                hit = found;
        }
        free(copy);
    }
    free(dirs);
    return hit;
}

/* Runs chromium headless on url with one or two extra arguments (--dump-dom, --screenshot=...); stdout to out_path,
 * stderr to err_path. Returns the exit status. */
static const char *window_size = "--window-size=1280,2000"; /* check_layout narrows it */

static int chromium(const char *bin, const char *tmp, const char *extra, const char *extra2, const char *url,
                    const char *out_path, const char *err_path)
{
    char profile[2100];
    snprintf(profile, sizeof profile, "--user-data-dir=%s/profile", tmp);
    const char *argv[] = {bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
                          profile, "--enable-logging=stderr", "--v=0", window_size, extra, extra2 ? extra2 : url, extra2 ? url : NULL, NULL};
    spawn_opts o = {.argv = argv, .dir = tmp, .stdout_path = out_path, .stderr_path = err_path,
                    .timeout_s = 120, .new_group = 1};
    spawn_result r;
    mlac_err err;
    if (spawn_run(&o, &r, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return r.exited ? r.code : -1;
}

/* Checks the DOM dump of a page: the script ran to the end and recorded no error. */
static void check_dom(const char *bin, const char *tmp, const char *page, int selftest)
{
    char url[2200], out[1200], errp[1200];
    snprintf(url, sizeof url, "file://%s%s", page, selftest ? "#mlac-selftest" : "");
    snprintf(out, sizeof out, "%s/dom.html", tmp);
    snprintf(errp, sizeof errp, "%s/dom.err", tmp);
    int rc = chromium(bin, tmp, "--dump-dom", NULL, url, out, errp);
    CHECK_MSG(rc == 0, "chromium --dump-dom %s exited with %d", page, rc);
    char *dom = tu_read(out), *log = tu_read(errp);
    CHECK_MSG(dom && strstr(dom, "data-report-ready=\"1\""), "%s: the script did not run to the end", page);
    CHECK(dom && strstr(dom, "MLAC_REPORT_READY"));
    CHECK_MSG(dom && !strstr(dom, "MLAC_JS_ERROR") && !strstr(dom, "data-js-errors=\""),
              "%s: javascript errors: %.600s", page, dom && strstr(dom, "MLAC_JS_ERROR") ? strstr(dom, "MLAC_JS_ERROR") : "");
    if (selftest)
        CHECK_MSG(dom && strstr(dom, "MLAC_SELFTEST_OK"), "%s: the controls self-test did not pass", page);
    CHECK_MSG(log && !strstr(log, "Uncaught"), "%s: chromium logged an uncaught error", page);
    free(dom);
    free(log);
}

/* The screenshot decodes to 1280 x 2000 and shows a page, not a blank. */
static void check_screenshot(const char *bin, const char *tmp, const char *page)
{
    char url[2200], shot[1200], arg[1300], out[1200], errp[1200];
    snprintf(url, sizeof url, "file://%s", page);
    snprintf(shot, sizeof shot, "%s/shot.png", tmp);
    snprintf(arg, sizeof arg, "--screenshot=%s", shot);
    snprintf(out, sizeof out, "%s/shot.out", tmp);
    snprintf(errp, sizeof errp, "%s/shot.err", tmp);
    int rc = chromium(bin, tmp, "--hide-scrollbars", arg, url, out, errp);
    CHECK_MSG(rc == 0, "chromium --screenshot exited with %d", rc);
    cairo_surface_t *s = cairo_image_surface_create_from_png(shot);
    CHECK_MSG(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS, "the screenshot does not decode");
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
        cairo_surface_flush(s);
        int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
        int stride = cairo_image_surface_get_stride(s);
        CHECK_MSG(w == 1280 && h == 2000, "screenshot is %dx%d", w, h);
        const unsigned char *d = cairo_image_surface_get_data(s);
        uint32_t bg = *(const uint32_t *)d & 0xFFFFFF;
        long other = 0;
        /* distinct colours, coarsened to 4 bits per channel */
        static unsigned char seen[4096];
        memset(seen, 0, sizeof seen);
        int distinct = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                uint32_t px = *(const uint32_t *)(d + (size_t)y * stride + 4 * (size_t)x) & 0xFFFFFF;
                other += px != bg;
                unsigned key = ((px >> 20) & 15) << 8 | ((px >> 12) & 15) << 4 | ((px >> 4) & 15);
                distinct += !seen[key];
                seen[key] = 1;
            }
        CHECK_MSG(distinct >= 40, "only %d distinct colours: a blank page?", distinct);
        CHECK_MSG(other > (long)w * h / 5, "only %ld pixels differ from the background", other);
    }
    cairo_surface_destroy(s);
}

/* 400 px wide (a phone): the page's #mlac-layout check (html_assets.c) finds no horizontal overflow,
 * the ROC chart inside its card and the headline chart at >= 90% of its drawn size, so its text
 * stays readable (issue 13, item 7). */
static void check_layout(const char *bin, const char *tmp, const char *page)
{
    char url[2200], out[1200], errp[1200];
    snprintf(url, sizeof url, "file://%s#mlac-layout", page);
    snprintf(out, sizeof out, "%s/layout.html", tmp);
    snprintf(errp, sizeof errp, "%s/layout.err", tmp);
    window_size = "--window-size=400,2000";
    int rc = chromium(bin, tmp, "--dump-dom", NULL, url, out, errp);
    window_size = "--window-size=1280,2000";
    CHECK_MSG(rc == 0, "chromium --dump-dom %s at 400 px exited with %d", page, rc);
    char *dom = tu_read(out);
    const char *e = dom ? strstr(dom, "layout: ") : NULL;
    CHECK_MSG(dom && strstr(dom, "MLAC_LAYOUT_OK"), "%s at 400 px: %.200s", page, e ? e : "no layout result");
    free(dom);
}

/* A copy of the page with a deliberate error must show the error marker. */
static void check_detects_errors(const char *bin, const char *tmp, const char *page)
{
    char *html = tu_read(page);
    CHECK(html != NULL);
    if (!html)
        return;
    char *at = strstr(html, "</body>");
    CHECK(at != NULL);
    if (!at) {
        free(html);
        return;
    }
    char bad[1200], out[1200], errp[1200], url[1300];
    snprintf(bad, sizeof bad, "%s/bad.html", tmp);
    FILE *f = fopen(bad, "w");
    CHECK(f != NULL);
    if (f) {
        fwrite(html, 1, (size_t)(at - html), f);
        fputs("<script>no_such_function_in_the_report();</script>", f);
        fputs(at, f);
        fclose(f);
    }
    snprintf(url, sizeof url, "file://%s", bad);
    snprintf(out, sizeof out, "%s/bad.dom", tmp);
    snprintf(errp, sizeof errp, "%s/bad.err", tmp);
    chromium(bin, tmp, "--dump-dom", NULL, url, out, errp);
    char *dom = tu_read(out);
    CHECK_MSG(dom && strstr(dom, "MLAC_JS_ERROR") && strstr(dom, "no_such_function_in_the_report"),
              "a page with an error was not caught");
    CHECK(dom && strstr(dom, "data-js-errors=\"1\""));
    free(dom);
    free(html);
}

int main(void)
{
    const char *bin = find_chromium();
    CHECK_MSG(bin != NULL, "chromium is missing: install it (scripts/install-deps.sh, or apt-get install -y "
                           "chromium) or point MLAC_CHROMIUM at a Chromium binary");
    if (!bin)
        TEST_MAIN_END();
    char basic[1024], failed[1024], page[1200];
    CHECK(tu_fixture_copy("basic", basic, sizeof basic) == 0);
    CHECK(tu_fixture_copy("failed", failed, sizeof failed) == 0);
    mlac_err err = {0};
    CHECK_OK(report_write_run(basic, "run1", &err), &err);
    CHECK_OK(report_write_run(failed, "run1", &err), &err);

    snprintf(page, sizeof page, "%s/run1/report/index.html", basic);
    check_dom(bin, basic, page, 1);
    check_screenshot(bin, basic, page);
    check_layout(bin, basic, page);
    check_detects_errors(bin, basic, page);
    snprintf(page, sizeof page, "%s/run1/report/index.html", failed);
    check_dom(bin, failed, page, 1);

    tu_rm_tree(basic);
    tu_rm_tree(failed);
    TEST_MAIN_END();
}
