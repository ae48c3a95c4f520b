"""The session's one call that changes a run, and what it tells its training process and
its listeners (the app's screen, the recorder and a lesson's player all rely on it)."""

from __future__ import annotations

from typing import Any

from gdtui.core.engine.runner import Runner, Stretch
from gdtui.core.engine.stops import RunState
from gdtui.core.run.session import Change, Listener, TrainingSession
from gdtui.core.settings.config import RunConfig

NUMPY = RunConfig(variant="numpy-manual", epochs=10)


class Port:
    """A training process that writes down what it is told (each ask counts as a command)."""

    def __init__(self, usable: bool = True) -> None:
        self.told: list[tuple[Any, ...]] = []
        self.usable = usable

    @property
    def sent(self) -> int:
        return len(self.told)

    def reset(self, run_id: int, config: RunConfig) -> None:
        self.told.append(("reset", run_id, config))

    def apply(self, config: RunConfig) -> None:
        self.told.append(("apply", config))

    def pause(self) -> None:
        self.told.append(("pause",))

    def run(self) -> bool:
        self.told.append(("run",))
        return self.usable

    def run_epochs(self, epochs: int) -> bool:
        self.told.append(("run_epochs", epochs))
        return self.usable

    def run_line(self) -> bool:
        self.told.append(("run_line",))
        return self.usable


class Heard(Listener):
    def __init__(self) -> None:
        self.acts: list[tuple[Any, ...]] = []

    def restarted(self, at: int) -> None:
        self.acts.append(("restarted", at))

    def changed(self, change: Change, at: int) -> None:
        self.acts.append(("changed", change.words, change.restarted, at))

    def ran_epochs(self, epochs: int, at: int) -> None:
        self.acts.append(("ran_epochs", epochs, at))

    def ran_line(self, at: int) -> None:
        self.acts.append(("ran_line", at))

    def ran_on(self, at: int) -> None:
        self.acts.append(("ran_on", at))

    def viewed(self, view: str, at: int) -> None:
        self.acts.append(("viewed", view, at))

    def landed(self, stretch: Stretch) -> None:
        self.acts.append(("landed", len(stretch.records)))


def _session(config: RunConfig = NUMPY) -> tuple[TrainingSession, Port, Heard]:
    port, heard = Port(), Heard()
    session = TrainingSession(config, port)
    session.listeners.append(heard)
    return session, port, heard


def _ran(session: TrainingSession, epochs: int, request: int = 0) -> None:
    """What the training process would send back for ``epochs`` epochs of the run."""
    runner = Runner(session.config, session.run_id)
    stretch = runner.run(session.epoch + epochs)
    records = stretch.records[session.epoch :]
    session.accept(Stretch(session.run_id, records, stop=stretch.stop, request=request))


def test_bad_values_are_refused_field_by_field_and_nothing_is_told() -> None:
    session, port, heard = _session()
    change = session.change({"lr": "fast", "epochs": "0", "seed": "1"})
    assert not change.applied and set(change.errors) == {"lr", "epochs"}
    assert "expects a finite number > 0" in change.errors["lr"]
    assert session.config == NUMPY and port.told == [] and heard.acts == []


def test_a_live_setting_carries_the_run_on_and_any_other_starts_it_again() -> None:
    session, port, heard = _session()
    _ran(session, 3)
    run_id = session.run_id
    live = session.change({"lr": "0.02", "zero_grad": "off"})
    assert live.applied and not live.restarted
    assert (session.run_id, session.epoch, session.config.lr) == (run_id, 3, 0.02)
    assert port.told[-1] == ("apply", session.config)
    restart = session.change({"seed": "7"})
    assert restart.restarted and session.run_id == run_id + 1 and session.epoch == 0
    assert port.told[-1] == ("reset", session.run_id, session.config)
    assert [act[:3] for act in heard.acts] == [
        ("landed", 3),
        ("changed", "learning rate 0.02 (was 0.01); zero_grad off (was on)", False),
        ("changed", "seed 7 (was 0)", True),
    ]
    batches = session.change({"batch_size": "2"})
    assert batches.restarted and heard.acts[-1][1] == "batch size 2 (was all)"
    back = session.change({"batch_size": "all"})
    assert heard.acts[-1][1] == "batch size all (was 2)" and back.restarted
    # A setting the variant decides while unset is said as the form shows it, not "default".
    session.change({"bias": "on"})
    assert heard.acts[-1][1] == "bias on (was off)"


def test_fewer_epochs_than_run_are_refused_and_the_same_settings_do_nothing() -> None:
    session, port, heard = _session()
    _ran(session, 5)
    told = list(port.told)
    refused = session.change({"epochs": "4"})
    assert refused.errors == {
        "epochs": "the run is at epoch 5: give 5 or more, or reset it (r) first"
    }
    assert session.change({"lr": "0.01"}).applied  # what it is already
    assert port.told == told and [act[0] for act in heard.acts] == ["landed"]


def test_new_epochs_end_the_run_where_it_stands_and_more_let_it_go_on() -> None:
    session, port, _ = _session()
    _ran(session, 5)
    session.change({"epochs": "5"})
    assert session.state is RunState.DONE and session.message == "done: 5 epochs"
    assert port.told[-2:] == [("apply", session.config), ("pause",)]
    assert not session.run() and not session.run_epochs(1)  # ended: nothing is asked
    session.change({"epochs": "8"})
    assert session.state is RunState.PAUSED and session.run_epochs(1)


def test_each_act_is_told_with_the_commands_sent_once_it_was_done() -> None:
    session, port, heard = _session()
    session.show("code")
    assert session.run_line() and session.run_epochs(2)
    assert session.run()
    session.pause()
    session.restart()
    assert [act for act in heard.acts] == [
        ("viewed", "code", 0),
        ("ran_line", 1),
        ("ran_epochs", 2, 2),
        ("ran_on", 3),
        ("restarted", 5),  # pause (4), then the reset
    ]
    assert session.state is RunState.READY and port.told[-1][0] == "reset"


def test_a_stretch_that_answers_a_request_is_not_a_run_flat_out() -> None:
    session, _, heard = _session()
    _ran(session, 2, request=7)
    _ran(session, 3)
    assert heard.acts == [("landed", 3)] and session.epoch == 5


def test_without_a_usable_process_nothing_is_run_or_told() -> None:
    session, port, heard = _session()
    port.usable = False
    assert not session.run() and not session.run_epochs(1) and not session.run_line()
    assert heard.acts == [] and session.state is not RunState.RUNNING
