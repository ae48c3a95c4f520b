"""Lessons (:mod:`.lesson`, the built-in ones in ``builtin/``), recording a session as one
(:mod:`.recorder`), and the autograd tour (:mod:`.tour`).

Imports :mod:`gdtui.core.run` and below.
"""
