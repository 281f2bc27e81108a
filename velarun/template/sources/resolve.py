"""Where a template's text comes from: a ``--template-file``, the repository, or GitHub.

The order is the Vela CLI's for local runs (``getTemplate``'s local branch in the server's
``compiler/native/expand.go``): a ``--template-file NAME:PATH`` whose name matches the
template's, case-insensitively, first; then ``type: file``, read from ``source`` under the
repository root; then ``type: github``, fetched from the API (``github.py``) through the
commit-keyed cache (``cache.py``). Any other type is the server's ``unsupported template type``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from velarun.errors import EnvironmentFailureError, UsageError
from velarun.template.sources.cache import TemplateCache, cache_dir
from velarun.template.sources.github import (
    SHA,
    GithubApi,
    HttpStatusError,
    Token,
    UnreachableError,
    api_base,
    api_overrides,
    token_for,
)
from velarun.template.sources.parse import GithubSource, TemplateSourceError, parse_source

__all__ = [
    "ResolvedTemplate",
    "TemplateOverrideError",
    "TemplateUnavailableError",
    "parse_overrides",
    "resolve_template",
]


class TemplateOverrideError(UsageError):
    """A ``--template-file`` entry is not ``<name>:<path>``."""


class TemplateUnavailableError(EnvironmentFailureError):
    """A template's text cannot be had: not found, refused, unreachable, a file missing."""


@dataclass(frozen=True, slots=True)
class ResolvedTemplate:
    content: bytes
    origin: str
    """Where the text came from, for people: ``file templates/go.yml``,
    ``github.com/octo/tmpl/go.yml@v1 (commit 4f2a9c1e0b7d)``, ``... (cached, commit ...)``,
    ``... (cached, offline, commit ...)``, ``... (cached, rate limited, commit ...)``,
    ``file go.yml (--template-file)``."""


def parse_overrides(overrides: Sequence[str]) -> list[tuple[str, str]]:
    """``--template-file`` entries as (name, path); a malformed one is a usage error."""
    pairs = []
    for entry in overrides:
        parts = entry.split(":")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise TemplateOverrideError(
                f"--template-file {entry!r} is not of the form <name>:<path>",
                hint="give each local template as --template-file NAME:PATH, "
                "e.g. --template-file go:templates/go.yml (the path cannot contain ':')",
            )
        pairs.append((parts[0], parts[1]))
    return pairs


