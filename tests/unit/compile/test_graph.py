"""The stage graph (`compile/graph.py`) and its two writers: names quoted so they read as
written, ids safe and unique, and what each awkward plan draws, as whole strings."""

from __future__ import annotations

import pytest

from tests.unit.helpers import compile_text
from velarun.compile import graph_dot, graph_mermaid
from velarun.compile.graph import Graph, Ids, stage_graph
from velarun.compile.select import select
from velarun.load import load_bytes

MERMAID_ESCAPES = [
    ("plain", "build", "build"),
    ("spaces", "Build My Code", "Build My Code"),
    ("double quotes", 'say "hi"', "say #34;hi#34;"),
    ("single quotes", "it's", "it's"),
    ("brackets", "build [x] (y) {z}", "build [x] (y) {z}"),
    ("hash: else `#1;` would be an entity", "build #1; test", "build #35;1; test"),
    ("entity-like text", "#quot; &amp;", "#35;quot; #38;amp;"),
    ("html", "<b>bold</b> & <br>", "#60;b#62;bold#60;/b#62; #38; #60;br#62;"),
    ("pipe: edge labels", "a | b", "a #124; b"),
    ("directive", "%%{init: {}}%%", "#37;#37;{init: {}}#37;#37;"),
    ("backtick: markdown strings", "`md` text", "#96;md#96; text"),
    ("unicode", "构建 🚀 naïve", "构建 🚀 naïve"),
    ("emoji with a joiner", "👩\u200d💻", "👩\u200d💻"),
    ("newline and tab", "a\nb\tc\r\n", "a b c  "),
    ("line separators", "a\u2028b\u2029c\x85d\x7fe", "a b c d e"),
    ("backslash", "back\\slash", "back\\slash"),
    ("semicolon and arrows", "a; b --> c", "a; b --#62; c"),
    ("direction: else read as the statement", "direction TB now", "direction#32;TB now"),
    ("direction in any case and spacing", "Direction\tlr", "Direction#32;lr"),
    ("keywords", "end style class subgraph", "end style class subgraph"),
    ("at sign and colons", "e1@{ shape: rect } a:::b", "e1@{ shape: rect } a:::b"),
    ("empty", "", ""),
]


@pytest.mark.parametrize(
    ("text", "escaped"),
    [(t, e) for _, t, e in MERMAID_ESCAPES],
    ids=[i for i, _, _ in MERMAID_ESCAPES],
)
def test_mermaid_escapes_what_mermaid_would_read(text: str, escaped: str) -> None:
    assert graph_mermaid.escape(text) == escaped


def test_a_mermaid_label_is_quoted_lines_joined_with_br() -> None:
    assert graph_mermaid.label(('a "b"', "c<d>")) == '"a #34;b#34;<br>c#60;d#62;"'


COMMENTS = [
    ("plain", "rule data: event=push", "%% rule data: event=push"),
    ("directive", "comment='%%{init: {}}%%'", "%% comment='#37;#37;{init: {}}#37;#37;'"),
    ("newline", "a\nflowchart LR", "%% a flowchart LR"),
]


@pytest.mark.parametrize(
    ("text", "line"), [(t, c) for _, t, c in COMMENTS], ids=[i for i, _, _ in COMMENTS]
)
def test_a_mermaid_comment_is_one_line_that_opens_no_directive(text: str, line: str) -> None:
    assert graph_mermaid.comment(text) == line


DOT_ESCAPES = [
    ("plain", "build", "build"),
    ("double quotes", 'say "hi"', 'say \\"hi\\"'),
    ("backslash: else \\n and \\N would be read", "a\\nb \\N", "a\\\\nb \\\\N"),
    ("trailing backslash", "dir\\", "dir\\\\"),
    ("html-like", "<b>x</b> & y", "<b>x</b> & y"),
    ("braces and semicolons", "a; b {c} [d] -> e", "a; b {c} [d] -> e"),
    ("hash and percent", "#1 %%{x}%%", "#1 %%{x}%%"),
    ("unicode", "构建 🚀", "构建 🚀"),
    ("newline and tab", "a\nb\tc", "a b c"),
]


@pytest.mark.parametrize(
    ("text", "escaped"), [(t, e) for _, t, e in DOT_ESCAPES], ids=[i for i, _, _ in DOT_ESCAPES]
)
def test_dot_escapes_what_dot_would_read(text: str, escaped: str) -> None:
    assert graph_dot.escape(text) == escaped


def test_a_dot_label_is_a_quoted_string_of_lines() -> None:
    assert graph_dot.label(('a "b"', "c\\d")) == '"a \\"b\\"\\nc\\\\d"'


