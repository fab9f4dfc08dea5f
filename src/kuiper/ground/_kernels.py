"""Numba kernel of the ground model: shortest-delay paths user -> satellites -> gateway -> AWS.

One kernel, :func:`route_paths`, serves both modes. At each time step it builds the
graph of the moment (satellites, the +Grid inter-satellite links that are up, the
gateways each satellite sees) and runs a multi-source Dijkstra per destination AWS
region, seeded at every satellite that sees a gateway with the cost of the downlink
plus the fibre from that gateway to the region. Each user then takes the best
satellite it sees. With no links (``max_isl_km <= 0``) this is the bent-pipe model:
the user's satellite must itself see a gateway.

Geometry comes from :mod:`kuiper._frames_kernels` (``look_angles_point``), the same
topocentric math as ``kuiper.frames`` and the coverage engine. The caller allocates
every output and scratch array; kernels never raise (overflows go to ``err``).
"""

from __future__ import annotations

import numpy as np

from .._frames_kernels import look_angles_point
from .._jit import njit, prange

SPEED_OF_LIGHT_KM_S = 299792.458
# WGS84 polar radius (km): the smallest distance of a ground point from the centre,
# so the coverage-cap bound below is conservative for every ground point.
POLAR_RADIUS_KM = 6356.752314245
# Widening of the cap bound (rad, about 0.6 deg): covers the geodetic-geocentric
# difference of the local vertical (at most 0.19 deg) with room to spare.
CAP_MARGIN_RAD = 0.01

ERR_GATEWAY_LIST_FULL = 1
ERR_HEAP_FULL = 2
ERR_USER_LIST_FULL = 3


@njit
def _cos_cap(r_km, mask_rad):
    """cos of a conservative bound on the Earth-central angle of a satellite's cap."""
    c = POLAR_RADIUS_KM * np.cos(mask_rad) / r_km
    if c >= 1.0:
        return 2.0  # below the horizon everywhere: no ground point passes
    lam = np.arccos(c) - mask_rad + CAP_MARGIN_RAD
    if lam >= np.pi:
        return -2.0
    return np.cos(lam)


@njit
def _heap_push(key, node, size, k, n):
    """Push (k, n) on a binary min-heap held in key/node[:size]; returns the new size."""
    if size >= key.shape[0]:
        return -1
    i = size
    key[i] = k
    node[i] = n
    while i > 0:
        p = (i - 1) // 2
        if key[p] <= key[i]:
            break
        key[p], key[i] = key[i], key[p]
        node[p], node[i] = node[i], node[p]
        i = p
    return size + 1


