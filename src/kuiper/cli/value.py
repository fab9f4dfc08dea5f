"""Valuation commands: value, sotp and the tornado plot."""

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
    seed_option,
    trials_option,
)


@main.command(context_settings=CONTEXT)
@as_of_option
@db_option
@json_option
@trials_option(20_000)
@seed_option
@click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True),
    help="Valuation assumptions (TOML) replacing the shipped valuation.toml.",
)
@click.option(
    "--ground-advantage",
    type=click.FloatRange(min=0.0),
    help="Multiplier on the AWS synergy from the ground model (default: the "
    "value in valuation.toml).",
)
@fail_cleanly
def value(as_of, db, as_json, trials, seed, config, ground_advantage):
    """Real-options value of Kuiper / Amazon Leo, with P10/P50/P90.

    Deployment paths from the forecast drive capacity; demand follows a geometric
    Brownian motion; options to expand to Gen-2, defer and abandon or sell are
    exercised by a rule fitted on independent paths; a regulatory branch and an AWS
    synergy leg are added. Every assumption, its range and source:
    kuiper/data/valuation.toml. Values are in USD.

    \b
    Examples:
      kuiper value
      kuiper value --json > leo.json
      kuiper value --json | kuiper sotp --kuiper -
    """
    from ..value import load_valuation_config, value_kuiper

    cfg = load_valuation_config(config)
    with open_store_cli(db) as store:
        when = as_of_date(store, as_of)
        with click.progressbar(length=trials, label="Valuing", file=sys.stderr) as bar:
            result = value_kuiper(
                store,
                as_of=when,
                trials=trials,
                seed=seed,
                config=cfg,
                ground_advantage=ground_advantage,
                progress=lambda done, total: bar.update(done - bar.pos),
            )
    click.echo(dumps_strict(result.to_dict()) if as_json else result.render())


@main.command(context_settings=CONTEXT)
@db_option
@json_option
@click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True),
    help="SOTP inputs and multiples (TOML) replacing the shipped sotp.toml.",
)
@click.option(
    "--kuiper",
    "kuiper_json",
    type=click.File("r"),
    help="Kuiper value as JSON from 'kuiper value --json' (a file, or - for "
    "standard input). Default: run the valuation on the store.",
)
@fail_cleanly
def sotp(db, as_json, config, kuiper_json):
    """Sum of the parts of Amazon, with Kuiper / Leo as one line.

    Segments: AWS, advertising, retail and subscriptions, the Anthropic stake and
    Kuiper. Defaults are Amazon's Q3 2025 results; multiples are assumptions in
    kuiper/data/sotp.toml. The AWS synergy is counted in the Kuiper line only.

    \b
    Examples:
      kuiper sotp
      kuiper value --json | kuiper sotp --kuiper -
      kuiper sotp --config my_multiples.toml --json
    """
    from ..value import value_kuiper
    from ..value.sotp import load_sotp_config
    from ..value.sotp import sotp as run_sotp

    cfg = load_sotp_config(config)
    if kuiper_json is not None:
        leo = kuiper_json.read()
    else:
        with open_store_cli(db) as store:
            leo = value_kuiper(store)
    result = run_sotp(cfg, leo)
    click.echo(dumps_strict(result.to_dict()) if as_json else result.render())


@plot.command("tornado", context_settings=CONTEXT)
@as_of_option
@db_option
@output_option("kuiper-tornado.png")
@trials_option(5_000)
@seed_option
@fail_cleanly
def plot_tornado_cmd(as_of, db, output, dpi, trials, seed):
    """Tornado: how Kuiper's value moves as each assumption swings low to high.

    Each assumption of kuiper/data/valuation.toml is set to its low and its high
    value in turn (all else at base); bars show the mean total value and the
    static NPV.

    \b
    Example:
      kuiper plot tornado -o tornado.png
    """
    from .. import plots
    from ..value import tornado

    with open_store_cli(db) as store:
        when = as_of_date(store, as_of)
        result = tornado(store, as_of=when, trials=trials, seed=seed)
    ax = plots.plot_tornado(result)
    click.echo(f"wrote {plots.save(ax, output, dpi=dpi)}")
