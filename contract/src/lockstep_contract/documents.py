"""The contract document as served (/openapi.json) and its offline docs pages: Swagger UI
(/docs) and ReDoc (/redoc), whose assets (/docs/{asset}) are vendored in vendor/.

vendor/ holds the files byte for byte as published on the npm registry, their licences and
SHA256SUMS; `python contract/fetch_docs_assets.py` re-fetches and re-pins them. One change is
made as they are served (OFFLINE below), so that the pages request nothing off the service.
"""

import functools
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from lockstep_contract.encoding import dumps

HTML = "text/html; charset=utf-8"
_CSS = "text/css; charset=utf-8"
_JS = "text/javascript; charset=utf-8"
_SWAGGER_UI = "swagger-ui-dist-5.35.0"
_REDOC = "redoc-2.5.4"
# Asset name (the last path segment of /docs/{asset}) -> its vendored file and Content-Type.
_FILES = {
    "swagger-ui.css": (f"{_SWAGGER_UI}/swagger-ui.css", _CSS),
    "swagger-ui-bundle.js": (f"{_SWAGGER_UI}/swagger-ui-bundle.js", _JS),
    "redoc.standalone.js": (f"{_REDOC}/redoc.standalone.js", _JS),
}
ASSETS = {name: content_type for name, (_, content_type) in _FILES.items()}
# Asset name -> (published bytes, served bytes). ReDoc's side menu shows Redocly's logo from
# their CDN, with no option to turn it off; "data:," fails to decode, and ReDoc then leaves
# the image out (its onError), as it would offline, but without the request.
OFFLINE = {
    "redoc.standalone.js": (b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', b'src:"data:,"'),
}

# `<meta charset>` first: the bundles are UTF-8, and a browser decodes scripts as the page
# says. The empty icon spares a request for /favicon.ico (a 404).
_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
"""
# validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
_SWAGGER_PAGE = (
    _HEAD
    + """<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui", validatorUrl: null}});
</script>
</body>
</html>
"""
)
_REDOC_PAGE = (
    _HEAD
    + """<style>body {{ margin: 0; }}</style>
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="/docs/redoc.standalone.js"></script>
</body>
</html>
"""
)


def _contract_text() -> str:
    packaged = resources.files(__package__).joinpath("openapi.yaml")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    # Editable install from the source tree: the file lives at contract/openapi.yaml.
    return (Path(__file__).resolve().parents[2] / "openapi.yaml").read_text(encoding="utf-8")


@functools.cache
def openapi_json() -> bytes:
    """contract/openapi.yaml as compact JSON, members in the file's order."""
    return dumps(yaml.safe_load(_contract_text()))


def _page(template: str, title: str) -> bytes:
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return template.format(title=escaped).encode()


@functools.cache
def docs_page(app_name: str) -> bytes:
    """The Swagger UI page (/docs)."""
    return _page(_SWAGGER_PAGE, f"{app_name} - API docs")


@functools.cache
def redoc_page(app_name: str) -> bytes:
    """The ReDoc page (/redoc)."""
    return _page(_REDOC_PAGE, f"{app_name} - API reference")


def _vendored(path: str) -> Traversable:
    return resources.files(__package__).joinpath("vendor", *path.split("/"))


@functools.cache
def docs_asset(name: str) -> bytes | None:
    """The asset's bytes, or None for a name the contract does not list (404)."""
    if name not in _FILES:
        return None
    content = _vendored(_FILES[name][0]).read_bytes()
    if name in OFFLINE:
        published, served = OFFLINE[name]
        # Exactly once: a new version that moved or dropped it must be looked at again.
        if content.count(published) != 1:
            raise RuntimeError(f"{name}: {published!r} is not there exactly once")
        content = content.replace(published, served)
    return content
