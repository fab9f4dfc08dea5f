"""Monte Carlo real-options valuation of Kuiper / Amazon Leo: paths, the kernel run, the entry.

Each valuation trial couples a deployment path from the forecast with a demand path:

1. **Deployment.** :func:`kuiper.forecast.forecast_deployment` gives month-end marginal
   histograms; a trial reads every month's quantile at one stratified uniform (the
   comonotone coupling: marginals exact, the P10-P90 of sums if anything too wide). Past
   the forecast's horizon each path grows at its own last-year rate up to Gen-1.
2. **Fleet.** Satellites retire after a life drawn per trial and are replaced at a cost;
   Gen-2 is expansion. Capacity (consumer subscribers) comes from the capacity curve of
   :mod:`kuiper.value.capacity`.
3. **Demand** by segment (:mod:`kuiper.value.demand`): Bass adoption from each path's
   service start to uncertain ceilings at uncertain ARPUs, times a market level whose
   median grows at the stated rate. Capacity is served to the segments paying most per
   unit of capacity first.
4. **Cash** (:mod:`kuiper.value.costs`): revenue less opex, Gen-1, replacement and Gen-2
   capex, after tax, discounted at a risk-adjusted rate, plus a Gordon terminal value.
5. **Regulation**: at each Gen-1 milestone not yet waived, a short path keeps its licence
   with a probability that falls with its shortfall, anchored on the 2026-06-05 waiver.
6. **Options** (:mod:`kuiper.value.decisions`): abandon or sell by least-squares Monte
   Carlo, expand and defer by fitted threshold rules, all on independent training paths.
7. **AWS integration** in dollars: D2A attach x AWS margin on enterprise revenue, transit
   avoided per Gbps carried, gateway co-location capex and opex saved.
8. **D2D** through Globalstar is its own leg, net of the price; it is not in the total
   (the SOTP's Globalstar line carries it, so nothing is counted twice).

Every assumption is in ``kuiper/data/valuation.toml`` with its source and range.
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
from . import capacity as capacity_mod
from . import costs, decisions, demand
from .config import DEFAULT_TRIALS, FORECAST_TRIALS, OPTIONS, ValuationConfig, _resolve_config
from .prepare import _Draws, _month_index, _prepare, _Prepared, check_seed
from .result import Valuation, summary

__all__ = ["Valuation", "value_kuiper"]

# ---------------------------------------------------------------------------
# The assumptions as kernel inputs


@dataclasses.dataclass
class _Inputs:
    cfg: ValuationConfig
    par: np.ndarray
    df: np.ndarray
    decision: np.ndarray
    ms_month: np.ndarray
    ms_target: np.ndarray
    ms_waived: np.ndarray
    grandfathered_month: int
    grandfathered_fixed: int
    cap_n: np.ndarray
    cap_units: np.ndarray
    weight: np.ndarray
    order: np.ndarray
    derived: dict


def _inputs(prep: _Prepared, cfg: ValuationConfig) -> _Inputs:
    from ..manifest import launches_as_of
    from ._kernels import CAN_ABANDON, CAN_DEFER, CAN_EXPAND, PAR_NAMES

    cfg, ground_source = capacity_mod.with_ground_inputs(cfg)
    mdl = cfg.model
    months = prep.month_end
    n_month = len(months)
    df = np.exp(-math.log1p(cfg.value("discount_rate")) * prep.t_yr)
    decision = np.zeros(n_month, np.int64)
    for m in np.flatnonzero(prep.dec_index >= 0):
        bits = CAN_ABANDON | CAN_DEFER
        if mdl["expand_from_utc"] <= months[m] <= mdl["expand_until_utc"]:
            bits |= CAN_EXPAND
        decision[m] = bits
    as_of_date = prep.as_of.astimezone(UTC).date()
    ms_month = np.array(
        [_month_index(months, d) if d > as_of_date else -1 for d, _, _ in prep.milestones],
        np.int64,
    )
    ms_month[ms_month >= n_month] = -1
    loss = mdl["priority_loss_utc"]
    if as_of_date >= loss:
        gf_month, gf_fixed = -1, sum(la.satellites for la in launches_as_of(loss))
    else:
        gf_month, gf_fixed = _month_index(months, loss), 0
    restore = mdl["priority_restore_utc"]
    launched0 = int(prep.initial[0])
    values, derived = costs.kernel_costs(
        cfg, launched0=launched0, gen1_total=prep.gen1_total, gen2_total=prep.gen2_total
    )
    age, age_source = costs.initial_age_months(prep.as_of, int(prep.initial[2]))
    short, short_source = costs.precedent_shortfall(prep.half_target, prep.half_waived_utc)
    cap_n, cap_units, cap_source = capacity_mod.capacity_curve(cfg, prep.gen1_total)
    weight = np.array([demand.capacity_weight(cfg, s) for s in demand.SEGMENTS])
    base = demand.segment_draws(cfg, np.zeros((1, 4)), fixed=True)
    full_units = float(np.interp(prep.gen1_total, cap_n, cap_units))
    mean_arpu = float(np.sum(base["arpu_usd_year"][0] * base["ceiling"][0]))
    mean_arpu /= max(float(np.sum(base["ceiling"][0] * weight)), 1.0)
    values.update(
        {
            "service_start": float(mdl["service_start_satellites"]),
            "gen1_total": float(prep.gen1_total),
            "half_target": float(prep.half_target),
            "priority_haircut": cfg.value("priority_haircut"),
            "restore_month": float(0 if restore <= as_of_date else _month_index(months, restore)),
            "waiver_at_precedent": cfg.value("waiver_probability_at_precedent"),
            "precedent_shortfall": short,
            "q_over_p": mdl["bass_q_over_p"],
            "abandon_after": float(mdl["abandon_after_service_months"]),
            "abandon_on": 0.0,
            "lsm_on": 0.0,
            "interval": float(mdl["decision_interval_months"]),
            "theta_expand": math.inf,
            "theta_defer": 0.0,
            "initial_age_months": age,
            "c_ref": max(full_units * mean_arpu, 1.0),
        }
    )
    derived.update(
        {
            "full_gen1_capacity_subscribers": {"value": full_units, "source": cap_source},
            "full_gen1_revenue_capacity_usd_year": {
                "value": full_units * mean_arpu,
                "source": "derived: full Gen-1 capacity x the base segment mix's revenue per "
                "consumer subscriber of capacity",
            },
            "initial_fleet_age_months": {"value": age, "source": age_source},
            "waiver_precedent_shortfall": {"value": short, "source": short_source},
            "ground_inputs": {"value": None, "source": ground_source},
            "gen1_authorized": {"value": prep.gen1_total, "source": "constellation.toml"},
            "gen2_authorized": {"value": prep.gen2_total, "source": "constellation.toml"},
        }
    )
    return _Inputs(
        cfg=cfg,
        par=np.array([values[k] for k in PAR_NAMES], np.float64),
        df=df,
        decision=decision,
        ms_month=ms_month,
        ms_target=np.array([t for _, t, _ in prep.milestones], np.int64),
        ms_waived=np.array([int(w) for _, _, w in prep.milestones], np.int64),
        grandfathered_month=gf_month,
        grandfathered_fixed=gf_fixed,
        cap_n=cap_n.astype(np.float64),
        cap_units=cap_units.astype(np.float64),
        weight=weight,
        order=demand.serving_order(cfg),
        derived=derived,
    )


@dataclasses.dataclass
class _Paths:
    """Per-trial demand and fleet inputs of one set of draws under one config."""

    market: np.ndarray
    seg: dict
    life_m: np.ndarray
    grandfathered: np.ndarray
    level: np.ndarray
    waiver_u: np.ndarray


def _paths(prep: _Prepared, inp: _Inputs, draws: _Draws) -> _Paths:
    from ._kernels import METRIC_LAUNCHED

    seg = demand.segment_draws(inp.cfg, draws.z_seg[:, :4])
    if inp.grandfathered_month < 0:
        gf = np.full(draws.level.shape[0], inp.grandfathered_fixed, np.int64)
    else:
        m = min(inp.grandfathered_month, prep.table.shape[1] - 1)
        gf = prep.table[draws.level, m, METRIC_LAUNCHED].astype(np.int64)
    return _Paths(
        market=demand.market_level(inp.cfg, prep.dt_yr, draws.eps),
        seg=seg,
        life_m=np.maximum(np.rint(seg["life_years"] * 12.0), 1).astype(np.int64),
        grandfathered=gf,
        level=draws.level,
        waiver_u=draws.waiver_u,
    )


def _run(
    prep: _Prepared,
    inp: _Inputs,
    paths: _Paths,
    *,
    options=(),
    theta=None,
    beta=None,
    record: int = 0,
    flows: int = 0,
    par_override: dict | None = None,
) -> dict:
    """Run the kernel with the ``options`` held (none: the static NPV)."""
    from . import _kernels as K

    par = inp.par.copy()
    theta = theta or decisions.NEVER
    if "expand" in options:
        par[K.P_THETA_EXPAND] = theta["expand"]
    if "defer" in options:
        par[K.P_THETA_DEFER] = theta["defer"]
    par[K.P_ABANDON_ON] = 1.0 if "abandon" in options else 0.0
    par[K.P_LSM_ON] = 1.0 if beta is not None else 0.0
    for name, value in (par_override or {}).items():
        par[K.PAR_NAMES.index(name)] = value
    mask = (
        (K.CAN_ABANDON if "abandon" in options else 0)
        | (K.CAN_EXPAND if "expand" in options else 0)
        | (K.CAN_DEFER if "defer" in options else 0)
    )
    n = paths.level.shape[0]
    n_month = prep.t_yr.shape[0]
    n_dec = int(prep.dec_index.max()) + 1
    out = {
        "leo": np.empty(n),
        "syn": np.empty(n),
        "state": np.empty(n, np.int64),
        "abandon_dec": np.empty(n, np.int64),
        "first_allowed": np.empty(n, np.int64),
        "basis": np.zeros((record, n_dec, K.N_BASIS)),
        "cf": np.zeros((record, n_dec + 1)),
        "salvage": np.zeros((record, n_dec)),
        "allowed": np.zeros((record, n_dec), np.int64),
        "flows": np.zeros((flows, n_month, K.N_FLOWS)),
    }
    K.simulate(
        prep.table,
        paths.level,
        prep.initial,
        paths.market,
        paths.seg["ceiling"],
        paths.seg["arpu_usd_year"],
        paths.seg["k_per_year"],
        inp.weight,
        inp.order,
        paths.life_m,
        paths.waiver_u,
        paths.grandfathered,
        inp.df,
        prep.dt_yr,
        prep.t_yr,
        inp.decision & mask,
        prep.dec_index,
        inp.ms_month,
        inp.ms_target,
        inp.ms_waived,
        inp.cap_n,
        inp.cap_units,
        par,
        np.zeros((n_dec, K.N_BASIS)) if beta is None else beta,
        np.empty((3, max(n_month, K.N_BASIS))),
        out["leo"],
        out["syn"],
        out["state"],
        out["abandon_dec"],
        out["first_allowed"],
        out["basis"],
        out["cf"],
        out["salvage"],
        out["allowed"],
        out["flows"],
    )
    return out


# ---------------------------------------------------------------------------
# Fitting the rules and valuing


def _fit(prep, inp, train: _Paths, enabled: list, progress=None) -> tuple[dict, object]:
    """Threshold rules for expand/defer, then the LSM exit rule under them."""

    def objective(theta: dict) -> float:
        r = _run(prep, inp, train, options=[k for k in enabled if k != "abandon"], theta=theta)
        return float(np.mean(r["leo"] + r["syn"]))

    theta = decisions.fit_thresholds(objective, enabled)
    if progress:
        progress()
    beta = None
    if "abandon" in enabled:
        n = train.level.shape[0]
        rec = _run(prep, inp, train, options=enabled, theta=theta, record=n)
        beta = decisions.fit_lsm(rec["basis"], rec["cf"], rec["salvage"], rec["allowed"])
    return theta, beta


def _forecast_for(store, forecast, as_of, seed):
    from ..timescale import parse_utc

    if as_of is not None:
        as_of = parse_utc(as_of, end_of_day=isinstance(as_of, str) and len(as_of.strip()) == 10)
    if forecast is not None:
        if as_of is not None and as_of != forecast.as_of:
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


def value_kuiper(
    store=None,
    *,
    forecast=None,
    as_of: dt.datetime | str | None = None,
    trials: int = DEFAULT_TRIALS,
    seed: int = 2026,
    config: ValuationConfig | str | Path | None = None,
    scenarios: bool = True,
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
        Aware UTC, or ``YYYY-MM-DD`` (the end of that day); only with ``store``.
    trials : int
        Evaluation trials (default 20,000); the rules are fitted on ``max(2000,
        trials // 2)`` independent training trials. Refused when its memory estimate
        exceeds the memory available.
    seed : int
        >= 0; deterministic for a given seed (and forecast).
    config : ValuationConfig or path, optional
        Default the shipped ``valuation.toml``.
    scenarios : bool
        Also compute the bear/base/bull scenario DCF and the comparables cross-check.
    progress : callable, optional
        Called as ``progress(steps_done, steps)``.

    Returns
    -------
    Valuation
        USD; ``to_dict()`` gives the JSON form.
    """
    check_seed(seed)
    cfg = _resolve_config(config)
    fc = _forecast_for(store, forecast, as_of, seed)
    prep = _prepare(fc, cfg, trials, seed)
    return _value_prepared(prep, cfg, progress, scenarios=scenarios)


