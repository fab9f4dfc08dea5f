"""Numba kernel of the Monte Carlo deployment model (see kuiper.forecast).

One call simulates every trial. Trials are split into fixed blocks, each seeded
from (seed, block) alone, so a result depends on the seed and the block size but
not on the number of threads. Times are days after the as-of date (day 0).

Metrics are indexed 0 = launched, 1 = in_orbit, 2 = on_station.
"""

from __future__ import annotations

import numpy as np

from ._jit import njit, prange

# The model-parameter vector `par`, by name (kuiper.forecast builds it from PAR_NAMES).
PAR_NAMES = (
    "ratio_mu_new",  # log median of actual/plan for vehicles < mature_years old
    "ratio_mu_mature",  # log median of actual/plan for mature vehicles
    "ratio_sigma",
    "prior_weight",  # launches' worth of weight on the plan prior
    "gap_cv",  # coefficient of variation of gaps between a flying vehicle's launches
    "slip_frac",  # planned-launch slip: mean = slip_frac * lead + slip_floor
    "slip_floor",
    "slip_cv",
    "maturity_days",  # planned Kuiper readiness after a vehicle's first success
    "first_flight_mu",
    "first_flight_sigma",
    "ground_mu",
    "ground_sigma",
    "pad_p",
    "pad_mu",
    "pad_sigma",
    "raise_mu",
    "raise_sigma",
    "lost_a",
    "lost_b",
    "lost_min",
    "lost_max",
    "lead_mu",
    "lead_sigma",
    "stock",
    "supply_rate",
    "horizon",
)
N_PAR = len(PAR_NAMES)
P_RATIO_MU_NEW = 0
P_RATIO_MU_MATURE = 1
P_RATIO_SIGMA = 2
P_PRIOR_WEIGHT = 3
P_GAP_CV = 4
P_SLIP_FRAC = 5
P_SLIP_FLOOR = 6
P_SLIP_CV = 7
P_MATURITY_DAYS = 8
P_FIRST_FLIGHT_MU = 9
P_FIRST_FLIGHT_SIGMA = 10
P_GROUND_MU = 11
P_GROUND_SIGMA = 12
P_PAD_P = 13
P_PAD_MU = 14
P_PAD_SIGMA = 15
P_RAISE_MU = 16
P_RAISE_SIGMA = 17
P_LOST_A = 18
P_LOST_B = 19
P_LOST_MIN = 20
P_LOST_MAX = 21
P_LEAD_MU = 22
P_LEAD_SIGMA = 23
P_STOCK = 24
P_SUPPLY_RATE = 25
P_HORIZON = 26


@njit
def _lognormal_above(mu, sigma, floor):
    """A lognormal draw conditioned to exceed `floor` (rejection, then a fallback)."""
    if floor <= 0.0:
        return np.random.lognormal(mu, sigma)
    for _ in range(64):
        x = np.random.lognormal(mu, sigma)
        if x > floor:
            return x
    return floor + np.random.lognormal(mu, sigma)


@njit
def _raising_median(par, pool):
    if pool.shape[0] > 0:
        return pool[np.random.randint(0, pool.shape[0])]
    return np.random.lognormal(par[P_RAISE_MU], par[P_RAISE_SIGMA])


@njit
def _add_event(ev_day, ev_delta, ev_metric, n, day, delta, metric):
    ev_day[n] = day
    ev_delta[n] = delta
    ev_metric[n] = metric
    return n + 1


