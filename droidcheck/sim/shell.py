"""A small POSIX-sh interpreter for the simulated phone: enough of mksh for what droidcheck (and adb) send.

What it runs: statements separated by newlines, ``;``, ``&&`` and ``||``; pipelines; POSIX quoting (single
quotes literal, double quotes expanding ``$?``/``$NAME``, backslash escapes); the redirections ``2>&1``,
``>&2``, ``N>/dev/null``; ``NAME=value`` assignments. Built in, because their semantics are the shell's
rather than the phone's state: ``echo``, ``true``, ``false``, ``:``, ``exit``, ``sleep``, toybox
``timeout`` (exit 124 when it had to stop the command) and the filters droidcheck pipes into (``grep``
with ``-E -F -e -v -i -c -q -w -x -n``, ``head``, ``tail``, ``wc -l``, ``cat`` without files). Every other
simple command is a *device command*: its argv goes to the runner the caller gives (in the simulator,
:func:`droidcheck.sim.commands.run_command` plus fault injection).

Why an interpreter and not ``sh``: the phone is simulated, so the commands are not programs on this host,
and faults (a hung ``dumpsys``, a dropped connection after the fifth command) must happen *between*
statements, with everything printed so far already on the wire. So output is handed to ``emit`` as each
statement finishes, and ``flush`` is awaited before each device command starts.

The whole script is parsed before anything runs, as ``sh -c`` does: a syntax error runs nothing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from droidcheck.collect.batch import TIMEOUT_EXIT  # toybox timeout: the command was stopped
from droidcheck.errors import DroidcheckError
from droidcheck.sim.commands import Output

SHELL = "/system/bin/sh"


class ShellSyntaxError(DroidcheckError):
    """The script cannot be parsed; like ``sh -c`` nothing of it runs."""


class CommandRunner(Protocol):
    """Runs one device command (argv without shell syntax) and returns what it printed."""

    def __call__(self, argv: list[str]) -> Awaitable[Output]: ...


#: ``emit(fd, data)``: fd 1 is stdout, 2 is stderr. Buffered by the caller until ``flush``.
Emit = Callable[[int, bytes], Awaitable[None]]
Flush = Callable[[], Awaitable[None]]


# --------------------------------------------------------------------------------------------- parsing

@dataclass
class Word:
    """A shell word: literal pieces and variables, expanded only when the statement runs (``$?`` changes)."""

    parts: list[tuple[str, str]] = field(default_factory=list)  # ("lit", text) | ("var", name)
    quoted: bool = False  # any part quoted: an empty expansion still yields an (empty) argument

    def expand(self, env: dict[str, str]) -> str | None:
        text = "".join(t if kind == "lit" else env.get(t, "") for kind, t in self.parts)
        if not text and not self.quoted and all(kind == "var" for kind, _ in self.parts):
            return None  # unquoted empty expansion: no argument at all
        return text


@dataclass
class Redirect:
    fd: int
    op: str  # ">", ">>", ">&", "<"
    target: Word


@dataclass
class Simple:
    words: list[Word] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Pipeline:
    commands: list[Simple]
    negate: bool = False


@dataclass
class AndOr:
    first: Pipeline
    rest: list[tuple[str, Pipeline]] = field(default_factory=list)  # ("&&" | "||", pipeline)


_OPERATORS = ("&&", "||", ";;", ";", "|", "&", "\n")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPECIAL_VARS = set("?$#!@*-0123456789")


class _Lexer:
    """Splits a script into words and operators following the POSIX token rules (shlex's POSIX mode,
    plus the operators and ``$`` expansion shlex does not know)."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def tokens(self) -> list[Word | str | Redirect]:
        out: list[Word | str | Redirect] = []
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t\r":
                self.i += 1
            elif c == "\\" and s[self.i + 1: self.i + 2] == "\n":
                self.i += 2  # line continuation
            elif c == "#":
                while self.i < len(s) and s[self.i] != "\n":
                    self.i += 1
            elif c in ";&|\n":
                two = s[self.i: self.i + 2]
                if two in ("&&", "||", ";;"):
                    out.append(two)
                    self.i += 2
                elif two == "&>":
                    self.i += 2
                    out.append(Redirect(1, "&>", self._word_after()))
                else:
                    out.append(c)
                    self.i += 1
            elif c in "<>" or (c.isdigit() and self._is_fd_redirect()):
                out.append(self._redirect())
            else:
                out.append(self._word())
        return out

    def _is_fd_redirect(self) -> bool:
        j = self.i
        while j < len(self.s) and self.s[j].isdigit():
            j += 1
        return j < len(self.s) and self.s[j] in "<>"

    def _redirect(self) -> Redirect:
        s = self.s
        start = self.i
        while s[self.i].isdigit():
            self.i += 1
        fd_text = s[start: self.i]
        op = s[self.i]
        self.i += 1
        if s[self.i: self.i + 1] == ">" and op == ">":
            op, self.i = ">>", self.i + 1
        elif s[self.i: self.i + 1] == "&":
            op, self.i = op + "&", self.i + 1
        elif s[self.i: self.i + 1] == "|" and op == ">":
            self.i += 1  # >| (clobber) is > here
        fd = int(fd_text) if fd_text else (0 if op[0] == "<" else 1)
        return Redirect(fd, op, self._word_after())

    def _word_after(self) -> Word:
        while self.i < len(self.s) and self.s[self.i] in " \t":
            self.i += 1
        if self.i >= len(self.s) or self.s[self.i] in ";&|\n<>":
            raise ShellSyntaxError("syntax error: redirection without a target")
        return self._word()

    def _word(self) -> Word:
        s = self.s
        word = Word()
        lit: list[str] = []

        def push_lit() -> None:
            if lit:
                word.parts.append(("lit", "".join(lit)))
                lit.clear()

        while self.i < len(s):
            c = s[self.i]
            if c in " \t\r\n;&|<>":
                break
            if c == "'":
                end = s.find("'", self.i + 1)
                if end < 0:
                    raise ShellSyntaxError("syntax error: unterminated quoted string")
                lit.append(s[self.i + 1: end])
                word.quoted = True
                self.i = end + 1
            elif c == '"':
                word.quoted = True
                self.i += 1
                while True:
                    if self.i >= len(s):
                        raise ShellSyntaxError("syntax error: unterminated quoted string")
                    c = s[self.i]
                    if c == '"':
                        self.i += 1
                        break
                    if c == "\\" and s[self.i + 1: self.i + 2] in ('"', "\\", "$", "`", "\n"):
                        if s[self.i + 1] != "\n":
                            lit.append(s[self.i + 1])
                        self.i += 2
                    elif c == "$":
                        self._dollar(lit, push_lit, word)
                    elif c == "`":
                        raise ShellSyntaxError("command substitution is not supported by the simulator")
                    else:
                        lit.append(c)
                        self.i += 1
            elif c == "\\":
                if self.i + 1 < len(s):
                    if s[self.i + 1] != "\n":
                        lit.append(s[self.i + 1])
                    word.quoted = True
                self.i += 2
            elif c == "$":
                self._dollar(lit, push_lit, word)
            elif c == "`":
                raise ShellSyntaxError("command substitution is not supported by the simulator")
            else:
                lit.append(c)
                self.i += 1
        push_lit()
        return word

    def _dollar(self, lit: list[str], push_lit: Callable[[], None], word: Word) -> None:
        s = self.s
        nxt = s[self.i + 1: self.i + 2]
        if nxt and nxt in _SPECIAL_VARS:
            push_lit()
            word.parts.append(("var", nxt))
            self.i += 2
        elif nxt == "{":
            end = s.find("}", self.i + 2)
            if end < 0:
                raise ShellSyntaxError("syntax error: missing '}'")
            push_lit()
            word.parts.append(("var", s[self.i + 2: end]))
            self.i = end + 1
        elif nxt == "(":
            raise ShellSyntaxError("command substitution is not supported by the simulator")
        elif (m := _NAME.match(s, self.i + 1)) is not None:
            push_lit()
            word.parts.append(("var", m.group()))
            self.i = m.end()
        else:
            lit.append("$")  # a lone $ is literal
            self.i += 1


