"""Classifier thresholds (``data/tracker.toml``) and the phase names."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..errors import ManifestError
from ..manifest import read_data_toml

PHASES = ("raising", "on_station", "drifting", "deorbiting", "decayed")
UNASSIGNED = "unassigned"


@dataclasses.dataclass(frozen=True)
class TrackerConfig:
    """Classifier thresholds; see ``data/tracker.toml`` for how each was derived."""

    shell_inclination_tol_deg: float
    on_station_tol_km: float
    rate_threshold_km_day: float
    rate_baseline_days: float
    insertion_ceiling_km: float
    max_wait_at_insertion_days: float
    stale_days: float
    stale_interval_factor: float
    stale_interval_sets: float
    decay_altitude_km: float
    fetch_suggest_after_days: float
    max_history_samples: float
    stale_warning_fraction: float
    vehicle_by_launch_site: dict = dataclasses.field(default_factory=dict)
    unattributed: str = "unattributed"


def load_tracker_config(path: str | Path | None = None) -> TrackerConfig:
    """Read and validate the classifier thresholds."""
    data, name = read_data_toml(path, "tracker.toml", check_schema=False)
    values = {}
    for f in dataclasses.fields(TrackerConfig):
        if f.type not in ("float", float):
            continue
        v = data.get(f.name)
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v < float("inf"):
            raise ManifestError(f"{name}: {f.name} must be a positive number, got {v!r}")
        values[f.name] = float(v)
    prov = data.get("provisional", {})
    sites = prov.get("vehicle_by_launch_site", {}) if isinstance(prov, dict) else None
    if not isinstance(sites, dict) or not all(isinstance(v, str) for v in sites.values()):
        raise ManifestError(
            f"{name}: [provisional] vehicle_by_launch_site must map SATCAT site codes to names"
        )
    unattributed = prov.get("unattributed", "unattributed")
    if not isinstance(unattributed, str) or not unattributed.strip():
        raise ManifestError(f"{name}: [provisional] unattributed must be a non-blank name")
    return TrackerConfig(**values, vehicle_by_launch_site=sites, unattributed=unattributed)
