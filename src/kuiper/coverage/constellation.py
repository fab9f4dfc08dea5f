"""The three kinds of constellation: real (the store), design, forecast."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from ..errors import KuiperError
from ..timescale import UTC, parse_utc
from .design import design_order, design_satrecs

__all__ = [
    "KINDS",
    "Constellation",
    "real_satrecs",
    "forecast_satellite_count",
    "constellation_satrecs",
]

KINDS = ("real", "design", "forecast")
# The real constellation is propagated at most this long after its newest element set
# (robustness review W2: SGP4 over years gives meaningless positions).
MAX_ELEMENT_AGE_DAYS = 30
MAX_ELEMENT_AGE_S = MAX_ELEMENT_AGE_DAYS * 86_400.0


def real_satrecs(store, as_of: dt.datetime | str | None = None) -> tuple[list, dict]:
    """The satellites on station at ``as_of``, each with its newest element set by then.

    Parameters
    ----------
    store : kuiper.store.Store
    as_of : datetime or str, optional
        Aware UTC (a bare date is its start, 00:00); default the newest data.

    Returns
    -------
    satrecs : list of sgp4.api.Satrec
    info : dict
        ``as_of``, ``data_through``, ``norad_ids`` and the count ``by_shell``.
    """
    from collections import Counter

    from ..errors import StoreError
    from ..tracker import fleet_from_store

    as_of = store.data_through() if as_of is None else parse_utc(as_of)
    if as_of is None:
        raise StoreError(f"{store.path}: the store holds no Kuiper element sets")
    fleet = fleet_from_store(store, as_of)
    states = [s for s in fleet.classify(as_of) if s.phase == "on_station"]
    ids = sorted(s.norad_id for s in states)
    satrecs: list = []
    if ids:
        el = store.elements(as_of=as_of, norad_ids=ids)
        last = np.flatnonzero(np.r_[el.norad_id[1:] != el.norad_id[:-1], True])
        satrecs = el[last].to_satrecs()
    through = store.data_through(as_of)
    info = {
        "as_of": _iso(as_of),
        "data_through": _iso(through) if through else None,
        "norad_ids": ids,
        "by_shell": dict(sorted(Counter(s.shell for s in states).items())),
    }
    return satrecs, info


def _quantile_key(quantile) -> tuple[float, str]:
    if isinstance(quantile, str):
        text = quantile.strip().lower()
        if not (text.startswith("p") and text[1:].isdigit()):
            raise KuiperError(f"quantile {quantile!r} is not like 'p50'")
        q = int(text[1:]) / 100.0
    else:
        q = float(quantile)
    if not 0.0 < q < 1.0:
        raise KuiperError(f"quantile must be within 0-1 (exclusive), got {quantile!r}")
    return q, f"p{int(round(q * 100)):02d}"


def forecast_satellite_count(
    forecast, date: dt.date | dt.datetime | str, quantile=0.5, design: str = "gen1"
) -> dict:
    """The forecast's on-station count at a quantile, at the month end on or after ``date``.

    Parameters
    ----------
    forecast : kuiper.forecast.Forecast
    date : date, datetime or str
        The date; the forecast is read at the first month end on or after it.
    quantile : float or str
        0.5 or ``"p50"``; ``"p05"`` ... ``"p95"`` come from the forecast's monthly
        table, other values from its histogram.

    Returns
    -------
    dict
        ``month_end``, ``quantile``, ``on_station`` (the forecast count) and
        ``n_satellites`` (that count capped at the design's size).
    """
    from ..forecast import METRICS

    q, key = _quantile_key(quantile)
    if isinstance(date, dt.date) and not isinstance(date, dt.datetime):
        day = date
    else:
        day = parse_utc(date).date()
    month_end = list(forecast.month_end)
    k = next((i for i, d in enumerate(month_end) if d >= day), None)
    if k is None:
        raise KuiperError(f"{day} is beyond the forecast horizon ({month_end[-1]})")
    table = forecast.monthly.get("on_station", {})
    if key in table and abs(int(key[1:]) / 100.0 - q) < 1e-12:
        count = int(table[key][k])
    else:
        h = np.asarray(forecast.hist[k, METRICS.index("on_station")], dtype=np.float64)
        c = np.cumsum(h)
        count = int(np.searchsorted(c, q * c[-1], side="left"))
    n_design = len(design_order(design=design))
    return {
        "month_end": month_end[k].isoformat(),
        "quantile": key,
        "on_station": count,
        "n_satellites": min(count, n_design),
    }


@dataclasses.dataclass
class Constellation:
    """Satellites to evaluate, and where they came from.

    Attributes
    ----------
    kind : str
        ``real``, ``design`` or ``forecast``.
    date : datetime
        Start of the coverage window (and the design's element epoch).
    satrecs : list of sgp4.api.Satrec
    by_shell : dict
        Satellites per FCC shell.
    detail : dict
        Provenance: the tracker's as-of date, or the forecast quantile and month.
    """

    kind: str
    date: dt.datetime
    satrecs: list
    by_shell: dict
    detail: dict

    @property
    def n_satellites(self) -> int:
        return len(self.satrecs)


def constellation_satrecs(
    kind: str | Constellation = "design",
    *,
    date: dt.datetime | str | None = None,
    n_satellites: int | None = None,
    store=None,
    forecast=None,
    quantile=0.5,
    design: str = "gen1",
) -> Constellation:
    """Build a constellation of one of the three kinds.

    Parameters
    ----------
    kind : {"real", "design", "forecast"} or Constellation
        A Constellation is returned unchanged.
    date : datetime or str, optional
        Window start (aware UTC; a bare date is 00:00). Defaults: ``real``, the
        newest data in the store; ``design``, 2026-01-01; ``forecast``, the Gen-1
        full-deployment deadline (2029-07-30).
    n_satellites : int, optional
        ``design`` only: how many along the design order (default all).
    store : kuiper.store.Store
        Needed for ``real``, and for ``forecast`` when no forecast is given.
    forecast : kuiper.forecast.Forecast, optional
        ``forecast`` only; default ``forecast_deployment(store)``.
    quantile : float or str
        ``forecast`` only: which quantile of the on-station count (default median).
    design : {"gen1", "gen1-polar", "gen2"}
        ``design`` and ``forecast``: the authorized shells the order fills
        (:func:`kuiper.coverage.design.load_design`).

    Raises
    ------
    KuiperError
        ``real`` at a date more than ``MAX_ELEMENT_AGE_DAYS`` after the newest
        element set (SGP4 does not hold that far), or ``forecast`` at a date
        before the forecast's as-of date.
    """
    if isinstance(kind, Constellation):  # already built: returned as it is
        return kind
    if kind not in KINDS:
        raise KuiperError(f"constellation must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "real":
        if store is None:
            raise KuiperError("the real constellation needs a store")
        if n_satellites is not None:
            raise KuiperError("a satellite count applies to the design constellation only")
        satrecs, info = real_satrecs(store, date)
        start = parse_utc(info["as_of"])
        through = parse_utc(info["data_through"]) if info["data_through"] else None
        if through is not None and (start - through).total_seconds() > MAX_ELEMENT_AGE_S:
            raise KuiperError(
                f"--date {start:%Y-%m-%d} is {(start - through).days} days after the newest "
                f"element set ({through:%Y-%m-%d}); SGP4 does not hold beyond "
                f"{MAX_ELEMENT_AGE_DAYS} days: use the design or forecast constellation"
            )
        return Constellation("real", start, satrecs, info.pop("by_shell"), info)
    if kind == "design":
        start = parse_utc(date if date is not None else "2026-01-01")
        satrecs, slots = design_satrecs(n_satellites, start, design=design)
        detail = {"design": design, "order": "FCC deployment order, whole planes evenly spread"}
        return Constellation("design", start, satrecs, slots.by_shell(), detail)
    if n_satellites is not None:
        raise KuiperError("a satellite count applies to the design constellation only")
    if date is None:
        from ..manifest import load_authorization

        date = load_authorization().full_deadline_utc.isoformat()
    start = parse_utc(date)
    if forecast is None:
        if store is None:
            raise KuiperError("the forecast constellation needs a forecast or a store")
        from ..forecast import forecast_deployment

        forecast = forecast_deployment(store)
    if start < forecast.as_of:
        raise KuiperError(
            f"--date {start:%Y-%m-%d} is before the forecast's as-of date "
            f"({forecast.as_of:%Y-%m-%d}): the forecast starts there"
        )
    count = forecast_satellite_count(forecast, start, quantile, design=design)
    satrecs, slots = design_satrecs(count["n_satellites"], start, design=design)
    count["forecast_as_of"] = _iso(forecast.as_of)
    return Constellation("forecast", start, satrecs, slots.by_shell(), count)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
