"""The engine's inputs as of a date: vehicles, contracts, events, raising and supply."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np

from ..timescale import UTC
from .manifest import Dated, ForecastManifest

PROFILE_QUANTILES = (0.1, 0.3, 0.5, 0.7, 0.9)
# Until enough launches have arrived to measure it: [inferred] from the 2025 launches.
DEFAULT_PROFILE = (0.75, 0.9, 1.0, 1.1, 1.35)


def no_purchase() -> dict:
    """The purchase inputs of a forecast that buys nothing (``--contracted-only``)."""
    return {
        "vehicle": -1,
        "static_launches": 0,
        "lead_mu": 0.0,
        "lead_sigma": 0.0,
        "decision_day": 0.0,
        "max_launches": 0,
        "goal": None,
        "goal_deadline": None,
        "goal_deadline_day": None,
        "room_satellites": 0,
        "projected_satellites": None,
        "shortfall_satellites": 0,
        "mode": "contracted only",
    }


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
    # What the engine buys (purchase_inputs); by default nothing.
    purchase: dict = dataclasses.field(default_factory=lambda: no_purchase())

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


def model_parameters(manifest: ForecastManifest, as_of: dt.datetime, *, lost: int, kept: int):
    """The kernel's parameter vector (``_kernels.PAR_NAMES``) as of a date.

    ``lost`` and ``kept`` count satellites lost before reaching station and all others
    tracked: the Beta posterior of the loss fraction starts from them.
    """
    from ._kernels import PAR_NAMES

    as_of_date = as_of.astimezone(UTC).date()
    m = manifest.model
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
        "raise_group_sigma": m["raising_group_sigma"],
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
    return np.array([values[name] for name in PAR_NAMES], dtype=np.float64)


def purchase_inputs(
    manifest: ForecastManifest,
    vehicles: list[dict],
    as_of: dt.datetime,
    launched: int,
    *,
    contracted_only: bool = False,
) -> dict:
    """When the operator may buy, towards which goal, and how lost payloads are re-flown.

    The decision comes no sooner than ``min_interval_days`` after the newest contract
    known at ``as_of`` (Amazon bought in 2021-04, 2022-04, 2023-12 and late 2025), or
    when a provider was lost, and aims at the first goal whose deadline lies after the
    decision; what is bought never takes launched plus contracted satellites past the
    largest goal known (``room_satellites``). How many launches
    are bought (``static_launches``) depends on the projected deliveries, which
    :func:`kuiper.forecast.engine.plan_purchases` fills in (None until then). Payload
    losses are re-bought in the trial, at the loss. ``vehicle`` (the purchase vehicle,
    last in :func:`vehicle_order`) is -1 when nothing is bought.
    """
    p = manifest.purchases
    if p is None or contracted_only:
        return no_purchase()
    as_of_date = as_of.astimezone(UTC).date()
    contracts = [c.known_utc for v in manifest.vehicles for c in v.contracts]
    last = max((d for d in contracts if d <= as_of_date), default=None)
    decision_day = 0.0
    if last is not None:
        decision_day = max(0.0, _days(last, as_of) + p.min_interval_days)
    # A provider lost is replaced at once: a cancellation known by the date that leaves
    # its vehicle nothing under contract (and no contract after it) moves the decision
    # to the day it became known (OneWeb re-bought within weeks of losing Soyuz).
    left = {vd["name"]: vd["contracted_launches"] for vd in vehicles}
    lost = [
        e.known_utc
        for v in manifest.vehicles
        for e in v.events
        if e.value["kind"] == "cancelled"
        and e.known_utc <= as_of_date
        and left.get(v.name) == 0
        and not any(e.value["date_utc"] < c.known_utc <= as_of_date for c in v.contracts)
    ]
    if lost:
        decision_day = min(decision_day, _days(max(lost), as_of))
    decision_date = (as_of + dt.timedelta(days=decision_day)).date()
    goals = sorted(
        (
            g
            for g in p.goals
            if g.known_utc <= as_of_date
            and g.value["deadline_utc"] > max(decision_date, as_of_date)
        ),
        key=lambda g: (g.value["deadline_utc"], -g.known_utc.toordinal()),
    )
    goal = goals[0] if goals else None
    # The largest goal known caps what is bought: an operator buys to be early, never to
    # launch more than it means to (OneWeb's contracts covered its Gen-1 by 2023).
    largest = max((g.value["satellites"] for g in p.goals if g.known_utc <= as_of_date), default=0)
    committed = launched + sum(
        v["contracted_launches"] * v["satellites_per_launch"] for v in vehicles
    )
    return {
        "vehicle": len(vehicles) - 1,
        "static_launches": None if goal else 0,
        "lead_mu": math.log(p.lead_median_days),
        "lead_sigma": p.lead_sigma,
        "decision_day": decision_day,
        "max_launches": p.max_launches_per_purchase,
        "goal": goal.value["satellites"] if goal else None,
        "goal_deadline": goal.value["deadline_utc"].isoformat() if goal else None,
        "goal_deadline_day": _days(goal.value["deadline_utc"], as_of) if goal else None,
        "room_satellites": max(largest - committed, 0),
        "projected_satellites": None,
        "shortfall_satellites": 0,
        "mode": "with purchases",
    }


def manifest_as_known(manifest: ForecastManifest, log: list, as_of: dt.date) -> ForecastManifest:
    """The manifest with what the log says about its events as of ``as_of``.

    * A grounding is over once the vehicle has launched after it (the forecast would
      otherwise keep a known grounding in force, conditioned only on its length).
    * A cancellation known by ``as_of`` voids the launches not flown *by its date*
      under the contracts it voids (flights are assigned to contracts in order);
      flights after it belong to later contracts.
    """
    vehicles = []
    for v in manifest.vehicles:
        flown = [la.launch_date_utc for la in log if la.vehicle in v.log_names]
        launches = [c.value["launches"] for c in v.contracts]
        for e in sorted(v.events, key=lambda e: e.value["date_utc"]):
            if e.value["kind"] != "cancelled" or e.known_utc > as_of:
                continue
            left = sum(1 for f in flown if f <= e.value["date_utc"])
            for k, c in enumerate(v.contracts):
                if c.known_utc <= e.value["date_utc"]:
                    launches[k] = min(launches[k], left)
                    left -= launches[k]
        contracts = tuple(
            dataclasses.replace(c, value={**c.value, "launches": n})
            for c, n in zip(v.contracts, launches, strict=True)
        )
        events = tuple(
            e
            for e in v.events
            if e.value["kind"] == "cancelled" or not any(f > e.value["date_utc"] for f in flown)
        )
        vehicles.append(dataclasses.replace(v, events=events, contracts=contracts))
    return dataclasses.replace(manifest, vehicles=tuple(vehicles))


def pause_exposure(
    vehicles: list[dict], known: ForecastManifest, raw: ForecastManifest, log: list, as_of: dt.date
) -> None:
    """Take grounded time out of a flying vehicle's learned cadence (in place).

    :func:`~kuiper.forecast.inputs.vehicle_inputs` counts every day under contract as
    exposure. A gap between launches that a grounding interrupted says nothing about
    the cadence, so it is dropped (its launch and its exposure); the days since a
    grounding that is still in force are not exposure either. ``known`` is the
    manifest as of the date (:func:`manifest_as_known`), ``raw`` the one with every event.
    """
    m = known.model
    by_name = {v.name: v for v in known.vehicles}
    raw_events = {v.name: v.events for v in raw.vehicles}
    for vd in vehicles:
        v = by_name[vd["name"]]
        if vd["ready_mode"] != 0:
            continue
        grounded = sorted(
            e.value["date_utc"]
            for e in raw_events[v.name]
            if e.value["kind"] in ("grounded", "pad_lost")
            and e.known_utc <= as_of
            and e.value["date_utc"] <= as_of
        )
        if not grounded:
            continue
        mine = [la for la in log if la.vehicle in v.log_names and la.outcome == "success"]
        prod = sorted(la.launch_date_utc for la in mine if la.production)
        used = sorted(la.launch_date_utc for la in mine)

        args = (
            used,
            v.contracts,
            as_of,
            m["new_contract_lead_median_days"],
            m["recency_half_life_days"],
        )

        n, t = vd["obs_n"], vd["obs_t_days"]
        for d0, d1 in zip(prod, prod[1:] + [as_of], strict=True):
            if not any(d0 <= g < d1 for g in grounded):
                continue
            if d1 == as_of:  # open since the last launch: grounded days are not exposure
                g = min(g for g in grounded if d0 <= g)
                t -= min((as_of - g).days, _exposure([d0], *args)[1])
            else:
                n_gap, t_gap = _exposure([d0, d1], *args)
                t -= t_gap - _exposure([d1], *args)[1]
                n -= n_gap
        vd["obs_n"], vd["obs_t_days"] = max(n, 0.0), max(t, 1.0)


def vehicle_order(manifest: ForecastManifest, contracted_only: bool = False) -> list:
    """The manifest's vehicles in the engine's order: the purchase vehicle last.

    The engine simulates vehicles one after another; the vehicle new launches are
    bought on goes last, so every other vehicle's payload losses are known when it
    re-flies them.
    """
    p = None if contracted_only or manifest.purchases is None else manifest.purchases.vehicle
    return [v for v in manifest.vehicles if v.name != p] + [
        v for v in manifest.vehicles if v.name == p
    ]


def vehicle_inputs(
    manifest: ForecastManifest, log: list, as_of: dt.datetime, *, contracted_only: bool = False
) -> tuple[list[dict], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each vehicle's cadence, hazards, readiness and schedule; contracts and events.

    ``log`` holds the launches (``kuiper.manifest.Launch``-like: mission,
    launch_date_utc, vehicle, satellites, outcome, production) flown by ``as_of``;
    nothing else is read, so any constellation's launch log will do. Vehicles come in
    :func:`vehicle_order`.
    """
    as_of_date = as_of.astimezone(UTC).date()
    raw, manifest = manifest, manifest_as_known(manifest, log, as_of_date)
    m = manifest.model
    vehicles = []
    c_vehicle, c_launches, c_known = [], [], []
    e_vehicle, e_from, e_kind = [], [], []
    for vi, v in enumerate(vehicle_order(manifest, contracted_only)):
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
        n_c0 = len(c_vehicle)
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
            if e.value["kind"] == "cancelled":
                continue
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
                "contracted_launches": int(sum(c_launches[k] for k in range(n_c0, len(c_vehicle)))),
                "first_kuiper_date": (
                    kuiper_flown[0].launch_date_utc.isoformat() if kuiper_flown else None
                ),
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
                "flown_satellites": int(sum(la.satellites or 0 for la in kuiper_flown)),
                "last_day": (
                    _days(kuiper_flown[-1].launch_date_utc, as_of) if kuiper_flown else 0.0
                ),
            }
        )
    pause_exposure(vehicles, manifest, raw, log, as_of_date)
    contracts = {
        "vehicle": np.array(c_vehicle, np.int64),
        "launches": np.array(c_launches, np.int64),
        "known_day": np.array(c_known, np.float64),
    }
    events = {
        "vehicle": np.array(e_vehicle, np.int64),
        "from_day": np.array(e_from, np.float64),
        "kind": np.array(e_kind, np.int64),
    }
    return vehicles, contracts, events


