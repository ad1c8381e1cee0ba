"""The rule pack, the rule language and the loader's error messages."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from droidcheck.facts.model import known, unknown
from droidcheck.rules import conditions
from droidcheck.rules.causes import ARTICLE_SECTIONS
from droidcheck.rules.engine import evaluate
from droidcheck.rules.loader import RuleLoadError, load_rules
from droidcheck.rules.testing import run_rule_tests

RULES = load_rules()


@pytest.mark.parametrize("case", run_rule_tests(RULES), ids=lambda c: f"{c.rule.id}:{c.label}"[:80])
def test_rule_case(case):
    assert case.passed, f"{case.rule.where}: expected {case.case.expect}, got {case.got}"


def test_every_rule_has_test_cases():
    assert [r.id for r in RULES if not r.tests] == []


def test_rule_pack_covers_every_section_of_the_article():
    cited = {c for r in RULES for c in r.cause}
    assert set(ARTICLE_SECTIONS) - cited == set()


def test_device_checks_cover_the_design_table():
    """Each cause in the design's table that a phone can show has at least one device (non-manual) rule."""
    device_rules = [r for r in RULES if not r.manual]
    for cause in ("cause.network", "cause.third-party-sms-app", "prevent.enable-notifications",
                  "faq.code-expires", "prevent.update-software", "faq.compromised", "cause.phone-number"):
        assert any(cause in r.cause for r in device_rules), cause


def test_thresholds_carry_their_reason():
    for r in RULES:
        ordered = [c for cond in (r.fail_when, r.warn_when) if cond
                   for c in _leaves(cond) if set(c) & {"lt", "le", "gt", "ge"} and c["fact"] != "android.sdk"]
        if ordered:
            assert r.threshold, f"{r.id} compares against a threshold without saying why"


def _leaves(cond):
    if "fact" in cond:
        yield cond
        return
    for key in ("all", "any"):
        for part in cond.get(key, []):
            yield from _leaves(part)
    if "not" in cond:
        yield from _leaves(cond["not"])


def test_unknown_never_passes():
    rule = next(r for r in RULES if r.id == "storage-full")
    ev = evaluate([rule], {"storage.data_free_bytes": unknown("storage.data_free_bytes", "lost"),
                           "storage.data_free_percent": known("storage.data_free_percent", 50.0)})
    assert ev.findings[0].status == "unknown"


def test_three_valued_logic():
    facts = {"radio.airplane_mode": known("radio.airplane_mode", True),
             "signal.level": unknown("signal.level", "x")}
    cond_any = {"any": [{"fact": "radio.airplane_mode", "eq": True}, {"fact": "signal.level", "lt": 2}]}
    cond_all = {"all": [{"fact": "radio.airplane_mode", "eq": False}, {"fact": "signal.level", "lt": 2}]}
    assert conditions.evaluate(cond_any, facts) is True
    assert conditions.evaluate(cond_all, facts) is False
    assert conditions.evaluate({"not": {"fact": "signal.level", "lt": 2}}, facts) is None
    assert conditions.evaluate({"fact": "signal.level", "exists": False}, facts) is True


def test_explained_finding_is_attached_to_its_cause():
    rules = [r for r in RULES if r.id in ("airplane-mode-on", "no-cellular-service", "weak-signal")]
    facts = {"radio.airplane_mode": known("radio.airplane_mode", True),
             "signal.service_state": known("signal.service_state", "power_off"),
             "signal.level": known("signal.level", 0), "signal.dbm": unknown("signal.dbm", "none")}
    ev = evaluate(rules, facts)
    assert [f.rule.id for f in ev.likely_causes] == ["airplane-mode-on"]
    by_id = {f.rule.id: f for f in ev.findings}
    assert by_id["no-cellular-service"].explained_by == "airplane-mode-on"


# -- malformed rule files --------------------------------------------------------------------------

