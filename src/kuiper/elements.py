"""Element sets (TLE and OMM) parsed and validated into a struct of arrays.

Every public form CelesTrak serves is read here, and only here are units
converted:

* 3-line and 2-line TLE, CRLF or LF, including Alpha-5 catalog numbers
  (``A0000``-``Z9999`` decode to 100000-339999, letters I and O unused);
* OMM JSON (a list of objects) and OMM CSV, as served by CelesTrak ``gp.php``,
  whose ``NORAD_CAT_ID`` may have six digits.

Catalog numbers are plain integers with no 5-digit limit.

Validation is strict and column-exact for TLE (line length 69, fixed columns,
separators, modulo-10 checksums, matching catalog numbers on both lines), and
range-checked for every form. A bad record raises :class:`ElementsError` naming
the file, the line (or CSV row, or JSON record) and the reason. With
``skip_bad=True`` the good records are kept and the errors are returned.

A single-character corruption of a TLE line is always caught by the checksum or
by the column formats, except in fields the checksum cannot see (letters in the
name, classification and international designator count zero): those are labels,
never orbital elements.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import io
import json
import math
import os
import re
import stat
import tomllib
import unicodedata
import zlib
from dataclasses import dataclass, field, fields
from importlib.resources import files
from pathlib import Path

import numpy as np

from .constants import MINUTES_PER_DAY, WGS72_J2, WGS72_MU_KM3_S2, WGS72_RADIUS_KM
from .errors import DateError, ElementsError
from .timescale import EARLIEST_EPOCH_UTC, LATEST_EPOCH_UTC, UTC, tle_epoch_to_datetime

__all__ = [
    "ElementsArray",
    "ReadResult",
    "alpha5_decode",
    "alpha5_encode",
    "detect_format",
    "read_elements",
    "parse_elements",
    "tle_checksum",
]

TLE_LINE_LENGTH = 69
# Alpha-5: the first character of the catalog number is a letter standing for
# 10..33, skipping I and O (Space-Track's definition).
_ALPHA5_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_ALPHA5_VALUE = {c: i + 10 for i, c in enumerate(_ALPHA5_LETTERS)}
MAX_ALPHA5_ID = 339999

FORMATS = ("tle", "omm-json", "omm-csv", "satcat-csv")
MIB = 1024 * 1024


@functools.cache
def ingest_limits() -> dict:
    """The plausibility limits of ``kuiper/data/ingest.toml`` (each sourced there)."""
    return tomllib.loads((files("kuiper") / "data" / "ingest.toml").read_text("utf-8"))


# ---------------------------------------------------------------------------
# Catalog numbers


def alpha5_decode(field_text: str) -> int:
    """Decode a 5-character TLE catalog number, plain or Alpha-5.

    >>> alpha5_decode("63724"), alpha5_decode("A0000"), alpha5_decode("Z9999")
    (63724, 100000, 339999)
    """
    if len(field_text) != 5:
        raise ValueError(f"catalog number {field_text!r} is not 5 characters")
    if re.fullmatch(r" *[0-9]+", field_text):
        return int(field_text)
    head, tail = field_text[0], field_text[1:]
    if head not in _ALPHA5_VALUE or not re.fullmatch(r"[0-9]{4}", tail):
        raise ValueError(f"catalog number {field_text!r} is neither numeric nor Alpha-5")
    return _ALPHA5_VALUE[head] * 10000 + int(tail)


def alpha5_encode(norad_id: int) -> str:
    """Encode a catalog number for the 5-character TLE field (Alpha-5 above 99999)."""
    if not 0 <= norad_id <= MAX_ALPHA5_ID:
        raise ValueError(f"catalog number {norad_id} cannot be written as Alpha-5")
    if norad_id < 100000:
        return f"{norad_id:05d}"
    return _ALPHA5_LETTERS[norad_id // 10000 - 10] + f"{norad_id % 10000:04d}"


def tle_checksum(line: str) -> int:
    """Modulo-10 checksum of the first 68 columns: digits count their value, '-' counts 1."""
    total = 0
    for c in line[:68]:
        if c.isdigit():
            total += ord(c) - 48
        elif c == "-":
            total += 1
    return total % 10


# ---------------------------------------------------------------------------
# The struct of arrays


@dataclass
class ElementsArray:
    """Element sets as a struct of arrays, one entry per record.

    Attributes carry their units. Angles are degrees as published; mean motion is
    the Kozai mean motion in rev/day as published in TLE/OMM; ``bstar`` is in
    inverse Earth radii. ``epoch_utc`` is ``datetime64[us]`` in UTC.
    ``line1``/``line2`` hold the original TLE text ('' for OMM records), so that
    a TLE record can be handed to ``sgp4`` byte for byte.
    """

    norad_id: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    name: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    cospar_id: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    epoch_utc: np.ndarray = field(default_factory=lambda: np.zeros(0, "datetime64[us]"))
    mean_motion_rev_day: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ecc: np.ndarray = field(default_factory=lambda: np.zeros(0))
    inclination_deg: np.ndarray = field(default_factory=lambda: np.zeros(0))
    raan_deg: np.ndarray = field(default_factory=lambda: np.zeros(0))
    argp_deg: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mean_anomaly_deg: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bstar_per_er: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mean_motion_dot_rev_day2: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mean_motion_ddot_rev_day3: np.ndarray = field(default_factory=lambda: np.zeros(0))
    element_set_no: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rev_at_epoch: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    classification: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    ephemeris_type: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    line1: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    line2: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    source_line: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    _DTYPES = {
        "norad_id": np.int64,
        "name": object,
        "cospar_id": object,
        "epoch_utc": "datetime64[us]",
        "element_set_no": np.int64,
        "rev_at_epoch": np.int64,
        "classification": object,
        "ephemeris_type": np.int64,
        "line1": object,
        "line2": object,
        "source_line": np.int64,
    }

    @classmethod
    def from_records(cls, records: list[dict]) -> ElementsArray:
        """Build from a list of dicts keyed by the field names."""
        cols = {}
        for f in fields(cls):
            dtype = cls._DTYPES.get(f.name, np.float64)
            values = [r[f.name] for r in records]
            if dtype is object:
                arr = np.empty(len(values), dtype=object)
                arr[:] = values
            else:
                arr = np.array(values, dtype=dtype) if values else np.zeros(0, dtype)
            cols[f.name] = arr
        return cls(**cols)

    @classmethod
    def from_tle(cls, text: str, path: str | None = None) -> ElementsArray:
        """Parse TLE text (2- or 3-line, CRLF or LF); raise on the first bad record."""
        return _raise_first(_parse_tle, text, path)

    @classmethod
    def from_omm_json(cls, text: str, path: str | None = None) -> ElementsArray:
        """Parse CelesTrak OMM JSON; raise on the first bad record."""
        return _raise_first(_parse_omm_json, text, path)

    @classmethod
    def from_omm_csv(cls, text: str, path: str | None = None) -> ElementsArray:
        """Parse CelesTrak OMM CSV; raise on the first bad row."""
        return _raise_first(_parse_omm_csv, text, path)

    def __len__(self) -> int:
        return len(self.norad_id)

    def __getitem__(self, index) -> ElementsArray:
        """Select records with a boolean mask, integer array or slice."""
        return ElementsArray(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def records(self) -> list[dict]:
        """One dict per record, with Python scalars."""
        out = []
        for i in range(len(self)):
            rec = {}
            for f in fields(self):
                v = getattr(self, f.name)[i]
                rec[f.name] = v.item() if isinstance(v, np.generic) else v
            out.append(rec)
        return out

    @staticmethod
    def concatenate(parts: list[ElementsArray]) -> ElementsArray:
        if not parts:
            return ElementsArray()
        return ElementsArray(
            **{
                f.name: np.concatenate([getattr(p, f.name) for p in parts])
                for f in fields(ElementsArray)
            }
        )

    # -- derived quantities -------------------------------------------------

    @property
    def semi_major_axis_km(self) -> np.ndarray:
        """Brouwer mean semi-major axis, km: the Kozai mean motion un-Kozai'd as in sgp4init.

        Notes
        -----
        Follows the initialisation of Hoots & Roehrich (1980), Spacetrack Report
        #3, and Vallado et al. (2006), AIAA 2006-6753, with WGS72 constants.
        """
        xke = 60.0 / math.sqrt(WGS72_RADIUS_KM**3 / WGS72_MU_KM3_S2)  # er^1.5 / min
        no_kozai = self.mean_motion_rev_day * (2.0 * math.pi / MINUTES_PER_DAY)  # rad/min
        cosio = np.cos(np.radians(self.inclination_deg))
        omeosq = 1.0 - self.ecc**2
        with np.errstate(divide="ignore", invalid="ignore"):
            ak = (xke / no_kozai) ** (2.0 / 3.0)
            d1 = 0.75 * WGS72_J2 * (3.0 * cosio**2 - 1.0) / (np.sqrt(omeosq) * omeosq)
            delta = d1 / ak**2
            adel = ak * (1.0 - delta**2 - delta * (1.0 / 3.0 + 134.0 * delta**2 / 81.0))
            delta = d1 / adel**2
            no_unkozai = no_kozai / (1.0 + delta)
            return (xke / no_unkozai) ** (2.0 / 3.0) * WGS72_RADIUS_KM

    @property
    def mean_altitude_km(self) -> np.ndarray:
        """Mean altitude above the WGS72 equatorial radius, km (the figure SATCAT uses)."""
        return self.semi_major_axis_km - WGS72_RADIUS_KM

    @property
    def perigee_altitude_km(self) -> np.ndarray:
        return self.semi_major_axis_km * (1.0 - self.ecc) - WGS72_RADIUS_KM

    @property
    def apogee_altitude_km(self) -> np.ndarray:
        return self.semi_major_axis_km * (1.0 + self.ecc) - WGS72_RADIUS_KM

    def to_satrecs(self) -> list:
        """``sgp4.api.Satrec`` objects (WGS72): TLE text where present, else sgp4init from OMM."""
        from sgp4.api import WGS72, Satrec

        out = []
        epoch0 = np.datetime64("1949-12-31T00:00:00", "us")
        for i in range(len(self)):
            if self.line1[i]:
                out.append(Satrec.twoline2rv(self.line1[i], self.line2[i], WGS72))
                continue
            sat = Satrec()
            epoch_days = (self.epoch_utc[i] - epoch0) / np.timedelta64(1, "D")
            deg = math.pi / 180.0
            rev_day = 2.0 * math.pi / MINUTES_PER_DAY
            sat.sgp4init(
                WGS72,
                "i",
                int(self.norad_id[i]),
                float(epoch_days),
                float(self.bstar_per_er[i]),
                float(self.mean_motion_dot_rev_day2[i]) * rev_day / MINUTES_PER_DAY,
                float(self.mean_motion_ddot_rev_day3[i]) * rev_day / MINUTES_PER_DAY**2,
                float(self.ecc[i]),
                float(self.argp_deg[i]) * deg,
                float(self.inclination_deg[i]) * deg,
                float(self.mean_anomaly_deg[i]) * deg,
                float(self.mean_motion_rev_day[i]) * rev_day,
                float(self.raan_deg[i]) * deg,
            )
            out.append(sat)
        return out


@dataclass
class ReadResult:
    """What :func:`read_elements` found: the good records and one error per bad one."""

    elements: ElementsArray
    errors: list[ElementsError]
    format: str
    n_records_seen: int
    n_bad: int | None = None

    def __post_init__(self):
        if self.n_bad is None:
            self.n_bad = len(self.errors)


# ---------------------------------------------------------------------------
# Range checks shared by every format


class _RangeError(ValueError):
    """A field outside its physical range; ``key`` names the field."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