def test_ids_are_ascii_prefixed_and_unique() -> None:
    ids = Ids()
    made = [
        ids.make("stage", name)
        for name in (
            "build",
            "build",
            "Build!",
            "build_2",
            "end",
            "构建",
            "构建",
            "o",
            "x-stage",
            "--",
            "a" * 60,
        )
    ]
    assert made == [
        "stage_build",
        "stage_build_2",
        "stage_Build",
        "stage_build_2_2",
        "stage_end",
        "stage",
        "stage_2",
        "stage_o",
        "stage_x_stage",
        "stage_3",
        "stage_" + "a" * 40,
    ]


AWKWARD = """\
version: "1"
services:
  - name: 'db "main"'
    image: postgres
  - name: cache
    image: redis
    ruleset: {branch: nope}
stages:
  "build [x] #1":
    independent: true
    steps:
      - name: 'say "hi" | <b>'
        image: alpine
        commands: [x]
      - name: bg
        image: redis
        detach: true
      - name: gone
        image: alpine
        ruleset: {branch: nope}
        commands: [x]
  skipped:
    needs: ["build [x] #1"]
    steps:
      - name: never
        image: alpine
        ruleset: {branch: nope}
        commands: [x]
  test:
    needs: ["build [x] #1", ghost, skipped]
    steps:
      - name: unit
        image: alpine
        commands: [x]
"""


def awkward_graph(with_written: bool = True) -> Graph:
    loaded = load_bytes(AWKWARD.encode(), "p.yml")
    assert loaded.pipeline is not None
    plan = compile_text(AWKWARD, branch="main")
    if not with_written:
        return stage_graph(plan)
    stages = loaded.pipeline.stages
    return stage_graph(
        plan,
        {st.name: st.needs for st in stages},
        [st.name for st in stages if st.independent],
    )


def test_mermaid_of_an_awkward_plan() -> None:
    assert graph_mermaid.render_mermaid(awkward_graph()) == "\n".join(
        [
            "%% velarun plan, rule data: event=push branch=main tag=refs/heads/main"
            " repo=localOrg/localRepo paths=(none)",
            "flowchart TB",
            "  classDef pruned stroke-dasharray:5 5,color:#808080",
            "  classDef independent stroke-width:3px",
            "  classDef missing stroke-dasharray:2 2,color:#808080",
            '  subgraph services["services · in the background"]',
            "    direction TB",
            '    svc_db_main(["db #34;main#34;<br>postgres"])',
            '    svc_cache(["cache<br>pruned: branch #96;main#96; does not match #96;nope#96;"])',
            "    svc_db_main ~~~ svc_cache",
            "  end",
            '  subgraph stage_build_x_1["build [x] #35;1 · independent"]',
            "    direction TB",
            '    step_build_x_1_say_hi_b["say #34;hi#34; #124; #60;b#62;<br>alpine"]',
            '    step_build_x_1_bg["bg<br>redis<br>detached"]',
            '    step_build_x_1_gone["gone<br>pruned: branch #96;main#96; does not match'
            ' #96;nope#96;"]',
            "    step_build_x_1_say_hi_b ~~~ step_build_x_1_bg",
            "    step_build_x_1_bg ~~~ step_build_x_1_gone",
            "  end",
            '  subgraph stage_skipped["skipped · pruned: every step was pruned"]',
            "    direction TB",
            '    step_skipped_never["never<br>pruned: branch #96;main#96; does not match'
            ' #96;nope#96;"]',
            "  end",
            '  subgraph stage_test["test"]',
            "    direction TB",
            '    step_test_unit["unit<br>alpine"]',
            "  end",
            '  missing_ghost["ghost<br>not a stage"]',
            "  stage_build_x_1 -.-> stage_skipped",
            "  stage_build_x_1 --> stage_test",
            '  missing_ghost -.->|"need ignored: not a stage"| stage_test',
            '  stage_skipped -.->|"need dropped: pruned"| stage_test',
            "  class stage_skipped,svc_cache,step_build_x_1_gone,step_skipped_never pruned",
            "  class stage_build_x_1 independent",
            "  class missing_ghost missing",
        ]
    )


