"""`make bench`'s table: every figure of the run with its same-run baseline, as markdown.

Reads the JSON lines each benchmark printed (var/bench/<script>.jsonl, written by `make bench`)
and writes var/bench/summary.md: script, figure, value, baseline, ratio and, where issue 25 set
one, the target. Lines that are not figures (errors, stage breakdowns) are listed as they are.

    python benchmarks/_summary.py var/bench
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Issue 25's targets, by figure name (ratios are value / baseline).
TARGETS = {
    "delivery_latency_p50": "ratio <= 10",
    "delivery_latency_p95": "ratio <= 20",
    "delivery_throughput": ">= 100 orders/s (32 in flight)",
    "deliveries_exactly_one_dm_own_key": "ratio = 1",
    "webhook_ingest_throughput": "ratio >= 0.6",
    "webhook_apply_throughput": ">= 300 events/s",
    "payments_transitioned_exactly_once": "ratio = 1",
    "sale_postings_spread_100_tenants": ">= 400 postings/s",
    "sale_postings_hot_tenant": "spread >= hot (ratio <= 1)",
    "balance_read_100k_entries": "ratio ~ 1 (constant in ledger size)",
    "drop_sold": "= 100",
    "drop_told_sold_out": "= 900",
    "drop_checkout_p95": "ratio <= 2",
    "drop_within_s": "<= 10 s",
}


def rows(directory: Path) -> list[str]:
    out = ["| script | figure | value | unit | baseline | ratio | target |",
           "|---|---|---:|---|---:|---:|---|"]
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            try:
                figure = json.loads(line)
            except ValueError:
                continue
            if not isinstance(figure, dict) or "name" not in figure:
                continue
            if "value" not in figure or isinstance(figure["value"], list):
                out.append(f"| {path.stem} | {figure['name']} | {json.dumps(figure)[:120]} "
                           "| | | | |")
                continue
            out.append("| {} | {} | {} | {} | {} | {} | {} |".format(
                path.stem, figure["name"], figure["value"], figure.get("unit", ""),
                "" if figure.get("baseline") is None else figure["baseline"],
                "" if figure.get("ratio") is None else figure["ratio"],
                TARGETS.get(figure["name"], "")))
    return out


def main() -> None:
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else "var/bench")
    table = "\n".join(["# Benchmarks (one run; ratios against same-run baselines)", "",
                       *rows(directory), ""])
    (directory / "summary.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
