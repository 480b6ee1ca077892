"""OpenAI Agents SDK session protocol over an engram session (ordered conversation items)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from .client import EngramClient

__all__ = ["Session", "AsyncSession"]


def _to_item(item: Dict[str, Any]) -> Dict[str, Any]:
    """An Agents SDK input item ({"role", "content"}, content a string or a list of parts)
    as an engram session item."""
    if "role" not in item:
        raise ValueError("engram sessions store items with a role (user, assistant, system, tool)")
    content = item.get("content", "")
    if isinstance(content, list):
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    out: Dict[str, Any] = {"role": item["role"], "content": content}
    if item.get("tool_calls") is not None:
        out["tool_calls"] = item["tool_calls"]
    if item.get("tool_call_id"):
        out["tool_call_id"] = item["tool_call_id"]
    return out


class Session:
    """get_items / add_items / pop_item / clear_session, as the OpenAI Agents SDK names them."""

    def __init__(self, session_id: str, client: EngramClient, owner: Optional[str] = None):
        self.session_id = session_id
        self.client = client
        self.owner = owner

    def get_items(self, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """The items in order, oldest first; with limit, only the latest `limit`."""
        items = self.client.session_items(self.session_id, last_n=limit, owner=self.owner)
        return [i.to_json() for i in items]

    def add_items(self, items: List[Dict[str, Any]]) -> None:
        if items:
            self.client.session_add_items(self.session_id, [_to_item(i) for i in items],
                                          owner=self.owner)

    def pop_item(self) -> Optional[Dict[str, Any]]:
        item = self.client.session_pop(self.session_id, owner=self.owner)
        return item.to_json() if item else None

    def clear_session(self) -> None:
        self.client.session_clear(self.session_id, owner=self.owner)


class AsyncSession(Session):
    """The same methods as coroutines (the Agents SDK awaits them); calls run in a thread."""

    async def get_items(self, limit: Optional[int] = None) -> List[Dict[str, Any]]:  # type: ignore[override]
        return await asyncio.to_thread(Session.get_items, self, limit)

    async def add_items(self, items: List[Dict[str, Any]]) -> None:  # type: ignore[override]
        await asyncio.to_thread(Session.add_items, self, items)

    async def pop_item(self) -> Optional[Dict[str, Any]]:  # type: ignore[override]
        return await asyncio.to_thread(Session.pop_item, self)

    async def clear_session(self) -> None:  # type: ignore[override]
        await asyncio.to_thread(Session.clear_session, self)
