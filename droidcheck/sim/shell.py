"""A small POSIX-sh interpreter for the simulated phone: enough of mksh for what droidcheck (and adb) send.

What it runs: statements separated by newlines, ``;``, ``&&`` and ``||``; pipelines; ``if … then … elif … else
… fi``; background jobs (``cmd &``, ``$!``, ``wait [PID…]``: each job runs concurrently with the shell, in a
copy of its variables, as a subshell does); POSIX quoting (single quotes literal, double quotes expanding
``$?``/``$NAME``/``$(…)``, backslash escapes); command substitution ``$(…)`` (trailing newlines removed; no
field splitting, so use it in assignments or quotes); the redirections ``2>&1``, ``>&2``, ``N>/dev/null``, ``>
FILE``, ``>> FILE``, ``< FILE``; ``NAME=value`` assignments; ``trap 'ACTION' EXIT HUP INT TERM PIPE`` (the
EXIT action runs when the script ends or exits; when the session is killed (the connection dropped: SIGHUP to
the process group) the HUP action runs if one is set, and when it writes to a closed connection the PIPE
action — an untrapped signal kills the shell without running its EXIT action, as in mksh). The shell's own
output is flushed before it starts a job or waits for one. Built in, because their semantics are the shell's
rather than the phone's state: ``echo``, ``true``, ``false``, ``:``, ``exit``, ``sleep``, ``[``/``test`` (``-n
-z -e -f -d = != !``), toybox ``timeout`` (exit 124 when it had to stop the command), ``mktemp [-d]
TEMPLATE``, ``rm [-rf]``, ``cat``/``grep``/``head``/``tail``/``wc`` on stdin or on files of the shell's file
system, and the filters droidcheck pipes into (``grep`` with ``-E -F -e -v -i -c -q -w -x -n -o``, ``head``,
``tail``, ``wc -l``). Files live in a small in-memory file system (:class:`SimFs`, one per phone) where
``/data/local/tmp`` exists, so tests can check that a script leaves nothing behind. Every other simple command
is a *device command*: its argv goes to the runner the caller gives (in the simulator,
:func:`droidcheck.sim.commands.run_command` plus fault injection).

Why an interpreter and not ``sh``: the phone is simulated, so the commands are not programs on this host,
and faults (a hung ``dumpsys``, a dropped connection after the fifth command) must happen *between*
statements, with everything printed so far already on the wire. So output is handed to ``emit`` as each
statement finishes, and ``flush`` is awaited before each device command starts.

``{ LIST; }`` groups run in the shell (in a pipe: in a subshell, their output the next stage's input).

The whole script is parsed before anything runs, as ``sh -c`` does: a syntax error runs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
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
    """A shell word: literal pieces, variables and command substitutions, expanded only when the statement
    runs (``$?`` changes)."""

    parts: list[tuple[str, object]] = field(default_factory=list)  # ("lit", text) | ("var", name) | ("cmd", ast)
    quoted: bool = False  # any part quoted: an empty expansion still yields an (empty) argument

    def literal(self) -> str | None:
        """The word's text if it is one unquoted literal (a reserved word such as ``if`` is one)."""
        if not self.quoted and len(self.parts) == 1 and self.parts[0][0] == "lit":
            return str(self.parts[0][1])
        return None

    def expand(self, env: dict[str, str]) -> str | None:
        """Expansion without command substitutions (those need the shell: see ``Shell._expand``)."""
        text = "".join(str(t) if kind == "lit" else env.get(str(t), "") for kind, t in self.parts)
        if not text and not self.quoted and all(kind != "lit" for kind, _ in self.parts):
            return None  # unquoted empty expansion: no argument at all
        return text


@dataclass
class Redirect:
    fd: int
    op: str  # ">", ">>", ">&", "<", "<&", "&>"
    target: Word


@dataclass
class Simple:
    words: list[Word] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class If:
    """``if C; then L; [elif C; then L;]… [else L;] fi`` → (condition, body) pairs and the else part."""

    branches: list[tuple[list[AndOr], list[AndOr]]] = field(default_factory=list)
    otherwise: list[AndOr] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Group:
    """``{ LIST; }``: a list run as one command (its output goes where the group's goes)."""

    body: list[AndOr] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Function:
    """``NAME() { LIST; }``: defines NAME, run in the shell itself (no arguments) when called."""

    name: str
    body: list[AndOr] = field(default_factory=list)


@dataclass
class Pipeline:
    commands: list[Simple | If | Group | Function]
    negate: bool = False


