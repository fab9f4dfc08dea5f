"""Reference-class backtests: the forecast run on another constellation's history.

The Kuiper backtest (:mod:`.backtest`) scores forecasts against one trajectory and
at most about a year ahead. A reference class (:mod:`.reference`: OneWeb Gen-1,
Iridium NEXT) tests the long horizon on histories the model was not built on:
forecasts from the launch log and the dated manifest alone, as of each month end of
the deployment, scored against what was launched up to 36 months later, with the
Kuiper backtest's scores and JSON.

Nothing dated after an origin is used: launches by date, manifest facts by
``known_utc``. There is no element history: the forecast starts from the satellites
launched (launched = in orbit) and only the launched count is scored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import numpy as np

from ..errors import KuiperError
from .backtest import Backtest, _end_of_day, _pool, crps_from_hist, hist_quantile
from .inputs import (
    DEFAULT_PROFILE,
    ForecastInputs,
    _month_ends,
    model_parameters,
    purchase_inputs,
    vehicle_inputs,
)
from .reference import ReferenceClass

__all__ = ["BUCKETS", "ReferenceBacktest", "reference_backtest", "reference_inputs"]

DEFAULT_REFERENCE_TRIALS = 20_000
# Horizon buckets (months) of the summary; 12-36 is the long horizon the Kuiper
# backtest cannot reach.
BUCKETS = ((1, 3), (4, 6), (7, 11), (12, 24), (25, 36), (12, 36))
QUANTILES = {"p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


# ---------------------------------------------------------------------------
# Forecasting from the log alone


def reference_inputs(ref: ReferenceClass, origin: dt.date) -> ForecastInputs:
    """The engine's inputs as of the end of ``origin``, from the log and manifest alone."""
    as_of = _end_of_day(origin)
    log = [la for la in ref.launches if la.launch_date_utc <= origin]
    manifest = ref.manifest
    vehicles, contracts, events = vehicle_inputs(manifest, log, as_of)
    launched = ref.launched_by(origin)
    after = origin + dt.timedelta(days=1)
    months = _month_ends(after, manifest.horizon_utc)[: ref.horizon_months]
    return ForecastInputs(
        as_of=as_of,
        data_through=as_of,
        par=model_parameters(manifest, as_of, lost=0, kept=launched),
        vehicles=vehicles,
        contracts=contracts,
        events=events,
        pool=np.array([], np.float64),
        profile=np.array(DEFAULT_PROFILE, np.float64),
        groups={
            "day": np.array([], np.float64),
            "raising": np.array([], np.int64),
            "median": np.array([], np.float64),
        },
        # No element history: launched = in orbit; on station is not modelled (0).
        initial=np.array([launched, launched, 0], np.int64),
        month_end=months,
        horizon_utc=manifest.horizon_utc,
        purchase=purchase_inputs(manifest, vehicles, as_of, launched),
    )


# ---------------------------------------------------------------------------
# The backtest


@dataclasses.dataclass
class ReferenceBacktest(Backtest):
    """A :class:`~kuiper.forecast.backtest.Backtest` of a reference class.

    Same scores, launched count only, plus ``reference`` (what was tested) and
    ``by_bucket`` (coverage pooled over horizon buckets, :data:`BUCKETS`).
    """

    reference: dict = dataclasses.field(default_factory=dict)
    by_bucket: list = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict:
        return {"reference": self.reference, **super().to_dict(), "by_bucket": self.by_bucket}

    def render(self) -> str:
        def pct(x):
            return "-" if x is None else f"{x:.0%}"

        def num(x):
            return "-" if x is None else f"{x:.1f}"

        r, s = self.reference, self.summary
        lines = [
            f"Reference-class backtest: {r['name']} (target {r['target_satellites']:,} "
            f"satellites; log through {r['history_through_utc']})",
            f"{s['origins']} monthly origins {self.origins[0]['as_of'][:10]} .. "
            f"{self.origins[-1]['as_of'][:10]}, horizons 1-{s['horizon_months']} months, "
            f"{self.trials:,} trials, seed {self.seed}",
            "Forecasts from the launch log and the manifest as known at each origin; "
            "scored on satellites launched (cover50/90: share of realized month-end counts "
            "inside the central 50%/90% interval; CRPS in satellites)",
            "",
            f"{'months':>7}{'n':>6}{'cover50':>9}{'cover90':>9}{'CRPS':>8}",
        ]
        for b in self.by_bucket:
            lines.append(
                f"{b['horizon_months']:>7}{b['n']:>6}{pct(b['coverage50']):>9}"
                f"{pct(b['coverage90']):>9}{num(b['crps']['launched']):>8}"
            )
        lines.append(
            f"{'all':>7}{s['n_scores']:>6}{pct(s['coverage50']):>9}"
            f"{pct(s['coverage90']):>9}{num(s['crps']['launched']):>8}"
        )
        lines += [
            "",
            f"{'origin':<12}{'launched':>9}{'P50 +12m':>10}{'P50 +36m':>10}{'real +12m':>10}",
        ]
        for o in self.origins:
            by_h = {x["horizon_months"]: x for x in o["scores"]}
            cells = [
                by_h[h][k] if h in by_h else "-"
                for h, k in ((12, "p50"), (36, "p50"), (12, "observed"))
            ]
            lines.append(
                f"{o['as_of'][:10]:<12}{o['initial']['launched']:>9}"
                + "".join(f"{c:>10}" for c in cells)
            )
        return "\n".join(lines)


