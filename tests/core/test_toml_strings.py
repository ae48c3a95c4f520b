"""Any string written as TOML reads back: characters beyond the BMP as they are (JSON's
surrogate-pair escapes are no TOML), control characters and DEL escaped."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gdtui.core.settings.files import parse_settings_text, toml_value


def _loads(text: str) -> object:
    return parse_settings_text(text, "TOML")  # tomllib, or tomli on Python 3.10


def test_a_character_beyond_the_bmp_reads_back() -> None:
    assert _loads(f"data = {toml_value('d/😀.csv')}") == {"data": "d/😀.csv"}


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_any_text_reads_back_as_itself(text: str) -> None:
    assert _loads(f"a = {toml_value(text)}\nb = 1\n") == {"a": text, "b": 1}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.characters() | st.characters(categories=["Cs"])).map("".join))
def test_a_lone_surrogate_still_makes_valid_toml(text: str) -> None:
    # A file name's undecodable byte (surrogateescape) has no TOML form: it reads back as
    # U+FFFD, and the document stays valid.
    read = _loads(f"a = {toml_value(text)}\nb = 1\n")
    expected = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    assert read == {"a": expected, "b": 1}