@dataclass
class AndOr:
    first: Pipeline
    rest: list[tuple[str, Pipeline]] = field(default_factory=list)  # ("&&" | "||", pipeline)
    background: bool = False  # ended by "&": runs as a job beside the shell
    coprocess: bool = False  # ended by "|&": mksh's co-process


#: Characters that end an unquoted word or start quoting/expansion; a run of anything else is literal.
_PLAIN_RUN = re.compile(r"[^ \t\r\n;&|<>'\"\\$`]+")
_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\(\)")
_RESERVED = {"if", "then", "elif", "else", "fi", "{", "}"}
_OPERATORS = ("&&", "||", ";;", "|&", ";", "|", "&", "\n")
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
                if two in ("&&", "||", ";;", "|&"):
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
            else:  # a run of ordinary characters at once (a script is mostly these)
                end = _PLAIN_RUN.match(s, self.i).end()  # type: ignore[union-attr]
                lit.append(s[self.i: end])
                self.i = end
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
            if s[self.i + 2: self.i + 3] == "(":
                raise ShellSyntaxError("arithmetic expansion is not supported by the simulator")
            end = self._closing_paren(self.i + 2)
            push_lit()
            word.parts.append(("cmd", parse(s[self.i + 2: end])))
            self.i = end + 1
        elif (m := _NAME.match(s, self.i + 1)) is not None:
            push_lit()
            word.parts.append(("var", m.group()))
            self.i = m.end()
        else:
            lit.append("$")  # a lone $ is literal
            self.i += 1


    def _closing_paren(self, start: int) -> int:
        """Index of the ``)`` that ends a ``$(`` whose body starts at ``start`` (quotes and nested
        parentheses skipped)."""
        s = self.s
        depth, i = 1, start
        while i < len(s):
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c == "'":
                end = s.find("'", i + 1)
                if end < 0:
                    break
                i = end + 1
                continue
            if c == '"':
                i += 1
                while i < len(s) and s[i] != '"':
                    if s[i] == "\\":
                        i += 1
                    elif s.startswith("$(", i):
                        i = self._closing_paren(i + 2)
                    i += 1
                i += 1
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    return i
            i += 1
        raise ShellSyntaxError("syntax error: missing ')'")


def parse(script: str) -> list[AndOr]:
    """Parse a script into and-or lists. Raises :class:`ShellSyntaxError`.

    A script whose every line is a complete command on its own (droidcheck's are: each read's script
    differs from the last only in the lines that carry its nonce) is parsed line by line through a bounded
    cache, so a simulator serving hundreds of phones does not parse the same lines for each of them. A
    line that is not complete alone (``if`` spread over lines, a quote or ``&&`` running on) makes the
    whole script parse at once, as before; the trees are never changed once built, so sharing is safe."""
    if "\\\n" not in script:
        program: list[AndOr] = []
        for line in script.split("\n"):
            nodes = _parse_line(line) if line.strip() else []
            if nodes is None:
                break
            program += nodes
        else:
            return program
    return _parse_text(script)


def _parse_text(script: str) -> list[AndOr]:
    return _Parser(_Lexer(script).tokens()).program()


@functools.lru_cache(maxsize=4096)
def _parse_line(line: str) -> list[AndOr] | None:
    """One line's commands, or None when the line is not complete alone (or not valid)."""
    try:
        return _parse_text(line)
    except ShellSyntaxError:
        return None


