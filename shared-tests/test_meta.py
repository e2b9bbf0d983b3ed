"""Tag `meta`: get_root, get_info, get_metrics, get_openapi, get_docs, get_docs_asset,
get_redoc."""

import hashlib
import html
import json
import math
import platform
import re
import socket
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from lockstep_suite.expect import INFO_KEYS, INFO_STACK, JSON, PROBLEM, expect, problem
from lockstep_suite.messages import Reply
from lockstep_suite.servers import LAUNCHER
from lockstep_suite.targets import Target

RID = "test-rid-1"
CONTRACT = Path(__file__).resolve().parents[1] / "contract" / "openapi.yaml"
# The docs assets as vendored in the contract package, and their pinned sha256 (SHA256SUMS).
VENDOR = CONTRACT.parent / "src" / "lockstep_contract" / "vendor"
PINNED = {
    name: digest
    for digest, name in (
        line.split("  ", 1)
        for line in (VENDOR / "SHA256SUMS").read_text(encoding="ascii").splitlines()
    )
}
METRICS = "text/plain; version=0.0.4; charset=utf-8"
NOT_FOUND = problem(404, RID)
RFC3339_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf]
METRIC_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"}
INFO_LABELS = set(INFO_STACK)


def call(target: Target, method: str, path: str) -> Reply:
    reply = target.request(method, path, {"X-Request-ID": RID})
    assert reply.header("X-Request-ID") == RID
    return reply


def compact(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def local(target: Target) -> bool:
    """A target the suite started from this interpreter on this host (not --base-url)."""
    return target.kind != "url"


def test_get_root_answers_service_and_status(target: Target) -> None:
    body = compact({"service": target.profile.name, "status": "ok"})
    expect(call(target, "GET", "/"), 200, JSON, body)


def test_get_info_lists_members_in_contract_order(target: Target) -> None:
    reply = call(target, "GET", "/info")
    info = reply.json()
    expect(reply, 200, JSON, compact(info))
    assert tuple(info) == INFO_KEYS
    assert all(isinstance(value, str) for value in info.values()), info


def test_get_info_reports_configuration(target: Target) -> None:
    info = call(target, "GET", "/info").json()
    profile = target.profile
    configured = (profile.name, profile.description, profile.version, profile.environment)
    assert (info["name"], info["description"], info["version"], info["environment"]) == configured
    assert info["server"] in ("uvicorn", "gunicorn")
    assert RFC3339_SECONDS.fullmatch(info["started_at"]), info["started_at"]
    if local(target):
        assert info["implementation"] == target.implementation
        assert info["hostname"] == socket.gethostname()  # containers run with the host network
    if local(target) and LAUNCHER.engine is None:  # an image has its own Python
        assert info["python_version"] == platform.python_version()


def test_get_info_started_at_is_the_same_in_every_worker(target: Target) -> None:
    started = {call(target, "GET", "/info").json()["started_at"] for _ in range(10)}
    assert len(started) == 1, started


def scrape(target: Target) -> str:
    reply = call(target, "GET", "/metrics")
    assert reply.status == 200
    assert reply.header("Content-Type") == METRICS
    assert reply.header("Content-Length") == str(len(reply.body))
    return reply.body.decode()


def samples(target: Target) -> list[Sample]:
    return [s for family in text_string_to_metric_families(scrape(target)) for s in family.samples]


def value(found: list[Sample], name: str, labels: dict[str, str]) -> float:
    return sum(s.value for s in found if s.name == name and s.labels == labels)


def counts(target: Target, method: str, route: str, status: str) -> tuple[float, float]:
    """http_requests_total and the histogram's _count for one series."""
    found = samples(target)
    return (
        value(found, "http_requests_total", {"method": method, "route": route, "status": status}),
        value(found, "http_request_duration_seconds_count", {"method": method, "route": route}),
    )


def counted(
    target: Target, method: str, route: str, status: str, at_least: tuple[float, float]
) -> tuple[float, float]:
    """The series' counts once they reach `at_least`, or as they are after a while.

    A worker records a request once its answer has left, so a scrape may briefly lag behind.
    """
    for _ in range(50):
        found = counts(target, method, route, status)
        if found[0] >= at_least[0] and found[1] >= at_least[1]:
            return found
        time.sleep(0.1)
    return found


def test_get_metrics_exposes_exactly_the_contract_families(target: Target) -> None:
    assert call(target, "GET", "/").status == 200
    counted(target, "GET", "/", "200", (1, 1))
    text = scrape(target)
    comments = {line for line in text.splitlines() if line.startswith("#")}
    assert comments == {
        "# HELP http_requests_total HTTP requests answered.",
        "# TYPE http_requests_total counter",
        "# HELP http_request_duration_seconds Time to answer an HTTP request, in seconds.",
        "# TYPE http_request_duration_seconds histogram",
        "# HELP lockstep_info What is serving: implementation, framework, server and Python.",
        "# TYPE lockstep_info gauge",
    }
    families = {family.name: family for family in text_string_to_metric_families(text)}
    # The parser names a counter family without its `_total` suffix.
    assert sorted(families) == ["http_request_duration_seconds", "http_requests", "lockstep_info"]
    labels = {
        "http_requests_total": {"method", "route", "status"},
        "http_request_duration_seconds_bucket": {"method", "route", "le"},
        "http_request_duration_seconds_sum": {"method", "route"},
        "http_request_duration_seconds_count": {"method", "route"},
        "lockstep_info": INFO_LABELS,
    }
    templates = set(yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))["paths"]) | {"unmatched"}
    for family in families.values():
        assert family.samples, family.name
        for sample in family.samples:
            assert sample.name in labels, sample  # no _created, no other series
            assert set(sample.labels) == labels[sample.name], sample
            if sample.name != "lockstep_info":
                assert sample.labels["method"] in METRIC_METHODS, sample
                assert sample.labels["route"] in templates, sample