@njit
def _heap_pop(key, node, size):
    """Pop the minimum; returns (key, node, new size)."""
    k0 = key[0]
    n0 = node[0]
    size -= 1
    key[0] = key[size]
    node[0] = node[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        c = left
        if left + 1 < size and key[left + 1] < key[left]:
            c = left + 1
        if key[i] <= key[c]:
            break
        key[c], key[i] = key[i], key[c]
        node[c], node[i] = node[i], node[c]
        i = c
    return k0, n0, size


@njit(inline="always")
def _visible(r_itrs_km, t, cos_cap, k, p_km, trig, mask_rad, out_sat, out_range_km):
    """The satellites seen above ``mask_rad`` at time ``t`` from the ground point
    ``p_km`` (ITRS; ``trig`` its sin/cos of latitude and longitude), with their ranges,
    into ``out_sat`` / ``out_range_km``, ending with -1 when shorter than the list.
    ``cos_cap[t, s, k]`` bounds the angle at Earth's centre (> 1: invalid satellite).
    Returns False if the list overflowed."""
    px = p_km[0]
    py = p_km[1]
    pz = p_km[2]
    pr = np.sqrt(px * px + py * py + pz * pz)
    n_max = out_sat.shape[0]
    count = 0
    for s in range(r_itrs_km.shape[0]):
        if cos_cap[t, s, k] > 1.0:
            continue
        x = r_itrs_km[s, t, 0]
        y = r_itrs_km[s, t, 1]
        z = r_itrs_km[s, t, 2]
        r = np.sqrt(x * x + y * y + z * z)
        if (px * x + py * y + pz * z) / (pr * r) < cos_cap[t, s, k]:
            continue
        _, el, rng = look_angles_point(x, y, z, px, py, pz, trig[0], trig[1], trig[2], trig[3])
        if el < mask_rad:
            continue
        if count == n_max:
            return False
        out_sat[count] = s
        out_range_km[count] = rng
        count += 1
    if count < n_max:
        out_sat[count] = -1
    return True


@njit(parallel=True)
def route_paths(
    r_itrs_km,
    neighbours,
    max_isl_km,
    cross_plane_max_sin_lat,
    hop_delay_s,
    user_xyz_km,
    user_trig,
    user_dest,
    gw_xyz_km,
    gw_trig,
    fibre_s,
    user_mask_rad,
    gw_mask_rad,
    latency_s,
    hops,
    gateway,
    err,
    dist,
    nhop,
    via,
    done,
    heap_key,
    heap_node,
    edge_s,
    cos_cap,
    gw_sat,
    gw_range_km,
    user_sat,
    user_range_km,
    target,
):
    """Lowest-delay path from each user to its AWS region at each time of a chunk.

    Parameters
    ----------
    r_itrs_km : (n_sat, n_t, 3) satellite positions, ITRS (NaN where SGP4 failed).
    neighbours : (n_sat, 4) int64 +Grid partners: 0, 1 in-plane; 2, 3 cross-plane; -1 none.
        Symmetric: if b is a's partner, a is b's.
    max_isl_km : longest usable link, km; <= 0 turns inter-satellite links off.
    cross_plane_max_sin_lat : a cross-plane link is up only while both ends have
        ``|sin(geocentric latitude)|`` at or below this.
    hop_delay_s : processing delay added per inter-satellite hop, s.
    user_xyz_km, gw_xyz_km : (n_user, 3), (n_gw, 3) ground positions, ITRS.
    user_trig, gw_trig : (n, 4) sin(lat), cos(lat), sin(lon), cos(lon), geodetic.
    user_dest : (n_user,) int64 row of ``fibre_s`` (the user's AWS region).
    fibre_s : (n_dest, n_gw) delay from each gateway to each destination region, s.
    user_mask_rad, gw_mask_rad : elevation masks.
    latency_s : (n_user, n_t) out: one-way delay, s; +inf where no path exists.
    hops : (n_user, n_t) int64 out: inter-satellite hops on that path (-1 if none).
    gateway : (n_user, n_t) int64 out: gateway used (-1 if none).
    err : (n_t,) int64 out: 0, or ERR_* when a scratch array was too small.
    dist, nhop, via, done, cos_cap : (n_t, n_sat) scratch (cos_cap: (n_t, n_sat, 2)).
    heap_key, heap_node : (n_t, n_heap) scratch, n_heap >= 5 n_sat.
    edge_s : (n_t, n_sat, 4) scratch.
    gw_sat, gw_range_km : (n_t, n_gw, n_vis) scratch: satellites each gateway sees.
    user_sat, user_range_km : (n_t, n_user, n_uvis) scratch: satellites each user sees.
    target : (n_t, n_sat) uint8 scratch: satellites some user of the destination sees.

    Notes
    -----
    The Dijkstra for a destination stops once every satellite that one of its users
    sees is settled: later pops cannot improve any of those users' paths.
    """
    n_sat = r_itrs_km.shape[0]
    n_t = r_itrs_km.shape[1]
    n_user = user_xyz_km.shape[0]
    n_gw = gw_xyz_km.shape[0]
    n_dest = fibre_s.shape[0]
    n_vis = gw_sat.shape[2]
    n_uvis = user_sat.shape[2]
    use_isl = max_isl_km > 0.0
    for t in prange(n_t):
        err[t] = 0
        # Satellites: validity, cap bounds, latitude.
        for s in range(n_sat):
            x = r_itrs_km[s, t, 0]
            y = r_itrs_km[s, t, 1]
            z = r_itrs_km[s, t, 2]
            if not np.isfinite(x):
                cos_cap[t, s, 0] = 2.0
                cos_cap[t, s, 1] = 2.0
                continue
            r = np.sqrt(x * x + y * y + z * z)
            cos_cap[t, s, 0] = _cos_cap(r, user_mask_rad)
            cos_cap[t, s, 1] = _cos_cap(r, gw_mask_rad)
        # Links up at this time: range, and cross-plane links away from the poles.
        for s in range(n_sat):
            xs = r_itrs_km[s, t, 0]
            ys = r_itrs_km[s, t, 1]
            zs = r_itrs_km[s, t, 2]
            for k in range(4):
                edge_s[t, s, k] = np.inf
                n = neighbours[s, k]
                if not use_isl or n < 0 or not np.isfinite(xs):
                    continue
                xn = r_itrs_km[n, t, 0]
                yn = r_itrs_km[n, t, 1]
                zn = r_itrs_km[n, t, 2]
                if not np.isfinite(xn):
                    continue
                d = np.sqrt((xs - xn) ** 2 + (ys - yn) ** 2 + (zs - zn) ** 2)
                if d > max_isl_km:
                    continue
                if k >= 2:
                    rs = np.sqrt(xs * xs + ys * ys + zs * zs)
                    rn = np.sqrt(xn * xn + yn * yn + zn * zn)
                    if (
                        abs(zs / rs) > cross_plane_max_sin_lat
                        or abs(zn / rn) > cross_plane_max_sin_lat
                    ):
                        continue
                edge_s[t, s, k] = d / SPEED_OF_LIGHT_KM_S + hop_delay_s
        # The satellites each gateway and each user sees, with their ranges.
        for g in range(n_gw):
            if not _visible(
                r_itrs_km, t, cos_cap, 1, gw_xyz_km[g], gw_trig[g], gw_mask_rad,
                gw_sat[t, g], gw_range_km[t, g],
            ):  # fmt: skip
                err[t] = ERR_GATEWAY_LIST_FULL
        for u in range(n_user):
            latency_s[u, t] = np.inf
            hops[u, t] = -1
            gateway[u, t] = -1
            if not _visible(
                r_itrs_km, t, cos_cap, 0, user_xyz_km[u], user_trig[u], user_mask_rad,
                user_sat[t, u], user_range_km[t, u],
            ):  # fmt: skip
                err[t] = ERR_USER_LIST_FULL
        # One multi-source Dijkstra per destination region that some user has.
        for dd in range(n_dest):
            has_user = False
            for u in range(n_user):
                if user_dest[u] == dd:
                    has_user = True
                    break
            if not has_user:
                continue
            for s in range(n_sat):
                dist[t, s] = np.inf
                nhop[t, s] = 0
                via[t, s] = -1
                done[t, s] = 0
                target[t, s] = 0
            n_target = 0
            for u in range(n_user):
                if user_dest[u] != dd:
                    continue
                for j in range(n_uvis):
                    s = user_sat[t, u, j]
                    if s < 0:
                        break
                    if target[t, s] == 0:
                        target[t, s] = 1
                        n_target += 1
            for g in range(n_gw):
                for j in range(n_vis):
                    s = gw_sat[t, g, j]
                    if s < 0:
                        break
                    c = gw_range_km[t, g, j] / SPEED_OF_LIGHT_KM_S + fibre_s[dd, g]
                    if c < dist[t, s]:
                        dist[t, s] = c
                        via[t, s] = g
            if use_isl and n_target > 0:
                size = 0
                for s in range(n_sat):
                    if np.isfinite(dist[t, s]):
                        size = _heap_push(heap_key[t], heap_node[t], size, dist[t, s], s)
                while size > 0:
                    k0, s, size = _heap_pop(heap_key[t], heap_node[t], size)
                    if done[t, s] or k0 > dist[t, s]:
                        continue
                    done[t, s] = 1
                    if target[t, s]:
                        n_target -= 1
                        if n_target == 0:
                            break
                    for k in range(4):
                        w = edge_s[t, s, k]
                        if not np.isfinite(w):
                            continue
                        n = neighbours[s, k]
                        if done[t, n]:
                            continue
                        nd = dist[t, s] + w
                        if nd < dist[t, n]:
                            dist[t, n] = nd
                            nhop[t, n] = nhop[t, s] + 1
                            via[t, n] = via[t, s]
                            size = _heap_push(heap_key[t], heap_node[t], size, nd, n)
                            if size < 0:
                                err[t] = ERR_HEAP_FULL
                                size = 0
                                break
            for u in range(n_user):
                if user_dest[u] != dd:
                    continue
                best = np.inf
                best_h = -1
                best_g = -1
                for j in range(n_uvis):
                    s = user_sat[t, u, j]
                    if s < 0:
                        break
                    c = user_range_km[t, u, j] / SPEED_OF_LIGHT_KM_S + dist[t, s]
                    if c < best:
                        best = c
                        best_h = nhop[t, s]
                        best_g = via[t, s]
                latency_s[u, t] = best
                hops[u, t] = best_h
                gateway[u, t] = best_g
