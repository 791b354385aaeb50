#!/usr/bin/env bash
# Lint of the deploy files (MLAC_TEST_DEPLOY=1; otherwise skipped with 77): shellcheck on
# scripts/*.sh, deploy/**/*.sh and *.sbatch and tests/deploy/; the Dockerfile through npm's
# dockerfile-utils linter, which is shown to reject a broken Dockerfile; compose file parses.
set -u
# shellcheck source=../cli/lib/testlib.sh
. "$(dirname "$0")/../cli/lib/testlib.sh"
# shellcheck source=lib/deploylib.sh
. "$(dirname "$0")/lib/deploylib.sh"
deploy_gate deploy_lint

mapfile -t scripts < <(cd "$SRC" && find scripts deploy tests/deploy -name '*.sh' -o -name '*.sbatch' | sort)
check "shellcheck: ${#scripts[@]} scripts" bash -c "cd '$SRC' && shellcheck -x -P SCRIPTDIR ${scripts[*]}"

npm_dir=${MLAC_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlac-npm}
if [ ! -x "$npm_dir/node_modules/.bin/dockerfile-utils" ]; then
  npm install --silent --no-audit --no-fund --prefix "$npm_dir" dockerfile-utils@0.16.3 > "$TMP/npm.log" 2>&1 ||
    { cat "$TMP/npm.log" >&2; echo "FAIL: npm install dockerfile-utils" >&2; exit 1; }
fi
lint() { "$npm_dir/node_modules/.bin/dockerfile-utils" lint "$1"; }
check "Dockerfile lints clean" lint "$SRC/Dockerfile"
sed 's/^ENTRYPOINT/ENTRYPIONT/' "$SRC/Dockerfile" > "$TMP/Dockerfile.bad"
expect_fail "the linter rejects a misspelt instruction" 'Unknown instruction' lint "$TMP/Dockerfile.bad"
check "no registry pulls, no syntax line" bash -c "! grep -Eq '^# *syntax=|^FROM +[a-z0-9.-]+\.[a-z]+/' '$SRC/Dockerfile'"
check "docker-compose.yml parses" bash -c "cd '$SRC' && MLAC_IMAGE=x docker-compose -f docker-compose.yml config -q"
finish
