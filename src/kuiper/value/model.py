"""Monte Carlo real-options valuation of Kuiper / Amazon Leo.

The model
---------
Each valuation trial couples a deployment path from the forecast with a demand path:

1. **Deployment.** :func:`kuiper.forecast.forecast_deployment` gives month-end marginal
   histograms of launched, in-orbit and on-station counts, not per-trial paths. A trial
   draws one uniform ``u`` (stratified) and reads every month's quantile at ``u``: the
   comonotone coupling. Each path is then the ``u``-quantile path; it keeps every month's
   marginal exactly, and makes counts in different months perfectly rank-correlated.
   Cumulative counts of one simulated fleet are strongly autocorrelated anyway, so this
   is close; where it errs it errs wide: of all couplings with these marginals the
   comonotone one gives the largest variance of any sum over months (the upper Frechet
   bound), so the P10-P90 of values are if anything too wide and the means unchanged
   (means of sums depend only on marginals). Past the forecast's horizon each path
   grows at its own last-year rate up to the authorized Gen-1 count.
2. **Capacity.** Effective satellites on station x revenue per satellite of capacity
   (USD/yr, inferred from Starlink). Satellites launched after the priority-loss date
   count for ``1 - priority_haircut`` until 50% of Gen-1 is on station or the restore
   date. Revenue starts once ``service_start_satellites`` (578) are on station.
3. **Demand** is a geometric Brownian motion in USD/yr; revenue = min(demand, capacity).
4. **Cash.** Revenue less variable and fixed opex, maintenance capex (a share of
   revenue), Gen-1 capex per satellite launched (the rest of the Gen-1 budget after the
   sunk investment) and Gen-2 capex; after tax with full expensing; a Gordon terminal
   value after the last month. Discounted at a risk-adjusted rate (the marketed-asset
   disclaimer approach of Copeland and Antikarov: drift and discount both real-world).
5. **Regulation.** At each Gen-1 milestone not yet waived at the as-of date, a trial
   short of the target keeps its licence with ``waiver_probability`` (as on 2026-06-05),
   else the licence is cut to the satellites in orbit at the deadline (47 CFR
   25.164(b)): no more Gen-1 capex or capacity beyond them.
6. **Options** (expand to Gen-2, defer Gen-1 capex, abandon/sell at a salvage floor) are
   exercised by a parametric rule, checked every ``decision_interval_months``:

   - abandon when demand < theta_A x C_ref (then receive the salvage, stop);
   - expand (once, inside its window) when demand > theta_E x C_ref;
   - pause Gen-1 deployment and its capex for one interval when demand <
     theta_D x current capacity (the deployment clock stops, satellites stay as they are);

   with C_ref the full Gen-1 fleet's revenue capacity. The thresholds maximise the
   mean value (Leo plus synergy) on an independent set of training paths (Andersen
   1999; Garcia 2003), so the rule is a feasible policy and the option premium a low
   estimate without foresight bias. Option premium = value with options - static NPV.
7. **AWS synergy** = attach rate x Leo enterprise+government revenue x AWS operating
   margin x the ground model's advantage multiplier, after tax, under the same policy.

Every assumption is in ``kuiper/data/valuation.toml`` with its source and range.

Notes
-----
Longstaff, F. and Schwartz, E. (2001), Valuing American options by simulation: a
simple least-squares approach, Rev. Financ. Stud. 14(1). Andersen, L. (1999), A simple
approach to the pricing of Bermudan swaptions in the multi-factor LIBOR market model,
J. Comput. Finance 3(2). Garcia, D. (2003), Convergence and biases of Monte Carlo
estimates of American option prices using a parametric exercise rule, J. Econ. Dyn.
Control 27. Copeland, T. and Antikarov, V. (2001), Real Options: A Practitioner's Guide.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import KuiperError
from ..timescale import UTC
from .config import (
    _NOT_IN_TORNADO,
    DAYS_PER_YEAR,
    DEFAULT_TRIALS,
    FORECAST_TRIALS,
    N_LEVELS,
    OPTIONS,
    SUMMARY_KEYS,
    ValuationConfig,
    _is_number,
    _resolve_config,
)

__all__ = ["Valuation", "value_kuiper", "tornado", "render_tornado"]

# ---------------------------------------------------------------------------
# Inputs that do not depend on the assumptions: the grid and the random draws


def _next_month_end(d: dt.date) -> dt.date:
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    return dt.date(ny, nm, 1) - dt.timedelta(days=1)


def _years(date: dt.date, as_of: dt.datetime) -> float:
    end = dt.datetime.combine(date, dt.time(23, 59, 59, 999999), tzinfo=UTC)
    return (end - as_of).total_seconds() / 86400.0 / DAYS_PER_YEAR


def _quantile_table(forecast, n_month: int, gen1_total: int) -> np.ndarray:
    """int32 (N_LEVELS, n_month, 3): each metric's quantile at levels (j + 1/2) / N_LEVELS."""
    hist = np.asarray(forecast.hist, dtype=np.float64)
    n_fc = min(hist.shape[0], n_month)
    p = (np.arange(N_LEVELS) + 0.5) / N_LEVELS
    table = np.empty((3, n_month, N_LEVELS), np.int64)
    for k in range(3):
        for m in range(n_fc):
            cdf = np.cumsum(hist[m, k])
            if not cdf[-1] > 0:
                raise KuiperError(f"forecast histogram for month {m} is empty")
            table[k, m] = np.searchsorted(cdf, p * cdf[-1], side="left")
        if n_month > n_fc:
            # Past the forecast: each quantile path grows at its own last-year rate up
            # to the authorized Gen-1 count (never down, never past a larger count).
            span = min(12, n_fc - 1)
            last = table[k, n_fc - 1].astype(np.float64)
            slope = (last - table[k, n_fc - 1 - span]) / span if span > 0 else 0.0 * last
            slope = np.maximum(slope, 0.0)
            ceiling = np.maximum(last, gen1_total)
            steps = np.arange(1, n_month - n_fc + 1)[:, None]
            table[k, n_fc:] = np.floor(np.minimum(last + steps * slope, ceiling)).astype(np.int64)
    return np.ascontiguousarray(table.transpose(2, 1, 0), dtype=np.int32)


