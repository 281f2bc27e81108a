"""The house rules, checked: imports run one way with no cycles, only the Docker runtime
talks to Docker, no module over 600 lines, no function above radon grade C."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from radon.complexity import cc_visit

from tests.conftest import ROOT

PACKAGE = ROOT / "velarun"
LAYERS = [
    # lowest first; a module may import from its own layer and the layers below it
    ("velarun", "velarun.errors", "velarun.diagnostics", "velarun.output", "velarun.dotenv", "velarun.startsignals",
     "velarun.gcpause", "velarun.log", "velarun.jsontext", "velarun.workdir"),
    ("velarun.runtime", "velarun.artifacts"),
    ("velarun.load",),
    ("velarun.template",),
    ("velarun.compile",),
    ("velarun.gitinfo", "velarun.gitrefs", "velarun.gitpacks", "velarun.inputs", "velarun.secrets", "velarun.cibuild",
     "velarun.workspace"),
    ("velarun.schedule",),
    ("velarun.report",),
    ("velarun.interrupts", "velarun.prepare", "velarun.lifecycle", "velarun.bench"),
    ("velarun.cli", "velarun.__main__"),
]  # fmt: skip
ENGINE_LIBRARIES = ("docker", "requests", "urllib3")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """Every module imported anywhere in the file (lazy imports inside functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(
                f"{node.module}.{a.name}"
                for a in node.names
                if f"{node.module}.{a.name}" in MODULES
            )
    return found


def layer(module: str) -> int:
    best, rank = -1, -1
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, rank = len(name), i
    assert rank >= 0, f"{module} is in no layer; add it to LAYERS"
    return rank


def own_imports(module: str) -> set[str]:
    return {m for m in imports(MODULES[module]) if m in MODULES and m != module}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_downwards(module: str) -> None:
    upward = sorted(m for m in own_imports(module) if layer(m) > layer(module))
    assert upward == [], f"{module} (layer {layer(module)}) imports from above"


def imports_beyond_itself_and_the_base(package: str) -> set[tuple[str, str]]:
    """What the package's modules import from velarun outside the package and the base layer."""
    return {
        (module, imported)
        for module in MODULES
        if module.startswith(package)
        for imported in own_imports(module)
        if not imported.startswith(package) and layer(imported) > 0
    }


def test_the_runtime_knows_nothing_of_pipelines() -> None:
    assert imports_beyond_itself_and_the_base("velarun.runtime") == set()


def test_the_template_engines_import_only_the_base_layer() -> None:
    assert imports_beyond_itself_and_the_base("velarun.template") == set()


def test_only_the_docker_runtime_imports_docker() -> None:
    users = sorted(
        module
        for module, path in MODULES.items()
        if any(m.split(".")[0] in ENGINE_LIBRARIES for m in imports(path))
    )
    assert users and all(m.startswith("velarun.runtime.docker") for m in users), users


def test_no_import_cycles() -> None:
    graph = {m: own_imports(m) for m in MODULES}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(graph[module]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep] if dep in path else [module, dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_small_rooms(module: str) -> None:
    source = MODULES[module].read_text()
    lines = len(source.splitlines())
    assert lines <= 600, f"{module} has {lines} lines: split it by responsibility"
    blocks = list(cc_visit(source))
    complex_blocks = []
    while blocks:  # functions, classes, their methods and closures
        block = blocks.pop()
        blocks += [*getattr(block, "methods", ()), *getattr(block, "closures", ())]
        if block.complexity > 20 and not hasattr(block, "methods"):  # grade C at most
            complex_blocks.append(f"{block.name}: {block.complexity}")
    assert complex_blocks == []
