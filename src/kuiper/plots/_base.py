"""Shared pieces of the plots: the Agg backend, colours, new axes and saving."""

from __future__ import annotations

import contextlib
import os
import tempfile
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
    """Write the figure holding ``ax`` to a .png or .svg file and close it.

    The picture is written to a temporary file beside the target and renamed over
    it, so a failed save (a full disk, P9) leaves no partial file behind.
    """
    p = Path(path)
    if p.suffix.lower() not in (".png", ".svg"):
        plt.close(ax.figure)
        raise KuiperError(f"{p}: output must end in .png or .svg")
    if p.exists() and not p.is_file():
        plt.close(ax.figure)
        raise KuiperError(f"{p}: exists and is not a regular file; not overwritten")
    tmp = None
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=p.suffix, dir=p.parent)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            ax.figure.savefig(f, dpi=dpi, format=p.suffix.lower()[1:])
        os.replace(tmp, p)
        tmp = None
    except OSError as exc:
        raise KuiperError(f"{p}: cannot write ({exc.strerror or exc})") from None
    finally:
        plt.close(ax.figure)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return p


def two_rows(axes, figsize, height_ratios):
    if axes is None:
        fig, axes = plt.subplots(
            2, 1, figsize=figsize, layout="constrained", height_ratios=height_ratios
        )
    return list(axes)