@dataclasses.dataclass
class _Draws:
    level: np.ndarray  # int64 (n,)
    z: np.ndarray  # float64 (n, n_month)
    waiver_u: np.ndarray  # float64 (n, n_milestone)


def _draws(n: int, n_month: int, n_ms: int, seq: np.random.SeedSequence) -> _Draws:
    rng = np.random.default_rng(seq)
    u = (rng.permutation(n) + rng.random(n)) / n  # stratified deployment quantiles
    level = np.minimum((u * N_LEVELS).astype(np.int64), N_LEVELS - 1)
    half = n // 2
    z = np.empty((n, n_month))
    z[:half] = rng.standard_normal((half, n_month))
    z[half : 2 * half] = -z[:half]  # antithetic demand paths
    if n % 2:
        z[-1] = rng.standard_normal(n_month)
    waiver_u = rng.random((n, n_ms))
    return _Draws(level, z, waiver_u)


@dataclasses.dataclass
class _Prepared:
    """Everything that stays fixed when assumptions change (the tornado reuses it)."""

    as_of: dt.datetime
    month_end: list
    t_yr: np.ndarray
    dt_yr: np.ndarray
    table: np.ndarray
    initial: np.ndarray
    milestones: list
    gen1_total: int
    gen2_total: int
    half_target: int
    evaluation: _Draws
    training: _Draws
    trials: int
    seed: int


