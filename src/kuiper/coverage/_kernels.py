"""Numba kernels for coverage statistics (jitted functions only).

The public wrapper is :mod:`kuiper.coverage`, which imports this module lazily
and calls the three kernels once per chunk of ``TIME_CHUNK`` time steps:

1. ``propagate_itrs_chunk``: SGP4 for every satellite over the chunk, with the
   per-step functions of the kuiper.sgp4 engine (``_secular_and_long_period``,
   ``_kepler_pass``, ``_short_period`` from :mod:`kuiper._sgp4_kernels`, the same
   scratch layout and the same masked Kepler iteration), then TEME -> ITRS by
   GMST (``gmst82_rad``, ``teme_to_itrs_point`` from :mod:`kuiper._frames_kernels`).
   Only the chunk's positions exist at any time: ``(TIME_CHUNK, n_sat, 3)``.
2. ``count_visible_chunk``: for each time step (``prange``) every satellite adds
   one to the count of each ground point that sees it above the elevation
   mask. Points are sorted into cells (geocentric latitude rows x longitude
   columns, CSR offsets), and each satellite visits only the cells inside a
   conservative bound of its coverage cap, row by row (``_PointIndex.cap`` in
   :mod:`kuiper.coverage` says why the bound is safe). Each candidate gets the
   exact test against the WGS84 normal of the point.
3. ``accumulate_chunk``: per ground point (``prange`` over blocks of points),
   in time order: the histogram of counts, the steps with at least ``k`` in
   view, and the runs of steps with fewer (gaps), carried from chunk to chunk.

Kernels take arrays the caller allocated; nothing is allocated in a loop and
nothing raises. Calls into ``_sgp4_kernels`` and ``_frames_kernels`` are
inlined here; numba's cache does not see edits to those files, so clear the
cache (or touch this file) after changing them (DESIGN.md, "Coverage").
"""

from __future__ import annotations

import numpy as np

from .._frames_kernels import gmst82_rad, teme_to_itrs_point
from .._jit import njit, prange
from .._sgp4_kernels import (
    KEPLER_MAX_ITER,
    N_SCRATCH,
    S_ERR,
    S_RX,
    S_RY,
    S_RZ,
    TIME_CHUNK,
    _kepler_pass,
    _secular_and_long_period,
    _short_period,
)

__all__ = [
    "TIME_CHUNK",
    "propagate_itrs_chunk",
    "count_visible_chunk",
    "accumulate_chunk",
    "gso_max_cos",
]

DEG_PER_RAD = 180.0 / np.pi
# Slack added to the bound of the lon half-width (deg): covers rounding in the
# binning of points and of the satellite longitude (both are atan2 in float64).
LON_MARGIN_DEG = 1.0e-6
# Cells of the order in which satellites are visited at each step (degrees).
SORT_LAT_DEG = 2.0
SORT_LON_DEG = 10.0
N_SORT_ROWS = 90
N_SORT_COLS = 36
N_SORT_BINS = N_SORT_ROWS * N_SORT_COLS