_LINE2_KEYS = {
    "inclination_deg",
    "raan_deg",
    "argp_deg",
    "mean_anomaly_deg",
    "ecc",
    "mean_motion_rev_day",
    "rev_at_epoch",
}
_INT_LIMIT = 2**31


def _check_name(name: str) -> None:
    """Refuse a name with a control character (NUL, tab, ...) or of absurd length (W15)."""
    limit = ingest_limits()["name_max_chars"]
    if len(name) > limit:
        raise ValueError(f"name has {len(name)} characters, more than {limit}")
    for c in name:
        if unicodedata.category(c) == "Cc":
            raise ValueError(f"name contains the control character {c!r}")


def _check_ranges(rec: dict, not_after: dt.datetime | None = None) -> None:
    """Raise _RangeError naming the first field outside its physical range.

    ``not_after`` is the latest plausible epoch (the time of ingest plus the
    tolerance of ``ingest.toml``); None skips that check.
    """
    limits = ingest_limits()
    checks = [
        ("inclination_deg", 0.0, 180.0),
        ("raan_deg", 0.0, 360.0),
        ("argp_deg", 0.0, 360.0),
        ("mean_anomaly_deg", 0.0, 360.0),
    ]
    for key, lo, hi in checks:
        v = rec[key]
        if not (lo <= v <= hi):
            name = key.replace("_deg", "").replace("_", " ")
            raise _RangeError(key, f"{name} {v} is outside {lo:g}-{hi:g} degrees")
    e = rec["ecc"]
    if not (0.0 <= e < 1.0):
        raise _RangeError("ecc", f"eccentricity {e} is outside [0, 1)")
    n = rec["mean_motion_rev_day"]
    lo, hi = limits["mean_motion_min_rev_day"], limits["mean_motion_max_rev_day"]
    if not (lo < n <= hi):
        raise _RangeError(
            "mean_motion_rev_day", f"mean motion {n} rev/day is outside ({lo:g}, {hi:g}] rev/day"
        )
    for key, limit_key, what in (
        ("bstar_per_er", "bstar_abs_max_per_er", "BSTAR"),
        ("mean_motion_dot_rev_day2", "mean_motion_dot_abs_max_rev_day2", "mean motion dot"),
        ("mean_motion_ddot_rev_day3", "mean_motion_ddot_abs_max_rev_day3", "mean motion ddot"),
    ):
        if not math.isfinite(rec[key]):
            raise _RangeError(key, f"{key} is not finite")
        if abs(rec[key]) > limits[limit_key]:
            raise _RangeError(
                key,
                f"{what} {rec[key]:g} is outside +-{limits[limit_key]:g} "
                "(physical range, kuiper/data/ingest.toml)",
            )
    if not 0 < rec["norad_id"] < _INT_LIMIT:
        raise _RangeError("norad_id", f"catalog number {rec['norad_id']} is out of range")
    for key in ("element_set_no", "rev_at_epoch", "ephemeris_type"):
        if not 0 <= rec[key] < _INT_LIMIT:
            raise _RangeError(key, f"{key} {rec[key]} is out of range")
    epoch = rec["_epoch_dt"]
    if not (EARLIEST_EPOCH_UTC <= epoch < LATEST_EPOCH_UTC):
        raise _RangeError("epoch", f"epoch {epoch.isoformat()} is before 1957-10-04 or after 2100")
    if not_after is not None and epoch > not_after:
        days = limits["future_epoch_tolerance_days"]
        raise _RangeError(
            "epoch",
            f"epoch {epoch:%Y-%m-%d %H:%M:%S} UTC is more than {days:g} days after the time "
            f"of ingest ({not_after - dt.timedelta(days=days):%Y-%m-%d %H:%M} UTC): a "
            "mistyped date? (kuiper/data/ingest.toml)",
        )


