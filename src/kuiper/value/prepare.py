"""What stays fixed when the assumptions change: the monthly grid, the deployment table
and the random draws (the tornado reuses them), with the guards on trials, seed and horizon.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

import numpy as np

from ..errors import KuiperError
from ..timescale import UTC
from .config import DAYS_PER_YEAR, MAX_VALUATION_YEARS, N_LEVELS, ValuationConfig

# Bytes of memory per trial and month the valuation needs (market paths of the evaluation
# and training sets, the normals behind them, and the kernel's records), for the refusal
# of --trials beyond the machine's memory (issue 10, R4).
BYTES_PER_TRIAL_MONTH = 40


def _next_month_end(d: dt.date) -> dt.date:
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    return dt.date(ny, nm, 1) - dt.timedelta(days=1)


def _years(date: dt.date, as_of: dt.datetime) -> float:
    end = dt.datetime.combine(date, dt.time(23, 59, 59, 999999), tzinfo=UTC)
    return (end - as_of).total_seconds() / 86400.0 / DAYS_PER_YEAR


def _quantile_table(forecast, n_month: int, gen1_total: int) -> np.ndarray:
    """int32 (N_LEVELS, n_month, 3): each metric's quantile at levels (j + 1/2) / N_LEVELS."""
    hist = np.asarray(forecast.hist, dtype=np.float64)
    n_fc = min(hist.shape[0], n_month)
    p = (np.arange(N_LEVELS) + 0.5) / N_LEVELS
    table = np.empty((3, n_month, N_LEVELS), np.int64)
    for k in range(3):
        for m in range(n_fc):
            cdf = np.cumsum(hist[m, k])
            if not cdf[-1] > 0:
                raise KuiperError(f"forecast histogram for month {m} is empty")
            table[k, m] = np.searchsorted(cdf, p * cdf[-1], side="left")
        if n_month > n_fc:
            span = min(12, n_fc - 1)
            last = table[k, n_fc - 1].astype(np.float64)
            slope = (last - table[k, n_fc - 1 - span]) / span if span > 0 else 0.0 * last
            slope = np.maximum(slope, 0.0)
            ceiling = np.maximum(last, gen1_total)
            steps = np.arange(1, n_month - n_fc + 1)[:, None]
            table[k, n_fc:] = np.floor(np.minimum(last + steps * slope, ceiling)).astype(np.int64)
    return np.ascontiguousarray(table.transpose(2, 1, 0), dtype=np.int32)


@dataclasses.dataclass
class _Draws:
    level: np.ndarray  # int64 (n,)
    z_seg: np.ndarray  # float64 (n, 5): ceilings, ARPUs, speeds, life, D2D revenue
    eps: np.ndarray  # float64 (n, n_month): market shocks
    waiver_u: np.ndarray  # float64 (n, n_milestone)


def _draws(n: int, n_month: int, n_ms: int, seq: np.random.SeedSequence) -> _Draws:
    rng = np.random.default_rng(seq)
    u = (rng.permutation(n) + rng.random(n)) / n  # stratified deployment quantiles
    level = np.minimum((u * N_LEVELS).astype(np.int64), N_LEVELS - 1)
    half = n // 2
    z = rng.standard_normal((n, 5))
    eps = np.empty((n, n_month))
    eps[:half] = rng.standard_normal((half, n_month))
    eps[half : 2 * half] = -eps[:half]  # antithetic market paths and parameters
    z[half : 2 * half] = -z[:half]
    if n % 2:
        eps[-1] = rng.standard_normal(n_month)
    return _Draws(level, z, eps, rng.random((n, n_ms)))


@dataclasses.dataclass
class _Prepared:
    """Everything that stays fixed when assumptions change (the tornado reuses it)."""

    as_of: dt.datetime
    month_end: list
    t_yr: np.ndarray
    dt_yr: np.ndarray
    table: np.ndarray
    initial: np.ndarray
    milestones: list
    gen1_total: int
    gen2_total: int
    half_target: int
    half_waived_utc: dt.date
    dec_index: np.ndarray
    evaluation: _Draws
    training: _Draws
    trials: int
    seed: int


def check_trials(trials: int, n_month: int) -> None:
    """Refuse trial counts whose memory estimate exceeds what the machine has (R4)."""
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 2:
        raise KuiperError(f"trials must be an integer >= 2, got {trials!r}")
    need = BYTES_PER_TRIAL_MONTH * (trials + max(2_000, trials // 2)) * n_month
    have = _available_memory_bytes()
    if have is not None and need > have:
        raise KuiperError(
            f"--trials {trials:,} needs about {need / 2**30:.1f} GiB over {n_month} months, "
            f"more than the {have / 2**30:.1f} GiB available; use fewer trials"
        )


def check_seed(seed) -> None:
    """Seeds are integers >= 0 (issue 10, T5: numpy refuses negative ones)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise KuiperError(f"seed must be an integer >= 0, got {seed!r}")


def _available_memory_bytes() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _prepare(forecast, cfg: ValuationConfig, trials: int, seed: int) -> _Prepared:
    from ..manifest import load_authorization

    check_seed(seed)
    as_of = forecast.as_of
    end = cfg.model["valuation_end_utc"]
    if end.year > as_of.year + MAX_VALUATION_YEARS:
        raise KuiperError(
            f"valuation_end_utc {end} is more than {MAX_VALUATION_YEARS} years after the "
            f"as-of date {as_of:%Y-%m-%d}"
        )
    months = [d for d in forecast.month_end if d <= end]
    if not months:
        raise KuiperError(
            f"valuation_end_utc {end} is before the forecast's first month end "
            f"{forecast.month_end[0] if forecast.month_end else '(none)'}"
        )
    while months[-1] < end:
        months.append(_next_month_end(months[-1]))
    check_trials(trials, len(months))
    t_yr = np.array([_years(d, as_of) for d in months])
    dt_yr = np.diff(t_yr, prepend=0.0)
    auth = load_authorization()
    as_of_date = as_of.astimezone(UTC).date()
    milestones = [
        (auth.half_deadline_utc, auth.half_target, as_of_date >= auth.half_waived_utc),
        (auth.full_deadline_utc, auth.gen1_total, False),
    ]
    interval = cfg.model["decision_interval_months"]
    dec_index = np.full(len(months), -1, np.int64)
    dec_index[::interval] = np.arange(len(range(0, len(months), interval)))
    eval_seq, train_seq = np.random.SeedSequence(seed).spawn(2)
    n_train = max(2_000, trials // 2)
    return _Prepared(
        as_of=as_of,
        month_end=months,
        t_yr=t_yr,
        dt_yr=dt_yr,
        table=_quantile_table(forecast, len(months), auth.gen1_total),
        initial=np.asarray(forecast.initial, np.int64),
        milestones=milestones,
        gen1_total=auth.gen1_total,
        gen2_total=auth.gen2_total,
        half_target=auth.half_target,
        half_waived_utc=auth.half_waived_utc,
        dec_index=dec_index,
        evaluation=_draws(trials, len(months), len(milestones), eval_seq),
        training=_draws(n_train, len(months), len(milestones), train_seq),
        trials=trials,
        seed=seed,
    )


def _month_index(months: list, date: dt.date) -> int:
    """The first grid month ending on or after ``date`` (len(months) if none)."""
    return next((k for k, d in enumerate(months) if d >= date), len(months))
