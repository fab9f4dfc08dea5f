"""Numba kernel of the Kuiper valuation: one pass over trials x months.

Only jitted code lives here; :mod:`kuiper.value.model` prepares every input and imports
this module inside the functions that use it. The caller allocates the outputs; the
kernel allocates nothing and never raises.
"""

from __future__ import annotations

from .._jit import njit

# Scalar parameters, in this order, in the ``par`` array.
PAR_NAMES = (
    "revenue_per_satellite",  # USD/yr of revenue per effective satellite of capacity
    "capex_per_satellite",  # USD per Gen-1 satellite launched from the as-of date on
    "fixed_opex",  # USD/yr
    "variable_share",  # opex as a fraction of revenue
    "maintenance_share",  # maintenance capex as a fraction of revenue
    "after_tax",  # 1 - tax rate
    "salvage",  # USD, pre-tax
    "gen2_satellites",
    "gen2_ratio",  # Gen-1 satellites of capacity per Gen-2 satellite
    "gen2_capex",  # USD
    "gen2_lead",  # months from the decision to the first Gen-2 satellite in service
    "gen2_build",  # months of the linear ramp after the lead
    "gen2_capex_months",
    "service_start",  # satellites on station before revenue starts
    "gen1_total",  # authorized Gen-1 satellites
    "half_target",  # Gen-1 satellites that restore priority
    "priority_haircut",
    "restore_month",  # grid month from which priority is restored anyway
    "waiver_p",
    "synergy_share",  # AWS operating income after tax per USD of Leo revenue
    "tv_factor",  # (1 + g) / (r - g), or 0 for no terminal value
    "c_ref",  # USD/yr: gen1_total x revenue_per_satellite, the scale of the thresholds
    "theta_abandon",  # abandon when demand < theta_abandon x c_ref
    "theta_expand",  # expand when demand > theta_expand x c_ref
    "theta_defer",  # pause Gen-1 when demand < theta_defer x current capacity
    "interval",  # months a deferral lasts
)
_P = {name: k for k, name in enumerate(PAR_NAMES)}
P_REV, P_CAPEX, P_FIXED, P_VAR, P_MAINT, P_AFTER_TAX, P_SALVAGE = range(7)
P_G2_SATS, P_G2_RATIO, P_G2_CAPEX, P_G2_LEAD, P_G2_BUILD, P_G2_CAPEX_MONTHS = range(7, 13)
P_SERVICE, P_GEN1, P_HALF, P_HAIRCUT, P_RESTORE, P_WAIVER = range(13, 19)
P_SYNERGY, P_TV, P_CREF, P_TH_ABANDON, P_TH_EXPAND, P_TH_DEFER, P_INTERVAL = range(19, 26)

# Bits of ``decision[m]``: which options may be exercised at the end of month m.
CAN_ABANDON = 1
CAN_EXPAND = 2
CAN_DEFER = 4

# Bits of ``out_state``.
ABANDONED = 1
EXPANDED = 2
LICENCE_CUT = 4
DEFERRED = 8
IN_SERVICE = 16

METRIC_LAUNCHED = 0
METRIC_IN_ORBIT = 1
METRIC_ON_STATION = 2


@njit
def _count(table, initial, metric, clock, level):
    """Satellites of ``metric`` at deployment clock ``clock`` (-1 = as-of date)."""
    if clock < 0:
        return initial[metric]
    return table[level, clock, metric]


