"""Erase a buyer's personal data on request (LGPD), keeping the anonymized books."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sales.models import Customer
from sales.services.customers import customer_erase
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Erase one buyer's personal data in one shop: buyer_erase <tenant slug> <discord id>"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("discord_user_id")

    def handle(self, *args: Any, slug: str, discord_user_id: str, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"no instance with slug {slug!r}")
        customer = (Customer.objects.for_tenant(tenant)
                    .filter(discord_user_id=discord_user_id).first())
        if customer is None:
            raise CommandError("no buyer with this Discord id in this instance")
        customer_erase(customer=customer, actor=None)
        self.stdout.write(self.style.SUCCESS(f"buyer erased (now {customer.discord_user_id})"))
