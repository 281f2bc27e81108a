"""The server's address and token as the `vela` CLI finds them, and the two API calls against
a local Vela server (no network)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.cibuild.vela_server import FakeVela, Seen, build_json, serve, step_json
from velarun.cibuild.build import BuildRef, CIStep
from velarun.cibuild.server import (
    BuildNotFoundError,
    Server,
    ServerConfigError,
    ServerUnreachableError,
    TokenError,
    fetch_build,
    fetch_steps,
    find_server,
)

REF = BuildRef("octo", "app", 42)
TOKEN = "s3cret-token"


@pytest.fixture
def vela() -> Iterator[FakeVela]:
    with serve(FakeVela(builds={"octo/app#42": build_json(42)})) as server:
        yield server


def write_config(home: Path, text: str) -> Path:
    (home / ".vela").mkdir()
    path = home / ".vela" / "config.yml"
    path.write_text(text)
    return path


CONFIG = "api:\n  addr: https://vela.example.com/\n  token: pat-from-file\n  version: v1\nlog:\n  level: info\n"


def test_the_variables_win_over_the_config_file(tmp_path: Path) -> None:
    write_config(tmp_path, CONFIG)
    env = {"VELA_ADDR": "https://vela.corp", "VELA_TOKEN": "t-env"}
    assert find_server(REF, env, tmp_path) == Server(
        "https://vela.corp", "VELA_ADDR", "t-env", "VELA_TOKEN"
    )


def test_the_config_file_as_the_cli_writes_it(tmp_path: Path) -> None:
    path = write_config(tmp_path, CONFIG)
    assert find_server(REF, {}, tmp_path) == Server(
        "https://vela.example.com", str(path), "pat-from-file", f"api.token in {path}"
    )


def test_an_access_token_is_preferred_and_vela_config_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.yml"
    path.write_text("api:\n  addr: https://v\n  access_token: acc\n  token: pat\n")
    server = find_server(REF, {"VELA_CONFIG": str(path)}, tmp_path)
    assert (server.token, server.token_source) == ("acc", f"api.access_token in {path}")


def test_a_builds_url_gives_the_address_when_nothing_else_does(tmp_path: Path) -> None:
    ref = BuildRef("octo", "app", 42, "https://vela.example.com")
    assert find_server(ref, {}, tmp_path) == Server("https://vela.example.com", "the build's URL")


def test_no_address_anywhere(tmp_path: Path) -> None:
    with pytest.raises(ServerConfigError) as info:
        find_server(REF, {}, tmp_path)
    assert info.value.render() == (
        "error: no Vela server address to fetch build octo/app#42 from\n"
        "  hint: export VELA_ADDR=https://vela.example.com, or run `vela login`"
    )


def test_a_config_file_that_is_not_yaml(tmp_path: Path) -> None:
    path = write_config(tmp_path, "api: [unclosed\n")
    with pytest.raises(ServerConfigError) as info:
        find_server(REF, {}, tmp_path)
    assert info.value.message == f"the vela config {path} is not YAML"


def test_the_build_is_fetched_with_the_token(vela: FakeVela) -> None:
    build = fetch_build(Server(vela.url, "VELA_ADDR", TOKEN, "VELA_TOKEN"), REF)
    assert (build.event, build.branch, build.commit, build.instance) == (
        "push",
        "main",
        "0" * 40,
        vela.url,
    )
    assert vela.seen == [Seen("/api/v1/repos/octo/app/builds/42", f"Bearer {TOKEN}")]


def test_steps_are_fetched_a_page_of_100_at_a_time(vela: FakeVela) -> None:
    vela.steps["octo/app#42"] = [
        step_json(n, f"s{n}", "success", stage="test") for n in range(1, 151)
    ]
    steps = fetch_steps(Server(vela.url, "VELA_ADDR", TOKEN, "VELA_TOKEN"), REF)
    assert [s.number for s in steps] == list(range(1, 151))
    assert steps[0] == CIStep("s1", "test", "success", 1, "alpine:latest", 0)
    assert [s.path for s in vela.seen] == [
        "/api/v1/repos/octo/app/builds/42/steps?per_page=100&page=1",
        "/api/v1/repos/octo/app/builds/42/steps?per_page=100&page=2",
    ]


def test_a_401_without_a_token_says_how_to_get_one(vela: FakeVela) -> None:
    with pytest.raises(TokenError) as info:
        fetch_build(Server(vela.url, "VELA_ADDR"), REF)
    assert info.value.render() == (
        f"error: the Vela server at {vela.url} wants a token\n"
        "  hint: export VELA_TOKEN=<token> (`vela view config` shows it) or run `vela login`"
    )
    assert info.value.exit_code == 2


def test_a_401_with_a_token_says_it_was_refused(vela: FakeVela) -> None:
    with pytest.raises(TokenError) as info:
        fetch_build(Server(vela.url, "VELA_ADDR", "old", "VELA_TOKEN"), REF)
    assert info.value.render() == (
        f"error: the Vela server at {vela.url} refused the token from VELA_TOKEN (expired or revoked?)\n"
        "  hint: export VELA_TOKEN=<token> (`vela view config` shows it) or run `vela login`"
    )


def test_a_404_is_no_such_build(vela: FakeVela) -> None:
    with pytest.raises(BuildNotFoundError) as info:
        fetch_build(Server(vela.url, "VELA_ADDR", TOKEN, "VELA_TOKEN"), BuildRef("octo", "app", 43))
    assert info.value.render() == (
        f"error: the Vela server at {vela.url} has no build octo/app#43\n"
        "  hint: check the repository and the number (`vela get builds --org octo --repo app`)"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_server_is_exit_3_in_one_line() -> None:
    addr = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ServerUnreachableError) as info:
        fetch_build(Server(addr, "VELA_ADDR", TOKEN, "VELA_TOKEN"), REF)
    assert info.value.render() == (
        f"error: the Vela server at {addr} cannot be reached (Connection refused); check VELA_ADDR"
        " and your network, or drop --build and pass the rule data as flags"
    )
    assert info.value.exit_code == 3
