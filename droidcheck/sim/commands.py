"""The simulated phone's commands: a registry from argv prefixes to renderers.

A renderer takes the profile and the full argv of one simple command (``["dumpsys", "isub"]``) and returns
what that command would print on the profile's Android version. Renderers live in
``droidcheck.sim.render.<area>`` and register themselves with ``@command("dumpsys", "isub")``.

Lookup takes the longest registered prefix of the argv, so ``@command("dumpsys")`` can answer services
nobody registered ("Can't find service: x", as real dumpsys does) while ``@command("dumpsys", "isub")``
answers ``dumpsys isub``. A profile's ``raw`` text for the exact command line wins over any renderer.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from droidcheck.sim.profile import Profile


@dataclass
class Output:
    stdout: str = ""
    stderr: str = ""
    rc: int = 0


Renderer = Callable[[Profile, list[str]], Output]

_RENDERERS: dict[tuple[str, ...], Renderer] = {}
RENDER_MODULES = ("system", "telephony", "apps", "device_actions", "sms_events")
_loaded = False


def command(*words: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        _RENDERERS[tuple(words)] = fn
        return fn

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for name in RENDER_MODULES:
            importlib.import_module(f"droidcheck.sim.render.{name}")
        _loaded = True


def run_command(profile: Profile, argv: list[str]) -> Output:
    """Run one simple command (no pipes, no redirections) on the simulated phone."""
    _load()
    if not argv:
        return Output()
    line = " ".join(argv)
    if line in profile.raw:
        return Output(stdout=profile.raw[line])
    for n in range(len(argv), 0, -1):
        renderer = _RENDERERS.get(tuple(argv[:n]))
        if renderer is not None:
            return renderer(profile, argv)
    return Output(stderr=f"/system/bin/sh: {argv[0]}: inaccessible or not found\n", rc=127)
