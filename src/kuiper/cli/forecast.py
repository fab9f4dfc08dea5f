"""Deployment forecast commands: forecast, backtest and the cadence plot."""

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
    metric_option,
    open_store_cli,
    output_option,
    plot,
    progress,
    seed_option,
    trials_option,
)
from .fetch import echo_data_age

contracted_only_option = click.option(
    "--contracted-only",
    is_flag=True,
    help="Buy nothing beyond the launches under contract: no re-flights of lost "
    "payloads and no purchases towards the goal (forecast.toml [purchases]). "
    "The default buys; the JSON's purchases.mode says which was used.",
)


@main.command(context_settings=CONTEXT)
@as_of_option
@db_option
@json_option
@click.option(
    "--target",
    "targets",
    type=click.IntRange(min=1),
    multiple=True,
    metavar="N",
    help="Satellites to reach; pair each with a --deadline. "
    "Default: the FCC milestones (1,616 by 2026-07-30, 3,232 by 2029-07-30, and "
    "Gen-2 totals by 2032-02-10 and 2035-02-10).",
)
@click.option(
    "--deadline",
    "deadlines",
    multiple=True,
    metavar="DATE",
    help="Deadline (UTC date) for the --target at the same position.",
)
@metric_option(
    "What a target counts. in_orbit = launched minus decayed, the count "
    "Amazon and the FCC reports use; on_station is stricter."
)
@trials_option(100_000)
@seed_option
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, exists=True),
    help="Forecast assumptions (TOML) replacing the shipped forecast.toml.",
)
@contracted_only_option
@fail_cleanly
def forecast(
    as_of, db, as_json, targets, deadlines, metric, trials, seed, manifest, contracted_only
):
    """Forecast deployment: the chance of reaching each milestone, and when.

    A Monte Carlo over the launch manifest (contracts, cadence learned from flights,
    published NET dates, lead-time slips, failures and groundings, re-flights and
    purchases towards the goal, satellite supply, orbit raising) using only
    information dated on or before --as-of. Assumptions and their sources:
    kuiper/data/forecast.toml. The report ends with each vehicle's deliveries by
    each deadline and its first Kuiper flight (kuiper plot vehicles draws them).

    \b
    Examples:
      kuiper forecast
      kuiper forecast --contracted-only
      kuiper forecast --as-of 2026-01-30 --json
      kuiper forecast --target 578 --deadline 2027-06-30 --metric on_station
    """
    from ..forecast import forecast_deployment, load_forecast_manifest, milestones_from_options

    milestones = milestones_from_options(targets, deadlines, metric)
    assumptions = load_forecast_manifest(manifest)
    with open_store_cli(db) as store:
        echo_data_age(store)
        when = as_of_date(store, as_of)
        bar = click.progressbar(length=trials, label="Simulating", file=sys.stderr)
        with bar:
            result = forecast_deployment(
                store,
                as_of=when,
                milestones=milestones,
                trials=trials,
                seed=seed,
                manifest=assumptions,
                progress=lambda done, total: bar.update(done - bar.pos),
                contracted_only=contracted_only,
            )
    if as_json:
        click.echo(dumps_strict(result.to_dict()))
        return
    click.echo(result.render())


@main.command("backtest", context_settings=CONTEXT)
@db_option
@json_option
@output_option(None)
@click.option(
    "--origin",
    "origins",
    multiple=True,
    metavar="DATE",
    help="Forecast as of the end of this UTC date; repeat for several. "
    "Default: every shipped snapshot date with a month end of data after it.",
)
@trials_option(20_000)
@seed_option
@metric_option("Metric of the picture's forecasts-against-outcome panel.")
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, exists=True),
    help="Forecast assumptions (TOML) replacing the shipped forecast.toml.",
)
@click.option(
    "--reference",
    metavar="NAME|DIR",
    help="Backtest another constellation instead: a shipped reference class "
    "(oneweb, iridium_next) or a folder of your own (format above).",
)
@fail_cleanly
def backtest_cmd(db, as_json, output, dpi, origins, trials, seed, metric, manifest, reference):
    """Score past forecasts against what happened: interval coverage, CRPS and Brier.

    Forecasts as of each origin, using only data dated on or before it, and compares
    them with the counts the tracker finds in the whole element history at every
    later month end: the share inside the 50% and 90% intervals and the CRPS (in
    satellites) of launched, in-orbit and on-station counts, and the Brier score of
    targets that resolve within the history (kuiper.forecast.backtest.BACKTEST_MILESTONES).
    With -o, also draws the scores (PNG or SVG).

    With --reference, the same scores for another constellation's deployment, from its
    launch log and dated manifest alone, as of every month end until it launched its
    target and up to 36 months ahead, on satellites launched (JSON adds by_bucket:
    coverage over horizon buckets 1-3 ... 12-36 months; -o draws forecasts against
    the launched count and coverage by horizon). A reference folder holds:

    \b
      launches.csv   mission,launch_date_utc,vehicle,satellites,outcome,source
                     (+ optional production true/false, note); dates YYYY-MM-DD
                     or YYYY-MM-DDTHH:MMZ; outcome success/failure
      forecast.toml  the schema of kuiper/data/forecast.toml (dated contracts,
                     plans, records, schedules, events, supply, purchases;
                     [model] needs only horizon_utc, the rest is Kuiper's) plus
                     [reference] name, target_satellites, history_through_utc,
                     source (optional origins_from_utc, origins_through_utc,
                     horizon_months)

    \b
    Examples:
      kuiper backtest
      kuiper backtest -o backtest.png --trials 50000
      kuiper backtest --origin 2025-07-15 --origin 2026-01-30 --json
      kuiper backtest --reference oneweb --json
      kuiper backtest --reference oneweb -o oneweb.png
      kuiper backtest --reference ./my-constellation --trials 5000
    """
    if reference is not None:
        return _reference_backtest(reference, origins, trials, seed, as_json, output, dpi, manifest)
    from ..forecast import load_forecast_manifest
    from ..forecast.backtest import backtest

    assumptions = load_forecast_manifest(manifest)
    with open_store_cli(db) as store:
        result = backtest(
            store,
            list(origins) or None,
            trials=trials,
            seed=seed,
            manifest=assumptions,
            progress=progress("Backtesting"),
        )
    click.echo(dumps_strict(result.to_dict()) if as_json else result.render())
    if output:
        from .. import plots

        path = plots.save(plots.plot_backtest(result, metric=metric)[0], output, dpi=dpi)
        click.echo(f"wrote {path}", err=as_json)


