"""Fill in what `adb devices -l` does not say (Android version, exact model) for the ready devices."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from droidcheck.adb.connection import DeviceEntry, ServerAddress, client_for


def _release_and_model(address: ServerAddress, serial: str) -> tuple[str, str]:
    """Android version and the model as the phone names it (`adb devices -l` turns "SM-A525F" into
    "SM_A525F")."""
    from droidcheck.adb.service import run_shell
    from droidcheck.adb.wire import adb_errors

    try:
        out = run_shell(client_for(address).device(serial),
                        "getprop ro.build.version.release; getprop ro.product.model", timeout=5)
    except adb_errors():
        return "", ""
    lines = [line.strip() for line in out.splitlines()] + ["", ""]
    return lines[0], lines[1]


def describe_devices(address: ServerAddress, entries: list[DeviceEntry]) -> list[DeviceEntry]:
    ready = [e for e in entries if e.ready]
    if ready:
        with ThreadPoolExecutor(max_workers=min(8, len(ready))) as pool:
            for entry, (release, model) in zip(
                    ready, pool.map(lambda e: _release_and_model(address, e.serial), ready), strict=True):
                entry.android_release = release
                entry.model = model or entry.model
    return entries
