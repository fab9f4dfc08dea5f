"""kuiper.value: closed forms, a naive oracle, the mechanics issue 12 names, monotonicity,
determinism, config errors and the issue 10 findings.

Most tests build synthetic forecasts (month-end histograms from a handful of explicit
paths), so each one controls deployment exactly and runs in well under a second.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuiper.errors import KuiperError, ManifestError
from kuiper.forecast import Forecast
from kuiper.value import config as C
from kuiper.value import model as V

UTC = dt.UTC
SHIPPED = Path(C.__file__).parent.parent / "data" / "valuation.toml"
# Monte Carlo agreement: within this many standard errors of the mean.
MC_SIGMAS = 4.0


# ---------------------------------------------------------------------------
# Helpers


def month_ends(start: dt.date, n: int) -> list[dt.date]:
    out, y, m = [], start.year, start.month
    for _ in range(n):
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append(dt.date(ny, nm, 1) - dt.timedelta(days=1))
        y, m = ny, nm
    return out


def forecast_from_paths(as_of: dt.datetime, paths: np.ndarray, initial) -> Forecast:
    """A Forecast whose month-end histograms are those of ``paths`` (n_path, n_month, 3)."""
    paths = np.asarray(paths, np.int64)
    n, n_month, _ = paths.shape
    n_bins = int(paths.max()) + 2
    hist = np.zeros((n_month, 3, n_bins), np.int64)
    for m in range(n_month):
        for k in range(3):
            hist[m, k] = np.bincount(paths[:, m, k], minlength=n_bins)
    return Forecast(
        as_of=as_of,
        data_through=as_of,
        trials=n,
        seed=0,
        milestones=[],
        monthly={},
        reach_date=[],
        hist=hist,
        month_end=month_ends(as_of.date(), n_month),
        reach_day=np.zeros((n, 0)),
        initial=tuple(int(x) for x in initial),
    )


def constant_forecast(as_of, count: int, n_month: int) -> Forecast:
    return forecast_from_paths(as_of, np.full((1, n_month, 3), count), (count, count, count))


def ramp_forecast(as_of, shift: int = 0, n_month: int = 112) -> Forecast:
    """Deployment at 15-60 satellites a month from ~400, capped at Gen-1's 3,232."""
    rate = np.linspace(15.0, 60.0, 200)[:, None]
    m = np.arange(n_month)[None, :]
    on = np.clip(350 + rate * m - shift, 0, 3232).astype(np.int64)
    launched = np.clip(400 + rate * (m + 2), 0, 3232).astype(np.int64)
    return forecast_from_paths(as_of, np.stack([launched, launched, on], axis=2), (396, 392, 342))


def years(as_of: dt.datetime, d: dt.date) -> float:
    end = dt.datetime.combine(d, dt.time(23, 59, 59, 999999), tzinfo=UTC)
    return (end - as_of).total_seconds() / 86400.0 / 365.25


def ncdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def black_scholes(s: float, k: float, r: float, sigma: float, t: float, call: bool) -> float:
    """Black & Scholes (1973) European call/put; ``r`` continuously compounded."""
    d1 = (math.log(s / k) + (r + 0.5 * sigma**2) * t) / (sigma * math.sqrt(t))
    d2 = d1 - sigma * math.sqrt(t)
    if call:
        return s * ncdf(d1) - k * math.exp(-r * t) * ncdf(d2)
    return k * math.exp(-r * t) * ncdf(-d2) - s * ncdf(-d1)


@pytest.fixture(scope="module")
def shipped() -> C.ValuationConfig:
    return C.load_valuation_config()


