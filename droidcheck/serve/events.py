"""Fan-out of page updates from worker threads to every open page (server-sent events).

Workers (checks, fixes, fleet runs) run in threads; pages listen on the event loop. ``publish`` may be
called from any thread: it hands the event to each subscriber's loop with ``call_soon_threadsafe``. A page
that cannot keep up (its queue is full) is dropped; its browser reconnects and gets the whole state again.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from typing import Any

QUEUE_LIMIT = 2000


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]

    def encode(self) -> str:
        """The event in the text/event-stream wire format (JSON never holds a raw newline)."""
        return f"event: {self.name}\ndata: {json.dumps(self.data, ensure_ascii=False)}\n\n"


class Subscription:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_LIMIT)
        self.dropped = False


class EventBus:
    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()

    def subscribe(self) -> Subscription:
        sub = Subscription(asyncio.get_running_loop())
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    @property
    def listeners(self) -> int:
        with self._lock:
            return len(self._subs)

    def publish(self, name: str, data: dict[str, Any]) -> None:
        event = Event(name, data)
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            try:
                sub.loop.call_soon_threadsafe(self._offer, sub, event)
            except RuntimeError:  # its loop is closed: the page is gone
                self.unsubscribe(sub)

    def _offer(self, sub: Subscription, event: Event) -> None:
        if sub.dropped:
            return
        try:
            sub.queue.put_nowait(event)
        except asyncio.QueueFull:
            sub.dropped = True
            self.unsubscribe(sub)
            while not sub.queue.empty():
                sub.queue.get_nowait()
            sub.queue.put_nowait(None)  # tells the stream to end; the browser reconnects
