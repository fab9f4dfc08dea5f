"""kuiper.frames against skyfield, offline (builtin timescale, no downloads).

Skyfield is given the same assumption as kuiper, UT1 = UTC, by building its
times with ``ts.ut1_jd`` from our UTC Julian dates; then TEME -> ITRS,
geodetic and topocentric results must agree to rounding. One test uses
skyfield's real UT1 to bound what the UT1 ~ UTC simplification costs.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from skyfield.api import load, wgs84
from skyfield.framelib import itrs
from skyfield.positionlib import ICRF
from skyfield.sgp4lib import TEME, TEME_to_ITRF, theta_GMST1982
from skyfield.toposlib import ITRSPosition
from skyfield.units import Distance, Velocity

from kuiper import constants, frames
from kuiper.elements import read_elements
from kuiper.sgp4 import propagate
from kuiper.snapshots import shipped_tle_dir

NEWEST_KUIPER = sorted((shipped_tle_dir() / "celestrak-kuiper").glob("*.tle"))[-1]

# Named tolerances.
ONE_UM_KM = 1e-9  # a micrometre, km: rotations agree to rounding
ONE_MM_KM = 1e-6
# Skyfield's latitude runs three fixed iterations and is good to about 2e-8 deg
# (2 mm) in LEO; ours is a closed form that round-trips to 1e-12 km.
SKYFIELD_LATITUDE_DEG = 1e-7
ONE_NANODEGREE = 1e-9
# What UT1 ~ UTC may cost: |UT1 - UTC| < 0.9 s of Earth rotation at radius r,
# plus up to 20 m of polar motion, km per km of radius.
UT1_BOUND_KM_PER_KM = 0.9 * 7.2921159e-5 + 0.020 / 6378.0

# Ground points: Seattle, Cape Town, the Gulf of Guinea origin, Svalbard.
GROUND_LAT_DEG = np.array([47.6062, -33.9249, 0.0, 78.2232])
GROUND_LON_DEG = np.array([-122.3321, 18.4241, 0.0, 15.6267])
GROUND_ALT_KM = np.array([0.056, 0.0, 0.0, 0.458])


@pytest.fixture(scope="module")
def ts():
    return load.timescale(builtin=True)


@pytest.fixture(scope="module")
def states():
    """Kuiper TEME states from the newest snapshot: 60 satellites x 6 times over a day."""
    satrecs = read_elements(NEWEST_KUIPER).elements.to_satrecs()[:60]
    jd0 = np.floor(satrecs[0].jdsatepoch + satrecs[0].jdsatepochF) + 0.5
    jd = np.full(6, jd0)
    # binary fractions of a day, so that skyfield's single float jd + fr is exact
    fr = np.arange(6) / 6.0 + 1.0 / 64.0
    fr = np.round(fr * 2.0**20) / 2.0**20
    e, r_teme_km, v_teme_km_s = propagate(satrecs, jd, fr)
    assert (e == 0).all()
    return jd, fr, r_teme_km, v_teme_km_s


def _skyfield_position(t, r_teme_km, v_teme_km_s):
    """A skyfield geocentric position from TEME vectors (n, 3) at one time."""
    pos = ICRF.from_time_and_frame_vectors(
        t, TEME, Distance(km=r_teme_km.T), Velocity(km_per_s=v_teme_km_s.T)
    )
    pos.center = 399
    return pos


def test_wgs84_constants_match_kuiper_constants():
    from kuiper import _frames_kernels as K

    assert constants.WGS84_RADIUS_KM == K.WGS84_A_KM
    assert constants.WGS84_FLATTENING == K.WGS84_F


def test_gmst_matches_skyfield(states):
    jd, fr, _, _ = states
    theta_rad, theta_dot_rad_s = frames.gmst82(jd, fr)
    theta_sf, theta_dot_sf_rad_day = theta_GMST1982(jd, fr)
    np.testing.assert_allclose(theta_rad, theta_sf, rtol=0, atol=1e-13)
    np.testing.assert_allclose(theta_dot_rad_s, theta_dot_sf_rad_day / 86400.0, rtol=1e-14)


def test_teme_to_itrs_matches_skyfield_teme_to_itrf(states):
    """The same GMST rotation as skyfield's TEME_to_ITRF (AIAA 2006-6753 App. C)."""
    jd, fr, r, v = states
    r_itrs_km, v_itrs_km_s = frames.teme_to_itrs(r, v, jd, fr)
    for j in range(len(jd)):
        for i in range(0, r.shape[0], 7):
            r_sf, v_sf_km_day = TEME_to_ITRF(jd[j], r[i, j], v[i, j] * 86400.0, fraction_ut1=fr[j])
            np.testing.assert_allclose(r_itrs_km[i, j], r_sf, rtol=0, atol=ONE_UM_KM)
            np.testing.assert_allclose(v_itrs_km_s[i, j], v_sf_km_day / 86400.0, rtol=0, atol=1e-12)


