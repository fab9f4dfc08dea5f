"""Numba kernel of the Monte Carlo deployment model (see kuiper.forecast).

One call simulates every trial. Trials are split into fixed blocks, each seeded
from (seed, block) alone, so a result depends on the seed and the block size but
not on the number of threads. Times are days after the as-of date (day 0).

Metrics are indexed 0 = launched, 1 = in_orbit, 2 = on_station.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import njit, prange

# The model-parameter vector `par`, by name (kuiper.forecast builds it from PAR_NAMES).
PAR_NAMES = (
    "ratio_mu_new",  # log median of actual/plan for vehicles < mature_years old
    "ratio_mu_mature",  # log median of actual/plan for mature vehicles
    "ratio_sigma",
    "prior_weight",  # launches' worth of weight on the plan prior (flying vehicles)
    "learn_flights",  # a new vehicle's log ratio closes on the mature one as exp(-k / this)
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
    "raise_group_sigma",  # launch-level spread of a raising group's remaining schedule
)
N_PAR = len(PAR_NAMES)
P_RATIO_MU_NEW = 0
P_RATIO_MU_MATURE = 1
P_RATIO_SIGMA = 2
P_PRIOR_WEIGHT = 3
P_LEARN_FLIGHTS = 4
P_GAP_CV = 5
P_SLIP_FRAC = 6
P_SLIP_FLOOR = 7
P_SLIP_CV = 8
P_MATURITY_DAYS = 9
P_FIRST_FLIGHT_MU = 10
P_FIRST_FLIGHT_SIGMA = 11
P_GROUND_MU = 12
P_GROUND_SIGMA = 13
P_PAD_P = 14
P_PAD_MU = 15
P_PAD_SIGMA = 16
P_RAISE_MU = 17
P_RAISE_SIGMA = 18
P_LOST_A = 19
P_LOST_B = 20
P_LOST_MIN = 21
P_LOST_MAX = 22
P_LEAD_MU = 23
P_LEAD_SIGMA = 24
P_STOCK = 25
P_SUPPLY_RATE = 26
P_HORIZON = 27
P_RAISE_GROUP_SIGMA = 28


# ---------------------------------------------------------------------------
# Random numbers: xoshiro256++ (Blackman & Vigna 2018) with its state in a small array
# the kernel owns, seeded per block through SplitMix64, and exact samplers on top:
# Marsaglia's polar method for normals, Marsaglia & Tsang (2000) for gammas (with
# their G(a + 1) U**(1/a) boost for shape < 1), beta as a ratio of gammas, NumPy's
# inversion (BINV) for binomials. numba's np.random looks up its thread-local state
# on every draw and cannot be inlined; these can, and cost a third as much (gamma:
# 14 ns against 48 ns). The distributions are the same; the stream is not.
#
# Inlining (numba's inline="always") is kept to the hot paths: inlining every sampler
# at every call site took the first compile from 9 s to 28 s for 5 % more speed.

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53

# Which path a vehicle's loss draws take this trial (see _binomial_setup).
BINOMIAL_ZERO = 0
BINOMIAL_INVERSION = 1
BINOMIAL_GENERAL = 2


@njit
def _splitmix64(x):
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit
def _seed(rs, gs, seed, stream):
    """Seed the generator for ``stream`` of ``seed`` (both >= 0).

    ``rs`` (uint64[4]) is the xoshiro state; ``gs`` (float64[2]) caches the polar
    method's second normal (value, flag).
    """
    x = _splitmix64(_splitmix64(np.uint64(seed)) + np.uint64(stream))
    for i in range(4):
        x = _splitmix64(x)
        rs[i] = x
    gs[0] = 0.0
    gs[1] = 0.0


@njit(inline="always")
def _next(rs):
    """xoshiro256++: the next 64 random bits."""
    s0 = rs[0]
    s1 = rs[1]
    s2 = rs[2]
    s3 = rs[3]
    x = s0 + s3
    result = ((x << np.uint64(23)) | (x >> np.uint64(41))) + s0
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << np.uint64(45)) | (s3 >> np.uint64(19))
    rs[0] = s0
    rs[1] = s1
    rs[2] = s2
    rs[3] = s3
    return result


@njit(inline="always")
def _uniform(rs):
    """Uniform on [0, 1) from 53 random bits."""
    return (_next(rs) >> np.uint64(11)) * _TO_UNIT


@njit(inline="always")
def _normal(rs, gs):
    """Standard normal: Marsaglia's polar method, keeping the pair's second value."""
    if gs[1] != 0.0:
        gs[1] = 0.0
        return gs[0]
    while True:
        x1 = 2.0 * _uniform(rs) - 1.0
        x2 = 2.0 * _uniform(rs) - 1.0
        r2 = x1 * x1 + x2 * x2
        if r2 < 1.0 and r2 != 0.0:
            break
    f = math.sqrt(-2.0 * math.log(r2) / r2)
    gs[0] = f * x1
    gs[1] = 1.0
    return f * x2


@njit
def _lognormal(rs, gs, mu, sigma):
    return math.exp(mu + sigma * _normal(rs, gs))


@njit(inline="always")
def _gamma_mt(rs, gs, d, c):
    """Standard gamma of shape ``d + 1/3`` >= 1, ``c = 1 / sqrt(9 d)`` (Marsaglia & Tsang)."""
    while True:
        x = _normal(rs, gs)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = _uniform(rs)
        x2 = x * x
        if u < 1.0 - 0.0331 * x2 * x2:
            return d * v
        if math.log(u) < 0.5 * x2 + d * (1.0 - v + math.log(v)):
            return d * v


@njit(inline="always")
def _gamma(rs, gs, shape, scale):
    """Gamma(shape, scale); shape < 1 by Marsaglia & Tsang's boost, G(a + 1) U**(1/a)."""
    if shape >= 1.0:
        d = shape - 1.0 / 3.0
        return _gamma_mt(rs, gs, d, 1.0 / math.sqrt(9.0 * d)) * scale
    d = shape + 2.0 / 3.0
    g = _gamma_mt(rs, gs, d, 1.0 / math.sqrt(9.0 * d))
    return g * math.exp(math.log(1.0 - _uniform(rs)) / shape) * scale


