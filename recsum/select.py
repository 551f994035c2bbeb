"""Choosing sentences within a budget: the best first, what does not fit skipped, document order.

Every extractive system of recsum selects this way, as sumy's summarizers share one helper: it
rates its candidates, and :func:`select` takes the best-rated candidate that still fits the
remaining budget, again and again, then gives the choice back in document order. ``update``
re-rates the rest after each pick (a redundancy penalty, the oracle's marginal ROUGE gain); a
candidate rated at or below ``floor`` is never taken.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Update = Callable[[int, np.ndarray], np.ndarray]


def select(ratings: Sequence[float] | np.ndarray, sizes: Sequence[int], budget: int, *,
           update: Update | None = None, floor: float = -np.inf) -> list[int]:
    """Indices of the chosen candidates, in document order.

    ``sizes`` are in the budget's unit. Ties go to the earlier candidate. ``update(picked,
    ratings)`` returns the ratings for the next pick (it may change them in place); without it
    the ratings stay as given.
    """
    current = np.array(ratings, dtype=np.float64)
    sizes_array = np.asarray(sizes, dtype=np.int64)
    if current.shape != sizes_array.shape:
        raise ValueError(f"{len(current)} ratings for {len(sizes_array)} sizes")
    available = (sizes_array <= budget) & (current > floor)
    chosen: list[int] = []
    remaining = budget
    while available.any():
        best = int(np.argmax(np.where(available, current, -np.inf)))
        if current[best] <= floor:
            break
        chosen.append(best)
        remaining -= int(sizes_array[best])
        available[best] = False
        available &= sizes_array <= remaining
        if update is not None:
            current = update(best, current)
            available &= current > floor
    return sorted(chosen)
