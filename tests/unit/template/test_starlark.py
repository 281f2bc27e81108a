"""Starlark templates and pipelines, as the Vela server renders them (``compiler/template/
starlark``): each case states, with templates of our own, a fact of the server's tests and
testdata, or of its code where the tests say nothing. The server runs go.starlark.net; so does
velarun, through starlark-go. Cases the server renders and velarun cannot are asserted as the
error velarun gives instead (``struct``), or as what velarun does (no step limit)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest
import yaml

from velarun.errors import ExitCode, VelarunError
from velarun.template.gotemplate.errors import TemplateError
from velarun.template.starlark import (
    NO_STRUCT,
    StarlarkError,
    platform_vars,
    render_starlark,
    render_starlark_build,
    template_vars,
    write_json,
)

STEP_ENV = {"VELA_REPO_FULL_NAME": "octocat/hello-world"}
BUILD_ENV = {
    "VELA_REPO_FULL_NAME": "octocat/hello-world",
    "VELA_BUILD_BRANCH": "main",
    "VELA_REPO_ORG": "octocat",
}


def step(source: str, variables: dict[str, Any] | None = None, **env: str) -> str:
    return render_starlark(
        textwrap.dedent(source),
        filename="template.star",
        name="sample",
        template_name="golang",
        environment=env or STEP_ENV,
        variables=variables or {},
    )


def build(source: str, variables: dict[str, Any] | None = None) -> str:
    return render_starlark_build(
        textwrap.dedent(source),
        filename=".vela.star",
        environment=BUILD_ENV,
        variables=variables or {},
    )


# The server's step testdata (Render with the step's name, its template's name and vars, and
# VELA_REPO_FULL_NAME in the step's environment); the caller prefixes the step names.
STEP_CASES = [
    (
        "basic: main returns the pipeline as a dict",
        """
        def main(ctx):
          return {
            'version': '1',
            'steps': [
              {'name': 'compile', 'image': 'python:3.12', 'commands': ['make', 'make check']},
            ],
          }
        """,
        {"image": "python:3.12", "pull_policy": "pull: true"},
        '---\n{"version": "1", "steps": [{"name": "compile", "image": "python:3.12", "commands": ["make", "make check"]}]}',
    ),
    (
        "with_method: main calls a function defined after it",
        """
        def main(ctx):
          return {'version': '1', 'steps': [lint('ruff'), lint('mypy')]}

        def lint(tool):
          return {'name': 'lint_%s' % tool, 'image': 'python:3.12', 'commands': ['%s .' % tool]}
        """,
        {},
        '---\n{"version": "1", "steps": [{"name": "lint_ruff", "image": "python:3.12", "commands": ["ruff ."]}, {"name": "lint_mypy", "image": "python:3.12", "commands": ["mypy ."]}]}',
    ),
    (
        "with_vars: a list of vars is a tuple, a map of vars a dict with its order",
        """
        def main(ctx):
          v = ctx["vars"]
          return {
            'version': '1',
            'steps': [
              {'name': 'test %s' % t, 'image': 'node:%s' % t, 'pull': v['pull_policy'],
               'commands': v['commands'].values()}
              for t in v['versions']
            ],
          }
        """,
        {
            "versions": ["20", "22"],
            "pull_policy": "always",
            "commands": {"install": "npm ci", "test": "npm test"},
        },
        '---\n{"version": "1", "steps": [{"name": "test 20", "image": "node:20", "pull": "always", "commands": ["npm ci", "npm test"]}, {"name": "test 22", "image": "node:22", "pull": "always", "commands": ["npm ci", "npm test"]}]}',
    ),
    (
        "with_vars_plat: VELA_REPO_FULL_NAME is ctx['vela']['repo']['full_name']",
        """
        def main(ctx):
          repo = ctx["vela"]["repo"]["full_name"]
          return {'version': '1', 'steps': [
            {'name': 'greet %s' % repo, 'image': 'alpine', 'commands': ['echo %s' % repo]}]}
        """,
        {},
        '---\n{"version": "1", "steps": [{"name": "greet octocat/hello-world", "image": "alpine", "commands": ["echo octocat/hello-world"]}]}',
    ),
    (
        "the file may be named .py, and ctx['vars'] types are kept",
        """
        def main(ctx):
          v = ctx["vars"]
          return {'version': '1', 'types': [type(v[k]) for k in v], 'vars': v}
        """,
        {"s": "x", "i": 3, "f": 0.5, "b": True, "n": None, "l": [1, "a"], "m": {"k": [2]}},
        '---\n{"version": "1", "types": ["string", "int", "float", "bool", "NoneType", "tuple", "dict"], "vars": {"s": "x", "i": 3, "f": 0.5, "b": true, "n": null, "l": [1, "a"], "m": {"k": [2]}}}',
    ),
]


@pytest.mark.parametrize(("source", "variables", "want"), [c[1:] for c in STEP_CASES],
                         ids=[c[0] for c in STEP_CASES])  # fmt: skip
def test_a_step_template_renders_as_the_server_writes_it(
    source: str, variables: dict[str, Any], want: str
) -> None:
    assert step(source, variables) == want


BUILD_CASES = [
    (
        "basic: steps made in a loop",
        """
        def main(ctx):
          steps = []
          for word in ["alpha", "beta", "gamma"]:
            steps.append(echo(word))
          return {'version': '1', 'steps': steps}

        def echo(word):
          return {"name": "say_%s" % word, "image": "busybox", "commands": ["echo %s" % word]}
        """,
        '---\n{"version": "1", "steps": [{"name": "say_alpha", "image": "busybox", "commands": ["echo alpha"]}, {"name": "say_beta", "image": "busybox", "commands": ["echo beta"]}, {"name": "say_gamma", "image": "busybox", "commands": ["echo gamma"]}]}',
    ),
    (
        "basic_stages: stages as a dict filled in a loop",
        """
        def main(ctx):
          stages = {}
          for name in ["unit", "e2e"]:
            stages[name] = {"steps": [{"name": "run_%s" % name, "image": "busybox",
                                       "commands": ["make %s" % name]}]}
          return {'version': '1', 'stages': stages}
        """,
        '---\n{"version": "1", "stages": {"unit": {"steps": [{"name": "run_unit", "image": "busybox", "commands": ["make unit"]}]}, "e2e": {"steps": [{"name": "run_e2e", "image": "busybox", "commands": ["make e2e"]}]}}}',
    ),
    (
        "conditional: VELA_BUILD_BRANCH is ctx['vela']['build']['branch']",
        """
        def main(ctx):
          steps = []
          for name in ["deploy", "docs"]:
            if name == "deploy" and ctx["vela"]["build"]["branch"] == "main":
              steps.append({"name": name, "image": "busybox", "commands": ["./%s" % name]})
          return {'version': '1', 'steps': steps}
        """,
        '---\n{"version": "1", "steps": [{"name": "deploy", "image": "busybox", "commands": ["./deploy"]}]}',
    ),
    (
        "a pipeline's template_name is empty: the server passes the template's name, none here",
        """
        def main(ctx):
          return {'version': '1', 'system': ctx["vela"]["system"], 'org': ctx["vela"]["repo"]["org"]}
        """,
        '---\n{"version": "1", "system": {"template_name": ""}, "org": "octocat"}',
    ),
]


@pytest.mark.parametrize(("source", "want"), [c[1:] for c in BUILD_CASES],
                         ids=[c[0] for c in BUILD_CASES])  # fmt: skip
def test_a_starlark_pipeline_renders_as_the_server_writes_it(source: str, want: str) -> None:
    assert build(source) == want


LARGE = """
VERSIONS = {'alpine': ['3.19', '3.20'], 'debian': ['bookworm', 'trixie']}
PYTHONS = ['3.10', '3.11', '3.12', '3.13']

