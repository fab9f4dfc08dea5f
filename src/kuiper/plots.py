"""Every picture kuiper draws. The only module that imports matplotlib.

Each function takes ``ax=None`` (a new figure when None) and returns the Axes;
:func:`save` writes PNG or SVG through the Agg backend.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .errors import KuiperError  # noqa: E402

__all__ = [
    "plot_shells",
    "plot_altitude",
    "plot_cadence",
    "plot_backtest",
    "plot_tornado",
    "plot_coverage",
    "save",
]

PHASE_COLOURS = {
    "raising": "#4c72b0",
    "on_station": "#55a868",
    "drifting": "#dd8452",
    "deorbiting": "#c44e52",
    "decayed": "#8c8c8c",
}


def _axes(ax, figsize=(10, 5.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_shells(history: dict, *, launched: list[int] | None = None, ax=None, title=None):
    """Stacked phase counts over time (``Fleet.phase_history`` output)."""
    ax = _axes(ax)
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
    ax = _axes(ax, figsize=(11, 6))
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


def save(ax, path: str | Path, dpi: int = 130) -> Path:
    """Write the figure holding ``ax`` to a .png or .svg file and close it."""
    p = Path(path)
    if p.suffix.lower() not in (".png", ".svg"):
        raise KuiperError(f"{p}: output must end in .png or .svg")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        ax.figure.savefig(p, dpi=dpi)
    except OSError as exc:
        raise KuiperError(f"{p}: cannot write ({exc.strerror})") from None
    finally:
        plt.close(ax.figure)
    return p


# ---------------------------------------------------------------------------
# Forecasts: cadence and fan, backtest scores

METRIC_COLOURS = {"launched": "#222222", "in_orbit": "#4c72b0", "on_station": "#55a868"}
METRIC_LABELS = {"launched": "launched", "in_orbit": "in orbit", "on_station": "on station"}
VEHICLE_COLOURS = {
    "Atlas V 551": "#4c72b0",
    "Falcon 9": "#8c8c8c",
    "Ariane 64": "#dd8452",
    "Vulcan": "#c44e52",
    "New Glenn": "#8172b3",
}
_METRICS = ("launched", "in_orbit", "on_station")


def _two_rows(axes, figsize, height_ratios):
    if axes is None:
        fig, axes = plt.subplots(
            2, 1, figsize=figsize, layout="constrained", height_ratios=height_ratios
        )
    return list(axes)


def _realized_and_fan(ax, history, forecast, metric, until, *, labels=True):
    """Realized counts to the as-of date and the forecast fan of ``metric`` after it."""
    as_of = forecast.as_of.date()
    lab = (lambda text: text) if labels else (lambda text: None)
    log_dates = np.array(history["launch_date"] + [as_of], dtype="datetime64[D]")
    log_counts = history["launched_log"] + history["launched_log"][-1:]
    ax.step(
        log_dates,
        log_counts,
        where="post",
        color=METRIC_COLOURS["launched"],
        lw=1.4,
        label=lab("launched (launch log)"),
    )
    dates = np.array(history["date"], dtype="datetime64[D]")
    for m in ("in_orbit", "on_station"):
        ax.plot(
            dates,
            history[m],
            color=METRIC_COLOURS[m],
            lw=1.6,
            label=lab(f"{METRIC_LABELS[m]} (tracker)"),
        )
    keep = [k for k, d in enumerate(forecast.month_end) if d <= until]
    x = np.array([as_of] + [forecast.month_end[k] for k in keep], dtype="datetime64[D]")
    start = forecast.initial[_METRICS.index(metric)]
    q = {
        p: np.array([start] + [forecast.monthly[metric][p][k] for k in keep])
        for p in ("p05", "p25", "p50", "p75", "p95")
    }
    colour = METRIC_COLOURS[metric]
    name = METRIC_LABELS[metric]
    ax.fill_between(
        x, q["p05"], q["p95"], color=colour, alpha=0.15, lw=0, label=lab(f"{name}: P5-P95")
    )
    ax.fill_between(x, q["p25"], q["p75"], color=colour, alpha=0.3, lw=0, label=lab("P25-P75"))
    ax.plot(x, q["p50"], color=colour, lw=1.4, ls="--", label=lab("median"))
    ax.axvline(np.datetime64(as_of), color="#666666", lw=0.8, ls=":")
    return q


def plot_cadence(history: dict, forecast, *, metric="in_orbit", until=None, axes=None):
    """Launches per month by vehicle, and satellites against time with the forecast fan.

    Parameters
    ----------
    history : dict
        :func:`kuiper.backtest.deployment_history` output (what had happened by the
        forecast's as-of date).
    forecast : kuiper.forecast.Forecast
        Its monthly quantiles of ``metric`` draw the fan (P5-P95, P25-P75, median) and
        its milestones (those due by ``until``) the target lines.
    until : datetime.date, optional
        Right edge of the lower panel; default five months after the last milestone
        due within 4.5 years of the as-of date, else four years after it. An inset
        shows the realized counts and the next twelve months.
    axes : pair of Axes, optional
        Upper (launches) and lower (satellites) panels; default a new figure.

    Returns
    -------
    list of Axes
        ``[launches, satellites]``.
    """
    import datetime as dt

    import matplotlib.dates as mdates

    if metric not in _METRICS:
        raise KuiperError(f"metric {metric!r} is not one of {', '.join(_METRICS)}")
    top, bottom = _two_rows(axes, (11, 8.5), (1, 2.6))
    as_of = forecast.as_of.date()
    if until is None:
        window = as_of + dt.timedelta(days=int(4.5 * 366))
        soon = [
            dt.date.fromisoformat(ms["deadline"])
            for ms in forecast.milestones
            if dt.date.fromisoformat(ms["deadline"]) <= window
        ]
        until = (max(soon) if soon else as_of + dt.timedelta(days=4 * 366)) + dt.timedelta(days=150)
    start = np.datetime64(history["month"][0])

    # Launches per month, stacked by vehicle, satellites written above each month.
    months = np.array(history["month"], dtype="datetime64[D]")
    centre = months + np.timedelta64(14, "D")
    base = np.zeros(len(months))
    for vehicle, counts in history["launches"].items():
        top.bar(
            centre,
            counts,
            width=24,
            bottom=base,
            color=VEHICLE_COLOURS.get(vehicle, "#937860"),
            label=vehicle,
            edgecolor="white",
            linewidth=0.5,
        )
        base += np.asarray(counts)
    for x, n, sats in zip(centre, base, history["satellites"], strict=True):
        if sats:
            top.annotate(
                f"{sats} sats", (x, n), ha="center", va="bottom", fontsize=7, color="#444444"
            )
    top.set_ylim(0, max(base.max(), 1) * 1.35 + 0.2)
    right = max(np.datetime64(as_of) + np.timedelta64(20, "D"), start + np.timedelta64(180, "D"))
    top.set_xlim(start - np.timedelta64(10, "D"), right)
    top.yaxis.get_major_locator().set_params(integer=True)
    top.set_ylabel("launches per month")
    top.set_title(
        f"Kuiper / Amazon Leo production launches by vehicle, to {as_of} "
        f"({sum(history['satellites']):,} satellites in {int(base.sum())} "
        f"launch{'' if base.sum() == 1 else 'es'})",
        fontsize=10,
    )
    top.legend(loc="upper left", fontsize=8, ncol=len(history["launches"]))
    top.grid(axis="y", alpha=0.3)

    # Satellites: realized, the fan, and the milestones due by `until`.
    _realized_and_fan(bottom, history, forecast, metric, until)
    name = METRIC_LABELS[metric]
    top_target = 0
    for ms in forecast.milestones:
        deadline = dt.date.fromisoformat(ms["deadline"])
        if deadline > until:
            continue
        d = np.datetime64(deadline)
        top_target = max(top_target, ms["target"])
        bottom.hlines(ms["target"], start, d, color="#c44e52", lw=1, ls=(0, (4, 3)))
        bottom.plot([d], [ms["target"]], marker="D", ms=6, color="#c44e52")
        if ms["resolved"]:
            observed = f"{ms['observed']:,} {METRIC_LABELS[ms['metric']]}"
            verdict = f"{'met' if ms['probability'] else 'missed'}: {observed}"
        else:
            verdict = f"P(met) {ms['probability']:.1%}"
        right_half = deadline - history["month"][0] > (until - history["month"][0]) / 2
        bottom.annotate(
            f"{ms['name']}: {ms['target']:,} {METRIC_LABELS[ms['metric']]} "
            f"by {ms['deadline']}\n{verdict}",
            (d, ms["target"]),
            xytext=(-8, 5) if right_half else (6, -4),
            textcoords="offset points",
            ha="right" if right_half else "left",
            va="bottom" if right_half else "top",
            fontsize=8,
            color="#c44e52",
        )
    bottom.annotate(
        f" as of {as_of}",
        (np.datetime64(as_of), 0.0),
        xycoords=("data", "axes fraction"),
        xytext=(2, 4),
        textcoords="offset points",
        va="bottom",
        fontsize=8,
        color="#444444",
    )
    bottom.set_xlim(start - np.timedelta64(10, "D"), np.datetime64(until))
    bottom.set_ylim(0, max(top_target * 1.12, bottom.get_ylim()[1]))
    bottom.set_ylabel("satellites")
    bottom.set_title(
        f"Satellites: realized, and the forecast of satellites {name} as of {as_of} "
        f"({forecast.trials:,} trials)",
        fontsize=10,
    )
    bottom.legend(loc="center right", fontsize=8)
    bottom.grid(alpha=0.3)

    # The near term, enlarged: first launch to a year after the as-of date.
    inset = bottom.inset_axes([0.06, 0.5, 0.36, 0.42])
    soon_end = as_of + dt.timedelta(days=365)
    q = _realized_and_fan(inset, history, forecast, metric, soon_end, labels=False)
    inset.set_xlim(start, np.datetime64(soon_end))
    inset.set_ylim(0, max(q["p95"].max(), max(history["launched_log"])) * 1.08)
    inset.set_title("first launch to a year ahead", fontsize=8)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    inset.xaxis.set_major_locator(locator)
    inset.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    inset.tick_params(labelsize=7)
    inset.grid(alpha=0.3)
    return [top, bottom]


def plot_backtest(result, *, metric="in_orbit", date=None, axes=None):
    """Four panels of a :class:`kuiper.backtest.Backtest`.

    (a) the forecasts of ``metric`` on ``date`` (default: the month end of the first
    target's deadline, else the last month end scored) from each origin, against the
    realized count; (b) 50% and 90% interval coverage by origin, against the nominal
    rates; (c) mean CRPS by origin and metric; (d) each target's forecast probability
    by origin, solid where the target was met and dashed where it was missed.

    Returns
    -------
    list of Axes
        The four panels in that order; ``axes`` (four Axes) draws into existing ones.
    """
    import datetime as dt

    from matplotlib.ticker import PercentFormatter

    if metric not in _METRICS:
        raise KuiperError(f"metric {metric!r} is not one of {', '.join(_METRICS)}")
    if axes is None:
        _, grid = plt.subplots(2, 2, figsize=(14, 9), layout="constrained")
        axes = grid.ravel()
    a, b, c, d = list(axes)
    origins = np.array([o["as_of"][:10] for o in result.origins], dtype="datetime64[D]")
    month_ends = sorted({s["date"] for o in result.origins for s in o["scores"]})
    if date is None:
        first = result.milestones[0]["deadline"] if result.milestones else None
        date = next((m for m in month_ends if first and m >= first), month_ends[-1])
    date = date.isoformat() if isinstance(date, dt.date) else str(date)

    # (a) Forecasts of one month end from each origin.
    rows = [
        (t, s)
        for t, o in zip(origins, result.origins, strict=True)
        for s in o["scores"]
        if s["date"] == date and s["metric"] == metric
    ]
    if not rows:
        raise KuiperError(f"no forecast of {metric} on {date} in this backtest")
    colour = METRIC_COLOURS[metric]
    t = np.array([r[0] for r in rows])
    q = {p: np.array([r[1][p] for r in rows]) for p in ("p05", "p25", "p50", "p75", "p95")}
    a.vlines(t, q["p05"], q["p95"], color=colour, lw=1.5, alpha=0.45, label="P5-P95")
    a.vlines(t, q["p25"], q["p75"], color=colour, lw=5, alpha=0.8, label="P25-P75")
    a.plot(t, q["p50"], "o", color="white", mec=colour, ms=4, label="median")
    observed = rows[0][1]["observed"]
    a.axhline(observed, color="#c44e52", lw=1.2, ls="--", label=f"realized: {observed:,}")
    a.set_title(
        f"(a) Forecasts of satellites {METRIC_LABELS[metric]} on {date}, by origin", fontsize=10
    )
    a.set_ylabel("satellites")
    a.legend(loc="upper left", fontsize=8)

    # (b) Coverage.
    s = result.summary
    for level, nominal, style, col in (
        ("coverage50", 0.5, "o-", "#4c72b0"),
        ("coverage90", 0.9, "s-", "#dd8452"),
    ):
        b.plot(
            origins,
            [o[level] for o in result.origins],
            style,
            ms=4,
            lw=1,
            color=col,
            label=f"{nominal:.0%} interval (all origins: {s[level]:.0%})",
        )
        b.axhline(nominal, color=col, lw=1, ls=":")
    b.set_title(
        "(b) Share of realized month-end counts (3 metrics) inside the central intervals",
        fontsize=10,
    )
    b.set_ylim(-0.03, 1.03)
    b.yaxis.set_major_formatter(PercentFormatter(1.0))
    b.legend(loc="lower left", fontsize=8)

    # (c) CRPS.
    for m in _METRICS:
        c.plot(
            origins,
            [o["crps"][m] for o in result.origins],
            "o-",
            ms=3,
            lw=1,
            color=METRIC_COLOURS[m],
            label=f"{METRIC_LABELS[m]} (all: {s['crps'][m]:.1f})",
        )
    c.set_title("(c) CRPS, mean over the month ends after each origin", fontsize=10)
    c.set_ylabel("satellites")
    c.set_ylim(0, None)
    c.legend(loc="upper left", fontsize=8)

    # (d) Target probabilities.
    cmap = plt.get_cmap("tab10")
    for k, ms in enumerate(result.milestones):
        pts = [
            (t, r["probability"])
            for t, o in zip(origins, result.origins, strict=True)
            for r in o["milestones"]
            if r["name"] == ms["name"]
        ]
        if pts:
            d.plot(
                [p[0] for p in pts],
                [p[1] for p in pts],
                "-" if ms["outcome"] else "--",
                marker=".",
                lw=1.2,
                color=cmap(k % 10),
                label=f"{ms['name']} ({'met' if ms['outcome'] else 'missed'})",
            )
    brier = "-" if s["brier"] is None else f"{s['brier']:.3f}"
    d.set_title(
        f"(d) Forecast probability of each target, by origin (Brier {brier}; "
        "solid = met, dashed = missed)",
        fontsize=10,
    )
    d.set_ylim(-0.03, 1.03)
    d.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7)
    for ax in (a, b, c, d):
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", labelsize=8)
    a.figure.suptitle(
        f"Backtest of the deployment forecast: {len(result.origins)} origins, scored "
        f"against the element history through {result.data_through:%Y-%m-%d} "
        f"({result.trials:,} trials each)",
        fontsize=11,
    )
    return [a, b, c, d]


def plot_tornado(result: dict, *, ax=None, top: int = 12, title=None):
    """Tornado of ``kuiper.valuation.tornado`` output: total (mean) and static NPV swings."""
    ax = _axes(ax, figsize=(10, 6.5))
    rows = result["rows"][:top][::-1]
    scale = 1e9
    base_total = result["base"]["mean"] / scale
    base_static = result["base"]["static_mean"] / scale
    y = np.arange(len(rows))
    for i, r in enumerate(rows):
        lo, hi = r["mean_low"] / scale, r["mean_high"] / scale
        ax.barh(i + 0.2, hi - base_total, left=base_total, height=0.35, color="#4c72b0")
        ax.barh(i + 0.2, lo - base_total, left=base_total, height=0.35, color="#c44e52")
        slo, shi = r["static_mean_low"] / scale, r["static_mean_high"] / scale
        ax.barh(
            i - 0.2, shi - base_static, left=base_static, height=0.35, color="#4c72b0", alpha=0.45
        )
        ax.barh(
            i - 0.2, slo - base_static, left=base_static, height=0.35, color="#c44e52", alpha=0.45
        )
    ax.set_yticks(y, [f"{r['name']} ({r['low']:g} / {r['high']:g})" for r in rows], fontsize=8)
    ax.axvline(base_total, color="black", lw=0.8)
    ax.axvline(base_static, color="grey", lw=0.8, ls="--")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(color="#4c72b0", label="assumption at high"),
        Patch(color="#c44e52", label="assumption at low"),
        Line2D([], [], color="black", lw=0.8, label=f"total (dark), base mean {base_total:.2f}"),
        Line2D(
            [],
            [],
            color="grey",
            lw=0.8,
            ls="--",
            label=f"static NPV (pale), base mean {base_static:.2f}",
        ),
    ]
    ax.set_xlabel("USD billions")
    ax.set_title(
        title
        or f"Kuiper / Leo value sensitivity as of {result['as_of'][:10]} "
        f"({result['trials']:,} trials)"
    )
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    return ax


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
