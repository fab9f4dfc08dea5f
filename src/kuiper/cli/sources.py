"""What the store was built from: ``kuiper sources`` lists it, ``kuiper forget`` undoes one."""

from __future__ import annotations

import click

from ._common import (
    CONTEXT,
    db_option,
    dumps_strict,
    fail_cleanly,
    json_option,
    main,
    open_store_cli,
)


@main.command(context_settings=CONTEXT)
@db_option
@json_option
@fail_cleanly
def sources(db, as_json):
    """List every file ingested into the store, oldest first.

    Columns: the sha256 prefix (what 'kuiper forget' takes), when it was ingested
    (UTC), its format, the records it held and the element sets it added then, the
    element sets it supplies now and how many of them no other file supplies (what
    forgetting it removes), its SATCAT rows, and the path it was read from.

    \b
    Examples:
      kuiper sources
      kuiper sources --json
    """
    with open_store_cli(db, require_data=False) as store:
        rows = store.sources()
    if as_json:
        click.echo(dumps_strict(rows))
        return
    click.echo(
        f"{'sha256':<13}{'ingested (UTC)':<21}{'format':<11}{'records':>8}{'new':>7}"
        f"{'sets':>7}{'only':>7}{'satcat':>7}  path"
    )
    for r in rows:
        click.echo(
            f"{r['sha256'][:12]:<13}{r['ingested_utc'][:19].replace('T', ' '):<21}"
            f"{r['format']:<11}{r['n_records']:>8}{r['n_new']:>7}{r['n_element_sets']:>7}"
            f"{r['n_only_here']:>7}{r['n_satcat_rows']:>7}  {r['path']}"
        )
    click.echo(f"{len(rows)} sources")


@main.command(context_settings=CONTEXT)
@click.argument("source")
@db_option
@json_option
@fail_cleanly
def forget(source, db, as_json):
    """Remove one ingested file and everything only it contributed.

    SOURCE is the path it was ingested from or a prefix of its sha256 (see 'kuiper
    sources'); a prefix matching several sources is an error. Element sets that
    other files also supplied stay; SATCAT rows and objects are recomputed from
    what remains. One transaction: all or nothing.

    \b
    Examples:
      kuiper forget downloads/typo.json
      kuiper forget 3f9a2c71
    """
    with open_store_cli(db, require_data=False) as store:
        result = store.forget(source)
    if as_json:
        click.echo(dumps_strict(result))
        return
    click.echo(
        f"forgot {result['path']} ({result['sha256'][:12]}): "
        f"{result['n_elements_removed']} element sets removed, "
        f"{result['n_satcat_changed']} SATCAT rows recomputed"
    )