def _value_prepared(prep, cfg, progress=None, *, scenarios: bool = True) -> Valuation:
    from . import _kernels as K
    from .scenarios import comparables, scenario_dcf

    enabled = [k for k in OPTIONS if cfg.options[k]]
    steps = 4
    done = [0]

    def tick():
        done[0] += 1
        if progress:
            progress(done[0], steps)

    inp = _inputs(prep, cfg)
    ev = _paths(prep, inp, prep.evaluation)
    train = _paths(prep, inp, prep.training)
    static = _run(prep, inp, ev)
    theta, beta = _fit(prep, inp, train, enabled, tick)
    full = _run(prep, inp, ev, options=enabled, theta=theta, beta=beta)
    tick()
    premiums = {}
    for name in OPTIONS:
        if name not in enabled:
            premiums[name] = np.zeros_like(static["leo"])
            continue
        b = None
        if name == "abandon":
            _, b = _fit(prep, inp, train, ["abandon"])
        alone = _run(prep, inp, ev, options=[name], theta=theta, beta=b)
        premiums[name] = alone["leo"] - static["leo"]
    tick()
    kept = _run(prep, inp, ev, par_override={"waiver_at_precedent": 1.0})
    cut = _run(
        prep,
        inp,
        ev,
        par_override={"waiver_at_precedent": 0.0, "precedent_shortfall": 1e-12},
    )
    gross, price_pv = demand.d2d_leg(
        inp.cfg, prep.t_yr, prep.dt_yr, inp.df, prep.evaluation.z_seg[:, 4], prep.as_of
    )
    scen = scenario_dcf(prep, inp, _run, _paths_fixed) if scenarios else None
    comp = (
        comparables(inp.cfg, scen, summary(full["leo"] + full["syn"]), prep.as_of) if scen else None
    )
    tick()
    return Valuation.build(
        prep=prep,
        cfg=inp.cfg,
        inp=inp,
        static=static,
        full=full,
        premiums=premiums,
        theta=theta,
        beta=beta,
        regulation={"kept": kept, "cut": cut},
        d2d=(gross, price_pv),
        scenarios=scen,
        comparables=comp,
        demand_path=_demand_path(prep, inp, ev),
        bits=K,
    )


