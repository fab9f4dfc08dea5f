"""Numba kernel of the Kuiper valuation: one pass over trials x months.

Only jitted code lives here; :mod:`kuiper.value.model` prepares every input and imports
this module inside the functions that use it. The caller allocates the outputs and the
scratch space; the kernel allocates nothing and never raises.
"""

from __future__ import annotations

import math

from .._jit import njit

# Scalar parameters, in this order, in the ``par`` array.
PAR_NAMES = (
    "fixed_opex",  # USD/yr
    "variable_share",  # opex as a fraction of revenue
    "after_tax",  # 1 - tax rate
    "capex_per_satellite",  # USD per Gen-1 satellite launched from the as-of date on
    "replacement_cost",  # USD per retired satellite replaced
    "replace",  # 1: replace retired satellites; 0: let the fleet decay
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
    "waiver_at_precedent",  # P(waiver) at the 2026 precedent's shortfall
    "precedent_shortfall",  # that shortfall, as a fraction of the target
    "tv_factor",  # (1 + g) / (r - g), or 0 for no terminal value
    "q_over_p",  # Bass q / p
    "abandon_after",  # months after the service start before exit is allowed
    "abandon_on",  # 1: the abandon option exists (exit dates are recorded)
    "lsm_on",  # 1: exercise abandonment by the LSM rule in ``beta``
    "interval",  # months a deferral lasts
    "theta_expand",  # expand when demand > theta_expand x capacity
    "theta_defer",  # pause Gen-1 when demand < theta_defer x capacity
    "attach_margin",  # AWS operating income per USD of Leo enterprise revenue
    "transit_usd_gbps_year",
    "busy_hour_mbps",  # per consumer subscriber of capacity served
    "gateways",
    "gateway_capex_saved",  # USD per gateway at the service start
    "gateway_opex_saved",  # USD/yr per gateway in service
    "spectrum_value",  # USD, scaled by the authorization kept
    "distressed_per_satellite",  # USD per satellite x remaining-life share
    "distressed_per_subscriber",  # USD per consumer subscriber of capacity served
    "deorbit_per_satellite",  # USD per satellite in orbit at exit
    "exit_fixed",  # USD at exit
    "take_or_pay_per_satellite",  # USD owed at exit per Gen-1 satellite not yet launched
    "initial_age_months",  # mean age of the fleet on station at the as-of date
    "c_ref",  # USD/yr: the scale of the regression's demand features
)
# Their indices (numba reads module constants as compile-time literals).
P_FIXED_OPEX = 0
P_VARIABLE_SHARE = 1
P_AFTER_TAX = 2
P_CAPEX_PER_SATELLITE = 3
P_REPLACEMENT_COST = 4
P_REPLACE = 5
P_GEN2_SATELLITES = 6
P_GEN2_RATIO = 7
P_GEN2_CAPEX = 8
P_GEN2_LEAD = 9
P_GEN2_BUILD = 10
P_GEN2_CAPEX_MONTHS = 11
P_SERVICE_START = 12
P_GEN1_TOTAL = 13
P_HALF_TARGET = 14
P_PRIORITY_HAIRCUT = 15
P_RESTORE_MONTH = 16
P_WAIVER_AT_PRECEDENT = 17
P_PRECEDENT_SHORTFALL = 18
P_TV_FACTOR = 19
P_Q_OVER_P = 20
P_ABANDON_AFTER = 21
P_ABANDON_ON = 22
P_LSM_ON = 23
P_INTERVAL = 24
P_THETA_EXPAND = 25
P_THETA_DEFER = 26
P_ATTACH_MARGIN = 27
P_TRANSIT_USD_GBPS_YEAR = 28
P_BUSY_HOUR_MBPS = 29
P_GATEWAYS = 30
P_GATEWAY_CAPEX_SAVED = 31
P_GATEWAY_OPEX_SAVED = 32
P_SPECTRUM_VALUE = 33
P_DISTRESSED_PER_SATELLITE = 34
P_DISTRESSED_PER_SUBSCRIBER = 35
P_DEORBIT_PER_SATELLITE = 36
P_EXIT_FIXED = 37
P_TAKE_OR_PAY_PER_SATELLITE = 38
P_INITIAL_AGE_MONTHS = 39
P_C_REF = 40

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

