"""Decisions after information: the exercise rules of the three real options.

- **Abandon or sell** is a stopping problem: least-squares Monte Carlo (Longstaff &
  Schwartz 2001). On training paths independent of the valuation paths, the kernel records
  at each decision date a regression basis of the state (demand and revenue against the
  fleet's scale, squares, the fleet on station, time, the licence state, whether Gen-2 was
  bought), the present value of exiting (state-dependent salvage less exit costs) and the
  cash flows between dates. Backward induction regresses the realised continuation value
  on the basis over the paths where exit is allowed (in service for at least
  ``abandon_after_service_months``) and exits where the exit value beats the fitted
  continuation. The coefficients are then applied on the valuation paths, so the rule is
  a feasible policy and the premium a low-biased estimate without foresight.
- **Expand to Gen-2** and **defer Gen-1** change the state they act on, so they are
  parametric threshold rules on utilisation (demand over capacity, both in consumer
  subscribers of capacity), fitted by a coordinate search that maximises the mean value
  on the same training paths (Andersen 1999; Garcia 2003). Abandonment is fitted after
  them, under their rule.

Notes
-----
Longstaff, F. and Schwartz, E. (2001), Valuing American options by simulation: a simple
least-squares approach, Rev. Financ. Stud. 14(1). Andersen, L. (1999), J. Comput. Finance
3(2). Garcia, D. (2003), J. Econ. Dyn. Control 27.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

NEVER = {"expand": math.inf, "defer": 0.0}
# Coarse grids of the utilisation thresholds: expand when demand > x capacity, defer when
# demand < x capacity.
GRID = {
    "expand": np.array([0.6, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0, 4.5]),
    "defer": np.array([0.2, 0.35, 0.5, 0.65, 0.8]),
}
REFINE = 5
# Fewer allowed paths than this many per basis function: no exit at that date.
MIN_PATHS_PER_BASIS = 5


def fit_thresholds(objective: Callable[[dict], float], enabled: list) -> dict:
    """Thresholds of the enabled options among ``expand``/``defer`` maximising ``objective``.

    Coordinate search: each threshold over 'never' and its grid, then once refined
    between the best point's neighbours; then a second pass over both.
    """
    theta = dict(NEVER)
    names = [k for k in ("expand", "defer") if k in enabled]
    if not names:
        return theta
    cache: dict = {}

    def score(th: dict) -> float:
        key = (th["expand"], th["defer"])
        if key not in cache:
            cache[key] = objective(th)
        return cache[key]

    for _sweep in range(2):
        for name in names:
            grid = GRID[name]
            candidates = [NEVER[name], *grid]
            best = max(candidates, key=lambda x: score({**theta, name: x}))
            if best != NEVER[name]:
                k = int(np.argmin(np.abs(grid - best)))
                lo = grid[max(k - 1, 0)]
                hi = grid[min(k + 1, len(grid) - 1)]
                fine = np.linspace(lo, hi, REFINE)
                best = max([best, *fine], key=lambda x: score({**theta, name: float(x)}))
            theta[name] = float(best)
    return theta


def fit_lsm(basis: np.ndarray, cf: np.ndarray, salvage: np.ndarray, allowed: np.ndarray):
    """Longstaff-Schwartz coefficients of the continuation value at each decision date.

    Parameters
    ----------
    basis : (n_path, n_dec, n_basis)
    cf : (n_path, n_dec + 1)
        PV of the cash flows up to each date since the previous one; the last column is
        everything after the last date (terminal value included).
    salvage : (n_path, n_dec)
        PV of exiting at each date.
    allowed : (n_path, n_dec)
        Whether exit is allowed.

    Returns
    -------
    beta : (n_dec, n_basis)
        The continuation value at date j is ``basis @ beta[j]``; a date with too few
        allowed paths gets ``+inf`` in its constant (never exit there).
    """
    n_path, n_dec, n_basis = basis.shape
    beta = np.zeros((n_dec, n_basis))
    cont = cf[:, n_dec].copy()
    for j in range(n_dec - 1, -1, -1):
        ok = allowed[:, j].astype(bool)
        if ok.sum() < MIN_PATHS_PER_BASIS * n_basis:
            beta[j, 0] = math.inf
        else:
            x = basis[ok, j, :]
            coef, *_ = np.linalg.lstsq(x, cont[ok], rcond=None)
            beta[j] = coef
            fitted = x @ coef
            stop = salvage[ok, j] > fitted
            idx = np.flatnonzero(ok)[stop]
            cont[idx] = salvage[idx, j]
        cont += cf[:, j]
    return beta
