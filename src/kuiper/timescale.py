"""UTC parsing and split Julian dates.

kuiper keeps every time in UTC. User input is parsed here and only here; naive
``datetime`` objects are refused (as skyfield does), because a silent guess at the
time zone shifts every count by up to a day.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np

from .constants import JD_UNIX_EPOCH, SECONDS_PER_DAY
from .errors import DateError

UTC = dt.UTC
# Element sets before Sputnik, or far in the future, are garbage, not data.
EARLIEST_EPOCH_UTC = dt.datetime(1957, 10, 4, tzinfo=UTC)
LATEST_EPOCH_UTC = dt.datetime(2100, 1, 1, tzinfo=UTC)

# The only text forms accepted (W7): a date, or a date and time with an optional zone.
# Python's fromisoformat also takes 20260730 and 2026-W30, which read as midnight
# while 2026-07-30 reads as the end of the day; such forms are refused instead.
_RE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_RE_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?", re.IGNORECASE
)
_FORMS = "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z or +HH:MM]"


def parse_utc(text: str | dt.date | dt.datetime, *, end_of_day: bool = False) -> dt.datetime:
    """Parse a user-supplied date or date-time into an aware UTC datetime.

    Parameters
    ----------
    text : str, datetime.date or datetime.datetime
        ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]`` (``T`` or a space),
        with an optional ``Z`` or ``+HH:MM``. A date-time without a zone is taken
        as UTC only when given as a string (strings on the command line are UTC
        by documentation). Other ISO 8601 forms (``20260730``, ``2026-W30``) are
        refused: they would read as midnight where ``2026-07-30`` reads as the
        end of the day.
    end_of_day : bool
        For a bare date, return 23:59:59.999999 that day instead of midnight, so
        that ``--as-of 2026-07-30`` includes everything dated that day.

    Raises
    ------
    DateError
        For impossible dates (``2026-02-30``), unparseable text, or a naive
        ``datetime`` object.
    """
    if isinstance(text, dt.datetime):
        if text.tzinfo is None:
            raise DateError(
                f"naive datetime {text.isoformat()} has no time zone; "
                "pass tzinfo=datetime.timezone.utc"
            )
        try:
            return text.astimezone(UTC)
        except OverflowError:
            raise DateError(f"{text.isoformat()} is out of range once converted to UTC") from None
    if isinstance(text, dt.date):
        text = text.isoformat()
    s = str(text).strip()
    if not s:
        raise DateError("empty date")
    if len(s) > 40 or not (_RE_DATE.fullmatch(s) or _RE_DATETIME.fullmatch(s)):
        raise DateError(f"not a valid date: {s[:40]!r} (use {_FORMS})")
    try:
        if _RE_DATE.fullmatch(s):
            d = dt.date.fromisoformat(s)
            t = dt.time(23, 59, 59, 999999) if end_of_day else dt.time(0)
            return dt.datetime.combine(d, t, tzinfo=UTC)
        value = dt.datetime.fromisoformat(s.upper().replace("Z", "+00:00"))
    except ValueError as exc:
        raise DateError(f"not a valid date: {s!r} ({exc})") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise DateError(f"{s!r} is out of range once converted to UTC") from None


def to_datetime64(value: dt.datetime) -> np.datetime64:
    """An aware datetime as ``datetime64[us]`` in UTC."""
    return np.datetime64(value.astimezone(UTC).replace(tzinfo=None), "us")


def from_datetime64(value: np.datetime64) -> dt.datetime:
    """``datetime64`` (UTC) back to an aware datetime."""
    us = int(np.datetime64(value, "us").astype(np.int64))
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=us)


def jday_split(epoch_us: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """Split Julian dates ``(jd, fr)`` from microseconds since the Unix epoch.

    ``jd`` is the Julian date of the preceding midnight (ending in .5) and ``fr``
    the fraction of the day, the split that ``sgp4.api`` uses to keep
    microsecond precision in float64.
    """
    us = np.asarray(epoch_us, dtype=np.int64)
    day_us = np.int64(SECONDS_PER_DAY * 1_000_000)
    days = np.floor_divide(us, day_us)
    rem = us - days * day_us
    jd = JD_UNIX_EPOCH + days.astype(np.float64)
    fr = rem.astype(np.float64) / float(day_us)
    return jd, fr


def tle_epoch_to_datetime(year2: int, day_of_year: float) -> dt.datetime:
    """The epoch field of TLE line 1 as an aware UTC datetime.

    Two-digit years 57-99 are 1957-1999 and 00-56 are 2000-2056 (the Space-Track
    convention). ``day_of_year`` counts from 1.0 at 00:00 UTC on 1 January.
    Rounded to the nearest microsecond.
    """
    if not 1.0 <= day_of_year < 367.0 or math.isnan(day_of_year):
        raise DateError(f"epoch day of year {day_of_year} is outside 1-366")
    year = 1900 + year2 if year2 >= 57 else 2000 + year2
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if day_of_year >= (367.0 if leap else 366.0):
        raise DateError(f"epoch day {day_of_year} does not exist in {year}")
    start = dt.datetime(year, 1, 1, tzinfo=UTC)
    us = round((day_of_year - 1.0) * SECONDS_PER_DAY * 1e6)
    return start + dt.timedelta(microseconds=us)
