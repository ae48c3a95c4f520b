"""``gdtui trace FILE``: today's trace contract on a learner's program — executing the
``code`` of every traced statement (its ``runs`` where given) in order, in one fresh
namespace, reproduces every value it shows."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.own.own_support import GALLERY, PROGRAMS, gdtui_in

TRACED = [
    GALLERY / "correct.py",
    GALLERY / "not-a-leaf.py",
    PROGRAMS / "seeds" / "001_numpy.py",
    PROGRAMS / "seeds" / "001_nn_module.py",
    PROGRAMS / "seeds" / "002_optim_sgd.py",
    PROGRAMS / "public" / "06_2_model_loss_and_optimizer.py",
    PROGRAMS / "public" / "polynomial_nn.py",
]


def _plain(value: Any) -> Any:
    if hasattr(value, "detach"):
        return value.detach().tolist()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _same(shown: Any, actual: Any) -> bool:
    if isinstance(shown, dict) and "norm" in shown:
        array = np.asarray(actual, dtype=np.float64)
        return bool(np.isclose(np.linalg.norm(array), shown["norm"], rtol=1e-9))
    if isinstance(shown, str):  # a repr: an optimizer, a function's result that is no number
        return shown == repr(actual).split(" at 0x")[0] or shown.startswith("<")
    return bool(np.array_equal(np.asarray(shown, dtype=object), np.asarray(actual, dtype=object)))


@pytest.mark.parametrize("path", TRACED, ids=lambda p: p.name)
def test_executing_the_trace_reproduces_every_value(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = gdtui_in(path.parent, "trace", path.name, "--format", "jsonl", "--epochs", "2")
    traced = result.jsonl()
    assert traced, result
    assert traced[0]["line"] == 0 and "seed(0)" in traced[0]["runs"]
    assert {t["epoch"] for t in traced if t["part"] == "loop"} <= {1, 2}
    monkeypatch.chdir(path.parent)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    checked = 0
    for line in traced:
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                exec(line.get("runs", line["code"]), namespace)
            except Exception as error:  # the program's own error: the trace ends there too
                assert line is traced[-1] or result.returncode, (line, error)
                break
        for name, shown in line["values"].items():
            actual = _plain(eval(name, namespace))
            assert _same(shown, actual), (line["line"], name, shown, actual)
            checked += 1
    assert checked > 10


def test_a_handout_shows_the_files_lines_and_what_changed() -> None:
    result = gdtui_in(GALLERY, "trace", "correct.py", "--epochs", "1")
    assert result.returncode == 0, result
    text = result.stdout
    assert "  22  for epoch in range(n_iters):\n          epoch = 0\n" in text
    assert "  25      l.backward()\n              w.grad = -30.0\n" in text
    assert "  27          w -= learning_rate * w.grad\n              w = 0.29999998\n" in text
    assert "  28      w.grad.zero_()\n              w.grad = 0.0\n" in text


def test_the_trace_stops_at_the_programs_error() -> None:
    result = gdtui_in(GALLERY, "trace", "not-a-leaf.py", "--format", "jsonl", "--epochs", "3")
    assert result.returncode == 1, result
    last = json.loads(result.lines[-1])
    assert last["epoch"] == 1 and last["line"] == 26
    assert last["code"] == "with torch.no_grad():\n    w = w - learning_rate * w.grad"
    assert (
        "not-a-leaf.py:28: AttributeError: 'NoneType' object has no attribute 'zero_'"
        in result.stderr
    )
