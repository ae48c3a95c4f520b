"""Learning-rate schedules: the rate each epoch uses, from the base rate and the epoch.

The program writes the schedule as a line of the loop, the same in every variant
(:func:`gdtui.core.engine.program.schedule_line`: ``lr = 0.01 * 0.5 ** ((epoch - 1) // 25)``),
so the variants stay comparable and the code shown is what sets the rate; each record's
``lr`` is the rate that epoch used.
"""

from __future__ import annotations

SCHEDULES: tuple[str, ...] = ("constant", "step", "exponential", "cosine")
"""``step`` halves the rate every quarter of the run; ``exponential`` decays it to 1/100 by
the last epoch; ``cosine`` anneals it to 0 along half a cosine."""
