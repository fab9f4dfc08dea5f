"""The valuation's assumptions file: sourced parameters with ranges, model settings, options."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

from ..errors import KuiperError, ManifestError
from ..manifest import read_data_toml

__all__ = ["Assumption", "ValuationConfig", "load_valuation_config"]

SCHEMA_VERSION = 1
DEFAULT_TRIALS = 20_000
FORECAST_TRIALS = 100_000
N_LEVELS = 4096
DAYS_PER_YEAR = 365.25
SUMMARY_KEYS = ("p10", "p50", "p90", "mean")
TAGS = ("seen", "inferred", "weak")

# Each parameter's domain: (lowest, highest, whether the ends are allowed).
_DOMAINS = {
    "discount_rate": (0.0, 1.0, False),
    "tax_rate": (0.0, 1.0, "low"),
    "terminal_growth": (-0.5, 0.5, True),
    "market_revenue_usd_year": (0.0, math.inf, "low"),
    "demand_share": (0.0, 1.0, True),
    "demand_growth": (-0.9, 2.0, True),
    "demand_volatility": (0.0, 3.0, True),
    "revenue_per_satellite_usd_year": (0.0, math.inf, "low"),
    "priority_haircut": (0.0, 1.0, True),
    "waiver_probability": (0.0, 1.0, True),
    "gen1_capex_usd": (0.0, math.inf, "low"),
    "invested_usd": (0.0, math.inf, "low"),
    "fixed_opex_usd_year": (0.0, math.inf, "low"),
    "variable_cost_share": (0.0, 1.0, True),
    "maintenance_capex_share": (0.0, 1.0, True),
    "gen2_capex_usd": (0.0, math.inf, "low"),
    "gen2_capacity_ratio": (0.0, math.inf, "low"),
    "salvage_usd": (0.0, math.inf, "low"),
    "enterprise_government_share": (0.0, 1.0, True),
    "aws_attach_rate": (0.0, 1.0, True),
    "aws_operating_margin": (0.0, 1.0, True),
    "ground_advantage": (0.0, math.inf, "low"),
    "diluted_shares": (0.0, math.inf, False),
}
# Parameters the tornado leaves out: they do not move the total in USD.
_NOT_IN_TORNADO = ("diluted_shares",)

_MODEL_FIELDS = {
    "valuation_end_utc": "date",
    "terminal_value": "bool",
    "decision_interval_months": "int1",
    "service_start_satellites": "int0",
    "demand_reference_utc": "date",
    "priority_loss_utc": "date",
    "priority_restore_utc": "date",
    "gen2_lead_months": "int0",
    "gen2_build_months": "int1",
    "gen2_capex_months": "int1",
    "expand_from_utc": "date",
    "expand_until_utc": "date",
    "abandon_from_utc": "date",
}
_MODEL_SOURCES = (
    "valuation_end_source",
    "terminal_value_source",
    "decision_interval_source",
    "service_start_source",
    "demand_reference_source",
    "priority_source",
    "gen2_source",
    "expand_window_source",
    "abandon_from_source",
)
OPTIONS = ("expand", "defer", "abandon")


# ---------------------------------------------------------------------------
# The assumptions file


@dataclasses.dataclass(frozen=True)
class Assumption:
    """One sourced parameter with its range."""

    name: str
    base: float
    low: float
    high: float
    unit: str
    tag: str
    source: str

    def to_dict(self) -> dict:
        return {
            "value": self.base,
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
            "tag": self.tag,
            "source": self.source,
        }


@dataclasses.dataclass(frozen=True)
class ValuationConfig:
    """Validated contents of a valuation TOML.

    ``parameters`` maps each name of ``_DOMAINS`` to an :class:`Assumption`; ``model``
    holds the structural settings (dates, months, flags) and ``options`` which real
    options management holds. Use :meth:`with_values`, :meth:`with_model` and
    :meth:`with_options` to derive variants (each is validated again).
    """

    path: str
    parameters: dict
    model: dict
    options: dict
    sources: dict

    def value(self, name: str) -> float:
        return self.parameters[name].base

    def with_values(self, source: str | None = None, **values) -> ValuationConfig:
        """A copy with the base value of some parameters replaced (ranges kept wide enough)."""
        params = dict(self.parameters)
        for name, v in values.items():
            if name not in params:
                raise KuiperError(f"{self.path}: unknown parameter {name!r}")
            a = params[name]
            if not _is_number(v):
                raise KuiperError(f"{self.path}: [parameter.{name}] value must be a number")
            v = float(v)
            params[name] = dataclasses.replace(
                a,
                base=v,
                low=min(a.low, v),
                high=max(a.high, v),
                source=source or a.source,
            )
        new = dataclasses.replace(self, parameters=params)
        _check_parameters(new.parameters, new.path)
        return new

    def with_model(self, **values) -> ValuationConfig:
        """A copy with some ``[model]`` settings replaced."""
        model = dict(self.model)
        for name, v in values.items():
            if name not in _MODEL_FIELDS:
                raise KuiperError(f"{self.path}: unknown [model] field {name!r}")
            model[name] = _model_value({name: v}, name, _MODEL_FIELDS[name], self.path)
        _check_model(model, self.path)
        return dataclasses.replace(self, model=model)

    def with_options(self, **flags) -> ValuationConfig:
        """A copy with some options switched on or off (``expand``, ``defer``, ``abandon``)."""
        options = dict(self.options)
        for name, v in flags.items():
            if name not in OPTIONS or not isinstance(v, bool):
                raise KuiperError(f"{self.path}: [options] {name!r} must be one of {OPTIONS}")
            options[name] = v
        return dataclasses.replace(self, options=options)

    def to_dict(self) -> dict:
        out = {name: a.to_dict() for name, a in self.parameters.items()}
        for name, v in self.model.items():
            out[name] = {
                "value": v.isoformat() if isinstance(v, dt.date) else v,
                "source": self.sources.get(name, ""),
            }
        out["options"] = {"value": dict(self.options), "source": self.sources.get("options", "")}
        return out


def _is_number(v) -> bool:
    """A finite int or float (not a bool; not an int too large for a float)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _check_parameters(params: dict, name: str) -> None:
    for p, a in params.items():
        where = f"{name}: [parameter.{p}]"
        lo, hi, ends = _DOMAINS[p]
        for field in ("base", "low", "high"):
            v = getattr(a, field)
            low_ok = v >= lo if ends in (True, "low") else v > lo
            high_ok = v <= hi if ends is True else v < hi
            if not (low_ok and high_ok):
                raise ManifestError(f"{where} field {field!r} = {v!r} is outside ({lo}, {hi})")
        if not a.low <= a.base <= a.high:
            raise ManifestError(
                f"{where} needs low <= base <= high, got {a.low}, {a.base}, {a.high}"
            )
    # The tornado swings one at a time: growth's high against the base rate, the rate's
    # low against base growth.
    g, r = params["terminal_growth"], params["discount_rate"]
    for field, gv, rv in (
        ("base", g.base, r.base),
        ("high", g.high, r.base),
        ("base", g.base, r.low),
    ):
        if gv >= rv:
            raise ManifestError(
                f"{name}: [parameter.terminal_growth] field {field!r} = {gv} must be below "
                f"discount_rate ({rv})"
            )
    inv, capex = params["invested_usd"], params["gen1_capex_usd"]
    if inv.high > capex.low:
        raise ManifestError(
            f"{name}: [parameter.invested_usd] field 'high' = {inv.high} exceeds "
            f"gen1_capex_usd low ({capex.low})"
        )


