"""A compiled rule-pack cache: a validated rule set saved as JSON, keyed by everything it was made from.

Loading the rules parses YAML and validates every file against a JSON schema (jsonschema alone costs
~60 ms to import); a ``droidcheck check`` process did that on every start for the same files. After a
load that found no problem the rules are saved in the user cache directory (``platformdirs``), and the
next load with the same inputs reads that JSON instead.

The key is a SHA-256 of: this format's version and droidcheck's version; the source of the modules
that decide what a rule file means (``droidcheck/rules/*.py`` and the fact registry), so an edited
checkout never reads rules validated by other code; the working directory (it shapes the file names in
messages); and, in load order, each rule directory and each file's path and bytes. Any changed byte is a
miss. Nothing is cached for a load with problems: those are reported from the files every time.

The cache file is untrusted input like any file: a hit is used only if it is well-formed JSON of the
exact expected shape (field names and types), carries the same key, and its conditions pass the
condition checker again. On any doubt, or any error reading or writing, the rules are loaded from the
files; the cache can never make a load fail. ``DROIDCHECK_CACHE_DIR`` moves the cache (tests use it);
``DROIDCHECK_NO_RULE_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from droidcheck import __version__
from droidcheck.rules import conditions
from droidcheck.rules.causes import ARTICLE_SECTIONS
from droidcheck.rules.model import SEVERITIES, STATUSES, Rule, RuleTest
from droidcheck.untrusted import MAX_YAML_BYTES

FORMAT = 1
MAX_BYTES = 8 * 1024 * 1024  # far above any real rule pack; a bigger file is not ours
KEEP = 8  # cache files kept (one per distinct set of rule directories and working directory)

_RULE_FIELDS = {f.name: f for f in dataclasses.fields(Rule)}
_TEST_FIELDS = {f.name for f in dataclasses.fields(RuleTest)}
_STR = ("id", "title", "label", "area", "severity", "explanation", "source")
_STR_LISTS = ("cause", "fix", "explains")
_CONDITIONS = ("fail_when", "warn_when", "applies_when")
_OPTIONAL_STR = ("auto_fix", "threshold")


def cache_dir() -> Path | None:
    """Where cache files live, or None when the cache is off."""
    if os.environ.get("DROIDCHECK_NO_RULE_CACHE", "") not in ("", "0"):
        return None
    override = os.environ.get("DROIDCHECK_CACHE_DIR")
    if override:
        return Path(override) / "rules"
    import platformdirs

    return Path(platformdirs.user_cache_dir("droidcheck", appauthor=False)) / "rules"


def _code_fingerprint(h: Any) -> None:
    from droidcheck.facts import registry

    here = Path(__file__).parent
    for path in [*sorted(here.glob("*.py")), Path(registry.__file__)]:
        h.update(f"{path.name}\0".encode())
        h.update(path.read_bytes())


def key_for(directories: list[Path], files_in: Any) -> str | None:
    """The cache key for loading ``directories`` (``files_in(dir)`` lists a directory's rule files the way
    the loader does), or None when the inputs cannot be read (then the loader reports the problem)."""
    try:
        h = hashlib.sha256(f"droidcheck-rule-cache {FORMAT} {__version__}\0{os.getcwd()}\0".encode())
        _code_fingerprint(h)
        for i, directory in enumerate(directories):
            if not directory.exists():
                return None
            h.update(f"dir {i} {directory.resolve()}\0".encode())
            for path in files_in(directory):
                if path.stat().st_size > MAX_YAML_BYTES:
                    return None  # never read whole: the loader refuses it with file:line
                data = path.read_bytes()
                h.update(f"file {path.resolve()} {len(data)}\0".encode())
                h.update(data)
        return h.hexdigest()
    except (OSError, ValueError):
        return None


def read(key: str | None) -> list[Rule] | None:
    """The cached rules for ``key``, or None (miss, cache off, or anything doubtful about the file)."""
    where = cache_dir()
    if key is None or where is None:
        return None
    try:
        path = where / f"{key}.json"
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            return None
        doc = json.loads(raw)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("key") != key:
            return None
        items = doc.get("rules")
        if not isinstance(items, list):
            return None
        rules = [_rule_from(item) for item in items]
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        return None
    if any(r is None for r in rules):
        return None
    ids = {r.id for r in rules if r is not None}
    if len(ids) != len(rules) or any(t not in ids for r in rules if r is not None for t in r.explains):
        return None
    return [r for r in rules if r is not None]


def write(key: str | None, rules: list[Rule]) -> None:
    """Save a load that found no problems. Only a set that survives the JSON round trip unchanged is
    saved (a YAML date in a condition would come back as text: such a pack is simply not cached)."""
    where = cache_dir()
    if key is None or where is None:
        return
    import tempfile  # only when writing: a hit should not pay for it

    try:
        text = json.dumps({"format": FORMAT, "key": key, "rules": [dataclasses.asdict(r) for r in rules]},
                          ensure_ascii=False, allow_nan=False)
        back = json.loads(text)["rules"]
        if [_rule_from(item) for item in back] != rules:
            return
        where.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, where / f"{key}.json")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _prune(where)
    except (OSError, ValueError, TypeError, RecursionError):
        return


def _prune(where: Path) -> None:
    files = sorted(where.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()


# -- shape checks (the cache file is untrusted) ------------------------------------------------------

def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _rule_from(item: Any) -> Rule | None:
    """A Rule from one cached dict, or None if anything about it is not exactly what ``write`` stores."""
    if not isinstance(item, dict) or set(item) != set(_RULE_FIELDS):
        return None
    if not all(isinstance(item[k], str) for k in _STR) or not all(_is_str_list(item[k]) for k in _STR_LISTS):
        return None
    if not all(item[k] is None or isinstance(item[k], str) for k in _OPTIONAL_STR):
        return None
    if not isinstance(item["manual"], bool) or type(item["likelihood"]) is not int or type(item["line"]) is not int:
        return None
    if item["severity"] not in SEVERITIES or not 1 <= item["likelihood"] <= 5 or not item["cause"]:
        return None
    if any(c not in ARTICLE_SECTIONS for c in item["cause"]):
        return None
    for k in _CONDITIONS:
        if item[k] is not None and (not isinstance(item[k], dict) or conditions.validate(item[k])):
            return None
    tests = item["tests"]
    if not isinstance(tests, list):
        return None
    built_tests = []
    for t in tests:
        if not isinstance(t, dict) or set(t) != _TEST_FIELDS or not isinstance(t["facts"], dict):
            return None
        if t["expect"] not in STATUSES or not isinstance(t["name"], str) or type(t["line"]) is not int:
            return None
        built_tests.append(RuleTest(facts=t["facts"], expect=t["expect"], name=t["name"], line=t["line"]))
    return Rule(**{**item, "tests": built_tests})