def frictionless(cfg, *, rate: float, sigma: float, demand_usd_year: float, end: str):
    """No tax, no costs, no synergy, no terminal value, no retirement; one consumer
    segment adopted at once, capacity never binding; the market level is a GBM whose
    discounted expectation is constant (its drift is the discount rate)."""
    r_c = math.log1p(rate)
    return cfg.with_fixed(
        discount_rate=rate,
        market_volatility=sigma,
        market_growth=math.exp(r_c - 0.5 * sigma**2) - 1.0,
        tax_rate=0.0,
        fixed_opex_usd_year=0.0,
        variable_cost_share=0.0,
        aws_attach_rate=0.0,
        transit_avoided_usd_per_gbps_year=0.0,
        aws_gateway_sites=0.0,
        consumer_subscribers=1.0e6,
        consumer_arpu_usd_month=demand_usd_year / 12.0e6,
        consumer_adoption_years=1e-6,
        enterprise_sites=0.0,
        backhaul_sites=0.0,
        mobility_terminals=0.0,
        subscribers_per_satellite=1.0e6,
        satellite_life_years=50.0,
        distressed_usd_per_satellite=0.0,
        distressed_ev_per_subscriber_usd=0.0,
        deorbit_cost_usd_per_satellite=0.0,
        exit_fixed_cost_usd=0.0,
        take_or_pay_share=0.0,
    ).with_model(terminal_value=False, valuation_end_utc=end, service_start_satellites=0)


# ---------------------------------------------------------------------------
# Closed forms: the option legs reduce to Black-Scholes


def test_abandon_option_is_a_black_scholes_put(shipped):
    # A full fleet earns D(t) a year; one European exit date (2028-07-31, the only
    # decision at least 12 months after service start) swaps the remaining revenue
    # a x D(T) for the spectrum value S. The LSM rule, fitted on independent paths,
    # must price it: the continuation is linear in D(T), which the basis spans.
    as_of = dt.datetime(2027, 1, 1, tzinfo=UTC)
    rate, sigma, d0, salvage = 0.08, 0.25, 1.0e8, 1.4e8
    cfg = (
        frictionless(shipped, rate=rate, sigma=sigma, demand_usd_year=d0, end="2029-12-31")
        .with_fixed(spectrum_value_usd=salvage)
        .with_model(decision_interval_months=18, abandon_after_service_months=12)
        .with_options(expand=False, defer=False, abandon=True)
    )
    fc = constant_forecast(as_of, 3232, 36)
    v = V.value_kuiper(forecast=fc, trials=40_000, seed=3, config=cfg, scenarios=False)
    t = np.array([years(as_of, d) for d in fc.month_end])
    dt_yr = np.diff(t, prepend=0.0)
    e = 18
    assert fc.month_end[e] == dt.date(2028, 7, 31)
    r_c = math.log1p(rate)
    expected = black_scholes(d0 * dt_yr[e + 1 :].sum(), salvage, r_c, sigma, t[e], call=False)
    se = v.stderr("option_premium")
    # LSM is a feasible rule: low-biased by its regression error, never above the price.
    assert v.option_premium["mean"] <= expected + MC_SIGMAS * se
    assert v.option_premium["mean"] >= 0.97 * expected - MC_SIGMAS * se
    # Static: E[exp(-r t) D(t)] = D0 for every month, so the NPV is D0 x the years.
    static = d0 * dt_yr.sum()
    assert abs(v.static_npv["mean"] - static) < MC_SIGMAS * v.stderr("static_npv")
    assert v.decisions["p_abandon"] == pytest.approx(
        v.decisions["p_abandon_first_decision"], abs=1e-12
    )


