"""The Docker runtime's error boundary: SDK and transport errors become velarun's, once, here.

Modelled on httpx's ``map_httpcore_exceptions``: one table from exception types to handlers,
looked up along the exception's MRO, so the most specific type decides. A handler also knows
what the failed call was doing (:class:`Call`): a 404 on a started container means that
container is gone (:class:`ContainerGoneError`), a 404 on an image at create means the image
is missing (:class:`ImageUnavailableError`), any error of a pull means the pull failed. What is
not an engine or transport error (velarun's own errors, bugs) passes through untouched.
"""

from __future__ import annotations

import contextlib
import difflib
import enum
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import docker
import docker.errors
import requests.exceptions
import urllib3.exceptions

from velarun.runtime import (
    ContainerGoneError,
    EngineError,
    EngineUnavailableError,
    ImageUnavailableError,
)
from velarun.runtime.docker_podman import served_by_podman
from velarun.runtime.engines import DOCKER_SOCKET, EngineAddress, find_engine


class Op(enum.Enum):
    """What a call to the engine does, as far as its errors are concerned."""

    ENGINE = "engine"
    """Anything else: networks, volumes, listing, teardown."""
    CONNECT = "connect"
    IMAGE = "image"
    """Inspecting an image (is it present?)."""
    PULL = "pull"
    CREATE = "create"
    START = "start"
    """Attaching to and starting a created container."""
    CONTAINER = "container"
    """A call on a started container: wait, logs, kill, remove."""


@dataclass(frozen=True, slots=True)
class Call:
    """A call to the engine, described so that its failure can name what failed."""

    op: Op = Op.ENGINE
    who: str = ""
    """The step or service it is for, as messages name it (``step `a/b```)."""
    image: str = ""


ENGINE = Call()


def explain(exc: BaseException) -> str:
    """The engine's own sentence for an error, else the error's text."""
    if isinstance(exc, docker.errors.APIError):
        return str(exc.explanation or exc)
    return str(exc) or type(exc).__name__


def docker_host_description() -> str:
    """The address of the engine in use, for messages."""
    try:
        return find_engine(os.environ).url
    except EngineError:  # a broken context: said when connecting
        return os.environ.get("DOCKER_HOST") or f"unix://{DOCKER_SOCKET}"


def _refused(exc: BaseException) -> EngineError:
    return EngineError(f"the Docker Engine refused: {explain(exc)}", "see `docker info` and retry")


def _cannot_connect(exc: BaseException) -> EngineError:
    text = str(exc)
    where = docker_host_description()
    hint = "start Docker (`sudo systemctl start docker` or Docker Desktop) and retry"
    if "Permission denied" in text or "PermissionError" in text:
        hint = "add yourself to the `docker` group, or run with access to the socket"
    elif served_by_podman(where):
        hint = f"start it (`podman system service --time=0 {where}`), or check DOCKER_HOST"
    elif os.environ.get("DOCKER_HOST"):
        hint = "check DOCKER_HOST, or unset it to use the local socket"
    engine = "the Podman service" if served_by_podman(where) else "the Docker Engine"
    return EngineUnavailableError(f"cannot reach {engine} at {where}", hint)


def _pull_failed(exc: BaseException, call: Call) -> EngineError:
    return ImageUnavailableError(
        f"{call.who}: pulling image `{call.image}` failed: {explain(exc)}",
        "check the image name and tag, your network, or `docker login` for a private"
        " registry; or build it locally and set `pull: not_present`",
        image=call.image or "",
    )


def _unreachable(_exc: BaseException, call: Call) -> EngineError:
    where = docker_host_description()
    if served_by_podman(where):
        if call.op is Op.CONNECT:
            return EngineUnavailableError(
                f"cannot reach the Podman service at {where}",
                f"start it (`podman system service --time=0 {where}`) and retry",
            )
        return EngineUnavailableError(
            f"the Podman service at {where} stopped answering",
            "check that `podman system service` is running there",
        )
    if call.op is Op.CONNECT:
        return EngineUnavailableError(
            f"cannot reach the Docker Engine at {where}",
            "start Docker and retry; `docker info` must answer",
        )
    return EngineUnavailableError(
        f"the Docker Engine at {where} stopped answering",
        "check that dockerd is running (`docker info`)",
    )


def _docker_error(exc: BaseException, call: Call) -> EngineError:
    if call.op is Op.CONNECT:
        return _cannot_connect(exc)
    if call.op is Op.PULL:
        return _pull_failed(exc, call)
    return _refused(exc)


def _api_error(exc: BaseException, call: Call) -> EngineError:
    assert isinstance(exc, docker.errors.APIError)
    if call.op is Op.START:
        return EngineError(
            f"{call.who}: the container could not start: {explain(exc)}",
            "check the image's entrypoint, user and volumes",
        )
    status = exc.status_code
    if call.op is Op.IMAGE and status is not None and 400 <= status < 500:
        return ImageUnavailableError(  # the engine cannot even parse the name
            f"{call.who}: `{call.image}` is not a valid image name: {explain(exc)}",
            "write `name[:tag]` or `name@sha256:...`, the repository in lowercase",
            image=call.image or "",
        )
    return _docker_error(exc, call)


