"""Throughput of kuiper.sgp4 against sgp4.api.SatrecArray and heyoka, in one run.

Run from the repository root::

    python benchmarks/bench_sgp4.py            # both sizes, compile/cache timings
    python benchmarks/bench_sgp4.py --quick    # the Kuiper-sized case only

Reports satellite-epochs per second (n_sat x n_time / wall seconds, best of
the repeats, median in brackets), ratios to SatrecArray, the accuracy of each
engine against SatrecArray on the benchmarked grid, kuiper's first-call
(compile) and cached-call times in fresh processes, and the machine.

Sizes:

* ``kuiper-like``: 3,236 satellites (Kuiper's licensed count) built from the
  newest shipped Kuiper snapshot, its records replicated with RAAN and mean
  anomaly spread uniformly (sgp4init, WGS72), x 1,440 one-minute steps.
* ``catalog``: the full active catalog from ../shared/data (about 16,000
  records, 5 % deep space), x 1,440 one-minute steps. heyoka has no deep-space
  (SDP4) branch and returns wrong deep-space states with error code 0 (up to
  thousands of km off), so it runs on the near-Earth records only; kuiper is
  timed on both.

Engines alternate within each round of repeats, so that background load on a
shared machine falls on all of them alike.

This is a script, not a test: numbers depend on the machine and its load.
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
SHARED_DATA = REPO.parent / "shared" / "data"
CATALOG = SHARED_DATA / "catalogs" / "active_gp_2026-08-18.csv.gz"
N_KUIPER = 3236
N_TIME = 1440


def machine() -> dict:
    info = {"python": platform.python_version()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "CPU(s)", "Thread(s) per core"):
                info[key.strip()] = value.strip()
        info["avx512f"] = "avx512f" in lscpu
    except OSError:
        pass
    import heyoka
    import numba
    import sgp4

    info["numpy"] = np.__version__
    info["numba"] = numba.__version__
    info["numba threads"] = numba.config.NUMBA_NUM_THREADS
    info["sgp4"] = sgp4.__version__
    info["heyoka"] = heyoka.__version__
    return info


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def kuiper_like(n_sat: int, seed: int = 3236) -> list:
    """``n_sat`` Satrecs cloned from the newest Kuiper snapshot with RAAN and M spread out."""
    from sgp4.api import WGS72, Satrec

    from kuiper.elements import read_elements

    newest = sorted((REPO / "tle" / "celestrak-kuiper").glob("*.tle"))[-1]
    base = read_elements(newest).elements.to_satrecs()
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n_sat):
        b = base[k % len(base)]
        s = Satrec()
        s.sgp4init(
            WGS72,
            "i",
            k + 1,
            b.jdsatepoch + b.jdsatepochF - 2433281.5,
            b.bstar,
            b.ndot,
            b.nddot,
            b.ecco,
            b.argpo,
            b.inclo,
            rng.uniform(0.0, 2.0 * np.pi),
            b.no_kozai,
            rng.uniform(0.0, 2.0 * np.pi),
        )
        out.append(s)
    return out


def one_day_grid(satrecs, n_time=N_TIME):
    """One-minute steps over a day starting at 00:00 UTC of the median epoch."""
    epochs = np.array([s.jdsatepoch + s.jdsatepochF for s in satrecs])
    jd0 = np.floor(np.median(epochs) - 0.5) + 0.5
    return np.full(n_time, jd0), np.arange(n_time) / n_time


def interleaved(fns: dict, repeats: int) -> dict[str, tuple[float, float]]:
    """{name: (best, median) wall seconds}, calling each engine once per round.

    Rounds alternate the engines so that all of them see the same background
    load (other people share this machine).
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: (min(t), float(np.median(t))) for name, t in times.items()}


def max_position_error_km(r_km, r_ref_km) -> float:
    ok = ~np.isnan(r_ref_km[..., 0])
    return float(np.max(np.linalg.norm(r_km[ok] - r_ref_km[ok], axis=-1), initial=0.0))


