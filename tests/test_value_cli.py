"""`kuiper value` and `kuiper sotp` from the command line: the pipe, strict JSON, and the
issue 10 findings (T5 negative seed, R4 trials beyond memory) as one-line errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kuiper.cli import main


@pytest.fixture(scope="module")
def value_json(seeded_db) -> str:
    result = CliRunner().invoke(
        main, ["value", "--db", str(seeded_db), "--trials", "2000", "--json"]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_value_json_is_strict_and_pipes_into_sotp(value_json):
    d = json.loads(value_json, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    for key in ("decisions", "options", "scenarios", "capacity", "regulation", "d2d"):
        assert key in d
    out = CliRunner().invoke(main, ["sotp", "--kuiper", "-", "--json"], input=value_json)
    assert out.exit_code == 0, out.output
    s = json.loads(out.stdout)
    # Issue 13, done when: a current period, a sourced net cash line, a Globalstar line,
    # and the Kuiper line equal to the value's mean.
    assert s["period"] >= "2026-Q2"
    names = {seg["name"]: seg for seg in s["segments"]}
    cash = names.get("Net cash") or names["Net debt"]
    assert cash["value_usd"] != 0.0 and all(i.get("source") for i in cash["inputs"][:3])
    assert "Globalstar (pro forma)" in names
    assert names["Kuiper / Amazon Leo"]["value_usd"] == d["total"]["mean"]
    # The Globalstar line uses the valuation's D2D leg.
    glob = names["Globalstar (pro forma)"]["inputs"][0]
    assert glob["value"] == d["d2d"]["gross_pv_usd"]["mean"]


def test_value_scenarios_print_next_to_the_monte_carlo(seeded_db):
    out = CliRunner().invoke(
        main, ["value", "--db", str(seeded_db), "--trials", "1000", "--scenarios"]
    )
    assert out.exit_code == 0, out.output
    assert "Scenario DCF" in out.stdout and "Monte Carlo static NPV mean" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["value", "--seed", "-1"], "seed must be an integer >= 0"),
        (["plot", "tornado", "--seed", "-1"], "seed must be an integer >= 0"),
        (["value", "--trials", "100000000000"], "GiB"),
    ],
    ids=["T5_value", "T5_tornado", "R4_trials"],
)
def test_T5_R4_bad_options_are_one_line_errors(seeded_db, tmp_path, args, message):
    extra = ["-o", str(tmp_path / "t.png")] if "tornado" in args else []
    out = CliRunner().invoke(main, [*args, "--db", str(seeded_db), *extra])
    assert out.exit_code != 0
    assert out.exception is None or isinstance(out.exception, SystemExit)
    lines = [line for line in out.output.splitlines() if line.strip()]
    assert message in lines[-1] and len([x for x in lines if "Error" in x]) == 1
