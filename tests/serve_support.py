"""Running ``droidcheck serve`` in a test: the real app, uvicorn and device tracker, in a thread, against
the test's adb server; and a headless Chromium (the system's, driven by Playwright) to look at it."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from droidcheck.adb.connection import parse_address
from droidcheck.inspection import load_rules
from droidcheck.serve.commands import _bind, run_server
from droidcheck.serve.security import Access

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class Served:
    url: str
    access: Access
    holder: Any

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        return request(self.url + path.lstrip("/"), headers=headers)

    def post(self, path: str, body: bytes = b"{}", headers: dict[str, str] | None = None
             ) -> tuple[int, dict[str, str], bytes]:
        return request(self.url + path.lstrip("/"), method="POST", body=body, headers=headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def request(url: str, *, method: str = "GET", body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    import urllib.error

    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@contextmanager
def serving(adb_address: str, tmp_path: Path, *, host: str = "127.0.0.1", token: str | None = None,
            access_host: str | None = None) -> Iterator[Served]:
    sock = _bind(host, 0)
    port = sock.getsockname()[1]
    access = Access.for_bind(access_host or host, port, token)
    holder = type("Holder", (), {"server": None})()
    counter = parse_address(adb_address, explicit=True)
    thread = threading.Thread(target=run_server, args=(sock, access), kwargs=dict(
        counter=counter, lab_servers=[adb_address], inventory=None, rules=load_rules(),
        db=tmp_path / "history.sqlite", runs_dir=tmp_path / "runs", redact=True, ready=holder), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if holder.server is not None and holder.server.started:
                break
        except OSError:
            pass
        time.sleep(0.05)
    try:
        yield Served(url, access, holder)
    finally:
        holder.server.should_exit = True
        thread.join(10)
        assert not thread.is_alive(), "droidcheck serve did not stop"


def chromium_path() -> str | None:
    return os.environ.get("DROIDCHECK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        if os.environ.get("DROIDCHECK_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required for the browser tests (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()
