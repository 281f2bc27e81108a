"""Benchmark (not a test): `velarun plan` on generated pipelines.

    .venv/bin/python -m tests.bench.bench_plan [STAGES] [STEPS_PER_STAGE]

Times load + compile + JSON in-process (median of 5) and the whole CLI once.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from velarun.compile.compiler import compile_pipeline
from velarun.compile.ruledata import build_ruledata
from velarun.load import load_file


def generate(stages: int, steps: int) -> str:
    out = ['version: "1"', "environment: {GREETING: hello}", "stages:"]
    for i in range(stages):
        out.append(f"  s{i}:")
        if i:
            out.append(f"    needs: [s{i - 1}]")
        out.append("    steps:")
        for j in range(steps):
            out += [
                f"      - name: step{j}",
                "        image: alpine:3.19",
                "        commands: ['echo ${GREETING} " + str(j) + "']",
                "        ruleset: {branch: [main, 'release/*'], event: [push, pull_request]}",
            ]
    return "\n".join(out) + "\n"


def main() -> None:
    stages = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ".vela.yml"
        path.write_text(generate(stages, steps))
        data = build_ruledata(branch="main")
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            loaded = load_file(path)
            assert loaded.pipeline is not None and loaded.ok
            result = compile_pipeline(loaded.pipeline, data)
            assert result.plan is not None
            json.dumps(result.plan.to_json())
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "velarun", "plan", str(path), "--format", "json"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        cli = time.perf_counter() - t0
    print(
        f"plan of {stages} stages x {steps} steps ({stages * steps} steps): "
        f"in-process median {statistics.median(times):.3f}s, CLI {cli:.3f}s"
    )


if __name__ == "__main__":
    main()
