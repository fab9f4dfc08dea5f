"""Serviceable subscribers from geometry: ``kuiper capacity``.

For each demand cell (the equal-area grid's cells with people, :func:`demand_cells`):

* demand = under-served households x take rate x (1 + business sites per consumer);
* every satellite's capacity is shared, at each time step, between the cells that see
  it above the mask, in proportion to their demand (the coverage engine's own
  visibility test, :meth:`kuiper.coverage.engine._Engine.share_chunks`);
* serviceable subscribers = the time mean of min(demand, allocated capacity / busy-hour
  Mbps per subscriber).

Scaling every cell's demand by one factor leaves the shares unchanged, so the geometry
runs once: with a = each cell's share of a unit capacity and D0 its households,
subscribers = tau x mean_t min(D0, rho a) with rho = C / (r tau) for per-satellite
capacity C, busy-hour rate r and take rate tau. That is tabulated against rho, and the
Monte Carlo over the parameter ranges of ``capacity.toml`` only interpolates.

Notes
-----
Capacity models: del Portillo, Cameron & Crawley (2019), Acta Astronautica 159, 123-135;
Pachler et al. (2021), IEEE ICC Workshops, doi:10.1109/ICCWorkshops50388.2021.9473799;
Osoro & Oughton (2021), IEEE Access 9, doi:10.1109/ACCESS.2021.3119634.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Sequence

import numpy as np

from ..errors import KuiperError
from ..timescale import parse_utc
from .constellation import Constellation, _iso, constellation_satrecs
from .engine import DEFAULT_MIN_ELEVATION_DEG, _Engine, check_memory, time_grid
from .population import REGIONS, demand_cells

__all__ = [
    "PROFILES",
    "CapacityResult",
    "load_capacity_assumptions",
    "elements_constellation",
    "estimate_capacity",
    "capacity_curve",
    "per_user_capacity_mbps",
    "per_user_check",
]

PROFILES = ("kuiper", "starlink")
# Geometry window of the share computation: a Walker pattern's statistics repeat
# within hours; 3 h at 120 s steps, from the constellation's date.
CAPACITY_DURATION_S = 3 * 3600.0
CAPACITY_STEP_S = 120.0
CAPACITY_GRID_DEG = 1.0
N_DRAWS = 4000
# rho grid (Mbps of satellite capacity per unit of take rate x busy-hour rate)
_RHO = np.logspace(2.0, 10.0, 161)
# IUGG mean Earth radius R1 (Moritz 2000, Geodetic Reference System 1980), for cell areas.
EARTH_MEAN_RADIUS_KM = 6371.0088
_PER_USER_CHECK_KEYS = ("published_mbps", "users_per_km2", "overbooking_factor")
# their per-satellite capacity, Mbps = the product of these ([per_user_check])
_PER_USER_CAPACITY_KEYS = (
    "channel_bandwidth_mhz",
    "n_channels",
    "polarizations",
    "spectral_efficiency_bit_s_hz",
)


@functools.cache
def load_capacity_assumptions(path=None) -> dict:
    """capacity.toml, validated: each range has 0 < low <= mid <= high."""
    from ..manifest import read_data_toml

    data, name = read_data_toml(path, "capacity.toml")

    def check(where, r):
        try:
            lo, mid, hi = float(r["low"]), float(r["mid"]), float(r["high"])
        except (KeyError, TypeError, ValueError):
            raise KuiperError(f"{name}: {where} needs numbers low, mid and high") from None
        if not (0.0 < lo <= mid <= hi and math.isfinite(hi)):
            raise KuiperError(f"{name}: {where} must have 0 < low <= mid <= high")

    for prof in PROFILES:
        check(f"[profile.{prof}] per_satellite_gbps", data["profile"][prof]["per_satellite_gbps"])
    for key in ("busy_hour_mbps", "consumer_take_rate", "business_per_consumer"):
        check(f"[demand] {key}", data["demand"][key])
    chk = data.get("per_user_check", {})
    for key in _PER_USER_CHECK_KEYS + _PER_USER_CAPACITY_KEYS:
        v = chk.get(key)
        if not (isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < math.inf):
            raise KuiperError(f"{name}: [per_user_check] {key} must be a positive number")
    return data


def elements_constellation(path, name_prefix: str, date=None) -> Constellation:
    """The newest element set of each object in an element file whose name starts with a prefix.

    Objects below 300 km perigee (re-entering) and deep-space orbits are left out. The
    window starts at ``date`` (default the newest epoch), which may be at most 30 days
    after the newest epoch.
    """
    from ..elements import read_elements
    from .constellation import MAX_ELEMENT_AGE_DAYS, MAX_ELEMENT_AGE_S

    el = read_elements(path, skip_bad=True).elements
    names = np.array([str(n or "").upper() for n in el.name])
    keep = np.flatnonzero(np.char.startswith(names.astype(str), name_prefix.upper()))
    if keep.size == 0:
        raise KuiperError(f"{path}: no object's name starts with {name_prefix!r}")
    el = el[keep]
    order = np.lexsort((el.epoch_utc, el.norad_id))
    el = el[order]
    last = np.flatnonzero(np.r_[el.norad_id[1:] != el.norad_id[:-1], True])
    el = el[last]
    el = el[(el.perigee_altitude_km > 300.0) & (el.mean_motion_rev_day > 6.4)]
    newest = parse_utc(str(el.epoch_utc.max()) + "Z")
    start = newest if date is None else parse_utc(date)
    if (start - newest).total_seconds() > MAX_ELEMENT_AGE_S:
        raise KuiperError(
            f"--date is more than {MAX_ELEMENT_AGE_DAYS} days after the newest element set "
            f"in {path} ({newest:%Y-%m-%d})"
        )
    detail = {"elements": str(path), "name_prefix": name_prefix, "newest_epoch": _iso(newest)}
    return Constellation("elements", start, el.to_satrecs(), {}, detail)


def _shares(key, satrecs: tuple, start, cells, min_elevation_deg: float) -> tuple:
    """Each demand cell's share of a unit per-satellite capacity, at each step: (n_cell, n_time)."""
    hh = cells.households.sum(axis=1) + (cells.closed_households.sum(axis=1) if key else 0.0)
    use = np.flatnonzero(hh > 0)
    from .grid import GroundPoints

    pts = cells.points
    points = GroundPoints(pts.lat_deg[use], pts.lon_deg[use], pts.alt_km[use], pts.weight[use])
    check_memory(len(points))
    jd, fr = time_grid(start, CAPACITY_DURATION_S, CAPACITY_STEP_S)
    share = np.zeros((use.size, jd.shape[0]))
    if satrecs:
        engine = _Engine(list(satrecs), points, min_elevation_deg)
        inv = np.empty(use.size, dtype=np.int64)
        inv[engine.index.order] = np.arange(use.size)
        for j0, n, alloc in engine.share_chunks(jd, fr, hh[use], 1.0):
            share[:, j0 : j0 + n] = alloc[:n, inv].T
    return use, share


