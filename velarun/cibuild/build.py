"""A server build, as data: the reference a user gives, the JSON the server answers with
(``api/types`` ``Build`` and ``Step``), the rule data it carries. Pure: no I/O here."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from velarun.errors import UsageError


class BuildRefError(UsageError):
    """``--build`` names no build."""


@dataclass(frozen=True, slots=True)
class BuildRef:
    org: str
    repo: str
    number: int
    url_base: str | None = None
    """The server's address when the build was given as a URL of the Vela UI."""

    @property
    def label(self) -> str:
        """``octo/app#42``."""
        return f"{self.org}/{self.repo}#{self.number}"

    @property
    def api_path(self) -> str:
        org, repo = (urllib.parse.quote(part, safe="") for part in (self.org, self.repo))
        return f"/api/v1/repos/{org}/{repo}/builds/{self.number}"


_SHORT = re.compile(r"^([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)#([0-9]+)$")


def parse_build_ref(text: str) -> BuildRef:
    """``ORG/REPO#NUMBER``, or a build's URL in the Vela UI (``https://HOST/ORG/REPO/NUMBER``,
    maybe followed by a tab such as ``/pipeline``); raises :class:`BuildRefError`."""
    text = text.strip()
    short = _SHORT.match(text)
    if short:
        return BuildRef(short.group(1), short.group(2), int(short.group(3)))
    split = urllib.parse.urlsplit(text)
    parts = [p for p in split.path.split("/") if p]
    if split.scheme in ("http", "https") and split.netloc and len(parts) >= 3:
        org, repo, number = parts[:3]
        if number.isdigit():
            return BuildRef(org, repo, int(number), f"{split.scheme}://{split.netloc}")
    raise BuildRefError(
        f"--build `{text}` names no build",
        "write ORG/REPO#NUMBER (octo/app#42) or the build's URL, https://vela.example.com/octo/app/42",
    )


@dataclass(frozen=True, slots=True)
class CIBuild:
    """What velarun uses of the server's ``Build`` (``api/types/build.go``)."""

    ref: BuildRef
    status: str = ""
    event: str = ""
    """The event with its action, as the server matches it: ``pull_request:opened``."""
    branch: str = ""
    git_ref: str = ""
    base_ref: str = ""
    head_ref: str = ""
    deploy: str = ""
    commit: str = ""
    sender: str = ""
    author: str = ""
    email: str = ""
    message: str = ""
    repo: str = ""
    """``org/name`` of the build's repository."""
    link: str = ""
    instance: str = ""
    """The server's address: the ``instance`` datum of its rules."""

    @property
    def source(self) -> str:
        """Where its rule data came from, in the rule-data header."""
        return f"build #{self.ref.number}"


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def build_from_json(ref: BuildRef, data: Mapping[str, Any], instance: str) -> CIBuild:
    """The server's ``Build`` JSON (``omitempty``: any key may be missing)."""
    event, action = _text(data, "event"), _text(data, "event_action")
    if action and event != "merge_group":  # the server's compile.go joins them so
        event = f"{event}:{action}"
    repo = data.get("repo")
    full_name = _text(repo, "full_name") if isinstance(repo, Mapping) else ""
    return CIBuild(
        ref=ref,
        status=_text(data, "status"),
        event=event,
        branch=_text(data, "branch"),
        git_ref=_text(data, "ref"),
        base_ref=_text(data, "base_ref"),
        head_ref=_text(data, "head_ref"),
        deploy=_text(data, "deploy"),
        commit=_text(data, "commit"),
        sender=_text(data, "sender"),
        author=_text(data, "author"),
        email=_text(data, "email"),
        message=_text(data, "message"),
        repo=full_name or f"{ref.org}/{ref.repo}",
        link=_text(data, "link"),
        instance=instance,
    )


@dataclass(frozen=True, slots=True)
class CIStep:
    """What velarun uses of the server's ``Step`` (``api/types/step.go``)."""

    name: str
    stage: str = ""
    """Empty in a steps pipeline (the server takes it from ``VELA_STEP_STAGE``)."""
    status: str = ""
    number: int = 0
    image: str = ""
    exit_code: int | None = None


def steps_from_json(pages: list[Any]) -> tuple[CIStep, ...]:
    """Every page of ``GET .../steps`` (a JSON list each), in the server's step order."""
    steps: list[CIStep] = []
    for page in pages:
        for item in page if isinstance(page, list) else []:
            if not isinstance(item, Mapping):
                continue
            number = item.get("number")
            code = item.get("exit_code")
            steps.append(
                CIStep(
                    name=_text(item, "name"),
                    stage=_text(item, "stage"),
                    status=_text(item, "status"),
                    number=number if isinstance(number, int) else 0,
                    image=_text(item, "image"),
                    exit_code=code if isinstance(code, int) else None,
                )
            )
    return tuple(sorted(steps, key=lambda s: s.number))


def workspace_for_build(build: CIBuild) -> str:
    """The ``--workspace`` a reproduced build runs in: the commit CI cloned."""
    return f"commit={build.commit}" if build.commit else "commit"
