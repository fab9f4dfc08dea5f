"""The ``kuiper`` command line: a thin layer, one library call per command.

Importing this package loads neither numba nor matplotlib; each command imports
what it needs when it runs. One module per domain registers its commands on the
``main`` and ``plot`` groups defined in :mod:`kuiper.cli._common`.
"""

from __future__ import annotations

from . import coverage, data, forecast, ground, value  # noqa: F401  (register the commands)
from ._common import main, plot
from .capacity import capacity as _capacity  # noqa: F401  (registers kuiper capacity)

__all__ = ["main", "plot"]

if __name__ == "__main__":  # pragma: no cover
    main()
