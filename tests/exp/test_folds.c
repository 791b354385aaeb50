/* test_folds.c — the protocol of DESIGN.md §3: stratified folds, nested balanced training sets,
 * caps, and seeds that depend only on the coordinates. */
#include "exp/folds.h"
#include "exp_testutil.h"
#include "test.h"

static void test_stratified(void)
{
    species_data sp;
    make_species(&sp, "coyote", 23, 41);
    int fold_of[64], again[64];
    mlac_err err;
    CHECK_OK(folds_assign(&sp, 5, 42, 0, fold_of, &err), &err);
    size_t pos[5] = {0}, neg[5] = {0};
    for (size_t i = 0; i < sp.n_clips; i++) {
        CHECK(fold_of[i] >= 0 && fold_of[i] < 5);
        (sp.clips[i].label ? pos : neg)[fold_of[i]]++;
    }
    for (int f = 0; f < 5; f++) {
        CHECK(pos[f] == 4 || pos[f] == 5); /* 23 = 5+5+5+4+4 */
        CHECK(neg[f] == 8 || neg[f] == 9); /* 41 = 9+8+8+8+8 */
    }
    CHECK_OK(folds_assign(&sp, 5, 42, 0, again, &err), &err);
    CHECK(memcmp(fold_of, again, sizeof(int) * sp.n_clips) == 0);
    CHECK_OK(folds_assign(&sp, 5, 42, 1, again, &err), &err);
    CHECK(memcmp(fold_of, again, sizeof(int) * sp.n_clips) != 0); /* a repeat reshuffles */
    CHECK_OK(folds_assign(&sp, 5, 43, 0, again, &err), &err);
    CHECK(memcmp(fold_of, again, sizeof(int) * sp.n_clips) != 0); /* so does another seed */
    CHECK(folds_assign(&sp, 1, 42, 0, again, &err) == MLAC_EINVAL);
    free_species(&sp);
}

static int contains(const size_t *set, size_t n, size_t x)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == x)
            return 1;
    return 0;
}

static void test_nested_and_disjoint(void)
{
    species_data sp;
    make_species(&sp, "bullfrog", 60, 80);
    int fold_of[140];
    mlac_err err;
    CHECK_OK(folds_assign(&sp, 5, 7, 0, fold_of, &err), &err);
    for (int f = 0; f < 5; f++) {
        size_t small[2 * 10], big[2 * 40], test[140], n_test;
        CHECK_OK(folds_training_set(&sp, fold_of, f, 10, 7, 0, small, &err), &err);
        CHECK_OK(folds_training_set(&sp, fold_of, f, 40, 7, 0, big, &err), &err);
        folds_test_set(&sp, fold_of, f, test, &n_test);
        CHECK(n_test == 28);
        size_t n_pos = 0;
        for (size_t i = 0; i < 20; i++) {
            CHECK(contains(big, 80, small[i])); /* nested: the n=10 set lies inside the n=40 set */
            CHECK(!contains(test, n_test, small[i]));
        }
        for (size_t i = 0; i < 80; i++) {
            CHECK(!contains(test, n_test, big[i])); /* training never touches the test fold */
            n_pos += sp.clips[big[i]].label;
            for (size_t j = 0; j < i; j++)
                CHECK(big[i] != big[j]);
        }
        CHECK(n_pos == 40); /* balanced: n positives and n negatives */
        CHECK(sp.clips[big[0]].label == 1 && sp.clips[big[79]].label == 0);
    }
    /* too large a size for the pool is refused with a message naming the species */
    size_t huge[2 * 100];
    CHECK(folds_training_set(&sp, fold_of, 0, 100, 7, 0, huge, &err) == MLAC_EINVAL);
    CHECK(strstr(err.msg, "bullfrog") != NULL);
    free_species(&sp);
}

static void test_caps(void)
{
    species_data sp;
    make_species(&sp, "human_vocal", 50, 200);
    /* K = 5: each fold's pool keeps 50 - 10 = 40 positives */
    CHECK(dataset_max_balanced(&sp, 5) == 40);
    CHECK(folds_cap(&sp, 5, 42, 1, 25) == 25);
    CHECK(folds_cap(&sp, 5, 42, 1, 300) == 40);
    CHECK(dataset_max_balanced(&sp, 2) == 25);
    /* every fold can really supply the capped size */
    int fold_of[250];
    mlac_err err;
    CHECK_OK(folds_assign(&sp, 5, 1, 0, fold_of, &err), &err);
    size_t idx[80];
    for (int f = 0; f < 5; f++)
        CHECK_OK(folds_training_set(&sp, fold_of, f, 40, 1, 0, idx, &err), &err);
    free_species(&sp);
}

int main(void)
{
    test_stratified();
    test_nested_and_disjoint();
    test_caps();
    TEST_MAIN_END();
}
