"""Delivery kinds performed by seller features above sales (DESIGN.md rule 6: sales calls what
was registered, it never imports those apps). The SMM panel app registers "service".

A performer takes the claimed Delivery and either returns None (done now), returns WAITING
(handed to an outside provider that reports back later: the app settles it through
`sales.fulfillment.services.delivery_handoff_finish`), or raises DeliveryError (its
`permanent` says whether the worker retries with backoff).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WAITING = "waiting"

Performer = Callable[[Any], "str | None"]  # sales.models.Delivery -> None | WAITING

_performers: dict[str, Performer] = {}


def register_performer(kind: str, performer: Performer) -> None:
    """By kind, so a second ready() (tests, autoreload) replaces rather than doubles."""
    _performers[kind] = performer


def performer_for(kind: str) -> Performer | None:
    return _performers.get(kind)
