"""Report sections on value: Kuiper's real-options valuation and the Amazon SOTP."""

from __future__ import annotations

from .figures import figure
from .model import Context, Section, Table
from .sources import link

BILLION = 1e9
OPTIONS = {"abandon": "abandon / sell", "defer": "defer Gen-1", "expand": "expand to Gen-2"}


def _bn(x) -> str:
    return "-" if x is None else f"{x / BILLION:,.2f}"


def value_section(ctx: Context, section: Section) -> None:
    """Distribution of value, its legs and option premiums, the scenarios, and the tornado."""
    from .. import plots
    from ..value import load_valuation_config, tornado

    s = ctx.settings
    val = ctx.valuation()
    d = val.to_dict()
    section.command = (
        f"kuiper value --as-of {ctx.as_of_text} --trials {s.value_trials} --seed {s.seed}; "
        f"kuiper plot tornado --as-of {ctx.as_of_text} --trials {s.tornado_trials}"
    )
    date = f"{val.as_of:%Y-%m-%d}"
    quantiles = ("p10", "p50", "p90", "mean")
    legs = [("static NPV", val.static_npv)]
    legs += [(f"  + {OPTIONS[k]}", val.options[k]) for k in OPTIONS if k in val.options]
    legs += [
        ("option premium (all options)", val.option_premium),
        ("AWS integration", val.aws_synergy),
        ("total", val.total),
    ]
    section.tables.append(
        Table(
            f"Kuiper / Amazon Leo value as of {date} (USD billions; {val.trials:,} trials)",
            ["leg", "P10 (USD bn)", "P50 (USD bn)", "P90 (USD bn)", "mean (USD bn)"],
            [[label] + [_bn(leg[q]) for q in quantiles] for label, leg in legs]
            + [["per Amazon share (USD)"] + [f"{val.per_share[q]:.2f}" for q in quantiles]],
            note="Each option's premium is the per-trial difference between the value with "
            "that option exercised by its fitted rule and the static value on the same paths; "
            "its mean is the option's value.",
        )
    )
    dec, reg = val.decisions, val.regulation
    section.tables.append(
        Table(
            f"Decisions and regulation (decisions every {val.policy['decision_interval_months']} "
            f"months from {val.policy['decision_dates'][0]})",
            ["event", "probability or value"],
            [
                ["exit at the first allowed decision", f"{dec['p_abandon_first_decision']:.1%}"],
                ["exit (abandon or sell) at some decision", f"{dec['p_abandon']:.1%}"],
                ["expand to Gen-2", f"{dec['p_expand']:.1%}"],
                ["defer Gen-1", f"{dec['p_defer']:.1%}"],
                ["licence cut (47 CFR 25.164(b))", f"{reg['p_licence_cut']:.1%}"],
                [
                    "static NPV if waived, mean",
                    f"{_bn(reg['static_npv_if_waived_usd']['mean'])} USD bn",
                ],
                [
                    "static NPV if cut on any miss, mean",
                    f"{_bn(reg['static_npv_if_cut_usd']['mean'])} USD bn",
                ],
            ],
            note=f"capacity: {val.capacity['source']}",
        )
    )
    _scenarios(section, val)
    section.figures.append(
        figure(
            plots.plot_value_distribution(val.samples),
            "value-distribution",
            f"Value per trial as of {date} (USD billions, {val.trials:,} trials).",
        )
    )
    names = None
    if s.tornado_parameters is not None:
        known = load_valuation_config().parameters
        names = [p for p in s.tornado_parameters if p in known]
        section.missing += [
            f"tornado parameter {p!r} (not in valuation.toml)"
            for p in s.tornado_parameters
            if p not in known
        ]
    torn = tornado(forecast=ctx.forecast(), trials=s.tornado_trials, seed=s.seed, parameters=names)
    which = (
        "every assumption"
        if names is None
        else f"{len(names)} assumptions (the largest levers; --full-tornado swings all)"
    )
    section.figures.append(
        figure(
            plots.plot_tornado(torn),
            "value-tornado",
            f"How the mean total value and the static NPV (USD billions) move as each of "
            f"{which} swings from its low to its high ({s.tornado_trials:,} trials per run).",
        )
    )
    section.data = {"valuation": d, "tornado": torn}
    section.facts.append(
        (f"{val.total['mean'] / BILLION:.2f} USD bn", f"Kuiper value, mean, as of {date}")
    )
    top = torn["rows"][:3]
    premiums = ", ".join(
        f"{OPTIONS[k]} {_bn(val.options[k]['mean'])}" for k in OPTIONS if k in val.options
    )
    section.reading = [
        f"As of {date} the model values Kuiper / Amazon Leo at a mean "
        f"{val.total['mean'] / BILLION:.2f} USD bn (P10 {_bn(val.total['p10'])}, P90 "
        f"{_bn(val.total['p90'])}): a static NPV of {_bn(val.static_npv['mean'])}, "
        f"{_bn(val.option_premium['mean'])} from managing the project ({premiums}) and "
        f"{_bn(val.aws_synergy['mean'])} of AWS integration (USD bn, means).",
        f"Of the {len(torn['rows'])} assumptions swung, those that move it most: "
        + ", ".join(f"{r['name']} ({r['low']:g} to {r['high']:g} {r['unit']})" for r in top)
        + ".",
    ]
    section.sources += [link("valuation.toml", label="valuation.toml: every valuation assumption")]
    section.sources += [link("valuation.toml", f"parameter.{r['name']}") for r in torn["rows"][:8]]


