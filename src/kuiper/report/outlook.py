"""Report sections on the outlook: cadence and forecast, and the backtest of the forecast."""

from __future__ import annotations

from .figures import figure
from .model import Context, Section, Table
from .sources import link

METRIC_WORDS = {"launched": "launched", "in_orbit": "in orbit", "on_station": "on station"}


def _verdict(ms: dict) -> str:
    if ms["resolved"]:
        return f"{'met' if ms['probability'] else 'missed'} (observed {ms['observed']:,})"
    return f"{ms['probability']:.1%}"


def forecast_section(ctx: Context, section: Section) -> None:
    """Launches by vehicle, the fan chart, milestones, reach dates, per-vehicle launches."""
    from .. import plots
    from ..forecast.backtest import deployment_history

    fc = ctx.forecast()
    d = fc.to_dict()
    section.data = {"forecast": d}
    s = ctx.settings
    section.command = (
        f"kuiper forecast --as-of {ctx.as_of_text} --trials {s.trials} --seed {s.seed}; "
        f"kuiper plot cadence --as-of {ctx.as_of_text} --trials {s.trials}; "
        f"kuiper plot vehicles --as-of {ctx.as_of_text} --trials {s.trials}"
    )
    history = deployment_history(ctx.store, ctx.as_of)
    section.figures.append(
        figure(
            plots.plot_cadence(history, fc),
            "forecast-cadence",
            f"Production launches per month by vehicle (top) and satellites with the forecast "
            f"fan of satellites in orbit as of {ctx.as_of_text} (bottom; {fc.trials:,} trials).",
        )
    )
    section.tables.append(
        Table(
            f"Milestones: chance of reaching each target by its deadline (forecast as of "
            f"{ctx.as_of_text})",
            ["milestone", "target (satellites)", "counted as", "deadline (UTC)", "P(met)"],
            [
                [
                    ms["name"],
                    f"{ms['target']:,}",
                    METRIC_WORDS.get(ms["metric"], ms["metric"]),
                    ms["deadline"],
                    _verdict(ms),
                ]
                for ms in d["milestones"]
            ],
        )
    )
    section.tables.append(
        Table(
            "When each target is reached (dates, UTC; '-' = not by the forecast horizon)",
            ["target (satellites)", "counted as", "P5", "P50", "P95", "P(not by horizon)"],
            [
                [
                    f"{r['target']:,}",
                    METRIC_WORDS.get(r["metric"], r["metric"]),
                    r["p05"] or "-",
                    r["p50"] or "-",
                    r["p95"] or "-",
                    f"{r['p_not_by_horizon']:.1%}",
                ]
                for r in d["reach_date"]
            ],
        )
    )
    _vehicle_table(ctx, section, fc, d)
    flown = {v: sum(c) for v, c in history["launches"].items()}
    section.tables.append(
        Table(
            f"Production launches flown by vehicle to {ctx.as_of_text}",
            ["vehicle", "launches"],
            [[v, n] for v, n in flown.items()],
        )
    )
    m = d["monthly"]
    rows = []
    for k in range(0, len(m["date"]), 12):
        rows.append(
            [m["date"][k]]
            + [
                f"{m[x]['p05'][k]:,} / {m[x]['p50'][k]:,} / {m[x]['p95'][k]:,}"
                for x in METRIC_WORDS
            ]
        )
    section.tables.append(
        Table(
            f"Satellites at month ends, P5 / P50 / P95 (satellites; forecast as of "
            f"{ctx.as_of_text})",
            ["month end"] + list(METRIC_WORDS.values()),
            rows,
        )
    )
    open_ms = [ms for ms in d["milestones"] if not ms["resolved"]]
    first = open_ms[0] if open_ms else None
    reading = [
        f"As of {ctx.as_of_text}, the Monte Carlo over the launch manifest (contracts, "
        "cadence learned from flights, slips, failures and groundings, re-flights and "
        "purchases, satellite supply, orbit raising) puts "
        f"{fc.initial[1]:,} satellites in orbit today at "
        f"{m['in_orbit']['p50'][min(12, len(m['date']) - 1)]:,} (median) a year on."
    ]
    if first:
        reading.append(
            f"The next open milestone, {first['name']} ({first['target']:,} "
            f"{METRIC_WORDS.get(first['metric'], first['metric'])} by {first['deadline']}), "
            f"is met in {first['probability']:.1%} of trials."
        )
    section.reading = reading
    if first:
        section.facts.append(
            (f"{first['probability']:.1%}", f"P({first['name']} by {first['deadline']})")
        )
    half = next((r for r in d["reach_date"] if r["metric"] == "in_orbit"), None)
    if half:
        section.facts.append(
            (half["p50"] or "after horizon", f"median date of {half['target']:,} in orbit")
        )
    section.sources += [
        link("forecast.toml", label="forecast.toml: every forecast assumption"),
        link("forecast.toml", "model.plan_ratio_median_new"),
        link("forecast.toml", "model.slip_fraction_of_lead"),
        link("forecast.toml", "model.grounding_median_days"),
        link("launches.toml", label="launches.toml: launches flown"),
        link("constellation.toml", "authorization.gen2_total"),
    ]