@njit(parallel=True)
def propagate_itrs_chunk(consts, jd, fr, j0, n, n_block, cos_t, sin_t, r_itrs_km, ok, r_max_km):
    """ITRS positions of every satellite at times ``j0 .. j0 + n - 1``, in place.

    Parameters
    ----------
    consts : float64 (N_CONST, n_sat)
        Near-Earth SGP4 constants (rows ``_sgp4_kernels.CONST_ROWS``).
    jd, fr : float64 (n_time,)
        Split UTC Julian dates of the whole window.
    j0, n : int
        First step of the chunk and its length (``n <= TIME_CHUNK``).
    n_block : int
        ``prange`` runs over this many blocks of satellites; each block
        allocates its SGP4 scratch (N_SCRATCH x TIME_CHUNK) once. (A slice of
        a caller's 3-d scratch would be typed with unknown strides, which
        stops LLVM from vectorizing the SGP4 stages.)
    cos_t, sin_t : float64 (TIME_CHUNK,)
        Written: cosine and sine of GMST (IAU 1982, UT1 ~ UTC) at each step.
    r_itrs_km : float64 (TIME_CHUNK, n_sat, 3)
        Written: ITRS positions, km, time-major.
    ok : uint8 (TIME_CHUNK, n_sat)
        Written: 1 where SGP4 returned error 0, else 0 (those steps count as
        not visible; error 6, decayed, included).
    r_max_km : float64 (n_sat,)
        Written: the largest geocentric radius of each satellite over the chunk
        (0 when no step succeeded), for the coverage-cap bound.
    """
    n_sat = consts.shape[1]
    for i in range(n):
        theta, _rate = gmst82_rad(jd[j0 + i], fr[j0 + i])
        cos_t[i] = np.cos(theta)
        sin_t[i] = np.sin(theta)
    for b in prange(n_block):
        s = np.empty((N_SCRATCH, TIME_CHUNK))
        for k in range(b, n_sat, n_block):
            for i in range(n):
                _secular_and_long_period(consts, k, jd[j0 + i], fr[j0 + i], s, i)
            for _ktr in range(KEPLER_MAX_ITER):
                n_active = 0.0
                for i in range(n):
                    n_active += _kepler_pass(s, i)
                if n_active == 0.0:
                    break
            for i in range(n):
                _short_period(consts, k, s, i)
            r_max = 0.0
            for i in range(n):
                x, y, z = teme_to_itrs_point(s[S_RX, i], s[S_RY, i], s[S_RZ, i], cos_t[i], sin_t[i])
                r_itrs_km[i, k, 0] = x
                r_itrs_km[i, k, 1] = y
                r_itrs_km[i, k, 2] = z
                good = s[S_ERR, i] == 0.0
                ok[i, k] = 1 if good else 0
                if good:
                    r = np.sqrt(x * x + y * y + z * z)
                    if r > r_max:
                        r_max = r
            r_max_km[k] = r_max