def resolve_template(
    name: str,
    source: str,
    template_type: str,
    *,
    root: Path,
    overrides: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> ResolvedTemplate:
    """The text of the template ``name`` and where it came from.

    ``overrides`` are the ``--template-file NAME:PATH`` values (PATH relative to the current
    directory); ``root`` is the repository's root, which ``type: file`` sources are relative
    to; ``env`` (default ``os.environ``) gives the tokens, ``VELARUN_GITHUB_API_URL`` and the
    cache's place. Raises :class:`TemplateOverrideError`, :class:`TemplateSourceError` (exit 2)
    or :class:`TemplateUnavailableError` (exit 3).
    """
    env = os.environ if env is None else env
    for override_name, path in parse_overrides(overrides):
        if override_name.casefold() == name.casefold():  # Go's strings.EqualFold
            data = _read(name, Path(path), f"{path} given with --template-file {name}:{path}")
            return ResolvedTemplate(data, f"file {path} (--template-file)")
    kind = template_type.casefold()
    if kind == "file":
        return _from_repository(name, source, root)
    if kind == "github":
        try:
            parsed = parse_source(source)
        except TemplateSourceError as err:
            raise TemplateSourceError(
                f"invalid template source provided for {name}: {err.message}",
                hint="write the source as HOST/ORG/REPO/PATH[@REF] (or ORG/REPO/PATH[@REF] "
                "on github.com), e.g. github.com/octo/templates/go.yml@v1",
            ) from None
        return GithubFetch(name, parsed, env).resolve()
    raise TemplateSourceError(
        f"template {name}: unsupported template type: {template_type}",
        hint=f"set the template's type to github or file, or give it with "
        f"--template-file {name}:PATH",
    )


def _read(name: str, path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        problem = "no such file"
    except IsADirectoryError:
        problem = "it is a directory"
    except OSError as err:
        problem = (err.strerror or str(err)).lower()
    raise TemplateUnavailableError(
        f"template {name}: cannot read {what}: {problem}",
        hint=f"check the path, or give the template's file with --template-file {name}:PATH",
    )


def _from_repository(name: str, source: str, root: Path) -> ResolvedTemplate:
    top = root.resolve()
    path = (top / source).resolve()
    if not source or not path.is_relative_to(top):
        raise TemplateSourceError(
            f"template {name}: source {source!r} is not a file in the repository",
            hint="a type: file template's source is a path relative to the repository's "
            f"root, e.g. templates/{name}.yml",
        )
    shown = path.relative_to(top).as_posix()
    data = _read(name, path, f"file {shown} in the repository ({path})")
    return ResolvedTemplate(data, f"file {shown}")


def _rate_limited(err: HttpStatusError) -> bool:
    """GitHub's rate limit: a 429, or a 403 that says so."""
    return err.status == 429 or (err.status == 403 and "rate limit" in err.text.lower())


class GithubFetch:
    """One ``type: github`` template: its commit, then the cache or the API."""

    def __init__(self, name: str, source: GithubSource, env: Mapping[str, str]) -> None:
        self.name = name
        self.source = source
        self.token: Token | None = token_for(source.host, env)
        self.api = GithubApi(api_base(source.host, api_overrides(env)), self.token)
        self.cache = TemplateCache(cache_dir(env) / "templates")
        self._repo = (source.host, source.org, source.repo)

    def resolve(self) -> ResolvedTemplate:
        s = self.source
        pinned = s.ref.lower() if SHA.fullmatch(s.ref.lower()) else ""
        if pinned:
            cached = self.cache.content(*self._repo, pinned, s.path)
            if cached is not None:
                return self._found(cached, pinned, "cached, ")
        try:
            sha = pinned or self.api.commit_sha(s.org, s.repo, s.ref)
            cached = self.cache.content(*self._repo, sha, s.path)
            if cached is not None:
                self.cache.store_ref(*self._repo, s.ref, sha)
                return self._found(cached, sha, "cached, ")
            data = self.api.contents(s.org, s.repo, s.path, sha)
        except HttpStatusError as err:
            if err.status >= 500 or _rate_limited(err):
                return self._from_cache(err)
            raise self._refused(err) from None
        except UnreachableError as err:
            return self._from_cache(err)
        if data is None:
            raise self._not_found(f"{s.path} is not a file in commit {sha[:12]}")
        self.cache.store_content(*self._repo, sha, s.path, data)
        if not pinned:
            self.cache.store_ref(*self._repo, s.ref, sha)
        return self._found(data, sha, "")

    def _found(self, data: bytes, sha: str, how: str) -> ResolvedTemplate:
        return ResolvedTemplate(data, f"{self.source} ({how}commit {sha[:12]})")

    def _from_cache(self, err: HttpStatusError | UnreachableError) -> ResolvedTemplate:
        """The commit the ref last named, from the cache, when the API cannot answer now."""
        s = self.source
        sha = self.cache.ref(*self._repo, s.ref)
        cached = self.cache.content(*self._repo, sha, s.path) if sha else None
        limited = isinstance(err, HttpStatusError) and err.status < 500
        if sha and cached is not None:
            return self._found(
                cached, sha, "cached, rate limited, " if limited else "cached, offline, "
            )
        if isinstance(err, HttpStatusError) and limited:
            raise self._refused(err, limited=True)
        raise TemplateUnavailableError(
            f"template {self.name} from {s}: cannot reach {self.api.base_url} "
            f"({err.text}), and no copy is cached",
            hint=f"check the network (or {self._api_variable_hint()}), or give the "
            f"template's file with --template-file {self.name}:PATH",
        )

    def _refused(self, err: HttpStatusError, *, limited: bool = False) -> TemplateUnavailableError:
        if err.status in (404, 422):  # 422: GitHub's "No commit found for SHA" of a ref
            return self._not_found(err.text)
        s = self.source
        local = f"or give the template's file with --template-file {self.name}:PATH"
        hint = self._token_hint()
        if limited and self.token is None:
            hint = f"GitHub allows more requests with a token: set VELA_GITHUB_TOKEN; {local}"
        return TemplateUnavailableError(
            f"template {self.name} from {s}: unexpected error fetching template "
            f"{s.location}: {err.text}",
            hint=hint,
        )

    def _not_found(self, what: str) -> TemplateUnavailableError:
        s = self.source
        return TemplateUnavailableError(
            f"template {self.name} from {s}: no Vela template found at {s.location} ({what})",
            hint=self._token_hint(),
        )

    def _token_hint(self) -> str:
        s = self.source
        local = f"or give the template's file with --template-file {self.name}:PATH"
        if self.token is None:
            return (
                f"if {s.org}/{s.repo} is private or on GitHub Enterprise, set VELA_GITHUB_TOKEN "
                f"to a token that can read it; {local}"
            )
        return (
            f"check that the token in {self.token.variable} can read {s.org}/{s.repo} "
            f"on {s.host}, and the path and ref; {local}"
        )

    def _api_variable_hint(self) -> str:
        return f"VELARUN_GITHUB_API_URL if {self.source.host}'s API is not at {self.api.base_url}"
