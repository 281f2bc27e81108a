"""`velarun exec` on the real Docker Engine with the locally built test image (never pulled).

Every test runs the real CLI in a temporary workspace and then checks that no container,
network or volume labelled io.velarun.run-id is left on the engine.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TEST_IMAGE
from tests.integration.conftest import start_until
from velarun.bench import PHASES

pytestmark = pytest.mark.docker


def velarun(
    ws: Path, pipeline: str, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    (ws / ".vela.yml").write_text(pipeline)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "velarun", "exec", "--report", "report.json", *args],
        cwd=ws,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def report(ws: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ws / "report.json").read_text())
    return data


def step_statuses(rep: dict[str, Any]) -> dict[str, str]:
    if "stages" in rep:
        return {
            f"{st['name']}/{s['name']}": s["status"] for st in rep["stages"] for s in st["steps"]
        }
    return {s["name"]: s["status"] for s in rep["steps"]}


IMG = TEST_IMAGE


@pytest.mark.podman
def test_steps_run_in_order_with_logs_env_and_workspace(workspace: Path) -> None:
    pipeline = f"""version: "1"
environment:
  GREETING: hello
steps:
  - name: hello
    image: {IMG}
    pull: never
    commands:
      - echo "${{GREETING}} from $VELA_BUILD_BRANCH"
      - echo written > out.txt
      - pwd
  - name: read
    image: {IMG}
    pull: never
    commands: [cat out.txt, "echo CI=$CI"]
"""
    proc = velarun(workspace, pipeline, "--branch", "dev")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert '[step: hello] $ echo "hello from $VELA_BUILD_BRANCH"' in out
    assert "[step: hello] hello from dev" in out
    assert "[step: hello] /vela/src" in out
    assert "[step: read] written" in out
    assert "[step: read] CI=true" in out
    assert (workspace / "out.txt").read_text() == "written\n"
    rep = report(workspace)
    assert rep["status"] == "success" and rep["exit_code"] == 0
    assert step_statuses(rep) == {"hello": "success", "read": "success"}
    assert rep["steps"][0]["started_at"].endswith("Z")


@pytest.mark.podman
def test_stages_failure_handlers_independent_and_continue(workspace: Path) -> None:
    pipeline = f"""version: "1"
stages:
  build:
    steps:
      - {{name: compile, image: {IMG}, pull: never, commands: ["sleep 0.5", "exit 3"]}}
  other:
    steps:
      - {{name: long, image: {IMG}, pull: never, commands: ["sleep 1.5", "echo finished"]}}
      - {{name: after, image: {IMG}, pull: never, commands: [echo never]}}
  notify:
    needs: [build, deploy]
    steps:
      - name: report
        image: {IMG}
        pull: never
        ruleset: {{status: failure}}
        commands: ["echo build failed: $VELA_BUILD_STATUS"]
  solo:
    independent: true
    steps:
      - {{name: flaky, image: {IMG}, pull: never, commands: [exit 1], ruleset: {{continue: true}}}}
      - {{name: keeps-going, image: {IMG}, pull: never, commands: ["sleep 1", "echo solo done"]}}
"""
    proc = velarun(workspace, pipeline)
    assert proc.returncode == 1, proc.stderr
    rep = report(workspace)
    assert rep["status"] == "failure" and rep["exit_code"] == 1
    assert step_statuses(rep) == {
        "build/compile": "failure",
        "other/long": "success",
        "other/after": "skipped",
        "notify/report": "success",
        "solo/flaky": "failure",
        "solo/keeps-going": "success",
    }
    assert "[stage: other][step: long] finished" in proc.stdout
    assert "[stage: notify][step: report] build failed: failure" in proc.stdout
    assert "[stage: solo][step: keeps-going] solo done" in proc.stdout
    build = rep["stages"][0]["steps"][0]
    assert (build["exit_code"], build["reason"]) == (3, "exited with code 3")


@pytest.mark.podman
def test_services_by_name_detached_steps_and_outputs(workspace: Path) -> None:
    pipeline = f"""version: "1"
