"""Errors a user can act on. Each carries a plain message and, where there is one, what to do.

Every error a user can cause (a bad file, no phone, a taken port…) derives from :class:`DroidcheckError`,
wherever in the package it is raised (``SnapshotError``, ``RuleLoadError``, ``ProfileError``,
``SimHostError``, ``AdbServerError`` included), so a front end needs one ``except`` to report it.
Library code raises these; only the CLI turns them into output and an exit code (never ``sys.exit`` here).
"""

from __future__ import annotations

from collections.abc import Iterable

from droidcheck.status import ExitCode


class DroidcheckError(Exception):
    """Base class: ``message`` says what went wrong, ``details`` lists the particulars (one line each,
    e.g. every problem in the rule files), ``hint`` says what to do about it."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None, *, details: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = [str(d) for d in details]


class AdbServerUnavailable(DroidcheckError):
    """No ADB server answers at the chosen address (and none could be started)."""


class DeviceNotFound(DroidcheckError):
    """No device, or not the one asked for."""


class AmbiguousDevice(DroidcheckError):
    """Several devices are attached and none was chosen."""


class DeviceNotReady(DroidcheckError):
    """The device is attached but cannot be read (unauthorized, offline, recovery…)."""

    def __init__(self, serial: str, state: str, hint: str | None) -> None:
        super().__init__(f"{serial} is {state}", hint)
        self.serial = serial
        self.state = state


class InputError(DroidcheckError):
    """A file given by the user cannot be used (snapshot, result, rules, inventory)."""
