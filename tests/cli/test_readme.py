"""The README's examples are the program's output (see readme_examples.py), on this machine's
math paths and on those of a machine without AVX-512."""

from __future__ import annotations

import pytest

from tests.cli.readme_examples import ELLIPSIS, Example, examples
from tests.showcase import ANOTHER_MACHINE

EXAMPLES = examples()


def test_the_readme_has_examples_of_run_and_compare_in_every_format():
    commands = [e.command for e in EXAMPLES]
    assert any(c.startswith("gdtui run") and "jsonl" in c for c in commands)
    assert any(c.startswith("gdtui compare") and "--format csv" in c for c in commands)
    assert any(c.startswith("gdtui compare --epochs") for c in commands)
    assert any(c.startswith("gdtui trace") for c in commands)
    assert all(e.shown.count(ELLIPSIS) <= 1 for e in EXAMPLES)


@pytest.mark.parametrize("environment", [None, ANOTHER_MACHINE], ids=["here", "no-avx512"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.command)
def test_a_readme_example_is_what_the_program_prints(example: Example, environment) -> None:
    output = example.run(environment)
    assert example.shown == example.expected(output), "\n".join(output)
