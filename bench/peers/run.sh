#!/usr/bin/env bash
# Same-run comparison of engram with peer systems on the peers' shared workload (by default
# N=20000 vecFromSeed vectors of 384-d, 10 users, 1000 filtered top-10 queries, 10 warm-up).
# Installs the peers if missing (${ENGRAM_SHARED_DIR:-<repo>/../shared}/peers/install.sh), builds
# engram_peer_bench, runs engram then each peer one after another, and prints a table with each
# peer's figures as ratios to engram's.
#
# Usage: bash bench/peers/run.sh [name-regex]
# Env:   N Q K DIM USERS BATCH (the workload), REPS (1; the table takes medians), WITH_MEM0=1
#        (adds Mem0 OSS, ~12 min), ENGRAM_DURABLE (1), BUILD_DIR (<repo>/build), PEERS_DIR
#        (/tmp/peers), ENGRAM_SHARED_DIR.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHARED=$(cd "${ENGRAM_SHARED_DIR:-$ROOT/../shared}" && pwd)
HARNESS=$SHARED/peers
BUILD=${BUILD_DIR:-$ROOT/build}
export PEERS_DIR=${PEERS_DIR:-/tmp/peers}
REPS=${REPS:-1}
filter=${1:-.}
OUT=$PEERS_DIR/results/engram-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"

# ---- peers: install what is missing (install.sh is idempotent but slow-ish: apt + npm) ----
missing=0
for f in node_modules/chromadb node_modules/@lancedb/lancedb bin/hnswlib_bench bin/faiss_bench; do
  [ -e "$PEERS_DIR/$f" ] || missing=1
done
[ "${WITH_MEM0:-0}" = 1 ] && { [ -e "$PEERS_DIR/mem0/node_modules/mem0ai" ] || missing=1; }
if [ $missing = 1 ]; then
  echo "installing peers into $PEERS_DIR (bash $HARNESS/install.sh)"
  bash "$HARNESS/install.sh"
fi

# ---- engram harness ----
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DENGRAM_SHARED_DIR="$SHARED"
fi
cmake --build "$BUILD" --target engram_peer_bench -j2 >"$OUT/build.log" 2>&1 ||
  { tail -30 "$OUT/build.log"; exit 1; }

runs=(
  "engram|$BUILD/bench/peers/engram_peer_bench"
  "chroma|node chroma_bench.mjs"
  "lancedb-none|env LANCE_INDEX=none node lancedb_bench.mjs"
  "lancedb-hnsw-refine5|env LANCE_INDEX=hnsw LANCE_REFINE=5 node lancedb_bench.mjs"
  "hnswlib-cpp-partition|env HNSW_MODE=partition $PEERS_DIR/bin/hnswlib_bench"
  "faiss-flat_sel|env FAISS_MODE=flat_sel $PEERS_DIR/bin/faiss_bench"
  "faiss-hnsw_partition|env FAISS_MODE=hnsw_partition $PEERS_DIR/bin/faiss_bench"
  "mem0|node mem0_bench.mjs"
)
echo "workload: N=${N:-20000} DIM=${DIM:-384} USERS=${USERS:-10} Q=${Q:-1000} K=${K:-10}; reps $REPS;" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); logs in $OUT"
[ "${WITH_MEM0:-0}" = 1 ] || echo "mem0 skipped: it takes about 12 minutes; WITH_MEM0=1 includes it"
cd "$HARNESS"
for rep in $(seq 1 "$REPS"); do
  for entry in "${runs[@]}"; do
    name=${entry%%|*} cmd=${entry#*|}
    [[ "$name" =~ $filter ]] || continue
    [ "$name" = mem0 ] && [ "${WITH_MEM0:-0}" != 1 ] && continue
    log=$OUT/$name.$rep.log
    start=$(date +%s)
    if timeout 1800 bash -c "$cmd" >"$log" 2>&1 && grep -q '^JSON' "$log"; then
      grep -E ': N=[0-9]' "$log" | sed "s/^/[rep $rep] /"
      grep '^JSON' "$log" | sed "s/^JSON {/{\"name\":\"$name\",/" >>"$OUT/results.jsonl"
    else
      echo "[rep $rep] $name FAILED, see $log"
      tail -5 "$log"
    fi
    echo "          ($name took $(($(date +%s) - start)) s)"
  done
done
python3 "$ROOT/bench/peers/table.py" "$OUT/results.jsonl"
