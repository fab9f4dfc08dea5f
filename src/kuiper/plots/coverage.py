"""Pictures of coverage: the map and the growth curve."""

from __future__ import annotations

import numpy as np

from ._base import plt


def plot_coverage(result, curve, *, axes=None):
    """Map of the fraction of time covered, and coverage against satellites (two panels).

    ``result`` is a :class:`kuiper.coverage.CoverageResult`, ``curve`` a
    :class:`kuiper.coverage.CoverageCurve`. Returns ``[map_ax, curve_ax]``.
    """
    if axes is None:
        fig = plt.figure(figsize=(11, 9), layout="constrained")
        grid = fig.add_gridspec(2, 1, height_ratios=[1.6, 1])
        axes = [fig.add_subplot(grid[0]), fig.add_subplot(grid[1])]
    ax, ax2 = axes
    lat, lon = result.grid.lat_deg, result.grid.lon_deg
    sc = ax.scatter(
        lon,
        lat,
        c=100.0 * result.fraction,
        s=5.0,
        cmap="viridis",
        vmin=0,
        vmax=100,
        marker="s",
        linewidths=0,
    )
    ax.figure.colorbar(sc, ax=ax, label="% of time covered", shrink=0.85)
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    con = result.constellation
    ax.set_title(
        f"{con.kind} constellation, {con.n_satellites:,} satellites, k >= {result.k} above "
        f"{result.min_elevation_deg:g} deg, {result.duration_s / 3600:g} h from "
        f"{con.date:%Y-%m-%d %H:%M} UTC: global {result.global_area_weighted:.1%} of area-time"
    )
    ax.grid(alpha=0.3)
    d = curve.to_dict()
    n = np.array(d["n_satellites"])
    ax2.plot(n, 100.0 * np.array(d["global_area_weighted"]), "o-", label="area-weighted, global")
    pops = d["population_weighted"]
    if all(p is not None for p in pops):
        ax2.plot(n, 100.0 * np.array(pops), "s-", label="population-weighted")
    ax2.axvline(578, color="grey", ls=":", lw=1)
    ax2.annotate("578: service can begin", (578, 5), rotation=90, fontsize=8, ha="right")
    if con.kind == "real":
        ax2.axvline(
            con.n_satellites, color="#c44e52", lw=1, label=f"real, on station: {con.n_satellites}"
        )
    ax2.set_xlabel("satellites on station (FCC deployment order)")
    ax2.set_ylabel("% covered")
    ax2.set_ylim(0, 100)
    ax2.set_title("Coverage as the design fills")
    ax2.legend(fontsize=8, loc="lower right")
    ax2.grid(alpha=0.3)
    return axes


def plot_coverage_timeline(timeline, *, ax=None):
    """Fan chart of coverage by month: P10-P90 bands and P50 lines, area and population.

    ``timeline`` is a :class:`kuiper.coverage.CoverageTimeline`. Returns the Axes.
    """
    import datetime as dt

    if ax is None:
        _fig, ax = plt.subplots(figsize=(10, 5.5), layout="constrained")
    x = [dt.datetime.combine(d, dt.time()) for d in timeline.month_end]
    for values, color, label in (
        (timeline.area_weighted, "#4c72b0", "area-weighted, global"),
        (timeline.population_weighted, "#dd8452", "population-weighted (cities)"),
    ):
        lo, mid, hi = (100.0 * values[:, j] for j in range(3))
        ax.fill_between(x, lo, hi, color=color, alpha=0.25, lw=0, label=f"{label}, P10-P90")
        ax.plot(x, mid, color=color, lw=2, label=f"{label}, P50")
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of time with a satellite above the mask")
    ax.set_xlabel("month end")
    gso = (
        f", GSO exclusion {timeline.gso_exclusion_deg:g} deg" if timeline.gso_exclusion_deg else ""
    )
    ax.set_title(
        f"Coverage along the deployment forecast (as of {timeline.as_of:%Y-%m-%d}): design "
        f"{timeline.design}, {timeline.min_elevation_deg:g} deg mask{gso}"
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return ax
