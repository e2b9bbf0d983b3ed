"""X-Request-ID: keep a well-formed inbound id, otherwise make one of the fixed format."""

import os
import re

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# Ids made per call of os.urandom: a system call for every request cost more than the rest of
# making the id (bench/README.md), so one call makes this many.
_BATCH = 256
_ids: list[str] = []
# A forked worker must not hand out the ids its parent will: it makes its own.
os.register_at_fork(after_in_child=_ids.clear)


def resolve(inbound: str | None) -> str:
    if inbound is not None and _VALID.fullmatch(inbound):
        return inbound
    return new_id()


def new_id() -> str:
    """A random UUID4 as 32 lowercase hex digits (os.urandom's bytes, version and variant set).
    list.pop is atomic: threads of one worker never get the same id."""
    while True:
        try:
            return _ids.pop()
        except IndexError:
            _ids.extend(_made())


def _made() -> list[str]:
    raw = bytearray(os.urandom(16 * _BATCH))
    for start in range(0, len(raw), 16):
        raw[start + 6] = raw[start + 6] & 0x0F | 0x40  # version 4
        raw[start + 8] = raw[start + 8] & 0x3F | 0x80  # RFC 9562 variant
    digits = raw.hex()
    return [digits[start : start + 32] for start in range(0, len(digits), 32)]
