"""Control characters in text from a file or a person are shown, never obeyed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gdtui.core.text import visible


def test_escape_sequences_are_shown_not_obeyed():
    assert visible("\x1b[31mred\x1b[0m") == "␛[31mred␛[0m"
    assert visible("\x1b]0;pwned\x07") == "␛]0;pwned␇"
    assert visible("a\x9bb\x7fc") == "a\\x9bb␡c"
    assert visible("line one\nline two\tend") == "line one\nline two end"


@given(st.text())
def test_no_control_character_but_the_newline_is_left(text):
    shown = visible(text)
    assert all(c == "\n" or not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) for c in shown)
    assert visible(shown) == shown  # what is shown is shown as it is
