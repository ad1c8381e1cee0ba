"""Many simulated phones in one process: one background thread, one asyncio loop, one port per phone.

Why one loop: a phone spends nearly all its time waiting for the adb server, so 200 phones on one loop
cost a few hundred sockets and some kilobytes each, where a thread per phone would cost megabytes.
Tests, benchmarks and ``droidcheck demo`` use :class:`SimHost` in-process; ``droidcheck sim`` calls
:func:`serve`, which also tells an adb server to connect to each phone.

Ports: never inside 5555–5585, where the adb server looks for emulators by itself (a phone there would
also show up as ``emulator-555x``). Port 0 (the default) lets the OS pick.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from droidcheck.errors import DroidcheckError
from droidcheck.sim.adbd import SimPhone
from droidcheck.sim.profile import Profile

if TYPE_CHECKING:
    import adbutils

T = TypeVar("T")

EMULATOR_PORTS = range(5554, 5586)  # the adb server probes these for emulators on its own
_PORT_HINT = "Choose another --port, or --port 0 to let the system pick free ports."


class SimHostError(DroidcheckError):
    """The simulated phones cannot be served as asked (a port taken or reserved, a bad --adb)."""


class SimHost:
    """Serves simulated phones from a background event loop.

    >>> host = SimHost()
    >>> [(profile, port)] = host.start([profile])   # doctest: +SKIP
    >>> host.stop()                                  # doctest: +SKIP

    Thread-safe: every public method may be called from any thread except the loop's own.
    """

    def __init__(self, bind: str = "127.0.0.1") -> None:
        self.bind = bind
        self.phones: list[SimPhone] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --------------------------------------------------------------------------------- loop plumbing
    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=run, name="droidcheck-sim", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30) -> T:
        """Run a coroutine on the host's loop and wait for its result (from another thread)."""
        loop = self._ensure_loop()
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    # ------------------------------------------------------------------------------------ phones
    def add(self, profile: Profile, port: int = 0) -> SimPhone:
        """Start one phone; returns it with its port set. The profile object is served live (not copied),
        so a test may change it and the next command sees the change."""
        if port in EMULATOR_PORTS:
            raise SimHostError(f"port {port} is in the adb server's emulator range 5554-5585; pick another",
                               _PORT_HINT)
        phone = SimPhone(profile)
        try:
            self.call(phone.listen(self.bind, port))
        except OSError as exc:
            raise SimHostError(f"cannot listen on {self.bind}:{port}: {exc}", _PORT_HINT) from exc
        with self._lock:
            self.phones.append(phone)
        return phone

    def start(self, profiles: Iterable[Profile], base_port: int | None = None) -> list[tuple[Profile, int]]:
        """Start one phone per profile, on ``base_port``, ``base_port+1``… or on free ports when None."""
        started: list[tuple[Profile, int]] = []
        try:
            for i, profile in enumerate(profiles):
                phone = self.add(profile, 0 if base_port is None else base_port + i)
                started.append((profile, phone.port))
        except SimHostError:
            for _profile, port in started:
                self.remove(self.phone_on(port))
            raise
        return started

    def phone_on(self, port: int) -> SimPhone:
        with self._lock:
            for phone in self.phones:
                if phone.port == port:
                    return phone
        raise KeyError(port)

    def remove(self, phone: SimPhone) -> None:
        """Unplug one phone: stop listening and drop its connections."""
        with self._lock:
            if phone not in self.phones:
                return
            self.phones.remove(phone)
        if self._loop is not None and self._loop.is_running():
            self.call(phone.close())

    def stop(self) -> None:
        """Unplug every phone and end the loop thread. Safe to call twice."""
        with self._lock:
            phones, self.phones = self.phones, []
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None:
            return

        async def shutdown() -> None:
            await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(10)
        loop.close()

    def __enter__(self) -> SimHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def tune_gc_for_serving() -> None:
    """Make Python's cycle collector cheap for a process whose job is serving simulated phones.

    Each script a phone runs is parsed into thousands of small objects; with the default thresholds the
    collector runs every 700 of them and, every so often, walks everything the process holds (profiles,
    rendered outputs, every phone's state). Serving 32 costed phones at once from one process, that was
    about half of its CPU (bench_fleet: ~44 -> ~20 ms a phone read). What exists now is moved out of the
    collector's sight for good (``gc.freeze``) and young objects are collected every 50 000 instead.
    Global to the process: call it only in one that does nothing but serve phones (``droidcheck sim``,
    the benchmarks' simulated lab), never from a library or a test process."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def serve(profiles: Sequence[Profile], base_port: int | None = None,
          connect_to: str | Callable[[], str] | None = None,
          *, out: TextIO | None = None, stop: threading.Event | None = None) -> None:
    """Serve ``profiles`` until Ctrl-C (or ``stop`` is set): the ``droidcheck sim`` command.

    With ``connect_to="HOST:PORT"``, that adb server is told to ``adb connect`` each phone at start and
    to disconnect it at the end, so the phones appear in ``adb devices`` while this runs. The server
    must be able to reach this host's loopback, i.e. run on this machine. ``connect_to`` may be a
    function giving that address, called once every phone listens: one that starts a server is not
    called when a port is taken (the command fails, and leaves no server behind it started for nothing).
    """
    out = out or sys.stdout
    stop = stop or threading.Event()
    sim = SimHost()
    connected: list[str] = []
    previous = None
    client = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        started = sim.start(profiles, base_port)  # a port taken or reserved: SimHostError, nothing started
        tune_gc_for_serving()  # serve() is the whole `droidcheck sim` process from here on
        if connect_to is not None:
            client = _client_for(connect_to() if callable(connect_to) else connect_to)
        for profile, port in started:
            addr = f"127.0.0.1:{port}"
            note = ""
            if client is not None:
                connected.append(addr)  # even a failed connect leaves a transport to disconnect
                note = _connect(client, addr, profile)
            costs = ", phone costs on" if profile.phone_costs else ""
            print(f"{profile.serial} → {addr}  {profile.name}: {profile.maker} {profile.model}, "
                  f"Android {profile.release}{costs}{note}", file=out, flush=True)
        print(f"{len(sim.phones)} simulated phone(s) running; Ctrl-C to stop.", file=out, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while not stop.wait(0.5):  # wake up now and then so Ctrl-C is seen on every platform
                pass
    finally:
        if client is not None:
            for addr in connected:
                with contextlib.suppress(Exception):
                    client.disconnect(addr)
        sim.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _client_for(address: str) -> adbutils.AdbClient | None:
    """A client for the adb server at ``address`` (HOST:PORT; empty: none)."""
    if not address:
        return None
    import adbutils

    host, _, port_text = address.rpartition(":")
    if not port_text.isdigit():
        raise SimHostError(f"--adb expects HOST:PORT, got {address!r}")
    return adbutils.AdbClient(host=host or "127.0.0.1", port=int(port_text), socket_timeout=15)


def _connect(client: adbutils.AdbClient, addr: str, profile: Profile) -> str:
    """``adb connect`` one phone; returns a note for the listing when it did not come up as a device."""
    import adbutils

    if profile.faults.offline:
        # the server waits 10 s for a handshake that never comes; it registers the transport at once
        with contextlib.suppress(adbutils.AdbError, OSError):
            client.connect(addr, timeout=1)
        return "  (offline: the handshake never finishes)"
    reply = client.connect(addr, timeout=15)
    return "" if reply.startswith(("connected", "already connected")) else f"  ({reply})"