@njit
def _one_trial(
    par,
    c_vehicle,
    c_launches,
    c_known_day,
    v_sats,
    v_ready_mode,
    v_first_success_day,
    v_plan_rate,
    v_obs_n,
    v_obs_t,
    v_fail_a,
    v_fail_b,
    v_turnaround,
    v_single_pad,
    v_mature,
    v_last_day,
    e_vehicle,
    e_from_day,
    e_kind,
    pool,
    profile,
    g_day,
    g_raising,
    g_median,
    l_day,
    l_n,
    ev_day,
    ev_delta,
    ev_metric,
):
    """Simulate one trial; fill the event buffers and return the number of events."""
    n_v = v_sats.shape[0]
    horizon = par[P_HORIZON]
    rate = np.empty(n_v)
    p_fail = np.empty(n_v)
    ready = np.empty(n_v)
    grounded = np.zeros(n_v)
    for v in range(n_v):
        mu = par[P_RATIO_MU_MATURE] if v_mature[v] == 1 else par[P_RATIO_MU_NEW]
        prior_rate = v_plan_rate[v] * np.random.lognormal(mu, par[P_RATIO_SIGMA])
        w = par[P_PRIOR_WEIGHT]
        rate[v] = np.random.gamma(w + v_obs_n[v], 1.0 / (w / prior_rate + v_obs_t[v]))
        p_fail[v] = np.random.beta(v_fail_a[v], v_fail_b[v])
        if v_ready_mode[v] == 0:
            ready[v] = 0.0
        elif v_ready_mode[v] == 1:
            ready[v] = v_first_success_day[v] + par[P_MATURITY_DAYS]
        else:
            first = np.random.lognormal(par[P_FIRST_FLIGHT_MU], par[P_FIRST_FLIGHT_SIGMA])
            ready[v] = first + par[P_MATURITY_DAYS]
    for e in range(e_vehicle.shape[0]):
        v = e_vehicle[e]
        elapsed = -e_from_day[e]
        if e_kind[e] == 1:
            down = _lognormal_above(par[P_GROUND_MU], par[P_GROUND_SIGMA], elapsed)
        else:
            down = _lognormal_above(par[P_PAD_MU], par[P_PAD_SIGMA], elapsed)
        grounded[v] = max(grounded[v], e_from_day[e] + down)

    # Launch attempts, vehicle by vehicle, contract by contract. A vehicle flying Kuiper
    # missions launches as a renewal process at its rate; a vehicle that is not yet
    # has only plans, and planned dates slip more the further ahead they lie.
    n_l = 0
    slip_shape = 1.0 / (par[P_SLIP_CV] * par[P_SLIP_CV])
    gap_shape = 1.0 / (par[P_GAP_CV] * par[P_GAP_CV])
    for v in range(n_v):
        flying = v_ready_mode[v] == 0
        # A flying vehicle's renewal clock starts at its last Kuiper launch.
        t_prev = v_last_day[v] if flying else -1e9
        k = 0
        for c in range(c_vehicle.shape[0]):
            if c_vehicle[c] != v or c_launches[c] == 0:
                continue
            avail = c_known_day[c] + np.random.lognormal(par[P_LEAD_MU], par[P_LEAD_SIGMA])
            for _ in range(c_launches[c]):
                if flying:
                    gap = np.random.gamma(gap_shape, 1.0 / (rate[v] * gap_shape))
                    t = t_prev + gap
                    if t <= 0.0:  # overdue at the as-of date: soon, not in the past
                        t = np.random.uniform(0.0, 1.0 / rate[v])
                else:
                    planned = max(ready[v], 0.0) + k / rate[v]
                    mean_slip = par[P_SLIP_FRAC] * planned + par[P_SLIP_FLOOR]
                    t = planned + np.random.gamma(slip_shape, mean_slip / slip_shape)
                t = max(t, t_prev + v_turnaround[v], grounded[v], avail)
                k += 1
                if t > horizon:
                    break
                t_prev = t
                if np.random.random() < p_fail[v]:
                    down = np.random.lognormal(par[P_GROUND_MU], par[P_GROUND_SIGMA])
                    if v_single_pad[v] == 1 and np.random.random() < par[P_PAD_P]:
                        down += np.random.lognormal(par[P_PAD_MU], par[P_PAD_SIGMA])
                    grounded[v] = t + down
                else:
                    l_day[n_l] = t
                    l_n[n_l] = v_sats[v]
                    n_l += 1

    # Satellite supply: launches in time order may not outrun production.
    order = np.argsort(l_day[:n_l])
    cum = 0.0
    t_last = 0.0
    n_ev = 0
    p_lost = np.random.beta(par[P_LOST_A], par[P_LOST_B])
    n_k = profile.shape[0]
    for j in range(n_l):
        i = order[j]
        t = max(l_day[i], t_last)
        cum += l_n[i]
        if par[P_SUPPLY_RATE] > 0.0:
            t = max(t, (cum - par[P_STOCK]) / par[P_SUPPLY_RATE])
        t_last = t
        if t > horizon:
            break
        n = l_n[i]
        n_ev = _add_event(ev_day, ev_delta, ev_metric, n_ev, t, n, 0)
        n_ev = _add_event(ev_day, ev_delta, ev_metric, n_ev, t, n, 1)
        lost = np.random.binomial(n, p_lost)
        if lost > 0:
            gone = t + np.random.uniform(par[P_LOST_MIN], par[P_LOST_MAX])
            n_ev = _add_event(ev_day, ev_delta, ev_metric, n_ev, gone, -lost, 1)
        good = n - lost
        median = _raising_median(par, pool)
        for q in range(n_k):
            grp = (good * (q + 1)) // n_k - (good * q) // n_k
            if grp > 0:
                n_ev = _add_event(
                    ev_day, ev_delta, ev_metric, n_ev, t + median * profile[q], grp, 2
                )
    # Satellites raising at the as-of date arrive on their launch's schedule, or soon.
    for g in range(g_day.shape[0]):
        median = g_median[g] if g_median[g] > 0.0 else _raising_median(par, pool)
        good = g_raising[g]
        for q in range(n_k):
            grp = (good * (q + 1)) // n_k - (good * q) // n_k
            if grp > 0:
                arrive = g_day[g] + median * profile[q]
                if arrive <= 0.0:
                    arrive = np.random.uniform(0.0, 60.0)
                n_ev = _add_event(ev_day, ev_delta, ev_metric, n_ev, arrive, grp, 2)
    return n_ev