services:
  - name: web
    image: {IMG}
    pull: never
    entrypoint: ["sh", "-c", "echo served > /tmp/index.html && exec httpd -f -p 8080 -h /tmp"]
steps:
  - name: side
    image: {IMG}
    pull: never
    detach: true
    commands: ["echo side started", "sleep 60"]
  - name: fetch
    image: {IMG}
    pull: never
    commands:
      - for i in $(seq 1 100); do wget -qO- http://web:8080/index.html && break; sleep 0.1; done
      - echo VERSION=1.2.3 >> $VELA_OUTPUTS
  - name: use
    image: {IMG}
    pull: never
    commands: ["echo version $VERSION"]
"""
    proc = velarun(workspace, pipeline)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[step: fetch] served" in proc.stdout
    assert "[step: use] version 1.2.3" in proc.stdout
    assert "[step: side] side started" in proc.stdout
    rep = report(workspace)
    assert [s["name"] for s in rep["services"]] == ["web"]
    assert step_statuses(rep) == {"side": "success", "fetch": "success", "use": "success"}


@pytest.mark.podman
def test_a_service_and_a_detached_step_that_exit_on_their_own(workspace: Path) -> None:
    pipeline = f"""version: "1"
services:
  - {{name: db, image: {IMG}, pull: never, entrypoint: ["sh", "-c", "sleep 0.2; exit 3"]}}
steps:
  - {{name: side, image: {IMG}, pull: never, detach: true, commands: ["echo side done"]}}
  - {{name: main, image: {IMG}, pull: never, commands: ["sleep 2", "echo main done"]}}
"""
    proc = velarun(workspace, pipeline)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    notices = re.findall(
        r"velarun: (.* exited on its own with code \d+) after \d+\.\ds", proc.stderr
    )
    assert sorted(notices) == [
        "detached step side exited on its own with code 0",
        "service db exited on its own with code 3",
    ]
    rep = report(workspace)
    db = rep["services"][0]
    assert (db["name"], db["status"], db["exit_code"]) == ("db", "failure", 3)
    assert re.fullmatch(r"service: exited on its own with code 3 after \d+\.\ds", db["reason"])
    assert step_statuses(rep) == {"side": "success", "main": "success"}
    assert rep["steps"][0]["exit_code"] == 0


@pytest.mark.podman
def test_missing_image_under_pull_never_stops_before_any_step(workspace: Path) -> None:
    pipeline = """version: "1"
steps:
  - {name: build, image: "velarun-test/does-not-exist:1", pull: never, commands: [echo]}
"""
    proc = velarun(workspace, pipeline)
    assert proc.returncode == 3
    assert (
        "build error in" in proc.stderr
        and "step `build`: image `velarun-test/does-not-exist:1` is not present locally and its"
        " pull policy is `never`"
        in proc.stderr
    )
    assert "hint: pull or build it first" in proc.stderr
    rep = report(workspace)
    assert (rep["status"], rep["exit_code"], rep["steps"][0]["status"]) == ("error", 3, "error")
    assert rep["steps"][0]["reason"] == (
        "step `build`: image `velarun-test/does-not-exist:1` is not present locally and its"
        " pull policy is `never`"
    )
    assert "started" not in proc.stdout


@pytest.mark.podman
def test_a_mistyped_image_is_not_here_nor_to_be_had_and_the_closest_is_suggested(
    workspace: Path,
) -> None:
    # No registry can be reached from the tests: the pull fails at once.
    pipeline = """version: "1"
steps:
  - {name: build, image: "velarun-test/busybx:latest", commands: [echo]}
