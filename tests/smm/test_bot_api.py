"""The SMM Bot API (/meuspedidos progress and refills) over HTTP: each shop's bot sees only
its own buyers' service orders; another shop's bot, or another buyer, gets 404."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from smm import services
from smm.models import PanelOrder
from tests.api.conftest import BotClient, bot, other_bot  # noqa: F401
from tests.smm.conftest import buy_paid, deliver

pytestmark = pytest.mark.django_db


def test_services_and_refill_only_for_the_shops_own_buyer(
        smm_shop, mp, panel_sb, bot, other_bot):  # noqa: F811
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        order = buy_paid(smm_shop, mp, smm_shop.followers)
        deliver(order)
        po = PanelOrder.objects.for_tenant(order.tenant_id).get(order=order)
        mine = bot.get("customers/4242/services/")
        assert mine.status_code == 200
        assert [s["id"] for s in mine.json()["services"]] == [po.pk]
        assert other_bot.get("customers/4242/services/").status_code == 404  # not its buyer
        panel_sb.force(po.panel_order_id, status="Completed", remains=0)
        clock.shift(timezone.timedelta(minutes=2))
        for tenant_id, ids in services.orders_claim_due().items():
            services.orders_check(tenant_id=tenant_id, ids=ids)
        refill = f"customers/4242/services/{po.pk}/refill/"
        assert other_bot.post(refill).status_code == 404
        assert bot.post(f"customers/999/services/{po.pk}/refill/").status_code == 404
        assert panel_sb.calls("refill") == []  # nothing reached the panel
        assert bot.post(refill).status_code == 201
        assert len(panel_sb.calls("refill")) == 1
