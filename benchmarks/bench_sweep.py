"""``kuiper sweep`` on Dask: speedup of 2 workers over 1, per-run overhead, numba cache.

Run from the repository root::

    python benchmarks/bench_sweep.py            # 16 runs; about 3 minutes on 2 cores
    python benchmarks/bench_sweep.py --quick    # 4 short runs, to check the script

The sweep: 16 coverage runs of the full Gen-1 design (3,236 satellites), 4 hours
at 30 s steps on the 1 degree grid, cities included: min_elevation 25/30/35/40
x k 1/2 x date 2027-01-01/2028-01-01 (about 2 s each on one core).

Measured in the same run, each with an empty cache:

* **direct**: ``kuiper.coverage.estimate_coverage`` with the same arguments and
  ``to_dict()``, in this process, interleaved run by run with
* **sweep, in-process**: ``kuiper.sweep.run_one``, the path every sweep run takes
  (the click command with ``--json``, captured and parsed). Overhead per run =
  its time over direct's, run by run.
* **1 worker vs 2 workers**: a ``LocalCluster`` of 1 and of 2 single-threaded
  worker processes with ``NUMBA_NUM_THREADS=1`` each (one core per worker), the
  sweep sent to its address. Cluster start-up is timed apart from the sweep.
* **``--scheduler none`` vs ``local``** as a user on this machine gets them: one
  process whose parallel kernels use both cores, against the default local
  cluster (2 workers x 1 numba thread).
* **numba cache on a fresh worker**: the first and second run on a new
  1-worker cluster, with the on-disk numba cache (warm) and with
  ``NUMBA_CACHE_DIR`` pointed at an empty folder (cold: the worker compiles).

Load averages are printed around every phase: the machine is shared.
This is a script, not a test.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

BASE = {"duration": 14400, "step": 30, "grid_deg": 1.0}
GRID = {
    "min_elevation": [25.0, 30.0, 35.0, 40.0],
    "k": [1, 2],
    "date": ["2027-01-01", "2028-01-01"],
}
QUICK_BASE = {"duration": 3600, "step": 60, "grid_deg": 2.0}
QUICK_GRID = {"min_elevation": [25.0, 35.0], "k": [1, 2]}


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min) {five:.2f} (5 min)"


def write_spec(folder: Path, base: dict, grid: dict) -> Path:
    lines = ['kind = "coverage"', "[base]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in base.items()]
    lines += ["[grid]"] + [f"{k} = {json.dumps(v)}" for k, v in grid.items()]
    path = folder / "bench.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def direct(params: dict) -> dict:
    from kuiper.coverage import estimate_coverage

    return estimate_coverage(
        "design",
        date=params.get("date"),
        min_elevation_deg=params["min_elevation"],
        k=params["k"],
        grid_deg=params["grid_deg"],
        step_s=params["step"],
        duration_s=params["duration"],
    ).to_dict(points=False)


def overhead(spec) -> dict:
    """Direct library call against the sweep's run path, interleaved run by run."""
    from kuiper import __version__
    from kuiper.sweep import run_one

    direct(spec.runs[0].params)  # load the numba cache into this process first
    t_direct, t_sweep = [], []
    for i, run in enumerate(spec.runs):
        order = ("direct", "sweep") if i % 2 == 0 else ("sweep", "direct")
        for which in order:
            start = time.perf_counter()
            if which == "direct":
                expected = direct(run.params)
                t_direct.append(time.perf_counter() - start)
            else:
                out = run_one(spec.kind, list(run.argv), __version__)
                t_sweep.append(time.perf_counter() - start)
        expected = json.loads(json.dumps(expected))
        got = out["result"]
        assert {k: v for k, v in got.items() if k != "elapsed_s"} == {
            k: v for k, v in expected.items() if k != "elapsed_s"
        }, "the sweep's result differs from the library's"
    ratios = [s / d - 1 for s, d in zip(t_sweep, t_direct, strict=True)]
    return {
        "direct_s": sum(t_direct),
        "sweep_s": sum(t_sweep),
        "overhead_total": sum(t_sweep) / sum(t_direct) - 1,
        "overhead_median_run": statistics.median(ratios),
        "overhead_s_per_run": statistics.median(
            [s - d for s, d in zip(t_sweep, t_direct, strict=True)]
        ),
    }


