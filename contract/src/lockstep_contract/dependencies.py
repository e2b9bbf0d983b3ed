"""Readiness checks of the configured DEPENDENCIES (blocking; async callers use a thread)."""

import asyncio
import contextlib
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from lockstep_contract.settings import POSTGRES_SCHEMES

# No proxy from the environment and no redirects: the dependency itself must answer 2xx.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER.add_handler(_NoRedirect())

# SQLSTATE classes of a PostgreSQL server that answered but takes no session now: 08
# connection exception, 53 insufficient resources (53300: too many connections), 57 operator
# intervention (57P03: starting up, shutting down or in recovery; 57P01: shutting down).
# Any other SQLSTATE (a wrong password or database, 28xxx, 3D000) means the server accepts
# connections: so pg_isready counts it too.
_NOT_ACCEPTING = frozenset({"08", "53", "57"})


def is_up(url: str, timeout: float) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "tcp":
        try:
            with socket.create_connection((parts.hostname or "", parts.port or 0), timeout):
                return True
        except OSError:
            return False
    if parts.scheme in POSTGRES_SCHEMES:
        return asyncio.run(_postgres_accepts(url, timeout))
    try:
        with _OPENER.open(url, timeout=timeout) as answer:
            return 200 <= int(answer.status) < 300
    except (OSError, ValueError, urllib.error.HTTPError):
        return False


async def _postgres_accepts(url: str, seconds: float) -> bool:
    """pg_isready's question, asked with a real startup exchange: does the server accept a
    session? Decided by the SQLSTATE of its answer, except that a server at its connection
    limit counts as not accepting (pg_isready says it accepts)."""
    # asyncpg rather than psycopg: libpq (psycopg's base) keeps the SQLSTATE of a refused
    # connection to itself (PQping only sums it up), and rounds connect_timeout up to 2 s.
    # Imported here: a service with no postgresql:// dependency never pays its 0.2 s import.
    import asyncpg  # noqa: PLC0415

    deadline = asyncio.get_running_loop().time() + seconds
    try:
        async with asyncio.timeout_at(deadline):
            connection = await asyncpg.connect(url, timeout=seconds)
    except asyncpg.PostgresError as error:
        return str(error.sqlstate)[:2] not in _NOT_ACCEPTING
    except Exception:  # refused, unreachable, timed out, a TLS or protocol error: not ready
        return False
    # Accepted. The session ends politely (the server logs a bare disconnect), within the time.
    with contextlib.suppress(Exception):
        async with asyncio.timeout_at(deadline):
            await connection.close()
    if not connection.is_closed():
        connection.terminate()
    return True
