"""kuiper.value.capacity: the one adapter through which the coverage model's capacity and
the ground model's dollars enter the valuation, and its labelled fallbacks."""

from __future__ import annotations

import numpy as np
import pytest

import kuiper.coverage
import kuiper.ground
from kuiper.value import capacity as A
from kuiper.value import load_valuation_config


@pytest.fixture(scope="module")
def cfg():
    return load_valuation_config()


def test_capacity_uses_the_coverage_curve_when_it_is_there(cfg, monkeypatch):
    calls = []

    def fake(n_on_station, *, profile="kuiper"):
        calls.append((list(n_on_station), profile))
        return [
            {"n_satellites": n, "subscribers_p10": 1.0, "subscribers_p50": 2000.0 * n,
             "subscribers_p90": 3.0, "capacity_gbps": 100.0 * n}
            for n in n_on_station
        ]  # fmt: skip

    monkeypatch.setattr(kuiper.coverage, "capacity_curve", fake, raising=False)
    xs, ys, source = A.capacity_curve(cfg, 3232)
    assert calls and calls[0][1] == "kuiper" and max(calls[0][0]) == 3232
    assert "capacity_curve" in source and "FALLBACK" not in source
    assert np.interp(1616, xs, ys) == pytest.approx(2000.0 * 1616)


def test_capacity_falls_back_to_the_starlink_anchor_labelled(cfg, monkeypatch):
    monkeypatch.delattr(kuiper.coverage, "capacity_curve", raising=False)
    xs, ys, source = A.capacity_curve(cfg, 3232)
    assert "FALLBACK" in source
    # Starlink ~10.3M subscribers on ~9-10k working satellites (SpaceX S-1): ~1,100 each.
    assert ys[-1] / xs[-1] == pytest.approx(1100.0)


def test_a_curve_in_another_form_falls_back(cfg, monkeypatch):
    monkeypatch.setattr(
        kuiper.coverage, "capacity_curve", lambda n, profile: [{"n": 1}], raising=False
    )
    assert "FALLBACK" in A.capacity_curve(cfg, 3232)[2]


def test_ground_dollars_replace_the_fallbacks(cfg, monkeypatch):
    found = {"transit_avoided_usd_per_gbps_year": 1234.0, "aws_gateway_sites": 17.0, "x": 1}
    monkeypatch.setattr(kuiper.ground, "aws_integration_inputs", lambda: found, raising=False)
    new, note = A.with_ground_inputs(cfg)
    assert new.value("transit_avoided_usd_per_gbps_year") == 1234.0
    assert new.value("aws_gateway_sites") == 17.0
    assert new.value("gateway_capex_saved_usd") == cfg.value("gateway_capex_saved_usd")
    assert "aws_integration_inputs" in note
    assert "aws_integration_inputs" in new.parameters["aws_gateway_sites"].source
    monkeypatch.delattr(kuiper.ground, "aws_integration_inputs", raising=False)
    same, note = A.with_ground_inputs(cfg)
    assert same is cfg and "FALLBACK" in note


def test_ground_dollars_with_ranges_and_the_ground_models_names(cfg, monkeypatch):
    found = {
        "colocation_capex_saved_usd_per_gateway": {
            "value": 1e6, "low": 3e5, "high": 3e6, "unit": "USD", "source": "teleport build-out"
        },
        "n_gateways_at_aws_sites": {"value": 28, "low": 28, "high": 28, "source": "csv"},
        "transit_avoided_usd_per_gbps_year": {"value": -5.0, "source": "refused: negative"},
    }  # fmt: skip
    monkeypatch.setattr(kuiper.ground, "aws_integration_inputs", lambda: found, raising=False)
    new, note = A.with_ground_inputs(cfg)
    a = new.parameters["gateway_capex_saved_usd"]
    assert (a.base, a.low, a.high) == (1e6, 3e5, 3e6) and "teleport" in a.source
    assert new.value("aws_gateway_sites") == 28.0
    # A figure that is not a valid amount keeps the TOML's value.
    assert new.value("transit_avoided_usd_per_gbps_year") == cfg.value(
        "transit_avoided_usd_per_gbps_year"
    )
    assert "gateway_capex_saved_usd" in note and "transit" not in note
