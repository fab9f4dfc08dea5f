"""The one adapter through which capacity and the ground segment's dollars enter the value.

- **Capacity**: consumer subscribers of capacity against effective satellites, from
  :func:`kuiper.coverage.capacity_curve` when it exists; until then the sourced FALLBACK
  of ``valuation.toml``, ``subscribers_per_satellite`` (Starlink's ~1,100) x satellites.
- **AWS integration**: transit and backhaul avoided per Gbps-year, gateway co-location
  capex and opex saved, and the number of gateways at AWS sites, from
  :func:`kuiper.ground.aws_integration_inputs` when it exists; else the TOML's FALLBACK
  parameters.

Each result says which source it used.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import KuiperError

# valuation.toml parameters that kuiper.ground.aws_integration_inputs() replaces, each with
# the names the ground model may use for it.
GROUND_KEYS = {
    "transit_avoided_usd_per_gbps_year": ("transit_avoided_usd_per_gbps_year",),
    "backhaul_avoided_usd_per_gbps_year": ("backhaul_avoided_usd_per_gbps_year",),
    "gateway_capex_saved_usd": (
        "gateway_capex_saved_usd",
        "colocation_capex_saved_usd_per_gateway",
    ),
    "gateway_opex_saved_usd_year": (
        "gateway_opex_saved_usd_year",
        "colocation_opex_saved_usd_per_gateway_year",
    ),
    "aws_gateway_sites": ("aws_gateway_sites", "n_gateways_at_aws_sites"),
}


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


# Fleet sizes at which the coverage model's curve is read (Gen-1 design prefixes).
CURVE_POINTS = (578, 1000, 1616, 2400, 3232)


def _coverage_rows(gen1_total: int):
    """The coverage model's curve, or None when it is not there or not in the agreed form.

    ``kuiper.coverage.capacity_curve(n_on_station, profile=...)`` returns one dict per
    count with ``n_satellites`` and ``subscribers_p50`` (and P10/P90, ``capacity_gbps``).
    """
    try:
        from ..coverage import capacity_curve as curve
    except ImportError:
        return None
    points = sorted({min(n, gen1_total) for n in CURVE_POINTS})
    try:
        rows = curve(points, profile="kuiper")
        pts = sorted(
            (float(r["n_satellites"]), float(r["subscribers_p50"]))
            for r in rows
            if math.isfinite(float(r["subscribers_p50"]))
        )
    except (TypeError, KeyError, ValueError):
        return None
    if len(pts) < 2:
        return None
    xs = np.array([0.0] + [p[0] for p in pts])
    ys = np.array([0.0] + [p[1] for p in pts])
    if np.any(np.diff(xs) <= 0) or np.any(ys < 0):
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
    if not isinstance(found, dict):
        return cfg, "FALLBACK: valuation.toml (the ground model did not return a dict)"
    detail = found.get("detail") if isinstance(found.get("detail"), dict) else {}
    ranges = {}
    for name, aliases in GROUND_KEYS.items():
        entry = next(
            (e for k in aliases for e in (detail.get(k), found.get(k)) if e is not None), None
        )
        got = _ranged(entry)
        if got is not None:
            ranges[name] = got
    if not ranges:
        return cfg, "FALLBACK: valuation.toml (the ground model gave none of the expected keys)"
    try:
        new = cfg.with_ranges(ranges)
    except KuiperError as exc:
        return cfg, f"FALLBACK: valuation.toml (the ground model's figures were refused: {exc})"
    return new, "kuiper.ground.aws_integration_inputs(): " + ", ".join(sorted(ranges))


def _ranged(entry) -> tuple | None:
    """``(base, low, high, source)`` from a number or a ``{"value", "low", "high", "source"}``."""
    source = "kuiper.ground.aws_integration_inputs()"
    if isinstance(entry, int | float) and not isinstance(entry, bool):
        v = float(entry)
        return (v, v, v, source) if math.isfinite(v) and v >= 0 else None
    if not isinstance(entry, dict):
        return None
    try:
        v = float(entry["value"])
        lo = float(entry.get("low", v))
        hi = float(entry.get("high", v))
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(x) and x >= 0 for x in (v, lo, hi)) or not lo <= v <= hi:
        return None
    text = entry.get("source")
    return v, lo, hi, f"{source}: {text}" if isinstance(text, str) and text.strip() else source