def _finish(rec: dict) -> dict:
    epoch = rec.pop("_epoch_dt")
    rec["epoch_utc"] = np.datetime64(epoch.replace(tzinfo=None), "us")
    return rec


# ---------------------------------------------------------------------------
# TLE

_RE_EXP = re.compile(r"[ +-]\d{5}[ +-]\d")
_RE_NDOT = re.compile(r"[ +-]\.\d{8}")
_RE_EPOCH = re.compile(r"\d{2}[ \d]{2}\d\.\d{8}")
_RE_ANGLE = re.compile(r" {0,2}\d{1,3}\.\d{4}")
_RE_MEAN_MOTION = re.compile(r" ?\d{1,2}\.\d{8}")
_RE_INTLDES = re.compile(r"(\d{2})(\d{3})([A-Z]{1,3}) {0,2}| {8}")
_L1_SEPARATORS = (1, 8, 17, 32, 43, 52, 61, 63)
_L2_SEPARATORS = (1, 7, 16, 25, 33, 42, 51)


def _exp_field(s: str, what: str) -> float:
    """TLE assumed-decimal exponent field ' 12345-3' = 0.12345e-3."""
    if not _RE_EXP.fullmatch(s):
        raise ValueError(f"{what} field {s!r} is not in the form ±NNNNN±N")
    sign = "-" if s[0] == "-" else ""
    exp_sign = "-" if s[6] == "-" else ""
    # Through the decimal text, so the value is the correctly rounded double.
    return float(f"{sign}0.{s[1:6]}e{exp_sign}{s[7]}")


