"""Pictures made for ``kuiper report``: the coverage map with coastlines and small summaries.

The coastlines are Natural Earth's 1:110m land outlines shipped in the package
(``kuiper/data/natural_earth``, public domain; see SOURCE.md there), so the map needs
no network and no cartographic library.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

import numpy as np

from ._base import new_axes, plt

COAST_COLOUR = "#222222"


@functools.cache
def coastlines() -> tuple[np.ndarray, ...]:
    """Natural Earth 1:110m land outlines as arrays of (lon_deg, lat_deg), shape (n, 2).

    Decodes the TopoJSON arcs of ``land-110m.json``: each arc holds quantized positions
    as deltas from the previous one; degrees are ``position * scale + translate``.
    Arcs are split where they jump across the antimeridian, and the edges that close
    Antarctica along the map's bottom (below 85 deg S) are left out: neither is a coast.
    """
    path = resources.files("kuiper.data") / "natural_earth" / "land-110m.json"
    topo = json.loads(path.read_text(encoding="utf-8"))
    scale = np.asarray(topo["transform"]["scale"], dtype=float)
    translate = np.asarray(topo["transform"]["translate"], dtype=float)
    lines = []
    for arc in topo["arcs"]:
        xy = np.cumsum(np.asarray(arc, dtype=float), axis=0) * scale + translate
        cut = (np.abs(np.diff(xy[:, 0])) > 180.0) | ((xy[:-1, 1] < -85.0) & (xy[1:, 1] < -85.0))
        for piece in np.split(xy, np.flatnonzero(cut) + 1):
            if len(piece) >= 2:
                lines.append(piece)
    return tuple(lines)


def add_coastlines(ax, *, colour: str = COAST_COLOUR, lw: float = 0.6):
    """Draw the shipped coastlines (lon/lat degrees) on ``ax`` and return it."""
    from matplotlib.collections import LineCollection

    ax.add_collection(LineCollection(coastlines(), colors=colour, linewidths=lw, zorder=3))
    return ax


def ring_image(lat_deg, lon_deg, values, n_lon: int | None = None):
    """Values on latitude rings (an equal-area grid) resampled to a regular lon x lat image.

    Each image cell takes the value of the nearest point of its ring in longitude
    (wrapping at the antimeridian). Returns ``(lon_edges_deg, lat_edges_deg, image)``
    for ``pcolormesh``, the image shaped (n_ring, n_lon).
    """
    lat = np.asarray(lat_deg, dtype=float)
    lon = np.asarray(lon_deg, dtype=float)
    val = np.asarray(values, dtype=float)
    rings = np.unique(lat)
    if n_lon is None:
        n_lon = max(int(np.max(np.unique(lat, return_counts=True)[1])), 2)
    centres = -180.0 + (np.arange(n_lon) + 0.5) * 360.0 / n_lon
    image = np.empty((rings.size, n_lon))
    for i, ring in enumerate(rings):
        on = lat == ring
        order = np.argsort(lon[on])
        x, v = lon[on][order], val[on][order]
        # Nearest in longitude, on a circle: pad one point each side across +-180.
        xx = np.r_[x[-1] - 360.0, x, x[0] + 360.0]
        vv = np.r_[v[-1], v, v[0]]
        j = np.clip(np.searchsorted(xx, centres), 1, xx.size - 1)
        nearer_left = (centres - xx[j - 1]) <= (xx[j] - centres)
        image[i] = np.where(nearer_left, vv[j - 1], vv[j])
    mids = 0.5 * (rings[1:] + rings[:-1])
    lat_edges = np.r_[-90.0, mids, 90.0] if rings.size > 1 else np.array([-90.0, 90.0])
    lon_edges = np.linspace(-180.0, 180.0, n_lon + 1)
    return lon_edges, lat_edges, image


def plot_coverage_map(result, *, ax=None, title=None, colorbar=True):
    """Map of the share of time covered (``kuiper.coverage.CoverageResult``), with coastlines.

    The equal-area grid is resampled to a regular image (:func:`ring_image`) drawn as
    one raster; the coastlines stay vectors. Returns the Axes.
    """
    ax = new_axes(ax, figsize=(11, 5.6))
    lon_e, lat_e, image = ring_image(
        result.grid.lat_deg, result.grid.lon_deg, 100.0 * np.asarray(result.fraction)
    )
    mesh = ax.pcolormesh(
        lon_e, lat_e, image, cmap="viridis", vmin=0, vmax=100, rasterized=True, zorder=1
    )
    add_coastlines(ax, colour="white", lw=0.7)
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label="% of time covered", shrink=0.85, pad=0.01)
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_aspect("equal")
    ax.set_xticks(np.arange(-180, 181, 60))
    ax.set_yticks(np.arange(-90, 91, 30))
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    con = result.constellation
    ax.set_title(
        title
        or f"{con.kind} constellation, {con.n_satellites:,} satellites, k >= {result.k} above "
        f"{result.min_elevation_deg:g} deg, {result.duration_s / 3600:g} h from "
        f"{con.date:%Y-%m-%d %H:%M} UTC",
        fontsize=10,
    )
    return ax


def plot_coverage_overview(result, *, axes=None):
    """The coverage map beside its latitude profile (two panels sharing latitude)."""
    if axes is None:
        fig = plt.figure(figsize=(12, 5.2), layout="constrained")
        grid = fig.add_gridspec(1, 2, width_ratios=[4.2, 1])
        map_ax = fig.add_subplot(grid[0])
        axes = [map_ax, fig.add_subplot(grid[1], sharey=map_ax)]
    map_ax, band_ax = axes
    plot_coverage_map(result, ax=map_ax)
    plot_latitude_bands(result.by_latitude(), ax=band_ax, title="by latitude")
    band_ax.set_ylabel("")
    band_ax.set_xlabel("% of time")
    return list(axes)


def plot_latitude_bands(rows: list[dict], *, ax=None, title=None):
    """Area-weighted share of time covered by latitude band (``by_latitude()`` rows)."""
    ax = new_axes(ax, figsize=(6, 5.6))
    lo = np.array([r["lat_min_deg"] for r in rows], dtype=float)
    hi = np.array([r["lat_max_deg"] for r in rows], dtype=float)
    frac = 100.0 * np.array([r["fraction"] for r in rows], dtype=float)
    ax.barh((lo + hi) / 2, frac, height=(hi - lo) * 0.9, color="#4c72b0")
    if rows and "min_fraction" in rows[0]:
        worst = 100.0 * np.array([r["min_fraction"] for r in rows], dtype=float)
        ax.plot(worst, (lo + hi) / 2, "|", color="#c44e52", ms=10, label="worst point in band")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_ylim(-90, 90)
    ax.set_yticks(np.arange(-90, 91, 30))
    ax.set_xlabel("% of time covered (area-weighted)")
    ax.set_ylabel("latitude (deg)")
    ax.set_title(title or "Coverage by latitude band", fontsize=10)
    ax.grid(alpha=0.3)
    return ax


def plot_coverage_growth(curve: dict, *, real_n_satellites=None, ax=None, title=None):
    """Coverage against satellites on station as the design fills (``CoverageCurve.to_dict()``)."""
    ax = new_axes(ax, figsize=(10, 4.5))
    n = np.asarray(curve["n_satellites"], dtype=float)
    ax.plot(n, 100.0 * np.asarray(curve["global_area_weighted"]), "o-", label="area-weighted")
    pops = curve.get("population_weighted") or []
    if pops and all(p is not None for p in pops):
        ax.plot(n, 100.0 * np.asarray(pops), "s-", label="population-weighted")
    if real_n_satellites is not None:
        ax.axvline(real_n_satellites, color="#c44e52", lw=1.2)
        ax.annotate(
            f" on station now: {real_n_satellites:,}",
            (real_n_satellites, 50),
            color="#c44e52",
            fontsize=8,
        )
    ax.set_xlabel("satellites on station (design filled in the FCC deployment order)")
    ax.set_ylabel("% covered")
    ax.set_ylim(0, 100)
    ax.set_title(title or "Coverage as the design fills", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_raising_durations(by_launch: list[dict], *, ax=None, title=None):
    """Launch-to-station days by launch: P10-P90 bars, median and Kaplan-Meier median."""
    ax = new_axes(ax, figsize=(10, 4.5))
    x = np.arange(len(by_launch))
    for i, b in enumerate(by_launch):
        if b.get("p10_days") is not None:
            ax.vlines(i, b["p10_days"], b["p90_days"], color="#4c72b0", lw=6, alpha=0.45)
        if b.get("median_days") is not None:
            ax.plot(i, b["median_days"], "o", color="#4c72b0")
        if b.get("km_median_days") is not None:
            ax.plot(i, b["km_median_days"], "x", color="#c44e52")
    ax.plot([], [], color="#4c72b0", lw=6, alpha=0.45, label="P10-P90 of arrived")
    ax.plot([], [], "o", color="#4c72b0", label="median of arrived")
    ax.plot([], [], "x", color="#c44e52", label="Kaplan-Meier median (counts those still raising)")
    ax.set_xticks(x, [f"{b['launch']}\n{b['launch_date_utc']}" for b in by_launch], fontsize=7)
    ax.set_ylabel("days from launch to on station")
    ax.set_ylim(0, None)
    ax.set_title(title or "Orbit-raising durations by launch", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return ax


def plot_ground_scenarios(modes, *, ax=None, title=None):
    """One-way delay percentiles of each ground scenario, availability in the labels.

    ``modes`` is a list of ``(label, scenarios)`` pairs, ``scenarios`` being the
    ``scenarios`` (or ``without_isl``) mapping of ``GroundResult.to_dict()``; a bare
    mapping is one unlabelled mode.
    """
    if isinstance(modes, dict):
        modes = [("", modes)]
    rows = [
        (f"{key}{', ' + label if label else ''}", sc)
        for label, scenarios in modes
        for key, sc in scenarios.items()
    ]
    ax = new_axes(ax, figsize=(10, 1.2 + 0.9 * len(rows)))
    colours = {"p50": "#4c72b0", "p90": "#dd8452", "p99": "#c44e52"}
    height = 0.25
    for j, q in enumerate(("p50", "p90", "p99")):
        ax.barh(
            np.arange(len(rows)) + (j - 1) * height,
            [sc["latency_ms"][q] or 0.0 for _, sc in rows],
            height=height,
            color=colours[q],
            label=f"{q} delay",
        )
    ax.set_yticks(
        np.arange(len(rows)),
        [f"{name}\navailable {sc['availability']:.1%}" for name, sc in rows],
        fontsize=8,
    )
    ax.invert_yaxis()
    ax.set_xlabel("one-way delay, user to AWS region (ms)")
    ax.set_title(title or "Ground segment scenarios", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    return ax


def plot_value_distribution(samples: dict, *, ax=None, title=None, bins: int = 60):
    """Histograms of the valuation's per-trial values (USD), total and static NPV."""
    ax = new_axes(ax, figsize=(10, 4.5))
    colours = {
        "total": "#4c72b0",
        "static_npv": "#8c8c8c",
        "option_premium": "#55a868",
    }
    labels = {"total": "total", "static_npv": "static NPV", "option_premium": "option premium"}
    arrays = {k: np.asarray(samples[k], dtype=float) / 1e9 for k in colours if k in samples}
    lo = min(float(np.percentile(a, 0.5)) for a in arrays.values())
    hi = max(float(np.percentile(a, 99.5)) for a in arrays.values())
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    for key, a in arrays.items():
        ax.hist(
            np.clip(a, edges[0], edges[-1]),
            bins=edges,
            histtype="stepfilled" if key == "total" else "step",
            alpha=0.45 if key == "total" else 1.0,
            color=colours[key],
            lw=1.4,
            label=f"{labels[key]} (mean {a.mean():.2f})",
        )
    ax.set_xlabel("USD billions (clipped to the 0.5-99.5% range)")
    ax.set_ylabel("trials")
    ax.set_title(title or "Distribution of Kuiper / Amazon Leo value over trials", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_scenario_cash_flows(scenarios: dict, *, ax=None, title=None):
    """Free cash flow by year of each DCF scenario (``Valuation.scenarios``), USD billions."""
    ax = new_axes(ax, figsize=(10, 4.2))
    colours = {"bear": "#c44e52", "base": "#4c72b0", "bull": "#55a868"}
    for name, colour in colours.items():
        years = (scenarios.get(name) or {}).get("years") or []
        if years:
            ax.plot(
                [y["year"] for y in years],
                [y["fcf_usd"] / 1e9 for y in years],
                "o-",
                ms=3,
                color=colour,
                label=f"{name} (weight {scenarios[name]['weight']:.2f})",
            )
    ax.axhline(0, color="black", lw=0.8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("year")
    ax.set_ylabel("free cash flow (USD billions)")
    ax.set_title(title or "Scenario free cash flows, no options", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_capacity_by_region(
    now: list[dict], full: list[dict] | None = None, *, ax=None, title=None
):
    """Serviceable subscribers by region (``CapacityResult.to_dict()['by_region']``).

    P10-P90 bars with the P50 marked, for the constellation now and (optionally) the full
    design; the mid demand estimate as a black tick.
    """
    ax = new_axes(ax, figsize=(10, 4.5))
    regions = [r["region"] for r in now]
    full_by = {r["region"]: r for r in full or []}
    y = np.arange(len(regions))
    for offset, rows, colour, label in (
        (-0.18, now, "#4c72b0", "now"),
        (0.18, [full_by.get(r) for r in regions], "#55a868", "full Gen-1 design"),
    ):
        if not any(rows):
            continue
        for i, r in enumerate(rows):
            if r is None:
                continue
            q = r["subscribers"]
            ax.barh(
                y[i] + offset,
                (q["p90"] - q["p10"]) / 1e6,
                left=q["p10"] / 1e6,
                height=0.32,
                color=colour,
                alpha=0.45,
            )
            ax.plot([q["p50"] / 1e6], [y[i] + offset], "|", ms=12, color=colour)
        ax.barh([], [], color=colour, alpha=0.45, label=f"{label}: P10-P90 (P50 marked)")
    ax.plot([r["demand"] / 1e6 for r in now], y, "k|", ms=18, mew=2, label="demand (mid)")
    ax.set_yticks(y, regions)
    ax.invert_yaxis()
    from matplotlib.ticker import FuncFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("subscribers (millions, log scale)")
    ax.set_title(title or "Serviceable subscribers by region", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    return ax
