"""What disputes announces to the apps above it (developer turns it into a webhook)."""

from __future__ import annotations

from django.dispatch import Signal

# A dispute was opened: sender=Dispute, dispute=Dispute. Sent inside the transaction that
# created the row, so a duplicate or replayed provider notification never sends it again.
dispute_opened = Signal()
