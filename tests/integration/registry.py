"""A Distribution registry (Debian's ``docker-registry``) on a loopback port, for the tests of
pulls: started with its own configuration and storage, stopped and removed afterwards. The
engine trusts registries on 127.0.0.0/8 without TLS, so nothing else is needed."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from tests.conftest import TEST_IMAGE

REGISTRY = "/usr/bin/docker-registry"
CONFIG = """version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def local_registry() -> Iterator[str]:
    """A registry serving on ``127.0.0.1:PORT`` (yielded), gone with its storage afterwards.
    A machine without the package fails the test (``make registry`` installs it)."""
    if not os.access(REGISTRY, os.X_OK):
        pytest.fail(f"{REGISTRY} is missing: run `bash .ci/ensure-registry` (make registry)")
    where = Path(tempfile.mkdtemp(prefix="velarun-registry-"))
    port = free_port()
    config = where / "config.yml"
    config.write_text(CONFIG.format(storage=where / "storage", port=port))
    log = (where / "registry.log").open("wb")
    proc = subprocess.Popen([REGISTRY, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        address = f"127.0.0.1:{port}"
        wait_until_up(address, proc, where / "registry.log")
        yield address
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(where, ignore_errors=True)


def wait_until_up(address: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the registry exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://{address}/v2/", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the registry never answered: {log.read_text()}")


def _context(size: int) -> bytes:
    """A build context: a Dockerfile over the test image and a file of random bytes, so the
    image has a layer of its own that the engine must download."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in (
            ("Dockerfile", f"FROM {TEST_IMAGE}\nCOPY blob /blob\n".encode()),
            ("blob", os.urandom(size)),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@contextmanager
def pushed_image(client: Any, address: str, size: int = 8_000_000) -> Iterator[str]:
    """An image made for the test (the test image plus a layer of ``size`` random bytes),
    pushed to the registry at ``address`` and removed from the engine: pulling it downloads
    that layer. Its name is yielded; whatever the engine holds of it afterwards is removed."""
    name = f"{address}/velarun-test/progress:{uuid.uuid4().hex[:8]}"
    image, _ = client.images.build(
        fileobj=io.BytesIO(_context(size)), custom_context=True, tag=name, pull=False, rm=True
    )
    try:
        for event in client.api.push(name, stream=True, decode=True):
            assert "error" not in event, event
        client.images.remove(name, noprune=False)
        yield name
    finally:
        for ref in (name, image.id):
            try:
                client.images.remove(ref, force=True)
            except docker.errors.ImageNotFound:
                pass
