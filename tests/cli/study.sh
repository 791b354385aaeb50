#!/usr/bin/env bash
# End-to-end: a study grown over several runs in one results store. Extending it twice (a size,
# then a model) computes only the new tasks and reuses the rest; reordering --models,
# --training-sizes or --species is the same run (same id and folder, nothing computed, outputs
# byte-equal, also to a fresh store given the other order); the grown run's tables equal a single
# run of the full spec in a fresh store (byte for byte, apart from summary.json's "run_id"), and so
# do the tables of `mlac report RUN RUN` combining two runs; runs of different protocols are
# refused naming the field; --run-id of an existing run accepts a spec that only adds; --dry-run
# prints the plan (capped sizes with the reason, reusable tasks, estimates from this machine's
# earlier tasks, else another machine's, else none) and writes nothing.
set -u
. "$(dirname "$0")/lib/testlib.sh"
export MLAC_LOG_FORMAT=json MLAC_CACHE_DIR="$TMP/cache"
# for tests only (core/machine.h): the machine key ledger lines record, so the plan's estimate can
# be checked "on this machine" and "on another machine"
export MLAC_TEST_MACHINE_KEY=lab-a

check "synth" "$MLAC" synth --out "$TMP/data" --per-class 12 --seconds 1 --seed 3
run() { "$MLAC" run-experiment --data "$TMP/data" --species coyote --cv-folds 3 --no-report "$@" 2>"$TMP/err.log"; }
# "run-x: 6 tasks (0 already done, 3 run, 0 failed, 3 reused from earlier runs)" -> "run-x 3 3"
# (a run that reused nothing does not say ", 0 reused": -> "run-x 3 0")
counts() { sed -n -e 's/^\([^:]*\): [0-9]* tasks ([0-9]* already done, \([0-9]*\) run, 0 failed, \([0-9]*\) reused.*/\1 \2 \3/p' \
                  -e 's/^\([^:]*\): [0-9]* tasks ([0-9]* already done, \([0-9]*\) run, 0 failed)$/\1 \2 0/p'; }
same_tables() { # RUN_A RUN_B: every table equal, summary.json apart from its run_id
  for f in summary.csv significance.csv curves.csv; do cmp "$1/$f" "$2/$f" || return 1; done
  cmp <(grep -v '"run_id"' "$1/summary.json") <(grep -v '"run_id"' "$2/summary.json")
}

S="$TMP/study"
read -r r1 c1 u1 < <(run --output-dir "$S" --models random_forest --training-sizes 3 | counts)
check "first run computes its 3 tasks" test "$c1 $u1" = "3 0"
read -r r2 c2 u2 < <(run --output-dir "$S" --models random_forest --training-sizes 3 6 | counts)
check "adding a size computes only its 3 tasks, reuses 3" test "$c2 $u2" = "3 3"
check "a reused task names the run it came from" grep -q "\"reused_from\":\"$r1\"" "$S/$r2/tasks.jsonl"
check "reused predictions are copied" cmp "$S/$r1/predictions/coyote/random_forest/n00003_r0_f1.csv" \
  "$S/$r2/predictions/coyote/random_forest/n00003_r0_f1.csv"
read -r r3 c3 u3 < <(run --output-dir "$S" --models random_forest,svm --training-sizes 3 6 | counts)
check "adding a model computes only its 6 tasks, reuses 6" test "$c3 $u3" = "6 6"
check "the run says how many it reused" grep -q '6 tasks reused from earlier runs' "$TMP/err.log"
read -r r4 c4 u4 < <(run --output-dir "$S" --models svm,random_forest --training-sizes 6 3 | counts)
check "reordering is the same run" test "$r4" = "$r3"
check "reordering computes nothing" test "$c4 $u4" = "0 0"

read -r rf cf uf < <(run --output-dir "$TMP/fresh" --models random_forest,svm --training-sizes 3 6 | counts)
check "a single run of the full spec computes all 12" test "$cf $uf" = "12 0"
check "grown study equals a single run of the full spec" same_tables "$S/$r3" "$TMP/fresh/$rf"
check "reordered study equals it too" same_tables "$S/$r4" "$TMP/fresh/$rf"

