"""Backtests: forecasts made in the past, scored against what happened afterwards.

For each origin (by default every shipped snapshot date) :func:`backtest` runs
:func:`kuiper.forecast.forecast_deployment` as of the end of that day, which reads
only information dated on or before it, and scores it against the realized counts
that the tracker finds in the *whole* element history:

* **Coverage.** For every later month end up to the newest data and every metric
  (launched, in orbit, on station), whether the realized count lies inside the
  forecast's central 50% interval [P25, P75] and 90% interval [P5, P95]. Intervals
  are closed and use the forecast's own quantile rule (the smallest count whose
  cumulative probability reaches q), so a count on a boundary is inside.
* **CRPS.** The continuous ranked probability score of each month-end count
  distribution, computed exactly from the forecast's histogram (:func:`crps_from_hist`),
  in satellites: 0 for a point mass on the outcome, ``|x - y|`` for a point mass at x.
* **Brier score.** For the milestones of :data:`BACKTEST_MILESTONES` whose deadline
  falls after the origin and within the history: the mean of ``(p - outcome)^2``,
  where the outcome is whether the realized count on the deadline reached the target
  (the rule the forecast itself uses to resolve a milestone).

Realized counts come from :meth:`kuiper.tracker.Fleet.status` on a fleet built from
every element set in the store, so a month end is scored with the element sets at or
before it. The shipped snapshots are 2-4 weeks apart, so a month-end on-station count
can lag by up to the gap before it (28 days between 2026-07-12 and 2026-08-09).

Notes
-----
The scores of one origin are not independent (month ends of one trajectory), and the
origins overlap (each later forecast knows more of the same outcome), so coverage over
28 origins is evidence about calibration, not a test of it. CRPS is the integral of
the squared difference between the forecast CDF and the outcome's step function
(Matheson & Winkler 1976; Gneiting & Raftery 2007, JASA 102:359, eq. 20); for
integer-valued forecasts and outcomes the integral is the sum over integers of the
same difference.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Callable

import numpy as np

from ..errors import KuiperError
from ..timescale import UTC
from .manifest import ForecastManifest
from .milestones import METRICS, Milestone

__all__ = [
    "BACKTEST_MILESTONES",
    "DEFAULT_BACKTEST_TRIALS",
    "Backtest",
    "backtest",
    "brier_score",
    "central_interval",
    "crps_from_hist",
    "deployment_history",
    "hist_quantile",
    "realized_counts",
    "snapshot_dates",
]

DEFAULT_BACKTEST_TRIALS = 20_000
LEVELS = (0.5, 0.9)

# Targets resolved within the shipped history (2025-07-15 .. 2026-09-07). The FCC
# milestone and Amazon's own January 2026 forecast are ex-ante targets; the others are
# round thresholds chosen after the fact near the realized path (realized counts from
# the tracker in brackets), so that a forecast has to be both calibrated and sharp to
# score well: a far-off threshold resolves the same way under any sensible forecast.
BACKTEST_MILESTONES = (
    # FCC Gen-1 50% (constellation.toml); realized in orbit 392: missed.
    Milestone("FCC Gen-1 50%", 1616, dt.date(2026, 7, 30), "in_orbit"),
    # Amazon to the FCC, 2026-01-30: "about 700" by the deadline (FORECASTING.md sec. 0).
    Milestone("Amazon's 700 by deadline", 700, dt.date(2026, 7, 30), "in_orbit"),
    Milestone("150 launched by 2025-10-31", 150, dt.date(2025, 10, 31), "launched"),  # [153]
    Milestone("250 launched by 2026-03-31", 250, dt.date(2026, 3, 31), "launched"),  # [212]
    Milestone("300 launched by 2026-04-30", 300, dt.date(2026, 4, 30), "launched"),  # [302]
    Milestone("350 in orbit by 2026-06-30", 350, dt.date(2026, 6, 30), "in_orbit"),  # [365]
    Milestone("400 in orbit by 2026-07-30", 400, dt.date(2026, 7, 30), "in_orbit"),  # [392]
    Milestone("250 on station by 2026-07-31", 250, dt.date(2026, 7, 31), "on_station"),  # [235]
    Milestone("300 on station by 2026-08-31", 300, dt.date(2026, 8, 31), "on_station"),  # [323]
)


# ---------------------------------------------------------------------------
# Scores of one distribution


def _check_hist(hist) -> np.ndarray:
    h = np.asarray(hist, dtype=np.float64)
    if h.ndim != 1 or not len(h) or (h < 0).any() or not h.sum() > 0:
        raise KuiperError("a count histogram must be 1-D, non-negative and not all zero")
    return h


def hist_quantile(hist, q: float) -> int:
    """The smallest count whose cumulative probability reaches ``q``.

    ``hist[x]`` is the weight (trials) of count ``x``; the rule is the one
    :class:`kuiper.forecast.Forecast` uses for its monthly quantiles.
    """
    c = np.cumsum(_check_hist(hist))
    return int(np.searchsorted(c, q * c[-1], side="left"))


def central_interval(hist, level: float) -> tuple[int, int]:
    """The closed central interval of probability ``level``: (P[(1-level)/2], P[(1+level)/2])."""
    if not 0.0 < level < 1.0:
        raise KuiperError(f"interval level {level} must be between 0 and 1")
    lo, hi = round((1.0 - level) / 2.0, 10), round((1.0 + level) / 2.0, 10)
    return hist_quantile(hist, lo), hist_quantile(hist, hi)


def crps_from_hist(hist, observed: int) -> float:
    """Exact CRPS of a count distribution given as a histogram, in counts.

    Parameters
    ----------
    hist : array of shape (n_bins,)
        Weight of each count 0, 1, ..., n_bins - 1 (trials or probabilities).
    observed : int
        The realized count (>= 0).

    Returns
    -------
    float
        ``sum over integers x of (F(x) - 1{x >= observed})^2`` with ``F`` the
        forecast CDF: the CRPS integral, exact for integer-valued forecasts and
        outcomes. A point mass at ``m`` scores ``|m - observed|``.
    """
    h = _check_hist(hist)
    y = int(observed)
    if y < 0:
        raise KuiperError(f"observed count {observed} must be >= 0")
    n = max(len(h), y + 1)
    cdf = np.cumsum(np.pad(h, (0, n - len(h)))) / h.sum()
    cdf[-1] = 1.0  # beyond the last bin F is 1; keep rounding out of the tail
    step = np.arange(n) >= y
    return float(np.sum((cdf - step) ** 2))


def brier_score(probabilities, outcomes) -> float | None:
    """Mean of (p - outcome)^2 over binary outcomes; None when there are none."""
    p = np.asarray(probabilities, dtype=np.float64)
    o = np.asarray(outcomes, dtype=np.float64)
    if p.shape != o.shape:
        raise KuiperError("one outcome is needed for each probability")
    if not p.size:
        return None
    return float(np.mean((p - o) ** 2))


# ---------------------------------------------------------------------------
# What happened


def _end_of_day(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(23, 59, 59, 999999), tzinfo=UTC)


def snapshot_dates(directory=None) -> list[dt.date]:
    """The snapshot dates of the shipped (or given) ``tle/`` directory, oldest first."""
    from ..snapshots import load_manifest

    files_ = load_manifest(directory)["files"]
    return sorted({dt.date.fromisoformat(e["snapshot_date"]) for e in files_})


def realized_counts(store, dates) -> dict[dt.date, dict[str, int]]:
    """Launched, in-orbit and on-station counts at the end of each date, from all the data."""
    from ..tracker import fleet_from_store

    fleet = fleet_from_store(store)
    out = {}
    for d in sorted(set(dates)):
        t = fleet.status(_end_of_day(d)).totals
        out[d] = {m: int(t[m]) for m in METRICS}
    return out


def deployment_history(store, as_of: dt.datetime, *, step_days: float = 7.0) -> dict:
    """What had happened by ``as_of``: launches per month by vehicle and realized counts.

    Returns
    -------
    dict
        ``month`` (first day of each month from the first production launch),
        ``launches`` ({vehicle: launches per month}), ``satellites`` (satellites
        launched per month), ``launch_date``/``launched_log`` (the cumulative launch log,
        a step at each launch), and ``date`` with ``launched``, ``in_orbit`` and
        ``on_station`` from the tracker every ``step_days`` from the first element set
        (empty before it).
    """
    from ..manifest import load_launches
    from ..tracker import fleet_history

    as_of_date = as_of.astimezone(UTC).date()
    flown = sorted(
        (la for la in load_launches() if la.counted and la.launch_date_utc <= as_of_date),
        key=lambda la: la.launch_date_utc,
    )
    if not flown:
        raise KuiperError(f"no Kuiper production launch on or before {as_of_date}")
    months = []
    y, m = flown[0].launch_date_utc.year, flown[0].launch_date_utc.month
    while (y, m) <= (as_of_date.year, as_of_date.month):
        months.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    index = {d: k for k, d in enumerate(months)}
    vehicles = list(dict.fromkeys(la.vehicle for la in flown))
    launches = {v: [0] * len(months) for v in vehicles}
    satellites = [0] * len(months)
    for la in flown:
        k = index[la.launch_date_utc.replace(day=1)]
        launches[la.vehicle][k] += 1
        satellites[k] += la.satellites
    cumulative = np.cumsum([la.satellites for la in flown]).tolist()
    if store.data_through(as_of) is None:  # launched, but no element set yet
        history = {"date": [], "launched": [], "decayed": [], "on_station": []}
    else:
        history = fleet_history(store, as_of, step_days=step_days)
    return {
        "as_of": as_of,
        "month": months,
        "launches": launches,
        "satellites": satellites,
        "launch_date": [la.launch_date_utc for la in flown],
        "launched_log": cumulative,
        "date": [dt.date.fromisoformat(d) for d in history["date"]],
        "launched": history["launched"],
        "in_orbit": [a - b for a, b in zip(history["launched"], history["decayed"], strict=True)],
        "on_station": history["on_station"],
    }


# ---------------------------------------------------------------------------
# The backtest


@dataclasses.dataclass
class Backtest:
    """Scores of forecasts made as of each origin; see :func:`backtest`."""

    data_through: dt.datetime
    trials: int
    seed: int
    origins: list[dict]
    summary: dict
    by_horizon: list[dict]
    milestones: list[dict]
    realized: dict[dt.date, dict[str, int]] = dataclasses.field(repr=False)

    def to_dict(self) -> dict:
        return {
            "data_through": self.data_through.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "trials": self.trials,
            "seed": self.seed,
            "milestones": self.milestones,
            "summary": self.summary,
            "by_horizon": self.by_horizon,
            "origins": self.origins,
        }

    def render(self) -> str:
        """A plain-text report: scores by origin, by horizon, and the Brier targets."""

        def pct(x):
            return "-" if x is None else f"{x:.0%}"

        def num(x, fmt=".1f"):
            return "-" if x is None else format(x, fmt)

        head = (
            f"{'origin':<12}{'months':>7}{'cover50':>9}{'cover90':>9}"
            f"{'CRPS launched':>15}{'in_orbit':>10}{'on_station':>12}{'Brier':>8}{'n':>4}"
        )
        lines = [
            f"Backtest: forecasts as of each origin scored against the element history "
            f"through {self.data_through:%Y-%m-%d} ({self.trials:,} trials, seed {self.seed})",
            "cover50/90: share of realized month-end counts (3 metrics) inside the central "
            "50%/90% interval; CRPS in satellites, mean over month ends; Brier over the "
            "targets below that resolve after the origin",
            "",
            head,
            "-" * len(head),
        ]

        def row(label, r):
            c = r["crps"]
            return (
                f"{label:<12}{r['horizon_months']:>7}{pct(r['coverage50']):>9}"
                f"{pct(r['coverage90']):>9}{num(c['launched']):>15}{num(c['in_orbit']):>10}"
                f"{num(c['on_station']):>12}{num(r['brier'], '.3f'):>8}{r['n_brier']:>4}"
            )

        for o in self.origins:
            lines.append(row(o["as_of"][:10], o))
        lines.append("-" * len(head))
        lines.append(row("all", self.summary))
        lines += [
            "",
            "By horizon (month ends after the origin, pooled over origins)",
            f"{'months':>7}{'n':>5}{'cover50':>9}{'cover90':>9}"
            f"{'CRPS launched':>15}{'in_orbit':>10}{'on_station':>12}",
        ]
        for h in self.by_horizon:
            c = h["crps"]
            lines.append(
                f"{h['horizon_months']:>7}{h['n']:>5}{pct(h['coverage50']):>9}"
                f"{pct(h['coverage90']):>9}{num(c['launched']):>15}{num(c['in_orbit']):>10}"
                f"{num(c['on_station']):>12}"
            )
        lines += [
            "",
            "Brier targets: realized count on the deadline; mean forecast probability and "
            "Brier score over the origins before the deadline",
        ]
        for m in self.milestones:
            verdict = f"{'met' if m['outcome'] else 'missed'} ({m['observed']:,})"
            lines.append(
                f"  {m['name']:<30}{m['target']:>6,} {m['metric']:<11}by {m['deadline']}  "
                f"{verdict:<13} mean p {num(m['mean_probability'], '.2f')}  "
                f"Brier {num(m['brier'], '.3f')} ({m['n_origins']} origins)"
            )
        return "\n".join(lines)


def _mean(values) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _pool(scores: list[dict]) -> dict:
    """Coverage over every (month end, metric) score and mean CRPS by metric."""
    return {
        "coverage50": _mean([s["in50"] for s in scores]),
        "coverage90": _mean([s["in90"] for s in scores]),
        "crps": {m: _mean([s["crps"] for s in scores if s["metric"] == m]) for m in METRICS},
    }


def _origin_times(store, dates, newest: dt.datetime) -> list[dt.datetime]:
    from ..timescale import parse_utc

    if dates is None:
        # Every shipped snapshot with at least one month end of data after it.
        return [
            _end_of_day(d)
            for d in snapshot_dates()
            if _month_ends_between(d, newest) and store.data_through(_end_of_day(d))
        ]
    from ..manifest import load_launches

    flown = [la.launch_date_utc for la in load_launches() if la.launch_date_utc]
    first = min(flown) if flown else None
    out = []
    for d in dates:
        when = parse_utc(d, end_of_day=True)
        if first is not None and when.date() < first:
            raise KuiperError(
                f"origin {when:%Y-%m-%d} is before the first launch ({first}): "
                "there is nothing to forecast from"
            )
        if not _month_ends_between(when.date(), newest):
            raise KuiperError(
                f"origin {when:%Y-%m-%d}: no month end between it and the newest data "
                f"({newest:%Y-%m-%d}) to score against"
            )
        out.append(when)
    return sorted(set(out))


def _month_ends_between(after: dt.date, newest: dt.datetime) -> list[dt.date]:
    """Month ends after ``after`` whose whole day lies at or before ``newest``."""
    out = []
    y, m = after.year, after.month
    while True:
        end = dt.date(y, m, calendar.monthrange(y, m)[1])
        if _end_of_day(end) > newest:
            return out
        if end > after:
            out.append(end)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _target_row(ms: Milestone, realized, met: bool, results: list[dict]) -> dict:
    """A target, its outcome and its Brier score over the origins that forecast it."""
    p = [r["probability"] for o in results for r in o["milestones"] if r["name"] == ms.name]
    return {
        "name": ms.name,
        "target": ms.target,
        "deadline": ms.deadline_utc.isoformat(),
        "metric": ms.metric,
        "observed": realized[ms.deadline_utc][ms.metric],
        "outcome": bool(met),
        "n_origins": len(p),
        "mean_probability": _mean(p),
        "brier": brier_score(p, [met] * len(p)),
    }


def backtest(
    store,
    dates=None,
    *,
    trials: int = DEFAULT_BACKTEST_TRIALS,
    seed: int = 2026,
    milestones: list[Milestone] | None = None,
    manifest: ForecastManifest | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Backtest:
    """Forecast as of each origin and score the forecasts against the realized history.

    Parameters
    ----------
    store : kuiper.store.Store
        The history store; its newest element set bounds what can be scored.
    dates : list of date, datetime or str, optional
        Origins (a date means the end of that day, UTC). Default: every shipped
        snapshot date with a month end of data after it.
    trials, seed : int
        Monte Carlo trials per forecast (default 20,000) and the seed of every one.
    milestones : list of Milestone, optional
        Targets for the Brier score; default :data:`BACKTEST_MILESTONES`.
    manifest : ForecastManifest, optional
        Forecast assumptions; default the shipped ``forecast.toml``.
    progress : callable, optional
        Called as ``progress(done, total, origin)`` after each forecast.

    Returns
    -------
    Backtest
        Scores by origin (``origins``), pooled (``summary``) and by horizon in months
        (``by_horizon``), and the targets with their outcomes (``milestones``).
    """
    from .engine import forecast_deployment

    newest = store.data_through()
    if newest is None:
        raise KuiperError(f"{store.path}: the store holds no Kuiper element sets")
    milestones = list(milestones or BACKTEST_MILESTONES)
    origins = _origin_times(store, dates, newest)
    if not origins:
        raise KuiperError(f"no origin with later data to score (newest data {newest:%Y-%m-%d})")
    scored_ms = [ms for ms in milestones if _end_of_day(ms.deadline_utc) <= newest]
    realized = realized_counts(
        store,
        _month_ends_between(origins[0].date(), newest) + [ms.deadline_utc for ms in scored_ms],
    )
    outcome = {
        ms: realized[ms.deadline_utc][ms.metric] >= ms.target for ms in scored_ms
    }  # the rule Forecast uses to resolve a milestone
    if progress:
        progress(0, len(origins), "")
    results, all_scores, all_brier = [], [], []
    for k, when in enumerate(origins):
        f = forecast_deployment(
            store, as_of=when, milestones=milestones, trials=trials, seed=seed, manifest=manifest
        )
        index = {d: i for i, d in enumerate(f.month_end)}
        scores = []
        for h, date in enumerate(_month_ends_between(when.date(), newest), start=1):
            i = index[date]
            for j, metric in enumerate(METRICS):
                y = realized[date][metric]
                q = {p: f.monthly[metric][p][i] for p in ("p05", "p25", "p50", "p75", "p95")}
                scores.append(
                    {
                        "date": date.isoformat(),
                        "horizon_months": h,
                        "lead_days": round((_end_of_day(date) - when).total_seconds() / 86400, 2),
                        "metric": metric,
                        "observed": y,
                        **q,
                        "in50": bool(q["p25"] <= y <= q["p75"]),
                        "in90": bool(q["p05"] <= y <= q["p95"]),
                        "crps": crps_from_hist(f.hist[i, j], y),
                    }
                )
        ms_rows = []
        for ms, fm in zip(milestones, f.milestones, strict=True):
            if ms in outcome and not fm["resolved"]:
                ms_rows.append(
                    {
                        "name": ms.name,
                        "probability": fm["probability"],
                        "outcome": bool(outcome[ms]),
                    }
                )
        pairs = [(r["probability"], r["outcome"]) for r in ms_rows]
        all_scores += scores
        all_brier += pairs
        results.append(
            {
                "as_of": f.to_dict()["as_of"],
                "data_through": f.to_dict()["data_through"],
                "initial": dict(zip(METRICS, f.initial, strict=True)),
                "horizon_months": len(scores) // len(METRICS),
                **_pool(scores),
                "brier": brier_score(*zip(*pairs, strict=True)) if pairs else None,
                "n_brier": len(pairs),
                "milestones": ms_rows,
                "scores": scores,
            }
        )
        if progress:
            progress(k + 1, len(origins), when.date().isoformat())
    summary = {
        "origins": len(results),
        "horizon_months": max(r["horizon_months"] for r in results),
        "n_scores": len(all_scores),
        **_pool(all_scores),
        "brier": brier_score(*zip(*all_brier, strict=True)) if all_brier else None,
        "n_brier": len(all_brier),
    }
    by_horizon = []
    for h in sorted({s["horizon_months"] for s in all_scores}):
        group = [s for s in all_scores if s["horizon_months"] == h]
        by_horizon.append({"horizon_months": h, "n": len(group), **_pool(group)})
    return Backtest(
        data_through=newest,
        trials=trials,
        seed=seed,
        origins=results,
        summary=summary,
        by_horizon=by_horizon,
        milestones=[_target_row(ms, realized, outcome[ms], results) for ms in scored_ms],
        realized=realized,
    )
