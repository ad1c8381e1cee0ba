"""Many commands in one ``adb shell`` round trip, framed by markers so each output can be cut apart.

The script is plain POSIX sh (mksh on the phone), one statement per line::

    echo '@@DC@@ 5f0c…''…9a1e BEGIN getprop'
    timeout 5 getprop 2>&1
    echo "@@DC@@ 5f0c…""…9a1e END getprop $?"

Everything the phone prints is untrusted: a Bluetooth name, a device name or a notification channel name
can hold any text, markers included. So every marker carries a nonce (:class:`Framing`), fresh for each
script and unknown to the phone until the script arrives; the nonce is split across two quoted words in
the script, so even a command that prints the script back (a process list) cannot print a marker. A
marker without the nonce is ordinary output of the command that printed it.

The reply is read by :class:`FrameParser`, a strict, incremental parser: it is fed bytes as they arrive,
searches only new bytes (linear time, however long a line), keeps at most ``max_output`` bytes of one
command, and names every frame that does not fit the grammar (unknown probe, a probe twice, an END without
its BEGIN or for another probe, text outside any frame). A probe touched by such a frame gets no value.

A reader that runs commands in parallel on the phone reuses both halves: each command writes to its own
file and the shell prints the files, each between ``begin``/``end``, in turn
(:mod:`droidcheck.collect.parallel`); two frames whose bytes interleave are, by this grammar, ill-formed.
Probes whose package the phone chose are framed ``PREFIX`` + the name (``package:com.example``); the
parser expects them for the ``families`` it is given, once each, like any other probe.

``timeout`` is toybox's (on every Android since 8); it exits 124 when it had to stop the command.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

MARK = "@@DC@@"
TIMEOUT_EXIT = 124
#: The most one command may print before droidcheck stops keeping its output (the largest real probe,
#: ``dumpsys package permission`` on a phone with hundreds of apps, is well under 1 MiB).
MAX_OUTPUT_BYTES = 8 * 1024 * 1024
#: What may follow a marker's nonce (``END package:com.example 127``); longer is not a marker line.
_MAX_MARKER_LINE = 512
_PROBE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,200}")
_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+")  # as parsers.role.is_package_name
_BEGIN = re.compile(rb"BEGIN ([A-Za-z0-9_.:-]{1,200})")
_END = re.compile(rb"END ([A-Za-z0-9_.:-]{1,200}) (\d{1,3})")


@dataclass(frozen=True)
class BatchItem:
    probe: str
    command: str
    timeout_s: float


class Event(NamedTuple):
    """A frame opened (``begin``) or closed (``end``) in the reply, for timing and per-probe limits."""

    kind: str
    probe: str


@dataclass
class Section:
    """One probe's output as the reply framed it.

    ``finished`` – its END marker came; ``exit_code`` is then the command's exit status.
    ``truncated`` – it printed more than ``max_output`` bytes; ``stdout`` holds the first ones.
    ``problem`` – its frame was ill-formed: ``stdout`` is empty and must not be used.
    """

    probe: str
    stdout: str
    exit_code: int | None  # None: the END marker never came
    finished: bool
    truncated: bool = False
    problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.finished and not self.truncated and self.problem is None


class Framing:
    """The markers of one script: a fresh random nonce, the shell lines that print them, and a parser
    for the reply. Use one ``Framing`` per script sent; never reuse a nonce."""

    def __init__(self, nonce: str | None = None) -> None:
        self.nonce = nonce if nonce is not None else secrets.token_hex(16)
        if not re.fullmatch(r"[0-9a-f]{16,64}", self.nonce):
            raise ValueError("a framing nonce is 16 to 64 lowercase hex digits")
        self.token = f"{MARK} {self.nonce} ".encode()

    def _split_nonce(self, quote: str) -> str:
        half = len(self.nonce) // 2
        return f"{self.nonce[:half]}{quote}{quote}{self.nonce[half:]}"

    @staticmethod
    def _check(probe: str) -> str:
        if not _PROBE_ID.fullmatch(probe):
            raise ValueError(f"probe id {probe!r} cannot be framed (letters, digits and _.:- only)")
        return probe

    def begin(self, probe: str) -> str:
        """The shell statement that opens ``probe``'s frame."""
        return f"echo '{MARK} {self._split_nonce(chr(39))} BEGIN {self._check(probe)}'"

    def end(self, probe: str, status: str = "$?") -> str:
        """The shell statement that closes ``probe``'s frame with the exit status of the command before,
        or with ``status``, a shell variable holding it (``$rc1``: a command that ran in the background)."""
        if not re.fullmatch(r"\$\?|\$[A-Za-z_][A-Za-z0-9_]{0,30}", status):
            raise ValueError(f"an exit status is $? or a shell variable, not {status!r}")
        return f'echo "{MARK} {self._split_nonce(chr(34))} END {self._check(probe)} {status}"'

    @staticmethod
    def _check_var(prefix: str, var: str) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}:", prefix) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,30}", var):
            raise ValueError(f"a probe id from a variable is PREFIX: and a shell variable, not {prefix!r} {var!r}")

    def begin_var(self, prefix: str, var: str) -> str:
        """The statement that opens the frame ``PREFIX$var`` (``package:$sms``). The script must have
        checked ``$var`` against the probe-id grammar (a package name) before: the parser accepts such an
        id only for the prefixes it is given as ``families``."""
        self._check_var(prefix, var)
        return f'echo "{MARK} {self._split_nonce(chr(34))} BEGIN {prefix}${var}"'

    def end_var(self, prefix: str, var: str, status: str = "$?") -> str:
        self._check_var(prefix, var)
        if not re.fullmatch(r"\$\?|\$[A-Za-z_][A-Za-z0-9_]{0,30}", status):
            raise ValueError(f"an exit status is $? or a shell variable, not {status!r}")
        return f'echo "{MARK} {self._split_nonce(chr(34))} END {prefix}${var} {status}"'

    def mark_assignment(self, var: str) -> str:
        """``var='MARK NONCE'``, quoted in two pieces like every marker, so a script that prints many frames
        can spell the marker once (``begin_any(…, mark=var)``) and still never contain it whole."""
        self._check_var("any:", var)
        return f"{var}='{MARK} {self._split_nonce(chr(39))}'"

    def begin_any(self, var: str, mark: str | None = None) -> str:
        """The statement that opens the frame named by the shell variable ``var`` as a whole. The script must
        have set ``var`` itself (a fixed probe id, or ``PREFIX:`` and a name checked against the probe-id
        grammar): the parser accepts only the ids and families it is given. ``mark``: the variable set by
        :meth:`mark_assignment`."""
        return f'echo "{self._mark(mark)} BEGIN ${self._checked(var)}"'

    def end_any(self, var: str, status: str, mark: str | None = None) -> str:
        if not re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]{0,30}", status):
            raise ValueError(f"an exit status is a shell variable, not {status!r}")
        return f'echo "{self._mark(mark)} END ${self._checked(var)} {status}"'

    def _checked(self, var: str) -> str:
        self._check_var("any:", var)
        return var

    def _mark(self, mark: str | None) -> str:
        return f"{MARK} {self._split_nonce(chr(34))}" if mark is None else f"${self._checked(mark)}"

    def wrap(self, probe: str, command: str) -> list[str]:
        return [self.begin(probe), command, self.end(probe)]

    def parser(self, probes: Iterable[str], max_output: int = MAX_OUTPUT_BYTES,
               families: Iterable[str] = ()) -> FrameParser:
        return FrameParser(self.token, probes, max_output, families)


