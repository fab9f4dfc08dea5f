"""Coverage along the forecast: the shipped curve against the engine; quantiles by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest
from click.testing import CliRunner

from kuiper import coverage as C
from kuiper.cli import main
from kuiper.coverage import timeline as T


def test_shipped_table_matches_the_engine():
    for design, mask, gso in [("gen1", 35.0, 0.0), ("gen1", 35.0, 18.0)]:
        shipped = T.coverage_vs_satellites(design, mask, gso)
        pick = shipped.n_satellites[[3, 8]]
        fresh = T._compute_curve(design, mask, gso, counts=pick)
        np.testing.assert_allclose(fresh.area_weighted, shipped.area_weighted[[3, 8]], atol=2e-6)
        np.testing.assert_allclose(
            fresh.population_weighted, shipped.population_weighted[[3, 8]], atol=2e-6
        )


def test_shipped_curves_are_monotone_and_start_at_zero():
    for design, mask, gso in T.TABLE_CASES:
        c = T.coverage_vs_satellites(design, mask, gso)
        assert c.n_satellites[0] == 0 and c.area_weighted[0] == 0.0
        assert c.n_satellites[-1] == len(C.design_order(design=design))
        assert (np.diff(c.area_weighted) >= -1e-9).all()  # nested order: never falls
        assert (np.diff(c.population_weighted) >= -1e-9).all()


@dataclasses.dataclass
class FakeForecast:
    """The public fields coverage_timeline reads: as_of, month_end, hist."""

    as_of: dt.datetime
    month_end: list
    hist: np.ndarray


def fake_forecast(counts_by_month):
    """Each month: an on-station histogram with equal mass at the given counts."""
    from kuiper.forecast import METRICS

    n_bin = 4000
    hist = np.zeros((len(counts_by_month), len(METRICS), n_bin))
    for k, counts in enumerate(counts_by_month):
        for n in counts:
            hist[k, METRICS.index("on_station"), n] += 1
    months = [dt.date(2027, 1, 31) + dt.timedelta(days=31 * k) for k in range(len(counts_by_month))]
    return FakeForecast(dt.datetime(2026, 12, 4, tzinfo=dt.UTC), months, hist)


def test_timeline_maps_quantiles_through_the_curve_by_hand():
    # ten equally likely counts per month: P10 is the 1st, P50 the 5th, P90 the 9th
    months = [list(range(100, 1100, 100)), list(range(1000, 3000, 200))]
    tl = C.coverage_timeline(fake_forecast(months))
    assert tl.on_station.tolist() == [[100, 500, 900], [1000, 1800, 2600]]
    curve = tl.curve
    for k in range(2):
        for j in range(3):
            n = tl.on_station[k, j]
            assert tl.area_weighted[k, j] == pytest.approx(
                np.interp(n, curve.n_satellites, curve.area_weighted)
            )
    assert (np.diff(tl.area_weighted, axis=1) >= 0).all()
    d = tl.to_dict()
    assert set(d["area_weighted"]) == {"p10", "p50", "p90"}


def test_cli_timeline_json_and_plot(seeded_db, tmp_path):
    args = ["--db", str(seeded_db), "--trials", "300"]
    res = CliRunner().invoke(main, ["coverage", "--timeline", "--json", *args])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["month_end"][-1] <= "2035-12-31"
    p10, p50, p90 = (d["population_weighted"][k] for k in ("p10", "p50", "p90"))
    assert all(a <= b <= c for a, b, c in zip(p10, p50, p90, strict=True))
    out = tmp_path / "t.png"
    res = CliRunner().invoke(main, ["plot", "coverage-timeline", "-o", str(out), *args])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 10_000
