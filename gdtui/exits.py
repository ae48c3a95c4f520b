"""Every exit status gdtui ends with, in one place: the command line's and the app's.

The app ends with the status of the way its session ended (a signal, the terminal going
away), so this sits beside the package's version, below the app and the command line alike.
"""

from __future__ import annotations

import signal

OK = 0
"""Done."""
PROGRAM_FAILED = 1
"""``gdtui run|trace FILE``: the learner's program raised an error, exited with a status
other than 0, or hung; stderr names its line."""
BAD_INPUT = 2
"""Bad input: one line on stderr names the option or setting and what it accepts."""
DIVERGED = 3
"""``gdtui run``: a loss, parameter or gradient went inf or nan, or the loss grew
geometrically (unless ``--keep-going``); the records up to then are printed."""
ENVIRONMENT = 4
"""What gdtui needs is not there to take: the app cannot draw with the installed plotext
(textual-plotext needs 5.x); ``gdtui serve`` cannot have its port (in use, or below 1024
without privileges)."""
WRONG_GRADIENT = 5
"""``gdtui run --check-grad``: the gradient disagreed with the numerical one (unless the run
diverged: 3), so that a script can stop on it. ``gdtui check``: a mistake was found."""
FINDINGS = WRONG_GRADIENT
"""``gdtui check``: at least one finding (a gradient that disagrees is one of them)."""
OUTPUT_FAILED = 74
"""The output could not be written: a full disk, an I/O error, standard output closed
(sysexits' EX_IOERR)."""


def by_signal(signal_number: int) -> int:
    """The shell's convention for a process ended by a signal: 128 + its number."""
    return 128 + signal_number


INTERRUPTED = by_signal(signal.SIGINT)
"""ctrl+c in a command that is not the app (130)."""
BROKEN_PIPE = by_signal(signal.SIGPIPE)
"""The reader went away (``| head``): the status a shell shows for a tool SIGPIPE ended."""
TERMINAL_LOST = by_signal(signal.SIGHUP)
"""The app's terminal went away: as if it had hung up, which it did (129)."""
