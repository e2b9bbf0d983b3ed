"""Helpers of the shutdown and restart drills: one request's outcome as text, whether it shows
an instance shutting down, a kept-alive connection read byte by byte, and the container
engine's view of an image (its HEALTHCHECK)."""

import json
import socket
import subprocess
from dataclasses import dataclass
from typing import Any

import httpx

from lockstep_suite.profile import ADMIN_TOKEN
from lockstep_suite.servers import LAUNCHER

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
# A signal reaches a server's master (and, in a container, goes through the engine's client)
# asynchronously: the moment it is sent is not yet the moment readiness fails.
SIGNAL_DELIVERY = 0.25
SHUTTING_DOWN = '{"name":"shutdown","status":"fail"}'


def outcome(client: httpx.Client, path: str) -> str:
    """`<status> <body>` of one request, or the name of the transport error."""
    try:
        response = client.get(path)
    except httpx.TransportError as error:
        return type(error).__name__
    return f"{response.status_code} {response.text}"


def fetch(base_url: str, path: str, timeout: float = 15.0) -> str:
    """`outcome` of one request on a connection of its own."""
    with httpx.Client(base_url=base_url, trust_env=False, timeout=timeout) as client:
        return outcome(client, path)


def refused_or_not_ready(result: str) -> bool:
    """The answer of an instance that is shutting down: no answer, or readiness failing
    because of the shutdown."""
    return not result[:1].isdigit() or (result.startswith("503 ") and SHUTTING_DOWN in result)


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


class KeptConnection:
    """One keep-alive connection, to see what the server does with it (httpx would hide a
    close behind a new connection)."""

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self._buffer = b""

    def get(self, path: str) -> RawAnswer:
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        while b"\r\n\r\n" not in self._buffer:
            self._buffer += self._receive()
        head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers["content-length"])
        while len(self._buffer) < length:
            self._buffer += self._receive()
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        return RawAnswer(int(status_line.split()[1]), headers, body)

    def closed_by_server(self) -> bool:
        """Whether the server closes the connection (within the socket's timeout)."""
        try:
            return self.sock.recv(1) == b""
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()

    def _receive(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection before answering")
        return data


def engine() -> str:
    """The container engine the suite was given (--container-engine)."""
    assert LAUNCHER.engine is not None, "a container test ran without --container-engine"
    return LAUNCHER.engine


def healthcheck(image: str) -> list[str]:
    """The image's HEALTHCHECK test, e.g. ["CMD", "python", "-c", "..."]."""
    # Both engines answer this template (podman keeps the healthcheck out of `.Config`'s JSON).
    test: list[str] = inspect_image(image, ".Config.Healthcheck.Test")
    return test


def inspect_image(image: str, field: str) -> Any:
    """One field of the engine's `image inspect`, e.g. ".Config.Env", as JSON."""
    found = subprocess.run(
        [engine(), "image", "inspect", image, "--format", f"{{{{json {field}}}}}"],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    return json.loads(found.stdout)


def run_healthcheck(container: str, image: str) -> subprocess.CompletedProcess[bytes]:
    """The image's HEALTHCHECK run once in `container`: status 0 when healthy."""
    if engine() == "podman":
        # podman runs it as the engine would; its lines about the systemd timer are harmless.
        command = ["podman", "healthcheck", "run", container]
    else:
        # docker has no one-shot run (its daemon probes every interval): exec the same test.
        command = ["docker", "exec", container, *healthcheck(image)[1:]]
    return subprocess.run(command, capture_output=True, check=False, timeout=60)