def _int_field(s: str, what: str, allow_blank: bool = True) -> int:
    """A right-justified integer field; a blank inside or after the digits is an error."""
    if not s.strip():
        if allow_blank:
            return 0
        raise ValueError(f"{what} is blank")
    if not re.fullmatch(r" *[0-9]+", s):
        raise ValueError(f"{what} field {s!r} is not a right-justified integer")
    return int(s)


def _angle(s: str, what: str) -> float:
    if not _RE_ANGLE.fullmatch(s):
        raise ValueError(f"{what} field {s!r} is not a decimal angle")
    return float(s)


def _parse_tle_pair(name: str, l1: str, l2: str, not_after: dt.datetime | None = None) -> dict:
    """Validate one TLE record; raise ValueError('line N: reason') with N = 1 or 2."""
    for k, line in ((1, l1), (2, l2)):
        if len(line) != TLE_LINE_LENGTH:
            raise ValueError(f"line {k} has {len(line)} characters, expected {TLE_LINE_LENGTH}")
        if not line.isascii():
            raise ValueError(f"line {k} contains non-ASCII characters")
        if not line[68].isdigit():
            raise ValueError(f"line {k} checksum column is {line[68]!r}, not a digit")
        expected = tle_checksum(line)
        if int(line[68]) != expected:
            raise ValueError(f"line {k} checksum is {line[68]}, computed {expected}")
    for k, line, seps in ((1, l1, _L1_SEPARATORS), (2, l2, _L2_SEPARATORS)):
        bad = [c + 1 for c in seps if line[c] != " "]
        if bad:
            raise ValueError(
                f"line {k} column {bad[0]} should be blank, found {line[bad[0] - 1]!r}"
            )
    if l1[0] != "1":
        raise ValueError(f"line 1 starts with {l1[0]!r}, expected '1'")
    if l2[0] != "2":
        raise ValueError(f"line 2 starts with {l2[0]!r}, expected '2'")
    try:
        id1 = alpha5_decode(l1[2:7])
    except ValueError as exc:
        raise ValueError(f"line 1 {exc}") from None
    try:
        id2 = alpha5_decode(l2[2:7])
    except ValueError as exc:
        raise ValueError(f"line 2 {exc}") from None
    if id1 != id2:
        raise ValueError(f"catalog number differs between line 1 ({id1}) and line 2 ({id2})")
    rec: dict = {"norad_id": id1, "name": name, "line1": l1, "line2": l2}
    # Line 1
    try:
        cls_ = l1[7]
        if cls_ not in "UCS":
            raise ValueError(f"classification {cls_!r} is not U, C or S")
        m = _RE_INTLDES.fullmatch(l1[9:17])
        if not m:
            raise ValueError(f"international designator {l1[9:17]!r} is malformed")
        if m.group(1):
            yy = int(m.group(1))
            year = 1900 + yy if yy >= 57 else 2000 + yy
            rec["cospar_id"] = f"{year}-{m.group(2)}{m.group(3)}"
        else:
            rec["cospar_id"] = ""
        if not _RE_EPOCH.fullmatch(l1[18:32]):
            raise ValueError(f"epoch field {l1[18:32]!r} is not YYDDD.DDDDDDDD")
        try:
            rec["_epoch_dt"] = tle_epoch_to_datetime(int(l1[18:20]), float(l1[20:32]))
        except DateError as exc:
            raise ValueError(str(exc)) from None
        if not _RE_NDOT.fullmatch(l1[33:43]):
            raise ValueError(f"mean motion derivative field {l1[33:43]!r} is malformed")
        rec["mean_motion_dot_rev_day2"] = float(l1[33:43].replace(" ", ""))
        rec["mean_motion_ddot_rev_day3"] = _exp_field(l1[44:52], "second derivative")
        rec["bstar_per_er"] = _exp_field(l1[53:61], "BSTAR")
        if not (l1[62].isdigit() or l1[62] == " "):
            raise ValueError(f"ephemeris type {l1[62]!r} is not a digit")
        rec["ephemeris_type"] = int(l1[62]) if l1[62] != " " else 0
        rec["element_set_no"] = _int_field(l1[64:68], "element set number")
        rec["classification"] = cls_
    except ValueError as exc:
        raise ValueError(f"line 1 {exc}") from None
    # Line 2
    try:
        rec["inclination_deg"] = _angle(l2[8:16], "inclination")
        rec["raan_deg"] = _angle(l2[17:25], "right ascension")
        if not re.fullmatch(r"[0-9]{7}", l2[26:33]):
            raise ValueError(f"eccentricity field {l2[26:33]!r} is not 7 digits")
        rec["ecc"] = float("0." + l2[26:33])
        rec["argp_deg"] = _angle(l2[34:42], "argument of perigee")
        rec["mean_anomaly_deg"] = _angle(l2[43:51], "mean anomaly")
        if not _RE_MEAN_MOTION.fullmatch(l2[52:63]):
            raise ValueError(f"mean motion field {l2[52:63]!r} is malformed")
        rec["mean_motion_rev_day"] = float(l2[52:63])
        rec["rev_at_epoch"] = _int_field(l2[63:68], "revolution number")
    except ValueError as exc:
        raise ValueError(f"line 2 {exc}") from None
    try:
        _check_ranges(rec, not_after)
    except _RangeError as exc:
        line = 2 if exc.key in _LINE2_KEYS else 1
        raise ValueError(f"line {line} {exc}") from None
    return rec


