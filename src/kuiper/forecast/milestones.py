"""Milestones: a target count of a metric (launched, in orbit, on station) by a deadline."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..errors import KuiperError

METRICS = ("launched", "in_orbit", "on_station")
MAX_TARGET = 1_000_000  # satellites; ~100x any filed constellation (issue 10)


# Milestones


@dataclasses.dataclass(frozen=True)
class Milestone:
    """A target count of a metric by a deadline."""

    name: str
    target: int
    deadline_utc: dt.date
    metric: str = "in_orbit"

    def __post_init__(self):
        if self.metric not in METRICS:
            raise KuiperError(f"metric {self.metric!r} is not one of {', '.join(METRICS)}")
        if self.target <= 0:
            raise KuiperError(f"target {self.target} must be a positive number of satellites")
        if self.target > MAX_TARGET:
            raise KuiperError(
                f"target {self.target:,} is more than {MAX_TARGET:,} satellites "
                "(about 100 times any filed constellation)"
            )


def milestones_from_options(targets, deadlines, metric: str) -> list[Milestone]:
    """Milestones from paired ``--target``/``--deadline`` options, or the FCC defaults."""
    from ..timescale import parse_utc

    if len(targets) != len(deadlines):
        raise KuiperError(
            f"give one --deadline for each --target ({len(targets)} targets, "
            f"{len(deadlines)} deadlines)"
        )
    if not targets:
        return default_milestones(metric)
    return [
        Milestone(f"{n:,} {metric} by {d}", int(n), parse_utc(d).date(), metric)
        for n, d in zip(targets, deadlines, strict=True)
    ]


def default_milestones(metric: str = "in_orbit") -> list[Milestone]:
    """The FCC milestones: Gen-1 half and full, and Gen-2 half and full (as totals)."""
    from ..manifest import load_authorization

    a = load_authorization()
    return [
        Milestone("FCC Gen-1 50%", a.gen1_total // 2, a.half_deadline_utc, metric),
        Milestone("FCC Gen-1 100%", a.gen1_total, a.full_deadline_utc, metric),
        Milestone(
            "FCC Gen-2 50% (total)",
            a.gen1_total + a.gen2_total // 2,
            a.gen2_half_deadline_utc,
            metric,
        ),
        Milestone(
            "FCC Gen-2 100% (total)", a.gen1_total + a.gen2_total, a.gen2_full_deadline_utc, metric
        ),
    ]


# ---------------------------------------------------------------------------
# Inputs as of a date
