"""kuiper.sotp: Q3 2025 defaults, no capitalised Anthropic gain, no double-counted synergy."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kuiper.errors import KuiperError, ManifestError
from kuiper.value import sotp as S

SHIPPED = Path(S.__file__).parent.parent / "data" / "sotp.toml"


def summary(p10, p50, p90, mean):
    return {"p10": p10, "p50": p50, "p90": p90, "mean": mean}


def kuiper_dict(static=-3.0e9, premium=5.0e9, synergy=0.4e9, shares=10.87e9) -> dict:
    """A valuation in the form of Valuation.to_dict()."""
    total = static + premium + synergy
    return {
        "as_of": "2026-09-06T20:40:51Z",
        "currency": "USD",
        "static_npv": summary(static - 3e9, static, static + 3e9, static),
        "option_premium": summary(premium - 3e9, premium, premium + 3e9, premium),
        "aws_synergy": summary(0.0, synergy, 2 * synergy, synergy),
        "total": summary(total - 1e9, total, total + 1e9, total),
        "per_share": summary(
            (total - 1e9) / shares, total / shares, (total + 1e9) / shares, total / shares
        ),
        "assumptions": {"discount_rate": {"value": 0.11, "source": "test"}},
    }


@pytest.fixture(scope="module")
def shipped() -> S.SotpConfig:
    return S.load_sotp_config()


@pytest.fixture(scope="module")
def toml() -> dict:
    return tomllib.loads(SHIPPED.read_text())


def segment(result, name: str) -> float:
    return next(s["value_usd"] for s in result.segments if s["name"] == name)


def quarter(toml: dict, name: str) -> dict:
    return next(q for q in toml["quarter"] if q["name"] == name)


TTM = ("2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2")


def test_default_period_is_the_newest_quarter_and_the_base_is_ttm(shipped):
    r = S.sotp(shipped, kuiper_dict())
    assert r.period == "2026-Q2" and r.basis == "trailing twelve months"
    assert r.warnings == []
    # Amazon Q3 2025 release, as confirmed in shared/data/VALUATION.md section 5.
    q3 = next(q for q in shipped.quarters if q.name == "2025-Q3")
    assert q3.value("net_sales_usd") == 180.2e9 and q3.value("net_income_usd") == 21.2e9
    # WORLD-2026.md section 6: AWS Q2 2026 $42.23B, operating income $16.62B.
    q2 = next(q for q in shipped.quarters if q.name == "2026-Q2")
    assert q2.value("aws_revenue_usd") == 42.23e9
    assert q2.value("aws_operating_income_usd") == 16.62e9


def test_to_dict_names_and_totals_add_up(shipped):
    r = S.sotp(shipped, kuiper_dict())
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert list(d)[:4] == ["segments", "kuiper", "total_usd", "per_share_usd"]
    for key in ("period", "as_of_inputs", "shares", "memo", "warnings"):
        assert key in d
    assert d["period"] >= "2026-Q2"
    assert list(d["kuiper"]) == ["p10", "p50", "p90"]
    for s in d["segments"]:
        assert list(s) == ["name", "value_usd", "method", "inputs"]
    names = [s["name"] for s in d["segments"]]
    for expected in (
        "AWS",
        "Advertising",
        "Retail and subscriptions",
        "Anthropic stake",
        "Kuiper / Amazon Leo",
        "Globalstar (pro forma)",
    ):
        assert expected in names
    assert d["total_usd"] == pytest.approx(math.fsum(s["value_usd"] for s in d["segments"]))
    assert d["per_share_usd"] == pytest.approx(d["total_usd"] / d["shares"]["total"], rel=1e-12)
    assert "per Amazon share" in r.render()


def test_net_cash_is_from_the_filing_and_leases_switch(shipped, toml):
    bs = toml["balance_sheet"][-1]
    cash, debt = bs["cash_and_securities_usd"], bs["debt_usd"]
    base = S.sotp(shipped, kuiper_dict())
    line = next(s for s in base.segments if s["name"] in ("Net cash", "Net debt"))
    assert line["value_usd"] == pytest.approx(cash["value"] - debt["value"])
    assert line["value_usd"] != 0.0
    assert all(i["source"] for i in line["inputs"])
    leased = S.sotp(shipped.with_values(include_leases=True), kuiper_dict())
    line2 = next(s for s in leased.segments if s["name"] in ("Net cash", "Net debt"))
    lease = bs["lease_liabilities_usd"]["value"]
    assert line2["value_usd"] == pytest.approx(line["value_usd"] - lease)


def test_aws_is_valued_on_its_own_ttm_figures_with_one_offs_removed(shipped, toml):
    r = S.sotp(shipped, kuiper_dict())
    multiple = toml["multiple"]["aws_ev_to_operating_income"]["value"]
    oi = sum(quarter(toml, q)["aws_operating_income_usd"]["value"] for q in TTM)
    aws_gains = sum(
        o["usd"] for o in toml["one_off"] if o.get("segment") == "aws" and o["kind"] == "gain"
    )
    assert segment(r, "AWS") == pytest.approx(multiple * (oi - aws_gains), rel=1e-12)


def test_per_share_moves_by_the_right_amount_with_globalstars_stock_portion(shipped, toml):
    g = toml["globalstar"]
    price, ratio, per_share_price = (
        g["price_usd"],
        g["exchange_ratio_amzn"],
        g["price_per_share_usd"],
    )
    results = {}
    for f in (0.6, 1.0):
        r = S.sotp(shipped.with_values(globalstar_stock_fraction=f), kuiper_dict())
        results[f] = r
        cash_paid = (1 - f) * price
        assert segment(r, "Globalstar (pro forma)") == pytest.approx(
            g["value_acquired_usd"] - cash_paid
        )
        assert r.shares["globalstar_new"] == pytest.approx(f * price / per_share_price * ratio)
    a, b = results[0.6], results[1.0]
    # Hand computation: all stock saves 0.4 x price of cash and issues 0.4 x price / 90 x
    # 0.3210 more shares.
    total_b = a.total_usd + 0.4 * price
    shares_b = a.shares["total"] + 0.4 * price / per_share_price * ratio
    assert b.per_share_usd == pytest.approx(total_b / shares_b, rel=1e-12)
    assert b.per_share_usd - a.per_share_usd == pytest.approx(
        total_b / shares_b - a.total_usd / a.shares["total"], rel=1e-9
    )


def test_globalstar_uses_the_d2d_leg_when_the_valuation_has_one(shipped):
    k = kuiper_dict()
    k["d2d"] = {"gross_pv_usd": summary(1e9, 5e9, 9e9, 6e9)}
    r = S.sotp(shipped, k)
    cash_paid = (1 - shipped.globalstar["stock_fraction"]) * shipped.globalstar["price_usd"]
    assert segment(r, "Globalstar (pro forma)") == pytest.approx(6e9 - cash_paid)


def test_an_old_period_gives_the_warning(shipped):
    old = S.sotp(shipped, kuiper_dict(), period="2025-Q3")
    assert old.warnings and "2025-Q3" in old.warnings[0]
    assert "x 4" in old.basis
    assert not S.sotp(shipped, kuiper_dict(), period="2026-Q2").warnings
    with pytest.raises(KuiperError, match="not on file"):
        S.sotp(shipped, kuiper_dict(), period="2019-Q1")


def test_the_guard_adds_leos_opex_back_exactly_once(shipped):
    ebit = shipped.with_values(retail_method="ev_ebit")
    on = S.sotp(ebit, kuiper_dict())
    off = S.sotp(ebit.with_values(leo_add_back=False), kuiper_dict())
    m = shipped.multiples["retail_ev_to_operating_income"]
    opex = shipped.leo["opex_ttm_usd"]
    assert opex > 0
    assert on.total_usd - off.total_usd == pytest.approx(m * opex, rel=1e-9)
    changed = [a["name"] for a, b in zip(on.segments, off.segments, strict=True) if a != b]
    assert changed == ["Retail and advertising"]
    # On sales multiples Leo's opex plays no part.
    sales = S.sotp(shipped, kuiper_dict())
    assert (
        S.sotp(shipped.with_values(leo_add_back=False), kuiper_dict()).total_usd == sales.total_usd
    )


def test_the_memo_pe_equals_a_hand_computation_from_the_toml(shipped, toml):
    t = toml["method"]["tax_rate"]
    total = S.sotp(shipped, kuiper_dict()).total_usd
    recurring = 0.0
    for name in TTM:
        q = quarter(toml, name)
        mine = [o for o in toml["one_off"] if o["quarter"] == name]
        if "net_income_usd" in q:
            adj = sum(o["usd"] * (1 if o["kind"] == "charge" else -1) for o in mine)
            recurring += q["net_income_usd"]["value"] + (1 - t) * adj
        else:
            op = [o for o in mine if o["line"] == "operating"]
            adj = sum(o["usd"] * (1 if o["kind"] == "charge" else -1) for o in op)
            recurring += (1 - t) * (q["operating_income_usd"]["value"] + adj)
    memo = S.sotp(shipped, kuiper_dict()).memo
    assert memo["recurring_net_income_annual_usd"] == pytest.approx(recurring, rel=1e-12)
    assert memo["implied_pe"] == pytest.approx(total / recurring, rel=1e-12)
    # Q3 2025 alone: 21.2 - 0.79 x 9.5 + 0.79 x 4.3 = 17.09 a quarter (the review's ~17.1).
    q3 = S.sotp(shipped, kuiper_dict(), period="2025-Q3").memo
    assert q3["recurring_net_income_annual_usd"] == pytest.approx(4 * 17.092e9, rel=1e-4)


def test_the_anthropic_stake_is_a_dated_mark_by_the_chosen_method(shipped, toml):
    r = S.sotp(shipped, kuiper_dict())
    line = next(s for s in r.segments if s["name"] == "Anthropic stake")
    marks = [m for m in toml["anthropic_mark"] if m["method"] == "carrying"]
    assert line["value_usd"] == marks[-1]["value_usd"]
    rr = S.sotp(shipped.with_values(anthropic_method="last_round"), kuiper_dict())
    last = [m for m in toml["anthropic_mark"] if m["method"] == "last_round"][-1]
    assert segment(rr, "Anthropic stake") == last["value_usd"]
    assert r.as_of_inputs["anthropic_mark_utc"] == str(marks[-1]["date_utc"])


def test_the_aws_synergy_is_counted_once_in_the_kuiper_line(shipped):
    base = S.sotp(shipped, kuiper_dict(synergy=0.4e9))
    more = S.sotp(shipped, kuiper_dict(synergy=5.4e9))
    delta = 5.0e9
    # Only the Kuiper line moves, and by exactly the synergy's change: not in AWS too.
    for a, b in zip(base.segments, more.segments, strict=True):
        if a["name"] == "Kuiper / Amazon Leo":
            assert b["value_usd"] - a["value_usd"] == pytest.approx(delta, rel=1e-9)
        else:
            assert a["value_usd"] == b["value_usd"]
    assert more.total_usd - base.total_usd == pytest.approx(delta, rel=1e-9)
    assert sum("synergy" in s["name"].lower() for s in base.segments) == 0


def test_the_anthropic_gains_are_not_capitalised(shipped):
    base = S.sotp(shipped, kuiper_dict())
    bigger = dataclasses.replace(
        shipped,
        one_offs=tuple(
            {**o, "usd": o["usd"] * 10} if "Anthropic" in o["name"] else o for o in shipped.one_offs
        ),
    )
    r = S.sotp(bigger, kuiper_dict())
    assert [s["value_usd"] for s in r.segments] == [s["value_usd"] for s in base.segments]
    assert r.memo["recurring_net_income_annual_usd"] < base.memo["recurring_net_income_annual_usd"]


def test_kuiper_line_carries_its_distribution(shipped):
    k = kuiper_dict()
    r = S.sotp(shipped, k)
    assert segment(r, "Kuiper / Amazon Leo") == k["total"]["mean"]
    assert r.kuiper == {q: k["total"][q] for q in ("p10", "p50", "p90")}


def test_kuiper_json_round_trip_equals_the_dict(shipped):
    k = kuiper_dict()
    assert S.sotp(shipped, json.dumps(k)).to_dict() == S.sotp(shipped, k).to_dict()
    assert S.load_kuiper_json(json.dumps(k).encode()) == k


def test_sotp_takes_a_valuation_object(shipped, seeded_db):
    from kuiper.store import Store
    from kuiper.value import value_kuiper

    with Store(seeded_db) as store:
        v = value_kuiper(store, trials=1000, seed=1)
    r = S.sotp(shipped, v)
    assert segment(r, "Kuiper / Amazon Leo") == v.total["mean"]
    assert S.sotp(shipped, json.dumps(v.to_dict())).to_dict() == r.to_dict()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("total"), "missing field"),
        (lambda d: d.update(currency="EUR"), "currency"),
        (lambda d: d["total"].update(p50="big"), "total.p50"),
        (lambda d: d["static_npv"].update(p10=1e30), "p10 <= p50 <= p90"),
        (lambda d: d["total"].update(mean=d["total"]["mean"] + 1e9), "total.mean"),
        (lambda d: d.update(as_of="yesterday"), "as_of"),
        (lambda d: d.update(assumptions=[]), "assumptions"),
    ],
)
def test_load_kuiper_json_rejects_bad_fields_in_one_line(mutate, message):
    d = copy.deepcopy(kuiper_dict())
    mutate(d)
    with pytest.raises(KuiperError) as err:
        S.load_kuiper_json(json.dumps(d))
    assert "\n" not in str(err.value) and message in str(err.value)


@pytest.mark.parametrize(
    "text", ["", "not json", "[1, 2]", "null", '{"as_of": 1}', "\xff", "[" * 5000]
)
def test_load_kuiper_json_rejects_garbage_in_one_line(text):
    with pytest.raises(KuiperError) as err:
        S.load_kuiper_json(text)
    assert "\n" not in str(err.value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_load_kuiper_json_never_crashes(text):
    try:
        S.load_kuiper_json(text)
    except KuiperError as exc:
        assert "\n" not in str(exc)


def _corrupt(tmp_path, old: str, new: str) -> Path:
    text = SHIPPED.read_text()
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("value = 180.2e9", 'value = "lots"', "net_sales_usd"),
        ("value = 25.0\n", "value = -25.0\n", "aws_ev_to_operating_income"),
        (
            'tag = "seen", source = "Amazon Q3 2025 release: net',
            'tag = "rumour", source = "x',
            "net_sales_usd",
        ),
        ('end_utc = "2025-09-30"', 'end_utc = "2025-09-31"', "end_utc"),
        ('reported_utc = "2025-10-30"', 'reported_utc = "2025-09-01"', "reported_utc"),
        ("stock_fraction = 0.60", "stock_fraction = 1.5", "stock_fraction"),
        ('kind = "gain"', 'kind = "windfall"', "kind"),
        ('method = "carrying"\nsource', 'method = "vibes"\nsource', "method"),
        ("include_leases = false", "include_leases = 0", "include_leases"),
        ("[multiple.retail_ev_to_sales]", "[multiple.retail]", "retail"),
        ("value = 180.2e9", "value = 30.0e9", "net_sales_usd"),
        ("schema_version = 2", "schema_version = 7", "schema_version"),
    ],
)
def test_config_errors_are_one_line_naming_file_and_field(tmp_path, old, new, field):
    path = _corrupt(tmp_path, old, new)
    with pytest.raises(ManifestError) as err:
        S.load_sotp_config(path)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and field in msg


def test_load_kuiper_json_rejects_numbers_too_large_for_a_float():
    d = kuiper_dict()
    text = json.dumps(d).replace(str(d["total"]["p90"]), "1" + "0" * 400, 1)
    with pytest.raises(KuiperError, match="total.p90"):
        S.load_kuiper_json(text)


# ---------------------------------------------------------------------------
# Issue 10 findings for `sotp --kuiper` (robustness review T3, T4, W6)


@pytest.mark.parametrize(
    "text",
    [
        '{"as_of": ' + "1" * 5000 + "}",  # T3: an integer too long to convert
        b"\xff\xfe{}",  # T4: not UTF-8
        json.dumps(kuiper_dict()).replace('"mean": -3000000000.0', '"mean": NaN', 1),  # W6
        json.dumps(kuiper_dict()).replace('"mean": -3000000000.0', '"mean": Infinity', 1),
    ],
    ids=["T3_huge_integer", "T4_not_utf8", "W6_nan", "W6_infinity"],
)
def test_T3_T4_W6_bad_kuiper_json_is_one_line(text):
    with pytest.raises(KuiperError) as err:
        S.load_kuiper_json(text)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "stdin",
    [b"\xff\xfe\x00garbage", b'{"as_of": ' + b"9" * 6000 + b"}"],
    ids=["T4_non_utf8_stdin", "T3_huge_integer_stdin"],
)
def test_T3_T4_sotp_cli_bad_stdin_is_one_line(stdin):
    from click.testing import CliRunner

    from kuiper.cli import main

    result = CliRunner().invoke(main, ["sotp", "--kuiper", "-", "--json"], input=stdin)
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "kuiper valuation JSON" in lines[0]


def test_sotp_cli_pipes_a_valuation_and_warns_on_an_old_period():
    from click.testing import CliRunner

    from kuiper.cli import main

    runner = CliRunner()
    text = json.dumps(kuiper_dict())
    ok = runner.invoke(main, ["sotp", "--kuiper", "-", "--json"], input=text)
    assert ok.exit_code == 0, ok.output
    d = json.loads(ok.stdout)
    assert d["period"] >= "2026-Q2"
    old = runner.invoke(
        main, ["sotp", "--kuiper", "-", "--json", "--period", "2025-Q3"], input=text
    )
    assert old.exit_code == 0
    assert "warning: period 2025-Q3" in old.stderr
    assert json.loads(old.stdout)["period"] == "2025-Q3"


@pytest.mark.parametrize(
    ("values", "what"),
    [({"aws_ev_to_operating_income": 1e308}, "AWS"), ({"retail_ev_to_sales": 1e307}, "Retail")],
    ids=["W6_huge_multiple", "W6_huge_sum"],
)
def test_W6_non_finite_sotp_results_are_errors(shipped, values, what):
    with pytest.raises(KuiperError, match=what):
        S.sotp(shipped.with_values(**values), kuiper_dict())


def test_W14_negative_anthropic_stake_is_refused(tmp_path):
    path = _corrupt(tmp_path, "value_usd = 60.6e9", "value_usd = -17.5e9")
    with pytest.raises(ManifestError, match="value_usd"):
        S.load_sotp_config(path)