def test_expand_option_at_the_exercise_boundary_is_a_black_scholes_call(shipped):
    # One Gen-1 satellite of negligible capacity; Gen-2 (lead 0, one month's ramp) adds
    # capacity far beyond demand for capex K paid the month after the decision. Expanding
    # at the end of 2028-01 when a x D(T) > K_eff is the European call's exercise rule,
    # so the kernel's premium under that threshold is the Black-Scholes call.
    as_of = dt.datetime(2027, 1, 1, tzinfo=UTC)
    rate, sigma, d0, strike = 0.08, 0.25, 1.0e9, 1.9e9
    cfg = (
        frictionless(shipped, rate=rate, sigma=sigma, demand_usd_year=d0, end="2029-12-31")
        .with_fixed(gen2_capex_usd=strike, gen2_capacity_ratio=1.0)
        .with_model(
            decision_interval_months=1,
            expand_from_utc="2028-01-01",
            expand_until_utc="2028-01-31",
            gen2_lead_months=0,
            gen2_build_months=1,
            gen2_capex_months=1,
        )
    )
    fc = forecast_from_paths(as_of, np.ones((1, 36, 3)), (1, 1, 1))
    prep = V._prepare(fc, cfg, 40_000, 3)
    inp = V._inputs(prep, cfg)
    tiny, huge = 1e-3, 1e15
    inp.cap_n = np.array([0.0, 1.0, 2.0])
    inp.cap_units = np.array([0.0, tiny, huge])
    paths = V._paths(prep, inp, prep.evaluation)
    t = np.array([years(as_of, d) for d in fc.month_end])
    dt_yr = np.diff(t, prepend=0.0)
    e = fc.month_end.index(dt.date(2028, 1, 31))
    r_c = math.log1p(rate)
    a = dt_yr[e + 1 :].sum()
    k_eff = strike * math.exp(-r_c * (t[e + 1] - t[e]))
    # Demand in capacity units is 1e6 x M(T); expand when a D0 M(T) > k_eff.
    boundary_units = 1.0e6 * k_eff / (a * d0)
    theta = {"expand": boundary_units / tiny, "defer": 0.0}
    static = V._run(prep, inp, paths)
    run = V._run(prep, inp, paths, options=["expand"], theta=theta)
    premium = run["leo"] - static["leo"]
    half = premium.shape[0] // 2
    se = np.std(0.5 * (premium[:half] + premium[half:]), ddof=1) / math.sqrt(half)
    expected = black_scholes(a * d0, k_eff, r_c, sigma, t[e], call=True)
    assert abs(premium.mean() - expected) < MC_SIGMAS * se
    assert 0.05 < np.mean(run["state"] & 2 > 0) < 0.95


def test_more_volatility_is_worth_more_in_the_closed_form_too():
    for call in (True, False):
        assert black_scholes(1.0, 1.0, 0.05, 0.6, 1.0, call) > black_scholes(
            1.0, 1.0, 0.05, 0.3, 1.0, call
        )


# ---------------------------------------------------------------------------
# A naive oracle of the static cash flows


def test_kernel_static_value_matches_the_naive_oracle(shipped):
    # As of 2026-03-01 the half milestone's waiver is not yet known, grandfathered
    # satellites come from each path, priority is restored inside the grid, satellites
    # retire and are replaced, and all four segments compete for capacity.
    from reference_value import naive_valuation_static

    as_of = dt.datetime(2026, 3, 1, tzinfo=UTC)
    rng = np.random.default_rng(7)
    rate = rng.uniform(2.0, 50.0, (60, 1))
    m = np.arange(80)[None, :]
    launched = np.clip(212 + rate * (m + 1), 0, 4000).astype(np.int64)
    on = np.clip(launched - 60, 0, None)
    fc = forecast_from_paths(as_of, np.stack([launched, launched - 3, on], axis=2), (212, 210, 150))
    cfg = shipped.with_values(priority_haircut=0.2, satellite_life_years=2.5)
    prep = V._prepare(fc, cfg, 400, 11)
    inp = V._inputs(prep, cfg)
    assert inp.grandfathered_month >= 0 and inp.ms_waived[0] == 0
    paths = V._paths(prep, inp, prep.evaluation)
    out = V._run(prep, inp, paths)
    leo, syn = naive_valuation_static(prep, inp, paths)
    np.testing.assert_allclose(out["leo"], leo, rtol=1e-9, atol=1.0)
    np.testing.assert_allclose(out["syn"], syn, rtol=1e-9, atol=1.0)


# ---------------------------------------------------------------------------
# The value moves the right way, and the mechanics the issue names


@pytest.fixture(scope="module")
def ramp():
    return ramp_forecast(dt.datetime(2026, 10, 1, tzinfo=UTC))


def value(fc, cfg, trials=3000, seed=5, **kw):
    return V.value_kuiper(forecast=fc, trials=trials, seed=seed, config=cfg, scenarios=False, **kw)


def test_higher_discount_rate_lowers_the_value(shipped, ramp):
    low = value(ramp, shipped.with_values(discount_rate=0.09))
    high = value(ramp, shipped.with_values(discount_rate=0.13))
    assert high.static_npv["mean"] < low.static_npv["mean"]
    assert high.total["mean"] < low.total["mean"]


