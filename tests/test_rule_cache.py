"""The compiled rule-pack cache: a hit skips YAML and the schema, any change is a miss, a bad cache file
is never believed, and a load with problems is never cached."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from droidcheck.rules import cache, loader
from droidcheck.rules.loader import RuleLoadError, builtin_rules_dir, load_rules


@pytest.fixture
def rules_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DROIDCHECK_CACHE_DIR", str(tmp_path / "cache"))
    copy = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), copy)
    return copy


def _files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "rules").glob("*.json"))


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a, **_k):
        raise AssertionError("the rule files were parsed: the cache was not used")

    monkeypatch.setattr(loader, "_load_yaml", refuse)
    monkeypatch.setattr(loader, "_validator", refuse)


def test_second_load_is_a_hit_with_the_same_rules(rules_dir, tmp_path, monkeypatch) -> None:
    first = load_rules(only_dirs=[rules_dir])
    assert len(_files(tmp_path)) == 1
    _no_parsing(monkeypatch)
    assert load_rules(only_dirs=[rules_dir]) == first


def test_any_byte_changed_is_a_miss(rules_dir, monkeypatch) -> None:
    load_rules(only_dirs=[rules_dir])
    target = sorted(rules_dir.glob("*.yaml"))[0]
    text = target.read_text(encoding="utf-8")
    head, sep, rest = text.partition("title: ")
    target.write_text(head + sep + "X" + rest, encoding="utf-8")  # one byte more in the first title
    rules = load_rules(only_dirs=[rules_dir])
    assert any(r.title.startswith("X") for r in rules)


def test_a_new_droidcheck_version_is_a_miss(rules_dir, monkeypatch) -> None:
    key = cache.key_for([rules_dir], loader._files_in)
    monkeypatch.setattr(cache, "__version__", "999.0")
    assert cache.key_for([rules_dir], loader._files_in) != key


def test_a_problem_is_reported_every_time_and_never_cached(rules_dir, tmp_path) -> None:
    (rules_dir / "zz-broken.yaml").write_text("area: x\nrules:\n  - id: broken\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RuleLoadError):
            load_rules(only_dirs=[rules_dir])
    assert _files(tmp_path) == []


def _tamper(path: Path, change) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def _set(field: str, value):
    def change(doc):
        doc["rules"][0][field] = value
    return change


@pytest.mark.parametrize("change", [
    _set("severity", "apocalyptic"), _set("likelihood", "5"), _set("fix", "one string"), _set("cause", []),
    _set("cause", ["no.such.section"]), _set("fail_when", {"fact": "no.such.fact", "eq": 1}),
    _set("fail_when", {"bogus": []}), _set("explains", ["no-such-rule"]), _set("tests", [{"facts": {}}]),
    _set("extra_field", 1), lambda doc: doc["rules"][0].pop("title"), lambda doc: doc.update(format=0),
    lambda doc: doc.update(key="0" * 64), lambda doc: doc.update(rules={}),
    lambda doc: doc["rules"].append(doc["rules"][0]),
])
def test_a_doubtful_cache_file_is_not_believed(rules_dir, tmp_path, change) -> None:
    fresh = load_rules(only_dirs=[rules_dir])
    [path] = _files(tmp_path)
    _tamper(path, change)
    assert load_rules(only_dirs=[rules_dir]) == fresh


@pytest.mark.parametrize("content", [b"", b"\xff\xfe not json", b"[]", b"null", b"{" * 100_000,
                                     b" " * (cache.MAX_BYTES + 1)])
def test_a_broken_cache_file_is_not_believed(rules_dir, tmp_path, content) -> None:
    fresh = load_rules(only_dirs=[rules_dir])
    [path] = _files(tmp_path)
    path.write_bytes(content)
    assert load_rules(only_dirs=[rules_dir]) == fresh


def test_an_unwritable_cache_never_stops_a_load(rules_dir, tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("DROIDCHECK_CACHE_DIR", str(blocker))
    assert load_rules(only_dirs=[rules_dir])


def test_the_cache_can_be_turned_off(rules_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DROIDCHECK_NO_RULE_CACHE", "1")
    load_rules(only_dirs=[rules_dir])
    assert _files(tmp_path) == []


def test_a_cached_check_process_imports_no_yaml_parser_or_schema(tmp_path) -> None:
    from droidcheck.sim.profile import find_profile
    from droidcheck.sim.snapshot import snapshot_of

    saved = tmp_path / "snap.json"
    saved.write_text(snapshot_of(find_profile("pixel8-a14-healthy")).to_json(), encoding="utf-8")
    env = {**os.environ, "DROIDCHECK_CACHE_DIR": str(tmp_path / "cache")}
    argv = [sys.executable, "-X", "importtime", "-m", "droidcheck.cli", "check", "--from", str(saved),
            "--format", "json"]
    runs = [subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0]
    results = [json.loads(r.stdout) for r in runs]
    for result in results:
        result.pop("timing")
    assert results[0] == results[1]
    imported = [{ln.rsplit("|", 1)[-1].strip() for ln in r.stderr.splitlines() if ln.startswith("import time:")}
                for r in runs]
    assert "jsonschema" in imported[0] and "jsonschema" not in imported[1]