class _Errors:
    """The bad records of one file: raise at the first, or count them all and list a few.

    Without ``--skip-bad`` a file stops at its first bad record (R3: a file of a
    million bad lines must not build a million error objects); with it, every bad
    record is counted and the first ``max_listed`` are kept for the listing. A file
    that is mostly bad is given up on (``ingest.toml``: more than
    ``give_up_after_bad`` bad records and over ``give_up_bad_per_good`` per good one),
    so that a few KB of gzip cannot keep a parser busy for minutes.
    """

    def __init__(self, stop_at_first: bool = False, max_listed: int | None = None):
        self.stop_at_first = stop_at_first
        self.max_listed = max_listed
        self.items: list[ElementsError] = []
        self.count = 0
        self.records: list = []  # the parser's good records, for the give-up rule
        limits = ingest_limits()
        self._give_up = (limits["give_up_after_bad"], limits["give_up_bad_per_good"])

    def add(self, error: ElementsError) -> None:
        if self.stop_at_first:
            raise error
        self.count += 1
        if self.max_listed is None or len(self.items) < self.max_listed:
            self.items.append(error)
        after, ratio = self._give_up
        if self.count > after and self.count > ratio * (len(self.records) + 1):
            raise ElementsError(
                f"gave up after {self.count:,} bad records and {len(self.records):,} good "
                f"ones: not an element file? (the first: {(self.items or [error])[0].one_line()})",
                error.path,
            )


_RE_NEWLINE = re.compile(r"\r\n|\r|\n")


class _Lines:
    """The lines of a text, split lazily on CR, LF and CRLF only, with lookahead.

    (str.splitlines also splits on \\x0b, \\x85, ...; and a list of every line of
    a large file of short lines costs some 30 times the file in memory.)
    """

    def __init__(self, text: str):
        self._text = text
        self._matches = _RE_NEWLINE.finditer(text)
        self._pos = 0
        self._done = False
        self._buffer: list[str] = []

    def _pull(self) -> bool:
        if self._done:
            return False
        m = next(self._matches, None)
        if m is None:
            self._buffer.append(self._text[self._pos :])
            self._done = True
        else:
            self._buffer.append(self._text[self._pos : m.start()])
            self._pos = m.end()
        return True

    def peek(self, k: int = 0) -> str | None:
        """The k-th line ahead (0 = the next one), or None past the end."""
        while len(self._buffer) <= k:
            if not self._pull():
                return None
        return self._buffer[k]

    def pop(self) -> str:
        line = self.peek(0)
        del self._buffer[0]
        return line


