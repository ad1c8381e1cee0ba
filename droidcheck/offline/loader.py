"""``load_input``: a Snapshot from a file, whatever it holds, detected by content (never by its name).

Accepted:

* a droidcheck snapshot (JSON, ``"format": "droidcheck.snapshot"``, ``droidcheck snapshot -o FILE``);
* an ``adb bugreport`` zip: the main entry is the one ``main_entry.txt`` names (written by dumpstate since
  Android 7, ``Dumpstate::FinishZipFile`` in frameworks/native/cmds/dumpstate/dumpstate.cpp), else the largest
  ``bugreport*.txt``; it is streamed, never unpacked;
* a bare dumpstate text (``adb bugreport > file.txt`` on old adb, or the unzipped main entry): starts with the
  ``=====…`` banner and ``== dumpstate: YYYY-MM-DD HH:MM:SS``;
* either of the last two gzip-compressed (``bugreport.txt.gz``, ``snapshot.json.gz``: how support desks and
  ticket systems often pass them on), streamed through ``gzip``.

Anything else — and empty, truncated, corrupted or password-protected zips — gives ``InputError`` with a
hint, never a traceback.

A file handed over may be crafted (``droidcheck.untrusted``): only regular files are opened (a FIFO would
block forever); bug report text stops at ``DROIDCHECK_MAX_BUGREPORT_MB`` (1 GiB) decompressed, and a
compressed input that expands more than 100-fold beyond 16 MiB is refused early; a zip member's declared size
is checked before it is read. Lines are split in linear time and cut at ``MAX_LINE`` (64 KiB), so one huge
line costs neither memory nor quadratic time; the section it fell in is reported as read only in part.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Protocol

from droidcheck.errors import InputError
from droidcheck.offline.dumpstate import Overlong
from droidcheck.snapshot import Snapshot, SnapshotError
from droidcheck.untrusted import (
    BUGREPORT_ENV,
    JSON_ENV,
    MAX_RATIO,
    RATIO_FLOOR,
    bugreport_limit,
    json_limit,
    open_regular,
    parse_json,
    too_large,
)

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF = 64 * 1024
_HINT_BUGREPORT = ("Take a fresh bug report with 'adb bugreport FILE.zip' (or Settings → Developer options → "
                   "Take bug report) and copy it again.")
_HINT_KINDS = ("droidcheck reads its own snapshots (droidcheck snapshot -o FILE), 'adb bugreport' zips and "
               "bug report text that starts with '== dumpstate:' (each also gzip-compressed).")
#: Errors reading a zip member: bad CRC (BadZipFile), cut deflate stream (zlib.error/EOFError), I/O.
_ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
                    ValueError)
#: The longest line kept (bytes); a real bug report's longest lines are a few KB.
MAX_LINE = 64 * 1024
_CHUNK = 1 << 20


def load_input(path: str | Path) -> Snapshot:
    """A Snapshot from ``path``: a droidcheck snapshot JSON, a bug report zip or bug report text."""
    path = Path(path)
    try:
        fh = open_regular(path)  # a FIFO or device is refused here, before anything can block
    except InputError as exc:
        if path.is_dir():
            raise InputError(exc.message, "Give a snapshot or bug report file (use 'droidcheck recheck' for "
                                          "a folder).") from None
        raise
    with fh:
        try:
            head = fh.read(_SNIFF)
            size = os.fstat(fh.fileno()).st_size
            fh.seek(0)
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
        if not head:
            raise InputError(f"{path} is empty", _HINT_BUGREPORT)
        if head.startswith(_ZIP_MAGIC):
            return _from_zip(fh, path)
        if head.startswith(_GZIP_MAGIC):
            return _from_gzip(fh, path, size)
        kind = sniff_text(head)
        if kind == "json":
            return _from_json(path)
        if kind == "dumpstate":
            if size > bugreport_limit():
                raise too_large(str(path), bugreport_limit(), BUGREPORT_ENV)
            return _from_stream(fh, str(path), path.name)
    raise InputError(f"{path} is not a snapshot or a bug report", _HINT_KINDS)


def sniff_text(head: bytes) -> str | None:
    """``json`` / ``dumpstate`` / None for the first bytes of a file."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "json"
    if text.startswith((b"=====", b"== dumpstate:")):
        return "dumpstate"
    return None


