"""Hostile requests (lockstep_suite.hostile): every target gives each its contract answer and
never a 5xx; every implementation's real server answers alike (the corpus normalisation);
the servers survive the whole catalogue and log none of its secrets."""

import contextlib
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from lockstep_suite.cases import FAMILIES, Case, family
from lockstep_suite.check import BODY_SECRET, NEVER_ECHOED, check
from lockstep_suite.compare import Answer, normalise
from lockstep_suite.hostile import catalogue
from lockstep_suite.malformed import reuse_cases, wire_cases
from lockstep_suite.messages import Reply
from lockstep_suite.profile import ADMIN_TOKEN, CORS_ORIGIN, SUITE, run_profile
from lockstep_suite.servers import Server
from lockstep_suite.targets import Target
from lockstep_suite.wire import reuse_after

# Sent to the targets of this run (a deployed instance's profile with --base-url)...
CATALOGUE = catalogue(run_profile())
# ... and, with the requests only a real server sees, to servers this module starts.
STARTED = catalogue(SUITE)
WIRE = wire_cases(SUITE)
REUSE = reuse_cases(SUITE)
SECRETS = (*NEVER_ECHOED, BODY_SECRET, ADMIN_TOKEN)


def params(cases: tuple[Case, ...]) -> list[Any]:
    return [pytest.param(case, id=case.id, marks=pytest.mark.needs(*case.needs)) for case in cases]


def verdict(case: Case, reply: Reply, problems: list[str], where: str) -> str:
    note = f"\n  ({case.note})" if case.note else ""
    shown = "\n  ".join(problems)
    request = case.request
    return f"{where}: {request.method} {request.path[:120]}{note}\n  {shown}\n  got {reply!r:.600}"


def answer(target: Target, case: Case) -> None:
    reply = target.send(case.request)
    problems = check(
        case.step, reply, family(target.kind, target.implementation), (target.profile.token,)
    )
    if problems:
        pytest.fail(verdict(case, reply, problems, target.name), pytrace=False)


@pytest.mark.parametrize("case", params(tuple(c for c in CATALOGUE if not c.cors)))
def test_hostile_request_gets_its_contract_answer(target: Target, case: Case) -> None:
    answer(target, case)


@pytest.mark.parametrize("case", params(tuple(c for c in CATALOGUE if c.cors)))
def test_hostile_cors_request_gets_its_contract_answer(cors_target: Target, case: Case) -> None:
    answer(cors_target, case)


def test_catalogue_has_at_least_100_requests_with_unique_names() -> None:
    names = [case.id for case in (*CATALOGUE, *WIRE)]
    assert len(names) >= 100, len(names)
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


@dataclass
class Run:
    """The catalogue sent to one real server per implementation (and one more with CORS)."""

    replies: dict[str, dict[str, Reply]]  # case id -> implementation -> reply
    alive: dict[str, bool]  # implementation -> every server still running at the end
    logs: dict[str, str]  # implementation -> stdout and LOG_FILE of its servers
    reuse: dict[str, dict[str, str]]  # implementation -> REUSE case id -> outcome


def _run_one(implementation: str) -> tuple[dict[str, Reply], bool, str, dict[str, str]]:
    servers = [
        Server(implementation, {"WORKERS": "1"}).start(),
        Server(implementation, {"WORKERS": "1", "CORS_ORIGINS": CORS_ORIGIN}).start(),
    ]
    try:
        plain, cors = (server.target("server") for server in servers)
        replies = {case.id: (cors if case.cors else plain).send(case.request) for case in STARTED}
        replies.update({case.id: plain.send(case.request) for case in WIRE})
        reuse = {case.id: reuse_after(servers[0].base_url, case.request) for case in REUSE}
        alive = all(
            server.process is not None and server.process.poll() is None for server in servers
        )
    finally:
        for server in servers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.stop()
    logs = "".join(
        server.output()
        + (server.log_file.read_text(errors="replace") if server.log_file.exists() else "")
        for server in servers
    )
    return replies, alive, logs, reuse


