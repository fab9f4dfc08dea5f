"""kuiper.valuation: closed forms, a naive oracle, monotonicity, determinism, config errors.

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
    """No tax, no costs, no synergy, no terminal value; demand drift = discount rate."""
    return cfg.with_values(
        discount_rate=rate,
        demand_growth=rate,
        demand_volatility=sigma,
        tax_rate=0.0,
        fixed_opex_usd_year=0.0,
        variable_cost_share=0.0,
        maintenance_capex_share=0.0,
        aws_attach_rate=0.0,
        market_revenue_usd_year=demand_usd_year,
        demand_share=1.0,
    ).with_model(terminal_value=False, demand_reference_utc="2027-01-01", valuation_end_utc=end)


def positive_case(cfg):
    """A fast deployment, calm demand and a low salvage: continuing is worth something."""
    return cfg.with_values(demand_volatility=0.3, salvage_usd=1.0e9)


# ---------------------------------------------------------------------------
# Closed forms: the option leg reduces to Black-Scholes


def test_expand_option_is_a_black_scholes_call(shipped):
    # One European decision at the end of 2028-01; Gen-2 capex K paid the month after;
    # Gen-2 capacity then exceeds any demand, so the expansion is worth a x D(T) with
    # a = the remaining years of revenue (drift = discount rate). No Gen-1 at all.
    as_of = dt.datetime(2027, 1, 1, tzinfo=UTC)
    rate, sigma, d0, strike = 0.08, 0.35, 1.0e9, 1.9e9
    cfg = (
        frictionless(shipped, rate=rate, sigma=sigma, demand_usd_year=d0, end="2029-12-31")
        .with_values(gen2_capex_usd=strike, gen2_capacity_ratio=1000.0)
        .with_model(
            decision_interval_months=1,
            expand_from_utc="2028-01-01",
            expand_until_utc="2028-01-31",
            gen2_lead_months=0,
            gen2_build_months=1,
            gen2_capex_months=1,
        )
        .with_options(expand=True, defer=False, abandon=False)
    )
    fc = forecast_from_paths(as_of, np.zeros((1, 36, 3)), (0, 0, 0))
    v = V.value_kuiper(forecast=fc, trials=40_000, seed=3, config=cfg)
    t = np.array([years(as_of, d) for d in fc.month_end])
    dt_yr = np.diff(t, prepend=0.0)
    e = fc.month_end.index(dt.date(2028, 1, 31))
    r_c = math.log1p(rate)
    a = dt_yr[e + 1 :].sum()
    k_eff = strike * math.exp(-r_c * (t[e + 1] - t[e]))
    expected = black_scholes(a * d0, k_eff, r_c, sigma, t[e], call=True)
    assert v.static_npv["mean"] == 0.0
    assert abs(v.option_premium["mean"] - expected) < MC_SIGMAS * v.stderr("option_premium")
    assert 0.05 < v.diagnostics["p_expanded"] < 0.95


def test_abandon_option_is_a_black_scholes_put(shipped):
    # A full fleet (no capex, capacity never binding) earns D(t) a year; one European
    # abandonment date (2028-07-31) swaps the remaining revenue a x D(T) for salvage S.
    as_of = dt.datetime(2027, 1, 1, tzinfo=UTC)
    rate, sigma, d0, salvage = 0.08, 0.35, 1.0e8, 1.4e8
    cfg = (
        frictionless(shipped, rate=rate, sigma=sigma, demand_usd_year=d0, end="2029-12-31")
        .with_values(salvage_usd=salvage, revenue_per_satellite_usd_year=1.0e6)
        .with_model(decision_interval_months=18, abandon_from_utc="2028-01-01")
        .with_options(expand=False, defer=False, abandon=True)
    )
    fc = constant_forecast(as_of, 3232, 36)
    v = V.value_kuiper(forecast=fc, trials=40_000, seed=3, config=cfg)
    t = np.array([years(as_of, d) for d in fc.month_end])
    dt_yr = np.diff(t, prepend=0.0)
    e = 18  # decisions at months 0 and 18; only 18 is on or after abandon_from_utc
    assert fc.month_end[e] == dt.date(2028, 7, 31)
    r_c = math.log1p(rate)
    expected = black_scholes(d0 * dt_yr[e + 1 :].sum(), salvage, r_c, sigma, t[e], call=False)
    assert abs(v.option_premium["mean"] - expected) < MC_SIGMAS * v.stderr("option_premium")
    # Static: E[exp(-r t) D(t)] = D0 for every month, so the NPV is D0 x the years.
    static = d0 * dt_yr.sum()
    assert abs(v.static_npv["mean"] - static) < MC_SIGMAS * v.stderr("static_npv")


def test_more_volatility_is_worth_more_in_the_closed_form_too():
    # Sanity of the reference itself: vega > 0 for calls and puts.
    for call in (True, False):
        assert black_scholes(1.0, 1.0, 0.05, 0.6, 1.0, call) > black_scholes(
            1.0, 1.0, 0.05, 0.3, 1.0, call
        )


# ---------------------------------------------------------------------------
# A naive oracle of the static cash flows


def naive_static(prep, inp, draws) -> np.ndarray:
    """The static (no-option) PV per trial, in plain NumPy, month by month."""
    from kuiper.value._kernels import PAR_NAMES

    p = dict(zip(PAR_NAMES, inp.par, strict=True))
    demand = V._demand(inp, draws)
    n, n_month = demand.shape
    lv = draws.level
    gen1 = p["gen1_total"]
    cap = np.full(n, gen1)
    prev = np.full(n, min(float(prep.initial[0]), gen1))
    gf = V._grandfathered(prep, inp, draws).astype(float)
    restored = np.zeros(n, bool)
    service = np.zeros(n, bool)
    pv = np.zeros(n)
    capacity = np.zeros(n)
    for m in range(n_month):
        for k, month in enumerate(inp.ms_month):
            if month == m and not inp.ms_waived[k]:
                io = prep.table[lv, m, 1].astype(float)
                cut = (io < inp.ms_target[k]) & (draws.waiver_u[:, k] >= p["waiver_p"])
                cap = np.where(cut, np.minimum(cap, io), cap)
        top = np.minimum(cap, gen1)
        launched = np.minimum(prep.table[lv, m, 0], top)
        on = np.minimum(prep.table[lv, m, 2], top)
        capex = np.maximum(launched - prev, 0.0) * p["capex_per_satellite"]
        prev = np.maximum(prev, launched)
        restored |= (on >= p["half_target"]) | (m >= p["restore_month"])
        haircut = np.minimum(on, gf) + (1 - p["priority_haircut"]) * np.maximum(on - gf, 0)
        eff = np.where(restored, on, haircut)
        service |= on >= p["service_start"]
        capacity = np.where(service, eff * p["revenue_per_satellite"], 0.0)
        revenue = np.minimum(demand[:, m], capacity) * prep.dt_yr[m]
        cash = (
            revenue * (1 - p["variable_share"] - p["maintenance_share"])
            - p["fixed_opex"] * prep.dt_yr[m]
            - capex
        )
        pv += inp.df[m] * p["after_tax"] * cash
    ss = np.minimum(demand[:, -1], capacity)
    tail = ss * (1 - p["variable_share"] - p["maintenance_share"]) - p["fixed_opex"]
    return pv + inp.df[-1] * p["tv_factor"] * p["after_tax"] * tail


def test_kernel_static_value_matches_the_naive_oracle(shipped):
    # As of 2026-03-01 the half milestone's waiver is not yet known, grandfathered
    # satellites come from each path, and priority is restored inside the grid.
    as_of = dt.datetime(2026, 3, 1, tzinfo=UTC)
    rng = np.random.default_rng(7)
    rate = rng.uniform(2.0, 50.0, (60, 1))
    m = np.arange(80)[None, :]
    launched = np.clip(212 + rate * (m + 1), 0, 4000).astype(np.int64)
    on = np.clip(launched - 60, 0, None)
    fc = forecast_from_paths(as_of, np.stack([launched, launched - 3, on], axis=2), (212, 210, 150))
    cfg = shipped.with_values(priority_haircut=0.2, waiver_probability=0.5)
    prep = V._prepare(fc, cfg, 500, 11)
    inp = V._inputs(prep, cfg)
    assert inp.grandfathered_month >= 0 and inp.ms_waived[0] == 0
    leo, *_ = V._run(prep, inp, prep.evaluation, static=True)
    np.testing.assert_allclose(leo, naive_static(prep, inp, prep.evaluation), rtol=1e-9, atol=1.0)


# ---------------------------------------------------------------------------
# The value moves the right way


@pytest.fixture(scope="module")
def ramp():
    return ramp_forecast(dt.datetime(2026, 10, 1, tzinfo=UTC))


def test_higher_discount_rate_lowers_the_value(shipped, ramp):
    cfg = positive_case(shipped)
    low = V.value_kuiper(
        forecast=ramp, trials=4000, seed=5, config=cfg.with_values(discount_rate=0.09)
    )
    high = V.value_kuiper(
        forecast=ramp, trials=4000, seed=5, config=cfg.with_values(discount_rate=0.13)
    )
    assert high.static_npv["mean"] < low.static_npv["mean"]
    assert high.total["mean"] < low.total["mean"]
    assert high.total["p50"] < low.total["p50"]


def test_fewer_satellites_on_station_lower_the_value(shipped, ramp):
    cfg = positive_case(shipped)
    fewer = ramp_forecast(ramp.as_of, shift=300)
    base = V.value_kuiper(forecast=ramp, trials=4000, seed=5, config=cfg)
    down = V.value_kuiper(forecast=fewer, trials=4000, seed=5, config=cfg)
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
    base = V.value_kuiper(forecast=fc, trials=3000, seed=2, config=cfg)
    down = V.value_kuiper(forecast=shifted, trials=3000, seed=2, config=cfg)
    assert down.static_npv["mean"] < base.static_npv["mean"]
    assert down.static_npv["p50"] < base.static_npv["p50"]


def test_higher_demand_volatility_raises_the_option_premium(shipped, ramp):
    cfg = positive_case(shipped)
    calm = V.value_kuiper(
        forecast=ramp, trials=4000, seed=5, config=cfg.with_values(demand_volatility=0.3)
    )
    wild = V.value_kuiper(
        forecast=ramp, trials=4000, seed=5, config=cfg.with_values(demand_volatility=0.6)
    )
    assert wild.option_premium["mean"] > calm.option_premium["mean"]


def test_priority_haircut_and_licence_cut_lower_the_static_npv(shipped, ramp):
    cfg = positive_case(shipped).with_options(expand=False, defer=False, abandon=False)
    slow = ramp_forecast(ramp.as_of, shift=0, n_month=40)  # far short of 3,232 by 2029-07

    def static(fc, **values):
        return V.value_kuiper(forecast=fc, trials=2000, seed=5, config=cfg.with_values(**values))

    assert (
        static(ramp, priority_haircut=0.25).static_npv["mean"]
        < static(ramp, priority_haircut=0.0).static_npv["mean"]
    )
    kept, cut = static(slow, waiver_probability=1.0), static(slow, waiver_probability=0.0)
    assert kept.diagnostics["p_licence_cut"] == 0.0
    assert cut.diagnostics["p_licence_cut"] > 0.5
    assert cut.static_npv["mean"] < kept.static_npv["mean"]


def test_the_2026_waiver_is_known_only_after_it_was_granted(shipped):
    # As of 2026-01-30 the half milestone (1,616 by 2026-07-30) may still cut the
    # licence; as of 2026-07-01 the 2026-06-05 waiver is known.
    def cut_probability(as_of):
        fc = forecast_from_paths(as_of, np.full((1, 60, 3), 400), (300, 300, 200))
        cfg = shipped.with_options(expand=False, defer=False, abandon=False)
        v = V.value_kuiper(forecast=fc, trials=2000, seed=1, config=cfg)
        return v.diagnostics["p_licence_cut"]

    before = cut_probability(dt.datetime(2026, 1, 30, tzinfo=UTC))
    after = cut_probability(dt.datetime(2026, 7, 1, tzinfo=UTC))
    p = shipped.value("waiver_probability")
    assert before == pytest.approx(1 - p * p, abs=0.05)  # two milestones, both missed
    assert after == pytest.approx(1 - p, abs=0.05)


def test_ground_advantage_scales_the_synergy(shipped, ramp):
    cfg = positive_case(shipped).with_options(expand=False, defer=False, abandon=False)
    one = V.value_kuiper(forecast=ramp, trials=2000, seed=5, config=cfg, ground_advantage=1.0)
    two = V.value_kuiper(forecast=ramp, trials=2000, seed=5, config=cfg, ground_advantage=2.0)
    assert two.aws_synergy["mean"] == pytest.approx(2.0 * one.aws_synergy["mean"], rel=1e-12)
    assert two.assumptions["ground_advantage"]["value"] == 2.0
    assert "override" in two.assumptions["ground_advantage"]["source"]
    assert two.static_npv == one.static_npv
    with pytest.raises(KuiperError, match="ground_advantage"):
        V.value_kuiper(forecast=ramp, trials=100, config=cfg, ground_advantage=-1.0)


# ---------------------------------------------------------------------------
# Determinism and the output's form


def test_same_seed_same_result_other_seed_other_result(shipped, ramp):
    a = V.value_kuiper(forecast=ramp, trials=2000, seed=9, config=shipped)
    b = V.value_kuiper(forecast=ramp, trials=2000, seed=9, config=shipped)
    c = V.value_kuiper(forecast=ramp, trials=2000, seed=10, config=shipped)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    assert a.static_npv != c.static_npv


def test_to_dict_has_exactly_the_published_names(shipped, ramp):
    v = V.value_kuiper(forecast=ramp, trials=1000, seed=1, config=shipped)
    d = json.loads(json.dumps(v.to_dict()))
    assert list(d) == [
        "as_of",
        "currency",
        "static_npv",
        "option_premium",
        "aws_synergy",
        "total",
        "per_share",
        "assumptions",
    ]
    assert d["currency"] == "USD"
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
    text = v.render()
    assert "static NPV" in text and "per AMZN share" in text


def test_value_from_the_shipped_store(seeded_db):
    from kuiper.store import Store

    with Store(seeded_db) as store:
        v = V.value_kuiper(store, trials=2000, seed=1)
    d = v.to_dict()
    assert d["as_of"].startswith("2026-")
    assert math.isfinite(d["total"]["mean"])
    with Store(seeded_db) as store:
        with pytest.raises(KuiperError, match="as_of"):
            from kuiper.forecast import forecast_deployment

            fc = forecast_deployment(store, trials=1000, seed=1)
            V.value_kuiper(forecast=fc, as_of="2026-01-01", trials=100)


def test_tornado_is_plain_data_sorted_by_swing(shipped, ramp):
    t = V.tornado(
        forecast=ramp,
        trials=1000,
        seed=1,
        config=positive_case(shipped),
        parameters=["discount_rate", "revenue_per_satellite_usd_year"],
    )
    json.dumps(t)
    assert [r["name"] for r in t["rows"]] == sorted(
        ["discount_rate", "revenue_per_satellite_usd_year"],
        key=lambda n: -next(r["swing"] for r in t["rows"] if r["name"] == n),
    )
    row = next(r for r in t["rows"] if r["name"] == "revenue_per_satellite_usd_year")
    assert row["static_mean_high"] > row["static_mean_low"]
    assert "revenue_per_satellite_usd_year" in V.render_tornado(t)
    with pytest.raises(KuiperError, match="unknown parameter"):
        V.tornado(forecast=ramp, trials=100, parameters=["nope"])


def test_importing_valuation_loads_neither_numba_nor_matplotlib():
    code = (
        "import sys, kuiper.value, kuiper.valuation, kuiper.sotp; "
        "print('numba' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


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
        ("base = 0.45", "base = 0.25", "demand_volatility"),  # below its low
        ('tag = "seen"', 'tag = "guess"', "market_revenue_usd_year"),
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
