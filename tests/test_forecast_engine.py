"""The forecast engines: numba against NumPy, against hand counts, and their invariants.

1. **Differential.** The numba kernel and the plain NumPy implementation of the same
   model (``kuiper.forecast._numpy``) draw from different random streams, so they can
   only agree within Monte Carlo error. On the shipped data at three as-of dates,
   20,000 trials each: reach probabilities within ``Z_TOL`` binomial standard errors,
   monthly means within ``Z_TOL`` standard errors, and monthly distributions within
   the two-sample Kolmogorov-Smirnov bound at ``KS_ALPHA``.
2. **Hand counts.** A single vehicle with no failures, no losses, no spread in its
   cadence, slip or raising: launched, in orbit and on station at every month end, and
   the reach days, are computed here by hand, for a flying vehicle, a planned one and a
   supply-capped one, and both engines must give them exactly.
3. **Naive oracle.** The kernel's own random samplers (gamma, beta, binomial,
   lognormal conditioned above a floor) against NumPy's Generator, by two-sample KS.
4. **Invariants.** Determinism for a seed; the result does not depend on the thread
   count, on how blocks are spread over chunks, or on splitting a run into calls at
   block boundaries; per trial (one-trial runs), launched >= in orbit >= on station
   >= 0 at every month end and launches never go backwards.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numba
import numpy as np
import pytest

from kuiper._jit import njit
from kuiper.forecast import (
    BLOCK_SIZE,
    METRICS,
    _run_numba,
    build_inputs,
    default_milestones,
    load_forecast_manifest,
)
from kuiper.forecast import _kernels as K
from kuiper.forecast._numpy import engine_sizes, simulate_numpy
from kuiper.forecast.inputs import no_purchase
from kuiper.store import Store

UTC = dt.UTC
N_TRIAL = 20_000
# A difference of Z_TOL standard errors has a two-sided chance of 6e-7 under the null;
# with about a hundred comparisons per run, a false alarm is rarer than 1 in 10,000.
Z_TOL = 5.0
# Two-sample KS: P(D > c sqrt(2/n)) <= 2 exp(-2 c^2) = KS_ALPHA (conservative for
# discrete distributions such as these counts).
KS_ALPHA = 1e-6
KS_C = math.sqrt(-0.5 * math.log(KS_ALPHA / 2.0))  # 2.69
# Cadence, slip and raising are pinned to a relative spread of 1e-4 in the hand-count
# cases: launch days wander by under 0.1 day over 20 launches, so every event is kept
# at least this far from a month end (events and month ends fall on whole-day grids of
# their own, so the margin can be at most half a day).
HAND_MARGIN_DAYS = 0.3
SAMPLER_DRAWS = 100_000


@pytest.fixture(scope="module")
def store(seeded_db):
    with Store(seeded_db) as s:
        yield s


def _targets():
    targets = [(ms.metric, ms.target) for ms in default_milestones()]
    return targets + [("on_station", 578)]


@pytest.fixture(scope="module")
def inputs_by_date(store):
    manifest = load_forecast_manifest()
    dates = {
        "2025-07-15": dt.datetime(2025, 7, 15, tzinfo=UTC),
        "2026-01-30": dt.datetime(2026, 1, 30, tzinfo=UTC),
        "newest": store.data_through(),
    }
    return {k: build_inputs(store, d, manifest) for k, d in dates.items()}


@pytest.fixture(scope="module")
def newest(inputs_by_date):
    return inputs_by_date["newest"]


def _mean_sd(h):
    p = h / h.sum()
    x = np.arange(h.shape[0])
    mean = (p * x).sum()
    return mean, math.sqrt((p * (x - mean) ** 2).sum())


def _ks(h1, h2):
    return np.abs(np.cumsum(h1) / h1.sum() - np.cumsum(h2) / h2.sum()).max()


# ---------------------------------------------------------------------------
# 1. numba against NumPy


@pytest.mark.parametrize("as_of", ["2025-07-15", "2026-01-30", "newest"])
def test_numba_and_numpy_agree_within_monte_carlo_error(inputs_by_date, as_of):
    inputs = inputs_by_date[as_of]
    targets = _targets()
    hist_a, reach_a, *_ = _run_numba(inputs, targets, N_TRIAL, 11, None)
    hist_b, reach_b, *_ = simulate_numpy(inputs, targets, N_TRIAL, 12)
    assert hist_a.shape == hist_b.shape
    assert reach_a.shape == reach_b.shape == (N_TRIAL, len(targets))
    assert (hist_a.sum(axis=2) == N_TRIAL).all() and (hist_b.sum(axis=2) == N_TRIAL).all()

    # Reach: P(target met by day d) at the milestone deadlines and the horizon.
    horizon_day = inputs.par[K.PAR_NAMES.index("horizon")]
    days = [
        (dt.datetime.combine(ms.deadline_utc, dt.time(23, 59), tzinfo=UTC) - inputs.as_of)
        / dt.timedelta(days=1)
        for ms in default_milestones()
    ]
    days = [d for d in days if d > 0] + [365.0, 1000.0, 2000.0, horizon_day]
    for k in range(len(targets)):
        for day in days:
            p_a, p_b = (reach_a[:, k] <= day).mean(), (reach_b[:, k] <= day).mean()
            pooled = (p_a + p_b) / 2
            se = math.sqrt(pooled * (1 - pooled) * 2 / N_TRIAL)
            assert abs(p_a - p_b) <= Z_TOL * se, (targets[k], day, p_a, p_b)

    # Month-end counts: means and whole distributions, every sixth month and the last.
    ks_bound = KS_C * math.sqrt(2 / N_TRIAL)
    n_month = hist_a.shape[0]
    for m in [*range(0, n_month, 6), n_month - 1]:
        for i, metric in enumerate(METRICS):
            (mean_a, sd_a), (mean_b, sd_b) = _mean_sd(hist_a[m, i]), _mean_sd(hist_b[m, i])
            se = math.sqrt((sd_a**2 + sd_b**2) / N_TRIAL)
            assert abs(mean_a - mean_b) <= Z_TOL * se + 1e-9, (metric, m, mean_a, mean_b)
            assert _ks(hist_a[m, i], hist_b[m, i]) <= ks_bound, (metric, m)


# ---------------------------------------------------------------------------
# 2. Hand counts

SATS = 10
N_LAUNCH = 20
GAP_DAYS = 30.0
RAISE_DAYS = 100.0
PROFILE = (0.5, 0.75, 1.0, 1.25, 1.5)
SUPPLY_PER_DAY = 0.2
GONE_DAYS = 200.0  # in the "losses" case every satellite is lost, this long after launch
PINNED_CV = 1e-4
HAND_CASES = ("flying", "planned", "supply", "losses")


def _pinned_inputs(real, case, last_day, stock):
    """One vehicle with no failures, every spread pinned to ``PINNED_CV`` or less.

    "flying": a renewal process from ``last_day``, one ``GAP_DAYS`` apart; "planned":
    not yet flying, ready ``maturity_days`` after a first success on ``last_day``,
    its first Kuiper flight slipping by the mean slip, then one gap apart (mature);
    "supply": flying, capped by ``stock`` plus ``SUPPLY_PER_DAY``; "losses": flying,
    every satellite lost ``GONE_DAYS`` after launch.
    """
    par = real.par.copy()

    def set_(name, value):
        par[K.PAR_NAMES.index(name)] = value

    set_("gap_cv", PINNED_CV)
    set_("ratio_sigma", 1e-9)  # the plan rate is the rate (a planned vehicle has no record)
    set_("ratio_mu_mature", 0.0)
    set_("slip_cv", PINNED_CV)
    set_("lead_sigma", 1e-9)
    set_("raise_mu", math.log(RAISE_DAYS))
    set_("raise_sigma", 1e-9)
    # The loss fraction is Beta(lost_a, lost_b): pinned to 0, or to 1 for "losses".
    set_("lost_a", 1e9 if case == "losses" else 1e-6)
    set_("lost_b", 1e-6 if case == "losses" else 1e9)
    set_("lost_min", GONE_DAYS)
    set_("lost_max", GONE_DAYS)
    set_("stock", stock)
    set_("supply_rate", SUPPLY_PER_DAY if case == "supply" else 0.0)
    # The rate is a gamma-Poisson posterior; a huge record pins it to 1 / GAP_DAYS.
    obs_n = 1e10
    vehicle = {
        "name": "pinned",
        "satellites_per_launch": SATS,
        "ready_mode": 1 if case == "planned" else 0,
        "first_success_day": last_day,
        "plan_rate_per_day": 1.0 / GAP_DAYS,
        "obs_n": obs_n,
        "obs_t_days": obs_n * GAP_DAYS,
        "fail_a": 1e-6,
        "fail_b": 1e9,
        "anom_a": 1e-6,
        "anom_b": 1e9,
        "turnaround_days": 1.0,
        "single_pad": 0,
        "mature": 1,
        "last_day": last_day,
        "kuiper_flights": 1,
    }
    empty_f, empty_i = np.zeros(0), np.zeros(0, np.int64)
    return dataclasses.replace(
        real,
        par=par,
        vehicles=[vehicle],
        contracts={
            "vehicle": np.zeros(1, np.int64),
            "launches": np.array([N_LAUNCH], np.int64),
            "known_day": np.array([-1e4]),
        },
        events={"vehicle": empty_i, "from_day": empty_f, "kind": empty_i},
        pool=empty_f,
        profile=np.array(PROFILE),
        groups={"day": empty_f, "raising": empty_i, "median": empty_f},
        initial=np.zeros(3, np.int64),
        purchase=no_purchase(),
    )


def _hand_events(real, case, last_day, stock):
    """Days of launches, losses and arrivals (each of SATS, SATS, SATS / 5), by hand."""
    par = dict(zip(K.PAR_NAMES, real.par, strict=True))
    if case == "planned":
        ready = max(last_day + par["maturity_days"], 0.0)
        # The first Kuiper flight slips once by the mean slip; then one gap apart.
        first = ready + par["slip_frac"] * ready + par["slip_floor"]
        launches = first + GAP_DAYS * np.arange(N_LAUNCH)
    else:  # a renewal process from the last launch, one gap apart
        launches = last_day + GAP_DAYS * np.arange(1, N_LAUNCH + 1)
    if case == "supply":  # satellite k * SATS ships at (k * SATS - stock) / rate
        ships = (SATS * np.arange(1, N_LAUNCH + 1) - stock) / SUPPLY_PER_DAY
        launches = np.maximum.accumulate(np.maximum(launches, ships))
    launches = launches[launches <= par["horizon"]]
    if case == "losses":
        return launches, launches + GONE_DAYS, np.zeros(0)
    arrivals = (launches[:, None] + RAISE_DAYS * np.array(PROFILE)).ravel()
    return launches, np.zeros(0), np.sort(arrivals)


def _clear_case(real, case):
    """A last launch day and a stock that keep every hand-computed event clear of the
    month ends, and the events."""
    month_end = real.month_end_day()
    for last_day in -10.0 + 0.25 * np.arange(8):
        for stock in 15.0 + 0.05 * np.arange(4):  # moves supply-bound days by 0.25 d
            events = _hand_events(real, case, last_day, stock)
            days = np.concatenate(events)
            if np.abs(days[:, None] - month_end[None, :]).min() > HAND_MARGIN_DAYS:
                return last_day, stock, events
    raise AssertionError("no last launch day keeps the events clear of month ends")


@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("case", HAND_CASES)
def test_a_pinned_single_vehicle_gives_the_hand_counts(newest, case, engine):
    last_day, stock, (launches, losses, arrivals) = _clear_case(newest, case)
    inputs = _pinned_inputs(newest, case, last_day, stock)
    per_group = SATS // len(PROFILE)
    targets = [
        ("launched", 5 * SATS),
        ("in_orbit", 5 * SATS),
        ("on_station", 3 * per_group),
        ("launched", 10**6),
        ("on_station", 0),
    ]
    n = 2_000
    run = _run_numba if engine == "numba" else simulate_numpy
    hist, reach, *_ = run(inputs, targets, n, 5, None)

    month_end = newest.month_end_day()

    def by(days):
        return (days[None, :] <= month_end[:, None]).sum(axis=1)

    launched = SATS * by(launches)
    expected = (launched, launched - SATS * by(losses), per_group * by(arrivals))
    for i, counts in enumerate(expected):
        assert (hist[np.arange(len(month_end)), i, counts] == n).all(), METRICS[i]
    # Reach days: the 5th launch (for launched and, before any loss, in orbit); the 3rd
    # arrival (never, when all are lost); never; already met.
    third_arrival = arrivals[2] if arrivals.size else np.inf
    expected_reach = [launches[4], launches[4], third_arrival, np.inf, 0.0]
    np.testing.assert_allclose(reach, np.broadcast_to(expected_reach, reach.shape), atol=0.2)


# ---------------------------------------------------------------------------
# 3. The kernel's samplers against NumPy's


@njit
def _draws(kind, a, b, n, seed):
    rs = np.empty(4, np.uint64)
    gs = np.empty(2)
    K._seed(rs, gs, seed, 0)
    out = np.empty(n)
    n_sat = int(a)
    path, qn, bound = K._binomial_setup(n_sat, b)
    for i in range(n):
        if kind == 0:
            out[i] = K._gamma(rs, gs, a, b)
        elif kind == 1:
            out[i] = K._beta(rs, gs, a, b)
        elif kind == 2:
            out[i] = K._binomial(rs, n_sat, b, path, qn, bound)
        elif kind == 3:
            out[i] = K._lognormal_above(rs, gs, math.log(90.0), 0.9, a)
        else:
            out[i] = K._uniform(rs)
    return out


def _numpy_draws(rng, kind, a, b, n):
    if kind == 0:
        return rng.gamma(a, b, n)
    if kind == 1:
        return rng.beta(a, b, n)
    if kind == 2:
        return rng.binomial(int(a), b, n).astype(float)
    if kind == 3:  # lognormal conditioned above a: by rejection, in bulk
        x = rng.lognormal(math.log(90.0), 0.9, 40 * n)
        return x[x > a][:n]
    return rng.random(n)


@pytest.mark.parametrize(
    "kind, a, b",
    [
        (0, 0.2, 1.0),  # gamma, shape < 1: the boost
        (0, 1 / 1.1**2, 37.0),  # the slip's shape
        (0, 1.0, 2.0),
        (0, 4.0, 7.5),  # the gaps' shape
        (0, 584.0, 1.0),
        (1, 3.0, 584.0),  # beta: the loss fraction
        (1, 2.0, 4.0),
        (1, 0.5, 0.5),
        (2, 36, 0.0075),  # binomial by inversion
        (2, 48, 0.4),  # inversion near its n p = 30 limit
        (2, 48, 0.8),  # p > 1/2: Bernoulli sums
        (2, 200, 0.3),  # n p > 30: Bernoulli sums
        (2, 30, 0.0),
        (3, -5.0, 0.0),  # no floor: a plain lognormal
        (3, 206.0, 0.0),  # a grounding 206 days old (as of the newest data)
        (4, 0.0, 0.0),  # uniform
    ],
)
def test_kernel_samplers_match_numpy(kind, a, b):
    ours = _draws(kind, float(a), float(b), SAMPLER_DRAWS, 3)
    theirs = _numpy_draws(np.random.default_rng(4), kind, a, b, SAMPLER_DRAWS)
    n1, n2 = ours.size, theirs.size
    both = np.sort(np.concatenate([ours, theirs]))
    cdf1 = np.searchsorted(np.sort(ours), both, side="right") / n1
    cdf2 = np.searchsorted(np.sort(theirs), both, side="right") / n2
    assert np.abs(cdf1 - cdf2).max() <= KS_C * math.sqrt((n1 + n2) / (n1 * n2))
    se = math.sqrt(ours.var() / n1 + theirs.var() / n2)
    assert abs(ours.mean() - theirs.mean()) <= Z_TOL * se + 1e-12


# ---------------------------------------------------------------------------
# 4. Invariants


def test_the_same_seed_gives_the_same_result_and_another_seed_does_not(newest):
    targets = _targets()
    h1, r1, *_ = _run_numba(newest, targets, 3_000, 7, None)
    h2, r2, *_ = _run_numba(newest, targets, 3_000, 7, None)
    h3, r3, *_ = _run_numba(newest, targets, 3_000, 8, None)
    np.testing.assert_array_equal(h1, h2)
    np.testing.assert_array_equal(r1, r2)
    assert not np.array_equal(h1, h3) and not np.array_equal(r1, r3)
    n1, s1, *_ = simulate_numpy(newest, targets, 3_000, 7)
    n2, s2, *_ = simulate_numpy(newest, targets, 3_000, 7)
    np.testing.assert_array_equal(n1, n2)
    np.testing.assert_array_equal(s1, s2)


def test_chunks_and_calls_do_not_change_the_result(newest):
    targets = _targets()
    n = 5 * BLOCK_SIZE + 123  # a partial last block
    base_h, base_r, *_ = _run_numba(newest, targets, n, 3, None)
    for kwargs in ({"n_chunk": 1}, {"n_chunk": 3}, {"batch_blocks": 1}, {"batch_blocks": 2}):
        h, r, *_ = _run_numba(newest, targets, n, 3, None, **kwargs)
        np.testing.assert_array_equal(h, base_h, err_msg=str(kwargs))
        np.testing.assert_array_equal(r, base_r, err_msg=str(kwargs))
    seen = []
    _run_numba(
        newest, targets, n, 3, lambda done, total: seen.append((done, total)), batch_blocks=2
    )
    assert seen == [(2000, n), (4000, n), (n, n)]


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two numba threads")
def test_the_thread_count_does_not_change_the_result(newest):
    targets = _targets()
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        h1, r1, *_ = _run_numba(newest, targets, 4_000, 9, None)
        numba.set_num_threads(2)
        h2, r2, *_ = _run_numba(newest, targets, 4_000, 9, None)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(h1, h2)
    np.testing.assert_array_equal(r1, r2)


def _one_trial_counts(inputs, targets, seed, engine):
    """Month-end counts (n_month, 3) of a single trial: a run of one trial is one-hot."""
    if engine == "numba":
        hist, _, *_ = _run_numba(inputs, targets, 1, seed, None, n_chunk=1)
    else:
        hist, _, *_ = simulate_numpy(inputs, targets, 1, seed)
    assert (hist.sum(axis=2) == 1).all()
    return hist.argmax(axis=2)


@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("as_of", ["2025-07-15", "newest"])
def test_every_trial_conserves_satellites(inputs_by_date, as_of, engine):
    inputs = inputs_by_date[as_of]
    n_bins = engine_sizes(inputs)["n_bins"]
    for seed in range(60):
        counts = _one_trial_counts(inputs, _targets(), seed, engine)
        launched, in_orbit, on_station = counts.T
        assert (counts < n_bins - 1).all()  # never clipped at the top bin
        assert (launched >= in_orbit).all() and (in_orbit >= on_station).all()
        assert (on_station >= 0).all()
        assert (np.diff(launched) >= 0).all() and (np.diff(on_station) >= 0).all()
        assert (counts[0] >= inputs.initial).all()
