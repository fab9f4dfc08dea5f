"""kuiper.sotp: Q3 2025 defaults, no capitalised Anthropic gain, no double-counted synergy."""

from __future__ import annotations

import copy
import json
import math
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


def segment(result, name: str) -> float:
    return next(s["value_usd"] for s in result.segments if s["name"] == name)


def test_defaults_are_amazons_q3_2025_results(shipped):
    f = shipped.figures
    assert shipped.period == "2025-Q3"
    # Amazon Q3 2025 release, as confirmed in shared/data/VALUATION.md section 5.
    assert f["net_sales_usd"] == 180.2e9
    assert f["aws_revenue_usd"] == 33.0e9
    assert f["aws_growth"] == pytest.approx(0.20, abs=0.005)
    assert f["aws_operating_income_usd"] == 11.4e9
    assert f["advertising_revenue_usd"] == 17.7e9
    assert f["advertising_growth"] == 0.22
    assert f["net_income_usd"] == 21.2e9
    assert f["anthropic_gain_pretax_usd"] == 9.5e9


def test_to_dict_names_and_totals_add_up(shipped):
    r = S.sotp(shipped, kuiper_dict())
    d = json.loads(json.dumps(r.to_dict()))
    assert list(d) == ["segments", "kuiper", "total_usd", "per_share_usd"]
    assert list(d["kuiper"]) == ["p10", "p50", "p90"]
    for s in d["segments"]:
        assert list(s) == ["name", "value_usd", "method"]
    names = [s["name"] for s in d["segments"]]
    for expected in ("AWS", "Advertising", "Retail and subscriptions", "Anthropic stake"):
        assert expected in names
    assert d["total_usd"] == pytest.approx(math.fsum(s["value_usd"] for s in d["segments"]))
    shares = shipped.figures["diluted_shares"]
    assert d["per_share_usd"] == pytest.approx(d["total_usd"] / shares, rel=1e-12)
    assert "per Amazon share" in r.render()


def test_aws_is_valued_on_its_own_figures_only(shipped):
    r = S.sotp(shipped, kuiper_dict())
    multiple = shipped.multiples["aws_ev_to_operating_income"]
    assert segment(r, "AWS") == pytest.approx(multiple * 4 * 11.4e9, rel=1e-12)


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


def test_the_anthropic_gain_is_not_capitalised(shipped):
    base = S.sotp(shipped, kuiper_dict())
    # The same quarter without the gain (net income less the gain after tax) ...
    t = shipped.figures["tax_rate"]
    without = shipped.with_values(
        anthropic_gain_pretax_usd=0.0, net_income_usd=21.2e9 - 9.5e9 * (1 - t)
    )
    # ... or with a far larger gain: no segment and no total may change.
    bigger = shipped.with_values(anthropic_gain_pretax_usd=95e9, net_income_usd=21.2e9 + 85.5e9)
    for cfg in (without, bigger):
        r = S.sotp(cfg, kuiper_dict())
        assert [s["value_usd"] for s in r.segments] == [s["value_usd"] for s in base.segments]
        assert r.total_usd == base.total_usd
    # The stake is its asset value, once.
    assert segment(base, "Anthropic stake") == shipped.assets["anthropic_stake_usd"]
    assert base.memo["recurring_net_income_usd"] == pytest.approx(21.2e9 - 9.5e9 * (1 - t))


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
        ("value = 25.0", "value = -25.0", "aws_ev_to_operating_income"),
        ('tag = "seen"', 'tag = "rumour"', "net_sales_usd"),
        ("annualisation_factor = 4", "annualisation_factor = 0", "annualisation_factor"),
        ("[asset.net_cash_usd]", "[asset.cash]", "cash"),
        ("value = 180.2e9", "value = 30.0e9", "net_sales_usd"),
        ("schema_version = 1", "schema_version = 7", "schema_version"),
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
