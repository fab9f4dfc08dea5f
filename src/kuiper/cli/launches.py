"""``kuiper launches``: the launch log and the provisional launches found in the store."""

from __future__ import annotations

import click

from .._json import dumps_strict
from ._common import (
    CONTEXT,
    as_of_date,
    as_of_option,
    db_option,
    fail_cleanly,
    json_option,
    main,
    open_store_cli,
)


@main.command(context_settings=CONTEXT)
@as_of_option
@db_option
@json_option
@fail_cleanly
def launches(as_of, db, as_json):
    """Kuiper launches: the shipped launch log plus provisional launches.

    A provisional launch is a COSPAR launch of Kuiper objects (KUIPER-*, AMAZON
    LEO-*) that the launch log lacks: its date comes from SATCAT, else from the
    first element set; its size is the catalogued objects of that launch; its
    vehicle comes from the SATCAT launch site where that decides it, else it is
    'unattributed'.

    \b
    Examples:
      kuiper launches
      kuiper launches --as-of 2026-01-01 --json
    """
    from ..tracker import launches_as_of

    with open_store_cli(db) as store:
        when = as_of_date(store, as_of)
        found = launches_as_of(store, when)
    rows = [
        {
            "mission": la.mission,
            "cospar_launch": la.cospar_launch,
            "launch_date_utc": la.launch_date_utc.isoformat(),
            "vehicle": la.vehicle,
            "satellites": la.satellites,
            "outcome": la.outcome,
            "counted": la.counted,
            "provisional": la.provisional,
            "source": la.source,
        }
        for la in found
    ]
    if as_json:
        out = {"as_of": when.isoformat().replace("+00:00", "Z"), "launches": rows}
        click.echo(dumps_strict(out))
        return
    click.echo(f"Kuiper / Amazon Leo launches on or before {when:%Y-%m-%d}")
    click.echo(f"{'mission':<30}{'COSPAR':<10}{'date':<12}{'vehicle':<14}{'sats':>5}  outcome")
    for r in rows:
        flag = "  PROVISIONAL" if r["provisional"] else ""
        note = "" if r["counted"] else " (not counted)"
        click.echo(
            f"{r['mission'][:29]:<30}{r['cospar_launch'] or '-':<10}{r['launch_date_utc']:<12}"
            f"{r['vehicle'][:13]:<14}{r['satellites']:>5}  {r['outcome']}{note}{flag}"
        )
    n_prov = sum(r["provisional"] for r in rows)
    if n_prov:
        click.echo(
            f"Warning: {n_prov} launch(es) are not in the launch log and are provisional "
            "(inferred from element data and SATCAT)",
            err=True,
        )
