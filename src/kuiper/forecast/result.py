"""A forecast's result: milestone chances, reach dates and month-end quantiles."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from ..errors import KuiperError
from ..timescale import UTC
from .inputs import _days
from .milestones import METRICS

QUANTILES = (0.05, 0.25, 0.50, 0.75, 0.95)


@dataclasses.dataclass
class Forecast:
    """A forecast's result: milestone probabilities, reach dates and monthly quantiles."""

    as_of: dt.datetime
    data_through: dt.datetime | None
    trials: int
    seed: int
    milestones: list[dict]
    monthly: dict
    reach_date: list[dict]
    hist: np.ndarray = dataclasses.field(repr=False)
    month_end: list[dt.date] = dataclasses.field(repr=False)
    reach_day: np.ndarray = dataclasses.field(repr=False)
    initial: tuple[int, int, int] = (0, 0, 0)
    vehicles: list[dict] = dataclasses.field(default_factory=list)
    purchases: dict = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat().replace("+00:00", "Z"),
            "data_through": (
                self.data_through.isoformat(timespec="seconds").replace("+00:00", "Z")
                if self.data_through
                else None
            ),
            "trials": self.trials,
            "seed": self.seed,
            "milestones": self.milestones,
            "monthly": self.monthly,
            "reach_date": self.reach_date,
            "vehicles": self.vehicles,
            "purchases": self.purchases,
        }

    def render(self, every_months: int = 6) -> str:
        """A plain-text report: milestones, reach dates and quantiles over time."""
        lines = [
            f"Kuiper deployment forecast as of {self.as_of:%Y-%m-%d} "
            f"({self.trials:,} trials, seed {self.seed})",
            f"now: launched {self.initial[0]}, in orbit {self.initial[1]}, "
            f"on station {self.initial[2]}",
            "",
            f"{'milestone':<26}{'target':>7}  {'metric':<11}{'deadline':<12}{'P(met)':>9}",
        ]
        for m in self.milestones:
            if m["resolved"]:
                verdict = "met" if m["probability"] else "missed"
                p = f"{verdict} (observed {m['observed']:,})"
            elif m["lower_bound"]:
                p = f">={m['probability']:.1%} (by the horizon {self.month_end[-1]})"
            else:
                p = f"{m['probability']:>8.1%}"
            lines.append(
                f"{m['name']:<26}{m['target']:>7,}  {m['metric']:<11}{m['deadline']:<12}{p:>9}"
            )
        lines += ["", "When each target is reached (P5 / P50 / P95; '-' = not by the horizon)"]
        for r in self.reach_date:
            dates = " / ".join(r[k] or "-" for k in ("p05", "p50", "p95"))
            lines.append(
                f"  {r['target']:>6,} {r['metric']:<11} {dates:<36} "
                f"P(not by horizon) {r['p_not_by_horizon']:.1%}"
            )
        lines += self._render_vehicles()
        lines += ["", f"{'month end':<12}" + "".join(f"{m + ' P5/P50/P95':>24}" for m in METRICS)]
        for k in range(0, len(self.monthly["date"]), every_months):
            row = f"{self.monthly['date'][k]:<12}"
            for m in METRICS:
                q = self.monthly[m]
                row += f"{q['p05'][k]:>10,}{q['p50'][k]:>7,}{q['p95'][k]:>7,}"
            lines.append(row)
        return "\n".join(lines)

    def _render_vehicles(self) -> list[str]:
        if not self.vehicles:
            return []
        p = self.purchases
        if p.get("vehicle") and p.get("goal_satellites"):
            how = (
                f"with purchases: projected {p['projected_satellites']:,} in orbit by "
                f"{p['goal_deadline']} against the goal of {p['goal_satellites']:,}; "
                f"{p['launches_bought']} {p['vehicle']} launches bought on "
                f"{p['decision_date']}, lost payloads re-flown, lead median "
                f"{p['lead_median_days']:g} d; --contracted-only turns this off"
            )
        elif p.get("vehicle"):
            how = f"lost payloads re-flown on {p['vehicle']}; no goal left to buy towards"
        else:
            how = "contracted only: no re-flights, no purchases"
        deadlines = [r["deadline"] for r in self.vehicles[0]["delivered"]]
        head = f"{'vehicle':<13}{'contracted':>11}  {'first Kuiper flight (P5 / P50 / P95)':<38}"
        head += "".join(f"{'by ' + d:>16}" for d in deadlines)
        lines = ["", f"By vehicle ({how})", head]
        for v in self.vehicles:
            f = v["first_kuiper_flight"]
            if "observed" in f:
                first = f"flown {f['observed']}"
            else:
                first = " / ".join(f[k] or "-" for k in ("p05", "p50", "p95"))
            row = f"{v['name']:<13}{v['contracted']:>11}  {first:<38}"
            row += "".join(f"{r['p50']:>16,}" for r in v["delivered"])
            lines.append(row)
        lines.append("  (satellites delivered by each deadline: P50, counting those flown already)")
        return lines

    def distribution(self, metric: str, date: dt.date) -> np.ndarray:
        """Probability of each count of ``metric`` at the month end on or after ``date``."""
        k = next((i for i, d in enumerate(self.month_end) if d >= date), None)
        if k is None:
            raise KuiperError(f"{date} is beyond the forecast horizon")
        h = self.hist[k, METRICS.index(metric)].astype(float)
        return h / h.sum()


def _quantile_from_hist(h: np.ndarray, q: float) -> int:
    c = np.cumsum(h)
    return int(np.searchsorted(c, q * c[-1], side="left"))


