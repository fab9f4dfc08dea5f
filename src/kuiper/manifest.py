"""The launch log and the constellation design, as validated data.

Both ship as TOML inside the package (``kuiper/data/launches.toml`` and
``kuiper/data/constellation.toml``); every figure in them carries its source.
Loaders validate on load and raise :class:`ManifestError` naming the file, the
entry and the field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import tomllib
from importlib.resources import files
from pathlib import Path

from .errors import ManifestError

__all__ = [
    "Authorization",
    "Launch",
    "Shell",
    "load_authorization",
    "load_launches",
    "load_shells",
    "launches_as_of",
]

SCHEMA_VERSION = 1


@dataclasses.dataclass(frozen=True)
class Launch:
    """One launch of Kuiper satellites."""

    mission: str
    mission_name_inferred: bool
    cospar_launch: str
    launch_date_utc: dt.date | None
    vehicle: str
    satellites: int
    outcome: str
    production: bool
    source: str
    provisional: bool = False
    """True for a launch inferred from element data and SATCAT because the launch log
    lacks it (see :func:`kuiper.tracker.launches_as_of`); ``source`` says how."""

    @property
    def counted(self) -> bool:
        """A production launch that flew successfully."""
        return self.production and self.outcome == "success" and self.launch_date_utc is not None


@dataclasses.dataclass(frozen=True)
class Shell:
    """One FCC shell: altitude, inclination and Walker layout."""

    name: str
    altitude_km: float
    inclination_deg: float
    planes: int
    sats_per_plane: int
    walker_phasing: int
    source: str

    @property
    def satellites(self) -> int:
        return self.planes * self.sats_per_plane


@dataclasses.dataclass(frozen=True)
class Authorization:
    """The authorized totals and milestone dates, each with its source."""

    gen1_total: int
    gen1_total_source: str
    gen1_total_2020: int
    gen1_total_2020_source: str
    half_deadline_utc: dt.date
    full_deadline_utc: dt.date
    half_waived_utc: dt.date
    gen2_total: int
    gen2_half_deadline_utc: dt.date
    gen2_full_deadline_utc: dt.date

    @property
    def half_target(self) -> int:
        return self.gen1_total // 2


def read_data_toml(
    path: str | Path | None, default: str, *, check_schema: bool = True
) -> tuple[dict, str]:
    """A user's TOML at ``path``, or the shipped ``kuiper/data/<default>``, and its name.

    Every error is one line naming the file: unreadable, not TOML, or (with
    ``check_schema``) a ``schema_version`` other than :data:`SCHEMA_VERSION`.
    """
    if path is None:
        resource = files("kuiper") / "data" / default
        name = f"kuiper/data/{default}"
        raw = resource.read_bytes()
    else:
        name = str(path)
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise ManifestError(f"{name}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{name}: not valid TOML ({exc})".replace("\n", " ")) from None
    version = data.get("schema_version")
    if check_schema and version != SCHEMA_VERSION:
        raise ManifestError(f"{name}: schema_version is {version!r}, expected {SCHEMA_VERSION}")
    return data, name


def _field(entry: dict, key: str, kind, where: str):
    if key not in entry:
        raise ManifestError(f"{where}: missing field {key!r}")
    value = entry[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ManifestError(f"{where}: field {key!r} should be {kind.__name__}, got {value!r}")
    return value


def _date(entry: dict, key: str, where: str, *, allow_empty: bool = False) -> dt.date | None:
    text = _field(entry, key, str, where)
    if not text and allow_empty:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ManifestError(f"{where}: field {key!r} is not a date YYYY-MM-DD: {text!r}") from None


@functools.cache
def _launches_cached(path: str | None) -> tuple[Launch, ...]:
    data, name = read_data_toml(path, "launches.toml")
    entries = data.get("launch")
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"{name}: no [[launch]] entries")
    out = []
    for k, e in enumerate(entries, start=1):
        where = f"{name}: launch {k}"
        mission = _field(e, "mission", str, where)
        where = f"{name}: launch {k} ({mission})"
        cospar = _field(e, "cospar_launch", str, where)
        if cospar and not re.fullmatch(r"\d{4}-\d{3}", cospar):
            raise ManifestError(f"{where}: cospar_launch {cospar!r} is not YYYY-NNN")
        sats = _field(e, "satellites", int, where)
        if sats <= 0:
            raise ManifestError(f"{where}: satellites must be positive, got {sats}")
        outcome = _field(e, "outcome", str, where)
        if outcome not in ("success", "failure", "not_launched"):
            raise ManifestError(f"{where}: outcome {outcome!r} is not success/failure/not_launched")
        launch_date = _date(e, "launch_date_utc", where, allow_empty=outcome == "not_launched")
        out.append(
            Launch(
                mission=mission,
                mission_name_inferred=_field(e, "mission_name_inferred", bool, where),
                cospar_launch=cospar,
                launch_date_utc=launch_date,
                vehicle=_field(e, "vehicle", str, where),
                satellites=sats,
                outcome=outcome,
                production=_field(e, "production", bool, where),
                source=_source(e, where),
            )
        )
    return tuple(out)


def _source(entry: dict, where: str) -> str:
    """Every figure needs a non-blank source."""
    text = _field(entry, "source", str, where)
    if not text.strip():
        raise ManifestError(f"{where}: field 'source' is blank; every figure needs a source")
    return text


def load_launches(path: str | Path | None = None) -> tuple[Launch, ...]:
    """The launch log: the shipped one, or a user's TOML of the same schema."""
    return _launches_cached(None if path is None else str(path))


