"""The contract document as served (/openapi.json) and the offline Swagger UI (/docs)."""

import functools
from importlib import resources
from pathlib import Path

import swagger_ui_bundle
import yaml

from lockstep_contract.encoding import dumps

HTML = "text/html; charset=utf-8"
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
}

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - API docs</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui"}});</script>
</body>
</html>
"""


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


@functools.cache
def docs_page(title: str) -> bytes:
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _PAGE.format(title=escaped).encode()


@functools.cache
def docs_asset(name: str) -> bytes | None:
    """The asset's bytes, or None for a name the contract does not list (404)."""
    if name not in ASSETS:
        return None
    return (Path(swagger_ui_bundle.swagger_ui_path) / name).read_bytes()
