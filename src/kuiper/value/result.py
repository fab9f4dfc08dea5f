"""The valuation's result: distributions, decisions, option premiums, scenarios, the JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np

from ..errors import KuiperError
from .config import SUMMARY_KEYS


def summary(x: np.ndarray) -> dict:
    p10, p50, p90 = np.quantile(x, [0.10, 0.50, 0.90])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90), "mean": float(np.mean(x))}


def _check_finite(samples: dict, cfg) -> None:
    """A NaN or infinity in any result is an error naming the inputs behind it (W5)."""
    for name, x in samples.items():
        if not np.all(np.isfinite(x)):
            raise KuiperError(
                f"{cfg.path}: the valuation's {name} is not finite; check the money and rate "
                "inputs (discount_rate, terminal_growth, costs, diluted_shares) for extreme values"
            )


@dataclasses.dataclass
class Valuation:
    """Kuiper's value in USD: static NPV, option premiums, AWS integration and total.

    Each summary is ``{"p10", "p50", "p90", "mean"}`` over the evaluation trials. An option
    premium's quantiles are those of the per-trial difference from the static value on the
    same paths; its mean is the option's value.
    """

    as_of: dt.datetime
    trials: int
    seed: int
    currency: str
    static_npv: dict
    option_premium: dict
    aws_synergy: dict
    total: dict
    per_share: dict
    assumptions: dict
    decisions: dict
    options: dict
    scenarios: dict | None
    capacity: dict
    regulation: dict
    d2d: dict
    demand: dict
    comparables: dict | None
    policy: dict
    diagnostics: dict
    samples: dict = dataclasses.field(repr=False)

    @classmethod
    def build(cls, *, prep, cfg, inp, static, full, premiums, theta, beta, regulation, d2d,
              scenarios, comparables, demand_path, bits) -> Valuation:  # fmt: skip
        K = bits
        leo, syn = full["leo"], full["syn"]
        total = leo + syn
        gross, price_pv = d2d
        samples = {
            "static_npv": static["leo"],
            "option_premium": leo - static["leo"],
            "aws_synergy": syn,
            "total": total,
            "d2d_gross": gross,
            **{f"premium_{k}": v for k, v in premiums.items()},
        }
        _check_finite(samples, cfg)
        shares = cfg.value("diluted_shares")
        state = full["state"]
        ab = full["abandon_dec"]
        first = (ab >= 0) & (ab == full["first_allowed"])
        assumptions = cfg.to_dict()
        assumptions.update(inp.derived)
        kept, cut = regulation["kept"], regulation["cut"]
        months = prep.month_end
        return cls(
            as_of=prep.as_of,
            trials=prep.trials,
            seed=prep.seed,
            currency="USD",
            static_npv=summary(static["leo"]),
            option_premium=summary(leo - static["leo"]),
            aws_synergy=summary(syn),
            total=summary(total),
            per_share=summary(total / shares),
            assumptions=assumptions,
            decisions={
                "p_abandon_first_decision": float(np.mean(first)),
                "p_abandon": float(np.mean(state & K.ABANDONED > 0)),
                "p_defer": float(np.mean(state & K.DEFERRED > 0)),
                "p_expand": float(np.mean(state & K.EXPANDED > 0)),
            },
            options={k: summary(v) for k, v in premiums.items()},
            scenarios=scenarios,
            capacity={
                "source": inp.derived["full_gen1_capacity_subscribers"]["source"],
                "full_gen1_subscribers": inp.derived["full_gen1_capacity_subscribers"]["value"],
                "subscribers_per_satellite": inp.derived["full_gen1_capacity_subscribers"]["value"]
                / prep.gen1_total,
                "curve": [
                    {"n_satellites": float(n), "subscribers": float(s)}
                    for n, s in zip(inp.cap_n, inp.cap_units, strict=True)
                ],
            },
            regulation={
                "p_licence_cut": float(np.mean(static["state"] & K.LICENCE_CUT > 0)),
                "static_npv_if_waived_usd": summary(kept["leo"]),
                "static_npv_if_cut_usd": summary(cut["leo"]),
                "p_licence_cut_if_never_waived": float(np.mean(cut["state"] & K.LICENCE_CUT > 0)),
            },
            d2d={
                "gross_pv_usd": summary(gross),
                "price_pv_usd": float(price_pv),
                "net_usd": summary(gross - price_pv),
                "in_total": False,
                "note": "Globalstar's D2D leg; the SOTP's Globalstar line takes it, so the "
                "Kuiper total excludes it",
            },
            demand=demand_path,
            comparables=comparables,
            policy={
                # The first model's threshold names: exit is now an LSM rule and Gen-2 a
                # utilisation threshold, so neither is a demand level any more.
                "abandon_below_usd_year": None,
                "expand_above_usd_year": None,
                "expand_above_utilisation": theta["expand"],
                "defer_below_utilisation": theta["defer"],
                "abandon_rule": "least-squares Monte Carlo" if beta is not None else "never",
                "decision_interval_months": cfg.model["decision_interval_months"],
                "decision_dates": [
                    months[m].isoformat() for m in np.flatnonzero(prep.dec_index >= 0)
                ],
            },
            diagnostics={
                "p_in_service": float(np.mean(static["state"] & K.IN_SERVICE > 0)),
                "valuation_end": months[-1].isoformat(),
                # Names of the first model, kept for callers that still read them.
                "p_abandoned": float(np.mean(state & K.ABANDONED > 0)),
                "p_expanded": float(np.mean(state & K.EXPANDED > 0)),
                "p_deferred": float(np.mean(state & K.DEFERRED > 0)),
                "p_licence_cut": float(np.mean(static["state"] & K.LICENCE_CUT > 0)),
                "demand_at_as_of_usd_year": float(demand_path["p50_usd_year"][0]),
                "full_gen1_capacity_usd_year": float(
                    inp.derived["full_gen1_revenue_capacity_usd_year"]["value"]
                ),
            },
            samples=samples,
        )

    def to_dict(self) -> dict:
        theta = self.policy
        return {
            "as_of": self.as_of.isoformat().replace("+00:00", "Z"),
            "currency": self.currency,
            "static_npv": self.static_npv,
            "option_premium": self.option_premium,
            "aws_synergy": self.aws_synergy,
            "total": self.total,
            "per_share": self.per_share,
            "assumptions": self.assumptions,
            "decisions": self.decisions,
            "options": self.options,
            "scenarios": self.scenarios,
            "capacity": self.capacity,
            "regulation": self.regulation,
            "d2d": self.d2d,
            "demand": self.demand,
            "comparables": self.comparables,
            "policy": {
                **theta,
                "expand_above_utilisation": _finite_or_none(theta["expand_above_utilisation"]),
            },
        }

    def stderr(self, name: str) -> float:
        """Monte Carlo standard error of the mean of ``name`` (antithetic pairs averaged)."""
        x = self.samples[name]
        half = x.shape[0] // 2
        pairs = 0.5 * (x[:half] + x[half : 2 * half])
        return float(np.std(pairs, ddof=1) / math.sqrt(half))

    def render(self, *, scenarios: bool = False) -> str:
        """A plain-text table in billions of USD, and USD per Amazon share."""
        lines = [
            f"Kuiper / Amazon Leo valuation as of {self.as_of:%Y-%m-%d} "
            f"({self.trials:,} trials, seed {self.seed}; USD billions)",
            "",
            f"{'':<22}{'P10':>9}{'P50':>9}{'P90':>9}{'mean':>9}{'+/- se':>8}",
        ]
        rows = [
            ("static NPV", self.static_npv, "static_npv"),
            ("  + abandon / sell", self.options["abandon"], "premium_abandon"),
            ("  + defer Gen-1", self.options["defer"], "premium_defer"),
            ("  + expand Gen-2", self.options["expand"], "premium_expand"),
            ("option premium (all)", self.option_premium, "option_premium"),
            ("AWS integration", self.aws_synergy, "aws_synergy"),
            ("total", self.total, "total"),
        ]
        for label, s, key in rows:
            lines.append(
                f"{label:<22}"
                + "".join(f"{s[k] / 1e9:>9.2f}" for k in SUMMARY_KEYS)
                + f"{self.stderr(key) / 1e9:>8.2f}"
            )
        ps = self.per_share
        lines.append(f"{'per AMZN share $':<22}" + "".join(f"{ps[k]:>9.2f}" for k in SUMMARY_KEYS))
        d, r, g = self.decisions, self.regulation, self.d2d
        lines += [
            "",
            f"P(exit at the first allowed decision) {d['p_abandon_first_decision']:.1%}   "
            f"P(exit) {d['p_abandon']:.1%}   P(Gen-2) {d['p_expand']:.1%}   "
            f"P(defer) {d['p_defer']:.1%}",
            f"regulation: P(licence cut) {r['p_licence_cut']:.1%}; static NPV mean if waived "
            f"{r['static_npv_if_waived_usd']['mean'] / 1e9:.2f}, if cut on any miss "
            f"{r['static_npv_if_cut_usd']['mean'] / 1e9:.2f}",
            f"D2D via Globalstar (not in the total): gross {g['gross_pv_usd']['mean'] / 1e9:.2f}"
            f" less price {g['price_pv_usd'] / 1e9:.2f} = {g['net_usd']['mean'] / 1e9:.2f} mean",
            f"capacity: {self.capacity['full_gen1_subscribers'] / 1e6:.2f}M subscribers at full "
            f"Gen-1 ({self.capacity['source']})",
        ]
        if scenarios and self.scenarios:
            from .scenarios import render_scenarios

            lines += ["", render_scenarios(self.scenarios, self.comparables, self.static_npv)]
        return "\n".join(lines)


def _finite_or_none(x: float):
    return x if math.isfinite(x) else None
