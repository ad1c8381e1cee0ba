"""The condition language of rules: a small declarative tree, evaluated with three-valued logic.

A condition is one of::

    {all: [cond, ...]}   {any: [cond, ...]}   {not: cond}
    {fact: NAME, OP: VALUE}     OP in eq ne lt le gt ge in matches exists

Evaluation gives True, False or None (a fact it needs is unknown). ``all`` is False as soon as one part
is False, ``any`` True as soon as one part is True; otherwise a None part makes the whole None. So a rule
fails on what *is* known, and never passes on what is not. ``exists`` asks whether the fact could be read
(and is not empty); it is never None.

``matches`` patterns run on RE2 (the ``google-re2`` wheel), not Python's ``re``: a rule pack is untrusted
input, and RE2 takes time linear in the text for every pattern, so ``^(a+)+$`` cannot hang a check or a
fleet run. The price is RE2's syntax: no backreferences (``\1``) and no lookaround (``(?=``, ``(?<!``);
such a pattern is a load error naming the rule.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any

from droidcheck.facts.model import Facts
from droidcheck.facts.registry import FACTS_BY_NAME, FactSpec

COMPARE_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "matches", "exists")
LOGIC_OPS = ("all", "any", "not")
_ORDERED_TYPES = ("int", "float", "date")


def _type_ok(spec: FactSpec, value: Any) -> bool:
    if spec.type == "bool":
        return isinstance(value, bool)
    if spec.type == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if spec.type == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if spec.type == "date":
        return isinstance(value, date) or (isinstance(value, str) and bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)))
    if spec.type == "enum":
        return isinstance(value, str) and value in spec.values
    if spec.type == "list":
        return isinstance(value, list)
    return isinstance(value, str)


def validate(cond: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    """Every problem in a condition, as (path inside the condition, message)."""
    if not isinstance(cond, dict) or not cond:
        return [(path, "a condition must be a mapping: all/any/not, or fact + one operator")]
    logic = [k for k in cond if k in LOGIC_OPS]
    if logic:
        if len(cond) != 1:
            return [(path, f"'{logic[0]}' must stand alone in its mapping (found: {', '.join(map(str, cond))})")]
        key = logic[0]
        body = cond[key]
        if key == "not":
            return validate(body, (*path, "not"))
        if not isinstance(body, list) or not body:
            return [((*path, key), f"'{key}' takes a non-empty list of conditions")]
        errors: list[tuple[tuple[Any, ...], str]] = []
        for i, part in enumerate(body):
            errors += validate(part, (*path, key, i))
        return errors
    if "fact" not in cond:
        known = ", ".join((*LOGIC_OPS, "fact"))
        return [(path, f"unknown condition keys {', '.join(map(str, cond))} (expected one of {known})")]
    name = cond["fact"]
    spec = FACTS_BY_NAME.get(name) if isinstance(name, str) else None
    if spec is None:
        return [((*path, "fact"), f"unknown fact {name!r} (see 'droidcheck facts')")]
    ops = [k for k in cond if k != "fact"]
    bad = [k for k in ops if k not in COMPARE_OPS]
    if bad:
        return [((*path, bad[0]), f"unknown operator {bad[0]!r} (expected one of {', '.join(COMPARE_OPS)})")]
    if len(ops) != 1:
        return [(path, f"a fact condition takes exactly one operator, found {len(ops)}")]
    op, value = ops[0], cond[ops[0]]
    where = (*path, op)
    if op == "exists":
        return [] if isinstance(value, bool) else [(where, "'exists' takes true or false")]
    if op in ("lt", "le", "gt", "ge"):
        if spec.type not in _ORDERED_TYPES:
            return [(where, f"'{op}' needs a number or date fact; {name} is {spec.type}")]
        return [] if _type_ok(spec, value) else [(where, f"{name} is {spec.type}; {value!r} is not")]
    if op == "matches":
        if spec.type not in ("str", "enum", "list"):
            return [(where, f"'matches' needs a text fact; {name} is {spec.type}")]
        if not isinstance(value, str):
            return [(where, f"'matches' takes a regular expression in quotes; {value!r} is not one")]
        problem = pattern_problem(value)
        return [(where, problem)] if problem else []
    if op == "in":
        if not isinstance(value, list) or not value:
            return [(where, "'in' takes a non-empty list of values")]
        wrong = [v for v in value if not _type_ok(spec, v)]
        return [(where, f"{name} is {_describe(spec)}; {wrong[0]!r} is not")] if wrong else []
    return [] if _type_ok(spec, value) else [(where, f"{name} is {_describe(spec)}; {value!r} is not")]


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any:
    """``pattern`` compiled by RE2 (imported on first use: most runs have no ``matches`` at all)."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print its own copy of every error to stderr
    return re2.compile(pattern, options)