def run_size(label: str, satrecs, repeats: int) -> None:
    """Time the three engines on ``satrecs`` x one day of minutes; print a table."""
    import heyoka as hy
    from sgp4.api import SatrecArray

    from kuiper.sgp4 import Propagator

    n_sat = len(satrecs)
    is_near = np.array([s.method == "n" for s in satrecs])
    near = [s for s in satrecs if s.method == "n"]
    jd, fr = one_day_grid(satrecs)
    print(f"\n## {label}: {n_sat} satellites ({n_sat - len(near)} deep space) x {N_TIME} times")
    print(f"load average before: {load_average()}")

    engines = {}
    work = {}
    errors = {}

    sa = SatrecArray(satrecs)
    e_ref, r_ref, _ = sa.sgp4(jd, fr)
    engines["sgp4 SatrecArray (1 thread)"] = lambda: sa.sgp4(jd, fr)
    work["sgp4 SatrecArray (1 thread)"] = n_sat * N_TIME
    errors["sgp4 SatrecArray (1 thread)"] = 0.0

    t0 = time.perf_counter()
    prop = Propagator(satrecs)
    t_init = time.perf_counter() - t0
    out = prop.propagate(jd, fr)
    assert (out[0] == e_ref).all(), "kuiper error codes differ from SatrecArray"
    name = "kuiper Propagator.propagate(out=)"
    engines[name] = lambda: prop.propagate(jd, fr, out=out)
    work[name] = n_sat * N_TIME
    errors[name] = max_position_error_km(out[1], r_ref)
    print(f"kuiper Propagator(...) hoisting: {t_init * 1e3:.0f} ms")

    if len(near) < n_sat:
        prop_near = Propagator(near)
        out_near = prop_near.propagate(jd, fr)
        name = "kuiper, near-Earth records only"
        engines[name] = lambda: prop_near.propagate(jd, fr, out=out_near)
        work[name] = len(near) * N_TIME
        errors[name] = max_position_error_km(out_near[1], r_ref[is_near])

    # heyoka: minutes since each epoch, (n_time, n_sat) C-contiguous, its fast path.
    # It has no deep-space branch (wrong states, error code 0), so near-Earth only.
    t0 = time.perf_counter()
    hprop = hy.model.sgp4_propagator(near)
    t_build = time.perf_counter() - t0
    ep = np.array([s.jdsatepoch for s in near])
    ep_f = np.array([s.jdsatepochF for s in near])
    tsince_min = np.ascontiguousarray(
        (jd[:, None] - ep[None, :]) * 1440.0 + (fr[:, None] - ep_f[None, :]) * 1440.0
    )
    hout = np.empty((N_TIME, 7, len(near)))
    hprop(tsince_min, out=hout)
    name = "heyoka sgp4_propagator" + (", near-Earth only" if len(near) < n_sat else "")
    engines[name] = lambda: hprop(tsince_min, out=hout)
    work[name] = len(near) * N_TIME
    errors[name] = max_position_error_km(np.transpose(hout[:, :3, :], (2, 0, 1)), r_ref[is_near])
    print(f"heyoka sgp4_propagator(...) build (LLVM JIT): {t_build:.2f} s")

    result = interleaved(engines, repeats)
    print(f"load average after: {load_average()}")
    ref = "sgp4 SatrecArray (1 thread)"
    ref_rate = work[ref] / result[ref][0]
    print("\n| engine | sat-epochs/s, best (median) | x SatrecArray | max abs(dr) vs SatrecArray |")
    print("|---|---|---|---|")
    for name, (best, med) in result.items():
        rate = work[name] / best
        print(
            f"| {name} | {rate / 1e6:.1f} M/s ({work[name] / med / 1e6:.1f}) "
            f"| {rate / ref_rate:.1f} | {errors[name] * 1e6:.3g} mm |"
        )


_FIRST_CALL = r"""
import time
t0 = time.perf_counter()
import numpy as np
from sgp4.api import Satrec
from kuiper.sgp4 import propagate
s = Satrec.twoline2rv(
    "1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991",
    "2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482")
t1 = time.perf_counter()
propagate([s], np.array([2458827.5]), np.array([0.5]))
t2 = time.perf_counter()
propagate([s], np.array([2458827.5]), np.array([0.5]))
t3 = time.perf_counter()
print(f"{t2 - t1:.3f} {t3 - t2:.6f}")
"""


def first_call_times() -> None:
    """kuiper's first propagate() in fresh processes: cache off (compile), then cache on (load)."""
    print("\n## first call (fresh process, includes importing numba)")
    env = dict(os.environ)
    runs = [
        ("cache off: compile", {"KUIPER_NUMBA_CACHE": "0"}),
        ("cache on, first process (may compile and write)", {}),
        ("cache on, cached", {}),
        ("cache on, cached again", {}),
    ]
    for label, extra in runs:
        out = subprocess.run(
            [sys.executable, "-c", _FIRST_CALL],
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=True,
        )
        first, second = (float(x) for x in out.stdout.split())
        print(f"- {label}: first call {first:.2f} s, next call {second * 1e6:.0f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Kuiper-sized case only")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    print("# SGP4 benchmark")
    for key, value in machine().items():
        print(f"- {key}: {value}")
    first_call_times()
    run_size("kuiper-like", kuiper_like(N_KUIPER), args.repeats)
    if args.quick:
        return
    if not CATALOG.exists():
        print(f"\n{CATALOG} is absent: catalog size skipped")
        return
    from kuiper.elements import read_elements

    satrecs = read_elements(CATALOG).elements.to_satrecs()
    run_size(f"catalog ({CATALOG.name})", satrecs, max(2, args.repeats // 2))


if __name__ == "__main__":
    main()