N_BASIS = 10  # regression basis of the LSM continuation value
# Columns of ``rec_flows``: USD/month and counts of the recorded trials.
FLOW_NAMES = ("revenue", "opex", "capex", "fcf", "served", "capacity", "synergy")
N_FLOWS = len(FLOW_NAMES)


@njit
def _count(table, initial, metric, clock, level):
    """Satellites of ``metric`` at deployment clock ``clock`` (-1 = as-of date)."""
    if clock < 0:
        return initial[metric]
    return table[level, clock, metric]


@njit
def _interp(x, xs, ys):
    """Piecewise-linear y(x) through (xs, ys), extended linearly past the last point."""
    n = xs.shape[0]
    if x <= xs[0]:
        return ys[0]
    for k in range(1, n):
        if x <= xs[k]:
            w = (x - xs[k - 1]) / (xs[k] - xs[k - 1])
            return ys[k - 1] + w * (ys[k] - ys[k - 1])
    slope = (ys[n - 1] - ys[n - 2]) / (xs[n - 1] - xs[n - 2])
    return ys[n - 1] + slope * (x - xs[n - 1])


@njit
def _remaining_life(coh1, coh2, m, life, init_on, init_left):
    """Mean remaining-life share of the satellites alive at month m."""
    alive = 0.0
    left = 0.0
    if init_left > 0:
        alive += init_on
        left += init_on * init_left / life
    lo = max(m - life + 1, 0)
    for c in range(lo, m + 1):
        n = coh1[c] + coh2[c]
        if n > 0:
            alive += n
            left += n * (life - (m - c)) / life
    if alive <= 0:
        return 0.0
    return left / alive


