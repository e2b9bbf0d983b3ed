"""get_docs and get_redoc in a real browser (`nox -s browser`): Debian's Chromium, headless,
driven by Playwright, on each implementation's real server, with no network but loopback.

Every operation of contract/openapi.yaml must be listed on both pages, Swagger UI's "Try it
out" must call GET /health, and the console must stay free of errors. A screenshot of each
page is kept under .nox/reports/browser/."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    ProxySettings,
    Route,
    sync_playwright,
)
from playwright.sync_api import expect as shows

from lockstep_suite.servers import Server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / ".nox" / "reports" / "browser"  # .nox/browser is the session's venv
# As ENVIRONMENT.md found them: without the background-networking flags Chromium keeps trying
# hosts it cannot reach. The dead proxy is a second fence behind the route block below.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEAD_PROXY = ProxySettings(server="http://127.0.0.1:9", bypass="127.0.0.1")
RENDER_MS = 20_000


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    tag: str


def contract_operations() -> list[Operation]:
    """Every operation of the contract, read from openapi.yaml (never a typed copy)."""
    document = yaml.safe_load((ROOT / "contract" / "openapi.yaml").read_text(encoding="utf-8"))
    return [
        Operation(method.upper(), path, operation["operationId"], operation["tags"][0])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


OPERATIONS = contract_operations()


@dataclass
class Watch:
    """What a page did that the test forbids: requests off loopback, console errors."""

    offsite: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.offsite.append(route.request.url)
            route.abort()

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} at {message.location}")

    def page_error(self, error: Any) -> None:
        self.errors.append(f"uncaught: {error}")

    def assert_clean(self) -> None:
        assert self.offsite == [], "the page tried to leave loopback"
        assert self.errors == [], "the console has errors"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: apt-get install chromium", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, proxy=DEAD_PROXY
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(implementation: str) -> Iterator[Server]:
    """The implementation as a user starts it: `python -m lockstep_<name>`."""
    started = Server(implementation).start()
    yield started
    started.stop()


@pytest.fixture
def watched(browser: Browser) -> Iterator[tuple[Page, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    watch = Watch()
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("console", watch.console)
    page.on("pageerror", watch.page_error)
    yield page, watch
    context.close()


def screenshot(shown: Page | Locator, name: str, full_page: bool = True) -> None:
    """A page (all of it, or its viewport) or one element of it, as evidence."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SCREENSHOTS / f"{name}.png")
    if isinstance(shown, Page):
        shown.screenshot(path=path, full_page=full_page)
    else:
        shown.screenshot(path=path)


def test_get_docs_lists_every_operation(
    server: Server, implementation: str, watched: tuple[Page, Watch]
) -> None:
    page, watch = watched
    page.goto(f"{server.base_url}/docs")
    # Swagger UI gives each operation the id operations-<tag>-<operationId>.
    blocks = page.locator(".opblock")
    shows(blocks).to_have_count(len(OPERATIONS), timeout=RENDER_MS)
    for operation in OPERATIONS:
        block = page.locator(f"#operations-{operation.tag}-{operation.operation_id}")
        shows(block.locator(".opblock-summary-method")).to_have_text(operation.method)
        shows(block.locator(".opblock-summary-path")).to_have_attribute("data-path", operation.path)
    screenshot(page, f"{implementation}-docs")
    watch.assert_clean()


def test_get_docs_try_it_out_executes_get_health(
    server: Server, implementation: str, watched: tuple[Page, Watch]
) -> None:
    page, watch = watched
    page.goto(f"{server.base_url}/docs")
    block = page.locator("#operations-probes-get_health")
    block.locator(".opblock-summary").click(timeout=RENDER_MS)
    block.get_by_role("button", name="Try it out").click()
    with page.expect_response(f"{server.base_url}/health") as answered:
        block.get_by_role("button", name="Execute").click()
    assert answered.value.status == 200
    live = block.locator(".live-responses-table .response")
    shows(live.locator(".response-col_status")).to_have_text("200")
    shown = live.locator(".response-col_description pre").first.inner_text()
    expected = httpx.get(f"{server.base_url}/health", trust_env=False)
    assert expected.content == b'{"status":"ok"}'
    assert json.loads(shown) == expected.json()
    screenshot(block, f"{implementation}-docs-try-it-out")
    watch.assert_clean()


def test_get_redoc_lists_every_operation(
    server: Server, implementation: str, watched: tuple[Page, Watch]
) -> None:
    page, watch = watched
    page.goto(f"{server.base_url}/redoc")
    # ReDoc gives each operation's section the id tag/<tag>/operation/<operationId>.
    sections = page.locator("[id*='/operation/']")
    shows(sections).to_have_count(len(OPERATIONS), timeout=RENDER_MS)
    for operation in OPERATIONS:
        section = page.locator(f"[id='tag/{operation.tag}/operation/{operation.operation_id}']")
        shows(section).to_have_count(1)
        shows(section.locator(".http-verb").first).to_have_text(operation.method.lower())
    # ReDoc scrolls its panels itself: the viewport shows the menu of every operation.
    screenshot(page, f"{implementation}-redoc", full_page=False)
    watch.assert_clean()
