"""``kuiper report``: one self-contained HTML page over the library's results.

A thin layout: each section is one function over library calls (:mod:`.fleet`,
:mod:`.outlook`, :mod:`.network`, :mod:`.money`), laid out by a Jinja2 template
with inline CSS and SVG figures; the appendix (:mod:`.sources`) quotes every shipped
assumption with its source.
"""

from __future__ import annotations

from .build import SECTION_KEYS, SECTIONS, build_report, render_html, write_report
from .model import Figure, Report, ReportSettings, Section, Table

__all__ = [
    "SECTIONS",
    "SECTION_KEYS",
    "Figure",
    "Report",
    "ReportSettings",
    "Section",
    "Table",
    "build_report",
    "render_html",
    "write_report",
]
