"""The raw socket client: a `Request` put on the wire byte for byte as written.

httpx would normalise `/docs/../x`, refuse bytes it thinks illegal and upper-case methods;
this client sends exactly the request line, headers and body pieces it is given, on a
connection of its own, and reads the answer with `responses.parse_response`.
"""

import contextlib
import socket
import ssl
import time
from urllib.parse import urlsplit

from lockstep_suite.messages import Reply, Request
from lockstep_suite.responses import HEAD_END, body_length, parse_response

READ_SIZE = 1 << 16  # bytes asked of each recv()


def _connect(base_url: str, timeout: float) -> tuple[socket.socket, str]:
    """A connection to `base_url` (TLS for https) and the Host value that names it."""
    address = urlsplit(base_url)
    secure = address.scheme == "https"
    host = address.hostname or "127.0.0.1"
    port = address.port or (443 if secure else 80)
    sock = socket.create_connection((host, port), timeout=timeout)
    if secure:
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
    return sock, f"{host}:{port}" if address.port else host


def head_bytes(request: Request, host: str, close: bool = True) -> bytes:
    """The request line and headers: Host first unless the request carries its own."""
    lines = [f"{request.method} {request.target} HTTP/1.1".encode("latin-1")]
    headers = request.framed_headers()
    if not request.values("Host"):
        headers.insert(0, ("Host", host.encode()))
    lines += [name.encode("latin-1") + b": " + value for name, value in headers]
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + HEAD_END


def send(base_url: str, request: Request, timeout: float = 30.0) -> Reply:
    """One request on a connection of its own, read to the end of the connection."""
    pieces = request.body_pieces()
    pause = request.dribble / max(1, len(pieces))
    received = b""
    sock, host = _connect(base_url, timeout)
    with sock:
        try:
            sock.sendall(head_bytes(request, host))
            for piece in pieces:
                if pause:
                    time.sleep(pause)
                sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before the whole body: read what it said
        try:
            while chunk := sock.recv(READ_SIZE):
                received += chunk
        except ConnectionResetError:
            if not received:
                raise
    return parse_response(received, request.method)


def reuse_after(base_url: str, request: Request, timeout: float = 10.0) -> str:
    """`request` sent whole on a kept-alive connection, then GET /health on it: "413 200", or
    "413 close" when the first answer said Connection: close (the server may then close)."""
    sock, host = _connect(base_url, timeout)
    with sock:
        with contextlib.suppress(OSError):  # the server may stop reading: read its answer
            sock.sendall(head_bytes(request, host, close=False))
            sock.sendall(b"".join(request.body_pieces()))
        first = read_one(sock, request.method)
        if first is None:
            return "no answer"
        if (first.header("Connection") or "").lower() == "close":
            return f"{first.status} close"
        try:
            sock.sendall(f"GET /health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            second = read_one(sock, "GET")
        except OSError as error:
            return f"{first.status} {type(error).__name__}"
        return f"{first.status} {second.status if second else 'closed without an answer'}"


def read_one(sock: socket.socket, method: str) -> Reply | None:
    """One answer off a kept-alive connection (Content-Length framed), None at EOF."""
    data = b""
    while HEAD_END not in data:
        chunk = sock.recv(READ_SIZE)
        if not chunk:
            return None
        data += chunk
    length = body_length(data, method)
    while len(data.partition(HEAD_END)[2]) < length:
        chunk = sock.recv(READ_SIZE)
        if not chunk:
            break
        data += chunk
    return parse_response(data, method)