def test_teme_to_itrs_matches_skyfield_frames_with_ut1_equal_utc(ts, states):
    jd, fr, r, v = states
    r_itrs_km, _ = frames.teme_to_itrs(r, v, jd, fr)
    t = ts.ut1_jd(jd + fr)
    for j in range(len(jd)):
        pos = _skyfield_position(t[j], r[:, j], v[:, j])
        np.testing.assert_allclose(
            r_itrs_km[:, j], pos.frame_xyz(itrs).km.T, rtol=0, atol=ONE_UM_KM
        )


def test_ut1_equal_utc_costs_under_half_a_kilometre(ts, states):
    """Against skyfield's real UT1 (builtin IERS table) the error stays within the bound."""
    jd, fr, r, v = states
    r_itrs_km, _ = frames.teme_to_itrs(r, v, jd, fr)
    t = ts.from_datetimes([_utc_datetime(x) for x in jd + fr])
    worst = 0.0
    for j in range(len(jd)):
        pos = _skyfield_position(t[j], r[:, j], v[:, j])
        diff_km = np.linalg.norm(r_itrs_km[:, j] - pos.frame_xyz(itrs).km.T, axis=1)
        radius_km = np.linalg.norm(r_itrs_km[:, j], axis=1)
        assert (diff_km <= UT1_BOUND_KM_PER_KM * radius_km).all()
        worst = max(worst, diff_km.max())
    assert worst > ONE_MM_KM  # skyfield did use a real UT1 - UTC


def _utc_datetime(jd_utc):
    import datetime as dt

    seconds = (jd_utc - 2440587.5) * 86400.0
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def test_geodetic_matches_skyfield(ts, states):
    jd, fr, r, v = states
    r_itrs_km, _ = frames.teme_to_itrs(r, v, jd, fr)
    points = r_itrs_km.reshape(-1, 3)
    lat_deg, lon_deg, alt_km = frames.itrs_to_geodetic(points)
    pos = ITRSPosition(Distance(km=points.T)).at(ts.ut1_jd(jd[0] + fr[0]))
    lat_sf, lon_sf = wgs84.latlon_of(pos)
    np.testing.assert_allclose(lat_deg, lat_sf.degrees, rtol=0, atol=SKYFIELD_LATITUDE_DEG)
    dlon = (lon_deg - lon_sf.degrees + 180.0) % 360.0 - 180.0
    assert np.abs(dlon).max() <= ONE_NANODEGREE
    np.testing.assert_allclose(alt_km, wgs84.height_of(pos).km, rtol=0, atol=ONE_UM_KM * 10)
    assert ((alt_km > 300.0) & (alt_km < 700.0)).all()  # orbit raising up to the 590-630 km shells
    # the shape of the input is kept
    lat3, _, _ = frames.itrs_to_geodetic(r_itrs_km)
    assert lat3.shape == r_itrs_km.shape[:2]


def test_geodetic_round_trip_is_exact():
    """Closed form and inverse agree to rounding, from the ground to beyond GEO, pole to pole."""
    rng = np.random.default_rng(1982)
    lat_deg = rng.uniform(-90.0, 90.0, 5000)
    lon_deg = rng.uniform(-180.0, 180.0, 5000)
    alt_km = rng.uniform(-5.0, 40000.0, 5000)
    r_itrs_km = frames.geodetic_to_itrs(lat_deg, lon_deg, alt_km)
    lat2, lon2, alt2 = frames.itrs_to_geodetic(r_itrs_km)
    np.testing.assert_allclose(frames.geodetic_to_itrs(lat2, lon2, alt2), r_itrs_km, atol=ONE_UM_KM)
    np.testing.assert_allclose(alt2, alt_km, rtol=0, atol=ONE_UM_KM)


