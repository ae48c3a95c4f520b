"""The recorder's bookkeeping: keys filed by the commands sent, runs by the commands obeyed,
merged into the lesson steps that replay them (the app's own replay is tests/app)."""

from __future__ import annotations

from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.runner import Stretch
from gdtui.core.lessons.lesson import read_lesson
from gdtui.core.lessons.recorder import Recorder, changed_options
from gdtui.core.run.session import Change, needs_reset
from gdtui.core.settings.config import RunConfig, config_from_options


def _landed(recorder: Recorder, after: int, epochs: int) -> None:
    """A stretch of ``epochs`` epochs run flat out, after ``after`` commands, lands."""
    records = [EpochRecord(epoch, 1.0, 0.0, 0.0) for epoch in range(1, epochs + 1)]
    recorder.landed(Stretch(1, records, after=after))


def _changed(recorder: Recorder, old: RunConfig, new: RunConfig, at: int) -> None:
    recorder.changed(Change(old, new, restarted=needs_reset(old, new)), at)


def _actions(recorder: Recorder) -> list[tuple[str, object]]:
    out = []
    for step in recorder.steps():
        for key in ("reset", "set", "view", "epochs", "lines"):
            if value := getattr(step, key):
                out.append((key, value))
    return out


def test_runs_are_placed_by_the_commands_obeyed_not_by_when_they_landed():
    start = RunConfig(variant="numpy-manual", epochs=1000)
    recorder = Recorder(start)
    # space (command 1: run) → stretches run after 1 command; lr key (command 2: apply)
    # while stretches run before it were still on their way.
    _landed(recorder, after=1, epochs=40)
    faster = start.replace(lr=0.02)
    _changed(recorder, start, faster, at=2)
    _landed(recorder, after=1, epochs=25)  # stepped before the apply, landed after the key
    _landed(recorder, after=2, epochs=30)
    _landed(recorder, after=2, epochs=5)
    recorder.ran_epochs(1, at=4)  # n: pause (3) and step (4)
    _landed(recorder, after=2, epochs=3)  # the last slice before the pause, landed late
    assert _actions(recorder) == [
        ("epochs", 65),
        ("set", {"lr": 0.02}),
        ("epochs", 38),
        ("epochs", 1),
    ]


def test_each_key_is_a_step_and_a_view_already_in_sight_is_not():
    recorder = Recorder(RunConfig())
    recorder.viewed("loss", at=0)
    recorder.viewed("code", at=0)  # . shows the code, then runs a line
    recorder.ran_line(at=1)
    recorder.ran_line(at=2)
    recorder.viewed("code", at=2)
    recorder.restarted(at=3)
    recorder.viewed("landscape", at=3)
    assert _actions(recorder) == [
        ("view", "code"),
        ("lines", 1),
        ("lines", 1),
        ("reset", True),
        ("view", "landscape"),
    ]


def test_the_written_lesson_reads_back_to_the_same_steps_and_settings():
    start = config_from_options({"variant": "torch-module", "lr": 0.05, "w0": 0.5, "epochs": 9})
    recorder = Recorder(start, "A demo")
    cleared = config_from_options({"w0": ""}, base=start)
    _changed(recorder, start, cleared, at=1)
    recorder.ran_epochs(1, at=2)
    _landed(recorder, after=3, epochs=8)
    lesson = read_lesson(recorder.text("about it"), "demo.toml")
    assert lesson.title == "A demo" and lesson.about == "about it"
    assert lesson.config == start
    assert lesson.steps == tuple(recorder.steps())
    assert lesson.steps[0].set == {"w0": ""}
    assert config_from_options(lesson.steps[0].set, base=start) == cleared


def test_a_change_of_variant_is_one_set_whose_note_says_the_run_starts_again():
    start = RunConfig()
    new = config_from_options({"variant": "numpy-manual"}, base=start)
    assert changed_options(start, new) == {"variant": "numpy-manual"}
    recorder = Recorder(start)
    _changed(recorder, start, new, at=1)
    (step,) = recorder.steps()
    assert "starts again from epoch 0" in step.note


def test_nothing_done_is_one_note():
    recorder = Recorder(RunConfig())
    lesson = read_lesson(recorder.text(), "empty.toml")
    assert len(lesson.steps) == 1 and not _actions(recorder)
