"""The access line written without logging (access.py) is, byte for byte, the line the
contract's logging formatter makes of the same request; lines wait to share a write but never
beyond the event loop's next turn, FLUSH_AFTER or the process's exit; and they stay whole when
several processes write to the same LOG_FILE and the same stdout pipe."""

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from select import PIPE_BUF

import pytest

from lockstep_contract import access
from lockstep_contract.logs import ACCESS_FIELDS, ACCESS_LOGGER, ContractFormatter
from lockstep_contract.settings import Settings

MOMENT = 1_764_670_000.4567
PATHS = ["/health", '/a"b\\c', "/é/日本", "/tab\there", "/nul\x00\x1f", "/\u2028"]


def formatted(fields: dict[str, object], style: str) -> str:
    """The line as logging and ContractFormatter make it (server and error lines still are)."""
    record = logging.LogRecord(ACCESS_LOGGER, logging.INFO, __file__, 0, "", (), None)
    record.msg = f"{fields['method']} {fields['path']} {fields['status']}"
    record.created = MOMENT
    setattr(record, ACCESS_FIELDS, fields)
    return ContractFormatter("flask", style).format(record)


def written(settings: Settings, **fields: object) -> list[str]:
    assert settings.log_file is not None
    log = access.AccessLog(settings, "flask")
    log.write(**fields)  # type: ignore[arg-type]
    log.flush()
    # Lines end at "\n" only: a path may hold U+2028, which str.splitlines() also splits at.
    return Path(settings.log_file).read_text(encoding="utf-8").removesuffix("\n").split("\n")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: MOMENT)


@pytest.mark.parametrize("style", ["json", "text"])
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("seconds", [0.0, 0.0001234, 0.5, 12.3456789])
def test_line_is_the_formatters(tmp_path: Path, style: str, path: str, seconds: float) -> None:
    settings = Settings(log_format=style, log_file=str(tmp_path / "log"))
    fields = {
        "request_id": "rid-1.2_3",
        "method": "GET",
        "path": path,
        "route": "unmatched",
        "status": 404,
        "duration_ms": round(seconds * 1000, 3),
    }
    lines = written(
        settings, request_id="rid-1.2_3", method="GET", path=path, route="unmatched",
        status=404, seconds=seconds,
    )  # fmt: skip
    assert lines == [formatted(fields, style)]
    if style == "json":
        assert json.loads(lines[0])["path"] == path


@pytest.mark.parametrize("style", ["json", "text"])
def test_a_routes_lines_are_the_formatters_again(tmp_path: Path, style: str) -> None:
    """A request to a route's own path reuses the text around its id and duration."""
    settings = Settings(log_format=style, log_file=str(tmp_path / "log"))
    log = access.AccessLog(settings, "flask")
    expected = []
    for n, seconds in enumerate([0.001, 0.25, 3.0]):
        log.write(
            request_id=f"id-{n}", method="HEAD", path="/health", route="/health", status=503,
            seconds=seconds,
        )  # fmt: skip
        fields = {"request_id": f"id-{n}", "method": "HEAD", "path": "/health",
                  "route": "/health", "status": 503,
                  "duration_ms": round(seconds * 1000, 3)}  # fmt: skip
        expected.append(formatted(fields, style))
    log.flush()
    assert (tmp_path / "log").read_text(encoding="utf-8").splitlines() == expected


def test_no_line_above_info(tmp_path: Path) -> None:
    settings = Settings(log_level="WARNING", log_file=str(tmp_path / "log"))
    log = access.AccessLog(settings, "flask")
    log.write(request_id="r", method="GET", path="/", route="/", status=200, seconds=0.0)
    log.flush()
    assert (tmp_path / "log").read_text() == ""


def _write(log: access.AccessLog, request_id: str, path: str = "/health") -> None:
    log.write(
        request_id=request_id, method="GET", path=path, route="unmatched", status=404,
        seconds=0.001,
    )  # fmt: skip


def _ids(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return [json.loads(line)["request_id"] for line in text.splitlines()]


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bytes]]:
    """Every os.write of the test: (descriptor, bytes)."""
    made: list[tuple[int, bytes]] = []
    real_write = os.write

    def recorded(fd: int, data: bytes) -> int:
        made.append((fd, bytes(data)))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", recorded)
    return made


