"""Pictures of the forecast: cadence with the fan, and backtest scores."""

from __future__ import annotations

import numpy as np

from ._base import KuiperError, plt, two_rows

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
        :func:`kuiper.forecast.backtest.deployment_history` output (what had happened by the
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
    top, bottom = two_rows(axes, (11, 8.5), (1, 2.6))
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
    """Four panels of a :class:`kuiper.forecast.backtest.Backtest`.

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
