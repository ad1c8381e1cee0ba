"""The package's dependencies point one way: read → parse → facts → rules → reports, the CLI on top.

Walks every module's imports (``import``/``from … import``, at any depth, so a lazy import inside a
function counts too) and checks the layers:

* ``parsers`` are pure text → data: they import nothing of droidcheck but themselves and ``errors``;
* ``collect`` (reading a phone) does not import ``facts``, ``rules``, ``report`` or the CLI;
* ``facts`` does not import ``rules``, ``report`` or the CLI;
* nothing but ``cli`` itself and the ``python -m droidcheck`` entry point imports ``droidcheck.cli``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import droidcheck

PACKAGE = Path(droidcheck.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every droidcheck module ``path`` imports (``from droidcheck.x import y`` counts as x and x.y)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}
    return {m for m in found if m == "droidcheck" or m.startswith("droidcheck.")}


MODULES = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _in(module: str, layer: str) -> bool:
    return module == layer or module.startswith(layer + ".")


def _violations(layer: str, forbidden: tuple[str, ...] = (), only: tuple[str, ...] = (),
                modules: dict[str, set[str]] = MODULES) -> list[str]:
    bad = []
    for module, imports in modules.items():
        if not _in(module, layer):
            continue
        for imp in sorted(imports):
            if imp == "droidcheck":
                continue
            if any(_in(imp, f) for f in forbidden) or (only and not any(_in(imp, o) for o in only)):
                bad.append(f"{module} imports {imp}")
    return bad


def test_the_walk_sees_the_package() -> None:
    """The walk finds the layers and their imports (a test that finds nothing would pass vacuously)."""
    assert "droidcheck.parsers.settings" in MODULES and "droidcheck.collect.collector" in MODULES
    assert "droidcheck.collect.plan" in MODULES["droidcheck.collect.packages"]
    assert "droidcheck.parsers.role" in MODULES["droidcheck.collect.packages"]


@pytest.mark.parametrize(("layer", "forbidden", "only"), [
    ("droidcheck.parsers", (), ("droidcheck.parsers", "droidcheck.errors")),
    ("droidcheck.collect", ("droidcheck.facts", "droidcheck.rules", "droidcheck.report", "droidcheck.cli",
                            "droidcheck.check", "droidcheck.inspection"), ()),
    ("droidcheck.facts", ("droidcheck.rules", "droidcheck.report", "droidcheck.cli", "droidcheck.check",
                          "droidcheck.inspection"), ()),
])
def test_layer_imports(layer: str, forbidden: tuple[str, ...], only: tuple[str, ...]) -> None:
    assert _violations(layer, forbidden, only) == []


def test_only_the_cli_imports_the_cli() -> None:
    bad = [f"{m} imports {i}" for m, imports in MODULES.items()
           if not _in(m, "droidcheck.cli") and m != "droidcheck.__main__"
           for i in imports if _in(i, "droidcheck.cli")]
    assert bad == []


def test_the_check_finds_a_violation() -> None:
    """The collector importing a fact deriver (as it did to choose the per-app probes' apps) is caught, and so
    is a parser importing the snapshot, even lazily inside a function."""
    modules = {"droidcheck.collect.collector": {"droidcheck.facts.derive.apps",
                                                 "droidcheck.facts.derive.apps.packages_to_inspect"},
               "droidcheck.parsers.x": {"droidcheck.parsers.getprop", "droidcheck.snapshot"}}
    assert _violations("droidcheck.collect", ("droidcheck.facts",), modules=modules) == [
        "droidcheck.collect.collector imports droidcheck.facts.derive.apps",
        "droidcheck.collect.collector imports droidcheck.facts.derive.apps.packages_to_inspect"]
    assert _violations("droidcheck.parsers", only=("droidcheck.parsers", "droidcheck.errors"), modules=modules) == [
        "droidcheck.parsers.x imports droidcheck.snapshot"]


def test_lazy_imports_are_seen() -> None:
    path = PACKAGE / "collect" / "collector.py"
    assert "droidcheck.collect.packages" in _imports(path)  # imported inside read_device
