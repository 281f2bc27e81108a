"""Step artifacts (``artifacts: {paths: [...]}``): which workspace files a step's paths select,
as the Vela worker selects them, and where on the host they are kept. Pure; the runtime copies.

The worker (``runtime/docker/artifact.go``, ``executor/linux/outputs.go``) runs ``find
$VELA_WORKSPACE -type f -path '*PATH'`` for each path once the step has run, whatever its exit
code: a path matches the end of a file's absolute path, with fnmatch's ``*`` crossing ``/``;
only regular files (no links); a file with a hidden component (``.git/...``, ``.x``) is left
out; an empty file is not uploaded (no data); a file over 100 MB, or one that would take the
build over 500 MB, is skipped (the worker's default limits). Nothing found is an error in the
worker's log, never a failure of the step or the build.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from velarun.workdir import WORKSPACE

FILE_LIMIT = 100 * 1024 * 1024
"""The worker's ``--storage.file-size-limit`` default: 100 MB a file."""
BUILD_LIMIT = 500 * 1024 * 1024
"""The worker's ``--storage.build-file-size-limit`` default: 500 MB a build."""
DIR_NAME = ".velarun"
"""velarun's directory at the repository root (artifacts under ``artifacts/``)."""

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def leaves_workspace(path: str) -> bool:
    """A path with a ``..`` component: ``find`` never prints one, so it never matches."""
    return ".." in path.split("/")


def pattern_regex(path: str) -> re.Pattern[str]:
    """``find -path '*PATH'`` as a regex: fnmatch(3) without FNM_PATHNAME (``*`` and ``?``
    match ``/``), brackets with ``!`` or ``^``, ``\\`` escaping, whole string."""
    out = ["(?s:.*"]
    i, n = 0, len(path)
    while i < n:
        c = path[i]
        i += 1
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "\\" and i < n:
            out.append(re.escape(path[i]))
            i += 1
        elif c == "[" and (end := _bracket_end(path, i)) > 0:
            body = path[i:end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            chars = body.replace("\\", "\\\\").replace("[", "\\[")
            out.append(f"[{'^' if negate else ''}{chars}]")
            i = end + 1
        else:
            out.append(re.escape(c))
    out.append(")\\Z")
    return re.compile("".join(out))


def _bracket_end(path: str, start: int) -> int:
    """The index of the ``]`` closing a bracket opened before ``start``; -1: none (literal)."""
    i = start
    if i < len(path) and path[i] in ("!", "^"):
        i += 1
    if i < len(path) and path[i] == "]":
        i += 1  # a leading `]` is a member
    while i < len(path):
        if path[i] == "]":
            return i
        i += 1
    return -1


def hidden(path: str) -> bool:
    """The worker's ``isHidden``: a component of the path starts with a dot."""
    return any(part.startswith(".") for part in path.split("/"))


def safe_name(name: str) -> str:
    """A stage or step name as one directory name: letters, digits, ``.``, ``_``, ``-``."""
    cleaned = _SAFE.sub("_", name)
    return "_" if cleaned in ("", ".", "..") else cleaned


def step_dir(run_dir: str, stage: str | None, step: str) -> str:
    """``<run dir>/<stage>/<step>`` (``<run dir>/<step>`` in a steps pipeline)."""
    parts = [run_dir] + ([safe_name(stage)] if stage is not None else []) + [safe_name(step)]
    return "/".join(parts)


class Budget:
    """The bytes a build's artifacts took so far (the worker's limit is per build), shared by
    the steps of every stage; pickers in worker threads take from it under a lock."""

    def __init__(self, used: int = 0) -> None:
        self.used = used
        self._lock = threading.Lock()

    def take(self, size: int, limit: int) -> bool:
        with self._lock:
            if limit and self.used + size > limit:
                return False
            self.used += size
            return True


@dataclass
class Picker:
    """Decides, file by file, what a step's artifact paths take (the runtime asks it while
    it walks the workspace), and remembers what to say about it. ``budget`` is the build's."""

    paths: Sequence[str]
    budget: Budget = field(default_factory=Budget)
    file_limit: int = FILE_LIMIT
    build_limit: int = BUILD_LIMIT
    matched: set[str] = field(default_factory=set)
    """The paths that matched at least one file."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(file, why) for files that matched and were not copied."""
    taken: int = 0
    """Bytes taken by this step."""
    skip: str = ""
    """A directory of the workspace never looked into (``--artifacts-dir`` inside it)."""

    def __post_init__(self) -> None:
        self._regexes = [(p, pattern_regex(p)) for p in self.paths if not leaves_workspace(p)]

    def enter(self, path: str) -> bool:
        """A directory of the workspace (relative): worth looking inside?"""
        if self.skip and (path == self.skip or path.startswith(self.skip + "/")):
            return False
        return not hidden(path)

    def take(self, path: str, size: int) -> bool:
        """A regular file of the workspace (relative path, size in bytes): copy it?"""
        full = f"{WORKSPACE}/{path}"
        hits = [p for p, regex in self._regexes if regex.match(full)]
        if not hits or hidden(path):
            return False
        self.matched.update(hits)
        why = ""
        if size == 0:
            why = "empty (the worker uploads no empty file)"
        elif self.file_limit and size > self.file_limit:
            why = f"over the worker's limit of {self.file_limit // 2**20} MB a file"
        elif not self.budget.take(size, self.build_limit):
            why = f"over the worker's limit of {self.build_limit // 2**20} MB a build"
        if why:
            self.skipped.append((path, why))
            return False
        self.taken += size
        return True

    def unmatched(self) -> list[str]:
        """The paths that matched no file, in the order written."""
        return [p for p in self.paths if p not in self.matched]
