"""Running the deployment model: the numba kernel or the NumPy engine, in blocks."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..errors import KuiperError
from ..timescale import UTC
from .inputs import ForecastInputs, _days, build_inputs
from .manifest import ForecastManifest, load_forecast_manifest
from .milestones import METRICS, Milestone, default_milestones
from .result import Forecast, _summarise


class EngineResult(NamedTuple):
    """What either engine returns.

    ``hist`` (n_month, 3, n_bins): trials at each count of each metric at each month
    end; ``reach`` (trials, n_target): the first day each target is met (+inf if not by
    the horizon, 0 if met already); ``vehicle_hist`` (n_vehicle, n_deadline,
    n_bins_vehicle): trials at each count of satellites each vehicle delivered by each
    deadline; ``first_day`` (trials, n_vehicle): each vehicle's first attempt (+inf if
    none by the horizon).
    """

    hist: np.ndarray
    reach: np.ndarray
    vehicle_hist: np.ndarray
    first_day: np.ndarray


DEFAULT_TRIALS = 100_000
BLOCK_SIZE = 1000
N_CHUNK = 8


def _run_numba(
    inputs: ForecastInputs,
    targets,
    n_trial,
    seed,
    progress,
    *,
    n_chunk: int = N_CHUNK,
    batch_blocks: int = 100_000 // BLOCK_SIZE,
    deadline_days=(),
) -> EngineResult:
    """Run the numba kernel in calls of ``batch_blocks`` blocks (progress in between).

    The result depends on ``seed`` and ``BLOCK_SIZE`` only: not on ``n_chunk`` (how
    blocks are spread over threads), the thread count, or ``batch_blocks``.
    """
    from . import _kernels as K
    from ._numpy import engine_sizes, schedule_arrays

    sizes = engine_sizes(inputs)
    month_end_day = sizes["month_end_day"]
    c, e, g = inputs.contracts, inputs.events, inputs.groups
    v = inputs.vehicles
    max_launches = sizes["max_launches"]
    hist = np.zeros((n_chunk, len(month_end_day), 3, sizes["n_bins"]), np.int32)
    d_day = np.asarray(deadline_days, np.float64)
    v_hist = np.zeros((n_chunk, len(v), len(d_day), sizes["n_bins_vehicle"]), np.int32)
    first_day = np.empty((n_trial, len(v)))
    t_metric = np.array([METRICS.index(mt) for mt, _ in targets], np.int64)
    t_count = np.array([n for _, n in targets], np.int64)
    reach = np.empty((n_trial, len(targets)))

    def arr(key, dtype):
        return np.array([x[key] for x in v], dtype)

    vehicle_arrays = (
        arr("satellites_per_launch", np.int64),
        arr("ready_mode", np.int64),
        arr("first_success_day", np.float64),
        arr("plan_rate_per_day", np.float64),
        arr("obs_n", np.float64),
        arr("obs_t_days", np.float64),
        arr("fail_a", np.float64),
        arr("fail_b", np.float64),
        arr("anom_a", np.float64),
        arr("anom_b", np.float64),
        arr("turnaround_days", np.float64),
        arr("single_pad", np.int64),
        arr("mature", np.int64),
        arr("last_day", np.float64),
        *schedule_arrays(v),
    )
    seed = int(seed) % 2**63  # the kernel takes an int64
    n_block = (n_trial + BLOCK_SIZE - 1) // BLOCK_SIZE
    for b0 in range(0, n_block, batch_blocks):
        lo = b0 * BLOCK_SIZE
        hi = min(n_trial, (b0 + batch_blocks) * BLOCK_SIZE)
        K.simulate(
            hi - lo,
            b0,
            seed,
            BLOCK_SIZE,
            n_chunk,
            inputs.par,
            c["vehicle"],
            c["launches"],
            c["known_day"],
            *vehicle_arrays,
            sizes["buy_i"],
            sizes["buy_f"],
            d_day,
            e["vehicle"],
            e["from_day"],
            e["kind"],
            inputs.pool,
            inputs.profile,
            g["day"],
            g["raising"],
            g["median"],
            month_end_day,
            sizes["month_of_day"],
            inputs.initial,
            t_metric,
            t_count,
            max_launches,
            hist,
            reach[lo:hi],
            v_hist,
            first_day[lo:hi],
        )
        if progress:
            progress(hi, n_trial)
    return EngineResult(hist.sum(axis=0), reach, v_hist.sum(axis=0), first_day)


def memory_estimate_bytes(inputs: ForecastInputs, n_target: int, trials: int, engine: str) -> int:
    """Bytes a run needs: reach days (trials x targets) plus the count histograms."""
    from ._numpy import BATCH_TRIALS, engine_sizes

    sizes = engine_sizes(inputs)
    cells = sizes["n_month"] * 3 * sizes["n_bins"]
    n_v = len(inputs.vehicles)
    cells_v = n_v * n_target * sizes["n_bins_vehicle"]  # deadlines: at most one per target
    if engine == "numpy":  # int64 histograms plus a batch's launch slots and events
        slots = sizes["max_launches"]
        work = 8 * (cells + cells_v) + 8 * 16 * min(trials, BATCH_TRIALS) * (
            slots + sizes["n_month"]
        )
    else:  # int32 histograms per chunk
        work = 4 * N_CHUNK * (cells + cells_v)
    return 8 * trials * (n_target + n_v) + work


def _available_bytes() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(inputs: ForecastInputs, n_target: int, trials: int, engine: str) -> None:
    """Refuse a run whose memory estimate exceeds the memory available now."""
    need = memory_estimate_bytes(inputs, n_target, trials, engine)
    have = _available_bytes()
    if have is not None and need > have:
        raise KuiperError(
            f"{trials:,} trials need about {need / 2**30:.1f} GiB; "
            f"{have / 2**30:.1f} GiB is available: use fewer trials"
        )


PILOT_TRIALS = 2_000  # trials of the operator's projection (numerical, not an assumption)


def plan_purchases(inputs: ForecastInputs, seed: int, *, engine: str = "numba") -> ForecastInputs:
    """Fill in how many launches the operator buys at its decision (see purchase_inputs).

    Its projection is the model's own: the median in-orbit count at the goal's
    deadline with no new purchases (re-flights on), from ``PILOT_TRIALS`` trials. The
    shortfall to the goal, in launches of the purchase vehicle and at most
    ``max_launches_per_purchase``, is bought. Inputs whose purchases are planned
    already, or that buy nothing, come back unchanged.
    """
    import dataclasses
    import math

    p = inputs.purchase
    if p["vehicle"] < 0 or p["static_launches"] is not None:
        return inputs
    pilot = dataclasses.replace(inputs, purchase={**p, "static_launches": 0})
    hist = run_engine(pilot, [("in_orbit", 1)], PILOT_TRIALS, seed + 1, engine=engine).hist
    ends = pilot.month_end_day()
    m = min(int(np.searchsorted(ends, p["goal_deadline_day"])), len(ends) - 1)
    c = np.cumsum(hist[m, METRICS.index("in_orbit")])
    projected = int(np.searchsorted(c, 0.5 * c[-1]))
    shortfall = max(min(int(p["goal"]) - projected, int(p["room_satellites"])), 0)
    per_launch = inputs.vehicles[p["vehicle"]]["satellites_per_launch"]
    n = min(math.ceil(shortfall / per_launch), int(p["max_launches"]))
    planned = {
        **p,
        "static_launches": n,
        "projected_satellites": projected,
        "shortfall_satellites": shortfall,
    }
    return dataclasses.replace(inputs, purchase=planned)


def run_engine(
    inputs: ForecastInputs,
    targets: list[tuple[str, int]],
    trials: int,
    seed: int,
    *,
    engine: str = "numba",
    progress: Callable[[int, int], None] | None = None,
    deadline_days=(),
) -> EngineResult:
    """Simulate ``trials`` trials of ``inputs``: month-end histograms and reach days.

    ``targets`` are ``(metric, count)`` pairs. Returns ``hist`` (n_month, 3, n_bins),
    the count of trials at each count of each metric at each month end, and ``reach``
    (trials, n_target), the first day after ``as_of`` each target is met (+inf if not
    within the horizon, 0 if met already); see :class:`EngineResult`. ``deadline_days``
    (days after ``as_of``) are where each vehicle's deliveries are counted.
    """
    inputs = plan_purchases(inputs, seed, engine=engine)
    check_memory(inputs, len(targets), trials, engine)
    if engine == "numba":
        return _run_numba(inputs, targets, trials, seed, progress, deadline_days=deadline_days)
    if engine == "numpy":
        from ._numpy import simulate_numpy

        return simulate_numpy(inputs, targets, trials, seed, progress, deadline_days=deadline_days)
    raise KuiperError(f"engine {engine!r} is not numba or numpy")


def forecast_deployment(
    store,
    *,
    as_of: dt.datetime | None = None,
    milestones: list[Milestone] | None = None,
    trials: int = DEFAULT_TRIALS,
    seed: int = 2026,
    manifest: ForecastManifest | None = None,
    engine: str = "numba",
    progress: Callable[[int, int], None] | None = None,
    launch_log: tuple | None = None,
    contracted_only: bool = False,
) -> Forecast:
    """Forecast deployment as of a date.

    Parameters
    ----------
    store : kuiper.store.Store
        The history store (element sets, SATCAT).
    as_of : datetime, optional
        Aware UTC; default the newest data in the store. Nothing dated later is used.
    milestones : list of Milestone, optional
        Default :func:`default_milestones`.
    trials, seed : int
        Monte Carlo trials (default 100,000) and seed; the result is deterministic
        for a given seed.
    manifest : ForecastManifest, optional
        Default the shipped ``forecast.toml``.
    engine : {"numba", "numpy"}
        The numba kernel, or the plain NumPy implementation of the same model
        (slower; for verification and benchmarks).
    progress : callable, optional
        Called as ``progress(trials_done, trials)``.
    launch_log : tuple of Launch, optional
        Replaces the shipped launch log (``kuiper.manifest.load_launches(path)``).
    contracted_only : bool
        Buy nothing beyond the launches under contract (the manifest's ``[purchases]``
        off); the default re-flies lost payloads and buys the shortfall to the goal.
    """
    if trials < 1:
        raise KuiperError(f"trials must be at least 1, got {trials}")
    manifest = manifest or load_forecast_manifest()
    if as_of is None:
        as_of = store.data_through()
    if as_of is None:
        raise KuiperError(f"{store.path}: the store holds no Kuiper element sets")
    if as_of.astimezone(UTC).date() >= manifest.horizon_utc:
        raise KuiperError(
            f"as of {as_of:%Y-%m-%d} is at or after the forecast horizon "
            f"{manifest.horizon_utc} ({manifest.path} [model] horizon_utc)"
        )
    milestones = milestones or default_milestones()
    inputs = build_inputs(store, as_of, manifest, launch_log, contracted_only=contracted_only)
    targets = [(ms.metric, ms.target) for ms in milestones]
    if not any(t == ("on_station", 578) for t in targets):
        targets.append(("on_station", 578))  # service can start (FACTS.md section 1)
    inputs = plan_purchases(inputs, seed, engine=engine)
    deadlines = [_days(ms.deadline_utc, as_of) for ms in milestones]
    result = run_engine(
        inputs, targets, trials, seed, engine=engine, progress=progress, deadline_days=deadlines
    )
    return _summarise(store, inputs, milestones, targets, result, trials, seed, launch_log)
