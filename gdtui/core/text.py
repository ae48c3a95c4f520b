"""Text from a file or a person, made safe to show: control characters, which a terminal would
obey (``ESC [31m`` paints red, ``ESC ]0;…BEL`` sets the window's title), are shown instead."""

from __future__ import annotations

import re

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Every C0 and C1 control character and DEL, but the tab and the newline."""


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC: Unicode's picture of the control character
    return "␡" if code == 0x7F else f"\\x{code:02x}"


def visible(text: str) -> str:
    """``text`` with each control character shown as what it is (``␛``, ``␇``, ``\\x9b``)
    rather than obeyed; a tab becomes a space, a newline stays."""
    return CONTROL.sub(_picture, text).replace("\t", " ")
