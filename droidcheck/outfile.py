"""Files the user names with ``-o``: checked before the long work, written atomically at the end.

A destination that cannot be written is the user's mistake, not droidcheck's: it is an :class:`InputError`
(exit 2) with the reason, raised *before* a phone is read or a code is watched, so nothing the customer
waited for is lost. The write itself goes to a temporary file beside the destination that then replaces
it, so an interrupted or failed write never leaves half a file where a good one was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from droidcheck.errors import InputError

_HINT = "Give a file in a folder that exists and that you can write to."


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_writable_file(path: Path, what: str = "the output") -> None:
    """Raise :class:`InputError` unless ``path`` can be created or overwritten as a regular file.

    The folder is probed by creating (and removing) a temporary file in it, and an existing file by
    opening it for appending (nothing is written): permission bits alone do not tell, for example for
    root, on network shares, or for an immutable file."""
    parent = path.parent if str(path.parent) else Path(".")
    try:
        if path.is_dir():
            raise InputError(f"cannot write {what} to {path}: it is a folder",
                             "Give a file name, e.g. FOLDER/result.json.")
        if not parent.exists():
            raise InputError(f"cannot write {what} to {path}: the folder {parent} does not exist", _HINT)
        if not parent.is_dir():
            raise InputError(f"cannot write {what} to {path}: {parent} is not a folder", _HINT)
        if path.exists():
            if not path.is_file():
                raise InputError(f"cannot write {what} to {path}: it is not a regular file", _HINT)
            with path.open("ab"):
                pass
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"cannot write {what} to {path}: {_reason(exc)}", _HINT) from None


def check_writable_folder(path: Path, what: str = "the output") -> None:
    """Raise :class:`InputError` unless ``path`` is (or can be made) a folder droidcheck can write files in.
    Creates nothing: the nearest existing ancestor is probed instead when ``path`` does not exist yet."""
    try:
        if path.exists() and not path.is_dir():
            raise InputError(f"cannot write {what} into {path}: it is a file, not a folder", "Give a folder name.")
        probe_dir = path
        while not probe_dir.exists() and probe_dir.parent != probe_dir:
            probe_dir = probe_dir.parent
        if not probe_dir.is_dir():
            raise InputError(f"cannot write {what} into {path}: {probe_dir} is not a folder", "Give a folder name.")
        fd, probe = tempfile.mkstemp(prefix=".droidcheck-", suffix=".tmp", dir=probe_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"cannot write {what} into {path}: {_reason(exc)}",
                         "Give a folder you can write to.") from None


def write_atomic(path: Path, data: str | bytes, what: str = "the output") -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    A new file gets the usual permissions (0666 less the umask); an existing one keeps its own."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    parent = path.parent if str(path.parent) else Path(".")
    tmp: str | None = None
    try:
        mode = path.stat().st_mode & 0o7777 if path.is_file() else _default_mode()
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):  # not every file system keeps modes (FAT, some shares)
            os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise InputError(f"cannot write {what} to {path}: {_reason(exc)}", _HINT) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