GOOD = """\
area: test
rules:
  - id: t-one
    title: A test rule
    cause: cause.network
    severity: low
    fail_when: {fact: radio.airplane_mode, eq: true}
    explanation: Something explained at length.
    fix: [Do a thing.]
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "r.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(RuleLoadError) as info:
        load_rules(only_dirs=[tmp_path])
    return [str(p) for p in info.value.problems]


def test_good_file_loads(tmp_path):
    (tmp_path / "r.yaml").write_text(GOOD, encoding="utf-8")
    assert [r.id for r in load_rules(only_dirs=[tmp_path])] == ["t-one"]


@pytest.mark.parametrize(("change", "expected"), [
    (("fail_when: {fact: radio.airplane_mode, eq: true}", "fail_when: {fact: radio.airplne_mode, eq: true}"),
     "r.yaml:7: rule t-one: fail_when: unknown fact 'radio.airplne_mode'"),
    (("eq: true}", "equals: true}"), "r.yaml:7: rule t-one: fail_when: unknown operator 'equals'"),
    (("eq: true}", "eq: \"yes\"}"), "r.yaml:7: rule t-one: fail_when: radio.airplane_mode is bool; 'yes' is not"),
    (("severity: low", "severity: huge"), "r.yaml:6: rule t-one: severity: 'huge' is not one of"),
    (("severity: low", "severity: low\n    sevrity: low"), "r.yaml:7: rule t-one: sevrity: Additional properties"),
    (("cause: cause.network", "cause: cause.nonsense"), "r.yaml:5: rule t-one: unknown article section"),
    (("title: A test rule", "title: [unclosed"), "r.yaml:"),
    (("severity: low", "severity: low\n    severity: high"), "r.yaml:7: duplicate key 'severity'"),
    (("title: A test rule", "title: yes"), "r.yaml:4: rule t-one: title: True is not of type 'string' (YAML reads"),
])
def test_malformed_rule_files_say_where_and_what(tmp_path, change, expected):
    problems = _problems(tmp_path, GOOD.replace(*change))
    assert any(p.startswith(expected) or expected in p for p in problems), problems


def test_every_problem_of_a_rule_is_reported_in_one_run(tmp_path):
    """A schema error (bad severity) must not hide the unknown fact and cause behind it; in line order."""
    text = (GOOD.replace("severity: low", "severity: huge").replace("cause.network", "cause.nonsense")
            .replace("radio.airplane_mode", "radio.airplne_mode"))
    problems = _problems(tmp_path, text)
    assert [p.split(":")[1] for p in problems] == ["5", "6", "7"], problems
    assert "unknown article section" in problems[0] and "'huge'" in problems[1] and "airplne" in problems[2]


def test_duplicate_rule_id(tmp_path):
    rule = GOOD.split("rules:\n", 1)[1]
    problems = _problems(tmp_path, GOOD + rule)
    assert any("rule t-one: duplicate rule id (first defined at" in p for p in problems), problems


def test_rule_with_shell_command_is_rejected(tmp_path):
    problems = _problems(tmp_path, GOOD + "    command: rm -rf /sdcard\n")
    assert any("Additional properties are not allowed ('command'" in p for p in problems), problems


def test_user_rule_overrides_builtin(tmp_path):
    (tmp_path / "mine.yaml").write_text(GOOD.replace("t-one", "airplane-mode-on"), encoding="utf-8")
    rules = {r.id: r for r in load_rules(extra_dirs=[tmp_path])}
    assert rules["airplane-mode-on"].title == "A test rule"
    assert len(rules) == len(RULES)


def test_cli_rules_validate_reports_without_traceback(tmp_path):
    (tmp_path / "bad.yaml").write_text(GOOD.replace("eq: true", "gt: true"), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", "rules", "validate", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "bad.yaml:7: rule t-one: fail_when: 'gt' needs a number or date fact" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_rules_test_runs_the_pack():
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", "rules", "test"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.strip().endswith("0 failed")


def test_cli_rules_test_reports_a_failing_case_with_what_it_was_given(tmp_path):
    rule = GOOD + ("    tests:\n      - name: \"off\"\n        facts: {radio.airplane_mode: false}\n"
                   "        expect: fail\n")
    (tmp_path / "r.yaml").write_text(rule, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", "rules", "test", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "r.yaml:11 t-one: off: expected fail, got pass" in proc.stdout
    assert "given: radio.airplane_mode=False" in proc.stdout


@pytest.mark.parametrize("condition", [
    "fail_when: {fact: time.drift_seconds, gt: 300}",
    "fail_when: {any: [{fact: radio.airplane_mode, eq: true}, {not: {fact: signal.level, le: 1}}]}",
    "fail_when: {fact: signal.level, in: [0, 1]}",
])
def test_a_number_without_a_threshold_reason_is_refused_with_its_line(tmp_path, condition):
    problems = _problems(tmp_path, GOOD.replace("fail_when: {fact: radio.airplane_mode, eq: true}", condition))
    assert any("r.yaml:7: rule t-one: fail_when compares " in p and "no 'threshold:'" in p
               for p in problems), problems


def test_a_number_with_its_threshold_reason_or_an_android_version_loads(tmp_path):
    with_reason = GOOD.replace("fail_when: {fact: radio.airplane_mode, eq: true}",
                               "fail_when: {fact: time.drift_seconds, gt: 300}\n    threshold: Codes last 5 min.")
    (tmp_path / "r.yaml").write_text(with_reason, encoding="utf-8")
    assert [r.id for r in load_rules(only_dirs=[tmp_path])] == ["t-one"]
    version = GOOD.replace("severity: low", "severity: low\n    applies_when: {fact: android.sdk, ge: 26}")
    (tmp_path / "r.yaml").write_text(version, encoding="utf-8")
    assert [r.id for r in load_rules(only_dirs=[tmp_path])] == ["t-one"]


def test_cli_rules_validate_names_the_missing_threshold(tmp_path):
    (tmp_path / "bad.yaml").write_text(GOOD.replace("{fact: radio.airplane_mode, eq: true}",
                                                    "{fact: time.drift_seconds, gt: 300}"), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "droidcheck.cli", "rules", "validate", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "bad.yaml:7: rule t-one: fail_when compares time.drift_seconds with 300" in proc.stderr
