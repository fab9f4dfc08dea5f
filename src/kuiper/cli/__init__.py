"""The ``kuiper`` command line: a thin layer, one library call per command.

Importing this package loads neither numba nor matplotlib; each command imports
what it needs when it runs. One module per domain registers its commands on the
``main`` and ``plot`` groups defined in :mod:`kuiper.cli._common`.
"""

from __future__ import annotations

# Each module registers its commands on the groups.
from . import (
    coverage,  # noqa: F401
    data,  # noqa: F401
    fetch,  # noqa: F401
    forecast,  # noqa: F401
    ground,  # noqa: F401
    launches,  # noqa: F401
    report,  # noqa: F401
    sources,  # noqa: F401
    sweep,  # noqa: F401
    value,  # noqa: F401
)
from ._common import main, plot
from .capacity import capacity as _capacity  # noqa: F401  (registers kuiper capacity)

__all__ = ["main", "plot"]

if __name__ == "__main__":  # pragma: no cover
    main()
