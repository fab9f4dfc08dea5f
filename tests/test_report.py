"""kuiper report: a self-contained page, sections that fail alone, the data behind it.

The report is built once with tiny Monte Carlo sizes and windows (the layout does not
depend on them); each test reads that page.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kuiper.report import SECTION_KEYS, ReportSettings, build_report, write_report

TINY = ReportSettings(
    trials=400,
    backtest_trials=100,
    value_trials=400,
    tornado_trials=200,
    tornado_parameters=("discount_rate", "subscribers_per_satellite"),
    coverage_grid_deg=6.0,
    coverage_step_s=300.0,
    coverage_duration_s=3600.0,
    curve_grid_deg=10.0,
    curve_step_s=600.0,
    ground_cities=4,
    ground_step_s=600.0,
    ground_duration_s=3600.0,
)


class PageParser(HTMLParser):
    """Every element's tag and attributes, top-level <svg> count, and <style> text."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.svg_depth = 0
        self.top_svgs = 0
        self.in_style = False
        self.style = ""

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "svg":
            self.top_svgs += self.svg_depth == 0
            self.svg_depth += 1
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "svg":
            self.svg_depth -= 1
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.style += data


def parse(path: Path) -> PageParser:
    p = PageParser()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def tiny_report(seeded_db, tmp_path_factory):
    from kuiper.store import Store

    calls = []
    with Store(seeded_db) as store:
        report = build_report(
            store, settings=TINY, progress=lambda done, total, key: calls.append((done, total))
        )
    path = write_report(report, tmp_path_factory.mktemp("report") / "report.html")
    return report, path, calls


def test_every_section_computed_with_reading_command_and_sources(tiny_report):
    report, _, calls = tiny_report
    assert [s.key for s in report.sections] == list(SECTION_KEYS)
    for s in report.sections:
        assert s.error is None, f"{s.key}: {s.error}"
        assert s.reading and all(p.strip() for p in s.reading), s.key
        assert s.command.startswith("kuiper "), s.key
        assert s.sources, s.key
    # Progress: one call before each section and one at the end.
    assert calls == [(k, len(SECTION_KEYS)) for k in range(len(SECTION_KEYS) + 1)]


def test_page_has_no_external_reference(tiny_report):
    _, path, _ = tiny_report
    page = parse(path)
    external = re.compile(r"^\s*(https?:|//|ftp:)", re.I)
    for tag, attrs in page.elements:
        for name in ("src", "href", "xlink:href", "data", "action", "poster", "srcset"):
            value = attrs.get(name)
            if value is not None:
                assert not external.match(value), f"<{tag} {name}={value[:80]}>"
                assert value.startswith(("#", "data:")), f"<{tag} {name}={value[:80]}>"
        assert tag not in ("script", "link", "iframe", "object", "embed"), tag
    assert "@import" not in page.style
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page.style)


def test_page_has_inline_figures_and_unique_ids(tiny_report):
    report, path, _ = tiny_report
    page = parse(path)
    assert page.top_svgs >= 5
    assert page.top_svgs == sum(len(s.figures) for s in report.sections)
    ids = [a["id"] for _, a in page.elements if "id" in a]
    assert len(ids) == len(set(ids)), "duplicate ids would cross-link figures"
    # Every in-page link lands somewhere.
    targets = {a["href"][1:] for t, a in page.elements if a.get("href", "").startswith("#")}
    assert targets and targets <= set(ids)


def test_sources_link_to_quoted_assumptions(tiny_report):
    report, path, _ = tiny_report
    text = path.read_text(encoding="utf-8")
    value = next(s for s in report.sections if s.key == "value")
    # The tornado's first assumption links to its row in the appendix, and that row
    # quotes valuation.toml's source for it.
    import tomllib
    from importlib import resources

    toml = tomllib.loads((resources.files("kuiper.data") / "valuation.toml").read_text())
    name = value.data["tornado"]["rows"][0]["name"]
    href = next(h for label, h in value.sources if label.endswith(f"parameter.{name}"))
    row = re.search(rf'<tr id="{href[1:]}">(.*?)</tr>', text, re.S)
    assert row, href
    from html import unescape

    assert toml["parameter"][name]["source"][:60] in unescape(row.group(1))


def test_numbers_match_the_library(tiny_report, seeded_db):
    """The page shows the library's own numbers: status totals and the SOTP total."""
    from kuiper.store import Store
    from kuiper.tracker import fleet_status

    report, path, _ = tiny_report
    with Store(seeded_db) as store:
        totals = fleet_status(store, report.as_of).totals
    status = next(s for s in report.sections if s.key == "status")
    assert status.data["status"]["totals"] == totals
    totals_table = status.tables[1]
    assert ["launched", totals["launched"], "satellites"] in totals_table.rows
    text = path.read_text(encoding="utf-8")
    sotp = next(s for s in report.sections if s.key == "sotp").data["sotp"]
    assert f"{sotp['total_usd'] / 1e9:,.1f}" in text
    assert f"{sotp['per_share_usd']:,.2f}" in text


