"""Rule data read from a repository's files (velarun/gitrefs.py) is what git itself answers:
each scenario is a real repository made with git, read once through the files (git asked only
where they cannot say) and once through git alone; the facts must be equal, and the questions
the files answer must not have gone to git."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git
from velarun import gitinfo, gitrefs
from velarun.gitinfo import GitFacts, read_git


def commit(repo: Path, message: str = "work", name: str = "f.txt") -> None:
    (repo / name).write_text(message + str(len(list(repo.iterdir()))))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def empty(repo: Path) -> Path:
    git(repo, "init", "-q", "-b", "main")
    return repo


def one_commit(repo: Path) -> Path:
    empty(repo)
    git(repo, "remote", "add", "origin", "https://github.com/octo/app.git")
    commit(repo, "first\n\nwith a body\nof two lines\n")
    return repo


def detached(repo: Path) -> Path:
    one_commit(repo)
    commit(repo, "second")
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    return repo


def packed(repo: Path) -> Path:
    one_commit(repo)
    git(repo, "tag", "v1")
    git(repo, "tag", "-a", "v2", "-m", "annotated")
    commit(repo, "second")
    git(repo, "tag", "-a", "v0", "-m", "elsewhere", "HEAD~1")
    git(repo, "tag", "-a", "v3", "-m", "here")
    git(repo, "gc", "-q")
    return repo


def tags(repo: Path) -> Path:
    one_commit(repo)
    git(repo, "tag", "light")
    git(repo, "tag", "-a", "heavy", "-m", "annotated")
    commit(repo, "second")
    git(repo, "tag", "-a", "old", "-m", "not here", "HEAD~1")
    git(repo, "tag", "-a", "z-new", "-m", "here")
    return repo


def tag_of_tag(repo: Path) -> Path:
    one_commit(repo)
    git(repo, "tag", "-a", "inner", "-m", "inner")
    git(repo, "tag", "-a", "outer", "-m", "outer", "inner")
    return repo


def ambiguous(repo: Path) -> Path:
    one_commit(repo)
    git(repo, "tag", "main")
    return repo


def feature(repo: Path) -> Path:
    one_commit(repo)
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    git(repo, "checkout", "-q", "-b", "feature/x")
    commit(repo, "feature work", "g.txt")
    (repo / "f.txt").write_text("changed, uncommitted")
    (repo / "new.txt").write_text("untracked")
    return repo


def on_default(repo: Path) -> Path:
    one_commit(repo)
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    (repo / "new.txt").write_text("untracked")
    return repo


def worktree(repo: Path) -> Path:
    main = repo / "main"
    main.mkdir()
    one_commit(main)
    git(main, "worktree", "add", "-q", "-b", "side", str(repo / "side"))
    commit(repo / "side", "on the side")
    return repo / "side"


def unicode_author(repo: Path) -> Path:
    empty(repo)
    git(repo, "config", "user.name", "Zoë Ñandú")
    (repo / "f.txt").write_text("x")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=Zoë Ñandú", "commit", "-q", "-m", "Grüße\n\n— and more")
    return repo


def insteadof(repo: Path) -> Path:
    one_commit(repo)
    git(repo, "config", "url.git@github.com:.insteadOf", "https://github.com/")
    return repo


def subdirectory(repo: Path) -> Path:
    one_commit(repo)
    (repo / "a" / "b").mkdir(parents=True)
    return repo / "a" / "b"


def symlinked(repo: Path) -> Path:
    one_commit(repo / "real") if (repo / "real").mkdir() is None else None
    (repo / "link").symlink_to(repo / "real")
    return repo / "link"


def not_a_repo(repo: Path) -> Path:
    return repo


SCENARIOS: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    # scenario: (how the repository is made, git commands the files must have answered)
    "no commits": (empty, ()),
    "one commit": (one_commit, ("log", "tag", "remote", "symbolic-ref")),
    "detached HEAD": (detached, ("log", "tag", "remote")),
    "packed refs and objects": (packed, ("log", "tag", "remote")),
    "tags": (tags, ("log", "tag", "remote")),
    "tag of a tag": (tag_of_tag, ("log", "remote")),
    "branch named like a tag": (ambiguous, ("log", "tag", "remote")),
    "feature branch": (feature, ("log", "tag", "remote", "symbolic-ref")),
    "on the default branch": (on_default, ("log", "tag", "remote", "merge-base")),
    "worktree": (worktree, ("log", "tag", "remote", "rev-parse")),
    "unicode": (unicode_author, ("log", "tag")),
    "insteadOf": (insteadof, ("log", "tag")),
    "subdirectory": (subdirectory, ("log", "tag", "remote", "rev-parse")),
    "symlinked path": (symlinked, ("log", "tag", "remote", "rev-parse")),
    "not a repository": (not_a_repo, ()),
}


def read_both(
    cwd: Path, monkeypatch: pytest.MonkeyPatch, **kwargs: object
) -> tuple[GitFacts, GitFacts, list[str]]:
    asked: list[str] = []
    real = gitinfo._git

    def recording(where: Path, *args: str) -> str:
        asked.append(args[0])
        return real(where, *args)

    with monkeypatch.context() as m:
        m.setattr(gitinfo, "_git", recording)
        direct = read_git(cwd, **kwargs)  # type: ignore[arg-type]
    with monkeypatch.context() as m:

        def refuse(_: Path) -> gitrefs.Repository:
            raise gitrefs.Uncertain("git alone")

        m.setattr(gitinfo, "find_repository", refuse)
        through_git = read_git(cwd, **kwargs)  # type: ignore[arg-type]
    return direct, through_git, asked


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_files_say_what_git_says(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, answered = SCENARIOS[name]
    cwd = make(tmp_path)
    direct, through_git, asked = read_both(cwd, monkeypatch)
    assert direct == through_git
    assert [a for a in asked if a in answered] == []


def test_the_facts_of_a_feature_branch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = feature(tmp_path)
    head = git(cwd, "rev-parse", "HEAD").strip()
    direct, _, asked = read_both(cwd, monkeypatch)
    assert direct == GitFacts(
        branch="feature/x",
        commit=head,
        author="Ada Lovelace",
        author_email="ada@example.com",
        message="feature work",
        repo="octo/app",
        changed=("g.txt", "f.txt", "new.txt"),
        changed_base="merge-base with origin/main + uncommitted + untracked",
    )
    assert asked == ["merge-base"]


def test_changed_since_a_ref(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = feature(tmp_path)
    direct, through_git, _ = read_both(cwd, monkeypatch, changed_since="main")
    assert direct == through_git
    assert direct.changed_base == "main + uncommitted + untracked"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GIT_DIR", "{repo}/.git"),
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
        ("GIT_CEILING_DIRECTORIES", "/"),
    ],
)
def test_git_variables_leave_it_to_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    cwd = one_commit(tmp_path)
    monkeypatch.setenv(variable, value.format(repo=cwd))
    with pytest.raises(gitrefs.Uncertain) as caught:
        gitrefs.find_repository(cwd)
    assert str(caught.value) == f"{variable} is set"


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ("[core]\n\tbare = true\n", "core.bare is set"),
        ("[core]\n\tworktree = /elsewhere\n", "the config sets core.worktree"),
        ("[extensions]\n\trefStorage = reftable\n", "the config has [extensions]"),
        ("[include]\n\tpath = other\n", "the config has [include]"),
        ('[remote "origin"]\n\turl = "quoted"\n', "config value '\"quoted\"'"),
        ("[core] bare = false\n", "config line '[core] bare = false'"),
    ],
)
def test_configs_it_cannot_vouch_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, reason: str
) -> None:
    cwd = one_commit(tmp_path)
    (cwd / ".git" / "config").write_text(config)
    with pytest.raises(gitrefs.Uncertain) as caught:
        gitrefs.find_repository(cwd)
    assert str(caught.value) == reason


def test_a_deltified_or_missing_object_is_uncertain(tmp_path: Path) -> None:
    cwd = one_commit(tmp_path)
    repo = gitrefs.find_repository(cwd)
    with pytest.raises(gitrefs.Uncertain) as caught:
        gitrefs.read_object(repo, "0" * 40)
    assert str(caught.value) == f"object {'0' * 40} is not loose nor whole in a pack"


def test_every_commit_of_a_packed_history(tmp_path: Path) -> None:
    cwd = one_commit(tmp_path)
    for i in range(30):
        commit(cwd, f"commit {i}\n\nbody {i}", f"f{i % 3}.txt")
    git(cwd, "gc", "-q", "--aggressive")
    repo = gitrefs.find_repository(cwd)
    read = 0
    for sha in git(cwd, "rev-list", "HEAD").split():
        fields = git(cwd, "log", "-1", "--format=%H%x00%an%x00%ae%x00%B", sha).split("\x00")
        try:
            c = gitrefs.read_commit(repo, sha)
        except gitrefs.Uncertain:
            continue
        read += 1
        assert (c.sha, c.author, c.email, c.message.strip()) == (
            fields[0],
            fields[1],
            fields[2],
            fields[3].strip(),
        )
    assert read > 0


def test_owner_other_than_the_user_is_uncertain(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a directory away")
    cwd = one_commit(tmp_path)
    os.chown(cwd / ".git", 12345, 12345)
    with pytest.raises(gitrefs.Uncertain) as caught:
        gitrefs.find_repository(cwd)
    assert str(caught.value) == f"{cwd / '.git'} belongs to another user"


@pytest.mark.parametrize(
    "path",
    ["{bin}", "/nonexistent:{bin}", "/nonexistent", "{bin}:{bin}", "", "{tmp}"],
)
def test_find_git_is_shutil_which(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    import shutil

    real = shutil.which("git")
    assert real is not None
    (tmp_path / "git").mkdir()  # a directory named git is not the program
    monkeypatch.setenv("PATH", path.format(bin=Path(real).parent, tmp=tmp_path))
    assert gitrefs.find_git() == shutil.which("git")
