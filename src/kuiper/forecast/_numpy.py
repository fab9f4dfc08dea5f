"""Plain NumPy implementation of the Monte Carlo deployment model (see kuiper.forecast).

The same model as the numba kernel ``kuiper.forecast._kernels.simulate``, step for step,
but vectorised across a batch of trials instead of looping over them: the loops run over
vehicles, contracts and launch slots, and every operation acts on all trials of the
batch at once (a trial that has stopped, e.g. whose contract ran past the horizon, is
masked out). Draws come from ``numpy.random.default_rng(seed)``, so the kernel's random
stream is not reproduced; the two engines agree within Monte Carlo error, which
``tests/test_forecast_engine.py`` checks. This engine exists for verification and for
the benchmark's comparison.

Times are days after the as-of date (day 0). Metrics are indexed 0 = launched,
1 = in_orbit, 2 = on_station, as in the kernel.
"""

from __future__ import annotations

import numpy as np

from ._kernels import PAR_NAMES

BATCH_TRIALS = 10_000
METRICS = ("launched", "in_orbit", "on_station")
LOGNORMAL_ABOVE_TRIES = 64  # as the kernel's _lognormal_above


def engine_sizes(inputs) -> dict:
    """Month lookup, slot counts and histogram widths shared with ``engine._run_numba``.

    ``month_of_day[j]`` is the number of month ends at most ``j`` whole days after the
    first, so an event ``x`` days after the first month end falls in month
    ``month_of_day[ceil(x) - 1]`` (0 if ``x <= 0``, ``n_month`` past the table).
    A trial's attempts are at most the contracted launches, the launches bought for the
    standing shortfall, and one re-flight per earlier attempt (``max_rebuy``).
    """
    month_end_day = inputs.month_end_day()
    offsets = np.rint(month_end_day - month_end_day[0]).astype(np.int64)
    month_of_day = np.searchsorted(offsets, np.arange(offsets[-1] + 1), side="right")
    c, g, v = inputs.contracts, inputs.groups, inputs.vehicles
    buy = inputs.purchase
    n_v = len(v)
    slots = np.zeros(n_v, np.int64)
    for i, n in zip(c["vehicle"], c["launches"], strict=True):
        slots[i] += n
    static = int(buy["static_launches"] or 0) if buy["vehicle"] >= 0 else 0
    max_rebuy = int(slots.sum()) + static if buy["vehicle"] >= 0 else 0
    if buy["vehicle"] >= 0:
        slots[buy["vehicle"]] += static + max_rebuy
    sats = np.array([x["satellites_per_launch"] for x in v], np.int64)
    max_sats = int(inputs.initial.max() + (slots * sats).sum() + g["raising"].sum())
    return {
        "month_end_day": month_end_day,
        "month_of_day": month_of_day.astype(np.int64),
        "n_month": len(month_end_day),
        "n_bins": max_sats + 2,
        "n_bins_vehicle": int((slots * sats).max()) + 2 if n_v else 2,
        "max_launches": int(slots.sum()) + 1,
        "buy_i": np.array([buy["vehicle"], static, max_rebuy], np.int64),
        "buy_f": np.array([buy["lead_mu"], buy["lead_sigma"], buy["decision_day"]], np.float64),
    }


