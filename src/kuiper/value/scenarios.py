"""A transparent bear / base / bull DCF from the same inputs, and a comparables cross-check.

Each scenario is one deterministic path through the same kernel, without options:

- **base**: every uncertain parameter at its base (the P50), the deployment forecast's
  median path, the market level's median path;
- **bear** / **bull**: ceilings, ARPUs, adoption speed, satellite life and the deployment
  path each moved down / up by the same share of its range, so that the scenario is the
  P10 / P90 of their combined effect (each input at z = -+1.28 / sqrt(5), about its
  28th / 72nd percentile).

The regulatory branch is averaged exactly: each scenario runs at 20 evenly spaced
regulatory uniforms, and its NPV and annual flows are their mean. Weights are the
TOML's ``scenario_weight_*``. The annual cash flows of each are
returned so the DCF can be checked by hand.

The comparables cross-check prices the base scenario's 2030 EBITDA at Starlink's
connectivity EV/EBITDA (an assumption), discounted to the as-of date, and compares EV
per subscriber with Starlink's (SpaceX S-1 figures).
"""

from __future__ import annotations

import math

import numpy as np

from .config import N_LEVELS
from .demand import Z90

# Independent uncertain inputs moved together in a scenario: ceilings, ARPUs, adoption
# speed, satellite life and the deployment path. Each goes to its z = +-Z90 / sqrt(5) so
# that, for effects that add, the scenario sits at the P10 / P90 of their sum rather than
# at the far rarer joint P10 / P90 of every input.
N_INDEPENDENT = 5
Z_SCENARIO = Z90 / math.sqrt(N_INDEPENDENT)
SCENARIOS = {"bear": -Z_SCENARIO, "base": 0.0, "bull": Z_SCENARIO}
LEVELS = {k: 0.5 * (1.0 + math.erf(z / math.sqrt(2.0))) for k, z in SCENARIOS.items()}
COMPARABLE_YEAR = 2030
# The Monte Carlo's static mean should lie within 25% of the weighted DCF, or within
# $1.25B where that is small (issue 12).
SCENARIO_TOLERANCE = 0.25
SCENARIO_TOLERANCE_USD = 1.25e9
N_REGULATORY = 20  # regulatory uniforms per scenario: the branch's expectation, exactly


def scenario_dcf(prep, inp, run, paths_fixed) -> dict:
    """``{"bear", "base", "bull"}`` each ``{"npv_usd", "weight", "synergy_usd", "years"}``,
    and ``"weighted_usd"``."""
    out = {}
    for name, z in SCENARIOS.items():
        level = min(int(LEVELS[name] * N_LEVELS), N_LEVELS - 1)
        u = (np.arange(N_REGULATORY) + 0.5) / N_REGULATORY
        paths = paths_fixed(prep, inp, z=np.full(4, z), level=level, waiver_u=u)
        r = run(prep, inp, paths, flows=N_REGULATORY)
        flows = r["flows"].mean(axis=0)
        years = {}
        for m, d in enumerate(prep.month_end):
            y = years.setdefault(
                d.year, {"revenue_usd": 0.0, "opex_usd": 0.0, "capex_usd": 0.0, "fcf_usd": 0.0}
            )
            y["revenue_usd"] += flows[m, 0]
            y["opex_usd"] += flows[m, 1]
            y["capex_usd"] += flows[m, 2]
            y["fcf_usd"] += flows[m, 3]
            y["subscribers_served"] = float(flows[m, 4])
        out[name] = {
            "npv_usd": float(r["leo"].mean()),
            "weight": inp.cfg.model[f"scenario_weight_{name}"],
            "synergy_usd": float(r["syn"].mean()),
            "years": [{"year": y, **v} for y, v in sorted(years.items())],
        }
    out["weighted_usd"] = float(sum(out[k]["npv_usd"] * out[k]["weight"] for k in SCENARIOS))
    return out


def _year(scenario: dict, year: int) -> dict | None:
    return next((y for y in scenario["years"] if y["year"] == year), None)


