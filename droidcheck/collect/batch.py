"""Many commands in one ``adb shell`` round trip, framed by markers so each output can be cut apart.

The script is plain POSIX sh (mksh on the phone), one statement per line::

    echo '@@DC@@ BEGIN getprop'
    timeout 5 getprop 2>&1
    echo "@@DC@@ END getprop $?"

``timeout`` is toybox's (on every Android since 8); it exits 124 when it had to stop the command.
The reply is split on the marker lines; a probe whose END marker never came was cut off (phone lost, or
the host's deadline passed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARK = "@@DC@@"
TIMEOUT_EXIT = 124

# A command whose output does not end in a newline leaves the END marker at the end of its last line.
_MARK_LINE = re.compile(rf"^(?P<pre>.*?){re.escape(MARK)} (BEGIN|END) (\S+)(?: (-?\d+))?$")


@dataclass(frozen=True)
class BatchItem:
    probe: str
    command: str
    timeout_s: float


def _secs(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else f"{t:.1f}"


def build_script(items: list[BatchItem], *, device_timeout: bool = True) -> str:
    """The batch script. ``device_timeout=False`` leaves out toybox ``timeout`` for a build without it;
    the host's own per-command limit still applies."""
    lines: list[str] = []
    for item in items:
        stages = item.command.split(" | ", 1)
        limit = f"timeout {_secs(item.timeout_s)} " if device_timeout else ""
        head = f"{limit}{stages[0]} 2>&1"
        cmd = head if len(stages) == 1 else f"{head} | {stages[1]}"
        lines += [f"echo '{MARK} BEGIN {item.probe}'", cmd, f'echo "{MARK} END {item.probe} $?"']
    return "\n".join(lines) + "\n"


@dataclass
class Section:
    probe: str
    stdout: str
    exit_code: int | None  # None: the END marker never came
    finished: bool


def split_output(text: str) -> dict[str, Section]:
    """Cut the reply of a batch into per-probe sections."""
    sections: dict[str, Section] = {}
    current: str | None = None
    buf: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        m = _MARK_LINE.match(line)
        if m is None:
            if current is not None:
                buf.append(line)
            continue
        pre, kind, probe, code = m.groups()
        if pre and current is not None:
            buf.append(pre)
        if kind == "BEGIN":
            if current is not None:  # a BEGIN without END: keep what we had as unfinished
                sections[current] = Section(current, "\n".join(buf), None, False)
            current, buf = probe, []
        elif current == probe:
            body = "\n".join(buf)
            sections[probe] = Section(probe, body + "\n" if buf else "", int(code) if code else None, True)
            current, buf = None, []
    if current is not None:
        sections[current] = Section(current, "\n".join(buf), None, False)
    return sections
