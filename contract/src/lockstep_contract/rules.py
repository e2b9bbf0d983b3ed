"""Small request rules applied alike everywhere: path parameters, media type, admin token, and
the Host header the middleware checks."""

import hmac
import re
from decimal import Decimal

from lockstep_contract.encoding import JSON

_DELAY = re.compile(r"(0|[1-9][0-9]{0,5})(\.[0-9]{1,6})?")
_STATUS = re.compile(r"[2-5][0-9]{2}")
_BEARER = re.compile(r"Bearer ([\x21-\x7e]+)")
# RFC 9110 7.2: uri-host [":" port], the host an IP literal in brackets or a reg-name (RFC 3986
# 3.2.2; empty allowed; the loop unrolled, a regex per request must not backtrack). Stricter
# than Litestar's own check, which therefore never answers.
_REG_NAME = r"[0-9A-Za-z._~!$&'()*+,;=-]*"
_HOST = re.compile(
    rf"(?:\[[0-9A-Za-z._~!$&'()*+,;=:-]+\]|{_REG_NAME}(?:%[0-9A-Fa-f]{{2}}{_REG_NAME})*)(?::[0-9]*)?"
)


def delay_seconds(text: str, max_delay: Decimal) -> Decimal | None:
    """The delay asked for, or None when the path text is not one the contract accepts."""
    if not _DELAY.fullmatch(text):
        return None
    value = Decimal(text)
    return value if value <= max_delay else None


def status_code(text: str) -> int | None:
    if not _STATUS.fullmatch(text):
        return None
    return int(text)


def has_body(status: int) -> bool:
    return status not in (204, 304)


def is_json(content_type: str | None) -> bool:
    """`application/json`, any case, parameters allowed but a charset must be utf-8."""
    if content_type is None:
        return False
    media_type, *parameters = content_type.split(";")
    if media_type.strip().lower() != JSON:
        return False
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            return False
    return True


def admin_refusal(authorization: str | None, admin_token: str | None) -> int | None:
    """403 when admin is off, 401 for a missing or wrong token, None when allowed."""
    if admin_token is None:
        return 403
    found = _BEARER.fullmatch(authorization or "")
    offered = found.group(1) if found else ""
    # compare_digest: the time taken does not tell how much of the token was right.
    if not hmac.compare_digest(offered.encode(), admin_token.encode()):
        return 401
    return None


# Host values seen valid: a service is reached by a few names, so most requests skip the regex.
_valid_hosts: set[str] = set()
_VALID_HOSTS_MAX = 256


def is_valid_host(host: str | None) -> bool:
    """RFC 9112 3.2: a Host with an invalid value is a 400; an absent one is the server's."""
    if host is None or host in _valid_hosts:
        return True
    if _HOST.fullmatch(host) is None:
        return False
    if len(_valid_hosts) < _VALID_HOSTS_MAX:
        _valid_hosts.add(host)
    return True
