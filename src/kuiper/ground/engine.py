"""The routing engine: propagate a chunk of time steps, route every scenario, accumulate.

Memory does not grow with the window: satellite positions are held for one chunk of
:data:`CHUNK_STEPS` steps, and results go into fixed-size histograms (one-way delay in
:data:`LATENCY_BIN_MS` bins, hop counts, gateway use) and per-user counters.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

SPEED_OF_LIGHT_KM_S = 299792.458
CHUNK_STEPS = 32
LATENCY_BIN_MS = 0.01
LATENCY_MAX_MS = 2000.0
MAX_HOPS = 255
# Satellites a gateway can see at once are listed in a fixed scratch array this long.
MAX_VISIBLE_PER_GATEWAY = 1024
# ... and satellites a user can see at once (35 deg mask: tens at most).
MAX_VISIBLE_PER_USER = 256


@dataclasses.dataclass
class Route:
    """One scenario routed one way (bent pipe or ISL), with its accumulated statistics."""

    key: str
    description: str
    isl: bool
    gateways: list[dict]
    gw_lat_deg: np.ndarray
    gw_lon_deg: np.ndarray
    fibre_s: np.ndarray  # (n_dest, n_gw)
    user_dest: np.ndarray  # (n_user,)
    n_steps: int = 0
    latency_hist: np.ndarray = dataclasses.field(default=None)
    hop_hist: np.ndarray = dataclasses.field(default=None)
    gateway_use: np.ndarray = dataclasses.field(default=None)
    user_available: np.ndarray = dataclasses.field(default=None)
    user_latency_sum_s: np.ndarray = dataclasses.field(default=None)

    def reset(self, n_user: int) -> None:
        n_bins = int(round(LATENCY_MAX_MS / LATENCY_BIN_MS))
        self.n_steps = 0
        self.latency_hist = np.zeros(n_bins + 1, np.int64)
        self.hop_hist = np.zeros(MAX_HOPS + 1, np.int64)
        self.gateway_use = np.zeros(len(self.gateways), np.int64)
        self.user_available = np.zeros(n_user, np.int64)
        self.user_latency_sum_s = np.zeros(n_user)

    def add(self, latency_s: np.ndarray, hops: np.ndarray, gateway: np.ndarray) -> None:
        """Fold one chunk of (n_user, n_t) results into the statistics."""
        ok = np.isfinite(latency_s)
        self.n_steps += latency_s.shape[1]
        self.user_available += ok.sum(axis=1)
        self.user_latency_sum_s += np.where(ok, latency_s, 0.0).sum(axis=1)
        bins = np.minimum(
            (latency_s[ok] * 1e3 / LATENCY_BIN_MS).astype(np.int64), self.latency_hist.size - 1
        )
        self.latency_hist += np.bincount(bins, minlength=self.latency_hist.size)
        self.hop_hist += np.bincount(np.minimum(hops[ok], MAX_HOPS), minlength=MAX_HOPS + 1)
        self.gateway_use += np.bincount(gateway[ok], minlength=len(self.gateways))

    def percentile_ms(self, q: float) -> float | None:
        """One-way delay at quantile q (0-1), from the histogram (bin midpoints)."""
        total = int(self.latency_hist.sum())
        if not total:
            return None
        k = int(np.searchsorted(np.cumsum(self.latency_hist), q * total, side="left"))
        return (k + 0.5) * LATENCY_BIN_MS

    def mean_ms(self) -> float | None:
        n = int(self.user_available.sum())
        return None if not n else float(self.user_latency_sum_s.sum() / n * 1e3)


def _trig(lat_deg, lon_deg) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.ascontiguousarray(
        np.column_stack([np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)])
    )


def _ground(lat_deg, lon_deg) -> tuple[np.ndarray, np.ndarray]:
    from .. import frames

    lat = np.asarray(lat_deg, float)
    xyz = frames.geodetic_to_itrs(lat, np.asarray(lon_deg, float), np.zeros(lat.size))
    return np.ascontiguousarray(xyz), _trig(lat, lon_deg)


class Router:
    """Scratch space for the routing kernel, for chunks of up to ``n_t`` time steps."""

    def __init__(self, n_sat: int, n_t: int, cfg: dict):
        self.n_sat, self.n_t = n_sat, n_t
        self.n_vis = min(n_sat, MAX_VISIBLE_PER_GATEWAY)
        self.scratch = dict(
            dist=np.empty((n_t, n_sat)),
            nhop=np.empty((n_t, n_sat), np.int64),
            via=np.empty((n_t, n_sat), np.int64),
            done=np.empty((n_t, n_sat), np.uint8),
            heap_key=np.empty((n_t, 5 * n_sat + 8)),
            heap_node=np.empty((n_t, 5 * n_sat + 8), np.int64),
            edge_s=np.empty((n_t, n_sat, 4)),
            cos_cap=np.empty((n_t, n_sat, 2)),
            target=np.empty((n_t, n_sat), np.uint8),
        )
        self.gw_scratch: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.user_scratch: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.max_isl_km = cfg["isl_max_range_km"]
        self.sin_lat = math.sin(math.radians(cfg["isl_cross_plane_max_lat_deg"]))
        self.hop_s = cfg["isl_hop_processing_ms"] / 1e3
        self.user_mask = math.radians(cfg["user_elevation_mask_deg"])
        self.gw_mask = math.radians(cfg["gateway_elevation_mask_deg"])

    def route(self, r_itrs_km, neighbours, users, user_dest, gws, fibre_s, isl: bool):
        """Route one chunk; ``users``/``gws`` are (xyz, trig) pairs. Returns latency, hops, gw."""
        from . import _kernels as K

        m = r_itrs_km.shape[1]
        n_user, n_gw = users[0].shape[0], gws[0].shape[0]
        if n_gw not in self.gw_scratch:
            self.gw_scratch[n_gw] = (
                np.empty((self.n_t, n_gw, self.n_vis), np.int64),
                np.empty((self.n_t, n_gw, self.n_vis)),
            )
        gw_sat, gw_range = self.gw_scratch[n_gw]
        if n_user not in self.user_scratch:
            n_uvis = min(self.n_sat, MAX_VISIBLE_PER_USER)
            self.user_scratch[n_user] = (
                np.empty((self.n_t, n_user, n_uvis), np.int64),
                np.empty((self.n_t, n_user, n_uvis)),
            )
        user_sat, user_range = self.user_scratch[n_user]
        sub = {k: v[:m] for k, v in self.scratch.items()}
        latency = np.empty((n_user, m))
        hops = np.empty((n_user, m), np.int64)
        gateway = np.empty((n_user, m), np.int64)
        err = np.empty(m, np.int64)
        K.route_paths(
            np.ascontiguousarray(r_itrs_km, dtype=np.float64),
            np.ascontiguousarray(neighbours, dtype=np.int64),
            self.max_isl_km if isl else 0.0,
            self.sin_lat,
            self.hop_s,
            users[0],
            users[1],
            np.ascontiguousarray(user_dest, dtype=np.int64),
            gws[0],
            gws[1],
            np.ascontiguousarray(fibre_s, dtype=np.float64),
            self.user_mask,
            self.gw_mask,
            latency,
            hops,
            gateway,
            err,
            sub["dist"],
            sub["nhop"],
            sub["via"],
            sub["done"],
            sub["heap_key"],
            sub["heap_node"],
            sub["edge_s"],
            sub["cos_cap"],
            gw_sat[:m],
            gw_range[:m],
            user_sat[:m],
            user_range[:m],
            sub["target"],
        )
        if err.any():  # pragma: no cover - scratch sized from the inputs
            raise RuntimeError(f"ground routing scratch overflow (code {int(err.max())})")
        return latency, hops, gateway


def route_positions(
    r_itrs_km,
    neighbours,
    user_lat_deg,
    user_lon_deg,
    user_dest,
    gw_lat_deg,
    gw_lon_deg,
    fibre_s,
    cfg: dict,
    isl: bool = True,
):
    """Route users to gateways through given satellite positions (n_sat, n_t, 3), ITRS km.

    A thin wrapper of the kernel for hand-built geometry. Returns ``latency_s``
    (one way, +inf where no path), ``hops`` and ``gateway`` (-1 where none), each
    (n_user, n_t).
    """
    r = np.asarray(r_itrs_km, float)
    router = Router(r.shape[0], r.shape[1], cfg)
    return router.route(
        r,
        neighbours,
        _ground(user_lat_deg, user_lon_deg),
        user_dest,
        _ground(gw_lat_deg, gw_lon_deg),
        fibre_s,
        isl,
    )


def run_routes(
    propagator,
    jd: np.ndarray,
    fr: np.ndarray,
    neighbours: np.ndarray,
    user_lat_deg: np.ndarray,
    user_lon_deg: np.ndarray,
    routes: list[Route],
    cfg: dict,
    progress=None,
) -> None:
    """Route every :class:`Route` at every time step, a chunk at a time, in place.

    Parameters
    ----------
    propagator : kuiper.sgp4.Propagator
    jd, fr : (n_time,) split UTC Julian dates.
    neighbours : (n_sat, 4) +Grid partners (:func:`kuiper.ground.topology.plus_grid`).
    user_lat_deg, user_lon_deg : (n_user,) geodetic.
    routes : list of Route
        Filled with statistics.
    cfg : dict
        :func:`kuiper.ground.load_ground_config` output.
    progress : callable(done, total), optional
    """
    from .. import frames

    n_time = jd.size
    c = min(CHUNK_STEPS, n_time)
    router = Router(propagator.n_sat, c, cfg)
    users = _ground(user_lat_deg, user_lon_deg)
    gws = []
    for r in routes:
        r.reset(user_lat_deg.size)
        gws.append(_ground(r.gw_lat_deg, r.gw_lon_deg))
    for start in range(0, n_time, c):
        stop = min(start + c, n_time)
        _, r_teme, v_teme = propagator.propagate(jd[start:stop], fr[start:stop])
        r_itrs, _ = frames.teme_to_itrs(r_teme, v_teme, jd[start:stop], fr[start:stop])
        for r, g in zip(routes, gws, strict=True):
            r.add(*router.route(r_itrs, neighbours, users, r.user_dest, g, r.fibre_s, r.isl))
        if progress:
            progress(stop, n_time)
