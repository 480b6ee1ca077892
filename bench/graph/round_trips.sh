#!/usr/bin/env bash
# Round trips of graph reads on PostgreSQL (docs/graph.md, "Speed"): on graph_bench's querying
# thread, the sends (sendto) that libpq follows with a wait (poll) before its next send, counted
# with strace, for three inputs on one graph of 1,000 edges (make_graph.py) that differ only in
# the number of neighbour starts or path pairs (20 or 60). (starts60 - base) / 40 is one depth-1
# plus one depth-2 neighbourhood, (pairs60 - base) / 40 one path.
#   bash bench/graph/round_trips.sh build/bench/graph/graph_bench postgresql://USER@HOST:PORT
# Each run loads the graph into the database DB of the URL's server (dropped and created: the
# URL names the server, without a database).
set -euo pipefail
BENCH=$1
SERVER=$2
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d /tmp/engram-round-trips.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
python3 "$HERE/make_graph.py" 1000 20 "$WORK/base"
python3 "$HERE/make_graph.py" 1000 60 "$WORK/more"
cp -r "$WORK/base" "$WORK/starts60" && cp "$WORK/more/starts.txt" "$WORK/starts60/"
cp -r "$WORK/base" "$WORK/pairs60" && cp "$WORK/more/pairs.csv" "$WORK/pairs60/"
for input in base starts60 pairs60; do
  psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS engram_round_trips" 2>/dev/null
  psql "$SERVER/postgres" -qc "CREATE DATABASE engram_round_trips"
  strace -f -o "$WORK/trace" -e trace=poll,sendto "$BENCH" --input "$WORK/$input" \
    --store "$SERVER/engram_round_trips" >/dev/null
  main=$(head -1 "$WORK/trace" | awk '{print $1}')
  awk -v p="$main" -v input="$input" '$1 == p {
      if ($2 ~ /^sendto/) sent = 1; else if ($2 ~ /^poll/ && sent) { n++; sent = 0 } }
    END { print input, "round trips", n }' "$WORK/trace"
done
