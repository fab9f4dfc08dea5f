"""Commands over the history store: ingest, status and their plots."""

from __future__ import annotations

import sys

import click

from ._common import (
    CONTEXT,
    as_of_date,
    as_of_option,
    db_option,
    dumps_strict,
    fail_cleanly,
    json_option,
    main,
    open_store_cli,
    output_option,
    plot,
)


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Store the good records of a file that has bad "
    "ones, and report the skipped records (the first 100 one by one). Default: a file "
    "stops at its first bad record and stores nothing.",
)
@click.option(
    "--all-objects",
    is_flag=True,
    help="Store every object, not only Kuiper ones "
    "(recognised by name KUIPER-* / AMAZON LEO or by Kuiper COSPAR launch id).",
)
@click.option(
    "--on-conflict",
    type=click.Choice(["error", "keep", "replace"]),
    default="error",
    show_default=True,
    help="An element set that differs from the stored one under the same catalog number "
    "and epoch: refuse the file, keep the stored set, or replace it.",
)
@click.option(
    "--max-size",
    "max_size_mib",
    type=click.IntRange(1, 65536),
    default=None,
    metavar="MIB",
    help="Largest (decompressed) file to read, MiB.  [default: 64]",
)
@db_option
@json_option
@fail_cleanly
def ingest(paths, skip_bad, all_objects, on_conflict, max_size_mib, db, as_json):
    """Add element sets (TLE, OMM JSON/CSV, .gz) or SATCAT CSV files to the store.

    PATHS are files or folders (searched recursively). Ingest is idempotent (a
    record is stored once per catalog number and epoch) and atomic per file.
    Records are checked for plausibility (kuiper/data/ingest.toml): an epoch more
    than 2 days after now, BSTAR or mean motion out of physical range, a SATCAT
    decay before the launch or before stored element sets are refused with the
    file and line. 'kuiper sources' lists what was ingested; 'kuiper forget'
    removes a file again.

    \b
    Examples:
      kuiper ingest kuiper_2026-09-07.tle
      kuiper ingest --skip-bad downloads/           every element file inside
      kuiper ingest active_gp.csv.gz --all-objects  keep non-Kuiper objects too
    """
    from ..elements import MIB
    from ..errors import ElementsError
    from ..store import expand_paths

    files = expand_paths(paths)
    store = open_store_cli(db, require_data=False)
    options = dict(skip_bad=skip_bad, all_objects=all_objects, on_conflict=on_conflict)
    if max_size_mib is not None:
        options["max_bytes"] = max_size_mib * MIB
    reports, failures = [], []
    with click.progressbar(
        files, label="Ingesting", file=sys.stderr, item_show_func=lambda p: p.name if p else ""
    ) as bar:
        for path in bar:
            try:
                reports.append(store.ingest_file(path, **options))
            except ElementsError as exc:
                failures.append(exc)
    if as_json:
        click.echo(
            dumps_strict(
                {
                    "files": [r.to_dict() for r in reports],
                    "failed": [e.one_line() for e in failures],
                }
            )
        )
    else:
        for r in reports:
            note = " (already ingested)" if r.already_ingested else ""
            conflicts = f", {r.n_conflicts} conflicts ({on_conflict})" if r.n_conflicts else ""
            click.echo(
                f"{r.path}: {r.format}, {r.n_read} records, {r.n_kuiper} kept, "
                f"{r.n_new} new, {r.n_bad} bad{conflicts}{note}"
            )
            for e in r.errors:
                click.echo(f"  skipped {e.one_line()}", err=True)
            if r.n_bad > len(r.errors):
                click.echo(f"  ... and {r.n_bad - len(r.errors)} more skipped", err=True)
    for r in reports:
        for launch, n in sorted(r.unknown_launches.items()):
            click.echo(
                f"Warning: {r.path}: {n} Kuiper-named objects from launch {launch}, which "
                "is not in the launch log (kuiper/data/launches.toml)",
                err=True,
            )
    for e in failures:
        record_level = e.line is not None or e.reason.startswith("record ")
        hint = " (file not stored"
        hint += "; --skip-bad keeps its good records)" if record_level and not skip_bad else ")"
        click.echo(f"Error: {e.one_line()}{hint}", err=True)
    if failures:
        sys.exit(1)


