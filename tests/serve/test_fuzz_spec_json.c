/* test_fuzz_spec_json.c — replays tests/fixtures/fuzz/spec_json/ through fuzz_spec_json.c. */
#include "fuzz_replay.h"
#include "fuzz_spec_json.c"

int main(void)
{
    fuzz_replay("fuzz/spec_json", 8);
    TEST_MAIN_END();
}
