"""The ``kuiper`` command line: a thin layer, one library call per command.

Importing this package loads neither numba nor matplotlib; each command imports
what it needs when it runs. One module per domain registers its commands on the
``main`` and ``plot`` groups defined in :mod:`kuiper.cli._common`.
"""

from __future__ import annotations

from . import (  # noqa: F401  (register the commands)
    coverage,
    data,
    forecast,
    ground,
    report,
    value,
)
from ._common import main, plot

__all__ = ["main", "plot"]

if __name__ == "__main__":  # pragma: no cover
    main()
