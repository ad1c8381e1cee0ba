"""``dumpsys diskstats``: free space per partition.

AOSP ``services/core/java/com/android/server/DiskStatsService.java`` (``reportFreeSpace``), same wording
from O to V::

    Latency: 2ms [512B Data Write]          (or "Test-Error: <exception>")
    Data-Free: 41943040K / 124519236K total = 33% free
    Cache-Free: …                            (A/B devices: /data/cache, same numbers as Data)
    System-Free: …
    File-based Encryption: true              (FBE devices)
    App Size: …                              (cached values from diskstats_cache.json, if present;
    App Data Size: …                          "App Data Size" only from P on)

A partition whose statfs fails prints ``<Name>-Error: <exception>`` instead. Sizes are KiB (bytes / 1024,
rounded down); the percentage is an integer (rounded down).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FREE = re.compile(
    r"^\s*(?P<name>[A-Za-z]+)-Free:\s*(?P<free>\d+)K\s*/\s*(?P<total>\d+)K total\s*=\s*(?P<pct>\d+)% free\s*$"
)
_ERROR = re.compile(r"^\s*(?P<name>[A-Za-z]+)-Error:\s*(?P<msg>.*)$")


@dataclass(frozen=True)
class PartitionFree:
    free_kb: int
    total_kb: int
    percent_free: int  # as printed (integer, rounded down)

    @property
    def free_bytes(self) -> int:
        return self.free_kb * 1024

    @property
    def total_bytes(self) -> int:
        return self.total_kb * 1024


@dataclass
class DiskStats:
    partitions: dict[str, PartitionFree] = field(default_factory=dict)  # "Data", "Cache", "System"
    errors: dict[str, str] = field(default_factory=dict)  # "Data" -> exception text


def parse_diskstats(text: str) -> DiskStats:
    out = DiskStats()
    for line in text.replace("\r", "").split("\n"):
        m = _FREE.match(line)
        if m:
            free, total = int(m.group("free")), int(m.group("total"))
            if total > 0 and free <= total:
                out.partitions[m.group("name")] = PartitionFree(free, total, int(m.group("pct")))
            continue
        m = _ERROR.match(line)
        if m and m.group("name") != "Test":
            out.errors[m.group("name")] = m.group("msg").strip()
    return out
