"""Report sections on the network: coverage (map, latitude, growth) and the ground segment."""

from __future__ import annotations

from .figures import figure
from .model import Context, Section, Table
from .sources import link


def coverage_section(ctx: Context, section: Section) -> None:
    """The real constellation's coverage map with coastlines, by latitude, and the design curve."""
    from .. import plots
    from ..coverage import coverage_curve, estimate_coverage

    s = ctx.settings
    result = estimate_coverage(
        "real",
        store=ctx.store,
        date=ctx.as_of,
        grid_deg=s.coverage_grid_deg,
        step_s=s.coverage_step_s,
        duration_s=s.coverage_duration_s,
    )
    d = result.to_dict(points=False)
    curve = coverage_curve(
        grid_deg=s.curve_grid_deg, step_s=s.curve_step_s, duration_s=s.coverage_duration_s
    )
    cd = curve.to_dict()
    section.data = {"coverage": d, "curve": cd}
    section.command = (
        f"kuiper coverage --constellation real --date {ctx.as_of_text} --grid-deg "
        f"{s.coverage_grid_deg:g} --step {s.coverage_step_s:g} --duration "
        f"{s.coverage_duration_s:g}"
    )
    hours = s.coverage_duration_s / 3600
    start = f"{result.constellation.date:%Y-%m-%d %H:%M} UTC"
    section.figures.append(
        figure(
            plots.plot_coverage_overview(result),
            "coverage-map",
            f"Share of time with at least {result.k} satellite above {result.min_elevation_deg:g} "
            f"deg, {d['n_satellites']:,} satellites on station, {hours:g} h from {start}; right: "
            "area-weighted by latitude band, with the worst point of each band "
            "(coastlines: Natural Earth 1:110m, shipped in the package).",
        )
    )
    section.figures.append(
        figure(
            plots.plot_coverage_growth(cd, real_n_satellites=d["n_satellites"]),
            "coverage-growth",
            f"Coverage as the design fills in the FCC deployment order ({s.curve_grid_deg:g} deg "
            f"grid, {s.curve_step_s:g} s steps, {hours:g} h).",
        )
    )
    _timeline_and_capacity(ctx, section, d["n_satellites"])
    pop = d["population_weighted"]
    section.tables.append(
        Table(
            f"Coverage of the real constellation from {start}",
            ["quantity", "value", "unit"],
            [
                ["satellites on station", f"{d['n_satellites']:,}", "satellites"],
                ["elevation mask", f"{d['min_elevation_deg']:g}", "deg"],
                ["window", f"{hours:g} h at {d['step_s']:g} s", "h, s"],
                ["covered, area-weighted (globe)", f"{d['global_area_weighted']:.1%}", "% of time"],
                [
                    "covered, population-weighted (cities)",
                    "-" if pop is None else f"{pop:.1%}",
                    "% of time",
                ],
                ["mean gap", f"{d['gaps']['mean_s']:,.0f}", "s"],
                ["longest gap", f"{d['gaps']['max_s']:,.0f}", "s"],
                [
                    "mean satellites in view",
                    d["visible_distribution"]["mean_area_weighted"],
                    "satellites",
                ],
            ],
        )
    )
    if d.get("cities"):
        section.tables.append(
            Table(
                f"Largest cities, the same window from {start}",
                ["city", "latitude (deg)", "population", "covered (% of time)", "longest gap (s)"],
                [
                    [
                        c["name"],
                        f"{c['lat_deg']:.1f}",
                        f"{c['population']:,}",
                        f"{c['fraction']:.0%}",
                        f"{c['max_gap_s']:,.0f}",
                    ]
                    for c in d["cities"][:10]
                ],
            )
        )
    section.facts.append(
        (f"{d['global_area_weighted']:.1%}", "of the globe's area-time covered today")
    )
    section.reading = [
        f"With the {d['n_satellites']:,} satellites on station on {ctx.as_of_text}, a user "
        f"with a clear view above {d['min_elevation_deg']:g} deg has a satellite overhead "
        f"{d['global_area_weighted']:.1%} of the time averaged over the globe"
        + ("" if pop is None else f" and {pop:.1%} averaged over the world's city dwellers")
        + ". All satellites so far are in the 51.9 deg shell, so coverage is best in the "
        "mid-latitudes and nil near the poles.",
        "The elevation mask (35 deg) is commonly quoted but unconfirmed for Kuiper; the "
        "growth curve fills the FCC design shell by shell, and the timeline maps the "
        "forecast's satellites on station onto it.",
        f"Capacity: the satellites on station today could serve "
        f"{_mid(section, 'capacity_now')} subscribers (P50), the full Gen-1 design "
        f"{_mid(section, 'capacity_full_gen1')}.",
    ]
    section.sources += [
        link("constellation.toml", label="constellation.toml: the FCC shells"),
        link("constellation.toml", "shell-0"),
    ]