def test_fewer_satellites_on_station_lower_the_value(shipped, ramp):
    base = value(ramp, shipped)
    down = value(ramp_forecast(ramp.as_of, shift=300), shipped)
    assert down.static_npv["mean"] < base.static_npv["mean"]
    assert down.total["mean"] < base.total["mean"]


def test_fewer_satellites_lower_the_static_npv_on_the_shipped_forecast(seeded_db, shipped):
    from kuiper.forecast import forecast_deployment
    from kuiper.store import Store

    with Store(seeded_db) as store:
        fc = forecast_deployment(store, trials=5000, seed=1)
    shifted = Forecast(**{f.name: getattr(fc, f.name) for f in fc.__dataclass_fields__.values()})
    hist = fc.hist.copy()
    on = hist[:, 2, :].copy()
    hist[:, 2, :] = 0
    hist[:, 2, :-150] += on[:, 150:]  # every on-station count 150 lower...
    hist[:, 2, 0] += on[:, :150].sum(axis=1)  # ...floored at zero
    shifted.hist = hist
    cfg = shipped.with_options(expand=False, defer=False, abandon=False)
    base = value(fc, cfg, trials=2000, seed=2)
    down = value(shifted, cfg, trials=2000, seed=2)
    assert down.static_npv["mean"] < base.static_npv["mean"]


def test_higher_ceilings_and_arpu_raise_the_static_npv(shipped, ramp, monkeypatch):
    import kuiper.coverage

    # The capacity fallback, so that subscribers_per_satellite is the capacity.
    monkeypatch.delattr(kuiper.coverage, "capacity_curve", raising=False)
    cfg = shipped.with_options(expand=False, defer=False, abandon=False)
    base = value(ramp, cfg)
    assert "FALLBACK" in base.capacity["source"]
    for name in ("consumer_subscribers", "consumer_arpu_usd_month", "subscribers_per_satellite"):
        up = value(ramp, cfg.with_values(**{name: 1.5 * cfg.value(name)}))
        assert up.static_npv["mean"] > base.static_npv["mean"], name


def test_priority_haircut_and_licence_cut_lower_the_static_npv(shipped, ramp):
    cfg = shipped.with_options(expand=False, defer=False, abandon=False)
    slow = ramp_forecast(ramp.as_of, shift=0, n_month=40)  # far short of 3,232 by 2029-07
    assert (
        value(ramp, cfg.with_values(priority_haircut=0.25)).static_npv["mean"]
        < value(ramp, cfg.with_values(priority_haircut=0.0)).static_npv["mean"]
    )
    kept = value(slow, cfg.with_values(waiver_probability_at_precedent=1.0))
    cut = value(slow, cfg.with_values(waiver_probability_at_precedent=0.0))
    assert kept.regulation["p_licence_cut"] == 0.0
    assert cut.regulation["p_licence_cut"] > kept.regulation["p_licence_cut"]
    assert cut.static_npv["mean"] < kept.static_npv["mean"]
    # The regulation scenario is reported on its own.
    r = value(slow, cfg).regulation
    assert r["static_npv_if_cut_usd"]["mean"] < r["static_npv_if_waived_usd"]["mean"]


def test_waiver_probability_falls_with_the_shortfall(shipped):
    # Two paths miss 2029-07-30: one by a little, one by a lot. With P(waiver) at the
    # precedent's shortfall 0.5, the deep miss is cut more often.
    as_of = dt.datetime(2026, 10, 1, tzinfo=UTC)
    cfg = shipped.with_options(expand=False, defer=False, abandon=False).with_values(
        waiver_probability_at_precedent=0.5
    )

    def p_cut(count):
        fc = forecast_from_paths(as_of, np.full((1, 60, 3), count), (count, count, count))
        return value(fc, cfg, trials=4000).regulation["p_licence_cut"]

    assert p_cut(600) > p_cut(3000) > 0.0


