"""The ground model's result: availability, one-way delay, round-trip time and hops per scenario."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from .engine import Route
from .sites import USER_KINDS

COORDINATES_NOTE = (
    "AWS region and Ground Station coordinates are city-level approximations, not "
    "published by AWS; latencies are good to about 0.1-0.3 ms"
)
_Q = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))


def rtt_fixed_ms(cfg: dict, which: str = "") -> float:
    """Scheduling + queueing + processing of one round trip, ms (``which``: '', 'low', 'high')."""
    sfx = f"_{which}" if which else ""
    return sum(cfg[f"rtt_{k}{sfx}_ms"] for k in ("scheduling", "queueing", "processing"))


def _r(x, nd=3):
    return None if x is None else round(float(x), nd)


def summarize(route: Route, users: list[dict], cfg: dict) -> dict:
    """The JSON summary of one routed scenario."""
    n_user = len(users)
    total = max(route.n_steps * n_user, 1)
    avail = route.user_available / max(route.n_steps, 1)
    by_kind = {}
    for kind in USER_KINDS:
        rows = [i for i, u in enumerate(users) if u["kind"] == kind]
        if rows:
            by_kind[kind] = round(float(avail[rows].mean()), 5)
    one_way = {"mean": _r(route.mean_ms())}
    for name, q in _Q:
        one_way[name] = _r(route.percentile_ms(q))
    n_ok = int(route.hop_hist.sum())
    hop_levels = np.arange(route.hop_hist.size)
    mean_hops = float((hop_levels * route.hop_hist).sum() / n_ok) if n_ok else None
    fixed = rtt_fixed_ms(cfg)
    rtt = {k: (None if v is None else round(2 * v + fixed, 2)) for k, v in one_way.items()}
    if one_way["p50"] is not None:
        dh = 2 * (mean_hops or 0.0)
        rtt["p50_low"] = round(
            2 * one_way["p50"]
            + rtt_fixed_ms(cfg, "low")
            + dh * (cfg["isl_hop_processing_low_ms"] - cfg["isl_hop_processing_ms"]),
            2,
        )
        rtt["p50_high"] = round(
            2 * one_way["p50"]
            + rtt_fixed_ms(cfg, "high")
            + dh * (cfg["isl_hop_processing_high_ms"] - cfg["isl_hop_processing_ms"]),
            2,
        )
    hops = {"mean": _r(mean_hops, 2)}
    if n_ok:
        cum = np.cumsum(route.hop_hist)
        for name, q in _Q:
            hops[name] = int(np.searchsorted(cum, q * n_ok, side="left"))
        hops["max"] = int(np.flatnonzero(route.hop_hist)[-1])
        hops["share_by_count"] = [
            round(float(x) / n_ok, 5) for x in route.hop_hist[: hops["max"] + 1]
        ]
    use = route.gateway_use / max(int(route.gateway_use.sum()), 1)
    gateways = [
        {
            "name": g["code"],
            "lat_deg": round(float(g["lat_deg"]), 3),
            "lon_deg": round(float(g["lon_deg"]), 3),
            "share_of_traffic": round(float(use[i]), 5),
        }
        for i, g in enumerate(route.gateways)
    ]
    return {
        "description": route.description,
        "routing": "isl" if route.isl else "bent_pipe",
        "availability": round(float(route.user_available.sum()) / total, 5),
        "availability_by_kind": by_kind,
        "latency_ms": one_way,
        "rtt_ms": rtt,
        "hops": hops,
        "never_reached": [users[i]["name"] for i in np.flatnonzero(route.user_available == 0)],
        "gateways": gateways,
    }


@dataclasses.dataclass
class GroundResult:
    """Availability and latency of scenarios A and B for a set of users.

    ``routes`` maps ``"isl"`` and/or ``"bent_pipe"`` to ``{"A": Route, "B": Route}``;
    the headline ``scenarios`` are the ISL routes when ``isl`` is set.
    """

    constellation: str
    date: dt.datetime
    n_satellites: int
    users: list[dict]
    duration_s: float
    step_s: float
    config: dict
    isl: bool
    routes: dict
    warnings: list[str] = dataclasses.field(default_factory=list)

    def _summaries(self, mode: str) -> dict:
        return {k: summarize(r, self.users, self.config) for k, r in self.routes[mode].items()}

    def rtt_check(self, scenarios: dict) -> dict:
        """Modelled median RTTs of scenario A against published Starlink medians.

        ``access``: bent-pipe A (its served users are those near an AWS gateway) against
        the user-to-PoP medians; ``server``: the headline A (user to AWS region) against
        user-to-test-server medians. Each passes within ``rtt_reference_tolerance``.
        """
        cfg = self.config
        tol = cfg["rtt_reference_tolerance"]
        bent = summarize(self.routes["bent_pipe"]["A"], self.users, cfg)

        def check(p50, ref):
            return {
                "modelled_p50_ms": p50,
                "reference_median_ms": ref,
                "within_tolerance": None if p50 is None else bool(abs(p50 - ref) <= tol * ref),
            }

        return {
            "tolerance": tol,
            "access": check(bent["rtt_ms"]["p50"], cfg["rtt_reference_access_median_ms"]),
            "server": check(scenarios["A"]["rtt_ms"]["p50"], cfg["rtt_reference_server_median_ms"]),
            "components_ms": {
                k: {
                    "value": cfg[f"rtt_{k}_ms"],
                    "low": cfg[f"rtt_{k}_low_ms"],
                    "high": cfg[f"rtt_{k}_high_ms"],
                }
                for k in ("scheduling", "queueing", "processing")
            }
            | {
                "isl_hop_processing_one_way": {
                    "value": cfg["isl_hop_processing_ms"],
                    "low": cfg["isl_hop_processing_low_ms"],
                    "high": cfg["isl_hop_processing_high_ms"],
                }
            },
            "sources": cfg["rtt_source"],
        }

    @property
    def advantage(self) -> float | None:
        """Legacy heuristic: (availability A / B) x (median latency B / A). Dimensionless.

        Kept in the JSON for comparison with earlier runs only; it has no dollar
        meaning and the valuation no longer reads it: its AWS leg uses the dollar
        inputs of :func:`kuiper.ground.aws_integration_inputs`.
        """
        sc = self._summaries("isl" if self.isl else "bent_pipe")
        a, b = sc["A"], sc["B"]
        la, lb = a["latency_ms"]["p50"], b["latency_ms"]["p50"]
        if not b["availability"] or not la or not lb:
            return None
        return round(a["availability"] / b["availability"] * (lb / la), 4)

    def to_dict(self) -> dict:
        from .config import aws_integration_inputs

        main_mode = "isl" if self.isl else "bent_pipe"
        sc = self._summaries(main_mode)
        a, b = sc["A"], sc["B"]
        diff = {"availability_a_minus_b": round(a["availability"] - b["availability"], 5)}
        for k in ("mean", "p50", "p90", "p99"):
            x, y = a["latency_ms"][k], b["latency_ms"][k]
            diff[f"latency_ms_{k}_b_minus_a"] = None if x is None or y is None else round(y - x, 3)
        kinds: dict[str, int] = {}
        for u in self.users:
            kinds[u["kind"]] = kinds.get(u["kind"], 0) + 1
        out = {
            "constellation": self.constellation,
            "date": self.date.isoformat().replace("+00:00", "Z"),
            "n_satellites": self.n_satellites,
            "duration_s": self.duration_s,
            "step_s": self.step_s,
            "routing": main_mode,
            "user_elevation_mask_deg": self.config["user_elevation_mask_deg"],
            "gateway_elevation_mask_deg": self.config["gateway_elevation_mask_deg"],
            "isl": {
                "topology": "+Grid: 2 in-plane, 2 cross-plane links per satellite",
                "max_range_km": self.config["isl_max_range_km"],
                "cross_plane_max_lat_deg": self.config["isl_cross_plane_max_lat_deg"],
                "source": self.config["isl_max_range_source"],
            },
            "coordinates_note": COORDINATES_NOTE,
            "users_by_kind": kinds,
            "users": [
                {
                    "name": u["name"],
                    "kind": u["kind"],
                    "lat_deg": round(u["lat"], 3),
                    "lon_deg": round(u["lon"], 3),
                    "aws_region": u["aws_region"],
                }
                for u in self.users
            ],
            "scenarios": sc,
            "difference": diff,
            "rtt_check": self.rtt_check(sc),
            "aws_integration": aws_integration_inputs(self.config),
            "aws_advantage": self.advantage,
            "warnings": list(self.warnings),
        }
        if self.isl and "bent_pipe" in self.routes:
            out["without_isl"] = self._summaries("bent_pipe")
        return out

    def render(self) -> str:
        d = self.to_dict()
        kinds = ", ".join(f"{n} {k}" for k, n in d["users_by_kind"].items())
        lines = [f"warning: {w}" for w in d["warnings"]]
        lines += [
            f"Ground model: {d['constellation']} constellation, {d['n_satellites']:,} satellites, "
            f"{len(d['users'])} users ({kinds}), {d['duration_s'] / 3600:g} h at {d['step_s']:g} s",
            f"masks: user {d['user_elevation_mask_deg']:g} deg, gateway "
            f"{d['gateway_elevation_mask_deg']:g} deg; {COORDINATES_NOTE}",
            "",
            f"{'scenario':<50}{'routing':>10}{'avail.':>8}{'1-way p50':>10}{'RTT p50':>9}"
            f"{'RTT p90':>9}{'RTT p99':>9}{'hops p50':>9}",
        ]
        blocks = [d["scenarios"]] + ([d["without_isl"]] if "without_isl" in d else [])
        for block in blocks:
            for s in block.values():
                rtt, ow = s["rtt_ms"], s["latency_ms"]
                cells = "".join(
                    f"{'-' if v is None else v:>9}" for v in (rtt["p50"], rtt["p90"], rtt["p99"])
                )
                hop = s["hops"].get("p50", "-")
                ow50 = "-" if ow["p50"] is None else f"{ow['p50']:.2f}"
                lines.append(
                    f"{s['description']:<50}{s['routing']:>10}{s['availability']:>8.1%}"
                    f"{ow50:>10}{cells}{hop:>9}"
                )
        lines.append("")
        for block in blocks:
            for key, s in block.items():
                by = ", ".join(f"{k} {v:.1%}" for k, v in s["availability_by_kind"].items())
                never = s["never_reached"]
                tail = f"; never reached: {', '.join(never[:6])}" if never else ""
                extra = "..." if len(never) > 6 else ""
                lines.append(f"{key} {s['routing']}: availability by user kind: {by}{tail}{extra}")
        chk = d["rtt_check"]
        comp = chk["components_ms"]
        lines.append(
            f"\nRTT = 2 x one-way + scheduling {comp['scheduling']['value']:g} + queueing "
            f"{comp['queueing']['value']:g} + processing {comp['processing']['value']:g} ms "
            f"(A median range {d['scenarios']['A']['rtt_ms'].get('p50_low')}-"
            f"{d['scenarios']['A']['rtt_ms'].get('p50_high')} ms over the component ranges)."
        )
        for key, what in (("access", "user to PoP"), ("server", "user to server")):
            c = chk[key]
            verdict = {True: "within", False: "OUTSIDE", None: "n/a"}[c["within_tolerance"]]
            lines.append(
                f"check {key}: modelled A median {c['modelled_p50_ms']} ms vs published Starlink "
                f"{what} median {c['reference_median_ms']:g} ms +/-{chk['tolerance']:.0%}: "
                f"{verdict}"
            )
        df = d["difference"]
        lines.append(
            f"B - A: availability {-df['availability_a_minus_b']:+.1%}, one-way latency p50 "
            f"{df['latency_ms_p50_b_minus_a']} ms, p90 {df['latency_ms_p90_b_minus_a']} ms"
        )
        aws = d["aws_integration"]
        lines.append(
            f"AWS integration inputs (kuiper.ground.aws_integration_inputs): transit avoided "
            f"${aws['transit_avoided_usd_per_gbps_year']:,.0f}/Gbps-yr, backhaul avoided "
            f"${aws['backhaul_avoided_usd_per_gbps_year']:,.0f}/Gbps-yr, co-location capex "
            f"${aws['gateway_capex_saved_usd'] / 1e6:g}M and opex "
            f"${aws['gateway_opex_saved_usd_year'] / 1e6:g}M/yr per gateway, "
            f"{aws['aws_gateway_sites']:.0f} gateways at AWS sites"
        )
        return "\n".join(lines)
