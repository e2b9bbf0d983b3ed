"""RFC 9457 problem details with the contract's fixed titles and details."""

import functools
from dataclasses import dataclass
from typing import Any

from lockstep_contract.encoding import dumps

PROBLEM_JSON = "application/problem+json"

# RFC 9110 names, fixed here: http.HTTPStatus differs between Python versions (413, 422).
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
}

INVALID_JSON = "request body is not valid JSON"
INVALID_HOST = "Host must be a host name or address and an optional port"
BAD_STATUS_CODE = "code must be an integer from 200 to 599"
UNAUTHORIZED = "missing or invalid bearer token"
ADMIN_DISABLED = "admin endpoints are disabled: ADMIN_TOKEN is not set"
NOT_FOUND = "no resource at this path"
METHOD_NOT_ALLOWED = "method not allowed on this path"
UNSUPPORTED_MEDIA_TYPE = "Content-Type must be application/json"
SCHEMA_MISMATCH = "request body does not match the schema"
INTERNAL_ERROR = "internal server error"


def bad_delay(max_delay_text: str) -> str:
    return f"seconds must be a decimal number from 0 to {max_delay_text}"


def too_large(max_body_bytes: int) -> str:
    return f"request body exceeds {max_body_bytes} bytes"


@dataclass(frozen=True, slots=True)
class Issue:
    """One 422 item: where (RFC 6901 pointer), which rule, and the rule's fixed message."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


def problem(status: int, detail: str, request_id: str, issue: Issue | None = None) -> bytes:
    """The body of an error answer, members in contract order."""
    if issue is None:
        # The request id needs no escaping (requestid.py), so it goes between fixed bytes.
        head, tail = _frame(status, detail)
        return b"".join((head, request_id.encode(), tail))
    return dumps({**_members(status, detail, request_id), "errors": [issue.as_dict()]})


def _members(status: int, detail: str, request_id: str) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": TITLES[status],
        "status": status,
        "detail": detail,
        "request_id": request_id,
    }


@functools.lru_cache(maxsize=64)  # the contract's (status, detail) pairs, a few per setting
def _frame(status: int, detail: str) -> tuple[bytes, bytes]:
    """The body's bytes before and after the request id: `{..."request_id":"` and `"}`."""
    body = dumps(_members(status, detail, ""))
    return body[:-2], body[-2:]
