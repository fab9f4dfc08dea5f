"""Issue 11's 17-origin check: the forecast of launched at 2026-07-31 from each snapshot.

From each of the 17 snapshot origins 2025-07-15 .. 2026-06-27 (as of the end of the
day, 20,000 trials, seed 2026), the P50 and the 90% interval of satellites launched at
the 2026-07-31 month end, against the realized 396 (launches.toml). Prints a table and
the median absolute error of the P50. Run: python tools/origins_check.py [--contracted-only]
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile

import numpy as np

ORIGINS = (
    "2025-07-15 2025-08-15 2025-09-14 2025-10-15 2025-11-23 2025-12-18 2026-01-14 "
    "2026-01-30 2026-02-28 2026-03-15 2026-03-30 2026-04-14 2026-04-29 2026-05-14 "
    "2026-05-30 2026-06-13 2026-06-27"
).split()
REALIZED = 396
TRIALS = 20_000


def main() -> None:
    from kuiper.forecast import forecast_deployment
    from kuiper.forecast.backtest import central_interval, hist_quantile
    from kuiper.store import Store

    contracted_only = "--contracted-only" in sys.argv
    db = os.environ.get("KUIPER_DB") or os.path.join(tempfile.mkdtemp(), "k.sqlite")
    errors, inside = [], 0
    print(f"{'origin':<12}{'P5':>6}{'P50':>6}{'P95':>6}  error   holds {REALIZED}")
    with Store(db) as store:
        for origin in ORIGINS:
            d = dt.date.fromisoformat(origin)
            as_of = dt.datetime.combine(d, dt.time(23, 59, 59), tzinfo=dt.UTC)
            f = forecast_deployment(
                store, as_of=as_of, trials=TRIALS, seed=2026, contracted_only=contracted_only
            )
            h = f.distribution("launched", dt.date(2026, 7, 31))
            p50 = hist_quantile(h, 0.5)
            lo, hi = central_interval(h, 0.90)
            err = (p50 - REALIZED) / REALIZED
            errors.append(abs(err))
            inside += lo <= REALIZED <= hi
            print(f"{origin:<12}{lo:>6}{p50:>6}{hi:>6}  {err:+6.1%}  {lo <= REALIZED <= hi}")
    print(
        f"median absolute error {np.median(errors):.1%}; "
        f"90% intervals holding {REALIZED}: {inside}/{len(ORIGINS)}"
    )


if __name__ == "__main__":
    main()
