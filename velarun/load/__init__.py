"""Phase 1, load: a pipeline file -> a typed :class:`Pipeline` plus every diagnostic.

Never raises for any input: unreadable files, bad encodings, YAML errors, wrong shapes and hostile
documents all come back as positioned diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from velarun.diagnostics import START, Diagnostic, Pos, error, has_errors, sort_diagnostics
from velarun.gcpause import gc_paused
from velarun.load._checks import check
from velarun.load._pipeline import build_pipeline
from velarun.load._yaml import parse_yaml
from velarun.load.model import Pipeline

DEFAULT_FILES = (".vela.yml", ".vela.yaml")

__all__ = [
    "DEFAULT_FILES",
    "LoadResult",
    "Pipeline",
    "check",
    "find_pipeline",
    "load_bytes",
    "load_file",
]


@dataclass(frozen=True, slots=True)
class LoadResult:
    path: str
    pipeline: Pipeline | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return self.pipeline is not None and not has_errors(self.diagnostics)


def find_pipeline(directory: Path) -> Path:
    """``.vela.yml``, else ``.vela.yaml``, else the first name (for the error message)."""
    for name in DEFAULT_FILES:
        candidate = directory / name
        if candidate.exists():
            return candidate
    return directory / DEFAULT_FILES[0]


def _decode(data: bytes) -> tuple[str | None, Diagnostic | None]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        return None, error(
            Pos(line, column),
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            "save the pipeline as UTF-8",
        )


def load_bytes(data: bytes, path: str, *, origin: str = "", fragment: bool = False) -> LoadResult:
    """``data`` loaded as the pipeline file ``path``. With ``origin`` (what a template rendered),
    every position names ``origin`` instead; a ``fragment`` (a template's output, merged into a
    pipeline later) skips the checks that only a whole pipeline can pass."""
    result = _load(data, path, fragment, origin)
    if not origin:
        return result
    # The model's positions come from the nodes, which know their origin; diagnostics made
    # at fixed places (an empty file, START) are moved here.
    moved = tuple(replace(d, pos=replace(d.pos, file=origin)) for d in result.diagnostics)
    return replace(result, diagnostics=moved)


@gc_paused()
def _load(data: bytes, path: str, fragment: bool, origin: str) -> LoadResult:
    text, problem = _decode(data)
    if text is None:
        assert problem is not None
        return LoadResult(path, None, (problem,))
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return LoadResult(
            path, None, (error(Pos(line, 1), "the file contains a NUL byte; is it a binary file?"),)
        )
    root, diags = parse_yaml(text, origin)
    if root is None:
        if not diags:
            diags = [
                error(
                    START,
                    "the file is empty",
                    'a Vela pipeline starts with `version: "1"` and has `steps:` or `stages:`',
                )
            ]
        return LoadResult(path, None, tuple(sort_diagnostics(diags)))
    pipeline, built = build_pipeline(path, root)
    diags += built
    if pipeline is not None and not fragment:
        diags += check(pipeline)
    return LoadResult(path, pipeline, tuple(sort_diagnostics(diags)))


def load_file(path: Path) -> LoadResult:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        hint = "pass the pipeline with --file, or run in the directory that holds .vela.yml"
        return LoadResult(str(path), None, (error(START, "no such file", hint),))
    except IsADirectoryError:
        return LoadResult(
            str(path), None, (error(START, "this is a directory", "name the pipeline file"),)
        )
    except OSError as exc:
        return LoadResult(str(path), None, (error(START, f"cannot read: {exc.strerror}"),))
    return load_bytes(data, str(path))
