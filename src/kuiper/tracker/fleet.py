"""The fleet of element histories, classified into phases on any date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter, defaultdict

import numpy as np

from ..elements import ElementsArray
from ..manifest import Launch, Shell, load_authorization, load_launches, load_shells
from ..timescale import UTC
from ._units import _US_PER_DAY, _date_to_us, _datetime_to_us, _us_to_datetime, _us_to_iso
from .config import PHASES, UNASSIGNED, TrackerConfig, load_tracker_config

_LAUNCH_ID = re.compile(r"\d{4}-\d{3}")


def _is_kuiper_name(name: str | None) -> bool:
    upper = (name or "").upper()
    return upper.startswith("KUIPER") or upper.startswith("AMAZON LEO")


@dataclasses.dataclass
class SatelliteState:
    """One satellite's phase on a date, with the evidence."""

    norad_id: int
    name: str
    cospar_id: str
    launch: str
    shell: str
    phase: str
    altitude_km: float
    rate_km_day: float
    last_epoch_utc: str
    reached_station: bool
    stale: bool = False

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class FleetStatus:
    """Counts by shell and phase on one date, and the totals."""

    as_of: dt.datetime
    data_through: dt.datetime | None
    totals: dict
    by_shell: list[dict]
    satellites: list[SatelliteState]
    authorization: dict = dataclasses.field(default_factory=dict)
    provisional_launches: list[dict] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)

    def to_dict(self, satellites: bool = False) -> dict:
        out = {
            "as_of": self.as_of.isoformat().replace("+00:00", "Z"),
            "data_through": (
                self.data_through.isoformat(timespec="seconds").replace("+00:00", "Z")
                if self.data_through
                else None
            ),
            "totals": dict(self.totals),
            "by_shell": self.by_shell,
            "authorization": self.authorization,
            "provisional_launches": self.provisional_launches,
            "warnings": self.warnings,
        }
        if satellites:
            out["satellites"] = [s.to_dict() for s in self.satellites]
        return out


class _History:
    """One satellite's element history as arrays sorted by epoch."""

    __slots__ = ("norad_id", "name", "cospar_id", "epoch_us", "altitude_km", "inclination_deg")

    def __init__(self, norad_id, name, cospar_id, epoch_us, altitude_km, inclination_deg):
        self.norad_id = norad_id
        self.name = name
        self.cospar_id = cospar_id
        self.epoch_us = epoch_us
        self.altitude_km = altitude_km
        self.inclination_deg = inclination_deg