def _vehicle_table(ctx: Context, section: Section, fc, d: dict) -> None:
    """Which vehicle drives the forecast: deliveries by deadline, first flights."""
    from .. import plots

    vehicles = d["vehicles"]
    if not vehicles or not vehicles[0]["delivered"]:
        return
    p = d["purchases"]
    if p["vehicle"] and p["goal_satellites"]:
        how = (
            f"with purchases: {p['launches_bought']} {p['vehicle']} launches bought on "
            f"{p['decision_date']} against a projected {p['projected_satellites']:,} in orbit "
            f"by {p['goal_deadline']} (goal {p['goal_satellites']:,}); lost payloads re-flown"
        )
    else:
        how = p["mode"]
    deadlines = [r["deadline"] for r in vehicles[0]["delivered"]]
    rows = []
    for v in vehicles:
        f = v["first_kuiper_flight"]
        first = (
            f"flown {f['observed']}"
            if "observed" in f
            else " / ".join(f[k] or "-" for k in ("p05", "p50", "p95"))
        )
        rows.append(
            [v["name"], v["contracted"], first]
            + [f"{r['p05']:,} / {r['p50']:,} / {r['p95']:,}" for r in v["delivered"]]
        )
    section.tables.append(
        Table(
            f"By vehicle ({how}): launches under contract, first Kuiper flight (P5 / P50 / "
            "P95), and satellites delivered by each deadline (P5 / P50 / P95, flown included)",
            ["vehicle", "under contract", "first Kuiper flight"] + [f"by {x}" for x in deadlines],
            rows,
        )
    )
    section.figures.append(
        figure(
            plots.plot_vehicles(fc),
            "forecast-vehicles",
            f"Satellites delivered by each vehicle by each FCC deadline, and first Kuiper "
            f"flights (forecast as of {ctx.as_of_text}; {how}).",
        )
    )


