"""Run a fix's commands on the phone and decide whether they worked.

Exit status travels in the output, framed like the collector's batch (``droidcheck.collect.batch``:
markers with a fresh nonce, ``END fix $?``), because the shell protocol of older phones (and adb's v1
shell) has no exit code; phone text cannot print a marker that claims success. A command counts as failed
when it exits non-zero *or* prints one of the refusals Android prints with exit code 0 on some versions
(``Security exception``, ``Unknown command``, ``Error: …``, ``Permission Denial``…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from droidcheck.collect.batch import Framing, split_output
from droidcheck.fix.actions import Step

COMMAND_TIMEOUT_S = 20.0
_REFUSALS = re.compile(r"Security ?exception|Permission Denial|Unknown command|No shell command implementation|"
                       r"^Error:|Exception occurred|Can't find service|inaccessible or not found",
                       re.I | re.M)

_TELLING = re.compile(r"Exception:|Security exception|Permission Denial|Unknown command|^Error:|Can't find service",
                      re.I)


@dataclass
class CommandResult:
    command: str
    rc: int | None
    output: str

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not _REFUSALS.search(self.output)

    def why(self) -> str:
        lines = [ln.strip() for ln in self.output.splitlines() if ln.strip()]
        # "Exception occurred while executing 'grant':" is followed by the line that says what happened
        telling = [ln for ln in lines if _TELLING.search(ln)]
        first = (telling or lines or [""])[0]
        if self.rc is None:
            return f"'{self.command}': {first or 'no answer from the phone'}"
        return f"'{self.command}' exit {self.rc}" + (f": {first}" if first else "")


@dataclass
class Outcome:
    """What happened to one step on the phone."""

    applied: bool
    why: str = ""
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)
    results: list[CommandResult] = field(default_factory=list)
    undo: list[str] = field(default_factory=list)


def run(device: Any, command: str) -> CommandResult:
    """Run one shell command line; never raises for a phone-side failure."""
    from adbutils import AdbError, AdbTimeout

    from droidcheck.adb.service import run_shell

    framing = Framing()
    try:
        text = run_shell(device, "; ".join(framing.wrap("fix", f"{command} 2>&1")), timeout=COMMAND_TIMEOUT_S)
    except (AdbError, AdbTimeout, OSError) as exc:
        return CommandResult(command, None, f"{type(exc).__name__}: {exc}")
    split = split_output(str(text), framing, ["fix"])
    sec = split.sections.get("fix")
    if sec is None or not sec.usable:
        said = sec.stdout.replace("\r", "").strip() if sec is not None else ""
        return CommandResult(command, None, said or "; ".join(split.problems)
                             or "the command's exit status never arrived")
    return CommandResult(command, sec.exit_code, sec.stdout.replace("\r", "").strip())


def read_values(device: Any, reads: dict[str, str]) -> dict[str, str]:
    """label -> what the read command printed (first 300 characters), or '?' when it could not be read."""
    out: dict[str, str] = {}
    for label, command in reads.items():
        r = run(device, command)
        out[label] = r.output.strip()[:300] if r.rc == 0 else "?"
    return out


def apply_step(device: Any, step: Step, before: dict[str, str] | None = None) -> Outcome:
    """Run the commands in order (stopping at the first refusal) and read the value again. ``before`` is
    what :func:`read_values` printed before (read here when not given); the caller records it first."""
    if step.kind == "refused":
        return Outcome(False, f"refused: {step.note}")
    if before is None:
        before = read_values(device, step.reads)
    outcome = Outcome(False, before=before)
    for command in step.commands:
        result = run(device, command)
        outcome.results.append(result)
        if not result.ok:
            outcome.why = f"failed on the phone: {result.why()}"
            break
    else:
        outcome.applied = True
        outcome.why = "screen opened; the customer must finish on the phone" if step.kind == "guided" else "done"
    outcome.after = read_values(device, step.reads)
    if outcome.results:
        outcome.undo = step.undo_commands(before)  # also after a partial failure: the commands that ran
    return outcome


def run_undo(device: Any, commands: list[str]) -> tuple[bool, list[CommandResult], str]:
    """Run restore commands built by the registry (never ones read from a file), stopping at a refusal."""
    results: list[CommandResult] = []
    for command in commands:
        r = run(device, command)
        results.append(r)
        if not r.ok:
            return False, results, f"failed on the phone: {r.why()}"
    return True, results, "restored"
