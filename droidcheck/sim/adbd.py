"""The device side of the ADB wire protocol, as a phone's ``adbd`` speaks it over TCP.

The real ``adb`` server connects here (``adb connect 127.0.0.1:PORT``) and cannot tell this from a phone:
it gets the same handshake, the same services and the same flow control. References are AOSP
``packages/modules/adb``: ``protocol.txt`` (messages), ``SERVICES.TXT`` (service names),
``shell_protocol.h`` (shell v2 packets) and ``adb.cpp``/``transport.cpp`` (what the server expects).

Messages are a 24-byte little-endian header — command, arg0, arg1, data length, data checksum (sum of the
bytes; 0 is accepted from protocol version 0x01000001), magic (command ^ 0xffffffff) — and a payload:

* ``CNXN(version, maxdata, "host::…")`` from the server; we answer ``CNXN`` with a ``device::`` banner
  (properties and features), or ``AUTH(TOKEN)`` when the phone wants a key it will never accept.
* ``OPEN(server-id, 0, "service\\0")`` → ``OKAY(our-id, server-id)`` or ``CLSE(0, server-id)``.
* ``WRTE(id, id, data)``: each side sends one ``WRTE`` per stream and waits for the peer's ``OKAY``
  before the next (we do not advertise ``delayed_ack``, so there are no windows).
* ``CLSE``: either side ends a stream; the server sending it means its client went away, so the command
  is stopped.

Services: ``shell,v2[,args]:CMD`` (stdout/stderr/exit packets: id byte, u32 LE length, payload),
``shell[,args]:CMD`` (raw stdout+stderr), ``exec:CMD`` (raw stdout only).

Faults (``profile.faults``) are applied here because they belong to the phone, not to one command:
``unauthorized``, ``offline``, ``latency_ms``, ``disconnect_after``, ``stall_after``, ``hang_on``,
``garbage_on``. With ``profile.phone_costs`` on, each device command also sleeps for its phone-side
cost (``Profile.command_cost``) before it answers. Commands are counted per phone (across connections
and streams); only *device commands* count — the shell's own ``echo``/``grep``/``timeout`` do not — so
``disconnect_after: 3`` means "three probes answer, the fourth loses the phone". The disconnect fires
once; the adb server then reconnects and the phone answers again, like a cable that was jiggled.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import struct
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from droidcheck.errors import DroidcheckError
from droidcheck.sim import commands
from droidcheck.sim.commands import Output
from droidcheck.sim.profile import Profile
from droidcheck.sim.shell import Shell, SimFs

log = logging.getLogger(__name__)

A_SYNC = 0x434E5953
A_CNXN = 0x4E584E43
A_OPEN = 0x4E45504F
A_OKAY = 0x59414B4F
A_CLSE = 0x45534C43
A_WRTE = 0x45545257
A_AUTH = 0x48545541
A_STLS = 0x534C5453

AUTH_TOKEN = 1
AUTH_SIGNATURE = 2
AUTH_RSAPUBLICKEY = 3

A_VERSION = 0x01000001  # skips checksums
A_VERSION_MIN = 0x01000000
MAX_PAYLOAD = 256 * 1024
MAX_PAYLOAD_LIMIT = 1024 * 1024  # refuse headers claiming more than this: they are not adb

# shell_protocol.h
SHELL_STDIN, SHELL_STDOUT, SHELL_STDERR, SHELL_EXIT, SHELL_CLOSE_STDIN, SHELL_WINDOW_SIZE = range(6)

FEATURES = ("shell_v2", "cmd", "stat_v2", "ls_v2", "fixed_push_mkdir", "apex", "abb", "abb_exec",
            "remount_shell", "track_app", "sendrecv_v2")

_HEADER = struct.Struct("<6I")
_NAMES = {A_SYNC: "SYNC", A_CNXN: "CNXN", A_OPEN: "OPEN", A_OKAY: "OKAY", A_CLSE: "CLSE", A_WRTE: "WRTE",
          A_AUTH: "AUTH", A_STLS: "STLS"}


class ProtocolError(DroidcheckError):
    """The peer sent something that is not ADB; the connection is dropped, as adbd does."""


def banner(profile: Profile) -> bytes:
    """The CNXN payload: the server shows these properties in ``adb devices -l`` and keeps the features."""
    props = (f"ro.product.name={profile.device};ro.product.model={profile.model};"
             f"ro.product.device={profile.device};")
    return f"device::{props}features={','.join(FEATURES)}".encode()


def pack(command: int, arg0: int, arg1: int, data: bytes = b"", checksum: bool = False) -> bytes:
    """One message, header and payload, ready for the socket."""
    crc = sum(data) & 0xFFFFFFFF if checksum else 0
    return _HEADER.pack(command, arg0, arg1, len(data), crc, command ^ 0xFFFFFFFF) + data


async def read_message(reader: asyncio.StreamReader) -> tuple[int, int, int, bytes]:
    """Read one message; raises ``asyncio.IncompleteReadError`` at EOF, ProtocolError on junk."""
    header = await reader.readexactly(_HEADER.size)
    command, arg0, arg1, length, _crc, magic = _HEADER.unpack(header)
    if magic != command ^ 0xFFFFFFFF or length > MAX_PAYLOAD_LIMIT:
        raise ProtocolError(f"bad header {header.hex()}")
    data = await reader.readexactly(length) if length else b""
    return command, arg0, arg1, data


def garbage(profile: Profile, line: str) -> str:
    """Deterministic noise for ``garbage_on``: the same command on the same phone prints the same junk,
    so a failing parser test can be replayed."""
    seed = int.from_bytes(hashlib.sha256(f"{profile.name}\0{line}".encode()).digest()[:8], "little")
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 =:[]{}()<>#@%&*!?,.;/\\|~^\t"
    lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 100)))
             for _ in range(rng.randint(3, 40))]
    lines.insert(rng.randrange(len(lines)), "\ufffd\x00\x1b[31m\u00e9\u4e2d")
    return "\n".join(lines) + "\n"


#: How much of its history (shell commands, command events) a phone keeps: a `droidcheck sim` serving a lab
#: for days must not grow without bound; tests look at far fewer.
HISTORY_LIMIT = 20_000
_T = TypeVar("_T")


def _keep_recent(history: list[_T], item: _T) -> None:
    """Append ``item``; past the limit, drop the older half (amortised O(1), the recent order kept)."""
    history.append(item)
    if len(history) > HISTORY_LIMIT:
        del history[: len(history) // 2]


class SimPhone:
    """One simulated phone: a profile, a listening port, its fault state and its live connections.

    Lives on the event loop that serves it (see :class:`droidcheck.sim.host.SimHost`); every method
    except the properties must be called on that loop.
    """

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.port = 0
        self.server: asyncio.base_events.Server | None = None
        self.connections: set[DeviceConnection] = set()
        self.commands_run = 0  # device commands started, across every connection and stream
        #: Every command line a shell or exec service was opened with, in order (tests check what a host sent).
        self.shell_log: list[str] = []
        self.disconnect_fired = False
        self.stalled = False
        #: The phone's scratch files (``/data/local/tmp``): what scripts create there and leave behind.
        self.fs = SimFs()
        #: ("start" | "end", command line) for every device command, in the order it happened: shows which
        #: commands ran side by side (a command started before another one ended).
        self.command_events: list[tuple[str, str]] = []
        self.running = 0  # device commands running right now
        self.max_running = 0  # the most that ever ran at once
        self.opens = 0  # services opened (for tests and benchmarks)
        self.handshakes = 0  # CNXN messages received
        #: Set (thread-safely) when a server's CNXN arrives: by then the server has registered the
        #: transport, so a waiter can look at its state without polling.
        self.handshake_seen = threading.Event()
        self._streams_changed = asyncio.Event()

    @property
    def active_streams(self) -> int:
        """Services open right now, over all connections."""
        return sum(len(c.streams) for c in self.connections)

    async def wait_idle(self) -> None:
        """Wait until no service is open (e.g. a CLSE from the server stopped a hung command)."""
        while self.active_streams:
            self._streams_changed.clear()
            await self._streams_changed.wait()

    @property
    def serial(self) -> str:
        """The serial the adb server gives this phone after ``adb connect``."""
        return f"127.0.0.1:{self.port}"

    async def listen(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.server = await asyncio.start_server(self._accept, host, port, backlog=16)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        """Stop listening and drop every connection (the phone is unplugged)."""
        if self.server is not None:
            self.server.close()
        for conn in list(self.connections):
            conn.abort()
        if self.server is not None:
            await self.server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = DeviceConnection(self, reader, writer)
        self.connections.add(conn)
        try:
            await conn.serve()
        finally:
            self.connections.discard(conn)

    async def run_device_command(self, argv: list[str], stream: Stream) -> Output:
        """Run one device command with the profile's faults applied."""
        faults = self.profile.faults
        self.commands_run += 1
        n = self.commands_run
        if faults.disconnect_after is not None and not self.disconnect_fired and n > faults.disconnect_after:
            self.disconnect_fired = True
            await stream.drain()  # what was printed before this command reaches the server first
            for conn in list(self.connections):
                conn.abort()
            await _forever()
        if faults.stall_after is not None and n > faults.stall_after:
            self.stalled = True
            await _forever()
        line = " ".join(argv)
        _keep_recent(self.command_events, ("start", line))
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            return await self._answer(argv, line)
        finally:
            self.running -= 1
            _keep_recent(self.command_events, ("end", line))

    async def _answer(self, argv: list[str], line: str) -> Output:
        faults = self.profile.faults
        if any(line.startswith(h) for h in faults.hang_on):
            await _forever()  # only a toybox `timeout` around it (or the client going away) ends it
        cost = self.profile.command_cost(argv)
        if cost:
            # Time spent by this command alone (not a lock on the phone): commands the shell ran side by
            # side would overlap, as on a real phone; a toybox `timeout` around it still cuts it short.
            await asyncio.sleep(cost)
        if any(line.startswith(g) for g in faults.garbage_on):
            return Output(stdout=garbage(self.profile, line))
        try:
            return commands.run_command(self.profile, argv)
        except Exception as exc:  # a renderer bug must not take the phone down with it
            log.exception("renderer failed for %r", line)
            return Output(stderr=f"{argv[0]}: simulator error: {type(exc).__name__}: {exc}\n", rc=1)


