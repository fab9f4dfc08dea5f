"""TEME -> ITRS (ECEF) -> WGS84 geodetic and topocentric look angles, in numba.

SGP4 gives TEME states (:mod:`kuiper.sgp4`). TEME becomes ITRS by one rotation
about the pole through the Greenwich mean sidereal angle of IAU 1982 (Vallado
et al. 2006, Appendix C). Two simplifications, both documented in DESIGN.md:

* **UT1 ~ UTC.** GMST is a function of UT1; we evaluate it at UTC. |UT1 - UTC|
  < 0.9 s, which turns the Earth by at most 0.9 s x 7.29e-5 rad/s = 6.6e-5 rad,
  about 0.42 km at the equator. Fine for coverage and visibility statistics;
  not for precise pointing.
* **No polar motion.** The pole wanders by under 0.5 arcsec, under 20 m.

Geodetic coordinates are on WGS84; look angles are measured in the local
horizon of the ground point's WGS84 normal. The kernels (in
:mod:`kuiper._frames_kernels`) include per-point functions such as
``teme_to_itrs_point`` and ``look_angles_point`` that other kernels reuse.
Importing this module does not import numba.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "gmst82",
    "teme_to_itrs",
    "itrs_to_geodetic",
    "geodetic_to_itrs",
    "look_angles",
]


def _kernels():
    from . import _frames_kernels as K

    return K


def gmst82(jd, fr):
    """Greenwich mean sidereal angle (IAU 1982), taking UT1 ~ UTC.

    Parameters
    ----------
    jd, fr : array_like, shape (n_time,)
        Split UTC Julian dates.

    Returns
    -------
    theta_rad : ndarray, shape (n_time,)
        GMST in [0, 2 pi), radians.
    theta_dot_rad_s : ndarray, shape (n_time,)
        Its rate, radians per second.

    Notes
    -----
    Vallado et al. (2006), AIAA 2006-6753, Appendix C (after Aoki et al. 1982).
    """
    K = _kernels()
    jd = np.atleast_1d(np.asarray(jd, dtype=np.float64))
    fr = np.atleast_1d(np.asarray(fr, dtype=np.float64))
    jd, fr = np.broadcast_arrays(jd, fr)
    theta_rad = np.empty(jd.shape)
    theta_dot_rad_s = np.empty(jd.shape)
    for k, (a, b) in enumerate(zip(jd.ravel(), fr.ravel(), strict=True)):
        theta_rad.flat[k], theta_dot_rad_s.flat[k] = K.gmst82_rad(a, b)
    return theta_rad, theta_dot_rad_s


def teme_to_itrs(r_teme_km, v_teme_km_s, jd, fr):
    """Rotate TEME states to ITRS (Earth-fixed) through GMST.

    Parameters
    ----------
    r_teme_km : array_like, shape (n_sat, n_time, 3)
        TEME positions, km (as from :func:`kuiper.sgp4.propagate`).
    v_teme_km_s : array_like, shape (n_sat, n_time, 3)
        TEME velocities, km/s.
    jd, fr : array_like, shape (n_time,)
        Split UTC Julian dates of the time axis.

    Returns
    -------
    r_itrs_km : ndarray, shape (n_sat, n_time, 3)
        ITRS positions, km.
    v_itrs_km_s : ndarray, shape (n_sat, n_time, 3)
        ITRS velocities, km/s (Earth rotation removed).

    Notes
    -----
    ``r_itrs = R_z(-GMST) r_teme`` and ``v_itrs = R_z(-GMST) v_teme - omega x
    r_itrs`` (Vallado et al. 2006, AIAA 2006-6753, Appendix C). UT1 ~ UTC and
    no polar motion: see the module docstring for the size of both.
    """
    K = _kernels()
    r = np.ascontiguousarray(r_teme_km, dtype=np.float64)
    v = np.ascontiguousarray(v_teme_km_s, dtype=np.float64)
    jd = np.ascontiguousarray(jd, dtype=np.float64).reshape(-1)
    fr = np.ascontiguousarray(fr, dtype=np.float64).reshape(-1)
    if r.ndim != 3 or r.shape[2] != 3 or v.shape != r.shape:
        raise ValueError(f"r_teme_km and v_teme_km_s must be (n_sat, n_time, 3), got {r.shape}")
    if jd.shape != (r.shape[1],) or fr.shape != jd.shape:
        raise ValueError(f"jd and fr must have n_time = {r.shape[1]} entries")
    r_itrs_km = np.empty_like(r)
    v_itrs_km_s = np.empty_like(v)
    K.teme_to_itrs(r, v, jd, fr, r_itrs_km, v_itrs_km_s)
    return r_itrs_km, v_itrs_km_s


def itrs_to_geodetic(r_itrs_km):
    """WGS84 geodetic latitude, longitude and height of ITRS positions.

    Parameters
    ----------
    r_itrs_km : array_like, shape (..., 3)
        ITRS positions, km.

    Returns
    -------
    lat_deg, lon_deg, alt_km : ndarray, shape (...)
        Geodetic latitude and longitude (degrees, longitude in (-180, 180])
        and height above the WGS84 ellipsoid (km).

    Notes
    -----
    Closed form of Heikkinen (1982) as given by Zhu (1994), IEEE Trans.
    Aerosp. Electron. Syst. 30(3), 957-961; WGS84 from NIMA TR8350.2.
    """
    K = _kernels()
    r = np.asarray(r_itrs_km, dtype=np.float64)
    if r.shape[-1:] != (3,):
        raise ValueError(f"r_itrs_km must end in an xyz axis of 3, got {r.shape}")
    flat = np.ascontiguousarray(r.reshape(-1, 3))
    lat_deg = np.empty(flat.shape[0])
    lon_deg = np.empty(flat.shape[0])
    alt_km = np.empty(flat.shape[0])
    K.itrs_to_geodetic(flat, lat_deg, lon_deg, alt_km)
    shape = r.shape[:-1]
    return lat_deg.reshape(shape), lon_deg.reshape(shape), alt_km.reshape(shape)


def geodetic_to_itrs(lat_deg, lon_deg, alt_km):
    """ITRS position of WGS84 geodetic points.

    Parameters
    ----------
    lat_deg, lon_deg : array_like, shape (n,)
        Geodetic latitude and longitude, degrees.
    alt_km : array_like, shape (n,)
        Height above the WGS84 ellipsoid, km.

    Returns
    -------
    r_itrs_km : ndarray, shape (n, 3)
        ITRS positions, km.
    """
    K = _kernels()
    lat, lon, alt = (
        np.ascontiguousarray(np.atleast_1d(a), dtype=np.float64)
        for a in np.broadcast_arrays(lat_deg, lon_deg, alt_km)
    )
    r_itrs_km = np.empty(lat.shape + (3,))
    K.geodetic_to_itrs(lat.reshape(-1), lon.reshape(-1), alt.reshape(-1), r_itrs_km.reshape(-1, 3))
    return r_itrs_km


def look_angles(r_itrs_km, lat_deg, lon_deg, alt_km):
    """Azimuth, elevation and range from ground points to ITRS positions.

    Parameters
    ----------
    r_itrs_km : array_like, shape (..., 3)
        ITRS positions of the targets, km (e.g. (n_sat, n_time, 3)).
    lat_deg, lon_deg : array_like, shape (n_ground,)
        Geodetic WGS84 latitude and longitude of the ground points, degrees.
    alt_km : array_like, shape (n_ground,)
        Their height above the ellipsoid, km.

    Returns
    -------
    az_deg, el_deg, range_km : ndarray, shape (n_ground, ...)
        Azimuth from north through east in [0, 360), elevation above the
        local (WGS84 normal) horizon, both degrees, and slant range in km.

    Notes
    -----
    The east-north-up rotation of a geodetic ground point, e.g. Vallado (2013),
    Fundamentals of Astrodynamics and Applications, 4th ed., sec. 3.4. No
    refraction.
    """
    K = _kernels()
    r = np.asarray(r_itrs_km, dtype=np.float64)
    if r.shape[-1:] != (3,):
        raise ValueError(f"r_itrs_km must end in an xyz axis of 3, got {r.shape}")
    lat, lon, alt = (
        np.ascontiguousarray(np.atleast_1d(a), dtype=np.float64).reshape(-1)
        for a in np.broadcast_arrays(lat_deg, lon_deg, alt_km)
    )
    flat = np.ascontiguousarray(r.reshape(-1, 3))
    n_ground = lat.shape[0]
    az_deg = np.empty((n_ground, flat.shape[0]))
    el_deg = np.empty((n_ground, flat.shape[0]))
    range_km = np.empty((n_ground, flat.shape[0]))
    K.look_angles(flat, lat, lon, alt, az_deg, el_deg, range_km)
    shape = (n_ground,) + r.shape[:-1]
    return az_deg.reshape(shape), el_deg.reshape(shape), range_km.reshape(shape)
