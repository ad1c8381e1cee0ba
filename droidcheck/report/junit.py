"""JUnit XML for lab CI: one test suite per device, one test case per rule.

fail → ``<failure>``; warn → passes with the warning in ``<system-out>`` (CI stays green on warnings);
unknown, skip and manual → ``<skipped>`` with the reason, except an important rule that could not be
evaluated because its data was not read (``verdict.missing``): that is an ``<error>`` naming what was not
read. An incomplete read adds an ``<error>`` case too, so CI never reports a phone that dropped mid-read
(or printed noise) as healthy.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from droidcheck.result import CheckResult


def _suite(result: CheckResult | dict[str, Any]) -> ET.Element:
    d = result["device"]
    name = f"{d.get('serial') or 'device'} ({' '.join(x for x in (d.get('maker'), d.get('model')) if x)})"
    findings = result["findings"]
    suite = ET.Element("testsuite", name=name, timestamp=result.get("captured_at", ""),
                       time=f"{result.get('timing', {}).get('read_s', 0):.3f}")
    failures = errors = skipped = 0
    missing = {m.get("rule") for m in (result.get("verdict") or {}).get("missing") or []}
    for f in findings:
        case = ET.SubElement(suite, "testcase", classname=f"droidcheck.{f['area']}", name=f"{f['rule']}: {f['title']}")
        evidence = "; ".join(f"{k}={v}" for k, v in f.get("evidence", {}).items())
        if f["status"] == "fail":
            failures += 1
            el = ET.SubElement(case, "failure", message=f["title"], type=f["severity"])
            el.text = f"{f['explanation']}\nEvidence: {evidence}\nFix:\n" + "\n".join(f"- {s}" for s in f["fix"])
        elif f["status"] == "warn":
            ET.SubElement(case, "system-out").text = f"WARNING: {f['title']}. Evidence: {evidence}"
        elif f["rule"] in missing:
            errors += 1
            why = "; ".join(f"{k}: {v}" for k, v in (f.get("unknown_facts") or {}).items())
            ET.SubElement(case, "error", message=f"not read: {f['title']}", type="not_read").text = why
        elif f["status"] in ("unknown", "skip", "manual"):
            skipped += 1
            why = "; ".join(f"{k}: {v}" for k, v in (f.get("unknown_facts") or {}).items())
            msg = {"unknown": f"could not be decided ({why})" if why else "could not be decided",
                   "skip": "does not apply to this phone", "manual": "manual check"}[f["status"]]
            ET.SubElement(case, "skipped", message=msg)
    if not result.get("complete", True):
        errors += 1
        case = ET.SubElement(suite, "testcase", classname="droidcheck.read", name="read the phone completely")
        ET.SubElement(case, "error", message="the read was incomplete").text = "\n".join(result.get("problems", []))
    suite.set("tests", str(len(findings) + (0 if result.get("complete", True) else 1)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    return suite


def _xml_safe(root: ET.Element) -> None:
    """ElementTree writes ESC, BEL or NUL as they are, and the document no longer parses: phone text in
    names, evidence and problems is cleaned to what XML 1.0 can hold."""
    from droidcheck.report.safe_text import xml_text

    for el in root.iter():
        for k, v in el.attrib.items():
            el.set(k, xml_text(v))
        if el.text:
            el.text = xml_text(el.text)


def to_junit(results: Sequence[CheckResult | dict[str, Any]]) -> str:
    """One suite per result; fleet also passes the result-shaped stand-in it keeps for a phone it could not
    read (device, verdict and problems only)."""
    root = ET.Element("testsuites", name="droidcheck")
    for r in results:
        root.append(_suite(r))
    _xml_safe(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
