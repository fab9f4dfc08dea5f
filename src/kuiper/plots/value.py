"""Pictures of the valuation: the tornado."""

from __future__ import annotations

import numpy as np

from ._base import new_axes


def plot_tornado(result: dict, *, ax=None, top: int = 12, title=None):
    """Tornado of ``kuiper.value.tornado`` output: total (mean) and static NPV swings."""
    ax = new_axes(ax, figsize=(10, 6.5))
    rows = result["rows"][:top][::-1]
    scale = 1e9
    base_total = result["base"]["mean"] / scale
    base_static = result["base"]["static_mean"] / scale
    y = np.arange(len(rows))
    for i, r in enumerate(rows):
        lo, hi = r["mean_low"] / scale, r["mean_high"] / scale
        ax.barh(i + 0.2, hi - base_total, left=base_total, height=0.35, color="#4c72b0")
        ax.barh(i + 0.2, lo - base_total, left=base_total, height=0.35, color="#c44e52")
        slo, shi = r["static_mean_low"] / scale, r["static_mean_high"] / scale
        ax.barh(
            i - 0.2, shi - base_static, left=base_static, height=0.35, color="#4c72b0", alpha=0.45
        )
        ax.barh(
            i - 0.2, slo - base_static, left=base_static, height=0.35, color="#c44e52", alpha=0.45
        )
    ax.set_yticks(y, [f"{r['name']} ({r['low']:g} / {r['high']:g})" for r in rows], fontsize=8)
    ax.axvline(base_total, color="black", lw=0.8)
    ax.axvline(base_static, color="grey", lw=0.8, ls="--")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(color="#4c72b0", label="assumption at high"),
        Patch(color="#c44e52", label="assumption at low"),
        Line2D([], [], color="black", lw=0.8, label=f"total (dark), base mean {base_total:.2f}"),
        Line2D(
            [],
            [],
            color="grey",
            lw=0.8,
            ls="--",
            label=f"static NPV (pale), base mean {base_static:.2f}",
        ),
    ]
    ax.set_xlabel("USD billions")
    ax.set_title(
        title
        or f"Kuiper / Leo value sensitivity as of {result['as_of'][:10]} "
        f"({result['trials']:,} trials)"
    )
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    return ax