def _summarise(
    store, inputs, milestones, targets, result, trials, seed, launch_log=None
) -> Forecast:
    from ..tracker import fleet_from_store

    as_of_date = inputs.as_of.astimezone(UTC).date()
    from ._kernels import PAR_NAMES

    horizon_day = inputs.par[PAR_NAMES.index("horizon")]
    hist, reach = result.hist, result.reach
    out_ms = []
    for k, ms in enumerate(milestones):
        entry = {
            "name": ms.name,
            "target": ms.target,
            "deadline": ms.deadline_utc.isoformat(),
            "metric": ms.metric,
            # A deadline past the horizon: the chance of meeting the target by the
            # horizon, a lower bound on the chance by the deadline.
            "lower_bound": ms.deadline_utc > inputs.horizon_utc,
        }
        if ms.deadline_utc <= as_of_date:
            when = dt.datetime.combine(ms.deadline_utc, dt.time(23, 59, 59, 999999), tzinfo=UTC)
            observed = fleet_from_store(store, when, launch_log).status(when).totals[ms.metric]
            entry.update(
                probability=1.0 if observed >= ms.target else 0.0, resolved=True, observed=observed
            )
        else:
            deadline_day = _days(ms.deadline_utc, inputs.as_of)
            entry.update(
                probability=float(np.mean(reach[:, k] <= deadline_day)),
                resolved=False,
                observed=None,
            )
        out_ms.append(entry)
    monthly = {"date": [d.isoformat() for d in inputs.month_end]}
    for i, metric in enumerate(METRICS):
        monthly[metric] = {
            f"p{int(round(q * 100)):02d}": [
                _quantile_from_hist(hist[m, i], q) for m in range(hist.shape[0])
            ]
            for q in QUANTILES
        }
    reach_out = []
    for k, (metric, target) in enumerate(targets):
        days = reach[:, k]
        within = days <= horizon_day
        row = {
            "metric": metric,
            "target": int(target),
            "p_not_by_horizon": float(1.0 - within.mean()),
        }
        capped = np.where(within, days, horizon_day + 1.0)
        for q in (0.05, 0.50, 0.95):
            value = float(np.quantile(capped, q, method="inverted_cdf"))
            if value > horizon_day:
                row[f"p{int(q * 100):02d}"] = None
            else:
                date = inputs.as_of + dt.timedelta(days=float(value))
                row[f"p{int(q * 100):02d}"] = date.date().isoformat()
        reach_out.append(row)
    return Forecast(
        as_of=inputs.as_of,
        data_through=inputs.data_through,
        trials=trials,
        seed=seed,
        milestones=out_ms,
        monthly=monthly,
        reach_date=reach_out,
        hist=hist,
        month_end=inputs.month_end,
        reach_day=reach,
        initial=tuple(int(x) for x in inputs.initial),
        vehicles=vehicle_summary(inputs, milestones, result),
        purchases=purchase_summary(inputs),
    )


def _date_after(as_of: dt.datetime, day: float) -> str:
    return (as_of + dt.timedelta(days=float(day))).date().isoformat()


def vehicle_summary(inputs, milestones, result) -> list[dict]:
    """Per vehicle: launches under contract, satellites delivered by each future
    milestone deadline (P5/P50/P95, counting those flown already), and its first
    Kuiper flight (observed, or P5/P50/P95 with the chance it comes by the horizon)."""
    from ._kernels import PAR_NAMES

    horizon_day = inputs.par[PAR_NAMES.index("horizon")]
    as_of_date = inputs.as_of.astimezone(UTC).date()
    out = []
    for v, veh in enumerate(inputs.vehicles):
        delivered = []
        for d, ms in enumerate(milestones):
            if ms.deadline_utc <= as_of_date or d >= result.vehicle_hist.shape[1]:
                continue
            h = result.vehicle_hist[v, d]
            row = {"milestone": ms.name, "deadline": ms.deadline_utc.isoformat()}
            for q in (0.05, 0.50, 0.95):
                row[f"p{int(q * 100):02d}"] = veh["flown_satellites"] + _quantile_from_hist(h, q)
            delivered.append(row)
        if veh.get("first_kuiper_date"):
            first = {"observed": veh["first_kuiper_date"]}
        else:
            days = result.first_day[:, v]
            capped = np.where(days <= horizon_day, days, np.inf)
            first = {"p_by_horizon": float(np.mean(np.isfinite(capped)))}
            for q in (0.05, 0.50, 0.95):
                x = float(np.quantile(capped, q, method="inverted_cdf"))
                first[f"p{int(q * 100):02d}"] = (
                    _date_after(inputs.as_of, x) if np.isfinite(x) else None
                )
        out.append(
            {
                "name": veh["name"],
                "contracted": int(veh["contracted_launches"]),
                "satellites_per_launch": int(veh["satellites_per_launch"]),
                "flown_satellites": int(veh["flown_satellites"]),
                "delivered": delivered,
                "first_kuiper_flight": first,
            }
        )
    return out


def purchase_summary(inputs) -> dict:
    """Which model was used: with purchases (and what was bought) or contracted only."""
    p = inputs.purchase
    v = p["vehicle"]
    decision = None
    if v >= 0:
        decision = (inputs.as_of + dt.timedelta(days=float(p["decision_day"]))).date()
    return {
        "mode": p["mode"],
        "vehicle": inputs.vehicles[v]["name"] if v >= 0 else None,
        "decision_date": decision.isoformat() if decision else None,
        "goal_satellites": p["goal"],
        "goal_deadline": p["goal_deadline"],
        "projected_satellites": p["projected_satellites"],
        "shortfall_satellites": int(p["shortfall_satellites"]),
        "launches_bought": int(p["static_launches"] or 0) if v >= 0 else 0,
        "lead_median_days": round(float(np.exp(p["lead_mu"])), 1) if v >= 0 else None,
        "losses_re_flown": v >= 0,
    }