def test_get_metrics_histogram_has_the_contract_buckets(target: Target) -> None:
    assert call(target, "GET", "/").status == 200
    counted(target, "GET", "/", "200", (1, 1))
    series: dict[tuple[str, str], list[float]] = {}
    for sample in samples(target):
        if sample.name == "http_request_duration_seconds_bucket":
            key = (sample.labels["method"], sample.labels["route"])
            series.setdefault(key, []).append(float(sample.labels["le"]))
    assert ("GET", "/") in series
    for key, bounds in series.items():
        assert sorted(bounds) == BUCKETS, key


def test_get_metrics_info_gauge_matches_get_info(target: Target) -> None:
    info = call(target, "GET", "/info").json()
    found = [sample for sample in samples(target) if sample.name == "lockstep_info"]
    assert len(found) == 1, found
    assert found[0].value == 1.0
    assert found[0].labels == {name: info[name] for name in INFO_LABELS}


@pytest.mark.parametrize(
    ("method", "paths", "route", "status"),
    [
        pytest.param(
            "GET", ["/nope", "/nope/1", "/HEALTH", "/health/"], "unmatched", "404", id="unmatched"
        ),
        pytest.param("BREW", ["/nope", "/nope/2"], "unmatched", "404", id="other_method"),
        pytest.param(
            "GET",
            ["/delay/0", "/delay/0.0", "/delay/0.000", "/delay/0"],
            "/delay/{seconds}",
            "200",
            id="delay_template",
        ),
        pytest.param(
            "GET",
            ["/status/418", "/status/418", "/status/418"],
            "/status/{code}",
            "418",
            id="status_template",
        ),
    ],
)
def test_get_metrics_counts_requests_by_route_template(
    target: Target, method: str, paths: list[str], route: str, status: str
) -> None:
    label = method if method in METRIC_METHODS else "OTHER"
    before = counts(target, label, route, status)
    for path in paths:
        assert call(target, method, path).status == int(status)
    sent = len(paths)
    after = counted(target, label, route, status, (before[0] + sent, before[1] + sent))
    assert (after[0] - before[0], after[1] - before[1]) == (sent, sent)


def test_get_openapi_serves_the_contract_document(target: Target) -> None:
    document = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    expect(call(target, "GET", "/openapi.json"), 200, JSON, compact(document))


