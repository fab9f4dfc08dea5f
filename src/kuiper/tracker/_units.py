"""Microsecond time stamps (int64 since 1970, UTC) used throughout the tracker."""

from __future__ import annotations

import datetime as dt

from ..timescale import UTC

_US_PER_DAY = 86_400_000_000


def _date_to_us(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days * _US_PER_DAY


def _datetime_to_us(value: dt.datetime) -> int:
    delta = value.astimezone(UTC) - dt.datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _us_to_datetime(us: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=int(us))


def _us_to_iso(us: int) -> str:
    return _us_to_datetime(us).isoformat().replace("+00:00", "Z")
