"""Named codes and states, in one place.

``ExitCode`` is every process exit status droidcheck uses. The ``StrEnum`` states are ``str`` subclasses
whose value is the lower-case word the JSON documents carry, so ``json.dumps`` writes them exactly as the
plain strings were written before, and ``status == "ok"`` still holds for code and files that compare
with the word.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ExitCode(IntEnum):
    """Process exit codes (documented per command in its ``--help``)."""

    OK = 0  # nothing failed / the notification was shown / every fix helped
    FAILED = 1  # something failed (a rule, a fix, a message stopped somewhere)
    USAGE = 2  # bad input, connection trouble: a clear message was printed
    INCOMPLETE = 3  # the read was incomplete or nothing could be concluded, so causes may be missing
    INTERNAL = 70  # a droidcheck bug (EX_SOFTWARE)
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)


class FactStatus(StrEnum):
    """Whether a fact's value can be trusted."""

    OK = "ok"
    UNKNOWN = "unknown"


class OutputStatus(StrEnum):
    """Whether a command's output can be trusted (see ``droidcheck.snapshot.CommandOutput``)."""

    OK = "ok"
    TIMEOUT = "timeout"
    LOST = "lost"
    ERROR = "error"
    UNAVAILABLE = "unavailable"
    MALFORMED = "malformed"  # its output was not framed as sent
    TRUNCATED = "truncated"  # it printed more than the host keeps
    UNRECOGNISED = "unrecognised"  # set in memory only: the output is not the format its parser knows


class FindingStatus(StrEnum):
    """What a rule concluded about one phone."""

    FAIL = "fail"
    WARN = "warn"
    UNKNOWN = "unknown"
    PASS = "pass"
    SKIP = "skip"
    MANUAL = "manual"