@njit
def _gamma_draw(rs, gs, shape, scale):
    """:func:`_gamma` as a call, for the places that draw few: compiles once."""
    return _gamma(rs, gs, shape, scale)


@njit
def _beta(rs, gs, a, b):
    """Beta(a, b) as X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b)."""
    x = _gamma_draw(rs, gs, a, 1.0)
    if x == 0.0:
        return 0.0
    return x / (x + _gamma_draw(rs, gs, b, 1.0))


@njit
def _binomial_setup(n, p):
    """Path and constants for Binomial(n, p) draws: (path, (1 - p)**n, search bound).

    A trial's loss fraction is fixed and a vehicle's launches carry the same ``n``, so
    the inversion's constants are computed once per vehicle and trial. Inversion
    (NumPy's BINV, with its bound) serves n p <= 30 and p <= 1/2; anything else sums
    Bernoulli draws (n is a launch's satellites, a few dozen).
    """
    if p <= 0.0:
        return BINOMIAL_ZERO, 0.0, 0.0
    q = 1.0 - p
    np_prod = n * p
    if p > 0.5 or np_prod > 30.0:
        return BINOMIAL_GENERAL, 0.0, 0.0
    qn = q**n
    if qn <= 1e-308:
        return BINOMIAL_GENERAL, 0.0, 0.0
    return BINOMIAL_INVERSION, qn, min(n, np_prod + 10.0 * math.sqrt(np_prod * q + 1.0))


@njit(inline="always")
def _binomial(rs, n, p, path, qn, bound):
    """Binomial(n, p) by the path and constants from :func:`_binomial_setup`."""
    if path == BINOMIAL_ZERO:
        return 0
    if path == BINOMIAL_GENERAL:
        k = 0
        for _ in range(n):
            if _uniform(rs) < p:
                k += 1
        return k
    q = 1.0 - p
    while True:
        x = 0
        u = _uniform(rs)
        px = qn
        while x <= bound:
            if u <= px:
                return x
            u -= px
            x += 1
            px = ((n - x + 1) * p * px) / (x * q)


# ---------------------------------------------------------------------------
# The model


