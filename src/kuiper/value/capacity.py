"""The one adapter through which capacity and the ground segment's dollars enter the value.

- **Capacity**: consumer subscribers of capacity against effective satellites, from
  :func:`kuiper.coverage.capacity_curve` when it exists; until then the sourced FALLBACK
  of ``valuation.toml``, ``subscribers_per_satellite`` (Starlink's ~1,100) x satellites.
- **AWS integration**: transit avoided per Gbps-year, gateway co-location capex and opex
  saved, and the number of gateways at AWS sites, from
  :func:`kuiper.ground.aws_integration_inputs` when it exists; else the TOML's FALLBACK
  parameters.

Each result says which source it used.
"""

from __future__ import annotations

import math

import numpy as np

# Keys of kuiper.ground.aws_integration_inputs() that replace valuation.toml parameters.
GROUND_KEYS = (
    "transit_avoided_usd_per_gbps_year",
    "gateway_capex_saved_usd",
    "gateway_opex_saved_usd_year",
    "aws_gateway_sites",
)


def capacity_curve(cfg, gen1_total: int) -> tuple[np.ndarray, np.ndarray, str]:
    """``(n_satellites, subscribers, source)``: a piecewise-linear capacity curve.

    The kernel interpolates it at the effective fleet (Gen-2 in Gen-1 equivalents) and
    extends it linearly past the last point.
    """
    rows = _coverage_rows(gen1_total)
    if rows is not None:
        return rows
    per_sat = cfg.value("subscribers_per_satellite")
    source = (
        "FALLBACK (kuiper.coverage.capacity_curve not available): valuation.toml "
        f"subscribers_per_satellite = {per_sat:g} x effective satellites"
    )
    return np.array([0.0, float(gen1_total)]), np.array([0.0, per_sat * gen1_total]), source


def _coverage_rows(gen1_total: int):
    """The coverage model's curve, or None when it is not there or not in the agreed form."""
    try:
        from ..coverage import capacity_curve as curve
    except ImportError:
        return None
    try:
        rows = curve(gen1_total, profile="kuiper")
        pts = sorted(
            (float(r["n_satellites"]), float(r["subscribers"]["p50"]))
            for r in rows
            if math.isfinite(float(r["subscribers"]["p50"]))
        )
    except (TypeError, KeyError, ValueError):
        return None
    if len(pts) < 2:
        return None
    xs = np.array([0.0] + [p[0] for p in pts])
    ys = np.array([0.0] + [p[1] for p in pts])
    if np.any(np.diff(xs) <= 0):
        return None
    return xs, ys, "kuiper.coverage.capacity_curve(profile='kuiper'), P50 subscribers"


def with_ground_inputs(cfg):
    """``cfg`` with the ground model's dollar inputs where it provides them, and a note."""
    try:
        from ..ground import aws_integration_inputs
    except ImportError:
        return cfg, "FALLBACK: valuation.toml (kuiper.ground.aws_integration_inputs not available)"
    try:
        found = aws_integration_inputs()
    except Exception as exc:  # the ground model's own failure must not stop a valuation
        return cfg, f"FALLBACK: valuation.toml (ground model failed: {exc})".replace("\n", " ")
    values = {
        k: (found[k]["value"] if isinstance(found[k], dict) else found[k])
        for k in GROUND_KEYS
        if isinstance(found, dict) and k in found
    }
    if not values:
        return cfg, "FALLBACK: valuation.toml (the ground model gave none of the expected keys)"
    return (
        cfg.with_values(source="kuiper.ground.aws_integration_inputs()", **values),
        "kuiper.ground.aws_integration_inputs(): " + ", ".join(sorted(values)),
    )