def _parse_tle(text: str, path: str | None, errors: _Errors, not_after=None):
    lines = _Lines(text)
    records: list[dict] = []
    errors.records = records
    n_seen = 0
    i = 0  # 0-based number of the line lines.peek(0) will return

    def is_l1(s: str | None) -> bool:
        return s is not None and s.startswith("1 ")

    def is_l2(s: str | None) -> bool:
        return s is not None and s.startswith("2 ")

    while lines.peek(0) is not None:
        line = lines.peek(0).rstrip()
        if not line.strip():
            lines.pop()
            i += 1
            continue
        name = ""
        first = i
        if not is_l1(line):
            # A name line (optionally prefixed "0 "), then line 1 and line 2. A line 2
            # is never a name, even when a line 1 follows it.
            after = lines.peek(1)
            if (
                after is not None
                and after[:1] == "1"
                and not is_l1(after)
                and is_l2(lines.peek(2))
                and not is_l2(line)
            ):
                # A name, then a line 1 whose column 2 is not blank (a tab, say): blame
                # line 1, not the name (P4).
                n_seen += 1
                errors.add(
                    ElementsError(
                        f"line 1 column 2 should be blank, found {after[1:2]!r}", path, i + 2
                    )
                )
                for _ in range(3):
                    lines.pop()
                i += 3
                continue
            if is_l1(after) and not is_l2(line):
                name = line[2:].strip() if line.startswith("0 ") else line.strip()
                lines.pop()
                i += 1
                line = lines.peek(0).rstrip()
            else:
                n_seen += 1
                if is_l2(line):
                    what = "line 2 without line 1"
                elif n_seen == 1 and not records:
                    what = "unrecognised format (not TLE, OMM JSON, OMM CSV or SATCAT CSV)"
                else:
                    what = "expected a name or TLE line 1"
                errors.add(ElementsError(f"{what}: {line[:30]!r}", path, i + 1))
                lines.pop()
                i += 1
                continue
        n_seen += 1
        nxt = lines.peek(1)
        if nxt is None or not is_l2(nxt.rstrip()):
            errors.add(ElementsError("TLE line 1 is not followed by line 2", path, i + 1))
            lines.pop()
            i += 1
            continue
        l1, l2 = line, nxt.rstrip()
        try:
            if name:
                try:
                    _check_name(name)
                except ValueError as exc:
                    errors.add(ElementsError(str(exc), path, first + 1))
                    raise _Skip from None
            rec = _parse_tle_pair(name, l1, l2, not_after)
        except _Skip:
            pass
        except ValueError as exc:
            msg = str(exc)
            lineno = i + 2 if msg.startswith("line 2") else i + 1
            errors.add(ElementsError(msg, path, lineno))
        else:
            rec["source_line"] = first + 1
            records.append(_finish(rec))
        lines.pop()
        lines.pop()
        i += 2
    return records, n_seen


class _Skip(Exception):
    """A record already reported as bad."""


# ---------------------------------------------------------------------------
# OMM

