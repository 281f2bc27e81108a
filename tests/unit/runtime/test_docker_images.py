"""Pulls read as the engine streams them: the progress of each layer, and failures, in the
request or in the stream, said as before."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import docker.errors
import pytest
import requests

from velarun.report.progress import pull_detail
from velarun.runtime import ImageUnavailableError, PullProgress
from velarun.runtime.docker_images import PullTracker, pull, resolve_image

# What Docker 20.10 streams for an image of two layers, one already here (trimmed repeats).
EVENTS: list[dict[str, Any]] = [
    {"status": "Pulling from velarun-test/progress", "id": "e8e24058"},
    {"status": "Already exists", "progressDetail": {}, "id": "0d3b2b731f0f"},
    {"status": "Pulling fs layer", "progressDetail": {}, "id": "18fddcaeec58"},
    {"status": "Waiting", "progressDetail": {}, "id": "18fddcaeec58"},
    {
        "status": "Downloading",
        "progressDetail": {"current": 36445, "total": 3001116},
        "id": "18fddcaeec58",
    },
    {
        "status": "Downloading",
        "progressDetail": {"current": 2000000, "total": 3001116},
        "id": "18fddcaeec58",
    },
    {"status": "Verifying Checksum", "progressDetail": {}, "id": "18fddcaeec58"},
    {"status": "Download complete", "progressDetail": {}, "id": "18fddcaeec58"},
    {
        "status": "Extracting",
        "progressDetail": {"current": 32768, "total": 3001116},
        "id": "18fddcaeec58",
    },
    {"status": "Pull complete", "progressDetail": {}, "id": "18fddcaeec58"},
    {"status": "Digest: sha256:813ae199598ff9a56d5c274fcfe4777424e0ee11a372e40c583ef26ac4faf92a"},
    {"status": "Status: Downloaded newer image for 127.0.0.1:5000/velarun-test/progress:1"},
]
DETAILS = [
    None,
    "waiting for sizes, 1/1 layers",
    "waiting for sizes, 1/2 layers",
    "waiting for sizes, 1/2 layers",
    "36.4 kB / 3.0 MB, 1/2 layers",
    "2.0 MB / 3.0 MB, 1/2 layers",
    "3.0 MB / 3.0 MB, 1/2 layers",
    "3.0 MB / 3.0 MB, 1/2 layers",
    "3.0 MB / 3.0 MB, 1/2 layers",
    "3.0 MB / 3.0 MB, 2/2 layers",
    None,
    None,
]


def test_the_tracker_follows_each_layer_of_the_stream() -> None:
    tracker = PullTracker("img:1")
    seen = [tracker.feed(event) for event in EVENTS]
    assert [pull_detail(p) if p else None for p in seen] == DETAILS
    assert tracker.progress() == PullProgress("img:1", 3001116, 3001116, 2, 2)


class Api:
    def __init__(self, events: list[Mapping[str, Any]], refused: Exception | None) -> None:
        self.events, self.refused = events, refused
        self.asked: list[tuple[str, str]] = []

    def pull(self, repository: str, tag: str, stream: bool, decode: bool) -> Iterator[Any]:
        assert stream and decode
        self.asked.append((repository, tag))
        if self.refused is not None:
            raise self.refused
        return iter(self.events)


class Images:
    def __init__(self, present: bool) -> None:
        self.present = present

    def get(self, image: str) -> None:
        if not self.present:
            raise docker.errors.ImageNotFound(f"No such image: {image}")

    def list(self) -> list[Any]:
        return []


class Client:
    def __init__(
        self,
        events: list[Mapping[str, Any]],
        refused: Exception | None = None,
        *,
        present: bool = False,
    ) -> None:
        self.api = Api(events, refused)
        self.images = Images(present)


class Pulls:
    def __init__(self) -> None:
        self.told: list[str] = []

    def pull_started(self, image: str) -> None:
        self.told.append(f"started {image}")

    def pull_progress(self, progress: PullProgress) -> None:
        self.told.append(pull_detail(progress))

    def pull_finished(self, progress: PullProgress, ok: bool) -> None:
        self.told.append(f"finished ok={ok}: {pull_detail(progress)}")


def test_a_pull_tells_the_observer_every_layer_event_and_its_end() -> None:
    client, pulls = Client(EVENTS), Pulls()
    pull(client, "127.0.0.1:5000/velarun-test/progress:1", "step `a`", pulls)
    assert client.api.asked == [("127.0.0.1:5000/velarun-test/progress", "1")]
    assert pulls.told == [
        "started 127.0.0.1:5000/velarun-test/progress:1",
        *[d for d in DETAILS if d is not None],
        "finished ok=True: 3.0 MB / 3.0 MB, 2/2 layers",
    ]


@pytest.mark.parametrize(
    ("image", "asked"),
    [
        ("alpine", ("alpine", "latest")),
        ("alpine:3.20", ("alpine", "3.20")),
        ("alpine@sha256:" + "a" * 64, ("alpine", "sha256:" + "a" * 64)),
        ("localhost:5000/team/app", ("localhost:5000/team/app", "latest")),
    ],
)
def test_the_repository_and_tag_asked_for(image: str, asked: tuple[str, str]) -> None:
    client = Client([])
    pull(client, image, "step `a`")
    assert client.api.asked == [asked]


PULL_FAILED = (
    "step `a`: pulling image `img:1` failed: {}"
    " (hint: check the image name and tag, your network, or `docker login` for a private"
    " registry; or build it locally and set `pull: not_present`)"
)


def api_error(status: int, explanation: str) -> docker.errors.APIError:
    response = requests.models.Response()
    response.status_code = status
    return docker.errors.APIError(f"{status} error", response, explanation=explanation)


@pytest.mark.parametrize(
    ("events", "refused", "told"),
    [
        (  # in the stream, after a layer began: as a refused request is said
            [EVENTS[2], {"errorDetail": {"message": "unexpected EOF"}, "error": "unexpected EOF"}],
            None,
            [
                "started img:1",
                "waiting for sizes, 0/1 layers",
                "finished ok=False: waiting for sizes, 0/1 layers",
            ],
        ),
        (
            [],
            api_error(500, "Get https://r/v2/: dial tcp: connection refused"),
            ["started img:1", "finished ok=False: waiting for sizes, 0/0 layers"],
        ),
    ],
    ids=["in-the-stream", "refused"],
)
def test_a_failed_pull_is_said_the_same_wherever_the_engine_says_it(
    events: list[Mapping[str, Any]], refused: Exception | None, told: list[str]
) -> None:
    pulls = Pulls()
    with pytest.raises(ImageUnavailableError) as caught:
        pull(Client(events, refused), "img:1", "step `a`", pulls)
    said = (
        "unexpected EOF" if refused is None else "Get https://r/v2/: dial tcp: connection refused"
    )
    exc = caught.value
    assert f"{exc.message} (hint: {exc.hint})" == PULL_FAILED.format(said)
    assert exc.image == "img:1"
    assert pulls.told == told


def test_an_error_in_the_stream_under_not_present_is_said_as_a_refused_request_is() -> None:
    client = Client([{"error": "manifest for img:1 not found: manifest unknown"}])
    with pytest.raises(ImageUnavailableError) as caught:
        resolve_image(client, "img:1", "not_present", "step `a`")
    assert str(caught.value.message) == (
        "step `a`: image `img:1` is not present locally and the registry has no such image"
    )


def test_an_image_already_here_under_not_present_is_not_pulled() -> None:
    client, pulls = Client(EVENTS, present=True), Pulls()
    resolve_image(client, "img:1", "not_present", "step `a`", pulls)
    assert (client.api.asked, pulls.told) == ([], [])
