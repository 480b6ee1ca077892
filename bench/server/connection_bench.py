#!/usr/bin/env python3
"""How `engram serve` treats connections: keep-alive latency and slow clients.

Usage: bench/server/connection_bench.py [build/engram] [--requests 2000] [--slow 64]

Prints, for one keep-alive connection sending GET /healthz back to back, requests per second and
the latency percentiles (a 40 ms delayed-ACK stall shows as p50/p99 near 40 ms); then the same
while `--slow` connections each trickle one header line every second (slowloris), which must not
stop /healthz from answering.
"""
import argparse
import os
import re
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def start(binary, workdir):
    keys = os.path.join(workdir, "keys.json")
    with open(keys, "w") as f:
        f.write('{"k-bench-0123456789abcdef": {"admin": true}}')
    env = dict(os.environ, ENGRAM_EMBEDDER="none")
    proc = subprocess.Popen([binary, "--db", os.path.join(workdir, "bench.db"), "serve",
                             "--port", "0", "--keys", keys, "--threads", "4"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    m = re.search(r"http://[^:]+:(\d+)", proc.stdout.readline())
    if not m:
        raise SystemExit("engram serve did not start")
    return proc, int(m.group(1))


def read_response(sock, buf):
    """One HTTP response from sock (Content-Length framed); returns the bytes left over."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
    while len(rest) < length:
        rest += sock.recv(65536)
    return rest[length:]


def keep_alive(port, n):
    sock = socket.create_connection(("127.0.0.1", port))
    request = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"
    latencies, buf = [], b""
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        sock.sendall(request)
        buf = read_response(sock, buf)
        latencies.append((time.perf_counter() - t) * 1000)
    elapsed = time.perf_counter() - start
    sock.close()
    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]
    return n / elapsed, pct(50), pct(99), latencies[-1]


def trickle(port, stop):
    try:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        i = 0
        while not stop.is_set():
            sock.sendall(b"X-Slow-%d: 1\r\n" % i)
            i += 1
            stop.wait(1)
        sock.close()
    except OSError:
        pass  # the server cut the connection off: what it should do


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary", nargs="?", default=os.path.join(ROOT, "build", "engram"))
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--slow", type=int, default=64)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        proc, port = start(args.binary, workdir)
        try:
            rps, p50, p99, worst = keep_alive(port, args.requests)
            print(f"keep-alive GET /healthz, 1 connection: {rps:.0f} req/s, "
                  f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms")
            stop = threading.Event()
            slow = [threading.Thread(target=trickle, args=(port, stop)) for _ in range(args.slow)]
            for t in slow:
                t.start()
            time.sleep(2)
            rps, p50, p99, worst = keep_alive(port, max(1, args.requests // 4))
            print(f"  with {args.slow} slowloris connections: {rps:.0f} req/s, "
                  f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms")
            stop.set()
            for t in slow:
                t.join()
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
