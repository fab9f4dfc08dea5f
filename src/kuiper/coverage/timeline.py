"""Coverage along the deployment forecast: area- and population-weighted coverage by month.

Coverage is a function of the number of satellites on station once the filling order is
fixed (the design order is nested, so it never falls as the count grows). So it is
computed once, on a coarse grid, at counts spread along the order
(:func:`coverage_vs_satellites`, cached), and each month's P10/P50/P90 on-station count
from the forecast is mapped through it by linear interpolation (:func:`coverage_timeline`).
Because the map is monotone, the coverage at the count's quantile is the coverage's
quantile.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import numpy as np

from ..errors import KuiperError
from .constellation import _iso
from .design import design_order, design_satrecs
from .engine import DEFAULT_MIN_ELEVATION_DEG, evaluate_points
from .grid import GroundPoints, equal_area_grid
from .population import city_points

__all__ = [
    "TIMELINE_QUANTILES",
    "CoverageVsSatellites",
    "CoverageTimeline",
    "coverage_vs_satellites",
    "on_station_quantiles",
    "coverage_timeline",
]

TIMELINE_QUANTILES = (0.1, 0.5, 0.9)
# The coarse evaluation behind the timeline: a 4 deg equal-area grid (2,578 points) and
# the cities of 100,000 or more (population weights), 3 hours at 120 s steps, the
# design order sampled every ~100 satellites. benchmarks/bench_timeline.py measures
# both the time and the difference from a 1 deg, 30 s, one-day run.
TIMELINE_GRID_DEG = 4.0
TIMELINE_STEP_S = 120.0
TIMELINE_DURATION_S = 3 * 3600.0
TIMELINE_CITY_MIN_POPULATION = 100_000
TIMELINE_N_COUNTS = 33
TIMELINE_END = dt.date(2035, 12, 31)


@dataclasses.dataclass(frozen=True)
class CoverageVsSatellites:
    """Coverage against satellites on station along a design order."""

    design: str
    min_elevation_deg: float
    n_satellites: np.ndarray
    area_weighted: np.ndarray
    population_weighted: np.ndarray

    def at(self, n) -> tuple[np.ndarray, np.ndarray]:
        """Area- and population-weighted coverage at counts ``n`` (linear interpolation)."""
        n = np.clip(np.asarray(n, dtype=np.float64), 0, self.n_satellites[-1])
        return (
            np.interp(n, self.n_satellites, self.area_weighted),
            np.interp(n, self.n_satellites, self.population_weighted),
        )


TABLE = "coverage_vs_satellites.csv"
TABLE_COLUMNS = (
    "design",
    "min_elevation_deg",
    "gso_exclusion_deg",
    "n_satellites",
    "area_weighted",
    "population_weighted",
)
# The parameter sets the shipped table holds (``python -m kuiper.coverage.timeline``).
TABLE_CASES = (
    ("gen1", 25.0, 0.0),
    ("gen1", 30.0, 0.0),
    ("gen1", 35.0, 0.0),
    ("gen1", 35.0, 18.0),
    ("gen1-polar", 35.0, 0.0),
    ("gen2", 35.0, 0.0),
)


@functools.cache
def _shipped_table() -> dict:
    from importlib.resources import files

    text = (files("kuiper") / "data" / TABLE).read_text(encoding="utf-8")
    rows: dict = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("design,"):
            continue
        design, mask, gso, n, area, pop = line.split(",")
        key = (design, float(mask), float(gso))
        rows.setdefault(key, []).append((int(n), float(area), float(pop)))
    return rows


@functools.cache
def coverage_vs_satellites(
    design: str = "gen1",
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    gso_exclusion_deg: float = 0.0,
    shipped: bool = True,
) -> CoverageVsSatellites:
    """Coverage of the first n satellites of a design order, at ``TIMELINE_N_COUNTS`` counts.

    Coarse on purpose (``TIMELINE_*``): a timeline needs the shape of the curve, not a
    fine map. Counts run evenly from 0 to the design's size. The parameter sets in
    ``TABLE_CASES`` are read from the shipped ``kuiper/data/coverage_vs_satellites.csv``
    (made by this function with ``shipped=False``; a test recomputes part of it), others
    are computed (tens of seconds) and cached for the process.
    """
    key = (design, float(min_elevation_deg), float(gso_exclusion_deg))
    if shipped and key in _shipped_table():
        n, area, pop = (np.array(c) for c in zip(*_shipped_table()[key], strict=True))
        return CoverageVsSatellites(design, float(min_elevation_deg), n, area, pop)
    return _compute_curve(design, float(min_elevation_deg), float(gso_exclusion_deg))


def _compute_curve(
    design: str, min_elevation_deg: float, gso_exclusion_deg: float, counts=None
) -> CoverageVsSatellites:
    order = design_order(design=design)
    if counts is None:
        counts = np.linspace(0, len(order), TIMELINE_N_COUNTS).round()
    counts = np.unique(np.asarray(counts).astype(np.int64))
    sats, _ = design_satrecs(None, "2026-01-01", design=design)
    grid = equal_area_grid(TIMELINE_GRID_DEG)
    city = city_points(TIMELINE_CITY_MIN_POPULATION)
    points = GroundPoints(
        np.r_[grid.lat_deg, city.lat_deg],
        np.r_[grid.lon_deg, city.lon_deg],
        np.r_[grid.alt_km, city.alt_km],
        np.r_[grid.weight, city.weight],
    )
    n_grid = len(grid)
    area = np.zeros(counts.size)
    pop = np.zeros(counts.size)
    for r, n in enumerate(counts):
        if n > 0:
            st = evaluate_points(
                sats[:n],
                "2026-01-01",
                points,
                min_elevation_deg=min_elevation_deg,
                step_s=TIMELINE_STEP_S,
                duration_s=TIMELINE_DURATION_S,
                gso_exclusion_deg=gso_exclusion_deg,
            )
            f = st.fraction
            area[r] = float(f[:n_grid] @ grid.weight)
            pop[r] = float(f[n_grid:] @ city.weight)
    return CoverageVsSatellites(design, float(min_elevation_deg), counts, area, pop)


def on_station_quantiles(forecast, quantiles=TIMELINE_QUANTILES) -> tuple[list, np.ndarray]:
    """Month ends and the forecast's on-station count at each quantile: (n_month, n_q) ints.

    Read from the forecast's per-month histogram of the on-station count (the same
    rule as :func:`kuiper.coverage.forecast_satellite_count`).
    """
    from ..forecast import METRICS

    h = np.asarray(forecast.hist[:, METRICS.index("on_station")], dtype=np.float64)
    c = np.cumsum(h, axis=1)
    out = np.empty((h.shape[0], len(quantiles)), dtype=np.int64)
    for j, q in enumerate(quantiles):
        for k in range(h.shape[0]):
            out[k, j] = int(np.searchsorted(c[k], q * c[k, -1], side="left"))
    return list(forecast.month_end), out


@dataclasses.dataclass
class CoverageTimeline:
    """Coverage by month at the forecast's on-station quantiles (:func:`coverage_timeline`)."""

    as_of: dt.datetime
    design: str
    min_elevation_deg: float
    gso_exclusion_deg: float
    quantiles: tuple
    month_end: list
    on_station: np.ndarray
    area_weighted: np.ndarray
    population_weighted: np.ndarray
    curve: CoverageVsSatellites

    def to_dict(self) -> dict:
        keys = [f"p{round(100 * q):02d}" for q in self.quantiles]

        def cols(a, digits):
            return {k: np.round(a[:, j], digits).tolist() for j, k in enumerate(keys)}

        return {
            "forecast_as_of": _iso(self.as_of),
            "design": self.design,
            "min_elevation_deg": self.min_elevation_deg,
            "gso_exclusion_deg": self.gso_exclusion_deg,
            "method": (
                f"coverage vs satellites on a {TIMELINE_GRID_DEG:g} deg grid and cities of "
                f"{TIMELINE_CITY_MIN_POPULATION:,}+, {TIMELINE_DURATION_S / 3600:g} h at "
                f"{TIMELINE_STEP_S:g} s, interpolated at the forecast's on-station quantiles"
            ),
            "month_end": [d.isoformat() for d in self.month_end],
            "on_station": {k: self.on_station[:, j].tolist() for j, k in enumerate(keys)},
            "area_weighted": cols(self.area_weighted, 4),
            "population_weighted": cols(self.population_weighted, 4),
            "curve": {
                "n_satellites": self.curve.n_satellites.tolist(),
                "area_weighted": np.round(self.curve.area_weighted, 4).tolist(),
                "population_weighted": np.round(self.curve.population_weighted, 4).tolist(),
            },
        }

    def render(self, every_months: int = 6) -> str:
        d = self.to_dict()
        lines = [
            f"Coverage along the forecast as of {d['forecast_as_of'][:10]}: design "
            f"{self.design}, {self.min_elevation_deg:g} deg mask"
            + (f", GSO exclusion {self.gso_exclusion_deg:g} deg" if self.gso_exclusion_deg else ""),
            f"({d['method']})",
            "",
            f"{'month end':<12}{'on station P10/P50/P90':>26}{'area P10/P50/P90':>24}"
            f"{'population P10/P50/P90':>26}",
        ]
        rows = list(range(0, len(self.month_end), every_months))
        if rows and rows[-1] != len(self.month_end) - 1:
            rows.append(len(self.month_end) - 1)
        for k in rows:
            n = "/".join(f"{int(x):,}" for x in self.on_station[k])
            a = "/".join(f"{x:.0%}" for x in self.area_weighted[k])
            p = "/".join(f"{x:.0%}" for x in self.population_weighted[k])
            lines.append(f"{self.month_end[k].isoformat():<12}{n:>26}{a:>24}{p:>26}")
        return "\n".join(lines)


