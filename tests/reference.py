"""Slow, obviously correct NumPy oracles for the coverage engine (stumpy's ``naive.py`` style).

Everything is brute force: every satellite, every ground point, every time.
Positions come from ``sgp4.api.SatrecArray`` (the reference SGP4), GMST from
the IAU 1982 polynomial written out below, elevations from the local
east-north-up frame of each WGS84 point, exactly as a textbook does it. Only
NumPy; no kuiper kernel is called.
"""

from __future__ import annotations

import numpy as np
from sgp4.api import SatrecArray

# WGS84 (NIMA TR8350.2).
WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
# Largest intermediate (points x satellites x times x 8 bytes) held at once.
MAX_BYTES = 256 * 2**20


def gmst82_rad(jd, fr):
    """Greenwich mean sidereal angle, IAU 1982 (Vallado et al. 2006, Appendix C), radians.

    The split date keeps precision: the whole days of ``jd`` drop out of the
    day fraction, and the polynomial's 876600 h per century is one turn a day.
    """
    jd = np.asarray(jd, dtype=np.float64)
    fr = np.asarray(fr, dtype=np.float64)
    t = (jd - 2451545.0 + fr) / 36525.0
    seconds = 67310.54841 + (8640184.812866 + (0.093104 - 6.2e-6 * t) * t) * t
    turns = (jd % 1.0) + fr + (seconds / 86400.0) % 1.0
    return (turns % 1.0) * 2.0 * np.pi


def teme_to_itrs(r_teme_km, jd, fr):
    """Rotate (n_sat, n_time, 3) TEME positions to ITRS by R_z(-GMST)."""
    theta = gmst82_rad(jd, fr)
    c, s = np.cos(theta), np.sin(theta)
    x, y, z = r_teme_km[..., 0], r_teme_km[..., 1], r_teme_km[..., 2]
    return np.stack([c * x + s * y, -s * x + c * y, z], axis=-1)


def ground_frames(lat_deg, lon_deg, alt_km):
    """ITRS position (km) and the east, north and up unit vectors of each geodetic point."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    alt = np.broadcast_to(np.asarray(alt_km, dtype=np.float64), lat.shape)
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sl * sl)
    g = np.stack([(n + alt) * cl * co, (n + alt) * cl * so, (n * (1.0 - WGS84_E2) + alt) * sl], -1)
    east = np.stack([-so, co, np.zeros_like(so)], -1)
    north = np.stack([-sl * co, -sl * so, cl], -1)
    up = np.stack([cl * co, cl * so, sl], -1)
    return g, east, north, up


def satellite_positions(satrecs, jd, fr):
    """SGP4 error codes (n_sat, n_time) and ITRS positions (n_sat, n_time, 3) from SatrecArray."""
    e, r, _v = SatrecArray(list(satrecs)).sgp4(np.asarray(jd), np.asarray(fr))
    return e, teme_to_itrs(r, jd, fr)


def elevations_deg(r_itrs_km, lat_deg, lon_deg, alt_km):
    """Elevation (deg) of positions (n_sat, n_time, 3) from points: (n_point, n_sat, n_time)."""
    g, east, north, up = ground_frames(lat_deg, lon_deg, alt_km)
    d = r_itrs_km[None, :, :, :] - g[:, None, None, :]
    e = np.einsum("pstk,pk->pst", d, east)
    n = np.einsum("pstk,pk->pst", d, north)
    u = np.einsum("pstk,pk->pst", d, up)
    return np.degrees(np.arctan2(u, np.hypot(e, n)))


def visible_counts(satrecs, jd, fr, lat_deg, lon_deg, alt_km, min_elevation_deg, positions=None):
    """Satellites at or above the mask (and SGP4 error 0) at each point and time: (n_point, n_time).

    Also returns the elevation of the satellite nearest the mask at each entry
    (deg), to judge ties. Chunked over points so no intermediate passes ``MAX_BYTES``.
    """
    e, r = positions if positions is not None else satellite_positions(satrecs, jd, fr)
    lat = np.atleast_1d(np.asarray(lat_deg, dtype=np.float64))
    lon = np.atleast_1d(np.asarray(lon_deg, dtype=np.float64))
    alt = np.broadcast_to(np.asarray(alt_km, dtype=np.float64), lat.shape)
    n_sat, n_time = e.shape
    counts = np.zeros((lat.size, n_time), dtype=np.int64)
    nearest = np.full((lat.size, n_time), np.inf)
    step = max(1, MAX_BYTES // max(1, 8 * 8 * n_sat * n_time))
    good = e == 0
    for p0 in range(0, lat.size, step):
        sl = slice(p0, p0 + step)
        el = elevations_deg(r, lat[sl], lon[sl], alt[sl])
        counts[sl] = ((el >= min_elevation_deg) & good[None]).sum(axis=1)
        gap = np.where(good[None], np.abs(el - min_elevation_deg), np.inf)
        nearest[sl] = gap.min(axis=1)
    return counts, nearest


def point_statistics(counts, k):
    """Per point: covered steps, histogram of counts, and gaps (runs with fewer than k).

    Returns ``covered`` (n_point,), ``hist`` (n_point, max + 1), ``n_gaps``,
    ``gap_total`` and ``gap_max`` in steps; runs touching either end of the
    window count as gaps.
    """
    n_point, n_time = counts.shape
    covered = (counts >= k).sum(axis=1)
    hist = np.zeros((n_point, int(counts.max(initial=0)) + 1), dtype=np.int64)
    for p in range(n_point):
        hist[p] = np.bincount(counts[p], minlength=hist.shape[1])
    n_gaps = np.zeros(n_point, dtype=np.int64)
    gap_total = np.zeros(n_point, dtype=np.int64)
    gap_max = np.zeros(n_point, dtype=np.int64)
    for p in range(n_point):
        run = 0
        for c in counts[p]:
            if c < k:
                run += 1
            elif run:
                n_gaps[p] += 1
                gap_total[p] += run
                gap_max[p] = max(gap_max[p], run)
                run = 0
        if run:
            n_gaps[p] += 1
            gap_total[p] += run
            gap_max[p] = max(gap_max[p], run)
    return covered, hist, n_gaps, gap_total, gap_max
