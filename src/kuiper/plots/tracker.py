"""Pictures of the tracked fleet: phase counts and altitudes."""

from __future__ import annotations

import numpy as np

from ._base import PHASE_COLOURS, new_axes, plt


def plot_shells(history: dict, *, launched: list[int] | None = None, ax=None, title=None):
    """Stacked phase counts over time (``Fleet.phase_history`` output)."""
    ax = new_axes(ax)
    dates = np.array(history["date"], dtype="datetime64[D]")
    phases = [p for p in PHASE_COLOURS if p in history]
    ax.stackplot(
        dates,
        [history[p] for p in phases],
        labels=[p.replace("_", " ") for p in phases],
        colors=[PHASE_COLOURS[p] for p in phases],
        alpha=0.85,
        step="post",
    )
    if launched is not None:
        ax.step(dates, launched, where="post", color="black", lw=1.2, label="launched (log)")
    by_shell = {k: v for k, v in history.get("by_shell_on_station", {}).items() if any(v)}
    for shell, counts in by_shell.items() if len(by_shell) > 1 else ():
        if any(counts):
            ax.step(dates, counts, where="post", lw=1, ls="--", label=f"on station, {shell} km")
    ax.set_ylabel("satellites")
    ax.set_title(title or "Kuiper / Amazon Leo satellites by phase")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_altitude(series: list[dict], *, shells=(), ax=None, title=None):
    """Each satellite's mean altitude against time, coloured by launch."""
    ax = new_axes(ax, figsize=(11, 6))
    launches = sorted(
        {s["launch"]: s["launch_date_utc"] for s in series}.items(), key=lambda kv: kv[1]
    )
    cmap = plt.get_cmap("tab20", max(len(launches), 1))
    colour = {name: cmap(i) for i, (name, _) in enumerate(launches)}
    for s in series:
        ax.plot(s["epoch_utc"], s["altitude_km"], lw=0.6, alpha=0.6, color=colour[s["launch"]])
    for name, date in launches:
        ax.plot([], [], color=colour[name], lw=2, label=f"{name} ({date})")
    for shell in shells:
        ax.axhline(shell.altitude_km, color="black", lw=0.8, ls=":")
        ax.annotate(
            f"{shell.name} km / {shell.inclination_deg:g}°",
            (1.0, shell.altitude_km),
            xycoords=("axes fraction", "data"),
            ha="right",
            va="bottom",
            fontsize=8,
        )
    ax.set_ylabel("mean altitude (km)")
    ax.set_title(title or "Kuiper orbit raising: mean altitude by launch")
    ax.legend(loc="lower left", fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    return ax
