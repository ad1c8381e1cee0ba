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
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from droidcheck.errors import InputError
from droidcheck.snapshot import Snapshot, SnapshotError

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


def load_input(path: str | Path) -> Snapshot:
    """A Snapshot from ``path``: a droidcheck snapshot JSON, a bug report zip or bug report text."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF)
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file",
                         "Give a snapshot or bug report file (use 'droidcheck recheck' for a folder).") from None
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not head:
        raise InputError(f"{path} is empty", _HINT_BUGREPORT)
    if head.startswith(_ZIP_MAGIC):
        return _from_zip(path)
    if head.startswith(_GZIP_MAGIC):
        return _from_gzip(path)
    kind = sniff_text(head)
    if kind == "json":
        return _from_json(path)
    if kind == "dumpstate":
        with path.open("rb") as fh:
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
        with path.open("rb") as fh:
            data = json.loads(fh.read(_SNIFF * 16))
    except (OSError, ValueError):
        return _HINT_KINDS
    if isinstance(data, dict) and data.get("format") == "droidcheck.result":
        return ("This is a check result, not a snapshot: re-checking needs the snapshot "
                "('droidcheck snapshot -o FILE', or snapshot.json in a fleet run folder).")
    return _HINT_KINDS


def _lines(stream: IO[bytes]) -> Iterator[str]:
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline=None)
    yield from text


def _from_stream(stream: IO[bytes], where: str, name: str) -> Snapshot:
    from droidcheck.offline.bugreport import snapshot_from_lines

    snap = snapshot_from_lines(_lines(stream), name)
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


def _from_zip(path: Path) -> Snapshot:
    try:
        zf = zipfile.ZipFile(path)
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
        try:
            with zf.open(info) as member:
                return _from_stream(member, f"{path}:{info.filename}", info.filename)
        except InputError:
            raise
        except _ZIP_READ_ERRORS as exc:
            raise InputError(f"{path} is damaged: {info.filename} cannot be read ({exc})",
                             _HINT_BUGREPORT) from None


def _from_gzip(path: Path) -> Snapshot:
    """A gzip-compressed bug report text or snapshot, decompressed as it is read."""
    import gzip

    try:
        with gzip.open(path, "rb") as fh:
            head = fh.peek(_SNIFF)[:_SNIFF] if hasattr(fh, "peek") else b""
            kind = sniff_text(head)
            if kind == "dumpstate":
                return _from_stream(fh, str(path), path.name.removesuffix(".gz"))
            if kind == "json":
                try:
                    return Snapshot.from_dict(json.load(fh))
                except (ValueError, SnapshotError) as exc:
                    raise InputError(f"{path}: the compressed file is not a droidcheck snapshot ({exc})",
                                     _HINT_KINDS) from None
    except InputError:
        raise
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{path} is a damaged gzip file ({exc}); it may have been cut short while copying",
                         _HINT_BUGREPORT) from None
    raise InputError(f"{path} is gzip-compressed but holds neither a snapshot nor a bug report", _HINT_KINDS)
