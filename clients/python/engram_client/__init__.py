"""engram_client: a standard-library Python client for engram's HTTP API."""

from .checkpoint import CheckpointTuple, EngramCheckpointSaver, JsonSerde
from .client import (Context, CoreBlock, EngramClient, EngramError, Memory, MemoryPage,
                     SearchHit, SessionItem, WriteResult)
from .session import AsyncSession, Session
from .store import EngramStore, Item, SearchItem

__all__ = [
    "AsyncSession", "CheckpointTuple", "Context", "CoreBlock", "EngramCheckpointSaver",
    "EngramClient", "EngramError", "EngramStore", "Item", "JsonSerde", "Memory", "MemoryPage",
    "SearchHit", "SearchItem", "Session", "SessionItem", "WriteResult",
]
