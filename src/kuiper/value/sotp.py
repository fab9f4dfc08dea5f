"""A small sum-of-the-parts (SOTP) model of Amazon, with Kuiper / Amazon Leo as one line.

Segments and how each is valued (multiples are the user's assumptions, in
``kuiper/data/sotp.toml``):

- **AWS**: EV / operating income x annualised AWS operating income. AWS's own
  figures only; the Leo-driven AWS synergy is never added here.
- **Advertising**: EV / sales x annualised advertising revenue.
- **Retail and subscriptions**: EV / sales x annualised (net sales - AWS - advertising).
  Non-AWS operating income includes advertising's undisclosed profit, so both use sales
  multiples and no profit is counted twice.
- **Anthropic stake**: an asset value (assumption). The quarter's $9.5B pre-tax gain on
  Anthropic is a mark-to-market inside net income: no multiple ever touches it.
- **Kuiper / Amazon Leo**: the mean total of :func:`kuiper.value.value_kuiper`
  (static NPV + option premium + AWS synergy), with its P10/P50/P90; or the same from
  ``kuiper value --json`` through :func:`load_kuiper_json`.
- **Net cash**: an assumption (0 until set).

Quarterly figures are annualised by a factor (4, a run-rate).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

from ..errors import KuiperError, ManifestError
from ..manifest import read_data_toml

__all__ = ["SotpConfig", "SotpResult", "load_sotp_config", "load_kuiper_json", "sotp"]

SCHEMA_VERSION = 1
FIGURES = (
    "net_sales_usd",
    "aws_revenue_usd",
    "aws_growth",
    "aws_operating_income_usd",
    "advertising_revenue_usd",
    "advertising_growth",
    "operating_income_usd",
    "special_charges_usd",
    "net_income_usd",
    "anthropic_gain_pretax_usd",
    "tax_rate",
    "diluted_shares",
)
MULTIPLES = ("aws_ev_to_operating_income", "advertising_ev_to_sales", "retail_ev_to_sales")
ASSETS = ("anthropic_stake_usd", "net_cash_usd")
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


@dataclasses.dataclass(frozen=True)
class SotpConfig:
    """Validated contents of a SOTP TOML: figures, multiples and asset values (floats)."""

    path: str
    period: str
    annualisation_factor: float
    figures: dict
    multiples: dict
    assets: dict
    sources: dict

    def with_values(self, **values) -> SotpConfig:
        """A copy with some figures, multiples or asset values replaced."""
        figures, multiples, assets = dict(self.figures), dict(self.multiples), dict(self.assets)
        for name, v in values.items():
            if not _is_number(v):
                raise KuiperError(f"{self.path}: {name} must be a number, got {v!r}")
            table = next((t for t in (figures, multiples, assets) if name in t), None)
            if table is None:
                raise KuiperError(f"{self.path}: unknown figure, multiple or asset {name!r}")
            table[name] = float(v)
        new = dataclasses.replace(self, figures=figures, multiples=multiples, assets=assets)
        _check(new)
        return new


def _is_number(v) -> bool:
    """A finite int or float (not a bool; not an int too large for a float)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _table(data: dict, kind: str, names: tuple, path: str) -> tuple[dict, dict]:
    table = data.get(kind)
    if not isinstance(table, dict):
        raise ManifestError(f"{path}: missing [{kind}.*] tables")
    for key in table:
        if key not in names:
            raise ManifestError(f"{path}: [{kind}.{key}] is not a known {kind}")
    values, sources = {}, {}
    for key in names:
        where = f"{path}: [{kind}.{key}]"
        entry = table.get(key)
        if not isinstance(entry, dict):
            raise ManifestError(f"{where} is missing")
        if not _is_number(entry.get("value")):
            raise ManifestError(
                f"{where} field 'value' must be a number, got {entry.get('value')!r}"
            )
        if not isinstance(entry.get("source"), str) or not entry["source"].strip():
            raise ManifestError(f"{where} field 'source' must be a non-empty string")
        if kind == "figure" and entry.get("tag") not in ("seen", "inferred", "weak"):
            raise ManifestError(f"{where} field 'tag' must be seen, inferred or weak")
        values[key] = float(entry["value"])
        sources[key] = entry["source"]
    return values, sources


