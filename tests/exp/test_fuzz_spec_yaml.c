/* test_fuzz_spec_yaml.c — replays tests/fixtures/fuzz/spec_yaml/ through fuzz_spec_yaml.c. */
#include "fuzz_replay.h"
#include "fuzz_spec_yaml.c"

int main(void)
{
    fuzz_replay("fuzz/spec_yaml", 8);
    TEST_MAIN_END();
}
