"""The cache of loose-object packs (:class:`velarun.gitpack.PackCache`) in real temporary
repositories: a second run reuses the pack, new objects travel in a small second pack, a pack
mostly made of objects that are gone is rebuilt, a damaged or unwritable cache is a miss; what
it gives is always read back by git itself."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.conftest import git
from velarun.gitpack import BATCH, Pack, PackCache, build_pack, loose_objects


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for i in range(6):
        (root / f"f{i}.txt").write_text(f"file {i}\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    return root


def objects(repo: Path) -> str:
    return str(repo / ".git" / "objects")


def add_blobs(repo: Path, n: int, tag: str) -> list[str]:
    paths = []
    for i in range(n):
        path = repo / f"{tag}{i}.txt"
        path.write_text(f"{tag} {i}\n")
        paths.append(str(path))
    return git(repo, "hash-object", "-w", *paths).split()


def readable(packs: list[Pack], repo: Path, tmp_path: Path) -> set[str]:
    """What git reads from ``packs`` in an empty bare repository: every object's sha, after
    checking each pack and that each object's content is the source repository's."""
    other = Path(tempfile.mkdtemp(dir=tmp_path, suffix=".git"))
    git(tmp_path, "init", "-q", "--bare", str(other))
    for pack in packs:
        (other / "objects" / "pack" / f"{pack.name}.pack").write_bytes(pack.pack)
        (other / "objects" / "pack" / f"{pack.name}.idx").write_bytes(pack.idx)
        verify = git(other, "verify-pack", f"objects/pack/{pack.name}.idx")
        assert verify == ""
    listed = git(other, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    shas = set(listed.split())
    for sha in shas:
        assert git(other, "cat-file", "-p", sha) == git(repo, "cat-file", "-p", sha)
    return shas


def cached_files(cache: Path) -> list[str]:
    return sorted(p.suffix for p in cache.glob("*/*"))


def test_a_second_run_reuses_the_pack(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = PackCache(cache).packs(objects(repo))
    assert cached_files(cache) == [".idx", ".pack", ".shas"]
    second = PackCache(cache).packs(objects(repo))
    assert [p.name for p in second] == [p.name for p in first] and len(first) == 1
    assert readable(second, repo, tmp_path) == {sha for sha, _ in loose_objects(objects(repo))}


def test_new_objects_travel_in_a_second_small_pack(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (base,) = PackCache(cache).packs(objects(repo))
    new = add_blobs(repo, 2, "new")
    packs = PackCache(cache).packs(objects(repo))
    assert packs[0].name == base.name and len(packs) == 2
    assert readable(packs[1:], repo, tmp_path) == set(new)
    assert readable(packs, repo, tmp_path) == {sha for sha, _ in loose_objects(objects(repo))}


def test_a_pack_of_mostly_new_objects_is_rebuilt(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (base,) = PackCache(cache).packs(objects(repo))
    add_blobs(repo, 20, "more")  # 20 new beside 9: most loose objects are not in the pack
    (rebuilt,) = PackCache(cache).packs(objects(repo))
    assert rebuilt.name != base.name
    assert cached_files(cache) == [".idx", ".pack", ".shas"]  # the old pack is gone


def test_a_pack_of_objects_that_are_gone_is_rebuilt(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    add_blobs(repo, 10, "gone")
    (base,) = PackCache(cache).packs(objects(repo))
    git(repo, "gc", "-q", "--prune=now")  # every object packed or pruned: none loose
    assert PackCache(cache).packs(objects(repo)) == []
    add_blobs(repo, 1, "after")
    (rebuilt,) = PackCache(cache).packs(objects(repo))
    assert rebuilt.name != base.name and len(readable([rebuilt], repo, tmp_path)) == 1


def test_a_damaged_pack_in_the_cache_is_a_miss(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (base,) = PackCache(cache).packs(objects(repo))
    (stored,) = cache.glob("*/*.pack")
    stored.write_bytes(base.pack[:-21] + b"\0" + base.pack[-20:])
    (again,) = PackCache(cache).packs(objects(repo))
    assert again == base and stored.read_bytes() == base.pack  # rebuilt and stored again


def test_an_unwritable_cache_is_a_miss(repo: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory\n")
    packs = PackCache(blocked / "cache").packs(objects(repo))
    assert readable(packs, repo, tmp_path) == {sha for sha, _ in loose_objects(objects(repo))}


def test_many_objects_are_packed_on_a_pool_in_order(repo: Path, tmp_path: Path) -> None:
    add_blobs(repo, BATCH * 3, "pool")
    found = loose_objects(objects(repo))
    contents = [(sha, Path(path).read_bytes()) for sha, path in found]
    pack = build_pack(contents)
    assert readable([pack], repo, tmp_path) == {sha for sha, _ in found}
