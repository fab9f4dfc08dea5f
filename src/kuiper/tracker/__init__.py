"""Phase of every Kuiper satellite on any date, from its element history.

Phases
------
``raising``
    Below its shell and climbing, or still at insertion altitude (450-465 km)
    waiting to climb, within a limited time after launch.
``on_station``
    Mean altitude within ``on_station_tol_km`` of a shell, at that shell's
    inclination.
``drifting``
    Anomalous: stopped short of the shell (flat, above insertion altitude), above
    the shell, left the shell without descending, waited at insertion too long,
    or no longer tracked (stale, below) while still high.
``deorbiting``
    Below the shell and descending faster than ``rate_threshold_km_day``.
``decayed``
    A SATCAT decay date on or before the date, or element sets that end at low
    altitude.

A satellite's shell is the FCC shell nearest in inclination (within
``shell_inclination_tol_deg``). Mean altitude is the Brouwer mean semi-major axis
less the WGS72 equatorial radius (:attr:`ElementsArray.mean_altitude_km`), the same
figure CelesTrak's SATCAT uses. Every threshold lives in ``data/tracker.toml`` with
its derivation from the shipped snapshots.

Only information dated on or before ``as_of`` is used: element sets by epoch,
launches by date and SATCAT decays by decay date.

Staleness is judged per satellite from its own history: its newest set is older
than ``max(stale_days, stale_interval_factor x its median update interval)``. So
ingesting element sets of some objects never changes another object's phase.

Launches missing from the launch log become *provisional* launches
(:func:`launches_as_of`), built from the element data and SATCAT alone.

Modules: ``config`` (thresholds), ``fleet`` (:class:`Fleet`: phases, status and
provisional launches), ``queries`` (the same straight from a store; data age) and
``evidence`` (the statistics behind the thresholds: ``python -m kuiper.tracker``).
"""

from __future__ import annotations

from .config import PHASES, UNASSIGNED, TrackerConfig, load_tracker_config
from .evidence import threshold_evidence
from .fleet import Fleet, FleetStatus, SatelliteState, kaplan_meier_median
from .queries import (
    altitude_history,
    data_age_days,
    data_age_note,
    fleet_from_store,
    fleet_history,
    fleet_status,
    launches_as_of,
    raising_durations,
)

__all__ = [
    "PHASES",
    "UNASSIGNED",
    "TrackerConfig",
    "SatelliteState",
    "FleetStatus",
    "load_tracker_config",
    "Fleet",
    "altitude_history",
    "fleet_from_store",
    "fleet_history",
    "fleet_status",
    "data_age_note",
    "kaplan_meier_median",
    "launches_as_of",
    "data_age_days",
    "raising_durations",
    "threshold_evidence",
]
