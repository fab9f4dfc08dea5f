"""kuiper.coverage against brute force, spherical geometry by hand, and its own invariants.

1. Naive oracle (``tests/reference.py``): every satellite, point and time in
   NumPy, with positions from ``sgp4.api.SatrecArray``. The engine's count of
   satellites in view must be equal at every (point, time), and so must every
   per-point statistic derived from the counts.
2. Geometry by hand: for the full 630 km / 51.9 deg shell and for its first half
   (every other plane), the latitudes covered at all times and the highest
   latitude covered at all, from the coverage-cap angle
   ``lambda = arccos(R cos(eps) / (R + h)) - eps``, the street-of-coverage
   condition, and a brute-force spherical model of the Walker pattern.
3. Properties: nested design sets never lose coverage, a higher mask never
   gains any; weights sum to one; the design order and the forecast mapping.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec

import reference as R
from kuiper import coverage as C
from kuiper.elements import read_elements
from kuiper.errors import KuiperError
from kuiper.forecast import Forecast
from kuiper.manifest import load_shells
from kuiper.snapshots import shipped_tle_dir

NEWEST_KUIPER = sorted((shipped_tle_dir() / "celestrak-kuiper").glob("*.tle"))[-1]
WGS72_RADIUS_KM = 6378.135
WGS84_RADIUS_KM = 6378.137
WGS84_E2 = (1.0 / 298.257223563) * (2.0 - 1.0 / 298.257223563)
# A count may differ from brute force only where a satellite sits this close to
# the mask (the two compute the same elevation along different float paths).
TIE_DEG = 1e-9
# The design's altitudes are hit to rounding of the un-Kozai inversion.
ONE_UM_KM = 1e-9
# Ring spacing in the geometry tests, degrees; edges must agree within two.
RING_DEG = 0.25


def shell_630(n=None):
    sats, slots = C.design_satrecs(None, "2026-01-01")
    keep = [s for s, name in zip(sats, slots.shell, strict=True) if name == "630"]
    return keep if n is None else keep[:n]


# ---------------------------------------------------------------------------
# 1. Against brute force


@pytest.fixture(scope="module")
def mixed_case():
    """Real element sets and design slots, random points (heights too), an odd start time."""
    real = read_elements(NEWEST_KUIPER).elements.to_satrecs()[::4]
    design, _ = C.design_satrecs(None, "2026-09-07")
    sats = real + design[::16]
    rng = np.random.default_rng(20261125)
    n = 300
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    lon = rng.uniform(-180.0, 180.0, n)
    alt = rng.uniform(-0.1, 3.0, n)
    # the poles and the antimeridian, where the index wraps
    lat[:4] = [90.0, -90.0, 51.0, -51.0]
    lon[:4] = [0.0, 45.0, 180.0, -180.0]
    start = "2026-09-07T03:17:00Z"
    jd, fr = C.time_grid(start, 3 * 3600.0, 60.0)
    positions = R.satellite_positions(sats, jd, fr)
    return sats, start, lat, lon, alt, jd, fr, positions


@pytest.mark.parametrize("mask_deg", [35.0, 10.0, 0.0, -5.0, 60.0])
def test_counts_equal_brute_force(mixed_case, mask_deg):
    sats, start, lat, lon, alt, jd, fr, positions = mixed_case
    got = C.visible_counts(
        sats, start, lat, lon, alt, min_elevation_deg=mask_deg, step_s=60.0, duration_s=3 * 3600.0
    )
    want, nearest = R.visible_counts(sats, jd, fr, lat, lon, alt, mask_deg, positions)
    assert want.sum() > 0
    differ = got != want
    # any difference must be a knife-edge tie; in practice there are none
    assert np.all(nearest[differ] < TIE_DEG)
    assert differ.sum() == 0


@pytest.mark.parametrize("cell_deg", [0.7, 4.0])
def test_counts_do_not_depend_on_the_index_cells(mixed_case, cell_deg):
    sats, start, lat, lon, alt, jd, fr, positions = mixed_case
    want, _ = R.visible_counts(sats, jd, fr, lat, lon, alt, 20.0, positions)
    got = C.visible_counts(
        sats,
        start,
        lat,
        lon,
        alt,
        min_elevation_deg=20.0,
        step_s=60.0,
        duration_s=3 * 3600.0,
        cell_deg=cell_deg,
    )
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_statistics_equal_brute_force(mixed_case, k):
    sats, start, lat, lon, alt, jd, fr, positions = mixed_case
    counts, _ = R.visible_counts(sats, jd, fr, lat, lon, alt, 25.0, positions)
    covered, hist, n_gaps, gap_total, gap_max = R.point_statistics(counts, k)
    points = C.GroundPoints(lat, lon, alt, np.full(lat.size, 1.0 / lat.size))
    seen = []
    st = C.evaluate_points(
        sats,
        start,
        points,
        min_elevation_deg=25.0,
        k=k,
        step_s=60.0,
        duration_s=3 * 3600.0,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (180, 180) and len(seen) == 2  # two chunks of at most 128 steps
    np.testing.assert_array_equal(st.covered_steps, covered)
    np.testing.assert_array_equal(st.visible_hist[:, : hist.shape[1]], hist)
    assert st.visible_hist[:, hist.shape[1] :].sum() == 0
    np.testing.assert_array_equal(st.n_gaps, n_gaps)
    np.testing.assert_array_equal(st.gap_total_s, gap_total * 60.0)
    np.testing.assert_array_equal(st.gap_max_s, gap_max * 60.0)
    np.testing.assert_allclose(st.fraction, covered / 180.0, rtol=0, atol=0)
    for kk in (1, 2, 4):
        want_k = (counts >= kk).sum(axis=1)
        np.testing.assert_array_equal(st.visible_hist[:, kk:].sum(axis=1), want_k)
        np.testing.assert_allclose(st.fraction_at_least(kk), want_k / 180.0, rtol=1e-15)


def test_failed_propagation_counts_as_not_in_view():
    """A decayed record (SGP4 error 6 mid-window) drops out of view, as in brute force."""
    sat = Satrec()
    # a 150 km orbit with huge drag decays within hours (error 6, then 1)
    epoch_days = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) - dt.datetime(1949, 12, 31, tzinfo=dt.UTC)
    mean_motion = 2 * np.pi / (88.0)  # rad/min
    sat.sgp4init(WGS72, "i", 1, epoch_days.days, 0.5, 0, 0, 0.0, 0.0, 0.9, 0.0, mean_motion, 0.0)
    lat = np.linspace(-50, 50, 41)
    lon = np.linspace(-170, 170, 41)
    start = "2026-01-01T00:00:00Z"
    jd, fr = C.time_grid(start, 12 * 3600.0, 120.0)
    e, _ = R.satellite_positions([sat], jd, fr)
    assert (e != 0).any()
    got = C.visible_counts(
        [sat], start, lat, lon, min_elevation_deg=0.0, step_s=120.0, duration_s=12 * 3600.0
    )
    want, _ = R.visible_counts([sat], jd, fr, lat, lon, 0.0, 0.0)
    np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------------------
# 2. Geometry by hand


def geocentric(lat_geodetic_deg):
    """Geocentric latitude (deg) and radius (km) of WGS84 surface points."""
    la = np.radians(lat_geodetic_deg)
    n = WGS84_RADIUS_KM / np.sqrt(1.0 - WGS84_E2 * np.sin(la) ** 2)
    x, z = n * np.cos(la), n * (1.0 - WGS84_E2) * np.sin(la)
    return np.degrees(np.arctan2(z, x)), np.hypot(x, z)


def cap_angle_rad(radius_km, orbit_radius_km, mask_deg):
    """Earth central angle of the coverage cap: arccos(R cos(eps) / (R + h)) - eps."""
    eps = np.radians(mask_deg)
    return np.arccos(radius_km * np.cos(eps) / orbit_radius_km) - eps


def walker_continuous_by_hand(lat_deg, planes, P, S, F, inc_deg, orbit_radius_km, mask_deg):
    """Is a latitude covered at all times by a spherical, two-body Walker pattern?

    Satellites on circles of radius ``orbit_radius_km`` (slot (p, s): RAAN 2 pi p / P,
    argument of latitude 2 pi (s / S + F p / (P S)) + n t), caps of the angle
    above at the point's own radius. The pattern repeats after one slot spacing
    in time and, rotated by one used-plane spacing, after a phase shift, so the
    worst case is found over that much time and longitude.
    """
    phi, rho = geocentric(lat_deg)
    cos_lam = np.cos(cap_angle_rad(rho, orbit_radius_km, mask_deg))
    p = np.repeat(planes, S)
    s = np.tile(np.arange(S), len(planes))
    raan = 2 * np.pi * p / P
    inc = np.radians(inc_deg)
    step = planes[1] - planes[0]
    t = np.arange(24)[:, None] / 24 * 2 * np.pi / S
    u = 2 * np.pi * (s / S + F * p / (P * S))[None, :] + t
    sat = np.stack(
        [
            np.cos(raan) * np.cos(u) - np.sin(raan) * np.cos(inc) * np.sin(u),
            np.sin(raan) * np.cos(u) + np.cos(raan) * np.cos(inc) * np.sin(u),
            np.sin(inc) * np.sin(u),
        ],
        axis=-1,
    )
    alpha = np.arange(24) / 24 * 2 * np.pi * step / P
    ph = np.radians(phi)
    pt = np.stack(
        [np.cos(ph) * np.cos(alpha), np.cos(ph) * np.sin(alpha), np.full(alpha.shape, np.sin(ph))],
        axis=-1,
    )
    best = np.einsum("tsk,ak->tas", sat, pt).max(axis=2)
    return bool(best.min() >= cos_lam)


def bands(lats, flags):
    """Contiguous runs of True as [(first, last)]."""
    out, cur = [], None
    for la, f in zip(lats, flags, strict=True):
        if f and cur is None:
            cur = [la, la]
        elif f:
            cur[1] = la
        elif cur is not None:
            out.append(tuple(cur))
            cur = None
    if cur is not None:
        out.append(tuple(cur))
    return out


@pytest.fixture(scope="module")
def rings():
    lats = np.arange(0.0, 62.0 + 1e-9, RING_DEG)
    n_lon = 36
    lat = np.repeat(lats, n_lon)
    lon = np.tile(-180.0 + (np.arange(n_lon) + 0.5) * 360.0 / n_lon, lats.size)
    points = C.GroundPoints(lat, lon, np.zeros_like(lat), np.full(lat.size, 1.0 / lat.size))
    return lats, n_lon, points


def ring_fractions(sats, rings):
    lats, n_lon, points = rings
    st = C.evaluate_points(
        sats, "2026-01-01", points, min_elevation_deg=35.0, step_s=10.0, duration_s=4 * 3600.0
    )
    f = st.fraction.reshape(lats.size, n_lon)
    return f.min(axis=1), f.max(axis=1)


def test_full_shell_band_edges_match_the_cap_geometry(rings):
    lats = rings[0]
    shell = next(s for s in load_shells() if s.name == "630")
    a_km = WGS72_RADIUS_KM + shell.altitude_km
    fmin, fmax = ring_fractions(shell_630(), rings)
    continuous = bands(lats, fmin == 1.0)
    # one band from the equator up
    assert len(continuous) == 1 and continuous[0][0] == 0.0
    edge = continuous[0][1]
    # the highest latitude ever covered: inclination + lambda, lambda at that latitude's radius
    lam = np.degrees(cap_angle_rad(WGS84_RADIUS_KM, a_km, 35.0))
    assert 6.7 < lam < 6.9  # 6.80 deg for 630 km at 35 deg on a 6378 km sphere
    reach = lats[fmax > 0.0].max()
    geocentric_reach = geocentric(reach)[0]
    _, rho = geocentric(reach)
    lam_local = np.degrees(cap_angle_rad(rho, a_km, 35.0))
    assert abs(geocentric_reach - (shell.inclination_deg + lam_local)) <= 2 * RING_DEG
    # the street of coverage (Luders 1961) of one plane, half-width c with
    # cos(lambda) = cos(c) cos(pi / S), guarantees coverage up to the latitude where
    # the streets of adjacent planes part between their apexes; phasing adds more
    c = np.arccos(np.cos(np.radians(lam)) / np.cos(np.pi / shell.sats_per_plane))
    inc = np.radians(shell.inclination_deg)
    half_gap = np.pi / shell.planes
    amp = np.hypot(np.cos(inc), np.sin(inc) * np.cos(half_gap))
    street = np.degrees(
        np.arcsin(np.sin(c) / amp) + np.arctan2(np.sin(inc) * np.cos(half_gap), np.cos(inc))
    )
    assert 55.8 < street < 56.3
    assert street - RING_DEG <= geocentric(edge)[0] <= shell.inclination_deg + lam
    # and the spherical Walker model by hand puts the edge within two ring spacings
    by_hand = [
        walker_continuous_by_hand(la, np.arange(34), 34, 34, 3, 51.9, a_km, 35.0) for la in lats
    ]
    hand = bands(lats, by_hand)
    assert len(hand) == 1 and abs(hand[0][1] - edge) <= 2 * RING_DEG


def test_half_shell_interior_gaps_match_the_walker_geometry(rings):
    """578 satellites (every other plane of the 630 shell): streets part near the equator."""
    lats = rings[0]
    a_km = WGS72_RADIUS_KM + 630.0
    fmin, _ = ring_fractions(shell_630(578), rings)
    by_hand = np.array(
        [
            walker_continuous_by_hand(la, np.arange(0, 34, 2), 34, 34, 3, 51.9, a_km, 35.0)
            for la in lats
        ]
    )
    kernel = fmin == 1.0
    assert len(bands(lats, kernel)) >= 3  # interior gaps exist
    # equal away from band edges (within two ring spacings of a change in the hand model)
    change = np.flatnonzero(np.diff(by_hand.astype(int)) != 0)
    near_edge = np.zeros(lats.size, bool)
    for j in change:
        near_edge |= np.abs(lats - 0.5 * (lats[j] + lats[j + 1])) <= 2 * RING_DEG
    assert np.array_equal(kernel[~near_edge], by_hand[~near_edge])
    # and the wide mid-latitude band: 32-56.7 deg (filing: service "roughly 39-56 deg")
    widest = max(bands(lats, kernel), key=lambda b: b[1] - b[0])
    assert 31.0 <= widest[0] <= 33.0 and 56.0 <= widest[1] <= 57.5


def test_cap_half_angle_formula():
    lam = C.coverage_cap_half_angle_deg(630.0, 35.0, radius_km=6378.0)
    r = 6378.0 + 630.0
    assert lam == pytest.approx(np.degrees(np.arccos(6378.0 * np.cos(np.radians(35)) / r)) - 35)
    assert 6.79 < lam < 6.81
    assert C.coverage_cap_half_angle_deg(630.0, 40.0) < lam


# ---------------------------------------------------------------------------
# 3. Properties


def test_more_satellites_never_less_coverage_and_higher_mask_less():
    grid = C.equal_area_grid(6.0)
    sats, _ = C.design_satrecs(None, "2026-01-01")
    kw = dict(step_s=60.0, duration_s=3 * 3600.0)
    prev = None
    for n in (100, 578, 1226, 2000, 3236):
        f = C.evaluate_points(sats[:n], "2026-01-01", grid, min_elevation_deg=35.0, **kw)
        if prev is not None:
            assert np.all(f.fraction >= prev.fraction)  # nested sets: per point
            assert np.all(f.fraction_at_least(3) >= prev.fraction_at_least(3))
        prev = f
    low = C.evaluate_points(sats[:1226], "2026-01-01", grid, min_elevation_deg=25.0, **kw)
    high = C.evaluate_points(sats[:1226], "2026-01-01", grid, min_elevation_deg=45.0, **kw)
    assert np.all(high.fraction <= low.fraction)
    assert (high.fraction < low.fraction).any()
    assert np.all(high.gap_max_s >= low.gap_max_s)


def test_grid_and_population_weights():
    grid = C.equal_area_grid(1.0)
    assert grid.weight.sum() == pytest.approx(1.0, abs=1e-12)
    assert 41000 < len(grid) < 41500  # 4 pi sr / (1 deg)^2 = 41,253
    # equal area to within the rounding of the per-row counts
    assert grid.weight.max() / grid.weight.min() < 1.07
    assert np.median(grid.weight) * len(grid) == pytest.approx(1.0, rel=0.02)
    # latitude bands get their exact area
    band = (grid.lat_deg >= 40) & (grid.lat_deg < 50)
    exact = 0.5 * (np.sin(np.radians(50)) - np.sin(np.radians(40)))
    assert grid.weight[band].sum() == pytest.approx(exact, rel=1e-12)
    cities = C.city_points()
    assert cities.weight.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(cities.weight > 0) and len(cities) > 20000
    assert cities.population[np.argmax(cities.weight)] == cities.population.max()


def test_design_order_starts_with_half_of_the_630_shell():
    order = C.design_order()
    assert len(order) == 3236
    assert order.by_shell() == {"630": 1156, "610": 1296, "590": 784}
    first = order[:578]
    assert set(first.shell) == {"630"}
    planes = np.unique(first.plane)
    assert planes.tolist() == list(range(0, 34, 2))  # every other plane, each full
    assert all((first.plane == p).sum() == 34 for p in planes)
    # then 648 of 610 (every other of 36 planes), the rest of 630, all of 590, the rest of 610
    steps = [("630", 578), ("610", 648), ("630", 578), ("590", 784), ("610", 648)]
    assert C.load_deployment_order() == steps
    start = 0
    for k, (shell, n) in enumerate(steps):
        part = order[start : start + n]
        assert set(part.shell) == {shell} and set(part.step) == {k}
        start += n
    assert np.unique(order[578 : 578 + 648].plane).tolist() == list(range(0, 36, 2))
    # every slot once; Walker phasing
    keys = set(zip(order.shell, order.plane, order.slot, strict=True))
    assert len(keys) == 3236
    s630 = order[order.shell == "630"]
    p, s = s630.plane, s630.slot
    np.testing.assert_allclose(s630.raan_deg, 360.0 * p / 34)
    np.testing.assert_allclose(s630.arg_lat_deg, (360.0 * s / 34 + 360.0 * 3 * p / 1156) % 360)


def test_partial_fill_adds_whole_planes_evenly():
    order = C.design_order()
    part = order[:200]  # 5 whole planes of 34 and 30 slots of a sixth
    counts = np.bincount(part.plane, minlength=34)
    assert sorted(counts[counts > 0].tolist()) == [30, 34, 34, 34, 34, 34]
    # any number of whole planes is spread in RAAN: no gap over twice the even spacing
    s630 = order[order.shell == "630"]
    for m in range(2, 35):
        planes = np.unique(s630.plane[: 34 * m])
        assert planes.size == m
        gaps = np.diff(np.r_[planes, planes[0] + 34])
        assert gaps.max() <= 2.0 * 34 / m


def test_design_satrecs_sit_at_the_shell_altitudes():
    sats, slots = C.design_satrecs(None, "2027-03-01T12:00:00Z")
    alt = np.array([s.a for s in sats]) * WGS72_RADIUS_KM - WGS72_RADIUS_KM
    np.testing.assert_allclose(alt, slots.altitude_km, atol=ONE_UM_KM)
    assert {s.ecco for s in sats} == {0.0}
    incl = np.degrees([s.inclo for s in sats])
    np.testing.assert_allclose(incl, slots.inclination_deg, atol=1e-12)
    epoch = sats[0].jdsatepoch + sats[0].jdsatepochF
    assert epoch == pytest.approx(2461466.0, abs=1e-9)  # 2027-03-01T12:00Z


def make_forecast(on_station_by_month):
    """A Forecast with one-trial histograms: on_station[m] at each month end from 2027-01."""
    months = [dt.date(2027, m + 1, 28) for m in range(len(on_station_by_month))]
    n_bins = max(on_station_by_month) + 2
    hist = np.zeros((len(months), 3, n_bins), np.int64)
    for m, n in enumerate(on_station_by_month):
        hist[m, :, n] = 1
    monthly = {
        "date": [d.isoformat() for d in months],
        "on_station": {"p05": [0] * len(months), "p50": list(on_station_by_month)},
    }
    return Forecast(
        as_of=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        data_through=None,
        trials=1,
        seed=0,
        milestones=[],
        monthly=monthly,
        reach_date=[],
        hist=hist,
        month_end=months,
        reach_day=np.zeros((1, 0)),
    )


def test_forecast_quantile_maps_onto_the_design_order():
    fc = make_forecast([400, 900, 5000])
    got = C.forecast_satellite_count(fc, "2027-02-10", "p50")
    assert got == {
        "month_end": "2027-02-28",
        "quantile": "p50",
        "on_station": 900,
        "n_satellites": 900,
    }
    assert C.forecast_satellite_count(fc, dt.date(2027, 2, 10), 0.05)["on_station"] == 0
    # a quantile not in the monthly table comes from the histogram
    assert C.forecast_satellite_count(fc, "2027-01-01", 0.3)["on_station"] == 400
    # beyond Gen-1 the design is full
    assert C.forecast_satellite_count(fc, "2027-03-01", 0.5)["n_satellites"] == 3236
    with pytest.raises(KuiperError, match="horizon"):
        C.forecast_satellite_count(fc, "2028-01-01", 0.5)
    cons = C.constellation_satrecs("forecast", date="2027-02-01", forecast=fc, quantile="p50")
    assert cons.n_satellites == 900 and cons.by_shell == {"630": 578, "610": 322}
    assert cons.detail["month_end"] == "2027-02-28"
    design, _ = C.design_satrecs(900, cons.date)
    assert [s.satnum for s in cons.satrecs] == [s.satnum for s in design]


def test_real_constellation_is_the_tracker_on_station_set(seeded_db):
    from kuiper.store import Store
    from kuiper.tracker import fleet_from_store

    with Store(seeded_db) as store:
        cons = C.constellation_satrecs("real", store=store)
        as_of = store.data_through()
        states = fleet_from_store(store, as_of).classify(as_of)
    on = sorted(s.norad_id for s in states if s.phase == "on_station")
    assert cons.detail["norad_ids"] == on and cons.n_satellites == len(on) > 300
    assert sorted(s.satnum for s in cons.satrecs) == on
    assert cons.by_shell == {"630": len(on)}
    # each satellite's newest element set on or before the date
    epochs = np.array([s.jdsatepoch + s.jdsatepochF for s in cons.satrecs])
    as_of_jd = 2440587.5 + as_of.timestamp() / 86400.0
    assert np.all(epochs <= as_of_jd + 1e-8)
    result = C.estimate_coverage(
        cons, grid_deg=5.0, step_s=120.0, duration_s=4 * 3600.0, cities=False
    )
    rows = {(b["lat_min_deg"], b["lat_max_deg"]): b["fraction"] for b in result.by_latitude()}
    assert rows[(40.0, 50.0)] > rows[(0.0, 10.0)] > 0.0
    assert rows[(70.0, 80.0)] == 0.0


def test_estimate_coverage_summary():
    seen = []
    result = C.estimate_coverage(
        "design",
        n_satellites=578,
        grid_deg=5.0,  # rows align with the 10 degree bands
        step_s=120.0,
        duration_s=6 * 3600.0,
        progress=lambda d, t: seen.append((d, t)),
    )
    out = result.to_dict()
    for key in (
        "constellation date n_satellites min_elevation_deg k duration_s step_s "
        "global_area_weighted population_weighted by_latitude gaps points"
    ).split():
        assert key in out
    assert out["constellation"] == "design" and out["n_satellites"] == 578
    assert out["min_elevation_deg"] == 35.0 and out["k"] == 1
    assert seen[-1] == (180, 180)
    assert len(out["by_latitude"]) == 18
    assert set(out["by_latitude"][0]) >= {"lat_min_deg", "lat_max_deg", "fraction"}
    assert set(out["gaps"]) == {"mean_s", "max_s"}
    assert len(out["points"]["fraction"]) == len(out["points"]["lat_deg"]) == out["n_points"]
    # the global figure is the area-weighted mean of the bands
    w = [
        0.5 * (np.sin(np.radians(b["lat_max_deg"])) - np.sin(np.radians(b["lat_min_deg"])))
        for b in out["by_latitude"]
    ]
    f = [b["fraction"] for b in out["by_latitude"]]
    assert np.dot(w, f) == pytest.approx(out["global_area_weighted"], abs=1e-5)
    dist = out["visible_distribution"]["area_weighted"]
    assert sum(dist) == pytest.approx(1.0, abs=1e-4)
    assert 1.0 - dist[0] == pytest.approx(out["global_area_weighted"], abs=1e-5)
    assert 0.0 < out["population_weighted"] < 1.0


def test_find_satellites_needed_is_the_smallest_count():
    got = C.find_satellites_needed(
        45.0, target_fraction=0.99, step_s=120.0, duration_s=3 * 3600.0, n_lon=36
    )
    n = got["n_satellites"]
    assert 0 < n <= 578 and got["fraction"] >= 0.99 > got["fraction_one_fewer"]


def test_errors_are_kuiper_errors():
    sats, _ = C.design_satrecs(3, "2026-01-01")
    pts = C.latitude_ring(0.0, 4)
    with pytest.raises(KuiperError, match="k must"):
        C.evaluate_points(sats, "2026-01-01", pts, k=0)
    with pytest.raises(KuiperError, match="step"):
        C.evaluate_points(sats, "2026-01-01", pts, step_s=0)
    with pytest.raises(KuiperError, match="elevation"):
        C.evaluate_points(sats, "2026-01-01", pts, min_elevation_deg=95.0)
    with pytest.raises(KuiperError, match="constellation"):
        C.constellation_satrecs("wishful")
    with pytest.raises(KuiperError, match="3236"):
        C.design_satrecs(4000)
    geo = Satrec.twoline2rv(
        "1 28884U 05041A   06176.46978549 -.00000113  00000-0  10000-3 0  9870",
        "2 28884   0.0439 270.7883 0003142 183.3963 158.0421  1.00273753  3157",
        WGS72,
    )
    with pytest.raises(KuiperError, match="deep-space"):
        C.evaluate_points([geo], "2026-01-01", pts)


def test_import_loads_no_numba():
    code = (
        "import sys, kuiper.coverage; "
        "assert 'numba' not in sys.modules, 'numba imported'; "
        "assert 'kuiper.coverage._kernels' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
