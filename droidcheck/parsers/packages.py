"""``pm list packages [-s|-3] [FILTER]``: one ``package:<name>`` line per package.

Printed by ``PackageManagerShellCommand.runListPackages``
(frameworks/base ``services/core/java/com/android/server/pm/PackageManagerShellCommand.java``): each line
``package:`` + name (optionally ``versionCode:``/``uid:`` suffixes with extra flags, which we tolerate).
"""

from __future__ import annotations

import re

from droidcheck.parsers.role import is_package_name

_LINE_RE = re.compile(r"^package:(\S+?)(?:\s.*)?$")


def parse_package_list(text: str | None) -> set[str] | None:
    """The package names listed; an empty output is an empty set; text with any line that is not
    ``package:<name>`` is None (not this command's output: never a shorter list)."""
    if text is None:
        return None
    names: set[str] = set()
    noise = 0
    for raw in text.replace("\r", "").split("\n"):
        line = raw.strip()
        if not line:
            continue
        m = _LINE_RE.match(line)
        if m is None:
            noise += 1
        elif is_package_name(m.group(1)) or m.group(1) == "android":  # the framework itself has no dot
            names.add(m.group(1))
    if noise:
        return None
    return names