@njit(parallel=True)
def count_visible_chunk(
    r_itrs_km,
    ok,
    n,
    theta_deg,
    hav_theta,
    row_deg,
    lon_cell_deg,
    n_lon,
    edge_deg,
    sin_edge,
    cos_edge,
    cos_min_row,
    cell_start,
    gx,
    gy,
    gz,
    ux,
    uy,
    uz,
    sin_mask,
    sat_lat_deg,
    sat_lon_deg,
    sat_order,
    sort_count,
    cnt,
    mode,
    gso_on,
    gso_cos,
    gso_radius_km,
    gso_lo,
    gso_hi,
    point_val,
    sat_cap,
    sat_acc,
    point_acc,
):
    """Satellites above the elevation mask at every point and step of a chunk (or capacity shares).

    Parameters
    ----------
    r_itrs_km, ok : from :func:`propagate_itrs_chunk`.
    n : int
        Steps in the chunk.
    theta_deg, hav_theta : float64 (n_sat,)
        Conservative central-angle radius of each satellite's coverage cap over
        the chunk, degrees, and its haversine; negative: visible from nowhere.
    row_deg, lon_cell_deg : float
        Cell size in geocentric latitude and in longitude, degrees.
    n_lon : int
        Longitude cells per row.
    edge_deg, sin_edge, cos_edge : float64 (n_row + 1,)
        Row edges (geocentric latitude) and their sines and cosines.
    cos_min_row : float64 (n_row,)
        Smallest cosine of latitude within each row.
    cell_start : int64 (n_row * n_lon + 1,)
        CSR offsets: the points of cell ``c`` are ``cell_start[c]:cell_start[c+1]``.
    gx, gy, gz : float64 (n_point,)
        ITRS positions of the points (sorted by cell), km.
    ux, uy, uz : float64 (n_point,)
        Their WGS84 ellipsoid normals (the local vertical of the elevation).
    sin_mask : float
        Sine of the elevation mask.
    sat_lat_deg, sat_lon_deg : float64 (TIME_CHUNK, n_sat)
        Scratch: geocentric latitude and longitude of each sub-satellite point.
    sat_order : int64 (TIME_CHUNK, n_sat)
        Scratch: the order satellites are visited in at each step.
    sort_count : int64 (TIME_CHUNK, N_SORT_BINS + 1)
        Scratch for the counting sort.
    cnt : uint16 (TIME_CHUNK, n_point)
        Written (mode 0): satellites in view.
    mode : int
        0: count satellites in view (``cnt``); 1: for each satellite, the sum
        of ``point_val`` over the points that see it (``sat_acc``); 2: share
        each satellite's ``sat_cap`` between the points that see it in
        proportion to ``point_val`` (``point_acc += sat_cap * val / sat_acc``;
        run mode 1 first, on the same chunk).
    gso_on : int
        1: a satellite is not in view of a point for which it lies within the
        GSO-arc exclusion angle (:func:`gso_max_cos`).
    gso_cos : float
        Cosine of the exclusion angle.
    gso_radius_km : float
        Radius of the geostationary orbit, km.
    gso_lo, gso_hi : float64 (n_point,)
        Per point (sorted): ``sin`` of the declination band, widened by the
        exclusion angle, that holds every direction near the arc; a satellite
        whose direction lies outside it is far from the arc (a cheap pre-test).
    point_val : float64 (n_point,)
        Per point (sorted): demand weights (modes 1 and 2).
    sat_cap : float64 (n_sat,)
        Capacity of each satellite (mode 2).
    sat_acc : float64 (TIME_CHUNK, n_sat)
        Mode 1 writes it, mode 2 reads it.
    point_acc : float64 (TIME_CHUNK, n_point)
        Written (mode 2): capacity allocated to each point.

    Notes
    -----
    A satellite at ``d = r - g`` from a point is in view when its elevation
    ``asin(u . d / |d|)`` is at least the mask; that is tested as
    ``u . d >= 0`` and ``(u . d)**2 >= sin(mask)**2 |d|**2`` for a mask >= 0
    (``u . d >= 0`` or ``(u . d)**2 <= sin(mask)**2 |d|**2`` below 0).

    At each step the satellites are visited sorted by sub-satellite cell of
    ``SORT_LAT_DEG`` x ``SORT_LON_DEG`` (a counting sort), so that successive
    caps overlap and the points they test are still in cache. The candidate
    loops run over slices, whose indices LLVM knows to be non-negative, so
    they vectorize.
    """
    n_sat = r_itrs_km.shape[1]
    n_point = gx.shape[0]
    n_row = cos_min_row.shape[0]
    s2 = sin_mask * sin_mask
    positive = sin_mask >= 0.0
    for i in prange(n):
        row_cnt = cnt[i]
        row_acc = point_acc[i]
        if mode == 0:
            for p in range(n_point):
                row_cnt[p] = 0
        elif mode == 1:
            for k in range(n_sat):
                sat_acc[i, k] = 0.0
        else:
            for p in range(n_point):
                row_acc[p] = 0.0
        # sub-satellite points, and a counting sort of the satellites by coarse cell
        bins = sort_count[i]
        for b in range(N_SORT_BINS + 1):
            bins[b] = 0
        for k in range(n_sat):
            sx = r_itrs_km[i, k, 0]
            sy = r_itrs_km[i, k, 1]
            sz = r_itrs_km[i, k, 2]
            phi = np.arctan2(sz, np.sqrt(sx * sx + sy * sy)) * DEG_PER_RAD
            lam = np.arctan2(sy, sx) * DEG_PER_RAD
            sat_lat_deg[i, k] = phi
            sat_lon_deg[i, k] = lam
            bins[_sort_bin(phi, lam) + 1] += 1
        for b in range(N_SORT_BINS):
            bins[b + 1] += bins[b]
        for k in range(n_sat):
            b = _sort_bin(sat_lat_deg[i, k], sat_lon_deg[i, k])
            sat_order[i, bins[b]] = k
            bins[b] += 1
        for kk in range(n_sat):
            k = sat_order[i, kk]
            th = theta_deg[k]
            if ok[i, k] == 0 or th < 0.0:
                continue
            share = 0.0
            if mode == 2:
                if sat_acc[i, k] <= 0.0:
                    continue
                share = sat_cap[k] / sat_acc[i, k]
            sx = r_itrs_km[i, k, 0]
            sy = r_itrs_km[i, k, 1]
            sz = r_itrs_km[i, k, 2]
            rr = np.sqrt(sx * sx + sy * sy + sz * sz)
            sin_phi = sz / rr
            cos_phi = np.sqrt(sx * sx + sy * sy) / rr
            phi_deg = sat_lat_deg[i, k]
            lon_deg = sat_lon_deg[i, k]
            hth = hav_theta[k]
            j_lo = int(np.floor((phi_deg - th + 90.0) / row_deg))
            j_hi = int(np.floor((phi_deg + th + 90.0) / row_deg))
            if j_lo < 0:
                j_lo = 0
            if j_hi > n_row - 1:
                j_hi = n_row - 1
            for j in range(j_lo, j_hi + 1):
                # the row's nearest latitude to the satellite's, as cos(delta phi)
                if edge_deg[j] > phi_deg:
                    cdl = cos_edge[j] * cos_phi + sin_edge[j] * sin_phi
                elif edge_deg[j + 1] < phi_deg:
                    cdl = cos_edge[j + 1] * cos_phi + sin_edge[j + 1] * sin_phi
                else:
                    cdl = 1.0
                num = hth - 0.5 * (1.0 - cdl)
                if num < 0.0:
                    continue
                den = cos_min_row[j] * cos_phi
                base = j * n_lon
                # one or two runs of cells [a0, b0) and [a1, b1) in this row
                a0 = base
                b0 = base + n_lon
                a1 = base
                b1 = base
                if num < 0.5 * den:
                    # hav(dlon) <= h, and dlon / 2 <= asin(sqrt h) <= sqrt(h / (1 - h))
                    h = num / den
                    dlon = 2.0 * np.sqrt(h / (1.0 - h)) * DEG_PER_RAD + LON_MARGIN_DEG
                    c0 = int(np.floor((lon_deg - dlon + 180.0) / lon_cell_deg))
                    c1 = int(np.floor((lon_deg + dlon + 180.0) / lon_cell_deg))
                    if c1 - c0 + 1 < n_lon:
                        if c0 < 0:
                            a0 = base + c0 + n_lon
                            b0 = base + n_lon
                            a1 = base
                            b1 = base + c1 + 1
                        elif c1 >= n_lon:
                            a0 = base + c0
                            b0 = base + n_lon
                            a1 = base
                            b1 = base + c1 - n_lon + 1
                        else:
                            a0 = base + c0
                            b0 = base + c1 + 1
                for run in range(2):
                    lo = cell_start[a0] if run == 0 else cell_start[a1]
                    hi = cell_start[b0] if run == 0 else cell_start[b1]
                    if mode == 0 and gso_on == 0:
                        _count_run(
                            sx,
                            sy,
                            sz,
                            gx[lo:hi],
                            gy[lo:hi],
                            gz[lo:hi],
                            ux[lo:hi],
                            uy[lo:hi],
                            uz[lo:hi],
                            s2,
                            positive,
                            row_cnt[lo:hi],
                        )
                        continue
                    for q in range(lo, hi):
                        dx = sx - gx[q]
                        dy = sy - gy[q]
                        dz = sz - gz[q]
                        up = ux[q] * dx + uy[q] * dy + uz[q] * dz
                        d2 = dx * dx + dy * dy + dz * dz
                        if positive:
                            vis = (up >= 0.0) and (up * up >= s2 * d2)
                        else:
                            vis = (up >= 0.0) or (up * up <= s2 * d2)
                        if not vis:
                            continue
                        if gso_on != 0:
                            dn = np.sqrt(d2)
                            sin_dec = dz / dn
                            if gso_lo[q] <= sin_dec <= gso_hi[q]:
                                # the arc point at d's own azimuth is at the declination
                                # difference: within X there, excluded at once; else the
                                # full search (only near the edge of the band)
                                c = _gso_cos_at(
                                    np.arctan2(dy, dx),
                                    dx,
                                    dy,
                                    dz,
                                    gx[q],
                                    gy[q],
                                    gz[q],
                                    gso_radius_km,
                                    dn,
                                )
                                if c > gso_cos:
                                    continue
                                c = gso_max_cos(dx, dy, dz, gx[q], gy[q], gz[q], gso_radius_km)
                                if c > gso_cos:
                                    continue
                        if mode == 0:
                            row_cnt[q] += np.uint16(1)
                        elif mode == 1:
                            sat_acc[i, k] += point_val[q]
                        else:
                            row_acc[q] += share * point_val[q]