@njit(parallel=True)
def simulate(
    n_trial,
    first_block,
    seed,
    block_size,
    n_chunk,
    par,
    c_vehicle,
    c_launches,
    c_known_day,
    v_sats,
    v_ready_mode,
    v_first_success_day,
    v_plan_rate,
    v_obs_n,
    v_obs_t,
    v_fail_a,
    v_fail_b,
    v_turnaround,
    v_single_pad,
    v_mature,
    v_last_day,
    e_vehicle,
    e_from_day,
    e_kind,
    pool,
    profile,
    g_day,
    g_raising,
    g_median,
    month_end_day,
    month_of_day,
    initial,
    t_metric,
    t_count,
    max_launches,
    max_events,
    hist,
    reach_day,
):
    """Run ``n_trial`` trials; write month-end count histograms and reach days.

    Trials are numbered from ``first_block * block_size``; block ``b`` is seeded
    from ``(seed, first_block + b)``, so a run split into several calls on block
    boundaries gives the same result as one call.

    ``month_of_day[j]`` is the number of month ends at most ``j`` whole days after
    the first (month ends fall on day boundaries), so an event's month is a lookup.

    ``hist`` has shape (n_chunk, n_month, 3, n_bins): counts at each month end,
    histogrammed per chunk of blocks (summed by the caller). ``reach_day`` has
    shape (n_trial, n_target): the first day each target is met, +inf if never
    within the horizon, 0 if already met.
    """
    n_block = (n_trial + block_size - 1) // block_size
    n_month = month_end_day.shape[0]
    n_bins = hist.shape[3]
    n_t = t_metric.shape[0]
    for chunk in prange(n_chunk):
        l_day = np.empty(max_launches)
        l_n = np.empty(max_launches, np.int64)
        ev_day = np.empty(max_events)
        ev_delta = np.empty(max_events, np.int64)
        ev_metric = np.empty(max_events, np.int64)
        bins = np.zeros((3, n_month + 1), np.int64)
        sel_day = np.empty(max_events)
        sel_delta = np.empty(max_events, np.int64)
        ev_month = np.empty(max_events, np.int64)
        for block in range(chunk, n_block, n_chunk):
            np.random.seed((seed * 1000003 + first_block + block) % 4294967296)
            for trial in range(block * block_size, min(n_trial, (block + 1) * block_size)):
                n_ev = _one_trial(
                    par,
                    c_vehicle,
                    c_launches,
                    c_known_day,
                    v_sats,
                    v_ready_mode,
                    v_first_success_day,
                    v_plan_rate,
                    v_obs_n,
                    v_obs_t,
                    v_fail_a,
                    v_fail_b,
                    v_turnaround,
                    v_single_pad,
                    v_mature,
                    v_last_day,
                    e_vehicle,
                    e_from_day,
                    e_kind,
                    pool,
                    profile,
                    g_day,
                    g_raising,
                    g_median,
                    l_day,
                    l_n,
                    ev_day,
                    ev_delta,
                    ev_metric,
                )
                bins[:, :] = 0
                for i in range(n_ev):
                    # The first month end at or after the event: a table lookup.
                    x = ev_day[i] - month_end_day[0]
                    if x <= 0.0:
                        m = 0
                    else:
                        j = int(np.ceil(x)) - 1
                        m = month_of_day[j] if j < month_of_day.shape[0] else n_month
                    ev_month[i] = m
                    bins[ev_metric[i], m] += ev_delta[i]
                for metric in range(3):
                    running = initial[metric]
                    for m in range(n_month):
                        running += bins[metric, m]
                        b = min(max(running, 0), n_bins - 1)
                        hist[chunk, m, metric, b] += 1
                for t in range(n_t):
                    metric = t_metric[t]
                    target = t_count[t]
                    running = initial[metric]
                    if running >= target:
                        reach_day[trial, t] = 0.0
                        continue
                    reach_day[trial, t] = np.inf
                    for m in range(n_month + 1):
                        if running + bins[metric, m] >= target:
                            # Within month m, order its events by day to find the crossing.
                            n_sel = 0
                            for i in range(n_ev):
                                if ev_metric[i] == metric:
                                    if ev_month[i] == m:
                                        sel_day[n_sel] = ev_day[i]
                                        sel_delta[n_sel] = ev_delta[i]
                                        n_sel += 1
                            idx = np.argsort(sel_day[:n_sel])
                            for j in range(n_sel):
                                running += sel_delta[idx[j]]
                                if running >= target:
                                    reach_day[trial, t] = sel_day[idx[j]]
                                    break
                            break
                        running += bins[metric, m]