class _Parser:
    """Recursive descent over the tokens: lists, and-or lists, pipelines, simple commands and ``if``."""

    def __init__(self, toks: list[Word | str | Redirect]) -> None:
        self.toks = toks
        self.pos = 0

    def _peek(self) -> Word | str | Redirect | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def _reserved(self) -> str | None:
        tok = self._peek()
        if isinstance(tok, Word):
            word = tok.literal()
            if word in _RESERVED:
                return word
        return None

    def _skip_newlines(self) -> None:
        while self._peek() == "\n":
            self.pos += 1

    def program(self) -> list[AndOr]:
        lists = self.compound_list(stop=set())
        if self.pos < len(self.toks):
            raise ShellSyntaxError(f"syntax error: {self._reserved() or self._peek()!r} unexpected")
        return lists

    def compound_list(self, stop: set[str]) -> list[AndOr]:
        """And-or lists up to one of the reserved words in ``stop`` (not consumed) or the end."""
        lists: list[AndOr] = []
        while True:
            while self._peek() in ("\n", ";"):
                self.pos += 1
            if self.pos >= len(self.toks) or self._reserved() in stop:
                return lists
            node = AndOr(self.pipeline())
            while self._peek() in ("&&", "||"):
                op = self._peek()
                assert isinstance(op, str)
                self.pos += 1
                self._skip_newlines()
                node.rest.append((op, self.pipeline()))
            lists.append(node)
            sep = self._peek()
            if sep is None:
                return lists
            if sep not in ("\n", ";", "&", "|&"):
                if self._reserved() in stop:
                    return lists
                raise ShellSyntaxError(f"syntax error: {str(sep).strip() or 'newline'!r} unexpected")
            node.background = sep == "&"
            node.coprocess = sep == "|&"
            self.pos += 1

    def pipeline(self) -> Pipeline:
        negate = False
        first = self._peek()
        if isinstance(first, Word) and first.literal() == "!":
            negate = True
            self.pos += 1
        cmds = [self.command()]
        while self._peek() == "|":
            self.pos += 1
            self._skip_newlines()
            cmds.append(self.command())
        return Pipeline(cmds, negate)

    def command(self) -> Simple | If | Group | Function:
        word = self._reserved()
        if word == "if":
            return self.if_clause()
        if word == "{":
            self.pos += 1
            group = Group(self.compound_list({"}"}))
            if not group.body:
                raise ShellSyntaxError("syntax error: empty '{ }'")
            self._expect("}")
            while isinstance(self._peek(), Redirect):
                tok = self._peek()
                assert isinstance(tok, Redirect)
                group.redirects.append(tok)
                self.pos += 1
            return group
        if word is not None:
            raise ShellSyntaxError(f"syntax error: {word!r} unexpected")
        tok = self._peek()
        name = tok.literal() if isinstance(tok, Word) else None
        if name is not None and _FUNCTION_NAME.fullmatch(name):
            self.pos += 1
            self._skip_newlines()
            if self._reserved() != "{":
                raise ShellSyntaxError(f"syntax error: '{{' expected after {name}")
            body = self.command()
            assert isinstance(body, Group)
            if body.redirects:
                raise ShellSyntaxError("syntax error: the simulator's functions take no redirections")
            return Function(name[:-2], body.body)
        return self.simple()

    def _expect(self, word: str) -> None:
        if self._reserved() != word:
            got = self._peek()
            raise ShellSyntaxError(f"syntax error: {word!r} expected, got "
                                   f"{'end of input' if got is None else repr(got)}")
        self.pos += 1

    def if_clause(self) -> If:
        node = If()
        self.pos += 1  # "if"
        while True:
            cond = self.compound_list({"then"})
            self._expect("then")
            body = self.compound_list({"elif", "else", "fi"})
            if not cond or not body:
                raise ShellSyntaxError("syntax error: empty 'if' condition or body")
            node.branches.append((cond, body))
            word = self._reserved()
            self.pos += 1
            if word == "elif":
                continue
            if word == "else":
                node.otherwise = self.compound_list({"fi"})
                self._expect("fi")
            elif word != "fi":
                raise ShellSyntaxError("syntax error: 'fi' expected")
            break
        while isinstance(self._peek(), Redirect):
            tok = self._peek()
            assert isinstance(tok, Redirect)
            node.redirects.append(tok)
            self.pos += 1
        return node

    def simple(self) -> Simple:
        cmd = Simple()
        while isinstance(self._peek(), Word | Redirect):
            tok = self._peek()
            if isinstance(tok, Word):
                cmd.words.append(tok)
            else:
                assert isinstance(tok, Redirect)
                cmd.redirects.append(tok)
            self.pos += 1
        if not cmd.words and not cmd.redirects:
            got = self._peek()
            text = str(got if got is not None else "end of input").strip() or "newline"
            raise ShellSyntaxError(f"syntax error: {text!r} unexpected")
        return cmd


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


