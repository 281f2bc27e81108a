"""Images on the Docker runtime: pull policies resolved against the engine's local images."""

from __future__ import annotations

from typing import Any

import docker.errors

from velarun.runtime import ImageUnavailableError
from velarun.runtime.docker_errors import Call, Op, engine_errors, not_anywhere


def image_present(client: Any, image: str, who: str) -> bool:
    """Blocking: whether the engine has ``image``."""
    with engine_errors(Call(Op.IMAGE, who, image)):
        try:
            client.images.get(image)
        except docker.errors.ImageNotFound:
            return False
    return True


def local_images(client: Any) -> list[str]:
    """The engine's local image names (``repo:tag``); none when it cannot list them."""
    try:
        return [tag for img in client.images.list() for tag in img.tags]
    except (docker.errors.DockerException, OSError):
        return []


def pull(client: Any, image: str, who: str) -> None:
    with engine_errors(Call(Op.PULL, who, image)):
        client.images.pull(image)


def resolve_image(client: Any, image: str, policy: str, who: str) -> None:
    """Blocking: ``image`` present on the engine as its pull ``policy`` says (``on_start``:
    later, by the step's start), or :class:`ImageUnavailableError` naming ``who``."""
    if policy == "always":
        pull(client, image, who)
    elif policy == "not_present":
        if not image_present(client, image, who):
            try:
                pull(client, image, who)
            except ImageUnavailableError as exc:
                raise not_anywhere(exc, who, image, local_images(client)) from None
    elif policy != "on_start" and not image_present(client, image, who):
        raise ImageUnavailableError(
            f"{who}: image `{image}` is not present locally and its pull policy is `{policy}`",
            f"pull or build it first (`docker pull {image}`), or set `pull: not_present`",
            image=image,
        )
