/* test_results_text.c — the terminal results table (report/results_text.h) on hand-made run
 * tables: the best model per size is marked, a significant difference is flagged, and the
 * clips-for-0.9 line says "reached" when a measured mean reached it (even with no fit), refuses
 * to forecast from too few sizes, beyond 4 x the largest n or below the smallest, and gives a
 * supported forecast with its interval; a model whose tasks all failed says it measured nothing. */
#include "report/results_text.h"
#include "store/store.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void row(buf *b, const char *sp, const char *model, int n, double mean, double lo, double hi, int *first)
{
    buf_printf(b, NULL, "%s{\"species\":\"%s\",\"model\":\"%s\",\"n\":%d,\"n_requested\":[%d],\"capped\":false,"
               "\"metric\":\"roc_auc\",\"mean\":%g,\"ci_low\":%g,\"ci_high\":%g}", *first ? "" : ",", sp, model, n, n,
               mean, lo, hi);
    *first = 0;
}

/* The line of model m under "clips per class" of the text. */
static const char *clips_of(const char *text, const char *model, char *out, size_t n)
{
    const char *p = strstr(text, "clips per class for ROC-AUC 0.9:");
    char key[64];
    snprintf(key, sizeof key, "    %s ", model);
    p = p ? strstr(p, key) : NULL;
    out[0] = '\0';
    if (p) {
        const char *e = strchr(p, '\n');
        snprintf(out, n, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
    }
    return out;
}

int main(void)
{
    char dir[] = "/tmp/mlac-results-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    mlac_err err = {0};
    store *st = NULL;
    CHECK_OK(store_open(dir, &st, &err), &err);

    buf s;
    buf_init(&s, 0);
    int first = 1;
    buf_puts(&s, "{\"run_id\":\"r\",\"rows\":[", NULL);
    static const int sizes[] = {10, 20, 40, 80};
    /* coyote: rf reaches 0.93 at n=20 (measured); svm on 4 sizes stays below (fit says 150);
     * knn on 4 sizes stays below with a forecast far out (2000); lr on 4 sizes, forecast below 10 */
    static const double rf[] = {0.85, 0.93, 0.95, 0.96}, svm[] = {0.70, 0.78, 0.84, 0.87},
                        knn[] = {0.60, 0.62, 0.64, 0.66}, lr[] = {0.80, 0.82, 0.85, 0.88};
    for (int z = 0; z < 4; z++) {
        row(&s, "coyote", "rf", sizes[z], rf[z], rf[z] - 0.03, rf[z] + 0.03, &first);
        row(&s, "coyote", "svm", sizes[z], svm[z], svm[z] - 0.05, svm[z] + 0.05, &first);
        row(&s, "coyote", "knn", sizes[z], knn[z], knn[z] - 0.05, knn[z] + 0.05, &first);
        row(&s, "coyote", "lr", sizes[z], lr[z], lr[z] - 0.05, lr[z] + 0.05, &first);
    }
    /* frog: two sizes only */
    row(&s, "frog", "rf", 10, 0.70, 0.6, 0.8, &first);
    row(&s, "frog", "rf", 20, 0.75, 0.65, 0.85, &first);
    /* toad: every birdnet task failed (its rows have no mean) */
    row(&s, "toad", "rf", 10, 0.80, 0.7, 0.9, &first);
    buf_puts(&s, ",{\"species\":\"toad\",\"model\":\"birdnet\",\"n\":10,\"n_requested\":[10],\"capped\":false,"
                 "\"metric\":\"roc_auc\",\"mean\":null,\"ci_low\":null,\"ci_high\":null,\"count\":0,\"failed\":3}", NULL);
    buf_puts(&s, "]}", NULL);
    CHECK_OK(store_write(st, "r/summary.json", s.data, s.len, &err), &err);
    const char *sig = "species,n,metric,model_a,model_b,mean_a,mean_b,mean_diff,t,df,p_value,p_holm,significant,better,count\n"
                      "coyote,80,roc_auc,knn,rf,0.66,0.96,-0.3,-9,4,0.001,0.004,true,rf,5\n"
                      "coyote,80,roc_auc,rf,svm,0.96,0.87,0.09,1.1,4,0.3,0.6,false,,5\n";
    CHECK_OK(store_write_str(st, "r/significance.csv", sig, &err), &err);
    const char *curves = "species,model,target,a,b,c,rmse,n_needed,n_low,n_high,status,max_n\n"
                         "coyote,svm,0.90,0.95,1,0.5,0.01,150,120,190,ok,80\n"
                         "coyote,knn,0.90,0.95,1,0.5,0.01,2000,900,Inf,ok,80\n"
                         "coyote,lr,0.90,0.95,1,0.5,0.01,4,2,6,ok,80\n"
                         "coyote,rf,0.90,0.99,1,0.5,0.01,12,10,14,ok,80\n";
    CHECK_OK(store_write_str(st, "r/curves.csv", curves, &err), &err);

    buf out;
    buf_init(&out, 0);
    CHECK_OK(results_text(st, "r", &out, &err), &err);
    const char *t = out.data ? out.data : "";
    printf("%s", t);
    char line[512];
    CHECK(strstr(t, "coyote: ROC-AUC mean [95% CI] by training clips per class") != NULL);
    CHECK(strstr(t, "n=10") && strstr(t, "n=80"));
    CHECK(strstr(t, "0.960 [0.93, 0.99] *") != NULL);  /* rf best at n=80 */
    CHECK(strstr(t, "0.660 [0.61, 0.71] -") != NULL);  /* knn significantly below it */
    CHECK(strstr(t, "0.870 [0.82, 0.92] *") == NULL && strstr(t, "0.870 [0.82, 0.92] -") == NULL); /* svm: neither */
    CHECK(strstr(clips_of(t, "rf", line, sizeof line), "reached at n = 20 (measured mean 0.930)") != NULL);
    CHECK(strstr(clips_of(t, "svm", line, sizeof line), "about 150 (fit on 4 sizes, extrapolated; 95% interval 120-190)") != NULL);
    CHECK(strstr(clips_of(t, "knn", line, sizeof line), "not reached by n = 80; the fit's forecast lies beyond 4 x the largest n") != NULL);
    CHECK(strstr(clips_of(t, "lr", line, sizeof line), "below the smallest n") != NULL);
    const char *frog = strstr(t, "frog: ROC-AUC");
    CHECK(frog != NULL);
    CHECK(frog && strstr(frog, "not reached by n = 20; a forecast needs a fit on at least 4 sizes (this run has 2)") != NULL);
    CHECK(frog && (!strstr(frog, "toad:") || strstr(frog, "* best") > strstr(frog, "toad:"))); /* one model: nothing to mark */
    /* a model that measured nothing says so: never "not reached by n = 0", never the "-" of a difference */
    const char *toad = strstr(t, "toad: ROC-AUC");
    CHECK(toad != NULL);
    CHECK(toad && strstr(toad, "no ROC-AUC measured (no task of it finished ok") != NULL);
    CHECK(strstr(t, "n = 0") == NULL);
    CHECK(toad && strstr(toad, "  birdnet           n/a\n") != NULL);

    buf_release(&out);
    buf_release(&s);
    store_free(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
