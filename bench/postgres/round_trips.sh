#!/usr/bin/env bash
# Round trips to PostgreSQL per written memory: a throwaway PostgreSQL 15 and `engram serve` on it
# (the built-in encoder), then one POST of a new keyed memory while strace counts the server's
# sends to the database (libpq sends each round trip's statements in one write: BEGIN, every
# statement waited for, and the COMMIT with what was queued before it). Several binaries may be
# given (e.g. before and after a change): each gets a fresh database on the same server.
# Usage: bash bench/postgres/round_trips.sh [ENGRAM_BINARY...]   (default: build/engram)
# Needs postgresql-15, strace and curl; run as root or a user that can run initdb.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PGBIN=${ENGRAM_PG_BINDIR:-/usr/lib/postgresql/15/bin}
[ $# -gt 0 ] || set -- "$ROOT/build/engram"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
DIR=$(mktemp -d /tmp/engram-pg-rt-XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
PORT=$(free_port)
as_pg $PGBIN/initdb -D $DIR/data -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg $PGBIN/postgres -D $DIR/data -p $PORT -k $DIR -c listen_addresses=127.0.0.1 >$DIR/log 2>&1 &
for _ in $(seq 1 100); do $PGBIN/pg_isready -q -h 127.0.0.1 -p $PORT && break; sleep 0.1; done
PGPID=$(head -1 $DIR/data/postmaster.pid)
trap 'kill -INT $PGPID; while kill -0 $PGPID 2>/dev/null; do sleep 0.1; done; rm -rf $DIR' EXIT
export ENGRAM_EMBEDDER=use-lite
post() {
  curl -s -o /dev/null -H 'Content-Type: application/json' -d "$2" \
    "localhost:$1/v1/owners/alice/memories"
}
n=0
for E in "$@"; do
  n=$((n + 1))
  as_pg $PGBIN/psql -q -h 127.0.0.1 -p $PORT -U postgres -c "CREATE DATABASE rt$n" postgres
  URL=postgresql://postgres@127.0.0.1:$PORT/rt$n
  HTTP=$(free_port)
  "$E" --store $URL --index-cache none serve --port $HTTP --insecure-no-auth >$DIR/serve.log 2>&1 &
  S=$!
  for _ in $(seq 1 300); do curl -s localhost:$HTTP/healthz >/dev/null 2>&1 && break; sleep 0.1; done
  # Warm: the connection, prepared statements and the encoder.
  post $HTTP '{"text": "The deploy window is Friday at 18:00.", "key": "deploy.window"}'
  post $HTTP '{"text": "Alice prefers tea in the morning.", "type": "preference"}'
  for what in keyed keyless; do
    strace -f -p $S -e trace=sendto,write -yy -o $DIR/trace 2>/dev/null &
    T=$!
    sleep 1
    if [ $what = keyed ]; then
      post $HTTP '{"text": "The office moved to Aarhus in May.", "key": "office.city"}'
    else
      post $HTTP '{"text": "Alice keeps her bicycle in the cellar."}'
    fi
    sleep 0.5
    kill $T; wait $T 2>/dev/null || true
    echo "$E: a new $what memory: $(grep -c ":$PORT\]" $DIR/trace) round trips to PostgreSQL"
  done
  kill $S; wait $S 2>/dev/null || true
done