@dataclasses.dataclass
class CapacityResult:
    """Serviceable subscribers of one constellation (:func:`estimate_capacity`)."""

    constellation: Constellation
    profile: str
    market_access: str
    min_elevation_deg: float
    regions: tuple
    subscribers: dict
    capacity_gbps: dict
    by_region: list
    assumptions: dict

    def to_dict(self) -> dict:
        c = self.constellation
        n = c.n_satellites
        return {
            "constellation": c.kind,
            "date": _iso(c.date),
            "detail": c.detail,
            "profile": self.profile,
            "market_access": self.market_access,
            "min_elevation_deg": self.min_elevation_deg,
            "n_satellites": n,
            "capacity_gbps": self.capacity_gbps,
            "subscribers": self.subscribers,
            "subscribers_per_satellite": {
                k: (round(v / n, 1) if n else None) for k, v in self.subscribers.items()
            },
            "by_region": self.by_region,
            "assumptions": self.assumptions,
        }

    def render(self) -> str:
        d = self.to_dict()
        s, per = d["subscribers"], d["subscribers_per_satellite"]
        lines = [
            f"{d['constellation']} constellation, {d['n_satellites']:,} satellites, "
            f"{d['date'][:10]}; profile {d['profile']}, market access {d['market_access']}, "
            f"{d['min_elevation_deg']:g} deg mask",
            f"{'':<30}{'P10':>13}{'P50':>13}{'P90':>13}",
            f"{'capacity, Gbps':<30}{d['capacity_gbps']['p10']:>13,.0f}"
            f"{d['capacity_gbps']['p50']:>13,.0f}{d['capacity_gbps']['p90']:>13,.0f}",
            f"{'serviceable subscribers':<30}{s['p10']:>13,.0f}{s['p50']:>13,.0f}"
            f"{s['p90']:>13,.0f}",
            f"{'subscribers per satellite':<30}"
            + "".join(f"{per[k]:>13,.0f}" if per[k] is not None else f"{'-':>13}" for k in s),
            "",
            f"{'region':<15}{'subscribers P10':>16}{'P50':>12}{'P90':>12}"
            f"{'demand (mid)':>14}{'served (mid)':>14}  capacity-limited",
        ]
        for r in d["by_region"]:
            q = r["subscribers"]
            lines.append(
                f"{r['region']:<15}{q['p10']:>16,.0f}{q['p50']:>12,.0f}{q['p90']:>12,.0f}"
                f"{r['demand']:>14,.0f}{r['subscribers_mid']:>14,.0f}  "
                f"{'yes' if r['capacity_limited'] else 'no'}"
            )
        a = d["assumptions"]
        lines += [
            "",
            "assumptions (low/mid/high, capacity.toml): per-satellite Gbps "
            + "/".join(f"{x:g}" for x in a["per_satellite_gbps"])
            + "; busy-hour Mbps per subscriber "
            + "/".join(f"{x:g}" for x in a["busy_hour_mbps"])
            + "; take rate of under-served households "
            + "/".join(f"{x:g}" for x in a["consumer_take_rate"]),
        ]
        return "\n".join(lines)