class Fleet:
    """Element histories of every Kuiper satellite, ready to classify on any date.

    Parameters
    ----------
    elements : ElementsArray
        Every element set of the fleet (any order, any number per satellite).
    satcat : dict, optional
        SATCAT rows keyed by catalog number (``Store.satcat()``), for decay dates
        and launch dates.
    launches, shells, config : optional
        Defaults are the shipped launch log, FCC shells and thresholds.
    provisional : bool
        Add a provisional launch for each launch of Kuiper-named objects that the
        launch log lacks (the default; see :func:`launches_as_of`).

    Attributes
    ----------
    log : tuple of Launch
        The launch log as given.
    provisional : tuple of Launch
        Launches inferred from the data (``Launch.provisional`` is True).
    launches : tuple of Launch
        ``log + provisional``.
    """

    def __init__(
        self,
        elements: ElementsArray,
        satcat: dict[int, dict] | None = None,
        *,
        launches: tuple[Launch, ...] | None = None,
        shells: tuple[Shell, ...] | None = None,
        config: TrackerConfig | None = None,
        provisional: bool = True,
    ):
        self.satcat = satcat or {}
        self.log = tuple(launches if launches is not None else load_launches())
        self.shells = shells if shells is not None else load_shells()
        self.config = config or load_tracker_config()
        order = np.lexsort((elements.epoch_utc.astype(np.int64), elements.norad_id))
        el = elements[order]
        alt = el.mean_altitude_km
        epoch_us = el.epoch_utc.astype(np.int64)
        self.histories: list[_History] = []
        if len(el):
            starts = np.flatnonzero(np.r_[True, el.norad_id[1:] != el.norad_id[:-1]])
            ends = np.r_[starts[1:], len(el)]
            for a, b in zip(starts, ends, strict=True):
                ep, keep = np.unique(epoch_us[a:b], return_index=True)
                self.histories.append(
                    _History(
                        int(el.norad_id[a]),
                        str(el.name[b - 1]),
                        str(el.cospar_id[b - 1]),
                        ep,
                        alt[a:b][keep],
                        el.inclination_deg[a:b][keep],
                    )
                )
        self.newest_epoch_us = int(epoch_us.max()) if len(el) else None
        self.provisional = self._provisional_launches() if provisional else ()
        self.launches = self.log + self.provisional
        self._launch_by_id = {la.cospar_launch: la for la in self.launches if la.cospar_launch}

    # -- helpers --------------------------------------------------------------

    def launch_of(self, h: _History) -> Launch | None:
        return self._launch_by_id.get(h.cospar_id[:8])

    def launch_date_us(self, h: _History) -> int:
        """Launch date of a satellite (launch log, else SATCAT, else its own first epoch).

        A provisional launch's date is not used: it may come from another object's
        first epoch, and one satellite's phase depends on its own data only.
        """
        la = self.launch_of(h)
        date = la.launch_date_utc if la and not la.provisional else None
        if date is None:
            row = self.satcat.get(h.norad_id)
            if row and row.get("launch_date"):
                date = dt.date.fromisoformat(row["launch_date"])
        if date is None:
            return int(h.epoch_us[0])
        return _date_to_us(date)

    def _provisional_launches(self) -> tuple[Launch, ...]:
        """A provisional launch for each launch of Kuiper-named objects missing from the log."""
        cfg = self.config
        known = {la.cospar_launch for la in self.log if la.cospar_launch}
        named = {h.cospar_id[:8] for h in self.histories if _is_kuiper_name(h.name)}
        named |= {r["cospar_id"][:8] for r in self.satcat.values() if _is_kuiper_name(r["name"])}
        out = []
        for launch_id in sorted(x for x in named if _LAUNCH_ID.fullmatch(x) and x not in known):
            hist = [h for h in self.histories if h.cospar_id[:8] == launch_id]
            rows = [r for r in self.satcat.values() if (r["cospar_id"] or "")[:8] == launch_id]
            not_payload = {r["norad_id"] for r in rows if r["object_type"] in ("R/B", "DEB")}
            members = {h.norad_id for h in hist} - not_payload
            members |= {
                r["norad_id"]
                for r in rows
                if r["object_type"] == "PAY" or _is_kuiper_name(r["name"])
            }
            dates = sorted(r["launch_date"] for r in rows if r.get("launch_date"))
            if dates:
                date, how = dt.date.fromisoformat(dates[0]), "date from SATCAT"
            elif hist:
                first = min(int(h.epoch_us[0]) for h in hist)
                date = _us_to_datetime(first).date()
                how = "date is the first element set's epoch (no SATCAT launch date)"
            else:  # SATCAT row without a launch date and no element set: nothing to date
                continue
            sites = {r.get("launch_site") for r in rows if r.get("launch_site")}
            vehicle = cfg.vehicle_by_launch_site.get(sites.pop()) if len(sites) == 1 else None
            vehicle_how = "vehicle from the SATCAT launch site" if vehicle else "vehicle unknown"
            out.append(
                Launch(
                    mission=f"{launch_id} (provisional)",
                    mission_name_inferred=True,
                    cospar_launch=launch_id,
                    launch_date_utc=date,
                    vehicle=vehicle or cfg.unattributed,
                    satellites=max(1, len(members)),
                    outcome="success",
                    production=True,
                    source=f"provisional, not in the launch log: {how}; {len(members)} "
                    f"catalogued objects; {vehicle_how}",
                    provisional=True,
                )
            )
        return tuple(out)

    def _stale_limit_days(self, h: _History, i: int) -> float:
        """Days without a new set after which set ``i`` of this satellite is stale."""
        cfg = self.config
        if i < 1:
            return cfg.stale_days
        k = int(cfg.stale_interval_sets)
        gaps_days = np.diff(h.epoch_us[max(0, i - k) : i + 1]) / _US_PER_DAY
        return max(cfg.stale_days, cfg.stale_interval_factor * float(np.median(gaps_days)))

    def shell_of(self, inclination_deg: float) -> Shell | None:
        best = min(self.shells, key=lambda s: abs(s.inclination_deg - inclination_deg))
        if abs(best.inclination_deg - inclination_deg) <= self.config.shell_inclination_tol_deg:
            return best
        return None

    def _rate(self, h: _History, i: int) -> float:
        """km/day between set i and the newest set at least rate_baseline_days older."""
        base_us = self.config.rate_baseline_days * _US_PER_DAY
        j = int(np.searchsorted(h.epoch_us, h.epoch_us[i] - base_us, side="right")) - 1
        if j < 0:
            return float("nan")
        days = (h.epoch_us[i] - h.epoch_us[j]) / _US_PER_DAY
        return float((h.altitude_km[i] - h.altitude_km[j]) / days)

    # -- classification -------------------------------------------------------

    def classify(self, as_of: dt.datetime) -> list[SatelliteState]:
        """Every satellite with an element set at or before ``as_of`` (aware UTC)."""
        cfg = self.config
        as_of_us = _datetime_to_us(as_of)
        cutoff_date = as_of.astimezone(UTC).date().isoformat()
        out = []
        for h in self.histories:
            i = int(np.searchsorted(h.epoch_us, as_of_us, side="right")) - 1
            if i < 0:
                continue
            alt = float(h.altitude_km[i])
            shell = self.shell_of(float(h.inclination_deg[i]))
            target = shell.altitude_km if shell else None
            band = (
                np.abs(h.altitude_km[: i + 1] - target) <= cfg.on_station_tol_km if shell else None
            )
            reached = bool(band.any()) if shell else False
            rate = self._rate(h, i)
            la = self.launch_of(h)
            row = self.satcat.get(h.norad_id) or {}
            stale = (as_of_us - h.epoch_us[i]) / _US_PER_DAY > self._stale_limit_days(h, i)
            decay = row.get("decay_date")
            if (decay and decay <= cutoff_date) or (stale and alt < cfg.decay_altitude_km):
                phase = "decayed"
            elif shell is None or stale:
                phase = "drifting"
            elif abs(alt - target) <= cfg.on_station_tol_km:
                phase = "on_station"
            elif alt > target:
                phase = "drifting"
            elif rate <= -cfg.rate_threshold_km_day:
                phase = "deorbiting"
            elif rate >= cfg.rate_threshold_km_day:
                phase = "raising"
            elif reached:
                phase = "drifting"
            elif alt <= cfg.insertion_ceiling_km:
                waited = (as_of_us - self.launch_date_us(h)) / _US_PER_DAY
                phase = "raising" if waited <= cfg.max_wait_at_insertion_days else "drifting"
            elif np.isnan(rate):
                phase = "raising"
            else:
                phase = "drifting"
            out.append(
                SatelliteState(
                    norad_id=h.norad_id,
                    name=h.name,
                    cospar_id=h.cospar_id,
                    launch=la.mission if la else "",
                    shell=shell.name if shell else UNASSIGNED,
                    phase=phase,
                    altitude_km=round(alt, 3),
                    rate_km_day=None if np.isnan(rate) else round(rate, 4),
                    last_epoch_utc=_us_to_iso(int(h.epoch_us[i])),
                    reached_station=reached,
                    stale=bool(stale),
                )
            )
        return out

    def _data_through_us(self, as_of_us: int) -> int | None:
        best = None
        for h in self.histories:
            i = int(np.searchsorted(h.epoch_us, as_of_us, side="right")) - 1
            if i >= 0 and (best is None or h.epoch_us[i] > best):
                best = int(h.epoch_us[i])
        return best

    def status(self, as_of: dt.datetime) -> FleetStatus:
        """Counts by shell x phase and the totals on ``as_of``."""
        states = self.classify(as_of)
        as_of_date = as_of.astimezone(UTC).date()
        counted = [la for la in self.launches if la.counted and la.launch_date_utc <= as_of_date]
        launched_log = sum(la.satellites for la in counted)
        known_ids = {la.cospar_launch for la in counted if la.cospar_launch}
        tracked_by_launch = Counter(s.cospar_id[:8] for s in states)
        # Satellites tracked from launches missing from the log still count as launched.
        extra = sum(n for cid, n in tracked_by_launch.items() if cid not in known_ids)
        untracked = sum(
            max(0, la.satellites - tracked_by_launch.get(la.cospar_launch, 0)) for la in counted
        )
        launched = launched_log + extra
        decayed = sum(s.phase == "decayed" for s in states)
        on_station = sum(s.phase == "on_station" for s in states)
        counts: dict[str, Counter] = defaultdict(Counter)
        for s in states:
            counts[s.shell][s.phase] += 1
        if untracked:
            counts[UNASSIGNED]["raising"] += untracked
        by_shell = []
        for shell in self.shells:
            by_shell.append(
                {
                    "shell": shell.name,
                    "altitude_km": shell.altitude_km,
                    "inclination_deg": shell.inclination_deg,
                    "phases": {p: counts[shell.name][p] for p in PHASES},
                }
            )
        if counts.get(UNASSIGNED):
            by_shell.append(
                {
                    "shell": UNASSIGNED,
                    "altitude_km": None,
                    "inclination_deg": None,
                    "phases": {p: counts[UNASSIGNED][p] for p in PHASES},
                }
            )
        newest = self._data_through_us(_datetime_to_us(as_of))
        provisional = [
            {
                "mission": la.mission,
                "cospar_launch": la.cospar_launch,
                "launch_date_utc": la.launch_date_utc.isoformat(),
                "vehicle": la.vehicle,
                "satellites": la.satellites,
                "source": la.source,
            }
            for la in counted
            if la.provisional
        ]
        warnings = [
            f"launch {p['cospar_launch']} is not in the launch log: counted as provisional "
            f"'{p['mission']}' ({p['satellites']} satellites, {p['launch_date_utc']}, "
            f"{p['vehicle']}; {p['source'].split(': ', 1)[1]})"
            for p in provisional
        ]
        if newest is not None:
            gap_days = (_datetime_to_us(as_of) - newest) / _US_PER_DAY
            if gap_days > self.config.stale_days:
                warnings.append(
                    f"as-of {as_of:%Y-%m-%d} is {gap_days:,.0f} days after the newest element "
                    f"set ({_us_to_iso(newest)[:10]}): phases are extrapolated, and satellites "
                    "without a set for longer than their staleness limit count as drifting"
                )
            else:
                live = [s for s in states if s.phase != "decayed"]
                n_stale = sum(s.stale for s in live)
                if live and n_stale > self.config.stale_warning_fraction * len(live):
                    warnings.append(
                        f"{n_stale} of {len(live)} satellites in orbit have no element set "
                        f"within their staleness limit of {as_of:%Y-%m-%d} and count as "
                        "drifting: they left tracking, or the store's data for them is old "
                        "(run 'kuiper fetch')"
                    )
        totals = {
            "launched": launched,
            "in_orbit": launched - decayed,
            "on_station": on_station,
            "decayed": decayed,
            "tracked": len(states),
            "untracked": untracked,
        }
        auth = load_authorization()
        authorization = {
            "gen1_total": auth.gen1_total,
            "gen1_total_source": auth.gen1_total_source,
            "half_target": auth.half_target,
            "half_deadline_utc": auth.half_deadline_utc.isoformat(),
            "half_waived_utc": auth.half_waived_utc.isoformat(),
            "full_deadline_utc": auth.full_deadline_utc.isoformat(),
            "fraction_on_station": round(on_station / auth.gen1_total, 4),
        }
        return FleetStatus(
            as_of=as_of,
            data_through=_us_to_datetime(newest) if newest is not None else None,
            totals=totals,
            by_shell=by_shell,
            satellites=states,
            authorization=authorization,
            provisional_launches=provisional,
            warnings=warnings,
        )

    def phase_history(self, dates: list[dt.datetime]) -> dict:
        """Phase counts (summed over shells) and on-station counts by shell, on each date."""
        out = {"date": [d.date().isoformat() for d in dates]}
        for p in PHASES:
            out[p] = []
        out["by_shell_on_station"] = {s.name: [] for s in self.shells}
        for d in dates:
            states = self.classify(d)
            c = Counter(s.phase for s in states)
            for p in PHASES:
                out[p].append(c[p])
            cs = Counter(s.shell for s in states if s.phase == "on_station")
            for s in self.shells:
                out["by_shell_on_station"][s.name].append(cs[s.name])
        return out

    def altitude_series(self) -> list[dict]:
        """Each satellite's (epoch, altitude) history and its launch, for plotting."""
        out = []
        for h in self.histories:
            la = self.launch_of(h)
            out.append(
                {
                    "norad_id": h.norad_id,
                    "name": h.name,
                    "launch": la.mission if la else h.cospar_id[:8],
                    "launch_date_utc": _us_to_iso(self.launch_date_us(h))[:10],
                    "epoch_utc": h.epoch_us.astype("datetime64[us]"),
                    "altitude_km": h.altitude_km,
                }
            )
        return out

    def raising_durations(self, as_of: dt.datetime) -> dict:
        """Launch-to-station durations per satellite and their distribution by launch.

        A satellite's arrival is the time its mean altitude first crosses
        ``shell altitude - on_station_tol_km``, interpolated linearly between the
        element sets either side. Satellites not yet on station are right-censored:
        their duration is at least ``as_of - launch``. Satellites that decayed
        without arriving are listed with ``arrived = False`` and ``censored = False``.
        """
        cfg = self.config
        as_of_us = _datetime_to_us(as_of)
        states = {s.norad_id: s for s in self.classify(as_of)}
        sats = []
        for h in self.histories:
            st = states.get(h.norad_id)
            if st is None:
                continue
            i_last = int(np.searchsorted(h.epoch_us, as_of_us, side="right"))
            ep, alt = h.epoch_us[:i_last], h.altitude_km[:i_last]
            shell = self.shell_of(float(h.inclination_deg[i_last - 1]))
            launch_us = self.launch_date_us(h)
            rec = {
                "norad_id": h.norad_id,
                "name": h.name,
                "launch": st.launch or h.cospar_id[:8],
                "launch_date_utc": _us_to_iso(launch_us)[:10],
                "arrived": False,
                "censored": st.phase != "decayed",
                "duration_days": (as_of_us - launch_us) / _US_PER_DAY,
                "arrival_utc": None,
            }
            if shell is not None:
                floor = shell.altitude_km - cfg.on_station_tol_km
                hit = np.flatnonzero(np.abs(alt - shell.altitude_km) <= cfg.on_station_tol_km)
                if hit.size:
                    k = int(hit[0])
                    t = float(ep[k])
                    if k > 0 and alt[k - 1] < floor < alt[k]:
                        frac = (floor - alt[k - 1]) / (alt[k] - alt[k - 1])
                        t = float(ep[k - 1]) + frac * float(ep[k] - ep[k - 1])
                    rec.update(
                        arrived=True,
                        censored=False,
                        duration_days=(t - launch_us) / _US_PER_DAY,
                        arrival_utc=_us_to_iso(int(t))[:19] + "Z",
                    )
            rec["duration_days"] = round(rec["duration_days"], 2)
            sats.append(rec)
        by_launch = []
        groups: dict[str, list[dict]] = defaultdict(list)
        for r in sats:
            groups[r["launch"]].append(r)
        for name, rows in sorted(groups.items(), key=lambda kv: kv[1][0]["launch_date_utc"]):
            done = np.array([r["duration_days"] for r in rows if r["arrived"]])
            q = np.percentile(done, [10, 50, 90]) if done.size else [None] * 3
            km = kaplan_meier_median(
                [r["duration_days"] for r in rows if r["arrived"] or r["censored"]],
                [r["arrived"] for r in rows if r["arrived"] or r["censored"]],
            )
            by_launch.append(
                {
                    "launch": name,
                    "launch_date_utc": rows[0]["launch_date_utc"],
                    "n_satellites": len(rows),
                    "n_arrived": int(done.size),
                    "n_censored": sum(r["censored"] for r in rows),
                    "p10_days": None if q[0] is None else round(float(q[0]), 1),
                    "median_days": None if q[1] is None else round(float(q[1]), 1),
                    "p90_days": None if q[2] is None else round(float(q[2]), 1),
                    "km_median_days": None if km is None else round(km, 1),
                }
            )
        return {"as_of": as_of.isoformat(), "satellites": sats, "by_launch": by_launch}


def kaplan_meier_median(durations, arrived) -> float | None:
    """Kaplan-Meier median of durations with right-censoring (``arrived`` False).

    The percentiles of arrived satellites alone are biased low while many of a
    launch are still raising; this estimate is not. Returns None when the survival
    curve never falls to one half (more than half still censored past the last
    arrival).
    """
    t = np.asarray(durations, dtype=float)
    d = np.asarray(arrived, dtype=bool)
    order = np.lexsort((~d, t))  # at equal times, arrivals before censorings
    t, d = t[order], d[order]
    at_risk = len(t)
    survival = 1.0
    for ti, di in zip(t, d, strict=True):
        if di:
            survival *= 1.0 - 1.0 / at_risk
            if survival <= 0.5:
                return float(ti)
        at_risk -= 1
    return None
