"""The forecast manifest: every assumption of the deployment model, dated and sourced.

``kuiper/data/forecast.toml`` (or a user's file in the same schema) is read and
validated here; each fact carries the date it became public (``known_utc``), so a
forecast as of a date reads only what was known then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

from ..errors import ManifestError
from ..manifest import read_data_toml

# Input bounds (issue 10): memory grows with horizon x satellites, so these keep a
# small input from exhausting the machine.
LATEST_HORIZON_UTC = dt.date(2100, 1, 1)
MAX_CONTRACT_LAUNCHES = 1_000  # launches in one contract; Kuiper's largest is 38
MAX_GOAL = 100_000  # satellites an operator means to launch; Kuiper's Gen-1 + Gen-2 is 7,774

# grounded: the fleet stands down from date_utc; pad_lost: a single pad is lost;
# cancelled: every launch under contracts known by date_utc is void from then on
# (OneWeb's Soyuz launches, 2022-03-04).
EVENT_KINDS = ("grounded", "pad_lost", "cancelled")

_MODEL_KEYS = (
    "plan_ratio_median_new plan_ratio_median_mature plan_ratio_sigma mature_after_years "
    "prior_weight_launches gap_cv slip_fraction_of_lead slip_floor_days slip_cv maturity_days "
    "first_flight_median_days first_flight_sigma grounding_median_days grounding_sigma "
    "pad_loss_probability pad_loss_median_days pad_loss_sigma loss_prior_mean loss_prior_flights "
    "anomaly_prior_mean anomaly_prior_flights learn_flights recency_half_life_days "
    "raising_prior_median_days raising_prior_sigma raising_group_sigma raising_min_launches "
    "raising_recent_launches "
    "unscheduled_min_lead_days "
    "new_contract_lead_median_days new_contract_lead_sigma lost_decay_min_days "
    "lost_decay_max_days"
).split()

# Keys whose logarithm or inverse the model takes, or that divide.
_STRICTLY_POSITIVE = (
    "plan_ratio_median_new plan_ratio_median_mature prior_weight_launches gap_cv slip_cv "
    "first_flight_median_days grounding_median_days pad_loss_median_days "
    "raising_prior_median_days new_contract_lead_median_days loss_prior_mean "
    "loss_prior_flights anomaly_prior_mean anomaly_prior_flights learn_flights "
    "recency_half_life_days"
).split()


@dataclasses.dataclass(frozen=True)
class Dated:
    """A fact with the date it became public."""

    known_utc: dt.date
    value: dict


@dataclasses.dataclass(frozen=True)
class Vehicle:
    name: str
    log_names: tuple[str, ...]
    satellites_per_launch: int
    first_flight_utc: dt.date
    min_turnaround_days: float
    single_pad: bool
    contracts: tuple[Dated, ...]
    records: tuple[Dated, ...]
    plans: tuple[Dated, ...]
    events: tuple[Dated, ...]
    schedule: tuple[Dated, ...] = ()


@dataclasses.dataclass(frozen=True)
class Purchases:
    """What the operator does when its launches under contract fall short of its goal.

    ``goals`` are dated statements of the satellites the operator means to have
    launched by a deadline. At the as-of date the operator projects its deliveries
    by the next goal's deadline and buys the shortfall, at most
    ``max_launches_per_purchase`` launches on ``vehicle`` and no sooner than
    ``min_interval_days`` after its last purchase; bought launches fly no sooner than
    a lognormal lead time (median ``lead_median_days``) after the purchase.
    """

    vehicle: str
    lead_median_days: float
    lead_sigma: float
    min_interval_days: float
    max_launches_per_purchase: int
    goals: tuple[Dated, ...]
    source: str


@dataclasses.dataclass(frozen=True)
class ForecastManifest:
    """Validated contents of a forecast TOML."""

    path: str
    model: dict
    horizon_utc: dt.date
    supply: tuple[Dated, ...]
    vehicles: tuple[Vehicle, ...]
    purchases: Purchases | None = None


def _date(value, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        raise ManifestError(f"{where}: expected a date YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ManifestError(f"{where}: {value!r} is not a valid date YYYY-MM-DD") from None


def _number(table: dict, key: str, where: str, *, positive=True, integer=False):
    v = table.get(key)
    ok = isinstance(v, int) if integer else isinstance(v, int | float)
    if ok and not isinstance(v, bool) and not math.isfinite(v):
        raise ManifestError(f"{where}: '{key}' must be a finite number, got {v!r}")
    if isinstance(v, bool) or not ok or (positive and v < 0):
        kind = "an integer" if integer else "a number"
        raise ManifestError(f"{where}: '{key}' must be {kind} >= 0, got {v!r}")
    return v


def _dated_list(table: dict, key: str, fields_: dict, where: str) -> tuple[Dated, ...]:
    out = []
    for k, entry in enumerate(table.get(key) or [], start=1):
        w = f"{where} {key} {k}"
        if not isinstance(entry, dict):
            raise ManifestError(f"{w}: not a table")
        if not isinstance(entry.get("source"), str) or not entry["source"].strip():
            raise ManifestError(f"{w}: every figure needs a 'source'")
        known = _date(entry.get("known_utc"), f"{w} known_utc")
        value = {}
        for name, kind in fields_.items():
            if kind == "date":
                value[name] = _date(entry.get(name), f"{w} {name}")
            elif kind == "str":
                if not isinstance(entry.get(name), str):
                    raise ManifestError(f"{w}: '{name}' must be a string")
                value[name] = entry[name]
            else:
                value[name] = _number(entry, name, w, integer=kind == "int")
        out.append(Dated(known, value))
    return tuple(sorted(out, key=lambda d: d.known_utc))


def _contracts(v: dict, where: str) -> tuple[Dated, ...]:
    contracts = _dated_list(v, "contract", {"launches": "int"}, where)
    for c in contracts:
        if c.value["launches"] > MAX_CONTRACT_LAUNCHES:
            raise ManifestError(
                f"{where} contract known {c.known_utc}: {c.value['launches']} launches is "
                f"more than {MAX_CONTRACT_LAUNCHES:,} (memory grows with launches)"
            )
    return contracts


def load_forecast_manifest(
    path: str | Path | None = None, *, model_defaults: dict | None = None
) -> ForecastManifest:
    """Read and validate a forecast manifest (default: the shipped one).

    ``model_defaults`` fill the keys the file's ``[model]`` table leaves out (a
    reference class takes Kuiper's generic values this way).
    """
    data, name = read_data_toml(path, "forecast.toml")
    model = data.get("model")
    if model_defaults is not None and isinstance(model, dict):
        model = {**model_defaults, **model}
    if not isinstance(model, dict):
        raise ManifestError(f"{name}: missing [model] table")
    params = {k: float(_number(model, k, f"{name} [model]")) for k in _MODEL_KEYS}
    for key in _STRICTLY_POSITIVE:
        if params[key] <= 0.0:
            raise ManifestError(f"{name} [model]: {key} must be greater than 0, got {params[key]}")
    if params["lost_decay_min_days"] > params["lost_decay_max_days"]:
        raise ManifestError(
            f"{name} [model]: lost_decay_min_days ({params['lost_decay_min_days']}) is greater "
            f"than lost_decay_max_days ({params['lost_decay_max_days']})"
        )
    for key in ("raising_min_launches", "raising_recent_launches"):
        if params[key] != int(params[key]):
            raise ManifestError(f"{name} [model]: {key} must be a whole number")
    if params["raising_recent_launches"] < 1:
        raise ManifestError(f"{name} [model]: raising_recent_launches must be at least 1")
    for key in ("pad_loss_probability", "loss_prior_mean", "anomaly_prior_mean"):
        if not 0.0 <= params[key] <= 1.0:
            raise ManifestError(f"{name} [model]: {key} must be within 0-1")
    for key in (
        "loss_prior_mean",
        "anomaly_prior_mean",
        "loss_prior_flights",
        "anomaly_prior_flights",
        "learn_flights",
        "recency_half_life_days",
    ):
        if params[key] <= 0.0:
            raise ManifestError(f"{name} [model]: {key} must be positive")
    if params["loss_prior_mean"] + params["anomaly_prior_mean"] >= 1.0:
        raise ManifestError(f"{name} [model]: loss_prior_mean + anomaly_prior_mean must be below 1")
    horizon = _date(model.get("horizon_utc"), f"{name} [model] horizon_utc")
    if horizon > LATEST_HORIZON_UTC:
        raise ManifestError(
            f"{name} [model] horizon_utc: {horizon} is after {LATEST_HORIZON_UTC} "
            "(memory grows with the horizon; no constellation plan reaches that far)"
        )
    supply = _dated_list(
        data.get("supply") or {},
        "statement",
        {"satellites_per_year": "num", "initial_stock": "num"},
        f"{name} [supply]",
    )
    vehicles = []
    entries = data.get("vehicle") or []
    if not isinstance(entries, list):
        raise ManifestError(f"{name}: 'vehicle' must be [[vehicle]] tables")
    for k, v in enumerate(entries, start=1):
        where = f"{name} vehicle {k}"
        if not isinstance(v, dict):
            raise ManifestError(f"{where}: not a table")
        if not isinstance(v.get("name"), str):
            raise ManifestError(f"{where}: missing 'name'")
        where = f"{name} vehicle {k} ({v['name']})"
        log_names = v.get("log_names")
        if not isinstance(log_names, list) or not all(isinstance(x, str) for x in log_names):
            raise ManifestError(f"{where}: 'log_names' must be a list of strings")
        events = _dated_list(v, "event", {"kind": "str", "date_utc": "date"}, where)
        for e in events:
            if e.value["kind"] not in EVENT_KINDS:
                raise ManifestError(
                    f"{where}: event kind {e.value['kind']!r} is not " + "/".join(EVENT_KINDS)
                )
        for entry in v.get("record") or []:
            if isinstance(entry, dict):
                entry.setdefault("anomalies", 0)
        records = _dated_list(
            v, "record", {"flights": "int", "failures": "int", "anomalies": "int"}, where
        )
        for r in records:
            if r.value["failures"] + r.value["anomalies"] > r.value["flights"]:
                raise ManifestError(
                    f"{where}: a record has more failures plus anomalies than flights"
                )
        vehicles.append(
            Vehicle(
                name=v["name"],
                log_names=tuple(log_names),
                satellites_per_launch=int(_number(v, "satellites_per_launch", where, integer=True)),
                first_flight_utc=_date(v.get("first_flight_utc"), f"{where} first_flight_utc"),
                min_turnaround_days=float(_number(v, "min_turnaround_days", where)),
                single_pad=bool(v.get("single_pad", False)),
                contracts=_contracts(v, where),
                records=records,
                plans=_dated_list(v, "plan", {"launches_per_year": "num"}, where),
                events=events,
                schedule=_dated_list(v, "schedule", {"mission": "str", "net_utc": "date"}, where),
            )
        )
    if not vehicles:
        raise ManifestError(f"{name}: no [[vehicle]] entries")
    purchases = _purchases(data.get("purchases"), name, vehicles)
    return ForecastManifest(name, params, horizon, supply, tuple(vehicles), purchases)


def _purchases(table, name: str, vehicles: list[Vehicle]) -> Purchases | None:
    if table is None:
        return None
    where = f"{name} [purchases]"
    if not isinstance(table, dict):
        raise ManifestError(f"{where}: not a table")
    names = [v.name for v in vehicles]
    if table.get("vehicle") not in names:
        raise ManifestError(
            f"{where} vehicle: {table.get('vehicle')!r} is not one of the [[vehicle]] names "
            f"({', '.join(names)})"
        )
    if not isinstance(table.get("source"), str) or not table["source"].strip():
        raise ManifestError(f"{where}: every figure needs a 'source'")
    lead = float(_number(table, "lead_median_days", where))
    if lead <= 0.0:
        raise ManifestError(f"{where}: lead_median_days must be greater than 0, got {lead}")
    goals = _dated_list(table, "goal", {"satellites": "int", "deadline_utc": "date"}, where)
    if not goals:
        raise ManifestError(f"{where}: no [[purchases.goal]] entries")
    for g in goals:
        if not 0 < g.value["satellites"] <= MAX_GOAL:
            raise ManifestError(
                f"{where} goal known {g.known_utc}: satellites must be within 1-{MAX_GOAL:,}"
            )
    return Purchases(
        vehicle=table["vehicle"],
        lead_median_days=lead,
        lead_sigma=float(_number(table, "lead_sigma", where)),
        min_interval_days=float(_number(table, "min_interval_days", where)),
        max_launches_per_purchase=min(
            int(_number(table, "max_launches_per_purchase", where, integer=True)),
            MAX_CONTRACT_LAUNCHES,
        ),
        goals=goals,
        source=table["source"],
    )