def _draws(profile: str, n_draws: int, seed: int) -> dict:
    a = load_capacity_assumptions()
    rng = np.random.default_rng(seed)

    def logu(r):
        return np.exp(rng.uniform(math.log(r["low"]), math.log(r["high"]), n_draws))

    d = a["demand"]
    return {
        "capacity_mbps": 1000.0 * logu(a["profile"][profile]["per_satellite_gbps"]),
        "busy_hour_mbps": logu(d["busy_hour_mbps"]),
        "take": logu(d["consumer_take_rate"]) * (1.0 + logu(d["business_per_consumer"])),
    }


def _served_table(demand: np.ndarray, share: np.ndarray, region_of: np.ndarray, n_region: int):
    """sum over cells of mean_t min(D0, rho a), by region, for every rho of ``_RHO``."""
    out = np.zeros((_RHO.size, n_region))
    for i, rho in enumerate(_RHO):
        served = np.minimum(demand[:, None], rho * share).mean(axis=1)
        out[i] = np.bincount(region_of, served, n_region)
    return out


def _quantiles(x) -> dict:
    p10, p50, p90 = np.quantile(x, [0.1, 0.5, 0.9])
    return {"p10": float(round(p10)), "p50": float(round(p50)), "p90": float(round(p90))}


def estimate_capacity(
    constellation: str | Constellation = "design",
    *,
    date=None,
    n_satellites: int | None = None,
    store=None,
    forecast=None,
    quantile=0.5,
    design: str = "gen1",
    profile: str = "kuiper",
    market_access: str = "default",
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    n_draws: int = N_DRAWS,
    seed: int = 2026,
) -> CapacityResult:
    """Serviceable subscribers by region and in total, P10/P50/P90 over capacity.toml's ranges.

    Parameters
    ----------
    constellation : {"design", "real", "forecast"} or Constellation
        As for :func:`kuiper.coverage.constellation_satrecs` (``date``,
        ``n_satellites``, ``store``, ``forecast``, ``quantile``, ``design``), or a
        :class:`Constellation` such as :func:`elements_constellation` returns.
    profile : {"kuiper", "starlink"}
        Which system's per-satellite capacity and market access.
    market_access : {"default", "all"}
        ``default`` leaves out the markets closed to the system (market_access.csv);
        ``all`` counts every country.
    min_elevation_deg : float
        Elevation mask of the user terminals, degrees.
    n_draws, seed : int
        Monte Carlo draws of the parameters, and their seed.
    """
    if profile not in PROFILES:
        raise KuiperError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    if market_access not in ("default", "all"):
        raise KuiperError(f"market access must be 'default' or 'all', not {market_access!r}")
    cons = constellation_satrecs(
        constellation,
        date=date,
        n_satellites=n_satellites,
        store=store,
        forecast=forecast,
        quantile=quantile,
        design=design,
    )
    cells = demand_cells(CAPACITY_GRID_DEG, profile)
    everyone = market_access == "all"
    use, share = _shares(everyone, tuple(cons.satrecs), cons.date, cells, float(min_elevation_deg))
    hh_region = cells.households + (cells.closed_households if everyone else 0.0)
    hh = hh_region.sum(axis=1)[use]
    region_of = np.argmax(hh_region[use], axis=1)
    table = _served_table(hh, share, region_of, len(cells.regions))
    dr = _draws(profile, n_draws, seed)
    rho = dr["capacity_mbps"] / (dr["busy_hour_mbps"] * dr["take"])
    log_rho = np.log(np.clip(rho, _RHO[0], _RHO[-1]))
    per_region = (
        np.stack(
            [np.interp(log_rho, np.log(_RHO), table[:, r]) for r in range(len(cells.regions))], 1
        )
        * dr["take"][:, None]
    )
    total = per_region.sum(axis=1)
    a = load_capacity_assumptions()
    mid_take = a["demand"]["consumer_take_rate"]["mid"] * (
        1.0 + a["demand"]["business_per_consumer"]["mid"]
    )
    n = cons.n_satellites
    rho_mid = (
        1000.0
        * a["profile"][profile]["per_satellite_gbps"]["mid"]
        / (a["demand"]["busy_hour_mbps"]["mid"] * mid_take)
    )
    lr_mid = np.log(np.clip(rho_mid, _RHO[0], _RHO[-1]))
    by_region = []
    for r, name in enumerate(cells.regions):
        demand = float(mid_take * hh[region_of == r].sum())
        served_mid = mid_take * float(np.interp(lr_mid, np.log(_RHO), table[:, r]))
        by_region.append(
            {
                "region": REGIONS[name],
                "subscribers": _quantiles(per_region[:, r]),
                "demand": round(demand),
                "subscribers_mid": round(served_mid),
                "capacity_limited": bool(served_mid < 0.95 * demand),
            }
        )

    def rng3(r):
        return [r["low"], r["mid"], r["high"]]

    return CapacityResult(
        constellation=cons,
        profile=profile,
        market_access=market_access,
        min_elevation_deg=float(min_elevation_deg),
        regions=cells.regions,
        subscribers=_quantiles(total),
        capacity_gbps=_quantiles(n * dr["capacity_mbps"] / 1000.0),
        by_region=by_region,
        assumptions={
            "per_satellite_gbps": rng3(a["profile"][profile]["per_satellite_gbps"]),
            "busy_hour_mbps": rng3(a["demand"]["busy_hour_mbps"]),
            "consumer_take_rate": rng3(a["demand"]["consumer_take_rate"]),
            "business_per_consumer": rng3(a["demand"]["business_per_consumer"]),
            "sources": "kuiper/data/capacity.toml, broadband_gap.csv, market_access.csv",
            "window": f"{CAPACITY_DURATION_S / 3600:g} h at {CAPACITY_STEP_S:g} s steps, "
            f"{CAPACITY_GRID_DEG:g} deg cells",
            "draws": n_draws,
        },
    )


