"""Where templates come from: source parsing, overrides, the repository, GitHub and the cache.

GitHub is ``github_server.FakeGithub`` on 127.0.0.1, reached through
``VELARUN_GITHUB_API_URL``; the cache is under ``tmp_path``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.template.github_server import FakeGithub, Repo, serve
from velarun.errors import ExitCode, UsageError, VelarunError
from velarun.template.sources import (
    GithubSource,
    ResolvedTemplate,
    TemplateCache,
    TemplateOverrideError,
    TemplateSourceError,
    TemplateUnavailableError,
    cache_dir,
    parse_overrides,
    parse_source,
    resolve_template,
)
from velarun.template.sources.github import (
    GithubApi,
    UnreachableError,
    api_base,
    api_overrides,
    token_for,
)

V1 = "4f2a9c1e0b7d5a3c8e6f1b2d9a0c7e5f3b1d8a6c"
MAIN = "9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c"
DEV = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
PRIVATE = "aaaabbbbccccddddeeeeffff0000111122223333"
SHA = "application/vnd.github.sha"
JSON = "application/vnd.github+json"


def repos() -> dict[str, Repo]:
    return {
        "octo/tmpl": Repo(
            default_branch="main",
            refs={"main": MAIN, "dev": DEV, "v1": V1},
            files={
                V1: {"go.yml": b"steps: v1\n", "nested/dir/go.yml": b"steps: nested v1\n"},
                MAIN: {"go.yml": b"steps: main\n"},
                DEV: {"go.yml": b"steps: dev\n"},
            },
        ),
        "corp/private": Repo(
            default_branch="trunk",
            refs={"trunk": PRIVATE},
            files={PRIVATE: {"go.yml": b"steps: private\n"}},
            token="s3cret",
        ),
    }


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib reads proxies from the environment; the fake GitHub is reached directly."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def github() -> Iterator[FakeGithub]:
    with serve(FakeGithub(repos=repos())) as server:
        yield server


def environment(github: FakeGithub, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "VELARUN_GITHUB_API_URL": f"git.example.com={github.url}/api/v3,github.com={github.url}",
        "VELARUN_CACHE_DIR": str(tmp_path / "cache"),
        **extra,
    }


def fetch(source: str, env: dict[str, str], name: str = "go") -> ResolvedTemplate:
    return resolve_template(name, source, "github", root=Path("/nonexistent"), env=env)


# parse_source: the server's registry Parse


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("github.com/octo/tmpl/go.yml", GithubSource("github.com", "octo", "tmpl", "go.yml")),
        (
            "github.com/octo/tmpl/path/to/go.yml@v1",
            GithubSource("github.com", "octo", "tmpl", "path/to/go.yml", "v1"),
        ),
        (
            "git.example.com/octo/tmpl/go.yml@feature/x",
            GithubSource("git.example.com", "octo", "tmpl", "go.yml", "feature/x"),
        ),
        (
            "GIT.Example.com:8443/Octo/Tmpl/Go.yml",
            GithubSource("git.example.com:8443", "Octo", "Tmpl", "Go.yml"),
        ),
        (
            "https://git.example.com/octo/tmpl/go.yml@dev",
            GithubSource("git.example.com", "octo", "tmpl", "go.yml", "dev"),
        ),
        (
            "//git.example.com/octo/tmpl/go.yml",
            GithubSource("git.example.com", "octo", "tmpl", "go.yml"),
        ),
        ("localhost/octo/tmpl/go.yml", GithubSource("localhost", "octo", "tmpl", "go.yml")),
        ("10.0.0.7:3000/octo/tmpl/go.yml", GithubSource("10.0.0.7:3000", "octo", "tmpl", "go.yml")),
        (
            "github.com/octo/tmpl/go.yml@v1@dropped",
            GithubSource("github.com", "octo", "tmpl", "go.yml", "v1"),
        ),
        (
            "github.com/octo/tmpl/go.yml?x=1#top",
            GithubSource("github.com", "octo", "tmpl", "go.yml"),
        ),
        (
            "github.com/octo/tmpl/my%20go.yml",
            GithubSource("github.com", "octo", "tmpl", "my go.yml"),
        ),
        ("user@github.com/octo/tmpl/go.yml", GithubSource("github.com", "octo", "tmpl", "go.yml")),
        (
            "bücher.example/octo/tmpl/go.yml",
            GithubSource("bücher.example", "octo", "tmpl", "go.yml"),
        ),
        ("[::1]:8080/octo/tmpl/go.yml", GithubSource("[::1]:8080", "octo", "tmpl", "go.yml")),
        ("octo/tmpl/go.yml", GithubSource("github.com", "octo", "tmpl", "go.yml")),
        (
            "octo/tmpl/path/to/go.yml@" + V1,
            GithubSource("github.com", "octo", "tmpl", "path/to/go.yml", V1),
        ),
        ("my-org/tmpl/go.yml", GithubSource("github.com", "my-org", "tmpl", "go.yml")),
    ],
)
def test_parse_source(source: str, expected: GithubSource) -> None:
    assert parse_source(source) == expected


def test_parse_source_default_host() -> None:
    assert parse_source("octo/tmpl/go.yml@v1", default_host="git.example.com") == GithubSource(
        "git.example.com", "octo", "tmpl", "go.yml", "v1"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "github.com/octo/tmpl",
            "invalid template source github.com/octo/tmpl, must contain org/repo/path_to_template",
        ),
        ("octo/tmpl", "invalid template source octo/tmpl, must contain org/repo/path_to_template"),
        ("", 'host "": empty host'),
        ("/octo/tmpl/go.yml", 'host "": empty host'),
        ("!@#$%^&*()", 'parse "http://!@#$%^&*()": invalid URL escape "%^&"'),
        (
            "github.com/octo/tmpl/%zz.yml",
            'parse "http://github.com/octo/tmpl/%zz.yml": invalid URL escape "%zz"',
        ),
        (
            "github.com:https/octo/tmpl/go.yml",
            'parse "http://github.com:https/octo/tmpl/go.yml": invalid port ":https" after host',
        ),
        (
            "git^hub.com/octo/tmpl/go.yml",
            'parse "http://git^hub.com/octo/tmpl/go.yml": invalid character "^" in host name',
        ),
        (
            "github.com:99999999999999999999/octo/tmpl/go.yml",
            'port "github.com": strconv.Atoi: parsing "99999999999999999999": value out of range',
        ),
        ("[::1/octo/tmpl/go.yml", "parse \"http://[::1/octo/tmpl/go.yml\": missing ']' in host"),
        (
            "git\thub.com/octo/tmpl/go.yml",
            'parse "http://git\\thub.com/octo/tmpl/go.yml": net/url: invalid control character in URL',
        ),
        ("git_hub.com/octo/tmpl/go.yml", 'host "git_hub.com": invalid host'),
        ("https://octo/tmpl/go.yml", 'host "octo": invalid host'),
        (
            "github.com/octo/tmpl/go\x01.yml",
            'parse "http://github.com/octo/tmpl/go\\x01.yml": net/url: invalid control character in URL',
        ),
    ],
)
def test_parse_source_errors(source: str, message: str) -> None:
    with pytest.raises(TemplateSourceError) as caught:
        parse_source(source)
    assert caught.value.message == message
    assert caught.value.exit_code == ExitCode.INVALID


def test_github_source_strings() -> None:
    source = GithubSource("github.com", "octo", "tmpl", "go.yml", "v1")
    assert (str(source), source.location) == (
        "github.com/octo/tmpl/go.yml@v1",
        "octo/tmpl/go.yml@v1",
    )
    bare = GithubSource("github.com", "octo", "tmpl", "go.yml")
    assert (str(bare), bare.location) == ("github.com/octo/tmpl/go.yml", "octo/tmpl/go.yml")


# settings from the environment


@pytest.mark.parametrize(
    ("host", "overrides", "expected"),
    [
        ("github.com", {}, "https://api.github.com"),
        ("GitHub.com", {}, "https://api.github.com"),
        ("git.example.com", {}, "https://git.example.com/api/v3"),
        ("git.example.com:8443", {}, "https://git.example.com:8443/api/v3"),
        ("git.example.com", {"git.example.com": "http://127.0.0.1:9/x"}, "http://127.0.0.1:9/x"),
        ("github.com", {"git.example.com": "http://127.0.0.1:9/x"}, "https://api.github.com"),
    ],
)
def test_api_base(host: str, overrides: dict[str, str], expected: str) -> None:
    assert api_base(host, overrides) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", {}),
        (
            "git.example.com=https://ghe.internal/api/v3/",
            {"git.example.com": "https://ghe.internal/api/v3"},
        ),
        (
            " GitHub.com = http://127.0.0.1:8080 ,git.example.com=https://x/api",
            {"github.com": "http://127.0.0.1:8080", "git.example.com": "https://x/api"},
        ),
    ],
)
def test_api_overrides(value: str, expected: dict[str, str]) -> None:
    assert api_overrides({"VELARUN_GITHUB_API_URL": value}) == expected


@pytest.mark.parametrize(
    "value", ["git.example.com", "=https://x", "git.example.com=ftp://x", "a=b"]
)
def test_api_overrides_malformed(value: str) -> None:
    with pytest.raises(UsageError) as caught:
        api_overrides({"VELARUN_GITHUB_API_URL": value})
    entry = value.strip()
    assert caught.value.render() == (
        f"error: VELARUN_GITHUB_API_URL has {entry!r}, which is not HOST=URL\n"
        "  hint: set VELARUN_GITHUB_API_URL to HOST=URL[,HOST=URL], e.g. "
        "git.example.com=https://git.example.com/api/v3"
    )


@pytest.mark.parametrize(
    ("host", "env", "expected"),
    [
        ("github.com", {}, None),
        ("github.com", {"GITHUB_TOKEN": "gh"}, ("gh", "GITHUB_TOKEN")),
        ("git.example.com", {"GITHUB_TOKEN": "gh"}, None),
        ("git.example.com", {"VELA_GITHUB_TOKEN": "vela"}, ("vela", "VELA_GITHUB_TOKEN")),
        (
            "github.com",
            {"VELA_GITHUB_TOKEN": "vela", "GITHUB_TOKEN": "gh"},
            ("vela", "VELA_GITHUB_TOKEN"),
        ),
        ("github.com", {"VELA_GITHUB_TOKEN": "", "GITHUB_TOKEN": "gh"}, ("gh", "GITHUB_TOKEN")),
    ],
)
def test_token_for(host: str, env: dict[str, str], expected: tuple[str, str] | None) -> None:
    token = token_for(host, env)
    assert ((token.value, token.variable) if token else None) == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"VELARUN_CACHE_DIR": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/c"),
        ({"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/x/velarun"),
        ({"XDG_CACHE_HOME": "relative", "HOME": "/h"}, "/h/.cache/velarun"),
        ({"HOME": "/h"}, "/h/.cache/velarun"),
    ],
)
def test_cache_dir(env: dict[str, str], expected: str) -> None:
    assert cache_dir(env) == Path(expected)


# fetching from GitHub


@pytest.mark.parametrize(
    ("source", "content", "origin", "paths"),
    [
        (
            "git.example.com/octo/tmpl/go.yml@v1",
            b"steps: v1\n",
            "git.example.com/octo/tmpl/go.yml@v1 (commit 4f2a9c1e0b7d)",
            [
                "/api/v3/repos/octo/tmpl/commits/v1",
                f"/api/v3/repos/octo/tmpl/contents/go.yml?ref={V1}",
            ],
        ),
        (
            "git.example.com/octo/tmpl/go.yml@dev",
            b"steps: dev\n",
            "git.example.com/octo/tmpl/go.yml@dev (commit 0a1b2c3d4e5f)",
            [
                "/api/v3/repos/octo/tmpl/commits/dev",
                f"/api/v3/repos/octo/tmpl/contents/go.yml?ref={DEV}",
            ],
        ),
        (
            f"git.example.com/octo/tmpl/go.yml@{V1}",
            b"steps: v1\n",
            f"git.example.com/octo/tmpl/go.yml@{V1} (commit 4f2a9c1e0b7d)",
            [f"/api/v3/repos/octo/tmpl/contents/go.yml?ref={V1}"],
        ),
        (
            "git.example.com/octo/tmpl/go.yml",
            b"steps: main\n",
            "git.example.com/octo/tmpl/go.yml (commit 9b8c7d6e5f4a)",
            [
                "/api/v3/repos/octo/tmpl",
                "/api/v3/repos/octo/tmpl/commits/main",
                f"/api/v3/repos/octo/tmpl/contents/go.yml?ref={MAIN}",
            ],
        ),
        (
            "octo/tmpl/nested/dir/go.yml@v1",
            b"steps: nested v1\n",
            "github.com/octo/tmpl/nested/dir/go.yml@v1 (commit 4f2a9c1e0b7d)",
            [
                "/repos/octo/tmpl/commits/v1",
                f"/repos/octo/tmpl/contents/nested/dir/go.yml?ref={V1}",
            ],
        ),
    ],
)
def test_fetch(
    github: FakeGithub, tmp_path: Path, source: str, content: bytes, origin: str, paths: list[str]
) -> None:
    assert fetch(source, environment(github, tmp_path)) == ResolvedTemplate(content, origin)
    assert [seen.path for seen in github.seen] == paths


def test_fetch_asks_for_the_sha_then_the_json(github: FakeGithub, tmp_path: Path) -> None:
    fetch("git.example.com/octo/tmpl/go.yml@v1", environment(github, tmp_path))
    assert [seen.accept for seen in github.seen] == [SHA, JSON]


@pytest.mark.parametrize(
    ("source", "tokens", "authorization"),
    [
        ("git.example.com/octo/tmpl/go.yml@v1", {}, None),
        ("git.example.com/octo/tmpl/go.yml@v1", {"VELA_GITHUB_TOKEN": "vela"}, "token vela"),
        ("git.example.com/octo/tmpl/go.yml@v1", {"GITHUB_TOKEN": "gh"}, None),
        ("github.com/octo/tmpl/go.yml@v1", {"GITHUB_TOKEN": "gh"}, "token gh"),
        (
            "github.com/octo/tmpl/go.yml@v1",
            {"GITHUB_TOKEN": "gh", "VELA_GITHUB_TOKEN": "vela"},
            "token vela",
        ),
    ],
)
def test_token_sent_or_not(
    github: FakeGithub,
    tmp_path: Path,
    source: str,
    tokens: dict[str, str],
    authorization: str | None,
) -> None:
    fetch(source, environment(github, tmp_path, **tokens))
    assert [seen.authorization for seen in github.seen] == [authorization, authorization]


def test_private_repository_with_its_token(github: FakeGithub, tmp_path: Path) -> None:
    env = environment(github, tmp_path, VELA_GITHUB_TOKEN="s3cret")
    assert fetch("git.example.com/corp/private/go.yml", env) == ResolvedTemplate(
        b"steps: private\n", "git.example.com/corp/private/go.yml (commit aaaabbbbcccc)"
    )


def test_second_run_reads_the_cache(github: FakeGithub, tmp_path: Path) -> None:
    env = environment(github, tmp_path)
    fetch("git.example.com/octo/tmpl/go.yml@v1", env)
    github.seen.clear()
    assert fetch("git.example.com/octo/tmpl/go.yml@v1", env) == ResolvedTemplate(
        b"steps: v1\n", "git.example.com/octo/tmpl/go.yml@v1 (cached, commit 4f2a9c1e0b7d)"
    )
    assert [seen.path for seen in github.seen] == ["/api/v3/repos/octo/tmpl/commits/v1"]


def test_a_moved_branch_is_fetched_again(github: FakeGithub, tmp_path: Path) -> None:
    env = environment(github, tmp_path)
    fetch("git.example.com/octo/tmpl/go.yml@dev", env)
    github.repos["octo/tmpl"].refs["dev"] = V1
    assert fetch("git.example.com/octo/tmpl/go.yml@dev", env) == ResolvedTemplate(
        b"steps: v1\n", "git.example.com/octo/tmpl/go.yml@dev (commit 4f2a9c1e0b7d)"
    )


def test_a_cached_sha_needs_no_network(github: FakeGithub, tmp_path: Path) -> None:
    env = environment(github, tmp_path)
    fetch(f"git.example.com/octo/tmpl/go.yml@{V1}", env)
    github.stop()
    assert fetch(f"git.example.com/octo/tmpl/go.yml@{V1}", env) == ResolvedTemplate(
        b"steps: v1\n", f"git.example.com/octo/tmpl/go.yml@{V1} (cached, commit 4f2a9c1e0b7d)"
    )


@pytest.mark.parametrize(
    ("source", "origin"),
    [
        (
            "git.example.com/octo/tmpl/go.yml@v1",
            "git.example.com/octo/tmpl/go.yml@v1 (cached, offline, commit 4f2a9c1e0b7d)",
        ),
        (
            "git.example.com/octo/tmpl/go.yml",
            "git.example.com/octo/tmpl/go.yml (cached, offline, commit 9b8c7d6e5f4a)",
        ),
    ],
)
def test_offline_second_run(github: FakeGithub, tmp_path: Path, source: str, origin: str) -> None:
    env = environment(github, tmp_path)
    first = fetch(source, env)
    github.stop()
    assert fetch(source, env) == ResolvedTemplate(first.content, origin)


def test_cache_layout(github: FakeGithub, tmp_path: Path) -> None:
    fetch("git.example.com/octo/tmpl/nested/dir/go.yml@v1", environment(github, tmp_path))
    fetch("git.example.com/octo/tmpl/go.yml", environment(github, tmp_path))
    root = tmp_path / "cache" / "templates"
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert files == {
        f"git.example.com/octo/tmpl/{V1}/nested/dir/go.yml": b"steps: nested v1\n",
        "git.example.com/octo/tmpl/refs/v1": f"{V1}\n".encode(),
        f"git.example.com/octo/tmpl/{MAIN}/go.yml": b"steps: main\n",
        "git.example.com/octo/tmpl/refs/@default": f"{MAIN}\n".encode(),
    }


def test_the_cache_stays_inside_its_directory(github: FakeGithub, tmp_path: Path) -> None:
    github.repos["octo/tmpl"].files[V1]["../../x.yml"] = b"steps: up\n"
    github.repos["octo/tmpl"].refs["a/../b"] = V1
    fetch("git.example.com/octo/tmpl/../../x.yml@a/../b", environment(github, tmp_path))
    root = tmp_path / "cache" / "templates"
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == [
        f"cache/templates/git.example.com/octo/tmpl/{V1}/%2E%2E/%2E%2E/x.yml",
        "cache/templates/git.example.com/octo/tmpl/refs/a%2F..%2Fb",
    ]
    assert root.is_dir()


# what fails, and what the user reads


def fails(source: str, env: dict[str, str]) -> VelarunError:
    with pytest.raises(VelarunError) as caught:
        fetch(source, env)
    return caught.value


def test_not_found(github: FakeGithub, tmp_path: Path) -> None:
    error = fails("github.com/octo/tmpl/missing.yml@v1", environment(github, tmp_path))
    assert isinstance(error, TemplateUnavailableError)
    assert error.exit_code == ExitCode.ENVIRONMENT
    assert error.render() == (
        "error: template go from github.com/octo/tmpl/missing.yml@v1: no Vela template found at "
        f"octo/tmpl/missing.yml@v1 (GET {github.url}/repos/octo/tmpl/contents/missing.yml?ref={V1}: "
        "404 Not Found)\n"
        "  hint: if octo/tmpl is private or on GitHub Enterprise, set VELA_GITHUB_TOKEN to a token "
        "that can read it; or give the template's file with --template-file go:PATH"
    )


def test_unknown_ref(github: FakeGithub, tmp_path: Path) -> None:
    error = fails("github.com/octo/tmpl/go.yml@v9", environment(github, tmp_path))
    assert error.render() == (
        "error: template go from github.com/octo/tmpl/go.yml@v9: no Vela template found at "
        f"octo/tmpl/go.yml@v9 (GET {github.url}/repos/octo/tmpl/commits/v9: "
        "422 No commit found for SHA: v9)\n"
        "  hint: if octo/tmpl is private or on GitHub Enterprise, set VELA_GITHUB_TOKEN to a token "
        "that can read it; or give the template's file with --template-file go:PATH"
    )


def test_a_directory_is_not_a_template(github: FakeGithub, tmp_path: Path) -> None:
    error = fails("github.com/octo/tmpl/nested@v1", environment(github, tmp_path))
    assert error.message == (
        "template go from github.com/octo/tmpl/nested@v1: no Vela template found at "
        "octo/tmpl/nested@v1 (nested is not a file in commit 4f2a9c1e0b7d)"
    )


def test_private_without_a_token(github: FakeGithub, tmp_path: Path) -> None:
    error = fails("git.example.com/corp/private/go.yml", environment(github, tmp_path))
    assert error.render() == (
        "error: template go from git.example.com/corp/private/go.yml: no Vela template found at "
        f"corp/private/go.yml (GET {github.url}/api/v3/repos/corp/private: 404 Not Found)\n"
        "  hint: if corp/private is private or on GitHub Enterprise, set VELA_GITHUB_TOKEN to a "
        "token that can read it; or give the template's file with --template-file go:PATH"
    )


def test_bad_credentials(github: FakeGithub, tmp_path: Path) -> None:
    env = environment(github, tmp_path, VELA_GITHUB_TOKEN="wrong")
    error = fails("git.example.com/corp/private/go.yml@trunk", env)
    assert isinstance(error, TemplateUnavailableError)
    assert error.render() == (
        "error: template go from git.example.com/corp/private/go.yml@trunk: unexpected error "
        "fetching template corp/private/go.yml@trunk: "
        f"GET {github.url}/api/v3/repos/corp/private/commits/trunk: 401 Bad credentials\n"
        "  hint: check that the token in VELA_GITHUB_TOKEN can read corp/private on "
        "git.example.com, and the path and ref; or give the template's file with "
        "--template-file go:PATH"
    )


def test_unreachable_without_a_cache(github: FakeGithub, tmp_path: Path) -> None:
    github.stop()
    error = fails("git.example.com/octo/tmpl/go.yml@v1", environment(github, tmp_path))
    assert isinstance(error, TemplateUnavailableError)
    assert error.render() == (
        f"error: template go from git.example.com/octo/tmpl/go.yml@v1: cannot reach "
        f"{github.url}/api/v3 (GET {github.url}/api/v3/repos/octo/tmpl/commits/v1: "
        "Connection refused), and no copy is cached\n"
        "  hint: check the network (or VELARUN_GITHUB_API_URL if git.example.com's API is not at "
        f"{github.url}/api/v3), or give the template's file with --template-file go:PATH"
    )


def test_server_error_without_a_cache(github: FakeGithub, tmp_path: Path) -> None:
    github.fail_with = 502
    error = fails("git.example.com/octo/tmpl/go.yml@v1", environment(github, tmp_path))
    assert isinstance(error, TemplateUnavailableError)
    assert error.message == (
        f"template go from git.example.com/octo/tmpl/go.yml@v1: cannot reach {github.url}/api/v3 "
        f"(GET {github.url}/api/v3/repos/octo/tmpl/commits/v1: 502 Bad Gateway), "
        "and no copy is cached"
    )


def test_server_error_with_a_cache(github: FakeGithub, tmp_path: Path) -> None:
    env = environment(github, tmp_path)
    fetch("git.example.com/octo/tmpl/go.yml@dev", env)
    github.fail_with = 503
    assert fetch("git.example.com/octo/tmpl/go.yml@dev", env) == ResolvedTemplate(
        b"steps: dev\n",
        "git.example.com/octo/tmpl/go.yml@dev (cached, offline, commit 0a1b2c3d4e5f)",
    )


RATE_LIMITED = "API rate limit exceeded for 127.0.0.1."


@pytest.mark.parametrize("status", [403, 429])
def test_rate_limited_with_a_cache(github: FakeGithub, tmp_path: Path, status: int) -> None:
    env = environment(github, tmp_path)
    fetch("github.com/octo/tmpl/go.yml", env)
    github.fail_with, github.fail_message = status, RATE_LIMITED
    assert fetch("github.com/octo/tmpl/go.yml", env) == ResolvedTemplate(
        b"steps: main\n", "github.com/octo/tmpl/go.yml (cached, rate limited, commit 9b8c7d6e5f4a)"
    )


def test_rate_limited_without_a_cache(github: FakeGithub, tmp_path: Path) -> None:
    github.fail_with, github.fail_message = 403, RATE_LIMITED
    error = fails("github.com/octo/tmpl/go.yml", environment(github, tmp_path))
    assert error.render() == (
        "error: template go from github.com/octo/tmpl/go.yml: unexpected error fetching template "
        f"octo/tmpl/go.yml: GET {github.url}/repos/octo/tmpl: 403 {RATE_LIMITED}\n"
        "  hint: GitHub allows more requests with a token: set VELA_GITHUB_TOKEN; or give the "
        "template's file with --template-file go:PATH"
    )


def test_forbidden_is_not_served_from_the_cache(github: FakeGithub, tmp_path: Path) -> None:
    env = environment(github, tmp_path)
    fetch("github.com/octo/tmpl/go.yml", env)
    github.fail_with, github.fail_message = 403, "Resource not accessible by integration"
    error = fails("github.com/octo/tmpl/go.yml", env)
    assert error.message == (
        "template go from github.com/octo/tmpl/go.yml: unexpected error fetching template "
        f"octo/tmpl/go.yml: GET {github.url}/repos/octo/tmpl: 403 Resource not accessible by "
        "integration"
    )


# overrides, the repository, the type


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "templates").mkdir(parents=True)
    (root / "templates" / "go.yml").write_bytes(b"steps: from the repository\n")
    return root


@pytest.mark.parametrize(
    ("name", "source", "template_type", "overrides", "expected"),
    [
        (
            "go",
            "templates/go.yml",
            "file",
            [],
            ResolvedTemplate(b"steps: from the repository\n", "file templates/go.yml"),
        ),
        (
            "go",
            "./templates/../templates/go.yml",
            "FILE",
            [],
            ResolvedTemplate(b"steps: from the repository\n", "file templates/go.yml"),
        ),
        (
            "go",
            "github.com/octo/tmpl/go.yml",
            "github",
            ["GO:OVERRIDE"],
            ResolvedTemplate(b"steps: override\n", "file OVERRIDE (--template-file)"),
        ),
        (
            "Go",
            "templates/go.yml",
            "file",
            ["other:missing.yml", "go:OVERRIDE"],
            ResolvedTemplate(b"steps: override\n", "file OVERRIDE (--template-file)"),
        ),
        (
            "go",
            "",
            "gitlab",
            ["go:OVERRIDE"],
            ResolvedTemplate(b"steps: override\n", "file OVERRIDE (--template-file)"),
        ),
    ],
)
def test_local_templates(
    repository: Path,
    tmp_path: Path,
    name: str,
    source: str,
    template_type: str,
    overrides: list[str],
    expected: ResolvedTemplate,
) -> None:
    override = tmp_path / "override.yml"
    override.write_bytes(b"steps: override\n")
    given = [o.replace("OVERRIDE", str(override)) for o in overrides]
    resolved = resolve_template(
        name, source, template_type, root=repository, overrides=given, env={}
    )
    assert resolved == ResolvedTemplate(
        expected.content, expected.origin.replace("OVERRIDE", str(override))
    )


@pytest.mark.parametrize(
    ("source", "template_type", "overrides", "error_type", "rendered"),
    [
        (
            "templates/missing.yml",
            "file",
            [],
            TemplateUnavailableError,
            "error: template go: cannot read file templates/missing.yml in the repository (ROOT/templates/missing.yml): no such file\n"
            "  hint: check the path, or give the template's file with --template-file go:PATH",
        ),
        (
            "templates",
            "file",
            [],
            TemplateUnavailableError,
            "error: template go: cannot read file templates in the repository (ROOT/templates): it is a directory\n"
            "  hint: check the path, or give the template's file with --template-file go:PATH",
        ),
        (
            "../outside.yml",
            "file",
            [],
            TemplateSourceError,
            "error: template go: source '../outside.yml' is not a file in the repository\n"
            "  hint: a type: file template's source is a path relative to the repository's root, e.g. templates/go.yml",
        ),
        (
            "templates/go.yml",
            "gitlab",
            [],
            TemplateSourceError,
            "error: template go: unsupported template type: gitlab\n"
            "  hint: set the template's type to github or file, or give it with --template-file go:PATH",
        ),
        (
            "templates/go.yml",
            "",
            [],
            TemplateSourceError,
            "error: template go: unsupported template type: \n"
            "  hint: set the template's type to github or file, or give it with --template-file go:PATH",
        ),
        (
            "octo/tmpl",
            "github",
            [],
            TemplateSourceError,
            "error: invalid template source provided for go: invalid template source octo/tmpl, must contain org/repo/path_to_template\n"
            "  hint: write the source as HOST/ORG/REPO/PATH[@REF] (or ORG/REPO/PATH[@REF] on github.com), e.g. github.com/octo/templates/go.yml@v1",
        ),
        (
            "templates/go.yml",
            "file",
            ["go:ROOT/nope.yml"],
            TemplateUnavailableError,
            "error: template go: cannot read ROOT/nope.yml given with --template-file go:ROOT/nope.yml: no such file\n"
            "  hint: check the path, or give the template's file with --template-file go:PATH",
        ),
        (
            "templates/go.yml",
            "file",
            ["go=templates/go.yml"],
            TemplateOverrideError,
            "error: --template-file 'go=templates/go.yml' is not of the form <name>:<path>\n"
            "  hint: give each local template as --template-file NAME:PATH, e.g. --template-file go:templates/go.yml (the path cannot contain ':')",
        ),
    ],
)
def test_local_template_errors(
    repository: Path,
    source: str,
    template_type: str,
    overrides: list[str],
    error_type: type[VelarunError],
    rendered: str,
) -> None:
    given = [o.replace("ROOT", str(repository)) for o in overrides]
    with pytest.raises(VelarunError) as caught:
        resolve_template("go", source, template_type, root=repository, overrides=given, env={})
    assert type(caught.value) is error_type
    assert caught.value.render() == rendered.replace("ROOT", str(repository.resolve()))


@pytest.mark.parametrize("entry", ["go", "go:", ":go.yml", "go:C:/go.yml", ""])
def test_malformed_overrides(entry: str) -> None:
    with pytest.raises(TemplateOverrideError) as caught:
        parse_overrides(["ok:ok.yml", entry])
    assert caught.value.message == f"--template-file {entry!r} is not of the form <name>:<path>"
    assert caught.value.exit_code == ExitCode.INVALID


def test_overrides() -> None:
    assert parse_overrides(["go:templates/go.yml", "Star:x.star"]) == [
        ("go", "templates/go.yml"),
        ("Star", "x.star"),
    ]


# the API's corners


def test_a_large_file_comes_raw(github: FakeGithub, tmp_path: Path) -> None:
    big = b"steps: big\n" + b"#" * 2000 + b"\n"
    github.repos["octo/tmpl"].files[V1]["big.yml"] = big
    assert (
        fetch("git.example.com/octo/tmpl/big.yml@v1", environment(github, tmp_path)).content == big
    )
    assert [seen.accept for seen in github.seen] == [SHA, JSON, "application/vnd.github.raw"]


def test_a_redirect_on_the_same_host_keeps_the_token(github: FakeGithub, tmp_path: Path) -> None:
    github.redirects["/api/v3/repos/old/tmpl/"] = f"{github.url}/api/v3/repos/octo/tmpl/"
    env = environment(github, tmp_path, VELA_GITHUB_TOKEN="vela")
    assert fetch("git.example.com/old/tmpl/go.yml@v1", env).content == b"steps: v1\n"
    assert [(seen.path, seen.authorization) for seen in github.seen] == [
        ("/api/v3/repos/old/tmpl/commits/v1", "token vela"),
        ("/api/v3/repos/octo/tmpl/commits/v1", "token vela"),
        (f"/api/v3/repos/old/tmpl/contents/go.yml?ref={V1}", "token vela"),
        (f"/api/v3/repos/octo/tmpl/contents/go.yml?ref={V1}", "token vela"),
    ]


def test_a_redirect_to_another_host_drops_the_token(github: FakeGithub, tmp_path: Path) -> None:
    with serve(FakeGithub(repos=repos())) as other:
        github.redirects["/api/v3/repos/"] = f"{other.url}/api/v3/repos/"
        env = environment(github, tmp_path, VELA_GITHUB_TOKEN="vela")
        assert fetch("git.example.com/octo/tmpl/go.yml@v1", env).content == b"steps: v1\n"
    assert [seen.authorization for seen in github.seen] == ["token vela", "token vela"]
    assert [seen.authorization for seen in other.seen] == [None, None]


def test_no_answer_within_the_time_limit() -> None:
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with pytest.raises(UnreachableError) as caught:
            GithubApi(url, None, timeout=0.2).commit_sha("octo", "tmpl", "v1")
    assert caught.value.text == f"GET {url}/repos/octo/tmpl/commits/v1: no answer within 0.2 s"


def test_the_time_limit_is_ten_seconds() -> None:
    assert GithubApi("https://api.github.com", None).timeout == 10.0


@pytest.mark.parametrize(
    ("host", "org", "repo", "path", "file"),
    [
        ("github.com", "octo", "tmpl", "a/b.yml", f"github.com/octo/tmpl/{V1}/a/b.yml"),
        (
            "git.example.com:8443",
            "octo",
            "tmpl",
            "a b.yml",
            f"git.example.com%3A8443/octo/tmpl/{V1}/a%20b.yml",
        ),
        ("github.com", "..", ".", "../x.yml", f"github.com/%2E%2E/%2E/{V1}/%2E%2E/x.yml"),
        ("github.com", "octo", "tmpl", "", f"github.com/octo/tmpl/{V1}/@empty"),
        (
            "github.com",
            "octo",
            "tmpl",
            "dir//x%.yml",
            f"github.com/octo/tmpl/{V1}/dir/@empty/x%25.yml",
        ),
    ],
)
def test_cache_file_names(
    tmp_path: Path, host: str, org: str, repo: str, path: str, file: str
) -> None:
    cache = TemplateCache(tmp_path)
    cache.store_content(host, org, repo, V1, path, b"x")
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == [
        file
    ]
    assert cache.content(host, org, repo, V1, path) == b"x"


def test_an_unwritable_cache_is_no_error(github: FakeGithub, tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the directory should be")
    env = environment(github, tmp_path)
    assert fetch("git.example.com/octo/tmpl/go.yml@v1", env).origin == (
        "git.example.com/octo/tmpl/go.yml@v1 (commit 4f2a9c1e0b7d)"
    )


def test_the_process_environment_by_default(
    github: FakeGithub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment(github, tmp_path, VELA_GITHUB_TOKEN="vela").items():
        monkeypatch.setenv(name, value)
    resolved = resolve_template(
        "go", "git.example.com/octo/tmpl/go.yml@v1", "GitHub", root=tmp_path
    )
    assert resolved == ResolvedTemplate(
        b"steps: v1\n", "git.example.com/octo/tmpl/go.yml@v1 (commit 4f2a9c1e0b7d)"
    )
    assert [seen.authorization for seen in github.seen] == ["token vela", "token vela"]
    assert (tmp_path / "cache" / "templates" / "git.example.com" / "octo" / "tmpl" / V1).is_dir()
