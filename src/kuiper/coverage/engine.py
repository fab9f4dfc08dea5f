"""The coverage engine: satellites in view of ground points, chunk by chunk in time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Sequence

import numpy as np

from ..constants import WGS72_RADIUS_KM, WGS84_FLATTENING, WGS84_RADIUS_KM
from ..errors import KuiperError
from ..timescale import UTC, jday_split, parse_utc
from .grid import GroundPoints

__all__ = [
    "DEFAULT_MIN_ELEVATION_DEG",
    "DEFAULT_STEP_S",
    "DEFAULT_DURATION_S",
    "PointStatistics",
    "coverage_cap_half_angle_deg",
    "time_grid",
    "visible_counts",
    "evaluate_points",
]

# The customer-terminal minimum elevation commonly quoted for Kuiper; unconfirmed
# in any filing text at hand (../shared/data/FACTS.md section 1).
DEFAULT_MIN_ELEVATION_DEG = 35.0
DEFAULT_STEP_S = 30.0
DEFAULT_DURATION_S = 86_400.0
DEFAULT_GRID_DEG = 1.0
DEFAULT_BAND_DEG = 10.0
# Accepted elevation masks (deg): the CLI and the library share these bounds.
MIN_ELEVATION_RANGE_DEG = (-5.0, 89.0)
# Accepted GSO-arc exclusion angles (deg); 0 turns the exclusion off.
GSO_EXCLUSION_RANGE_DEG = (0.0, 60.0)
# Geostationary orbit radius, km: (mu T^2 / 4 pi^2)^(1/3) for the sidereal day
# 86,164.09 s and mu = 398,600.4418 km^3/s^2 (e.g. Vallado, Fundamentals of
# Astrodynamics, 4th ed., table of orbital radii: 42,164 km).
GSO_RADIUS_KM = 42_164.17

# Window limits (robustness review T9/R13): a month, and at most this many steps.
MAX_DURATION_S = 31 * 86_400.0
MAX_STEPS = 200_000
# Refuse point sets whose working arrays would pass this (robustness review R9; issue 10
# asks that no small input take more than 1 GB). Measured: a 0.3 deg grid (0.26 GiB of
# working arrays by this estimate) peaks at 0.68 GB of RSS, a 0.2 deg grid (0.58 GiB) at
# 1.24 GB, so the limit sits between them.
MAX_ENGINE_BYTES = 384 * 1024**2

# Histogram bins of the number of satellites in view (the last holds this many or more).
N_VISIBLE_BINS = 64
# Points per prange block in the accumulation kernel.
POINT_BLOCK = 512
# SGP4 scratch blocks (prange over blocks of satellites).
N_SAT_BLOCK = 64
# Added to the coverage-cap bound (rad): about 0.6 m at the surface, for rounding.
CAP_MARGIN_RAD = 1.0e-7
# WGS84 first eccentricity squared.
_WGS84_E2 = WGS84_FLATTENING * (2.0 - WGS84_FLATTENING)


def coverage_cap_half_angle_deg(
    altitude_km, min_elevation_deg: float, radius_km: float = WGS84_RADIUS_KM
) -> np.ndarray:
    """Earth central angle of a satellite's coverage cap on a sphere, degrees.

    ``lambda = arccos(R cos(eps) / (R + h)) - eps`` for elevation mask ``eps``
    (e.g. Wertz & Larson, Space Mission Analysis and Design, 3rd ed., sec. 5.2).
    """
    eps = np.radians(min_elevation_deg)
    r = radius_km + np.asarray(altitude_km, dtype=np.float64)
    return np.degrees(np.arccos(radius_km * np.cos(eps) / r) - eps)


def _geodetic_to_itrs(lat_deg, lon_deg, alt_km):
    """ITRS positions (km) and WGS84 normals of geodetic points (the formulas of kuiper.frames)."""
    lat = np.radians(lat_deg)
    lon = np.radians(lon_deg)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    sin_lon, cos_lon = np.sin(lon), np.cos(lon)
    n_km = WGS84_RADIUS_KM / np.sqrt(1.0 - _WGS84_E2 * sin_lat * sin_lat)
    g = np.stack(
        [
            (n_km + alt_km) * cos_lat * cos_lon,
            (n_km + alt_km) * cos_lat * sin_lon,
            (n_km * (1.0 - _WGS84_E2) + alt_km) * sin_lat,
        ],
        axis=-1,
    )
    u = np.stack([cos_lat * cos_lon, cos_lat * sin_lon, sin_lat], axis=-1)
    return g, u


class _PointIndex:
    """Ground points sorted into cells of geocentric latitude x longitude (CSR)."""

    def __init__(self, lat_deg, lon_deg, alt_km, cell_deg: float):
        g, u = _geodetic_to_itrs(lat_deg, lon_deg, alt_km)
        rho = np.sqrt((g * g).sum(axis=1))
        lat_c = np.degrees(np.arctan2(g[:, 2], np.hypot(g[:, 0], g[:, 1])))
        lon_c = np.degrees(np.arctan2(g[:, 1], g[:, 0]))
        self.n_row = max(1, math.ceil(180.0 / cell_deg))
        self.row_deg = 180.0 / self.n_row
        self.n_lon = max(1, math.ceil(360.0 / cell_deg))
        self.lon_cell_deg = 360.0 / self.n_lon
        row = np.clip(np.floor((lat_c + 90.0) / self.row_deg), 0, self.n_row - 1).astype(np.int64)
        col = np.clip(np.floor((lon_c + 180.0) / self.lon_cell_deg), 0, self.n_lon - 1)
        cell = row * self.n_lon + col.astype(np.int64)
        self.order = np.lexsort((lon_c, cell))
        self.cell_start = np.searchsorted(
            cell[self.order], np.arange(self.n_row * self.n_lon + 1)
        ).astype(np.int64)
        gs, us = g[self.order], u[self.order]
        self.gx, self.gy, self.gz = (np.ascontiguousarray(gs[:, q]) for q in range(3))
        self.ux, self.uy, self.uz = (np.ascontiguousarray(us[:, q]) for q in range(3))
        self.edge_deg = -90.0 + self.row_deg * np.arange(self.n_row + 1)
        self.sin_edge = np.sin(np.radians(self.edge_deg))
        self.cos_edge = np.clip(np.cos(np.radians(self.edge_deg)), 0.0, None)
        self.cos_min_row = np.minimum(self.cos_edge[:-1], self.cos_edge[1:])
        # Conservative cap bound: the smallest geocentric radius of any point, and the
        # largest angle between a point's WGS84 normal and its geocentric radial.
        self.rho_min_km = float(rho.min())
        cosang = np.clip((g * u).sum(axis=1) / rho, -1.0, 1.0)
        self.normal_tilt_rad = float(np.arccos(cosang).max()) + 1e-9

    def gso_band(self, exclusion_deg: float):
        """Per point: sines of the declination band holding every direction within
        ``exclusion_deg`` of the GSO arc (see ``count_visible_chunk``).

        Seen from a point at height ``gz`` above the equatorial plane and ``rho`` from
        the axis, an arc point at distance ``|u|`` has declination ``asin(-gz / |u|)``,
        and ``sqrt((R - rho)^2 + gz^2) <= |u| <= sqrt((R + rho)^2 + gz^2)``; the angle
        between two directions is at least the difference of their declinations.
        """
        rho = np.hypot(self.gx, self.gy)
        u_min = np.hypot(GSO_RADIUS_KM - rho, self.gz)
        u_max = np.hypot(GSO_RADIUS_KM + rho, self.gz)
        a = np.arcsin(-self.gz / u_min)
        b = np.arcsin(-self.gz / u_max)
        x = math.radians(exclusion_deg) + 1e-9
        lo = np.sin(np.clip(np.minimum(a, b) - x, -math.pi / 2, math.pi / 2)) - 1e-12
        hi = np.sin(np.clip(np.maximum(a, b) + x, -math.pi / 2, math.pi / 2)) + 1e-12
        return np.ascontiguousarray(lo), np.ascontiguousarray(hi)

    def cap(self, r_max_km: np.ndarray, min_elevation_deg: float):
        """Conservative central angle (deg) of each satellite's visibility cap, and its haversine.

        A point at geocentric radius rho sees a satellite at radius r and central
        angle c at elevation eps_c from its geocentric vertical, with
        ``tan(eps_c) = (r cos c - rho) / (r sin c)``; eps_c >= eps' exactly when
        ``c <= arccos(rho cos(eps') / r) - eps'``, which grows with r and falls with
        rho. The elevation from the WGS84 normal differs from eps_c by at most the
        angle between normal and radial (0.19 deg at the surface). So with
        eps' = mask - that tilt, rho the smallest point radius and r the largest
        satellite radius over the chunk, no point outside the cap can see it.
        """
        eps = math.radians(min_elevation_deg) - self.normal_tilt_rad
        with np.errstate(divide="ignore", invalid="ignore"):
            a = self.rho_min_km * math.cos(eps) / r_max_km
            theta = np.arccos(np.minimum(a, 1.0)) - eps + CAP_MARGIN_RAD
        theta = np.where((r_max_km > 0.0) & (a < 1.0) & (theta > 0.0), theta, -1.0)
        theta = np.minimum(theta, math.pi)
        hav = np.where(theta > 0.0, 0.5 * (1.0 - np.cos(theta)), 0.0)
        return np.where(theta > 0.0, np.degrees(theta), -1.0), hav


def check_memory(n_point: int) -> None:
    """Refuse a point set whose per-point working arrays would pass ``MAX_ENGINE_BYTES``.

    Per point: a chunk of uint16 counts, the int32 histogram, six float64
    index arrays and five int64 running statistics.
    """
    from . import _kernels as K

    per_point = 2 * K.TIME_CHUNK + 4 * N_VISIBLE_BINS + 8 * 6 + 8 * 5
    need = n_point * per_point
    if need > MAX_ENGINE_BYTES:
        raise KuiperError(
            f"{n_point:,} ground points need about {need / 1024**3:.1f} GiB of working memory, "
            f"over the limit of {MAX_ENGINE_BYTES / 1024**3:g} GiB: use a coarser --grid-deg"
        )


def check_min_elevation(min_elevation_deg: float) -> None:
    """Refuse a mask outside ``MIN_ELEVATION_RANGE_DEG`` (or NaN), naming the range."""
    lo, hi = MIN_ELEVATION_RANGE_DEG
    if not lo <= min_elevation_deg <= hi:
        raise KuiperError(
            f"minimum elevation must be within {lo:g}-{hi:g} degrees, got {min_elevation_deg}"
        )


def time_grid(start: dt.datetime | str, duration_s: float, step_s: float):
    """Split UTC Julian dates ``(jd, fr)`` of the window's steps.

    Steps are ``start + j step_s`` for j = 0 ... ``floor(duration_s / step_s) - 1``,
    rounded to the microsecond.
    """
    start = parse_utc(start)
    if not (math.isfinite(step_s) and step_s > 0.0):
        raise KuiperError(f"step must be positive and finite, got {step_s} s")
    if not (math.isfinite(duration_s) and duration_s >= step_s):
        raise KuiperError(f"duration ({duration_s} s) must be at least one step ({step_s} s)")
    if duration_s > MAX_DURATION_S:
        raise KuiperError(
            f"duration {duration_s:g} s is over the limit of {MAX_DURATION_S:g} s "
            f"({MAX_DURATION_S / 86_400:g} days)"
        )
    if duration_s / step_s > MAX_STEPS:
        raise KuiperError(
            f"{duration_s:g} s at {step_s:g} s steps is {duration_s / step_s:,.0f} steps, over the "
            f"limit of {MAX_STEPS:,}: use a longer --step"
        )
    n_time = int(math.floor(duration_s / step_s + 1e-9))
    delta = start - dt.datetime(1970, 1, 1, tzinfo=UTC)
    start_us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    us = start_us + np.rint(np.arange(n_time) * step_s * 1e6).astype(np.int64)
    jd, fr = jday_split(us)
    return np.ascontiguousarray(jd), np.ascontiguousarray(fr)


def _sgp4_constants(satrecs: Sequence) -> np.ndarray:
    from .. import _sgp4_kernels as SK
    from ..sgp4 import _near_earth_constants

    deep = [i for i, s in enumerate(satrecs) if s.method != "n"]
    if deep:
        raise KuiperError(
            f"{len(deep)} deep-space records (period >= 225 min), e.g. catalog number "
            f"{satrecs[deep[0]].satnum}: the coverage engine handles near-Earth orbits only"
        )
    table = _near_earth_constants(list(satrecs))
    consts = np.empty((SK.N_CONST, len(satrecs)), dtype=np.float64)
    for row, name in enumerate(SK.CONST_ROWS):
        consts[row] = table[name]
    return consts


def _default_cell_deg(satrecs: Sequence, min_elevation_deg: float) -> float:
    """Index cell size: about 40 % of a typical coverage-cap radius, within 1-4 deg.

    Larger cells test more points that cannot see the satellite; smaller ones
    give shorter runs (the vectorized test pays per run). 2.8 deg for Kuiper at
    35 deg (benchmarks/RESULTS.md, "Coverage").
    """
    if not satrecs:
        return 1.0
    alt = float(np.median([s.a for s in satrecs])) * WGS72_RADIUS_KM - WGS72_RADIUS_KM
    lam = float(coverage_cap_half_angle_deg(max(alt, 100.0), min_elevation_deg))
    return float(np.clip(lam / 2.5, 1.0, 4.0))


class _Engine:
    """Runs the three kernels chunk by chunk over a time window."""

    def __init__(
        self, satrecs, points: GroundPoints, min_elevation_deg, cell_deg=None, gso_exclusion_deg=0.0
    ):
        check_min_elevation(min_elevation_deg)
        lo, hi = GSO_EXCLUSION_RANGE_DEG
        if not lo <= gso_exclusion_deg <= hi:
            raise KuiperError(
                f"GSO-arc exclusion angle must be within {lo:g}-{hi:g} degrees, "
                f"got {gso_exclusion_deg}"
            )
        if len(satrecs) >= 65535:
            raise KuiperError(f"at most 65,534 satellites, got {len(satrecs)}")
        self.satrecs = list(satrecs)
        self.n_sat = len(self.satrecs)
        self.min_elevation_deg = float(min_elevation_deg)
        self.consts = _sgp4_constants(self.satrecs) if self.n_sat else None
        if cell_deg is None:
            cell_deg = _default_cell_deg(self.satrecs, min_elevation_deg)
        self.index = _PointIndex(
            np.asarray(points.lat_deg, dtype=np.float64),
            np.asarray(points.lon_deg, dtype=np.float64),
            np.asarray(points.alt_km, dtype=np.float64),
            cell_deg,
        )
        self.n_point = len(points)
        from . import _kernels as K

        chunk = K.TIME_CHUNK
        n_sat = max(self.n_sat, 1)
        self.n_block = max(1, min(N_SAT_BLOCK, self.n_sat))
        self.cos_t = np.empty(chunk)
        self.sin_t = np.empty(chunk)
        self.r_itrs_km = np.empty((chunk, n_sat, 3))
        self.ok = np.zeros((chunk, n_sat), dtype=np.uint8)
        self.r_max_km = np.zeros(n_sat)
        self.sat_lat_deg = np.empty((chunk, n_sat))
        self.sat_lon_deg = np.empty((chunk, n_sat))
        self.sat_order = np.empty((chunk, n_sat), dtype=np.int64)
        self.sort_count = np.empty((chunk, K.N_SORT_BINS + 1), dtype=np.int64)
        self.cnt = np.zeros((chunk, self.n_point), dtype=np.uint16)
        self.sin_mask = math.sin(math.radians(min_elevation_deg))
        self.gso_exclusion_deg = float(gso_exclusion_deg)
        self.gso_lo, self.gso_hi = self.index.gso_band(self.gso_exclusion_deg)
        self.gso_cos = math.cos(math.radians(self.gso_exclusion_deg))
        # capacity sharing (share_chunks); dummies until then
        self.point_val = np.zeros(max(self.n_point, 1))
        self.sat_cap = np.zeros(n_sat)
        self.sat_acc = np.zeros((chunk, n_sat))
        self.point_acc = np.zeros((chunk, 1))

    def _visit(self, mode: int, n: int) -> None:
        from . import _kernels as K

        ix = self.index
        theta_deg, hav = ix.cap(self.r_max_km, self.min_elevation_deg)
        K.count_visible_chunk(
            self.r_itrs_km,
            self.ok,
            n,
            theta_deg,
            hav,
            ix.row_deg,
            ix.lon_cell_deg,
            ix.n_lon,
            ix.edge_deg,
            ix.sin_edge,
            ix.cos_edge,
            ix.cos_min_row,
            ix.cell_start,
            ix.gx,
            ix.gy,
            ix.gz,
            ix.ux,
            ix.uy,
            ix.uz,
            self.sin_mask,
            self.sat_lat_deg,
            self.sat_lon_deg,
            self.sat_order,
            self.sort_count,
            self.cnt,
            mode,
            1 if self.gso_exclusion_deg > 0.0 else 0,
            self.gso_cos,
            GSO_RADIUS_KM,
            self.gso_lo,
            self.gso_hi,
            self.point_val,
            self.sat_cap,
            self.sat_acc,
            self.point_acc,
        )

    def _propagate(self, jd, fr, j0: int, n: int) -> None:
        from . import _kernels as K

        K.propagate_itrs_chunk(
            self.consts,
            jd,
            fr,
            j0,
            n,
            self.n_block,
            self.cos_t,
            self.sin_t,
            self.r_itrs_km,
            self.ok,
            self.r_max_km,
        )

    def share_chunks(self, jd, fr, point_val, sat_cap):
        """Yield ``(j0, n, alloc)``: each satellite's ``sat_cap`` shared between the points in view.

        ``point_val`` (in the order of the points given) weights the shares;
        ``alloc[:n]`` is in ``index.order`` (sorted), like :meth:`chunks`.
        """
        from . import _kernels as K

        self.point_val = np.ascontiguousarray(
            np.asarray(point_val, dtype=np.float64)[self.index.order]
        )
        self.sat_cap = np.ascontiguousarray(np.broadcast_to(sat_cap, (max(self.n_sat, 1),)), float)
        self.point_acc = np.zeros((K.TIME_CHUNK, self.n_point))
        for j0 in range(0, jd.shape[0], K.TIME_CHUNK):
            n = min(K.TIME_CHUNK, jd.shape[0] - j0)
            if self.n_sat:
                self._propagate(jd, fr, j0, n)
                self._visit(1, n)
                self._visit(2, n)
            else:
                self.point_acc[:n] = 0.0
            yield j0, n, self.point_acc

    def chunks(self, jd, fr):
        """Yield ``(j0, n, counts)`` per chunk; ``counts[:n]`` is in ``index.order`` (sorted)."""
        from . import _kernels as K

        n_time = jd.shape[0]
        for j0 in range(0, n_time, K.TIME_CHUNK):
            n = min(K.TIME_CHUNK, n_time - j0)
            if self.n_sat:
                self._propagate(jd, fr, j0, n)
                self._visit(0, n)
            else:
                self.cnt[:n] = 0
            yield j0, n, self.cnt


@dataclasses.dataclass
class PointStatistics:
    """Per-point statistics over a window (arrays in the order of the points given).

    Attributes
    ----------
    n_time, step_s, k : window steps, step (s), satellites needed for "covered".
    covered_steps : ndarray of int (n_point,)
        Steps with at least ``k`` satellites in view.
    fraction : ndarray (n_point,)
        ``covered_steps / n_time``.
    visible_hist : ndarray of int (n_point, N_VISIBLE_BINS)
        Steps with 0, 1, ... satellites in view (last bin: that many or more).
    n_gaps : ndarray of int (n_point,)
        Gaps: maximal runs of steps with fewer than ``k`` in view, including runs
        that touch the start or end of the window.
    gap_total_s, gap_max_s : ndarray (n_point,)
        Total and longest gap, seconds (a run of m steps lasts m x step_s).
    """

    n_time: int
    step_s: float
    k: int
    covered_steps: np.ndarray
    visible_hist: np.ndarray
    n_gaps: np.ndarray
    gap_total_s: np.ndarray
    gap_max_s: np.ndarray

    @property
    def fraction(self) -> np.ndarray:
        return self.covered_steps / self.n_time

    @property
    def mean_gap_s(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n_gaps > 0, self.gap_total_s / self.n_gaps, 0.0)

    def fraction_at_least(self, k: int) -> np.ndarray:
        """Fraction of steps with at least ``k`` satellites in view, for any k."""
        k = min(max(int(k), 0), self.visible_hist.shape[1] - 1)
        return self.visible_hist[:, k:].sum(axis=1) / self.n_time


def visible_counts(
    satrecs: Sequence,
    start: dt.datetime | str,
    lat_deg,
    lon_deg,
    alt_km=0.0,
    *,
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    step_s: float = DEFAULT_STEP_S,
    duration_s: float = DEFAULT_DURATION_S,
    cell_deg: float | None = None,
    gso_exclusion_deg: float = 0.0,
) -> np.ndarray:
    """Satellites in view at every point and time step: (n_point, n_time) uint16.

    For small cases and tests: this keeps the whole table, which
    :func:`evaluate_points` never does. Same engine and arguments as there.
    """
    lat, lon, alt = (
        np.ascontiguousarray(np.atleast_1d(a), dtype=np.float64)
        for a in np.broadcast_arrays(lat_deg, lon_deg, alt_km)
    )
    points = GroundPoints(lat, lon, alt, np.full(lat.shape, 1.0 / max(lat.size, 1)))
    jd, fr = time_grid(start, duration_s, step_s)
    engine = _Engine(satrecs, points, min_elevation_deg, cell_deg, gso_exclusion_deg)
    out = np.empty((len(points), jd.shape[0]), dtype=np.uint16)
    for j0, n, cnt in engine.chunks(jd, fr):
        out[engine.index.order, j0 : j0 + n] = cnt[:n].T
    return out


def evaluate_points(
    satrecs: Sequence,
    start: dt.datetime | str,
    points: GroundPoints,
    *,
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    k: int = 1,
    step_s: float = DEFAULT_STEP_S,
    duration_s: float = DEFAULT_DURATION_S,
    cell_deg: float | None = None,
    gso_exclusion_deg: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> PointStatistics:
    """Coverage statistics of each ground point over ``[start, start + duration_s)``.

    Parameters
    ----------
    satrecs : sequence of sgp4.api.Satrec
        Near-Earth element sets (WGS72).
    start : datetime or str
        Window start, aware UTC; steps are ``start + j step_s``, j = 0 ...
        ``floor(duration_s / step_s) - 1``.
    points : GroundPoints
    min_elevation_deg : float
        Elevation mask, degrees above the WGS84 horizon (no refraction).
    k : int
        Satellites needed at once for a step to count as covered.
    step_s, duration_s : float
        Sampling step and window length, seconds.
    cell_deg : float, optional
        Size of the point index's cells, degrees (a speed knob only).
    gso_exclusion_deg : float
        GSO-arc avoidance: a satellite does not serve a point for which it lies
        within this angle of the geostationary arc, as seen from the point
        (ITU RR Article 22 EPFD limits, ITU-R S.1503, make NGSO systems switch
        off such beams). 0 (default) turns it off.
    progress : callable, optional
        Called as ``progress(steps_done, n_time)`` after each chunk.

    Notes
    -----
    SGP4 (Hoots & Roehrich 1980; Vallado et al. 2006, AIAA 2006-6753) through
    the kuiper.sgp4 per-step functions; TEME -> ITRS by GMST (IAU 1982, UT1 ~
    UTC). A satellite whose SGP4 error code is not 0 at a step is not in view.
    """
    from . import _kernels as K

    if k < 1:
        raise KuiperError(f"k must be at least 1, got {k}")
    if satrecs and k > len(satrecs):
        raise KuiperError(f"k = {k} is more than the {len(satrecs):,} satellites evaluated")
    check_memory(len(points))
    jd, fr = time_grid(start, duration_s, step_s)
    n_time = jd.shape[0]
    engine = _Engine(satrecs, points, min_elevation_deg, cell_deg, gso_exclusion_deg)
    n_point = engine.n_point
    covered = np.zeros(n_point, dtype=np.int64)
    hist = np.zeros((n_point, N_VISIBLE_BINS), dtype=np.int32)
    run = np.zeros(n_point, dtype=np.int64)
    n_gaps = np.zeros(n_point, dtype=np.int64)
    gap_sum = np.zeros(n_point, dtype=np.int64)
    gap_max = np.zeros(n_point, dtype=np.int64)
    for j0, n, cnt in engine.chunks(jd, fr):
        K.accumulate_chunk(cnt, n, k, POINT_BLOCK, covered, hist, run, n_gaps, gap_sum, gap_max)
        if progress:
            progress(j0 + n, n_time)
    open_run = run > 0
    n_gaps += open_run
    gap_sum += run
    gap_max = np.maximum(gap_max, run)
    inv = np.empty(n_point, dtype=np.int64)
    inv[engine.index.order] = np.arange(n_point)
    return PointStatistics(
        n_time=n_time,
        step_s=float(step_s),
        k=int(k),
        covered_steps=covered[inv],
        visible_hist=hist[inv],
        n_gaps=n_gaps[inv],
        gap_total_s=gap_sum[inv] * float(step_s),
        gap_max_s=gap_max[inv] * float(step_s),
    )
