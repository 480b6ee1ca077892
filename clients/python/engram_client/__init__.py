"""engram_client: a standard-library Python client for engram's HTTP API."""

from .client import (Context, CoreBlock, EngramClient, EngramError, Memory, MemoryPage,
                     SearchHit, SessionItem, WriteResult)
from .session import AsyncSession, Session
from .store import EngramStore, Item, SearchItem

__all__ = [
    "AsyncSession", "Context", "CoreBlock", "EngramClient", "EngramError", "EngramStore", "Item",
    "Memory", "MemoryPage", "SearchHit", "SearchItem", "Session", "SessionItem", "WriteResult",
]
