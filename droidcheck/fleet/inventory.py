"""The lab inventory: which ADB servers to visit, which devices to check there, and how.

Example::

    servers:
      - address: 10.0.0.5:5037
        name: bench-a
      - address: 10.0.0.6:5037
    include: ["*"]            # serial patterns (fnmatch); default: every device
    exclude: ["emulator-*"]
    groups:
      - name: pixels
        match: ["*PIXEL*", "127.0.0.1:4*"]
        rules: [lab-rules/pixels]   # extra rule dirs for this group (relative to the inventory file)
    devices:
      R58M123ABC: {label: "Shelf 3, left", group: pixels}

Untrusted like the rule files: anchors and aliases are refused, the file is bounded (``droidcheck.untrusted``).
Strict like the rule files: an unknown key, a wrong type or a duplicate key is an error naming the file
and line, because a typo in ``exclude`` would otherwise silently check (or skip) the wrong phones.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from droidcheck.errors import InputError
from droidcheck.untrusted import read_yaml_text, yaml_refusal


@dataclass(frozen=True)
class ServerSpec:
    address: str
    name: str = ""


@dataclass
class Group:
    name: str
    match: list[str] = field(default_factory=list)
    rules: list[Path] = field(default_factory=list)


@dataclass
class DeviceSpec:
    label: str = ""
    group: str = ""


@dataclass
class Inventory:
    servers: list[ServerSpec] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    devices: dict[str, DeviceSpec] = field(default_factory=dict)
    path: Path | None = None

    def wanted(self, serial: str) -> bool:
        if self.include and not any(fnmatch.fnmatchcase(serial, p) for p in self.include):
            return False
        return not any(fnmatch.fnmatchcase(serial, p) for p in self.exclude)

    def group_of(self, serial: str) -> Group | None:
        spec = self.devices.get(serial)
        if spec and spec.group:
            return next((g for g in self.groups if g.name == spec.group), None)
        return next((g for g in self.groups if any(fnmatch.fnmatchcase(serial, p) for p in g.match)), None)

    def label_of(self, serial: str) -> str:
        spec = self.devices.get(serial)
        return spec.label if spec else ""


class _Where:
    def __init__(self, path: str) -> None:
        self.path = path

    def error(self, node: yaml.Node, message: str) -> InputError:
        return InputError(f"{self.path}:{node.start_mark.line + 1}: {message}",
                          "See 'droidcheck fleet --help' for the inventory format.")


def _mapping(w: _Where, node: yaml.Node, allowed: set[str], what: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise w.error(node, f"{what} must be a mapping")
    out: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise w.error(key_node, f"a key in {what} must be plain text, not a list or mapping")
        key = key_node.value
        if key in out:
            raise w.error(key_node, f"duplicate key '{key}' in {what}")
        if allowed and key not in allowed:
            raise w.error(key_node, f"unknown key '{key}' in {what} (allowed: {', '.join(sorted(allowed))})")
        out[key] = value_node
    return out


def _str(w: _Where, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or (node.value == "" and node.tag.endswith("null")):
        raise w.error(node, f"{what} must be a string")
    return str(node.value)


def _strs(w: _Where, node: yaml.Node, what: str) -> list[str]:
    if isinstance(node, yaml.ScalarNode):
        return [_str(w, node, what)]
    if not isinstance(node, yaml.SequenceNode):
        raise w.error(node, f"{what} must be a list of strings")
    return [_str(w, n, what) for n in node.value]


def _seq(w: _Where, node: yaml.Node, what: str) -> list[yaml.Node]:
    if not isinstance(node, yaml.SequenceNode):
        raise w.error(node, f"{what} must be a list")
    return list(node.value)


def parse_inventory(text: str, path: str = "inventory") -> Inventory:
    w = _Where(path)
    refused = yaml_refusal(text)  # anchors/aliases (alias bombs) and deep nesting, before composing
    if refused is not None:
        raise InputError(f"{path}:{refused[0]}: {refused[1]}",
                         "See 'droidcheck fleet --help' for the inventory format.")
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from None
    inv = Inventory()
    if root is None:
        return inv
    top = _mapping(w, root, {"servers", "include", "exclude", "groups", "devices"}, "the inventory")
    base = Path(path).parent
    for node in _seq(w, top["servers"], "servers") if "servers" in top else []:
        if isinstance(node, yaml.ScalarNode):
            inv.servers.append(ServerSpec(_str(w, node, "a server")))
            continue
        m = _mapping(w, node, {"address", "name"}, "a server")
        if "address" not in m:
            raise w.error(node, "a server needs an 'address' (HOST:PORT)")
        inv.servers.append(ServerSpec(_str(w, m["address"], "address"),
                                      _str(w, m["name"], "name") if "name" in m else ""))
    inv.include = _strs(w, top["include"], "include") if "include" in top else []
    inv.exclude = _strs(w, top["exclude"], "exclude") if "exclude" in top else []
    for node in _seq(w, top["groups"], "groups") if "groups" in top else []:
        m = _mapping(w, node, {"name", "match", "rules"}, "a group")
        if "name" not in m:
            raise w.error(node, "a group needs a 'name'")
        rules = [base / r for r in _strs(w, m["rules"], "rules")] if "rules" in m else []
        inv.groups.append(Group(_str(w, m["name"], "name"),
                                _strs(w, m["match"], "match") if "match" in m else [], rules))
    names = {g.name for g in inv.groups}
    if "devices" in top:
        for serial, node in _mapping(w, top["devices"], set(), "devices").items():
            m = _mapping(w, node, {"label", "group"}, f"device {serial}")
            spec = DeviceSpec(_str(w, m["label"], "label") if "label" in m else "",
                              _str(w, m["group"], "group") if "group" in m else "")
            if spec.group and spec.group not in names:
                raise w.error(m["group"], f"device {serial}: no group named '{spec.group}'")
            inv.devices[str(serial)] = spec
    return inv


def load_inventory(path: Path) -> Inventory:
    try:
        text = read_yaml_text(path)  # a regular file of at most 4 MB
    except InputError as exc:
        raise InputError(f"the inventory: {exc.message}", exc.hint) from None
    except UnicodeDecodeError:
        raise InputError(f"the inventory {path} is not a UTF-8 text file") from None
    inv = parse_inventory(text, str(path))
    inv.path = path
    return inv


def inventory_to_dict(inv: Inventory) -> dict[str, Any]:
    """For the manifest, so a resumed run can be understood without the original file."""
    return {"path": str(inv.path) if inv.path else None, "include": inv.include, "exclude": inv.exclude,
            "groups": [{"name": g.name, "match": g.match, "rules": [str(r) for r in g.rules]} for g in inv.groups]}
