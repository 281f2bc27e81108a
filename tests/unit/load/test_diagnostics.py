"""Every diagnostic of the loader, as the whole rendered text (position, message, hint, count).

Each row: a pipeline source and exactly what `velarun validate` prints for it (path `p.yml`).
"""

from __future__ import annotations

import pytest

from velarun.diagnostics import render_all
from velarun.load import load_bytes

CASES: list[tuple[str, str | bytes, str]] = [
    (
        "empty-file",
        "",
        'p.yml:1:1: error: the file is empty\n  hint: a Vela pipeline starts with `version: "1"` and has `steps:` or `stages:`\n1 error, 0 warnings',
    ),
    (
        "comments-only",
        "# nothing here\n",
        'p.yml:1:1: error: the file is empty\n  hint: a Vela pipeline starts with `version: "1"` and has `steps:` or `stages:`\n1 error, 0 warnings',
    ),
    (
        "not-utf8",
        b'version: "1"\nsteps:\n  - name: caf\xe9\n',
        "p.yml:3:14: error: the file is not valid UTF-8 (byte 0xe9)\n  hint: save the pipeline as UTF-8\n1 error, 0 warnings",
    ),
    (
        "yaml-syntax",
        'version: "1"\nsteps:\n  - name: a\n   image: b\n',
        "p.yml:4:4: error: YAML syntax error: did not find expected '-' indicator\n  hint: while parsing a block collection (line 3); check the indentation and quoting of this line and the one above\n1 error, 0 warnings",
    ),
    (
        "not-a-mapping",
        "- name: a\n  image: b\n",
        'p.yml:1:1: error: a pipeline must be a mapping of keys, got a list\n  hint: start the file with `version: "1"` followed by `steps:` or `stages:`\n1 error, 0 warnings',
    ),
    (
        "duplicate-key",
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n    image: busybox\n',
        "p.yml:6:5: error: duplicate key `image`: already defined at line 4\n  hint: YAML allows a key once per mapping; remove or rename one of them\n1 error, 0 warnings",
    ),
    (
        "missing-version",
        "steps:\n  - name: a\n    image: alpine\n    commands: [ls]\n",
        'p.yml:1:1: error: the pipeline has no `version`\n  hint: add `version: "1"` as the first line\n1 error, 0 warnings',
    ),
    (
        "version-legacy",
        "version: legacy\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n",
        'p.yml:1:10: error: `version: legacy` is no longer supported by Vela\n  hint: update the pipeline to `version: "1"`\n1 error, 0 warnings',
    ),
    (
        "version-2",
        "version: 2\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n",
        'p.yml:1:10: warning: `version: 2` is not "1"; Vela accepts it but knows only version 1\n  hint: write `version: "1"`\n0 errors, 1 warning',
    ),
    (
        "stages-and-steps",
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\nstages:\n  s:\n    steps:\n      - name: b\n        image: alpine\n        commands: [ls]\n',
        "p.yml:7:3: error: the pipeline has both `stages` and `steps`\n  hint: use one: move the top-level steps into a stage, or drop the stages\n1 error, 0 warnings",
    ),
    (
        "nothing-to-run",
        'version: "1"\n',
        "p.yml:1:1: error: the pipeline has no stages, steps or templates\n  hint: add a `steps:` list\n1 error, 0 warnings",
    ),
    (
        "step-without-name",
        'version: "1"\nsteps:\n  - image: alpine\n    commands: [ls]\n',
        "p.yml:3:5: error: a step has no `name`\n  hint: add `name: <name>`\n1 error, 0 warnings",
    ),
    (
        "step-without-image",
        'version: "1"\nsteps:\n  - name: a\n    commands: [ls]\n',
        "p.yml:3:5: error: step `a` has no `image`\n  hint: add `image: <name:tag>`\n1 error, 0 warnings",
    ),
    (
        "image-uppercase",
        'version: "1"\nservices:\n  - {name: db, image: Postgres}\nsteps:\n  - name: a\n    image: BusyBox\n    commands: [ls]\n',
        "p.yml:3:23: error: service `db`: image `Postgres` is not a valid reference: repository name must be lowercase\n  hint: write `postgres`\np.yml:6:12: error: step `a`: image `BusyBox` is not a valid reference: repository name must be lowercase\n  hint: write `busybox`\n2 errors, 0 warnings",
    ),
    (
        "image-space",
        'version: "1"\nsteps:\n  - {name: a, image: "alpine ", commands: [ls]}\n  - {name: b, image: alpine 3.20, commands: [ls]}\n',
        "p.yml:3:22: error: step `a`: image `alpine ` is not a valid reference: invalid reference format: it contains a space\n  hint: write `alpine`\np.yml:4:22: error: step `b`: image `alpine 3.20` is not a valid reference: invalid reference format: it contains a space\n  hint: a tag follows a colon: `alpine:3.20`\n2 errors, 0 warnings",
    ),
    (
        "image-colons",
        'version: "1"\nsteps:\n  - {name: a, image: "alpine:3:4", commands: [ls]}\n  - {name: b, image: "alpine@sha256:abc", commands: [ls]}\n  - {name: c, image: "localhost:5000/a/b:1.0", commands: [ls]}\n  - {name: d, image: "${IMG}", commands: [ls]}\n',
        "p.yml:3:22: error: step `a`: image `alpine:3:4` is not a valid reference: invalid reference format\n  hint: write `name[:tag]` or `name@sha256:<digest>`, the repository in lowercase\np.yml:4:22: error: step `b`: image `alpine@sha256:abc` is not a valid reference: invalid reference format\n  hint: write `name[:tag]` or `name@sha256:<digest>`, the repository in lowercase\n2 errors, 0 warnings",
    ),
    (
        "step-nothing-to-do",
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n  - name: bg\n    image: redis\n    detach: true\n',
        "p.yml:3:5: error: step `a` has nothing to do: no commands, environment, parameters or secrets\n  hint: add `commands:`, or `parameters:` for a plugin image\n1 error, 0 warnings",
    ),
    (
        "duplicate-step",
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n  - name: a\n    image: alpine\n    commands: [ls]\n',
        "p.yml:6:5: error: step `a` is already defined at line 3\n  hint: give each step a unique name\n1 error, 0 warnings",
    ),
    (
        "duplicate-step-with-rulesets",
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n    ruleset: {branch: main}\n  - name: a\n    image: alpine\n    commands: [ls]\n    ruleset: {branch: dev}\n',
        "p.yml:7:5: warning: step `a` is also defined at line 3; Vela accepts this only if the rulesets leave at most one of them (`plan` checks it for the rule data)\n  hint: give each step a unique name unless the rulesets exclude each other\n0 errors, 1 warning",
    ),
    (
        "stage-step-key-collision",
        'version: "1"\nstages:\n  three_word_key:\n    steps:\n      - name: build\n        image: alpine\n        commands: [ls]\n  three:\n    steps:\n      - name: word_key_build\n        image: alpine\n        commands: [ls]\n',
        "p.yml:10:9: error: step `word_key_build` in stage `three` collides with step `build` (line 5): Vela keys steps as `<stage>_<step>`, both give `three_word_key_build`\n  hint: rename one of the steps or stages\n1 error, 0 warnings",
    ),
    (
        "same-step-in-two-stages",
        'version: "1"\nstages:\n  a:\n    steps:\n      - name: build\n        image: alpine\n        commands: [ls]\n  b:\n    steps:\n      - name: build\n        image: alpine\n        commands: [ls]\n',
        "0 errors, 0 warnings",
    ),
    (
        "duplicate-stage-name",
        'version: "1"\nstages:\n  a:\n    steps:\n      - name: x\n        image: alpine\n        commands: [ls]\n  b:\n    name: a\n    steps:\n      - name: y\n        image: alpine\n        commands: [ls]\n',
        "p.yml:9:11: error: stage `a` is already defined at line 3\n  hint: give each stage a unique name\n1 error, 0 warnings",
    ),
    (
        "duplicate-step-one-ruleset",
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n  - name: a\n    image: alpine\n    commands: [ls]\n    ruleset: {event: pull_request}\n',
        "p.yml:6:5: warning: step `a` is also defined at line 3; Vela accepts this only if the rulesets leave at most one of them (`plan` checks it for the rule data)\n  hint: give each step a unique name unless the rulesets exclude each other\n0 errors, 1 warning",
    ),
    (
        "duplicate-step-unless-status-only",
        'version: "1"\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n  - name: a\n    image: alpine\n    commands: [ls]\n    ruleset:\n      unless: {status: failure}\n  - name: b\n    image: alpine\n    commands: [ls]\n  - name: b\n    image: alpine\n    commands: [ls]\n    ruleset: {status: failure}\n',
        "p.yml:4:5: warning: step `a` is also defined at line 3; Vela accepts this only if the rulesets leave at most one of them (`plan` checks it for the rule data)\n  hint: give each step a unique name unless the rulesets exclude each other\np.yml:12:5: error: step `b` is already defined at line 9\n  hint: give each step a unique name\n1 error, 1 warning",
    ),
    (
        "stage-step-key-collision-one-ruleset",
        'version: "1"\nstages:\n  three_word_key:\n    steps:\n      - name: build\n        image: alpine\n        commands: [ls]\n        ruleset: {event: pull_request}\n  three:\n    steps:\n      - name: word_key_build\n        image: alpine\n        commands: [ls]\n',
        "p.yml:11:9: warning: step `word_key_build` in stage `three` collides with step `build` (line 5): Vela keys steps as `<stage>_<step>`, both give `three_word_key_build`; Vela accepts this only if the rulesets leave at most one of them (`plan` checks it for the rule data)\n  hint: rename one of the steps or stages unless the rulesets exclude each other\n0 errors, 1 warning",
    ),
    (
        "duplicate-stage-name-one-prunable",
        'version: "1"\nstages:\n  a:\n    steps:\n      - name: x\n        image: alpine\n        commands: [ls]\n  b:\n    name: a\n    steps:\n      - name: y\n        image: alpine\n        commands: [ls]\n        ruleset: {branch: dev}\n',
        "p.yml:9:11: warning: stage `a` is also defined at line 3; Vela accepts this only if the rulesets leave at most one of them (`plan` checks it for the rule data)\n  hint: give each stage a unique name unless the rulesets of their steps exclude each other\n0 errors, 1 warning",
    ),
    (
        "duplicate-stage-key",
        'version: "1"\nstages:\n  a:\n    steps:\n      - {name: x, image: alpine, commands: [ls]}\n  a:\n    steps:\n      - {name: y, image: alpine, commands: [ls]}\n',
        "p.yml:6:3: error: stage `a` is already defined at line 3\n  hint: give each stage a unique name\n1 error, 0 warnings",
    ),
    (
        "duplicate-stage-key-one-prunable",
        'version: "1"\nstages:\n  a:\n    steps:\n      - {name: x, image: alpine, commands: [ls], ruleset: {event: tag}}\n  a:\n    steps:\n      - {name: x, image: alpine, commands: [ls]}\n',
        "p.yml:6:3: warning: stage `a` is also defined at line 3; Vela accepts this only if the rulesets leave at most one of them (`plan` checks it for the rule data)\n  hint: give each stage a unique name unless the rulesets of their steps exclude each other\n0 errors, 1 warning",
    ),
    (
        "duplicate-key-in-a-stage",
        'version: "1"\nstages:\n  a:\n    steps:\n      - {name: x, image: alpine, commands: [ls]}\n    steps: []\n',
        "p.yml:6:5: error: duplicate key `steps`: already defined at line 4\n  hint: YAML allows a key once per mapping; remove or rename one of them\n1 error, 0 warnings",
    ),
    (
        "top-level-anchored-scalar",
        'version: "1"\nx-image: &img alpine:3.20\nx-plain: alpine\nsteps:\n  - {name: a, image: *img, commands: [ls]}\n',
        "p.yml:3:1: warning: unknown key `x-plain` in the pipeline\n  hint: Vela ignores unknown keys; known here: version, metadata, environment, worker, secrets, services, stages, steps, templates, deployment, git\n0 errors, 1 warning",
    ),
    (
        "secret-origin-id-request",
        'version: "1"\nsecrets:\n  - origin:\n      name: vault\n      image: target/vault\n      id_request: yes\n      parameters: {addr: vault.example.com}\n  - origin:\n      name: other\n      image: target/vault\n      id_request: [yes]\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n',
        "p.yml:11:19: error: `id_request` of secret origin `other` must be a string, got a list\n1 error, 0 warnings",
    ),
    (
        "render-inline-templates-only",
        'version: "1"\nmetadata:\n  render_inline: true\ntemplates:\n  - {name: go, source: github.com/org/repo/go.yml, type: github}\n',
        "0 errors, 0 warnings",
    ),
    (
        "stage-needs-itself",
        'version: "1"\nstages:\n  a:\n    needs: [a]\n    steps:\n      - name: x\n        image: alpine\n        commands: [ls]\n',
        "p.yml:4:13: error: stage `a` needs itself\n  hint: remove `a` from its `needs`\n1 error, 0 warnings",
    ),
    (
        "needs-cycle",
        'version: "1"\nstages:\n  a:\n    needs: c\n    steps:\n      - {name: x, image: alpine, commands: [ls]}\n  b:\n    needs: [a]\n    steps:\n      - {name: y, image: alpine, commands: [ls]}\n  c:\n    needs: [b]\n    steps:\n      - {name: z, image: alpine, commands: [ls]}\n',
        "p.yml:4:12: error: needs cycle: a -> c -> b -> a\n  hint: Vela would wait forever; remove one of these `needs`\n1 error, 0 warnings",
    ),
    (
        "needs-unknown",
        'version: "1"\nstages:\n  build:\n    steps:\n      - {name: x, image: alpine, commands: [ls]}\n  test:\n    needs: [biuld, clone]\n    steps:\n      - {name: y, image: alpine, commands: [ls]}\n',
        "p.yml:7:13: warning: stage `test` needs `biuld`, which is not a stage; Vela ignores it\n  hint: did you mean `build`? defined stages: `build`, `test`\n0 errors, 1 warning",
    ),
    (
        "needs-renamed-key",
        'version: "1"\nstages:\n  deploy:\n    name: ship\n    steps:\n      - {name: x, image: alpine, commands: [ls]}\n  notify:\n    needs: [deploy]\n    steps:\n      - {name: y, image: alpine, commands: [ls]}\n',
        "p.yml:8:13: warning: stage `notify` needs `deploy`, the key of a stage renamed to `ship`; `needs` refers to names, so Vela ignores it\n  hint: write `ship`\n0 errors, 1 warning",
    ),
    (
        "unknown-keys",
        'version: "1"\nenviroment: {A: b}\naliases:\n  common: &common {image: alpine}\nsteps:\n  - name: a\n    <<: *common\n    comands: [ls]\n    when: {branch: main}\n',
        "p.yml:2:1: warning: unknown key `enviroment` in the pipeline\n  hint: did you mean `environment`? (Vela ignores unknown keys)\np.yml:6:5: error: step `a` has nothing to do: no commands, environment, parameters or secrets\n  hint: add `commands:`, or `parameters:` for a plugin image\np.yml:8:5: warning: unknown key `comands` in step `a`\n  hint: did you mean `commands`? (Vela ignores unknown keys)\np.yml:9:5: warning: unknown key `when` in step `a`\n  hint: Vela conditions are written as `ruleset:` (Vela ignores unknown keys)\n1 error, 3 warnings",
    ),
    (
        "step-secrets",
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n    secrets: [token, {source: x, target: y}]\n  - name: b\n    image: alpine\n    commands: [ls]\n    secrets: [{source: x}]\n',
        "p.yml:6:14: error: `secrets` of step `a` mixes names and `source`/`target` mappings\n  hint: write every entry as a name, or every entry as {source: ..., target: ...}\np.yml:10:15: error: a secret of step `b` has no `target`\n  hint: write both: {source: <secret name>, target: <ENV_VAR>}\n2 errors, 0 warnings",
    ),
    (
        "ulimits",
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n    ulimits: [nofile, "nproc=1:2:3", "core=big", {soft: 1}]\n',
        "p.yml:6:15: error: ulimit `nofile` must contain exactly one `=`\n  hint: write `name=soft` or `name=soft:hard`, e.g. `nofile=1024:2048`\np.yml:6:23: error: ulimit `nproc=1:2:3` can contain only one `:`\n  hint: write `name=soft` or `name=soft:hard`, e.g. `nofile=1024:2048`\np.yml:6:38: error: ulimit `core=big`: `big` is not a whole number\n  hint: write `name=soft` or `name=soft:hard`, e.g. `nofile=1024:2048`\np.yml:6:50: error: a ulimit has no `name`\n  hint: e.g. {name: nofile, soft: 1024}\n4 errors, 0 warnings",
    ),
    (
        "volumes",
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n    volumes: ["/a:/b:ro:x", {destination: /c}]\n',
        "p.yml:6:15: error: volume `/a:/b:ro:x` must be `source[:destination[:mode]]`\n  hint: use at most two `:`, e.g. `/tmp/cache:/cache:rw`\np.yml:6:29: error: a volume has no `source`\n2 errors, 0 warnings",
    ),
    (
        "pull-unknown",
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    pull: sometimes\n    commands: [ls]\n',
        "p.yml:5:11: warning: pull policy `sometimes` is not one Vela knows; Vela then never pulls the image\n  hint: use one of: always, not_present, on_start, never\n0 errors, 1 warning",
    ),
    (
        "template",
        'version: "1"\ntemplates:\n  - name: go\n    source: github.com/o/r/go.yml\n    type: github\nsteps:\n  - name: a\n    template:\n      name: go\n      vars: {x: 1}\n',
        "0 errors, 0 warnings",
    ),
    (
        "template-vars-not-a-mapping",
        'version: "1"\ntemplates:\n  - {name: t, source: t.yml, type: file, vars: oops}\nsteps:\n  - name: a\n    template: {name: t, vars: [1]}\n',
        "p.yml:3:48: error: template `vars` must be a mapping, got `oops`\n  hint: write `vars: {KEY: VALUE}`\np.yml:6:31: error: `template.vars` must be a mapping, got a list\n  hint: write `vars: {KEY: VALUE}`\n2 errors, 0 warnings",
    ),
    (
        "services",
        'version: "1"\nservices:\n  - name: db\n  - image: redis\n    commands: [redis-server]\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n',
        "p.yml:3:5: error: service `db` has no `image`\n  hint: add `image: <name:tag>`\np.yml:4:5: error: a service has no `name`\n  hint: add `name: <name>`\np.yml:5:5: warning: unknown key `commands` in a service\n  hint: services take no `commands`; set `entrypoint` to run something else (Vela ignores unknown keys)\n2 errors, 1 warning",
    ),
    (
        "secrets-block",
        'version: "1"\nsecrets:\n  - key: org/repo/x\n  - origin:\n      name: vault\n      environment: {A: b}\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n',
        "p.yml:3:5: warning: a secret with neither `name` nor `origin`; Vela drops it\n  hint: give it a `name:` (and `key:`), or remove it\np.yml:5:7: error: secret origin `vault` has no `image`\n  hint: add `image:`\n1 error, 1 warning",
    ),
    (
        "report-as",
        'version: "1"\nsteps:\n  - {name: a, image: alpine, commands: [ls], report_as: test}\n  - {name: b, image: alpine, commands: [ls], report_as: test}\n',
        "p.yml:4:57: error: `report_as: test` of step `b` is already used by step `a`\n  hint: each step needs its own commit-status context\n1 error, 0 warnings",
    ),
    (
        "wrong-types",
        'version: "1"\nsteps:\n  - name: a\n    image: [alpine]\n    detach: "true"\n    commands: {run: ls}\n    environment: [A=b, C]\n    privileged: maybe\n',
        'p.yml:4:12: error: `image` of step `a` must be a string, got a list\np.yml:5:13: error: `detach` of step `a` must be true or false, got the quoted string `"true"`\n  hint: remove the quotes\np.yml:6:15: error: `commands` of step `a` must be a string or a list of strings, got a mapping\np.yml:7:24: error: `environment` of step `a`: list item `C` is not `KEY=VALUE`\n  hint: write each item as `KEY=VALUE`, or use a mapping\np.yml:8:17: error: `privileged` of step `a` must be true or false, got `maybe`\n5 errors, 0 warnings',
    ),
    (
        "stages-as-list",
        'version: "1"\nstages:\n  - name: build\n',
        "p.yml:3:3: error: `stages` must be a mapping of stage name to stage, got a list\n  hint: write `stages:`, then under it `build:` with `steps:` under that\n1 error, 0 warnings",
    ),
    (
        "empty-list-item",
        'version: "1"\nsteps:\n  -\n  - {name: a, image: alpine, commands: [ls]}\n',
        "p.yml:3:4: error: empty item in `steps`\n  hint: remove the lone `-`\n1 error, 0 warnings",
    ),
    (
        "reserved-stage-names",
        'version: "1"\nstages:\n  init:\n    steps:\n      - {name: a, image: alpine, commands: [ls]}\n  clone:\n    steps:\n      - {name: b, image: alpine, commands: [ls]}\n',
        "p.yml:3:3: error: stage name `init` is reserved: Vela injects its own `init` stage\n  hint: rename it\np.yml:6:3: error: stage name `clone` is reserved: Vela injects its own `clone` stage unless `metadata.clone: false`\n  hint: rename it\n2 errors, 0 warnings",
    ),
    (
        "clone-stage-allowed-without-clone",
        'version: "1"\nmetadata:\n  clone: false\nstages:\n  clone:\n    steps:\n      - {name: b, image: alpine, commands: [ls]}\n',
        "0 errors, 0 warnings",
    ),
    (
        "events",
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n    ruleset:\n      event: [delete, pushh, "pull_request*", "delete:tag"]\n',
        "p.yml:7:15: warning: event `delete` never matches: delete events carry an action\n  hint: write `delete:branch`, `delete:tag` or `delete:*`\np.yml:7:23: warning: `pushh` is not a Vela event, so this rule never matches\n  hint: did you mean `push`?\n0 errors, 2 warnings",
    ),
    (
        "list-items-point-at-the-item",
        'version: "1"\nstages:\n  build:\n    steps:\n      - name: x\n        image: alpine\n        commands: [ls]\n        ruleset:\n          if:\n            event:\n              - push\n              - tagg\n          event: pushh\n  test:\n    needs:\n      - build\n      - biuld\n    steps:\n      - {name: y, image: alpine, commands: [ls]}\n',
        "p.yml:12:17: warning: `tagg` is not a Vela event, so this rule never matches\n  hint: did you mean `tag`?\np.yml:13:18: warning: `pushh` is not a Vela event, so this rule never matches\n  hint: did you mean `push`?\np.yml:17:9: warning: stage `test` needs `biuld`, which is not a stage; Vela ignores it\n  hint: did you mean `build`? defined stages: `build`, `test`\n0 errors, 3 warnings",
    ),
    (
        "metadata-environment-kind",
        'version: "1"\nmetadata:\n  environment: [steps, service]\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n',
        "p.yml:3:24: warning: `metadata.environment` names `service`, which is not a container kind\n  hint: use any of: steps, services, secrets\n0 errors, 1 warning",
    ),
    (
        "ruleset-keys",
        'version: "1"\nsteps:\n  - name: a\n    image: alpine\n    commands: [ls]\n    ruleset:\n      if: {branch: main, brnch: x}\n      operator: xor\n      matcher: glob\n',
        "p.yml:7:26: warning: unknown key `brnch` in `if` of step `a`\n  hint: did you mean `branch`? (Vela ignores unknown keys)\np.yml:8:17: warning: operator `xor` is not one Vela knows; it falls back to `and`\n  hint: use `and` or `or`\np.yml:9:16: warning: matcher `glob` is not one Vela knows; it falls back to `filepath`\n  hint: use `filepath` (globs) or `regexp`\n0 errors, 3 warnings",
    ),
    (
        "empty-stage",
        'version: "1"\nstages:\n  a:\n  b:\n    steps:\n      - {name: x, image: alpine, commands: [ls]}\n',
        "p.yml:3:3: warning: stage `a` has no `steps`; Vela drops it\n  hint: add `steps:` or remove the stage\n0 errors, 1 warning",
    ),
    (
        "two-documents",
        'version: "1"\nsteps:\n  - {name: a, image: alpine, commands: [ls]}\n---\nversion: "1"\n',
        "p.yml:4:1: warning: the file holds more than one YAML document; only the first is used\n  hint: remove the `---` separator and what follows, or move it to another file\n0 errors, 1 warning",
    ),
    (
        "merge-keys-ok",
        'version: "1"\nx-defaults: &defaults\n  image: alpine\n  pull: always\nsteps:\n  - <<: *defaults\n    name: a\n    commands: [ls]\n  - <<: [*defaults]\n    name: b\n    image: busybox\n    commands: [ls]\n',
        "0 errors, 0 warnings",
    ),
    (
        "artifacts-ok",
        'version: "1"\nsteps:\n  - name: t\n    image: a\n    commands: [ls]\n    artifacts:\n      paths: reports/*.xml\n',
        "0 errors, 0 warnings",
    ),
    (
        "artifacts-not-a-mapping",
        'version: "1"\nsteps:\n  - name: t\n    image: a\n    commands: [ls]\n    artifacts: [a.txt]\n',
        "p.yml:6:16: error: `artifacts` of step `t` must be a mapping, got a list\n1 error, 0 warnings",
    ),
    (
        "artifacts-paths-shape",
        'version: "1"\nsteps:\n  - name: t\n    image: a\n    commands: [ls]\n    artifacts:\n      paths: [a.txt, {b: c}]\n',
        "p.yml:7:22: error: `artifacts.paths` of step `t` must be a string or a list of strings\n1 error, 0 warnings",
    ),
    (
        "artifacts-unknown-key-and-dotdot",
        'version: "1"\nsteps:\n  - name: t\n    image: a\n    commands: [ls]\n    artifacts:\n      path: x\n      paths: [ok.txt, ../up.txt]\n',
        "p.yml:7:7: warning: unknown key `path` in the artifacts of step `t`\n  hint: did you mean `paths`? (Vela ignores unknown keys)\np.yml:8:23: warning: artifacts path `../up.txt` of step `t` goes up with `..`: it never matches\n  hint: the worker looks for artifacts only inside the workspace; write the path from the repository root\n0 errors, 2 warnings",
    ),
    (
        "nul-byte",
        b'version: "1"\x00\n',
        "p.yml:1:1: error: the file contains a NUL byte; is it a binary file?\n1 error, 0 warnings",
    ),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_diagnostics(source: str | bytes, expected: str) -> None:
    data = source if isinstance(source, bytes) else source.encode()
    result = load_bytes(data, "p.yml")
    assert render_all(result.diagnostics, "p.yml") == expected
