"""The backtest: exact CRPS, interval coverage, Brier, a small run and ``kuiper backtest``.

The scores are checked against hand computations and a brute-force oracle (the
energy form of the CRPS, E|X - y| - E|X - X'| / 2, Gneiting & Raftery 2007 eq. 21);
the run is checked for sane, self-consistent numbers and against the tracker.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kuiper.cli import main
from kuiper.errors import KuiperError
from kuiper.forecast.backtest import (
    BACKTEST_MILESTONES,
    backtest,
    brier_score,
    central_interval,
    crps_from_hist,
    hist_quantile,
    snapshot_dates,
)
from kuiper.store import Store
from kuiper.tracker import fleet_status

UTC = dt.UTC
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Sums of floats of a few thousand terms: far below one satellite.
CRPS_TOL = 1e-9
METRICS = ("launched", "in_orbit", "on_station")
# Realized counts on each target's deadline, from the tracker over the shipped history
# (the bracketed numbers in kuiper.forecast.backtest.BACKTEST_MILESTONES); launched counts are
# also the running totals of FORECASTING.md section 2 (153, 212, 302).
OBSERVED_ON_DEADLINE = {
    "FCC Gen-1 50%": 392,
    "Amazon's 700 by deadline": 392,
    "150 launched by 2025-10-31": 153,
    "250 launched by 2026-03-31": 212,
    "300 launched by 2026-04-30": 302,
    "350 in orbit by 2026-06-30": 365,
    "400 in orbit by 2026-07-30": 392,
    "250 on station by 2026-07-31": 235,
    "300 on station by 2026-08-31": 323,
}


def _crps_energy(weights, y) -> float:
    """Brute force: E|X - y| - E|X - X'| / 2 over every pair of support points."""
    p = np.asarray(weights, float) / np.sum(weights)
    x = np.arange(len(p))
    return float(np.sum(p * np.abs(x - y)) - 0.5 * np.sum(np.outer(p, p) * np.abs(x[:, None] - x)))


# ---------------------------------------------------------------------------
# CRPS


@pytest.mark.parametrize("mass_at", [0, 5, 19])
@pytest.mark.parametrize("observed", [0, 3, 5, 19, 40])
def test_crps_of_a_point_mass_is_the_absolute_error(mass_at, observed):
    hist = np.zeros(20)
    hist[mass_at] = 1234  # trial counts, not probabilities
    assert crps_from_hist(hist, observed) == pytest.approx(abs(mass_at - observed), abs=CRPS_TOL)


def test_crps_of_a_uniform_distribution_by_hand():
    # Uniform on {0, 1, 2, 3}, outcome 1: F = 1/4, 1/2, 3/4, 1, so the sum over x of
    # (F(x) - 1{x >= 1})^2 is 1/16 + 1/4 + 1/16 + 0 = 3/8. Energy form: E|X - 1| = 1,
    # E|X - X'| = 20/16, and 1 - 10/16 = 3/8.
    assert crps_from_hist([1, 1, 1, 1], 1) == pytest.approx(0.375, abs=CRPS_TOL)
    # Outcome 6, beyond the support: 1/16 + 1/4 + 9/16 + 1 + 1 (x = 4, 5) = 31/8, and
    # E|X - 6| - E|X - X'| / 2 = 4.5 - 0.625.
    assert crps_from_hist([1, 1, 1, 1], 6) == pytest.approx(3.875, abs=CRPS_TOL)


@settings(max_examples=200, deadline=None)
@given(
    weights=st.lists(st.integers(0, 1000), min_size=1, max_size=60).filter(lambda w: sum(w) > 0),
    observed=st.integers(0, 90),
)
def test_crps_matches_the_energy_form(weights, observed):
    assert crps_from_hist(weights, observed) == pytest.approx(
        _crps_energy(weights, observed), abs=CRPS_TOL
    )


def test_crps_rejects_what_is_not_a_distribution():
    for bad in ([], [0, 0], [1, -1, 3], [[1, 2]]):
        with pytest.raises(KuiperError):
            crps_from_hist(bad, 1)
    with pytest.raises(KuiperError):
        crps_from_hist([1, 2], -1)


# ---------------------------------------------------------------------------
# Quantiles, intervals, coverage, Brier


