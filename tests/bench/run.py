"""`make bench`: velarun measured against the floor and against a peer, in one run.

Writes tests/bench/results/results.md (tables) and tests/bench/results/chart.png. Each figure is
a median of several runs; each comparison is a ratio measured in the same run, on the same
engine and image. Never part of `make test`.

    .venv/bin/python -m tests.bench.run [--quick]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import anyio

from tests.conftest import ROOT, TEST_IMAGE
from tests.unit.helpers import compile_text
from velarun.bench import host_line, run_bench
from velarun.compile.plan import Plan
from velarun.runtime.docker import DockerRuntime
from velarun.runtime.docker_bench import engine_version
from velarun.schedule.reporter import RecordingReporter
from velarun.schedule.scheduler import run_plan

RESULTS = Path(__file__).parent / "results"
PEER = Path(__file__).parent / ".peer" / "node_modules" / ".bin" / "gitlab-ci-local"
VELARUN = [sys.executable, "-m", "velarun"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "VELARUN_NO_GIT": "1"}


def median_of(runs: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(runs))


def run_in_process(plan: Plan, workspace: Path) -> tuple[float, float]:
    """(wall of the whole run, span from the first stage start to the last stage end)."""
    runtime = DockerRuntime(workspace, uuid.uuid4().hex[:12])
    runtime.connect()
    t0 = time.perf_counter()
    outcome = anyio.run(run_plan, plan, runtime, RecordingReporter(keep_logs=False))
    elapsed = time.perf_counter() - t0
    runtime.close()
    assert outcome.status.value == "success", outcome.error
    starts = [st.started_at for st in outcome.stages if st.started_at]
    ends = [st.finished_at for st in outcome.stages if st.finished_at]
    span = (max(ends) - min(starts)).total_seconds() if starts and ends else elapsed
    return elapsed, span


# 1. per-step overhead --------------------------------------------------------------------------


def overhead(sizes: list[int], runs: int) -> list[tuple[int, float, float, float]]:
    """(N, endpoint floor, shared-namespace floor, velarun), seconds per step."""
    rows = []
    for n in sizes:
        results = [run_bench(n, TEST_IMAGE) for _ in range(runs)]
        ours = statistics.median(r.velarun_total / n for r in results)
        shared = statistics.median(r.floor_total / n for r in results)
        endpoint = statistics.median((r.endpoint_total or 0.0) / n for r in results)
        rows.append((n, endpoint, shared, ours))
    return rows


# 2. parallelism -------------------------------------------------------------------------------


def parallel_floor(k: int, workspace: Path) -> float:
    """K bare SDK containers of `sleep 2` started at once (threads), same network and mounts."""
    import threading

    import docker

    from velarun.runtime import ContainerSpec
    from velarun.runtime.docker_labels import create_kwargs, labels

    client = docker.from_env()
    run_id = f"pfloor{uuid.uuid4().hex[:8]}"
    net, vol = f"velarun-{run_id}-network", f"velarun-{run_id}-vela"
    t0 = time.perf_counter()
    network = client.networks.create(net, labels=labels(run_id))
    volume = client.volumes.create(vol, labels=labels(run_id))

    def one(i: int) -> None:
        spec = ContainerSpec("step", f"p{i}", None, TEST_IMAGE, "never", command=("sleep", "2"))
        kwargs = create_kwargs(
            spec,
            run_id=run_id,
            name=f"velarun-{run_id}-{i}",
            volume=vol,
            network=net,
            workspace=str(workspace),
            outputs_dir=str(workspace),
        )
        c = client.containers.create(**kwargs)
        c.start()
        c.wait()
        c.remove(force=True)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    network.remove()
    volume.remove(force=True)
    elapsed = time.perf_counter() - t0
    client.close()
    return elapsed


def parallel(
    counts: list[int], runs: int, workspace: Path
) -> list[tuple[int, float, float, float]]:
    rows = []
    for k in counts:
        stages = "".join(
            f"  s{i}:\n    steps:\n      - {{name: nap, image: '{TEST_IMAGE}', pull: never,"
            " commands: ['sleep 2']}\n"
            for i in range(k)
        )
        plan = compile_text(f'version: "1"\nstages:\n{stages}')
        results = [run_in_process(plan, workspace) for _ in range(runs)]
        wall = statistics.median(w for w, _ in results)
        span = statistics.median(s for _, s in results)
        floor = median_of(runs, lambda k=k: parallel_floor(k, workspace))
        rows.append((k, wall, span, floor))
    return rows


# 3. the same DAG under velarun and gitlab-ci-local ---------------------------------------------

DAG = [("a", None), ("b", "a"), ("c", "a")]


def dag_vela() -> str:
    out = ['version: "1"', "stages:"]
    for stage, need in DAG:
        out.append(f"  {stage}:")
        if need:
            out.append(f"    needs: [{need}]")
        out.append("    steps:")
        for i in (1, 2, 3):
            out.append(
                f"      - {{name: {stage}{i}, image: '{TEST_IMAGE}', pull: never,"
                " commands: ['true']}"
            )
    return "\n".join(out) + "\n"


def dag_gitlab() -> str:
    out = ["stages: [build]", ""]
    for stage, need in DAG:
        for i in (1, 2, 3):
            needs = [f"{stage}{i - 1}"] if i > 1 else ([f"{need}3"] if need else [])
            out.append(
                f"{stage}{i}:\n  stage: build\n  image: {TEST_IMAGE}\n  needs: {needs}\n"
                '  script:\n    - "true"\n'
            )
    return "\n".join(out)


def git_repo(path: Path) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@b",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@b",
    }
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "bench"]):
        subprocess.run(["git", *args], cwd=path, check=True, env=env, capture_output=True)


def timed(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return elapsed


def versus_peer(runs: int) -> tuple[float, float | None]:
    with tempfile.TemporaryDirectory(prefix="velarun-dag-") as tmp:
        repo = Path(tmp)
        (repo / ".vela.yml").write_text(dag_vela())
        (repo / ".gitlab-ci.yml").write_text(dag_gitlab())
        git_repo(repo)
        ours = median_of(runs, lambda: timed([*VELARUN, "exec"], repo))
        if not PEER.exists():
            return ours, None
        peer_cmd = [str(PEER), "--pull-policy", "never", "--helper-image", TEST_IMAGE]
        theirs = median_of(runs, lambda: timed(peer_cmd, repo))
        return ours, theirs


# 4. plan time ----------------------------------------------------------------------------------


def steps_pipeline(n: int) -> str:
    out = ['version: "1"', "environment: {GREETING: hello}", "steps:"]
    for j in range(n):
        out += [
            f"  - name: step{j}",
            "    image: alpine:3.19",
            f"    commands: ['echo ${{GREETING}} {j}']",
            "    ruleset: {branch: [main, 'release/*'], event: [push, pull_request]}",
        ]
    return "\n".join(out) + "\n"


def plan_times(sizes: list[int], runs: int) -> list[tuple[int, float]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="velarun-plan-") as tmp:
        for n in sizes:
            path = Path(tmp) / f"p{n}.yml"
            path.write_text(steps_pipeline(n))
            cmd = [*VELARUN, "plan", str(path), "--format", "json"]
            rows.append((n, median_of(runs, lambda c=cmd: timed(c, Path(tmp)))))
    return rows


TEMPLATE = """\
steps:
  - name: build
    image: golang:{{ .go | default "1.23" }}
    environment:
      TARGET: {{ .target }}
    commands:
{{- range $i, $c := .commands }}
      - {{ $c }} # {{ add1 $i }}
{{- end }}
      - echo {{ vela "build_branch" }} {{ .VELA_TEMPLATE_NAME | upper }}
