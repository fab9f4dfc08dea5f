"""The valuation kernel against its plain-NumPy oracle, and `value_kuiper` end to end.

Run from the repository root::

    python benchmarks/bench_value.py

On a synthetic forecast (deployment ramps of 15-60 satellites a month, as in the tests) it
reports:

* first-call times of the kernel in fresh processes: cache off (compile) and cache on
  (load), in a temporary ``NUMBA_CACHE_DIR``;
* the static valuation of 2,000 trials x 232 months by the numba kernel and by the NumPy
  oracle of ``tests/reference_value.py`` on the same inputs, alternating (best of 3), and
  their ratio;
* ``value_kuiper`` at the default 20,000 trials (fits, premiums, regulation and
  scenarios included; the forecast is given, not run);
* the machine and its load.

This is a script, not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

FIRST_CALL = """
import time, datetime as dt, sys
sys.path[:0] = [{src!r}, {tests!r}]
from test_valuation import ramp_forecast
from kuiper.value import load_valuation_config
from kuiper.value import model as V
fc = ramp_forecast(dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
cfg = load_valuation_config()
prep = V._prepare(fc, cfg, 100, 1)
inp = V._inputs(prep, cfg)
paths = V._paths(prep, inp, prep.evaluation)
t = time.perf_counter()
V._run(prep, inp, paths)
print(time.perf_counter() - t)
"""


def first_call(cache: bool, cache_dir: str) -> float:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, KUIPER_NUMBA_CACHE="1" if cache else "0")
    code = FIRST_CALL.format(src=str(REPO / "src"), tests=str(REPO / "tests"))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return float(out.stdout.split()[-1])


def main() -> None:
    import numpy as np

    from kuiper.value import load_valuation_config, value_kuiper
    from kuiper.value import model as V
    from reference_value import naive_valuation_static
    from test_valuation import ramp_forecast

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"load before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as cache_dir:
        cold = first_call(False, cache_dir)
        first_call(True, cache_dir)  # write the cache
        warm = first_call(True, cache_dir)
    print(f"first call: compile {cold:.2f} s (cache off), from cache {warm:.3f} s")

    fc = ramp_forecast(dt.datetime(2026, 10, 1, tzinfo=dt.UTC), n_month=112)
    cfg = load_valuation_config()
    prep = V._prepare(fc, cfg, 2000, 1)
    inp = V._inputs(prep, cfg)
    paths = V._paths(prep, inp, prep.evaluation)
    V._run(prep, inp, paths)
    kernel, oracle = [], []
    for _ in range(3):
        t = time.perf_counter()
        k = V._run(prep, inp, paths)["leo"]
        kernel.append(time.perf_counter() - t)
        t = time.perf_counter()
        o, _ = naive_valuation_static(prep, inp, paths)
        oracle.append(time.perf_counter() - t)
    assert np.allclose(k, o, rtol=1e-9, atol=1.0)
    n_month = prep.t_yr.shape[0]
    print(
        f"static, 2,000 trials x {n_month} months: kernel {min(kernel) * 1e3:.1f} ms, "
        f"NumPy oracle {min(oracle) * 1e3:.1f} ms, ratio {min(oracle) / min(kernel):.1f}x"
    )
    t = time.perf_counter()
    value_kuiper(forecast=fc, trials=20_000, seed=2026)
    print(f"value_kuiper, 20,000 trials (forecast given): {time.perf_counter() - t:.1f} s")
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
