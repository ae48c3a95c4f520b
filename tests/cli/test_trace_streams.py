"""``gdtui trace`` streams: each line goes out as it is made, so ``| head`` shows the first
lines at once and ends a billion-epoch trace, and a trace read to its end holds no more
memory after a few seconds than after one."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from gdtui import exits
from tests.cli.cli_support import ROOT, cli_env

BILLION = ("--variant", "numpy-manual", "--epochs", "1000000000")


@pytest.mark.parametrize("fmt", ["text", "jsonl"])
def test_a_billion_epochs_through_head_print_at_once_and_stop(fmt):
    command = [sys.executable, "-m", "gdtui", "trace", *BILLION, "--format", fmt]
    start = time.monotonic()
    completed = subprocess.run(
        ["sh", "-c", '"$@" | head -3', "sh", *command],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert time.monotonic() - start < 15, completed  # before: nothing after 20 s
    lines = completed.stdout.decode().splitlines()
    assert len(lines) == 3, completed
    assert lines[0].startswith("# gdtui trace" if fmt == "text" else '{"epoch": 0')


def resident_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc")
def test_a_long_trace_writes_as_it_goes_in_flat_memory():
    process = subprocess.Popen(
        [sys.executable, "-m", "gdtui", "trace", *BILLION],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    read = [0]

    def drain() -> None:
        assert process.stdout is not None
        while chunk := process.stdout.read1(1 << 16):
            read[0] += len(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 15
        while read[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert read[0] > 0, "nothing written"
        time.sleep(1.0)
        before, written = resident_kb(process.pid), read[0]
        time.sleep(3.0)
        after = resident_kb(process.pid)
        assert read[0] - written > 100_000  # it goes on writing: the lines are not kept
        assert after - before < 4_000, (before, after)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert process.returncode != exits.OK
