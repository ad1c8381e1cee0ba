"""Load and validate rule files: strict YAML, a real schema, and checks against the fact registry.

Every problem is reported as ``file:line: rule ID: what is wrong`` and loading goes on to find the rest;
nothing here raises past ``load_rules`` except ``RuleLoadError``, which carries all the problems found.

Rule files are untrusted input: anchors and aliases are refused (an alias bomb of 1 KB expands to billions
of nodes), as are keys that are lists or mappings, nesting deeper than 64 levels and files over 4 MB
(``droidcheck.untrusted``).

Strictness the schema alone cannot give: duplicate keys in a mapping (PyYAML silently keeps the last),
unknown facts and operators, values of the wrong type for a fact, duplicate rule ids across files, and
``explains`` naming rules that do not exist.

PyYAML (~15 ms to import) is imported only when rule files are parsed, not when the compiled rule cache
(``droidcheck.rules.cache``) has them.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from droidcheck.errors import DroidcheckError, InputError
from droidcheck.rules import cache as rule_cache
from droidcheck.rules import conditions
from droidcheck.rules.causes import ARTICLE_SECTIONS
from droidcheck.rules.model import SEVERITIES, STATUSES, Rule, RuleTest
from droidcheck.untrusted import MAX_DEPTH, read_yaml_text, yaml_refusal

if TYPE_CHECKING:
    import yaml

_ID = r"^[a-z0-9][a-z0-9.-]*$"
_COND = {"type": "object", "minProperties": 1}
RULE_FILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "droidcheck rule file",
    "type": "object",
    "additionalProperties": False,
    "required": ["area", "rules"],
    "properties": {
        "area": {"type": "string", "pattern": _ID},
        "description": {"type": "string"},
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "title", "cause", "severity", "explanation", "fix"],
                "properties": {
                    "id": {"type": "string", "pattern": _ID},
                    "title": {"type": "string", "minLength": 3},
                    "label": {"type": "string", "minLength": 2},
                    "cause": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"},
                                                             "minItems": 1}]},
                    "severity": {"enum": list(SEVERITIES)},
                    "likelihood": {"type": "integer", "minimum": 1, "maximum": 5},
                    "manual": {"type": "boolean"},
                    "applies_when": _COND,
                    "fail_when": _COND,
                    "warn_when": _COND,
                    "explains": {"type": "array", "items": {"type": "string", "pattern": _ID}},
                    "explanation": {"type": "string", "minLength": 10},
                    "fix": {"type": "array", "items": {"type": "string", "minLength": 3}, "minItems": 1},
                    "auto_fix": {"type": "string", "pattern": r"^[a-z0-9_]+$"},
                    "threshold": {"type": "string"},
                    "tests": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["facts", "expect"],
                            "properties": {
                                "name": {"type": "string"},
                                "facts": {"type": "object"},
                                "expect": {"enum": list(STATUSES)},
                            },
                        },
                    },
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    rule_id: str | None
    message: str

    def __str__(self) -> str:
        rule = f" rule {self.rule_id}:" if self.rule_id else ""
        return f"{self.file}:{self.line}:{rule} {self.message}"


class RuleLoadError(DroidcheckError):
    """Rule files that cannot be used; ``problems`` (also ``details``) holds every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in rule files:", details=map(str, problems))
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(self.details)


# -- YAML with line numbers ------------------------------------------------------------------------

Lines = dict[tuple[Any, ...], int]


def _to_python(node: yaml.Node, path: tuple[Any, ...], lines: Lines, problems: list[str],
               scalars: yaml.SafeLoader, depth: int = 1) -> Any:
    import yaml  # already loaded by _load_yaml: a dictionary look-up

    lines[path] = node.start_mark.line + 1
    if depth > MAX_DEPTH and isinstance(node, yaml.CollectionNode):
        problems.append(f"{node.start_mark.line + 1}:nested too deeply (more than {MAX_DEPTH} levels)")
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):  # `? [a, b]`: a list or mapping as a key
                problems.append(f"{key_node.start_mark.line + 1}:a key must be plain text, not a "
                                f"{'list' if isinstance(key_node, yaml.SequenceNode) else 'mapping'}")
                continue
            key = scalars.construct_object(key_node)  # plain scalar → str/int/bool
            if key in out:
                problems.append(f"{key_node.start_mark.line + 1}:duplicate key {key!r}")
            out[key] = _to_python(value_node, (*path, key), lines, problems, scalars, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(v, (*path, i), lines, problems, scalars, depth + 1) for i, v in enumerate(node.value)]
    return scalars.construct_object(node, deep=True)


#: The YAML composer; None: libyaml's parser when PyYAML was built with it (its wheels are), 5x faster,
#: and its nodes carry the same line marks the error messages need (else PyYAML's own SafeLoader).
_COMPOSER: Any = None


class _Refused(Exception):
    """The YAML text uses what a rule file may not (anchors, aliases, deep nesting): (line, message)."""


