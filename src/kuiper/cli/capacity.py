"""``kuiper capacity``: serviceable subscribers from geometry."""

from __future__ import annotations

import click

from ._common import (
    CONTEXT,
    constellation_options,
    db_option,
    dumps_strict,
    fail_cleanly,
    json_option,
    main,
    seed_option,
    store_if,
)
from .coverage import design_option, mask_option


@main.command(context_settings=CONTEXT)
@db_option
@json_option
@constellation_options(
    ["design", "real", "forecast"],
    "design: the FCC shells in deployment order; real: on station in the store at "
    "--date; forecast: the forecast's --quantile on-station count at --date.",
    "Date of the constellation (UTC).",
    "Design: the first N satellites of the deployment order.",
)
@design_option
@click.option(
    "--quantile",
    default="p50",
    show_default=True,
    help="Forecast: which quantile of the on-station count (p10, p50, p90 ...).",
)
@click.option(
    "--elements",
    "elements_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Any element file (TLE, OMM JSON/CSV, .gz): the newest set of each object named "
    "--name-prefix ...; overrides --constellation.",
)
@click.option("--name-prefix", default="KUIPER", show_default=True, help="With --elements.")
@click.option(
    "--profile",
    type=click.Choice(["kuiper", "starlink"]),
    default="kuiper",
    show_default=True,
    help="Whose per-satellite capacity and market access (kuiper/data/capacity.toml).",
)
@click.option(
    "--market-access",
    type=click.Choice(["default", "all"]),
    default="default",
    show_default=True,
    help="default: leave out markets closed to the system (market_access.csv); all: none.",
)
@mask_option
@seed_option
@fail_cleanly
def capacity(
    db,
    as_json,
    constellation,
    date,
    n_satellites,
    design,
    quantile,
    elements_path,
    name_prefix,
    profile,
    market_access,
    min_elevation_deg,
    seed,
):
    """Serviceable subscribers: demand cells x satellites in view x capacity shares.

    Demand is the households without fixed broadband (by country) on the coverage
    grid, times a take rate; each satellite's capacity is shared between the cells
    that see it in proportion to their demand; subscribers = min(demand, capacity /
    busy-hour Mbps per subscriber). P10/P50/P90 over the ranges of capacity.toml.

    \b
    Examples:
      kuiper capacity
      kuiper capacity --satellites 578 --json
      kuiper capacity --elements active.csv.gz --name-prefix STARLINK --profile starlink
    """
    from ..coverage import elements_constellation, estimate_capacity

    cons = elements_constellation(elements_path, name_prefix, date) if elements_path else None
    needed = not elements_path and constellation in ("real", "forecast")
    with store_if(db, needed) as store:
        result = estimate_capacity(
            cons if elements_path else constellation,
            date=None if elements_path else date,
            n_satellites=n_satellites,
            store=store,
            quantile=quantile,
            design=design,
            profile=profile,
            market_access=market_access,
            min_elevation_deg=min_elevation_deg,
            seed=seed,
        )
    click.echo(dumps_strict(result.to_dict()) if as_json else result.render())
