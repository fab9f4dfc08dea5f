"""Costs, exit terms and regulation as the kernel's scalar inputs, each derivation stated.

- **Gen-1 deployment**: the rest of the Gen-1 budget (``gen1_capex_usd - invested_usd``)
  is spent per satellite launched from the as-of date on; a ``launch_share_of_capex`` of
  it is launch payments, of which ``take_or_pay_share`` is still owed on exit.
- **Retirement and replacement**: satellites retire after their life (drawn per trial)
  and are replaced at ``replacement_cost_usd_per_satellite`` while Leo operates; Gen-2
  is expansion, and its satellites are replaced in turn.
- **Opex**: fixed per year plus a share of revenue.
- **Exit**: salvage = spectrum x the authorization kept + satellites x remaining-life share
  x a distressed price + subscribers served x a distressed EV; less de-orbiting every
  satellite in orbit, a fixed exit cost and the take-or-pay launches. All after tax at
  the statutory rate with zero basis (full expensing), as every other flow.
- **Regulation**: at a Gen-1 milestone a short path keeps its licence with probability
  ``1 - (1 - p) x shortfall / s``, where ``p`` is ``waiver_probability_at_precedent`` and
  ``s`` the shortfall the FCC waived on 2026-06-05 (from the launch log).
"""

from __future__ import annotations

import datetime as dt
import math

from ..timescale import UTC


def initial_age_months(as_of: dt.datetime, on_station: int) -> tuple[float, str]:
    """Mean age in months of the satellites on station at the as-of date (launch log)."""
    from ..manifest import launches_as_of

    launches = launches_as_of(as_of.astimezone(UTC).date())
    n = sum(la.satellites for la in launches)
    if n <= 0 or on_station <= 0:
        return 0.0, "no satellites launched by the as-of date"
    days = sum(
        la.satellites
        * (as_of - dt.datetime.combine(la.launch_date_utc, dt.time(), tzinfo=UTC)).days
        for la in launches
    )
    return days / n / 30.4375, f"launch log: mean age of the {n} satellites launched"


def precedent_shortfall(half_target: int, waived_utc: dt.date) -> tuple[float, str]:
    """Shortfall of the 50% milestone at the date the FCC waived it (launch log)."""
    from ..manifest import launches_as_of

    launched = sum(la.satellites for la in launches_as_of(waived_utc))
    short = max(half_target - launched, 0) / half_target
    return short, (
        f"launch log: {launched} launched by the {waived_utc} waiver against {half_target}"
    )


def kernel_costs(cfg, *, launched0: int, gen1_total: int, gen2_total: int) -> tuple[dict, dict]:
    """The kernel's cost, exit and synergy scalars, and their derivations for the output."""
    v = cfg.value
    remaining = max(v("gen1_capex_usd") - v("invested_usd"), 0.0)
    capex_per_sat = remaining / max(gen1_total - launched0, 1)
    take_or_pay = capex_per_sat * v("launch_share_of_capex") * v("take_or_pay_share")
    r, g = v("discount_rate"), v("terminal_growth")
    values = {
        "fixed_opex": v("fixed_opex_usd_year"),
        "variable_share": v("variable_cost_share"),
        "after_tax": 1.0 - v("tax_rate"),
        "capex_per_satellite": capex_per_sat,
        "replacement_cost": v("replacement_cost_usd_per_satellite"),
        "replace": 1.0 if cfg.model["replace_retired"] else 0.0,
        "gen2_satellites": float(gen2_total),
        "gen2_ratio": v("gen2_capacity_ratio"),
        "gen2_capex": v("gen2_capex_usd"),
        "gen2_lead": float(cfg.model["gen2_lead_months"]),
        "gen2_build": float(cfg.model["gen2_build_months"]),
        "gen2_capex_months": float(cfg.model["gen2_capex_months"]),
        "tv_factor": (1.0 + g) / (r - g) if cfg.model["terminal_value"] else 0.0,
        "attach_margin": v("aws_attach_rate") * v("aws_operating_margin"),
        "transit_usd_gbps_year": v("transit_avoided_usd_per_gbps_year")
        + v("backhaul_avoided_usd_per_gbps_year"),
        "busy_hour_mbps": v("busy_hour_mbps_per_subscriber"),
        "gateways": v("aws_gateway_sites"),
        "gateway_capex_saved": v("gateway_capex_saved_usd"),
        "gateway_opex_saved": v("gateway_opex_saved_usd_year"),
        "spectrum_value": v("spectrum_value_usd"),
        "distressed_per_satellite": v("distressed_usd_per_satellite"),
        "distressed_per_subscriber": v("distressed_ev_per_subscriber_usd"),
        "deorbit_per_satellite": v("deorbit_cost_usd_per_satellite"),
        "exit_fixed": v("exit_fixed_cost_usd"),
        "take_or_pay_per_satellite": take_or_pay,
    }
    derived = {
        "capex_per_satellite_usd": {
            "value": capex_per_sat,
            "source": "derived: (gen1_capex_usd - invested_usd) / (Gen-1 authorized - launched "
            f"at the as-of date = {gen1_total} - {launched0})",
        },
        "take_or_pay_per_unlaunched_satellite_usd": {
            "value": take_or_pay,
            "source": "derived: capex per satellite x launch_share_of_capex x take_or_pay_share, "
            "owed on exit for each Gen-1 satellite not yet launched",
        },
        "steady_state_replacement_usd_year": {
            "value": gen1_total
            * v("replacement_cost_usd_per_satellite")
            / v("satellite_life_years"),
            "source": "derived: Gen-1 authorized x replacement cost / satellite life (base)",
        },
    }
    for name, x in values.items():
        if not math.isfinite(x):
            raise ValueError(f"{name} is not finite")
    return values, derived
