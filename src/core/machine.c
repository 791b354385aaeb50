/* machine.c — the key of the machine tasks run on (see machine.h). */
#include "core/machine.h"
#include "core/hash.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MACHINE_LINE_MAX 512 /* longest machine-id or cpuinfo line read */

/* Trims surrounding blanks (and the newline) of s in place. */
static void trim(char *s)
{
    size_t n = strlen(s), k = 0;
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (isspace((unsigned char)s[k]))
        k++;
    memmove(s, s + k, n - k + 1);
}

/* The first line of path, trimmed, or "" when it cannot be read. */
static void first_line(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    if (!fgets(out, (int)n, f))
        out[0] = '\0';
    fclose(f);
    trim(out);
}

/* The value of the first "model name" line of /proc/cpuinfo, or "unknown". */
static void cpu_model(char *out, size_t n)
{
    snprintf(out, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "re");
    if (!f)
        return;
    char line[MACHINE_LINE_MAX];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon || strncmp(line, "model name", 10))
            continue;
        snprintf(out, n, "%s", colon + 1);
        trim(out);
        break;
    }
    fclose(f);
}

void machine_key_from(const char *id, const char *model, long cpus, char out[MACHINE_KEY_MAX])
{
    char text[3 * MACHINE_LINE_MAX], hex[65];
    snprintf(text, sizeof text, "%.*s\n%.*s\n%ld", MACHINE_LINE_MAX, id, MACHINE_LINE_MAX, model, cpus);
    hash_sha256_hex(text, strlen(text), hex);
    snprintf(out, MACHINE_KEY_MAX, "%.16s", hex);
}

static int key_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > MACHINE_KEY_MAX - 1)
        return 0;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
            return 0;
    return 1;
}

int machine_key_current(char out[MACHINE_KEY_MAX], mlac_err *err)
{
    const char *test = getenv("MLAC_TEST_MACHINE_KEY");
    if (test) {
        if (!key_valid(test))
            return mlac_errf(err, MLAC_EINVAL, "MLAC_TEST_MACHINE_KEY: '%.80s' is not 1-64 characters of "
                             "[A-Za-z0-9._-]", test);
        snprintf(out, MACHINE_KEY_MAX, "%s", test);
        return MLAC_OK;
    }
    char id[MACHINE_LINE_MAX], model[MACHINE_LINE_MAX];
    first_line("/etc/machine-id", id, sizeof id);
    if (!id[0] && gethostname(id, sizeof id - 1) != 0)
        id[0] = '\0';
    id[sizeof id - 1] = '\0';
    cpu_model(model, sizeof model);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    machine_key_from(id, model, cpus > 0 ? cpus : 1, out);
    return MLAC_OK;
}
