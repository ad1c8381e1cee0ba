"""Screen a snapshot: mark every output that ran but is not in its command's format ``unrecognised``.

Used before anything is read from a snapshot (facts, and the choice of apps the per-app probes read), so
that noise is never taken for an empty result. The judging itself is ``droidcheck.parsers.recognise``.
"""

from __future__ import annotations

import dataclasses

from droidcheck.parsers.recognise import recognised
from droidcheck.snapshot import Snapshot
from droidcheck.status import OutputStatus


def screen(snapshot: Snapshot) -> Snapshot:
    """``snapshot`` with every output that ran but is not in its command's format marked ``unrecognised``
    (a copy; the snapshot itself is left as read), so no deriver can take noise for an empty result."""
    outputs = {}
    for probe, out in snapshot.outputs.items():
        if out.ok and not recognised(probe, out.stdout, out.exit_code):
            out = dataclasses.replace(out, status=OutputStatus.UNRECOGNISED)
        outputs[probe] = out
    return Snapshot(meta=snapshot.meta, outputs=outputs)


def unrecognised_problems(snapshot: Snapshot) -> list[str]:
    """One line per output that ran but was not in its command's format (for the result's problems)."""
    return [snapshot.why_missing(p) for p, o in snapshot.outputs.items() if o.status == OutputStatus.UNRECOGNISED]