def _prepare(forecast, cfg: ValuationConfig, trials: int, seed: int) -> _Prepared:
    from ..manifest import load_authorization

    if trials < 2:
        raise KuiperError(f"trials must be at least 2, got {trials}")
    as_of = forecast.as_of
    end = cfg.model["valuation_end_utc"]
    months = [d for d in forecast.month_end if d <= end]
    if not months:
        raise KuiperError(
            f"valuation_end_utc {end} is before the forecast's first month end "
            f"{forecast.month_end[0] if forecast.month_end else '(none)'}"
        )
    while months[-1] < end:
        months.append(_next_month_end(months[-1]))
    t_yr = np.array([_years(d, as_of) for d in months])
    dt_yr = np.diff(t_yr, prepend=0.0)
    auth = load_authorization()
    as_of_date = as_of.astimezone(UTC).date()
    milestones = [
        (auth.half_deadline_utc, auth.half_target, as_of_date >= auth.half_waived_utc),
        (auth.full_deadline_utc, auth.gen1_total, False),
    ]
    table = _quantile_table(forecast, len(months), auth.gen1_total)
    n_train = max(2_000, trials // 2)
    eval_seq, train_seq = np.random.SeedSequence(seed).spawn(2)
    return _Prepared(
        as_of=as_of,
        month_end=months,
        t_yr=t_yr,
        dt_yr=dt_yr,
        table=table,
        initial=np.asarray(forecast.initial, np.int64),
        milestones=milestones,
        gen1_total=auth.gen1_total,
        gen2_total=auth.gen2_total,
        half_target=auth.half_target,
        evaluation=_draws(trials, len(months), len(milestones), eval_seq),
        training=_draws(n_train, len(months), len(milestones), train_seq),
        trials=trials,
        seed=seed,
    )


def _month_index(months: list, date: dt.date) -> int:
    """The first grid month ending on or after ``date`` (len(months) if none)."""
    return next((k for k, d in enumerate(months) if d >= date), len(months))


# ---------------------------------------------------------------------------
# The assumptions as kernel inputs


@dataclasses.dataclass
class _Inputs:
    par: np.ndarray
    logd0: float
    drift: np.ndarray
    vol: np.ndarray
    df: np.ndarray
    decision: np.ndarray
    ms_month: np.ndarray
    ms_target: np.ndarray
    ms_waived: np.ndarray
    grandfathered_month: int
    grandfathered_fixed: int
    derived: dict


def _inputs(prep: _Prepared, cfg: ValuationConfig) -> _Inputs:
    from ..manifest import launches_as_of
    from ._kernels import CAN_ABANDON, CAN_DEFER, CAN_EXPAND, PAR_NAMES

    v = cfg.value
    mdl = cfg.model
    months = prep.month_end
    n_month = len(months)
    r_c = math.log1p(v("discount_rate"))
    df = np.exp(-r_c * prep.t_yr)
    mu = math.log1p(v("demand_growth"))
    sigma = v("demand_volatility")
    ref = dt.datetime.combine(mdl["demand_reference_utc"], dt.time(), tzinfo=UTC)
    years_from_ref = (prep.as_of - ref).total_seconds() / 86400.0 / DAYS_PER_YEAR
    d_ref = v("market_revenue_usd_year") * v("demand_share")
    d0 = d_ref * math.exp(mu * years_from_ref)
    logd0 = math.log(d0) if d0 > 0 else -math.inf
    drift = (mu - 0.5 * sigma**2) * prep.dt_yr
    vol = sigma * np.sqrt(prep.dt_yr)

    decision = np.zeros(n_month, np.int64)
    interval = mdl["decision_interval_months"]
    for m in range(0, n_month, interval):
        bits = 0
        if cfg.options["abandon"] and months[m] >= mdl["abandon_from_utc"]:
            bits |= CAN_ABANDON
        if cfg.options["expand"] and mdl["expand_from_utc"] <= months[m] <= mdl["expand_until_utc"]:
            bits |= CAN_EXPAND
        if cfg.options["defer"]:
            bits |= CAN_DEFER
        decision[m] = bits

    as_of_date = prep.as_of.astimezone(UTC).date()
    ms_month = np.array(
        [_month_index(months, d) if d > as_of_date else -1 for d, _, _ in prep.milestones],
        np.int64,
    )
    ms_month[ms_month >= n_month] = -1
    ms_target = np.array([t for _, t, _ in prep.milestones], np.int64)
    ms_waived = np.array([int(w) for _, _, w in prep.milestones], np.int64)

    loss = mdl["priority_loss_utc"]
    if as_of_date >= loss:
        gf_month = -1
        gf_fixed = sum(la.satellites for la in launches_as_of(loss))
    else:
        gf_month = _month_index(months, loss)
        gf_fixed = 0
    restore = mdl["priority_restore_utc"]
    restore_month = 0 if restore <= as_of_date else _month_index(months, restore)

    launched0 = int(prep.initial[0])
    remaining = max(v("gen1_capex_usd") - v("invested_usd"), 0.0)
    capex_per_sat = remaining / max(prep.gen1_total - launched0, 1)
    rev_sat = v("revenue_per_satellite_usd_year")
    after_tax = 1.0 - v("tax_rate")
    synergy = (
        after_tax
        * v("aws_attach_rate")
        * v("enterprise_government_share")
        * v("aws_operating_margin")
        * v("ground_advantage")
    )
    r, g = v("discount_rate"), v("terminal_growth")
    tv = (1.0 + g) / (r - g) if mdl["terminal_value"] else 0.0
    values = {
        "revenue_per_satellite": rev_sat,
        "capex_per_satellite": capex_per_sat,
        "fixed_opex": v("fixed_opex_usd_year"),
        "variable_share": v("variable_cost_share"),
        "maintenance_share": v("maintenance_capex_share"),
        "after_tax": after_tax,
        "salvage": v("salvage_usd"),
        "gen2_satellites": float(prep.gen2_total),
        "gen2_ratio": v("gen2_capacity_ratio"),
        "gen2_capex": v("gen2_capex_usd"),
        "gen2_lead": float(mdl["gen2_lead_months"]),
        "gen2_build": float(mdl["gen2_build_months"]),
        "gen2_capex_months": float(mdl["gen2_capex_months"]),
        "service_start": float(mdl["service_start_satellites"]),
        "gen1_total": float(prep.gen1_total),
        "half_target": float(prep.half_target),
        "priority_haircut": v("priority_haircut"),
        "restore_month": float(restore_month),
        "waiver_p": v("waiver_probability"),
        "synergy_share": synergy,
        "tv_factor": tv,
        "c_ref": max(prep.gen1_total * rev_sat, 1.0),
        "theta_abandon": 0.0,
        "theta_expand": math.inf,
        "theta_defer": 0.0,
        "interval": float(interval),
    }
    par = np.array([values[k] for k in PAR_NAMES], np.float64)
    derived = {
        "capex_per_satellite_usd": {
            "value": capex_per_sat,
            "source": "derived: (gen1_capex_usd - invested_usd) / (Gen-1 authorized - launched "
            f"at the as-of date = {prep.gen1_total} - {launched0})",
        },
        "demand_at_as_of_usd_year": {
            "value": d0,
            "source": "derived: market_revenue_usd_year x demand_share, grown at demand_growth "
            "from demand_reference_utc",
        },
        "full_gen1_capacity_usd_year": {
            "value": prep.gen1_total * rev_sat,
            "source": "derived: Gen-1 authorized x revenue_per_satellite_usd_year",
        },
        "grandfathered_satellites": {
            "value": gf_fixed if gf_month < 0 else None,
            "source": f"launch log: satellites launched by {loss} keep priority"
            if gf_month < 0
            else f"each path's launched count at {loss}",
        },
        "gen1_authorized": {"value": prep.gen1_total, "source": "constellation.toml"},
        "gen2_authorized": {"value": prep.gen2_total, "source": "constellation.toml"},
    }
    return _Inputs(
        par, logd0, drift, vol, df, decision, ms_month, ms_target, ms_waived, gf_month, gf_fixed,
        derived,
    )  # fmt: skip


def _grandfathered(prep: _Prepared, inp: _Inputs, draws: _Draws) -> np.ndarray:
    from ._kernels import METRIC_LAUNCHED

    if inp.grandfathered_month < 0:
        return np.full(draws.level.shape[0], inp.grandfathered_fixed, np.int64)
    m = min(inp.grandfathered_month, prep.table.shape[1] - 1)
    return prep.table[draws.level, m, METRIC_LAUNCHED].astype(np.int64)


def _demand(inp: _Inputs, draws: _Draws) -> np.ndarray:
    """Exact GBM demand at each month end, USD/yr: D0 exp(cumsum(drift + vol z))."""
    if not math.isfinite(inp.logd0):
        return np.zeros_like(draws.z)
    x = np.cumsum(inp.drift + inp.vol * draws.z, axis=1)
    x += inp.logd0
    return np.exp(x, out=x)


def _run(prep: _Prepared, inp: _Inputs, draws: _Draws, theta=None, static=False, demand=None):
    """Run the kernel; ``static`` switches every option off."""
    from . import _kernels as K

    par = inp.par.copy()
    if theta is not None:
        par[K.P_TH_ABANDON], par[K.P_TH_EXPAND], par[K.P_TH_DEFER] = theta
    decision = np.zeros_like(inp.decision) if static else inp.decision
    n = draws.level.shape[0]
    leo, syn = np.empty(n), np.empty(n)
    state, ab_m, ex_m = (np.empty(n, np.int64) for _ in range(3))
    K.simulate(
        prep.table,
        draws.level,
        prep.initial,
        demand if demand is not None else _demand(inp, draws),
        draws.waiver_u,
        _grandfathered(prep, inp, draws),
        inp.df,
        prep.dt_yr,
        decision,
        inp.ms_month,
        inp.ms_target,
        inp.ms_waived,
        par,
        leo,
        syn,
        state,
        ab_m,
        ex_m,
    )
    return leo, syn, state, ab_m, ex_m


# ---------------------------------------------------------------------------
# The exercise rule


_NEVER = {"abandon": 0.0, "expand": math.inf, "defer": 0.0}
# Coarse grids of the thresholds: abandon and expand in units of C_ref (demand over the
# full Gen-1 fleet's revenue capacity), defer as a fraction of current capacity.
_GRID = {
    "abandon": np.geomspace(0.005, 5.0, 13),
    "expand": np.geomspace(0.02, 20.0, 13),
    "defer": np.linspace(0.1, 1.0, 10),
}
_ORDER = ("abandon", "expand", "defer")
_REFINE_POINTS = 7


def _optimise(prep: _Prepared, inp: _Inputs, options: dict, progress=None) -> dict:
    """Thresholds maximising the mean value (Leo + synergy) on the training paths.

    Coordinate search. First sweep: each enabled threshold in turn over its coarse grid
    plus 'never', then twice refined between the best point's neighbours. Second sweep:
    the refinements only, around the current values. The search starts twice,
    abandonment first and abandonment last, because an early 'abandon at once' makes
    the other thresholds irrelevant and would end the search there; the better wins.
    """
    enabled = [k for k in _ORDER if options.get(k)]
    if not enabled:
        return dict(_NEVER)
    cache: dict = {}
    demand = _demand(inp, prep.training)

    def objective(th: dict) -> float:
        key = tuple(th[k] for k in _ORDER)
        if key not in cache:
            leo, syn, *_ = _run(prep, inp, prep.training, key, demand=demand)
            cache[key] = float(np.mean(leo + syn))
        return cache[key]

    def best(theta: dict, name: str, values) -> tuple[float, float]:
        return max(((objective({**theta, name: x}), x) for x in values), key=lambda s: s[0])

    def refine(theta: dict, name: str, score: float, x: float, step: float):
        space = np.linspace if name == "defer" else np.geomspace
        for _ in range(2):
            if x == _NEVER[name]:
                break
            lo, hi = (x - step, x + step) if name == "defer" else (x / step, x * step)
            grid = space(max(lo, 1e-6), hi, _REFINE_POINTS)
            step = (grid[1] - grid[0]) if name == "defer" else grid[1] / grid[0]
            s2, x2 = best(theta, name, grid)
            if s2 > score:
                score, x = s2, x2
        return score, x

    def coarse_step(name: str) -> float:
        g = _GRID[name]
        return (g[1] - g[0]) if name == "defer" else g[1] / g[0]

    def search(order: list) -> dict:
        theta = dict(_NEVER)
        for name in order:
            score, x = best(theta, name, [_NEVER[name], *_GRID[name]])
            theta[name] = float(refine(theta, name, score, x, coarse_step(name))[1])
        for name in order:
            score = objective(theta)
            theta[name] = float(refine(theta, name, score, theta[name], coarse_step(name))[1])
        if progress:
            progress()
        return theta

    starts = [enabled]
    if len(enabled) > 1 and "abandon" in enabled:
        starts.append([k for k in enabled if k != "abandon"] + ["abandon"])
    found = [search(order) for order in starts]
    return max(found, key=objective)


# ---------------------------------------------------------------------------
# The result


def _summary(x: np.ndarray) -> dict:
    p10, p50, p90 = np.quantile(x, [0.10, 0.50, 0.90])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90), "mean": float(np.mean(x))}


