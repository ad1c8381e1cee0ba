"""Shared fixtures: a private real adb server and simulated phones connected to it.

End-to-end tests go through the real adb server from the adbutils wheel, exactly as droidcheck does with
a USB phone; the only thing simulated is the phone (see ``droidcheck.sim.adbd``). The server runs on a
free port (never 5037, the user's own), and is killed at the end with a check that nothing is left.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import adbutils
import pytest

from droidcheck.adb.server import AdbServer, adb_processes_on
from droidcheck.sim.adbd import SimPhone
from droidcheck.sim.host import SimHost
from droidcheck.sim.profile import Faults, Profile, find_profile

CONNECT_TIMEOUT = 15.0


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The compiled rule cache (and anything else cached) goes to a directory of this test run, never the
    user's; droidcheck processes the tests start inherit it."""
    mp = pytest.MonkeyPatch()
    mp.setenv("DROIDCHECK_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    mp.delenv("DROIDCHECK_NO_RULE_CACHE", raising=False)
    yield
    mp.undo()


@dataclass
class AdbServerHandle:
    """What the ``adb_server`` fixture yields: where the server is, and a client for it."""

    server: AdbServer
    client: adbutils.AdbClient

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def address(self) -> str:
        return self.server.address


@pytest.fixture(scope="session")
def adb_server() -> Iterator[AdbServerHandle]:
    server = AdbServer.start()
    try:
        yield AdbServerHandle(server, server.client())
    finally:
        pid = server.process.pid if server.process is not None else None
        server.stop()
        left = adb_processes_on(server.port)
        assert not left, f"adb server processes left behind on port {server.port}: {left} (started {pid})"


@pytest.fixture(scope="session")
def sim_host() -> Iterator[SimHost]:
    host = SimHost()
    try:
        yield host
    finally:
        host.stop()


def expected_state(profile: Profile) -> str:
    """The state adb settles in for this profile's faults."""
    if profile.faults.offline:
        return "offline"
    if profile.faults.unauthorized:
        return "unauthorized"
    return "device"


def _apply(profile: Profile, overrides: dict[str, Any]) -> Profile:
    """A copy of ``profile`` with field overrides; ``faults`` may be a dict merged onto its faults."""
    changes = dict(overrides)
    faults = changes.pop("faults", None)
    clone = profile.copy(**changes)
    if isinstance(faults, dict):
        clone.faults = dataclasses.replace(clone.faults, **faults)
    elif isinstance(faults, Faults):
        clone.faults = faults
    return clone


@dataclass
class SimPhoneFactory:
    """``sim_phone(profile_or_name, **overrides) -> serial``: a simulated phone, connected to the test's adb
    server and in its final state. ``sim_phone.phone(serial)`` gives the :class:`SimPhone` behind it."""

    server: AdbServerHandle
    host: SimHost
    phones: dict[str, SimPhone] = field(default_factory=dict)
    _connectors: list[threading.Thread] = field(default_factory=list)

    def __call__(self, profile: Profile | str | None = None, **overrides: Any) -> str:
        if profile is None:
            profile = Profile(name="test-phone")
        elif isinstance(profile, str):
            profile = find_profile(profile)
        profile = _apply(profile, overrides)
        phone = self.host.add(profile)
        self.phones[phone.serial] = phone
        want = expected_state(profile)
        client = self.server.client
        if want == "offline":
            # adb connect waits 10 s for a handshake that never comes; the transport is registered (and
            # offline) as soon as the server has sent its CNXN, which the phone sees. Let the connect
            # request finish in the background.
            t = threading.Thread(target=_quiet_connect, args=(self.server, phone.serial), daemon=True)
            t.start()
            self._connectors.append(t)
            assert phone.handshake_seen.wait(CONNECT_TIMEOUT), "the adb server never sent CNXN"
        else:
            reply = client.connect(phone.serial, timeout=CONNECT_TIMEOUT)
            ok = ("connected to", "already connected") if want == "device" else ("failed to authenticate",)
            assert isinstance(reply, str) and reply.startswith(ok), f"adb connect {phone.serial}: {reply!r}"
            if want == "device":
                client.wait_for(phone.serial, state="device", timeout=CONNECT_TIMEOUT)
        state = self.state(phone.serial)
        assert state == want, f"{phone.serial} is {state!r}, expected {want!r}"
        return phone.serial

    def phone(self, serial: str) -> SimPhone:
        return self.phones[serial]

    def state(self, serial: str) -> str | None:
        for info in self.server.client.list(extended=True):
            if info.serial == serial:
                return info.state
        return None

    def close(self) -> None:
        for serial, phone in self.phones.items():
            self.server.client.disconnect(serial)
            self.host.remove(phone)
        self.phones.clear()
        for t in self._connectors:
            t.join(CONNECT_TIMEOUT)


def _quiet_connect(server: AdbServerHandle, serial: str) -> None:
    # the offline phone's connect is expected to fail; the test looks at the device state instead
    with contextlib.suppress(adbutils.AdbError, OSError):
        server.server.client(socket_timeout=CONNECT_TIMEOUT).connect(serial, timeout=CONNECT_TIMEOUT)


@pytest.fixture
def sim_phone(adb_server: AdbServerHandle, sim_host: SimHost) -> Iterator[SimPhoneFactory]:
    factory = SimPhoneFactory(adb_server, sim_host)
    try:
        yield factory
    finally:
        factory.close()


def _environ(pid: int) -> dict[str, str]:
    """A process's environment as it started (Linux /proc; empty where unreadable)."""
    from pathlib import Path

    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.decode(errors="replace").partition("=") for item in raw.split(b"\0") if item)
    return {k: v for k, _sep, v in pairs}


@pytest.fixture(scope="session", autouse=True)
def no_default_adb_server_left_behind() -> Iterator[None]:
    """No test may leave an adb server on the default port (5037, the user's own): tests that start one
    there, as a command does for a user, stop it. One this session started and left running is stopped at
    the end and the run fails naming the test that started it: every process the tests start inherits a
    token of this session and pytest's current test name, and the server keeps both in its environment.
    Servers of other sessions or of the user (no token, or another one) are left alone."""
    import os
    import secrets
    import signal

    from droidcheck.adb.connection import DEFAULT_PORT

    token = secrets.token_hex(8)
    mp = pytest.MonkeyPatch()
    mp.setenv("DROIDCHECK_TEST_SESSION", token)
    yield
    mp.undo()
    left: dict[int, str] = {}
    for pid in adb_processes_on(DEFAULT_PORT):
        env = _environ(pid)
        if env.get("DROIDCHECK_TEST_SESSION") == token:
            left[pid] = env.get("PYTEST_CURRENT_TEST", "an unknown test")
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
    if left:
        pytest.fail("an adb server was left running on the default port 5037 (stopped now), started by: "
                    + "; ".join(sorted(set(left.values()))), pytrace=False)
