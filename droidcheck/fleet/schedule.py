"""Which device a free fleet thread reads next: one whose server has a free read slot.

Devices are listed server by server. Handing them to threads in that order, each thread then waiting for
its device's server, left the other servers idle: with 32 threads and 8 slots per server, 24 threads sat
queued behind the first server while three servers had nothing to do, and a 200-phone run over 4 servers
read 8–16 phones at once instead of 32. Here a thread takes a device only when that device's server has
a slot free, from the server with the fewest reads going (then the one waited on longest), so every
server is kept busy up to its bound while it has devices left.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class ReadSlot:
    """A held read slot on one server: ``release()`` (or leaving the ``with``) frees it, once."""

    def __init__(self, scheduler: Scheduler[object], server: str) -> None:
        self._scheduler = scheduler
        self._server = server
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._scheduler._release(self._server)

    def __enter__(self) -> ReadSlot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Scheduler(Generic[T]):
    """``take()`` blocks until an item can be read (its server has a free slot) and returns it with its
    held slot, or returns None when nothing is left to hand out (or after ``cancel()``). Thread-safe."""

    def __init__(self, items: Iterable[tuple[str, T]], per_server: int) -> None:
        self._per_server = max(1, per_server)
        self._queues: dict[str, deque[T]] = {}
        for server, item in items:
            self._queues.setdefault(server, deque()).append(item)
        self._reading = dict.fromkeys(self._queues, 0)
        self._order = list(self._queues)  # servers, least recently served first
        self._cond = threading.Condition()
        self._cancelled = False

    def take(self) -> tuple[T, ReadSlot] | None:
        with self._cond:
            while True:
                if self._cancelled or not any(self._queues.values()):
                    return None
                open_servers = [s for s in self._order
                                if self._queues[s] and self._reading[s] < self._per_server]
                if open_servers:
                    server = min(open_servers, key=lambda s: self._reading[s])  # first of the least busy
                    self._order.remove(server)
                    self._order.append(server)
                    self._reading[server] += 1
                    item = self._queues[server].popleft()
                    if not any(self._queues.values()):
                        self._cond.notify_all()  # the waiters' answer is now None, not another slot
                    return item, ReadSlot(self, server)  # type: ignore[arg-type]
                self._cond.wait()

    def cancel(self) -> None:
        """Hand out nothing more (Ctrl-C); reads already going keep their slots until they end."""
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()

    def _release(self, server: str) -> None:
        with self._cond:
            self._reading[server] -= 1
            self._cond.notify()  # one slot: one waiter can use it
