"""GitHub's REST API for templates, over the standard library: a ref to its commit, a file.

github.com is ``https://api.github.com``; any other host is GitHub Enterprise, at
``https://HOST/api/v3``. ``VELARUN_GITHUB_API_URL`` (``HOST=URL[,HOST=URL]``) points a host at
another base URL. The token is ``VELA_GITHUB_TOKEN``, sent to every host, else
``GITHUB_TOKEN``, sent to github.com only (it is a github.com token; a pipeline naming another
host must not receive it); requests are anonymous when there is none. A redirect keeps the
token only on the same host.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from velarun.errors import UsageError

__all__ = [
    "API_URL_VARIABLE",
    "TIMEOUT",
    "GithubApi",
    "HttpStatusError",
    "Token",
    "UnreachableError",
    "api_base",
    "api_overrides",
    "token_for",
]

API_URL_VARIABLE = "VELARUN_GITHUB_API_URL"
TIMEOUT = 10.0
"""Seconds each request may take."""
SHA = re.compile(r"[0-9a-f]{40}")
_SHA_MEDIA_TYPE = "application/vnd.github.sha"
_JSON_MEDIA_TYPE = "application/vnd.github+json"
_RAW_MEDIA_TYPE = "application/vnd.github.raw"


class HttpStatusError(Exception):
    """The API answered with an error status; ``text`` says ``GET URL: STATUS MESSAGE``."""

    def __init__(self, status: int, url: str, message: str) -> None:
        self.status = status
        self.text = f"GET {url}: {status} {message}".rstrip()
        super().__init__(self.text)


class UnreachableError(Exception):
    """No answer from the API (connection refused, no such host, a time-out, a bad reply)."""

    def __init__(self, url: str, reason: str) -> None:
        self.text = f"GET {url}: {reason}"
        super().__init__(self.text)


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    variable: str
    """The environment variable it came from, for messages."""


def api_overrides(env: Mapping[str, str]) -> dict[str, str]:
    """``VELARUN_GITHUB_API_URL`` as host → base URL; a malformed value is a usage error."""
    raw = env.get(API_URL_VARIABLE, "").strip()
    found: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in raw.split(","))):
        host, _, url = entry.partition("=")
        scheme = urllib.parse.urlsplit(url.strip()).scheme
        if not host.strip() or scheme not in ("http", "https"):
            raise UsageError(
                f"{API_URL_VARIABLE} has {entry!r}, which is not HOST=URL",
                hint=f"set {API_URL_VARIABLE} to HOST=URL[,HOST=URL], e.g. "
                "git.example.com=https://git.example.com/api/v3",
            )
        found[host.strip().lower()] = url.strip().rstrip("/")
    return found


def api_base(host: str, overrides: Mapping[str, str]) -> str:
    """The API's base URL for a source's host (no trailing slash)."""
    host = host.lower()
    if host in overrides:
        return overrides[host]
    if host == "github.com":
        return "https://api.github.com"
    return f"https://{host}/api/v3"


def token_for(host: str, env: Mapping[str, str]) -> Token | None:
    """The token for ``host``: ``VELA_GITHUB_TOKEN``, else ``GITHUB_TOKEN`` (github.com only)."""
    if env.get("VELA_GITHUB_TOKEN"):
        return Token(env["VELA_GITHUB_TOKEN"], "VELA_GITHUB_TOKEN")
    if host.lower() == "github.com" and env.get("GITHUB_TOKEN"):
        return Token(env["GITHUB_TOKEN"], "GITHUB_TOKEN")
    return None


class _SameHostAuth(urllib.request.HTTPRedirectHandler):
    """Follow redirects, keeping ``Authorization`` only while the host stays the same."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        auth = req.unredirected_hdrs.get("Authorization")
        netloc = urllib.parse.urlsplit(req.full_url).netloc
        same_host = urllib.parse.urlsplit(newurl).netloc == netloc
        if new is not None and auth and same_host:
            new.add_unredirected_header("Authorization", auth)
        return new


class GithubApi:
    """The few calls a template needs, on one API base URL."""

    def __init__(self, base_url: str, token: Token | None, timeout: float = TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_SameHostAuth())

    def commit_sha(self, org: str, repo: str, ref: str) -> str:
        """The commit ``ref`` names (a branch, a tag, a sha); the default branch's when empty."""
        if not ref:
            info = self._json(self._repo_url(org, repo))
            ref = str(info.get("default_branch", "")) if isinstance(info, dict) else ""
        url = f"{self._repo_url(org, repo)}/commits/{urllib.parse.quote(ref, safe='')}"
        text = self._get(url, _SHA_MEDIA_TYPE).decode("ascii", errors="replace").strip()
        if not SHA.fullmatch(text):
            raise UnreachableError(url, f"the answer is not a commit sha: {text[:60]!r}")
        return text

    def contents(self, org: str, repo: str, path: str, ref: str) -> bytes | None:
        """The file at ``path`` in the commit ``ref``; None when the path is not a file."""
        query = f"?ref={urllib.parse.quote(ref, safe='')}" if ref else ""
        url = f"{self._repo_url(org, repo)}/contents/{urllib.parse.quote(path)}{query}"
        data = self._json(url)
        if not isinstance(data, dict) or data.get("type", "file") != "file":
            return None  # a directory's listing, a symlink, a submodule
        encoding, content = data.get("encoding", ""), data.get("content")
        if encoding == "base64" and isinstance(content, str):
            try:
                return base64.b64decode(content)
            except (binascii.Error, ValueError):
                raise UnreachableError(url, "the answer's content is not base64") from None
        if encoding == "" and isinstance(content, str):
            return content.encode()
        return self._get(url, _RAW_MEDIA_TYPE)  # over 1 MB: GitHub sends no content

    def _repo_url(self, org: str, repo: str) -> str:
        quote = urllib.parse.quote
        return f"{self.base_url}/repos/{quote(org, safe='')}/{quote(repo, safe='')}"

    def _json(self, url: str) -> Any:
        body = self._get(url, _JSON_MEDIA_TYPE)
        try:
            return json.loads(body)
        except ValueError:
            raise UnreachableError(url, "the answer is not JSON") from None

    def _get(self, url: str, accept: str) -> bytes:
        request = urllib.request.Request(url, headers={"Accept": accept})
        request.add_header("User-Agent", "velarun")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        if self.token:
            request.add_unredirected_header("Authorization", f"token {self.token.value}")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as err:
            raise HttpStatusError(err.code, url, _github_message(err)) from None
        except urllib.error.URLError as err:
            raise UnreachableError(url, _reason(err.reason, self.timeout)) from None
        except (OSError, http.client.HTTPException) as err:
            raise UnreachableError(url, _reason(err, self.timeout)) from None


def _github_message(err: urllib.error.HTTPError) -> str:
    """GitHub's ``message`` from an error's JSON body, else the status's reason phrase."""
    try:
        body = json.loads(err.read(65536) or b"null")
    except (ValueError, OSError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return str(err.reason or "")


def _reason(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, OSError) and reason.strerror:
        return str(reason.strerror)
    return str(reason) or type(reason).__name__
