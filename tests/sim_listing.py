"""Reading what a running ``droidcheck sim`` prints, for the tests that start one as a user would."""

from __future__ import annotations

import queue
import subprocess
import threading
import time

import pytest


def read_listing(proc: subprocess.Popen, timeout: float) -> list[str]:
    """The lines ``droidcheck sim`` prints up to 'running', read on a thread so a silent process cannot hang
    us; a process that does not come up is killed and the test fails with what it printed."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if "running" in line:
            return seen
    proc.kill()
    pytest.fail(f"droidcheck sim did not come up: stdout={seen!r} stderr={proc.stderr.read()!r}")
