"""Monte Carlo forecast of Kuiper deployment: launched, in orbit and on station.

The model
---------
For each trial and each vehicle (Atlas V, Falcon 9, Ariane 64, Vulcan, New Glenn):

1. **Cadence.** A planned Kuiper launch rate (the newest plan known at the as-of date)
   is scaled by a reference-class ratio, actual/plan ~ lognormal(median 0.3), because
   providers' and Amazon's plans ran 0.1-0.5 of reality. Vehicles that have flown
   Kuiper missions update that prior with their own record (a gamma-Poisson update).
2. **Readiness.** A vehicle not yet flown for Kuiper becomes ready 18-36 months after
   its first success (a new vehicle's first flight itself slips by years).
3. **Slip.** Launch k is planned at ready + k/rate and slips by a gamma delay whose
   mean grows with lead time (Gardner & Grogan's fit: ~0.5 x lead + 15 days).
4. **Failure.** Each launch fails with a Beta probability from the vehicle's flight
   record at the as-of date; a failure grounds the fleet (lognormal, median 90 d)
   and can take out a single pad. Groundings in force at the as-of date continue.
5. **Supply.** Satellite production caps the cumulative launched count.
6. **Raising and losses.** Each launch's satellites reach station after a launch
   median resampled from the tracker's Kaplan-Meier medians, spread within the launch
   by the observed profile; a Beta fraction never arrives and decays.

Only information dated on or before ``as_of`` is used: the launch log, element sets
(via the tracker), and every dated fact of the manifest (``known_utc``).

Every assumption is in ``kuiper/data/forecast.toml`` with its source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .errors import KuiperError, ManifestError
from .manifest import read_data_toml
from .timescale import UTC

__all__ = [
    "METRICS",
    "Milestone",
    "ForecastManifest",
    "ForecastInputs",
    "Forecast",
    "load_forecast_manifest",
    "milestones_from_options",
    "build_inputs",
    "default_milestones",
    "forecast_deployment",
]

METRICS = ("launched", "in_orbit", "on_station")
QUANTILES = (0.05, 0.25, 0.50, 0.75, 0.95)
DEFAULT_TRIALS = 100_000
BLOCK_SIZE = 1000
N_CHUNK = 8
PROFILE_QUANTILES = (0.1, 0.3, 0.5, 0.7, 0.9)
# Input bounds (issue 10): memory grows with horizon x satellites and with trials x
# targets, so these keep a small input from exhausting the machine.
MAX_TARGET = 1_000_000  # satellites; ~100x any filed constellation
LATEST_HORIZON_UTC = dt.date(2100, 1, 1)
MAX_CONTRACT_LAUNCHES = 1_000  # launches in one contract; Kuiper's largest is 38
# Until enough launches have arrived to measure it: [inferred] from the 2025 launches.
DEFAULT_PROFILE = (0.75, 0.9, 1.0, 1.1, 1.35)

_MODEL_KEYS = (
    "plan_ratio_median_new plan_ratio_median_mature plan_ratio_sigma mature_after_years "
    "prior_weight_launches gap_cv slip_fraction_of_lead slip_floor_days slip_cv maturity_days "
    "first_flight_median_days first_flight_sigma grounding_median_days grounding_sigma "
    "pad_loss_probability pad_loss_median_days pad_loss_sigma loss_prior_mean loss_prior_flights "
    "anomaly_prior_mean anomaly_prior_flights learn_flights recency_half_life_days "
    "raising_prior_median_days raising_prior_sigma raising_min_launches raising_recent_launches "
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


# ---------------------------------------------------------------------------
# The manifest of assumptions


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
class ForecastManifest:
    """Validated contents of a forecast TOML."""

    path: str
    model: dict
    horizon_utc: dt.date
    supply: tuple[Dated, ...]
    vehicles: tuple[Vehicle, ...]


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


def load_forecast_manifest(path: str | Path | None = None) -> ForecastManifest:
    """Read and validate a forecast manifest (default: the shipped one)."""
    data, name = read_data_toml(path, "forecast.toml")
    model = data.get("model")
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
            if e.value["kind"] not in ("grounded", "pad_lost"):
                raise ManifestError(
                    f"{where}: event kind {e.value['kind']!r} is not grounded/pad_lost"
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
    return ForecastManifest(name, params, horizon, supply, tuple(vehicles))


# ---------------------------------------------------------------------------
# Milestones


@dataclasses.dataclass(frozen=True)
class Milestone:
    """A target count of a metric by a deadline."""

    name: str
    target: int
    deadline_utc: dt.date
    metric: str = "in_orbit"

    def __post_init__(self):
        if self.metric not in METRICS:
            raise KuiperError(f"metric {self.metric!r} is not one of {', '.join(METRICS)}")
        if self.target <= 0:
            raise KuiperError(f"target {self.target} must be a positive number of satellites")
        if self.target > MAX_TARGET:
            raise KuiperError(
                f"target {self.target:,} is more than {MAX_TARGET:,} satellites "
                "(about 100 times any filed constellation)"
            )


def milestones_from_options(targets, deadlines, metric: str) -> list[Milestone]:
    """Milestones from paired ``--target``/``--deadline`` options, or the FCC defaults."""
    from .timescale import parse_utc

    if len(targets) != len(deadlines):
        raise KuiperError(
            f"give one --deadline for each --target ({len(targets)} targets, "
            f"{len(deadlines)} deadlines)"
        )
    if not targets:
        return default_milestones(metric)
    return [
        Milestone(f"{n:,} {metric} by {d}", int(n), parse_utc(d).date(), metric)
        for n, d in zip(targets, deadlines, strict=True)
    ]


def default_milestones(metric: str = "in_orbit") -> list[Milestone]:
    """The FCC milestones: Gen-1 half and full, and Gen-2 half and full (as totals)."""
    from .manifest import load_authorization

    a = load_authorization()
    return [
        Milestone("FCC Gen-1 50%", a.gen1_total // 2, a.half_deadline_utc, metric),
        Milestone("FCC Gen-1 100%", a.gen1_total, a.full_deadline_utc, metric),
        Milestone(
            "FCC Gen-2 50% (total)",
            a.gen1_total + a.gen2_total // 2,
            a.gen2_half_deadline_utc,
            metric,
        ),
        Milestone(
            "FCC Gen-2 100% (total)", a.gen1_total + a.gen2_total, a.gen2_full_deadline_utc, metric
        ),
    ]


# ---------------------------------------------------------------------------
# Inputs as of a date


@dataclasses.dataclass
class ForecastInputs:
    """Everything the engine needs, built from information known at ``as_of``."""

    as_of: dt.datetime
    data_through: dt.datetime | None
    par: np.ndarray
    vehicles: list[dict]
    contracts: dict[str, np.ndarray]
    events: dict[str, np.ndarray]
    pool: np.ndarray
    profile: np.ndarray
    groups: dict[str, np.ndarray]
    initial: np.ndarray
    month_end: list[dt.date]
    horizon_utc: dt.date

    def month_end_day(self) -> np.ndarray:
        return np.array([_days(d, self.as_of) for d in self.month_end], dtype=np.float64)


def _days(date: dt.date, as_of: dt.datetime) -> float:
    """Days from ``as_of`` to the end of ``date`` (UTC)."""
    end = dt.datetime.combine(date, dt.time(23, 59, 59, 999999), tzinfo=UTC)
    return (end - as_of).total_seconds() / 86400.0


def _newest(items: tuple[Dated, ...], as_of: dt.date) -> Dated | None:
    known = [d for d in items if d.known_utc <= as_of]
    return known[-1] if known else None


def _month_ends(start: dt.date, horizon: dt.date) -> list[dt.date]:
    out = []
    y, m = start.year, start.month
    while True:
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        end = dt.date(ny, nm, 1) - dt.timedelta(days=1)
        if end > horizon:
            break
        out.append(end)
        y, m = ny, nm
    return out


def _exposure(
    gap_dates: list[dt.date],
    used_dates: list[dt.date],
    contracts: tuple[Dated, ...],
    as_of: dt.date,
    lead_days: float,
    half_life_days: float,
) -> tuple[float, float]:
    """Recency-weighted launches and exposure (days) of a vehicle flying Kuiper missions.

    Each gap between consecutive Kuiper launches counts as one launch over its exposure,
    and the open interval since the last launch adds exposure only. Exposure runs only
    while the vehicle had launches under contract: from the gap's start, or, if a new
    contract became known during the gap, from then plus the new-contract lead. A gap
    ending ``a`` days before ``as_of`` weighs ``0.5 ** (a / half_life_days)``.
    """

    def start(t0: dt.date, t1: dt.date) -> dt.date | None:
        n_used = sum(1 for d in used_dates if d <= t0)
        total = 0
        for c in contracts:
            if c.known_utc > as_of:
                break
            total += c.value["launches"]
            if total > n_used:
                if c.known_utc <= t0:
                    return t0
                s = c.known_utc + dt.timedelta(days=lead_days)
                return s if s < t1 else None
        return None

    n = t = 0.0
    for i, d0 in enumerate(gap_dates):
        closed = i + 1 < len(gap_dates)
        d1 = gap_dates[i + 1] if closed else as_of
        s = start(d0, d1)
        exposure = float((d1 - s).days) if s is not None else 0.0
        if not closed:
            t += exposure  # the open interval since the last launch: exposure only
            continue
        w = 0.5 ** ((as_of - d1).days / half_life_days)
        n += w
        t += w * exposure
    return n, max(t, 1.0)


def build_inputs(
    store,
    as_of: dt.datetime,
    manifest: ForecastManifest,
    launch_log: tuple | None = None,
) -> ForecastInputs:
    """Collect the engine's inputs from the store, the launch log and the manifest.

    Everything is filtered to ``as_of``: launches by date, element sets by epoch,
    manifest facts by ``known_utc``.
    """
    from ._forecast_kernels import PAR_NAMES
    from .manifest import load_launches
    from .tracker import fleet_from_store

    as_of_date = as_of.astimezone(UTC).date()
    m = manifest.model
    launch_log = launch_log if launch_log is not None else load_launches()
    fleet = fleet_from_store(store, as_of, launches=launch_log)
    status = fleet.status(as_of)
    raising = fleet.raising_durations(as_of)
    log = [la for la in launch_log if la.launch_date_utc and la.launch_date_utc <= as_of_date]

    vehicles = []
    c_vehicle, c_launches, c_known = [], [], []
    e_vehicle, e_from, e_kind = [], [], []
    for vi, v in enumerate(manifest.vehicles):
        flown = sorted(
            (la for la in log if la.vehicle in v.log_names and la.outcome == "success"),
            key=lambda la: la.launch_date_utc,
        )
        kuiper_flown = [la for la in flown if la.production]
        plan = _newest(v.plans, as_of_date)
        record = _newest(v.records, as_of_date)
        flights = record.value["flights"] if record else 0
        failures = record.value["failures"] if record else 0
        anomalies = record.value["anomalies"] if record else 0
        if record:
            flights += sum(1 for la in flown if la.launch_date_utc > record.known_utc)
        sats = kuiper_flown[-1].satellites if kuiper_flown else v.satellites_per_launch
        if kuiper_flown:
            mode, first_success = 0, 0.0
            obs_n, obs_t = _exposure(
                [la.launch_date_utc for la in kuiper_flown],
                [la.launch_date_utc for la in flown],
                v.contracts,
                as_of_date,
                m["new_contract_lead_median_days"],
                m["recency_half_life_days"],
            )
        elif v.first_flight_utc <= as_of_date:
            mode, obs_n, obs_t = 1, 0, 0.0
            # Readiness, maturity_days after the first success, but with no NET known
            # no sooner than unscheduled_min_lead_days from now.
            first_success = max(
                _days(v.first_flight_utc, as_of),
                m["unscheduled_min_lead_days"] - m["maturity_days"],
            )
        else:
            mode, first_success, obs_n, obs_t = 2, 0.0, 0, 0.0
        used = len(flown)  # the protoflight used an Atlas V contract too
        for c in v.contracts:
            if c.known_utc > as_of_date:
                continue
            n = c.value["launches"]
            take = min(n, used)
            used -= take
            c_vehicle.append(vi)
            c_launches.append(n - take)
            c_known.append(_days(c.known_utc, as_of))
        for e in v.events:
            if e.known_utc <= as_of_date and e.value["date_utc"] <= as_of_date:
                e_vehicle.append(vi)
                e_from.append(_days(e.value["date_utc"], as_of))
                e_kind.append(1 if e.value["kind"] == "grounded" else 2)
        # The published schedule as known on the date: each mission's newest NET, for
        # missions not yet flown (or failed) by then, in NET order.
        tried = {la.mission for la in log}
        newest_net: dict[str, dt.date] = {}
        for entry in v.schedule:
            if entry.known_utc <= as_of_date and entry.value["mission"] not in tried:
                newest_net[entry.value["mission"]] = entry.value["net_utc"]
        vehicles.append(
            {
                "name": v.name,
                "schedule_net_days": sorted(_days(d, as_of) for d in newest_net.values()),
                "satellites_per_launch": sats,
                "ready_mode": mode,
                "first_success_day": first_success,
                "plan_rate_per_day": (plan.value["launches_per_year"] if plan else 1.0) / 365.25,
                "obs_n": float(obs_n),
                "obs_t_days": float(obs_t),
                # Two hazards, each a Beta posterior on an informative reference-class
                # prior of the given weight in flights.
                "fail_a": m["loss_prior_mean"] * m["loss_prior_flights"] + failures,
                "fail_b": (1.0 - m["loss_prior_mean"]) * m["loss_prior_flights"]
                + flights
                - failures,
                "anom_a": m["anomaly_prior_mean"] * m["anomaly_prior_flights"] + anomalies,
                "anom_b": (1.0 - m["anomaly_prior_mean"]) * m["anomaly_prior_flights"]
                + flights
                - failures
                - anomalies,
                "turnaround_days": v.min_turnaround_days,
                "single_pad": int(v.single_pad),
                # Mature: long in service, or already flying Kuiper missions (past the
                # maturity gate the reference class is about).
                "mature": int(
                    (as_of_date - v.first_flight_utc).days > 365.25 * m["mature_after_years"]
                    or bool(kuiper_flown)
                ),
                "kuiper_flights": len(kuiper_flown),
                "last_day": (
                    _days(kuiper_flown[-1].launch_date_utc, as_of) if kuiper_flown else 0.0
                ),
            }
        )

    # Orbit raising from the tracker, as of the date.
    # The newest raising_recent_launches launches' medians (raising has got faster).
    launch_day = {la.mission: la.launch_date_utc for la in log}
    measured = sorted(
        (b for b in raising["by_launch"] if b["km_median_days"]),
        key=lambda b: launch_day.get(b["launch"]) or dt.date.min,
    )
    medians = [b["km_median_days"] for b in measured]
    if len(medians) >= m["raising_min_launches"]:
        pool = np.array(medians[-int(m["raising_recent_launches"]) :], float)
    else:
        pool = np.array([], float)
    ratios = []
    by_launch = {b["launch"]: b for b in raising["by_launch"]}
    for s in raising["satellites"]:
        med = (by_launch.get(s["launch"]) or {}).get("km_median_days")
        if s["arrived"] and med:
            ratios.append(s["duration_days"] / med)
    profile = (
        np.quantile(ratios, PROFILE_QUANTILES) if len(ratios) >= 30 else np.array(DEFAULT_PROFILE)
    )
    # Satellites lost before reaching station (decayed or falling without ever arriving)
    # against all others tracked: a Beta posterior on the loss fraction.
    lost = sum(
        1
        for s in status.satellites
        if not s.reached_station and s.phase in ("decayed", "deorbiting")
    )
    kept = len(status.satellites) - lost
    # Satellites raising now: grouped by launch, with the launch's median if measured.
    g_day, g_n, g_med = [], [], []
    launch_dates = {la.mission: la.launch_date_utc for la in log}
    counts: dict[str, int] = {}
    for s in status.satellites:
        if s.phase == "raising" and s.launch in launch_dates:
            counts[s.launch] = counts.get(s.launch, 0) + 1
    for name, n in counts.items():
        g_day.append(_days(launch_dates[name], as_of) - 1.0)
        g_n.append(n)
        med = (by_launch.get(name) or {}).get("km_median_days")
        g_med.append(float(med) if med else -1.0)
    untracked = status.totals.get("untracked", 0)
    if untracked:
        g_day.append(0.0)
        g_n.append(untracked)
        g_med.append(-1.0)

    supply = _newest(manifest.supply, as_of_date)
    values = {
        "ratio_mu_new": math.log(m["plan_ratio_median_new"]),
        "ratio_mu_mature": math.log(m["plan_ratio_median_mature"]),
        "ratio_sigma": m["plan_ratio_sigma"],
        "prior_weight": m["prior_weight_launches"],
        "learn_flights": m["learn_flights"],
        "gap_cv": m["gap_cv"],
        "slip_frac": m["slip_fraction_of_lead"],
        "slip_floor": m["slip_floor_days"],
        "slip_cv": m["slip_cv"],
        "maturity_days": m["maturity_days"],
        "first_flight_mu": math.log(m["first_flight_median_days"]),
        "first_flight_sigma": m["first_flight_sigma"],
        "ground_mu": math.log(m["grounding_median_days"]),
        "ground_sigma": m["grounding_sigma"],
        "pad_p": m["pad_loss_probability"],
        "pad_mu": math.log(m["pad_loss_median_days"]),
        "pad_sigma": m["pad_loss_sigma"],
        "raise_mu": math.log(m["raising_prior_median_days"]),
        "raise_sigma": m["raising_prior_sigma"],
        "lost_a": 1.0 + lost,
        "lost_b": 1.0 + kept,
        "lost_min": m["lost_decay_min_days"],
        "lost_max": m["lost_decay_max_days"],
        "lead_mu": math.log(m["new_contract_lead_median_days"]),
        "lead_sigma": m["new_contract_lead_sigma"],
        "stock": supply.value["initial_stock"] if supply else 0.0,
        "supply_rate": supply.value["satellites_per_year"] / 365.25 if supply else 0.0,
        "horizon": _days(manifest.horizon_utc, as_of),
    }
    par = np.array([values[name] for name in PAR_NAMES], dtype=np.float64)

    t = status.totals
    return ForecastInputs(
        as_of=as_of,
        data_through=status.data_through,
        par=par,
        vehicles=vehicles,
        contracts={
            "vehicle": np.array(c_vehicle, np.int64),
            "launches": np.array(c_launches, np.int64),
            "known_day": np.array(c_known, np.float64),
        },
        events={
            "vehicle": np.array(e_vehicle, np.int64),
            "from_day": np.array(e_from, np.float64),
            "kind": np.array(e_kind, np.int64),
        },
        pool=pool,
        profile=np.asarray(profile, np.float64),
        groups={
            "day": np.array(g_day, np.float64),
            "raising": np.array(g_n, np.int64),
            "median": np.array(g_med, np.float64),
        },
        initial=np.array([t["launched"], t["in_orbit"], t["on_station"]], np.int64),
        month_end=_month_ends(as_of_date, manifest.horizon_utc),
        horizon_utc=manifest.horizon_utc,
    )


# ---------------------------------------------------------------------------
# Running the engine


@dataclasses.dataclass
class Forecast:
    """A forecast's result: milestone probabilities, reach dates and monthly quantiles."""

    as_of: dt.datetime
    data_through: dt.datetime | None
    trials: int
    seed: int
    milestones: list[dict]
    monthly: dict
    reach_date: list[dict]
    hist: np.ndarray = dataclasses.field(repr=False)
    month_end: list[dt.date] = dataclasses.field(repr=False)
    reach_day: np.ndarray = dataclasses.field(repr=False)
    initial: tuple[int, int, int] = (0, 0, 0)

    def to_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat().replace("+00:00", "Z"),
            "data_through": (
                self.data_through.isoformat(timespec="seconds").replace("+00:00", "Z")
                if self.data_through
                else None
            ),
            "trials": self.trials,
            "seed": self.seed,
            "milestones": self.milestones,
            "monthly": self.monthly,
            "reach_date": self.reach_date,
        }

    def render(self, every_months: int = 6) -> str:
        """A plain-text report: milestones, reach dates and quantiles over time."""
        lines = [
            f"Kuiper deployment forecast as of {self.as_of:%Y-%m-%d} "
            f"({self.trials:,} trials, seed {self.seed})",
            f"now: launched {self.initial[0]}, in orbit {self.initial[1]}, "
            f"on station {self.initial[2]}",
            "",
            f"{'milestone':<26}{'target':>7}  {'metric':<11}{'deadline':<12}{'P(met)':>9}",
        ]
        for m in self.milestones:
            if m["resolved"]:
                verdict = "met" if m["probability"] else "missed"
                p = f"{verdict} (observed {m['observed']:,})"
            elif m["lower_bound"]:
                p = f">={m['probability']:.1%} (by the horizon {self.month_end[-1]})"
            else:
                p = f"{m['probability']:>8.1%}"
            lines.append(
                f"{m['name']:<26}{m['target']:>7,}  {m['metric']:<11}{m['deadline']:<12}{p:>9}"
            )
        lines += ["", "When each target is reached (P5 / P50 / P95; '-' = not by the horizon)"]
        for r in self.reach_date:
            dates = " / ".join(r[k] or "-" for k in ("p05", "p50", "p95"))
            lines.append(
                f"  {r['target']:>6,} {r['metric']:<11} {dates:<36} "
                f"P(not by horizon) {r['p_not_by_horizon']:.1%}"
            )
        lines += ["", f"{'month end':<12}" + "".join(f"{m + ' P5/P50/P95':>24}" for m in METRICS)]
        for k in range(0, len(self.monthly["date"]), every_months):
            row = f"{self.monthly['date'][k]:<12}"
            for m in METRICS:
                q = self.monthly[m]
                row += f"{q['p05'][k]:>10,}{q['p50'][k]:>7,}{q['p95'][k]:>7,}"
            lines.append(row)
        return "\n".join(lines)

    def distribution(self, metric: str, date: dt.date) -> np.ndarray:
        """Probability of each count of ``metric`` at the month end on or after ``date``."""
        k = next((i for i, d in enumerate(self.month_end) if d >= date), None)
        if k is None:
            raise KuiperError(f"{date} is beyond the forecast horizon")
        h = self.hist[k, METRICS.index(metric)].astype(float)
        return h / h.sum()


