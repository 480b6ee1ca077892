"""Typed client for engram's /v1 HTTP API (docs/http.md), standard library only."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional

__all__ = [
    "EngramClient",
    "EngramError",
    "Memory",
    "SearchHit",
    "MemoryPage",
    "WriteResult",
    "SessionItem",
    "CoreBlock",
    "Context",
]


class EngramError(Exception):
    """An error answer of the server: HTTP status, engram's error code and message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass
class Memory:
    id: str
    text: str
    type: str
    scope: str
    key: str = ""
    data: Any = None
    metadata: Dict[str, Any] = field(default_factory=dict)
    session_id: str = ""
    agent_id: str = ""
    source: str = ""
    confidence: float = 1.0
    created_at: Optional[str] = None
    updated_at: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, j: Dict[str, Any]) -> "Memory":
        return cls(
            id=j["id"],
            text=j.get("text", ""),
            type=j.get("type", ""),
            scope=j.get("scope", "global"),
            key=j.get("key") or "",
            data=j.get("data"),
            metadata=j.get("metadata") or {},
            session_id=j.get("session_id") or "",
            agent_id=j.get("agent_id") or "",
            source=j.get("source") or "",
            confidence=j.get("confidence", 1.0),
            created_at=j.get("created_at"),
            updated_at=j.get("updated_at"),
            raw=j,
        )


@dataclass
class SearchHit:
    memory: Memory
    score: float
    explanation: Optional[Dict[str, Any]] = None


@dataclass
class MemoryPage:
    items: List[Memory]
    next_cursor: Optional[str]


@dataclass
class WriteResult:
    event: str  # "added", "deduplicated", "superseded", "updated"
    memory: Memory
    superseded_ids: List[str] = field(default_factory=list)


@dataclass
class SessionItem:
    role: str
    content: str
    seq: Optional[int] = None
    tool_calls: Any = None
    tool_call_id: Optional[str] = None
    created_at: Optional[str] = None

    @classmethod
    def from_json(cls, j: Dict[str, Any]) -> "SessionItem":
        return cls(
            role=j["role"],
            content=j.get("content", ""),
            seq=j.get("seq"),
            tool_calls=j.get("tool_calls"),
            tool_call_id=j.get("tool_call_id"),
            created_at=j.get("created_at"),
        )

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls is not None:
            out["tool_calls"] = self.tool_calls
        if self.tool_call_id:
            out["tool_call_id"] = self.tool_call_id
        return out


@dataclass
class CoreBlock:
    label: str
    value: str
    scope: str
    limit: Optional[int] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, j: Dict[str, Any]) -> "CoreBlock":
        return cls(j["label"], j.get("value", ""), j.get("scope", "global"), j.get("limit"), j)


@dataclass
class Context:
    rendered: str
    items: List[Dict[str, Any]]
    token_count: int
    token_budget: int
    omitted: Any = None