def parse(script: str) -> list[AndOr]:
    """Parse a script into and-or lists. Raises :class:`ShellSyntaxError`."""
    toks = _Lexer(script).tokens()
    pos = 0
    lists: list[AndOr] = []

    def skip_newlines() -> None:
        nonlocal pos
        while pos < len(toks) and toks[pos] == "\n":
            pos += 1

    def simple() -> Simple:
        nonlocal pos
        cmd = Simple()
        while pos < len(toks) and isinstance(toks[pos], Word | Redirect):
            tok = toks[pos]
            if isinstance(tok, Word):
                cmd.words.append(tok)
            else:
                assert isinstance(tok, Redirect)
                cmd.redirects.append(tok)
            pos += 1
        if not cmd.words and not cmd.redirects:
            got = toks[pos] if pos < len(toks) else "end of input"
            raise ShellSyntaxError(f"syntax error: {str(got).strip() or 'newline'!r} unexpected")
        return cmd

    def pipeline() -> Pipeline:
        nonlocal pos
        negate = False
        first = toks[pos] if pos < len(toks) else None
        if isinstance(first, Word) and first.parts == [("lit", "!")] and not first.quoted:
            negate = True
            pos += 1
        cmds = [simple()]
        while pos < len(toks) and toks[pos] == "|":
            pos += 1
            skip_newlines()
            cmds.append(simple())
        return Pipeline(cmds, negate)

    while True:
        while pos < len(toks) and toks[pos] in ("\n", ";"):
            pos += 1
        if pos >= len(toks):
            break
        node = AndOr(pipeline())
        while pos < len(toks) and toks[pos] in ("&&", "||"):
            op = toks[pos]
            assert isinstance(op, str)
            pos += 1
            skip_newlines()
            node.rest.append((op, pipeline()))
        lists.append(node)
        if pos < len(toks):
            sep = toks[pos]
            if sep not in ("\n", ";", "&"):
                raise ShellSyntaxError(f"syntax error: {sep!r} unexpected")
            pos += 1  # "&" (background) runs in the foreground here: the simulator has no job control
    return lists