@njit
def _lognormal_above(rs, gs, mu, sigma, floor):
    """A lognormal draw conditioned to exceed `floor` (rejection, then a fallback).

    The normal draw is compared with log(floor), saving an exp per rejected draw.
    """
    if floor <= 0.0:
        return _lognormal(rs, gs, mu, sigma)
    log_floor = math.log(floor)
    for _ in range(64):
        y = mu + sigma * _normal(rs, gs)
        if y > log_floor:
            return math.exp(y)
    return floor + _lognormal(rs, gs, mu, sigma)


@njit
def _raising_median(rs, gs, par, pool):
    n_pool = pool.shape[0]
    if n_pool > 0:
        return pool[min(int(_uniform(rs) * n_pool), n_pool - 1)]
    return _lognormal(rs, gs, par[P_RAISE_MU], par[P_RAISE_SIGMA])


@njit(inline="always")
def _month_of(day, first_day, month_of_day, n_month):
    """Index of the first month end at or after ``day``: a table lookup.

    ``month_of_day[j]`` is the number of month ends at most ``j`` whole days after the
    first (month ends fall on day boundaries); ``n_month`` means after the last.
    """
    x = day - first_day
    if x <= 0.0:
        return 0
    j = int(np.ceil(x)) - 1
    return month_of_day[j] if j < month_of_day.shape[0] else n_month


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
    v_anom_a,
    v_anom_b,
    v_turnaround,
    v_single_pad,
    v_mature,
    v_last_day,
    v_sched_lo,
    s_net_day,
    buy_i,
    buy_f,
    d_day,
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
    split,
    rs,
    gs,
    v_work,
    v_run,
    l_day,
    l_ok,
    s_avail,
    f_day,
    first_row,
    v_count,
    la_day,
    la_n,
    la_m,
    lo_day,
    lo_n,
    lo_m,
    ar_day,
    ar_n,
    ar_m,
    bins,
):
    """Simulate one trial.

    Fills the event lists (launches, which count for launched and in_orbit; losses,
    which leave in_orbit; arrivals on station), each event with its month, and adds
    every event to ``bins[metric, month]``. ``split[n, q]`` is the number of ``n``
    satellites in profile group ``q``. ``buy_i`` = (purchase vehicle or -1, launches
    bought for the projected shortfall, most re-flights); ``buy_f`` = (log median and
    sigma of the purchase lead time, day of the purchase decision). Per vehicle,
    ``first_row`` gets its first attempt's day (+inf if none by the horizon) and
    ``v_count[v, d]`` the satellites it delivered by deadline ``d_day[d]``. ``v_work``
    (7, n_vehicle) and ``v_run`` (3, n_vehicle + 1) are scratch. Returns the number of
    launches, losses and arrivals.
    """
    n_v = v_sats.shape[0]
    n_month = month_end_day.shape[0]
    first_day = month_end_day[0]
    horizon = par[P_HORIZON]
    rate = v_work[0]
    p_fail = v_work[1]
    ready = v_work[2]
    grounded = v_work[3]
    bn_qn = v_work[4]
    bn_bound = v_work[5]
    v_start = v_run[0]
    v_head = v_run[1]
    bn_path = v_run[2]
    p_anom = v_work[6]
    grounded[:] = 0.0
    for v in range(n_v):
        # One cadence penalty per cause: the reference-class ratio actual/plan. A vehicle
        # flying Kuiper missions updates it with its own (exposure-weighted) record; one
        # that is not draws the ratio alone (no gamma on top) and, if new, its log ratio
        # closes on the mature one as it flies (see the launch loop).
        if v_ready_mode[v] == 0:
            mu = par[P_RATIO_MU_MATURE] if v_mature[v] == 1 else par[P_RATIO_MU_NEW]
            prior_rate = v_plan_rate[v] * _lognormal(rs, gs, mu, par[P_RATIO_SIGMA])
            w = par[P_PRIOR_WEIGHT]
            rate[v] = _gamma_draw(rs, gs, w + v_obs_n[v], 1.0 / (w / prior_rate + v_obs_t[v]))
        else:  # the mature ratio; launch k scales it by the learning curve
            rate[v] = v_plan_rate[v] * _lognormal(
                rs, gs, par[P_RATIO_MU_MATURE], par[P_RATIO_SIGMA]
            )
        # Two hazards: payload loss, and an anomaly that delivers but grounds the fleet.
        p_fail[v] = _beta(rs, gs, v_fail_a[v], v_fail_b[v])
        p_anom[v] = _beta(rs, gs, v_anom_a[v], v_anom_b[v])
        if v_ready_mode[v] == 0:
            ready[v] = 0.0
        elif v_ready_mode[v] == 1:
            ready[v] = v_first_success_day[v] + par[P_MATURITY_DAYS]
        else:
            first = _lognormal(rs, gs, par[P_FIRST_FLIGHT_MU], par[P_FIRST_FLIGHT_SIGMA])
            ready[v] = first + par[P_MATURITY_DAYS]
    for e in range(e_vehicle.shape[0]):
        v = e_vehicle[e]
        elapsed = -e_from_day[e]
        if e_kind[e] == 1:
            down = _lognormal_above(rs, gs, par[P_GROUND_MU], par[P_GROUND_SIGMA], elapsed)
        else:
            down = _lognormal_above(rs, gs, par[P_PAD_MU], par[P_PAD_SIGMA], elapsed)
        grounded[v] = max(grounded[v], e_from_day[e] + down)

    # Launch attempts, vehicle by vehicle. Each vehicle's slots are its contracted
    # launches (a contract's launches fly no sooner than its lead time after it became
    # public), then, for the purchase vehicle (last in the order), the launches bought
    # for the standing shortfall and one re-flight for each payload lost, each bought at
    # the loss and flying no sooner than the purchase lead time after it. Scheduled
    # launches come first, each at its NET slipped by the lead-time kernel. After them,
    # a vehicle flying Kuiper missions launches as a renewal process at its rate. One
    # that is not yet has a planned first Kuiper flight (readiness), slipped once by
    # the lead-time kernel, then a renewal process at its ratio-scaled plan rate,
    # maturing as it flies. Each vehicle's attempts form a run
    # l_day[v_start[v]:v_start[v + 1]] in increasing time order; l_ok says which
    # delivered their payload.
    n_l = 0
    n_f = 0  # payloads lost, at f_day[:n_f] (kept only when losses are re-bought)
    slip_shape = 1.0 / (par[P_SLIP_CV] * par[P_SLIP_CV])
    gap_shape = 1.0 / (par[P_GAP_CV] * par[P_GAP_CV])
    learn = par[P_LEARN_FLIGHTS]
    buy_v = buy_i[0]
    for v in range(n_v):
        v_start[v] = n_l
        first_row[v] = np.inf
        flying = v_ready_mode[v] == 0
        # log(new / mature): the part of a new vehicle's ratio that it learns away.
        excess = 0.0 if v_mature[v] == 1 else par[P_RATIO_MU_NEW] - par[P_RATIO_MU_MATURE]
        # A flying vehicle's renewal clock starts at its last Kuiper launch.
        t_prev = v_last_day[v] if flying else -1e9
        k = 0
        # Its first n_sched launches follow the published schedule (NET dates).
        s0 = v_sched_lo[v]
        n_sched = v_sched_lo[v + 1] - s0
        n_s = 0
        for c in range(c_vehicle.shape[0]):
            if c_vehicle[c] != v or c_launches[c] == 0:
                continue
            avail = c_known_day[c] + _lognormal(rs, gs, par[P_LEAD_MU], par[P_LEAD_SIGMA])
            for _ in range(c_launches[c]):
                s_avail[n_s] = avail
                n_s += 1
        if v == buy_v and buy_i[1] > 0:  # the projected shortfall, bought at the decision
            avail = buy_f[2] + _lognormal(rs, gs, buy_f[0], buy_f[1])
            for _ in range(buy_i[1]):
                s_avail[n_s] = avail
                n_s += 1
        j = 0
        q = 0  # next loss to re-fly
        n_rebuy = 0
        while True:
            if j < n_s:
                avail = s_avail[j]
                j += 1
            elif v == buy_v:
                if j == n_s:  # the losses so far, in time order (own later ones append)
                    _sort_prefix(f_day, n_f)
                    j += 1
                if q >= n_f or n_rebuy >= buy_i[2]:
                    break
                avail = f_day[q] + _lognormal(rs, gs, buy_f[0], buy_f[1])
                q += 1
                n_rebuy += 1
            else:
                break
            if k < n_sched:  # a NET slips by the lead-time kernel
                planned = max(s_net_day[s0 + k], 0.0)
                mean_slip = par[P_SLIP_FRAC] * planned + par[P_SLIP_FLOOR]
                t = planned + _gamma(rs, gs, slip_shape, mean_slip / slip_shape)
            elif flying:
                gap = _gamma(rs, gs, gap_shape, 1.0 / (rate[v] * gap_shape))
                t = t_prev + gap
                if t <= 0.0:  # overdue at the as-of date: soon, not in the past
                    t = _uniform(rs) / rate[v]
            elif k == 0:
                planned = max(ready[v], 0.0)
                mean_slip = par[P_SLIP_FRAC] * planned + par[P_SLIP_FLOOR]
                t = planned + _gamma(rs, gs, slip_shape, mean_slip / slip_shape)
            else:
                r = rate[v] * math.exp(excess * math.exp(-k / learn))
                t = t_prev + _gamma(rs, gs, gap_shape, 1.0 / (r * gap_shape))
            t = max(t, t_prev + v_turnaround[v], grounded[v], avail)
            k += 1
            if t > horizon:  # the first attempt past the horizon ends the vehicle's run
                break
            if k == 1:
                first_row[v] = t
            t_prev = t
            u = _uniform(rs)
            l_day[n_l] = t
            if u < p_fail[v]:  # payload lost; the fleet stands down
                down = _lognormal(rs, gs, par[P_GROUND_MU], par[P_GROUND_SIGMA])
                if v_single_pad[v] == 1 and _uniform(rs) < par[P_PAD_P]:
                    down += _lognormal(rs, gs, par[P_PAD_MU], par[P_PAD_SIGMA])
                grounded[v] = t + down
                l_ok[n_l] = 0
                if buy_v >= 0:
                    f_day[n_f] = t
                    n_f += 1
            else:
                l_ok[n_l] = 1
                if u < p_fail[v] + p_anom[v]:  # delivered, but the fleet stands down
                    down = _lognormal(rs, gs, par[P_GROUND_MU], par[P_GROUND_SIGMA])
                    grounded[v] = t + down
            n_l += 1
    v_start[n_v] = n_l

    # Satellite supply: launches in time order may not outrun production. The time
    # order is a merge of the vehicles' runs.
    p_lost = _beta(rs, gs, par[P_LOST_A], par[P_LOST_B])
    for v in range(n_v):
        v_head[v] = v_start[v]
        path, qn, bound = _binomial_setup(v_sats[v], p_lost)
        bn_path[v] = path
        bn_qn[v] = qn
        bn_bound[v] = bound
    cum = 0.0
    t_last = 0.0
    n_la = 0
    n_lo = 0
    n_ar = 0
    n_k = profile.shape[0]
    v_count[:, :] = 0
    for _ in range(n_l):
        best = -1
        best_day = 0.0
        for v in range(n_v):
            if v_head[v] < v_start[v + 1] and (best < 0 or l_day[v_head[v]] < best_day):
                best = v
                best_day = l_day[v_head[v]]
        idx = v_head[best]
        v_head[best] += 1
        t = max(best_day, t_last)
        n = v_sats[best]
        cum += n  # a lost payload was built too: its replacement comes from production
        if par[P_SUPPLY_RATE] > 0.0:
            t = max(t, (cum - par[P_STOCK]) / par[P_SUPPLY_RATE])
        t_last = t
        if t > horizon:
            break
        if l_ok[idx] == 0:
            continue
        for d in range(d_day.shape[0]):
            if t <= d_day[d]:
                v_count[best, d] += n
        m = _month_of(t, first_day, month_of_day, n_month)
        la_day[n_la] = t
        la_n[n_la] = n
        la_m[n_la] = m
        n_la += 1
        bins[0, m] += n
        bins[1, m] += n
        lost = _binomial(rs, n, p_lost, bn_path[best], bn_qn[best], bn_bound[best])
        if lost > 0:
            gone = t + par[P_LOST_MIN] + (par[P_LOST_MAX] - par[P_LOST_MIN]) * _uniform(rs)
            m = _month_of(gone, first_day, month_of_day, n_month)
            lo_day[n_lo] = gone
            lo_n[n_lo] = -lost
            lo_m[n_lo] = m
            n_lo += 1
            bins[1, m] -= lost
        good = n - lost
        median = _raising_median(rs, gs, par, pool)
        for q in range(n_k):
            grp = split[good, q]
            if grp > 0:
                arrive = t + median * profile[q]
                m = _month_of(arrive, first_day, month_of_day, n_month)
                ar_day[n_ar] = arrive
                ar_n[n_ar] = grp
                ar_m[n_ar] = m
                n_ar += 1
                bins[2, m] += grp
    # Satellites raising at the as-of date arrive on their launch's schedule, or soon.
    for g in range(g_day.shape[0]):
        median = g_median[g] if g_median[g] > 0.0 else _raising_median(rs, gs, par, pool)
        if par[P_RAISE_GROUP_SIGMA] > 0.0:
            median *= math.exp(par[P_RAISE_GROUP_SIGMA] * _normal(rs, gs))
        good = g_raising[g]
        for q in range(n_k):
            grp = split[good, q]
            if grp > 0:
                arrive = g_day[g] + median * profile[q]
                if arrive <= 0.0:
                    arrive = 60.0 * _uniform(rs)
                m = _month_of(arrive, first_day, month_of_day, n_month)
                ar_day[n_ar] = arrive
                ar_n[n_ar] = grp
                ar_m[n_ar] = m
                n_ar += 1
                bins[2, m] += grp
    return n_la, n_lo, n_ar


