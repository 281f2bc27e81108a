"""What a run starts from: rule data (flags > VELA_* variables > git > defaults, each datum with
where it came from), the step environment from the host side, and the secret values.

Pure assembly on top of :mod:`velarun.gitinfo`; the CLI turns the errors into exit code 2.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from velarun.compile.ruledata import (
    DEFAULT_BRANCH,
    DEFAULT_EVENT,
    DEFAULT_REPO,
    RuleData,
    RuleDataError,
    build_ruledata,
)
from velarun.dotenv import parse_dotenv
from velarun.errors import UsageError
from velarun.gitinfo import GitError, GitFacts, read_git

if TYPE_CHECKING:
    from velarun.cibuild.build import CIBuild
    from velarun.runtime import Mount


class InputError(UsageError):
    """A flag, variable or file given for the run cannot be used."""


@dataclass(frozen=True, slots=True)
class Given:
    """A rule-data value from the command line or the environment, with its source."""

    value: str | None
    source: str  # "flag" | "env" | "default"


@dataclass(frozen=True, slots=True)
class RuleInputs:
    event: Given
    branch: Given
    tag: Given
    target: Given
    comment: Given
    changeset: tuple[str, ...]
    changeset_source: str
    repo: Given
    changed_since: str | None = None
    use_git: bool = True
    sender: Given = Given(None, "default")
    instance: Given = Given(None, "default")
    labels: tuple[str, ...] = ()
    labels_source: str = "default"


@dataclass(frozen=True, slots=True)
class PrepareRequest:
    """What ``plan`` and ``exec`` are given, before anything is read."""

    path: Path | None
    """The pipeline file; None: ``.vela.yml``, then ``.vela.yaml``, in the working directory."""
    rules: RuleInputs
    env: tuple[str, ...] = ()
    env_files: tuple[Path, ...] = ()
    local_env: bool = False
    secrets: tuple[str, ...] = ()
    secret_files: tuple[Path, ...] = ()
    skip_steps: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    template_files: tuple[str, ...] = ()
    """``--template-file NAME:PATH``: local files that replace templates' sources."""
    pipeline_type: str | None = None
    """``yaml``, ``go`` or ``starlark``; None: from the file's extension."""
    build: str | None = None
    """``--build ORG/REPO#N`` or a build's URL: rule data from that server build."""


@dataclass(frozen=True, slots=True)
class ResolvedRuleData:
    data: RuleData
    sources: Mapping[str, str]
    warnings: tuple[str, ...] = ()

    def header(self) -> list[str]:
        """One line per datum and where it came from."""
        return [f"rule data: {k:<7} {v}  ({source})" for k, v, source in self.rows()]

    def rows(self) -> list[tuple[str, str, str]]:
        """(datum, value as shown, where it came from), in the header's order."""
        d = self.data
        paths = (
            f"{len(d.paths)} file{'s' if len(d.paths) != 1 else ''}"
            + (": " + ", ".join(d.paths[:5]) + (", ..." if len(d.paths) > 5 else ""))
            if d.paths
            else "(none)"
        )
        rows = [
            ("event", d.event),
            ("branch", d.branch),
            ("tag", d.tag),
            ("repo", d.repo),
            ("commit", d.commit[:12] or "(none)"),
            ("author", f"{d.author} <{d.author_email}>" if d.author else "(none)"),
            ("paths", paths),
        ]
        optional = [
            ("target", d.target),
            ("comment", repr(d.comment) if d.comment else ""),
            ("sender", d.sender),
            ("labels", ", ".join(d.labels)),
            ("instance", d.instance),
            ("base_ref", d.base_ref),
            ("head_ref", d.head_ref),
        ]
        rows += [(k, v) for k, v in optional if v]
        return [(k, v, self.sources.get(k, "default")) for k, v in rows]


