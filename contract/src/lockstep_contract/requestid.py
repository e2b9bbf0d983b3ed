"""X-Request-ID: keep a well-formed inbound id, otherwise make one of the fixed format."""

import re
import uuid

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def resolve(inbound: str | None) -> str:
    if inbound is not None and _VALID.fullmatch(inbound):
        return inbound
    return uuid.uuid4().hex