async def _forever() -> None:
    await asyncio.get_running_loop().create_future()


@dataclass(eq=False)
class Stream:
    """One open service: our id, the server's id, and the WRTE/OKAY flow control between them."""

    conn: DeviceConnection
    local_id: int
    remote_id: int
    service: str
    task: asyncio.Task[None] | None = None
    can_send: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False

    def __post_init__(self) -> None:
        self.can_send.set()

    async def write(self, data: bytes) -> None:
        """Send data as WRTE messages, each waiting for the server's OKAY of the one before."""
        step = self.conn.max_payload
        for i in range(0, len(data), step):
            await self.can_send.wait()
            self.can_send.clear()
            await self.conn.send(A_WRTE, self.local_id, self.remote_id, data[i: i + step])

    async def drain(self) -> None:
        """Wait until the server acknowledged everything written so far."""
        await self.can_send.wait()

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.drain()
            await self.conn.send(A_CLSE, self.local_id, self.remote_id)
        self.conn.forget(self)


class DeviceConnection:
    """One TCP connection from an adb server: handshake, then streams multiplexed over it."""

    def __init__(self, phone: SimPhone, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.phone = phone
        self.reader = reader
        self.writer = writer
        self.streams: dict[int, Stream] = {}
        self.next_id = 1
        self.max_payload = MAX_PAYLOAD
        self.checksum = False
        self.online = False
        self._aborted = False

    def forget(self, stream: Stream) -> None:
        self.streams.pop(stream.local_id, None)
        self.phone._streams_changed.set()

    def abort(self) -> None:
        """Drop the TCP connection at once, without CLSE or FIN niceties (a phone that vanished)."""
        self._aborted = True
        self.writer.transport.abort()

    async def send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        if self.phone.stalled:
            await _forever()  # a stalled phone keeps the socket open and says nothing, ever
        if self._aborted:
            raise ConnectionResetError("connection dropped")
        self.writer.write(pack(command, arg0, arg1, data, self.checksum))
        await self.writer.drain()

    async def serve(self) -> None:
        try:
            while True:
                command, arg0, arg1, data = await read_message(self.reader)
                if self.phone.stalled:
                    continue
                await self._dispatch(command, arg0, arg1, data)
        except (asyncio.IncompleteReadError, ConnectionError, ProtocolError) as exc:
            log.debug("connection to %s ended: %s", self.phone.serial, exc)
        finally:
            for stream in list(self.streams.values()):
                if stream.task is not None:
                    stream.task.cancel()
            self.streams.clear()
            self.phone._streams_changed.set()
            if not self._aborted:
                self.writer.close()
                with contextlib.suppress(ConnectionError):
                    await self.writer.wait_closed()

    async def _dispatch(self, command: int, arg0: int, arg1: int, data: bytes) -> None:
        faults = self.phone.profile.faults
        if command == A_CNXN:
            self.phone.handshakes += 1
            self.phone.handshake_seen.set()
            self.max_payload = max(4096, min(arg1, MAX_PAYLOAD))
            self.checksum = arg0 < A_VERSION
            if faults.offline:
                return  # accept the socket, never finish the handshake: the server shows "offline"
            if faults.unauthorized:
                await self.send(A_AUTH, AUTH_TOKEN, 0, self._token())
                return
            self.online = True
            await self.send(A_CNXN, A_VERSION, MAX_PAYLOAD, banner(self.phone.profile))
        elif command == A_AUTH:
            if arg0 == AUTH_SIGNATURE and faults.unauthorized:
                await self.send(A_AUTH, AUTH_TOKEN, 0, self._token())  # every signature is wrong
            # AUTH_RSAPUBLICKEY: the phone would now show its "Allow USB debugging?" prompt; nobody taps.
        elif not self.online:
            return  # nothing but the handshake is valid before CNXN (protocol.txt)
        elif command == A_OPEN:
            await self._open(arg0, data)
        elif command == A_OKAY:
            stream = self.streams.get(arg1)
            if stream is not None:
                stream.can_send.set()
        elif command == A_WRTE:
            stream = self.streams.get(arg1)
            if stream is not None:
                # stdin is not read by any simulated command; acknowledge it so the sender may go on
                await self.send(A_OKAY, stream.local_id, stream.remote_id)
        elif command == A_CLSE:
            stream = self.streams.get(arg1)
            if stream is not None:
                self.forget(stream)
                stream.closed = True
                if stream.task is not None:
                    stream.task.cancel()
        else:
            log.debug("ignoring %s from the server", _NAMES.get(command, hex(command)))

    def _token(self) -> bytes:
        return random.randbytes(20)

    async def _open(self, remote_id: int, data: bytes) -> None:
        service = data.split(b"\0", 1)[0].decode("utf-8", "replace")
        local_id = self.next_id
        self.next_id += 1
        stream = Stream(self, local_id, remote_id, service)
        self.streams[local_id] = stream
        self.phone.opens += 1
        stream.task = asyncio.create_task(self._run_service(stream))

    async def _run_service(self, stream: Stream) -> None:
        try:
            latency = self.phone.profile.faults.latency_ms
            if latency:
                await asyncio.sleep(latency / 1000)
            handler = self._service_handler(stream.service)
            if handler is None:
                stream.closed = True
                self.forget(stream)
                await self.send(A_CLSE, 0, stream.remote_id)  # open failed
                return
            await self.send(A_OKAY, stream.local_id, stream.remote_id)
            await handler(stream)
            await stream.close()
        except (asyncio.CancelledError, ConnectionError):
            self.forget(stream)
        except Exception:
            log.exception("service %r failed on %s", stream.service, self.phone.serial)
            with contextlib.suppress(ConnectionError):
                await stream.close()

    def _service_handler(self, service: str) -> Callable[[Stream], Awaitable[None]] | None:
        name, sep, command = service.partition(":")
        if not sep:
            return None
        kind, *args = name.split(",")
        if kind == "shell":
            if "v2" in args:
                return lambda s: self._shell(s, command, v2=True)
            return lambda s: self._shell(s, command, v2=False)
        if kind == "exec" and not args:
            return lambda s: self._shell(s, command, v2=False, stderr=False)
        return None

    async def _shell(self, stream: Stream, command: str, v2: bool, stderr: bool = True) -> None:
        """Run ``command`` through the interpreter, streaming output as each statement finishes."""
        _keep_recent(self.phone.shell_log, command)
        pending: list[tuple[int, bytes]] = []

        async def emit(fd: int, data: bytes) -> None:
            if data and (fd == 1 or stderr):
                pending.append((fd, data))

        async def flush() -> None:
            if not pending:
                return
            if v2:
                # one shell packet per fd run, each small enough for a WRTE with its 5-byte header
                chunk = self.max_payload - 5
                out = bytearray()
                for fd, data in _merge(pending):
                    for i in range(0, len(data), chunk):
                        piece = data[i: i + chunk]
                        out += struct.pack("<BI", SHELL_STDOUT if fd == 1 else SHELL_STDERR, len(piece))
                        out += piece
                packets = _split_packets(bytes(out), self.max_payload)
                pending.clear()
                for p in packets:
                    await stream.write(p)
            else:
                blob = b"".join(d for _, d in pending)
                pending.clear()
                await stream.write(blob)

        async def run(argv: list[str]) -> Output:
            return await self.phone.run_device_command(argv, stream)

        if not command.strip():
            # an interactive shell: nothing in droidcheck opens one; exit at once rather than hang
            rc = 0
        else:
            missing = frozenset(self.phone.profile.faults.missing_commands)
            rc = await Shell(run, emit, flush, missing=missing, fs=self.phone.fs).run(command)
        await flush()
        if v2:
            await stream.write(struct.pack("<BIB", SHELL_EXIT, 1, rc & 0xFF))


def _merge(chunks: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    """Join neighbouring chunks of the same fd (fewer shell packets, same order)."""
    merged: list[tuple[int, bytes]] = []
    for fd, data in chunks:
        if merged and merged[-1][0] == fd:
            merged[-1] = (fd, merged[-1][1] + data)
        else:
            merged.append((fd, data))
    return merged


def _split_packets(blob: bytes, size: int) -> list[bytes]:
    """Cut a run of shell packets into WRTE payloads; a packet may span two payloads, as in adbd."""
    return [blob[i: i + size] for i in range(0, len(blob), size)] or [b""]