def test_the_2026_waiver_is_known_only_after_it_was_granted(shipped):
    def p_cut(as_of):
        fc = forecast_from_paths(as_of, np.full((1, 60, 3), 400), (300, 300, 200))
        cfg = shipped.with_options(expand=False, defer=False, abandon=False)
        return value(fc, cfg, trials=2000, seed=1).regulation["p_licence_cut"]

    assert p_cut(dt.datetime(2026, 1, 30, tzinfo=UTC)) > p_cut(dt.datetime(2026, 7, 1, tzinfo=UTC))


def test_fleet_retirement_without_replacement_shrinks_capacity(shipped):
    # A full fleet from the start, life 3 years: without replacement the served
    # capacity falls to zero once the satellites retire; with it, it stays.
    as_of = dt.datetime(2026, 10, 1, tzinfo=UTC)
    fc = constant_forecast(as_of, 3232, 120)
    cfg = shipped.with_fixed(satellite_life_years=3.0).with_options(
        expand=False, defer=False, abandon=False
    )
    flows = {}
    for replace in (True, False):
        c = cfg.with_model(replace_retired=replace)
        prep = V._prepare(fc, c, 10, 1)
        inp = V._inputs(prep, c)
        paths = V._paths(prep, inp, prep.evaluation)
        flows[replace] = V._run(prep, inp, paths, flows=1)["flows"][0]
    cap_on, cap_off = flows[True][:, 5], flows[False][:, 5]
    assert cap_off[12] == pytest.approx(cap_on[12])
    assert cap_off[-1] < 0.01 * cap_on[-1]
    assert np.all(np.diff(cap_off[30:]) <= 1e-6)
    # Replacing costs money: capex is higher with replacement.
    assert flows[True][:, 2].sum() > flows[False][:, 2].sum()


def test_no_sale_is_possible_before_service_start_plus_12_months(shipped, ramp):
    # Exit made as attractive as possible: it is still taken only at decision dates at
    # least 12 months after each path's service start.
    cfg = shipped.with_fixed(spectrum_value_usd=50e9).with_options(expand=False, defer=False)
    prep = V._prepare(ramp, cfg, 2000, 4)
    inp = V._inputs(prep, cfg)
    paths = V._paths(prep, inp, prep.evaluation)
    rec = V._run(prep, inp, paths, options=["abandon"], record=2000, flows=2000)
    serving = rec["flows"][:, :, 5] > 0
    start = np.argmax(serving, axis=1)
    dec_months = np.flatnonzero(prep.dec_index >= 0)
    for i in range(2000):
        for j, mth in enumerate(dec_months):
            if rec["allowed"][i, j]:
                assert serving[i].any() and mth - start[i] >= 12
    v = value(ramp, cfg, trials=2000, seed=4)
    assert v.decisions["p_abandon"] > 0.9
    first = [prep.month_end[m] for m in dec_months]
    assert v.policy["decision_dates"] == [d.isoformat() for d in first]


def test_all_options_off_equals_static_exactly(shipped, ramp):
    v = value(ramp, shipped.with_options(expand=False, defer=False, abandon=False))
    assert v.option_premium == {"p10": 0.0, "p50": 0.0, "p90": 0.0, "mean": 0.0}
    assert v.total["mean"] == pytest.approx(v.static_npv["mean"] + v.aws_synergy["mean"])
    for name in ("abandon", "defer", "expand"):
        assert v.options[name]["mean"] == 0.0


def test_each_option_premium_is_reported_and_none_is_negative_on_average(shipped, ramp):
    v = value(ramp, shipped, trials=4000)
    assert set(v.options) == {"abandon", "defer", "expand"}
    assert v.options["abandon"]["mean"] >= 0.0
    assert v.options["abandon"]["p10"] >= -1e-6  # exit is taken only when it beats staying
    for s in v.options.values():
        assert list(s) == ["p10", "p50", "p90", "mean"]


def test_p50_demand_grows_at_the_stated_rate(shipped, ramp):
    # Once adoption is complete the median demand path grows at market_growth +-1 pp/yr.
    for g in (0.02, 0.05):
        v = value(ramp, shipped.with_values(market_growth=g), trials=4000)
        p50 = np.array(v.demand["p50_usd_year"])
        growth = (p50[-1] / p50[-6]) ** (1 / 5) - 1
        assert abs(growth - g) < 0.01


