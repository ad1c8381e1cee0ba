"""Command output fixtures (``tests/fixtures/<command>/``), read the one way every test reads them.

Each file holds what a phone prints, byte for byte; where its shape comes from (AOSP source, Android
version, maker) is listed in its folder's ``SOURCES.md``, never inside the file, so a parser under test sees
exactly what it sees on a phone. ``tests/test_fixture_sources.py`` keeps it so.
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(rel: str | Path) -> str:
    """The text of ``tests/fixtures/<rel>`` (or of the fixture path ``rel``) exactly as stored."""
    return (FIXTURES / rel).read_text(encoding="utf-8")


def fixture_paths(*folders: str, pattern: str = "*.txt") -> list[Path]:
    """The fixture files in ``folders`` (every folder when none are named), sorted."""
    dirs = [FIXTURES / f for f in folders] if folders else [d for d in FIXTURES.iterdir() if d.is_dir()]
    return sorted(p for d in dirs for p in d.glob(pattern))
