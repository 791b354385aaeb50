/* test_group_folds.c — stratified group k-fold (issue 12) over many seeds and fold counts: no
 * group in two folds, class balance per fold within one group's size of even, determinism,
 * nested paired training sets inside the pool, grouped caps, and the large-group warning. */
#include "core/rng.h"
#include "exp/folds.h"
#include "exp_testutil.h"
#include "test.h"

/* A species whose positives and negatives come in groups of 1..max_size clips (single-class
 * groups, or with mixed != 0 every fifth group also holds clips of the other class). */
static void make_grouped(species_data *sp, uint64_t seed, size_t n_pos_groups, size_t n_neg_groups, size_t max_size,
                         int mixed)
{
    rng r;
    rng_seed(&r, seed);
    size_t cap = (n_pos_groups + n_neg_groups) * (max_size + 1) * 2, n = 0;
    memset(sp, 0, sizeof *sp);
    snprintf(sp->name, sizeof sp->name, "grouped");
    sp->clips = calloc(cap, sizeof *sp->clips);
    size_t G = n_pos_groups + n_neg_groups;
    for (int label = 1; label >= 0; label--)
        for (size_t g = 0; g < G; g++) {
            int own = (g < n_pos_groups) == (label == 1);
            size_t size = own ? 1 + (size_t)rng_below(&r, max_size) : (mixed && g % 5 == 0) ? 1 + (size_t)rng_below(&r, 2) : 0;
            for (size_t k = 0; k < size; k++, n++) {
                char path[128], group[32];
                snprintf(group, sizeof group, "rec%04zu", g);
                snprintf(path, sizeof path, "grouped/data/%s/%s_w%zu.wav", label ? "pos" : "neg", group, k);
                sp->clips[n].path = strdup(path);
                sp->clips[n].group = strdup(group);
                sp->clips[n].gid = (int)g; /* names are zero-padded: the index is the rank */
                sp->clips[n].label = label;
                label ? sp->n_pos++ : sp->n_neg++;
            }
        }
    sp->n_clips = n;
    sp->n_groups = G;
}

/* The largest count of one class in one group. */
static size_t largest_group(const species_data *sp, int label)
{
    size_t *c = calloc(sp->n_groups, sizeof *c), best = 0;
    for (size_t k = 0; k < sp->n_clips; k++)
        if (sp->clips[k].label == label && ++c[sp->clips[k].gid] > best)
            best = c[sp->clips[k].gid];
    free(c);
    return best;
}

static int check_assignment(const species_data *sp, int K, const int *fold_of)
{
    int ok = 1;
    int *fold_of_group = malloc(sp->n_groups * sizeof *fold_of_group);
    for (size_t g = 0; g < sp->n_groups; g++)
        fold_of_group[g] = -1;
    for (size_t k = 0; k < sp->n_clips; k++) {
        int f = fold_of[k], g = sp->clips[k].gid;
        ok &= f >= 0 && f < K;
        if (fold_of_group[g] < 0)
            fold_of_group[g] = f;
        ok &= fold_of_group[g] == f; /* a group lies in exactly one fold */
    }
    for (int label = 1; label >= 0; label--) {
        size_t count[16] = {0}, total = label ? sp->n_pos : sp->n_neg, big = largest_group(sp, label);
        for (size_t k = 0; k < sp->n_clips; k++)
            count[fold_of[k]] += sp->clips[k].label == label;
        for (int f = 0; f < K; f++) {
            double even = (double)total / K;
            ok &= fabs((double)count[f] - even) <= (double)big; /* within one group of even */
            ok &= count[f] > 0;
        }
    }
    free(fold_of_group);
    return ok;
}

static void test_properties(void)
{
    static const int ks[] = {2, 3, 5, 7, 10};
    int all_ok = 1, differs = 0, cases = 0;
    mlac_err err;
    for (int mixed = 0; mixed <= 1; mixed++)
        for (uint64_t seed = 0; seed < 60; seed++)
            for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
                int K = ks[ki];
                species_data sp;
                make_grouped(&sp, 1000 + seed, (size_t)K + seed % 17, (size_t)K + 3 + seed % 23, 1 + seed % 9, mixed);
                int *a = malloc(sp.n_clips * sizeof *a), *b = malloc(sp.n_clips * sizeof *b);
                CHECK_OK(folds_assign(&sp, K, seed, 0, a, &err), &err);
                int ok = check_assignment(&sp, K, a);
                if (!ok)
                    fprintf(stderr, "unbalanced or crossing: mixed %d seed %llu K %d\n", mixed,
                            (unsigned long long)seed, K);
                all_ok &= ok;
                CHECK_OK(folds_assign(&sp, K, seed, 0, b, &err), &err);
                all_ok &= memcmp(a, b, sp.n_clips * sizeof *a) == 0; /* deterministic for a seed */
                CHECK_OK(folds_assign(&sp, K, seed, 1, b, &err), &err);
                all_ok &= check_assignment(&sp, K, b);
                differs += memcmp(a, b, sp.n_clips * sizeof *a) != 0;
                cases++;
                free(a), free(b);
                free_species(&sp);
            }
    CHECK(all_ok);
    CHECK_MSG(differs > cases * 3 / 4, "a new repeat reshuffled only %d of %d assignments", differs, cases);
}