@njit
def simulate(
    table,
    level,
    initial,
    demand_path,
    waiver_u,
    grandfathered,
    df,
    dt_yr,
    decision,
    ms_month,
    ms_target,
    ms_waived,
    par,
    out_leo,
    out_syn,
    out_state,
    out_abandon_m,
    out_expand_m,
):
    """Value every trial under one exercise rule.

    Parameters
    ----------
    table : int32 (n_level, n_month, 3)
        Quantile of launched / in-orbit / on-station counts at each month end (levels
        first, so that one trial reads contiguous memory).
    level : int64 (n_trial,)
        Each trial's quantile level (the comonotone coupling).
    initial : int64 (3,)
        Counts at the as-of date.
    demand_path : float64 (n_trial, n_month)
        Demand (USD/yr of revenue Leo could sell) at each month end.
    waiver_u : float64 (n_trial, n_milestone)
        Uniforms deciding the regulatory branch.
    grandfathered : int64 (n_trial,)
        Satellites that keep processing-round priority.
    df, dt_yr : float64 (n_month,)
        Discount factor at each month end; the month's length in years.
    decision : int64 (n_month,)
        Bits CAN_ABANDON | CAN_EXPAND | CAN_DEFER.
    ms_month, ms_target, ms_waived : int64 (n_milestone,)
        Grid month of each Gen-1 milestone deadline (-1: not on the grid), its target
        (in orbit) and whether its waiver is already known.
    par : float64 (len(PAR_NAMES),)
    out_leo, out_syn : float64 (n_trial,)
        Present value of Leo's free cash flow (salvage and terminal value included) and
        of the AWS synergy, after tax, USD.
    out_state, out_abandon_m, out_expand_m : int64 (n_trial,)
        State bits; the month of abandonment and of the expansion decision (-1: none).
    """
    n_trial, n_month = demand_path.shape
    n_ms = ms_month.shape[0]
    rev_sat = par[P_REV]
    capex_sat = par[P_CAPEX]
    fixed = par[P_FIXED]
    var = par[P_VAR]
    maint = par[P_MAINT]
    after_tax = par[P_AFTER_TAX]
    gen1_total = par[P_GEN1]
    g2_sats = par[P_G2_SATS]
    g2_ratio = par[P_G2_RATIO]
    g2_capex_month = par[P_G2_CAPEX] / max(par[P_G2_CAPEX_MONTHS], 1.0)
    g2_capex_months = par[P_G2_CAPEX_MONTHS]
    g2_lead = par[P_G2_LEAD]
    g2_build = max(par[P_G2_BUILD], 1.0)
    haircut = par[P_HAIRCUT]
    restore_month = par[P_RESTORE]
    synergy = par[P_SYNERGY]
    abandon_below = par[P_TH_ABANDON] * par[P_CREF]
    expand_above = par[P_TH_EXPAND] * par[P_CREF]
    theta_defer = par[P_TH_DEFER]
    interval = int(par[P_INTERVAL])
    for i in range(n_trial):
        lv = level[i]
        clock = -1
        paused_until = -1
        cap = gen1_total
        prev_launched = min(float(initial[METRIC_LAUNCHED]), cap)
        expanded_at = -1
        in_service = False
        restored = False
        leo = 0.0
        syn = 0.0
        state = 0
        abandon_m = -1
        capacity = 0.0
        demand = 0.0
        for m in range(n_month):
            if m > paused_until:
                clock += 1
            demand = demand_path[i, m]
            # Regulatory branch at a Gen-1 milestone deadline.
            for k in range(n_ms):
                if ms_month[k] == m and ms_waived[k] == 0:
                    io = float(_count(table, initial, METRIC_IN_ORBIT, clock, lv))
                    if io < ms_target[k] and waiver_u[i, k] >= par[P_WAIVER] and io < cap:
                        cap = io
                        state |= LICENCE_CUT
            top = min(cap, gen1_total)
            launched = min(float(_count(table, initial, METRIC_LAUNCHED, clock, lv)), top)
            on_station = min(float(_count(table, initial, METRIC_ON_STATION, clock, lv)), top)
            capex = 0.0
            if launched > prev_launched:
                capex = (launched - prev_launched) * capex_sat
                prev_launched = launched
            g2 = 0.0
            if expanded_at >= 0:
                since = m - expanded_at
                if since <= g2_capex_months:
                    capex += g2_capex_month
                frac = (since - g2_lead) / g2_build
                frac = min(max(frac, 0.0), 1.0)
                g2 = g2_sats * frac
            if not restored and (on_station >= par[P_HALF] or m >= restore_month):
                restored = True
            if restored:
                eff = on_station
            else:
                gf = float(grandfathered[i])
                eff = min(on_station, gf) + (1.0 - haircut) * max(on_station - gf, 0.0)
            if not in_service and on_station + g2 >= par[P_SERVICE]:
                in_service = True
            capacity = (eff + g2 * g2_ratio) * rev_sat if in_service else 0.0
            revenue = min(demand, capacity) * dt_yr[m]
            cash = revenue * (1.0 - var - maint) - fixed * dt_yr[m] - capex
            leo += df[m] * after_tax * cash
            syn += df[m] * synergy * revenue
            d = decision[m]
            if d != 0:
                if (d & CAN_ABANDON) != 0 and demand < abandon_below:
                    leo += df[m] * after_tax * par[P_SALVAGE]
                    state |= ABANDONED
                    abandon_m = m
                    break
                if (d & CAN_EXPAND) != 0 and expanded_at < 0 and demand > expand_above:
                    expanded_at = m
                    state |= EXPANDED
                if (
                    (d & CAN_DEFER) != 0
                    and in_service
                    and launched < top
                    and demand < theta_defer * capacity
                ):
                    paused_until = m + interval
                    state |= DEFERRED
        if abandon_m < 0 and par[P_TV] != 0.0:
            # Steady state after the last month: demand-limited revenue at the last
            # capacity, no growth capex, growing at g.
            ss = min(demand, capacity)
            cash = ss * (1.0 - var - maint) - fixed
            leo += df[n_month - 1] * par[P_TV] * after_tax * cash
            syn += df[n_month - 1] * par[P_TV] * synergy * ss
        if in_service:
            state |= IN_SERVICE
        out_leo[i] = leo
        out_syn[i] = syn
        out_state[i] = state
        out_abandon_m[i] = abandon_m
        out_expand_m[i] = expanded_at
