"""The reference-class backtest in two panels (``kuiper backtest --reference -o``)."""

from __future__ import annotations

import numpy as np

from ..errors import KuiperError
from ._base import two_rows

HORIZON_COLOURS = {12: "#4c72b0", 36: "#dd8452"}


def plot_reference_backtest(result, *, horizons=(12, 36), axes=None):
    """Forecasts against what was launched, and coverage by horizon.

    (a) The realized launched count at each month end (black) and, for each origin,
    the forecast ``h`` months ahead for each ``h`` in ``horizons``: P5-P95 (thin),
    P25-P75 (thick) and the median, drawn at the month end it forecasts. (b) The
    share of realized counts inside the 50% and 90% intervals at each horizon month,
    against the nominal rates, with the 12-36-month band shaded.

    Parameters
    ----------
    result : kuiper.forecast.reference_backtest.ReferenceBacktest
    horizons : tuple of int
        Months ahead drawn in panel (a).
    axes : two Axes, optional

    Returns
    -------
    list of Axes
    """
    a, b = two_rows(axes, (12, 8.5), (3, 2))
    realized = sorted({(s["date"], s["observed"]) for o in result.origins for s in o["scores"]})
    if not realized:
        raise KuiperError("the backtest has no scores to draw")
    a.step(
        np.array([d for d, _ in realized], dtype="datetime64[D]"),
        [y for _, y in realized],
        where="post",
        color="black",
        lw=1.4,
        label="realized (launched)",
    )
    for k, h in enumerate(horizons):
        rows = [s for o in result.origins for s in o["scores"] if s["horizon_months"] == h]
        if not rows:
            continue
        # Side by side: shift each horizon a few days so the bars do not overlap.
        t = np.array([s["date"] for s in rows], dtype="datetime64[D]") + np.timedelta64(
            6 * k - 3, "D"
        )
        colour = HORIZON_COLOURS.get(h, "#55a868")
        q = {p: np.array([s[p] for s in rows]) for p in ("p05", "p25", "p50", "p75", "p95")}
        a.vlines(t, q["p05"], q["p95"], color=colour, lw=1.0, alpha=0.5)
        a.vlines(t, q["p25"], q["p75"], color=colour, lw=3.5, alpha=0.8)
        label = f"forecast {h} months ahead"
        a.plot(t, q["p50"], "o", ms=3, color="white", mec=colour, label=label)
    r = result.reference
    a.set_title(
        f"(a) {r['name']}: satellites launched, and forecasts made months earlier "
        "(P5-P95 thin, P25-P75 thick, median dot)",
        fontsize=10,
    )
    a.set_ylabel("satellites launched")
    a.legend(loc="upper left", fontsize=8)

    h = np.array([x["horizon_months"] for x in result.by_horizon])
    for key, nominal, style, colour in (
        ("coverage50", 0.5, "o-", "#4c72b0"),
        ("coverage90", 0.9, "s-", "#dd8452"),
    ):
        b.plot(h, [x[key] for x in result.by_horizon], style, ms=3, color=colour, label=key)
        b.axhline(nominal, color=colour, ls=":", lw=1)
    b.axvspan(11.5, 36.5, color="#cccccc", alpha=0.3, lw=0, label="12-36 months")
    b.set_xlabel("months ahead")
    b.set_ylabel("share inside the interval")
    b.set_ylim(0, 1.02)
    b.set_title(
        f"(b) Interval coverage by horizon, pooled over {result.summary['origins']} origins "
        "(dotted: nominal 50% and 90%)",
        fontsize=10,
    )
    b.legend(loc="lower left", fontsize=8)
    return [a, b]
