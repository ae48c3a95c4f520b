"""No error about a CSV file quotes the file: a served tab may load any file under its root,
and an error shown in the browser must not read it out (``secret=hunte…`` was 12 characters
of a header). The errors say where (line, column number) and what is wrong instead."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdtui.core.settings.data import parse_csv
from gdtui.core.settings.parse import ParseError

SECRET = "secret=hunter2"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (f"{SECRET},{SECRET},x,y\n1,2,3,4\n", "gives columns 1 and 2 the same name;"),
        (f"x,y,{SECRET} ,{SECRET.upper()}\n1,2,3,4\n", "gives columns 3 and 4 the same name;"),
        (f"{SECRET}\n1\n", "has no column 'x' or 'y'"),
        (f"x,y\n1,{SECRET}\n", "row 2, column 'y': not a plain decimal number"),
        (f"x,y\n1,2\r{SECRET}\n", "line 2 has a line break"),
        ('x,y\n1,"' + SECRET * 10_000 + '"\n', "line 2 has a value longer than 131,072"),
    ],
    ids=["same-name", "same-name-spaced", "no-x-or-y", "bad-number", "lone-cr", "long-value"],
)
def test_each_csv_error_says_where_and_what_but_quotes_none_of_the_file(text, says):
    with pytest.raises(ParseError) as raised:
        parse_csv(text)
    message = str(raised.value)
    assert says in message
    assert "secret" not in message.lower() and "hunt" not in message.lower(), message


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["x", "y", "1", "2.5", SECRET, "", '"', "\r"]), max_size=5).map(
            ",".join
        ),
        min_size=1,
        max_size=5,
    ).map("\n".join)
)
def test_no_csv_error_quotes_a_name_or_value_from_the_file(text):
    try:
        parse_csv(text)
    except ParseError as error:
        assert "secret" not in str(error) and "hunt" not in str(error), str(error)
