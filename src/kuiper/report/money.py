"""Report sections on value: Kuiper's real-options valuation and the Amazon SOTP."""

from __future__ import annotations

from .figures import figure
from .model import Context, Section, Table
from .sources import link

BILLION = 1e9
LEGS = (
    ("static_npv", "static NPV"),
    ("option_premium", "option premium"),
    ("aws_synergy", "AWS synergy"),
    ("total", "total"),
)


def _bn(x) -> str:
    return "-" if x is None else f"{x / BILLION:,.2f}"


def value_section(ctx: Context, section: Section) -> None:
    """Distribution of value, its legs and the exercise rule, and the tornado."""
    from .. import plots
    from ..value import tornado

    s = ctx.settings
    val = ctx.valuation()
    d = val.to_dict()
    section.command = (
        f"kuiper value --as-of {ctx.as_of_text} --trials {s.value_trials} --seed {s.seed}; "
        f"kuiper plot tornado --as-of {ctx.as_of_text} --trials {s.tornado_trials}"
    )
    date = f"{val.as_of:%Y-%m-%d}"
    section.tables.append(
        Table(
            f"Kuiper / Amazon Leo value as of {date} (USD billions; {val.trials:,} trials)",
            ["leg", "P10 (USD bn)", "P50 (USD bn)", "P90 (USD bn)", "mean (USD bn)"],
            [
                [label] + [_bn(getattr(val, key)[q]) for q in ("p10", "p50", "p90", "mean")]
                for key, label in LEGS
            ]
            + [
                ["per Amazon share (USD)"]
                + [f"{val.per_share[q]:.2f}" for q in ("p10", "p50", "p90", "mean")]
            ],
            note="The option premium is the value of managing the project (abandon or sell, "
            "expand to Gen-2, defer) over committing to the plan: per-trial difference, "
            "exercise rule fitted on independent paths.",
        )
    )
    p, g = val.policy, val.diagnostics

    def rule(x, side):
        if x is None or x != x or x in (float("inf"), float("-inf")) or x <= 0 and side == "below":
            return "never"
        return f"demand {side} {x / BILLION:.2f} USD bn/yr"

    section.tables.append(
        Table(
            f"Exercise rule and outcomes (decisions every {p['decision_interval_months']} months)",
            ["option or event", "rule or probability"],
            [
                ["abandon / sell", rule(p["abandon_below_usd_year"], "below")],
                ["expand to Gen-2", rule(p["expand_above_usd_year"], "above")],
                ["P(abandoned)", f"{g['p_abandoned']:.1%}"],
                ["P(Gen-2 expanded)", f"{g['p_expanded']:.1%}"],
                ["P(Gen-1 deferred)", f"{g['p_deferred']:.1%}"],
                ["P(licence cut, FCC 25.164(b))", f"{g['p_licence_cut']:.1%}"],
                [f"P(in service by {g['valuation_end']})", f"{g['p_in_service']:.1%}"],
                [
                    "demand at the as-of date",
                    f"{g['demand_at_as_of_usd_year'] / BILLION:.2f} USD bn/yr",
                ],
                [
                    "full Gen-1 capacity",
                    f"{g['full_gen1_capacity_usd_year'] / BILLION:.2f} USD bn/yr",
                ],
            ],
        )
    )
    section.figures.append(
        figure(
            plots.plot_value_distribution(val.samples),
            "value-distribution",
            f"Value per trial as of {date} (USD billions, {val.trials:,} trials).",
        )
    )
    torn = tornado(forecast=ctx.forecast(), trials=s.tornado_trials, seed=s.seed)
    section.figures.append(
        figure(
            plots.plot_tornado(torn),
            "value-tornado",
            f"How the mean total value and the static NPV (USD billions) move as each "
            f"assumption swings from its low to its high ({s.tornado_trials:,} trials per run).",
        )
    )
    section.data = {"valuation": d, "tornado": torn}
    section.facts.append(
        (f"{val.total['mean'] / BILLION:.2f} USD bn", f"Kuiper value, mean, as of {date}")
    )
    top = torn["rows"][:3]
    section.reading = [
        f"As of {date} the model values Kuiper / Amazon Leo at a mean "
        f"{val.total['mean'] / BILLION:.2f} USD bn (P10 {_bn(val.total['p10'])}, P90 "
        f"{_bn(val.total['p90'])}): a static NPV of {_bn(val.static_npv['mean'])} plus "
        f"{_bn(val.option_premium['mean'])} from the options to abandon, expand and defer, "
        f"and {_bn(val.aws_synergy['mean'])} of AWS synergy.",
        "The assumptions that move it most: "
        + ", ".join(f"{r['name']} ({r['low']:g} to {r['high']:g} {r['unit']})" for r in top)
        + ".",
    ]
    section.sources += [link("valuation.toml", label="valuation.toml: every valuation assumption")]
    section.sources += [link("valuation.toml", f"parameter.{r['name']}") for r in torn["rows"][:8]]


def sotp_section(ctx: Context, section: Section) -> None:
    """Amazon's sum of the parts with the Kuiper line and its P10-P90."""
    from ..value.sotp import sotp

    result = sotp(kuiper=ctx.valuation())
    d = result.to_dict()
    section.data = {"sotp": d}
    section.command = f"kuiper value --as-of {ctx.as_of_text} --json | kuiper sotp --kuiper -"
    k = result.kuiper
    basis = result.basis
    shares = result.shares
    section.tables.append(
        Table(
            f"Amazon sum of the parts, {basis} to {result.period} "
            "(USD billions; multiples are assumptions)",
            ["segment", "value (USD bn)", "method"],
            [[x["name"], f"{x['value_usd'] / BILLION:,.1f}", x["method"]] for x in d["segments"]]
            + [
                ["total", f"{d['total_usd'] / BILLION:,.1f}", ""],
                [
                    "per Amazon share (USD)",
                    f"{d['per_share_usd']:,.2f}",
                    f"on {shares['total'] / BILLION:.3f} bn shares",
                ],
            ],
            note="inputs: "
            + ", ".join(f"{key} {value}" for key, value in result.as_of_inputs.items()),
        )
    )
    line = next((x for x in d["segments"] if "Kuiper" in x["name"]), None)
    mean = line["value_usd"] if line else None
    section.tables.append(
        Table(
            f"The Kuiper / Amazon Leo line (as of {result.kuiper_as_of[:10]})",
            [
                "P10 (USD bn)",
                "P50 (USD bn)",
                "P90 (USD bn)",
                "in the SOTP: mean (USD bn)",
                "share of total",
            ],
            [
                [
                    _bn(k["p10"]),
                    _bn(k["p50"]),
                    _bn(k["p90"]),
                    _bn(mean),
                    "-" if mean is None else f"{mean / d['total_usd']:.2%}",
                ]
            ],
        )
    )
    section.warnings += list(result.warnings)
    section.reading = [
        f"On {basis} to {result.period} results, Amazon's parts add up "
        f"to {d['total_usd'] / BILLION:,.0f} USD bn ({d['per_share_usd']:,.2f} USD a share). "
        f"Kuiper / Amazon Leo is {_bn(k['p10'])} to {_bn(k['p90'])} USD bn (P10-P90) of it: "
        "small next to AWS, and the line most sensitive to the forecast.",
    ]
    section.sources += [link("sotp.toml", label="sotp.toml: figures and multiples")]