class _Sources(HTMLParser):
    """The URLs a page loads (script sources, linked style sheets) and its meta charset."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.charset: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.scripts.append(found["src"] or "")
        if tag == "link" and found.get("rel") == "stylesheet":
            self.styles.append(found["href"] or "")
        if tag == "meta" and "charset" in found and self.charset is None:
            self.charset = found["charset"]


@pytest.mark.parametrize(
    ("path", "title", "loads", "document"),
    [
        pytest.param(
            "/docs",
            "API docs",
            (["/docs/swagger-ui-bundle.js"], ["/docs/swagger-ui.css"]),
            'url: "/openapi.json"',
            id="swagger_ui",
        ),
        pytest.param(
            "/redoc",
            "API reference",
            (["/docs/redoc.standalone.js"], []),
            'spec-url="/openapi.json"',
            id="redoc",
        ),
    ],
)
def test_docs_pages_load_everything_from_the_service(
    target: Target, path: str, title: str, loads: tuple[list[str], list[str]], document: str
) -> None:
    """get_docs and get_redoc: UTF-8 HTML whose scripts and styles the service serves itself
    (a browser test, `nox -s browser`, renders them)."""
    reply = call(target, "GET", path)
    assert reply.status == 200
    assert reply.header("Content-Type") == "text/html; charset=utf-8"
    assert reply.header("Content-Length") == str(len(reply.body))
    page = reply.body.decode()
    sources = _Sources()
    sources.feed(page)
    assert sources.charset == "utf-8"  # the bundles are UTF-8; a browser decodes as told
    named = f"{target.profile.name} - {title}"  # APP_NAME, escaped as HTML text
    assert f"<title>{html.escape(named, quote=False)}</title>" in page
    assert (sources.scripts, sources.styles) == loads  # scripts, style sheets
    assert document in page
    assert "http://" not in page
    assert "https://" not in page
    assert "//" not in page  # nor a protocol-relative one
    for url in sources.scripts + sources.styles:
        assert call(target, "GET", url).status == 200, url


# The one change the contract makes as it serves a vendored file: ReDoc's logo from a CDN.
REDOC_LOGO = (b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', b'src:"data:,"')


@pytest.mark.parametrize(
    ("asset", "content_type", "change"),
    [
        pytest.param("swagger-ui.css", "text/css; charset=utf-8", None, id="css"),
        pytest.param("swagger-ui-bundle.js", "text/javascript; charset=utf-8", None, id="js"),
        pytest.param(
            "redoc.standalone.js", "text/javascript; charset=utf-8", REDOC_LOGO, id="redoc"
        ),
    ],
)
def test_get_docs_asset_serves_the_pinned_file(
    target: Target, asset: str, content_type: str, change: tuple[bytes, bytes] | None
) -> None:
    (vendored,) = [name for name in PINNED if name.endswith(f"/{asset}")]
    content = (VENDOR / vendored).read_bytes()
    assert hashlib.sha256(content).hexdigest() == PINNED[vendored]
    if change is not None:
        assert content.count(change[0]) == 1
        content = content.replace(*change)
    expect(call(target, "GET", f"/docs/{asset}"), 200, content_type, content)


def test_vendored_docs_assets_match_their_pinned_sha256() -> None:
    """Every vendored file is pinned in SHA256SUMS and has those bytes; every package keeps
    its licence (`python contract/fetch_docs_assets.py` re-fetches and re-pins)."""
    present = {
        path.relative_to(VENDOR).as_posix()
        for path in VENDOR.rglob("*")
        if path.is_file() and path.name != "SHA256SUMS"
    }
    assert present == set(PINNED)
    for name, digest in PINNED.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    packages = {name.split("/")[0] for name in PINNED}
    assert packages == {"swagger-ui-dist-5.35.0", "redoc-2.5.4"}
    assert all(f"{package}/LICENSE" in PINNED for package in packages)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/docs/nope", id="unknown"),
        pytest.param("/docs/swagger-ui.js", id="unlisted_file"),
        pytest.param("/docs/index.html", id="index"),
        pytest.param("/docs/LICENSE", id="vendored_licence"),
        pytest.param("/docs/SHA256SUMS", id="vendored_sums"),
        pytest.param("/docs/redoc.standalone.js.map", id="source_map"),
        pytest.param("/docs/redoc-2.5.4", id="vendored_folder"),
        pytest.param("/docs/SWAGGER-UI.CSS", id="case"),
        pytest.param("/docs/swagger-ui.css/", id="trailing_slash"),
        pytest.param("/docs/", id="empty"),
        pytest.param("/docs/%2e%2e", id="dot_dot"),
        pytest.param("/docs/%2e%2e/openapi.json", id="encoded_dot_segment"),
        pytest.param("/docs/..%2Fopenapi.json", id="encoded_slash"),
        pytest.param("/docs/%2E%2E%2F%2E%2E%2Fpyproject.toml", id="encoded_traversal"),
        pytest.param("/docs/..%5Cswagger-ui.css", id="backslash"),
        pytest.param("/docs/%2Fetc%2Fpasswd", id="absolute"),
        pytest.param("/docs/swagger-ui.css%00", id="nul"),
        pytest.param("/docs/redoc", id="redoc_under_docs"),
        pytest.param("/redoc/", id="redoc_trailing_slash"),
        pytest.param("/redoc/redoc.standalone.js", id="redoc_asset_path"),
    ],
)
def test_get_docs_asset_rejects_other_names(target: Target, path: str) -> None:
    expect(call(target, "GET", path), 404, PROBLEM, NOT_FOUND)