def _reference_backtest(reference, origins, trials, seed, as_json, output, dpi, manifest):
    """``kuiper backtest --reference``: one call to kuiper.forecast.reference_backtest."""
    from ..forecast.reference import load_reference
    from ..forecast.reference_backtest import reference_backtest

    if manifest:
        raise click.UsageError("--reference takes its manifest from its folder, not --manifest")
    ref = load_reference(reference)
    result = reference_backtest(
        ref,
        trials=trials,
        seed=seed,
        origins=list(origins) or None,
        progress=progress("Backtesting"),
    )
    click.echo(dumps_strict(result.to_dict()) if as_json else result.render())
    if output:
        from .. import plots

        path = plots.save(plots.plot_reference_backtest(result)[0], output, dpi=dpi)
        click.echo(f"wrote {path}", err=as_json)


@plot.command("cadence", context_settings=CONTEXT)
@as_of_option
@db_option
@output_option("kuiper-cadence.png")
@metric_option("Metric of the forecast fan and the milestone lines.")
@trials_option(100_000)
@seed_option
@fail_cleanly
def plot_cadence_cmd(as_of, db, output, dpi, metric, trials, seed):
    """Launches per month by vehicle, and satellites with the forecast fan.

    Upper panel: production launches per month, stacked by vehicle (launch log to
    --as-of). Lower panel: satellites launched, in orbit and on station to --as-of
    (tracker), the forecast of --metric as of --as-of (P5-P95 and P25-P75 bands,
    median) and the FCC Gen-1 milestones (1,616 by 2026-07-30, 3,232 by 2029-07-30).

    \b
    Examples:
      kuiper plot cadence -o cadence.png
      kuiper plot cadence --as-of 2026-01-30 --metric on_station -o cadence.svg
    """
    from .. import plots
    from ..forecast import default_milestones, forecast_deployment
    from ..forecast.backtest import deployment_history

    with open_store_cli(db) as store:
        when = as_of_date(store, as_of)
        history = deployment_history(store, when)
        with click.progressbar(length=trials, label="Simulating", file=sys.stderr) as bar:
            result = forecast_deployment(
                store,
                as_of=when,
                milestones=default_milestones(metric),
                trials=trials,
                seed=seed,
                progress=lambda done, total: bar.update(done - bar.pos),
            )
    axes = plots.plot_cadence(history, result, metric=metric)
    click.echo(f"wrote {plots.save(axes[0], output, dpi=dpi)}")


@plot.command("vehicles", context_settings=CONTEXT)
@as_of_option
@db_option
@output_option("kuiper-vehicles.png")
@trials_option(20_000)
@seed_option
@contracted_only_option
@fail_cleanly
def plot_vehicles_cmd(as_of, db, output, dpi, trials, seed, contracted_only):
    """Which vehicle drives the forecast: deliveries by deadline, first flights.

    Upper panel: satellites each vehicle has delivered by each future FCC deadline
    (P50 bars, P5-P95 whiskers, counting those flown already). Lower panel: each
    vehicle's first Kuiper flight, observed or forecast (P5-P95, P50).

    \b
    Examples:
      kuiper plot vehicles -o vehicles.png
      kuiper plot vehicles --contracted-only --as-of 2026-01-30 -o vehicles.svg
    """
    from .. import plots
    from ..forecast import forecast_deployment

    with open_store_cli(db) as store:
        when = as_of_date(store, as_of)
        with click.progressbar(length=trials, label="Simulating", file=sys.stderr) as bar:
            result = forecast_deployment(
                store,
                as_of=when,
                trials=trials,
                seed=seed,
                progress=lambda done, total: bar.update(done - bar.pos),
                contracted_only=contracted_only,
            )
    axes = plots.plot_vehicles(result)
    click.echo(f"wrote {plots.save(axes[0], output, dpi=dpi)}")