def coverage_timeline(
    forecast,
    *,
    design: str = "gen1",
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    gso_exclusion_deg: float = 0.0,
    quantiles=TIMELINE_QUANTILES,
    end: dt.date = TIMELINE_END,
) -> CoverageTimeline:
    """Area- and population-weighted coverage by month, from the forecast's as-of to ``end``.

    Parameters
    ----------
    forecast : kuiper.forecast.Forecast
        Its per-month on-station histogram gives the counts at ``quantiles``; they
        fill the design in the FCC deployment order (capped at the design's size).
    design, min_elevation_deg, gso_exclusion_deg
        As for :func:`kuiper.coverage.estimate_coverage`.
    quantiles : tuple of float
        Default P10/P50/P90.
    end : date
        Last month end shown (default 2035-12-31).
    """
    months, counts = on_station_quantiles(forecast, quantiles)
    keep = [k for k, d in enumerate(months) if d <= end]
    if not keep:
        raise KuiperError(f"the forecast has no month end on or before {end}")
    months = [months[k] for k in keep]
    counts = counts[keep]
    curve = coverage_vs_satellites(design, float(min_elevation_deg), float(gso_exclusion_deg))
    counts = np.minimum(counts, curve.n_satellites[-1])
    area, pop = curve.at(counts)
    return CoverageTimeline(
        as_of=forecast.as_of,
        design=design,
        min_elevation_deg=float(min_elevation_deg),
        gso_exclusion_deg=float(gso_exclusion_deg),
        quantiles=tuple(quantiles),
        month_end=months,
        on_station=counts,
        area_weighted=area,
        population_weighted=pop,
        curve=curve,
    )


def write_table(path) -> None:
    """Write the coverage-vs-satellites table for every ``TABLE_CASES`` entry to ``path``."""
    lines = [
        "# Coverage vs satellites on station along each design order, for kuiper coverage",
        "# --timeline. Made by `python -m kuiper.coverage.timeline PATH` (the engine of",
        f"# kuiper.coverage: {TIMELINE_GRID_DEG:g} deg equal-area grid, cities of "
        f"{TIMELINE_CITY_MIN_POPULATION:,}+,",
        f"# {TIMELINE_DURATION_S / 3600:g} h from 2026-01-01 at {TIMELINE_STEP_S:g} s steps); "
        "tests/test_coverage_timeline.py recomputes rows.",
        ",".join(TABLE_COLUMNS),
    ]
    for design, mask, gso in TABLE_CASES:
        c = _compute_curve(design, mask, gso)
        for n, a, p in zip(c.n_satellites, c.area_weighted, c.population_weighted, strict=True):
            lines.append(f"{design},{mask:g},{gso:g},{int(n)},{a:.6f},{p:.6f}")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    import sys

    write_table(sys.argv[1])