@dataclasses.dataclass
class Valuation:
    """Kuiper's value: static NPV, option premium, AWS synergy and total, in USD.

    Each summary is ``{"p10", "p50", "p90", "mean"}`` over the evaluation trials. The
    option premium's quantiles are those of the per-trial difference (value under the
    exercise rule minus the static value on the same paths); its mean is the option value.
    """

    as_of: dt.datetime
    trials: int
    seed: int
    currency: str
    static_npv: dict
    option_premium: dict
    aws_synergy: dict
    total: dict
    per_share: dict
    assumptions: dict
    policy: dict
    diagnostics: dict
    samples: dict = dataclasses.field(repr=False)

    def to_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat().replace("+00:00", "Z"),
            "currency": self.currency,
            "static_npv": self.static_npv,
            "option_premium": self.option_premium,
            "aws_synergy": self.aws_synergy,
            "total": self.total,
            "per_share": self.per_share,
            "assumptions": self.assumptions,
        }

    def stderr(self, name: str) -> float:
        """Monte Carlo standard error of the mean of ``name`` (antithetic pairs averaged)."""
        x = self.samples[name]
        half = x.shape[0] // 2
        pairs = 0.5 * (x[:half] + x[half : 2 * half])
        return float(np.std(pairs, ddof=1) / math.sqrt(half))

    def render(self) -> str:
        """A plain-text table in billions of USD, and USD per Amazon share."""
        d = self.diagnostics
        lines = [
            f"Kuiper / Amazon Leo valuation as of {self.as_of:%Y-%m-%d} "
            f"({self.trials:,} trials, seed {self.seed}; USD billions)",
            "",
            f"{'':<18}{'P10':>10}{'P50':>10}{'P90':>10}{'mean':>10}{'+/- se':>9}",
        ]
        for key, label in (
            ("static_npv", "static NPV"),
            ("option_premium", "option premium"),
            ("aws_synergy", "AWS synergy"),
            ("total", "total"),
        ):
            s = getattr(self, key)
            lines.append(
                f"{label:<18}"
                + "".join(f"{s[k] / 1e9:>10.2f}" for k in SUMMARY_KEYS)
                + f"{self.stderr(key) / 1e9:>9.2f}"
            )
        ps = self.per_share
        lines.append(f"{'per AMZN share $':<18}" + "".join(f"{ps[k]:>10.2f}" for k in SUMMARY_KEYS))
        p = self.policy
        lines += [
            "",
            "Exercise rule (optimised on independent training paths; checked every "
            f"{p['decision_interval_months']} months):",
            "  abandon / sell   " + _threshold_text(p["abandon_below_usd_year"], "below"),
            "  expand to Gen-2  " + _threshold_text(p["expand_above_usd_year"], "above"),
            "  defer Gen-1      "
            + (
                "never"
                if p["defer_below_capacity_fraction"] <= 0
                else f"pause a year when demand < {p['defer_below_capacity_fraction']:.0%}"
                " of capacity"
            ),
            "",
            f"P(abandoned) {d['p_abandoned']:.1%}   P(Gen-2 expanded) {d['p_expanded']:.1%}   "
            f"P(Gen-1 deferred) {d['p_deferred']:.1%}",
            f"AWS synergy if Leo is kept and built as planned (static): "
            f"{d['static_aws_synergy_mean'] / 1e9:.2f} mean",
            f"P(licence cut, 25.164(b)) {d['p_licence_cut']:.1%}   "
            f"P(in service by {d['valuation_end']}) {d['p_in_service']:.1%}",
            f"demand at as-of ${d['demand_at_as_of_usd_year'] / 1e9:.2f}B/yr; "
            f"full Gen-1 capacity ${d['full_gen1_capacity_usd_year'] / 1e9:.2f}B/yr",
        ]
        return "\n".join(lines)