@njit
def _sort_prefix(x, n):
    """Sort ``x[:n]`` in place (insertion sort: a few payload losses per trial)."""
    for i in range(1, n):
        v = x[i]
        j = i - 1
        while j >= 0 and x[j] > v:
            x[j + 1] = x[j]
            j -= 1
        x[j + 1] = v


@njit
def _select_month(day, delta, month, n, m, sel_day, sel_delta, n_sel):
    """Append the events of month ``m`` to the selection, in day order (insertion sort)."""
    for i in range(n):
        if month[i] == m:
            d = day[i]
            x = delta[i]
            j = n_sel - 1
            while j >= 0 and sel_day[j] > d:
                sel_day[j + 1] = sel_day[j]
                sel_delta[j + 1] = sel_delta[j]
                j -= 1
            sel_day[j + 1] = d
            sel_delta[j + 1] = x
            n_sel += 1
    return n_sel


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
    v_anom_a,
    v_anom_b,
    v_turnaround,
    v_single_pad,
    v_mature,
    v_last_day,
    v_sched_lo,
    s_net_day,
    buy_i,
    buy_f,
    d_day,
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
    hist,
    reach_day,
    v_hist,
    first_day_out,
):
    """Run ``n_trial`` trials; write month-end count histograms and reach days.

    Trials are numbered from ``first_block * block_size``; block ``b`` is seeded
    from ``(seed, first_block + b)``, so a run split into several calls on block
    boundaries gives the same result as one call.

    ``month_of_day[j]`` is the number of month ends at most ``j`` whole days after
    the first (month ends fall on day boundaries), so an event's month is a lookup.
    ``max_launches`` bounds the launch attempts of one trial (contracted, bought and
    re-flown).

    ``hist`` has shape (n_chunk, n_month, 3, n_bins): counts at each month end,
    histogrammed per chunk of blocks (summed by the caller). ``reach_day`` has
    shape (n_trial, n_target): the first day each target is met, +inf if never
    within the horizon, 0 if already met. ``v_hist`` (n_chunk, n_vehicle, n_deadline,
    n_bins_v) histograms each vehicle's satellites delivered by each deadline, and
    ``first_day_out`` (n_trial, n_vehicle) is each vehicle's first attempt in the trial.
    """
    n_block = (n_trial + block_size - 1) // block_size
    n_v = v_sats.shape[0]
    n_month = month_end_day.shape[0]
    n_bins = hist.shape[3]
    n_t = t_metric.shape[0]
    n_k = profile.shape[0]
    max_arrivals = (max_launches + g_day.shape[0]) * n_k
    # A launch's good satellites split into n_k near-equal groups by raising profile.
    max_good = max(v_sats.max(), g_raising.max()) if g_raising.shape[0] > 0 else v_sats.max()
    split = np.empty((max_good + 1, n_k), np.int64)
    for good in range(max_good + 1):
        for q in range(n_k):
            split[good, q] = (good * (q + 1)) // n_k - (good * q) // n_k
    for chunk in prange(n_chunk):
        rs = np.empty(4, np.uint64)
        gs = np.empty(2)
        v_work = np.empty((7, n_v))
        v_run = np.empty((3, n_v + 1), np.int64)
        l_day = np.empty(max_launches)
        l_ok = np.empty(max_launches, np.int64)
        s_avail = np.empty(max_launches)
        f_day = np.empty(max_launches)
        v_count = np.zeros((n_v, d_day.shape[0]), np.int64)
        la_day = np.empty(max_launches)
        la_n = np.empty(max_launches, np.int64)
        la_m = np.empty(max_launches, np.int64)
        lo_day = np.empty(max_launches)
        lo_n = np.empty(max_launches, np.int64)
        lo_m = np.empty(max_launches, np.int64)
        ar_day = np.empty(max_arrivals)
        ar_n = np.empty(max_arrivals, np.int64)
        ar_m = np.empty(max_arrivals, np.int64)
        bins = np.zeros((3, n_month + 1), np.int64)
        cum = np.empty((3, n_month + 1), np.int64)
        peaks = np.empty(3, np.int64)
        sel_day = np.empty(2 * max_launches + max_arrivals)
        sel_delta = np.empty(2 * max_launches + max_arrivals, np.int64)
        for block in range(chunk, n_block, n_chunk):
            _seed(rs, gs, seed, first_block + block)
            lo = block * block_size
            hi = min(n_trial, lo + block_size)
            for trial in range(lo, hi):
                bins[:, :] = 0
                n_la, n_lo, n_ar = _one_trial(
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
                    v_anom_a,
                    v_anom_b,
                    v_turnaround,
                    v_single_pad,
                    v_mature,
                    v_last_day,
                    v_sched_lo,
                    s_net_day,
                    buy_i,
                    buy_f,
                    d_day,
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
                    split,
                    rs,
                    gs,
                    v_work,
                    v_run,
                    l_day,
                    l_ok,
                    s_avail,
                    f_day,
                    first_day_out[trial],
                    v_count,
                    la_day,
                    la_n,
                    la_m,
                    lo_day,
                    lo_n,
                    lo_m,
                    ar_day,
                    ar_n,
                    ar_m,
                    bins,
                )
                nbv = v_hist.shape[3]
                for v in range(n_v):
                    for d in range(d_day.shape[0]):
                        v_hist[chunk, v, d, min(v_count[v, d], nbv - 1)] += 1
                for metric in range(3):
                    running = initial[metric]
                    peak = running
                    for m in range(n_month + 1):
                        running += bins[metric, m]
                        cum[metric, m] = running
                        peak = max(peak, running)
                    peaks[metric] = peak
                    for m in range(n_month):
                        hist[chunk, m, metric, min(max(cum[metric, m], 0), n_bins - 1)] += 1
                for t in range(n_t):
                    metric = t_metric[t]
                    target = t_count[t]
                    if initial[metric] >= target:
                        reach_day[trial, t] = 0.0
                        continue
                    reach_day[trial, t] = np.inf
                    if peaks[metric] < target:
                        continue
                    # The first month end that meets the target; within that month,
                    # order its events by day to find the crossing.
                    m = 0
                    while cum[metric, m] < target:
                        m += 1
                    running = cum[metric, m - 1] if m > 0 else initial[metric]
                    if metric == 2:
                        n_sel = _select_month(ar_day, ar_n, ar_m, n_ar, m, sel_day, sel_delta, 0)
                    else:
                        n_sel = _select_month(la_day, la_n, la_m, n_la, m, sel_day, sel_delta, 0)
                        if metric == 1:
                            n_sel = _select_month(
                                lo_day, lo_n, lo_m, n_lo, m, sel_day, sel_delta, n_sel
                            )
                    for j in range(n_sel):
                        running += sel_delta[j]
                        if running >= target:
                            reach_day[trial, t] = sel_day[j]
                            break
