"""`python -m sandbox.kofi URL TOKEN donation|subscription|shop EMAIL AMOUNT [TIER]`:
send one Ko-fi webhook (with --duplicate, twice)."""

from __future__ import annotations

import argparse

from sandbox.kofi.emulator import KofiEmulator


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.kofi")
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("kind", choices=["donation", "subscription", "shop"])
    parser.add_argument("email")
    parser.add_argument("amount")
    parser.add_argument("tier", nargs="?", default="")
    parser.add_argument("--duplicate", action="store_true")
    args = parser.parse_args()
    kofi = KofiEmulator(args.url, args.token, duplicate=args.duplicate)
    if args.kind == "donation":
        kofi.donation(email=args.email, amount=args.amount)
    elif args.kind == "subscription":
        kofi.subscription(email=args.email, amount=args.amount, tier_name=args.tier)
    else:
        kofi.shop_order(email=args.email, amount=args.amount)
    for delivery in kofi.deliveries:
        print(delivery.status, delivery.body)


if __name__ == "__main__":
    main()
