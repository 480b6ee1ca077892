#!/usr/bin/env bash
# engram's vector search on PostgreSQL beside the peers' PostgreSQL baseline (float4[] vectors,
# an exact filtered top-K in SQL; no vector extension is packaged for Debian 12) on the peers'
# workload: the same vectors, users and queries (vecFromSeed, ${ENGRAM_SHARED_DIR}/peers/common.*),
# one after another in one run, with SQLite for reference and the load average beside them.
# Usage: N=100000 Q=200 bash bench/postgres/peers_pg.sh
# Env:   N Q K DIM USERS BATCH (the workload), PEERS_DIR (/tmp/peers, where the `pg` npm client is
#        installed: bash $ENGRAM_SHARED_DIR/peers/install.sh), BUILD_DIR (<repo>/build).
# Needs postgresql-15, node, and a built engram_peer_bench.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHARED=$(cd "${ENGRAM_SHARED_DIR:-$ROOT/../shared}" && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
export PEERS_DIR=${PEERS_DIR:-/tmp/peers}
PGBIN=${ENGRAM_PG_BINDIR:-/usr/lib/postgresql/15/bin}
[ -e "$PEERS_DIR/node_modules/pg" ] ||
  { echo "no pg npm client in $PEERS_DIR (bash $SHARED/peers/install.sh)" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
DIR=$(mktemp -d /tmp/engram-pg-peers-XXXXXX)
PORT=$(free_port)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
as_pg "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 \
  >"$DIR/initdb.log"
# The peers' server settings (pg_bench.mjs): fsync off, synchronous_commit off, 256 MB buffers.
as_pg "$PGBIN/postgres" -D "$DIR/data" -p "$PORT" -k "$DIR" -c listen_addresses=127.0.0.1 \
  -c fsync=off -c synchronous_commit=off -c shared_buffers=256MB >"$DIR/server.log" 2>&1 &
for _ in $(seq 1 100); do "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break; sleep 0.1; done
PID=$(head -1 "$DIR/data/postmaster.pid")
stop() { kill -INT "$PID" 2>/dev/null || true; while kill -0 "$PID" 2>/dev/null; do sleep 0.1; done; rm -rf "$DIR"; }
trap stop EXIT
echo "workload: N=${N:-20000} DIM=${DIM:-384} USERS=${USERS:-10} Q=${Q:-1000} K=${K:-10};" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== engram on PostgreSQL (vector search in engram's index, built from the database)"
ENGRAM_PEER_STORE="postgresql://postgres@127.0.0.1:$PORT/postgres" \
  "$BUILD/bench/peers/engram_peer_bench" | grep -E ': N=[0-9]'
echo "== engram on SQLite"
"$BUILD/bench/peers/engram_peer_bench" | grep -E ': N=[0-9]'
echo "== PostgreSQL float4[] exact SQL (the peers' pg_bench.mjs)"
(cd "$SHARED/peers" && PG_PORT=$(free_port) node pg_bench.mjs | grep -E ': N=[0-9]|keyword')
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