def secret(name):
    return {'name': name, 'key': 'octocat/%s' % name, 'engine': 'native', 'type': 'org'}

def image_step(python, distro, version):
    tag = '%s-%s%s' % (python, distro, version)
    return {
        'name': 'image %s' % tag,
        'image': 'kaniko',
        'pull': 'not_present',
        'ruleset': {'event': ['push'], 'branch': 'main'},
        'parameters': {'tags': [tag, '%s-latest' % tag], 'build_args': ['PYTHON=%s' % python]},
        'secrets': [{'source': 'registry', 'target': 'docker_password'}],
    }

def main(ctx):
    stages = {'lint': {'steps': [{'name': 'hadolint', 'image': 'hadolint', 'commands': ['make lint']}]}}
    for python in PYTHONS:
        for distro in VERSIONS:
            steps = []
            for version in VERSIONS[distro]:
                for n in range(150):  # work enough for more than the server's 7500 steps
                    version = version
                steps.append(image_step(python, distro, version))
            stages['python %s %s' % (python, distro)] = {'needs': ['lint'], 'steps': steps}
    return {
        'version': '1',
        'metadata': {'environment': ['steps', 'services', 'secrets']},
        'secrets': [secret('registry'), secret('slack')],
        'stages': stages,
    }
"""


def test_a_large_pipeline_renders_without_the_servers_step_limit() -> None:
    """The server's ``large`` case: a long Starlark file of helpers and loops renders within
    its default limit of 7500 execution steps and fails under 5000. velarun has no limit:
    this one, which does far more than 7500 steps, renders."""
    rendered = yaml.safe_load(build(LARGE))
    assert sorted(rendered) == ["metadata", "secrets", "stages", "version"]
    assert rendered["secrets"][1] == {
        "name": "slack", "key": "octocat/slack", "engine": "native", "type": "org",
    }  # fmt: skip
    assert list(rendered["stages"]) == ["lint"] + [
        f"python {p} {d}" for p in ("3.10", "3.11", "3.12", "3.13") for d in ("alpine", "debian")
    ]
    assert rendered["stages"]["python 3.12 debian"] == {
        "needs": ["lint"],
        "steps": [
            {
                "name": f"image 3.12-debian{v}",
                "image": "kaniko",
                "pull": "not_present",
                "ruleset": {"event": ["push"], "branch": "main"},
                "parameters": {
                    "tags": [f"3.12-debian{v}", f"3.12-debian{v}-latest"],
                    "build_args": ["PYTHON=3.12"],
                },
                "secrets": [{"source": "registry", "target": "docker_password"}],
            }
            for v in ("bookworm", "trixie")
        ],
    }


def test_no_step_limit_a_template_that_the_server_cancels_runs_to_its_end() -> None:
    """The server's ``cancel`` case: a loop of 100000 iterations is cancelled at 7500 steps
    ('Starlark computation cancelled: too many steps'). velarun runs it to the end, where this
    main returns nothing."""
    source = """
    def main(ctx):
        total = 0
        for i in range(1, 100000):
            total = total
    """
    with pytest.raises(StarlarkError) as caught:
        step(source)
    assert caught.value.message == "invalid pipeline return in template: NoneType"


def test_struct_is_not_there_and_says_to_use_a_dict() -> None:
    """The server's ``with_struct`` case predeclares starlarkstruct's ``struct``; starlark-go
    1.0.1 cannot give one, so a call fails where it is made, saying what to write instead."""
    source = """
    def main(ctx):
      tools = [struct(name="ruff"), struct(name="mypy")]
      return {'version': '1', 'steps': [{'name': t.name} for t in tools]}
    """
    with pytest.raises(StarlarkError) as caught:
        build(source)
    assert caught.value.message == NO_STRUCT
    assert NO_STRUCT == (
        "velarun's Starlark has no struct(): use a dict instead "
        '(struct(name="x") → {"name": "x"}, and s.name → s["name"])'
    )
    assert (caught.value.line, caught.value.col) == (3, 18)


def test_a_file_may_define_its_own_struct() -> None:
    source = """
    def struct(**kw):
      return kw

    def main(ctx):
      return {'version': '1', 'tool': struct(name="ruff")}
    """
    assert build(source) == '---\n{"version": "1", "tool": {"name": "ruff"}}'


# What main returns, written as the server's writeJSON writes it.
RETURNED = [
    ("floats are Go's %g", "{'f': [1.0, 1.5, -0.0, 0.0001, 0.00001, 123456.0, 1e6, 1234567.0, 1e100]}",
     '---\n{"f": [1, 1.5, -0, 0.0001, 1e-05, 123456, 1e+06, 1.234567e+06, 1e+100]}'),
    ("infinities and NaN as Go prints them", "{'f': [float('inf'), float('-inf'), float('nan')]}",
     '---\n{"f": [+Inf, -Inf, NaN]}'),
    ("None, bools, big ints", "{'n': None, 't': True, 'f': False, 'i': 12345678901234567890123}",
     '---\n{"n": null, "t": true, "f": false, "i": 12345678901234567890123}'),
    ("tuples and ranges are lists", "{'t': (1, (2,)), 'r': range(3), 'e': ()}",
     '---\n{"t": [1, [2]], "r": [0, 1, 2], "e": []}'),
    ("keys of any type are written as values", "{1: 'a', 2.5: 'b', True: 'c', None: 'd', (1, 2): 'e'}",
     '---\n{1: "a", 2.5: "b", true: "c", null: "d", [1, 2]: "e"}'),
    ("a dict keeps its insertion order", "{'z': 1, 'a': 2, 'm': 3}",
     '---\n{"z": 1, "a": 2, "m": 3}'),
    ("strings are Go's %q: printable runes kept, others escaped Go's way",
     "{'s': 'é \"q\" \\\\ <&> \\u00a0\\u200b\\x7f'}",
     '---\n{"s": "é \\"q\\" \\\\ <&> \\u00a0\\u200b\\x7f"}'),
    ("a string with a control character is json.Marshal's, HTML-escaped",
     "{'s': 'a\\nb\\tc <&> \\u00a0\\x01'}",
     '---\n{"s": "a\\nb\\tc \\u003c\\u0026\\u003e \u00a0\\u0001"}'),
    ("a string with a rune past U+FFFF is json.Marshal's", "{'s': '\\U0001F600 <'}",
     '---\n{"s": "\U0001f600 \\u003c"}'),
    ("empty bytes are an empty list (bytes are indexable)", "{'b': b''}", '---\n{"b": []}'),
    ("a list: the first item is the document (yaml.Unmarshal reads one)",
     "[{'version': '1', 'a': 1}, {'version': '1', 'b': 2}]",
     '---\n{"version": "1", "a": 1}\n'),
    ("an empty dict is an empty pipeline", "{}", "---\n{}"),
]  # fmt: skip


@pytest.mark.parametrize(("returned", "want"), [c[1:] for c in RETURNED],
                         ids=[c[0] for c in RETURNED])  # fmt: skip
def test_the_returned_value_is_written_as_the_server_writes_it(returned: str, want: str) -> None:
    assert build(f"def main(ctx):\n  return {returned}\n") == want


ERRORS = [
    # (id, source, message, line, col), rendered as a step template named "golang"
    ("no main", "def mane(ctx):\n  return {}\n",
     "unable to find main function in template: golang", None, None),
    ("main is not a function", "main = {'version': '1'}\n",
     "invalid main function (main must be a function) in template: golang", None, None),
    ("main returns a string", "def main(ctx):\n  return 'version: 1'\n",
     "invalid pipeline return in template: string", None, None),
    ("main returns a tuple", "def main(ctx):\n  return ({},)\n",
     "invalid pipeline return in template: tuple", None, None),
    ("main returns None", "def main(ctx):\n  pass\n",
     "invalid pipeline return in template: NoneType", None, None),
    ("a builtin main is called: its result is judged", "main = len\n",
     "invalid pipeline return in template: int", None, None),
    ("an empty list has no document", "def main(ctx):\n  return []\n",
     "unable to unmarshal yaml: unable to find pipeline version in yaml", None, None),
    ("a list's first item is not a mapping", "def main(ctx):\n  return ['version: 1', {}]\n",
     "unable to unmarshal yaml: unable to find pipeline version in yaml", None, None),
    ("version legacy", "def main(ctx):\n  return {'version': 'legacy', 'steps': []}\n",
     "unable to unmarshal yaml: version 'legacy' is no longer supported, please update your pipeline to use version '1'", None, None),
    ("a function in the value", "def main(ctx):\n  return {'steps': [main]}\n",
     "unable to convert to json: <function main>", None, None),
    ("a builtin in the value", "def main(ctx):\n  return {'f': len}\n",
     "unable to convert to json: <built-in function len>", None, None),
    ("non-empty bytes (the server never finishes writing them)", "def main(ctx):\n  return {'b': b'ab'}\n",
     'unable to convert to json: b"ab"', None, None),
    ("a later item of a list is written too", "def main(ctx):\n  return [{}, {'f': main}]\n",
     "unable to convert to json: <function main>", None, None),
    ("the first bad value in the order written", "def main(ctx):\n  return {'s': '[...]', 'a': [1, len], 'b': main}\n",
     "unable to convert to json: <built-in function len>", None, None),
    ("a list that contains itself (the server never finishes)", "def main(ctx):\n  a = []\n  a.append(a)\n  return {'a': a}\n",
     "unable to convert to json: the value main returned contains itself", None, None),
    ("a syntax error: file, line and column", "def main(ctx)\n  return {}\n",
     "template.star:2:1: got newline, want ':'", 2, 1),
    ("an undefined name", "def main(ctx):\n  return {'a': undefined_name}\n",
     "template.star:2:16: undefined: undefined_name", 2, 16),
    ("globals cannot be reassigned (legacy file options)", "x = 1\nx = 2\n",
     "template.star:2:1: cannot reassign global x declared at template.star:1:1", 2, 1),
    ("no while (legacy file options)", "def main(ctx):\n  while True:\n    pass\n",
     "template.star:2:3: this Starlark dialect does not support while loops", 2, 3),
    ("no sets (legacy file options)", "def main(ctx):\n  return set([1])\n",
     "template.star:2:10: this Starlark dialect does not support sets", 2, 10),
    ("no recursion", "def f(n):\n  return f(n)\n\ndef main(ctx):\n  return f(1)\n",
     "function f called recursively", 2, 10),
    ("a failure in main is placed at its line and column", "def main(ctx):\n  return ctx['vela']['build']['number']\n",
     'key "number" not in dict', 2, 30),
    ("a failure in a builtin is placed at the call in the file", "def main(ctx):\n  return ','.join([1])\n",
     "join: in list, want string, got int", 2, 18),
    ("fail()", "def main(ctx):\n  fail('no pipeline for', ctx['vela']['repo']['full_name'])\n",
     "fail: no pipeline for octocat/hello-world", 2, 7),
    ("a failure at the top level", "x = 1 // 0\n",
     "floored division by zero", 1, 7),
    ("load() is not offered", "load('lib.star', 'f')\n",
     "load not implemented by this application", 1, 1),
]  # fmt: skip


@pytest.mark.parametrize(("source", "message", "line", "col"), [c[1:] for c in ERRORS],
                         ids=[c[0] for c in ERRORS])  # fmt: skip
def test_errors_are_the_servers_messages_placed_in_the_file(
    source: str, message: str, line: int | None, col: int | None
) -> None:
    with pytest.raises(StarlarkError) as caught:
        step(source)
    assert (caught.value.message, caught.value.line, caught.value.col) == (message, line, col)


def test_a_pipelines_errors_name_it_templated_base_as_the_server_does() -> None:
    with pytest.raises(StarlarkError) as caught:
        build("def mane(ctx):\n  return {}\n")
    assert caught.value.message == "unable to find main function in template: templated-base"
    with pytest.raises(StarlarkError) as caught:
        build("main = 1\n")
    assert caught.value.message == (
        "invalid main function (main must be a function) in template: templated-base"
    )


def test_the_error_is_a_template_error_that_exits_2() -> None:
    with pytest.raises(StarlarkError) as caught:
        step("x = \n")
    assert isinstance(caught.value, TemplateError)
    assert isinstance(caught.value, VelarunError)
    assert caught.value.exit_code == ExitCode.INVALID
    assert caught.value.render() == "error: template.star:2:1: got newline, want primary expression"


def test_ctx_is_mutable_in_main_as_on_the_server() -> None:
    source = """
    def main(ctx):
      ctx["vars"]["extra"] = 1
      ctx["vela"]["build"]["number"] = "7"
      return {'version': '1', 'vars': ctx["vars"], 'build': ctx["vela"]["build"]}
    """
    assert step(source, {"a": [1]}) == (
        '---\n{"version": "1", "vars": {"a": [1], "extra": 1}, "build": {"number": "7"}}'
    )


def test_print_writes_to_standard_error(capsys: pytest.CaptureFixture[str]) -> None:
    step(
        "def main(ctx):\n  print('rendering', ctx['vela']['system']['template_name'])\n  return {}\n"
    )
    assert capsys.readouterr() == ("", "rendering sample\n")


def test_a_steps_name_is_its_template_name_in_ctx_and_variables_fill_the_groups() -> None:
    source = "def main(ctx):\n  return ctx['vela']\n"
    env = {"VELA_BUILD_NUMBER": "42", "VELA_USER_NAME": "octocat", "CI": "true"}
    assert step(source, **env) == (
        '---\n{"build": {"number": "42"}, "deployment": {}, "repo": {}, "user": {"name": "octocat"}, "system": {"template_name": "sample"}}'
    )


PLATFORM_VARS = [
    ("deployment parameters", {"DEPLOYMENT_PARAMETER_IMAGE": "alpine:3.20"},
     {"build": {}, "deployment": {"image": "alpine:3.20"}, "repo": {}, "user": {},
      "system": {"template_name": "tpl"}}),
    ("vela variables by group, the rest in system",
     {"VELA_BUILD_AUTHOR": "octocat", "VELA_REPO_FULL_NAME": "octocat/hello-world",
      "VELA_USER_ADMIN": "true", "VELA_WORKSPACE": "/vela/src/github.com/octocat/hello-world"},
     {"build": {"author": "octocat"}, "deployment": {}, "repo": {"full_name": "octocat/hello-world"},
      "user": {"admin": "true"},
      "system": {"template_name": "tpl", "workspace": "/vela/src/github.com/octocat/hello-world"}}),
    ("other variables are left out", {"FOO_VAR1": "a", "CI": "true", "VELA": "true", "BUILD_NUMBER": "1"},
     {"build": {}, "deployment": {}, "repo": {}, "user": {}, "system": {"template_name": "tpl"}}),
    ("keys are lowercased, values kept", {"Vela_Build_Event": "Push", "deployment_parameter_X": "Y"},
     {"build": {"event": "Push"}, "deployment": {"x": "Y"}, "repo": {}, "user": {},
      "system": {"template_name": "tpl"}}),
    ("a group prefix needs its underscore", {"VELA_BUILD": "b", "VELA_REPOSITORY": "r"},
     {"build": {}, "deployment": {}, "repo": {}, "user": {},
      "system": {"template_name": "tpl", "build": "b", "repository": "r"}}),
    ("a deployment parameter named vela_* lands in both places",
     {"DEPLOYMENT_PARAMETER_VELA_BUILD_TAG": "v1"},
     {"build": {"tag": "v1"}, "deployment": {"vela_build_tag": "v1"}, "repo": {}, "user": {},
      "system": {"template_name": "tpl"}}),
    ("VELA_TEMPLATE_NAME overrides the name", {"VELA_TEMPLATE_NAME": "other"},
     {"build": {}, "deployment": {}, "repo": {}, "user": {}, "system": {"template_name": "other"}}),
]  # fmt: skip


@pytest.mark.parametrize(("environment", "want"), [c[1:] for c in PLATFORM_VARS],
                         ids=[c[0] for c in PLATFORM_VARS])  # fmt: skip
def test_platform_vars_are_grouped_as_the_servers_convert_platform_vars(
    environment: dict[str, str], want: dict[str, dict[str, str]]
) -> None:
    assert platform_vars(environment, "tpl") == want


TEMPLATE_VARS = [
    ("a string", {"pull": "always"}, {"pull": "always"}),
    ("a list is a tuple", {"tags": ["latest", "1.14"]}, {"tags": ("latest", "1.14")}),
    ("a map is a dict", {"commands": {"test": "go test ./..."}}, {"commands": {"test": "go test ./..."}}),
    ("bytes are a string", {"b": b"array"}, {"b": "array"}),
    ("scalars are kept", {"b": True, "f": 0.1, "i": 1, "n": None}, {"b": True, "f": 0.1, "i": 1, "n": None}),
    ("nested, keys converted", {"m": {1: [{"k": ("v",)}]}}, {"m": {1: ({"k": ("v",)},)}}),
]  # fmt: skip


@pytest.mark.parametrize(("variables", "want"), [c[1:] for c in TEMPLATE_VARS],
                         ids=[c[0] for c in TEMPLATE_VARS])  # fmt: skip
def test_template_vars_convert_as_the_servers_to_starlark(
    variables: dict[str, Any], want: dict[str, Any]
) -> None:
    got = template_vars(variables)
    assert got == want
    assert [type(v) for v in got.values()] == [type(v) for v in want.values()]


def test_a_template_var_of_another_type_is_the_servers_error() -> None:
    with pytest.raises(StarlarkError) as caught:
        template_vars({"when": {1, 2}})
    assert caught.value.message == "unable to convert to starlark type: {1, 2}"


def test_template_vars_reach_main_with_their_starlark_types() -> None:
    source = "def main(ctx):\n  return {k: [type(v), v] for k, v in ctx['vars'].items()}\n"
    variables = {"u": 'é\U0001f600"\\', "big": 2**70, "inf": float("inf"), "neg": -1.5, "t": []}
    assert step(source, variables) == (
        '---\n{"u": ["string", "é\U0001f600\\"\\\\"], "big": ["int", 1180591620717411303424], '
        '"inf": ["float", +Inf], "neg": ["float", -1.5], "t": ["tuple", []]}'
    )


WRITE_JSON = [
    (None, "null"), (True, "true"), (0, "0"), (-7, "-7"), (2.0, "2"), (1e21, "1e+21"),
    (1e-7, "1e-07"), ("", '""'), ("tab\there", '"tab\\there"'), ([], "[]"), ((1, "a"), '[1, "a"]'),
    ({"a": [None]}, '{"a": [null]}'), ({}, "{}"), (b"", "[]"),
]  # fmt: skip


@pytest.mark.parametrize(("value", "want"), WRITE_JSON, ids=[repr(c[0]) for c in WRITE_JSON])
def test_write_json_writes_each_kind_of_value(value: Any, want: str) -> None:
    assert write_json(value) == want


def test_starlark_go_is_imported_only_when_a_template_is_rendered() -> None:
    code = "import sys, velarun.template.starlark; print('starlark_go' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "False\n"


def test_special_floats_and_undecodable_text_reach_main_whatever_the_file_defines() -> None:
    """The context is Starlark source: infinities and NaN are made without a name the file
    could shadow, a lone surrogate (an undecodable byte of the environment) is U+FFFD."""
    source = "float = 1\ndef main(ctx):\n  return {'vars': ctx['vars'], 'x': ctx['vela']['system']['x']}\n"
    variables = {"i": float("inf"), "n": float("-inf"), "nan": float("nan"), "z": -0.0}
    assert step(source, variables, VELA_X="a\udcffb") == (
        '---\n{"vars": {"i": +Inf, "n": -Inf, "nan": NaN, "z": -0}, "x": "a\ufffdb"}'
    )
