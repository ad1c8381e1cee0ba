"""Numbers Android prints with a meaning of their own, shared by the parsers and the simulator."""

from __future__ import annotations

#: ``Integer.MAX_VALUE``: Android's "no value" (``CellInfo.UNAVAILABLE`` in signal strengths, an invalid
#: subscription or phone id in ``dumpsys isub``).
INT_MAX = 2147483647
