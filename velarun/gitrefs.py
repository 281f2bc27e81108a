"""What ``git`` would answer about a repository, read from its files: the work tree's top, HEAD,
refs (loose and ``packed-refs``), commits and tags (loose objects and whole objects in packs),
the ``origin`` URL.

Each ``git`` process costs a few milliseconds, and rule data asked git a dozen questions. Every
answer here is the one git gives, or :class:`Uncertain` is raised and the caller asks git: git
variables that change what it reads (``GIT_DIR``, ``GIT_CONFIG_*``...), a repository owned by
another user (``safe.directory``), a filesystem boundary on the way up, ``core.worktree``,
``core.bare``, any ``extensions`` (reftable, sha256), ``include``s, ``insteadOf`` anywhere,
replace refs and grafts, a deltified object, a commit in another encoding, a value with quotes
or escapes in the config. Nothing is written.
"""

from __future__ import annotations

import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

_SAFE_PREFIXES = ("GIT_SSL_", "GIT_SSH", "GIT_HTTP_", "GIT_PROXY_", "GIT_AUTHOR_", "GIT_COMMITTER_")
_SAFE_NAMES = frozenset(
    {"GIT_ASKPASS", "GIT_TERMINAL_PROMPT", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "GIT_PAGER"}
)
_SHA = re.compile(r"[0-9a-f]{40}")
_SECTION = re.compile(r'\s*\[\s*([A-Za-z0-9-]+)(?:\s+"([^"\\]*)")?\s*\]\s*(?:[#;].*)?')
_ENTRY = re.compile(r"\s*([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*?))?\s*")


class Uncertain(Exception):
    """The files alone cannot say for sure what git would answer: ask git."""


@dataclass(frozen=True, slots=True)
class Repository:
    root: Path
    """The top of the work tree (``git rev-parse --show-toplevel``)."""
    gitdir: Path
    """This work tree's git directory (HEAD, per-worktree refs)."""
    common: Path
    """The directory shared by every work tree (refs, objects, config)."""


def find_git() -> str | None:
    """``shutil.which("git")``, without importing shutil (and the compressors it loads)."""
    path = os.environ.get("PATH")
    if path is None:
        try:
            path = os.confstr("CS_PATH") or os.defpath
        except (AttributeError, ValueError):
            path = os.defpath
    seen = set()
    for directory in path.split(os.pathsep):
        if directory in seen:
            continue
        seen.add(directory)
        name = os.path.join(directory, "git")
        if os.path.exists(name) and os.access(name, os.F_OK | os.X_OK) and not os.path.isdir(name):
            return name
    return None


def _check_environment() -> None:
    for name in os.environ:
        if name.startswith("GIT_") and not (name in _SAFE_NAMES or name.startswith(_SAFE_PREFIXES)):
            raise Uncertain(f"{name} is set")


def _owned(path: Path) -> None:
    if path.stat().st_uid != os.geteuid():
        raise Uncertain(f"{path} belongs to another user")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Uncertain(str(exc)) from None


def _gitdir_of(dot_git: Path) -> Path:
    if dot_git.is_dir():
        return dot_git
    text = _read(dot_git)
    if not text.startswith("gitdir: "):
        raise Uncertain(f"{dot_git} is not a gitdir link")
    target = Path(text[len("gitdir: ") :].strip())
    return target if target.is_absolute() else dot_git.parent / target


def find_repository(cwd: Path) -> Repository:
    """The repository that holds ``cwd``, found as git finds it; Uncertain when not sure
    (including when there seems to be none: git says so in its own words)."""
    _check_environment()
    here = cwd.resolve()
    device = here.stat().st_dev
    for top in (here, *here.parents):
        if top.stat().st_dev != device:
            raise Uncertain("a filesystem boundary before any repository")
        dot_git = top / ".git"
        if dot_git.exists():
            break
    else:
        raise Uncertain("no .git above the directory")
    gitdir = _gitdir_of(dot_git).resolve()
    if not (gitdir / "HEAD").is_file():
        raise Uncertain(f"{gitdir} has no HEAD")
    common = gitdir
    if (gitdir / "commondir").is_file():
        link = Path(_read(gitdir / "commondir").strip())
        common = (link if link.is_absolute() else gitdir / link).resolve()
    for path in (top, gitdir, common):
        _owned(path)
    repo = Repository(top, gitdir, common)
    Config(repo)  # refuses what it cannot vouch for (worktree, bare, extensions, includes)
    if (common / "info" / "grafts").exists() or any((common / "refs" / "replace").glob("*")):
        raise Uncertain("replace refs or grafts change what HEAD's commit reads as")
    return repo


