"""The Python client against a real `engram serve` (ENGRAM_BINARY, default build/engram)."""

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from engram_client import (AsyncSession, EngramClient, EngramError, EngramStore,  # noqa: E402
                           Session)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ALICE = "k-alice-py-0123456789abcdef"
BOB = "k-bob-py-0123456789abcdef00"


class Server:
    """`engram serve` on a free port with a temporary database and keys file."""

    def __enter__(self):
        # ctest names the binary it built: then a missing one is a failure, never a skip.
        binary = os.environ.get("ENGRAM_BINARY")
        if binary is None:
            binary = os.path.join(ROOT, "build", "engram")
            if not os.path.exists(binary):
                raise unittest.SkipTest(f"engram binary not found at {binary} (set ENGRAM_BINARY)")
        if not os.path.exists(binary):
            raise FileNotFoundError(f"ENGRAM_BINARY={binary} does not exist")
        self.dir = tempfile.TemporaryDirectory()
        keys = os.path.join(self.dir.name, "keys.json")
        with open(keys, "w") as f:
            json.dump({ALICE: {"owners": ["alice"]}, BOB: {"owners": ["bob"]}}, f)
        env = dict(os.environ, ENGRAM_EMBEDDER="none")
        self.stderr = open(os.path.join(self.dir.name, "serve.log"), "w+")
        self.proc = subprocess.Popen(
            [binary, "--db", os.path.join(self.dir.name, "engram.db"), "serve", "--port", "0",
             "--keys", keys],
            stdout=subprocess.PIPE, stderr=self.stderr, env=env, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"engram serve did not start: {line!r}")
        self.url = m.group(1)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        code = self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.stderr.seek(0)
        log = self.stderr.read()
        self.stderr.close()
        self.dir.cleanup()
        # The server must stop cleanly and leave no sanitizer report or crash on stderr.
        if code != 0:
            raise AssertionError(f"engram serve exited with {code}:\n{log}")
        for bad in ("runtime error", "Sanitizer", "terminate called", "Segmentation"):
            if bad in log:
                raise AssertionError(f"engram serve's stderr:\n{log}")


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def client(self, owner="alice", key=ALICE):
        return EngramClient(self.server.url, api_key=key, owner=owner)

    def test_memories_round_trip(self):
        c = self.client()
        w = c.add("Alice's favourite colour is teal", type="preference", key="colour.fav",
                  scope="t1", metadata={"src": "test"})
        self.assertEqual(w.event, "added")
        self.assertEqual(w.memory.scope, "t1")
        got = c.get(w.memory.id)
        self.assertEqual(got.text, "Alice's favourite colour is teal")
        self.assertEqual(got.metadata, {"src": "test"})
        page = c.list(scope="t1", type="preference")
        self.assertIn(w.memory.id, [m.id for m in page.items])
        hits = c.search("favourite colour teal", scope="t1", mode="lexical")
        self.assertEqual(hits[0].memory.id, w.memory.id)
        self.assertGreater(hits[0].score, 0)
        updated = c.update(w.memory.id, text="Alice's favourite colour is navy")
        self.assertEqual(updated.text, "Alice's favourite colour is navy")
        events = c.history(updated.id)
        self.assertGreaterEqual(len(events), 2)
        c.delete(updated.id, reason="test")
        with self.assertRaises(EngramError) as e:
            c.get(updated.id)
        self.assertEqual(e.exception.status, 404)
        self.assertEqual(e.exception.code, "not_found")
        results = c.add_many([{"text": "batch one", "scope": "t1b"},
                              {"text": "batch two", "scope": "t1b"}])
        self.assertEqual([r.event for r in results], ["added", "added"])
        self.assertEqual(len(list(c.iter_all(scope="t1b"))), 2)

    def test_errors_and_isolation(self):
        with self.assertRaises(EngramError) as e:
            self.client().add("")
        self.assertEqual(e.exception.status, 422)
        with self.assertRaises(EngramError) as e:
            self.client(owner="bob").list()
        self.assertEqual((e.exception.status, e.exception.code), (403, "permission_denied"))
        with self.assertRaises(EngramError) as e:
            EngramClient(self.server.url, api_key="k-wrong-0123456789abcdef", owner="alice").list()
        self.assertEqual(e.exception.status, 401)
        self.client().add("alice only", scope="iso")
        self.assertEqual(self.client(owner="bob", key=BOB).list(scope="iso").items, [])

    def test_sessions_context_and_blocks(self):
        c = self.client()
        c.session_add_items("s1", [{"role": "user", "content": "hi"},
                                   {"role": "assistant", "content": "hello"}])
        self.assertEqual([i.content for i in c.session_items("s1")], ["hi", "hello"])
        self.assertEqual(c.session_pop("s1").content, "hello")
        self.assertEqual(c.set_session_summary("s1", "greetings"), "greetings")
        self.assertEqual(c.session_summary("s1"), "greetings")
        self.assertEqual(c.session_clear("s1"), 1)
        self.assertIsNone(c.session_pop("s1"))

        self.assertEqual(c.set_block("human", "Name: Alice", scope="b1").value, "Name: Alice")
        self.assertEqual(c.append_block("human", "Likes tea", scope="b1").value,
                         "Name: Alice\nLikes tea")
        self.assertEqual(c.replace_in_block("human", "tea", "coffee", scope="b1").value,
                         "Name: Alice\nLikes coffee")
        self.assertEqual(c.get_block("human", scope="b1").value, "Name: Alice\nLikes coffee")
        self.assertIn("human", [b.label for b in c.blocks(scope="b1")])
        ctx = c.context(scope="b1", query="drinks")
        self.assertIn("Likes coffee", ctx.rendered)
        c.delete_block("human", scope="b1")
        with self.assertRaises(EngramError):
            c.get_block("human", scope="b1")

    def test_agents_sdk_session(self):
        s = Session("agent-1", self.client())
        s.add_items([{"role": "user", "content": "What is 2+2?"},
                     {"role": "assistant", "content": [{"type": "output_text", "text": "4"}]}])
        self.assertEqual(s.get_items(), [{"role": "user", "content": "What is 2+2?"},
                                         {"role": "assistant", "content": "4"}])
        self.assertEqual(s.get_items(limit=1), [{"role": "assistant", "content": "4"}])
        self.assertEqual(s.pop_item(), {"role": "assistant", "content": "4"})
        s.clear_session()
        self.assertEqual(s.get_items(), [])
        self.assertIsNone(s.pop_item())

        async def run():
            a = AsyncSession("agent-2", self.client())
            await a.add_items([{"role": "user", "content": "hey"}])
            items = await a.get_items()
            popped = await a.pop_item()
            await a.clear_session()
            return items, popped, await a.get_items()

        items, popped, after = asyncio.run(run())
        self.assertEqual(items, [{"role": "user", "content": "hey"}])
        self.assertEqual(popped, {"role": "user", "content": "hey"})
        self.assertEqual(after, [])

    def test_langgraph_store(self):
        store = EngramStore(self.client())
        store.put(("users", "alice", "prefs"), "theme", {"mode": "dark", "size": 12})
        store.put(("users", "alice", "prefs"), "lang", {"mode": "en", "size": 3})
        store.put(("users", "alice", "notes"), "n1", {"text": "buy oat milk", "size": 1})
        item = store.get(("users", "alice", "prefs"), "theme")
        self.assertEqual(item.value, {"mode": "dark", "size": 12})
        self.assertEqual(item.namespace, ("users", "alice", "prefs"))
        self.assertIsNone(store.get(("users", "alice"), "theme"))
        # put replaces.
        store.put(("users", "alice", "prefs"), "theme", {"mode": "light", "size": 12})
        self.assertEqual(store.get(("users", "alice", "prefs"), "theme").value["mode"], "light")
        self.assertEqual(len(store.search(("users", "alice", "prefs"))), 2)
        self.assertEqual(len(store.search(("users",))), 3)
        big = store.search(("users",), filter={"size": {"$gt": 2}})
        self.assertEqual(sorted(i.key for i in big), ["lang", "theme"])
        self.assertEqual([i.key for i in store.search(("users",), filter={"mode": "en"})],
                         ["lang"])
        found = store.search(("users", "alice"), query="oat milk")
        self.assertEqual(found[0].key, "n1")
        self.assertIsNotNone(found[0].score)
        self.assertEqual(store.list_namespaces(prefix=("users",)),
                         [("users", "alice", "notes"), ("users", "alice", "prefs")])
        self.assertEqual(store.list_namespaces(max_depth=2), [("users", "alice")])
        self.assertEqual(store.list_namespaces(suffix=("notes",)), [("users", "alice", "notes")])
        store.delete(("users", "alice", "prefs"), "theme")
        self.assertIsNone(store.get(("users", "alice", "prefs"), "theme"))
        store.put(("users", "alice", "prefs"), "lang", None)
        self.assertEqual(store.search(("users", "alice", "prefs")), [])
        with self.assertRaises(ValueError):
            store.put(("a/b",), "k", {})


if __name__ == "__main__":
    unittest.main()
