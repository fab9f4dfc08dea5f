"""The design constellation: FCC Walker shells filled in the FCC deployment order."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math

import numpy as np

from ..constants import WGS72_J2, WGS72_MU_KM3_S2, WGS72_RADIUS_KM
from ..errors import KuiperError, ManifestError
from ..timescale import UTC, parse_utc

__all__ = [
    "DesignSlots",
    "load_deployment_order",
    "design_order",
    "design_satrecs",
]

_DEG = math.pi / 180.0


@dataclasses.dataclass(frozen=True)
class DesignSlots:
    """Every slot of the Gen-1 design, in deployment order.

    Attributes
    ----------
    shell : ndarray of str
        Shell name (``"630"``, ``"610"``, ``"590"``).
    altitude_km, inclination_deg : ndarray
        The shell's altitude (above the WGS72 equatorial radius) and inclination.
    plane, slot : ndarray of int
        Plane index (RAAN = 360 plane / planes) and slot index in the plane.
    raan_deg, arg_lat_deg : ndarray
        Right ascension of the ascending node and argument of latitude at the
        epoch: ``360 slot / sats_per_plane + 360 F plane / total`` (Walker delta).
    step : ndarray of int
        The deployment step (0-based) that places the slot.
    """

    shell: np.ndarray
    altitude_km: np.ndarray
    inclination_deg: np.ndarray
    plane: np.ndarray
    slot: np.ndarray
    raan_deg: np.ndarray
    arg_lat_deg: np.ndarray
    step: np.ndarray

    def __len__(self) -> int:
        return int(self.shell.shape[0])

    def __getitem__(self, index) -> DesignSlots:
        return DesignSlots(
            **{f.name: getattr(self, f.name)[index] for f in dataclasses.fields(self)}
        )

    def by_shell(self) -> dict[str, int]:
        names, counts = np.unique(self.shell, return_counts=True)
        return {str(n): int(c) for n, c in zip(names, counts, strict=True)}


DESIGNS = ("gen1", "gen1-polar", "gen2")


@dataclasses.dataclass(frozen=True)
class DesignShell:
    """A Walker shell of a design: Gen-1 (``[[shell]]``) or added in 2026 (``[[extra_shell]]``).

    ``inferred`` names the fields that are our assumption rather than sourced.
    """

    name: str
    system: str
    altitude_km: float
    inclination_deg: float
    planes: int
    sats_per_plane: int
    walker_phasing: int
    raan_offset_deg: float
    source: str
    inferred: tuple[str, ...] = ()

    @property
    def satellites(self) -> int:
        return self.planes * self.sats_per_plane


def _steps(data: dict, table: str, name: str, shells: dict) -> list[tuple[str, int]]:
    steps = (data.get(table) or {}).get("steps")
    if not isinstance(steps, list) or not steps:
        raise ManifestError(f"{name}: [{table}] has no steps")
    out = []
    for k, step in enumerate(steps, start=1):
        where = f"{name}: {table} step {k}"
        shell = step.get("shell") if isinstance(step, dict) else None
        n = step.get("satellites") if isinstance(step, dict) else None
        if shell not in shells:
            raise ManifestError(f"{where}: field 'shell' names no shell: {shell!r}")
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ManifestError(f"{where}: field 'satellites' must be a positive integer")
        out.append((shell, n))
    return out


def _extra_shells(data: dict, name: str) -> dict[str, DesignShell]:
    out = {}
    for k, e in enumerate(data.get("extra_shell") or [], start=1):
        where = f"{name}: extra_shell {k}"
        try:
            shell = DesignShell(
                name=str(e["name"]),
                system=str(e["system"]),
                altitude_km=float(e["altitude_km"]),
                inclination_deg=float(e["inclination_deg"]),
                planes=int(e["planes"]),
                sats_per_plane=int(e["sats_per_plane"]),
                walker_phasing=int(e["walker_phasing"]),
                raan_offset_deg=float(e.get("raan_offset_deg", 0.0)),
                source=str(e["source"]),
                inferred=tuple(str(x) for x in e.get("inferred", ())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ManifestError(f"{where}: missing or bad field ({exc})") from None
        if not 150.0 < shell.altitude_km < 2000.0 or not 0.0 <= shell.inclination_deg <= 180.0:
            raise ManifestError(f"{where}: altitude or inclination out of range")
        if shell.planes <= 0 or shell.sats_per_plane <= 0:
            raise ManifestError(f"{where}: planes and sats_per_plane must be positive")
        out[shell.name] = shell
    return out


def load_design(design: str = "gen1", path=None) -> tuple[dict, list[tuple[str, int]]]:
    """A design's shells ``{name: DesignShell}`` and its deployment order ``[(shell, n), ...]``.

    ``gen1``: the three FCC Gen-1 shells in the FCC order (``[deployment_order]``).
    ``gen1-polar`` and ``gen2`` add the systems authorized on 2026-02-10
    (``[[extra_shell]]``, ``[designs]``) after Gen-1, in ``[deployment_order_extra]``.
    Validated: each step names a shell of the design, and the steps of a shell add
    up to its size.
    """
    from ..manifest import load_shells, read_data_toml

    if design not in DESIGNS:
        raise KuiperError(f"design must be one of {', '.join(DESIGNS)}, not {design!r}")
    data, name = read_data_toml(path, "constellation.toml")
    shells = {
        s.name: DesignShell(
            s.name,
            "gen1",
            s.altitude_km,
            s.inclination_deg,
            s.planes,
            s.sats_per_plane,
            s.walker_phasing,
            0.0,
            s.source,
        )
        for s in load_shells(path)
    }
    steps = _steps(data, "deployment_order", name, shells)
    if design != "gen1":
        systems = (data.get("designs") or {}).get(design)
        if not isinstance(systems, list):
            raise ManifestError(f"{name}: [designs] has no list {design!r}")
        extra = {n: s for n, s in _extra_shells(data, name).items() if s.system in systems}
        extra_steps = [
            (sh, n)
            for sh, n in _steps(data, "deployment_order_extra", name, _extra_shells(data, name))
            if sh in extra
        ]
        shells.update(extra)
        steps += extra_steps
    for sname, s in shells.items():
        total = sum(n for sh, n in steps if sh == sname)
        if total != s.satellites:
            raise ManifestError(
                f"{name}: deployment order places {total} satellites in shell {sname}, "
                f"which has {s.satellites}"
            )
    return shells, steps


def load_deployment_order(path=None, design: str = "gen1") -> list[tuple[str, int]]:
    """A design's deployment order: ``[(shell name, satellites), ...]`` (:func:`load_design`)."""
    return load_design(design, path)[1]