@njit
def simulate(
    table,
    level,
    initial,
    market,
    ceiling,
    arpu,
    bass_k,
    weight,
    order,
    life_m,
    waiver_u,
    grandfathered,
    df,
    dt_yr,
    t_yr,
    decision,
    dec_index,
    ms_month,
    ms_target,
    ms_waived,
    cap_n,
    cap_units,
    par,
    beta,
    scratch,
    out_leo,
    out_syn,
    out_state,
    out_abandon_dec,
    out_first_allowed,
    rec_basis,
    rec_cf,
    rec_salv,
    rec_allowed,
    rec_flows,
):
    """Value every trial under one exercise rule.

    Parameters
    ----------
    table : int32 (n_level, n_month, 3)
        Quantile of launched / in-orbit / on-station counts at each month end.
    level : int64 (n_trial,)
        Each trial's quantile level (the comonotone coupling).
    initial : int64 (3,)
        Counts at the as-of date.
    market : float64 (n_trial, n_month)
        Market level M at each month end (1 at the as-of date).
    ceiling, arpu, bass_k : float64 (n_trial, n_seg)
        Each segment's ceiling (units), revenue per unit (USD/yr) and Bass rate (1/yr).
    weight : float64 (n_seg,)
        Consumer subscribers of capacity per unit of each segment.
    order : int64 (n_seg,)
        Segments in the order they are served when capacity is short.
    life_m : int64 (n_trial,)
        Satellite life, months.
    waiver_u : float64 (n_trial, n_milestone)
        Uniforms deciding the regulatory branch.
    grandfathered : int64 (n_trial,)
        Satellites that keep processing-round priority.
    df, dt_yr, t_yr : float64 (n_month,)
        Discount factor at each month end, the month's length and its end in years.
    decision : int64 (n_month,)
        Bits CAN_ABANDON | CAN_EXPAND | CAN_DEFER.
    dec_index : int64 (n_month,)
        Index of the decision date at each month end (-1: none).
    ms_month, ms_target, ms_waived : int64 (n_milestone,)
        Grid month of each Gen-1 milestone (-1: off the grid), its target (in orbit) and
        whether its waiver is already known.
    cap_n, cap_units : float64 (n_cap,)
        Capacity curve: consumer subscribers of capacity against effective satellites.
    par : float64 (len(PAR_NAMES),)
    beta : float64 (n_dec, N_BASIS)
        LSM coefficients of the continuation value at each decision date.
    scratch : float64 (3, max(n_month, N_BASIS))
        Cohorts of Gen-1 and Gen-2 satellites by the month they entered service, and the
        regression basis of the current decision.
    out_leo, out_syn : float64 (n_trial,)
        Present value of Leo's free cash flow (exit value and terminal value included) and
        of the AWS integration, after tax, USD.
    out_state, out_abandon_dec, out_first_allowed : int64 (n_trial,)
        State bits; the decision index of the exit and of the first date exit was allowed
        (-1: none).
    rec_basis, rec_cf, rec_salv, rec_allowed : (n_rec, n_dec, N_BASIS), (n_rec, n_dec + 1),
        (n_rec, n_dec), (n_rec, n_dec)
        For the first n_rec trials: the regression basis at each decision date, the present
        value of the cash flows since the previous date (the last column: after the last
        date, terminal value included), the present value of exiting, and whether exit
        was allowed.
    rec_flows : float64 (n_flow, n_month, N_FLOWS)
        For the first n_flow trials: the monthly flows named in FLOW_NAMES.
    """
    n_trial, n_month = market.shape
    n_seg = weight.shape[0]
    n_ms = ms_month.shape[0]
    n_rec = rec_cf.shape[0]
    n_flow = rec_flows.shape[0]
    n_dec = rec_cf.shape[1] - 1
    fixed = par[P_FIXED_OPEX]
    var = par[P_VARIABLE_SHARE]
    after_tax = par[P_AFTER_TAX]
    capex_sat = par[P_CAPEX_PER_SATELLITE]
    repl = par[P_REPLACEMENT_COST]
    replace = par[P_REPLACE] > 0.5
    gen1_total = par[P_GEN1_TOTAL]
    g2_sats = par[P_GEN2_SATELLITES]
    g2_ratio = par[P_GEN2_RATIO]
    g2_capex_months = par[P_GEN2_CAPEX_MONTHS]
    g2_capex_month = par[P_GEN2_CAPEX] / max(g2_capex_months, 1.0)
    g2_lead = par[P_GEN2_LEAD]
    g2_build = max(par[P_GEN2_BUILD], 1.0)
    haircut = par[P_PRIORITY_HAIRCUT]
    restore_month = par[P_RESTORE_MONTH]
    p_prec = par[P_WAIVER_AT_PRECEDENT]
    s_prec = max(par[P_PRECEDENT_SHORTFALL], 1e-9)
    qp = par[P_Q_OVER_P]
    abandon_after = par[P_ABANDON_AFTER]
    abandon_on = par[P_ABANDON_ON] > 0.5
    lsm_on = par[P_LSM_ON] > 0.5
    th_expand = par[P_THETA_EXPAND]
    th_defer = par[P_THETA_DEFER]
    interval = int(par[P_INTERVAL])
    gw = par[P_GATEWAYS]
    c_ref = max(par[P_C_REF], 1.0)
    init_age = par[P_INITIAL_AGE_MONTHS]
    coh1 = scratch[0]
    coh2 = scratch[1]
    for i in range(n_trial):
        for m in range(n_month):
            coh1[m] = 0.0
            coh2[m] = 0.0
        lv = level[i]
        life = max(life_m[i], 1)
        clock = -1
        paused_until = -1
        cap = gen1_total
        prev_launched = min(float(initial[METRIC_LAUNCHED]), cap)
        init_on = min(float(initial[METRIC_ON_STATION]), cap)
        prev_on = init_on
        retire_init = int(max(life - init_age, 0.0))
        retired1 = 0.0
        retired2 = 0.0
        g2_prev = 0.0
        expanded_at = -1
        in_service = False
        service_m = -1
        restored = False
        leo = 0.0
        syn = 0.0
        acc = 0.0
        state = 0
        abandon_dec = -1
        first_allowed = -1
        rev_rate = 0.0
        syn_rate = 0.0
        active1 = 0.0
        g2_active = 0.0
        for m in range(n_month):
            if m > paused_until:
                clock += 1
            for k in range(n_ms):
                if ms_month[k] == m and ms_waived[k] == 0:
                    io = float(_count(table, initial, METRIC_IN_ORBIT, clock, lv))
                    if io < ms_target[k] and io < cap:
                        short = (ms_target[k] - io) / ms_target[k]
                        p_waiver = 1.0 - (1.0 - p_prec) * short / s_prec
                        if waiver_u[i, k] >= p_waiver:
                            cap = io
                            state |= LICENCE_CUT
            top = min(cap, gen1_total)
            launched = min(float(_count(table, initial, METRIC_LAUNCHED, clock, lv)), top)
            on = min(float(_count(table, initial, METRIC_ON_STATION, clock, lv)), top)
            capex = 0.0
            if launched > prev_launched:
                capex += (launched - prev_launched) * capex_sat
                prev_launched = launched
            if on > prev_on:
                coh1[m] += on - prev_on
            prev_on = on
            ret = 0.0
            if m == retire_init:
                ret += init_on
            if m >= life:
                ret += coh1[m - life]
            if ret > 0.0:
                if replace:
                    capex += ret * repl
                    coh1[m] += ret
                else:
                    retired1 += ret
            active1 = max(on - retired1, 0.0)
            if expanded_at >= 0:
                since = m - expanded_at
                if since <= g2_capex_months:
                    capex += g2_capex_month
                frac = min(max((since - g2_lead) / g2_build, 0.0), 1.0)
                add = g2_sats * frac - g2_prev
                if add > 0.0:
                    coh2[m] += add
                    g2_prev += add
            if m >= life and coh2[m - life] > 0.0:
                ret2 = coh2[m - life]
                if replace:
                    capex += ret2 * repl
                    coh2[m] += ret2
                else:
                    retired2 += ret2
            g2_active = max(g2_prev - retired2, 0.0)
            if not restored and (on >= par[P_HALF_TARGET] or m >= restore_month):
                restored = True
            if restored:
                eff = active1
            else:
                gf = float(grandfathered[i])
                eff = min(active1, gf) + (1.0 - haircut) * max(active1 - gf, 0.0)
            if not in_service and active1 + g2_active >= par[P_SERVICE_START]:
                in_service = True
                service_m = m
                saved = df[m] * after_tax * gw * par[P_GATEWAY_CAPEX_SAVED]
                syn += saved
            capacity = 0.0
            if in_service:
                capacity = max(_interp(eff + g2_active * g2_ratio, cap_n, cap_units), 0.0)
            rev_rate = 0.0
            dem_units = 0.0
            served = 0.0
            ent_rev = 0.0
            if in_service:
                # Adoption runs from the start of the month service began.
                ts = t_yr[m] - t_yr[service_m] + dt_yr[service_m]
                remaining = capacity
                for j in range(n_seg):
                    s = order[j]
                    e = math.exp(-bass_k[i, s] * ts)
                    d = ceiling[i, s] * (1.0 - e) / (1.0 + qp * e) * market[i, m]
                    dem_units += d * weight[s]
                    srv = min(d, remaining / weight[s])
                    remaining -= srv * weight[s]
                    served += srv * weight[s]
                    rev_rate += srv * arpu[i, s]
                    if s == 1:
                        ent_rev = srv * arpu[i, s]
            revenue = rev_rate * dt_yr[m]
            opex = fixed * dt_yr[m] + var * revenue
            fcf = revenue - opex - capex
            pv = df[m] * after_tax * fcf
            leo += pv
            acc += pv
            syn_rate = (
                par[P_ATTACH_MARGIN] * ent_rev
                + par[P_TRANSIT_USD_GBPS_YEAR] * served * par[P_BUSY_HOUR_MBPS] / 1000.0
            )
            if in_service:
                syn_rate += gw * par[P_GATEWAY_OPEX_SAVED]
            syn += df[m] * after_tax * syn_rate * dt_yr[m]
            if i < n_flow:
                rec_flows[i, m, 0] = revenue
                rec_flows[i, m, 1] = opex
                rec_flows[i, m, 2] = capex
                rec_flows[i, m, 3] = fcf
                rec_flows[i, m, 4] = served
                rec_flows[i, m, 5] = capacity
                rec_flows[i, m, 6] = syn_rate * dt_yr[m]
            jd = dec_index[m]
            if jd < 0:
                continue
            d_bits = decision[m]
            allowed = (
                abandon_on
                and (d_bits & CAN_ABANDON) != 0
                and in_service
                and m - service_m >= abandon_after
            )
            if allowed and first_allowed < 0:
                first_allowed = jd
            if allowed or i < n_rec:
                in_orbit = min(float(_count(table, initial, METRIC_IN_ORBIT, clock, lv)), top)
                init_left = life - init_age - m if m < retire_init else 0.0
                share = _remaining_life(coh1, coh2, m, life, init_on, init_left)
                salvage = (
                    par[P_SPECTRUM_VALUE] * top / gen1_total
                    + (active1 + g2_active) * share * par[P_DISTRESSED_PER_SATELLITE]
                    + served * par[P_DISTRESSED_PER_SUBSCRIBER]
                    - (in_orbit + g2_active) * par[P_DEORBIT_PER_SATELLITE]
                    - par[P_EXIT_FIXED]
                    - max(top - launched, 0.0) * par[P_TAKE_OR_PAY_PER_SATELLITE]
                )
                salv_pv = df[m] * after_tax * salvage
                xd = dem_units / c_ref
                xr = served / c_ref
                xn = (active1 + g2_active) / gen1_total
                basis = scratch[2]
                basis[0] = 1.0
                basis[1] = xd
                basis[2] = xd * xd
                basis[3] = xr
                basis[4] = xr * xr
                basis[5] = xn
                basis[6] = xd * xn
                basis[7] = m / n_month
                basis[8] = 1.0 if (state & LICENCE_CUT) != 0 else 0.0
                basis[9] = 1.0 if expanded_at >= 0 else 0.0
                if i < n_rec:
                    for q in range(N_BASIS):
                        rec_basis[i, jd, q] = basis[q]
                    rec_salv[i, jd] = salv_pv
                    rec_allowed[i, jd] = 1 if allowed else 0
                    rec_cf[i, jd] = acc
                    acc = 0.0
                if allowed and lsm_on:
                    est = 0.0
                    for q in range(N_BASIS):
                        est += beta[jd, q] * basis[q]
                    if salv_pv > est:
                        leo += salv_pv
                        state |= ABANDONED
                        abandon_dec = jd
                        break
            if (
                (d_bits & CAN_EXPAND) != 0
                and expanded_at < 0
                and capacity > 0.0
                and dem_units > th_expand * capacity
            ):
                expanded_at = m
                state |= EXPANDED
            if (
                (d_bits & CAN_DEFER) != 0
                and in_service
                and launched < top
                and dem_units < th_defer * capacity
            ):
                paused_until = m + interval
                state |= DEFERRED
        if abandon_dec < 0:
            tail = 0.0
            if par[P_TV_FACTOR] != 0.0:
                # Steady state after the last month: the last revenue rate, fixed and
                # variable opex, and the replacement of a fleet of constant size.
                repl_rate = 0.0
                if replace:
                    repl_rate = (active1 + g2_active) * repl * 12.0 / life
                ss = rev_rate * (1.0 - var) - fixed - repl_rate
                tail = df[n_month - 1] * par[P_TV_FACTOR] * after_tax * ss
                syn += df[n_month - 1] * par[P_TV_FACTOR] * after_tax * syn_rate
            leo += tail
            if i < n_rec and n_dec >= 0:
                rec_cf[i, n_dec] = acc + tail
        if in_service:
            state |= IN_SERVICE
        out_leo[i] = leo
        out_syn[i] = syn
        out_state[i] = state
        out_abandon_dec[i] = abandon_dec
        out_first_allowed[i] = first_allowed
