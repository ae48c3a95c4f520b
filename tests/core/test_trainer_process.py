"""The training process, for real: a child process driven through its pipes, stopped, killed
and replaced. Nothing the parent does may wait on it."""

from __future__ import annotations

import os
import signal
import time

import pytest

from gdtui.core.compare.comparison import lanes
from gdtui.core.engine.runner import Runner, Stretch
from gdtui.core.process.parent import MAX_PENDING, TrainerProcess, _Child
from gdtui.core.process.protocol import (
    Apply,
    Cancel,
    Compare,
    Compared,
    CompareProgress,
    Died,
    Reset,
    Restore,
    Restored,
    RunEpochs,
)
from gdtui.core.run.session import TrainingSession
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import Dataset

from .conftest import Listener
from .processes import descendants, wait_gone

NUMPY = RunConfig(variant="numpy-manual", epochs=10**9)


def _steps(trainer: TrainerProcess, listener: Listener, epochs: int) -> list:
    trainer.ask(RunEpochs(epochs))
    return listener.wait_for(Stretch).records


def test_every_death_is_reported_once_and_a_second_death_too(trainer):
    process, listener = trainer()
    for _ in range(2):
        process.close(timeout=0)  # the dead one (nothing the first time)
        process.start(NUMPY, run_id=1)
        assert _steps(process, listener, 3)
        pid = process.pid
        os.kill(pid, signal.SIGKILL)
        died = listener.wait_for(Died, 5)
        assert died.pid == pid and died.why == "killed by SIGKILL"
        time.sleep(0.3)
        assert not [m for m in listener.all_now() if isinstance(m, Died)]  # once only


def test_closing_is_not_a_death(trainer):
    process, listener = trainer()
    process.start(NUMPY, run_id=1)
    assert _steps(process, listener, 1)
    process.close(timeout=1)
    time.sleep(0.5)
    assert not [m for m in listener.all_now() if isinstance(m, Died)]


def test_a_stopped_child_is_not_responding_and_sending_to_it_never_waits(trainer):
    process, listener = trainer(not_responding=1.0)
    points = tuple(float(i) for i in range(1, 100_001))
    big = NUMPY.replace(dataset=Dataset("big", points, tuple(2 * x for x in points)))
    process.start(big, run_id=1)
    assert _steps(process, listener, 1)
    assert process.responding
    os.kill(process.pid, signal.SIGSTOP)
    try:
        start = time.monotonic()
        lr = 0.01
        for _ in range(MAX_PENDING * 3):  # more than the queue and the pipe can hold
            lr = 0.02 if lr == 0.01 else 0.01
            process.apply(big.replace(lr=lr))
        assert time.monotonic() - start < 1.0
        time.sleep(1.2)
        assert not process.responding
    finally:
        os.kill(process.pid, signal.SIGCONT)


def test_a_child_that_answers_again_is_responding_again(trainer):
    process, listener = trainer(not_responding=1.0)
    process.start(NUMPY, run_id=1)
    assert _steps(process, listener, 1)
    os.kill(process.pid, signal.SIGSTOP)
    time.sleep(1.5)
    assert not process.responding
    os.kill(process.pid, signal.SIGCONT)
    time.sleep(1.0)  # a heartbeat comes within half a second
    assert process.responding


def test_only_the_settings_that_changed_cross_the_pipe(trainer, monkeypatch):
    sent: list[object] = []
    original = _Child.send

    def spy(self: _Child, command: object) -> None:
        sent.append(command)
        original(self, command)

    monkeypatch.setattr(_Child, "send", spy)
    process, listener = trainer()
    data = Dataset("mine", (1.0, 2.0, 3.0), (2.0, 4.0, 6.0))
    config = NUMPY.replace(dataset=data)
    process.start(config, run_id=1)
    first = sent[0]
    assert isinstance(first, Reset) and first.changes["dataset"] == data  # the first time: all
    process.apply(config.replace(lr=0.02))
    process.reset(2, config.replace(lr=0.02, variant="torch-autograd"))
    assert sent[-2] == Apply({"lr": 0.02})
    assert sent[-1] == Reset(2, {"variant": "torch-autograd"})
    # and the child has the whole configuration all the same
    records = _steps(process, listener, 2)
    reference = Runner(config.replace(lr=0.02, variant="torch-autograd")).run(2).records
    assert records == reference