# Golden-section iterations for the closest point of the GSO arc (interval shrinks 0.618x each).
GSO_ITER = 40
# Half-width of the search interval around the direction's own azimuth, radians.
GSO_HALF_WIDTH_RAD = 0.5 * np.pi
# Newton on the azimuth: at most this many steps, central differences of this width,
# steps under GSO_TOL_RAD end it (1e-7 rad, 6e-6 deg), steps over GSO_MAX_STEP_RAD
# hand over to the golden section.
GSO_NEWTON = 6
GSO_DIFF_RAD = 1.0e-4
GSO_TOL_RAD = 1.0e-7
GSO_MAX_STEP_RAD = 0.5


@njit(inline="always")
def _gso_cos_at(alpha, dx, dy, dz, gx, gy, gz, radius_km, d_norm):
    """Cosine of the angle at ground point g between d and the GSO point hit at azimuth alpha.

    The ray from g's projection onto the equatorial plane in direction alpha meets the
    arc (a circle of ``radius_km`` about the Earth's axis, in the equatorial plane)
    once, ``s`` km away; the arc point is then ``(s cos a, s sin a, -gz)`` from g.
    """
    ca = np.cos(alpha)
    sa = np.sin(alpha)
    b = gx * ca + gy * sa
    rho2 = gx * gx + gy * gy
    s = -b + np.sqrt(b * b + radius_km * radius_km - rho2)
    ux = s * ca
    uy = s * sa
    uz = -gz
    return (dx * ux + dy * uy + dz * uz) / (d_norm * np.sqrt(ux * ux + uy * uy + uz * uz))


