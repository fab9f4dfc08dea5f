"""Coverage timeline against the direct way, in one run.

Run from the repository root::

    python benchmarks/bench_timeline.py

The case: a forecast (20,000 trials from the shipped snapshots' newest data), then
``kuiper.coverage.coverage_timeline``: coverage by month to 2035 at P10/P50/P90.

* **timeline** (shipped curve, interpolation): timed warm in this process and cold in
  a fresh process (imports, CSV read), without the forecast.
* **curve computed** (``coverage_vs_satellites(..., shipped=False)``): the 33 engine
  runs behind the table, for a parameter set the table does not hold.
* **direct** (the peer): ``estimate_coverage`` at each month's P50 count on the same
  coarse grid and window (one engine run per distinct count), timed on 12 months and
  scaled to all months; its values are compared with the timeline's.

Accuracy of the coarse curve: ``estimate_coverage`` on the 1 deg grid at 30 s over a
day, at three counts, against the curve's interpolation. This is a script, not a test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    from kuiper import coverage as C
    from kuiper.coverage import timeline as T
    from kuiper.forecast import forecast_deployment
    from kuiper.store import Store

    print("# Coverage timeline benchmark")
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as tmp, Store(os.path.join(tmp, "k.sqlite")) as store:
        t = time.perf_counter()
        fc = forecast_deployment(store, trials=20_000)
        print(
            f"forecast, 20,000 trials: {time.perf_counter() - t:.2f} s (not part of the timeline)"
        )
    t = time.perf_counter()
    tl = C.coverage_timeline(fc)
    first = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(20):
        C.coverage_timeline(fc)
    warm = (time.perf_counter() - t) / 20
    n_month = len(tl.month_end)
    print(f"timeline, {n_month} months x 3 quantiles: first call {first:.3f} s, warm {warm:.4f} s")
    code = (
        "import time; t=time.perf_counter(); from kuiper.coverage import timeline as T; "
        "c=T.coverage_vs_satellites(); print(time.perf_counter()-t)"
    )
    cold = float(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
    )
    print(f"fresh process, import + shipped curve: {cold:.3f} s")

    t = time.perf_counter()
    T.coverage_vs_satellites("gen1", 35.0, 0.0, shipped=False)
    print(
        f"curve computed (33 engine runs, 4 deg grid + cities, 3 h at 120 s): "
        f"{time.perf_counter() - t:.1f} s"
    )

    counts = np.unique(tl.on_station[:, 1])
    sats, _ = C.design_satrecs(None, "2026-01-01")
    pick = counts[np.linspace(0, counts.size - 1, min(12, counts.size)).astype(int)]
    t = time.perf_counter()
    direct = T._compute_curve("gen1", 35.0, 0.0, counts=pick)
    per = (time.perf_counter() - t) / pick.size
    print(
        f"direct: {per:.2f} s per distinct count; {counts.size} distinct P50 counts and "
        f"{np.unique(tl.on_station).size} over all quantiles -> "
        f"{per * np.unique(tl.on_station).size:.1f} s; ratio to the warm timeline "
        f"{per * np.unique(tl.on_station).size / warm:,.0f}x"
    )
    interp_a, _ = tl.curve.at(direct.n_satellites)
    print(
        f"interpolated vs direct, area-weighted: max |diff| "
        f"{np.abs(interp_a - direct.area_weighted).max():.4f}"
    )

    print("\n## coarse curve vs a 1 deg, 30 s, one-day run")
    for n in (578, 1226, 3236):
        fine = C.estimate_coverage("design", n_satellites=n, cities=False).global_area_weighted
        coarse, _ = tl.curve.at([n])
        print(f"n = {n:>5}: fine {fine:.4f}, curve {coarse[0]:.4f}, diff {coarse[0] - fine:+.4f}")
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