def test_scenarios_are_transparent_and_weighted(shipped, ramp):
    v = V.value_kuiper(forecast=ramp, trials=2000, seed=1, config=shipped)
    s = v.scenarios
    assert [k for k in s if k != "weighted_usd"] == ["bear", "base", "bull"]
    assert s["bear"]["npv_usd"] < s["base"]["npv_usd"] < s["bull"]["npv_usd"]
    w = sum(s[k]["weight"] for k in ("bear", "base", "bull"))
    assert w == pytest.approx(1.0)
    assert s["weighted_usd"] == pytest.approx(
        sum(s[k]["npv_usd"] * s[k]["weight"] for k in ("bear", "base", "bull"))
    )
    # The annual table adds up: FCF = revenue - opex - capex every year.
    for y in s["base"]["years"]:
        assert y["fcf_usd"] == pytest.approx(y["revenue_usd"] - y["opex_usd"] - y["capex_usd"])
    c = v.comparables
    # SpaceX S-1: $11.4B x 63% = $7.18B of 2025 EBITDA; 9.2M subscribers at end-2025.
    assert c["starlink_ebitda_2025_usd"] == pytest.approx(11.4e9 * 0.63)
    assert c["starlink_ev_per_subscriber_usd"] == pytest.approx(15 * 11.4e9 * 0.63 / 9.2e6)
    assert "Scenario DCF" in v.render(scenarios=True)


# ---------------------------------------------------------------------------
# Determinism and the output's form


def test_same_seed_same_result_other_seed_other_result(shipped, ramp):
    a = value(ramp, shipped, trials=2000, seed=9)
    b = value(ramp, shipped, trials=2000, seed=9)
    c = value(ramp, shipped, trials=2000, seed=10)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    assert a.static_npv != c.static_npv


def test_to_dict_has_the_published_names(shipped, ramp):
    v = V.value_kuiper(forecast=ramp, trials=1000, seed=1, config=shipped)
    d = json.loads(json.dumps(v.to_dict(), allow_nan=False))
    assert list(d)[:8] == [
        "as_of",
        "currency",
        "static_npv",
        "option_premium",
        "aws_synergy",
        "total",
        "per_share",
        "assumptions",
    ]
    assert set(d["decisions"]) == {"p_abandon_first_decision", "p_abandon", "p_defer", "p_expand"}
    assert set(d["options"]) == {"abandon", "defer", "expand"}
    assert set(d["scenarios"]) == {"bear", "base", "bull", "weighted_usd"}
    for k in ("bear", "base", "bull"):
        assert {"npv_usd", "weight"} <= set(d["scenarios"][k])
    assert "capacity" in d and d["capacity"]["full_gen1_subscribers"] > 0
    assert d["as_of"] == "2026-10-01T00:00:00Z"
    for key in ("static_npv", "option_premium", "aws_synergy", "total", "per_share"):
        assert list(d[key]) == ["p10", "p50", "p90", "mean"]
        assert d[key]["p10"] <= d[key]["p50"] <= d[key]["p90"]
    parts = sum(d[k]["mean"] for k in ("static_npv", "option_premium", "aws_synergy"))
    assert d["total"]["mean"] == pytest.approx(parts, rel=1e-12)
    shares = shipped.value("diluted_shares")
    assert d["per_share"]["mean"] == pytest.approx(d["total"]["mean"] / shares, rel=1e-12)
    for name in C._DOMAINS:
        entry = d["assumptions"][name]
        assert set(entry) == {"value", "low", "high", "unit", "tag", "source"}
        assert entry["source"]
    assert "static NPV" in v.render() and "per AMZN share" in v.render()


def test_tornado_is_plain_data_sorted_by_swing(shipped, ramp):
    from kuiper.value import render_tornado, tornado

    t = tornado(
        forecast=ramp,
        trials=1000,
        seed=1,
        config=shipped,
        parameters=["discount_rate", "consumer_arpu_usd_month"],
    )
    json.dumps(t)
    swings = [r["swing"] for r in t["rows"]]
    assert swings == sorted(swings, reverse=True)
    row = next(r for r in t["rows"] if r["name"] == "consumer_arpu_usd_month")
    assert row["static_mean_high"] > row["static_mean_low"]
    assert "consumer_arpu_usd_month" in render_tornado(t)
    with pytest.raises(KuiperError, match="unknown parameter"):
        tornado(forecast=ramp, trials=100, parameters=["nope"])