"""
    proc = velarun(workspace, pipeline)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert (
        "(exit 3): step `build`: image `velarun-test/busybx:latest` is not present locally and"
        " the registry cannot be reached\n"
        "  hint: did you mean `velarun-test/busybox:latest`"  # the closest first; the engine
    ) in proc.stderr  # may hold other near names (the git test image: "... or `...`")
    assert (
        "? (local images); check the image name and tag, your network, or `docker login` for a"
        " private registry\n"
    ) in proc.stderr
    assert "not_present" not in proc.stderr and "no such host" not in proc.stderr
    rep = report(workspace)
    assert (rep["status"], step_statuses(rep)) == ("error", {"build": "error"})


def test_an_invalid_image_name_is_a_pipeline_error(workspace: Path) -> None:
    pipeline = """version: "1"
steps:
  - {name: build, image: "Velarun/Upper:1", commands: [echo]}
"""
    proc = velarun(workspace, pipeline)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        2,
        "",
        ".vela.yml:3:26: error: step `build`: image `Velarun/Upper:1` is not a valid reference:"
        " repository name must be lowercase\n"
        "  hint: write `velarun/upper:1`\n1 error, 0 warnings\n",
    )
    rep = report(workspace)
    assert (rep["status"], rep["exit_code"], rep["diagnostics"][0]["column"]) == ("error", 2, 26)


def test_a_failing_pull_stops_before_any_step(workspace: Path) -> None:
    # A registry on a closed local port: the pull fails at once, nothing leaves the machine.
    pipeline = f"""version: "1"
steps:
  - {{name: first, image: {IMG}, pull: never, commands: [echo first]}}
  - {{name: build, image: "127.0.0.1:1/velarun/none:1", pull: always, commands: [echo]}}
"""
    proc = velarun(workspace, pipeline)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert (
        "step `build`: pulling image `127.0.0.1:1/velarun/none:1` failed: " in proc.stderr
        and "connection refused" in proc.stderr
    )
    assert (
        "hint: check the image name and tag, your network, or `docker login` for a private"
        " registry; or build it locally and set `pull: not_present`" in proc.stderr
    )
    rep = report(workspace)
    assert rep["status"] == "error"
    assert step_statuses(rep) == {"first": "skipped", "build": "error"}
    assert "[step: first]" not in proc.stdout


@pytest.mark.podman
def test_sigint_in_the_middle_of_a_step(workspace: Path, engine: Any) -> None:
    pipeline = f"""version: "1"
steps:
  - {{name: long, image: {IMG}, pull: never, commands: ["echo begin", "sleep 60"]}}
  - {{name: never, image: {IMG}, pull: never, commands: [echo never]}}
