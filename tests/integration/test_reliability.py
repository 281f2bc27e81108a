"""Reliability and security on the real engine: privileges, a crashed velarun, concurrent
runs, hostile names. Each test ends with nothing labelled left on the engine."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TEST_IMAGE
from tests.integration.conftest import leftovers, start_until
from tests.integration.dockerproxy import DockerProxy

pytestmark = pytest.mark.docker
IMG = TEST_IMAGE
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "VELARUN_NO_GIT": "1"}


def velarun(
    cwd: Path, *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "velarun", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**ENV, **(extra_env or {})},
        timeout=180,
    )


PRIVILEGE = f"""version: "1"
steps:
  - name: probe
    image: {IMG}
    pull: never
    privileged: true
    commands:
      - if mount -t tmpfs none /mnt 2>/dev/null; then echo privileged; else echo unprivileged; fi
      - if [ -e /var/run/docker.sock ]; then echo socket; else echo no-socket; fi
      - echo "host=[$HOST_SECRET_VAR]"
"""


def test_unprivileged_without_the_image_flag_no_host_socket_no_host_env(workspace: Path) -> None:
    # `privileged: true` alone does not make the container privileged (the image must match
    # --privileged-images; that path is unit-tested in tests/unit/runtime/test_docker_units.py, since this sandbox's
    # engine cannot start privileged containers at all).
    (workspace / ".vela.yml").write_text(PRIVILEGE)
    plain = velarun(workspace, "exec", extra_env={"HOST_SECRET_VAR": "should-not-leak"})
    assert plain.returncode == 0, plain.stderr
    assert "[step: probe] unprivileged" in plain.stdout
    assert "[step: probe] no-socket" in plain.stdout
    assert "[step: probe] host=[]" in plain.stdout


@pytest.mark.podman
def test_a_killed_velarun_leaves_resources_that_clean_removes(workspace: Path, engine: Any) -> None:
    (workspace / ".vela.yml").write_text(
        f'version: "1"\nsteps:\n  - {{name: long, image: {IMG}, pull: never,'
        ' commands: ["echo begin", "sleep 120"]}\n'
    )
    proc = start_until(workspace, [], "[step: long] begin")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert leftovers(engine) != []  # a crash cannot clean up after itself...
    cleaned = velarun(workspace, "clean")
    assert cleaned.returncode == 0
    assert cleaned.stdout.startswith("removed 1 containers, 1 networks, 1 volumes")
    # ...and the workspace fixture then checks that nothing is left.


def running_run_id(engine: Any) -> str:
    """The run id of the one velarun run on the engine (scoping `clean` to it keeps other
    tests' leftovers, if any, out of the assertions)."""
    (container,) = engine.api.containers(filters={"label": "io.velarun.run-id"})
    run_id: str = container["Labels"]["io.velarun.run-id"]
    return run_id


@pytest.mark.podman
def test_clean_leaves_a_run_in_progress_alone(workspace: Path, engine: Any) -> None:
    # `velarun clean` in another terminal must not break a build that is still going.
    (workspace / ".vela.yml").write_text(
        f'version: "1"\nsteps:\n  - {{name: long, image: {IMG}, pull: never,'
        ' commands: ["echo begin", "sleep 3", "echo end"]}\n'
    )
    proc = start_until(workspace, ["--report", "report.json"], "[step: long] begin")
    run_id = running_run_id(engine)
    cleaned = velarun(workspace, "clean", "--run-id", run_id)
    out, _ = proc.communicate(timeout=60)
    assert (cleaned.returncode, cleaned.stdout, cleaned.stderr) == (
        0,
        f"removed 0 containers, 0 networks, 0 volumes of run {run_id}\n",
        f"velarun: left run {run_id} alone: the velarun running it is still running (stop it,"
        " or pass --include-running)\n",
    )
    assert proc.returncode == 0 and "[step: long] end" in out


@pytest.mark.podman
def test_clean_include_running_removes_a_run_in_progress(workspace: Path, engine: Any) -> None:
    (workspace / ".vela.yml").write_text(
        f'version: "1"\nsteps:\n  - {{name: long, image: {IMG}, pull: never,'
        ' commands: ["echo begin", "sleep 120"]}\n'
    )
    proc = start_until(workspace, [], "[step: long] begin")
    run_id = running_run_id(engine)
    cleaned = velarun(workspace, "clean", "--run-id", run_id, "--include-running")
    assert cleaned.returncode == 0 and cleaned.stderr == ""
    # The build's own teardown, woken by its container vanishing, may remove its network and
    # volume first; either way nothing is left (the workspace fixture checks).
    assert re.fullmatch(
        rf"removed 1 containers, [01] networks, [01] volumes of run {run_id}\n", cleaned.stdout
    )
    proc.communicate(timeout=60)
    assert proc.returncode == 1  # the step killed or gone from under it: a failed build


def test_two_runs_at_once_in_the_same_directory(workspace: Path) -> None:
    (workspace / ".vela.yml").write_text(
        f'version: "1"\nstages:\n'
        f"  a:\n    steps:\n      - {{name: same, image: {IMG}, pull: never,"
        ' commands: ["sleep 1", "echo $VELA_STEP_NAME"]}\n'
        f"  b:\n    steps:\n      - {{name: same, image: {IMG}, pull: never, commands: [echo b]}}\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "velarun", "exec", "--report", f"r{i}.json"],
            cwd=workspace,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        for i in range(2)
    ]
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        assert "[stage: a][step: same] same" in out
    for i in range(2):
        rep = json.loads((workspace / f"r{i}.json").read_text())
        assert rep["status"] == "success"


def test_hostile_step_and_stage_names(workspace: Path) -> None:
    long_name = "n" * 300
    (workspace / ".vela.yml").write_text(
        'version: "1"\nstages:\n'
        '  "build & test / ünïcode ✓":\n'
        "    steps:\n"
        f'      - {{name: "step with spaces/and/slashes ✓", image: {IMG}, pull: never,'
        " commands: [echo one]}\n"
        f'      - {{name: "{long_name}", image: {IMG}, pull: never, commands: [echo two]}}\n'
    )
    proc = velarun(workspace, "exec", "--report", "r.json")
    assert proc.returncode == 0, proc.stderr
    assert (
        "[stage: build & test / ünïcode ✓][step: step with spaces/and/slashes ✓] one" in proc.stdout
    )
    assert f"[stage: build & test / ünïcode ✓][step: {long_name}] two" in proc.stdout
    rep = json.loads((workspace / "r.json").read_text())
    assert [s["status"] for s in rep["stages"][0]["steps"]] == ["success", "success"]


OUTSIDE_PIPELINE = f"""version: "1"
steps:
  - {{name: long, image: {IMG}, pull: never, commands: ["echo begin", "sleep 60"]}}
  - {{name: after, image: {IMG}, pull: never, commands: [echo after]}}
  - {{name: handler, image: {IMG}, pull: never, commands: [echo handled], ruleset: {{status: failure}}}}
"""
KILLED = ("killed", 137, "killed (exit 137: SIGKILL from outside velarun, or out of memory)")
GONE = ("error", None, "step `long`: its container was removed from outside velarun")


def _remove_before_its_wait(container: Any, proxy: DockerProxy) -> None:
    """Removed while velarun's wait request is on its way (held at the proxy): the wait then
    finds no container at all, deterministically."""
    assert proxy.hit.wait(timeout=60), f"velarun never waited: {proxy.seen}"
    container.remove(force=True)
    proxy.release()


# `rm -f` kills first: a removal during the engine's wait usually ends it as killed (137); one
# that lands before velarun's wait request finds the container gone, and the step errs with
# that reason. Either way the step's own outcome, a failed build, exit 1 (never exit 3).
OUTSIDE = {
    "killed": (lambda c, _p: c.kill(), {KILLED}),
    "removed": (lambda c, _p: c.remove(force=True), {KILLED, GONE}),
    "removed before its wait": (_remove_before_its_wait, {GONE}),
}


@pytest.mark.podman
@pytest.mark.parametrize(("act", "long_outcomes"), OUTSIDE.values(), ids=OUTSIDE.keys())
def test_a_container_killed_or_removed_from_outside_mid_step(
    workspace: Path,
    engine: Any,
    proxy: DockerProxy,
    act: Any,
    long_outcomes: set[tuple[str, int | None, str]],
) -> None:
    (workspace / ".vela.yml").write_text(OUTSIDE_PIPELINE)
    if act is _remove_before_its_wait:
        proxy.hold("POST", r"^/containers/[^/]+/wait$")  # otherwise the proxy only forwards
    proc = start_until(
        workspace, ["--report", "r.json"], "[step: long] begin", {"DOCKER_HOST": proxy.url}
    )
    (container,) = engine.containers.list(filters={"label": "io.velarun.step=long"})
    act(container, proxy)
    assert proc.stdout is not None and proc.stderr is not None
    rest = proc.stdout.read()
    assert proc.wait(timeout=60) == 1, rest + proc.stderr.read()
    assert "[step: handler] handled" in rest
    rep = json.loads((workspace / "r.json").read_text())
    long, after, handler = (
        (s["name"], s["status"], s["exit_code"], s.get("reason")) for s in rep["steps"]
    )
    assert long[0] == "long" and long[1:] in long_outcomes
    assert after[:3] == ("after", "skipped", None)
    assert handler[:3] == ("handler", "success", 0)
    assert rep["status"] == "failure"


def _drop_dac_override() -> None:
    """In the child: root without CAP_DAC_OVERRIDE obeys file modes, like any user."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.parametrize("command", [["exec"], ["clean"], ["bench", "-n", "1"]])
@pytest.mark.parametrize("fault", ["no daemon listening", "permission denied"])
def test_docker_unreachable_for_every_command_that_needs_it(
    tmp_path: Path, fault: str, command: list[str]
) -> None:
    (tmp_path / ".vela.yml").write_text(
        f'version: "1"\nsteps:\n  - {{name: a, image: {IMG}, commands: [echo]}}\n'
    )
    where = tmp_path / "docker.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(where))
    if fault == "permission denied":
        sock.listen(1)
        where.chmod(0)
    else:
        sock.close()  # the socket file stays; nothing listens on it: a stopped daemon
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "velarun", *command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**ENV, "DOCKER_HOST": f"unix://{where}"},
            timeout=60,
            preexec_fn=_drop_dac_override if os.geteuid() == 0 else None,
        )
    finally:
        sock.close()
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    hint = (
        "add yourself to the `docker` group, or run with access to the socket"
        if fault == "permission denied"
        else "check DOCKER_HOST, or unset it to use the local socket"
    )
    assert f"cannot reach the Docker Engine at unix://{where}\n  hint: {hint}\n" in proc.stderr


TALKER = f"""version: "1"
steps:
  - name: talk
    image: {IMG}
    pull: never
    commands: ["while true; do echo tick; sleep 0.2; done"]
  - name: after
    image: {IMG}
    pull: never
    commands: [echo never]
"""


@pytest.mark.parametrize("output", ["text", "jsonl"])
def test_a_closed_output_cancels_the_build_cleanly(workspace: Path, output: str) -> None:
    # `velarun exec | head`: the reader goes away mid-step. Not an internal error: the build
    # is canceled as a signal would cancel it, the report is written, nothing is left.
    (workspace / ".vela.yml").write_text(TALKER)
    report = workspace / "report.json"
    err_path = workspace / "stderr.txt"
    with err_path.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "velarun", "exec", "--output", output, "--report", str(report)],
            cwd=workspace,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=ENV,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if "tick" in line:
                break
        proc.stdout.close()  # the reader goes away
        assert proc.wait(timeout=30) == 130
    stderr = err_path.read_text()
    assert "velarun: the output was closed (broken pipe): stopping the build" in stderr
    for bad in ("Traceback", "internal error", "Exception ignored"):
        assert bad not in stderr, stderr
    data = json.loads(report.read_text())
    assert data["status"] == "canceled"
    assert [(s["name"], s["status"]) for s in data["steps"]] == [
        ("talk", "killed"),
        ("after", "skipped"),
    ]


def test_results_that_cannot_be_written_at_the_end_are_one_line_and_exit_3(
    workspace: Path,
) -> None:
    # The paths were fine when the run began (checked up front); a step then removes their
    # directory through the workspace mount. The build succeeded, but its results were lost.
    (workspace / "out").mkdir()
    (workspace / ".vela.yml").write_text(
        f'version: "1"\nsteps:\n'
        f"  - {{name: rm, image: {IMG}, pull: never, commands: [rm -rf /vela/src/out]}}\n"
    )
    done = velarun(
        workspace, "exec", "--report", "out/r.json", "--junit", "out/j.xml", "--html", "out/p.html"
    )
    assert done.returncode == 3, done.stderr
    out = workspace / "out"
    assert done.stderr.splitlines()[-3:] == [
        "velarun: --report: could not write `out/r.json`: No such file or directory",
        "velarun: --junit: could not write `out/j.xml`: No such file or directory",
        "velarun: --html: could not write `out/p.html`: No such file or directory",
    ], done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