def _scenarios(section: Section, val) -> None:
    """The bear/base/bull DCF beside the Monte Carlo, and the base case by year."""
    from .. import plots

    sc = val.scenarios
    if not sc:
        section.missing.append("the scenario DCF (the valuation returned none)")
        return
    names = [k for k in ("bear", "base", "bull") if k in sc]
    section.tables.append(
        Table(
            "Scenario DCF: no options, same inputs (USD billions)",
            ["scenario", "weight", "NPV (USD bn)", "AWS integration (USD bn)"],
            [
                [k, f"{sc[k]['weight']:.2f}", _bn(sc[k]["npv_usd"]), _bn(sc[k]["synergy_usd"])]
                for k in names
            ]
            + [["weighted", "", _bn(sc["weighted_usd"]), ""]],
            note=f"Monte Carlo static NPV mean: {_bn(val.static_npv['mean'])} USD bn.",
        )
    )
    base = sc.get("base", {}).get("years") or []
    if base:
        section.tables.append(
            Table(
                "Base case by year (USD billions; subscribers in millions)",
                ["year", "revenue", "opex", "capex", "free cash flow", "subscribers (M)"],
                [
                    [
                        str(y["year"]),
                        _bn(y["revenue_usd"]),
                        _bn(y["opex_usd"]),
                        _bn(y["capex_usd"]),
                        _bn(y["fcf_usd"]),
                        f"{y['subscribers_served'] / 1e6:.2f}",
                    ]
                    for y in base[::2]
                ],
            )
        )
        section.figures.append(
            figure(
                plots.plot_scenario_cash_flows(sc),
                "value-scenarios",
                "Free cash flow by year in the bear, base and bull scenarios (USD billions, "
                "no options).",
            )
        )
    comp = val.comparables
    if comp and comp.get("kuiper_ebitda_usd") is not None:
        section.tables.append(
            Table(
                f"Comparables ({comp['year']})",
                ["quantity", "value"],
                [
                    ["Starlink 2025 EBITDA", f"{_bn(comp['starlink_ebitda_2025_usd'])} USD bn"],
                    [
                        "Starlink EV per subscriber",
                        f"{comp['starlink_ev_per_subscriber_usd']:,.0f} USD",
                    ],
                    [
                        f"Leo base-case EBITDA {comp['year']}",
                        f"{_bn(comp['kuiper_ebitda_usd'])} USD bn",
                    ],
                    [
                        "Leo at Starlink's multiple, discounted",
                        f"{_bn(comp['value_at_starlink_multiple_usd'])} USD bn",
                    ],
                ],
            )
        )


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
        f"Kuiper / Amazon Leo is {_bn(k['p10'])} to {_bn(k['p90'])} USD bn (P10-P90) of it, "
        f"as valued in the section above as of {result.kuiper_as_of[:10]}.",
    ]
    section.sources += [link("sotp.toml", label="sotp.toml: figures and multiples")]
