#!/usr/bin/env bash
# Installs what engram needs on Debian 12 (only what is missing) and builds it.
# Idempotent. Usage: scripts/setup.sh [--sanitize | --tsan | --fuzz TARGET...]
#   default: the Release build (what users, the tests and the benchmarks run) in build/;
#   --sanitize: ASan+UBSan build with clang in build-asan/, instrumented for libFuzzer too;
#   --fuzz: the named libFuzzer targets in that same build; --tsan: the concurrent suites under
#   TSan in build-tsan/
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

PACKAGES=(build-essential cmake pkg-config git ca-certificates python3
          libsqlite3-dev nlohmann-json3-dev libcli11-dev libicu-dev libcurl4-openssl-dev
          libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev
          libpq-dev postgresql-15 libhiredis-dev redis-server libyaml-cpp-dev libssl-dev
          chromium lld)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm (for the model package) may come from Debian or from a NodeSource nodejs: check the command.
command -v npm >/dev/null 2>&1 || missing+=(npm)
# The sanitizer build and the fuzzers are compiled with clang (libFuzzer is clang's). Its
# sanitizer and libFuzzer runtimes are only recommended by Debian's clang, so they are named.
case "${1:-}" in
  --sanitize|--fuzz)
    command -v clang++ >/dev/null 2>&1 || missing+=(clang)
    dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q 'install ok installed' ||
      missing+=(libclang-rt-14-dev)
    ;;
esac
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The built-in sentence encoder's files (npm package, pinned sha256; nothing fetched at run time).
bash "$ROOT/scripts/install_model.sh"

# npm projects pinned by their lock files, each skipped when already installed at the locked
# version: the official MCP TypeScript SDK client that tests engram's MCP server, Mem0's own
# client (tests/mem0_client) and the TypeScript client with the LangGraph and OpenAI Agents
# packages it is tested against (clients/typescript), and the web page's toolchain (ui/: Vite,
# TypeScript, Vitest, playwright-core for its test in Debian's chromium), which CMake builds with.
for NPM_DIR in "$ROOT/tests/mcp/sdk" "$ROOT/tests/mem0_client" "$ROOT/clients/typescript" "$ROOT/ui"; do
  if ! cmp -s "$NPM_DIR/package-lock.json" "$NPM_DIR/node_modules/.engram-installed-lock" 2>/dev/null; then
    (cd "$NPM_DIR" && npm ci --no-audit --no-fund --silent)
    cp "$NPM_DIR/package-lock.json" "$NPM_DIR/node_modules/.engram-installed-lock"
  fi
done

BUILD_DIR=build
CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=Release)
# CI (ENGRAM_CI=1): a suite whose tools are missing fails instead of being skipped.
CI_ARGS=()
[ "${ENGRAM_CI:-0}" = 1 ] && CI_ARGS=(-DENGRAM_REQUIRE_ALL_SUITES=ON)
TARGETS=()
case "${1:-}" in
  --sanitize|--fuzz)
    BUILD_DIR=build-asan
    # One clang build serves the ASan+UBSan suite and the fuzzers: every library is also
    # instrumented for libFuzzer's coverage (ENGRAM_BUILD_FUZZ), so the fuzzers that drive a whole
    # engine link the objects the tests already built. Line tables only (-g1): sanitizer reports
    # keep file:line, objects and links get smaller.
    CMAKE_ARGS=(-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1
                -DENGRAM_SANITIZE=address,undefined -DENGRAM_BUILD_FUZZ=ON -DENGRAM_BUILD_BENCH=OFF)
    if [ "${1:-}" = --fuzz ]; then shift; TARGETS=(--target "$@"); fi
    ;;
  --tsan)
    # The concurrent code: the engine under concurrent writers and readers, the server, the
    # worker team (util_test) and the embedder that shares its work across threads.
    BUILD_DIR=build-tsan
    CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DENGRAM_SANITIZE=thread
                -DENGRAM_BUILD_BENCH=OFF)
    # The suites labelled "concurrent" in tests/*/CMakeLists.txt; scripts/test.sh --tsan runs
    # exactly those, and fails when one of them was not built.
    TARGETS=(--target engram_cli engine_test partition_budget_test store_conformance_test group_commit_test
      shared_postgres_test
      server_api_test server_e2e_test
      util_test use_lite_test use_lite_golden_test hnsw_index_test net_test embed_http_test
      mcp_test)
    ;;
esac
cmake -S . -B "$BUILD_DIR" "${CMAKE_ARGS[@]}" "${CI_ARGS[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" "${TARGETS[@]}"
echo "setup: built $ROOT/$BUILD_DIR"
