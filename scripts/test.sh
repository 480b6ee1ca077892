#!/usr/bin/env bash
# Sets everything up, builds, and runs every test.
# Usage: scripts/test.sh [--sanitize | --tsan | --release]
#   --sanitize: the same suite under ASan+UBSan; --tsan: the concurrent suites under TSan;
#   --release: builds the Release configuration only (it must compile warning-free; the suite
#   itself runs in the RelWithDebInfo build)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/scripts/setup.sh" "$@"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
case "${1:-}" in
  --sanitize) ctest --test-dir "$ROOT/build-asan" --output-on-failure -j"$(nproc)" ;;
  --tsan) ctest --test-dir "$ROOT/build-tsan" --output-on-failure -j"$(nproc)" \
            -R '^(engine_test|store_conformance_test|server_api_test|server_e2e_test|util_test|use_lite_test|use_lite_golden_test)$' ;;
  --release) echo "test: the Release build compiles" ;;
  *) ctest --test-dir "$ROOT/build" --output-on-failure -j"$(nproc)" ;;
esac
