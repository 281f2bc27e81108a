"""A tool, not a test: random calls of the sprig functions velarun offers, rendered by Go with
real sprig (see README.md) and by velarun; prints every difference.

    PATH=$PWD/.venv/bin:$PATH .venv/bin/python -m tests.unit.template.fuzz_sprig SEED COUNT
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

from tests.unit.template.sprig_corpus import D
from tests.unit.template.test_sprig import outcome
from velarun.template.sprig import txt_func_map

HERE = Path(__file__).parent
SKIP = {"randAlphaNum", "randAlpha", "randNumeric", "randAscii", "randInt", "uuidv4", "shuffle",
        "randBytes", "fail", "until", "untilStep", "seq", "repeat", "keys", "values"}  # fmt: skip
ATOMS = ['"abc"', '"Hello World"', '""', '" a b "', '"1.5"', '"42"', '"-3"', '"x,y,z"', '"a-b_c"',
         '"HTTPServer"', '"héllo"', "0", "1", "-1", "3", "7", "2.5", "-0.5", "true", "false",
         "nil", ".s", ".e", ".n", ".i", ".f", ".t", ".nil", ".l", ".ls", ".el", ".m", ".em",
         ".num", ".fl", ".hex", ".ws", ".u", ".missing", "(list 1 2)", '(list "b" "a")',
         '(dict "k" 1)', "(add 1 2)", '(splitList "," "a,b")', '"/a/b.c"', '"1.2.3"', '"^1.2"',
         '"[a-c]+"', '"(a)(b)?"', '","', '"  "', '"\\n"', '"a\\tb"', '"ÀÉ"', '"ǅx"',
         "9223372036854775807", "-9223372036854775808", "1e3", "0x10", "'a'", '"0777"',
         '"1_000"', '" 12 "', '"1e2"', '"+5"', '".5"', '"5."', '"inf"', '"NaN"', '"0x1F"',
         '"1.0"', '"100.00"', '"-0"', "1.0", "100", "(list 1 (list 2) (dict))", '"a.b.c"',
         '"FooBar baz_qux"', '"  x  y  "', "(list .nil .nil)", '"😀x"']  # fmt: skip


def call(rng: random.Random, names: list[str], depth: int) -> str:
    name = rng.choice(names)
    args = [
        f"({call(rng, names, depth + 1)})"
        if depth < 2 and rng.random() < 0.2
        else rng.choice(ATOMS)
        for _ in range(rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4]))
    ]
    return " ".join([name, *args])


def template(rng: random.Random, names: list[str]) -> str:
    return "{{ " + call(rng, names, 0) + " }}"


def main() -> None:
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    names = sorted(set(txt_func_map()) - SKIP)
    cases = [{"id": str(i), "name": "t", "template": template(rng, names), "data": D}
             for i in range(count)]  # fmt: skip
    go = shutil.which("go") or str(Path(sys.executable).parent / "go")
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "",
           "GO111MODULE": "off", "GOPATH": "/usr/share/gocode"}  # fmt: skip
    binary = HERE / "oracle_sprig" / "oracle_sprig"
    subprocess.run([go, "build", "-o", str(binary), "main.go"], cwd=HERE / "oracle_sprig",
                   env=env, check=True)  # fmt: skip
    try:
        result = subprocess.run([binary], input=json.dumps(cases), capture_output=True,
                                text=True, check=True)  # fmt: skip
    finally:
        binary.unlink()
    bad = 0
    for case in json.loads(result.stdout):
        expected = ("error", case["error"]) if "error" in case else ("output", case["output"])
        got = outcome(case)
        if got != expected:
            bad += 1
            print(case["template"], "\n   go:", expected, "\n   py:", got)
    print(f"{bad} differences in {count} cases")


if __name__ == "__main__":
    main()
