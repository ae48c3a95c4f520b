"""The core never imports Textual, and loads torch only when a torch trainer is created:
``import torch`` takes over a second and the app's first frame must not wait for it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CORE_IMPORTS = """
import gdtui.core.config, gdtui.core.trainers, gdtui.core.history, gdtui.core.data
import gdtui.core.run, gdtui.core.parse, gdtui.core.record, gdtui.core.trainers.registry
"""


def _modules_after(code: str) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; report whether torch and textual got imported."""
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps({name: name in sys.modules for name in ('torch', 'textual', 'numpy')}))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_core_imports_neither_torch_nor_textual() -> None:
    code = CORE_IMPORTS + """
from gdtui.core.config import RunConfig, config_from_options
from gdtui.core.trainers import create_trainer
config = config_from_options({"variant": "torch-module", "optimizer": "adam", "lr": "0.1"})
trainer = create_trainer(RunConfig(variant="numpy-manual"))
trainer.step()
"""
    assert _modules_after(code) == {"torch": False, "textual": False, "numpy": True}


def test_creating_a_torch_trainer_imports_torch_but_not_textual() -> None:
    code = CORE_IMPORTS + """
from gdtui.core.config import RunConfig
from gdtui.core.trainers import create_trainer
import sys
assert "torch" not in sys.modules
create_trainer(RunConfig(variant="torch-autograd")).step()
"""
    assert _modules_after(code) == {"torch": True, "textual": False, "numpy": True}
