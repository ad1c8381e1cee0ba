"""Read files a user hands droidcheck (snapshots, results, rule packs, inventories) with bounds.

Every such file may have been crafted to exhaust memory or time: a 1 KB YAML "billion laughs" alias bomb, a
compressed file that expands a thousandfold, JSON nested a hundred thousand deep, a FIFO that never ends.
This module is the one place that reads them:

* ``open_regular`` opens only regular files; a FIFO, device, socket or folder is refused *before* any read
  can block (the file is opened non-blocking and checked with ``fstat``, so it cannot be swapped in between).
* ``read_limited`` reads at most a byte limit; ``load_json`` adds a nesting limit (``check_depth``) and turns
  every decoding failure into ``InputError``.
* ``yaml_refusal`` finds anchors, aliases and excessive nesting in YAML text (an alias bomb is harmless only
  until something walks the tree it describes).

Limits (each error names its override):

========================  ==========  ==============================================================
what                      default     why
========================  ==========  ==============================================================
JSON document             64 MiB      ``DROIDCHECK_MAX_JSON_MB``; a real snapshot is 0.1–5 MB (the bug
                                      report importer's section caps add up to ~60 MB)
bug report text           1 GiB       ``DROIDCHECK_MAX_BUGREPORT_MB``; a real main entry is 10–300 MB
expansion ratio           100 : 1     beyond 16 MiB of output; real bug report zips are 5–15 : 1
YAML file                 4 MiB       the whole built-in rule pack is 56 KB
nesting                   64 levels   droidcheck's own documents use fewer than 10
========================  ==========  ==============================================================
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any, BinaryIO

from droidcheck.errors import InputError

MB = 1 << 20
MAX_DEPTH = 64
MAX_YAML_BYTES = 4 * MB
MAX_RATIO = 100
#: Below this much output a high expansion ratio is harmless (a small report of repeated lines).
RATIO_FLOOR = 16 * MB
_DEFAULT_JSON_MB = 64
_DEFAULT_BUGREPORT_MB = 1024
JSON_ENV = "DROIDCHECK_MAX_JSON_MB"
BUGREPORT_ENV = "DROIDCHECK_MAX_BUGREPORT_MB"


def _limit(env: str, default_mb: int) -> int:
    raw = os.environ.get(env, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw) * MB
    return default_mb * MB


def json_limit() -> int:
    """The largest JSON document read, in bytes (``DROIDCHECK_MAX_JSON_MB`` overrides)."""
    return _limit(JSON_ENV, _DEFAULT_JSON_MB)


def bugreport_limit() -> int:
    """The largest bug report text read, in bytes (``DROIDCHECK_MAX_BUGREPORT_MB`` overrides)."""
    return _limit(BUGREPORT_ENV, _DEFAULT_BUGREPORT_MB)


def too_large(what: str, limit: int, env: str | None = None) -> InputError:
    hint = (f"droidcheck reads at most {limit // MB} MB here. If the file is genuine, raise the limit with "
            f"{env}=<megabytes>." if env else f"droidcheck reads at most {max(limit // MB, 1)} MB here.")
    return InputError(f"{what} is larger than {limit // MB if limit >= MB else limit} "
                      f"{'MB' if limit >= MB else 'bytes'}: refused", hint)


# -- opening ---------------------------------------------------------------------------------------

def open_regular(path: str | Path) -> BinaryIO:
    """``path`` opened for binary reading, if it is a regular file; else ``InputError``, without blocking."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise InputError(f"{path} is a folder, not a file")
        kind = "a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or \
            stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
        raise InputError(f"{path} is {kind}, not a regular file: refused",
                         "Give droidcheck a saved file (pipes and devices may never end).")
    return os.fdopen(fd, "rb")


def read_limited(path: str | Path, limit: int, env: str | None = None) -> bytes:
    """The bytes of regular file ``path``, refusing (``InputError``) one larger than ``limit``."""
    with open_regular(path) as fh:
        try:
            if os.fstat(fh.fileno()).st_size > limit:
                raise too_large(str(path), limit, env)
            data = fh.read(limit + 1)
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:  # the file grew while being read
        raise too_large(str(path), limit, env)
    return data


# -- JSON ------------------------------------------------------------------------------------------

def check_depth(data: Any, limit: int = MAX_DEPTH) -> int | None:
    """The nesting depth of ``data`` if it is above ``limit`` (iteratively: no recursion), else None."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return depth
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return None


def parse_json(raw: bytes | str, where: str) -> Any:
    """JSON from ``raw``; ``InputError`` for invalid text, invalid JSON or nesting over ``MAX_DEPTH``."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise InputError(f"{where} is not a UTF-8 text file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where} is not JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise InputError(f"{where} is nested too deeply (more than {MAX_DEPTH} levels): refused") from None
    if check_depth(data) is not None:
        raise InputError(f"{where} is nested too deeply (more than {MAX_DEPTH} levels): refused")
    return data


def load_json(path: str | Path) -> Any:
    """A JSON document from a regular file, bounded in size and nesting (``InputError`` otherwise)."""
    return parse_json(read_limited(path, json_limit(), JSON_ENV), str(path))


# -- YAML ------------------------------------------------------------------------------------------

#: Cheap pre-filter: an anchor or alias is ``&name`` / ``*name``. Text without one needs no event scan.
_MAYBE_ANCHOR = re.compile(r"[&*][^\s,\[\]{}]")


def read_yaml_text(path: str | Path) -> str:
    """The text of a YAML file users hand over, bounded by ``MAX_YAML_BYTES`` (``UnicodeDecodeError`` too)."""
    return read_limited(path, MAX_YAML_BYTES).decode("utf-8")


def yaml_refusal(text: str, *, depth_checked: bool = False) -> tuple[int, str] | None:
    """(line, message) for the first anchor, alias or nesting deeper than ``MAX_DEPTH`` in ``text``.

    Anchors and aliases are refused outright: rule files and inventories never need them, and an alias
    bomb (each level naming the one below nine times) turns 1 KB into billions of nodes once walked.
    A caller that bounds nesting itself while walking the tree passes ``depth_checked``: then text without
    anything like ``&name``/``*name`` is not scanned at all. Invalid YAML is left for the caller's parser.
    """
    import yaml

    if depth_checked and _MAYBE_ANCHOR.search(text) is None:
        return None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            line = event.start_mark.line + 1 if event.start_mark else 1  # the parser always sets the mark
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent):
                return line, f"aliases (*{anchor}) are not allowed here: write the value out"
            if anchor:
                return line, f"anchors (&{anchor}) are not allowed here: write the value out"
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return line, f"nested too deeply (more than {MAX_DEPTH} levels)"
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None
