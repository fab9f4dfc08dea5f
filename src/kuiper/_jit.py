"""The one place numba options are set (sgkit's ``accelerate.py`` does this).

``KUIPER_NUMBA_CACHE=0`` turns the on-disk cache off. Nobody else writes these
options by hand. Importing this module imports numba, so only ``_*_kernels.py``
modules import it, and public modules import those lazily.
"""

from __future__ import annotations

import os

import numba

CACHE = os.environ.get("KUIPER_NUMBA_CACHE", "1") != "0"

_OPTIONS = dict(cache=CACHE, nogil=True, fastmath=False, error_model="numpy")


def njit(*args, **overrides):
    """``numba.njit`` with kuiper's options; usable bare or with overrides (e.g. parallel)."""
    options = {**_OPTIONS, **overrides}
    if args and callable(args[0]):
        return numba.njit(**options)(args[0])
    return numba.njit(*args, **options)


prange = numba.prange
