"""Recompute every balance from the entries and check the ledger's invariants, kind by kind."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wallet.selectors import ledger_verify


class Command(BaseCommand):
    help = ("Recompute every wallet balance from its entries, check every account against its "
            "kind's rule (no negative balance but available's debt; pending = unreleased holds, "
            "withdrawing = pending withdrawals, payouts = paid withdrawals), that entries are "
            "filed under their account's tenant, that every transaction balances and that the "
            "platform's books close. Exits non-zero on any difference.")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = ledger_verify()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"wallet: {len(problems)} problem(s) found")
        self.stdout.write(self.style.SUCCESS("wallet: ledger balanced, balances match entries"))