class SimFs:
    """The phone's writable files as far as a shell script can see them: ``/data/local/tmp`` (the shell
    user's scratch directory) and whatever scripts create under it. Paths are absolute and normalised."""

    ROOTS = frozenset({"/data/local/tmp", "/tmp"})

    def __init__(self) -> None:
        self.dirs: set[str] = set(self.ROOTS)
        self.files: dict[str, bytearray] = {}
        self._counter = 0

    @staticmethod
    def norm(path: str) -> str:
        parts: list[str] = []
        for piece in path.split("/"):
            if piece in ("", "."):
                continue
            if piece == "..":
                if parts:
                    parts.pop()
            else:
                parts.append(piece)
        return "/" + "/".join(parts)

    def parent_ok(self, path: str) -> bool:
        return (self.norm(path).rsplit("/", 1)[0] or "/") in self.dirs

    def owns(self, path: str) -> bool:
        """Whether ``path`` is in this file system (else it is the phone's: ``/proc/uptime``)."""
        p = self.norm(path)
        return any(p == r or p.startswith(r + "/") for r in self.ROOTS)

    def mkdtemp(self, template: str) -> str | None:
        stem = template.rstrip("X")
        count = len(template) - len(stem)
        if count < 3:
            return None
        while True:
            self._counter += 1
            suffix = f"{self._counter:0{count}x}"[-count:]
            path = self.norm(stem + suffix)
            if path not in self.dirs and path not in self.files:
                break
        if not self.parent_ok(path):
            return None
        self.dirs.add(path)
        return path

    def open_write(self, path: str, append: bool) -> str | None:
        """Create or truncate (``>``) or open for append (``>>``); an error text if it cannot."""
        p = self.norm(path)
        if p in self.dirs:
            return f"can't create {path}: Is a directory"
        if not self.parent_ok(p):
            return f"can't create {path}: No such file or directory"
        if not append or p not in self.files:
            self.files[p] = bytearray()
        return None

    def write(self, path: str, data: bytes) -> None:
        p = self.norm(path)
        if p in self.files:  # a file removed meanwhile (rm -rf of its directory) takes nothing more
            self.files[p] += data

    def read(self, path: str) -> bytes | None:
        data = self.files.get(self.norm(path))
        return bytes(data) if data is not None else None

    def remove(self, path: str) -> None:
        p = self.norm(path)
        if p in self.ROOTS:
            return
        self.files = {k: v for k, v in self.files.items() if k != p and not k.startswith(p + "/")}
        self.dirs = {d for d in self.dirs if d != p and not d.startswith(p + "/")}

    def leftovers(self) -> list[str]:
        """Everything scripts created and did not remove."""
        return sorted((self.dirs - self.ROOTS) | set(self.files))


_NUMERIC_TESTS: dict[str, Callable[[int, int], bool]] = {
    "-eq": lambda a, b: a == b, "-ne": lambda a, b: a != b, "-lt": lambda a, b: a < b,
    "-le": lambda a, b: a <= b, "-gt": lambda a, b: a > b, "-ge": lambda a, b: a >= b}
_SIGNALS = ("EXIT", "HUP", "INT", "QUIT", "PIPE", "TERM")
#: What ``$KSH_VERSION`` says in Android's mksh (scripts test it before using ksh features).
KSH_VERSION = "@(#)MIRBSD KSH R59 2020/10/31 Android"


class _CoPipe:
    """mksh's ``cat |&``: what the shell and its jobs write into the co-process (``exec 4>&p``, then
    ``>&4``) comes out where the shell reads it (``exec 3<&p``, then ``read … <&3``), line by line, in the
    order written (writes of one line are atomic on a pipe)."""

    def __init__(self) -> None:
        self.buffer = ""
        self.ready = asyncio.Event()

    def write(self, text: str) -> None:
        self.buffer += text
        self.ready.set()

    async def readline(self) -> str:
        while "\n" not in self.buffer:
            self.ready.clear()
            await self.ready.wait()
        line, self.buffer = self.buffer.split("\n", 1)
        return line


# ------------------------------------------------------------------------------------------ execution