# ------------------------------------------------------------------------------------------- builtins

def _grep(argv: list[str], stdin: str) -> Output:
    """toybox grep on stdin, with Python's regex engine standing in for POSIX ERE."""
    patterns: list[str] = []
    flags = {"E": False, "F": False, "v": False, "i": False, "c": False, "q": False, "w": False,
             "x": False, "n": False, "o": False, "s": False, "h": False, "H": False}
    files: list[str] = []
    args = argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            files.extend(args[i + 1:])
            break
        if a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                f = a[j]
                if f == "e":
                    pat = a[j + 1:] or (args[i + 1] if i + 1 < len(args) else None)
                    if pat is None:
                        return Output(stderr="grep: option requires an argument -- e\n", rc=2)
                    if not a[j + 1:]:
                        i += 1
                    patterns.append(pat)
                    break
                if f not in flags:
                    return Output(stderr=f"grep: Unknown option '{f}'\n", rc=2)
                flags[f] = True
                j += 1
        elif not patterns and not any(x.startswith("-e") for x in args[:i]):
            patterns.append(a)
        else:
            files.append(a)
        i += 1
    if not patterns:
        return Output(stderr="grep: Need 1 argument\n", rc=2)
    alts = []
    for p in patterns:
        for piece in p.split("\n"):
            alt = re.escape(piece) if flags["F"] else (piece if flags["E"] else _bre_to_python(piece))
            if flags["w"]:
                alt = rf"(?<!\w)(?:{alt})(?!\w)"
            if flags["x"]:
                alt = rf"^(?:{alt})$"
            alts.append(f"(?:{alt})")
    try:
        rx = re.compile("|".join(alts), re.IGNORECASE if flags["i"] else 0)
    except re.error as exc:
        return Output(stderr=f"grep: bad regex '{patterns[0]}': {exc}\n", rc=2)
    lines = _lines(stdin)
    selected = [(n, ln) for n, ln in enumerate(lines, 1) if (rx.search(ln) is not None) != flags["v"]]
    rc = 0 if selected else 1
    if flags["q"]:
        return Output(rc=rc)
    if flags["c"]:
        return Output(stdout=f"{len(selected)}\n", rc=rc)
    if flags["o"] and not flags["v"]:
        text = "".join(f"{m.group()}\n" for _, ln in selected for m in rx.finditer(ln) if m.group())
    else:
        text = "".join(f"{n}:{ln}\n" if flags["n"] else f"{ln}\n" for n, ln in selected)
    return Output(stdout=text, rc=rc)