def _origin_dates(ref: ReferenceClass, origins) -> list[dt.date]:
    """Origins given as dates or strings (UTC dates), checked against the history."""
    from ..timescale import parse_utc

    first = ref.launches[0].launch_date_utc
    out = set()
    for d in origins:
        day = parse_utc(d, end_of_day=True).date() if not isinstance(d, dt.date) else d
        if day < first:
            raise KuiperError(f"origin {day}: before the first launch ({first}) of {ref.name}")
        if not _month_ends(day + dt.timedelta(days=1), ref.history_through_utc):
            raise KuiperError(
                f"origin {day}: no month end between it and the end of {ref.name}'s history "
                f"({ref.history_through_utc}) to score against"
            )
        if day >= ref.manifest.horizon_utc:
            raise KuiperError(
                f"origin {day}: at or after the horizon {ref.manifest.horizon_utc} "
                f"({ref.path}/forecast.toml [model] horizon_utc)"
            )
        out.add(day)
    return sorted(out)


def reference_backtest(
    ref: ReferenceClass,
    *,
    trials: int = DEFAULT_REFERENCE_TRIALS,
    seed: int = 2026,
    engine: str = "numba",
    origins: list[dt.date] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ReferenceBacktest:
    """Forecast ``ref`` as of each origin and score the launched counts that followed.

    Parameters
    ----------
    ref : ReferenceClass
        From :func:`load_reference`.
    trials, seed : int
        Monte Carlo trials per origin (default 20,000) and the seed of every one.
    engine : {"numba", "numpy"}
        As :func:`kuiper.forecast.run_engine`.
    origins : list of date or str, optional
        UTC dates to forecast from (the end of each day). Default
        :meth:`ReferenceClass.origins` (every month end of the deployment).
    progress : callable, optional
        Called as ``progress(done, total, origin)`` after each forecast.

    Returns
    -------
    ReferenceBacktest
        Scores by origin, pooled, by horizon month and by horizon bucket: coverage of
        the central 50% and 90% intervals and the CRPS (satellites) of the launched
        count at each month end up to ``ref.horizon_months`` after the origin and
        no later than ``ref.history_through_utc``.
    """
    from .engine import run_engine

    if trials < 1:
        raise KuiperError(f"trials must be at least 1, got {trials}")
    origins = _origin_dates(ref, origins) if origins else ref.origins()
    through = ref.history_through_utc
    if progress:
        progress(0, len(origins), "")
    results, all_scores = [], []
    for k, origin in enumerate(origins):
        inputs = reference_inputs(ref, origin)
        hist = run_engine(
            inputs, [("launched", ref.target_satellites)], trials, seed, engine=engine
        ).hist
        scores = []
        for h, date in enumerate(inputs.month_end, start=1):
            if date > through:
                break
            y = ref.launched_by(date)
            q = {name: hist_quantile(hist[h - 1, 0], p) for name, p in QUANTILES.items()}
            scores.append(
                {
                    "date": date.isoformat(),
                    "horizon_months": h,
                    "lead_days": float((date - origin).days),
                    "metric": "launched",
                    "observed": y,
                    **q,
                    "in50": bool(q["p25"] <= y <= q["p75"]),
                    "in90": bool(q["p05"] <= y <= q["p95"]),
                    "crps": crps_from_hist(hist[h - 1, 0], y),
                }
            )
        all_scores += scores
        launched = int(inputs.initial[0])
        results.append(
            {
                "as_of": inputs.as_of.isoformat().replace("+00:00", "Z"),
                "data_through": inputs.as_of.isoformat().replace("+00:00", "Z"),
                "initial": {"launched": launched, "in_orbit": launched, "on_station": None},
                "horizon_months": len(scores),
                **_pool(scores),
                "brier": None,
                "n_brier": 0,
                "milestones": [],
                "purchases": inputs.purchase.get("mode"),
                "scores": scores,
            }
        )
        if progress:
            progress(k + 1, len(origins), origin.isoformat())
    summary = {
        "origins": len(results),
        "horizon_months": max(r["horizon_months"] for r in results),
        "n_scores": len(all_scores),
        **_pool(all_scores),
        "brier": None,
        "n_brier": 0,
    }
    by_horizon = []
    for h in sorted({s["horizon_months"] for s in all_scores}):
        group = [s for s in all_scores if s["horizon_months"] == h]
        by_horizon.append({"horizon_months": h, "n": len(group), **_pool(group)})
    by_bucket = []
    for lo, hi in BUCKETS:
        group = [s for s in all_scores if lo <= s["horizon_months"] <= hi]
        if group:
            by_bucket.append({"horizon_months": f"{lo}-{hi}", "n": len(group), **_pool(group)})
    return ReferenceBacktest(
        data_through=_end_of_day(through),
        trials=trials,
        seed=seed,
        origins=results,
        summary=summary,
        by_horizon=by_horizon,
        milestones=[],
        realized={},
        reference={
            "name": ref.name,
            "path": ref.path,
            "target_satellites": ref.target_satellites,
            "history_through_utc": through.isoformat(),
            "source": ref.source,
            "metric": "launched",
        },
        by_bucket=by_bucket,
    )