class Shell:
    """One ``sh -c SCRIPT`` on the simulated phone.

    ``runner`` runs device commands; ``emit`` receives output as statements finish; ``flush`` is awaited
    before each device command so that everything printed so far is on the wire before it starts (a
    dropped connection mid-batch then leaves the earlier sections delivered, as on a real phone).
    ``fs`` is the phone's file system (a fresh one if not given).
    """

    def __init__(self, runner: CommandRunner, emit: Emit, flush: Flush | None = None,
                 env: dict[str, str] | None = None, missing: frozenset[str] = frozenset(),
                 fs: SimFs | None = None) -> None:
        self.runner = runner
        self.missing = missing  # built-in tools this phone's build lacks (an OEM without toybox timeout)
        self.emit = emit
        self.flush = flush
        self.fs = fs if fs is not None else SimFs()
        self.env: dict[str, str] = {"?": "0", "$": "4242", "0": SHELL, "#": "0",
                                    "PATH": "/product/bin:/apex/com.android.runtime/bin:/system/bin",
                                    "HOME": "/", "SHELL": SHELL}
        if env:
            self.env.update(env)
        self.env.setdefault("KSH_VERSION", KSH_VERSION)
        self.traps: dict[str, list[AndOr]] = {}
        self.jobs: dict[int, asyncio.Task[int]] = {}
        self.coproc: _CoPipe | None = None  # the co-process started by ``cat |&``
        self.fds: dict[int, tuple[str, _CoPipe]] = {}  # fds 3+ the shell holds: ("r" | "w", pipe)
        self.functions: dict[str, list[AndOr]] = {}
        self._last_subst_rc: int | None = None  # status of the last $(...) in the command being expanded
        self._next_pid = 5000

    @property
    def status(self) -> int:
        return int(self.env["?"])

    def _subshell(self) -> Shell:
        """A copy for a background job: same phone, own variables (a forked subshell)."""
        sub = Shell(self.runner, self.emit, self.flush, dict(self.env), self.missing, self.fs)
        sub._next_pid = self._next_pid * 10
        sub.coproc, sub.fds, sub.functions = self.coproc, dict(self.fds), dict(self.functions)
        return sub

    async def run(self, script: str) -> int:
        """Run the script; returns its exit status (that of the last statement, or ``exit N``)."""
        try:
            program = parse(script)
        except ShellSyntaxError as exc:
            await self.emit(2, f"{SHELL}: {exc}\n".encode())
            return 1 if "syntax" in str(exc) else 2
        try:
            try:
                await self._list(program)
            except _Exit as stop:
                self.env["?"] = str(stop.rc)
            await self._trap("EXIT")
        except (asyncio.CancelledError, ConnectionError) as exc:
            # The session was killed (the connection dropped: SIGHUP to the whole process group), or the
            # shell wrote to a closed connection (SIGPIPE).
            sig = "PIPE" if isinstance(exc, ConnectionError) else "HUP"
            self._kill_jobs()
            if sig in self.traps:
                with contextlib.suppress(_Exit, ConnectionError):
                    await self._trap(sig)
                with contextlib.suppress(ConnectionError):
                    await self._trap("EXIT")
            raise
        return self.status

    def _kill_jobs(self) -> None:
        for task in self.jobs.values():
            task.cancel()

    async def _trap(self, name: str) -> None:
        action = self.traps.pop(name, None)
        if name == "EXIT":
            self.traps.clear()
        if action:
            status = self.env["?"]
            try:
                await self._list(action)
            except _Exit as stop:
                self.env["?"] = str(stop.rc)
                if name != "EXIT":
                    raise
            else:
                self.env["?"] = status  # the shell exits with its own status, not the trap action's

    async def _list(self, program: list[AndOr]) -> int:
        for node in program:
            if node.coprocess:
                await self._coprocess(node)
            elif node.background:
                await self._background(node)
            else:
                await self._and_or(node)
        return self.status

    async def _background(self, node: AndOr) -> None:
        if self.flush is not None:
            # What the shell printed before is on the wire before the job exists (echo wrote it already).
            await self.flush()
        sub = self._subshell()
        self._next_pid += 1
        pid = self._next_pid
        fg = AndOr(node.first, node.rest)

        async def job() -> int:
            try:
                await sub._and_or(fg)
            except _Exit as stop:
                return stop.rc
            except asyncio.CancelledError:
                sub._kill_jobs()
                raise
            return sub.status

        self.jobs[pid] = asyncio.create_task(job())
        self.env["!"] = str(pid)
        self.env["?"] = "0"

    async def _coprocess(self, node: AndOr) -> None:
        cmd = node.first.commands[0] if not node.rest and len(node.first.commands) == 1 else None
        words = [w.literal() for w in cmd.words] if isinstance(cmd, Simple) and not cmd.redirects else []
        if words != ["cat"]:
            await self._unsupported("a co-process other than 'cat |&'")
            return
        self.coproc = _CoPipe()
        self.env["?"] = "0"

    async def _wait(self, argv: list[str]) -> Output:
        if self.flush is not None:
            await self.flush()  # the shell's own output so far is written before it blocks
        if len(argv) == 1:
            for task in list(self.jobs.values()):
                await asyncio.wait({task})
            self.jobs.clear()
            return Output()
        rc = 0
        for arg in argv[1:]:
            job = self.jobs.pop(int(arg), None) if arg.isdigit() else None
            if job is None:
                return Output(stderr=f"{SHELL}: wait: {arg}: unknown job\n", rc=127)
            await asyncio.wait({job})
            rc = 143 if job.cancelled() else job.result()
        return Output(rc=rc)

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
            if isinstance(cmd, If):
                out, err, rc = await self._if(cmd, capture=n < last or bool(cmd.redirects))
            elif isinstance(cmd, Function):
                if len(pipe.commands) > 1:
                    return await self._unsupported("a function definition in a pipeline")
                self.functions[cmd.name] = cmd.body
                out, err, rc = "", "", 0
            elif isinstance(cmd, Group):
                if cmd.redirects:
                    return await self._unsupported("'{ }' with redirections")
                if n < last:
                    out, rc = await self._captured(cmd.body)
                    err = ""
                else:
                    out, err, rc = "", "", await self._list(cmd.body)
            else:
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

    async def _unsupported(self, what: str) -> int:
        await self.emit(2, f"{SHELL}: the simulator does not run {what}\n".encode())
        self.env["?"] = "2"
        return 2

    async def _captured(self, program: list[AndOr]) -> tuple[str, int]:
        """Run a list as a pipeline stage (a subshell) → (its stdout, its status)."""
        out: list[bytes] = []

        async def capture(fd: int, data: bytes) -> None:
            if fd == 1:
                out.append(data)
            else:
                await self.emit(fd, data)

        sub = self._subshell()
        sub.emit = capture
        try:
            rc = await sub._list(program)
        except _Exit as stop:
            rc = stop.rc
        return b"".join(out).decode("utf-8", "replace"), rc

    async def _if(self, node: If, capture: bool) -> tuple[str, str, int]:
        if capture:  # not used by droidcheck's scripts
            return "", f"{SHELL}: the simulator runs 'if' only as a statement of its own\n", 2
        for cond, body in node.branches:
            if await self._list(cond) == 0:
                return "", "", await self._list(body)
        if node.otherwise:
            return "", "", await self._list(node.otherwise)
        return "", "", 0

    async def _expand(self, word: Word) -> str | None:
        if all(kind != "cmd" for kind, _ in word.parts):
            return word.expand(self.env)
        pieces: list[str] = []
        for kind, value in word.parts:
            if kind == "lit":
                pieces.append(str(value))
            elif kind == "var":
                pieces.append(self.env.get(str(value), ""))
            else:
                pieces.append(await self._substitute(value))  # type: ignore[arg-type]
        text = "".join(pieces)
        if not text and not word.quoted and all(kind != "lit" for kind, _ in word.parts):
            return None
        return text

    async def _substitute(self, program: list[AndOr]) -> str:
        """``$(…)``: run in a subshell, its stdout is the value (trailing newlines removed); the
        substitution's status becomes ``$?`` (an assignment ``d=$(false)`` has status 1)."""
        text, rc = await self._captured(program)
        self.env["?"] = str(rc)
        self._last_subst_rc = rc
        return text.rstrip("\n")

    async def _simple(self, cmd: Simple, stdin: str | None) -> tuple[str, str, int]:
        """Run one simple command → (what reaches its stdout, what reaches its stderr, exit status)."""
        argv: list[str] = []
        assignments: dict[str, str] = {}
        self._last_subst_rc = None
        for word in cmd.words:
            text = await self._expand(word)
            if text is None:
                continue
            if not argv and (m := re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", text, re.S)) is not None:
                assignments[m.group(1)] = m.group(2)
                continue
            argv.append(text)
        # Where fd 1 and fd 2 of this command end up: "out" (pipe or stream stdout), "err", "null" or a
        # file ("file:PATH"); files are created (or truncated) before the command starts, as the shell does.
        where = {1: "out", 2: "err"}
        pipe_in: _CoPipe | None = None
        if argv == ["exec"]:
            return "", *self._exec_fds([(r, await self._expand(r.target) or "") for r in cmd.redirects])
        for r in cmd.redirects:
            target = await self._expand(r.target) or ""
            if r.op in (">&", "<&") and target.isdigit() and int(target) in self.fds:
                mode, pipe = self.fds[int(target)]
                if mode != ("w" if r.op == ">&" else "r"):
                    return "", f"{SHELL}: {target}: bad file descriptor\n", 1
                if r.op == ">&":
                    where[r.fd] = f"pipe:{target}"
                else:
                    pipe_in = pipe
            elif r.op in (">&", "<&"):
                if target == "-":
                    where[r.fd] = "null"
                elif target.isdigit() and int(target) in where:
                    where[r.fd] = where[int(target)]
                else:
                    return "", f"{SHELL}: {target}: bad file descriptor\n", 1
            elif r.op in ("&>", ">", ">>"):
                if target == "/dev/null":
                    sink = "null"
                else:
                    problem = self.fs.open_write(target, append=r.op == ">>")
                    if problem is not None:
                        return "", f"{SHELL}: {problem}\n", 1
                    sink = f"file:{self.fs.norm(target)}"
                if r.op == "&>":
                    where[1] = where[2] = sink
                else:
                    where[r.fd] = sink
            elif r.op == "<" and target != "/dev/null":
                data = self.fs.read(target)
                if data is None:
                    return "", f"{SHELL}: can't open {target}: No such file or directory\n", 1
                stdin = data.decode("utf-8", "replace")
        if not argv:
            self.env.update(assignments)
            rc = self._last_subst_rc if self._last_subst_rc is not None else 0
            result = Output(rc=rc)
        elif argv[0] == "read":
            result = await self._read(argv, pipe_in, stdin)
        elif argv[0] in self.functions:
            if len(argv) > 1 or cmd.redirects or stdin is not None:
                return "", f"{SHELL}: the simulator calls functions alone, without arguments or pipes\n", 2
            return "", "", await self._list(self.functions[argv[0]])
        else:
            result = await self._exec(argv, stdin or "")
        sinks = {"out": [], "err": [], "null": []}  # type: dict[str, list[str]]
        for fd, text in ((1, result.stdout), (2, result.stderr)):
            dest = where.get(fd, "out" if fd == 1 else "err")
            if dest.startswith("file:"):
                self.fs.write(dest[5:], text.encode())
            elif dest.startswith("pipe:"):
                self.fds[int(dest[5:])][1].write(text)
            else:
                sinks[dest].append(text)
        return "".join(sinks["out"]), "".join(sinks["err"]), result.rc

    def _exec_fds(self, redirects: list[tuple[Redirect, str]]) -> tuple[str, int]:
        """``exec`` with redirections only: ``N>&p``/``N<&p`` take the co-process's input/output as fd N,
        ``N>&-``/``N<&-`` close fd N."""
        for r, target in redirects:
            if r.fd < 3 or r.op not in (">&", "<&"):
                return f"{SHELL}: the simulator's exec only moves fds 3 and up\n", 2
            if target == "-":
                self.fds.pop(r.fd, None)
            elif target == "p" and self.coproc is not None:
                self.fds[r.fd] = ("w" if r.op == ">&" else "r", self.coproc)
            else:
                return f"{SHELL}: exec: {target}: bad file descriptor\n", 1
        self.env["?"] = "0"
        return "", 0

    async def _read(self, argv: list[str], pipe: _CoPipe | None, stdin: str | None) -> Output:
        """``read [-r] NAME…``: one line (from a co-process fd, or the command's stdin) split on blanks, the
        last name taking the rest."""
        names = [a for a in argv[1:] if a != "-r"]
        if not names or any(_NAME.fullmatch(n) is None for n in names):
            return Output(stderr="read: the simulator reads into plain names: read [-r] NAME...\n", rc=2)
        if pipe is not None:
            if self.flush is not None and "\n" not in pipe.buffer:
                await self.flush()  # what the shell printed is on the wire before it blocks, as echo wrote it
            line: str | None = await pipe.readline()
        else:
            line = stdin.split("\n", 1)[0] if stdin else None
        if line is None:
            return Output(rc=1)
        fields = line.split(None, len(names) - 1)
        for n, name in enumerate(names):
            self.env[name] = fields[n] if n < len(fields) else ""
        return Output()

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
        if name == "wait":
            return await self._wait(argv)
        if name == "trap":
            return self._set_trap(argv)
        if name in ("[", "test"):
            return self._test(argv)
        if name == "mktemp":
            return self._mktemp(argv)
        if name == "rm":
            return self._rm(argv)
        files = [a for a in argv[1:] if a.startswith("/") and self.fs.owns(a)]
        if files and name in (*_FILTERS, "cat"):
            return self._on_files(argv, files)
        if name in _FILTERS and not self._has_files(argv):
            return _FILTERS[name](argv, stdin)
        if name == "cat" and len(argv) == 1:
            return Output(stdout=stdin)
        if self.flush is not None:
            await self.flush()
        return await self.runner(argv)

    def _on_files(self, argv: list[str], files: list[str]) -> Output:
        """``cat``/``grep``/``head``/``tail``/``wc`` reading files of the shell's file system (one file,
        or several for ``cat`` and ``grep -q``)."""
        texts = []
        for path in files:
            data = self.fs.read(path)
            if data is None:
                what = "Is a directory" if self.fs.norm(path) in self.fs.dirs else "No such file or directory"
                return Output(stderr=f"{argv[0]}: {path}: {what}\n", rc=1 if argv[0] != "grep" else 2)
            texts.append(data.decode("utf-8", "replace"))
        rest = [a for a in argv if a not in files]
        if argv[0] == "cat":
            return Output(stdout="".join(texts))
        if len(files) > 1 and not (argv[0] == "grep" and any(a.startswith("-") and "q" in a for a in rest)):
            return Output(stderr=f"{SHELL}: the simulator reads one file with {argv[0]}\n", rc=2)
        return _FILTERS[argv[0]](rest, "".join(texts))

    def _set_trap(self, argv: list[str]) -> Output:
        if len(argv) < 3:
            return Output(stderr="trap: the simulator needs 'trap ACTION SIGNAL…'\n", rc=1)
        action = argv[1]
        for sig in argv[2:]:
            name = sig.upper().removeprefix("SIG")
            name = {"0": "EXIT", "1": "HUP", "2": "INT", "3": "QUIT", "13": "PIPE", "15": "TERM"}.get(name, name)
            if name not in _SIGNALS:
                return Output(stderr=f"trap: bad signal {sig}\n", rc=1)
            if action == "-":
                self.traps.pop(name, None)
                continue
            try:
                self.traps[name] = parse(action)
            except ShellSyntaxError as exc:
                return Output(stderr=f"trap: {exc}\n", rc=1)
        return Output()

    def _test(self, argv: list[str]) -> Output:
        args = argv[1:]
        if argv[0] == "[":
            if not args or args[-1] != "]":
                return Output(stderr="[: missing ]\n", rc=2)
            args = args[:-1]
        negate = bool(args) and args[0] == "!" and len(args) > 1
        if negate:
            args = args[1:]
        fs = self.fs
        if len(args) == 0:
            ok = False
        elif len(args) == 1:
            ok = args[0] != ""
        elif len(args) == 2 and args[0] in ("-n", "-z", "-e", "-f", "-d"):
            op, val = args
            p = fs.norm(val)
            ok = {"-n": val != "", "-z": val == "", "-e": p in fs.files or p in fs.dirs,
                  "-f": p in fs.files, "-d": p in fs.dirs}[op]
        elif len(args) == 3 and args[1] in ("=", "!="):
            ok = (args[0] == args[2]) == (args[1] == "=")
        elif len(args) == 3 and args[1] in _NUMERIC_TESTS:
            if not all(re.fullmatch(r"-?[0-9]+", a) for a in (args[0], args[2])):
                return Output(stderr=f"{argv[0]}: {args[0]}: bad number\n", rc=2)
            ok = _NUMERIC_TESTS[args[1]](int(args[0]), int(args[2]))
        else:
            return Output(stderr=f"test: the simulator does not know {' '.join(args)!r}\n", rc=2)
        return Output(rc=0 if ok != negate else 1)

    def _mktemp(self, argv: list[str]) -> Output:
        args = argv[1:]
        if args[:1] != ["-d"] or len(args) != 2 or not args[1].startswith("/"):
            return Output(stderr="mktemp: the simulator makes directories: mktemp -d /PATH/NAME.XXXXXX\n", rc=1)
        path = self.fs.mkdtemp(args[1])
        if path is None:
            return Output(stderr=f"mktemp: Failed to create directory {args[1]}: No such file or directory\n",
                          rc=1)
        return Output(stdout=path + "\n")

    def _rm(self, argv: list[str]) -> Output:
        args = argv[1:]
        opts = "".join(a[1:] for a in args if a.startswith("-") and len(a) > 1)
        paths = [a for a in args if not (a.startswith("-") and len(a) > 1)]
        err = []
        for path in paths:
            p = self.fs.norm(path)
            if p in self.fs.dirs and "r" not in opts:
                err.append(f"rm: {path}: is a directory\n")
            elif p in self.fs.dirs or p in self.fs.files:
                self.fs.remove(p)
            elif "f" not in opts:
                err.append(f"rm: {path}: No such file or directory\n")
        return Output(stderr="".join(err), rc=1 if err else 0)

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


async def run_script(script: str, runner: CommandRunner, emit: Emit, flush: Flush | None = None,
                     fs: SimFs | None = None) -> int:
    """Run ``script`` as ``sh -c`` would; see :class:`Shell`."""
    return await Shell(runner, emit, flush, fs=fs).run(script)
