"""The ground model's assumptions (``kuiper/data/ground.toml``) and the dollar inputs."""

from __future__ import annotations

import math
from pathlib import Path

from ..errors import ManifestError
from ..manifest import read_data_toml

# Numbers >= 0, each with the file key it is read from.
_NUMBERS = (
    "user_elevation_mask_deg",
    "gateway_elevation_mask_deg",
    "fibre_speed_fraction_of_c",
    "fibre_route_factor",
    "scenario_a_access_km",
    "scenario_b_candidate_min_population",
    "scenario_b_candidate_max_population",
    "scenario_b_min_user_distance_km",
    "scenario_b_min_separation_km",
    "user_seed",
    "user_max_abs_lat_deg",
    "rural_offset_min_km",
    "rural_offset_max_km",
    "isl_max_range_km",
    "isl_cross_plane_max_lat_deg",
    "isl_plane_gap_deg",
    "isl_shell_inclination_gap_deg",
    "rtt_reference_access_median_ms",
    "rtt_reference_server_median_ms",
    "rtt_reference_tolerance",
)
# Figures with a central value and a range: key, key_low, key_high (low <= central <= high).
_RANGED = (
    ("isl_max_range_km", "isl_max_range_low_km", "isl_max_range_high_km"),
    ("rtt_scheduling_ms", "rtt_scheduling_low_ms", "rtt_scheduling_high_ms"),
    ("rtt_queueing_ms", "rtt_queueing_low_ms", "rtt_queueing_high_ms"),
    ("rtt_processing_ms", "rtt_processing_low_ms", "rtt_processing_high_ms"),
    ("isl_hop_processing_ms", "isl_hop_processing_low_ms", "isl_hop_processing_high_ms"),
    (
        "transit_avoided_usd_per_gbps_year",
        "transit_avoided_low_usd_per_gbps_year",
        "transit_avoided_high_usd_per_gbps_year",
    ),
    (
        "backhaul_avoided_usd_per_gbps_year",
        "backhaul_avoided_low_usd_per_gbps_year",
        "backhaul_avoided_high_usd_per_gbps_year",
    ),
    (
        "colocation_capex_saved_usd_per_gateway",
        "colocation_capex_saved_low_usd_per_gateway",
        "colocation_capex_saved_high_usd_per_gateway",
    ),
    (
        "colocation_opex_saved_usd_per_gateway_year",
        "colocation_opex_saved_low_usd_per_gateway_year",
        "colocation_opex_saved_high_usd_per_gateway_year",
    ),
)
_SOURCES = (
    "rtt_source",
    "isl_max_range_source",
    "transit_avoided_source",
    "backhaul_avoided_source",
    "colocation_capex_saved_source",
    "colocation_opex_saved_source",
)


def _number(data: dict, key: str, name: str) -> float:
    v = data.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
        raise ManifestError(f"{name}: '{key}' must be a finite number >= 0, got {v!r}")
    return float(v)


def load_ground_config(path: str | Path | None = None) -> dict:
    """Read and validate the ground-model assumptions.

    Every error is one line naming the file and key: a missing or negative number,
    a range whose low end exceeds its central value or whose high end is below it,
    masks outside 0-90 degrees, a fibre speed outside (0, 1] of c.
    """
    data, name = read_data_toml(path, "ground.toml", check_schema=False)
    out: dict = {}
    for key in _NUMBERS:
        out[key] = _number(data, key, name)
    for key, lo, hi in _RANGED:
        for k in (key, lo, hi):
            out[k] = _number(data, k, name)
        if not out[lo] <= out[key] <= out[hi]:
            raise ManifestError(
                f"{name}: '{key}' ({out[key]:g}) must lie within '{lo}' ({out[lo]:g}) "
                f"and '{hi}' ({out[hi]:g})"
            )
    for key in _SOURCES:
        v = data.get(key)
        if not isinstance(v, str) or not v.strip():
            raise ManifestError(f"{name}: '{key}' must be a non-empty string")
        out[key] = v
    if not 0.0 < out["fibre_speed_fraction_of_c"] <= 1.0:
        raise ManifestError(f"{name}: 'fibre_speed_fraction_of_c' must be in (0, 1]")
    for key in ("user_elevation_mask_deg", "gateway_elevation_mask_deg"):
        if not out[key] < 90.0:
            raise ManifestError(f"{name}: '{key}' must be below 90 degrees")
    for key in ("user_max_abs_lat_deg", "isl_cross_plane_max_lat_deg"):
        if not out[key] <= 90.0:
            raise ManifestError(f"{name}: '{key}' must be at most 90 degrees")
    for lo, hi in (
        ("scenario_b_candidate_min_population", "scenario_b_candidate_max_population"),
        ("rural_offset_min_km", "rural_offset_max_km"),
    ):
        if out[lo] > out[hi]:
            raise ManifestError(f"{name}: '{lo}' ({out[lo]:g}) exceeds '{hi}' ({out[hi]:g})")
    countries = data.get("excluded_countries", [])
    if not isinstance(countries, list) or not all(
        isinstance(c, str) and len(c) == 2 for c in countries
    ):
        raise ManifestError(f"{name}: 'excluded_countries' must be a list of 2-letter codes")
    out["excluded_countries"] = [c.upper() for c in countries]
    out["user_seed"] = int(out["user_seed"])
    return out


