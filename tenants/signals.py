"""Events tenants publishes for the apps above it (it never imports them: DESIGN.md rule 6)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside tenant_create's transaction, with tenant=<Tenant>: billing starts the trial, so
# an instance and its subscription commit together or not at all.
tenant_created = Signal()