def test_json_is_the_data_behind_the_report(tiny_report):
    report, _, _ = tiny_report
    d = json.loads(json.dumps(report.to_dict(), default=str))
    assert set(d["sections"]) == set(SECTION_KEYS)
    assert d["settings"]["trials"] == TINY.trials
    fc = d["sections"]["forecast"]["data"]["forecast"]
    assert fc["trials"] == TINY.trials and fc["milestones"]


def test_a_failing_section_says_so_and_the_rest_is_written(seeded_db, tmp_path, monkeypatch):
    from kuiper.errors import KuiperError
    from kuiper.report import build
    from kuiper.store import Store

    def broken(ctx, section):
        raise KuiperError("catalog missing: /nowhere/catalog.csv")

    sections = tuple(
        (k, t, broken if k == "raising" else f) for k, t, f in build.SECTIONS if k != "forecast"
    )
    monkeypatch.setattr(build, "SECTIONS", sections)
    with Store(seeded_db) as store:
        report = build_report(store, settings=TINY, sections=["status", "raising", "sotp"])
    path = write_report(report, tmp_path / "r.html")
    by_key = {s.key: s for s in report.sections}
    assert by_key["raising"].error == "catalog missing: /nowhere/catalog.csv"
    assert by_key["status"].error is None and by_key["sotp"].error is None
    text = path.read_text(encoding="utf-8")
    assert "This section could not be computed:</b> catalog missing: /nowhere/catalog.csv" in text
    assert "Satellites by shell and phase" in text


def test_cli_writes_page_and_json(seeded_db, tmp_path):
    from kuiper.cli import main

    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--db",
            str(seeded_db),
            "--section",
            "status",
            "--section",
            "raising",
            "-o",
            str(out),
            "--json",
            "-",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data["sections"]) == ["status", "raising"]
    assert out.exists() and "<svg" in out.read_text(encoding="utf-8")
    assert not list(tmp_path.glob("*.part"))


def test_cli_exits_non_zero_only_when_nothing_could_be_computed(seeded_db, tmp_path, monkeypatch):
    from kuiper.cli import main
    from kuiper.report import build

    def broken(ctx, section):
        raise RuntimeError("no")

    monkeypatch.setattr(build, "SECTIONS", tuple((k, t, broken) for k, t, _ in build.SECTIONS))
    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        main, ["report", "--db", str(seeded_db), "--section", "status", "-o", str(out)]
    )
    assert result.exit_code == 1
    assert "no section could be computed" in result.output
    assert not out.exists()


def test_cli_refuses_a_non_html_name_before_any_work(seeded_db, tmp_path):
    from kuiper.cli import main

    result = CliRunner().invoke(
        main, ["report", "--db", str(seeded_db), "-o", str(tmp_path / "report.png")]
    )
    assert result.exit_code == 1
    assert "report.png: the report is HTML" in result.output
    assert "Settings" not in result.output


