"""The ground model against hand-computed geometry, and its outputs' sanity.

Hand geometry: on the equator the WGS84 normal is radial, so for a satellite at
(R + h, 0, 0) and a ground point at longitude d the slant range is
sqrt((R + h - R cos d)^2 + (R sin d)^2) and the elevation is
asin(((R + h) cos d - R) / range).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kuiper.ground import (
    SPEED_OF_LIGHT_KM_S,
    great_circle_km,
    load_ground_config,
)

R_KM = 6378.137  # WGS84 equatorial radius
H_KM = 630.0
ONE_NANOSECOND_S = 1e-9


def _ground(lon_deg):
    d = math.radians(lon_deg)
    xyz = np.array([[R_KM * math.cos(d), R_KM * math.sin(d), 0.0]])
    trig = np.array([[0.0, 1.0, math.sin(d), math.cos(d)]])
    return xyz, trig


def _hand(lon_deg):
    d = math.radians(lon_deg)
    rng = math.hypot(R_KM + H_KM - R_KM * math.cos(d), R_KM * math.sin(d))
    el = math.degrees(math.asin(((R_KM + H_KM) * math.cos(d) - R_KM) / rng))
    return rng, el


def _run(user_lon, gw_lons, fibre_km, user_mask=35.0, gw_mask=25.0, fibre_speed=0.68):
    from kuiper._ground_kernels import best_paths

    sat = np.array([[[R_KM + H_KM, 0.0, 0.0]]])
    uxyz, utrig = _ground(user_lon)
    gxyz = np.vstack([_ground(g)[0] for g in gw_lons])
    gtrig = np.vstack([_ground(g)[1] for g in gw_lons])
    lat = np.empty((1, 1))
    gw = np.empty((1, 1), np.int64)
    best_paths(
        sat,
        uxyz,
        utrig,
        gxyz,
        gtrig,
        np.asarray(fibre_km, float).reshape(1, -1),
        math.radians(user_mask),
        math.radians(gw_mask),
        fibre_speed * SPEED_OF_LIGHT_KM_S,
        lat,
        gw,
    )
    return lat[0, 0], gw[0, 0]


def test_overhead_satellite_and_gateway_at_the_user():
    # Straight up and straight down: 2 h / c, plus the fibre at 0.68 c.
    latency, g = _run(0.0, [0.0], [100.0])
    expected = 2 * H_KM / SPEED_OF_LIGHT_KM_S + 100.0 / (0.68 * SPEED_OF_LIGHT_KM_S)
    assert g == 0
    assert latency == pytest.approx(expected, abs=ONE_NANOSECOND_S)


def test_slant_gateway_by_hand():
    rng, el = _hand(4.0)
    assert 25.0 < el < 90.0
    latency, g = _run(0.0, [4.0], [0.0])
    assert latency == pytest.approx((H_KM + rng) / SPEED_OF_LIGHT_KM_S, abs=ONE_NANOSECOND_S)


def test_elevation_masks_cut_paths_at_the_hand_computed_angle():
    # Find a longitude whose elevation is just above, and one just below, 25 deg.
    lons = np.linspace(0.5, 12.0, 2000)
    els = np.array([_hand(x)[1] for x in lons])
    above = lons[els > 25.0 + 1e-6].max()
    below = lons[els < 25.0 - 1e-6].min()
    assert math.isfinite(_run(0.0, [above], [0.0])[0])
    assert _run(0.0, [below], [0.0]) == (math.inf, -1)
    # The user mask too (35 deg): just inside it a path exists, just outside none.
    inside = lons[els > 35.0 + 1e-6].max()
    outside = lons[els < 35.0 - 1e-6].min()
    assert math.isfinite(_run(inside, [inside], [0.0])[0])
    assert _run(outside, [0.0], [0.0]) == (math.inf, -1)


def test_the_lower_latency_gateway_wins():
    near, far = 1.0, 6.0
    latency, g = _run(0.0, [far, near], [0.0, 0.0])
    assert g == 1
    assert latency == pytest.approx((H_KM + _hand(near)[0]) / SPEED_OF_LIGHT_KM_S, abs=1e-9)
    # Fibre can make the farther gateway better.
    latency, g = _run(0.0, [far, near], [0.0, 5000.0])
    assert g == 0


def test_great_circle_by_hand():
    # A quarter of the equator.
    assert great_circle_km(0.0, 0.0, 0.0, 90.0) == pytest.approx(math.pi / 2 * 6371.0)
    assert great_circle_km(10.0, 20.0, 10.0, 20.0) == pytest.approx(0.0, abs=1e-9)


def test_config_errors_are_one_line(tmp_path):
    from kuiper.errors import ManifestError

    bad = tmp_path / "ground.toml"
    bad.write_text("user_elevation_mask_deg = -3\n")
    with pytest.raises(ManifestError, match="ground.toml: 'user_elevation_mask_deg'"):
        load_ground_config(bad)


def test_scenarios_on_the_design_are_physical():
    from kuiper.ground import estimate_ground

    r = estimate_ground(n_cities=4, duration_s=1800.0, step_s=300.0)
    d = r.to_dict()
    floor_ms = 2 * 590.0 / SPEED_OF_LIGHT_KM_S * 1e3  # lowest shell straight up and down
    for s in d["scenarios"].values():
        assert 0.0 <= s["availability"] <= 1.0
        if s["latency_ms"]["p50"] is not None:
            assert s["latency_ms"]["p50"] >= floor_ms
            assert s["latency_ms"]["p50"] <= s["latency_ms"]["p90"] <= s["latency_ms"]["p99"]
    assert len(d["scenarios"]["A"]["gateways"]) == len(d["scenarios"]["B"]["gateways"])
    assert "approximations" in d["coordinates_note"]
