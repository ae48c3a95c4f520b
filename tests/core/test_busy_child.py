"""A busy training process is not a hung one: a child working through a burst of commands, or
a long command while more keep coming, or a large reply, says it is alive all along; only a
child that has stopped reading is given up. Real child processes, driven through their pipes."""

from __future__ import annotations

import os
import signal
import threading
import time
from multiprocessing import Pipe

from gdtui.core.engine.runner import Runner, Stretch
from gdtui.core.process.child import HEARTBEAT_SECONDS, _Channel
from gdtui.core.process.parent import MAX_PENDING, STUCK_SECONDS, TrainerProcess, _Child
from gdtui.core.process.protocol import Apply, Heartbeat, LineRan, RunEpochs, RunLine
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import parse_noisy

NUMPY = RunConfig(variant="numpy-manual", epochs=10**9)


def _watch(process: TrainerProcess, done, timeout: float = 60) -> list[float]:
    """Poll ``process.responding`` (as the app's check does, more often) until ``done()``;
    the times it said no."""
    silent: list[float] = []
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        if not process.responding:
            silent.append(time.monotonic())
        time.sleep(0.02)
    return silent


def test_3000_lines_sent_at_once_are_all_answered_and_the_child_responds_throughout(trainer):
    # A lesson's step of `lines = 3000` sends them in one go. The queue held 1,000: the rest
    # were dropped and the child, busy with the first ones, was declared not responding.
    process, listener = trainer(not_responding=1.0)
    process.start(NUMPY, run_id=1)
    asked = [process.ask(RunLine()).request for _ in range(3000)]
    answers: list[LineRan] = []

    def done() -> bool:
        answers.extend(m for m in listener.all_now() if isinstance(m, LineRan))
        return len(answers) >= 3000

    assert _watch(process, done) == []
    assert [answer.request for answer in answers] == asked
    reference = Runner(NUMPY)
    records = []
    for _ in range(3000):
        stretch = reference.run_line()[1]
        records += stretch.records if stretch is not None else []
    got = [r for a in answers if a.stretch is not None for r in a.stretch.records]
    assert got == records and len(got) == 3000 // 7  # numpy-manual's loop: 7 lines


def test_a_long_command_while_more_keep_coming_is_not_silence(trainer):
    # Commands arriving faster than the heartbeat's period (a held key) kept the reading
    # thread from ever finding the pipe quiet, and so from saying the child was alive.
    config = NUMPY.replace(dataset=parse_noisy("noisy:n=20000"), batch_size=1, lr=1e-12)
    process, listener = trainer(not_responding=1.0)
    process.start(config, run_id=1)
    start = time.monotonic()
    process.ask(RunEpochs(3))  # 60,000 updates, one stretch: seconds without a reply
    lr = 1e-12
    stretches: list[Stretch] = []

    def done() -> bool:
        nonlocal lr
        lr = 2e-12 if lr == 1e-12 else 1e-12
        process.apply(config.replace(lr=lr))
        time.sleep(0.08)
        stretches.extend(m for m in listener.all_now() if isinstance(m, Stretch))
        return bool(stretches) and not stretches[-1].more

    assert _watch(process, done) == []
    assert time.monotonic() - start > 2.0  # long enough to have been declared silent
    assert len(stretches) == 1 and len(stretches[0].records) == 3


class _SlowToPickle:
    """A reply that takes a while to pickle, as a stretch of millions of updates does."""

    def __reduce__(self):
        time.sleep(4 * HEARTBEAT_SECONDS)
        return (_SlowToPickle, ())


def _slow_to_unpickle() -> str:
    time.sleep(1.0)
    return "unpickled"


class _SlowToUnpickle:
    def __reduce__(self):
        return (_slow_to_unpickle, ())


def test_the_heartbeat_goes_while_a_large_reply_is_pickled() -> None:
    commands, their_commands = Pipe(duplex=False)
    their_replies, replies = Pipe(duplex=False)
    channel = _Channel(commands, replies, parent_gone=lambda: None)
    sending = threading.Thread(target=channel.send, args=(_SlowToPickle(),), daemon=True)
    sending.start()
    try:
        assert their_replies.poll(3 * HEARTBEAT_SECONDS)
        assert isinstance(their_replies.recv(), Heartbeat)  # before the reply is ready
        sending.join(10)
        assert not sending.is_alive()
    finally:
        their_commands.close()


def test_a_reply_is_heard_as_it_arrives_and_a_replaced_childs_are_not_passed_on() -> None:
    ours, theirs = Pipe(duplex=False)
    got: list[object] = []
    child = _Child.__new__(_Child)  # its reading end alone, no process
    child._replies, child._on_reply, child.closing, child.last_heard = ours, got.append, False, 0.0
    reading = threading.Thread(target=child._read, daemon=True)
    reading.start()
    sent = time.monotonic()
    theirs.send(_SlowToUnpickle())
    time.sleep(0.5)
    assert child.last_heard >= sent and not got  # heard, though still being unpickled
    time.sleep(1.0)
    assert got == ["unpickled"]
    child.closing = True  # replaced: what it still says is stale
    theirs.send("stale")
    time.sleep(0.3)
    assert got == ["unpickled"]
    theirs.close()
    reading.join(5)


def test_a_child_that_has_stopped_reading_is_still_given_up(trainer):
    process, listener = trainer()
    process.start(NUMPY, run_id=1)
    process.ask(RunEpochs(1))
    listener.wait_for(Stretch)
    os.kill(process.pid, signal.SIGSTOP)
    try:
        config = NUMPY
        for i in range(3 * MAX_PENDING):  # more than the pipe holds: the writer waits
            config = config.replace(lr=0.01 + i * 1e-6)
            process.apply(config)
        child = process._child
        assert child is not None and not child.given_up  # not yet: a pipe may fill briefly
        time.sleep(STUCK_SECONDS + 0.2)
        process.send(Apply({"lr": 0.5}))
        assert child.given_up and not process.responding
    finally:
        os.kill(process.pid, signal.SIGCONT)
