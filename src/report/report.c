/* report.c — report_write_run: load the run, write the exports, the per-species charts (SVG and
 * PNG) and index.html into <run_id>/report/ (see report.h). index.html is written last, so its
 * presence means the report is complete. */
#include "report/report.h"
#include "report/chart_model.h"
#include "report/exports.h"
#include "report/html.h"
#include "report/png.h"
#include "report/report_data.h"
#include "report/report_util.h"
#include "report/svg.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static int write_charts(store *st, const report_run *r, int species, int dpi, mlac_err *err)
{
    chart_model c;
    int rc = chart_build(r, species, -1, &c, err);
    if (rc)
        return rc;
    char stem[256], path[1024];
    report_file_stem(r->species.items[species], stem, sizeof stem);
    buf b;
    buf_init(&b, 0);
    rc = svg_chart(&c, 1, &b, err);
    snprintf(path, sizeof path, "%s/report/%s_roc_auc.svg", r->run_id, stem);
    rc = rc ? rc : store_write(st, path, b.data, b.len, err);
    b.len = 0;
    rc = rc ? rc : png_chart(&c, dpi, &b, err);
    snprintf(path, sizeof path, "%s/report/%s_roc_auc.png", r->run_id, stem);
    rc = rc ? rc : store_write(st, path, b.data, b.len, err);
    buf_release(&b);
    chart_release(&c);
    return rc;
}

int report_write_run_opts(const char *output_dir, const char *run_id, const report_options *opt, mlac_err *err)
{
    int dpi = opt && opt->png_dpi ? opt->png_dpi : 150;
    if (!run_id || !*run_id || strstr(run_id, "..") || strlen(run_id) >= 256)
        return mlac_errf(err, MLAC_EINVAL, "run id '%s' is not a run folder name", run_id ? run_id : "");
    if (dpi < 36 || dpi > 1200)
        return mlac_errf(err, MLAC_EINVAL, "png_dpi %d is outside 36..1200", dpi);
    store *st = NULL;
    report_run r;
    int loaded = 0;
    buf html;
    buf_init(&html, 0);
    int rc = store_open(output_dir, &st, err);
    if (!rc)
        rc = report_run_load(st, run_id, &r, err);
    loaded = !rc;
    if (!rc)
        rc = exports_write(st, &r, err);
    for (size_t s = 0; !rc && s < r.species.n; s++)
        rc = write_charts(st, &r, (int)s, dpi, err);
    if (!rc)
        rc = html_write_report(st, &r, &html, err);
    if (!rc) {
        char path[600];
        snprintf(path, sizeof path, "%s/report/index.html", run_id);
        rc = store_write(st, path, html.data, html.len, err);
    }
    if (rc && err)
        mlac_err_prefix(err, "report of '%s': ", run_id);
    buf_release(&html);
    if (loaded)
        report_run_release(&r);
    store_free(st);
    return rc;
}

int report_write_run(const char *output_dir, const char *run_id, mlac_err *err)
{
    return report_write_run_opts(output_dir, run_id, NULL, err);
}
