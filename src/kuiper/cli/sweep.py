"""The sweep command: a grid of runs of another command, on Dask or in-process."""

from __future__ import annotations

import json
import sys
import time

import click

from ._common import (
    CONTEXT,
    db_option,
    dumps_strict,
    fail_cleanly,
    json_option,
    main,
    progress,
)


@main.command(context_settings=CONTEXT)
@click.argument("spec", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--scheduler",
    default="local",
    show_default=True,
    metavar="none|local|ADDRESS",
    help="none: serially in this process; local: a Dask LocalCluster of --workers "
    "processes; ADDRESS: a running Dask scheduler (tcp://host:8786).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Workers of the local cluster (default: one per core).",
)
@json_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write one row per run, every scalar of the result in a column, to .parquet or "
    ".csv (instead of the table).",
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False),
    envvar="KUIPER_SWEEP_CACHE",
    help="Folder of finished runs (default: $KUIPER_SWEEP_CACHE, else the user "
    "cache directory). A sweep started again does only the runs not in it.",
)
@db_option
@fail_cleanly
def sweep(spec, scheduler, workers, as_json, output, cache_dir, db):
    """Run a grid of one command's options, in parallel on Dask, with a cache.

    SPEC is a TOML file: `kind` names the command (coverage, forecast, backtest,
    value, capacity), [base] its fixed options and [grid] lists of values whose
    product is run, all by their CLI names (min_elevation for --min-elevation).
    Every grid point is checked by the command's own option parser before any
    work. Each run is the command with --json; a command that takes --seed and
    gets none is given one hashed from the run's parameters, so results do not
    depend on the scheduler, the order or the worker.

    \b
    Example spec:
      kind = "coverage"
      [base]
      satellites = 578
      duration = 3600
      [grid]
      min_elevation = [25.0, 35.0]
      date = ["2027-01-01", "2028-01-01"]

    \b
    Examples:
      kuiper sweep spec.toml --scheduler none
      kuiper sweep spec.toml --workers 2 -o runs.parquet
      kuiper sweep spec.toml --scheduler tcp://127.0.0.1:8786 --json
    """
    from ..store import default_db_path
    from ..sweep import check_table_path, load_spec, render, run_sweep, write_table

    parsed = load_spec(spec, db=db or default_db_path())
    if output:
        check_table_path(output)
    total = len(parsed.runs)
    result = run_sweep(
        parsed,
        scheduler=scheduler,
        workers=workers,
        cache_dir=cache_dir,
        progress=_Progress(total),
        store_progress=progress("Seeding store with shipped snapshots"),
    )
    if result.n_cached:
        click.echo(f"sweep: {result.n_cached} of {total} runs from the cache", err=True)
    for run in result.failures:
        params = json.dumps(run["params"], sort_keys=True)
        click.echo(f"sweep: run {params} failed: {run['error']}", err=True)
    if output:
        path = write_table(result, output)
        click.echo(f"wrote {path}", err=as_json)
    if as_json:
        click.echo(dumps_strict(result.to_dict()))
    elif not output:
        click.echo(render(result))
    if result.failures:
        raise click.exceptions.Exit(1)


class _Progress:
    """Runs done / total with an ETA on stderr: one updating line on a terminal, else a
    line every few seconds."""

    EVERY_S = 5.0

    def __init__(self, total: int):
        self.total = total
        self.tty = sys.stderr.isatty()
        self.start = self.last = None
        self.first_done = 0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.start is None:
            self.start, self.last, self.first_done = now, now, done
            return
        ran = done - self.first_done
        eta = (now - self.start) / ran * (total - done) if ran else 0.0
        text = f"sweep: {done}/{total} runs, ETA {_clock(eta)}"
        if self.tty:
            click.echo(f"\r{text}  ", err=True, nl=done >= total)
        elif done >= total or now - self.last >= self.EVERY_S:
            click.echo(text, err=True)
            self.last = now


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