class Config:
    """The repository's own config, as far as velarun reads it."""

    def __init__(self, repo: Repository) -> None:
        self.values: dict[tuple[str, str, str], list[str]] = {}
        config = repo.common / "config"
        self._parse(_read(config) if config.exists() else "")
        for (section, _, key), _values in self.values.items():
            if section in ("include", "includeif", "extensions"):
                raise Uncertain(f"the config has [{section}]")
            if (section, key) == ("core", "worktree"):
                raise Uncertain(f"the config sets {section}.{key}")
        if self.get("core", "", "bare") not in (None, "false"):
            raise Uncertain("core.bare is set")
        if any((repo.common / "remotes").glob("*")) or any((repo.common / "branches").glob("*")):
            raise Uncertain("remotes defined outside the config")

    def _parse(self, text: str) -> None:
        section = subsection = None
        for line in text.splitlines():
            stripped = line.strip()
            if not stripped or stripped[0] in "#;":
                continue
            if stripped.startswith("["):
                header = _SECTION.fullmatch(line)
                if header is None:
                    raise Uncertain(f"config line {line!r}")
                section, subsection = header.group(1).lower(), header.group(2) or ""
                continue
            entry = _ENTRY.fullmatch(line)
            if entry is None or section is None or line.rstrip().endswith("\\"):
                raise Uncertain(f"config line {line!r}")
            value = entry.group(2)
            key = (section, subsection or "", entry.group(1).lower())
            quoted = value is not None and any(c in value for c in '"\\#;')
            if quoted and key[0] in ("remote", "core", "extensions"):
                raise Uncertain(f"config value {value!r}")
            self.values.setdefault(key, []).append("true" if value is None else value)

    def get(self, section: str, subsection: str, key: str) -> str | None:
        found = self.values.get((section, subsection, key))
        return found[-1] if found else None

    def first(self, section: str, subsection: str, key: str) -> str | None:
        found = self.values.get((section, subsection, key))
        return found[0] if found else None

    def has_section(self, section: str, subsection: str) -> bool:
        return any(s == section and sub == subsection for s, sub, _ in self.values)


def _other_configs() -> list[Path]:
    home = Path(os.environ.get("HOME", "~")).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    found = [home / ".gitconfig", Path(xdg) / "git" / "config", Path("/etc/gitconfig")]
    git = find_git()
    if git is not None:
        found.append(Path(git).resolve().parent.parent / "etc" / "gitconfig")
    return found


def origin_url(repo: Repository) -> str | None:
    """``git remote get-url origin``; None when there is no remote ``origin``."""
    for path in _other_configs():
        if path.is_file():
            text = _read(path).lower()
            if "insteadof" in text or "include" in text or "[remote" in text:
                raise Uncertain(f"{path} may change remote URLs")
    config = Config(repo)
    if any(section == "url" for section, _, _ in config.values):
        raise Uncertain("the config rewrites URLs")
    url = config.first("remote", "origin", "url")
    if url is None and config.has_section("remote", "origin"):
        raise Uncertain("remote origin has no url")
    return url


