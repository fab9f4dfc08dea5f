"""Headless Chromium for tests: load a page, probe it, screenshot it.

The probe is a small script injected into a *copy* of the page (the report itself
has no JavaScript). It records resource-load and script errors (capture-phase
``error`` events), the resources the page fetched (Resource Timing), and the rendered
size of every ``<img>`` and outermost ``<svg>``, then writes them as JSON into the
DOM, which ``--dump-dom`` prints. Console messages come from Chromium's own log
(``--enable-logging=stderr --v=0``: one ``CONSOLE`` line per message).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

PROBE = """<script>
(function () {
  var errors = [];
  window.addEventListener("error", function (e) {
    var t = e.target || {};
    var what = t.tagName ? t.tagName + " " + (t.src || t.href || "") : "";
    errors.push(what + " " + (e.message || "load error"));
  }, true);
  window.addEventListener("load", function () {
    var out = {errors: errors, resources: [], figures: []};
    performance.getEntriesByType("resource").forEach(function (r) { out.resources.push(r.name); });
    document.querySelectorAll("img, svg").forEach(function (el) {
      if (el.tagName.toLowerCase() === "svg" && el.parentElement.closest("svg")) return;
      var r = el.getBoundingClientRect();
      out.figures.push({tag: el.tagName.toLowerCase(), width: r.width, height: r.height,
                        decoded: el.tagName.toLowerCase() === "img" ? el.naturalWidth > 0 : true});
    });
    var pre = document.createElement("pre");
    pre.id = "kuiper-probe";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  });
})();
</script>"""

_CONSOLE = re.compile(r"CONSOLE[^\]]*\]\s*(.*)")


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(browser: str, args: list[str], workdir: Path, timeout_s: float = 120.0):
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",  # tests run as root in CI containers
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--hide-scrollbars",
        f"--user-data-dir={workdir / 'profile'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)


def probe(browser: str, page: Path, *, width: int = 1280, height: int = 1000) -> dict:
    """Load a probed copy of ``page``; return errors, resources, figure sizes and console lines."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        html = page.read_text(encoding="utf-8")
        head = re.search(r"<head[^>]*>", html, re.I)
        cut = head.end() if head else 0
        copy = work / page.name
        copy.write_text(html[:cut] + PROBE + html[cut:], encoding="utf-8")
        run = _run(
            browser,
            [
                "--enable-logging=stderr",
                "--v=0",
                f"--window-size={width},{height}",
                "--virtual-time-budget=10000",
                "--dump-dom",
                copy.as_uri(),
            ],
            work,
        )
    found = re.search(r'<pre id="kuiper-probe">(.*?)</pre>', run.stdout, re.S)
    if not found:
        raise RuntimeError(f"the probe did not report (exit {run.returncode}): {run.stderr[-800:]}")
    out = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    out["console"] = [m.group(1) for m in map(_CONSOLE.search, run.stderr.splitlines()) if m]
    return out


def screenshot(browser: str, page: Path, png: Path, *, width: int = 1280, height: int = 900):
    """Screenshot the top ``width`` x ``height`` CSS pixels of ``page`` into ``png``."""
    with tempfile.TemporaryDirectory() as tmp:
        run = _run(
            browser,
            [f"--window-size={width},{height}", f"--screenshot={png}", page.resolve().as_uri()],
            Path(tmp),
        )
    if not png.exists():
        raise RuntimeError(f"no screenshot (exit {run.returncode}): {run.stderr[-800:]}")
    return png