def _model_value(table: dict, key: str, kind: str, name: str):
    where = f"{name}: [model]"
    if key not in table:
        raise ManifestError(f"{where} missing field {key!r}")
    v = table[key]
    if kind == "date":
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return v
        if not isinstance(v, str):
            raise ManifestError(f"{where} field {key!r} must be a date YYYY-MM-DD, got {v!r}")
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            raise ManifestError(f"{where} field {key!r} is not a date YYYY-MM-DD: {v!r}") from None
    if kind == "bool":
        if not isinstance(v, bool):
            raise ManifestError(f"{where} field {key!r} must be true or false, got {v!r}")
        return v
    least = 1 if kind == "int1" else 0
    if isinstance(v, bool) or not isinstance(v, int) or v < least:
        raise ManifestError(f"{where} field {key!r} must be an integer >= {least}, got {v!r}")
    return v


def _check_model(model: dict, name: str) -> None:
    if model["expand_from_utc"] > model["expand_until_utc"]:
        raise ManifestError(f"{name}: [model] field 'expand_from_utc' is after 'expand_until_utc'")


def load_valuation_config(path: str | Path | None = None) -> ValuationConfig:
    """Read and validate a valuation TOML (default: the shipped ``valuation.toml``).

    Raises
    ------
    ManifestError
        One line naming the file and the table and field at fault.
    """
    data, name = read_data_toml(path, "valuation.toml")
    table = data.get("parameter")
    if not isinstance(table, dict):
        raise ManifestError(f"{name}: missing [parameter.*] tables")
    for p in table:
        if p not in _DOMAINS:
            raise ManifestError(f"{name}: [parameter.{p}] is not a known parameter")
    params = {}
    for p in _DOMAINS:
        where = f"{name}: [parameter.{p}]"
        entry = table.get(p)
        if not isinstance(entry, dict):
            raise ManifestError(f"{where} is missing")
        nums = {}
        for field in ("base", "low", "high"):
            v = entry.get(field)
            if not _is_number(v):
                raise ManifestError(f"{where} field {field!r} must be a number, got {v!r}")
            nums[field] = float(v)
        for field in ("unit", "source"):
            v = entry.get(field)
            if not isinstance(v, str) or not v.strip():
                raise ManifestError(f"{where} field {field!r} must be a non-empty string")
        if entry.get("tag") not in TAGS:
            raise ManifestError(
                f"{where} field 'tag' must be one of {', '.join(TAGS)}, got {entry.get('tag')!r}"
            )
        params[p] = Assumption(p, nums["base"], nums["low"], nums["high"], entry["unit"],
                               entry["tag"], entry["source"])  # fmt: skip
    _check_parameters(params, name)
    model_table = data.get("model")
    if not isinstance(model_table, dict):
        raise ManifestError(f"{name}: missing [model] table")
    model = {k: _model_value(model_table, k, kind, name) for k, kind in _MODEL_FIELDS.items()}
    _check_model(model, name)
    sources = {}
    for key in _MODEL_SOURCES:
        v = model_table.get(key)
        if not isinstance(v, str) or not v.strip():
            raise ManifestError(f"{name}: [model] field {key!r} must be a non-empty string")
        sources[key] = v
    by_field = {
        "valuation_end_utc": "valuation_end_source",
        "terminal_value": "terminal_value_source",
        "decision_interval_months": "decision_interval_source",
        "service_start_satellites": "service_start_source",
        "demand_reference_utc": "demand_reference_source",
        "priority_loss_utc": "priority_source",
        "priority_restore_utc": "priority_source",
        "gen2_lead_months": "gen2_source",
        "gen2_build_months": "gen2_source",
        "gen2_capex_months": "gen2_source",
        "expand_from_utc": "expand_window_source",
        "expand_until_utc": "expand_window_source",
        "abandon_from_utc": "abandon_from_source",
    }
    field_sources = {k: sources[v] for k, v in by_field.items()}
    opt = data.get("options")
    if not isinstance(opt, dict):
        raise ManifestError(f"{name}: missing [options] table")
    options = {}
    for key in OPTIONS:
        if not isinstance(opt.get(key), bool):
            raise ManifestError(f"{name}: [options] field {key!r} must be true or false")
        options[key] = opt[key]
    if not isinstance(opt.get("source"), str) or not opt["source"].strip():
        raise ManifestError(f"{name}: [options] field 'source' must be a non-empty string")
    field_sources["options"] = opt["source"]
    return ValuationConfig(name, params, model, options, field_sources)


def _resolve_config(config) -> ValuationConfig:
    if config is None:
        return load_valuation_config()
    if isinstance(config, ValuationConfig):
        return config
    if isinstance(config, str | Path):
        return load_valuation_config(config)
    raise KuiperError(f"config must be a path or a ValuationConfig, got {type(config).__name__}")
