"""The tornado: how Kuiper's value moves as each assumption swings from its low to its high."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from ..errors import KuiperError
from .config import _NOT_IN_TORNADO, ValuationConfig, _resolve_config
from .model import _forecast_for, _prepare, check_seed, value_summaries


def tornado(
    store=None,
    *,
    forecast=None,
    as_of: dt.datetime | str | None = None,
    trials: int = 5_000,
    seed: int = 2026,
    config: ValuationConfig | str | Path | None = None,
    parameters: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Sensitivity of the total's mean and P50 to each assumption swung to its low and high.

    Every run uses the same forecast and random draws (common random numbers) and refits
    the exercise rules. Returns a plain dict::

        {"as_of", "currency", "trials", "seed", "base": {"mean", "p50", "static_mean"},
         "rows": [{"name", "unit", "tag", "low", "base", "high",
                   "mean_low", "mean_high", "p50_low", "p50_high",
                   "static_mean_low", "static_mean_high", "swing"}, ...]}

    with rows sorted by ``swing`` (|mean_high - mean_low|), largest first.
    """
    check_seed(seed)
    cfg = _resolve_config(config)
    fc = _forecast_for(store, forecast, as_of, seed)
    prep = _prepare(fc, cfg, trials, seed)
    names = parameters or [
        p for p, a in cfg.parameters.items() if p not in _NOT_IN_TORNADO and a.low != a.high
    ]
    for p in names:
        if p not in cfg.parameters:
            raise KuiperError(f"tornado: unknown parameter {p!r}")
    steps = 1 + 2 * len(names)
    base_total, base_static = value_summaries(prep, cfg)
    if progress:
        progress(1, steps)
    rows = []
    for k, p in enumerate(names):
        a = cfg.parameters[p]
        lo_total, lo_static = value_summaries(prep, cfg.with_values(**{p: a.low}))
        hi_total, hi_static = value_summaries(prep, cfg.with_values(**{p: a.high}))
        rows.append(
            {
                "name": p,
                "unit": a.unit,
                "tag": a.tag,
                "low": a.low,
                "base": a.base,
                "high": a.high,
                "mean_low": lo_total["mean"],
                "mean_high": hi_total["mean"],
                "p50_low": lo_total["p50"],
                "p50_high": hi_total["p50"],
                "static_mean_low": lo_static["mean"],
                "static_mean_high": hi_static["mean"],
                "swing": abs(hi_total["mean"] - lo_total["mean"]),
            }
        )
        if progress:
            progress(2 + 2 * k + 1, steps)
    rows.sort(key=lambda r: -r["swing"])
    return {
        "as_of": prep.as_of.isoformat().replace("+00:00", "Z"),
        "currency": "USD",
        "trials": trials,
        "seed": seed,
        "base": {
            "mean": base_total["mean"],
            "p50": base_total["p50"],
            "static_mean": base_static["mean"],
        },
        "rows": rows,
    }


def render_tornado(result: dict) -> str:
    """A plain-text tornado table (USD billions)."""
    b = result["base"]
    lines = [
        f"Tornado of the total value as of {result['as_of'][:10]} "
        f"({result['trials']:,} trials, seed {result['seed']}; USD billions)",
        f"base: total mean {b['mean'] / 1e9:.2f}, P50 {b['p50'] / 1e9:.2f}; "
        f"static NPV mean {b['static_mean'] / 1e9:.2f}",
        "",
        f"{'assumption':<36}{'low':>9}{'high':>9}{'mean@lo':>9}{'mean@hi':>9}"
        f"{'P50@lo':>9}{'P50@hi':>9}{'static@lo':>11}{'static@hi':>11}",
    ]
    for r in result["rows"]:
        lines.append(
            f"{r['name']:<36}{_short(r['low']):>9}{_short(r['high']):>9}"
            f"{r['mean_low'] / 1e9:>9.2f}{r['mean_high'] / 1e9:>9.2f}"
            f"{r['p50_low'] / 1e9:>9.2f}{r['p50_high'] / 1e9:>9.2f}"
            f"{r['static_mean_low'] / 1e9:>11.2f}{r['static_mean_high'] / 1e9:>11.2f}"
        )
    return "\n".join(lines)


def _short(x: float) -> str:
    if abs(x) >= 1e9:
        return f"{x / 1e9:.3g}B"
    if abs(x) >= 1e6:
        return f"{x / 1e6:.3g}M"
    return f"{x:.3g}"
