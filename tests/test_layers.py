"""The layers, read off every module's imports (a module added is covered the day it is):

- each layer imports only from itself and the layers below it, at the top of a module or
  inside a function alike;
- no import circle between modules at module level;
- the core never imports Textual, Rich, the app or the CLI; the app never the CLI;
- torch is imported at the top of a module only where a program runs (loaded only when a
  torch trainer or the autograd tour runs, in the training process), and creating a torch
  trainer is what loads it.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gdtui"
LAYERS: tuple[tuple[str, ...], ...] = (
    ("gdtui", "gdtui.exits", "gdtui.core", "gdtui.core.numbers", "gdtui.core.files"),
    ("gdtui.core.spawn",),
    ("gdtui.core.settings",),
    ("gdtui.core.engine",),
    ("gdtui.core.run",),
    ("gdtui.core.own",),
    ("gdtui.core.compare",),
    ("gdtui.core.lessons",),
    ("gdtui.core.process",),
    ("gdtui.app",),
    ("gdtui.cli", "gdtui.__main__"),
)
"""Bottom up; a name stands for the module and everything inside the package."""
TORCH_AT_THE_TOP = {"gdtui.core.engine.torch_support"}
"""Where torch is imported at module level (a torch program's helpers)."""


def _modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in PACKAGE.rglob("*.py")
        if "gallery" not in path.parts  # learners' programs (the mistakes), not modules
    )


MODULES = _modules()


def _path(module: str) -> Path:
    path = ROOT / (module.replace(".", "/") + ".py")
    return path if path.exists() else ROOT / module.replace(".", "/") / "__init__.py"


def _imports(module: str) -> list[tuple[str, bool]]:
    """(each module ``module`` imports, whether at module level): ``from a import b``
    counts as ``a.b`` when that is a module. TYPE_CHECKING blocks are not imports."""
    tree = ast.parse(_path(module).read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.extend((alias.name, top) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                for alias in child.names:
                    name = f"{child.module}.{alias.name}"
                    found.append((name if name in MODULES else child.module, top))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
            else:
                visit(child, top)

    visit(tree, True)
    return found


def _layer(module: str) -> int:
    best = max(
        (len(name), index)
        for index, names in enumerate(LAYERS)
        for name in names
        if module == name or module.startswith(f"{name}.")
    )
    return best[1]


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in packages)


@pytest.mark.parametrize("module", MODULES)
def test_a_module_imports_only_from_its_layer_and_below(module: str) -> None:
    own = _layer(module)
    above = sorted(
        name for name, _ in _imports(module) if name.startswith("gdtui") and _layer(name) > own
    )
    assert above == [], f"{module} (layer {own}) imports from above it"


@pytest.mark.parametrize("module", [m for m in MODULES if _within(m, ("gdtui.core",))])
def test_the_core_imports_neither_textual_nor_rich(module: str) -> None:
    assert not [name for name, _ in _imports(module) if _within(name, ("textual", "rich"))]


@pytest.mark.parametrize("module", MODULES)
def test_torch_is_imported_at_the_top_only_where_a_program_runs(module: str) -> None:
    at_the_top = [name for name, top in _imports(module) if top and _within(name, ("torch",))]
    assert not at_the_top or module in TORCH_AT_THE_TOP


def test_no_import_circle_at_module_level() -> None:
    graph = {
        module: {name for name, top in _imports(module) if top and name in MODULES}
        for module in MODULES
    }
    state: dict[str, int] = {}  # 1: being visited, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for name in sorted(graph[module]):
            if state.get(name) == 1:
                circle = [*path[path.index(name) :], name] if name in path else [module, name]
                raise AssertionError(" -> ".join(circle))
            if name not in state:
                visit(name, [*path, name])
        state[module] = 2

    for module in MODULES:
        if module not in state:
            visit(module, [module])


def _modules_after(code: str) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; report whether torch, textual and numpy got
    imported."""
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps({name: name in sys.modules for name in ('torch', 'textual', 'numpy')}))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


CORE_IMPORTS = "\n".join(
    f"import {module}"
    for module in MODULES
    if _within(module, ("gdtui.core",)) and module not in TORCH_AT_THE_TOP
)


def test_the_whole_core_imports_neither_torch_nor_textual() -> None:
    code = (
        CORE_IMPORTS
        + """
from gdtui.core.settings.config import RunConfig, config_from_options
from gdtui.core.engine.trainer import Trainer
config = config_from_options({"variant": "torch-module", "optimizer": "adam", "lr": "0.1"})
Trainer(RunConfig(variant="numpy-manual")).run_epoch()
"""
    )
    assert _modules_after(code) == {"torch": False, "textual": False, "numpy": True}


def test_creating_a_torch_trainer_imports_torch_but_not_textual() -> None:
    code = (
        CORE_IMPORTS
        + """
from gdtui.core.settings.config import RunConfig
from gdtui.core.engine.trainer import Trainer
import sys
assert "torch" not in sys.modules
Trainer(RunConfig(variant="torch-autograd")).run_epoch()
"""
    )
    assert _modules_after(code) == {"torch": True, "textual": False, "numpy": True}
