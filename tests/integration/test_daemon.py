"""The Docker daemon killed in the middle of a run, on a second dockerd of the test's own.

The second engine has its own socket, data root, exec root and network namespace, so killing
it touches nothing the other tests use. The run must end promptly with status ``error``, exit 3,
one clear sentence and the report written; after the engine is back, ``velarun clean`` must
remove everything the run left there.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import ROOT, TEST_IMAGE
from tests.integration.conftest import leftovers, start_until

pytestmark = pytest.mark.docker


class SecondEngine:
    def __init__(self, where: Path) -> None:
        self.where = where
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
                    "--",
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
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self._answers():
                return
            time.sleep(0.3)
        tail = (self.where / "dockerd.log").read_text(errors="replace")[-2000:]
        raise AssertionError(f"the second dockerd did not answer within 60 s:\n{tail}")

    def _answers(self) -> bool:
        """GET /_ping on the socket, without the SDK (whose client connects on creation)."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(5)
                sock.connect(str(self.socket))
                sock.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
                reply = b""
                while chunk := sock.recv(4096):
                    reply += chunk
            return reply.startswith(b"HTTP/1.0 200") and reply.endswith(b"OK")
        except OSError:
            return False

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


@pytest.fixture
def second_engine(engine: object) -> Iterator[SecondEngine]:
    if os.geteuid() != 0 or shutil.which("dockerd") is None or shutil.which("unshare") is None:
        pytest.skip("needs root, dockerd and unshare to run a second engine")
    where = Path(tempfile.mkdtemp(prefix="velarun-dockerd-", dir="/tmp"))
    second = SecondEngine(where)
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


PIPELINE = f"""version: "1"
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


def test_the_daemon_killed_mid_run(tmp_path: Path, second_engine: SecondEngine) -> None:
    (tmp_path / ".vela.yml").write_text(PIPELINE)
    env = {"DOCKER_HOST": second_engine.url}
    proc = start_until(tmp_path, ["--report", "report.json"], "[step: long] begin", env)
    killed = time.monotonic()
    second_engine.kill()
    try:
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
    elapsed = time.monotonic() - killed
    with proc:  # closes its pipes
        out = proc.stdout.read() if proc.stdout else ""
        err = proc.stderr.read() if proc.stderr else ""
    assert code == 3, out + err
    assert elapsed < 30, f"velarun took {elapsed:.1f}s to notice the engine was gone"
    assert "Traceback" not in out + err
    assert f"the Docker Engine at {second_engine.url} stopped answering" in out + err
    assert "hint: check that dockerd is running (`docker info`)" in out + err
    rep = json.loads((tmp_path / "report.json").read_text())
    assert (rep["status"], rep["exit_code"]) == ("error", 3)
    assert "stopped answering" in rep["error"]
    steps = {s["name"]: s["status"] for s in rep["steps"]}
    assert steps == {"long": "error", "after": "skipped"}

    # The engine back: `velarun clean` removes whatever the run could not.
    second_engine.start()
    client = docker.DockerClient(base_url=second_engine.url, timeout=30)
    try:
        left = leftovers(client)
        assert any(name.endswith("-network") for name in left), left  # the run could not clean
        cleaned = subprocess.run(
            [sys.executable, "-m", "velarun", "clean"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
        assert "removed " in cleaned.stdout and " 1 networks, 1 volumes" in cleaned.stdout
        assert leftovers(client) == []
    finally:
        client.close()
