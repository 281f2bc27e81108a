"""The options ``plan`` and ``exec`` share, declared once, and the rule-data inputs they give.

Rule-data flags are named as in ``vela exec pipeline`` and each is also read from a
``VELA_*`` variable; where each value came from (flag, variable, default) is kept, since the
header of a run says so.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Concatenate, ParamSpec, TypeVar

import typer

from velarun.errors import UsageError
from velarun.inputs import Given, PrepareRequest, RuleInputs

P = ParamSpec("P")
R = TypeVar("R")

FileArg = Annotated[
    Path | None,
    typer.Argument(help="Pipeline file (default: .vela.yml, then .vela.yaml).", show_default=False),
]
FileOpt = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="Pipeline file (same as the argument).", show_default=False),
]
EventOpt = Annotated[
    str | None,
    typer.Option(
        "--event",
        "-e",
        envvar="VELA_EVENT",
        help="push, tag, pull_request[:action], comment[:action], deployment, schedule,"
        " delete:branch|tag (default push).",
        show_default=False,
    ),
]
BranchOpt = Annotated[
    str | None,
    typer.Option(
        "--branch", "-b", envvar="VELA_BRANCH", help="Branch (default main).", show_default=False
    ),
]
TagOpt = Annotated[
    str | None, typer.Option("--tag", envvar="VELA_TAG", help="Tag name.", show_default=False)
]
TargetOpt = Annotated[
    str | None,
    typer.Option("--target", envvar="VELA_TARGET", help="Deployment target.", show_default=False),
]
CommentOpt = Annotated[
    str | None,
    typer.Option(
        "--comment", "-c", envvar="VELA_COMMENT", help="PR comment body.", show_default=False
    ),
]
ChangesetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--file-changeset",
        "--fcs",
        envvar="VELA_FILE_CHANGESET",
        help="Changed files for `path` rules; repeatable and comma-separated.",
        show_default=False,
    ),
]
RepoOpt = Annotated[
    str | None,
    typer.Option("--repo", envvar="VELA_REPO", help="Repository as org/name.", show_default=False),
]
LabelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--label",
        envvar="VELA_LABEL",
        help="Pull request label for `label` rules; repeatable and comma-separated.",
        show_default=False,
    ),
]
SenderOpt = Annotated[
    str | None,
    typer.Option(
        "--sender",
        envvar="VELA_SENDER",
        help="Who triggered the build, for `sender` rules.",
        show_default=False,
    ),
]
InstanceOpt = Annotated[
    str | None,
    typer.Option(
        "--instance",
        envvar="VELA_INSTANCE",
        help="The Vela server's address, for `instance` rules.",
        show_default=False,
    ),
]
BuildOpt = Annotated[
    str | None,
    typer.Option(
        "--build",
        help="Rule data from this Vela server build: ORG/REPO#NUMBER or the build's URL"
        " (server and token: VELA_ADDR, VELA_TOKEN, else ~/.vela/config.yml).",
        show_default=False,
    ),
]
EnvOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--env",
        help="KEY=VALUE added to every non-detached step (repeatable).",
        show_default=False,
    ),
]
EnvFileOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--env-file", help="KEY=VALUE file added like --env (repeatable).", show_default=False
    ),
]
LocalEnvOpt = Annotated[
    bool,
    typer.Option(
        "--local-env",
        help="Pass the host environment into non-detached steps and allow secrets from it"
        " (off by default, as in Vela).",
    ),
]
NoGitOpt = Annotated[
    bool,
    typer.Option(
        "--no-git", envvar="VELARUN_NO_GIT", help="Do not derive rule data from the git repository."
    ),
]
ChangedSinceOpt = Annotated[
    str | None,
    typer.Option(
        "--changed-since",
        help="Changed files for `path` rules since this commit/ref (default: the merge-base"
        " with the default branch), plus uncommitted and untracked files.",
        show_default=False,
    ),
]
SkipStepOpt = Annotated[
    list[str] | None,
    typer.Option("--skip-step", help="Do not run this step (repeatable).", show_default=False),
]
StageOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--stage", help="Run this stage and the stages it needs (repeatable).", show_default=False
    ),
]
StepOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--step",
        help="Run this step and the stages its stage needs (repeatable).",
        show_default=False,
    ),
]
TemplateFileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--template-file",
        help="Use this local file for the template NAME instead of its source: NAME:PATH"
        " (repeatable).",
        show_default=False,
    ),
]
PipelineTypeOpt = Annotated[
    str | None,
    typer.Option(
        "--pipeline-type",
        envvar="VELA_PIPELINE_TYPE",
        help="How the file is written: yaml, go (a Go template) or starlark (default: starlark"
        " for .star and .py files, else yaml), as the repository's setting on the server.",
        show_default=False,
    ),
]


def pipeline_path(arg: Path | None, opt: Path | None) -> Path | None:
    """The file given as FILE or with --file (not both, unless the same); None: the default."""
    if arg is not None and opt is not None and arg != opt:
        raise UsageError("give the pipeline file once, as FILE or with --file")
    return arg or opt


def _given(ctx: typer.Context, name: str, value: str | None) -> Given:
    # click's ParameterSource (typer vendors click, so compare by name, not by import).
    source = getattr(ctx.get_parameter_source(name), "name", "DEFAULT")
    if value is None or source in ("DEFAULT", "DEFAULT_MAP"):
        return Given(None, "default")
    return Given(value, "env" if source == "ENVIRONMENT" else "flag")


def _labels(given: Given, values: list[str] | None) -> list[str]:
    """``--label`` values; ``VELA_LABEL`` as written, since click would split it at spaces and
    a label may have some (``good first issue``): only commas separate labels."""
    if given.source == "env":
        return [os.environ.get("VELA_LABEL", "")]
    return values or []


def _prepare_request(
    ctx: typer.Context,
    file: FileArg = None,
    file_opt: FileOpt = None,
    event: EventOpt = None,
    branch: BranchOpt = None,
    tag: TagOpt = None,
    target: TargetOpt = None,
    comment: CommentOpt = None,
    file_changeset: ChangesetOpt = None,
    repo: RepoOpt = None,
    label: LabelOpt = None,
    sender: SenderOpt = None,
    instance: InstanceOpt = None,
    build: BuildOpt = None,
    env: EnvOpt = None,
    env_file: EnvFileOpt = None,
    local_env: LocalEnvOpt = False,
    no_git: NoGitOpt = False,
    changed_since: ChangedSinceOpt = None,
    skip_step: SkipStepOpt = None,
    stage: StageOpt = None,
    step: StepOpt = None,
    template_file: TemplateFileOpt = None,
    pipeline_type: PipelineTypeOpt = None,
) -> PrepareRequest:
    """The options ``plan`` and ``exec`` share (declared here, once), as a request."""
    from velarun.compile.ruledata import split_changeset

    changeset = _given(ctx, "file_changeset", "x" if file_changeset else None)
    labels = _given(ctx, "label", "x" if label else None)
    rules = RuleInputs(
        event=_given(ctx, "event", event),
        branch=_given(ctx, "branch", branch),
        tag=_given(ctx, "tag", tag),
        target=_given(ctx, "target", target),
        comment=_given(ctx, "comment", comment),
        changeset=split_changeset(file_changeset or []),
        changeset_source=changeset.source,
        repo=_given(ctx, "repo", repo),
        changed_since=changed_since,
        use_git=not no_git,
        sender=_given(ctx, "sender", sender),
        instance=_given(ctx, "instance", instance),
        labels=split_changeset(_labels(labels, label)),
        labels_source=labels.source,
    )
    return PrepareRequest(
        pipeline_path(file, file_opt),
        rules,
        env=tuple(env or ()),
        env_files=tuple(env_file or ()),
        local_env=local_env,
        skip_steps=tuple(skip_step or ()),
        stages=tuple(stage or ()),
        steps=tuple(step or ()),
        template_files=tuple(template_file or ()),
        pipeline_type=pipeline_type,
        build=build,
    )


_SHARED = tuple(inspect.signature(_prepare_request, eval_str=True).parameters.values())[1:]


def with_prepare_options(
    command: Callable[Concatenate[typer.Context, PrepareRequest, P], R],
) -> Callable[..., R]:
    """``command(ctx, request, **own_options)`` as a typer command taking the shared options
    and its own: typer sees one signature, the command receives one ``PrepareRequest``."""
    own = inspect.signature(command, eval_str=True)
    ctx_param, _request, *own_params = own.parameters.values()
    names = [p.name for p in _SHARED]

    @functools.wraps(command)
    def run(ctx: typer.Context, *args: P.args, **kwargs: P.kwargs) -> R:
        shared = {name: kwargs.pop(name) for name in names}
        return command(ctx, _prepare_request(ctx, **shared), *args, **kwargs)  # type: ignore[arg-type]

    run.__signature__ = own.replace(parameters=[ctx_param, *_SHARED, *own_params])  # type: ignore[attr-defined]
    run.__annotations__ = {}
    return run
