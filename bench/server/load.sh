#!/usr/bin/env bash
# Throughput and latency of `engram serve` under concurrent load: a mix of searches (unique
# LoCoMo questions) and adds (LoCoMo sentences) against one owner that already holds N memories,
# driven by wrk (Debian's package) on the same machine. Prints wrk's figures, the server's CPU
# time per request and the CPU bound (cores / CPU seconds per request) with the share of it reached.
# Usage: bash bench/server/load.sh  (env: ENGRAM=build/engram N=10000 CONNS=64 DURATION=30s
#        SEARCH_SHARE=70 THREADS=8 (the server's --threads), PROFILE=FILE: `perf record -g` of the
#        server during the measured run, into FILE; VERIFY=1: sample the server's RSS during the
#        run, then kill -9 it and check that every add it acknowledged is in the database)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ENGRAM=${ENGRAM:-$ROOT/build/engram}
N=${N:-10000}
CONNS=${CONNS:-64}
DURATION=${DURATION:-30s}
SEARCH_SHARE=${SEARCH_SHARE:-70}
THREADS=${THREADS:-8}
LOCOMO=${LOCOMO:-$ROOT/../shared/data/locomo/locomo10.json}
command -v wrk >/dev/null || { echo "load: wrk is missing (apt-get install wrk)"; exit 1; }

WORK=$(mktemp -d)
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT

# Sentences of the LoCoMo turns: the first N are stored before the run, the rest are the adds.
python3 - "$LOCOMO" "$N" "$WORK" <<'PY'
import json, re, sys
path, n, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = json.load(open(path))
sentences, seen, questions = [], set(), []
for conv in data:
    c = conv["conversation"]
    for key in sorted(k for k in c if re.fullmatch(r"session_\d+", k)):
        for turn in c[key]:
            for s in re.split(r"(?<=[.!?])\s+", turn["text"]):
                s = s.strip()
                if len(s.split()) >= 4 and s.lower() not in seen:
                    seen.add(s.lower())
                    sentences.append(f'{turn["speaker"]}: {s}')
    questions += [qa["question"] for qa in conv["qa"] if qa.get("question")]
if len(sentences) < n + 1000:
    sys.exit(f"load: LoCoMo has {len(sentences)} sentences, fewer than N + 1000")
with open(f"{work}/seed.jsonl", "w") as f:
    for s in sentences[:n]:
        f.write(json.dumps({"text": s, "type": "episode"}) + "\n")
with open(f"{work}/texts.txt", "w") as f:
    for s in sentences[n:]:
        f.write(json.dumps(s) + "\n")
with open(f"{work}/queries.txt", "w") as f:
    for q in questions:
        f.write(json.dumps(q) + "\n")
print(f"load: {n} memories stored first, {len(sentences) - n} sentences to add, {len(questions)} questions")
PY

start=$(date +%s.%N)
"$ENGRAM" --db "$WORK/load.db" import --owner bench "$WORK/seed.jsonl" >/dev/null
echo "load: import of $N memories took $(echo "$(date +%s.%N) - $start" | bc) s"

KEY=k-load-bench-0123456789abcdef
echo "{\"$KEY\": {\"owners\": [\"bench\"]}}" >"$WORK/keys.json"
"$ENGRAM" --db "$WORK/load.db" serve --port 0 --keys "$WORK/keys.json" --threads "$THREADS" \
  >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER=$!
for _ in $(seq 100); do grep -q "http://" "$WORK/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o "http://[^ ]*" "$WORK/serve.out" | head -1)
[ -n "$URL" ] || { cat "$WORK/serve.err"; exit 1; }

cpu() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
export ENGRAM_KEY=$KEY ENGRAM_OWNER=bench LOAD_QUERIES="$WORK/queries.txt" \
  LOAD_TEXTS="$WORK/texts.txt" LOAD_SEARCH_SHARE=$SEARCH_SHARE LOAD_ACKS=""
# A short warm-up loads the owner's index and the embedder, then the measured run.
wrk -t2 -c4 -d3s -s "$ROOT/bench/server/load_mix.lua" "$URL" >/dev/null
PERF=""
if [ -n "${PROFILE:-}" ]; then
  perf record -q -F 499 -g -p "$SERVER" -o "$PROFILE" 2>/dev/null &
  PERF=$!
fi
SAMPLER=""
if [ "${VERIFY:-0}" = 1 ]; then
  mkdir "$WORK/acks"
  export LOAD_ACKS="$WORK/acks"
  # RSS every 10 s, to show it flat after the warm-up.
  (while kill -0 "$SERVER" 2>/dev/null; do
     echo "$(date +%s) $(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")"; sleep 10
   done) >"$WORK/rss.txt" 2>/dev/null &
  SAMPLER=$!
fi
before=$(cpu)
wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 10s --latency -s "$ROOT/bench/server/load_mix.lua" \
  "$URL" | tee "$WORK/wrk.out"
after=$(cpu)
[ -z "$PERF" ] || { kill -INT "$PERF"; wait "$PERF" || true; }
requests=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out")
python3 - "$before" "$after" "$requests" "$rps" "$(getconf CLK_TCK)" "$(nproc)" \
  "$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")" <<'PY'
import sys
before, after, requests, rps, tck, cores, hwm = sys.argv[1:]
cpu_s = (float(after) - float(before)) / float(tck)
per = cpu_s / float(requests)
bound = int(cores) / per
print(f"load: server CPU {cpu_s:.1f} s for {requests} requests = {per * 1000:.2f} ms each; "
      f"CPU bound {bound:.0f} req/s on {cores} cores; reached {float(rps):.0f} req/s = "
      f"{100 * float(rps) / bound:.0f}% of it; server peak RSS {int(hwm) / 1024:.0f} MiB")
PY
[ "${VERIFY:-0}" = 1 ] || exit 0
kill "$SAMPLER" 2>/dev/null || true
awk 'NR == 1 {t0 = $1} {printf "load: RSS at %4d s: %.1f MiB\n", $1 - t0, $2 / 1024}' "$WORK/rss.txt"
awk '/Non-2xx|Socket errors/' "$WORK/wrk.out" | sed 's/^/load: errors: /'
# Every acknowledged add must survive a kill -9 of the server.
kill -9 "$SERVER"
wait "$SERVER" 2>/dev/null || true
SERVER=""
python3 - "$WORK/load.db" "$WORK/acks" <<'PY'
import glob, sqlite3, sys
db, acks = sys.argv[1:]
acked = set()
for path in glob.glob(f"{acks}/*.ids"):
    acked.update(line.strip() for line in open(path) if line.strip())
conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
stored = {row[0] for row in conn.execute("SELECT id FROM memories WHERE deleted_at IS NULL")}
lost = acked - stored
print(f"load: after kill -9: {len(acked)} acknowledged adds, {len(lost)} of them missing")
sys.exit(1 if lost else 0)
PY
