"""What memberships announces to the apps above it (developer turns it into a webhook)."""

from __future__ import annotations

from django.dispatch import Signal

# A member's period was renewed by an approved renewal charge: sender=Member, member=Member,
# charge=MemberCharge, payment=Payment. Sent inside charge_apply's transaction, once per charge
# (its conditional UPDATE makes replays of the approval no-ops).
membership_renewed = Signal()