_OMM_REQUIRED = (
    "OBJECT_NAME",
    "OBJECT_ID",
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "NORAD_CAT_ID",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)
_RE_COSPAR = re.compile(r"[0-9]{4}-[0-9]{3}[A-Z]{1,3}")
# Plain ASCII decimal numbers only: float() would also take "1_4.7", "inf" or "١٤".
_RE_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _omm_float(row: dict, key: str) -> float:
    v = row.get(key)
    if v is None or (isinstance(v, str) and not v.strip()):
        raise ValueError(f"{key} is missing")
    if isinstance(v, bool) or (isinstance(v, str) and not _RE_NUMBER.fullmatch(v.strip())):
        raise ValueError(f"{key} is not a number: {v!r}")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{key} is not a number: {v!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{key} is not finite: {v!r}")
    return x


def _omm_int(row: dict, key: str, default: int | None = None) -> int:
    v = row.get(key)
    if v is None or (isinstance(v, str) and not v.strip()):
        if default is not None:
            return default
        raise ValueError(f"{key} is missing")
    if isinstance(v, bool):
        raise ValueError(f"{key} is not an integer: {v!r}")
    if isinstance(v, int):
        return v
    if not isinstance(v, str):
        raise ValueError(f"{key} is not an integer: {v!r}"[:120])
    s = v.strip()
    if not re.fullmatch(r"[+-]?[0-9]{1,18}", s):
        raise ValueError(f"{key} is not an integer of at most 18 digits: {v[:40]!r}")
    return int(s)


def _omm_epoch(text) -> dt.datetime:
    if not isinstance(text, str):
        raise ValueError(f"EPOCH is not a string: {text!r}")
    s = text.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z?", s):
        raise ValueError(f"EPOCH {text!r} is not an ISO 8601 UTC time")
    try:
        value = dt.datetime.fromisoformat(s.rstrip("Z"))
    except ValueError as exc:
        raise ValueError(f"EPOCH {text!r} is impossible ({exc})") from None
    return value.replace(tzinfo=UTC)


def _parse_omm_row(row: dict, not_after: dt.datetime | None = None) -> dict:
    cospar = row.get("OBJECT_ID") or ""
    if not isinstance(cospar, str):
        raise ValueError(f"OBJECT_ID is not a string: {cospar!r}")
    cospar = cospar.strip()
    if cospar and not _RE_COSPAR.fullmatch(cospar):
        raise ValueError(f"OBJECT_ID {cospar!r} is not a COSPAR id like 2025-088A")
    name = row.get("OBJECT_NAME") or ""
    if not isinstance(name, str):
        raise ValueError(f"OBJECT_NAME is not a string: {name!r}"[:120])
    _check_name(name.strip())
    cls_ = row.get("CLASSIFICATION_TYPE") or "U"
    if not isinstance(cls_, str):
        raise ValueError(f"CLASSIFICATION_TYPE is not a string: {cls_!r}")
    cls_ = cls_.strip() or "U"
    if cls_ not in ("U", "C", "S"):
        raise ValueError(f"CLASSIFICATION_TYPE {cls_!r} is not U, C or S")
    rec = {
        "norad_id": _omm_int(row, "NORAD_CAT_ID"),
        "name": name.strip(),
        "cospar_id": cospar,
        "_epoch_dt": _omm_epoch(row.get("EPOCH")),
        "mean_motion_rev_day": _omm_float(row, "MEAN_MOTION"),
        "ecc": _omm_float(row, "ECCENTRICITY"),
        "inclination_deg": _omm_float(row, "INCLINATION"),
        "raan_deg": _omm_float(row, "RA_OF_ASC_NODE"),
        "argp_deg": _omm_float(row, "ARG_OF_PERICENTER"),
        "mean_anomaly_deg": _omm_float(row, "MEAN_ANOMALY"),
        "bstar_per_er": _omm_float(row, "BSTAR"),
        "mean_motion_dot_rev_day2": _omm_float(row, "MEAN_MOTION_DOT"),
        "mean_motion_ddot_rev_day3": _omm_float(row, "MEAN_MOTION_DDOT"),
        "element_set_no": _omm_int(row, "ELEMENT_SET_NO", 0),
        "rev_at_epoch": _omm_int(row, "REV_AT_EPOCH", 0),
        "classification": cls_,
        "ephemeris_type": _omm_int(row, "EPHEMERIS_TYPE", 0),
        "line1": "",
        "line2": "",
    }
    _check_ranges(rec, not_after)
    return rec


# An OMM record has at least the 13 fields of _OMM_REQUIRED: over 150 bytes of JSON.
# A text with more brackets than one per this many bytes is not OMM, and parsing it
# could cost far more memory than its size (R3: a few MB of "{}," is millions of dicts)
# or recurse too deep (T2).
_JSON_BYTES_PER_BRACKET = 64


def _parse_omm_json(text: str, path: str | None, errors: _Errors, not_after=None):
    n_brackets = text.count("{") + text.count("[")
    if n_brackets > len(text) // _JSON_BYTES_PER_BRACKET + 16:
        errors.add(
            ElementsError(
                f"not OMM JSON: {n_brackets:,} objects or lists in {len(text):,} characters "
                "(an OMM record takes more than 150)",
                path,
                1,
            )
        )
        return [], 1
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        errors.add(ElementsError(f"not valid JSON: {exc.msg}", path, exc.lineno))
        return [], 1
    except RecursionError:
        errors.add(ElementsError("JSON nested too deeply", path, 1))
        return [], 1
    except ValueError as exc:  # an integer of more than 4300 digits (T3)
        errors.add(ElementsError(f"not usable JSON: {exc}", path, 1))
        return [], 1
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        errors.add(ElementsError("OMM JSON must be a list of objects", path, 1))
        return [], 1
    records = []
    errors.records = records
    for k, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            errors.add(_record_error(f"record is {type(row).__name__}, not an object", path, k))
            continue
        missing = [c for c in _OMM_REQUIRED if c not in row]
        try:
            if missing:
                raise ValueError(f"missing field {missing[0]}")
            rec = _parse_omm_row(row, not_after)
        except ValueError as exc:
            errors.add(_record_error(str(exc), path, k))
        else:
            rec["source_line"] = k
            records.append(_finish(rec))
    return records, len(data)


def _record_error(reason: str, path: str | None, k: int) -> ElementsError:
    return ElementsError(f"record {k}: {reason}", path, None)


def _parse_omm_csv(text: str, path: str | None, errors: _Errors, not_after=None):
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        errors.add(ElementsError("empty CSV file", path, 1))
        return [], 0
    except csv.Error as exc:
        errors.add(ElementsError(f"unreadable CSV header: {exc}", path, 1))
        return [], 0
    header = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in _OMM_REQUIRED if c not in header]
    if missing:
        errors.add(ElementsError(f"CSV header lacks column {missing[0]}", path, 1))
        return [], 0
    records = []
    errors.records = records
    n_seen = 0
    rowno = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rowno = reader.line_num
            n_seen += 1
            errors.add(ElementsError(f"unreadable CSV row: {exc}", path, rowno))
            continue
        rowno = reader.line_num
        if not values or all(not v.strip() for v in values):
            continue
        n_seen += 1
        if len(values) != len(header):
            errors.add(
                ElementsError(
                    f"row has {len(values)} fields, header has {len(header)}", path, rowno
                )
            )
            continue
        try:
            rec = _parse_omm_row(dict(zip(header, values, strict=True)), not_after)
        except ValueError as exc:
            errors.add(ElementsError(str(exc), path, rowno))
        else:
            rec["source_line"] = rowno
            records.append(_finish(rec))
    return records, n_seen


# ---------------------------------------------------------------------------
# Files


def _raise_first(parser, text, path) -> ElementsArray:
    records, _ = parser(text, path, _Errors(stop_at_first=True))
    return ElementsArray.from_records(records)


def max_input_bytes() -> int:
    """The default cap on one input's (decompressed) size, from ``ingest.toml``."""
    return int(ingest_limits()["max_input_mib"] * MIB)


