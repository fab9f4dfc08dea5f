"""The report's appendix: every shipped data file's figures beside their sources.

Sections link here (``#src-<file>``, ``#src-<file>-<key>``) instead of to the web: a
figure's source is the ``<key>_source`` beside it (or the nearest ``*_source`` whose
name it starts with, or its table's ``source``), else the comment block above its line
in the file. Source addresses are shown as text, never fetched.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import tomllib
from importlib import resources

MAX_VALUE_CHARS = 160


@dataclasses.dataclass
class SourceRow:
    anchor: str
    key: str
    value: str
    source: str


@dataclasses.dataclass
class DataFile:
    name: str
    anchor: str
    summary: str
    rows: list[SourceRow]


def anchor(file: str, key: str | None = None) -> str:
    """The id of a data file's block, or of one key's row, in the appendix."""
    base = "src-" + re.sub(r"[^A-Za-z0-9]+", "-", file).strip("-")
    if key:
        base += "-" + re.sub(r"[^A-Za-z0-9]+", "-", key).strip("-")
    return base


def _comments(text: str) -> dict[tuple[str, str], str]:
    """(table path, key) -> the comment block above that key's paragraph.

    A comment block covers the key lines that follow it up to the next blank line,
    comment, table header or explicit ``*_source`` key (the data files group related
    keys under one comment).
    """
    out: dict[tuple[str, str], str] = {}
    table, block, current, previous_comment = "", [], "", False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            if not previous_comment:
                block = []
            block.append(stripped.lstrip("#").strip())
            current = " ".join(b for b in block if b)
            previous_comment = True
            continue
        previous_comment = False
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?$", stripped)
        if header:
            table, current = header.group(1), ""
            continue
        key = re.match(r"^([A-Za-z0-9_\-\"\.]+)\s*=", stripped)
        if key and current:
            out[(table, key.group(1))] = current
        if key and key.group(1).endswith("source"):
            current = ""  # keys sourced explicitly close the comment's paragraph
        if not stripped:
            current = ""
    return out


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def _source_for(table: dict, key: str, comments: dict, path: str) -> str:
    parts = key.split("_")
    for n in range(len(parts), 0, -1):
        candidate = "_".join(parts[:n]) + "_source"
        if isinstance(table.get(candidate), str):
            return table[candidate]
    if isinstance(table.get("source"), str):
        return table["source"]
    return comments.get((path, key), "")


def _toml_rows(file: str, data: dict, comments: dict) -> list[SourceRow]:
    rows: list[SourceRow] = []

    def walk(table: dict, path: str):
        if path and _compact(table):
            body = "; ".join(
                f"{k} {v}"
                for k, v in table.items()
                if k not in ("source", "tag") and k[-7:] != "_source"
            )
            tag = f" [{table['tag']}]" if isinstance(table.get("tag"), str) else ""
            rows.append(SourceRow(anchor(file, path), path, _short(body), table["source"] + tag))
            return
        scalars = {
            k: v
            for k, v in table.items()
            if not isinstance(v, dict | list) or (isinstance(v, list) and not _tables(v))
        }
        for key, value in scalars.items():
            if key == "source" or key.endswith("_source") or key == "schema_version":
                continue
            dotted = f"{path}.{key}" if path else key
            rows.append(
                SourceRow(
                    anchor(file, dotted),
                    dotted,
                    _short(value),
                    _source_for(table, key, comments, path),
                )
            )
        for key, value in table.items():
            dotted = f"{path}.{key}" if path else key
            if isinstance(value, dict):
                walk(value, dotted)
            elif isinstance(value, list) and _tables(value):
                fallback = _source_for(table, key, comments, path)
                for i, item in enumerate(value):
                    item_rows(item, f"{dotted}[{i}]", anchor(file, f"{dotted}-{i}"), fallback)

    def item_rows(item: dict, path: str, row_anchor: str, fallback: str):
        """One row per entry of an array of tables; its own tables and arrays below it."""
        label = next((str(v) for v in item.values() if isinstance(v, str)), "")
        compact = "; ".join(
            f"{k}={v}"
            for k, v in item.items()
            if not isinstance(v, dict | list) and k != "source" and not k.endswith("_source")
        )
        own = item.get("source") or next(
            (v for k, v in item.items() if k.endswith("_source") and isinstance(v, str)), ""
        )
        rows.append(
            SourceRow(row_anchor, f"{path} {label}".strip(), _short(compact), own or fallback)
        )
        for key, value in item.items():
            if isinstance(value, dict):
                walk(value, f"{path}.{key}")
            elif isinstance(value, list) and _tables(value):
                for j, sub in enumerate(value):
                    item_rows(sub, f"{path}.{key}[{j}]", f"{row_anchor}-{key}-{j}", own or fallback)

    walk(data, "")
    return rows


def _compact(table: dict) -> bool:
    """A small sourced table (``base/low/high``, ``value/tag``...): one row in the appendix."""
    return (
        isinstance(table.get("source"), str)
        and len(table) <= 9
        and all(not isinstance(v, dict | list) for v in table.values())
        and any(k in table for k in ("base", "value"))
    )


def _tables(value: list) -> bool:
    return bool(value) and all(isinstance(v, dict) for v in value)


def _csv_file(name: str, text: str) -> DataFile:
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    columns = reader.fieldnames or []
    sources = sorted({r.get("source", "") for r in rows if r.get("source")} - {"same"})
    summary = f"{len(rows):,} rows; columns: {', '.join(columns)}"
    return DataFile(
        name,
        anchor(name),
        summary,
        [SourceRow(anchor(name, f"source-{i}"), "source", "", s) for i, s in enumerate(sources)],
    )


def data_files() -> list[DataFile]:
    """Every TOML and CSV file shipped in ``kuiper/data``, flattened for the appendix."""
    out = []
    root = resources.files("kuiper.data")
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            text = entry.read_text(encoding="utf-8")
            rows = _toml_rows(entry.name, tomllib.loads(text), _comments(text))
            out.append(
                DataFile(entry.name, anchor(entry.name), f"{len(rows)} figures and entries", rows)
            )
        elif entry.name.endswith(".csv") and not entry.name.startswith("satcat"):
            out.append(_csv_file(entry.name, entry.read_text(encoding="utf-8")))
    return out


def link(file: str, key: str | None = None, label: str | None = None) -> tuple[str, str]:
    """A (label, #anchor) pair for a section's list of assumptions."""
    text = label or (f"{file}: {key}" if key else file)
    return text, "#" + anchor(file, key)
