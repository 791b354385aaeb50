/* test_fuzz_predictions.c — replays tests/fixtures/fuzz/predictions/ through fuzz_predictions.c. */
#include "fuzz_replay.h"
#include "fuzz_predictions.c"

int main(void)
{
    fuzz_replay("fuzz/predictions", 6);
    TEST_MAIN_END();
}