# reordering --species, --models or --training-sizes: the lists are sets, so the same run id and
# folder, nothing computed, the folder's outputs (report included) unchanged; and a fresh store
# given the last order holds the same outputs (apart from output_dir and measured times)
O="$TMP/order"
orun() { "$MLAC" run-experiment --data "$TMP/data" --cv-folds 3 "$@" 2>"$TMP/err.log"; }
snapshot() { (cd "$1" && find . -type f ! -name '.*' | LC_ALL=C sort | xargs sha256sum); }
times_out() { sed -E 's/[0-9.]+ (ms|µs|ns|s|min)\b//g; s/width:[0-9]+px//g; s/output_dir[^,]*,//' "$1"; }
read -r ro co uo < <(orun --output-dir "$O" --species coyote,bullfrog --models svm,random_forest --training-sizes 6 3 | counts)
check "first order computes its 24 tasks" test "$co $uo" = "24 0"
snapshot "$O/$ro" > "$TMP/snap.before"
for what in species models sizes; do
  case $what in
    species) args="--species bullfrog,coyote --models svm,random_forest --training-sizes 6 3" ;;
    models) args="--species bullfrog,coyote --models random_forest,svm --training-sizes 6 3" ;;
    sizes) args="--species bullfrog,coyote --models random_forest,svm --training-sizes 3,6" ;;
  esac
  # shellcheck disable=SC2086
  read -r rx cx ux < <(orun --output-dir "$O" $args | counts)
  check "reordering $what gives the same run id and folder" test "$rx" = "$ro"
  check "reordering $what computes nothing" test "$cx $ux" = "0 0"
  check "reordering $what leaves the folder's outputs byte-equal" cmp "$TMP/snap.before" <(snapshot "$O/$ro")
done
check "spec.json lists models in registry order and species sorted" \
  bash -c "tr -d ' \n' < '$O/$ro/spec.json' | grep -q '\"models\":\[\"random_forest\",\"svm\"\].*\"species\":\[\"bullfrog\",\"coyote\"\]'"
# shellcheck disable=SC2086
read -r rz cz uz < <(orun --output-dir "$TMP/order2" $args | counts)
check "the other order in a fresh store: the same run id" test "$rz" = "$ro"
check "the other order in a fresh store: the same tables" same_tables "$O/$ro" "$TMP/order2/$rz"
check "the other order in a fresh store: the same spec.json" cmp <(times_out "$O/$ro/spec.json") <(times_out "$TMP/order2/$rz/spec.json")
# (the report shows measured times, so it is compared without digits: names and their order count)
check "the other order in a fresh store: the same report" \
  cmp <(times_out "$O/$ro/report/index.html" | tr -d '0-9') <(times_out "$TMP/order2/$rz/report/index.html" | tr -d '0-9')

# mlac report RUN RUN: the random_forest run and an svm-only run combined
read -r rs cs us < <(run --output-dir "$S" --models svm --training-sizes 3 6 | counts)
check "svm-only run is all reused" test "$cs $us" = "0 6"
check "report combines two runs" bash -c "'$MLAC' report '$S/$r2' '$S/$rs' > '$TMP/comb.out' 2>&1"
comb=$(sed -n 's/^combined 2 runs: .* into //p' "$TMP/comb.out")
check "combined run named" test -n "$comb"
check "combined report written" test -s "$comb/report/index.html"
check "combined runs equal a single run of the full spec" same_tables "$comb" "$TMP/fresh/$rf"
check "overlapping runs combine (shared tasks once)" bash -c "'$MLAC' report '$S/$r1' '$S/$r3' | grep -q '12 tasks (3 found in more than one run)'"
run --output-dir "$S" --models random_forest --training-sizes 3 --seed 7 > /dev/null
rseed=$(ls -t "$S" | grep '^run-' | head -1)
expect_fail "runs of different protocols are refused, naming the field" "differ in 'seed'" \
  "$MLAC" report "$S/$r1" "$S/$rseed"

# the old --run-id: a spec that only adds extends the run in place; removing is refused
check "--run-id run" run --output-dir "$TMP/old" --run-id r --models random_forest --training-sizes 3
check "--run-id extended by a size and a model" bash -c "$(declare -f run); MLAC='$MLAC' TMP='$TMP'; run --output-dir '$TMP/old' --run-id r --models svm,random_forest --training-sizes 3 6 | grep -q '^r: 12 tasks (3 already done, 9 run, 0 failed)$'"
check "extended spec.json lists both models" grep -q '"svm"' "$TMP/old/r/spec.json"
check "extended run equals a single run of the full spec" same_tables "$TMP/old/r" "$TMP/fresh/$rf"
# a spec.json that lists the models in another order (as an mlac before sets wrote it) is the same run
perl -0pi -e 's/"random_forest",(\s*)"svm"/"svm",$1"random_forest"/' "$TMP/old/r/spec.json"
check "(spec.json's models reordered)" grep -Eq '^ *"svm",$' "$TMP/old/r/spec.json"
check "a spec.json with the lists in another order resumes" bash -c "$(declare -f run); MLAC='$MLAC' TMP='$TMP'; run --output-dir '$TMP/old' --run-id r --models random_forest,svm --training-sizes 3 6 | grep -q '^r: 12 tasks (12 already done, 0 run, 0 failed)$'"
check "...as the same run, not as an extension" bash -c "! grep -q 'extended' '$TMP/err.log' && grep -Eq '^ *\"svm\",$' '$TMP/old/r/spec.json'"
expect_fail "removing a model from an existing run is refused" "never by removing" \
  "$MLAC" run-experiment --data "$TMP/data" --species coyote --cv-folds 3 --no-report --output-dir "$TMP/old" --run-id r --models svm --training-sizes 3 6

