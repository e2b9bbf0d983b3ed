"""Parity: the corpus sent to every implementation's real server; the answers must be the
same once the contract's allowed differences (and only those) are normalised away."""

import contextlib
import difflib
import re
import subprocess
from collections.abc import Iterator

import pytest

from lockstep_suite.cases import Case
from lockstep_suite.compare import Answer, normalise
from lockstep_suite.corpus import contract_operations, corpus
from lockstep_suite.profile import CORS_ORIGIN, SUITE
from lockstep_suite.servers import Server
from lockstep_suite.targets import Target

pytestmark = pytest.mark.process
Trio = dict[str, Target]  # implementation -> its server (one, two or three of them)
CORPUS = corpus(SUITE)  # sent to servers started with the suite's configuration


@pytest.fixture(scope="session")
def trios(implementations: list[str]) -> Iterator[dict[bool, Trio]]:
    """One server per implementation with the suite's configuration (False), and one more
    with CORS_ORIGINS set (True). Only the corpus talks to them, in the same order."""
    servers: list[Server] = []
    try:
        built: dict[bool, Trio] = {}
        for cors in (False, True):
            env = {"WORKERS": "1", **({"CORS_ORIGINS": CORS_ORIGIN} if cors else {})}
            built[cors] = {}
            for implementation in implementations:
                servers.append(Server(implementation, env).start())
                built[cors][implementation] = servers[-1].target("server")
        yield built
    finally:
        for server in servers:
            # stop() kills a server that does not stop in time, then re-raises: go on.
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.stop()


def side_by_side(answers: dict[str, Answer], width: int = 48) -> str:
    """One column per implementation: status, then each header name, then the bodies."""
    names = sorted({name for answer in answers.values() for name, _ in answer.headers})

    def row(label: str, cells: list[str]) -> str:
        return label.ljust(24) + " | ".join(cell[:width].ljust(width) for cell in cells)

    rows = [row("", list(answers)), row("status", [str(a.status) for a in answers.values()])]
    for name in names:
        values = [", ".join(v for n, v in a.headers if n == name) or "-" for a in answers.values()]
        rows.append(row(name, values))
    bodies = [f"body of {impl}: {answer.shown_body()}" for impl, answer in answers.items()]
    return "\n".join(["", *rows, *bodies, *body_diffs(answers)])


def body_diffs(answers: dict[str, Answer], limit: int = 40) -> list[str]:
    """Where each body differs from the first implementation's, line by line."""
    (first, reference), *others = answers.items()
    diffs: list[str] = []
    for name, answer in others:
        if answer.body != reference.body:
            lines = difflib.unified_diff(
                reference.body.decode(errors="replace").splitlines(),
                answer.body.decode(errors="replace").splitlines(),
                f"body of {first}",
                f"body of {name}",
                lineterm="",
            )
            diffs.extend(list(lines)[:limit])
    return diffs


def request_id(case: Case, index: int) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"cmp-{case.id}")[:120] + f"-{index}"


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
def test_answers_are_identical(trios: dict[bool, Trio], case: Case) -> None:
    trio = trios[case.cors]
    assert len(trio) >= 1
    for index, step in enumerate(case.steps):
        sent = step.request.with_header("X-Request-ID", request_id(case, index).encode())
        answers = {name: normalise(sent, target.send(sent)) for name, target in trio.items()}
        where = f"step {index}: {sent.method} {sent.target}"
        # pytest.fail, not assert: the table says it all, introspection would repeat it.
        if len(set(answers.values())) != 1:
            pytest.fail(f"{where} answered differently:" + side_by_side(answers))
        statuses = {answer.status for answer in answers.values()}
        if step.expect is not None and statuses != {step.expect.status}:
            pytest.fail(f"{where}: expected {step.expect.status}:" + side_by_side(answers))


def test_corpus_covers_every_operation() -> None:
    sent = {(step.request.method, step.request.target) for case in CORPUS for step in case.steps}
    for method, template in contract_operations():
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", pattern)
        assert any(m == method and re.fullmatch(pattern, p) for m, p in sent), (method, template)
        if method == "GET":
            assert any(m == "HEAD" and re.fullmatch(pattern, p) for m, p in sent), template


def test_corpus_ids_are_unique() -> None:
    ids = [case.id for case in CORPUS]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
