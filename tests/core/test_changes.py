"""Changes made mid-run, as a settings file says them and a run replays them: the training
process replayed from the file's start and changes gives the run's own numbers, epoch for
epoch, whatever was changed where (between epochs, partway through one, after a run ended or
paused diverging)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.runner import Runner
from gdtui.core.engine.stops import RunState
from gdtui.core.run.export import csv_chunks, export_bytes, jsonl_chunks, replayed_settings
from gdtui.core.run.history import RunHistory
from gdtui.core.run.session import TrainingSession
from gdtui.core.settings.changes import MidRunChange, normalise, parse_changes
from gdtui.core.settings.config import ConfigError, RunConfig
from gdtui.core.settings.files import config_text, read_settings
from tests.core.stepping import InProcess


class Played:
    """A run as the app's training process plays it: stretches run, settings applied
    between them or between lines, every record and every change it reports kept."""

    def __init__(self, config: RunConfig) -> None:
        self.start = config
        self.runner = Runner(config)
        self.records: list[EpochRecord] = []
        self.applied: list[MidRunChange] = []

    def run(self, epochs: int) -> RunState | None:
        stretch = self.runner.run(epochs)
        self.records += stretch.records
        self.applied += stretch.applied
        return None if stretch.stop is None else stretch.stop.state

    def lines(self, count: int) -> None:
        for _ in range(count):
            _, stretch = self.runner.run_line()
            if stretch is not None:
                self.records += stretch.records
                self.applied += stretch.applied

    def set(self, **values: object) -> None:
        self.runner.apply(self.runner.config.replace(**values))

    def replayed(self, suffix: str = ".toml") -> list[EpochRecord]:
        """The run replayed from its settings file (written, then read back)."""
        start, changes = normalise(self.start, self.applied)
        text = config_text(start, suffix, changes)
        data = json.loads(text) if suffix == ".json" else _toml(text)
        script = parse_changes(data.pop("changes", []), start)
        runner, records = Runner(start, script=script), []
        while len(records) < len(self.records):
            # Stretches that end anywhere, as the app's slices do.
            stretch = runner.run(min(97, len(self.records) - len(records)))
            records += stretch.records
            if stretch.stop is not None and stretch.stop.state is not RunState.DIVERGING:
                break
        return records


def _toml(text: str) -> dict:
    import tomllib

    return tomllib.loads(text)


def _between_epochs(run: Played) -> None:
    run.run(30)
    run.set(lr=run.runner.config.lr * 2)
    run.run(20)
    run.set(zero_grad=False)
    run.run(5)
    run.set(zero_grad=True)  # clears what .grad accumulated
    run.set(zero_grad=False)  # and accumulates afresh
    run.run(5)
    run.set(zero_grad=True, schedule="step")
    run.run(40)


def _mid_epoch(run: Played) -> None:
    run.run(10)
    run.lines(3)
    run.set(lr=0.02)
    run.lines(2)
    run.set(zero_grad=False)
    run.run(10)
    run.lines(1)
    run.set(zero_grad=True, lr=0.005)
    run.run(10)


def _after_the_end(run: Played) -> None:
    assert run.run(1000) is RunState.DONE
    run.set(epochs=150, schedule="cosine")
    assert run.run(1000) is RunState.DONE
    run.set(epochs=400, eps=1e-13, schedule="constant")
    assert run.run(1000) in (RunState.DONE, RunState.CONVERGED)
    assert len(run.records) > 150


def _diverging(run: Played) -> None:
    run.set(lr=0.3)
    assert run.run(1000) is RunState.DIVERGING  # paused there; the person lowers the rate
    run.set(lr=0.01)
    run.run(50)
    run.set(lr=0.2)
    assert run.run(1000) is RunState.DIVERGING
    run.run(5)  # and goes on regardless, then lowers it
    run.set(lr=0.005)
    run.run(20)


SCENES: dict[str, Callable[[Played], None]] = {
    "between epochs": _between_epochs,
    "mid-epoch": _mid_epoch,
    "after the end": _after_the_end,
    "diverging": _diverging,
}
CONFIGS = {
    "numpy-manual": RunConfig(variant="numpy-manual", epochs=100, bias=True),
    "torch-autograd": RunConfig(epochs=100),
    "torch-optim adam": RunConfig(variant="torch-optim", optimizer="adam", epochs=100),
    "torch-module batches": RunConfig(
        variant="torch-module", optimizer="momentum", batch_size=3, shuffle=True, epochs=100
    ),
}


@pytest.mark.parametrize("scene", SCENES)
@pytest.mark.parametrize("case", CONFIGS)
def test_a_run_replays_from_its_settings_file(case: str, scene: str) -> None:
    config = CONFIGS[case]
    if scene == "diverging" and config.optimizer == "adam":
        config = config.replace(optimizer="sgd")  # Adam's steps do not blow up with the rate
    run = Played(config)
    SCENES[scene](run)
    assert run.applied  # the scene changed something
    assert run.replayed() == run.records
    assert run.replayed(".json") == run.records


def test_the_file_holds_each_change_where_it_took_effect() -> None:
    run = Played(RunConfig(variant="numpy-manual"))
    run.set(lr=0.02)  # before epoch 1: the run's start
    run.run(3)
    run.set(lr=0.04)
    run.set(lr=0.02)  # and back: no change at all
    run.run(2)
    run.lines(2)
    run.set(lr=0.03)
    run.run(1)
    start, changes = normalise(run.start, run.applied)
    assert start == RunConfig(variant="numpy-manual", lr=0.02)
    assert changes == (MidRunChange(6, {"lr": 0.03}, lines=2),)
    text = config_text(start, ".toml", changes)
    assert text.endswith("[[changes]]\nepoch = 6\nlines = 2\nset = { lr = 0.03 }\n")


def test_zero_grad_switched_on_and_off_between_epochs_stays_in_the_file() -> None:
    """Switched on between epochs, zero_grad clears what .grad accumulated; switched off again
    at once, the setting is as it was, but the gradient is not."""
    run = Played(RunConfig(zero_grad=False))
    run.run(5)
    run.set(zero_grad=True)
    run.set(zero_grad=False)
    run.run(5)
    _, changes = normalise(run.start, run.applied)
    assert changes == (MidRunChange(6, {"zero_grad": True}), MidRunChange(6, {"zero_grad": False}))
    assert run.replayed() == run.records
    w = run.records[4].w  # epoch 6's gradient is its own: what epochs 1-5 left was cleared
    fresh = sum(2 * x * (w * x - 2 * x) for x in (1, 2, 3, 4)) / 4
    assert run.records[5].grad_w == pytest.approx(fresh, rel=1e-5)
    assert run.records[4].grad_w != pytest.approx(run.records[0].grad_w, rel=1e-3)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"epoch": 2, "set": {"batch_size": 2}}, "batch_size cannot change mid-run"),
        ({"epoch": 2, "set": {"lr": "fast"}}, "changes 1: set: lr: expects a finite number"),
        ({"epoch": True, "set": {"lr": 0.1}}, "changes 1: epoch: expects a whole number"),
        ({"epoch": 2, "lines": -1, "set": {"lr": 0.1}}, "changes 1: lines: expects a whole"),
        ({"epoch": 2, "set": {"epochs": 0}}, "changes 1: set: epochs: expects a whole number"),
        ({"set": {"lr": 0.1}}, "changes 1: epoch: expects a whole number from 1"),
    ],
)
def test_a_bad_change_is_refused_with_where_and_why(data: dict, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_changes([data], RunConfig())
    assert caught.value.field == "config" and words in str(caught.value)


def test_changes_out_of_order_are_refused() -> None:
    data = [{"epoch": 5, "set": {"lr": 0.1}}, {"epoch": 4, "set": {"lr": 0.2}}]
    with pytest.raises(ConfigError, match="changes 2: comes before the change above it"):
        parse_changes(data, RunConfig())
    with pytest.raises(ConfigError, match="changes: expects a list of tables"):
        parse_changes({"epoch": 5}, RunConfig())


def test_a_settings_file_keeps_its_changes_apart_from_its_settings(tmp_path) -> None:
    path = tmp_path / "run.toml"
    changes = (MidRunChange(3, {"lr": 0.02, "zero_grad": False}),)
    path.write_text(config_text(RunConfig(variant="numpy-manual"), ".toml", changes, "a note"))
    options, data = read_settings(path)
    assert options["variant"] == "numpy-manual" and "changes" not in options
    assert parse_changes(data, RunConfig(variant="numpy-manual")) == changes
    assert path.read_text().startswith("# a note\n")


def test_a_change_made_since_the_last_epoch_is_in_the_settings_to_replay() -> None:
    """``n n z e``: zero_grad is off from epoch 3, which no epoch has run with yet."""
    port = InProcess()
    session = TrainingSession(RunConfig(variant="numpy-manual"), port)
    port.reset(session.run_id, session.config)
    assert port.runner is not None
    session.accept(port.runner.run(2))
    session.change({"zero_grad": False})
    start, changes = replayed_settings(session, session.epoch)
    assert start == RunConfig(variant="numpy-manual")
    assert changes == (MidRunChange(3, {"zero_grad": False}),)


def test_a_session_replaying_a_file_takes_its_settings_as_they_come() -> None:
    config = RunConfig(variant="numpy-manual", epochs=40)
    script = (MidRunChange(10, {"lr": 0.02}), MidRunChange(41, {"epochs": 50}))
    session = TrainingSession(config, script=script)
    runner = Runner(config, session.run_id, script)
    while not session.finished:
        session.accept(runner.run(7))
    assert session.epoch == 50 and session.config == config.replace(lr=0.02, epochs=50)
    assert session.start == config and session.applied == list(script)
    assert replayed_settings(session, 50) == (config, script)
    session.restart()  # r: the file's run again
    assert session.config == config and session.script == script and not session.applied
    session.change({"lr": "0.03"})  # a change of one's own ends the replay
    assert session.script == ()


def test_an_exports_size_is_said_within_a_few_per_cent() -> None:
    """Its rows are sampled over the whole run: here the first half's numbers are short
    (1.0, 0.5) and the second half's long (1/3), so a sample of the first rows alone would
    say about two thirds of the size."""
    history = RunHistory(has_bias=True)
    history.extend(
        EpochRecord(e, 1.0, 2.0, 0.0, 0.5, 0.0, 0.5, 0, e)
        if e <= 30_000
        else EpochRecord(e, e / 3, -e / 7, e / 11, e / 13, -e / 17, 0.001 / 3, 1, e)
        for e in range(1, 60_001)
    )
    written = sum(len("".join(chunks(history))) for chunks in (csv_chunks, jsonl_chunks))
    assert abs(export_bytes(history) - written) < 0.02 * written
    head = sum(len("".join(chunks(history, 1000))) for chunks in (csv_chunks, jsonl_chunks))
    assert abs(export_bytes(history, 1000) - head) < 0.02 * head