def read_input_bytes(path: str | Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; errors name the file.

    FIFOs, devices and sockets are refused before they are opened (R1, R2: reading
    one would block forever or never end), and so is a file larger than the cap.
    """
    p = Path(path)
    limit = max_input_bytes() if max_bytes is None else max_bytes
    try:
        info = os.stat(p)
    except FileNotFoundError:
        raise ElementsError("no such file", str(p)) from None
    except OSError as exc:
        raise ElementsError(f"cannot read: {exc.strerror}", str(p)) from None
    if stat.S_ISDIR(info.st_mode):
        raise ElementsError("is a directory", str(p))
    if not stat.S_ISREG(info.st_mode):
        raise ElementsError("not a regular file (a pipe, device or socket); refused", str(p))
    if info.st_size > limit:
        raise ElementsError(_too_big(info.st_size, limit), str(p))
    try:
        with open(p, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as exc:
        raise ElementsError(f"cannot read: {exc.strerror}", str(p)) from None
    if len(raw) > limit:
        raise ElementsError(_too_big(len(raw), limit), str(p))
    return raw


def _too_big(n_bytes: int, limit: int, what: str = "file is") -> str:
    return (
        f"{what} over {limit / MIB:g} MiB ({n_bytes / MIB:.1f} MiB read); "
        "raise the cap with --max-size MIB if this is real data"
    )


def read_text(path: str | Path, max_bytes: int | None = None) -> str:
    """Read a file as text, gunzipping ``.gz``; errors name the file."""
    raw = read_input_bytes(path, max_bytes)
    return decode_bytes(raw, str(path), max_bytes)


def decode_bytes(raw: bytes, path: str | None = None, max_bytes: int | None = None) -> str:
    """The text of a file's bytes, gunzipped if they are gzip; errors name ``path``.

    The gunzipped size is capped at ``max_bytes`` (default :func:`max_input_bytes`):
    a few KB of gzip can expand to gigabytes (R3).
    """
    limit = max_input_bytes() if max_bytes is None else max_bytes
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                raw = gz.read(limit + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise ElementsError(f"corrupt gzip data: {exc}", path) from None
        if len(raw) > limit:
            raise ElementsError(_too_big(len(raw), limit, "decompressed data is"), path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ElementsError(f"not UTF-8 text (byte {exc.start})", path, line) from None


_RE_TLE_LINE1 = re.compile(r"^1 [ 0-9A-Z][0-9 ]{4}[UCS ] ", re.MULTILINE)


def detect_format(text: str) -> str:
    """Which of :data:`FORMATS` a text is, judged by its content.

    A TLE line 1 among the first lines wins over anything a satellite name could
    look like (a name may hold commas or start with a bracket).
    """
    head = text.lstrip("\ufeff \t\r\n")
    if _RE_TLE_LINE1.search(head[:1000]):
        return "tle"
    if head[:1] in ("[", "{"):
        return "omm-json"
    first = head.split("\n", 1)[0]
    if "," in first:
        cols = {c.strip().strip('"') for c in first.split(",")}
        if "EPOCH" in cols or "MEAN_MOTION" in cols:
            return "omm-csv"
        if "DECAY_DATE" in cols or "LAUNCH_DATE" in cols:
            return "satcat-csv"
        return "omm-csv"
    return "tle"


def parse_elements(
    text: str,
    path: str | None = None,
    fmt: str | None = None,
    *,
    stop_at_first: bool = False,
    max_listed: int | None = None,
    not_after: dt.datetime | None = None,
) -> ReadResult:
    """Parse text in any supported format, keeping good records and collecting errors.

    Parameters
    ----------
    stop_at_first : bool
        Raise :class:`ElementsError` at the first bad record instead of collecting.
    max_listed : int, optional
        Keep at most this many errors (``ReadResult.n_bad`` counts them all).
    not_after : datetime, optional
        Refuse epochs after this aware UTC time (the store passes the time of
        ingest plus ``future_epoch_tolerance_days``).
    """
    fmt = fmt or detect_format(text)
    parser = {"tle": _parse_tle, "omm-json": _parse_omm_json, "omm-csv": _parse_omm_csv}.get(fmt)
    if parser is None:
        raise ElementsError(f"{fmt} is not an element-set format", path)
    errors = _Errors(stop_at_first, max_listed)
    records, n_seen = parser(text, path, errors, not_after)
    if n_seen == 0 and not errors.count:
        errors.add(ElementsError("no element sets found", path, None))
    return ReadResult(
        ElementsArray.from_records(records), errors.items, fmt, n_seen, n_bad=errors.count
    )


def read_elements(
    path: str | Path, *, skip_bad: bool = False, max_bytes: int | None = None
) -> ReadResult:
    """Read a TLE, OMM JSON or OMM CSV file (optionally gzipped).

    Parameters
    ----------
    path : str or Path
        The file.
    skip_bad : bool
        If False (the default) the first bad record raises :class:`ElementsError`.
        If True the good records are returned and ``errors`` lists the bad ones.
    max_bytes : int, optional
        Cap on the (decompressed) size; default :func:`max_input_bytes`.
    """
    text = read_text(path, max_bytes)
    return parse_elements(text, str(path), stop_at_first=not skip_bad)