def _run_numba(
    inputs: ForecastInputs,
    targets,
    n_trial,
    seed,
    progress,
    *,
    n_chunk: int = N_CHUNK,
    batch_blocks: int = 100_000 // BLOCK_SIZE,
):
    """Run the numba kernel in calls of ``batch_blocks`` blocks (progress in between).

    The result depends on ``seed`` and ``BLOCK_SIZE`` only: not on ``n_chunk`` (how
    blocks are spread over threads), the thread count, or ``batch_blocks``.
    """
    from . import _forecast_kernels as K
    from ._forecast_numpy import schedule_arrays

    month_end_day = inputs.month_end_day()
    offsets = np.rint(month_end_day - month_end_day[0]).astype(np.int64)
    month_of_day = np.searchsorted(offsets, np.arange(offsets[-1] + 1), side="right")
    c, e, g = inputs.contracts, inputs.events, inputs.groups
    v = inputs.vehicles
    max_sats = int(
        inputs.initial.max()
        + sum(
            n * v[i]["satellites_per_launch"]
            for i, n in zip(c["vehicle"], c["launches"], strict=True)
        )
        + g["raising"].sum()
    )
    n_bins = max_sats + 2
    max_launches = int(c["launches"].sum()) + 1
    hist = np.zeros((n_chunk, len(month_end_day), 3, n_bins), np.int32)
    t_metric = np.array([METRICS.index(mt) for mt, _ in targets], np.int64)
    t_count = np.array([n for _, n in targets], np.int64)
    reach = np.empty((n_trial, len(targets)))

    def arr(key, dtype):
        return np.array([x[key] for x in v], dtype)

    vehicle_arrays = (
        arr("satellites_per_launch", np.int64),
        arr("ready_mode", np.int64),
        arr("first_success_day", np.float64),
        arr("plan_rate_per_day", np.float64),
        arr("obs_n", np.float64),
        arr("obs_t_days", np.float64),
        arr("fail_a", np.float64),
        arr("fail_b", np.float64),
        arr("anom_a", np.float64),
        arr("anom_b", np.float64),
        arr("turnaround_days", np.float64),
        arr("single_pad", np.int64),
        arr("mature", np.int64),
        arr("last_day", np.float64),
        *schedule_arrays(v),
    )
    seed = int(seed) % 2**63  # the kernel takes an int64
    n_block = (n_trial + BLOCK_SIZE - 1) // BLOCK_SIZE
    for b0 in range(0, n_block, batch_blocks):
        lo = b0 * BLOCK_SIZE
        hi = min(n_trial, (b0 + batch_blocks) * BLOCK_SIZE)
        K.simulate(
            hi - lo,
            b0,
            seed,
            BLOCK_SIZE,
            n_chunk,
            inputs.par,
            c["vehicle"],
            c["launches"],
            c["known_day"],
            *vehicle_arrays,
            e["vehicle"],
            e["from_day"],
            e["kind"],
            inputs.pool,
            inputs.profile,
            g["day"],
            g["raising"],
            g["median"],
            month_end_day,
            month_of_day.astype(np.int64),
            inputs.initial,
            t_metric,
            t_count,
            max_launches,
            hist,
            reach[lo:hi],
        )
        if progress:
            progress(hi, n_trial)
    return hist.sum(axis=0), reach


