/* leakage.c — spotting windows of one recording by their file names (see leakage.h). */
#include "exp/leakage.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct stem {
    char key[256];   /* the stem less its trailing number */
    size_t clip;     /* index of the clip */
} stem;

static int cmp_stem(const void *a, const void *b)
{
    return strcmp(((const stem *)a)->key, ((const stem *)b)->key);
}

/* The basename without extension and trailing digits into key; 0 when there are no digits. */
static int stem_of(const char *path, char *key, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot ? (size_t)(dot - base) : strlen(base);
    size_t end = len;
    while (end > 0 && isdigit((unsigned char)base[end - 1]))
        end--;
    if (end == len || end == 0 || end >= n)
        return 0;
    memcpy(key, base, end);
    key[end] = '\0';
    return 1;
}

static int has_digit(const char *s)
{
    for (; *s; s++)
        if (isdigit((unsigned char)*s))
            return 1;
    return 0;
}

/* "re:^(.+)<tail>\d+<ext>$" from an example: tail = the key from its last separator. */
static void suggest(const char *path, const char *key, char *out, size_t n)
{
    const char *sep = NULL;
    for (const char *p = key; *p; p++)
        if (*p == '_' || *p == '-' || *p == '.' || *p == ' ')
            sep = p;
    const char *tail = sep ? sep : key + strlen(key);
    const char *dot = strrchr(path, '.');
    char t[128] = "", e[32] = "";
    size_t j = 0;
    for (const char *p = tail; *p && j + 3 < sizeof t; p++) {
        if (strchr(".^$|?*+()[]{}\\", *p))
            t[j++] = '\\';
        t[j++] = *p;
    }
    t[j] = '\0';
    if (dot && strlen(dot) < 16 && !strchr(dot, '/'))
        snprintf(e, sizeof e, "\\%s", dot);
    snprintf(out, n, "re:^(.+)%s\\d+%s$", t, e);
}

int leakage_scan(const species_data *sp, leakage_info *info)
{
    memset(info, 0, sizeof *info);
    stem *s = malloc((sp->n_clips ? sp->n_clips : 1) * sizeof *s);
    if (!s)
        return 0;
    size_t m = 0;
    for (size_t k = 0; k < sp->n_clips; k++)
        if (stem_of(sp->clips[k].path, s[m].key, sizeof s[m].key))
            s[m++].clip = k;
    qsort(s, m, sizeof *s, cmp_stem);
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && !strcmp(s[j].key, s[i].key))
            j++;
        size_t count = j - i;
        if (count >= 2 && (has_digit(s[i].key) || count * 4 < sp->n_clips)) {
            if (!info->windows) {
                const char *path = sp->clips[s[i].clip].path, *base = strrchr(path, '/');
                snprintf(info->example, sizeof info->example, "%s", base ? base + 1 : path);
                suggest(path, s[i].key, info->suggest, sizeof info->suggest);
            }
            info->windows += count;
            info->recordings++;
        }
        i = j;
    }
    free(s);
    return info->windows >= 2 && info->windows * 10 >= sp->n_clips;
}

int leakage_check(const species_data *sp, char *msg, size_t n)
{
    leakage_info li;
    if (!leakage_scan(sp, &li))
        return 0;
    snprintf(msg, n, "species '%s': %zu of %zu clips look like windows of %zu recordings (names differing only by a "
             "trailing number, e.g. '%s') and grouping is off, so one recording can sit in both the training and "
             "the test fold and inflate AUC; pass --group-by '%s' (or --groups FILE.csv)", sp->name, li.windows,
             sp->n_clips, li.recordings, li.example, li.suggest);
    return 1;
}
