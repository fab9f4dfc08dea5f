"""Demand by segment: Bass adoption from each path's service start, with uncertain parameters.

Segments (in the order the kernel serves them when capacity is short, highest revenue per
unit of capacity first, fixed by the base values):

- **consumer**: subscribers x ARPU;
- **enterprise** and government, Direct-to-AWS included: sites x ARPU;
- **backhaul**: cell sites x ARPU;
- **mobility**: aircraft and vessels x ARPU.

Each segment's demand at month ``m`` of a trial is ``ceiling x F(k (t - t_service)) x M(t)``
in its own units, where ``F`` is the Bass (1969) adoption curve with ``q/p`` from the TOML
and ``k`` set so that half the ceiling is reached after ``adoption_years``; ``M`` is the
market level, a lognormal whose median grows at exactly ``market_growth``. Ceilings, ARPUs,
adoption speeds and satellite life are drawn once per trial (their TOML low/high are the
P10/P90 of a split normal around the base; one standard normal each for ceilings, ARPUs
and speeds, shared by the segments), so uncertainty is about parameters that are learnt as
adoption unfolds, not a random walk. D2D through Globalstar is its own leg
(:func:`d2d_leg`).

Notes
-----
Bass, F. M. (1969), A new product growth for model consumer durables, Management Science
15(5). Sultan, F., Farley, J. U. and Lehmann, D. R. (1990), A meta-analysis of applications
of diffusion models, J. Marketing Research 27(1).
"""

from __future__ import annotations

import math

import numpy as np

SEGMENTS = ("consumer", "enterprise", "backhaul", "mobility")
_CEILING = {
    "consumer": "consumer_subscribers",
    "enterprise": "enterprise_sites",
    "backhaul": "backhaul_sites",
    "mobility": "mobility_terminals",
}
_ADOPTION = {
    "consumer": "consumer_adoption_years",
    "enterprise": "enterprise_adoption_years",
    "backhaul": "enterprise_adoption_years",
    "mobility": "enterprise_adoption_years",
}
Z90 = 1.2815515655446004  # the standard normal's 90th percentile


def split_normal(a, z: np.ndarray) -> np.ndarray:
    """Quantile ``z`` (standard normal) of a split normal with P10/P50/P90 = low/base/high."""
    up = (a.high - a.base) / Z90
    down = (a.base - a.low) / Z90
    return np.maximum(a.base + np.where(z > 0, up, down) * z, 0.0)


def capacity_weight(cfg, segment: str) -> float:
    """Consumer subscribers of capacity one unit of ``segment`` uses."""
    return 1.0 if segment == "consumer" else cfg.value(f"{segment}_capacity_weight")


def arpu_name(segment: str) -> str:
    return f"{segment}_arpu_usd_month"


def serving_order(cfg) -> np.ndarray:
    """Segments by base revenue per unit of capacity, highest first (indices into SEGMENTS)."""
    rate = [cfg.value(arpu_name(s)) / capacity_weight(cfg, s) for s in SEGMENTS]
    return np.argsort(-np.asarray(rate), kind="stable").astype(np.int64)


def bass_k(adoption_years: np.ndarray, q_over_p: float) -> np.ndarray:
    """Rate ``p + q`` (1/yr) of a Bass curve that reaches half its ceiling after the years."""
    return math.log(2.0 + q_over_p) / np.maximum(adoption_years, 1e-6)


def bass_fraction(x: np.ndarray, q_over_p: float) -> np.ndarray:
    """Bass cumulative adoption at ``x = (p + q) t`` (0 for x <= 0)."""
    e = np.exp(-np.maximum(x, 0.0))
    return (1.0 - e) / (1.0 + q_over_p * e)


def segment_draws(cfg, z: np.ndarray, *, fixed: bool = False) -> dict:
    """Per-trial segment parameters from the standard normals ``z`` (n_trial, 4).

    Columns of ``z``: ceilings, ARPUs, adoption speeds, satellite life. ``fixed`` keeps
    every parameter at base (the static scenario inputs use quantiles instead).

    Returns ``{"ceiling", "arpu_usd_year", "k_per_year"}`` as (n_trial, n_segment) and
    ``"life_years"`` (n_trial,).
    """
    if fixed:
        z = np.zeros_like(z)
    q_over_p = cfg.model["bass_q_over_p"]
    p = cfg.parameters
    ceiling = np.stack([split_normal(p[_CEILING[s]], z[:, 0]) for s in SEGMENTS], axis=1)
    arpu = np.stack([12.0 * split_normal(p[arpu_name(s)], z[:, 1]) for s in SEGMENTS], axis=1)
    # A faster adoption is fewer years: the speed draw enters with its sign flipped.
    years = np.stack([split_normal(p[_ADOPTION[s]], -z[:, 2]) for s in SEGMENTS], axis=1)
    life = np.maximum(split_normal(p["satellite_life_years"], z[:, 3]), 0.5)
    return {
        "ceiling": np.ascontiguousarray(ceiling),
        "arpu_usd_year": np.ascontiguousarray(arpu),
        "k_per_year": np.ascontiguousarray(bass_k(years, q_over_p)),
        "life_years": life,
    }


def market_level(cfg, dt_yr: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """Market level M at each month end (n_trial, n_month); M(as-of) = 1.

    ``log M`` is a Brownian motion with drift ``log(1 + market_growth)`` (no Ito term), so
    the median path grows at exactly ``market_growth`` and ``market_volatility`` <= 0.25.
    """
    mu = math.log1p(cfg.value("market_growth"))
    sigma = cfg.value("market_volatility")
    x = np.cumsum(mu * dt_yr + sigma * np.sqrt(dt_yr) * eps, axis=1)
    return np.exp(x, out=x)


def d2d_leg(cfg, t_yr: np.ndarray, dt_yr: np.ndarray, df: np.ndarray, z: np.ndarray, as_of):
    """The D2D leg through Globalstar, per trial (USD, after tax, present values).

    Revenue ramps on a Bass curve from ``d2d_start_utc`` to ``d2d_revenue_usd_year`` (drawn
    per trial from its P10/P90 with the ceilings' normal) and grows with nothing else;
    cash = revenue x EBITDA margin; a Gordon terminal value after the last month. The
    Globalstar price is paid at ``globalstar_close_utc``.

    Returns ``(gross_pv, price_pv)``: the leg's value without and the price's present value.
    """
    import datetime as dt

    from ..timescale import UTC

    mdl = cfg.model

    def years(d):
        moment = dt.datetime.combine(d, dt.time(), tzinfo=UTC)
        return (moment - as_of).total_seconds() / 86400.0 / 365.25

    revenue = split_normal(cfg.parameters["d2d_revenue_usd_year"], z)
    k = bass_k(np.asarray(cfg.value("consumer_adoption_years")), mdl["bass_q_over_p"])
    ramp = bass_fraction(k * (t_yr - years(mdl["d2d_start_utc"])), mdl["bass_q_over_p"])
    after_tax = 1.0 - cfg.value("tax_rate")
    cash = after_tax * cfg.value("d2d_ebitda_margin") * revenue[:, None] * ramp[None, :]
    gross = (cash * (dt_yr * df)[None, :]).sum(axis=1)
    if mdl["terminal_value"]:
        r, g = cfg.value("discount_rate"), cfg.value("terminal_growth")
        gross += df[-1] * (1.0 + g) / (r - g) * cash[:, -1]
    t_close = max(years(mdl["globalstar_close_utc"]), 0.0)
    price_pv = cfg.value("globalstar_price_usd") * math.exp(
        -math.log1p(cfg.value("discount_rate")) * t_close
    )
    return gross, price_pv
