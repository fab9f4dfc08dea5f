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

INF = math.inf
# Each parameter's domain: (lowest, highest, whether the ends are allowed).
_DOMAINS = {
    "discount_rate": (0.0, 1.0, False),
    "tax_rate": (0.0, 1.0, "low"),
    "terminal_growth": (-0.5, 0.5, True),
    "market_growth": (-0.5, 1.0, True),
    "market_volatility": (0.0, 0.25, True),
    "consumer_subscribers": (0.0, 1e10, True),
    "consumer_arpu_usd_month": (0.0, 1e6, True),
    "consumer_adoption_years": (0.0, 100.0, False),
    "enterprise_sites": (0.0, 1e9, True),
    "enterprise_arpu_usd_month": (0.0, 1e7, True),
    "enterprise_capacity_weight": (0.0, 1e4, False),
    "backhaul_sites": (0.0, 1e9, True),
    "backhaul_arpu_usd_month": (0.0, 1e7, True),
    "backhaul_capacity_weight": (0.0, 1e4, False),
    "mobility_terminals": (0.0, 1e9, True),
    "mobility_arpu_usd_month": (0.0, 1e7, True),
    "mobility_capacity_weight": (0.0, 1e4, False),
    "enterprise_adoption_years": (0.0, 100.0, False),
    "d2d_revenue_usd_year": (0.0, 1e12, True),
    "d2d_ebitda_margin": (-1.0, 1.0, True),
    "globalstar_price_usd": (0.0, 1e12, True),
    "subscribers_per_satellite": (0.0, 1e7, True),
    "busy_hour_mbps_per_subscriber": (0.0, 1e5, True),
    "satellite_life_years": (0.5, 50.0, True),
    "replacement_cost_usd_per_satellite": (0.0, 1e10, True),
    "priority_haircut": (0.0, 1.0, True),
    "waiver_probability_at_precedent": (0.0, 1.0, True),
    "gen1_capex_usd": (0.0, 1e12, True),
    "invested_usd": (0.0, 1e12, True),
    "launch_share_of_capex": (0.0, 1.0, True),
    "take_or_pay_share": (0.0, 1.0, True),
    "fixed_opex_usd_year": (0.0, 1e12, True),
    "variable_cost_share": (0.0, 1.0, True),
    "gen2_capex_usd": (0.0, 1e12, True),
    "gen2_capacity_ratio": (0.0, 100.0, True),
    "spectrum_value_usd": (0.0, 1e12, True),
    "distressed_usd_per_satellite": (0.0, 1e10, True),
    "distressed_ev_per_subscriber_usd": (0.0, 1e6, True),
    "deorbit_cost_usd_per_satellite": (0.0, 1e10, True),
    "exit_fixed_cost_usd": (0.0, 1e12, True),
    "aws_attach_rate": (0.0, 1.0, True),
    "aws_operating_margin": (0.0, 1.0, True),
    "transit_avoided_usd_per_gbps_year": (0.0, 1e9, True),
    "backhaul_avoided_usd_per_gbps_year": (0.0, 1e9, True),
    "aws_gateway_sites": (0.0, 1e4, True),
    "gateway_capex_saved_usd": (0.0, 1e10, True),
    "gateway_opex_saved_usd_year": (0.0, 1e10, True),
    "starlink_ev_to_ebitda": (0.0, 1e3, True),
    "starlink_revenue_usd_2025": (0.0, 1e12, False),
    "starlink_ebitda_margin": (0.0, 1.0, False),
    "starlink_subscribers_2025": (0.0, 1e10, False),
    "diluted_shares": (1e6, 1e12, True),
}
# Parameters drawn per trial in the Monte Carlo (low/high are their P10/P90); all the
# others stay at base there and are only swung in the tornado.
UNCERTAIN = (
    "consumer_subscribers",
    "enterprise_sites",
    "backhaul_sites",
    "mobility_terminals",
    "consumer_arpu_usd_month",
    "enterprise_arpu_usd_month",
    "backhaul_arpu_usd_month",
    "mobility_arpu_usd_month",
    "consumer_adoption_years",
    "enterprise_adoption_years",
    "d2d_revenue_usd_year",
    "satellite_life_years",
)
# Parameters the tornado leaves out: they do not move Kuiper's total in USD.
_NOT_IN_TORNADO = (
    "diluted_shares",
    "starlink_ev_to_ebitda",
    "starlink_revenue_usd_2025",
    "starlink_ebitda_margin",
    "starlink_subscribers_2025",
    "d2d_revenue_usd_year",
    "d2d_ebitda_margin",
    "globalstar_price_usd",
)
# The valuation ends at most this many years after the as-of date (issue 10, R6/T11).
MAX_VALUATION_YEARS = 50

