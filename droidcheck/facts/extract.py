"""Snapshot → facts: run every deriver, isolate failures, make sure every registered fact has a value."""

from __future__ import annotations

import dataclasses
import importlib

from droidcheck.facts.context import DeriveContext
from droidcheck.facts.derive import DERIVER_MODULES
from droidcheck.facts.model import Fact, Facts, unknown
from droidcheck.facts.registry import FACTS, FACTS_BY_NAME
from droidcheck.screen import screen, unrecognised_problems
from droidcheck.snapshot import Snapshot

__all__ = ["extract_facts", "screen", "unrecognised_problems"]


def _mark_unread(facts: Facts) -> None:
    """Flag every unknown fact as not read, except those the phone cannot show (``cannot_show``): a command
    that failed, timed out, was lost or printed something not in its format, and a format a parser does not
    know, all leave the value unread."""
    for name, fact in facts.items():
        if not fact.known and not fact.inherent:
            facts[name] = dataclasses.replace(fact, unread=True)


def extract_facts(snapshot: Snapshot, *, screened: bool = False) -> Facts:
    """Every registered fact; ``screened`` says ``snapshot`` already went through :func:`screen`."""
    if not screened:
        snapshot = screen(snapshot)
    ctx = DeriveContext(snapshot)
    facts: Facts = {}
    for module_name in DERIVER_MODULES:
        module = importlib.import_module(f"droidcheck.facts.derive.{module_name}")
        try:
            derived: list[Fact] = module.derive(ctx)
        except Exception as exc:  # one broken deriver must not abort the others (bug, not input)
            import logging  # only for a bug: logging costs ~2 ms to import on every check

            logging.getLogger(__name__).exception("fact deriver %s failed", module_name)
            reason = f"internal error reading {module_name} facts: {type(exc).__name__}: {exc}"
            derived = [unknown(s.name, reason) for s in FACTS if s.deriver == module_name]
        for fact in derived:
            if fact.name not in FACTS_BY_NAME:
                raise KeyError(f"deriver {module_name} produced unregistered fact {fact.name}")
            facts[fact.name] = fact
    for spec in FACTS:
        facts.setdefault(spec.name, unknown(spec.name, "no reader produced this fact"))
    _mark_unread(facts)
    return {s.name: facts[s.name] for s in FACTS}