def test_importing_value_loads_neither_numba_nor_matplotlib():
    code = (
        "import sys, kuiper.value, kuiper.valuation, kuiper.sotp; "
        "print('numba' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ---------------------------------------------------------------------------
# Issue 10 findings in the valuation (robustness review)


def test_W5_non_finite_results_are_errors_naming_the_input(shipped, ramp):
    cfg = shipped.with_fixed(fixed_opex_usd_year=1e12, diluted_shares=1e6)
    huge = cfg.with_fixed(replacement_cost_usd_per_satellite=1e10, gen2_capex_usd=1e12)
    try:
        v = value(ramp, huge, trials=200)
    except KuiperError as exc:
        assert "not finite" in str(exc) and "\n" not in str(exc)
    else:
        json.dumps(v.to_dict(), allow_nan=False)  # strict JSON whenever it succeeds


def test_T5_negative_seed_is_a_one_line_error(shipped, ramp):
    with pytest.raises(KuiperError, match="seed must be an integer >= 0"):
        value(ramp, shipped, seed=-1)


@pytest.mark.parametrize("end", ["9999-12-31", "2200-01-01"], ids=["T11", "R6"])
def test_T11_R6_far_valuation_end_is_refused(tmp_path, end):
    path = _corrupt(tmp_path, 'valuation_end_utc = "2045-12-31"', f'valuation_end_utc = "{end}"')
    with pytest.raises(ManifestError, match="valuation_end_utc"):
        C.load_valuation_config(path)


def test_W14_priority_restore_before_loss_is_refused(tmp_path):
    path = _corrupt(
        tmp_path, 'priority_restore_utc = "2028-03-31"', 'priority_restore_utc = "2000-01-01"'
    )
    with pytest.raises(ManifestError, match="priority_loss_utc"):
        C.load_valuation_config(path)


def test_R4_trials_beyond_memory_are_refused_naming_the_estimate(shipped, ramp):
    with pytest.raises(KuiperError, match=r"needs about [\d.]+ GiB"):
        value(ramp, shipped, trials=10**11)


def test_value_from_the_shipped_store(seeded_db):
    from kuiper.store import Store

    with Store(seeded_db) as store:
        v = V.value_kuiper(store, trials=2000, seed=1)
    d = v.to_dict()
    assert d["as_of"].startswith("2026-")
    assert math.isfinite(d["total"]["mean"])
    json.dumps(d, allow_nan=False)
    with Store(seeded_db) as store:
        from kuiper.forecast import forecast_deployment

        fc = forecast_deployment(store, trials=1000, seed=1)
    with pytest.raises(KuiperError, match="as_of"):
        V.value_kuiper(forecast=fc, as_of="2026-01-01", trials=100)


# ---------------------------------------------------------------------------
# The assumptions file


def test_shipped_config_is_sourced_and_ranged(shipped):
    assert set(shipped.parameters) == set(C._DOMAINS)
    for a in shipped.parameters.values():
        assert a.low <= a.base <= a.high
        assert a.tag in ("seen", "inferred", "weak") and a.source.strip()
    # The defaults the issue and VALUATION.md quote.
    assert shipped.value("gen1_capex_usd") == 18.0e9
    assert shipped.model["service_start_satellites"] == 578
    assert shipped.model["abandon_after_service_months"] >= 12
    # The Starlink anchor of the capacity fallback (SpaceX S-1; model review section 4).
    assert shipped.value("subscribers_per_satellite") == 1100.0
    assert shipped.value("market_volatility") <= 0.25


def _corrupt(tmp_path, old: str, new: str) -> Path:
    text = SHIPPED.read_text()
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("base = 0.11", 'base = "eleven"', "discount_rate"),
        ("base = 0.11", "base = 1.5", "discount_rate"),
        ("base = 0.15", "base = 0.05", "market_volatility"),  # below its low
        (
            "base = 0.15\nlow = 0.10\nhigh = 0.25",
            "base = 0.3\nlow = 0.1\nhigh = 0.3",
            "market_volatility",
        ),
        (
            'tag = "seen"\nsource = "FALLBACK until',
            'tag = "guess"\nsource = "x',
            "subscribers_per_satellite",
        ),
        ("base = 0.02", "base = 0.2", "terminal_growth"),
        ("[parameter.tax_rate]", "[parameter.tax_rat]", "tax_rat"),
        (
            'valuation_end_utc = "2045-12-31"',
            'valuation_end_utc = "2045-13-31"',
            "valuation_end_utc",
        ),
        ("decision_interval_months = 12", "decision_interval_months = 0", "decision_interval"),
        ("expand = true", "expand = 1", "expand"),
        ("schema_version = 1", "schema_version = 2", "schema_version"),
    ],
)
def test_config_errors_are_one_line_naming_file_and_field(tmp_path, old, new, field):
    path = _corrupt(tmp_path, old, new)
    with pytest.raises(ManifestError) as err:
        C.load_valuation_config(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert str(path) in msg and field in msg


def test_missing_and_unparsable_files_are_one_line(tmp_path):
    with pytest.raises(ManifestError, match="cannot read"):
        C.load_valuation_config(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = 1\n[parameter\n")
    with pytest.raises(ManifestError) as err:
        C.load_valuation_config(bad)
    assert "\n" not in str(err.value) and "not valid TOML" in str(err.value)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(sorted(C._DOMAINS)),
    field=st.sampled_from(["base", "low", "high", "tag", "source", "unit"]),
    value=st.sampled_from(['"x"', "-1e30", "1e300", "true", "[]", '""', "-inf", "nan"]),
)
def test_any_corrupted_parameter_field_is_an_error_or_still_valid(tmp_path, name, field, value):
    text = SHIPPED.read_text()
    head, _, rest = text.partition(f"[parameter.{name}]\n")
    lines = rest.split("\n")
    k = next(i for i, line in enumerate(lines) if line.startswith(f"{field} = "))
    lines[k] = f"{field} = {value}"
    path = tmp_path / "fuzz.toml"
    path.write_text(head + f"[parameter.{name}]\n" + "\n".join(lines))
    try:
        cfg = C.load_valuation_config(path)
    except ManifestError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc) and name in str(exc)
    else:
        a = cfg.parameters[name]
        assert a.low <= a.base <= a.high and a.source.strip() and a.unit.strip()


# ---------------------------------------------------------------------------
# Issue 12's acceptance checks at the shipped base case (the shipped store's forecast)


@pytest.fixture(scope="module")
def shipped_forecast(seeded_db):
    from kuiper.forecast import forecast_deployment
    from kuiper.store import Store

    with Store(seeded_db) as store:
        return forecast_deployment(store, trials=20_000, seed=2026)


def test_issue12_base_case_is_a_real_distribution(shipped_forecast):
    from kuiper.value.scenarios import SCENARIO_TOLERANCE, SCENARIO_TOLERANCE_USD

    v = V.value_kuiper(forecast=shipped_forecast, trials=6000, seed=2026)
    assert v.decisions["p_abandon_first_decision"] < 0.10
    assert v.total["p90"] - v.total["p10"] > 10e9
    w = v.scenarios["weighted_usd"]
    mc = v.static_npv["mean"]
    assert abs(mc - w) <= max(SCENARIO_TOLERANCE * abs(w), SCENARIO_TOLERANCE_USD)


def test_issue12_salvage_is_not_the_top_tornado_bar(shipped_forecast):
    from kuiper.value import tornado

    names = [
        "spectrum_value_usd",
        "distressed_usd_per_satellite",
        "distressed_ev_per_subscriber_usd",
        "subscribers_per_satellite",
        "discount_rate",
        "fixed_opex_usd_year",
    ]
    t = tornado(forecast=shipped_forecast, trials=2000, seed=2026, parameters=names)
    assert t["rows"][0]["name"] not in names[:3]
