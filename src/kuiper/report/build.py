"""Build the report section by section, then lay it out as one self-contained HTML page.

Each section is one function over library calls, run in its own ``try``: a section
that fails says so (with the one-line reason) and the others are still written.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import KuiperError
from . import fleet, money, network, outlook
from .model import Context, Report, ReportSettings, Section
from .sources import data_files

#: (key, title, function) in page order; the function fills a Section in place.
SECTIONS: tuple[tuple[str, str, Callable], ...] = (
    ("status", "Status", fleet.status_section),
    ("raising", "Orbit raising", fleet.raising_section),
    ("forecast", "Cadence and forecast", outlook.forecast_section),
    ("backtest", "Backtest", outlook.backtest_section),
    ("coverage", "Coverage", network.coverage_section),
    ("ground", "Ground segment", network.ground_section),
    ("value", "Value", money.value_section),
    ("sotp", "Sum of the parts", money.sotp_section),
)
SECTION_KEYS = tuple(k for k, _, _ in SECTIONS)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    reason = text[0] if text else ""
    if isinstance(exc, KuiperError):
        return reason or type(exc).__name__
    return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__


def build_report(
    store,
    *,
    as_of: dt.datetime | None = None,
    settings: ReportSettings | None = None,
    sections: tuple[str, ...] | list[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Report:
    """Run every section's library calls and collect the results.

    Parameters
    ----------
    store : kuiper.store.Store
        The history store (element sets); its newest data is the default date.
    as_of : datetime, optional
        Aware UTC; only data dated on or before it are used.
    settings : ReportSettings, optional
        Trials, seeds and windows; default :class:`ReportSettings()`.
    sections : sequence of str, optional
        Keys of :data:`SECTIONS` to run (default all, in page order).
    progress : callable, optional
        ``progress(done, total, key)`` before each section and once at the end.

    Returns
    -------
    Report
        A failed section has ``error`` set and keeps whatever it had filled.
    """
    settings = settings or ReportSettings()
    if as_of is None:
        as_of = store.data_through()
        if as_of is None:
            raise KuiperError(f"{store.path}: the store holds no Kuiper element sets")
    wanted = SECTION_KEYS if sections is None else tuple(sections)
    unknown = sorted(set(wanted) - set(SECTION_KEYS))
    if unknown:
        raise KuiperError(
            f"unknown report section {', '.join(unknown)}; choose from {', '.join(SECTION_KEYS)}"
        )
    generated = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ctx = Context(store, as_of, settings, generated)
    chosen = [s for s in SECTIONS if s[0] in wanted]
    out: list[Section] = []
    for i, (key, title, fn) in enumerate(chosen):
        if progress:
            progress(i, len(chosen), key)
        section = Section(key=key, title=title)
        start = time.perf_counter()
        try:
            fn(ctx, section)
        except Exception as exc:  # noqa: BLE001 - one failed section must not sink the page
            section.error = _one_line(exc)
            section.figures = [f for f in section.figures if f.svg]
        section.elapsed_s = time.perf_counter() - start
        out.append(section)
    if progress:
        progress(len(chosen), len(chosen), "")
    try:
        sources = data_files()
    except Exception:  # noqa: BLE001 - the appendix is optional; links then fall back
        sources = []
    from ..tracker import data_age_days

    return Report(
        as_of=as_of,
        generated_utc=generated,
        data_through=store.data_through(as_of),
        data_age_days=data_age_days(store.data_through(), generated),
        settings=settings,
        sections=out,
        sources=sources,
    )


def _resolve_links(report: Report) -> None:
    """Point each source link at its key's row, else its file's block, else drop it."""
    anchors = {f.anchor for f in report.sources} | {
        r.anchor for f in report.sources for r in f.rows
    }
    for section in report.sections:
        kept = []
        for label, href in section.sources:
            target = href.lstrip("#")
            if target not in anchors:
                target = next((f.anchor for f in report.sources if target.startswith(f.anchor)), "")
            if target and (label, "#" + target) not in kept:
                kept.append((label, "#" + target))
        section.sources = kept


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
    import jinja2

    from .. import __version__

    _resolve_links(report)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kuiper.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cell"] = lambda v: f"{v:,}" if isinstance(v, int) else v
    return env.get_template("report.html.j2").render(
        report=report,
        version=__version__,
        svg=lambda f: jinja2.utils.markupsafe.Markup(f.svg),
        n_figures=sum(len(s.figures) for s in report.sections),
        facts=[(v, label, s.key) for s in report.sections for v, label in s.facts],
    )


def write_report(report: Report, path: str | Path) -> Path:
    """Write the HTML page to ``path`` (a temporary file, then renamed: never half a page)."""
    p = Path(path)
    text = render_html(report)
    tmp = p.with_name(p.name + ".part")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(p)
    except OSError as exc:
        raise KuiperError(f"{p}: cannot write ({exc.strerror})") from None
    return p