_MODEL_FIELDS = {
    "valuation_end_utc": "date",
    "terminal_value": "bool",
    "decision_interval_months": "int1",
    "service_start_satellites": "int0",
    "abandon_after_service_months": "int0",
    "replace_retired": "bool",
    "priority_loss_utc": "date",
    "priority_restore_utc": "date",
    "gen2_lead_months": "int0",
    "gen2_build_months": "int1",
    "gen2_capex_months": "int1",
    "expand_from_utc": "date",
    "expand_until_utc": "date",
    "bass_q_over_p": "float",
    "globalstar_close_utc": "date",
    "d2d_start_utc": "date",
    "scenario_weight_bear": "float",
    "scenario_weight_base": "float",
    "scenario_weight_bull": "float",
}
# Each [model] field's source key.
_SOURCE_OF = {
    "valuation_end_utc": "valuation_end_source",
    "terminal_value": "terminal_value_source",
    "decision_interval_months": "decision_interval_source",
    "service_start_satellites": "service_start_source",
    "abandon_after_service_months": "abandon_after_service_source",
    "replace_retired": "replace_retired_source",
    "priority_loss_utc": "priority_source",
    "priority_restore_utc": "priority_source",
    "gen2_lead_months": "gen2_source",
    "gen2_build_months": "gen2_source",
    "gen2_capex_months": "gen2_source",
    "expand_from_utc": "expand_window_source",
    "expand_until_utc": "expand_window_source",
    "bass_q_over_p": "bass_source",
    "globalstar_close_utc": "d2d_source",
    "d2d_start_utc": "d2d_source",
    "scenario_weight_bear": "scenario_source",
    "scenario_weight_base": "scenario_source",
    "scenario_weight_bull": "scenario_source",
}
_MODEL_SOURCES = tuple(dict.fromkeys(_SOURCE_OF.values()))
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

    def with_fixed(self, **values) -> ValuationConfig:
        """A copy with some parameters set to a value with no range (low = base = high)."""
        params = dict(self.parameters)
        for name, v in values.items():
            if name not in params:
                raise KuiperError(f"{self.path}: unknown parameter {name!r}")
            if not _is_number(v):
                raise KuiperError(f"{self.path}: [parameter.{name}] value must be a number")
            v = float(v)
            params[name] = dataclasses.replace(params[name], base=v, low=v, high=v)
        new = dataclasses.replace(self, parameters=params)
        _check_parameters(new.parameters, new.path)
        return new

    def with_ranges(self, ranges: dict) -> ValuationConfig:
        """A copy with some parameters replaced: ``{name: (base, low, high, source)}``."""
        params = dict(self.parameters)
        for name, (base, low, high, source) in ranges.items():
            if name not in params:
                raise KuiperError(f"{self.path}: unknown parameter {name!r}")
            if not all(_is_number(x) for x in (base, low, high)):
                raise KuiperError(f"{self.path}: [parameter.{name}] values must be numbers")
            params[name] = dataclasses.replace(
                params[name], base=float(base), low=float(low), high=float(high), source=source
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
    if kind == "float":
        if not _is_number(v):
            raise ManifestError(f"{where} field {key!r} must be a finite number, got {v!r}")
        return float(v)
    least = 1 if kind == "int1" else 0
    if isinstance(v, bool) or not isinstance(v, int) or v < least:
        raise ManifestError(f"{where} field {key!r} must be an integer >= {least}, got {v!r}")
    return v


def _check_model(model: dict, name: str) -> None:
    """Cross-field checks (issue 10, W14/T11/R6): dates in order, a bounded horizon."""
    where = f"{name}: [model]"
    for early, late in (
        ("expand_from_utc", "expand_until_utc"),
        ("priority_loss_utc", "priority_restore_utc"),
        ("globalstar_close_utc", "d2d_start_utc"),
    ):
        if model[early] > model[late]:
            raise ManifestError(f"{where} field {early!r} is after {late!r}")
    end = model["valuation_end_utc"]
    if end.year > dt.date.today().year + MAX_VALUATION_YEARS:
        raise ManifestError(
            f"{where} field 'valuation_end_utc' = {end} is more than {MAX_VALUATION_YEARS} "
            "years ahead; the terminal value covers what comes after"
        )
    if model["bass_q_over_p"] < 0:
        raise ManifestError(f"{where} field 'bass_q_over_p' must be >= 0")
    weights = [model[f"scenario_weight_{k}"] for k in ("bear", "base", "bull")]
    if min(weights) < 0 or abs(sum(weights) - 1.0) > 1e-9:
        raise ManifestError(
            f"{where} fields 'scenario_weight_*' must be >= 0 and sum to 1, got {weights}"
        )


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
    field_sources = {k: sources[v] for k, v in _SOURCE_OF.items()}
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
