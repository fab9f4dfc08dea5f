"""Numba kernel of the ground model: the best bent-pipe path for each user and time.

Geometry comes from :mod:`kuiper._frames_kernels` (``look_angles_point``), the same
topocentric math as ``kuiper.frames`` and the coverage engine.
"""

from __future__ import annotations

import numpy as np

from ._frames_kernels import look_angles_point
from ._jit import njit, prange

SPEED_OF_LIGHT_KM_S = 299792.458


@njit(parallel=True)
def best_paths(
    r_itrs_km,
    user_xyz_km,
    user_trig,
    gw_xyz_km,
    gw_trig,
    fibre_km,
    user_mask_rad,
    gw_mask_rad,
    fibre_speed_km_s,
    latency_s,
    gateway,
):
    """Lowest user -> satellite -> gateway -> AWS-region latency at each time.

    Parameters
    ----------
    r_itrs_km : (n_sat, n_time, 3) satellite positions, ITRS (NaN where SGP4 failed).
    user_xyz_km, gw_xyz_km : (n_user, 3), (n_gw, 3) ground positions, ITRS.
    user_trig, gw_trig : (n, 4) sin(lat), cos(lat), sin(lon), cos(lon), geodetic.
    fibre_km : (n_user, n_gw) fibre length from each gateway to the user's AWS region.
    user_mask_rad, gw_mask_rad : elevation masks.
    fibre_speed_km_s : speed of light in fibre.
    latency_s : (n_user, n_time) output, one-way seconds; +inf where no path exists.
    gateway : (n_user, n_time) output, index of the gateway used (-1 if none).
    """
    n_sat, n_time = r_itrs_km.shape[0], r_itrs_km.shape[1]
    n_user, n_gw = user_xyz_km.shape[0], gw_xyz_km.shape[0]
    for u in prange(n_user):
        for t in range(n_time):
            best = np.inf
            best_g = -1
            for s in range(n_sat):
                x = r_itrs_km[s, t, 0]
                y = r_itrs_km[s, t, 1]
                z = r_itrs_km[s, t, 2]
                if not np.isfinite(x):
                    continue
                _, el_u, range_u = look_angles_point(
                    x,
                    y,
                    z,
                    user_xyz_km[u, 0],
                    user_xyz_km[u, 1],
                    user_xyz_km[u, 2],
                    user_trig[u, 0],
                    user_trig[u, 1],
                    user_trig[u, 2],
                    user_trig[u, 3],
                )
                if el_u < user_mask_rad:
                    continue
                for g in range(n_gw):
                    _, el_g, range_g = look_angles_point(
                        x,
                        y,
                        z,
                        gw_xyz_km[g, 0],
                        gw_xyz_km[g, 1],
                        gw_xyz_km[g, 2],
                        gw_trig[g, 0],
                        gw_trig[g, 1],
                        gw_trig[g, 2],
                        gw_trig[g, 3],
                    )
                    if el_g < gw_mask_rad:
                        continue
                    lat = (range_u + range_g) / SPEED_OF_LIGHT_KM_S + fibre_km[
                        u, g
                    ] / fibre_speed_km_s
                    if lat < best:
                        best = lat
                        best_g = g
            latency_s[u, t] = best
            gateway[u, t] = best_g
