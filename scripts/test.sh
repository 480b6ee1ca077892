#!/usr/bin/env bash
# Sets everything up, builds, and runs every test.
# Usage: scripts/test.sh [--sanitize]   (--sanitize: the same suite under ASan+UBSan)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/scripts/setup.sh" "$@"
BUILD_DIR="$ROOT/build"; [ "${1:-}" = "--sanitize" ] && BUILD_DIR="$ROOT/build-asan"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)"