def build_inputs(
    store,
    as_of: dt.datetime,
    manifest: ForecastManifest,
    launch_log: tuple | None = None,
    *,
    contracted_only: bool = False,
) -> ForecastInputs:
    """Collect the engine's inputs from the store, the launch log and the manifest.

    Everything is filtered to ``as_of``: launches by date, element sets by epoch,
    manifest facts by ``known_utc``. ``contracted_only`` buys no launches beyond those
    under contract (see :func:`purchase_inputs`).
    """
    from ..manifest import load_launches
    from ..tracker import fleet_from_store

    as_of_date = as_of.astimezone(UTC).date()
    m = manifest.model
    launch_log = launch_log if launch_log is not None else load_launches()
    fleet = fleet_from_store(store, as_of, launches=launch_log)
    status = fleet.status(as_of)
    raising = fleet.raising_durations(as_of)
    # The launch log plus provisional launches (Kuiper objects of launches the log
    # lacks; kuiper.tracker.launches_as_of): they count as flown, so their satellites
    # join the raising groups and an attributed vehicle's remaining contracts go down.
    log = [la for la in fleet.launches if la.launch_date_utc and la.launch_date_utc <= as_of_date]
    vehicles, contracts, events = vehicle_inputs(
        manifest, log, as_of, contracted_only=contracted_only
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

    par = model_parameters(manifest, as_of, lost=lost, kept=kept)

    t = status.totals
    return ForecastInputs(
        as_of=as_of,
        data_through=status.data_through,
        par=par,
        vehicles=vehicles,
        contracts=contracts,
        events=events,
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
        purchase=purchase_inputs(
            manifest, vehicles, as_of, int(t["launched"]), contracted_only=contracted_only
        ),
    )


# ---------------------------------------------------------------------------
# Running the engine
