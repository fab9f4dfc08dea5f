"""The SOTP's inputs: dated quarters, one-offs, balance sheets, deal terms, multiples.

See :mod:`kuiper.value.sotp` for the model and ``kuiper/data/sotp.toml`` for the figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from ..errors import KuiperError, ManifestError
from ..manifest import read_data_toml
from .config import _is_number

__all__ = ["Quarter", "SotpConfig", "load_sotp_config"]

SCHEMA_VERSION = 2
TAGS = ("seen", "inferred", "weak")
REQUIRED = (
    "net_sales_usd",
    "aws_revenue_usd",
    "aws_operating_income_usd",
    "advertising_revenue_usd",
    "operating_income_usd",
)
OPTIONAL = ("net_income_usd", "diluted_shares")
MULTIPLES = (
    "aws_ev_to_operating_income",
    "advertising_ev_to_sales",
    "retail_ev_to_sales",
    "retail_ev_to_operating_income",
)
BALANCE = ("cash_and_securities_usd", "debt_usd", "lease_liabilities_usd")
ANTHROPIC_METHODS = ("carrying", "last_round")
RETAIL_METHODS = ("ev_sales", "ev_ebit")


@dataclasses.dataclass(frozen=True)
class Quarter:
    name: str
    end_utc: dt.date
    reported_utc: dt.date
    figures: dict  # name -> {"value", "tag", "source"}

    def value(self, key: str) -> float | None:
        f = self.figures.get(key)
        return None if f is None else f["value"]


@dataclasses.dataclass(frozen=True)
class SotpConfig:
    """Validated contents of a SOTP TOML (see ``kuiper/data/sotp.toml``)."""

    path: str
    quarters: tuple
    one_offs: tuple
    balance_sheets: tuple
    include_leases: bool
    globalstar: dict
    anthropic_marks: tuple
    anthropic_method: str
    leo: dict
    retail_method: str
    tax_rate: float
    multiples: dict
    sources: dict

    def with_values(self, **values) -> SotpConfig:
        """A copy with multiples, Globalstar terms, Leo opex or switches replaced.

        Keys: a multiple's name; ``globalstar_<field>``; ``leo_opex_ttm_usd``;
        ``leo_add_back``; ``include_leases``; ``retail_method``; ``anthropic_method``;
        ``tax_rate``.
        """
        new = dict(
            multiples=dict(self.multiples), globalstar=dict(self.globalstar), leo=dict(self.leo)
        )
        flat = {}
        for name, v in values.items():
            if name in self.multiples:
                new["multiples"][name] = _number(v, f"{self.path}: {name}")
            elif name.startswith("globalstar_") and name[11:] in self.globalstar:
                key = name[11:]
                if key in ("announced_utc", "expected_close"):
                    raise KuiperError(f"{self.path}: {name} cannot be replaced")
                new["globalstar"][key] = _number(v, f"{self.path}: {name}")
            elif name == "leo_opex_ttm_usd":
                new["leo"]["opex_ttm_usd"] = _number(v, f"{self.path}: {name}")
            elif name == "leo_add_back":
                new["leo"]["add_back"] = bool(v)
            elif name in ("include_leases", "retail_method", "anthropic_method", "tax_rate"):
                flat[name] = v
            else:
                raise KuiperError(f"{self.path}: unknown SOTP input {name!r}")
        out = dataclasses.replace(self, **new, **flat)
        _check(out)
        return out


def _number(v, where: str) -> float:
    if not _is_number(v):
        raise KuiperError(f"{where} must be a finite number, got {v!r}")
    return float(v)


def _text(table: dict, key: str, where: str) -> str:
    v = table.get(key)
    if not isinstance(v, str) or not v.strip():
        raise ManifestError(f"{where} field {key!r} must be a non-empty string")
    return v


def _date(table: dict, key: str, where: str) -> dt.date:
    v = table.get(key)
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    try:
        return dt.date.fromisoformat(v)
    except (TypeError, ValueError):
        raise ManifestError(f"{where} field {key!r} must be a date YYYY-MM-DD, got {v!r}") from None


def _figure(table: dict, key: str, where: str, required: bool) -> dict | None:
    entry = table.get(key)
    if entry is None and not required:
        return None
    w = f"{where} field {key!r}"
    if not isinstance(entry, dict):
        raise ManifestError(f"{w} must be {{value, tag, source}}")
    if not _is_number(entry.get("value")):
        raise ManifestError(f"{w} value must be a finite number, got {entry.get('value')!r}")
    if entry.get("tag") not in TAGS:
        raise ManifestError(f"{w} tag must be one of {', '.join(TAGS)}, got {entry.get('tag')!r}")
    if not isinstance(entry.get("source"), str) or not entry["source"].strip():
        raise ManifestError(f"{w} source must be a non-empty string")
    return {"value": float(entry["value"]), "tag": entry["tag"], "source": entry["source"]}


def _tables(data: dict, key: str, name: str, *, required: bool = True):
    """``(where, row)`` for each ``[[key]]`` entry, each checked to be a table."""
    rows = data.get(key)
    if required and (not isinstance(rows, list) or not rows):
        raise ManifestError(f"{name}: missing [[{key}]] entries")
    for k, row in enumerate(rows or [], start=1):
        where = f"{name}: [[{key}]] {k}"
        if not isinstance(row, dict):
            raise ManifestError(f"{where} is not a table")
        yield where, row


def _quarters(data: dict, name: str) -> tuple:
    out = []
    for where, row in _tables(data, "quarter", name):
        qname = _text(row, "name", where)
        if not _is_quarter_name(qname):
            raise ManifestError(f"{where} field 'name' must look like 2026-Q2, got {qname!r}")
        where = f"{name}: [[quarter]] {qname}"
        known = {"name", "end_utc", "reported_utc", *REQUIRED, *OPTIONAL}
        extra = sorted(set(row) - known)
        if extra:
            raise ManifestError(f"{where} has unknown field {extra[0]!r}")
        figures = {key: _figure(row, key, where, True) for key in REQUIRED}
        for key in OPTIONAL:
            f = _figure(row, key, where, False)
            if f is not None:
                figures[key] = f
        q = Quarter(qname, _date(row, "end_utc", where), _date(row, "reported_utc", where), figures)
        if q.reported_utc < q.end_utc:
            raise ManifestError(f"{where} field 'reported_utc' is before 'end_utc'")
        for key in ("net_sales_usd", "aws_revenue_usd", "advertising_revenue_usd"):
            if q.value(key) < 0:
                raise ManifestError(f"{where} field {key!r} must be >= 0")
        if q.value("aws_revenue_usd") + q.value("advertising_revenue_usd") > q.value(
            "net_sales_usd"
        ):
            raise ManifestError(f"{where} field 'net_sales_usd' is less than AWS plus advertising")
        if q.value("diluted_shares") is not None and q.value("diluted_shares") <= 0:
            raise ManifestError(f"{where} field 'diluted_shares' must be > 0")
        out.append(q)
    out.sort(key=lambda q: q.end_utc)
    names = [q.name for q in out]
    if len(set(names)) != len(names):
        raise ManifestError(f"{name}: [[quarter]] names repeat")
    return tuple(out)


def _is_quarter_name(text: str) -> bool:
    return len(text) == 7 and text[:4].isdigit() and text[4:6] == "-Q" and text[6] in "1234"


def _one_offs(data: dict, name: str, quarters: tuple) -> tuple:
    names = {q.name for q in quarters}
    out = []
    for where, row in _tables(data, "one_off", name, required=False):
        q = _text(row, "quarter", where)
        if q not in names:
            raise ManifestError(f"{where} field 'quarter' {q!r} is not a [[quarter]] on file")
        usd = row.get("usd")
        if not _is_number(usd) or usd < 0:
            raise ManifestError(f"{where} field 'usd' must be a number >= 0, got {usd!r}")
        kind, line = row.get("kind"), row.get("line")
        if kind not in ("gain", "charge"):
            raise ManifestError(f"{where} field 'kind' must be 'gain' or 'charge', got {kind!r}")
        if line not in ("operating", "non_operating"):
            raise ManifestError(
                f"{where} field 'line' must be 'operating' or 'non_operating', got {line!r}"
            )
        segment = row.get("segment")
        if line == "operating" and segment not in ("aws", "retail"):
            raise ManifestError(
                f"{where} field 'segment' must be 'aws' or 'retail' for an operating one-off, "
                f"got {segment!r}"
            )
        out.append(
            {
                "quarter": q,
                "segment": segment if line == "operating" else None,
                "name": _text(row, "name", where),
                "usd": float(usd),
                "kind": kind,
                "line": line,
                "source": _text(row, "source", where),
            }
        )
    return tuple(out)


def _balance_sheets(data: dict, name: str) -> tuple:
    out = []
    for where, row in _tables(data, "balance_sheet", name):
        entry = {"date_utc": _date(row, "date_utc", where), "source": _text(row, "source", where)}
        for key in BALANCE:
            f = _figure(row, key, where, True)
            if f["value"] < 0:
                raise ManifestError(f"{where} field {key!r} value must be >= 0")
            entry[key] = f
        out.append(entry)
    out.sort(key=lambda b: b["date_utc"])
    return tuple(out)


def _globalstar(data: dict, name: str) -> dict:
    g = data.get("globalstar")
    where = f"{name}: [globalstar]"
    if not isinstance(g, dict):
        raise ManifestError(f"{name}: missing [globalstar] table")
    out = {"announced_utc": _date(g, "announced_utc", where)}
    out["expected_close"] = _text(g, "expected_close", where)
    for key in (
        "price_usd",
        "price_per_share_usd",
        "exchange_ratio_amzn",
        "stock_fraction",
        "value_acquired_usd",
    ):
        v = g.get(key)
        if not _is_number(v):
            raise ManifestError(f"{where} field {key!r} must be a finite number, got {v!r}")
        out[key] = float(v)
    for key in ("source", "stock_fraction_source", "value_acquired_source"):
        out[key] = _text(g, key, where)
    return out


def _anthropic(data: dict, name: str) -> tuple[tuple, str]:
    marks = []
    for where, row in _tables(data, "anthropic_mark", name):
        method = row.get("method")
        if method not in ANTHROPIC_METHODS:
            raise ManifestError(
                f"{where} field 'method' must be one of {', '.join(ANTHROPIC_METHODS)}, "
                f"got {method!r}"
            )
        v = row.get("value_usd")
        if not _is_number(v) or v < 0:
            raise ManifestError(f"{where} field 'value_usd' must be a number >= 0, got {v!r}")
        marks.append(
            {
                "date_utc": _date(row, "date_utc", where),
                "method": method,
                "value_usd": float(v),
                "source": _text(row, "source", where),
            }
        )
    marks.sort(key=lambda m: m["date_utc"])
    table = data.get("anthropic")
    if not isinstance(table, dict):
        raise ManifestError(f"{name}: missing [anthropic] table")
    return tuple(marks), table.get("method")


def _check(cfg: SotpConfig) -> None:
    p = cfg.path
    for key, v in cfg.multiples.items():
        if v < 0:
            raise ManifestError(f"{p}: [multiple.{key}] field 'value' must be >= 0")
    g = cfg.globalstar
    if not 0.0 <= g["stock_fraction"] <= 1.0:
        raise ManifestError(f"{p}: [globalstar] field 'stock_fraction' must be within 0-1")
    for key in ("price_usd", "price_per_share_usd", "exchange_ratio_amzn"):
        if not g[key] > 0:
            raise ManifestError(f"{p}: [globalstar] field {key!r} must be > 0")
    if g["value_acquired_usd"] < 0:
        raise ManifestError(f"{p}: [globalstar] field 'value_acquired_usd' must be >= 0")
    if cfg.leo["opex_ttm_usd"] < 0:
        raise ManifestError(f"{p}: [leo] field 'opex_ttm_usd' must be >= 0")
    if cfg.retail_method not in RETAIL_METHODS:
        raise ManifestError(
            f"{p}: [method] field 'retail' must be one of {', '.join(RETAIL_METHODS)}, "
            f"got {cfg.retail_method!r}"
        )
    if cfg.anthropic_method not in ANTHROPIC_METHODS:
        raise ManifestError(
            f"{p}: [anthropic] field 'method' must be one of {', '.join(ANTHROPIC_METHODS)}, "
            f"got {cfg.anthropic_method!r}"
        )
    if not isinstance(cfg.include_leases, bool):
        raise ManifestError(f"{p}: [balance] field 'include_leases' must be true or false")
    if not (_is_number(cfg.tax_rate) and 0.0 <= cfg.tax_rate < 1.0):
        raise ManifestError(f"{p}: [method] field 'tax_rate' must be within 0-1")


def load_sotp_config(path: str | Path | None = None) -> SotpConfig:
    """Read and validate a SOTP TOML (default: the shipped ``sotp.toml``).

    Raises
    ------
    ManifestError
        One line naming the file and the table and field at fault.
    """
    data, name = read_data_toml(path, "sotp.toml", check_schema=False)
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ManifestError(
            f"{name}: schema_version is {data.get('schema_version')!r}, expected {SCHEMA_VERSION}"
        )
    quarters = _quarters(data, name)
    table = data.get("multiple")
    if not isinstance(table, dict):
        raise ManifestError(f"{name}: missing [multiple.*] tables")
    for key in table:
        if key not in MULTIPLES:
            raise ManifestError(f"{name}: [multiple.{key}] is not a known multiple")
    multiples, sources = {}, {}
    for key in MULTIPLES:
        entry = table.get(key)
        where = f"{name}: [multiple.{key}]"
        if not isinstance(entry, dict):
            raise ManifestError(f"{where} is missing")
        if not _is_number(entry.get("value")):
            raise ManifestError(
                f"{where} field 'value' must be a number, got {entry.get('value')!r}"
            )
        multiples[key] = float(entry["value"])
        sources[key] = _text(entry, "source", where)
    balance = data.get("balance")
    if not isinstance(balance, dict):
        raise ManifestError(f"{name}: missing [balance] table")
    sources["balance"] = _text(balance, "source", f"{name}: [balance]")
    leo = data.get("leo")
    if not isinstance(leo, dict):
        raise ManifestError(f"{name}: missing [leo] table")
    if not _is_number(leo.get("opex_ttm_usd")) or not isinstance(leo.get("add_back"), bool):
        raise ManifestError(
            f"{name}: [leo] needs 'opex_ttm_usd' (a number) and 'add_back' (true or false)"
        )
    leo_out = {
        "opex_ttm_usd": float(leo["opex_ttm_usd"]),
        "add_back": leo["add_back"],
        "source": _text(leo, "source", f"{name}: [leo]"),
    }
    method = data.get("method")
    if not isinstance(method, dict):
        raise ManifestError(f"{name}: missing [method] table")
    sources["tax_rate"] = _text(method, "tax_rate_source", f"{name}: [method]")
    marks, anthropic_method = _anthropic(data, name)
    cfg = SotpConfig(
        path=name,
        quarters=quarters,
        one_offs=_one_offs(data, name, quarters),
        balance_sheets=_balance_sheets(data, name),
        include_leases=balance.get("include_leases"),
        globalstar=_globalstar(data, name),
        anthropic_marks=marks,
        anthropic_method=anthropic_method,
        leo=leo_out,
        retail_method=method.get("retail"),
        tax_rate=method.get("tax_rate"),
        multiples=multiples,
        sources=sources,
    )
    _check(cfg)
    return cfg
