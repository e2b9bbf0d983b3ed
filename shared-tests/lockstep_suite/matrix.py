"""The parity matrix: implementation x target, from the suite's JUnit reports.

`python -m lockstep_suite.matrix REPORT.xml...` prints a Markdown table and exits 1 if any
test was skipped: in this suite a test that cannot run is a failure, never a silent skip.
"""

import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

KINDS = ("inprocess", "server", "workers2", "process")
_PARAM = re.compile(r"\[(?:[^\]]*?-)?(?P<impl>[a-z]+)-(?P<kind>inprocess|server|workers2)\b")


def tally(report: Path) -> tuple[str, Counter[tuple[str, str]]]:
    implementation = report.stem.removeprefix("parity-")
    counts: Counter[tuple[str, str]] = Counter()
    for case in ET.parse(report).iter("testcase"):  # noqa: S314 - our own pytest report
        found = _PARAM.search(case.get("name", ""))
        kind = found.group("kind") if found else "process"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = child.tag
        counts[kind, outcome] += 1
    return implementation, counts


def main(paths: list[str]) -> int:
    print("| implementation | " + " | ".join(KINDS) + " |")
    print("|---" * (len(KINDS) + 1) + "|")
    skipped = 0
    for path in paths:
        implementation, counts = tally(Path(path))
        cells = []
        for kind in KINDS:
            total = sum(n for (k, _), n in counts.items() if k == kind)
            passed = counts[kind, "passed"]
            mark = "✅" if passed == total else "❌"
            cells.append(f"{mark} {passed}/{total}" if total else "—")
            skipped += counts[kind, "skipped"]
        print(f"| {implementation} | " + " | ".join(cells) + " |")
    if skipped:
        print(f"{skipped} test(s) skipped: a test that cannot run is a failure here.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