def test_lines_of_one_loop_turn_share_a_write_at_the_next_turn(
    tmp_path: Path, writes: list[tuple[int, bytes]]
) -> None:
    log = access.AccessLog(Settings(log_file=str(tmp_path / "log")), "flask")

    async def requests() -> tuple[list[str], list[str]]:
        for n in range(3):
            _write(log, f"turn-{n}")
        during = _ids(tmp_path / "log")
        await asyncio.sleep(0)  # the loop's next turn
        return during, _ids(tmp_path / "log")

    during, after = asyncio.run(requests())
    assert during == []
    assert after == ["turn-0", "turn-1", "turn-2"]
    assert len(writes) == 2  # one write to stdout, one to LOG_FILE, for the three lines


def test_lines_without_a_loop_are_written_by_the_flushing_thread(tmp_path: Path) -> None:
    log = access.AccessLog(Settings(log_file=str(tmp_path / "log")), "flask")
    _write(log, "threaded-0")
    _write(log, "threaded-1")
    deadline = time.monotonic() + 10  # FLUSH_AFTER is 0.02 s; a busy machine may take longer
    while not _ids(tmp_path / "log") and time.monotonic() < deadline:
        time.sleep(access.FLUSH_AFTER)
    assert _ids(tmp_path / "log") == ["threaded-0", "threaded-1"]


def test_a_write_holds_whole_lines_within_pipe_buf(
    tmp_path: Path, writes: list[tuple[int, bytes]]
) -> None:
    """Lines share a write up to PIPE_BUF bytes; a longer line goes alone."""
    log = access.AccessLog(Settings(log_file=str(tmp_path / "log")), "flask")
    paths = [f"/{'p' * (n * 97 % 1500)}" for n in range(60)] + ["/" + "x" * 5000, "/after"]
    for n, path in enumerate(paths):
        _write(log, f"sized-{n}", path)
    log.flush()
    to_stdout = [data for fd, data in writes if fd == access.STDOUT]
    assert b"".join(to_stdout) == (tmp_path / "log").read_bytes()
    for data in to_stdout:
        assert data.endswith(b"\n")
        assert len(data) <= PIPE_BUF or data.count(b"\n") == 1
    assert len(to_stdout) < len(paths)
    assert _ids(tmp_path / "log") == [f"sized-{n}" for n in range(len(paths))]


WRITERS, LINES = 4, 3000
LONG = "/" + "x" * 1800  # a line of about 3.9 KB: just within PIPE_BUF (4096 bytes)
# A worker that writes its lines and exits as a worker does, with no flush of its own: what
# waits is written at exit.
WRITER = f"""
import sys
from lockstep_contract import access
from lockstep_contract.settings import Settings

log = access.AccessLog(Settings(log_file=sys.argv[1]), "flask")
writer = sys.argv[2]
for n in range({LINES}):
    path = {LONG!r} if n % 10 == 0 else f"/w{{writer}}/{{n}}"
    log.write(request_id=f"w{{writer}}-{{n}}", method="GET", path=path, route="unmatched",
              status=404, seconds=0.001)
"""


def test_workers_write_whole_lines_and_lose_none_at_exit(tmp_path: Path) -> None:
    """Several processes append to one LOG_FILE and one stdout pipe: every line whole, none
    lost (on a pipe, writes within PIPE_BUF are whole; none here is longer)."""
    log_file = tmp_path / "log"
    read_end, write_end = os.pipe()
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(log_file), str(w)], stdout=write_end)
        for w in range(WRITERS)
    ]
    os.close(write_end)
    piped = b""
    while chunk := os.read(read_end, 1 << 16):
        piped += chunk
    os.close(read_end)
    for writer in writers:
        assert writer.wait(timeout=60) == 0
    for text in (log_file.read_text(encoding="utf-8"), piped.decode()):
        ids = sorted(json.loads(line)["request_id"] for line in text.splitlines())
        expected = sorted(f"w{w}-{n}" for w in range(WRITERS) for n in range(LINES))
        assert ids == expected