def _from_json(path: Path) -> Snapshot:
    try:
        return Snapshot.load(path)
    except SnapshotError as exc:
        raise InputError(str(exc), _json_hint(path)) from None


def _json_hint(path: Path) -> str:
    try:
        with open_regular(path) as fh:
            data = parse_json(fh.read(_SNIFF * 16), str(path))
    except (OSError, InputError):
        return _HINT_KINDS
    if isinstance(data, dict) and data.get("format") == "droidcheck.result":
        return ("This is a check result, not a snapshot: re-checking needs the snapshot "
                "('droidcheck snapshot -o FILE', or snapshot.json in a fleet run folder).")
    return _HINT_KINDS


def _text_lines(block: bytes) -> list[str]:
    """The lines of ``block`` (which ends with a line end), decoded; a bare CR also ends a line."""
    text = block.decode("utf-8", errors="replace")  # a line end never splits a UTF-8 sequence
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    lines.pop()  # the empty string after the last line end
    return lines


class _Reader(Protocol):
    """What the readers below need of a stream: a file, a zip member or a ``gzip.GzipFile``."""

    def read(self, size: int = -1, /) -> bytes: ...


def _lines(stream: _Reader, where: str, packed_size: int | None = None) -> Iterator[str]:
    """The text lines of ``stream`` (without line ends), in linear time and bounded memory.

    A line longer than ``MAX_LINE`` is cut and given as an ``Overlong``; the rest of it is skipped.
    More than ``bugreport_limit()`` bytes, or (for compressed input of ``packed_size`` bytes) an expansion
    beyond ``MAX_RATIO`` once past ``RATIO_FLOOR``, ends the read with ``InputError``.
    """
    limit = bugreport_limit()
    total = 0
    pending = b""  # the start of a line whose end has not been read yet
    cut: bytes | None = None  # the kept start of an overlong line whose end has not been read yet
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise too_large(where, limit, BUGREPORT_ENV)
        if packed_size is not None and total > RATIO_FLOOR and total > MAX_RATIO * max(packed_size, 1):
            raise _bomb(where, packed_size)
        start = 0
        if cut is not None:
            end = chunk.find(b"\n")
            if end < 0:
                continue
            yield Overlong(cut.decode("utf-8", errors="replace"))
            cut, start = None, end + 1
        data = pending + chunk[start:] if pending else chunk[start:] if start else chunk
        last = data.rfind(b"\n")
        if last < 0:
            pending = data
        else:
            pending = data[last + 1:]
            lines = _text_lines(data[:last + 1])
            if max(map(len, lines), default=0) > MAX_LINE:
                yield from (Overlong(ln[:MAX_LINE]) if len(ln) > MAX_LINE else ln for ln in lines)
            else:
                yield from lines
        if len(pending) > MAX_LINE:
            cut, pending = pending[:MAX_LINE], b""
    if cut is not None:
        yield Overlong(cut.decode("utf-8", errors="replace"))
    elif pending:  # at most MAX_LINE: longer pending lines became ``cut`` above
        yield from _text_lines(pending + b"\n")


def _bomb(where: str, packed_size: int) -> InputError:
    return InputError(f"{where} expands more than {MAX_RATIO} times its compressed size "
                      f"({packed_size} bytes): refused as a likely decompression bomb",
                      "A real bug report compresses 5 to 15 times; unpack it yourself and give droidcheck "
                      "the text if it is genuine.")


def _read_packed(stream: _Reader, where: str, packed_size: int) -> bytes:
    """All of a decompressing ``stream``, up to ``json_limit()`` and ``MAX_RATIO``, read 1 MiB at a time."""
    limit = json_limit()
    parts: list[bytes] = []
    total = 0
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise too_large(where, limit, JSON_ENV)
        if total > RATIO_FLOOR and total > MAX_RATIO * max(packed_size, 1):
            raise _bomb(where, packed_size)
        parts.append(chunk)
    return b"".join(parts)


