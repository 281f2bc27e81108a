"""A second dockerd of a test's own: its own socket, data root, exec root and network
namespace, so killing it touches nothing the other tests use; optionally its own view of the
filesystem too, with directories of this machine hidden from it, to play a remote host.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, TEST_IMAGE
from tests.integration.conftest import start_until

LONG_RUN = f"""version: "1"
services:
  - name: web
    image: {TEST_IMAGE}
    pull: never
    entrypoint: ["sh", "-c", "exec sleep 60"]
steps:
  - name: long
    image: {TEST_IMAGE}
    pull: never
    commands: ["echo begin", "sleep 60"]
  - name: after
    image: {TEST_IMAGE}
    pull: never
    commands: ["echo after"]
"""
"""A run that is in the middle of its step `long` (a service beside it) once `begin` shows."""


@dataclass(frozen=True)
class Ended:
    code: int
    elapsed: float
    """Seconds from the fault to velarun's end."""
    out: str
    err: str


def fault_mid_step(cwd: Path, docker_host: str, fault: Callable[[], None]) -> Ended:
    """`velarun exec --report report.json` of the pipeline in ``cwd`` on the engine at
    ``docker_host``; ``fault`` once its step `long` has begun; how and when velarun ended."""
    proc = start_until(
        cwd, ["--report", "report.json"], "[step: long] begin", {"DOCKER_HOST": docker_host}
    )
    started = time.monotonic()
    fault()
    try:
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
    elapsed = time.monotonic() - started
    with proc:  # closes its pipes
        out = proc.stdout.read() if proc.stdout else ""
        err = proc.stderr.read() if proc.stderr else ""
    return Ended(code, elapsed, out, err)


def wait_answering(proc: subprocess.Popen[bytes], path: Path, log: Path, what: str) -> None:
    """Until the engine ``proc`` started answers on its socket ``path`` (60 s at most; else
    the end of its ``log``)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if ping_socket(path):
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:]
    raise AssertionError(f"{what} did not answer within 60 s:\n{tail}")


def ping_socket(path: Path) -> bool:
    """GET /_ping on an engine's Unix socket, without the SDK (whose client connects on
    creation): True once it answers 200 OK (Docker's HTTP/1.0, Podman's HTTP/1.1)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(path))
            sock.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
        return reply.startswith(b"HTTP/1.") and b" 200 " in reply and reply.endswith(b"OK")
    except OSError:
        return False


def velarun_clean(cwd: Path, docker_host: str) -> subprocess.CompletedProcess[str]:
    """`velarun clean` against the engine at ``docker_host``."""
    return subprocess.run(
        [sys.executable, "-m", "velarun", "clean"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "DOCKER_HOST": docker_host, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


class SecondEngine:
    def __init__(self, where: Path, hide: Path | None = None) -> None:
        self.where = where
        self.hide = hide
        """A directory of this machine the engine sees empty (a tmpfs over it, in a mount
        namespace of its own): it cannot bind-mount anything under it."""
        self.socket = where / "docker.sock"
        self.url = f"unix://{self.socket}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._stop_orphaned_containerd()
        with (self.where / "dockerd.log").open("ab") as log:  # the daemon keeps its own copy
            self.proc = subprocess.Popen(
                [
                    # Its own network namespace: nothing it does to interfaces (at a restart after
                    # a crash it deletes `docker0`) can reach the first engine's.
                    "unshare",
                    "--net",
                    *self._hiding(),
                    "dockerd",
                    f"--host={self.url}",
                    f"--data-root={self.where / 'data'}",
                    f"--exec-root={self.where / 'exec'}",
                    f"--pidfile={self.where / 'dockerd.pid'}",
                    "--iptables=false",
                    "--ip-masq=false",
                ],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_answering(self.proc, self.socket, self.where / "dockerd.log", "the second dockerd")

    def _hiding(self) -> list[str]:
        """The rest of unshare's command line up to dockerd: with ``hide``, a mount namespace
        of its own (private: nothing mounted there reaches this machine's) where an empty
        tmpfs covers that directory."""
        if self.hide is None:
            return ["--"]
        mount = 'mount -t tmpfs velarun-hidden "$0" && exec "$@"'
        return ["--mount", "--propagation", "private", "--", "sh", "-c", mount, str(self.hide)]

    def _stop_orphaned_containerd(self) -> None:
        """A killed dockerd leaves its containerd behind, and a restarted dockerd would wait
        for that one forever: stop it first, as a restart after a crash would have to."""
        pidfile = self.where / "exec" / "containerd" / "containerd.pid"
        if not pidfile.exists():
            return
        pid = int(pidfile.read_text().strip() or 0)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        stat = Path(f"/proc/{pid}/stat")
        while time.monotonic() < deadline and stat.exists():
            with contextlib.suppress(OSError):
                if stat.read_text().split(") ", 1)[1].startswith("Z"):
                    break  # a zombie (nobody reaps it here) no longer holds the socket
            time.sleep(0.1)
        pidfile.unlink()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        # Its containerd and shims, should any outlive it, and any mount left under its roots.
        subprocess.run(["pkill", "-KILL", "-f", str(self.where)], check=False)
        mounts = [
            line.split()[1]
            for line in Path("/proc/mounts").read_text().splitlines()
            if line.split()[1].startswith(str(self.where))
        ]
        for mount in reversed(mounts):
            subprocess.run(["umount", "-l", mount], check=False)


def start_second_engine(hide: Path | None = None) -> Iterator[SecondEngine]:
    if os.geteuid() != 0 or shutil.which("dockerd") is None or shutil.which("unshare") is None:
        pytest.skip("needs root, dockerd and unshare to run a second engine")
    where = Path(tempfile.mkdtemp(prefix="velarun-dockerd-", dir="/tmp"))
    second = SecondEngine(where, hide)
    had_docker0 = Path("/sys/class/net/docker0").exists()
    try:
        second.start()
        subprocess.run(
            ["bash", str(ROOT / ".ci" / "build-test-image")],
            env={**os.environ, "DOCKER_HOST": second.url},
            check=True,
            capture_output=True,
        )
        yield second
    finally:
        second.stop()
        shutil.rmtree(where, ignore_errors=True)
    # The first engine, which every other test uses, must be untouched.
    assert Path("/sys/class/net/docker0").exists() == had_docker0