def _threshold_text(usd_year: float, side: str) -> str:
    if not math.isfinite(usd_year) or usd_year <= 0:
        return "never"
    return f"when demand is {side} ${usd_year / 1e9:.2f}B/yr"


def _valuation(prep, cfg, inp, theta, progress=None) -> Valuation:
    from . import _kernels as K

    demand = _demand(inp, prep.evaluation)
    static_leo, static_syn, static_state, *_ = _run(
        prep, inp, prep.evaluation, static=True, demand=demand
    )
    key = tuple(theta[k] for k in _ORDER)
    leo, syn, state, ab_m, ex_m = _run(prep, inp, prep.evaluation, key, demand=demand)
    total = leo + syn
    premium = leo - static_leo
    shares = cfg.value("diluted_shares")
    c_ref = inp.par[K.P_CREF]
    assumptions = cfg.to_dict()
    assumptions.update(inp.derived)
    policy = {
        "abandon_below_usd_year": float(theta["abandon"] * c_ref),
        "expand_above_usd_year": float(theta["expand"] * c_ref),
        "defer_below_capacity_fraction": float(theta["defer"]),
        "decision_interval_months": cfg.model["decision_interval_months"],
    }
    diagnostics = {
        "p_abandoned": float(np.mean(state & K.ABANDONED > 0)),
        "p_expanded": float(np.mean(state & K.EXPANDED > 0)),
        "p_deferred": float(np.mean(state & K.DEFERRED > 0)),
        "p_licence_cut": float(np.mean(static_state & K.LICENCE_CUT > 0)),
        "p_in_service": float(np.mean(static_state & K.IN_SERVICE > 0)),
        "static_aws_synergy_mean": float(np.mean(static_syn)),
        "valuation_end": prep.month_end[-1].isoformat(),
        "demand_at_as_of_usd_year": inp.derived["demand_at_as_of_usd_year"]["value"],
        "full_gen1_capacity_usd_year": inp.derived["full_gen1_capacity_usd_year"]["value"],
    }
    return Valuation(
        as_of=prep.as_of,
        trials=prep.trials,
        seed=prep.seed,
        currency="USD",
        static_npv=_summary(static_leo),
        option_premium=_summary(premium),
        aws_synergy=_summary(syn),
        total=_summary(total),
        per_share=_summary(total / shares),
        assumptions=assumptions,
        policy=policy,
        diagnostics=diagnostics,
        samples={
            "static_npv": static_leo,
            "option_premium": premium,
            "aws_synergy": syn,
            "total": total,
        },
    )