def test_dot_of_an_awkward_plan() -> None:
    font = '"Helvetica,Arial,sans-serif"'
    pruned = 'style="rounded,dashed", color=gray50, fontcolor=gray40'
    assert graph_dot.render_dot(awkward_graph()) == "\n".join(
        [
            "// velarun plan, rule data: event=push branch=main tag=refs/heads/main"
            " repo=localOrg/localRepo paths=(none)",
            "digraph plan {",
            "  compound=true;",
            "  rankdir=TB;",
            "  nodesep=0.5;",
            f"  fontname={font};",
            f'  node [shape=box, style="rounded", fontname={font}];',
            f"  edge [fontname={font}, fontsize=10];",
            "  subgraph cluster_services {",
            '    label="services\\nin the background";',
            '    svc_db_main [label="db \\"main\\"\\npostgres",'
            ' shape=box, style="rounded,filled", fillcolor=gray95];',
            '    svc_cache [label="cache\\npruned: branch `main` does not match `nope`",'
            f' shape=box, style="rounded,filled", fillcolor=gray95, {pruned}];',
            "    svc_db_main -> svc_cache [style=invis];",
            "  }",
            "  subgraph cluster_stage_build_x_1 {",
            '    label="build [x] #1\\nindependent";',
            "    penwidth=3;",
            '    step_build_x_1_say_hi_b [label="say \\"hi\\" | <b>\\nalpine"];',
            '    step_build_x_1_bg [label="bg\\nredis\\ndetached"];',
            '    step_build_x_1_gone [label="gone\\npruned: branch `main` does not match `nope`",'
            f" {pruned}];",
            "    step_build_x_1_say_hi_b -> step_build_x_1_bg [style=invis];",
            "    step_build_x_1_bg -> step_build_x_1_gone [style=invis];",
            "  }",
            "  subgraph cluster_stage_skipped {",
            '    label="skipped\\npruned: every step was pruned";',
            "    style=dashed; color=gray50; fontcolor=gray40;",
            '    step_skipped_never [label="never\\npruned: branch `main` does not match `nope`",'
            f" {pruned}];",
            "  }",
            "  subgraph cluster_stage_test {",
            '    label="test";',
            '    step_test_unit [label="unit\\nalpine"];',
            "  }",
            '  missing_ghost [label="ghost\\nnot a stage",'
            ' style="dashed", color=gray50, fontcolor=gray40];',
            "  step_build_x_1_gone -> step_skipped_never [ltail=cluster_stage_build_x_1,"
            " lhead=cluster_stage_skipped, style=dashed, color=gray50];",
            "  step_build_x_1_gone -> step_test_unit"
            " [ltail=cluster_stage_build_x_1, lhead=cluster_stage_test];",
            "  missing_ghost -> step_test_unit [lhead=cluster_stage_test, style=dashed,"
            ' color=gray50, label="need ignored: not a stage", fontcolor=gray40];',
            "  step_skipped_never -> step_test_unit [ltail=cluster_stage_skipped,"
            " lhead=cluster_stage_test, style=dashed, color=gray50,"
            ' label="need dropped: pruned", fontcolor=gray40];',
            "}",
        ]
    )


def test_without_the_written_needs_pruned_stages_come_last_with_only_dropped_edges() -> None:
    graph = awkward_graph(with_written=False)
    assert [(b.name, b.pruned, b.independent) for b in graph.boxes] == [
        ("services", False, False),
        ("build [x] #1", False, True),
        ("test", False, False),
        ("skipped", True, False),
    ]
    assert [(e.source, e.target, e.label, e.dashed) for e in graph.edges] == [
        ("stage_build_x_1", "stage_test", "", False),
        ("missing_ghost", "stage_test", "need ignored: not a stage", True),
        ("stage_skipped", "stage_test", "need dropped: pruned", True),
    ]


STEPS = """\
version: "1"
steps:
  - name: a
    image: alpine
    commands: [x]
  - name: b
    image: alpine
    ruleset: {event: tag}
    commands: [x]
"""


def test_a_steps_pipeline_is_one_box_holding_its_steps() -> None:
    graph = stage_graph(compile_text(STEPS))
    assert graph_mermaid.render_mermaid(graph).splitlines()[5:] == [
        '  subgraph stage_steps["steps"]',
        "    direction TB",
        '    step_steps_a["a<br>alpine"]',
        '    step_steps_b["b<br>pruned: event #96;push#96; does not match #96;tag#96;"]',
        "    step_steps_a ~~~ step_steps_b",
        "  end",
        "  class step_steps_b pruned",
    ]


def test_stages_a_selection_left_out_are_pruned_with_the_selection_s_reason() -> None:
    plan = select(compile_text(AWKWARD, branch="main"), stages=("build [x] #1",))
    graph = stage_graph(plan, {"build [x] #1": (), "test": ("build [x] #1",)})
    assert [(b.name, b.lines) for b in graph.boxes if b.pruned] == [
        ("test", ("test", "pruned: not needed by --stage/--step build [x] #1")),
        ("skipped", ("skipped", "pruned: every step was pruned")),
    ]
    assert [(e.source, e.target, e.label, e.dashed) for e in graph.edges] == [
        ("stage_build_x_1", "stage_test", "", True),
    ]
