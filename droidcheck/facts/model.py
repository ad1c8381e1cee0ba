"""Typed facts: a named value read off a phone, or `unknown` with the reason it could not be read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FactValue = bool | int | float | str | list[str] | dict[str, Any] | None


@dataclass(frozen=True)
class Fact:
    """One fact. ``status`` is ``ok`` (``value`` is trustworthy) or ``unknown`` (``reason`` says why).

    A parser that meets a format it does not know returns ``unknown``; it never guesses.
    ``note`` qualifies an ok value ("approximate: computed from RSRP", "from the bug report's clock").
    ``unread`` marks an unknown fact whose data was not read (a command timed out, failed, was lost, or
    printed something that is not its format), as opposed to one this phone simply cannot show: an
    important rule that needs it makes the verdict ``incomplete`` (see ``droidcheck.rules.engine``).
    """

    name: str
    value: FactValue = None
    status: str = "ok"
    reason: str | None = None
    note: str | None = None
    unread: bool = False

    @property
    def known(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        if self.note:
            out["note"] = self.note
        if self.unread:
            out["not_read"] = True
        return out


def known(name: str, value: FactValue, note: str | None = None) -> Fact:
    return Fact(name=name, value=value, status="ok", note=note)


def unknown(name: str, reason: str) -> Fact:
    return Fact(name=name, value=None, status="unknown", reason=reason)


Facts = dict[str, Fact]
