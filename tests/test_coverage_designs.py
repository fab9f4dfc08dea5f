"""Designs (gen1, gen1-polar, gen2), mask sensitivity, and the robustness findings on coverage.

Findings of ../shared/reviews/robustness-2026-12.md: W2, W4, T9, R8, R9, R13, P8, P11.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from kuiper import coverage as C
from kuiper.cli import main
from kuiper.errors import KuiperError

FAST = ["--grid-deg", "4", "--step", "120", "--duration", "3600", "--no-sensitivity"]


def band(result, lo):
    return next(b for b in result.by_latitude() if b["lat_min_deg"] == lo)["fraction"]


def test_design_sizes_add_the_2026_authorization():
    # 3,236 Gen-1 (FCC 20-102) + 1,292 polar + 3,212 Gen-2 (FCC, 2026-02-10)
    assert len(C.design_order(design="gen1")) == 3236
    assert len(C.design_order(design="gen1-polar")) == 3236 + 1292
    assert len(C.design_order(design="gen2")) == 3236 + 1292 + 3212


def test_every_extra_shell_says_what_is_inferred():
    shells, _ = C.load_design("gen2")
    for s in shells.values():
        if s.system != "gen1":
            assert s.inferred, s.name
            assert s.source.strip(), s.name


def test_design_orders_are_nested_and_gen1_comes_first():
    g1 = C.design_order(design="gen1")
    g2 = C.design_order(design="gen2")
    assert np.array_equal(g1.raan_deg, g2.raan_deg[: len(g1)])
    assert np.array_equal(g1.arg_lat_deg, g2.arg_lat_deg[: len(g1)])


def test_polar_shells_cover_the_80_90_band_and_gen1_does_not():
    kw = dict(grid_deg=2.0, step_s=120.0, duration_s=6 * 3600.0, cities=False)
    gen1 = C.estimate_coverage("design", design="gen1", **kw)
    gen2 = C.estimate_coverage("design", design="gen2", **kw)
    # Gen-1's highest shell is 51.9 deg; its 35 deg cap reaches 6.6 deg further.
    assert band(gen1, 80.0) == 0.0
    assert band(gen1, -90.0) == 0.0
    assert band(gen2, 80.0) >= 0.5
    assert band(gen2, -90.0) >= 0.5
    assert gen2.global_area_weighted > gen1.global_area_weighted


def test_3232_and_3236_differ_by_under_a_tenth_of_a_point():
    kw = dict(grid_deg=2.0, step_s=120.0, duration_s=3 * 3600.0, cities=False)
    a = C.estimate_coverage("design", n_satellites=3232, **kw).global_area_weighted
    b = C.estimate_coverage("design", n_satellites=3236, **kw).global_area_weighted
    assert a <= b
    assert b - a < 0.001


def test_mask_sensitivity_is_monotone_and_in_the_json():
    r = C.estimate_coverage(
        "design",
        grid_deg=4.0,
        step_s=120.0,
        duration_s=3600.0,
        cities=False,
        sensitivity_masks_deg=C.SENSITIVITY_MASKS_DEG,
    )
    rows = r.to_dict(points=False)["mask_sensitivity"]
    assert [row["min_elevation_deg"] for row in rows] == [25.0, 30.0, 35.0]
    cov = [row["global_area_weighted"] for row in rows]
    seen = [row["mean_in_view"] for row in rows]
    assert cov[0] >= cov[1] >= cov[2]
    assert seen[0] > seen[1] > seen[2]
    assert cov[2] == pytest.approx(r.global_area_weighted)


def test_gso_exclusion_lowers_global_coverage():
    kw = dict(grid_deg=2.0, step_s=120.0, duration_s=3600.0, cities=False)
    sats = C.constellation_satrecs("design", n_satellites=1200)
    plain = C.estimate_coverage(sats, **kw).global_area_weighted
    excl = C.estimate_coverage(sats, gso_exclusion_deg=18.0, **kw).global_area_weighted
    assert excl < plain


def test_cli_json_carries_design_gso_and_the_three_masks():
    res = CliRunner().invoke(
        main,
        [
            "coverage",
            "--json",
            "--design",
            "gen1-polar",
            "--gso-exclusion-deg",
            "18",
            "--grid-deg",
            "4",
            "--step",
            "120",
            "--duration",
            "3600",
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["n_satellites"] == 4528
    assert d["detail"]["design"] == "gen1-polar"
    assert d["gso_exclusion_deg"] == 18.0
    assert [m["min_elevation_deg"] for m in d["mask_sensitivity"]] == [25.0, 30.0, 35.0]


# --- robustness findings -------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--duration", "inf"], "duration"),  # T9
        (["--duration", "1e12"], "duration"),  # T9
        (["--duration", "1e9"], "duration"),  # R13
        (["--duration", "2678400", "--step", "1"], "steps"),  # R13: too many steps
        (["--k", "10000000"], "more than"),  # T9 / R8
        (["--k", "99999999999999999999"], "more than"),  # T9
        (["--k", "5000"], "more than"),  # R8: k above the fleet is refused
        (["--grid-deg", "0.1"], "memory"),  # R9
        (["--min-elevation", "nan"], "-5-89"),  # P8: the library states the CLI's bounds
        (["--points"], "--json"),  # P11
    ],
    ids=["T9-inf", "T9-1e12", "R13-1e9", "R13-steps", "T9-k", "T9-k-huge", "R8", "R9", "P8", "P11"],
)
def test_robustness_findings_refused_in_one_line(args, message):
    res = CliRunner().invoke(main, ["coverage", *args])
    assert res.exit_code != 0
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output
    assert message in res.output


def test_W2_real_constellation_far_from_the_element_epochs_is_refused(seeded_db):
    res = CliRunner().invoke(
        main,
        ["coverage", "--db", str(seeded_db), "--constellation", "real", "--date", "2100-01-01"]
        + FAST,
    )
    assert res.exit_code != 0
    assert "SGP4 does not hold" in res.output


def test_W4_forecast_before_its_as_of_is_refused():
    class Forecast:  # only what the check reads
        import datetime as _dt

        as_of = _dt.datetime(2026, 12, 4, tzinfo=_dt.UTC)

    with pytest.raises(KuiperError, match="before the forecast's as-of"):
        C.constellation_satrecs("forecast", date="1990-01-01", forecast=Forecast())


def test_memory_bound_is_checked_before_allocation():
    with pytest.raises(KuiperError, match="GiB"):
        C.evaluate_points([], "2026-01-01", C.equal_area_grid(0.1), duration_s=30, step_s=30)