def test_cli_bad_as_of_is_one_line(seeded_db, tmp_path):
    from kuiper.cli import main

    result = CliRunner().invoke(
        main,
        ["report", "--db", str(seeded_db), "--as-of", "2026-13-45", "-o", str(tmp_path / "x.html")],
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "2026-13-45" in result.output


def test_coastlines_pass_through_known_capes():
    """Natural Earth outlines: vertices near capes whose coordinates are textbook facts."""
    from kuiper.plots.report import coastlines

    pts = np.concatenate(coastlines())
    assert pts[:, 0].min() >= -180 and pts[:, 0].max() <= 180
    assert pts[:, 1].min() >= -90 and pts[:, 1].max() <= 84
    capes = {
        "Cape of Good Hope": (18.47, -34.36),
        "Cape Horn": (-67.27, -55.98),
        "Cabo da Roca": (-9.50, 38.78),
        "Cape York": (142.53, -10.69),
    }
    for name, (lon, lat) in capes.items():
        d = np.hypot((pts[:, 0] - lon) * np.cos(np.radians(lat)), pts[:, 1] - lat)
        assert d.min() < 1.5, f"{name}: nearest vertex {d.min():.2f} deg away"
    # No segment jumps across the map (antimeridian) or runs along the bottom edge.
    for line in coastlines():
        assert np.abs(np.diff(line[:, 0])).max() < 90


def test_ring_image_is_nearest_neighbour_in_longitude():
    from kuiper.coverage import equal_area_grid
    from kuiper.plots.report import ring_image

    grid = equal_area_grid(15.0)
    rng = np.random.default_rng(1)
    values = rng.random(len(grid.lat_deg))
    lon_e, lat_e, image = ring_image(grid.lat_deg, grid.lon_deg, values, n_lon=48)
    centres = 0.5 * (lon_e[1:] + lon_e[:-1])
    for i, ring in enumerate(np.unique(grid.lat_deg)):
        on = grid.lat_deg == ring
        for j, c in enumerate(centres):
            gap = np.abs((grid.lon_deg[on] - c + 180.0) % 360.0 - 180.0)
            best = values[on][gap == gap.min()]
            assert image[i, j] in best
        assert lat_e[i] < ring < lat_e[i + 1]


def test_appendix_gives_each_figure_its_own_source():
    """Sources resolve as the data files state them: own key, group prefix, comment block."""
    import tomllib
    from importlib import resources

    from kuiper.report.sources import data_files

    files = {f.name: {r.key: r for r in f.rows} for f in data_files()}
    data = resources.files("kuiper.data")
    # A comment block above the key (tracker.toml keeps derivations in comments).
    lines = (data / "tracker.toml").read_text().splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("on_station_tol_km"))
    above = []
    while lines[k - 1].startswith("#"):
        k -= 1
        above.insert(0, lines[k].lstrip("#").strip())
    assert above and files["tracker.toml"]["on_station_tol_km"].source == " ".join(above)
    # A key's own *_source, and a [parameter.x] table's source on one row.
    forecast = tomllib.loads((data / "forecast.toml").read_text())
    assert (
        files["forecast.toml"]["model.plan_ratio_median_new"].source
        == forecast["model"]["plan_ratio_source"]
    )
    valuation = tomllib.loads((data / "valuation.toml").read_text())
    row = files["valuation.toml"]["parameter.discount_rate"]
    assert row.source.startswith(valuation["parameter"]["discount_rate"]["source"])
    assert f"base {valuation['parameter']['discount_rate']['base']}" in row.value


def test_report_plots_draw_their_numbers():
    """The report's own plot functions draw the values they are given."""
    from kuiper import plots

    by_launch = [
        {"launch": "KA-01", "launch_date_utc": "2025-04-28", "p10_days": 100.0,
         "median_days": 130.0, "p90_days": 170.0, "km_median_days": 131.0},
        {"launch": "LA-08", "launch_date_utc": "2026-07-02", "p10_days": None,
         "median_days": None, "p90_days": None, "km_median_days": None},
    ]  # fmt: skip
    ax = plots.plot_raising_durations(by_launch)
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "KA-01\n2025-04-28",
        "LA-08\n2026-07-02",
    ]
    medians = [
        ln.get_ydata()[0] for ln in ax.lines if ln.get_marker() == "o" and len(ln.get_ydata())
    ]
    assert medians == [130.0]

    ground = {
        "scenarios": {
            "A": {"description": "A: at AWS", "availability": 0.7,
                  "latency_ms": {"p50": 5.0, "p90": 6.5, "p99": 7.5}},
            "B": {"description": "B: for coverage", "availability": 1.0,
                  "latency_ms": {"p50": 5.6, "p90": 25.6, "p99": 36.7}},
        }
    }  # fmt: skip
    ax = plots.plot_ground_scenarios([("with ISL", ground["scenarios"])])
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == sorted([5.0, 6.5, 7.5, 5.6, 25.6, 36.7])
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "A, with ISL\navailable 70.0%",
        "B, with ISL\navailable 100.0%",
    ]

    rng = np.random.default_rng(3)
    samples = {k: rng.normal(2e9, 1e9, 1000) for k in ("total", "static_npv", "option_premium")}
    ax = plots.plot_value_distribution(samples)
    filled = [p for p in ax.patches if p.get_fill()]
    assert len(filled) == 1  # the total, as a filled histogram
    labels = ax.get_legend_handles_labels()[1]
    assert f"total (mean {samples['total'].mean() / 1e9:.2f})" in labels
    # The filled outline's highest step is the tallest bin's count: at most all trials.
    assert 0 < filled[0].get_xy()[:, 1].max() <= 1000


def test_capacity_plot_bars_span_p10_to_p90():
    from kuiper import plots

    now = [
        {
            "region": "Europe",
            "demand": 5e5,
            "subscribers": {"p10": 4e4, "p50": 1.6e5, "p90": 4.3e5},
        },
        {
            "region": "Asia",
            "demand": 5.8e6,
            "subscribers": {"p10": 1.7e5, "p50": 5.7e5, "p90": 1.7e6},
        },
    ]
    full = [
        {"region": "Europe", "demand": 5e5, "subscribers": {"p10": 1e5, "p50": 4e5, "p90": 9e5}}
    ]
    ax = plots.plot_capacity_by_region(now, full)
    spans = sorted((round(p.get_x(), 6), round(p.get_x() + p.get_width(), 6)) for p in ax.patches)
    assert spans == sorted([(0.04, 0.43), (0.17, 1.7), (0.1, 0.9)])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Europe", "Asia"]