CURVE_TABLE = "capacity_vs_satellites.csv"
# (profile, design) pairs the shipped table holds, at CURVE_N_COUNTS counts 0 ... size.
CURVE_CASES = (("kuiper", "gen1"),)
CURVE_N_COUNTS = 17


@functools.cache
def _shipped_curve() -> dict:
    from importlib.resources import files

    text = (files("kuiper") / "data" / CURVE_TABLE).read_text(encoding="utf-8")
    rows: dict = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("profile,"):
            continue
        profile, design, n, p10, p50, p90 = line.split(",")
        rows.setdefault((profile, design), []).append((int(n), float(p10), float(p50), float(p90)))
    return {k: np.array(v, dtype=np.float64) for k, v in rows.items()}


def capacity_curve(
    n_on_station: Sequence[int] | int,
    *,
    profile: str = "kuiper",
    design: str = "gen1",
    shipped: bool = True,
) -> list[dict]:
    """Serviceable subscribers and capacity at design prefixes of the given sizes.

    Parameters
    ----------
    n_on_station : sequence of int, or int
        Satellites on station; each is the first n of the design order (capped at the
        design's size). A single int N stands for 16 counts evenly spread over 1 ... N.
    profile : {"kuiper", "starlink"}
    design : {"gen1", "gen1-polar", "gen2"}
    shipped : bool
        Use the shipped table (``kuiper/data/capacity_vs_satellites.csv``, made by
        :func:`write_curve_table` with the default assumptions; a test recomputes a row)
        for the pairs of ``CURVE_CASES``, interpolating linearly in n: milliseconds.
        Otherwise (or for other pairs) each count runs :func:`estimate_capacity`
        (~3 s each, cached for the process).

    Returns
    -------
    list of dict
        One per count, in the order given: ``{"n_satellites", "subscribers": {"p10",
        "p50", "p90"}, "subscribers_p10", "subscribers_p50", "subscribers_p90",
        "capacity_gbps"}``; capacity at the mid per-satellite figure; default market
        access, 35 deg mask, the design on 2026-01-01.
    """
    from .design import design_order

    if isinstance(n_on_station, (int, np.integer)):
        top = int(n_on_station)
        counts = sorted({int(round(x)) for x in np.linspace(top / 16, top, 16)})
    else:
        counts = [int(n) for n in n_on_station]
    size = len(design_order(design=design))
    mid = load_capacity_assumptions()["profile"][profile]["per_satellite_gbps"]["mid"]
    table = _shipped_curve().get((profile, design)) if shipped else None
    out = []
    for n in counts:
        n = max(0, min(n, size))
        if table is not None:
            s = [float(round(np.interp(n, table[:, 0], table[:, j]))) for j in (1, 2, 3)]
        else:
            s = list(_capacity_point(n, profile, design))
        out.append(
            {
                "n_satellites": n,
                "subscribers": {"p10": s[0], "p50": s[1], "p90": s[2]},
                "subscribers_p10": s[0],
                "subscribers_p50": s[1],
                "subscribers_p90": s[2],
                "capacity_gbps": round(n * mid, 1),
            }
        )
    return out