"""


def templated_pipeline(n: int) -> str:
    """``n`` steps that each use the same Go template (sprig and ``vela`` calls, a range)."""
    out = ['version: "1"', "templates:", "  - {name: go, source: go.yml, type: file}", "steps:"]
    for j in range(n):
        out += [
            f"  - name: s{j}",
            f"    template: {{name: go, vars: {{target: t{j}, commands: [make, make test]}}}}",
        ]
    return "\n".join(out) + "\n"


def template_plan_time(n: int, runs: int) -> float:
    """`velarun plan --format json` of a pipeline expanding one Go template ``n`` times."""
    with tempfile.TemporaryDirectory(prefix="velarun-templates-") as tmp:
        (Path(tmp) / "go.yml").write_text(TEMPLATE)
        (Path(tmp) / ".vela.yml").write_text(templated_pipeline(n))
        cmd = [*VELARUN, "plan", "--no-git", "--format", "json"]
        return median_of(runs, lambda: timed(cmd, Path(tmp)))


# 5. start-up -----------------------------------------------------------------------------------


def startup(runs: int) -> list[tuple[str, float]]:
    small = ROOT / "fixtures" / "seed" / "stage-needs.vela.yml"
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("velarun --version", [*VELARUN, "--version"]),
        ("velarun plan (small file)", [*VELARUN, "plan", str(small)]),
    ]
    rows = [(name, median_of(runs, lambda c=cmd: timed(c, ROOT))) for name, cmd in cases]
    ours = first_step([*VELARUN, "exec"], runs)
    floor = first_step([sys.executable, "-c", FIRST_START_FLOOR], runs)
    return [
        *rows,
        ("velarun exec: to the first step's container started", ours),
        ("floor: python, import docker, volume, network, container started", floor),
    ]


FIRST_START_FLOOR = """
import docker, docker.types, uuid
c = docker.from_env()
c.ping()
name = "velarun-ffloor" + uuid.uuid4().hex[:8]
labels = {"io.velarun.run-id": name, "io.velarun.kind": "step"}
v = c.volumes.create(name, labels=labels)
n = c.networks.create(name, labels=labels)
k = c.containers.create(
    "IMAGE", ["true"], network=name, labels=labels, detach=True,
    mounts=[docker.types.Mount("/vela", name, type="volume")],
)
k.start()
k.wait()
k.remove(force=True)
n.remove()
v.remove(force=True)
""".replace("IMAGE", TEST_IMAGE)


def first_step(cmd: list[str], runs: int) -> float:
    """From spawning ``cmd`` (`velarun exec` of one `true` step, its image present, rule data
    from git; or the floor's script) to the engine's start event of a step's container: the
    engine's clock is this machine's."""
    import docker

    client = docker.from_env()
    with tempfile.TemporaryDirectory(prefix="velarun-first-") as tmp:
        ws = Path(tmp)
        (ws / ".vela.yml").write_text(
            f'version: "1"\nsteps:\n  - {{name: t, image: {TEST_IMAGE}, pull: never,'
            " commands: ['true']}\n"
        )
        git_repo(ws)
        env = {k: v for k, v in ENV.items() if k != "VELARUN_NO_GIT"}

        def once() -> float:
            t0 = time.time()
            proc = subprocess.run(cmd, cwd=ws, env=env, capture_output=True, timeout=300)
            assert proc.returncode == 0, proc.stderr[-2000:]
            events = client.events(
                since=t0 - 1,
                until=time.time() + 0.5,
                filters={"type": "container", "event": "start", "label": "io.velarun.kind=step"},
                decode=True,
            )
            starts = [e["timeNano"] / 1e9 for e in events if e["timeNano"] / 1e9 >= t0]
            return min(starts) - t0

        found = median_of(runs, once)
    client.close()
    return found


# 6. log throughput ----------------------------------------------------------------------------


def to_null(cmd: list[str], cwd: Path) -> float:
    """Wall time of ``cmd`` with its output going to /dev/null (a real terminal or file is
    slower for both sides alike)."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, timeout=900)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, cmd
    return elapsed


def log_throughput(sizes: list[int], runs: int) -> list[tuple[int, float, float]]:
    """(lines, velarun exec s, docker run s) for one step printing that many 100-byte lines."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="velarun-logs-") as tmp:
        ws = Path(tmp)
        for n in sizes:
            script = f"yes {'0123456789' * 10} | head -n {n}"
            (ws / ".vela.yml").write_text(
                f'version: "1"\nsteps:\n  - {{name: flood, image: {TEST_IMAGE}, pull: never,'
                f' commands: ["{script}"]}}\n'
            )
            ours = median_of(runs, lambda: to_null([*VELARUN, "exec"], ws))
            bare_cmd = ["docker", "run", "--rm", TEST_IMAGE, "sh", "-c", script]
            bare = median_of(runs, lambda c=bare_cmd: to_null(c, ws))
            rows.append((n, ours, bare))
    return rows


# 7. the workspace ------------------------------------------------------------------------------


def workspace_modes(runs: int) -> list[tuple[str, float]]:
    """`velarun exec` of one `true` step with the working directory at this repository's
    root, in each workspace mode: what copying the tree (copy) or a checkout with its .git
    (commit) adds to a run, beside the bind mount (live). Rule data from git in every mode;
    the modes take turns, so that a busy moment of the machine falls on all three. The first
    commit run, with an empty cache (its pack of loose objects made from scratch), is a row of
    its own; later runs find the pack in the cache as a user's second run does."""
    times: dict[str, list[float]] = {"live": [], "copy": [], "commit": []}
    with tempfile.TemporaryDirectory(prefix="velarun-ws-") as tmp:
        env = {k: v for k, v in ENV.items() if k != "VELARUN_NO_GIT"}
        env["VELARUN_CACHE_DIR"] = str(Path(tmp) / "cache")
        pipeline = Path(tmp) / ".vela.yml"  # outside the repository: the workspace is ROOT
        pipeline.write_text(
            f'version: "1"\nsteps:\n  - {{name: t, image: {TEST_IMAGE}, pull: never,'
            " commands: ['true']}\n"
        )

        def once(mode: str) -> float:
            cmd = [*VELARUN, "exec", "-f", str(pipeline), "--workspace", mode]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=300)
            assert proc.returncode == 0, proc.stderr[-2000:]
            return time.perf_counter() - t0

        cold = once("commit")
        for _ in range(runs):
            for mode, seconds in times.items():
                seconds.append(once(mode))
    found = [(mode, statistics.median(seconds)) for mode, seconds in times.items()]
    return [*found, ("commit, empty cache (once)", cold)]