def test_central_intervals_of_a_uniform_distribution():
    # 100 equally likely counts 0..99: the smallest x with F(x) >= q is 100 q - 1.
    hist = np.ones(100)
    assert central_interval(hist, 0.9) == (4, 94)
    assert central_interval(hist, 0.5) == (24, 74)
    lo, hi = central_interval(hist, 0.9)
    covered = [y for y in range(-2, 102) if lo <= y <= hi]  # closed interval
    assert covered == list(range(4, 95))


def test_intervals_of_a_point_mass_and_of_two_points():
    hist = np.zeros(10)
    hist[7] = 5
    assert central_interval(hist, 0.5) == central_interval(hist, 0.9) == (7, 7)
    # 30% at 2, 70% at 8: P5 = P25 = 2, P75 = P95 = 8.
    two = np.zeros(10)
    two[2], two[8] = 3, 7
    assert central_interval(two, 0.5) == (2, 8)
    assert hist_quantile(two, 0.3) == 2 and hist_quantile(two, 0.31) == 8
    with pytest.raises(KuiperError):
        central_interval(hist, 1.0)


def test_brier_score_by_hand():
    assert brier_score([1.0, 0.0, 0.5, 0.9], [True, False, True, False]) == pytest.approx(
        (0 + 0 + 0.25 + 0.81) / 4
    )
    assert brier_score([], []) is None
    with pytest.raises(KuiperError):
        brier_score([0.1, 0.2], [True])


# ---------------------------------------------------------------------------
# A small run on the real history

ORIGINS = ["2025-07-15", "2026-01-30", "2026-06-13"]


@pytest.fixture(scope="module")
def small(seeded_db):
    with Store(seeded_db) as store:
        yield store, backtest(store, ORIGINS, trials=3000, seed=11)


def test_small_backtest_scores_are_sane(small):
    store, result = small
    assert [o["as_of"][:10] for o in result.origins] == ORIGINS
    # Month ends after each origin up to the newest data (2026-09-06): Jul 2025 .. Aug 2026.
    assert [o["horizon_months"] for o in result.origins] == [14, 8, 3]
    assert result.data_through.date() == dt.date(2026, 9, 6)
    for o in result.origins:
        assert len(o["scores"]) == 3 * o["horizon_months"]
        assert 0.0 <= o["coverage50"] <= o["coverage90"] <= 1.0
        assert all(0.0 <= o["crps"][m] < 200 for m in METRICS)
        assert 0.0 <= o["brier"] <= 1.0
        for s in o["scores"]:
            assert s["p05"] <= s["p25"] <= s["p50"] <= s["p75"] <= s["p95"]
            assert s["in50"] == (s["p25"] <= s["observed"] <= s["p75"])
            assert s["in90"] == (s["p05"] <= s["observed"] <= s["p95"])
            assert s["crps"] >= 0.0
        assert o["coverage90"] == pytest.approx(np.mean([s["in90"] for s in o["scores"]]))
    s = result.summary
    assert s["origins"] == 3 and s["n_scores"] == 3 * (14 + 8 + 3)
    assert 0.0 <= s["coverage50"] <= s["coverage90"] <= 1.0
    assert sum(h["n"] for h in result.by_horizon) == s["n_scores"]


def test_small_backtest_realized_counts_are_the_trackers(small):
    store, result = small
    for date in (dt.date(2026, 7, 31), dt.date(2026, 3, 31)):
        end = dt.datetime.combine(date, dt.time(23, 59, 59, 999999), tzinfo=UTC)
        totals = fleet_status(store, end).totals
        assert result.realized[date] == {m: totals[m] for m in METRICS}
    # 14 launches by 2026-07-02, 4 satellites decayed (FORECASTING.md sec. 2; SATCAT).
    assert result.realized[dt.date(2026, 7, 31)] == {
        "launched": 396,
        "in_orbit": 392,
        "on_station": 235,
    }


def test_small_backtest_brier_targets_resolve_as_documented(small):
    _, result = small
    got = {m["name"]: m["observed"] for m in result.milestones}
    assert got == OBSERVED_ON_DEADLINE
    outcomes = {m["name"]: m["outcome"] for m in result.milestones}
    assert outcomes == {
        ms.name: OBSERVED_ON_DEADLINE[ms.name] >= ms.target for ms in BACKTEST_MILESTONES
    }
    # Both outcomes occur, so the Brier score is not trivially near 0.
    assert set(outcomes.values()) == {True, False}
    # An origin scores only the targets due after it.
    late = result.origins[-1]  # 2026-06-13
    assert {r["name"] for r in late["milestones"]} == {
        ms.name for ms in BACKTEST_MILESTONES if ms.deadline_utc > dt.date(2026, 6, 13)
    }
    for o in result.origins:
        pairs = [(r["probability"], r["outcome"]) for r in o["milestones"]]
        assert o["brier"] == pytest.approx(np.mean([(p - y) ** 2 for p, y in pairs]))
    for m in result.milestones:  # each target's Brier over the origins that forecast it
        p = [
            r["probability"]
            for o in result.origins
            for r in o["milestones"]
            if r["name"] == m["name"]
        ]
        assert m["n_origins"] == len(p)
        assert m["brier"] == pytest.approx(np.mean([(x - m["outcome"]) ** 2 for x in p]))


