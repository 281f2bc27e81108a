"""Artifacts: which workspace files a step's paths select (the worker's ``find -path '*PATH'``
on ``/vela/src``), the names they are kept under, and the copy out of a host tree or an
engine's archive (links never followed, nothing written outside the target)."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from velarun.artifacts import Budget, Picker, hidden, leaves_workspace, pattern_regex, step_dir
from velarun.runtime.copyout import ChunkReader, copy_from_host, copy_from_tar, safe_member

MATCHES = [
    # (path as written, file relative to /vela/src, matched?)
    ("reports/unit.xml", "reports/unit.xml", True),
    ("reports/*.xml", "reports/unit.xml", True),
    ("reports/*.xml", "reports/deep/unit.xml", True),  # fnmatch's `*` crosses `/` in find
    ("reports/*.xml", "sub/reports/unit.xml", True),  # the path matches the end
    ("unit.xml", "myunit.xml", True),  # `*PATH`: even inside a name
    ("reports/*.xml", "reports/unit.xml.bak", False),
    ("*.txt", "a/b/c.txt", True),
    ("a?.txt", "ab.txt", True),
    ("a?.txt", "a/.txt", True),
    ("a?.txt", "abc.txt", False),
    ("[ab].txt", "b.txt", True),
    ("[!ab].txt", "b.txt", False),
    ("[^ab].txt", "c.txt", True),
    ("[].txt", "[].txt", True),  # no closing bracket after the leading `]`: a literal `[`
    ("a\\*.txt", "a*.txt", True),
    ("a\\*.txt", "ab.txt", False),
    ("src/x.txt", "x.txt", True),  # the worker matches the absolute /vela/src/x.txt
    ("/vela/src/x.txt", "x.txt", True),
    ("/vela/src/x.txt", "y/x.txt", False),
    ("", "any/file", True),  # `find -path '*'`
]


@pytest.mark.parametrize(("path", "file", "matched"), MATCHES)
def test_pattern_is_finds_path_test(path: str, file: str, matched: bool) -> None:
    assert bool(pattern_regex(path).match(f"/vela/src/{file}")) is matched


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a/b", False), (".git/config", True), ("a/.b/c", True), ("a/b.c", False), (".x", True)],
)
def test_hidden_is_the_workers(text: str, expected: bool) -> None:
    assert hidden(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"), [("../a", True), ("a/../b", True), ("a/..b", False), ("a..", False)]
)
def test_leaves_workspace(text: str, expected: bool) -> None:
    assert leaves_workspace(text) is expected


@pytest.mark.parametrize(
    ("stage", "step", "expected"),
    [
        (None, "test", "/r/test"),
        ("build", "unit tests", "/r/build/unit_tests"),
        ("a/b", "..", "/r/a_b/_"),
        (None, "ç:*", "/r/___"),
        (None, "", "/r/_"),
    ],
)
def test_step_dir_is_safe(stage: str | None, step: str, expected: str) -> None:
    assert step_dir("/r", stage, step) == expected


def test_picker_applies_the_workers_rules() -> None:
    budget = Budget(used=5)
    pick = Picker(["*.txt", "*.xml", "never/*", "../up"], budget, file_limit=10, build_limit=25)
    decisions = [
        pick.take(path, size)
        for path, size in [
            ("a.txt", 4),
            (".git/x.txt", 4),  # hidden
            ("b.txt", 0),  # empty
            ("c.txt", 11),  # over the file limit
            ("d.xml", 10),
            ("e.xml", 7),  # 5 + 4 + 10 + 7 > 25
            ("f.bin", 1),  # matches nothing
        ]
    ]
    assert decisions == [True, False, False, False, True, False, False]
    assert (pick.taken, budget.used) == (14, 19)
    assert pick.unmatched() == ["never/*", "../up"]
    assert pick.skipped == [
        ("b.txt", "empty (the worker uploads no empty file)"),
        ("c.txt", "over the worker's limit of 0 MB a file"),
        ("e.xml", "over the worker's limit of 0 MB a build"),
    ]
    assert (pick.enter("src"), pick.enter(".git"), pick.enter("a/.cache")) == (True, False, False)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("src/a.txt", "src/a.txt"),
        ("./src//a.txt", "src/a.txt"),
        ("/etc/passwd", None),
        ("src/../../x", None),
        ("..", None),
        (".", None),
    ],
)
def test_safe_member(name: str, expected: str | None) -> None:
    assert safe_member(name) == expected


def _tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _listing(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def test_copy_from_host_takes_regular_files_and_follows_no_link(tmp_path: Path) -> None:
    ws, out, outside = tmp_path / "ws", tmp_path / "out", tmp_path / "outside"
    _tree(ws, {"r/a.txt": b"a\x00b", "r/deep/b.txt": b"b", ".git/c.txt": b"c", "d.bin": b"d"})
    _tree(outside, {"secret.txt": b"s"})
    os.symlink(outside / "secret.txt", ws / "r" / "link.txt")
    os.symlink(outside, ws / "r" / "dirlink")
    copied = copy_from_host(str(ws), Picker(["*.txt"]), str(out))
    assert copied == ["r/a.txt", "r/deep/b.txt"]
    assert _listing(out) == {"r/a.txt": b"a\x00b", "r/deep/b.txt": b"b"}


def _tar(members: list[tuple[str, bytes | None, bytes]]) -> bytes:
    """(name, content or None for a link, link target) as a tar stream."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data, target in members:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type, info.linkname = tarfile.SYMTYPE, target.decode()
                tar.addfile(info)
                continue
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_copy_from_tar_writes_only_inside_the_target(tmp_path: Path) -> None:
    out = tmp_path / "out"
    stream = _tar(
        [
            ("src/r/a.txt", b"a" * 70_000, b""),
            ("src/../escape.txt", b"x", b""),
            ("/abs.txt", b"x", b""),
            ("src/r/link.txt", None, b"/etc/passwd"),
            ("src/.hidden/h.txt", b"h", b""),
            ("other/o.txt", b"o", b""),
            ("src/r/b.txt", b"b", b""),
        ]
    )
    chunks = [stream[i : i + 1000] for i in range(0, len(stream), 1000)]
    copied = copy_from_tar(ChunkReader(chunks), "src", Picker(["*.txt"]), str(out))
    assert copied == ["r/a.txt", "r/b.txt"]
    assert _listing(out) == {"r/a.txt": b"a" * 70_000, "r/b.txt": b"b"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_chunk_reader_reads_across_chunks() -> None:
    reader = ChunkReader([b"ab", b"", b"cde", b"f"])
    assert [reader.read(3), reader.read(1), reader.read(-1), reader.read(2)] == [
        b"abc",
        b"d",
        b"ef",
        b"",
    ]


def test_picker_never_enters_the_artifacts_dir() -> None:
    pick = Picker(["*"], skip="out/kept")
    assert [pick.enter(p) for p in ("out", "out/kept", "out/kept/r1", "out/keptx")] == [
        True,
        False,
        False,
        True,
    ]
