"""Data saver ("restrict background") from ``cmd netpolicy get restrict-background``.

AOSP ``services/core/java/com/android/server/net/NetworkPolicyManagerShellCommand.java``
(``getRestrictBackground``, unchanged N → V): ``Restrict background status: enabled|disabled``.

Also accepted, because the same state appears there with the same meaning:
``Restrict background: true|false`` — printed by ``dumpsys netpolicy`` (NetworkPolicyManagerService.dump)
and by ``dumpsys connectivity`` up to Android 9 (ConnectivityService.dump).
"""

from __future__ import annotations

import re

_STATUS = re.compile(r"^\s*Restrict background status:\s*(enabled|disabled)\s*$", re.MULTILINE)
_DUMP = re.compile(r"^\s*Restrict background:\s*(true|false)\s*$", re.MULTILINE)


def parse_restrict_background(text: str) -> bool | None:
    """True if data saver is on, False if off, None if the text says neither."""
    text = text.replace("\r", "")
    m = _STATUS.search(text)
    if m:
        return m.group(1) == "enabled"
    m = _DUMP.search(text)
    if m:
        return m.group(1) == "true"
    return None