def schedule_arrays(vehicles: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (n_vehicle + 1) into the flat NET days of the vehicles' schedules."""
    nets = [list(v.get("schedule_net_days", ())) for v in vehicles]
    lo = np.cumsum([0] + [len(x) for x in nets]).astype(np.int64)
    return lo, np.array([d for x in nets for d in x], np.float64)


def simulate_numpy(
    inputs, targets, n_trial, seed, progress=None, batch=BATCH_TRIALS, deadline_days=()
):
    """Run ``n_trial`` trials of the deployment model with NumPy.

    Parameters
    ----------
    inputs : kuiper.forecast.ForecastInputs
    targets : list of (metric, count)
        ``metric`` one of ``METRICS``.
    n_trial, seed : int
    progress : callable, optional
        Called as ``progress(trials_done, n_trial)`` after each batch.
    batch : int
        Trials per vectorised batch (memory grows linearly with it).

    Returns
    -------
    hist : ndarray of int64, shape (n_month, 3, n_bins)
        Over all trials, how many had each count of each metric at each month end.
    reach : ndarray of float64, shape (n_trial, n_target)
        The day each target is first met (0 if already met at the as-of date, +inf
        if no month end up to the horizon meets it).
    """
    model = _Model(inputs)
    t_metric = np.array([METRICS.index(m) for m, _ in targets], np.int64)
    t_count = np.array([n for _, n in targets], np.int64)
    hist = np.zeros((model.n_month, 3, model.n_bins), np.int64)
    deadline_days = np.asarray(deadline_days, np.float64)
    n_v = len(inputs.vehicles)
    vehicle_hist = np.zeros((n_v, len(deadline_days), model.n_bins_vehicle), np.int64)
    first_day = np.empty((n_trial, n_v))
    reach = np.empty((n_trial, len(targets)))
    rng = np.random.default_rng(seed)
    for lo in range(0, n_trial, batch):
        hi = min(n_trial, lo + batch)
        _one_batch(
            rng,
            model,
            hi - lo,
            t_metric,
            t_count,
            hist,
            reach[lo:hi],
            deadline_days,
            vehicle_hist,
            first_day[lo:hi],
        )
        if progress:
            progress(hi, n_trial)
    from .engine import EngineResult

    return EngineResult(hist, reach, vehicle_hist, first_day)


class _Model:
    """The inputs as flat arrays and named parameters (what the kernel takes)."""

    def __init__(self, inputs):
        self.par = dict(zip(PAR_NAMES, (float(x) for x in inputs.par), strict=True))
        v = inputs.vehicles

        def arr(key, dtype=np.float64):
            return np.array([x[key] for x in v], dtype)

        self.sats = arr("satellites_per_launch", np.int64)
        self.ready_mode = arr("ready_mode", np.int64)
        self.first_success_day = arr("first_success_day")
        self.plan_rate = arr("plan_rate_per_day")
        self.obs_n = arr("obs_n")
        self.obs_t = arr("obs_t_days")
        self.fail_a = arr("fail_a")
        self.fail_b = arr("fail_b")
        self.anom_a = arr("anom_a")
        self.anom_b = arr("anom_b")
        self.turnaround = arr("turnaround_days")
        self.single_pad = arr("single_pad", np.int64)
        self.mature = arr("mature", np.int64)
        self.last_day = arr("last_day")
        self.sched_lo, self.net_day = schedule_arrays(v)
        c, e, g = inputs.contracts, inputs.events, inputs.groups
        self.c_vehicle, self.c_launches, self.c_known_day = (
            c["vehicle"],
            c["launches"],
            c["known_day"],
        )
        self.e_vehicle, self.e_from_day, self.e_kind = e["vehicle"], e["from_day"], e["kind"]
        self.pool = np.asarray(inputs.pool, np.float64)
        self.profile = np.asarray(inputs.profile, np.float64)
        self.g_day, self.g_raising, self.g_median = g["day"], g["raising"], g["median"]
        self.initial = np.asarray(inputs.initial, np.int64)
        sizes = engine_sizes(inputs)
        self.month_end_day = sizes["month_end_day"]
        self.n_month = sizes["n_month"]
        self.n_bins = sizes["n_bins"]
        self.n_bins_vehicle = sizes["n_bins_vehicle"]
        self.max_launches = sizes["max_launches"]
        self.buy_i, self.buy_f = sizes["buy_i"], sizes["buy_f"]
        # Month ends on the kernel's whole-day grid: an event falls in the first month
        # end at or after it (kernel: month_of_day[ceil(day - first) - 1]).
        offsets = np.rint(self.month_end_day - self.month_end_day[0])
        self.month_grid = self.month_end_day[0] + offsets


def _lognormal_above(rng, mu, sigma, floor, n):
    """Lognormal draws conditioned to exceed ``floor``: the kernel's rejection, then fallback."""
    x = rng.lognormal(mu, sigma, n)
    if floor <= 0.0:
        return x
    bad = np.flatnonzero(x <= floor)
    for _ in range(LOGNORMAL_ABOVE_TRIES - 1):
        if bad.size == 0:
            return x
        x[bad] = rng.lognormal(mu, sigma, bad.size)
        bad = bad[x[bad] <= floor]
    x[bad] = floor + rng.lognormal(mu, sigma, bad.size)
    return x


def _raising_median(rng, par, pool, shape):
    if pool.shape[0] > 0:
        return pool[rng.integers(0, pool.shape[0], shape)]
    return rng.lognormal(par["raise_mu"], par["raise_sigma"], shape)


def _month_of(model, day):
    """Index of the first month end at or after ``day`` (``n_month`` if none)."""
    return np.searchsorted(model.month_grid, day, side="left")


def _one_batch(
    rng, model, n, t_metric, t_count, hist, reach, deadline_days, vehicle_hist, first_out
):
    par = model.par
    n_v = model.sats.shape[0]
    horizon = par["horizon"]

    # Per vehicle: rate, hazards, readiness; groundings in force (as the kernel).
    rate = np.empty((n_v, n))
    p_fail = np.empty((n_v, n))
    p_anom = np.empty((n_v, n))
    ready = np.empty((n_v, n))
    grounded = np.zeros((n_v, n))
    w = par["prior_weight"]
    for v in range(n_v):
        if model.ready_mode[v] == 0:
            mu = par["ratio_mu_mature"] if model.mature[v] == 1 else par["ratio_mu_new"]
            prior_rate = model.plan_rate[v] * rng.lognormal(mu, par["ratio_sigma"], n)
            rate[v] = rng.gamma(w + model.obs_n[v], 1.0 / (w / prior_rate + model.obs_t[v]))
        else:
            rate[v] = model.plan_rate[v] * rng.lognormal(
                par["ratio_mu_mature"], par["ratio_sigma"], n
            )
        p_fail[v] = rng.beta(model.fail_a[v], model.fail_b[v], n)
        p_anom[v] = rng.beta(model.anom_a[v], model.anom_b[v], n)
        if model.ready_mode[v] == 0:
            ready[v] = 0.0
        elif model.ready_mode[v] == 1:
            ready[v] = model.first_success_day[v] + par["maturity_days"]
        else:
            first = rng.lognormal(par["first_flight_mu"], par["first_flight_sigma"], n)
            ready[v] = first + par["maturity_days"]
    for e in range(model.e_vehicle.shape[0]):
        v = model.e_vehicle[e]
        elapsed = -model.e_from_day[e]
        if model.e_kind[e] == 1:
            down = _lognormal_above(rng, par["ground_mu"], par["ground_sigma"], elapsed, n)
        else:
            down = _lognormal_above(rng, par["pad_mu"], par["pad_sigma"], elapsed, n)
        grounded[v] = np.maximum(grounded[v], model.e_from_day[e] + down)

    # Launch attempts: one column per slot (contracted launches, then for the purchase
    # vehicle the launches bought for the standing shortfall and up to max_rebuy
    # re-flights); a_day is +inf where no attempt happened (past the horizon, its
    # contract stopped, or no loss left to re-fly), ok where the payload was delivered.
    buy_v, buy_static, max_rebuy = (int(x) for x in model.buy_i)
    buy_mu, buy_sigma, decision_day = model.buy_f
    n_slot = model.max_launches - 1
    a_day = np.full((n, n_slot), np.inf)
    ok = np.zeros((n, n_slot), bool)
    l_n = np.zeros(n_slot, np.int64)
    l_v = np.zeros(n_slot, np.int64)
    first_day = np.full((n, n_v), np.inf)
    rows = np.arange(n)
    slip_shape = 1.0 / (par["slip_cv"] * par["slip_cv"])
    gap_shape = 1.0 / (par["gap_cv"] * par["gap_cv"])
    col = 0
    for v in range(n_v):
        flying = model.ready_mode[v] == 0
        excess = 0.0 if model.mature[v] == 1 else par["ratio_mu_new"] - par["ratio_mu_mature"]
        t_prev = np.full(n, model.last_day[v] if flying else -1e9)
        k = np.zeros(n)
        slot_avail = []
        for c in range(model.c_vehicle.shape[0]):
            if model.c_vehicle[c] != v or model.c_launches[c] == 0:
                continue
            avail = model.c_known_day[c] + rng.lognormal(par["lead_mu"], par["lead_sigma"], n)
            slot_avail += [avail] * int(model.c_launches[c])
        if v == buy_v and buy_static > 0:
            slot_avail += [decision_day + rng.lognormal(buy_mu, buy_sigma, n)] * buy_static
        n_regular = len(slot_avail)
        n_total = n_regular + (max_rebuy if v == buy_v else 0)
        l_n[col : col + n_total] = model.sats[v]
        l_v[col : col + n_total] = v
        # The first attempt past the horizon ends the vehicle's run.
        active = np.ones(n, bool)
        for i in range(n_total):
            if i < n_regular:
                avail = slot_avail[i]
            else:  # re-flight r: the r-th loss, in time order (own later ones append)
                r = i - n_regular
                if r == 0:
                    done = slice(0, col + i)  # every attempt so far, this vehicle's too
                    lost = np.where(
                        ~ok[:, done] & np.isfinite(a_day[:, done]), a_day[:, done], np.inf
                    )
                    queue = np.sort(lost, axis=1)
                    n_queue = np.isfinite(queue).sum(axis=1)
                    own = np.full((n, max(max_rebuy, 1)), np.inf)
                    n_own = np.zeros(n, np.int64)
                from_queue = queue[:, min(r, queue.shape[1] - 1)] if queue.shape[1] else np.inf
                from_own = own[rows, np.clip(r - n_queue, 0, own.shape[1] - 1)]
                base = np.where(
                    r < n_queue, from_queue, np.where(r - n_queue < n_own, from_own, np.inf)
                )
                avail = base + rng.lognormal(buy_mu, buy_sigma, n)
            if flying:
                gap = rng.gamma(gap_shape, 1.0 / (rate[v] * gap_shape))
                t = t_prev + gap
                overdue = np.flatnonzero(t <= 0.0)
                if overdue.size:  # overdue at the as-of date: soon, not in the past
                    t[overdue] = rng.uniform(0.0, 1.0 / rate[v, overdue])
            else:  # k == 0 or not in every active trial: both branches, then pick
                planned = np.maximum(ready[v], 0.0)
                mean_slip = par["slip_frac"] * planned + par["slip_floor"]
                first = planned + rng.gamma(slip_shape, mean_slip / slip_shape)
                r_k = rate[v] * np.exp(excess * np.exp(-k / par["learn_flights"]))
                later = t_prev + rng.gamma(gap_shape, 1.0 / (r_k * gap_shape))
                t = np.where(k == 0, first, later)
            n_sched = model.sched_lo[v + 1] - model.sched_lo[v]
            if n_sched:  # the first n_sched launches: NETs slipped by the lead-time kernel
                kk = k.astype(np.int64)
                net = model.net_day[model.sched_lo[v] + np.minimum(kk, n_sched - 1)]
                planned = np.maximum(net, 0.0)
                mean_slip = par["slip_frac"] * planned + par["slip_floor"]
                sched = planned + rng.gamma(slip_shape, mean_slip / slip_shape)
                t = np.where(kk < n_sched, sched, t)
            t = np.maximum(
                np.maximum(t, t_prev + model.turnaround[v]), np.maximum(grounded[v], avail)
            )
            k += active
            active &= t <= horizon
            if not active.any():
                break
            first_day[:, v] = np.where(active & (k == 1), t, first_day[:, v])
            t_prev = np.where(active, t, t_prev)
            u = rng.random(n)
            fail = active & (u < p_fail[v])
            nf = np.flatnonzero(fail)
            if nf.size:
                down = rng.lognormal(par["ground_mu"], par["ground_sigma"], nf.size)
                if model.single_pad[v] == 1:
                    pad = rng.random(nf.size) < par["pad_p"]
                    down[pad] += rng.lognormal(par["pad_mu"], par["pad_sigma"], pad.sum())
                grounded[v, nf] = t[nf] + down
                if i >= n_regular:
                    own[nf, np.minimum(n_own[nf], own.shape[1] - 1)] = t[nf]
                    n_own[nf] += 1
            good = active & ~fail
            na = np.flatnonzero(good & (u < p_fail[v] + p_anom[v]))
            if na.size:
                down = rng.lognormal(par["ground_mu"], par["ground_sigma"], na.size)
                grounded[v, na] = t[na] + down
            a_day[active, col + i] = t[active]
            ok[:, col + i] = good
        col += n_total

    # Satellite supply: attempts in time order may not outrun production (a lost
    # payload was built too). The kernel's running t_last makes the days a running
    # maximum.
    order = np.argsort(a_day, axis=1, kind="stable")
    a_day = np.take_along_axis(a_day, order, axis=1)
    ok = np.take_along_axis(ok, order, axis=1)
    l_sats = l_n[order]
    l_veh = l_v[order]
    t = np.maximum(a_day, 0.0)
    if par["supply_rate"] > 0.0:
        cum = np.cumsum(l_sats, axis=1).astype(np.float64)
        t = np.maximum(t, (cum - par["stock"]) / par["supply_rate"])
    t = np.maximum.accumulate(t, axis=1) if t.shape[1] else t
    valid = t <= horizon  # a prefix of each row: t only grows along it
    n_keep = int(valid.sum(axis=1).max()) if valid.size else 0
    t, valid = t[:, :n_keep], valid[:, :n_keep] & ok[:, :n_keep]
    sats = np.where(valid, l_sats[:, :n_keep], 0)
    l_veh = l_veh[:, :n_keep]
    nbv = vehicle_hist.shape[2]
    for v in range(n_v):
        mine = np.where(l_veh == v, sats, 0)
        for d, deadline in enumerate(deadline_days):
            count = np.where(t <= deadline, mine, 0).sum(axis=1)
            vehicle_hist[v, d] += np.bincount(np.minimum(count, nbv - 1), minlength=nbv)
    first_out[:] = first_day

    # Losses and orbit raising, launch by launch.
    p_lost = rng.beta(par["lost_a"], par["lost_b"], n)
    lost = rng.binomial(sats, p_lost[:, None])
    gone = t + rng.uniform(par["lost_min"], par["lost_max"], t.shape)
    good = sats - lost
    median = _raising_median(rng, par, model.pool, t.shape)
    n_k = model.profile.shape[0]
    arr_day = [t + median * model.profile[q] for q in range(n_k)]
    arr_n = [(good * (q + 1)) // n_k - (good * q) // n_k for q in range(n_k)]
    # Satellites raising at the as-of date arrive on their launch's schedule, or soon.
    for g in range(model.g_day.shape[0]):
        if model.g_median[g] > 0.0:
            g_median = np.full(n, model.g_median[g])
        else:
            g_median = _raising_median(rng, par, model.pool, n)
        if par["raise_group_sigma"] > 0.0:
            g_median = g_median * np.exp(par["raise_group_sigma"] * rng.standard_normal(n))
        good_g = int(model.g_raising[g])
        for q in range(n_k):
            grp = (good_g * (q + 1)) // n_k - (good_g * q) // n_k
            if grp > 0:
                arrive = model.g_day[g] + g_median * model.profile[q]
                soon = np.flatnonzero(arrive <= 0.0)
                arrive[soon] = rng.uniform(0.0, 60.0, soon.size)
                arr_day.append(arrive[:, None])
                arr_n.append(np.full((n, 1), grp))

    events = (
        (t, sats),
        (np.concatenate([t, gone], axis=1), np.concatenate([sats, -lost], axis=1)),
        (np.concatenate(arr_day, axis=1), np.concatenate(arr_n, axis=1)),
    )
    n_month, n_bins = model.n_month, model.n_bins
    rows = np.arange(n)
    for metric, (day, delta) in enumerate(events):
        month = _month_of(model, day)
        # Net change in each month (index n_month: after the last month end), cumulated.
        flat = (rows[:, None] * (n_month + 1) + month).ravel()
        per_month = np.bincount(flat, weights=delta.ravel(), minlength=n * (n_month + 1))
        count = model.initial[metric] + np.cumsum(
            np.rint(per_month).astype(np.int64).reshape(n, n_month + 1), axis=1
        )
        b = np.clip(count[:, :n_month], 0, n_bins - 1) + np.arange(n_month) * n_bins
        hist[:, metric, :] += np.bincount(b.ravel(), minlength=n_month * n_bins).reshape(
            n_month, n_bins
        )
        for k in np.flatnonzero(t_metric == metric):
            reach[:, k] = _reach(model.initial[metric], t_count[k], day, delta, month, count)


def _reach(initial, target, day, delta, month, count):
    """First day the count meets ``target``, as the kernel finds it.

    The kernel finds the first month end whose count meets the target, then orders that
    month's events by day and returns the day of the event at which the running count
    first meets it. Here: the few events of that month are picked out of each row
    (argpartition), then sorted.
    """
    n = day.shape[0]
    if initial >= target:
        return np.zeros(n)
    out = np.full(n, np.inf)
    hit = count >= target
    rows = np.flatnonzero(hit.any(axis=1))
    if rows.size == 0:
        return out
    first = hit[rows].argmax(axis=1)
    before = np.where(first > 0, count[rows, np.maximum(first - 1, 0)], initial)
    inside = month[rows] == first[:, None]
    key = np.where(inside, day[rows], np.inf)
    k = int(inside.sum(axis=1).max())
    pick = np.argpartition(key, k - 1, axis=1)[:, :k] if k < key.shape[1] else None
    if pick is not None:
        key = np.take_along_axis(key, pick, axis=1)
        step = np.take_along_axis(np.where(inside, delta[rows], 0), pick, axis=1)
    else:
        step = np.where(inside, delta[rows], 0)
    order = np.argsort(key, axis=1, kind="stable")
    key = np.take_along_axis(key, order, axis=1)
    running = before[:, None] + np.cumsum(np.take_along_axis(step, order, axis=1), axis=1)
    crossing = running >= target
    out[rows] = key[np.arange(rows.size), crossing.argmax(axis=1)]
    return out
