"""Numba kernels for TEME -> ITRS -> geodetic / topocentric (jitted functions only).

The ``*_point`` functions work on one position and one time and are meant to
be called from other kernels (a coverage engine's time loop, for instance);
the array kernels loop over them. The public wrapper is :mod:`kuiper.frames`.
"""

from __future__ import annotations

import numpy as np

from ._jit import njit, prange

TWOPI = 2.0 * np.pi
SECONDS_PER_DAY = 86400.0
DEG_PER_RAD = 180.0 / np.pi
RAD_PER_DEG = np.pi / 180.0
# J2000.0 as a Julian date, the origin of the IAU 1982 GMST polynomial.
JD_J2000 = 2451545.0
DAYS_PER_JULIAN_CENTURY = 36525.0

# WGS84 (NIMA TR8350.2), as in kuiper.constants; repeated here so the kernels
# need no import from outside this file's call graph.
WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563
WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
WGS84_EP2 = WGS84_E2 / (1.0 - WGS84_E2)


@njit
def gmst82_rad(jd, fr):
    """Greenwich mean sidereal angle (IAU 1982) and its rate.

    Parameters
    ----------
    jd, fr : float
        Split Julian date, taken as UT1 (kuiper passes UTC: UT1 ~ UTC).

    Returns
    -------
    theta_rad : float
        GMST in [0, 2 pi), radians.
    theta_dot_rad_s : float
        Its rate, radians per second.

    Notes
    -----
    Vallado et al. (2006), AIAA 2006-6753, Appendix C; the polynomial of
    Aoki et al. (1982). The whole-day turn (876600 h in seconds per century)
    is carried by the day fraction to keep float64 precision.
    """
    t = (jd - JD_J2000 + fr) / DAYS_PER_JULIAN_CENTURY
    g_s = 67310.54841 + (8640184.812866 + (0.093104 + (-6.2e-6) * t) * t) * t
    dg_s = 8640184.812866 + (2.0 * 0.093104 + (3.0 * -6.2e-6) * t) * t
    frac = (jd % 1.0) + fr + (g_s / SECONDS_PER_DAY) % 1.0
    theta_rad = (frac % 1.0) * TWOPI
    theta_dot_rad_s = (1.0 + dg_s / (SECONDS_PER_DAY * DAYS_PER_JULIAN_CENTURY)) * (
        TWOPI / SECONDS_PER_DAY
    )
    return theta_rad, theta_dot_rad_s


@njit
def teme_to_itrs_point(x_km, y_km, z_km, cos_theta, sin_theta):
    """Rotate one TEME position to ITRS (ECEF): ``R_z(-theta) r``, theta = GMST.

    Polar motion is neglected (under 20 m). Returns ``(x, y, z)`` in the unit
    of the input.
    """
    return (
        cos_theta * x_km + sin_theta * y_km,
        -sin_theta * x_km + cos_theta * y_km,
        z_km,
    )


@njit
def teme_to_itrs_velocity_point(
    vx_km_s, vy_km_s, vz_km_s, x_itrs_km, y_itrs_km, cos_theta, sin_theta, theta_dot_rad_s
):
    """ITRS velocity, km/s: the rotated TEME velocity minus omega x r_itrs."""
    return (
        cos_theta * vx_km_s + sin_theta * vy_km_s + theta_dot_rad_s * y_itrs_km,
        -sin_theta * vx_km_s + cos_theta * vy_km_s - theta_dot_rad_s * x_itrs_km,
        vz_km_s,
    )


@njit
def geodetic_point(x_km, y_km, z_km):
    """WGS84 geodetic latitude, longitude (radians) and height (km) of one ITRS position.

    Heikkinen's closed form (no iteration), accurate to well under a
    millimetre from the ground to beyond GEO.

    Notes
    -----
    Heikkinen, M. (1982), Geschlossene Formeln zur Berechnung raeumlicher
    geodaetischer Koordinaten aus rechtwinkligen Koordinaten, Z. Vermess. 107;
    in the form of Zhu, J. (1994), IEEE Trans. Aerosp. Electron. Syst. 30(3).
    """
    a = WGS84_A_KM
    b = WGS84_B_KM
    e2 = WGS84_E2
    p2 = x_km * x_km + y_km * y_km
    p = np.sqrt(p2)
    z2 = z_km * z_km
    big_f = 54.0 * b * b * z2
    big_g = p2 + (1.0 - e2) * z2 - e2 * (a * a - b * b)
    c = e2 * e2 * big_f * p2 / (big_g * big_g * big_g)
    s = np.cbrt(1.0 + c + np.sqrt(c * c + 2.0 * c))
    k = s + 1.0 + 1.0 / s
    big_p = big_f / (3.0 * k * k * big_g * big_g)
    big_q = np.sqrt(1.0 + 2.0 * e2 * e2 * big_p)
    r0 = -big_p * e2 * p / (1.0 + big_q) + np.sqrt(
        0.5 * a * a * (1.0 + 1.0 / big_q)
        - big_p * (1.0 - e2) * z2 / (big_q * (1.0 + big_q))
        - 0.5 * big_p * p2
    )
    pe = p - e2 * r0
    big_u = np.sqrt(pe * pe + z2)
    big_v = np.sqrt(pe * pe + (1.0 - e2) * z2)
    z0 = b * b * z_km / (a * big_v)
    alt_km = big_u * (1.0 - b * b / (a * big_v))
    lat_rad = np.arctan2(z_km + WGS84_EP2 * z0, p)
    lon_rad = np.arctan2(y_km, x_km)
    return lat_rad, lon_rad, alt_km