def comparables(cfg, scenarios: dict, total: dict, as_of) -> dict:
    """Kuiper's implied EV/EBITDA and EV per subscriber against Starlink's connectivity."""
    v = cfg.value
    star_ebitda = v("starlink_revenue_usd_2025") * v("starlink_ebitda_margin")
    star_ev = v("starlink_ev_to_ebitda") * star_ebitda
    star_ev_sub = star_ev / v("starlink_subscribers_2025")
    base = _year(scenarios["base"], COMPARABLE_YEAR)
    out = {
        "starlink_ebitda_2025_usd": star_ebitda,
        "starlink_ev_usd": star_ev,
        "starlink_ev_per_subscriber_usd": star_ev_sub,
        "year": COMPARABLE_YEAR,
        "kuiper_ebitda_usd": None,
        "kuiper_subscribers": None,
        "kuiper_ev_to_ebitda": None,
        "kuiper_ev_per_subscriber_usd": None,
        "value_at_starlink_multiple_usd": None,
    }
    if base is None:
        return out
    ebitda = base["revenue_usd"] - base["opex_usd"]
    subs = base["subscribers_served"]
    years = COMPARABLE_YEAR + 0.5 - (as_of.year + (as_of.timetuple().tm_yday - 1) / 365.25)
    out.update(
        {
            "kuiper_ebitda_usd": ebitda,
            "kuiper_subscribers": subs,
            "kuiper_ev_to_ebitda": total["mean"] / ebitda if ebitda > 0 else None,
            "kuiper_ev_per_subscriber_usd": total["mean"] / subs if subs > 0 else None,
            "value_at_starlink_multiple_usd": v("starlink_ev_to_ebitda")
            * max(ebitda, 0.0)
            / (1.0 + v("discount_rate")) ** max(years, 0.0),
        }
    )
    return out


def render_scenarios(scenarios: dict, comp: dict | None, static_npv: dict) -> str:
    """The scenario DCF next to the Monte Carlo, the base case's annual flows, comparables."""
    lines = [
        "Scenario DCF (no options; same inputs; USD billions)",
        f"{'':<10}{'weight':>8}{'NPV':>9}{'AWS':>8}",
    ]
    for k in SCENARIOS:
        s = scenarios[k]
        lines.append(
            f"{k:<10}{s['weight']:>8.2f}{s['npv_usd'] / 1e9:>9.2f}{s['synergy_usd'] / 1e9:>8.2f}"
        )
    w = scenarios["weighted_usd"]
    mc = static_npv["mean"]
    ok = abs(mc - w) <= max(SCENARIO_TOLERANCE * abs(w), SCENARIO_TOLERANCE_USD)
    lines += [
        f"{'weighted':<10}{'':>8}{w / 1e9:>9.2f}   Monte Carlo static NPV mean {mc / 1e9:.2f}; "
        f"difference {(mc - w) / 1e9:+.2f} ({'within' if ok else 'outside'} 25% or $1.25B)",
        "",
        "base case by year (USD billions; subscribers in consumer equivalents, millions)",
        f"{'year':<6}{'revenue':>9}{'opex':>8}{'capex':>8}{'FCF':>8}{'subs':>8}",
    ]
    for y in scenarios["base"]["years"]:
        if y["year"] % 2 == 0 or y is scenarios["base"]["years"][0]:
            lines.append(
                f"{y['year']:<6}{y['revenue_usd'] / 1e9:>9.2f}{y['opex_usd'] / 1e9:>8.2f}"
                f"{y['capex_usd'] / 1e9:>8.2f}{y['fcf_usd'] / 1e9:>8.2f}"
                f"{y['subscribers_served'] / 1e6:>8.2f}"
            )
    if comp and comp["kuiper_ebitda_usd"] is not None:
        lines += [
            "",
            f"comparables: Starlink 2025 EBITDA {comp['starlink_ebitda_2025_usd'] / 1e9:.1f}B, "
            f"EV/subscriber ${comp['starlink_ev_per_subscriber_usd']:,.0f}; Leo base "
            f"{comp['year']} EBITDA {comp['kuiper_ebitda_usd'] / 1e9:.2f}B at Starlink's "
            f"multiple, discounted: {comp['value_at_starlink_multiple_usd'] / 1e9:.1f}B; "
            "implied EV/subscriber "
            + (
                f"${comp['kuiper_ev_per_subscriber_usd']:,.0f}"
                if comp["kuiper_ev_per_subscriber_usd"]
                else "n/a"
            ),
        ]
    return "\n".join(lines)
