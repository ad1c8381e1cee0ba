"""Text that came from a phone (or a file) made safe to show: on a terminal, through rich, in XML.

Any app can name a notification channel, the network names the operator, and a rooted or tampered phone
can report any model name. Such text must never drive the reader's terminal (ESC sequences: colours,
window titles, OSC 8 links, cursor moves, a bell), hide or reorder what is shown (bidi overrides,
zero-width characters), or be read by rich as markup (``[link=https://…]``, ``[/]`` that raises
``MarkupError``). Every report that shows phone-controlled text goes through this module:

* :func:`clean` removes control sequences and characters; each removed run shows as one ``�`` so a
  technician can see the text was tampered with.
* :func:`safe` gives a rich :class:`~rich.text.Text` (never parsed as markup) of the cleaned text.
* :func:`clean_tree` cleans every string in a JSON-like document (a result, a summary) before a
  terminal renderer walks it.
* :func:`xml_text` keeps only characters XML 1.0 allows (for JUnit), after :func:`clean`.

JSON output is not passed through here: ``json.dumps`` escapes control characters itself, and JSON keeps
the phone's text exactly as read.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"

# ESC-introduced sequences (ECMA-48), whole: CSI (ESC [ … final byte), OSC/DCS/SOS/PM/APC strings up to
# their terminator (BEL or ST; an unterminated one runs to the end of its line, so no line of the report is
# lost), and two-character escapes. The 8-bit C1 forms (U+009B CSI, U+009D OSC…) likewise.
_ESC_SEQ = (
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"  # CSI
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"  # other escapes (ESC ( B, ESC c, ESC 7…), or a lone ESC
)
# C0 and C1 controls and DEL; bidi embeddings, overrides and isolates (they reorder what follows on
# screen: "Trojan Source"); invisible characters that hide or split text; lone surrogates (cannot be
# printed or encoded); U+FFFE/U+FFFF (not characters). ZWNJ/ZWJ (U+200C/D) stay: scripts and emoji
# need them.
_BAD_CHARS = (
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f"
    r"\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u206a-\u206f\ufeff"
    r"\ud800-\udfff\ufff9-\ufffb\ufffe\uffff]"
)
_UNSAFE = re.compile(rf"(?:{_ESC_SEQ}|{_BAD_CHARS})+")
_UNSAFE_LINE = re.compile(rf"(?:{_ESC_SEQ}|{_BAD_CHARS}|[\t\n])+")
# Every sequence above starts with one of _BAD_CHARS (ESC and the C1 introducers are among them): a plain
# character class finds out quickly that a string (nearly always) needs nothing done.
_SUSPECT = re.compile(_BAD_CHARS)
_SUSPECT_LINE = re.compile(rf"{_BAD_CHARS}|[\t\n]")
# XML 1.0 Char production, negated.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: Any, *, multiline: bool = False) -> str:
    """``text`` (any value: ``str()`` is applied) without control sequences, control characters or
    invisible/bidi tricks. Each removed run becomes one ``�``. Newlines and tabs are kept only with
    ``multiline`` (a model or serial is one line: a newline in it could forge a report line); without it
    they become a space. A carriage return never survives (it would overwrite the line on screen)."""
    s = (text if isinstance(text, str) else str(text)).replace("\r\n", "\n")
    if multiline:
        return _UNSAFE.sub(REPLACEMENT, s) if _SUSPECT.search(s) else s
    if not _SUSPECT_LINE.search(s):
        return s
    return _UNSAFE_LINE.sub(lambda m: " " if m.group().strip("\t\n") == "" else REPLACEMENT, s)


def safe(text: Any, style: str = "", *, multiline: bool = False) -> Any:
    """A rich ``Text`` of the cleaned ``text``: shown literally (``[bold]`` stays ``[bold]``)."""
    from rich.text import Text

    return Text(clean("" if text is None else text, multiline=multiline), style=style)


def clean_tree(value: Any) -> Any:
    """A copy of a JSON-like document with every string (keys too) cleaned, newlines kept."""
    if isinstance(value, str):
        return clean(value, multiline=True)
    if isinstance(value, dict):
        return {clean_tree(k) if isinstance(k, str) else k: clean_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_tree(v) for v in value]
    return value


def xml_text(text: Any) -> str:
    """Text XML 1.0 can hold (JUnit consumers reject a document with ESC, BEL or NUL in it)."""
    s = clean(text, multiline=True)
    return _NOT_XML.sub(REPLACEMENT, s) if _NOT_XML.search(s) else s
