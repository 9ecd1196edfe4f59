"""What trust announces to the apps above it (developer turns it into a webhook)."""

from __future__ import annotations

from django.dispatch import Signal

# A buyer's review was created (not edited): sender=Review, review=Review. Sent inside the
# transaction that created it, once per review; receivers defer outside effects to on_commit.
review_created = Signal()
