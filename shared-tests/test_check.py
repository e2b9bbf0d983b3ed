"""`lockstep-check` (nox -s check): it passes on every implementation started with a
configuration the suite never uses, changes nothing it is not allowed to, and fails on an
impostor that answers {"status":"ok"} to everything."""

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lockstep_suite.profile import Profile
from lockstep_suite.report import operations
from lockstep_suite.servers import Server

pytestmark = pytest.mark.process

CHECK = Path(sys.executable).with_name("lockstep-check")  # the console script, as installed
# Unlike SUITE_ENV in everything the check must learn; no ADMIN_TOKEN: the admin is disabled.
ELSEWHERE = {
    "APP_NAME": "checked-elsewhere",
    "APP_DESCRIPTION": "An instance the suite never configures.",
    "APP_VERSION": "2.7.1-rc.3",
    "APP_ENV": "staging",
    "MAX_BODY_BYTES": "20000",
    "MAX_DELAY_SECONDS": "2.5",
    "ADMIN_TOKEN": "",
    "WORKERS": "2",
}
TIMEOUT = 900  # seconds for one whole check on a loaded machine


def check(url: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK), url, *options], capture_output=True, text=True, check=False, timeout=TIMEOUT
    )


def probes(server: Server) -> list[tuple[int, bytes]]:
    """/health's and /readiness's answers."""
    target = server.target("server")
    return [
        (r.status, r.body) for r in (target.request("GET", p) for p in ("/health", "/readiness"))
    ]


def verdict(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("lockstep-check: ")]
    assert len(lines) == 1, lines
    assert output.rstrip().endswith(lines[0]), "the verdict is not the last line"
    return lines[0]


def test_check_passes_on_an_instance_configured_unlike_the_suite(implementation: str) -> None:
    server = Server(implementation, ELSEWHERE).start()
    try:
        before = probes(server)
        done = check(server.base_url)
        after = probes(server)
    finally:
        server.stop()
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert verdict(output).startswith("lockstep-check: PASSED: "), output[-6000:]
    lines = [line.strip() for line in output.splitlines()]
    for learned in (
        "APP_NAME checked-elsewhere (from /info)",
        "APP_ENV staging (from /info)",
        "APP_VERSION 2.7.1-rc.3 (from /info)",
        "MAX_BODY_BYTES 20000 (a 413's detail)",
        "MAX_DELAY_SECONDS 2.5 (a 400's detail)",
        "ADMIN_TOKEN unset (an admin call without a token answered 403)",
    ):
        assert learned in lines, learned
    for operation in operations():
        row = [line.split() for line in lines if line.split()[:1] == [operation]]
        assert len(row) == 1, (operation, row)
        passed, failed, _ = map(int, row[0][1:])
        assert passed > 0, (operation, row)
        assert failed == 0, (operation, row)
    assert before == [(200, b'{"status":"ok"}'), (200, Profile().readiness(True))]
    assert after == before


class Impostor(BaseHTTPRequestHandler):
    """200 {"status":"ok"} to every request, whatever its method or path."""

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or "0")
        if length <= 1 << 20:  # larger bodies are left unread, as a lazy server would
            self.rfile.read(length)
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def __getattr__(self, name: str) -> object:
        if name.startswith("do_"):
            return self.answer
        raise AttributeError(name)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the check's verdict is what this test reads."""


@pytest.fixture
def impostor() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Impostor)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_check_fails_on_an_impostor(impostor: str) -> None:
    done = check(impostor)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-6000:]
    assert verdict(output).startswith("lockstep-check: FAILED: "), output[-6000:]
