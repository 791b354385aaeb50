/* test_fuzz_gcs_json.c — replays tests/fixtures/fuzz/gcs_json/ through fuzz_gcs_json.c. */
#include "fuzz_replay.h"
#include "fuzz_gcs_json.c"

int main(void)
{
    fuzz_replay("fuzz/gcs_json", 6);
    TEST_MAIN_END();
}
