"""A sum-of-the-parts (SOTP) model of Amazon on dated, sourced results, with Kuiper as one line.

Segments and how each is valued (multiples are the user's assumptions in
``kuiper/data/sotp.toml``; every reported figure there is dated and sourced):

- **AWS**: EV / operating income x TTM AWS operating income (one-offs inside it removed).
  AWS's own figures only; the Leo-driven AWS synergy is never added here.
- **Advertising** and **Retail and subscriptions**: EV / sales on TTM sales (default), or
  together on EV / operating income (``method.retail = "ev_ebit"``), where Leo's opex,
  which sits inside North America's operating income, is added back once (the
  double-count guard) because the Kuiper line carries Leo's costs.
- **Anthropic stake**: a dated mark by a named method (``carrying`` or ``last_round``);
  gains on it are one-offs and never capitalised.
- **Kuiper / Amazon Leo**: the mean total of :func:`kuiper.value.value_kuiper` (or of
  ``kuiper value --json``), with its P10/P50/P90.
- **Globalstar (pro forma)**: what is acquired (the D2D leg of the Kuiper valuation where
  there is one, else the deal price) less the cash paid; the AMZN shares issued enter
  the per-share figure.
- **Net cash**: cash and securities less debt (and less leases if chosen), from the
  newest balance sheet on file, with its date.

The base is the trailing twelve months ending at the chosen period; with fewer than four
quarters on file it is that quarter x 4, and the output says so. A memo gives recurring
earnings (all one-offs removed, gains and charges alike) and the implied P/E.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

from ..errors import KuiperError
from .config import _is_number
from .sotp_inputs import BALANCE, Quarter, SotpConfig, load_sotp_config

__all__ = ["SotpConfig", "SotpResult", "load_sotp_config", "load_kuiper_json", "sotp"]

KUIPER_KEYS = (
    "as_of",
    "currency",
    "static_npv",
    "option_premium",
    "aws_synergy",
    "total",
    "per_share",
    "assumptions",
)
SUMMARY_KEYS = ("p10", "p50", "p90", "mean")
# A period older than this many quarters before the Kuiper valuation date gets a warning.
STALE_QUARTERS = 2


# ---------------------------------------------------------------------------
# The Kuiper line


def _fail(reason: str):
    raise KuiperError(f"kuiper valuation JSON: {reason}")


def _validate_kuiper(data) -> dict:
    if not isinstance(data, dict):
        _fail(f"expected a JSON object, got {type(data).__name__}")
    missing = [k for k in KUIPER_KEYS if k not in data]
    if missing:
        _fail(
            f"missing field(s) {', '.join(missing)} (expected the output of 'kuiper value --json')"
        )
    if data["currency"] != "USD":
        _fail(f"field 'currency' is {data['currency']!r}, expected 'USD'")
    if not isinstance(data["as_of"], str):
        _fail("field 'as_of' must be an ISO 8601 date-time string")
    try:
        dt.datetime.fromisoformat(data["as_of"].replace("Z", "+00:00"))
    except ValueError:
        _fail(f"field 'as_of' is not an ISO 8601 date-time: {data['as_of']!r}")
    for key in ("static_npv", "option_premium", "aws_synergy", "total", "per_share"):
        s = data[key]
        if not isinstance(s, dict):
            _fail(f"field '{key}' must be an object with p10, p50, p90, mean")
        for q in SUMMARY_KEYS:
            if not _is_number(s.get(q)):
                _fail(f"field '{key}.{q}' must be a finite number, got {s.get(q)!r}")
        if not s["p10"] <= s["p50"] <= s["p90"]:
            _fail(f"field '{key}' needs p10 <= p50 <= p90")
    if not isinstance(data["assumptions"], dict):
        _fail("field 'assumptions' must be an object")
    parts = sum(data[k]["mean"] for k in ("static_npv", "option_premium", "aws_synergy"))
    total = data["total"]["mean"]
    if abs(parts - total) > 1e-6 * max(abs(total), abs(parts), 1.0) + 1.0:
        _fail(
            f"total.mean ({total:.6g}) is not static_npv + option_premium + aws_synergy "
            f"({parts:.6g})"
        )
    return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def load_kuiper_json(text: str | bytes) -> dict:
    """Parse and validate a Kuiper valuation in the form of ``Valuation.to_dict()``.

    Raises
    ------
    KuiperError
        One line saying which field is wrong (or that the text is not JSON).
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            _fail("not UTF-8 text")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        _fail(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
    except RecursionError:
        _fail("not valid JSON (nested too deeply)")
    except ValueError as exc:  # an integer too long to convert, or NaN/Infinity
        if "digits" in str(exc):
            _fail("a number has too many digits (more than 4300); is it the right file?")
        _fail(f"not valid JSON ({str(exc).splitlines()[0]})")
    return _validate_kuiper(data)


# ---------------------------------------------------------------------------
# The model


@dataclasses.dataclass
class SotpResult:
    """Segments with their dated inputs, the Kuiper line's distribution, total, per share."""

    period: str
    basis: str
    segments: list
    kuiper: dict
    kuiper_as_of: str
    total_usd: float
    shares: dict
    per_share_usd: float
    memo: dict
    as_of_inputs: dict
    warnings: list

    def to_dict(self) -> dict:
        return {
            "segments": self.segments,
            "kuiper": self.kuiper,
            "total_usd": self.total_usd,
            "per_share_usd": self.per_share_usd,
            "period": self.period,
            "basis": self.basis,
            "as_of_inputs": self.as_of_inputs,
            "shares": self.shares,
            "memo": self.memo,
            "warnings": self.warnings,
        }

    def render(self) -> str:
        """A plain-text table in billions of USD."""
        k, m, s = self.kuiper, self.memo, self.shares
        lines = [
            f"Amazon sum of the parts, {self.basis} to {self.period} (USD billions; "
            "multiples are assumptions)",
            "",
            f"{'segment':<30}{'value':>9}  method",
        ]
        for seg in self.segments:
            lines.append(f"{seg['name']:<30}{seg['value_usd'] / 1e9:>9.1f}  {seg['method']}")
        lines += [
            f"{'total':<30}{self.total_usd / 1e9:>9.1f}",
            f"{'per Amazon share (USD)':<30}{self.per_share_usd:>9.2f}  on "
            f"{s['total'] / 1e9:.3f}B shares ({s['diluted'] / 1e9:.3f}B diluted + "
            f"{s['globalstar_new'] / 1e9:.3f}B for Globalstar)",
            "",
            f"Kuiper / Amazon Leo (as of {self.kuiper_as_of[:10]}): P10 {k['p10'] / 1e9:.2f}, "
            f"P50 {k['p50'] / 1e9:.2f}, P90 {k['p90'] / 1e9:.2f}",
            f"memo: recurring net income {m['recurring_net_income_annual_usd'] / 1e9:.1f} "
            f"({m['basis']}; one-offs removed: "
            + ", ".join(
                f"{o['quarter']} {o['name']} {'-' if o['kind'] == 'gain' else '+'}"
                f"{o['usd'] / 1e9:.1f}"
                for o in m["one_offs"]
            )
            + f"); implied P/E {m['implied_pe']:.1f}",
            "inputs: " + ", ".join(f"{key} {value}" for key, value in self.as_of_inputs.items()),
        ]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _kuiper_dict(kuiper) -> dict:
    if kuiper is None:
        from .model import value_kuiper

        kuiper = value_kuiper()
    if hasattr(kuiper, "to_dict"):
        kuiper = kuiper.to_dict()
    if isinstance(kuiper, str | bytes):
        return load_kuiper_json(kuiper)
    return _validate_kuiper(kuiper)


def _quarter_index(name: str) -> int:
    return int(name[:4]) * 4 + int(name[6]) - 1


def _date_quarter_index(d: dt.date) -> int:
    return d.year * 4 + (d.month - 1) // 3


def _resolve(config) -> SotpConfig:
    if config is None:
        return load_sotp_config()
    if isinstance(config, SotpConfig):
        return config
    if isinstance(config, str | Path):
        return load_sotp_config(config)
    raise KuiperError(f"config must be a path or a SotpConfig, got {type(config).__name__}")


def _base(cfg: SotpConfig, period: str | None) -> tuple[Quarter, list, str]:
    by_name = {q.name: q for q in cfg.quarters}
    if period is None:
        period = cfg.quarters[-1].name
    if period not in by_name:
        shown = period if len(period) <= 40 else period[:40] + "..."
        raise KuiperError(
            f"period {shown!r} is not on file in {cfg.path} (have: "
            f"{', '.join(q.name for q in cfg.quarters)})"
        )
    end = _quarter_index(period)
    wanted = [f"{i // 4}-Q{i % 4 + 1}" for i in range(end - 3, end + 1)]
    if all(n in by_name for n in wanted):
        return by_name[period], [by_name[n] for n in wanted], "trailing twelve months"
    return by_name[period], [by_name[period]], f"{period} x 4 (fewer than four quarters on file)"


def _one_offs_in(cfg: SotpConfig, quarters: list) -> list:
    names = {q.name for q in quarters}
    return [o for o in cfg.one_offs if o["quarter"] in names]


def _adjust(one_offs: list, line: str, segment: str | None = None) -> float:
    """Amount to add to a reported figure to remove its one-offs (charges back, gains out)."""
    return math.fsum(
        (o["usd"] if o["kind"] == "charge" else -o["usd"])
        for o in one_offs
        if o["line"] == line and (segment is None or o["segment"] == segment)
    )


def _inputs(quarters: list, key: str) -> list:
    return [
        {"name": key, "quarter": q.name, "end_utc": q.end_utc.isoformat(), **q.figures[key]}
        for q in quarters
    ]


def _latest(items, date_key: str, on_or_before: dt.date, what: str, path: str):
    found = [x for x in items if x[date_key] <= on_or_before]
    if not found:
        raise KuiperError(f"{path}: no {what} dated on or before {on_or_before}")
    return found[-1]


def sotp(
    config: SotpConfig | str | Path | None = None,
    kuiper=None,
    *,
    period: str | None = None,
) -> SotpResult:
    """Value Amazon as a sum of its parts, Kuiper / Amazon Leo and Globalstar included.

    Parameters
    ----------
    config : SotpConfig or path, optional
        Default the shipped ``sotp.toml``.
    kuiper : Valuation, dict or str, optional
        A :class:`kuiper.value.Valuation`, its ``to_dict()``, or that dict as JSON text.
        Default: :func:`kuiper.value.value_kuiper` on the default store.
    period : str, optional
        The reported quarter the base ends at, ``YYYY-Qn``; default the newest on file.

    Returns
    -------
    SotpResult
        USD; ``to_dict()`` gives the JSON form. ``warnings`` names a period more than two
        quarters older than the Kuiper valuation date.
    """
    cfg = _resolve(config)
    kd = _kuiper_dict(kuiper)
    last, base, basis = _base(cfg, period)
    scale = 4.0 if len(base) == 1 else 1.0
    mult = cfg.multiples
    one_offs = _one_offs_in(cfg, base)

    def ttm(key: str) -> float:
        return scale * math.fsum(q.value(key) for q in base)

    aws_oi = ttm("aws_operating_income_usd") + scale * _adjust(one_offs, "operating", "aws")
    segments = [
        {
            "name": "AWS",
            "value_usd": mult["aws_ev_to_operating_income"] * aws_oi,
            "method": f"{mult['aws_ev_to_operating_income']:g}x EV/operating income on "
            f"{aws_oi / 1e9:.1f}B (AWS's own, one-offs removed); no Leo synergy",
            "inputs": _inputs(base, "aws_operating_income_usd"),
        }
    ]
    ads = ttm("advertising_revenue_usd")
    retail_sales = ttm("net_sales_usd") - ttm("aws_revenue_usd") - ads
    leo_back = 0.0
    if cfg.retail_method == "ev_sales":
        segments += [
            {
                "name": "Advertising",
                "value_usd": mult["advertising_ev_to_sales"] * ads,
                "method": f"{mult['advertising_ev_to_sales']:g}x EV/sales on {ads / 1e9:.1f}B",
                "inputs": _inputs(base, "advertising_revenue_usd"),
            },
            {
                "name": "Retail and subscriptions",
                "value_usd": mult["retail_ev_to_sales"] * retail_sales,
                "method": f"{mult['retail_ev_to_sales']:g}x EV/sales on {retail_sales / 1e9:.1f}B "
                "(net sales less AWS and advertising)",
                "inputs": _inputs(base, "net_sales_usd"),
            },
        ]
    else:
        oi = (
            ttm("operating_income_usd")
            - ttm("aws_operating_income_usd")
            + scale * _adjust(one_offs, "operating", "retail")
        )
        if cfg.leo["add_back"]:
            leo_back = cfg.leo["opex_ttm_usd"]
        segments.append(
            {
                "name": "Retail and advertising",
                "value_usd": mult["retail_ev_to_operating_income"] * (oi + leo_back),
                "method": f"{mult['retail_ev_to_operating_income']:g}x EV/operating income on "
                f"{(oi + leo_back) / 1e9:.1f}B (non-AWS, one-offs removed"
                + (f", Leo opex {leo_back / 1e9:.1f}B added back)" if leo_back else ")"),
                "inputs": _inputs(base, "operating_income_usd")
                + [{"name": "leo_opex_ttm_usd", "value": leo_back, "source": cfg.leo["source"]}],
            }
        )
    mark = _latest(
        [m for m in cfg.anthropic_marks if m["method"] == cfg.anthropic_method],
        "date_utc",
        last.reported_utc,
        f"Anthropic mark by method {cfg.anthropic_method!r}",
        cfg.path,
    )
    segments.append(
        {
            "name": "Anthropic stake",
            "value_usd": mark["value_usd"],
            "method": f"{cfg.anthropic_method} mark of {mark['date_utc']}; gains on it are "
            "one-offs, never capitalised",
            "inputs": [{"name": "anthropic_mark", **mark, "date_utc": str(mark["date_utc"])}],
        }
    )
    total_k = kd["total"]
    segments.append(
        {
            "name": "Kuiper / Amazon Leo",
            "value_usd": total_k["mean"],
            "method": f"Monte Carlo mean (static + options + AWS synergy) as of {kd['as_of'][:10]}",
            "inputs": [{"name": "kuiper_value_as_of", "value": kd["as_of"]}],
        }
    )
    g = cfg.globalstar
    d2d = (kd.get("d2d") or {}).get("gross_pv_usd")
    acquired = d2d["mean"] if isinstance(d2d, dict) and _is_number(d2d.get("mean")) else None
    acquired_source = "the D2D leg of the Kuiper valuation (gross of the price)"
    if acquired is None:
        acquired, acquired_source = g["value_acquired_usd"], g["value_acquired_source"]
    cash_paid = (1.0 - g["stock_fraction"]) * g["price_usd"]
    new_shares = g["stock_fraction"] * g["price_usd"] / g["price_per_share_usd"]
    new_shares *= g["exchange_ratio_amzn"]
    segments.append(
        {
            "name": "Globalstar (pro forma)",
            "value_usd": acquired - cash_paid,
            "method": f"value acquired {acquired / 1e9:.2f}B less cash paid {cash_paid / 1e9:.2f}B "
            f"({1 - g['stock_fraction']:.0%} of {g['price_usd'] / 1e9:.2f}B); "
            f"{new_shares / 1e6:.1f}M new AMZN shares",
            "inputs": [
                {"name": "value_acquired_usd", "value": acquired, "source": acquired_source},
                {"name": "price_usd", "value": g["price_usd"], "source": g["source"]},
                {
                    "name": "stock_fraction",
                    "value": g["stock_fraction"],
                    "source": g["stock_fraction_source"],
                },
                {"name": "announced_utc", "value": g["announced_utc"].isoformat()},
            ],
        }
    )
    bs = _latest(cfg.balance_sheets, "date_utc", last.end_utc, "balance sheet", cfg.path)
    leases = bs["lease_liabilities_usd"]["value"] if cfg.include_leases else 0.0
    net_cash = bs["cash_and_securities_usd"]["value"] - bs["debt_usd"]["value"] - leases
    segments.append(
        {
            "name": "Net cash" if net_cash >= 0 else "Net debt",
            "value_usd": net_cash,
            "method": "cash and securities less debt"
            + (" and leases" if cfg.include_leases else " (leases excluded)")
            + f" at {bs['date_utc']}",
            "inputs": [
                {"name": key, "date_utc": bs["date_utc"].isoformat(), **bs[key]} for key in BALANCE
            ]
            + [
                {
                    "name": "include_leases",
                    "value": cfg.include_leases,
                    "source": cfg.sources["balance"],
                }
            ],
        }
    )
    for seg in segments:
        if not math.isfinite(seg["value_usd"]):
            raise KuiperError(
                f"{cfg.path}: segment {seg['name']!r} is not finite ({seg['method']}); "
                "check its multiple and figures"
            )
    total = math.fsum(s["value_usd"] for s in segments)
    if not math.isfinite(total):
        raise KuiperError(f"{cfg.path}: the total is not finite; check the multiples")
    with_shares = [
        q for q in cfg.quarters if q.end_utc <= last.end_utc and "diluted_shares" in q.figures
    ]
    if not with_shares:
        raise KuiperError(f"{cfg.path}: no quarter up to {last.name} has diluted_shares")
    diluted = with_shares[-1].value("diluted_shares")
    shares = {
        "diluted": diluted,
        "diluted_quarter": with_shares[-1].name,
        "globalstar_new": new_shares,
        "total": diluted + new_shares,
    }
    memo = _memo(cfg, base, one_offs, scale, total)
    kuiper_date = dt.date.fromisoformat(kd["as_of"][:10])
    lag = _date_quarter_index(kuiper_date) - _quarter_index(last.name)
    warnings = []
    if lag > STALE_QUARTERS:
        warnings.append(
            f"period {last.name} is {lag} quarters older than the Kuiper valuation date "
            f"{kuiper_date}; pass a newer --period or update sotp.toml"
        )
    as_of_inputs = {
        "period_end_utc": last.end_utc.isoformat(),
        "period_reported_utc": last.reported_utc.isoformat(),
        "balance_sheet_utc": bs["date_utc"].isoformat(),
        "anthropic_mark_utc": mark["date_utc"].isoformat(),
        "globalstar_announced_utc": g["announced_utc"].isoformat(),
        "kuiper_as_of": kd["as_of"],
    }
    return SotpResult(
        period=last.name,
        basis=basis,
        segments=segments,
        kuiper={q: total_k[q] for q in ("p10", "p50", "p90")},
        kuiper_as_of=kd["as_of"],
        total_usd=total,
        shares=shares,
        per_share_usd=_finite(total / shares["total"], "per-share value", cfg.path),
        memo=memo,
        as_of_inputs=as_of_inputs,
        warnings=warnings,
    )


def _finite(x: float, what: str, path: str) -> float:
    if not math.isfinite(x):
        raise KuiperError(f"{path}: the {what} is not finite; check diluted_shares and multiples")
    return x


def _memo(cfg: SotpConfig, base: list, one_offs: list, scale: float, total: float) -> dict:
    """Recurring net income: every one-off out, gains and charges alike, after tax."""
    keep = 1.0 - cfg.tax_rate
    parts = []
    for q in base:
        mine = [o for o in one_offs if o["quarter"] == q.name]
        if q.value("net_income_usd") is not None:
            adj = _adjust(mine, "operating") + _adjust(mine, "non_operating")
            parts.append(q.value("net_income_usd") + keep * adj)
        else:
            # Net income not on file: operating income, one-offs removed, after tax.
            oi = q.value("operating_income_usd") + _adjust(mine, "operating")
            parts.append(keep * oi)
    recurring = scale * math.fsum(parts)
    estimated = [q.name for q in base if q.value("net_income_usd") is None]
    return {
        "recurring_net_income_annual_usd": recurring,
        "basis": ("x4 " if scale != 1.0 else "TTM ")
        + (
            f"(net income of {', '.join(estimated)} not on file: operating income x (1 - tax))"
            if estimated
            else "from reported net income"
        ),
        "tax_rate": cfg.tax_rate,
        "one_offs": one_offs,
        "implied_pe": _finite(total / recurring, "implied P/E", cfg.path)
        if recurring > 0
        else None,
    }
