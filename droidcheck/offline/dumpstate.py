"""Stream a dumpstate text (the main entry of a bug report) and keep only the sections droidcheck reads.

The layout, from AOSP ``frameworks/native/cmds/dumpstate`` and ``cmds/dumpsys`` (Android 8 → 15):

* ``Dumpstate::PrintHeader`` — a banner of 56 ``=`` then ``== dumpstate: YYYY-MM-DD HH:MM:SS`` (device local
  time, ``localtime(&now_)``), then ``Build:``, ``Build fingerprint: '…'`` … ``Dumpstate info:``.
* ``RunCommandToFd`` (DumpstateUtil.cpp) — ``------ TITLE (command args) ------``, the output, and from
  ``DurationReporter`` ``------ 0.012s was the duration of 'TITLE' ------``. ``DumpFile`` prints
  ``------ TITLE (/path[: mtime]) ------``.
* ``RunDumpsysText*`` (dumpstate.cpp, P+) — ``------ DUMPSYS[ CRITICAL| HIGH] (/system/bin/dumpsys) ------``
  then, per service, ``Dumpsys::writeDumpHeader``: 79 ``-`` and ``DUMP OF SERVICE [CRITICAL |HIGH ]<name>:``;
  R+ adds ``Service host process PID:``/``Threads in use:``/``Client PIDs:`` lines; and
  ``writeDumpFooter``: ``--------- 0.012s was the duration of dumpsys <name>, ending at: <time>`` (O prints
  the same headers from dumpsys itself inside ``------ DUMPSYS (… dumpsys …) ------``, without
  ``ending at``). ``*** SERVICE '<name>' DUMP TIMEOUT (10000ms) EXPIRED ***`` marks a cut dump.

Memory stays bounded: every kept section has a byte cap, big services are filtered line by line while
streaming (``droidcheck.offline.sections``), and everything else (logcat, traces, other services) is only
looked at one line at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from droidcheck.offline.sections import Collector, service_collector

_BANNER = "=" * 56
_DUMPSTATE = re.compile(r"^== dumpstate: (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\s*$")
_SECTION = re.compile(r"^------ (?P<title>.+?) \((?P<cmd>.*)\) ------\s*$")
_SECTION_END = re.compile(r"^------ [\d.]+s was the duration of '.*' ------\s*$")
_BARE_SECTION = re.compile(r"^------ (?P<title>[^()]+?) ------\s*$")
_SERVICE = re.compile(r"^DUMP OF SERVICE (?:(?P<prio>CRITICAL|HIGH|NORMAL) )?(?P<name>\S+):\s*$")
_SERVICE_END = re.compile(r"^--------- [\d.]+s was the duration of dumpsys (?P<name>\S+?),?(?: ending at: .*)?$")
_SERVICE_PROLOGUE = re.compile(r"^(Service host process PID: |Threads in use: |Client PIDs: )")
_RULE = "-" * 79

#: Longer lines are never headers (the longest real one is ~100 characters); not matching them keeps the
#: header patterns' cost linear whatever a line holds.
_MAX_STRUCTURAL = 4096

#: Command sections kept, by title, with their byte caps.
COMMAND_SECTIONS: dict[str, int] = {"SYSTEM PROPERTIES": 4 << 20, "UPTIME": 4096}


class Overlong(str):
    """The kept start of a line that was longer than the reader's limit (the rest was not read)."""


@dataclass
class DumpstateText:
    """What was kept from one dumpstate text."""

    header_time: str | None = None  # "YYYY-MM-DD HH:MM:SS", device local time
    header: dict[str, str] = field(default_factory=dict)  # Build, Build fingerprint, Network…
    commands: dict[str, Collector] = field(default_factory=dict)  # title → body
    services: dict[str, Collector] = field(default_factory=dict)  # service name → body
    service_priority: dict[str, str] = field(default_factory=dict)
    finished: bool = False  # "== dumpstate: done" seen
    lines: int = 0
    overlong: int = 0  # lines cut because they were too long
    recognised: bool = False

    def service(self, name: str) -> Collector | None:
        return self.services.get(name)

    def truncated_sections(self) -> list[str]:
        out = [f"'{t}'" for t, c in self.commands.items() if c.truncated]
        out += [f"dumpsys {n}" for n, c in self.services.items() if c.truncated]
        return out


