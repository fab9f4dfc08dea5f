"""Shared pieces of the command line: the groups, option bundles and error handling.

Imports only click and the standard library, so that ``kuiper --help`` stays light.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sqlite3
import sys

import click

from .. import __version__
from .._json import dumps_strict
from ..errors import KuiperError

__all__ = ["dumps_strict", "fail_cleanly", "one_line_error"]

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def one_line_error(exc: BaseException, db: str | None = None) -> str | None:
    """The one-line message for an expected failure, or None for a bug (T2-T4, T13-T19).

    ``db`` is the store named on the command line (None: the default store).
    """
    if isinstance(exc, KuiperError):
        return str(exc)
    if isinstance(exc, sqlite3.Error):
        from .._store_write import store_error
        from ..store import default_db_path

        return str(store_error(db or default_db_path(), exc))
    if isinstance(exc, RecursionError):
        return "input nested too deeply to read (RecursionError); is it the right file?"
    if isinstance(exc, MemoryError):
        return "out of memory: the input or the options ask for more than this machine has"
    if isinstance(exc, UnicodeDecodeError):
        return f"input is not UTF-8 text (byte {exc.start}); is it the right file?"
    if isinstance(exc, OverflowError):
        return f"a number is too large ({exc})"
    if isinstance(exc, ValueError) and "digits" in str(exc) and "limit" in str(exc):
        return "a number has too many digits (more than 4300); is it the right file?"
    if isinstance(exc, ValueError) and "year" in str(exc) and "out of range" in str(exc):
        return f"a date is out of range ({exc}); dates must fall within years 1-9999"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        if exc.errno == errno.ENOSPC:
            return f"{where}the disk is full; nothing more was written"
        if exc.errno == errno.EROFS:
            return f"{where}read-only file system"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return f"{where}permission denied"
        return f"{where}{exc.strerror or exc}"
    return None


def fail_cleanly(fn):
    """Turn every expected failure into one line on stderr and exit status 1.

    kuiper's own errors, SQLite errors (locked, damaged, read-only, full), OS errors,
    deep or huge input, non-UTF-8 input, integer overflow and running out of memory
    each get their own line (:func:`one_line_error`); anything else is a bug and
    keeps its traceback.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            message = one_line_error(exc, kwargs.get("db"))
            if message is None:
                raise
            raise click.ClickException(message) from None

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


PICTURE_SUFFIXES = (".png", ".svg")


def _check_picture_suffix(ctx, param, value):
    """Refuse a picture name kuiper cannot write before any work is done (P6)."""
    if value is not None:
        suffix = os.path.splitext(value)[1].lower()
        if suffix not in PICTURE_SUFFIXES or not os.path.basename(value)[: -len(suffix)]:
            raise click.BadParameter(f"{value!r}: the picture must be a .png or .svg file")
    return value


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
            callback=_check_picture_suffix,
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


def constellation_options(choices, help_text: str, date_help: str, satellites_help: str):
    """``--constellation`` (one of ``choices``, default design), ``--date`` and
    ``--satellites`` (into ``n_satellites``): the constellation a geometry command runs on."""

    def decorate(fn):
        fn = click.option(
            "--satellites", "n_satellites", type=click.IntRange(min=1), help=satellites_help
        )(fn)
        fn = click.option("--date", metavar="DATE", help=date_help)(fn)
        return click.option(
            "--constellation",
            type=click.Choice(list(choices)),
            default="design",
            show_default=True,
            help=help_text,
        )(fn)

    return decorate


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


def progress(label: str):
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


def open_store_cli(db, require_data=True):
    from ..store import open_store

    return open_store(
        db, progress=progress("Seeding store with shipped snapshots"), require_data=require_data
    )


def store_if(db, needed: bool):
    """The store (a context manager) when the command needs one, else ``None`` in one."""
    return open_store_cli(db) if needed else contextlib.nullcontext()


def as_of_date(store, text):
    """The --as-of date (end of that day, UTC), or the newest data in the store."""
    from ..errors import DateError, StoreError
    from ..timescale import parse_utc

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
    if sys.stdin is None:  # started with stdin closed: '-' then reads nothing (T21)
        sys.stdin = open(os.devnull)  # noqa: SIM115


@main.group(context_settings=CONTEXT)
def plot():
    """Draw pictures (PNG or SVG).

    \b
    Examples:
      kuiper plot shells -o shells.png
      kuiper plot altitude --as-of 2026-03-01 -o raising.svg
      kuiper plot cadence --as-of 2026-01-30 -o cadence.png
    """
