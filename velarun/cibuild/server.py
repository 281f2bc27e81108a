"""The Vela server: its address and token found as the ``vela`` CLI finds them, and the two
calls a reproduced build needs (the build, its steps), over ``urllib.request``.

Address: ``VELA_ADDR``, else ``api.addr`` of the CLI's config file (``VELA_CONFIG``, else
``~/.vela/config.yml``), else the host of a build's URL. Token: ``VELA_ACCESS_TOKEN`` or
``VELA_TOKEN``, else ``api.access_token`` or ``api.token`` of the config file; sent as
``Authorization: Bearer``. Secrets are never asked for.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from velarun.cibuild.build import (
    BuildRef,
    CIBuild,
    CIStep,
    build_from_json,
    steps_from_json,
)
from velarun.errors import EnvironmentFailureError, UsageError

TIMEOUT = 10.0
PER_PAGE = 100
MAX_PAGES = 50
LOGIN_HINT = "export VELA_TOKEN=<token> (`vela view config` shows it) or run `vela login`"


class ServerConfigError(UsageError):
    """No server address, or a config file that cannot be read."""


class BuildNotFoundError(UsageError):
    """The server has no such build (404)."""


class TokenError(UsageError):
    """The server refused the token (401): missing or expired."""


class ServerUnreachableError(EnvironmentFailureError):
    """The server did not answer, or answered with something that is not the API (exit 3)."""

    def render(self) -> str:
        return f"error: {self.message}" + (f"; {self.hint}" if self.hint else "")


@dataclass(frozen=True, slots=True)
class Server:
    addr: str
    """``https://vela.example.com``, without a trailing slash."""
    addr_source: str
    token: str | None = None
    token_source: str = ""


def config_path(env: Mapping[str, str], home: Path) -> Path:
    given = env.get("VELA_CONFIG")
    return Path(given).expanduser() if given else home / ".vela" / "config.yml"


def _read_config(path: Path) -> Mapping[str, Any]:
    """The CLI's config file's ``api`` section; nothing when there is no file."""
    import yaml

    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ServerConfigError(f"cannot read the vela config {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ServerConfigError(
            f"the vela config {path} is not YAML", "fix it, or set VELA_ADDR and VELA_TOKEN"
        ) from None
    api = data.get("api") if isinstance(data, dict) else None
    return api if isinstance(api, dict) else {}


def find_server(ref: BuildRef, env: Mapping[str, str], home: Path) -> Server:
    """Where the server is and the token to show it, as the ``vela`` CLI finds them."""
    path = config_path(env, home)
    api = _read_config(path)
    addr, addr_source = env.get("VELA_ADDR", ""), "VELA_ADDR"
    if not addr and isinstance(api.get("addr"), str):
        addr, addr_source = api["addr"], str(path)
    if not addr and ref.url_base:
        addr, addr_source = ref.url_base, "the build's URL"
    if not addr:
        raise ServerConfigError(
            f"no Vela server address to fetch build {ref.label} from",
            "export VELA_ADDR=https://vela.example.com, or run `vela login`",
        )
    token, token_source = None, ""
    for name in ("VELA_ACCESS_TOKEN", "VELA_TOKEN"):
        if env.get(name):
            token, token_source = env[name], name
            break
    for key in ("access_token", "token"):
        if token is None and isinstance(api.get(key), str) and api[key]:
            token, token_source = api[key], f"api.{key} in {path}"
    return Server(addr.rstrip("/"), addr_source, token, token_source)


def fetch_build(server: Server, ref: BuildRef) -> CIBuild:
    """``GET /api/v1/repos/{org}/{repo}/builds/{n}``."""
    data = _get_json(server, ref.api_path, ref)
    if not isinstance(data, dict):
        raise ServerUnreachableError(
            f"the Vela server at {server.addr} answered with no build for {ref.label}",
            "check VELA_ADDR: it must be the server's API address",
        )
    return build_from_json(ref, data, server.addr)


def fetch_steps(server: Server, ref: BuildRef) -> tuple[CIStep, ...]:
    """``GET .../builds/{n}/steps``, every page."""
    pages: list[Any] = []
    for page in range(1, MAX_PAGES + 1):
        data = _get_json(server, f"{ref.api_path}/steps?per_page={PER_PAGE}&page={page}", ref)
        pages.append(data)
        if not isinstance(data, list) or len(data) < PER_PAGE:
            break
    return steps_from_json(pages)


def _get_json(server: Server, path: str, ref: BuildRef) -> Any:
    url = server.addr + path
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    request.add_header("User-Agent", "velarun")
    if server.token:
        request.add_unredirected_header("Authorization", f"Bearer {server.token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body: bytes = response.read()
    except urllib.error.HTTPError as err:
        raise _status_error(server, ref, err.code) from None
    except urllib.error.URLError as err:
        raise _unreachable(server, _reason(err.reason)) from None
    except (OSError, http.client.HTTPException) as err:
        raise _unreachable(server, _reason(err)) from None
    try:
        return json.loads(body)
    except ValueError:
        raise ServerUnreachableError(
            f"the Vela server at {server.addr} answered {path.split('?')[0]} with something"
            " that is not JSON",
            "check VELA_ADDR: it must be the server's API address, not the UI's",
        ) from None


def _status_error(server: Server, ref: BuildRef, status: int) -> Exception:
    if status == 401:
        if server.token is None:
            return TokenError(f"the Vela server at {server.addr} wants a token", LOGIN_HINT)
        return TokenError(
            f"the Vela server at {server.addr} refused the token from {server.token_source}"
            " (expired or revoked?)",
            LOGIN_HINT,
        )
    if status == 404:
        return BuildNotFoundError(
            f"the Vela server at {server.addr} has no build {ref.label}",
            f"check the repository and the number (`vela get builds --org {ref.org}"
            f" --repo {ref.repo}`)",
        )
    if status == 403:
        return TokenError(
            f"the token from {server.token_source or 'nowhere'} may not read {ref.org}/{ref.repo}"
            f" on {server.addr}",
            "use a token of a user with access to the repository",
        )
    return ServerUnreachableError(
        f"the Vela server at {server.addr} answered HTTP {status} for build {ref.label}",
        "try again later, or check VELA_ADDR",
    )


def _unreachable(server: Server, reason: str) -> ServerUnreachableError:
    return ServerUnreachableError(
        f"the Vela server at {server.addr} cannot be reached ({reason})",
        "check VELA_ADDR and your network, or drop --build and pass the rule data as flags",
    )


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {TIMEOUT:g} s"
    if isinstance(reason, OSError) and reason.strerror:
        return str(reason.strerror)
    return str(reason) or type(reason).__name__


@dataclass(frozen=True, slots=True)
class Reproduced:
    """A server build being reproduced: where it came from and what it was."""

    server: Server
    build: CIBuild


def load_build(text: str, env: Mapping[str, str], home: Path) -> Reproduced:
    """``--build``: the reference parsed, the server found, the build fetched."""
    from velarun.cibuild.build import parse_build_ref

    ref = parse_build_ref(text)
    server = find_server(ref, env, home)
    return Reproduced(server, fetch_build(server, ref))
