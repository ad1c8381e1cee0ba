"""One provenance convention for command output fixtures: every file in ``tests/fixtures/<folder>/`` is
listed in that folder's ``SOURCES.md`` (with its AOSP source and era), and no fixture carries a comment
header of its own (it would no longer be what a phone prints)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixture_files import FIXTURES, fixture_paths

FOLDERS = sorted(d for d in FIXTURES.iterdir() if d.is_dir())


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != "SOURCES.md")


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda d: d.name)
def test_every_fixture_is_listed_in_its_folders_sources(folder: Path) -> None:
    sources = folder / "SOURCES.md"
    assert sources.is_file(), f"{folder.name}/ has no SOURCES.md"
    text = sources.read_text(encoding="utf-8")
    unlisted = [p.name for p in _files(folder) if not re.search(rf"(?<![\w.-]){re.escape(p.name)}(?![\w.-])", text)]
    assert not unlisted, f"{folder.name}/SOURCES.md does not list {unlisted}"


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_command_output_fixtures_carry_no_comment_header(path: Path) -> None:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert not first.startswith("#"), f"move the header of {path.parent.name}/{path.name} to SOURCES.md"


def test_the_checks_see_every_folder() -> None:
    assert {p.parent for p in fixture_paths()} | {FIXTURES / "profiles"} == set(FOLDERS)
