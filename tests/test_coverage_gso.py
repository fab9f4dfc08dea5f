"""GSO-arc exclusion: the kernel's closest-arc search against a dense sampling of the arc."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kuiper import coverage as C
from kuiper.coverage.engine import GSO_RADIUS_KM, _geodetic_to_itrs

# Arc sampled every 0.002 deg of longitude: from ~36,000 km that is ~1.3 km, 0.002 deg of angle.
N_ARC = 180_000
ANGLE_TOL_DEG = 0.01


def brute_min_angle_deg(g, s):
    """Smallest angle at g between s - g and any point of the GSO arc (dense sampling)."""
    phi = np.linspace(0.0, 2.0 * math.pi, N_ARC, endpoint=False)
    arc = np.stack(
        [GSO_RADIUS_KM * np.cos(phi), GSO_RADIUS_KM * np.sin(phi), np.zeros_like(phi)], 1
    )
    u = arc - g
    d = s - g
    cos = (u @ d) / (np.linalg.norm(u, axis=1) * np.linalg.norm(d))
    return math.degrees(math.acos(min(1.0, cos.max())))


def sat_at(lat_deg, lon_deg, az_deg, el_deg, range_km):
    """ITRS position of a point seen from (lat, lon) at azimuth/elevation/range, and the point."""
    g, u = _geodetic_to_itrs(np.array([lat_deg]), np.array([lon_deg]), np.array([0.0]))
    g, up = g[0], u[0]
    lon = math.radians(lon_deg)
    east = np.array([-math.sin(lon), math.cos(lon), 0.0])
    north = np.cross(up, east)
    az, el = math.radians(az_deg), math.radians(el_deg)
    d = math.cos(el) * (math.sin(az) * east + math.cos(az) * north) + math.sin(el) * up
    return g, g + range_km * d


@pytest.mark.parametrize(
    "lat, lon, az, el",
    [
        (0.0, 0.0, 0.0, 60.0),  # equator, looking north: arc is overhead through east-west
        (0.0, 10.0, 90.0, 40.0),  # equator, looking east along the arc
        (20.0, -60.0, 180.0, 50.0),  # northern tropics, looking south towards the arc
        (35.0, 139.0, 170.0, 45.0),  # Tokyo, south
        (-30.0, 25.0, 0.0, 55.0),  # southern hemisphere, north
        (55.0, -3.0, 200.0, 36.0),  # high latitude, south-south-west
        (52.0, 0.0, 0.0, 70.0),  # high latitude, north: far from the arc
    ],
)
def test_closest_arc_point_matches_dense_sampling(lat, lon, az, el):
    from kuiper.coverage._kernels import gso_max_cos

    g, s = sat_at(lat, lon, az, el, 1_000.0)
    d = s - g
    mine = math.degrees(math.acos(min(1.0, gso_max_cos(*d, *g, GSO_RADIUS_KM))))
    assert mine == pytest.approx(brute_min_angle_deg(g, s), abs=ANGLE_TOL_DEG)


def test_random_geometries_match_dense_sampling():
    from kuiper.coverage._kernels import gso_max_cos

    rng = np.random.default_rng(7)
    for _ in range(25):
        lat, lon = rng.uniform(-70, 70), rng.uniform(-180, 180)
        g, s = sat_at(lat, lon, rng.uniform(0, 360), rng.uniform(25, 89), rng.uniform(600, 1500))
        d = s - g
        mine = math.degrees(math.acos(min(1.0, gso_max_cos(*d, *g, GSO_RADIUS_KM))))
        assert mine == pytest.approx(brute_min_angle_deg(g, s), abs=ANGLE_TOL_DEG)


def test_exclusion_removes_exactly_the_satellites_near_the_arc():
    """Counts with exclusion = satellites in view and X or more from the arc (brute force)."""
    sats, _ = C.design_satrecs(300, "2026-01-01")
    lat = np.array([0.0, 10.0, -25.0, 40.0, 60.0])
    lon = np.array([0.0, 77.0, 150.0, -100.0, 20.0])
    kw = dict(min_elevation_deg=30.0, step_s=60.0, duration_s=3600.0)
    plain = C.visible_counts(sats, "2026-01-01", lat, lon, **kw)
    excl = C.visible_counts(sats, "2026-01-01", lat, lon, gso_exclusion_deg=18.0, **kw)
    assert (excl <= plain).all()
    assert excl.sum() < plain.sum()
    # brute force over satellites for a few steps with the reference propagator
    from sgp4.api import SatrecArray

    from kuiper.coverage.engine import time_grid

    jd, fr = time_grid("2026-01-01", 3600.0, 60.0)
    e, r, v = SatrecArray(sats).sgp4(jd, fr)
    from kuiper.frames import teme_to_itrs

    r_all, _ = teme_to_itrs(r, v, jd, fr)
    g, up = _geodetic_to_itrs(lat, lon, np.zeros_like(lat))
    for j in (0, 17, 42):
        r_itrs = r_all[:, j, :]
        for p in range(lat.size):
            d = r_itrs - g[p]
            dist = np.linalg.norm(d, axis=1)
            el = np.degrees(np.arcsin((d @ up[p]) / dist))
            seen = np.flatnonzero((el >= 30.0) & (e[:, j] == 0))
            far = [k for k in seen if brute_min_angle_deg(g[p], r_itrs[k]) >= 18.0]
            assert plain[p, j] == len(seen)
            assert excl[p, j] == len(far)