# --dry-run: the plan, nothing written
before=$(find "$S" | wc -l)
check "--dry-run" bash -c "$(declare -f run); MLAC='$MLAC' TMP='$TMP'; run --output-dir '$S' --models random_forest,svm --training-sizes 3 6 50 --dry-run > '$TMP/plan.out'"
check "plan says the capped size and why" grep -q '50 -> 8 (capped: only 12 positives and 12 negatives with 3 folds' "$TMP/plan.out"
check "plan counts reusable and new tasks" grep -Eq 'random_forest +9 tasks: 0 done, 6 reusable, 3 to run' "$TMP/plan.out"
# svm: 6 tasks computed here (r3's); random_forest: 9 (r1, r2 and the seed-7 run), copies never count
check "plan estimates from this machine's earlier tasks" \
  grep -Eq 'svm +9 tasks: .*about .* of task time \(from 6 earlier svm tasks on this machine\)' "$TMP/plan.out"
check "...for each model" \
  grep -Eq 'random_forest +9 tasks: .*\(from 9 earlier random_forest tasks on this machine\)' "$TMP/plan.out"
check "--dry-run writes nothing into the store" test "$(find "$S" | wc -l)" -eq "$before"
check "--dry-run into a new store creates nothing" bash -c "$(declare -f run); MLAC='$MLAC' TMP='$TMP'; run --output-dir '$TMP/none' --models svm --training-sizes 3 --dry-run > /dev/null && test ! -e '$TMP/none'"

# the estimate by machine: every ledger line names its machine; another machine's plan falls back
# to these tasks and says so; once it has run tasks of a model, its own are used; none: no estimate
plan() { MLAC_TEST_MACHINE_KEY=$1 "$MLAC" run-experiment --data "$TMP/data" --species coyote --cv-folds 3 --no-report \
  --output-dir "$S" --training-sizes 3 6 50 --dry-run --models "$2" 2>/dev/null; }
check "ledger lines record the machine" grep -q '"machine":"lab-a"' "$S/$r1/tasks.jsonl"
plan lab-b random_forest,svm,vgg > "$TMP/plan_b.out"
check "another machine's plan: from this one's tasks, saying so" \
  grep -Eq 'svm +9 tasks: .*about .* of task time \(from 6 earlier svm tasks on another machine\)' "$TMP/plan_b.out"
check "a model never run: no estimate" \
  grep -Eq 'vgg +9 tasks: 0 done, 0 reusable, 9 to run; no estimate \(no earlier tasks of this model\)$' "$TMP/plan_b.out"
plan lab-b random_forest,svm > "$TMP/plan_b.out"
check "the total says it is partly from other machines" grep -q 'partly from tasks on other machines' "$TMP/plan_b.out"
MLAC_TEST_MACHINE_KEY=lab-b run --output-dir "$S" --models svm --training-sizes 4 > /dev/null
check "(lab-b ran 3 svm tasks)" grep -q '"machine":"lab-b"' "$S/$(ls -t "$S" | grep '^run-' | head -1)/tasks.jsonl"
plan lab-b random_forest,svm > "$TMP/plan_b.out"
check "then lab-b's estimate for svm is its own" \
  grep -Eq 'svm +9 tasks: .*\(from 3 earlier svm tasks on this machine\)' "$TMP/plan_b.out"
check "...and for random_forest still lab-a's" \
  grep -Eq 'random_forest +9 tasks: .*\(from 9 earlier random_forest tasks on another machine\)' "$TMP/plan_b.out"
check "a third machine: from both, on other machines" \
  bash -c "$(declare -f plan); MLAC='$MLAC' TMP='$TMP' S='$S'; plan lab-c svm | grep -Eq 'svm +9 tasks: .*\(from 9 earlier svm tasks on other machines\)'"
expect_fail "an invalid test machine key is refused, naming the variable" "MLAC_TEST_MACHINE_KEY: 'no/slash'" \
  env MLAC_TEST_MACHINE_KEY=no/slash "$MLAC" run-experiment --data "$TMP/data" --species coyote --cv-folds 3 \
  --output-dir "$S" --models svm --dry-run
# ledgers of an mlac before machine keys: still valid (a resume computes nothing), another machine's
for l in "$S"/*/tasks.jsonl; do sed -i 's/,"machine":"[^"]*"//' "$l"; done
check "(machine keys removed)" bash -c "! grep -q '\"machine\"' '$S/$r3/tasks.jsonl'"
read -r r5 c5 u5 < <(run --output-dir "$S" --models random_forest,svm --training-sizes 3 6 | counts)
check "lines without a machine key stay valid: the resume computes nothing" test "$r5 $c5 $u5" = "$r3 0 0"
plan lab-a svm > "$TMP/plan_a.out"
check "...and count as another machine's" \
  grep -Eq 'svm +9 tasks: .*\(from 9 earlier svm tasks on another machine\)' "$TMP/plan_a.out"
finish