def _from_stream(stream: _Reader, where: str, name: str, packed_size: int | None = None) -> Snapshot:
    from droidcheck.offline.bugreport import snapshot_from_lines

    snap = snapshot_from_lines(_lines(stream, where, packed_size), name)
    if snap is None:
        raise InputError(f"{where} does not look like a bug report (no '== dumpstate:' header)", _HINT_KINDS)
    return snap


def _main_entry(zf: zipfile.ZipFile, path: Path) -> zipfile.ZipInfo:
    infos = {i.filename: i for i in zf.infolist()}
    named = infos.get("main_entry.txt")
    if named is not None and not named.flag_bits & 0x1 and named.file_size < 4096:
        wanted = zf.read(named).decode("utf-8", errors="replace").strip()
        if wanted in infos:
            return infos[wanted]
    candidates = [i for i in infos.values() if not i.is_dir()
                  and PurePosixPath(i.filename).name.startswith("bugreport")
                  and i.filename.endswith(".txt")]
    if not candidates:
        raise InputError(f"{path} is a zip but not a bug report (no main_entry.txt, no bugreport-*.txt)",
                         _HINT_BUGREPORT)
    return max(candidates, key=lambda i: i.file_size)


def _from_zip(fh: IO[bytes], path: Path) -> Snapshot:
    try:
        zf = zipfile.ZipFile(fh)
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path} is a damaged zip ({exc}); it may have been cut short while copying",
                         _HINT_BUGREPORT) from None
    except (OSError, EOFError, ValueError) as exc:
        raise InputError(f"cannot open {path} as a zip: {exc}", _HINT_BUGREPORT) from None
    with zf:
        try:
            info = _main_entry(zf, path)
        except _ZIP_READ_ERRORS as exc:
            raise InputError(f"{path} is a damaged zip: {exc}", _HINT_BUGREPORT) from None
        if info.flag_bits & 0x1:
            raise InputError(f"{path} is password-protected (encrypted); droidcheck cannot open it",
                             "Save the bug report again without a password, or unzip it yourself and "
                             "give droidcheck the bugreport-*.txt inside.")
        where = f"{path}:{info.filename}"
        # The declared size bounds what zipfile will read; check it (and the ratio) before reading at all.
        if info.file_size > bugreport_limit():
            raise too_large(where, bugreport_limit(), BUGREPORT_ENV)
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _bomb(where, info.compress_size)
        try:
            with zf.open(info) as member:
                return _from_stream(member, where, info.filename, info.compress_size)
        except InputError:
            raise
        except _ZIP_READ_ERRORS as exc:
            raise InputError(f"{path} is damaged: {info.filename} cannot be read ({exc})",
                             _HINT_BUGREPORT) from None


def _from_gzip(fh: IO[bytes], path: Path, packed_size: int) -> Snapshot:
    """A gzip-compressed bug report text or snapshot, decompressed as it is read (and bounded)."""
    import gzip

    try:
        with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
            head = gz.peek(_SNIFF)[:_SNIFF]
            kind = sniff_text(head)
            if kind == "dumpstate":
                return _from_stream(gz, str(path), path.name.removesuffix(".gz"), packed_size)
            if kind == "json":
                data = _read_packed(gz, str(path), packed_size)
                try:
                    return Snapshot.from_dict(parse_json(data, str(path)))
                except (InputError, SnapshotError) as exc:
                    raise InputError(f"{path}: the compressed file is not a droidcheck snapshot "
                                     f"({getattr(exc, 'message', exc)})", _HINT_KINDS) from None
    except InputError:
        raise
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{path} is a damaged gzip file ({exc}); it may have been cut short while copying",
                         _HINT_BUGREPORT) from None
    raise InputError(f"{path} is gzip-compressed but holds neither a snapshot nor a bug report", _HINT_KINDS)
