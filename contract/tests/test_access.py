"""The access line written without logging (access.py) is, byte for byte, the line the
contract's logging formatter makes of the same request, and stays whole when several
processes write to the same LOG_FILE and the same stdout pipe."""

import json
import logging
import multiprocessing
import os
import time
from pathlib import Path

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
    access.AccessLog(settings, "flask").write(**fields)  # type: ignore[arg-type]
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
    assert (tmp_path / "log").read_text(encoding="utf-8").splitlines() == expected


def test_no_line_above_info(tmp_path: Path) -> None:
    settings = Settings(log_level="WARNING", log_file=str(tmp_path / "log"))
    access.AccessLog(settings, "flask").write(
        request_id="r", method="GET", path="/", route="/", status=200, seconds=0.0
    )
    assert (tmp_path / "log").read_text() == ""


WRITERS, LINES = 4, 3000
LONG = "/" + "x" * 1800  # a line of about 3.9 KB: just within PIPE_BUF (4096 bytes)


def _write_lines(log_file: str, stdout: int, writer: int) -> None:
    os.dup2(stdout, access.STDOUT)
    log = access.AccessLog(Settings(log_file=log_file), "flask")
    for n in range(LINES):
        path = LONG if n % 10 == 0 else f"/w{writer}/{n}"
        log.write(
            request_id=f"w{writer}-{n}", method="GET", path=path, route="unmatched",
            status=404, seconds=0.001,
        )  # fmt: skip


def test_workers_write_whole_lines(tmp_path: Path) -> None:
    """Several processes append to one LOG_FILE and one stdout pipe: every line whole, none
    lost (on a pipe, lines within PIPE_BUF are whole; none here is longer)."""
    log_file = tmp_path / "log"
    read_end, write_end = os.pipe()
    context = multiprocessing.get_context("fork")
    writers = [
        context.Process(target=_write_lines, args=(str(log_file), write_end, w))
        for w in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    os.close(write_end)
    piped = b""
    while chunk := os.read(read_end, 1 << 16):
        piped += chunk
    os.close(read_end)
    for writer in writers:
        writer.join(timeout=60)
        assert writer.exitcode == 0
    for text in (log_file.read_text(encoding="utf-8"), piped.decode()):
        ids = sorted(json.loads(line)["request_id"] for line in text.splitlines())
        expected = sorted(f"w{w}-{n}" for w in range(WRITERS) for n in range(LINES))
        assert ids == expected
