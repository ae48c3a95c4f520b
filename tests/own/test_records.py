"""``gdtui run FILE``: each epoch's record equals what the file computes when run plainly
with the same seed (the file executed verbatim, read at each epoch's end by a trace
function: :mod:`tests.own.own_support`), for the seeds' loops, public tutorial files and
the gallery's correct loop."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.own.own_support import (
    GALLERY,
    PROGRAMS,
    gdtui_in,
    loop_lines,
    plain_epochs,
    records_here,
)

EPOCHS = 12
FILES = sorted(
    [*PROGRAMS.glob("seeds/*.py"), *PROGRAMS.glob("public/*.py"), GALLERY / "correct.py"]
)


def _loss_expression(path: Path) -> str | None:
    """The loss's name in the training loop: the receiver of its backward(), else l, loss
    or cost assigned in it."""
    first, last = loop_lines(path)
    text = "\n".join(path.read_text(encoding="utf-8").splitlines()[first - 1 : last])
    found = re.search(r"^\s*(\w+)\.backward\(", text, re.MULTILINE)
    if found:
        return found.group(1)
    for name in ("l", "loss", "cost"):
        if re.search(rf"^\s+{name} = ", text, re.MULTILINE):
            return name
    return None


def _same(ours: Any, plain: Any) -> bool:
    if isinstance(ours, dict) and "norm" in ours:  # a large tensor, as its shape and norm
        array = np.asarray(plain, dtype=np.float64)
        return list(array.shape) == ours["shape"] and np.isclose(
            np.linalg.norm(array), ours["norm"], rtol=1e-9
        )
    return np.array_equal(
        np.asarray(ours, dtype=np.float64), np.asarray(plain, dtype=np.float64), equal_nan=True
    )


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_records_are_what_the_file_computes(path: Path) -> None:
    records = records_here(path, EPOCHS)
    assert records and [r["epoch"] for r in records] == list(range(1, len(records) + 1))
    names = list(records[0]["params"])
    assert names, f"{path.name}: no parameters found"
    autograd = [n for n in names if n in records[0].get("backward", {})]
    loss = _loss_expression(path)
    expressions = names + [f"{n}.grad" for n in autograd] + ([loss] if loss else [])
    plain = plain_epochs(path, expressions, loop_lines(path), len(records))
    assert len(plain) == len(records)
    for ours, theirs in zip(records, plain, strict=True):
        for name in names:
            assert _same(ours["params"][name], theirs[name]), (path.name, ours["epoch"], name)
        for name in autograd:
            assert _same(ours["grads"][name], theirs[f"{name}.grad"]), (ours["epoch"], name)
        if loss and isinstance(theirs[loss], float):
            assert ours["loss"] == pytest.approx(theirs[loss], rel=1e-6), ours["epoch"]


def test_the_seed_numpy_loop_prints_its_own_log_and_the_records(tmp_path: Path) -> None:
    """Text: the program's own prints in order with every 10th record; the N× gradient
    shows as the record's gradient (dw = -120 at w = 0)."""
    seed = PROGRAMS / "seeds" / "001_numpy.py"
    result = gdtui_in(seed.parent, "run", seed.name)
    assert result.returncode == 0, result
    lines = result.lines
    assert any(line.startswith("epoch 1: w = 1.200000, loss = 30.00000000") for line in lines)
    ours = [line for line in lines if line.startswith("epoch 1: loss = ")]
    assert ours and "w = 1.1999999," in ours[0] and "w.grad = -120.0" in ours[0]
    jsonl = gdtui_in(seed.parent, "run", seed.name, "--format", "jsonl", "--epochs", "1")
    record = jsonl.jsonl()[0]
    assert record["grads"] == {"w": -120.0}
    assert "epoch 1: w = 1.200000" in jsonl.stderr  # the program's own output, off stdout


def test_csv_has_a_column_per_element(tmp_path: Path) -> None:
    program = tmp_path / "two.py"
    program.write_text(
        "import torch\nlin = torch.nn.Linear(2, 1)\nX = torch.ones(3, 2)\nY = torch.zeros(3, 1)\n"
        "opt = torch.optim.SGD(lin.parameters(), lr=0.1)\n"
        "for epoch in range(3):\n    opt.zero_grad()\n    loss = ((lin(X) - Y) ** 2).mean()\n"
        "    loss.backward()\n    opt.step()\n",
        encoding="utf-8",
    )
    result = gdtui_in(tmp_path, "run", "two.py", "--format", "csv")
    assert result.returncode == 0, result
    header, *rows = result.lines
    assert header.split(",")[:4] == ["epoch", "loss", "lin.weight[0][0]", "lin.weight[0][1]"]
    assert "lin.bias[0]" in header and len(rows) == 3
    jsonl = gdtui_in(tmp_path, "run", "two.py", "--format", "jsonl").jsonl()
    assert [float(c) for c in rows[2].split(",")[2:4]] == jsonl[2]["params"]["lin.weight"][0]


def test_a_notebook_cell_runs_as_its_file(tmp_path: Path) -> None:
    """Seed 001 as a notebook, --cell N: the cells before it run first, and the records
    are the same file's."""
    notebook = PROGRAMS / "seeds" / "001.ipynb"
    expected = (PROGRAMS / "seeds" / "expected.toml").read_text(encoding="utf-8")
    cells = [
        int(n)
        for n in re.findall(r"\d+", re.search(r"training_cells = \[([^\]]*)\]", expected).group(1))
    ]  # type: ignore[union-attr]
    last = gdtui_in(notebook.parent, "run", notebook.name, "--format", "jsonl", "--epochs", "5")
    chosen = gdtui_in(
        notebook.parent,
        "run",
        notebook.name,
        "--cell",
        str(cells[-1]),
        "--format",
        "jsonl",
        "--epochs",
        "5",
    )
    assert last.returncode == 0 and chosen.returncode == 0, (last, chosen)
    assert last.jsonl() == chosen.jsonl()
    first = gdtui_in(
        notebook.parent,
        "run",
        notebook.name,
        "--cell",
        str(cells[0]),
        "--format",
        "jsonl",
        "--epochs",
        "5",
    )
    assert first.returncode == 0, first
    assert first.jsonl() != last.jsonl()  # another loop: another idiom's numbers
    assert json.dumps(first.jsonl()[0]["epoch"]) == "1"


def test_a_loss_by_another_name(tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text(
        "w = 0.0\nfor step in range(3):\n"
        "    objective = (w - 1) ** 2\n    w -= 0.1 * 2 * (w - 1)\n",
        encoding="utf-8",
    )
    plain = gdtui_in(tmp_path, "run", "mine.py", "--format", "jsonl").jsonl()
    assert [r["loss"] for r in plain] == [None, None, None]
    named = gdtui_in(tmp_path, "run", "mine.py", "--format", "jsonl", "--loss", "objective")
    w, losses, ws = 0.0, [], []
    for _ in range(3):  # the same loop, plainly
        losses.append((w - 1) ** 2)
        w -= 0.1 * 2 * (w - 1)
        ws.append(w)
    assert [r["loss"] for r in named.jsonl()] == losses
    assert [r["params"]["w"] for r in named.jsonl()] == ws
