"""Report sections on the tracked fleet: status by shell and phase, and orbit raising."""

from __future__ import annotations

from .figures import figure
from .model import Context, Section, Table
from .sources import link


def status_section(ctx: Context, section: Section) -> None:
    """Counts by shell and phase, totals, data age, provisional launches; phase history."""
    from .. import plots
    from ..tracker import PHASES, data_age_days, data_age_note, fleet_history, fleet_status

    result = fleet_status(ctx.store, ctx.as_of)
    d = result.to_dict()
    section.data = {"status": d}
    section.command = f"kuiper status --as-of {ctx.as_of_text}"
    rows = []
    for row in d["by_shell"]:
        label = (
            f"{row['shell']} km / {row['inclination_deg']:g} deg"
            if row.get("altitude_km")
            else str(row["shell"])
        )
        rows.append([label] + [row["phases"][p] for p in PHASES])
    section.tables.append(
        Table(
            f"Satellites by shell and phase on {ctx.as_of_text} (satellites)",
            ["shell (altitude / inclination)"] + [p.replace("_", " ") for p in PHASES],
            rows,
        )
    )
    t, a = d["totals"], d["authorization"]
    section.tables.append(
        Table(
            f"Totals on {ctx.as_of_text}",
            ["quantity", "value", "unit"],
            [
                ["launched", t["launched"], "satellites"],
                ["in orbit (launched less decayed)", t["in_orbit"], "satellites"],
                ["on station", t["on_station"], "satellites"],
                ["decayed", t["decayed"], "satellites"],
                ["Gen-1 authorized", a["gen1_total"], "satellites"],
                ["on station / Gen-1 authorized", f"{a['fraction_on_station']:.1%}", "%"],
                [f"half of Gen-1 due {a['half_deadline_utc']}", a["half_target"], "satellites"],
                [f"all of Gen-1 due {a['full_deadline_utc']}", a["gen1_total"], "satellites"],
            ],
        )
    )
    through = result.data_through
    store_newest = ctx.store.data_through()
    age_rows = [["report date (--as-of)", f"{ctx.as_of:%Y-%m-%d %H:%M} UTC", ""]]
    if through is not None:
        age_rows += [
            ["newest element set on or before it", f"{through:%Y-%m-%d %H:%M} UTC", ""],
            ["data age at the report date", f"{data_age_days(through, ctx.as_of):,.2f}", "days"],
        ]
    if store_newest is not None:
        age_rows += [
            ["newest element set in the store", f"{store_newest:%Y-%m-%d %H:%M} UTC", ""],
            [
                f"its age when this page was written ({ctx.generated_utc:%Y-%m-%d %H:%M} UTC)",
                f"{data_age_days(store_newest, ctx.generated_utc):,.2f}",
                "days",
            ],
        ]
    section.tables.append(
        Table("Data age", ["what", "value", "unit"], age_rows, note=data_age_note(store_newest))
    )
    section.data["data_age_days"] = data_age_days(store_newest, ctx.generated_utc)
    prov = d["provisional_launches"]
    section.tables.append(
        Table(
            "Provisional launches: Kuiper objects tracked from launches missing from the log",
            ["mission", "date (UTC)", "vehicle", "satellites", "how it was inferred"],
            [
                [p["mission"], p["launch_date_utc"], p["vehicle"], p["satellites"], p["source"]]
                for p in prov
            ],
            note=""
            if prov
            else "none: every tracked Kuiper launch is in the launch log "
            "(counted, when present, as launched; see 'kuiper launches')",
        )
    )
    section.warnings += d.get("warnings", [])

    history = fleet_history(ctx.store, ctx.as_of)
    ax = plots.plot_shells(history, launched=history["launched"])
    section.figures.append(
        figure(ax, "status-shells", f"Satellites by phase, weekly, to {ctx.as_of_text}.")
    )
    section.facts = [
        (f"{t['launched']:,}", f"satellites launched by {ctx.as_of_text}"),
        (
            f"{t['on_station']:,}",
            f"on station ({a['fraction_on_station']:.1%} of the {a['gen1_total']:,} Gen-1)",
        ),
    ]
    section.reading = [
        f"On {ctx.as_of_text}, {t['launched']:,} Kuiper / Amazon Leo satellites had been "
        f"launched; {t['in_orbit']:,} are in orbit and {t['on_station']:,} on station, "
        f"{a['fraction_on_station']:.1%} of the {a['gen1_total']:,} Gen-1 satellites the FCC "
        f"authorized (half were due {a['half_deadline_utc']}, all by {a['full_deadline_utc']}).",
        "Phases come from each satellite's element-set history: raising from the insertion "
        "orbit, on station within the shell's tolerance, drifting (anomalous), deorbiting "
        "and decayed; the thresholds and their derivation are in tracker.toml.",
    ]
    section.sources += [
        link("tracker.toml", label="tracker.toml: phase thresholds"),
        link("constellation.toml", "authorization.gen1_total"),
        link("constellation.toml", "authorization.half_deadline_utc"),
        link("constellation.toml", "authorization.full_deadline_utc"),
        link("launches.toml", label="launches.toml: the launch log"),
    ]


