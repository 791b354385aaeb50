#!/usr/bin/env bash
# Kubernetes without a cluster (MLAC_TEST_DEPLOY=1; otherwise skipped with 77): every kustomize
# tree renders with `kubectl kustomize` and passes two schema checks (k8s-types.mjs: types, enums,
# quantities; k8s-fields.mjs: unknown fields), each shown to reject a broken manifest; the
# ConfigMap holds every `mlac config` setting; then the rendered Indexed Job mlac-grid (4 shards)
# and the Job mlac-merge of the local overlay run with the built image through k8s-job-run.mjs
# (pods as containers) and the merged results equal a single-process host run; the grid Job's
# podFailurePolicy is exercised: a bad spec (78) fails each index at once, an unwritable store
# (75) is retried backoffLimitPerIndex times, and more than maxFailedIndexes fail the Job.
set -u
# shellcheck source=../cli/lib/testlib.sh
. "$(dirname "$0")/../cli/lib/testlib.sh"
# shellcheck source=lib/deploylib.sh
. "$(dirname "$0")/lib/deploylib.sh"
deploy_gate deploy_k8s
HERE=$SRC/tests/deploy

# npm packages for the checkers, pinned, in a cache folder outside the checkout
npm_dir=${MLAC_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlac-npm}
if [ ! -f "$npm_dir/.installed-1" ]; then
  mkdir -p "$npm_dir"
  npm install --silent --no-audit --no-fund --prefix "$npm_dir" \
    kubernetes-models@4.5.1 yaml@2.9.1 typescript@5.9.3 dockerfile-utils@0.16.3 > "$TMP/npm.log" 2>&1 ||
    { cat "$TMP/npm.log" >&2; echo "FAIL: npm install" >&2; exit 1; }
  touch "$npm_dir/.installed-1"
fi
export NODE_PATH=$npm_dir/node_modules
command -v kubectl > /dev/null || { echo "FAIL: no kubectl (install-deps --deploy installs kubernetes-client)" >&2; exit 1; }

