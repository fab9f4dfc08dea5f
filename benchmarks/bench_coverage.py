"""Coverage engine against brute force, in one run.

Run from the repository root::

    python benchmarks/bench_coverage.py             # full case, 3 repeats, compile/cache times
    python benchmarks/bench_coverage.py --repeats 5

The case: the full Gen-1 design (3,236 satellites, ``kuiper.coverage.design_satrecs``),
one day at 30 s steps (2,880 steps), the 1 degree equal-area grid (41,252 points),
35 degree mask, k = 1: ``kuiper.coverage.evaluate_points``.

Baselines, measured in the same run:

* **brute force, NumPy** (``tests/reference.py``): ``sgp4.api.SatrecArray`` for
  every satellite and step, then the elevation of every satellite from every
  point at every step, chunked to fit in memory. Timed on a sample of points and
  steps (random grid points x every k-th step, all satellites) and scaled by
  (points x steps) to the full case; the propagation itself is timed in full.
  The sample's counts are checked equal to the engine's.
* **brute force, numba** (this file): the engine's own propagation, then every
  (point, satellite) pair at every step with the same elevation test, no
  culling, parallel over steps. Timed on the first chunk (128 steps) x all
  points and scaled by the number of steps. This isolates what the culling buys
  from what compiling buys.

Wall and CPU times (``time.process_time``) are both reported: the machine is
shared, so load averages are printed around every run.

This is a script, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

START = "2026-01-01T00:00:00Z"
STEP_S = 30.0
DURATION_S = 86_400.0
MASK_DEG = 35.0
GRID_DEG = 1.0


def machine() -> dict:
    import numba
    import sgp4

    info = {"python": platform.python_version()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "L2 cache"):
                info[key.strip()] = value.strip()
    except OSError:
        pass
    info["numpy"] = np.__version__
    info["numba"] = numba.__version__
    info["numba threads"] = numba.config.NUMBA_NUM_THREADS
    info["sgp4"] = sgp4.__version__
    return info


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def compile_times() -> None:
    """First call in fresh processes: numba cache off (compiles) and on (loads)."""
    code = (
        "import time; t0 = time.perf_counter(); "
        "from kuiper import coverage as C; "
        "s, _ = C.design_satrecs(10, '2026-01-01'); "
        "C.evaluate_points(s, '2026-01-01', C.latitude_ring(40.0, 8), step_s=60, duration_s=600); "
        "t1 = time.perf_counter(); "
        "C.evaluate_points(s, '2026-01-01', C.latitude_ring(40.0, 8), step_s=60, duration_s=600); "
        "print(f'{t1 - t0:.2f} {time.perf_counter() - t1:.4f}')"
    )
    for label, env in (("cache off (compiles)", "0"), ("cache on (loads)", "1")):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "KUIPER_NUMBA_CACHE": env},
            check=True,
        ).stdout.split()
        print(f"| {label} | {float(out[0]):.2f} s | {float(out[1]) * 1e3:.1f} ms |")


def numba_brute_kernel():
    """Every (point, satellite) pair at every step: the engine's test with no culling.

    Satellite coordinates are passed per step as contiguous rows (n, n_sat), so
    the loop over satellites is a vectorized integer reduction (a float sum
    would not vectorize without fastmath): a fair, fast baseline.
    """
    from kuiper._jit import njit, prange

    @njit(parallel=True, cache=False)
    def brute(sx, sy, sz, ok, n, gx, gy, gz, ux, uy, uz, s2, cnt):
        n_sat = sx.shape[1]
        for i in prange(n):
            x = sx[i]
            y = sy[i]
            z = sz[i]
            w = ok[i]
            for p in range(gx.shape[0]):
                c = 0
                for k in range(n_sat):
                    dx = x[k] - gx[p]
                    dy = y[k] - gy[p]
                    dz = z[k] - gz[p]
                    up = ux[p] * dx + uy[p] * dy + uz[p] * dz
                    d2 = dx * dx + dy * dy + dz * dz
                    c += np.int64((w[k] != 0) & (up >= 0.0) & (up * up >= s2 * d2))
                cnt[i, p] = c

    return brute


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sample-points", type=int, default=1000)
    ap.add_argument("--sample-every", type=int, default=30, help="every k-th step for NumPy")
    ap.add_argument("--no-compile", action="store_true", help="skip the fresh-process timings")
    args = ap.parse_args()

    import reference as R
    from kuiper import coverage as C
    from kuiper.coverage import _kernels as K
    from kuiper.coverage.engine import _Engine

    print("# Coverage benchmark")
    for k, v in machine().items():
        print(f"- {k}: {v}")

    sats, _ = C.design_satrecs(None, START)
    grid = C.equal_area_grid(GRID_DEG)
    jd, fr = C.time_grid(START, DURATION_S, STEP_S)
    n_sat, n_point, n_time = len(sats), len(grid), jd.shape[0]
    triples = n_sat * n_point * n_time
    print(f"\ncase: {n_sat} satellites x {n_point} points x {n_time} steps = {triples:.3e}")

    def engine():
        return C.evaluate_points(
            sats, START, grid, min_elevation_deg=MASK_DEG, step_s=STEP_S, duration_s=DURATION_S
        )

    print("\n## kuiper engine (evaluate_points), warm")
    stats, _, _ = timed(engine)  # warm-up (and compile or cache load)
    walls, cpus = [], []
    for r in range(args.repeats):
        before = load_average()
        _, w, c = timed(engine)
        walls.append(w)
        cpus.append(c)
        print(f"run {r + 1}: wall {w:.2f} s, cpu {c:.2f} s, load before {before}")
    glob = float((stats.fraction * grid.weight).sum())
    print(f"global area-weighted coverage: {glob:.6f}")
    best = min(walls)

    # NumPy brute force on a sample
    print("\n## brute force, NumPy (tests/reference.py), sampled")
    rng = np.random.default_rng(1)
    pick = np.sort(rng.choice(n_point, args.sample_points, replace=False))
    steps = np.arange(0, n_time, args.sample_every)
    (e_all, r_all), w_prop, c_prop = timed(lambda: R.satellite_positions(sats, jd, fr))
    print(f"SatrecArray + rotation, all {n_time} steps: wall {w_prop:.2f} s, cpu {c_prop:.2f} s")
    positions = (e_all[:, steps], r_all[:, steps])
    before = load_average()
    (ref_counts, _), w_el, c_el = timed(
        lambda: R.visible_counts(
            sats,
            jd[steps],
            fr[steps],
            grid.lat_deg[pick],
            grid.lon_deg[pick],
            grid.alt_km[pick],
            MASK_DEG,
            positions,
        )
    )
    scale = (n_point / pick.size) * (n_time / steps.size)
    numpy_full = w_prop + w_el * scale
    numpy_cpu = c_prop + c_el * scale
    ns = w_el / (pick.size * steps.size * n_sat) * 1e9
    print(
        f"elevations, {pick.size} points x {steps.size} steps: wall {w_el:.2f} s "
        f"({ns:.1f} ns per triple), load before {before}"
    )
    print(f"scaled to the full case: wall {numpy_full:.0f} s, cpu {numpy_cpu:.0f} s")
    mine = C.visible_counts(
        sats,
        START,
        grid.lat_deg[pick],
        grid.lon_deg[pick],
        grid.alt_km[pick],
        min_elevation_deg=MASK_DEG,
        step_s=STEP_S,
        duration_s=DURATION_S,
    )
    same = np.array_equal(mine[:, steps], ref_counts)
    print(f"engine counts equal brute force on the sample: {same}")

    # numba brute force on the first chunk
    print("\n## brute force, numba (no culling), first chunk")
    brute = numba_brute_kernel()
    eng = _Engine(sats, grid, MASK_DEG)
    ix = eng.index
    n = min(K.TIME_CHUNK, n_time)
    K.propagate_itrs_chunk(
        eng.consts,
        jd,
        fr,
        0,
        n,
        eng.n_block,
        eng.cos_t,
        eng.sin_t,
        eng.r_itrs_km,
        eng.ok,
        eng.r_max_km,
    )
    cnt = np.empty((n, n_point), dtype=np.int64)
    s2 = eng.sin_mask**2
    sx, sy, sz = (np.ascontiguousarray(eng.r_itrs_km[:n, :, q]) for q in range(3))
    ok = np.ascontiguousarray(eng.ok[:n])

    def run_brute():
        brute(sx, sy, sz, ok, n, ix.gx, ix.gy, ix.gz, ix.ux, ix.uy, ix.uz, s2, cnt)

    run_brute()  # compile
    before = load_average()
    _, w_nb, c_nb = timed(run_brute)
    numba_full = w_nb * n_time / n
    print(f"{n} steps: wall {w_nb:.2f} s, cpu {c_nb:.2f} s, load before {before}")
    print(f"scaled to the full case: wall {numba_full:.0f} s, cpu {c_nb * n_time / n:.0f} s")
    first = next(eng.chunks(jd, fr))[2]
    same = np.array_equal(first[:n], cnt)
    print(f"engine counts equal numba brute force (first chunk): {same}")

    print("\n## summary")
    print(f"kuiper engine, best of {args.repeats}: {best:.2f} s wall ({min(cpus):.2f} s cpu)")
    print(f"brute force NumPy (scaled): {numpy_full:.0f} s -> ratio {numpy_full / best:.0f}x")
    print(f"brute force numba, no culling (scaled): {numba_full:.0f} s -> {numba_full / best:.0f}x")
    print(f"load average now: {load_average()}")

    if not args.no_compile:
        print("\n## first call in a fresh process (10 satellites, 10 steps)")
        print("| numba cache | first call | second call |")
        print("|---|---|---|")
        compile_times()


if __name__ == "__main__":
    main()
