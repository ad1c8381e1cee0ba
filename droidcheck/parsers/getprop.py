"""`getprop` (no arguments): one ``[key]: [value]`` line per system property.

Format printed by toolbox/toybox getprop on every version since Android 4 (system/core/toolbox/getprop.cpp
on O+: ``[%s]: [%s]``). Values may contain ``]`` and, rarely, newlines; a value that spans lines is
joined back.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"^\[(?P<key>[^\]\s]+)\]: \[(?P<value>.*)$")


def parse_getprop(text: str) -> dict[str, str]:
    props: dict[str, str] = {}
    key: str | None = None
    buf: list[str] = []

    def flush() -> None:
        if key is not None:
            value = "\n".join(buf)
            props[key] = value[:-1] if value.endswith("]") else value

    for line in text.replace("\r", "").split("\n"):
        m = _LINE.match(line)
        if m:
            flush()
            key, buf = m.group("key"), [m.group("value")]
        elif key is not None and not (buf and buf[-1].endswith("]")):
            buf.append(line)  # continuation of a multi-line value
    flush()
    return props
