"""`make bench`'s table: every figure of the run with its same-run baseline, as markdown.

Reads the JSON lines each benchmark printed (var/bench/<script>.jsonl, written by `make bench`)
and writes var/bench/summary.md: script, figure, value, baseline, ratio and, where issue 25 set
one, the target. Lines that are not figures (errors, stage breakdowns) are listed as they are.

    python benchmarks/_summary.py var/bench
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

# Issue 25's targets, by figure name: (what the table says, the check on (value, ratio)).
# Ratios are value / baseline. A figure without a target is listed with an empty column.
Check = Callable[[float, float | None], bool]
TARGETS: dict[str, tuple[str, Check]] = {
    "delivery_latency_p50": ("ratio <= 10", lambda v, r: r is not None and r <= 10),
    "delivery_latency_p95": ("ratio <= 20", lambda v, r: r is not None and r <= 20),
    "delivery_throughput": (">= 100 orders/s (32 in flight)", lambda v, r: v >= 100),
    "deliveries_exactly_one_dm_own_key": ("ratio = 1", lambda v, r: r == 1),
    "deliveries_delivered": ("ratio = 1", lambda v, r: r == 1),
    "webhook_ingest_throughput": ("ratio >= 0.6", lambda v, r: r is not None and r >= 0.6),
    "webhook_apply_throughput": (">= 300 events/s", lambda v, r: v >= 300),
    "payments_transitioned_exactly_once": ("ratio = 1", lambda v, r: r == 1),
    "payments_not_approved": ("= 0", lambda v, r: v == 0),
    "sale_postings_spread_100_tenants": (">= 400 postings/s", lambda v, r: v >= 400),
    "sale_postings_hot_tenant": ("spread >= hot (ratio <= 1)",
                                 lambda v, r: r is not None and r <= 1),
    "ledger_verify_problems": ("= 0", lambda v, r: v == 0),
    "balance_read_100k_entries": ("ratio ~ 1 (constant in ledger size)",
                                  lambda v, r: r is not None and r <= 1.5),
    "drop_sold": ("= 100", lambda v, r: v == 100),
    "drop_told_sold_out": ("= 900", lambda v, r: v == 900),
    "drop_checkout_p95": ("ratio <= 2", lambda v, r: r is not None and r <= 2),
    "drop_within_s": ("<= 10 s", lambda v, r: v <= 10),
    # Bot density (bot_density.py): 100 bots alone, and 100 running among 500 shops.
    **{f"density_100_of_{shops}_{figure}": target
       for shops in (100, 500)
       for figure, target in {
           "containers_memory": ("<= 3,000 MB", lambda v, r: v <= 3000),
           "host_memory": ("<= 3,000 MB", lambda v, r: v <= 3000),
           "all_ready": ("<= 60 s", lambda v, r: v <= 60),
           "noop_pass": ("<= 200 ms", lambda v, r: v <= 200)}.items()},
}


def _target(name: str, value: float, ratio: float | None) -> tuple[str, str]:
    """(the target's text, "yes"/"no"), or two empty cells for a figure without one."""
    if name not in TARGETS:
        return "", ""
    text, check = TARGETS[name]
    return text, "yes" if check(value, ratio) else "**no**"


def rows(directory: Path) -> list[str]:
    out = ["| script | figure | value | unit | baseline | ratio | target | met |",
           "|---|---|---:|---|---:|---:|---|---|"]
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            try:
                figure = json.loads(line)
            except ValueError:
                continue
            if not isinstance(figure, dict) or "name" not in figure:
                continue
            if not isinstance(figure.get("value"), int | float):
                out.append(f"| {path.stem} | {figure['name']} | {json.dumps(figure)[:120]} "
                           "| | | | | |")
                continue
            target, met = _target(figure["name"], figure["value"], figure.get("ratio"))
            out.append("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
                path.stem, figure["name"], figure["value"], figure.get("unit", ""),
                "" if figure.get("baseline") is None else figure["baseline"],
                "" if figure.get("ratio") is None else figure["ratio"], target, met))
    return out


def missing(directory: Path) -> list[str]:
    """Targets no script printed a figure for (a benchmark that failed or was left out)."""
    seen = set()
    for path in directory.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            try:
                seen.add(json.loads(line).get("name"))
            except (ValueError, AttributeError):
                continue
    return [f"- no figure for `{name}` (target {TARGETS[name][0]})"
            for name in TARGETS if name not in seen]


def main() -> None:
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else "var/bench")
    absent = missing(directory)
    table = "\n".join(["# Benchmarks (one run; ratios against same-run baselines)", "",
                       *rows(directory), "", *(["## Missing", "", *absent, ""] if absent
                                               else [])])
    (directory / "summary.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
