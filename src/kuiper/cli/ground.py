"""The ground-segment command: reach, latency and dollar inputs of running gateways into AWS."""

from __future__ import annotations

import sys

import click

from ._common import (
    CONTEXT,
    constellation_options,
    db_option,
    dumps_strict,
    fail_cleanly,
    json_option,
    main,
    store_if,
)


@main.command(context_settings=CONTEXT)
@db_option
@json_option
@constellation_options(
    ["design", "real"],
    "The full Gen-1 design, or the satellites on station in the store at --date "
    "(which must lie within 30 days of their element sets).",
    "Start of the window (UTC).",
    "Design: the first N satellites in the FCC deployment order.",
)
@click.option(
    "--isl",
    is_flag=True,
    help="Also route over +Grid optical inter-satellite links (4 per satellite); the "
    "tables then show ISL and bent-pipe routing side by side.",
)
@click.option(
    "--cities",
    "n_cities",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="Users drawn in proportion to population from cities and rural places (at most 500).",
)
@click.option(
    "--no-enterprise",
    is_flag=True,
    help="Leave out the remote enterprise sites (mines, offshore, aviation corridors).",
)
@click.option(
    "--seed", type=click.IntRange(min=0), help="Seed of the user sample (default: ground.toml's)."
)
@click.option(
    "--duration",
    "duration_s",
    type=float,
    default=86400.0,
    show_default=True,
    help="Time window, seconds (at most 20,000 steps).",
)
@click.option(
    "--step",
    "step_s",
    type=float,
    default=60.0,
    show_default=True,
    help="Time step, seconds; shortest-delay routes are recomputed at every step.",
)
@fail_cleanly
def ground(
    db,
    as_json,
    constellation,
    date,
    n_satellites,
    isl,
    n_cities,
    no_enterprise,
    seed,
    duration_s,
    step_s,
):
    """Reach, latency and round-trip time to AWS: gateways at AWS sites (A) or for coverage (B).

    For each user and time: the lowest-delay path user -> satellite -> [laser hops ->
    satellite] -> gateway -> fibre -> the user's nearest AWS region (masks: user 35
    deg, gateway 25 deg). RTT adds scheduling, queueing and processing and is checked
    against published Starlink medians. Also prints the dollar inputs of the AWS
    synergy (kuiper.ground.aws_integration_inputs). Assumptions and sources:
    kuiper/data/ground.toml. AWS coordinates are city-level approximations.

    \b
    Examples:
      kuiper ground
      kuiper ground --isl --json
      kuiper ground --constellation real --cities 100
      kuiper ground --satellites 578 --duration 21600 --step 30 --isl
    """
    from ..ground import estimate_ground

    with store_if(db, constellation == "real") as store:
        with click.progressbar(length=1, label="Routing", file=sys.stderr) as bar:

            def progress(done, total):
                bar.length = total
                bar.update(done - bar.pos)

            result = estimate_ground(
                store,
                constellation=constellation,
                date=date,
                n_satellites=n_satellites,
                n_cities=n_cities,
                enterprise=not no_enterprise,
                isl=isl,
                duration_s=duration_s,
                step_s=step_s,
                seed=seed,
                progress=progress,
            )
    click.echo(dumps_strict(result.to_dict()) if as_json else result.render())
