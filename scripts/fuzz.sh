#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) in the clang ASan+UBSan build, build-asan/ (the one
# `scripts/test.sh --sanitize` tests, instrumented for the fuzzers too), and runs each one,
# starting from its committed seeds, for SECONDS seconds (default 30; CI runs `scripts/fuzz.sh 20`,
# about 2 minutes for the twelve targets on two cores; a long hunt is e.g. `scripts/fuzz.sh 3600`, or one
# target: `scripts/fuzz.sh 3600 http_api_fuzz`). New inputs go to build-asan/corpus/<target>/,
# crashes to build-asan/crashes/; a crash fails the script (turn it into a regression test and a
# seed).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_EACH=${1:-30}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(json_fuzz redact_fuzz filter_fuzz timestamp_fuzz tokenize_fuzz
  keys_fuzz policy_fuzz llm_answer_fuzz import_fuzz archive_fuzz http_api_fuzz mcp_fuzz)
bash "$ROOT/scripts/setup.sh" --fuzz "${TARGETS[@]}"
BUILD="$ROOT/build-asan"
mkdir -p "$BUILD/crashes"
# One fuzzer per core at a time (each is single-threaded); a target's summary is printed when it
# ends, and the first crash fails the script once the running ones have finished.
fuzz_one() {
  local t=$1 rc=0
  mkdir -p "$BUILD/corpus/$t"
  "$BUILD/tests/fuzz/$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
    -artifact_prefix="$BUILD/crashes/$t-" "$BUILD/corpus/$t" "$ROOT/tests/fuzz/corpus/$t" \
    >"$BUILD/$t.log" 2>&1 || rc=$?
  { echo "fuzz: $t for ${SECONDS_EACH}s"
    grep -E "^(stat::number_of_executed_units|stat::new_units_added)|ERROR|SUMMARY" "$BUILD/$t.log" || true
    [ "$rc" -eq 0 ] || echo "fuzz: $t failed (log: $BUILD/$t.log, input: $BUILD/crashes)"; }
  return "$rc"
}
failed=0
running=0
for t in "${TARGETS[@]}"; do
  if [ "$running" -ge "$(nproc)" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  [ "$failed" -eq 0 ] || break
  fuzz_one "$t" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
[ "$failed" -eq 0 ] || exit 1
echo "fuzz: no crash"
