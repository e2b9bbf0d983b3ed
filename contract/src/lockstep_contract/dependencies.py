"""Readiness checks of the configured DEPENDENCIES (blocking; async callers use a thread)."""

import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

# No proxy from the environment and no redirects: the dependency itself must answer 2xx.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER.add_handler(_NoRedirect())


def is_up(url: str, timeout: float) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "tcp":
        try:
            with socket.create_connection((parts.hostname or "", parts.port or 0), timeout):
                return True
        except OSError:
            return False
    try:
        with _OPENER.open(url, timeout=timeout) as answer:
            return 200 <= int(answer.status) < 300
    except (OSError, ValueError, urllib.error.HTTPError):
        return False
