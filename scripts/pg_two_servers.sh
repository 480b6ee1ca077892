#!/usr/bin/env bash
# Two engram servers on one throwaway PostgreSQL 15 (initdb in a temporary folder, stopped by PID):
# write on A and search on B, supersede on B and search on A, delete on A and search on B.
# Usage: scripts/pg_two_servers.sh (as root, or a user that can run initdb); needs a built engram.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
E=${ENGRAM_BINARY:-$ROOT/build/engram}
PGBIN=/usr/lib/postgresql/15/bin
DIR=$(mktemp -d /tmp/engram-pg-demo-XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port); PA=$(free_port); PB=$(free_port)
as_pg $PGBIN/initdb -D $DIR/data -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg $PGBIN/postgres -D $DIR/data -p $PORT -k $DIR -c listen_addresses=127.0.0.1 >$DIR/log 2>&1 &
for _ in $(seq 1 100); do $PGBIN/pg_isready -q -h 127.0.0.1 -p $PORT && break; sleep 0.1; done
PGPID=$(head -1 $DIR/data/postmaster.pid)
URL=postgresql://postgres@127.0.0.1:$PORT/postgres
export ENGRAM_EMBEDDER=use-lite
echo '$ engram --store $URL migrate'; $E --store $URL migrate
$E --store $URL serve --port $PA --insecure-no-auth >$DIR/a.log 2>&1 & A=$!
$E --store $URL serve --port $PB --insecure-no-auth >$DIR/b.log 2>&1 & B=$!
for p in $PA $PB; do for _ in $(seq 1 300); do curl -s localhost:$p/healthz >/dev/null 2>&1 && break; sleep 0.1; done; done
head -1 $DIR/a.log; head -1 $DIR/b.log
c() { curl -s -H 'Content-Type: application/json' "$@"; echo; }
echo '# write on A'
c -d '{"text": "The deploy window is Friday at 18:00.", "key": "deploy.window"}' localhost:$PA/v1/owners/alice/memories | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["event"], d["memory"]["id"], d["memory"]["text"])'
echo '# search on B'
c -d '{"query": "when is the deploy window", "top_k": 3}' localhost:$PB/v1/owners/alice/memories/search | python3 -c 'import json,sys; d=json.load(sys.stdin); [print(h["id"], h["text"], round(h.get("score", 0), 3)) for h in d["hits"]]' 2>/dev/null || true
echo '# supersede on B (same key), then search on A'
c -d '{"text": "The deploy window moved to Thursday at 17:00.", "key": "deploy.window"}' localhost:$PB/v1/owners/alice/memories | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["event"], d["memory"]["text"], "superseded", d.get("superseded_ids"))'
c -d '{"query": "when is the deploy window", "top_k": 3}' localhost:$PA/v1/owners/alice/memories/search | python3 -c 'import json,sys; d=json.load(sys.stdin); [print(h["id"], h["text"], round(h.get("score", 0), 3)) for h in d["hits"]]'
echo '# delete on A, then search on B'
ID=$(c "localhost:$PA/v1/owners/alice/memories?key=deploy.window" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
c -X DELETE "localhost:$PA/v1/owners/alice/memories/$ID"
c -d '{"query": "when is the deploy window", "top_k": 3}' localhost:$PB/v1/owners/alice/memories/search
kill $A $B; wait $A $B 2>/dev/null || true
kill -INT $PGPID; while kill -0 $PGPID 2>/dev/null; do sleep 0.1; done; rm -rf $DIR
