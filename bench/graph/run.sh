#!/usr/bin/env bash
# The graph comparison in one command: engram on SQLite and on a throwaway PostgreSQL 15 (started
# here, stopped at the end) beside Kuzu, on the same generated graphs (compare.mjs).
#   EDGES=10000,100000 QUERIES=200 bash bench/graph/run.sh
# POSTGRES=0 leaves PostgreSQL out (its load through the engine takes minutes at 100k edges).
# Needs build/bench/graph/graph_bench (cmake --build build --target graph_bench) and Kuzu
# (npm ci in bench/graph; the pinned version installs from npm alone).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH="${BENCH:-$ROOT/build/bench/graph/graph_bench}"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
[ -x "$BENCH" ] || { echo "no $BENCH: build the graph_bench target first" >&2; exit 1; }
[ -d "$HERE/node_modules/kuzu" ] || (cd "$HERE" && npm ci --no-audit --no-fund --silent)
cd "$HERE"
if [ "${POSTGRES:-1}" = 0 ]; then
  exec node compare.mjs --bench "$BENCH" --edges "${EDGES:-10000,100000}" --queries "${QUERIES:-200}"
fi

PGDIR="$(mktemp -d /tmp/engram-graph-pg.XXXXXX)"
# PostgreSQL refuses to run as root: its files and processes belong to the postgres user then.
AS=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$PGDIR"
  AS=(runuser -u postgres --)
fi
STARTED=0
cleanup() {
  [ "$STARTED" = 1 ] && "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1
  rm -rf "$PGDIR"
}
trap cleanup EXIT
"${AS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres --no-sync -E UTF8 \
  --locale=C.UTF-8 >"$PGDIR/initdb.log" 2>&1
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w \
  -o "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" \
  start >/dev/null
STARTED=1
URL="postgresql://postgres@127.0.0.1:$PORT/postgres"

node compare.mjs --bench "$BENCH" --edges "${EDGES:-10000,100000}" --queries "${QUERIES:-200}" \
  --store sqlite --store "$URL"
