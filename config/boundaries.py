"""What every boundary refuses, decided in one place (the lowest layer: every app may use it).

- `json_loads(body)`: the one JSON reader for request bodies. Refuses, with `BadInput` (a 400
  in the caller's error shape): invalid UTF-8, NUL characters (raw or escaped), lone surrogates
  (PostgreSQL's text and jsonb refuse them), NaN/Infinity and numbers that overflow to them,
  nesting deeper than MAX_JSON_DEPTH (a body nested 20,000 deep used to raise RecursionError).
  `StrictJSONParser` puts it under every DRF endpoint (REST_FRAMEWORK's parser setting).
- Numbers: `integer_range(model_field)` is the column's range as the database has it;
  `BoundedModelForm` gives every integer form field its column's range and always runs model
  validation; `cents(value)` turns a typed decimal into bounded integer centavos, refusing
  NaN/Infinity.
- `BoundaryMiddleware`: a NUL in the path (404) or the query string (400) never reaches a view
  or a lookup; the answer uses the error shape the app owning the URL prefix registered
  (`register_error_shape`), HTML elsewhere.
- `bad_request` (config.urls' handler400): the branded 400 page, and 413 for bodies over
  DATA_UPLOAD_MAX_MEMORY_SIZE (a 10 MB paste), in the user's language.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.db import connection, models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32
# Amounts typed by people: R$ 1 billion is far beyond any sale, refund or withdrawal, and far
# inside a BIGINT of centavos (sums of many stay representable too).
MAX_AMOUNT_CENTS = 100_000_000_000
INT32_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1


class BadInput(ValueError):
    """Input a boundary refuses; `reason` is short, English, safe to echo to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# -- text --------------------------------------------------------------------------------------
def text_problem(text: str) -> str | None:
    """Why a string cannot be stored as text, or None: NUL or a lone surrogate."""
    if "\x00" in text:
        return "NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "invalid unicode (lone surrogate)"
    return None


# -- JSON --------------------------------------------------------------------------------------
def _refuse_constant(name: str) -> Any:
    raise BadInput(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadInput("number out of range")
    return value


def json_loads(body: bytes | str) -> Any:
    """Parse a request body strictly (see the module's docstring); raises BadInput."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput("body is not UTF-8") from None
    if "\x00" in body:
        raise BadInput("body has NUL characters")
    try:
        value = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise BadInput("JSON nested too deep") from None
    except BadInput:
        raise
    except ValueError as exc:  # JSONDecodeError, and integers over Python's digit limit
        raise BadInput(f"body is not JSON: {exc}"[:120]) from None
    _check_tree(value)
    return value


def _check_tree(value: Any) -> None:
    """Depth and text checks without recursion (the parse succeeded, so the tree is finite)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            problem = text_problem(node)
            if problem:
                raise BadInput(f"body has a {problem}")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise BadInput("JSON nested too deep")
        children = list(node.items()) if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, tuple):  # a dict item: check the key, walk the value
                stack.append((child[0], depth))
                child = child[1]
            stack.append((child, depth + 1))


class StrictJSONParser(JSONParser):
    """DRF's JSON parser on json_loads: a refused body is a ParseError (the API's own 400)."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            return json_loads(stream.read() if stream is not None else b"")
        except BadInput as exc:
            raise ParseError(exc.reason) from None


# -- numbers -----------------------------------------------------------------------------------
def ascii_int(text: str, *, max_digits: int = 18) -> int | None:
    """int(text) when text is ASCII digits only, else None. str.isdigit() is not enough:
    "²".isdigit() is True and int("²") raises; 18 digits always fit a BIGINT."""
    if text and len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def integer_range(field: models.Field) -> tuple[int | None, int | None]:
    """The (min, max) a model integer field's column holds on this database."""
    return connection.ops.integer_field_range(field.get_internal_type())


def bound_integer_field(form_field: forms.Field, low: int | None, high: int | None) -> None:
    """Narrow a form IntegerField to [low, high]: validators plus the widget's min/max."""
    if not isinstance(form_field, forms.IntegerField):
        return
    if low is not None and (form_field.min_value is None or form_field.min_value < low):
        form_field.min_value = low
        form_field.validators.append(validators.MinValueValidator(low))
        form_field.widget.attrs["min"] = low
    if high is not None and (form_field.max_value is None or form_field.max_value > high):
        form_field.max_value = high
        form_field.validators.append(validators.MaxValueValidator(high))
        form_field.widget.attrs["max"] = high


