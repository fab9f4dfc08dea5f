"""Reference-class backtests: the forecast run on another constellation's history.

The Kuiper backtest (:mod:`.backtest`) scores forecasts against one trajectory and
at most about a year ahead. A reference class tests the long horizon on histories
the model was not built on (OneWeb Gen-1, Iridium NEXT): forecasts from the launch
log alone, as of each month end of the deployment, scored against what was launched
up to 36 months later.

A reference folder holds two files:

``launches.csv``
    One row per launch, header ``mission,launch_date_utc,vehicle,satellites,outcome,
    source`` (any order), optionally ``production`` (``true``/``false``, default true:
    false for a pilot launch that neither sets a vehicle's batch size nor its cadence,
    like Kuiper's protoflight; its satellites still count) and ``note``. Dates are UTC,
    ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]Z``; ``outcome`` is ``success`` or
    ``failure`` (a failure's satellites are not launched).
``forecast.toml``
    The forecast manifest in the schema of ``kuiper/data/forecast.toml`` (dated
    contracts, records, plans, schedules, events, supply, purchases; each fact with the
    date it became public; ``[model]`` needs only ``horizon_utc``, every other key
    defaults to the shipped, generic value), plus a ``[reference]`` table:

    * ``name``, ``source``;
    * ``target_satellites``: the deployment target; origins run until the log has
      launched it (default last origin: the month end before it was reached);
    * ``history_through_utc``: the log is complete through this date (scores end there);
    * optional ``origins_from_utc``, ``origins_through_utc``, ``horizon_months`` (1-60,
      default 36).

Nothing dated after an origin is used: launches by date, manifest facts by
``known_utc``. There is no element history: the forecast starts from the satellites
launched (launched = in orbit) and only the launched count is scored.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import numpy as np

from ..errors import KuiperError, ManifestError
from ..timescale import UTC
from .backtest import Backtest, _end_of_day, _pool, crps_from_hist, hist_quantile
from .inputs import (
    DEFAULT_PROFILE,
    ForecastInputs,
    _days,
    _month_ends,
    model_parameters,
    purchase_inputs,
    vehicle_inputs,
)
from .manifest import ForecastManifest, load_forecast_manifest

__all__ = [
    "BUCKETS",
    "ReferenceBacktest",
    "ReferenceClass",
    "ReferenceLaunch",
    "load_reference",
    "reference_backtest",
    "reference_names",
]

DEFAULT_REFERENCE_TRIALS = 20_000
MAX_HORIZON_MONTHS = 60
MAX_SATELLITES_PER_LAUNCH = 1_000
# Horizon buckets (months) of the summary; 12-36 is the long horizon the Kuiper
# backtest cannot reach.
BUCKETS = ((1, 3), (4, 6), (7, 11), (12, 24), (25, 36), (12, 36))
COLUMNS = ("mission", "launch_date_utc", "vehicle", "satellites", "outcome", "source")
OPTIONAL_COLUMNS = ("production", "note")
REFERENCE_KEYS = (
    "name",
    "target_satellites",
    "history_through_utc",
    "source",
    "origins_from_utc",
    "origins_through_utc",
    "horizon_months",
)
QUANTILES = {"p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


@dataclasses.dataclass(frozen=True)
class ReferenceLaunch:
    """One launch of a reference constellation (the attributes the forecast reads)."""

    mission: str
    launch_date_utc: dt.date
    vehicle: str
    satellites: int
    outcome: str
    source: str
    production: bool = True


@dataclasses.dataclass(frozen=True)
class ReferenceClass:
    """A validated reference folder: launch log, manifest and target."""

    name: str
    path: str
    target_satellites: int
    history_through_utc: dt.date
    source: str
    launches: tuple[ReferenceLaunch, ...]
    manifest: ForecastManifest
    origins_from_utc: dt.date | None = None
    origins_through_utc: dt.date | None = None
    horizon_months: int = 36

    def launched_by(self, date: dt.date) -> int:
        """Satellites launched successfully on or before ``date`` (UTC)."""
        return sum(
            la.satellites
            for la in self.launches
            if la.outcome == "success" and la.launch_date_utc <= date
        )

    def origins(self) -> list[dt.date]:
        """Month ends to forecast from: during the deployment, with a month end after."""
        first = min(la.launch_date_utc for la in self.launches)
        start = max(first, self.origins_from_utc or first)
        last = self.origins_through_utc
        if last is None:
            reached = [
                d
                for d in sorted({la.launch_date_utc for la in self.launches})
                if self.launched_by(d) >= self.target_satellites
            ]
            last = reached[0] - dt.timedelta(days=1) if reached else self.history_through_utc
        day = dt.timedelta(days=1)
        return [
            d for d in _month_ends(start, last) if _month_ends(d + day, self.history_through_utc)
        ]


def reference_names() -> list[str]:
    """The reference classes shipped in ``kuiper/data/reference``."""
    root = files("kuiper") / "data" / "reference"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _folder(name_or_dir: str | Path) -> Path:
    path = Path(name_or_dir)
    if path.is_dir():
        return path
    names = reference_names()
    if str(name_or_dir) in names:
        return Path(str(files("kuiper") / "data" / "reference" / str(name_or_dir)))
    if path.exists():
        raise ManifestError(f"{path}: not a folder (a reference is a folder: see --help)")
    raise ManifestError(
        f"{name_or_dir}: no such folder, nor a shipped reference ({', '.join(names)})"
    )


def _parse_date(text: str, where: str) -> dt.date:
    text = text.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        if "T" in text:
            when = dt.datetime.fromisoformat(text)
            if when.tzinfo is None:
                raise ManifestError(f"{where}: {text!r} has no time zone (end it in Z: UTC)")
            return when.astimezone(UTC).date()
    except ValueError:
        pass
    raise ManifestError(
        f"{where}: {text!r} is not a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MMZ"
    )


def read_launches(path: str | Path) -> tuple[ReferenceLaunch, ...]:
    """Read and validate a reference ``launches.csv`` (see the module docstring)."""
    name = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")  # csv handles line ends
    except FileNotFoundError:
        raise ManifestError(f"{name}: missing (a reference folder needs launches.csv)") from None
    except OSError as exc:
        raise ManifestError(f"{name}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ManifestError(f"{name}:{reader.line_num}: not valid CSV ({exc})") from None
    if not rows:
        raise ManifestError(f"{name}: empty (expected a header: {','.join(COLUMNS)})")
    header = [h.strip() for h in rows[0][1]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ManifestError(f"{name}:1: missing column(s) {', '.join(missing)}")
    unknown = [h for h in header if h not in COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise ManifestError(f"{name}:1: unknown column(s) {', '.join(unknown)}")
    out = []
    for line, row in rows[1:]:
        if not row or not "".join(row).strip():
            continue
        if len(row) != len(header):
            raise ManifestError(f"{name}:{line}: {len(row)} fields, the header has {len(header)}")
        r = {h: v.strip() for h, v in zip(header, row, strict=True)}
        for c in ("mission", "vehicle", "source"):
            if not r[c]:
                raise ManifestError(f"{name}:{line}: field '{c}' is empty")
        date = _parse_date(r["launch_date_utc"], f"{name}:{line}: field 'launch_date_utc'")
        count = r["satellites"]
        if not re.fullmatch("[0-9]{1,6}", count) or int(count) > MAX_SATELLITES_PER_LAUNCH:
            raise ManifestError(
                f"{name}:{line}: field 'satellites' must be a whole number 0-"
                f"{MAX_SATELLITES_PER_LAUNCH:,}, got {count!r}"
            )
        if r["outcome"] not in ("success", "failure"):
            raise ManifestError(
                f"{name}:{line}: field 'outcome' must be success or failure, got {r['outcome']!r}"
            )
        production = r.get("production", "true").lower() or "true"
        if production not in ("true", "false"):
            raise ManifestError(
                f"{name}:{line}: field 'production' must be true or false, got {production!r}"
            )
        out.append(
            ReferenceLaunch(
                mission=r["mission"],
                launch_date_utc=date,
                vehicle=r["vehicle"],
                satellites=int(count),
                outcome=r["outcome"],
                source=r["source"],
                production=production == "true",
            )
        )
    if not out:
        raise ManifestError(f"{name}: no launches")
    missions = [la.mission for la in out]
    dupes = sorted({m for m in missions if missions.count(m) > 1})
    if dupes:
        raise ManifestError(f"{name}: mission {dupes[0]!r} appears more than once")
    return tuple(sorted(out, key=lambda la: la.launch_date_utc))


def _reference_table(path: Path) -> dict:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return {}  # load_forecast_manifest reports it
    return data.get("reference") if isinstance(data.get("reference"), dict) else {}


def load_reference(name_or_dir: str | Path) -> ReferenceClass:
    """Load a shipped reference class by name (``oneweb``) or a reference folder.

    Every problem is a one-line :class:`~kuiper.errors.ManifestError` naming the file,
    line or field.
    """
    folder = _folder(name_or_dir)
    toml_path = folder / "forecast.toml"
    if not toml_path.is_file():
        raise ManifestError(f"{toml_path}: missing (a reference folder needs forecast.toml)")
    launches = read_launches(folder / "launches.csv")
    from ..manifest import read_data_toml

    generic = read_data_toml(None, "forecast.toml")[0]["model"]
    manifest = load_forecast_manifest(toml_path, model_defaults=generic)
    known = {n for v in manifest.vehicles for n in v.log_names}
    for la in launches:
        if la.vehicle not in known:
            raise ManifestError(
                f"{folder / 'launches.csv'}: launch {la.mission!r}: vehicle {la.vehicle!r} is in "
                f"no [[vehicle]] log_names of {toml_path.name}"
            )
    table = _reference_table(toml_path)
    where = f"{toml_path} [reference]"
    if not table:
        raise ManifestError(f"{where}: missing (name, target_satellites, history_through_utc)")
    for key in ("name", "source"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise ManifestError(f"{where}: '{key}' must be a non-empty string")
    target = table.get("target_satellites")
    if not isinstance(target, int) or isinstance(target, bool) or not 0 < target <= 100_000:
        raise ManifestError(f"{where}: 'target_satellites' must be a whole number 1-100,000")
    unknown = sorted(set(table) - set(REFERENCE_KEYS))
    if unknown:
        raise ManifestError(f"{where}: unknown key '{unknown[0]}' ({', '.join(REFERENCE_KEYS)})")
    horizon = table.get("horizon_months", 36)
    whole = isinstance(horizon, int) and not isinstance(horizon, bool)
    if not whole or not 1 <= horizon <= MAX_HORIZON_MONTHS:
        raise ManifestError(
            f"{where}: 'horizon_months' must be a whole number 1-{MAX_HORIZON_MONTHS}"
        )

    def date(key, required=False):
        value = table.get(key)
        if value is None and not required:
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            return _parse_date(value, f"{where} {key}")
        raise ManifestError(f"{where}: '{key}' must be a date YYYY-MM-DD, got {value!r}")

    through = date("history_through_utc", required=True)
    if any(la.launch_date_utc > through for la in launches):
        raise ManifestError(
            f"{where}: history_through_utc {through} is before the log's last launch "
            f"({launches[-1].launch_date_utc})"
        )
    ref = ReferenceClass(
        name=table["name"],
        path=str(folder),
        target_satellites=target,
        history_through_utc=through,
        source=table["source"],
        launches=launches,
        manifest=manifest,
        origins_from_utc=date("origins_from_utc"),
        origins_through_utc=date("origins_through_utc"),
        horizon_months=horizon,
    )
    origins = ref.origins()
    if not origins:
        raise ManifestError(f"{where}: no origin has a month end of history after it to score")
    if manifest.horizon_utc <= origins[-1]:
        raise ManifestError(
            f"{toml_path} [model] horizon_utc: {manifest.horizon_utc} is not after the last "
            f"origin ({origins[-1]})"
        )
    return ref


# ---------------------------------------------------------------------------
# Forecasting from the log alone


def _as_known(manifest: ForecastManifest, log: list, as_of: dt.date) -> ForecastManifest:
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


def _pause_exposure(
    vehicles: list[dict], known: ForecastManifest, raw: ForecastManifest, log: list, as_of: dt.date
) -> None:
    """Take grounded time out of a flying vehicle's learned cadence (in place).

    :func:`~kuiper.forecast.inputs.vehicle_inputs` counts every day under contract as
    exposure. A gap between launches that a grounding interrupted says nothing about
    the cadence, so it is dropped (its launch and its exposure); the days since a
    grounding that is still in force are not exposure either. ``known`` is the
    manifest as of the date (:func:`_as_known`), ``raw`` the one with every event.
    """
    from .inputs import _exposure

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


def _replace_lost_provider(
    purchase: dict, manifest: ForecastManifest, vehicles: list[dict], as_of: dt.date
) -> dict:
    """A provider lost is replaced at once: the purchase decision at its cancellation.

    :func:`~kuiper.forecast.inputs.purchase_inputs` times a decision
    ``min_interval_days`` after the newest purchase (Amazon's routine buying). A
    cancellation that leaves its vehicle nothing under contract is a provider lost;
    the operator decides when it is known, even if that is before ``as_of`` (the
    launches bought then fly a lead time after it), towards the first goal known by
    ``as_of`` whose deadline is still ahead. The count is the projected shortfall, as
    for any purchase (:func:`~kuiper.forecast.engine.plan_purchases`).
    """
    p = manifest.purchases
    if p is None or purchase["vehicle"] < 0:
        return purchase
    left = {vd["name"]: vd["contracted_launches"] for vd in vehicles}
    lost = [
        e.known_utc
        for v in manifest.vehicles
        for e in v.events
        if e.value["kind"] == "cancelled"
        and e.known_utc <= as_of
        and left[v.name] == 0
        and not any(c.known_utc > e.value["date_utc"] for c in v.contracts if c.known_utc <= as_of)
    ]
    goals = sorted(
        (g for g in p.goals if g.known_utc <= as_of and g.value["deadline_utc"] > as_of),
        key=lambda g: (g.value["deadline_utc"], -g.known_utc.toordinal()),
    )
    if not lost or not goals:
        return purchase
    when = _end_of_day(as_of)
    deadline = goals[0].value["deadline_utc"]
    return {
        **purchase,
        "static_launches": None,
        "decision_day": min(purchase["decision_day"], _days(max(lost), when)),
        "goal": goals[0].value["satellites"],
        "goal_deadline": deadline.isoformat(),
        "goal_deadline_day": _days(deadline, when),
    }


def reference_inputs(ref: ReferenceClass, origin: dt.date) -> ForecastInputs:
    """The engine's inputs as of the end of ``origin``, from the log and manifest alone."""
    as_of = _end_of_day(origin)
    log = [la for la in ref.launches if la.launch_date_utc <= origin]
    manifest = _as_known(ref.manifest, log, origin)
    vehicles, contracts, events = vehicle_inputs(manifest, log, as_of)
    _pause_exposure(vehicles, manifest, ref.manifest, log, origin)
    launched = ref.launched_by(origin)
    after = origin + dt.timedelta(days=1)
    months = _month_ends(after, manifest.horizon_utc)[: ref.horizon_months]
    return ForecastInputs(
        as_of=as_of,
        data_through=as_of,
        par=model_parameters(manifest, as_of, lost=0, kept=launched),
        vehicles=vehicles,
        contracts=contracts,
        events=events,
        pool=np.array([], np.float64),
        profile=np.array(DEFAULT_PROFILE, np.float64),
        groups={
            "day": np.array([], np.float64),
            "raising": np.array([], np.int64),
            "median": np.array([], np.float64),
        },
        # No element history: launched = in orbit; on station is not modelled (0).
        initial=np.array([launched, launched, 0], np.int64),
        month_end=months,
        horizon_utc=manifest.horizon_utc,
        purchase=_replace_lost_provider(
            purchase_inputs(manifest, vehicles, as_of, launched), manifest, vehicles, origin
        ),
    )


# ---------------------------------------------------------------------------
# The backtest


@dataclasses.dataclass
class ReferenceBacktest(Backtest):
    """A :class:`~kuiper.forecast.backtest.Backtest` of a reference class.

    Same scores, launched count only, plus ``reference`` (what was tested) and
    ``by_bucket`` (coverage pooled over horizon buckets, :data:`BUCKETS`).
    """

    reference: dict = dataclasses.field(default_factory=dict)
    by_bucket: list = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict:
        return {"reference": self.reference, **super().to_dict(), "by_bucket": self.by_bucket}

    def render(self) -> str:
        def pct(x):
            return "-" if x is None else f"{x:.0%}"

        def num(x):
            return "-" if x is None else f"{x:.1f}"

        r, s = self.reference, self.summary
        lines = [
            f"Reference-class backtest: {r['name']} (target {r['target_satellites']:,} "
            f"satellites; log through {r['history_through_utc']})",
            f"{s['origins']} monthly origins {self.origins[0]['as_of'][:10]} .. "
            f"{self.origins[-1]['as_of'][:10]}, horizons 1-{s['horizon_months']} months, "
            f"{self.trials:,} trials, seed {self.seed}",
            "Forecasts from the launch log and the manifest as known at each origin; "
            "scored on satellites launched (cover50/90: share of realized month-end counts "
            "inside the central 50%/90% interval; CRPS in satellites)",
            "",
            f"{'months':>7}{'n':>6}{'cover50':>9}{'cover90':>9}{'CRPS':>8}",
        ]
        for b in self.by_bucket:
            lines.append(
                f"{b['horizon_months']:>7}{b['n']:>6}{pct(b['coverage50']):>9}"
                f"{pct(b['coverage90']):>9}{num(b['crps']['launched']):>8}"
            )
        lines.append(
            f"{'all':>7}{s['n_scores']:>6}{pct(s['coverage50']):>9}"
            f"{pct(s['coverage90']):>9}{num(s['crps']['launched']):>8}"
        )
        lines += [
            "",
            f"{'origin':<12}{'launched':>9}{'P50 +12m':>10}{'P50 +36m':>10}{'real +12m':>10}",
        ]
        for o in self.origins:
            by_h = {x["horizon_months"]: x for x in o["scores"]}
            cells = [
                by_h[h][k] if h in by_h else "-"
                for h, k in ((12, "p50"), (36, "p50"), (12, "observed"))
            ]
            lines.append(
                f"{o['as_of'][:10]:<12}{o['initial']['launched']:>9}"
                + "".join(f"{c:>10}" for c in cells)
            )
        return "\n".join(lines)


def _origin_dates(ref: ReferenceClass, origins) -> list[dt.date]:
    """Origins given as dates or strings (UTC dates), checked against the history."""
    from ..timescale import parse_utc

    first = ref.launches[0].launch_date_utc
    out = set()
    for d in origins:
        day = parse_utc(d, end_of_day=True).date() if not isinstance(d, dt.date) else d
        if day < first:
            raise KuiperError(f"origin {day}: before the first launch ({first}) of {ref.name}")
        if not _month_ends(day + dt.timedelta(days=1), ref.history_through_utc):
            raise KuiperError(
                f"origin {day}: no month end between it and the end of {ref.name}'s history "
                f"({ref.history_through_utc}) to score against"
            )
        if day >= ref.manifest.horizon_utc:
            raise KuiperError(
                f"origin {day}: at or after the horizon {ref.manifest.horizon_utc} "
                f"({ref.path}/forecast.toml [model] horizon_utc)"
            )
        out.add(day)
    return sorted(out)


def reference_backtest(
    ref: ReferenceClass,
    *,
    trials: int = DEFAULT_REFERENCE_TRIALS,
    seed: int = 2026,
    engine: str = "numba",
    origins: list[dt.date] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ReferenceBacktest:
    """Forecast ``ref`` as of each origin and score the launched counts that followed.

    Parameters
    ----------
    ref : ReferenceClass
        From :func:`load_reference`.
    trials, seed : int
        Monte Carlo trials per origin (default 20,000) and the seed of every one.
    engine : {"numba", "numpy"}
        As :func:`kuiper.forecast.run_engine`.
    origins : list of date or str, optional
        UTC dates to forecast from (the end of each day). Default
        :meth:`ReferenceClass.origins` (every month end of the deployment).
    progress : callable, optional
        Called as ``progress(done, total, origin)`` after each forecast.

    Returns
    -------
    ReferenceBacktest
        Scores by origin, pooled, by horizon month and by horizon bucket: coverage of
        the central 50% and 90% intervals and the CRPS (satellites) of the launched
        count at each month end up to ``ref.horizon_months`` after the origin and
        no later than ``ref.history_through_utc``.
    """
    from .engine import run_engine

    if trials < 1:
        raise KuiperError(f"trials must be at least 1, got {trials}")
    origins = _origin_dates(ref, origins) if origins else ref.origins()
    through = ref.history_through_utc
    if progress:
        progress(0, len(origins), "")
    results, all_scores = [], []
    for k, origin in enumerate(origins):
        inputs = reference_inputs(ref, origin)
        hist = run_engine(
            inputs, [("launched", ref.target_satellites)], trials, seed, engine=engine
        ).hist
        scores = []
        for h, date in enumerate(inputs.month_end, start=1):
            if date > through:
                break
            y = ref.launched_by(date)
            q = {name: hist_quantile(hist[h - 1, 0], p) for name, p in QUANTILES.items()}
            scores.append(
                {
                    "date": date.isoformat(),
                    "horizon_months": h,
                    "lead_days": float((date - origin).days),
                    "metric": "launched",
                    "observed": y,
                    **q,
                    "in50": bool(q["p25"] <= y <= q["p75"]),
                    "in90": bool(q["p05"] <= y <= q["p95"]),
                    "crps": crps_from_hist(hist[h - 1, 0], y),
                }
            )
        all_scores += scores
        launched = int(inputs.initial[0])
        results.append(
            {
                "as_of": inputs.as_of.isoformat().replace("+00:00", "Z"),
                "data_through": inputs.as_of.isoformat().replace("+00:00", "Z"),
                "initial": {"launched": launched, "in_orbit": launched, "on_station": None},
                "horizon_months": len(scores),
                **_pool(scores),
                "brier": None,
                "n_brier": 0,
                "milestones": [],
                "purchases": inputs.purchase.get("mode"),
                "scores": scores,
            }
        )
        if progress:
            progress(k + 1, len(origins), origin.isoformat())
    summary = {
        "origins": len(results),
        "horizon_months": max(r["horizon_months"] for r in results),
        "n_scores": len(all_scores),
        **_pool(all_scores),
        "brier": None,
        "n_brier": 0,
    }
    by_horizon = []
    for h in sorted({s["horizon_months"] for s in all_scores}):
        group = [s for s in all_scores if s["horizon_months"] == h]
        by_horizon.append({"horizon_months": h, "n": len(group), **_pool(group)})
    by_bucket = []
    for lo, hi in BUCKETS:
        group = [s for s in all_scores if lo <= s["horizon_months"] <= hi]
        if group:
            by_bucket.append({"horizon_months": f"{lo}-{hi}", "n": len(group), **_pool(group)})
    return ReferenceBacktest(
        data_through=_end_of_day(through),
        trials=trials,
        seed=seed,
        origins=results,
        summary=summary,
        by_horizon=by_horizon,
        milestones=[],
        realized={},
        reference={
            "name": ref.name,
            "path": ref.path,
            "target_satellites": ref.target_satellites,
            "history_through_utc": through.isoformat(),
            "source": ref.source,
            "metric": "launched",
        },
        by_bucket=by_bucket,
    )
