"""The contract's JSON rules: compact UTF-8 output, strict RFC 8259 input."""

import json
from typing import Any

JSON = "application/json"  # the media type of every JSON answer, and of the bodies accepted
# Deeper bodies are 400: no contract body nests more than 2 levels, and without a fixed limit
# the cut-off would be Python's recursion limit, which moves with each framework's stack.
MAX_DEPTH = 64


class BodyError(ValueError):
    """The request body is not one strict UTF-8 JSON value."""


# One encoder: json.dumps() with options builds a new one on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps(value: Any) -> bytes:
    """Encode as the contract says: UTF-8, non-ASCII as itself, compact, no NaN."""
    return _ENCODER.encode(value).encode()


def _reject_constant(name: str) -> Any:
    raise BodyError(f"{name} is not JSON")


def loads(body: bytes) -> Any:
    """Decode a request body strictly; every failure is a BodyError (the contract's 400)."""
    try:
        text = body.decode("utf-8")
        value = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError and integers past sys.get_int_max_str_digits().
        raise BodyError(str(exc)) from None
    _check_values(value)
    return value


def _check_values(value: Any) -> None:
    """Nesting within MAX_DEPTH, and no lone surrogate (json.loads accepts "\ud800", but
    such a string cannot be written back as UTF-8)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list) and depth > MAX_DEPTH:
            raise BodyError(f"nested deeper than {MAX_DEPTH}")
        elif isinstance(item, dict):
            for key, member in item.items():
                _check_text(key)
                stack.append((member, depth + 1))
        elif isinstance(item, list):
            stack.extend((member, depth + 1) for member in item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyError("lone surrogate in a string") from None
