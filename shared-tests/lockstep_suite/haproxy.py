"""HAProxy as an operator runs it in front of lockstep instances (the swap drill): Debian's
haproxy in the foreground on 127.0.0.1, a health check of GET /readiness every 200 ms that
takes a server out at the first failure (a 503, a refused connection, no answer within 2 s)
and back at the first success, no retry (as kube-proxy forwards without one), and the
serving server named in `X-Served-By`.

Each instance of a drill has a slot, a `server` line whose address is a closed port until
an instance is given to it: HAProxy's own health check then marks it UP, as it marks it
DOWN once the instance's readiness fails. The runtime API on the admin socket moves a slot
to an instance's port, puts a slot whose instance is gone in maintenance, and reads the
servers' states."""

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from lockstep_suite.servers import free_port, new_workdir

INSTALL_HINT = "haproxy is not installed: apt-get install haproxy"
BACKEND = "instances"
SERVED_BY = "x-served-by"
_CONFIG = """\
global
    stats socket {socket} mode 600 level admin
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 0

frontend clients
    bind 127.0.0.1:{port}
    default_backend {backend}

backend {backend}
    balance roundrobin
    option httpchk GET /readiness
    http-check expect status 200
    default-server inter 200ms fall 1 rise 1
    # A check's answer may take longer than `inter` (its default bound) on a busy machine:
    # a slow answer is not a failed one.
    timeout check 2s
    http-response set-header X-Served-By %s
{servers}
"""


@dataclass
class Proxy:
    """A running haproxy with one slot per instance of the drill."""

    slots: tuple[str, ...]
    workdir: Path
    port: int
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, slots: tuple[str, ...], timeout: float = 10.0) -> "Proxy":
        haproxy = shutil.which("haproxy")
        if haproxy is None:
            raise RuntimeError(INSTALL_HINT)
        workdir, port, closed = new_workdir(), free_port(), free_port()
        servers = "\n".join(f"    server {slot} 127.0.0.1:{closed} check" for slot in slots)
        config = workdir / "haproxy.cfg"
        config.write_text(
            _CONFIG.format(
                socket=workdir / "admin.sock", port=port, backend=BACKEND, servers=servers
            )
        )
        with (workdir / "haproxy.log").open("wb") as log:
            process = subprocess.Popen(
                [haproxy, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT
            )
        proxy = cls(slots, workdir, port, process)
        deadline = time.monotonic() + timeout
        # HAProxy counts a server UP until its first check: ready once every slot is DOWN.
        while not (workdir / "admin.sock").exists() or set(proxy.states().values()) != {"DOWN"}:
            if process.poll() is not None or time.monotonic() > deadline:
                proxy.stop()
                raise RuntimeError(f"haproxy did not start:\n{proxy.log()}")
            time.sleep(0.05)
        return proxy

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, line: str) -> str:
        """One command of HAProxy's runtime API, and its answer."""
        with socket.socket(socket.AF_UNIX) as admin:
            admin.settimeout(5)
            admin.connect(str(self.workdir / "admin.sock"))
            admin.sendall(line.encode() + b"\n")
            answer = b""
            while chunk := admin.recv(65536):
                answer += chunk
        return answer.decode()

    def states(self) -> dict[str, str]:
        """Each slot's status as `show stat` says it: UP, DOWN, MAINT, ..."""
        header, *rows = self.command("show stat").splitlines()
        names = header.removeprefix("# ").split(",")
        states = {}
        for row in rows:
            fields = dict(zip(names, row.split(","), strict=False))
            if fields.get("pxname") == BACKEND and fields.get("svname") in self.slots:
                states[fields["svname"]] = fields["status"]
        return states

    def point(self, slot: str, port: int) -> str:
        """Give `slot` the instance on `port` (its next check decides); HAProxy's answer,
        for a report: whether it worked shows in `states`."""
        return self.command(f"set server {BACKEND}/{slot} addr 127.0.0.1 port {port}")

    def retire(self, slot: str) -> str:
        """Maintenance for a slot whose instance is gone: no more checks of a closed port."""
        return self.command(f"disable server {BACKEND}/{slot}")

    def wait_for(self, slot: str, status: str, timeout: float) -> float:
        """Seconds until `slot` has `status`; RuntimeError after `timeout`."""
        started = time.monotonic()
        while (seen := self.states().get(slot)) != status:
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"{slot} is {seen}, not {status}, after {timeout}s")
            time.sleep(0.02)
        return time.monotonic() - started

    def log(self) -> str:
        path = self.workdir / "haproxy.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