def _not_found(exc: BaseException, call: Call) -> EngineError:
    if call.op is Op.CONTAINER:
        return ContainerGoneError(
            f"{call.who}: its container was removed from outside velarun",
            "something else (a `docker rm`, a cleanup script) removed it mid-step",
        )
    return _api_error(exc, call)


def _image_not_found(exc: BaseException, call: Call) -> EngineError:
    if call.op is Op.CREATE:
        return ImageUnavailableError(
            f"{call.who}: image `{call.image}` not found: {explain(exc)}",
            "check the image name, or set a pull policy that fetches it",
            image=call.image or "",
        )
    return _not_found(exc, call)


MAPPING: dict[type[BaseException], Callable[[BaseException, Call], EngineError]] = {
    docker.errors.ImageNotFound: _image_not_found,
    docker.errors.NotFound: _not_found,
    # Before the transport rows: an APIError is also a requests error.
    docker.errors.APIError: _api_error,
    docker.errors.DockerException: _docker_error,
    requests.exceptions.RequestException: _unreachable,  # refused, reset, cut short
    urllib3.exceptions.HTTPError: _unreachable,  # the same, raised while a stream is read
    ConnectionError: _unreachable,
    TimeoutError: _unreachable,
}
"""Exception type -> handler; the first of the exception's MRO found here decides."""


def map_error(exc: BaseException, call: Call = ENGINE) -> EngineError | None:
    """The velarun error for an engine or transport error; None for anything else."""
    for cls in type(exc).__mro__:
        handler = MAPPING.get(cls)
        if handler is not None:
            return handler(exc, call)
    return None


@contextlib.contextmanager
def engine_errors(call: Call = ENGINE) -> Iterator[None]:
    """The boundary: an engine or transport error raised inside leaves as the most specific
    :class:`EngineError` for ``call``; never a raw SDK or transport error past it."""
    try:
        yield
    except Exception as exc:
        mapped = map_error(exc, call)
        if mapped is None:
            raise
        raise mapped from exc


def connect(timeout: int = 300) -> docker.DockerClient:
    """Blocking: a client that the engine answered, or :class:`EngineUnavailableError`
    saying what to do."""
    return connect_engine(timeout)[0]


def connect_engine(timeout: int = 300) -> tuple[docker.DockerClient, EngineAddress]:
    """Blocking: a client of the engine found as :func:`~velarun.runtime.engines.find_engine`
    finds it, once it answered, and its address."""
    address = find_engine(os.environ)
    with engine_errors(Call(Op.CONNECT)):
        client = open_client(address, timeout)
        try:
            client.ping()
        except BaseException:
            client.close()
            raise
    return client, address


_UNREACHABLE = ("no such host", "dial tcp", "connection refused", "i/o timeout", "timeout")
_NONE_THERE = ("not found", "manifest unknown", "pull access denied", "does not exist")


def _normal(name: str) -> str:
    """An image name as the engine stores it, for comparing: no ``docker.io/library/``, a tag."""
    for prefix in ("docker.io/", "library/"):
        name = name.removeprefix(prefix)
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last or "@" in last else name + ":latest"


def closest_images(image: str, local: Iterable[str]) -> list[str]:
    """The local image names closest to ``image`` (difflib), best first, at most three."""
    names = {_normal(tag): tag for tag in local if tag and "<none>" not in tag}
    close = difflib.get_close_matches(_normal(image), list(names), n=3, cutoff=0.6)
    return [names[n] for n in close]


def not_anywhere(
    exc: ImageUnavailableError, who: str, image: str, local: Iterable[str]
) -> ImageUnavailableError:
    """A pull under ``pull: not_present`` failed: the image is neither here nor to be had.
    Said so, with the local images closest to the name, not the registry's raw error."""
    text = exc.message.lower()
    if any(word in text for word in _NONE_THERE):
        where = "the registry has no such image"
    elif any(word in text for word in _UNREACHABLE):
        where = "the registry cannot be reached"
    else:
        where = "pulling it failed: " + exc.message.split(" failed: ", 1)[-1]
    close = closest_images(image, local)
    hint = "check the image name and tag, your network, or `docker login` for a private registry"
    if close:
        hint = "did you mean " + " or ".join(f"`{c}`" for c in close) + "? (local images); " + hint
    return ImageUnavailableError(
        f"{who}: image `{image}` is not present locally and {where}", hint, image=image
    )


def open_client(address: EngineAddress, timeout: int) -> docker.DockerClient:
    """A Docker SDK client for ``address`` (not yet pinged). ``ssh://`` goes through the
    ``ssh`` program, as the Docker CLI does."""
    import docker.tls

    tls: docker.tls.TLSConfig | bool = False
    if address.tls is not None:
        t = address.tls
        tls = docker.tls.TLSConfig(
            client_cert=(t.cert, t.key) if t.cert and t.key else None,
            ca_cert=t.ca if t.verify else None,
            verify=t.verify,
        )
    return docker.DockerClient(
        base_url=address.url,
        tls=tls,
        timeout=timeout,
        use_ssh_client=address.url.startswith("ssh://"),
    )
