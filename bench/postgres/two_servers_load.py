#!/usr/bin/env python3
"""Two `engram serve` on one PostgreSQL database under concurrent load.

Usage: bench/postgres/two_servers_load.py [--engram build/engram] [--seconds 20] [--clients 4]
       [--probes 100] [--preload 1000]

Starts a throwaway PostgreSQL 15 (initdb in a temporary folder, a free loopback port, stopped by
its PID) and two servers A and B on it (USE-lite embedder), preloads memories, then for
--seconds runs --clients clients, each alternating writes and hybrid searches on A and B, and
meanwhile one prober that writes a memory on A and searches B (vector mode, the in-process index
that the change notification keeps current) until B returns it: the write-to-visible lag A->B,
from A's acknowledgement to the first search on B that finds it. Prints throughput and latency
percentiles, the lag p50/p99, and the load average of the machine.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PGBIN = os.environ.get("ENGRAM_PG_BINDIR", "/usr/lib/postgresql/15/bin")
WORDS = ("coffee tea paris berlin meeting birthday python rust dog cat allergy peanut vegan guitar "
         "tennis invoice flight hotel doctor project").split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_pg(cmd):
    return ["runuser", "-u", "postgres", "--"] + cmd if os.getuid() == 0 else cmd


def start_postgres(folder):
    if os.getuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    subprocess.run(as_pg([PGBIN + "/initdb", "-D", folder + "/data", "-A", "trust", "-U",
                          "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    log = open(folder + "/server.log", "w")
    subprocess.Popen(as_pg([PGBIN + "/postgres", "-D", folder + "/data", "-p", str(port), "-k",
                            folder, "-c", "listen_addresses=127.0.0.1"]), stdout=log, stderr=log)
    for _ in range(100):
        if subprocess.run([PGBIN + "/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)]
                          ).returncode == 0:
            break
        time.sleep(0.1)
    pid = int(open(folder + "/data/postmaster.pid").readline())
    return "postgresql://postgres@127.0.0.1:%d/postgres" % port, pid


def start_server(engram, url, folder, name):
    port = free_port()
    log = open(os.path.join(folder, name + ".log"), "w")
    proc = subprocess.Popen([engram, "--store", url, "serve", "--port", str(port),
                             "--insecure-no-auth"], stdout=log, stderr=log,
                            env=dict(os.environ, ENGRAM_EMBEDDER="use-lite"))
    for _ in range(300):
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1)
            return proc, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server %s did not start; see %s" % (name, log.name))


def post(port, path, body):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def text_of(i):
    return "note %d: %s %s %s" % (i, WORDS[i % 20], WORDS[(i * 7 + 3) % 20], WORDS[(i * 13 + 5) % 20])


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100.0 * len(s)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engram", default=os.path.join(ROOT, "build", "engram"))
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--probes", type=int, default=100)
    ap.add_argument("--preload", type=int, default=1000)
    args = ap.parse_args()

    folder = tempfile.mkdtemp(prefix="engram-two-servers-")
    pg_pid = None
    servers = []
    try:
        url, pg_pid = start_postgres(folder)
        servers = [start_server(args.engram, url, folder, n) for n in ("a", "b")]
        (_, a), (_, b) = servers
        for i in range(args.preload):
            post(a if i % 2 else b, "/v1/owners/alice/memories", {"text": text_of(i)})
        for port in (a, b):  # each server loads the owner's partition before the timed part
            post(port, "/v1/owners/alice/memories/search", {"query": "coffee", "top_k": 10})

        stop = threading.Event()
        lock = threading.Lock()
        writes, searches = [], []
        counter = [10_000_000]

        def client(k):
            n = 0
            while not stop.is_set():
                port = a if (n + k) % 2 else b
                with lock:
                    counter[0] += 1
                    i = counter[0]
                t0 = time.perf_counter()
                if n % 2:
                    post(port, "/v1/owners/alice/memories", {"text": text_of(i)})
                    dt, bucket = time.perf_counter() - t0, writes
                else:
                    post(port, "/v1/owners/alice/memories/search",
                         {"query": text_of(i), "top_k": 10, "mode": "hybrid"})
                    dt, bucket = time.perf_counter() - t0, searches
                with lock:
                    bucket.append(dt)
                n += 1

        lags, missed = [], 0

        def prober():
            nonlocal missed
            for p in range(args.probes):
                if stop.is_set():
                    break
                text = "probe %d: the %s %s is at the %s" % (p, WORDS[p % 20], WORDS[(p + 5) % 20],
                                                             WORDS[(p + 11) % 20])
                mid = post(a, "/v1/owners/alice/memories", {"text": text})["memory"]["id"]
                acked = time.perf_counter()
                while True:
                    hits = post(b, "/v1/owners/alice/memories/search",
                                {"query": text, "top_k": 3, "mode": "vector"})["hits"]
                    if any(h["id"] == mid for h in hits):
                        lags.append(time.perf_counter() - acked)
                        break
                    if time.perf_counter() - acked > 5:
                        missed += 1
                        break

        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        threads.append(threading.Thread(target=prober))
        began = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
        ms = lambda v: "%.1f" % (v * 1000)
        ops = len(writes) + len(searches)
        print("two servers, one database: %d clients for %.1f s, %d memories preloaded" %
              (args.clients, elapsed, args.preload))
        print("throughput: %.0f requests/s (%d writes, %d hybrid searches)" %
              (ops / elapsed, len(writes), len(searches)))
        print("write ms p50 %s p95 %s | hybrid search ms p50 %s p95 %s" %
              (ms(pct(writes, 50)), ms(pct(writes, 95)), ms(pct(searches, 50)),
               ms(pct(searches, 95))))
        print("write-to-visible A->B (vector search): %d probes, lag ms p50 %s p99 %s max %s, "
              "%d not visible within 5 s" % (len(lags), ms(pct(lags, 50)), ms(pct(lags, 99)),
                                             ms(max(lags) if lags else float("nan")), missed))
        print("load average: %s" % open("/proc/loadavg").read().split()[:3])
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait()
        if pg_pid:
            os.kill(pg_pid, 2)
            while os.path.exists("/proc/%d" % pg_pid):
                time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
