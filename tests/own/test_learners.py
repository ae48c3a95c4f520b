"""Programs as learners write them (from a learner's trial): correct ones that must not be
flagged, and mistakes in other idioms than the gallery's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.own.own_support import check_here, gdtui_in

NUMPY_BATCHES = """import numpy as np
rng = np.random.default_rng(0)
X = rng.normal(size=60)
Y = 3 * X + 1
w, b, lr = 0.0, 0.0, 0.05
for epoch in range(5):
    for s in range(0, len(X), 20):
        xb, yb = X[s:s + 20], Y[s:s + 20]
        pred = w * xb + b
        mse = np.mean((pred - yb) ** 2)
        dw = np.mean(2 * (pred - yb) * xb)
        db = np.mean(2 * (pred - yb))
        w -= lr * dw
        b -= lr * db
"""

CLIPPED = """import torch
torch.manual_seed(0)
X = torch.randn(32, 3)
Y = X @ torch.tensor([[1.0], [-2.0], [0.5]])
model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for epoch in range(5):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(X), Y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
    opt.step()
"""

MATRIX = """import numpy as np
rng = np.random.default_rng(1)
X = np.c_[np.ones(50), rng.normal(size=50)]
Y = X @ np.array([1.0, 2.0])
theta = np.zeros(2)
alpha = 0.01
for epoch in range(5):
    err = X @ theta - Y
    J = (err ** 2).sum() / (2 * len(X))
    grad = X.T @ err
    theta -= alpha * grad
"""

INLINE = """import numpy as np
X = np.array([1.0, 2.0, 3.0, 4.0])
Y = 2 * X
w = 0.0
lr = 0.01
for epoch in range(5):
    pred = w * X
    loss = ((pred - Y) ** 2).mean()
    w -= lr * (2 * (pred - Y) * X).sum()
"""

LOOP_VARIABLE = """import torch
model = torch.nn.Linear(1, 1)
X = torch.tensor([[1.0], [2.0]])
Y = 2 * X
for epoch in range(3):
    loss = ((model(X) - Y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p = p - 0.1 * p.grad
    model.zero_grad()
"""

PREPARED = """import torch
data = [(1.0, 2.0), (2.0, 4.0)]
total = 0.0
for x, y in data:
    total += y
w = torch.zeros(1, requires_grad=True)
for epoch in range(3):
    loss = sum((w * x - y) ** 2 for x, y in data)
    loss.backward()
    with torch.no_grad():
        w -= 0.05 * w.grad
    w.grad.zero_()
"""

TWO_MODELS = """import torch
other = torch.nn.Linear(1, 1)
opt = torch.optim.SGD(other.parameters(), lr=0.1)
w = torch.zeros(1, requires_grad=True)
for epoch in range(3):
    loss = ((w - 1) ** 2).sum()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
"""

INLINE_NUMBER = INLINE.replace(
    "    w -= lr * (2 * (pred - Y) * X).sum()", "    w -= 0.01 * (2 * (pred - Y) * X).sum()"
)

MODULE_REBOUND = """import torch
model = torch.nn.Linear(1, 1)
X = torch.tensor([[1.0], [2.0]])
for epoch in range(3):
    loss = ((model(X) - 2 * X) ** 2).mean()
    loss.backward()
    model.weight = model.weight - 0.1 * model.weight.grad
"""


def _write(folder: Path, text: str) -> Path:
    path = folder / "mine.py"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", [NUMPY_BATCHES, CLIPPED], ids=["numpy-batches", "clipped"])
def test_correct_loops_are_not_flagged(tmp_path: Path, text: str) -> None:
    findings, result = check_here(_write(tmp_path, text))
    assert findings == [], result


def test_numpy_batches_say_why_the_gradient_was_not_checked(tmp_path: Path) -> None:
    _, result = check_here(_write(tmp_path, NUMPY_BATCHES))
    assert any("a loop of batches" in note for note in result.notes), result.notes


@pytest.mark.parametrize(
    ("text", "kind", "line", "said"),
    [
        (MATRIX, "wrong-gradient", 10, "50× the numerical gradient: N = 50"),
        (INLINE, "wrong-gradient", 9, "4× the numerical gradient: N = 4"),
        (INLINE_NUMBER, "wrong-gradient", 9, "4× the numerical gradient: N = 4"),
        (LOOP_VARIABLE, "not-a-leaf", 10, "nothing moves"),
        (TWO_MODELS, "accumulating-grad", 7, "Clear it after each update: w.grad.zero_()"),
        (MODULE_REBOUND, "not-a-leaf", 7, "update it in place".capitalize()),
    ],
    ids=[
        "residual-named-err",
        "inline-gradient",
        "inline-rate",
        "loop-variable",
        "two-models",
        "module",
    ],
)
def test_mistakes_in_other_idioms(
    tmp_path: Path, text: str, kind: str, line: int, said: str
) -> None:
    findings, result = check_here(_write(tmp_path, text))
    assert [(f.kind, f.line) for f in findings] == [(kind, line)], result
    assert said in findings[0].message


def test_a_loop_that_calls_backward_wins_over_one_that_sums(tmp_path: Path) -> None:
    _write(tmp_path, PREPARED)
    records = gdtui_in(tmp_path, "run", "mine.py", "--format", "jsonl").jsonl()
    assert len(records) == 3 and list(records[0]["params"]) == ["w"]


def test_statements_that_share_a_line_trace_one_by_one(tmp_path: Path) -> None:
    _write(tmp_path, "import torch\nX = torch.randn(4); Y = 3 * X\n"
           "w = torch.zeros(1, requires_grad=True)\n"
           "for epoch in range(2):\n    loss = ((w * X - Y) ** 2).mean(); loss.backward()\n"
           "    with torch.no_grad(): w -= 0.1 * w.grad\n    w.grad.zero_()\n")  # fmt: skip
    traced = gdtui_in(tmp_path, "trace", "mine.py", "--format", "jsonl").jsonl()
    codes = [t["code"] for t in traced if t["line"] in (2, 5)]
    assert codes[:4] == [
        "X = torch.randn(4)",
        "Y = 3 * X",
        "loss = ((w * X - Y) ** 2).mean()",
        "loss.backward()",
    ]


def test_numpy_numbers_are_numbers(tmp_path: Path) -> None:
    _write(tmp_path, "import numpy as np\nX = np.arange(3.0)\nw = 0.0\n"
           "for epoch in range(2):\n"
           "    dw = np.mean(2 * X * (w * X - 2 * X))\n    w -= 0.1 * dw\n")  # fmt: skip
    csv = gdtui_in(tmp_path, "run", "mine.py", "--format", "csv")
    header, first, _ = csv.lines
    assert header == "epoch,loss,w,w.grad"
    assert [float(c) for c in first.split(",")[2:]] == pytest.approx(
        [0.6666666666666666, -6.666666666666667]
    )
    text = gdtui_in(tmp_path, "run", "mine.py").stdout
    assert "np.float64" not in text
