"""A small in-process cache for data that changes only when content is edited.

Reading from Redis costs a network round trip and unpickling on every page view; content such
as a course's structure changes a few times a year. Each process keeps its own copy for
``ttl`` seconds. The process that makes an edit drops its copy at once; the others see the
edit when their copy expires. Values are shared, not copied: store immutable objects.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ProcessCache(Generic[T]):
    _instances: list[ProcessCache] = []

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, T]] = {}
        self._lock = threading.Lock()
        ProcessCache._instances.append(self)

    @classmethod
    def clear_all(cls) -> None:
        """Empty every process cache (tests start from nothing)."""
        for instance in cls._instances:
            instance.clear()

    def get_or_build(self, key: str, build: Callable[[], T]) -> T:
        item = self._items.get(key)
        if item is not None and item[0] > time.monotonic():
            return item[1]
        value = build()
        now = time.monotonic()
        with self._lock:
            # Builds are rare, so this is when entries nobody asks for any more (an old build's
            # pages, say) are dropped.
            for stale in [k for k, (expires, _) in self._items.items() if expires <= now]:
                del self._items[stale]
            self._items[key] = (now + self.ttl, value)
        return value

    def forget(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
