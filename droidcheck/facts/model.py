"""Typed facts: a named value read off a phone, or `unknown` with the reason it could not be read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from droidcheck.result import FactEntry
from droidcheck.status import FactStatus

FactValue = bool | int | float | str | list[str] | list[dict[str, Any]] | dict[str, Any] | None


@dataclass(frozen=True)
class Fact:
    """One fact. ``status`` is ``ok`` (``value`` is trustworthy) or ``unknown`` (``reason`` says why).

    A parser that meets a format it does not know returns ``unknown``; it never guesses.
    ``note`` qualifies an ok value ("approximate: computed from RSRP", "from the bug report's clock").
    ``inherent`` marks an unknown this phone cannot show whatever droidcheck reads (an Android version
    without the feature, a SIM that does not store its number, no SIM ready to have a signal): set by the
    deriver with :func:`cannot_show`. Every other unknown is ``unread`` (set by ``extract_facts``): its
    data was not read or not understood, and an important rule that needs it makes the verdict
    ``incomplete`` (see ``droidcheck.rules.engine``).
    """

    name: str
    value: FactValue = None
    status: FactStatus = FactStatus.OK
    reason: str | None = None
    note: str | None = None
    inherent: bool = False
    unread: bool = False

    @property
    def known(self) -> bool:
        return self.status == FactStatus.OK

    def to_dict(self) -> FactEntry:
        out: FactEntry = {"value": self.value, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        if self.note:
            out["note"] = self.note
        if self.unread:
            out["not_read"] = True
        return out


def known(name: str, value: FactValue, note: str | None = None) -> Fact:
    return Fact(name=name, value=value, status=FactStatus.OK, note=note)


def unknown(name: str, reason: str) -> Fact:
    return Fact(name=name, value=None, status=FactStatus.UNKNOWN, reason=reason)


def cannot_show(name: str, reason: str) -> Fact:
    """Unknown because this phone cannot show it (not because something was not read or understood)."""
    return Fact(name=name, value=None, status=FactStatus.UNKNOWN, reason=reason, inherent=True)


Facts = dict[str, Fact]
