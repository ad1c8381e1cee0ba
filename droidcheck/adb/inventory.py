"""Fill in what `adb devices -l` does not say (Android version) for the devices that are ready."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from droidcheck.adb.connection import DeviceEntry, ServerAddress, client_for


def _android_release(address: ServerAddress, serial: str) -> str:
    from adbutils import AdbError, AdbTimeout

    try:
        out = client_for(address).device(serial).shell(
            "getprop ro.build.version.release; getprop ro.product.model", timeout=5)
    except (AdbError, AdbTimeout, OSError):
        return ""
    lines = str(out).splitlines()
    return lines[0].strip() if lines else ""


def describe_devices(address: ServerAddress, entries: list[DeviceEntry]) -> list[DeviceEntry]:
    ready = [e for e in entries if e.ready]
    if ready:
        with ThreadPoolExecutor(max_workers=min(8, len(ready))) as pool:
            for entry, release in zip(ready, pool.map(lambda e: _android_release(address, e.serial), ready),
                                      strict=True):
                entry.android_release = release
    return entries