@dataclass
class _Frame:
    probe: str
    keep: bool  # False: an ill-formed frame whose bytes are read past, never kept
    crlf: bool = False  # the BEGIN line ended in CR LF: a terminal turned every LF into CR LF
    pieces: list[bytes] = field(default_factory=list)
    size: int = 0
    dropped: int = 0


class FrameParser:
    """Cuts a batch reply into per-probe sections as its bytes arrive.

    ``feed(data)`` returns the frames opened and closed by those bytes; ``close()`` ends the stream.
    ``sections`` and ``problems`` hold the result. Every byte is looked at a bounded number of times
    (only the new bytes plus a marker's length are searched), and a probe keeps at most ``max_output``
    bytes, so a reply of any size is read in linear time and bounded memory.
    """

    def __init__(self, token: bytes, probes: Iterable[str], max_output: int = MAX_OUTPUT_BYTES,
                 families: Iterable[str] = ()) -> None:
        self.token = token
        self.expected = set(probes)
        #: Prefixes (``package:``) of probe ids chosen on the phone: ``PREFIX`` + a package name is expected too.
        self.families = tuple(families)
        self.max_output = max_output
        self.sections: dict[str, Section] = {}
        self.problems: list[str] = []
        self._open: _Frame | None = None
        self._seen: set[str] = set()
        self._last_closed: str | None = None
        self._hold = b""  # bytes that may be the start of a token, or a marker line being read
        self._in_marker = False
        self._outside = 0  # bytes outside any frame since the last marker
        self._events: list[Event] = []
        self._closed = False

    @property
    def current(self) -> str | None:
        """The probe whose frame is open (the command running on the phone), if any."""
        return self._open.probe if self._open is not None else None

    # -- input --------------------------------------------------------------------------------------
    def feed(self, data: bytes) -> list[Event]:
        buf = self._hold + data if self._hold else data
        self._hold = b""
        pos, n = 0, len(buf)
        while pos < n:
            if self._in_marker:
                nl = buf.find(b"\n", pos, pos + _MAX_MARKER_LINE + 2)
                if nl < 0:
                    if n - pos > _MAX_MARKER_LINE + 1:
                        self._in_marker = False
                        self._bad_marker(buf[pos:pos + 40])
                        continue
                    self._hold = buf[pos:]
                    break
                self._in_marker = False
                self._marker(buf[pos:nl])
                pos = nl + 1
                continue
            i = buf.find(self.token, pos)
            if i < 0:
                # keep a tail that could be the start of a token split across two reads
                safe = max(pos, n - (len(self.token) - 1))
                self._body(buf, pos, safe)
                self._hold = buf[safe:]
                break
            self._body(buf, pos, i)
            pos = i + len(self.token)
            self._in_marker = True
        events, self._events = self._events, []
        return events

    def close(self) -> list[Event]:
        """The stream ended (the shell exited, or the read was stopped)."""
        if self._closed:
            return []
        self._closed = True
        if self._hold and not self._in_marker:
            self._body(self._hold, 0, len(self._hold))
        self._hold = b""
        self._flush_outside()
        if self._open is not None:
            frame, self._open = self._open, None
            if frame.keep:
                self.sections[frame.probe] = self._section(frame, finished=False)
        events, self._events = self._events, []
        return events

    # -- grammar ------------------------------------------------------------------------------------
    def _body(self, buf: bytes, start: int, stop: int) -> None:
        if stop <= start:
            return
        frame = self._open
        if frame is None:
            self._outside += stop - start
            return
        if not frame.keep:
            return
        room = self.max_output - frame.size
        take = min(room, stop - start)
        if take > 0:
            frame.pieces.append(buf[start:start + take])
            frame.size += take
        frame.dropped += (stop - start) - take

    def _marker(self, line: bytes) -> None:
        crlf = line.endswith(b"\r")
        if crlf:
            line = line[:-1]
        if (m := _BEGIN.fullmatch(line)) is not None:
            self._begin(m.group(1).decode(), crlf)
        elif (m := _END.fullmatch(line)) is not None:
            self._end(m.group(1).decode(), int(m.group(2)))
        else:
            self._bad_marker(line[:40])

    def _bad_marker(self, start: bytes) -> None:
        text = start.decode("utf-8", errors="replace")
        self._problem(f"a marker line that is neither BEGIN nor END ({text!r}…)",
                      [self._open.probe] if self._open is not None else [])

    def _begin(self, probe: str, crlf: bool) -> None:
        self._flush_outside()
        if self._open is not None:
            other = self._open.probe
            self._problem(f"'{probe}' began while '{other}' was still running (no END for '{other}')", [other])
            self._open = None
        if probe not in self.expected and self._in_family(probe):
            self.expected.add(probe)
        if probe not in self.expected:
            self._problem(f"an unknown probe '{probe}' was framed", [])
            keep = False
        elif probe in self._seen:
            self._problem(f"'{probe}' was framed twice", [probe])
            keep = False
        else:
            keep = True
        self._seen.add(probe)
        self._open = _Frame(probe, keep, crlf)
        self._events.append(Event("begin", probe))

    def _in_family(self, probe: str) -> bool:
        return any(probe.startswith(f) and _PACKAGE.fullmatch(probe[len(f):]) for f in self.families)

    def _end(self, probe: str, code: int) -> None:
        self._flush_outside()
        frame = self._open
        if frame is None:
            self._problem(f"an END for '{probe}' without its BEGIN", [probe])
            return
        self._open = None
        self._last_closed = frame.probe
        self._events.append(Event("end", frame.probe))
        if frame.probe != probe:
            self._problem(f"'{frame.probe}' was closed by the END of '{probe}'", [frame.probe, probe])
            return
        if frame.keep and frame.probe not in self.sections:
            self.sections[probe] = self._section(frame, finished=True, code=code)

    def _flush_outside(self) -> None:
        if not self._outside:
            return
        n, self._outside = self._outside, 0
        if self._last_closed is None:
            self._problem(f"{n} byte(s) of text before the first frame", [])
        else:
            prev = self._last_closed
            self._problem(f"{n} byte(s) of text outside any frame, after the END of '{prev}'", [prev])

    def _problem(self, text: str, probes: list[str]) -> None:
        self.problems.append(f"the reply's framing is broken: {text}")
        for probe in probes:
            if probe in self.expected:
                self.sections[probe] = Section(probe, "", None, False, problem=text)
            if self._open is not None and self._open.probe == probe:
                self._open.keep, self._open.pieces = False, []  # nothing of it will be used

    def _section(self, frame: _Frame, *, finished: bool, code: int | None = None) -> Section:
        text = b"".join(frame.pieces).decode("utf-8", errors="replace")
        if frame.crlf:
            text = text.replace("\r\n", "\n")
        sec = Section(frame.probe, text, code if finished else None, finished, truncated=frame.dropped > 0)
        if frame.dropped:
            self.problems.append(f"'{frame.probe}' printed more than {self.max_output // (1024 * 1024)} MiB; "
                                 f"the rest ({frame.dropped} bytes) was not kept")
        return sec


def _secs(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else f"{t:.1f}"


def build_script(items: list[BatchItem], framing: Framing, *, device_timeout: bool = True) -> str:
    """The batch script. ``device_timeout=False`` leaves out toybox ``timeout`` for a build without it;
    the host's own per-command limit still applies."""
    lines: list[str] = []
    for item in items:
        stages = item.command.split(" | ", 1)
        limit = f"timeout {_secs(item.timeout_s)} " if device_timeout else ""
        head = f"{limit}{stages[0]} 2>&1"
        cmd = head if len(stages) == 1 else f"{head} | {stages[1]}"
        lines += framing.wrap(item.probe, cmd)
    return "\n".join(lines) + "\n"


@dataclass
class Split:
    sections: dict[str, Section]
    problems: list[str]


def split_output(reply: str | bytes, framing: Framing, probes: Iterable[str]) -> Split:
    """Cut a whole batch reply into per-probe sections (the streaming reader feeds a parser instead)."""
    parser = framing.parser(probes)
    parser.feed(reply.encode("utf-8") if isinstance(reply, str) else reply)
    parser.close()
    return Split(parser.sections, parser.problems)
