"""What every fact deriver needs from a snapshot, parsed once: properties, settings, API level."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from droidcheck.parsers.getprop import parse_getprop
from droidcheck.parsers.isub import IsubDump, parse_isub
from droidcheck.parsers.settings import parse_settings_list
from droidcheck.snapshot import Snapshot


@dataclass
class DeriveContext:
    snapshot: Snapshot

    @cached_property
    def props(self) -> dict[str, str] | None:
        text = self.snapshot.text("getprop")
        if text is None:
            return None
        props = parse_getprop(text)
        return props or None

    @cached_property
    def settings_global(self) -> dict[str, str] | None:
        return self._settings("settings_global")

    @cached_property
    def settings_secure(self) -> dict[str, str] | None:
        return self._settings("settings_secure")

    def _settings(self, probe: str) -> dict[str, str] | None:
        text = self.snapshot.text(probe)
        if text is None:
            return None
        parsed = parse_settings_list(text)
        return parsed or None

    @cached_property
    def isub(self) -> IsubDump | None:
        """``dumpsys isub`` parsed, or None when missing (``format == "unknown"`` when not understood)."""
        text = self.snapshot.text("isub")
        return parse_isub(text) if text is not None else None

    @cached_property
    def sdk(self) -> int | None:
        value = (self.props or {}).get("ro.build.version.sdk", "").strip()
        return int(value) if value.isdigit() else None

    @cached_property
    def captured_at(self) -> datetime | None:
        """Host UTC time when the read started (the snapshot's clock for age computations)."""
        raw = self.snapshot.meta.captured_at
        try:
            dt = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None
        except ValueError:
            return None
        if dt is not None and dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt

    def missing(self, probe: str) -> str:
        return self.snapshot.why_missing(probe)
