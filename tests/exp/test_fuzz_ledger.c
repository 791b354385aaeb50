/* test_fuzz_ledger.c — replays tests/fixtures/fuzz/ledger/ through fuzz_ledger.c. */
#include "fuzz_replay.h"
#include "fuzz_ledger.c"

int main(void)
{
    fuzz_replay("fuzz/ledger", 6);
    TEST_MAIN_END();
}