for tree in base overlays/local overlays/gke; do
  name=${tree##*/}
  check "$tree renders" bash -c "kubectl kustomize '$SRC/k8s/$tree' > '$TMP/$name.yaml' 2> '$TMP/$name.err'"
  check "$tree: types, enums, quantities" node "$HERE/k8s-types.mjs" "$TMP/$name.yaml"
  check "$tree: no unknown fields" node "$HERE/k8s-fields.mjs" "$TMP/$name.yaml"
done
# the service: a Deployment whose probes are /healthz and /readyz, its Service, and the queue on a PVC
check "the service: Deployment with /healthz liveness and /readyz readiness" bash -c \
  "grep -A40 'name: mlac-serve\$' '$TMP/local.yaml' | grep -q 'path: /healthz' && grep -q 'path: /readyz' '$TMP/local.yaml'"
check "the service: a Service on 8080 and the state claim" bash -c \
  "grep -q 'kind: Service\$' '$TMP/local.yaml' && grep -q 'claimName: mlac-serve-state' '$TMP/local.yaml'"
check "gke: gs:// data and results" grep -q 'MLAC_OUTPUT_DIR: gs://' "$TMP/gke.yaml"
check "gke: 16 shards" grep -q 'completions: 16' "$TMP/gke.yaml"
check "local: hostPath data" grep -q 'path: /srv/mlac/data' "$TMP/local.yaml"
# the checkers can fail: a misspelt field, a quantity that is not one
sed 's/backoffLimitPerIndex:/backofLimitPerIndex:/' "$TMP/local.yaml" > "$TMP/typo.yaml"
expect_fail "k8s-fields.mjs rejects an unknown field" 'backofLimitPerIndex' node "$HERE/k8s-fields.mjs" "$TMP/typo.yaml"
sed 's/memory: 2Gi/memory: two-gigs/' "$TMP/local.yaml" > "$TMP/qty.yaml"
expect_fail "k8s-types.mjs rejects a bad quantity" 'memory' node "$HERE/k8s-types.mjs" "$TMP/qty.yaml"
# every setting of `mlac config` is in the ConfigMap (as MLAC_<KEY>, or the original platform's name)
# (the header lines, the column titles and the indented INVALID notes are not settings)
"$MLAC" config 2>/dev/null | awk '/^#/ || /^key / || /^[[:space:]]/ || !NF { next } { print toupper($1) }' > "$TMP/keys"
missing_settings() {
  local k
  while read -r k; do
    grep -Eq "^  (MLAC_)?$k:" "$TMP/base.yaml" || echo "$k"
  done < "$TMP/keys"
}
check "settings listed by mlac config: $(wc -l < "$TMP/keys")" test "$(wc -l < "$TMP/keys")" -gt 30
check "ConfigMap has every setting" test -z "$(missing_settings)"

# the Jobs for real: the local overlay plus the test's grid, 2 pods at a time
docker_up
image_build
"$DOCKER" tag "$IMAGE" mlac:latest
check "host reference run" host_reference "$TMP/host"
overlay() { # DIR EXTRA_CONFIG_LINES: a test overlay over k8s/overlays/local
  mkdir -p "$1"
  cat > "$1/kustomization.yaml" <<EOK
bases:
  - $(realpath --relative-to="$1" "$SRC/k8s/overlays/local")
patchesStrategicMerge:
  - test.yaml
EOK
  cat > "$1/test.yaml" <<EOK
apiVersion: v1
kind: ConfigMap
metadata:
  name: mlac-config
data:
  MLAC_RUN_ID: ref
  MLAC_SPECIES: coyote,bullfrog
  MLAC_MODELS: random_forest,svm
  MLAC_TRAINING_SIZES: 4,8
  MLAC_CV_FOLDS: "3"
$2
---
apiVersion: batch/v1
kind: Job
metadata:
  name: mlac-grid
spec:
  parallelism: 2
EOK
  kubectl kustomize "$1" > "$1/all.yaml" 2> "$1/err"
}
node_root() { # DIR: a node's filesystem with the synthetic data and a results folder for uid 10001
  mkdir -p "$1/srv/mlac/results"
  cp -r "$TMP/host/data" "$1/srv/mlac/data"
  chown -R 10001:10001 "$1/srv/mlac"
}
job() { node "$HERE/k8s-job-run.mjs" "$@"; }
check "test overlay renders" overlay "$TMP/ov" ""
node_root "$TMP/node"
check "Indexed Job mlac-grid: 4 of 4 indexes" job "$TMP/ov/all.yaml" mlac-grid --host-root "$TMP/node" --status "$TMP/grid.json"
cp "$TMP/last.out" "$TMP/grid.log"
check "one ledger per index" test "$(find "$TMP/node/srv/mlac/results/ref/shards" -name '*-of-4.jsonl' | wc -l)" -eq 4
check "each index ran one pod, exit 0" node -e 'const s = require(process.argv[1]); const x = Object.values(s.indexes);
    process.exit(x.length === 4 && x.every(i => i.exits.join() === "0") ? 0 : 1)' "$TMP/grid.json"
check "no summary before the merge" test ! -e "$TMP/node/srv/mlac/results/ref/summary.json"
check "Job mlac-merge" job "$TMP/ov/all.yaml" mlac-merge --host-root "$TMP/node"
check "merged = single-process run (summary.json identical)" same_results "$TMP/host/out/ref" "$TMP/node/srv/mlac/results/ref"
check "merge drew the report" test -s "$TMP/node/srv/mlac/results/ref/report/index.html"

# podFailurePolicy: a permanent error (78, a bad setting) fails each index without a retry
check "overlay with a bad setting" overlay "$TMP/bad" '  MLAC_REPEATS: "many"'
node_root "$TMP/node78"
expect_fail "bad spec: the Job fails (failed indexes > maxFailedIndexes)" 'maxFailedIndexes 1' \
  job "$TMP/bad/all.yaml" mlac-grid --host-root "$TMP/node78" --status "$TMP/78.json"
check "bad spec: exit 78, one pod per index (FailIndex)" \
  node -e 'const s = require(process.argv[1]); const x = Object.values(s.indexes);
    process.exit(x.length >= 2 && x.every(i => i.exits.join() === "78") ? 0 : 1)' "$TMP/78.json"
# a transient error (75, results not writable) is retried backoffLimitPerIndex (2) times
node_root "$TMP/node75"
chmod 555 "$TMP/node75/srv/mlac/results"
expect_fail "unwritable store: the Job fails" 'FAILED' \
  job "$TMP/ov/all.yaml" mlac-grid --host-root "$TMP/node75" --status "$TMP/75.json"
check "unwritable store: exit 75 three times per index (retried)" \
  node -e 'const s = require(process.argv[1]); const x = Object.values(s.indexes);
    process.exit(x.length >= 2 && x.every(i => i.exits.join() === "75,75,75") ? 0 : 1)' "$TMP/75.json"
finish
