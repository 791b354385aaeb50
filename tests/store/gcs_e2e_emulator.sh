#!/usr/bin/env bash
# gcs_e2e_emulator.sh (ctest store_gcs_e2e_emulator) — gcs_e2e.sh against Google's Firebase
# Storage emulator instead of our own test server (see gcs_e2e.sh for the emulator's gaps and
# what the test does about them); exits 77, reported as skipped, when the emulator is not
# installed (scripts/install-gcs-emulator.sh; CI sets MLAC_TEST_EMULATOR=1).
MLAC_E2E_SERVER=emulator exec bash "$(dirname "$0")/gcs_e2e.sh"
