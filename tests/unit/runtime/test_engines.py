"""Finding the engine: DOCKER_HOST, Docker contexts, Docker's and Podman's sockets (pure, over
a fake file system), and what the header says of it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from velarun.runtime import EngineInfo, EngineUnavailableError
from velarun.runtime.engines import EngineAddress, Tls, describe_engine, find_engine

HOME = "/home/dev"


def _meta(name: str, host: str, skip_tls: bool = False) -> tuple[str, dict[str, Any]]:
    digest = hashlib.sha256(name.encode()).hexdigest()
    path = f"{HOME}/.docker/contexts/meta/{digest}/meta.json"
    endpoint = {"Host": host, "SkipTLSVerify": skip_tls}
    return path, {"Name": name, "Metadata": {}, "Endpoints": {"docker": endpoint}}


def _tls_dir(name: str) -> str:
    return f"{HOME}/.docker/contexts/tls/{hashlib.sha256(name.encode()).hexdigest()}/docker"


def find(env: dict[str, str], files: dict[str, Any], paths: tuple[str, ...] = ()) -> Any:
    def read(path: Path) -> Any:
        return files.get(str(path))

    def exists(path: str) -> bool:
        return path in paths or path in files

    try:
        return find_engine({"HOME": HOME, **env}, read, exists)
    except EngineUnavailableError as exc:
        return f"{exc.message} | {exc.hint}"


BOX = _meta("build-box", "tcp://10.0.0.5:2376")
SSH = _meta("laptop-ssh", "ssh://dev@build-box")
CONFIG = f"{HOME}/.docker/config.json"
DOCKER = "/var/run/docker.sock"
PODMAN = "/run/podman/podman.sock"
ROOTLESS = "/run/user/1000/podman/podman.sock"

CASES: list[tuple[str, dict[str, str], dict[str, Any], tuple[str, ...], Any]] = [
    (
        "docker's socket",
        {},
        {},
        (DOCKER, PODMAN),
        EngineAddress(f"unix://{DOCKER}", "Docker's socket"),
    ),
    (
        "podman rootful when docker's socket is absent",
        {},
        {},
        (PODMAN, ROOTLESS),
        EngineAddress(f"unix://{PODMAN}", "Podman's socket"),
    ),
    (
        "podman rootless",
        {"XDG_RUNTIME_DIR": "/run/user/1000"},
        {},
        (ROOTLESS,),
        EngineAddress(f"unix://{ROOTLESS}", "Podman's socket"),
    ),
    (
        "no socket at all: docker's, for the message",
        {},
        {},
        (),
        EngineAddress(f"unix://{DOCKER}", "Docker's socket"),
    ),
    (
        "DOCKER_HOST over everything",
        {"DOCKER_HOST": "tcp://h:2375", "DOCKER_CONTEXT": "build-box"},
        {CONFIG: {"currentContext": "build-box"}, BOX[0]: BOX[1]},
        (DOCKER,),
        EngineAddress("tcp://h:2375", "DOCKER_HOST"),
    ),
    (
        "DOCKER_HOST with TLS verification and a cert path",
        {"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/certs"},
        {},
        ("/certs/ca.pem", "/certs/cert.pem", "/certs/key.pem"),
        EngineAddress(
            "tcp://h:2376",
            "DOCKER_HOST",
            Tls(True, "/certs/ca.pem", "/certs/cert.pem", "/certs/key.pem"),
        ),
    ),
    (
        "DOCKER_TLS_VERIFY alone: the certificates of ~/.docker",
        {"DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1"},
        {},
        (f"{HOME}/.docker/ca.pem",),
        EngineAddress("tcp://h:2376", "DOCKER_HOST", Tls(True, f"{HOME}/.docker/ca.pem")),
    ),
    (
        "no TLS on a unix socket",
        {"DOCKER_HOST": "unix:///x.sock", "DOCKER_TLS_VERIFY": "1"},
        {},
        (),
        EngineAddress("unix:///x.sock", "DOCKER_HOST"),
    ),
    (
        "DOCKER_CONTEXT over the configuration's",
        {"DOCKER_CONTEXT": "laptop-ssh"},
        {CONFIG: {"currentContext": "build-box"}, BOX[0]: BOX[1], SSH[0]: SSH[1]},
        (DOCKER,),
        EngineAddress("ssh://dev@build-box", "context `laptop-ssh`"),
    ),
    (
        "the current context, with its TLS files",
        {},
        {CONFIG: {"currentContext": "build-box"}, BOX[0]: BOX[1]},
        (DOCKER, f"{_tls_dir('build-box')}/ca.pem", f"{_tls_dir('build-box')}/cert.pem"),
        EngineAddress(
            "tcp://10.0.0.5:2376",
            "context `build-box`",
            Tls(True, f"{_tls_dir('build-box')}/ca.pem", f"{_tls_dir('build-box')}/cert.pem"),
        ),
    ),
    (
        "a context that skips TLS verification",
        {"DOCKER_CONTEXT": "insecure"},
        {_meta("insecure", "tcp://h:2376", True)[0]: _meta("insecure", "tcp://h:2376", True)[1]},
        (),
        EngineAddress("tcp://h:2376", "context `insecure`", Tls(False)),
    ),
    (
        "the default context is the local socket",
        {"DOCKER_CONTEXT": "default"},
        {CONFIG: {"currentContext": "build-box"}},
        (PODMAN,),
        EngineAddress(f"unix://{PODMAN}", "Podman's socket"),
    ),
    (
        "DOCKER_CONFIG moves the configuration",
        {"DOCKER_CONFIG": "/cfg"},
        {"/cfg/config.json": {"currentContext": "gone"}},
        (),
        "the Docker context `gone` (the Docker CLI's current context) does not exist"
        " | list the contexts with `docker context ls`; choose one with `docker context use`"
        " or DOCKER_CONTEXT",
    ),
    (
        "a context that does not exist",
        {"DOCKER_CONTEXT": "nope"},
        {},
        (DOCKER,),
        "the Docker context `nope` (DOCKER_CONTEXT) does not exist"
        " | list the contexts with `docker context ls`; choose one with `docker context use`"
        " or DOCKER_CONTEXT",
    ),
    (
        "a context with no docker endpoint",
        {"DOCKER_CONTEXT": "k8s"},
        {_meta("k8s", "")[0]: {"Name": "k8s", "Endpoints": {"kubernetes": {}}}},
        (),
        "the Docker context `k8s` (DOCKER_CONTEXT) names no Docker endpoint"
        " | see `docker context inspect k8s`",
    ),
]


@pytest.mark.parametrize(
    ("env", "files", "paths", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_find_engine(
    env: dict[str, str], files: dict[str, Any], paths: tuple[str, ...], expected: Any
) -> None:
    assert find(env, files, paths) == expected


def test_a_configuration_that_is_not_json_is_said(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(EngineUnavailableError) as caught:
        find_engine({"DOCKER_CONFIG": str(tmp_path)}, exists=lambda _: False)
    assert caught.value.message.startswith(f"cannot read {tmp_path / 'config.json'}: ")
    assert caught.value.hint == "fix or remove the file (the Docker CLI reads it too)"


def test_the_real_files_are_read(tmp_path: Path) -> None:
    meta = tmp_path / "contexts" / "meta" / hashlib.sha256(b"box").hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps(_meta("box", "tcp://box:2375")[1]))
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "box"}))
    found = find_engine({"DOCKER_CONFIG": str(tmp_path)})
    assert found == EngineAddress("tcp://box:2375", "context `box`")


VERSIONS = [
    (
        {"Version": "20.10.24+dfsg1", "Components": [{"Name": "Engine", "Version": "20.10.24"}]},
        ("docker", "20.10.24+dfsg1"),
    ),
    (
        {"Version": "4.3.1", "Components": [{"Name": "Podman Engine", "Version": "4.3.1"}]},
        ("podman", "4.3.1"),
    ),
    ({"Version": "27.0.1"}, ("docker", "27.0.1")),
    ({}, ("docker", "?")),
]


@pytest.mark.parametrize(("version", "expected"), VERSIONS)
def test_describe_engine(version: dict[str, Any], expected: tuple[str, str]) -> None:
    assert describe_engine(version) == expected


HEADERS = [
    (
        EngineInfo("docker", "20.10.24", "unix:///var/run/docker.sock", "Docker's socket"),
        "docker 20.10.24 at unix:///var/run/docker.sock",
    ),
    (
        EngineInfo("podman", "4.3.1", "unix:///run/podman/podman.sock", "Podman's socket"),
        "podman 4.3.1 at unix:///run/podman/podman.sock",
    ),
    (
        EngineInfo("docker", "27.0.1", "tcp://box:2376", "context `box`"),
        "docker 27.0.1 at tcp://box:2376 (context `box`)",
    ),
    (
        EngineInfo("docker", "27.0.1", "tcp://box:2376", "DOCKER_HOST", shares_files=False),
        "docker 27.0.1 at tcp://box:2376; it does not share this machine's files",
    ),
]


@pytest.mark.parametrize(("info", "expected"), HEADERS)
def test_the_header_line(info: EngineInfo, expected: str) -> None:
    assert info.describe() == expected
