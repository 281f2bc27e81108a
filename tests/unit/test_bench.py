"""`velarun bench` output, from fixed timings (the command itself runs in tests/integration)."""

from __future__ import annotations

from velarun.bench import BenchResult, render


def test_render_per_phase_table_and_ratio() -> None:
    result = BenchResult(
        n=2,
        velarun={
            "image resolution": [0.005],
            "run set-up": [0.08],
            "container create": [0.010, 0.020],
            "container start": [0.25, 0.30],
            "wait": [0.08, 0.09],
            "log drain": [0.001, 0.002],
            "remove": [0.03, 0.04],
            "teardown": [0.2],
        },
        floor={
            "run set-up": [0.08],
            "container create": [0.01, 0.02],
            "container start": [0.25, 0.28],
            "wait": [0.08, 0.08],
            "remove": [0.009, 0.01],
            "teardown": [0.2],
        },
        velarun_total=0.9,
        floor_total=0.8,
        host="host h: 2 cores (cpu), Linux 6; Docker Engine 20.10; velarun 0.1.0; Python 3.11.7",
    )
    assert render(result) == (
        "host h: 2 cores (cpu), Linux 6; Docker Engine 20.10; velarun 0.1.0; Python 3.11.7\n"
        "2 sequential steps of `true`\n"
        "\n"
        "phase (ms)        velarun median    p95  floor median    p95\n"
        "image resolution             5.0    5.0             -      -\n"
        "run set-up                  80.0   80.0          80.0   80.0\n"
        "container create            15.0   20.0          15.0   20.0\n"
        "container start            275.0  300.0         265.0  280.0\n"
        "wait                        85.0   90.0          80.0   80.0\n"
        "log drain                    1.5    2.0             -      -\n"
        "remove                      35.0   40.0           9.5   10.0\n"
        "teardown                   200.0  200.0         200.0  200.0\n"
        "\n"
        "per step, everything included: velarun 450 ms, floor 400 ms, ratio 1.12x"
    )
