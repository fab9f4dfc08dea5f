"""``kuiper fetch``: new element sets and SATCAT rows from CelesTrak or Space-Track."""

from __future__ import annotations

import click

from .._json import dumps_strict
from ._common import CONTEXT, db_option, fail_cleanly, json_option, main, open_store_cli


@main.command(context_settings=CONTEXT)
@click.option(
    "--source",
    type=click.Choice(["celestrak", "spacetrack"]),
    default="celestrak",
    show_default=True,
    help="celestrak: the current Kuiper group (OMM CSV) and its SATCAT rows. spacetrack: "
    "the full element history (gp_history) of every Kuiper object in the store; needs an "
    "account (SPACETRACK_USER / SPACETRACK_PASSWORD, or ~/.netrc).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Ask again even within 2 hours of the last successful fetch of the same query.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="A fetch.toml of your own (timeouts, retries, queries); default the shipped one.",
)
@db_option
@json_option
@fail_cleanly
def fetch(source, force, config_path, db, as_json):
    """Download new Kuiper element sets and SATCAT rows and add them to the store.

    Every response is saved unchanged (read-only, with its sha256) under
    snapshots/<source>/ beside the store, then checked and ingested like 'kuiper
    ingest'. A response that is not what was asked for (an HTML page, an empty,
    truncated or wrongly shaped CSV) is moved to rejected/ and nothing is stored.
    Within 2 hours of a successful fetch no request is made (CelesTrak's data change
    at most that often), unless --force. KUIPER_CELESTRAK_URL and
    KUIPER_SPACETRACK_URL replace the base URLs (mirrors, tests).

    \b
    Examples:
      kuiper fetch                       the current Kuiper group from CelesTrak
      kuiper fetch --json                what was asked, what came back, what is new
      kuiper fetch --source spacetrack   full history; credentials from the
                                         environment or ~/.netrc (see --source)
    """
    from ..fetch import fetch as fetch_data
    from ..fetch import load_fetch_config
    from ..tracker import data_age_note

    config = load_fetch_config(config_path)

    def on_request(method, url):
        shown = url if len(url) <= 120 else f"{url[:80]}...{url[-37:]}"
        click.echo(f"{method} {shown}", err=True)

    with open_store_cli(db, require_data=False) as store:
        report = fetch_data(store, source, force=force, config=config, on_request=on_request)
    if as_json:
        click.echo(dumps_strict(report.to_dict()))
        return
    for r in report.requests:
        if r.status is None and r.skipped_reason:
            click.echo(f"{r.url}\n  no request: {r.skipped_reason}")
            continue
        what = f"HTTP {r.status}" if r.status else "-"
        line = f"  {what}, {r.bytes:,} bytes, {r.records:,} records, {r.new:,} new"
        if r.skipped_reason:
            line = f"  {what}: {r.skipped_reason}"
        click.echo(f"{r.url}\n{line}")
    click.echo(data_age_note(report.data_through))


def echo_data_age(store) -> None:
    """On stderr: how old the store's newest element set is (and 'kuiper fetch' if old)."""
    from ..tracker import data_age_note

    click.echo(data_age_note(store.data_through()), err=True)