def value_summaries(prep, cfg) -> tuple[dict, dict]:
    """Only the total's and the static NPV's summaries (what the tornado needs)."""
    enabled = [k for k in OPTIONS if cfg.options[k]]
    inp = _inputs(prep, cfg)
    ev = _paths(prep, inp, prep.evaluation)
    static = _run(prep, inp, ev)
    theta, beta = _fit(prep, inp, _paths(prep, inp, prep.training), enabled)
    full = _run(prep, inp, ev, options=enabled, theta=theta, beta=beta)
    return summary(full["leo"] + full["syn"]), summary(static["leo"])


def _paths_fixed(prep, inp, *, z: np.ndarray, level: int, waiver_u: np.ndarray) -> _Paths:
    """Deterministic paths, one per regulatory uniform in ``waiver_u``: parameter normals
    ``z`` (4,), deployment quantile ``level``, the market level's median path."""
    u = np.asarray(waiver_u, float)
    n = u.shape[0]
    draws = _Draws(
        level=np.full(n, level, np.int64),
        z_seg=np.tile(np.concatenate([np.asarray(z, float), [0.0]]), (n, 1)),
        eps=np.zeros((n, prep.t_yr.shape[0])),
        waiver_u=np.repeat(u[:, None], len(prep.milestones), axis=1),
    )
    return _paths(prep, inp, draws)


def _demand_path(prep, inp, paths: _Paths) -> dict:
    """P10/P50/P90 of unconstrained demand (USD/yr) at each year end, service from as-of.

    Diagnostic of the demand model alone: every segment adopts from the as-of date, so the
    late years show the market level's median growth.
    """
    q = inp.cfg.model["bass_q_over_p"]
    seg = paths.seg
    ends = [k for k, d in enumerate(prep.month_end) if d.month == 12]
    t = prep.t_yr[ends]
    frac = demand.bass_fraction(seg["k_per_year"][:, :, None] * t[None, None, :], q)
    usd = np.einsum("is,ist->it", seg["ceiling"] * seg["arpu_usd_year"], frac)
    usd *= paths.market[:, ends]
    p10, p50, p90 = np.quantile(usd, [0.1, 0.5, 0.9], axis=0)
    return {
        "year": [prep.month_end[k].year for k in ends],
        "p10_usd_year": p10.tolist(),
        "p50_usd_year": p50.tolist(),
        "p90_usd_year": p90.tolist(),
    }
