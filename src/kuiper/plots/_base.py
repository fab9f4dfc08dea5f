"""Shared pieces of the plots: the Agg backend, colours, new axes and saving."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..errors import KuiperError  # noqa: E402

PHASE_COLOURS = {
    "raising": "#4c72b0",
    "on_station": "#55a868",
    "drifting": "#dd8452",
    "deorbiting": "#c44e52",
    "decayed": "#8c8c8c",
}


def new_axes(ax, figsize=(10, 5.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def save(ax, path: str | Path, dpi: int = 130) -> Path:
    """Write the figure holding ``ax`` to a .png or .svg file and close it."""
    p = Path(path)
    if p.suffix.lower() not in (".png", ".svg"):
        raise KuiperError(f"{p}: output must end in .png or .svg")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        ax.figure.savefig(p, dpi=dpi)
    except OSError as exc:
        raise KuiperError(f"{p}: cannot write ({exc.strerror})") from None
    finally:
        plt.close(ax.figure)
    return p


def two_rows(axes, figsize, height_ratios):
    if axes is None:
        fig, axes = plt.subplots(
            2, 1, figsize=figsize, layout="constrained", height_ratios=height_ratios
        )
    return list(axes)
