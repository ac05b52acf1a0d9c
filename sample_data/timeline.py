"""Diurnal and weekly seasonality: where in the sample window things happen."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sample_data.config import Plan

# Relative traffic per UTC hour: a night trough, the European day and the American evening.
HOUR_WEIGHTS = [3, 2, 1.5, 1, 1, 1.2, 2, 3.5, 5, 6, 6.5, 7, 7.5, 7.5, 7.5, 8, 8.5, 9, 9.5, 10, 9, 7, 5.5, 4]
# Relative traffic per ISO weekday (Monday is 1): weekends are busier.
WEEKDAY_WEIGHTS = {1: 0.95, 2: 0.9, 3: 0.9, 4: 0.95, 5: 1.0, 6: 1.2, 7: 1.25}


def hour_starts(plan: Plan) -> list[datetime]:
    """Return the start of every UTC hour in the window."""
    return [plan.window_start + timedelta(hours=offset) for offset in range(plan.days * 24)]


def hour_weights(plan: Plan) -> list[float]:
    return [HOUR_WEIGHTS[start.hour] * WEEKDAY_WEIGHTS[start.isoweekday()] for start in hour_starts(plan)]


class InstantSampler:
    """Draws epoch seconds inside the window following the hour and weekday weights."""

    def __init__(self, plan: Plan, rng: random.Random) -> None:
        self._starts = [int(start.timestamp()) for start in hour_starts(plan)]
        self._cumulative = _cumulative(hour_weights(plan))
        self._rng = rng
        self.window_start = int(plan.window_start.timestamp())
        self.window_end = int(plan.window_end.timestamp())

    def draw(self) -> int:
        hour = self._rng.choices(self._starts, cum_weights=self._cumulative)[0]
        return hour + self._rng.randrange(3600)

    def clamp(self, epoch: int) -> int:
        """Keep `epoch` inside the window, so every generated event belongs to one of its days."""
        return min(max(epoch, self.window_start), self.window_end - 1)


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out
