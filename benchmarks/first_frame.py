"""Time from launching ``gdtui`` to its first full frame, in a real pseudo-terminal.

    python benchmarks/first_frame.py [--runs 5] [-- extra gdtui options]

The app counts as drawn once the footer's "Run/Pause" has been written to the terminal.
Prints each run and the median; also the time a quit (q) takes to return the terminal.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import time

MARKER = b"Run/Pause"


def launch_once(extra: list[str], columns: int = 120, rows: int = 40) -> tuple[float, float]:
    """(seconds to the first frame, seconds from q to exit)."""
    controller, terminal = pty.openpty()
    os.set_blocking(controller, False)
    import fcntl
    import struct
    import termios

    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "gdtui", *extra],
        stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True,
    )
    os.close(terminal)
    seen = b""
    first_frame = float("nan")
    deadline = start + 20
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.01)
        if ready:
            try:
                seen += os.read(controller, 1 << 16)
            except OSError:
                break
            # Windows of the stream: the marker may arrive split, or with style codes inside.
            if MARKER in seen.replace(b"\x1b[0m", b""):
                first_frame = time.perf_counter() - start
                break
            seen = seen[-4096:]
    time.sleep(0.3)
    quit_start = time.perf_counter()
    os.write(controller, b"q")
    while process.poll() is None and time.perf_counter() - quit_start < 10:
        try:
            select.select([controller], [], [], 0.01)
            os.read(controller, 1 << 16)
        except OSError:
            pass
    quit_time = time.perf_counter() - quit_start
    process.kill()
    os.close(controller)
    return first_frame, quit_time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("extra", nargs="*", help="options passed to gdtui")
    args = parser.parse_args()
    frames, quits = [], []
    for run in range(args.runs):
        frame, quit_time = launch_once(args.extra)
        frames.append(frame)
        quits.append(quit_time)
        print(f"run {run + 1}: first frame {frame * 1000:.0f} ms, quit {quit_time * 1000:.0f} ms")
    print(f"median: first frame {statistics.median(frames) * 1000:.0f} ms, "
          f"quit {statistics.median(quits) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
