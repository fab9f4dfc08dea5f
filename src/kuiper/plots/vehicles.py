"""Which vehicle drives the forecast: deliveries by deadline and first flights."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ._base import KuiperError, two_rows
from .forecast import VEHICLE_COLOURS


def plot_vehicles(forecast, *, axes=None):
    """Two panels from a :class:`kuiper.forecast.Forecast`.

    Upper: satellites each vehicle has delivered by each future milestone deadline
    (bars at the P50, whiskers P5-P95, counting those flown already). Lower: each
    vehicle's first Kuiper flight, observed (a dot) or forecast (P5-P95 line, P50 dot,
    with the chance it comes by the horizon). Returns the two Axes.
    """
    vehicles = forecast.vehicles
    if not vehicles:
        raise KuiperError("the forecast has no per-vehicle output")
    deadlines = [(r["milestone"], r["deadline"]) for r in vehicles[0]["delivered"]]
    if not deadlines:
        raise KuiperError("no milestone deadline lies after the as-of date")
    top, bottom = two_rows(axes, (10, 7.5), (3, 2))
    names = [v["name"] for v in vehicles]
    width = 0.8 / len(deadlines)
    x = np.arange(len(vehicles))
    shades = np.linspace(0.35, 1.0, len(deadlines))
    for j in range(len(deadlines)):
        p50 = np.array([v["delivered"][j]["p50"] for v in vehicles])
        lo = p50 - np.array([v["delivered"][j]["p05"] for v in vehicles])
        hi = np.array([v["delivered"][j]["p95"] for v in vehicles]) - p50
        colours = [VEHICLE_COLOURS.get(n, "#777777") for n in names]
        top.bar(
            x + (j - (len(deadlines) - 1) / 2) * width,
            p50,
            width,
            color=colours,
            alpha=float(shades[j]),
            yerr=[lo, hi],
            capsize=2,
            edgecolor="black",
            linewidth=0.3,
        )
    top.set_xticks(
        x,
        [f"{n}\n({v['contracted']} under contract)" for n, v in zip(names, vehicles, strict=True)],
    )
    top.set_ylabel("satellites delivered (P50, P5-P95)")
    mode = forecast.purchases.get("mode", "")
    top.set_title(
        f"Deliveries by vehicle, as of {forecast.as_of:%Y-%m-%d} ({mode}; "
        f"{forecast.trials:,} trials)"
    )
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor="#555555", alpha=float(a), edgecolor="black", label=f"by {d} ({n})")
        for a, (n, d) in zip(shades, deadlines, strict=True)
    ]
    top.legend(handles=handles, fontsize=8, loc="upper left", title="bar shade: deadline")
    top.grid(axis="y", alpha=0.3)

    for i, v in enumerate(vehicles):
        first = v["first_kuiper_flight"]
        colour = VEHICLE_COLOURS.get(v["name"], "#777777")
        if "observed" in first:
            day = dt.date.fromisoformat(first["observed"])
            bottom.plot([day], [i], "o", color=colour)
            bottom.annotate(f" flown {first['observed']}", (day, i), va="center", fontsize=8)
            continue
        if first["p50"] is None:
            bottom.annotate(
                f"  not by the horizon in {1 - first['p_by_horizon']:.0%} of trials",
                (forecast.as_of.date(), i),
                va="center",
                fontsize=8,
            )
            continue
        lo = dt.date.fromisoformat(first["p05"])
        mid = dt.date.fromisoformat(first["p50"])
        hi = dt.date.fromisoformat(first["p95"]) if first["p95"] else forecast.month_end[-1]
        bottom.plot([lo, hi], [i, i], "-", color=colour, linewidth=3, alpha=0.6)
        bottom.plot([mid], [i], "o", color=colour)
        bottom.annotate(
            f"P50 {first['p50']} (by the horizon: {first['p_by_horizon']:.0%})",
            (mid, i),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    bottom.axvline(forecast.as_of.date(), color="black", linewidth=0.8, linestyle=":")
    bottom.set_yticks(range(len(vehicles)), names)
    bottom.invert_yaxis()
    bottom.set_title("First Kuiper flight: observed, or forecast P5-P95 with the P50")
    bottom.grid(axis="x", alpha=0.3)
    return [top, bottom]
