"""Which devices a fleet run checks: every device on every server, filtered by the inventory.

Servers are listed in parallel (a remote lab server may take seconds to refuse). A server that does not
answer is reported, not fatal, unless no server answers at all (exit 2, as for ``check``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from droidcheck.adb.connection import DeviceEntry, ServerAddress, list_devices
from droidcheck.errors import AdbServerUnavailable, DroidcheckError
from droidcheck.fleet.inventory import Inventory
from droidcheck.fleet.store import device_key


@dataclass
class Target:
    """One device to check (or to report as not ready)."""

    key: str
    server: str
    serial: str
    state: str = "device"
    hint: str | None = None
    transport: str = ""
    model: str = ""
    label: str = ""
    group: str = ""
    rules: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Target:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Plan:
    targets: list[Target]
    server_errors: dict[str, str]


def _list(address: ServerAddress) -> list[DeviceEntry] | DroidcheckError:
    try:
        return list_devices(address)
    except DroidcheckError as exc:
        return exc


def make_plan(servers: list[ServerAddress], inventory: Inventory | None) -> Plan:
    inv = inventory or Inventory()
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(servers)))) as pool:
        listed = list(pool.map(_list, servers))
    targets: list[Target] = []
    errors: dict[str, str] = {}
    for address, entries in zip(servers, listed, strict=True):
        if isinstance(entries, DroidcheckError):
            errors[str(address)] = entries.message
            continue
        for e in entries:
            if not inv.wanted(e.serial):
                continue
            group = inv.group_of(e.serial)
            targets.append(Target(
                key=device_key(str(address), e.serial), server=str(address), serial=e.serial, state=e.state,
                hint=e.hint, transport=e.transport, model=e.model, label=inv.label_of(e.serial),
                group=group.name if group else "", rules=[str(r) for r in group.rules] if group else [],
            ))
    if servers and len(errors) == len(servers):
        detail = "; ".join(f"{k}: {v}" for k, v in errors.items())
        raise AdbServerUnavailable(f"no ADB server answered ({detail})",
                                   "Check the addresses in --adb / the inventory, and that each lab host runs "
                                   "'adb -a -P PORT server nodaemon'.")
    return Plan(targets, errors)
