"""The options ``plan`` and ``exec`` share, declared once, and the rule-data inputs they give.

Rule-data flags are named as in ``vela exec pipeline`` and each is also read from a
``VELA_*`` variable; where each value came from (flag, variable, default) is kept, since the
header of a run says so.
"""

from __future__ import annotations

import os
from pathlib import Path

from velarun.cli.args import Args, Opt
from velarun.errors import UsageError
from velarun.inputs import Given, PrepareRequest, RuleInputs

FILE_ARG = Opt("file", (), "Pipeline file (default: .vela.yml, then .vela.yaml).", kind="path")
FILE_OPT = Opt("file_opt", ("--file", "-f"), "Pipeline file (same as the argument).", kind="path")
TEMPLATE_FILE = Opt(
    "template_file",
    ("--template-file",),
    "Use this local file for the template NAME instead of its source: NAME:PATH (repeatable).",
    kind="strs",
    metavar="NAME:PATH",
)
PIPELINE_TYPE = Opt(
    "pipeline_type",
    ("--pipeline-type",),
    "How the file is written: yaml, go (a Go template) or starlark (default: starlark for"
    " .star and .py files, else yaml), as the repository's setting on the server.",
    envvar="VELA_PIPELINE_TYPE",
    metavar="TYPE",
)

RULE_OPTIONS = (
    Opt(
        "event",
        ("--event", "-e"),
        "push, tag, pull_request[:action], comment[:action], deployment, schedule,"
        " delete:branch|tag (default push).",
        envvar="VELA_EVENT",
        metavar="EVENT",
    ),
    Opt("branch", ("--branch", "-b"), "Branch (default main).", envvar="VELA_BRANCH"),
    Opt("tag", ("--tag",), "Tag name.", envvar="VELA_TAG"),
    Opt("target", ("--target",), "Deployment target.", envvar="VELA_TARGET"),
    Opt("comment", ("--comment", "-c"), "PR comment body.", envvar="VELA_COMMENT"),
    Opt(
        "file_changeset",
        ("--file-changeset", "--fcs"),
        "Changed files for `path` rules; repeatable and comma-separated.",
        kind="strs",
        envvar="VELA_FILE_CHANGESET",
        metavar="FILES",
    ),
    Opt("repo", ("--repo",), "Repository as org/name.", envvar="VELA_REPO", metavar="ORG/NAME"),
    Opt(
        "label",
        ("--label",),
        "Pull request label for `label` rules; repeatable and comma-separated.",
        kind="strs",
        envvar="VELA_LABEL",
        metavar="LABELS",
    ),
    Opt(
        "sender",
        ("--sender",),
        "Who triggered the build, for `sender` rules.",
        envvar="VELA_SENDER",
    ),
    Opt(
        "instance",
        ("--instance",),
        "The Vela server's address, for `instance` rules.",
        envvar="VELA_INSTANCE",
        metavar="URL",
    ),
    Opt(
        "build",
        ("--build",),
        "Rule data from this Vela server build: ORG/REPO#NUMBER or the build's URL"
        " (server and token: VELA_ADDR, VELA_TOKEN, else ~/.vela/config.yml).",
        metavar="BUILD",
    ),
)

PREPARE_OPTIONS = (
    FILE_ARG,
    FILE_OPT,
    *RULE_OPTIONS,
    Opt(
        "env",
        ("--env",),
        "KEY=VALUE added to every non-detached step (repeatable).",
        kind="strs",
        metavar="KEY=VALUE",
    ),
    Opt(
        "env_file",
        ("--env-file",),
        "KEY=VALUE file added like --env (repeatable).",
        kind="paths",
    ),
    Opt(
        "local_env",
        ("--local-env",),
        "Pass the host environment into non-detached steps and allow secrets from it"
        " (off by default, as in Vela).",
        kind="flag",
        default=False,
    ),
    Opt(
        "no_git",
        ("--no-git",),
        "Do not derive rule data from the git repository.",
        kind="flag",
        envvar="VELARUN_NO_GIT",
        default=False,
    ),
    Opt(
        "changed_since",
        ("--changed-since",),
        "Changed files for `path` rules since this commit/ref (default: the merge-base"
        " with the default branch), plus uncommitted and untracked files.",
        metavar="REF",
    ),
    Opt(
        "skip_step",
        ("--skip-step",),
        "Do not run this step (repeatable).",
        kind="strs",
        metavar="STEP",
    ),
    Opt(
        "stage",
        ("--stage",),
        "Run this stage and the stages it needs (repeatable).",
        kind="strs",
        metavar="STAGE",
    ),
    Opt(
        "step",
        ("--step",),
        "Run this step and the stages its stage needs (repeatable).",
        kind="strs",
        metavar="STEP",
    ),
    TEMPLATE_FILE,
    PIPELINE_TYPE,
)
"""What ``plan``, ``exec`` and ``render`` take before their own options."""


def pipeline_path(arg: Path | None, opt: Path | None) -> Path | None:
    """The file given as FILE or with --file (not both, unless the same); None: the default."""
    if arg is not None and opt is not None and arg != opt:
        raise UsageError("give the pipeline file once, as FILE or with --file")
    return arg or opt


def _given(args: Args, name: str) -> Given:
    value = args.values[name]
    if isinstance(value, list):  # a repeatable option: given when it has values
        value = "x" if value else None
    source = args.source(name)
    if value is None or source == "default":
        return Given(None, "default")
    assert isinstance(value, str)
    return Given(value, source)


def _labels(args: Args) -> list[str]:
    """``--label`` values; ``VELA_LABEL`` as written, since splitting it at spaces would break
    a label that has some (``good first issue``): only commas separate labels."""
    if args.source("label") == "env":
        return [os.environ.get("VELA_LABEL", "")]
    return args.texts("label")


def prepare_request(args: Args) -> PrepareRequest:
    """The options ``plan`` and ``exec`` share (declared here, once), as a request."""
    from velarun.compile.ruledata import split_changeset

    changeset = _given(args, "file_changeset")
    labels = _given(args, "label")
    rules = RuleInputs(
        event=_given(args, "event"),
        branch=_given(args, "branch"),
        tag=_given(args, "tag"),
        target=_given(args, "target"),
        comment=_given(args, "comment"),
        changeset=split_changeset(args.texts("file_changeset")),
        changeset_source=changeset.source,
        repo=_given(args, "repo"),
        changed_since=args.maybe_text("changed_since"),
        use_git=not args.flag("no_git"),
        sender=_given(args, "sender"),
        instance=_given(args, "instance"),
        labels=split_changeset(_labels(args)),
        labels_source=labels.source,
    )
    return PrepareRequest(
        pipeline_path(args.path("file"), args.path("file_opt")),
        rules,
        env=tuple(args.texts("env")),
        env_files=tuple(args.paths("env_file")),
        local_env=args.flag("local_env"),
        skip_steps=tuple(args.texts("skip_step")),
        stages=tuple(args.texts("stage")),
        steps=tuple(args.texts("step")),
        template_files=tuple(args.texts("template_file")),
        pipeline_type=args.maybe_text("pipeline_type"),
        build=args.maybe_text("build"),
    )