class _Reader:
    """A line-at-a-time state machine over the dumpstate text."""

    def __init__(self) -> None:
        self.doc = DumpstateText()
        self.in_header = False
        self.current: Collector | None = None
        self.current_service: str | None = None
        self.prologue = False
        self.pending_rule = False
        self.after_banner = False

    def feed(self, line: str) -> None:
        doc = self.doc
        doc.lines += 1
        if self.pending_rule:
            self.pending_rule = False
            if _SERVICE.match(line) is None and self.current is not None:
                self.current.feed(_RULE)
        if line == _RULE:
            self.pending_rule = True  # a service header may follow; decide on the next line
            return
        structural = self._structural(line)
        if line != _BANNER:
            self.after_banner = False
        if structural:
            return
        if self.in_header:
            self._header_line(line)
            return
        if self.current is not None:
            if self.prologue and _SERVICE_PROLOGUE.match(line):
                return
            self.prologue = False
            self.current.feed(line)

    def cut_line(self, line: str) -> None:
        """A line too long to read whole: the section it belongs to (if kept) is read only in part."""
        self.doc.lines += 1
        self.doc.overlong += 1
        current = self.current
        if self.pending_rule:
            self.pending_rule = False
            if current is not None:
                current.feed(_RULE)
        if current is not None and not self.in_header and current.would_keep(line):
            current.truncated = True

    def _structural(self, line: str) -> bool:
        if not line.startswith(("-", "=", "DUMP OF SERVICE")) or len(line) > _MAX_STRUCTURAL:
            return False
        doc = self.doc
        m = _DUMPSTATE.match(line)
        if m:
            if doc.header_time is None:
                doc.header_time = m.group(1)
                doc.recognised = True
                self.in_header = True
            self._close()
            return True
        if line.startswith("== dumpstate: done"):
            doc.finished = True
            self._close()
            return True
        if line == _BANNER:
            self.after_banner = True
            return True
        if line.startswith("== ") and self.after_banner:
            self._close()  # a dumpstate banner such as "== Android Framework Services"
            return True
        m = _SERVICE.match(line)
        if m:
            self.in_header = False
            self._open_service(m.group("name"), m.group("prio") or "")
            return True
        if _SERVICE_END.match(line) or _SECTION_END.match(line):
            self._close()
            return True
        m = _SECTION.match(line)
        if m is None and self.current_service is None:
            m = _BARE_SECTION.match(line)
        if m and line.startswith("------ "):
            self.in_header = False
            self._close()
            title = m.group("title").strip()
            cap = COMMAND_SECTIONS.get(title)
            if cap is not None and title not in doc.commands:
                self.current = Collector(cap)
                doc.commands[title] = self.current
            return True
        return False

    def _open_service(self, name: str, prio: str) -> None:
        self._close()
        doc = self.doc
        old = doc.service_priority.get(name)
        # The NORMAL dump is the complete one: it replaces a CRITICAL/HIGH one; those never replace it.
        if old is not None and (old == "" or prio != ""):
            return
        collector = service_collector(name)
        if collector is None:
            return
        doc.services[name] = collector
        doc.service_priority[name] = prio
        self.current, self.current_service, self.prologue = collector, name, True

    def _close(self) -> None:
        self.current, self.current_service, self.prologue = None, None, False

    def _header_line(self, line: str) -> None:
        key, sep, value = line.partition(": ")
        if sep and key and len(key) < 40 and len(self.doc.header) < 32:
            self.doc.header[key.strip()] = value.strip()[:400]


def read_dumpstate(lines: Iterable[str]) -> DumpstateText:
    """Read a dumpstate text given as lines (with or without their line ends)."""
    reader = _Reader()
    for raw in lines:
        if isinstance(raw, Overlong):
            reader.cut_line(raw)
        else:
            reader.feed(raw.rstrip("\r\n"))
    return reader.doc