def test_ground_points_match_skyfield():
    r_itrs_km = frames.geodetic_to_itrs(GROUND_LAT_DEG, GROUND_LON_DEG, GROUND_ALT_KM)
    for k in range(len(GROUND_LAT_DEG)):
        g = wgs84.latlon(GROUND_LAT_DEG[k], GROUND_LON_DEG[k], elevation_m=GROUND_ALT_KM[k] * 1e3)
        np.testing.assert_allclose(r_itrs_km[k], g.itrs_xyz.km, rtol=0, atol=ONE_UM_KM)


def test_look_angles_match_skyfield_altaz(ts, states):
    jd, fr, r, v = states
    r_itrs_km, _ = frames.teme_to_itrs(r, v, jd, fr)
    az_deg, el_deg, range_km = frames.look_angles(
        r_itrs_km, GROUND_LAT_DEG, GROUND_LON_DEG, GROUND_ALT_KM
    )
    assert az_deg.shape == (len(GROUND_LAT_DEG),) + r.shape[:2]
    assert ((az_deg >= 0.0) & (az_deg < 360.0)).all()
    t = ts.ut1_jd(jd + fr)
    for g in range(len(GROUND_LAT_DEG)):
        topos = wgs84.latlon(
            GROUND_LAT_DEG[g], GROUND_LON_DEG[g], elevation_m=GROUND_ALT_KM[g] * 1e3
        )
        for j in range(len(jd)):
            sat = _skyfield_position(t[j], r[:, j], v[:, j])
            here = topos.at(t[j])
            rel = ICRF(
                sat.position.au - here.position.au[:, None],
                sat.velocity.au_per_d - here.velocity.au_per_d[:, None],
                t[j],
                center=topos,
            )
            alt, az, distance = rel.altaz()
            daz = (az.degrees - az_deg[g, :, j] + 180.0) % 360.0 - 180.0
            assert np.abs(daz).max() <= ONE_NANODEGREE
            np.testing.assert_allclose(el_deg[g, :, j], alt.degrees, rtol=0, atol=ONE_NANODEGREE)
            np.testing.assert_allclose(range_km[g, :, j], distance.km, rtol=0, atol=ONE_UM_KM)


def test_point_kernels_are_reusable_from_other_kernels():
    """The per-point kernels compose inside another njit function (as a coverage engine would)."""
    from kuiper import _frames_kernels as K
    from kuiper._jit import njit

    @njit(cache=False)
    def elevation_deg(x, y, z, jd, fr, lat_deg, lon_deg):
        theta, _ = K.gmst82_rad(jd, fr)
        xi, yi, zi = K.teme_to_itrs_point(x, y, z, np.cos(theta), np.sin(theta))
        lat = np.radians(lat_deg)
        lon = np.radians(lon_deg)
        gx, gy, gz = K.geodetic_to_itrs_point(lat, lon, 0.0)
        s_lat, c_lat, s_lon, c_lon = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
        _, el, _ = K.look_angles_point(xi, yi, zi, gx, gy, gz, s_lat, c_lat, s_lon, c_lon)
        return np.degrees(el)

    jd, fr = 2461290.5, 0.25
    r_teme_km = np.array([[[7000.0, 100.0, 50.0]]])
    r_itrs_km, _ = frames.teme_to_itrs(r_teme_km, np.zeros_like(r_teme_km), [jd], [fr])
    _, el_deg, _ = frames.look_angles(r_itrs_km, 10.0, 20.0, 0.0)
    assert elevation_deg(7000.0, 100.0, 50.0, jd, fr, 10.0, 20.0) == pytest.approx(
        el_deg[0, 0, 0], abs=1e-12
    )


def test_import_does_not_load_numba():
    code = "import sys, kuiper.frames; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
