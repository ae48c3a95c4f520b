"""What the recorder writes always loads as a lesson: a run longer than a step may hold is
split, and any text (a file's name in a note, a title) is written so that it reads back."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.runner import Stretch
from gdtui.core.lessons import recorder as recorder_module
from gdtui.core.lessons.lesson import MAX_COUNT, LessonError, read_lesson
from gdtui.core.lessons.recorder import Recorder
from gdtui.core.run.session import Change
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import Dataset


def _landed(recorder: Recorder, after: int, epochs: int) -> None:
    """``epochs`` epochs run flat out land (the same record repeated: only the count counts)."""
    recorder.landed(Stretch(1, [EpochRecord(1, 1.0, 0.0, 0.0)] * epochs, after=after))


def test_a_run_past_a_steps_limit_is_split_into_steps_that_load():
    # 1,076,745 epochs run with space made every save fail: a step holds at most 1,000,000.
    recorder = Recorder(RunConfig(variant="numpy-manual", epochs=5_000_000))
    _landed(recorder, after=1, epochs=600_000)
    _landed(recorder, after=1, epochs=476_745)
    recorder.ran_epochs(2_000_001, at=3)  # n with a count, as long
    lesson = read_lesson(recorder.text(), "long.toml")
    assert [step.epochs for step in lesson.steps] == [MAX_COUNT, 76_745, MAX_COUNT, MAX_COUNT, 1]
    assert lesson.steps[0].note == "space: ran 1,076,745 epochs: part 1 of 2, 1,000,000 epochs."
    assert lesson.steps[-1].note == "n: 2,000,001 epochs: part 3 of 3, 1 epoch."


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.lists(st.characters() | st.characters(categories=["Cs"]), min_size=1).map("".join),
    title=st.text(min_size=1, max_size=300),
)
def test_any_file_name_in_a_note_and_any_title_load(name: str, title: str):
    # d/😀.csv was written as a surrogate-pair escape TOML refuses, and the next key crashed.
    start = RunConfig(variant="numpy-manual", epochs=10)
    data = Dataset(name, (1.0, 2.0), (2.0, 4.0), source=f"/d/{name}")
    recorder = Recorder(start, f"Recorded: {title}")
    recorder.changed(Change(start, start.replace(dataset=data), restarted=True), at=1)
    recorder.ran_epochs(1, at=2)
    lesson = read_lesson(recorder.text("about " + name), "any.toml")
    assert lesson.steps[0].set == {"x": [1.0, 2.0], "y": [2.0, 4.0]}
    assert lesson.steps[0].note.startswith("Changed data ")
    if len(name) < 300 and name.isprintable() and " ".join(name.split()) == name:
        assert name in lesson.steps[0].note


def test_data_changed_from_points_to_a_preset_and_back_loads():
    # A step's data replaces the run's: clearing the other form (x = "" beside a preset)
    # was refused as "give either --dataset or --x and --y, not both".
    start = RunConfig(variant="numpy-manual", epochs=10)
    points = start.replace(dataset=Dataset("p.csv", (1.0, 2.0), (2.0, 4.0), source="/p.csv"))
    other = points.replace(dataset=Dataset("q.csv", (1.0, 2.0), (3.0, 4.0), source="/q.csv"))
    recorder = Recorder(start)
    for at, (old, new) in enumerate([(start, points), (points, other), (other, start)], 1):
        recorder.changed(Change(old, new, restarted=True), at=at)
    lesson = read_lesson(recorder.text(), "data.toml")
    assert [step.set for step in lesson.steps] == [
        {"x": [1.0, 2.0], "y": [2.0, 4.0]},
        {"x": [1.0, 2.0], "y": [3.0, 4.0]},
        {"dataset": "line4"},
    ]


def test_a_recording_too_big_to_load_is_refused_not_written(monkeypatch):
    monkeypatch.setattr(recorder_module, "MAX_FILE_BYTES", 2_000)
    recorder = Recorder(RunConfig(variant="numpy-manual", epochs=1000))
    recorder.ran_epochs(1, at=1)
    recorder.text()  # small enough
    for at in range(2, 40):
        recorder.ran_epochs(1, at=at)
    with pytest.raises(LessonError, match="the most a lesson file may hold"):
        recorder.text()
