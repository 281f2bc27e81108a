"""Images on the Docker runtime: pull policies resolved against the engine's local images.

A pull is read as the engine streams it (one JSON object per layer event), so that a
:class:`~velarun.runtime.PullObserver` can show its progress; an error the engine reports in
the stream (``{"error": ...}``) fails the pull as an error of the request would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import docker.errors
import docker.utils

from velarun.runtime import ImageUnavailableError, PullObserver, PullProgress
from velarun.runtime.docker_errors import Call, Op, engine_errors, not_anywhere
from velarun.runtime.docker_podman import local_image_names


def image_present(client: Any, image: str, who: str) -> bool:
    """Blocking: whether the engine has ``image``."""
    with engine_errors(Call(Op.IMAGE, who, image)):
        try:
            client.images.get(image)
        except docker.errors.ImageNotFound:
            return False
    return True


def local_images(client: Any) -> list[str]:
    """The engine's local image names (``repo:tag``) as a pipeline writes them (on Podman
    without ``localhost/``); none when it cannot list them."""
    return local_image_names(client)


@dataclass(slots=True)
class _Layer:
    done: int = 0
    total: int = 0
    finished: bool = False


_DOWNLOADED = frozenset({"Verifying Checksum", "Download complete", "Extracting", "Pull complete"})
_FINISHED = frozenset({"Pull complete", "Already exists"})


class PullTracker:
    """The progress of one image's pull, from the events of the engine's pull stream."""

    def __init__(self, image: str) -> None:
        self.image = image
        self.layers: dict[str, _Layer] = {}

    def feed(self, event: Mapping[str, Any]) -> PullProgress | None:
        """Take one event; the progress when it was about a layer, else None (the
        ``Pulling from``, ``Digest`` and ``Status`` lines)."""
        layer_id, status = event.get("id"), event.get("status")
        if not isinstance(layer_id, str) or not isinstance(status, str):
            return None
        if status.startswith("Pulling from"):
            return None
        layer = self.layers.setdefault(layer_id, _Layer())
        detail = event.get("progressDetail") or {}
        if status == "Downloading" and isinstance(detail, Mapping):
            layer.total = int(detail.get("total") or layer.total)
            layer.done = min(int(detail.get("current") or 0), layer.total or 2**62)
        elif status in _DOWNLOADED:
            layer.done = layer.total
        layer.finished = layer.finished or status in _FINISHED
        return self.progress()

    def progress(self) -> PullProgress:
        layers = self.layers.values()
        return PullProgress(
            self.image,
            bytes_done=sum(layer.done for layer in layers),
            bytes_total=sum(layer.total for layer in layers),
            layers_done=sum(layer.finished for layer in layers),
            layers_total=len(self.layers),
        )


def pull(client: Any, image: str, who: str, pulls: PullObserver | None = None) -> None:
    """Blocking: pull ``image``, telling ``pulls`` how it goes; a failure, in the request or
    in the stream, is :class:`ImageUnavailableError` naming ``who``."""
    repository, tag = docker.utils.parse_repository_tag(image)
    tracker = PullTracker(image)
    if pulls is not None:
        pulls.pull_started(image)
    ok = False
    try:
        with engine_errors(Call(Op.PULL, who, image)):
            stream = client.api.pull(repository, tag=tag or "latest", stream=True, decode=True)
            for event in stream:
                if "error" in event:
                    said = str(event["error"])
                    raise docker.errors.APIError(said, explanation=said)
                progress = tracker.feed(event)
                if progress is not None and pulls is not None:
                    pulls.pull_progress(progress)
        ok = True
    finally:
        if pulls is not None:
            pulls.pull_finished(tracker.progress(), ok)


def resolve_image(
    client: Any, image: str, policy: str, who: str, pulls: PullObserver | None = None
) -> None:
    """Blocking: ``image`` present on the engine as its pull ``policy`` says (``on_start``:
    later, by the step's start), or :class:`ImageUnavailableError` naming ``who``."""
    if policy == "always":
        pull(client, image, who, pulls)
    elif policy == "not_present":
        if not image_present(client, image, who):
            try:
                pull(client, image, who, pulls)
            except ImageUnavailableError as exc:
                raise not_anywhere(exc, who, image, local_images(client)) from None
    elif policy != "on_start" and not image_present(client, image, who):
        raise ImageUnavailableError(
            f"{who}: image `{image}` is not present locally and its pull policy is `{policy}`",
            f"pull or build it first (`docker pull {image}`), or set `pull: not_present`",
            image=image,
        )
