"""A LangGraph checkpointer kept in engram: EngramCheckpointSaver.

It has the method names and semantics of LangGraph's Python `BaseCheckpointSaver`
(langgraph.checkpoint.base): `put`, `put_writes`, `get_tuple`, `get`, `list`, `delete_thread`,
`copy_thread`, `prune`, `get_next_version`, and their `a`-prefixed coroutines. Configs are
LangGraph's `{"configurable": {"thread_id", "checkpoint_ns", "checkpoint_id"}}` dicts and tuples
are `CheckpointTuple(config, checkpoint, metadata, parent_config, pending_writes)`.

Values are serialized by `serde`: any object with LangGraph's `dumps_typed(obj) -> (type, bytes)`
and `loads_typed((type, bytes)) -> obj` (pass langgraph's `JsonPlusSerializer()` to store what
LangGraph stores); the default, `JsonSerde`, handles JSON values and bytes. As LangGraph's
database savers do, a checkpoint is stored without its channel values, and each value a step
changed (`new_versions`) is stored once under its version, so reading a checkpoint brings back
values an earlier step wrote.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from .client import EngramClient

__all__ = ["CheckpointTuple", "EngramCheckpointSaver", "JsonSerde"]

# LangGraph's channel of pending sends (langgraph.constants.TASKS), migrated into checkpoints
# older than format 4 as LangGraph's savers do.
TASKS = "__pregel_tasks"
# The type tag of a channel that a step emptied (LangGraph's database savers use the same).
EMPTY = "empty"


class CheckpointTuple(NamedTuple):
    config: Dict[str, Any]
    checkpoint: Dict[str, Any]
    metadata: Dict[str, Any]
    parent_config: Optional[Dict[str, Any]] = None
    pending_writes: Optional[List[Tuple[str, str, Any]]] = None


class JsonSerde:
    """dumps_typed/loads_typed for JSON values ("json") and bytes ("bytes")."""

    def dumps_typed(self, obj: Any) -> Tuple[str, bytes]:
        if isinstance(obj, (bytes, bytearray)):
            return "bytes", bytes(obj)
        return "json", json.dumps(obj, separators=(",", ":")).encode("utf-8")

    def loads_typed(self, data: Tuple[str, bytes]) -> Any:
        type_, raw = data
        if type_ == "bytes":
            return raw
        if type_ == "json":
            return json.loads(raw.decode("utf-8"))
        raise ValueError(f"JsonSerde cannot read values of type {type_!r}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _configurable(config: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    return (config or {}).get("configurable") or {}


def _config(thread_id: str, ns: str, checkpoint_id: str) -> Dict[str, Any]:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns,
                             "checkpoint_id": checkpoint_id}}


class EngramCheckpointSaver:
    """LangGraph's checkpointer interface over engram's /v1/owners/{owner}/threads routes."""

    def __init__(self, client: EngramClient, owner: Optional[str] = None, serde: Any = None):
        self.client = client
        self.owner = owner
        self.serde = serde or JsonSerde()

    # ---- paths ----

    def _thread(self, thread_id: str, rest: str = "") -> str:
        return self.client._owner_path(self.owner, "/threads/" + EngramClient._q(thread_id) + rest)

    @staticmethod
    def _thread_id(config: Optional[Dict[str, Any]], what: str) -> str:
        thread_id = _configurable(config).get("thread_id")
        if thread_id is None or thread_id == "":
            raise ValueError(f"{what}: config['configurable'] needs a thread_id")
        return str(thread_id)

    # ---- writing ----

    def put(self, config: Dict[str, Any], checkpoint: Dict[str, Any], metadata: Dict[str, Any],
            new_versions: Dict[str, Any]) -> Dict[str, Any]:
        """Stores a checkpoint and the values of the channels in new_versions; returns its
        config (thread_id, checkpoint_ns, checkpoint_id)."""
        thread_id = self._thread_id(config, "put")
        conf = _configurable(config)
        ns = conf.get("checkpoint_ns") or ""
        stripped = dict(checkpoint)
        values = stripped.pop("channel_values", None) or {}
        type_, data = self.serde.dumps_typed(stripped)
        channel_values = []
        for channel, version in new_versions.items():
            if channel in values:
                vtype, vdata = self.serde.dumps_typed(values[channel])
            else:
                vtype, vdata = EMPTY, b""
            channel_values.append({"channel": channel, "version": str(version), "type": vtype,
                                   "data": _b64(vdata)})
        body = {
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint["id"],
            "parent_checkpoint_id": conf.get("checkpoint_id"),
            "checkpoint": {"type": type_, "data": _b64(data)},
            "metadata": metadata or {},
            "channel_versions": {k: str(v) for k, v in
                                 (checkpoint.get("channel_versions") or {}).items()},
            "channel_values": channel_values,
        }
        out = self.client.request("POST", self._thread(thread_id, "/checkpoints"), body)
        return {"configurable": out}

    def put_writes(self, config: Dict[str, Any], writes: Sequence[Tuple[str, Any]], task_id: str,
                   task_path: str = "") -> None:
        """Stores a task's pending writes against the checkpoint of config. engram applies
        LangGraph's WRITES_IDX_MAP: special channels replace, others are kept if absent."""
        thread_id = self._thread_id(config, "put_writes")
        conf = _configurable(config)
        if not conf.get("checkpoint_id"):
            raise ValueError("put_writes: config['configurable'] needs a checkpoint_id")
        items = []
        for channel, value in writes:
            type_, data = self.serde.dumps_typed(value)
            items.append({"channel": channel, "type": type_, "data": _b64(data)})
        self.client.request("POST", self._thread(thread_id, "/writes"), {
            "checkpoint_ns": conf.get("checkpoint_ns") or "",
            "checkpoint_id": conf["checkpoint_id"],
            "task_id": task_id,
            "task_path": task_path,
            "writes": items,
        })

    def delete_thread(self, thread_id: str) -> None:
        """Deletes every checkpoint and write of the thread, in all namespaces."""
        self.client.request("DELETE", self._thread(str(thread_id)))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copies every checkpoint and write of one thread to a new one."""
        self.client.request("POST", self._thread(str(source_thread_id), "/copy"),
                            {"target_thread_id": str(target_thread_id)})

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """"keep_latest" keeps each namespace's latest checkpoint; "delete" deletes the threads."""
        if strategy not in ("keep_latest", "delete"):
            raise ValueError(f"unknown prune strategy {strategy!r}")
        for thread_id in thread_ids:
            if strategy == "delete":
                self.delete_thread(thread_id)
            else:
                self.client.request("POST", self._thread(str(thread_id), "/prune"),
                                    {"keep_latest": 1})

    # ---- reading ----

    def _load(self, t: Dict[str, Any]) -> CheckpointTuple:
        checkpoint = self.serde.loads_typed((t["checkpoint"]["type"],
                                             _unb64(t["checkpoint"]["data"])))
        checkpoint["channel_values"] = {
            v["channel"]: self.serde.loads_typed((v["type"], _unb64(v["data"])))
            for v in t["channel_values"] if v["type"] != EMPTY}
        writes = [(w["task_id"], w["channel"], self.serde.loads_typed((w["type"],
                                                                         _unb64(w["data"]))))
                  for w in t["pending_writes"]]
        thread_id, ns, parent = t["thread_id"], t["checkpoint_ns"], t["parent_checkpoint_id"]
        if checkpoint.get("v", 4) < 4 and parent:
            self._migrate_pending_sends(checkpoint, thread_id, ns, parent)
        return CheckpointTuple(
            config=_config(thread_id, ns, t["checkpoint_id"]),
            checkpoint=checkpoint,
            metadata=t["metadata"],
            parent_config=_config(thread_id, ns, parent) if parent else None,
            pending_writes=writes)

    def _migrate_pending_sends(self, checkpoint: Dict[str, Any], thread_id: str, ns: str,
                               parent_id: str) -> None:
        # Before format 4, sends were the parent's writes to TASKS; LangGraph's savers move them
        # into the channel on read.
        parent = self.client.request("GET", self._thread(thread_id, "/checkpoint"),
                                     query={"checkpoint_ns": ns, "checkpoint_id": parent_id})
        sends = [self.serde.loads_typed((w["type"], _unb64(w["data"])))
                 for w in ((parent or {}).get("tuple") or {}).get("pending_writes", [])
                 if w["channel"] == TASKS]
        checkpoint["channel_values"][TASKS] = sends
        versions = checkpoint.setdefault("channel_versions", {})
        versions[TASKS] = (max(versions.values()) if versions
                           else self.get_next_version(None, None))

    def get_tuple(self, config: Dict[str, Any]) -> Optional[CheckpointTuple]:
        """The checkpoint config names, or the thread's latest in its namespace; None if none."""
        conf = _configurable(config)
        if conf.get("thread_id") in (None, ""):
            return None
        out = self.client.request(
            "GET", self._thread(str(conf["thread_id"]), "/checkpoint"),
            query={"checkpoint_ns": conf.get("checkpoint_ns") or "",
                   "checkpoint_id": conf.get("checkpoint_id") or None})
        return self._load(out["tuple"]) if out["tuple"] else None

    def get(self, config: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        t = self.get_tuple(config)
        return t.checkpoint if t else None

    def list(self, config: Optional[Dict[str, Any]], *, filter: Optional[Dict[str, Any]] = None,
             before: Optional[Dict[str, Any]] = None,
             limit: Optional[int] = None) -> Iterator[CheckpointTuple]:
        """Checkpoints newest first: of config's thread (all threads when config is None or has
        none) and namespace (all when absent), before `before`'s id, whose metadata has each
        key of `filter` with an equal value, at most `limit`."""
        conf = _configurable(config)
        before_id = _configurable(before).get("checkpoint_id")
        if conf.get("checkpoint_id"):  # one checkpoint, as LangGraph's savers read it
            t = self.get_tuple(config)
            if (t and (before_id is None or t.config["configurable"]["checkpoint_id"] < before_id)
                    and all(t.metadata.get(k) == v for k, v in (filter or {}).items())
                    and (limit is None or limit > 0)):
                yield t
            return
        body: Dict[str, Any] = {}
        if conf.get("thread_id") not in (None, ""):
            body["thread_id"] = str(conf["thread_id"])
        if "checkpoint_ns" in conf and conf["checkpoint_ns"] is not None:
            body["checkpoint_ns"] = conf["checkpoint_ns"]
        if before_id:
            body["before"] = before_id
        if limit is not None:
            body["limit"] = max(0, int(limit))
        if filter:
            body["filter"] = filter
        out = self.client.request("POST", self.client._owner_path(self.owner,
                                                                  "/checkpoints/search"), body)
        for t in out["checkpoints"]:
            yield self._load(t)

    def get_next_version(self, current: Optional[Any], channel: Any) -> str:
        """LangGraph's database savers' versions: a zero-padded counter and a random tiebreak,
        so versions order as strings."""
        if current is None:
            n = 0
        elif isinstance(current, int):
            n = current
        else:
            n = int(str(current).split(".")[0])
        return f"{n + 1:032}.{random.random():016}"

    # ---- coroutines (LangGraph awaits these in async graphs) ----

    async def aput(self, config, checkpoint, metadata, new_versions):
        return await asyncio.to_thread(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(self, config, writes, task_id, task_path=""):
        return await asyncio.to_thread(self.put_writes, config, writes, task_id, task_path)

    async def aget_tuple(self, config):
        return await asyncio.to_thread(self.get_tuple, config)

    async def aget(self, config):
        return await asyncio.to_thread(self.get, config)

    async def alist(self, config, *, filter=None, before=None, limit=None):
        tuples = await asyncio.to_thread(
            lambda: list(self.list(config, filter=filter, before=before, limit=limit)))
        for t in tuples:
            yield t

    async def adelete_thread(self, thread_id):
        return await asyncio.to_thread(self.delete_thread, thread_id)

    async def acopy_thread(self, source_thread_id, target_thread_id):
        return await asyncio.to_thread(self.copy_thread, source_thread_id, target_thread_id)

    async def aprune(self, thread_ids, *, strategy="keep_latest"):
        return await asyncio.to_thread(self.prune, thread_ids, strategy=strategy)
