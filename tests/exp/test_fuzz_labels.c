/* test_fuzz_labels.c — replays tests/fixtures/fuzz/labels/ through fuzz_labels.c. */
#include "fuzz_replay.h"
#include "fuzz_labels.c"

int main(void)
{
    fuzz_replay("fuzz/labels", 6);
    TEST_MAIN_END();
}
