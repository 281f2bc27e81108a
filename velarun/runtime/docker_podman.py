"""What Podman's Docker-compatible API does differently, and calls written to work on both.

Podman (``podman system service``) answers the Docker API, with differences velarun meets:

- an image it imports or builds locally is named under ``localhost/`` (``localhost/app:1``),
  and a short name (``app:1``) finds it; so the names a user writes lose that prefix;
- a pull whose registry cannot be reached answers 200 and says the error inside the progress
  stream, where the Docker Engine answers with an error status (the stream is read for it, in
  :mod:`velarun.runtime.docker_images`);
- an import takes its tag from ``repo`` only (it ignores ``tag``), and names a bare
  ``repo`` as if from ``docker.io``;
- killing a container that is not running is a 500 ("container state improper"), where the
  Docker Engine answers 409;
- a wait on a container removed meanwhile may answer exit code 0 with an ``Error`` (``no such
  container``, ``container has already been removed``), where the Docker Engine answers 137
  or 404: read as the container gone, never as a step that succeeded;
- a network is removed even while containers are attached to it, and a container others
  joined the network namespace of is not removed before them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

import docker.errors

LOCAL_REGISTRY = "localhost/"
"""Where Podman keeps the images it imported or built (no registry: a name's prefix)."""


def is_podman(version: Mapping[str, Any]) -> bool:
    """Whether an engine's ``/version`` answer is Podman's."""
    return any(
        str(part.get("Name", "")).startswith("Podman")
        for part in version.get("Components") or ()
        if isinstance(part, Mapping)
    )


def written_name(stored: str, podman: bool) -> str:
    """A local image's name as a pipeline writes it: on Podman without ``localhost/``, which
    Podman puts before the name of what it imports or builds and finds without it."""
    return stored.removeprefix(LOCAL_REGISTRY) if podman else stored


def local_image_names(client: Any) -> list[str]:
    """Blocking: the engine's local image names (``repo:tag``) as a pipeline writes them; none
    when the engine cannot list them."""
    try:
        tags = [tag for img in client.images.list() for tag in img.tags]
        podman = any(t.startswith(LOCAL_REGISTRY) for t in tags) and is_podman(client.version())
    except (docker.errors.DockerException, OSError):
        return []
    return [written_name(tag, podman) for tag in tags]


def import_reference(tag: str, podman: bool) -> str:
    """The ``repo`` to import an image named ``tag`` (``name:tag``) with: the whole reference
    (Podman ignores an import's ``tag``), under ``localhost/`` on Podman, as its own imports
    are named (a bare name would read as pulled from ``docker.io``)."""
    return LOCAL_REGISTRY + tag if podman else tag


def not_running(exc: docker.errors.APIError) -> bool:
    """Whether an error killing a container says it was not running: the Docker Engine's 409,
    Podman's 500 "can only kill running containers ...: container state improper"."""
    return exc.status_code == 409 or "container state improper" in str(exc.explanation or "")


def exit_status(result: Mapping[str, Any]) -> int:
    """The exit code of a container's wait answer. Raises :class:`docker.errors.NotFound` when
    the answer says the container went away instead (Podman: code 0 and an ``Error``)."""
    error = result.get("Error")
    message = error.get("Message") if isinstance(error, Mapping) else None
    code = int(result.get("StatusCode", 1))
    if message and code == 0:
        raise docker.errors.NotFound(str(message), explanation=str(message))
    return code


def served_by_podman(url: str) -> bool:
    """Whether an engine's address is a Podman socket (``/run/podman/podman.sock``,
    ``$XDG_RUNTIME_DIR/podman/podman.sock``: a socket named ``podman.sock`` or in a directory
    named ``podman``), for messages that must name the engine when it cannot be asked."""
    if not url.startswith("unix://"):
        return False
    path = PurePosixPath(url.removeprefix("unix://"))
    return path.name == "podman.sock" or path.parent.name == "podman"