def _check(cfg: SotpConfig) -> None:
    f = cfg.figures
    for key in FIGURES:
        if key.endswith("_growth"):
            continue
        if key in ("net_income_usd", "operating_income_usd", "aws_operating_income_usd"):
            continue
        if f[key] < 0:
            raise ManifestError(f"{cfg.path}: [figure.{key}] field 'value' must be >= 0")
    if not 0.0 <= f["tax_rate"] < 1.0:
        raise ManifestError(f"{cfg.path}: [figure.tax_rate] field 'value' must be within 0-1")
    if f["diluted_shares"] <= 0:
        raise ManifestError(f"{cfg.path}: [figure.diluted_shares] field 'value' must be > 0")
    if f["aws_revenue_usd"] + f["advertising_revenue_usd"] > f["net_sales_usd"]:
        raise ManifestError(
            f"{cfg.path}: [figure.net_sales_usd] field 'value' is less than AWS plus advertising"
        )
    for key, v in cfg.multiples.items():
        if v < 0:
            raise ManifestError(f"{cfg.path}: [multiple.{key}] field 'value' must be >= 0")


def load_sotp_config(path: str | Path | None = None) -> SotpConfig:
    """Read and validate a SOTP TOML (default: the shipped ``sotp.toml``).

    Raises
    ------
    ManifestError
        One line naming the file and the table and field at fault.
    """
    data, name = read_data_toml(path, "sotp.toml")
    period = data.get("period")
    if not isinstance(period, dict):
        raise ManifestError(f"{name}: missing [period] table")
    if not isinstance(period.get("name"), str):
        raise ManifestError(f"{name}: [period] field 'name' must be a string")
    factor = period.get("annualisation_factor")
    if not _is_number(factor) or factor <= 0:
        raise ManifestError(f"{name}: [period] field 'annualisation_factor' must be a number > 0")
    if not isinstance(period.get("source"), str) or not period["source"].strip():
        raise ManifestError(f"{name}: [period] field 'source' must be a non-empty string")
    figures, s1 = _table(data, "figure", FIGURES, name)
    multiples, s2 = _table(data, "multiple", MULTIPLES, name)
    assets, s3 = _table(data, "asset", ASSETS, name)
    cfg = SotpConfig(
        name, period["name"], float(factor), figures, multiples, assets,
        {**s1, **s2, **s3, "period": period["source"]},
    )  # fmt: skip
    _check(cfg)
    return cfg


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
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
    except RecursionError:
        _fail("not valid JSON (nested too deeply)")
    return _validate_kuiper(data)


# ---------------------------------------------------------------------------
# The model


@dataclasses.dataclass
class SotpResult:
    """Segments, the Kuiper line's distribution, total and per-share value (USD)."""

    period: str
    segments: list
    kuiper: dict
    kuiper_as_of: str
    total_usd: float
    per_share_usd: float
    memo: dict

    def to_dict(self) -> dict:
        return {
            "segments": self.segments,
            "kuiper": self.kuiper,
            "total_usd": self.total_usd,
            "per_share_usd": self.per_share_usd,
        }

    def render(self) -> str:
        """A plain-text table in billions of USD."""
        k = self.kuiper
        lines = [
            f"Amazon sum of the parts on {self.period} results (USD billions; "
            "multiples are assumptions)",
            "",
            f"{'segment':<28}{'value':>10}  method",
        ]
        for s in self.segments:
            lines.append(f"{s['name']:<28}{s['value_usd'] / 1e9:>10.1f}  {s['method']}")
        lines += [
            f"{'total':<28}{self.total_usd / 1e9:>10.1f}",
            f"{'per Amazon share (USD)':<28}{self.per_share_usd:>10.2f}",
            "",
            f"Kuiper / Amazon Leo (as of {self.kuiper_as_of[:10]}): P10 {k['p10'] / 1e9:.2f}, "
            f"P50 {k['p50'] / 1e9:.2f}, P90 {k['p90'] / 1e9:.2f}",
            f"memo: net income {self.memo['net_income_usd'] / 1e9:.1f} includes a "
            f"{self.memo['anthropic_gain_pretax_usd'] / 1e9:.1f} pre-tax Anthropic gain; "
            f"recurring net income {self.memo['recurring_net_income_usd'] / 1e9:.1f} "
            f"(x{self.memo['annualisation_factor']:g} = "
            f"{self.memo['recurring_net_income_annual_usd'] / 1e9:.1f}); "
            f"implied P/E {self.memo['implied_pe']:.1f}",
        ]
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


