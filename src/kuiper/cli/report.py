"""The report command: one self-contained HTML page over every section."""

from __future__ import annotations

import sys

import click

from ..report.build import SECTION_KEYS as SECTION_NAMES  # light: no numba or matplotlib
from ._common import (
    CONTEXT,
    as_of_date,
    as_of_option,
    db_option,
    dumps_strict,
    fail_cleanly,
    main,
    open_store_cli,
    seed_option,
    trials_option,
)


@main.command(context_settings=CONTEXT)
@click.option(
    "-o",
    "--output",
    default="report.html",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the HTML page.",
)
@as_of_option
@db_option
@trials_option(20_000)
@seed_option
@click.option(
    "--json",
    "json_path",
    metavar="FILE",
    help="Also write the data behind the report (each section's results, as the commands' "
    "--json print them) to FILE, or - for standard output.",
)
@click.option(
    "--section",
    "sections",
    type=click.Choice(SECTION_NAMES),
    multiple=True,
    help="Only this section (repeat for several). Default: all.",
)
@click.option(
    "--full-backtest",
    is_flag=True,
    help="Backtest with 20,000 trials per origin (the backtest command's default) "
    "instead of 2,000.",
)
@click.option(
    "--full-tornado",
    is_flag=True,
    help="Swing every valuation assumption in the tornado (about 4 minutes more) instead "
    "of the six largest levers.",
)
@fail_cleanly
def report(output, as_of, db, trials, seed, json_path, sections, full_backtest, full_tornado):
    """Write one self-contained HTML page: status, outlook, coverage and value.

    Sections: status, orbit raising, cadence and forecast, backtest, coverage (map
    with coastlines), ground segment, value and sum of the parts; each with a short
    reading, the command that reproduces it, and links to the sourced assumptions.
    Figures are inline SVG and the page loads nothing from a network. A section that
    fails says why in the page and the rest is still written; the exit status is
    non-zero only when no section could be computed.

    \b
    Examples:
      kuiper report                                   report.html, about a minute
      kuiper report -o leo.html --as-of 2026-07-30
      kuiper report --trials 100000 --full-backtest   slower, tighter Monte Carlo
      kuiper report --json data.json                  the numbers behind the page
    """
    from ..report import ReportSettings, build_report, write_report

    if not output.lower().endswith((".html", ".htm")):
        raise click.ClickException(f"{output}: the report is HTML; give a name ending in .html")
    settings = ReportSettings(trials=trials, seed=seed)
    if full_backtest:
        settings = settings.replace(backtest_trials=20_000)
    if full_tornado:
        settings = settings.replace(tornado_parameters=None)
    click.echo(
        "Settings: "
        + ", ".join(
            f"{k}={v:g}"
            if isinstance(v, int | float)
            else f"{k}={'all' if v is None else ','.join(v)}"
            for k, v in settings.to_dict().items()
        ),
        err=True,
    )
    with open_store_cli(db) as store:
        when = as_of_date(store, as_of)
        with click.progressbar(
            length=len(sections or SECTION_NAMES),
            label="Report",
            file=sys.stderr,
            item_show_func=lambda key: key or "",
        ) as bar:

            def step(done, total, key):
                bar.current_item = key
                bar.update(done - bar.pos)

            result = build_report(
                store, as_of=when, settings=settings, sections=sections or None, progress=step
            )
    failed = [s for s in result.sections if s.error]
    for s in failed:
        click.echo(f"section {s.key} failed: {s.error}", err=True)
    if len(failed) == len(result.sections):
        raise click.ClickException("no section could be computed; nothing written")
    path = write_report(result, output)
    if json_path:
        text = dumps_strict(result.to_dict(), default=str)
        if json_path == "-":
            click.echo(text)
        else:
            try:
                with open(json_path, "w", encoding="utf-8") as fh:
                    fh.write(text + "\n")
            except OSError as exc:
                raise click.ClickException(f"{json_path}: cannot write ({exc.strerror})") from None
    done = len(result.sections) - len(failed)
    click.echo(
        f"wrote {path} ({done} of {len(result.sections)} sections, "
        f"{sum(len(s.figures) for s in result.sections)} figures)",
        err=json_path == "-",
    )
