#!/usr/bin/env bash
# Sets everything up, builds, and runs every test.
# Usage: scripts/test.sh [--sanitize | --tsan]
#   default: the suite in the Release build (warnings are errors there too);
#   --sanitize: the same suite under ASan+UBSan; --tsan: the concurrent suites under TSan
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/scripts/setup.sh" "$@"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
case "${1:-}" in
  --sanitize) ctest --test-dir "$ROOT/build-asan" --output-on-failure -j"$(nproc)" --no-tests=error ;;
  --tsan) ctest --test-dir "$ROOT/build-tsan" --output-on-failure -j"$(nproc)" -L concurrent \
            --no-tests=error ;;
  *) ctest --test-dir "$ROOT/build" --output-on-failure -j"$(nproc)" --no-tests=error ;;
esac
