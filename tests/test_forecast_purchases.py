"""Re-flights, purchases and per-vehicle output (issue 11, items 5 and 7).

- **Re-flights.** A payload lost in flight is re-bought at the loss: with purchases a
  vehicle that loses 30% of its payloads still delivers its whole contract; with
  ``--contracted-only`` it delivers 70% of it on average (a hand computation).
- **Purchases.** The operator buys towards the next goal after its decision, no
  sooner than the minimum interval after its newest purchase known at the as-of date,
  and bought launches never fly before the decision. Nothing dated after the as-of
  date (a contract or a goal) changes what is bought.
- **Per vehicle.** Both engines give the same deliveries and first flights, and the
  JSON and the picture say which vehicle drives the answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from kuiper.cli import main
from kuiper.forecast import (
    Dated,
    _run_numba,
    build_inputs,
    forecast_deployment,
    load_forecast_manifest,
)
from kuiper.forecast import _kernels as K
from kuiper.forecast._numpy import simulate_numpy
from kuiper.forecast.inputs import no_purchase, vehicle_inputs
from kuiper.store import Store

UTC = dt.UTC
N_LAUNCH = 40
SATS = 10
P_LOSS = 0.3


@pytest.fixture(scope="module")
def newest(seeded_db):
    with Store(seeded_db) as store:
        return build_inputs(store, store.data_through(), load_forecast_manifest())


def _lossy_vehicle(real, *, buy: bool, static: int = 0, decision_day: float = 0.0, n=N_LAUNCH):
    """One flying vehicle, n launches under contract, losing P_LOSS of its payloads;
    no supply cap, no losses in orbit; it is its own purchase vehicle if ``buy``."""
    par = real.par.copy()
    for name, value in (("supply_rate", 0.0), ("lost_a", 1e-6), ("lost_b", 1e9)):
        par[K.PAR_NAMES.index(name)] = value
    par[K.PAR_NAMES.index("ground_mu")] = math.log(1.0)  # a loss grounds for about a day
    par[K.PAR_NAMES.index("horizon")] = 20_000.0
    vehicle = {
        **real.vehicles[-1],
        "name": "Lossy",
        "satellites_per_launch": SATS,
        "ready_mode": 0,
        "plan_rate_per_day": 1.0 / 20.0,
        "obs_n": 1000.0,
        "obs_t_days": 20_000.0,
        "fail_a": P_LOSS * 1e6,
        "fail_b": (1.0 - P_LOSS) * 1e6,
        "anom_a": 1e-6,
        "anom_b": 1e9,
        "turnaround_days": 1.0,
        "single_pad": 0,
        "last_day": 0.0,
        "schedule_net_days": [],
        "contracted_launches": n,
        "flown_satellites": 0,
        "first_kuiper_date": None,
    }
    empty_f, empty_i = np.zeros(0), np.zeros(0, np.int64)
    purchase = no_purchase()
    if buy:
        purchase = {
            **purchase,
            "vehicle": 0,
            "static_launches": static,
            "lead_mu": math.log(30.0),
            "lead_sigma": 0.1,
            "decision_day": decision_day,
            "mode": "with purchases",
        }
    return dataclasses.replace(
        real,
        par=par,
        vehicles=[vehicle],
        contracts={
            "vehicle": np.zeros(1 if n else 0, np.int64),
            "launches": np.array([n] if n else [], np.int64),
            "known_day": np.array([-1e4] if n else []),
        },
        events={"vehicle": empty_i, "from_day": empty_f, "kind": empty_i},
        groups={"day": empty_f, "raising": empty_i, "median": empty_f},
        initial=np.zeros(3, np.int64),
        purchase=purchase,
    )


def _mean_delivered(result):
    h = result.vehicle_hist[0, 0]
    return float((h * np.arange(h.shape[0])).sum() / h.sum())


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_lost_payloads_are_re_flown_only_with_purchases(newest, engine):
    run = _run_numba if engine == "numba" else simulate_numpy
    targets = [("launched", 1)]
    n_trial = 2_000
    deadline = [19_000.0]
    kw = {"deadline_days": deadline}
    args = (None,) if engine == "numba" else ()
    only = run(_lossy_vehicle(newest, buy=False), targets, n_trial, 3, *args, **kw)
    full = N_LAUNCH * SATS
    # Hand computation: each of 40 launches delivers with probability 0.7.
    mean, se = full * (1 - P_LOSS), SATS * math.sqrt(N_LAUNCH * P_LOSS * (1 - P_LOSS) / n_trial)
    assert _mean_delivered(only) == pytest.approx(mean, abs=5 * se)
    bought = run(_lossy_vehicle(newest, buy=True), targets, n_trial, 3, *args, **kw)
    # Every loss is re-bought (up to 40 re-flights; about 17 are needed on average).
    assert _mean_delivered(bought) > 0.99 * full
    assert bought.vehicle_hist[0, 0, full + 1 :].sum() == 0  # never more than contracted


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_bought_launches_never_fly_before_the_decision(newest, engine):
    run = _run_numba if engine == "numba" else simulate_numpy
    inputs = _lossy_vehicle(newest, buy=True, static=5, decision_day=400.0, n=0)
    args = (None,) if engine == "numba" else ()
    result = run(inputs, [("launched", 50)], 1_000, 4, *args, deadline_days=[399.0, 19_000.0])
    assert result.first_day.min() >= 400.0
    assert result.vehicle_hist[0, 0, 0] == 1_000  # nothing delivered by day 399
    assert result.vehicle_hist[0, 1, 50] > 0  # the five bought launches fly


def test_purchase_decision_reads_only_what_was_known(seeded_db):
    manifest = load_forecast_manifest()
    as_of = dt.datetime(2025, 7, 15, 23, 59, 59, tzinfo=UTC)
    with Store(seeded_db) as store:
        inputs = build_inputs(store, as_of, manifest)
    p = inputs.purchase
    # Newest purchase known on 2025-07-15: Falcon 9, 2023-12-01; 600 d later is
    # 2025-07-23, before the 50% deadline, the first goal after it (1,616: the
    # 3,232-satellite count known from 2024).
    assert (as_of + dt.timedelta(days=p["decision_day"])).date() == dt.date(2025, 7, 23)
    assert (p["goal"], p["goal_deadline"]) == (1616, "2026-07-30")
    assert p["static_launches"] is None  # the engine's projection fills it in
    # A contract and a goal dated after the as-of date change nothing.
    v0 = manifest.vehicles[0]
    later = dataclasses.replace(
        v0,
        contracts=(*v0.contracts, Dated(dt.date(2025, 8, 1), {"launches": 50})),
    )
    goals = (
        *manifest.purchases.goals,
        Dated(dt.date(2025, 9, 1), {"satellites": 10, "deadline_utc": dt.date(2025, 12, 31)}),
    )
    changed = dataclasses.replace(
        manifest,
        vehicles=(later, *manifest.vehicles[1:]),
        purchases=dataclasses.replace(manifest.purchases, goals=goals),
    )
    with Store(seeded_db) as store:
        again = build_inputs(store, as_of, changed)
    assert again.purchase == p
    assert [v["contracted_launches"] for v in again.vehicles] == [
        v["contracted_launches"] for v in inputs.vehicles
    ]


def test_contracted_only_buys_nothing_and_says_so(seeded_db):
    with Store(seeded_db) as store:
        when = store.data_through()
        base = forecast_deployment(store, trials=3_000, seed=2)
        only = forecast_deployment(store, trials=3_000, seed=2, contracted_only=True)
    assert base.purchases["mode"] == "with purchases"
    assert base.purchases["vehicle"] == "Falcon 9" and base.purchases["losses_re_flown"]
    assert only.purchases["mode"] == "contracted only"
    assert only.purchases["launches_bought"] == 0 and not only.purchases["losses_re_flown"]
    assert base.purchases["decision_date"] >= when.date().isoformat()
    # Buying can only add satellites: P(3,232 in orbit by the horizon) does not fall.
    gen1 = next(r for r in base.reach_date if r["target"] == 3232)
    gen1_only = next(r for r in only.reach_date if r["target"] == 3232)
    assert gen1["p_not_by_horizon"] <= gen1_only["p_not_by_horizon"] + 0.03
    # Contracted only: no vehicle delivers more than it has flown plus its contracts.
    for v in only.vehicles:
        cap = v["flown_satellites"] + v["contracted"] * v["satellites_per_launch"]
        assert all(row["p95"] <= cap for row in v["delivered"]), v["name"]


def test_a_cancellation_voids_the_contracts_known_by_its_date():
    manifest = load_forecast_manifest()
    as_of = dt.datetime(2026, 9, 1, tzinfo=UTC)
    vulcan = next(v for v in manifest.vehicles if v.name == "Vulcan")
    cancelled = dataclasses.replace(
        vulcan,
        events=(
            *vulcan.events,
            Dated(dt.date(2026, 8, 1), {"kind": "cancelled", "date_utc": dt.date(2026, 8, 1)}),
        ),
    )
    changed = dataclasses.replace(
        manifest,
        vehicles=tuple(cancelled if v is vulcan else v for v in manifest.vehicles),
    )
    before, _, _ = vehicle_inputs(manifest, [], as_of)
    after, _, _ = vehicle_inputs(changed, [], as_of)
    by_name = {v["name"]: v["contracted_launches"] for v in after}
    assert by_name["Vulcan"] == 0
    assert {v["name"]: v["contracted_launches"] for v in before}["Vulcan"] == 38
    # Known only after the as-of date, it changes nothing.
    early, _, _ = vehicle_inputs(changed, [], dt.datetime(2026, 7, 1, tzinfo=UTC))
    assert {v["name"]: v["contracted_launches"] for v in early}["Vulcan"] == 38


def test_numba_and_numpy_agree_on_each_vehicle(newest):
    deadlines = [900.0, 2000.0]
    targets = [("in_orbit", 1616)]
    from kuiper.forecast.engine import plan_purchases

    inputs = plan_purchases(newest, 5)
    n = 20_000
    a = _run_numba(inputs, targets, n, 11, None, deadline_days=deadlines)
    b = simulate_numpy(inputs, targets, n, 12, deadline_days=deadlines)
    bound = 2.69 * math.sqrt(2 / n)  # two-sample KS at about 1.4e-3
    for v in range(len(inputs.vehicles)):
        for d in range(len(deadlines)):
            ha, hb = a.vehicle_hist[v, d], b.vehicle_hist[v, d]
            ks = np.abs(np.cumsum(ha) / ha.sum() - np.cumsum(hb) / hb.sum()).max()
            assert ks <= bound, (inputs.vehicles[v]["name"], d, ks)
        fa, fb = a.first_day[:, v], b.first_day[:, v]
        assert abs(np.isfinite(fa).mean() - np.isfinite(fb).mean()) < 0.02
        if np.isfinite(fa).mean() > 0.5:
            qa, qb = np.quantile(fa, 0.5), np.quantile(fb, 0.5)
            assert abs(qa - qb) < 0.05 * abs(qa) + 5.0, inputs.vehicles[v]["name"]


def test_forecast_json_and_plot_name_each_vehicle(seeded_db, tmp_path, monkeypatch):
    monkeypatch.setenv("KUIPER_DB", str(seeded_db))
    out = CliRunner().invoke(main, ["forecast", "--trials", "2000", "--json"])
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    names = [v["name"] for v in d["vehicles"]]
    assert sorted(names) == sorted(v.name for v in load_forecast_manifest().vehicles)
    assert names[-1] == "Falcon 9"  # the purchase vehicle goes last
    vulcan = d["vehicles"][names.index("Vulcan")]
    assert vulcan["contracted"] == 38 and "p50" in vulcan["first_kuiper_flight"]
    atlas = d["vehicles"][names.index("Atlas V 551")]
    assert atlas["first_kuiper_flight"] == {"observed": "2025-04-28"}
    path = tmp_path / "vehicles.png"
    out = CliRunner().invoke(main, ["plot", "vehicles", "--trials", "2000", "-o", str(path)])
    assert out.exit_code == 0, out.output
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