def _bre_to_python(pattern: str) -> str:
    """POSIX basic regex → Python: ``\\( \\) \\| \\+ \\? \\{ \\}`` are operators, the bare ones literal."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            n = pattern[i + 1]
            out.append(n if n in "()|+?{}" else "\\" + n)
            i += 2
            continue
        out.append("\\" + c if c in "()|+?{}" else c)
        i += 1
    return "".join(out)


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _count_option(argv: list[str], name: str) -> tuple[int | None, bool, list[str], str | None]:
    """Parse ``-n N``, ``-nN``, ``-N`` and ``-n +N`` for head/tail → (count, from_start, files, error)."""
    count: int | None = 10
    plus = False
    files: list[str] = []
    args = argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        value: str | None = None
        if a in ("-n", "-c"):
            if i + 1 >= len(args):
                return None, False, [], f"{name}: option requires an argument -- n\n"
            value = args[i + 1]
            i += 1
        elif a.startswith("-n"):
            value = a[2:]
        elif re.fullmatch(r"-\d+", a):
            value = a[1:]
        elif a.startswith("-") and a != "-":
            return None, False, [], f"{name}: Unknown option '{a[1:2]}'\n"
        else:
            files.append(a)
        if value is not None:
            plus = value.startswith("+")
            try:
                count = abs(int(value))
            except ValueError:
                return None, False, [], f"{name}: not integer: {value}\n"
        i += 1
    return count, plus, files, None


def _head(argv: list[str], stdin: str) -> Output:
    n, _, _, err = _count_option(argv, "head")
    if err or n is None:
        return Output(stderr=err or "", rc=1)
    return Output(stdout="".join(f"{ln}\n" for ln in _lines(stdin)[:n]))


def _tail(argv: list[str], stdin: str) -> Output:
    n, from_start, _, err = _count_option(argv, "tail")
    if err or n is None:
        return Output(stderr=err or "", rc=1)
    lines = _lines(stdin)
    picked = lines[max(n - 1, 0):] if from_start else (lines[-n:] if n else [])
    return Output(stdout="".join(f"{ln}\n" for ln in picked))


def _wc(argv: list[str], stdin: str) -> Output:
    opts = "".join(a[1:] for a in argv[1:] if a.startswith("-"))
    counts = {"l": stdin.count("\n"), "w": len(stdin.split()), "c": len(stdin.encode())}
    wanted = [k for k in "lwc" if k in opts] or ["l", "w", "c"]
    return Output(stdout=" ".join(str(counts[k]) for k in wanted) + "\n")


def _echo(argv: list[str]) -> Output:
    args = argv[1:]
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        newline = newline and "n" not in args[0]
        escapes = "e" in args[0] or (escapes and "E" not in args[0])
        args = args[1:]
    text = " ".join(args)
    if escapes:
        if "\\c" in text:
            text, newline = text.split("\\c", 1)[0], False
        text = text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    return Output(stdout=text + ("\n" if newline else ""))


def parse_duration(text: str) -> float | None:
    """toybox durations: ``5``, ``2.5``, ``1m``, ``500ms``… → seconds, or None if unreadable."""
    m = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h|d)?", text)
    if m is None:
        return None
    scale = {None: 1, "s": 1, "ms": 0.001, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    return float(m.group(1)) * scale


_FILTERS = {"grep": _grep, "head": _head, "tail": _tail, "wc": _wc}


class _Exit(Exception):
    def __init__(self, rc: int) -> None:
        self.rc = rc


# ------------------------------------------------------------------------------------------ execution

class Shell:
    """One ``sh -c SCRIPT`` on the simulated phone.

    ``runner`` runs device commands; ``emit`` receives output as statements finish; ``flush`` is awaited
    before each device command so that everything printed so far is on the wire before it starts (a
    dropped connection mid-batch then leaves the earlier sections delivered, as on a real phone).
    """

    def __init__(self, runner: CommandRunner, emit: Emit, flush: Flush | None = None,
                 env: dict[str, str] | None = None, missing: frozenset[str] = frozenset()) -> None:
        self.runner = runner
        self.missing = missing  # built-in tools this phone's build lacks (an OEM without toybox timeout)
        self.emit = emit
        self.flush = flush
        self.env: dict[str, str] = {"?": "0", "$": "4242", "0": SHELL, "#": "0",
                                    "PATH": "/product/bin:/apex/com.android.runtime/bin:/system/bin",
                                    "HOME": "/", "SHELL": SHELL}
        if env:
            self.env.update(env)

    @property
    def status(self) -> int:
        return int(self.env["?"])

    async def run(self, script: str) -> int:
        """Run the script; returns its exit status (that of the last statement, or ``exit N``)."""
        try:
            program = parse(script)
        except ShellSyntaxError as exc:
            await self.emit(2, f"{SHELL}: {exc}\n".encode())
            return 1 if "syntax" in str(exc) else 2
        try:
            for node in program:
                await self._and_or(node)
        except _Exit as stop:
            self.env["?"] = str(stop.rc)
        return self.status

    async def _and_or(self, node: AndOr) -> None:
        rc = await self._pipeline(node.first)
        for op, pipe in node.rest:
            if (op == "&&") == (rc == 0):
                rc = await self._pipeline(pipe)

    async def _pipeline(self, pipe: Pipeline) -> int:
        data: str | None = None  # stdin of the next stage
        rc = 0
        last = len(pipe.commands) - 1
        for n, cmd in enumerate(pipe.commands):
            out, err, rc = await self._simple(cmd, data)
            if err:
                await self.emit(2, err.encode())
            if n == last:
                if out:
                    await self.emit(1, out.encode())
            else:
                data = out
        if pipe.negate:
            rc = 0 if rc else 1
        self.env["?"] = str(rc)
        return rc

    async def _simple(self, cmd: Simple, stdin: str | None) -> tuple[str, str, int]:
        """Run one simple command → (what reaches its stdout, what reaches its stderr, exit status)."""
        argv: list[str] = []
        assignments: dict[str, str] = {}
        for word in cmd.words:
            text = word.expand(self.env)
            if text is None:
                continue
            if not argv and (m := re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", text, re.S)) is not None:
                assignments[m.group(1)] = m.group(2)
                continue
            argv.append(text)
        if not argv:
            self.env.update(assignments)
            result = Output()
        else:
            result = await self._exec(argv, stdin or "")
        # Where fd 1 and fd 2 of this command end up: "out" (pipe or stream stdout), "err", or "null".
        where = {1: "out", 2: "err"}
        for r in cmd.redirects:
            target = r.target.expand(self.env) or ""
            if r.op in (">&", "<&"):
                if target == "-":
                    where[r.fd] = "null"
                elif target.isdigit() and int(target) in where:
                    where[r.fd] = where[int(target)]
                else:
                    return "", f"{SHELL}: {target}: bad file descriptor\n", 1
            elif r.op == "&>":
                sink = "null" if target == "/dev/null" else "file"
                where[1] = where[2] = sink
            elif r.op in (">", ">>"):
                where[r.fd] = "null" if target == "/dev/null" else "file"
            elif r.op == "<" and target != "/dev/null":
                return "", f"{SHELL}: can't open {target}: No such file or directory\n", 1
            if "file" in where.values():
                return "", f"{SHELL}: can't create {target}: Read-only file system\n", 1
        sinks = {"out": [], "err": [], "null": []}  # type: dict[str, list[str]]
        sinks[where.get(1, "out")].append(result.stdout)
        sinks[where.get(2, "err")].append(result.stderr)
        return "".join(sinks["out"]), "".join(sinks["err"]), result.rc

    async def _exec(self, argv: list[str], stdin: str) -> Output:
        name = argv[0]
        if name in self.missing:
            return Output(stderr=f"{SHELL}: {name}: inaccessible or not found\n", rc=127)
        if name == "echo":
            return _echo(argv)
        if name in ("true", ":"):
            return Output()
        if name == "false":
            return Output(rc=1)
        if name == "exit":
            raise _Exit(int(argv[1]) & 0xFF if len(argv) > 1 and argv[1].isdigit() else self.status)
        if name == "sleep":
            secs = parse_duration(argv[1]) if len(argv) > 1 else None
            if secs is None:
                return Output(stderr="sleep: Needs 1 argument\n", rc=1)
            await asyncio.sleep(secs)
            return Output()
        if name == "timeout":
            return await self._timeout(argv, stdin)
        if name in _FILTERS and not self._has_files(argv):
            return _FILTERS[name](argv, stdin)
        if name == "cat" and len(argv) == 1:
            return Output(stdout=stdin)
        if self.flush is not None:
            await self.flush()
        return await self.runner(argv)

    @staticmethod
    def _has_files(argv: list[str]) -> bool:
        """Whether a filter names files (then the phone's own command answers, e.g. ``grep x /proc/y``)."""
        if argv[0] != "grep":
            return any(not a.startswith(("-", "+")) and not a.isdigit() for a in argv[1:]
                       if a not in ("-n", "-c"))
        operands: list[str] = []
        has_e = skip = False
        for a in argv[1:]:
            if skip:
                skip = False
            elif a.startswith("-") and len(a) > 1 and not operands:
                if "e" in a:
                    has_e = True
                    skip = a.endswith("e")  # "-e PATTERN": the next word is the pattern
            else:
                operands.append(a)
        return len(operands) > (0 if has_e else 1)

    async def _timeout(self, argv: list[str], stdin: str) -> Output:
        """toybox ``timeout [-s SIG] [-k DUR] [--preserve-status] [-v] DURATION COMMAND...``."""
        args = argv[1:]
        while args and args[0].startswith("-"):
            args = args[2:] if args[0] in ("-s", "-k") else args[1:]
        if len(args) < 2:
            return Output(stderr="timeout: Needs 2 arguments\n", rc=125)
        secs = parse_duration(args[0])
        if secs is None:
            return Output(stderr=f"timeout: bad duration '{args[0]}'\n", rc=125)
        try:
            if secs == 0:  # 0 disables the limit
                return await self._exec(args[1:], stdin)
            return await asyncio.wait_for(self._exec(args[1:], stdin), secs)
        except TimeoutError:
            return Output(rc=TIMEOUT_EXIT)


async def run_script(script: str, runner: CommandRunner, emit: Emit, flush: Flush | None = None) -> int:
    """Run ``script`` as ``sh -c`` would; see :class:`Shell`."""
    return await Shell(runner, emit, flush).run(script)
