"""What the core's tests of a real training process share: a listener that collects what
the child says, and a fixture that makes processes and closes them afterwards."""

from __future__ import annotations

import queue
import time
from typing import Any

import pytest

from gdtui.core.process.parent import TrainerProcess


class Listener:
    """Collects what the child says, on the reader thread, for the test to wait on."""

    def __init__(self) -> None:
        self.messages: queue.Queue[Any] = queue.Queue()

    def __call__(self, message: Any) -> None:
        self.messages.put(message)

    def wait_for(self, kind: type, timeout: float = 30, where=lambda m: True) -> Any:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                break
            if isinstance(message, kind) and where(message):
                return message
        raise AssertionError(f"no {kind.__name__} within {timeout} s")

    def all_now(self) -> list[Any]:
        found = []
        while True:
            try:
                found.append(self.messages.get_nowait())
            except queue.Empty:
                return found


@pytest.fixture
def trainer():
    processes: list[TrainerProcess] = []

    def make(**kwargs) -> tuple[TrainerProcess, Listener]:
        listener = Listener()
        process = TrainerProcess(listener, **kwargs)
        processes.append(process)
        return process, listener

    yield make
    for process in processes:
        process.close(timeout=0)
