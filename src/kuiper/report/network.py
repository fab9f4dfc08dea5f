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
        "growth curve fills the FCC design shell by shell.",
    ]
    section.sources += [
        link("constellation.toml", label="constellation.toml: the FCC shells"),
        link("constellation.toml", "shell-0"),
    ]


def ground_section(ctx: Context, section: Section) -> None:
    """Latency and availability to AWS: gateways at AWS regions (A) or for coverage (B)."""
    from .. import plots
    from ..ground import estimate_ground

    s = ctx.settings
    result = estimate_ground(
        ctx.store,
        constellation="design",
        date=ctx.as_of,
        n_cities=s.ground_cities,
        duration_s=s.ground_duration_s,
        step_s=s.ground_step_s,
    )
    d = result.to_dict()
    section.data = {"ground": d}
    section.command = (
        f"kuiper ground --date {ctx.as_of_text} --cities {s.ground_cities} --duration "
        f"{s.ground_duration_s:g} --step {s.ground_step_s:g}"
    )
    section.figures.append(
        figure(
            plots.plot_ground_scenarios(d),
            "ground-scenarios",
            f"One-way latency from {len(d['users'])} cities to their nearest AWS region, full "
            f"Gen-1 design ({d['n_satellites']:,} satellites), {s.ground_duration_s / 3600:g} h.",
        )
    )
    rows = []
    for key, sc in d["scenarios"].items():
        lat = sc["latency_ms"]
        rows.append(
            [
                key,
                sc["description"],
                f"{sc['availability']:.1%}",
                *("-" if lat[q] is None else f"{lat[q]:.2f}" for q in ("p50", "p90", "p99")),
                len(sc["gateways"]),
            ]
        )
    section.tables.append(
        Table(
            f"Scenarios, design constellation from {d['date'][:10]}",
            [
                "",
                "scenario",
                "available (% of time)",
                "p50 (ms)",
                "p90 (ms)",
                "p99 (ms)",
                "gateways",
            ],
            rows,
            note=d["coordinates_note"],
        )
    )
    a, b = d["scenarios"]["A"], d["scenarios"]["B"]
    section.reading = [
        f"Putting gateways at AWS regions and Ground Stations (A) reaches users "
        f"{a['availability']:.1%} of the time with a median {a['latency_ms']['p50']} ms to AWS; "
        f"gateways placed for coverage with fibre to AWS (B) reach them {b['availability']:.1%} "
        f"of the time with a median {b['latency_ms']['p50']} ms. The ratio feeds the "
        f"valuation's AWS synergy as the 'AWS advantage' {d['aws_advantage']}.",
    ]
    section.sources += [
        link("ground.toml", label="ground.toml: masks and fibre model"),
        link("aws_regions.csv"),
        link("aws_ground_stations.csv"),
    ]
