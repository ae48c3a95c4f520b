"""``gdtui compare --across mistakes``: the gallery's correct loop beside each mistake, a lane
per program named by its kind, each program run as ``gdtui run`` runs it (in a process of
its own), in lockstep; a program that raises ends its lane with its error at its line."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import subprocess
import sys
from typing import Any

import pytest

from gdtui.core.own import gallery
from gdtui.core.own.findings import KINDS
from tests.cli.cli_support import Result, cli_env, run_gdtui

LANES = ["correct", *KINDS]
RAISING = ("not-a-leaf", "in-place-on-leaf", "no-requires-grad")


def _compare(*args: str) -> Result:
    result = run_gdtui("compare", "--across", "mistakes", *args, timeout=300)
    assert result.returncode == 0, result
    return result


def test_the_lanes_as_jsonl_text_and_csv() -> None:
    """One run of each format (each runs ten programs, a process each: the checks share
    them rather than run them again)."""
    rows = [json.loads(line) for line in _compare("--format", "jsonl").lines]
    text = _compare().stdout
    _every_lane_runs_in_lockstep_and_correct_is_gdtui_run(rows)
    for name in RAISING:
        _a_program_that_raises_ends_its_lane_with_its_error_at_its_line(name, rows, text)
    _the_mistakes_show_in_their_numbers(rows)
    _the_text_is_a_table_at_80_columns(text, rows)
    _csv_takes_the_epochs_and_has_the_same_rows(rows)


def _lane(rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [row for row in rows if row["lane"] == name]


def _plain_error(name: str) -> tuple[int, str]:
    """(the line of the gallery's program ``name`` its error was raised at, the error's
    type), from its traceback when run plainly with python."""
    path = gallery.program_path(name)
    done = subprocess.run(
        [sys.executable, str(path)],
        cwd=path.parent,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    lines = re.findall(rf'File "{re.escape(str(path))}", line (\d+)', done.stderr)
    error = done.stderr.strip().splitlines()[-1].split(":")[0]
    return int(lines[-1]), error


def _every_lane_runs_in_lockstep_and_correct_is_gdtui_run(rows: list[dict[str, Any]]) -> None:
    assert list(dict.fromkeys(row["lane"] for row in rows)) == LANES
    epochs = [row.get("epoch", 1) for row in rows]
    assert epochs == sorted(epochs), "lockstep: epoch 1 of every lane, then epoch 2, …"
    run = run_gdtui("run", str(gallery.program_path("correct")), "--format", "jsonl")
    assert run.returncode == 0, run
    records = run.jsonl()
    correct = _lane(rows, "correct")
    assert len(correct) == len(records) == 20
    for row, record in zip(correct, records, strict=True):
        assert row["epoch"] == record["epoch"]
        assert row["loss"] == record["loss"]
        assert row["w"] == record["params"]["w"]  # type: ignore[index]
        assert row["grad_w"] == record["grads"]["w"]  # type: ignore[index]
        assert row["backward_w"] == record["backward"]["w"]  # type: ignore[index]
        assert "error" not in row


def _a_program_that_raises_ends_its_lane_with_its_error_at_its_line(
    name: str, rows: list[dict[str, Any]], text: str
) -> None:
    line, error = _plain_error(name)
    lane = _lane(rows, name)
    assert lane, name
    assert all("error" not in row for row in lane[:-1])
    assert lane[-1]["error"].startswith(f"{name}.py:{line}: {error}: "), lane[-1]
    code = gallery.program_path(name).read_text(encoding="utf-8").splitlines()[line - 1]
    table = text.splitlines()
    at = next(i for i, row in enumerate(table) if row.split()[:1] == [name])
    assert table[at + 1].startswith(f"    {name}.py:{line}: {error}: ")
    assert code.strip() in [row.strip() for row in table[at + 1 : at + 5]]


def _the_mistakes_show_in_their_numbers(rows: list[dict[str, Any]]) -> None:
    correct = _lane(rows, "correct")
    diverging = [row["loss"] for row in _lane(rows, "diverging")]
    assert len(diverging) == 20
    assert all(b > a for a, b in itertools.pairwise(diverging))
    assert diverging[-1] > 1e6 * correct[-1]["loss"]
    cleared = _lane(rows, "cleared-before-step")
    assert len(cleared) == 20
    assert {row["w"] for row in cleared} == {0.0}
    assert {row["backward_w"] for row in cleared} == {-30.0}  # computed, then cleared
    kept = _lane(rows, "graph-kept")  # its mistake is memory, not the numbers
    assert [row["loss"] for row in kept] == [row["loss"] for row in correct]
    accumulating = _lane(rows, "accumulating-grad")
    assert accumulating[1]["grad_w"] == -30.0 + -25.5  # epoch 1's .grad plus epoch 2's


def _the_text_is_a_table_at_80_columns(text: str, jsonl: list[dict[str, Any]]) -> None:
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    end = lines.index("each lane's loss at its last epoch against correct's at the same epoch:")
    table, against = lines[:end], lines[end + 1 :]
    rows = [line.split() for line in table if line.split()[:1] and line.split()[0] in LANES]
    assert [row[0] for row in rows] == LANES
    by_name = {row[0]: row for row in rows}
    last = _lane(jsonl, "correct")[-1]  # the same numbers as the jsonl's, whatever the CPU
    assert by_name["correct"][1] == "20"
    assert float(by_name["correct"][2]) == pytest.approx(last["loss"], rel=1e-6)
    assert float(by_name["correct"][3]) == pytest.approx(last["w"], rel=1e-6)
    assert by_name["cleared-before-step"][1:6] == ["20", "30", "0", "-30", "backward()"]
    assert by_name["not-a-leaf"][1:] == ["0", "—", "—", "—"]
    assert any(x.split()[:2] == ["cleared-before-step", "+29.94"] for x in against), against
    assert "  the same as correct's: graph-kept" in against


def _csv_takes_the_epochs_and_has_the_same_rows(rows: list[dict[str, Any]]) -> None:
    result = _compare("--epochs", "3", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(table[0]) == ["lane", "epoch", "loss", "w", "grad_w", "backward_w", "error"]
    first = [row for row in rows if row.get("epoch", 1) <= 3]
    assert len(table) == len(first)
    for got, want in zip(table, first, strict=True):
        assert got["lane"] == want["lane"]
        for key in ("epoch", "loss", "w", "grad_w", "backward_w"):
            expected = want.get(key)
            assert (float(got[key]) if got[key] else None) == expected, (key, got, want)
        assert got["error"] == want.get("error", "")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--lr", "0.1"], "--lr"),
        (["--variant", "torch-optim"], "--variant"),
        (["--no-zero-grad"], "--no-zero-grad"),
        (["--x", "1,2,3"], "--x"),
        (["--epochs", "0"], "--epochs"),
    ],
)
def test_an_option_that_does_not_apply_exits_2(args: list[str], named: str) -> None:
    result = run_gdtui("compare", "--across", "mistakes", *args)
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith(f"gdtui compare: error: {named}: "), result
