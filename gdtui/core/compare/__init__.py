"""Runs in lockstep (:mod:`.comparison`): the variants, the optimizers, zero_grad on and off,
or the gradient formulas, each lane on a core of its own (:mod:`.workers`).

Imports :mod:`gdtui.core.run` and below.
"""