def launches_as_of(as_of: dt.date, path: str | Path | None = None) -> list[Launch]:
    """Counted launches on or before ``as_of`` (a date, UTC)."""
    return [
        launch
        for launch in load_launches(path)
        if launch.counted and launch.launch_date_utc <= as_of
    ]


@functools.cache
def _constellation_cached(path: str | None) -> tuple[tuple[Shell, ...], Authorization]:
    data, name = read_data_toml(path, "constellation.toml")
    shells = []
    for k, e in enumerate(data.get("shell") or [], start=1):
        where = f"{name}: shell {k}"
        shell = Shell(
            name=_field(e, "name", str, where),
            altitude_km=_field(e, "altitude_km", float, where),
            inclination_deg=_field(e, "inclination_deg", float, where),
            planes=_field(e, "planes", int, where),
            sats_per_plane=_field(e, "sats_per_plane", int, where),
            walker_phasing=_field(e, "walker_phasing", int, where),
            source=_field(e, "source", str, where),
        )
        if not 150.0 < shell.altitude_km < 2000.0:
            raise ManifestError(f"{where}: altitude_km {shell.altitude_km} is not a LEO altitude")
        if not 0.0 <= shell.inclination_deg <= 180.0:
            raise ManifestError(f"{where}: inclination_deg {shell.inclination_deg} out of range")
        shells.append(shell)
    if not shells:
        raise ManifestError(f"{name}: no [[shell]] entries")
    a = data.get("authorization")
    if not isinstance(a, dict):
        raise ManifestError(f"{name}: missing [authorization] table")
    where = f"{name}: [authorization]"
    auth = Authorization(
        gen1_total=_field(a, "gen1_total", int, where),
        gen1_total_source=_field(a, "gen1_total_source", str, where),
        gen1_total_2020=_field(a, "gen1_total_2020", int, where),
        gen1_total_2020_source=_field(a, "gen1_total_2020_source", str, where),
        half_deadline_utc=_date(a, "half_deadline_utc", where),
        full_deadline_utc=_date(a, "full_deadline_utc", where),
        half_waived_utc=_date(a, "half_waived_utc", where),
        gen2_total=_field(a, "gen2_total", int, where),
        gen2_half_deadline_utc=_date(a, "gen2_half_deadline_utc", where),
        gen2_full_deadline_utc=_date(a, "gen2_full_deadline_utc", where),
    )
    return tuple(shells), auth


def load_shells(path: str | Path | None = None) -> tuple[Shell, ...]:
    """The FCC Gen-1 shells, ordered as in the file (630, 610, 590 km)."""
    return _constellation_cached(None if path is None else str(path))[0]


def load_authorization(path: str | Path | None = None) -> Authorization:
    """Authorized totals and milestone dates (3,232 by default; 3,236 under the 2020 order)."""
    return _constellation_cached(None if path is None else str(path))[1]