class BoundedModelForm(forms.ModelForm):
    """A ModelForm whose integer fields refuse what their column cannot hold.

    Django copies max_length from a model field to its form field, but not an integer
    column's range: without this, max_uses=99999999999 reached the database. Subclasses keep
    `_post_clean` (model validation); normalise text in clean_<field> so the column's
    max_length is checked on what will be stored.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        opts = self._meta.model._meta
        for name, form_field in self.fields.items():
            try:
                db_field = opts.get_field(name)
            except Exception:  # noqa: S112 - a form-only field
                continue
            if isinstance(db_field, models.IntegerField) and not db_field.primary_key:
                bound_integer_field(form_field, *integer_range(db_field))


def finite_decimal(raw: Any) -> Decimal:
    """Decimal(raw) that is a real number; BadInput for NaN, Infinity or nonsense."""
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise BadInput("not a number") from None
    if not value.is_finite():
        raise BadInput("not a finite number")
    return value


def cents(value: Any, *, maximum: int = MAX_AMOUNT_CENTS) -> int:
    """A typed amount in currency units (Decimal or text with a dot) -> integer centavos.

    Raises ValidationError (the form's message) for NaN, Infinity, more than two decimals,
    nothing above zero or more than `maximum` centavos.
    """
    try:
        amount = finite_decimal(value)
    except BadInput:
        raise ValidationError(_("Enter an amount like 12,50."), code="invalid") from None
    if amount <= 0:
        raise ValidationError(_("The amount must be greater than zero."), code="min_value")
    if amount > Decimal(maximum).scaleb(-2):  # compared before any arithmetic can overflow
        raise ValidationError(_("The amount is too large."), code="max_value")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("Use at most two decimal places."), code="invalid")
    result = int(amount * 100)
    return result


# -- URLs and error pages ----------------------------------------------------------------------
ErrorShape = Callable[[HttpRequest, int, str, str], HttpResponse]
_shapes: dict[str, ErrorShape] = {}


def register_error_shape(prefix: str, render_error: ErrorShape) -> None:
    """An app answers refusals under `prefix` in its own shape: render_error(request, status,
    code, message) -> response. Called from the app's AppConfig.ready."""
    _shapes[prefix] = render_error


def refuse(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    for prefix, render_error in sorted(_shapes.items(), key=lambda item: -len(item[0])):
        if request.path_info.startswith(prefix):
            return render_error(request, status, code, message)
    template = "404.html" if status == 404 else "400.html"
    return render(request, template, {"reason": message}, status=status)


class BoundaryMiddleware:
    """NUL in a URL names nothing (404) and NUL in a query string is malformed (400): refused
    before any view or lookup (PostgreSQL cannot even compare text holding NUL)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info or text_problem(request.path_info):
            return refuse(request, 404, "not_found", "Not found.")
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or any(
                text_problem(key) or any(text_problem(v) for v in values)
                for key, values in request.GET.lists()):
            return refuse(request, 400, "invalid_request", "The query string is not valid.")
        return self.get_response(request)


TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: branded, translated; 413 when the body was over the upload limits."""
    if isinstance(exception, TOO_LARGE):
        return refuse_too_large(request)
    return refuse(request, 400, "invalid_request", "The request is not valid.")


DRAIN_LIMIT = 16 * 1024 * 1024


def _drain(request: HttpRequest) -> None:
    """Read what is left of a refused body: a browser still uploading when the server closes
    the connection shows "connection reset" instead of our page (a proxy usually buffers the
    body anyway; past DRAIN_LIMIT we do not bother)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    stream = getattr(request, "_stream", None)
    if stream is None or declared > DRAIN_LIMIT:
        return
    try:
        while stream.read(256 * 1024):
            pass
    except OSError:
        pass


def refuse_too_large(request: HttpRequest) -> HttpResponse:
    _drain(request)
    for prefix, render_error in _shapes.items():
        if request.path_info.startswith(prefix):
            return render_error(request, 413, "payload_too_large",
                                "The request body is too large.")
    return render(request, "413.html", status=413)
