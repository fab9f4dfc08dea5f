"""Ground routing kernel against scipy.sparse.csgraph, and the command's cold and warm times.

Run from the repository root::

    python benchmarks/bench_ground.py              # 3 repeats
    python benchmarks/bench_ground.py --repeats 5 --steps 16

The case: the full Gen-1 design (3,236 satellites), the default users (60 sampled +
24 enterprise sites), scenario A's 28 gateways, ISL routing (+Grid), one chunk of
``--steps`` one-minute steps.

* **kuiper**: ``kuiper.ground.engine.Router.route`` (numba, prange over steps).
* **peer, scipy csgraph** (this file): per step, the explicit graph built with
  vectorized NumPy (ISL edges from the same +Grid, gateway and user visibility from
  vectorized elevations), then ``scipy.sparse.csgraph.dijkstra`` from a super-source
  per destination region, then each user's best visible satellite. Its one-way
  delays are checked equal to the kernel's (the test suite does the same in
  ``tests/test_ground_oracle.py``).

Also the end-to-end ``kuiper ground`` and ``kuiper ground --isl`` wall times, cold
(fresh numba cache directory) and warm. Load averages are printed around each run.
This is a script, not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
C_KM_S = 299792.458


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def elevation_and_range(r_km, g_xyz, g_up):
    """Elevation (rad) and range (km) of satellites (n_sat, 3) from points (n_p, 3)."""
    d = r_km[None, :, :] - g_xyz[:, None, :]
    rng = np.linalg.norm(d, axis=2)
    return np.arcsin(np.einsum("psk,pk->ps", d, g_up) / rng), rng


def up_vectors(lat_deg, lon_deg):
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)


def csgraph_step(r_km, nb, u_xyz, u_up, user_dest, g_xyz, g_up, fibre_s, cfg):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n_sat, n_gw, n_dest = r_km.shape[0], g_xyz.shape[0], fibre_s.shape[0]
    src = np.repeat(np.arange(n_sat), 4)
    dst = nb.reshape(-1)
    ok = dst >= 0
    src, dst = src[ok], dst[ok]
    length = np.linalg.norm(r_km[src] - r_km[dst], axis=1)
    sin_lat = np.abs(r_km[:, 2]) / np.linalg.norm(r_km, axis=1)
    lim = np.sin(np.radians(cfg["isl_cross_plane_max_lat_deg"]))
    cross = np.tile(np.arange(4) >= 2, n_sat)[ok]
    up = (length <= cfg["isl_max_range_km"]) & ~(
        cross & ((sin_lat[src] > lim) | (sin_lat[dst] > lim))
    )
    w_isl = length[up] / C_KM_S + cfg["isl_hop_processing_ms"] / 1e3
    el_g, rng_g = elevation_and_range(r_km, g_xyz, g_up)
    gi, si = np.nonzero(el_g >= np.radians(cfg["gateway_elevation_mask_deg"]))
    rows = [src[up], n_sat + gi, np.repeat(n_sat + n_gw + np.arange(n_dest), n_gw)]
    cols = [dst[up], si, np.tile(n_sat + np.arange(n_gw), n_dest)]
    vals = [w_isl, rng_g[gi, si] / C_KM_S, fibre_s.reshape(-1)]
    n_node = n_sat + n_gw + n_dest
    graph = csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_node, n_node),
    )
    dist = dijkstra(graph, directed=True, indices=np.arange(n_sat + n_gw, n_node))
    el_u, rng_u = elevation_and_range(r_km, u_xyz, u_up)
    total = np.where(
        el_u >= np.radians(cfg["user_elevation_mask_deg"]),
        rng_u / C_KM_S + dist[user_dest][:, :n_sat],
        np.inf,
    )
    return total.min(axis=1)


def kernel_vs_csgraph(n_steps: int, repeats: int) -> None:
    from kuiper import frames
    from kuiper.coverage import design_satrecs, time_grid
    from kuiper.ground import (
        enterprise_sites,
        load_ground_config,
        orbital_planes,
        plus_grid,
        sample_users,
    )
    from kuiper.ground.engine import Router, _ground
    from kuiper.ground.sites import scenario_a_sites
    from kuiper.sgp4 import Propagator

    cfg = load_ground_config()
    sats, _ = design_satrecs()
    jd, fr = time_grid("2026-01-01", n_steps * 60.0, 60.0)
    prop = Propagator(sats)
    _, r_teme, v_teme = prop.propagate(jd, fr)
    r_itrs, _ = frames.teme_to_itrs(r_teme, v_teme, jd, fr)
    shell, plane, u = orbital_planes(r_teme[:, 0], v_teme[:, 0], 2.0, 1.0)
    nb = plus_grid(shell, plane, u)
    users = sample_users(60, cfg) + list(enterprise_sites())
    gws = scenario_a_sites(cfg)
    u_lat = np.array([x["lat"] for x in users])
    u_lon = np.array([x["lon"] for x in users])
    g_lat = np.array([g["lat_deg"] for g in gws])
    g_lon = np.array([g["lon_deg"] for g in gws])
    n_dest = 12
    user_dest = np.arange(len(users)) % n_dest
    fibre_s = np.random.default_rng(1).uniform(0.0, 0.02, size=(n_dest, len(gws)))
    router = Router(len(sats), n_steps, cfg)
    U, G = _ground(u_lat, u_lon), _ground(g_lat, g_lon)
    router.route(r_itrs, nb, U, user_dest, G, fibre_s, True)  # compile / load cache
    k_times, p_times = [], []
    for _ in range(repeats):
        print(f"  load {load_average()}", flush=True)
        t0 = time.perf_counter()
        lat, _, _ = router.route(r_itrs, nb, U, user_dest, G, fibre_s, True)
        k_times.append((time.perf_counter() - t0) / n_steps)
        u_up, g_up = up_vectors(u_lat, u_lon), up_vectors(g_lat, g_lon)
        t0 = time.perf_counter()
        peer = np.stack(
            [
                csgraph_step(r_itrs[:, j], nb, U[0], u_up, user_dest, G[0], g_up, fibre_s, cfg)
                for j in range(n_steps)
            ],
            axis=1,
        )
        p_times.append((time.perf_counter() - t0) / n_steps)
        ok = np.isfinite(peer)
        # The peer's vertical is geocentric, the kernel's geodetic: a handful of
        # satellites right at a mask may differ; compare where both found a path.
        both = ok & np.isfinite(lat)
        agree = np.abs(lat[both] - peer[both]) < 1e-4
        print(
            f"  kuiper {k_times[-1] * 1e3:.1f} ms/step, csgraph {p_times[-1] * 1e3:.1f} ms/step, "
            f"ratio {p_times[-1] / k_times[-1]:.1f}x; paths {int(both.sum())}, within 0.1 ms: "
            f"{agree.mean():.1%}",
            flush=True,
        )
    print(
        f"best: kuiper {min(k_times) * 1e3:.1f} ms/step, csgraph {min(p_times) * 1e3:.1f} "
        f"ms/step, ratio {min(p_times) / min(k_times):.1f}x"
    )


def command_times() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    env.setdefault("KUIPER_DB", str(Path(tempfile.gettempdir()) / "bench_ground.sqlite"))
    with tempfile.TemporaryDirectory() as cache:
        for args in (["ground"], ["ground", "--isl"]):
            for label, extra in (("cold", {"NUMBA_CACHE_DIR": cache}), ("warm", {})):
                e = dict(env, **extra) if label == "cold" else dict(env, NUMBA_CACHE_DIR=cache)
                print(f"  load {load_average()}", flush=True)
                t0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "kuiper", *args],
                    env=e,
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                print(f"kuiper {' '.join(args)} ({label}): {time.perf_counter() - t0:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--no-command", action="store_true", help="skip the end-to-end timings")
    a = ap.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    print(f"load {load_average()}; {os.cpu_count()} CPUs")
    kernel_vs_csgraph(a.steps, a.repeats)
    if not a.no_command:
        command_times()


if __name__ == "__main__":
    main()
