"""A namespaced key-value store with LangGraph BaseStore semantics, kept as engram memories.

namespace ("users", "alice", "prefs") -> scope "users/alice/prefs"; key -> the memory's key;
value (a JSON object) -> the memory's data, and its JSON text is the searchable text. Only
memories this store wrote (source "langgraph-store") are visible through it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .client import EngramClient, EngramError, Memory

__all__ = ["EngramStore", "Item", "SearchItem"]

SOURCE = "langgraph-store"


@dataclass
class Item:
    namespace: Tuple[str, ...]
    key: str
    value: Dict[str, Any]
    created_at: Optional[str]
    updated_at: Optional[str]


@dataclass
class SearchItem(Item):
    score: Optional[float] = None


def _scope(namespace: Iterable[str]) -> str:
    ns = tuple(namespace)
    if not ns:
        raise ValueError("a namespace needs at least one label")
    for label in ns:
        if not isinstance(label, str) or not label or "/" in label:
            raise ValueError(f"namespace labels must be non-empty strings without '/': {label!r}")
    return "/".join(ns)


def _namespace(scope: str) -> Tuple[str, ...]:
    return tuple(scope.split("/"))


def _item(m: Memory, cls=Item, **extra: Any) -> Item:
    return cls(_namespace(m.scope), m.key, m.data if isinstance(m.data, dict) else {},
               m.created_at, m.updated_at or m.created_at, **extra)


_OPS = {
    "$eq": lambda a, b: a == b,
    "$ne": lambda a, b: a != b,
    "$gt": lambda a, b: a is not None and a > b,
    "$gte": lambda a, b: a is not None and a >= b,
    "$lt": lambda a, b: a is not None and a < b,
    "$lte": lambda a, b: a is not None and a <= b,
}


def _matches(value: Dict[str, Any], flt: Optional[Dict[str, Any]]) -> bool:
    for field_name, want in (flt or {}).items():
        have = value.get(field_name)
        if isinstance(want, dict) and want and all(k in _OPS for k in want):
            if not all(_OPS[op](have, arg) for op, arg in want.items()):
                return False
        elif have != want:
            return False
    return True


class EngramStore:
    def __init__(self, client: EngramClient, owner: Optional[str] = None):
        self.client = client
        self.owner = owner

    def _find(self, scope: str, key: str) -> Optional[Memory]:
        for m in self.client.iter_all(owner=self.owner, scope=scope, key=key):
            # A scope's view includes its ancestors: keep only this exact namespace.
            if m.scope == scope and m.key == key and m.source == SOURCE:
                return m
        return None

    def _all(self) -> List[Memory]:
        return [m for m in self.client.iter_all(owner=self.owner) if m.source == SOURCE]

    def put(self, namespace: Tuple[str, ...], key: str, value: Optional[Dict[str, Any]]) -> None:
        """Stores value under (namespace, key), replacing what was there; None deletes."""
        if value is None:
            self.delete(namespace, key)
            return
        if not isinstance(value, dict):
            raise TypeError("value must be a dict")
        if not key:
            raise ValueError("key must be non-empty")
        scope = _scope(namespace)
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
        old = self._find(scope, key)
        if old is not None:
            self.client.update(old.id, owner=self.owner, text=text, data=value)
        else:
            self.client.add(text, type="fact", key=key, scope=scope, data=value, source=SOURCE,
                            owner=self.owner)

    def get(self, namespace: Tuple[str, ...], key: str) -> Optional[Item]:
        m = self._find(_scope(namespace), key)
        return _item(m) if m else None

    def delete(self, namespace: Tuple[str, ...], key: str) -> None:
        m = self._find(_scope(namespace), key)
        if m is not None:
            try:
                self.client.delete(m.id, owner=self.owner)
            except EngramError as e:
                if e.status != 404:
                    raise

    def search(self, namespace_prefix: Tuple[str, ...], *, query: Optional[str] = None,
               filter: Optional[Dict[str, Any]] = None, limit: int = 10,
               offset: int = 0) -> List[SearchItem]:
        """Items under the namespace prefix whose value matches filter (equality or $eq, $ne,
        $gt, $gte, $lt, $lte); with a query, ranked by engram's search, else newest first."""
        prefix = tuple(namespace_prefix)

        def under(m: Memory) -> bool:
            return m.source == SOURCE and _namespace(m.scope)[: len(prefix)] == prefix

        results: List[SearchItem] = []
        if query:
            hits = self.client.search(query, top_k=max(50, 4 * (limit + offset)), owner=self.owner)
            for h in hits:
                if under(h.memory) and _matches(h.memory.data or {}, filter):
                    results.append(_item(h.memory, SearchItem, score=h.score))
        else:
            for m in self._all():
                if under(m) and _matches(m.data or {}, filter):
                    results.append(_item(m, SearchItem))
        return results[offset: offset + limit]

    def list_namespaces(self, *, prefix: Optional[Tuple[str, ...]] = None,
                        suffix: Optional[Tuple[str, ...]] = None,
                        max_depth: Optional[int] = None, limit: int = 100,
                        offset: int = 0) -> List[Tuple[str, ...]]:
        found = set()
        for m in self._all():
            ns = _namespace(m.scope)
            if prefix and ns[: len(prefix)] != tuple(prefix):
                continue
            if suffix and ns[len(ns) - len(suffix):] != tuple(suffix):
                continue
            found.add(ns[:max_depth] if max_depth else ns)
        return sorted(found)[offset: offset + limit]
