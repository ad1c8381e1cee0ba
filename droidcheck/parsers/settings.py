"""`settings list global|secure|system`: one ``key=value`` line per setting.

Printed by SettingsService (frameworks/base/packages/SettingsProvider/.../SettingsService.java,
``listForUser``): ``name=value`` with a null value printed as ``null``, the lines sorted
(``Collections.sort``) before they are printed. Values may contain ``=``; only the first ``=`` splits.
Lines without ``=`` (errors, help text) are ignored.

A value may also contain a newline, and some values are set by apps or by the owner (the device name, the
Bluetooth name): ``device_name=x<newline>airplane_mode_on=1`` prints a line that looks like a setting. Such
a line cannot be told from a real one by its shape, but it gives itself away: a real key is printed once,
and in sorted order. A key printed twice, or a line out of order (and the lines between it and where the
order broke), is *ambiguous*: it has no value here (its facts become unknown), never the forged one. So a
key the phone has can never take a forged value; the one thing a hidden line can still do is add a key the
phone does not have, and only one that sorts between the line that hides it and the next real line.
"""

from __future__ import annotations

from bisect import bisect_right


class SettingsTable(dict[str, str]):
    """``key → value`` of the keys that can be trusted; ``ambiguous`` names the others."""

    def __init__(self, values: dict[str, str], ambiguous: set[str]) -> None:
        super().__init__(values)
        self.ambiguous = frozenset(ambiguous)


def _order_key(text: str) -> bytes:
    # Java sorts Strings by UTF-16 code units
    return text.encode("utf-16-be", "surrogatepass")


def _out_of_order(order: list[bytes]) -> list[int]:
    """Indices of lines that sort before some line printed above them."""
    top = b""
    late = []
    for i, k in enumerate(order):
        if i and k < top:
            late.append(i)
        top = max(top, k)
    return late


def _suspects(order: list[bytes]) -> set[int]:
    """Every line in a stretch where the sorted order breaks: from the first line above a late line that
    sorts after it, down to the late line (a hidden block never escapes by sorting among its own lines)."""
    prefix_max: list[bytes] = []
    top = b""
    for k in order:
        top = max(top, k)
        prefix_max.append(top)
    spans = sorted((bisect_right(prefix_max, order[i], 0, i), i) for i in _out_of_order(order))
    marked: set[int] = set()
    reach = -1
    for start, end in spans:  # merged, so a long hostile listing stays linear-logarithmic
        marked.update(range(max(start, reach + 1), end + 1))
        reach = max(reach, end)
    return marked


def parse_settings_list(text: str) -> SettingsTable:
    lines: list[tuple[str, str, str]] = []  # key, whole line, value
    for line in text.replace("\r", "").split("\n"):
        if "=" not in line or line.startswith((" ", "\t")):
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if key and " " not in key:
            lines.append((key, line, value))
    seen: set[str] = set()
    ambiguous: set[str] = set()
    for key, _line, _value in lines:
        if key in seen:
            ambiguous.add(key)
        seen.add(key)
    # Android sorts whole lines; hand-written listings sort keys: judge by whichever the listing follows
    by_line = [_order_key(line) for _k, line, _v in lines]
    by_key = [_order_key(key) for key, _l, _v in lines]
    order = by_line if len(_out_of_order(by_line)) <= len(_out_of_order(by_key)) else by_key
    ambiguous.update(lines[i][0] for i in _suspects(order))
    values = {key: value for key, _line, value in lines if key not in ambiguous}
    return SettingsTable(values, ambiguous)


def setting_bool(settings: dict[str, str], key: str) -> bool | None:
    """``1``/``0`` → True/False; anything else (``null``, absent, odd) → None."""
    value = settings.get(key)
    if value is None:
        return None
    value = value.strip()
    if value in ("1", "true"):
        return True
    if value in ("0", "false"):
        return False
    return None


def ambiguity(settings: dict[str, str], key: str) -> str | None:
    """Why ``key`` has no trustworthy value in this listing, or None (see the module docstring)."""
    if key in getattr(settings, "ambiguous", ()):
        return (f"setting {key} is printed twice or out of order (as when another setting's value holds a "
                "line break), so its value cannot be trusted")
    return None
