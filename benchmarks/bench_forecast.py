"""The deployment forecast's engines: numba against NumPy, in one run.

Run from the repository root::

    python benchmarks/bench_forecast.py            # everything (about two minutes)
    python benchmarks/bench_forecast.py --quick    # smaller runs, no 1M-trial timing

On the full shipped manifest as of the newest data in a freshly seeded store, it
reports:

* first-call times in fresh processes: cache off (compile), cache on in an empty
  ``NUMBA_CACHE_DIR`` (compile and write), cache on again (load);
* trials per second of the numba kernel and of the NumPy engine on the same inputs,
  in alternating rounds so that background load falls on both alike (best, median),
  and the kernel's CPU time per trial on one thread;
* 1,000,000 trials end to end through ``forecast_deployment`` (wall time, with the
  split between building inputs, the kernel and summarising);
* agreement: milestone and reach probabilities and monthly quantiles from the two
  engines side by side, with Monte Carlo standard errors;
* the machine and its load.

This is a script, not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def machine() -> dict:
    import numba

    info = {"python": platform.python_version(), "nproc": os.cpu_count()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "Thread(s) per core", "L2 cache"):
                info[key.strip()] = value.strip()
    except OSError:
        pass
    info["numpy"] = np.__version__
    info["numba"] = numba.__version__
    info["numba threads"] = numba.config.NUMBA_NUM_THREADS
    return info


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


_FIRST_CALL = r"""
import sys, time
t0 = time.perf_counter()
from kuiper.store import Store
from kuiper.forecast import _run_numba, build_inputs, load_forecast_manifest
s = Store(sys.argv[1])
inputs = build_inputs(s, s.data_through(), load_forecast_manifest())
targets = [("in_orbit", 1616), ("on_station", 578)]
t1 = time.perf_counter()
_run_numba(inputs, targets, 1000, 1, None)
t2 = time.perf_counter()
_run_numba(inputs, targets, 1000, 1, None)
t3 = time.perf_counter()
import numba
print(f"{t2 - t1:.3f} {t3 - t2:.6f} {numba.threading_layer()}")
"""


def first_call_times(db: Path) -> None:
    print("\n## First call (fresh process; 1,000 trials; after importing and building inputs)")
    with tempfile.TemporaryDirectory() as cache_dir:
        runs = [
            ("cache off (`KUIPER_NUMBA_CACHE=0`): compile", {"KUIPER_NUMBA_CACHE": "0"}),
            (
                "cache on, empty `NUMBA_CACHE_DIR`: compile and write",
                {"NUMBA_CACHE_DIR": cache_dir},
            ),
            ("cache on, loaded from the cache", {"NUMBA_CACHE_DIR": cache_dir}),
        ]
        for label, extra in runs:
            out = subprocess.run(
                [sys.executable, "-c", _FIRST_CALL, str(db)],
                env={**os.environ, **extra},
                capture_output=True,
                text=True,
                check=True,
            )
            first, second, layer = out.stdout.split()
            print(
                f"- {label}: first call {float(first):.2f} s, next call "
                f"{float(second) * 1e3:.1f} ms (threading layer {layer})"
            )


def throughput(inputs, targets, n_numba: int, n_numpy: int, rounds: int) -> None:
    import numba

    from kuiper.forecast import _run_numba
    from kuiper.forecast._numpy import simulate_numpy

    print(f"\n## Throughput (as of {inputs.as_of:%Y-%m-%d %H:%M} UTC, full shipped manifest)")
    print(f"load average before: {load_average()}")
    _run_numba(inputs, targets, 1000, 1, None)
    simulate_numpy(inputs, targets, 1000, 1)
    engines = {
        f"numba kernel ({numba.get_num_threads()} threads)": (
            n_numba,
            lambda: _run_numba(inputs, targets, n_numba, 1, None),
        ),
        "NumPy engine (batches of 10,000)": (
            n_numpy,
            lambda: simulate_numpy(inputs, targets, n_numpy, 1),
        ),
    }
    times = {name: [] for name in engines}
    cpu = {name: [] for name in engines}
    for _ in range(rounds):
        for name, (_, fn) in engines.items():
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    print(f"load average after: {load_average()}")
    print("\n| engine | trials | trials/s, best (median) | us/trial wall | CPU us/trial |")
    print("|---|---|---|---|---|")
    rates = {}
    for name, (n, _) in engines.items():
        best, med = min(times[name]), float(np.median(times[name]))
        rates[name] = n / best
        print(
            f"| {name} | {n:,} | {n / best:,.0f} ({n / med:,.0f}) | {best / n * 1e6:.2f} "
            f"| {min(cpu[name]) / n * 1e6:.2f} |"
        )
    numba_rate, numpy_rate = rates.values()
    print(f"\nnumba / NumPy = {numba_rate / numpy_rate:.1f}")

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        one = []
        for _ in range(rounds):
            c0 = time.process_time()
            _run_numba(inputs, targets, n_numba // 2, 1, None)
            one.append(time.process_time() - c0)
    finally:
        numba.set_num_threads(before)
    print(f"numba kernel on one thread: {min(one) / (n_numba // 2) * 1e6:.2f} CPU us/trial")


def end_to_end(store, n: int, repeats: int):
    """``n`` trials through forecast_deployment, timed; returns the kernel's output.

    The step split times ``build_inputs`` with the purchase planning (its 2,000 pilot
    trials) as one step, as ``forecast_deployment`` runs them.
    """
    from kuiper import forecast as F
    from kuiper.forecast.engine import plan_purchases
    from kuiper.forecast.result import _summarise as summarise

    print(f"\n## {n:,} trials end to end (`forecast_deployment`, seed 2026)")
    print(f"load average before: {load_average()}")
    F.forecast_deployment(store, trials=1000, seed=1)  # compile or load the kernel
    walls = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        F.forecast_deployment(store, trials=n, seed=2026)
        walls.append(time.perf_counter() - t0)
    # The same work in its three steps.
    manifest = F.load_forecast_manifest()
    t0 = time.perf_counter()
    inputs = F.build_inputs(store, store.data_through(), manifest)
    # The operator's purchase, planned as forecast_deployment plans it (2,000 trials).
    inputs = plan_purchases(inputs, 2026)
    t1 = time.perf_counter()
    milestones = F.default_milestones()
    targets = [(m.metric, m.target) for m in milestones] + [("on_station", 578)]
    result = F._run_numba(inputs, targets, n, 2026, None)
    t2 = time.perf_counter()
    summarise(store, inputs, milestones, targets, result, n, 2026)
    t3 = time.perf_counter()
    print(f"load average after: {load_average()}")
    print(
        f"wall: best {min(walls):.2f} s, all {', '.join(f'{w:.2f}' for w in walls)} s; "
        f"steps: build_inputs {t1 - t0:.2f} s, kernel {t2 - t1:.2f} s, "
        f"summarise {t3 - t2:.2f} s"
    )
    return inputs, targets, result.hist, result.reach


def _quantile(h, q):
    c = np.cumsum(h)
    return int(np.searchsorted(c, q * c[-1], side="left"))


def _mean_se(h):
    n = h.sum()
    x = np.arange(h.shape[0])
    mean = (h * x).sum() / n
    sd = math.sqrt((h * (x - mean) ** 2).sum() / n)
    return mean, sd / math.sqrt(n)


def agreement(inputs, targets, hist_a, reach_a, n_numpy: int) -> None:
    from kuiper.forecast import METRICS, default_milestones
    from kuiper.forecast._numpy import simulate_numpy
    from kuiper.timescale import UTC

    n_a = reach_a.shape[0]
    print(f"\n## Agreement: numba ({n_a:,} trials, seed 2026) against NumPy ({n_numpy:,}, seed 7)")
    hist_b, reach_b, *_ = simulate_numpy(inputs, targets, n_numpy, 7)
    n_b = reach_b.shape[0]

    print("\n| target | by | numba P | NumPy P | difference / SE |")
    print("|---|---|---|---|---|")
    deadlines = {(ms.metric, ms.target): ms.deadline_utc for ms in default_milestones()}
    horizon = inputs.horizon_utc
    for k, (metric, count) in enumerate(targets):
        for label, date in (("deadline", deadlines.get((metric, count))), ("horizon", horizon)):
            if date is None:
                continue
            end = dt.datetime.combine(date, dt.time(23, 59, 59, 999999), tzinfo=UTC)
            day = (end - inputs.as_of) / dt.timedelta(days=1)
            if day <= 0:
                continue
            p_a, p_b = (reach_a[:, k] <= day).mean(), (reach_b[:, k] <= day).mean()
            pooled = (p_a * n_a + p_b * n_b) / (n_a + n_b)
            se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
            z = (p_a - p_b) / se if se > 0 else 0.0
            print(f"| {count:,} {metric} | {label} {date} | {p_a:.4f} | {p_b:.4f} | {z:+.1f} |")

    print(
        "\n| month end | metric | numba P5 / P50 / P95 | NumPy P5 / P50 / P95 "
        "| mean (SE) numba | mean (SE) NumPy | z |"
    )
    print("|---|---|---|---|---|---|---|")
    n_month = hist_a.shape[0]
    for m in sorted({0, 12, 36, 60, n_month - 1}):
        for i, metric in enumerate(METRICS):
            qa = " / ".join(str(_quantile(hist_a[m, i], q)) for q in (0.05, 0.5, 0.95))
            qb = " / ".join(str(_quantile(hist_b[m, i], q)) for q in (0.05, 0.5, 0.95))
            (ma, sa), (mb, sb) = _mean_se(hist_a[m, i]), _mean_se(hist_b[m, i])
            z = (ma - mb) / math.hypot(sa, sb) if sa + sb > 0 else 0.0
            print(
                f"| {inputs.month_end[m]} | {metric} | {qa} | {qb} | {ma:.1f} ({sa:.2f}) "
                f"| {mb:.1f} ({sb:.2f}) | {z:+.1f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, no 1M timing")
    args = parser.parse_args()

    from kuiper.store import Store

    print("# Forecast engine benchmark")
    for key, value in machine().items():
        print(f"- {key}: {value}")
    print(f"- load average: {load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        with Store(db):  # seeds itself from the shipped snapshots
            pass
        first_call_times(db)
        with Store(db) as store:
            from kuiper.forecast import build_inputs, default_milestones, load_forecast_manifest

            if args.quick:
                from kuiper.forecast.engine import plan_purchases

                inputs = build_inputs(store, store.data_through(), load_forecast_manifest())
                inputs = plan_purchases(inputs, 2026)
                targets = [(m.metric, m.target) for m in default_milestones()]
                targets.append(("on_station", 578))
                throughput(inputs, targets, 100_000, 10_000, 2)
                from kuiper.forecast import _run_numba

                hist, reach, *_ = _run_numba(inputs, targets, 100_000, 2026, None)
                agreement(inputs, targets, hist, reach, 20_000)
                return
            inputs, targets, hist, reach = end_to_end(store, 1_000_000, 3)
            throughput(inputs, targets, 400_000, 40_000, 3)
            agreement(inputs, targets, hist, reach, 200_000)


if __name__ == "__main__":
    main()
