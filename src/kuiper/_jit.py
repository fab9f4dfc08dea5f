"""The one place numba options are set (sgkit's ``accelerate.py`` does this).

``KUIPER_NUMBA_CACHE=0`` turns the on-disk cache off. Nobody else writes these
options by hand. Importing this module imports numba, so only ``_*_kernels.py``
modules import it, and public modules import those lazily.

When no cache location is writable (a read-only install and no writable home or
``NUMBA_CACHE_DIR``), numba refuses ``cache=True`` at decoration time; kuiper then
compiles without the cache and says so once on stderr (T20).
"""

from __future__ import annotations

import os
import sys

import numba

CACHE = os.environ.get("KUIPER_NUMBA_CACHE", "1") != "0"

_OPTIONS = dict(cache=CACHE, nogil=True, fastmath=False, error_model="numpy")
_warned = False


def _without_cache(exc: RuntimeError) -> None:
    global _warned
    if not _warned:
        _warned = True
        print(
            "kuiper: no writable numba cache location, compiling without a cache "
            "(set NUMBA_CACHE_DIR to a writable folder, or KUIPER_NUMBA_CACHE=0 to silence)",
            file=sys.stderr,
        )


def _compile(fn, args, options):
    try:
        return numba.njit(*args, **options)(fn)
    except RuntimeError as exc:
        if not options.get("cache") or "cannot cache" not in str(exc):
            raise
        _without_cache(exc)
        return numba.njit(*args, **{**options, "cache": False})(fn)


def njit(*args, **overrides):
    """``numba.njit`` with kuiper's options; usable bare or with overrides (e.g. parallel)."""
    options = {**_OPTIONS, **overrides}
    if args and callable(args[0]):
        return _compile(args[0], (), options)
    return lambda fn: _compile(fn, args, options)


prange = numba.prange
