"""Whether the engine sees this machine's files: the probe's parts on a fake client."""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import UTC
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from velarun.runtime.docker_probe import mtime_ns, same_directory, shares_files

MTIMES = [
    ("2026-12-01T05:03:02.813036276Z", 1796101382813036276),
    ("2026-12-01T05:03:02Z", 1796101382000000000),
    ("2026-12-01T05:03:02.5Z", 1796101382500000000),
    ("2026-12-01T06:03:02.813036276+01:00", 1796101382813036276),
    ("yesterday", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), MTIMES)
def test_mtime_ns(text: str, expected: int | None) -> None:
    assert mtime_ns(text) == expected


class Api:
    def __init__(self, create_error: str | None, stat: dict[str, Any] | None, status: int = 200):
        self.create_error = create_error
        self.stat = stat
        self.status = status
        self.calls: list[str] = []

    def create_host_config(self, **kwargs: Any) -> dict[str, Any]:
        return kwargs

    def create_container(self, image: str, **kwargs: Any) -> dict[str, str]:
        mount = kwargs["host_config"]["mounts"][0]
        self.calls.append(
            f"create {image} {mount['Source']}:{mount['Target']} ro={mount['ReadOnly']}"
        )
        if self.create_error is not None:
            raise docker.errors.APIError("400", explanation=self.create_error)
        return {"Id": "probe1"}

    def _url(self, template: str, *args: str) -> str:
        return template.format(*args)

    def head(self, url: str, params: dict[str, str], timeout: int) -> Any:
        self.calls.append(f"head {url} {params['path']}")
        headers = {}
        if self.stat is not None:
            headers["X-Docker-Container-Path-Stat"] = base64.b64encode(
                json.dumps(self.stat).encode()
            ).decode()
        return type("Response", (), {"status_code": self.status, "headers": headers})()

    def remove_container(self, container: str, force: bool, v: bool) -> None:
        self.calls.append(f"remove {container}")


class Client:
    def __init__(self, api: Api) -> None:
        self.api = api


def _stat_of(path: Path) -> dict[str, Any]:
    st = os.stat(path)
    from datetime import datetime

    whole = datetime.fromtimestamp(st.st_mtime_ns // 10**9, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "name": path.name,
        "mode": 0x80000000 | (st.st_mode & 0o777),
        "mtime": f"{whole}.{st.st_mtime_ns % 10**9:09d}Z",
    }


def test_the_same_directory_is_shared(tmp_path: Path) -> None:
    api = Api(None, _stat_of(tmp_path))
    assert shares_files(Client(api), tmp_path, "img", "velarun-r-probe", {}) is True
    deadline = time.monotonic() + 10  # removed in the background
    while len(api.calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert api.calls == [
        f"create img {tmp_path}:/velarun-probe ro=True",
        "head /containers/probe1/archive /velarun-probe",
        "remove probe1",
    ]


def test_a_directory_of_the_same_name_elsewhere_is_not(tmp_path: Path) -> None:
    other = {**_stat_of(tmp_path), "mtime": "2020-01-01T00:00:00.000000001Z"}
    assert shares_files(Client(Api(None, other)), tmp_path, "img", "p", {}) is False


@pytest.mark.parametrize(
    "error",
    [
        'invalid mount config for type "bind": bind source path does not exist: /x',
        "statfs /x: no such file or directory",
    ],
)
def test_a_path_the_engine_lacks_is_not_shared(tmp_path: Path, error: str) -> None:
    api = Api(error, None)
    assert shares_files(Client(api), tmp_path, "img", "p", {}) is False
    assert len(api.calls) == 1  # nothing to remove


def test_an_engine_that_will_not_say_more_has_the_path(tmp_path: Path) -> None:
    assert shares_files(Client(Api(None, None, status=404)), tmp_path, "img", "p", {}) is True


def test_another_refusal_is_the_engine_s_error(tmp_path: Path) -> None:
    with pytest.raises(docker.errors.APIError):
        shares_files(Client(Api("no space left on device", None)), tmp_path, "img", "p", {})


def test_same_directory_compares_permissions_too(tmp_path: Path) -> None:
    found = _stat_of(tmp_path)
    st = os.stat(tmp_path)
    assert same_directory(found, st)
    assert not same_directory({**found, "mode": found["mode"] ^ 0o002}, st)
