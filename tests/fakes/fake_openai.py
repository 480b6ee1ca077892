#!/usr/bin/env python3
"""A fake OpenAI-compatible HTTP server for engram's tests (Python 3 standard library only).

    fake_openai.py --log FILE [--dim N] [--idle-timeout S] [--watch-stdin] [--verbose]

Binds 127.0.0.1 on an ephemeral port and prints the port on its first stdout line. Exits on
SIGTERM, after --idle-timeout seconds without requests (default 120), and, with --watch-stdin,
when its stdin reaches EOF (so it dies with the test process that holds the other end).

Every request except /_control is appended to FILE as one JSON line, before the reply is sent:
    {"method": "POST", "path": "/v1/embeddings", "headers": {lower-case name: value},
     "body": "<raw body text>"}

Routes (add more with the @route decorator, e.g. /v1/chat/completions or /v1/messages):
    POST /v1/embeddings  deterministic vectors: a text's SHA-256 seeds a PRNG; --dim floats
                         (or the request's "dimensions"), not normalised
    POST /v1/chat/completions  a chat completion whose content is the behaviour's "text"
                         (default "ok"), finish_reason its "finish_reason" (default "stop")
    GET  /v1/models      a model list
    POST /_control       {"reset": true} empties the queue and the log;
                         {"enqueue": [behaviour, ...]} scripts the next requests' replies

A behaviour is a JSON object applied to one request. The queue is used first; otherwise a magic
substring in the request body picks one (see MAGIC), so a test can fail just one input.
    {"action": "reply", "status": 429, "headers": {"Retry-After": "2"}, "body": {...}}
                                           this status, headers and JSON body (default body:
                                           an OpenAI-style error object)
    {"action": "stall", "seconds": 3}      wait, then reply normally (client timeouts)
    {"action": "drop"}                     close the connection without replying
    {"action": "malformed"}                200 with a body that is not JSON
    {"action": "wrong_count"}              embeddings: one item fewer than inputs
    {"action": "reverse"}                  embeddings: items in reverse order (index intact)
    {"action": "dim", "dim": 4}            embeddings: vectors of this many floats
    {"action": "answer", "text": "...", "finish_reason": "length", "refusal": "..."}
                                           chat: this answer (content null when "text" is null)
"""

import argparse
import hashlib
import json
import random
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAGIC = {
    "__fake_429__": {"action": "reply", "status": 429, "headers": {"Retry-After": "1"}},
    "__fake_500__": {"action": "reply", "status": 500},
    "__fake_401__": {"action": "reply", "status": 401},
    "__fake_stall__": {"action": "stall", "seconds": 5},
    "__fake_drop__": {"action": "drop"},
    "__fake_malformed__": {"action": "malformed"},
    "__fake_wrong_count__": {"action": "wrong_count"},
    "__fake_reverse__": {"action": "reverse"},
}

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_exceeded",
}

ROUTES = {}


def route(method, path):
    """Registers handler(server_state, request, behaviour) -> Reply for method and path."""

    def register(fn):
        ROUTES[(method, path)] = fn
        return fn

    return register


class Request:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers  # lower-case names
        self.body = body  # bytes
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None


class Reply:
    def __init__(self, status=200, body=None, headers=None, raw=None):
        self.status = status
        self.headers = headers or {}
        self.raw = raw if raw is not None else json.dumps(body).encode()


def error_reply(status, message, headers=None, body=None):
    if body is None:
        body = {"error": {"message": message, "type": ERROR_TYPES.get(status, "server_error"),
                          "param": None, "code": None}}
    return Reply(status, body, headers)


class State:
    def __init__(self, log_path, dim):
        self.log_path = log_path
        self.dim = dim
        self.lock = threading.Lock()
        self.queue = []
        self.last_activity = time.monotonic()
        open(log_path, "w").close()

    def touch(self):
        with self.lock:
            self.last_activity = time.monotonic()

    def record(self, request):
        line = json.dumps({"method": request.method, "path": request.path,
                           "headers": request.headers,
                           "body": request.body.decode("utf-8", "replace")})
        with self.lock, open(self.log_path, "a") as log:
            log.write(line + "\n")

    def next_behaviour(self, request):
        with self.lock:
            if self.queue:
                return self.queue.pop(0)
        text = request.body.decode("utf-8", "replace")
        for magic, behaviour in MAGIC.items():
            if magic in text:
                return behaviour
        return {}

    def control(self, command):
        with self.lock:
            if command.get("reset"):
                self.queue.clear()
                open(self.log_path, "w").close()
            self.queue.extend(command.get("enqueue", []))
            return {"ok": True, "queued": len(self.queue)}


def vector_for(text, dim):
    seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
    rng = random.Random(seed)
    return [round(rng.uniform(-1.0, 1.0), 6) for _ in range(dim)]