"""
    (workspace / ".vela.yml").write_text(pipeline)
    proc = start_until(workspace, ["--report", "report.json"], "[step: long] begin")
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=30)
    elapsed = time.monotonic() - sent
    stderr = proc.stderr.read() if proc.stderr else ""
    assert code == 130, stderr
    assert elapsed < 10
    rep = report(workspace)
    assert rep["status"] == "canceled" and rep["exit_code"] == 130
    assert step_statuses(rep) == {"long": "killed", "never": "skipped"}


def test_docker_unreachable_is_exit_3_with_one_clear_sentence(tmp_path: Path) -> None:
    (tmp_path / ".vela.yml").write_text(
        f'version: "1"\nsteps:\n  - {{name: a, image: {IMG}, commands: [echo]}}\n'
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    for command in (["exec", "--report", "report.json"], ["clean"]):
        proc = subprocess.run(
            [sys.executable, "-m", "velarun", *command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert proc.returncode == 3
        assert "cannot reach the Docker Engine at unix:///nonexistent/docker.sock" in proc.stderr
        assert "hint: check DOCKER_HOST, or unset it to use the local socket" in proc.stderr
        assert "Traceback" not in proc.stderr + proc.stdout
    assert report(tmp_path)["status"] == "error"


def seed(name: str, sleeps: dict[str, str] | None = None) -> str:
    """A seed page pipeline on the local test image, sleeps shortened, nothing else changed."""
    text = (ROOT / "fixtures" / "seed" / name).read_text()
    lines = []
    for line in text.splitlines():
        if line.strip().startswith("image:"):
            indent = line[: len(line) - len(line.lstrip())]
            line = f"{indent}image: {IMG}"
        line = line.replace("pull: always", "pull: never")
        for old, new in (sleeps or {}).items():
            line = line.replace(old, new)
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.mark.podman
def test_seed_needs_pipeline_y_stage_starts_at_once(workspace: Path) -> None:
    # Verbatim, the seed's run-first step ends with `echo "done""`: an unterminated quote, so
    # /bin/sh exits 2, as it would on a Vela worker. That makes the page's example a failing
    # build, which shows the rest: the runtime-ruleset stage's `status: failure` step runs,
    # x-stage is skipped, and y-stage, which no longer waits, ran from the start.
    pipeline = seed("stage-needs.vela.yml", {"sleep 10": "sleep 2", "sleep 20": "sleep 1"})
    proc = velarun(workspace, pipeline, "--branch", "main")
    assert proc.returncode == 1, proc.stderr
    rep = report(workspace)
    stages = {st["name"]: st for st in rep["stages"]}
    assert list(stages) == ["run-first", "runtime-ruleset-stage", "x-stage", "y-stage"]
    # RFC 3339 with milliseconds in UTC compare correctly as strings.
    assert stages["y-stage"]["started_at"] < stages["run-first"]["finished_at"]
    assert stages["runtime-ruleset-stage"]["started_at"] >= stages["run-first"]["finished_at"]
    assert step_statuses(rep) == {
        "run-first/sleep for 10": "failure",
        "runtime-ruleset-stage/fail": "success",
        "x-stage/who ran the build": "skipped",
        "y-stage/what repo is this": "success",
    }
    assert stages["run-first"]["steps"][0]["exit_code"] == 2
    assert "[stage: y-stage][step: what repo is this] localOrg/localRepo" in proc.stdout
    assert "[stage: runtime-ruleset-stage][step: fail] runtime rule" in proc.stdout
    assert (
        "velarun: pruned step compile-time-ruleset-stage/pruned: branch `main` does not"
        in proc.stderr
    )


@pytest.mark.podman
def test_seed_rulesets_pipeline_notify_runs_its_failure_step(workspace: Path) -> None:
    # On the test image `go build` is not found (exit 127): the build fails, and notify,
    # which needed the pruned deploy stage, runs its `status: failure` plugin step.
    proc = velarun(workspace, seed("stage-rulesets.vela.yml"), "--branch", "issue-123")
    assert proc.returncode == 1, proc.stderr
    rep = report(workspace)
    assert [st["name"] for st in rep["stages"]] == ["build", "notify"]
    assert step_statuses(rep) == {
        "build/Build My Code": "failure",
        "notify/Report Failure": "success",
    }
    assert rep["stages"][0]["steps"][0]["exit_code"] == 127
    assert (
        "velarun: needs: notify needed deploy, which was pruned: notify now waits only on build"
        in proc.stderr
    )


def test_log_format_json_puts_velarun_messages_as_json_on_stderr(workspace: Path) -> None:
    (workspace / ".vela.yml").write_text(
        f'version: "1"\nsteps:\n  - {{name: a, image: {IMG}, pull: never, commands: [exit 5]}}\n'
        f"  - {{name: b, image: {IMG}, pull: never, commands: [echo]}}\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "velarun", "--log-format", "json", "exec"],
        cwd=workspace,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1
    records = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    # Stable event names with fields, the run id bound once: not sentences.
    skipped = next(r for r in records if r["event"] == "step_skipped")
    assert (skipped["step"], skipped["status"], skipped["level"]) == ("b", "skipped", "info")
    assert skipped["reason"].startswith("the build failed earlier (step `a` failed)")
    failed = next(r for r in records if r["event"] == "step_ended")
    assert (failed["step"], failed["status"], failed["reason"]) == (
        "a",
        "failure",
        "exited with code 5",
    )
    assert failed["level"] == "warning" and failed["timestamp"].endswith("Z")
    assert len({r["run_id"] for r in records}) == 1
    assert "[step: a] $ exit 5" in proc.stdout


def test_bench_command_runs_with_a_tiny_n(workspace: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "velarun", "bench", "-n", "2"],
        cwd=workspace,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("host ") and "Docker Engine" in lines[0] and "velarun" in lines[0]
    assert (
        lines[1]
        == "2 sequential steps of `true`; floor: bare cycles in one shared network namespace"
    )
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[4:12]]
    assert tuple(row[0] for row in rows) == PHASES
    # Every phase timed on velarun's side (the observer); the floor has no image resolution
    # and no log drain.
    assert [row[0] for row in rows if "-" in row[1:3]] == []
    assert [row[0] for row in rows if row[3:] == ["-", "-"]] == ["image resolution", "log drain"]
    assert lines[-2].startswith("per step, everything included: velarun ")
    assert lines[-1].startswith("floor with an endpoint per container: ")


def test_a_200_mb_flood_arrives_whole_with_bounded_memory(workspace: Path) -> None:
    # 2,000,000 lines of 100 bytes; velarun's peak RSS must stay under 200 MB.
    (workspace / ".vela.yml").write_text(
        f'version: "1"\nsteps:\n  - name: flood\n    image: {IMG}\n    pull: never\n'
        "    commands:\n"
        "      - yes 0123456789012345678901234567890123456789012345678901234567890123456789"
        "0123456789012345678901234567 | head -n 2000000\n"
    )
    out_path = workspace / "out.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    wrapper = (
        "import resource, subprocess, sys\n"
        "with open(sys.argv[1], 'wb') as out:\n"
        "    code = subprocess.call([sys.executable, '-m', 'velarun', 'exec', '--junit',"
        " 'junit.xml'], stdout=out)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, str(out_path)],
        cwd=workspace,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    peak_kib = int(proc.stdout.strip().splitlines()[-1])
    assert peak_kib < 200 * 1024, f"peak RSS {peak_kib} KiB"
    count = 0
    with out_path.open("rb") as f:
        for line in f:
            if line.startswith(b"[step: flood] 0123456789"):
                count += 1
    assert count == 2_000_000
    assert (workspace / "junit.xml").stat().st_size < 3_000_000


def test_many_stages_and_steps_complete(workspace: Path) -> None:
    stages = "".join(
        f"  s{i}:\n    steps:\n      - {{name: x, image: {IMG}, pull: never, commands: [echo {i}]}}\n"
        for i in range(50)
    )
    proc = velarun(workspace, f'version: "1"\nstages:\n{stages}', timeout=600)
    assert proc.returncode == 0, proc.stderr
    rep = report(workspace)
    assert len(rep["stages"]) == 50
    assert {s["status"] for st in rep["stages"] for s in st["steps"]} == {"success"}
    steps = "".join(
        f"  - {{name: step{i}, image: {IMG}, pull: never, commands: [echo {i}]}}\n"
        for i in range(200)
    )
    proc = velarun(workspace, f'version: "1"\nsteps:\n{steps}', timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert [s["status"] for s in report(workspace)["steps"]] == ["success"] * 200


def test_step_output_is_prompt_through_a_pipe(workspace: Path) -> None:
    # Without PYTHONUNBUFFERED, stdout to a pipe is block-buffered: each batch of lines must
    # still be flushed as it arrives, or `velarun exec | tee log` shows nothing until the end.
    (workspace / ".vela.yml").write_text(
        f'version: "1"\nsteps:\n'
        f'  - {{name: slow, image: {IMG}, pull: never, commands: ["echo begin", "sleep 30"]}}\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "velarun", "exec"],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**env, "PYTHONPATH": str(ROOT), "VELARUN_NO_GIT": "1"},
    )
    seen = threading.Event()

    def watch() -> None:
        for line in proc.stdout or ():
            if line.startswith("[step: slow] begin"):
                seen.set()

    threading.Thread(target=watch, daemon=True).start()
    try:
        assert seen.wait(timeout=20), "the step's first line was held back until the end"
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