def _forecast_for(store, forecast, as_of, seed):
    from ..timescale import parse_utc

    if as_of is not None:
        as_of = parse_utc(as_of, end_of_day=isinstance(as_of, str) and len(as_of.strip()) == 10)
    if forecast is not None:
        if as_of is not None:
            if as_of != forecast.as_of:
                raise KuiperError(
                    f"as_of {as_of} differs from the forecast's as-of date {forecast.as_of}"
                )
        return forecast
    from ..forecast import forecast_deployment

    if store is None:
        from ..store import open_store

        with open_store() as s:
            return forecast_deployment(s, as_of=as_of, trials=FORECAST_TRIALS, seed=seed)
    return forecast_deployment(store, as_of=as_of, trials=FORECAST_TRIALS, seed=seed)


def _with_ground(cfg: ValuationConfig, ground_advantage) -> ValuationConfig:
    if ground_advantage is None:
        return cfg
    if not _is_number(ground_advantage) or ground_advantage < 0:
        raise KuiperError(f"ground_advantage must be a number >= 0, got {ground_advantage!r}")
    return cfg.with_values(
        source="override: value_kuiper(ground_advantage=...) (the ground model)",
        ground_advantage=float(ground_advantage),
    )


def value_kuiper(
    store=None,
    *,
    forecast=None,
    as_of: dt.datetime | str | None = None,
    trials: int = DEFAULT_TRIALS,
    seed: int = 2026,
    config: ValuationConfig | str | Path | None = None,
    ground_advantage: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Valuation:
    """Value Kuiper / Amazon Leo by Monte Carlo with real options.

    Parameters
    ----------
    store : kuiper.store.Store, optional
        Used to run the deployment forecast when ``forecast`` is not given (default:
        the default store).
    forecast : kuiper.forecast.Forecast, optional
        The deployment forecast; its as-of date is the valuation date.
    as_of : datetime or str, optional
        Aware UTC, or ``YYYY-MM-DD`` (the end of that day, as ``--as-of`` means); only
        with ``store`` (a forecast carries its own; a different one is an error).
    trials : int
        Evaluation trials (default 20,000); the exercise rule is fitted on
        ``max(2000, trials // 2)`` independent training trials.
    seed : int
        Deterministic for a given seed (and forecast).
    config : ValuationConfig or path, optional
        Default the shipped ``valuation.toml``.
    ground_advantage : float, optional
        Multiplier on the AWS synergy from the ground model; overrides the TOML's value.
    progress : callable, optional
        Called as ``progress(steps_done, steps)``.

    Returns
    -------
    Valuation
        USD; ``to_dict()`` gives the JSON form.
    """
    cfg = _with_ground(_resolve_config(config), ground_advantage)
    fc = _forecast_for(store, forecast, as_of, seed)
    prep = _prepare(fc, cfg, trials, seed)
    return _value_prepared(prep, cfg, progress)


def _value_prepared(prep, cfg, progress=None) -> Valuation:
    inp = _inputs(prep, cfg)
    enabled = [k for k in OPTIONS if cfg.options[k]]
    steps = 1 + (len(enabled) > 0) + (len(enabled) > 1 and "abandon" in enabled)
    done = [0]

    def tick():
        done[0] += 1
        if progress:
            progress(done[0], steps)

    theta = _optimise(prep, inp, cfg.options, tick)
    result = _valuation(prep, cfg, inp, theta)
    tick()
    return result


# ---------------------------------------------------------------------------
# Sensitivity


def tornado(
    store=None,
    *,
    forecast=None,
    as_of: dt.datetime | str | None = None,
    trials: int = 5_000,
    seed: int = 2026,
    config: ValuationConfig | str | Path | None = None,
    ground_advantage: float | None = None,
    parameters: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Sensitivity of the total's mean and P50 to each assumption swung to its low and high.

    Every run uses the same forecast and random draws (common random numbers) and
    refits the exercise rule. Returns a plain dict::

        {"as_of", "currency", "trials", "seed", "base": {"mean", "p50", "static_mean"},
         "rows": [{"name", "unit", "tag", "low", "base", "high",
                   "mean_low", "mean_high", "p50_low", "p50_high",
                   "static_mean_low", "static_mean_high", "swing"}, ...]}

    with rows sorted by ``swing`` (|mean_high - mean_low|), largest first. The static
    NPV's means are there because the total is a maximum over policies: where selling
    at once is best, the total hardly moves while the static NPV does.
    """
    cfg = _with_ground(_resolve_config(config), ground_advantage)
    fc = _forecast_for(store, forecast, as_of, seed)
    prep = _prepare(fc, cfg, trials, seed)
    names = parameters or [
        p for p, a in cfg.parameters.items() if p not in _NOT_IN_TORNADO and a.low != a.high
    ]
    for p in names:
        if p not in cfg.parameters:
            raise KuiperError(f"tornado: unknown parameter {p!r}")
    steps = 1 + 2 * len(names)
    base = _value_prepared(prep, cfg)
    if progress:
        progress(1, steps)
    rows = []
    for k, p in enumerate(names):
        a = cfg.parameters[p]
        lo = _value_prepared(prep, cfg.with_values(**{p: a.low}))
        hi = _value_prepared(prep, cfg.with_values(**{p: a.high}))
        rows.append(
            {
                "name": p,
                "unit": a.unit,
                "tag": a.tag,
                "low": a.low,
                "base": a.base,
                "high": a.high,
                "mean_low": lo.total["mean"],
                "mean_high": hi.total["mean"],
                "p50_low": lo.total["p50"],
                "p50_high": hi.total["p50"],
                "static_mean_low": lo.static_npv["mean"],
                "static_mean_high": hi.static_npv["mean"],
                "swing": abs(hi.total["mean"] - lo.total["mean"]),
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
            "mean": base.total["mean"],
            "p50": base.total["p50"],
            "static_mean": base.static_npv["mean"],
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
        f"{'assumption':<31}{'low':>7}{'high':>7}{'mean@lo':>9}{'mean@hi':>9}"
        f"{'P50@lo':>9}{'P50@hi':>9}{'static@lo':>11}{'static@hi':>11}",
    ]
    for r in result["rows"]:
        lines.append(
            f"{r['name']:<31}{_short(r['low']):>7}{_short(r['high']):>7}"
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
