"""``gdtui check``: each kind of mistake named at its line, in programs that have it, and
nothing in correct programs (the seeds' correct loops, public tutorials)."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest

from gdtui.core.own.findings import KINDS
from tests.own.own_support import GALLERY, PROGRAMS, check_here, gdtui_in

CORRECT = GALLERY / "correct.py"
LINE_OF_KIND = {
    "accumulating-grad": "l.backward()",  # the mistake is a missing line: named at backward()
    "broadcast": "l = loss(Y, y_pred)",  # the shapes meet in the loss
}
"""Where a mistake is named when that is not the line where its program differs."""


def _changed_line(path: Path) -> int:
    """The first line of ``path`` that differs from the correct loop (difflib's view)."""
    ours = path.read_text(encoding="utf-8").splitlines()
    theirs = CORRECT.read_text(encoding="utf-8").splitlines()
    for tag, _, _, first, _ in difflib.SequenceMatcher(a=theirs, b=ours).get_opcodes():
        if tag != "equal" and first > 1:
            return first + 1
    raise AssertionError(path)


def _expected_line(path: Path, kind: str) -> int:
    if kind in LINE_OF_KIND:
        lines = path.read_text(encoding="utf-8").splitlines()
        return next(n for n, text in enumerate(lines, 1) if text.strip() == LINE_OF_KIND[kind])
    return _changed_line(path)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_mistake_is_named_at_its_line_and_nothing_else(kind: str) -> None:
    path = GALLERY / f"{kind}.py"
    findings, result = check_here(path)
    assert [f.kind for f in findings] == [kind], result
    assert findings[0].line == _expected_line(path, kind), result


def test_jsonl_names_the_file_as_given() -> None:
    result = gdtui_in(GALLERY, "check", "broadcast.py", "--format", "jsonl")
    assert result.returncode == 5, result
    (finding,) = result.jsonl()
    assert finding["file"] == "broadcast.py" and finding["line"] == 24
    assert finding["kind"] == "broadcast"
    assert finding["message"].startswith("Y (4, 1) and y_pred (4,) broadcast to (4, 4)")


def test_the_text_names_file_line_numbers_and_the_fix() -> None:
    result = gdtui_in(GALLERY, "check", "wrong-gradient.py", "diverging.py", "correct.py")
    assert result.returncode == 5, result
    first, code, second, code2 = result.lines
    assert first.startswith("wrong-gradient.py:25: w.grad is -120 at w = 0")
    assert "4× the numerical gradient: N = 4" in first and first.endswith("(wrong-gradient)")
    assert code.strip() == "w.grad = (2 * X * (y_pred - Y)).sum()"
    assert second.startswith("diverging.py:18: the loss grows 4× every epoch")
    assert "learning_rate = 0.2 is above 0.1333, the largest stable rate" in second
    assert code2.strip() == "learning_rate = 0.2"
    assert "2 findings in 3 files: 2 with findings, 1 clean" in result.stderr


CORRECT_PROGRAMS = sorted(
    [
        CORRECT,
        *(PROGRAMS / "seeds" / name for name in ("000_torch.py", "001_torch.py",
          "001_mseloss_sgd.py", "001_nn_module.py", "004_mseloss_sgd.py", "004_nn_linear.py",
          "002_optim_sgd.py", "004_zero_grad.py")),
        *(PROGRAMS / "public").glob("*.py"),
    ]
)  # fmt: skip


@pytest.mark.parametrize("path", CORRECT_PROGRAMS, ids=lambda p: p.name)
def test_correct_programs_have_no_finding(path: Path) -> None:
    findings, result = check_here(path, epochs=6)
    assert findings == [], result
    assert result.stopped is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("000_numpy.py", "wrong-gradient"),  # the seeds' N× gradient
        ("001_numpy.py", "wrong-gradient"),
        ("004_accumulating_grad.py", "accumulating-grad"),
    ],
)
def test_the_seeds_own_bugs_are_named(name: str, kind: str) -> None:
    findings, result = check_here(PROGRAMS / "seeds" / name)
    assert [f.kind for f in findings] == [kind], result


def _write(folder: Path, text: str) -> Path:
    path = folder / "mine.py"
    path.write_text(text, encoding="utf-8")
    return path


OPTIMIZER = """import torch
X = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
Y = torch.tensor([[2.0], [4.0], [6.0], [8.0]])
model = torch.nn.Linear(1, 1)
learning_rate = {lr}
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
loss_fn = torch.nn.MSELoss()
total = 0.0
for epoch in range(30):
    loss = loss_fn(model(X), Y)
    loss.backward()
{middle}
    total {total}
"""