def _mid(section: Section, key: str) -> str:
    return f"{section.data[key]['subscribers']['p50']:,.0f}"


def _timeline_and_capacity(ctx: Context, section: Section, n_now: int) -> None:
    """Coverage along the forecast, and serviceable subscribers by region now and at full Gen-1."""
    from .. import plots
    from ..coverage import coverage_timeline, estimate_capacity

    timeline = coverage_timeline(ctx.forecast())
    td = timeline.to_dict()
    section.figures.append(
        figure(
            plots.plot_coverage_timeline(timeline),
            "coverage-timeline",
            f"Coverage along the deployment forecast as of {ctx.as_of_text}: the forecast's "
            f"P10/P50/P90 satellites on station mapped onto the design ({td['method']}).",
        )
    )
    keys = list(td["area_weighted"])
    rows = []
    for k in range(0, len(td["month_end"]), 12):
        rows.append(
            [td["month_end"][k]]
            + [" / ".join(f"{int(td['on_station'][q][k]):,}" for q in keys)]
            + [
                " / ".join(f"{td[w][q][k]:.0%}" for q in keys)
                for w in ("area_weighted", "population_weighted")
            ]
        )
    section.tables.append(
        Table(
            f"Coverage along the forecast as of {ctx.as_of_text} "
            f"({' / '.join(k.upper() for k in keys)})",
            [
                "month end",
                "on station (satellites)",
                "area-weighted (% of time)",
                "population-weighted (% of time)",
            ],
            rows,
        )
    )
    now = estimate_capacity("real", store=ctx.store, date=ctx.as_of, seed=ctx.settings.seed)
    full = estimate_capacity("design", seed=ctx.settings.seed)
    nd, fd = now.to_dict(), full.to_dict()
    section.data.update(timeline=td, capacity_now=nd, capacity_full_gen1=fd)
    full_by = {r["region"]: r for r in fd["by_region"]}
    section.tables.append(
        Table(
            f"Serviceable subscribers by region: the {n_now:,} satellites on station on "
            f"{ctx.as_of_text}, and the full Gen-1 design ({fd['n_satellites']:,})",
            [
                "region",
                "now P10 / P50 / P90 (subscribers)",
                "full Gen-1 P50 (subscribers)",
                "demand, mid (subscribers)",
                "capacity-limited now",
            ],
            [
                [
                    r["region"],
                    " / ".join(f"{r['subscribers'][q]:,.0f}" for q in ("p10", "p50", "p90")),
                    f"{full_by[r['region']]['subscribers']['p50']:,.0f}"
                    if r["region"] in full_by
                    else "-",
                    f"{r['demand']:,.0f}",
                    "yes" if r["capacity_limited"] else "no",
                ]
                for r in nd["by_region"]
            ]
            + [
                [
                    "total",
                    " / ".join(f"{nd['subscribers'][q]:,.0f}" for q in ("p10", "p50", "p90")),
                    f"{fd['subscribers']['p50']:,.0f}",
                    "",
                    "",
                ]
            ],
            note=f"Profile {nd['profile']}, market access {nd['market_access']}, "
            f"{nd['min_elevation_deg']:g} deg mask; ranges from capacity.toml.",
        )
    )
    section.figures.append(
        figure(
            plots.plot_capacity_by_region(nd["by_region"], fd["by_region"]),
            "coverage-capacity",
            f"Serviceable subscribers by region (P10-P90 bars, P50 marks): now ({n_now:,} "
            f"satellites) and the full Gen-1 design, against the mid demand estimate.",
        )
    )
    section.sources += [link("capacity.toml", label="capacity.toml: capacity and demand ranges")]


