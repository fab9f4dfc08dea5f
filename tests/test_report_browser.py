"""The report in a real browser: headless Chromium loads it, sizes every figure, paints it.

Skips with the reason when no Chromium is installed (``.ci/run`` installs Debian's
``chromium`` where it can). The probe is first checked on a page that is broken on
purpose, so a probe that sees nothing cannot pass the real page by accident.
"""

from __future__ import annotations

import numpy as np
import pytest

from browser import find_chromium, probe, screenshot
from kuiper.report import build_report, write_report
from test_report import TINY

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on PATH (Debian: apt-get install chromium; .ci/run installs it "
    "when it runs as root)",
)


@pytest.fixture(scope="module")
def page(seeded_db, tmp_path_factory):
    """A report built with tiny settings through the same library path as the command."""
    from kuiper.store import Store

    with Store(seeded_db) as store:
        report = build_report(store, settings=TINY)
    assert not [s.error for s in report.sections if s.error]
    return write_report(report, tmp_path_factory.mktemp("browser") / "report.html")


def test_probe_sees_a_broken_page(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head></head><body><img src='missing.png'>"
        "<svg width='0' height='0'></svg><script>console.error('boom')</script></body></html>"
    )
    out = probe(CHROMIUM, bad)
    assert any("missing.png" in e for e in out["errors"])
    assert any("boom" in c for c in out["console"])
    assert any(f["width"] * f["height"] == 0 for f in out["figures"])


def test_page_loads_clean_and_every_figure_has_a_size(page):
    out = probe(CHROMIUM, page)
    assert out["errors"] == []
    assert out["console"] == []
    assert out["resources"] == [], "the page fetched something"
    figures = out["figures"]
    assert len(figures) >= 5
    for f in figures:
        assert f["width"] > 50 and f["height"] > 50, f
        assert f["decoded"], f


def test_screenshot_is_not_blank(page, tmp_path):
    from PIL import Image

    png = screenshot(CHROMIUM, page, tmp_path / "top.png", width=1280, height=900)
    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert pixels.shape == (900, 1280)
    assert pixels.std() > 20.0, "blank or near-blank screenshot"
    # Dark header band on top, light page below: the stylesheet was applied.
    assert pixels[:40].mean() < 100 and pixels[300:].mean() > 150
