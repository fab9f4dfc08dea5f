"""Tracker results straight from a :class:`kuiper.store.Store`, as of a date."""

from __future__ import annotations

import datetime as dt
import math

from ..errors import KuiperError, StoreError
from ..manifest import Launch
from ..timescale import UTC
from ._units import _us_to_datetime
from .config import TrackerConfig, load_tracker_config
from .fleet import Fleet, FleetStatus


def fleet_from_store(
    store, as_of: dt.datetime | None = None, launches: tuple[Launch, ...] | None = None
) -> Fleet:
    """A :class:`Fleet` from a :class:`kuiper.store.Store`, using data up to ``as_of``.

    ``launches`` replaces the shipped launch log (see :func:`kuiper.manifest.load_launches`).
    """
    return Fleet(store.elements(as_of=as_of), store.satcat(as_of=as_of), launches=launches)


def launches_as_of(
    store, as_of: dt.datetime | None = None, launches: tuple[Launch, ...] | None = None
) -> tuple[Launch, ...]:
    """The launch log up to ``as_of``, plus provisional launches inferred from the store.

    Signature: ``launches_as_of(store, as_of=None, launches=None) -> tuple[Launch, ...]``.

    Parameters
    ----------
    store : kuiper.store.Store
    as_of : datetime, optional
        Aware UTC (default: the newest element set in the store). Only data dated on
        or before it is used.
    launches : tuple of Launch, optional
        Replaces the shipped launch log (:func:`kuiper.manifest.load_launches`).

    Returns
    -------
    tuple of Launch
        Every log entry with a launch date on or before ``as_of`` (any outcome), in log
        order, then one ``Launch(provisional=True)`` per COSPAR launch of Kuiper objects
        (named ``KUIPER*`` or ``AMAZON LEO*``, in element sets or SATCAT) that the log
        lacks, sorted by launch id:

        * ``mission`` ``"2026-150 (provisional)"``, ``cospar_launch`` ``"2026-150"``;
        * ``launch_date_utc`` from SATCAT's launch date, else the first element-set
          epoch of the launch's objects (``source`` says which);
        * ``satellites`` the catalogued objects of that launch: its Kuiper objects in
          the store (including those still named ``OBJECT A``...) and its SATCAT payloads;
        * ``vehicle`` from SATCAT's launch site where that decides it
          (``[provisional]`` in ``tracker.toml``), else ``"unattributed"``;
        * ``outcome`` ``"success"``, ``production`` True, so ``counted`` is True.
    """
    if as_of is None:
        as_of = store.data_through()
        if as_of is None:
            return ()
    fleet = fleet_from_store(store, as_of, launches)
    day = as_of.astimezone(UTC).date()
    return tuple(
        la for la in fleet.launches if la.launch_date_utc is not None and la.launch_date_utc <= day
    )


def data_age_note(
    data_through: dt.datetime | None,
    now: dt.datetime | None = None,
    config: TrackerConfig | None = None,
) -> str:
    """One line: how old the newest element set is, suggesting ``kuiper fetch`` when old.

    Parameters
    ----------
    data_through : datetime or None
        The newest element-set epoch (aware UTC), e.g. ``Store.data_through()``.
    now : datetime, optional
        Aware UTC; default the clock.
    config : TrackerConfig, optional
        Supplies ``fetch_suggest_after_days`` (7 in the shipped ``tracker.toml``).
    """
    if data_through is None:
        return "the store holds no element sets; run 'kuiper fetch'"
    cfg = config or load_tracker_config()
    now = now or dt.datetime.now(UTC)
    age_days = (now - data_through).total_seconds() / 86400.0
    newest = f"newest element set {data_through:%Y-%m-%d %H:%M} UTC"
    if age_days < 0:
        return f"{newest} is {_age_text(-age_days)} in the future (check the clock or the data)"
    text = f"{newest} is {_age_text(age_days)} old"
    if age_days > cfg.fetch_suggest_after_days:
        text += "; run 'kuiper fetch' for newer data"
    return text


def data_age_days(data_through: dt.datetime | None, now: dt.datetime | None = None):
    """Days from ``data_through`` to ``now`` (default the clock), to 0.01; None without data."""
    if data_through is None:
        return None
    now = now or dt.datetime.now(UTC)
    return round((now - data_through).total_seconds() / 86400.0, 2)


def _age_text(age_days: float) -> str:
    if age_days < 2:
        return f"{age_days * 24:.0f} hours"
    return f"{age_days:,.0f} days"


def fleet_history(store, as_of: dt.datetime | None = None, step_days: float = 7.0) -> dict:
    """Phase counts every ``step_days`` from the first launch to ``as_of``, with launches.

    Returns ``Fleet.phase_history`` plus ``launched``: satellites launched by each date
    according to the launch log (and provisional launches), and ``warnings``: those of
    the status on the last date (e.g. ``as_of`` far past the data).

    Raises
    ------
    KuiperError
        ``step_days`` not a finite number > 0, or more than ``max_history_samples``
        dates (``tracker.toml``) between the first element set and ``as_of``.
    """
    if not (isinstance(step_days, int | float) and math.isfinite(step_days) and step_days > 0):
        raise KuiperError(f"step of {step_days!r} days: must be a finite number of days > 0")
    if as_of is None:
        as_of = store.data_through()
    fleet = fleet_from_store(store, as_of)
    if not fleet.histories:
        raise StoreError(f"{store.path}: no Kuiper element sets on or before {as_of:%Y-%m-%d}")
    # Start where the element history starts: before it, phases are unknown.
    first_us = min(int(h.epoch_us[0]) for h in fleet.histories)
    start = _us_to_datetime(first_us).replace(hour=23, minute=59, second=59, microsecond=0)
    span_days = (as_of - start).total_seconds() / 86400
    limit = int(fleet.config.max_history_samples)
    if span_days / step_days + 1 > limit:
        raise KuiperError(
            f"{span_days:,.0f} days at a step of {step_days:g} days is more than {limit:,} "
            f"samples; use a step of at least {span_days / (limit - 1):.2g} days"
        )
    n = max(1, int(span_days // step_days) + 1)
    dates = [start + dt.timedelta(days=step_days * k) for k in range(n)]
    if dates[-1] < as_of:
        dates.append(as_of)
    out = fleet.phase_history(dates)
    statuses = [fleet.status(d) for d in dates]
    out["launched"] = [s.totals["launched"] for s in statuses]
    out["warnings"] = statuses[-1].warnings
    return out


def altitude_history(store, as_of: dt.datetime | None = None) -> tuple[list[dict], tuple]:
    """Per-satellite altitude histories (up to ``as_of``) and the shells, for plotting.

    Raises :class:`StoreError` when no element set is dated on or before ``as_of`` (P7).
    """
    fleet = fleet_from_store(store, as_of)
    if not fleet.histories:
        when = f" on or before {as_of:%Y-%m-%d}" if as_of else ""
        raise StoreError(f"{store.path}: no Kuiper element sets{when}; nothing to plot")
    return fleet.altitude_series(), fleet.shells


def raising_durations(store, as_of: dt.datetime | None = None) -> dict:
    """Launch-to-station durations as of a date; see :meth:`Fleet.raising_durations`."""
    if as_of is None:
        as_of = store.data_through()
    return fleet_from_store(store, as_of).raising_durations(as_of)


def fleet_status(store, as_of: dt.datetime | None = None) -> FleetStatus:
    """Counts by shell and phase on ``as_of`` (default: the newest data in the store)."""
    if as_of is None:
        as_of = store.data_through()
    return fleet_from_store(store, as_of).status(as_of)
