"""From a check result to the list of fixes that apply: findings that fail or warn and name an
``auto_fix``, one step per fix name (several findings can share one, e.g. the three clock rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from droidcheck.errors import InputError
from droidcheck.fix.actions import REGISTRY, Context, Step
from droidcheck.result import CheckResult

FIXABLE_STATUSES = ("fail", "warn")


@dataclass
class PlannedFix:
    step: Step
    findings: list[dict[str, str]] = field(default_factory=list)  # [{rule, status}] this fix addresses

    @property
    def rules(self) -> list[str]:
        return [f["rule"] for f in self.findings]


def _fact(result: CheckResult, name: str) -> Any:
    fact = result["facts"].get(name)
    return fact.get("value") if fact and fact.get("status", "ok") == "ok" else None


def context_from(result: CheckResult) -> Context:
    sdk = result.get("device", {}).get("sdk") or _fact(result, "android.sdk") or 0
    amazon = _fact(result, "amazon.packages") or []
    return Context(sdk=int(sdk), sms_app=_fact(result, "sms.default_app") or None,
                   amazon_app=amazon[0] if amazon else None)


def plan_fixes(result: CheckResult, only: list[str] | None = None) -> tuple[list[PlannedFix], list[str]]:
    """The fixes for ``result``'s failing/warning findings, in finding order; and the auto_fix names the
    rules gave that this build has no action for (reported, never fatal)."""
    wanted = _check_only(only)
    by_name: dict[str, list[dict[str, str]]] = {}
    missing: list[str] = []
    for f in result.get("findings", []):
        name = f.get("auto_fix")
        if not name or f.get("status") not in FIXABLE_STATUSES:
            continue
        if name not in REGISTRY:
            if name not in missing:
                missing.append(name)
            continue
        if wanted is None or name in wanted:
            by_name.setdefault(name, []).append({"rule": f["rule"], "status": f["status"]})
    ctx = context_from(result)
    return [PlannedFix(REGISTRY[name].plan(ctx), findings) for name, findings in by_name.items()], missing


def _check_only(only: list[str] | None) -> set[str] | None:
    if not only:
        return None
    names = {n.strip() for item in only for n in item.split(",") if n.strip()}
    unknown = sorted(names - set(REGISTRY))
    if unknown:
        raise InputError(f"no fix named {', '.join(unknown)}", "Fixes: " + ", ".join(sorted(REGISTRY)))
    return names
