"""What the loader builds: the typed model, values normalised as Vela's yaml types do."""

from __future__ import annotations

import pytest

from velarun.diagnostics import Pos
from velarun.load import LoadResult, load_bytes
from velarun.load.model import RULE_KEYS, Pipeline, Rules, StepSecret, Ulimit, Volume


def load(text: str) -> Pipeline:
    result: LoadResult = load_bytes(text.encode(), "p.yml")
    assert result.ok, [d.render("p.yml") for d in result.diagnostics]
    assert result.pipeline is not None
    return result.pipeline


def test_scalars_keep_their_source_text() -> None:
    p = load(
        'version: "1"\n'
        "environment: {PORT: 8080, F: 1.50, FLAG: yes, EMPTY: , OCT: 0755, Q: '007'}\n"
        "steps:\n  - {name: a, image: alpine, commands: [ls]}\n"
    )
    assert p.environment == {
        "PORT": "8080",
        "F": "1.50",
        "FLAG": "yes",
        "EMPTY": "",
        "OCT": "0755",
        "Q": "007",
    }


def test_env_list_form_splits_on_first_equals() -> None:
    p = load(
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n'
        "    environment: [A=b, URL=x=y, EMPTY=]\n"
    )
    assert p.steps[0].environment == {"A": "b", "URL": "x=y", "EMPTY": ""}


def test_string_or_list_fields() -> None:
    p = load(
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: echo hi\n'
        "    entrypoint: [/bin/sh, -c]\n"
    )
    assert p.steps[0].commands == ("echo hi",)
    assert p.steps[0].entrypoint == ("/bin/sh", "-c")


def test_parameters_are_typed_like_yaml_v3() -> None:
    p = load(
        'version: "1"\nsteps:\n  - name: a\n    image: plugin\n    parameters:\n'
        "      s: hello\n      i: 5\n      f: 1.50\n      b: true\n      y: yes\n      n: null\n"
        "      q: '5'\n      l: [a, 1]\n      m: {k: v, n: 1}\n      h: 0x1F\n"
    )
    assert dict(p.steps[0].parameters) == {
        "s": "hello",
        "i": 5,
        "f": 1.5,
        "b": True,
        "y": "yes",
        "n": None,
        "q": "5",
        "l": ["a", 1],
        "m": {"k": "v", "n": 1},
        "h": 31,
    }


def test_anchors_and_merge_keys() -> None:
    p = load(
        'version: "1"\n'
        "x-base: &base\n  image: alpine\n  pull: always\n  environment: &env {A: '1'}\n"
        "steps:\n"
        "  - <<: *base\n    name: a\n    commands: [ls]\n"
        "  - <<: *base\n    name: b\n    pull: never\n    environment: *env\n    commands: [ls]\n"
    )
    a, b = p.steps
    assert (a.image, a.pull, dict(a.environment)) == ("alpine", "always", {"A": "1"})
    assert (b.image, b.pull, dict(b.environment)) == ("alpine", "never", {"A": "1"})


def test_stage_name_overrides_key_and_keeps_positions() -> None:
    p = load(
        'version: "1"\nstages:\n  deploy:\n    name: ship\n    needs: build\n'
        "    independent: true\n    steps:\n      - {name: x, image: alpine, commands: [ls]}\n"
        "  build:\n    steps:\n      - {name: y, image: alpine, commands: [ls]}\n"
    )
    ship = p.stages[0]
    assert (ship.name, ship.key, ship.needs, ship.independent) == (
        "ship",
        "deploy",
        ("build",),
        True,
    )
    assert ship.pos == Pos(3, 3)
    assert ship.key_pos["needs"] == Pos(5, 12)
    assert ship.steps[0].pos == Pos(8, 9)


def test_pull_values_are_normalised() -> None:
    steps = "".join(
        f"  - {{name: s{i}, image: alpine, commands: [ls], pull: {v}}}\n"
        for i, v in enumerate(["true", "False", "''", "on_start", "never"])
    )
    p = load('version: "1"\nsteps:\n' + steps)
    assert [s.pull for s in p.steps] == [
        "always",
        "not_present",
        "not_present",
        "on_start",
        "never",
    ]


