"""Answers to a product's custom fields (catalog.models.ProductField): what a valid answer is.

The rules live here, beside the definitions, so every door that takes answers (the bot's modal
through the Bot API, the public API, the portal) refuses the same things. Answers are stored as
a list of dicts on the order line (sales), each carrying its `private` flag so later code knows
what must never be logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from catalog.models import ProductField

MAX_FIELDS = 5  # a Discord modal holds five text inputs
MAX_ANSWER = 300
HANDLE_RE = re.compile(r"@?[A-Za-z0-9_.]{1,30}")
NUMBER_RE = re.compile(r"-?[0-9]{1,15}([.,][0-9]{1,6})?")
_Kind = ProductField.Kind


@dataclass(frozen=True)
class FieldError(Exception):
    """One bad answer: which field, and why (already in the active language)."""

    key: str
    label: str
    reason: str


def pattern_check(pattern: str) -> None:
    """A shop's validation pattern must compile (the portal form calls this)."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValidationError(_("This is not a valid regular expression: %(error)s")
                              % {"error": exc}) from None


def _kind_ok(kind: str, value: str) -> bool:
    if kind == _Kind.HANDLE:
        return HANDLE_RE.fullmatch(value) is not None
    if kind == _Kind.NUMBER:
        return NUMBER_RE.fullmatch(value) is not None
    validator = {_Kind.URL: URLValidator(schemes=["http", "https"]),
                 _Kind.EMAIL: EmailValidator()}.get(kind)
    if validator is None:
        return True
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _pattern_ok(pattern: str, value: str) -> bool:
    if not pattern:
        return True
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:  # a pattern saved before it was checked: refuse rather than crash
        return False


def _hint(kind: str) -> str:
    messages = {
        _Kind.HANDLE: _("Use a handle like @name (letters, numbers, _ and .)."),
        _Kind.URL: _("Use a full link starting with https://."),
        _Kind.EMAIL: _("Use a valid e-mail address."),
        _Kind.NUMBER: _("Use a number."),
    }
    return messages.get(kind, _("The answer is not in the expected format."))


def answers_clean(*, fields: Iterable[ProductField],
                  answers: Mapping[str, object] | None) -> list[dict[str, object]]:
    """Check `answers` (key -> text) against the product's fields; the stored form, in the
    fields' order. Raises FieldError for the first bad or missing answer; unknown keys are
    refused too (nothing unasked is stored)."""
    answers = dict(answers or {})
    fields = list(fields)
    known = {f.key for f in fields}
    for key in answers:
        if key not in known:
            raise FieldError(key=str(key)[:40], label=str(key)[:40],
                             reason=_("This product has no such field."))
    cleaned: list[dict[str, object]] = []
    for field in fields:
        raw = answers.get(field.key)
        value = raw.strip() if isinstance(raw, str) else ""
        if raw is not None and not isinstance(raw, str):
            raise FieldError(key=field.key, label=field.label, reason=_("Write it as text."))
        if not value:
            if field.required:
                raise FieldError(key=field.key, label=field.label,
                                 reason=_("This field is required."))
            continue
        if len(value) > MAX_ANSWER:
            raise FieldError(key=field.key, label=field.label,
                             reason=_("Use at most %(max)s characters.") % {"max": MAX_ANSWER})
        if not _kind_ok(field.kind, value):
            raise FieldError(key=field.key, label=field.label, reason=_hint(field.kind))
        if not _pattern_ok(field.pattern, value):
            raise FieldError(key=field.key, label=field.label,
                             reason=_("The answer is not in the expected format."))
        cleaned.append({"key": field.key, "label": field.label, "value": value,
                        "private": field.private})
    return cleaned


def answers_public(answers: Iterable[Mapping[str, object]]) -> list[dict[str, object]]:
    """The answers safe to write to a log or the audit trail: private ones are masked."""
    return [{**a, "value": "•••"} if a.get("private") else dict(a) for a in answers]


def answer_value(answers: Iterable[Mapping[str, object]], key: str) -> str:
    return next((str(a.get("value") or "") for a in answers if a.get("key") == key), "")
