"""Print (or check) one of the README's set-up commands, marked by <!-- setup:NAME --> before its block."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def readme_command(name: str) -> str:
    text = Path(__file__).resolve().parents[1].joinpath("README.md").read_text(encoding="utf-8")
    m = re.search(rf"<!-- setup:{re.escape(name)} -->\s*```[a-z]*\n(.+?)\n```", text, re.S)
    if not m:
        sys.exit(f"README.md has no '<!-- setup:{name} -->' command block")
    return m.group(1).strip()


def main() -> None:
    name = sys.argv[1]
    cmd = readme_command(name)
    if "--check" not in sys.argv:
        print(cmd)
        return
    print(f"running README {name} command: {cmd}", flush=True)
    before = _ours()
    proc = subprocess.run(["bash", "-c", cmd], timeout=600)
    if proc.returncode != 0:
        sys.exit(f"README {name} command failed with exit code {proc.returncode}")
    left = {pid: line for pid, line in _ours().items() if pid not in before}
    if left:
        sys.exit(f"processes left behind after the {name} command:\n" + "\n".join(left.values()))


def _ours() -> dict[str, str]:
    """adb servers and simulators running now (pid -> command line)."""
    out = subprocess.run(["pgrep", "-af", "droidcheck sim|adb.*-P"], capture_output=True, text=True).stdout
    return {line.split()[0]: line for line in out.splitlines() if line.strip() and "pgrep" not in line}


if __name__ == "__main__":
    main()
