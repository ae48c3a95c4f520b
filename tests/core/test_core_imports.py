"""The layers: the core never imports Textual, the app or the CLI, and the app never imports
the CLI; the core loads torch only when a torch trainer is created (``import torch`` takes over
a second and the app's first frame must not wait for it).

Every module is read, not a list of them, so a new module is covered the day it is added."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "gdtui"
TORCH_MODULES = {
    # Where torch is imported at the top: loaded only when a torch trainer or the autograd
    # tour runs (in the training process).
    "gdtui.core.engine.torch_support",
    "gdtui.core.lessons.tour",
}


def _modules(folder: Path) -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in folder.rglob("*.py")
    )


def _imports(module: str) -> set[str]:
    """Every module that ``module`` imports, at the top or inside a function."""
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = ROOT / module.replace(".", "/") / "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _among(imports: set[str], packages: tuple[str, ...]) -> set[str]:
    """The imports that are one of ``packages`` or inside one."""
    return {
        name for name in imports if any(name == p or name.startswith(f"{p}.") for p in packages)
    }


CLI = ("gdtui.cli",)


@pytest.mark.parametrize("module", _modules(PACKAGE / "core"))
def test_a_core_module_imports_neither_textual_nor_the_app_nor_the_cli(module: str):
    assert not _among(_imports(module), ("textual", "rich", "gdtui.app", *CLI))


@pytest.mark.parametrize("module", _modules(PACKAGE / "app"))
def test_an_app_module_never_imports_the_cli(module: str):
    assert not _among(_imports(module), CLI)


def _modules_after(code: str) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; report whether torch and textual got imported."""
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
    f"import {module}" for module in _modules(PACKAGE / "core") if module not in TORCH_MODULES
)


def test_the_core_imports_neither_torch_nor_textual() -> None:
    code = (
        CORE_IMPORTS
        + """
from gdtui.core.settings.config import RunConfig, config_from_options
from gdtui.core.engine.trainer import Trainer
config = config_from_options({"variant": "torch-module", "optimizer": "adam", "lr": "0.1"})
trainer = Trainer(RunConfig(variant="numpy-manual"))
trainer.run_epoch()
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