@main.command(context_settings=CONTEXT)
@as_of_option
@db_option
@json_option
@click.option(
    "--satellites",
    "with_satellites",
    is_flag=True,
    help="With --json: add every satellite's phase, altitude and rate (needs --json).",
)
@click.option(
    "--raising",
    "with_raising",
    is_flag=True,
    help="Also show orbit-raising durations (launch to on station) by launch.",
)
@fail_cleanly
def status(as_of, db, as_json, with_satellites, with_raising):
    """Satellites by shell and phase, and the totals, on a date.

    Phases: raising (climbing from the 450-465 km insertion orbit), on_station
    (within the shell's altitude tolerance), drifting (anomalous: stopped short,
    left the shell, or no longer tracked), deorbiting (descending) and decayed.
    Thresholds and their derivation: kuiper/data/tracker.toml. A satellite is
    stale (no longer tracked) when its own newest element set is older than a few
    times its own update interval. Launches missing from the launch log are listed
    as provisional, with a warning. The last line says how old the newest data is.

    \b
    Examples:
      kuiper status
      kuiper status --as-of 2026-07-30 --json
      kuiper status --json --satellites
    """
    from ..tracker import PHASES, data_age_days, data_age_note, fleet_status, raising_durations

    if with_satellites and not as_json:
        raise click.UsageError("--satellites lists every satellite in JSON; add --json")
    with open_store_cli(db) as store:
        when = as_of_date(store, as_of)
        result = fleet_status(store, when)
        raising = raising_durations(store, when) if with_raising else None
        store_newest = store.data_through()
    if as_json:
        out = result.to_dict(satellites=with_satellites)
        out["data_age_days"] = data_age_days(store_newest)
        if raising:
            out["raising"] = raising["by_launch"]
        click.echo(dumps_strict(out))
        return
    newest = f"{result.data_through:%Y-%m-%d %H:%M} UTC" if result.data_through else "none yet"
    click.echo(
        f"Kuiper / Amazon Leo on {result.as_of:%Y-%m-%d %H:%M} UTC (newest element set {newest})"
    )
    header = f"{'shell':<22}" + "".join(f"{p:>12}" for p in PHASES)
    click.echo(header)
    click.echo("-" * len(header))
    for row in result.by_shell:
        label = (
            f"{row['shell']} km / {row['inclination_deg']:g} deg"
            if row["altitude_km"]
            else row["shell"]
        )
        click.echo(f"{label:<22}" + "".join(f"{row['phases'][p]:>12}" for p in PHASES))
    t = result.totals
    click.echo(
        f"\nlaunched {t['launched']}   in orbit {t['in_orbit']}   "
        f"on station {t['on_station']}   decayed {t['decayed']}"
    )
    a = result.authorization
    click.echo(
        f"Gen-1 authorized {a['gen1_total']:,}: half ({a['half_target']:,}) was due "
        f"{a['half_deadline_utc']} (waived {a['half_waived_utc']}), all due "
        f"{a['full_deadline_utc']}; on station = {a['fraction_on_station']:.1%}"
    )
    if result.provisional_launches:
        click.echo("\nProvisional launches (not in the launch log; see 'kuiper launches'):")
        for p in result.provisional_launches:
            click.echo(
                f"  {p['mission']:<24}{p['launch_date_utc']:>12}{p['satellites']:>5} sats  "
                f"{p['vehicle']}"
            )
    for w in result.warnings:
        click.echo(f"Warning: {w}", err=True)
    click.echo(data_age_note(store_newest))
    if raising:
        click.echo(
            "\nOrbit raising, launch to on station (days; KM = Kaplan-Meier median, "
            "counting satellites still raising)"
        )
        click.echo(
            f"{'launch':<8}{'date':>12}{'sats':>6}{'arrived':>9}{'p10':>8}"
            f"{'median':>8}{'p90':>8}{'KM med':>8}"
        )
        for b in raising["by_launch"]:
            cells = [b[k] for k in ("p10_days", "median_days", "p90_days", "km_median_days")]
            text = "".join(f"{'-' if c is None else f'{c:.0f}':>8}" for c in cells)
            click.echo(
                f"{b['launch']:<8}{b['launch_date_utc']:>12}{b['n_satellites']:>6}"
                f"{b['n_arrived']:>9}{text}"
            )


@plot.command("shells", context_settings=CONTEXT)
@as_of_option
@db_option
@output_option("kuiper-shells.png")
@click.option(
    "--step-days",
    type=float,
    default=7.0,
    show_default=True,
    help="Days between samples (> 0; at most 2,000 samples).",
)
@fail_cleanly
def plot_shells_cmd(as_of, db, output, dpi, step_days):
    """Phase counts over time, stacked, with satellites launched.

    \b
    Example:
      kuiper plot shells -o shells.png
    """
    from .. import plots
    from ..tracker import fleet_history

    with open_store_cli(db) as store:
        history = fleet_history(store, as_of_date(store, as_of), step_days=step_days)
    for w in history["warnings"]:
        click.echo(f"Warning: {w}", err=True)
    ax = plots.plot_shells(history, launched=history["launched"])
    click.echo(f"wrote {plots.save(ax, output, dpi=dpi)}")


@plot.command("altitude", context_settings=CONTEXT)
@as_of_option
@db_option
@output_option("kuiper-altitude.png")
@fail_cleanly
def plot_altitude_cmd(as_of, db, output, dpi):
    """Each satellite's mean altitude against time, coloured by launch.

    \b
    Example:
      kuiper plot altitude -o raising.png
    """
    from .. import plots
    from ..tracker import altitude_history

    with open_store_cli(db) as store:
        series, shells = altitude_history(store, as_of_date(store, as_of))
    ax = plots.plot_altitude(series, shells=shells)
    click.echo(f"wrote {plots.save(ax, output, dpi=dpi)}")
