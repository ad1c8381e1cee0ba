"""``cmd appops get <pkg> [OP]`` and ``am get-standby-bucket <pkg>``.

* AppOpsService shell ``get`` (frameworks/base ``services/core/java/com/android/server/appop/
  AppOpsService.java`` — ``AppOpsService.java`` in ``services/core/java/com/android/server`` before R):
  one line per op ``<OP_NAME>: <allow|ignore|deny|default|foreground>`` optionally followed by
  ``; time=…``/``; rejectTime=…``; ``No operations.`` when nothing is recorded, and since Q with an op
  argument also ``Default mode: <mode>``. The uid's own ops come first, and only the first line of that
  group carries ``Uid mode: ``; the package's ops follow, unmarked. A uid mode, when set, is the one
  Android applies (``checkOperation`` returns it before looking at the package), so the *first* line of
  an op is its effective mode. A mode Android has no name for prints as ``mode=N`` (some builds add
  their own, such as ``ask``): those are unknown, not "default".
  An op that was never set is simply not listed: its mode is the op's default (``allow`` for
  RUN_IN_BACKGROUND / RUN_ANY_IN_BACKGROUND).
* ``am get-standby-bucket [--user N] <pkg>`` (ActivityManagerShellCommand ``runGetStandbyBucket``, P+):
  the bucket as a bare integer. 5 EXEMPTED, 10 ACTIVE, 20 WORKING_SET, 30 FREQUENT, 40 RARE,
  45 RESTRICTED (S+), 50 NEVER.
"""

from __future__ import annotations

import re

_MODES = ("allow", "ignore", "deny", "default", "foreground", "errored")
_OP_LINE_RE = re.compile(r"^(?:Uid mode: )?([A-Z][A-Z0-9_]*): ([a-z]+(?:=-?\d+)?)(?=[;\s]|$)")

BUCKETS = {5: "exempted", 10: "active", 20: "working_set", 30: "frequent", 40: "rare", 45: "restricted",
           50: "never"}


def parse_appops(text: str | None) -> dict[str, str] | None:
    """Op name → its effective mode as printed (the first line of the op: see above); None if this is not
    appops output. A mode outside ``_MODES`` is kept as printed (``mode=7``, ``ask``)."""
    if text is None:
        return None
    ops: dict[str, str] = {}
    recognised = False
    for raw in text.replace("\r", "").split("\n"):
        line = raw.strip()
        if not line:
            continue
        if line == "No operations." or line.startswith("Default mode:"):
            recognised = True
            continue
        m = _OP_LINE_RE.match(line)
        if m:
            recognised = True
            ops.setdefault(m.group(1), m.group(2))
    return ops if recognised else None


def op_mode(text: str | None, op: str) -> str | None:
    """Mode of ``op``: the listed mode, ``default`` when the op is not listed, None if unreadable or the
    mode is one droidcheck cannot interpret."""
    ops = parse_appops(text)
    if ops is None:
        return None
    mode = ops.get(op, "default")
    return mode if mode in _MODES else None


def parse_standby_bucket(text: str | None) -> int | None:
    """The bucket number printed by ``am get-standby-bucket <pkg>``; None for anything else."""
    if text is None:
        return None
    lines = [ln.strip() for ln in text.replace("\r", "").split("\n") if ln.strip()]
    if len(lines) != 1 or not re.fullmatch(r"\d{1,3}", lines[0]):
        return None
    return int(lines[0])
