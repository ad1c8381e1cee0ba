"""The timeline of one watched SMS: which stages were reached, when, and which could not be seen.

Pure data, fed by parsed polls (``droidcheck.watch.sources``); knows nothing of ADB. Times are the
phone's clock (epoch seconds); ``after_s`` is measured from the moment the technician was told to have
the code requested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from droidcheck.parsers.watch_sources import BroadcastEvent, InboxRow, NotificationSeen, RadioEvent
from droidcheck.parsers.zen import zen_label
from droidcheck.watch.sources import observable

#: Stage ids in order, with the label the technician sees.
STAGES: tuple[tuple[str, str], ...] = (
    ("request", "code requested (watch started)"),
    ("radio", "reached the phone (radio)"),
    ("delivered", "delivered to the SMS app (SMS_DELIVER)"),
    ("stored", "stored in the inbox"),
    ("notification", "notification shown"),
    ("blocked", "notification suppressed (blocked)"),
)
#: Which source shows which stage.
STAGE_SOURCE = {"radio": "radio", "delivered": "broadcasts", "stored": "inbox", "notification": "notifications",
                "blocked": "blocked"}

_SHORT_CODE = re.compile(r"^\d{3,8}$")
_ALPHA_ID = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ._&-]{2,11}$")


def mask_sender(address: str) -> str:
    """Short codes (≤ 8 digits) and alphanumeric sender ids stay; a phone number keeps its last 2 digits."""
    address = address.strip()
    if _SHORT_CODE.match(address) or _ALPHA_ID.match(address):
        return address
    digits = [c for c in address if c.isdigit()]
    if not digits:
        return "•••"
    return ("+" if address.startswith("+") else "") + "•" * max(len(digits) - 2, 3) + "".join(digits[-2:])


@dataclass
class Stage:
    id: str
    label: str
    status: str = "waiting"  # waiting | reached | not_reached | not_observable | unreadable
    at: float | None = None  # phone clock
    detail: str = ""
    source: str = ""

    def to_dict(self, start: float) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "status": self.status,
                "at": _iso(self.at) if self.at is not None else None,
                # the phone clock is read to the second: an early-looking stage is shown at +0
                "after_s": round(max(self.at - start, 0.0), 1) if self.at is not None else None,
                "detail": self.detail, "source": self.source}


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t).astimezone().isoformat(timespec="seconds")


@dataclass
class Timeline:
    """What has been seen of the one SMS since ``start`` (phone clock)."""

    start: float
    sdk: int | None
    sms_app: str | None
    stages: dict[str, Stage] = field(default_factory=dict)
    sender: str | None = None  # masked
    notification_importance: int | None = None
    blocked_at: float | None = None
    blocked_observable: bool = False
    unreadable: dict[str, str] = field(default_factory=dict)  # source id -> reason
    baseline: dict[str, NotificationSeen] = field(default_factory=dict)  # records present at start, by ident
    dnd_mode: int | None = None  # zen_mode as of the latest poll that could read it
    dnd_at_notification: int | None = None  # zen_mode when the notification was first seen
    polls: int = 0

    @classmethod
    def begin(cls, start: float, sdk: int | None, sms_app: str | None) -> Timeline:
        tl = cls(start=start, sdk=sdk, sms_app=sms_app)
        for sid, label in STAGES:
            tl.stages[sid] = Stage(sid, label)
        req = tl.stages["request"]
        req.status, req.at, req.detail = "reached", start, "technician asked the customer to request the code"
        for sid, src in STAGE_SOURCE.items():
            tl.stages[sid].source = src
            why = observable(src, sdk)
            if why:
                tl.stages[sid].status, tl.stages[sid].detail = "not_observable", why
        tl.blocked_observable = observable("blocked", sdk) is None
        return tl

    # -- feeding -----------------------------------------------------------------------------------

    def _reach(self, sid: str, at: float, detail: str) -> bool:
        stage = self.stages[sid]
        if stage.status == "reached" or stage.status == "not_observable":
            return False
        stage.status, stage.at, stage.detail = "reached", at, detail
        return True

    def _reach_notification(self, at: float, detail: str, importance: int | None) -> list[str]:
        """The notification stage, with what goes with it: the importance it was posted at and whether
        Do Not Disturb was on at that moment (the latest poll's mode)."""
        if self.dnd_mode:
            detail += f"; Do Not Disturb was on ({zen_label(self.dnd_mode)})"
        if not self._reach("notification", at, detail):
            return []
        self.notification_importance = importance
        self.dnd_at_notification = self.dnd_mode or None
        if importance is not None and importance < 3:
            self.stages["notification"].label = "notification posted silently"
        return ["notification"]

    def set_dnd(self, mode: int | None) -> None:
        if mode is not None:
            self.dnd_mode = mode

    def mark_unreadable(self, source: str, reason: str) -> None:
        self.unreadable[source] = reason
        for sid, src in STAGE_SOURCE.items():
            if src == source and self.stages[sid].status == "waiting":
                self.stages[sid].status, self.stages[sid].detail = "unreadable", f"could not be read: {reason}"

    def clear_unreadable(self, source: str) -> None:
        self.unreadable.pop(source, None)
        for sid, src in STAGE_SOURCE.items():
            if src == source and self.stages[sid].status == "unreadable":
                self.stages[sid].status, self.stages[sid].detail = "waiting", ""

    def _fresh(self, t: float) -> bool:
        return t >= self.start - 2.0  # the phone clock is read to the second

    def add_radio(self, events: list[RadioEvent]) -> list[str]:
        for e in sorted(events, key=lambda e: e.time):
            if self._fresh(e.time):
                target = f"; telephony hands it to {e.target}" if e.target else ""
                if self._reach("radio", e.time, f"{e.tag} logged an incoming SMS{target}"):
                    return ["radio"]
        return []

    def add_broadcasts(self, events: list[BroadcastEvent]) -> list[str]:
        for e in sorted(events, key=lambda e: e.time):
            ours = self.sms_app is None or e.package in (None, self.sms_app)
            detail = f"SMS_DELIVER sent to {e.package or 'the default SMS app'}"
            if ours and self._fresh(e.time) and self._reach("delivered", e.time, detail):
                return ["delivered"]
        return []

    def add_inbox(self, rows: list[InboxRow]) -> list[str]:
        for r in sorted(rows, key=lambda r: r.date):
            if self._fresh(r.date):
                self.sender = mask_sender(r.address)
                if self._reach("stored", r.date, f"from {self.sender}"):
                    return ["stored", *self._credit_baseline()]
        return []

    def set_baseline(self, seen: list[NotificationSeen]) -> None:
        self.baseline = {n.ident: n for n in seen}

    def _credit_baseline(self) -> list[str]:
        """A message stored just before the watch began (inside the 2 s the phone clock cannot resolve) may
        already have its notification up: that record is in the baseline, and is this message's, not an
        old one, when the SMS app owns it. Without this the watch would wrongly say "no notification"."""
        stored = self.stages["stored"]
        if stored.status != "reached" or stored.at is None or stored.at >= self.start:
            return []
        for n in self.baseline.values():
            if self.sms_app and n.package == self.sms_app:
                return self._reach_notification(stored.at, f"{n.package} already showed a notification "
                                                f"(importance {n.importance}) when the watch began", n.importance)
        return []

    def add_notifications(self, seen: list[NotificationSeen], now: float) -> list[str]:
        for n in seen:
            if n.ident in self.baseline or (self.sms_app and n.package != self.sms_app):
                continue
            quiet = n.importance is not None and n.importance < 3
            detail = (f"{n.package} posted a notification (importance {n.importance}"
                      f"{', silent' if quiet else ''}; time = first poll that saw it)")
            if reached := self._reach_notification(now, detail, n.importance):
                return reached
        return self._credit_baseline()

    def add_blocked(self, times: list[float]) -> list[str]:
        fresh = [t for t in times if self._fresh(t)]
        if fresh and self.blocked_at is None:
            self.blocked_at = min(fresh)
            self._reach("blocked", self.blocked_at,
                        "NotificationService: suppressed by user request (app notifications off)")
            st = self.stages["notification"]
            if st.status in ("waiting", "unreadable"):
                st.status, st.at, st.detail = "not_reached", self.blocked_at, "suppressed by the system"
            return ["blocked"]
        return []

    # -- reading -----------------------------------------------------------------------------------

    def reached(self, sid: str) -> bool:
        return self.stages[sid].status == "reached"

    def finish(self) -> None:
        """At the end: every stage still waiting was not reached."""
        for st in self.stages.values():
            if st.status == "waiting":
                st.status = "not_reached"
        if self.reached("notification") and self.stages["blocked"].status == "not_observable":
            self.stages["blocked"].detail = "not needed: the notification was shown"

    def to_dict(self) -> dict[str, Any]:
        return {"started_at": _iso(self.start), "sms_app": self.sms_app, "sender": self.sender,
                "notification_importance": self.notification_importance,
                "dnd_at_notification": zen_label(self.dnd_at_notification) if self.dnd_at_notification
                else None,
                "stages": [self.stages[sid].to_dict(self.start) for sid, _ in STAGES],
                "notification_block_observable": self.blocked_observable,
                "unreadable_sources": dict(self.unreadable), "polls": self.polls}
