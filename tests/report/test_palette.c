/* test_palette.c — the report's model styles (report/palette.h): known models take the slot of
 * their place in the registry, every other model the slots after the registry's last (its size
 * from model_kind_count, checked here against a count of model_all), in the order given; colours
 * repeat every eight slots, and a slot past the eighth is dashed.
 */
#include "test.h"

#include "ml/model.h"
#include "report/palette.h"

#include <string.h>

int main(void)
{
    size_t known = 0;
    for (const struct model_kind *const *k = model_all(); *k; k++)
        known++;
    CHECK_MSG(model_kind_count() == known, "model_kind_count %zu, model_all holds %zu", model_kind_count(), known);

    strlist models;
    strlist_init(&models);
    mlac_err err = {0};
    const char *extra[] = {"zz_one", "zz_two", "zz_three"};
    for (const struct model_kind *const *k = model_all(); *k; k++)
        CHECK_OK(strlist_push(&models, (*k)->name, &err), &err);
    for (size_t i = 0; i < 3; i++)
        CHECK_OK(strlist_push(&models, extra[i], &err), &err);
    palette_sort_models(&models);
    for (size_t i = 0; i < known; i++)
        CHECK_MSG(model_rank(models.items[i]) == (int)i, "'%s' at %zu", models.items[i], i);
    for (size_t i = 0; i < models.n; i++) {
        palette_style s = palette_for(&models, i); /* slot i: registry order, then the others */
        CHECK_MSG(s.dashed == (i >= 8), "'%s' (slot %zu) dashed %d", models.items[i], i, s.dashed);
        if (i >= 8) {
            palette_style again = palette_for(&models, i - 8);
            CHECK_MSG(s.rgb == again.rgb, "slot %zu is not slot %zu's colour", i, i - 8);
        }
        for (size_t j = 0; j < i && j + 8 > i; j++)
            CHECK_MSG(palette_for(&models, j).rgb != s.rgb, "slots %zu and %zu share a colour", j, i);
    }
    strlist_release(&models);
    TEST_MAIN_END();
}
