"""The engine: a program is lines of Python run in a namespace (:mod:`.program` writes them
from the settings, in the seeds' four idioms); the trainer (:mod:`.trainer`) runs it an epoch
at a time, in compiled blocks (:mod:`.epoch_block`) or a line at a time (:mod:`.lines`, with
the arithmetic of :mod:`.explain` and the autograd graph of :mod:`.graph`); the runner
(:mod:`.runner`) steps it in stretches and decides, by :mod:`.stops` and :mod:`.divergence`,
when the run ends. :mod:`.model` holds the linear model's closed forms, :mod:`.trace` the
trace of a program.

Imports :mod:`gdtui.core.settings` and below; torch only in :mod:`.torch_support` and inside
a running program.
"""