def _spread_order(n: int) -> list[int]:
    """Indices 0..n-1 on a circle in an order whose every prefix is spread out.

    Even n: the even indices first (in the order for n / 2), then the odd ones
    likewise, so that the first half are exactly every other one. Odd n: start at
    0 and always split the largest gap at its middle (ties: the gap that starts
    lowest). For the shells' 28, 34 and 36 planes, the largest gap between any
    first m is at most 1.94 times the even spacing n / m.
    """
    if n <= 2:
        return list(range(n))
    if n % 2 == 0:
        half = _spread_order(n // 2)
        return [2 * i for i in half] + [2 * i + 1 for i in half]
    chosen = [0]
    while len(chosen) < n:
        pts = sorted(chosen)
        gaps = [((pts[(j + 1) % len(pts)] - p) % n or n, p) for j, p in enumerate(pts)]
        size, at = max(gaps, key=lambda g: (g[0], -g[1]))
        chosen.append((at + size // 2) % n)
    return chosen


@functools.cache
def _design_order_cached(design: str, path) -> DesignSlots:
    return _build_design_order(design, path)


def design_order(path=None, design: str = "gen1") -> DesignSlots:
    """All slots of a design (default the Gen-1 shells) in deployment order (cached).

    See :func:`_build_design_order`.
    """
    return _design_order_cached(design, None if path is None else str(path))


def _build_design_order(design: str, path) -> DesignSlots:
    """All design slots in the deployment order.

    Within a shell, slots are filled whole plane by whole plane, the planes in a
    spread-out order (:func:`_spread_order`: with an even number of planes, the
    first half are every other plane), and the slots of a plane likewise. So a
    deployment step of half a shell (578 of the 34 x 34 shell at 630 km, 648 of
    the 36 x 36 shell at 610 km) fills every other plane completely, the next
    step of that shell the planes between, and any count in between adds whole
    planes evenly spread in RAAN, with at most one plane part-filled. Sets are
    nested: the first n slots always include the first n - 1, so coverage cannot
    fall as n grows. This filling is our choice ([inferred]); the filing says only
    which shells are filled in which order (``[deployment_order]``).

    Notes
    -----
    Walker delta pattern i: T/P/F (Walker 1984, J. Br. Interplanet. Soc. 37,
    559-572): RAAN ``360 p / P``, argument of latitude ``360 s / S + 360 F p / T``.
    RAAN 0 and argument of latitude 0 are at the epoch; the pattern's absolute
    orientation is arbitrary.
    """
    shells, steps = load_design(design, path)
    per_shell = {}
    for sname, s in shells.items():
        plane_order = _spread_order(s.planes)
        slot_order = _spread_order(s.sats_per_plane)
        per_shell[sname] = [(p, q) for p in plane_order for q in slot_order]
    used = dict.fromkeys(shells, 0)
    rows = []
    for k, (sname, n) in enumerate(steps):
        s = shells[sname]
        total = s.planes * s.sats_per_plane
        for p, q in per_shell[sname][used[sname] : used[sname] + n]:
            raan = (360.0 * p / s.planes + s.raan_offset_deg) % 360.0
            u = 360.0 * q / s.sats_per_plane + 360.0 * s.walker_phasing * p / total
            rows.append((sname, s.altitude_km, s.inclination_deg, p, q, raan, u % 360.0, k))
        used[sname] += n
    cols = list(zip(*rows, strict=True))
    return DesignSlots(
        shell=np.array(cols[0]),
        altitude_km=np.array(cols[1], dtype=np.float64),
        inclination_deg=np.array(cols[2], dtype=np.float64),
        plane=np.array(cols[3], dtype=np.int64),
        slot=np.array(cols[4], dtype=np.int64),
        raan_deg=np.array(cols[5], dtype=np.float64),
        arg_lat_deg=np.array(cols[6], dtype=np.float64),
        step=np.array(cols[7], dtype=np.int64),
    )


def _kozai_mean_motion(altitude_km: float, inclination_deg: float) -> float:
    """Kozai mean motion (rad/min) whose un-Kozai'd semi-major axis is R + altitude (WGS72, e = 0).

    Inverts the un-Kozai step of ``sgp4init`` (Vallado et al. 2006, AIAA
    2006-6753) by fixed-point iteration, so that the tracker's mean altitude
    (:attr:`ElementsArray.mean_altitude_km`) of a design satellite is its shell's.
    """
    xke = 60.0 / math.sqrt(WGS72_RADIUS_KM**3 / WGS72_MU_KM3_S2)
    a_er = (WGS72_RADIUS_KM + altitude_km) / WGS72_RADIUS_KM
    no_unkozai = xke / a_er**1.5
    cosio = math.cos(inclination_deg * _DEG)
    d1 = 0.75 * WGS72_J2 * (3.0 * cosio * cosio - 1.0)
    no_kozai = no_unkozai
    for _ in range(50):
        ak = (xke / no_kozai) ** (2.0 / 3.0)
        delta = d1 / (ak * ak)
        adel = ak * (1.0 - delta * delta - delta * (1.0 / 3.0 + 134.0 * delta * delta / 81.0))
        delta = d1 / (adel * adel)
        new = no_unkozai * (1.0 + delta)
        if abs(new - no_kozai) < 1e-15:
            break
        no_kozai = new
    return no_kozai


def design_satrecs(
    n_satellites: int | None = None,
    epoch: dt.datetime | str | None = None,
    path=None,
    design: str = "gen1",
) -> tuple[list, DesignSlots]:
    """The first ``n_satellites`` of the design order as ``sgp4.api.Satrec`` objects.

    Parameters
    ----------
    n_satellites : int, optional
        How many, along :func:`design_order`; default all (3,236).
    epoch : datetime or str
        Element epoch (aware UTC); the slots' RAAN and argument of latitude are
        at this instant. Default 2026-01-01T00:00Z.
    path : optional
        Another ``constellation.toml``.
    design : {"gen1", "gen1-polar", "gen2"}
        Which authorized shells (:func:`load_design`).

    Returns
    -------
    satrecs : list of sgp4.api.Satrec
        Circular (e = 0), no drag (B* = 0), WGS72, initialized by ``sgp4init``;
        catalog numbers 1, 2, ... in deployment order.
    slots : DesignSlots
        The slots they fill.
    """
    from sgp4.api import WGS72, Satrec

    order = design_order(path, design)
    if n_satellites is None:
        n_satellites = len(order)
    if not 0 <= n_satellites <= len(order):
        raise KuiperError(f"the design has {len(order)} satellites; asked for {n_satellites}")
    epoch = parse_utc(epoch if epoch is not None else "2026-01-01")
    epoch_days = (epoch - dt.datetime(1949, 12, 31, tzinfo=UTC)).total_seconds() / 86400.0
    slots = order[:n_satellites]
    mean_motion = {}
    out = []
    for i in range(n_satellites):
        key = (float(slots.altitude_km[i]), float(slots.inclination_deg[i]))
        if key not in mean_motion:
            mean_motion[key] = _kozai_mean_motion(*key)
        sat = Satrec()
        sat.sgp4init(
            WGS72,
            "i",
            i + 1,
            epoch_days,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            key[1] * _DEG,
            float(slots.arg_lat_deg[i]) * _DEG,
            mean_motion[key],
            float(slots.raan_deg[i]) * _DEG,
        )
        out.append(sat)
    return out, slots
