"""The statistics behind ``data/tracker.toml``, recomputed from a fleet's history."""

from __future__ import annotations

import numpy as np

from ._units import _US_PER_DAY
from .fleet import Fleet


def threshold_evidence(fleet: Fleet) -> dict:
    """The statistics behind ``data/tracker.toml``, recomputed from a fleet's history.

    ``python -m kuiper.tracker`` prints them for the shipped snapshots.
    """
    cfg = fleet.config
    alt = np.concatenate([h.altitude_km for h in fleet.histories])
    inc = np.concatenate([h.inclination_deg for h in fleet.histories])
    high = alt[alt > 600.0]
    shell_alt = fleet.shells[0].altitude_km
    waits = []
    first_sight = []
    last_of_decayed = {}
    for h in fleet.histories:
        launch_us = fleet.launch_date_us(h)
        if (h.epoch_us[0] - launch_us) / _US_PER_DAY < 20:
            first_sight.append(float(h.altitude_km[0]))
        if (np.abs(h.altitude_km - shell_alt) <= cfg.on_station_tol_km).any():
            above = np.flatnonzero(h.altitude_km > cfg.insertion_ceiling_km)
            if above.size and above[0] > 0:
                wait = (h.epoch_us[above[0] - 1] - launch_us) / _US_PER_DAY
                waits.append((round(float(wait), 1), h.name))
        row = fleet.satcat.get(h.norad_id) or {}
        if row.get("decay_date"):
            last_of_decayed[h.name] = round(float(h.altitude_km[-1]), 1)
    waits.sort()
    # Staleness: each gap between a satellite's sets over the median of its preceding
    # gaps (up to stale_interval_sets of them); the largest is a gap it came back from.
    k = int(cfg.stale_interval_sets)
    ratios = []
    for h in fleet.histories:
        gaps = np.diff(h.epoch_us) / _US_PER_DAY
        for i in range(2, len(gaps)):
            ratios.append((float(gaps[i] / np.median(gaps[max(0, i - k) : i])), h.name))
    ratios.sort()
    return {
        "element_sets": int(alt.size),
        "satellites": len(fleet.histories),
        "inclination_deg_range": [float(inc.min()), float(inc.max())],
        "sets_above_600_km": int(high.size),
        "sets_within_2_km_of_shell": int((np.abs(high - shell_alt) <= 2.0).sum()),
        "sets_within_tol_of_shell": int((np.abs(high - shell_alt) <= cfg.on_station_tol_km).sum()),
        "lowest_first_sight_km": round(min(first_sight), 1) if first_sight else None,
        "longest_waits_at_insertion_days": waits[-3:],
        "last_altitude_of_decayed_km": last_of_decayed,
        "largest_gap_over_own_median_interval": (
            [round(ratios[-1][0], 2), ratios[-1][1]] if ratios else None
        ),
        "gap_ratio_p99": round(float(np.percentile([r for r, _ in ratios], 99)), 2)
        if ratios
        else None,
    }