def test_ruleset_simple_keys_merge_into_if_and_events_expand() -> None:
    p = load(
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n'
        "    ruleset:\n      branch: main\n      matcher: regexp\n      operator: or\n"
        "      if: {event: [pull_request, push], operator: and}\n"
        "      unless: {path: ['docs/*'], matcher: filepath}\n      continue: true\n"
    )
    rs = p.steps[0].ruleset
    assert rs.continue_ is True
    assert rs.if_.branch == ("main",)
    assert rs.if_.event == (
        "pull_request:opened",
        "pull_request:synchronize",
        "pull_request:reopened",
        "push",
    )
    assert (rs.if_.matcher, rs.if_.operator) == ("regexp", "and")
    assert (rs.unless.path, rs.unless.matcher, rs.unless.operator) == (
        ("docs/*",),
        "filepath",
        "or",
    )


def test_event_expansion_for_comment_and_deployment() -> None:
    p = load(
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n'
        "    ruleset: {event: [comment, deployment, 'pull_request:labeled', tag]}\n"
    )
    assert p.steps[0].ruleset.if_.event == (
        "comment:created",
        "comment:edited",
        "deployment:created",
        "pull_request:labeled",
        "tag",
    )


def test_no_ruleset_is_empty() -> None:
    p = load('version: "1"\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n')
    assert p.steps[0].ruleset.empty()
    assert Rules(status=("failure",)).empty() is False


def test_step_secrets_ulimits_volumes() -> None:
    p = load(
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n'
        "    secrets: [docker_password]\n"
        "    ulimits: ['nofile=1024:2048', 'nproc=64', {name: core, soft: 5}]\n"
        "    volumes: ['/cache', '/a:/b', '/c:/d:rw', {source: /e, destination: /f}]\n"
        "  - name: b\n    image: alpine\n    secrets: [{source: s, target: my_token}]\n"
    )
    a, b = p.steps
    assert a.secrets == (StepSecret("docker_password", "DOCKER_PASSWORD"),)
    assert a.ulimits == (
        Ulimit("nofile", 1024, 2048),
        Ulimit("nproc", 64, 64),
        Ulimit("core", 5, 5),
    )
    assert a.volumes == (
        Volume("/cache", "/cache", "ro"),
        Volume("/a", "/b", "ro"),
        Volume("/c", "/d", "rw"),
        Volume("/e", "/f", "ro"),
    )
    assert b.secrets == (StepSecret("s", "MY_TOKEN"),)


def test_metadata_environment_default_and_explicit() -> None:
    base = "steps:\n  - {name: a, image: alpine, commands: [ls]}\n"
    assert load('version: "1"\n' + base).metadata.environment == ("steps", "services", "secrets")
    assert load('version: "1"\nmetadata: {environment: []}\n' + base).metadata.environment == ()
    meta = load('version: "1"\nmetadata: {clone: false, environment: steps}\n' + base).metadata
    assert (meta.clone, meta.environment) == (False, ("steps",))


def test_services_and_secret_blocks() -> None:
    p = load(
        'version: "1"\nservices:\n  - {name: db, image: postgres, ports: ["5432:5432"], pull: true}\n'
        "secrets:\n  - name: token\n  - origin: {name: vault, image: vault-plugin, parameters: {a: 1}}\n"
        "steps:\n  - {name: a, image: alpine, commands: [ls]}\n"
    )
    assert (p.services[0].name, p.services[0].ports, p.services[0].pull) == (
        "db",
        ("5432:5432",),
        "always",
    )
    token, vault = p.secrets
    assert (token.name, token.key, token.engine, token.type, token.pull) == (
        "token",
        "token",
        "native",
        "repo",
        "build_start",
    )
    assert vault.origin is not None and vault.origin.parameters == {"a": 1}


@pytest.mark.parametrize("key", [*RULE_KEYS, "eval"])
def test_rules_with_any_one_rule_are_not_empty(key: str) -> None:
    value = "x" if key == "eval" else ("x",)
    assert (Rules().empty(), Rules(**{key: value}).empty()) == (True, False)  # type: ignore[arg-type]


def test_all_values_are_the_rule_keys_in_order() -> None:
    rules = Rules(**{key: (key, str(i)) for i, key in enumerate(RULE_KEYS)})  # type: ignore[arg-type]
    assert rules.all_values() == tuple((key, str(i)) for i, key in enumerate(RULE_KEYS))
    assert tuple(rules.written()) == RULE_KEYS
