#!/usr/bin/env python3
"""Crash test that runs for as long as you like: acknowledged writes survive `kill -9`.

Usage: bench/server/crash_bench.py [build/engram] [--cycles 50] [--writers 8] [--imports 20]
                                   [--import-lines 20000] [--seed 1]

Serve: each cycle starts `engram serve` on one database file, lets --writers threads add memories
over keep-alive connections, kills the server with SIGKILL at a random moment (50-800 ms in),
and remembers every id answered 201. After the last cycle a fresh server must return every one
of them (GET /v1/owners/{owner}/memories/{id} -> 200). Writes use durable commits (the default),
so an acknowledged write is on disk when the answer leaves.

Import: each run kills `engram import` of one JSONL file (--import-lines distinct facts, one
owner per run) at a random moment; the owner must then hold either nothing or every line
(docs/cli.md: an import is all-or-nothing). An import of the same file without a kill, run first
to time the kills, must store exactly --import-lines.

Prints a human summary and one `JSON {...}` line; exits 1 on any lost or partial write.
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEY = "k-crash-bench-0123456789abcdef"


def start(binary, workdir):
    keys = os.path.join(workdir, "keys.json")
    with open(keys, "w") as f:
        json.dump({KEY: {"admin": True}}, f)
    env = dict(os.environ, ENGRAM_EMBEDDER="none")
    proc = subprocess.Popen([binary, "--db", os.path.join(workdir, "crash.db"), "serve",
                             "--port", "0", "--keys", keys],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    m = re.search(r"http://[^:]+:(\d+)", proc.stdout.readline())
    if not m:
        raise SystemExit("engram serve did not start")
    return proc, int(m.group(1))


def writer(port, owner, label, acked, lock, stop):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": "Bearer " + KEY, "Content-Type": "application/json"}
    i = 0
    while not stop.is_set():
        body = json.dumps({"text": f"{label} note {i} about item {random.random()}"})
        try:
            conn.request("POST", f"/v1/owners/{owner}/memories", body, headers)
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException):
            return  # the server is gone
        if r.status == 201:
            with lock:
                acked.append((owner, json.loads(data)["memory"]["id"]))
        i += 1


def serve_cycles(binary, workdir, cycles, writers, rng):
    acked, lock = [], threading.Lock()
    for cycle in range(cycles):
        proc, port = start(binary, workdir)
        stop = threading.Event()
        threads = [threading.Thread(target=writer,
                                    args=(port, f"owner{w % 4}", f"c{cycle}w{w}", acked, lock,
                                          stop))
                   for w in range(writers)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.05, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join()
    proc, port = start(binary, workdir)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    lost = 0
    for owner, mid in acked:
        conn.request("GET", f"/v1/owners/{owner}/memories/{mid}",
                     headers={"Authorization": "Bearer " + KEY})
        r = conn.getresponse()
        r.read()
        lost += r.status != 200
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    return len(acked), lost


def count(binary, db, owner):
    out = subprocess.run([binary, "--db", db, "--json", "list", "--owner", owner, "--limit",
                          "1000"], capture_output=True, text=True,
                         env=dict(os.environ, ENGRAM_EMBEDDER="none"), check=True)
    page, n = json.loads(out.stdout), 0
    while True:
        n += len(page["items"])
        if not page.get("next_cursor"):
            return n
        out = subprocess.run([binary, "--db", db, "--json", "list", "--owner", owner, "--limit",
                              "1000", "--cursor", page["next_cursor"]], capture_output=True,
                             text=True, env=dict(os.environ, ENGRAM_EMBEDDER="none"), check=True)
        page = json.loads(out.stdout)


def import_runs(binary, workdir, runs, lines, rng):
    db = os.path.join(workdir, "import.db")
    path = os.path.join(workdir, "facts.jsonl")
    with open(path, "w") as f:
        for i in range(lines):
            f.write(json.dumps({"text": f"fact number {i} is {rng.random()}", "type": "fact",
                                "key": f"fact.{i}"}) + "\n")
    env = dict(os.environ, ENGRAM_EMBEDDER="none")
    # One import without a kill first: it must complete, and its time spreads the kills over
    # the whole import (and a little past its end).
    t = time.time()
    final = subprocess.run([binary, "--db", db, "import", "--owner", "complete", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    took = time.time() - t
    complete = final.returncode == 0 and count(binary, db, "complete") == lines
    partial, outcomes = 0, {"none": 0, "all": 0}
    for run in range(runs):
        owner = f"import{run}"
        proc = subprocess.Popen([binary, "--db", db, "import", "--owner", owner, path],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.02, 1.2 * took))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        n = count(binary, db, owner)
        if n == 0:
            outcomes["none"] += 1
        elif n == lines:
            outcomes["all"] += 1
        else:
            partial += 1
            print(f"import {run}: {n} of {lines} lines stored (partial)")
    return outcomes, partial, complete, took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary", nargs="?", default=os.path.join(ROOT, "build", "engram"))
    ap.add_argument("--cycles", type=int, default=50)
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--imports", type=int, default=20)
    ap.add_argument("--import-lines", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    with tempfile.TemporaryDirectory(prefix="engram-crash-") as workdir:
        t = time.time()
        acked, lost = serve_cycles(a.binary, workdir, a.cycles, a.writers, rng)
        serve_s = time.time() - t
        print(f"serve: {a.cycles} kill -9 cycles, {a.writers} writers: {acked} acknowledged, "
              f"{lost} lost ({serve_s:.0f} s)")
        t = time.time()
        outcomes, partial, complete, took = import_runs(a.binary, workdir, a.imports,
                                                        a.import_lines, rng)
        print(f"import: {a.imports} kill -9 runs of {a.import_lines} lines: {outcomes['none']} "
              f"left nothing, {outcomes['all']} finished, {partial} partial; the run without a "
              f"kill {'completed' if complete else 'FAILED'} in {took:.1f} s "
              f"({time.time() - t:.0f} s in all)")
    print("JSON " + json.dumps({"bench": "crash", "cycles": a.cycles, "writers": a.writers,
                                "acknowledged": acked, "lost": lost, "imports": a.imports,
                                "import_lines": a.import_lines, "import_none": outcomes["none"],
                                "import_all": outcomes["all"], "import_partial": partial,
                                "import_complete": complete}))
    sys.exit(1 if lost or partial or not complete else 0)


if __name__ == "__main__":
    main()
