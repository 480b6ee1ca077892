"""EngramCheckpointSaver against a real `engram serve`, on the scenarios of LangGraph's checkpoint
validation suite (put/get_tuple round trip, latest checkpoint, parent config, pending writes and
their order, list with thread/namespace/before/limit/filter, delete_thread), plus copy_thread,
prune, pending-send migration, owner isolation and the coroutines."""

import asyncio
import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from engram_client import EngramCheckpointSaver, EngramClient  # noqa: E402

from test_client import ALICE, BOB, Server  # noqa: E402


def checkpoint(cid, values=None, versions=None, v=4):
    values = values or {}
    return {"v": v, "id": cid, "ts": "2024-04-19T17:19:07.952Z", "channel_values": values,
            "channel_versions": versions if versions is not None else {k: 1 for k in values},
            "versions_seen": {"": {"someChannel": 1}}}


def ids(tuples):
    return [t.config["configurable"]["checkpoint_id"] for t in tuples]


class CheckpointSaverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def saver(self, owner="alice", key=ALICE):
        return EngramCheckpointSaver(EngramClient(self.server.url, api_key=key, owner=owner))

    def thread(self):
        return "thread-" + uuid.uuid4().hex

    def test_put_and_get_tuple_round_trip(self):
        s, t = self.saver(), self.thread()
        for ns in ("", "child"):
            cp = checkpoint("1ef-a", {"animals": ["dog"], "raw": b"\x00\xff"})
            meta = {"source": "input", "step": -1, "parents": {}}
            config = s.put({"configurable": {"thread_id": t, "checkpoint_ns": ns, "canary": 1}},
                           cp, meta, {"animals": 1, "raw": 1})
            self.assertEqual(config, {"configurable": {"thread_id": t, "checkpoint_ns": ns,
                                                       "checkpoint_id": "1ef-a"}})
            got = s.get_tuple(config)
            self.assertEqual(got.checkpoint, cp)
            self.assertEqual(got.metadata, meta)
            self.assertEqual(got.config, config)
            self.assertIsNone(got.parent_config)
            self.assertEqual(got.pending_writes, [])
        # No namespace in the config: the root one.
        config = s.put({"configurable": {"thread_id": t}}, checkpoint("1ef-b"), {}, {})
        self.assertEqual(config["configurable"]["checkpoint_ns"], "")
        with self.assertRaises(ValueError):
            s.put({"configurable": {"checkpoint_ns": ""}}, checkpoint("x"), {}, {})
        with self.assertRaises(ValueError):
            s.put({}, checkpoint("x"), {}, {})

    def test_latest_parent_writes_and_carried_over_values(self):
        s, t = self.saver(), self.thread()
        c0 = s.put({"configurable": {"thread_id": t, "checkpoint_ns": ""}},
                   checkpoint("01", {"messages": ["hi"], "stepCount": 1}),
                   {"source": "loop", "step": 0}, {"messages": 1, "stepCount": 1})
        s.put_writes(c0, [("__pregel_tasks", ["add_fish"])], "pending_sends_task")
        c1 = s.put(c0, checkpoint("02", {"messages": ["hi"], "stepCount": 3},
                                  {"messages": 1, "stepCount": 2}),
                   {"source": "loop", "step": 1}, {"stepCount": 2})
        s.put_writes(c1, [("animals", ["dog", "fish"])], "add_fish")
        latest = s.get_tuple({"configurable": {"thread_id": t, "checkpoint_ns": ""}})
        self.assertEqual(latest.config, c1)
        self.assertEqual(latest.parent_config, c0)
        self.assertEqual(latest.checkpoint["channel_values"], {"messages": ["hi"], "stepCount": 3})
        self.assertEqual(latest.pending_writes, [("add_fish", "animals", ["dog", "fish"])])
        self.assertEqual(s.get_tuple(c0).pending_writes,
                         [("pending_sends_task", "__pregel_tasks", ["add_fish"])])
        self.assertIsNone(s.get_tuple({"configurable": {"thread_id": t, "checkpoint_id": "99"}}))
        self.assertIsNone(s.get_tuple({"configurable": {"checkpoint_ns": ""}}))
        # Only the channels in new_versions are stored by a put.
        t2 = self.thread()
        stored = []
        for new_versions in ({}, {"foo": 1}, {"foo": 1, "baz": 1}):
            cp = checkpoint(uuid.uuid4().hex, {"foo": "bar", "baz": "qux"})
            stored.append(s.get_tuple(s.put({"configurable": {"thread_id": t2}}, cp, {},
                                            new_versions)).checkpoint["channel_values"])
        self.assertEqual(stored, [{}, {"foo": "bar"}, {"foo": "bar", "baz": "qux"}])

    def test_put_writes_rules_and_order(self):
        s, t = self.saver(), self.thread()
        c = s.put({"configurable": {"thread_id": t}}, checkpoint("01"), {}, {})
        s.put_writes(c, [("a", "b0")], "task-b")
        s.put_writes(c, [("a", "a0"), ("__error__", "e1")], "task-a")
        s.put_writes(c, [("a", "retry"), ("__error__", "e2")], "task-a")
        self.assertEqual(s.get_tuple(c).pending_writes,
                         [("task-a", "__error__", "e2"), ("task-a", "a", "a0"),
                          ("task-b", "a", "b0")])
        with self.assertRaises(ValueError):
            s.put_writes({"configurable": {"thread_id": t}}, [("a", 1)], "task")
        with self.assertRaises(ValueError):
            s.put_writes({"configurable": {"checkpoint_id": "01"}}, [("a", 1)], "task")

    def test_list(self):
        s = self.saver(owner="bob", key=BOB)
        for cfg in list(s.list(None)):  # a fresh owner's view for this test
            s.delete_thread(cfg.config["configurable"]["thread_id"])
        threads = {}
        for name in ("ta", "tb"):
            threads[name] = t = self.thread()
            for ns in ("", "child"):
                p = name + ("r" if not ns else "c")
                c = s.put({"configurable": {"thread_id": t, "checkpoint_ns": ns}},
                          checkpoint(p + "1", {"animals": ["dog"]}), {"source": "input"},
                          {"animals": 1})
                s.put(c, checkpoint(p + "2", {"animals": ["dog", "fish"]}, {"animals": 2}),
                      {"source": "loop", "parents": {ns: p + "1"}}, {"animals": 2})
        self.assertEqual(len(list(s.list(None))), 8)
        ta = {"configurable": {"thread_id": threads["ta"]}}
        self.assertEqual(ids(s.list(ta)), ["tar2", "tar1", "tac2", "tac1"])
        self.assertEqual(ids(s.list({"configurable": {"thread_id": threads["ta"],
                                                      "checkpoint_ns": "child"}})),
                         ["tac2", "tac1"])
        self.assertEqual(ids(s.list(None, filter={"source": "loop"}, limit=3)),
                         ["tbr2", "tbc2", "tar2"])
        self.assertEqual(ids(s.list(None, before={"configurable": {"checkpoint_id": "tar2"}})),
                         ["tar1", "tac2", "tac1"])
        self.assertEqual(ids(s.list(None, filter={"parents": {"": "tar1"}})), ["tar2"])
        self.assertEqual(ids(s.list({"configurable": {"thread_id": threads["ta"],
                                                      "checkpoint_ns": "",
                                                      "checkpoint_id": "tar1"}})), ["tar1"])
        self.assertEqual(list(s.list({"configurable": {"thread_id": "nobody"}})), [])
        self.assertEqual(list(s.list(None, limit=0)), [])
        first = next(iter(s.list(ta)))
        self.assertEqual(first.parent_config["configurable"]["checkpoint_id"], "tar1")
        self.assertEqual(first.checkpoint["channel_values"], {"animals": ["dog", "fish"]})

    def test_delete_copy_prune(self):
        s = self.saver()
        t1, t2, t3 = self.thread(), self.thread(), self.thread()
        meta = {"source": "update", "step": -1, "parents": {}}
        c = s.put({"configurable": {"thread_id": t1, "checkpoint_ns": ""}}, checkpoint("01"), meta,
                  {})
        s.put(c, checkpoint("02"), meta, {})
        s.put({"configurable": {"thread_id": t1, "checkpoint_ns": "sub"}}, checkpoint("01"), meta,
              {})
        s.put({"configurable": {"thread_id": t2}}, checkpoint("01"), meta, {})
        s.put_writes(c, [("a", 1)], "k")
        s.copy_thread(t1, t3)
        self.assertEqual(s.get_tuple({"configurable": {"thread_id": t3,
                                                       "checkpoint_id": "01"}}).pending_writes,
                         [("k", "a", 1)])
        s.prune([t1])
        self.assertEqual(ids(s.list({"configurable": {"thread_id": t1}})), ["02", "01"])
        self.assertEqual(len(list(s.list({"configurable": {"thread_id": t1,
                                                           "checkpoint_ns": ""}}))), 1)
        s.delete_thread(t1)
        self.assertIsNone(s.get_tuple({"configurable": {"thread_id": t1}}))
        self.assertIsNotNone(s.get_tuple({"configurable": {"thread_id": t2}}))
        s.prune([t3], strategy="delete")
        self.assertEqual(list(s.list({"configurable": {"thread_id": t3}})), [])

    def test_pending_sends_are_migrated_for_old_checkpoints(self):
        s, t = self.saver(), self.thread()
        config = s.put({"configurable": {"thread_id": t, "checkpoint_ns": ""}},
                       checkpoint("01", v=1), {"step": 0}, {})
        s.put_writes(config, [("__pregel_tasks", "send-1"), ("__pregel_tasks", "send-2")], "task-1")
        s.put_writes(config, [("__pregel_tasks", "send-3")], "task-2")
        self.assertEqual(s.get_tuple(config).checkpoint["channel_values"], {})
        config = s.put(config, checkpoint("02", v=1), {"step": 1}, {})
        got = s.get_tuple(config).checkpoint
        self.assertEqual(got["channel_values"], {"__pregel_tasks": ["send-1", "send-2", "send-3"]})
        self.assertIn("__pregel_tasks", got["channel_versions"])

    def test_owners_are_isolated_and_coroutines_work(self):
        alice, bob, t = self.saver(), self.saver(owner="bob", key=BOB), self.thread()
        alice.put({"configurable": {"thread_id": t}}, checkpoint("01"), {"who": "alice"}, {})
        self.assertIsNone(bob.get_tuple({"configurable": {"thread_id": t}}))
        intruder = EngramCheckpointSaver(EngramClient(self.server.url, api_key=BOB, owner="alice"))
        with self.assertRaises(Exception) as caught:
            intruder.get_tuple({"configurable": {"thread_id": t}})
        self.assertEqual(getattr(caught.exception, "status", None), 403)

        async def run():
            c = await alice.aput({"configurable": {"thread_id": t}}, checkpoint("02"), {}, {})
            await alice.aput_writes(c, [("x", 1)], "task")
            got = await alice.aget_tuple(c)
            listed = [x async for x in alice.alist({"configurable": {"thread_id": t}})]
            await alice.adelete_thread(t)
            return got, listed, await alice.aget_tuple({"configurable": {"thread_id": t}})

        got, listed, gone = asyncio.run(run())
        self.assertEqual(got.pending_writes, [("task", "x", 1)])
        self.assertEqual(ids(listed), ["02", "01"])
        self.assertIsNone(gone)


if __name__ == "__main__":
    unittest.main()
