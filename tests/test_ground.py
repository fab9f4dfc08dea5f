"""The ground model's routing against hand-computed geometry.

Hand geometry: on the equator the WGS84 normal is radial, so for a satellite at
(R + h, 0, 0) and a ground point at longitude d the slant range is
sqrt((R + h - R cos d)^2 + (R sin d)^2) and the elevation is
asin(((R + h) cos d - R) / range). Satellites a central angle a apart on one
circular orbit are 2 (R + h) sin(a / 2) apart (the chord).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kuiper.ground import (
    SPEED_OF_LIGHT_KM_S,
    great_circle_km,
    load_ground_config,
    orbital_planes,
    plus_grid,
)
from kuiper.ground.engine import route_positions

R_KM = 6378.137  # WGS84 equatorial radius
H_KM = 630.0
ONE_NANOSECOND_S = 1e-9
CFG = load_ground_config()


def _hand(lon_deg):
    d = math.radians(lon_deg)
    rng = math.hypot(R_KM + H_KM - R_KM * math.cos(d), R_KM * math.sin(d))
    el = math.degrees(math.asin(((R_KM + H_KM) * math.cos(d) - R_KM) / rng))
    return rng, el


def _cfg(**kw):
    return {**CFG, "isl_hop_processing_ms": 0.0, **kw}


def _run(user_lon, gw_lons, fibre_km, user_mask=35.0, gw_mask=25.0, fibre_speed=0.68):
    """One satellite over (0, 0); bent pipe."""
    sat = np.array([[[R_KM + H_KM, 0.0, 0.0]]])
    fibre_s = np.asarray(fibre_km, float).reshape(1, -1) / (fibre_speed * SPEED_OF_LIGHT_KM_S)
    cfg = _cfg(user_elevation_mask_deg=user_mask, gateway_elevation_mask_deg=gw_mask)
    lat, _, gw = route_positions(
        sat,
        np.full((1, 4), -1),
        [0.0],
        [user_lon],
        [0],
        np.zeros(len(gw_lons)),
        gw_lons,
        fibre_s,
        cfg,
        isl=False,
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
    lons = np.linspace(0.5, 12.0, 2000)
    els = np.array([_hand(x)[1] for x in lons])
    above = lons[els > 25.0 + 1e-6].max()
    below = lons[els < 25.0 - 1e-6].min()
    assert math.isfinite(_run(0.0, [above], [0.0])[0])
    assert _run(0.0, [below], [0.0]) == (math.inf, -1)
    inside = lons[els > 35.0 + 1e-6].max()
    outside = lons[els < 35.0 - 1e-6].min()
    assert math.isfinite(_run(inside, [inside], [0.0])[0])
    assert _run(outside, [0.0], [0.0]) == (math.inf, -1)


def test_the_lower_latency_gateway_wins():
    near, far = 1.0, 6.0
    latency, g = _run(0.0, [far, near], [0.0, 0.0])
    assert g == 1
    assert latency == pytest.approx((H_KM + _hand(near)[0]) / SPEED_OF_LIGHT_KM_S, abs=1e-9)
    latency, g = _run(0.0, [far, near], [0.0, 5000.0])
    assert g == 0


def test_great_circle_by_hand():
    assert great_circle_km(0.0, 0.0, 0.0, 90.0) == pytest.approx(math.pi / 2 * 6371.0)
    assert great_circle_km(10.0, 20.0, 10.0, 20.0) == pytest.approx(0.0, abs=1e-9)


# ---------------------------------------------------------------------------
# ISL geometry: a chain of satellites in one equatorial plane


def _ring(n_sat: int, step_deg: float):
    """Satellites every step_deg along the equator at H_KM, and their +Grid (one plane)."""
    a = np.radians(np.arange(n_sat) * step_deg)
    r = np.stack([(R_KM + H_KM) * np.cos(a), (R_KM + H_KM) * np.sin(a), np.zeros(n_sat)], axis=1)
    nb = plus_grid(np.zeros(n_sat, np.int64), np.zeros(n_sat, np.int64), a)
    return r[:, None, :], nb


def _chain(gw_lon, n_sat=36, step=10.0, **cfg):
    r, nb = _ring(n_sat, step)
    return route_positions(
        r, nb, [0.0], [0.0], [0], [0.0], [gw_lon], np.zeros((1, 1)), _cfg(**cfg), isl=True
    )


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8])
def test_chain_hop_count_and_delay_by_hand(k):
    # User under satellite 0, gateway under satellite k, 10 deg apart: at 630 km the
    # 25 deg gateway cap is 9.4 deg, so only satellite k sees the gateway and only
    # satellite 0 sees the user. Path: up, k chords, down.
    chord = 2 * (R_KM + H_KM) * math.sin(math.radians(5.0))
    lat, hops, gw = _chain(10.0 * k)
    assert hops[0, 0] == k and gw[0, 0] == 0
    expected = (2 * H_KM + k * chord) / SPEED_OF_LIGHT_KM_S
    assert lat[0, 0] == pytest.approx(expected, abs=ONE_NANOSECOND_S)


def test_chain_takes_the_shorter_way_round():
    # Gateway 30 deg west: 3 hops the short way, 33 the long way.
    lat, hops, _ = _chain(-30.0)
    assert hops[0, 0] == 3


def test_hop_processing_adds_per_hop():
    plain, hops, _ = _chain(40.0)
    slow, _, _ = _chain(40.0, isl_hop_processing_ms=0.5)
    assert slow[0, 0] - plain[0, 0] == pytest.approx(hops[0, 0] * 0.5e-3, abs=1e-12)


def test_links_longer_than_the_range_limit_are_down():
    chord = 2 * (R_KM + H_KM) * math.sin(math.radians(5.0))
    assert math.isfinite(_chain(30.0, isl_max_range_km=chord + 1.0)[0][0, 0])
    lat, hops, gw = _chain(30.0, isl_max_range_km=chord - 1.0)
    assert lat[0, 0] == math.inf and hops[0, 0] == -1 and gw[0, 0] == -1


def test_without_isl_the_chain_is_no_path():
    r, nb = _ring(36, 10.0)
    lat, _, _ = route_positions(
        r, nb, [0.0], [0.0], [0], [0.0], [30.0], np.zeros((1, 1)), _cfg(), isl=False
    )
    assert lat[0, 0] == math.inf


def test_cross_plane_links_are_cut_near_the_poles():
    # Two polar planes 15 deg apart in RAAN, satellites at 80 deg latitude; the user is
    # under plane 0, the gateway under plane 1 only. Cross-plane link limit 70 deg: no
    # path; 85 deg: one cross-plane hop.
    lat0 = math.radians(80.0)
    rr = R_KM + H_KM
    pos = []
    for lon in (0.0, 15.0):
        lo = math.radians(lon)
        pos.append(
            [
                rr * math.cos(lat0) * math.cos(lo),
                rr * math.cos(lat0) * math.sin(lo),
                rr * math.sin(lat0),
            ]
        )
    r = np.array(pos)[:, None, :]
    nb = np.array([[-1, -1, 1, -1], [-1, -1, -1, 0]])

    def run(limit):
        return route_positions(
            r,
            nb,
            [80.0],
            [0.0],
            [0],
            [80.0],
            [15.0],
            np.zeros((1, 1)),
            _cfg(
                isl_cross_plane_max_lat_deg=limit,
                gateway_elevation_mask_deg=75.0,
                user_elevation_mask_deg=75.0,
            ),
            isl=True,
        )

    assert run(70.0)[0][0, 0] == math.inf
    assert run(85.0)[1][0, 0] == 1


def test_plus_grid_is_symmetric_with_four_partners():
    r, nb = _ring(36, 10.0)
    assert (nb[:, 0] == (np.arange(36) + 1) % 36).all()
    assert (nb[:, 1] == (np.arange(36) - 1) % 36).all()
    shell = np.zeros(12, np.int64)
    plane = np.repeat(np.arange(3), 4)
    u = np.tile(np.radians([0.0, 90.0, 180.0, 270.0]), 3) + plane * 0.1
    nb = plus_grid(shell, plane, u)
    for a in range(12):
        for k, back in ((0, 1), (1, 0), (2, 3), (3, 2)):
            b = nb[a, k]
            assert b >= 0 and nb[b, back] == a
    # The cross-plane partner has the same slot (nearest argument of latitude).
    assert (nb[:4, 2] == np.arange(4, 8)).all()


def test_orbital_planes_recover_the_design_walker_shells():
    from kuiper.coverage import design_satrecs
    from kuiper.sgp4 import propagate

    sats, slots = design_satrecs()
    jd, fr = np.array([2461041.5]), np.array([0.0])
    _, r, v = propagate(sats, jd, fr)
    shell, plane, _ = orbital_planes(r[:, 0], v[:, 0], 2.0, 1.0)
    # FCC Gen-1: 3 shells of 34, 36 and 28 planes (../shared/data/FACTS.md section 1).
    counts = sorted(len(np.unique(plane[shell == s])) for s in np.unique(shell))
    assert counts == [28, 34, 36]
    # Same plane in the design <=> same plane found from the states.
    for s in np.unique(shell):
        rows = shell == s
        pairs = set(zip(slots.plane[rows], plane[rows], strict=True))
        assert len(pairs) == len(np.unique(plane[rows]))


def test_config_errors_are_one_line(tmp_path):
    from kuiper.errors import ManifestError

    bad = tmp_path / "ground.toml"
    bad.write_text("user_elevation_mask_deg = -3\n")
    with pytest.raises(ManifestError, match="ground.toml: 'user_elevation_mask_deg'"):
        load_ground_config(bad)
    from importlib.resources import files

    text = (files("kuiper") / "data" / "ground.toml").read_text()
    bad.write_text(text.replace("rtt_queueing_low_ms = 2.0", "rtt_queueing_low_ms = 9.0"))
    with pytest.raises(ManifestError, match="'rtt_queueing_ms' .* must lie within"):
        load_ground_config(bad)


def test_visibility_list_by_hand_geometry_and_overflow():
    """The kernel's per-point visibility list: a satellite straight overhead is seen at
    a range equal to its height, one beyond the horizon is not, and a list too short
    for what is seen is reported rather than overrun."""
    import math

    from kuiper.ground._kernels import _cos_cap, _visible

    r_earth = 6378.137
    # Ground point on the equator at longitude 0 (sin/cos of latitude, longitude).
    p = np.array([r_earth, 0.0, 0.0])
    trig = np.array([0.0, 1.0, 0.0, 1.0])
    mask = math.radians(35.0)
    sats = np.array(
        [
            [[r_earth + 630.0, 0.0, 0.0]],  # overhead
            [[0.0, r_earth + 630.0, 0.0]],  # 90 deg away: below the horizon
            [[r_earth + 630.0, 50.0, 0.0]],  # nearly overhead
        ]
    )
    cos_cap = np.array([[[_cos_cap(np.linalg.norm(s[0]), mask)] * 2 for s in sats]])
    out_sat = np.full(3, -9, np.int64)
    out_range = np.zeros(3)
    assert _visible(sats, 0, cos_cap, 0, p, trig, mask, out_sat, out_range)
    assert list(out_sat) == [0, 2, -1]
    assert out_range[0] == pytest.approx(630.0)
    assert out_range[1] == pytest.approx(math.hypot(630.0, 50.0))
    short_sat, short_range = np.zeros(1, np.int64), np.zeros(1)
    assert not _visible(sats, 0, cos_cap, 0, p, trig, mask, short_sat, short_range)
    assert short_sat[0] == 0
