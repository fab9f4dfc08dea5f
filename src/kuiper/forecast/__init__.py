"""Monte Carlo forecast of Kuiper deployment: launched, in orbit and on station.

The model
---------
For each trial and each vehicle (Atlas V, Falcon 9, Ariane 64, Vulcan, New Glenn):

1. **Cadence.** A planned Kuiper launch rate (the newest plan known at the as-of date)
   is scaled by a reference-class ratio, actual/plan ~ lognormal(median 0.3), because
   providers' and Amazon's plans ran 0.1-0.5 of reality. Vehicles that have flown
   Kuiper missions update that prior with their own record (a gamma-Poisson update).
2. **Readiness.** A vehicle not yet flown for Kuiper becomes ready 18-36 months after
   its first success (a new vehicle's first flight itself slips by years).
3. **Slip.** Launch k is planned at ready + k/rate and slips by a gamma delay whose
   mean grows with lead time (Gardner & Grogan's fit: ~0.5 x lead + 15 days).
4. **Failure.** Each launch fails with a Beta probability from the vehicle's flight
   record at the as-of date; a failure grounds the fleet (lognormal, median 90 d)
   and can take out a single pad. Groundings in force at the as-of date continue.
5. **Supply.** Satellite production caps the cumulative launched count.
6. **Raising and losses.** Each launch's satellites reach station after a launch
   median resampled from the tracker's Kaplan-Meier medians, spread within the launch
   by the observed profile; a Beta fraction never arrives and decays.

Only information dated on or before ``as_of`` is used: the launch log, element sets
(via the tracker), and every dated fact of the manifest (``known_utc``).

Every assumption is in ``kuiper/data/forecast.toml`` with its source.

Layout: :mod:`.manifest` (the assumptions), :mod:`.milestones`, :mod:`.inputs` (what
is known at the as-of date), :mod:`.engine` (running the numba kernel in
``_kernels`` or the NumPy engine in ``_numpy``), :mod:`.result`, and
:mod:`.backtest` (scoring forecasts against what happened).
"""

from .engine import (
    BLOCK_SIZE,
    DEFAULT_TRIALS,
    N_CHUNK,
    _run_numba,
    check_memory,
    forecast_deployment,
    memory_estimate_bytes,
    run_engine,
)
from .inputs import (
    DEFAULT_PROFILE,
    PROFILE_QUANTILES,
    ForecastInputs,
    _days,
    _exposure,
    build_inputs,
    model_parameters,
    vehicle_inputs,
)
from .manifest import (
    LATEST_HORIZON_UTC,
    MAX_CONTRACT_LAUNCHES,
    Dated,
    ForecastManifest,
    Vehicle,
    load_forecast_manifest,
)
from .milestones import MAX_TARGET, METRICS, Milestone, default_milestones, milestones_from_options
from .result import QUANTILES, Forecast

__all__ = [
    "METRICS",
    "Milestone",
    "ForecastManifest",
    "ForecastInputs",
    "Forecast",
    "load_forecast_manifest",
    "milestones_from_options",
    "build_inputs",
    "default_milestones",
    "forecast_deployment",
    "memory_estimate_bytes",
    "check_memory",
    "run_engine",
    "vehicle_inputs",
    "model_parameters",
    "Dated",
    "Vehicle",
    "QUANTILES",
    "DEFAULT_TRIALS",
    "BLOCK_SIZE",
    "N_CHUNK",
    "MAX_TARGET",
    "LATEST_HORIZON_UTC",
    "MAX_CONTRACT_LAUNCHES",
    "DEFAULT_PROFILE",
    "PROFILE_QUANTILES",
    # For tests and benchmarks: the engine's and the inputs' internals.
    "_run_numba",
    "_days",
    "_exposure",
]