def _drop_none(d: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


class EngramClient:
    """One owner's view of an engram server.

    >>> c = EngramClient("http://127.0.0.1:8420", api_key="k-...", owner="alice")
    >>> c.add("Alice prefers tea", type="preference")
    """

    def __init__(self, base_url: str, api_key: Optional[str] = None, owner: str = "",
                 timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.owner = owner
        self.timeout = timeout

    # ---- transport ----

    def request(self, method: str, path: str, body: Any = None,
                query: Optional[Dict[str, Any]] = None) -> Any:
        """Sends one request; returns the decoded JSON body or raises EngramError."""
        url = self.base_url + path
        if query:
            q = {k: ("true" if v is True else "false" if v is False else v)
                 for k, v in query.items() if v is not None}
            if q:
                url += "?" + urllib.parse.urlencode(q)
        data = None
        headers = {"Accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = "Bearer " + self.api_key
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            code, message = "http_error", e.reason
            try:
                err = json.loads(raw)["error"]
                code, message = err.get("code", code), err.get("message", message)
            except (ValueError, KeyError, TypeError):
                pass
            raise EngramError(e.code, code, str(message)) from None
        except urllib.error.URLError as e:
            raise EngramError(0, "unreachable", str(e.reason)) from None
        return json.loads(raw) if raw else None

    def _owner_path(self, owner: Optional[str], rest: str = "") -> str:
        o = owner or self.owner
        if not o:
            raise ValueError("no owner: pass owner= to the client or the call")
        return "/v1/owners/" + urllib.parse.quote(o, safe="") + rest

    @staticmethod
    def _q(s: str) -> str:
        return urllib.parse.quote(s, safe="")

    # ---- memories ----

    def add(self, text: str, *, type: Optional[str] = None, key: Optional[str] = None,
            scope: Optional[str] = None, data: Any = None,
            metadata: Optional[Dict[str, Any]] = None, owner: Optional[str] = None,
            **fields: Any) -> WriteResult:
        """Stores one memory (other fields: session_id, agent_id, source, confidence,
        observed_at, expires_at, supersedes, reason)."""
        body = _drop_none({"text": text, "type": type, "key": key, "scope": scope,
                           "data": data, "metadata": metadata, **fields})
        return self._write_result(self.request("POST", self._owner_path(owner, "/memories"), body))

    def add_many(self, memories: List[Dict[str, Any]],
                 owner: Optional[str] = None) -> List[WriteResult]:
        """Stores a batch in one transaction."""
        out = self.request("POST", self._owner_path(owner, "/memories"), {"memories": memories})
        return [self._write_result(r) for r in out["results"]]

    @staticmethod
    def _write_result(j: Dict[str, Any]) -> WriteResult:
        return WriteResult(j["event"], Memory.from_json(j["memory"]), j.get("superseded_ids") or [])

    def get(self, memory_id: str, owner: Optional[str] = None) -> Memory:
        return Memory.from_json(
            self.request("GET", self._owner_path(owner, "/memories/" + self._q(memory_id))))

    def list(self, *, scope: Optional[str] = None, type: Optional[str] = None,
             key: Optional[str] = None, limit: Optional[int] = None,
             cursor: Optional[str] = None, owner: Optional[str] = None,
             **filters: Any) -> MemoryPage:
        """One page, newest first (filters: session_id, agent_id, since, until, valid_at,
        as_of, include_superseded)."""
        q = {"scope": scope, "type": type, "key": key, "limit": limit, "cursor": cursor,
             **filters}
        j = self.request("GET", self._owner_path(owner, "/memories"), query=q)
        return MemoryPage([Memory.from_json(m) for m in j["items"]], j.get("next_cursor"))

    def iter_all(self, owner: Optional[str] = None, **filters: Any) -> Iterator[Memory]:
        """Every memory matching the filters, following next_cursor."""
        cursor = None
        while True:
            page = self.list(limit=1000, cursor=cursor, owner=owner, **filters)
            yield from page.items
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def update(self, memory_id: str, owner: Optional[str] = None, **fields: Any) -> Memory:
        """Changes text, key, data, metadata, confidence, valid_from/to, expires_at (reason)."""
        return Memory.from_json(self.request(
            "PATCH", self._owner_path(owner, "/memories/" + self._q(memory_id)), fields))

    def delete(self, memory_id: str, reason: Optional[str] = None,
               owner: Optional[str] = None) -> None:
        self.request("DELETE", self._owner_path(owner, "/memories/" + self._q(memory_id)),
                     query={"reason": reason})

    def history(self, memory_id: str, owner: Optional[str] = None) -> List[Dict[str, Any]]:
        path = self._owner_path(owner, "/memories/" + self._q(memory_id) + "/history")
        return self.request("GET", path)["events"]

    def search(self, query: str, *, top_k: Optional[int] = None, scope: Optional[str] = None,
               type: Optional[str] = None, filter: Optional[Dict[str, Any]] = None,
               mode: Optional[str] = None, explain: Optional[bool] = None,
               owner: Optional[str] = None, **options: Any) -> List[SearchHit]:
        body = _drop_none({"query": query, "top_k": top_k, "scope": scope, "type": type,
                           "filter": filter, "mode": mode, "explain": explain, **options})
        j = self.request("POST", self._owner_path(owner, "/memories/search"), body)
        return [SearchHit(Memory.from_json(h), h.get("score", 0.0), h.get("explanation"))
                for h in j["hits"]]

    # ---- sessions ----

    def _session(self, session_id: str, rest: str, owner: Optional[str]) -> str:
        return self._owner_path(owner, "/sessions/" + self._q(session_id) + rest)

    def session_add_items(self, session_id: str, items: List[Any],
                          owner: Optional[str] = None) -> List[SessionItem]:
        body = {"items": [i.to_json() if isinstance(i, SessionItem) else i for i in items]}
        j = self.request("POST", self._session(session_id, "/items", owner), body)
        return [SessionItem.from_json(i) for i in j["items"]]

    def session_items(self, session_id: str, last_n: Optional[int] = None,
                      owner: Optional[str] = None) -> List[SessionItem]:
        j = self.request("GET", self._session(session_id, "/items", owner),
                         query={"last_n": last_n})
        return [SessionItem.from_json(i) for i in j["items"]]

    def session_pop(self, session_id: str, owner: Optional[str] = None) -> Optional[SessionItem]:
        j = self.request("POST", self._session(session_id, "/pop", owner))
        return SessionItem.from_json(j["item"]) if j.get("item") else None

    def session_clear(self, session_id: str, owner: Optional[str] = None) -> int:
        return self.request("DELETE", self._session(session_id, "/items", owner))["removed"]

    def session_summary(self, session_id: str, owner: Optional[str] = None) -> Optional[str]:
        s = self.request("GET", self._session(session_id, "/summary", owner))["summary"]
        return s["text"] if s else None

    def set_session_summary(self, session_id: str, text: str,
                            owner: Optional[str] = None) -> str:
        j = self.request("PUT", self._session(session_id, "/summary", owner), {"text": text})
        return j["summary"]["text"]

    # ---- context and core blocks ----

    def context(self, *, query: Optional[str] = None, scope: Optional[str] = None,
                session_id: Optional[str] = None, token_budget: Optional[int] = None,
                owner: Optional[str] = None, **options: Any) -> Context:
        body = _drop_none({"query": query, "scope": scope, "session_id": session_id,
                           "token_budget": token_budget, **options})
        j = self.request("POST", self._owner_path(owner, "/context"), body)
        return Context(j.get("rendered", ""), j.get("items", []), j.get("token_count", 0),
                       j.get("token_budget", 0), j.get("omitted"))

    def _block(self, label: str, rest: str, owner: Optional[str]) -> str:
        return self._owner_path(owner, "/blocks/" + self._q(label) + rest)

    def blocks(self, scope: Optional[str] = None, owner: Optional[str] = None) -> List[CoreBlock]:
        j = self.request("GET", self._owner_path(owner, "/blocks"), query={"scope": scope})
        return [CoreBlock.from_json(b) for b in j["blocks"]]

    def get_block(self, label: str, scope: Optional[str] = None,
                  owner: Optional[str] = None) -> CoreBlock:
        return CoreBlock.from_json(
            self.request("GET", self._block(label, "", owner), query={"scope": scope}))

    def set_block(self, label: str, value: str, scope: Optional[str] = None,
                  limit: Optional[int] = None, owner: Optional[str] = None) -> CoreBlock:
        body = _drop_none({"value": value, "limit": limit})
        return CoreBlock.from_json(
            self.request("PUT", self._block(label, "", owner), body, query={"scope": scope}))

    def append_block(self, label: str, text: str, scope: Optional[str] = None,
                     owner: Optional[str] = None) -> CoreBlock:
        return CoreBlock.from_json(self.request(
            "POST", self._block(label, "/append", owner), {"text": text}, query={"scope": scope}))

    def replace_in_block(self, label: str, old_text: str, new_text: str,
                         scope: Optional[str] = None, owner: Optional[str] = None) -> CoreBlock:
        return CoreBlock.from_json(self.request(
            "POST", self._block(label, "/replace", owner),
            {"old_text": old_text, "new_text": new_text}, query={"scope": scope}))

    def delete_block(self, label: str, scope: Optional[str] = None,
                     owner: Optional[str] = None) -> None:
        self.request("DELETE", self._block(label, "", owner), query={"scope": scope})
