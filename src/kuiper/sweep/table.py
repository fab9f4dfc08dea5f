"""A sweep as a table: one row per run, parameters then the result's scalars, flattened.

Nested tables become dotted column names and lists are indexed
(``by_latitude.3.fraction``), so every scalar of a command's ``--json`` result
has a column. Parameters are prefixed ``param.``; a failed run has an ``error``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ..errors import KuiperError

TABLE_FORMATS = (".parquet", ".csv")
MAX_SHOWN_RESULT_COLUMNS = 4
WALL_CLOCK_KEYS = ("elapsed_s",)
"""Result fields that time the run itself: they differ between any two runs."""


class TableError(KuiperError):
    """A sweep table that cannot be written."""


def flatten(value, prefix: str = "") -> dict:
    """Scalars of a JSON value under dotted names: {"a": {"b": [1]}} -> {"a.b.0": 1}."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {prefix: value}
    out: dict = {}
    for key, item in items:
        out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return out


def rows(result) -> list[dict]:
    """One flat row per run: ``param.*`` columns, then the result's or ``error``."""
    out = []
    for run in result.runs:
        row = {f"param.{k}": _cell(v) for k, v in run["params"].items()}
        if "error" in run:
            row["error"] = run["error"]
        else:
            row.update(flatten(run["result"]))
        out.append(row)
    return out


def check_table_path(path: str | Path) -> Path:
    """Refuse, before any work, a table path kuiper cannot write."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_FORMATS:
        raise TableError(f"{path}: write .parquet or .csv (not {suffix or 'no suffix'!r})")
    if suffix == ".parquet":
        import importlib.util

        if importlib.util.find_spec("pyarrow") is None:
            raise TableError(
                f"{path}: writing Parquet needs pyarrow (pip install pyarrow), or write .csv"
            )
    if not path.parent.is_dir():
        raise TableError(f"{path}: no such folder {str(path.parent)!r}")
    return path


def write_table(result, path: str | Path) -> Path:
    """Write the sweep as Parquet (pyarrow) or CSV, chosen by the file's suffix."""
    path = check_table_path(path)
    table = rows(result)
    columns = list(dict.fromkeys(c for row in table for c in row))
    if path.suffix.lower() == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(table)
        return path
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = {c: [row.get(c) for row in table] for c in columns}
    pq.write_table(pa.table({c: _column(pa, v) for c, v in data.items()}), path)
    return path


def render(result) -> str:
    """A text table: the parameters that vary, then the first result scalars that vary."""
    table = rows(result)
    if not table:
        return "no runs"
    columns = list(dict.fromkeys(c for row in table for c in row))
    params = [c for c in columns if c.startswith("param.")]
    ok = [r for r in table if "error" not in r]

    def varies(c, among):
        return len({json.dumps(r.get(c)) for r in among}) > 1

    shown = [c for c in params if varies(c, table)] or params[:1]
    echoes = [[r.get(p) for r in ok] for p in params]
    numeric = [
        c
        for c in columns
        if ok
        and not c.startswith("param.")
        and c.split(".")[-1] not in WALL_CLOCK_KEYS
        and all(_is_number(r.get(c)) for r in ok)
        and [r.get(c) for r in ok] not in echoes
    ]
    numeric.sort(key=lambda c: (not varies(c, ok), c.count(".")))
    shown += numeric[:MAX_SHOWN_RESULT_COLUMNS]
    if len(ok) < len(table):
        shown.append("error")
    heads = [c.removeprefix("param.") for c in shown]
    cells = [[_fmt(r.get(c)) for c in shown] for r in table]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    lines.append(
        f"{len(table)} runs, {len(table) - len(ok)} failed; "
        "every column: --json or -o sweep.parquet|csv"
    )
    return "\n".join(lines)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value):
    return json.dumps(value) if isinstance(value, list | dict) else value


def _column(pa, values):
    """An Arrow column; a column of mixed types (e.g. null and text) falls back to text."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values])


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
