"""The run screen's layout: breakpoints that set its shape, the settings as a drawer on a
narrow screen (open exactly while they have the focus), and which keys act where the focus
is. :class:`~gdtui.app.screens.main.MainScreen` is one."""

from __future__ import annotations

from typing import Any

from textual._context import active_app
from textual.screen import Screen

from gdtui.app.widgets.settings_form import FIELD_WIDGETS
from gdtui.app.widgets.variant_pane import VariantPane

MIN_WIDTH, MIN_HEIGHT = 60, 18
"""Below this the panes cannot fit: a notice replaces them (the keys still work)."""
NARROW_WIDTH = 100
"""Below this many columns the settings are a drawer, so the chart and the table keep the
room."""
WIDE_WIDTH = 160
"""From this many columns the debug table runs under the settings and the chart, every
column in sight."""


def _breakpoint_classes(
    horizontal: list[tuple[int, str]], vertical: list[tuple[int, str]]
) -> list[str]:
    """The breakpoint classes Textual gives a screen of the terminal's size on its first
    resize (the widest breakpoint at or under each dimension)."""
    try:
        width, height = active_app.get().size
    except LookupError:  # made outside a running app: the resize says
        return []
    return [
        next(name for start, name in sorted(points, reverse=True) if size >= start)
        for size, points in ((width, horizontal), (height, vertical))
        if any(size >= start for start, _ in points)
    ]


class RunLayout(Screen[Any]):
    """A screen laid out by breakpoints (see ``gdtui.tcss``): the settings beside the chart
    and the debug table; on a wide screen the table runs under both; on a narrow one, or in
    presenter mode, the settings are a drawer."""

    AUTO_FOCUS = ""
    """Nothing is focused for us: the screen focuses the variants, unless a lesson or
    presenter mode makes the keys the run's (no field, no drawer, to start in)."""
    # Textual declares these as plain attributes (a ClassVar annotation fails type checks).
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-narrow"),
        (NARROW_WIDTH, "-medium"),
        (WIDE_WIDTH, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012

    def __init__(self, *, present: bool, playing: bool) -> None:
        # The classes the first resize and focus give, set now: here they cost nothing, where
        # set once the screen is styled each styles it all again (~50 ms of the first frame).
        classes = _breakpoint_classes(self.HORIZONTAL_BREAKPOINTS, self.VERTICAL_BREAKPOINTS)
        if present:
            classes.append("-present")
        if playing:
            classes.append("-playing")
        if classes and "-narrow" not in classes and not playing and not present:
            classes.append("-open")  # the variants get the focus (in a closed drawer, not)
        super().__init__(id="_default", classes=" ".join(classes))
        self.present = present
        """Presenter mode (``p``, ``--present``): big numbers, the form and table hidden."""
        self._open_when_left = False
        """Whether the settings drawer was open when another screen went on top."""
        self._resumed = False
        """Back on top, and the focus not yet settled (see on_descendant_focus)."""
        self._was_narrow = "-narrow" in classes

    def on_resize(self) -> None:
        narrow = self.has_class("-narrow")
        if narrow and not self._was_narrow and not self.in_field and self._focus_in_settings():
            # Narrowed to a drawer: closed, as a fresh start at this size has it (the variants
            # had the focus only because a wide screen gives it to them; a field being typed
            # in keeps it).
            self.action_close_settings()
        self._was_narrow = narrow
        self.adapt_layout()
        self.refresh_bindings()  # the drawer's keys come and go with the breakpoints

    def adapt_layout(self) -> None:
        """On a terminal too small for the panes, a notice instead (the breakpoints do the
        rest)."""
        width, height = self.app.size
        self.set_class(width < MIN_WIDTH or height < MIN_HEIGHT, "-too-small")

    @property
    def drawer(self) -> bool:
        """Whether the settings are a drawer (a narrow screen, or presenter mode), open or
        not."""
        return self.has_class("-narrow") or self.present

    def on_screen_suspend(self) -> None:
        self._open_when_left = self.has_class("-open")

    def on_screen_resume(self) -> None:
        self._resumed = True

    def on_descendant_focus(self) -> None:
        if self._resumed:
            # Back from compare, the tour or help with nothing focused, Textual focuses the
            # first focusable widget, which is in the closed drawer: keep it as it was left.
            self._resumed = False
            back = self._open_when_left or self.has_class("-open")
            if self.drawer and self._focus_in_settings() and not back:
                self.set_focus(None)
                return
        self._follow_focus()

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self._follow_focus)

    def _follow_focus(self) -> None:
        """The drawer is open exactly while the settings have the focus."""
        inside = self._focus_in_settings()
        if self.has_class("-open") != inside:
            self.set_class(inside, "-open")
            self.refresh_bindings()

    def _focus_in_settings(self) -> bool:
        focused = self.focused
        return focused is not None and self.query_one("#left") in focused.ancestors_with_self

    def action_open_settings(self) -> None:
        """Open the settings drawer and go to the variants."""
        self.set_class(True, "-open")
        self.call_after_refresh(self.query_one(VariantPane).focus)

    def action_close_settings(self) -> None:
        """Close the settings drawer: the keys act on the run, the chart has the room."""
        self.set_focus(None)
        self.set_class(False, "-open")
        self.refresh_bindings()

    @property
    def in_field(self) -> bool:
        """Whether the settings form has the focus (a text setting's editor, a choice, a
        switch, or a choice's open list): the run's single keys do not act there."""
        focused = self.focused
        if focused is None:
            return False
        return any(isinstance(node, FIELD_WIDGETS) for node in focused.ancestors_with_self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In a form field only leaving it acts (and the field's own keys): the key bar shows
        no key that would type, or do nothing. The drawer's keys act on a narrow screen."""
        if action == "leave_field":
            return self.in_field
        if action == "open_settings":
            return self.drawer and not self.has_class("-open")
        if action == "close_settings":
            return self.drawer and self.has_class("-open") and not self.in_field
        return not self.in_field

    def action_leave_field(self) -> None:
        """Leave the field (an invalid entry goes back to the run's value), so that single
        keys act again."""
        if self.in_field:
            self.query_one(VariantPane).focus()
