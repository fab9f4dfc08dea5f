"""Matplotlib figures as inline SVG markup for the HTML page.

Text stays text (``svg.fonttype = none``: smaller and searchable), and every id in a
figure is prefixed with the figure's key so that ids are unique within the page.
"""

from __future__ import annotations

import io
import re

from .model import Figure

_PROLOGUE = re.compile(r"^.*?(?=<svg[\s>])", re.S)
_WIDTH = re.compile(r'<svg[^>]*?\swidth="([0-9.]+pt)"')
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'((?:xlink:)?href="#|url\(#)')
_FIXED_SIZE = re.compile(r'(<svg[^>]*?)\s(width|height)="[^"]*"')


def svg_markup(fig, key: str) -> str:
    """The figure as ``<svg ...>...</svg>`` with a viewBox and no fixed size; closes it."""
    import matplotlib
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    try:
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"kuiper-{key}"}):
            fig.savefig(buf, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
    text = _PROLOGUE.sub("", buf.getvalue(), count=1)
    width = _WIDTH.search(text)
    # Drop width/height so the page's CSS sizes the figure from its viewBox, never
    # wider than drawn.
    for _ in range(2):
        text = _FIXED_SIZE.sub(r"\1", text, count=1)
    # Matplotlib numbers its ids per figure (figure_1, patch_1...): prefix them so
    # that figures on one page neither repeat ids nor cross-reference each other.
    text = _ID.sub(lambda m: f'id="{key}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{key}-", text)
    style = f' style="max-width: {width.group(1)}"' if width else ""
    return text.replace("<svg ", f'<svg role="img" aria-label="{key}"{style} ', 1)


def figure(ax_or_axes, key: str, caption: str) -> Figure:
    """A :class:`Figure` from an Axes (or a list of Axes) that a plot function returned."""
    ax = ax_or_axes[0] if isinstance(ax_or_axes, list | tuple) else ax_or_axes
    return Figure(caption=caption, svg=svg_markup(ax.figure, key))