@pytest.mark.parametrize(
    ("middle", "total", "lr", "kind", "line"),
    [
        ("    optimizer.zero_grad()\n    optimizer.step()", "+= loss.item()", 0.01,
         "cleared-before-step", 12),
        ("    optimizer.step()\n    optimizer.zero_grad()", "+= loss", 0.01, "graph-kept", 14),
        ("    optimizer.step()", "+= loss.item()", 0.01, "accumulating-grad", 11),
        ("    optimizer.step()\n    optimizer.zero_grad()", "+= loss.item()", 0.5, "diverging", 5),
        ("    optimizer.step()\n    optimizer.zero_grad()", "+= loss.item()", 0.01, None, 0),
    ],
)  # fmt: skip
def test_the_optimizer_idiom(
    tmp_path: Path, middle: str, total: str, lr: float, kind: str | None, line: int
) -> None:
    path = _write(tmp_path, OPTIMIZER.format(middle=middle, total=total, lr=lr))
    findings, result = check_here(path)
    assert [(f.kind, f.line) for f in findings] == ([(kind, line)] if kind else []), result
    if kind == "diverging":
        message = findings[0].message
        # Hessian of mean((w x + b - y)^2): 2 [[mean x², mean x], [mean x, 1]]
        assert "learning_rate = 0.5 is above 0.1" in message and "λ = 1" in message


def test_not_a_leaf_outside_no_grad(tmp_path: Path) -> None:
    """``w = w - lr * w.grad`` while autograd records: w gets a grad_fn, and the next
    epoch's w.grad is None (a warning, then a TypeError)."""
    text = CORRECT.read_text(encoding="utf-8").replace(
        "    with torch.no_grad():\n        w -= learning_rate * w.grad\n",
        "    w = w - learning_rate * w.grad\n",
    )
    (finding,), result = check_here(_write(tmp_path, text))
    assert finding.kind == "not-a-leaf" and finding.line == 26, result
    assert "grad_fn=SubBackward0" in finding.message and "then line" in finding.message


def test_numpy_broadcast_in_the_loss(tmp_path: Path) -> None:
    """Without torch: the loss's arrays (4,) and (4, 1) broadcast to (4, 4)."""
    seed = (PROGRAMS / "seeds" / "001_numpy.py").read_text(encoding="utf-8")
    text = seed.replace(
        "Y = np.array([2, 4, 6, 8], dtype=np.float32)",
        "Y = np.array([[2], [4], [6], [8]], dtype=np.float32)",
    )
    assert text != seed
    findings, result = check_here(_write(tmp_path, text))
    assert "broadcast" in [f.kind for f in findings], result


def test_a_course_checks_every_submission(tmp_path: Path) -> None:
    for kind in ("diverging", "correct"):
        shutil.copy(GALLERY / f"{kind}.py", tmp_path / f"{kind}.py")
    (tmp_path / "broken.py").write_text("for epoch in range(3)\n    w -= 1\n", encoding="utf-8")
    result = gdtui_in(
        tmp_path, "check", "diverging.py", "broken.py", "correct.py", "--format", "jsonl"
    )
    assert result.returncode == 2, result  # a file that cannot be used wins
    assert [json.loads(line)["file"] for line in result.lines] == ["diverging.py"]
    assert "broken.py:1: syntax error" in result.stderr
    folder = gdtui_in(tmp_path, "check", ".")  # a folder: its programs, by name
    assert folder.returncode == 2
    assert folder.lines[0].startswith("diverging.py:18: the loss grows")
    assert folder.err_lines[-1] == (
        "gdtui check: 1 finding in 3 files: 1 with findings, 1 clean, 1 that could not be used"
    )


def test_a_notebooks_finding_names_its_cell(tmp_path: Path) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    setup, loop = (
        CORRECT.read_text(encoding="utf-8")
        .replace("learning_rate = 0.01", "learning_rate = 0.2")
        .split("for epoch in range(n_iters):")
    )
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# y = 2x"),
        nbformat.v4.new_code_cell("%matplotlib inline\n" + setup.strip()),
        nbformat.v4.new_code_cell("for epoch in range(n_iters):" + loop),
    ]
    nbformat.write(notebook, tmp_path / "mine.ipynb")
    result = gdtui_in(tmp_path, "check", "mine.ipynb", "--format", "jsonl")
    (finding,) = result.jsonl()
    assert finding["kind"] == "diverging" and finding["cell"] == 1, result
    cell = notebook.cells[1].source.splitlines()
    assert cell[finding["line"] - 1] == "learning_rate = 0.2"
    text = gdtui_in(tmp_path, "check", "mine.ipynb")
    assert text.lines[0].startswith(f"mine.ipynb:cell 1:{finding['line']}: the loss grows")


def test_a_loss_that_does_not_repeat_is_not_checked(tmp_path: Path) -> None:
    """Recomputing the loss moves a counter the loss reads: the finite differences would
    be of another loss, so the gradient is not checked, and a note says so."""
    path = _write(
        tmp_path,
        "import torch\nw = torch.tensor(0.0, requires_grad=True)\ncalls = []\n"
        "def target():\n    calls.append(1)\n    return float(len(calls))\n"
        "for epoch in range(3):\n    loss = (w - target()) ** 2\n    loss.backward()\n"
        "    with torch.no_grad():\n        w -= 0.1 * w.grad\n    w.grad.zero_()\n",
    )
    findings, result = check_here(path)
    assert findings == []
    assert any("not repeatable" in note for note in result.notes), result.notes