def ground_section(ctx: Context, section: Section) -> None:
    """Availability, delay and RTT to AWS: scenarios A and B, with and without ISL."""
    from .. import plots
    from ..ground import estimate_ground

    s = ctx.settings
    result = estimate_ground(
        ctx.store,
        constellation="design",
        date=ctx.as_of,
        n_cities=s.ground_cities,
        isl=True,
        duration_s=s.ground_duration_s,
        step_s=s.ground_step_s,
    )
    d = result.to_dict()
    section.data = {"ground": d}
    section.command = (
        f"kuiper ground --isl --date {ctx.as_of_text} --cities {s.ground_cities} --duration "
        f"{s.ground_duration_s:g} --step {s.ground_step_s:g}"
    )
    modes = [("with ISL", d["scenarios"])]
    if d.get("without_isl"):
        modes.append(("bent pipe", d["without_isl"]))
    users = ", ".join(f"{n} {kind}" for kind, n in d["users_by_kind"].items())
    section.figures.append(
        figure(
            plots.plot_ground_scenarios(modes),
            "ground-scenarios",
            f"One-way delay from {len(d['users'])} users ({users}) to their nearest AWS region, "
            f"full Gen-1 design ({d['n_satellites']:,} satellites), "
            f"{s.ground_duration_s / 3600:g} h at {s.ground_step_s:g} s from {d['date'][:10]}.",
        )
    )
    rows = []
    for mode, scenarios in modes:
        for key, sc in scenarios.items():
            lat, rtt = sc["latency_ms"], sc["rtt_ms"]
            rows.append(
                [
                    f"{key}, {mode}",
                    sc["description"],
                    f"{sc['availability']:.1%}",
                    *("-" if lat[q] is None else f"{lat[q]:.1f}" for q in ("p50", "p90", "p99")),
                    "-" if rtt["p50"] is None else f"{rtt['p50']:.1f}",
                    "-" if sc["hops"]["mean"] is None else f"{sc['hops']['mean']:.1f}",
                    len(sc["gateways"]),
                ]
            )
    section.tables.append(
        Table(
            f"Scenarios, design constellation from {d['date'][:10]}",
            [
                "",
                "scenario",
                "available (% of user-time)",
                "one-way p50 (ms)",
                "p90 (ms)",
                "p99 (ms)",
                "RTT p50 (ms)",
                "mean ISL hops",
                "gateways",
            ],
            rows,
            note=d["coordinates_note"],
        )
    )
    chk = d["rtt_check"]
    section.tables.append(
        Table(
            "Round-trip check of scenario A against published Starlink medians",
            [
                "path",
                "modelled p50 (ms)",
                "published median (ms)",
                f"within {chk['tolerance']:.0%}",
            ],
            [
                [
                    name,
                    chk[key]["modelled_p50_ms"],
                    chk[key]["reference_median_ms"],
                    {True: "yes", False: "no", None: "-"}[chk[key]["within_tolerance"]],
                ]
                for key, name in (
                    ("access", "user to gateway (bent pipe)"),
                    ("server", "user to AWS"),
                )
            ],
            note=f"sources: {chk['sources']}",
        )
    )
    section.warnings += d.get("warnings", [])
    a, b = d["scenarios"]["A"], d["scenarios"]["B"]
    reading = (
        f"With inter-satellite links, gateways at AWS regions and Ground Stations (A) reach "
        f"users {a['availability']:.1%} of the time with a median one-way delay of "
        f"{a['latency_ms']['p50']} ms to AWS; gateways placed for coverage with fibre to AWS "
        f"(B) reach them {b['availability']:.1%} of the time at {b['latency_ms']['p50']} ms."
    )
    if d.get("without_isl"):
        a0, b0 = d["without_isl"]["A"], d["without_isl"]["B"]
        reading += (
            f" Without ISL (bent pipe) A reaches {a0['availability']:.1%} and B "
            f"{b0['availability']:.1%}: the links matter most where no gateway is in view."
        )
    section.reading = [reading]
    section.sources += [
        link("ground.toml", label="ground.toml: masks, ISL, fibre and RTT model"),
        link("aws_regions.csv"),
        link("aws_ground_stations.csv"),
        link("enterprise_sites.csv"),
    ]
