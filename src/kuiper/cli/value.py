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
from .fetch import echo_data_age


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
    "--scenarios",
    is_flag=True,
    help="Also print the transparent bear/base/bull DCF (its annual cash flows) and the "
    "comparables cross-check next to the Monte Carlo.",
)
@fail_cleanly
def value(as_of, db, as_json, trials, seed, config, scenarios):
    """Real-options value of Kuiper / Amazon Leo, with P10/P50/P90.

    Deployment paths from the forecast drive the fleet (satellites retire and are
    replaced); demand is adopted by segment (consumer, enterprise and D2A, backhaul,
    aviation and maritime) with uncertain ceilings, ARPUs and speeds; options to exit
    (least-squares Monte Carlo, not before service start + 12 months), defer Gen-1 and
    expand to Gen-2 are fitted on independent paths and reported one by one; a
    regulatory branch, AWS integration in dollars and the D2D leg through Globalstar
    (not in the total) are added. Every assumption, its range and source:
    kuiper/data/valuation.toml. Values are in USD.

    \b
    Examples:
      kuiper value
      kuiper value --scenarios
      kuiper value --json > leo.json
      kuiper value --json | kuiper sotp --kuiper -
    """
    from ..value import load_valuation_config, value_kuiper

    cfg = load_valuation_config(config)
    with open_store_cli(db) as store:
        echo_data_age(store)
        when = as_of_date(store, as_of)
        with click.progressbar(length=4, label="Valuing", file=sys.stderr) as bar:
            result = value_kuiper(
                store,
                as_of=when,
                trials=trials,
                seed=seed,
                config=cfg,
                progress=lambda done, total: bar.update(done - bar.pos),
            )
    if as_json:
        click.echo(dumps_strict(result.to_dict()))
    else:
        click.echo(result.render(scenarios=scenarios))


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
    type=click.File("rb"),
    help="Kuiper value as JSON from 'kuiper value --json' (a file, or - for "
    "standard input). Default: run the valuation on the store.",
)
@click.option(
    "--period",
    metavar="YYYY-Qn",
    help="Reported quarter the trailing twelve months end at (default: the newest on file).",
)
@click.option(
    "--leases",
    type=click.Choice(["exclude", "include"]),
    help="Count lease liabilities in net debt (default: sotp.toml's [balance]).",
)
@click.option(
    "--anthropic",
    type=click.Choice(["carrying", "last_round"]),
    help="Method of the Anthropic stake's mark (default: sotp.toml's [anthropic]).",
)
@click.option(
    "--retail",
    type=click.Choice(["ev_sales", "ev_ebit"]),
    help="Value retail and advertising on EV/sales, or together on EV/operating income "
    "with Leo's opex added back (default: sotp.toml's [method]).",
)
@fail_cleanly
def sotp(db, as_json, config, kuiper_json, period, leases, anthropic, retail):
    """Sum of the parts of Amazon on dated results, with Kuiper / Leo as one line.

    Segments: AWS, advertising, retail and subscriptions, the Anthropic stake,
    Kuiper, Globalstar (pro forma: value acquired less cash paid, new shares in the
    per-share figure) and net cash from the newest balance sheet on file. The base is
    the trailing twelve months to --period; every input is dated and sourced in
    kuiper/data/sotp.toml, and multiples are assumptions. The AWS synergy is counted
    in the Kuiper line only. A period more than two quarters older than the Kuiper
    valuation gets a warning on stderr.

    \b
    Examples:
      kuiper sotp
      kuiper value --json | kuiper sotp --kuiper -
      kuiper sotp --period 2026-Q1 --leases include --json
    """
    from ..value import value_kuiper
    from ..value.sotp import load_sotp_config
    from ..value.sotp import sotp as run_sotp

    cfg = load_sotp_config(config)
    switches = {
        "include_leases": None if leases is None else leases == "include",
        "anthropic_method": anthropic,
        "retail_method": retail,
    }
    cfg = cfg.with_values(**{k: v for k, v in switches.items() if v is not None})
    if kuiper_json is not None:
        leo = kuiper_json.read()
    else:
        with open_store_cli(db) as store:
            leo = value_kuiper(store)
    result = run_sotp(cfg, leo, period=period)
    if as_json:
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
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