@njit
def geodetic_to_itrs_point(lat_rad, lon_rad, alt_km):
    """ITRS position (km) of a WGS84 geodetic latitude, longitude (radians) and height (km)."""
    sin_lat = np.sin(lat_rad)
    cos_lat = np.cos(lat_rad)
    n_km = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_lat * sin_lat)
    return (
        (n_km + alt_km) * cos_lat * np.cos(lon_rad),
        (n_km + alt_km) * cos_lat * np.sin(lon_rad),
        (n_km * (1.0 - WGS84_E2) + alt_km) * sin_lat,
    )


@njit
def look_angles_point(x_km, y_km, z_km, gx_km, gy_km, gz_km, sin_lat, cos_lat, sin_lon, cos_lon):
    """Azimuth, elevation (radians) and range (km) of an ITRS position from a ground point.

    ``g*`` is the ground point's ITRS position and ``sin_lat`` ... its geodetic
    latitude and longitude, so the local horizon is the WGS84 ellipsoid's.
    Azimuth is measured from north through east, in [0, 2 pi).
    """
    dx = x_km - gx_km
    dy = y_km - gy_km
    dz = z_km - gz_km
    east = -sin_lon * dx + cos_lon * dy
    north = -sin_lat * cos_lon * dx - sin_lat * sin_lon * dy + cos_lat * dz
    up = cos_lat * cos_lon * dx + cos_lat * sin_lon * dy + sin_lat * dz
    horizontal = np.sqrt(east * east + north * north)
    az_rad = np.arctan2(east, north)
    if az_rad < 0.0:
        az_rad += TWOPI
    el_rad = np.arctan2(up, horizontal)
    range_km = np.sqrt(dx * dx + dy * dy + dz * dz)
    return az_rad, el_rad, range_km


# ---------------------------------------------------------------------------
# Array kernels


@njit(parallel=True)
def teme_to_itrs(r_teme_km, v_teme_km_s, jd, fr, r_itrs_km, v_itrs_km_s):
    """TEME -> ITRS for arrays (n_sat, n_time, 3) at split UTC dates (n_time,), in place."""
    n_sat = r_teme_km.shape[0]
    n_time = r_teme_km.shape[1]
    cos_t = np.empty(n_time)
    sin_t = np.empty(n_time)
    rate = np.empty(n_time)
    for j in range(n_time):
        theta, theta_dot = gmst82_rad(jd[j], fr[j])
        cos_t[j] = np.cos(theta)
        sin_t[j] = np.sin(theta)
        rate[j] = theta_dot
    for i in prange(n_sat):
        for j in range(n_time):
            x, y, z = teme_to_itrs_point(
                r_teme_km[i, j, 0], r_teme_km[i, j, 1], r_teme_km[i, j, 2], cos_t[j], sin_t[j]
            )
            vx, vy, vz = teme_to_itrs_velocity_point(
                v_teme_km_s[i, j, 0],
                v_teme_km_s[i, j, 1],
                v_teme_km_s[i, j, 2],
                x,
                y,
                cos_t[j],
                sin_t[j],
                rate[j],
            )
            r_itrs_km[i, j, 0] = x
            r_itrs_km[i, j, 1] = y
            r_itrs_km[i, j, 2] = z
            v_itrs_km_s[i, j, 0] = vx
            v_itrs_km_s[i, j, 1] = vy
            v_itrs_km_s[i, j, 2] = vz


@njit(parallel=True)
def itrs_to_geodetic(r_itrs_km, lat_deg, lon_deg, alt_km):
    """Geodetic WGS84 coordinates of positions (n, 3), in place into (n,) arrays."""
    for i in prange(r_itrs_km.shape[0]):
        lat, lon, alt = geodetic_point(r_itrs_km[i, 0], r_itrs_km[i, 1], r_itrs_km[i, 2])
        lat_deg[i] = lat * DEG_PER_RAD
        lon_deg[i] = lon * DEG_PER_RAD
        alt_km[i] = alt


@njit
def geodetic_to_itrs(lat_deg, lon_deg, alt_km, r_itrs_km):
    """ITRS positions (n, 3) of geodetic WGS84 points (n,), in place."""
    for i in range(lat_deg.shape[0]):
        x, y, z = geodetic_to_itrs_point(
            lat_deg[i] * RAD_PER_DEG, lon_deg[i] * RAD_PER_DEG, alt_km[i]
        )
        r_itrs_km[i, 0] = x
        r_itrs_km[i, 1] = y
        r_itrs_km[i, 2] = z


@njit(parallel=True)
def look_angles(r_itrs_km, lat_deg, lon_deg, alt_km, az_deg, el_deg, range_km):
    """Look angles from ground points (n_ground,) to positions (n, 3), into (n_ground, n)."""
    n_ground = lat_deg.shape[0]
    n = r_itrs_km.shape[0]
    for g in prange(n_ground):
        lat = lat_deg[g] * RAD_PER_DEG
        lon = lon_deg[g] * RAD_PER_DEG
        gx, gy, gz = geodetic_to_itrs_point(lat, lon, alt_km[g])
        sin_lat = np.sin(lat)
        cos_lat = np.cos(lat)
        sin_lon = np.sin(lon)
        cos_lon = np.cos(lon)
        for i in range(n):
            az, el, rng = look_angles_point(
                r_itrs_km[i, 0],
                r_itrs_km[i, 1],
                r_itrs_km[i, 2],
                gx,
                gy,
                gz,
                sin_lat,
                cos_lat,
                sin_lon,
                cos_lon,
            )
            az_deg[g, i] = az * DEG_PER_RAD
            el_deg[g, i] = el * DEG_PER_RAD
            range_km[g, i] = rng
