"""Default SMS app from RoleManager: ``cmd role get-role-holders`` (S+) and ``dumpsys role`` (Q/R).

Sources:
  * ``cmd role get-role-holders [--user N] ROLE`` — RoleShellCommand
    (packages/modules/Permission ``service/java/com/android/role/RoleShellCommand.java``, S+): holders joined
    by ``;`` on one line, an empty line when the role has no holder. On Q/R the frameworks-side
    ``services/core/java/com/android/server/role/RoleManagerShellCommand.java`` only knows
    add-/remove-/clear-role-holder(s); an unknown sub-command goes to ``handleDefaultCommands`` which prints
    ``Unknown command: …`` and returns -1 (exit status 255). O/P have no ``role`` service at all.
  * ``dumpsys role`` — RoleUserState dumped through ``DualDumpOutputStream`` (text mode): ``user_id=N``,
    then per role ``name=<role>`` and one ``holders=<pkg>`` per holder (``holders=[`` … ``]`` when several).

Parsers never raise; ``None`` means "this text does not say" (unsupported command, unknown format).
"""

from __future__ import annotations

import re

SMS_ROLE = "android.app.role.SMS"
_PKG_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+$")


def is_package_name(value: str) -> bool:
    return bool(_PKG_RE.match(value))


def parse_role_holders(text: str | None, exit_code: int | None = 0) -> list[str] | None:
    """Holders printed by ``cmd role get-role-holders``; ``[]`` = no holder; None = not answered."""
    if text is None or (exit_code not in (0, None)):
        return None
    lines = [ln.strip() for ln in text.replace("\r", "").split("\n") if ln.strip()]
    if not lines:
        return []
    if len(lines) != 1:
        return None
    holders = [h.strip() for h in lines[0].split(";") if h.strip()]
    if not holders or not all(is_package_name(h) for h in holders):
        return None
    return holders


def parse_dumpsys_role(text: str | None, role: str = SMS_ROLE, user: int = 0) -> list[str] | None:
    """Holders of ``role`` for ``user`` in ``dumpsys role`` text; None if the role/user is not found."""
    if not text or "user_id=" not in text:
        return None
    current_user: int | None = None
    found: dict[int | None, list[str]] = {}
    in_role = False
    in_list = False
    depth_at_role = 0
    depth = 0
    for raw in text.replace("\r", "").split("\n"):
        line = raw.strip()
        if not line:
            continue
        m = re.fullmatch(r"user_id=(\d+)", line)
        if m:
            current_user = int(m.group(1))
            continue
        if line.endswith("{") or line.endswith("["):
            depth += 1
        if line in ("}", "]", "},", "],"):
            depth -= 1
            if in_list and line.startswith("]"):
                in_list = False
            elif in_role and depth < depth_at_role:
                in_role = False
            continue
        if line == f"name={role}":
            in_role, depth_at_role = True, depth
            found.setdefault(current_user, [])
            continue
        if line.startswith("name=") and in_role and not in_list:
            in_role = False
            continue
        if not in_role:
            continue
        if line == "holders=[":
            in_list = True
            continue
        hm = re.fullmatch(r"holders=(\S+)", line)
        value = hm.group(1) if hm else (line if in_list else None)
        if value and is_package_name(value):
            found.setdefault(current_user, []).append(value)
    if user in found:
        return found[user]
    if None in found:
        return found[None]
    return None
