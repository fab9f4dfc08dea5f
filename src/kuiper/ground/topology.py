"""The +Grid inter-satellite link topology: two in-plane and two cross-plane partners each.

Planes are found from the satellites' states, not from labels, so the same code
serves the design (Walker shells) and the real constellation: shells are clusters of
inclination, planes clusters of right ascension of the ascending node (RAAN) within a
shell, and a satellite's place in its plane is its argument of latitude. In a plane,
each satellite links to the next and the previous one along the orbit; across planes,
to the satellite of the next (and previous) plane in RAAN nearest to it in argument
of latitude, matched one to one. The topology is fixed over the window, as in Hypatia
(Kassing et al., IMC 2020) and StarPerf (Lai et al., IMC 2020); which links are up
changes with range and latitude at every step (:mod:`kuiper.ground._kernels`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["orbital_planes", "plus_grid"]


def _clusters(values_deg: np.ndarray, gap_deg: float, circular: bool) -> np.ndarray:
    """Labels 0.. of runs of sorted values separated by more than ``gap_deg``."""
    n = values_deg.size
    labels = np.zeros(n, np.int64)
    if n == 0:
        return labels
    order = np.argsort(values_deg)
    v = values_deg[order]
    breaks = np.flatnonzero(np.diff(v) > gap_deg)
    lab = np.zeros(n, np.int64)
    for b in breaks:
        lab[b + 1 :] += 1
    if circular and breaks.size and (v[0] + 360.0 - v[-1]) <= gap_deg:
        lab[lab == lab[-1]] = 0  # the last run wraps round to join the first
    labels[order] = lab
    return labels


def orbital_planes(
    r_teme_km: np.ndarray, v_teme_km_s: np.ndarray, plane_gap_deg: float, shell_gap_deg: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shell, plane and argument of latitude of each satellite from one TEME state each.

    Parameters
    ----------
    r_teme_km, v_teme_km_s : (n_sat, 3)
        States at one time (NaN rows are put in no plane).
    plane_gap_deg, shell_gap_deg : float
        RAAN and inclination gaps that separate planes and shells.

    Returns
    -------
    shell, plane : (n_sat,) int64
        Labels; planes are numbered in RAAN order within their shell, -1 for NaN rows.
    arg_lat_rad : (n_sat,) float64
        Argument of latitude, radians.

    Notes
    -----
    ``h = r x v``; RAAN = atan2(h_x, -h_y), i = acos(h_z / |h|), and the argument of
    latitude u from ``r_z = |r| sin u sin i`` and ``r_x cos RAAN + r_y sin RAAN =
    |r| cos u`` (Vallado, Fundamentals of Astrodynamics, 4th ed., sec. 2.5).
    """
    r = np.asarray(r_teme_km, float)
    v = np.asarray(v_teme_km_s, float)
    n = r.shape[0]
    ok = np.isfinite(r).all(axis=1) & np.isfinite(v).all(axis=1)
    h = np.cross(r, v)
    raan = np.arctan2(h[:, 0], -h[:, 1])
    inc = np.arccos(np.clip(h[:, 2] / np.linalg.norm(h, axis=1), -1.0, 1.0))
    cos_u = r[:, 0] * np.cos(raan) + r[:, 1] * np.sin(raan)
    sin_i = np.where(np.abs(np.sin(inc)) > 1e-9, np.sin(inc), 1e-9)
    arg_lat = np.arctan2(r[:, 2] / sin_i, cos_u) % (2 * np.pi)
    shell = np.full(n, -1, np.int64)
    plane = np.full(n, -1, np.int64)
    rows = np.flatnonzero(ok)
    shell[rows] = _clusters(np.degrees(inc[rows]), shell_gap_deg, circular=False)
    for s in np.unique(shell[rows]):
        members = rows[shell[rows] == s]
        raan_deg = np.degrees(raan[members]) % 360.0
        lab = _clusters(raan_deg, plane_gap_deg, circular=True)
        # Renumber planes in order of their mean RAAN (circular mean).
        means = []
        for p in np.unique(lab):
            a = np.radians(raan_deg[lab == p])
            means.append((np.degrees(np.arctan2(np.sin(a).mean(), np.cos(a).mean())) % 360, p))
        rank = {p: k for k, (_, p) in enumerate(sorted(means))}
        plane[members] = [rank[p] for p in lab]
    return shell, plane, arg_lat


def _wrap(a: np.ndarray) -> np.ndarray:
    return np.abs((a + np.pi) % (2 * np.pi) - np.pi)


def plus_grid(shell: np.ndarray, plane: np.ndarray, arg_lat_rad: np.ndarray) -> np.ndarray:
    """+Grid partners of each satellite.

    Returns
    -------
    neighbours : (n_sat, 4) int64
        Columns 0 and 1: the next and previous satellite along the orbit in the same
        plane; 2 and 3: the partner in the next and previous plane (in RAAN, wrapping
        round when the shell has three planes or more). -1 where there is none. The
        relation is symmetric: b in a's row exactly when a is in b's.
    """
    n = shell.size
    nb = np.full((n, 4), -1, np.int64)
    for s in np.unique(shell[shell >= 0]):
        in_shell = np.flatnonzero(shell == s)
        planes = np.unique(plane[in_shell])
        rings = {}
        for p in planes:
            members = in_shell[plane[in_shell] == p]
            ring = members[np.argsort(arg_lat_rad[members], kind="stable")]
            rings[p] = ring
            m = ring.size
            if m >= 2:
                nb[ring, 0] = np.roll(ring, -1)
                if m >= 3:
                    nb[ring, 1] = np.roll(ring, 1)
        pairs = [(planes[k], planes[k + 1]) for k in range(planes.size - 1)]
        if planes.size >= 3:
            pairs.append((planes[-1], planes[0]))
        for pa, pb in pairs:
            a, b = rings[pa], rings[pb]
            diff = _wrap(arg_lat_rad[a][:, None] - arg_lat_rad[b][None, :])
            order = np.argsort(diff, axis=None, kind="stable")
            used_a = np.zeros(a.size, bool)
            used_b = np.zeros(b.size, bool)
            for flat in order:
                i, j = divmod(int(flat), b.size)
                if used_a[i] or used_b[j]:
                    continue
                used_a[i] = used_b[j] = True
                nb[a[i], 2] = b[j]
                nb[b[j], 3] = a[i]
                if used_a.all() or used_b.all():
                    break
    return nb
