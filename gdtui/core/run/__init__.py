"""The run being watched: the session (:mod:`.session`, one call changes it), its history
(:mod:`.history` and its summary), what each update changed (:mod:`.deltas`), gradient checks
(:mod:`.gradcheck`), the loss landscape (:mod:`.landscape`) and chart data (:mod:`.chart`).

Imports :mod:`gdtui.core.engine` and below; never torch.
"""
