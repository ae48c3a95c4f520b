"""Where a recording (``gdtui --record``) is written: a file made at start, exclusively, and
only that file replaced afterwards; a name taken meanwhile is never written over, and the
recording goes on under a new name, said once."""

from __future__ import annotations

import os
from pathlib import Path

from gdtui.app.recording import Recording
from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.runner import Stretch
from gdtui.core.engine.stops import RunState, Stop
from gdtui.core.lessons.lesson import load_lesson
from gdtui.core.settings.config import RunConfig

START = RunConfig(variant="numpy-manual", epochs=5_000_000)


def _recording(path: Path) -> tuple[Recording, list[str]]:
    told: list[str] = []
    return Recording(path, START, told.append), told


def test_the_file_is_made_at_the_start_as_a_lesson_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    recording, told = _recording(path)
    assert load_lesson(str(path)).steps[0].note == "The run before any step."
    recording.ran_epochs(1, at=1)
    assert len(load_lesson(str(path)).steps) == 1 and told == []


def test_two_sessions_recording_to_one_name_do_not_overwrite_each_other(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    first, first_told = _recording(path)
    second, second_told = _recording(path)  # both started before either made the file
    assert (first.path, second.path) == (path, tmp_path / "demo-2.toml")
    for _ in range(3):
        first.ran_epochs(1, at=1)
    second.ran_line(at=1)
    assert [step.epochs for step in load_lesson(str(path)).steps] == [1, 1, 1]
    second_steps = load_lesson(str(second.path)).steps
    assert [step.lines for step in second_steps] == [1]
    assert "--lesson demo-2.toml" in second.path.read_text()  # it names its own file
    assert first_told == [] and len(second_told) == 1
    assert "appeared after gdtui started and is not written over" in second_told[0]
    assert "demo-2.toml" in second_told[0]


def test_a_file_put_in_its_place_is_not_written_over_and_said_once(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    recording, told = _recording(path)
    recording.ran_epochs(1, at=1)
    (tmp_path / "mine.toml").write_text("a lesson of my own\n")
    os.replace(tmp_path / "mine.toml", path)
    for at in range(2, 5):
        recording.ran_epochs(1, at=at)
    assert path.read_text() == "a lesson of my own\n"
    assert recording.path == tmp_path / "demo-2.toml"
    assert len(load_lesson(str(recording.path)).steps) == 4  # nothing lost
    assert len(told) == 1 and "replaced by another file" in told[0], told
    assert "goes on in demo-2.toml" in told[0]


def test_a_removed_recording_is_made_again_where_it_was(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    recording, told = _recording(path)
    path.unlink()
    recording.ran_epochs(1, at=1)
    assert recording.path == path and len(load_lesson(str(path)).steps) == 1 and told == []


def test_over_a_million_epochs_run_flat_out_are_still_saved(tmp_path: Path) -> None:
    path = tmp_path / "long.toml"
    recording, told = _recording(path)
    records = [EpochRecord(1, 1.0, 0.0, 0.0)] * 1_076_745
    recording.landed(Stretch(1, records, stop=Stop(RunState.DONE, 1_076_745), after=1))
    steps = load_lesson(str(path)).steps
    assert [step.epochs for step in steps] == [1_000_000, 76_745] and told == []
