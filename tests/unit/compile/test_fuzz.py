"""Hostile input through the whole compiler: any document, any rule data, via the CLI's `plan`:
exit 0 with a plan or 2 with diagnostics, never a traceback, never a hang."""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clirunner import CliRunner
from tests.conftest import ROOT
from velarun.cli import app

runner = CliRunner()
FIXTURES = sorted((ROOT / "fixtures").rglob("*.yml"))
SEEDS = [f.read_text() for f in FIXTURES]
_COPY: list[Path] = []


def fixtures_repository() -> Path:
    """A git repository holding a copy of fixtures/, made once: a mutated fixture is written
    beside its original there, so the templates it names resolve as they do in velarun's."""
    if not _COPY:
        tmp = Path(tempfile.mkdtemp(prefix="velarun-fuzz-"))
        atexit.register(shutil.rmtree, tmp, True)
        shutil.copytree(ROOT / "fixtures", tmp / "fixtures")
        subprocess.run(["git", "init", "-q", str(tmp)], check=True)
        _COPY.append(tmp)
    return _COPY[0]


PIECES = [
    "",
    " ",
    "\n",
    "-",
    ":",
    "[",
    "]",
    "{",
    "}",
    "&a",
    "*a",
    "<<: ",
    "'",
    '"',
    "${",
    "$${",
    "${X^^}",
    "${{ x }}",
    "[^",
    "\\",
    "*",
    "?",
    "ruleset: {branch: '['}",
    "status: failure",
    "matcher: regexp",
    "(?=",
    "needs: [x]",
    "continue: true",
    "detach: true",
    "x",
]
EVENTS = st.sampled_from(
    [
        "push",
        "pull_request",
        "pull_request:labeled",
        "tag",
        "comment",
        "deployment",
        "schedule",
        "delete:tag",
        "merge_group",
        "weird:thing",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(range(len(SEEDS))),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 6), st.sampled_from(PIECES)),
        min_size=1,
        max_size=5,
    ),
    EVENTS,
    st.text(alphabet="ab/-*[]", max_size=8),
    st.lists(st.text(alphabet="abcd/.*[", max_size=8), max_size=3),
)
def test_plan_exits_0_or_2_on_mutated_fixtures(
    seed: int, edits: list[tuple[int, int, str]], event: str, branch: str, paths: list[str]
) -> None:
    text = SEEDS[seed]
    for where, cut, insert in edits:
        i = where % (len(text) + 1)
        text = text[:i] + insert + text[i + cut :]
    path = fixtures_repository() / FIXTURES[seed].parent.relative_to(ROOT) / "fuzz.vela.yml"
    path.write_text(text)
    args = ["plan", str(path), "--event", event, "--tag", "v1", "--format", "json"]
    if branch:
        args += ["--branch", branch]
    for p in paths:
        if p:
            args += ["--file-changeset", p]
    # GitHub is a closed local port, the cache a directory of the copy: never the network
    offline = {
        "VELARUN_GITHUB_API_URL": "github.com=http://127.0.0.1:9",
        "VELARUN_CACHE_DIR": str(fixtures_repository() / "cache"),
    }
    result = runner.invoke(app, args, env=offline)
    # a template that cannot be had is exit 3: a mutated `source:` of a `type: file` template,
    # or a GitHub template (never fetched on a push) that an event or a mutation keeps
    missing = result.exit_code == 3 and result.output.startswith("error: template ")
    assert result.exit_code in (0, 2) or missing, (
        result.exit_code,
        result.output,
        result.exception,
    )
    assert "Traceback" not in result.output