@functools.cache
def _capacity_point(n: int, profile: str, design: str) -> tuple[float, float, float]:
    if n == 0:
        return (0.0, 0.0, 0.0)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cons = constellation_satrecs("design", date=start, n_satellites=n, design=design)
    s = estimate_capacity(cons, profile=profile).subscribers
    return (s["p10"], s["p50"], s["p90"])


def write_curve_table(path) -> None:
    """Write the shipped capacity-vs-satellites table (``CURVE_CASES``) to ``path``."""
    from .design import design_order

    lines = [
        "# Serviceable subscribers at design prefixes (kuiper.coverage.capacity_curve), made by",
        "# `python -m kuiper.coverage.capacity PATH` with the shipped capacity.toml,",
        "# broadband_gap.csv and market_access.csv; tests/test_capacity.py recomputes a row.",
        "profile,design,n_satellites,subscribers_p10,subscribers_p50,subscribers_p90",
    ]
    for profile, design in CURVE_CASES:
        size = len(design_order(design=design))
        for n in sorted({int(round(x)) for x in np.linspace(0, size, CURVE_N_COUNTS)}):
            p10, p50, p90 = _capacity_point(n, profile, design)
            lines.append(f"{profile},{design},{n},{p10:.0f},{p50:.0f},{p90:.0f}")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def _uniform_users(users_per_km2: float, users_over: str, profile: str):
    """Cells with ``users_per_km2`` on each: the land demand cells, or the whole grid."""
    from .grid import equal_area_grid
    from .population import DemandCells

    grid = equal_area_grid(CAPACITY_GRID_DEG)
    if users_over == "land":
        cells = demand_cells(CAPACITY_GRID_DEG, profile)
    elif users_over == "earth":
        n = len(grid.lat_deg)
        none = np.zeros((n, 1))
        cells = DemandCells(
            grid_deg=CAPACITY_GRID_DEG,
            cell=np.arange(n),
            points=grid,
            population=np.zeros(n),
            households=none,
            country=np.full(n, ""),
            regions=("world",),
            closed_households=none,
        )
    else:
        raise KuiperError(f"users_over must be 'land' or 'earth', got {users_over!r}")
    users = users_per_km2 * 4.0 * math.pi * EARTH_MEAN_RADIUS_KM**2 * grid.weight[cells.cell]
    return dataclasses.replace(
        cells,
        households=users[:, None] * (np.arange(len(cells.regions)) == 0),
        closed_households=0.0 * cells.closed_households,
    ), users