def test_backtest_refuses_an_origin_with_nothing_after_it(seeded_db):
    with Store(seeded_db) as store, pytest.raises(KuiperError, match="no month end"):
        backtest(store, ["2026-09-07"], trials=10)


def test_default_origins_are_the_shipped_snapshot_dates():
    dates = snapshot_dates()
    assert dates[0] == dt.date(2025, 7, 15) and dates[-1] == dt.date(2026, 9, 7)
    assert dates == sorted(set(dates)) and len(dates) == 28


# ---------------------------------------------------------------------------
# The command


def test_cli_backtest_json_and_picture(seeded_db, tmp_path):
    png = tmp_path / "bt.png"
    args = ["backtest", "--db", seeded_db, "--json", "--trials", 1000, "-o", png]
    args += ["--origin", "2026-06-13", "--origin", "2026-07-12"]
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout is only the JSON
    assert set(data) == {
        "data_through",
        "trials",
        "seed",
        "milestones",
        "summary",
        "by_horizon",
        "origins",
    }
    assert data["trials"] == 1000 and data["summary"]["origins"] == 2
    assert [o["as_of"][:10] for o in data["origins"]] == ["2026-06-13", "2026-07-12"]
    assert {
        "coverage50",
        "coverage90",
        "crps",
        "brier",
        "horizon_months",
        "scores",
    } <= set(data["origins"][0])
    assert png.read_bytes()[:8] == PNG_MAGIC
    assert f"wrote {png}" in result.stderr


def test_cli_backtest_bad_origin_is_one_line(seeded_db):
    result = CliRunner().invoke(
        main, ["backtest", "--db", str(seeded_db), "--origin", "2026-02-30", "--trials", "10"]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error")]
    assert len(errors) == 1 and "2026-02-30" in errors[0]


def test_backtest_picture_draws_into_given_axes(small, tmp_path):
    import matplotlib.pyplot as plt

    from kuiper import plots

    _, result = small
    fig, grid = plt.subplots(2, 2)
    axes = plots.plot_backtest(result, metric="on_station", axes=grid.ravel())
    assert axes == list(grid.ravel())
    assert "on station on 2026-07-31" in axes[0].get_title()  # the FCC deadline's month end
    assert plots.save(axes[0], tmp_path / "b.svg").read_bytes()[:200].find(b"<svg") >= 0


# ---------------------------------------------------------------------------
# What had happened by a date (the cadence picture's data)


def test_deployment_history_counts_the_launch_log(seeded_db):
    from kuiper.forecast.backtest import deployment_history

    with Store(seeded_db) as store:
        h = deployment_history(store, dt.datetime(2026, 7, 31, 23, 59, tzinfo=UTC))
        early = deployment_history(store, dt.datetime(2025, 5, 1, tzinfo=UTC))
    # launches.toml: 8 Atlas V 551, 3 Falcon 9, 3 Ariane 64 production flights, 396 satellites.
    assert {v: sum(n) for v, n in h["launches"].items()} == {
        "Atlas V 551": 8,
        "Falcon 9": 3,
        "Ariane 64": 3,
    }
    assert sum(h["satellites"]) == h["launched_log"][-1] == 396
    assert h["month"][0] == dt.date(2025, 4, 1) and h["month"][-1] == dt.date(2026, 7, 1)
    assert h["satellites"][h["month"].index(dt.date(2026, 4, 1))] == 29 + 29 + 32
    assert len(h["date"]) == len(h["in_orbit"]) == len(h["on_station"]) > 0
    counts = zip(h["launched"], h["in_orbit"], h["on_station"], strict=True)
    assert all(a >= b >= c for a, b, c in counts)
    # Before the first element set (2025-07-14) there is only the launch log.
    assert early["launched_log"] == [27] and early["date"] == early["in_orbit"] == []
