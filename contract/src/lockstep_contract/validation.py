"""The contract's body rules as data (limits, codes, messages) and a plain-Python validator.

Frameworks validate in their own idiom. `validate_echo` and `validate_flag` state the rules
directly and name the contract's one 422 item: Flask validates with them, Litestar asks them
which item to report once msgspec has rejected a body; FastAPI maps pydantic's structured
errors to `Issue`s and `first_issue` picks the one the contract reports. A rejection that
cannot be named is `UnmappedRejectionError` in every implementation.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lockstep_contract.problems import Issue

MESSAGE_MAX = 1000
METADATA_MAX_ENTRIES = 16
KEY_MAX = 64
VALUE_MAX = 256

MESSAGES = {
    "not_object": "must be an object",
    "not_string": "must be a string",
    "not_boolean": "must be a boolean",
    "required": "field required",
    "extra_forbidden": "unknown field",
    "too_short": "must have at least 1 character",
    "too_many_entries": f"must have at most {METADATA_MAX_ENTRIES} entries",
    "key_too_short": "key must have at least 1 character",
    "key_too_long": f"key must have at most {KEY_MAX} characters",
}


def pointer(*tokens: str) -> str:
    """RFC 6901 JSON pointer from unescaped reference tokens."""
    return "".join("/" + token.replace("~", "~0").replace("/", "~1") for token in tokens)


def issue(code: str, *tokens: str, limit: int | None = None) -> Issue:
    message = f"must have at most {limit} characters" if code == "too_long" else MESSAGES[code]
    return Issue(pointer(*tokens), code, message)


class InvalidBodyError(Exception):
    """A body that breaks the contract's rules: the 422 answer, with its one item."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(f"{issue.field}: {issue.message}")
        self.issue = issue


class UnmappedRejectionError(Exception):
    """A framework's validator rejected a body and the contract has no item for it (an error
    type the mapping does not know, or a body the contract's rules accept). A bug in the
    implementation: it is answered 500 and logged like any other, never a guessed 422 item."""


def rejected(found: object) -> Issue:
    """The item to report for a body that a framework's validator rejected, given what the
    contract's own validator (validate_echo, validate_flag) found in the same body."""
    if isinstance(found, Issue):
        return found
    raise UnmappedRejectionError("the framework rejected a body that the contract accepts")


@dataclass(frozen=True, slots=True)
class EchoIn:
    message: str
    metadata: dict[str, str] = field(default_factory=dict)


def first_issue(issues: Iterable[Issue], body: Any) -> Issue:
    """Of several issues (a validator that reports all), the one the contract reports.

    The contract reports what a streaming decoder meets first: a problem with the whole
    body, then members in document order, then missing members.
    """
    order = (
        {pointer(name): index for index, name in enumerate(body)} if isinstance(body, dict) else {}
    )

    def rank(found: Issue) -> tuple[int, int, int, int]:
        if found.field == "":
            return (0, 0, 0, 0)
        if found.code == "required":
            return (2, 0, 0, 0)
        top, inside, rest = found.field[1:].partition("/")
        position = order.get("/" + top, len(order))
        is_key = found.code.startswith("key_")
        entry = _entry_rank(body, top, rest) if inside else -1
        # Within one entry, its key is met before its value.
        return (1, position, entry, 0 if is_key else 1)

    return min(issues, key=rank)


def _entry_rank(body: dict[str, Any], top: str, rest: str) -> int:
    metadata = body.get(top)
    if not isinstance(metadata, dict):
        return -1
    keys = [pointer(key)[1:] for key in metadata]
    return keys.index(rest) if rest in keys else -1


def validate_echo(body: Any) -> EchoIn | Issue:
    """The echo rules in document order; the first problem met is the answer."""
    if not isinstance(body, dict):
        return issue("not_object")
    for name, value in body.items():
        found = _check_member(name, value)
        if found is not None:
            return found
    if "message" not in body:
        return issue("required", "message")
    return EchoIn(body["message"], body.get("metadata", {}))


def _check_member(name: str, value: Any) -> Issue | None:
    if name == "message":
        return _check_text(value, 1, MESSAGE_MAX, "message")
    if name == "metadata":
        return _check_metadata(value)
    return issue("extra_forbidden", name)


def _check_text(value: Any, low: int, high: int, *tokens: str) -> Issue | None:
    if not isinstance(value, str):
        return issue("not_string", *tokens)
    if len(value) < low:
        return issue("too_short", *tokens)
    if len(value) > high:
        return issue("too_long", *tokens, limit=high)
    return None


def _check_metadata(value: Any) -> Issue | None:
    if not isinstance(value, dict):
        return issue("not_object", "metadata")
    if len(value) > METADATA_MAX_ENTRIES:
        return issue("too_many_entries", "metadata")
    for key, entry in value.items():
        if len(key) < 1:
            return issue("key_too_short", "metadata", key)
        if len(key) > KEY_MAX:
            return issue("key_too_long", "metadata", key)
        found = _check_text(entry, 0, VALUE_MAX, "metadata", key)
        if found is not None:
            return found
    return None


def validate_flag(body: Any, member: str) -> bool | Issue:
    """`{"healthy": bool}` / `{"ready": bool}`: the admin bodies."""
    if not isinstance(body, dict):
        return issue("not_object")
    for name, value in body.items():
        if name != member:
            return issue("extra_forbidden", name)
        if not isinstance(value, bool):
            return issue("not_boolean", name)
    if member not in body:
        return issue("required", member)
    return bool(body[member])
