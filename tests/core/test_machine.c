/* test_machine.c — the machine key of ledger lines (core/machine.h).
 *
 * machine_key_from must equal the keys tests/fixtures/gen/machine_keys.sh made with coreutils'
 * sha256sum (each part changes the key); machine_key_current is stable, 16 hex digits on this
 * machine, and MLAC_TEST_MACHINE_KEY replaces it when valid and is refused, naming the variable,
 * when not.
 */
#include "test.h"
#include "core/machine.h"

#include <ctype.h>

static int is_hex16(const char *s)
{
    if (strlen(s) != 16)
        return 0;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
            return 0;
    return 1;
}

static void check_fixture(void)
{
    char line[1024];
    const char *path = test_fixture("core/machine_keys.tsv");
    FILE *f = fopen(path, "r");
    CHECK_MSG(f != NULL, "cannot open %s", path);
    int rows = 0;
    while (f && fgets(line, sizeof line, f)) {
        char *id = strtok(line, "\t"), *model = strtok(NULL, "\t"), *cpus = strtok(NULL, "\t"),
             *want = strtok(NULL, "\t\n");
        CHECK(id && model && cpus && want);
        if (!(id && model && cpus && want))
            continue;
        char got[MACHINE_KEY_MAX];
        machine_key_from(id, model, strtol(cpus, NULL, 10), got);
        CHECK_MSG(!strcmp(got, want), "%s / %s / %s: got %s, want %s", id, model, cpus, got, want);
        rows++;
    }
    if (f)
        fclose(f);
    CHECK(rows == 5);
}

static void check_current(void)
{
    char a[MACHINE_KEY_MAX], b[MACHINE_KEY_MAX];
    mlac_err err = {0};
    unsetenv("MLAC_TEST_MACHINE_KEY");
    CHECK(machine_key_current(a, &err) == MLAC_OK);
    CHECK(machine_key_current(b, &err) == MLAC_OK);
    CHECK_MSG(is_hex16(a), "key '%s'", a);
    CHECK(!strcmp(a, b));

    setenv("MLAC_TEST_MACHINE_KEY", "lab-b.2", 1);
    CHECK(machine_key_current(b, &err) == MLAC_OK);
    CHECK(!strcmp(b, "lab-b.2"));
    static const char *const bad[] = {"", "has space", "a/b", "x\"y",
                                      "0123456789012345678901234567890123456789012345678901234567890123456789"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("MLAC_TEST_MACHINE_KEY", bad[i], 1);
        memset(&err, 0, sizeof err);
        CHECK_MSG(machine_key_current(b, &err) == MLAC_EINVAL, "'%s' accepted", bad[i]);
        CHECK(strstr(err.msg, "MLAC_TEST_MACHINE_KEY") != NULL);
    }
    unsetenv("MLAC_TEST_MACHINE_KEY");
}

int main(void)
{
    check_fixture();
    check_current();
    TEST_MAIN_END();
}
