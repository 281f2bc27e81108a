"""Podman's service killed in the middle of a run, on a second `podman system service` of the
test's own (as tests/integration/test_daemon.py kills a second dockerd).

The second service shares nothing with the first: its own storage (``--root``, ``--runroot``),
state, volumes and network configuration under a temporary directory, file locks instead of
Podman's shared-memory ones (a lock held by a killed process there could block the first
service's containers for good), no DNS server (see ``SecondPodman``), and its own network
namespace, kept by name so that the restarted service finds the bridges its containers use. The run must end promptly with status
``error``, exit 3, one clear sentence and the report written; with the service back, ``velarun
clean`` must remove everything the run left there.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import ROOT
from tests.integration.conftest import leftovers
from tests.integration.secondengine import (
    LONG_RUN,
    fault_mid_step,
    velarun_clean,
    wait_answering,
)

pytestmark = pytest.mark.podman

CONF = """[containers]
default_ulimits = []

[engine]
lock_type = "file"
tmp_dir = "{where}/tmp"
helper_binaries_dir = ["{where}/helpers"]
"""


class SecondPodman:
    def __init__(self, where: Path) -> None:
        self.where = where
        self.socket = where / "podman.sock"
        self.url = f"unix://{self.socket}"
        self.netns = f"velarun-{where.name}"
        self.proc: subprocess.Popen[bytes] | None = None
        (where / "containers.conf").write_text(CONF.format(where=where))
        # netavark and no aardvark-dns: rootful Podman 4.3 keeps every aardvark-dns's state in
        # one fixed directory (/run/containers/networks), and a network of this service there
        # would break the first service's DNS. This test resolves no names.
        (where / "helpers").mkdir()
        (where / "helpers" / "netavark").symlink_to("/usr/lib/podman/netavark")
        self.cli = where / "podman"
        """The podman command line on this service's storage (what build-test-image runs)."""
        flags = " ".join(self.flags())
        self.cli.write_text(
            f'#!/bin/sh\nexec env CONTAINERS_CONF={where}/containers.conf podman {flags} "$@"\n'
        )
        self.cli.chmod(0o755)

    def flags(self) -> list[str]:
        w = self.where
        return [
            f"--root={w / 'root'}",
            f"--runroot={w / 'run' / 'storage'}",
            f"--tmpdir={w / 'tmp'}",
            f"--volumepath={w / 'volumes'}",
            f"--network-config-dir={w / 'networks'}",
        ]

    def start(self) -> None:
        # nsenter joins the network namespace only (`ip netns exec` would also remount /sys,
        # and runc then finds no cgroup mount)
        netns = ["nsenter", f"--net=/run/netns/{self.netns}"]
        with (self.where / "service.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [*netns, str(self.cli), "system", "service", "--time=0", self.url],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        log = self.where / "service.log"
        wait_answering(self.proc, self.socket, log, "the second podman service")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        """Everything the service made, then the service, its mounts, its network namespace."""
        cli = [str(self.cli)]
        # Podman 4.3 removes side by side: a sandbox fails while a container in its network
        # namespace is still there, and goes on the second round.
        for args in (["rm", "-a", "-f", "-t", "0"],) * 3 + (["volume", "rm", "-a", "-f"],):
            subprocess.run(cli + args, capture_output=True, check=False, timeout=120)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        mounts = [
            line.split()[1]
            for line in Path("/proc/mounts").read_text().splitlines()
            if line.split()[1].startswith(str(self.where))
        ]
        for mount in reversed(mounts):
            subprocess.run(["umount", "-l", mount], check=False)


@pytest.fixture
def second_podman() -> Iterator[SecondPodman]:
    if os.geteuid() != 0 or not all(shutil.which(c) for c in ("podman", "ip", "nsenter")):
        pytest.skip("needs root, podman, ip and nsenter to run a second Podman service")
    # A short directory of its own: a Unix socket path must stay under 108 bytes.
    where = Path(tempfile.mkdtemp(prefix="velarun-podman-", dir="/tmp"))
    second = SecondPodman(where)
    subprocess.run(["ip", "netns", "add", second.netns], check=True)
    try:
        subprocess.run(
            ["nsenter", f"--net=/run/netns/{second.netns}", "ip", "link", "set", "lo", "up"]
        )
        second.start()
        subprocess.run(
            ["bash", str(ROOT / ".ci" / "build-test-image")],
            env={**os.environ, "ENGINE_CLI": str(second.cli)},
            check=True,
            capture_output=True,
        )
        yield second
    finally:
        second.stop()
        subprocess.run(["ip", "netns", "delete", second.netns], check=False)
        shutil.rmtree(where, ignore_errors=True)


def test_the_podman_service_killed_mid_run(tmp_path: Path, second_podman: SecondPodman) -> None:
    (tmp_path / ".vela.yml").write_text(LONG_RUN)
    ended = fault_mid_step(tmp_path, second_podman.url, second_podman.kill)
    code, elapsed, out, err = ended.code, ended.elapsed, ended.out, ended.err
    assert code == 3, out + err
    assert elapsed < 10, f"velarun took {elapsed:.1f}s to notice the service was gone"
    assert "Traceback" not in out + err
    said = f"the Podman service at {second_podman.url} stopped answering"
    assert f"(exit 3): {said}\n  hint: check that `podman system service` is running there\n" in err
    assert out.splitlines()[-1].startswith("[step: long] ")  # nothing ran after it
    rep = json.loads((tmp_path / "report.json").read_text())
    assert (rep["status"], rep["exit_code"], rep["error"]) == ("error", 3, said)
    steps = {s["name"]: s["status"] for s in rep["steps"]}
    assert steps == {"long": "error", "after": "skipped"}

    # The service back: `velarun clean` removes whatever the run could not.
    second_podman.start()
    client = docker.DockerClient(base_url=second_podman.url, timeout=30)
    try:
        left = leftovers(client)
        assert any(name.endswith("-network") for name in left), left  # the run could not clean
        cleaned = velarun_clean(tmp_path, second_podman.url)
        assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
        # the service, the step and the stage's sandbox; the network; the volume
        assert cleaned.stdout == "removed 3 containers, 1 networks, 1 volumes\n"
        assert leftovers(client) == []
    finally:
        client.close()
