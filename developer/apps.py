from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeveloperConfig(AppConfig):
    name = "developer"
    verbose_name = _("Public API and webhooks")

    def ready(self) -> None:
        # Sales, trust, memberships and disputes announce; we turn their signals into the
        # shop's outgoing webhooks (rule 6). developer sits above them all, so they never
        # import it.
        from developer import tasks, webhooks  # noqa: F401  (tasks: registered everywhere)
        from disputes import signals as disputes_signals
        from memberships import signals as memberships_signals
        from sales import signals
        from trust import signals as trust_signals

        signals.order_paid.connect(webhooks.on_order_paid, dispatch_uid="developer.paid")
        signals.order_delivered.connect(webhooks.on_order_delivered,
                                        dispatch_uid="developer.delivered")
        signals.order_revoked.connect(webhooks.on_order_revoked,
                                      dispatch_uid="developer.revoked")
        trust_signals.review_created.connect(webhooks.on_review_created,
                                             dispatch_uid="developer.review_created")
        memberships_signals.membership_renewed.connect(webhooks.on_membership_renewed,
                                                       dispatch_uid="developer.renewed")
        disputes_signals.dispute_opened.connect(webhooks.on_dispute_opened,
                                                dispatch_uid="developer.dispute_opened")
