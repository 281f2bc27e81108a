"""A tool, not a test: random calls of the sprig functions velarun offers, rendered by Go with
real sprig (see README.md) and by velarun; prints every difference.

    PATH=$PWD/.venv/bin:$PATH .venv/bin/python -m tests.unit.template.fuzz_sprig SEED COUNT [MODE]

Modes: ``calls`` (nested calls of every function over the corpus data), ``strings`` (the
string functions over Unicode-rich strings), ``numbers`` (conversions and arithmetic over
numeric-looking strings), ``regex`` (the regex functions over RE2 patterns), ``encoding``
(``b64dec``/``b32dec`` over near-valid input).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

from tests.unit.template.regenerate_sprig import AS_VELA_BUILDS, ORACLE_TZ
from tests.unit.template.sprig_corpus import D
from tests.unit.template.test_sprig import outcome
from velarun.template.sprig import txt_func_map

HERE = Path(__file__).parent
SKIP = {"randAlphaNum", "randAlpha", "randNumeric", "randAscii", "randInt", "uuidv4", "shuffle",
        "randBytes", "fail", "until", "untilStep", "seq", "repeat", "keys", "values",
        # the clock, randomness, the network, and what takes seconds
        "now", "ago", "date", "htmlDate", "dateInZone", "date_in_zone", "htmlDateInZone",
        "durationRound", "encryptAES", "bcrypt", "htpasswd", "genPrivateKey", "genCA",
        "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey", "genSignedCert",
        "genSignedCertWithKey", "getHostByName", "derivePassword"}  # fmt: skip
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


STR_CHARS = [*"aZ09 _-.,!'\t\nßǅǆĳŉΣσςİıKſ😀中文éÉ\u00a0\u2003\u0085()[]$", "ABC", "abc", "HTTP",
             "Id", "x2", "42"]  # fmt: skip
STR_FNS = ["trim", "upper", "lower", "title", "untitle", "swapcase", "nospace", "initials",
           "camelcase", "snakecase", "kebabcase", "quote", "squote", "toString", "b64enc",
           "sha256sum", "adler32sum", "trunc 3", "trunc -3", "abbrev 5", "substr 1 4", "wrap 4",
           "indent 2", 'splitList " "', 'trimAll "a_"', 'replace "a" "b"', 'contains "a"',
           "regexQuoteMeta", "base", "dir", "ext", "clean", "sortAlpha", "toJson", "toRawJson",
           "repeat 2", "abbrevboth 1 6", 'wrapWith 3 "|"']  # fmt: skip
NUM_CHARS = [*"0123456789+-._eExXoObB ", "0x", "1e", "inf", "NaN", "_", "9223372036854775807",
             "18446744073709551616"]  # fmt: skip
NUM_FNS = ["int", "int64", "float64", "atoi", "toDecimal", "add1", "floor", "ceil", "round 1",
           "add 1", "mul 2", "div 7", "mod 7", "max 3", "min 3", "maxf 1", "minf 1", "addf 0.1",
           "mulf 3", "divf 10", "subf 1", "duration", "durationRound", "toJson", "typeOf", "seq",
           "b32enc"]  # fmt: skip
PATTERNS = [r"\d+", r"\w+", r"\s+", r"\bfoo\b", r"^v[0-9]+(\.[0-9]+)*$", r"[a-z]+", r"(?i)héllo",
            r"^", r"$", r"(?m)^\w", r"(?m)$", r"a|ab", r"(a|ab)(c|bcd)(d*)", r"\S+", r"[^a-z]",
            r"\W", r"x*", r"(?P<first>\w+) (?P<last>\w+)", r"\.", r"[[:alpha:]]+", r"\pL+", r"\A\w",
            r"\z", r"(?s).+", r".+", r"[\d\s]+", r"\D", r"é+", r"a{2,3}", r"(ab)+?", r"\Qa.b\E",
            r"[\w-]+", r"\B"]  # fmt: skip
SUBJECTS = ["foo bar", "v1.2.3", "héllo wörld", "HÉLLO", "a\nb\nc", "aab abcd", "x١٢٣y",
            "tab\there\v!", "John Smith", "a.b.c", "", "  ", "ab\n", "ǅx", "foo_bar-baz 42"]  # fmt: skip
REGEX_TAIL = {"regexFindAll": " -1", "regexSplit": " 2", "regexReplaceAll": ' "<$1|${last}>"',
              "regexReplaceAllLiteral": ' "<$1>"', "regexMatch": "", "regexFind": ""}  # fmt: skip


def _word(rng: random.Random, chars: list[str]) -> str:
    return "".join(rng.choice(chars) for _ in range(rng.randint(0, 10)))


def _action(*parts: str) -> str:
    return "{{ " + " ".join(parts) + " }}"


def generate(rng: random.Random, mode: str, names: list[str]) -> str:
    """One template of the mode."""
    if mode == "strings":
        return _action(rng.choice(STR_FNS), json.dumps(_word(rng, STR_CHARS)))
    if mode == "numbers":
        word = _word(rng, NUM_CHARS)
        arg = rng.choice([json.dumps(word), word if word.strip() else "0"])
        return _action(rng.choice(NUM_FNS), arg)
    if mode == "regex":
        fn = rng.choice(sorted(REGEX_TAIL))
        pattern, subject = json.dumps(rng.choice(PATTERNS)), json.dumps(rng.choice(SUBJECTS))
        return _action(fn, pattern, subject + REGEX_TAIL[fn])
    if mode == "encoding":
        fn, alphabet = rng.choice([("b32dec", "MZXW6YTBOI27=\n"), ("b64dec", "SGVsbG8+/=\nA")])
        return _action(fn, json.dumps(_word(rng, list(alphabet))))
    return template(rng, names)


def main() -> None:
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else "calls"
    rng = random.Random(seed)
    names = sorted(set(txt_func_map()) - SKIP)
    cases = [{"id": str(i), "name": "t", "template": generate(rng, mode, names), "data": D}
             for i in range(count)]  # fmt: skip
    go = shutil.which("go") or str(Path(sys.executable).parent / "go")
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "",
           "GO111MODULE": "off", "GOPATH": "/usr/share/gocode", **AS_VELA_BUILDS,
           "TZ": ORACLE_TZ}  # fmt: skip
    os.environ["TZ"] = ORACLE_TZ
    binary = HERE / "oracle_sprig" / "oracle_sprig"
    subprocess.run([go, "build", "-o", str(binary), "main.go"], cwd=HERE / "oracle_sprig",
                   env=env, check=True)  # fmt: skip
    try:
        result = subprocess.run([binary], input=json.dumps(cases), capture_output=True,
                                text=True, check=True, env=env)  # fmt: skip
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
