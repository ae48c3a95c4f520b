"""The core: everything gdtui computes, with no screen and no command line.

Its layers, bottom up; each imports only from those below it (``tests/test_layers.py``
checks every module):

- :mod:`gdtui.core.numbers`, :mod:`gdtui.core.files` and :mod:`gdtui.core.spawn`: how numbers
  are written and bounded, how files are read and written (atomically), and how a Python
  child process starts and talks to its parent.
- :mod:`gdtui.core.settings`: the one table of settings, the run's configuration, data sets,
  variants, schedules, config files and remembered settings.
- :mod:`gdtui.core.engine`: a program is lines of Python run in a namespace; the trainer runs
  it by epochs, in compiled blocks, or line by line; the runner decides when a run stops.
- :mod:`gdtui.core.run`: the run being watched (the session, one call changes it), its
  history, gradient checks, the loss landscape and chart data.
- :mod:`gdtui.core.compare`: runs in lockstep, on every core.
- :mod:`gdtui.core.lessons`: lessons, recording them, the autograd tour.
- :mod:`gdtui.core.process`: the training process: typed commands and replies, its child and
  parent ends.

Never Textual, Rich or the CLI; numpy where a run's numbers are; torch only where a program
runs, imported when it does.
"""
