"""A small GitHub API on 127.0.0.1 for the template-source tests: repositories, refs, commits.

It speaks the three calls velarun makes (``GET /repos/O/R``, ``GET /repos/O/R/commits/REF``
with the sha media type, ``GET /repos/O/R/contents/PATH?ref=REF``), at the root (as
api.github.com) and under ``/api/v3`` (as GitHub Enterprise), and records every request with
its ``Authorization`` header. A repository with a ``token`` is private: without a token it is
a 404, with another token a 401, as on GitHub.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LARGE = 1000
"""Files over this many bytes come without content in the JSON, as GitHub's over 1 MB do."""


@dataclass
class Repo:
    default_branch: str
    refs: dict[str, str]
    """Branch and tag names to commit shas."""
    files: dict[str, dict[str, bytes]]
    """Commit sha to the files in it (path to content)."""
    token: str | None = None


@dataclass(frozen=True)
class Seen:
    path: str
    """The request's path and query, as sent."""
    accept: str
    authorization: str | None


@dataclass
class FakeGithub:
    repos: dict[str, Repo] = field(default_factory=dict)
    """``org/repo`` to the repository."""
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    """``http://127.0.0.1:PORT``."""
    stopper: Callable[[], None] | None = None
    fail_with: int | None = None
    redirects: dict[str, str] = field(default_factory=dict)
    """Path prefixes answered with a 301 to another base (a renamed repository)."""
    """A status every request is answered with (a GitHub that is down: 502, 503)."""
    fail_message: str | None = None
    """GitHub's JSON ``message`` with ``fail_with`` (else an HTML page)."""

    def stop(self) -> None:
        """Stop answering: the port refuses connections from now on."""
        if self.stopper is not None:
            self.stopper()
            self.stopper = None

    def answer(self, raw_path: str, accept: str, authorization: str | None) -> tuple[int, bytes]:
        """The status and body for a request; a redirect's body is its ``Location``."""
        self.seen.append(Seen(raw_path, accept, authorization))
        if self.fail_with is not None and self.fail_message is not None:
            return _error(self.fail_with, self.fail_message)
        if self.fail_with is not None:
            return self.fail_with, b"<html>down</html>"
        for prefix, target in self.redirects.items():
            if raw_path.startswith(prefix):
                return 301, (target + raw_path.removeprefix(prefix)).encode()
        split = urllib.parse.urlsplit(raw_path)
        path = split.path.removeprefix("/api/v3")
        parts = [urllib.parse.unquote(p) for p in path.split("/")]
        if len(parts) < 4 or parts[1] != "repos":
            return _error(404, "Not Found")
        repo = self.repos.get(f"{parts[2]}/{parts[3]}")
        if repo is None or (repo.token and authorization is None):
            return _error(404, "Not Found")
        if repo.token and authorization != f"token {repo.token}":
            return _error(401, "Bad credentials")
        if len(parts) == 4:
            return 200, json.dumps({"default_branch": repo.default_branch}).encode()
        if parts[4] == "commits" and len(parts) == 6:
            sha = repo.refs.get(parts[5], parts[5])
            if sha not in repo.files:
                return _error(422, f"No commit found for SHA: {parts[5]}")
            if accept == "application/vnd.github.sha":
                return 200, sha.encode()
            return 200, json.dumps({"sha": sha}).encode()
        if parts[4] == "contents":
            ref = urllib.parse.parse_qs(split.query).get("ref", [repo.default_branch])[0]
            sha = repo.refs.get(ref, ref)
            if sha not in repo.files:
                return _error(404, f"No commit found for the ref {ref}")
            return self._contents(repo.files[sha], "/".join(parts[5:]), accept)
        return _error(404, "Not Found")

    def _contents(self, files: dict[str, bytes], path: str, accept: str) -> tuple[int, bytes]:
        if path in files and accept == "application/vnd.github.raw":
            return 200, files[path]
        if path in files and len(files[path]) > LARGE:  # GitHub's over 1 MB, scaled down
            body = {"type": "file", "encoding": "none", "content": "", "path": path}
            return 200, json.dumps(body).encode()
        if path in files:
            content = base64.encodebytes(files[path]).decode()
            body = {"type": "file", "encoding": "base64", "content": content, "path": path}
            return 200, json.dumps(body).encode()
        if any(name.startswith(path + "/") for name in files):
            return 200, json.dumps([{"type": "file", "path": path + "/x"}]).encode()
        return _error(404, "Not Found")


def _error(status: int, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"message": message}).encode()


@contextmanager
def serve(github: FakeGithub) -> Iterator[FakeGithub]:
    """Serve ``github`` on a free port of 127.0.0.1 until the block ends (or ``stop``)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = github.answer(
                self.path, self.headers.get("Accept", ""), self.headers.get("Authorization")
            )
            self.send_response(status)
            if status == 301:
                self.send_header("Location", body.decode())
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    github.url = f"http://127.0.0.1:{server.server_address[1]}"

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join()

    github.stopper = stop
    try:
        yield github
    finally:
        github.stop()
