"""Golden graphs: `velarun plan --format mermaid` and `--format dot` of every seed fixture, the
kitchen sink and the demo, under the rule-data contexts of the golden plans.

The golden files in tests/golden/plan/ (`*.mmd`, `*.dot`) were reviewed by hand, rendered
with mermaid-cli and with Graphviz's `dot -Tsvg` (neither is a dependency of the project or
of CI); `pytest --update-golden` rewrites them, and the diff must be reviewed again.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.unit.compile.test_golden import CONTEXTS, plan

GRAPH_CONTEXTS: list[tuple[str, str, list[str]]] = [
    *CONTEXTS,
    ("demo/.vela.yml", "push-main", ["--branch", "main"]),
    ("demo/.vela.yml", "pull-request", ["--event", "pull_request", "--branch", "feature"]),
]


def stem(fixture: str) -> str:
    name = fixture.split("/")[-1]
    return fixture.split("/")[0] if name == ".vela.yml" else name.removesuffix(".vela.yml")


@pytest.mark.parametrize(
    ("fixture", "context", "args"),
    GRAPH_CONTEXTS,
    ids=[f"{stem(f)}-{c}" for f, c, _ in GRAPH_CONTEXTS],
)
@pytest.mark.parametrize(("fmt", "ext"), [("mermaid", "mmd"), ("dot", "dot")])
def test_golden_graphs(
    fixture: str,
    context: str,
    args: list[str],
    fmt: str,
    ext: str,
    golden: Callable[[str, str], None],
) -> None:
    golden(f"plan/{stem(fixture)}.{context}.{ext}", plan(fixture, args, fmt))


def test_the_y_stage_s_dropped_need_is_a_dashed_labelled_edge() -> None:
    """The seed's y-stage needs a stage its rules prune on a push to main: the need is drawn
    from the pruned stage, dashed, with why."""
    out = plan("seed/stage-needs.vela.yml", ["--branch", "main"], "mermaid").splitlines()
    assert '  stage_compile_time_ruleset_stage -.->|"need dropped: pruned"| stage_y_stage' in out
    dot = plan("seed/stage-needs.vela.yml", ["--branch", "main"], "dot").splitlines()
    assert (
        "  step_compile_time_ruleset_stage_pruned -> step_y_stage_what_repo_is_this"
        " [ltail=cluster_stage_compile_time_ruleset_stage, lhead=cluster_stage_y_stage,"
        ' style=dashed, color=gray50, label="need dropped: pruned", fontcolor=gray40];'
    ) in dot