def _load_yaml(path: Path) -> tuple[Any, Lines, list[tuple[int, str]]]:
    text = read_yaml_text(path)  # bounded in size; a FIFO or device is refused before it is read
    refused = yaml_refusal(text, depth_checked=True)  # _to_python bounds the depth itself
    if refused is not None:
        raise _Refused(*refused)
    import yaml

    node = yaml.compose(text, Loader=_COMPOSER or getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    lines: Lines = {}
    dupes: list[str] = []
    # We walk the node tree ourselves (to keep each value's line and to catch duplicate keys); one
    # constructor per file turns the scalars into Python values.
    data = _to_python(node, (), lines, dupes, yaml.SafeLoader("")) if node is not None else None
    return data, lines, [(int(d.split(":", 1)[0]), d.split(":", 1)[1]) for d in dupes]


def _line_of(lines: Lines, path: tuple[Any, ...]) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


# -- validation ------------------------------------------------------------------------------------

def _validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(RULE_FILE_SCHEMA)


def _rule_id_at(data: Any, path: tuple[Any, ...]) -> str | None:
    if len(path) >= 2 and path[0] == "rules" and isinstance(data, dict):
        try:
            rule = data["rules"][path[1]]
            return rule.get("id") if isinstance(rule, dict) else None
        except (IndexError, KeyError, TypeError):
            return None
    return None


#: Facts whose numbers name an Android version: comparing with one needs no ``threshold:`` reason.
VERSION_FACTS = frozenset({"android.sdk"})


def _check_rule(raw: dict[str, Any], base: tuple[Any, ...], add) -> None:
    rid = raw["id"]
    for key in ("applies_when", "fail_when", "warn_when"):
        if key in raw:
            for sub, msg in conditions.validate(raw[key], (*base, key)):
                add(sub, rid, f"{key}: {msg}")
    if not raw.get("manual") and "fail_when" not in raw and "warn_when" not in raw:
        add(base, rid, "a rule needs fail_when or warn_when (or manual: true for a checklist item)")
    if raw.get("manual") and ("fail_when" in raw or "warn_when" in raw):
        add(base, rid, "a manual rule has no fail_when/warn_when: no device can answer it")
    numbers = [hit for key in ("applies_when", "fail_when", "warn_when")
               for hit in conditions.numeric_comparisons(raw.get(key), (*base, key))
               if hit[1] not in VERSION_FACTS]
    if numbers and not (isinstance(raw.get("threshold"), str) and raw["threshold"].strip()):
        sub, fact, value = numbers[0]  # one problem per rule: the first comparison, where an author looks
        add(sub, rid, f"{sub[2]} compares {fact} with {value!r} but the rule has no 'threshold:' saying "
                      "why that number")
    causes = raw["cause"] if isinstance(raw["cause"], list) else [raw["cause"]]
    for c in causes:
        if c not in ARTICLE_SECTIONS:
            add((*base, "cause"), rid, f"unknown article section {c!r} (see 'droidcheck rules causes')")
    used = set()
    for key in ("applies_when", "fail_when", "warn_when"):
        used.update(conditions.facts_used(raw.get(key)))
    for i, test in enumerate(raw.get("tests") or []):
        for name, value in (test.get("facts") or {}).items():
            if name not in conditions.FACTS_BY_NAME:
                add((*base, "tests", i, "facts", name), rid, f"test {i + 1}: unknown fact {name!r}")
            elif value != "unknown" and not conditions._type_ok(conditions.FACTS_BY_NAME[name], value):
                add((*base, "tests", i, "facts", name), rid,
                    f"test {i + 1}: {name} is {conditions.FACTS_BY_NAME[name].type}; {value!r} is not")


def _build(raw: dict[str, Any], area: str, source: str, line: int, lines: Lines,
           base: tuple[Any, ...]) -> Rule:
    causes = raw["cause"] if isinstance(raw["cause"], list) else [raw["cause"]]
    tests = [RuleTest(facts=dict(t.get("facts") or {}), expect=t["expect"], name=t.get("name", ""),
                      line=_line_of(lines, (*base, "tests", i)))
             for i, t in enumerate(raw.get("tests") or [])]
    return Rule(
        id=raw["id"], title=raw["title"].strip(), label=(raw.get("label") or raw["title"]).strip(), area=area,
        cause=causes, severity=raw["severity"],
        explanation=" ".join(raw["explanation"].split()), fix=[" ".join(f.split()) for f in raw["fix"]],
        fail_when=raw.get("fail_when"), warn_when=raw.get("warn_when"), applies_when=raw.get("applies_when"),
        manual=bool(raw.get("manual", False)), likelihood=int(raw.get("likelihood", 3)),
        explains=list(raw.get("explains") or []), auto_fix=raw.get("auto_fix"),
        threshold=" ".join(raw["threshold"].split()) if raw.get("threshold") else None,
        tests=tests, source=source, line=line,
    )


def load_file(path: Path, problems: list[Problem], display: str | None = None) -> list[Rule]:
    """The rules of one file; every problem found is appended to ``problems``, in line order."""
    before = len(problems)
    rules = _load_file(path, problems, display)
    problems[before:] = sorted(problems[before:], key=lambda p: p.line)
    return rules


def _load_file(path: Path, problems: list[Problem], display: str | None = None) -> list[Rule]:
    import yaml  # here, not at module level: a rule-cache hit never parses YAML

    name = display or str(path)
    try:
        data, lines, dupes = _load_yaml(path)
    except OSError as exc:
        problems.append(Problem(name, 1, None, f"cannot read: {exc.strerror or exc}"))
        return []
    except InputError as exc:
        problems.append(Problem(name, 1, None, exc.message.replace(str(path), "the file")))
        return []
    except _Refused as exc:
        line, message = exc.args
        problems.append(Problem(name, line, None, message))
        return []
    except UnicodeDecodeError:
        problems.append(Problem(name, 1, None, "not a UTF-8 text file"))
        return []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(name, line, None, f"not valid YAML: {what}"))
        return []

    def add(path: tuple[Any, ...], rid: str | None, msg: str) -> None:
        problems.append(Problem(name, _line_of(lines, path), rid, msg))

    for line, msg in dupes:
        problems.append(Problem(name, line, None, msg))
    if data is None:
        add((), None, "the file is empty (expected 'area:' and 'rules:')")
        return []
    schema_broken: set[int | None] = set()  # rule indexes with schema errors; None: the file itself
    for err in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        at = tuple(err.absolute_path)
        schema_broken.add(at[1] if len(at) > 1 and at[0] == "rules" and isinstance(at[1], int) else None)
        msg = err.message if len(err.message) < 200 else err.message[:200] + "…"
        if err.validator == "type" and isinstance(err.instance, bool) and "string" in str(err.validator_value):
            msg += " (YAML reads a bare yes/no/on/off/true/false as a truth value: put it in quotes)"
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            extras = sorted(set(err.instance) - set(err.schema.get("properties", {})), key=str)
            if extras:  # point at the unexpected key itself, and name it plainly (typos are not ignored)
                at = (*at, extras[0])
                msg = f"{msg} (unknown key{'s' if len(extras) > 1 else ''}: {', '.join(map(str, extras))})"
        where = ".".join(map(str, at[2:])) if len(at) > 2 and at[0] == "rules" else \
            ".".join(map(str, at)) if at and at[0] != "rules" else ""
        add(at, _rule_id_at(data, at), f"{where + ': ' if where else ''}{msg}")
    if None in schema_broken or not isinstance(data.get("rules"), list):
        return []
    rules: list[Rule] = []
    for i, raw in enumerate(data["rules"]):
        base = ("rules", i)
        n = len(problems)
        if i in schema_broken:
            # still report what else is wrong with it, so an author sees every problem in one run
            with contextlib.suppress(KeyError, TypeError, AttributeError, ValueError):
                _check_rule(raw, base, add)
            continue
        _check_rule(raw, base, add)
        if len(problems) == n:
            rules.append(_build(raw, data["area"], name, _line_of(lines, base), lines, base))
    return [] if schema_broken else rules