# -- report -------------------------------------------------------------------------------------


def chart(
    over: list[tuple[int, float, float, float]],
    par: list[tuple[int, float, float, float]],
    dag: tuple[float, float | None],
    plans: list[tuple[int, float]],
    path: Path,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    ax = axes[0]
    xs = range(len(over))
    ax.bar([x - 0.27 for x in xs], [e for _, e, _, _ in over], 0.27, label="floor, endpoints")
    ax.bar(list(xs), [f for _, _, f, _ in over], 0.27, label="floor, shared namespace")
    ax.bar([x + 0.27 for x in xs], [v for *_, v in over], 0.27, label="velarun")
    ax.set_xticks(list(xs), [f"N={n}" for n, *_ in over])
    ax.set_ylabel("seconds per step")
    ax.set_title("per-step overhead")
    ax.legend()
    ax = axes[1]
    ax.plot([k for k, *_ in par], [w for _, w, _, _ in par], "o-", label="velarun wall")
    ax.plot([k for k, *_ in par], [f for *_, f in par], "s-", label="floor (bare SDK)")
    ax.plot([k for k, *_ in par], [2.0 for _ in par], "--", label="ideal (2 s)")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("independent stages of `sleep 2`")
    ax.set_ylabel("seconds")
    ax.set_title("parallelism")
    ax.legend()
    ax = axes[2]
    names = ["velarun"] + (["gitlab-ci-local"] if dag[1] is not None else [])
    values = [dag[0]] + ([dag[1]] if dag[1] is not None else [])
    ax.bar(names, values, color=["tab:orange", "tab:gray"][: len(values)])
    ax.set_ylabel("seconds, end to end")
    ax.set_title("same 3x3 DAG, same engine and image")
    ax = axes[3]
    ax.loglog([n for n, _ in plans], [t for _, t in plans], "o-")
    ax.set_xlabel("steps in the pipeline")
    ax.set_ylabel("seconds (`velarun plan`)")
    ax.set_title("plan time")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main() -> None:
    quick = "--quick" in sys.argv
    runs = 1 if quick else 3
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="velarun-bench-") as tmp:
        ws = Path(tmp)
        over = overhead([1, 10] if quick else [1, 10, 50], runs)
        par = parallel([1, 2, 4] if quick else [1, 2, 4, 8, 16], runs, ws)
    dag = versus_peer(runs)
    plans = plan_times([10, 100] if quick else [10, 100, 1000, 5000], runs)
    templated = template_plan_time(200, runs)
    starts = startup(3 if quick else 5)
    logs = log_throughput([10_000] if quick else [10_000, 200_000, 1_000_000], runs)
    spaces = workspace_modes(3 if quick else 7)
    live = spaces[0][1]
    lines = [
        "# velarun benchmarks",
        "",
        host_line(engine_version()),
        f"Medians of {runs} runs; written by `make bench` (tests/bench/run.py).",
        "",
        "## 1. Per-step overhead: N sequential `true` steps vs bare SDK cycles",
        "",
        "Everything included (set-up, images, cleanup), per step. Floors: bare SDK",
        "create/start/wait/remove cycles of the same image and mounts, in the same run, each",
        "container with its own endpoint on a user network (as `--network-mode endpoint`, and",
        "`docker run --network`), or all in one sandbox's network namespace (as velarun's pods).",
        "",
        "| N | endpoint floor s | shared floor s | velarun s | / shared | / endpoint |",
        "| --- | --- | --- | --- | --- | --- |",
        *(
            f"| {n} | {e:.3f} | {f:.3f} | {v:.3f} | {v / f:.2f}x | {v / e:.2f}x |"
            for n, e, f, v in over
        ),
        "",
        "## 2. Parallelism: K independent stages of `sleep 2`",
        "",
        "Wall: the whole run (network, volume, images, containers, cleanup). Span: from the first",
        "stage's start to the last stage's end. Floor: K bare SDK containers of `sleep 2` started",
        "at once from K threads, with network, volume and removal, in the same run. Ideal: 2 s.",
        "",
        "| K | velarun wall s | stages span s | floor s | wall / floor |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {k} | {w:.2f} | {sp:.2f} | {f:.2f} | {w / f:.2f}x |" for k, w, sp, f in par),
        "",
        "## 3. The same DAG (3 stages x 3 steps, with needs), end to end",
        "",
        "| runner | wall s |",
        "| --- | --- |",
        f"| velarun exec | {dag[0]:.2f} |",
        (
            f"| gitlab-ci-local 4.65.0 | {dag[1]:.2f} |\n\nvelarun is {dag[1] / dag[0]:.1f}x faster."
            if dag[1] is not None
            else "| gitlab-ci-local | not installed (`make bench` installs it) |"
        ),
        "",
        "## 4. `velarun plan --format json` on generated steps pipelines",
        "",
        "| steps | seconds |",
        "| --- | --- |",
        *(f"| {n} | {t:.2f} |" for n, t in plans),
        "",
        f"One Go template expanded 200 times (`plan --format json`): {templated:.2f} s.",
        "",
        "## 5. Start-up",
        "",
        "| command | seconds |",
        "| --- | --- |",
        *(f"| {name} | {t:.3f} |" for name, t in starts),
        "",
        "## 6. Log throughput: one step printing N lines of 100 bytes, output to /dev/null",
        "",
        "| lines | velarun exec s | docker run s | ratio | velarun lines/s |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {n} | {v:.2f} | {d:.2f} | {v / d:.2f}x | {n / v:,.0f} |" for n, v, d in logs),
        "",
        "## 7. The workspace: one `true` step on this repository's tree, per `--workspace`",
        "",
        "| workspace | velarun exec s | added to live s |",
        "| --- | --- | --- |",
        *(f"| {mode} | {t:.2f} | {t - live:+.2f} |" for mode, t in spaces),
        "",
        "![chart](chart.png)",
        "",
    ]
    (RESULTS / "results.md").write_text("\n".join(lines))
    chart(over, par, dag, plans, RESULTS / "chart.png")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