@njit
def gso_max_cos(dx, dy, dz, gx, gy, gz, radius_km):
    """Cosine of the smallest angle, seen from ground point g, between direction d and the GSO arc.

    ITRS, km: ``d`` is the satellite's position minus ``g``. Every point of the arc is
    seen from g in exactly one azimuth ``a`` of the equatorial plane, so the search is
    over ``a``, starting from d's own azimuth, near which the closest arc point lies
    (the arc's distance from g varies slowly with azimuth): Newton steps on the cosine
    with central differences (``GSO_NEWTON`` at most), and where the cosine is not
    concave there, a golden-section search (``GSO_ITER`` steps) within
    ``GSO_HALF_WIDTH_RAD``. Tests compare it with a dense sampling of the arc.
    """
    d_norm = np.sqrt(dx * dx + dy * dy + dz * dz)
    a = np.arctan2(dy, dx)
    h = GSO_DIFF_RAD
    f0 = _gso_cos_at(a, dx, dy, dz, gx, gy, gz, radius_km, d_norm)
    for _ in range(GSO_NEWTON):
        fm = _gso_cos_at(a - h, dx, dy, dz, gx, gy, gz, radius_km, d_norm)
        fp = _gso_cos_at(a + h, dx, dy, dz, gx, gy, gz, radius_km, d_norm)
        d1 = (fp - fm) / (2.0 * h)
        d2 = (fp - 2.0 * f0 + fm) / (h * h)
        if d2 >= 0.0:
            return _gso_golden(a, dx, dy, dz, gx, gy, gz, radius_km, d_norm)
        step = -d1 / d2
        if abs(step) > GSO_MAX_STEP_RAD:
            return _gso_golden(a, dx, dy, dz, gx, gy, gz, radius_km, d_norm)
        a += step
        f0 = _gso_cos_at(a, dx, dy, dz, gx, gy, gz, radius_km, d_norm)
        if abs(step) < GSO_TOL_RAD:
            return f0
    return max(f0, _gso_golden(a, dx, dy, dz, gx, gy, gz, radius_km, d_norm))