@pytest.fixture(scope="module")
def run(implementations: list[str]) -> Run:
    with ThreadPoolExecutor(len(implementations)) as pool:
        done = dict(zip(implementations, pool.map(_run_one, implementations), strict=True))
    replies: dict[str, dict[str, Reply]] = {}
    for implementation, (answers, *_) in done.items():
        for case_id, reply in answers.items():
            replies.setdefault(case_id, {})[implementation] = reply
    return Run(
        replies,
        {name: alive for name, (_, alive, _, _) in done.items()},
        {name: logs for name, (_, _, logs, _) in done.items()},
        {name: reuse for name, (*_, reuse) in done.items()},
    )


def pre_app(case: Case, implementation: str) -> bool:
    """Whether the implementation's server answers `case` itself, before the application."""
    expected = case.step.expected(FAMILIES[implementation])
    return expected is not None and expected.pre_app


def table(answers: dict[str, Answer]) -> str:
    lines = []
    for implementation, found in answers.items():
        headers = ", ".join(f"{n}={v}" for n, v in found.headers)
        lines.append(f"  {implementation}: {found.status} [{headers}]\n    {found.shown_body(400)}")
    return "\n".join(lines)


@pytest.mark.process
@pytest.mark.parametrize("case", STARTED, ids=[case.id for case in STARTED])
def test_hostile_answers_are_identical_across_implementations(run: Run, case: Case) -> None:
    replies = run.replies[case.id]
    problems = [
        verdict(case, reply, found, implementation)
        for implementation, reply in replies.items()
        if (found := check(case.step, reply, FAMILIES[implementation], (ADMIN_TOKEN,)))
    ]
    # Only answers the application gives are compared: a server's own refusal is its own.
    compared = {
        implementation: normalise(case.request, reply)
        for implementation, reply in replies.items()
        if not pre_app(case, implementation)
    }
    if len(set(compared.values())) > 1:
        problems.append("answered differently:\n" + table(compared))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.mark.process
@pytest.mark.parametrize("case", WIRE, ids=[case.id for case in WIRE])
def test_malformed_request_gets_its_server_family_answer(run: Run, case: Case) -> None:
    problems = [
        verdict(case, reply, found, implementation)
        for implementation, reply in run.replies[case.id].items()
        if (found := check(case.step, reply, FAMILIES[implementation], (ADMIN_TOKEN,)))
    ]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.mark.process
@pytest.mark.parametrize("case", REUSE, ids=[case.id for case in REUSE])
def test_connection_after_an_early_413_serves_the_next_request(run: Run, case: Case) -> None:
    """A server that will not read the rest of a body closes the connection and says so
    (Connection: close, RFC 9112 9.6); one that keeps it must answer the next request on it."""
    outcomes = {implementation: reuse[case.id] for implementation, reuse in run.reuse.items()}
    wrong = {
        name: got
        for name, got in outcomes.items()
        if got not in ("413 200", "413 close", *UNANNOUNCED_CLOSE.get(FAMILIES.get(name, ""), ()))
    }
    assert not wrong, outcomes


# contract Known differences: gunicorn drains at most 64 KiB of a body the application did not
# read, then closes a kept-alive connection without saying so (connection management is an
# allowed difference; the 413 itself is the same everywhere).
UNANNOUNCED_CLOSE = {
    "gunicorn": ("413 closed without an answer", "413 ConnectionResetError", "413 BrokenPipeError")
}


@pytest.mark.process
def test_servers_survive_the_catalogue(run: Run) -> None:
    assert run.alive == dict.fromkeys(run.alive, True)


@pytest.mark.process
@pytest.mark.parametrize(
    "secret", SECRETS, ids=["query", "token", "request-id", "cookie", "body", "admin-token"]
)
def test_no_secret_is_logged(run: Run, secret: str) -> None:
    for implementation, logs in run.logs.items():
        assert logs, f"{implementation}: nothing logged"
        lines = [line for line in logs.splitlines() if secret in line]
        assert not lines, f"{implementation} logged {secret!r}: {lines[:3]}"
