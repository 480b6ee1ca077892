#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang in build-fuzz/ and runs each one, starting
# from its committed seeds, for SECONDS seconds (default 30; CI runs `scripts/fuzz.sh 20`, about
# 3.5 minutes for the ten targets; a long hunt is e.g. `scripts/fuzz.sh 3600`, or one target:
# `scripts/fuzz.sh 3600 llm_answer_fuzz`). New inputs go to build-fuzz/corpus/<target>/, crashes to
# build-fuzz/crashes/; a crash fails the script (turn it into a regression test and a seed).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_EACH=${1:-30}
shift || true
TARGETS=("$@")
# http_api_fuzz and mcp_fuzz drive a real engine, so they link the whole library built with the
# fuzzer's instrumentation (the other targets compile only the sources they exercise): a fourth
# build of the tree that CI's time cannot hold yet. Run them by name:
# `scripts/fuzz.sh 300 http_api_fuzz mcp_fuzz`.
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(json_fuzz redact_fuzz filter_fuzz timestamp_fuzz tokenize_fuzz
  keys_fuzz policy_fuzz llm_answer_fuzz import_fuzz archive_fuzz)
if ! command -v clang++ >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
BUILD="$ROOT/build-fuzz"
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DENGRAM_BUILD_FUZZ=ON -DENGRAM_BUILD_TESTS=OFF -DENGRAM_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target "${TARGETS[@]}"
mkdir -p "$BUILD/crashes"
for t in "${TARGETS[@]}"; do
  mkdir -p "$BUILD/corpus/$t"
  echo "fuzz: $t for ${SECONDS_EACH}s"
  rc=0
  "$BUILD/tests/fuzz/$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
    -artifact_prefix="$BUILD/crashes/$t-" "$BUILD/corpus/$t" "$ROOT/tests/fuzz/corpus/$t" \
    >"$BUILD/$t.log" 2>&1 || rc=$?
  grep -E "^(stat::number_of_executed_units|stat::new_units_added)|ERROR|SUMMARY" "$BUILD/$t.log" || true
  [ "$rc" -eq 0 ] || { echo "fuzz: $t failed (log: $BUILD/$t.log, input: $BUILD/crashes)"; exit 1; }
done
echo "fuzz: no crash"