def _ranged(cfg: dict, key: str, lo: str, hi: str, unit: str, source: str) -> dict:
    return {
        "value": cfg[key],
        "low": cfg[lo],
        "high": cfg[hi],
        "unit": unit,
        "source": cfg[source],
    }


def aws_integration_inputs(config: dict | str | Path | None = None) -> dict:
    """Dollar inputs of the AWS-integration synergy, for the valuation; no propagation.

    Parameters
    ----------
    config : dict, str or Path, optional
        :func:`load_ground_config` output or a path to a ``ground.toml``; default the
        shipped one.

    Returns
    -------
    dict
        Central values as plain numbers under these keys (the names
        ``kuiper.value.capacity`` reads):

        ``transit_avoided_usd_per_gbps_year``
            IP transit not bought for traffic that lands inside AWS, USD per Gbps-year.
        ``backhaul_avoided_usd_per_gbps_year``
            Leased backhaul from a remote gateway to a point of presence not needed
            when the gateway sits at an AWS site, USD per Gbps-year.
        ``gateway_capex_saved_usd``
            One-off site capex (land, civil works, power, security, fibre lateral)
            saved per gateway co-located at an AWS site, USD per gateway.
        ``gateway_opex_saved_usd_year``
            Site opex saved per co-located gateway, USD per gateway-year.
        ``aws_gateway_sites``
            Gateways of scenario A: AWS regions and AWS Ground Station sites with
            coordinates, outside the excluded markets.

        and ``detail``: for each of those keys ``{"value", "low", "high", "unit",
        "source"}`` (low = high = value for ``aws_gateway_sites``).

    Notes
    -----
    Sources and ranges come from ``kuiper/data/ground.toml``; most are [inferred]
    from TeleGeography price points (see the file). Multiply the per-Gbps figures by
    the traffic that lands at AWS sites, and the per-gateway figures by
    ``aws_gateway_sites``; the valuation decides the attach share and timing.
    """
    from .sites import scenario_a_sites

    cfg = config if isinstance(config, dict) else load_ground_config(config)
    n = float(len(scenario_a_sites(cfg)))
    detail = {
        "transit_avoided_usd_per_gbps_year": _ranged(
            cfg,
            "transit_avoided_usd_per_gbps_year",
            "transit_avoided_low_usd_per_gbps_year",
            "transit_avoided_high_usd_per_gbps_year",
            "USD per Gbps-year",
            "transit_avoided_source",
        ),
        "backhaul_avoided_usd_per_gbps_year": _ranged(
            cfg,
            "backhaul_avoided_usd_per_gbps_year",
            "backhaul_avoided_low_usd_per_gbps_year",
            "backhaul_avoided_high_usd_per_gbps_year",
            "USD per Gbps-year",
            "backhaul_avoided_source",
        ),
        "gateway_capex_saved_usd": _ranged(
            cfg,
            "colocation_capex_saved_usd_per_gateway",
            "colocation_capex_saved_low_usd_per_gateway",
            "colocation_capex_saved_high_usd_per_gateway",
            "USD per gateway",
            "colocation_capex_saved_source",
        ),
        "gateway_opex_saved_usd_year": _ranged(
            cfg,
            "colocation_opex_saved_usd_per_gateway_year",
            "colocation_opex_saved_low_usd_per_gateway_year",
            "colocation_opex_saved_high_usd_per_gateway_year",
            "USD per gateway-year",
            "colocation_opex_saved_source",
        ),
        "aws_gateway_sites": {
            "value": n,
            "low": n,
            "high": n,
            "unit": "gateways",
            "source": "kuiper/data/aws_regions.csv and aws_ground_stations.csv (sites with "
            "coordinates), less excluded_countries in ground.toml",
        },
    }
    return {k: v["value"] for k, v in detail.items()} | {"detail": detail}