def resolve_ruledata(
    inputs: RuleInputs, cwd: Path, build: CIBuild | None = None
) -> ResolvedRuleData:
    """Flags and VELA_* variables always win; then a server build's data (``--build``); git
    fills the rest; then Vela's defaults."""
    git = GitFacts()
    warnings: list[str] = []
    if inputs.use_git:
        want_changes = inputs.changeset_source == "default"
        try:
            git = read_git(cwd, changed_since=inputs.changed_since, want_changes=want_changes)
        except GitError as exc:
            raise InputError(str(exc), "pass a commit, tag or branch that exists") from None
        warnings += git.warnings
    sources: dict[str, str] = {}
    b = build or _NoBuild()
    from_build = build.source if build is not None else "default"

    def pick(name: str, given: Given, built: str, from_git: str | None, default: str) -> str:
        if given.source != "default" and given.value is not None:
            sources[name] = given.source
            return given.value
        for value, source in ((built, from_build), (from_git, "git")):
            if value:
                sources[name] = source
                return value
        sources[name] = "default"
        return default

    event = pick("event", inputs.event, b.event, None, DEFAULT_EVENT)
    branch = pick("branch", inputs.branch, b.branch, git.branch, DEFAULT_BRANCH)
    tag_name = pick("tag", inputs.tag, _tag_of(b.git_ref), git.tag, "")
    ref = _build_ref(inputs, b.git_ref)
    labels = inputs.labels
    sources["labels"] = inputs.labels_source
    paths = _paths(inputs, git, sources)
    commit = pick("commit", Given(None, "default"), b.commit, git.commit, "")
    if b.commit:
        author, email, message = b.author, b.email, b.message
        sources["author"] = from_build
    else:
        author, email, message = git.author, git.author_email, git.message
        sources["author"] = "git" if git.commit else "default"
    try:
        data = build_ruledata(
            event=event,
            branch=branch,
            tag=tag_name or None,
            target=pick("target", inputs.target, b.deploy, None, ""),
            comment=pick("comment", inputs.comment, "", None, ""),
            paths=paths,
            repo=pick("repo", inputs.repo, b.repo, git.repo, DEFAULT_REPO),
            commit=commit,
            author=author,
            author_email=email,
            message=message,
            sender=pick("sender", inputs.sender, b.sender, None, ""),
            labels=labels,
            instance=pick("instance", inputs.instance, b.instance, None, ""),
            ref=ref,
            base_ref=pick("base_ref", Given(None, "default"), b.base_ref, None, ""),
            head_ref=pick("head_ref", Given(None, "default"), b.head_ref, None, ""),
        )
    except RuleDataError as exc:
        raise InputError(exc.message, exc.hint) from None
    if data.event_name != "tag":
        # The tag datum of a non-tag event is the ref, derived from the branch or PR.
        sources["tag"] = f"ref of the {data.event_name} event"
        if ref is not None:
            sources["tag"] = f"ref of {from_build}"
    return ResolvedRuleData(data, sources, tuple(warnings))


class _NoBuild:
    """What rule data reads of a server build, when there is none (``cibuild`` unloaded)."""

    event = branch = git_ref = commit = author = email = message = repo = ""
    deploy = sender = instance = base_ref = head_ref = ""


def _build_ref(inputs: RuleInputs, ref: str) -> str | None:
    """The build's ref, unless a flag changed what it derives from: the event or the tag, or
    the branch of a branch ref (a pull request's ref keeps its number)."""
    if not ref or inputs.event.source != "default" or inputs.tag.source != "default":
        return None
    if inputs.branch.source != "default" and ref.startswith("refs/heads/"):
        return None
    return ref


def _tag_of(ref: str) -> str:
    return ref.removeprefix("refs/tags/") if ref.startswith("refs/tags/") else ""


def _paths(inputs: RuleInputs, git: GitFacts, sources: dict[str, str]) -> tuple[str, ...]:
    if inputs.changeset_source != "default":
        sources["paths"] = inputs.changeset_source
        return inputs.changeset
    if git.changed is not None:
        sources["paths"] = f"git: {git.changed_base}"
        return git.changed
    sources["paths"] = "default"
    return ()


# -- environment and secrets --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HostInputs:
    env: Mapping[str, str] = field(default_factory=dict)
    """What non-detached steps receive above Vela's defaults: host env (only with
    --local-env), then --env-file, then --env."""
    secrets: Mapping[str, str] = field(default_factory=dict)
    """Secret values by name: --secret-file, then --secret (later wins)."""
    local_env: bool = False
    host: Mapping[str, str] = field(default_factory=dict)
    """The host environment, consulted for secrets only with --local-env."""


def pairs(values: list[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"{flag} `{item}` is not KEY=VALUE", f"write {flag} NAME=value")
        out[key] = value
    return out


def read_env_file(path: Path, flag: str) -> dict[str, str]:
    try:
        return parse_dotenv(path.read_text())
    except OSError as exc:
        raise InputError(
            f"{flag} {path}: {exc.strerror}", "name an existing KEY=VALUE file"
        ) from None


def host_inputs(
    *,
    env: list[str],
    env_files: list[Path],
    secrets: list[str],
    secret_files: list[Path],
    local_env: bool,
) -> HostInputs:
    host = dict(os.environ) if local_env else {}
    merged: dict[str, str] = dict(host)
    for f in env_files:
        merged.update(read_env_file(f, "--env-file"))
    merged.update(pairs(env, "--env"))
    secret_values: dict[str, str] = {}
    for f in secret_files:
        secret_values.update(read_env_file(f, "--secret-file"))
    secret_values.update(pairs(secrets, "--secret"))
    return HostInputs(merged, secret_values, local_env, host)


def parse_volume(text: str) -> Mount:
    """``--volume SRC[:DST[:ro|rw]]``: a host path mounted into every container (``ro`` by
    default; DST defaults to SRC and must be absolute)."""
    parts = text.split(":")
    if len(parts) > 3 or not parts[0]:
        raise InputError(f"--volume `{text}` is not SRC[:DST[:ro|rw]]")
    source = str(Path(parts[0]).expanduser().resolve())
    dest = parts[1] if len(parts) > 1 and parts[1] else parts[0]
    mode = parts[2] if len(parts) > 2 else "ro"
    if mode not in ("ro", "rw"):
        raise InputError(f"--volume `{text}`: mode must be ro or rw")
    if not dest.startswith("/"):
        raise InputError(
            f"--volume `{text}`: the path in the container, `{dest}`, must be absolute",
            f"write `{parts[0]}:/path/in/container`",
        )
    from velarun.runtime import Mount

    return Mount(source, dest, read_only=mode != "rw")
