#!/usr/bin/env bash
# recall_bench on PostgreSQL: starts a throwaway PostgreSQL 15 on loopback (initdb in a temporary
# folder, a free port, stopped by its PID and removed at the end), runs
# `recall_bench --store postgres://...` on it with the arguments given, then the same on SQLite
# for comparison. Usage: bench/recall/postgres.sh [recall_bench options, e.g. --n 10000]
# Needs postgresql-15 (scripts/setup.sh installs it) and a built build/bench/recall/recall_bench.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=${RECALL_BENCH:-$ROOT/build/bench/recall/recall_bench}
PGBIN=${ENGRAM_PG_BINDIR:-/usr/lib/postgresql/15/bin}
DIR=$(mktemp -d /tmp/engram-pg-bench-XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
as_pg "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 \
  >"$DIR/initdb.log"
# Durable settings (fsync on): the figures stand for a real server, not a test one.
as_pg "$PGBIN/postgres" -D "$DIR/data" -p "$PORT" -k "$DIR" -c listen_addresses=127.0.0.1 \
  -c shared_buffers=512MB >"$DIR/server.log" 2>&1 &
for _ in $(seq 1 100); do "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break; sleep 0.1; done
PID=$(head -1 "$DIR/data/postmaster.pid")
stop() { kill -INT "$PID" 2>/dev/null || true; while kill -0 "$PID" 2>/dev/null; do sleep 0.1; done; rm -rf "$DIR"; }
trap stop EXIT
echo "postgres: PID $PID on 127.0.0.1:$PORT"
echo "== PostgreSQL"
"$BENCH" --store "postgresql://postgres@127.0.0.1:$PORT/postgres" "$@"
echo "== SQLite"
"$BENCH" "$@"
