"""A slow, plain NumPy oracle of the valuation kernel's static (no-option) cash flows.

Written from the model's description in kuiper.value (not from the kernel): vectors over
trials, a loop over months, cohorts kept as a full (n_trial, n_month) matrix.
"""

from __future__ import annotations

import numpy as np


def naive_valuation_static(prep, inp, paths):
    """Static PV of Leo's cash flows and of the AWS integration, per trial (USD)."""
    from kuiper.value._kernels import PAR_NAMES

    p = dict(zip(PAR_NAMES, inp.par, strict=True))
    n = paths.level.shape[0]
    n_month = prep.t_yr.shape[0]
    lv = paths.level
    gen1 = p["gen1_total"]
    life = np.maximum(paths.life_m, 1)
    cap = np.full(n, gen1)
    prev_launched = np.full(n, min(float(prep.initial[0]), gen1))
    init_on = min(float(prep.initial[2]), gen1)
    prev_on = np.full(n, init_on)
    retire_init = np.maximum(life - p["initial_age_months"], 0.0).astype(np.int64)
    coh1 = np.zeros((n, n_month))
    gf = paths.grandfathered.astype(float)
    restored = np.zeros(n, bool)
    service_m = np.full(n, -1)
    leo = np.zeros(n)
    syn = np.zeros(n)
    rows = np.arange(n)
    rev_rate = np.zeros(n)
    syn_rate = np.zeros(n)
    active = np.zeros(n)
    replace = p["replace"] > 0.5
    for m in range(n_month):
        for k, month in enumerate(inp.ms_month):
            if month == m and not inp.ms_waived[k]:
                io = prep.table[lv, m, 1].astype(float)
                short = (inp.ms_target[k] - io) / inp.ms_target[k]
                pw = 1 - (1 - p["waiver_at_precedent"]) * short / max(
                    p["precedent_shortfall"], 1e-9
                )
                cut = (io < inp.ms_target[k]) & (io < cap) & (paths.waiver_u[:, k] >= pw)
                cap = np.where(cut, io, cap)
        top = np.minimum(cap, gen1)
        launched = np.minimum(prep.table[lv, m, 0], top)
        on = np.minimum(prep.table[lv, m, 2], top)
        capex = np.maximum(launched - prev_launched, 0) * p["capex_per_satellite"]
        prev_launched = np.maximum(prev_launched, launched)
        coh1[:, m] += np.maximum(on - prev_on, 0)
        prev_on = on.astype(float)
        ret = np.where(m == retire_init, init_on, 0.0)
        old = m - life
        ret += np.where(old >= 0, coh1[rows, np.maximum(old, 0)], 0.0)
        assert replace, "the oracle covers the shipped case: retired satellites are replaced"
        capex += ret * p["replacement_cost"]
        coh1[:, m] += ret
        active = on.astype(float)  # replaced one for one
        restored |= (on >= p["half_target"]) | (m >= p["restore_month"])
        haircut = np.minimum(active, gf) + (1 - p["priority_haircut"]) * np.maximum(active - gf, 0)
        eff = np.where(restored, active, haircut)
        starting = (service_m < 0) & (active >= p["service_start"])
        syn += np.where(
            starting, inp.df[m] * p["after_tax"] * p["gateways"] * p["gateway_capex_saved"], 0.0
        )
        service_m = np.where(starting, m, service_m)
        serving = service_m >= 0
        capacity = np.where(serving, np.interp(eff, inp.cap_n, inp.cap_units), 0.0)
        # The capacity curve is linear past its last point.
        slope = (inp.cap_units[-1] - inp.cap_units[-2]) / (inp.cap_n[-1] - inp.cap_n[-2])
        beyond = eff > inp.cap_n[-1]
        capacity = np.where(
            serving & beyond, inp.cap_units[-1] + slope * (eff - inp.cap_n[-1]), capacity
        )
        t_since = prep.t_yr[m] - np.where(
            serving, prep.t_yr[np.maximum(service_m, 0)] - prep.dt_yr[np.maximum(service_m, 0)], 0
        )
        remaining = capacity.copy()
        rev_rate = np.zeros(n)
        served = np.zeros(n)
        ent = np.zeros(n)
        for s in inp.order:
            x = paths.seg["k_per_year"][:, s] * t_since
            frac = (1 - np.exp(-x)) / (1 + p["q_over_p"] * np.exp(-x))
            d = np.where(serving, paths.seg["ceiling"][:, s] * frac * paths.market[:, m], 0.0)
            srv = np.minimum(d, remaining / inp.weight[s])
            remaining -= srv * inp.weight[s]
            served += srv * inp.weight[s]
            rev_rate += srv * paths.seg["arpu_usd_year"][:, s]
            if s == 1:
                ent = srv * paths.seg["arpu_usd_year"][:, s]
        revenue = rev_rate * prep.dt_yr[m]
        opex = p["fixed_opex"] * prep.dt_yr[m] + p["variable_share"] * revenue
        leo += inp.df[m] * p["after_tax"] * (revenue - opex - capex)
        syn_rate = (
            p["attach_margin"] * ent
            + p["transit_usd_gbps_year"] * served * p["busy_hour_mbps"] / 1000
            + np.where(serving, p["gateways"] * p["gateway_opex_saved"], 0.0)
        )
        syn += inp.df[m] * p["after_tax"] * syn_rate * prep.dt_yr[m]
    repl = active * p["replacement_cost"] * 12.0 / life
    tail = rev_rate * (1 - p["variable_share"]) - p["fixed_opex"] - repl
    leo += inp.df[-1] * p["tv_factor"] * p["after_tax"] * tail
    syn += inp.df[-1] * p["tv_factor"] * p["after_tax"] * syn_rate
    return leo, syn