@pytest.mark.parametrize(
    "config",
    [
        RunConfig(variant="numpy-manual", epochs=10**9),
        RunConfig(variant="torch-module", optimizer="adam", lr=0.05, epochs=10**9),
    ],
    ids=lambda c: f"{c.variant}-{c.optimizer}",
)
def test_a_new_child_replays_the_run_and_carries_on_exactly(trainer, config):
    """Mid-run changes of lr and zero_grad included: the replayed run and an uninterrupted
    one (stepped here, in this process) agree to the last bit."""
    changes = [(40, {"lr": config.lr * 2}), (70, {"zero_grad": False}), (90, {"zero_grad": True})]
    process, listener = trainer()
    session = TrainingSession(config)
    process.start(config, session.run_id)
    reference = Runner(config)
    expected = []
    current = config
    done = 0
    for epoch, change in [*changes, (120, {})]:
        process.ask(RunEpochs(epoch - done))
        session.accept(listener.wait_for(Stretch, 60))
        expected += reference.run(epoch - done).records
        done = epoch
        current = current.replace(**change)
        assert session.change(current).applied
        process.apply(current)
        reference.apply(current)
    assert [r for r in session.history] == expected
    os.kill(process.pid, signal.SIGKILL)
    listener.wait_for(Died, 5)
    process.close(timeout=0)
    process.start(current, session.run_id)
    process.send(Restore(session.replay_plan()))
    restored = listener.wait_for(Restored, 60)
    assert restored.record == session.last_record
    assert restored.optimizer_state == session.optimizer_state
    after = _steps(process, listener, 30)
    assert after == reference.run(30).records


def test_a_comparison_streams_its_progress_and_stops_at_once_when_cancelled(trainer):
    process, listener = trainer()
    config = RunConfig(variant="torch-autograd", epochs=100_000)
    process.start(config, run_id=1)
    request = process.ask(Compare(config, "variants")).request
    going = listener.wait_for(
        CompareProgress, 60, where=lambda m: m.request == request and any(m.lanes.values())
    )
    assert set(going.series) == set(going.lanes) == set(lanes(config))
    start = time.monotonic()
    process.send(Cancel(request))
    compared = listener.wait_for(Compared, 5)
    assert compared.request == request and compared.comparison is None
    assert time.monotonic() - start < 0.5
    records = _steps(process, listener, 1)  # nothing waits behind it
    assert records[0].epoch == 1


def test_the_child_ends_by_itself_when_its_parent_goes_even_mid_comparison(trainer):
    process, listener = trainer()
    config = RunConfig(variant="torch-autograd", epochs=100_000)
    process.start(config, run_id=1)
    request = process.ask(Compare(config, "variants")).request
    listener.wait_for(CompareProgress, 60, where=lambda m: m.request == request)
    child = process._child
    assert child is not None
    workers = descendants(child.process.pid)  # the comparison's lanes run in these
    assert workers
    child.closing = True
    child._commands.close()  # what the parent's death does to the pipe
    start = time.monotonic()
    child.process.wait(timeout=2)
    assert time.monotonic() - start < 1.0
    assert not wait_gone(workers, 2.0)


def test_each_step_is_answered_with_its_number_even_once_the_run_has_ended(trainer):
    process, listener = trainer()
    process.start(RunConfig(variant="numpy-manual", epochs=3), run_id=1)
    first = process.ask(RunEpochs(5)).request
    stretch = listener.wait_for(Stretch)
    assert stretch.request == first and [r.epoch for r in stretch.records] == [1, 2, 3]
    second = process.ask(RunEpochs(1)).request  # the run is over: an empty answer, so no one
    stretch = listener.wait_for(Stretch)  # waits for ever
    assert second == first + 1 and stretch.request == second and stretch.records == []
