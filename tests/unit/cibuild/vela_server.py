"""A small Vela server on 127.0.0.1 for the ``--build`` tests: the two calls velarun makes.

``GET /api/v1/repos/{org}/{repo}/builds/{n}`` answers a build, ``.../builds/{n}/steps``
its steps a page at a time (``per_page``, ``page``, as the server's ``api/step/list.go``).
Every request is recorded with its ``Authorization`` header. With a ``token`` set, a request
without ``Bearer <token>`` is a 401, as on the server. The JSON shapes follow the server's
``api/types`` ``Build`` and ``Step`` (``omitempty``: a field that is not set is absent).
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Seen:
    path: str
    authorization: str | None


@dataclass
class FakeVela:
    builds: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``org/repo#n`` to the build's JSON."""
    steps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """``org/repo#n`` to its steps' JSON."""
    token: str | None = "s3cret-token"
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    steps_fail_with: int | None = None
    """A status the steps call is answered with (a server failing after the build started)."""

    def answer(self, raw_path: str, authorization: str | None) -> tuple[int, Any]:
        self.seen.append(Seen(raw_path, authorization))
        if self.token is not None and authorization != f"Bearer {self.token}":
            return 401, {"error": "unable to parse token"}
        split = urllib.parse.urlsplit(raw_path)
        parts = split.path.split("/")
        # "", api, v1, repos, org, repo, builds, n[, steps]
        if len(parts) < 8 or parts[1:4] != ["api", "v1", "repos"] or parts[6] != "builds":
            return 404, {"error": "not found"}
        key = f"{parts[4]}/{parts[5]}#{parts[7]}"
        if key not in self.builds:
            return 404, {"error": f"unable to retrieve build {parts[7]}"}
        if len(parts) == 8:
            return 200, self.builds[key]
        if parts[8:] != ["steps"]:
            return 404, {"error": "not found"}
        if self.steps_fail_with is not None:
            return self.steps_fail_with, {"error": "database is down"}
        query = urllib.parse.parse_qs(split.query)
        per_page = int(query.get("per_page", ["10"])[0])
        page = int(query.get("page", ["1"])[0])
        steps = self.steps.get(key, [])
        return 200, steps[(page - 1) * per_page : page * per_page]


@contextmanager
def serve(vela: FakeVela) -> Iterator[FakeVela]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = vela.answer(self.path, self.headers.get("Authorization"))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    vela.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield vela
    finally:
        server.shutdown()
        server.server_close()


def build_json(number: int, **fields: Any) -> dict[str, Any]:
    """A build as ``GET .../builds/{n}`` answers it for a push to main of octo/app."""
    build: dict[str, Any] = {
        "id": 9042,
        "repo": {
            "id": 7,
            "org": "octo",
            "name": "app",
            "full_name": "octo/app",
            "link": "https://github.com/octo/app",
            "clone": "https://github.com/octo/app.git",
            "branch": "main",
            "active": True,
        },
        "pipeline_id": 311,
        "number": number,
        "parent": number - 1,
        "event": "push",
        "status": "failure",
        "error": "",
        "enqueued": 1764540000,
        "created": 1764540000,
        "started": 1764540003,
        "finished": 1764540090,
        "deploy": "",
        "clone": "https://github.com/octo/app.git",
        "source": "https://github.com/octo/app/commit/0000",
        "title": "push received from https://github.com/octo/app",
        "message": "Fix the flaky unit test",
        "commit": "0" * 40,
        "sender": "octocat",
        "sender_scm_id": "583231",
        "author": "octocat",
        "email": "octocat@github.com",
        "link": f"https://vela.example.com/octo/app/{number}",
        "branch": "main",
        "ref": "refs/heads/main",
        "base_ref": "",
        "head_ref": "",
        "host": "worker-3",
        "runtime": "docker",
        "distribution": "linux",
    }
    build.update(fields)
    return {k: v for k, v in build.items() if v is not None}


def step_json(
    number: int, name: str, status: str, stage: str = "", **fields: Any
) -> dict[str, Any]:
    """A step as ``GET .../steps`` lists it (``stage`` absent in a steps pipeline)."""
    step: dict[str, Any] = {
        "id": 50000 + number,
        "build_id": 9042,
        "repo_id": 7,
        "number": number,
        "name": name,
        "image": "alpine:latest",
        "status": status,
        "error": "",
        "exit_code": 1 if status == "failure" else 0,
        "created": 1764540003,
        "started": 1764540004,
        "finished": 1764540010,
        "host": "worker-3",
        "runtime": "docker",
        "distribution": "linux",
    }
    if stage:
        step["stage"] = stage
    step.update(fields)
    return step