class Refs:
    """Every ref of the repository: loose files over ``packed-refs``."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.values: dict[str, str] = {}
        """Ref name → its value: a sha, or ``ref: <target>`` for a symbolic ref."""
        self.peeled: dict[str, str] = {}
        """From ``packed-refs``: an annotated tag's fully peeled object."""
        self.peeled_complete = False
        """Whether ``packed-refs`` peels every tag it holds (a tag it does not peel is not
        annotated)."""
        self.loose: set[str] = set()
        self._packed(repo.common / "packed-refs")
        for base in dict.fromkeys((repo.common, repo.gitdir)):
            self._loose(base, base / "refs")

    def _packed(self, path: Path) -> None:
        if not path.exists():
            return
        last = ""
        for line in _read(path).splitlines():
            if line.startswith("#"):
                traits = line.split(":", 1)[-1].split()
                self.peeled_complete = "peeled" in traits or "fully-peeled" in traits
            elif line.startswith("^") and last:
                self.peeled[last] = line[1:].strip()
            else:
                sha, _, name = line.partition(" ")
                if not _SHA.fullmatch(sha) or not name:
                    raise Uncertain(f"packed-refs line {line!r}")
                self.values[name] = sha
                last = name

    def _loose(self, base: Path, directory: Path) -> None:
        if not directory.is_dir():
            return
        for here, _dirs, files in os.walk(directory):
            for name in files:
                path = Path(here, name)
                value = _read(path).strip()
                if not (_SHA.fullmatch(value) or value.startswith("ref: ")):
                    raise Uncertain(f"ref file {path}")
                name = path.relative_to(base).as_posix()
                self.values[name] = value
                self.peeled.pop(name, None)
                self.loose.add(name)

    def symbolic(self, name: str) -> str | None:
        """The target of a symbolic ref (``git symbolic-ref``); None if not symbolic."""
        if name == "HEAD":
            value = _read(self.repo.gitdir / "HEAD").strip()
        else:
            value = self.values.get(name, "")
        return value[len("ref: ") :] if value.startswith("ref: ") else None

    def resolve(self, name: str) -> str | None:
        """The sha a ref names, following symbolic refs; None if it does not exist."""
        for _ in range(6):
            if name == "HEAD":
                value = _read(self.repo.gitdir / "HEAD").strip()
            else:
                value = self.values.get(name, "")
            if not value.startswith("ref: "):
                return value if _SHA.fullmatch(value) else None
            name = value[len("ref: ") :]
        raise Uncertain("symbolic refs nest too deep")

    def dwim(self, short: str) -> str | None:
        """The ref a short name means, in git's order (``origin/main``, ``main``)."""
        for rule in ("refs/{}", "refs/tags/{}", "refs/heads/{}", "refs/remotes/{}",
                     "refs/remotes/{}/HEAD"):  # fmt: skip
            name = rule.format(short)
            if self.resolve(name) is not None:
                return name
        return None

    def abbrev_head(self) -> str | None:
        """``git rev-parse --abbrev-ref HEAD`` when HEAD names a commit: the branch, None when
        detached; Uncertain when git would not shorten it to the bare branch name."""
        target = self.symbolic("HEAD")
        if target is None:
            return None
        if not target.startswith("refs/heads/"):
            raise Uncertain(f"HEAD points to {target}")
        short = target.removeprefix("refs/heads/")
        if self.dwim(short) != target:
            raise Uncertain(f"`{short}` is ambiguous")
        return short

    def tags(self) -> dict[str, str]:
        return {n.removeprefix("refs/tags/"): v for n, v in self.values.items()
                if n.startswith("refs/tags/")}  # fmt: skip


def read_object(repo: Repository, sha: str) -> tuple[str, bytes]:
    """An object's type and body: loose, or whole (not a delta) in a pack; Uncertain else."""
    loose = repo.common / "objects" / sha[:2] / sha[2:]
    if loose.is_file():
        raw = zlib.decompress(loose.read_bytes())
        header, _, body = raw.partition(b"\0")
        kind, _, _size = header.decode().partition(" ")
        return kind, body
    from velarun.gitpacks import read_packed

    found = read_packed(repo.common / "objects" / "pack", sha)
    if found is None:
        raise Uncertain(f"object {sha} is not loose nor whole in a pack")
    return found


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    author: str
    email: str
    message: str


def read_commit(repo: Repository, sha: str) -> Commit:
    """What ``git log -1 --format=%H%x00%an%x00%ae%x00%B`` says of a commit."""
    kind, body = read_object(repo, sha)
    if kind != "commit":
        raise Uncertain(f"{sha} is a {kind}")
    head, sep, message = body.partition(b"\n\n")
    author = None
    for line in head.split(b"\n"):
        if line.startswith(b"encoding ") and line[9:].strip().lower() not in (b"utf-8", b"utf8"):
            raise Uncertain("the commit is in another encoding")
        if line.startswith(b"author "):
            author = line[7:]
    if author is None or author.count(b"<") != 1 or author.count(b">") != 1:
        raise Uncertain("an author line git may read differently")
    name, _, rest = author.partition(b"<")
    email = rest.partition(b">")[0]
    try:
        return Commit(sha, name.decode().rstrip(), email.decode(), message.decode() if sep else "")
    except UnicodeDecodeError:
        raise Uncertain("the commit is not UTF-8") from None


def tags_at(repo: Repository, refs: Refs, sha: str) -> list[str]:
    """``git tag --points-at <sha>``: tags naming it, directly or through one tag object."""
    found = []
    for name, value in refs.tags().items():
        if value.startswith("ref: "):
            raise Uncertain(f"tag {name} is a symbolic ref")
        if value == sha:
            found.append(name)
            continue
        peeled = refs.peeled.get(f"refs/tags/{name}")
        if peeled is not None and peeled != sha:
            continue  # fully peeled elsewhere: no tag level of it is the commit
        if peeled is None and refs.peeled_complete and f"refs/tags/{name}" not in refs.loose:
            continue  # packed and not annotated
        kind, body = read_object(repo, value)
        if kind != "tag":
            continue
        fields = dict(line.split(b" ", 1) for line in body.split(b"\n\n")[0].split(b"\n"))
        if fields.get(b"object", b"").decode() == sha:
            if fields.get(b"type") != b"commit":
                raise Uncertain(f"tag {name} is a tag of a tag")
            found.append(name)
        elif fields.get(b"type") == b"tag":
            raise Uncertain(f"tag {name} is a tag of a tag")
    return found
