"""The report of a check against a deployed instance (`pytest --base-url`, lockstep-check):
what was learned about it, for each operation of the contract how many tests passed, failed
or did not apply (and why), and one verdict line.

A test counts for the operations whose paths it sent requests to; a test that sent none (not
applicable, or failed first) counts for the operation its name or parameters name.
"""

import re
from collections import Counter
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest
import yaml

from lockstep_suite.cases import Case
from lockstep_suite.profile import Profile
from lockstep_suite.targets import ROOT

CONTRACT = ROOT / "contract" / "openapi.yaml"
UNKNOWN = "(unknown paths)"  # requests to no path of the contract (404s)
ANYWHERE = "(no one operation)"  # tests that name no operation and sent nothing
OUTCOMES = ("passed", "failed", "not applicable")


def operations() -> dict[str, re.Pattern[str]]:
    """operationId -> its path template as a pattern, in contract order."""
    document = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    found: dict[str, re.Pattern[str]] = {}
    for template, methods in document["paths"].items():
        pattern = re.compile(re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template)))
        for operation in methods.values():
            found[operation["operationId"]] = pattern
    return found


@dataclass
class Report:
    base_url: str
    profile: Profile
    ops: dict[str, re.Pattern[str]] = field(default_factory=operations)
    outcomes: dict[str, str] = field(default_factory=dict)  # nodeid -> outcome
    touched: dict[str, set[str]] = field(default_factory=dict)  # nodeid -> operations
    named: dict[str, set[str]] = field(default_factory=dict)  # nodeid -> operations named
    reasons: Counter[str] = field(default_factory=Counter)
    current: str = ""

    def operation(self, path: str) -> str:
        decoded = unquote(path.partition("?")[0])
        return next((op for op, pattern in self.ops.items() if pattern.fullmatch(decoded)), UNKNOWN)

    def sent(self, method: str, target: str) -> None:
        """Called by the target for every request of the test running now."""
        self.touched.setdefault(self.current, set()).add(self.operation(target))

    def name(self, item: pytest.Item) -> set[str]:
        """The operations a test names: an operationId in its name or parameter ids, else the
        paths among its parameters."""
        in_name = {op for op in self.ops if op in item.name}
        found = {op for op in in_name if not any(op != o and op in o for o in in_name)}
        if not found:
            callspec = getattr(item, "callspec", None)
            params = callspec.params.values() if callspec is not None else ()
            found = {self.operation(path) for path in _paths(params)}
        return found or {ANYWHERE}

    def not_applicable(self, item: pytest.Item, why: str) -> None:
        self.outcomes[item.nodeid] = "not applicable"
        self.reasons[why] += 1

    @pytest.hookimpl
    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.current = nodeid

    @pytest.hookimpl
    def pytest_itemcollected(self, item: pytest.Item) -> None:
        self.named[item.nodeid] = self.name(item)

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif report.when == "call" and report.passed:
            self.outcomes.setdefault(report.nodeid, "passed")

    def table(self) -> dict[str, Counter[str]]:
        rows: dict[str, Counter[str]] = {op: Counter() for op in (*self.ops, UNKNOWN, ANYWHERE)}
        for nodeid, outcome in self.outcomes.items():
            for op in self.touched.get(nodeid) or self.named.get(nodeid) or {ANYWHERE}:
                rows[op][outcome] += 1
        return rows

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(
        self, terminalreporter: Any, exitstatus: int
    ) -> Generator[None, None, None]:
        """After every other summary (the failures, the short summary): the verdict last."""
        yield
        self.write(terminalreporter.write_line, exitstatus)

    def write(self, write: Callable[..., None], exitstatus: int) -> None:
        write("")
        write(f"lockstep-check of {self.base_url}")
        for note in self.profile.notes:
            write(f"  {note}")
        rows = self.table()
        width = max(map(len, rows)) + 2
        write(f"  {'operation'.ljust(width)}" + "".join(o.rjust(16) for o in OUTCOMES))
        for op, counts in rows.items():
            if counts or op in self.ops:
                write(f"  {op.ljust(width)}" + "".join(str(counts[o]).rjust(16) for o in OUTCOMES))
        for why, count in self.reasons.most_common():
            write(f"  not applicable: {count} test(s): {why}")
        totals = Counter(self.outcomes.values())
        passed, failed, inapplicable = (totals[o] for o in OUTCOMES)
        good = exitstatus == 0 and failed == 0 and passed > 0
        verdict = "PASSED" if good else "FAILED"
        write(
            f"lockstep-check: {verdict}: {passed} passed, {failed} failed, {inapplicable} not "
            f"applicable against {self.base_url}",
            bold=True,
            green=good,
            red=not good,
        )


def _paths(values: Iterable[Any]) -> Iterable[str]:
    """The request paths among a test's parameters (catalogue cases, path strings)."""
    for value in values:
        if isinstance(value, Case):
            yield value.steps[0].request.target
        elif isinstance(value, str) and value.startswith("/"):
            yield value
        elif isinstance(value, tuple | list):
            yield from _paths(value)
