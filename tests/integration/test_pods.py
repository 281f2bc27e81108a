"""Pod-style networking on the real engine: a stage's steps share one sandbox's network
namespace, still reach services by name, are reached by theirs, and parallel stages have their
own; ``--network-mode endpoint`` gives every container its own endpoint, as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_exec import IMG, report, step_statuses, velarun

pytestmark = pytest.mark.docker

PODS = f"""version: "1"
services:
  - name: web
    image: {IMG}
    pull: never
    entrypoint: [httpd, -f, -p, "8080", -h, /]
stages:
  one:
    steps:
      - name: first
        image: {IMG}
        pull: never
        commands: [hostname > host-first, "httpd -p 9000 -h / && sleep 2"]
      - name: second
        image: {IMG}
        pull: never
        commands:
          - hostname > host-second
          - for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O /dev/null http://web:8080/bin/busybox && break; sleep 0.5; done
          - wget -q -O /dev/null http://web:8080/bin/busybox
          - nslookup second $(awk '/^nameserver/ {{print $2; exit}}' /etc/resolv.conf) | tail -n +3 | grep -q Address
  two:
    steps:
      - name: listen
        image: {IMG}
        pull: never
        commands: ["httpd -p 9000 -h / && sleep 2"]
      - name: after
        image: {IMG}
        pull: never
        commands: ["true"]
"""


@pytest.mark.podman
def test_a_stage_shares_one_namespace_and_parallel_stages_do_not(
    workspace: Path, on_podman: bool
) -> None:
    proc = velarun(workspace, PODS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert step_statuses(report(workspace)) == {
        "one/first": "success",
        "one/second": "success",  # the service by name, and its own name resolves
        "two/listen": "success",  # port 9000 at the same time as one/first: its own sandbox
        "two/after": "success",
    }
    first = (workspace / "host-first").read_text()
    # Docker gives a container in another's network namespace that one's hostname (the
    # sandbox's); Podman leaves each its own.
    assert (first == (workspace / "host-second").read_text()) is not on_podman


@pytest.mark.podman
def test_endpoint_mode_gives_every_step_its_own_endpoint(workspace: Path) -> None:
    proc = velarun(workspace, PODS, "--network-mode", "endpoint")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(step_statuses(report(workspace)).values()) == {"success"}
    assert (workspace / "host-first").read_text() != (workspace / "host-second").read_text()