def on_cluster(spec, n_workers: int, env: dict, cache: Path) -> dict:
    from dask.distributed import LocalCluster

    from kuiper.sweep import run_sweep

    start = time.perf_counter()
    with LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        env=env,
        silence_logs=logging.ERROR,
    ) as cluster:
        started = time.perf_counter()
        result = run_sweep(spec, scheduler=cluster.scheduler_address, cache_dir=cache)
        finished = time.perf_counter()
    assert not result.failures, result.failures
    return {
        "startup_s": started - start,
        "sweep_s": finished - started,
        "run_s": result.seconds,
        "result": result,
    }


def end_to_end(spec, scheduler: str, cache: Path) -> dict:
    from kuiper.sweep import run_sweep

    start = time.perf_counter()
    result = run_sweep(spec, scheduler=scheduler, cache_dir=cache)
    return {"wall_s": time.perf_counter() - start, "result": result}


def strip(result) -> list:
    return [
        {**r, "result": {k: v for k, v in r["result"].items() if k != "elapsed_s"}}
        for r in result.runs
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 short runs")
    args = parser.parse_args()
    base, grid = (QUICK_BASE, QUICK_GRID) if args.quick else (BASE, GRID)

    from kuiper import __version__
    from kuiper.sweep import load_spec

    print(f"kuiper {__version__}, Python {platform.python_version()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        spec = load_spec(write_spec(tmp, base, grid))
        n = len(spec.runs)
        print(f"{n} coverage runs; {load()}")

        o = overhead(spec)
        print(
            f"direct {o['direct_s']:.2f} s, sweep run path {o['sweep_s']:.2f} s: overhead "
            f"{100 * o['overhead_total']:+.2f} % in total, median run "
            f"{100 * o['overhead_median_run']:+.2f} % ({1000 * o['overhead_s_per_run']:+.1f} ms)"
            f"; {load()}"
        )

        one_core = {"NUMBA_NUM_THREADS": "1"}
        w1 = on_cluster(spec, 1, one_core, tmp / "c1")
        print(
            f"1 worker : start-up {w1['startup_s']:.2f} s, sweep {w1['sweep_s']:.2f} s "
            f"(runs {sum(w1['run_s']):.2f} s); {load()}"
        )
        w2 = on_cluster(spec, 2, one_core, tmp / "c2")
        print(
            f"2 workers: start-up {w2['startup_s']:.2f} s, sweep {w2['sweep_s']:.2f} s "
            f"(runs {sum(w2['run_s']):.2f} s); {load()}"
        )
        print(
            f"speedup 2 over 1 workers: {w1['sweep_s'] / w2['sweep_s']:.2f}x sweep only, "
            f"{(w1['startup_s'] + w1['sweep_s']) / (w2['startup_s'] + w2['sweep_s']):.2f}x "
            "with start-up"
        )
        print(
            "dask per-run overhead (1 worker, sweep wall over the runs' own time): "
            f"{100 * (w1['sweep_s'] / sum(w1['run_s']) - 1):+.2f} %"
        )

        none = end_to_end(spec, "none", tmp / "c3")
        local = end_to_end(spec, "local", tmp / "c4")
        print(
            f"--scheduler none (1 process, numba on all cores) {none['wall_s']:.2f} s, "
            f"--scheduler local (2 x 1 core) {local['wall_s']:.2f} s: "
            f"{none['wall_s'] / local['wall_s']:.2f}x; {load()}"
        )
        same = strip(w1["result"]) == strip(w2["result"]) == strip(none["result"])
        assert same and strip(local["result"]) == strip(none["result"]), "results differ"
        print("results equal across 1 worker, 2 workers, none and local")

        small = load_spec(write_spec(tmp, QUICK_BASE, {"k": [1, 2]}))
        for label, env in (
            ("warm numba cache", one_core),
            ("cold numba cache", {**one_core, "NUMBA_CACHE_DIR": str(tmp / "numba")}),
        ):
            fresh = on_cluster(small, 1, env, tmp / f"c-{label}")
            first, second = fresh["run_s"]
            print(
                f"fresh worker, {label}: first run {first:.2f} s, second {second:.2f} s; {load()}"
            )


if __name__ == "__main__":
    main()
