"""A Unix-socket proxy in front of the Docker Engine that can hold one chosen API request.

The signal tests point velarun at it (``DOCKER_HOST=unix://...``) to catch a run inside one
phase: the proxy forwards every request untouched, except that the first request matching the
armed rule waits until the test releases it (or for good, to play a hung engine). ``hit`` tells
the test the run is now blocked inside that Docker call.

Requests (client to engine) are parsed just enough to find their boundaries on a keep-alive
connection: headers, then a ``Content-Length`` body. After a chunked body or a connection
upgrade (attach), the rest of that connection is piped blindly. Responses are always piped
blindly, so streamed logs and waits pass through as they are.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from pathlib import Path


class DockerProxy:
    def __init__(self, upstream: str, path: Path) -> None:
        self.upstream = upstream
        self.path = path
        self.hit = threading.Event()
        self.released = threading.Event()
        self.seen: list[str] = []
        self._rule: tuple[str, re.Pattern[str]] | None = None
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    @property
    def url(self) -> str:
        return f"unix://{self.path}"

    def hold(self, method: str, path_pattern: str) -> None:
        """Hold the first ``method`` request whose path (no API version, no query) matches."""
        self._rule = (method, re.compile(path_pattern))

    def release(self) -> None:
        self.released.set()

    def __enter__(self) -> DockerProxy:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.path))
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        if self._server is not None:
            sockets.append(self._server)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.path.unlink(missing_ok=True)

    def _accept(self) -> None:
        assert self._server is not None
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.upstream)
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
            threading.Thread(target=self._requests, args=(client, upstream), daemon=True).start()

    def _should_hold(self, method: str, target: str) -> bool:
        path = re.sub(r"^/v[0-9.]+", "", target.split("?", 1)[0])
        with self._lock:
            self.seen.append(f"{method} {path}")
            rule = self._rule
            if rule is None or rule[0] != method or not rule[1].search(path):
                return False
            self._rule = None  # the first match only
        return True

    def _requests(self, client: socket.socket, upstream: socket.socket) -> None:
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = client.recv(65536)
                    if not data:
                        return
                    buf += data
                head, buf = buf.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, target = lines[0].split(" ")[:2]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:])
                }
                if self._should_hold(method, target):
                    self.hit.set()
                    self.released.wait(timeout=120)
                upstream.sendall(head + b"\r\n\r\n")
                if "upgrade" in headers or "chunked" in headers.get("transfer-encoding", ""):
                    upstream.sendall(buf)
                    _pipe(client, upstream)
                    return
                length = int(headers.get("content-length", "0"))
                while len(buf) < length:
                    data = client.recv(65536)
                    if not data:
                        return
                    buf += data
                upstream.sendall(buf[:length])
                buf = buf[length:]
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                upstream.shutdown(socket.SHUT_WR)


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
