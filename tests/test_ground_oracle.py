"""The routing kernel against an independent oracle: scipy.sparse.csgraph.dijkstra.

The oracle builds, for one time step, the explicit directed graph
region -> gateway (fibre) -> satellite (downlink) <-> satellite (ISL), with
visibility from brute-force NumPy elevations (``tests/reference.py``), runs
csgraph's Dijkstra from each region, and takes each user's best visible
satellite. No kuiper kernel is called by the oracle.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

import reference as R
from kuiper.ground import (
    SPEED_OF_LIGHT_KM_S,
    load_ground_config,
    orbital_planes,
    plus_grid,
    sample_users,
)
from kuiper.ground.engine import route_positions
from kuiper.ground.sites import scenario_a_sites

CFG = load_ground_config()
# Agreement: both sides sum the same float64 terms in different orders.
ONE_PICOSECOND_S = 1e-12


def oracle_latency_s(r_km, neighbours, users, gws, fibre_s, user_dest, cfg, isl=True):
    """One-way delay (n_user,) at one step by explicit graph + csgraph Dijkstra."""
    n_sat, n_gw = r_km.shape[0], len(gws)
    c = SPEED_OF_LIGHT_KM_S
    hop_s = cfg["isl_hop_processing_ms"] / 1e3
    sin_lim = math.sin(math.radians(cfg["isl_cross_plane_max_lat_deg"]))
    edges: dict[tuple[int, int], float] = {}

    def add(a, b, w):
        edges[(a, b)] = min(w, edges.get((a, b), math.inf))

    if isl:
        for s in range(n_sat):
            for k in range(4):
                n = neighbours[s, k]
                if n < 0:
                    continue
                d = float(np.linalg.norm(r_km[s] - r_km[n]))
                if d > cfg["isl_max_range_km"]:
                    continue
                sl = abs(r_km[s, 2]) / np.linalg.norm(r_km[s])
                nl = abs(r_km[n, 2]) / np.linalg.norm(r_km[n])
                if k >= 2 and (sl > sin_lim or nl > sin_lim):
                    continue
                add(s, n, d / c + hop_s)
    g_lat = np.array([g["lat_deg"] for g in gws])
    g_lon = np.array([g["lon_deg"] for g in gws])
    el_g = R.elevations_deg(r_km[:, None, :], g_lat, g_lon, np.zeros(n_gw))[:, :, 0]
    g_xyz = R.ground_frames(g_lat, g_lon, np.zeros(n_gw))[0]
    for g in range(n_gw):
        for s in np.flatnonzero(el_g[g] >= cfg["gateway_elevation_mask_deg"]):
            add(n_sat + g, int(s), float(np.linalg.norm(r_km[s] - g_xyz[g])) / c)
    n_dest = fibre_s.shape[0]
    for d in range(n_dest):
        for g in range(n_gw):
            add(n_sat + n_gw + d, n_sat + g, float(fibre_s[d, g]))
    n_node = n_sat + n_gw + n_dest
    keys = list(edges)
    graph = csr_matrix(
        ([edges[k] for k in keys], ([k[0] for k in keys], [k[1] for k in keys])),
        shape=(n_node, n_node),
    )
    dist = dijkstra(graph, directed=True, indices=np.arange(n_sat + n_gw, n_node))
    u_lat = np.array([u["lat"] for u in users])
    u_lon = np.array([u["lon"] for u in users])
    el_u = R.elevations_deg(r_km[:, None, :], u_lat, u_lon, np.zeros(len(users)))[:, :, 0]
    u_xyz = R.ground_frames(u_lat, u_lon, np.zeros(len(users)))[0]
    out = np.full(len(users), np.inf)
    for i in range(len(users)):
        vis = np.flatnonzero(el_u[i] >= cfg["user_elevation_mask_deg"])
        if vis.size:
            rng = np.linalg.norm(r_km[vis] - u_xyz[i], axis=1) / c
            out[i] = float((rng + dist[user_dest[i], vis]).min())
    return out


@pytest.mark.parametrize("isl", [True, False])
def test_kernel_matches_csgraph_on_a_partly_filled_design(isl):
    from kuiper.coverage import design_satrecs

    sats, _ = design_satrecs(900)
    jd, fr = np.array([2461041.5]), np.array([0.3])
    _, r = R.satellite_positions(sats, jd, fr)
    from sgp4.api import SatrecArray

    _, r_teme, v_teme = SatrecArray(sats).sgp4(jd, fr)
    shell, plane, u = orbital_planes(r_teme[:, 0], v_teme[:, 0], 2.0, 1.0)
    nb = plus_grid(shell, plane, u)
    users = sample_users(40, CFG)
    gws = scenario_a_sites(CFG)[::3]
    rng = np.random.default_rng(3)
    fibre_s = rng.uniform(0.0, 0.02, size=(3, len(gws)))
    user_dest = np.arange(len(users)) % 3
    want = oracle_latency_s(r[:, 0], nb, users, gws, fibre_s, user_dest, CFG, isl)
    got, hops, _ = route_positions(
        r,
        nb,
        [u["lat"] for u in users],
        [u["lon"] for u in users],
        user_dest,
        [g["lat_deg"] for g in gws],
        [g["lon_deg"] for g in gws],
        fibre_s,
        CFG,
        isl=isl,
    )
    assert np.array_equal(np.isfinite(got[:, 0]), np.isfinite(want))
    ok = np.isfinite(want)
    assert ok.sum() >= 10
    np.testing.assert_allclose(got[ok, 0], want[ok], rtol=0, atol=ONE_PICOSECOND_S)
    if isl:
        assert hops[ok, 0].max() >= 1
    else:
        assert (hops[ok, 0] == 0).all()