def memory_estimate_bytes(inputs: ForecastInputs, n_target: int, trials: int, engine: str) -> int:
    """Bytes a run needs: reach days (trials x targets) plus the count histograms."""
    from ._forecast_numpy import BATCH_TRIALS, engine_sizes

    sizes = engine_sizes(inputs)
    cells = sizes["n_month"] * 3 * sizes["n_bins"]
    if engine == "numpy":  # int64 histogram plus a batch's launch slots and events
        slots = int(inputs.contracts["launches"].sum()) + 1
        work = 8 * cells + 8 * 16 * min(trials, BATCH_TRIALS) * (slots + sizes["n_month"])
    else:  # int32 histogram per chunk
        work = 4 * N_CHUNK * cells
    return 8 * trials * n_target + work


def _available_bytes() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(inputs: ForecastInputs, n_target: int, trials: int, engine: str) -> None:
    """Refuse a run whose memory estimate exceeds the memory available now."""
    need = memory_estimate_bytes(inputs, n_target, trials, engine)
    have = _available_bytes()
    if have is not None and need > have:
        raise KuiperError(
            f"{trials:,} trials need about {need / 2**30:.1f} GiB; "
            f"{have / 2**30:.1f} GiB is available: use fewer trials"
        )


def forecast_deployment(
    store,
    *,
    as_of: dt.datetime | None = None,
    milestones: list[Milestone] | None = None,
    trials: int = DEFAULT_TRIALS,
    seed: int = 2026,
    manifest: ForecastManifest | None = None,
    engine: str = "numba",
    progress: Callable[[int, int], None] | None = None,
    launch_log: tuple | None = None,
) -> Forecast:
    """Forecast deployment as of a date.

    Parameters
    ----------
    store : kuiper.store.Store
        The history store (element sets, SATCAT).
    as_of : datetime, optional
        Aware UTC; default the newest data in the store. Nothing dated later is used.
    milestones : list of Milestone, optional
        Default :func:`default_milestones`.
    trials, seed : int
        Monte Carlo trials (default 100,000) and seed; the result is deterministic
        for a given seed.
    manifest : ForecastManifest, optional
        Default the shipped ``forecast.toml``.
    engine : {"numba", "numpy"}
        The numba kernel, or the plain NumPy implementation of the same model
        (slower; for verification and benchmarks).
    progress : callable, optional
        Called as ``progress(trials_done, trials)``.
    launch_log : tuple of Launch, optional
        Replaces the shipped launch log (``kuiper.manifest.load_launches(path)``).
    """
    if trials < 1:
        raise KuiperError(f"trials must be at least 1, got {trials}")
    manifest = manifest or load_forecast_manifest()
    if as_of is None:
        as_of = store.data_through()
    if as_of is None:
        raise KuiperError(f"{store.path}: the store holds no Kuiper element sets")
    if as_of.astimezone(UTC).date() >= manifest.horizon_utc:
        raise KuiperError(
            f"as of {as_of:%Y-%m-%d} is at or after the forecast horizon "
            f"{manifest.horizon_utc} ({manifest.path} [model] horizon_utc)"
        )
    milestones = milestones or default_milestones()
    inputs = build_inputs(store, as_of, manifest, launch_log)
    targets = [(ms.metric, ms.target) for ms in milestones]
    if not any(t == ("on_station", 578) for t in targets):
        targets.append(("on_station", 578))  # service can start (FACTS.md section 1)
    check_memory(inputs, len(targets), trials, engine)
    if engine == "numba":
        hist, reach = _run_numba(inputs, targets, trials, seed, progress)
    elif engine == "numpy":
        from ._forecast_numpy import simulate_numpy

        hist, reach = simulate_numpy(inputs, targets, trials, seed, progress)
    else:
        raise KuiperError(f"engine {engine!r} is not numba or numpy")
    return _summarise(store, inputs, milestones, targets, hist, reach, trials, seed, launch_log)


