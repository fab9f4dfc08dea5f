"""Reference classes: another constellation's launch log, dated manifest and target.

A reference class is what :mod:`.reference_backtest` forecasts and scores: a
deployment the model was not built on (OneWeb Gen-1, Iridium NEXT are shipped in
``kuiper/data/reference/<name>/``). A reference folder holds two files:

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

Every problem is a one-line :class:`~kuiper.errors.ManifestError` naming the file,
line and field.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from importlib.resources import files
from pathlib import Path

from ..errors import ManifestError
from ..timescale import UTC
from .inputs import _month_ends
from .manifest import ForecastManifest, load_forecast_manifest

__all__ = [
    "ReferenceClass",
    "ReferenceLaunch",
    "load_reference",
    "read_launches",
    "reference_names",
]

MAX_HORIZON_MONTHS = 60
MAX_SATELLITES_PER_LAUNCH = 1_000
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