@route("POST", "/v1/embeddings")
def embeddings(state, request, behaviour):
    body = request.json
    if not isinstance(body, dict) or "input" not in body or "model" not in body:
        return error_reply(400, "'input' and 'model' are required")
    inputs = body["input"]
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not all(isinstance(t, str) for t in inputs):
        return error_reply(400, "'input' must be a string or an array of strings")
    dim = behaviour.get("dim") or body.get("dimensions") or state.dim
    data = [{"object": "embedding", "index": i, "embedding": vector_for(t, dim)}
            for i, t in enumerate(inputs)]
    if behaviour.get("action") == "wrong_count":
        data = data[:-1]
    if behaviour.get("action") == "reverse":
        data.reverse()
    tokens = sum(len(t.split()) for t in inputs)
    return Reply(200, {"object": "list", "data": data, "model": body["model"],
                       "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})


@route("POST", "/v1/chat/completions")
def chat_completions(state, request, behaviour):
    body = request.json
    if not isinstance(body, dict) or "model" not in body or "messages" not in body:
        return error_reply(400, "'model' and 'messages' are required")
    if not isinstance(body["messages"], list) or not body["messages"]:
        return error_reply(400, "'messages' must be a non-empty array")
    text = behaviour.get("text", "ok")
    message = {"role": "assistant", "content": text}
    if "refusal" in behaviour:
        message["refusal"] = behaviour["refusal"]
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
    completion_tokens = len((text or "").split())
    return Reply(200, {"id": "chatcmpl-fake", "object": "chat.completion",
                       "created": int(time.time()), "model": body["model"],
                       "choices": [{"index": 0, "message": message,
                                    "finish_reason": behaviour.get("finish_reason", "stop")}],
                       "usage": {"prompt_tokens": prompt_tokens,
                                 "completion_tokens": completion_tokens,
                                 "total_tokens": prompt_tokens + completion_tokens}})


@route("GET", "/v1/models")
def models(state, request, behaviour):
    return Reply(200, {"object": "list", "data": [
        {"id": "text-embedding-3-small", "object": "model", "owned_by": "fake"}]})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real providers do
    # Headers and body are separate writes; with Nagle on, the body would wait for the client's
    # delayed ACK (40 ms a request).
    disable_nagle_algorithm = True
    server_version = "fake-openai/1"
    verbose = False

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def dispatch(self):
        state = self.server.state
        state.touch()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(self.command, path, headers, body)

        if path == "/_control":
            return self.send(Reply(200, state.control(request.json or {})))
        state.record(request)
        behaviour = state.next_behaviour(request)
        action = behaviour.get("action")
        if action == "stall":
            time.sleep(behaviour.get("seconds", 5))
        elif action == "drop":
            self.close_connection = True
            return
        elif action == "malformed":
            return self.send(Reply(200, raw=b'{"data": [{"embedding": [0.1, 0.2'))
        elif action == "reply":
            status = behaviour.get("status", 500)
            message = "fake error %d" % status
            if status == 401:
                # Like OpenAI, echo the key: the client must keep it out of its own messages.
                key = headers.get("authorization", "").removeprefix("Bearer ")
                message = "Incorrect API key provided: %s" % key
            return self.send(error_reply(status, message, behaviour.get("headers"),
                                         behaviour.get("body")))
        handler = ROUTES.get((self.command, path))
        if handler is None:
            return self.send(error_reply(404, "no route %s %s" % (self.command, path)))
        self.send(handler(state, request, behaviour))

    def send(self, reply):
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply.raw)))
            for name, value in reply.headers.items():
                self.send_header(name, str(value))
            self.end_headers()
            self.wfile.write(reply.raw)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. after its timeout)

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("fake_openai: " + (fmt % args) + "\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True  # stalled handlers must not keep the process alive

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--log", required=True, help="JSONL file recording every request")
    parser.add_argument("--dim", type=int, default=16)
    parser.add_argument("--idle-timeout", type=float, default=120.0)
    parser.add_argument("--watch-stdin", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    Handler.verbose = args.verbose
    server = Server(("127.0.0.1", 0), Handler)
    server.state = State(args.log, args.dim)

    def stop(*_):
        # shutdown() waits for serve_forever() to return, so it must run on another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)

    def watch_idle():
        while True:
            time.sleep(0.5)
            with server.state.lock:
                idle = time.monotonic() - server.state.last_activity
            if idle > args.idle_timeout:
                return stop()

    threading.Thread(target=watch_idle, daemon=True).start()
    if args.watch_stdin:
        threading.Thread(target=lambda: (sys.stdin.buffer.read(), stop()), daemon=True).start()

    print(server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()


if __name__ == "__main__":
    main()