def _quantile_from_hist(h: np.ndarray, q: float) -> int:
    c = np.cumsum(h)
    return int(np.searchsorted(c, q * c[-1], side="left"))


def _summarise(
    store, inputs, milestones, targets, hist, reach, trials, seed, launch_log=None
) -> Forecast:
    from .tracker import fleet_from_store

    as_of_date = inputs.as_of.astimezone(UTC).date()
    from ._forecast_kernels import PAR_NAMES

    horizon_day = inputs.par[PAR_NAMES.index("horizon")]
    out_ms = []
    for k, ms in enumerate(milestones):
        entry = {
            "name": ms.name,
            "target": ms.target,
            "deadline": ms.deadline_utc.isoformat(),
            "metric": ms.metric,
            # A deadline past the horizon: the chance of meeting the target by the
            # horizon, a lower bound on the chance by the deadline.
            "lower_bound": ms.deadline_utc > inputs.horizon_utc,
        }
        if ms.deadline_utc <= as_of_date:
            when = dt.datetime.combine(ms.deadline_utc, dt.time(23, 59, 59, 999999), tzinfo=UTC)
            observed = fleet_from_store(store, when, launch_log).status(when).totals[ms.metric]
            entry.update(
                probability=1.0 if observed >= ms.target else 0.0, resolved=True, observed=observed
            )
        else:
            deadline_day = _days(ms.deadline_utc, inputs.as_of)
            entry.update(
                probability=float(np.mean(reach[:, k] <= deadline_day)),
                resolved=False,
                observed=None,
            )
        out_ms.append(entry)
    monthly = {"date": [d.isoformat() for d in inputs.month_end]}
    for i, metric in enumerate(METRICS):
        monthly[metric] = {
            f"p{int(round(q * 100)):02d}": [
                _quantile_from_hist(hist[m, i], q) for m in range(hist.shape[0])
            ]
            for q in QUANTILES
        }
    reach_out = []
    for k, (metric, target) in enumerate(targets):
        days = reach[:, k]
        within = days <= horizon_day
        row = {
            "metric": metric,
            "target": int(target),
            "p_not_by_horizon": float(1.0 - within.mean()),
        }
        capped = np.where(within, days, horizon_day + 1.0)
        for q in (0.05, 0.50, 0.95):
            value = float(np.quantile(capped, q, method="inverted_cdf"))
            if value > horizon_day:
                row[f"p{int(q * 100):02d}"] = None
            else:
                date = inputs.as_of + dt.timedelta(days=float(value))
                row[f"p{int(q * 100):02d}"] = date.date().isoformat()
        reach_out.append(row)
    return Forecast(
        as_of=inputs.as_of,
        data_through=inputs.data_through,
        trials=trials,
        seed=seed,
        milestones=out_ms,
        monthly=monthly,
        reach_date=reach_out,
        hist=hist,
        month_end=inputs.month_end,
        reach_day=reach,
        initial=tuple(int(x) for x in inputs.initial),
    )