def per_user_capacity_mbps(
    constellation: Constellation,
    users_per_km2: float,
    *,
    profile: str = "kuiper",
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    per_satellite_gbps: float | None = None,
    users_over: str = "land",
) -> float:
    """Mean busy-hour capacity per user, users spread evenly at ``users_per_km2``.

    Every satellite's capacity is shared between the cells in view in proportion to
    their users (all capacity-limited at such densities), and the result is total
    allocated capacity / users, averaged over the window.

    Parameters
    ----------
    constellation : Constellation
    users_per_km2 : float
        Users (subscribers) per km^2 on every cell of ``users_over``.
    profile : str
        Whose per-satellite capacity (capacity.toml, mid) when ``per_satellite_gbps``
        is None; with ``users_over="land"`` also whose demand cells.
    min_elevation_deg : float
    per_satellite_gbps : float, optional
        Per-satellite capacity, Gbps, in place of the profile's mid.
    users_over : {"land", "earth"}
        ``"land"``: the demand cells (land with people), kuiper's convention.
        ``"earth"``: every cell of the grid, oceans and ice included, which is Osoro &
        Oughton's convention: each satellite's coverage area is Earth's surface / the
        number of satellites, with users at the stated density all over it. Every
        satellite then sees users, so the figure reduces to n_sat x capacity / (users
        per km^2 x Earth's area) when all satellites work.

    Returns
    -------
    float
        Mbps per user (per subscriber, not per active user: see :func:`per_user_check`).
    """
    cells, users = _uniform_users(users_per_km2, users_over, profile)
    use, share = _shares(
        False, tuple(constellation.satrecs), constellation.date, cells, min_elevation_deg
    )
    if per_satellite_gbps is None:
        table = load_capacity_assumptions()["profile"][profile]["per_satellite_gbps"]
        per_satellite_gbps = table["mid"]
    return float(1000.0 * per_satellite_gbps * share.sum(axis=0).mean() / users[use].sum())


def per_user_check(constellation: Constellation, *, users_over: str = "earth") -> dict:
    """Osoro & Oughton's (2021) per-user busy-hour figure, with kuiper's geometry.

    Their per-user capacity is (per-satellite capacity / coverage area) / (users per
    km^2 / overbooking factor): per *active* user, one in 20 being active in the busy
    hour, with the coverage area Earth's whole surface / number of satellites. The
    conversion: :func:`per_user_capacity_mbps` at their density (0.1 users/km^2), with
    their per-satellite capacity (bandwidth x channels x polarizations x spectral
    efficiency, capacity.toml ``[per_user_check]``), users over the whole Earth
    (``users_over="earth"``, their convention) or over land only (``"land"``, kuiper's),
    times their overbooking factor.

    Returns
    -------
    dict
        ``published_mbps`` (their figure), ``per_active_user_mbps`` (kuiper's at their
        conventions), ``users_per_km2``, ``overbooking_factor``, ``per_satellite_gbps``,
        ``users_over`` and ``ratio`` (kuiper's / theirs).

    Notes
    -----
    Osoro & Oughton (2021), IEEE Access 9, doi:10.1109/ACCESS.2021.3119634; their model
    code: github.com/edwardoughton/globalsat (scripts/run.py, src/globalsat/sim.py),
    continued as github.com/Bonface-Osoro/saleos.
    """
    chk = load_capacity_assumptions()["per_user_check"]
    gbps = math.prod(chk[k] for k in _PER_USER_CAPACITY_KEYS) / 1000.0
    per_user = per_user_capacity_mbps(
        constellation, chk["users_per_km2"], per_satellite_gbps=gbps, users_over=users_over
    )
    ours = per_user * chk["overbooking_factor"]
    return {
        "published_mbps": float(chk["published_mbps"]),
        "per_active_user_mbps": ours,
        "users_per_km2": float(chk["users_per_km2"]),
        "overbooking_factor": float(chk["overbooking_factor"]),
        "per_satellite_gbps": gbps,
        "users_over": users_over,
        "ratio": ours / chk["published_mbps"],
    }


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    import sys

    write_curve_table(sys.argv[1])
