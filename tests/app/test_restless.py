"""A restless user: keys pressed faster than runs can start, exports cut short by quitting."""

from __future__ import annotations

import csv
import os
import random
import time
from pathlib import Path

import pytest

from gdtui.app import make_app
from gdtui.core.engine.record import EpochRecord
from gdtui.core.process.child import COMMAND as CHILD_COMMAND
from gdtui.core.process.protocol import RunEpochs
from gdtui.core.run.session import TrainingSession
from gdtui.core.settings.config import RunConfig
from tests.showcase import finish_work, settle

from .conftest import core_records


def _training_processes() -> list[int]:
    """Pids of this test process's training children (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and CHILD_COMMAND in command:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("seed", [1])
async def test_keys_mashed_leave_one_worker_and_only_the_latest_runs_epochs(seed, monkeypatch):
    accepted: list[tuple[int, list[int]]] = []
    refused: list[int] = []
    accept = TrainingSession.accept

    def watched(session: TrainingSession, batch) -> bool:  # type: ignore[no-untyped-def]
        ok = accept(session, batch)
        if ok:
            accepted.append((batch.run_id, [r.epoch for r in batch.records]))
        else:
            refused.append(batch.run_id)
        return ok

    monkeypatch.setattr(TrainingSession, "accept", watched)
    rng = random.Random(seed)
    app = make_app(RunConfig(variant="numpy-manual", epochs=3000))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(60):
            await pilot.press(rng.choice(["r", "space", "v", "space", "n", "r"]))
            if rng.random() < 0.3:
                await pilot.pause(rng.uniform(0, 0.05))
        # Let the last run finish or pause it; then everything in flight lands.
        if app.main.session.state.value == "running":
            await pilot.press("space")
        await settle(app, pilot)
        await pilot.pause(0.3)
        await settle(app, pilot)

        assert len(_training_processes()) == 1
        session = app.main.session
        # Within each run, epochs arrive in order with none missing or repeated, and the
        # history on screen is exactly the latest run's, epoch by epoch.
        by_run: dict[int, list[int]] = {}
        for run_id, epochs in accepted:
            by_run.setdefault(run_id, []).extend(epochs)
        for run_id, epochs in by_run.items():
            assert epochs == list(range(1, len(epochs) + 1)), run_id
        assert max(by_run, default=session.run_id) <= session.run_id
        assert all(run_id < session.run_id for run_id in refused)
        assert list(session.history) == core_records(session.config, session.epoch)
        status = str(app.query_one("#status").render())
        assert f"epoch {session.epoch}/" in status
        assert not [n for n in app._notifications if n.severity == "error"]


def _fill(session: TrainingSession, epochs: int) -> None:
    session.history.extend(EpochRecord(i + 1, 1.0 / (i + 1), 2.0, -0.5) for i in range(epochs))


async def test_quitting_during_a_long_export_is_prompt_and_leaves_no_half_file(tmp_path):
    app = make_app(RunConfig(variant="numpy-manual"), output_dir=tmp_path)
    async with app.run_test() as pilot:
        _fill(app.main.session, 600_000)  # several seconds of writing
        await pilot.press("e")
        await pilot.pause(0.2)
        start = time.monotonic()
        await pilot.press("q")
    elapsed = time.monotonic() - start
    assert elapsed < 1.0
    # Whole or absent: an export cut short leaves neither a partial file nor its temporary.
    for path in tmp_path.iterdir():
        assert not path.name.endswith(".tmp"), path
        if path.suffix == ".csv":
            rows = list(csv.reader(path.open()))
            assert len(rows) == 600_001


async def test_a_long_export_lets_the_run_go_on_and_arrives_whole(tmp_path):
    app = make_app(RunConfig(variant="numpy-manual", epochs=10**9), output_dir=tmp_path)
    async with app.run_test() as pilot:
        _fill(app.main.session, 200_000)
        await pilot.press("e", "space")
        await pilot.pause(0.5)
        assert app.main.session.epoch > 200_000  # the run went on while the file was written
        await finish_work(app)
        await pilot.press("space")
    (exported,) = tmp_path.glob("*.csv")
    rows = list(csv.reader(exported.open()))
    assert len(rows) == 200_001 and rows[-1][0] == "200000"
    assert len(exported.with_suffix(".jsonl").read_text().splitlines()) == 200_000


async def test_a_long_run_holds_no_memory_beyond_its_history():
    # A soak, CI-sized (the 1,000,000-epoch one is benchmarks/app.py): after warm-up, what
    # the app holds grows only by the history's own arrays, and the chart plots a bounded
    # number of points however long the run. The memory is read while paused and settled:
    # mid-run it also counts the batches in flight, which come and go by megabytes on a slow
    # machine and say nothing about what is kept.
    import gc
    import tracemalloc

    from gdtui.app.widgets.loss_chart import LossChart

    app = make_app(RunConfig(variant="numpy-manual", epochs=300_000))
    async with app.run_test(size=(120, 40)) as pilot:
        session = app.main.session
        samples = []

        async def held() -> None:
            await settle(app, pilot)
            gc.collect()
            traced = tracemalloc.get_traced_memory()[0]
            samples.append((session.epoch, traced - session.history.nbytes))

        tracemalloc.start()
        try:
            await pilot.press("n")  # warm-up: 1 epoch, then 29,999 more, known in advance
            app.main.link.ask(RunEpochs(29_999))
            await held()
            await pilot.press("space")
            while not session.finished:
                await pilot.pause(0.1)
                assert app.query_one(LossChart).points <= 2 * 120
            await held()
        finally:
            tracemalloc.stop()
        assert session.epoch == 300_000
        (first_epoch, first), (last_epoch, last) = samples
        assert (first_epoch, last_epoch) == (30_000, 300_000)
        assert last - first < 2_000_000, samples  # not ten bytes an epoch beyond the history
