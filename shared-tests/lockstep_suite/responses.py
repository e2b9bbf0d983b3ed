"""An HTTP/1.1 answer read off a socket, parsed into a `Reply`: status, headers, and the body
framed as the answer says (Content-Length, chunked, or up to the end of the connection)."""

from lockstep_suite.messages import Reply

HEAD_END = b"\r\n\r\n"


def parse_response(data: bytes, method: str) -> Reply:
    """The last final answer in `data` (skipping 1xx answers such as 100 Continue)."""
    while True:
        head, _, rest = data.partition(HEAD_END)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        headers = [
            (name.decode("latin-1").strip(), value.decode("latin-1").strip())
            for name, _, value in (line.partition(b":") for line in lines[1:])
        ]
        if 100 <= status < 200:
            data = rest
            continue
        break
    names = {name.lower(): value for name, value in headers}
    if method == "HEAD" or status in (204, 304):
        body = b""
    elif "content-length" in names:
        body = rest[: int(names["content-length"])]
    elif "chunked" in names.get("transfer-encoding", "").lower():
        body = dechunk(rest)
    else:
        body = rest
    return Reply(status, headers, body)


def body_length(data: bytes, method: str) -> int:
    """How many body bytes follow the head in `data`, by its Content-Length (0 for HEAD)."""
    if method == "HEAD":
        return 0
    return int(parse_response(data, method).header("Content-Length") or "0")


def dechunk(data: bytes) -> bytes:
    body = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        body, data = body + data[:size], data[size + 2 :]
    return body