@njit
def _gso_golden(a0, dx, dy, dz, gx, gy, gz, radius_km, d_norm):
    """Golden-section search for the largest cosine within GSO_HALF_WIDTH_RAD of a0."""
    lo = a0 - GSO_HALF_WIDTH_RAD
    hi = a0 + GSO_HALF_WIDTH_RAD
    g = 0.5 * (np.sqrt(5.0) - 1.0)
    x1 = hi - g * (hi - lo)
    x2 = lo + g * (hi - lo)
    f1 = _gso_cos_at(x1, dx, dy, dz, gx, gy, gz, radius_km, d_norm)
    f2 = _gso_cos_at(x2, dx, dy, dz, gx, gy, gz, radius_km, d_norm)
    for _ in range(GSO_ITER):
        if f1 < f2:
            lo = x1
            x1 = x2
            f1 = f2
            x2 = lo + g * (hi - lo)
            f2 = _gso_cos_at(x2, dx, dy, dz, gx, gy, gz, radius_km, d_norm)
        else:
            hi = x2
            x2 = x1
            f2 = f1
            x1 = hi - g * (hi - lo)
            f1 = _gso_cos_at(x1, dx, dy, dz, gx, gy, gz, radius_km, d_norm)
    return max(f1, f2)


@njit(inline="always")
def _sort_bin(lat_deg, lon_deg):
    """Coarse sub-satellite cell for the visiting order (row-major, boustrophedon)."""
    r = int((lat_deg + 90.0) * (1.0 / SORT_LAT_DEG))
    c = int((lon_deg + 180.0) * (1.0 / SORT_LON_DEG))
    r = min(max(r, 0), N_SORT_ROWS - 1)
    c = min(max(c, 0), N_SORT_COLS - 1)
    if r % 2 == 1:
        c = N_SORT_COLS - 1 - c
    return r * N_SORT_COLS + c


@njit(inline="always")
def _count_run(sx, sy, sz, gx, gy, gz, ux, uy, uz, s2, positive, cnt):
    """Add 1 to ``cnt[q]`` for each point q of a run that sees the satellite at (sx, sy, sz)."""
    m = cnt.shape[0]
    if positive:
        for q in range(m):
            dx = sx - gx[q]
            dy = sy - gy[q]
            dz = sz - gz[q]
            up = ux[q] * dx + uy[q] * dy + uz[q] * dz
            d2 = dx * dx + dy * dy + dz * dz
            vis = (up >= 0.0) & (up * up >= s2 * d2)
            cnt[q] = cnt[q] + np.uint16(vis)
    else:
        for q in range(m):
            dx = sx - gx[q]
            dy = sy - gy[q]
            dz = sz - gz[q]
            up = ux[q] * dx + uy[q] * dy + uz[q] * dz
            d2 = dx * dx + dy * dy + dz * dz
            vis = (up >= 0.0) | (up * up <= s2 * d2)
            cnt[q] = cnt[q] + np.uint16(vis)


@njit(parallel=True)
def accumulate_chunk(cnt, n, k_min, block, covered, hist, run, n_gaps, gap_sum, gap_max):
    """Fold a chunk's counts into each point's running statistics, in time order.

    Parameters
    ----------
    cnt : uint16 (TIME_CHUNK, n_point)
        Satellites in view (from :func:`count_visible_chunk`).
    n : int
        Steps in the chunk.
    k_min : int
        A step is covered with at least ``k_min`` satellites in view.
    block : int
        Points per ``prange`` iteration.
    covered : int64 (n_point,)
        Covered steps so far (updated).
    hist : int32 (n_point, n_bin)
        Steps with 0, 1, ... satellites in view; the last bin holds n_bin - 1
        or more (updated).
    run : int64 (n_point,)
        Length of the open run of uncovered steps (updated).
    n_gaps, gap_sum, gap_max : int64 (n_point,)
        Closed gaps: number, total and longest length in steps (updated).
    """
    n_point = cnt.shape[1]
    top = hist.shape[1] - 1
    n_block = (n_point + block - 1) // block
    for b in prange(n_block):
        p0 = b * block
        p1 = min(p0 + block, n_point)
        for i in range(n):
            for p in range(p0, p1):
                c = np.int64(cnt[i, p])
                hist[p, min(c, top)] += 1
                if c >= k_min:
                    covered[p] += 1
                    g = run[p]
                    if g > 0:
                        n_gaps[p] += 1
                        gap_sum[p] += g
                        if g > gap_max[p]:
                            gap_max[p] = g
                        run[p] = 0
                else:
                    run[p] += 1