def sotp(config: SotpConfig | str | Path | None = None, kuiper=None) -> SotpResult:
    """Value Amazon as a sum of its parts, Kuiper / Amazon Leo included.

    Parameters
    ----------
    config : SotpConfig or path, optional
        Default the shipped ``sotp.toml``.
    kuiper : Valuation, dict or str, optional
        A :class:`kuiper.value.Valuation`, its ``to_dict()``, or that dict as JSON
        text. Default: :func:`kuiper.value.value_kuiper` on the default store.

    Returns
    -------
    SotpResult
        USD; ``to_dict()`` gives the JSON form.
    """
    if config is None:
        cfg = load_sotp_config()
    elif isinstance(config, SotpConfig):
        cfg = config
    elif isinstance(config, str | Path):
        cfg = load_sotp_config(config)
    else:
        raise KuiperError(f"config must be a path or a SotpConfig, got {type(config).__name__}")
    kd = _kuiper_dict(kuiper)
    f, mult, assets = cfg.figures, cfg.multiples, cfg.assets
    n = cfg.annualisation_factor
    q = cfg.period
    aws_oi = n * f["aws_operating_income_usd"]
    ads = n * f["advertising_revenue_usd"]
    retail = n * (f["net_sales_usd"] - f["aws_revenue_usd"] - f["advertising_revenue_usd"])
    total_k = kd["total"]
    syn = kd["aws_synergy"]["mean"]
    segments = [
        {
            "name": "AWS",
            "value_usd": mult["aws_ev_to_operating_income"] * aws_oi,
            "method": f"{mult['aws_ev_to_operating_income']:g}x EV/operating income on "
            f"{n:g} x {f['aws_operating_income_usd'] / 1e9:g}B ({q}, AWS's own figures; "
            f"+{f['aws_growth']:.0%} y/y); no Leo synergy",
        },
        {
            "name": "Advertising",
            "value_usd": mult["advertising_ev_to_sales"] * ads,
            "method": f"{mult['advertising_ev_to_sales']:g}x EV/sales on "
            f"{n:g} x {f['advertising_revenue_usd'] / 1e9:g}B ({q}; "
            f"+{f['advertising_growth']:.0%} y/y)",
        },
        {
            "name": "Retail and subscriptions",
            "value_usd": mult["retail_ev_to_sales"] * retail,
            "method": f"{mult['retail_ev_to_sales']:g}x EV/sales on {n:g} x "
            f"{retail / n / 1e9:.1f}B (net sales less AWS and advertising, {q})",
        },
        {
            "name": "Anthropic stake",
            "value_usd": assets["anthropic_stake_usd"],
            "method": "asset value (assumption); the "
            f"{f['anthropic_gain_pretax_usd'] / 1e9:g}B pre-tax gain in {q} net income is "
            "not capitalised",
        },
        {
            "name": "Kuiper / Amazon Leo",
            "value_usd": total_k["mean"],
            "method": "Monte Carlo mean of static NPV + option premium + AWS synergy "
            f"(synergy {syn / 1e9:.2f}B counted here only), as of {kd['as_of'][:10]}",
        },
        {
            "name": "Net cash",
            "value_usd": assets["net_cash_usd"],
            "method": "assumption (cash and securities less debt)",
        },
    ]
    total = math.fsum(s["value_usd"] for s in segments)
    shares = f["diluted_shares"]
    recurring = f["net_income_usd"] - f["anthropic_gain_pretax_usd"] * (1.0 - f["tax_rate"])
    memo = {
        "net_income_usd": f["net_income_usd"],
        "anthropic_gain_pretax_usd": f["anthropic_gain_pretax_usd"],
        "recurring_net_income_usd": recurring,
        "recurring_net_income_annual_usd": n * recurring,
        "annualisation_factor": n,
        "implied_pe": total / (n * recurring) if recurring > 0 else math.nan,
    }
    return SotpResult(
        period=q,
        segments=segments,
        kuiper={k: total_k[k] for k in ("p10", "p50", "p90")},
        kuiper_as_of=kd["as_of"],
        total_usd=total,
        per_share_usd=total / shares,
        memo=memo,
    )