static int contains(const size_t *set, size_t n, size_t x)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == x)
            return 1;
    return 0;
}

/* Nested, paired training sets inside the grouped pool; no test group in training; the cap. */
static void test_nested_in_pool(void)
{
    species_data sp;
    make_grouped(&sp, 7, 20, 30, 6, 0);
    mlac_err err;
    int K = 5;
    size_t cap = folds_max_balanced(&sp, K, 42, 3);
    CHECK(cap > 10 && cap < sp.n_pos);
    for (int r = 0; r < 3; r++) {
        int *fold_of = malloc(sp.n_clips * sizeof *fold_of);
        CHECK_OK(folds_assign(&sp, K, 42, r, fold_of, &err), &err);
        for (int f = 0; f < K; f++) {
            size_t pool_pos = 0, pool_neg = 0;
            for (size_t k = 0; k < sp.n_clips; k++)
                if (fold_of[k] != f)
                    sp.clips[k].label ? pool_pos++ : pool_neg++;
            CHECK(cap <= pool_pos && cap <= pool_neg); /* the cap fits every pool of every repeat */
            size_t small[20], big[2 * 10], *full = malloc(2 * cap * sizeof *full);
            CHECK_OK(folds_training_set(&sp, fold_of, f, 10, 42, r, small, &err), &err);
            CHECK_OK(folds_training_set(&sp, fold_of, f, 10, 42, r, big, &err), &err);
            CHECK(memcmp(small, big, sizeof small) == 0); /* the same clips for every model */
            CHECK_OK(folds_training_set(&sp, fold_of, f, cap, 42, r, full, &err), &err);
            int nested = 1, clean = 1;
            for (size_t i = 0; i < 10; i++) {
                nested &= contains(full, cap, small[i]);          /* positives lie in the larger set */
                nested &= contains(full + cap, cap, small[10 + i]); /* and negatives */
            }
            for (size_t i = 0; i < 2 * cap; i++)
                for (size_t k = 0; k < sp.n_clips; k++)
                    if (fold_of[k] == f)
                        clean &= sp.clips[k].gid != sp.clips[full[i]].gid; /* no test group in training */
            CHECK(nested);
            CHECK(clean);
            free(full);
        }
        free(fold_of);
    }
    CHECK(folds_cap(&sp, K, 42, 3, 100000) == cap);
    free_species(&sp);
}

/* A group with more than 1/K of a class is named once, with the balance reached. */
static void test_large_group_warning(void)
{
    species_data sp;
    make_grouped(&sp, 3, 8, 8, 2, 0);
    int fold_of[256];
    char msg[1024];
    mlac_err err;
    CHECK_OK(folds_assign(&sp, 4, 1, 0, fold_of, &err), &err);
    CHECK(!folds_group_balance(&sp, 4, fold_of, msg, sizeof msg));
    free_species(&sp);
    /* positives: one recording with 30 windows and 6 with 2 */
    make_grouped(&sp, 3, 7, 8, 2, 0);
    size_t n_old = sp.n_clips;
    sp.clips = realloc(sp.clips, (n_old + 30) * sizeof *sp.clips);
    for (size_t k = 0; k < 30; k++) {
        char path[64];
        snprintf(path, sizeof path, "grouped/data/pos/big_w%zu.wav", k);
        sp.clips[n_old + k] = (clip_ref){.path = strdup(path), .group = strdup("rec9999"), .gid = (int)sp.n_groups,
                                         .label = 1};
    }
    sp.n_clips += 30, sp.n_pos += 30, sp.n_groups++;
    CHECK_OK(folds_assign(&sp, 4, 1, 0, fold_of, &err), &err);
    CHECK(check_assignment(&sp, 4, fold_of));
    CHECK(folds_group_balance(&sp, 4, fold_of, msg, sizeof msg));
    CHECK_MSG(strstr(msg, "'rec9999'") && strstr(msg, "holds 30 of") && strstr(msg, "positives per fold: "), "%s", msg);
    free_species(&sp);
}

/* Without groups nothing changes: the clip-level folds and caps of DESIGN.md §3. */
static void test_ungrouped_unchanged(void)
{
    species_data sp;
    make_species(&sp, "coyote", 23, 41);
    CHECK(folds_max_balanced(&sp, 5, 42, 4) == dataset_max_balanced(&sp, 5));
    char msg[64];
    int fold_of[64];
    mlac_err err;
    CHECK_OK(folds_assign(&sp, 5, 42, 0, fold_of, &err), &err);
    CHECK(!folds_group_balance(&sp, 5, fold_of, msg, sizeof msg));
    free_species(&sp);
}

int main(void)
{
    test_properties();
    test_nested_in_pool();
    test_large_group_warning();
    test_ungrouped_unchanged();
    TEST_MAIN_END();
}
