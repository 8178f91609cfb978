"""The import graph of ``migrator/``, read from the source: packages point one way only
(docs/ARCHITECTURE.md), and no package reaches into another's modules.

A "unit" is a top-level package (``migrator/engine/``) or module (``migrator/errors.py``).
A unit may import units of lower layers; the foundation's modules may import each other
as long as they form no cycle. Across units, only a package's front (its ``__init__``,
or a sub-package's) may be imported, and no name starting with ``_``.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import migrator

PACKAGE = Path(migrator.__file__).resolve().parent

# Bottom to top. Keep in step with docs/ARCHITECTURE.md.
LAYERS: list[set[str]] = [
    {
        "errors",
        "records",
        "log",
        "model",
        "seen",
        "spool",
        "pacing",
        "paths",
        "config",
        "command_options",
        "outputs",
        "interrupts",
        "netguard",
        "lazy",
        "consoles",
        "suggest",
    },
    {"sources"},
    {"mapping"},
    {"butter", "ledger", "emulator"},
    {"media"},
    {"engine"},
    {"report"},
    {"verify", "inspect"},
    {"site"},
    {"demo", "starter", "cli", "__init__"},
    {"__main__"},  # python -m migrator: the command line
]
FOUNDATION = LAYERS[0]
LAYER_OF = {unit: n for n, units in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str:
    """``migrator.engine.run`` → ``engine``; ``migrator`` → ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(module: str) -> bool:
    return (PACKAGE.parent.joinpath(*module.split(".")) / "__init__.py").exists()


def imports() -> list[tuple[str, str, list[str], int]]:
    """(importing module, imported module, names imported, line) for every import of
    ``migrator`` code, function-level ones included."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [alias.name for alias in node.names]
                found.append((here, node.module, names, node.lineno))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    found.append((here, alias.name, [], node.lineno))
    return [item for item in found if item[1] == "migrator" or item[1].startswith("migrator.")]


def unit_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for here, there, names, _ in imports():
        targets = [there]
        if there == "migrator":  # `from migrator import engine`: the name is a unit
            targets = [f"migrator.{name}" for name in names if (PACKAGE / name).exists()]
        for target in targets:
            a, b = unit_of(here), unit_of(target)
            if a != b:
                edges[a].add(b)
    return edges


def test_every_unit_has_a_layer():
    units = {p.stem for p in PACKAGE.glob("*.py")} | {
        p.parent.name for p in PACKAGE.glob("*/__init__.py")
    }
    assert units - set(LAYER_OF) == set(), "add the new unit to LAYERS and ARCHITECTURE.md"


def test_units_only_import_lower_layers():
    wrong = []
    for unit, targets in unit_edges().items():
        for target in targets:
            up = LAYER_OF[target] > LAYER_OF[unit]
            beside = LAYER_OF[target] == LAYER_OF[unit] and unit not in FOUNDATION
            if up or beside:
                wrong.append(f"{unit} → {target}")
    assert sorted(wrong) == []


def test_no_cycle_between_units():
    edges = unit_edges()
    cycles: list[list[str]] = []

    def visit(unit: str, path: list[str]) -> None:
        for target in sorted(edges.get(unit, ())):
            if target in path:
                cycles.append([*path[path.index(target) :], target])
            elif len(path) < len(LAYER_OF):
                visit(target, [*path, target])

    for unit in sorted(edges):
        visit(unit, [unit])
    assert cycles == []


def test_no_import_of_another_packages_modules_or_private_names():
    wrong = []
    for here, there, names, line in imports():
        if unit_of(here) == unit_of(there) or there == "migrator":
            continue
        where = f"{here}:{line}"
        if not is_package(there):
            if len(there.split(".")) > 2:
                wrong.append(f"{where} imports the module {there}")
        wrong += [f"{where} imports {there}.{n}" for n in names if n.startswith("_")]
    assert wrong == []
