"""``gdtui mistakes``: the gallery, one mistake a line, and each one's program; any two
programs differ in one place (one changed stretch of lines)."""

from __future__ import annotations

import difflib

from gdtui.core.own import gallery
from gdtui.core.own.findings import KINDS
from tests.cli.cli_support import run_gdtui


def test_the_list_names_every_kind_and_says_what_it_is() -> None:
    result = run_gdtui("mistakes")
    assert result.returncode == 0, result
    rows = [line.split(None, 1) for line in result.lines if line and not line.startswith("gdtui")]
    assert [name for name, _ in rows] == [*KINDS, "correct"]
    assert dict(rows)["graph-kept"] == KINDS["graph-kept"]


def test_a_mistake_prints_its_program() -> None:
    result = run_gdtui("mistakes", "not-a-leaf")
    assert result.returncode == 0
    assert result.stdout == gallery.program_path("not-a-leaf").read_text(encoding="utf-8")
    unknown = run_gdtui("mistakes", "typo")
    assert unknown.returncode == 2 and "NAME: no mistake 'typo'" in unknown.stderr


def test_each_mistake_differs_from_the_correct_loop_in_one_place() -> None:
    """One place: every changed line of a mistake lies within four lines of each other (the
    cleared-before-step loop moves the clearing up past the update)."""
    correct = gallery.program_path("correct").read_text(encoding="utf-8").splitlines()[1:]
    for name in KINDS:
        text = gallery.program_path(name).read_text(encoding="utf-8").splitlines()[1:]
        matcher = difflib.SequenceMatcher(a=correct, b=text)
        changed = [op for op in matcher.get_opcodes() if op[0] != "equal"]
        assert changed, name
        first, last = changed[0][1], max(op[2] for op in changed)
        assert last - first <= 4, (name, changed)