def raising_section(ctx: Context, section: Section) -> None:
    """The altitude plot and launch-to-station durations by launch."""
    from .. import plots
    from ..tracker import altitude_history, raising_durations

    raising = raising_durations(ctx.store, ctx.as_of)
    by_launch = raising["by_launch"]
    section.data = {"by_launch": by_launch}
    section.command = f"kuiper status --raising --as-of {ctx.as_of_text}"

    def cell(v):
        return "-" if v is None else f"{v:.0f}"

    section.tables.append(
        Table(
            f"Launch to on station by launch, as of {ctx.as_of_text} (days)",
            [
                "launch",
                "date (UTC)",
                "satellites",
                "arrived",
                "P10 (days)",
                "median (days)",
                "P90 (days)",
                "Kaplan-Meier median (days)",
            ],
            [
                [
                    b["launch"],
                    b["launch_date_utc"],
                    b["n_satellites"],
                    b["n_arrived"],
                    cell(b["p10_days"]),
                    cell(b["median_days"]),
                    cell(b["p90_days"]),
                    cell(b["km_median_days"]),
                ]
                for b in by_launch
            ],
            note="Kaplan-Meier counts satellites still raising as censored; '-' = too few "
            "arrivals to say.",
        )
    )
    series, shells = altitude_history(ctx.store, ctx.as_of)
    section.figures.append(
        figure(
            plots.plot_altitude(series, shells=shells),
            "raising-altitude",
            f"Mean altitude of each satellite (km) against time, coloured by launch, to "
            f"{ctx.as_of_text}; dotted lines are the FCC shells.",
        )
    )
    section.figures.append(
        figure(
            plots.plot_raising_durations(by_launch),
            "raising-durations",
            "Days from launch to on station, by launch.",
        )
    )
    medians = [b["median_days"] for b in by_launch if b["median_days"] is not None]
    recent = by_launch[-4:]
    section.reading = [
        f"Satellites are released at 450-465 km and climb to their shell under their own "
        f"propulsion. Over the {len(by_launch)} launches tracked, the median launch-to-station "
        f"time ranged from {min(medians):.0f} to {max(medians):.0f} days"
        + (
            f"; the four newest launches ({', '.join(b['launch'] for b in recent)}) have "
            f"{sum(b['n_arrived'] for b in recent)} of {sum(b['n_satellites'] for b in recent)} "
            "satellites on station so far."
            if recent
            else "."
        ),
    ]
    section.sources += [
        link("tracker.toml", "on_station_tol_km"),
        link("tracker.toml", "insertion_ceiling_km"),
    ]
