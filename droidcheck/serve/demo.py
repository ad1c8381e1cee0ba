"""Simulated phones behind ``droidcheck serve --demo``: a private adb server (never the user's own on
5037) and the demo profiles, plugged in one after another so a newcomer sees them arrive on the page."""

from __future__ import annotations

import threading
from typing import Any

from droidcheck.demo import DEFAULT_PROFILES

PLUG_INTERVAL_S = 2.0


class DemoLab:
    def __init__(self, profiles: tuple[str, ...] = DEFAULT_PROFILES) -> None:
        self.names = list(profiles)
        self._stop = threading.Event()
        self._server: Any = None
        self._host: Any = None
        self._serials: list[str] = []

    @property
    def address(self) -> str:
        return str(self._server.address)

    def __enter__(self) -> DemoLab:
        from droidcheck.adb.server import AdbServer
        from droidcheck.sim.host import SimHost
        from droidcheck.sim.profile import find_profile

        profiles = [find_profile(n) for n in self.names]
        self._server = AdbServer.start()
        self._host = SimHost()
        ports = [port for _profile, port in self._host.start(profiles)]
        threading.Thread(target=self._plug_in, args=(ports,), name="droidcheck-demo", daemon=True).start()
        return self

    def _plug_in(self, ports: list[int]) -> None:
        client = self._server.client()
        for port in ports:
            if self._stop.wait(PLUG_INTERVAL_S):
                return
            serial = f"127.0.0.1:{port}"
            try:
                client.connect(serial, timeout=10)
                self._serials.append(serial)
            except Exception:  # the demo goes on with the others
                continue

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        try:
            client = self._server.client()
            for serial in self._serials:
                client.disconnect(serial)
        except Exception:
            pass
        self._host.stop()
        self._server.stop()
