"""``dumpsys package <pkg>`` and ``dumpsys package permission <perm>…``.

Printed by ``Settings.dumpPackageLPr`` / ``dumpPackagesLPr``
(frameworks/base ``services/core/java/com/android/server/pm/Settings.java``), read for three eras:

* P-era (aosp-mirror@00bcec7c): ``Package [<pkg>] (<hash>):``, ``  userId=<appId>``,
  ``  versionCode=<n> minSdk=<n> targetSdk=<n>``, ``  versionName=``, ``  timeStamp=``,
  ``  firstInstallTime=``, ``  lastUpdateTime=`` (``yyyy-MM-dd HH:mm:ss``, device local time), per user
  ``  User <N>: ceDataInode=… installed=… hidden=… suspended=… stopped=… notLaunched=… enabled=<0-4>
  instant=… virtual=…``; then ``runtime permissions:`` with ``<perm>: granted=<b>[, flags=[ A B ]]``.
* S/T captures print flags ``|``-joined (``flags=[ SYSTEM_FIXED|GRANTED_BY_DEFAULT]``) and add
  ``distractionFlags=`` to the user line.
* V-era (muhomorr/platform_frameworks_base-15): ``appId=`` instead of ``userId=``, user line adds
  ``deDataInode=`` and ``quarantined=``; ``installReason=``, ``dataDir=``, ``firstInstallTime=`` (per user)
  and ``uninstallReason=`` follow on their own lines (fixed 6-space indent).

A system app updated from Play is printed twice: under ``Packages:`` (the running, updated copy) and
under ``Hidden system packages:`` (the factory copy). We read the block under ``Packages:``.
``dumpsys package permission …`` sets DUMP_PERMISSIONS|DUMP_PACKAGES|DUMP_SHARED_USERS with a permission
filter: only packages requesting one of the permissions are listed, and only matching permission lines.
Parsers never raise; they return None when the text is not a package dump.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: The permission an app needs to post notifications (Android 13+: a runtime permission).
POST_NOTIFICATIONS = "android.permission.POST_NOTIFICATIONS"
#: The permissions that let an app receive or read SMS (the codes droidcheck is about).
SMS_PERMISSIONS = ("android.permission.RECEIVE_SMS", "android.permission.READ_SMS")

#: ``Package [<name>] (<hash>):`` opens one package block (Settings.java dumpPackageLPr); group "name".
PACKAGE_HEADER = re.compile(r"^\s*Package \[(?P<name>[^\]]+)\] \([0-9a-fA-F]+\):\s*$")
_USER_RE = re.compile(r"^\s*User (\d+):(.*)$")
_PERM_RE = re.compile(r"^\s*([\w.]+): granted=(true|false)(?:, flags=\[([^\]]*)\])?")
#: A top-level section title of ``dumpsys package`` (``Packages:``, ``Hidden system packages:``, ``Shared users:``).
SECTION_HEADER = re.compile(r"^[A-Z][\w ]*:\s*$")


@dataclass
class PackageUser:
    """One ``User N:`` line. ``enabled`` is PackageManager's COMPONENT_ENABLED_STATE (0 default, 1 on,
    2 disabled, 3 disabled by user, 4 disabled until used)."""

    user_id: int
    installed: bool | None = None
    enabled: int | None = None
    stopped: bool | None = None
    hidden: bool | None = None
    suspended: bool | None = None
    runtime_permissions: dict[str, tuple[bool, list[str]]] = field(default_factory=dict)

    @property
    def usable(self) -> bool | None:
        """Installed, enabled and not force-stopped; None when a field is missing."""
        if self.installed is None or self.enabled is None or self.stopped is None:
            return None
        return self.installed and self.enabled in (0, 1) and not self.stopped and not self.suspended


@dataclass
class PackageDump:
    name: str
    version_name: str | None = None
    version_code: int | None = None
    target_sdk: int | None = None
    last_update: str | None = None
    first_install: str | None = None
    shared_user: str | None = None
    flags: list[str] = field(default_factory=list)
    install_permissions: dict[str, tuple[bool, list[str]]] = field(default_factory=dict)
    users: dict[int, PackageUser] = field(default_factory=dict)

    def permission(self, perm: str, user: int = 0) -> bool | None:
        """Granted state of ``perm`` for ``user`` (runtime first, then install); None if not listed."""
        u = self.users.get(user)
        if u is not None and perm in u.runtime_permissions:
            return u.runtime_permissions[perm][0]
        if perm in self.install_permissions:
            return self.install_permissions[perm][0]
        return None


def _bool(token: str | None) -> bool | None:
    return {"true": True, "false": False}.get(token or "")


def _kv(text: str, key: str) -> str | None:
    m = re.search(rf"(?:^|\s){re.escape(key)}=(\S+)", text)
    return m.group(1) if m else None


def _split_flags(raw: str | None) -> list[str]:
    return [f for f in re.split(r"[|\s]+", raw or "") if f]


def _parse_user_line(user_id: int, rest: str) -> PackageUser:
    enabled = _kv(rest, "enabled")
    return PackageUser(
        user_id=user_id,
        installed=_bool(_kv(rest, "installed")),
        enabled=int(enabled) if enabled and enabled.isdigit() else None,
        stopped=_bool(_kv(rest, "stopped")),
        hidden=_bool(_kv(rest, "hidden")),
        suspended=_bool(_kv(rest, "suspended")),
    )


def _blocks(text: str) -> list[tuple[str, str, list[str]]]:
    """(section, package, lines) for every ``Package [...]`` block, in order."""
    out: list[tuple[str, str, list[str]]] = []
    section = ""
    current: list[str] | None = None
    for raw in text.replace("\r", "").split("\n"):
        if SECTION_HEADER.match(raw) and not raw.startswith(" "):
            section = raw.strip().rstrip(":")
            current = None
            continue
        m = PACKAGE_HEADER.match(raw)
        if m:
            current = []
            out.append((section, m.group(1), current))
            continue
        if current is not None:
            current.append(raw)
    return out


def _apply_line(dump: PackageDump, line: str, state: dict[str, object]) -> None:
    stripped = line.strip()
    um = _USER_RE.match(line)
    if um:
        user = _parse_user_line(int(um.group(1)), um.group(2))
        dump.users[user.user_id] = user
        state["user"], state["perm_kind"] = user, None
        return
    if stripped in ("install permissions:", "runtime permissions:"):
        state["perm_kind"] = stripped.split()[0]
        return
    pm = _PERM_RE.match(line)
    if pm and state.get("perm_kind"):
        entry = (pm.group(2) == "true", _split_flags(pm.group(3)))
        current = state.get("user")
        if state["perm_kind"] == "runtime" and isinstance(current, PackageUser):
            current.runtime_permissions[pm.group(1)] = entry
        else:
            dump.install_permissions[pm.group(1)] = entry
        return
    if stripped.endswith(":") and not pm:
        state["perm_kind"] = None
    _apply_field(dump, stripped)


def _apply_field(dump: PackageDump, stripped: str) -> None:
    if stripped.startswith("versionCode="):
        vc = _kv(stripped, "versionCode")
        dump.version_code = int(vc) if vc and vc.isdigit() else None
        ts = _kv(stripped, "targetSdk")
        dump.target_sdk = int(ts) if ts and ts.isdigit() else None
    elif stripped.startswith("versionName="):
        dump.version_name = stripped.partition("=")[2].strip() or None
    elif stripped.startswith("lastUpdateTime=") and dump.last_update is None:
        dump.last_update = stripped.partition("=")[2].strip() or None
    elif stripped.startswith("firstInstallTime=") and dump.first_install is None:
        dump.first_install = stripped.partition("=")[2].strip() or None
    elif stripped.startswith("sharedUser="):
        dump.shared_user = stripped.partition("=")[2].strip()
    elif stripped.startswith("flags=[") or stripped.startswith("pkgFlags=["):
        for f in _split_flags(stripped.partition("[")[2].rstrip("]")):
            if f not in dump.flags:
                dump.flags.append(f)


def _build(name: str, lines: list[str]) -> PackageDump:
    dump = PackageDump(name=name)
    state: dict[str, object] = {"user": None, "perm_kind": None}
    for line in lines:
        _apply_line(dump, line, state)
    return dump


def parse_package_dump(text: str | None, package: str) -> PackageDump | None:
    """The running copy of ``package`` (the ``Packages:`` block, not ``Hidden system packages:``)."""
    if not text:
        return None
    try:
        blocks = [b for b in _blocks(text) if b[1] == package]
    except Exception:  # pragma: no cover - defensive: parsers never raise
        return None
    if not blocks:
        return None
    preferred = [b for b in blocks if b[0] == "Packages"]
    preferred = preferred or [b for b in blocks if b[0] != "Hidden system packages"]
    _section, name, lines = (preferred or blocks)[0]
    return _build(name, lines)


def package_absent(text: str | None, package: str) -> bool:
    """True when a ``dumpsys package <pkg>`` output clearly says the package is not installed.

    With a package argument PMS prints ``Unable to find package: <pkg>`` (newer builds) or simply omits
    the ``Package [...]`` block while still printing the other sections (older builds).
    """
    if text is None:
        return False
    if f"Unable to find package: {package}" in text:
        return True
    if PACKAGE_HEADER.search(text) is None and f"[{package}]" not in text:
        return bool(re.search(r"^(Database versions|Verifiers|Domain verification status|Key Set Manager|"
                              r"Packages|Dexopt state|Compiler stats):", text, re.M))
    return False


def parse_permission_holders(text: str | None, permissions: set[str],
                             user: int = 0) -> dict[str, set[str]] | None:
    """Package → the ``permissions`` it is *granted* (install, or runtime for ``user``).

    For ``dumpsys package permission <perm>…``. Returns None when the text has no ``Packages:`` section and
    no ``Package [...]`` block (not this command's output).
    """
    if text is None:
        return None
    blocks = _blocks(text)
    if not blocks and not re.search(r"^(Packages|Permissions):", text, re.M):
        return None
    holders: dict[str, set[str]] = {}
    for section, name, lines in blocks:
        if section == "Hidden system packages":
            continue
        dump = _build(name, lines)
        granted = {p for p in permissions if dump.permission(p, user)}
        if granted:
            holders.setdefault(name, set()).update(granted)
    return holders
