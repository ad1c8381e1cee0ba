"""``cmd appops get <pkg> [OP]`` and ``am get-standby-bucket <pkg>``.

* AppOpsService shell ``get`` (frameworks/base ``services/core/java/com/android/server/appop/
  AppOpsService.java`` — ``AppOpsService.java`` in ``services/core/java/com/android/server`` before R):
  one line per op ``<OP_NAME>: <allow|ignore|deny|default|foreground>`` optionally followed by
  ``; time=…``/``; rejectTime=…``; ``No operations.`` when nothing is recorded, and since Q with an op
  argument also ``Default mode: <mode>``. Uid-level entries are prefixed ``Uid mode: ``.
  An op that was never set is simply not listed: its mode is the op's default (``allow`` for
  RUN_IN_BACKGROUND / RUN_ANY_IN_BACKGROUND).
* ``am get-standby-bucket [--user N] <pkg>`` (ActivityManagerShellCommand ``runGetStandbyBucket``, P+):
  the bucket as a bare integer. 5 EXEMPTED, 10 ACTIVE, 20 WORKING_SET, 30 FREQUENT, 40 RARE,
  45 RESTRICTED (S+), 50 NEVER.
"""

from __future__ import annotations

import re

_MODES = ("allow", "ignore", "deny", "default", "foreground", "errored")
_OP_LINE_RE = re.compile(r"^(?:Uid mode: )?([A-Z_]+): ([a-z]+)\b")

BUCKETS = {5: "exempted", 10: "active", 20: "working_set", 30: "frequent", 40: "rare", 45: "restricted",
           50: "never"}


def parse_appops(text: str | None) -> dict[str, str] | None:
    """Op name → mode (the package line wins over a ``Uid mode:`` line); None if not appops output."""
    if text is None:
        return None
    ops: dict[str, str] = {}
    uid_ops: dict[str, str] = {}
    recognised = False
    for raw in text.replace("\r", "").split("\n"):
        line = raw.strip()
        if not line:
            continue
        if line == "No operations." or line.startswith("Default mode:"):
            recognised = True
            continue
        m = _OP_LINE_RE.match(line)
        if m and m.group(2) in _MODES:
            recognised = True
            target = uid_ops if line.startswith("Uid mode:") else ops
            target.setdefault(m.group(1), m.group(2))
    if not recognised:
        return None
    return {**uid_ops, **ops}


def op_mode(text: str | None, op: str) -> str | None:
    """Mode of ``op``: the listed mode, ``default`` when the op is not listed, None if unreadable."""
    ops = parse_appops(text)
    if ops is None:
        return None
    return ops.get(op, "default")


def parse_standby_bucket(text: str | None) -> int | None:
    """The bucket number printed by ``am get-standby-bucket <pkg>``; None for anything else."""
    if text is None:
        return None
    lines = [ln.strip() for ln in text.replace("\r", "").split("\n") if ln.strip()]
    if len(lines) != 1 or not re.fullmatch(r"\d{1,3}", lines[0]):
        return None
    return int(lines[0])
