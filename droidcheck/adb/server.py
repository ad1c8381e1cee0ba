"""Run a private adb server (the binary from the adbutils wheel) as a child process on a chosen port.

Used by the end-to-end tests, benchmarks and ``droidcheck demo``: they need a real adb server that is
theirs alone, so they never touch the user's server on 5037 and never leave one running.

Start-up waits on an event, not a timer: the server is launched the way ``adb start-server`` launches it
(``adb -P PORT fork-server server --reply-fd FD``), and it writes ``OK`` to that pipe once it listens.
Shut-down asks politely (``host:kill``), then terminates, then kills; on Linux the child is also told to
die with its parent (``PR_SET_PDEATHSIG``), so even a crashed test run leaves no adb behind.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from droidcheck.errors import DroidcheckError

if TYPE_CHECKING:
    import adbutils

DEFAULT_PORT = 5037


class AdbServerError(DroidcheckError):
    """The adb server could not be found, started or stopped."""


def adb_binary() -> Path:
    """The adb binary shipped in the adbutils wheel (version 36 at the time of writing)."""
    import adbutils

    name = "adb.exe" if os.name == "nt" else "adb"
    path = Path(adbutils.__file__).parent / "binaries" / name
    if not path.is_file():
        raise AdbServerError(f"the adbutils wheel has no adb binary at {path}")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the OS picks from its ephemeral range, far from 5037
    and from the emulator ports 5554–5585)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:  # runs in the child between fork and exec
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class AdbServer:
    """A running private adb server. Create with :meth:`start`; end with :meth:`stop` (or ``with``)."""

    port: int
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)

    @classmethod
    def start(cls, port: int | None = None, *, adb: Path | None = None, timeout: float = 30.0,
              die_with_parent: bool = True, allow_default_port: bool = False) -> AdbServer:
        """Start ``adb -P PORT fork-server server`` and return once it accepts connections.

        ``port`` None picks a free one. 5037 is refused unless ``allow_default_port``: that is the user's
        own server. ``die_with_parent`` (Linux) ties the server's life to the *calling thread*: call
        from a thread that outlives the server, or pass False.
        """
        if port is None:
            port = free_port()
        if port == DEFAULT_PORT and not allow_default_port:
            raise AdbServerError("refusing to start a private adb server on 5037, the user's default port")
        binary = adb or adb_binary()
        if os.name == "nt":
            return cls._start_windows(port, binary, timeout)
        read_fd, write_fd = os.pipe()
        log = tempfile.TemporaryFile(prefix="droidcheck-adb-")  # noqa: SIM115 - lives as long as the server
        env = dict(os.environ)
        env.pop("ANDROID_ADB_SERVER_PORT", None)
        env.pop("ANDROID_SERIAL", None)
        # adb 36 defaults to libusb on Linux, whose start-up waits 3 s for a USB scan; the native backend
        # finds the same USB phones and is ready in 0.1 s. A user's own choice wins.
        env.setdefault("ADB_LIBUSB", "0")
        preexec = _die_with_parent if die_with_parent and sys.platform.startswith("linux") else None
        try:
            process = subprocess.Popen(
                [str(binary), "-P", str(port), "fork-server", "server", "--reply-fd", str(write_fd)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=(write_fd,), env=env,
                preexec_fn=preexec,  # only prctl(), which is safe between fork and exec
            )
        except OSError as exc:
            os.close(read_fd)
            os.close(write_fd)
            log.close()
            raise AdbServerError(f"cannot run {binary}: {exc}") from exc
        os.close(write_fd)
        server = cls(port=port, process=process, _log=log)
        try:
            reply = _read_reply(read_fd, timeout)
        finally:
            os.close(read_fd)
        if reply.strip() != b"OK":
            detail = server._log_text()
            server.stop()
            raise AdbServerError(f"adb server on port {port} did not start ({reply!r}): {detail[-2000:]}")
        return server

    @classmethod
    def _start_windows(cls, port: int, binary: Path, timeout: float) -> AdbServer:
        """Windows has no fd passing: run ``server nodaemon`` and poll until it answers."""
        log = tempfile.TemporaryFile(prefix="droidcheck-adb-")  # noqa: SIM115 - lives as long as the server
        process = subprocess.Popen([str(binary), "-P", str(port), "server", "nodaemon"],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
        server = cls(port=port, process=process, _log=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
            time.sleep(0.1)  # no readiness event to wait on without fd passing
        detail = server._log_text()
        server.stop()
        raise AdbServerError(f"adb server on port {port} did not start: {detail[-2000:]}")

    def _log_text(self) -> str:
        log = self._log
        if log is None:
            return ""
        log.seek(0)
        return log.read().decode("utf-8", "replace")

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def client(self, socket_timeout: float | None = 20.0) -> adbutils.AdbClient:
        """A new adbutils client for this server (adbutils clients are cheap; do not share across threads)."""
        import adbutils

        return adbutils.AdbClient(host=self.host, port=self.port, socket_timeout=socket_timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and reap it: ``host:kill``, then SIGTERM, then SIGKILL. Safe to call twice."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), 2) as s:
                s.settimeout(2)
                s.sendall(b"0009host:kill")
                s.recv(4)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> AdbServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _read_reply(fd: int, timeout: float) -> bytes:
    """Read the server's start-up reply ("OK\\n"); EOF (the server died) or the deadline end it."""
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 64)
        if not chunk:
            break
        data += chunk
    return data


def adb_processes_on(port: int) -> list[int]:
    """PIDs of adb processes serving ``port`` (Linux /proc scan), to prove none was left behind."""
    pids: list[int] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return pids
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and Path(argv[0].decode(errors="replace")).name == "adb" and (
            (b"-P" in argv and str(port).encode() in argv)
            or any(a.endswith(f":{port}".encode()) for a in argv)
        ):
            pids.append(int(entry.name))
    return pids
