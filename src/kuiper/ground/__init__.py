"""Ground segment: what running Kuiper's gateways into AWS is worth, in reach, delay and dollars.

No public list of Kuiper gateways exists, so two scenarios are compared:

* **A** - a gateway at every AWS region and AWS Ground Station site (outside markets
  without landing rights), a short fibre run from each to its region's data centres;
* **B** - as many gateways placed by a coverage objective at non-urban sites
  (:func:`place_coverage_gateways`), with traffic carried over terrestrial fibre to
  the AWS region nearest the user.

Users are a population-weighted sample of cities and rural places
(:func:`sample_users`) plus remote enterprise sites - mines, offshore platforms and
aviation corridors (:func:`enterprise_sites`). Each user's traffic goes to its nearest
AWS region.

At each time step the model finds each user's lowest-delay path
user -> satellite -> [inter-satellite hops] -> satellite -> gateway -> fibre -> region:

* bent pipe (default): the user's satellite must see a gateway itself;
* ``isl=True``: +Grid optical links (two in-plane, two cross-plane per satellite,
  :mod:`kuiper.ground.topology`), up while within range and, across planes, away from
  the poles; routes are shortest-delay paths (Dijkstra) recomputed at every step.

Radio and laser links run at c, fibre at about 2/3 c with a route factor. The
round-trip time adds sourced scheduling, queueing and processing components
(``rtt_ms``) and is checked against published Starlink medians. Dollar inputs for the
valuation come from :func:`aws_integration_inputs`, which propagates nothing.

Satellites are propagated with :mod:`kuiper.sgp4` a chunk of steps at a time and
rotated with :mod:`kuiper.frames`; elevations use the same topocentric kernel as the
coverage engine. Assumptions and sources are in ``kuiper/data/ground.toml``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import numpy as np

from ..errors import KuiperError
from .config import aws_integration_inputs, load_ground_config
from .engine import SPEED_OF_LIGHT_KM_S, Route
from .result import COORDINATES_NOTE, GroundResult
from .sites import (
    aws_ground_stations,
    aws_regions,
    coverage_reach_km,
    enterprise_sites,
    great_circle_km,
    place_coverage_gateways,
    sample_users,
    scenario_a_sites,
)
from .topology import orbital_planes, plus_grid

__all__ = [
    "COORDINATES_NOTE",
    "MAX_EPOCH_GAP_DAYS",
    "MAX_STEPS",
    "MAX_USERS",
    "SPEED_OF_LIGHT_KM_S",
    "GroundResult",
    "aws_ground_stations",
    "aws_integration_inputs",
    "aws_regions",
    "enterprise_sites",
    "estimate_ground",
    "great_circle_km",
    "load_ground_config",
    "orbital_planes",
    "place_coverage_gateways",
    "plus_grid",
    "sample_users",
]

# Longest window, in time steps (a day at about 4.3 s); work grows with it.
MAX_STEPS = 20_000
# Most sampled users (--cities); time grows linearly with them (R11).
MAX_USERS = 500
# SGP4 from element sets further than this from the window is not trusted (W1).
MAX_EPOCH_GAP_DAYS = 30.0


def _check_window(duration_s, step_s) -> int:
    for name, v in (("duration", duration_s), ("step", step_s)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
            raise KuiperError(f"{name} must be a positive finite number of seconds, got {v!r}")
    ratio = duration_s / step_s
    if ratio > MAX_STEPS:  # also catches an overflow to infinity
        raise KuiperError(
            f"{duration_s:g} s at {step_s:g} s steps is {ratio:,.0f} time steps; the ground "
            f"model takes at most {MAX_STEPS:,} (raise --step or shorten --duration)"
        )
    n = math.floor(ratio + 1e-9)
    if n < 1:
        raise KuiperError(f"duration ({duration_s:g} s) must be at least one step ({step_s:g} s)")
    return n


def _check_epochs(con, duration_s: float) -> None:
    """Refuse a window far from the element epochs of a real constellation (W1)."""
    from ..timescale import parse_utc

    if con.kind != "real":
        return
    start = (con.date - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds() / 86400.0
    start += 2440587.5
    end = start + duration_s / 86400.0
    if con.satrecs:
        epochs = np.array([s.jdsatepoch + s.jdsatepochF for s in con.satrecs])
        gap = float(max(np.abs(epochs - start).max(), np.abs(epochs - end).max()))
    elif con.detail.get("data_through"):
        through = parse_utc(con.detail["data_through"])
        gap = abs((con.date - through).total_seconds()) / 86400.0 + duration_s / 86400.0
    else:
        return
    if gap > MAX_EPOCH_GAP_DAYS:
        raise KuiperError(
            f"the window {con.date:%Y-%m-%d} + {duration_s / 86400:g} d is {gap:.0f} days from "
            f"the element sets; SGP4 does not hold beyond about {MAX_EPOCH_GAP_DAYS:g} days "
            "(choose a --date within the data, or use --constellation design)"
        )


def _fibre_s(gws: list[dict], dest_lat, dest_lon, access_km: float, cfg: dict) -> np.ndarray:
    g_lat = np.array([g["lat_deg"] for g in gws])
    g_lon = np.array([g["lon_deg"] for g in gws])
    km = access_km + cfg["fibre_route_factor"] * great_circle_km(
        g_lat[None, :], g_lon[None, :], dest_lat[:, None], dest_lon[:, None]
    )
    return km / (cfg["fibre_speed_fraction_of_c"] * SPEED_OF_LIGHT_KM_S)


def _neighbours(propagator, jd, fr, cfg) -> np.ndarray:
    _, r, v = propagator.propagate(jd[:1], fr[:1])
    shell, plane, u = orbital_planes(
        r[:, 0], v[:, 0], cfg["isl_plane_gap_deg"], cfg["isl_shell_inclination_gap_deg"]
    )
    return plus_grid(shell, plane, u)


def estimate_ground(
    store=None,
    *,
    constellation: str = "design",
    date: dt.datetime | str | None = None,
    n_satellites: int | None = None,
    n_cities: int = 60,
    enterprise: bool = True,
    isl: bool = False,
    duration_s: float = 86400.0,
    step_s: float = 60.0,
    seed: int | None = None,
    config: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GroundResult:
    """Availability, delay and round-trip time to AWS for scenarios A and B.

    Parameters
    ----------
    store : kuiper.store.Store, optional
        Needed for the ``real`` constellation.
    constellation, date, n_satellites :
        As for :func:`kuiper.coverage.constellation_satrecs` (``design`` or ``real``).
    n_cities : int
        Users drawn by population (:func:`sample_users`), 1 to :data:`MAX_USERS`.
    enterprise : bool
        Add the remote enterprise sites (:func:`enterprise_sites`).
    isl : bool
        Route over +Grid inter-satellite links too; the result then holds both the
        ISL routes (headline) and the bent-pipe ones (``without_isl``).
    duration_s, step_s : float
        Time window and step, seconds; at most :data:`MAX_STEPS` steps.
    seed : int, optional
        User sample seed; default ``user_seed`` in ``ground.toml``.
    config : dict, optional
        :func:`load_ground_config` output; default the shipped ``ground.toml``.
    progress : callable(done, total), optional
        Called after each chunk of time steps.

    Returns
    -------
    GroundResult

    Notes
    -----
    Shortest-delay routing over a time-varying +Grid, as in Hypatia (Kassing et al.,
    "Exploring the Internet from space with Hypatia", IMC 2020) and StarPerf (Lai et
    al., IMC 2020). Memory is bounded by one chunk of steps (R10).
    """
    from ..coverage import constellation_satrecs, time_grid
    from ..sgp4 import Propagator

    cfg = config or load_ground_config()
    _check_window(duration_s, step_s)
    if (
        isinstance(n_cities, bool)
        or not isinstance(n_cities, int)
        or not 1 <= n_cities <= MAX_USERS
    ):
        raise KuiperError(f"the number of sampled users must be 1 to {MAX_USERS}, got {n_cities!r}")
    if constellation not in ("design", "real"):
        raise KuiperError(f"constellation must be design or real, not {constellation!r}")
    con = constellation_satrecs(constellation, date=date, n_satellites=n_satellites, store=store)
    _check_epochs(con, duration_s)
    if not con.satrecs:
        raise KuiperError(f"the {constellation} constellation has no satellites")

    users = sample_users(n_cities, cfg, seed) + (list(enterprise_sites()) if enterprise else [])
    sites_a = scenario_a_sites(cfg)
    regions = [r for r in aws_regions() if r["country"] not in cfg["excluded_countries"]]
    r_lat = np.array([r["lat_deg"] for r in regions])
    r_lon = np.array([r["lon_deg"] for r in regions])
    u_lat = np.array([u["lat"] for u in users])
    u_lon = np.array([u["lon"] for u in users])
    nearest = np.argmin(great_circle_km(u_lat[:, None], u_lon[:, None], r_lat, r_lon), axis=1)
    dests, user_dest = np.unique(nearest, return_inverse=True)
    users = [dict(u, aws_region=regions[k]["code"]) for u, k in zip(users, nearest, strict=True)]
    d_lat, d_lon = r_lat[dests], r_lon[dests]

    lowest_km = min(s.altp for s in con.satrecs) * con.satrecs[0].radiusearthkm
    reach = coverage_reach_km(
        lowest_km, cfg["user_elevation_mask_deg"], cfg["gateway_elevation_mask_deg"]
    )
    sites_b = place_coverage_gateways(users, len(sites_a), cfg, reach)

    def route(key, desc, gws, access_km, with_isl):
        return Route(
            key=key,
            description=desc,
            isl=with_isl,
            gateways=gws,
            gw_lat_deg=np.array([g["lat_deg"] for g in gws]),
            gw_lon_deg=np.array([g["lon_deg"] for g in gws]),
            fibre_s=_fibre_s(gws, d_lat, d_lon, access_km, cfg),
            user_dest=np.ascontiguousarray(user_dest, dtype=np.int64),
        )

    modes = ["bent_pipe"] + (["isl"] if isl else [])
    routes = {
        m: {
            "A": route(
                "A",
                "A: gateways at AWS regions and Ground Stations",
                sites_a,
                cfg["scenario_a_access_km"],
                m == "isl",
            ),
            "B": route(
                "B", "B: gateways placed for coverage, fibre to AWS", sites_b, 0.0, m == "isl"
            ),
        }
        for m in modes
    }
    jd, fr = time_grid(con.date, duration_s, step_s)
    prop = Propagator(con.satrecs)
    n_sat = len(con.satrecs)
    neighbours = _neighbours(prop, jd, fr, cfg) if isl else np.full((n_sat, 4), -1, np.int64)
    from .engine import run_routes

    run_routes(
        prop,
        jd,
        fr,
        neighbours,
        u_lat,
        u_lon,
        [r for m in modes for r in routes[m].values()],
        cfg,
        progress,
    )
    return GroundResult(
        constellation=con.kind,
        date=con.date,
        n_satellites=con.n_satellites,
        users=users,
        duration_s=float(duration_s),
        step_s=float(step_s),
        config=cfg,
        isl=isl,
        routes=routes,
    )