def builtin_rules_dir() -> Path:
    """The rule pack shipped with droidcheck (in a checkout: ./rules; installed: inside the package).
    The package folder is found from this file, as ``importlib.resources.files`` finds it for an installed
    package, without importing importlib.resources and zipfile (~3 ms of every check)."""
    packaged = Path(__file__).parent.parent / "_builtin_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def _files_in(directory: Path) -> list[Path]:
    if directory.is_file():
        return [directory]
    return sorted(p for p in directory.glob("*.y*ml") if p.is_file())


def load_rules(extra_dirs: list[Path] | None = None, only_dirs: list[Path] | None = None) -> list[Rule]:
    """The rule set: built-ins, then each extra dir (same id overrides), or only ``only_dirs``."""
    problems: list[Problem] = []
    dirs = list(only_dirs) if only_dirs else [builtin_rules_dir(), *(extra_dirs or [])]
    cache_key = rule_cache.key_for(dirs, _files_in)  # a compiled copy of these exact files, if any
    if (cached := rule_cache.read(cache_key)) is not None:
        return cached
    by_id: dict[str, Rule] = {}
    for directory in dirs:
        if not directory.exists():
            problems.append(Problem(str(directory), 1, None, "no such rule file or directory"))
            continue
        if not directory.is_dir() and not directory.is_file():  # a FIFO or device: never read
            problems.append(Problem(str(directory), 1, None, "not a regular file or a folder: refused"))
            continue
        seen_here: dict[str, Rule] = {}
        for path in _files_in(directory):
            display = os.path.relpath(path) if not path.is_relative_to(builtin_rules_dir()) else \
                f"rules/{path.name}"
            for rule in load_file(path, problems, display):
                if rule.id in seen_here:
                    first = seen_here[rule.id]
                    problems.append(Problem(rule.source, rule.line, rule.id,
                                            f"duplicate rule id (first defined at {first.where})"))
                    continue
                seen_here[rule.id] = rule
                by_id[rule.id] = rule  # a later directory overrides an earlier one
    for rule in by_id.values():
        for target in rule.explains:
            if target not in by_id:
                problems.append(Problem(rule.source, rule.line, rule.id, f"explains unknown rule {target!r}"))
    if problems:
        raise RuleLoadError(problems)
    rule_cache.write(cache_key, list(by_id.values()))
    return list(by_id.values())