def pattern_problem(pattern: str) -> str | None:
    """Why RE2 cannot use ``pattern`` (a message for the rule's author), or None."""
    import re2

    try:
        _compiled(pattern)
    except re2.error as exc:
        why = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        return (f"bad regular expression {pattern!r}: {why} (patterns run on RE2, which has no "
                f"backreferences or lookaround, so no pattern can take exponential time)")
    return None


def _describe(spec: FactSpec) -> str:
    return f"one of {', '.join(spec.values)}" if spec.type == "enum" else spec.type


def facts_used(cond: Any) -> list[str]:
    """Fact names a condition reads, in order of appearance, without repeats."""
    names: list[str] = []

    def walk(c: Any) -> None:
        if not isinstance(c, dict):
            return
        if "fact" in c:
            if c["fact"] not in names:
                names.append(c["fact"])
            return
        for key in LOGIC_OPS:
            if key in c:
                body = c[key]
                for part in body if isinstance(body, list) else [body]:
                    walk(part)

    walk(cond)
    return names


def numeric_comparisons(cond: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str, Any]]:
    """Every comparison with a number in a condition, as (path of the operator, fact, value): a rule that
    has one must say in ``threshold:`` why that number."""
    found: list[tuple[tuple[Any, ...], str, Any]] = []

    def is_number(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    def walk(c: Any, where: tuple[Any, ...]) -> None:
        if not isinstance(c, dict):
            return
        if "fact" in c:
            for op, value in c.items():
                if op != "fact" and (is_number(value) or (isinstance(value, list) and any(map(is_number, value)))):
                    found.append(((*where, op), str(c["fact"]), value))
            return
        for key in LOGIC_OPS:
            if key in c:
                body = c[key]
                if isinstance(body, list):
                    for i, part in enumerate(body):
                        walk(part, (*where, key, i))
                else:
                    walk(body, (*where, key))

    walk(cond, path)
    return found


def _as_comparable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _compare(op: str, actual: Any, expected: Any) -> bool:
    actual, expected = _as_comparable(actual), _as_comparable(expected)
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if op == "in":
        return actual in [_as_comparable(v) for v in expected]
    if op == "matches":
        items = actual if isinstance(actual, list) else [actual]
        pattern = _compiled(str(expected))
        return any(pattern.search(str(item)) is not None for item in items)
    if actual is None:
        return False
    try:
        return {"lt": actual < expected, "le": actual <= expected,
                "gt": actual > expected, "ge": actual >= expected}[op]
    except TypeError:
        return False


def evaluate(cond: Any, facts: Facts) -> bool | None:
    if "all" in cond:
        results = [evaluate(c, facts) for c in cond["all"]]
        if False in results:
            return False
        return None if None in results else True
    if "any" in cond:
        results = [evaluate(c, facts) for c in cond["any"]]
        if True in results:
            return True
        return None if None in results else False
    if "not" in cond:
        inner = evaluate(cond["not"], facts)
        return None if inner is None else not inner
    fact = facts.get(cond["fact"])
    op = next(k for k in cond if k != "fact")
    if op == "exists":
        present = fact is not None and fact.known and fact.value not in (None, "", [], {})
        return present == bool(cond[op])
    if fact is None or not fact.known:
        return None
    return _compare(op, fact.value, cond[op])