def backtest_section(ctx: Context, section: Section) -> None:
    """Calibration of the forecast: interval coverage, CRPS and Brier over past origins."""
    from .. import plots
    from ..forecast.backtest import backtest

    s = ctx.settings
    result = backtest(ctx.store, trials=s.backtest_trials, seed=s.seed)
    d = result.to_dict()
    section.data = {"backtest": d}
    section.command = (
        f"kuiper backtest --trials {s.backtest_trials} --seed {s.seed} -o backtest.svg"
    )
    section.figures.append(
        figure(
            plots.plot_backtest(result),
            "backtest",
            f"Forecasts from {len(result.origins)} origins scored against the element history "
            f"through {result.data_through:%Y-%m-%d} ({result.trials:,} trials each).",
        )
    )
    sm = d["summary"]

    def pct(x):
        return "-" if x is None else f"{x:.0%}"

    def num(x, fmt=".1f"):
        return "-" if x is None else format(x, fmt)

    section.tables.append(
        Table(
            f"Calibration over all origins ({result.origins[0]['as_of'][:10]} to "
            f"{result.origins[-1]['as_of'][:10]}), scored through {result.data_through:%Y-%m-%d}",
            ["score", "value", "ideal"],
            [
                ["realized counts inside the central 50% interval", pct(sm["coverage50"]), "50%"],
                ["realized counts inside the central 90% interval", pct(sm["coverage90"]), "90%"],
                ["CRPS, launched (satellites)", num(sm["crps"]["launched"]), "0"],
                ["CRPS, in orbit (satellites)", num(sm["crps"]["in_orbit"]), "0"],
                ["CRPS, on station (satellites)", num(sm["crps"]["on_station"]), "0"],
                ["Brier score of the targets", num(sm["brier"], ".3f"), "0 (0.25 = coin flip)"],
            ],
        )
    )
    section.tables.append(
        Table(
            "Targets scored (realized count on the deadline, satellites)",
            ["target", "satellites", "counted as", "deadline", "outcome", "mean P", "Brier"],
            [
                [
                    ms["name"],
                    f"{ms['target']:,}",
                    METRIC_WORDS.get(ms["metric"], ms["metric"]),
                    ms["deadline"],
                    f"{'met' if ms['outcome'] else 'missed'} ({ms['observed']:,})",
                    num(ms["mean_probability"], ".2f"),
                    num(ms["brier"], ".3f"),
                ]
                for ms in d["milestones"]
            ],
        )
    )
    refs = _reference_table(section, s)
    section.reading = [
        f"Forecasts made as of {len(result.origins)} past dates, each using only what was "
        "known then, are compared with what the tracker later saw at every month end. "
        f"{pct(sm['coverage90'])} of realized counts fell inside the 90% interval and "
        f"{pct(sm['coverage50'])} inside the 50% interval (ideal: 90% and 50%); the Brier "
        f"score of the dated targets is {num(sm['brier'], '.3f')}.",
        f"Run with {result.trials:,} trials per origin; `kuiper report --full-backtest` "
        "uses the command's default.",
    ]
    if refs:
        section.reading.append(
            "The same model, run on other constellations' histories from their launch logs "
            "and dated manifests (reference classes, up to 36 months ahead): "
            + "; ".join(refs)
            + "."
        )
    section.sources += [link("forecast.toml", label="forecast.toml: the model scored")]


def _reference_table(section: Section, s) -> list[str]:
    """Coverage of the reference-class backtests (OneWeb, Iridium NEXT) by horizon bucket."""
    from ..forecast.reference import load_reference, reference_names
    from ..forecast.reference_backtest import reference_backtest

    rows, words = [], []
    for name in reference_names():
        d = reference_backtest(load_reference(name), trials=s.backtest_trials, seed=s.seed)
        d = d.to_dict()
        buckets = {b["horizon_months"]: b for b in d["by_bucket"]}
        for label, b in buckets.items():
            rows.append(
                [
                    d["reference"]["name"],
                    label,
                    b["n"],
                    f"{b['coverage90']:.0%}",
                    f"{b['coverage50']:.0%}",
                ]
            )
        long = buckets.get("12-36")
        if long:
            words.append(
                f"{d['reference']['name']} at 12-36 months, 90% intervals hold "
                f"{long['coverage90']:.0%} and 50% intervals {long['coverage50']:.0%}"
            )
    if rows:
        section.tables.append(
            Table(
                "Reference-class backtests: satellites launched inside the central 90% and "
                f"50% intervals, by horizon (months; {s.backtest_trials:,} trials per origin; "
                "`kuiper backtest --reference NAME`)",
                ["constellation", "months ahead", "scores", "inside 90%", "inside 50%"],
                rows,
            )
        )
    return words
