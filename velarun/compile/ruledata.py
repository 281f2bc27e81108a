"""Rule data: the facts a ruleset is matched against, built the way the Vela server builds them."""

from __future__ import annotations

from dataclasses import dataclass

from velarun.errors import UsageError

DEFAULT_EVENT = "push"
DEFAULT_BRANCH = "main"
DEFAULT_REPO = "localOrg/localRepo"
"""Vela's own local defaults for org and repo (`vela exec`)."""

DEFAULT_ACTIONS = {
    "pull_request": "opened",
    "pull": "opened",
    "comment": "created",
    "deployment": "created",
    "deploy": "created",
}
ALIASES = {"pull": "pull_request", "deploy": "deployment"}
PULL_REQUEST_NUMBER = 1


class RuleDataError(UsageError):
    """A rule-data flag has a value the server would never produce."""


@dataclass(frozen=True, slots=True)
class RuleData:
    """The compile-time facts. ``event`` carries its action: ``pull_request:opened``."""

    event: str
    branch: str
    tag: str
    """The server's tag datum: the tag name for tag events, otherwise the full ref."""
    ref: str
    target: str = ""
    comment: str = ""
    paths: tuple[str, ...] = ()
    repo: str = DEFAULT_REPO
    sender: str = ""
    labels: tuple[str, ...] = ()
    instance: str = ""
    status: str = "pending"
    commit: str = ""
    author: str = ""
    author_email: str = ""
    message: str = ""
    base_ref: str = ""
    """A pull request's base branch, when known (a server build's ``base_ref``)."""
    head_ref: str = ""
    """A pull request's source branch, when known (a server build's ``head_ref``)."""

    @property
    def event_name(self) -> str:
        return self.event.split(":", 1)[0]

    @property
    def event_action(self) -> str:
        return self.event.partition(":")[2]

    def values(self, rule: str) -> tuple[str, ...]:
        """The data a rule type is matched against (lists for path and label)."""
        if rule == "path":
            return self.paths
        if rule == "label":
            return self.labels
        single = {
            "branch": self.branch,
            "comment": self.comment,
            "event": self.event,
            "repo": self.repo,
            "sender": self.sender,
            "tag": self.tag,
            "target": self.target,
            "instance": self.instance,
            "status": self.status,
        }
        return (single[rule],)

    def to_json(self) -> dict[str, object]:
        return {
            "event": self.event,
            "branch": self.branch,
            "tag": self.tag,
            "ref": self.ref,
            "target": self.target,
            "comment": self.comment,
            "paths": list(self.paths),
            "repo": self.repo,
            "sender": self.sender,
            "labels": list(self.labels),
            "instance": self.instance,
            "status": self.status,
            "commit": self.commit,
            "author": self.author,
            "author_email": self.author_email,
            "message": self.message,
        }


def normalize_event(raw: str) -> str:
    """``event[:action]`` as the server records it; bare events get the default action."""
    name, sep, action = raw.strip().partition(":")
    name = ALIASES.get(name, name)
    if not name:
        raise RuleDataError(
            "the event is empty", "pass --event push, tag, pull_request[:action], ..."
        )
    if name == "delete" and not action:
        raise RuleDataError(
            "event `delete` needs an action",
            "pass --event delete:branch or --event delete:tag",
        )
    if name == "merge_group":
        return name
    if not sep or not action:
        action = DEFAULT_ACTIONS.get(name, "")
    return f"{name}:{action}" if action else name


def build_ruledata(
    *,
    event: str | None = None,
    branch: str | None = None,
    tag: str | None = None,
    target: str | None = None,
    comment: str | None = None,
    paths: tuple[str, ...] = (),
    repo: str | None = None,
    commit: str = "",
    author: str = "",
    author_email: str = "",
    message: str = "",
    sender: str = "",
    labels: tuple[str, ...] = (),
    instance: str = "",
    ref: str | None = None,
    base_ref: str = "",
    head_ref: str = "",
) -> RuleData:
    """Rule data from flag values, with the server's derivations (ref, tag datum); a ``ref``
    given (a server build's) is taken as it is, as the server takes the build's."""
    ev = normalize_event(event or DEFAULT_EVENT)
    br = branch if branch is not None else DEFAULT_BRANCH
    name = ev.split(":", 1)[0]
    if name == "tag" and not tag and not ref:
        raise RuleDataError("a tag event needs a tag", "pass --tag v1.2.3 (or set VELA_TAG)")
    ref = ref or _derived_ref(name, (tag or "").removeprefix("refs/tags/"), br)
    full_repo = repo if repo else DEFAULT_REPO
    if full_repo.count("/") != 1 or full_repo.startswith("/") or full_repo.endswith("/"):
        raise RuleDataError(
            f"repo `{full_repo}` is not `org/name`", "pass --repo octocat/hello-world"
        )
    return RuleData(
        event=ev,
        branch=br,
        tag=ref.removeprefix("refs/tags/"),
        ref=ref,
        target=target or "",
        comment=comment or "",
        paths=paths,
        repo=full_repo,
        commit=commit,
        author=author,
        author_email=author_email,
        message=message,
        sender=sender,
        labels=labels,
        instance=instance,
        base_ref=base_ref,
        head_ref=head_ref,
    )


def _derived_ref(event_name: str, tag_name: str, branch: str) -> str:
    if event_name == "tag" or (event_name == "deployment" and tag_name):
        return f"refs/tags/{tag_name}"
    if event_name in ("pull_request", "comment"):
        return f"refs/pull/{PULL_REQUEST_NUMBER}/head"
    return f"refs/heads/{branch}"


def split_changeset(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``--file-changeset`` is repeatable and comma-separated."""
    out: list[str] = []
    for value in values:
        out.extend(p.strip() for p in value.split(",") if p.strip())
    return tuple(out)
