#!/usr/bin/env bash
# Session state on Redis vs SQLite, beside redis-benchmark's own figures in the same run: starts a
# throwaway redis-server (loopback, free port, temporary folder, no persistence), runs
# redis-benchmark with one client (one round trip per request, as the engine makes them), then
# session_bench on Redis and on SQLite (fsync per commit, and not), and stops the server by PID.
#
# Usage: bash bench/sessions/run.sh
# Env:   N (2000: appends and reads per run), SESSIONS (20), BUILD_DIR (<repo>/build)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
N=${N:-2000}
SESSIONS=${SESSIONS:-20}
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$BUILD" --target session_bench -j2 >/dev/null

TMP=$(mktemp -d /tmp/engram-redis-bench-XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$TMP" --save "" --appendonly no \
  --logfile "$TMP/redis.log" --daemonize no &
REDIS_PID=$!
trap 'kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done

echo "# $(redis-server --version | cut -d' ' -f1-3); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# redis-benchmark -c 1 -n $N (1 client, no pipelining): p50 / p99 in ms"
redis-benchmark -p "$PORT" -c 1 -n "$N" -t set,get,zadd,lrange_100 --csv |
  python3 -c '
import csv, sys
for row in csv.DictReader(sys.stdin):
    print("%-22s p50=%6.3f ms  p99=%6.3f ms  %8.0f requests/s" % (
        row["test"].split(" (")[0], float(row["p50_latency_ms"]), float(row["p99_latency_ms"]), float(row["rps"])))'
echo "# session_bench: one engine call per operation, one client"
B="$BUILD/bench/sessions/session_bench"
"$B" --label "redis" --sessions "redis://127.0.0.1:$PORT/0" --appends "$N" --reads "$N" \
  --sessions-count "$SESSIONS" --dir "$TMP/redis-run"
"$B" --label "sqlite (fsync)" --appends "$N" --reads "$N" --sessions-count "$SESSIONS" \
  --dir "$TMP/sqlite-run" --durable 1
"$B" --label "sqlite (no fsync)" --appends "$N" --reads "$N" --sessions-count "$SESSIONS" \
  --dir "$TMP/sqlite-run" --durable 0
