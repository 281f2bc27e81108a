"""Docker's image reference grammar (distribution's ``reference`` package), to refuse an image
no engine could parse (``BusyBox``, a space, ``alpine:3:4``) as a pipeline error, positioned."""

from __future__ import annotations

import functools
import re

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_NAME = rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
REFERENCE = re.compile(rf"({_NAME})(?::{_TAG})?(?:@{_DIGEST})?")
NAME_TOTAL_LENGTH_MAX = 255


@functools.lru_cache(maxsize=1024)
def image_problem(image: str) -> str | None:
    """Why ``image`` is not a valid reference, in Docker's words, or None. An image that
    substitution or a template still fills in (``$``, ``{{``) is not judged here. Remembered
    by image: a big pipeline names the same few images in each of its steps."""
    if not image or "$" in image or "{{" in image:
        return None
    if any(c.isspace() for c in image):
        return "invalid reference format: it contains a space"
    match = REFERENCE.fullmatch(image)
    if match is None:
        if REFERENCE.fullmatch(image.lower()) is not None:
            return "repository name must be lowercase"
        return "invalid reference format"
    if len(match.group(1)) > NAME_TOTAL_LENGTH_MAX:
        return f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
    return None
